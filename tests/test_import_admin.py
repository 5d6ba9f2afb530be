"""The admin's device batch import: dry run with preview, confirm, all or nothing.

Uses an admin site of this module's own with the mixins the real DeviceAdmin gets.
"""

import csv
import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path

from activation import codes
from activation.admin_exports import DeviceImportMixin, StreamingExportMixin
from activation.models import ActivationCode, AuditEvent, Device
from activation.resources import DeviceResource
from tests.test_import_devices import HEADER, batch_rows, with_three_bad_rows

site = admin.AdminSite(name="import_test_admin")


class DeviceAdmin(DeviceImportMixin, StreamingExportMixin, admin.ModelAdmin):
    report_resource_class = DeviceResource


site.register(Device, DeviceAdmin)
urlpatterns = [path("test-admin/", site.urls), path("", include("portal.urls"))]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.usefixtures("staff_with_totp")]

IMPORT_URL = "/test-admin/activation/device/import/"
CONFIRM_URL = "/test-admin/activation/device/process_import/"
EXPORT_URL = "/test-admin/activation/device/export-report/"


def csv_upload(rows, name="batch.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def dry_run(client, upload):
    return client.post(IMPORT_URL, {"format": "0", "resource": "0", "import_file": upload})


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(CONFIRM_URL, {name: form.initial[name] for name in form.initial})


def test_agent_cannot_import(client, agent):
    client.force_login(agent)
    assert client.get(IMPORT_URL).status_code == 403
    assert dry_run(client, csv_upload(batch_rows(2))).status_code == 403
    assert not Device.objects.exists()


def test_dry_run_previews_then_confirm_imports(client, manager):
    rows = batch_rows(50)
    client.force_login(manager)
    response = dry_run(client, csv_upload(rows))
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 50
    assert not Device.objects.exists()  # a dry run writes nothing
    page = response.content.decode()
    for row in rows:
        canonical = codes.normalise(row[4])
        assert row[4] not in page and canonical not in page
    assert "•••••-•••••-•••••-•••••-" + codes.normalise(rows[0][4])[-5:] in page

    response = confirm(client, response)
    assert response.status_code == 302
    assert Device.objects.count() == 50
    assert ActivationCode.objects.filter(kind="factory", status="active").count() == 50
    device = Device.objects.get(imei=rows[7][0])
    assert device.codes.get().plaintext() == codes.normalise(rows[7][4])
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORTED)
    assert event.actor == manager
    assert event.data["created"] == 50 and event.data["via"] == "admin"


def test_three_bad_rows_among_a_thousand_are_named_and_nothing_is_written(client, manager):
    rows = with_three_bad_rows(batch_rows(1000))
    client.force_login(manager)
    response = dry_run(client, csv_upload(rows))
    result = response.context["result"]
    assert "confirm_form" not in response.context
    # import-export numbers data rows from 1: file lines 11, 501 and 901.
    assert [row.number for row in result.invalid_rows] == [10, 500, 900]
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert "imei" in errors[10]
    assert "typo" in " ".join(errors[500]["factory_code"])
    assert "already on row 20" in " ".join(errors[900]["imei"])
    assert not Device.objects.exists() and not ActivationCode.objects.exists()
    page = response.content.decode()
    for row in rows:
        assert row[4] not in page
        assert row[4].replace("-", "")[:20] not in page


def test_upload_is_kept_encrypted_between_dry_run_and_confirm(client, manager, tmp_path):
    import tempfile
    from pathlib import Path

    rows = batch_rows(5)
    client.force_login(manager)
    response = dry_run(client, csv_upload(rows))
    name = response.context["confirm_form"].initial["import_file_name"]
    stored = Path(tempfile.gettempdir(), f"activation-import-{name}").read_bytes()
    for row in rows:
        assert row[4].encode() not in stored and row[0].encode() not in stored
    confirm(client, response)
    assert not Path(tempfile.gettempdir(), f"activation-import-{name}").exists()


def test_confirm_refuses_a_forged_file_name(client, manager):
    client.force_login(manager)
    response = client.post(
        CONFIRM_URL,
        {
            "import_file_name": "../../etc/passwd",
            "original_file_name": "x.csv",
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 400
    assert not Device.objects.exists()


def test_round_trip_export_then_import_keeps_devices(client, manager, tmp_path):
    rows = batch_rows(30)
    client.force_login(manager)
    confirm(client, dry_run(client, csv_upload(rows)))
    before = list(Device.objects.order_by("pk").values())
    exported = b"".join(client.post(EXPORT_URL, {"format": "csv"}).streaming_content)
    upload = SimpleUploadedFile("devices.csv", exported, content_type="text/csv")
    response = dry_run(client, upload)
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 30 and result.totals["new"] == 0
    confirm(client, response)
    assert list(Device.objects.order_by("pk").values()) == before
    assert ActivationCode.objects.count() == 30


def test_existing_device_with_other_details_is_a_bad_row(client, manager, make_device):
    device = make_device()
    client.force_login(manager)
    row = [device.imei, "OTHER", device.model_name, device.os_version, ""]
    response = dry_run(client, csv_upload([row]))
    [invalid] = response.context["result"].invalid_rows
    assert "serial" in " ".join(invalid.error_dict["imei"])


def test_new_device_needs_a_factory_code(client, manager):
    row = batch_rows(1)[0]
    row[4] = ""
    client.force_login(manager)
    response = dry_run(client, csv_upload([row]))
    [invalid] = response.context["result"].invalid_rows
    assert invalid.error_dict["factory_code"] == ["A new device needs its factory code."]


def test_changelist_shows_import_and_export_buttons_to_managers(client, manager, agent):
    client.force_login(manager)
    page = client.get("/test-admin/activation/device/").content.decode()
    assert IMPORT_URL in page and EXPORT_URL in page
    client.force_login(agent)
    page = client.get("/test-admin/activation/device/").content.decode()
    assert IMPORT_URL not in page and EXPORT_URL not in page
