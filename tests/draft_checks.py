"""What a person reading a draft aloud would trip on, checked on every draft the tests make.

`problems(text)` lists them: a sentence with no verb, a lower-case "i", chat shorthand or a
filler left in, "my therapist" (the message speaks to them), a doubled word, a pasted
self-correction, "she"/"he" with nobody but the therapist to mean, markup or template debris.
"""

from __future__ import annotations

import re

from bring_it_up import language
from bring_it_up.text import load_content
from bring_it_up.tidy import QUOTED

_DEBRIS = re.compile(r"\bNone\b|\{|\}|\[|\]|\s{2,}|\.\.|\s[.,]|<|>")
_CORRECTION = re.compile(r"\?\s*(?:no\b|wait\b|more like\b|actually\b)|\bno wait\b", re.I)
_FILLER = re.compile(r"\b(?:um+|uh+|erm|tbh|ngl|lol|idk|i guess|i dunno)\b|\bor something[.!?]", re.I)


def _shorthand() -> set[str]:
    config = load_content("realisation.yml")
    words = {w.lower() for w in config["shorthand"] if re.fullmatch(r"[a-z]+", str(w).lower())}
    # ordinary English words that are also in the table
    return (words | set(config["drop_words"])) - {"k", "def", "ok", "cos", "wat"}


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def problems(text: str) -> list[str]:
    found = []
    shorthand = _shorthand()
    others = {w.lower() for w in language.lexicon()["other_people"]}
    words = re.findall(r"[A-Za-z']+", text)
    lower = [w.lower() for w in words]
    for sentence in sentences(text):
        doc = language.parse(sentence)
        if not any(t.pos_ in ("VERB", "AUX") for t in doc):
            found.append(f"no verb: {sentence!r}")
        if not sentence[0].isupper() and not sentence[0].isdigit() and sentence[0] != '"':
            found.append(f"starts in lower case: {sentence!r}")
    if re.search(r"(?<![\w'])i(?![\w'])", text):
        found.append("lower-case i")
    left = sorted({w for w in lower if w in shorthand})
    if left:
        found.append(f"shorthand or filler left in: {left}")
    if _FILLER.search(text):
        found.append(f"filler: {_FILLER.search(text).group(0)!r}")
    if re.search(r"\b(?:my|the)\s+(?:therapist|counsell?or|psychologist|clinician)\b", text, re.I):
        found.append("the therapist is not 'you'")
    # "like like", "he he" (not "thank you, you got me" or "repeat it. It matters")
    doubled = [m.group(1).lower() for m in re.finditer(r"\b([A-Za-z']+)\s+(\1)\b", text, re.I)
               if m.group(1).lower() not in ("had", "that", "very", "really")]
    if doubled:
        found.append(f"doubled word: {doubled}")
    if _CORRECTION.search(text):
        found.append("a self-correction pasted in")
    # what someone said is as they said it, and a set of pronouns is a set ("I use he/him")
    unquoted = re.sub(r"\b[A-Za-z]+(?:\s*/\s*[A-Za-z]+)+\b", " ", QUOTED.sub(" ", text))
    pronouns = {w.lower() for w in re.findall(r"[A-Za-z]+", unquoted)}
    if pronouns & {"she", "he", "her", "him", "his", "hers"} and not set(lower) & others \
            and not any(t.ent_type_ == "PERSON" for t in language.parse(text)):
        found.append("the therapist in the third person")
    if _DEBRIS.search(text):
        found.append("debris")
    return found
