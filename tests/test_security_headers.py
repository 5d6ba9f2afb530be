"""Production settings: Django's deploy checks pass and every response is hardened."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from activation.keyring import generate_key_entry
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def test_deploy_check_reports_nothing_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))} | {
        "DJANGO_SECRET_KEY": "x" * 10 + "production-secret-key-that-is-long-and-random-0123456789",
        "ACTIVATION_KEYS": generate_key_entry(),
        "DJANGO_ALLOWED_HOSTS": "support.example.com",
        "EMAIL_HOST": "smtp.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_responses_carry_the_security_headers(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("home"), secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_session_and_csrf_cookies_are_host_only_secure(client, customer):
    response = client.post(
        reverse("account_login"),
        {"login": customer.email, "password": PASSWORD},
        secure=True,
    )
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/"
    assert not session["domain"]
    page = client.get(reverse("account_login"), secure=True)
    csrf = page.cookies.get("__Host-csrftoken") or client.cookies["__Host-csrftoken"]
    assert csrf["secure"]
