"""Benchmark: the device API's p99 under a flood of new customers' sign-ins.

What those customers see is measured too.

    .venv/bin/python bench/login_flood.py                  # docs/deploy.md's layout
    .venv/bin/python bench/login_flood.py --quick          # make bench (~1.5 min)
    .venv/bin/python bench/login_flood.py --page-nice 0    # the page server not niced
    .venv/bin/python bench/login_flood.py --one-server     # one server for everything

PostgreSQL database ``portal_bench_login`` (created and migrated if missing) and Redis
db 11; BENCH_LOGIN_DATABASE_URL and BENCH_LOGIN_REDIS_URL override them. Settings:
``bench.pages_settings`` with ``BENCH_API_LIMITS=off`` (the portal's, plain static
files, API rate limits raised), so passwords are hashed with Argon2 as in production.

The layout docs/deploy.md recommends, on one box: the device API on a gunicorn server
of its own (``--api-workers`` sync workers, ``--api-threads 1``) on ``--api-cpus``
(default CPU 0), the pages on another (``--page-workers`` gthread workers with
``--threads`` 8) on the other CPUs at ``--page-nice`` (default 19: on this box the
pages share PostgreSQL, Redis and the load generators with the API, as docs/deploy.md
says to do on any shared host). ``--api-clients`` processes (on the API's CPUs) send
successful activations (bench/api_activation.py's seeding and load loop), together
``--api-rate`` a second at a fixed pace (open loop: a latency counts from when its
request was due, so a stall shows in full).

Each of ``--rounds`` rounds measures the API idle, then flooded: during the flooded
window new customers arrive ``--signins`` a second (open loop, on the pages' CPUs),
each opening the sign-in page and signing in with valid credentials (one of
``ACCOUNTS``), trying again after a 503 when its ``Retry-After`` says, for at most
``--patience`` seconds from arrival; the round ends when the last has signed in or
given up. The rounds' samples pool into one idle and one flooded p99 (a 3 s window at
100/s holds 300 samples, whose p99 is the third worst: one round alone is not a
stable verdict). By default allauth's per-address sign-in limit is raised so that
every sign-in hashes a password (``--signin-limit on`` keeps it).

Prints both p99s, one PASS/FAIL line for the goal of docs/performance.md (flooded p99
<= 1.5x idle, no API error; exit status 1 on a miss), and what the customers saw: how
many of them signed in, their median and p95 wait from arrival to signed in, and how
many sign-in answers were 302, 503 or 429.
"""

import argparse
import json
import math
import multiprocessing
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import api_activation  # noqa: E402 (after the path)
from bench.verdict import exit_status, verdict  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_login"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
PASSWORD = "bench-pass-1234!"  # noqa: S105 (a benchmark account)
# Customers signing in: the flood cycles through them, as sign-ins from many people
# would (one account signing in thousands of times would instead measure allauth's
# per-login walk over that account's ever longer list of sessions).
ACCOUNTS = 500
RATIO_GOAL = 1.5
API_PATH = "/api/v1/activations"
# New customers a second in a flooded window: about twice what one page core hashes
# (Argon2id, ~260 ms of CPU each), a spike the page servers cannot keep up with.
SIGNINS_PER_SECOND = 6
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
    return settings.CSRF_COOKIE_NAME


def _customer(port, csrf_cookie, account, arrived, patience, result):
    """One customer: opens the sign-in page and signs in, trying again after a 503 as
    its page asks (``Retry-After``), until signed in or ``patience`` seconds passed."""
    statuses = Counter()
    signed_in_after = None
    try:
        conn = HTTPConnection("127.0.0.1", port, timeout=patience)
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
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": email(account), "password": PASSWORD}
        )
        while time.perf_counter() - arrived < patience:
            conn = HTTPConnection("127.0.0.1", port, timeout=patience)
            try:
                conn.request("POST", "/accounts/login/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            finally:
                conn.close()
            statuses[response.status] += 1
            if response.status == 302:
                signed_in_after = time.perf_counter() - arrived
                break
            if response.status != 503:
                break
            time.sleep(float(response.getheader("Retry-After") or 5))
    except (OSError, StopIteration, AttributeError):
        statuses["error"] += 1
    result.append((signed_in_after, statuses))


def _customers(port, csrf_cookie, rate, seconds, patience, first_account, cpus, results):
    """New customers arriving ``rate`` a second for ``seconds`` (open loop: whatever the
    answers), each on a thread of its own, on ``cpus``; puts [(wait or None, Counter)]
    on ``results``."""
    os.sched_setaffinity(0, cpus)
    done, threads = [], []
    start = time.perf_counter()
    for n in range(round(rate * seconds)):
        arrival = start + n / rate
        pause = arrival - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        thread = threading.Thread(
            target=_customer,
            args=(port, csrf_cookie, (first_account + n) % ACCOUNTS, arrival, patience, done),
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    results.put(done)


def _start(workers, threads, env, cpus=None, nice=0):
    """api_activation's gunicorn on a free port; (port, process)."""
    port = api_activation._free_port()
    server = api_activation._start_server(port, workers, env, threads=threads, cpus=cpus, nice=nice)
    return port, server


def _api_latencies(port, bodies_per_client, warmup, seconds, rate, cpus):
    """The activations' latencies (s) and non-200 count: api_activation.run's load loop
    (its client processes on ``cpus``), kept raw so that rounds pool into one p99."""
    per_client = rate / len(bodies_per_client)
    jobs = [(port, API_PATH, bodies, warmup, seconds, per_client) for bodies in bodies_per_client]
    with multiprocessing.Pool(len(jobs), os.sched_setaffinity, (0, cpus)) as pool:
        results = pool.map(api_activation._client, jobs)
    return [lat for lats, _ in results for lat in lats], sum(err for _, err in results)


def _percentile(values, fraction):
    """The value below which ``fraction`` of ``values`` lie (None counts as infinite)."""
    ordered = sorted(values, key=lambda v: math.inf if v is None else v)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _seconds(value, patience):
    return f"> {patience:g} s" if value is None else f"{value:.1f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="each API window")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="idle then flooded windows; their samples pool into one p99 each",
    )
    parser.add_argument("--api-clients", type=int, default=2)
    parser.add_argument(
        "--api-rate",
        type=float,
        default=100,
        help="activations/s the phones send in all, at a fixed pace whatever the answers "
        "(open loop)",
    )
    parser.add_argument(
        "--signins",
        type=float,
        default=SIGNINS_PER_SECOND,
        help="new customers signing in per second during each flooded window (open loop)",
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=15,
        help="seconds a customer keeps trying (after a 503, when its Retry-After says)",
    )
    parser.add_argument(
        "--one-server",
        action="store_true",
        help="one server (--workers, --threads) for the API and the pages, instead of "
        "the layout docs/deploy.md recommends",
    )
    parser.add_argument("--workers", type=int, default=2, help="with --one-server")
    parser.add_argument("--api-workers", type=int, default=1)
    parser.add_argument("--page-workers", type=int, default=1)
    parser.add_argument(
        "--api-threads",
        type=int,
        default=1,
        help="threads per worker of the API's server (1: sync workers, as docs/deploy.md)",
    )
    parser.add_argument(
        "--api-cpus",
        default="0",
        help="the CPUs of the API's server (taskset list); the page server gets the "
        "others; '' shares every CPU",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads per gunicorn worker of the pages (gthread, as docs/deploy.md)",
    )
    parser.add_argument(
        "--signin-limit",
        choices=["off", "on"],
        default="off",
        help="off (default): every sign-in hashes, as from many addresses; "
        "on: allauth's 30 a minute per address, so most are cheap 429s",
    )
    parser.add_argument(
        "--page-nice",
        type=int,
        default=19,
        help="the page server's nice value (docs/deploy.md: 19 where it shares a host with "
        "the API, PostgreSQL or Redis, as here; 0 to see why)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 s windows after 1 s warm-up (make bench)"
    )
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.warmup = 3, 1
    page_cpus = None
    if options.api_cpus and not options.one_server:
        others = set(range(os.cpu_count())) - api_activation._cpu_set(options.api_cpus)
        if not others:
            parser.error("--api-cpus must leave at least one CPU to the page server")
        page_cpus = ",".join(map(str, sorted(others)))
    # The phones' load generator on the API's CPUs and the customers' on the pages', as
    # if each came from elsewhere: a hash must not delay a phone before it even sends.
    every_cpu = set(range(os.cpu_count()))
    api_client_cpus = api_activation._cpu_set(options.api_cpus) if page_cpus else every_cpu
    customer_cpus = api_activation._cpu_set(page_cpus) if page_cpus else every_cpu

    env = _environment()
    env["BENCH_SIGNIN_LIMIT"] = options.signin_limit
    os.environ.update(env)
    api_activation._create_database(env["DATABASE_URL"])
    phones = api_activation.seed(options.api_clients * api_activation.PHONES_PER_CLIENT)
    csrf_cookie = seed_users()
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
        if options.one_server:
            api, server = _start(options.workers, options.threads, env, nice=options.page_nice)
            page = api
            servers.append(server)
        else:
            api, server = _start(
                options.api_workers, options.api_threads, env, options.api_cpus or None
            )
            servers.append(server)
            page, server = _start(
                options.page_workers, options.threads, env, page_cpus, options.page_nice
            )
            servers.append(server)

        mine = {"idle": [], "flooded": [], "errors": 0, "customers": []}
        account = 0
        for _ in range(options.rounds):
            latencies, errors = _api_latencies(
                api, bodies, options.warmup, options.seconds, options.api_rate, api_client_cpus
            )
            mine["idle"].append(latencies)
            mine["errors"] += errors
            results = multiprocessing.Queue()
            flood = multiprocessing.Process(
                target=_customers,
                args=(
                    page,
                    csrf_cookie,
                    options.signins,
                    options.warmup + options.seconds,
                    options.patience,
                    account,
                    customer_cpus,
                    results,
                ),
            )
            flood.start()
            latencies, errors = _api_latencies(
                api, bodies, options.warmup, options.seconds, options.api_rate, api_client_cpus
            )
            mine["flooded"].append(latencies)
            mine["errors"] += errors
            # The customers still trying finish (or give up) before the next window.
            mine["customers"] += results.get(timeout=options.patience + 60)
            flood.join(timeout=30)
            account += round(options.signins * (options.warmup + options.seconds))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    if options.one_server:
        layout = f"one server, {options.workers} workers x {options.threads} threads"
    else:
        api_kind = "sync" if options.api_threads == 1 else f"{options.api_threads} threads"
        layout = (
            f"two servers: API {options.api_workers} {api_kind} worker(s)"
            + (f" on CPUs {options.api_cpus}" if options.api_cpus else "")
            + f", pages {options.page_workers} worker(s) x {options.threads} threads"
            + (f" on CPUs {page_cpus}" if page_cpus else "")
        )
    print(
        f"{layout}; {options.api_clients} API client processes ({options.api_rate:g} "
        f"activations/s open loop); {options.signins:g} new customers/s during each "
        f"flooded window (patience {options.patience:g} s); allauth sign-in limit "
        f"{options.signin_limit}; {options.rounds} rounds of {options.seconds:g} s after "
        f"{options.warmup:g} s, idle then flooded; page server at nice {options.page_nice}"
    )
    idle = sorted(lat for lats in mine["idle"] for lat in lats)
    flooded = sorted(lat for lats in mine["flooded"] for lat in lats)
    ratio = _percentile(flooded, 0.99) / _percentile(idle, 0.99)
    rounds = ", ".join(
        f"{_percentile(f, 0.99) / _percentile(i, 0.99):.2f}"
        for i, f in zip(mine["idle"], mine["flooded"], strict=True)
    )
    for name, lats in (("API idle", idle), ("API under flood", flooded)):
        print(
            f"{name:16} {len(lats) / options.rounds / options.seconds:6.1f} req/s  "
            f"p50 {statistics.median(lats) * 1000:6.1f} ms  "
            f"p99 {_percentile(lats, 0.99) * 1000:6.1f} ms"
        )
    customers = mine["customers"]
    waits = [wait for wait, _ in customers]
    statuses = Counter()
    for _, counts in customers:
        statuses.update(counts)
    signed_in = sum(wait is not None for wait in waits)
    print(
        f"customers: {signed_in} of {len(customers)} signed in; wait median "
        f"{_seconds(_percentile(waits, 0.5), options.patience)}, p95 "
        f"{_seconds(_percentile(waits, 0.95), options.patience)} (never signed in counts "
        f"as longer than the patience); sign-in answers: {statuses[302]} 302, "
        f"{statuses[503]} 503, {statuses[429]} 429, "
        f"{sum(statuses.values()) - statuses[302] - statuses[503] - statuses[429]} other"
        + (f" {dict(statuses)}" if set(statuses) - {302, 503, 429} else "")
    )
    verdict(
        f"API p99 under a sign-in flood <= {RATIO_GOAL:g} x idle",
        ratio <= RATIO_GOAL and not mine["errors"],
        f"{ratio:.2f} x (p99 {_percentile(flooded, 0.99) * 1000:.1f} ms vs "
        f"{_percentile(idle, 0.99) * 1000:.1f} ms; rounds: {rounds}); "
        f"API non-200: {mine['errors']}",
    )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
