"""Benchmark: stream N tickets to CSV, against PostgreSQL COPY of the same query.

    .venv/bin/python bench/export_csv.py --rows 1000000

Goals (docs/performance.md): within 2x COPY's time, first byte under 100 ms, and under
20 MB added to the process whatever the row count (it streams). Each side runs in a
fresh process (so its peak memory is its own), ``--rounds`` times taking turns; the best
time counts. It also times the other databases' path (``csv.writer`` over the rows) on
PostgreSQL: the figure that justifies formatting the CSV in SQL for COPY
(``activation/exports.py``). Prints one PASS/FAIL line per goal, exits non-zero on a miss.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_common import best_runs, peak_rss_mb, seed_tickets, setup
from verdict import exit_status, verdict

TIME_GOAL = 2.0  # the export within 2x COPY's time
FIRST_BYTE_GOAL_MS = 100
GROWTH_GOAL_MB = 20  # streamed: what the export adds to the process stays flat


def child(mode):
    setup(migrate=False)
    from django.db import connection

    from activation import exports
    from activation.resources import TicketResource

    total = rows = 0
    first_byte = first_row = None
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    if mode == "copy":
        report = exports.Report(TicketResource())
        inner, params = report.queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            sql = f"COPY ({inner}) TO STDOUT WITH (FORMAT csv)"
            with cursor.cursor.copy(sql, params) as copy:
                for block in copy:
                    if first_byte is None:
                        first_byte = first_row = time.perf_counter() - started
                    total += len(block)
            rows = cursor.cursor.rowcount
    elif mode == "python":
        # The other databases' path (csv.writer over the rows), on PostgreSQL.
        report = exports.Report(TicketResource())
        for chunk in exports._python_csv(report):
            now = time.perf_counter() - started
            if first_byte is None:
                first_byte = now
            elif first_row is None:
                first_row = now
            total += len(chunk)
    else:
        response = exports.streaming_response(
            TicketResource(), None, "csv", actor=None, filters={}, via="benchmark"
        )
        for chunk in response.streaming_content:
            now = time.perf_counter() - started
            if first_byte is None:
                first_byte = now
            elif first_row is None:
                first_row = now
            total += len(chunk)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "first_byte_ms": 1000 * first_byte,
                "first_row_ms": 1000 * (first_row or first_byte),
                "bytes": total,
                "rows": rows,
                "peak_rss_mb": peak_rss_mb(),
                "rss_before_mb": rss_before,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=["copy", "ours", "python"])
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    setup()
    seed_tickets(args.rows)
    best = best_runs(__file__, ["copy", "ours", "python"], args.rounds)
    copy, ours, python = best["copy"], best["ours"], best["python"]
    ratio = ours["seconds"] / copy["seconds"]
    print(f"rows: {args.rows:,}, best of {args.rounds} runs each, taking turns")
    print(
        f"COPY of the same query: {copy['seconds']:.2f} s "
        f"({args.rows / copy['seconds']:,.0f} rows/s), {copy['bytes'] / 1e6:.0f} MB"
    )
    for label, run in [("export (CSV, streamed)", ours), ("csv.writer path", python)]:
        print(
            f"{label}: {run['seconds']:.2f} s "
            f"({args.rows / run['seconds']:,.0f} rows/s), {run['bytes'] / 1e6:.0f} MB, "
            f"first byte {run['first_byte_ms']:.1f} ms, first rows {run['first_row_ms']:.1f} ms, "
            f"peak RSS {run['peak_rss_mb']:.0f} MB, of which {run['rss_before_mb']:.0f} MB "
            f"before the export started"
        )
    print(f"(COPY process peak RSS: {copy['peak_rss_mb']:.0f} MB)")
    print(f"csv.writer path / COPY: {python['seconds'] / copy['seconds']:.2f}x")
    verdict(
        "CSV export time <= 2x COPY",
        ratio <= TIME_GOAL,
        f"{ratio:.2f}x ({ours['seconds']:.2f} s vs {copy['seconds']:.2f} s)",
    )
    verdict(
        "CSV export first byte < 100 ms",
        ours["first_byte_ms"] < FIRST_BYTE_GOAL_MS,
        f"{ours['first_byte_ms']:.1f} ms",
    )
    grown = ours["peak_rss_mb"] - ours["rss_before_mb"]
    verdict(
        "CSV export memory does not grow with rows (< 20 MB added)",
        grown < GROWTH_GOAL_MB,
        f"+{grown:.0f} MB (peak {ours['peak_rss_mb']:.0f} MB)",
    )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
