"""Fixed-window counters shared by app servers (Redis, or the database without it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from activation import ratelimit

ROOT = Path(__file__).resolve().parent.parent
# Every limit an operator can tune: variable -> (setting, name in it).
LIMIT_VARIABLES = {
    "API_REQUESTS_PER_MINUTE": ("API_RATE_LIMITS", "requests_per_ip"),
    "API_GUESSES_PER_IP": ("API_RATE_LIMITS", "guesses_per_ip"),
    "API_GUESSES_PER_IMEI": ("API_RATE_LIMITS", "guesses_per_imei"),
    "CODE_REVEALS_PER_HOUR": ("PAGE_RATE_LIMITS", "code_reveals_per_user"),
    "HELP_FEEDBACK_PER_HOUR": ("PAGE_RATE_LIMITS", "help_feedback_per_ip"),
    "WRONG_REQUEST_CODES_PER_DAY": ("PAGE_RATE_LIMITS", "wrong_request_codes_per_phone"),
}

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


@pytest.mark.parametrize("store", ["redis", "database"])
def test_a_window_starts_with_its_first_event_not_at_a_clock_boundary(settings, store):
    """A client refused is told to wait out the whole window its first event opened;
    windows aligned to the clock let a client spend the limit twice across a boundary."""
    if store == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    if store == "database":
        settings.REDIS_URL = ""
    for _ in range(3):
        ratelimit.hit("t", store, limit=3, window=3600)
    refused = ratelimit.hit("t", store, limit=3, window=3600)
    assert not refused.allowed
    assert 3590 <= refused.retry_after <= 3600


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
    assert ratelimit.peek("t", "db", limit=5, window=60).count == 2


def test_the_shared_cache_is_not_process_local():
    # Local memory would not be shared by several app servers.
    assert "locmem" not in type(cache).__module__
    cache.set("probe", 1)
    assert cache.get("probe") == 1


def limits_in_a_new_process(**variables):
    """The rate-limit settings an app server started with ``variables`` would use."""
    env = {k: v for k, v in os.environ.items() if k not in LIMIT_VARIABLES}
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'API_RATE_LIMITS': s.API_RATE_LIMITS, "
        "'PAGE_RATE_LIMITS': s.PAGE_RATE_LIMITS}))"
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", script],
        cwd=ROOT,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_limit_comes_from_the_environment_with_its_window_unchanged(settings):
    chosen = {name: str(n) for n, name in enumerate(LIMIT_VARIABLES, start=101)}
    result = limits_in_a_new_process(**chosen)
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout)
    for name, (setting, key) in LIMIT_VARIABLES.items():
        count, window = started[setting][key]
        assert count == int(chosen[name]), name
        assert window == getattr(settings, setting)[key][1], name


@pytest.mark.parametrize("value", ["0", "-3", "lots"])
def test_a_limit_that_is_not_a_positive_number_stops_start_up(value):
    result = limits_in_a_new_process(API_GUESSES_PER_IMEI=value)
    assert result.returncode != 0
    assert "API_GUESSES_PER_IMEI must be" in result.stderr


def test_every_limit_is_documented_for_operators():
    for document in (".env.example", "docs/deploy.md"):
        text = (ROOT / document).read_text()
        for name in LIMIT_VARIABLES:
            assert name in text, f"{name} missing from {document}"
