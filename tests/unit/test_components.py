"""The custom NLU components on messages as the classifier would leave them."""

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.answer_guard import AnswerGuard
from components.normalizer import TextNormalizer
from components.safety_screen import SafetyScreen


def classified(text, intent, confidence=0.95, second="inform"):
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence},
                                     {"name": second, "confidence": 1 - confidence}])
    return message


def screened(message):
    return SafetyScreen().process([message])[0].get(INTENT)["name"]


def test_a_rule_match_cannot_be_out_voted():
    assert screened(classified("i want to die", "inform", 0.99)) == "safety_crisis"


def test_the_classifier_alone_asks_rather_than_assumes_a_crisis():
    message = classified("everything feels pointless and grey", "safety_crisis", 0.97)
    assert screened(message) == "safety_check_in"


@pytest.mark.parametrize("text", ["I don't want to die", "I'm dead tired", "my mom touched my hair"])
def test_the_classifier_cannot_alarm_on_negations_idioms_or_other_people(text):
    intent = "safety_ethics" if "touched" in text else "safety_crisis"
    assert screened(classified(text, intent, 0.99)) == "inform"


def test_an_unsure_classifier_is_not_an_alarm():
    assert screened(classified("he was late again", "safety_crisis", 0.48, "inform")) == "inform"


@pytest.mark.parametrize("text, intent, expected", [
    ("unimportant", "ask_why", "inform"),
    ("I want him to hear me out before deciding what it means", "what_is_rupture", "inform"),
    ("why do you ask", "ask_why", "ask_why"),
    ("what's a rupture", "what_is_rupture", "what_is_rupture"),
    ("Can I bring something up?", "edit_draft", "inform"),
])
def test_answers_are_not_mistaken_for_control_phrases(text, intent, expected):
    message = AnswerGuard().process([classified(text, intent)])[0]
    assert message.get(INTENT)["name"] == expected


def test_normalizer_reads_text_speak_but_keeps_button_payloads():
    messages = TextNormalizer()._normalize([Message(data={TEXT: "I’m gonna kms"}),
                                            Message(data={TEXT: "/consent_accept"})])
    assert [m.get(TEXT) for m in messages] == ["i'm going to kill myself", "/consent_accept"]


def test_an_unsure_control_intent_is_an_answer():
    message = AnswerGuard().process([classified("Can I bring something up?", "not_safe", 0.17)])[0]
    assert message.get(INTENT)["name"] == "inform"


def test_a_demoted_safety_guess_falls_back_to_an_answer_not_a_weak_control_intent():
    message = classified("like I'm not a priority", "safety_check_in", 0.72, second="dont_know")
    assert screened(message) == "inform"
