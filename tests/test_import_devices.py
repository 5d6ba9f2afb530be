"""``import_devices``: every row checked, all or nothing, codes never in plaintext."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from activation import codes
from activation.demo import imei_with_check_digit
from activation.models import ActivationCode, AuditEvent, Device

HEADER = ["imei", "serial", "model", "os_version", "factory_code"]


def batch_rows(count, start=0):
    """``count`` good rows: distinct IMEIs (Luhn-complete) and fresh codes."""
    return [
        [
            imei_with_check_digit(f"35{start + n:012d}"),
            f"SN{start + n:08d}",
            "Lumia 920",
            "8.0" if n % 2 else "7.8",
            codes.display(codes.generate()),
        ]
        for n in range(count)
    ]


def with_three_bad_rows(rows):
    """Rows 10, 500 and 900 (file lines 11, 501 and 901) made bad, three ways."""
    rows = [list(row) for row in rows]
    imei = rows[9][0]
    rows[9][0] = imei[:-1] + str((int(imei[-1]) + 1) % 10)  # Luhn digit off by one
    code = codes.normalise(rows[499][4])
    wrong = codes.ALPHABET[(codes.ALPHABET.index(code[-1]) + 1) % codes.N]
    rows[499][4] = codes.display(code[:-1] + wrong)  # typo: check symbol fails
    rows[899][0] = rows[19][0]  # duplicate of line 21
    return rows


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_devices", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_a_batch_with_encrypted_factory_codes(tmp_path, db):
    rows = batch_rows(1000)
    out, _ = run(write_csv(tmp_path / "batch.csv", rows), "--batch", "B-2024-07")
    assert "Imported 1,000 devices" in out
    assert Device.objects.count() == 1000
    assert set(Device.objects.values_list("batch", flat=True)) == {"B-2024-07"}
    assert ActivationCode.objects.filter(kind="factory", status="active").count() == 1000
    for imei, serial, model, os_version, code in rows[::97]:
        device = Device.objects.get(imei=imei)
        assert (device.serial, device.model_name, device.os_version) == (serial, model, os_version)
        stored = device.codes.get()
        canonical = codes.normalise(code)
        assert stored.plaintext() == canonical  # bound to this row: decrypts here
        assert stored.digest == codes.digest(canonical)
        assert stored.hint == canonical[-5:]
        assert ActivationCode.objects.matching(canonical).get() == stored
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED)
    assert event.data["rows"] == event.data["created"] == 1000
    assert event.data["file"] == "batch.csv"


def test_no_plaintext_code_is_stored(tmp_path, db):
    from django.db import connection

    rows = batch_rows(20)
    run(write_csv(tmp_path / "batch.csv", rows))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM activation_activationcode")
        dump = repr(cursor.fetchall())
    for row in rows:
        canonical = codes.normalise(row[4])
        assert canonical not in dump and canonical[:20] not in dump


def test_three_bad_rows_among_a_thousand_write_nothing_and_are_named(tmp_path, db):
    rows = with_three_bad_rows(batch_rows(1000))
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="3 bad rows"):
        call_command(
            "import_devices",
            str(write_csv(tmp_path / "batch.csv", rows)),
            "--no-progress",
            "--report",
            str(report),
            stdout=io.StringIO(),
            stderr=(err := io.StringIO()),
        )
    assert not Device.objects.exists()
    assert not ActivationCode.objects.exists()
    assert not AuditEvent.objects.exists()
    listed = list(csv.DictReader(report.open()))
    assert [int(row["line"]) for row in listed] == [11, 501, 901]
    assert "check digit" in listed[0]["reason"]
    assert "typo" in listed[1]["reason"]
    assert "already on line 21" in listed[2]["reason"]
    for line in ("line 11:", "line 501:", "line 901:"):
        assert line in err.getvalue()
    for row in rows:
        assert row[4].replace("-", "")[:20] not in err.getvalue() + report.read_text()


def test_rows_already_in_the_database_are_bad(tmp_path, db):
    rows = batch_rows(10)
    path = write_csv(tmp_path / "batch.csv", rows)
    run(path)
    fresh = batch_rows(2, start=100)
    fresh[1][4] = rows[3][4]  # a code that another device has
    again = [rows[0], *fresh]
    with pytest.raises(CommandError, match="2 bad rows"):
        run(write_csv(tmp_path / "again.csv", again))
    assert Device.objects.count() == 10


def test_duplicate_codes_inside_the_file_are_bad(tmp_path, db):
    rows = batch_rows(5)
    rows[4][4] = rows[1][4].lower().replace("-", " ")  # the same code, typed differently
    with pytest.raises(CommandError, match="1 bad row"):
        run(write_csv(tmp_path / "batch.csv", rows))
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (0, "12345", "15 digits"),
        (3, "10.0", "OS version"),
        (4, "", "Enter the 25-character"),
        (1, "S" * 41, "serial is longer"),
    ],
)
def test_each_field_is_checked(tmp_path, db, column, value, reason):
    rows = batch_rows(3)
    rows[1][column] = value
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad row"):
        call_command(
            "import_devices",
            str(write_csv(tmp_path / "batch.csv", rows)),
            "--no-progress",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "line 3: " in err.getvalue() and reason in err.getvalue()
    assert not Device.objects.exists()


def test_text_is_stored_as_written_and_nul_is_a_bad_row(tmp_path, db):
    rows = batch_rows(2)
    rows[0][1], rows[0][2] = "S\\N\t1", "Lumia\n٩٢٠ ｜ ①"  # COPY's specials, other scripts
    run(write_csv(tmp_path / "batch.csv", rows))
    assert Device.objects.filter(serial="S\\N\t1", model_name="Lumia\n٩٢٠ ｜ ①").exists()

    rows = batch_rows(2, start=10)
    rows[1][2] = "Lumia\x00920"
    with pytest.raises(CommandError, match="1 bad row"):
        run(write_csv(tmp_path / "nul.csv", rows))
    assert Device.objects.count() == 2


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path, db):
    path = write_csv(tmp_path / "batch.csv", batch_rows(3))
    path.write_bytes(path.read_bytes().replace(b"Lumia", b"Lumi\xe4", 2))  # Latin-1 "ä"
    with pytest.raises(CommandError, match="Line 2 is not UTF-8"):
        run(path)
    assert not Device.objects.exists()


def test_wrong_header_is_refused(tmp_path, db):
    path = write_csv(tmp_path / "batch.csv", batch_rows(2), header=["imei", "code"])
    with pytest.raises(CommandError, match="header"):
        run(path)


def test_missing_columns_are_bad_rows(tmp_path, db):
    path = tmp_path / "batch.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(batch_rows(1)[0]) + "\n1,2\n")
    with pytest.raises(CommandError, match="1 bad row"):
        run(path)


def test_imported_device_can_be_claimed_and_keeps_its_code(tmp_path, customer):
    rows = batch_rows(1)
    run(write_csv(tmp_path / "batch.csv", rows))
    device, review = Device.objects.register(customer, imei=rows[0][0], os_version="8.0")
    assert review is None and device.owner == customer
    assert device.codes.get().plaintext() == codes.normalise(rows[0][4])
