"""Bad input gets a clear, kind answer, nothing is lost, and the conversation goes on.

Each case is sent at the first question ("what happened"); afterwards a real answer
must still move the preparation on to the feeling question."""

from __future__ import annotations

import json

import pytest

from tests.servers.helpers import MARKER, new_sender, says, start_preparation, texts

NO_WORDS = {
    "empty": "",
    "whitespace": "   \n\t  ",
    "control characters": "\x00\x07\x1b\x7f\x0b",
    "emoji only": "\U0001f622\U0001f622\U0001f494",
    "markup only": "<img src=x onerror=alert(1)>",
    "symbols only": "?!... :( ---",
}


def answer_moves_on(stack, sender, domain_texts) -> None:
    reply = stack.say(sender, f"she looked at the clock while I was crying {MARKER}")
    assert stack.slot(sender, "requested_slot") == "feeling", texts(reply)


def fresh(stack) -> str:
    sender = new_sender()
    start_preparation(stack, sender)
    assert stack.slot(sender, "requested_slot") == "what_happened"
    return sender


@pytest.mark.parametrize("message", list(NO_WORDS.values()), ids=list(NO_WORDS))
def test_no_words_gets_a_gentle_nudge(stack, domain_texts, message):
    sender = fresh(stack)
    reply = stack.say(sender, message)
    assert says(reply, domain_texts["utter_no_words"])
    assert stack.slot(sender, "what_happened") is None
    answer_moves_on(stack, sender, domain_texts)


def test_lone_surrogates_and_control_characters_are_dropped_not_fatal(stack, domain_texts):
    sender = fresh(stack)
    message = "she laughed \\ud800 at me\\u0000 " + MARKER  # JSON escapes, sent as they are
    raw = ('{"sender": "' + sender + '", "message": "' + message + '"}').encode()
    status, reply = stack.post(None, raw=raw)
    assert status == 200 and reply
    stored = stack.slot(sender, "what_happened")
    assert stored and "laughed" in stored and "\x00" not in stored and "\ud800" not in stored


def test_a_huge_message_is_refused_kindly_and_quickly(stack, domain_texts):
    sender = fresh(stack)
    reply = stack.say(sender, ("I felt awful " + MARKER + " ") * 9000)  # ~200,000 characters
    assert says(reply, domain_texts["utter_too_long"])
    assert stack.slot(sender, "what_happened") is None
    answer_moves_on(stack, sender, domain_texts)


def test_just_over_the_limit_is_refused_and_just_under_is_read(stack, domain_texts):
    sender = fresh(stack)
    assert says(stack.say(sender, "a" * 5001), domain_texts["utter_too_long"])
    long_answer = ("She checked her phone while I talked about my mother. " * 90)[:5000]
    stack.say(sender, long_answer)
    assert stack.slot(sender, "what_happened")


@pytest.mark.parametrize("message", [
    "Mi terapeuta siempre llega tarde y no me escucha",
    "我的治疗师不听我说话，我很难过",
    "Ma thérapeute ne m'écoute pas quand je parle",
])
def test_other_languages_get_an_english_only_reply_with_the_crisis_line(stack, domain_texts, message):
    sender = fresh(stack)
    reply = stack.say(sender, message)
    assert says(reply, domain_texts["utter_english_only"])
    assert "988" in texts(reply)
    assert stack.slot(sender, "what_happened") is None
    assert stack.slot(sender, "requested_slot") == "what_happened"
    answer_moves_on(stack, sender, domain_texts)


@pytest.mark.parametrize("message", [
    f"<script>alert('{MARKER}')</script> she laughed at me",
    f"<b>she</b> laughed at me <img src=x onerror=alert(1)> {MARKER}",
])
def test_markup_is_never_echoed(stack, domain_texts, message):
    sender = fresh(stack)
    reply = stack.say(sender, message)
    shown = json.dumps(reply)
    assert "<script" not in shown and "<img" not in shown and "<b>" not in shown
    stored = stack.slot(sender, "what_happened")
    assert stored and "laughed" in stored and "<" not in stored


@pytest.mark.parametrize("message", [
    "{{7*7}} she said {{ config }} and I felt small",
    "{% for x in range(9) %}{{x}}{% endfor %} she laughed",
    "${7*7} #{7*7} {therapist_term} she laughed",
])
def test_template_injection_is_just_text(stack, domain_texts, message):
    sender = fresh(stack)
    reply = stack.say(sender, message)
    assert "49" not in texts(reply) and "012345678" not in texts(reply)
    stored = stack.slot(sender, "what_happened")
    if stored is None:  # read as off-topic: the question is asked again
        answer_moves_on(stack, sender, domain_texts)
    else:
        assert "she" in stored and "49" not in stored


def test_sql_looking_text_is_stored_as_words(stack, domain_texts):
    sender = fresh(stack)
    stack.say(sender, "'; DROP TABLE events; -- she laughed at me")
    assert "DROP TABLE events" in stack.slot(sender, "what_happened")
    answer_after = stack.say(sender, "hurt")
    assert answer_after and stack.rows(sender) > 0


def test_typed_restart_payload_does_not_wipe_the_conversation(stack, domain_texts):
    sender = fresh(stack)
    stack.say(sender, f"she laughed at me when I cried {MARKER}")
    stack.say(sender, "/restart")
    events = stack.events(sender)
    assert not any(e.get("event") == "restart" for e in events), "Rasa's restart never runs"
    assert any(MARKER in (e.get("text") or "") for e in events if e.get("event") == "user")


def test_typed_payloads_cannot_set_slots_or_jump_the_flow(stack, domain_texts):
    sender = fresh(stack)
    for payload in ('/choose_tone{"tone": "brief"}', '/inform{"edit_section": "hope"}',
                    "/draft_ok", "/confirm_safe", '/consent_accept{"consented": false}'):
        stack.say(sender, payload)
        sent = [e for e in stack.events(sender) if e.get("event") == "user"][-1]
        assert not sent["text"].startswith("/"), "Rasa must never receive an unoffered payload"
    assert stack.slot(sender, "tone") != "brief"
    assert stack.slot(sender, "edit_section") is None


def test_offered_buttons_still_work(stack, domain_texts):
    sender = new_sender()
    reply = stack.say(sender, "hi")
    assert "/consent_accept" in [b["payload"] for m in reply for b in m.get("buttons") or []]
    stack.say(sender, "why do you ask?")  # the buttons are still on screen after this
    stack.say(sender, "/consent_accept")
    assert stack.slot(sender, "consented") is True
