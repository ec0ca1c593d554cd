"""Talk to the trained model in-process, with the real action server, as a client would."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.rasa_patches.sessions import close_kept_sessions
from tests.servers.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
MODEL = ROOT / "models" / "bring-it-up.tar.gz"


@pytest.fixture(scope="session")
def action_server_url():
    port = free_port()
    env = {**os.environ, "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port), "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("action server did not start")
    yield f"http://127.0.0.1:{port}/webhook"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(close_kept_sessions())
    loop.close()


def load_agent(loop, action_url: str):
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    assert MODEL.exists(), "train first: make train"
    shipped = yaml.safe_load((ROOT / "endpoints.yml").read_text())["action_endpoint"]
    endpoint = EndpointConfig.from_dict({**shipped, "url": action_url})  # as endpoints.yml says
    return loop.run_until_complete(_load(Agent, MODEL, endpoint))


async def _load(agent_cls, model, endpoint):
    return agent_cls.load(str(model), action_endpoint=endpoint)


@pytest.fixture(scope="session")
def agent(loop, action_server_url):
    return load_agent(loop, action_server_url)


class Chat:
    """One client's conversation. `say` returns what the client sees."""

    def __init__(self, agent, loop):
        self.agent, self.loop = agent, loop
        self.sender = uuid.uuid4().hex
        self.turns = 0
        self.log: list[str] = []
        self.last: list[dict[str, Any]] = []

    def say(self, text: str) -> list[dict[str, Any]]:
        self.turns += 1
        replies = self.loop.run_until_complete(self.agent.handle_text(text, sender_id=self.sender))
        self.log.append(f"> {text}")
        self.log.extend(f"  {r.get('text') or r.get('custom')}" for r in replies)
        self.last = replies
        return replies

    def tracker(self):
        return self.loop.run_until_complete(
            self.agent.processor.tracker_store.retrieve(self.sender))

    def slot(self, name: str) -> Any:
        return self.tracker().get_slot(name)

    @property
    def asking(self) -> str | None:
        tracker = self.tracker()
        return tracker.get_slot("requested_slot") if tracker.active_loop_name else None

    @property
    def transcript(self) -> str:
        return "\n".join(self.log)


def texts(replies: list[dict[str, Any]]) -> str:
    return " ".join(r.get("text", "") for r in replies if r.get("text"))


def payloads(replies: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r["custom"] for r in replies if isinstance(r.get("custom"), dict)
            and r["custom"].get("type") == kind]


@pytest.fixture
def chat(agent, loop):
    return Chat(agent, loop)
