"""The REST channel, guarded: `POST /webhooks/rest/webhook` with `{"sender", "message"}`.

Same URL and reply format as Rasa's own REST channel (the widget and `curl` see no
difference), but every request is checked first (service/inputs.py):
- malformed JSON, missing or wrong fields, a sender id that is not a random id -> 400;
- more than a human could send (per sender and per IP) -> 429;
- a message over `max_message_chars`, or with no words at all -> a kind reply, and the
  conversation stays where it was;
- markup, control characters and lone surrogates are removed; a typed `/payload` the bot
  did not offer is read as plain words;
- nothing the client wrote is ever logged (Rasa's channel logs the text on errors), and a
  failure inside Rasa, of the action server or of the database (service/trouble.py) gets
  "I couldn't do that just now, please try again" with a `try_again` payload the widget
  turns into a Try again button, instead of silence, a 500 or a silent fresh start. A
  crisis reply given in that same turn is kept.
The replies' words live in the domain (domain/navigation.yml), like every other sentence.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.nlg.interpolator import interpolate_text
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from service import speedups, trouble, workers  # noqa: F401 - speedups and workers patch on import
from service.gate import TurnGate
from service.inputs import BadRequest, RateLimiter, has_words, offered_payloads, parse, text_for_rasa, tidy

logger = logging.getLogger(__name__)


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
                 stuck_seconds: float = 1.0) -> None:
        self.max_message_chars = int(max_message_chars)
        self.per_sender = RateLimiter(int(sender_per_minute))
        self.per_ip = RateLimiter(int(ip_per_minute))
        self.always_allowed = list(always_allowed_payloads or ["/consent_accept", "/delete_data"])
        self.gate = TurnGate(int(turns_at_once), float(stuck_seconds))  # one per server process

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("bring_it_up_rest", __name__)
        webhook.listener("after_server_start")(speedups.settle_after_loading)
        webhook.listener("after_server_stop")(speedups.close_kept_sessions)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, message = parse(json.loads(request.body or b"null"))
            except (ValueError, RecursionError) as err:  # BadRequest, or JSON that does not decode
                reason = str(err) if isinstance(err, BadRequest) else "the body is not valid JSON"
                return response.json({"error": reason}, status=400)
            if not self.per_ip.allow(request.remote_addr or request.ip) \
                    or not self.per_sender.allow(sender):
                return response.json({"error": "too many messages; wait a minute and try again"},
                                     status=429, headers={"Retry-After": "60"})
            if len(message) > self.max_message_chars:
                return self._say(request, sender, "utter_too_long")
            collector = CollectingOutputChannel()
            with trouble.turn() as turn:
                text = await self._text_for_rasa(request, sender, message)
                if not has_words(text):
                    return self._say(request, sender, "utter_no_words")
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

    async def _text_for_rasa(self, request: Request, sender: str, message: str) -> str:
        if not message.lstrip().startswith("/"):
            return tidy(message)
        if message.strip() in self.always_allowed:
            return message.strip()
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


def _custom_type(message: dict[str, Any]) -> Any:
    custom = message.get("custom")
    return custom.get("type") if isinstance(custom, dict) else None
