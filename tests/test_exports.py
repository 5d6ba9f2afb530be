"""Report exports: managers only, never a code, formula cells neutralised, streamed, audited.

The admin views are exercised through a small admin site of this module's own (the
real ModelAdmins get the same mixin), so the tests do not depend on how they are wired.
"""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.urls import include, path

from activation import codes, exports
from activation.admin_exports import StreamingExportMixin
from activation.models import (
    ActivationAttempt,
    ActivationCode,
    AuditEvent,
    Device,
    Ticket,
)
from activation.resources import REPORTS, DeviceResource, TicketResource

site = admin.AdminSite(name="reports_test_admin")


class TicketExportAdmin(StreamingExportMixin, admin.ModelAdmin):
    report_resource_class = TicketResource
    list_filter = ["status", "channel"]
    search_fields = ["=reference"]


class DeviceExportAdmin(StreamingExportMixin, admin.ModelAdmin):
    report_resource_class = DeviceResource
    list_filter = ["os_version"]


site.register(Ticket, TicketExportAdmin)
site.register(Device, DeviceExportAdmin)

# The portal's own ModelAdmins with the mixin added, as the lead wires them.
REPORT_FOR_MODEL = {
    Ticket: TicketResource,
    Device: DeviceResource,
    ActivationCode: REPORTS["codes"],
    ActivationAttempt: REPORTS["attempts"],
    AuditEvent: REPORTS["audit"],
}
real_site = admin.AdminSite(name="reports_real_admin")
for model, resource in REPORT_FOR_MODEL.items():
    if model in admin.site._registry:
        base = type(admin.site._registry[model])
        bases = (base,) if issubclass(base, StreamingExportMixin) else (StreamingExportMixin, base)
        real_site.register(
            model,
            type(f"Exporting{base.__name__}", bases, {"report_resource_class": resource}),
        )

urlpatterns = [
    path("test-admin/", site.urls),
    path("real-admin/", real_site.urls),
    path("", include("portal.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.usefixtures("staff_with_totp")]

EXPORT_URL = "/test-admin/activation/ticket/export-report/"


def make_report_data(*, customer, agent, make_device, make_code):
    """Devices, codes, requests, attempts and audit events; returns every plaintext code."""
    plaintexts = []
    phone = make_device(owner=customer)
    plaintexts.append(make_code(phone, kind=ActivationCode.Kind.FACTORY)[1])
    ticket, _ = Ticket.objects.request_code(phone, reason="Asks for a code", customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(imei_confirmed=True, email_confirmed=True)
    ticket.refresh_from_db()
    _code, plaintext = ticket.issue_code(by=agent)
    plaintexts.append(plaintext)
    ticket.record_outcome(customer, worked=True)

    risky = make_device(owner=customer)
    Device.objects.filter(pk=risky.pk).update(serial='=HYPERLINK("http://x")', model_name="+Lumia")
    risky.refresh_from_db()
    suspended, plaintext = make_code(risky, kind=ActivationCode.Kind.FACTORY)
    plaintexts.append(plaintext)
    suspended.suspend("used on other phones", by=agent)
    Ticket.objects.request_code(
        risky, reason="Caller", channel="phone", by=agent, caller_email="-caller@example.com"
    )
    ActivationAttempt.objects.create(
        device=risky, imei=risky.imei, code=suspended, result="failed", reason="suspended"
    )
    ActivationAttempt.objects.create(imei="@bad", result="malformed", reason="typo")
    return plaintexts


@pytest.fixture
def plaintexts(customer, agent, make_device, make_code):
    return make_report_data(
        customer=customer, agent=agent, make_device=make_device, make_code=make_code
    )


def forbidden_strings(plaintexts):
    """A code in any form: canonical, as displayed, its last four groups; and its digest."""
    found = []
    for plain in plaintexts:
        found += [plain, codes.display(plain), codes.display(plain)[6:], plain.lower()]
    for code in ActivationCode.objects.all():
        found.append(code.digest)
    return [s.encode() for s in found]


def xlsx_bytes(content):
    """Every part of an XLSX, uncompressed, for scanning."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def export_bytes(name, file_format):
    report = exports.Report(REPORTS[name](), None, file_format)
    return b"".join(exports.stream(report))


def csv_rows(content):
    return list(csv.reader(io.StringIO(content.decode())))


def xlsx_rows(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# Who may export ---------------------------------------------------------------------


def test_agent_cannot_export_from_the_admin(client, agent, plaintexts):
    client.force_login(agent)
    assert client.get(EXPORT_URL).status_code == 403
    assert client.post(EXPORT_URL, {"format": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).exists()


def test_agent_sees_no_export_button(client, agent, plaintexts):
    client.force_login(agent)
    response = client.get("/test-admin/activation/ticket/")
    assert response.status_code == 200
    assert b"export-report" not in response.content


def test_manager_sees_the_export_button_with_the_filters(client, manager, plaintexts):
    client.force_login(manager)
    response = client.get("/test-admin/activation/ticket/?channel__exact=phone")
    assert f'{EXPORT_URL}?channel__exact=phone"'.encode() in response.content


def test_anonymous_visitor_is_sent_to_sign_in(client, plaintexts):
    response = client.post(EXPORT_URL, {"format": "csv"})
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("model", list(REPORT_FOR_MODEL), ids=lambda m: m.__name__)
def test_mixin_works_on_the_portals_own_admins(client, manager, agent, model, plaintexts):
    if model not in real_site._registry:
        pytest.skip(f"{model.__name__} has no ModelAdmin yet")
    changelist = f"/real-admin/activation/{model._meta.model_name}/"
    client.force_login(manager)
    page = client.get(changelist)
    assert page.status_code == 200
    assert f"{changelist}export-report/".encode() in page.content
    selected = page.context["cl"].queryset.count()  # its default filters apply
    response = client.post(f"{changelist}export-report/", {"format": "csv"})
    assert response.status_code == 200
    rows = csv_rows(b"".join(response.streaming_content))
    assert len(rows) == 1 + selected
    client.force_login(agent)
    assert client.post(f"{changelist}export-report/", {"format": "csv"}).status_code == 403


# What an export holds ---------------------------------------------------------------


def test_manager_exports_the_filtered_changelist(client, manager, plaintexts):
    client.force_login(manager)
    page = client.get(EXPORT_URL + "?channel__exact=phone")
    assert page.status_code == 200
    assert page.context["row_count"] == 1
    response = client.post(EXPORT_URL + "?channel__exact=phone", {"format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(b"".join(response.streaming_content))
    assert rows[0] == TicketResource().get_export_headers()
    assert [row[rows[0].index("channel")] for row in rows[1:]] == ["phone"]


def test_export_is_audited_with_who_what_rows_and_filters(client, manager, plaintexts):
    client.force_login(manager)
    response = client.post(EXPORT_URL + "?status__exact=resolved", {"format": "json"})
    data = json.loads(b"".join(response.streaming_content))
    assert len(data) == 1 and data[0]["worked"] is True
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.actor == manager
    assert event.data == {
        "report": "tickets",
        "format": "json",
        "rows": 1,
        "completed": True,
        "filters": {"status__exact": "resolved"},
        "via": "admin",
    }


def test_unknown_format_is_refused(client, manager, plaintexts):
    client.force_login(manager)
    response = client.post(EXPORT_URL, {"format": "xml"})
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).exists()


@pytest.mark.parametrize("file_format", exports.FORMATS)
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_no_export_contains_a_code(name, file_format, plaintexts):
    content = export_bytes(name, file_format)
    if file_format == "xlsx":
        content = xlsx_bytes(content)
    assert content
    for forbidden in forbidden_strings(plaintexts):
        assert forbidden not in content


def test_code_report_has_metadata_and_no_secret_columns(plaintexts):
    headers = exports.Report(REPORTS["codes"]()).headers
    assert not {"digest", "ciphertext", "key_version", "hint", "code"} & set(headers)
    rows = csv_rows(export_bytes("codes", "csv"))
    assert len(rows) == 1 + ActivationCode.objects.count()
    assert {row[headers.index("status")] for row in rows[1:]} == {
        "active",
        "superseded",
        "suspended",
    }


def test_code_like_free_text_is_redacted(make_device, make_code, agent):
    code, plaintext = make_code(make_device())
    code.suspend(f"customer wrote {codes.display(plaintext)} in a mail", by=agent)
    for file_format in exports.FORMATS:
        content = export_bytes("codes", file_format) + export_bytes("audit", file_format)
        if file_format == "xlsx":
            content = xlsx_bytes(export_bytes("codes", "xlsx"))
            content += xlsx_bytes(export_bytes("audit", "xlsx"))
        assert codes.display(plaintext).encode() not in content
        assert exports.REDACTED.encode() in content


def test_request_metrics_time_to_code_and_outcome(plaintexts):
    rows = csv_rows(export_bytes("request_metrics", "csv"))
    headers = rows[0]
    assert headers == [
        "reference",
        "channel",
        "os_version",
        "device_model",
        "status",
        "created_at",
        "first_code_at",
        "resolved_at",
        "time_to_code_seconds",
        "worked",
    ]
    by_channel = {row[1]: dict(zip(headers, row, strict=True)) for row in rows[1:]}
    assert by_channel["web"]["worked"] == "yes"
    assert int(by_channel["web"]["time_to_code_seconds"]) >= 0
    assert by_channel["phone"]["first_code_at"] == by_channel["phone"]["worked"] == ""


# Formula cells ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Lumia 930", "Lumia 930"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert exports.neutralise(text) == expected


def test_formula_cells_are_neutralised_in_csv(plaintexts):
    rows = csv_rows(export_bytes("devices", "csv"))
    headers = rows[0]
    serials = {row[headers.index("serial")] for row in rows[1:]}
    models = {row[headers.index("model")] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in serials
    assert "'+Lumia" in models
    tickets = csv_rows(export_bytes("tickets", "csv"))
    assert "'-caller@example.com" in {row[tickets[0].index("customer")] for row in tickets}
    attempts = csv_rows(export_bytes("attempts", "csv"))
    assert "'@bad" in {row[attempts[0].index("imei")] for row in attempts}


def test_formula_cells_are_neutralised_in_xlsx(plaintexts):
    rows = xlsx_rows(export_bytes("devices", "xlsx"))
    headers = rows[0]
    assert '\'=HYPERLINK("http://x")' in {row[headers.index("serial")] for row in rows[1:]}
    assert "'+Lumia" in {row[headers.index("model")] for row in rows[1:]}
    parts = xlsx_bytes(export_bytes("devices", "xlsx"))
    assert b"<f>" not in parts  # no formula element anywhere in the workbook


def test_xlsx_has_typed_cells(plaintexts):
    rows = xlsx_rows(export_bytes("codes", "xlsx"))
    headers = rows[0]
    first = rows[1]
    assert isinstance(first[headers.index("use_count")], int)
    assert first[headers.index("issued_at")].year >= 2024


# Streaming and queries ----------------------------------------------------------------


def test_csv_and_json_stream_in_chunks(plaintexts):
    report = exports.Report(REPORTS["tickets"](), None, "csv")
    chunks = exports.stream(report)
    assert next(chunks).startswith(b"reference,kind,channel")  # header before any query
    assert b"".join(chunks)
    assert report.rows == Ticket.objects.count()
    assert report.completed


@pytest.mark.parametrize("file_format", exports.FORMATS)
def test_interrupted_download_is_audited_as_incomplete(file_format, manager, make_device):
    for _ in range(30):
        make_device()
    report = exports.Report(REPORTS["devices"](), None, file_format)
    chunks = exports.audited(report, exports.stream(report), actor=manager, filters={}, via="t")
    next(chunks)
    chunks.close()  # what Django does when the client goes away
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.data["completed"] is False and event.actor == manager
    assert Device.objects.count() == 30  # the connection still works


def test_export_reads_in_a_constant_number_of_queries(
    django_assert_max_num_queries, customer, agent, make_device, make_code
):
    for _ in range(3):
        make_report_data(
            customer=customer, agent=agent, make_device=make_device, make_code=make_code
        )
    for name in REPORTS:
        for file_format in ("json", "xlsx"):
            with django_assert_max_num_queries(2):  # the query (+ cursor setup)
                export_bytes(name, file_format)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_copy_csv_matches_the_python_writer(name, plaintexts, settings):
    copied = export_bytes(name, "csv")
    report = exports.Report(REPORTS[name](), None, "csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(report.headers)
    writer.writerows(report.text_rows())
    python_rows = csv_rows(buffer.getvalue().encode())
    copy_rows = csv_rows(copied)
    if name == "audit":  # jsonb's own text form orders keys differently
        data = python_rows[0].index("data")
        for row in python_rows[1:] + copy_rows[1:]:
            row[data] = json.loads(row[data].lstrip("'")) if row[data] else None
    assert copy_rows == python_rows


# The command ------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", exports.FORMATS)
def test_export_report_command(tmp_path, file_format, plaintexts):
    output = tmp_path / f"devices.{file_format}"
    call_command("export_report", "devices", "--format", file_format, "--output", str(output))
    content = output.read_bytes()
    if file_format == "csv":
        assert len(csv_rows(content)) == 1 + Device.objects.count()
    elif file_format == "json":
        assert len(json.loads(content)) == Device.objects.count()
    else:
        assert len(xlsx_rows(content)) == 1 + Device.objects.count()
        content = xlsx_bytes(content)
    for forbidden in forbidden_strings(plaintexts):
        assert forbidden not in content
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.actor is None
    assert event.data["rows"] == Device.objects.count()
    assert event.data["report"] == "devices"


def test_export_report_command_filters_by_date(tmp_path, plaintexts):
    output = tmp_path / "tickets.csv"
    call_command("export_report", "tickets", "--since", "2000-01-01", "--until", "2000-12-31",
                 "--output", str(output))  # fmt: skip
    assert len(csv_rows(output.read_bytes())) == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORTED)
    assert event.data["filters"] == {"since": "2000-01-01", "until": "2000-12-31"}
