"""Production settings: Django's deploy checks pass and every response is hardened."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from packaging.version import Version

from accounts import urls as account_urls
from activation import codes, ratelimit, urls
from activation.demo import enrol_demo_mfa
from activation.keyring import generate_key_entry
from activation.models import ActivationCode, HelpEntry, Ticket
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


def test_the_language_cookie_is_secure_http_only_and_same_site(client, customer):
    switched = client.post(reverse("set_language"), {"language": "fr", "next": "/"}, secure=True)
    signed_in = client.post(
        reverse("account_login"), {"login": customer.email, "password": PASSWORD}, secure=True
    )
    for response in [switched, signed_in]:
        cookie = response.cookies[django_settings.LANGUAGE_COOKIE_NAME]
        assert cookie["secure"] and cookie["httponly"], cookie.output()
        assert cookie["samesite"] == "Lax", cookie.output()


# Pages that show a code send no Referer and are kept by no cache ------------------------


def _code_pages(customer, agent, make_device, make_code):
    """(page, response, code it shows) for every page that shows an activation code."""
    ratelimit.reset_all()
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket, _ = Ticket.objects.request_code(device, reason="Asks for a code", customer=customer)
    enrol_demo_mfa(agent)
    agent.user_permissions.add(Permission.objects.get(codename="reveal_code"))
    desk = Client()
    desk.force_login(agent)

    issued = desk.post(
        reverse("admin:activation_ticket_desk", args=[ticket.pk, "verify"]),
        {"imei_confirmed": "on", "email_confirmed": "on", "_issue": "1"},
    )
    code = ActivationCode.objects.active().get(device=device)
    shown = issued.context["plaintext"]
    yield "agent's issued code", issued, shown

    revealed = desk.post(
        reverse("admin:activation_activationcode_change", args=[code.pk]),
        {
            "CHANGE_FORM-action": "reveal",
            "CHANGE_FORM-reason": "Owner on the phone",
            "_selected_action": code.pk,
            "index": 0,
        },
    )
    yield "staff reveal", revealed, shown

    owner = Client()
    owner.force_login(customer)
    first = owner.post(reverse("reveal_code", args=[device.public_id]))
    yield "customer reveal", owner.post(first.headers["Location"], {"password": PASSWORD}), shown

    # The phone simulator takes a code but never shows one back, right or wrong.
    for typed in [codes.generate(), shown]:
        screen = desk.post(reverse("simulator"), {"imei": device.imei, "code": typed})
        body = screen.content.decode()
        assert screen.status_code == 200
        assert typed not in body and codes.normalise(typed) not in body


def test_every_page_showing_a_code_sends_no_referrer_and_is_not_cached(
    customer, agent, make_device, make_code
):
    seen = []
    for page, response, shown in _code_pages(customer, agent, make_device, make_code):
        assert response.status_code == 200, page
        body = response.content.decode()
        assert shown and shown in body, page
        assert response.headers["Referrer-Policy"] == "no-referrer", page
        assert "no-store" in response.headers["Cache-Control"], page
        # Under no-referrer a browser posts forms with "Origin: null", which the CSRF
        # check refuses: such a page offers links, never a form that would fail.
        assert not re.search(r"<form[^>]*method=\"post\"", body, re.IGNORECASE), page
        seen.append(page)
    assert seen == ["agent's issued code", "staff reveal", "customer reveal"]


# Every customer page carries the policy; the lock file pins the patched releases ------


def _customer_urls(owned):
    """Each customer and account URL pattern (nested includes too) with the owner's
    objects in it."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern

    entry = owned["help_entry"]
    for pattern in walk([*urls.urlpatterns, *account_urls.urlpatterns]):
        values = {"slug": entry.slug, **owned}
        kwargs = {name: values[name] for name in pattern.pattern.converters}
        yield pattern.name, reverse(pattern.name, kwargs=kwargs)


def test_every_customer_page_carries_the_content_security_policy(
    client, customer, agent, make_device, make_code
):
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket, _ = Ticket.objects.request_code(device, reason="Asks for a code", customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=True, email_confirmed=True)
    ticket.refresh_from_db()
    ticket.issue_code(agent)
    owned = {
        "public_id": device.public_id,
        "reference": ticket.reference,
        "help_entry": HelpEntry.objects.filter(language="en", is_published=True).first(),
    }
    client.force_login(customer)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    extra = [
        ("healthz", reverse("healthz")),
        ("readyz", reverse("readyz")),
        ("not_found", "/devices/not-a-phone/"),
    ]
    seen = set()
    for name, url in [*_customer_urls(owned), *extra]:
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {"helpful": "yes", "worked": "yes", "body": "Thanks"})
        assert response.status_code < 500, (name, response.status_code)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, name
        seen.add(name)
    assert {"device_detail", "reveal_code", "ticket_detail", "readyz", "not_found"} <= seen


MINIMUM_VERSIONS = {
    # Security releases the portal relies on: never resolve below these.
    "django": "6.1.3",
    "django-allauth": "65.21.1",
    "django-import-export": "4.4.3",
}


def test_the_lock_file_pins_patched_releases():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {package["name"]: package["version"] for package in lock["package"]}
    for name, minimum in MINIMUM_VERSIONS.items():
        assert name in locked, f"{name} is not in uv.lock"
        assert Version(locked[name]) >= Version(minimum), f"{name} {locked[name]} < {minimum}"
