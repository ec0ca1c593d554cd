"""Rasa NLU component: the deterministic safety screen, run on every message.

It comes last in the pipeline, so when a rule in content/safety_rules.yml matches, the
intent becomes safety_crisis / safety_check_in / safety_ethics with confidence 1.0 and no
classifier can out-vote it. The rule that fired is kept in the parse data for audit. A
flagged message keeps no entities: "I want to die, make it brief" must not set the tone
(safety decides that turn: components/safety_policy.py).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.safety import assess, mentions_other_person
from components.answer_guard import looks_like_an_answer
from components.base import StatelessComponent

INTENTS = {"crisis": "safety_crisis", "check_in": "safety_check_in", "ethics": "safety_ethics"}
SAFETY_INTENTS = set(INTENTS.values())
INTENTS_BY_NAME = {v: k for k, v in INTENTS.items()}
# The classifier alone may only ask (check-in) or name misconduct, and only when it is sure.
CLASSIFIER_MIN_CONFIDENCE = 0.9


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyScreen(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            assessment = assess(text, message.get(SPACY_DOCS[TEXT]))
            if assessment.finding is not None:
                finding = assessment.finding
                self._set(message, INTENTS[finding.level])
                message.set("safety", {"level": finding.level, "rule": finding.rule},
                            add_to_output=True)
            else:
                self._review_classifier(message, text, assessment.calm)
            if message.get("safety"):
                message.set(ENTITIES, [], add_to_output=True)
        return messages

    @staticmethod
    def _set(message: Message, name: str, confidence: float = 1.0) -> None:
        intent = {"name": name, "confidence": confidence}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)

    def _review_classifier(self, message: Message, text: str, calm: bool) -> None:
        """A safety intent from the classifier alone, with no rule behind it."""
        intent = message.get(INTENT) or {}
        name, confidence = intent.get("name"), intent.get("confidence") or 0.0
        if name not in SAFETY_INTENTS and name != "not_safe":
            return
        unsure = confidence < CLASSIFIER_MIN_CONFIDENCE
        # "I'm not safe to be honest with her" is a worry about the session: typed, "not safe"
        # counts only when a rule finds danger (the button, and a no to "Are you safe right
        # now?", are read by the safety policy).
        if calm or unsure or name == "not_safe" \
                or (name == "safety_ethics" and mentions_other_person(text)):
            ranking = message.get(INTENT_RANKING_KEY) or []
            fallback: dict[str, Any] = next(
                (r for r in ranking if r.get("name") not in SAFETY_INTENTS | {"not_safe"}),
                {"name": "inform", "confidence": 1.0})
            name, confidence = str(fallback["name"]), float(fallback.get("confidence") or 0.0)
            if looks_like_an_answer(name, text, confidence):
                name, confidence = "inform", 1.0
            self._set(message, name, confidence)
        elif name == "safety_crisis":
            # Indirect phrasing the rules do not list: ask directly instead of assuming.
            self._set(message, "safety_check_in", confidence)
            message.set("safety", {"level": "check_in", "rule": "classifier"}, add_to_output=True)
        else:
            message.set("safety", {"level": INTENTS_BY_NAME[name], "rule": "classifier"},
                        add_to_output=True)
