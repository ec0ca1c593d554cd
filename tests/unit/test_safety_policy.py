"""The turns safety decides (components/safety_policy.py), read from real conversations'
events: what the bot says next after each message, whatever a form or a rule would do."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bring_it_up.safety import clear_yes, says_no
from components.safety_policy import SafetyPolicy, replies

DOMAIN = Domain.load("domain")


def said(*actions: str) -> list[Event]:
    return [ActionExecuted(a) for a in actions] + [ActionExecuted("action_listen")]


def user(intent: str, text: str | None = None) -> UserUttered:
    return UserUttered(text if text is not None else f"/{intent}", {"name": intent, "confidence": 1.0})


def mid_form(slot: str = "feeling") -> list[Event]:
    """Consented, the preparation form open and asking `slot`."""
    return [ActionExecuted("action_listen"), user("consent_accept"), SlotSet("consented", True),
            ActionExecuted("utter_lets_begin"), ActionExecuted("preparation_form"),
            ActiveLoop("preparation_form"), SlotSet("requested_slot", slot),
            ActionExecuted("action_listen")]


def in_hold(consented: bool = True) -> list[Event]:
    start = mid_form() if consented else [ActionExecuted("action_listen")]
    return start + [user("safety_crisis", "I want to die"), ActionExecuted("action_deactivate_loop"),
                    ActiveLoop(None), *said(*replies()["crisis"])]


def reply_to(events: list[Event], message: UserUttered) -> list[str]:
    """Every action the policy predicts after `message`, up to listening again ([] when it
    leaves the turn to the rules)."""
    tracker = DialogueStateTracker.from_events("t" * 20, [*events, message], slots=DOMAIN.slots)
    out: list[str] = []
    for _ in range(10):
        action = SafetyPolicy.next_action(tracker)
        if action is None:
            assert not out, f"the policy gave up mid-reply after {out}"
            return out
        if action == "action_listen":
            return out
        out.append(action)
        events_now: list[Any] = [ActionExecuted(action)]
        if action == "action_deactivate_loop":
            events_now.append(ActiveLoop(None))
        if action == "preparation_form":
            events_now.append(ActiveLoop("preparation_form"))
        for event in events_now:
            tracker.update(event)
    raise AssertionError(f"no end to the reply: {out}")


CRISIS = replies()["crisis"]
HOLD = replies()["hold"]


def test_every_reply_is_said_by_the_domain():
    names = set(DOMAIN.action_names_or_texts) | set(DOMAIN.form_names)
    missing = {a for reply in replies().values() for a in reply if a not in names}
    assert not missing


@pytest.mark.parametrize("intent, expected", [
    ("safety_crisis", ["action_deactivate_loop", *CRISIS]),
    ("safety_check_in", ["action_deactivate_loop", *replies()["check_in"]]),
    ("safety_ethics", ["action_deactivate_loop", *replies()["ethics"]]),
])
def test_a_flagged_message_mid_question_closes_the_form_and_gets_the_safety_reply(intent, expected):
    assert reply_to(mid_form(), user(intent, "whatever it says")) == expected


@pytest.mark.parametrize("intent", ["inform", "greet", "choose_tone", "dont_know", "skip"])
def test_an_ordinary_answer_is_left_to_the_form(intent):
    assert reply_to(mid_form(), user(intent, "she looked at her phone")) == []


# While the bot waits to hear "I'm safe", nothing walks past the check.
WALK_PAST = [
    ("resume", "continue"), ("resume", "let's keep going"), ("go_back", "go back"),
    ("start_over", "start over"), ("skip", "skip"), ("pause", "pause"), ("inform", "asdf qwer"),
    ("confirm_safe", "I'm glad you're safe right now"), ("affirm", "sure?"),
    ("restart", "/restart"), ("back", "/back"), ("session_start", "/session_start"),
    ("consent_accept", "/consent_accept"), ("choose_tone", "make it brief"),
    ("edit_draft", "change the opener"), ("draft_ok", "looks good"), ("coach_accept", "use it"),
    ("other_language", "estoy bien"), ("what_is_rupture", "what is a rupture"),
    ("safety_check_in", "what's the point"),
]


@pytest.mark.parametrize("intent, text", WALK_PAST)
def test_nothing_but_a_clear_safe_leaves_the_hold(intent, text):
    assert reply_to(in_hold(), user(intent, text)) == HOLD


@pytest.mark.parametrize("text", ["I'm safe", "yes", "I'm safe right now", "yeah im fine thanks",
                                  "I am", "/confirm_safe", "ok"])
def test_a_clear_safe_ends_the_hold_and_the_client_chooses_whether_to_go_back(text):
    intent = "confirm_safe" if "safe" in text else "affirm"
    assert reply_to(in_hold(), user(intent, text)) == replies()["safe"]
    assert reply_to(in_hold(consented=False), user(intent, text)) == replies()["safe_before_consent"]


@pytest.mark.parametrize("intent, text", [("not_safe", "/not_safe"), ("deny", "no"),
                                          ("inform", "not really"), ("dont_know", "i don't know")])
def test_not_safe_gets_the_direct_ask_and_the_check_again(intent, text):
    assert reply_to(in_hold(), user(intent, text)) == replies()["not_safe"]


def test_stop_may_leave_but_the_hold_is_there_when_they_come_back():
    events = in_hold()
    assert reply_to(events, user("leave", "/leave")) == replies()["hold_stop"]
    after = [*events, user("leave", "/leave"), *said(*replies()["hold_stop"])]
    assert reply_to(after, user("resume", "continue")) == HOLD


def test_deleting_during_the_hold_asks_and_a_no_returns_to_the_check():
    events = in_hold()
    assert reply_to(events, user("delete_data", "/delete_data")) == ["utter_confirm_delete"]
    asked = [*events, user("delete_data", "/delete_data"), *said("utter_confirm_delete")]
    assert reply_to(asked, user("deny", "/deny")) == replies()["delete_kept_during_hold"]
    kept = [*asked, user("deny", "/deny"), *said(*replies()["delete_kept_during_hold"])]
    assert reply_to(kept, user("resume", "/resume")) == HOLD
    assert reply_to(asked, user("affirm", "/affirm")) == ["utter_data_deleted"]


def test_a_new_crisis_message_in_the_hold_is_answered_as_a_crisis():
    assert reply_to(in_hold(), user("safety_crisis", "I have the pills here")) == CRISIS


def test_misconduct_in_the_hold_is_named_and_the_check_stays():
    assert reply_to(in_hold(), user("safety_ethics", "he kissed me")) == replies()["ethics_during_hold"]


def checked_in(consented: bool = True) -> list[Event]:
    start = mid_form() if consented else [ActionExecuted("action_listen")]
    return start + [user("safety_check_in", "what's the point"), ActionExecuted("action_deactivate_loop"),
                    ActiveLoop(None), *said(*replies()["check_in"])]


def test_the_check_in_question_yes_is_a_crisis_no_resumes_and_anything_else_asks_again():
    assert reply_to(checked_in(), user("affirm", "yes")) == CRISIS
    assert reply_to(checked_in(), user("deny", "no")) == replies()["check_in_no"]
    assert reply_to(checked_in(False), user("deny", "nope")) == replies()["check_in_no_before_consent"]
    for intent, text in [("inform", "she ignored me"), ("resume", "continue"), ("skip", "skip"),
                         ("deny", "whatever")]:
        assert reply_to(checked_in(), user(intent, text)) == replies()["check_in_unclear"], text


def delete_asked() -> list[Event]:
    return mid_form() + [user("delete_data", "delete my data"), ActionExecuted("action_deactivate_loop"),
                         ActiveLoop(None), *said("utter_confirm_delete")]


@pytest.mark.parametrize("intent, text", [("affirm", "/affirm"), ("affirm", "yes"),
                                          ("affirm", "yes please delete it"), ("affirm", "ok")])
def test_only_a_clear_yes_deletes(intent, text):
    assert reply_to(delete_asked(), user(intent, text)) == ["utter_data_deleted"]


@pytest.mark.parametrize("intent, text", [("affirm", "sure?"), ("affirm", "fghj lkjh"),
                                          ("inform", "what happens then"), ("affirm", "i guess"),
                                          ("deny", "maybe")])
def test_anything_else_asks_again_before_deleting(intent, text):
    assert reply_to(delete_asked(), user(intent, text)) == ["utter_confirm_delete"]


def test_a_no_to_deleting_is_left_to_the_rules():
    assert reply_to(delete_asked(), user("deny", "no")) == []


def test_typed_not_safe_outside_the_hold_is_asked_about_not_assumed():
    assert reply_to(mid_form(), user("not_safe", "I'm not safe to be honest with her")) == \
        ["action_deactivate_loop", *replies()["check_in"]]


def test_the_hold_ends_with_a_new_conversation_only_after_a_restart_event():
    """The scan stops at Rasa's restart: a restart the client could trigger is refused above
    (test_nothing_but_a_clear_safe_leaves_the_hold), so only the clinic's tools reach this."""
    from rasa.shared.core.events import Restarted
    events = [*in_hold(), user("restart", "/restart"), Restarted(), ActionExecuted("action_listen")]
    assert reply_to(events, user("greet", "hi")) == []


@pytest.mark.parametrize("text, safe, delete, no", [
    ("yes", True, True, False), ("Yes, I'm safe.", True, False, False), ("sure?", False, False, False),
    ("I'm glad you're safe right now", False, False, False), ("not safe", False, False, True),
    ("yes please delete everything", False, True, False), ("nope", False, False, True),
    ("I’m ok", True, True, False),
])
def test_clear_answers(text, safe, delete, no):
    assert (clear_yes(text, "safe_now"), clear_yes(text, "delete"), says_no(text)) == (safe, delete, no)
