"""The phone simulator (``/simulator/``): the article's phone screens over the real API logic.

A server-rendered form, no JavaScript needed: pick a phone by IMEI, then the phone's
"Activation failed" and "ACTIVATE WINDOWS PHONE" (or "... LIVE" on 7.x) screens. Its
Activate and Skip buttons call the same functions as the device API
(``activation.activate``/``defer``, rate limits included) and show each outcome in the
phone's words. Only with DJANGO_DEBUG on or for staff; everyone else gets a 404.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from . import activation, codes, possession
from .http import client_ip
from .models import Device, SupportContact, normalise_imei, validate_imei

US_SUPPORT = "(800) MICROSOFT (642-7676)"
US_SUPPORT_TEL = "+18006427676"
SCREENS = {"failed", "activate", "call"}


def _phone(raw):
    imei = normalise_imei(raw)
    try:
        validate_imei(imei)
    except ValidationError as error:
        return None, error.messages[0]
    device = Device.objects.filter(imei=imei).first()
    if device is None:
        return None, _("No phone with this IMEI is registered in the portal.")
    return device, ""


def _wait(seconds):
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Too many tries. Wait %(n)d minute, then try again.",
        "Too many tries. Wait %(n)d minutes, then try again.",
        minutes,
    ) % {"n": minutes}


def _outcome_words(device, outcome):
    """(screen, message) for an activation outcome, as the phone would say it."""
    if outcome.ok:
        return "activated", ""
    if outcome.status == "malformed":
        return "activate", outcome.message
    if outcome.status == "rate_limited":
        return "activate", _wait(outcome.retry_after)
    return "activate", _(
        "That activation code didn't work. Check it and try again, or call support to get "
        "a new code for this phone."
    )


@require_http_methods(["GET", "HEAD", "POST"])
def simulator(request):
    if not (settings.DEBUG or request.user.is_staff):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    context = {
        "support_number": US_SUPPORT,
        "support_tel": US_SUPPORT_TEL,
        "examples": Device.objects.order_by("imei")[:6] if settings.DEBUG else [],
    }
    if not source.get("imei"):
        return render(request, "activation/simulator.html", {**context, "screen": "pick"})
    device, problem = _phone(source["imei"])
    if device is None:
        return render(
            request,
            "activation/simulator.html",
            {**context, "screen": "pick", "pick_error": problem, "imei": source["imei"]},
        )
    screen = source.get("screen") if source.get("screen") in SCREENS else "failed"
    error = ""
    if request.method == "POST":
        ip = client_ip(request)
        counted = activation.limit_client(ip, device.imei)
        if not counted.allowed:
            screen, error = "activate", _wait(counted.retry_after)
        elif source.get("action") == "skip":
            activation.defer(device.imei)
            screen = "skipped"
        else:
            outcome = activation.activate(device.imei, source.get("code", ""), ip=ip)
            screen, error = _outcome_words(device, outcome)
        device.refresh_from_db()
    if screen == "call":
        context["contacts"] = SupportContact.objects.all()[:10]
    try:
        request_code = possession.request_code_for(device) if screen != "activated" else ""
    except codes.CodeUnavailable:
        request_code = ""  # a damaged stored code: the phone can only call support
    return render(
        request,
        "activation/simulator.html",
        {
            **context,
            "screen": screen,
            "device": device,
            "error": error,
            "request_code": request_code,
        },
    )
