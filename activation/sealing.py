"""AES-256-GCM with associated data: the one way the portal encrypts what it stores.

Activation codes (bound to their row), staff MFA secrets, and the device upload kept
between an import's dry run and its confirmation are all sealed here, each under its
own HKDF subkey of ``ACTIVATION_KEYS`` (``keyring.Key.derive``) and with associated
data naming what the blob belongs to, so a blob copied to another row or purpose does
not open. A sealed blob is ``nonce (12 random bytes) + ciphertext + tag (16 bytes)``:
the format every stored value has had since the first release, so this module must keep
it byte for byte (``tests/test_sealing.py`` opens values written by the old code).

Pure: it knows no settings, no keys by name and no models; callers choose the key.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
TAG_BYTES = 16


class Unsealable(ValueError):
    """The blob does not open under this key and associated data: tampered, cut short,
    made for another row or purpose, or sealed under another key."""


class Sealer:
    """Seals and opens blobs under one 32-byte key (reuse it for many values)."""

    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, blob: bytes, associated_data: bytes) -> bytes:
        blob = bytes(blob)  # a memoryview from the database
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise Unsealable("the blob is too short to be sealed")
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated_data)
        except InvalidTag:
            raise Unsealable("the blob does not authenticate") from None
