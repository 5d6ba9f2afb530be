"""Benchmark: N tickets to XLSX, against a bare constant-memory XlsxWriter loop.

    .venv/bin/python bench/export_xlsx.py --rows 1000000

The bare loop reads the same query the same way (server-side cursor) and writes each
row with ``worksheet.write_row`` in constant-memory mode: the least any XLSX export
of these rows can do. Target: the export runs at >= 0.9x the bare loop's speed.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_common import best_runs, peak_rss_mb, seed_tickets, setup
from verdict import exit_status, verdict

SPEED_GOAL = 0.9  # at least 0.9x the bare loop's speed
MEMORY_GOAL_MB = 100


def child(mode):
    setup(migrate=False)
    import xlsxwriter

    from activation import exports
    from activation.resources import TicketResource

    rss_before = peak_rss_mb()
    report = exports.Report(TicketResource(), None, "xlsx")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        if mode == "bare":
            workbook = xlsxwriter.Workbook(
                output, {"constant_memory": True, "remove_timezone": True}
            )
            sheet = workbook.add_worksheet()
            sheet.write_row(0, 0, report.headers)
            for number, row in enumerate(report.queryset.iterator(chunk_size=2000), start=1):
                sheet.write_row(number, 0, row)
            workbook.close()
        else:
            if mode == "python":  # the other-database path: conversions in Python
                report.xlsx_values = report._xlsx_values_in_python
            exports.write_xlsx(report, output)
        size = output.seek(0, 2)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "bytes": size,
                "peak_rss_mb": peak_rss_mb(),
                "rss_before_mb": rss_before,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["bare", "ours", "python"])
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    setup()
    seed_tickets(args.rows)
    best = best_runs(__file__, ["bare", "ours", "python"], args.rounds)
    bare, ours, python = best["bare"], best["ours"], best["python"]
    speed = bare["seconds"] / ours["seconds"]
    print(f"rows: {args.rows:,}, best of {args.rounds} runs each, taking turns")
    print(
        f"bare XlsxWriter loop: {bare['seconds']:.2f} s ({args.rows / bare['seconds']:,.0f} "
        f"rows/s), {bare['bytes'] / 1e6:.1f} MB, peak RSS {bare['peak_rss_mb']:.0f} MB"
    )
    for label, run in [("export (XLSX)", ours), ("conversion in Python", python)]:
        print(
            f"{label}: {run['seconds']:.2f} s ({args.rows / run['seconds']:,.0f} "
            f"rows/s), {run['bytes'] / 1e6:.1f} MB, peak RSS {run['peak_rss_mb']:.0f} MB "
            f"({run['rss_before_mb']:.0f} MB before the export started)"
        )
    print(f"conversion in Python: {bare['seconds'] / python['seconds']:.2f}x the bare loop")
    verdict(
        "XLSX export speed >= 0.9x the bare XlsxWriter loop",
        speed >= SPEED_GOAL,
        f"{speed:.2f}x ({ours['seconds']:.2f} s vs {bare['seconds']:.2f} s)",
    )
    verdict(
        "XLSX export peak memory < 100 MB",
        ours["peak_rss_mb"] < MEMORY_GOAL_MB,
        f"{ours['peak_rss_mb']:.0f} MB ({ours['rss_before_mb']:.0f} MB before it started)",
    )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
