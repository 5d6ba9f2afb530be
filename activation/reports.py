"""The managers' dashboard (/reports/): charts drawn on the server as inline SVG.

Every chart is a small table of numbers (``Dataset``), computed with one aggregate
query, whatever the data size, so the page runs a constant number of queries. The same
table is the chart's accessible fallback (shown under it) and its CSV download. No
JavaScript and no style attributes (strict CSP): the SVG uses classes from
``static/css/reports.css``.
"""

import csv
import datetime as dt
import io
import statistics
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.db.models import Count, F, FloatField, Func, Q
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exports import neutralise
from .models import ActivationAttempt, ActivationCode, AuditEvent, Device, Ticket

MAX_DAYS = 366
DEFAULT_DAYS = 30


# Dates outside these are refused: near date.min or date.max the range's default start
# and the day after its end do not exist.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
_DATE_BOUNDS = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


class DateRangeForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=_DATE_BOUNDS,
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=_DATE_BOUNDS,
    )

    def clean(self):
        cleaned = super().clean()
        today = timezone.now().date()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if start > end:
            raise forms.ValidationError(
                _("The start date is after the end date: swap them or pick another range."),
                code="reversed",
            )
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("Pick a range of at most %(days)s days.") % {"days": MAX_DAYS},
                code="too_long",
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


@dataclass
class Dataset:
    """One chart's numbers: ``rows`` of ``headers``, and how to draw them."""

    slug: str
    title: str
    description: str
    headers: list
    rows: list
    kind: str = "bars"  # "bars" (by day, per series), "hbars" (by category), "line"
    unit: str = ""
    notes: list = field(default_factory=list)
    chart: dict = field(default_factory=dict)


def _bounds(start, end):
    first = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    return first, dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _days(start, end):
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def requests_per_day(start, end):
    low, high = _bounds(start, end)
    counts = (
        Ticket.objects.filter(
            kind=Ticket.Kind.CODE_REQUEST, created_at__gte=low, created_at__lt=high
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "channel")
        .annotate(n=Count("id"))
    )
    by_day = {(row["day"], row["channel"]): row["n"] for row in counts}
    channels = [choice.value for choice in Ticket.Channel]
    rows = [
        [day.isoformat(), *(by_day.get((day, c), 0) for c in channels)] for day in _days(start, end)
    ]
    return Dataset(
        "requests",
        _("Requests per day by channel"),
        _("New code requests each day, web and phone stacked."),
        ["day", *channels],
        rows,
        unit=_("requests"),
    )


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class Median(Func):
    # PostgreSQL's ordered-set aggregate; other databases get the median in Python.
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    contains_aggregate = True
    output_field = FloatField()


def median_time_to_code(start, end):
    low, high = _bounds(start, end)
    issued = Ticket.objects.filter(
        kind=Ticket.Kind.CODE_REQUEST, first_code_at__gte=low, first_code_at__lt=high
    ).annotate(day=TruncDate("first_code_at"))
    if connection.vendor == "postgresql":
        rows = issued.values("day").annotate(
            median=Median(EpochSeconds(F("first_code_at") - F("created_at"))), n=Count("id")
        )
        by_day = {row["day"]: (row["median"], row["n"]) for row in rows}
    else:
        durations = {}
        for day, created, first in issued.values_list("day", "created_at", "first_code_at"):
            durations.setdefault(day, []).append((first - created).total_seconds())
        by_day = {day: (statistics.median(v), len(v)) for day, v in durations.items()}
    rows = []
    for day in _days(start, end):
        seconds, n = by_day.get(day, (None, 0))
        rows.append([day.isoformat(), None if seconds is None else round(seconds / 60, 1), n])
    return Dataset(
        "time-to-code",
        _("Median time to code"),
        _("Minutes from the request to its first code, median of the codes issued each day."),
        ["day", "median_minutes", "codes_issued"],
        rows,
        kind="line",
        unit=_("minutes"),
    )


def first_codes_that_worked(start, end):
    low, high = _bounds(start, end)
    counts = (
        Ticket.objects.filter(
            kind=Ticket.Kind.CODE_REQUEST, first_code_at__gte=low, first_code_at__lt=high
        )
        .values("channel")
        .annotate(
            answered=Count("id", filter=Q(worked__isnull=False)),
            worked=Count("id", filter=Q(worked=True)),
        )
    )
    by_channel = {row["channel"]: (row["worked"], row["answered"]) for row in counts}
    rows = []
    totals = [0, 0]
    for choice in Ticket.Channel:
        worked, answered = by_channel.get(choice.value, (0, 0))
        totals[0] += worked
        totals[1] += answered
        rows.append([choice.value, worked, answered, _percent(worked, answered)])
    rows.append(["all", *totals, _percent(*totals)])
    return Dataset(
        "worked",
        _("Share of first codes that worked"),
        _("Of the requests whose customer said whether the code worked, the share that said yes."),
        ["channel", "worked", "answered", "percent"],
        rows,
        kind="hbars",
        unit="%",
    )


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


def reissue_by_model(start, end, limit=12):
    low, high = _bounds(start, end)
    counts = (
        Device.objects.values("model_name")
        .annotate(
            devices=Count("id", distinct=True),
            reissued=Count(
                "codes",
                filter=Q(
                    codes__kind=ActivationCode.Kind.SUPPORT,
                    codes__issued_at__gte=low,
                    codes__issued_at__lt=high,
                ),
            ),
        )
        .filter(reissued__gt=0)
        .order_by("-reissued", "model_name")[:limit]
    )
    rows = [
        [
            row["model_name"] or "(unknown)",
            row["reissued"],
            row["devices"],
            _percent(row["reissued"], row["devices"]),
        ]
        for row in counts
    ]
    rows.sort(key=lambda row: (-(row[3] or 0), row[0]))
    return Dataset(
        "reissue",
        _("Re-issue rate by device model"),
        _("Support codes issued in the range per 100 devices of each model (top %(n)s).")
        % {"n": limit},
        ["model", "support_codes", "devices", "per_100_devices"],
        rows,
        kind="hbars",
        unit="%",
    )


MISUSE_RESULTS = [
    ActivationAttempt.Result.FAILED,
    ActivationAttempt.Result.MALFORMED,
    ActivationAttempt.Result.RATE_LIMITED,
]


def misuse_and_lockouts(start, end):
    low, high = _bounds(start, end)
    attempts = (
        ActivationAttempt.objects.filter(
            created_at__gte=low, created_at__lt=high, result__in=MISUSE_RESULTS
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "result")
        .annotate(n=Count("id"))
    )
    by_day = {(row["day"], row["result"]): row["n"] for row in attempts}
    locked = Device.objects.filter(locked_at__gte=low, locked_at__lt=high).count()
    suspended = ActivationCode.objects.filter(
        status=ActivationCode.Status.SUSPENDED,
        status_changed_at__gte=low,
        status_changed_at__lt=high,
    ).count()
    results = [r.value for r in MISUSE_RESULTS]
    rows = [
        [day.isoformat(), *(by_day.get((day, r), 0) for r in results)] for day in _days(start, end)
    ]
    return Dataset(
        "misuse",
        _("Misuse and lockouts"),
        _("Refused activation attempts each day, by result."),
        ["day", *results],
        rows,
        unit=_("attempts"),
        notes=[
            _("Phones locked by agents (stolen): %(n)s") % {"n": locked},
            _("Codes suspended (used on other phones): %(n)s") % {"n": suspended},
        ],
    )


def agents_workload(start=None, end=None):
    counts = (
        Ticket.objects.open()
        .values("assignee__email")
        .annotate(n=Count("id"))
        .order_by("-n", "assignee__email")
    )
    rows = [[row["assignee__email"] or "(unassigned)", row["n"]] for row in counts]
    return Dataset(
        "workload",
        _("Agents' workload"),
        _("Open requests per assignee, now (whatever the dates)."),
        ["assignee", "open_requests"],
        rows,
        kind="hbars",
        unit=_("open requests"),
    )


DATASETS = {
    "requests": requests_per_day,
    "time-to-code": median_time_to_code,
    "worked": first_codes_that_worked,
    "reissue": reissue_by_model,
    "misuse": misuse_and_lockouts,
    "workload": agents_workload,
}


# Drawing ---------------------------------------------------------------------------

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 28
BAR_ROW = 26


def _nice_max(value):
    if value <= 0:
        return 1
    for step in (1, 2, 2.5, 5, 10):
        magnitude = 10 ** (len(str(int(value))) - 1)
        if step * magnitude >= value:
            return step * magnitude
    return value


def _fmt(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def draw(dataset: Dataset) -> dict:
    """Geometry for the template: every shape's coordinates and CSS class."""
    if dataset.kind == "hbars":
        return _draw_hbars(dataset)
    return _draw_by_day(dataset)


def _draw_by_day(dataset):
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    rows = dataset.rows
    series = dataset.headers[1:] if dataset.kind == "bars" else dataset.headers[1:2]
    if dataset.kind == "bars":
        totals = [sum(row[1:]) for row in rows]
    else:
        totals = [row[1] or 0 for row in rows]
    top = _nice_max(max(totals, default=0))
    step = plot_w / max(len(rows), 1)
    bars, points, labels = [], [], []
    for i, row in enumerate(rows):
        x = LEFT + i * step
        if dataset.kind == "bars":
            base = 0
            for s, value in enumerate(row[1:]):
                if value:
                    height = plot_h * value / top
                    y = TOP + plot_h - plot_h * (base + value) / top
                    bars.append(
                        {
                            "x": round(x + step * 0.1, 2),
                            "y": round(y, 2),
                            "w": round(max(step * 0.8, 1), 2),
                            "h": round(height, 2),
                            "cls": f"series-{s}",
                            "label": f"{row[0]} {series[s]}: {value}",
                        }
                    )
                base += value
        elif row[1] is not None:
            points.append(
                (round(x + step / 2, 2), round(TOP + plot_h - plot_h * row[1] / top, 2), row)
            )
    if rows:
        for i in sorted({0, len(rows) // 2, len(rows) - 1}):
            labels.append({"x": round(LEFT + i * step + step / 2, 2), "text": rows[i][0]})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "polyline": " ".join(f"{x},{y}" for x, y, _ in points),
        "dots": [{"x": x, "y": y, "label": f"{row[0]}: {_fmt(row[1])}"} for x, y, row in points],
        "x_labels": labels,
        "x_axis_y": TOP + plot_h,
        "label_y": HEIGHT - 8,
        "y_ticks": [
            {"y": round(TOP + plot_h - plot_h * f, 2), "text": _fmt(round(top * f, 1))}
            for f in (0, 0.5, 1)
        ],
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "legend": [{"cls": f"series-{s}", "text": name} for s, name in enumerate(series)],
    }


def _draw_hbars(dataset):
    value_col = len(dataset.headers) - 1
    rows = dataset.rows
    label_w = 200
    plot_w = WIDTH - label_w - 80
    top = _nice_max(max((row[value_col] or 0 for row in rows), default=0))
    bars = []
    for i, row in enumerate(rows):
        value = row[value_col] or 0
        y = TOP + i * BAR_ROW
        bars.append(
            {
                "x": label_w,
                "y": y,
                "w": round(plot_w * value / top, 2),
                "h": BAR_ROW - 8,
                "cls": "series-0",
                "name": str(row[0])[:32],
                "name_x": label_w - 8,
                "text_y": y + BAR_ROW / 2,
                "value_x": round(label_w + plot_w * value / top + 6, 2),
                "value": "–"
                if row[value_col] is None
                else f"{_fmt(row[value_col])}{dataset.unit if dataset.unit == '%' else ''}",
                "label": f"{row[0]}: {_fmt(row[value_col])}",
            }
        )
    return {
        "width": WIDTH,
        "height": TOP + BAR_ROW * max(len(rows), 1) + 8,
        "hbars": bars,
    }


# Views -----------------------------------------------------------------------------


def _range(request):
    """``(form, start, end)``; start and end are None when the form has errors."""
    form = DateRangeForm(request.GET or None)
    if not form.is_bound:
        end = timezone.now().date()
        start = end - dt.timedelta(days=DEFAULT_DAYS - 1)
        return DateRangeForm(initial={"start": start, "end": end}), start, end
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


@login_required
@permission_required("activation.view_dashboard", raise_exception=True)
def dashboard(request):
    form, start, end = _range(request)
    if start is None:
        return render(request, "activation/reports/dashboard.html", {"form": form}, status=400)
    datasets = []
    for build in DATASETS.values():
        dataset = build(start, end)
        dataset.chart = draw(dataset)
        datasets.append(dataset)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "datasets": datasets,
        "query": f"start={start.isoformat()}&end={end.isoformat()}",
        "can_export": request.user.has_perm("activation.export_reports"),
    }
    return render(request, "activation/reports/dashboard.html", context)


@login_required
@permission_required("activation.view_dashboard", raise_exception=True)
@permission_required("activation.export_reports", raise_exception=True)
def chart_csv(request, slug):
    if slug not in DATASETS:
        raise Http404
    form, start, end = _range(request)
    if start is None:
        errors = "; ".join(" ".join(e) for e in form.errors.values())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    dataset = DATASETS[slug](start, end)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(dataset.headers)
    for row in dataset.rows:
        writer.writerow(["" if v is None else neutralise(str(v)) for v in row])
    AuditEvent.record(
        AuditEvent.Action.EXPORTED,
        actor=request.user,
        data={
            "report": f"dashboard:{slug}",
            "format": "csv",
            "rows": len(dataset.rows),
            "completed": True,
            "filters": {"start": start.isoformat(), "end": end.isoformat()},
            "via": "reports",
        },
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{start}-{end}.csv"'
    response["Cache-Control"] = "no-store"
    return response
