"""Rasa NLU component: tidy the text before anything reads it.

Curly apostrophes, repeated letters ("sooo"), text-speak ("idk", "kms") and common
misspellings become plain words, so the classifier and the safety screen see one form.
The client's original words are kept in the conversation; only understanding changes.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bring_it_up.text import normalize
from components.base import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormalizer(StatelessComponent):
    READS = ("normalization.yml",)

    @staticmethod
    def _normalize(messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and text and not text.startswith("/"):
                message.set(TEXT, normalize(text) or text)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._normalize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return self._normalize(messages)
