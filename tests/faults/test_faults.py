"""Faults a clinic will meet, each with the servers it needs started and stopped here:
an action server that goes away mid-question, a Rasa server killed outright, two Rasa
servers sharing one conversation through PostgreSQL and Redis, and a database that
restarts or stops. What is checked is what the client sees and what the database holds."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import signal
import threading
import time

import pytest

from tests.faults.conftest import services
from tests.servers.helpers import ANSWERS, Parts, answer, new_sender, says, start_preparation, texts


def try_again(reply: list[dict]) -> bool:
    return any((m.get("custom") or {}).get("type") == "try_again" for m in reply)


def read_when_up(read, *args):
    """The test's own reads of the database wait while it restarts (the bot is what's tested)."""
    import psycopg2

    for _ in range(120):
        try:
            return read(*args)
        except psycopg2.Error:
            time.sleep(0.5)
    raise AssertionError("the database did not come back within a minute")


def user_turns(parts: Parts, sender: str) -> list[str]:
    return [e["text"] for e in parts.events(sender) if e["event"] == "user"]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    parts = Parts(tmp_path_factory.mktemp("embedded"))
    # the real actions, except one that hangs on "hang" (tests/faults/slow); Rasa waits 3 s
    parts.env.update(ACTIONS_PACKAGE="tests.faults.slow", ACTION_TIMEOUT_SECONDS="3")
    parts.start()
    yield parts
    parts.stop()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory, clinic_services):
    parts = Parts(tmp_path_factory.mktemp("clinic"), servers=2, services=clinic_services)
    parts.start()
    yield parts
    parts.stop()


def test_action_server_down_mid_question_asks_to_try_again_and_loses_nothing(embedded, domain_texts):
    sender = new_sender()
    start_preparation(embedded, sender)
    embedded.say(sender, ANSWERS["what_happened"])
    assert embedded.slot(sender, "requested_slot") == "feeling"
    stored = len(embedded.events(sender))

    embedded.stop_part("actions")
    reply = embedded.say(sender, "small and embarrassed")
    assert says(reply, domain_texts["utter_technical_problem"]) and try_again(reply)
    assert "try again" in texts(reply) and "988" in texts(reply)
    # the half-done turn is not kept: the conversation is exactly where it was
    assert len(embedded.events(sender)) == stored

    embedded.start_part("actions")
    reply = embedded.say(sender, "small and embarrassed")  # what the widget's Try again sends
    assert says(reply, domain_texts["utter_ask_feeling_ok"]) and not try_again(reply)
    assert embedded.slot(sender, "feeling") == "small and embarrassed"
    assert embedded.slot(sender, "what_happened") == ANSWERS["what_happened"]
    assert user_turns(embedded, sender).count("small and embarrassed") == 1


def test_an_action_that_hangs_is_given_up_well_inside_the_lock(embedded, domain_texts):
    sender = new_sender()
    start_preparation(embedded, sender)
    began = time.time()
    reply = embedded.say(sender, "hang on, she looked at the clock")
    waited = time.time() - began
    assert try_again(reply) and says(reply, domain_texts["utter_technical_problem"])
    assert waited < 10, f"waited {waited:.0f} s (Rasa's own limit is 300 s, its lock 60 s)"
    reply = embedded.say(sender, ANSWERS["what_happened"])
    assert says(reply, domain_texts["utter_ask_feeling"])


def test_a_crisis_message_is_answered_while_other_turns_hang(embedded, domain_texts):
    """Two turns stuck on the action server fill the server's gate (service/gate.py,
    two turns at a time); a client in crisis is answered all the same, long before they
    are given up."""
    hanging = [new_sender() for _ in range(2)]
    for sender in hanging:
        start_preparation(embedded, sender)
    in_crisis = new_sender()
    embedded.say(in_crisis, "hi")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        stuck = [pool.submit(embedded.say, sender, "hang on, she looked at the clock")
                 for sender in hanging]
        time.sleep(0.5)
        assert not any(future.done() for future in stuck)
        began = time.time()
        reply = embedded.say(in_crisis, "I want to kill myself")
        waited = time.time() - began
        assert says(reply, domain_texts["utter_safety_crisis"]) and "988" in texts(reply)
        assert not any(future.done() for future in stuck), "the hanging turns ended first"
        assert all(try_again(future.result()) for future in stuck)
    assert waited < 2, f"waited {waited:.1f} s behind turns that hang"


def test_rasa_killed_mid_conversation_resumes_at_the_same_question(embedded, domain_texts):
    sender = new_sender()
    start_preparation(embedded, sender)
    embedded.say(sender, ANSWERS["what_happened"])
    embedded.say(sender, ANSWERS["feeling"])
    asked = embedded.slot(sender, "requested_slot")
    assert asked == "feeling_ok"

    embedded.stop_part("rasa0", signal.SIGKILL)
    embedded.start_part("rasa0")
    reply = embedded.say(sender, answer(embedded, sender))
    assert says(reply, domain_texts["utter_ask_impact"])
    assert embedded.slot(sender, "feeling") == ANSWERS["feeling"]


def test_two_servers_one_conversation_alternating_to_the_draft(clinic):
    sender = new_sender()
    clinic.say_to(0, sender, "hi")
    clinic.say_to(1, sender, "/consent_accept")
    sent = ["hi", "/consent_accept"]
    drafts = []
    for turn in range(40):
        if clinic.slot(sender, "draft_shown"):
            break
        message = answer(clinic, sender)
        reply = clinic.say_to(turn % 2, sender, message)
        sent.append(message)
        drafts += [m["custom"]["text"] for m in reply if (m.get("custom") or {}).get("type") == "draft"]
    assert drafts and "clock" in drafts[-1], "no draft after 40 turns"
    events = clinic.events(sender)
    assert user_turns(clinic, sender) == sent  # every message once, in order
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    assert len({(e["event"], e["timestamp"]) for e in events}) == len(events)  # no duplicates


def test_concurrent_messages_of_one_conversation_are_serialised_by_the_lock(clinic):
    """Both servers get a message of the same conversation at the same moment, many times:
    Redis' lock must let one turn finish before the other starts."""
    senders = [new_sender() for _ in range(6)]
    for sender in senders:
        start_preparation(clinic, sender)
    barrier = threading.Barrier(2)

    def send(server: int, sender: str, text: str) -> list[dict]:
        barrier.wait()
        return clinic.say_to(server, sender, text)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for round_ in range(3):
            for sender in senders:
                first = pool.submit(send, 0, sender, f"the first thing {round_}")
                second = pool.submit(send, 1, sender, f"the second thing {round_}")
                assert not try_again(first.result()) and not try_again(second.result())
    for sender in senders:
        events = clinic.events(sender)
        kinds = [e["event"] for e in events]
        assert len(user_turns(clinic, sender)) == 2 + 6  # hi, consent, and every message once
        # turns never interleave: every user message after the first follows a finished turn
        for index, kind in enumerate(kinds):
            if kind == "user" and index > 0:
                previous = [e for e in events[:index] if e["event"] == "action"][-1]
                assert previous["name"] == "action_listen", (sender, index, kinds)
        duplicates = collections.Counter(str(e) for e in events)
        assert max(duplicates.values()) == 1


def test_database_restart_under_load_is_told_kindly_and_recovers(clinic, domain_texts):
    senders = [new_sender() for _ in range(8)]
    for sender in senders:
        start_preparation(clinic, sender)
    problems = collections.Counter()
    sent = collections.Counter()
    restarted = threading.Event()

    def client(index: int, sender: str) -> None:
        while not read_when_up(clinic.slot, sender, "draft_shown"):
            message = read_when_up(answer, clinic, sender)
            reply = clinic.say_to(index % 2, sender, message)  # asserts a 200 with a reply
            sent["after restart" if restarted.is_set() else "before"] += 1
            if try_again(reply):
                problems["try again"] += 1
                time.sleep(0.5)
            assert not says(reply, domain_texts["utter_welcome"]), "sent back to the start"

    with concurrent.futures.ThreadPoolExecutor(len(senders)) as pool:
        running = [pool.submit(client, i, s) for i, s in enumerate(senders)]
        while sent["before"] < 2 * len(senders):  # every client is on its way
            time.sleep(0.05)
        services("restart-db", clinic.services)
        restarted.set()
        for future in running:
            future.result(timeout=600)
    print(f"during the restart: {problems['try again']} kind try-again replies")
    assert sent["after restart"] >= len(senders), "the restart did not happen under load"
    for sender in senders:
        assert clinic.slot(sender, "draft_shown")
        assert clinic.slot(sender, "what_happened") == ANSWERS["what_happened"]
        assert user_turns(clinic, sender).count(ANSWERS["what_happened"]) == 1


def test_after_a_quiet_database_restart_the_next_message_just_works(clinic, domain_texts):
    sender = new_sender()
    start_preparation(clinic, sender)
    clinic.say_to(0, sender, ANSWERS["what_happened"])  # both servers now hold pooled
    clinic.say_to(1, sender, ANSWERS["feeling"])        # connections to the database
    services("restart-db", clinic.services)
    reply = clinic.say_to(0, sender, "/affirm")
    assert not try_again(reply) and says(reply, domain_texts["utter_ask_impact"])
    reply = clinic.say_to(1, sender, ANSWERS["impact"])
    assert not try_again(reply)


def test_database_down_never_starts_the_client_over(clinic, domain_texts):
    sender = new_sender()
    start_preparation(clinic, sender)
    clinic.say_to(0, sender, ANSWERS["what_happened"])
    services("stop-db", clinic.services)
    try:
        reply = clinic.say_to(1, sender, ANSWERS["feeling"])
        assert try_again(reply) and says(reply, domain_texts["utter_technical_problem"])
        assert not says(reply, domain_texts["utter_welcome"])
    finally:
        services("start-db", clinic.services)
    reply = clinic.say_to(1, sender, ANSWERS["feeling"])
    assert says(reply, domain_texts["utter_ask_feeling_ok"])


def test_lock_store_down_is_told_kindly_and_the_conversation_goes_on(clinic, domain_texts):
    sender = new_sender()
    start_preparation(clinic, sender)
    services("stop-redis", clinic.services)
    try:
        reply = clinic.say_to(0, sender, ANSWERS["what_happened"])
        assert try_again(reply) and says(reply, domain_texts["utter_technical_problem"])
    finally:
        services("start-redis", clinic.services)
    reply = clinic.say_to(1, sender, ANSWERS["what_happened"])
    assert says(reply, domain_texts["utter_ask_feeling"])
    assert user_turns(clinic, sender).count(ANSWERS["what_happened"]) == 1


def test_the_lock_store_gives_every_waiting_message_its_own_ticket(clinic_services):
    """Many servers asking for a ticket of one conversation at once: no two get the same
    number (Rasa 3.6's RedisLockStore reads and writes the lock in two steps and can)."""
    from service.lock_store import AtomicRedisLockStore
    from tests.servers.helpers import read_env_file

    env = read_env_file(clinic_services / "env")
    stores = [AtomicRedisLockStore(host=env["REDIS_HOST"], port=env["REDIS_PORT"],
                                   db=env["REDIS_DB"], password=env["REDIS_PASSWORD"])
              for _ in range(6)]
    conversation = new_sender()
    with concurrent.futures.ThreadPoolExecutor(len(stores)) as pool:
        tickets = list(pool.map(lambda store: [store.issue_ticket(conversation) for _ in range(40)],
                                stores))
    issued = [number for batch in tickets for number in batch]
    assert len(issued) == len(set(issued)) == 240
    for number in issued:
        stores[0].cleanup(conversation, number)
    assert stores[0].get_lock(conversation) is None  # nothing left behind in Redis


def test_the_lock_store_keeps_rasas_ticket_lock(clinic_services):
    """The lock is changed in Redis, but read back by Rasa's own `get_lock`: tickets are
    served in order, an expired one is skipped, a finished one is gone, and the key expires."""
    from service.lock_store import AtomicRedisLockStore
    from tests.servers.helpers import read_env_file

    env = read_env_file(clinic_services / "env")
    store = AtomicRedisLockStore(host=env["REDIS_HOST"], port=env["REDIS_PORT"],
                                 db=env["REDIS_DB"], password=env["REDIS_PASSWORD"])
    conversation = new_sender()
    first, short, third = (store.issue_ticket(conversation, lifetime) for lifetime in (60, 0.2, 60))
    assert (first, short, third) == (0, 1, 2)
    lock = store.get_lock(conversation)
    assert lock.conversation_id == conversation and lock.now_serving == first
    assert not lock.is_locked(first) and lock.is_locked(third)
    assert 0 < store.red.ttl(store.key_prefix + conversation) <= store.expire_seconds
    time.sleep(0.3)
    store.cleanup(conversation, first)
    assert store.get_lock(conversation).now_serving == third  # the expired ticket is gone
    assert store.issue_ticket(conversation) == third + 1
    store.update_lock(conversation)
    assert [t.number for t in store.get_lock(conversation).tickets] == [third, third + 1]
    store.cleanup(conversation, third)
    store.cleanup(conversation, third + 1)
    assert store.get_lock(conversation) is None
    store.update_lock(conversation)  # no lock: nothing is created
    assert store.get_lock(conversation) is None

    times = {}

    async def turn(name: str, hold: float) -> None:  # Rasa's own way in: `lock()`
        async with store.lock(conversation, wait_time_in_seconds=0.05):
            times[name] = [time.monotonic()]
            await asyncio.sleep(hold)
            times[name].append(time.monotonic())

    async def both() -> None:
        await asyncio.gather(turn("first", 0.3), turn("second", 0))

    asyncio.run(both())
    assert times["second"][0] >= times["first"][1], "the second message ran inside the first"
    assert store.get_lock(conversation) is None
