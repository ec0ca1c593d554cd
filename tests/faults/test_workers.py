"""Clinic mode with two Sanic workers in one Rasa server (`SANIC_WORKERS=2`, as
`make run-clinic` starts it): a burst of clients is shared by both workers, connections
piled on one worker are spread to both (service/workers.py), and every client is answered."""

from __future__ import annotations

import collections
import concurrent.futures
import http.client
import json
import os
import time
from pathlib import Path

import pytest

from tests.servers.helpers import Parts, new_sender

CLIENTS = 24


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of this machine's TCP sockets on local `port` in `state` (0A listen, 01 open)."""
    return set(_table(port, state))


def _table(port: int, state: str) -> dict[str, int]:
    """Sockets on local `port` in `state`: inode -> the port at the other end."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                    found[fields[9]] = int(fields[2].rsplit(":", 1)[1], 16)
    return found


def _holders(port: int) -> dict[int, int]:
    """Open connections to the server's `port`: the client's port -> the process holding it."""
    remote = {f"socket:[{inode}]": client for inode, client in _table(port, "01").items()}
    holders = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
            except OSError:
                continue
            holders.update({remote[link]: int(entry.name) for link in links if link in remote})
    return holders


def _listeners(port: int) -> collections.Counter[int]:
    """How many listening sockets on `port` each process holds."""
    inodes = {f"socket:[{inode}]" for inode in _sockets(port, "0A")}
    owners: collections.Counter[int] = collections.Counter()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                owners[int(entry.name)] += sum(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir())
            except OSError:
                continue
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


class Client:
    """One client on its own kept-alive connection (reopened when the server closes it)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.sender = new_sender()

    def open(self) -> int:
        if self.connection.sock is None:
            self.connection.connect()
        return self.connection.sock.getsockname()[1]

    def say_hi(self) -> int:
        self.connection.request("POST", "/webhooks/rest/webhook",
                                json.dumps({"sender": self.sender, "message": "hi"}),
                                {"Content-Type": "application/json"})
        reply = self.connection.getresponse()
        body = json.loads(reply.read())
        return reply.status if body and body[0].get("text") else 0


def _connected(clients: list[Client], port: int) -> dict[Client, int]:
    """Every client connected; which server process holds each connection."""
    ports = {client: client.open() for client in clients}
    for _ in range(50):  # a worker holds a connection once it has accepted it
        holders = _holders(port)
        if all(ports[client] in holders for client in clients):
            return {client: holders[ports[client]] for client in clients}
        time.sleep(0.1)
    raise AssertionError("connections were not accepted")


def test_a_burst_of_clients_is_shared_by_both_workers_and_all_are_answered(two_workers):
    port = two_workers.rasa_port
    assert len(_listeners(port)) == 2, "each worker listens on its own socket"
    clients = [Client(port) for _ in range(CLIENTS)]
    held = collections.Counter(_connected(clients, port).values())
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(Client.say_hi, clients))
    assert statuses == [200] * CLIENTS
    # The kernel shares connections by address; 24 split 3/21 or worse has odds of ~1 in 3600.
    assert len(held) == 2 and min(held.values()) >= 4, held


def test_connections_piled_on_one_worker_are_spread_to_both(two_workers):
    """Kept-alive connections stay where the kernel put them; a worker holding more than
    another one plus one asks its clients to reconnect (service/workers.py)."""
    port = two_workers.rasa_port
    clients = [Client(port) for _ in range(CLIENTS)]
    held = _connected(clients, port)
    busiest = collections.Counter(held.values()).most_common(1)[0][0]
    for client in clients:  # keep only the busier worker's connections
        if held[client] != busiest:
            client.connection.close()
    piled = [client for client in clients if held[client] == busiest]
    time.sleep(0.3)
    assert set(_holders(port).values()) == {busiest} and len(piled) >= CLIENTS // 2

    for _ in range(6):
        assert [client.say_hi() for client in piled] == [200] * len(piled)
    shares = collections.Counter(_connected(piled, port).values())
    assert len(shares) == 2 and max(shares.values()) - min(shares.values()) <= 2, shares
