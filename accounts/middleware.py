"""Staff use the portal only with two-factor authentication set up.

A signed-in staff member without a TOTP authenticator may open only the pages needed
to set one up (which also makes their recovery codes) and to sign out; every other
page sends them to allauth's TOTP activation page. One rule for the whole URLconf
rather than a list of staff areas, so a new staff page (the admin, /reports/, the
simulator, whatever comes next) cannot be left outside it.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# View names (as ``resolver_match.view_name``) a staff member without TOTP may open.
SETUP_AND_SIGN_OUT = frozenset(
    {
        "mfa_activate_totp",
        # Activating TOTP asks for the password again first.
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_logout",
        "admin:logout",
        # The language of the setup page itself.
        "set_language",
    }
)


class StaffMFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.resolver_match.view_name not in SETUP_AND_SIGN_OUT
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts need two-factor authentication. Set up an "
                    "authenticator app (and keep your recovery codes) to use the portal."
                ),
            )
            return redirect("mfa_activate_totp")
        return None
