"""Rasa NLU component: the deterministic safety screen, run on every message.

It comes last in the pipeline, so when a rule in content/safety_rules.yml matches, the
intent becomes safety_crisis / safety_check_in / safety_ethics with confidence 1.0 and no
classifier can out-vote it. The rule that fired is kept in the parse data for audit.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.safety import screen

INTENTS = {"crisis": "safety_crisis", "check_in": "safety_check_in", "ethics": "safety_ethics"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyScreen(GraphComponent):
    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyScreen":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            finding = screen(text)
            if finding is None:
                continue
            intent = {"name": INTENTS[finding.level], "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent["name"]]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
            message.set("safety", {"level": finding.level, "rule": finding.rule}, add_to_output=True)
        return messages
