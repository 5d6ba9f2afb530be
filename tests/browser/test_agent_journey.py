"""An agent signs in to the admin, sets up two-factor, and works a request to "code issued"."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from activation import codes
from activation.models import ActivationCode, Ticket

from ..conftest import PASSWORD
from .helpers import assert_accessible, flash, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_enrols_totp_and_issues_a_code_from_the_queue(
    page, agent, customer, make_device, make_ticket, totp_clock_margin
):
    device = make_device(owner=customer)
    ticket = make_ticket(device, reason="The phone asks for a code after a reset.")

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # Staff must set up an authenticator first; allauth asks for the password again.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(flash(page)).to_contain_text("Staff accounts need two-factor authentication")
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    assert_accessible(page)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    expect(flash(page)).to_contain_text("activated")

    # The queue: open requests, oldest first.
    page.goto("/admin/")
    page.get_by_role("link", name="Tickets", exact=True).click()
    expect(page.locator("#result_list")).to_contain_text(ticket.reference)
    assert_accessible(page)
    page.get_by_role("link", name=ticket.reference).click()
    expect(page.get_by_role("heading", name="Verify, then issue a new code")).to_be_visible()
    assert_accessible(page)

    # The checklist, then "Issue new code": the code is shown once.
    page.get_by_label("IMEI confirmed").check()
    page.get_by_label("Account e-mail confirmed").check()
    page.get_by_role("button", name="Issue new code").click()
    shown = page.locator("#activation-code").inner_text()
    assert re.fullmatch(r"(?:[A-Z0-9]{5}-){4}[A-Z0-9]{5}", shown)
    code = ActivationCode.objects.get(ticket=ticket)
    assert code.hint == codes.normalise(shown)[-5:]
    expect(page.get_by_text("it is shown only once")).to_be_visible()
    assert_accessible(page)

    # Back on the request: the code is gone from the page, only its last symbols remain.
    page.get_by_role("link", name="Done: back to the page").click()
    expect(page.locator("#content")).to_contain_text("Code issued")
    expect(page.locator("#content")).not_to_contain_text(shown)
    expect(page.locator("#content")).to_contain_text(code.hint)

    mail.outbox.clear()
    page.get_by_label("Message").fill("Your new code is on your phone's page.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Reply sent to the customer.")).to_be_visible()
    expect(page.locator("#conversation")).to_contain_text("Your new code is on your phone's page.")
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CODE_ISSUED
    assert [m.to for m in mail.outbox] == [[customer.email]]
