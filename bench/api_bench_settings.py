"""Settings for bench/api_activation.py: the portal's, plus a plain JSON view to compare.

Rate limits are raised so the benchmark measures activations, not refusals; the
limiter's counters are still incremented on every request, as in production.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_bench_urls"
API_RATE_LIMITS = {
    name: (10**9, window)
    for name, (_, window) in API_RATE_LIMITS.items()  # noqa: F405
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
