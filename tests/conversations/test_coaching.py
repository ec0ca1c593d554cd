"""Language coaching in the conversation: offers after the draft, one at a time, each
taken or left by the client; nothing is rewritten without asking."""

from __future__ import annotations

import re

from tests.conversations.conftest import payloads, texts
from tests.conversations.test_clients import DEBRIS, run_client

BLAMING = {
    "opening": ["hi", "ok"],
    "what_happened": ["You never listen to me. You always look at the clock when I talk about my divorce"],
    "feeling": ["Sorry, this is probably stupid. I felt small and embarrassed"],
    "feeling_ok": ["yes"],
    "impact": ["I've been holding back"],
    "rupture_kind": ["skip"],
    "fear": ["she'll be mad"],
    "fear_in_draft": ["no"],
    "familiar": ["no"],
    "identity_involved": ["no"],
    "hope": ["you need to pay attention to me"],
    "tone": ["gentle"],
}


def coaching_buttons(replies):
    return [b["payload"] for r in replies for b in r.get("buttons") or []
            if b["payload"].startswith(("/coach_accept", "/coach_decline"))]


def answer_every_offer(chat, draft, choose):
    """Press `choose(buttons)` for each suggestion; returns the last draft and how many."""
    offers, pending = 0, coaching_buttons(chat.last)
    while pending and offers < 10:
        offers += 1
        replies = chat.say(choose(pending))
        draft = (payloads(replies, "draft") or [draft])[-1]
        pending = coaching_buttons(replies)
    return draft, offers


def test_a_client_who_takes_every_offer_gets_a_message_without_blame(chat):
    draft, _ = run_client(chat, BLAMING)
    assert re.search(r"you never|you always", draft["text"], re.I), "the first draft keeps their words"
    draft, offers = answer_every_offer(chat, draft, lambda buttons: buttons[0])
    text, low = draft["text"], draft["text"].lower()
    assert offers >= 3, chat.transcript
    for gone in ("you never", "you always", "probably stupid", "sorry", "you need to"):
        assert gone not in low, f"{gone!r} is still in: {text}\n{chat.transcript}"
    assert re.search(r"\bI (feel|felt)\b", text), text
    assert "clock" in low and "divorce" in low and "small and embarrassed" in low, text
    assert not DEBRIS.search(text), text


def test_a_client_who_keeps_their_words_keeps_them(chat):
    draft, _ = run_client(chat, BLAMING)
    first = draft["text"]
    _, offers = answer_every_offer(chat, draft, lambda buttons: "/coach_decline")
    assert offers >= 3
    assert "Okay, your words stay as they are." in texts(chat.last)
    # the draft shown again (same tone) is word for word theirs, and nothing is offered again
    replies = chat.say('/choose_tone{"tone": "gentle"}')
    assert payloads(replies, "draft")[-1]["text"] == first
    assert not coaching_buttons(replies), "each suggestion is offered once"


def test_a_feeling_typed_instead_of_pressed_is_taken(chat):
    profile = {**BLAMING, "what_happened": ["she kept texting while I talked"], "feeling": ["dismissed"],
               "hope": ["to talk it through"]}
    run_client(chat, profile)
    assert "Underneath it, people often feel hurt" in texts(chat.last), chat.transcript
    replies = chat.say("hurt i think")
    assert "dismissed and hurt" in payloads(replies, "draft")[-1]["text"], chat.transcript
    replies = chat.say("ok it's ready")
    assert "didn't quite follow" not in texts(replies), chat.transcript
