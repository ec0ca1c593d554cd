"""Drafts a person could read aloud (issue #18), from conversations the code was not tuned on.

tests/draft_heldout.yml holds 24 conversations written by a helper that saw none of the
project's code or data (terse, rambling, text-speak, self-corrections, identity given with
the yes, fees, ending therapy, side questions...). Each is played against the trained bot:
the client answers whatever is asked from their list (a side question first, then the
answer). None of them is at risk: one who gets a safety question answers it as a safe client
would and goes on, and such false alarms are listed with the drafts. Every draft must pass
tests/draft_checks.py; side questions must be answered and never kept as answers. The drafts
are written to results/drafts_heldout.md for reading.

The conversations were frozen before the realisation step was written; its first version
was then corrected after reading these drafts (general fixes: multi-sentence answers,
names, pronouns after another person, quoted words), so they are no longer unseen.

tests/draft_heldout_v2.yml: 20 more, written 2026-12-02 by another helper that saw neither
the code nor the first set. Played before any change that day, 9 of the 20 never reached a
draft (the bot ended up asking nothing) and most drafts broke (docs/drafts-v2-before.md);
the fixes of that day were then made reading them too, so they are no longer unseen
either. Written to results/drafts_heldout_v2.md.

tests/draft_heldout_v3.yml: 20 more, written 2026-12-03 by a third helper, played once
with the code of that morning: 7 failed (3 no draft, 4 broken checks) and about 6 of the
20 drafts read aloud as written (docs/drafts-v3-first.md). Read and fixed from since, so
seen too. tests/draft_heldout_v4.yml: 20 more by a fourth helper the same afternoon, played
once unread after the fixes from the third: 4 failed and about 5 in 20 read aloud as written
(docs/drafts-v4-first.md); read and fixed from since. What is still wrong is in
KNOWN_WRONG. Written to results/drafts_heldout_v3.md and _v4.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conversations.conftest import payloads, texts
from tests.draft_checks import problems

ROOT = Path(__file__).resolve().parent.parent.parent
SETS = {name: yaml.safe_load((ROOT / "tests" / f"{name}.yml").read_text(encoding="utf-8"))["conversations"]
        for name in ("draft_heldout", "draft_heldout_v2", "draft_heldout_v3", "draft_heldout_v4")}
# Held-out conversations whose draft is still wrong, and why. Each must still fail (strict):
# when one passes, it comes off the list.
KNOWN_WRONG = {
    "rambling-fee-increase-email": "a fee rise told in one run-on gets the misconduct reply: the "
    "semantic layer reads '...because she knows money is tight for me', said of the client's "
    "sister in a piece cut from the sentence that names her, as the therapist's doing (#17)",
}
HELD_OUT = [pytest.param(name, c, id=c["name"], marks=[pytest.mark.xfail(reason=KNOWN_WRONG[c["name"]],
                                                                           strict=True)]
                         if c["name"] in KNOWN_WRONG else [])
            for name, conversations in SETS.items() for c in conversations]
MAX_TURNS = 40
NOT_FOLLOWED = "didn't quite follow"


def play(chat, answers: dict[str, list[str]], alarms: list[str]):
    pending = {slot: list(messages) for slot, messages in answers.items()}
    replies = chat.say("hi")
    replies = chat.say("/consent_accept")
    side = []  # (question, what the bot said)
    while chat.turns < MAX_TURNS:
        drafts = payloads(replies, "draft")
        if drafts:
            return drafts[-1], side
        safety = payloads(replies, "safety")
        if safety:  # none of these clients is at risk: they answer as a safe client would
            alarms.append(f"{safety[-1]['level']}: {chat.log[-len(replies) - 1]}")
            replies = chat.say("no, I'm not" if safety[-1]["level"] == "check_in" else "I'm safe")
            if not chat.asking and not payloads(replies, "draft"):
                replies = chat.say("continue")
            continue
        slot = chat.asking
        assert slot, f"the bot is not asking anything:\n{chat.transcript}"
        queue = pending.get(slot)
        assert queue, f"asked {slot!r} again after every answer was given:\n{chat.transcript}"
        message = queue.pop(0) if len(queue) > 1 else queue[0]
        replies = chat.say(message)
        if message.rstrip().endswith("?") and chat.asking == slot:
            side.append((message, texts(replies)))
    pytest.fail(f"no draft after {MAX_TURNS} turns:\n{chat.transcript}")


_written: dict[str, list[str]] = {name: [] for name in SETS}


@pytest.mark.parametrize(("held_out", "conversation"), HELD_OUT)
def test_a_held_out_conversation_ends_in_a_draft_to_read_aloud(chat, held_out, conversation):
    alarms: list[str] = []
    draft, side = play(chat, conversation["answers"], alarms)
    text = draft["text"]
    said = "".join(f"\nFalse safety reply to {a}" for a in alarms)
    _written[held_out].append(f"## {conversation['name']} ({conversation['style']})\n\n{text}\n\n"
                              f"Expected to carry: {'; '.join(conversation['expect'])}{said}\n")
    out = ROOT / "results" / f"{held_out.replace('draft_', 'drafts_')}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(f"# Drafts from tests/{held_out}.yml\n\n" + "\n".join(_written[held_out]),
                   encoding="utf-8")
    assert not problems(text), f"{problems(text)}\n{text}\n{chat.transcript}"
    tracker = chat.tracker()
    kept = " ".join(str(v) for v in tracker.current_slot_values().values() if isinstance(v, str))
    for question, reply in side:
        assert NOT_FOLLOWED not in reply, f"{question!r} got: {reply}"
        assert question not in kept, f"the side question {question!r} was kept as an answer"
