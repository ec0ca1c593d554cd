"""Event types are looked up in a table.

Every stored event read back (the whole conversation, on every message) asks
`Event.resolve_by_type`, which walks every subclass of `Event` to find the one with that name:
~8% of the server's CPU. The answer for a name never changes, so it is remembered.
"""

from __future__ import annotations

from rasa.shared.core.events import Event

from service.rasa_patches import Patch

rasa_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_types.get(type_name)
    if found is None:
        found = rasa_resolve_by_type(type_name, default)
        if found is not None and found.type_name == type_name:
            _event_types[type_name] = found
    return found


def apply() -> None:
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]


PATCH = Patch(
    name="events", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.shared.core.events:Event.resolve_by_type": "b5cf570fa7f2"},
    written_for={"rasa": "3.6.21"},
    proven_by="tests/unit/test_rasa_patches.py::test_event_types_are_the_ones_rasa_finds",
    apply=apply)
