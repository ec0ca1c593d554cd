"""The client's answers as sentences said to the therapist (pure: spaCy, no Rasa).

Between the answers and the templates of content/draft_templates.yml: each answer is tidied
(bring_it_up/tidy.py), turned to "you" (language.to_second_person) and given the form its
section needs, read from spaCy's parse:

- a feeling said in pieces ("Misunderstood. And a bit patronised") becomes one list of
  feelings ("I felt misunderstood and a bit patronised");
- a change said as a state ("quieter", "holding back") becomes "I've been ...", a thing
  ("less trust") "there's been ...";
- a hope said as something to do ("say sorry") becomes "I'd like you to say sorry";
- a worry said about oneself ("I really want you to like me") follows "because";
- the therapist's name ("Dr. Patel", "my therapist, Sam") is "you" like "my therapist".

`draft_parts(slots)` gives each section as (form, text) for drafting.compose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from bring_it_up import language
from bring_it_up.text import clean, load_content, sentences
from bring_it_up.tidy import chat_word, tidy

Part = tuple[str, str]

_JOIN_LEAD = re.compile(r"^(?:and|but|also|plus)\s+", re.I)
_BIT = re.compile(r"\b(?:kind of|sort of|kinda|sorta)\s+(?=\w)", re.I)
_SINCE = re.compile(r"^(?:ever\s+)?since\s+then\s*,?\s*", re.I)
_NOT_NAMES = {"i", "you", "my", "she", "he", "they", "god", "mum", "mom", "dad", "therapist"}
_TITLE = r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor)\.?"


def _config() -> dict:
    return load_content("realisation.yml")


def time_leads() -> list[str]:
    return list(_config()["time_leads"])


def _therapist_words() -> str:
    return "|".join(re.escape(w) for w in sorted(language.lexicon()["therapist_words"], key=len,
                                                 reverse=True))


def therapist_names(texts: Iterable[str]) -> list[str]:
    """The names the client calls their therapist: "Dr. Patel", "my therapist, Sam",
    "Sam (my counsellor)", or a person who is the subject of what happened."""
    names: list[str] = []
    words = _therapist_words()
    others = {w.lower() for w in language.lexicon()["other_people"]}
    texts = list(texts)
    for position, text in enumerate(texts):
        text = clean(text or "")
        lower = text.islower()  # (a lower-case answer is read without its chat: "sam lowkey just")
        text = tidy(text) if lower else text
        names += re.findall(rf"\b{_TITLE}\s+[A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)?", text)
        names += re.findall(rf"\b(?i:my|our|the)\s+(?i:{words})\s*,?\s+([A-Z][a-z'-]+)\b", text)
        names += re.findall(rf"\b([A-Z][a-z'-]+)\s*,?\s*\(?(?:who is\s+|is\s+)?(?i:my)\s+(?i:{words})\b",
                            text)
        # "Sam was on her phone", "if Priya could check": a name doing something, not
        # introduced as someone else ("my sister Rebecca", "my girlfriend Lena")
        doc = language.parse(text) if text else []
        for token in doc:
            # (spaCy sometimes joins "... and Priya said" to the noun before: the verb after it shows)
            subject = token.dep_ in ("nsubj", "nsubjpass") or token.dep_ == "conj" \
                and token.i + 1 < len(doc) and doc[token.i + 1].tag_ == "VBD"
            if token.pos_ == "PROPN" and subject \
                    and (token.text[:1].isupper() or token.is_sent_start
                         or lower and len(token) > 2 and not chat_word(token.text)) \
                    and not (token.i > 0 and (doc[token.i - 1].lower_ in others
                                              or doc[token.i - 1].pos_ == "PROPN")) \
                    and token.lower_ not in others and token.lower_ not in _NOT_NAMES \
                    and token.ent_type_ not in ("NORP", "LANGUAGE", "DATE", "EVENT") \
                    and not (token.i > 0 and doc[token.i - 1].tag_ == "PRP$"):  # "my English is"
                names.append(token.text)
        # in what happened, the person told or asked ("I told Mark", "Sam on their phone")
        if position == 0:
            for token in doc:
                starts = token.i == 0 and token.text[:1].isupper()
                told = token.dep_ in ("dobj", "dative") \
                    and token.head.lemma_ in ("tell", "ask", "show", "see") \
                    or token.dep_ == "pobj" and token.head.lower_ == "with" \
                    and token.head.head.lemma_ in ("session", "appointment")  # "every session with Ben"
                if token.pos_ == "PROPN" and (starts or told) and token.lower_ not in others \
                        and token.lower_ not in _NOT_NAMES \
                        and not any(t.lower_ in others for t in doc[: token.i]):
                    names.append(token.text)
    names = [re.sub(r"'s$", "", n[0].upper() + n[1:]) for n in names  # "linda said" too
             if not (n.isupper() and len(n) > 1)]  # not "CFS", "ADHD"
    keep = [n for n in names if n.lower() not in _NOT_NAMES]
    return sorted(set(keep), key=len, reverse=True)


def _names_as_therapist(text: str, names: Iterable[str]) -> str:
    """"Dr. Patel charged me" -> "my therapist charged me" (to_second_person does the rest)."""
    words = _therapist_words()
    # "my therapist (she's the school one)": an aside about who they are, not for them to hear
    text = re.sub(rf"\b((?:my|our|the)\s+(?:{words}))\s*\([^()]{{0,80}}\)", r"\1", text, flags=re.I)
    for name in names:
        text = re.sub(rf"\b(?:my|our|the)\s+({words})\s*,?\s+{re.escape(name)}\b", r"my \1", text, flags=re.I)
        text = re.sub(rf"\b{re.escape(name)}\s*,?\s*\(?(?:who is\s+|is\s+)?my\s+({words})\)?",
                      r"my \1", text)
        text = re.sub(rf"\b(?i:{re.escape(name[0])}){re.escape(name[1:])}\b", "my therapist", text)
    return text


@dataclass(frozen=True)
class Context:
    """What every answer is read with: the words for the therapist, their names, and
    whether the client asked for their exact words."""

    terms: tuple[str, ...]
    names: tuple[str, ...] = ()
    exact: bool = False
    gender: str | None = None  # "f" or "m": how the client speaks of the therapist

    def said(self, text: str) -> str:
        """The answer as the client wants it in the message, the therapist's name as
        "my therapist"."""
        said = clean(text) if self.exact else language.split_run_ons(tidy(text))
        return _names_as_therapist(said, self.names)


def therapist_gender(what_happened: str, names: Iterable[str], other_answers: Iterable[str] = ()
                     ) -> str | None:
    """"Ms. Clarke" -> "f"; else the first "she" or "he" in what happened, said before anyone
    else is named; else the one that became "you" there ("my boss ... he", "she cut in");
    else the first said before anyone else in the other answers ("that he'd ask")."""
    found = _gender_in_what_happened(what_happened, names)
    others = {w.lower() for w in language.lexicon()["other_people"]}
    for answer in other_answers if found is None else ():
        found = _first_pronoun(language.parse(clean(answer)) if answer else [], others, names)
        if found:
            break
    return found


def _first_pronoun(doc, others: set[str], names: Iterable[str]) -> str | None:  # type: ignore[no-untyped-def]
    """The gender of the first "she" or "he" in `doc` before anyone else is named."""
    for token in doc:
        if token.lower_ in others or token.ent_type_ == "PERSON" and token.text[:1].isupper() \
                and token.text not in names:
            return None
        if token.lower_ in ("she", "her", "he", "him", "his"):
            return "f" if token.lower_ in ("she", "her") else "m"
    return None


def _gender_in_what_happened(what_happened: str, names: Iterable[str]) -> str | None:
    for name in names:
        title = name.split()[0].rstrip(".").lower()
        if title in ("ms", "mrs", "miss"):
            return "f"
        if title == "mr":
            return "m"
    others = {w.lower() for w in language.lexicon()["other_people"]}
    doc = language.parse(clean(what_happened)) if what_happened else []
    for name in names:  # "Greg said he'd been through a divorce too"
        last = name.split()[-1]
        at = next((t.i for t in doc if t.text == last), None)
        following = [t for t in doc[at + 1:at + 8]] if at is not None else []
        for token in following:
            if token.lower_ in others or token.pos_ == "PROPN":
                break
            if token.lower_ in ("she", "her", "he", "him", "his"):
                return "f" if token.lower_ in ("she", "her") else "m"
    said = _names_as_therapist(clean(what_happened or ""), list(names))
    return _first_pronoun(doc, others, names) or _converted_gender(said)


def _converted_gender(text: str) -> str | None:
    def count(words: str, which: tuple[str, ...]) -> int:
        return sum(w in which for w in re.findall(r"[a-z]+", words.lower()))

    if not text:
        return None
    said = language.to_second_person(clean(text))
    female = count(text, ("she", "her", "hers", "herself")) > count(said, ("she", "her", "hers", "herself"))
    male = count(text, ("he", "him", "his", "himself")) > count(said, ("he", "him", "his", "himself"))
    return "f" if female and not male else "m" if male and not female else None


def _analyse(text: str, ctx: Context, about_therapist: bool = False):  # type: ignore[no-untyped-def]
    return language.analyse(_merge_verbless(ctx.said(text)), ctx.terms,
                            they_is_therapist=about_therapist, exact=ctx.exact, gender_hint=ctx.gender)


def _aux_led(doc) -> bool:  # type: ignore[no-untyped-def]
    """"haven't mentioned it", "didn't say anything": a negated helper verb and no subject."""
    return len(doc) > 2 and doc[0].pos_ == "AUX" and doc[1].lower_ in ("n't", "not", "never")


def _give_subjects(text: str) -> str:
    """A sentence that starts with its verb ("Told Mark I'd set a boundary", "Then explained
    it") gets the subject of the sentence before it, or "I" when it comes first."""
    out, subject, other = [], "I", None  # other: the last subject that was not "I"
    therapist = set(language.lexicon()["therapist_words"])  # "Morgan yawned. Checked the clock."
    for part in sentences(text):
        doc = language.parse(part)
        root = next(doc.sents).root
        has_subject = any(c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in root.children)
        if not has_subject and root.i == 0 and root.lower_ in ("feels", "seems", "sounds", "looks"):
            out.append("It " + _lower_start(part))  # "Feels like we're from different planets"
            continue
        # "Moved on.", "Cut me off." (the tagger's VBN, with what it did to whom)
        active = root.tag_ == "VBN" and any(c.dep_ in ("prt", "dobj") for c in root.children)
        leads = root.i == 0 and (root.tag_ == "VBD" or active) \
            or 0 < root.i <= 2 and root.tag_ in ("VBD", "VBN") \
            and doc[0].lower_ in ("then", "and", "so", "also", "later", "just", "afterwards") \
            or _aux_led(doc)  # "haven't mentioned the flatmate since"
        aux_led = _aux_led(doc)
        helped = any(c.dep_ in ("aux", "auxpass") for c in root.children)
        if leads and not has_subject and (aux_led or not helped):
            # "Then asked me a question": whoever did it to me, not I
            to_me = any(c.lower_ == "me" and c.dep_ in ("dobj", "dative", "iobj") for c in root.children)
            chosen = other if to_me and other else subject
            said = chosen if chosen == "I" else chosen.lower()
            at = 0 if aux_led else root.i  # "I haven't mentioned it", "Then he explained it"
            part = doc[:at].text_with_ws + said + " " + _lower_start(doc[at:].text)
            part = part[0].upper() + part[1:]
        else:
            found = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")
                          and (c.lower_ in ("i", "you", "she", "he", "they", "we", "it")
                               or c.lower_ in therapist and c.n_lefts == 1)), None)
            if found is not None:  # not "them" ("for them to get it right")
                subject = doc[found.left_edge.i:found.i + 1].text  # "my therapist" too
                other = subject if found.lower_ not in ("i", "we", "it") else other
        out.append(part)
    return " ".join(out)


def _merge_verbless(text: str) -> str:
    """A sentence with no verb joins its neighbour: "He explained it. Slowly. Ten minutes." ->
    "He explained it, slowly, ten minutes."; "Last session. He laughed." -> "Last session, he
    laughed."; all fragments ("Sam on their phone. Twice.") become one."""
    parts = sentences(_give_subjects(text))
    if len(parts) < 2:
        return " ".join(parts) or text
    verbs = [any(t.pos_ in ("VERB", "AUX") for t in language.parse(p)) for p in parts]
    if not any(language.analyse(p).form == "clause" for p in parts):  # all fragments: one
        return ", ".join(p.rstrip(".!?") for p in [parts[0]] + [_lower_start(p) for p in parts[1:]])
    merged: list[str] = []
    for index, (part, has_verb) in enumerate(zip(parts, verbs, strict=True)):
        if merged and (not has_verb or not verbs[index - 1] and index == 1):
            merged[-1] = merged[-1].rstrip(".!?") + ", " + _lower_start(part)
        else:
            merged.append(part)
    return " ".join(merged)


def _lower_start(text: str) -> str:
    first = text.split()[0] if text.split() else ""
    if first in ("I", "I'm", "I've", "I'd", "I'll") or language.parse(first)[0].pos_ == "PROPN":
        return text
    return text[0].lower() + text[1:]


_LIKE = re.compile(r"^(?:like|as if|as though)\b", re.I)
_LIST = re.compile(r",\s*(?:and\s+)?")
_ALONE_ADVERBS = {"mainly", "mostly", "honestly", "really", "too", "also", "though", "i guess",
                  "basically", "at the time", "now", "still", "anyway", "if i'm honest",
                  "if i'm being honest", "to be honest", "to be fair"}


def _feelings(phrase: str) -> list[str]:
    """"embarrassed, angry, exposed" -> three feelings; "frustrated, because I'd told you"
    stays one."""
    items = [i.strip() for i in _LIST.split(phrase) if i.strip()]
    kept = [i for i in items if i.lower() not in _ALONE_ADVERBS]  # "frustrated, mainly"
    if kept and len(kept) < len(items):
        return kept if len(kept) > 1 else [kept[0]]
    if len(items) > 1 and all(len(i.split()) <= 6 and not re.match(
            r"(?:because|since|when|after|as|that|like|which|who|but|so)\b", i, re.I) for i in items):
        return items
    return [phrase]


_NOT = re.compile(r"(?:not|no longer|not really)\b", re.I)
_DEGREE = {"still", "really", "very", "so", "just", "a", "bit", "and", "quite", "more", "honestly",
           "pretty", "totally", "literally", "super"}


def _what_it_was(phrases: list[str]) -> list[str]:
    """The feelings the client settled on: "small and a bit sad, not annoyed" -> what it was,
    not what it wasn't; "fine? a bit weird" -> "a bit weird"; "furious. still furious" once."""
    minimising = set(_config()["minimising_feelings"])
    said = [p for p in phrases if not _NOT.match(p) and p.lower().strip(" ?.!") not in minimising]
    phrases = said or phrases
    kept: list[str] = []
    for phrase in phrases:
        words = set(re.findall(r"[a-z']+", phrase.lower())) - _DEGREE
        if not any(words <= set(re.findall(r"[a-z']+", k.lower())) for k in kept):
            kept.append(phrase)
    return kept


def feeling_part(text: str, ctx: Context) -> Part | None:
    """"Misunderstood. And a bit patronised" -> ("fragment", "misunderstood and a bit
    patronised"); "I felt invisible. Kind of alone with it." -> one list too; "like she
    didn't care" -> "like you didn't care"."""
    phrases, clauses = [], []
    it_verbs = "|".join(language.lexicon()["it_verbs"])
    for piece in sentences(ctx.said(text)):
        piece = _JOIN_LEAD.sub("", piece.rstrip(" .!?"))
        if re.match(rf"(?:(?:still|really|just|kind of|a bit|kinda|so|it)\s+)*(?:{it_verbs})\b", piece, re.I):
            said = re.sub(r"^it\s+", "", piece, flags=re.I)  # "Still stings" -> "It still stings."
            clauses.append(f"It {said[0].lower()}{said[1:]}.")
            continue
        bare = re.sub(r"^more like[\s,.\u2026]+", "", language.FEELING_LEAD.sub("", piece), flags=re.I)
        answer = language.analyse(bare, ctx.terms, they_is_therapist=True, exact=ctx.exact,
                                  gender_hint=ctx.gender)
        ongoing = bare != piece and language.parse(bare)[0].tag_ == "VBG"  # "I was dying inside"
        if ongoing:
            clauses.append(language.analyse(piece, ctx.terms, they_is_therapist=True, exact=ctx.exact,
                                            gender_hint=ctx.gender).text)
            continue
        if (bare != piece or answer.form == "fragment" or _LIKE.match(bare)):
            words = answer.text.rstrip(" .!?")
            words = words if ctx.exact else _BIT.sub("a bit ", words)
            phrases += _feelings(words)
        else:
            clauses.append(answer.text)
    phrases = [p.strip(" ,") for p in phrases if language.is_usable(p)]
    phrases = [p if re.match(r"I\b", p) else p[0].lower() + p[1:] for p in phrases]
    phrases = _what_it_was(phrases)
    if phrases and not clauses:
        return ("fragment", language.join_words(phrases))
    if clauses and phrases:  # the feelings first: "I felt small. This is probably stupid."
        return ("clause", f"I felt {language.join_words(phrases)}. " + " ".join(clauses))
    return ("clause", " ".join(clauses)) if clauses else None


def impact_part(text: str, ctx: Context) -> Part | None:
    if language.says_nothing_changed(text):
        return None
    answer = _analyse(_SINCE.sub("", ctx.said(text)), ctx, about_therapist=True)
    if answer.form == "clause":
        return ("clause", answer.text)
    doc = language.parse(answer.text)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return ("fragment", answer.text)
    words = answer.text
    if root.pos_ in ("ADJ", "ADP", "ADV") or root.tag_ in ("VBG", "JJR", "RBR") \
            or root.lower_.endswith("er") and len(doc) <= 3 and root.pos_ != "VERB":
        return ("state", words)  # "quieter", "holding back", "on edge", "more guarded"
    if root.tag_ == "VBN" and any(c.lower_ in ("more", "less", "so", "very") for c in root.children):
        return ("state", words)
    if root.pos_ == "NOUN":  # "less trust", "this awkwardness between us", "distance"
        return ("thing", words)
    return ("fragment", words)


_PARTICLES = {"away", "on", "off", "down", "up", "out", "back", "closed", "open"}
# "maybe just... that she'd say", "just for them to": the hedge before the wish goes
_HEDGED_WISH = re.compile(r"^(?:(?:just|maybe|honestly|really|basically|mostly)[\s,]+)+(?=(?:for|that|if)\b)"
                          r"|^like[\s,]+(?=I\b)", re.I)  # "like I just want more space" (a wish, not "as if")


def _hope_piece(text: str, ctx: Context) -> Part:
    """One wish: "Understood." -> ("fragment", "to be understood"); "Phone away" ->
    ("fragment", "the phone away"); else the form hope_part gives it."""
    text = _HEDGED_WISH.sub("", text.strip())  # "just for them to get it right" -> "for you to..."
    text = re.sub(r"^(?:and\s+)?that\s+(?=\w+\s)", "", text, flags=re.I)  # "that you'd say you remember"
    doc = language.parse(clean(text).rstrip(" .!?"))
    words = [t for t in doc if not t.is_punct]
    if len(words) > 1 and words[0].lower_ in ("you", "him", "her", "them") and words[1].tag_ == "VBG":
        # "him listening, properly" -> "you to listen, properly"
        rest = doc[words[1].i + 1:].text.rstrip(" .!?")
        return ("action", f"{words[1].lemma_} {rest}".strip())
    if words and words[0].tag_ == "VBN" and words[0].dep_ == "ROOT":  # "Treated as an adult"
        return ("fragment", "to be " + _lower_start(doc.text.rstrip(" .!?")))
    if len(words) == 2 and words[0].tag_ == "NN" and words[1].lower_ in _PARTICLES:
        return ("fragment", f"the {words[0].lower_} {words[1].lower_}")  # "Phone away"
    return _one_hope(text, ctx)


def hope_part(text: str, ctx: Context) -> Part | None:
    """The hope; several wishes said apart ("Understood. Treated as an adult. Maybe ask
    first.") become one: "to be understood, to be treated as an adult and for you to ask
    first"."""
    said = _HEDGED_WISH.sub("", ctx.said(text))
    pieces = sentences(said)  # "Dr. Patel" is one name, not a sentence's end
    if len(pieces) < 2:
        return _hope_piece(text, ctx)
    joined: list[str] = []
    for piece in pieces:  # "him listening. properly." -> one wish, "properly" with it
        if joined and all(t.pos_ in ("ADV", "PUNCT") for t in language.parse(piece)):
            joined[-1] = joined[-1].rstrip(" .!?") + " " + piece[0].lower() + piece[1:]
        else:
            joined.append(piece)
    if len(joined) < 2:
        return _hope_piece(" ".join(joined), ctx)
    read = [_hope_piece(piece, ctx) for piece in joined]
    said_that = [re.match(r"(?:and\s+)?that\s+", p, flags=re.I) for p in joined[1:]]
    if read[0][0] == "clause" and said_that and all(said_that):
        # "that you'd say you remember. And that it matters." -> one wish, "..., and that it matters"
        rest = ", and ".join(re.sub(r"^and\s+", "", p.rstrip(" .!?"), flags=re.I) for p in joined[1:])
        return ("clause", f"{read[0][1].rstrip(' .!?')}, and {rest}")
    wishes: list[str] = []
    for index, (form, words) in enumerate(read):
        if form in ("clause", "cue", "if"):
            if not wishes:  # "I'd like us to talk. And maybe look at a page": the whole as said
                return _one_hope(said, ctx)
            # the wishes, then what else the client said, as they said it ("...going forward.
            # I don't need a big thing about it")
            rest = " ".join(language.sentence_case(_analyse(p, ctx, about_therapist=True).text)
                            for p in joined[index:])
            form, wish = (read[0][0], _wish(*read[0], alone=True)) if len(wishes) == 1 \
                else ("fragment", language.join_words(wishes))
            return (form, f"{wish}. {rest.rstrip(' .')}")
        wishes.append(_wish(form, words))
    return ("fragment", language.join_words(wishes))


def _wish(form: str, words: str, alone: bool = False) -> str:
    """One wish in a list of them ("for you to ask first"), or alone in its own form."""
    words = re.sub(r"^(?:maybe|perhaps|just|also|and)\s+", "", words, flags=re.I)
    return words if alone or form != "action" else f"for you to {words}"


def _one_hope(text: str, ctx: Context) -> Part:
    answer = _analyse(text, ctx, about_therapist=True)
    words = answer.text
    if answer.form == "clause":
        subject = next((t for t in language.parse(words) if t.dep_ in ("nsubj", "nsubjpass")), None)
        said_as_mine = subject is not None and subject.lower_ == "i"  # "I think I want to ask you..."
        return ("cue" if language.HOPE_LEAD.match(words) or said_as_mine else "clause", words)
    words = re.sub(r"^just\s+to\s+", "to just ", words, flags=re.I)
    doc = language.parse(words)
    if doc[0].lower_ == "if":  # "if you used my name"
        return ("if", words)
    # "just listen", "either waive this one or..."
    first = next((t for t in doc if t.pos_ != "ADV" and t.dep_ != "preconj"), doc[0])
    if first.tag_ == "VB" and first.lower_ not in ("be", "to") and first.dep_ == "ROOT":
        return ("action", words)  # "say sorry", "put the phone away"
    return ("fragment", words)


def fear_part(text: str, ctx: Context) -> Part | None:
    answer = _analyse(text, ctx, about_therapist=True)
    if answer.form != "clause":
        return ("fragment", answer.text)
    if language.has_cue(answer.text, "fear_cues"):
        return ("cue", answer.text)
    doc = language.parse(answer.text)
    subject = next((t for t in doc if t.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and subject.lower_ == "i":  # "I really want you to like me"
        return ("own", answer.text)
    return ("clause", answer.text)


def identity_part(text: str, ctx: Context) -> Part | None:
    """Who the client is, as they said it; a question to the bot in it ("does age count bc
    she thinks teens can't have real stress") is said as what it is about: "It's about my
    age. It's like you think teens can't have real stress."."""
    config = _config()
    tidied = tidy(text)
    for pattern in config["identity_asks"]:
        match = re.search(pattern, tidied, flags=re.I)
        if match:
            thing = match["thing"].lower()
            about = config["identity_about"].format(thing=f"my {thing}" if thing in config["identity_mine"]
                                                    else thing)
            rest = re.sub(r"^[\s,.?!]*(?:because|cause|as)?\s*", "", tidied[match.end():], flags=re.I)
            said = _as_said(rest, ctx) if language.is_usable(rest) else None
            text = about + (" " + language.sentence_case(said[1]) if said else "")
            return ("clause", text)
    return _as_said(text, ctx)


def _as_said(text: str, ctx: Context, about_therapist: bool = False) -> Part | None:
    """An answer read as it is: what happened (about the therapist), who the client is
    ("they" there is often people like the client)."""
    answer = _analyse(text, ctx, about_therapist=about_therapist)
    return (answer.form, answer.text)


_CLAUSES = re.compile(r"((?<=[.!?])\s+|,?\s+(?:and|but)\s+|;\s*)")


def soften(part: Part | None) -> tuple[Part | None, list[str]]:
    """A gentle message says what an insult means: each clause with one is left out, and
    the meanings come back to be said once (content/realisation.yml, gentle_softens)."""
    if not part:
        return part, []
    form, text = part
    config = _config()
    for pattern in config["gentle_drops"]:
        text = re.sub(pattern, "", text, flags=re.I)
    meanings: list[str] = []
    kept: list[str] = []  # clauses and the separators between them, as the client wrote them
    pieces = _CLAUSES.split(text)
    for index in range(0, len(pieces), 2):
        clause = pieces[index]
        # "I felt like you didn't care" is a feeling, not an insult
        felt = re.search(r"\b(?:like|as if|as though|felt|feel)\b", clause, flags=re.I)
        found = [] if felt else [m["meaning"] for m in config["gentle_softens"]
                                 if any(re.search(p, clause, flags=re.I) for p in m["says"])]
        meanings += found
        if not found and clause.strip(" .,"):
            kept += [pieces[index - 1] if kept and index else "", clause]
    if not meanings:
        return (form, text), []
    rest = "".join(kept).strip()
    if not language.is_usable(rest):
        return None, meanings
    return (form, language.sentence_case(rest) if form == "clause" else rest), meanings


def about_ending(slots: Mapping[str, Any]) -> bool:
    """The client wants to end or change therapy (the message asks for a good ending)."""
    said = " ".join(str(slots.get(k) or "") for k in ("what_happened", "impact", "hope"))
    # (what it did since is read for the plain cues only: "I've thought about stopping,
    # though I don't want to" is a doubt, not the request)
    asked = " ".join(str(slots.get(k) or "") for k in ("what_happened", "hope"))
    return language.has_cue(said, "ending_cues") or language.talks_of_ending(asked)


# Each section, and how its answer is read.
Reader = Callable[[str, Context], "Part | None"]
_READERS: dict[str, tuple[str, Reader]] = {
    "observation": ("what_happened", partial(_as_said, about_therapist=True)),
    "feeling": ("feeling", feeling_part), "impact": ("impact", impact_part),
    "identity": ("identity_detail", identity_part), "fear": ("fear", fear_part), "hope": ("hope", hope_part)}


def draft_parts(slots: Mapping[str, Any]) -> dict[str, Part]:
    """The client's answers as draft sections (form, words said to the therapist)."""
    answers = {slot: str(slots.get(slot) or "") for slot, _ in _READERS.values()}
    names = tuple(therapist_names(answers.values()))
    ctx = Context(terms=(slots.get("therapist_term") or "therapist", "therapist"), names=names,
                  exact=slots.get("exact_words") == "exact",
                  gender=therapist_gender(answers["what_happened"], names,
                                          [answers[s] for s in ("impact", "feeling", "fear", "hope")]))
    wanted = set(_READERS) - {"identity", "fear"}
    if slots.get("identity_involved") == "yes":
        wanted.add("identity")
    if slots.get("fear_in_draft") == "yes":
        wanted.add("fear")
    parts: dict[str, Part | None] = {}
    for section in wanted:
        slot, read = _READERS[section]
        if language.is_usable(answers[slot]):
            parts[section] = read(answers[slot], ctx)
    if "identity" in wanted and not parts.get("identity"):
        parts["identity"] = ("none", "")
    if (slots.get("tone") or "gentle") == "gentle" and not ctx.exact:
        parts = _gentle(parts, ctx)
    return {k: v for k, v in parts.items() if v}


def _gentle(parts: dict[str, Part | None], ctx: Context) -> dict[str, Part | None]:
    """Insults softened (`soften`); what they meant is said once, with what changed."""
    meanings: list[str] = []
    for section in ("observation", "feeling", "impact", "fear", "hope"):
        softened, found = soften(parts.get(section))
        if found and softened:  # what is left is read again for its form ("I want a referral")
            softened = _READERS[section][1](softened[1], ctx)
        parts[section] = softened
        meanings += [m for m in found if m not in meanings]
    if meanings:
        impact = parts.get("impact")
        said = " ".join(meanings)
        if impact and impact[0] == "clause":
            parts["impact"] = ("clause", f"{impact[1]} {said}")
        elif impact:  # a state or a thing: its own sentence first, then the meaning
            parts["impact"] = ("clause", f"{impact[1][0].upper()}{impact[1][1:]}. {said}")
        else:
            parts["impact"] = ("clause", said)
    return parts
