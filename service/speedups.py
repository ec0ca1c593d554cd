"""Where Rasa 3.6 spends time for nothing, fixed without changing what it does.

Each change was found by profiling a running server (py-spy) and is measured by
`make bench`; benchmarks/RESULTS.md records what each one changed.

- **Action responses are checked against a schema that is compiled once.** Rasa calls
  `jsonschema.validate(result, schema)` on every answer from the action server, which
  checks the schema itself and builds a new validator each time: ~21 ms per custom action
  here, about a quarter of the Rasa server's CPU. A validator built once does the same
  validation, with the same errors, in ~2 ms.
- **Event types are looked up in a table.** Every stored event read back (the whole
  conversation, on every message) asks `Event.resolve_by_type`, which walks every
  subclass of `Event` to find the one with that name: ~8% of the server's CPU. The
  answer for a name never changes, so it is remembered.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

_SCHEMA = RemoteAction.action_response_format_spec()
_validator_class = validators.validator_for(_SCHEMA)
_validator_class.check_schema(_SCHEMA)
_VALIDATOR = _validator_class(_SCHEMA)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _VALIDATOR.validate(result)
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure "
                          "your response from the Action endpoint is valid.")
        raise
    return True


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


_rasa_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_types.get(type_name)
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and found.type_name == type_name:
            _event_types[type_name] = found
    return found


Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
