"""Sanic workers (`SANIC_WORKERS` > 1) each listen on their own socket.

Sanic 21.12, which Rasa 3.6 runs on, binds one listening socket and lets every worker
accept from it. Whichever worker wakes first drains the whole queue of new connections, so
a burst of clients (a clinic opening in the morning, a load test) can all land on one
worker while the other idles: measured here, 24 clients on one of two workers, half the
throughput. Kept-alive connections stay where they landed.

Here the main process only holds the port (bound, not listening), and each worker listens
on its own socket with `SO_REUSEPORT`, so the kernel shares new connections between the
workers. The kernel picks a worker by hashing the client's address, so 24 connections can
still land 15 and 9; each worker counts its open connections in a small shared table, and a
worker holding more than another one plus one asks the client to reconnect after its reply
(`Connection: close`, which browsers and HTTP libraries follow without a word), until the
connections are even. One server (`SANIC_WORKERS` = 1) is not changed.
"""

from __future__ import annotations

import multiprocessing
import socket
from typing import Any

from sanic.server import runners

_sanic_serve_multiple = runners.serve_multiple
_sanic_serve = runners.serve
_held: list[socket.socket] = []  # the main process's socket, as the workers inherit it
_shared: dict[str, Any] = {}  # set up before the workers start, inherited by each


class _Connections(set):  # type: ignore[type-arg]
    """This worker's open connections (Sanic adds and removes them), counted in the
    workers' shared table as they come and go."""

    def add(self, connection: Any) -> None:
        super().add(connection)
        self._count()

    def discard(self, connection: Any) -> None:
        super().discard(connection)
        self._count()

    def _count(self) -> None:
        if "row" in _shared:
            _shared["open"][_shared["row"]] = len(self)


_open = _Connections()


def reuse_port_socket(host: str | None, port: int) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host or "", port))
    return sock


def serve_multiple(server_settings: dict[str, Any], workers: int) -> None:
    if server_settings.get("sock") is None and not server_settings.get("unix"):
        held = reuse_port_socket(server_settings["host"], server_settings["port"])
        held.set_inheritable(True)
        _held[:] = [held]
        server_settings = {**server_settings, "sock": held, "host": None, "port": None}
        forked = multiprocessing.get_context("fork")
        # open connections per worker, and the next free row (each worker takes one)
        _shared.update(open=forked.RawArray("i", workers), rows=forked.Value("i", 0))
    _sanic_serve_multiple(server_settings, workers)


def serve(**settings: Any) -> Any:
    sock = settings.get("sock")
    if sock is not None and sock in _held:  # a worker: listen on a socket of its own
        own = reuse_port_socket(*sock.getsockname()[:2])
        own.listen(settings.get("backlog", 100))
        sock.close()
        settings["sock"] = own
        settings["connections"] = _open
        with _shared["rows"].get_lock():
            _shared["row"] = _shared["rows"].value
            _shared["rows"].value += 1
    return _sanic_serve(**settings)


def crowded() -> bool:
    """Whether this worker holds more open connections than another worker plus one (and
    so should let the client reconnect). Always false for a single server."""
    if "row" not in _shared:
        return False
    table = _shared["open"]
    if _shared["rows"].value < len(table):  # not every worker is up yet
        return False
    return len(_open) > min(table) + 1
