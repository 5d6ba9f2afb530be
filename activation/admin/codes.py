"""Activation codes: metadata and the last five symbols only; suspend, reinstate and
revoke with a reason; reveal (its own permission, a reason, audited).

Every change is an admin action (on the list and on a code's page) with a reason field
beside the action select, so no change needs more than one form.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import codes as code_format
from .. import resources
from ..admin_exports import StreamingExportMixin
from ..code_pages import ShownCode, secret_response
from ..codes import CodeUnavailable
from ..http import client_ip
from ..models import ActivationCode, DomainError
from .common import ReadOnlyAdmin, ReasonActionForm, act_on_each, posted_reason, refuse

BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


def reveal_code(code, by, reason, ip=None) -> str:
    """The plaintext for an agent allowed to see it; the model checks and audits."""
    return code.reveal(by, ip=ip, reason=reason or "")


def change_status(code, action, by, reason):
    reason = (reason or "").strip()
    if action == "suspend":
        code.suspend(reason, by=by)
    elif action == "reinstate":
        code.reinstate(by, reason=reason)
    elif action == "revoke":
        code.revoke(by, reason=reason)


DONE = {"suspend": _("suspended"), "reinstate": _("reinstated"), "revoke": _("revoked")}


@admin.register(ActivationCode)
class ActivationCodeAdmin(StreamingExportMixin, ReadOnlyAdmin):
    report_resource_class = resources.ActivationCodeResource
    list_display = [
        "masked",
        "device",
        "origin",
        "status",
        "issued_at",
        "use_count",
        "misuse_count",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=device__imei", "=hint"]
    list_select_related = ["device"]
    fields = [
        "masked",
        "device",
        "origin",
        "status",
        "status_reason",
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
    action_form = ReasonActionForm
    actions = ["suspend_codes", "reinstate_codes", "revoke_codes", "reveal"]

    @admin.display(description=_("kind"), ordering="kind")
    def origin(self, obj):
        return obj.get_origin_display()

    def has_issue_permission(self, request):
        return request.user.has_perm("activation.issue_code")

    def has_reveal_permission(self, request):
        return request.user.has_perm("activation.reveal_code")

    def _change_all(self, request, queryset, action):
        reason = posted_reason(request)
        done = act_on_each(
            self, request, queryset, lambda code: change_status(code, action, request.user, reason)
        )
        if done:
            self.message_user(
                request,
                _("%(count)d code(s) %(done)s.") % {"count": done, "done": DONE[action]},
                messages.SUCCESS,
            )

    @admin.action(description=_("Suspend"), permissions=["issue"], location=BOTH)
    def suspend_codes(self, request, queryset):
        self._change_all(request, queryset, "suspend")

    @admin.action(description=_("Reinstate (if suspended)"), permissions=["issue"], location=BOTH)
    def reinstate_codes(self, request, queryset):
        self._change_all(request, queryset, "reinstate")

    @admin.action(description=_("Revoke (reason required)"), permissions=["issue"], location=BOTH)
    def revoke_codes(self, request, queryset):
        self._change_all(request, queryset, "revoke")

    @admin.action(
        description=_("Reveal the code (reason required, audited)"),
        permissions=["reveal"],
        location=BOTH,
    )
    def reveal(self, request, queryset):
        codes = list(queryset.select_related("device")[:2])
        if len(codes) != 1:
            self.message_user(request, _("Reveal one code at a time."), messages.ERROR)
            return None
        code = codes[0]
        reason = posted_reason(request)
        try:
            plaintext = reveal_code(code, request.user, reason, ip=client_ip(request))
        except DomainError as error:
            refuse(self, request, error)
            return None
        except CodeUnavailable:
            self.message_user(
                request, _("This code cannot be read back (its key is gone)."), messages.ERROR
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revealed code …%(hint)s") % {"hint": code.hint},
            "device": code.device,
            "plaintext": ShownCode(code_format.display(plaintext)),
            "note": _("This reveal is in the audit log with your reason."),
            "back_url": reverse("admin:activation_activationcode_change", args=[code.pk]),
        }
        page = TemplateResponse(request, "admin/activation/show_code.html", context)
        return secret_response(page)
