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
    ("ya i keep wondering if they see me", "I keep wondering if they see me"),  # "ya": yeah
    ("love ya", "love you"),
    ("like I was boring him", "like I was boring him"),  # "as if"
    ("I like it when she listens", "I like it when she listens"),
    ("she like picked it up and I was like sitting there", "she picked it up and I was sitting there"),
    ("I just kind of couldn't", "I just couldn't"),
    ("I sort of dread Thursdays", "I dread Thursdays"),  # (spaCy took "dread" for a noun)
    ("I was kind of tired", "I was kind of tired"),
    ("the thing with my brother, like the whole fight at christmas",
     "the thing with my brother, the whole fight at Christmas"),
    ("I guess there's been... I sort of dread Thursdays now", "I dread Thursdays now"),
    ("she was... she was really kind about it", "she was really kind about it"),
    ("I've been... quieter about my family", "I've been quieter about my family"),
    # a correction mends its own sentence; the sentences before it stay
    ("they laughed. well a short laugh — actually no, it was more of a smirk, and then they left",
     "they laughed. it was more of a smirk, and then they left"),
    ("angry — no, more disappointed", "disappointed"),
    ("that she'll think I'm not committed, or I guess that I'm lazy",
     "that she'll think I'm not committed, or that I'm lazy"),
])
def test_what_was_said_to_the_bot_is_left_out(said, tidied):
    assert tidy(said) == tidied


@pytest.mark.parametrize(("text", "names"), [
    ("Dr. Patel charged me for a session I cancelled", ["Dr. Patel"]),
    ("My therapist, Sam, was on his phone", ["Sam"]),
    ("Jordan (my counsellor) forgot my name", ["Jordan"]),
    ("my mum Sarah called and my therapist laughed", []),
    ("Last week she laughed at me", []),
    ("Every session with Ben is worksheets", ["Ben"]),
    ("ok so sam lowkey just tells me what to do every session??", ["Sam"]),
    ("I have ME/CFS and I told Helen about the crash. ME/CFS is an illness", ["Helen"]),  # not "CFS"
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


@pytest.mark.parametrize("said", [
    "I mentioned I'd been thinking about finishing after the summer",
    "I'd like us to plan an ending properly and say goodbye",
    "I don't want to slink off without a proper goodbye",
    "I think I'm ready to stop",
    "we should wrap up in a few weeks",
    "I'd like to find a way to end our sessions",
])
def test_ending_said_in_other_words_gets_the_ending_frame(said):
    text = draft(what_happened="I brought something up last week", feeling="nervous", hope=said)
    assert "keep going well" not in text and "end well" in text, text


@pytest.mark.parametrize("said", [
    "she ended the session early", "I ended up just saying it was fine",
    "I stopped bringing things up", "then I can actually finish the brother thing",
    "we had to stop early", "I want to finish talking about my mum", "can we stop for a minute",
    "I don't want to stop", "I couldn't finish my sentence",
])
def test_other_ends_and_stops_are_not_an_ending(said):
    text = draft(what_happened=said, feeling="hurt", hope="I want you to listen")
    assert "end well" not in text and "keep going well" in text, text


def test_a_doubt_about_going_on_is_not_a_wish_to_end():
    text = draft(what_happened="you cancelled by text an hour before", feeling="frustrated",
                 impact="I've thought about stopping, though I don't really want to",
                 hope="more notice")
    assert "end well" not in text, text


def test_a_run_on_answer_is_read_as_sentences_without_its_fillers():
    text = draft(what_happened=(
        "ok so basically I was telling her about the thing with my brother, like the whole fight at "
        "christmas, and I was right at the bit that actually matters and then her phone buzzed and she "
        "like picked it up and looked at it and typed something, I mean it was maybe ten seconds"),
        feeling="invisible", tone="direct")
    assert ("I was telling you about the thing with my brother, the whole fight at Christmas. "
            "I was right at the bit that actually matters and then your phone buzzed. "
            "You picked it up and looked at it and typed something.") in text, text
    assert not problems(text), problems(text)


@pytest.mark.parametrize(("said", "kept"), [
    ("When I finally told her about the panic attacks at work last week after months of working "
     "up to it, she looked at the clock and said we would pick it up next time",
     "When I finally told you about the panic attacks at work last week after months of working up "
     "to it, you looked at the clock and said we would pick it up next time."),  # one clause leads
    ("I said it was hard and she said 'well you have to keep going and you have to try, and you "
     "can't give up on it now, and that is all there is to it' and I left",
     "I said it was hard and you said 'well you have to keep going and you have to try, and you "
     "can't give up on it now, and that is all there is to it' and I left."),  # a quote is as said
    ("I like walking to the session", "I like walking to the session."),
])
def test_a_long_sentence_is_cut_only_where_a_new_clause_starts(said, kept):
    assert kept in draft(what_happened=said, feeling="hurt", tone="direct")


def test_the_therapists_pronoun_in_any_answer_is_you_when_what_happened_has_none():
    text = draft(what_happened="I was talking about my parents and Ben said it sounded enmeshed",
                 feeling="misunderstood", impact="I don't want him to judge them",
                 hope="that he'd ask what family means for me", tone="direct")
    assert "I don't want you to judge them." in text and "him" not in text, text


def test_a_sentence_with_no_subject_after_the_therapist_is_theirs():
    text = draft(what_happened="Morgan yawned about four times. Checked the clock twice. "
                               "Then asked me a question I'd answered already.",
                 feeling="boring", tone="direct")
    assert "You checked the clock twice. Then you asked me a question" in text, text


def test_a_wish_after_like_is_the_wish():
    text = draft(what_happened="you talk for half the session", feeling="unheard",
                 hope="like I just want more space to talk?", tone="direct")
    assert "I just want more space to talk." in text and "like like" not in text, text


def test_a_lower_case_name_is_the_therapist_too():
    text = draft(what_happened="i was talking about my breakup. linda said i'd understand when i'm older.",
                 feeling="patronised", tone="direct")
    assert "You said I'd understand when I'm older." in text and "inda" not in text, text


def test_who_the_client_has_been_seeing_is_the_therapist_and_a_preface_goes():
    text = draft(what_happened="okay quick version: I've been seeing Ben for 5 months and he said "
                               "trauma isn't his specialty", feeling="relieved", tone="direct")
    assert "I've been seeing you for 5 months and you said trauma isn't your specialty." in text, text
    assert "quick version" not in text and "Ben" not in text, text


def test_a_story_that_starts_with_i_and_holds_a_quoted_question_is_a_sentence_not_a_topic():
    text = draft(what_happened='I was talking about my visa and Dr. Kowalski said, laughing, "well '
                               'worst case you go home, right?" But this is my home.',
                 feeling="shocked", tone="direct")
    assert 'I was talking about my visa and you said, laughing, "well worst case you go home, right?"' \
        in text and "keep thinking about I" not in text, text
