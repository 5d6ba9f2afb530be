"""axe-core on every customer page and the agents' main admin pages: no serious or
critical findings. axe is injected through DevTools, so the pages' CSP stays strict."""

import re

import pytest
from playwright.sync_api import expect

from activation.demo import enrol_demo_mfa

from ..conftest import PASSWORD
from .helpers import assert_accessible, assert_pages_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(customer, agent, make_device, make_ticket):
    """A customer with a phone whose request got a code and a reply from support."""
    device = make_device(owner=customer)
    ticket = make_ticket(device, reason="The phone asks for a code after a reset.")
    ticket.verify(agent, imei_confirmed=True, email_confirmed=True)
    code, _ = ticket.issue_code(by=agent)
    ticket.post_message(agent, "Your new code is on your phone's page.")
    return {"device": device, "ticket": ticket, "code": code}


PUBLIC_PAGES = {
    "home": "/",
    "help index": "/help/",
    "help entry": "/help/why-a-new-code/",
    "help contacts": "/help/contact-support/",
    "help search": "/help/?q=activation+code",
    "sign-in": "/accounts/login/",
    "sign-up": "/accounts/signup/",
    "password reset": "/accounts/password/reset/",
}

CUSTOMER_PAGES = {
    "home": "/",
    "account": "/account/",
    "account e-mail": "/accounts/email/",
    "account password": "/accounts/password/change/",
    "account two-factor": "/accounts/2fa/",
    "account sessions": "/accounts/sessions/",
    "account delete": "/account/delete/",
    "device list": "/devices/",
    "device add": "/devices/new/",
    "device detail": "/devices/{device.public_id}/",
    "request form": "/devices/{device.public_id}/request/",
    "request list": "/requests/",
    "request detail": "/requests/{ticket.reference}/",
}

SIMULATOR_PAGES = {
    "pick a phone": "/simulator/",
    "activation failed": "/simulator/?imei={device.imei}",
    "activate": "/simulator/?imei={device.imei}&screen=activate",
    "call support": "/simulator/?imei={device.imei}&screen=call",
}

ADMIN_PAGES = {
    "admin index": "/admin/",
    "queue": "/admin/activation/ticket/",
    "request change": "/admin/activation/ticket/{ticket.pk}/change/",
    "phone request": "/admin/activation/ticket/phone-request/",
    "code list": "/admin/activation/activationcode/",
    "device list": "/admin/activation/device/",
    "device change": "/admin/activation/device/{device.pk}/change/",
}


def addresses(pages, world):
    return {name: address.format(**world) for name, address in pages.items()}


def test_public_pages_have_no_serious_axe_findings(page, world):
    assert_pages_accessible(page, addresses(PUBLIC_PAGES, world))


def test_customer_pages_have_no_serious_axe_findings(page, base_url, world, customer):
    sign_in(page.context, base_url, customer)
    assert_pages_accessible(page, addresses(CUSTOMER_PAGES, world))


def test_simulator_pages_have_no_serious_axe_findings(phone, world):
    assert_pages_accessible(phone, addresses(SIMULATOR_PAGES, world))


def test_admin_pages_have_no_serious_axe_findings(page, base_url, world, agent):
    enrol_demo_mfa(agent)
    sign_in(page.context, base_url, agent)
    assert_pages_accessible(page, addresses(ADMIN_PAGES, world))


def test_reveal_page_has_no_serious_axe_findings(page, base_url, world, customer):
    sign_in(page.context, base_url, customer)
    page.goto(f"/devices/{world['device'].public_id}/")
    page.get_by_role("button", name="Show my code").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your activation code")
    assert_accessible(page)


def test_forms_with_errors_have_no_serious_axe_findings(page, base_url, world, customer):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text(re.compile("not correct"))).to_be_visible()
    assert_accessible(page)

    sign_in(page.context, base_url, customer)
    page.goto("/devices/new/")
    page.get_by_label("IMEI").fill("123456789012345")
    page.get_by_role("button", name="Add phone").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)
