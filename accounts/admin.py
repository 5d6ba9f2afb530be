"""Users in the admin, keyed on e-mail; the admin's sign-in and allauth's own admins.

The admin signs in through allauth (rate limits, two-factor authentication) instead of
Django's bare login form. allauth's MFA and session admins are replaced by versions that
never show a TOTP secret, a recovery seed or a session key.
"""

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.privacy import delete_account, may_erase_for_others
from activation.admin.common import error_text
from activation.models import DomainError

from .models import User

admin.site.login = secure_admin_login(admin.site.login)


class EraseActionForm(ActionForm):
    """The users' action bar, with the tick box "Delete personal data" asks for."""

    confirm_erase = forms.BooleanField(label=_("Confirm erasure"), required=False)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    action_form = EraseActionForm
    actions = ["delete_personal_data"]

    def has_delete_permission(self, request, obj=None):
        # A hard delete would orphan the audit trail: "Delete personal data" erases
        # instead. Superusers keep it for test accounts.
        return request.user.is_superuser

    def has_erase_permission(self, request):
        return may_erase_for_others(request.user)

    @admin.action(description=_("Delete personal data"), permissions=["erase"])
    def delete_personal_data(self, request, queryset):
        """Erase callers' accounts as they could themselves (accounts.privacy), with
        the agent as the audited actor. Staff accounts are refused."""
        if not request.POST.get("confirm_erase"):
            self.message_user(
                request,
                _("Tick “Confirm erasure” beside the action to delete personal data."),
                messages.WARNING,
            )
            return
        done = 0
        for user in queryset:
            try:
                delete_account(user, by=request.user)
            except DomainError as error:
                self.message_user(request, f"{user}: {error_text(error)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "Deleted the personal data of %(count)d account.",
                    "Deleted the personal data of %(count)d accounts.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )


for model in (Authenticator, UserSession):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Who has which second factor. Deleting one resets a lost authenticator; the
    secret itself (``data``) is never shown."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Signed-in sessions, without their keys; deleting one signs that session out."""

    list_display = ["user", "ip", "user_agent", "created_at", "last_seen_at"]
    search_fields = ["user__email", "=ip"]
    list_select_related = ["user"]
    fields = ["user", "ip", "user_agent", "created_at", "last_seen_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        obj.end()

    def delete_queryset(self, request, queryset):
        for session in queryset:
            session.end()
