"""Showing a phone's current code again: password first, POST only, audited, limited."""

import logging

import pytest
from django.urls import reverse

from activation import codes, ratelimit
from activation.models import ActivationCode, AuditEvent, Ticket
from tests.conftest import PASSWORD
from tests.test_accounts import assert_portal_page


@pytest.fixture
def issued(customer, agent, make_device, make_code):
    """A phone of ``customer`` whose request got a code from support: (device, ticket, plain)."""
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket, _ = Ticket.objects.request_code(device, reason="Asks for a code", customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=True, email_confirmed=True)
    ticket.refresh_from_db()
    _, plaintext = ticket.issue_code(agent)
    ticket.refresh_from_db()
    ratelimit.reset_all()
    yield device, ticket, plaintext
    ratelimit.reset_all()


def reauthenticate(client, user):
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def reveals(device):
    return AuditEvent.objects.filter(device=device, action=AuditEvent.Action.CODE_REVEALED)


def test_reveal_requires_reauthentication(client, customer, issued):
    device, _, _ = issued
    client.force_login(customer)
    url = reverse("reveal_code", args=[device.public_id])

    response = client.post(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_reauthenticate"))
    assert not reveals(device).exists()


def test_password_then_the_code_is_shown_once_audited_and_not_cached(client, customer, issued):
    device, _, plaintext = issued
    client.force_login(customer)
    url = reverse("reveal_code", args=[device.public_id])
    first = client.post(url)

    # allauth replays the suspended POST once the password is confirmed.
    response = client.post(first.headers["Location"], {"password": PASSWORD})

    body = assert_portal_page(response)
    assert codes.display(plaintext) in body
    assert 'src="/static/js/copy.js"' in body
    assert "no-store" in response.headers["Cache-Control"]
    event = reveals(device).get()
    assert event.actor == customer
    assert event.ip == "127.0.0.1"
    assert plaintext not in first.headers["Location"]


def test_reveal_refuses_get(client, customer, issued):
    device, _, _ = issued
    reauthenticate(client, customer)
    assert client.get(reverse("reveal_code", args=[device.public_id])).status_code == 405
    assert not reveals(device).exists()


def test_revealed_code_appears_in_no_url_and_no_log(client, customer, issued, caplog):
    device, _, plaintext = issued
    reauthenticate(client, customer)
    caplog.set_level(logging.DEBUG)

    response = client.post(reverse("reveal_code", args=[device.public_id]), follow=True)

    body = response.content.decode()
    assert codes.display(plaintext) in body
    for url, _ in response.redirect_chain:
        assert plaintext not in url and codes.display(plaintext) not in url
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert plaintext not in logged.replace("-", "")
    # The device page never carries it, only its last five symbols.
    page = client.get(reverse("device_detail", args=[device.public_id])).content.decode()
    assert plaintext[-5:] in page
    assert codes.display(plaintext) not in page and plaintext not in page


@pytest.mark.parametrize("operator_limit", [None, 3], ids=["default", "set by the operator"])
def test_reveals_are_rate_limited_per_user(client, customer, issued, settings, operator_limit):
    if operator_limit:
        settings.PAGE_RATE_LIMITS = {
            **settings.PAGE_RATE_LIMITS,
            "code_reveals_per_user": (operator_limit, 60 * 60),
        }
    limit, _ = settings.PAGE_RATE_LIMITS["code_reveals_per_user"]
    device, _, plaintext = issued
    reauthenticate(client, customer)
    url = reverse("reveal_code", args=[device.public_id])
    for _ in range(limit):
        assert client.post(url).status_code == 200

    response = client.post(url)

    assert response.status_code == 429
    assert "too many times" in response.content.decode()
    assert codes.display(plaintext) not in response.content.decode()
    assert int(response.headers["Retry-After"]) > 0
    assert reveals(device).count() == limit


def test_a_factory_code_is_not_shown(client, customer, make_device, make_code):
    device = make_device(owner=customer)
    _, plaintext = make_code(device, kind=ActivationCode.Kind.FACTORY)
    reauthenticate(client, customer)

    page = client.get(reverse("device_detail", args=[device.public_id])).content.decode()
    response = client.post(reverse("reveal_code", args=[device.public_id]), follow=True)

    assert "Show my code" not in page
    assert "no code from support to show" in response.content.decode()
    assert codes.display(plaintext) not in response.content.decode()
    assert not reveals(device).exists()


def test_reveal_asks_whether_it_worked_and_yes_resolves(client, customer, issued):
    device, ticket, _ = issued
    reauthenticate(client, customer)
    page = client.post(reverse("reveal_code", args=[device.public_id])).content.decode()
    # The question is a link: the code page has no form (see test_security_headers).
    assert reverse("ticket_detail", args=[ticket.reference]) in page
    asked = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert reverse("ticket_outcome", args=[ticket.reference]) in asked

    response = client.post(
        reverse("ticket_outcome", args=[ticket.reference]), {"worked": "yes"}, follow=True
    )

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.worked is True
    assert "We closed this request" in response.content.decode()


def test_it_did_not_work_reopens_the_request_urgently(client, customer, issued, mailoutbox):
    _, ticket, _ = issued
    client.force_login(customer)

    response = client.post(
        reverse("ticket_outcome", args=[ticket.reference]), {"worked": "no"}, follow=True
    )

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.worked is False
    assert "reopened this request with high priority" in response.content.decode()
    assert mailoutbox[-1].to == [customer.email]


def test_outcome_before_a_code_is_issued_is_refused(client, customer, make_device):
    device = make_device(owner=customer)
    ticket, _ = Ticket.objects.request_code(device, reason="Asks for a code", customer=customer)
    client.force_login(customer)

    response = client.post(
        reverse("ticket_outcome", args=[ticket.reference]), {"worked": "yes"}, follow=True
    )

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert ticket.worked is None
    assert "no code on this request to try yet" in response.content.decode()
