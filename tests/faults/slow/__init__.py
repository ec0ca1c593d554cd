"""The real actions, except that checking an answer hangs for 30 s when the answer says
"hang": for the fault test of an action that takes longer than Rasa should wait."""

from __future__ import annotations

import asyncio
from typing import Any

from actions.actions import *  # noqa: F401,F403 - every other action as it really is
from actions.forms import ValidatePreparationForm


class SlowValidatePreparationForm(ValidatePreparationForm):
    async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[Any]:
        if "hang" in (tracker.latest_message.get("text") or ""):
            await asyncio.sleep(30)
        return await super().run(dispatcher, tracker, domain)
