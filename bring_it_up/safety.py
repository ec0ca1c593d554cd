"""The deterministic safety screen (spaCy Matcher over content/safety_rules.yml).

`screen(text)` returns the highest level found ("crisis" > "check_in" > "ethics") with the
rule that fired, or None. Pure: no Rasa imports, so clinicians' test tables can call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from bring_it_up.language import lexicon, load_nlp
from bring_it_up.text import load_content, normalize

LEVELS = ("crisis", "check_in", "ethics")
NEGATIONS = {"not", "never", "no", "nobody", "nothing", "n't"}
THIRD_PERSON = {"he", "she", "they"}
PAST = re.compile(r"\b(used to|years ago|when i was (a |younger|little|in)|in the past|"
                  r"long time ago|as a (kid|teen|teenager)|back in (high school|college))\b")
_CONTRACTIONS = [
    (r"\bcan't\b", "can not"), (r"\bcannot\b", "can not"), (r"\bwon't\b", "will not"),
    (r"\bain't\b", "is not"), (r"n't\b", " not"), (r"'m\b", " am"), (r"'re\b", " are"),
    (r"'ll\b", " will"), (r"'d\b", " would"), (r"'ve\b", " have"),
    (r"\b(what|that|it|there|she|he|who|life)'s\b", r"\1 is"),
]


@dataclass(frozen=True)
class Finding:
    level: str
    rule: str
    matched: str


def _expand(text: str) -> str:
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    return text


def _forms(token: Token) -> list[str]:
    return [token.lower_, token.lemma_.lower()]


if not Token.has_extension("forms"):
    Token.set_extension("forms", getter=_forms)


def _required(pattern: str) -> list[frozenset[str]]:
    """The words a match of `pattern` cannot do without: for each word that is neither
    optional nor a gap, its alternatives (one of them must be among the message's forms)."""
    return [frozenset(word.split("|")) for word in pattern.lower().split()
            if word != "*" and not word.startswith("?")]


def _compile(pattern: str) -> list[dict[str, Any]]:
    tokens: list[dict[str, Any]] = []
    for word in pattern.lower().split():
        if word == "*":
            tokens.append({"OP": "{0,4}"})
            continue
        optional = word.startswith("?")
        alternatives = word.lstrip("?").split("|")
        spec: dict[str, Any] = {"_": {"forms": {"INTERSECTS": alternatives}}}
        if optional:
            spec["OP"] = "?"
        tokens.append(spec)
    return tokens


@lru_cache(maxsize=1)
def _matcher() -> tuple[Matcher, dict[str, dict[str, Any]], list[list[frozenset[str]]]]:
    """The matcher, each pattern's rule by key, and each pattern's required words."""
    matcher = Matcher(load_nlp().vocab)
    rules: dict[str, dict[str, Any]] = {}
    needs: list[list[frozenset[str]]] = []
    config = load_content("safety_rules.yml")
    for level in (*LEVELS, "calm"):
        for rule in config.get(level, []):
            for i, pattern in enumerate(rule["patterns"]):
                key = f"{level}:{rule['id']}:{i}"
                matcher.add(key, [_compile(pattern)])
                needs.append(_required(pattern))
                rules[key] = {
                    "level": level,
                    "id": rule["id"],
                    "negation_in_pattern": bool(set(re.split(r"[\s|?]+", pattern.lower())) & NEGATIONS),
                    "first_person": rule.get("first_person", False),
                    "therapist": rule.get("therapist", False),
                    "past_is_check_in": rule.get("past_is_check_in", False),
                    "unless_followed_by": tuple(rule.get("unless_followed_by", ())),
                    "unless_in_sentence": tuple(rule.get("unless_in_sentence", ())),
                }
    return matcher, rules, needs


def _may_match(doc: Doc, needs: list[list[frozenset[str]]]) -> bool:
    """Whether some pattern has all its required words among the message's forms. The
    matcher asks `token._.forms` once per token and pattern start (~1.5 ms a message);
    when no pattern can match, it would find nothing, so it is not run."""
    forms = {form for token in doc for form in _forms(token)}
    return any(all(words & forms for words in need) for need in needs)


def _subjects(span: Span) -> list[Token]:
    heads = list(span) + [span.root.head]
    return [c for t in heads for c in t.children if c.dep_ in ("nsubj", "nsubjpass")]


# Dependencies that stay inside one clause on the way up from the match to its verb: "not
# going to kill myself", "no thoughts of hurting myself", "not thinking of hurting myself",
# "do not have any plans to hurt myself". Not "conj", "ccomp" or "advcl": in "I'm not okay and
# I want to die" or "I don't know if I want to live", the "not" belongs to another clause.
_SAME_CLAUSE = {"xcomp", "acomp", "aux", "pcomp", "prep", "pobj", "dobj", "acl", "relcl", "attr"}


def _negated(span: Span) -> bool:
    """Negated in its own clause: "I'm not going to kill myself", "no plans to hurt myself"."""
    clause = list(span)
    token = span.root
    while token.dep_ in _SAME_CLAUSE and token.head is not token:
        token = token.head
        clause.append(token)
    if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no")
           for t in clause for c in t.children):
        return True
    before = span.doc[max(span.start - 2, span.sent.start):span.start]
    return any(t.lower_ in NEGATIONS for t in before)


def _in_sentence(span: Span, phrases: tuple[str, ...]) -> bool:
    """The match's sentence holds one of these phrases ("she asked in the intake whether I'd
    ever been suicidal and I said no" reports a question; it is not a disclosure)."""
    sentence = " " + " ".join(t.lower_ for t in span.sent) + " "
    return any(f" {phrase} " in sentence for phrase in phrases)


def _followed_by(span: Span, phrases: tuple[str, ...]) -> bool:
    """The words right after the match begin one of these phrases."""
    after = " ".join(t.lower_ for t in span.doc[span.end:span.end + 5]) + " "
    return any(after.startswith(phrase + " ") for phrase in phrases)


def _about_someone_else(span: Span, others: set) -> bool:
    """The subject is another person ("my friend wants to die"), not the client."""
    return any(s.lower_ in THIRD_PERSON or s.lower_ in others or s.pos_ == "PROPN"
               for s in _subjects(span) if s.i < span.end)


@dataclass(frozen=True)
class Assessment:
    finding: Finding | None
    # True when the message only *looks* risky: a negated pattern ("I don't want to die"),
    # someone else's risk ("my friend wants to die"), or a known idiom ("dead tired").
    # The classifier may not raise an alarm on such a message by itself.
    calm: bool


def _parse(prepared: str, parsed: Doc | None) -> Doc:
    """The screen's parse of `prepared`. `parsed` is the NLU pipeline's parse (SpacyNLP:
    the same model's vocabulary, no dependency parser): when it is of this very text, the
    parser and the steps after it are run on a copy, which gives the same annotations as a
    whole parse (tests/unit/test_speedups.py) in a fifth of the time."""
    nlp = load_nlp()
    if parsed is None or parsed.text != prepared or parsed.vocab is not nlp.vocab:
        return nlp(prepared, disable=["ner"])  # names are not needed; ~40% of a parse
    doc = parsed.copy()
    for token in doc:
        token.lemma = 0  # the lemmatizer keeps lemmas already set; these change with the parse
    names = nlp.pipe_names
    for name in names[names.index("parser"):]:
        if name != "ner":
            doc = nlp.get_pipe(name)(doc)
    return doc


def assess(text: str, parsed: Doc | None = None) -> Assessment:
    prepared = _expand(normalize(text))
    if not prepared:
        return Assessment(None, False)
    doc = _parse(prepared, parsed)
    matcher, rules, needs = _matcher()
    others = {w.lower() for w in lexicon()["other_people"]}
    found: list[Finding] = []
    calm = False
    for match_id, start, end in matcher(doc) if _may_match(doc, needs) else ():
        rule = rules[doc.vocab.strings[match_id]]
        span = doc[start:end]
        if rule["level"] == "calm" or (not rule["negation_in_pattern"] and _negated(span)) \
                or (rule["first_person"] and _about_someone_else(span, others)) \
                or (rule["therapist"] and any(s.lower_ in others for s in _subjects(span))) \
                or _followed_by(span, rule["unless_followed_by"]) \
                or _in_sentence(span, rule["unless_in_sentence"]):
            calm = True
            continue
        level = rule["level"]
        if rule["past_is_check_in"] and PAST.search(span.sent.text):
            level = "check_in"
        found.append(Finding(level, rule["id"], span.text))
    if not found:
        return Assessment(None, calm)
    return Assessment(min(found, key=lambda f: LEVELS.index(f.level)), calm)


def screen(text: str) -> Finding | None:
    """The most serious safety finding in a message, or None."""
    return assess(text).finding


def mentions_other_person(text: str) -> bool:
    words = set(re.findall(r"[a-z]+", normalize(text)))
    return bool(words & {w.lower() for w in lexicon()["other_people"]})


def _answer_words(text: str) -> list[str] | None:
    """The words of a typed answer, or None for a question ("sure?")."""
    prepared = normalize(text)
    if prepared.rstrip().endswith("?"):
        return None
    return re.findall(r"[a-z0-9']+", prepared)


def clear_yes(text: str, question: str) -> bool:
    """A typed "yes" that leaves no doubt, to a question of content/safety_flow.yml's
    `clear_yes` ("safe_now", "delete"): a yes-word, nothing but the listed words, no
    negation, not a question."""
    words = set(_answer_words(text) or ())
    config = load_content("safety_flow.yml")
    cues = config["clear_yes"][question]
    yes, allowed = set(cues["cues"]), set(cues["cues"]) | set(cues["also"])
    return bool(words & yes) and words <= allowed and not words & set(config["no_words"])


def says_no(text: str) -> bool:
    """A typed answer with a no in it ("no", "not really", "nope, just tired")."""
    words = set(_answer_words(text) or ())
    return bool(words & set(load_content("safety_flow.yml")["no_words"]))
