"""The project's own endpoints for operators: liveness (``/healthz``) and readiness
(``/readyz``) for load balancers and orchestrators. ``/metrics`` is ``metrics.py``."""

import logging

from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from activation import ratelimit

logger = logging.getLogger(__name__)


@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def _check(work) -> str:
    try:
        work()
    except Exception:
        logger.warning("readiness check failed", exc_info=True, extra={"event": "not_ready"})
        return "unavailable"
    return "ok"


def _database_answers():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_answers():
    cache.set("readyz", "1", 10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not keep a value")


@require_safe
@never_cache
def readyz(request):
    """Ready for traffic: the database, the cache and the rate-limit store answer.

    /healthz says the process is alive (always 200); this says whether to send it
    traffic: 503 with the failing check named, never the error's text.
    """
    checks = {
        "database": _check(_database_answers),
        "cache": _check(_cache_answers),
        "ratelimit": _check(ratelimit.ensure_available),
    }
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
