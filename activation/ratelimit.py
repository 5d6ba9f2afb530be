"""Fixed-window rate limits on the shared cache (Redis when REDIS_URL is set).

``hit`` is one atomic increment, so concurrent requests on several app servers
never exceed a limit in total. Windows are aligned to the clock: the key carries
the window number, and the reply says how long until the window ends.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    allowed: bool
    count: int
    retry_after: int


def _key(scope: str, key: str, window: int, now: float) -> tuple[str, int]:
    bucket = int(now // window)
    retry_after = max(1, int((bucket + 1) * window - now))
    return f"rl:{scope}:{key}:{window}:{bucket}", retry_after


def hit(scope: str, key: str, *, limit: int, window: int) -> Limit:
    """Count one event; ``allowed`` is False once more than ``limit`` fell in the window."""
    cache_key, retry_after = _key(scope, key, window, time.time())
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        count = 1
    return Limit(count <= limit, count, retry_after)


def peek(scope: str, key: str, *, limit: int, window: int) -> Limit:
    cache_key, retry_after = _key(scope, key, window, time.time())
    count = cache.get(cache_key, 0)
    return Limit(count < limit, count, retry_after)


def reset(scope: str, key: str, *, window: int):
    cache.delete(_key(scope, key, window, time.time())[0])
