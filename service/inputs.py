"""What the REST channel accepts, decided before Rasa sees anything (pure, no Sanic).

Every request is checked here: its shape, its sender id, its size, whether it has any
words, and whether a `/payload` it carries is one the bot offered. The message is tidied
first (NFKC, no markup, no invisible characters) and every later check reads the tidied
text. See SECURITY.md.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from typing import Any

from bring_it_up.text import clean

# crypto.randomUUID() (36), uuid4().hex (32, what `rasa shell` uses) and the like.
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")
# A random id of 16+ characters has many different ones (a UUID's 30 random hex digits show
# 5 or fewer different digits less than once in 10^11 ids); "aaaaaaaaaaaaaaaa" or
# "abcabcabc..." is a guessable name, not a secret.
MIN_DISTINCT_SENDER_CHARACTERS = 6
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_HAS_WORDS = re.compile(r"[^\W_]")


class BadRequest(ValueError):
    """A request no client of ours would send: answered with a 400 and this reason."""


def parse(body: Any) -> tuple[str, str]:
    """(sender, message) from a decoded JSON body, or BadRequest saying what is wrong."""
    if not isinstance(body, dict):
        raise BadRequest('send a JSON object: {"sender": "...", "message": "..."}')
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender) \
            or len(set(sender.lower()) - {"-", "_"}) < MIN_DISTINCT_SENDER_CHARACTERS:
        raise BadRequest("'sender' must be a random id of 16-128 letters, digits, '-' or '_' "
                         "(for example from crypto.randomUUID())")
    if not isinstance(message, str):
        raise BadRequest("'message' must be a string")
    return sender, message


def tidy(message: str) -> str:
    """The message as everything after the channel reads it: compatibility forms folded
    (NFKC: "／restart" is "/restart"), no lone surrogates, control, zero-width or direction
    characters, no markup."""
    return clean(_LONE_SURROGATE.sub("", message))


def has_words(text: str) -> bool:
    """False for empty text, whitespace, emoji, symbols only."""
    return bool(_HAS_WORDS.search(text))


def offered_payloads(events: Iterable[dict[str, Any]]) -> set[str]:
    """The payloads of the buttons on screen: those of the bot's latest turn that had
    buttons (a client may ask "why?" first and then press a button from before)."""
    offered: set[str] = set()
    for event in reversed(list(events)):
        if event.get("event") == "user" and offered:
            break
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            offered.update(b["payload"] for b in buttons if isinstance(b, dict) and "payload" in b)
    return offered


_PAYLOAD = re.compile(r"/+([A-Za-z_]+)\s*(\{.*\})?", re.S)


def text_for_rasa(message: str, offered: set[str]) -> str:
    """What Rasa reads of a tidied message. A `/intent{...}` payload goes through only
    exactly as the bot offered it. Typed by hand it is read as plain words without its
    JSON ("/choose_tone{...}" -> "choose tone"), so nobody can set a slot or jump the flow
    by typing a payload; nothing else that reaches Rasa starts with "/"."""
    if message in offered:
        return message
    payload = _PAYLOAD.fullmatch(message)
    if payload:
        return payload.group(1).replace("_", " ").strip()
    return message.lstrip("/ ")


class RateLimiter:
    """At most `limit` requests per key in any `window` seconds (sliding window, in
    memory, per server process). Keys not seen for a window are forgotten."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str, now: float | None = None, cost: int = 1) -> bool:
        """Whether one more request (counting as `cost` requests) fits in the window."""
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        allowed = len(hits) + cost <= self.limit
        if allowed:
            hits.extend([now] * cost)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return allowed
