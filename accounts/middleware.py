"""Staff open the admin only with two-factor authentication set up.

An authenticated staff member without a TOTP authenticator who asks for any admin or
reports page is sent to allauth's TOTP activation page (which also makes their
recovery codes).
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class StaffMFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith((reverse("admin:index"), "/reports/"))
            and request.path != reverse("admin:logout")
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts need two-factor authentication. Set up an "
                    "authenticator app (and keep your recovery codes) to open the admin."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
