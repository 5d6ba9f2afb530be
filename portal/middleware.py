"""Per-request plumbing for operations: a request id on every log line and response,
one access log line per request, and the request metrics (portal/metrics.py).

``RequestIdMiddleware`` goes first in MIDDLEWARE, so even a redirect to HTTPS carries
an id. An incoming ``X-Request-ID`` (set by a proxy or load balancer) is kept only if it
is a short token of letters, digits, ``.``, ``_`` and ``-`` that does not look like an
activation code; anything else is replaced by a fresh random id, so clients cannot
inject text into logs.
"""

import logging
import re
import secrets
import socket
import time

from django.conf import settings
from django.http import HttpResponse

from activation import ratelimit
from activation.codes import CODE_LIKE_RE
from activation.http import service_unavailable

from . import metrics
from .logging import current_request, current_request_id

logger = logging.getLogger(__name__)

HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")

access_log = logging.getLogger("portal.request")


def request_id_from(header: str) -> str:
    if SAFE_REQUEST_ID.fullmatch(header or "") and not CODE_LIKE_RE.search(header):
        return header
    return secrets.token_hex(16)


def view_name(request) -> str:
    """The URL name of the view that answered, or a fixed label (bounded cardinality)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(STATIC_PREFIX) else "unmatched"
    return match.view_name or match._func_path


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER, ""))
        request.request_id = request_id
        id_token = current_request_id.set(request_id)
        request_token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            duration = time.perf_counter() - started
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "view": view_name(request),
                },
            )
            return response
        finally:
            current_request.reset(request_token)
            current_request_id.reset(id_token)


# Seconds a request body may go without a byte arriving (nginx's client_body_timeout
# works the same way, per read). Behind the proxy, which buffers bodies (docs/deploy.md),
# a body arrives at once; this bounds a client that reaches gunicorn directly.
BODY_STALL_TIMEOUT = 10


class BodyTimeoutMiddleware:
    """A client that stops sending its request body is dropped after BODY_STALL_TIMEOUT.

    gunicorn's threaded worker waits for a body with no time limit, and its --timeout
    only watches the worker's main loop: 17 connections that declared a body and never
    sent it held every thread, and /healthz went unanswered. gunicorn hands the client's
    socket to the application (``gunicorn.socket``); a timeout on it makes a stalled
    read fail, and the request is answered 408. Nothing more is read from that client
    (gunicorn would otherwise wait up to 5 s more for the rest of the body), so the
    connection closes once the answer is sent.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client = request.META.get("gunicorn.socket")
        if client is not None:
            client.settimeout(BODY_STALL_TIMEOUT)
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Django reports a failed read as UnreadablePostError from the socket's error.
        if not isinstance(exception, TimeoutError) and not isinstance(
            exception.__cause__, TimeoutError
        ):
            return None
        logger.warning("Request body stalled for %s s in %s", BODY_STALL_TIMEOUT, request.path)
        client = request.META.get("gunicorn.socket")
        if client is not None:
            client.shutdown(socket.SHUT_RD)
        return HttpResponse(status=408)


class MetricsMiddleware:
    """Counts requests by view, method and status, and their latency."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        metrics.observe(view_name(request), request.method, response.status_code, elapsed)
        return response


class ServiceUnavailableMiddleware:
    """A page that cannot be served right now answers 503 "try again shortly", never a
    500, and nothing is skipped:

    - the shared cache is unreachable while a view needs it (allauth's sign-in rate
      limits, say): the operator sees the cause in the log;
    - the portal's own rate limits cannot be checked (``ratelimit.LimiterUnavailable``,
      the counters' store is down): the page refuses rather than work without its limit
      (views raise it and never catch it; the JSON API answers in JSON itself).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        if isinstance(exception, ratelimit.LimiterUnavailable):
            return service_unavailable(request, exception.retry_after)
        if not isinstance(exception, RedisConnectionError | RedisTimeoutError):
            return None
        logger.error("Shared cache unreachable in %s: %s", view_name(request), exception)
        return service_unavailable(request, 30)
