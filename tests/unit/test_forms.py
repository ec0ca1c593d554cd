"""Form validation: answers in, slots and the bot's responses out."""

import pytest

from actions.forms import ValidatePreparationForm
from tests.conftest import make_tracker

FORM = ValidatePreparationForm()


def validate(dispatcher, domain, slot, text, intent="inform", slots=None):
    tracker = make_tracker(slots or {}, text=text, intent=intent, requested=slot)
    return getattr(FORM, f"validate_{slot}")(text, dispatcher, tracker, domain)


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def test_a_long_first_answer_fills_later_questions(dispatcher, domain):
    result = validate(dispatcher, domain, "what_happened",
                      "She looked at her phone while I talked about my divorce. I felt small. "
                      "Since then I've been holding back, and I'm scared she'll think I'm needy.")
    assert result["what_happened"].startswith("She looked at her phone")
    assert "small" in result["feeling"]
    assert "holding back" in result["impact"]
    assert "needy" in result["fear"]
    assert responses(dispatcher) == ["utter_normalise_fear_liked"]


def test_an_answer_to_a_later_question_is_kept_and_this_one_asked_again(dispatcher, domain):
    result = validate(dispatcher, domain, "impact", "I'm scared she'll think I'm dramatic",
                      slots={"what_happened": "x", "feeling": "hurt", "feeling_ok": "yes"})
    assert result["impact"] is None and "dramatic" in result["fear"]


@pytest.mark.parametrize("text", ["ok", "asdf", "   "])
def test_unusable_answers_get_a_hint_then_an_offer_to_skip(dispatcher, domain, text):
    first = validate(dispatcher, domain, "what_happened", text)
    assert first["what_happened"] is None and first["offer_skip"] is False
    second = validate(dispatcher, domain, "what_happened", text, slots={"unusable_count": 1.0})
    assert second["offer_skip"] is True
    assert responses(dispatcher) == ["utter_hint", "utter_why"]


@pytest.mark.parametrize("text", ["no", "Nope.", "nah", "no!"])
def test_a_bare_no_is_an_answer_where_no_is_one(dispatcher, domain, text):
    """"Has it changed anything?" "No." is an answer, not a reason to ask again; "no" to what
    happened is not."""
    slots = {"what_happened": "x", "feeling": "hurt", "feeling_ok": "yes"}
    result = validate(dispatcher, domain, "impact", text, intent="deny", slots=slots)
    assert result["impact"] == "Nothing much has changed" and "utter_hint" not in responses(dispatcher)
    assert validate(dispatcher, domain, "what_happened", text, intent="deny")["what_happened"] is None


def test_feeling_reflection_uses_the_clients_words(dispatcher, domain):
    result = validate(dispatcher, domain, "feeling", "really hurt and kind of dismissed")
    assert result["feeling_summary"] == "hurt and dismissed"


@pytest.mark.parametrize("text, intent, expected", [
    ("yes", "affirm", {"feeling_ok": "yes"}),
    ("no", "deny", {"feeling_ok": None, "feeling": None, "feeling_retry": True}),
    ("no, more like angry", "deny", {"feeling_ok": "yes", "feeling": "angry"}),
    ("more like lonely", "inform", {"feeling_ok": "yes", "feeling": "more like lonely"}),
    # a grudging "ok fine." before a better word is not a yes to the old one
    ("ok fine. i felt like i didnt matter", "affirm",
     {"feeling_ok": "yes", "feeling": "I felt like I didn't matter",
      "feeling_summary": "like you didn't matter"}),
    ("yes, it made me feel small", "affirm", {"feeling_ok": "yes", "feeling": "it made me feel small"}),
    ("yes, like that", "affirm", {"feeling_ok": "yes"}),
])
def test_checking_the_feeling(dispatcher, domain, text, intent, expected):
    result = validate(dispatcher, domain, "feeling_ok", text, intent=intent,
                      slots={"feeling": "hurt"})
    for key, value in expected.items():
        assert result[key] == value


@pytest.mark.parametrize("text, expected", [
    ("yes, I always worry people will leave", "utter_familiar_yes"),
    ("not really", "utter_familiar_no"),
])
def test_familiar_reflection_is_optional_and_gentle(dispatcher, domain, text, expected):
    validate(dispatcher, domain, "familiar", text)
    assert responses(dispatcher) == [expected]


def test_identity_answer_that_names_it_is_a_yes_with_detail(dispatcher, domain):
    result = validate(dispatcher, domain, "identity_involved", "it was about my culture")
    assert result == {"identity_involved": "yes", "identity_detail": "it was about my culture",
                      "unusable_count": 0.0, "offer_skip": False}


@pytest.mark.parametrize("text, tone", [("gentle", "gentle"), ("make it blunt", "direct"),
                                        ("short please", "brief")])
def test_tone_from_words(dispatcher, domain, text, tone):
    assert validate(dispatcher, domain, "tone", text)["tone"] == tone


def test_the_first_answer_names_the_kind_of_rupture(dispatcher, domain):
    result = validate(dispatcher, domain, "what_happened", "he misgendered me in session")
    assert result["rupture_kind"] == "identity" and result["identity_involved"] == "yes"


def test_the_third_unusable_answer_sets_the_question_aside(dispatcher, domain):
    result = validate(dispatcher, domain, "feeling", "ok", slots={"unusable_count": 2.0})
    assert result["feeling"] == "" and result["feeling_ok"] == "yes"
    assert result["unusable_count"] == 0.0 and result["offer_skip"] is False
    assert responses(dispatcher) == ["utter_moving_on"]


def test_an_event_given_as_the_feeling_after_skipping_what_happened_goes_there(dispatcher, domain):
    result = validate(dispatcher, domain, "feeling", "ok um. she yawned while i was crying",
                      slots={"what_happened": ""})
    assert result["feeling"] is None and "yawned" in result["what_happened"]


def test_a_feeling_is_still_a_feeling_after_skipping_what_happened(dispatcher, domain):
    result = validate(dispatcher, domain, "feeling", "I felt invisible", slots={"what_happened": ""})
    assert result["feeling"] == "I felt invisible" and "what_happened" not in result


def test_a_worry_given_as_the_kind_of_rupture_is_kept_as_the_worry(dispatcher, domain):
    result = validate(dispatcher, domain, "rupture_kind", "i guess im scared she'll get defensive")
    assert result["rupture_kind"] == "other" and "defensive" in result["fear"]
    assert responses(dispatcher) == ["utter_normalise_fear_hurt"]


def test_a_hope_given_as_the_identity_answer_is_not_taken_as_identity(dispatcher, domain):
    result = validate(dispatcher, domain, "identity_involved",
                      "i want her to say sorry and not do it again")
    assert result["identity_involved"] is None and "say sorry" in result["hope"]
    assert "identity_detail" not in result


@pytest.mark.parametrize("text, response", [
    ("yes, like with my dad", "utter_familiar_yes"),
    ("it reminds me of how my mom was", "utter_familiar_yes"),
    ("that she'll think I'm a baby", "utter_familiar_other"),
])
def test_familiar_only_reflects_old_patterns_when_the_client_names_them(dispatcher, domain, text,
                                                                         response):
    validate(dispatcher, domain, "familiar", text)
    assert responses(dispatcher) == [response]


def test_answers_that_only_fit_other_questions_count_toward_setting_this_one_aside(dispatcher,
                                                                                   domain):
    result = validate(dispatcher, domain, "identity_detail", "I want her to take me seriously",
                      slots={"identity_involved": "yes", "unusable_count": 2.0})
    assert result["identity_detail"] == "" and "seriously" in result["hope"]


@pytest.mark.parametrize("text", ["she said i was being dramatic when i cried", "um she rolled her eyes",
                                  "Dr. Patel checked her phone"])
def test_more_of_what_happened_given_as_the_feeling_is_added_there(dispatcher, domain, text):
    result = validate(dispatcher, domain, "feeling", text,
                      slots={"what_happened": "She looked at the clock while I talked"})
    assert result["feeling"] is None
    assert result["what_happened"].startswith("She looked at the clock while I talked. ")
    assert text.split()[-1] in result["what_happened"]
    assert responses(dispatcher) == ["utter_added_to_what_happened"]


@pytest.mark.parametrize("text", ["like she wasn't listening", "I felt like she didn't care",
                                  "that she doesn't get me", "nobody listens to me", "she hurt me",
                                  "honestly like she was judging me"])
def test_how_it_felt_is_the_feeling_even_with_someone_else_in_it(dispatcher, domain, text):
    result = validate(dispatcher, domain, "feeling", text,
                      slots={"what_happened": "She looked at the clock while I talked"})
    assert result["feeling"] == text and "what_happened" not in result


@pytest.mark.parametrize("text, feeling", [
    ("she laughed when i said i was scared of flying", None),
    ("i told her i was lonely and she checked her phone", None),
    ("she laughed at me and i felt stupid", "stupid"),
    ("she rolled her eyes and I was so embarrassed", "embarrassed"),
    ("I was so embarrassed when she laughed", "embarrassed"),
    ("i felt stupid after my therapist said i was overreacting", "stupid"),
])
def test_only_how_the_client_felt_is_taken_from_what_happened(dispatcher, domain, text, feeling):
    """What the client was talking about ("scared of flying") is not how it felt."""
    result = validate(dispatcher, domain, "what_happened", text)
    assert result["what_happened"] == text and result.get("feeling") == feeling
    assert responses(dispatcher) == []  # no hint: it was an answer


@pytest.mark.parametrize("text, kept", [("acted", False), ("said", False), ("interrupted", False),
                                        ("rejected", True), ("dropped", True), ("rejection", True),
                                        ("crying", True), ("she'll be mad", True)])
def test_a_bare_past_verb_is_no_worry_and_the_worry_is_asked_again(dispatcher, domain, text, kept):
    """Found talking to it: "acted", typed to the worry question, became "I'm a little nervous
    saying this, because I acted."; a one-word worry ("rejected", "rejection") is kept."""
    result = validate(dispatcher, domain, "fear", text)
    assert bool(result.get("fear")) == kept, result
    if not kept:
        assert "utter_hint" in responses(dispatcher)
