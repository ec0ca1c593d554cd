"""Thin Rasa actions: each one reads slots, calls the pure modules, and answers."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import drafting, flow, language
from actions.forms import answered, unusable
from actions.guard import Guarded

_FEELING_LEAD = re.compile(r"^(i\s+)?(felt|feel|feeling|it\s+felt|it\s+made\s+me\s+feel|"
                           r"made\s+me\s+feel)\s+", re.I)
_HOPE_LEAD = re.compile(r"^(i\s+(just\s+)?(want|wish|hope|need)|i'd\s+(really\s+)?like|"
                        r"i\s+would\s+like|could\s+we|can\s+we|would\s+you)\b", re.I)


def _events(values: dict[str, Any]) -> list[EventType]:
    return [SlotSet(k, v) for k, v in values.items()]


def _part(text: str | None, terms: list[str], cue: str | None = None) -> tuple[str, str] | None:
    if not text or not language.is_usable(text):
        return None
    answer = language.analyse(text, terms, they_is_therapist=cue is not None)
    if answer.form == "clause" and cue == "fear" and language.has_cue(text, "fear_cues"):
        return ("cue", answer.text)
    if answer.form == "clause" and cue == "hope" and _HOPE_LEAD.match(answer.text):
        return ("cue", answer.text)
    return (answer.form, answer.text)


def draft_parts(slots: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The client's answers as draft sections (form, words in second person)."""
    terms = [slots.get("therapist_term") or "therapist"]
    parts: dict[str, tuple[str, str] | None] = {
        "observation": _part(slots.get("what_happened"), terms),
        "hope": _part(slots.get("hope"), terms, cue="hope"),
    }
    feeling = slots.get("feeling")
    if feeling:
        feeling_part = _part(feeling, terms)
        if feeling_part and feeling_part[0] == "fragment":
            feeling_part = ("fragment", _FEELING_LEAD.sub("", feeling_part[1]))
        parts["feeling"] = feeling_part
    impact = slots.get("impact")
    if impact and not language.says_nothing_changed(impact):
        parts["impact"] = _part(impact, terms)
    if slots.get("identity_involved") == "yes":
        parts["identity"] = _part(slots.get("identity_detail"), terms) or ("none", "")
    if slots.get("fear_in_draft") == "yes":
        parts["fear"] = _part(slots.get("fear"), terms, cue="fear")
    return {k: v for k, v in parts.items() if v}


def compose_from_slots(slots: dict[str, Any]) -> dict[str, Any]:
    return drafting.compose(
        draft_parts(slots),
        tone=slots.get("tone") or "gentle",
        length=int(slots.get("draft_length") or 0),
        overrides=slots.get("section_overrides") or {},
    )


def send_draft(dispatcher: CollectingDispatcher, draft: dict[str, Any]) -> None:
    """The draft as readable text, then as the `draft` payload front ends render."""
    dispatcher.utter_message(text=draft["text"])
    dispatcher.utter_message(json_message=draft)


class ActionFallback(Guarded, Action):
    """When nothing fits: before agreeing, show the note and the start button again;
    afterwards, say how to pick up where we were."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("consented"):
            dispatcher.utter_message(response="utter_default")
        else:
            dispatcher.utter_message(response="utter_what_this_is")
        return [UserUtteranceReverted()]


class ActionAcceptConsent(Guarded, Action):
    """A typed "yes" / "ok" after the welcome counts as agreeing to start."""

    def name(self) -> str:
        return "action_accept_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        return [SlotSet("consented", True)]


class ActionShowDraft(Guarded, Action):
    def name(self) -> str:
        return "action_show_draft"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        draft = compose_from_slots(tracker.slots)
        answered = {"observation", "feeling", "hope"} & set(draft["sections"])
        dispatcher.utter_message(response="utter_draft_intro" if answered else "utter_draft_empty")
        send_draft(dispatcher, draft)
        return [SlotSet("draft_shown", True)]


class ActionMakeShorter(Guarded, Action):
    def name(self) -> str:
        return "action_make_shorter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        length = int(tracker.get_slot("draft_length") or 0)
        if not drafting.can_shorten(length):
            dispatcher.utter_message(response="utter_already_shortest")
            return []
        send_draft(dispatcher, compose_from_slots({**tracker.slots, "draft_length": length + 1}))
        return [SlotSet("draft_length", float(length + 1))]


class ActionApplyEdit(Guarded, Action):
    def name(self) -> str:
        return "action_apply_edit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        section = tracker.get_slot("edit_section")
        text = language.sentence_case(tracker.get_slot("edit_text") or "")
        overrides = dict(tracker.get_slot("section_overrides") or {})
        if section and text:
            overrides[section] = text
        return _events({"section_overrides": overrides, "edit_section": None, "edit_text": None})


class ActionHandleUnusable(Guarded, Action):
    """ "I don't know": a hint first; the second time, why we ask and an offer to skip."""

    def name(self) -> str:
        return "action_handle_unusable"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        return _events(unusable(dispatcher, tracker))


class ActionSkipQuestion(Guarded, Action):
    def name(self) -> str:
        return "action_skip_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        dispatcher.utter_message(response="utter_skipped")
        return _events({**answered(), **(flow.skip(slot) if slot in flow.ORDER else {})})


class ActionTryAgain(Guarded, Action):
    def name(self) -> str:
        return "action_try_again"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_try_again")
        return [SlotSet("offer_skip", False)]


class ActionGoBack(Guarded, Action):
    def name(self) -> str:
        return "action_go_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        target = flow.previous_question(tracker.slots, tracker.get_slot("requested_slot"))
        if target is None:
            dispatcher.utter_message(response="utter_first_question")
            return []
        dispatcher.utter_message(response="utter_going_back")
        return _events({**flow.reset_events_for(target), **answered()})


class ActionStartOver(Guarded, Action):
    def name(self) -> str:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_start_over")
        return _events(flow.fresh_start())
