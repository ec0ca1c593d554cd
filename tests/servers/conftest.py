"""Fixtures for the server tests (see helpers.py): one running stack for the session."""

from __future__ import annotations

import pytest
import yaml

from tests.servers.helpers import ROOT, Stack


@pytest.fixture(scope="session")
def domain_texts() -> dict[str, list[str]]:
    """Each response's text variations, from the domain files."""
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for name, variations in (yaml.safe_load(path.read_text()) or {}).get("responses", {}).items():
            out[name] = [v.get("text", "") for v in variations]
    return out


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    running = Stack(tmp_path_factory.mktemp("servers"))
    running.start()
    yield running
    running.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The log check reads everything the other tests made the servers write: run it last.
    items.sort(key=lambda item: "test_logs" in item.nodeid)
