"""Thin Rasa actions: each one reads slots, calls the pure modules, and answers."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import answered, intent_of, unusable
from actions.guard import Guarded
from bring_it_up import coaching, drafting, flow, language


def _events(values: dict[str, Any]) -> list[EventType]:
    return [SlotSet(k, v) for k, v in values.items()]


# What makes one version of the draft differ from another; "Undo" goes back one of them.
DRAFT_SETTINGS = ("tone", "draft_length", "section_overrides", "exact_words")
UNDO_KEPT = 10


def send_draft(dispatcher: CollectingDispatcher, draft: dict[str, Any],
               slots: dict[str, Any]) -> list[EventType]:
    """The draft as readable text, then as the `draft` payload front ends render; the
    settings it was made with are remembered for "Undo"."""
    dispatcher.utter_message(text=draft["text"])
    dispatcher.utter_message(json_message={k: v for k, v in draft.items() if k != "parts"})
    shown = {k: slots.get(k) for k in DRAFT_SETTINGS}
    history = list(slots.get("draft_history") or [])
    if not history or history[-1] != shown:
        history = [*history, shown][-UNDO_KEPT:]
    return [SlotSet("draft_history", history)]


def offer_coaching(dispatcher: CollectingDispatcher, slots: dict[str, Any],
                   draft: dict[str, Any]) -> list[EventType]:
    """Offer the next suggestion (one at a time) and point out private details."""
    offer = coaching.next_offer(slots, draft)
    if offer and offer["kind"] == "pseudo_feeling":
        options = list(offer["options"])
        dispatcher.utter_message(
            response="utter_coach_pseudo_feeling", word=offer["word"].capitalize(),
            options=", ".join(options[:-1]) + f" or {options[-1]}",
            buttons=[{"title": o.capitalize(), "payload": f'/coach_accept{{"coach_choice": "{o}"}}'}
                     for o in options] + [{"title": coaching.keep_my_words(), "payload": "/coach_decline"}])
    elif offer:
        name = "utter_coach_minimising_drop" if offer["kind"] == "minimising" and not offer["rewrite"] \
            else f"utter_coach_{offer['kind']}"
        dispatcher.utter_message(response=name, original=offer["original"], rewrite=offer["rewrite"])
    details = coaching.private_details(draft["text"])
    if details:
        quoted = ", ".join(f'"{d}"' for d in details)
        dispatcher.utter_message(response="utter_private_details", details=quoted)
    return [SlotSet("coach_offer", offer), SlotSet("coach_choice", None)]


class ActionFallback(Guarded, Action):
    """When nothing fits: before agreeing, show the note and the start button again;
    afterwards, say how to pick up where we were."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if not tracker.get_slot("consented"):
            dispatcher.utter_message(response="utter_what_this_is")
            return [UserUtteranceReverted()]
        dispatcher.utter_message(response="utter_default")
        # ...with the step's own question and buttons again, so nobody is left at a dead end
        asked = tracker.get_slot("requested_slot") if tracker.active_loop_name else None
        if asked in flow.ORDER:  # every question has its utter_ask_ response
            dispatcher.utter_message(response=f"utter_ask_{asked}")
        elif tracker.get_slot("draft_shown"):
            dispatcher.utter_message(response="utter_review_options")
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
        draft = drafting.from_slots(tracker.slots)
        answered = {"observation", "feeling", "hope"} & set(draft["sections"])
        dispatcher.utter_message(response="utter_draft_intro" if answered else "utter_draft_empty")
        shown = send_draft(dispatcher, draft, tracker.slots)
        if not tracker.get_slot("draft_shown"):
            dispatcher.utter_message(response="utter_one_sentence", line=draft["one_sentence"])
        return [SlotSet("draft_shown", True), *shown, *offer_coaching(dispatcher, tracker.slots, draft)]


class ActionUndoDraft(Guarded, Action):
    """"Undo": the draft as it was before the last change (tone, length, an edit, words)."""

    def name(self) -> str:
        return "action_undo_draft"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        history = list(tracker.get_slot("draft_history") or [])
        if len(history) < 2:
            dispatcher.utter_message(response="utter_nothing_to_undo")
            return []
        history.pop()
        previous = history[-1]
        slots = {**tracker.slots, **previous, "draft_history": history}
        dispatcher.utter_message(response="utter_undone")
        send_draft(dispatcher, drafting.from_slots(slots), slots)
        return [*_events(previous), SlotSet("draft_history", history)]


class ActionCoachAnswer(Guarded, Action):
    """The client took the suggestion on screen, or kept their words; then the next one."""

    def name(self) -> str:
        return "action_coach_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        offer = tracker.get_slot("coach_offer")
        slots = dict(tracker.slots)
        intent = intent_of(tracker)
        typed = (tracker.latest_message.get("text") or "").lower()
        named = [o for o in (offer or {}).get("options") or [] if re.search(rf"\b{re.escape(o)}\b", typed)]
        if intent == "inform" and named:  # the client typed one of the feelings offered
            intent, slots["coach_choice"] = "coach_accept", named[0]
        elif intent == "inform" or not offer:
            dispatcher.utter_message(response="utter_default")
            return []
        events: list[EventType] = []
        if intent == "coach_accept":
            fields = {k: v for k, v in offer.items() if k != "section"}
            taken = coaching.Offer(**{**fields, "options": tuple(fields.get("options") or ())})
            choice = slots.get("coach_choice") or (taken.options[0] if taken.options else "")
            before = drafting.from_slots(slots)["sections"].get(offer["section"], "")
            overrides = {**(slots.get("section_overrides") or {}),
                         offer["section"]: coaching.apply(before, taken, choice)}
            slots["section_overrides"] = overrides
            events.append(SlotSet("section_overrides", overrides))
            draft = drafting.from_slots(slots)
            dispatcher.utter_message(response="utter_coach_taken")
            events += send_draft(dispatcher, draft, slots)
        else:
            slots["coach_kept"] = [*(slots.get("coach_kept") or []), offer["original"]]
            events.append(SlotSet("coach_kept", slots["coach_kept"]))
            dispatcher.utter_message(response="utter_coach_kept")
            draft = drafting.from_slots(slots)
        return events + offer_coaching(dispatcher, slots, draft)


class ActionMakeShorter(Guarded, Action):
    def name(self) -> str:
        return "action_make_shorter"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        length = int(tracker.get_slot("draft_length") or 0)
        if not drafting.can_shorten(length):
            dispatcher.utter_message(response="utter_already_shortest")
            return []
        slots = {**tracker.slots, "draft_length": float(length + 1)}
        return [SlotSet("draft_length", float(length + 1)),
                *send_draft(dispatcher, drafting.from_slots(slots), slots)]


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
