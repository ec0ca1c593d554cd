"""The realisation step (bring_it_up/tidy.py, bring_it_up/realise.py): answers become sentences said to
the therapist. tests/draft_corpus.yml holds client answers in many styles with the sentence
each must become; every draft made here also passes tests/draft_checks.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bring_it_up import drafting, realise
from bring_it_up.tidy import tidy
from tests.draft_checks import problems

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = yaml.safe_load((ROOT / "tests" / "draft_corpus.yml").read_text(encoding="utf-8"))["answers"]
SLOT = {"observation": "what_happened", "feeling": "feeling", "impact": "impact", "fear": "fear",
        "hope": "hope"}


def sentence_for(section: str, answer: str, tone: str = "gentle") -> str:
    slots = {SLOT[section]: answer, "tone": tone, "fear_in_draft": "yes"}
    draft = drafting.compose(realise.draft_parts(slots), tone=tone)
    return draft["sections"].get(section, "")


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


@pytest.mark.parametrize("case", CORPUS, ids=[f"{c['section']}:{c['answer'][:40]}" for c in CORPUS])
def test_an_answer_becomes_its_sentence(case):
    got = sentence_for(case["section"], case["answer"])
    assert plain(got) == plain(case["sentence"]), case["answer"]
    assert not problems(got), (problems(got), got)


@pytest.mark.parametrize(("said", "tidied"), [
    ("annoyed? no wait, more like... small", "small"),
    ("sad, I mean lonely", "lonely"),
    ("angry - actually more like let down", "let down"),
    ("it felt more like a lecture", "it felt more like a lecture"),
    ("I felt hurt, no one cared", "I felt hurt, no one cared"),
    ("um so basically she laughed at me tbh", "she laughed at me"),
    ("she, um, laughed at me, you know?", "she laughed at me"),
    ("fine but a bit ignored", "fine but a bit ignored"),
    ("my therapst said i was overreacting abt my mom n kinda laughed",
     "my therapist said I was overreacting about my mom and kind of laughed"),
    ("shell be annoyed", "she'll be annoyed"),
    ("he texted me during the sesh w/ no apology", "he texted me during the session with no apology"),
    ("I recieved a bill becuase I cancelled", "I received a bill because I cancelled"),
    ('I told her it was "wierd"', 'I told her it was "wierd"'),  # quoted words are theirs
    ("she was patronising about my behaviour", "she was patronising about my behaviour"),
    ("Dr Okafor said it 2 times", "Dr Okafor said it 2 times"),
    ("an apology I think", "an apology"),
    ("she never asks what I think", "she never asks what I think"),
    ("she didn't get it right", "she didn't get it right"),
    ("I don't think he knows what it's like", "I don't think he knows what it's like"),
])
def test_what_was_said_to_the_bot_is_left_out(said, tidied):
    assert tidy(said) == tidied


@pytest.mark.parametrize(("text", "names"), [
    ("Dr. Patel charged me for a session I cancelled", ["Dr. Patel"]),
    ("My therapist, Sam, was on his phone", ["Sam"]),
    ("Jordan (my counsellor) forgot my name", ["Jordan"]),
    ("my mum Sarah called and my therapist laughed", []),
    ("Last week she laughed at me", []),
])
def test_the_therapists_name_is_found(text, names):
    assert [n for n in realise.therapist_names([text]) if not any(n in m and n != m for m in names)] == names


def draft(**slots) -> str:
    return realise_draft(slots)["text"]


def realise_draft(slots: dict) -> dict:
    from bring_it_up.drafting import from_slots

    return from_slots({"therapist_term": "therapist", **slots})


def test_a_name_is_you_and_the_draft_never_says_my_therapist():
    text = draft(what_happened="Dr. Patel looked at her phone while I talked about my dad",
                 feeling="ignored", hope="for Dr. Patel to put it away")
    assert "Patel" not in text and "You looked at your phone while I talked about my dad." in text
    assert "I'd really like for you to put it away." in text
    assert not problems(text), problems(text)


def test_identity_given_is_kept_at_every_length_and_in_brief():
    slots = {"what_happened": "he said I was being oversensitive about a comment at work",
             "feeling": "dismissed", "identity_involved": "yes",
             "identity_detail": "I'm Black and he's white, and I don't think he knows what it's like",
             "hope": "an apology"}
    for tone in ("gentle", "direct", "brief"):
        for length in (0, 1, 2):
            got = realise_draft({**slots, "tone": tone, "draft_length": length})["text"]
            kept = "I'm Black and you're white, and I don't think you know what it's like."
            assert kept in got, (tone, length, got)


def test_a_gentle_tone_says_what_an_insult_means_and_direct_keeps_the_words():
    slots = {"what_happened": "she said I was being dramatic", "feeling": "humiliated",
             "hope": "you're a terrible therapist and I want her to listen"}
    gentle = realise_draft({**slots, "tone": "gentle"})["text"]
    assert "terrible" not in gentle and "I've started to doubt this is working." in gentle
    assert "I want you to listen." in gentle
    direct = realise_draft({**slots, "tone": "direct"})["text"]
    assert "terrible therapist" in direct
    assert not problems(gentle), problems(gentle)


def test_the_frame_fits_what_it_is_about():
    fees = draft(what_happened="she charged me for a session she cancelled", rupture_kind="logistics",
                 feeling="frustrated", hope="a refund")
    assert "one of our sessions" not in fees and "something practical" in fees
    ending = draft(what_happened="I've been thinking I want to end therapy", feeling="unsure",
                   hope="I'd like us to plan a good ending together")
    assert "keep going well" not in ending and "end well" in ending


def test_exact_words_are_the_clients_own_and_tidied_is_the_default():
    slots = {"what_happened": "um she laughed at me tbh", "feeling": "stupid", "tone": "direct"}
    assert "You laughed at me." in draft(**slots)
    assert "Um you laughed at me tbh." in draft(**slots, exact_words="exact")


@pytest.mark.parametrize(("section", "answer", "sentence"), [
    ("feeling", "Misunderstood. And a bit patronised, like…",
     "When that happened, I felt misunderstood and a bit patronised."),
    ("feeling", "I felt invisible. Kind of alone with it.",
     "When that happened, I felt invisible and a bit alone with it."),
    ("impact", "quieter.", "Since then, I've been quieter."),
    ("impact", "less trust", "Since then, there's been less trust."),
    ("hope", "sorry I'd just like you to put the phone away", "I'd just like you to put the phone away."),
    ("hope", "say sorry", "I'd really like you to say sorry."),
    ("fear", "I really want you to like me",
     "I'm a little nervous saying this, because I really want you to like me."),
    ("observation", "she's helped me a lot but last week she was on her phone",
     "You've helped me a lot but last week you were on your phone."),
    ("observation", "she said it was about my father. I told her it wasn't and she just smiled",
     "You said it was about my father. I told you it wasn't and you just smiled."),
])
def test_the_issues_examples_read_as_sentences(section, answer, sentence):
    assert sentence_for(section, answer) == sentence
