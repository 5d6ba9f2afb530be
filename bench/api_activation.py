"""Benchmark: successful activations per second against a plain Django JSON view.

    .venv/bin/python bench/api_activation.py --seconds 10 --clients 8 --workers 2
    .venv/bin/python bench/api_activation.py --db-mode pool   # psycopg's pool instead
    .venv/bin/python bench/api_activation.py --floors         # + the floors of any design

PostgreSQL database ``portal_bench_api`` (created and migrated if missing) and Redis
db 13 by default; BENCH_API_DATABASE_URL and BENCH_API_REDIS_URL override them.

One gunicorn server (sync workers) on PostgreSQL + Redis serves both targets in the
same run: ``POST /api/v1/activations`` with a right code (the reactivation path: IP
limit counter, phone row lock, code lookup by digest, two updates, the attempt row,
the Ed25519 signature), and ``POST /bench/plain``, a plain Django view that parses the
same JSON and answers JSON through the same middleware. Goal: ratio >= 0.5.

Client processes send one request per connection (sync workers do not keep
connections alive), each to its own phones, for a fixed time after a warm-up. Prints
requests/s, p50 and p99 latency for both, and the ratio. ``--floors`` adds two views
that are not the portal (bench/api_bench_urls.py): the least I/O any activation design
needs, with and without a durable write, to show where the ceiling of the ratio is.
"""

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = "bench.api_bench_settings"
PHONES_PER_CLIENT = 20
# Its own database and Redis db: other benchmarks truncate theirs.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_api"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def _environment():
    env = dict(os.environ)
    env["DATABASE_URL"] = env.get("BENCH_API_DATABASE_URL", DEFAULT_DATABASE_URL)
    env["REDIS_URL"] = env.get("BENCH_API_REDIS_URL", DEFAULT_REDIS_URL)
    if not env["DATABASE_URL"].startswith("postgres"):
        sys.exit("BENCH_API_DATABASE_URL must be a PostgreSQL database (created if missing).")
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    env.setdefault("ACTIVATION_KEYS", "bench1:" + "A" * 43)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
    )
    return env


def _create_database(url):
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(count):
    """Migrate and make ``count`` phones with codes; returns [(imei, code)]."""
    import django

    django.setup()
    from django.core.management import call_command

    from activation.demo import imei_with_check_digit
    from activation.models import ActivationCode, Device

    call_command("migrate", verbosity=0)
    phones = []
    for n in range(count):
        imei = imei_with_check_digit(f"35999900{n:06d}")
        device, _ = Device.objects.get_or_create(imei=imei, defaults={"os_version": "8.1"})
        Device.objects.filter(pk=device.pk).update(locked_at=None)
        _, plaintext = ActivationCode.objects.issue(device, kind=ActivationCode.Kind.FACTORY)
        phones.append((imei, plaintext))
    return phones


def _cpu_set(cpu_list):
    """{0, 2, 3} for taskset's "0,2-3"."""
    cpus = set()
    for part in cpu_list.split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port, workers, env, threads=1, cpus=None):
    """gunicorn on ``port``: sync workers, or gthread workers when ``threads`` > 1;
    only on the CPUs ``cpus`` names (taskset's list, e.g. "0") when given."""
    threading = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    pinned = ["taskset", "--cpu-list", cpus] if cpus else []
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            *pinned,
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *threading,
            "--log-level",
            "error",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    for _ in range(200):
        try:
            _request(port, "GET", "/api/v1/keys", None)
            return server
        except OSError:
            try:
                server.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            sys.exit("gunicorn exited")
    server.kill()
    sys.exit("gunicorn did not start")


def _request(port, method, path, body):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _client(args):
    port, path, bodies, warmup, seconds, rate = args
    latencies, errors, i = [], 0, 0
    start = time.perf_counter()
    measure_from, stop = start + warmup, start + warmup + seconds
    interval = 1 / rate if rate else 0
    due = start
    while True:
        if interval:
            # Open loop: requests are due at a fixed rate whatever the answers' speed, and
            # a latency counts from when its request was due, so a stalled server shows
            # in full (a closed loop would send less and hide it).
            due += interval
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            now = due
        else:
            now = time.perf_counter()
        if now >= stop:
            break
        status = _request(port, "POST", path, bodies[i % len(bodies)])
        i += 1
        done = time.perf_counter()
        if now >= measure_from:
            latencies.append(done - now)
            errors += status != 200
    return latencies, errors


def run(port, path, bodies_per_client, warmup, seconds, rate=0):
    """Drive ``path`` from one process per body list; ``rate``: requests/s in all, 0: flat out."""
    per_client = rate / len(bodies_per_client)
    jobs = [(port, path, bodies, warmup, seconds, per_client) for bodies in bodies_per_client]
    with multiprocessing.Pool(len(jobs)) as pool:
        results = pool.map(_client, jobs)
    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(err for _, err in results)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="gthread workers with N threads; 1: sync workers"
    )
    parser.add_argument(
        "--db-mode",
        choices=["persistent", "persistent-nocheck", "pool"],
        default="persistent",
        help="database connections of the app server (bench/api_bench_settings.py)",
    )
    parser.add_argument(
        "--server-cpus",
        help="run gunicorn only on these CPUs (taskset list, e.g. 0) and the client "
        "processes on the others, as when the app server has its own host",
    )
    parser.add_argument("--quick", action="store_true", help="3 s runs after 1 s (make bench)")
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also measure the floors of any design (bench/api_bench_urls.py)",
    )
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.warmup = 3, 1

    env = _environment()
    env["BENCH_DB_MODE"] = options.db_mode
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    _create_database(env["DATABASE_URL"])
    phones = seed(options.clients * PHONES_PER_CLIENT)

    activation_bodies = [
        [
            json.dumps({"imei": imei, "code": code}).encode()
            for imei, code in phones[c * PHONES_PER_CLIENT : (c + 1) * PHONES_PER_CLIENT]
        ]
        for c in range(options.clients)
    ]
    plain_bodies = [
        [json.dumps({"imei": imei, "code": "x" * 25}).encode() for imei, _ in phones[:1]]
    ] * options.clients

    targets = [
        ("plain JSON view", "/bench/plain", plain_bodies),
        ("activation (200)", "/api/v1/activations", activation_bodies),
        ("floor: read only", "/bench/floor-read", activation_bodies),
        ("floor: one write", "/bench/floor-write", activation_bodies),
    ]
    if not options.floors:
        targets = targets[:2]
    port = _free_port()
    server = _start_server(port, options.workers, env, options.threads, options.server_cpus)
    if options.server_cpus:  # the clients (forked from here) keep off the server's CPUs
        os.sched_setaffinity(0, set(range(os.cpu_count())) - _cpu_set(options.server_cpus))
    try:
        results = [
            (name, run(port, path, bodies, options.warmup, options.seconds))
            for name, path, bodies in targets
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"gunicorn workers: {options.workers} "
        f"({'sync' if options.threads == 1 else f'gthread x {options.threads} threads'}), "
        f"client processes: {options.clients}, "
        f"{options.seconds:g} s each after {options.warmup:g} s warm-up, "
        f"database connections: {options.db_mode}"
    )
    plain = results[0][1]
    for name, result in results:
        print(
            f"{name:18} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
            f"p99 {result['p99_ms']:6.1f} ms  non-200: {result['errors']}  "
            f"ratio to plain: {result['rps'] / plain['rps']:.2f}"
        )
    ratio = results[1][1]["rps"] / plain["rps"]
    print(f"ratio activation/plain: {ratio:.2f} (goal >= 0.5)")
    return 0 if all(result["errors"] == 0 for _, result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
