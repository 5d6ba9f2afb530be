"""Benchmark: N tickets to XLSX, against a bare constant-memory XlsxWriter loop.

    .venv/bin/python bench/export_xlsx.py --rows 1000000

The bare loop reads the same query the same way (server-side cursor) and writes each
row with ``worksheet.write_row`` in constant-memory mode: the least any XLSX export
of these rows can do. Goals (docs/performance.md): the export runs at >= 0.9x the bare
loop's speed, and adds under 20 MB to the process whatever the row count (it streams).
Prints one PASS/FAIL line per goal and exits non-zero on a miss.
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
GROWTH_GOAL_MB = 20  # streamed: what the export adds to the process stays flat


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
    parser.add_argument("--child", choices=["bare", "ours"])
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    setup()
    seed_tickets(args.rows)
    best = best_runs(__file__, ["bare", "ours"], args.rounds)
    bare, ours = best["bare"], best["ours"]
    speed = bare["seconds"] / ours["seconds"]
    print(f"rows: {args.rows:,}, best of {args.rounds} runs each, taking turns")
    print(
        f"bare XlsxWriter loop: {bare['seconds']:.2f} s ({args.rows / bare['seconds']:,.0f} "
        f"rows/s), {bare['bytes'] / 1e6:.1f} MB, peak RSS {bare['peak_rss_mb']:.0f} MB"
    )
    print(
        f"export (XLSX):        {ours['seconds']:.2f} s ({args.rows / ours['seconds']:,.0f} "
        f"rows/s), {ours['bytes'] / 1e6:.1f} MB, peak RSS {ours['peak_rss_mb']:.0f} MB "
        f"({ours['rss_before_mb']:.0f} MB before the export started)"
    )
    verdict(
        "XLSX export speed >= 0.9x the bare XlsxWriter loop",
        speed >= SPEED_GOAL,
        f"{speed:.2f}x ({ours['seconds']:.2f} s vs {bare['seconds']:.2f} s)",
    )
    grown = ours["peak_rss_mb"] - ours["rss_before_mb"]
    verdict(
        "XLSX export memory does not grow with rows (< 20 MB added)",
        grown < GROWTH_GOAL_MB,
        f"+{grown:.0f} MB (peak {ours['peak_rss_mb']:.0f} MB)",
    )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
