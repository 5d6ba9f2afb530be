"""Fixed-window rate limits on counters shared by every app server.

The counters live in Redis when REDIS_URL is set (one MULTI/EXEC round trip: create
the key with the window's expiry if missing, INCR, read the time left), and otherwise
in the database (``ratelimits.Counter``: one ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` statement that also starts a new window over an expired one). Either way
an increment is atomic, so concurrent requests on several app servers never exceed a
limit in total.

A window starts with the first event it counts and lasts ``window`` seconds; the
reply says how long until it ends. Windows aligned to the clock would let a client
spend a limit twice in a moment (just before and just after a boundary), and made
every test of a limit fail whenever a boundary fell inside it.

If Redis cannot be reached, every call raises ``LimiterUnavailable``: the request gets
a 503 (the API with ``{"error": "unavailable"}`` from ``api.api_view``, pages with
templates/503.html from ``portal.middleware.ServiceUnavailableMiddleware``) rather
than go ahead without their limits.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from redis.exceptions import RedisError

PREFIX = "rl"
# Seconds to wait for Redis before answering 503: a request never hangs on a dead store.
REDIS_TIMEOUT = 2
# What a 503 tells clients to wait before trying again.
RETRY_AFTER_UNAVAILABLE = 30


class LimiterUnavailable(Exception):
    """The counters cannot be read or written (Redis unreachable): refuse, never skip."""

    code = "unavailable"
    retry_after = RETRY_AFTER_UNAVAILABLE


@dataclass(frozen=True)
class Limit:
    allowed: bool
    count: int
    retry_after: int


def _key(scope: str, key: str, window: int) -> str:
    return f"{PREFIX}:{scope}:{key}:{window}"


@cache
def _redis():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )


def _redis_call(work):
    """``work(client)``, with Redis failures turned into ``LimiterUnavailable``."""
    try:
        return work(_redis())
    except RedisError as error:
        reason = type(error).__name__
        raise LimiterUnavailable(f"rate-limit store unreachable ({reason})") from error


@receiver(setting_changed)
def _reset_client(*, setting, **kwargs):
    if setting == "REDIS_URL":
        _redis.cache_clear()


def _increment(cache_key: str, window: int) -> tuple[int, int]:
    """Count one event; returns the window's count and the seconds left in it."""
    if settings.REDIS_URL:

        def increment(client):
            pipe = client.pipeline(transaction=True)
            pipe.set(cache_key, 0, ex=window, nx=True)
            pipe.incr(cache_key)
            pipe.ttl(cache_key)
            _, count, seconds_left = pipe.execute()
            return int(count), max(1, int(seconds_left))

        return _redis_call(increment)
    from ratelimits.models import Counter

    now = datetime.now(UTC)
    # Stored as the ORM stores them, so that both compare alike on every backend.
    stored_now, stored_expiry = (
        connection.ops.adapt_datetimefield_value(moment)
        for moment in (now, now + timedelta(seconds=window))
    )
    table = connection.ops.quote_name(Counter._meta.db_table)
    expired = f"{table}.expires_at <= %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET "
            f"count = CASE WHEN {expired} THEN 1 ELSE {table}.count + 1 END, "
            f"expires_at = CASE WHEN {expired} THEN EXCLUDED.expires_at "
            f"ELSE {table}.expires_at END "
            "RETURNING count, expires_at",
            [cache_key, stored_expiry, stored_now, stored_now],
        )
        count, expires_at = cursor.fetchone()
    if isinstance(expires_at, str):
        expires_at = datetime.fromisoformat(expires_at)
    if expires_at.tzinfo is None:  # SQLite keeps UTC without an offset
        expires_at = expires_at.replace(tzinfo=UTC)
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        Counter.objects.filter(expires_at__lt=now).delete()
    return count, max(1, math.ceil((expires_at - now).total_seconds()))


def _read(cache_key: str) -> int:
    if settings.REDIS_URL:
        return int(_redis_call(lambda client: client.get(cache_key)) or 0)
    from ratelimits.models import Counter

    live = Counter.objects.filter(key=cache_key, expires_at__gt=datetime.now(UTC))
    return live.values_list("count", flat=True).first() or 0


def hit(scope: str, key: str, *, limit: int, window: int) -> Limit:
    """Count one event; ``allowed`` is False once more than ``limit`` fell in the window."""
    count, retry_after = _increment(_key(scope, key, window), window)
    return Limit(count <= limit, count, retry_after)


def peek(scope: str, key: str, *, limit: int, window: int) -> Limit:
    """The window's count so far, counting nothing (``allowed``: one more would be)."""
    count = _read(_key(scope, key, window))
    return Limit(count < limit, count, 0)


def reset(scope: str, key: str, *, window: int):
    cache_key = _key(scope, key, window)
    if settings.REDIS_URL:
        _redis_call(lambda client: client.delete(cache_key))
    else:
        from ratelimits.models import Counter

        Counter.objects.filter(key=cache_key).delete()


def ensure_available():
    """Raise ``LimiterUnavailable`` unless the counters' store answers (before work that
    needs a limit later, and for /readyz)."""
    if settings.REDIS_URL:
        _redis_call(lambda client: client.ping())
    else:
        from ratelimits.models import Counter

        Counter.objects.exists()


def reset_all():
    """Forget every counter (tests, or an operator lifting all limits at once)."""
    if settings.REDIS_URL:
        client = _redis()
        for cache_key in client.scan_iter(match=f"{PREFIX}:*", count=1000):
            client.delete(cache_key)
    else:
        from ratelimits.models import Counter

        Counter.objects.all().delete()
