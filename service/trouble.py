"""What went wrong while one message was handled, so the client can be told.

Rasa 3.6 keeps going when a piece fails, and the client may never know:
- an action server that is down or fails: Rasa logs it, drops the action's events and
  predicts on, so the client sees the last question again, or nothing;
- a database that fails: Rasa's `FailSafeTrackerStore` returns an *empty* conversation
  (the client silently starts over) and keeps what it could not save in memory.

The channel (service/channel.py) opens a `Turn` for each message. The tracker store
(service/store.py) and the action call below report into it, and the channel then answers
"I couldn't do that just now, please try again" instead of whatever Rasa made of the
failure. A `ContextVar` carries the turn: Rasa handles a message inside the request's
task, so everything it calls sees the turn of its own request and no other.

Custom actions also get a timeout well below the conversation lock's lifetime
(`TICKET_LOCK_LIFETIME`, 60 s): Rasa waits up to 300 s for an action, and a lock that
expires mid-turn lets a second message of the same conversation in at the same time
(service/rasa_patches/action_timeout.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from rasa.core.lock_store import LOCK_LIFETIME

ACTION_TIMEOUT = float(os.environ.get("ACTION_TIMEOUT_SECONDS", "20"))
if ACTION_TIMEOUT >= LOCK_LIFETIME:
    raise SystemExit(f"ACTION_TIMEOUT_SECONDS ({ACTION_TIMEOUT:g}) must be below the lock "
                     f"lifetime TICKET_LOCK_LIFETIME ({LOCK_LIFETIME:g})")


class Turn:
    """The problems met while handling one message: 'action', 'store read', 'store write'."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.problems)

    def has(self, problem: str) -> bool:
        return problem in self.problems


_turn: ContextVar[Turn | None] = ContextVar("bring_it_up_turn", default=None)


@contextmanager
def turn() -> Iterator[Turn]:
    """Watch one message; inside, `report()` and `current()` see this turn."""
    watched = Turn()
    token = _turn.set(watched)
    try:
        yield watched
    finally:
        _turn.reset(token)


def report(problem: str) -> None:
    watched = _turn.get()
    if watched is not None:
        watched.problems.append(problem)


def current() -> Turn | None:
    return _turn.get()

