"""allauth adapters: the portal's client address, MFA secrets encrypted at rest.

``AccountAdapter.get_client_ip``: allauth keys its rate limits (sign-in, failed
sign-ins, sign-up, password reset) and the recorded user sessions by this address. It
is the portal's own ``activation.http.client_ip`` (``TRUSTED_PROXY_COUNT``), so behind
the proxy each customer has a budget of their own instead of all sharing the proxy's.

``MFAAdapter``: allauth stores an authenticator's secret through ``adapter.encrypt``
and reads it back through ``adapter.decrypt``. Here that is AES-256-GCM
(``activation/sealing.py``) under a subkey
of the portal's versioned ``ACTIVATION_KEYS`` (purpose ``mfa-secret/v1``). The stored
string names its key (``mfa1:<key id>:<nonce+ciphertext, base64>``), so secrets
written under an older key still decrypt while it stays configured;
``reencrypt_authenticators`` moves them to the current key during a rotation.
"""

import base64
import binascii

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied

from activation import codes
from activation.http import client_ip
from activation.sealing import Sealer, Unsealable

PREFIX = "mfa1"
PURPOSE = "mfa-secret/v1"
# Bound into every ciphertext, so a blob made for another purpose never decrypts here.
ASSOCIATED_DATA = b"allauth-mfa-secret"


class SecretUnavailable(Exception):
    """A stored MFA secret cannot be read (tampered, or its key is no longer configured)."""


def mfa_key(key_id: str | None = None) -> tuple[str, bytes]:
    ring = codes.keyring()
    key = ring[key_id] if key_id else ring.current
    return key.id, key.derive(PURPOSE)


def encrypt_secret(text: str) -> str:
    key_id, key = mfa_key()
    blob = Sealer(key).seal(text.encode(), ASSOCIATED_DATA)
    return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(blob).decode()}"


def decrypt_secret(stored: str) -> str:
    prefix, _, rest = (stored or "").partition(":")
    key_id, _, encoded = rest.partition(":")
    if prefix != PREFIX or not encoded:
        # Fail closed: a plaintext secret slipped into the table is never accepted.
        raise SecretUnavailable("not an encrypted MFA secret")
    if key_id not in codes.keyring():
        raise SecretUnavailable(f"key {key_id!r} is not configured")
    try:
        blob = base64.urlsafe_b64decode(encoded)
        return Sealer(mfa_key(key_id)[1]).open(blob, ASSOCIATED_DATA).decode()
    except (binascii.Error, Unsealable):
        raise SecretUnavailable("MFA secret does not authenticate") from None


def key_id_of(stored: str) -> str:
    return (stored or "").split(":")[1] if (stored or "").count(":") >= 2 else ""


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        ip = client_ip(request)
        if ip is None:  # as allauth does: no limit can be kept without an address
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)


def reencrypt_authenticators(batch_size: int = 500) -> int:
    """Re-encrypt stored MFA secrets not under the current key; returns rows changed.

    For ``rotate_activation_keys``: run it before an old key is removed.
    """
    from allauth.mfa.models import Authenticator

    current = codes.keyring().current.id

    def fresh(value):
        stale = isinstance(value, str) and value.startswith(PREFIX + ":")
        if stale and key_id_of(value) != current:
            return encrypt_secret(decrypt_secret(value)), True
        return value, False

    changed = 0
    for authenticator in Authenticator.objects.filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).iterator(chunk_size=batch_size):
        data, dirty = dict(authenticator.data), False
        for field in ("secret", "seed"):
            if field in data:
                data[field], moved = fresh(data[field])
                dirty |= moved
        if "migrated_codes" in data:
            moved_codes = [fresh(value) for value in data["migrated_codes"]]
            data["migrated_codes"] = [value for value, _ in moved_codes]
            dirty |= any(moved for _, moved in moved_codes)
        if dirty:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
            changed += 1
    return changed
