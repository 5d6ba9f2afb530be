"""Schemathesis against the API's OpenAPI document: no 5xx, every answer matches it.

Runs in process through Django's WSGI handler (no server), with a bounded number of
examples per operation so the suite stays fast. The document is the one served at
/api/v1/openapi.json (test_api.py checks the two are the same).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from activation import openapi, ratelimit

_handler = []


def wsgi_app(environ, start_response):
    # Built on first use, inside a test, so its middleware reads the test settings.
    if not _handler:
        _handler.append(WSGIHandler())
    return _handler[0](environ, start_response)


schema = schemathesis.openapi.from_dict(openapi.document())
schema.app = wsgi_app


@pytest.fixture(autouse=True)
def _schema_test_settings(db, settings):
    # Generous limits: this test is about shapes; the limits have their own tests.
    settings.API_RATE_LIMITS = {name: (10**6, 60) for name in settings.API_RATE_LIMITS}
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis' WSGI client
    ratelimit.reset_all()
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_openapi_document(case):
    # Well-shaped data is not always accepted, and must not be: a 15-digit IMEI may
    # fail its Luhn check (400) and a well-formed code is almost surely unknown (403).
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
