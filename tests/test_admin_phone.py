"""Phone requests: an agent opens a request for a caller, who may have no account yet
and sees the request after signing up with the same e-mail."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from activation.demo import enrol_demo_mfa
from activation.models import AuditEvent, Ticket

URL = reverse("admin:activation_ticket_phone_request")


@pytest.fixture
def desk(client, agent):
    enrol_demo_mfa(agent)
    client.force_login(agent)
    return client


def test_agent_opens_a_request_for_a_customer(desk, agent, customer, make_device):
    device = make_device(owner=customer)
    looked_up = desk.post(
        URL, {"email": "CASEY@example.com", "imei": device.imei, "reason": "Asks for a code"}
    )
    body = looked_up.content.decode()
    assert looked_up.status_code == 200
    assert customer.email in body and device.imei in body
    assert not Ticket.objects.exists()

    response = desk.post(
        URL,
        {
            "email": "CASEY@example.com",
            "imei": " ".join([device.imei[:5], device.imei[5:]]),
            "reason": "Asks for a code after a reset",
            "_create": "1",
        },
    )
    ticket = Ticket.objects.get()
    assert response.headers["Location"] == reverse(
        "admin:activation_ticket_change", args=[ticket.pk]
    )
    assert (ticket.customer, ticket.device, ticket.channel) == (customer, device, "phone")
    assert ticket.caller_email == ""
    assert AuditEvent.objects.get(action="ticket_opened").actor == agent


def test_unknown_imei_is_an_error_on_the_form(desk, make_device):
    device = make_device()
    wrong = device.imei[:-1] + str((int(device.imei[-1]) + 1) % 10)
    response = desk.post(
        URL, {"email": "a@example.com", "imei": wrong, "reason": "x", "_create": "1"}
    )
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    unknown = "490154203237518"
    response = desk.post(
        URL, {"email": "a@example.com", "imei": unknown, "reason": "x", "_create": "1"}
    )
    assert "No phone with this IMEI is known" in response.content.decode()
    assert not Ticket.objects.exists()


def test_phone_owned_by_someone_else_is_flagged(desk, other_customer, customer, make_device):
    device = make_device(owner=other_customer)
    response = desk.post(URL, {"email": customer.email, "imei": device.imei, "reason": "Mine"})
    assert "registered to another account" in response.content.decode()


def test_caller_without_account_sees_the_request_after_signing_up(client, desk, make_device):
    device = make_device()
    desk.post(
        URL,
        {
            "email": "new.caller@example.org",
            "imei": device.imei,
            "reason": "Bought it second hand",
            "_create": "1",
        },
    )
    ticket = Ticket.objects.get()
    assert ticket.customer is None and ticket.caller_email == "new.caller@example.org"
    desk.logout()
    mail.outbox.clear()

    password = "a-long-new-password-77"
    client.post(
        reverse("account_signup"),
        {"email": "New.Caller@example.org", "password1": password, "password2": password},
    )
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)

    ticket.refresh_from_db()
    device.refresh_from_db()
    assert ticket.customer is not None
    assert ticket.customer.email.lower() == "new.caller@example.org"
    assert list(Ticket.objects.owned_by(ticket.customer)) == [ticket]
    assert device.owner == ticket.customer
    moved = AuditEvent.objects.get(action="device_transferred", device=device)
    assert (moved.actor, moved.data["from"]) == (None, None)
    assert moved.data["to"] == f"user:{ticket.customer.pk}"


def test_signing_up_never_takes_an_owned_phone(client, desk, customer, make_device):
    device = make_device(owner=customer)
    desk.post(
        URL,
        {"email": "x@example.org", "imei": device.imei, "reason": "Claims it", "_create": "1"},
    )
    messages = [str(m) for m in get_messages(desk.get("/admin/").wsgi_request)]
    assert any("opened for the caller" in m for m in messages)
    user = get_user_model().objects.create_user(email="x@example.org", password="p" * 12)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=True)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    device.refresh_from_db()
    assert Ticket.objects.get().customer == user
    assert device.owner == customer
    assert not AuditEvent.objects.filter(action="device_transferred").exists()


def test_customers_cannot_open_phone_requests(client, customer):
    client.force_login(customer)
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.headers["Location"]
