"""Benchmark: successful activations per second against the floor of any design.

    .venv/bin/python bench/api_activation.py --seconds 10 --clients 8 --workers 2
    .venv/bin/python bench/api_activation.py --server-cpus 0    # the API on a core of its own
    .venv/bin/python bench/api_activation.py --floors           # + the read-only floor
    .venv/bin/python bench/api_activation.py --compare before=/tmp/portal-before  # A/B
    .venv/bin/python bench/api_activation.py --quick --server-cpus 0     # make bench

PostgreSQL database ``portal_bench_api`` (created and migrated if missing) and Redis
db 13 by default; BENCH_API_DATABASE_URL and BENCH_API_REDIS_URL override them.

One gunicorn server (sync workers, as docs/deploy.md runs the API group) on PostgreSQL +
Redis serves every target in the same run: ``POST /api/v1/activations`` with a right
code (the reactivation path: IP limit counter, phone row lock, code lookup by digest,
the use counted, the attempt row, the Ed25519 signature); ``POST /bench/floor-write``,
the least any design that records each success durably in the request must do (one
Redis round trip, one autocommit statement that counts the use and writes the attempt
row, the signature: bench/api_bench_urls.py); and ``POST /bench/plain``, a plain Django
view that parses the same JSON and answers JSON through the same middleware.

Goal (docs/performance.md): activations/s >= 0.8 x the one-write floor's, both measured
in the same run. The targets take turns for ``--rounds`` rounds and each figure is the
median of its rounds, so a busy moment of the shared machine falls on all of them
alike. Prints requests/s, p50 and p99 for each target, then one PASS/FAIL line
(bench/verdict.py); exits non-zero on a miss or on any answer that is not 200.

``--compare LABEL=DIR`` (repeatable) also serves the activation from another checkout
of the portal (e.g. ``git archive <commit> | tar -x -C DIR``), on a server of its own
with the same options, database and Redis, taking its turn in every round: a change
measured with and without in the same run. Client processes send one request per
connection (sync workers do not keep connections alive), each to its own phones.
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
from collections import defaultdict
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.verdict import exit_status, verdict  # noqa: E402 (after the path)

SETTINGS = "bench.api_bench_settings"
PHONES_PER_CLIENT = 20
# Its own database and Redis db: other benchmarks truncate theirs.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_api"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
FLOOR_SHARE_GOAL = 0.8


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


def _start_server(port, workers, env, threads=1, cpus=None, cwd=BASE_DIR, nice=0):
    """gunicorn on ``port``: sync workers, or gthread workers when ``threads`` > 1;
    only on the CPUs ``cpus`` names (taskset's list, e.g. "0") and at ``nice`` when
    given; serving the checkout in ``cwd``. No control socket: every gunicorn shares one
    default path, so parallel servers (every benchmark starts its own) would overwrite
    each other's."""
    threading = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    pinned = ["taskset", "--cpu-list", cpus] if cpus else []
    niced = ["nice", "-n", str(nice)] if nice else []
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            *niced,
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
            "--no-control-socket",
        ],
        cwd=cwd,
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


def _median_result(rounds):
    """One target's figures: the median of each over its rounds."""
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="per target and round")
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--rounds", type=int, default=3)
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
    parser.add_argument(
        "--quick", action="store_true", help="5 rounds of 2 s after 0.5 s (make bench)"
    )
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also measure the read-only floor (bench/api_bench_urls.py)",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="also serve the activation from the checkout in DIR, in the same run",
    )
    options = parser.parse_args()
    if options.quick:
        options.rounds, options.seconds, options.warmup = 5, 2, 0.5

    env = _environment()
    env["BENCH_DB_MODE"] = options.db_mode
    os.environ.update(env)
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

    servers = {}

    def start(cwd):
        port = _free_port()
        servers[port] = _start_server(
            port, options.workers, env, options.threads, options.server_cpus, cwd
        )
        return port

    port = start(BASE_DIR)
    targets = [
        ("plain JSON view", port, "/bench/plain", plain_bodies),
        ("activation (200)", port, "/api/v1/activations", activation_bodies),
        ("floor: one write", port, "/bench/floor-write", activation_bodies),
    ]
    if options.floors:
        targets.append(("floor: read only", port, "/bench/floor-read", activation_bodies))
    try:
        for label, _, tree in (item.partition("=") for item in options.compare):
            path = "/api/v1/activations"
            targets.append((f"activation: {label}", start(Path(tree)), path, activation_bodies))
        if options.server_cpus:  # the clients (forked from here) keep off the server's CPUs
            os.sched_setaffinity(0, set(range(os.cpu_count())) - _cpu_set(options.server_cpus))
        rounds = defaultdict(list)
        for _ in range(options.rounds):
            for name, target_port, path, bodies in targets:
                result = run(target_port, path, bodies, options.warmup, options.seconds)
                rounds[name].append(result)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=30)

    print(
        f"gunicorn workers: {options.workers} "
        f"({'sync' if options.threads == 1 else f'gthread x {options.threads} threads'})"
        f"{f' on CPUs {options.server_cpus}' if options.server_cpus else ''}, "
        f"client processes: {options.clients}, {options.rounds} rounds of "
        f"{options.seconds:g} s per target after {options.warmup:g} s warm-up (medians), "
        f"database connections: {options.db_mode}"
    )
    results = {name: _median_result(rounds[name]) for name, *_ in targets}
    plain, floor = results["plain JSON view"], results["floor: one write"]
    for name, result in results.items():
        print(
            f"{name:24} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
            f"p99 {result['p99_ms']:6.1f} ms  non-200: {result['errors']:g}  "
            f"x plain: {result['rps'] / plain['rps']:.2f}  "
            f"x one-write floor: {result['rps'] / floor['rps']:.2f}"
        )
    # The goal's ratio is taken round by round (the two ran seconds apart), then the median.
    shares = [
        a["rps"] / f["rps"]
        for a, f in zip(rounds["activation (200)"], rounds["floor: one write"], strict=True)
    ]
    share, activation = statistics.median(shares), results["activation (200)"]
    errors = sum(r["errors"] for runs in rounds.values() for r in runs)
    verdict(
        f"activations/s >= {FLOOR_SHARE_GOAL} x the one-write floor",
        share >= FLOOR_SHARE_GOAL and errors == 0,
        f"{share:.2f} x (rounds {min(shares):.2f}-{max(shares):.2f}; "
        f"{activation['rps']:.0f} vs {floor['rps']:.0f} req/s), "
        f"p99 {activation['p99_ms']:.1f} ms, non-200 answers: {errors}",
    )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
