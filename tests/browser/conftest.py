"""Browser tests: Debian's Chromium (never a downloaded browser) against ``live_server``.

The directory is skipped when /usr/bin/chromium (or ``CHROMIUM_PATH``) is missing, unless
``REQUIRE_BROWSER=1`` (CI) makes that a failure. The tests are marked ``browser``
(``pytest -m "not browser"`` leaves them out) and run after every other test: from its
first use to the end of the session, Playwright's sync API keeps an event loop running in
the main thread, which changes how Django hands out database connections there.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from django.test import override_settings
from playwright.sync_api import expect

from activation.demo import enrol_demo_mfa

from .helpers import sign_in

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-background-networking",
    "--disable-gpu",
]
HERE = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the portal in Chromium (tests/browser)")


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "") not in {"", "0"}


def _in_here(item) -> bool:
    return HERE in Path(item.path).parents


# trylast: after pytest's own grouping of tests by parametrized fixtures, which would
# otherwise pull the browser tests forward next to any test sharing such a fixture.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    here = [item for item in items if _in_here(item)]
    if not here:
        return
    if not CHROMIUM.exists() and not browser_required():
        skip = pytest.mark.skip(
            reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium; "
            "REQUIRE_BROWSER=1 makes this a failure)"
        )
        for item in here:
            item.add_marker(skip)
    # Last, after every other test: see the module docstring.
    others = [item for item in items if not _in_here(item)]
    items[:] = others + here


@pytest.fixture(scope="session")
def _serialized_databases(django_db_setup):
    """The migrations' rows (staff groups, help content) as serialized at set-up."""
    return {c.alias: getattr(c, "_test_serialized_contents", None) for c in connections.all()}


@pytest.fixture(scope="session")
def _async_unsafe_allowed():
    """While Playwright's sync API runs, this thread has a running event loop, and Django
    refuses ORM calls from such a thread. The tests use the ORM between browser steps
    (and pytest-django flushes the database after each one), so the check is off from
    Playwright's start to its end: the browser tests run last, the others keep it."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def playwright(_async_unsafe_allowed, _serialized_databases, playwright):
    """Playwright, with the database connections this thread uses from now on.

    With the loop running, Django's connection storage (asgiref's thread-critical
    Local) hands this thread *new* connection objects. Those lack the serialized
    contents that transactional tests restore after each flush; give them the contents,
    and close them before the loop stops (an open one would keep PostgreSQL from
    dropping the test database).
    """
    for alias, contents in _serialized_databases.items():
        if contents is not None:
            connections[alias]._test_serialized_contents = contents
    yield playwright
    connections.close_all()


@pytest.fixture
def totp_clock_margin(settings):
    """Tests compute a TOTP code a moment before the server checks it: accept the
    neighbouring 30-second step too, so a run at a step's edge does not fail."""
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture(scope="session")
def _plain_http_live_server():
    """The live server's middleware is built once, when it starts: build it without the
    production redirect to HTTPS (tests/conftest.py turns it off per test, too late)."""
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(scope="session")
def live_server(_plain_http_live_server, live_server):
    return live_server


@pytest.fixture(scope="session")
def base_url(live_server):
    """Pages open relative addresses (``page.goto("/help/")``) on the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def context(context):
    # A step that cannot happen fails in seconds, not after Playwright's 30 s default.
    context.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    return context


@pytest.fixture
def phone(browser, base_url, browser_context_args, django_user_model):
    """A second browser on the phone simulator. Outside DEBUG only staff may open
    /simulator/, so it is signed in as a staff member (no group: no admin work), with
    the second factor every staff member needs."""
    bench = django_user_model.objects.create_user(
        email="bench@example.com", password="bench-password-42", is_staff=True
    )
    enrol_demo_mfa(bench)
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(10_000)
    sign_in(context, base_url, bench)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # English pages whatever the host's locale; downloads kept for the export tests.
    return {**browser_context_args, "locale": "en-GB", "accept_downloads": True}


@pytest.fixture(scope="session", autouse=True)
def _chromium_present():
    if not CHROMIUM.exists():
        pytest.fail(
            f"REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}: "
            "apt-get install -y chromium",
            pytrace=False,
        )
