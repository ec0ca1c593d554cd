"""Every change this project makes to Rasa's own code (and Sanic's and TensorFlow's), in one place.

Rasa 3.6 has no hook for most of what profiling found (see benchmarks/RESULTS.md), so these
replace private names. To keep that safe for the next upgrade, each patch is one module here
with a `PATCH` that says
- what it replaces (and what of Rasa's it relies on), each name with a hash of the source it
  was written against;
- the package versions it was written for;
- the test that shows it does what Rasa's own code does (`proven_by`);
and an `apply()` that nothing calls on import.

`install()` is called once, explicitly, by the one entry point (`python -m service.cli`,
which `make run`, `shell`, `train`, `test-stories` and `eval` use) and by tests/conftest.py.
A patch whose versions or original source differ from what it was written for is skipped
with a warning naming it, and Rasa's own code runs. `RASA_PATCHES_OFF` turns speed patches
off by name (`RASA_PATCHES_OFF=graph,diet`) or all at once (`all`). The two fixes that are
not about speed (`kind="fix"`: no client text in validation errors, a timeout on custom
actions) cannot be turned off; they wrap Rasa's call rather than replace it, so they stay
on after an upgrade too (with a warning to look at them again).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

logger = logging.getLogger(__name__)
SWITCH = "RASA_PATCHES_OFF"


@dataclass
class Patch:
    name: str
    kind: Literal["speed", "fix"]
    what: str
    replaces: dict[str, str]  # "module:Qualified.name" -> hash of the original's source
    written_for: dict[str, str]  # package -> version
    proven_by: str
    apply: Callable[[], None]
    relies_on: dict[str, str] = field(default_factory=dict)  # not replaced, but read or called
    originals: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Taken when the patch module is imported, before anything is installed.
        self.originals = {target: resolve(target) for target in self.replaces}

    def mismatch(self) -> str | None:
        """Why this patch no longer fits the installed packages, or None."""
        for package, wanted in self.written_for.items():
            try:
                found = version(package)
            except PackageNotFoundError:
                found = "none"
            if found != wanted:
                return f"written for {package} {wanted}, found {found}"
        for target, wanted in {**self.replaces, **self.relies_on}.items():
            found = source_hash(self.originals.get(target) or resolve(target))
            if found != wanted:
                return f"{target} is not the code it was written for (source {found}, expected {wanted})"
        return None


def resolve(target: str) -> Any:
    module, _, qualified = target.partition(":")
    found: Any = importlib.import_module(module)
    for name in qualified.split("."):
        found = getattr(found, name)
    return found


def source_hash(obj: Any) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:12]


def registry() -> list[Patch]:
    """Speed patches in the order they are installed, then the fixes (which wrap whatever
    is there: Rasa's call or a speed patch's)."""
    from service.rasa_patches import (
        action_timeout,
        diet,
        diet_load,
        events,
        graph,
        rules,
        sessions,
        spacy_vocab,
        sparse,
        tracker,
        validation_errors,
        validator,
        workers,
    )

    return [m.PATCH for m in (validator, events, spacy_vocab, rules, tracker, graph, diet,
                              diet_load, sparse, sessions, workers, validation_errors,
                              action_timeout)]


STATUS: dict[str, str] = {}  # patch name -> "on", "off (...)" or "skipped: ..."


def switched_off() -> set[str]:
    return {name.strip() for name in os.environ.get(SWITCH, "").split(",") if name.strip()}


def install(only_fixes: bool = False) -> dict[str, str]:
    """Apply every patch that fits (once per process); returns what was done with each."""
    off = switched_off()
    for patch in registry():
        if patch.name in STATUS or (only_fixes and patch.kind != "fix"):
            continue
        problem = patch.mismatch()
        if patch.kind == "speed" and ({"all", patch.name} & off):
            STATUS[patch.name] = f"off ({SWITCH})"
            continue
        if problem and patch.kind == "speed":
            STATUS[patch.name] = f"skipped: {problem}"
            logger.warning("Rasa patch %r skipped, Rasa's own code runs: %s", patch.name, problem)
            continue
        if problem:
            logger.warning("Rasa fix %r applied, but check it: %s", patch.name, problem)
        patch.apply()
        STATUS[patch.name] = "on"
    return dict(STATUS)


def installed() -> bool:
    return bool(STATUS)
