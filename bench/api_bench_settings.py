"""Settings for bench/api_activation.py: the portal's, plus a plain JSON view to compare.

Rate limits are raised so the benchmark measures activations, not refusals; the
limiter's counters are still incremented on every request, as in production.

``BENCH_DB_MODE`` picks how the app servers hold their database connections:
``persistent`` (the portal's default: CONN_MAX_AGE with health checks, one ``SELECT 1``
per request), ``persistent-nocheck`` (the same without the health check) or ``pool``
(psycopg's pool, CONN_MAX_AGE=0; needs ``psycopg_pool`` importable).
"""

import os

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_bench_urls"
API_RATE_LIMITS = {
    name: (10**9, window)
    for name, (_, window) in API_RATE_LIMITS.items()  # noqa: F405
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

_mode = os.environ.get("BENCH_DB_MODE", "")
if _mode == "persistent-nocheck":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
elif _mode == "pool":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": 2}  # noqa: F405
