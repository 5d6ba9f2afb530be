"""Shared set-up for the report benchmarks (export_csv, export_xlsx, import_devices).

They run against a dedicated PostgreSQL database (``portal_bench`` by default, created
and migrated on first use; BENCH_DATABASE_URL overrides it), never a test database.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
# Benchmark-only values for a throwaway database, like the test suite's.
TEST_SECRET = "bench-only-secret-key-0123456789-0123456789-0123456789-0123"  # noqa: S105
TEST_KEYS = "bench1:5PnHkU7mG6fTYzS2Gq4yQv8bX1cN0wE3rA9dLhJkMpI"


def setup(migrate=True):
    """Point Django at the benchmark database, create it if needed, and set up."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", TEST_SECRET)
    os.environ.setdefault("ACTIVATION_KEYS", TEST_KEYS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script, *args):
    """Run ``script --child ...`` in a fresh process; returns the JSON it prints."""
    result = subprocess.run(  # noqa: S603  (this interpreter, our own script)
        [sys.executable, str(script), "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def best_runs(script, modes, rounds, *args):
    """Each mode run ``rounds`` times in fresh processes, taking turns (so a busy moment
    of the machine falls on every side alike); per mode the fastest run, with the
    highest peak memory of all its runs."""
    runs = {mode: [] for mode in modes}
    for _ in range(rounds):
        for mode in modes:
            runs[mode].append(run_child(script, mode, *args))
    best = {}
    for mode, results in runs.items():
        best[mode] = dict(min(results, key=lambda r: r["seconds"]))
        best[mode]["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    return best


def empty_tables():
    """Devices, codes, requests, attempts and audit events gone (this database only).

    The audit log's trigger lets a TRUNCATE through only in a transaction that says it
    is a purge (migration 0009).
    """
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL portal.audit_purge = on")
        cursor.execute(
            "TRUNCATE activation_ticketmessage, activation_ticket, activation_auditevent, "
            "activation_activationattempt, activation_activationcode, activation_device "
            "RESTART IDENTITY CASCADE"
        )


def seed_tickets(rows):
    """``rows`` tickets, each on its own device, made by the server (fast, repeatable)."""
    from django.db import connection

    from activation.models import Ticket

    have = Ticket.objects.count()
    if have == rows:
        return
    started = time.monotonic()
    empty_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, is_staff, is_active,
                                       date_joined, first_name, last_name, language)
            SELECT '!', false, 'bench' || i || '@example.com', i <= 10, true, now(), '', '',
                   'en'
              FROM generate_series(1, 50) AS i
            ON CONFLICT DO NOTHING
            """
        )
        cursor.execute(
            """
            INSERT INTO activation_device (public_id, imei, serial, model_name, os_version,
                batch, activation_state, request_counter, created_at, updated_at)
            SELECT gen_random_uuid(), lpad(i::text, 15, '0'), 'SN' || i,
                   (ARRAY['Lumia 920', 'Lumia 930', 'Lumia 520', 'HTC 8X'])[1 + i %% 4],
                   (ARRAY['7.8', '8.0', '8.1'])[1 + i %% 3], 'BENCH', 'not_activated', 0,
                   now(), now()
              FROM generate_series(1, %s) AS i
            """,
            [rows],
        )
        cursor.execute(
            """
            INSERT INTO activation_ticket (reference, kind, customer_id, caller_email,
                device_id, channel, status, priority, assignee_id, reason, created_at,
                updated_at, first_code_at, resolved_at, worked, imei_confirmed,
                email_confirmed, proof_of_purchase, verified_by_possession,
                rejection_reason, limit_override_reason)
            SELECT 'ACT-' || upper(lpad(to_hex(d.id), 8, '0')), 'code',
                   (SELECT min(id) FROM accounts_user) + 10 + d.id % 40, '', d.id,
                   (ARRAY['web', 'phone'])[1 + d.id % 2], 'resolved', 'normal',
                   (SELECT min(id) FROM accounts_user) + d.id % 10, 'Asks for a code',
                   now() - interval '2 hours', now(), now() - interval '1 hour', now(),
                   d.id % 5 <> 0, true, true, false, false, '', ''
              FROM activation_device d
            """
        )
        cursor.execute("ANALYZE")
    print(f"seeded {rows:,} tickets in {time.monotonic() - started:.1f} s", file=sys.stderr)
