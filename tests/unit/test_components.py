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


@pytest.mark.parametrize("text, intent", [
    ("I don't want to die", "safety_crisis"), ("I'm dead tired", "safety_crisis"),
    ("my mom touched my hair", "safety_ethics"), ("I'm scared to bring it up", "not_safe"),
    ("I'm not safe to be honest with her", "not_safe"), ("everything feels grey", "safety_check_in"),
])
def test_diet_s_safety_intents_alone_are_no_alarm(text, intent):
    """A crisis needs a rule or the safety classifier: DIET's guess alone gives its next intent."""
    message = SafetyScreen().process([classified(text, intent, 0.99)])[0]
    assert message.get(INTENT)["name"] == "inform" and not message.get("safety")


def test_a_finding_records_its_layer_and_rule_and_drops_the_entities():
    message = classified("I want to die, keep it brief", "choose_tone", 0.99)
    message.set("entities", [{"entity": "tone", "value": "brief", "start": 22, "end": 27}])
    screened = SafetyScreen().process([message])[0]
    assert screened.get("safety")["layer"] == "rules" and screened.get("safety")["rule"]
    assert screened.get("entities") == []


@pytest.mark.parametrize("text, intent, expected", [
    ("unimportant", "ask_why", "inform"),
    ("I want him to hear me out before deciding what it means", "what_is_rupture", "inform"),
    ("why do you ask", "ask_why", "ask_why"),
    ("what's a rupture", "what_is_rupture", "what_is_rupture"),
    ("Can I bring something up?", "edit_draft", "inform"),
    ("he emailed me a worksheet and never asked about it", "out_of_scope", "inform"),
    ("the appointment got moved by text again", "out_of_scope", "inform"),
    ("can you book me a flight", "out_of_scope", "out_of_scope"),
    ("help me write an email to my boss", "out_of_scope", "out_of_scope"),
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


def test_a_check_in_answered_no_is_not_asked_again_for_the_same_words():
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    first = SafetyScreen().process([classified("I felt like a burden to her", "inform")])[0]
    assert first.get("safety")["level"] == "check_in"
    asked = UserUttered("I felt like a burden to her", first.get(INTENT),
                        parse_data={"intent": first.get(INTENT), "safety": first.get("safety")})
    answered = [asked, ActionExecuted("utter_safety_check_in"), ActionExecuted("utter_resources_check_in"),
                ActionExecuted("action_listen"), UserUttered("no", {"name": "deny"})]
    said_no = DialogueStateTracker.from_events("s" * 20, [*answered, ActionExecuted("utter_check_in_no")])
    said_yes = DialogueStateTracker.from_events("s" * 20, answered)

    def again(tracker):
        return SafetyScreen().process([classified("I felt like a burden to her", "inform")], tracker)[0]

    assert not again(said_no).get("safety") and again(said_no).get(INTENT)["name"] == "inform"
    assert again(said_yes).get("safety")["level"] == "check_in", "only a no is remembered"
    other = SafetyScreen().process([classified("what's even the point", "inform")], said_no)[0]
    assert other.get("safety")["level"] == "check_in", "other words are still asked about"


def test_the_model_is_trained_again_for_its_own_words_only(tmp_path, monkeypatch):
    """A change to normalization.yml or the safety classifier's settings trains again (as a
    clean build would); the widget's words and the draft templates never do (a 9-minute train
    for a button label)."""
    import shutil

    from bring_it_up import text

    content = tmp_path / "content"
    shutil.copytree(text.CONTENT, content)
    monkeypatch.setattr(text, "CONTENT", content)

    def prints() -> tuple[str, str]:
        return TextNormalizer.fingerprint_addon({}), SafetyScreen.fingerprint_addon({})

    before = prints()
    for name in ("widget.yml", "draft_templates.yml", "realisation.yml"):
        (content / name).write_text((content / name).read_text() + "\n# changed\n")
    assert prints() == before
    (content / "safety_semantic.yml").write_text((content / "safety_semantic.yml").read_text() + "\n# x\n")
    assert prints()[0] == before[0] and prints()[1] != before[1]
    (content / "normalization.yml").write_text((content / "normalization.yml").read_text() + "\n# x\n")
    assert prints()[0] != before[0]
