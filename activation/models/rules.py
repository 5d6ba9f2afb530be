"""Rules every aggregate shares: the refused-change error, the IMEI format, and the
check that free text holds no activation code."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import codes


class DomainError(Exception):
    """A refused state change; ``code`` is machine-readable, views and the admin map it to
    translated words (``params`` fill them in). The message is for logs and tracebacks."""

    def __init__(self, code: str, message: str = "", **params):
        super().__init__(message or code)
        self.code = code
        self.params = params


ASCII_DIGITS = frozenset("0123456789")


def ascii_digits(value: str) -> bool:
    """Whether ``value`` is one or more of the digits 0-9 and nothing else.

    Not ``str.isdigit()``, ``int()`` or ``\\d``: they also take circled, superscript,
    Arabic-Indic and full-width digits, which no IMEI has and the database's check
    constraint refuses.
    """
    return bool(value) and ASCII_DIGITS.issuperset(value)


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit that follows ``body`` (ASCII digits)."""
    total = 0
    for i, char in enumerate(reversed(body)):
        value = "0123456789".index(char)  # ASCII only: int() reads other scripts' digits too
        if i % 2 == 0:  # every second digit from the right, starting next to the check
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_ok(digits: str) -> bool:
    return ascii_digits(digits) and digits[-1] == luhn_check_digit(digits[:-1])


def validate_imei(value: str):
    """15 ASCII digits ending in their Luhn check digit, as the database's constraint
    (``device_imei_15_digits``) and every phone's ``*#06#`` have it."""
    if not (isinstance(value, str) and len(value) == 15 and ascii_digits(value)):
        raise ValidationError(
            _("An IMEI has exactly 15 digits (dial *#06# or see Settings > About)."),
            code="imei_format",
        )
    if not luhn_ok(value):
        raise ValidationError(
            _("This IMEI fails its check digit: please check each digit again."),
            code="imei_checksum",
        )


def normalise_imei(raw: str) -> str:
    return "".join(ch for ch in (raw or "") if not ch.isspace() and ch not in "-/")


def looks_like_code(text: str) -> bool:
    """Whether ``text`` holds something shaped like an activation code (typos included)."""
    return bool(codes.CODE_LIKE_RE.search(text or ""))
