"""Benchmark: stream N tickets to CSV, against PostgreSQL COPY of the same query.

    .venv/bin/python bench/export_csv.py --rows 1000000

Targets: within 2x COPY's time, first byte under 100 ms, peak memory under 100 MB
whatever the row count. Each side runs in a fresh process (so its peak memory is its
own), twice; the best time counts.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_common import peak_rss_mb, run_child, seed_tickets, setup


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
    parser.add_argument("--child", choices=["copy", "ours"])
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    setup()
    seed_tickets(args.rows)
    copy = min((run_child(__file__, "copy") for _ in range(2)), key=lambda r: r["seconds"])
    ours = min((run_child(__file__, "ours") for _ in range(2)), key=lambda r: r["seconds"])
    ratio = ours["seconds"] / copy["seconds"]
    print(f"rows: {args.rows:,}")
    print(
        f"COPY of the same query: {copy['seconds']:.2f} s "
        f"({args.rows / copy['seconds']:,.0f} rows/s), {copy['bytes'] / 1e6:.0f} MB"
    )
    print(
        f"export (CSV, streamed):  {ours['seconds']:.2f} s "
        f"({args.rows / ours['seconds']:,.0f} rows/s), {ours['bytes'] / 1e6:.0f} MB, "
        f"first byte {ours['first_byte_ms']:.1f} ms, first rows {ours['first_row_ms']:.1f} ms, "
        f"peak RSS {ours['peak_rss_mb']:.0f} MB, of which {ours['rss_before_mb']:.0f} MB before "
        f"the export started (COPY process peak: {copy['peak_rss_mb']:.0f} MB)"
    )
    verdict = "OK" if ratio <= 2 else "SLOWER THAN TARGET"
    print(f"ratio export/COPY: {ratio:.2f}x (target <= 2x) {verdict}")


if __name__ == "__main__":
    main()
