"""The device JSON API (``/api/v1/``): what phones call, described by ``openapi.py``.

JSON in and out, no session and no CSRF cookie; every response body is signed
(``signing.py``). Failures other than bad input are one ``403 invalid_code`` whatever
the reason, so the API never tells which codes exist; the real reason is recorded.
"""

import json
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import activation, openapi, ratelimit, signing
from .http import client_ip
from .models import validate_imei

MAX_BODY = 1024
INVALID_CODE_MESSAGE = (
    "This activation code can't be used on this phone. Check it, or contact support for a new one."
)
UNAVAILABLE_MESSAGE = "Activation is briefly unavailable. Try again in a minute."


def _json(data, status=200, **headers):
    response = JsonResponse(data, status=status, json_dumps_params={"separators": (",", ":")})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(error, status=400, **extra):
    return _json({"error": error, **extra}, status=status)


def _rate_limited(retry_after):
    return _json(
        {"error": "rate_limited", "retry_after": retry_after},
        status=429,
        Retry_After=str(retry_after),
    )


def _unavailable(error):
    """The limits cannot be checked (Redis down): refuse rather than go without them."""
    return _json(
        {"error": "unavailable", "message": UNAVAILABLE_MESSAGE, "retry_after": error.retry_after},
        status=503,
        Retry_After=str(error.retry_after),
    )


def api_view(*methods):
    """JSON only, no session, no CSRF: sign the body, answer 405 to other methods and
    503 when the rate limits cannot be checked."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                try:
                    response = view(request, *args, **kwargs)
                except ratelimit.LimiterUnavailable as error:
                    response = _unavailable(error)
            else:
                response = _json({"error": "method_not_allowed"}, 405, Allow=", ".join(methods))
            session = getattr(request, "session", None)
            if session is not None and not session.modified:
                # Middleware only peeked at the (absent) session to find the user; the
                # answer does not depend on cookies, so no "Vary: Cookie" for caches.
                session.accessed = False
            response[signing.HEADER] = signing.sign(response.content)
            return response

        return wrapper

    return decorate


def _read(request, fields):
    """The JSON object with string ``fields`` and a valid IMEI, or None."""
    if request.content_type != "application/json":
        return None
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    if any(not isinstance(data.get(name), str) for name in fields):
        return None
    if "nonce" in data and not (isinstance(data["nonce"], str) and len(data["nonce"]) <= 64):
        return None
    try:
        validate_imei(data["imei"])
    except ValidationError:
        return None
    return data


@api_view("POST")
def activations(request):
    ip = client_ip(request)
    counted = activation.limit_client(ip)
    if not counted.allowed:
        return _rate_limited(counted.retry_after)
    data = _read(request, ("imei", "code"))
    if data is None:
        return _error("invalid_request")
    echo = {"nonce": data["nonce"]} if "nonce" in data else {}
    outcome = activation.activate(data["imei"], data["code"], ip=ip)
    if outcome.status == "activated":
        return _json(
            {
                "status": "activated",
                "imei": data["imei"],
                "reactivation": outcome.reactivated,
                "activated_at": outcome.activated_at.isoformat(),
                **echo,
            }
        )
    if outcome.status == "malformed":
        extra = {"position": outcome.position} if outcome.position else {}
        return _error("malformed_code", message=outcome.message, **extra, **echo)
    if outcome.status == "rate_limited":
        return _rate_limited(outcome.retry_after)
    return _error("invalid_code", status=403, message=INVALID_CODE_MESSAGE, **echo)


@api_view("POST")
def deferrals(request):
    """Skip. An unknown IMEI also gets 204: the API never tells which phones exist."""
    counted = activation.limit_client(client_ip(request))
    if not counted.allowed:
        return _rate_limited(counted.retry_after)
    data = _read(request, ("imei",))
    if data is None:
        return _error("invalid_request")
    activation.defer(data["imei"])
    return HttpResponse(status=204)


@api_view("GET", "HEAD")
def keys(request):
    return _json({"keys": signing.public_keys()})


@api_view("GET", "HEAD")
def openapi_document(request):
    return _json(openapi.document())
