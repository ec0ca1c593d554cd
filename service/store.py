"""Rasa's SQL tracker store (SQLite by default, PostgreSQL for clinics), made private.

Configured in endpoints.yml as `type: service.store.PrivateTrackerStore`; everything
else is Rasa's own `SQLTrackerStore`. On top of it:
- **Deletion is real.** When the bot has just said `utter_data_deleted` (the client
  asked to delete their data and confirmed), every row of that conversation is deleted
  instead of saved. SQLite runs with `secure_delete`, so the bytes are overwritten too.
- **Retention is enforced.** Conversations whose last event is older than
  `retention_days` (clinic.yml, default 7) are purged when the server starts, then every
  `purge_every_minutes` (default 60) on a timer while it runs, busy or idle, and by
  `make purge`. With
  `retention_days: 0` nothing is kept after a conversation ends: it is deleted when the
  client says goodbye or stops, and purged once idle for `idle_minutes` (default 60). A
  conversation that ends before the client agreed to the terms ("Not now") is deleted then,
  whatever the retention.
- **Errors carry no conversation.** SQLAlchemy's messages include the statement's
  parameters (the client's words); they are re-raised as `StoreUnavailable` naming only
  the error type.
- **A failure is never a silent restart** (service/trouble.py). Rasa wraps every tracker
  store in a `FailSafeTrackerStore`, which answers a failed read with an empty
  conversation and keeps a failed write in memory. Here a failed read is reported to the
  channel (the client is asked to try again) and nothing of that stand-in conversation is
  saved; a failed write is reported and not handed to the in-memory fallback; and a turn
  in which a custom action failed is not saved at all, like a rolled-back transaction: the
  conversation stays at the same question, and the client sends the message again.
  (Rasa's `UserUtteranceReverted` cannot do this inside a form: the form's turns are
  folded together, and the rewind falls back to before the form began.)
- **Less work per message** (measured by `make bench`, benchmarks/TRIED.md). A conversation
  just saved here is kept in memory for its next message (up to `kept_conversations`, 100),
  and used only if the newest stored event is still the one this process wrote: another
  server's write, a deletion or a purge sends the read to the database. Reads fetch only
  the events' JSON; a save inserts the new events in one statement, without counting the
  stored ones again, and notes the newest event id in the same transaction.
- **The server keeps answering while the database works.** Every query runs on a small
  pool of threads of its own (one for SQLite, which writes one at a time), so a turn
  waiting for PostgreSQL no longer stops the event loop and every other client with it
  (a turn spent ~3 ms of its ~25 ms blocked there under load, measured). The queries are
  SQLAlchemy Core statements built once, not ORM sessions built per query.
- **A database restart is survived without a ping per query.** Instead of checking every
  pooled connection before use (`pool_pre_ping`, a round trip each time), a read that
  finds its connection dropped is tried once more: SQLAlchemy has by then discarded every
  connection of the pool that predates the restart.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import itertools
import json
import logging
import os
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bring_it_up.clinic import load_clinic
from service import trouble

logger = logging.getLogger(__name__)

DELETE_NOW = "utter_data_deleted"
# Set on a tracker read from the store: how many of its events are stored.
STORED = "_bring_it_up_stored_events"
CONVERSATION_ENDS = ("utter_goodbye", "utter_stop")
T = TypeVar("T")


class StoreUnavailable(RuntimeError):
    """The database failed; the message names the error type and nothing else."""




def _this_turn(tracker: DialogueStateTracker) -> set[str]:
    """Names of the actions run since the client's latest message."""
    names: set[str] = set()
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            names.add(event.action_name)
    return names


class PrivateTrackerStore(SQLTrackerStore):
    engine: Any
    sessionmaker: Any

    def __init__(self, domain: Any = None, retention_days: float | None = None,
                 purge_every_minutes: float = 60, idle_minutes: float = 60,
                 kept_conversations: int = 100, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        # Conversations kept in memory between messages (see `_kept_tracker`); 0: none.
        self.kept_conversations = int(kept_conversations)
        self._kept: OrderedDict[str, tuple[DialogueStateTracker, int | None]] = OrderedDict()
        engine: Any = self.engine
        events = self.SQLEvent.__table__
        sender = events.c.sender_id == sa.bindparam("sender_id")
        session_start = sa.select(sa.func.max(events.c.timestamp)).where(
            sender, events.c.type_name == SessionStarted.type_name).scalar_subquery()
        # Rasa's `_event_query`: the latest session's events (or all of them), by id.
        self._all_events = sa.select(events.c.data).where(sender).order_by(events.c.id)
        self._session_events = self._all_events.where(
            sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
        self._count_session = sa.select(sa.func.count()).select_from(
            self._session_events.subquery())
        self._recent = sa.select(events.c.data).where(sender).order_by(
            events.c.id.desc()).limit(sa.bindparam("limit"))
        self._insert = events.insert()
        self._newest = sa.select(sa.func.max(events.c.id)).where(sender)
        self._threads = 1 if engine.dialect.name == "sqlite" else 4
        self._pool: ThreadPoolExecutor | None = None  # made on first use, in the serving process
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect",
                            lambda connection, _: connection.execute("PRAGMA secure_delete = ON"))
            engine.dispose()  # the connection Rasa opened to create the table lacks it
        if retention_days is None:
            retention_days = load_clinic()["retention_days"]
        self.retention_days = float(retention_days)
        self.purge_every = float(purge_every_minutes) * 60
        self.idle_minutes = float(idle_minutes)
        self.last_purged = 0
        try:
            self.purge()
        except SQLAlchemyError as err:
            logger.error("retention: purge at start failed with %s", type(err).__name__)
        self._timer = self._start_timer()

    def _start_timer(self) -> asyncio.Task[None] | None:
        """Rasa makes the tracker store inside the server's event loop; there the purge runs
        every `purge_every` seconds for the life of the server. Outside one (`make purge`, a
        script) there is nothing to keep running."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return loop.create_task(self._purge_on_timer())

    async def _purge_on_timer(self) -> None:
        while True:
            await asyncio.sleep(self.purge_every)
            try:
                await self._in_thread(self.purge)
            except SQLAlchemyError as err:
                logger.error("retention: purge failed with %s", type(err).__name__)

    # -- Rasa's interface ------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        done = _this_turn(tracker)
        ended = bool(done & set(CONVERSATION_ENDS))
        # A conversation that ends before the client agreed ("Not now") is not kept at all.
        if DELETE_NOW in done or (ended and (self.retention_days == 0
                                              or not tracker.get_slot("consented"))):
            await self._in_thread(self.delete, tracker.sender_id)
            return
        if trouble.current():
            # After a failed read Rasa holds an empty stand-in, not the conversation; after a
            # failed action, a half-done turn. Neither is saved: the client tries again.
            return
        await self.stream_events(tracker)  # Rasa's event broker, if one is configured
        keep = self._keepable(tracker)
        try:
            newest = await self._in_thread(self._write, tracker, keep)
        except SQLAlchemyError as err:
            logger.error("saving a conversation failed with %s", type(err).__name__)
            trouble.report("store write")
            return  # not raised: Rasa's fail-safe would keep the conversation in memory
        if hasattr(tracker, STORED):  # a second save in the same turn adds only what is new
            setattr(tracker, STORED, len(tracker.events))
        if keep:
            self._kept[tracker.sender_id] = (tracker, newest)
            while len(self._kept) > self.kept_conversations:
                self._kept.popitem(last=False)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> DialogueStateTracker | None:
        """Rasa's read, made cheaper (see `_kept_tracker`): it fetches only the events'
        JSON instead of building a SQLAlchemy object per row, and remembers how many
        events were read so that `save` need not count them again."""
        if not fetch_events_from_all_sessions:
            kept = await self._kept_tracker(sender_id)
            if kept is not None:
                return kept
        query = self._all_events if fetch_events_from_all_sessions else self._session_events
        rows = await self._in_thread(self._read, query, sender_id)
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(data) for (data,) in rows],
                                                 self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED, len(rows))
        return tracker

    async def _kept_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation as this process last saved it, if nobody has written to it
        since: the conversation lock lets one message at a time work on a conversation,
        so a tracker saved here is still current when the newest stored event is the one
        this process wrote last (one small query instead of reading and replaying every
        event). It is handed out once: only a successful `save` keeps it again, so a turn
        that failed half-way never leaves a half-changed tracker behind."""
        kept = self._kept.pop(sender_id, None)
        if kept is None:
            return None
        tracker, last_id = kept
        newest = await self._in_thread(self._read, self._newest, sender_id)
        return tracker if newest and newest[0][0] == last_id else None

    def _keepable(self, tracker: DialogueStateTracker) -> bool:
        """Whether a tracker about to be saved can be kept for the conversation's next
        message: it was read (or kept) here, and it does not span two sessions (a read from
        the database would return only the latest one)."""
        return bool(self.kept_conversations) and hasattr(tracker, STORED) and not any(
            isinstance(event, SessionStarted) for event in itertools.islice(tracker.events, 1, None))

    async def _in_thread(self, work: Callable[..., T], *args: Any) -> T:
        """Run blocking database work on the store's threads, in this turn's context (so
        `trouble.report` reaches the channel), while the event loop serves others. A turn
        cancelled meanwhile (the client went away) still waits for the work to end before
        it lets go of the conversation's lock: the next message must not read the
        conversation while this turn's save is still being written."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="tracker-store")
        call = functools.partial(contextvars.copy_context().run, work, *args)
        running = asyncio.get_running_loop().run_in_executor(self._pool, call)
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            await asyncio.wait({running})
            raise

    def _write(self, tracker: DialogueStateTracker, keep: bool) -> int | None:
        """Insert the events not stored yet in one statement; returns the newest stored
        event id when the tracker is to be kept (see `_kept_tracker`). Rasa counts the
        stored events with a query on every save; the conversation lock keeps anyone else
        from writing between our read and this save, so the number read (or last saved)
        is the number stored."""
        with self.engine.begin() as connection:
            stored = getattr(tracker, STORED, None)
            if stored is None:
                stored = connection.execute(self._count_session,
                                            {"sender_id": tracker.sender_id}).scalar()
            rows = [_row(tracker.sender_id, event)
                    for event in itertools.islice(tracker.events, stored, None)]
            if rows:
                connection.execute(self._insert, rows)
            if not keep:
                return None
            newest = connection.execute(self._newest, {"sender_id": tracker.sender_id}).scalar()
            return None if newest is None else int(newest)

    def _read(self, query: Any, sender_id: str, **params: Any) -> list[Any]:
        """Run a read. If its pooled connection died with a database restart, it is tried
        once more on a new one; a failure is told to the channel (the client is asked to
        try again) and raised as `StoreUnavailable`, without the SQL parameters."""
        def run() -> list[Any]:
            with self.engine.connect() as connection:
                return connection.execute(query, {"sender_id": sender_id, **params}).all()

        try:
            try:
                return run()
            except DBAPIError as err:
                if not err.connection_invalidated:
                    raise
                return run()  # SQLAlchemy has dropped every connection from before the restart
        except SQLAlchemyError as err:
            trouble.report("store read")
            raise StoreUnavailable(type(err).__name__) from None

    # -- ours ----------------------------------------------------------------------

    async def recent_events(self, sender_id: str, limit: int = 60) -> list[dict[str, Any]]:
        """The latest stored events of a conversation, oldest first, as dicts: enough to
        see which buttons are on screen without loading and replaying the whole tracker."""
        rows = await self._in_thread(functools.partial(self._read, limit=limit), self._recent,
                                     sender_id)
        return [json.loads(data) for (data,) in reversed(rows)]

    def delete(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; returns how many rows went."""
        self._kept.pop(sender_id, None)
        with self.session_scope() as session:
            rows = session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == sender_id).delete(synchronize_session=False)
            session.commit()
        return int(rows)

    def cutoff(self, now: float | None = None) -> float:
        """Conversations whose last event is older than this timestamp are purged."""
        now = time.time() if now is None else now
        if self.retention_days > 0:
            return now - self.retention_days * 86400
        return now - self.idle_minutes * 60

    def purge(self, now: float | None = None) -> int:
        """Delete every conversation past the retention period; returns how many."""
        event = self.SQLEvent
        with self.session_scope() as session:
            stale = (session.query(event.sender_id).group_by(event.sender_id)
                     .having(sa.func.max(event.timestamp) < self.cutoff(now)))
            senders = [sender for (sender,) in stale.all()]
            for sender in senders:
                self._kept.pop(sender, None)
            for start in range(0, len(senders), 500):
                session.query(event).filter(event.sender_id.in_(senders[start:start + 500])) \
                    .delete(synchronize_session=False)
            session.commit()
        if senders:
            logger.info("retention: purged %d conversation(s)", len(senders))
        self.last_purged = len(senders)
        return len(senders)


def _row(sender_id: str, event: Any) -> dict[str, Any]:
    """An event as Rasa's `SQLTrackerStore.save` stores it."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"), "data": json.dumps(data)}


def from_endpoints(path: str = "endpoints.yml") -> PrivateTrackerStore:
    """The tracker store endpoints.yml describes (with its ${VARIABLES} filled in)."""
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(path, "tracker_store")
    if config is None or config.type != "service.store.PrivateTrackerStore":
        raise SystemExit(f"{path}: tracker_store must be service.store.PrivateTrackerStore")
    return PrivateTrackerStore(host=config.url, **config.kwargs)


if __name__ == "__main__":  # `make purge`; a clinic may run it from cron as well
    # endpoints.yml names the action server too; purging does not need it.
    os.environ.setdefault("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    store = from_endpoints(os.environ.get("BIU_ENDPOINTS", sys.argv[1] if len(sys.argv) > 1
                                          else "endpoints.yml"))
    print(f"retention: {store.retention_days:g} day(s); purged {store.last_purged} conversation(s)")
