"""Import a manufacturing batch of devices with their factory codes, all or nothing.

    python manage.py import_devices FILE [--batch NAME] [--report ERRORS.csv]

FILE is CSV with the header ``imei,serial,model,os_version,factory_code``. Every row
is checked (IMEI length and Luhn digit, OS version, the code's check symbol, lengths)
and so is uniqueness, inside the file and against the database, for IMEIs and codes.
One bad row and nothing is written: every bad row is listed with its line and reason,
and the command exits non-zero.

Built for a million rows in well under 150 MB, reading the file three times and
keeping nothing per row in Python:

1. validate each row; load ``(line, IMEI, code digest)`` into a temporary table and let
   the database find the duplicates (``COPY`` on PostgreSQL);
2. write the devices (``COPY`` on PostgreSQL, with ids reserved from the sequence up
   front, so codes can point at them without reading anything back);
3. write their factory codes, digested and AES-GCM encrypted here, never in plaintext.

On other databases steps 2 and 3 are one pass of ``bulk_create`` in batches. Everything
is one transaction. The file itself is only read, never copied or stored.

Why COPY with lines made here (issue 16, ``bench/import_devices.py --rows 50000``, one
run, best of 3 each, docs/performance.md): the goal is at least half the rate of COPY
of the same finished rows. These lines sent with psycopg's ``Copy.write``: 0.62x COPY;
the same rows through ``Copy.write_row``: 0.41x; with ``uuid.uuid4()`` instead of
``_uuid4s``: 0.46x; ``bulk_create`` (the other databases' path): 0.09x. psycopg's
queued writer thread gained nothing (0.56x), so the default writer sends them.
"""

import csv
import getpass
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from activation import codes
from activation.models import (
    ActivationCode,
    AuditEvent,
    Device,
    OSVersion,
    ascii_digits,
    device_text_problem,
    luhn_ok,
    normalise_imei,
)
from activation.sealing import Sealer

HEADER = ["imei", "serial", "model", "os_version", "factory_code"]
STAGING = "activation_import_check"
BATCH = 2000
_RANDOM_BLOCK = 4096


class Progress:
    """One line on stderr, rewritten: phase, rows, share of the file read."""

    def __init__(self, stream, total_bytes, enabled=True):
        self.stream = stream  # a management command's OutputWrapper
        self.total = max(total_bytes, 1)
        self.enabled = enabled
        self.last = 0.0

    def update(self, phase, rows, done_bytes, force=False):
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.25):
            return
        self.last = now
        share = min(done_bytes / self.total, 1.0)
        bar = "#" * int(share * 30)
        self.stream.write(f"\r{phase:<10} [{bar:<30}] {share:6.1%} {rows:>12,} rows", ending="")
        self.stream.flush()

    def done(self, phase, rows):
        if self.enabled:
            self.update(phase, rows, self.total, force=True)
            self.stream.write("")
            self.stream.flush()


class BatchFile:
    """The CSV file read row by row, with the line number and bytes read so far."""

    def __init__(self, path):
        self.path = path
        self.bytes_read = 0

    def _lines(self, file):
        for number, raw in enumerate(file):
            self.bytes_read += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise CommandError(
                    f"Line {number + 1} is not UTF-8 text: save the file as CSV UTF-8."
                ) from None
            yield text.removeprefix("\ufeff") if number == 0 else text

    def rows(self):
        """``(line, fields)`` for each data row; checks the header first."""
        self.bytes_read = 0
        with open(self.path, "rb") as file:
            reader = csv.reader(self._lines(file))
            header = [name.strip().lower() for name in next(reader, [])]
            if sorted(header) != sorted(HEADER):
                raise CommandError(
                    f"The first line must be the header {','.join(HEADER)} "
                    f"(found {','.join(header) or 'nothing'})."
                )
            order = [header.index(name) for name in HEADER]
            for fields in reader:
                if not fields:
                    continue
                if len(fields) != len(HEADER):
                    yield reader.line_num, None
                    continue
                yield reader.line_num, [fields[i] for i in order]


def _uuid4s():
    """Random version-4 UUIDs as 32 hex digits, drawing from the OS in blocks.

    Made by hand: with ``uuid.uuid4()`` the import took 35 % longer (2.42 s against
    1.79 s for 50,000 rows) and missed its goal (0.46x COPY). The version nibble is 4
    and the variant bits 10, exactly as ``uuid.uuid4()`` makes them.
    """
    while True:
        block = os.urandom(16 * _RANDOM_BLOCK).hex()
        for start in range(0, len(block), 32):
            h = block[start : start + 32]
            yield f"{h[:12]}4{h[13:16]}{'89ab'[int(h[16], 16) & 3]}{h[17:]}"


def _uuid_text(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """``value`` for COPY's text format (backslash, tab and line breaks escaped)."""
    if "\\" in value or not value.isprintable():
        return value.translate(_COPY_ESCAPES)
    return value


class _Lines:
    """COPY text lines, sent to the server in blocks of ~1,000 rows (~250 kB at most).

    Formatted here rather than by ``Copy.write_row``, which took 51 % longer (2.70 s
    against 1.79 s for 50,000 rows, 0.41x COPY: the goal is 0.5x).
    """

    def __init__(self, copy, size=1000):
        self.copy, self.size, self.lines = copy, size, []

    def add(self, line):
        self.lines.append(line)
        if len(self.lines) >= self.size:
            self.flush()

    def flush(self):
        if self.lines:
            self.copy.write("".join(self.lines).encode())
            self.lines.clear()


OS_VERSIONS = frozenset(OSVersion.values)


def check_row(fields):
    """``(imei, canonical code, [])`` for a good row, else ``(..., [reasons])``."""
    raw_imei, serial, model, os_version, raw_code = fields
    reasons = []
    imei = raw_imei if len(raw_imei) == 15 else normalise_imei(raw_imei)
    if not (len(imei) == 15 and ascii_digits(imei)):
        reasons.append(f"IMEI {raw_imei!r} does not have exactly 15 digits")
    elif not luhn_ok(imei):
        reasons.append(f"IMEI {imei} fails its check digit")
    for field_name, label, value in (("serial", "serial", serial), ("model_name", "model", model)):
        problem = device_text_problem(field_name, value.strip(), label)
        if problem:
            reasons.append(problem)
    if os_version.strip() not in OS_VERSIONS:
        reasons.append(f"OS version {os_version!r} is not one of {', '.join(sorted(OS_VERSIONS))}")
    canonical = None
    try:
        canonical = codes.normalise(raw_code)
    except codes.MalformedCode as error:
        # Never echo the code itself: the reason alone says what is wrong.
        reasons.append(f"factory code: {error}")
    return imei, canonical, reasons


class Command(BaseCommand):
    help = "Import a manufacturing batch (CSV: imei,serial,model,os_version,factory_code)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with the header " + ",".join(HEADER))
        parser.add_argument("--batch", default="", help="Batch name stored on every device.")
        parser.add_argument("--report", help="Also write the bad rows (line,reason) to this CSV.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file, batch, report=None, no_progress=False, **options):
        if len(batch) > 40:
            raise CommandError("--batch is at most 40 characters.")
        if not os.path.isfile(file):
            raise CommandError(f"No such file: {file}")
        source = BatchFile(file)
        progress = Progress(
            self.stderr,
            os.path.getsize(file),
            enabled=not no_progress and options.get("verbosity", 1) > 0,
        )
        self.errors = 0
        self.report = open(report, "w", newline="") if report else None  # noqa: SIM115
        self.report_writer = csv.writer(self.report) if self.report else None
        if self.report_writer:
            self.report_writer.writerow(["line", "reason"])
        started = time.monotonic()
        try:
            with transaction.atomic():
                rows = self.validate(source, batch, progress)
                if self.errors:
                    raise CommandError(
                        f"{self.errors} bad row{'s' if self.errors != 1 else ''} in {file}: "
                        "nothing was imported. Correct them and run the import again."
                    )
                if rows == 0:
                    raise CommandError(f"{file} has no rows to import.")
                if connection.vendor == "postgresql":
                    self.write_with_copy(source, batch, rows, progress)
                else:
                    self.write_with_bulk_create(source, batch, progress)
                self._drop_staging()
                AuditEvent.record(
                    AuditEvent.Action.IMPORTED,
                    data={
                        "via": f"command (os user {getpass.getuser()})",
                        "file": os.path.basename(file),
                        "batch": batch,
                        "rows": rows,
                        "created": rows,
                    },
                )
        except DatabaseError as error:
            raise CommandError(
                f"The database refused the batch ({error.__class__.__name__}: {error}); "
                "nothing was imported."
            ) from error
        finally:
            if self.report:
                self.report.close()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {rows:,} devices with their factory codes in {elapsed:.1f} s "
                f"({rows / max(elapsed, 1e-9):,.0f} rows/s)."
            )
        )

    def bad_row(self, line, reason):
        self.errors += 1
        self.stderr.write(f"line {line}: {reason}")
        if self.report_writer:
            self.report_writer.writerow([line, reason])

    # Pass 1: validate -------------------------------------------------------------

    def validate(self, source, batch, progress):
        """Check every row; returns the number of rows. Reports bad rows as it goes."""
        self._create_staging()
        extra_keys = [key.id for key in codes.keyring()][1:]
        rows = 0

        def staged():
            nonlocal rows
            for line, fields in source.rows():
                rows += 1
                if rows % 5000 == 0:
                    progress.update("checking", rows, source.bytes_read)
                if fields is None:
                    self.bad_row(line, f"expected {len(HEADER)} columns ({','.join(HEADER)})")
                    continue
                imei, canonical, reasons = check_row(fields)
                if reasons:
                    self.bad_row(line, "; ".join(reasons))
                    continue
                yield line, imei, codes.digest(canonical), True
                # During a key rotation, older codes are found by their old-key digest.
                for key_id in extra_keys:
                    yield line, imei, codes.digest(canonical, key_id), False

        self._load_staging(staged())
        progress.done("checked", rows)
        self._report_duplicates()
        return rows

    def _create_staging(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING} "
                "(line integer NOT NULL, imei varchar(15) NOT NULL, "
                "digest varchar(64) NOT NULL, is_current boolean NOT NULL)"
            )

    def _drop_staging(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")

    def _load_staging(self, rows):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = f"COPY {STAGING} (line, imei, digest, is_current) FROM STDIN"
                raw = cursor.cursor
                with raw.copy(sql) as copy:
                    lines = _Lines(copy)
                    for line, imei, digest, current in rows:
                        lines.add(f"{line}\t{imei}\t{digest}\t{'t' if current else 'f'}\n")
                    lines.flush()
                cursor.execute(f"ANALYZE {STAGING}")
            else:
                insert = f"INSERT INTO {STAGING} (line, imei, digest, is_current) VALUES (%s, %s, %s, %s)"  # noqa: E501, S608
                chunk = []
                for row in rows:
                    chunk.append(row)
                    if len(chunk) == BATCH:
                        cursor.executemany(insert, chunk)
                        chunk.clear()
                cursor.executemany(insert, chunk)

    def _report_duplicates(self):
        """Bad rows the file only shows as a whole: duplicates, and rows already stored."""
        device = connection.ops.quote_name(Device._meta.db_table)
        code = connection.ops.quote_name(ActivationCode._meta.db_table)
        # Constant SQL: the names are our own tables', quoted by the backend.
        sql = f"""
            SELECT s.line, 1, f.first_line FROM {STAGING} s
              JOIN (SELECT imei, min(line) AS first_line FROM {STAGING} WHERE is_current
                    GROUP BY imei HAVING count(*) > 1) f ON f.imei = s.imei
             WHERE s.is_current AND s.line <> f.first_line
            UNION ALL
            SELECT s.line, 2, 0 FROM {STAGING} s JOIN {device} d ON d.imei = s.imei
             WHERE s.is_current
            UNION ALL
            SELECT s.line, 3, f.first_line FROM {STAGING} s
              JOIN (SELECT digest, min(line) AS first_line FROM {STAGING} WHERE is_current
                    GROUP BY digest HAVING count(*) > 1) f ON f.digest = s.digest
             WHERE s.is_current AND s.line <> f.first_line
            UNION ALL
            SELECT DISTINCT s.line, 4, 0 FROM {STAGING} s JOIN {code} c ON c.digest = s.digest
            ORDER BY 1, 2
        """  # noqa: S608
        reasons = {
            1: "the same IMEI is already on line {}",
            2: "this IMEI is already in the database",
            3: "the same factory code is already on line {}",
            4: "this factory code already belongs to a device in the database",
        }
        with connection.cursor() as cursor:
            cursor.execute(sql)
            current_line, found = None, []
            while chunk := cursor.fetchmany(1000):
                for line, kind, other in chunk:
                    if line != current_line and found:
                        self.bad_row(current_line, "; ".join(found))
                        found = []
                    current_line = line
                    found.append(reasons[kind].format(other))
            if found:
                self.bad_row(current_line, "; ".join(found))

    # Passes 2 and 3 on PostgreSQL: COPY -------------------------------------------

    def write_with_copy(self, source, batch, rows, progress):
        device_table = connection.ops.quote_name(Device._meta.db_table)
        code_table = connection.ops.quote_name(ActivationCode._meta.db_table)
        now = timezone.now().isoformat()
        batch = _copy_text(batch)
        # The devices' public ids, needed again to bind their codes: 16 bytes a device.
        public_ids = bytearray()
        with connection.cursor() as cursor:
            # Reserve a block of ids so the codes can name their devices directly.
            cursor.execute(
                "SELECT setval(seq, nextval(seq) + %s - 1) - %s + 1 "
                "FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) AS s",
                [rows, rows, Device._meta.db_table],
            )
            first_id = cursor.fetchone()[0]
            raw = cursor.cursor
            columns = (
                "id, public_id, imei, serial, model_name, os_version, batch, activation_state, "
                "request_counter, created_at, updated_at"
            )
            tail = f"\t{Device.State.NOT_ACTIVATED}\t0\t{now}\t{now}\n"
            uuids = _uuid4s()
            sql = f"COPY {device_table} ({columns}) FROM STDIN"
            with raw.copy(sql) as copy:
                lines = _Lines(copy)
                for index, (_line, fields) in enumerate(source.rows()):
                    imei, serial, model, os_version, _code = fields
                    public_id = next(uuids)
                    public_ids += bytes.fromhex(public_id)
                    if len(imei) != 15:
                        imei = normalise_imei(imei)
                    lines.add(
                        f"{first_id + index}\t{_uuid_text(public_id)}\t{imei}"
                        f"\t{_copy_text(serial.strip())}\t{_copy_text(model.strip())}"
                        f"\t{os_version.strip()}\t{batch}{tail}"
                    )
                    if index % 5000 == 0:
                        progress.update("devices", index, source.bytes_read)
                lines.flush()
            progress.done("devices", rows)

            key = codes.keyring().current
            sealer = Sealer(key.encryption_key)
            digest = codes.digest
            columns = (
                "public_id, device_id, kind, status, digest, ciphertext, key_version, hint, "
                "issued_at, status_reason, use_count, reactivation_count, misuse_count"
            )
            head = f"\t{ActivationCode.Kind.FACTORY}\t{ActivationCode.Status.ACTIVE}\t"
            tail = f"\t{now}\t\t0\t0\t0\n"
            sql = f"COPY {code_table} ({columns}) FROM STDIN"
            with raw.copy(sql) as copy:
                lines = _Lines(copy)
                for index, (_line, fields) in enumerate(source.rows()):
                    canonical = codes.normalise(fields[4])
                    code_id = _uuid_text(next(uuids))
                    device_id = _uuid_text(public_ids[16 * index : 16 * index + 16].hex())
                    # The same binding as ActivationCode._associated_data().
                    aad = f"activation-code:{code_id}:{device_id}".encode()
                    blob = sealer.seal(canonical.encode(), aad)
                    lines.add(
                        f"{code_id}\t{first_id + index}{head}{digest(canonical)}"
                        f"\t\\\\x{blob.hex()}\t{key.id}\t{codes.hint(canonical)}{tail}"
                    )
                    if index % 5000 == 0:
                        progress.update("codes", index, source.bytes_read)
                lines.flush()
            progress.done("codes", rows)

    # Passes 2 and 3 elsewhere: bulk_create ------------------------------------------

    def write_with_bulk_create(self, source, batch, progress):
        devices, written = [], 0

        def flush():
            nonlocal written
            Device.objects.bulk_create(devices)
            factory_codes = []
            for device, canonical in zip(devices, secrets_, strict=True):
                code = ActivationCode(device=device, kind=ActivationCode.Kind.FACTORY)
                code.set_secret(canonical)
                factory_codes.append(code)
            ActivationCode.objects.bulk_create(factory_codes)
            written += len(devices)
            devices.clear()
            secrets_.clear()
            progress.update("writing", written, source.bytes_read)

        secrets_ = []
        for _line, fields in source.rows():
            imei, serial, model, os_version, raw_code = fields
            devices.append(
                Device(
                    imei=imei if len(imei) == 15 else normalise_imei(imei),
                    serial=serial.strip(),
                    model_name=model.strip(),
                    os_version=os_version.strip(),
                    batch=batch,
                )
            )
            secrets_.append(codes.normalise(raw_code))
            if len(devices) == BATCH:
                flush()
        if devices:
            flush()
        progress.done("written", written)
