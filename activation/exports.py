"""Streaming report writers (CSV, XLSX, JSON) and spreadsheet formula neutralising.

A report is a ``ReportResource`` (``activation/resources.py``): explicit columns, each
one value of a named queryset. Rows are read with ``values_list().iterator()`` (a
server-side cursor on PostgreSQL), never as model instances, and go straight to the
writer, so memory stays flat whatever the row count:

- CSV: on PostgreSQL, ``COPY (query) TO STDOUT`` streamed block by block, with the
  formatting and neutralising done in SQL; elsewhere ``csv.writer`` over the iterator.
  Both paths give the same text. The SQL copy of the formatting is what meets the goal
  of at most 2x the time of COPY of the bare query (issue 16, ``bench/export_csv.py
  --rows 50000``, best of 5, docs/performance.md): 1.32x, against 5.99x for the
  ``csv.writer`` path on PostgreSQL.
- XLSX: XlsxWriter in constant-memory mode (inline strings, rows flushed to a temporary
  file as they are written) into a temporary file that is then streamed out. Cells stay
  typed (numbers, booleans, dates); text is neutralised and redacted in Python, on
  every database (the SQL templates gained 2 %: 0.97x the bare XlsxWriter loop against
  0.95x, both above the 0.9x goal).
- JSON: one array written row by row.

A cell that starts with ``= + - @``, a tab or a carriage return is prefixed with
``'`` in CSV and XLSX, so a spreadsheet never evaluates it as a formula. Free-text
columns are also redacted if they look like an activation code, a second line of
defence behind "codes never leave the database in plaintext".
"""

import csv
import datetime as dt
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator

import xlsxwriter
from django.db import connections
from django.http import StreamingHttpResponse

from activation.routers import reading_from_replica

from . import codes
from .models import AuditEvent

TEXT = "text"
FREE_TEXT = "free_text"  # typed by people: may hold anything, so it is also redacted
JSON = "json"  # a JSONField, written as compact JSON text (redacted like free text)
DATETIME = "datetime"
BOOL = "bool"
INT = "int"
SECONDS = "seconds"  # a duration, in whole seconds
KINDS = {TEXT, FREE_TEXT, JSON, DATETIME, BOOL, INT, SECONDS}

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
REDACTED = "[removed: looked like an activation code]"
CHUNK_SIZE = 2000
_ONE_SECOND = dt.timedelta(seconds=1)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: never read as a formula."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def redact(text: str) -> str:
    return REDACTED if codes.CODE_LIKE_RE.search(text) else text


# Python formatting, one function per kind: value from the database → CSV text.
def _text(value):
    return "" if value is None else neutralise(str(value))


def _free_text(value):
    return "" if value is None else neutralise(redact(str(value)))


def _json_text(value):
    if value is None:
        return ""
    return neutralise(redact(json.dumps(value, sort_keys=True, separators=(",", ":"))))


def _datetime(value):
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bool(value):
    return "" if value is None else ("yes" if value else "no")


def _int(value):
    return "" if value is None else str(value)


def _seconds(value):
    return "" if value is None else str(value // _ONE_SECOND)


TEXT_FORMATTERS: dict[str, Callable] = {
    TEXT: _text,
    FREE_TEXT: _free_text,
    JSON: _json_text,
    DATETIME: _datetime,
    BOOL: _bool,
    INT: _int,
    SECONDS: _seconds,
}

# The same formatting in PostgreSQL, for the CSV export's COPY (see the module docstring
# for the figure that justifies it); tests/test_exports.py checks both give one text.
# ascii() of the first character is =, +, -, @, tab or carriage return: an integer test
# is cheaper than comparing strings, and COPY runs it for every cell.
_SQL_NEUTRALISE = "CASE WHEN ascii({c}) IN (61, 43, 45, 64, 9, 13) THEN '''' || {c} ELSE {c} END"
_SQL_REDACT = "CASE WHEN {c} ~ %s THEN %s ELSE {c} END"
SQL_FORMATTERS = {
    TEXT: _SQL_NEUTRALISE.replace("{c}", "{c}::text"),
    FREE_TEXT: _SQL_NEUTRALISE.replace("{c}", "(" + _SQL_REDACT + ")").replace("{c}", "{c}::text"),
    JSON: _SQL_NEUTRALISE.replace("{c}", "(" + _SQL_REDACT + ")").replace("{c}", "{c}::text"),
    DATETIME: """to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')""",
    BOOL: "CASE WHEN {c} THEN 'yes' WHEN NOT {c} THEN 'no' END",
    INT: "{c}",
    SECONDS: "floor(extract(epoch FROM {c}))::bigint",
}
# PostgreSQL's regex flavour reads CODE_LIKE_RE as it is, inline (?i) included.
_SQL_REDACT_PARAMS = [codes.CODE_LIKE_RE.pattern, REDACTED]


def _json_value(kind):
    if kind == DATETIME:
        return lambda v: None if v is None else v.astimezone(dt.UTC).isoformat()
    if kind == SECONDS:
        return lambda v: None if v is None else v // _ONE_SECOND
    if kind == FREE_TEXT:
        return lambda v: None if v is None else redact(str(v))
    if kind == JSON:
        return lambda v: (
            None if v is None else (v if not codes.CODE_LIKE_RE.search(json.dumps(v)) else REDACTED)
        )
    if kind in (BOOL, INT):
        return lambda v: v
    return lambda v: None if v is None else str(v)


class Report:
    """One export to run: a resource, the queryset it reads, and the row count after."""

    def __init__(self, resource, queryset=None, file_format="csv"):
        if file_format not in CONTENT_TYPES:
            raise ValueError(f"unknown format {file_format!r}")
        self.resource = resource
        self.file_format = file_format
        self.queryset = resource.report_queryset(queryset)
        self.headers = resource.get_export_headers()
        self.kinds = resource.column_kinds()
        self.rows = 0
        self.completed = False

    @property
    def db(self):
        return self.queryset.db

    def values(self) -> Iterator[tuple]:
        for row in self.queryset.iterator(chunk_size=CHUNK_SIZE):
            self.rows += 1
            yield row

    def text_rows(self) -> Iterator[list[str]]:
        formatters = [TEXT_FORMATTERS[kind] for kind in self.kinds]
        pairs = list(enumerate(formatters))
        for row in self.values():
            yield [fmt(row[i]) for i, fmt in pairs]

    def copy_sql(self):
        """``COPY`` statement and parameters giving the CSV body, on PostgreSQL.

        Each column goes through its ``SQL_FORMATTERS`` template, around Django's own
        compiled SQL; values travel as parameters.
        """
        inner, params = self.queryset.query.sql_with_params()
        columns, outer_params = [], []
        for i, kind in enumerate(self.kinds):
            template = SQL_FORMATTERS[kind]
            columns.append(template.replace("{c}", f"r.c{i}"))
            outer_params += _SQL_REDACT_PARAMS * (template.count("%s") // 2)
        select = f"SELECT {', '.join(columns)} FROM ({inner}) AS r"  # noqa: S608
        return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", [*outer_params, *params]

    def xlsx_values(self) -> Iterator[list]:
        """Rows ready for XLSX cells: text neutralised and redacted, intervals in seconds."""
        converters = [
            (col, _XLSX_CONVERTERS[kind])
            for col, kind in enumerate(self.kinds)
            if kind in _XLSX_CONVERTERS
        ]
        for row in self.values():
            values = list(row)
            for col, convert in converters:
                value = values[col]
                if value is not None:
                    values[col] = convert(value)
            yield values


def _csv_line(row) -> bytes:
    buffer = _LineBuffer()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.value.encode()


class _LineBuffer:
    def __init__(self):
        self.value = ""

    def write(self, text):
        self.value += text


class _ChunkBuffer:
    """A file-like sink for csv.writer whose contents are taken out in chunks."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode()
        self.parts.clear()
        return data


def stream_csv(report: Report) -> Iterator[bytes]:
    """The report as CSV: header first, so the first byte leaves at once."""
    yield _csv_line(report.headers)
    if connections[report.db].vendor == "postgresql":
        yield from _copy_csv(report)
    else:
        yield from _python_csv(report)
    report.completed = True


def _python_csv(report: Report) -> Iterator[bytes]:
    buffer = _ChunkBuffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, row in enumerate(report.text_rows(), start=1):
        writer.writerow(row)
        if n % 500 == 0:
            yield buffer.take()
    yield buffer.take()


def _copy_csv(report: Report) -> Iterator[bytes]:
    sql, params = report.copy_sql()
    connection = connections[report.db]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(sql, params) as copy:
            for block in copy:
                yield bytes(block)
        report.rows = raw.rowcount


def stream_json(report: Report) -> Iterator[bytes]:
    """The report as one JSON array of objects, written row by row."""
    headers = report.headers
    converters = [_json_value(kind) for kind in report.kinds]
    yield b"["
    separator = b"\n"
    parts = []
    for n, row in enumerate(report.values(), start=1):
        item = {h: convert(v) for h, convert, v in zip(headers, converters, row, strict=True)}
        parts.append(separator + json.dumps(item, ensure_ascii=False).encode())
        separator = b",\n"
        if n % 500 == 0:
            yield b"".join(parts)
            parts.clear()
    parts.append(b"\n]\n")
    yield b"".join(parts)
    report.completed = True


def write_xlsx(report: Report, output) -> None:
    """Write the report as XLSX to the binary file ``output`` in constant memory."""
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
            "remove_timezone": True,
        },
    )
    sheet = workbook.add_worksheet(report.resource.sheet_title())
    bold = workbook.add_format({"bold": True})
    for col, header in enumerate(report.headers):
        sheet.write_string(0, col, header, bold)
    # Values go through write_row (XlsxWriter's own fastest path) as typed cells,
    # converted first only where a column needs it; datetimes (UTC) lose their zone.
    row_number = 0
    for row_number, row in enumerate(report.xlsx_values(), start=1):
        sheet.write_row(row_number, 0, row)
    if row_number:
        sheet.autofilter(0, 0, row_number, len(report.headers) - 1)
    sheet.freeze_panes(1, 0)
    workbook.close()


def _xlsx_text(value):
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


_XLSX_CONVERTERS = {
    TEXT: _xlsx_text,
    FREE_TEXT: _free_text,
    JSON: _json_text,
    SECONDS: lambda value: value // _ONE_SECOND,
}  # BOOL stays a real boolean cell (TRUE / FALSE)


def stream_xlsx(report: Report, block_size: int = 64 * 1024) -> Iterator[bytes]:
    """XLSX bytes for a streaming response (built in a temporary file first)."""
    with tempfile.TemporaryFile() as output:
        write_xlsx(report, output)
        output.seek(0)
        while block := output.read(block_size):
            yield block
    report.completed = True


STREAMS = {"csv": stream_csv, "json": stream_json, "xlsx": stream_xlsx}


def stream(report: Report) -> Iterator[bytes]:
    """The report's bytes, read from the replica when one is configured (activation.routers).

    The audit event that ``audited`` writes after the last chunk goes to the primary.
    """
    with reading_from_replica():
        yield from STREAMS[report.file_format](report)


def safe_filters(params) -> dict:
    """Request parameters for the audit log, with anything code-like taken out."""
    return {
        str(key)[:60]: redact(str(value))[:200]
        for key, value in params.items()
        if not str(key).startswith("csrf")
    }


def audited(report: Report, chunks: Iterable[bytes], *, actor, filters, via) -> Iterator[bytes]:
    """``chunks``, then one EXPORTED audit event: who, which report, rows, filters.

    Written when the stream ends, also when the client goes away half-way (then
    ``completed`` is false), because the row count is only known at the end.
    """
    try:
        yield from chunks
    finally:
        AuditEvent.record(
            AuditEvent.Action.EXPORTED,
            actor=actor,
            data={
                "report": report.resource.name,
                "format": report.file_format,
                "rows": report.rows,
                "completed": report.completed,
                "filters": filters,
                "via": via,
            },
        )


def filename(report: Report) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{report.resource.name}-{stamp}.{report.file_format}"


def streaming_response(resource, queryset, file_format, *, actor, filters, via):
    """A StreamingHttpResponse with the report as a download, audited when done."""
    report = Report(resource, queryset, file_format)
    chunks = audited(report, stream(report), actor=actor, filters=filters, via=via)
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename(report)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
