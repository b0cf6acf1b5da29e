import pytest
from django.core.cache.backends.locmem import LocMemCache

from chat_project import ratelimit
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
    """The embedded mode (locmem cache) has no `incr_window`: same counts."""
    monkeypatch.setattr(ratelimit, "cache", LocMemCache("rl", {}))
    assert [ratelimit.count("k", 60)[0] for _ in range(3)] == [1, 2, 3]
