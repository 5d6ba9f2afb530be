"""Activation code format and cryptography.

A code is 24 random symbols from ALPHABET plus one check symbol (Luhn mod N over
the alphabet in its order), shown as five groups of five. The check symbol catches
every single-symbol typo and most swaps of neighbours, so a typo is reported as a
typo and never counts as a guess.

Codes are never stored in plaintext: a keyed HMAC-SHA256 digest finds a code, and
AES-256-GCM (``sealing.py``) with the row's identity as associated data lets its owner
read it again.
"""

import hashlib
import hmac
import re
import secrets
import string
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .keyring import Keyring, parse_keys
from .sealing import Sealer, Unsealable

ALPHABET = "BCDFGHJKMPQRTVWXY2346789"
N = len(ALPHABET)
RANDOM_LENGTH = 24
LENGTH = RANDOM_LENGTH + 1
GROUP = 5
HINT_LENGTH = 5
_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
# 20 or more code symbols, allowing the separators people type: catches a code (or most
# of one) pasted into free text, in any case.
CODE_LIKE_RE = re.compile(r"(?i)(?:[BCDFGHJKMPQRTVWXY2346789][\s\-]?){20,}")
# Separators people type are dropped and ASCII letters upper-cased, nothing else:
# str.upper() would also turn "ﬀ" into "FF" and "ß" into "SS".
_TYPED = str.maketrans(
    string.ascii_lowercase,
    string.ascii_uppercase,
    " -\t\u2010\u2011\u2012\u2013\u2014",
)


class MalformedCode(ValueError):
    """Input that cannot be a code. ``code`` says why, for views and the API to word."""

    def __init__(self, code: str, message: str, position: int | None = None):
        super().__init__(message)
        self.code = code
        self.position = position


class CodeUnavailable(Exception):
    """A stored code cannot be read back (tampered, moved, or its key is gone)."""


def check_symbol(payload: str) -> str:
    """Luhn mod N check symbol for ``payload`` (symbols of ALPHABET)."""
    total = 0
    factor = 2
    for symbol in reversed(payload):
        addend = factor * _INDEX[symbol]
        total += addend // N + addend % N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(N - total % N) % N]


def generate() -> str:
    """A new code in canonical form (25 symbols, no dashes)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_symbol(payload)


def display(code: str) -> str:
    """``XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`` for a canonical code."""
    return "-".join(code[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def hint(code: str) -> str:
    """The last symbols, which agents and customers may see to tell codes apart."""
    return code[-HINT_LENGTH:]


def normalise(raw: str) -> str:
    """Canonical form of what a person typed, or MalformedCode saying what is wrong.

    Case, spaces and dashes do not matter. Positions in messages count from 1 over
    the symbols only, as a person reads them off the screen.
    """
    text = (raw or "").translate(_TYPED)
    if not text:
        raise MalformedCode("empty", "Enter the 25-character activation code.")
    for position, symbol in enumerate(text, start=1):
        if symbol not in _INDEX:
            raise MalformedCode(
                "invalid_symbol",
                f"Character {position} ({symbol!r}) never appears in activation codes. "
                "Codes use only the letters BCDFGHJKMPQRTVWXY and the digits 2346789.",
                position,
            )
    if len(text) != LENGTH:
        raise MalformedCode(
            "wrong_length",
            f"An activation code has {LENGTH} characters; this has {len(text)}.",
        )
    if check_symbol(text[:-1]) != text[-1]:
        raise MalformedCode(
            "typo",
            "This code contains a typo: please check each character against the one you "
            "were given. Typos do not count as failed attempts.",
        )
    return text


@cache
def keyring() -> Keyring:
    return parse_keys(settings.ACTIVATION_KEYS)


@receiver(setting_changed)
def _reset_keyring(*, setting, **kwargs):
    if setting == "ACTIVATION_KEYS":
        keyring.cache_clear()


def digest(code: str, key_id: str | None = None) -> str:
    """Hex HMAC-SHA256 of a canonical code under one key (the current by default)."""
    key = keyring()[key_id] if key_id else keyring().current
    return hmac.new(key.digest_key, code.encode(), hashlib.sha256).hexdigest()


def candidate_digests(code: str) -> list[str]:
    """The code's digest under every configured key, for lookups during a rotation."""
    return [digest(code, key.id) for key in keyring()]


def encrypt(code: str, associated_data: bytes, key_id: str | None = None) -> tuple[bytes, str]:
    """(nonce + ciphertext, key id). ``associated_data`` binds it to one row."""
    key = keyring()[key_id] if key_id else keyring().current
    return Sealer(key.encryption_key).seal(code.encode(), associated_data), key.id


def decrypt(blob: bytes, associated_data: bytes, key_id: str) -> str:
    if key_id not in keyring():
        raise CodeUnavailable(f"key {key_id!r} is not configured")
    try:
        return Sealer(keyring()[key_id].encryption_key).open(blob, associated_data).decode()
    except Unsealable:
        raise CodeUnavailable("ciphertext does not authenticate") from None
