"""The app server: gunicorn started with the project's config (portal/gunicorn.conf.py)."""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from portal.middleware import BODY_STALL_TIMEOUT
from tests.test_api_concurrency import free_port, server_env, stop_gracefully, wait_until_serving

BASE_DIR = Path(__file__).resolve().parent.parent

needs_postgres = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the servers need the test database: set DATABASE_URL to PostgreSQL",
)


@contextmanager
def gunicorn(tmp_path, *options, **env):
    """The port of gunicorn started with the project's config (portal/gunicorn.conf.py)
    on the test database, with ``options`` added to the command line."""
    port = free_port()
    env = server_env(
        PATH="/usr/bin:/bin",
        LOG_LEVEL="WARNING",
        # The portal's settings with static files served without collectstatic's manifest.
        DJANGO_SETTINGS_MODULE="bench.pages_settings",
        **env,
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn.conf.py"]
    command += ["portal.wsgi", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    with (tmp_path / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [*command, *options], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_serving(server, port)
            yield port
        finally:
            stop_gracefully([server])


def get(port, path, timeout=20):
    """(status, text) of a GET on a connection of its own."""
    url = f"http://127.0.0.1:{port}{path}"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode()


def _stalled_post(port, timeout):
    """A connection that sends a POST's headers and never the body they announce."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn.sendall(
        b"POST /api/v1/activations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    return conn


def _read_until_closed(conn):
    with conn:
        received = b""
        while chunk := conn.recv(4096):  # raises TimeoutError if the server keeps it open
            received += chunk
        return received


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_body_that_never_comes_is_dropped_and_healthz_is_answered(tmp_path):
    patience = BODY_STALL_TIMEOUT + 10  # the bound, and room for a busy machine
    with gunicorn(tmp_path, "--workers", "1", "--threads", "2") as port:
        stalled = [_stalled_post(port, patience) for _ in range(2)]  # every thread there is
        started = time.monotonic()
        status, _ = get(port, "/healthz", timeout=patience)
        answers = [_read_until_closed(conn) for conn in stalled]
        dropped_after = time.monotonic() - started

    assert status == 200
    assert [answer.split(b"\r\n")[0] for answer in answers] == [b"HTTP/1.1 408 Request Timeout"] * 2
    assert dropped_after < patience
