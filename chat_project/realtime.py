"""The one module that touches the channel layer and the presence store.

It imports no app: services call `broadcast_on_commit` with a payload they
built, and the consumer (messaging/consumers.py) turns every `chat.event`
message into a JSON frame for the client. Events leave only after the write
commits, so a rolled-back write never produces one.

Presence lives in Redis (not in process memory) so that it is right with several
server processes: one sorted set per user holds that user's open sockets scored by
their expiry time, and one global sorted set holds every socket. Each server process
refreshes the expiry of its own sockets every TTL/3 and sweeps expired entries, so the
sockets of a process that died without closing them (SIGKILL, power loss) disappear
within TTL + TTL/3. Every transition is a Lua script, so exactly one caller sees a
user's last socket go and emits `user_offline`. Without REDIS_URL (embedded mode) an
in-process store with the same behaviour stands in.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

#: The channel-layer message type every consumer handles (method `chat_event`).
EVENT_MESSAGE_TYPE = "chat.event"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def session_group(session_key: str) -> str:
    """The group of the sockets one browser session opened (closed again at logout).

    A hash, not the key itself: group names end up in Redis keys and logs, and a
    session key is a credential.
    """
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return f"session.{digest}"


def _envelope(event: dict[str, Any], group: str) -> dict[str, Any]:
    # `group` lets a socket drop events of a conversation it has just left even when
    # they were already queued for it (see ChatConsumer.chat_event). `text` is the frame,
    # encoded once here rather than by each of the group's sockets.
    return {"type": EVENT_MESSAGE_TYPE, "event": event, "group": group, "text": json.dumps(event)}


class PubSubPublisher:
    """`group_send` of channels-redis's `RedisPubSubChannelLayer`, done in the calling thread.

    From sync code (after-commit hooks of views and services) `async_to_sync(group_send)`
    hands one PUBLISH to the event loop and blocks until it is done: two thread switches
    and redis-py's asyncio client per event, a large share of a REST send's CPU
    (`python -m bench.inprocess send`). This is the same PUBLISH with a sync client: the
    same serialization (the layer's own `serialize`), channel name and shard choice as
    `RedisPubSubLoopLayer.group_send` in channels-redis 4 (pinned in requirements.txt;
    chat_project/tests/test_realtime_publish.py checks both against the layer).
    """

    def __init__(self, layer: Any, config: dict[str, Any]) -> None:
        import redis
        from channels_redis.utils import decode_hosts

        self._serialize = layer.serialize
        self._prefix = config.get("prefix", "asgi")
        hosts = decode_hosts(config.get("hosts"))
        self._clients = [
            redis.Redis.from_url(h["address"], **{k: v for k, v in h.items() if k != "address"})
            for h in hosts
        ]

    def channel_name(self, group: str) -> str:
        return f"{self._prefix}__group__{group}"

    def group_send(self, group: str, message: dict[str, Any]) -> None:
        from channels_redis.utils import _consistent_hash

        channel = self.channel_name(group)
        client = self._clients[_consistent_hash(channel, len(self._clients))]
        client.publish(channel, self._serialize(message))


_publishers: weakref.WeakKeyDictionary[Any, PubSubPublisher | None] = weakref.WeakKeyDictionary()
_publishers_lock = threading.Lock()


def _publisher(layer: Any) -> PubSubPublisher | None:
    """The sync publisher of a pub/sub layer whose hosts are plain addresses, else None."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    with _publishers_lock:
        if layer not in _publishers:
            layer_settings = settings.CHANNEL_LAYERS.get("default", {})
            config = layer_settings.get("CONFIG") or {}
            usable = isinstance(layer, RedisPubSubChannelLayer) and all(
                isinstance(host, dict) and "address" in host for host in config.get("hosts") or []
            )
            _publishers[layer] = PubSubPublisher(layer, config) if usable else None
        return _publishers[layer]


def _group_send_sync(group: str, message: dict[str, Any]) -> None:
    """A channel-layer group send from sync code."""
    layer = get_channel_layer()
    if layer is None:
        return
    publisher = _publisher(layer)
    if publisher is not None:
        publisher.group_send(group, message)
    else:
        async_to_sync(layer.group_send)(group, message)


_collecting = threading.local()


@contextmanager
def collect_sends() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Collect the events `send_now` would send in this thread, instead of sending them.

    The consumer runs services in a worker thread with `database_sync_to_async`; their
    after-commit sends would otherwise go out while that thread still holds its database
    connection. Collected, they are sent by `flush_sends` from the event loop once the
    connection is back in the pool — in the order the services queued them.
    """
    previous = getattr(_collecting, "sends", None)
    sends: list[tuple[str, dict[str, Any]]] = []
    _collecting.sends = sends
    try:
        yield sends
    finally:
        _collecting.sends = previous


async def flush_sends(sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Send what `collect_sends` gathered (async: from the consumer's event loop)."""
    for group, event in sends:
        try:
            await send_async(group, event)
        except Exception:  # committed already; a lost event is caught up by `after=`
            logger.exception("channel layer send to %s failed", group)


def send_now(group: str, event: dict[str, Any]) -> None:
    """Send an event to a group from sync code, right away (used after commit)."""
    collecting = getattr(_collecting, "sends", None)
    if collecting is not None:
        collecting.append((group, event))
        return
    try:
        _group_send_sync(group, _envelope(event, group))
    except Exception:  # the write is committed; a lost event is caught up by `after=`
        logger.exception("channel layer send to %s failed", group)


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Queue `event` for `group`, sent only if and when the surrounding transaction commits."""
    transaction.on_commit(lambda: send_now(group, event))


def broadcast_to_users_on_commit(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send one event to each user's personal group after commit."""
    ids = list(user_ids)
    transaction.on_commit(lambda: [send_now(user_group(uid), event) for uid in ids])


async def send_async(group: str, event: dict[str, Any]) -> None:
    """Ephemeral signals (typing, viewers, presence) from async code: nothing to commit."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, _envelope(event, group))


# --- Session control ---------------------------------------------------------------
#: Channel-layer message that makes sockets close (ban, password change, logout).
DISCONNECT_MESSAGE_TYPE = "chat.disconnect"


def _send_disconnect(group: str, reason: str) -> None:
    try:
        _group_send_sync(group, {"type": DISCONNECT_MESSAGE_TYPE, "reason": reason})
    except Exception:
        logger.exception("could not disconnect the sockets of %s", group)


def disconnect_user_on_commit(user_id: int, reason: str) -> None:
    """Close every open socket of `user_id`, in every process, once the change commits."""
    transaction.on_commit(lambda: _send_disconnect(user_group(user_id), reason))


def disconnect_session(session_key: str) -> None:
    """Close the sockets a browser session opened (web logout), in every process, now.

    Only sockets that authenticated with that session cookie are in its group; the
    user's other devices (other sessions, Bearer, tickets) stay connected.
    """
    if session_key:
        _send_disconnect(session_group(session_key), "logged_out")


# --- Presence ----------------------------------------------------------------------


def presence_ttl() -> float:
    """Seconds a socket stays "online" without a refresh from its server process."""
    return float(settings.PRESENCE_TTL_SECONDS)


_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

# KEYS: user set, all set. ARGV: socket id, "uid|socket id", ttl. -> 1 if the user had no
# live socket before (came online).
_LUA_CONNECT = (
    _NOW
    + """
local ttl = tonumber(ARGV[3])
local live = redis.call('ZCOUNT', KEYS[1], now, '+inf')
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[2])
if live == 0 then return 1 end
return 0
"""
)

# KEYS: user set, all set. ARGV: socket id, "uid|socket id", uid. -> 1 if this call removed
# the user's last socket (went offline). With no live socket left, a dead process's
# expired leftovers of that user are removed too, so the answer is final.
_LUA_DISCONNECT = (
    _NOW
    + """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('ZCOUNT', KEYS[1], now, '+inf') == 0 then
  for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    redis.call('ZREM', KEYS[2], ARGV[3] .. '|' .. sid)
    removed = removed + redis.call('ZREM', KEYS[1], sid)
  end
end
if removed > 0 and redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
"""
)

# KEYS: all set, then one user set per socket. ARGV: ttl, then uid, socket id per socket.
# -> uids whose socket had been swept (process stalled past the TTL) and who had no other
# live socket: they are online again.
_LUA_REFRESH = (
    _NOW
    + """
local ttl = tonumber(ARGV[1])
local revived = {}
for i = 2, #KEYS do
  local uid = ARGV[2 * i - 2]
  local sid = ARGV[2 * i - 1]
  local live = redis.call('ZCOUNT', KEYS[i], now, '+inf')
  local added = redis.call('ZADD', KEYS[i], now + ttl, sid)
  redis.call('ZADD', KEYS[1], now + ttl, uid .. '|' .. sid)
  if added == 1 and live == 0 then table.insert(revived, uid) end
end
return revived
"""
)

# KEYS: all set. ARGV: user-set key prefix, max entries. -> uids whose last socket this
# sweep removed (went offline). ZREM decides: of racing sweepers only one removes an entry.
_LUA_SWEEP = (
    _NOW
    + """
local offline = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(expired) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local sep = string.find(member, '|', 1, true)
    local uid = string.sub(member, 1, sep - 1)
    local sid = string.sub(member, sep + 1)
    local ukey = ARGV[1] .. uid
    local score = redis.call('ZSCORE', ukey, sid)
    if score and tonumber(score) <= now then
      redis.call('ZREM', ukey, sid)
      if redis.call('ZCARD', ukey) == 0 then table.insert(offline, uid) end
    end
  end
end
return offline
"""
)

# KEYS: user sets. -> live socket count of each.
_LUA_LIVE_COUNTS = (
    _NOW
    + """
local counts = {}
for i = 1, #KEYS do counts[i] = redis.call('ZCOUNT', KEYS[i], now, '+inf') end
return counts
"""
)

_LUA_COUNT_ALL = _NOW + "return redis.call('ZCOUNT', KEYS[1], now, '+inf')\n"

# KEYS: viewers set. ARGV: uid, socket id, ttl. -> {1 if no other socket of the user was
# viewing, members}.
_LUA_VIEWER_JOIN = (
    _NOW
    + """
local ttl = tonumber(ARGV[3])
local prefix = ARGV[1] .. '|'
local mine = prefix .. ARGV[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local first = 1
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= mine and string.sub(m, 1, #prefix) == prefix then first = 0 end
end
redis.call('ZADD', KEYS[1], now + ttl, mine)
redis.call('EXPIRE', KEYS[1], math.ceil(ttl * 2))
return {first, redis.call('ZRANGE', KEYS[1], 0, -1)}
"""
)

# KEYS: viewers set. ARGV: uid, socket id. -> 1 if the user's last viewing socket left.
_LUA_VIEWER_LEAVE = (
    _NOW
    + """
local prefix = ARGV[1] .. '|'
if redis.call('ZREM', KEYS[1], prefix .. ARGV[2]) == 0 then return 0 end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  if string.sub(m, 1, #prefix) == prefix then return 0 end
end
return 1
"""
)

# KEYS: viewers sets. ARGV: ttl, then one member per key.
_LUA_VIEWER_REFRESH = (
    _NOW
    + """
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[i + 1])
  redis.call('EXPIRE', KEYS[i], math.ceil(ttl * 2))
end
return #KEYS
"""
)


class _Lua:
    """A script run by its SHA (loaded on first use), for the sync and the async client."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def run(self, client: Any, keys: Sequence[str], args: Sequence[Any]) -> Any:
        from redis.exceptions import NoScriptError

        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return client.eval(self.source, len(keys), *keys, *args)

    async def arun(self, client: Any, keys: Sequence[str], args: Sequence[Any]) -> Any:
        from redis.exceptions import NoScriptError

        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await client.eval(self.source, len(keys), *keys, *args)


CONNECT = _Lua(_LUA_CONNECT)
DISCONNECT = _Lua(_LUA_DISCONNECT)
REFRESH = _Lua(_LUA_REFRESH)
SWEEP = _Lua(_LUA_SWEEP)
LIVE_COUNTS = _Lua(_LUA_LIVE_COUNTS)
COUNT_ALL = _Lua(_LUA_COUNT_ALL)
VIEWER_JOIN = _Lua(_LUA_VIEWER_JOIN)
VIEWER_LEAVE = _Lua(_LUA_VIEWER_LEAVE)
VIEWER_REFRESH = _Lua(_LUA_VIEWER_REFRESH)

#: At most this many expired sockets are swept per call (the next beat takes the rest).
SWEEP_BATCH = 500


def _prefix() -> str:
    return f"{settings.REDIS_PREFIX}:presence"


def _user_key(user_id: int) -> str:
    return f"{_prefix()}:u:{user_id}"


def _all_key() -> str:
    return f"{_prefix()}:all"


def _viewers_key(conversation_id: int) -> str:
    return f"{_prefix()}:v:{conversation_id}"


_sync_client: Any = None
_sync_lock = threading.Lock()
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
    weakref.WeakKeyDictionary()
)


def _pool_options() -> dict[str, Any]:
    """The same pool size and timeout as the channel layer (see settings.base)."""
    return {
        "max_connections": settings.REDIS_MAX_CONNECTIONS,
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
    }


def _client() -> Any:
    """The process-wide sync Redis client (thread-safe, pooled)."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None:
            import redis

            _sync_client = redis.Redis.from_url(settings.REDIS_URL, **_pool_options())
        return _sync_client


def _aclient() -> Any:
    """One asyncio Redis client per event loop (a client is bound to the loop it ran on)."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(settings.REDIS_URL, **_pool_options())
        _async_clients[loop] = client
    return client


def _ids(values: Iterable[Any]) -> list[int]:
    return [int(v.decode() if isinstance(v, bytes) else v) for v in values]


class _MemoryPresence:
    """Embedded mode (no REDIS_URL): the same rules in this process's memory."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sockets: dict[int, dict[str, float]] = {}
        self.viewers: dict[int, dict[tuple[int, str], float]] = {}

    def connect(self, user_id: int, socket_id: str) -> bool:
        now = time.time()
        with self.lock:
            mine = self.sockets.setdefault(user_id, {})
            live = any(exp > now for exp in mine.values())
            mine[socket_id] = now + presence_ttl()
            return not live

    def disconnect(self, user_id: int, socket_id: str) -> bool:
        now = time.time()
        with self.lock:
            mine = self.sockets.get(user_id, {})
            removed = mine.pop(socket_id, None) is not None
            if not any(exp > now for exp in mine.values()):
                removed = removed or bool(mine)
                mine.clear()
            if not mine:
                self.sockets.pop(user_id, None)
            return removed and not mine

    def refresh(self, entries: Sequence[tuple[int, str]]) -> list[int]:
        now = time.time()
        revived = []
        with self.lock:
            for user_id, socket_id in entries:
                mine = self.sockets.setdefault(user_id, {})
                live = any(exp > now for exp in mine.values())
                if socket_id not in mine and not live:
                    revived.append(user_id)
                mine[socket_id] = now + presence_ttl()
        return revived

    def sweep(self) -> list[int]:
        now = time.time()
        offline = []
        with self.lock:
            for user_id, mine in list(self.sockets.items()):
                for socket_id, exp in list(mine.items()):
                    if exp <= now:
                        del mine[socket_id]
                if not mine:
                    del self.sockets[user_id]
                    offline.append(user_id)
        return offline

    def online(self, user_ids: Iterable[int]) -> set[int]:
        now = time.time()
        with self.lock:
            return {
                uid
                for uid in user_ids
                if any(exp > now for exp in self.sockets.get(uid, {}).values())
            }

    def count(self) -> int:
        now = time.time()
        with self.lock:
            return sum(1 for m in self.sockets.values() for exp in m.values() if exp > now)

    def viewer_join(self, conversation_id: int, user_id: int, socket_id: str) -> tuple[bool, list]:
        now = time.time()
        with self.lock:
            room = self.viewers.setdefault(conversation_id, {})
            for key, exp in list(room.items()):
                if exp <= now:
                    del room[key]
            first = not any(uid == user_id and sid != socket_id for uid, sid in room)
            room[(user_id, socket_id)] = now + presence_ttl()
            return first, sorted({uid for uid, _ in room})

    def viewer_leave(self, conversation_id: int, user_id: int, socket_id: str) -> bool:
        now = time.time()
        with self.lock:
            room = self.viewers.get(conversation_id, {})
            if room.pop((user_id, socket_id), None) is None:
                return False
            last = not any(uid == user_id and exp > now for (uid, _), exp in room.items())
            if not room:
                self.viewers.pop(conversation_id, None)
            return last

    def viewer_refresh(self, entries: Sequence[tuple[int, int, str]]) -> None:
        expiry = time.time() + presence_ttl()
        with self.lock:
            for conversation_id, user_id, socket_id in entries:
                self.viewers.setdefault(conversation_id, {})[(user_id, socket_id)] = expiry


_memory = _MemoryPresence()


def _redis() -> bool:
    return bool(settings.REDIS_URL)


async def presence_connect(user_id: int, socket_id: str) -> bool:
    """Record an open socket; True when it is the user's first (they came online)."""
    if not _redis():
        return _memory.connect(user_id, socket_id)
    result = await CONNECT.arun(
        _aclient(),
        [_user_key(user_id), _all_key()],
        [socket_id, f"{user_id}|{socket_id}", presence_ttl()],
    )
    return bool(result)


async def presence_disconnect(user_id: int, socket_id: str) -> bool:
    """Forget a closed socket; True when it was the user's last (they went offline)."""
    if not _redis():
        return _memory.disconnect(user_id, socket_id)
    result = await DISCONNECT.arun(
        _aclient(),
        [_user_key(user_id), _all_key()],
        [socket_id, f"{user_id}|{socket_id}", user_id],
    )
    return bool(result)


async def presence_refresh(
    sockets: Sequence[tuple[int, str]], viewing: Sequence[tuple[int, int, str]] = ()
) -> list[int]:
    """Push the expiry of this process's sockets (and room views) forward.

    Returns the users that had been swept as offline (a stalled process) and are back.
    """
    if not _redis():
        _memory.viewer_refresh(viewing)
        return _memory.refresh(sockets)
    client = _aclient()
    revived: list[int] = []
    for start in range(0, len(sockets), 200):  # bounded script size
        chunk = sockets[start : start + 200]
        args: list[Any] = [presence_ttl()]
        for user_id, socket_id in chunk:
            args += [user_id, socket_id]
        result = await REFRESH.arun(
            client, [_all_key(), *(_user_key(uid) for uid, _ in chunk)], args
        )
        revived += _ids(result)
    for start in range(0, len(viewing), 200):
        chunk_v = viewing[start : start + 200]
        await VIEWER_REFRESH.arun(
            client,
            [_viewers_key(cid) for cid, _, _ in chunk_v],
            [presence_ttl(), *(f"{uid}|{sid}" for _, uid, sid in chunk_v)],
        )
    return revived


async def presence_sweep() -> list[int]:
    """Remove expired sockets (of dead processes); returns the users who went offline."""
    if not _redis():
        return _memory.sweep()
    result = await SWEEP.arun(_aclient(), [_all_key()], [f"{_prefix()}:u:", SWEEP_BATCH])
    return _ids(result)


async def online_user_ids_async(user_ids: Iterable[int]) -> set[int]:
    """`online_user_ids` for async callers (the consumer)."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return set()
    if not _redis():
        return _memory.online(ids)
    counts = await LIVE_COUNTS.arun(_aclient(), [_user_key(uid) for uid in ids], [])
    return {uid for uid, count in zip(ids, counts, strict=True) if int(count) > 0}


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` have at least one open socket anywhere (sync, for views)."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return set()
    if not _redis():
        return _memory.online(ids)
    counts = LIVE_COUNTS.run(_client(), [_user_key(uid) for uid in ids], [])
    return {uid for uid, count in zip(ids, counts, strict=True) if int(count) > 0}


def is_online(user_id: int) -> bool:
    return user_id in online_user_ids([user_id])


def open_socket_count() -> int:
    """Open WebSocket connections across all server processes."""
    if not _redis():
        return _memory.count()
    return int(COUNT_ALL.run(_client(), [_all_key()], []))


async def viewer_join(conversation_id: int, user_id: int, socket_id: str) -> tuple[bool, list[int]]:
    """Mark a socket as viewing a conversation: (first socket of that user there, viewer ids)."""
    if not _redis():
        return _memory.viewer_join(conversation_id, user_id, socket_id)
    first, members = await VIEWER_JOIN.arun(
        _aclient(), [_viewers_key(conversation_id)], [user_id, socket_id, presence_ttl()]
    )
    viewers = sorted({int(m.decode().partition("|")[0]) for m in members})
    return bool(first), viewers


async def viewer_leave(conversation_id: int, user_id: int, socket_id: str) -> bool:
    """A socket stops viewing; True when no socket of that user views the conversation now."""
    if not _redis():
        return _memory.viewer_leave(conversation_id, user_id, socket_id)
    result = await VIEWER_LEAVE.arun(
        _aclient(), [_viewers_key(conversation_id)], [user_id, socket_id]
    )
    return bool(result)
