"""First come, first served: at most a few turns at once in each Rasa server process.

Rasa handles every message that arrives at once, interleaved on one event loop. A turn
that waits for the action server (or reads the request, or writes the reply) goes back to
the end of the loop's queue each time, behind the work of every other client, so under
load the turns that call the action server twice took three times as long as the others
(benchmarks/TRIED.md). With a gate, a few turns run at a time, in the order they came,
and the rest wait their turn: the same work gets done, but the slowest replies come
sooner. Two at a time keeps the process busy while one of them waits for the action server.

A gate must never hold a client up because something else hangs (an action server that
does not answer keeps its turns inside for up to `ACTION_TIMEOUT_SECONDS`; a crisis
message behind them must still be answered). So a turn that has waited `stuck_seconds`
while no turn left the gate goes ahead without a place.

Configured in credentials.yml (`turns_at_once`, `stuck_seconds`); 0 turns: no gate.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator


class TurnGate:
    def __init__(self, turns_at_once: int, stuck_seconds: float = 1.0) -> None:
        self.size = int(turns_at_once)
        self.free = self.size
        self.stuck_seconds = float(stuck_seconds)
        self.waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self.last_left = time.monotonic()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        placed = await self._enter() if self.size else False
        try:
            yield
        finally:
            if placed:
                self._leave()

    async def _enter(self) -> bool:
        if self.free and not self.waiting:
            self.free -= 1
            return True
        place = asyncio.get_running_loop().create_future()
        self.waiting.append(place)
        try:
            while True:
                try:
                    await asyncio.wait_for(asyncio.shield(place), self.stuck_seconds)
                    return True
                except asyncio.TimeoutError:
                    if place.done():
                        return True
                    if time.monotonic() - self.last_left >= self.stuck_seconds:
                        self.waiting.remove(place)  # nobody got out lately: go ahead
                        return False
        except asyncio.CancelledError:  # the client gave up waiting
            if place.done():
                self._leave()  # its place was handed over just now: pass it on
            else:
                place.cancel()
                self.waiting.remove(place)
            raise

    def _leave(self) -> None:
        self.last_left = time.monotonic()
        while self.waiting:
            place = self.waiting.popleft()
            if not place.done():
                place.set_result(None)  # handed straight over: nobody can cut in
                return
        self.free += 1
