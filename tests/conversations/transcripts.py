"""The client profiles of test_clients.py, run to their drafts, as transcripts: what each
client saw. `python tests/conversations/transcripts.py ACTION_URL` prints them as JSON with
Rasa as service/rasa_patches installs it (so `RASA_PATCHES_OFF=all` gives Rasa's own code)."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))


def transcripts(agent: Any, loop: asyncio.AbstractEventLoop) -> dict[str, str]:
    from tests.conversations.conftest import Chat
    from tests.conversations.test_clients import CLIENTS, run_client

    seen = {}
    for name, profile in CLIENTS.items():
        random.seed(name)  # the same choice among a response's variations in every run
        chat = Chat(agent, loop)
        run_client(chat, profile)
        seen[name] = chat.transcript
    return seen


if __name__ == "__main__":
    from service import rasa_patches

    rasa_patches.install()
    from tests.conversations.conftest import load_agent

    event_loop = asyncio.new_event_loop()
    print(json.dumps(transcripts(load_agent(event_loop, sys.argv[1]), event_loop)))
