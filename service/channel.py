"""The REST channel, guarded: `POST /webhooks/rest/webhook` with `{"sender", "message"}`.

Same URL and reply format as Rasa's own REST channel (the widget and `curl` see no
difference), but every request is checked first (service/inputs.py):
- not `Content-Type: application/json` -> 415; over `max_body_bytes` -> 413; malformed
  JSON, missing or wrong fields, a sender id that is not a random id -> 400;
- more than a human could send (per sender and per IP, refused requests included; a long
  message counts as its parts) -> 429;
- the message is tidied first (NFKC, markup, control, zero-width and direction characters
  removed: service/inputs.py `tidy`), and every check after reads the tidied text;
- a message over `max_message_chars` is screened sentence by sentence: a flagged sentence
  goes on to Rasa (so safety answers it); otherwise, like a message with no words at all,
  it gets a kind reply and the conversation stays where it was;
- a typed `/payload` goes through only exactly as the bot offered it; otherwise it is read
  as plain words;
- nothing the client wrote is ever logged (Rasa's channel logs the text on errors), and a
  failure inside Rasa, of the action server or of the database (service/trouble.py) gets
  "I couldn't do that just now, please try again" with a `try_again` payload the widget
  turns into a Try again button, instead of silence, a 500 or a silent fresh start. A
  crisis reply given in that same turn is kept.
The replies' words live in the domain (domain/navigation.yml), like every other sentence.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.nlg.interpolator import interpolate_text
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bring_it_up.text import pieces
from service import rasa_patches, trouble, workers
from service.gate import TurnGate
from service.inputs import (
    BadRequest,
    RateLimiter,
    has_words,
    offered_payloads,
    parse,
    text_for_rasa,
    tidy,
)
from service.rasa_patches.sessions import close_kept_sessions

logger = logging.getLogger(__name__)
# Rasa prints a "/payload" it cannot parse in full, in a warning. Only exact offered payloads
# reach it starting with "/" (text_for_rasa), but should one ever fail, its text stays out.
warnings.filterwarnings("ignore", message=r"Failed to parse arguments in line")
if not rasa_patches.installed():  # started by `rasa run`, not `python -m service.cli run`
    logger.warning("Rasa started without service.cli: only the fixes are installed, no speedups")
    rasa_patches.install(only_fixes=True)


class BringItUpRest(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> BringItUpRest:
        return cls(**(credentials or {}))

    def __init__(self, max_message_chars: int = 5000, sender_per_minute: int = 30,
                 ip_per_minute: int = 300,
                 always_allowed_payloads: list[str] | None = None, turns_at_once: int = 2,
                 stuck_seconds: float = 1.0, max_body_bytes: int = 1_048_576,
                 screen_pieces: int = 120) -> None:
        self.max_message_chars = int(max_message_chars)
        self.max_body_bytes = int(max_body_bytes)
        self.screen_pieces = int(screen_pieces)
        self.per_sender = RateLimiter(int(sender_per_minute))
        self.per_ip = RateLimiter(int(ip_per_minute))
        self.always_allowed = list(always_allowed_payloads or ["/consent_accept", "/delete_data"])
        self.gate = TurnGate(int(turns_at_once), float(stuck_seconds))  # one per server process

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("bring_it_up_rest", __name__)
        webhook.listener("after_server_start")(settle_after_loading)
        webhook.listener("after_server_stop")(close_kept_sessions)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            address = request.remote_addr or request.ip
            if not self.per_ip.allow(address):  # every request counts, refused ones too
                return _too_many()
            refused = _refuse(request, self.max_body_bytes)
            if refused:
                return refused
            try:
                sender, message = parse(json.loads(request.body or b"null"))
            except (ValueError, RecursionError) as err:  # BadRequest, or JSON that does not decode
                reason = str(err) if isinstance(err, BadRequest) else "the body is not valid JSON"
                return response.json({"error": reason}, status=400)
            message = tidy(message)  # first: every check below reads what Rasa would read
            # A long message costs what its parts would (up to a third of a minute's allowance):
            # it is screened part by part.
            cost = min(1 + len(message) // self.max_message_chars, max(self.per_sender.limit // 3, 1))
            if not self.per_sender.allow(sender, cost=cost) \
                    or (cost > 1 and not self.per_ip.allow(address, cost=cost - 1)):
                return _too_many()
            if len(message) > self.max_message_chars:
                async with self.gate.turn():  # its screening waits its turn like a message
                    text = await self._flagged_parts(request, message)
                if not text:
                    return self._say(request, sender, "utter_too_long")
            else:
                text = await self._text_for_rasa(request, sender, message)
            if not has_words(text):
                return self._say(request, sender, "utter_no_words")
            collector = CollectingOutputChannel()
            with trouble.turn() as turn:
                try:
                    async with self.gate.turn():
                        await on_new_message(UserMessage(text, collector, sender,
                                                         input_channel=self.name()))
                except Exception as exc:  # noqa: BLE001 - a kind reply; the log has no text
                    logger.error("handling a message failed with %s (details withheld)",
                                 type(exc).__name__)
                    trouble.report("rasa")
            if turn or not collector.messages:
                kept = [m for m in collector.messages if _custom_type(m) == "safety"]
                return self._say(request, sender, "utter_technical_problem", before=kept,
                                 custom={"type": "try_again"})
            if workers.crowded() and request.stream is not None:
                request.stream.keep_alive = False  # reconnect: the other worker has room
            return response.json(collector.messages)

        return webhook

    async def _flagged_parts(self, request: Request, message: str) -> str:
        """The parts of an over-long message that the safety screen flags, joined (up to the
        length limit), or "". Each distinct sentence goes through the whole NLU pipeline, so
        it meets the same screen (rules and encoder) as any message; the first and last
        `screen_pieces // 2` are screened, one at a time, other clients' turns in between."""
        parts = pieces(message)
        half = self.screen_pieces // 2
        if len(parts) > self.screen_pieces:
            parts = parts[:half] + parts[-half:]
        agent = request.app.ctx.agent
        flagged: list[str] = []
        for part in parts:
            parsed = await agent.parse_message(part)
            if parsed.get("safety") \
                    and sum(len(p) + 1 for p in flagged) + len(part) <= self.max_message_chars:
                flagged.append(part)
            await asyncio.sleep(0)
        return " ".join(flagged)

    async def _text_for_rasa(self, request: Request, sender: str, message: str) -> str:
        if not message.startswith("/"):
            return message
        if message in self.always_allowed:
            return message
        store = request.app.ctx.agent.tracker_store
        store = getattr(store, "_tracker_store", store)  # ours, inside Rasa's FailSafeTrackerStore
        try:
            if hasattr(store, "recent_events"):
                events = await store.recent_events(sender)
            else:
                tracker = await store.retrieve(sender)
                events = [event.as_dict() for event in tracker.events] if tracker else []
        except Exception as exc:  # noqa: BLE001 - no buttons known: the payload is read as words
            logger.error("reading a conversation failed with %s", type(exc).__name__)
            events = []
        return text_for_rasa(message, offered_payloads(events) | set(self.always_allowed))

    @staticmethod
    def _say(request: Request, sender: str, name: str, before: list[dict[str, Any]] | None = None,
             custom: dict[str, Any] | None = None) -> HTTPResponse:
        domain = request.app.ctx.agent.domain
        values = {slot.name: slot.initial_value for slot in domain.slots}
        reply: dict[str, Any] = {"recipient_id": sender,
                                 "text": interpolate_text(domain.responses[name][0]["text"], values)}
        if custom:
            reply["custom"] = custom
        return response.json([*(before or []), reply])


def _too_many() -> HTTPResponse:
    return response.json({"error": "too many messages; wait a minute and try again"},
                         status=429, headers={"Retry-After": "60"})


def _refuse(request: Request, max_body_bytes: int) -> HTTPResponse | None:
    """A request no widget sends: not JSON (a plain-text POST needs no CORS preflight, so
    any web page could send one from its visitors' browsers), or far too large."""
    if request.content_type.split(";")[0].strip().lower() != "application/json":
        return response.json({"error": "send the message as JSON, with the header "
                                       "Content-Type: application/json"}, status=415)
    if len(request.body or b"") > max_body_bytes:
        return response.json({"error": "the request is too large"}, status=413)
    return None


def _custom_type(message: dict[str, Any]) -> Any:
    custom = message.get("custom")
    return custom.get("type") if isinstance(custom, dict) else None


async def settle_after_loading(*_: Any) -> None:
    """A Sanic `after_server_start` listener: everything loaded so far (the model, spaCy,
    TensorFlow, Rasa) stays for the life of the process, so the garbage collector need not
    walk it again on every full collection (0.3-0.8 s each, every 8-20 s under load, the whole
    server standing still meanwhile)."""
    gc.collect()
    gc.freeze()
