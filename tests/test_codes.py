"""The code format, its check symbol, and the cryptography that stores it."""

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from activation import codes

payloads = st.text(alphabet=codes.ALPHABET, min_size=24, max_size=24)


def test_generated_code_has_the_documented_format():
    code = codes.generate()
    shown = codes.display(code)
    assert len(code) == 25
    assert set(code) <= set(codes.ALPHABET)
    assert [len(group) for group in shown.split("-")] == [5, 5, 5, 5, 5]


def test_codes_are_random():
    assert len({codes.generate() for _ in range(1000)}) == 1000


@given(payloads, st.sampled_from(["lower", "spaces", "nodash", "display"]))
def test_normalise_round_trips_what_people_type(payload, style):
    code = payload + codes.check_symbol(payload)
    shown = codes.display(code)
    typed = {
        "lower": shown.lower(),
        "spaces": " " + shown.replace("-", " ") + " ",
        "nodash": code,
        "display": shown,
    }[style]
    assert codes.normalise(typed) == code


@given(payloads, st.integers(min_value=0, max_value=24), st.data())
def test_every_single_symbol_typo_is_caught(payload, position, data):
    code = payload + codes.check_symbol(payload)
    wrong = data.draw(st.sampled_from([s for s in codes.ALPHABET if s != code[position]]))
    typo = code[:position] + wrong + code[position + 1 :]
    with pytest.raises(codes.MalformedCode) as caught:
        codes.normalise(typo)
    assert caught.value.code == "typo"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("BCDFG-HJKMP", "wrong_length"),
        ("BCDFG-HJKMP-QRTVW-XY234-6789O", "invalid_symbol"),
        ("BCDFG-HJKMP-QRTVW-XY234-67891", "invalid_symbol"),
    ],
)
def test_malformed_input_gets_a_reason(typed, reason):
    with pytest.raises(codes.MalformedCode) as caught:
        codes.normalise(typed)
    assert caught.value.code == reason
    assert str(caught.value)


def test_invalid_symbol_message_names_its_position():
    with pytest.raises(codes.MalformedCode) as caught:
        codes.normalise("BCDFG-HJKMP-QRTVW-XY234-6789O")
    assert caught.value.position == 25
    assert "Character 25" in str(caught.value)


@hsettings(max_examples=50)
@given(payloads, st.binary(min_size=1, max_size=40))
def test_encryption_round_trip(payload, row):
    code = payload + codes.check_symbol(payload)
    blob, key_id = codes.encrypt(code, row)
    assert code.encode() not in blob
    assert codes.decrypt(blob, row, key_id) == code


@hsettings(max_examples=50)
@given(payloads, st.integers(min_value=0, max_value=60))
def test_tampered_ciphertext_is_refused(payload, flip):
    code = payload + codes.check_symbol(payload)
    blob, key_id = codes.encrypt(code, b"row-1")
    index = flip % len(blob)
    tampered = blob[:index] + bytes([blob[index] ^ 1]) + blob[index + 1 :]
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(tampered, b"row-1", key_id)


def test_ciphertext_moved_to_another_row_is_refused():
    blob, key_id = codes.encrypt(codes.generate(), b"row-1")
    with pytest.raises(codes.CodeUnavailable):
        codes.decrypt(blob, b"row-2", key_id)


def test_digest_depends_on_the_key():
    code = codes.generate()
    first, second = codes.candidate_digests(code)
    assert first != second
    assert codes.digest(code) == first
    assert code not in first
