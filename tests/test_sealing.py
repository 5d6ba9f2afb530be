"""What is sealed with AES-GCM (codes, staff MFA secrets, an import's upload between its
dry run and confirmation) opens only where it belongs, and what was stored before the
one helper (``activation/sealing.py``) still opens: the stored format never changed.

The stored values below were written by the code before the helper (commit b952cf4)
under the test keys of pyproject.toml.
"""

import base64

import pytest

from accounts.adapter import SecretUnavailable, decrypt_secret, encrypt_secret
from activation import codes
from activation.admin_exports import EncryptedTempStorage
from activation.sealing import Sealer, Unsealable

KEYS = (
    "test2:5PnHkU7mG6fTYzS2Gq4yQv8bX1cN0wE3rA9dLhJkMpI,"
    "test1:q7oE4m2c8WzVtR1yLx6bN3fH9sK0jD5gP2aU8iQwZeY"
)
CODE = "J3WQPC76KVDYCB3Q2VY7HR4KR"
ROW = b"activation-code:11111111-2222-4333-8444-555555555555:66666666-7777-4888-9999-aaaaaaaaaaaa"
OTHER_ROW = (
    b"activation-code:11111111-2222-4333-8444-555555555555:66666666-7777-4888-9999-bbbbbbbbbbbb"
)
OLD_CODE_BLOBS = {
    "test2": bytes.fromhex(
        "d707ecc3ba08dbe38f00623c2415f78233baeffd235465a9ade54554567d4ec1"
        "a8cd2f660c880185d0a17fcfc7502a54533d15c074"
    ),
    "test1": bytes.fromhex(
        "3e2a39ff19f1c0d04cc6e13429ab128be753d1b3001003a11022cd4484c22bcc"
        "36e3bd103b4924a7b25ff6c41239de9a6d916be89a"
    ),
}
MFA_SECRET = "JBSWY3DPEHPK3PXP"
OLD_MFA_STORED = "mfa1:test2:QI6EDoSD0qWF9Nx4V200H60lZa9mijREGcq87imXPUK3ljy_q2zl1kGfm1E="
UPLOAD = "imei,serial\n"
OLD_UPLOAD_NAME = "229e9e9441b8f6ce2934ff9b1f72b6aa"
OLD_UPLOAD_BLOB = bytes.fromhex(
    "2a28540e167bbd48d5297cf194d459027dedcbb93de9558df4fc606831caea26dcac4b7f06963ade"
)


@pytest.fixture(autouse=True)
def test_keys(settings):
    settings.ACTIVATION_KEYS = KEYS


def flipped(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 1]) + blob[index + 1 :]


@pytest.fixture
def stored_upload():
    """Put an upload file where the import keeps it; yields a function writing it."""
    names = []

    def write(name, blob):
        names.append(name)
        with open(EncryptedTempStorage.path_for(name), "wb") as file:
            file.write(blob)
        return EncryptedTempStorage(name=name, encoding="utf-8", read_mode="r")

    yield write
    for name in names:
        EncryptedTempStorage(name=name).remove()


@pytest.mark.parametrize("key_id", ["test2", "test1"])
def test_codes_stored_before_the_helper_still_decrypt(key_id):
    assert codes.decrypt(OLD_CODE_BLOBS[key_id], ROW, key_id) == CODE


def test_mfa_secrets_stored_before_the_helper_still_decrypt():
    assert decrypt_secret(OLD_MFA_STORED) == MFA_SECRET


def test_uploads_stored_before_the_helper_still_read(stored_upload):
    assert stored_upload(OLD_UPLOAD_NAME, OLD_UPLOAD_BLOB).read() == UPLOAD


def test_new_values_have_the_old_layout():
    """nonce (12) + ciphertext (as long as the text) + tag (16), as the old code wrote."""
    blob, key_id = codes.encrypt(CODE, ROW)
    assert key_id == "test2"
    assert len(blob) == len(OLD_CODE_BLOBS["test2"]) == 12 + len(CODE) + 16
    assert blob != OLD_CODE_BLOBS["test2"]  # a fresh nonce every time
    assert codes.decrypt(blob, ROW, key_id) == CODE
    stored = encrypt_secret(MFA_SECRET)
    assert stored.startswith("mfa1:test2:") and len(stored) == len(OLD_MFA_STORED)


@pytest.mark.parametrize("index", [0, 11, 12, 20, 36, 37, 52])
def test_a_code_tampered_anywhere_is_refused(index):
    """Nonce (0-11), ciphertext (12-36), tag (37-52): any bit changed and it is refused."""
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(flipped(OLD_CODE_BLOBS["test2"], index), ROW, "test2")


@pytest.mark.parametrize("length", [0, 11, 12, 27, 52])
def test_a_code_cut_short_is_refused(length):
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(OLD_CODE_BLOBS["test2"][:length], ROW, "test2")


def test_a_code_copied_to_another_row_is_refused():
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(OLD_CODE_BLOBS["test2"], OTHER_ROW, "test2")


def test_a_code_relabelled_with_another_key_is_refused():
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(OLD_CODE_BLOBS["test2"], ROW, "test1")


def test_a_code_under_a_removed_key_is_refused(settings):
    settings.ACTIVATION_KEYS = KEYS.split(",")[0]
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(OLD_CODE_BLOBS["test1"], ROW, "test1")


def test_a_code_blob_is_no_mfa_secret():
    """Same master key, another purpose: another subkey and other associated data."""
    forged = "mfa1:test2:" + base64.urlsafe_b64encode(OLD_CODE_BLOBS["test2"]).decode()
    with pytest.raises(SecretUnavailable):
        decrypt_secret(forged)


@pytest.mark.parametrize("index", [len("mfa1:test2:"), 40, -3])
def test_a_tampered_mfa_secret_is_refused(index):
    other = "A" if OLD_MFA_STORED[index] != "A" else "B"
    tampered = OLD_MFA_STORED[:index] + other + OLD_MFA_STORED[index + 1 :]
    with pytest.raises(SecretUnavailable):
        decrypt_secret(tampered)


def test_a_tampered_upload_is_refused(stored_upload):
    storage = stored_upload(OLD_UPLOAD_NAME, flipped(OLD_UPLOAD_BLOB, 20))
    with pytest.raises(ValueError, match="upload it again"):
        storage.read()


def test_an_upload_under_another_name_is_refused(stored_upload):
    """The file name is the associated data: one upload's file renamed to another's."""
    storage = stored_upload("0" * 32, OLD_UPLOAD_BLOB)
    with pytest.raises(ValueError, match="upload it again"):
        storage.read()


def test_the_sealer_opens_only_with_its_key_and_associated_data():
    key, other_key = bytes(range(32)), bytes(range(1, 33))
    blob = Sealer(key).seal(b"secret", b"row-1")
    assert b"secret" not in blob
    assert Sealer(key).open(blob, b"row-1") == b"secret"
    assert Sealer(key).open(memoryview(blob), b"row-1") == b"secret"  # as the database gives it
    for sealer, row in [(Sealer(key), b"row-2"), (Sealer(other_key), b"row-1")]:
        with pytest.raises(Unsealable):
            sealer.open(blob, row)
