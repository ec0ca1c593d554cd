"""A conversation is mental-health data: deleting it is real, retention is enforced,
and a restart loses nothing that should be kept."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests.servers.helpers import MARKER, ROOT, buttons, new_sender, says, start_preparation, texts


def test_delete_my_data_erases_the_conversation_from_the_store(stack, domain_texts):
    sender, secret = new_sender(), uuid.uuid4().hex
    start_preparation(stack, sender)
    stack.say(sender, f"she laughed when I told her about {secret} {MARKER}")
    assert stack.rows(sender) > 0
    reply = stack.say(sender, "please delete my data")
    assert says(reply, domain_texts["utter_confirm_delete"])
    assert stack.rows(sender) > 0, "nothing is deleted before the client confirms"
    reply = stack.say(sender, "yes")
    assert says(reply, domain_texts["utter_data_deleted"])
    assert {"type": "data_deleted"} in [m.get("custom") for m in reply]
    assert stack.rows(sender) == 0
    # not even the bytes are left in the database file (SQLite secure_delete)
    for path in stack.db.parent.glob("conversations.db*"):
        assert secret.encode() not in path.read_bytes()
    # the same sender starts again from the welcome, with nothing remembered
    reply = stack.say(sender, "hi")
    assert "/consent_accept" in buttons(reply)
    assert stack.slot(sender, "what_happened") is None


def test_the_widget_delete_button_works_at_any_point(stack, domain_texts):
    sender = new_sender()
    start_preparation(stack, sender)
    stack.say(sender, "my therapist kept checking her phone")
    reply = stack.say(sender, "/delete_data")  # the widget's button, always offered
    assert says(reply, domain_texts["utter_confirm_delete"])
    stack.say(sender, "/affirm")
    assert stack.rows(sender) == 0


def test_keeping_the_data_goes_back_to_the_same_question(stack, domain_texts):
    sender = new_sender()
    start_preparation(stack, sender)
    stack.say(sender, "my therapist kept checking her phone")
    asked = stack.slot(sender, "requested_slot")
    stack.say(sender, "delete everything")
    reply = stack.say(sender, "no")
    assert says(reply, domain_texts["utter_delete_kept"])
    assert stack.rows(sender) > 0
    stack.say(sender, "/resume")
    assert stack.slot(sender, "requested_slot") == asked
    assert stack.slot(sender, "what_happened")


def purge() -> str:
    env = {**os.environ, "TRACKER_DB": os.environ["TRACKER_DB"]}
    done = subprocess.run([sys.executable, "-m", "service.store"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout + done.stderr


def test_make_purge_removes_conversations_past_retention(stack, monkeypatch):
    old, recent = new_sender(), new_sender()
    for sender in (old, recent):
        start_preparation(stack, sender)
        stack.say(sender, f"she forgot our session {MARKER}")
    stack.back_date(old, days=8)  # clinic.yml keeps 7 days
    stack.back_date(recent, days=6)
    monkeypatch.setenv("TRACKER_DB", str(stack.db))
    output = purge()
    assert "purged" in output and MARKER not in output and old not in output
    assert stack.rows(old) == 0
    assert stack.rows(recent) > 0


def test_a_restart_resumes_at_the_same_question_and_purges_on_start(stack, domain_texts):
    sender, stale = new_sender(), new_sender()
    start_preparation(stack, sender)
    stack.say(sender, f"she looked at the clock while I was crying {MARKER}")
    stack.say(sender, "embarrassed and small")
    asked = stack.slot(sender, "requested_slot")
    start_preparation(stack, stale)
    stack.back_date(stale, days=30)

    stack.restart()

    assert stack.rows(stale) == 0, "a conversation past retention is purged when the server starts"
    reply = stack.say(sender, "why do you ask?")
    assert stack.slot(sender, "requested_slot") == asked
    assert texts(reply)
    assert stack.slot(sender, "what_happened").startswith("she looked at the clock")


def test_consent_says_what_is_kept_for_how_long_and_how_to_delete(stack):
    reply = texts(stack.say(new_sender(), "hi"))
    assert "deleted after 7 days" in reply  # clinic.yml's retention_days
    assert 'Say "delete my data" at any time' in reply
    assert "not for" in reply and "988" in reply
