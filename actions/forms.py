"""Validation of the preparation and edit forms: turn answers into slot values."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import Guarded
from bring_it_up import flow, language, safety
from bring_it_up.text import clean
from bring_it_up.tidy import tidy

# Parts of a long answer that may fill later questions, and the slot each goes to.
PREFILLABLE = ("feeling", "impact", "fear", "hope")
YES_WORDS = {"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "include", "y", "ya", "definitely"}
NO_WORDS = {"no", "nope", "nah", "n", "not", "never"}


def unusable(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """An answer we can't use: a hint the first time, then why we ask and an offer to skip.

    The third time, the question is set aside so that no one is stuck on it.
    """
    count = int(tracker.get_slot("unusable_count") or 0) + 1
    slot = tracker.get_slot("requested_slot")
    if count >= 3 and slot in flow.ORDER:
        dispatcher.utter_message(response="utter_moving_on")
        return {**flow.skip(slot), **answered()}
    dispatcher.utter_message(response="utter_hint" if count == 1 else "utter_why")
    return {"unusable_count": float(count), "offer_skip": count >= 2}


def answered() -> dict[str, Any]:
    return {"unusable_count": 0.0, "offer_skip": False}


def intent_of(tracker: Tracker) -> str:
    """The intent Rasa acted on (rasa_sdk's get_intent_of_latest_message() reads the
    classifier's ranking, which still shows what the answer guard overruled)."""
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def yes_no(tracker: Tracker, text: str) -> str | None:
    """A yes or no, from the intent or from how the answer starts ("yes, I always...")."""
    intent = intent_of(tracker)
    if intent == "affirm":
        return "yes"
    if intent == "deny":
        return "no"
    words = re.findall(r"[a-z']+", clean(text).lower())
    if not words:
        return None
    if words[0] in YES_WORDS or "include" in words:
        return "yes"
    if words[0] in NO_WORDS or "leave it out" in " ".join(words):
        return "no"
    return None


def _after_yes(text: str) -> str:
    """What follows a yes ("yes, because I'm Black and he's white"), when it says something."""
    rest = re.sub(r"^\W*(?:yes|yeah|yep|yup|yes definitely|definitely|it was|kind of|a bit)\b"
                  r"[\s,.;:!-]*(?:because|since|as|cause|cuz|bc)?\b[\s,]*", "", text, flags=re.I)
    return rest if rest != text and len(re.findall(r"[A-Za-z]+", rest)) >= 3 else ""


def only_fresh_answers(method: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Validate a slot only when it is the question the client just answered.

    When the form resumes (after a pause or a safety check) Rasa re-validates every slot
    already filled; without this, reflections and reassurances would be said twice.
    """
    slot = method.__name__.removeprefix("validate_")

    @functools.wraps(method)
    def wrapper(self: Any, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        return method(self, value, dispatcher, tracker, domain)

    return wrapper


def free_text_validator(slot: str) -> Callable[..., dict[str, Any]]:
    """validate_<slot> for a free-text question: keep the client's words, fill any later
    question the answer already covers, and follow up (reflect a feeling, reassure a worry)."""

    def validate(self: Any, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                 domain: DomainDict) -> dict[str, Any]:
        return self._after_fill(self._text_answer(slot, value, dispatcher, tracker),
                                dispatcher, tracker)

    validate.__name__ = f"validate_{slot}"
    return only_fresh_answers(validate)


def _stopped(piece: str) -> str:
    """A thought taken out of a longer answer ends as a sentence, so that two never run together."""
    piece = piece.strip().rstrip(",;")
    return piece if not piece or piece[-1] in ".!?\"'\u201d\u2019)" else piece + "."


def _belongs_to_the_event(piece: str, slot: str) -> bool:
    """"She yawned while I was crying", given as the feeling, is more of what happened: it
    is added there (or kept there, if that question was skipped) and the feeling is asked
    again, instead of "It sounds like you felt she yawned…"."""
    return slot == "feeling" and language.event_not_feeling(piece)


def _event_with_its_feeling(piece: str, slot: str, kinds: list[str]) -> bool:
    """"She laughed at me and I felt stupid" or "I was so embarrassed when she laughed", told
    as what happened, is what happened (the feeling word is picked out of it too); only "I
    felt small" on its own is the feeling."""
    return slot == "what_happened" and kinds[0] == "feeling" and (
        not language.starts_as_feeling(piece) or language.tells_what_they_did(piece))


def _answers_later(key: str, slot: str, tracker: Tracker) -> bool:
    """Part of an answer that belongs to a question not yet asked (or not yet answered)."""
    if key not in PREFILLABLE or key == slot or tracker.get_slot(key) is not None:
        return False
    return slot == "what_happened" or flow.ORDER.index(key) > flow.ORDER.index(slot)


def _tone_too_soon(tracker: Tracker, form: str) -> bool:
    """The client's message just now asked for a tone, and the open question is another."""
    return (intent_of(tracker) == "choose_tone" and _right_after_the_message(tracker, form)
            and tracker.get_slot("requested_slot") not in (None, "tone"))


def _right_after_the_message(tracker: Tracker, form: str) -> bool:
    """This validation follows the client's message directly, not a rule's reply to it (the
    form resuming after "why do you ask?"). Rasa's validation call ends with the form's
    own action, then the slots; before it, only slots may stand after the message."""
    form_seen = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") == form and not form_seen:
            form_seen = True
        elif kind in ("action", "bot"):
            return False
    return False


def _tone_asked_for(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "tone" and entity.get("value") in TONE_WORDS:
            return str(entity["value"])
    return tone_from_text(str(tracker.latest_message.get("text") or ""))


class ValidatePreparationForm(Guarded, FormValidationAction):
    def name(self) -> str:
        return "validate_preparation_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return flow.required(tracker.slots)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        if _tone_too_soon(tracker, self.form_name()):
            # "Make it gentle" while another question is open: no rule answers it, and the
            # open question used to come back without a word. The tone is kept for the
            # draft (the tone question is then not asked), and the client is told so.
            tone = _tone_asked_for(tracker)
            if tone and not any(e.get("name") == "tone" for e in events):
                events.append(SlotSet("tone", tone))
            dispatcher.utter_message(response="utter_tone_kept" if tone else "utter_tone_later")
        return events

    # -- free-text answers -------------------------------------------------------------
    def _text_answer(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        ask_again: bool = True,
    ) -> dict[str, Any]:
        """A free-text answer, plus any later questions it already answers.

        "I'm scared she'll think I'm dramatic" given to "what changed?" answers the worry
        question instead: that one is filled, and "what changed?" is asked again.
        """
        text = clean(str(value or ""))
        if not language.is_usable(text) and safety.says_no(text):
            # a bare "no" or "nope" is an answer where no is one ("Has it changed anything?")
            text = language.lexicon()["no_answers"].get(slot, text)
        if not language.is_usable(text) or (slot == "fear" and language.names_no_worry(text)):
            return {slot: None, **unusable(dispatcher, tracker)}
        own: list[str] = []
        moved: dict[str, list[str]] = {}
        for piece, kinds in language.clauses(text):
            # kinds[-1] is always the catch-all "what_happened"
            if slot == "what_happened" and not own and kinds[0] == "impact" and language.is_usable(piece):
                # the story starts where the client starts it ("I cancelled by email and
                # was charged", "she went quiet"): what changed since comes later, if at all
                own.append(piece)
            elif _belongs_to_the_event(piece, slot) \
                    and piece not in str(tracker.get_slot("what_happened") or ""):
                # (said again after "I've added that to what happened": it is their feeling)
                moved.setdefault("what_happened", []).append(piece)
            elif slot in kinds[:-1] or kinds[0] == slot or not _answers_later(kinds[0], slot, tracker) \
                    or _event_with_its_feeling(piece, slot, kinds):
                if language.is_usable(piece):  # "ok um." before the answer is not part of it
                    own.append(piece)
            else:
                moved.setdefault(kinds[0], []).append(piece)
        later = {key: " ".join(_stopped(piece) for piece in pieces) for key, pieces in moved.items()}
        before = str(tracker.get_slot("what_happened") or "").rstrip()
        if later.get("what_happened") and before:
            stop = "" if before[-1] in ".!?" else "."
            later["what_happened"] = f"{before}{stop} {later['what_happened']}"
        if not own and slot == "feeling" and later.get("what_happened"):
            dispatcher.utter_message(response="utter_added_to_what_happened")
            return {**later, slot: None, **answered()}
        if not own and ask_again:
            # Nothing here answers this question: it is asked again, and it counts as an
            # unusable answer so that it is set aside after three tries.
            return {**later, slot: None, **unusable(dispatcher, tracker)}
        if not own:
            return {**answered(), **later, slot: None}
        if not moved:  # all of it answers this question: as the client wrote it ("..., but I've")
            return {**answered(), slot: text}
        return {**answered(), **later, slot: " ".join(_stopped(piece) for piece in own)}

    def _after_fill(self, result: dict[str, Any], dispatcher: CollectingDispatcher,
                    tracker: Tracker) -> dict[str, Any]:
        """Follow-ups for whatever was just filled (also when filled from a long answer)."""
        if result.get("feeling"):
            result["feeling"] = language.strip_correction(result["feeling"])
            result["feeling_summary"] = language.feeling_summary(result["feeling"])
            result["feeling_retry"] = False
        if result.get("fear"):
            kind = language.fear_kind(result["fear"])
            dispatcher.utter_message(response=f"utter_normalise_fear_{kind}")
        return result

    @only_fresh_answers
    def validate_what_happened(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        result = self._text_answer("what_happened", value, dispatcher, tracker)
        observation = result.get("what_happened")
        if not observation:
            return result
        if tracker.get_slot("feeling") is None and "feeling" not in result:
            named = language.felt_in_event(observation)
            if named:
                result["feeling"] = language.join_words(named)
        kind = language.infer_rupture_kind(clean(str(value)))
        if kind and tracker.get_slot("rupture_kind") is None:
            result["rupture_kind"] = kind
            if kind == "identity" and tracker.get_slot("identity_involved") is None:
                result["identity_involved"] = "yes"
        return self._after_fill(result, dispatcher, tracker)

    validate_feeling = free_text_validator("feeling")
    validate_impact = free_text_validator("impact")
    validate_fear = free_text_validator("fear")
    validate_identity_detail = free_text_validator("identity_detail")
    validate_hope = free_text_validator("hope")

    # -- choices ---------------------------------------------------------------------
    @only_fresh_answers
    def validate_feeling_ok(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = clean(str(value or ""))
        answer = yes_no(tracker, text)
        # "no, more like angry": the rest of the sentence is the better word.
        rest = re.sub(r"^\W*(?:(?:no|nope|nah|not quite|not really|not exactly)\b[\s,.;:!-]*)+"
                      r"(it'?s|it was|more like|i felt|i'd say|i would say)?\s*", "",
                      text, flags=re.I)
        if answer is None and rest != text and not language.is_usable(rest):
            answer = "no"  # "nah not really": a no, not a better word
        said = tidy(text)
        if answer == "yes" and said != text and language.says_how_it_felt(said):
            answer = None  # "ok fine. I felt like I didn't matter": a better word, not a yes
            text = said
        if answer == "yes":
            return {"feeling_ok": "yes", **answered()}
        if answer == "no" and not language.is_usable(rest):
            return {"feeling_ok": None, "feeling": None, "feeling_retry": True, **answered()}
        correction = rest if answer == "no" else text
        # Only take it as a better word for the feeling if it sounds like one.
        offered = re.match(r"(?:more like|closer to|more|like|probably|maybe|i'd say)\b", said, re.I)
        if answer is None and not language.feeling_words(correction) and len(correction.split()) > 4 \
                and not language.says_how_it_felt(correction) and not offered:
            correction = ""
        if not language.is_usable(correction):
            return {"feeling_ok": None, **unusable(dispatcher, tracker)}
        return {"feeling": correction, "feeling_summary": language.feeling_summary(correction),
                "feeling_ok": "yes", **answered()}

    @only_fresh_answers
    def validate_rupture_kind(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        # An answer to a later question ("I'm scared she'll get defensive") is kept for it.
        # The kind is optional: if the answer was about something else, it is "other".
        result = self._text_answer("rupture_kind", value, dispatcher, tracker, ask_again=False)
        own = result.get("rupture_kind")
        if own is None and not any(key in result for key in PREFILLABLE):
            return result
        result.update(answered(), rupture_kind=language.infer_rupture_kind(own or "") or "other")
        return self._after_fill(result, dispatcher, tracker)

    @only_fresh_answers
    def validate_fear_in_draft(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        answer = yes_no(tracker, str(value or ""))
        if answer is None:
            return {"fear_in_draft": None, **unusable(dispatcher, tracker)}
        return {"fear_in_draft": answer, **answered()}

    @only_fresh_answers
    def validate_familiar(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = clean(str(value or ""))
        answer = yes_no(tracker, text)
        if answer is None and not language.is_usable(text):
            return {"familiar": None, **unusable(dispatcher, tracker)}
        if answer is None and language.has_cue(text, "familiar_cues"):
            answer = "yes"
        response = {"yes": "utter_familiar_yes", "no": "utter_familiar_no"}.get(answer or "",
                                                                                 "utter_familiar_other")
        dispatcher.utter_message(response=response)
        return {"familiar": answer or text, **answered()}

    @only_fresh_answers
    def validate_identity_involved(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = clean(str(value or ""))
        answer = yes_no(tracker, text)
        if answer is None and language.infer_rupture_kind(text) == "identity":
            # "it was about my culture": a yes that already says what.
            return {"identity_involved": "yes", "identity_detail": text, **answered()}
        if answer is None:
            # Perhaps an answer to a later question ("I want her to say sorry"): keep it there
            # and ask this one again.
            later = self._text_answer("identity_involved", value, dispatcher, tracker)
            if any(key in later for key in PREFILLABLE):
                return self._after_fill({**later, "identity_involved": None}, dispatcher, tracker)
            return {"identity_involved": None, **unusable(dispatcher, tracker)}
        detail = _after_yes(text) if answer == "yes" else ""
        if detail:  # "Yes. I'm Black and he's white": the yes already says what
            return {"identity_involved": "yes", "identity_detail": detail, **answered()}
        return {"identity_involved": answer, **answered()}

    @only_fresh_answers
    def validate_tone(self, value: Any, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        tone = tone_from_text(str(value or ""))
        if tone is None:
            return {"tone": None, **unusable(dispatcher, tracker)}
        return {"tone": tone, **answered()}


TONE_WORDS = {
    "gentle": {"gentle", "soft", "softer", "kind", "kinder", "warm", "gently"},
    "direct": {"direct", "clear", "blunt", "straight", "firm", "firmer", "honest"},
    "brief": {"brief", "short", "shorter", "quick"},
}


def tone_from_text(text: str) -> str | None:
    words = set(re.findall(r"[a-z]+", text.lower()))
    for tone, cues in TONE_WORDS.items():
        if tone == text.strip().lower() or words & cues:
            return tone
    return None


class ValidateEditForm(Guarded, FormValidationAction):
    def name(self) -> str:
        return "validate_edit_form"

    @only_fresh_answers
    def validate_edit_text(self, value: Any, dispatcher: CollectingDispatcher,
                           tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = clean(str(value or ""))
        if not language.is_usable(text):
            dispatcher.utter_message(response="utter_hint")
            return {"edit_text": None}
        return {"edit_text": text}
