"""HTTP helpers for every view, knowing no models: the client's address and the one
"briefly unavailable" answer (503) that pages give when a service they need is down.

``portal.middleware.ServiceUnavailableMiddleware`` answers with ``service_unavailable``
whenever a view raises ``ratelimit.LimiterUnavailable`` (the rate-limit store is down),
so views never catch it themselves. The JSON API answers in JSON (``api.api_view``).
"""

import ipaddress

from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The client's address, taking X-Forwarded-For only from trusted proxies.

    With ``TRUSTED_PROXY_COUNT`` = N, the N proxies in front of the app each append the
    address they saw, so the client is the N-th entry from the right; anything further
    left was written by the client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            item.strip()
            for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if item.strip()
        ]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    for candidate in (remote, request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def service_unavailable(request, retry_after: int):
    """templates/503.html with ``Retry-After``: nothing was done, try again shortly."""
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(retry_after)
    return response
