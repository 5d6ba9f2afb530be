"""Fixed-window counters shared by app servers (Redis, or the database without it)."""

import pytest
from django.core.cache import cache

from activation import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    ratelimit.reset_all()


def test_hit_allows_up_to_the_limit_then_refuses_with_retry_after():
    results = [ratelimit.hit("t", "k", limit=3, window=60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.count for r in results] == [1, 2, 3, 4]
    assert all(1 <= r.retry_after <= 60 for r in results)


def test_scopes_and_keys_are_counted_apart():
    ratelimit.hit("t", "a", limit=1, window=60)
    assert ratelimit.hit("t", "b", limit=1, window=60).allowed
    assert ratelimit.hit("u", "a", limit=1, window=60).allowed
    assert not ratelimit.hit("t", "a", limit=1, window=60).allowed


def test_undo_gives_the_count_back():
    first = ratelimit.hit("t", "k", limit=1, window=60)
    ratelimit.undo(first)
    assert ratelimit.hit("t", "k", limit=1, window=60).allowed


def test_peek_does_not_count():
    for _ in range(5):
        assert ratelimit.peek("t", "k", limit=1, window=60).allowed
    ratelimit.hit("t", "k", limit=1, window=60)
    assert not ratelimit.peek("t", "k", limit=1, window=60).allowed


def test_reset_forgets_one_counter():
    ratelimit.hit("t", "k", limit=1, window=60)
    ratelimit.reset("t", "k", window=60)
    assert ratelimit.peek("t", "k", limit=1, window=60).count == 0


def test_without_redis_counters_live_in_the_database(settings):
    settings.REDIS_URL = ""
    ratelimit.hit("t", "db", limit=5, window=60)
    ratelimit.hit("t", "db", limit=5, window=60)
    from ratelimits.models import Counter

    (row,) = Counter.objects.filter(key__startswith="rl:t:db:")
    assert row.count == 2


def test_the_shared_cache_is_not_process_local():
    # Local memory would not be shared by several app servers.
    assert "locmem" not in type(cache).__module__
    cache.set("probe", 1)
    assert cache.get("probe") == 1
