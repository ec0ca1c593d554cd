"""Language coaching over many sentences: each offers the rewrite a clinician would want,
or nothing when the sentence is already fine (I-statements, quotes, plain requests)."""

from __future__ import annotations

import pytest

from bring_it_up.coaching import apply, coach, private_details

REWRITES = [
    # blame with absolutes -> observation + I-statement (the client's feeling if named)
    ("You never listen to me.", "small", "When you don't listen to me, I feel small."),
    ("You always look at the clock when I talk about my divorce.", "small",
     "When you look at the clock while I talk about my divorce, I feel small."),
    ("You are never on time.", "frustrated", "When you aren't on time, I feel frustrated."),
    ("You always cancel at the last minute.", "unimportant",
     "When you cancel at the last minute, I feel unimportant."),
    ("You never asked how I was.", "hurt", "When you didn't ask how I was, I felt hurt."),
    ("You constantly check your watch.", "", "When you check your watch, it's hard for me."),
    ("You cut me off every time I mention my mom.", "small",
     "When you cut me off while I mention my mom, I feel small."),
    ("You never remember what I tell you.", "hurt", "When you don't remember what I tell you, I feel hurt."),
    ("You always change the subject.", "unheard", "When you change the subject, I feel unheard."),
    ("You always bring up my weight.", "ashamed", "When you bring up my weight, I feel ashamed."),
    ("You never let me finish.", "frustrated", "When you don't let me finish, I feel frustrated."),
    ("You can never just listen.", "lonely", "When you can't just listen, I feel lonely."),
    ("You always take her side.", "alone", "When you take her side, I feel alone."),
    ("You never ask about my week.", "invisible", "When you don't ask about my week, I feel invisible."),
    ("You always yawn when I talk.", "boring", "When you yawn while I talk, I feel boring."),
    ("You never take my job seriously.", "", "When you don't take my job seriously, it's hard for me."),
    ("You check your phone all the time.", "ignored", "When you check your phone, I feel ignored."),
    ("You always say I'm overthinking.", "dismissed", "When you say I'm overthinking, I feel dismissed."),
    ("And you never call back.", "anxious", "When you don't call back, I feel anxious."),
    # "you made me feel"
    ("You made me feel stupid when you laughed at me.", "", "When you laughed at me, I felt stupid."),
    ("You made me feel like a child.", "", "I felt like a child."),
    ("You made me feel small.", "", "I felt small."),
    ("You make me feel judged when you sigh.", "", "When you sigh, I feel judged."),
    ("You made me feel embarrassed in front of the group.", "",
     "I felt embarrassed in front of the group."),
    ("You made me feel stupid by laughing.", "", "I felt stupid when you were laughing."),
    # demands and imperatives -> collaborative requests
    ("You need to pay attention to me.", "", "Would you be willing to pay attention to me?"),
    ("You should apologize.", "", "Would you be willing to apologize?"),
    ("You have to stop interrupting me.", "", "Would you be willing to stop interrupting me?"),
    ("You must take this seriously.", "", "Would you be willing to take this seriously?"),
    ("You need to put your phone away.", "", "Would you be willing to put your phone away?"),
    ("Stop looking at your phone when I talk.", "",
     "Would you be willing to stop looking at your phone when I talk?"),
    ("Listen to me.", "", "Would you be willing to listen to me?"),
    ("Please remember my kids' names.", "", "Would you be willing to remember my kids' names?"),
    ("Just let me finish.", "", "Would you be willing to let me finish?"),
    ("Turn off your phone.", "", "Would you be willing to turn off your phone?"),
    # hedged requests -> clear, collaborative requests
    ("I was wondering if maybe you could possibly stop checking your phone.", "",
     "Would you be willing to stop checking your phone?"),
    ("Maybe we could kind of talk about it.", "", "Could we talk about it?"),
    ("I guess maybe you could sort of tell me before you raise the fee.", "",
     "Would you be willing to tell me before you raise the fee?"),
    ("It would be nice if you could remember what I said last week.", "",
     "Would you be willing to remember what I said last week?"),
    ("I don't know if maybe we could just go over the cancellation rule.", "",
     "Could we go over the cancellation rule?"),
    ("Perhaps we could talk about it at the start of a session.", "",
     "Could we talk about it at the start of a session?"),
    # apologising and minimising -> the sentence without it
    ("Sorry, this is probably stupid.", "", ""),
    ("I'm just being oversensitive.", "", ""),
    ("I'm probably overreacting.", "", ""),
    ("Maybe it's nothing, but you looked at the clock.", "", "You looked at the clock."),
    ("Sorry, you looked at your phone while I cried.", "", "You looked at your phone while I cried."),
    ("This is probably silly, but I felt hurt.", "", "I felt hurt."),
    ("I know I'm too sensitive.", "", ""),
    ("It's probably nothing.", "", ""),
    ("Sorry to bring this up.", "", ""),
    ("It's no big deal, but I've been holding back.", "", "I've been holding back."),
    ("I'm sorry, I know this is dumb.", "", ""),
]

LEFT_ALONE = [
    "I felt small when you looked at the clock.",
    "When you looked at the clock, I felt hurt.",
    "I'd like us to talk about it.",
    "Could we talk about the fees?",
    "Would you be willing to let me finish?",
    "You said \"you always do this\" and laughed.",
    "You told me \"just stop overthinking\" and moved on.",
    "You looked at the clock while I talked about my divorce.",
    "You said I was being dramatic.",
    "I've been holding back in sessions.",
    "I want to understand what you meant.",
    "I felt stupid.",
    "Last week you raised the fee without telling me.",
    "I hope we can talk it through together.",
    "You forgot our session.",
    "Let's talk about it next time.",
    "You told me I was overreacting.",
]


@pytest.mark.parametrize("sentence, feeling, rewrite", REWRITES, ids=[r[0][:40] for r in REWRITES])
def test_the_offered_rewrite(sentence, feeling, rewrite):
    offers = coach(sentence, feeling)
    assert offers, f"nothing offered for {sentence!r}"
    assert offers[0].rewrite == rewrite
    assert offers[0].original == sentence


@pytest.mark.parametrize("sentence", LEFT_ALONE)
def test_sentences_that_are_already_fine_are_left_alone(sentence):
    assert [o for o in coach(sentence, "hurt") if o.kind != "pseudo_feeling"] == []


@pytest.mark.parametrize("sentence, word, options", [
    ("I felt dismissed.", "dismissed", ("hurt", "unimportant", "frustrated")),
    ("I felt ignored when you looked at the clock.", "ignored", ("lonely", "hurt", "invisible")),
    ("I felt judged.", "judged", ("embarrassed", "anxious", "ashamed")),
    ("It felt like I was being brushed off.", "brushed off", ("hurt", "unimportant", "disappointed")),
    ("Honestly I felt misunderstood.", "misunderstood", ("frustrated", "lonely", "sad")),
])
def test_pseudo_feelings_get_the_feelings_underneath(sentence, word, options):
    offer = next(o for o in coach(sentence) if o.kind == "pseudo_feeling")
    assert offer.options == options
    taken = apply(sentence, offer, options[0])
    assert f"{word} and {options[0]}" in taken, "the client's word is kept, the feeling added"


@pytest.mark.parametrize("sentence", ["I felt dismissed and hurt.", "I felt misunderstood and alone."])
def test_a_pseudo_feeling_already_paired_with_a_feeling_is_left_alone(sentence):
    assert not [o for o in coach(sentence) if o.kind == "pseudo_feeling"]


def test_accepting_every_offer_leaves_no_blame_and_keeps_what_happened():
    text = ("Sorry, this is probably stupid. You never listen to me. You always look at the clock "
            "when I talk about my divorce. You need to pay attention.")
    for offer in coach(text, "small and embarrassed"):
        text = apply(text, offer)
    low = text.lower()
    for gone in ("you never", "you always", "probably stupid", "sorry", "you need to"):
        assert gone not in low, text
    assert "clock" in low and "divorce" in low and "i feel small and embarrassed" in low
    assert text.startswith("When you don't listen to me"), text


@pytest.mark.parametrize("text, found", [
    ("Call me at 555-123-4567 if you need to.", ["555-123-4567"]),
    ("My email is jane.doe@mail.com.", ["jane.doe@mail.com"]),
    ("I live at 12 Oak Street now.", ["12 Oak Street"]),
    ("I'm Jane Doe and this is hard.", ["Jane Doe"]),
    ("You looked at the clock while I talked.", []),
    ("It was on 3 March at 5 pm.", []),
])
def test_private_details_are_pointed_out(text, found):
    assert private_details(text) == found


def test_two_blame_sentences_do_not_end_the_same_way():
    text = "You never listen to me. You always look at the clock when I talk about my divorce."
    first, second = coach(text)
    assert first.rewrite == "When you don't listen to me, it's hard for me."
    assert second.rewrite.endswith("that's hard for me too.")
    taken = apply(text, first)  # one at a time, as in the conversation
    assert coach(taken)[0].rewrite == ("When you look at the clock while I talk about my divorce, "
                                       "that's hard for me too.")


def test_the_keep_my_words_button_says_the_same_everywhere():
    """The pseudo-feeling offer builds its buttons in code; its "keep" button is the one the
    domain's other coaching offers show."""
    import yaml

    from bring_it_up.coaching import keep_my_words
    from tests.conftest import ROOT

    responses = yaml.safe_load((ROOT / "domain" / "coaching.yml").read_text())["responses"]
    titles = {b["title"] for variations in responses.values() for v in variations
              for b in v.get("buttons", []) if b["payload"] == "/coach_decline"}
    assert keep_my_words() in titles
