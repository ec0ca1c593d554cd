"""The turn gate (service/gate.py): a few turns at a time, first come first served, and
never a client held up by turns that hang."""

from __future__ import annotations

import asyncio
import time

from service.gate import TurnGate


def _run_turns(gate: TurnGate, count: int, work: float, gap: float = 0.002):
    """`count` turns arriving `gap` s apart, each holding its place `work` s; returns the
    order they entered in and the most that were inside at once."""
    entered: list[int] = []
    inside = [0, 0]  # now, most

    async def turn(number: int) -> None:
        await asyncio.sleep(number * gap)
        async with gate.turn():
            entered.append(number)
            inside[0] += 1
            inside[1] = max(inside)
            await asyncio.sleep(work)
            inside[0] -= 1

    async def main() -> None:
        await asyncio.gather(*(turn(n) for n in range(count)))

    asyncio.run(main())
    return entered, inside[1]


def test_turns_enter_in_the_order_they_came_and_at_most_two_at_once():
    gate = TurnGate(2)
    entered, most = _run_turns(gate, 12, work=0.01)
    assert entered == list(range(12))
    assert most == 2
    assert gate.free == 2 and not gate.waiting


def test_without_a_gate_every_turn_runs_at_once():
    entered, most = _run_turns(TurnGate(0), 8, work=0.05)
    assert sorted(entered) == list(range(8)) and most == 8


def test_a_busy_gate_keeps_its_order_past_the_stuck_time():
    """Turns keep finishing, so nobody jumps the queue even after waiting longer than
    stuck_seconds."""
    gate = TurnGate(1, stuck_seconds=0.05)
    entered, most = _run_turns(gate, 10, work=0.03)  # the last waits ~0.27 s
    assert entered == list(range(10)) and most == 1


def test_a_turn_behind_hanging_turns_goes_ahead_after_the_stuck_time():
    gate = TurnGate(2, stuck_seconds=0.2)

    async def hang() -> None:
        async with gate.turn():
            await asyncio.sleep(3)

    async def crisis() -> float:
        await asyncio.sleep(0.05)
        began = time.monotonic()
        async with gate.turn():
            return time.monotonic() - began

    async def main() -> float:
        hangs = [asyncio.create_task(hang()) for _ in range(2)]
        waited = await asyncio.wait_for(crisis(), 2)  # without the rule: hangs 3 s
        for task in hangs:
            task.cancel()
        return waited

    waited = asyncio.run(main())
    assert 0.15 <= waited < 1.0, waited


def test_a_client_that_gives_up_waiting_does_not_take_a_place_with_it():
    gate = TurnGate(1)

    async def turn(work: float) -> None:
        async with gate.turn():
            await asyncio.sleep(work)

    async def main() -> None:
        first = asyncio.create_task(turn(0.05))
        await asyncio.sleep(0.01)
        gone = asyncio.create_task(turn(0.05))  # waits, then its client disconnects
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.wait_for(asyncio.gather(first, turn(0.01)), 1)
        assert gone.cancelled()

    asyncio.run(main())
    assert gate.free == 1 and not gate.waiting
