"""Rasa NLU component: keep real answers from being mistaken for control phrases.

"unimportant" is an answer, not "why do you ask?". When the classifier picks a control
intent for a message that has none of that intent's words (content/intent_guards.yml), one
of the words that rule it out ("she", "session" for "that's not what I'm here for"), or is
long, the intent becomes `inform`, so the form stores it as the client's answer.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bring_it_up.text import load_content, normalize
from components.base import StatelessComponent


def looks_like_an_answer(intent: str, text: str, confidence: float = 1.0) -> bool:
    """True when a control intent is implausible for this text."""
    guards = load_content("intent_guards.yml")
    required = guards.get("require_one_of", {})
    if intent not in required:
        return False
    words = re.findall(r"[a-z0-9']+", normalize(text))
    if set(words) & set(guards.get("never_with", {}).get(intent, [])):
        return True
    said = " ".join(re.findall(r"[a-z0-9',]+", normalize(text))).strip(" ,")
    if said in {normalize(a) for a in guards.get("always_answers", [])}:
        return True
    if confidence < guards.get("min_confidence", 0.0):
        return True
    if len(words) > guards.get("max_words", 14):
        return True
    cues = required[intent]
    return bool(cues) and not set(words) & set(cues)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerGuard(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text, intent = message.get(TEXT), message.get(INTENT) or {}
            name, confidence = intent.get("name"), intent.get("confidence") or 0.0
            if isinstance(text, str) and name and not text.startswith("/") \
                    and looks_like_an_answer(name, text, confidence):
                message.set(INTENT, {"name": "inform", "confidence": 1.0,
                                     "guarded_from": name}, add_to_output=True)
        return messages
