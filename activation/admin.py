"""The agent desk in the Django admin. Secret columns are never shown."""

from django.contrib import admin

from .models import (
    ActivationAttempt,
    ActivationCode,
    AuditEvent,
    Device,
    HelpEntry,
    SupportContact,
    Ticket,
    TicketMessage,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["imei", "model_name", "os_version", "owner", "activation_state", "created_at"]
    list_filter = ["activation_state", "os_version"]
    search_fields = ["=imei", "=serial", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["public_id", "activated_at", "created_at", "updated_at"]


@admin.register(ActivationCode)
class ActivationCodeAdmin(ReadOnlyAdmin):
    list_display = ["masked", "device", "kind", "status", "issued_at", "use_count"]
    list_filter = ["status", "kind"]
    search_fields = ["=device__imei", "=hint"]
    list_select_related = ["device"]
    fields = [
        "masked",
        "device",
        "kind",
        "status",
        "status_reason",
        "key_version",
        "issued_by",
        "ticket",
        "issued_at",
        "status_changed_at",
        "use_count",
        "reactivation_count",
        "misuse_count",
        "first_used_at",
        "last_used_at",
    ]
    readonly_fields = fields


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    fields = ["kind", "body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "status",
        "channel",
        "priority",
        "customer",
        "device",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "channel", "priority"]
    search_fields = ["=reference", "=device__imei", "customer__email"]
    list_select_related = ["customer", "device", "assignee"]
    raw_id_fields = ["customer", "device", "assignee"]
    readonly_fields = ["reference", "created_at", "updated_at", "first_code_at", "resolved_at"]
    inlines = [TicketMessageInline]


@admin.register(ActivationAttempt)
class ActivationAttemptAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "imei", "result", "reason", "ip"]
    list_filter = ["result", "reason"]
    search_fields = ["=imei"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_label", "device", "ticket"]
    list_filter = ["action"]
    list_select_related = ["device", "ticket"]


@admin.register(HelpEntry)
class HelpEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "language", "revision", "last_reviewed", "is_published"]
    list_filter = ["language", "section", "is_published"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(SupportContact)
class SupportContactAdmin(admin.ModelAdmin):
    list_display = ["country", "country_code", "phone", "hours", "position"]
    list_editable = ["position"]
    search_fields = ["country", "country_code"]
