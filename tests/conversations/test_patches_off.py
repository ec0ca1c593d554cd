"""Rasa's own code and the patched Rasa (service/rasa_patches) say the same words to every
client profile: the speed patches change how fast, never what."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from service import rasa_patches
from tests.conftest import ROOT
from tests.conversations.transcripts import transcripts


def test_every_client_sees_the_same_conversation_with_patches_off(agent, loop, action_server_url):
    assert rasa_patches.STATUS.get("graph") == "on", "run the patched side with the patches on"
    patched = transcripts(agent, loop)
    env = {**os.environ, "PYTHONPATH": str(ROOT), rasa_patches.SWITCH: "all"}
    script = ROOT / "tests/conversations/transcripts.py"
    run = subprocess.run([sys.executable, str(script), action_server_url], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    unpatched = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(unpatched) == set(patched) and len(patched) >= 6
    for name, seen in patched.items():
        assert unpatched[name] == seen, f"{name}:\n--- Rasa's own\n{unpatched[name]}\n--- patched\n{seen}"
