"""Settings for the page benchmarks (admin_queue.py, customer_pages.py, login_flood.py).

The portal's production settings, except that static files are served by URL without
``collectstatic``'s manifest (the benchmarks measure Python and SQL, not assets) and the
per-request log line is off. ``BENCH_SESSION_ENGINE`` and ``BENCH_TRACK_ACTIVITY`` let
one run compare session stores and allauth's activity tracking; ``BENCH_API_LIMITS=off``
raises the device API's rate limits (login_flood.py measures the API, not refusals;
the counters are still incremented) and leaves allauth's sign-in limits as they are.
"""

import os

from portal.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
if os.environ.get("BENCH_SESSION_ENGINE"):
    SESSION_ENGINE = os.environ["BENCH_SESSION_ENGINE"]
if os.environ.get("BENCH_TRACK_ACTIVITY"):
    USERSESSIONS_TRACK_ACTIVITY = os.environ["BENCH_TRACK_ACTIVITY"] == "1"
if os.environ.get("BENCH_API_LIMITS") == "off":
    API_RATE_LIMITS = {
        name: (10**9, window)
        for name, (_, window) in API_RATE_LIMITS.items()  # noqa: F405
    }
