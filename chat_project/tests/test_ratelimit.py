import pytest
from django.core.cache.backends.locmem import LocMemCache

from chat_project import cache, ratelimit
from chat_project.exceptions import Throttled


@pytest.mark.parametrize("rate,expected", [("30/10s", (30, 10)), ("5/min", (5, 60))])
def test_parse_rate(rate, expected):
    assert ratelimit.parse_rate(rate) == expected


def test_hit_throttles_past_the_rate_with_the_wait_until_the_window_ends():
    for _ in range(3):
        ratelimit.hit("rl-test", "3/min")
    with pytest.raises(Throttled) as info:
        ratelimit.hit("rl-test", "3/min")
    assert 0 < info.value.wait <= 60
    ratelimit.hit("rl-test-other", "3/min")  # keys are separate


def test_count_without_redis_uses_add_and_incr(monkeypatch):
    """The embedded mode (locmem cache) has no Redis client: same counts with add + incr."""
    monkeypatch.setattr(cache, "_process_cache", LocMemCache("rl", {}))
    assert [ratelimit.count("k", 60)[0] for _ in range(3)] == [1, 2, 3]


@pytest.mark.parametrize("backend", ["shared", "locmem"])
def test_count_unless_over_counts_the_last_window_only_within_the_first_limits(
    backend, monkeypatch
):
    """The lean send path counts the DRF throttles and the message rate in one round trip,
    with the outcome of separate checks: the message is counted only if no throttle is
    over, and the counters are the ones `count` and `hit` use."""
    if backend == "locmem":
        monkeypatch.setattr(cache, "_process_cache", LocMemCache("rl", {}))
    throttle = ratelimit.Window("throttle_user_1", 2, 60)
    other = ratelimit.Window("throttle_anon_1", 100, 60)
    message = ratelimit.Window.of("message_send:1", "5/min")
    results = [ratelimit.count_unless_over([throttle, other], message) for _ in range(3)]
    assert [[total for total, _ in first] for first, _ in results] == [[1, 1], [2, 2], [3, 3]]
    assert [then and then[0] for _, then in results] == [1, 2, None]  # the third is throttled
    assert all(0 < wait <= 60 for first, _ in results for _, wait in first)
    assert ratelimit.count("message_send:1", 60)[0] == 3  # the same counter as `count`
    with pytest.raises(Throttled):
        ratelimit.hit("message_send:1", "5/min", counted=(6, 30.0))
    ratelimit.hit("message_send:1", "5/min", counted=(5, 30.0))  # counted: no new count
    assert ratelimit.count("message_send:1", 60)[0] == 4
