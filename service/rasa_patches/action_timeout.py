"""Custom actions have a timeout below the conversation lock's lifetime (a fix, always on).

Rasa waits up to 300 s for an action, and a lock that expires mid-turn lets a second message of
the same conversation in at the same time. A failed or timed-out action is also reported to the
turn (service/trouble.py), so the channel tells the client instead of going silent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.actions.action import RemoteAction

from service import trouble
from service.rasa_patches import Patch

logger = logging.getLogger(__name__)


def apply() -> None:
    rasa_run = RemoteAction.run

    async def _run_with_timeout(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.wait_for(rasa_run(self, *args, **kwargs), trouble.ACTION_TIMEOUT)
        except Exception as exc:
            # Rasa logs and carries on; the channel tells the client.
            logger.error("custom action %s failed with %s", self.name(), type(exc).__name__)
            trouble.report("action")
            raise

    RemoteAction.run = _run_with_timeout  # type: ignore[method-assign]


PATCH = Patch(
    name="action_timeout", kind="fix", what=__doc__.split("\n")[0],
    replaces={"rasa.core.actions.action:RemoteAction.run": "ccabf6f1160d"},
    written_for={"rasa": "3.6.21"},
    proven_by="tests/faults/test_faults.py::test_an_action_that_hangs_is_given_up_well_inside_the_lock",
    apply=apply)
