"""The checks in front of Rasa (service/inputs.py), the language check, the clinic's
privacy settings, and the private tracker store on a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
import uuid

import pytest

from bring_it_up.clinic import ClinicConfigError, _check_origins, _check_retention, retention_words
from components.language_check import other_language
from service.inputs import BadRequest, RateLimiter, has_words, offered_payloads, parse, text_for_rasa, tidy

SENDER = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize("body", [None, [], "x", {"message": "hi"}, {"sender": "me", "message": "hi"},
                                  {"sender": SENDER}, {"sender": SENDER, "message": 5},
                                  {"sender": 5, "message": "hi"}, {"sender": SENDER + "/x", "message": "hi"}])
def test_requests_that_are_not_ours_are_refused(body):
    with pytest.raises(BadRequest):
        parse(body)


def test_a_well_formed_request_is_read():
    assert parse({"sender": SENDER, "message": "hi", "metadata": {"x": 1}}) == (SENDER, "hi")
    assert parse({"sender": uuid.uuid4().hex, "message": ""})[1] == ""


@pytest.mark.parametrize("sender", ["a" * 32, "aaaaaaaaaaaaaaaa", "ab" * 10, "abc-abc-abc-abc-abc",
                                    "1234512345123451234", "______-----______--", "abcde" * 4])
def test_a_sender_id_anyone_could_guess_is_refused(sender):
    with pytest.raises(BadRequest, match="random id"):
        parse({"sender": sender, "message": "hi"})


def test_random_ids_are_never_refused_as_guessable():
    for _ in range(5000):
        parse({"sender": str(uuid.uuid4()), "message": "hi"})
        parse({"sender": uuid.uuid4().hex, "message": "hi"})


@pytest.mark.parametrize("text, expected", [
    ("she <b>laughed</b>", "she laughed"),
    ("I <3 her but > that", "I <3 her but > that"),
    ("a\x00b\x07c", "a b c"),
    ("she laughed \ud800 at me", "she laughed at me"),
    ("it\u2019s fine", "it's fine"),
    ("<script>alert(1)</script>", "alert(1)"),
    # a tag of any length, one cut short, one hidden in entities or full-width brackets
    ("<img" + " " * 250 + "src=x onerror=alert(1)>hi", "hi"),
    ("<img src=x onerror=alert(1)", "img src=x onerror=alert(1)"),
    ("<<svg/onload=alert(1)>", "<"),
    ("\uff1cimg src=x onerror=alert(1)\uff1e ok", "ok"),
    ("&lt;b&gt;hi", "&lt;b&gt;hi"),
    # compatibility forms, zero-width and direction characters
    ("\uff0frestart", "/restart"),
    ("\u200b/restart", "/restart"),
    ("she \u202elaughed\u202c at\u200b me\ufeff", "she laughed at me"),
    ("\u2066hi\u2069 \u200dthere\u00ad", "hi there"),
    ("\ufb01ne", "fine"),
])
def test_tidy_keeps_the_words_and_drops_the_rest(text, expected):
    assert tidy(text) == expected


@pytest.mark.parametrize("text, words", [
    ("", False), ("   \n", False), ("\U0001f622\U0001f622", False), ("?!...", False), ("___", False),
    ("ok", True), ("5", True), ("我很难过", True), ("no :(", True),
])
def test_has_words(text, words):
    assert has_words(text) is words


EVENTS = [
    {"event": "bot", "text": "old", "data": {"buttons": [{"title": "x", "payload": "/old"}]}},
    {"event": "user", "text": "hi"},
    {"event": "bot", "text": "Start?", "data": {"buttons": [{"title": "Yes", "payload": "/consent_accept"},
                                                           {"title": "No", "payload": "/leave"}]}},
    {"event": "action", "name": "action_listen"},
]


def test_only_the_latest_buttons_are_offered():
    assert offered_payloads(EVENTS) == {"/consent_accept", "/leave"}
    assert offered_payloads([]) == set()
    # "why do you ask?" in between: the buttons from before are still on screen
    later = EVENTS + [{"event": "user", "text": "why?"}, {"event": "bot", "text": "Because."}]
    assert offered_payloads(later) == {"/consent_accept", "/leave"}


@pytest.mark.parametrize("typed, expected", [
    ("/consent_accept", "/consent_accept"),
    ("  /leave ", "/leave"),
    ("/restart", "restart"),
    ('/inform{"tone": "brief"}', "inform"),
    ('/choose_tone{"tone": "brief"}', "choose tone"),
    ("/old", "old"),
    ("//consent_accept{}", "consent accept"),
    ("/ shrug", "shrug"),
    ("/me <b>waves</b>", "me waves"),
    # compatibility forms are folded first (tidy), so they meet the same check
    ("\uff0frestart", "restart"),
    ('\uff0fchoose_tone{"tone": "<img src=x onerror=alert(1)>"}', "choose tone"),
    ("\uff0fback", "back"),
    ("\u200b/restart", "restart"),
    ("\ufe68/restart", "\\/restart"),
])
def test_payloads_pass_only_when_offered(typed, expected):
    """As the channel does it: tidied first, then checked."""
    assert text_for_rasa(tidy(typed), offered_payloads(EVENTS)) == expected


def test_rate_limiter_slides():
    limiter = RateLimiter(limit=3, window=60)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.allow("b", now=3)
    assert limiter.allow("a", now=61)  # the first hit left the window


def test_rate_limiter_forgets_old_keys():
    limiter = RateLimiter(limit=1, window=60, max_keys=2)
    for key in "abc":
        limiter.allow(key, now=0)
    assert limiter.allow("a", now=1), "the oldest key was dropped to keep memory bounded"


@pytest.mark.parametrize("text", [
    "Mi terapeuta siempre llega tarde y no me escucha", "Quiero morir", "No sé qué decir",
    "tengo miedo de decirle", "Me siento muy triste porque mi terapeuta se rió de mí",
    "Ma thérapeute ne m'écoute pas", "Ich weiß nicht", "Meu terapeuta me ignorou",
    "Il mio terapeuta non mi ascolta", "我的治疗师不听我说话", "Мой терапевт меня не слушает",
    "أنا حزين", "저는 슬퍼요",
])
def test_other_languages_are_noticed(text):
    assert other_language(text)


@pytest.mark.parametrize("text", [
    "no idea", "i quit", "yes i do", "wait a moment", "no changes", "I'm in danger", "i wanna kms",
    "being gay", "my mom touched my hair", "she said i was being dramatic", "gracias", "ok", "",
    "she kept saying 'no problema' and laughed", "I felt abandoned", "idk tbh", "/consent_accept",
    "Tal vez", "my therapist José was late", "she said 'c'est la vie' about my divorce",
])
def test_english_and_short_replies_are_not_taken_for_another_language(text):
    assert other_language(text) is None


def test_retention_in_plain_words():
    assert [retention_words(d) for d in (7, 1, 0.5, 0)] == [
        "after 7 days", "after 1 day", "after 0.5 days", "when you finish"]


def test_clinic_retention_and_origins_are_checked():
    assert _check_retention(0) == 0 and _check_retention(30) == 30
    for bad in (-1, "7", True, None):
        with pytest.raises(ClinicConfigError):
            _check_retention(bad)
    assert _check_origins(["https://www.clinic.example", "http://localhost:8000"])
    for bad in (["*"], ["https://clinic.example/"], ["https://*.clinic.example"], "https://x.example",
                [], ["https://clinic.example/widget"], ["clinic.example"], ["https://clinic.example$"]):
        with pytest.raises(ClinicConfigError):
            _check_origins(bad)


# -- the tracker store, on a real SQLite file ----------------------------------------

@pytest.fixture
def store_factory(tmp_path):
    from rasa.shared.core.domain import Domain

    from service.store import PrivateTrackerStore

    domain = Domain.load("domain")

    def make(retention_days: float) -> PrivateTrackerStore:
        return PrivateTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "c.db"),
                                   retention_days=retention_days)

    return make


def conversation(sender: str, *actions: str, at: float | None = None):
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    at = time.time() if at is None else at
    events = [ActionExecuted("action_listen", timestamp=at),
              UserUttered("my secret words", {"name": "inform", "confidence": 1.0}, timestamp=at)]
    events += [ActionExecuted(name, timestamp=at) for name in actions]
    events.append(BotUttered("ok", timestamp=at))
    return DialogueStateTracker.from_events(sender, events)


def rows(store, sender: str) -> int:
    with sqlite3.connect(store.engine.url.database) as db:
        return db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_store_deletes_when_the_client_confirmed(store_factory):
    store = store_factory(7)
    asyncio.run(store.save(conversation("a" * 20, "utter_ask_what_happened")))
    assert rows(store, "a" * 20) > 0
    asyncio.run(store.save(conversation("a" * 20, "utter_data_deleted")))
    assert rows(store, "a" * 20) == 0


def test_store_with_zero_retention_keeps_nothing_after_goodbye(store_factory):
    store = store_factory(0)
    asyncio.run(store.save(conversation("b" * 20, "utter_ask_feeling")))
    assert rows(store, "b" * 20) > 0, "kept while the conversation goes on"
    asyncio.run(store.save(conversation("b" * 20, "utter_goodbye")))
    assert rows(store, "b" * 20) == 0
    asyncio.run(store.save(conversation("c" * 20, "utter_ask_feeling", at=time.time() - 2 * 3600)))
    assert store.purge() == 1, "idle for over an hour: purged"


def test_store_purges_by_age(store_factory):
    store = store_factory(7)
    asyncio.run(store.save(conversation("old" * 7, at=time.time() - 8 * 86400)))
    asyncio.run(store.save(conversation("new" * 7, at=time.time() - 6 * 86400)))
    assert store.purge() == 1
    assert rows(store, "old" * 7) == 0 and rows(store, "new" * 7) > 0
    reopened = store_factory(7)  # and purging happens again when a server starts
    assert reopened.last_purged == 0


def test_a_server_with_no_messages_still_purges_on_its_timer(tmp_path):
    """Retention does not wait for a message: inside a server's event loop (where Rasa makes
    the store) the purge runs on a timer."""
    from rasa.shared.core.domain import Domain

    from service.store import PrivateTrackerStore

    async def idle_server() -> list[int]:
        store = PrivateTrackerStore(domain=Domain.load("domain"), dialect="sqlite",
                                    db=str(tmp_path / "t.db"), retention_days=7,
                                    purge_every_minutes=0.002)  # every 0.12 s
        await store.save(conversation("o" * 20, at=time.time() - 8 * 86400))
        await store.save(conversation("n" * 20))
        stored = rows(store, "o" * 20)
        for _ in range(200):  # no message, no save: only the timer can purge
            if not rows(store, "o" * 20):
                break
            await asyncio.sleep(0.05)
        return [stored, rows(store, "o" * 20), rows(store, "n" * 20)]

    stored, old, new = asyncio.run(idle_server())
    assert stored > 0 and old == 0 and new > 0


def test_store_errors_name_no_conversation_and_are_told_to_the_client(store_factory, tmp_path, caplog):
    from service import trouble
    from service.store import StoreUnavailable

    store = store_factory(7)
    with sqlite3.connect(tmp_path / "c.db") as db:
        db.execute("DROP TABLE events")
    with trouble.turn() as turn:
        asyncio.run(store.save(conversation("d" * 20, "utter_ask_feeling")))
    # not raised (Rasa's fail-safe would keep it in memory), but reported to the channel
    assert turn.has("store write") and "secret" not in caplog.text
    with trouble.turn() as turn, pytest.raises(StoreUnavailable) as caught:
        asyncio.run(store.retrieve("d" * 20))
    assert turn.has("store read")
    assert "secret" not in str(caught.value) and caught.value.__suppress_context__


def test_a_turn_that_went_wrong_is_not_saved(store_factory):
    from service import trouble

    store = store_factory(7)
    asyncio.run(store.save(conversation("e" * 20, "utter_ask_feeling")))
    stored = rows(store, "e" * 20)
    for problem in ("action", "store read"):
        with trouble.turn():
            trouble.report(problem)
            asyncio.run(store.save(conversation("e" * 20, "utter_ask_feeling", "utter_ask_impact")))
        assert rows(store, "e" * 20) == stored, problem


def test_clinic_endpoints_take_every_secret_from_the_environment(monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    text = open("endpoints.clinic.yml", encoding="utf-8").read()
    assert "password: ${DB_PASSWORD}" in text and "password: ${REDIS_PASSWORD}" in text
    env = {"DB_HOST": "db.internal", "DB_PORT": "5432", "DB_NAME": "biu", "DB_USER": "biu",
           "DB_PASSWORD": "s3cret-from-env", "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
           "REDIS_HOST": "redis.internal", "REDIS_PORT": "6379", "REDIS_DB": "1",
           "REDIS_PASSWORD": "r3dis-from-env"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config("endpoints.clinic.yml", "tracker_store")
    assert config.type == "service.store.PrivateTrackerStore"
    assert config.url == "db.internal"
    assert config.kwargs["dialect"] == "postgresql"
    assert config.kwargs["password"] == "s3cret-from-env"
    lock = read_endpoint_config("endpoints.clinic.yml", "lock_store")
    assert lock.type == "service.lock_store.AtomicRedisLockStore" and lock.url == "redis.internal"
    assert lock.kwargs["password"] == "r3dis-from-env"


def test_widget_config_fills_in_the_clinic_and_keeps_words_in_data():
    from bring_it_up.clinic import load_clinic, widget_config

    config = widget_config(load_clinic())
    consent = " ".join(config["consent"])
    assert "deleted after 7 days" in consent and "988" in consent and "{" not in consent
    assert config["quick_exit_url"].startswith("https://")
    assert config["labels"]["send"] and config["labels"]["delete"]


@pytest.mark.parametrize("changes, complaint", [
    ({"quick_exit_url": "javascript:alert(1)"}, "quick_exit_url"),
    ({"quick_exit_url": "http://weather.example"}, "quick_exit_url"),
    ({"primary_color": "#ffff00"}, "primary_color"),  # white text on yellow: unreadable
    ({"primary_color": "red"}, "primary_color"),
    ({"logo_file": "missing.svg"}, "logo_file"),
    ({"logo_file": "clinic.yml"}, "logo_file"),
])
def test_widget_settings_are_checked(tmp_path, changes, complaint):
    import yaml

    from bring_it_up.clinic import load_clinic

    clinic = yaml.safe_load(open("clinic.yml", encoding="utf-8"))
    clinic.update(changes)
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(clinic), encoding="utf-8")
    with pytest.raises(ClinicConfigError, match=complaint):
        load_clinic(path)


def test_an_action_timeout_at_or_past_the_lock_lifetime_refuses_to_start():
    import os
    import subprocess
    import sys

    env = {**os.environ, "ACTION_TIMEOUT_SECONDS": "60", "PYTHONPATH": "."}
    run = subprocess.run([sys.executable, "-c", "import service.trouble"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "must be below the lock lifetime" in run.stderr


# -- the store keeps a conversation between messages, never a stale or half-done one --

def say(store, sender: str, text: str):
    """One turn the way Rasa does it: read the conversation, add to it, save it."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    tracker = asyncio.run(store.retrieve(sender))
    if tracker is None:
        tracker = conversation(sender)
    tracker.update(UserUttered(text, {"name": "inform", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_ask_feeling"))
    tracker.update(BotUttered("ok"))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    return tracker


def said(tracker) -> list[str]:
    from rasa.shared.core.events import UserUttered

    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_two_servers_on_one_database_each_read_what_the_other_wrote(store_factory):
    first, second = store_factory(7), store_factory(7)
    sender = "f" * 20
    for k in range(6):
        say(first if k % 2 == 0 else second, sender, f"message {k}")
    for store in (first, second):
        tracker = asyncio.run(store.retrieve(sender))
        assert said(tracker)[-6:] == [f"message {k}" for k in range(6)]
        assert rows(store, sender) == len(tracker.events), "every event stored once"
    say(first, sender, "again")
    say(first, sender, "and again")
    assert said(asyncio.run(second.retrieve(sender)))[-2:] == ["again", "and again"]
    assert rows(first, sender) == len(asyncio.run(first.retrieve(sender)).events)


def test_a_turn_that_failed_half_way_is_not_what_the_next_message_sees(store_factory):
    from rasa.shared.core.events import UserUttered

    from service import trouble

    store = store_factory(7)
    sender = "g" * 20
    say(store, sender, "one")
    say(store, sender, "two")
    tracker = asyncio.run(store.retrieve(sender))
    tracker.update(UserUttered("half done"))
    with trouble.turn():
        trouble.report("action")
        asyncio.run(store.save(tracker))
    assert said(asyncio.run(store.retrieve(sender)))[-2:] == ["one", "two"]
    say(store, sender, "three")
    assert said(asyncio.run(store.retrieve(sender)))[-3:] == ["one", "two", "three"]


def test_a_deleted_or_purged_conversation_is_not_kept_in_memory(store_factory):
    store = store_factory(7)
    for sender in ("h" * 20, "i" * 20):
        say(store, sender, "one")
        say(store, sender, "two")
    store.delete("h" * 20)
    assert asyncio.run(store.retrieve("h" * 20)) is None
    other = store_factory(7)  # `make purge`, another process
    other.delete("i" * 20)
    assert asyncio.run(store.retrieve("i" * 20)) is None


@contextlib.contextmanager
def a_second_message_and_a_locked_database(store, tmp_path, sender: str):
    """A conversation read back with one more message in it, while another process holds
    SQLite's write lock until the `threading.Event` handed out is set."""
    from rasa.shared.core.events import UserUttered

    say(store, sender, "one")
    tracker = asyncio.run(store.retrieve(sender))
    tracker.update(UserUttered("two", {"name": "inform", "confidence": 1.0}))
    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with sqlite3.connect(tmp_path / "c.db") as db:
            db.execute("BEGIN IMMEDIATE")
            locked.set()
            release.wait(5)

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    locked.wait(5)
    try:
        yield tracker, release
    finally:
        release.set()
        holder.join()


def test_a_turn_waiting_for_the_database_does_not_stop_the_others(store_factory, tmp_path):
    """While one conversation's save waits for the database (here: another process holds
    SQLite's write lock for half a second), the server's event loop goes on serving."""
    store = store_factory(7)

    async def turns(tracker, release: threading.Event) -> tuple[int, float]:
        ticks = 0

        async def others() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(others())
        asyncio.get_running_loop().call_later(0.5, release.set)
        began = time.monotonic()
        await store.save(tracker)
        beat.cancel()
        return ticks, time.monotonic() - began

    with a_second_message_and_a_locked_database(store, tmp_path, "j" * 20) as (tracker, release):
        ticks, waited = asyncio.run(turns(tracker, release))
    assert waited >= 0.4, "the save did wait for the lock"
    assert ticks >= 20, f"the event loop ran only {ticks} times in {waited:.2f} s"
    assert said(asyncio.run(store.retrieve("j" * 20)))[-2:] == ["one", "two"]


def test_a_cancelled_turn_lets_go_only_once_its_save_is_written(store_factory, tmp_path):
    """A client who goes away mid-save cancels the turn; the save still ends before the
    turn does (and so before the conversation's lock is let go)."""
    store = store_factory(7)

    async def turn_cancelled_mid_save(tracker, release: threading.Event) -> None:
        saving = asyncio.create_task(store.save(tracker))
        await asyncio.sleep(0.1)
        saving.cancel()
        asyncio.get_running_loop().call_later(0.3, release.set)
        with pytest.raises(asyncio.CancelledError):
            await saving

    with a_second_message_and_a_locked_database(store, tmp_path, "k" * 20) as (tracker, release):
        asyncio.run(turn_cancelled_mid_save(tracker, release))
        assert said(asyncio.run(store_factory(7).retrieve("k" * 20)))[-2:] == ["one", "two"], \
            "written by the time the cancelled turn ended"
