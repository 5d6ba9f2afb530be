"""Accounts (django-allauth) inside the portal's layout: sign-up, sign-in, MFA, sessions."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def assert_portal_page(response):
    """In the portal's layout, and nothing the strict CSP would block."""
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert 'class="site-header"' in body and '<main id="main"' in body
    assert "style=" not in body
    assert "<style" not in body
    assert not INLINE_SCRIPT.search(body)
    assert " on" + "click=" not in body
    return body


def test_sign_up_needs_a_verified_email_before_first_use(client, db, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.headers["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("device_list")).status_code == 302
    assert not EmailAddress.objects.get(email="new@example.com").verified
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mailoutbox[-1].body)
    assert link, mailoutbox[-1].body
    assert_portal_page(client.get(link.group(1)))

    confirmed = client.post(link.group(1))

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get(reverse("device_list")).status_code == 200


def test_sign_up_with_a_known_email_does_not_tell(client, customer, mailoutbox):
    new = client.post(
        reverse("account_signup"),
        {"email": "fresh@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.logout()
    known = client.post(
        reverse("account_signup"),
        {"email": customer.email, "password1": PASSWORD, "password2": PASSWORD},
    )

    assert known.status_code == new.status_code == 302
    assert known.headers["Location"] == new.headers["Location"]
    # The owner of the address hears about it, not the visitor.
    assert mailoutbox[-1].to == [customer.email]


def test_password_reset_does_not_tell_whether_an_account_exists(client, customer):
    url = reverse("account_reset_password")
    known = client.post(url, {"email": customer.email})
    unknown = client.post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


def test_wrong_sign_in_does_not_tell_whether_an_account_exists(client, customer):
    url = reverse("account_login")
    known = client.post(url, {"login": customer.email, "password": "wrong-password"})
    unknown = client.post(url, {"login": "nobody@example.com", "password": "wrong-password"})
    assert known.status_code == unknown.status_code == 200
    message = "The email address and/or password you specified are not correct."
    assert message in known.content.decode() and message in unknown.content.decode()


def test_sign_in_and_sign_out(client, customer):
    response = client.post(
        reverse("account_login"), {"login": customer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("device_list")).status_code == 200

    client.post(reverse("account_logout"))

    assert client.get(reverse("device_list")).status_code == 302


def test_failed_sign_ins_are_rate_limited(client, db):
    # An address and IP of its own: allauth's counters live in the shared cache.
    data = {"login": "limit-probe@example.com", "password": "wrong-password"}
    for _ in range(6):
        response = client.post(reverse("account_login"), data, REMOTE_ADDR="198.51.100.77")
    assert "Too many failed login attempts" in response.content.decode()


PROXY = "10.0.0.2"  # the one reverse proxy in front of the app (docs/deploy.md)


def sign_in_behind_the_proxy(client, address, email, password):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


def test_customers_behind_one_proxy_have_sign_in_limits_of_their_own(client, customer, settings):
    """Behind the proxy, allauth's limits count each customer's address, as every other
    limit does: a stranger using up their budget leaves another customer's intact, and
    the stranger's excess still gets 429."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login": "4/m/ip", "login_failed": "3/m/ip"}
    stranger = Client()
    answers = [
        sign_in_behind_the_proxy(stranger, "203.0.113.7", f"nobody{n}@example.com", "wrong")
        for n in range(5)
    ]
    assert "Too many failed login attempts" in answers[3].content.decode()
    assert answers[4].status_code == 429

    response = sign_in_behind_the_proxy(client, "198.51.100.8", customer.email, PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200
    assert UserSession.objects.get(user=customer).ip == "198.51.100.8"


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "help_index", "home"]
)
def test_public_pages_use_the_portal_layout(client, db, name):
    assert_portal_page(client.get(reverse(name)))


@pytest.mark.parametrize(
    "name",
    ["account", "account_email", "account_change_password", "mfa_index", "usersessions_list"],
)
def test_account_pages_use_the_portal_layout_with_the_account_menu(client, customer, name):
    client.force_login(customer)
    body = assert_portal_page(client.get(reverse(name)))
    assert 'class="subnav"' in body
    assert 'aria-current="page"' in body


def test_the_account_area_links_email_password_mfa_and_sessions(client, customer):
    client.force_login(customer)
    body = client.get(reverse("account")).content.decode()
    for name in ("account_email", "account_change_password", "mfa_index", "usersessions_list"):
        assert reverse(name) in body


def test_change_password(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-pass-77",
            "password2": "another-long-pass-77",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("another-long-pass-77")


def test_a_customer_can_turn_on_an_authenticator_app(client, customer):
    client.force_login(customer)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = assert_portal_page(client.get(reverse("mfa_activate_totp")))
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    secret = secret or re.search(r'value="([A-Z2-7]{16,})"', page)
    code = format_hotp_value(hotp_value(secret.group(1), next(yield_hotp_counters_from_time())))

    response = client.post(reverse("mfa_activate_totp"), {"code": code})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=customer, type=Authenticator.Type.TOTP).exists()


def test_sessions_are_listed(client, customer):
    client.post(reverse("account_login"), {"login": customer.email, "password": PASSWORD})
    client.get(reverse("home"))
    body = client.get(reverse("usersessions_list")).content.decode()
    assert UserSession.objects.filter(user=customer).exists()
    assert "Current" in body
