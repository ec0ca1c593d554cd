"""No action failure may crash a conversation or leak it into a log.

rasa_sdk answers an exception in an action with a 500 that carries the whole tracker, and
Rasa logs that response. Every action here is wrapped instead: the client gets a kind
message, and the log gets the action's name and the error's type, never the conversation.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


def guard(run: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run)
    async def wrapper(self: Any, dispatcher: Any, tracker: Any, domain: Any) -> Any:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - every failure is answered the same way
            logger.error("action %s failed with %s (details withheld)", self.name(),
                         type(exc).__name__)
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_technical_problem")
            return []

    wrapper.__guarded__ = True  # type: ignore[attr-defined]
    return wrapper


class Guarded:
    """Mix in first: `class ActionX(Guarded, Action)`; its `run` is guarded automatically."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.run  # type: ignore[attr-defined]
        if not getattr(run, "__guarded__", False):
            cls.run = guard(run)  # type: ignore[attr-defined]
