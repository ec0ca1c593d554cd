"""Nothing a client wrote, and no sender id, is ever written to a log at the default level.
Runs after every other server test (conftest orders it last) and reads all they caused:
answers, crisis messages, bad input, deletions, restarts, forced action errors."""

from __future__ import annotations

from tests.servers.helpers import MARKER, new_sender, start_preparation


def test_no_message_text_or_sender_id_in_any_log(stack):
    sender = new_sender()
    start_preparation(stack, sender)
    stack.say(sender, f"I want to kill myself {MARKER}")  # crisis path
    stack.say(sender, f"my therapist touched me and asked me on a date {MARKER}")  # ethics path
    log = stack.log.read_text(encoding="utf-8", errors="replace")
    assert "Rasa server is up and running" in log, "the log under test is the servers' log"
    assert MARKER not in log
    leaked = [s for s in stack.senders if s in log]
    assert not leaked, f"{len(leaked)} sender id(s) in the log"
