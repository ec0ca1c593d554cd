"""The client's words tidied for their message (no Rasa; spaCy only to mend a self-correction).

What a client types to the bot carries things meant for the bot, not for the therapist:
fillers ("um", "tbh"), hedges at the edges ("bad I guess"), self-corrections ("annoyed? no
wait, more like small"), chat shorthand ("abt", "n", "u") and typos ("therapst"). `tidy()`
takes those out and leaves everything else as the client wrote it. The lists are in
content/realisation.yml; spelling uses pyspellchecker's English word list, leaves names,
quoted words and British spellings alone, and only mends a word one letter away from a
common one. The client can always go back to their exact words (`exact_words`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bring_it_up.text import clean, first_words, load_content, sentences


def _config() -> dict:
    return load_content("realisation.yml")


def _alternation(phrases: list[str]) -> str:
    escaped = sorted((re.escape(p).replace(r"\ ", r"\s+") for p in phrases), key=len, reverse=True)
    return "|".join(escaped)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    c = _config()
    markers = [*c["corrections"], *c["corrections_after_a_mark"], "wait", "like", "more", "sorry", "oops"]
    return {
        "correction": re.compile(
            rf"(?:(?<=[\w?!.,;:\-\u2014])\s*(?:{_alternation(c['corrections'])})"
            rf"|[?,\-\u2014]\s*(?:{_alternation(c['corrections_after_a_mark'])}))\b"
            r"(?!\s+(?:one|body|longer|matter|way|idea|reason|doubt)\b)[\s,.:\-]*(?=\w)", re.I),
        "marker": re.compile(rf"^(?:(?:{_alternation(markers)})\b[\s,.:\-]*)+", re.I),
        "drop": re.compile(rf"(?<![\w'])(?:{_alternation(c['drop_words'])})(?![\w'])(?P<marks>[\s,.!]*)",
                           re.I),
        "between": re.compile(
            rf",\s*(?:{_alternation(c['drop_between_commas'] + c['drop_words'])})\s*,\s*", re.I),
        "start": re.compile(rf"^(?:(?:{_alternation(c['drop_at_start'])})(?![\w'])[\s,.;:!\-]*"
                            rf"|(?:(?:{_alternation(c['drop_at_start_before_a_mark'])})\s+)*"
                            rf"(?:{_alternation(c['drop_at_start_before_a_mark'])})\s*[,.;:!\-]+\s*"
                            rf"|(?:{_alternation(c['drop_at_start_before_a_subject'])})\s+"
                            r"(?=(?:I|I'm|I've|I'd|I'll|you|she|he|they|we|it's|my)\b))", re.I),
        "end": re.compile(rf"(?:[\s,]+(?:{_alternation(c['drop_at_end'])})"
                          # "an apology I think", but "she never asks what I think"
                          rf"|(?<!\bwhat)(?<!\bhow)(?<!\bthat)(?<!\bwho)(?<!\bwhy)(?<!\bwhen)"
                          rf"(?<!\bif)(?<!\bthan)(?<!\bso)(?<!\bas)\s+i\s+think)\s*[.!?\u2026]*$", re.I),
        "end_marked": re.compile(
            rf"(?:[,;\-\u2014]|\.\.\.|\u2026)\s*(?:{_alternation(c['drop_at_end_after_a_mark'])})\s*[.!?\u2026]*$",
            re.I),
        "about_the_answer": re.compile(
            rf"(?:^|[,;\-\u2014]\s*)(?:{_alternation(c['about_the_answer'])})\s*[.!\u2026]*$", re.I),
        "unsure": re.compile(r"\b(?:kind|sort)\s+of\s*\?+\s*", re.I),  # "kind of? hurt"
        # "she kind of laughed" is "she laughed" ("I was kind of tired" stays)
        "hedged_verb": re.compile(r"\b(she|you|it|he|they)\s+(?:kind|sort)\s+of\s+(?=\w+ed\b)", re.I),
        # "I sort of dread Thursdays": right after its subject the hedge is on the verb (and
        # spaCy reads "dread" as a noun)
        "hedged_subject": re.compile(r"\b(I|we|you|they)(\s+just)?\s+(?:kind|sort)\s+of\s+(?=[a-z])", re.I),
        # "I just kind of couldn't" is "I just couldn't"
        "hedged_not": re.compile(r"\b(?:kind|sort)\s+of\s+(?=(?:could|can|did|would|was|were|do|does|"
                                 r"had|have|is|wo)n't\b)", re.I),
        # "she like picked it up", "I'm like sitting there", ", like the whole fight" (not
        # "I like walking"): see _like_filler
        "like_filler": re.compile(r"(\b[a-z']+|,)\s+like\s+(?=(\w+)\b)", re.I),
        "proper": re.compile(r"\b(?:" + "|".join(c["proper_words"]) + r")\b"),
        # "yawned like three times"
        "like_number": re.compile(r"\blike\s+(?=(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|"
                                  r"twenty|thirty|a few|a couple|half|an? (?:hour|minute|week))\b)", re.I),
        "mid_hedge": re.compile(
            rf",?\s+(?:{_alternation(c['mid_hedges'])})(?:[\s,]+(?=(?:I|you|it|she|he|they|we|this|that)\b)"
            r"|(?=\s*[,;]))", re.I),  # "...invisible I guess, like" too
        "its": re.compile(r"\bits\s+(?=(?:" + "|".join(c["its_before"]) + r")\b)", re.I),
        "shorthand": re.compile(r"(?<![\w'])(?:" + _alternation(list(c["shorthand"])) + r")(?![\w'/])", re.I),
        "before": re.compile(
            r"\b(" + "|".join(c["contractions_before"]["forms"]) + r")\s+(?=(?:"
            + "|".join(c["contractions_before"]["words"]) + r")\b)", re.I),
    }


def resolve_correction(text: str) -> str:
    """"annoyed? no wait, more like small" -> "small": the words after the last
    self-correction, when there are any worth keeping."""
    matches = list(_patterns()["correction"].finditer(text))
    if not matches:
        return text
    last = matches[-1]
    for earlier in reversed(matches[:-1]):  # "actually no, it was more of a smirk": one correction
        if re.fullmatch(r"[\s,.:\-\u2014]*", text[earlier.end():last.start()]) is None:
            break
        last = earlier
    before, after = text[:last.start()].strip(" ,.?!"), text[last.end():].strip()
    # what came before the sentence of the correction stays as it was said
    # ("annoyed? no wait, more like small": "no wait" is no sentence of its own)
    pieces = sentences(before) or [""]  # ("Dr. Reyes" is one name)
    while len(pieces) > 1 and not _patterns()["marker"].sub("", pieces[-1]).strip(" ,.?!"):
        pieces[-2:] = [" ".join(pieces[-2:])]
    *kept, before = pieces
    kept_text = " ".join(kept)
    stripped = _patterns()["marker"].sub("", after)  # "no wait, more like small"
    # ...but "it was more of a smirk" is a sentence: "more of a smirk" alone is not
    after = after if _starts_with_subject(after) and not _starts_with_subject(stripped) else stripped
    if not before or not re.search(r"[A-Za-z]{2}", after):
        return text  # "more like a lecture" said first is an answer, not a correction
    return (kept_text + " " + _corrected(before, after, last.group(0))).strip()


def _corrected(before: str, after: str, marker: str) -> str:
    """The sentence `before` a self-correction, with `after` in place of what it corrects."""
    # the correction is the rest of its sentence; what follows is said as it was
    first, rest = (re.split(r"(?<=[.!?])\s+", after, maxsplit=1) + [""])[:2]
    said = _subjects(first)[:1]
    if marker.strip(" ,?-\u2014").lower() in _config()["elaborations"] \
            and said and said != _subjects(before)[-1:]:
        # "...she typed something, I mean it was maybe ten seconds": more, not instead
        # ("she got angry, I mean she got short with me" takes it back: the same "she")
        return f"{before}, {after}"
    return (_replace_the_corrected(before, first) + " " + rest).strip()


def _subjects(text: str) -> list[str]:
    from bring_it_up.language import parse

    return [t.lower_ for t in parse(text) if t.dep_ in ("nsubj", "nsubjpass", "expl")]


def _starts_with_subject(text: str) -> bool:
    from bring_it_up.language import parse

    return bool(text) and parse(text)[0].dep_ in ("nsubj", "nsubjpass", "expl")


def _replace_the_corrected(before: str, after: str) -> str:
    """"he was 10, no wait, 15 minutes late" -> "he was 15 minutes late": the correction
    takes the place of the last word of its kind ("10"), or of everything when it is a
    sentence of its own ("she laughed, no wait, she smirked")."""
    from bring_it_up.language import parse

    if _subjects(after):
        return after
    word = next((t for t in parse(after) if t.pos_ not in ("ADV", "DET", "PART")), None)
    old = parse(before)
    same = [t for t in old if word is not None and t.pos_ == word.pos_]
    if word is not None and _class_of(word.lower_):  # "thursday, no sorry, wednesday": the day
        same = [t for t in old if _class_of(t.lower_) == _class_of(word.lower_)] or same
    if not same:
        return after
    start = same[-1]
    # the adverbs and determiners in front of it go too ("a bit annoyed? no, small")
    while start.i > 0 and old[start.i - 1].pos_ in ("ADV", "DET") and old[start.i - 1].dep_ != "neg":
        start = old[start.i - 1]
    return (old[: start.i].text + " " + after).strip()


_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
         "yesterday", "tonight", "tomorrow"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"}
_NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "once", "twice", "half"}


def _class_of(word: str) -> str | None:
    """Words a correction replaces in kind: a day for a day, a month, a number."""
    if word in _DAYS:
        return "day"
    if word in _MONTHS:
        return "month"
    return "number" if word in _NUMBERS or word.isdigit() else None


def _same_case(original: str, replacement: str) -> str:
    if original[:1].isupper() and replacement[:1].islower():
        return replacement[0].upper() + replacement[1:]
    return replacement


def spell_out(text: str) -> str:
    """Chat shorthand in full words ("abt" -> "about", "n" -> "and"), missing apostrophes
    put back where the next word shows what was meant ("shell be" -> "she'll be")."""
    table = {k.lower(): v for k, v in _config()["shorthand"].items()}
    forms = _config()["contractions_before"]["forms"]
    first = first_words()
    text = re.sub(r"(?:^|(?<=[.!?]\s))(\w+)\b", lambda m: _same_case(m.group(1), first[m.group(1).lower()])
                  if m.group(1).lower() in first else m.group(0), text)  # "ya i keep wondering"
    # "1hr", "10 min", "3x": the number, then the word ("10 minutes", "3 times")
    units = _config()["units_after_a_number"]
    text = re.sub(rf"\b(\d+)\s*({'|'.join(units)})\b", lambda m: f"{m.group(1)} "
                  + units[m.group(2).lower()] + ("" if m.group(1) == "1" else "s"), text, flags=re.I)
    text = _patterns()["shorthand"].sub(lambda m: _same_case(m.group(0), table[m.group(0).lower()]), text)
    text = _patterns()["before"].sub(lambda m: forms[m.group(1).lower()] + " ", text)
    text = _patterns()["its"].sub(lambda m: _same_case(m.group(0), "it's "), text)
    apostrophes = load_content("normalization.yml").get("apostrophes", {})
    return re.sub(r"\b[A-Za-z]+\b", lambda m: apostrophes.get(m.group(0).lower(), m.group(0)), text)


_ASKS = re.compile(r"^(?:(?:wait|so|and|but|ok|okay|like|sorry|also|hmm|oh|um)[,\s]+)*"
                   r"(?:what|why|how|when|where|who|whom|whose|which|is|are|am|was|were|do|does|"
                   r"did|can|could|would|will|should|shall|may|might|have|has|had|isn't|aren't|"
                   r"wasn't|don't|doesn't|didn't|can't|couldn't|won't|wouldn't|shouldn't|"
                   r"haven't|hasn't|right|or|really|seriously)\b", re.I)
# "...for three sessions so." (but "I think so", "she said so")
_TRAILING_SO = re.compile(r"(?<!\bthink)(?<!\bhope)(?<!\bguess)(?<!\bsaid)(?<!\btold)(?<!\bsay)"
                          r"(?<!\bbelieve)(?<!\bsuppose)(?<!\bnot)(?<!\bdo)(?<!\bdid)(?<!\beven)"
                          r"(?<!\bmore)(?<!\bso)(?<!\bwhy)(?<!\bis)(?<!\bwas)(?<!\bjust)"
                          r"\s+so\s*([.!?\u2026]*)$", re.I)


def _said_not_asked(sentence: str) -> str:
    """"she asked how my grandma was doing?" is told, not asked: a full stop (a question to
    the bot or the therapist keeps its mark)."""
    quotes = len(re.findall(r"[\"\u201c\u201d]|(?<![A-Za-z])'|'(?![A-Za-z])", sentence))
    if sentence.endswith("?") and quotes % 2 == 0 and not _ASKS.match(sentence.lstrip("\"'\u201c(")):
        return sentence.rstrip("?") + "."
    return sentence


def _like_filler(match: re.Match) -> str:
    """A "like" between a word and the next that is only a filler (content/realisation.yml
    `like_filler`): after a subject before a past tense, after "I'm" or "was" before an -ing
    word, after a comma before a noun's first word."""
    words = _config()["like_filler"]
    before, after = match.group(1).lower(), match.group(2).lower()
    filler = before in words["subjects_before_ed"] and after.endswith("ed") \
        or before in words["before_ing"] and after.endswith("ing") \
        or before == "," and after in words["after_a_comma_before"]
    return match.group(1) + " " if filler else match.group(0)


def drop_fillers(text: str) -> str:
    p = _patterns()
    text = p["start"].sub("", text.strip())  # "I dunno, sort of, hurt?" before ", sort of," goes
    text = _TRAILING_SO.sub(r"\1", text)
    text = p["hedged_verb"].sub(r"\1 ", p["unsure"].sub("", text))
    text = p["hedged_subject"].sub(lambda m: m.group(1) + (m.group(2) or "") + " ", text)
    text = p["like_filler"].sub(_like_filler, p["hedged_not"].sub("", text))
    # "at christmas", "for rosh hashanah"
    text = p["proper"].sub(lambda m: " ".join(w.capitalize() for w in m.group(0).split()), text)
    text = p["mid_hedge"].sub(" ", p["like_number"].sub("", text))
    text = p["between"].sub(" ", text)
    # "ok um." -> "ok." (its stop stays), "she laughed lol, and" -> "she laughed, and"
    text = p["drop"].sub(lambda m: " " + m["marks"].replace(" ", "")[:1] + " ", text)
    for _ in range(4):  # "um so basically" is three fillers at the start
        before = text
        text = p["start"].sub("", text.strip(" ,;:-"))
        text = p["end_marked"].sub("", p["end"].sub("", text.strip()))
        text = p["about_the_answer"].sub("", text)
        if text == before:
            break
    return text


# British spellings the American word list lacks: kept when the American form is a word.
_BRITISH = [("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ise", "ize"),
            ("yse", "yze"), ("ysed", "yzed"), ("our", "or"), ("lled", "led"), ("lling", "ling"),
            ("ogue", "og"), ("tre", "ter"), ("ence", "ense"), ("mme", "m")]


@lru_cache(maxsize=1)
def _speller():  # type: ignore[no-untyped-def]
    from spellchecker import SpellChecker

    speller = SpellChecker(distance=1)
    speller.word_frequency.load_words(_config()["known_words"])
    return speller


def chat_word(word: str) -> bool:
    """Chat shorthand or a filler ("idk", "lol", "abt"): in a lower-case answer, never a name."""
    low = word.lower()
    c = _config()
    return low in c["shorthand"] or low in c["drop_words"] \
        or low in load_content("normalization.yml")["replace"]


def _british(word: str, speller) -> bool:  # type: ignore[no-untyped-def]
    return any(word.endswith(b) and word[: -len(b)] + a in speller for b, a in _BRITISH) \
        or ("our" in word and word.replace("our", "or") in speller)


def _inflected(word: str, speller) -> bool:  # type: ignore[no-untyped-def]
    """"othered", "ghosting": a known word with an ending the word list lacks."""
    return any(word.endswith(end) and (word[: -len(end)] in speller or word[: -len(end)] + "e" in speller)
               for end in ("ed", "ing", "s", "es", "er", "ly", "ness"))


def _a_typo(word: str, fixed: str) -> bool:
    """A slip of the fingers: a letter missing or added in a word of five letters or more,
    two swapped ("therapst", "becuase"); a letter changed only in a long word ("definately"),
    since in a short one it is as often another word ("admin" is not "admit", "tech" not
    "teach"). The first letter is kept."""
    if not fixed or fixed == word or fixed[0] != word[0]:
        return False
    if sorted(fixed) == sorted(word):
        return True
    if len(fixed) != len(word):  # a short word one letter off is as often a word ("tech", "teach")
        return len(word) >= 5
    return len(word) >= 7


# Quoted speech: "..." or '...' (an apostrophe inside, as in 'that's it', does not end it).
QUOTED = re.compile(r"\"[^\"]*\"|(?<![A-Za-z])'(?=[A-Za-z]).*?'(?![A-Za-z])")


def mend_spelling(text: str) -> str:
    """Typos one letter away from a common word ("therapst", "becuase"), lower-case words
    only (a capital may be a name), nothing inside quotes (what someone said is as said)."""
    speller = _speller()
    quoted = [m.span() for m in QUOTED.finditer(text)]

    def mend(match: re.Match) -> str:
        piece = match.group(0)
        word = piece.lower()
        if any(a <= match.start() < b for a, b in quoted) or not piece.islower() or len(piece) < 4 \
                or word in speller or _british(word, speller) or _inflected(word, speller):
            return piece
        fixed = speller.correction(word)
        return fixed if _a_typo(word, fixed or "") else piece

    return re.sub(r"(?<![A-Za-z'])[A-Za-z]+(?![A-Za-z'])", mend, text)


def _punctuation(text: str) -> str:
    text = text.replace("\u2026", "...")
    # "there's been... I sort of dread it": a short start left unfinished, then the sentence
    # begun again with its subject: only the new start is kept
    text = re.sub(r"(?:^|(?<=[.!?]\s))(?:[\w']+\s+){0,3}(?:been|was|is|am|are|were|had|a|an|the|to|of)"
                  r"\s*\.{2,}\s*(?=(?:i|i'm|i've|i'd|you|she|he|they|we|now)\b)", "", text, flags=re.I)
    # "I've been... quieter": after a word that needs what follows, the pause is only a pause
    text = re.sub(r"\b(been|was|is|am|are|were|a|an|the|to|of|so|just|really|very|my|your|felt|feel)"
                  r"\s*\.{2,}\s*(?=[a-z])", r"\1 ", text, flags=re.I)
    text = re.sub(r"\.{2,}\s*(?=[a-z])", ", ", text)  # "she laughed... and" -> "she laughed, and"
    text = re.sub(r"\s+[-\u2013]\s+", ", ", text)  # "exposed - cut off - wanted to disappear"
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r",(?=[.!?])", "", text)
    text = re.sub(r"\s{2,}", " ", text)
    return text.strip(" ,;:-\u2014")


_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\u20E3]+")


def _ended(sentence: str) -> str:
    """A sentence whose filler went with its stop ("fine I guess?") keeps a stop, so that it
    does not run into the next one ("fine a bit weird")."""
    return sentence if not sentence or sentence[-1] in ".!?\"')\u201d\u2019" else sentence + "."


def tidy(text: str) -> str:
    """The client's answer as they would say it to their therapist (see the module doc)."""
    original = clean(text)
    tidied = _punctuation(_EMOJI.sub(" ", original))  # a picture cannot be read aloud
    tidied = resolve_correction(tidied)
    # each sentence on its own: "I don't know." or "lol." between two sentences goes too
    parts = sentences(spell_out(tidied))
    kept = [_said_not_asked(_ended(drop_fillers(s))) for s in parts[:-1]] \
        + [_said_not_asked(drop_fillers(s)) for s in parts[-1:]]
    tidied = _punctuation(" ".join(s for s in kept if re.search(r"[A-Za-z]{2}", s)))
    tidied = mend_spelling(tidied)
    tidied = re.sub(r"\bi\b", "I", tidied)
    return tidied if re.search(r"[A-Za-z]{2}", tidied) else original
