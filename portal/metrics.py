"""``/metrics`` in the Prometheus text format (version 0.0.4), for an allow-listed scraper.

Two kinds of numbers:

- Request counts and latency histograms by view, recorded by
  ``portal.middleware.MetricsMiddleware`` through ``prometheus_client``. Under gunicorn
  with ``portal/gunicorn.conf.py``, ``PROMETHEUS_MULTIPROC_DIR`` is set before any
  worker starts, so every worker writes its counts to a file there and every scrape,
  whichever worker answers it, sums the files of all workers of that server, including
  workers that have since been restarted (``--max-requests``). Without the variable
  (runserver, tests) the counts are this process's own.
- Domain numbers read from the database at scrape time, the same whichever server
  answers: activation attempts and rate-limit refusals in the last hour by result,
  open requests by status, the age of the oldest open request, and report exports and
  device imports (counted from the append-only audit log, so they only grow).

Anybody whose address (``activation.http.client_ip``, honouring TRUSTED_PROXY_COUNT)
is not in METRICS_ALLOWED_IPS gets a 404, as if there were nothing here.
"""

import ipaddress
import os
from datetime import timedelta

import prometheus_client
from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from activation.http import client_ip
from activation.models import ActivationAttempt, AuditEvent, Ticket

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_PLAIN_0_0_4
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# prometheus_client picks its storage when it is first imported: shared files when this
# variable names a directory (gunicorn.conf.py sets it), else this process's memory.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# A "_created" timestamp per series only doubles the output: Prometheus does not need it.
prometheus_client.disable_created_metrics()

# Not registered anywhere: each scrape builds its registry (see _registry()).
REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by view, method and status.",
    ["view", "method", "status"],
    registry=None,
)
RATE_LIMITED = Counter(
    "portal_http_rate_limited",
    "Requests refused with 429 (a rate limit), by view.",
    ["view"],
    registry=None,
)
DURATION = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=BUCKETS,
    registry=None,
)


def observe(view: str, method: str, status: int, seconds: float):
    """Count one answered request (``view`` is a URL name or a fixed label)."""
    method = method if method in METHODS else "other"
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    if status == 429:
        RATE_LIMITED.labels(view=view).inc()
    DURATION.labels(view=view).observe(seconds)


def _grouped(queryset, field) -> dict:
    rows = queryset.order_by().values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


class DatabaseCollector:
    """The domain numbers, queried at each scrape."""

    def collect(self):
        now = timezone.now()
        recent = ActivationAttempt.objects.filter(created_at__gte=now - timedelta(hours=1))
        attempts = GaugeMetricFamily(
            "portal_activation_attempts_last_hour",
            "Activation attempts (API and simulator) in the last hour, by result.",
            labels=["result"],
        )
        by_result = dict.fromkeys(ActivationAttempt.Result.values, 0)
        by_result.update(_grouped(recent, "result"))
        for result, n in sorted(by_result.items()):
            attempts.add_metric([result], n)
        yield attempts

        limit_hits = GaugeMetricFamily(
            "portal_activation_rate_limit_hits_last_hour",
            "Activation attempts refused by a rate limit in the last hour, by limit "
            "(ip_limit records the first refusal per client and window).",
            labels=["limit"],
        )
        limited = dict.fromkeys(["imei_limit", "ip_limit"], 0)
        limited.update(
            _grouped(recent.filter(result=ActivationAttempt.Result.RATE_LIMITED), "reason")
        )
        for reason, n in sorted(limited.items()):
            limit_hits.add_metric([reason], n)
        yield limit_hits

        open_tickets = Ticket.objects.open()
        open_requests = GaugeMetricFamily(
            "portal_open_requests", "Open support requests, by status.", labels=["status"]
        )
        by_status = dict.fromkeys(Ticket.OPEN_STATUSES, 0)
        by_status.update(_grouped(open_tickets, "status"))
        for status, n in by_status.items():
            open_requests.add_metric([status], n)
        yield open_requests

        oldest = open_tickets.aggregate(oldest=Min("created_at"))["oldest"]
        yield GaugeMetricFamily(
            "portal_oldest_open_request_age_seconds",
            "Age of the oldest open support request (0 when none is open).",
            value=max(0, int((now - oldest).total_seconds())) if oldest else 0,
        )

        actions = {AuditEvent.Action.EXPORTED: 0, AuditEvent.Action.IMPORTED: 0}
        actions.update(_grouped(AuditEvent.objects.filter(action__in=list(actions)), "action"))
        yield CounterMetricFamily(
            "portal_report_exports",
            "Report exports ever made (audit log).",
            value=actions[AuditEvent.Action.EXPORTED],
        )
        yield CounterMetricFamily(
            "portal_device_imports",
            "Device batch imports ever made (audit log).",
            value=actions[AuditEvent.Action.IMPORTED],
        )


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if MULTIPROCESS:
        # Reads every worker's file in the directory, live or since restarted.
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (REQUESTS, RATE_LIMITED, DURATION):
            registry.register(metric)
    registry.register(DatabaseCollector())
    return registry


def is_allowed(ip: str | None) -> bool:
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@never_cache
def metrics_view(request):
    if not is_allowed(client_ip(request)):
        raise Http404  # before anything else, so nobody else learns the page exists
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    text = prometheus_client.generate_latest(_registry())
    return HttpResponse(text, content_type=CONTENT_TYPE)
