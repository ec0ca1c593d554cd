"""The shape of the preparation, and the clinic file's validation."""

from pathlib import Path

import pytest

from bring_it_up import clinic, flow
from bring_it_up.text import clean, normalize


def test_follow_up_questions_only_when_they_make_sense():
    assert "identity_detail" not in flow.required({"identity_involved": "no"})
    assert "identity_detail" in flow.required({"identity_involved": "yes"})
    assert "feeling_ok" not in flow.required({"feeling": ""})
    assert "fear_in_draft" not in flow.required({"fear": ""})
    # "Does this worry feel familiar?" needs a worry: a skipped one skips it too
    assert "familiar" not in flow.required({"fear": ""})
    assert "familiar" in flow.required({"fear": "they'll like me less"})
    assert flow.skip("fear") == {"fear": "", "fear_in_draft": "no", "familiar": ""}


def test_going_back_from_the_feeling_check_asks_the_feeling_again():
    slots = {"what_happened": "x", "feeling": "hurt"}
    assert flow.previous_question(slots, "feeling_ok") == "what_happened" or \
        flow.previous_question(slots, "feeling_ok") == "feeling"
    assert flow.previous_question({"what_happened": "x", "feeling": "hurt", "feeling_ok": "yes"},
                                  "impact") == "feeling"
    assert flow.reset_events_for("feeling") == {"feeling": None, "feeling_ok": None}
    assert flow.previous_question({}, "what_happened") is None


def test_normalize_reads_text_speak_and_curly_quotes():
    assert normalize("I’m gonna kms rn") == "i'm going to kill myself right now"
    assert normalize("Sooooo tiredddd") == "so tiredd"
    # "ya" starting a sentence is "yeah" (it was read as "you", and "ya thats it" was
    # taken for a request to finish the draft); elsewhere it is "you"
    assert normalize("ya thats it") == "yeah that's it"
    assert normalize("ok. Ya i agree") == "ok. yeah i agree"
    assert normalize("see ya") == "see you"
    assert clean("<script>alert(1)</script> she laughed\x00") == "alert(1) she laughed"


def test_the_default_clinic_file_is_valid():
    config = clinic.load_clinic()
    assert config["therapist_term"] == "therapist"
    assert any("988" in r["contact"] for r in config["crisis_resources"])


@pytest.mark.parametrize("body, message", [
    ("clinic_name: x\n", "therapist_term"),
    ("- just a list\n", "mapping"),
    ("clinic_name: [unclosed\n", "not valid YAML"),
])
def test_clinic_mistakes_get_clear_errors(tmp_path: Path, body, message):
    path = tmp_path / "clinic.yml"
    path.write_text(body)
    with pytest.raises(clinic.ClinicConfigError, match=message):
        clinic.load_clinic(path)


def test_resources_need_https_links(tmp_path: Path):
    text = (clinic.ROOT / "clinic.yml").read_text().replace("https://988lifeline.org",
                                                             "http://988lifeline.org")
    path = tmp_path / "clinic.yml"
    path.write_text(text)
    with pytest.raises(clinic.ClinicConfigError, match="https"):
        clinic.load_clinic(path)


def test_the_flow_asks_the_questions_the_form_requires_in_the_same_order(domain):
    assert flow.ORDER == domain["forms"]["preparation_form"]["required_slots"]


def test_start_over_clears_every_slot_of_the_conversation(domain):
    settings = {"clinic_name", "therapist_term", "crisis_short", "retention"}  # clinic.yml's
    kept = settings | {"consented"}  # the client already agreed; starting over is not withdrawing
    cleared = flow.fresh_start()
    assert set(domain["slots"]) - kept == {name for name, value in cleared.items() if value is None}


def test_every_response_name_the_code_builds_exists(domain):
    from bring_it_up import language

    responses = set(domain["responses"])
    built = {f"utter_ask_{slot}" for slot in flow.ORDER}
    built |= {f"utter_normalise_fear_{kind}" for kind in [*language.lexicon()["fear_kinds"], "other"]}
    built |= {f"utter_coach_{kind}" for kind in
              ("blame", "made_me_feel", "demand", "hedge", "minimising", "minimising_drop", "pseudo_feeling")}
    assert sorted(built - responses) == []
