"""The whole safety screen (no Rasa): the rules, then the semantic layer, on every sentence.

The rules (bring_it_up/safety.py) are the auditable floor that nothing out-votes; the semantic
layer (bring_it_up/semantic.py) may raise a level, never lower one. A message the rules read as
calm (they saw the risky words and found them negated, about someone else, or an idiom: "I
don't want to die", "my friend wants to die", "dead tired") is theirs to judge: the semantic
layer does not raise it. Used by the Rasa component (components/safety_screen.py) and by
`make eval-safety`, so that what is measured is what runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bring_it_up.safety import LEVELS, assess
from bring_it_up.semantic import SafetyModel, assess_sentences, load_encoder, prepare
from bring_it_up.text import pieces


@dataclass(frozen=True)
class Screened:
    level: str | None
    layer: str | None  # "rules" or "encoder"
    detail: dict[str, Any]  # the rule id and the words it matched, or the nearest training message
    calm: bool  # the rules saw risky words and read them as harmless


def sentences_of(text: str, calm: bool = False) -> list[str]:
    """The prepared sentences the semantic layer reads, each on its own. Not the whole
    message, nor sentences joined: a long account of a session, or two sentences of one, is
    unlike the training messages, and the classifier, far from its examples, gave a session
    account a crisis score of 0.98 (the rules still read the whole message). In a message
    the rules found calm, only the sentences they did not find calm."""
    parts = pieces(prepare(text))
    if calm:
        return [p for p in parts if not assess(p).calm] if len(parts) > 1 else []
    return parts


def screen_text(text: str, model: SafetyModel | None, parsed: Any = None,
                use_rules: bool = True) -> Screened:
    """The level of one message, with the layer that set it and why."""
    rules = assess(text, parsed) if use_rules else None
    finding = rules.finding if rules else None
    calm = bool(rules and rules.calm)
    semantic = None
    sentences = sentences_of(text, calm) if model is not None else []
    if model is not None and sentences:
        semantic = assess_sentences(model, sentences, load_encoder().embed(sentences))
    if finding is not None and (semantic is None
                                or LEVELS.index(finding.level) <= LEVELS.index(semantic.level)):
        return Screened(finding.level, "rules", {"rule": finding.rule, "matched": finding.matched}, calm)
    if semantic is not None:
        return Screened(semantic.level, "encoder",
                        {"nearest": semantic.nearest, "score": round(semantic.score, 3),
                         "matched": semantic.sentence}, calm)
    return Screened(None, None, {}, calm)
