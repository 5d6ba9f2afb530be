"""Export a report to a file or stdout, streamed: memory stays flat at any row count."""

import datetime as dt
import getpass
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from activation import exports
from activation.resources import REPORTS


def _start_of(value, days=0):
    """Midnight UTC starting ``value`` (a YYYY-MM-DD date), ``days`` later."""
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).")
    return dt.datetime.combine(parsed + dt.timedelta(days=days), dt.time(), tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Export a report (tickets, devices, codes, ...) as CSV, XLSX or JSON."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(REPORTS), help="Which report.")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--since", help="Only rows from this date on (YYYY-MM-DD, UTC).")
        parser.add_argument("--until", help="Only rows up to this date, inclusive.")

    def handle(self, *args, name, format, output=None, since=None, until=None, **options):
        resource = REPORTS[name]()
        queryset = resource.get_queryset()
        filters = {}
        if since:
            queryset = queryset.filter(**{f"{resource.date_field}__gte": _start_of(since)})
            filters["since"] = since
        if until:
            queryset = queryset.filter(**{f"{resource.date_field}__lt": _start_of(until, 1)})
            filters["until"] = until
        if output is None and format == "xlsx" and sys.stdout.isatty():
            raise CommandError("XLSX is binary: give --output FILE or redirect the output.")
        report = exports.Report(resource, queryset, format)
        via = f"command (os user {getpass.getuser()})"
        chunks = exports.audited(
            report, exports.stream(report), actor=None, filters=filters, via=via
        )
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
        try:
            for chunk in chunks:
                target.write(chunk)
        finally:
            if output:
                target.close()
            else:
                target.flush()
        if output:
            self.stderr.write(f"{report.rows} rows written to {output}.")
