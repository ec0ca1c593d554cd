"""Calls to the action server reuse their connections, and the conversation is written with ujson.

Rasa opened a new HTTP session, and so a new TCP connection, for every custom action call, and
closed it after the reply. One session per endpoint and event loop is kept; idle connections are
dropped after `KEEPALIVE_SECONDS`, before the action server would close them. A failed call
fails as before (service/trouble.py tells the client). Rasa sends the whole tracker as JSON on
every custom action call, and the standard library's encoder was ~4% of the server's CPU; ujson
(already one of Rasa's dependencies) writes the same JSON several times faster.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import ujson
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

from service.rasa_patches import Patch


class _KeptSession:
    """`async with` hands out the endpoint's long-lived session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_: Any) -> None:
        return None


# Below the action server's keep-alive (Sanic's default, 5 s): a connection is never reused
# just as the server closes it.
KEEPALIVE_SECONDS = 2
_KEPT = "_bring_it_up_session"


def _session(self: EndpointConfig) -> _KeptSession:
    """Rasa's session for calls to an endpoint, kept for the next call (one per event
    loop: each Sanic worker has its own), with ujson as the JSON writer."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get(_KEPT)
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        session = aiohttp.ClientSession(
            headers=self.headers, auth=auth, json_serialize=ujson.dumps,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))
        kept = (loop, session)
        self.__dict__[_KEPT] = kept
        _kept_sessions.append(session)
    return _KeptSession(kept[1])


_kept_sessions: list[aiohttp.ClientSession] = []


async def close_kept_sessions(*_: Any) -> None:
    """A Sanic `after_server_stop` listener: close the kept sessions (aiohttp would
    otherwise complain about unclosed sessions as the process exits)."""
    while _kept_sessions:
        await _kept_sessions.pop().close()


def apply() -> None:
    EndpointConfig.session = _session  # type: ignore[method-assign]


PATCH = Patch(
    name="sessions", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.utils.endpoints:EndpointConfig.session": "e55aa13d9d4f"},
    written_for={"rasa": "3.6.21", "aiohttp": "3.9.5"},
    proven_by="tests/faults/test_faults.py::test_action_server_down_mid_question_asks_to_try_again_and_loses_nothing",
    apply=apply)
