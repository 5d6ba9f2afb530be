"""The customer's account pages: ``/account/`` and, for their personal data, the download
(``account/data/``) and the deletion (``account/delete/``). Sign-in, sign-up, e-mail,
password and second factor are allauth's (``/accounts/``). The work is in
``accounts/privacy.py``; the URLs are all in ``accounts/urls.py``.
"""

import json
import logging

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from activation.models import DomainError
from activation.views import words_for

from . import privacy

logger = logging.getLogger(__name__)


@require_safe
@login_required
def account(request):
    return render(request, "activation/account.html")


@require_safe
@login_required
@never_cache
def account_data(request):
    """The account's data as a JSON file. Not an audit event: it is the customer's own
    data, already shown on their pages; the request is logged (user id, request id)."""
    data = privacy.export_data(request.user)
    logger.info("personal data downloaded", extra={"event": "personal_data_downloaded"})
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    day = data["generated_at"][:10]
    response["Content-Disposition"] = f'attachment; filename="activation-support-data-{day}.json"'
    return response


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my account, my phones' codes and my requests will be deleted "
            "and that this cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def account_delete(request):
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _delete_account(request, form)
    status = 400 if form.errors else 200
    return render(request, "activation/account_delete.html", {"form": form}, status=status)


@reauthentication_required
@never_cache
def _delete_account(request, form):
    try:
        privacy.delete_account(request.user, by=request.user)
    except DomainError as error:
        words = {
            "staff_account": _("Staff accounts are closed by an administrator."),
        }.get(error.code) or words_for(error)
        form.add_error(None, words)
        return render(request, "activation/account_delete.html", {"form": form}, status=400)
    logout(request)
    messages.success(
        request,
        _("Your account was deleted. We sent a confirmation to your former e-mail address."),
    )
    return redirect("home")
