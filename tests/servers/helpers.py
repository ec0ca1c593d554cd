"""Helpers for the server tests: the real servers, started the way `make run` starts them
(scripts/run.sh), on free ports with their own SQLite file and log. Tests talk HTTP to
them and read the database file, as a client and a clinic would."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
# Every test writes this word into what it sends; no log may ever contain it.
MARKER = "quokkamarmalade" + uuid.uuid4().hex[:8]
ALLOWED_ORIGIN = "http://localhost:8000"
# A client's answers to each question of the preparation (feeling_ok is a yes/no button).
ANSWERS = {
    "what_happened": "she looked at the clock while I talked about my divorce",
    "feeling": "small and embarrassed",
    "feeling_ok": "/affirm",
    "impact": "I've been holding back",
    "rupture_kind": "skip",
    "fear": "I'm worried she'll think I'm too needy",
    "fear_in_draft": "no",
    "familiar": "no",
    "identity_involved": "no",
    "identity_detail": "skip",
    "hope": "to talk it through together",
    "tone": "gentle",
}


_handed_out: set[int] = set()


def free_port() -> int:
    """A free port on loopback, below the kernel's range of ports for outgoing connections:
    a port from that range (what binding port 0 gives) can be taken by any outgoing
    connection between choosing it and the server binding it ("Address already in use")."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    while True:
        port = random.randrange(max(1024, low - 12000), low)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


def new_sender() -> str:
    return str(uuid.uuid4())


class Stack:
    """scripts/run.sh in its own process group; `restart()` stops and starts it again."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.db = workdir / "conversations.db"
        self.log = workdir / "servers.log"
        self.rasa_port, self.action_port, self.demo_port = free_port(), free_port(), free_port()
        self.env = {**os.environ, "TRACKER_DB": str(self.db), "RASA_PORT": str(self.rasa_port),
                    "ACTION_PORT": str(self.action_port), "DEMO_PORT": str(self.demo_port)}
        self.env.pop("LOG_LEVEL", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.senders: list[str] = []
        self.source = "127.0.0.1"  # the address requests come from (rate limits count per address)

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        if not self.wait_until_up(self.proc, "the servers", self.rasa_port, "/webhooks/rest/"):
            self.stop()
            pytest.fail("the servers did not start within 3 minutes")

    def stop(self) -> None:
        if self.proc:
            stop_group(self.proc)

    def wait_until_up(self, proc: subprocess.Popen[bytes], name: str, port: int, path: str) -> bool:
        """True once `path` answers 200 (within 3 minutes); fails the test if `proc` exits."""
        deadline = time.time() + 180
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited early; see {self.log}")
            try:
                if self.request("GET", path, port=port)[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.5)
        return False

    def use_clinic(self, **changes: Any) -> None:
        """Run with a copy of clinic.yml with these settings changed."""
        clinic = yaml.safe_load((ROOT / "clinic.yml").read_text(encoding="utf-8"))
        clinic.update(changes)
        path = self.dir / "clinic.yml"
        path.write_text(yaml.safe_dump(clinic), encoding="utf-8")
        self.env["BIU_CLINIC_CONFIG"] = str(path)

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- HTTP ----------------------------------------------------------------------

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, port: int | None = None,
                source: str | None = None) -> tuple[int, Any, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.rasa_port, timeout=60,
                                          source_address=(source or self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            try:
                data: Any = json.loads(raw)
            except ValueError:
                data = raw.decode("utf-8", "replace")
            return resp.status, data, {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()

    def post(self, body: Any, raw: bytes | None = None, **kwargs: Any) -> tuple[int, Any]:
        payload = raw if raw is not None else json.dumps(body).encode()
        status, data, _ = self.request("POST", "/webhooks/rest/webhook", payload,
                                       {"Content-Type": "application/json"}, **kwargs)
        return status, data

    def say(self, sender: str, message: str, port: int | None = None) -> list[dict[str, Any]]:
        """What the client sees in reply; fails on anything but 200 with a reply."""
        if sender not in self.senders:
            self.senders.append(sender)
        status, data = self.post({"sender": sender, "message": message}, port=port)
        assert status == 200, (status, data)
        assert isinstance(data, list) and data, f"no reply to {message[:60]!r}"
        return data

    # -- the database file -----------------------------------------------------------

    def rows(self, sender: str) -> int:
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]

    def events(self, sender: str) -> list[dict[str, Any]]:
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
            return [json.loads(data) for (data,) in rows]

    def slot(self, sender: str, name: str) -> Any:
        value = None
        for event in self.events(sender):
            if event.get("event") == "slot" and event.get("name") == name:
                value = event.get("value")
        return value

    def back_date(self, sender: str, days: float) -> None:
        with sqlite3.connect(self.db) as db:
            db.execute("UPDATE events SET timestamp = timestamp - ? WHERE sender_id = ?",
                       (days * 86400, sender))


class Parts(Stack):
    """The same servers started one by one (`scripts/run.sh actions` / `rasa`), so that each
    can fail alone: one action server and `servers` Rasa servers. With `services` (a
    directory of scripts/services.sh) it is clinic mode: PostgreSQL, Redis, endpoints.clinic.yml."""

    def __init__(self, workdir: Path, servers: int = 1, services: Path | None = None) -> None:
        super().__init__(workdir)
        self.rasa_ports = [self.rasa_port] + [free_port() for _ in range(servers - 1)]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.services = services
        if services:
            self.env.update(read_env_file(services / "env"))
            self.env["ENDPOINTS"] = "endpoints.clinic.yml"

    def start(self) -> None:
        self.start_part("actions")
        for index in range(len(self.rasa_ports)):
            self.start_part(f"rasa{index}", wait=False)
        for index in range(len(self.rasa_ports)):
            self.wait_for(f"rasa{index}")

    def stop(self) -> None:
        for name in list(self.procs):
            self.stop_part(name)

    def start_part(self, name: str, wait: bool = True) -> None:
        env = dict(self.env)
        if name.startswith("rasa"):
            env["RASA_PORT"] = str(self.rasa_ports[int(name[4:])])
        with open(self.log, "ab") as log:
            self.procs[name] = subprocess.Popen(
                ["bash", "scripts/run.sh", "actions" if name == "actions" else "rasa"], cwd=ROOT,
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_for(name)

    def wait_for(self, name: str) -> None:
        port, path = ((self.action_port, "/health") if name == "actions"
                      else (self.rasa_ports[int(name[4:])], "/webhooks/rest/"))
        if not self.wait_until_up(self.procs[name], name, port, path):
            pytest.fail(f"{name} did not start within 3 minutes")

    def stop_part(self, name: str, sig: int = signal.SIGTERM) -> None:
        stop_group(self.procs.pop(name), sig)

    def say_to(self, server: int, sender: str, message: str) -> list[dict[str, Any]]:
        return self.say(sender, message, port=self.rasa_ports[server])

    def events(self, sender: str) -> list[dict[str, Any]]:
        if not self.services:
            return super().events(sender)
        import psycopg2

        env = self.env
        with psycopg2.connect(host=env["DB_HOST"], port=env["DB_PORT"], dbname=env["DB_NAME"],
                              user=env["DB_USER"], password=env["DB_PASSWORD"]) as db:
            with db.cursor() as cursor:
                cursor.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
                return [json.loads(data) for (data,) in cursor.fetchall()]


def stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a process started with its own session, and everything it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value pairs of a scripts/services.sh env file."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        for pair in line.removeprefix("export ").split():
            key, _, value = pair.partition("=")
            values[key] = value
    return values


def answer(stack: Stack, sender: str) -> str:
    """What the client answers to the question the bot is asking now."""
    asked = stack.slot(sender, "requested_slot")
    assert asked in ANSWERS, f"unexpected question {asked!r}"
    return ANSWERS[asked]


def texts(reply: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in reply)


def buttons(reply: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in reply for b in m.get("buttons") or []]


def says(reply: list[dict[str, Any]], variations: list[str]) -> bool:
    """True if the reply contains one of a response's variations ({slots} may be anything)."""
    shown = texts(reply)
    for text in variations:
        pattern = re.sub(r"\\\{[a-z_]+\\\}", ".+?", re.escape(" ".join(text.split())))
        if re.search(pattern, " ".join(shown.split()), re.S):
            return True
    return False


def start_preparation(stack: Stack, sender: str) -> list[dict[str, Any]]:
    """Welcome, consent: returns the reply that asks the first question."""
    stack.say(sender, "hi")
    return stack.say(sender, "/consent_accept")
