"""Rasa NLU component: notice a message that is not in English.

Bring It Up only understands English so far. A message in another language would
otherwise be stored as an answer; instead its intent becomes `other_language`, and the
bot says kindly (in English) that it only reads English yet, with the crisis line.
The safety screen runs after this component, so an English crisis message still wins.

Two signals must agree, so short English replies ("no idea", "i quit") are never taken
for another language: py3langid finds English very unlikely, and fewer than half of the
words (leaving out that language's common words, from spaCy's stop word lists) are
known to the English spaCy model. Text mostly in a non-Latin script
(Chinese, Arabic, Cyrillic...) is not English whatever the guess.
"""

from __future__ import annotations

import importlib
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bring_it_up.language import SPACY_MODEL
from components.base import StatelessComponent

# Languages our clients are most likely to write in besides English (spaCy has stop words
# for each). Text in another Latin-script language is simply not flagged.
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "tl", "vi", "ro", "tr", "id")
MAX_ENGLISH_PROBABILITY = 0.1
MAX_ENGLISH_SHARE = 0.5
_WORD = re.compile(r"[^\W\d_]+")


@cache
def _identifier() -> LanguageIdentifier:
    ident = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


@cache
def _stop_words(lang: str) -> frozenset[str]:
    return frozenset(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)


@cache
def _english_words() -> frozenset[str]:
    """Every string the English spaCy model saw in training, read from its package
    (a snapshot: the live vocabulary grows with each message it reads)."""
    package = Path(importlib.import_module(SPACY_MODEL).__file__ or "").parent
    strings = next(package.glob("*/vocab/strings.json"))
    return frozenset(w.lower() for w in json.loads(strings.read_text(encoding="utf-8")))


def _mostly_non_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin / len(letters) < 0.5


def other_language(text: str) -> str | None:
    """The language code of a message that is clearly not English, else None."""
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None
    if _mostly_non_latin(text):
        return "non-latin"
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 2:
        return None
    ranked = dict(_identifier().rank(text))
    best = max(ranked, key=ranked.__getitem__)
    if best == "en" or ranked.get("en", 0.0) > MAX_ENGLISH_PROBABILITY:
        return None
    content = [w for w in words if w not in _stop_words(best)]
    english = _english_words()
    known = sum(1 for w in content if w in english)
    return best if content and known / len(content) < MAX_ENGLISH_SHARE else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageCheck(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            lang = other_language(message.get(TEXT))
            if lang:
                message.set(INTENT, {"name": "other_language", "confidence": 1.0,
                                     "language": lang}, add_to_output=True)
        return messages
