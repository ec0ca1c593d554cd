"""An action that fails answers kindly and logs nothing of the conversation."""

import logging

from actions.actions import ActionShowDraft
from tests.conftest import make_tracker

MARKER = "zebra-lantern-7731"


async def test_a_failing_action_answers_kindly_and_keeps_the_conversation_out_of_logs(
        dispatcher, domain, caplog):
    # A corrupted slot makes drafting fail for real.
    tracker = make_tracker({"what_happened": f"she said {MARKER}", "section_overrides": MARKER})
    with caplog.at_level(logging.DEBUG):
        events = await ActionShowDraft().run(dispatcher, tracker, domain)
    assert events == []
    assert [m.get("response") for m in dispatcher.messages] == ["utter_technical_problem"]
    assert "action_show_draft failed with ValueError" in caplog.text
    assert MARKER not in caplog.text
