"""Action responses are checked against Rasa's schema by a compiled validator.

Rasa calls `jsonschema.validate(result, schema)` on every answer from the action server, which
checks the schema itself and builds a new validator each time: ~21 ms per custom action here,
about a quarter of the Rasa server's CPU. Even a validator built once took ~1 ms a reply (the
events schema is a `oneOf` of ~20 event types, and jsonschema builds an error for every type an
event is not). jsonschema-rs checks the same schema (same draft, 2020-12) in microseconds; a
reply it rejects raises jsonschema's `ValidationError`, as Rasa's check does.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from service.rasa_patches import Patch

ACTION_RESPONSE_SCHEMA = RemoteAction.action_response_format_spec()
ACTION_RESPONSE_VALIDATOR = jsonschema_rs.Draft202012Validator(ACTION_RESPONSE_SCHEMA)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        ACTION_RESPONSE_VALIDATOR.validate(result)
    except jsonschema_rs.ValidationError as error:
        raise ValidationError("Action server response failed validation",
                              path=list(error.instance_path), schema_path=list(error.schema_path)) from None
    return True


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


PATCH = Patch(
    name="validator", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.core.actions.action:RemoteAction._validate_action_result": "f8cdb4be6812"},
    written_for={"rasa": "3.6.21", "jsonschema-rs": "0.61.0"},
    proven_by="tests/unit/test_rasa_patches.py::test_action_replies_are_judged_as_rasa_s_own_validator_judges_them",
    apply=apply)
