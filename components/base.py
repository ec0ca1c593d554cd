"""Shared base for our NLU components: nothing to train, nothing to store."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from actions import text


class StatelessComponent(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> StatelessComponent:
        return cls()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Rasa reuses a component's cached training output while its config and input stay
        the same, but ours also read content/*.yml and their own code (the normalizer
        rewrites every training example by content/normalization.yml): a change to either
        must train again, as a clean build would."""
        digest = hashlib.sha256()
        for path in [*sorted(text.CONTENT.glob("*.yml")), Path(inspect.getfile(cls)),
                     Path(text.__file__)]:
            digest.update(path.read_bytes())
        return digest.hexdigest()
