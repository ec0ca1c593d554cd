"""Fixtures for the fault tests: clinic mode's PostgreSQL and Redis (scripts/services.sh,
on free loopback ports, in a temporary directory), started once and stopped after."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.helpers import ROOT, free_port


def services(action: str, directory: Path) -> None:
    subprocess.run(["bash", "scripts/services.sh", action, str(directory)], cwd=ROOT, check=True,
                   env={**os.environ, "PG_PORT": str(free_port()), "REDIS_PORT": str(free_port())})


@pytest.fixture(scope="session")
def clinic_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("services")
    services("start", directory)
    yield directory
    services("stop", directory)
