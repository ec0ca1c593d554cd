"""A rejected action reply is never quoted in the error (a fix, always on).

When the action server's reply does not fit Rasa's schema, jsonschema's error (and Rasa's
log line and exception built from it) holds the reply itself, which can hold what the client
wrote. The error now says only where the reply failed and which schema rule it broke.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from service.rasa_patches import Patch


def apply() -> None:
    inner = RemoteAction._validate_action_result  # Rasa's, or the compiled validator

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            return inner(self, result)
        except ValidationError as error:
            where = "/".join(map(str, error.path)) or "the top level"
            rule = "/".join(map(str, error.schema_path))
            raise ValidationError(f"Failed to validate Action server response from API at {where} "
                                  f"(schema rule {rule}), make sure your response from the Action "
                                  "endpoint is valid.", path=list(error.path)) from None

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


PATCH = Patch(
    name="validation_errors", kind="fix", what=__doc__.split("\n")[0],
    replaces={"rasa.core.actions.action:RemoteAction._validate_action_result": "f8cdb4be6812"},
    written_for={"rasa": "3.6.21"},
    proven_by="tests/unit/test_rasa_patches.py::test_a_rejected_reply_is_not_quoted_in_the_error",
    apply=apply)
