"""Proof of possession: the phone's request code gets its owner a new code at once."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from activation import codes, possession, ratelimit
from activation.models import ActivationAttempt, ActivationCode, Device, Ticket


@pytest.fixture(autouse=True)
def _fresh_limits(db):
    ratelimit.reset_all()


@pytest.fixture
def request_for(make_device, make_code, make_ticket, customer):
    """A customer's phone with its factory code and an open code request for it."""
    device = make_device(owner=customer)
    make_code(device, kind=ActivationCode.Kind.FACTORY)
    ticket = make_ticket(device, reason="The phone asks for a code.")
    return device, ticket


def test_request_code_is_eight_symbols_with_a_check_symbol(request_for):
    device, _ = request_for
    shown = possession.request_code_for(device)
    assert len(shown) == 9 and shown[4] == "-"
    symbols = shown.replace("-", "")
    assert set(symbols) <= set(codes.ALPHABET)
    assert codes.check_symbol(symbols[:-1]) == symbols[-1]


def test_request_code_depends_on_the_code_and_the_counter(request_for, make_code):
    device, _ = request_for
    first = possession.request_code_for(device)
    assert possession.request_code_for(device) == first  # stable until something changes
    Device.objects.filter(pk=device.pk).update(request_counter=1)
    second = possession.request_code_for(device)
    assert second != first
    make_code(device)
    assert possession.request_code_for(device) not in (first, second)


def test_check_request_code_accepts_what_a_caller_reads_out(request_for):
    device, _ = request_for
    shown = possession.request_code_for(device)
    assert possession.check_request_code(device, shown)
    assert possession.check_request_code(device, shown.lower().replace("-", " "))
    assert not possession.check_request_code(device, "BCDF-GHJK")
    assert not possession.check_request_code(device, "")


def test_right_request_code_issues_a_code_at_once(request_for, customer, mailoutbox):
    device, ticket = request_for
    shown = possession.request_code_for(device)

    issued = possession.instant_issue(ticket, shown, customer)

    assert issued is not None
    code, plaintext = issued
    assert code.device == device and code.kind == ActivationCode.Kind.SUPPORT
    assert code.plaintext() == plaintext
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CODE_ISSUED
    assert ticket.verified_by_possession
    device.refresh_from_db()
    assert device.request_counter == 1


def test_a_request_code_works_once(request_for, customer, make_device, make_ticket):
    device, ticket = request_for
    shown = possession.request_code_for(device)
    assert possession.instant_issue(ticket, shown, customer) is not None
    ticket.resolve(customer)
    again = make_ticket(device, reason="Asked again.")
    assert possession.instant_issue(again, shown, customer) is None


def test_wrong_request_code_leaves_the_request_in_the_queue(request_for, customer):
    device, ticket = request_for
    assert possession.instant_issue(ticket, "BCDF-GHJK", customer) is None
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert not ActivationCode.objects.filter(device=device, kind="support").exists()


@pytest.mark.parametrize("operator_limit", [None, 2], ids=["default", "set by the operator"])
def test_wrong_request_codes_are_limited_per_phone(request_for, customer, settings, operator_limit):
    if operator_limit:
        settings.PAGE_RATE_LIMITS = {
            **settings.PAGE_RATE_LIMITS,
            "wrong_request_codes_per_phone": (operator_limit, 24 * 60 * 60),
        }
    limit, _ = settings.PAGE_RATE_LIMITS["wrong_request_codes_per_phone"]
    device, ticket = request_for
    for _ in range(limit):
        assert possession.instant_issue(ticket, "BCDF-GHJK", customer) is None
    # Even the right one is refused now: searching the 24**7 values is not possible.
    assert possession.instant_issue(ticket, possession.request_code_for(device), customer) is None


def test_unverified_email_goes_to_the_queue(request_for, customer):
    device, ticket = request_for
    EmailAddress.objects.filter(user=customer).update(verified=False)
    assert possession.instant_issue(ticket, possession.request_code_for(device), customer) is None


def test_someone_elses_request_is_refused(request_for, other_customer):
    device, ticket = request_for
    shown = possession.request_code_for(device)
    assert possession.instant_issue(ticket, shown, other_customer) is None


def test_misuse_on_the_phone_goes_to_the_queue(request_for, customer, make_device):
    device, ticket = request_for
    code = ActivationCode.objects.get(device=device, status="active")
    stranger = make_device()
    ActivationAttempt.objects.create(
        device=stranger, imei=stranger.imei, code=code, result="failed", reason="other_device"
    )
    assert possession.instant_issue(ticket, possession.request_code_for(device), customer) is None


def test_suspended_code_shows_no_request_code(request_for, customer, agent):
    device, ticket = request_for
    ActivationCode.objects.get(device=device, status="active").suspend("misuse", by=agent)
    assert possession.request_code_for(device) is None
    assert possession.instant_issue(ticket, "BCDF-GHJK", customer) is None


def test_three_support_codes_in_thirty_days_go_to_the_queue(request_for, customer, make_code):
    device, ticket = request_for
    for _ in range(3):
        make_code(device)
    shown = possession.request_code_for(device)
    assert possession.instant_issue(ticket, shown, customer) is None
    device.refresh_from_db()
    assert device.request_counter == 0  # nothing was used up


def test_old_support_codes_do_not_count(request_for, customer, make_code):
    device, ticket = request_for
    for _ in range(3):
        make_code(device)
    ActivationCode.objects.filter(device=device, kind="support").update(
        issued_at=timezone.now() - timezone.timedelta(days=31)
    )
    assert possession.instant_issue(ticket, possession.request_code_for(device), customer)
