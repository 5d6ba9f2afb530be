"""Two app servers on one PostgreSQL and one Redis behave as one portal.

Two gunicorn processes (A and B) serve the same database and Redis, as N stateless app
servers behind a proxy would (docs/deploy.md):

- a customer signs in on A and the same session cookie works on B (sessions live in
  Redis and the database, never in a server's memory);
- two agents pressing "Issue new code" on the same request at the same moment, one on
  each server, get exactly one code between them (the request's row lock);
- the device API's limits hold across servers: see
  ``test_api_concurrency.test_two_app_servers_share_the_per_imei_limit``.

PostgreSQL and Redis only (the database cache and SQLite are per-machine set-ups).
"""

import re
import threading
import urllib.parse
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.urls import reverse

from activation import routers
from activation.demo import enrol_demo_mfa
from activation.models import ActivationCode, Ticket
from activation.routers import ReplicaRouter, reading_from_replica
from tests.test_api_concurrency import server_env, two_servers

PASSWORD = "scale-out-password-9"
CSRF = "a" * 32  # a CSRF secret; Django accepts the secret itself as the form token
SESSION_COOKIE = "__Host-sessionid"  # the servers run with DJANGO_DEBUG off
CSRF_COOKIE = "__Host-csrftoken"

needs_postgres_and_redis = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not django_settings.REDIS_URL,
    reason="needs PostgreSQL and Redis shared by two servers: set DATABASE_URL and REDIS_URL",
)


@pytest.fixture
def servers(tmp_path):
    """Ports of two running gunicorn servers on the test database and Redis."""
    env = server_env(
        PATH="/usr/bin:/bin",
        TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
        LOG_LEVEL="WARNING",
        # The portal's settings with static files served without collectstatic's manifest.
        DJANGO_SETTINGS_MODULE="bench.pages_settings",
    )
    with two_servers(env, tmp_path) as ports:
        yield ports


def _http(port, method, path, *, cookies=None, form=None):
    """(status, headers, body) of one request; ``cookies`` is a dict sent as-is."""
    conn = HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def _set_cookies(headers) -> dict:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


@needs_postgres_and_redis
@pytest.mark.django_db(transaction=True)
def test_signed_in_on_server_a_the_same_cookie_works_on_server_b(servers, customer):
    a, b = servers
    # The servers hash with Argon2 (the tests' fast hasher is not in their settings).
    customer.password = Argon2PasswordHasher().encode(PASSWORD, "scaleoutsalt1234")
    customer.save(update_fields=["password"])
    login = reverse("account_login")

    status, headers, page = _http(a, "GET", login)
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookies = _set_cookies(headers)
    status, headers, _ = _http(
        a,
        "POST",
        login,
        cookies=cookies,
        form={"login": customer.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert status == 302, "signing in on server A failed"
    session = {SESSION_COOKIE: _set_cookies(headers)[SESSION_COOKIE]}

    devices = reverse("device_list")
    for port in (a, b):
        status, _, _ = _http(port, "GET", devices, cookies=session)
        assert status == 200, f"server {port} did not know the session"
    status, headers, _ = _http(b, "GET", devices)
    assert status == 302 and login in headers["Location"]  # without the cookie: signed out


def _agent_session(agent) -> dict:
    enrol_demo_mfa(agent)
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    client = Client()
    client.force_login(agent)  # stored in Redis and the database, like a real sign-in
    return {SESSION_COOKIE: client.session.session_key, CSRF_COOKIE: CSRF}


@needs_postgres_and_redis
@pytest.mark.django_db(transaction=True)
def test_two_agents_issuing_on_two_servers_at_once_make_exactly_one_code(
    servers, agent, manager, customer, make_device, make_ticket
):
    ticket = make_ticket(make_device(owner=customer), reason="Asks for a code after a reset.")
    sessions = [_agent_session(agent), _agent_session(manager)]
    path = reverse("admin:activation_ticket_desk", args=[ticket.pk, "verify"])
    form = {
        "imei_confirmed": "on",
        "email_confirmed": "on",
        "_issue": "1",
        "csrfmiddlewaretoken": CSRF,
    }
    barrier = threading.Barrier(2)
    statuses = [None, None]

    def press(i):
        barrier.wait(timeout=10)
        statuses[i] = _http(servers[i], "POST", path, cookies=sessions[i], form=form)[0]

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # One shows the code (200), the other is told the request is already answered (302).
    assert sorted(statuses) == [200, 302]
    assert ActivationCode.objects.filter(ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CODE_ISSUED


def test_reads_go_to_the_replica_only_inside_the_block(monkeypatch):
    router = ReplicaRouter()
    monkeypatch.setattr(routers, "settings", SimpleNamespace(DATABASES={"replica": {}}))
    assert router.db_for_read(Ticket) is None
    with reading_from_replica():
        assert router.db_for_read(Ticket) == "replica"
        assert router.db_for_write(Ticket) == "default"
    assert router.db_for_read(Ticket) is None
    assert router.allow_migrate("replica", "activation") is False


def test_without_a_replica_reading_from_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(routers, "settings", SimpleNamespace(DATABASES={"default": {}}))
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Ticket) is None
