"""Benchmark: the device API's p99 latency while customers' sign-ins flood the pages.

    .venv/bin/python bench/login_flood.py                                   # one server
    .venv/bin/python bench/login_flood.py --hasher django --threads 1       # Django's way
    .venv/bin/python bench/login_flood.py --api-workers 1 --page-workers 1  # two servers
    .venv/bin/python bench/login_flood.py --api-workers 1 --page-workers 1 \\
        --api-cpus 0 --api-threads 1     # the API group of docs/deploy.md: own core, sync
    .venv/bin/python bench/login_flood.py --quick                           # make bench

PostgreSQL database ``portal_bench_login`` (created and migrated if missing) and Redis
db 11; BENCH_LOGIN_DATABASE_URL and BENCH_LOGIN_REDIS_URL override them. Settings:
``bench.pages_settings`` with ``BENCH_API_LIMITS=off`` (the portal's, plain static
files, API rate limits raised), so passwords are hashed with Argon2 as in production.

Gunicorn (gthread workers, ``--threads``, 8 as docs/deploy.md; sync workers with
``--threads 1``) serves the API and the pages. ``--api-clients`` processes send
successful activations (bench/api_activation.py's seeding and load loop), together
``--api-rate`` a second at a fixed pace (open loop: a latency counts from when its
request was due, so a stall shows in full; ``--api-rate 0`` sends each request when the
last answer came, which sends less during a stall and hides it). The API's p99 is
measured twice: idle, then while ``--flooders`` processes POST /accounts/login/ with
valid credentials of ``ACCOUNTS`` customers in turn, as fast as they can (each GETs the
sign-in page once, then reuses its CSRF cookie and token). By default allauth's per-address sign-in
limit is raised so that every sign-in hashes a password (``--signin-limit on`` keeps
it). ``--hasher django`` uses Django's own Argon2 hasher instead of the portal's
(accounts/hashers.py). Prints both p99s, the ratio (goal: flooded p99 <= 1.5x idle)
and how many sign-ins succeeded (302), were refused by allauth's rate limit (429) or
were turned away because the process's hashing queue was full (503).
``--api-workers N --page-workers M`` runs two servers instead, one for /api/ and one
for the pages (the split docs/deploy.md recommends); ``--api-cpus 0`` also gives the
API's server CPU 0 alone and the page server the others (its own cores, as on its own
hosts; PostgreSQL, Redis and the load generators still use every CPU).
"""

import argparse
import json
import multiprocessing
import os
import re
import sys
import time
import urllib.parse
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import api_activation  # noqa: E402 (after the path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_login"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
PASSWORD = "bench-pass-1234!"  # noqa: S105 (a benchmark account)
# Customers signing in: the flood cycles through them, as sign-ins from many people
# would (one account signing in thousands of times would instead measure allauth's
# per-login walk over that account's ever longer list of sessions).
ACCOUNTS = 500
RATIO_GOAL = 1.5
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _environment():
    env = api_activation._environment()
    env["DATABASE_URL"] = os.environ.get("BENCH_LOGIN_DATABASE_URL", DEFAULT_DATABASE_URL)
    env["REDIS_URL"] = os.environ.get("BENCH_LOGIN_REDIS_URL", DEFAULT_REDIS_URL)
    if not env["DATABASE_URL"].startswith("postgres"):
        sys.exit("BENCH_LOGIN_DATABASE_URL must be a PostgreSQL database (created if missing).")
    env.update(DJANGO_SETTINGS_MODULE="bench.pages_settings", BENCH_API_LIMITS="off")
    env.pop("BENCH_SESSION_ENGINE", None)
    return env


def email(n):
    return f"bench-login-{n}@example.com"


def seed_users():
    """``ACCOUNTS`` verified customers with one password, and no sessions yet."""
    from allauth.account.models import EmailAddress
    from allauth.usersessions.models import UserSession
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    cache.clear()  # our own Redis db: allauth's sign-in counters start at zero every run
    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once with the first hasher, shared
    for n in range(ACCOUNTS):
        user, _ = User.objects.update_or_create(email=email(n), defaults={"password": password})
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    UserSession.objects.all().delete()
    Session.objects.all().delete()
    return settings.PASSWORD_HASHERS[0], settings.CSRF_COOKIE_NAME


def _flood(port, csrf_cookie, first, step, stop, results):
    """POST valid credentials until ``stop``; puts a Counter of statuses on ``results``."""
    statuses = Counter()
    try:
        _flood_until(port, csrf_cookie, first, step, stop, statuses)
    finally:
        results.put(statuses)


def _flood_until(port, csrf_cookie, first, step, stop, statuses):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read()
    conn.close()
    cookie = next(
        value.split(";", 1)[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie" and value.startswith(csrf_cookie + "=")
    )
    token = TOKEN.search(page).group(1).decode()
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    account = first
    while not stop.is_set():
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": email(account), "password": PASSWORD}
        )
        account = (account + step) % ACCOUNTS
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", "/accounts/login/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            statuses[response.status] += 1
        except OSError:
            statuses["error"] += 1
        finally:
            conn.close()


def _start(workers, threads, env, cpus=None):
    port = api_activation._free_port()
    return port, api_activation._start_server(port, workers, env, threads, cpus)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--api-clients", type=int, default=2)
    parser.add_argument(
        "--api-rate",
        type=float,
        default=100,
        help="activations/s the phones send in all, at a fixed pace whatever the answers "
        "(open loop); 0: each client sends when its last answer came (closed loop)",
    )
    parser.add_argument("--flooders", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="one server for everything")
    parser.add_argument("--api-workers", type=int, help="with --page-workers: two servers")
    parser.add_argument("--page-workers", type=int)
    parser.add_argument(
        "--api-threads",
        type=int,
        help="with two servers: threads per worker of the API's (default: --threads; "
        "1: sync workers, which docs/deploy.md allows for the API group)",
    )
    parser.add_argument(
        "--api-cpus",
        help="with two servers: the CPUs of the API's (taskset list, e.g. 0); "
        "the page server gets the others",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads per gunicorn worker (gthread, as docs/deploy.md); 1: sync workers",
    )
    parser.add_argument(
        "--signin-limit",
        choices=["off", "on"],
        default="off",
        help="off (default): every sign-in hashes, as from many addresses; "
        "on: allauth's 30 a minute per address, so most are cheap 429s",
    )
    parser.add_argument(
        "--hasher",
        choices=["portal", "django"],
        default="portal",
        help="portal: accounts/hashers.py (low-priority thread); django: Django's own",
    )
    parser.add_argument("--quick", action="store_true", help="3 s runs after 1 s (make bench)")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.warmup = 3, 1
    split = options.api_workers is not None or options.page_workers is not None
    if split and not (options.api_workers and options.page_workers):
        parser.error("--api-workers and --page-workers go together")
    page_cpus = None
    if options.api_cpus:
        if not split:
            parser.error("--api-cpus needs two servers (--api-workers and --page-workers)")
        others = set(range(os.cpu_count())) - api_activation._cpu_set(options.api_cpus)
        if not others:
            parser.error("--api-cpus must leave at least one CPU to the page server")
        page_cpus = ",".join(map(str, sorted(others)))

    env = _environment()
    env["BENCH_SIGNIN_LIMIT"] = options.signin_limit
    env["BENCH_HASHER"] = options.hasher
    os.environ.update(env)
    api_activation._create_database(env["DATABASE_URL"])
    phones = api_activation.seed(options.api_clients * api_activation.PHONES_PER_CLIENT)
    hasher, csrf_cookie = seed_users()
    per = api_activation.PHONES_PER_CLIENT
    bodies = [
        [
            json.dumps({"imei": imei, "code": code}).encode()
            for imei, code in phones[c * per : (c + 1) * per]
        ]
        for c in range(options.api_clients)
    ]

    servers = []
    try:
        if split:
            api_cpus = options.api_cpus
            api_threads = options.api_threads or options.threads
            api_port, server = _start(options.api_workers, api_threads, env, api_cpus)
            servers.append(server)
            page_port, server = _start(options.page_workers, options.threads, env, page_cpus)
            servers.append(server)
            layout = f"two servers: {options.api_workers} API + {options.page_workers} page workers"
            if api_cpus:
                layout += f" (API on CPUs {api_cpus}, pages on {page_cpus})"
            if api_threads != options.threads:
                layout += f", API {'sync' if api_threads == 1 else f'{api_threads} threads'}"
        else:
            api_port, server = _start(options.workers, options.threads, env)
            servers.append(server)
            page_port = api_port
            layout = f"one server, {options.workers} workers"

        path = "/api/v1/activations"
        idle = api_activation.run(
            api_port, path, bodies, options.warmup, options.seconds, options.api_rate
        )

        stop, results = multiprocessing.Event(), multiprocessing.Queue()
        flooders = [
            multiprocessing.Process(
                target=_flood,
                args=(page_port, csrf_cookie, n, options.flooders, stop, results),
            )
            for n in range(options.flooders)
        ]
        for process in flooders:
            process.start()
        started = time.perf_counter()
        flooded = api_activation.run(
            api_port, path, bodies, options.warmup, options.seconds, options.api_rate
        )
        stop.set()
        flood_seconds = time.perf_counter() - started
        logins = Counter()
        for _ in flooders:
            logins.update(results.get(timeout=60))
        for process in flooders:
            process.join(timeout=30)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    workers = f"gthread workers x {options.threads} threads" if options.threads > 1 else "sync"
    workers += f", allauth sign-in limit {options.signin_limit}"
    pace = f"{options.api_rate:g}/s open loop" if options.api_rate else "closed loop"
    print(
        f"gunicorn {workers}, {layout}; {options.api_clients} API client processes "
        f"({pace}), "
        f"{options.flooders} flooding processes; password hasher {hasher}; "
        f"{options.seconds:g} s each after {options.warmup:g} s warm-up"
    )
    for name, result in (("API idle", idle), ("API under flood", flooded)):
        print(
            f"{name:16} {result['rps']:7.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
            f"p99 {result['p99_ms']:6.1f} ms  non-200: {result['errors']}"
        )
    total = sum(logins.values())
    other = total - logins[302] - logins[429] - logins[503]
    print(
        f"sign-in POSTs: {total} in {flood_seconds:.1f} s ({total / flood_seconds:.1f}/s): "
        f"{logins[302]} signed in (302), {logins[429]} refused by the rate limit (429), "
        f"{logins[503]} turned away, hashing queue full (503), "
        f"{other} other" + (f" {dict(logins)}" if other else "")
    )
    ratio = flooded["p99_ms"] / idle["p99_ms"]
    verdict = "PASS" if ratio <= RATIO_GOAL else "FAIL"
    print(f"p99 flooded/idle: {ratio:.2f} (goal <= {RATIO_GOAL}) {verdict}")
    return 0 if ratio <= RATIO_GOAL and not (idle["errors"] or flooded["errors"]) else 1


if __name__ == "__main__":
    sys.exit(main())
