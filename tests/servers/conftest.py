"""Fixtures for the server tests (see helpers.py): one running stack for the session."""

from __future__ import annotations

import pytest

from tests.servers.helpers import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory):
    running = Stack(tmp_path_factory.mktemp("servers"))
    running.start()
    yield running
    running.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The log check reads everything the other tests made the servers write: run it last.
    items.sort(key=lambda item: "test_logs" in item.nodeid)
