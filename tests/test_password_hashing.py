"""Passwords are stored with Argon2id, and passwords stored the older way still sign in.

What a flood of sign-ins does to the device API is measured in bench/login_flood.py
(docs/performance.md), not here.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from portal import settings as portal_settings
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def portal_hashers(settings):
    """The portal's own hashers (tests/conftest.py swaps in a fast one)."""
    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS


def test_a_new_customers_password_is_stored_with_argon2id(client, db, portal_hashers):
    response = client.post(
        reverse("account_signup"),
        {"email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    stored = get_user_model().objects.get(email="newcomer@example.com").password
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored


def test_a_password_stored_with_pbkdf2_still_signs_in_and_moves_to_argon2id(
    client, db, portal_hashers
):
    customer = make_user(get_user_model(), "longtime@example.com")
    hasher = PBKDF2PasswordHasher()
    customer.password = hasher.encode(PASSWORD, hasher.salt())
    customer.save(update_fields=["password"])

    response = client.post(
        reverse("account_login"), {"login": customer.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.password.startswith("argon2$argon2id$")


def test_a_wrong_password_does_not_sign_in(client, db, portal_hashers):
    customer = make_user(get_user_model(), "careful@example.com")

    response = client.post(
        reverse("account_login"), {"login": customer.email, "password": "not-the-password-1"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
