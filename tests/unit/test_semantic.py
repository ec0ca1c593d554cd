"""The semantic safety layer's pieces: its training data, the model it saves, the thresholds."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from bring_it_up import semantic
from bring_it_up.screening import sentences_of
from scripts.safety_eval import HELD_OUT

ROOT = Path(__file__).resolve().parent.parent.parent


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'")))


def test_no_held_out_message_is_trained_on():
    """The held-out sets (short messages, and long ones with the risk inside) measure how the
    screen does on words it has never seen. The only messages they share with the training
    data are the bot's short everyday answers ("yes", "skip", "start over"), which any writer
    writes the same, from data/nlu/."""
    sets = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in HELD_OUT]
    held = {level: [t for data in sets for t in data[level]] for level in sets[0]}
    held_out = {words(t) for texts in held.values() for t in texts}
    written = {words(t) for path in semantic.TRAINING_DATA.glob("*.yml")
               for t in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]}
    assert not held_out & written
    texts, _ = semantic.training_examples()
    shared = held_out & {words(t) for t in texts}
    benign = {words(t) for t in held["none"]}
    assert shared <= benign and all(len(t.split()) <= 6 for t in shared), shared


def test_the_training_data_has_every_level_and_no_safety_intent_as_benign():
    texts, labels = semantic.training_examples()
    counts = {label: labels.count(label) for label in semantic.LABELS}
    assert counts["crisis"] >= 1500 and counts["check_in"] >= 800 and counts["ethics"] >= 800
    assert counts["none"] >= 2000 and len(texts) >= 2000
    benign = {t for t, label in zip(texts, labels, strict=True) if label == "none"}
    assert "i want to kill myself" not in benign and "i'm not safe" not in {t.lower() for t in benign}
    assert not [t for t in texts if "](" in t], "entity annotations are taken out"


@pytest.fixture(scope="module")
def small_model():
    texts = ["i want to die tonight", "i'm going to take all my pills", "she looked at the clock",
             "the fees are killing me", "my therapist kissed me", "he asked me out on a date",
             "what's even the point of anything", "nobody would notice if i was gone",
             "i'm scared to bring it up", "make it brief"]
    labels = ["crisis", "crisis", "none", "none", "ethics", "ethics", "check_in", "check_in",
              "none", "none"]
    return semantic.fit(texts, labels)


def test_a_saved_model_loads_with_the_same_probabilities(small_model, tmp_path):
    small_model.save(tmp_path)
    loaded = semantic.SafetyModel.load(tmp_path)
    sentences = ["i think i want to die", "she was late again", "he touched my leg"]
    encoded = semantic.load_encoder().embed(sentences)
    assert np.allclose(small_model.probabilities(sentences, encoded),
                       loaded.probabilities(sentences, encoded))
    assert loaded.nearest(encoded[0])[0] == small_model.nearest(encoded[0])[0]
    assert not list(tmp_path.glob("*.pkl")) and not list(tmp_path.glob("*.skops"))


def test_the_thresholds_decide_the_level():
    def level(crisis: float, check_in: float, ethics: float) -> str | None:
        return semantic.level_of(np.array([crisis, check_in, ethics, 1 - crisis - check_in - ethics]))

    thresholds = semantic.load_content("safety_semantic.yml")["thresholds"]
    assert level(thresholds["crisis"], 0, 0) == "crisis"
    assert level(thresholds["crisis"] - 0.01, 0.2, 0) == "check_in", "likely risk is asked about"
    assert level(0, 0, thresholds["ethics"]) == "ethics"
    assert level(0.05, 0.05, 0.05) is None


def test_every_sentence_is_read_on_its_own_and_never_the_whole_message():
    parts = sentences_of("She laughed at me. I have the pills. Tonight.")
    assert parts == ["she laughed at me.", "i have the pills.", "tonight."]
    assert sentences_of("I don't want to die. She laughed.", calm=True) == ["she laughed."]
