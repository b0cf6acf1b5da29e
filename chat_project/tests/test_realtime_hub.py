"""The per-process delivery hub on the real Redis bus (and on the memory bus)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.conf import settings

from chat_project import realtime
from chat_project.realtime import bus as buses
from chat_project.realtime import hub as hubs
from chat_project.realtime.hub import Hub
from chat_project.tests.listeners import Listener

GROUP = realtime.conversation_group(41)


def new_message(seq: int, conversation_id: int = 41) -> dict:
    return {"type": "new_message", "message": {"conversation_id": conversation_id, "seq": seq}}


async def subscribers(channel: str) -> int:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    try:
        return dict(await client.pubsub_numsub(channel))[channel.encode()]
    finally:
        await client.aclose()


async def eventually(predicate, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.02)


@pytest.mark.needs_services
async def test_one_subscription_per_group_and_process_counted_by_sockets():
    hub = Hub(asyncio.get_running_loop(), buses.get_bus())
    channel = buses.get_bus().channel(GROUP)
    first, second = Listener(1), Listener(2)
    await hub.join(first, GROUP, 0)
    await hub.join(second, GROUP, 0)
    assert await subscribers(channel) == 1  # two sockets, one subscription
    await realtime.send_async(GROUP, {"type": "ping", "n": 1})
    assert (await first.next(), await second.next()) == ({"type": "ping", "n": 1},) * 2

    hub.leave(first, GROUP)
    await realtime.send_async(GROUP, {"type": "ping", "n": 2})
    assert await second.next() == {"type": "ping", "n": 2}
    assert await first.nothing()
    assert await subscribers(channel) == 1

    hub.leave(second, GROUP)

    async def gone() -> bool:
        return await subscribers(channel) == 0

    await eventually(gone)
    await hub.join(first, GROUP, 0)  # and back again
    assert await subscribers(channel) == 1
    hub.leave(first, GROUP)


@pytest.mark.needs_services
async def test_a_left_socket_gets_nothing_more_even_already_queued():
    """`leave` is synchronous: an event behind it in the bus is not delivered."""
    hub = Hub(asyncio.get_running_loop(), buses.get_bus())
    stays, leaves = Listener(1), Listener(2)
    for listener in (stays, leaves):
        await hub.join(listener, GROUP, 0)
    event = buses.encode_event({"type": "message_deleted", "message_id": 3})
    hub.leave(leaves, GROUP)
    hub.receive(GROUP, event)
    assert (await stays.next())["type"] == "message_deleted"
    assert await leaves.nothing()
    hub.leave(stays, GROUP)


@pytest.mark.needs_services
async def test_member_removed_is_delivered_then_the_socket_is_told_to_leave():
    hub = Hub(asyncio.get_running_loop(), buses.get_bus())
    removed, other = Listener(1), Listener(2)
    for listener in (removed, other):
        await hub.join(listener, GROUP, 0)
    hub.receive(GROUP, buses.encode_event({"type": "member_removed", "user_id": 1}))
    assert (await removed.next())["type"] == "member_removed"
    assert (await other.next())["type"] == "member_removed"
    assert (removed.removed, other.removed) == ([41], [])
    for listener in (removed, other):
        hub.leave(listener, GROUP)


@pytest.mark.needs_services
async def test_new_messages_in_seq_order_under_interleaved_publishes():
    """Publishes from several threads, two conversations, seq out of order: each
    conversation's sockets see 1, 2, 3, ... in order."""
    hub = Hub(asyncio.get_running_loop(), buses.get_bus())
    other_group = realtime.conversation_group(42)
    here, there = Listener(1), Listener(2)
    await hub.join(here, GROUP, 0)
    await hub.join(there, other_group, 0)
    bus = buses.get_bus()

    def publish(seqs: list[int], conversation_id: int) -> None:
        for seq in seqs:
            group = realtime.conversation_group(conversation_id)
            bus.publish(group, buses.encode_event(new_message(seq, conversation_id)))

    threads = [
        threading.Thread(target=publish, args=([2, 4, 6, 8], 41)),
        threading.Thread(target=publish, args=([1, 3, 5, 7], 41)),
        threading.Thread(target=publish, args=([3, 1, 2], 42)),
    ]
    await asyncio.to_thread(lambda: [t.start() for t in threads] and [t.join() for t in threads])
    got_here = [(await here.next())["message"]["seq"] for _ in range(8)]
    got_there = [(await there.next())["message"]["seq"] for _ in range(3)]
    assert got_here == list(range(1, 9))
    assert got_there == [1, 2, 3]
    hub.leave(here, GROUP)
    hub.leave(there, other_group)


@pytest.mark.needs_services
async def test_a_slow_socket_is_cut_without_stalling_the_others():
    hub = Hub(asyncio.get_running_loop(), buses.get_bus())
    slow, fast = Listener(1, limit=5), Listener(2, limit=5)
    await hub.join(slow, GROUP, 0)
    await hub.join(fast, GROUP, 0)
    slow.block()  # the client stopped reading: the server's send waits
    for n in range(20):
        hub.receive(GROUP, buses.encode_event({"type": "ping", "n": n}))
    assert [(await fast.next())["n"] for _ in range(20)] == list(range(20))
    await asyncio.sleep(0)  # the overflow callback runs soon, not inside the fan-out
    assert slow.too_slow
    assert slow.outbox.closed and len(slow.outbox) == 0  # what it held is released
    slow.unblock()
    assert await slow.nothing()  # nothing queued is written after the cut
    for listener in (slow, fast):
        hub.leave(listener, GROUP)


async def test_a_stalled_socket_is_cut_after_the_stall_time():
    hub = Hub(asyncio.get_running_loop(), buses.MemoryBus())
    stuck = Listener(1, limit=1000, stall=0.05)
    await hub.join(stuck, GROUP, 0)
    stuck.block()
    hub.receive(GROUP, buses.encode_event({"type": "ping"}))  # being written: waits
    hub.receive(GROUP, buses.encode_event({"type": "ping"}))  # queued
    await asyncio.sleep(0.1)
    hub.receive(GROUP, buses.encode_event({"type": "ping"}))  # nothing written for 0.1 s
    await asyncio.sleep(0)
    assert stuck.too_slow
    hub.leave(stuck, GROUP)


async def test_late_events_mark_the_process_overloaded(monkeypatch, settings):
    monkeypatch.setattr(hubs, "_overloaded_until_us", 0)
    hub = Hub(asyncio.get_running_loop(), buses.MemoryBus())
    assert realtime.overloaded_for() == 0
    on_time = buses.encode_event({"type": "ping"})
    hub.receive(GROUP, on_time)
    assert realtime.overloaded_for() == 0
    late = b"E%d|{}" % (buses.now_us() - 2 * settings.DELIVERY_LAG_LIMIT_MS * 1000)
    hub.receive(GROUP, late)
    hold = settings.DELIVERY_OVERLOAD_HOLD_MS / 1000
    assert 0 < realtime.overloaded_for() <= hold
    hub.receive(GROUP, buses.encode_load(buses.now_us() + 5_000_000))  # another process
    assert realtime.overloaded_for() > hold


async def test_memory_bus_delivers_from_any_thread():
    """Embedded mode (`make run` without Redis): the same hub, no broker."""
    bus = buses.MemoryBus()
    hub = Hub(asyncio.get_running_loop(), bus)
    listener = Listener(1)
    await hub.join(listener, GROUP, 0)
    await asyncio.to_thread(bus.publish, GROUP, buses.encode_event(new_message(1)))
    assert (await listener.next())["message"]["seq"] == 1
    hub.leave(listener, GROUP)


async def test_a_held_outbox_writes_its_first_frame_before_what_queued():
    """A connecting socket joins its groups before it says `connected`: events that
    arrive meanwhile wait, and `connected` goes first (docs/api.md, "On connect")."""
    hub = Hub(asyncio.get_running_loop(), buses.MemoryBus())
    socket = Listener(1)
    socket.outbox = hubs.Outbox(socket._write, socket._overflow, limit=10, stall=60, held=True)
    await hub.join(socket, GROUP, 0)
    hub.receive(GROUP, buses.encode_event({"type": "user_online", "user_id": 2}))
    assert await socket.nothing(0.05)
    socket.outbox.open({"type": "websocket.send", "text": '{"type": "connected"}'})
    assert [(await socket.next())["type"] for _ in range(2)] == ["connected", "user_online"]
    hub.leave(socket, GROUP)


def test_an_event_that_is_not_json_fails_where_it_is_built(db):
    """Encoded when queued, not after commit: the service (and its test) sees the error
    instead of an on-commit log line."""
    with pytest.raises(TypeError):
        realtime.broadcast_on_commit(GROUP, {"type": "x", "when": object()})


def test_requests_waiting_for_a_thread_mark_the_process_overloaded(monkeypatch, settings):
    """Sends queued in the HTTP layer are a backlog the hub cannot see: past the lag
    limit, a request's wait for a thread counts as overload too."""
    monkeypatch.setattr(hubs, "_overloaded_until_us", 0)
    hubs.note_request_wait(settings.DELIVERY_LAG_LIMIT_MS / 2000)
    assert realtime.overloaded_for() == 0
    hubs.note_request_wait(settings.DELIVERY_LAG_LIMIT_MS / 500)
    assert 0 < realtime.overloaded_for() <= settings.DELIVERY_OVERLOAD_HOLD_MS / 1000
