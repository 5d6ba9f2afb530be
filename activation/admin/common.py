"""Pieces every desk admin uses: read-only admins, refused changes as words, reasons."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

# Words for refusals whose model message is only the machine-readable code.
ERROR_MESSAGES = {
    "permission_denied": _("You do not have permission to do that."),
    "reason_required": _("Give a reason."),
    "contains_code": _("Messages never carry activation codes: remove it."),
}


def error_text(error) -> str:
    """What to tell the agent about a refused change (a ``DomainError``)."""
    text = str(error)
    if text and text != error.code:
        return text
    fallback = _("This change was refused (%(code)s).") % {"code": error.code}
    return str(ERROR_MESSAGES.get(error.code, fallback))


def refuse(model_admin, request, error):
    model_admin.message_user(request, error_text(error), messages.ERROR)


def secret_response(response):
    """A response carrying a code: never cached, never kept by the browser."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def posted_reason(request) -> str:
    """The action bar's reason, from the list (no prefix) or a change page (prefixed)."""
    return request.POST.get("reason") or request.POST.get(
        f"{admin.ActionLocation.CHANGE_FORM.value}-reason", ""
    )


class ReasonActionForm(ActionForm):
    """The changelist's action bar with a reason beside the action select."""

    reason = forms.CharField(
        label=_("Reason:"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 30}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody adds, changes or deletes here (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
