"""Nothing a client wrote, and no sender id, is ever written to a log at the default level.
Runs after every other server test (conftest orders it last) and reads all they caused:
answers, crisis messages, bad input, deletions, restarts, forced action errors."""

from __future__ import annotations

import pytest

from tests.servers.helpers import MARKER, Stack, new_sender, start_preparation


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


@pytest.fixture(scope="module")
def failing_stack(tmp_path_factory):
    """The servers again, with an action that raises an exception holding the client's words."""
    running = Stack(tmp_path_factory.mktemp("failing"))
    running.env["ACTIONS_PACKAGE"] = "tests.servers.failing"
    running.start()
    yield running
    running.stop()


def test_a_failing_action_leaks_nothing_and_the_conversation_goes_on(failing_stack):
    sender = new_sender()
    failing_stack.say(sender, f"hi, my secret is {MARKER}")
    failing_stack.say(sender, "yes")  # a plain yes to the welcome: the broken action runs
    log = failing_stack.log.read_text(encoding="utf-8", errors="replace")
    assert "Failed to execute custom action 'action_accept_consent'" in log, "it really failed"
    assert "RuntimeError" in log, "the failure is logged by its type"
    assert MARKER not in log and sender not in log
    # and the conversation is still alive: the client hears back and can go on
    assert failing_stack.say(sender, "she laughed at me")
