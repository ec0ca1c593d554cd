"""Where Rasa 3.6 spends time for nothing, fixed without changing what it does.

Each change was found by profiling a running server (py-spy) and is measured by
`make bench`; benchmarks/RESULTS.md records what each one changed.

- **Action responses are checked against the same schema by a compiled validator.** Rasa
  calls `jsonschema.validate(result, schema)` on every answer from the action server, which
  checks the schema itself and builds a new validator each time: ~21 ms per custom action
  here, about a quarter of the Rasa server's CPU. Even a validator built once took ~1 ms a
  reply (the events schema is a `oneOf` of ~20 event types, and jsonschema builds an error
  for every type an event is not): ~10% of the server's CPU. jsonschema-rs checks the same
  schema (same draft, 2020-12) in microseconds; a reply it rejects raises jsonschema's
  `ValidationError`, as Rasa's own check does (tests/unit/test_speedups.py compares the two
  validators on real and broken replies).
- **Event types are looked up in a table.** Every stored event read back (the whole
  conversation, on every message) asks `Event.resolve_by_type`, which walks every
  subclass of `Event` to find the one with that name: ~8% of the server's CPU. The
  answer for a name never changes, so it is remembered.
- **The safety screen finishes the NLU pipeline's parse instead of parsing again.**
  `SpacyNLP` parses each message without the dependency parser; the screen then parsed the
  same text again with it (~10% of the server's CPU). `SpacyNLP`'s model now shares its
  vocabulary with the screen's, and when the screen reads the very text `SpacyNLP` parsed
  (no contraction to expand), it runs only the parser and the two steps after it on a copy
  (~0.4 ms instead of ~1.8 ms). The result is the same parse (tests/unit/test_speedups.py
  compares every annotation on all NLU examples and safety phrasings, and the findings).
  spaCy's entity recognizer is not run for either: nothing there reads entities, it has its
  own network (~40% of a parse), and tokens, lemmas, tags and vectors are the same without
  it (same test file).
- **RulePolicy checks only the rules that can apply.** For every prediction it checked
  each of ~490 rule keys against each state of the *whole* conversation. Now the rules are
  grouped by the action their last state needs, so only the group of the conversation's
  last action (and rules naming none) is checked; it stops looking back at the longest
  rule left, since every rule not ruled out by then applies; and what each rule's states
  require is worked out once (reversed, JSON lists made tuples, empty values dropped)
  instead of on every check. The keys it returns are the same
  (tests/unit/test_speedups.py compares them with Rasa's on random rules).
- **A conversation's applied events and past states are worked out from where they
  stopped.** Rasa asks `tracker.applied_events()` (the events left after reverts and a
  form's folded turns) many times per prediction, and RulePolicy asks for the state
  before every action of the *whole* conversation on every prediction: each time Rasa
  walked and replayed the conversation from its first event (~10 % of the server's CPU,
  growing with the conversation). Both are kept with the tracker and taken up where they
  stopped: new events go through Rasa's own `applied_events` loop (from scratch when a new
  loop name appears, since Rasa looks for loop names in earlier events too), and states
  are added for new actions only; when an earlier event stops applying (a form folds its
  last turn), the replay is redone without recomputing the states before it. Callers get
  their own copies. tests/unit/test_speedups.py compares both with Rasa's after every
  event of a conversation with forms, reverts, rejections, new sessions and a restart.
- **A tracker is copied from its state, not replayed.** Before every action Rasa copies
  the tracker (to drop a rejected action's events), and its `copy` replays every event of
  the conversation into a new one (~5 % of the server's CPU). The copy now takes the same
  events, slot values and replayed fields from the tracker itself (a tracker whose history
  is cut to `max_event_history` is still replayed, as its state predates what it kept);
  tests/unit/test_speedups.py compares it with Rasa's copy after every event, and checks
  that changing the copy leaves the original alone.
- **Rasa's graphs run without Dask.** Every message runs the NLU graph and every
  prediction the policy graph (three or four a turn); for each run Rasa worked out the
  graph's needed part again and handed it to Dask's scheduler, whose bookkeeping cost more
  than some of the nodes (~8 % of the server's CPU with the parse and predictions). The
  needed part is built once per set of targets and its nodes called parents first, each
  once, with the same inputs and outputs (tests/conversations/test_graph.py compares both
  runners on the trained model's parses and predictions).
- **DIET's TensorFlow graph is called directly.** Rasa calls DIET's compiled prediction
  step (a `tf.function` with a fixed input signature) once a message, and TensorFlow then
  checks and converts the inputs against the signature in Python before running the graph:
  ~0.8 ms of CPU a call, more than half the graph's own run. The graph for that signature
  is taken once (`get_concrete_function`) and called with the batch's arrays as tensors
  when they have the signature's types and shapes (else Rasa's call is used, as before);
  the outputs are the same (tests/conversations/test_graph.py compares both on real
  messages).
- **Sparse features are joined without scipy's general `hstack`.** Each featurizer's
  sparse features of a message are joined side by side (Rasa's `Features.combine_with_
  features`, four times a message here) with `scipy.sparse.hstack`, whose general block
  machinery took ~150 µs a join; two COO matrices are joined by concatenating their
  entries (~30 µs). The matrix is the same, entry for entry (tests/unit/test_speedups.py).
- **The conversation sent to the action server is written with ujson.** Rasa sends the
  whole tracker as JSON on every custom action call, and the standard library's encoder
  was ~4% of the server's CPU; ujson (already one of Rasa's dependencies) writes the same
  JSON several times faster.
- **The garbage collector leaves the loaded model alone.** Python's full collections walk
  every object the process holds: with the model, spaCy and TensorFlow loaded, each took
  0.3-0.8 s, every 8-20 s under load, and the whole server stood still meanwhile
  (measured with `gc.callbacks`). Once the server has loaded everything,
  `settle_after_loading` moves what exists to the collector's permanent generation
  (`gc.freeze()`), so later collections only walk what came after.
- **Calls to the action server reuse their connections.** Rasa opened a new HTTP session,
  and so a new TCP connection, for every custom action call, and closed it after the reply
  (each side set up and tore down a connection, and the turn waited one more time for the
  connect). One session per endpoint and event loop is kept; idle connections are dropped
  after `KEEPALIVE_SECONDS`, before the action server would close them. A failed call
  fails as before (service/trouble.py tells the client).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import gc
import itertools
import operator
from collections.abc import Iterable
from typing import Any

import aiohttp
import jsonschema_rs
import numpy as np
import scipy.sparse
import tensorflow as tf
import ujson
from jsonschema import ValidationError
from keras.utils import tf_utils
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
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
from rasa.shared.nlu.constants import ACTION_NAME
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.models import RasaModel

from actions.language import SPACY_MODEL, load_nlp

ACTION_RESPONSE_SCHEMA = RemoteAction.action_response_format_spec()
ACTION_RESPONSE_VALIDATOR = jsonschema_rs.Draft202012Validator(ACTION_RESPONSE_SCHEMA)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        ACTION_RESPONSE_VALIDATOR.validate(result)
    except jsonschema_rs.ValidationError as error:
        # Where it failed, not the reply itself: the reply can hold what the client wrote.
        where = "/".join(map(str, error.instance_path)) or "the top level"
        rule = "/".join(map(str, error.schema_path))
        raise ValidationError(f"Failed to validate Action server response from API at {where} "
                              f"(schema rule {rule}), make sure your response from the Action "
                              "endpoint is valid.", path=list(error.instance_path)) from None
    return True


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


_rasa_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_types.get(type_name)
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and found.type_name == type_name:
            _event_types[type_name] = found
    return found


Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]


_rasa_load_spacy = SpacyNLP.load_model


def _load_spacy_sharing_vocab(spacy_model_name: str) -> SpacyModel:
    """Rasa's own load (no dependency parser), without entities, and sharing its vocabulary
    with the safety screen's model so that the screen can finish this parse (see
    actions.safety.assess) instead of parsing the message again."""
    if spacy_model_name != SPACY_MODEL:
        return _rasa_load_spacy(spacy_model_name)
    import spacy

    language = spacy.load(spacy_model_name, vocab=load_nlp().vocab, disable=["parser", "ner"])
    return SpacyModel(model=language, model_name=spacy_model_name)


SpacyNLP.load_model = staticmethod(_load_spacy_sharing_vocab)  # type: ignore[method-assign]


@functools.cache
def _reversed_rule_states(rule_key: str) -> tuple[State, ...]:
    return tuple(reversed(RulePolicy._rule_key_to_state(rule_key)))


@functools.cache
def _rule_checks(rule_key: str) -> tuple[tuple[bool, tuple[tuple[str, str, Any], ...]], ...]:
    """What each of a rule's states requires, last state first: whether it names a
    previous action, and the (state type, key, value) pairs it asks for (a value of
    SHOULD_NOT_BE_SET: must be unset). Values that ask for nothing are left out, and
    lists (JSON's tuples) are tuples again, once instead of on every check."""
    return tuple(
        (bool(state.get(PREVIOUS_ACTION)),
         tuple((state_type, key, tuple(value) if isinstance(value, list) else value)
               for state_type, sub_state in state.items() for key, value in sub_state.items()
               if value))
        for state in _reversed_rule_states(rule_key))


def _is_rule_applicable(self: RulePolicy, rule_key: str, turn_index: int,
                        conversation_state: State) -> bool:
    """Rasa's check (`_is_rule_applicable` and `_does_rule_match_state`), on the rule's
    requirements worked out once."""
    checks = _rule_checks(rule_key)
    if turn_index >= len(checks):
        return True
    names_action, wanted = checks[turn_index]
    has_action = bool(conversation_state.get(PREVIOUS_ACTION))
    if not names_action and not has_action:
        return True  # as Rasa's check: nothing more is compared
    if names_action != has_action:
        return False
    for state_type, key, value in wanted:
        found = conversation_state.get(state_type, {}).get(key)
        if value == SHOULD_NOT_BE_SET:
            if found and found != SHOULD_NOT_BE_SET:
                return False
        elif found != value:
            return False
    return True


def _last_action(state: State) -> Any:
    return state.get(PREVIOUS_ACTION, {}).get(ACTION_NAME)


def _keys_by_last_action(lookup: dict[str, str]) -> dict[Any, set[str]]:
    """The rule keys grouped by the action their last state requires (None: no action
    named, or one that must not be set). Kept with the lookup, which never changes."""
    found = _groups.get(id(lookup))
    if found is None or found[0] is not lookup:
        groups: dict[Any, set[str]] = {}
        for key in lookup:
            rule_states = _reversed_rule_states(key)
            action = _last_action(rule_states[0]) if rule_states else None
            groups.setdefault(None if action == SHOULD_NOT_BE_SET else action, set()).add(key)
        found = _groups[id(lookup)] = (lookup, groups)
    return found[1]


_groups: dict[int, tuple[dict[str, str], dict[Any, set[str]]]] = {}


def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]
                       ) -> set[str]:
    if not states:
        return set(lookup)
    groups = _keys_by_last_action(lookup)
    # A rule whose last state names another action than the conversation's last one
    # fails Rasa's check at once; only the others are checked.
    current = _last_action(states[-1])
    possible_keys = groups.get(None, set()) | (groups.get(current, set()) if current else set())
    for turn_index, state in enumerate(reversed(states)):
        reach = max((len(_reversed_rule_states(key)) for key in possible_keys), default=0)
        if turn_index >= reach:
            break  # every key left applies from here on (Rasa's check returns True)
        possible_keys = {key for key in possible_keys
                         if _is_rule_applicable(self, key, turn_index, state)}
    return possible_keys


_rasa_is_rule_applicable = RulePolicy._is_rule_applicable
_rasa_get_possible_keys = RulePolicy._get_possible_keys
RulePolicy._is_rule_applicable = _is_rule_applicable  # type: ignore[method-assign]
RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]


_rasa_applied_events = DialogueStateTracker.applied_events
_rasa_past_states = DialogueStateTracker.past_states
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
        self.applied = _rasa_applied_events(tracker)

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
        return _rasa_past_states(self, domain, omit_unset_slots, ignore_rule_only_turns,
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


DialogueStateTracker.applied_events = _applied_events  # type: ignore[method-assign]
DialogueStateTracker.past_states = _past_states  # type: ignore[method-assign]

_rasa_copy = DialogueStateTracker.copy
# What replaying the events sets on a tracker besides its events and slots (`_reset`).
_REPLAYED = ("_paused", "followup_action", "latest_action", "latest_message",
             "latest_bot_utterance", "active_loop")


def _copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's `copy` replays every event into a new tracker, before every action of every
    turn; the copy is taken from this tracker's state instead: the same events, slot values
    and replayed fields (`latest_action` and `active_loop` copied, as the replay makes new
    ones; the events themselves shared, as the replay shares them)."""
    if self._max_event_history:  # a cut history replays to another state than this one
        return _rasa_copy(self)
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


DialogueStateTracker.copy = _copy  # type: ignore[method-assign]


_GRAPHS = "_bring_it_up_graphs"


def _run_graph(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
               targets: list[str] | None = None) -> dict[str, Any]:
    """Rasa's `DaskGraphRunner.run` without Dask: the same graph (built once per set of
    targets instead of on every run), each node called once with its parents' outputs, in
    an order where every parent runs first."""
    run_targets = targets if targets else self._graph_schema.target_names
    built = self.__dict__.setdefault(_GRAPHS, {})
    key = tuple(run_targets)
    if key not in built:
        built[key] = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
    graph = dict(built[key])
    if inputs:
        self._add_inputs_to_graph(inputs, graph)
    done: dict[str, Any] = {}

    def result(name: str) -> Any:
        if name not in done:
            task = graph[name]
            # an input is a (name, value) pair, as Dask hands on a tuple that is no task
            done[name] = task[0](*(result(parent) if parent in graph else parent
                                   for parent in task[1:])) if callable(task[0]) else task
        return done[name]

    try:
        return dict(result(target) for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


_rasa_run_graph = DaskGraphRunner.run
DaskGraphRunner.run = _run_graph  # type: ignore[method-assign]


_rasa_tf_predict = RasaModel._rasa_predict
_concrete_graphs: dict[int, tuple[Any, Any, list[tuple[np.dtype, int, int | None]]]] = {}


def _signature(step: Any) -> tuple[Any, list[tuple[np.dtype, int, int | None]]]:
    """The graph behind a `tf.function` with an input signature, and what each input must
    be: its dtype, rank and (for a rank above 1) its last dimension."""
    found = _concrete_graphs.get(id(step))
    if found is None or found[0] is not step:
        graph = step.get_concrete_function()
        specs = tf.nest.flatten(graph.structured_input_signature[0])
        needs = [(spec.dtype.as_numpy_dtype, spec.shape.rank,
                  spec.shape[-1] if spec.shape.rank > 1 else None) for spec in specs]
        found = _concrete_graphs[id(step)] = (step, graph, needs)
    return found[1], found[2]


def _fits(batch_in: Any, needs: list[tuple[np.dtype, int, int | None]]) -> bool:
    return len(batch_in) == len(needs) and all(
        isinstance(array, np.ndarray) and array.dtype == dtype and array.ndim == rank
        and (last is None or array.shape[-1] == last)
        for array, (dtype, rank, last) in zip(batch_in, needs, strict=True))


def _rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
    """Rasa's prediction with the compiled graph called directly once it exists."""
    step = self._tf_predict_step
    if (step is None or self._run_eagerly or self._training is not False
            or not self.prepared_for_prediction):
        return _rasa_tf_predict(self, batch_in)  # the first call compiles the graph
    graph, needs = _signature(step)
    if not _fits(batch_in, needs):
        return _rasa_tf_predict(self, batch_in)
    outputs = graph._call_flat([tf.constant(array) for array in batch_in], graph.captured_inputs)
    outputs = tf_utils.sync_to_numpy_or_python_type(outputs)
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


RasaModel._rasa_predict = _rasa_predict  # type: ignore[method-assign]


_rasa_combine_sparse_features = Features._combine_sparse_features


def _combine_sparse_features(self: Features, additional_features: Features) -> None:
    """Rasa's join of two sparse feature matrices side by side, for COO matrices (what the
    featurizers give) by concatenating their entries, as `scipy.sparse.hstack` does."""
    left, right = self.features, additional_features.features
    if not (isinstance(left, scipy.sparse.coo_matrix) and isinstance(right, scipy.sparse.coo_matrix)
            and left.shape[0] == right.shape[0]):
        return _rasa_combine_sparse_features(self, additional_features)
    self.features = scipy.sparse.coo_matrix(
        (np.concatenate([left.data, right.data]),
         (np.concatenate([left.row, right.row]), np.concatenate([left.col, right.col + left.shape[1]]))),
        shape=(left.shape[0], left.shape[1] + right.shape[1]))
    self._cached_fingerprint = None


Features._combine_sparse_features = _combine_sparse_features  # type: ignore[method-assign]


class _KeptSession:
    """`async with` hands out the endpoint's long-lived session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_: Any) -> None:
        return None


# Below the action server's keep-alive (Sanic's default, 5 s): a connection is never reused
# just as the server closes it.
KEEPALIVE_SECONDS = 2
_KEPT = "_bring_it_up_session"


def _session(self: EndpointConfig) -> _KeptSession:
    """Rasa's session for calls to an endpoint, kept for the next call (one per event
    loop: each Sanic worker has its own), with ujson as the JSON writer."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get(_KEPT)
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        session = aiohttp.ClientSession(
            headers=self.headers, auth=auth, json_serialize=ujson.dumps,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))
        kept = (loop, session)
        self.__dict__[_KEPT] = kept
        _kept_sessions.append(session)
    return _KeptSession(kept[1])


_kept_sessions: list[aiohttp.ClientSession] = []


async def close_kept_sessions(*_: Any) -> None:
    """A Sanic `after_server_stop` listener: close the kept sessions (aiohttp would
    otherwise complain about unclosed sessions as the process exits)."""
    while _kept_sessions:
        await _kept_sessions.pop().close()


EndpointConfig.session = _session  # type: ignore[method-assign]


async def settle_after_loading(*_: Any) -> None:
    """A Sanic `after_server_start` listener: everything loaded so far (the model, spaCy,
    TensorFlow, Rasa) stays for the life of the process, so the garbage collector need not
    walk it again on every full collection."""
    gc.collect()
    gc.freeze()
