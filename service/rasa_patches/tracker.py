"""A conversation's applied events and past states are worked out from where they stopped,
and a tracker is copied from its state, not replayed.

Rasa asks `tracker.applied_events()` (the events left after reverts and a form's folded turns)
many times per prediction, and RulePolicy asks for the state before every action of the *whole*
conversation on every prediction: each time Rasa walked and replayed the conversation from its
first event (~10 % of the server's CPU, growing with the conversation). Both are kept with the
tracker and taken up where they stopped: new events go through Rasa's own `applied_events` loop
(from scratch when a new loop name appears, since Rasa looks for loop names in earlier events
too), and states are added for new actions only; when an earlier event stops applying (a form
folds its last turn), the replay is redone without recomputing the states before it. Callers
get their own copies.

Before every action Rasa copies the tracker (to drop a rejected action's events), and its `copy`
replays every event of the conversation into a new one (~5 % of the server's CPU). The copy now
takes the same events, slot values and replayed fields from the tracker itself (a tracker whose
history is cut to `max_event_history` is still replayed, as its state predates what it kept).
"""

from __future__ import annotations

import copy
import itertools
import operator
from collections.abc import Iterable
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import State
from rasa.shared.core.trackers import DialogueStateTracker, TrackerActiveLoop

from service.rasa_patches import Patch

rasa_applied_events = DialogueStateTracker.applied_events
rasa_past_states = DialogueStateTracker.past_states
rasa_copy = DialogueStateTracker.copy
_APPLIED = "_bring_it_up_applied_events"
_STATES = "_bring_it_up_past_states"


def _common_start(kept: list[Event], events: Iterable[Event]) -> int:
    """How many of `kept` are, object for object, the first of `events`."""
    same = list(map(operator.is_, kept, events))
    return same.index(False) if False in same else len(same)


class _Applied:
    """What `applied_events` made of a tracker's events: the events it has seen, the
    names of the loops among them, and the applied events."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self.seen = list(tracker.events)
        self.loops = {e.name for e in self.seen if isinstance(e, ActiveLoop) and e.name}
        self.applied = rasa_applied_events(tracker)

    def add(self, tracker: DialogueStateTracker, new: list[Event]) -> None:
        """Rasa's `applied_events` loop, taken up where it stopped. Valid while no new
        loop name appears: Rasa looks for every loop's name in all events, earlier ones too."""
        applied = self.applied
        for event in new:
            if isinstance(event, Restarted | SessionStarted):
                applied.clear()
            elif isinstance(event, ActionReverted):
                tracker._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                tracker._undo_till_previous(UserUttered, applied)
                tracker._undo_till_previous(ActionExecuted, applied)
            elif (isinstance(event, ActionExecuted) and event.action_name in self.loops
                  and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
                tracker._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
        self.seen += new

    def copy(self) -> _Applied:
        twin = object.__new__(_Applied)
        twin.seen, twin.loops, twin.applied = list(self.seen), set(self.loops), list(self.applied)
        return twin


def _applied_events(self: DialogueStateTracker) -> list[Event]:
    events = self.events
    kept: _Applied | None = self.__dict__.get(_APPLIED)
    # Rasa only ever appends events: the event where the kept ones ended is still there
    # (held here, so it cannot be another object at the same address) when none changed.
    if kept is None or len(kept.seen) > len(events) \
            or (kept.seen and events[len(kept.seen) - 1] is not kept.seen[-1]):
        kept = self.__dict__[_APPLIED] = _Applied(self)
    elif len(kept.seen) < len(events):
        new = list(itertools.islice(events, len(kept.seen), None))
        if any(isinstance(e, ActiveLoop) and e.name and e.name not in kept.loops for e in new):
            kept = self.__dict__[_APPLIED] = _Applied(self)
        else:
            kept.add(self, new)
    return list(kept.applied)


class _PastStates:
    """A replay of a tracker's applied events (as `generate_all_prior_trackers` does it)
    and the state before each action, for one domain and `omit_unset_slots`."""

    def __init__(self, tracker: DialogueStateTracker, domain: Domain, omit_unset_slots: bool) -> None:
        self.domain, self.omit_unset_slots = domain, omit_unset_slots
        self.replay = tracker.init_copy()
        self.events: list[Event] = []
        self.states: list[State] = []

    def state(self) -> State:
        return self.domain._clean_state(
            self.domain.get_active_state(self.replay, omit_unset_slots=self.omit_unset_slots))

    def add(self, events: Iterable[Event], with_states: bool = True) -> None:
        for event in events:
            if with_states and isinstance(event, ActionExecuted):
                self.states.append(self.state())
            self.replay.update(event)
            self.events.append(event)


def _past_states(self: DialogueStateTracker, domain: Domain, omit_unset_slots: bool = False,
                 ignore_rule_only_turns: bool = False,
                 rule_only_data: dict[str, Any] | None = None) -> list[State]:
    if ignore_rule_only_turns:  # the ML policies' view (none configured here): Rasa's own
        return rasa_past_states(self, domain, omit_unset_slots, ignore_rule_only_turns,
                                 rule_only_data)
    applied = self.applied_events()
    kept: _PastStates | None = self.__dict__.get(_STATES)
    if kept is None or kept.domain is not domain or kept.omit_unset_slots != omit_unset_slots:
        kept = self.__dict__[_STATES] = _PastStates(self, domain, omit_unset_slots)
    same = _common_start(kept.events, applied)
    if same < len(kept.events):  # an earlier event no longer applies (a form's turn folded)
        actions = sum(isinstance(e, ActionExecuted) for e in applied[:same])
        states = kept.states[:actions]
        kept = self.__dict__[_STATES] = _PastStates(self, domain, omit_unset_slots)
        kept.add(applied[:same], with_states=False)
        kept.states = states
    kept.add(applied[same:])
    # Callers may change the states they get (the featurizer edits the last one).
    return [{name: dict(sub) for name, sub in state.items()} for state in kept.states] + [kept.state()]


# What replaying the events sets on a tracker besides its events and slots (`_reset`).
_REPLAYED = ("_paused", "followup_action", "latest_action", "latest_message",
             "latest_bot_utterance", "active_loop")


def _copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's `copy` replays every event into a new tracker, before every action of every
    turn; the copy is taken from this tracker's state instead: the same events, slot values
    and replayed fields (`latest_action` and `active_loop` copied, as the replay makes new
    ones; the events themselves shared, as the replay shares them)."""
    if self._max_event_history:  # a cut history replays to another state than this one
        return rasa_copy(self)
    copied = self.init_copy()
    copied.events = copied._create_events(list(self.events))
    for name, slot in self.slots.items():
        mine = copied.slots[name]
        mine._value, mine._has_been_set = slot._value, slot._has_been_set
    for name in _REPLAYED:
        value = getattr(self, name)
        setattr(copied, name, copy.copy(value) if isinstance(value, dict | TrackerActiveLoop) else value)
    kept: _Applied | None = self.__dict__.get(_APPLIED)
    if kept is not None:
        copied.__dict__[_APPLIED] = kept.copy()
    return copied


def apply() -> None:
    DialogueStateTracker.applied_events = _applied_events  # type: ignore[method-assign]
    DialogueStateTracker.past_states = _past_states  # type: ignore[method-assign]
    DialogueStateTracker.copy = _copy  # type: ignore[method-assign]


PATCH = Patch(
    name="tracker", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.shared.core.trackers:DialogueStateTracker.applied_events": "764d5065ea99",
              "rasa.shared.core.trackers:DialogueStateTracker.past_states": "5463eefb5c69",
              "rasa.shared.core.trackers:DialogueStateTracker.copy": "dfa48dca9f35"},
    relies_on={"rasa.shared.core.trackers:DialogueStateTracker._reset": "190858eaf560",
              "rasa.shared.core.trackers:DialogueStateTracker.generate_all_prior_trackers": "a1f6954347b5"},
    written_for={"rasa": "3.6.21"},
    proven_by="tests/unit/test_rasa_patches.py::test_past_states_are_rasa_s_own_after_every_change",
    apply=apply)
