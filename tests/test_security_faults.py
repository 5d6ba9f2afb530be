"""A bad day: Redis down, the database failing mid-way, a damaged ciphertext.

Each test names the fault and asserts what a phone, a customer or an agent sees: a
clear refusal (503, a friendly message), never a 500, never a skipped limit, never a
half-written change and never a wrong code.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import IntegrityError
from django.test import override_settings
from django.urls import reverse

from activation import codes, possession, ratelimit, signing
from activation.demo import enrol_demo_mfa
from activation.models import ActivationAttempt, ActivationCode, AuditEvent, Device, Ticket
from tests.conftest import PASSWORD
from tests.test_reveal import issued, reauthenticate  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent
# Nothing listens on port 1: connections are refused at once, like a Redis that is down.
DEAD_REDIS = "redis://127.0.0.1:1/0"
API = "/api/v1/activations"


def redis_down():
    """Point the cache and the rate-limit counters at a Redis that is not there.

    Overriding the settings resets Django's cache handlers and the limiter's client
    (setting_changed receivers), so the next call really connects to the dead address;
    leaving the block brings the real store back (fixtures clean up through it).
    """
    return override_settings(
        REDIS_URL=DEAD_REDIS,
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": DEAD_REDIS,
                "KEY_PREFIX": "portal",
            }
        },
    )


@pytest.fixture
def dead_redis():
    """Redis down for the test; request it last so other fixtures clean up with Redis back."""
    with redis_down():
        yield


@pytest.fixture
def phone(make_device, make_code, customer):
    device = make_device(owner=customer)
    code, plaintext = make_code(device, kind=ActivationCode.Kind.FACTORY)
    return device, code, plaintext


def post_json(client, body, url=API):
    return client.post(url, json.dumps(body), content_type="application/json")


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# How the portal shows any code (codes.display): a wrong code would look like this.
# (CODE_LIKE_RE, the redaction net, is case-insensitive and also matches runs inside
# random CSRF tokens now and then, which made these checks flaky.)
_SYMBOL = f"[{codes.ALPHABET}]"
DISPLAYED_CODE_RE = re.compile(
    rf"(?<![\w-])(?:{_SYMBOL}{{{codes.GROUP}}}-){{4}}{_SYMBOL}{{{codes.GROUP}}}(?![\w-])"
)


def shows_no_code(body: str) -> bool:
    return not DISPLAYED_CODE_RE.search(body)


# Redis down: code endpoints refuse with 503 ---------------------------------------------


def test_redis_down_the_limiter_raises_unavailable_instead_of_skipping(db, dead_redis):
    for call in (
        lambda: ratelimit.hit("probe", "k", limit=1, window=60),
        lambda: ratelimit.peek("probe", "k", limit=1, window=60),
        ratelimit.ensure_available,
    ):
        with pytest.raises(ratelimit.LimiterUnavailable):
            call()


def test_redis_down_the_api_answers_503_unavailable_and_activates_nothing(
    client, phone, dead_redis
):
    device, _, plaintext = phone

    response = post_json(client, {"imei": device.imei, "code": plaintext})

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert "try again" in response.json()["message"].lower()
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers[signing.HEADER]  # still a signed answer
    device.refresh_from_db()
    assert device.activation_state == Device.State.NOT_ACTIVATED
    assert not ActivationAttempt.objects.exists()


def test_redis_down_wrong_guesses_get_503_never_an_unlimited_run_of_403s(client, phone, dead_redis):
    device, _, _ = phone
    for _ in range(12):
        response = post_json(client, {"imei": device.imei, "code": codes.generate()})
        assert response.status_code == 503
    assert not ActivationAttempt.objects.filter(result="failed").exists()


def test_redis_dying_before_a_wrong_guess_is_counted_answers_503_and_records_nothing(
    client, phone, monkeypatch
):
    """The per-IP limit was counted, then Redis died before the wrong guess could be: the
    phone gets 503, the guess is not tried and nothing is recorded as failed."""
    device, _, _ = phone
    real_hit = ratelimit.hit

    def dying(scope, key, **limits):
        if scope != "ip":
            raise ratelimit.LimiterUnavailable("down")
        return real_hit(scope, key, **limits)

    monkeypatch.setattr(ratelimit, "hit", dying)

    response = post_json(client, {"imei": device.imei, "code": codes.generate()})

    assert response.status_code == 503
    assert not ActivationAttempt.objects.exists()


def test_redis_down_deferrals_answer_503_too(client, phone, dead_redis):
    device, _, _ = phone
    response = post_json(client, {"imei": device.imei}, url="/api/v1/deferrals")
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"


def test_redis_down_show_my_code_is_a_503_page_and_nothing_is_revealed(
    client,
    customer,
    issued,  # noqa: F811
):
    device, _, plaintext = issued
    reauthenticate(client, customer)  # allauth's own limits live in the cache too
    with redis_down():
        response = client.post(reverse("reveal_code", args=[device.public_id]))

    assert response.status_code == 503
    body = response.content.decode()
    assert "Briefly unavailable" in body and "try again" in body
    assert int(response.headers["Retry-After"]) > 0
    assert codes.display(plaintext) not in body and shows_no_code(body)
    assert not AuditEvent.objects.filter(action="code_revealed").exists()


def test_redis_down_a_request_code_is_refused_with_503_before_anything_is_written(
    client, customer, phone, dead_redis
):
    device, _, _ = phone
    typed = possession.request_code_for(device)
    client.force_login(customer)

    response = client.post(
        reverse("request_code", args=[device.public_id]),
        {"reason": "Asks for a code after a reset", "request_code": typed},
    )

    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()
    assert not Ticket.objects.exists()
    assert list(ActivationCode.objects.values_list("status", flat=True)) == ["active"]


def test_redis_down_a_plain_request_still_reaches_the_queue(client, customer, phone, dead_redis):
    """Without a request code nothing needs a limit: the request is taken as usual."""
    device, _, _ = phone
    client.force_login(customer)

    response = client.post(
        reverse("request_code", args=[device.public_id]), {"reason": "Asks for a code"}
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("ticket_detail", args=[ticket.reference])


def test_redis_down_help_feedback_is_a_503_page_and_nothing_is_stored(client, db, dead_redis):
    from activation.models import HelpEntry, HelpFeedback

    entry = HelpEntry.objects.filter(language="en", is_published=True).first()
    response = client.post(reverse("help_feedback", args=[entry.slug]), {"helpful": "yes"})
    assert response.status_code == 503
    assert not HelpFeedback.objects.exists()


@pytest.mark.parametrize(
    "name", ["home", "help_index", "healthz", "device_list", "ticket_list", "account"]
)
def test_redis_down_pages_that_need_no_limit_keep_working(client, customer, name, dead_redis):
    client.force_login(customer)
    assert client.get(reverse(name)).status_code == 200


def test_redis_down_a_help_entry_and_the_phone_page_keep_working(
    client, customer, phone, dead_redis
):
    from activation.models import HelpEntry

    device, _, _ = phone
    entry = HelpEntry.objects.filter(language="en", is_published=True).first()
    client.force_login(customer)
    assert client.get(reverse("help_entry", args=[entry.slug])).status_code == 200
    assert client.get(reverse("device_detail", args=[device.public_id])).status_code == 200


# Readiness --------------------------------------------------------------------------


def test_readyz_is_200_with_every_check_ok(client, db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "ratelimit": "ok"},
    }
    assert "no-cache" in response.headers["Cache-Control"]


def test_readyz_is_503_naming_the_cache_when_redis_is_down_while_healthz_stays_200(
    client, db, dead_redis
):

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable", "ratelimit": "unavailable"},
    }
    assert "127.0.0.1:1" not in response.content.decode()  # no error text for the world
    assert client.get(reverse("healthz")).status_code == 200


def test_readyz_is_503_naming_the_database_when_it_is_unreachable():
    """A server process whose database is down (nothing on port 1): /readyz says so,
    /healthz still says the process is alive."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client; c = Client();"
        "r = c.get('/readyz', secure=True); h = c.get('/healthz', secure=True);"
        "print(json.dumps([r.status_code, r.json(), h.status_code]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_DEBUG"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/portal",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, body, health = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unavailable"
    assert health == 200


# The database failing in the middle of issuing a code ------------------------------------


@pytest.fixture
def request_ready(customer, phone, make_ticket):
    """``customer``'s phone with its factory code, and a verified open request."""
    device, factory, _ = phone
    ticket = make_ticket(device, imei_confirmed=True, email_confirmed=True)
    return device, factory, ticket


def snapshot():
    return (
        sorted(ActivationCode.objects.values_list("pk", "status", "digest")),
        sorted(AuditEvent.objects.values_list("pk", "action")),
        sorted(Ticket.objects.values_list("pk", "status", "first_code_at", "assignee")),
        sorted(Device.objects.values_list("pk", "owner", "request_counter")),
    )


def fail_on_call(monkeypatch, n):
    """Make the ``n``-th ``AuditEvent.record`` from now raise, as a database error would."""
    original = AuditEvent.record.__func__
    calls = {"n": 0}

    def record(cls, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise IntegrityError("simulated failure while writing the audit event")
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(AuditEvent, "record", classmethod(record))


# Issuing writes, in order: the superseded code's event, the new code's event, the
# request's status event. A failure at any of them leaves the database as it was.
@pytest.mark.parametrize("failing_call", [1, 2, 3], ids=["superseded", "issued", "status"])
def test_a_database_error_mid_issue_leaves_nothing_half_written(
    request_ready, agent, monkeypatch, mailoutbox, failing_call
):
    _, factory, ticket = request_ready
    before = snapshot()
    fail_on_call(monkeypatch, failing_call)

    with pytest.raises(IntegrityError):
        ticket.issue_code(agent)

    assert snapshot() == before
    factory.refresh_from_db()
    assert factory.status == ActivationCode.Status.ACTIVE  # not superseded by nothing
    assert mailoutbox == []  # nobody is told about a code that does not exist


def test_a_digest_collision_rolls_back_the_superseding_too(request_ready, make_device, make_code):
    """A real constraint violation (the digest is unique) after the old code was
    superseded: the phone keeps its old active code and no new row exists."""
    device, factory, _ = request_ready
    other = make_device()
    _, taken = make_code(other, kind=ActivationCode.Kind.FACTORY)
    before = snapshot()

    with pytest.raises(IntegrityError):
        ActivationCode.objects.issue(device, kind=ActivationCode.Kind.SUPPORT, plaintext=taken)

    assert snapshot() == before
    factory.refresh_from_db()
    assert factory.status == ActivationCode.Status.ACTIVE


def test_a_database_error_while_an_agent_issues_shows_no_code_and_saves_nothing(
    client, agent, request_ready, monkeypatch
):
    _, _, ticket = request_ready
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=False, email_confirmed=False)
    enrol_demo_mfa(agent)
    client.force_login(agent)
    client.raise_request_exception = False
    before = snapshot()
    fail_on_call(monkeypatch, 2)

    response = client.post(
        reverse("admin:activation_ticket_desk", args=[ticket.pk, "verify"]),
        {"imei_confirmed": "on", "email_confirmed": "on", "_issue": "1"},
    )

    assert response.status_code == 500
    assert shows_no_code(response.content.decode())
    assert snapshot() == before  # the checklist was not saved either: all or nothing
    ticket.refresh_from_db()
    assert not ticket.imei_confirmed and not ticket.email_confirmed


# A damaged ciphertext ---------------------------------------------------------------


def tamper(code):
    """Flip one bit of the stored ciphertext, as disk damage or a bad edit would."""
    blob = bytearray(ActivationCode.objects.values_list("ciphertext", flat=True).get(pk=code.pk))
    blob[-1] ^= 1
    ActivationCode.objects.filter(pk=code.pk).update(ciphertext=bytes(blob))


def swap_ciphertexts(code, other):
    """Copy another row's valid ciphertext over this one's (bound to its row: refused)."""
    ActivationCode.objects.filter(pk=code.pk).update(ciphertext=other.ciphertext)


@pytest.mark.parametrize("damage", ["tampered", "copied_from_another_row"])
def test_a_damaged_code_gives_the_customer_a_friendly_message_never_a_wrong_code(
    client,
    customer,
    issued,  # noqa: F811
    make_device,
    make_code,
    damage,
):
    device, _, plaintext = issued
    code = ActivationCode.objects.get(device=device, status="active")
    if damage == "tampered":
        tamper(code)
    else:
        other, _ = make_code(make_device(owner=customer))
        swap_ciphertexts(code, other)
    reauthenticate(client, customer)

    response = client.post(reverse("reveal_code", args=[device.public_id]), follow=True)

    assert response.status_code == 200
    body = response.content.decode()
    assert "We cannot show this code right now. Please contact support." in body
    assert codes.display(plaintext) not in body and shows_no_code(body)
    assert not AuditEvent.objects.filter(action="code_revealed").exists()


def test_a_damaged_code_gives_the_agent_a_message_never_a_wrong_code(
    client, agent, make_device, make_code, customer
):
    code, plaintext = make_code(make_device(owner=customer))
    tamper(code)
    agent.user_permissions.add(Permission.objects.get(codename="reveal_code"))
    enrol_demo_mfa(agent)
    client.force_login(agent)
    page = reverse("admin:activation_activationcode_change", args=[code.pk])

    response = client.post(
        page,
        {
            "CHANGE_FORM-action": "reveal",
            "CHANGE_FORM-reason": "Owner on the phone",
            "_selected_action": code.pk,
            "index": 0,
        },
    )

    assert response.status_code == 302
    assert "This code cannot be read back (its key is gone)." in texts(response)
    assert not AuditEvent.objects.filter(action="code_revealed").exists()
    # The desk pages about this code and its phone still open, masked as always.
    for url in (
        page,
        reverse("admin:activation_device_change", args=[code.device.pk]),
    ):
        shown = client.get(url)
        assert shown.status_code == 200
        assert code.hint in shown.content.decode()
        assert codes.display(plaintext) not in shown.content.decode()


def test_a_damaged_code_sends_a_request_code_to_the_queue_instead_of_a_500(client, customer, phone):
    device, factory, _ = phone
    typed = possession.request_code_for(device)
    tamper(factory)
    client.force_login(customer)

    response = client.post(
        reverse("request_code", args=[device.public_id]),
        {"reason": "Asks for a code after a reset", "request_code": typed},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("ticket_detail", args=[ticket.reference])
    assert ticket.status == Ticket.Status.NEW  # an agent will issue it
    assert ActivationCode.objects.count() == 1


def test_redis_down_the_simulator_answers_503_and_activates_nothing(
    client, phone, settings, dead_redis
):
    settings.DEBUG = True
    device, _, plaintext = phone
    response = client.post("/simulator/", {"imei": device.imei, "code": plaintext})
    assert response.status_code == 503
    device.refresh_from_db()
    assert device.activation_state == device.State.NOT_ACTIVATED


def test_a_damaged_code_leaves_the_simulator_working_without_a_request_code(
    client, phone, settings
):
    settings.DEBUG = True
    device, code, _ = phone
    ActivationCode.objects.filter(pk=code.pk).update(ciphertext=b"\x00" * 40)
    response = client.get("/simulator/", {"imei": device.imei})
    assert response.status_code == 200
    assert "Activation failed" in response.content.decode()


def test_redis_down_sign_in_answers_503_not_500(client, customer, dead_redis):
    # allauth keeps its sign-in rate limits in the cache: no limit, no sign-in.
    response = client.post(
        reverse("account_login"), {"login": customer.email, "password": PASSWORD}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "_auth_user_id" not in client.session
