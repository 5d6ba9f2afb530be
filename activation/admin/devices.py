"""Phones and their activation attempts: find a phone by IMEI or serial, see what it
tried and which codes it had, lock a stolen phone (with a reason) and unlock it, give
it another owner (with a reason, through ``Device.transfer_to``, audited)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import resources
from ..admin_exports import DeviceImportMixin, StreamingExportMixin
from ..models import ActivationAttempt, Device, DomainError
from .common import (
    ERROR_MESSAGES,
    LargeTableAdmin,
    ReadOnlyAdmin,
    ReasonActionForm,
    act_on_each,
    posted_reason,
    refuse,
)

RECENT_ROWS = 10


def html_table(headers, rows) -> str:
    """A small read-only table for a change page; every cell is escaped."""
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def attempts_table(device) -> str:
    """The phone's latest activation attempts, newest first."""
    attempts = list(device.attempts.select_related("code").order_by("-created_at")[:RECENT_ROWS])
    if not attempts:
        return _("No activation attempts yet.")
    return html_table(
        [_("When"), _("Result"), _("Reason"), _("Code")],
        (
            (
                f"{a.created_at:%Y-%m-%d %H:%M}",
                a.get_result_display(),
                a.reason or "—",
                a.code.masked if a.code else "—",
            )
            for a in attempts
        ),
    )


def codes_table(device) -> str:
    """Every code the phone had, told apart by their last five symbols."""
    codes = list(device.codes.select_related("issued_by").order_by("-issued_at")[:RECENT_ROWS])
    if not codes:
        return _("No codes.")
    return html_table(
        [_("Code"), _("Kind"), _("Status"), _("Issued"), _("By")],
        (
            (
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:activation_activationcode_change", args=[c.pk]),
                    c.masked,
                ),
                c.get_origin_display(),
                c.get_status_display(),
                f"{c.issued_at:%Y-%m-%d %H:%M}",
                c.issued_by.email if c.issued_by else "—",
            )
            for c in codes
        ),
    )


class DeviceAdminForm(forms.ModelForm):
    transfer_reason = forms.CharField(
        label=_("Why the owner changes"),
        required=False,
        max_length=200,
        help_text=_("Needed when you change the owner (e.g. the ownership review it settles)."),
    )

    class Meta:
        model = Device
        fields = ["imei", "serial", "model_name", "os_version", "batch", "owner"]

    def clean(self):
        data = super().clean()
        moving = self.instance.pk and "owner" in self.changed_data
        if moving and not data.get("transfer_reason", "").strip():
            self.add_error("transfer_reason", ERROR_MESSAGES["reason_required:transfer"])
        return data


@admin.register(Device)
class DeviceAdmin(DeviceImportMixin, StreamingExportMixin, LargeTableAdmin):
    report_resource_class = resources.DeviceResource
    list_display = [
        "imei",
        "serial",
        "model_name",
        "os_version",
        "owner",
        "activation_state",
        "locked",
        "created_at",
    ]
    list_filter = ["activation_state", "os_version"]
    search_fields = ["imei__exact", "=serial", "=owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    form = DeviceAdminForm
    fields = [
        "imei",
        "serial",
        "model_name",
        "os_version",
        "batch",
        "owner",
        "transfer_reason",
        "activation_state",
        "activated_at",
        "locked_at",
        "public_id",
        "created_at",
        "updated_at",
        "recent_attempts",
        "codes",
    ]
    readonly_fields = [
        "activation_state",
        "activated_at",
        "locked_at",
        "public_id",
        "created_at",
        "updated_at",
        "recent_attempts",
        "codes",
    ]
    action_form = ReasonActionForm
    actions = ["lock", "unlock"]
    change_form_template = "admin/activation/device/change_form.html"

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "transfer_reason"]

    def get_readonly_fields(self, request, obj=None):
        # A phone's IMEI is its identity: it comes from manufacturing and never changes.
        if obj is not None:
            return ["imei", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not (change and "owner" in form.changed_data):
            return super().save_model(request, obj, form, change)
        # The owner changes only through the model's audited method; the other fields
        # on the form are saved with it, all or nothing.
        others = [name for name in form.changed_data if name not in ("owner", "transfer_reason")]
        with transaction.atomic():
            if others:
                obj.save(update_fields=[*others, "updated_at"])
            obj.transfer_to(
                form.cleaned_data["owner"],
                by=request.user,
                reason=form.cleaned_data["transfer_reason"],
            )
        return None

    @admin.display(boolean=True, description=_("locked"))
    def locked(self, obj):
        return obj.locked_at is not None

    @admin.display(description=_("recent activation attempts"))
    def recent_attempts(self, obj):
        return attempts_table(obj) if obj.pk else "—"

    @admin.display(description=_("codes"))
    def codes(self, obj):
        return codes_table(obj) if obj.pk else "—"

    @admin.action(description=_("Lock selected phones: stolen (reason required)"))
    def lock(self, request, queryset):
        reason = posted_reason(request)
        done = act_on_each(
            self,
            request,
            queryset.filter(locked_at__isnull=True),
            lambda device: device.lock(by=request.user, reason=reason),
        )
        if done:
            self.message_user(request, _("%(count)d phone(s) locked.") % {"count": done})

    @admin.action(description=_("Unlock selected phones"))
    def unlock(self, request, queryset):
        done = act_on_each(
            self,
            request,
            queryset.filter(locked_at__isnull=False),
            lambda device: device.unlock(by=request.user),
        )
        self.message_user(request, _("%(count)d phone(s) unlocked.") % {"count": done})

    def get_urls(self):
        return [
            path(
                "<path:object_id>/unlock/",
                self.admin_site.admin_view(self.unlock_view),
                name="activation_device_unlock",
            ),
            *super().get_urls(),
        ]

    def unlock_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        device = self.get_object(request, unquote(object_id))
        if device is None or not self.has_view_permission(request, device):
            raise Http404
        try:
            device.unlock(by=request.user)
        except DomainError as error:
            refuse(self, request, error)
        else:
            self.message_user(request, _("The phone is unlocked."), messages.SUCCESS)
        return redirect("admin:activation_device_change", device.pk)


@admin.register(ActivationAttempt)
class ActivationAttemptAdmin(StreamingExportMixin, LargeTableAdmin, ReadOnlyAdmin):
    report_resource_class = resources.ActivationAttemptResource
    list_display = ["created_at", "imei", "result", "reason", "code_hint", "ip"]
    list_filter = ["result", "reason"]
    search_fields = ["imei__exact"]
    list_select_related = ["code"]
    fields = ["created_at", "imei", "device", "code_hint", "result", "reason", "ip"]
    readonly_fields = fields

    @admin.display(description=_("code"))
    def code_hint(self, obj):
        return obj.code.masked if obj.code_id else "—"
