"""Rasa's Redis lock store, made atomic between servers.

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock with GET, change, SET.
Two servers that receive a message of the same conversation at the same moment can both
read the lock before either writes it, both hold "their" ticket, and run both turns at
once; the later save then drops the other turn's events (the fault test
`test_concurrent_messages_of_one_conversation_are_serialised_by_the_lock` showed a lost
message). The atomic store is Rasa Pro only, so this one does every change of a lock in a
Redis transaction (WATCH/MULTI/EXEC, retried when another server changed the lock first).

Everything else is Rasa's: the ticket lock, how a server waits for its turn, the lock's
lifetime. Each lock key also expires a while after its last change, so a server that
dies mid-turn leaves no conversation id behind in Redis.

endpoints.clinic.yml: `lock_store: type: service.lock_store.AtomicRedisLockStore`, with
the same settings as Rasa's `type: redis`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Change = Callable[[TicketLock | None], tuple[Any, TicketLock | None]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its class
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)
        self.expire_seconds = math.ceil(LOCK_LIFETIME * 2)

    def _atomically(self, conversation_id: str, change: Change) -> Any:
        """Read the lock, change it and write it back (or delete it if `change` returns
        no lock) as one step; retried if another server changed it in between."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            result, changed = change(lock)
            pipe.multi()
            if changed is None:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps(), ex=self.expire_seconds)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return int(self._atomically(conversation_id, issue))
        except Exception as exc:  # Rasa's contract: a failed ticket is a LockError
            raise LockError(f"Error while acquiring lock: {type(exc).__name__}") from None

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock:
                lock.remove_expired_tickets()
            return None, lock

        self._atomically(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
                if not lock.is_someone_waiting():
                    lock = None
            return None, lock

        self._atomically(conversation_id, finish)
