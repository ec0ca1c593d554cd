"""Rasa policy: the turns safety decides, above every rule and every form.

RulePolicy lets an open form take a turn before any rule, and picks the longest matching
rule: a crisis message that also carried a tone word was taken by the form as an answer, and
"continue" after "Are you safe right now?" matched the longer rule for resuming a pause. This
policy comes first (priority 7, and its predictions are of the kind that outranks a form's),
on these turns only, and says what content/safety_flow.yml lists:

- a flagged message (the safety screen set safety_crisis, safety_check_in or safety_ethics);
- every message while the bot waits to hear that the client is safe (the hold): only a clear
  "I'm safe" ends it. "Stop" may leave but keeps the hold for when they come back; no skip,
  restart, resume, payload or navigation walks past it;
- the answer to the check-in question ("are you having thoughts of...?");
- the answer to "delete my data?": only a clear yes deletes.

Everything is read from the conversation's events, nothing is stored: the hold is on when
the latest of the bot's hold-opening and hold-closing replies opened it. On every other turn
the policy has no opinion and the rules decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bring_it_up.safety import clear_yes, says_no
from bring_it_up.text import load_content

# The bot's replies that open and close the hold, and the questions whose answers this reads.
ASK_SAFE = "utter_ask_safe_now"
HOLD_CLOSED_BY = {"utter_glad_safe", "utter_data_deleted"}
CHECK_IN_ASKED = "utter_resources_check_in"
DELETE_ASKED = "utter_confirm_delete"
SAFETY_INTENTS = {"safety_crisis", "safety_check_in", "safety_ethics"}
STOP_INTENTS = {"leave", "goodbye"}
# Actions Rasa runs on its own after every message; they are not part of a reply.
NOT_PREDICTED = {"action_extract_slots", ACTION_LISTEN_NAME}


def replies() -> dict[str, list[str]]:
    return load_content("safety_flow.yml")["replies"]


@dataclass(frozen=True)
class Turn:
    """What this policy reads of the client's latest message and what came before it."""

    intent: str
    text: str | None  # None in Rasa's test stories, which carry an intent and no text
    hold: bool  # the bot is waiting to hear that the client is safe
    asked: str | None  # the bot's last reply before the message
    consented: bool

    @property
    def pressed(self) -> bool:
        """A button (its payload) rather than typed words."""
        return self.text is None or self.text.startswith("/")

    def clear_yes(self, question: str, buttons: tuple[str, ...]) -> bool:
        """The button that says yes, or typed words that leave no doubt (whatever intent
        the classifier gave them: "yes, delete it" may read as a request to delete)."""
        if self.pressed:
            return self.intent in buttons
        return clear_yes(self.text or "", question)

    def says_no(self) -> bool:
        return self.pressed or says_no(self.text or "")


def decide(turn: Turn) -> str | None:
    """The kind of reply (a key of content/safety_flow.yml's `replies`), or None when the
    rules decide. Pure, so every case can be tested without a model."""
    intent = turn.intent
    if intent == "safety_crisis":
        return "crisis"
    if intent == "safety_ethics":
        return "ethics_during_hold" if turn.hold else "ethics"
    if turn.hold:
        return _during_hold(turn)
    if intent == "safety_check_in":
        return "check_in"
    if intent == "not_safe":
        # Typed, outside the hold, with no finding ("I'm not safe to be honest with her"):
        # ask, do not assume.
        return "not_safe" if turn.pressed else "check_in"
    if turn.asked == CHECK_IN_ASKED:
        return _check_in_answer(turn)
    if turn.asked == DELETE_ASKED and intent not in STOP_INTENTS:
        return _delete_answer(turn)
    return None


def _delete_answer(turn: Turn) -> str | None:
    """Delete on a clear yes; a clear no (None) keeps it; anything else asks again."""
    if turn.clear_yes("delete", ("affirm",)):
        return "delete_now"
    if turn.intent == "deny" and turn.says_no():
        return None
    return "delete_ask"


def _during_hold(turn: Turn) -> str:
    intent = turn.intent
    if turn.asked == DELETE_ASKED:
        return _delete_answer(turn) or "delete_kept_during_hold"
    if intent == "delete_data":
        return "delete_ask"
    if intent in STOP_INTENTS:
        return "hold_stop"
    if turn.clear_yes("safe_now", ("confirm_safe", "affirm")):
        return "safe" if turn.consented else "safe_before_consent"
    if intent in ("not_safe", "deny") or (turn.text is not None and says_no(turn.text)):
        return "not_safe"
    return "hold"


def _check_in_answer(turn: Turn) -> str | None:
    if turn.intent in STOP_INTENTS or turn.intent == "delete_data":
        return None
    if turn.intent == "affirm":
        return "crisis"  # any yes: the safe side
    if turn.intent == "deny" and turn.says_no():
        return "check_in_no" if turn.consented else "check_in_no_before_consent"
    return "check_in_unclear"


def read_turn(tracker: DialogueStateTracker) -> tuple[Turn, list[str]] | None:
    """The latest message as a Turn, and the actions run since it (None before any)."""
    done: list[str] = []
    message: UserUttered | None = None
    asked: str | None = None
    hold: bool | None = None
    for event in reversed(tracker.events):
        if isinstance(event, Restarted | SessionStarted):
            break
        if isinstance(event, UserUttered):
            if message is not None:
                continue
            message = event
            continue
        if not isinstance(event, ActionExecuted) or not event.action_name \
                or event.action_name in NOT_PREDICTED:
            continue
        if message is None:
            done.append(event.action_name)
            continue
        asked = asked or event.action_name
        if event.action_name == ASK_SAFE or event.action_name in HOLD_CLOSED_BY:
            hold = event.action_name == ASK_SAFE
            break
    if message is None or not message.intent_name:
        return None
    turn = Turn(intent=message.intent_name, text=message.text, hold=bool(hold), asked=asked,
                consented=bool(tracker.get_slot("consented")))
    return turn, list(reversed(done))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT,
                          is_trainable=True)
class SafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}  # above RulePolicy's 6

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn: the flow is content/safety_flow.yml
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = self.next_action(tracker)
        probabilities = self._default_predictions(domain)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # "No user" predictions are the kind Rasa lets a form's own turn win with; this one
        # has the higher priority, so it wins over the form too.
        return self._prediction(probabilities, is_no_user_prediction=True)

    @staticmethod
    def next_action(tracker: DialogueStateTracker) -> str | None:
        read = read_turn(tracker)
        if read is None:
            return None
        turn, done = read
        kind = decide(turn)
        if kind is None:
            return None
        reply = replies()[kind]
        if done[:1] == [ACTION_DEACTIVATE_LOOP_NAME] or (not done and tracker.active_loop_name):
            reply = [ACTION_DEACTIVATE_LOOP_NAME, *reply]
        if done != reply[:len(done)]:
            return None  # another policy took this turn before (it began without a finding)
        return reply[len(done)] if len(done) < len(reply) else ACTION_LISTEN_NAME
