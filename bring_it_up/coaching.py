"""Language coaching: what in a draft may make it harder to hear, and another way to say it.

Pure (spaCy, no Rasa). Each finding is an `Offer` the client can take or leave; nothing is
rewritten silently. The rewrites are built from the parse (subject, verb, objects,
subordinate clauses), not from string replacement:
- blame with absolutes ("you never listen to me") -> an observation and an I-statement
  ("When you don't listen to me, I feel hurt.");
- "you made me feel X when ..." -> "When ..., I felt X.";
- demands ("you need to / should ...", imperatives) and hedged requests ("I was wondering
  if maybe you could possibly ...") -> a clear, collaborative request ("Would you be
  willing to ...?");
- apologising for speaking up or making it small ("Sorry, this is probably stupid") ->
  the sentence without it;
- pseudo-feelings ("dismissed", "ignored") -> the feelings that often sit underneath;
- private details (phone numbers, e-mail and street addresses, full names) to point out
  before the message leaves the chat.
Sentences inside quotation marks are the client quoting someone: they are left alone.
Word lists and patterns live in content/coaching.yml.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Span, Token

from bring_it_up.language import load_nlp, parse
from bring_it_up.text import load_content

_NEGATED = {"can": "can't", "could": "couldn't", "will": "won't", "would": "wouldn't",
            "do": "don't", "does": "doesn't", "did": "didn't", "are": "aren't", "were": "weren't",
            "is": "isn't", "was": "wasn't", "have": "haven't", "has": "hasn't", "had": "hadn't",
            "should": "shouldn't", "'re": "aren't"}
_QUOTES = "\"\u201c\u201d"
_PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d\s().-]{7,}\d)(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class Offer:
    kind: str  # blame | made_me_feel | demand | hedge | minimising | pseudo_feeling
    original: str  # the sentence as the client wrote it
    rewrite: str  # what the bot offers instead ("" = leave the sentence out)
    options: tuple[str, ...] = ()  # pseudo_feeling: feelings that often sit underneath
    word: str = ""  # pseudo_feeling: the client's word ("dismissed")


def _rules() -> dict[str, Any]:
    return load_content("coaching.yml")


def keep_my_words() -> str:
    return str(_rules()["keep_my_words"])


def _frame(name: str, **words: str) -> str:
    """One of the rewrite frames in content/coaching.yml, filled in."""
    return str(_rules()["frames"][name]).format(**words)


@lru_cache(maxsize=1)
def _minimising() -> Matcher:
    matcher = Matcher(load_nlp().vocab)
    for i, pattern in enumerate(_rules()["minimising"]):
        matcher.add(f"minimising_{i}", [pattern])
    return matcher


# -- small pieces ---------------------------------------------------------------------

def _text(tokens: list[Token]) -> str:
    out = "".join(t.text_with_ws for t in tokens).strip()
    return re.sub(r"\s+([,.!?;:])", r"\1", re.sub(r"\s{2,}", " ", out))


def _quoted(token: Token) -> bool:
    """Inside quotation marks in its sentence (the client is quoting someone)."""
    before = token.sent[: token.i - token.sent.start].text
    return sum(before.count(q) for q in _QUOTES) % 2 == 1


def _body(sent: Span) -> list[Token]:
    """The sentence without its final punctuation."""
    tokens = list(sent)
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    return tokens


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _low(text: str) -> str:
    return text if re.match(r"I\b", text) else text[:1].lower() + text[1:]


def _finish(text: str, mark: str = ".") -> str:
    return _cap(text.strip(" ,;")) + mark


def _absolute_tokens(sent: Span, verb: Token) -> set[int]:
    rules = _rules()
    found = {t.i for t in verb.children if t.lower_ in rules["absolutes"]}
    low = sent.text.lower()
    for phrase in rules["absolute_phrases"]:
        start = low.find(phrase)
        if start >= 0:
            span = sent.char_span(start, start + len(phrase), alignment_mode="expand")
            if span is not None:
                found |= {t.i for t in span}
    return found


def _you_subject(sent: Span) -> Token | None:
    for token in sent:
        if token.lower_ == "you" and token.dep_ in ("nsubj", "nsubjpass") and not _quoted(token):
            return token
    return None


def _past(verb: Token) -> bool:
    if verb.tag_ == "VBD":
        return True
    return any(c.dep_ == "aux" and c.lower_ in ("did", "was", "were", "had") for c in verb.children)


# -- the rewrites -------------------------------------------------------------------

def _reported(token: Token) -> bool:
    """Part of what someone else said or thought ("you said I was being dramatic")."""
    for ancestor in token.ancestors:
        if ancestor.lemma_ in ("say", "tell", "call", "think", "suggest", "imply", "mean") and any(
                c.dep_ == "nsubj" and c.lower_ != "i" for c in ancestor.children):
            return True
    return False


def _minimising_offer(sent: Span) -> Offer | None:
    matches = [m for m in _minimising()(sent.as_doc())
               if not _quoted(sent[m[1]]) and not _reported(sent[m[1]])]
    if not matches:
        return None
    body = _body(sent)
    after = body[max(end for _, _, end in matches):]
    # "Maybe it's nothing, but you looked at the clock" / "Sorry, you ..." -> keep the rest
    cut = next((k for k, t in enumerate(after) if t.lower_ in ("but", "though", ",", "-")), None)
    if cut is not None:
        rest = after[cut + 1:]
        while rest and (rest[0].lower_ in ("but", "though", "and") or rest[0].is_punct):
            rest = rest[1:]
        if any(t.pos_ in ("VERB", "AUX") for t in rest):
            return Offer("minimising", sent.text.strip(), _finish(_text(rest)))
    return Offer("minimising", sent.text.strip(), "")


def _blame_offer(sent: Span, feeling: str, said: str = "") -> Offer | None:
    you = _you_subject(sent)
    if you is None:
        return None
    verb = you.head
    absolutes = _absolute_tokens(sent, verb)
    if not absolutes:
        return None
    negate = any(sent.doc[i].lower_ == "never" for i in absolutes)
    start = you.left_edge.i
    lead = [t for t in _body(sent) if t.i < start]
    if any(t.lower_ in ("when", "whenever") for t in lead):
        return None  # "When I talk, you always ..." is left to the client to reword
    words: list[str] = []
    negated = False
    for token in _body(sent):
        if token.i < start:
            continue
        if token.i in absolutes:
            # "... every time I mention my mom" -> "... when I mention my mom"
            if token.lower_ == "time" and token.i + 1 < sent.end - 1 and not sent.doc[token.i + 1].is_punct:
                words.append("while ")
            continue
        text = token.text
        if token.lower_ in ("when", "whenever") and token.i > verb.i and token.head.head == verb:
            text = "while"
        if negate and not negated:
            if token.head == verb and token.dep_ == "aux" and token.lower_ in _NEGATED:
                text, negated = _NEGATED[token.lower_], True
            elif token == verb and token.lemma_ == "be" and token.lower_ in _NEGATED:
                text, negated = _NEGATED[token.lower_], True
            elif token == verb:
                text, negated = ("didn't " if _past(verb) else "don't ") + verb.lemma_, True
        words.append(text + token.whitespace_)
    clause = _low(re.sub(r"\s{2,}", " ", "".join(words)).strip())
    past = _past(verb) and not any(t.tag_ in ("VBP", "VBZ") for t in sent)
    feel = "felt" if past else "feel"
    phrases = _rules()["no_feeling"]
    ending = _frame("feeling", felt=feel, feeling=feeling) if feeling else next(
        (p for p in phrases if p.lower() not in said.lower()), phrases[-1])
    return Offer("blame", sent.text.strip(), _frame("when", when=clause, then=ending))


def _made_me_feel_offer(sent: Span) -> Offer | None:
    you = _you_subject(sent)
    if you is None or you.head.lemma_ != "make":
        return None
    make = you.head
    feel = next((t for t in make.subtree if t.lemma_ == "feel" and t.i > make.i), None)
    if feel is None or not any(t.lower_ == "me" for t in make.children) and not any(
            t.lower_ == "me" for t in feel.children):
        return None
    body = _body(sent)
    after = [t for t in body if t.i > feel.i]
    # the feeling: up to a "when/by/because/in front of" clause
    cut = next((k for k, t in enumerate(after) if t.lower_ in ("when", "by", "because", "whenever")),
               len(after))
    feeling, rest = _text(after[:cut]), after[cut:]
    felt = "felt" if make.tag_ == "VBD" else "feel"
    if not feeling:
        return None
    if rest and rest[0].lower_ in ("when", "whenever"):
        return Offer("made_me_feel", sent.text.strip(),
                     _frame("when", when=_text(rest[1:]), then=_frame("feeling", felt=felt, feeling=feeling)))
    if rest and rest[0].lower_ == "by":
        doing = _text(rest[1:])
        return Offer("made_me_feel", sent.text.strip(), _frame(
            "feeling_while_you" if felt == "felt" else "feeling_as_you", felt=felt, feeling=feeling,
            doing=doing))
    return Offer("made_me_feel", sent.text.strip(),
                 _frame("feeling", felt=felt, feeling=f"{feeling} {_text(rest)}".strip()) + ".")


def _request_from(verb: Token, sent: Span, skip: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    hedges = {h for h in _rules()["hedges"] if " " not in h}
    words = [t for t in _body(sent) if t.i >= verb.i and t.i not in skip
             and not (t.lower_ in hedges and t.dep_ == "advmod")]
    words = [t for t in words if t.lower_ != "please"]
    first = verb.lemma_ if verb.tag_ in ("VBD", "VBZ") else verb.text.lower()
    rest = _text(words[1:])
    return f"{first} {rest}".strip()


def _demand_offer(sent: Span) -> Offer | None:
    you = _you_subject(sent)
    if you is not None:
        verb = you.head
        modal = next((c for c in verb.children if c.dep_ == "aux" and c.lower_ in ("should", "must")), None)
        if verb.lemma_ in ("need", "have") and verb.tag_ != "VBD":
            action = next((c for c in verb.children if c.dep_ == "xcomp"), None)
            if action is not None:
                skip = {c.i for c in action.children if c.dep_ == "aux" and c.lower_ == "to"}
                return Offer("demand", sent.text.strip(),
                             _frame("request", request=_request_from(action, sent, skip)))
        if modal is not None:
            return Offer("demand", sent.text.strip(), _frame("request", request=_request_from(verb, sent)))
        return None
    root = sent.root
    body = _body(sent)
    if not body or sent.text.strip().endswith("?"):
        return None
    lead = [t for t in body if t.i < root.i]
    lets = root.lemma_ == "let" and root.i + 1 < sent.end and sent.doc[root.i + 1].lower_ in ("'s", "us")
    subject = any(c.dep_.startswith("nsubj") for c in root.children)
    if root.tag_ == "VB" and root.pos_ == "VERB" and not subject \
            and all(t.lower_ in ("please", "just", "and", "so") for t in lead) \
            and root.lemma_ not in ("thank", "see") and not _quoted(root) and not lets:
        return Offer("demand", sent.text.strip(), _frame("request", request=_request_from(root, sent)))
    return None


def _hedge_offer(sent: Span) -> Offer | None:
    low = f" {sent.text.lower()} "
    if not any(f" {h} " in low for h in _rules()["hedges"]):
        return None
    for token in sent:
        if token.lower_ in ("you", "we") and token.dep_ == "nsubj" and not _quoted(token):
            verb = token.head
            modal = next((c for c in verb.children if c.dep_ == "aux"
                          and c.lower_ in ("could", "would", "can", "might")), None)
            if modal is None or verb.lemma_ in ("be", "like"):
                continue
            request = _request_from(verb, sent)
            frame = "request_together" if token.lower_ == "we" else "request"
            return Offer("hedge", sent.text.strip(), _frame(frame, request=request))
    return None


def offer_for(sent: Span, feeling: str = "", said: str = "") -> Offer | None:
    """The one thing to offer for a sentence, if any (the most important first). `said` is
    the text around it, so a rewrite does not repeat a phrase already there."""
    return (_minimising_offer(sent) or _made_me_feel_offer(sent) or _blame_offer(sent, feeling, said)
            or _demand_offer(sent) or _hedge_offer(sent))


def pseudo_feelings(sents: list[Span]) -> list[Offer]:
    """"Dismissed" says what the other person did; offer what may sit underneath."""
    offers = []
    table = _rules()["pseudo_feelings"]
    for sent in sents:
        low = sent.text.lower()
        for word in sorted(table, key=len, reverse=True):
            match = re.search(rf"\b{re.escape(word)}\b", low)
            if match and not _quoted(sent.doc[sent.start]) and f"{word} and" not in low:
                start, end = match.span()
                original = sent.text.strip()
                offset = sent.text.find(original)
                rewrite = original[: end - offset] + " and {feeling}" + original[end - offset:]
                offers.append(Offer("pseudo_feeling", original, rewrite, tuple(table[word]), word))
                break
    return offers


def coach(text: str, feeling: str = "") -> list[Offer]:
    """Everything worth offering in a text, in reading order. The client's feeling goes
    into the last blame sentence only: one feeling, said once, is enough."""
    if not text or not text.strip():
        return []
    sents = list(parse(text).sents)
    found: list[tuple[Span, Offer]] = []
    for sent in sents:
        said = " ".join([text, *(o.rewrite for _, o in found)])
        offer = offer_for(sent, "", said)
        if offer:
            found.append((sent, offer))
    blames = [k for k, (_, offer) in enumerate(found) if offer.kind == "blame"]
    if feeling and blames:
        sent = found[blames[-1]][0]
        found[blames[-1]] = (sent, _blame_offer(sent, feeling) or found[blames[-1]][1])
    offers = [offer for _, offer in found]
    rewritten = {o.original for o in offers}
    return offers + [o for o in pseudo_feelings(sents) if o.original not in rewritten]


def apply(text: str, offer: Offer, choice: str = "") -> str:
    """The text with the offer taken (for a pseudo-feeling, with the chosen feeling)."""
    rewrite = offer.rewrite.replace("{feeling}", choice) if offer.kind == "pseudo_feeling" else offer.rewrite
    out = text.replace(offer.original, rewrite, 1)
    return re.sub(r"\s{2,}", " ", out).strip()


def private_details(text: str) -> list[str]:
    """Phone numbers, e-mail and street addresses, and full names in the text."""
    found = _PHONE.findall(text) + _EMAIL.findall(text)
    streets = "|".join(re.escape(w) for w in _rules()["street_words"])
    found += [m.group(0) for m in re.finditer(rf"\b\d+\s+(?:[A-Z][\w'-]*\s+){{1,3}}(?:{streets})\b",
                                                  text, flags=re.I)]
    doc = parse(text)
    found += [ent.text for ent in doc.ents if ent.label_ == "PERSON" and len(ent) >= 2]
    seen: list[str] = []
    for item in found:
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


# Sections the client wrote; the opener and closing are ours, and the worry is theirs to say.
COACHED = ("observation", "feeling", "impact", "identity", "hope")


def next_offer(slots: dict[str, Any], draft: dict[str, Any]) -> dict[str, Any] | None:
    """The first coaching suggestion the client has not answered yet, if any."""
    kept = set(slots.get("coach_kept") or [])
    feeling_part = draft["parts"].get("feeling") or ("", "")
    feeling = feeling_part[1] if feeling_part[0] == "fragment" else ""
    for section in COACHED:
        text = draft["sections"].get(section)
        for offer in coach(text or "", feeling if section == "observation" else ""):
            if offer.original not in kept:
                return {"section": section, **asdict(offer)}
    return None
