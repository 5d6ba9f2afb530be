"""Fixed-window rate limits on counters shared by every app server.

The counters live in Redis when REDIS_URL is set (one MULTI/EXEC round trip: create
the window's key with its expiry if missing, then INCR), and otherwise in the
database (``ratelimits.Counter``: one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
statement). Either way an increment is atomic, so concurrent requests on several app
servers never exceed a limit in total.

Windows are aligned to the clock: the key carries the window number, and the reply
says how long until the window ends. ``undo`` gives a count back, which lets a caller
reserve a slot before doing the work and return it when the work turns out not to
count (a successful activation is not a failed guess).

If Redis cannot be reached, every call raises ``LimiterUnavailable``: callers answer
503 (the API with ``{"error": "unavailable"}``, pages with templates/503.html) rather
than go ahead without their limits.
"""

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
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
    key: str = ""
    expires: int = 0


def _key(scope: str, key: str, window: int, now: float) -> tuple[str, int, int]:
    bucket = int(now // window)
    retry_after = max(1, int((bucket + 1) * window - now))
    expires = (bucket + 1) * window + 1
    return f"{PREFIX}:{scope}:{key}:{window}:{bucket}", retry_after, expires


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


def _increment(cache_key: str, delta: int, expires: int) -> int:
    if settings.REDIS_URL:

        def increment(client):
            pipe = client.pipeline(transaction=True)
            pipe.set(cache_key, 0, exat=expires, nx=True)
            pipe.incrby(cache_key, delta)
            return int(pipe.execute()[1])

        return _redis_call(increment)
    from ratelimits.models import Counter

    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + EXCLUDED.count "
            "RETURNING count",
            [cache_key, delta, datetime.fromtimestamp(expires, UTC)],
        )
        count = cursor.fetchone()[0]
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        Counter.objects.filter(expires_at__lt=datetime.now(UTC)).delete()
    return count


def _read(cache_key: str) -> int:
    if settings.REDIS_URL:
        return int(_redis_call(lambda client: client.get(cache_key)) or 0)
    from ratelimits.models import Counter

    return Counter.objects.filter(key=cache_key).values_list("count", flat=True).first() or 0


def hit(scope: str, key: str, *, limit: int, window: int) -> Limit:
    """Count one event; ``allowed`` is False once more than ``limit`` fell in the window."""
    cache_key, retry_after, expires = _key(scope, key, window, time.time())
    count = _increment(cache_key, 1, expires)
    return Limit(count <= limit, count, retry_after, cache_key, expires)


def undo(counted: Limit):
    """Give back the count ``hit`` took (the event did not count after all).

    It goes back to the window it was taken from, even if a new window began since.
    """
    _increment(counted.key, -1, counted.expires)


def peek(scope: str, key: str, *, limit: int, window: int) -> Limit:
    cache_key, retry_after, _ = _key(scope, key, window, time.time())
    count = _read(cache_key)
    return Limit(count < limit, count, retry_after)


def reset(scope: str, key: str, *, window: int):
    cache_key = _key(scope, key, window, time.time())[0]
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
