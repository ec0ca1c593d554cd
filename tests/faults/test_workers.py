"""Clinic mode with two Sanic workers in one Rasa server (`SANIC_WORKERS=2`, as
`make run-clinic` starts it): a burst of clients is shared by both workers
(service/workers.py), and every client is answered."""

from __future__ import annotations

import asyncio
import collections
import os
import time
from pathlib import Path

import aiohttp
import pytest

from tests.servers.helpers import Parts, new_sender

CLIENTS = 24


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of this machine's TCP sockets on local `port` in `state` (0A listen, 01 open)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(fields[9])
    return found


def _owners(inodes: set[str]) -> collections.Counter[int]:
    """How many of the sockets each process holds."""
    owners: collections.Counter[int] = collections.Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        owners[int(entry.name)] += sum(f"socket:[{inode}]" in links for inode in inodes)
    return +owners


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, clinic_services):
    parts = Parts(tmp_path_factory.mktemp("workers"), services=clinic_services)
    parts.env["SANIC_WORKERS"] = "2"
    parts.start()
    began = time.time()  # the second worker listens once its model is loaded
    while len(_sockets(parts.rasa_port, "0A")) < 2 and time.time() - began < 180:
        time.sleep(1)
    yield parts
    parts.stop()


async def _burst(port: int) -> tuple[list[int], collections.Counter[int]]:
    """CLIENTS clients at once, each on its own connection, kept open until all are answered."""
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    sessions = [aiohttp.ClientSession() for _ in range(CLIENTS)]
    try:
        async def one(session: aiohttp.ClientSession) -> int:
            async with session.post(url, json={"sender": new_sender(), "message": "hi"}) as reply:
                body = await reply.json()
                return reply.status if body and body[0].get("text") else 0

        statuses = await asyncio.gather(*(one(s) for s in sessions))
        return list(statuses), _owners(_sockets(port, "01"))
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


def test_a_burst_of_clients_is_shared_by_both_workers_and_all_are_answered(two_workers):
    listening = _owners(_sockets(two_workers.rasa_port, "0A"))
    assert len(listening) == 2, "each worker listens on its own socket"
    statuses, connections = asyncio.run(_burst(two_workers.rasa_port))
    assert statuses == [200] * CLIENTS
    workers = {pid: connections[pid] for pid in listening}
    # The kernel shares connections by address; 24 split 3/21 or worse has odds of ~1 in 3600.
    assert sum(workers.values()) == CLIENTS and min(workers.values()) >= 4, workers
