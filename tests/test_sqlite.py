"""The embedded SQLite default (`make run`) under concurrent requests.

Tests otherwise run on in-memory SQLite or PostgreSQL; this one starts `runserver` on a
SQLite file, as `make run` does, and sends it requests at the same moment.
"""

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from activation import codes
from tests.test_api_concurrency import free_port, wait_until_serving

BASE_DIR = Path(__file__).resolve().parent.parent
THREADS = 12
REQUESTS_PER_THREAD = 5


def _imei(i: int, j: int) -> str:
    """A valid IMEI (Luhn check digit) per thread and request."""
    body = f"35{i:06d}{j:06d}"
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(body)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return body + str(-total % 10)


def _guess(port: int, i: int, j: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/activations",
        data=json.dumps({"imei": _imei(i, j), "code": codes.generate()}).encode(),
        # Each thread is its own client behind the proxy, so the per-address limit
        # leaves every request its full work (counters, attempt, lock checks).
        headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.9.{i}.{j}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (http literal)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_concurrent_requests_on_the_sqlite_default_never_answer_500(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"}
    } | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "ACTIVATION_KEYS": settings.ACTIVATION_KEYS,
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "WARNING",
    }
    migrate = [sys.executable, "manage.py", "migrate", "--no-input", "-v0"]
    migrated = subprocess.run(migrate, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    barrier = threading.Barrier(THREADS)

    def client(i):
        barrier.wait(timeout=30)
        return [_guess(port, i, j) for j in range(REQUESTS_PER_THREAD)]

    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(server, port)
            with ThreadPoolExecutor(THREADS) as pool:
                batches = list(pool.map(client, range(THREADS)))
        finally:
            server.terminate()
            server.wait(timeout=30)

    statuses = [status for batch in batches for status in batch]
    assert 500 not in statuses, (tmp_path / "server.log").read_text()[-3000:]
    # Every guess was judged: a wrong code (403), never refused or failed.
    assert statuses == [403] * THREADS * REQUESTS_PER_THREAD
