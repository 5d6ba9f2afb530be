"""Settings for the page benchmarks (admin_queue.py, customer_pages.py, login_flood.py).

The portal's production settings, except that static files are served by URL without
``collectstatic``'s manifest (the benchmarks measure Python and SQL, not assets) and the
per-request log line is off. ``BENCH_SESSION_ENGINE`` and ``BENCH_TRACK_ACTIVITY`` let
one run compare session stores and allauth's activity tracking; ``BENCH_API_LIMITS=off``
raises the device API's rate limits (login_flood.py measures the API, not refusals;
the counters are still incremented); ``BENCH_SIGNIN_LIMIT=off`` raises allauth's
per-address sign-in limit (30 a minute), so that one machine's flood stands for
sign-ins from many addresses and every one of them hashes a password.
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
if os.environ.get("BENCH_SIGNIN_LIMIT") == "off":
    # Every flooder is 127.0.0.1 and stands for many addresses: allauth's per-address
    # limits on sign-ins and on failed sign-ins (which takes a slot while a password is
    # checked, so concurrent sign-ins from one address count against it) are lifted.
    ACCOUNT_RATE_LIMITS = {"login": "1000000/m/ip", "login_failed": "1000000/m/ip"}
