"""Proof of possession: the phone's request code gets the customer a code at once."""

import re

import pytest
from playwright.sync_api import expect

from activation.models import ActivationCode, Ticket

from ..conftest import PASSWORD
from .helpers import assert_accessible, flash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_code_from_the_phone_gets_a_code_at_once(
    page, phone, customer, make_device, make_code
):
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    # The phone fails to activate and shows a request code under the code box.
    phone.goto(f"/simulator/?imei={device.imei}")
    phone.get_by_role("link", name="close").click()
    expect(phone.get_by_role("heading", name="ACTIVATE WINDOWS PHONE")).to_be_visible()
    request_code = phone.locator(".request-code strong").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", request_code)

    # The customer signs in with the form and asks for a code, typing the request code.
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("main").get_by_role("link", name="Request a code for Lumia 930").click()
    page.get_by_label("What happened on the phone?").fill("It asks for a code after a reset.")
    page.get_by_label("Request code shown on your phone (optional)").fill(request_code.lower())
    page.get_by_role("button", name="Send request").click()
    expect(flash(page)).to_contain_text("Your new code is ready.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lumia 930")
    assert Ticket.objects.get(device=device).verified_by_possession

    # Even just after signing in, showing the code asks for the password again.
    page.get_by_role("button", name="Show my code").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    code = page.locator("#the-code").inner_text().strip()

    phone.get_by_label("Activation code").fill(code)
    phone.get_by_role("button", name="Activate").click()
    expect(phone.get_by_role("heading", name="You're all set")).to_be_visible()
    expect(phone.locator(".phone-model")).to_contain_text("Activated")

    page.goto(f"/devices/{device.public_id}/")
    expect(page.locator(".facts")).to_contain_text("Activated")
