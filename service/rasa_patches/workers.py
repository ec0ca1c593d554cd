"""Sanic workers each listen on their own socket (service/workers.py says why and how).

Only when `SANIC_WORKERS` > 1: one server is not changed.
"""

from __future__ import annotations

import sanic.app
from sanic.server import runners

from service import workers
from service.rasa_patches import Patch


def apply() -> None:
    sanic.app.serve_multiple = workers.serve_multiple  # type: ignore[assignment]
    runners.serve = workers.serve  # type: ignore[assignment]


PATCH = Patch(
    name="workers", kind="speed", what=__doc__.split("\n")[0],
    replaces={"sanic.app:serve_multiple": "21e61cf242a9", "sanic.server.runners:serve": "1588e933e436"},
    written_for={"sanic": "21.12.2"},
    proven_by="tests/faults/test_workers.py",
    apply=apply)
