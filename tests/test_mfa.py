"""Staff sign in through allauth with two-factor authentication; TOTP secrets are
encrypted at rest with the portal's keys; allauth's admin pages hide secrets."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.usersessions.models import UserSession
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from accounts.adapter import (
    SecretUnavailable,
    decrypt_secret,
    encrypt_secret,
    reencrypt_authenticators,
)
from activation import codes
from activation.demo import DEMO_RECOVERY_CODES, DEMO_TOTP_SECRET, enrol_demo_mfa

from .conftest import PASSWORD, url_patterns

NEW_KEY = "test2:5PnHkU7mG6fTYzS2Gq4yQv8bX1cN0wE3rA9dLhJkMpI"
OLD_FIRST = "test1:q7oE4m2c8WzVtR1yLx6bN3fH9sK0jD5gP2aU8iQwZeY"
KEYS = f"{NEW_KEY},{OLD_FIRST}"


def totp_now(secret):
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_admin_sign_in_goes_through_allauth(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_signed_in_customer_is_refused_the_admin_sign_in(client, customer):
    client.force_login(customer)
    assert client.get("/admin/login/").status_code == 403


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def confirm_password(client):
    response = client.get(reverse("mfa_activate_totp"))
    assert response.headers["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def test_staff_without_totp_are_sent_to_set_it_up(client, agent):
    sign_in(client, agent)
    for url in ["/admin/", reverse("admin:activation_ticket_changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == reverse("mfa_activate_totp")
    message = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert "two-factor authentication" in message
    # They can comply: allauth asks for the password again, then shows the set-up page.
    confirm_password(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


# Every page of the URLconf but these sends staff without TOTP to set it up.
SETUP_AND_SIGN_OUT = {
    "mfa_activate_totp",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_logout",
    "admin:logout",
    "set_language",
}
ALL_PAGES = list(url_patterns())


@pytest.mark.parametrize(
    ("url", "name"),
    [(url, name) for url, name, _ in ALL_PAGES if name not in SETUP_AND_SIGN_OUT],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_staff_without_totp_reach_no_page_but_the_set_up(client, agent, manager, url, name):
    for staff in (agent, manager):
        client.force_login(staff)
        response = client.get(url)
        assert response.status_code == 302, f"{url} ({name}) is outside the MFA rule"
        assert response.headers["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("name", sorted(SETUP_AND_SIGN_OUT))
def test_staff_without_totp_may_set_it_up_and_sign_out(client, agent, name):
    (url,) = [url for url, pattern_name, _ in ALL_PAGES if pattern_name == name]
    client.force_login(agent)
    response = client.get(url)
    assert response.headers.get("Location") != reverse("mfa_activate_totp")


def test_staff_with_totp_reach_the_admin(client, agent):
    enrol_demo_mfa(agent)
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200


def test_customers_never_need_totp(client, customer):
    client.force_login(customer)
    assert client.get("/").status_code == 200


def test_enrolling_totp_stores_the_secret_encrypted(client, agent):
    sign_in(client, agent)
    assert client.get("/admin/").headers["Location"] == reverse("mfa_activate_totp")
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    totp = Authenticator.objects.get(user=agent, type=Authenticator.Type.TOTP)
    stored = totp.data["secret"]
    assert secret not in str(totp.data)
    assert stored.startswith(f"mfa1:{codes.keyring().current.id}:")
    assert decrypt_secret(stored) == secret
    # Recovery codes were made too, their seed encrypted the same way.
    recovery = Authenticator.objects.get(user=agent, type=Authenticator.Type.RECOVERY_CODES)
    assert recovery.data["seed"].startswith("mfa1:")
    assert client.get("/admin/").status_code == 200


def test_sign_in_asks_staff_for_their_authenticator_code(client, agent):
    enrol_demo_mfa(agent)
    response = client.post(reverse("account_login"), {"login": agent.email, "password": PASSWORD})
    assert response.headers["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(DEMO_TOTP_SECRET)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_demo_staff_sign_in_by_the_readme(client, db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent, and restores the recovery codes
    for email, code in [
        ("agent@example.com", DEMO_RECOVERY_CODES[0]),
        ("manager@example.com", totp_now(DEMO_TOTP_SECRET)),
    ]:
        client.logout()
        password = "demo-manager-pass" if email.startswith("manager") else "demo-agent-pass"
        client.post(reverse("account_login"), {"login": email, "password": password})
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert client.get("/admin/").status_code == 200, email
    for authenticator in Authenticator.objects.all():
        assert DEMO_TOTP_SECRET not in str(authenticator.data)
        assert not any(code in str(authenticator.data) for code in DEMO_RECOVERY_CODES)


def test_secret_from_an_older_key_still_decrypts(settings, db):
    settings.ACTIVATION_KEYS = OLD_FIRST
    stored = encrypt_secret("JBSWY3DPEHPK3PXP")
    settings.ACTIVATION_KEYS = KEYS  # test2 is now current, test1 still configured
    assert stored.startswith("mfa1:test1:")
    assert decrypt_secret(stored) == "JBSWY3DPEHPK3PXP"
    settings.ACTIVATION_KEYS = NEW_KEY  # test1 removed
    with pytest.raises(SecretUnavailable):
        decrypt_secret(stored)


def test_rotation_moves_secrets_to_the_current_key(settings, agent):
    settings.ACTIVATION_KEYS = OLD_FIRST
    enrol_demo_mfa(agent)
    settings.ACTIVATION_KEYS = KEYS
    assert reencrypt_authenticators() == 2
    assert reencrypt_authenticators() == 0
    totp = Authenticator.objects.get(user=agent, type=Authenticator.Type.TOTP)
    assert totp.data["secret"].startswith("mfa1:test2:")
    assert decrypt_secret(totp.data["secret"]) == DEMO_TOTP_SECRET


@pytest.mark.parametrize(
    "stored",
    ["JBSWY3DPEHPK3PXP", "mfa1:test2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "mfa1:nope:AAAA"],
)
def test_plaintext_or_tampered_secrets_are_refused(db, stored):
    with pytest.raises(SecretUnavailable):
        decrypt_secret(stored)


@pytest.fixture
def superuser_client(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser(email="root@example.com")
    enrol_demo_mfa(admin_user)
    client.force_login(admin_user)
    return client


def test_allauth_admin_pages_hide_secrets(superuser_client, agent):
    enrol_demo_mfa(agent)
    UserSession.objects.create(user=agent, ip="192.0.2.1", user_agent="Lumia", session_key="k" * 32)
    secrets = [
        *(v for a in Authenticator.objects.all() for v in a.data.values() if isinstance(v, str)),
        "k" * 32,
        DEMO_TOTP_SECRET,
    ]
    pages = [
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:usersessions_usersession_changelist"),
        *(
            reverse("admin:mfa_authenticator_change", args=[a.pk])
            for a in Authenticator.objects.all()
        ),
        reverse("admin:usersessions_usersession_change", args=[UserSession.objects.get().pk]),
    ]
    for url in pages:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "@example.com" in body  # whose it is shows; the secret does not
        for secret in secrets:
            assert secret not in body, url
