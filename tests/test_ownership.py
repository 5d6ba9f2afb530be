"""Every customer page is scoped to its owner: another customer gets a 404, never data.

The walk covers every URL pattern of the customer pages (activation/urls.py) and of the
account pages (accounts/urls.py), so a new page with an object in its URL is checked as
soon as it exists.
"""

import pytest
from django.urls import URLPattern, reverse

from accounts import urls as account_urls
from activation import urls
from activation.models import ActivationCode, AuditEvent, Ticket, TicketMessage
from tests.conftest import PASSWORD
from tests.test_accounts import assert_portal_page

# Pages without an object in their URL: public, or listing the visitor's own things.
NO_OBJECT = {
    "home",
    "account",
    "account_data",
    "account_delete",
    "help_index",
    "help_entry",
    "help_feedback",
    "device_list",
    "device_add",
    "ticket_list",
}


def customer_patterns():
    patterns = [
        p for p in [*urls.urlpatterns, *account_urls.urlpatterns] if isinstance(p, URLPattern)
    ]
    return [p for p in patterns if p.name not in NO_OBJECT]


@pytest.fixture
def owned(customer, agent, make_device, make_code):
    """``customer``'s phone with an issued code on an open request."""
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket, _ = Ticket.objects.request_code(device, reason="Asks for a code", customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=True, email_confirmed=True)
    ticket.refresh_from_db()
    ticket.issue_code(agent)
    ticket.refresh_from_db()
    return {"public_id": device.public_id, "reference": ticket.reference}


def url_for(pattern, owned):
    kwargs = {name: owned[name] for name in pattern.pattern.converters}
    return reverse(pattern.name, kwargs=kwargs)


def test_every_pattern_is_known_and_uses_public_ids():
    assert {p.name for p in customer_patterns()} >= {
        "device_detail",
        "request_code",
        "reveal_code",
        "ticket_detail",
        "ticket_reply",
        "ticket_outcome",
    }
    for pattern in customer_patterns():
        converters = set(pattern.pattern.converters)
        assert converters, f"{pattern.name}: add it to NO_OBJECT or give it an object"
        assert converters <= {"public_id", "reference"}, pattern.name
        if "public_id" in converters:
            assert type(pattern.pattern.converters["public_id"]).__name__ == "UUIDConverter"


@pytest.mark.parametrize("pattern", customer_patterns(), ids=lambda p: p.name)
def test_another_customer_gets_404_for_every_page(client, other_customer, owned, pattern):
    client.force_login(other_customer)
    # Recently reauthenticated too, so the 404 does not hide behind a password prompt.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    url = url_for(pattern, owned)
    before = (
        TicketMessage.objects.count(),
        AuditEvent.objects.count(),
        list(Ticket.objects.values_list("status", "priority", "worked")),
    )

    got = client.get(url)
    posted = client.post(url, {"reason": "Mine now", "body": "Hello", "worked": "no"})

    assert got.status_code in (404, 405), got.status_code
    assert posted.status_code in (404, 405), posted.status_code
    assert 404 in (got.status_code, posted.status_code)
    after = (
        TicketMessage.objects.count(),
        AuditEvent.objects.count(),
        list(Ticket.objects.values_list("status", "priority", "worked")),
    )
    assert after == before


@pytest.mark.parametrize("pattern", customer_patterns(), ids=lambda p: p.name)
def test_anonymous_visitors_are_sent_to_sign_in(client, owned, pattern):
    url = url_for(pattern, owned)
    for response in (client.get(url), client.post(url)):
        if response.status_code != 405:
            assert response.status_code == 302
            assert response.headers["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "pattern",
    [
        p
        for p in customer_patterns()
        if p.name in {"device_detail", "request_code", "ticket_detail"}
    ],
    ids=lambda p: p.name,
)
def test_the_owner_sees_each_page_in_the_portal_layout(client, customer, owned, pattern):
    client.force_login(customer)
    assert_portal_page(client.get(url_for(pattern, owned)))


@pytest.mark.parametrize("name", ["device_list", "ticket_list", "device_add", "account"])
def test_the_owners_lists_pass_the_strict_policy(client, customer, owned, name):
    client.force_login(customer)
    assert_portal_page(client.get(reverse(name)))
