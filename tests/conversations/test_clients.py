"""Six different clients, each from "hi" to a draft in their own words, in under 25 turns.

Each client answers whatever question the bot is asking right now (read from the
conversation's requested slot), so a client whose long answer already covered a question
is simply never asked it: the test fails if the bot asks something the profile can't answer.
"""

from __future__ import annotations

import re

import pytest

from tests.conversations.conftest import payloads, texts
from tests.draft_checks import problems

MAX_TURNS = 25
DEBRIS = re.compile(r"\bNone\b|\{|\}|\[|\]|\s{2,}|\.\.|\s[.,]")

CLIENTS = {
    "terse": {
        "opening": ["hi", "ok"],
        "what_happened": ["she laughed at me"],
        "feeling": ["stupid"],
        "feeling_ok": ["yeah"],
        "impact": ["idk", "idk", "skip"],
        "rupture_kind": ["idk", "skip"],
        "fear": ["she'll be mad"],
        "fear_in_draft": ["no"],
        "familiar": ["no"],
        "identity_involved": ["no"],
        "hope": ["an apology"],
        "tone": ["brief"],
        "must_include": ["laughed at me", "stupid", "apology"],
    },
    "verbose": {
        "opening": ["hello", "/consent_accept"],
        "what_happened": [
            "Last week she looked at her phone while I was talking about my divorce. "
            "I felt really small and embarrassed. Since then I've been holding back in "
            "sessions, and I'm scared she'll think I'm needy if I bring it up."
        ],
        "feeling_ok": ["yes"],
        "fear_in_draft": ["yes"],
        "familiar": ["Yes, it feels a bit familiar"],
        "identity_involved": ["no"],
        "hope": ["I want her to understand that it really hurt, and to put the phone away when we talk"],
        "tone": ["/choose_tone{\"tone\":\"gentle\"}"],
        "never_asked": ["feeling", "impact", "fear"],
        "must_include": ["your phone", "divorce", "small and embarrassed", "needy"],
    },
    "identity": {
        "opening": ["hey", "/consent_accept"],
        "what_happened": ["My therapist misgendered me twice and didn’t correct it"],
        "feeling": ["invisible and kind of hurt"],
        "feeling_ok": ["yes"],
        "impact": ["I've been avoiding some topics"],
        "fear": ["I'm worried my therapist will be hurt or angry"],
        "fear_in_draft": ["no"],
        "familiar": ["not really"],
        "identity_detail": ["It felt like my gender didn't matter. Using my pronouns would help."],
        "hope": ["I'd like us to talk it through together"],
        "tone": ["direct"],
        "never_asked": ["rupture_kind", "identity_involved"],
        "must_include": ["misgendered me", "invisible", "pronouns"],
    },
    "logistics": {
        "opening": ["hi", "/consent_accept"],
        "what_happened": ["she cancelled on me three times this month, always last minute"],
        "feeling": ["like I'm not a priority"],
        "feeling_ok": ["yes"],
        "impact": ["I've thought about stopping therapy"],
        "fear": ["I'm worried it will be awkward"],
        "fear_in_draft": ["yes"],
        "familiar": ["/deny"],
        "identity_involved": ["/deny"],
        "hope": ["I'd like us to do something differently"],
        "tone": ["direct"],
        "never_asked": ["rupture_kind"],
        "must_include": ["cancelled on me three times", "not a priority", "awkward"],
    },
    "misread interpretation": {
        "opening": ["hi", "/consent_accept"],
        "what_happened": ["he said I was resisting when I disagreed with him about my mom"],
        "feeling": ["misunderstood, and a bit angry"],
        "feeling_ok": ["no, more like hurt and misunderstood"],
        "impact": ["I don't talk about my mom anymore"],
        "fear": ["that he'll think I'm difficult"],
        "fear_in_draft": ["no"],
        "familiar": ["kind of like with my dad"],
        "identity_involved": ["no"],
        "hope": ["I want him to hear me out before deciding what it means"],
        "tone": ["gentle"],
        "must_include": ["resisting", "hurt and misunderstood"],
    },
    "fear of being disliked": {
        "opening": ["hi", "/consent_accept"],
        "what_happened": ["she forgot what I told her about my sister’s wedding"],
        "feeling": ["unimportant"],
        "feeling_ok": ["/affirm"],
        "impact": ["Nothing much has changed"],
        "fear": ["I'm worried my therapist will like me less"],
        "fear_in_draft": ["yes"],
        "familiar": ["yes, I always worry people will leave"],
        "identity_involved": ["no"],
        "hope": ["I'd like you to understand how it felt for me"],
        "tone": ["gentle"],
        "must_include": ["forgot what I told you", "unimportant", "like me less"],
    },
    # skips the worry (so "does this worry feel familiar?" is not asked), declines the
    # identity question in words, and hedges the hope
    "declines the hard questions": {
        "opening": ["hi", "/consent_accept"],
        "what_happened": ["she laughed when i cried i guess"],
        "feeling": ["stupid"],
        "feeling_ok": ["yes"],
        "impact": ["not really"],
        "fear": ["skip"],
        "identity_involved": ["I don’t want to talk about that"],
        "hope": ["an apology I think"],
        "tone": ["brief"],
        "must_include": ["laughed when I cried", "stupid", "an apology"],
        "must_not_include": ["I guess", "I think"],
    },
}


def run_client(chat, profile):
    answers = {k: list(v) for k, v in profile.items() if isinstance(v, list)}
    replies = []
    for line in answers.pop("opening"):
        replies = chat.say(line)
    asked = []
    while chat.turns < MAX_TURNS:
        drafts = payloads(replies, "draft")
        if drafts:
            return drafts[-1], asked
        slot = chat.asking
        assert slot, f"the bot is not asking anything:\n{chat.transcript}"
        asked.append(slot)
        pending = answers.get(slot)
        assert pending, f"asked {slot!r}, which this client already answered:\n{chat.transcript}"
        replies = chat.say(pending.pop(0) if len(pending) > 1 else pending[0])
    pytest.fail(f"no draft after {MAX_TURNS} turns:\n{chat.transcript}")


@pytest.mark.parametrize("name", list(CLIENTS))
def test_client_reaches_a_draft_in_their_own_words(chat, name):
    profile = CLIENTS[name]
    draft, asked = run_client(chat, profile)
    text = draft["text"]
    for words in profile["must_include"]:
        assert words.lower() in text.lower(), f"{words!r} missing from: {text}\n{chat.transcript}"
    for words in profile.get("must_not_include", []):
        assert words.lower() not in text.lower(), f"{words!r} in: {text}\n{chat.transcript}"
    assert not DEBRIS.search(text), text
    assert not problems(text), (problems(text), text)
    assert all(s.strip() for s in draft["sections"].values())
    assert draft["tone"] in ("gentle", "direct", "brief")
    for slot in profile.get("never_asked", []):
        assert slot not in asked, f"asked {slot} again:\n{chat.transcript}"
    assert chat.turns <= MAX_TURNS


def test_the_welcome_says_what_this_is_and_is_not(chat):
    said = texts(chat.say("hi"))
    assert "not a person and not therapy" in said
    assert "not for emergencies" in said and "988" in said


def draft_after(chat, text):
    drafts = payloads(chat.say(text), "draft")
    assert drafts, f"no draft after {text!r}:\n{chat.transcript}"
    return drafts[-1]


def test_review_tone_shorter_edit_and_tips(chat):
    run_client(chat, CLIENTS["logistics"])
    gentle = draft_after(chat, '/choose_tone{"tone":"gentle"}')
    assert gentle["tone"] == "gentle" and "hard for me to say" in gentle["text"]
    shorter = draft_after(chat, "make it shorter")
    assert len(shorter["text"]) < len(gentle["text"])
    chat.say('/edit_draft{"edit_section":"opener"}')
    edited = draft_after(chat, "Can I bring something up?")
    assert edited["text"].startswith("Can I bring something up?")
    direct = draft_after(chat, "make it more direct")
    assert direct["tone"] == "direct" and direct["text"].startswith("Can I bring something up?")
    tips = texts(chat.say("it's ready"))
    assert "phone" in tips and "courage" in tips


def test_pause_and_come_back_resumes_without_repeating_itself(chat):
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("she laughed when I cried")
    chat.say("humiliated")
    chat.say("yes")
    chat.say("I've been holding back")
    reassurance = texts(chat.say("I'm worried my therapist will like me less"))
    assert "Wanting to be liked" in reassurance
    assert "Your answers so far are saved" in texts(chat.say("can we pause"))
    assert chat.asking is None
    back = texts(chat.say("continue"))
    assert "Welcome back" in back and "include your worry" in back
    assert "Wanting to be liked" not in back, "the reassurance was said twice"
    assert chat.asking == "fear_in_draft"


def test_going_back_after_the_draft_reopens_the_last_question(chat):
    run_client(chat, CLIENTS["terse"])
    replies = chat.say("go back")
    assert chat.asking == "tone", chat.transcript
    assert "How would you like it to sound?" in texts(replies)
    assert payloads(chat.say("direct"), "draft")[-1]["tone"] == "direct"


def test_nothing_is_asked_or_kept_before_the_client_agrees(chat):
    chat.say("hi")
    replies = chat.say("she laughed at me")
    assert "not for emergencies" in texts(replies)
    assert chat.asking is None and not chat.slot("consented")
    assert chat.slot("what_happened") is None
    assert "What happened?" in texts(chat.say("ok"))


@pytest.mark.parametrize("agreeing", ["ok fine", "fine", "that's fine", "sounds good", "ok"])
def test_a_hesitant_ok_after_hearing_what_this_is_starts_and_never_ends_it(chat, agreeing):
    """Found by talking to it: "ok fine" after "what is this" was read as "the draft is ready"
    and got the goodbye tips before a single question."""
    chat.say("hey")
    chat.say("what is this")
    replies = chat.say(agreeing)
    assert "What happened?" in texts(replies) and chat.slot("consented"), chat.transcript
    assert "Take care of yourself" not in texts(replies)


@pytest.mark.parametrize("feeling", ["erased i guess", "deleted. like i wasnt there"])
def test_a_feeling_that_sounds_like_deleting_is_a_feeling_and_nothing_is_deleted(chat, feeling):
    """Found by talking to it: "erased i guess" at the feeling question asked to delete the
    whole conversation, and a reflexive "yes" erased it."""
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("he kept calling my wife my friend")
    replies = chat.say(feeling)
    assert "delete this conversation" not in texts(replies) and not payloads(replies, "data_deleted")
    assert chat.slot("what_happened") and chat.asking == "feeling_ok", chat.transcript


@pytest.mark.parametrize("asking", ["make it gentle", "shorter please", "undo"])
def test_nothing_is_drafted_before_the_client_agrees_to_start(chat, asking):
    chat.say("hi")
    replies = chat.say(asking)
    assert not payloads(replies, "draft") and not chat.slot("consented"), chat.transcript
    assert "not for emergencies" in texts(replies)


def test_more_of_what_happened_is_added_there_and_the_feeling_asked_again(chat):
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("she kept checking the time when i talked about my dad")
    assert chat.asking == "feeling"
    replies = texts(chat.say("she said i was being dramatic when i cried"))
    assert "I've added that to what happened" in replies and "It sounds like you felt" not in replies
    assert "How did that feel for you" in replies and chat.asking == "feeling"
    assert "dramatic" in chat.slot("what_happened") and "my dad" in chat.slot("what_happened")
    assert "It sounds like you felt dismissed" in texts(chat.say("dismissed"))


def test_a_feeling_said_again_after_it_was_added_to_what_happened_is_the_feeling(chat):
    """A client who answers "how did it feel?" with what the therapist did, twice, means it
    as the feeling: the bot does not add it to what happened a second time and ask again."""
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("Dr. Lee charged me the full fee for a session I cancelled a day ahead")
    feeling = "Dr. Lee acted like I was trying to get out of paying"
    assert "I've added that to what happened" in texts(chat.say(feeling)), chat.transcript
    replies = texts(chat.say(feeling))
    assert "I've added that to what happened" not in replies and chat.asking != "feeling", chat.transcript
    assert chat.slot("what_happened").count("get out of paying") == 1


def test_made_me_feel_is_a_feeling_and_the_story_keeps_its_first_sentence(chat):
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("On Monday I cancelled by email because I had a fever. She still charged me the full $160.")
    assert "I cancelled by email" in chat.slot("what_happened") and not chat.slot("impact"), chat.transcript
    replies = texts(chat.say("She made me feel like I was trying to get out of paying"))
    assert "I've added that to what happened" not in replies and "It sounds like you felt" in replies


def test_a_better_word_after_not_quite_is_taken_even_with_hedges_around_it(chat):
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("she asked how my grandma was doing, and my grandma died in October")
    assert "It sounds like you felt hurt" in texts(chat.say("hurt I guess, and a bit embarrassed"))
    replies = texts(chat.say("um more like... forgotten, I guess? like it didn't stick for her"))
    assert "A simple yes or no is fine" not in replies, chat.transcript
    assert "forgotten" in chat.slot("feeling") and chat.asking == "impact", chat.transcript


def test_no_twice_to_the_feeling_said_back_asks_for_the_word_and_is_never_the_word(chat):
    """Found talking to it: "nah not really" to "It sounds like you felt judged" became the
    feeling, and the draft said "I felt not really."."""
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("she rolled her eyes when i said i wanted to try meds")
    chat.say("judged")
    replies = texts(chat.say("nah not really"))
    assert "How would you describe it" in replies and chat.asking == "feeling", chat.transcript
    assert "not really" not in str(chat.slot("feeling"))


def test_not_knowing_where_to_start_gets_help_not_a_greeting(chat):
    chat.say("hi")
    chat.say("/consent_accept")
    replies = texts(chat.say("idk where to start"))
    assert "Hi again" not in replies and chat.asking == "what_happened", chat.transcript


def answer_until(chat, profile, question):
    """Answer as `profile` until the bot asks `question`."""
    answers = {k: list(v) for k, v in profile.items() if isinstance(v, list)}
    for line in answers.pop("opening"):
        chat.say(line)
    while chat.asking != question:
        assert chat.turns < MAX_TURNS and chat.asking, chat.transcript
        pending = answers[chat.asking]
        chat.say(pending.pop(0) if len(pending) > 1 else pending[0])


def test_a_tone_asked_for_too_soon_is_answered_and_the_question_kept(chat):
    answer_until(chat, CLIENTS["terse"], "fear_in_draft")
    unsure = texts(chat.say("she was on her phone"))
    assert "A yes or no is fine. Should the message mention your worry?" in unsure
    chat.say("no")
    chat.say("no")
    assert chat.asking == "identity_involved", chat.transcript
    for request, tone in (("make it more gentle", "gentle"), ('/choose_tone{"tone":"direct"}', "direct")):
        replies = texts(chat.say(request))
        assert "I'll keep that in mind for the message" in replies, chat.transcript
        assert "Was any part of who you are involved?" in replies
        assert chat.asking == "identity_involved" and chat.slot("tone") == tone
    assert "A yes or no is fine here" in texts(chat.say("to put the phone away"))
    chat.say("no")
    assert chat.asking == "hope", chat.transcript
    draft = payloads(chat.say("an apology"), "draft")
    assert draft and draft[-1]["tone"] == "direct", chat.transcript  # not asked again


@pytest.mark.parametrize("message", ["confirm safe", "Be direct with me, what is this for?",
                                     "keep it short: i felt ignored"])
def test_a_tone_word_in_another_message_never_chooses_the_tone(chat, message):
    """Only a request for a tone chooses it: a word the classifier tags as a tone inside
    another message ("confirm safe" once set the tone to "confirm", and the draft was made
    with no tone question) leaves it open or sets one the client can have."""
    answer_until(chat, CLIENTS["terse"], "feeling")
    chat.say(message)
    assert chat.slot("tone") in (None, "gentle", "direct", "brief"), chat.transcript


def test_a_corrected_feeling_and_a_change_given_as_the_feeling(chat):
    chat.say("hi")
    chat.say("/consent_accept")
    chat.say("she said i was resistant")
    replies = texts(chat.say("i stopped going for two weeks"))
    assert "It sounds like you felt" not in replies, chat.transcript
    assert chat.asking == "feeling" and "stopped going" in (chat.slot("impact") or "")
    assert "It sounds like you felt angry" in texts(chat.say("idk angry?"))
    chat.say("not quite")
    assert "It sounds like you felt dismissed." in texts(chat.say("more like dismissed"))
    chat.say("yes")
    assert chat.asking != "impact", chat.transcript  # already answered


@pytest.mark.parametrize("question", ["wait, will my therapist see this?", "is this private",
                                      "how long does this take?", "what's a rupture?"])
@pytest.mark.parametrize("step", ["what_happened", "feeling", "hope"])
def test_a_side_question_is_answered_at_any_step_and_never_kept(chat, question, step):
    answer_until(chat, CLIENTS["terse"], step)
    replies = texts(chat.say(question))
    assert "didn't quite follow" not in replies, chat.transcript
    assert any(words in replies for words in ("does not see this chat", "5 to 10 minutes", "bump")), replies
    assert chat.asking == step, chat.transcript
    assert chat.slot(step) is None, f"{question!r} was kept as the answer to {step}"


def test_a_yes_that_says_who_i_am_is_kept_and_not_asked_again(chat):
    profile = {**CLIENTS["terse"], "identity_involved": [
        "Yes. I'm Black and he's white, and I don't think he knows what it's like"]}
    draft, asked = run_client(chat, profile)
    assert "identity_detail" not in asked, chat.transcript
    assert "I'm Black and you're white, and I don't think you know what it's like." in draft["text"]
    shortest = draft_after(chat, "make it shorter")
    shortest = draft_after(chat, "make it shorter")
    assert "I'm Black and you're white" in shortest["text"], shortest["text"]


def test_exact_words_on_request_and_undo_goes_back_one_change(chat):
    profile = {**CLIENTS["terse"], "what_happened": ["um she laughed at me tbh"]}
    draft, _ = run_client(chat, profile)
    assert "laughed at me." in draft["text"] and "tbh" not in draft["text"]
    exact = draft_after(chat, '/choose_words{"exact_words":"exact"}')
    assert "Um you laughed at me tbh." in exact["text"], exact["text"]
    tidied = draft_after(chat, "tidy my words")
    assert "tbh" not in tidied["text"]
    direct = draft_after(chat, '/choose_tone{"tone":"direct"}')
    assert direct["tone"] == "direct"
    undone = draft_after(chat, "undo")
    assert undone["tone"] == "brief" and undone["text"] == tidied["text"], chat.transcript
    assert "nothing to undo" not in texts(chat.last)


def test_the_closing_and_who_i_am_can_be_edited(chat):
    profile = {**CLIENTS["terse"], "identity_involved": ["yes"], "identity_detail": ["I'm gay"],
               "tone": ["gentle"]}
    run_client(chat, profile)
    chat.say('/edit_draft{"edit_section":"closing"}')
    edited = draft_after(chat, "Thanks for hearing me out.")
    assert edited["text"].endswith("Thanks for hearing me out.")
    chat.say('/edit_draft{"edit_section":"identity"}')
    edited = draft_after(chat, "Being gay is part of who I am, and it matters here.")
    assert "Being gay is part of who I am, and it matters here." in edited["text"]
    assert "Part of this is about who I am" not in edited["text"]
