"""The audit log: read-only for everyone, superusers included (the model refuses
changes too; the admin does not offer them)."""

from django.contrib import admin

from .. import resources
from ..admin_exports import StreamingExportMixin
from ..models import AuditEvent
from .common import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(StreamingExportMixin, ReadOnlyAdmin):
    report_resource_class = resources.AuditEventResource
    list_display = ["created_at", "action", "actor_label", "code", "device", "ticket", "data"]
    list_filter = ["action"]
    search_fields = ["=ticket__reference", "=device__imei", "=actor__email"]
    list_select_related = ["code", "device", "ticket"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "action",
        "actor",
        "actor_label",
        "code",
        "device",
        "ticket",
        "ip",
        "data",
    ]
    readonly_fields = fields
