"""Versioned secret keys for activation codes, read from ``ACTIVATION_KEYS``.

The value is a comma-separated list of ``id:key`` pairs, newest first, where each
key is 32 random bytes in URL-safe base64. The first key protects new codes; the
others only read codes that ``rotate_activation_keys`` has not reached yet.

Every purpose gets its own subkey, derived with HKDF, so one master key never does
two jobs: a digest key for lookups, an encryption key for retrieval (and, later, a
signing key for API responses).

This module imports nothing from Django's app registry, so settings can use it to
refuse start-up on a bad value.
"""

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
KEY_BYTES = 32


class KeyConfigError(ValueError):
    """ACTIVATION_KEYS is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes = field(repr=False)

    def derive(self, purpose: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"activation-portal",
            info=purpose.encode(),
        ).derive(self.secret)

    @cached_property
    def digest_key(self) -> bytes:
        return self.derive("code-digest/v1")

    @cached_property
    def encryption_key(self) -> bytes:
        return self.derive("code-encryption/v1")


class Keyring:
    """The configured keys, newest first."""

    def __init__(self, keys: list[Key]):
        if not keys:
            raise KeyConfigError("ACTIVATION_KEYS holds no key.")
        self.keys = keys
        self._by_id = {key.id: key for key in keys}

    @property
    def current(self) -> Key:
        return self.keys[0]

    def __getitem__(self, key_id: str) -> Key:
        return self._by_id[key_id]

    def __contains__(self, key_id: str) -> bool:
        return key_id in self._by_id

    def __iter__(self):
        return iter(self.keys)


def parse_keys(value: str | None) -> Keyring:
    """Parse an ``ACTIVATION_KEYS`` value, or raise KeyConfigError saying what is wrong."""
    hint = "Run `python manage.py generate_activation_key` to make a valid value."
    if not value or not value.strip():
        raise KeyConfigError(f"ACTIVATION_KEYS is not set. {hint}")
    keys = []
    for position, item in enumerate(value.split(","), start=1):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise KeyConfigError(
                f"ACTIVATION_KEYS entry {position} is not of the form id:key "
                f"(id: letters, digits, '.', '_' or '-', at most 32). {hint}"
            )
        try:
            secret = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) != KEY_BYTES:
            raise KeyConfigError(
                f"ACTIVATION_KEYS key {key_id!r} must be {KEY_BYTES} bytes in URL-safe "
                f"base64. {hint}"
            )
        if any(key.id == key_id for key in keys):
            raise KeyConfigError(f"ACTIVATION_KEYS names key {key_id!r} twice.")
        keys.append(Key(key_id, secret))
    return Keyring(keys)


def generate_key_entry(key_id: str | None = None) -> str:
    """A fresh ``id:key`` entry; the default id carries today's date for the operators."""
    key_id = key_id or f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(2)}"
    if not KEY_ID_RE.match(key_id):
        raise KeyConfigError(f"{key_id!r} is not a valid key id.")
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")
    return f"{key_id}:{encoded}"
