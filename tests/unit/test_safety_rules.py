"""The deterministic rule layer on its own: what a clinician can audit line by line."""

from pathlib import Path

import pytest
import yaml

from bring_it_up.safety import screen

TABLE = yaml.safe_load((Path(__file__).parent.parent / "safety_phrasings.yml").read_text())


@pytest.mark.parametrize("text", TABLE["crisis"])
def test_explicit_risk_is_crisis(text):
    finding = screen(text)
    assert finding is not None and finding.level == "crisis", f"missed: {text!r} -> {finding}"


@pytest.mark.parametrize("text", TABLE["explicit_check_in"])
def test_hopelessness_gets_a_check_in(text):
    finding = screen(text)
    assert finding is not None and finding.level in ("check_in", "crisis"), text


@pytest.mark.parametrize("text", TABLE["ethics"])
def test_misconduct_is_ethics(text):
    finding = screen(text)
    assert finding is not None and finding.level == "ethics", f"{text!r} -> {finding}"


@pytest.mark.parametrize("text", TABLE["none"])
def test_idioms_negations_and_rupture_talk_stay_calm(text):
    assert screen(text) is None, f"false alarm: {text!r} -> {screen(text)}"


def test_the_most_serious_level_wins():
    assert screen("my therapist kissed me and now I want to die").level == "crisis"


def test_the_rule_that_fired_is_named_for_audit():
    finding = screen("I’ve been cutting again")
    assert finding.rule == "self-harm" and "cutting" in finding.matched
