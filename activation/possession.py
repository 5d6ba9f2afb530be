"""Proof of possession: the short request code a phone shows when activation fails.

A phone knows its current activation code (the factory code, or the last one it was
given) and a counter. When activation fails it shows a *request code*; a customer who
types it into the web request form proves they hold the phone, and gets a new code at
once instead of waiting for an agent.

Derivation (the phone computes the same)::

    mac     = HMAC-SHA256(key = current code, canonical (25 symbols, no dashes),
                          msg = "request-code/v1:" + IMEI + ":" + counter)
    payload = the first 7 base-24 digits of int(mac) over codes.ALPHABET
    request = payload + codes.check_symbol(payload)      shown as XXXX-XXXX

``counter`` is ``Device.request_counter``; it advances when a request code issues a
code, so each request code works once (and the new code changes the key anyway). A
phone with no active code (suspended, revoked) shows no request code: it needs an
agent. Wrong request codes are limited per phone (``PAGE_RATE_LIMITS``
"wrong_request_codes_per_phone", 5 a day by default) so 24**7 values cannot be searched
through the form.
"""

import hashlib
import hmac
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import codes, ratelimit
from .models import ActivationAttempt, ActivationCode, Device, DomainError

PAYLOAD = 7
SCOPE = "request-code"
MISUSE_DAYS = 30


def _derive(code_plaintext: str, imei: str, counter: int) -> str:
    mac = hmac.new(
        code_plaintext.encode(), f"request-code/v1:{imei}:{counter}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(mac, "big")
    symbols = []
    for _ in range(PAYLOAD):
        number, index = divmod(number, codes.N)
        symbols.append(codes.ALPHABET[index])
    payload = "".join(symbols)
    return payload + codes.check_symbol(payload)


def _canonical(typed: str) -> str:
    return (typed or "").translate(str.maketrans("", "", " -\t")).upper()


def display(request_code: str) -> str:
    return f"{request_code[:4]}-{request_code[4:]}"


def request_code_for(device) -> str | None:
    """The request code ``device`` shows now (``XXXX-XXXX``), or None without a code."""
    code = ActivationCode.objects.active().filter(device=device).select_related("device").first()
    if code is None:
        return None
    counter = Device.objects.filter(pk=device.pk).values_list("request_counter", flat=True)[0]
    return display(_derive(code.plaintext(), device.imei, counter))


def check_request_code(device, typed: str) -> bool:
    """Whether ``typed`` is the request code ``device`` shows now (agents, the form)."""
    expected = request_code_for(device)
    if expected is None:
        return False
    return hmac.compare_digest(_canonical(expected).encode(), _canonical(typed).encode())


def misuse_seen(device) -> bool:
    """A code of ``device`` was suspended or used on another phone in the last 30 days."""
    since = timezone.now() - timedelta(days=MISUSE_DAYS)
    suspended = ActivationCode.objects.filter(
        Q(device=device, status=ActivationCode.Status.SUSPENDED),
        Q(status_changed_at__gte=since) | Q(status_changed_at__isnull=True),
    ).exists()
    return (
        suspended
        or ActivationAttempt.objects.filter(
            code__device=device, reason="other_device", created_at__gte=since
        ).exists()
    )


def instant_issue(ticket, typed_request_code, customer):
    """Issue a code at once if ``typed_request_code`` proves the customer holds the phone.

    Returns ``(code, plaintext)`` when a code was issued, None when the request stays
    in the queue (wrong request code, unverified e-mail, misuse, or the 30-day limit).
    """
    if not typed_request_code or customer is None or not customer.is_authenticated:
        return None
    if ticket.customer_id != customer.pk or ticket.kind != ticket.Kind.CODE_REQUEST:
        return None
    if not EmailAddress.objects.filter(user=customer, verified=True).exists():
        return None
    device = ticket.device
    if misuse_seen(device):
        return None
    if ticket.recent_support_codes() >= settings.SUPPORT_CODES_PER_DEVICE:
        return None
    limit, window = settings.PAGE_RATE_LIMITS["wrong_request_codes_per_phone"]
    wrong = ratelimit.peek(SCOPE, str(device.pk), limit=limit, window=window)
    if not wrong.allowed:
        return None
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if not check_request_code(locked, typed_request_code):
            ratelimit.hit(SCOPE, str(device.pk), limit=limit, window=window)
            return None
        Device.objects.filter(pk=locked.pk).update(request_counter=F("request_counter") + 1)
        try:
            with transaction.atomic():
                return ticket.issue_code(by=None, by_possession=True)
        except DomainError:
            transaction.set_rollback(True)
            return None
