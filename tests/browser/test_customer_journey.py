"""A new customer goes from the home page to an activated phone, in Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from activation.models import Device, Ticket

from .helpers import assert_accessible, flash, luhn_complete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "jordan@example.com"
PASSWORD = "correct-horse-battery-42"


def test_customer_goes_from_sign_up_to_an_activated_phone(page, phone, agent):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ACTIVATE WINDOWS PHONE")
    assert_accessible(page)

    # The guided start: step one is an account.
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    assert_accessible(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    assert_accessible(page)

    # The verification mail, sent by the live server's thread into the locmem outbox.
    verification = next(m for m in mail.outbox if EMAIL in m.to)
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", verification.body).group(1)
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    # Step two: add the phone.
    expect(page.get_by_role("heading", level=1)).to_contain_text("ACTIVATE WINDOWS PHONE")
    page.get_by_role("main").get_by_role("link", name="Add a phone").click()
    assert_accessible(page)
    imei = luhn_complete("35345678901234")
    page.get_by_label("IMEI").fill(imei)
    page.get_by_label("Model").fill("Lumia 930")
    page.get_by_label("Windows Phone version").select_option(label="Windows Phone 8.1")
    page.get_by_role("button", name="Add phone").click()
    expect(flash(page)).to_contain_text("Your phone is in your list.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lumia 930")
    assert_accessible(page)

    # Step three: request a new code.
    page.get_by_role("link", name="Request a new code").click()
    assert_accessible(page)
    page.get_by_label("What happened on the phone?").fill(
        "After a reset the phone shows ACTIVATE WINDOWS PHONE."
    )
    page.get_by_role("button", name="Send request").click()
    expect(flash(page)).to_contain_text("received")
    reference = Ticket.objects.get(customer__email=EMAIL).reference
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    assert_accessible(page)

    # An agent verifies the request and issues the code (the agent desk has its own test).
    ticket = Ticket.objects.get(reference=reference)
    ticket.verify(agent, imei_confirmed=True, email_confirmed=True)
    ticket.issue_code(by=agent)

    page.reload()
    expect(page.get_by_role("heading", name="Your new code is ready")).to_be_visible()
    page.get_by_role("link", name="Go to my phone").click()
    page.get_by_role("button", name="Show my code").click()
    # "Show my code" asks for the password again.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your activation code")
    shown = page.locator("#the-code").inner_text().strip()
    assert re.fullmatch(r"(?:[A-Z0-9]{5}-){4}[A-Z0-9]{5}", shown)
    assert_accessible(page)

    # The phone (the simulator, in a second browser) asks for the code.
    phone.goto("/simulator/")
    assert_accessible(phone)
    phone.get_by_label("Phone's IMEI").fill(imei)
    phone.get_by_role("button", name="Pick this phone").click()
    expect(phone.get_by_role("heading", name="Activation failed")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name="close").click()
    expect(phone.get_by_role("heading", name="ACTIVATE WINDOWS PHONE")).to_be_visible()
    phone.get_by_label("Activation code").fill(shown)
    phone.get_by_role("button", name="Activate").click()
    expect(phone.get_by_role("heading", name="You're all set")).to_be_visible()
    expect(phone.locator(".phone-model")).to_contain_text("Activated")
    assert_accessible(phone)
    assert Device.objects.get(imei=imei).activation_state == "activated"

    # Back on the reveal page: "Did it work?" leads to the request, where Yes closes it.
    page.get_by_role("link", name="Did the code work on your phone?").click()
    page.get_by_role("button", name="Yes, the phone is activated").click()
    expect(flash(page)).to_contain_text("We closed this request.")
    expect(page.locator(".facts")).to_contain_text("Resolved")
    assert_accessible(page)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.worked) == (Ticket.Status.RESOLVED, True)
