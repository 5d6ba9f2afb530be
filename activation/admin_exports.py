"""Admin mixins for managers: streaming exports of a filtered changelist, batch imports.

``StreamingExportMixin`` adds an "Export" button to a changelist. It opens a page that
says how many rows the current filters and search select and asks for a format; the
POST streams them (``activation/exports.py``), audited, for holders of
``activation.export_reports`` only.

``DeviceImportMixin`` configures django-import-export's import (upload, dry run with
preview, confirm) for ``DeviceBatchResource``, for holders of
``activation.import_devices``. Between the dry run and the confirmation the upload is
kept encrypted (``EncryptedTempStorage``): it holds factory codes.

Wiring (in the admin)::

    class DeviceAdmin(DeviceImportMixin, StreamingExportMixin, admin.ModelAdmin):
        report_resource_class = DeviceResource
"""

import os
import re
import secrets
import tempfile

from django import forms
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixinBase, ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.tmp_storages import BaseStorage

from . import codes, exports
from .resources import DeviceBatchResource
from .sealing import Sealer, Unsealable

EXPORT_PERMISSION = "activation.export_reports"
IMPORT_PERMISSION = "activation.import_devices"


class ExportFormatForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON")],
        initial="csv",
        widget=forms.RadioSelect,
    )


class StreamingExportMixin(ImportExportMixinBase):
    """Export the changelist's rows as they are filtered, in CSV, XLSX or JSON."""

    #: A ``ReportResource`` subclass: the columns of the export.
    report_resource_class = None
    import_export_change_list_template = "activation/reports/admin/change_list_export.html"

    def has_streaming_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export-report/",
                self.admin_site.admin_view(self.streaming_export_view),
                name="{}_{}_export_report".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["has_streaming_export_permission"] = self.has_streaming_export_permission(
            request
        )
        return super().changelist_view(request, extra_context)

    def get_streaming_export_queryset(self, request):
        """Every row the changelist selects with its filters and search: its ``queryset``
        (only its ``result_list`` is one page)."""
        return self.get_changelist_instance(request).queryset

    def streaming_export_view(self, request):
        if not self.has_streaming_export_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_streaming_export_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter in the address.")
        form = ExportFormatForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return exports.streaming_response(
                self.report_resource_class(),
                queryset,
                form.cleaned_data["format"],
                actor=request.user,
                filters=exports.safe_filters(request.GET),
                via="admin",
            )
        info = self.opts.app_label, self.opts.model_name
        query = request.GET.urlencode()
        changelist_url = reverse("admin:{}_{}_changelist".format(*info))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export %(name)s") % {"name": self.opts.verbose_name_plural},
            "opts": self.opts,
            "form": form,
            "row_count": queryset.count(),
            "query": query,
            "changelist_url": f"{changelist_url}?{query}" if query else changelist_url,
            "columns": self.report_resource_class().get_export_headers(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "activation/reports/admin/export.html", context)


class EncryptedTempStorage(BaseStorage):
    """import-export's temporary upload, encrypted at rest (it holds factory codes).

    The key is derived from the current activation key for this purpose only; the
    file name is random and checked, so a posted name cannot point elsewhere.
    """

    NAME_RE = re.compile(r"^[0-9a-f]{32}$")
    PURPOSE = "import-upload/v1"

    def _path(self):
        if not self.NAME_RE.match(self.name or ""):
            raise ValueError("Invalid temporary file name.")
        return self.path_for(self.name)

    @staticmethod
    def path_for(name):
        return os.path.join(tempfile.gettempdir(), f"activation-import-{name}")

    @classmethod
    def is_available(cls, name):
        """Whether ``name`` is one of ours (checked before it is used as a path)."""
        return bool(cls.NAME_RE.match(name or "")) and os.path.exists(cls.path_for(name))

    @classmethod
    def _sealer(cls):
        return Sealer(codes.keyring().current.derive(cls.PURPOSE))

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self.name = secrets.token_hex(16)
        blob = self._sealer().seal(data, self.name.encode())
        fd = os.open(self._path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(blob)

    def read(self):
        with open(self._path(), "rb") as file:
            blob = file.read()
        try:
            data = self._sealer().open(blob, self.name.encode())
        except Unsealable:
            raise ValueError("The uploaded file can no longer be read; upload it again.") from None
        if "b" in (self.read_mode or ""):
            return data
        return data.decode(self.encoding or "utf-8")

    def remove(self):
        os.remove(self._path())


class DeviceImportMixin(ImportMixin):
    """Import manufacturing batches (CSV or XLSX, up to ~10,000 rows) with a dry run."""

    resource_classes = [DeviceBatchResource]
    import_formats = [CSV, XLSX]
    tmp_storage_class = EncryptedTempStorage
    # One IMPORTED audit event per batch instead of an admin log entry per device.
    skip_admin_log = True
    import_error_display = ("message",)
    import_export_change_list_template = "activation/reports/admin/change_list_import_export.html"

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        name = os.path.basename(request.POST.get("import_file_name", ""))
        if request.method == "POST" and not EncryptedTempStorage.is_available(name):
            return HttpResponseBadRequest(
                "This upload is no longer available (or was never made): upload the file again."
            )
        return super().process_import(request, **kwargs)
