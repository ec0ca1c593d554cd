"""The draft: every section from the client's words, no template debris, three tones."""

import re

import pytest

from bring_it_up.drafting import compose

PARTS = {
    "observation": ("clause", "You looked at the clock while I was talking about my divorce."),
    "feeling": ("fragment", "small and embarrassed"),
    "impact": ("clause", "I've been holding back in sessions."),
    "identity": ("none", ""),
    "fear": ("fragment", "that you'll think I'm needy"),
    "hope": ("cue", "I'd like you to understand how it felt for me."),
}
DEBRIS = re.compile(r"None|\{|\}|\[|\]|\s{2,}|\.\.|\s\.|^\s|\s$")


@pytest.mark.parametrize("tone", ["gentle", "direct", "brief"])
def test_every_tone_keeps_the_clients_words_without_debris(tone):
    draft = compose(PARTS, tone=tone)
    assert draft["type"] == "draft" and draft["tone"] == tone
    assert "clock while I was talking about my divorce" in draft["text"]
    assert "small and embarrassed" in draft["text"]
    assert not DEBRIS.search(draft["text"]), draft["text"]
    assert all(s.strip() for s in draft["sections"].values())
    assert draft["text"] == " ".join(draft["sections"].values())


def test_tones_sound_different():
    texts = {t: compose(PARTS, tone=t)["text"] for t in ("gentle", "direct", "brief")}
    assert len(set(texts.values())) == 3
    assert len(texts["brief"]) < len(texts["direct"]) < len(texts["gentle"])


def test_gentle_opener_names_the_difficulty():
    assert "hard for me to say" in compose(PARTS)["sections"]["opener"]


def test_fragments_are_placed_in_sentences():
    sections = compose(PARTS)["sections"]
    assert sections["feeling"] == "When that happened, I felt small and embarrassed."
    assert sections["fear"] == "I'm a little nervous about that you'll think I'm needy." or \
        "needy" in sections["fear"]


def test_skipped_answers_leave_no_trace():
    draft = compose({"hope": ("fragment", "an apology")}, tone="direct")
    assert set(draft["sections"]) == {"opener", "hope", "closing"}
    assert draft["sections"]["hope"] == "I'd like an apology."


def test_shorter_drops_sections_and_shortest_keeps_the_core():
    full = compose(PARTS)
    shorter = compose(PARTS, length=1)
    shortest = compose(PARTS, length=2)
    assert len(shortest["text"]) < len(shorter["text"]) < len(full["text"])
    assert set(shortest["sections"]) <= {"opener", "observation", "feeling", "identity", "hope"}
    assert "divorce" in shortest["text"] and "embarrassed" in shortest["text"]


def test_client_edits_are_used_word_for_word():
    draft = compose(PARTS, overrides={"opener": "Can I say something hard?"})
    assert draft["text"].startswith("Can I say something hard?")


def test_a_feeling_already_in_the_observation_is_not_repeated():
    parts = {"observation": ("clause", "I felt hurt when you laughed at me."),
             "feeling": ("fragment", "hurt")}
    draft = compose(parts)
    assert "feeling" not in draft["sections"] and draft["text"].count("hurt") == 1


def test_an_impact_that_already_says_since_gets_no_second_since():
    parts = {**PARTS, "impact": ("clause", "I haven't told you about the drinking since.")}
    text = compose(parts)["text"]
    assert "I haven't told you about the drinking since." in text
    assert "Since then, I haven't" not in text
    assert "Since then, I've been holding back in sessions." in compose(PARTS)["text"]


@pytest.mark.parametrize("kind, words", [
    ("logistics", "practical"), ("identity", "who I am"), ("interpretation", "you said"),
    (None, "stayed with me"), ("something else", "stayed with me"),
])
def test_one_sentence_to_say_out_loud(kind, words):
    from bring_it_up.drafting import one_sentence

    line = one_sentence(kind)
    assert words in line.lower() or words in line
    assert line.count(".") == 1 and line.endswith(".")
