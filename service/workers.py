"""Sanic workers (`SANIC_WORKERS` > 1) each listen on their own socket.

Sanic 21.12, which Rasa 3.6 runs on, binds one listening socket and lets every worker
accept from it. Whichever worker wakes first drains the whole queue of new connections, so
a burst of clients (a clinic opening in the morning, a load test) can all land on one
worker while the other idles: measured here, 24 clients on one of two workers, half the
throughput. Kept-alive connections stay where they landed.

Here the main process only holds the port (bound, not listening), and each worker listens
on its own socket with `SO_REUSEPORT`, so the kernel shares new connections between the
workers. One server (`SANIC_WORKERS` = 1) is not changed.
"""

from __future__ import annotations

import socket
from typing import Any

import sanic.app
from sanic.server import runners

_sanic_serve_multiple = runners.serve_multiple
_sanic_serve = runners.serve
_held: list[socket.socket] = []  # the main process's socket, as the workers inherit it


def reuse_port_socket(host: str | None, port: int) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host or "", port))
    return sock


def _serve_multiple(server_settings: dict[str, Any], workers: int) -> None:
    if server_settings.get("sock") is None and not server_settings.get("unix"):
        held = reuse_port_socket(server_settings["host"], server_settings["port"])
        held.set_inheritable(True)
        _held[:] = [held]
        server_settings = {**server_settings, "sock": held, "host": None, "port": None}
    _sanic_serve_multiple(server_settings, workers)


def _serve(**settings: Any) -> Any:
    sock = settings.get("sock")
    if sock is not None and sock in _held:  # a worker: listen on a socket of its own
        own = reuse_port_socket(*sock.getsockname()[:2])
        own.listen(settings.get("backlog", 100))
        sock.close()
        settings["sock"] = own
    return _sanic_serve(**settings)


sanic.app.serve_multiple = _serve_multiple  # type: ignore[assignment]
runners.serve = _serve  # type: ignore[assignment]
