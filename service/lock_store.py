"""Rasa's Redis lock store, made atomic between servers.

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock with GET, change, SET.
Two servers that receive a message of the same conversation at the same moment can both
read the lock before either writes it, both hold "their" ticket, and run both turns at
once; the later save then drops the other turn's events (the fault test
`test_concurrent_messages_of_one_conversation_are_serialised_by_the_lock` showed a lost
message). The atomic store is Rasa Pro only, so this one changes a lock with a Lua script,
which Redis runs as one step: issuing a ticket, finishing one, and dropping expired ones
are each a single round trip (a WATCH/MULTI/EXEC transaction took three, each blocking
the server's event loop), and a ticket served as soon as it is issued (nobody else was
waiting: nearly always) does not read the lock back to see whose turn it is.

Everything else is Rasa's: the ticket lock and its stored form (`TicketLock.dumps`, read
back by Rasa's `get_lock`), how a server waits for its turn, the lock's lifetime. Each
lock key also expires a while after its last change, so a server that dies mid-turn
leaves no conversation id behind in Redis.

endpoints.clinic.yml: `lock_store: type: service.lock_store.AtomicRedisLockStore`, with
the same settings as Rasa's `type: redis`.
"""

from __future__ import annotations

import math
import time
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# KEYS[1]: the lock. ARGV: what to do ("issue", "finish" or "expire"), the conversation id,
# now (the server's clock, as Rasa's `Ticket.has_expired` uses), the new ticket's lifetime
# or the finished ticket's number, and how long the key lives after this change. Returns
# the new ticket's number (0 for the other actions) and the number now served.
# Tickets are kept as Rasa stores them: each one a JSON string inside the lock's JSON
# (`tickets` below holds them encoded as such strings).
CHANGE_LOCK = """
local action, now, arg = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local tickets, first, last = {}, nil, -1
local raw = redis.call('GET', KEYS[1])
if not raw and action == 'expire' then
  return {0, -1}
end
if raw then
  for _, text in ipairs(cjson.decode(raw).tickets or {}) do
    local ticket = cjson.decode(text)
    if ticket.expires >= now and not (action == 'finish' and ticket.number == arg) then
      table.insert(tickets, cjson.encode(text))
      first = first or ticket.number
      last = ticket.number
    end
  end
end
local result = 0
if action == 'issue' then
  result = last + 1
  first = first or result
  table.insert(tickets, cjson.encode(cjson.encode({number = result, expires = now + arg})))
end
if #tickets == 0 and action ~= 'expire' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], '{"conversation_id": ' .. cjson.encode(ARGV[2]) ..
             ', "tickets": [' .. table.concat(tickets, ', ') .. ']}', 'EX', ARGV[5])
end
return {result, first or -1}
"""


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its class
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)
        self.expire_seconds = math.ceil(LOCK_LIFETIME * 2)
        self._change_lock = self.red.register_script(CHANGE_LOCK)
        self._served_at_once: set[tuple[str, int]] = set()

    def _change(self, action: str, conversation_id: str, number: float) -> tuple[int, int]:
        ticket, serving = self._change_lock(keys=[self.key_prefix + conversation_id], args=[
            action, conversation_id, repr(time.time()), repr(number), self.expire_seconds])
        return int(ticket), int(serving)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket, serving = self._change("issue", conversation_id, lock_lifetime)
        except Exception as exc:  # Rasa's contract: a failed ticket is a LockError
            raise LockError(f"Error while acquiring lock: {type(exc).__name__}") from None
        if ticket == serving:  # nobody ahead: `_acquire_lock` need not read the lock again
            self._served_at_once.add((conversation_id, ticket))
        return ticket

    async def _acquire_lock(self, conversation_id: str, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        """Rasa's wait for a ticket's turn, skipped when the ticket was served as it was
        issued (Rasa's `lock` asks for the ticket and then at once for its turn)."""
        if (conversation_id, ticket) in self._served_at_once:
            self._served_at_once.discard((conversation_id, ticket))
            return TicketLock(conversation_id)
        return await super()._acquire_lock(conversation_id, ticket, wait_time_in_seconds)

    def update_lock(self, conversation_id: str) -> None:
        self._change("expire", conversation_id, 0)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._change("finish", conversation_id, ticket_number)
