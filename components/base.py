"""Shared base for our NLU components: nothing to train, nothing to store."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bring_it_up import text


class StatelessComponent(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> StatelessComponent:
        return cls()

    # The content files whose words change what the component does to training data.
    READS: tuple[str, ...] = ()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Rasa reuses a component's cached training output while its config and input stay
        the same, but ours also read content files and their own code (the normalizer
        rewrites every training example by content/normalization.yml): a change to either
        must train again, as a clean build would. Only the files named in READS count: the
        widget's words or a draft template never retrain the model."""
        return text.fingerprint([*(text.CONTENT / name for name in cls.READS),
                                 Path(inspect.getfile(cls)), Path(text.__file__)])
