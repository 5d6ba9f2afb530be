"""Every input parser over all of Unicode: it answers with its own error or accepts,
and whatever it accepts the database stores (its check constraints and lengths).

``str.isdigit()``, ``int()`` and regex ``\\d`` take circled, superscript, Arabic-Indic
and full-width digits; an IMEI is 15 ASCII digits. Lone surrogates are in the JSON the
API reads, so the API's parsers get them too; forms and files get text from decoded
UTF-8, which has none.
"""

import unicodedata

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from activation import codes
from activation.forms import DeviceForm
from activation.management.commands.import_devices import check_row
from activation.models import Device, OSVersion, luhn_check_digit, normalise_imei, validate_imei
from activation.reports import DATASETS, MAX_DAYS, DateRangeForm
from activation.resources import DeviceBatchResource

from .conftest import NON_ASCII_IMEIS

# Everything, lone surrogates included (hypothesis leaves them out unless asked).
ANY_CHAR = st.characters(exclude_categories=[])
# Digits of every script (category Nd), and the other characters Python calls digits.
DIGITS = st.characters(categories=["Nd", "No"])
# What people and lookalikes type into code fields: the alphabet in both cases, the
# separators normalise drops, and characters whose upper case is an alphabet letter.
CODE_CHARS = st.sampled_from(codes.ALPHABET + codes.ALPHABET.lower() + " -\t‐–ﬀﬃß") | ANY_CHAR

# Each test takes the database fixture once and makes many examples inside it.
slow = hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _digit_value(char: str) -> int:
    return unicodedata.digit(char, 0)


@st.composite
def luhn_valid_lookalikes(draw):
    """14 digits of any script and the check digit their numeric values give: what
    ``int()`` and ``isdigit()`` would let through."""
    body = draw(st.text(DIGITS, min_size=14, max_size=14))
    values = "".join(str(_digit_value(char)) for char in body)
    return body + draw(st.sampled_from([luhn_check_digit(values), "0", "①", "٠"]))


def stored(**fields):
    """Write a device with ``fields`` in a transaction rolled back at once: the database's
    own check constraints, lengths and encodings decide. Returns what was read back."""
    values = {"imei": "490154203237518", "os_version": OSVersion.WP81, **fields}
    with transaction.atomic():
        device = Device.objects.create(**values)
        device.full_clean(validate_unique=False)  # lengths SQLite does not enforce
        read = Device.objects.values(*fields).get(pk=device.pk)
        transaction.set_rollback(True)
    return read


# IMEI ------------------------------------------------------------------------------------


@slow
@given(st.text(ANY_CHAR, max_size=20) | st.text(DIGITS, min_size=15, max_size=15))
@example(NON_ASCII_IMEIS["circled"])
@example(NON_ASCII_IMEIS["arabic-indic"])
def test_imei_validator_refuses_or_the_database_takes_it(db, text):
    for candidate in (text, normalise_imei(text)):
        try:
            validate_imei(candidate)
        except ValidationError as error:
            assert error.code in {"imei_format", "imei_checksum"}
        else:
            assert stored(imei=candidate) == {"imei": candidate}


@slow
@given(luhn_valid_lookalikes())
def test_imei_validator_refuses_digits_other_than_ascii(db, text):
    if text.isascii():
        return
    with pytest.raises(ValidationError) as caught:
        validate_imei(text)
    assert caught.value.code == "imei_format"


# Activation codes ---------------------------------------------------------------------------


@given(st.text(CODE_CHARS, max_size=40))
@example("ﬀ" * 12 + codes.check_symbol("F" * 24))  # "ﬀ".upper() is "FF", two code letters
@example("\ud800" * 25)
def test_code_normalise_refuses_or_gives_a_canonical_code(text):
    try:
        canonical = codes.normalise(text)
    except codes.MalformedCode as error:
        assert error.code in {"empty", "invalid_symbol", "wrong_length", "typo"}
        assert str(error)
        assert error.position is None or 1 <= error.position <= len(text)
    else:
        assert len(canonical) == codes.LENGTH
        assert set(canonical) <= set(codes.ALPHABET)
        assert codes.check_symbol(canonical[:-1]) == canonical[-1]
        # Only what people type around a code is dropped, never a letter changed.
        kept = "".join(ch for ch in text if ch not in " -\t\u2010\u2011\u2012\u2013\u2014")
        assert kept.isascii() and kept.upper() == canonical


# Forms ---------------------------------------------------------------------------------------

FORM_TEXT = st.text(st.characters(), max_size=100)  # decoded UTF-8: no lone surrogates


@slow
@given(
    imei=FORM_TEXT | st.text(DIGITS, min_size=15, max_size=15) | luhn_valid_lookalikes(),
    model_name=FORM_TEXT,
    os_version=FORM_TEXT | st.sampled_from(OSVersion.values),
)
@example(imei=NON_ASCII_IMEIS["circled"], model_name="", os_version="8.1")
@example(imei=NON_ASCII_IMEIS["full-width"], model_name="", os_version="8.1")
@example(imei="490154203237518", model_name="Lumia\x00920", os_version="8.1")
@example(imei="4901 5420-3237/518", model_name=" " * 81, os_version="7.8")
def test_device_form_refuses_or_the_database_takes_it(db, imei, model_name, os_version):
    form = DeviceForm({"imei": imei, "model_name": model_name, "os_version": os_version})
    if form.is_valid():
        assert stored(**form.cleaned_data) == form.cleaned_data


@slow
@given(start=FORM_TEXT | st.dates().map(str), end=FORM_TEXT | st.dates().map(str))
@example(start="", end="0001-01-01")
@example(start="9999-12-31", end="9999-12-31")
@example(start="٢٠٢٦-٠١-٠١", end="")
def test_report_dates_are_refused_or_make_a_range_the_charts_can_use(db, start, end):
    form = DateRangeForm({"start": start, "end": end})
    if form.is_valid():
        first, last = form.cleaned_data["start"], form.cleaned_data["end"]
        assert first <= last
        for build in DATASETS.values():
            assert len(build(first, last).rows) <= MAX_DAYS


# Import rows -----------------------------------------------------------------------------------

ROW_TEXT = st.text(st.characters(), max_size=50)  # decoded from the file: no lone surrogates


@slow
@given(
    imei=ROW_TEXT | luhn_valid_lookalikes() | st.just("490154203237518"),
    serial=ROW_TEXT,
    model=ROW_TEXT,
    os_version=ROW_TEXT | st.sampled_from(OSVersion.values),
    code=ROW_TEXT | st.builds(codes.generate),
)
@example(
    imei="490154203237518",
    serial="SN\x001",
    model="Lumia",
    os_version="8.1",
    code=codes.generate(),
)
def test_import_row_check_refuses_or_the_database_takes_it(
    db, imei, serial, model, os_version, code
):
    checked_imei, canonical, reasons = check_row([imei, serial, model, os_version, code])
    if reasons:
        assert all(isinstance(reason, str) and reason for reason in reasons)
        return
    assert canonical == codes.normalise(code)
    values = {
        "imei": checked_imei,
        "serial": serial.strip(),
        "model_name": model.strip(),
        "os_version": os_version.strip(),
    }
    assert stored(**values) == values


@slow
@given(
    imei=ROW_TEXT | luhn_valid_lookalikes() | st.just("490154203237518"),
    serial=ROW_TEXT,
    model=ROW_TEXT | st.text(st.just("M"), min_size=81, max_size=81),
    batch=ROW_TEXT,
    code=ROW_TEXT | st.builds(codes.generate),
)
@example(imei=NON_ASCII_IMEIS["arabic-indic"], serial="", model="", batch="", code=codes.generate())
@example(imei="490154203237518", serial="S" * 41, model="", batch="", code=codes.generate())
@example(imei="490154203237518", serial="", model="", batch="B\x00", code=codes.generate())
def test_admin_import_rows_are_errors_or_the_database_takes_them(
    db, imei, serial, model, batch, code
):
    dataset = tablib.Dataset(
        [imei, serial, model, "8.1", code, batch],
        headers=["imei", "serial", "model", "os_version", "factory_code", "batch"],
    )
    with transaction.atomic():
        result = DeviceBatchResource().import_data(dataset, dry_run=False)
        # Bad input is a row's validation error; never the database refusing the batch.
        assert not result.has_errors(), [error.error for error in result.base_errors]
        if not result.has_validation_errors():
            device = Device.objects.get()
            device.full_clean(validate_unique=False)  # lengths SQLite does not enforce
            assert (device.imei, device.batch) == (normalise_imei(imei), batch.strip())
        transaction.set_rollback(True)
