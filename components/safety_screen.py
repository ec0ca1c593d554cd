"""Rasa NLU component: the safety screen, run on every message, last in the pipeline.

Two layers (bring_it_up/screening.py): the deterministic rules of content/safety_rules.yml, which
nothing out-votes, and the semantic layer (bring_it_up/semantic.py: a sentence encoder and a
classifier trained by `make train` on data/safety/*.yml), which may raise a level, never lower
one. A finding sets the intent to safety_crisis / safety_check_in / safety_ethics with
confidence 1.0, records its layer and why (the rule and the words it matched, or the nearest
training message) in the parse data for audit, and removes the message's entities: "I want to
die, make it brief" must not set the tone (safety decides that turn: components/safety_policy.py).

DIET's own safety intents (and a typed "not safe") count for nothing alone: without a finding
the message keeps DIET's next intent. A check-in the client already answered "no" to is not
asked again for the same words.
"""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bring_it_up import safety, screening, semantic, text
from components.answer_guard import looks_like_an_answer

logger = logging.getLogger(__name__)

INTENTS = {"crisis": "safety_crisis", "check_in": "safety_check_in", "ethics": "safety_ethics"}
# Intents that only the screen may give a message.
NOT_ALONE = set(INTENTS.values()) | {"not_safe"}
CHECK_IN_DECLINED = "utter_check_in_no"
SAID_SAFE = "utter_glad_safe"
UNSURE = 0.5  # a fallback intent below this is not trusted
# How many messages got each level since the server started (never which ones).
LEVEL_COUNTS: Counter[str] = Counter()


def _key(finding: dict[str, Any]) -> str:
    """The words a check-in was about, as the client's "no" is remembered."""
    return " ".join(str(finding.get("matched", "")).lower().split())


def answered(tracker: DialogueStateTracker | None, level: str, reply: str,
             layer: str | None = None) -> set[str]:
    """The words of every finding at `level` (from `layer`, if given) in this conversation
    that the client answered with `reply`: a "no" to a check-in, an "I'm safe" after a crisis."""
    said: set[str] = set()
    asked: str | None = None
    for event in tracker.events if tracker else ():
        if isinstance(event, UserUttered):
            finding = (event.parse_data or {}).get("safety") or {}
            if finding.get("level") == level and layer in (None, finding.get("layer")):
                asked = _key(finding)
        elif isinstance(event, ActionExecuted) and event.action_name == reply and asked:
            said.add(asked)
            asked = None
    return said


def declined_check_ins(tracker: DialogueStateTracker | None) -> set[str]:
    """The words of every check-in in this conversation that the client answered "no" to."""
    return answered(tracker, "check_in", CHECK_IN_DECLINED)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafetyScreen(GraphComponent):
    def __init__(self, model_storage: ModelStorage | None = None, resource: Resource | None = None,
                 model: semantic.SafetyModel | None = None) -> None:
        """Without a model (tests of the rules), only the rules screen."""
        self._storage, self._resource, self.model = model_storage, resource, model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SafetyScreen:
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SafetyScreen:
        with model_storage.read_from(resource) as directory:
            model = semantic.SafetyModel.load(Path(directory))
        semantic.load_encoder().embed(["ready"])  # traced at start, not on a client's message
        return cls(model_storage, resource, model)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Train again when what the classifier is trained from changes: the training
        messages, the words they are normalised by, the classifier's settings, this code."""
        code = (cls, semantic, screening, safety, text)
        return text.fingerprint([*sorted(semantic.TRAINING_DATA.glob("*.yml")),
                                 *sorted((semantic.ROOT / "data" / "nlu").glob("*.yml")),
                                 text.CONTENT / "normalization.yml", text.CONTENT / "safety_semantic.yml",
                                 *(Path(inspect.getfile(module)) for module in code)])

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = semantic.training_examples()
        self.model = semantic.fit(texts, labels)
        assert self._storage is not None and self._resource is not None
        with self._storage.write_to(self._resource) as directory:
            self.model.save(Path(directory))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        declined: set[str] | None = None
        for message in messages:
            said = message.get(TEXT)
            if not isinstance(said, str) or not said.strip() or said.startswith("/"):
                continue
            found = screening.screen_text(said, self.model, message.get(SPACY_DOCS[TEXT]))
            finding = {"level": found.level, "layer": found.layer, **found.detail}
            if found.level == "crisis" and found.layer == "encoder" \
                    and _key(finding) in answered(tracker, "crisis", SAID_SAFE, "encoder"):
                # the classifier's crisis, said again after "I'm safe": asked directly instead
                # of the full crisis reply again (a "no" to that is remembered below)
                found = screening.Screened("check_in", found.layer, found.detail, found.calm)
                finding = {**finding, "level": "check_in", "after_safe": True}
            if found.level == "check_in":
                declined = declined_check_ins(tracker) if declined is None else declined
                if _key(finding) in declined:
                    message.set("safety_remembered", finding, add_to_output=True)
                    found = screening.Screened(None, None, {}, found.calm)
            if found.level is not None:
                self._set(message, INTENTS[found.level])
                message.set("safety", finding, add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
                LEVEL_COUNTS[found.level] += 1
                logger.info("safety: %s (%s); so far %s", found.level, found.layer,
                            dict(LEVEL_COUNTS))
            else:
                self._without_finding(message, said)
        return messages

    @staticmethod
    def _set(message: Message, name: str, confidence: float = 1.0) -> None:
        intent = {"name": name, "confidence": confidence}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)

    def _without_finding(self, message: Message, said: str) -> None:
        """No layer found anything: a safety intent DIET gave is replaced by its next guess
        ("I'm not safe to be honest with her" is a worry about the session)."""
        name = (message.get(INTENT) or {}).get("name")
        if name not in NOT_ALONE:
            return
        ranking = message.get(INTENT_RANKING_KEY) or []
        fallback: dict[str, Any] = next((r for r in ranking if r.get("name") not in NOT_ALONE),
                                        {"name": "inform", "confidence": 1.0})
        name, confidence = str(fallback["name"]), float(fallback.get("confidence") or 0.0)
        if confidence < UNSURE or looks_like_an_answer(name, said, confidence):
            name, confidence = "inform", 1.0  # a far second guess ("goodbye" at 3%) is an answer
        self._set(message, name, confidence)
