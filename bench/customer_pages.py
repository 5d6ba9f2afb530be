"""Benchmark: the customer's pages for an account with 50 phones and 200 requests.

    .venv/bin/python bench/customer_pages.py                  # sessions in Redis
    .venv/bin/python bench/customer_pages.py --db-sessions    # and in the database, same run
    .venv/bin/python bench/customer_pages.py --quick          # make bench

PostgreSQL database ``portal_bench_pages`` (created and migrated if missing, its
customer rebuilt on every run) and Redis db 10; BENCH_PAGES_DATABASE_URL and
BENCH_PAGES_REDIS_URL override them. Settings: ``bench.pages_settings`` with REDIS_URL
set, so sessions are read from Redis and written through to the database
(``portal.sessions``).

1. In process (Django's test client, full middleware stack, signed in): home, phone
   list, a phone's page, request list and a request's page, each ``--repeat`` times
   after a warm-up; prints the median ms and the query count
   (CaptureQueriesContext). Goals: under 30 ms and under 10 queries per page.
2. Under gunicorn (sync workers) from client processes, one request per connection:
   requests/s of the home page signed in against the same page anonymous (and the
   signed-in phone list beside them). Goal: signed-in at least half as fast (ratio
   >= 0.5). The three take turns for ``--rounds`` rounds (3) and the ratio is the
   median of the rounds' ratios, so a busy moment of the shared machine falls on both.

One PASS/FAIL line per goal (bench/verdict.py) for the production set-up, sessions in
Redis; exits non-zero on a miss. With ``--db-sessions`` the database sessions' figures
are printed beside them.

``--db-sessions`` repeats both parts in the same run with
``SESSION_ENGINE = "django.contrib.sessions.backends.db"`` (the server through
``BENCH_SESSION_ENGINE``), so the Redis sessions' effect is measured side by side.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.verdict import exit_status, verdict  # noqa: E402 (after the path)

SETTINGS = "bench.pages_settings"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_pages"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
DB_ENGINE = "django.contrib.sessions.backends.db"
DEVICES, REQUESTS, MESSAGES_PER_REQUEST = 50, 200, 4
EMAIL = "bench-customer@example.com"
PAGE_MS_GOAL, QUERY_GOAL, RATIO_GOAL = 30, 10, 0.5


def _environment():
    env = dict(os.environ)
    env["DATABASE_URL"] = env.get("BENCH_PAGES_DATABASE_URL", DEFAULT_DATABASE_URL)
    env["REDIS_URL"] = env.get("BENCH_PAGES_REDIS_URL", DEFAULT_REDIS_URL)
    if not env["DATABASE_URL"].startswith("postgres"):
        sys.exit("BENCH_PAGES_DATABASE_URL must be a PostgreSQL database (created if missing).")
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    env.setdefault("ACTIVATION_KEYS", "bench1:" + "A" * 43)
    env.pop("BENCH_SESSION_ENGINE", None)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
        LOG_LEVEL="ERROR",
    )
    return env


def seed():
    """Migrate, then rebuild the customer: 50 phones, 200 requests with messages."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from activation.demo import imei_with_check_digit
    from activation.models import ActivationCode, AuditEvent, Device, Ticket, TicketMessage

    call_command("migrate", verbosity=0)
    # Our own database: start from empty tables. The audit log is append-only in the
    # database (migration 0009) except in a transaction that says it purges.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL portal.audit_purge = 'on'")
        cursor.execute(
            "TRUNCATE activation_ticket, activation_device, accounts_user, django_session "
            "RESTART IDENTITY CASCADE"
        )
    user = get_user_model().objects.create_user(email=EMAIL)  # signs in by force_login
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    devices = [
        Device.objects.create(
            imei=imei_with_check_digit(f"35888800{n:06d}"),
            serial=f"B{n:07d}",
            model_name="Lumia 930",
            os_version="8.1",
            owner=user,
        )
        for n in range(DEVICES)
    ]
    for device in devices:
        ActivationCode.objects.issue(device, kind=ActivationCode.Kind.FACTORY)
    now = timezone.now()
    tickets = []
    for n in range(REQUESTS):
        device = devices[n % DEVICES]
        newest = n >= REQUESTS - DEVICES
        status = "new" if newest and n % 5 == 0 else "resolved"
        tickets.append(
            Ticket(
                device=device,
                customer=user,
                reason=f"The phone says the code is wrong (request {n}).",
                status=status,
                created_at=now - timedelta(hours=REQUESTS - n),
            )
        )
    tickets = Ticket.objects.bulk_create(tickets)
    messages, events = [], []
    for ticket in tickets:
        for m in range(MESSAGES_PER_REQUEST):
            messages.append(
                TicketMessage(
                    ticket=ticket,
                    author=user,
                    kind="internal" if m == 3 else "public",
                    body=f"Message {m} about this phone: it still asks for a code.",
                    created_at=ticket.created_at + timedelta(minutes=m + 1),
                )
            )
        events.append(
            AuditEvent(action="ticket_opened", ticket=ticket, device=ticket.device, data={})
        )
        if ticket.status == "resolved":
            events.append(
                AuditEvent(
                    action="ticket_status",
                    ticket=ticket,
                    device=ticket.device,
                    data={"to": "resolved"},
                )
            )
    TicketMessage.objects.bulk_create(messages)
    AuditEvent.objects.bulk_create(events)
    return user, devices, tickets


def measure_in_process(user, device, ticket, repeat, warmup):
    """[(page, median ms, queries, status)] with the current SESSION_ENGINE."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()  # a new client loads the middleware with the current settings
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    pages = [
        ("home", reverse("home")),
        ("device list", reverse("device_list")),
        ("device page", reverse("device_detail", args=[device.public_id])),
        ("request list", reverse("ticket_list")),
        ("request page", reverse("ticket_detail", args=[ticket.reference])),
    ]
    results = []
    for name, url in pages:
        for _ in range(warmup):
            client.get(url)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        results.append((name, statistics.median(times), len(queries), response.status_code))
    return results


def session_cookie(user):
    """A signed-in session stored by the current SESSION_ENGINE: (cookie name, key)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def _get(port, path, headers):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _client(args):
    port, path, headers, warmup, seconds = args
    latencies, errors = [], 0
    start = time.perf_counter()
    measure_from, stop = start + warmup, start + warmup + seconds
    while (now := time.perf_counter()) < stop:
        status = _get(port, path, headers)
        if now >= measure_from:
            latencies.append(time.perf_counter() - now)
            errors += status != 200
    return latencies, errors


def load(port, path, headers, clients, warmup, seconds):
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(_client, [(port, path, headers, warmup, seconds)] * clients)
    latencies = sorted(lat for lats, _ in results for lat in lats)
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "errors": sum(err for _, err in results),
    }


def measure_server(env, cookie, options):
    from bench.api_activation import _free_port, _start_server  # waits for GET /api/v1/keys

    port = _free_port()
    server = _start_server(port, options.workers, env)
    signed_in = {"Cookie": f"{cookie[0]}={cookie[1]}"}
    targets = {"anonymous home": ("/", {}), "signed-in home": ("/", signed_in)}
    targets["signed-in list"] = ("/devices/", signed_in)
    rounds = {name: [] for name in targets}
    try:
        for _ in range(options.rounds):
            for name, (path, headers) in targets.items():
                rounds[name].append(
                    load(port, path, headers, options.clients, options.warmup, options.seconds)
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rounds


def _median(runs):
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=8, help="gunicorn load per target")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="gunicorn rounds, in turn")
    parser.add_argument(
        "--db-sessions",
        action="store_true",
        help="also measure with SESSION_ENGINE = the database engine, in the same run",
    )
    parser.add_argument("--quick", action="store_true", help="short runs (make bench)")
    options = parser.parse_args()
    if options.quick:
        options.repeat, options.seconds, options.warmup = 15, 2, 0.5

    env = _environment()
    os.environ.update(env)
    from bench.api_activation import _create_database

    _create_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()  # the test client's template and query hooks
    user, devices, tickets = seed()
    device = devices[0]
    ticket = next(t for t in tickets if t.device_id == device.pk)

    variants = [("Redis", settings.SESSION_ENGINE, {})]
    if options.db_sessions:
        variants.append(("database", DB_ENGINE, {"BENCH_SESSION_ENGINE": DB_ENGINE}))

    for label, engine, server_env in variants:
        with override_settings(SESSION_ENGINE=engine):
            pages = measure_in_process(
                user, device, ticket, options.repeat, max(3, options.repeat // 5)
            )
            cookie = session_cookie(user)
        rounds = measure_server({**env, **server_env}, cookie, options)
        results = {name: _median(runs) for name, runs in rounds.items()}
        ratios = [
            home["rps"] / anonymous["rps"]
            for home, anonymous in zip(
                rounds["signed-in home"], rounds["anonymous home"], strict=True
            )
        ]
        ratio = statistics.median(ratios)

        print(f"\nSessions: {label} ({engine})")
        print(f"In process, median of {options.repeat} after warm-up:")
        print(f"  {'page':14} {'ms':>7} {'queries':>8}")
        for name, ms, queries, status in pages:
            extra = "" if status == 200 else f"  (HTTP {status})"
            print(f"  {name:14} {ms:7.1f} {queries:8d}{extra}")
        print(
            f"gunicorn, {options.workers} sync workers, {options.clients} client processes, "
            f"{options.rounds} rounds of {options.seconds:g} s after {options.warmup:g} s "
            "(medians):"
        )
        for name, result in results.items():
            print(
                f"  {name:15} {result['rps']:7.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                f"non-200: {result['errors']:g}"
            )
        print(
            f"  ratio signed-in/anonymous home: {ratio:.2f} "
            f"(rounds {min(ratios):.2f}-{max(ratios):.2f}); signed-in phone list/anonymous "
            f"home: {results['signed-in list']['rps'] / results['anonymous home']['rps']:.2f}"
        )
        if label != "Redis":
            continue  # the production set-up's figures carry the verdicts
        slowest = max(pages, key=lambda page: page[1])
        most = max(pages, key=lambda page: page[2])
        verdict(
            f"customer pages < {PAGE_MS_GOAL} ms",
            slowest[1] < PAGE_MS_GOAL and all(page[3] == 200 for page in pages),
            f"slowest {slowest[0]} {slowest[1]:.1f} ms (in process, median of {options.repeat})",
        )
        verdict(
            f"customer pages < {QUERY_GOAL} queries",
            most[2] < QUERY_GOAL,
            f"most {most[0]} {most[2]} queries",
        )
        errors = sum(run["errors"] for runs in rounds.values() for run in runs)
        verdict(
            f"signed-in page >= {RATIO_GOAL} x anonymous",
            ratio >= RATIO_GOAL and not errors,
            f"{ratio:.2f} x (rounds {min(ratios):.2f}-{max(ratios):.2f}; "
            f"{results['signed-in home']['rps']:.0f} vs "
            f"{results['anonymous home']['rps']:.0f} req/s), non-200 answers: {errors}",
        )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
