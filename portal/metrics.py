"""``/metrics`` in the Prometheus text format (version 0.0.4), for an allow-listed scraper.

Two kinds of numbers:

- Request counts and latency histograms by view, collected in this process by
  ``portal.middleware.MetricsMiddleware``. They are not shared between processes:
  each app server (each gunicorn worker) exposes its own and they restart from zero
  with it; Prometheus sums them across targets (``sum by (view) (rate(...))``).
- Domain numbers read from the database at scrape time, the same whichever server
  answers: activation attempts and rate-limit refusals in the last hour by result,
  open requests by status, the age of the oldest open request, and report exports and
  device imports (counted from the append-only audit log, so they only grow).

Anybody whose address (``activation.api.client_ip``, honouring TRUSTED_PROXY_COUNT)
is not in METRICS_ALLOWED_IPS gets a 404, as if there were nothing here.
"""

import ipaddress
import threading
from bisect import bisect_left
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.cache import never_cache

from activation.api import client_ip
from activation.models import ActivationAttempt, AuditEvent, Ticket

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class Registry:
    """Request counters and latency histograms of this process (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.requests = {}  # (view, method, status) -> count
            self.latency = {}  # view -> [bucket counts..., +Inf count, sum]

    def observe(self, view, method, status, seconds):
        method = method if method in METHODS else "other"
        with self._lock:
            key = (view, method, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            row = self.latency.setdefault(view, [0] * (len(BUCKETS) + 1) + [0.0])
            row[bisect_left(BUCKETS, seconds)] += 1
            row[-1] += seconds

    def snapshot(self):
        with self._lock:
            return dict(self.requests), {view: list(row) for view, row in self.latency.items()}


registry = Registry()


def _escape(value) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}"


def _number(value) -> str:
    if isinstance(value, float):
        return repr(value) if value != int(value) else f"{value:.1f}"
    return str(value)


class Exposition:
    def __init__(self):
        self.lines = []

    def family(self, name, kind, help_text, samples):
        """``samples``: (labels dict, value) pairs; ``name`` gets suffixes from labels."""
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for suffix, labels, value in samples:
            self.lines.append(f"{name}{suffix}{_labels(**labels)} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _request_families(out):
    requests, latency = registry.snapshot()
    out.family(
        "portal_http_requests_total",
        "counter",
        "Requests answered by this process, by view, method and status.",
        [
            ("", {"view": view, "method": method, "status": status}, count)
            for (view, method, status), count in sorted(requests.items())
        ],
    )
    limited = {}
    for (view, _method, status), count in requests.items():
        if status == "429":
            limited[view] = limited.get(view, 0) + count
    out.family(
        "portal_http_rate_limited_total",
        "counter",
        "Requests this process refused with 429 (a rate limit), by view.",
        [("", {"view": view}, count) for view, count in sorted(limited.items())],
    )
    samples = []
    for view, row in sorted(latency.items()):
        cumulative = 0
        for bound, count in zip((*BUCKETS, "+Inf"), row[:-1], strict=True):
            cumulative += count
            samples.append(("_bucket", {"view": view, "le": _number(bound)}, cumulative))
        samples.append(("_sum", {"view": view}, float(row[-1])))
        samples.append(("_count", {"view": view}, cumulative))
    out.family(
        "portal_http_request_duration_seconds",
        "histogram",
        "Time to answer a request in this process, by view.",
        samples,
    )


def _grouped(queryset, field) -> dict:
    rows = queryset.order_by().values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


def _domain_families(out):
    now = timezone.now()
    recent = ActivationAttempt.objects.filter(created_at__gte=now - timedelta(hours=1))
    by_result = dict.fromkeys(ActivationAttempt.Result.values, 0)
    by_result.update(_grouped(recent, "result"))
    out.family(
        "portal_activation_attempts_last_hour",
        "gauge",
        "Activation attempts (API and simulator) in the last hour, by result.",
        [("", {"result": result}, n) for result, n in sorted(by_result.items())],
    )
    limited = dict.fromkeys(["imei_limit", "ip_limit"], 0)
    limited.update(_grouped(recent.filter(result=ActivationAttempt.Result.RATE_LIMITED), "reason"))
    out.family(
        "portal_activation_rate_limit_hits_last_hour",
        "gauge",
        "Activation attempts refused by a rate limit in the last hour, by limit "
        "(ip_limit records the first refusal per client and window).",
        [("", {"limit": reason}, n) for reason, n in sorted(limited.items())],
    )
    open_tickets = Ticket.objects.open()
    by_status = dict.fromkeys(Ticket.OPEN_STATUSES, 0)
    by_status.update(_grouped(open_tickets, "status"))
    out.family(
        "portal_open_requests",
        "gauge",
        "Open support requests, by status.",
        [("", {"status": status}, n) for status, n in by_status.items()],
    )
    oldest = open_tickets.aggregate(oldest=Min("created_at"))["oldest"]
    out.family(
        "portal_oldest_open_request_age_seconds",
        "gauge",
        "Age of the oldest open support request (0 when none is open).",
        [("", {}, max(0, int((now - oldest).total_seconds())) if oldest else 0)],
    )
    actions = {AuditEvent.Action.EXPORTED: 0, AuditEvent.Action.IMPORTED: 0}
    actions.update(_grouped(AuditEvent.objects.filter(action__in=list(actions)), "action"))
    out.family(
        "portal_report_exports_total",
        "counter",
        "Report exports ever made (audit log).",
        [("", {}, actions[AuditEvent.Action.EXPORTED])],
    )
    out.family(
        "portal_device_imports_total",
        "counter",
        "Device batch imports ever made (audit log).",
        [("", {}, actions[AuditEvent.Action.IMPORTED])],
    )


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
    out = Exposition()
    _request_families(out)
    _domain_families(out)
    return HttpResponse(out.text(), content_type=CONTENT_TYPE)
