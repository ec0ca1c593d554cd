"""Shared fixtures: the real domain, a dispatcher, and trackers built from slot values."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Rasa as every entry point runs it (service/cli.py): the same patches, or none with RASA_PATCHES_OFF.
from service import quiet, rasa_patches  # noqa: E402

quiet.library_warnings()
rasa_patches.install()


@pytest.fixture(scope="session")
def domain_texts() -> dict[str, list[str]]:
    """Each response's text variations, from the domain files."""
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for name, variations in (yaml.safe_load(path.read_text()) or {}).get("responses", {}).items():
            out[name] = [v.get("text", "") for v in variations]
    return out


@pytest.fixture
def dispatcher():
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain")).as_dict()


def make_tracker(slots: dict[str, Any], text: str = "", intent: str = "inform",
                 requested: str | None = None):
    from rasa_sdk import Tracker

    return Tracker(
        sender_id="test",
        slots={"requested_slot": requested, "therapist_term": "therapist", **slots},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "preparation_form"} if requested else {},
        latest_action_name="action_listen",
    )
