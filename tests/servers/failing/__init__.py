"""Actions that fail on purpose, for tests/servers/test_logs.py: the real actions, except
that accepting consent raises an exception whose message holds the client's words (the
kind of error a bug could cause), without our guard around it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action

from actions.actions import *  # noqa: F401,F403 - every other action as it really is


class ActionAcceptConsent(Action):
    def name(self) -> str:
        return "action_accept_consent"

    async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[Any]:
        words = " ".join(e.get("text") or "" for e in tracker.events if e.get("event") == "user")
        raise RuntimeError(f"failed while reading: {words}")
