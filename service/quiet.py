"""Library warnings nobody running this project can act on, filtered by name; every other
warning still shows.

The list is scripts/library_warnings.txt, which the Makefile and scripts/run.sh also pass to
every process as PYTHONWARNINGS. Two libraries then put filters of their own in front:
- Sanic, when imported, `once::DeprecationWarning` (sanic/app.py): `library_warnings()` puts
  the list back in front, after Sanic's;
- Rasa, when a command starts, `once::UserWarning`, and in front of that its own list of
  expected warnings (`rasa.utils.common.EXPECTED_WARNINGS`): `for_rasa()` adds the list's
  UserWarnings there, and pyparsing's deprecation notices (a UserWarning as well as a
  DeprecationWarning, raised by libraries that still call pyparsing's old names).
"""

from __future__ import annotations

import builtins
import re
import warnings
from pathlib import Path

import sanic.app  # noqa: F401 - its filter first, so that ours go in front of it

LIST = Path(__file__).resolve().parent.parent / "scripts" / "library_warnings.txt"


def entries() -> list[tuple[str, str, str, str]]:
    """(action, message, category, module) for each line of the list."""
    lines = [line.strip() for line in LIST.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return [tuple((line.split(":") + [""] * 4)[:4]) for line in lines]  # type: ignore[misc]


def library_warnings() -> None:
    for action, message, category, module in reversed(entries()):  # the first ends up first
        warnings.filterwarnings(action, message=re.escape(message),  # type: ignore[arg-type]
                                category=getattr(builtins, category or "Warning"),
                                module=re.escape(module) + r"\Z" if module else "")


def for_rasa() -> None:
    from pyparsing import PyparsingDeprecationWarning
    from rasa.utils import common

    common.EXPECTED_WARNINGS.append((PyparsingDeprecationWarning, ""))
    common.EXPECTED_WARNINGS.extend((UserWarning, re.escape(message)) for action, message, category, _
                                    in entries() if action == "ignore" and category == "UserWarning")
