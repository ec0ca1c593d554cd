"""What an attacker and a distressed client tried (issue #22), sent again over HTTP to the
real servers: the safety reply nothing can skip, one normalisation first, deletion that needs
a yes, markup that never survives, and a channel a stranger's web page cannot use."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.servers.helpers import (
    ANSWERS,
    MARKER,
    ROOT,
    answer,
    buttons,
    new_sender,
    says,
    start_preparation,
    texts,
)

TAG = re.compile(r"<[A-Za-z/!?]")


@pytest.fixture(autouse=True)
def own_address(stack, request):
    """Each test from an address of its own on loopback: together they send more than the
    per-address limit allows in a minute, which one person never would."""
    stack.source = f"127.1.{len(request.node.nodeid) % 250}.{random.randrange(2, 250)}"
    yield
    stack.source = "127.0.0.1"


def safety(reply) -> str | None:
    levels = [m["custom"]["level"] for m in reply
              if isinstance(m.get("custom"), dict) and m["custom"].get("type") == "safety"]
    return levels[0] if levels else None


def at_second_question(stack) -> str:
    sender = new_sender()
    start_preparation(stack, sender)
    stack.say(sender, "she looked at her phone while I was talking " + MARKER)
    assert stack.slot(sender, "requested_slot") == "feeling"
    return sender


def held(stack, domain_texts) -> str:
    """A conversation straight after a crisis reply, mid-preparation."""
    sender = at_second_question(stack)
    reply = stack.say(sender, "I want to kill myself")
    assert safety(reply) == "crisis" and says(reply, domain_texts["utter_ask_safe_now"])
    return sender


def still_held(stack, sender, reply, domain_texts) -> None:
    assert safety(reply) == "crisis", texts(reply)
    assert says(reply, domain_texts["utter_ask_safe_now"]), texts(reply)
    assert stack.slot(sender, "feeling") is None, "nothing said in the hold became an answer"


# 1. A finding always wins, whatever else the message carried ------------------------------

TONE_CRISES = [
    ("I want to die. keep it brief", "crisis"),
    ("I want to kill myself, make it brief", "crisis"),
    ("I have pills saved and I am going to take them tonight, to be direct", "crisis"),
    ("my therapist kissed me, to be direct", "ethics"),
    ("make it gentle, I don't want to live anymore", "crisis"),
    ("i'm going to end my life tonight. soft tone please", "crisis"),
    ("direct please. my therapist asked me out on a date", "ethics"),
    ("short and firm: I want to hurt myself", "crisis"),
]


@pytest.mark.parametrize("message, level", TONE_CRISES)
def test_a_crisis_message_with_a_tone_word_gets_the_safety_reply_mid_form(stack, message, level):
    sender = at_second_question(stack)
    reply = stack.say(sender, message)
    assert safety(reply) == level, texts(reply)
    assert stack.slot(sender, "tone") is None, "a flagged message fills no slot"
    assert stack.slot(sender, "feeling") is None


# 2. The hold: only "I'm safe" ends it ----------------------------------------------------

WALK_PAST = [
    ["continue"], ["let's keep going"], ["go back"], ["start over"], ["skip"],
    ["I'm glad you're safe right now"], ["can we just do the message"], ["resume"],
    ["/delete_data", "/deny", "/resume"], ["/leave", "continue"], ["/restart"], ["/back"],
    ["\uff0frestart"], ["\uff0fback"], ["/consent_accept"], ["never mind, next question"],
    ["pause", "continue"], ["/session_start"], ["sure?"], ["make it brief"],
]


@pytest.mark.parametrize("steps", WALK_PAST, ids=[" > ".join(s) for s in WALK_PAST])
def test_nothing_walks_past_are_you_safe(stack, domain_texts, steps):
    sender = held(stack, domain_texts)
    for message in steps:
        reply = stack.say(sender, message)
    if steps[-1] == "/deny":
        assert says(reply, domain_texts["utter_delete_kept"])
    still_held(stack, sender, reply, domain_texts)
    assert stack.slot(sender, "what_happened"), "the answers so far are still there"
    # and a clear "I'm safe" lets the client choose to go back to the same question
    reply = stack.say(sender, "I'm safe")
    assert says(reply, domain_texts["utter_glad_safe"]) and safety(reply) is None
    reply = stack.say(sender, "/resume")
    assert stack.slot(sender, "requested_slot") == "feeling", texts(reply)


def test_stop_still_works_in_the_hold_and_shows_the_lines(stack, domain_texts):
    sender = held(stack, domain_texts)
    reply = stack.say(sender, "/leave")
    assert says(reply, domain_texts["utter_stop_unsafe"]) and safety(reply) == "crisis"


# 3-4. One normalisation first: compatibility slashes, invisible characters, no log -------

def payload_names() -> list[str]:
    """Every payload a button of the domain carries."""
    names = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for variations in (yaml.safe_load(path.read_text()) or {}).get("responses", {}).values():
            for variation in variations:
                for button in variation.get("buttons") or []:
                    names.add(button["payload"].replace("{{", "{").replace("}}", "}"))
    return sorted(names)


DISGUISES = ["\uff0f{}", "\u200b{}", "\ufeff{}", "\u202e{}", " \t{}", "\u2060{}", "\u00a0{}"]


def test_a_payload_in_disguise_is_read_as_words(stack):
    """A random choice of the domain's payloads, each typed in a random disguise while it is
    not on screen: the stored message never reaches Rasa as a payload, no slot is set and the
    question stays the same. (A word read as words may bring back buttons, the consent's "Tell
    me more" after "restart": a payload on screen is the client's to press, so it is passed by.)"""
    chooser = random.Random(MARKER)
    sender = at_second_question(stack)
    on_screen = next((set(buttons([e["data"]])) for e in reversed(stack.events(sender))
                      if e.get("event") == "bot" and (e.get("data") or {}).get("buttons")), set())
    for payload in chooser.sample(payload_names(), 8) + ['/inform{"feeling": "<img src=x onerror=alert(1)>"}',
                                                        '/edit_draft{"edit_section": "<b>x</b>"}']:
        if payload in on_screen or payload in ("/consent_accept", "/delete_data"):
            continue  # the buttons on screen, and the widget's own, are pressed as they are
        typed = chooser.choice(DISGUISES).format(payload)
        reply = stack.say(sender, typed)
        read = [e["text"] for e in stack.events(sender) if e.get("event") == "user"][-1]
        assert not read.startswith("/"), (typed, read)
        on_screen = set(buttons(reply)) or on_screen
        if stack.slot(sender, "requested_slot") is None:  # a skip-like word closed nothing...
            on_screen = set(buttons(stack.say(sender, "/resume"))) or on_screen
    for slot in ("tone", "edit_section", "coach_choice"):
        assert stack.slot(sender, slot) is None, slot


def test_a_full_width_restart_does_not_reset_the_conversation(stack):
    """Typed, "restart" is a word ("start over" clears the answers, as the client may ask);
    it is never Rasa's restart, which would forget the conversation and any safety check."""
    sender = at_second_question(stack)
    stack.say(sender, "\uff0frestart")
    assert not [e for e in stack.events(sender) if e.get("event") == "restart"]
    assert stack.slot(sender, "consented") is True
    stack.say(sender, '\uff0fchoose_tone{"tone": "<img src=x onerror=alert(1)>"}')
    stack.say(sender, '\uff0fedit_draft{"edit_section": "<img src=x onerror=alert(1)>"}')
    assert stack.slot(sender, "tone") is None and stack.slot(sender, "edit_section") is None


def test_invisible_and_direction_characters_never_reach_the_stored_answer(stack):
    sender = new_sender()
    start_preparation(stack, sender)
    stack.say(sender, "she \u202elaughed\u202c at\u200b me\u2066 in\u2069 session\ufeff")
    assert stack.slot(sender, "what_happened") == "she laughed at me in session"


# 5. One client cannot stall everyone --------------------------------------------------

def test_a_message_that_grows_when_normalised_is_refused_quickly_and_others_go_on(stack, domain_texts):
    sender, other = at_second_question(stack), new_sender()
    result: dict[str, float] = {}

    def hi() -> None:
        time.sleep(0.2)
        began = time.monotonic()
        stack.say(other, "hi")
        result["other"] = time.monotonic() - began

    thread = threading.Thread(target=hi)
    thread.start()
    began = time.monotonic()
    reply = stack.say(sender, "\ufdfa" * 4999)  # 4,999 characters; ~90,000 after NFKC
    took = time.monotonic() - began
    thread.join()
    assert says(reply, domain_texts["utter_too_long"])
    assert took < 3 and result["other"] < 3, (took, result)
    assert stack.slot(sender, "feeling") is None


def test_a_long_message_is_screened_to_its_last_sentence(stack, domain_texts):
    sender = at_second_question(stack)
    story = " ".join(f"On day {n} of the week I sat in the waiting room and thought about what "
                     f"she said, and about how I would bring it up {MARKER}." for n in range(60))
    reply = stack.say(sender, story + " Honestly I want to kill myself tonight.")
    assert len(story) > 5000
    assert safety(reply) == "crisis" and says(reply, domain_texts["utter_ask_safe_now"])
    assert stack.slot(sender, "feeling") is None
    reply = stack.say(sender, story)  # the same without it: the kind "too long" reply...
    assert says(reply, domain_texts["utter_too_long"])
    reply = stack.say(sender, "hmm")  # ...which leaves the check where it was
    still_held(stack, sender, reply, domain_texts)


# 6. Deleting needs a clear yes --------------------------------------------------------

@pytest.mark.parametrize("unclear", ["sure?", "xq7 fjdk", "what happens to my draft", "maybe", "hmm"])
def test_only_a_clear_yes_deletes(stack, domain_texts, unclear):
    sender = at_second_question(stack)
    stack.say(sender, "delete my data")
    rows = stack.rows(sender)
    reply = stack.say(sender, unclear)
    assert says(reply, domain_texts["utter_confirm_delete"]), texts(reply)
    assert stack.rows(sender) >= rows > 0
    reply = stack.say(sender, "yes, delete it")
    assert says(reply, domain_texts["utter_data_deleted"])
    assert stack.rows(sender) == 0


# 7. Markup never survives, alone or assembled --------------------------------------------

def to_the_draft(stack, sender) -> dict:
    start_preparation(stack, sender)
    for _ in range(30):
        reply = stack.say(sender, answer(stack, sender))
        drafts = [m["custom"] for m in reply if isinstance(m.get("custom"), dict)
                  and m["custom"].get("type") == "draft"]
        if drafts:
            return drafts[-1]
    raise AssertionError("no draft")


def edit(stack, sender, section: str, words: str) -> dict:
    stack.say(sender, "/edit_draft")
    stack.say(sender, '/edit_draft{"edit_section":"' + section + '"}')
    reply = stack.say(sender, words)
    drafts = [m["custom"] for m in reply if isinstance(m.get("custom"), dict)
              and m["custom"].get("type") == "draft"]
    assert drafts, texts(reply)
    return drafts[-1]


def test_markup_is_gone_however_long_the_tag_and_however_it_is_split(stack):
    sender = new_sender()
    to_the_draft(stack, sender)
    draft = edit(stack, sender, "opener", "<img" + " " * 250 + "src=x onerror=alert(1)> Hi.")
    assert not TAG.search(json.dumps(draft)), draft["text"]
    edit(stack, sender, "opener", "I want to say something <im")
    draft = edit(stack, sender, "observation", "g src=x onerror=alert(1)> you laughed.")
    whole = draft["text"] + json.dumps(draft["sections"])
    assert not TAG.search(whole), draft["text"]
    stored = [e.get("text") or "" for e in stack.events(sender) if e.get("event") == "user"]
    assert not [s for s in stored if TAG.search(s)]


# 8. The rest: content type, guessable ids, refused requests counted, "Not now", consent ------

def test_a_plain_text_post_is_refused_and_nothing_is_kept(stack):
    sender = new_sender()
    body = json.dumps({"sender": sender, "message": "hi " + MARKER}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None):
        headers = {"Origin": "https://evil.example"}
        if content_type:
            headers["Content-Type"] = content_type
        status, data, _ = stack.request("POST", "/webhooks/rest/webhook", body, headers)
        assert status == 415, (content_type, status)
        assert "application/json" in data["error"]
    assert stack.rows(sender) == 0
    status, _, _ = stack.request("POST", "/webhooks/rest/webhook", body,
                                 {"Content-Type": "application/json; charset=utf-8"})
    assert status == 200


@pytest.mark.parametrize("sender", ["aaaaaaaaaaaaaaaa", "abababababababab", "1111-1111-1111-1111",
                                    "abcabcabcabcabcabc"])
def test_a_guessable_sender_id_is_refused(stack, sender):
    status, data = stack.post({"sender": sender, "message": "hi"})
    assert status == 400 and "random id" in data["error"]


def test_refused_requests_count_toward_the_address_limit(stack):
    statuses = [stack.post(None, raw=b"{not json", source="127.0.0.3")[0] for _ in range(300)]
    assert set(statuses) == {400}
    assert stack.post({"sender": new_sender(), "message": "hi"}, source="127.0.0.3")[0] == 429


def test_a_huge_body_is_refused(stack):
    status, _ = stack.post({"sender": new_sender(), "message": "x" * 1_100_000})
    assert status == 413


def test_leaving_at_not_now_keeps_nothing(stack, domain_texts):
    sender = new_sender()
    reply = stack.say(sender, f"hi, my therapist is Dr {MARKER}")
    assert "/leave" in buttons(reply)
    stack.say(sender, "/leave")
    assert stack.rows(sender) == 0


def test_the_consent_says_a_safety_note_is_kept(stack, domain_texts):
    reply = stack.say(new_sender(), "hi")
    assert "a note of that is kept" in texts(reply)
    widget = yaml.safe_load(Path(ROOT / "content" / "widget.yml").read_text())
    assert any("a note of that is kept" in " ".join(p.split()) for p in widget["consent"])


def test_answers_are_unchanged_for_a_client_who_does_nothing_odd(stack):
    """The hardening leaves the ordinary path alone: every answer lands where it should."""
    sender = new_sender()
    draft = to_the_draft(stack, sender)
    assert "clock" in draft["text"]
    assert stack.slot(sender, "what_happened") == ANSWERS["what_happened"]
