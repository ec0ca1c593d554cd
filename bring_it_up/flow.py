"""The shape of the guided preparation (pure: no Rasa imports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The questions, in the order they are asked (domain/core.yml lists the same slots).
ORDER = [
    "what_happened", "feeling", "feeling_ok", "impact", "rupture_kind", "fear",
    "fear_in_draft", "familiar", "identity_involved", "identity_detail", "hope", "tone",
]

# A question that only makes sense after another one ("does this worry feel familiar?"
# needs a worry).
DEPENDS_ON = {"feeling_ok": "feeling", "fear_in_draft": "fear", "familiar": "fear",
              "identity_detail": "identity_involved"}

# The value a skipped question leaves behind ("" = nothing to put in the draft).
SKIPPED: dict[str, Any] = {
    "feeling_ok": "yes", "rupture_kind": "other", "fear_in_draft": "no",
    "identity_involved": "no", "tone": "gentle",
}

BOOKKEEPING = ["feeling_summary", "unusable_count", "offer_skip", "feeling_retry",
               "draft_length", "section_overrides", "draft_shown", "edit_section", "edit_text",
               "exact_words", "draft_history", "coach_offer", "coach_choice", "coach_kept"]


def skipped_value(slot: str) -> Any:
    return SKIPPED.get(slot, "")


def required(slots: Mapping[str, Any]) -> list[str]:
    """The questions still relevant, given the answers so far."""
    out = []
    for name in ORDER:
        if name == "feeling_ok" and slots.get("feeling") == "":
            continue
        if name in ("fear_in_draft", "familiar") and slots.get("fear") == "":
            continue
        if name == "identity_detail" and slots.get("identity_involved") != "yes":
            continue
        out.append(name)
    return out


def dependents(slot: str) -> list[str]:
    return [child for child, parent in DEPENDS_ON.items() if parent == slot]


def skip(slot: str) -> dict[str, Any]:
    """The values a skipped question (and the follow-ups that depend on it) leave behind."""
    return {name: skipped_value(name) for name in [slot, *dependents(slot)]}


def previous_question(slots: Mapping[str, Any], current: str | None) -> str | None:
    """The last answered question before `current` (None at the first question)."""
    order = required(slots)
    stop = order.index(current) if current in order else len(order)
    for name in reversed(order[:stop]):
        if slots.get(name) is not None:
            # Going back to a follow-up goes back to the question it follows.
            return DEPENDS_ON.get(name, name) if name == "feeling_ok" else name
    return None


def reset_events_for(slot: str) -> dict[str, Any]:
    """Slots to clear so that `slot` (and what follows from it) is asked again."""
    cleared = {slot: None}
    for child in dependents(slot):
        cleared[child] = None
    return cleared


def fresh_start() -> dict[str, Any]:
    cleared: dict[str, Any] = {name: None for name in ORDER + BOOKKEEPING}
    return cleared
