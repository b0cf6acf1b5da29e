"""Presence and room viewers: who has an open socket, who looks at which conversation.

Presence lives in Redis (not in process memory) so that it is right with several server
processes: each process refreshes the expiry of its own sockets every TTL/3 and sweeps
expired entries, so the sockets of a process that died without closing them (SIGKILL,
power loss) disappear within TTL + TTL/3. Without REDIS_URL (embedded mode) a store
with the same behaviour keeps it in this process's memory. The store is chosen once per
REDIS_URL (`store()`), not tested for in every function.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.conf import settings

from . import presence_scripts as lua
from .clients import async_client, sync_client

#: At most this many expired sockets are swept per call (the next beat takes the rest).
SWEEP_BATCH = 500
#: Sockets (and room views) refreshed per script call: a bounded script size.
REFRESH_CHUNK = 200


def presence_ttl() -> float:
    """Seconds a socket stays "online" without a refresh from its server process."""
    return float(settings.PRESENCE_TTL_SECONDS)


def key_prefix() -> str:
    return f"{settings.REDIS_PREFIX}:presence"


def user_key(user_id: int) -> str:
    return f"{key_prefix()}:u:{user_id}"


def all_key() -> str:
    return f"{key_prefix()}:all"


def viewers_key(conversation_id: int) -> str:
    return f"{key_prefix()}:v:{conversation_id}"


def _ids(values: Iterable[Any]) -> list[int]:
    return [int(v.decode() if isinstance(v, bytes) else v) for v in values]


class PresenceStore(Protocol):
    async def connect(self, user_id: int, socket_id: str) -> int: ...
    async def disconnect(self, user_id: int, socket_id: str) -> bool: ...
    async def linger(self, user_id: int, socket_id: str, grace: float) -> bool: ...
    async def refresh(
        self, sockets: Sequence[tuple[int, str]], viewing: Sequence[tuple[int, int, str]]
    ) -> list[int]: ...
    async def sweep(self) -> list[int]: ...
    async def online_async(self, user_ids: list[int]) -> set[int]: ...
    def online(self, user_ids: list[int]) -> set[int]: ...
    def count(self) -> int: ...
    async def viewer_join(
        self, conversation_id: int, user_id: int, socket_id: str
    ) -> tuple[bool, list[int]]: ...
    async def viewer_leave(self, conversation_id: int, user_id: int, socket_id: str) -> bool: ...


class _Scripts:
    """The Lua scripts registered on one client (redis-py loads them by SHA on first use)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.connect = client.register_script(lua.LUA_CONNECT)
        self.disconnect = client.register_script(lua.LUA_DISCONNECT)
        self.linger = client.register_script(lua.LUA_LINGER)
        self.refresh = client.register_script(lua.LUA_REFRESH)
        self.sweep = client.register_script(lua.LUA_SWEEP)
        self.live_counts = client.register_script(lua.LUA_LIVE_COUNTS)
        self.count_all = client.register_script(lua.LUA_COUNT_ALL)
        self.viewer_join = client.register_script(lua.LUA_VIEWER_JOIN)
        self.viewer_leave = client.register_script(lua.LUA_VIEWER_LEAVE)
        self.viewer_refresh = client.register_script(lua.LUA_VIEWER_REFRESH)


class RedisPresence:
    def __init__(self, url: str) -> None:
        self.url = url
        self._sync: _Scripts | None = None
        self._sync_lock = threading.Lock()
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Scripts] = (
            weakref.WeakKeyDictionary()
        )

    def _scripts(self) -> _Scripts:
        """The process-wide sync client (thread-safe, pooled), for views."""
        with self._sync_lock:
            if self._sync is None:
                self._sync = _Scripts(sync_client(self.url))
            return self._sync

    def _ascripts(self) -> _Scripts:
        """One asyncio client per event loop (a client is bound to the loop it ran on)."""
        loop = asyncio.get_running_loop()
        scripts = self._async.get(loop)
        if scripts is None:
            client = async_client(self.url)
            scripts = self._async[loop] = _Scripts(client)
        return scripts

    async def connect(self, user_id: int, socket_id: str) -> int:
        result = await self._ascripts().connect(
            keys=[user_key(user_id), all_key()],
            args=[socket_id, f"{user_id}|{socket_id}", presence_ttl()],
        )
        return int(result)

    async def disconnect(self, user_id: int, socket_id: str) -> bool:
        """True when it was the user's last socket (they went offline)."""
        result = await self._ascripts().disconnect(
            keys=[user_key(user_id), all_key()],
            args=[socket_id, f"{user_id}|{socket_id}", user_id],
        )
        return bool(result)

    async def linger(self, user_id: int, socket_id: str, grace: float) -> bool:
        result = await self._ascripts().linger(
            keys=[user_key(user_id), all_key()], args=[socket_id, f"{user_id}|{socket_id}", grace]
        )
        return bool(result)

    async def refresh(
        self, sockets: Sequence[tuple[int, str]], viewing: Sequence[tuple[int, int, str]]
    ) -> list[int]:
        scripts = self._ascripts()
        revived: list[int] = []
        for start in range(0, len(sockets), REFRESH_CHUNK):
            chunk = sockets[start : start + REFRESH_CHUNK]
            args: list[Any] = [presence_ttl()]
            for user_id, socket_id in chunk:
                args += [user_id, socket_id]
            result = await scripts.refresh(
                keys=[all_key(), *(user_key(uid) for uid, _ in chunk)], args=args
            )
            revived += _ids(result)
        for start in range(0, len(viewing), REFRESH_CHUNK):
            views = viewing[start : start + REFRESH_CHUNK]
            await scripts.viewer_refresh(
                keys=[viewers_key(cid) for cid, _, _ in views],
                args=[presence_ttl(), *(f"{uid}|{sid}" for _, uid, sid in views)],
            )
        return revived

    async def sweep(self) -> list[int]:
        result = await self._ascripts().sweep(
            keys=[all_key()], args=[f"{key_prefix()}:u:", SWEEP_BATCH]
        )
        return _ids(result)

    async def online_async(self, user_ids: list[int]) -> set[int]:
        counts = await self._ascripts().live_counts(keys=[user_key(uid) for uid in user_ids])
        return {uid for uid, count in zip(user_ids, counts, strict=True) if int(count) > 0}

    def online(self, user_ids: list[int]) -> set[int]:
        counts = self._scripts().live_counts(keys=[user_key(uid) for uid in user_ids])
        return {uid for uid, count in zip(user_ids, counts, strict=True) if int(count) > 0}

    def count(self) -> int:
        return int(self._scripts().count_all(keys=[all_key()]))

    async def viewer_join(
        self, conversation_id: int, user_id: int, socket_id: str
    ) -> tuple[bool, list[int]]:
        first, members = await self._ascripts().viewer_join(
            keys=[viewers_key(conversation_id)], args=[user_id, socket_id, presence_ttl()]
        )
        return bool(first), sorted({int(m.decode().partition("|")[0]) for m in members})

    async def viewer_leave(self, conversation_id: int, user_id: int, socket_id: str) -> bool:
        result = await self._ascripts().viewer_leave(
            keys=[viewers_key(conversation_id)], args=[user_id, socket_id]
        )
        return bool(result)


class MemoryPresence:
    """Embedded mode (no REDIS_URL): the same rules in this process's memory.

    Thread-safe: views read it from request threads while the event loop writes it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sockets: dict[int, dict[str, float]] = {}
        self.viewers: dict[int, dict[tuple[int, str], float]] = {}

    async def connect(self, user_id: int, socket_id: str) -> int:
        now = time.time()
        with self.lock:
            mine = self.sockets.setdefault(user_id, {})
            live = sum(1 for sid, exp in mine.items() if exp > now and sid != socket_id)
            mine[socket_id] = now + presence_ttl()
            return live

    async def disconnect(self, user_id: int, socket_id: str) -> bool:
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

    async def linger(self, user_id: int, socket_id: str, grace: float) -> bool:
        with self.lock:
            mine = self.sockets.get(user_id, {})
            if socket_id not in mine:
                return False
            mine[socket_id] = min(mine[socket_id], time.time() + grace)
            return True

    async def refresh(
        self, sockets: Sequence[tuple[int, str]], viewing: Sequence[tuple[int, int, str]]
    ) -> list[int]:
        self._viewer_refresh(viewing)
        entries = sockets
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

    async def sweep(self) -> list[int]:
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

    async def online_async(self, user_ids: list[int]) -> set[int]:
        return self.online(user_ids)

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

    async def viewer_join(
        self, conversation_id: int, user_id: int, socket_id: str
    ) -> tuple[bool, list]:
        now = time.time()
        with self.lock:
            room = self.viewers.setdefault(conversation_id, {})
            for key, exp in list(room.items()):
                if exp <= now:
                    del room[key]
            first = not any(uid == user_id and sid != socket_id for uid, sid in room)
            room[(user_id, socket_id)] = now + presence_ttl()
            return first, sorted({uid for uid, _ in room})

    async def viewer_leave(self, conversation_id: int, user_id: int, socket_id: str) -> bool:
        now = time.time()
        with self.lock:
            room = self.viewers.get(conversation_id, {})
            if room.pop((user_id, socket_id), None) is None:
                return False
            last = not any(uid == user_id and exp > now for (uid, _), exp in room.items())
            if not room:
                self.viewers.pop(conversation_id, None)
            return last

    def _viewer_refresh(self, entries: Sequence[tuple[int, int, str]]) -> None:
        expiry = time.time() + presence_ttl()
        with self.lock:
            for conversation_id, user_id, socket_id in entries:
                self.viewers.setdefault(conversation_id, {})[(user_id, socket_id)] = expiry


_stores: dict[str, PresenceStore] = {}
_stores_lock = threading.Lock()


def store() -> PresenceStore:
    """The presence store of the current settings: Redis, or this process's memory."""
    url = settings.REDIS_URL
    found = _stores.get(url)
    if found is None:
        with _stores_lock:
            found = _stores.get(url)
            if found is None:
                found = _stores[url] = RedisPresence(url) if url else MemoryPresence()
    return found


def reset_memory_store() -> None:
    """Forget the embedded store's state (tests: each starts from nobody online)."""
    with _stores_lock:
        _stores.pop("", None)


async def presence_connect(user_id: int, socket_id: str) -> int:
    """Record an open socket; returns how many other live sockets the user has (0: they
    came online). The count is taken atomically with the insert, so a cap on sockets per
    user holds under concurrent connects."""
    return await store().connect(user_id, socket_id)


async def presence_disconnect(user_id: int, socket_id: str) -> bool:
    """Forget a closed socket; True when it was the user's last (they went offline)."""
    return await store().disconnect(user_id, socket_id)


async def presence_linger(user_id: int, socket_id: str) -> bool:
    """A socket closed by a server restart: keep it counted for `PRESENCE_RESTART_GRACE_SECONDS`
    (its user reconnects elsewhere meanwhile) instead of forgetting it now; the sweeper
    sends `user_offline` if the user does not come back (presence_scripts.LUA_LINGER)."""
    return await store().linger(user_id, socket_id, float(settings.PRESENCE_RESTART_GRACE_SECONDS))


async def presence_refresh(
    sockets: Sequence[tuple[int, str]], viewing: Sequence[tuple[int, int, str]] = ()
) -> list[int]:
    """Push the expiry of this process's sockets (and room views) forward.

    Returns the users that had been swept as offline (a stalled process) and are back.
    """
    return await store().refresh(sockets, viewing)


async def presence_sweep() -> list[int]:
    """Remove expired sockets (of dead processes); returns the users who went offline."""
    return await store().sweep()


async def online_user_ids_async(user_ids: Iterable[int]) -> set[int]:
    """`online_user_ids` for async callers (the consumer)."""
    ids = list(dict.fromkeys(user_ids))
    return await store().online_async(ids) if ids else set()


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` have at least one open socket anywhere (sync, for views)."""
    ids = list(dict.fromkeys(user_ids))
    return store().online(ids) if ids else set()


def is_online(user_id: int) -> bool:
    return user_id in online_user_ids([user_id])


def open_socket_count() -> int:
    """Open WebSocket connections across all server processes."""
    return store().count()


async def viewer_join(conversation_id: int, user_id: int, socket_id: str) -> tuple[bool, list[int]]:
    """Mark a socket as viewing a conversation: (first socket of that user there, viewer ids)."""
    return await store().viewer_join(conversation_id, user_id, socket_id)


async def viewer_leave(conversation_id: int, user_id: int, socket_id: str) -> bool:
    """A socket stops viewing; True when no socket of that user views the conversation now."""
    return await store().viewer_leave(conversation_id, user_id, socket_id)
