"""Logs: JSON lines with a request id (also on the response) and the user's id, never
their e-mail, a code, a password, a key or an Authorization header."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from activation import codes
from portal.logging import JsonFormatter


@pytest.fixture
def log_lines():
    """What the configured console handler writes, as parsed JSON objects."""
    handlers = logging.getLogger().handlers
    handler = next(h for h in handlers if isinstance(h.formatter, JsonFormatter))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)

    def lines():
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    handler.setStream(previous)


def test_each_request_logs_a_json_line_with_the_id_it_answers_with(client, db, log_lines):
    response = client.get(reverse("help_index"))

    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = [line for line in log_lines() if line["logger"] == "portal.request"]
    assert line["request_id"] == request_id
    assert (line["status"], line["path"], line["view"]) == (200, "/help/", "help_index")
    assert line["user_id"] is None
    assert {"time", "level", "message", "duration_ms"} <= set(line)


def test_lines_name_the_user_by_id_never_by_email(client, customer, log_lines):
    client.force_login(customer)

    client.get(reverse("device_list"))

    lines = log_lines()
    assert [line["user_id"] for line in lines if line["logger"] == "portal.request"] == [
        customer.pk
    ]
    assert customer.email not in json.dumps(lines)


def test_every_line_of_a_request_shares_its_id(client, customer, log_lines):
    client.force_login(customer)

    response = client.get(reverse("account_data"))

    lines = [line for line in log_lines() if line["request_id"] == response["X-Request-ID"]]
    assert {line["logger"] for line in lines} == {"accounts.views", "portal.request"}
    assert all(line["user_id"] == customer.pk for line in lines)


@pytest.mark.parametrize("incoming", ["lb-7f3a9c", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"])
def test_a_safe_incoming_request_id_is_kept(client, db, incoming, log_lines):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming
    assert log_lines()[-1]["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "x" * 65,
        "two words",
        'quote"injection',
        "-leading-dash",
        "BCDFGHJKMPQRTVWXY2346789B",  # shaped like an activation code
        "",
    ],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, db, incoming, log_lines):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32
    assert incoming not in json.dumps(log_lines()) or incoming == ""


def test_codes_passwords_keys_and_authorization_never_reach_the_log(log_lines):
    plaintext = codes.generate()
    key_entry = settings.ACTIVATION_KEYS.split(",")[0]
    logger = logging.getLogger("activation.test")

    logger.warning("customer typed %s", codes.display(plaintext).lower())
    logger.warning("login failed password=hunter2-secret&next=/")
    logger.warning("headers: {'HTTP_AUTHORIZATION': 'Bearer eyJhbGciOi.payload.sig'}")
    logger.warning("Authorization: Basic dXNlcjpwYXNz")
    logger.warning("config ACTIVATION_KEYS=%s", key_entry)
    logger.warning("secret key is %s", settings.SECRET_KEY)
    logger.warning("extra fields too", extra={"form": {"password": "hunter2", "code": plaintext}})
    try:
        raise ValueError(f"bad code {plaintext}")
    except ValueError:
        logger.exception("failed")

    text = json.dumps(log_lines())
    for secret in [
        plaintext,
        plaintext[:20],
        "hunter2",
        "eyJhbGciOi",
        "dXNlcjpwYXNz",
        key_entry.partition(":")[2],
        settings.SECRET_KEY,
    ]:
        assert secret.lower() not in text.lower(), secret
    assert text.count("[code redacted]") == 3
    assert "password=[redacted]" in text and "Bearer [redacted]" in text
    assert "ValueError" in text  # the traceback is kept, without the code


def test_a_request_carrying_a_code_in_its_url_is_logged_redacted(client, db, log_lines):
    plaintext = codes.generate()

    client.get(f"/nowhere/{codes.display(plaintext)}/")

    text = json.dumps(log_lines())
    assert "/nowhere/" in text
    assert plaintext[:20] not in text.replace("-", "")


def test_the_level_comes_from_log_level_and_lines_are_json(tmp_path):
    script = (
        "import logging; log = logging.getLogger('portal.check');"
        "log.info('hidden'); log.warning('shown password=abc')"
    )
    env = {**os.environ, "LOG_LEVEL": "WARNING", "DJANGO_DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [line["message"] for line in lines] == ["shown password=[redacted]"]
    assert lines[0]["level"] == "WARNING"
