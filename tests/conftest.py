"""A cast of users and small factories shared by every test module."""

import itertools

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from hypothesis import settings as hypothesis_settings

from activation.models import ActivationCode, Device, OSVersion, Ticket

PASSWORD = "a-long-test-password-42"

# Timing is not behaviour (speed is measured in bench/): Hypothesis' default 200 ms
# deadline per example fails a property test whenever a busy machine stalls it once.
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")
_serials = itertools.count(1)


def pytest_collection_modifyitems(items):
    """Transactional tests flush every table, including rows data migrations made
    (staff groups, help content). Serialized rollback puts those rows back afterwards."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def _truncate_as_the_purge(execute, sql, params, many, context):
    if sql.lstrip()[:8].upper() == "TRUNCATE":
        context["cursor"].execute("SET LOCAL portal.audit_purge = 'on'")
    return execute(sql, params, many, context)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """Transactional tests end by emptying every table with one TRUNCATE, which the audit
    log's guard refuses on PostgreSQL (migration 0009) unless the transaction carries the
    retention purge's flag: the test run's flush carries it, nothing else does."""
    with connection.execute_wrapper(_truncate_as_the_purge):
        return (yield)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts at zero. Redis (CI) keeps
    them between tests, so it is emptied; the database cache is rolled back with the test."""
    if django_settings.REDIS_URL:
        cache.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def session_queries(settings):
    """Queries a signed-in page spends on its session and user: 2 with database
    sessions, one fewer when sessions are read from Redis (portal.sessions)."""
    return 1 if settings.SESSION_ENGINE == "portal.sessions" else 2


def make_user(django_user_model, email, *, group=None, is_staff=False):
    user = django_user_model.objects.create_user(email=email, password=PASSWORD, is_staff=is_staff)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def customer(db, django_user_model):
    return make_user(django_user_model, "casey@example.com")


@pytest.fixture
def other_customer(db, django_user_model):
    return make_user(django_user_model, "olive@example.com")


@pytest.fixture
def agent(db, django_user_model):
    return make_user(django_user_model, "alex@example.com", group="Support agents", is_staff=True)


@pytest.fixture
def manager(db, django_user_model):
    return make_user(
        django_user_model, "morgan@example.com", group="Support managers", is_staff=True
    )


def luhn_complete(body: str) -> str:
    from activation.demo import imei_with_check_digit

    return imei_with_check_digit(body)


@pytest.fixture
def make_device(db):
    def make(owner=None, os_version=OSVersion.WP81, **fields):
        n = next(_serials)
        return Device.objects.create(
            imei=luhn_complete(f"4900000{n:07d}"),
            serial=f"T{n:07d}",
            model_name="Lumia 930",
            os_version=os_version,
            owner=owner,
            **fields,
        )

    return make


@pytest.fixture
def make_code(db):
    """Issue a code; returns ``(code, plaintext)``."""

    def make(device, kind=ActivationCode.Kind.SUPPORT, by=None, ticket=None):
        return ActivationCode.objects.issue(device, kind=kind, by=by, ticket=ticket)

    return make


@pytest.fixture
def make_ticket(db):
    def make(device, customer=None, **fields):
        return Ticket.objects.create(device=device, customer=customer or device.owner, **fields)

    return make
