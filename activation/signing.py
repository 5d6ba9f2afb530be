"""Ed25519 signatures on device API responses, so a phone can trust the answer.

Every configured activation key (``ACTIVATION_KEYS``) yields one signing key: its HKDF
subkey for ``api-signing/v1`` is the 32-byte Ed25519 private key seed. Responses are
signed with the current key; ``/api/v1/keys`` lists the public key of every configured
version, so phones that pinned an older one keep verifying through a rotation.

The signature covers the exact response body bytes and travels in one header::

    Signature: keyid="k2026", alg="ed25519", sig="<standard base64 of 64 bytes>"
"""

import base64
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from . import codes
from .keyring import Key

PURPOSE = "api-signing/v1"
HEADER = "Signature"


@lru_cache(maxsize=16)
def private_key(key: Key) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(key.derive(PURPOSE))


def public_key_bytes(key: Key) -> bytes:
    return private_key(key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(body: bytes) -> str:
    """The ``Signature`` header value for ``body`` under the current key."""
    key = codes.keyring().current
    sig = base64.b64encode(private_key(key).sign(body)).decode()
    return f'keyid="{key.id}", alg="ed25519", sig="{sig}"'


def public_keys() -> list[dict]:
    return [
        {
            "id": key.id,
            "alg": "ed25519",
            "public_key": base64.b64encode(public_key_bytes(key)).decode(),
            "current": index == 0,
        }
        for index, key in enumerate(codes.keyring())
    ]
