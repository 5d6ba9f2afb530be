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
from export_common import peak_rss_mb, run_child, seed_tickets, setup


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
    parser.add_argument("--child", choices=["bare", "ours"])
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    setup()
    seed_tickets(args.rows)
    bare = min((run_child(__file__, "bare") for _ in range(2)), key=lambda r: r["seconds"])
    ours = min((run_child(__file__, "ours") for _ in range(2)), key=lambda r: r["seconds"])
    speed = bare["seconds"] / ours["seconds"]
    print(f"rows: {args.rows:,}")
    print(
        f"bare XlsxWriter loop: {bare['seconds']:.2f} s ({args.rows / bare['seconds']:,.0f} "
        f"rows/s), {bare['bytes'] / 1e6:.1f} MB, peak RSS {bare['peak_rss_mb']:.0f} MB"
    )
    print(
        f"export (XLSX):        {ours['seconds']:.2f} s ({args.rows / ours['seconds']:,.0f} "
        f"rows/s), {ours['bytes'] / 1e6:.1f} MB, peak RSS {ours['peak_rss_mb']:.0f} MB "
        f"({ours['rss_before_mb']:.0f} MB before the export started)"
    )
    verdict = "OK" if speed >= 0.9 else "SLOWER THAN TARGET"
    print(f"speed export/bare loop: {speed:.2f}x (target >= 0.9x) {verdict}")


if __name__ == "__main__":
    main()
