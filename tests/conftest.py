"""A cast of users and small factories shared by every test module."""

import itertools
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
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


def _other_digits(imei: str, digits: str) -> str:
    """``imei`` with all but its (ASCII) check digit written in another script's digits."""
    return imei[:-1].translate(str.maketrans("0123456789", digits)) + imei[-1]


_GOOD_IMEI = "490154203237518"
# Digits that str.isdigit(), int() and regex \d take but an IMEI never has. The last two
# pass the Luhn check once their digits are read as numbers.
NON_ASCII_IMEIS = {
    "circled": "①" * 15,
    "superscript": "¹²³⁴⁵⁶⁷⁸⁹⁰¹²³⁴⁵",
    "arabic-indic": _other_digits(_GOOD_IMEI, "٠١٢٣٤٥٦٧٨٩"),
    "full-width": _other_digits(_GOOD_IMEI, "０１２３４５６７８９"),
}
non_ascii_imeis = pytest.mark.parametrize(
    "imei", list(NON_ASCII_IMEIS.values()), ids=list(NON_ASCII_IMEIS)
)


# The URLconf, walked: tests built from it cover a new page as soon as it exists. ------------

SAMPLE_ARGUMENTS = {
    "app_label": "activation",
    "content_type_id": "1",
    "object_id": "1",
    "public_id": "00000000-0000-4000-8000-000000000000",
    "reference": "ACT-XXXXXX",
    "uidb36": "1",
}


def url_patterns(patterns=None, prefix="", namespace=""):
    """``(sample path, view name or None, pattern)`` for every pattern, included ones
    too; the path has a made-up value (``SAMPLE_ARGUMENTS`` or "x") for each argument."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        path = prefix + _sample(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, path, inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield "/" + path, name, pattern


def _value(name):
    return SAMPLE_ARGUMENTS.get(name, "x")


def _sample(pattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: _value(match[1]), text)
    # A regex: each named group becomes its value (groups hold brackets and
    # alternatives, so their end is found by counting parentheses).
    out, i = [], 0
    while i < len(text):
        group = re.match(r"\(\?P<(\w+)>", text[i:])
        if group is None:
            out.append(text[i])
            i += 1
            continue
        depth, j, in_class = 1, i + group.end(), False
        while depth:
            char = text[j]
            if char == "\\":
                j += 1
            elif char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif not in_class:
                depth += {"(": 1, ")": -1}.get(char, 0)
            j += 1
        out.append(_value(group[1]))
        i = j
    return "".join(out).removeprefix("^").removesuffix("$")


@pytest.fixture
def staff_with_totp(request):
    """For modules whose staff use staff pages: ``agent`` and ``manager``, when a test
    takes them, have an authenticator app, as the staff MFA rule requires."""
    from activation.demo import enrol_demo_mfa

    for name in ("agent", "manager"):
        if name in request.fixturenames:
            enrol_demo_mfa(request.getfixturevalue(name))
