"""Benchmark: import N devices with their factory codes, against PostgreSQL COPY.

    .venv/bin/python bench/import_devices.py --rows 1000000

COPY loads the very same rows (devices and their codes, digests and ciphertexts
computed beforehand) into the same tables with the same indexes, in one transaction.
The import reads the CSV a manufacturer sends, validates every row, checks
uniqueness, computes digests and ciphertexts, and writes. Goals (docs/performance.md):
at least half of COPY's rate, in under 150 MB. Each side runs in a fresh process on
empty tables, ``--rounds`` times taking turns; the best time counts. Prints one
PASS/FAIL line per goal and exits non-zero on a miss.
"""

import argparse
import csv
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_common import best_runs, empty_tables, peak_rss_mb, setup
from verdict import exit_status, verdict

RATE_GOAL = 0.5  # at least half COPY's rate
MEMORY_GOAL_MB = 150
MODES = ["copy", "ours"]

WORK = Path(tempfile.gettempdir()) / "portal-bench"


def paths(rows):
    return (
        WORK / f"devices-{rows}.csv",
        WORK / f"copy-devices-{rows}.tsv",
        WORK / f"copy-codes-{rows}.tsv",
    )


def prepare(rows):
    """The batch file, and the same rows ready for COPY (made once per row count)."""
    from activation import codes
    from activation.demo import imei_with_check_digit

    batch, copy_devices, copy_codes = paths(rows)
    if batch.exists() and copy_codes.exists():
        return
    WORK.mkdir(exist_ok=True)
    started = time.monotonic()
    key = codes.keyring().current
    with (
        batch.open("w", newline="") as batch_file,
        copy_devices.open("w") as devices_file,
        copy_codes.open("w") as codes_file,
    ):
        writer = csv.writer(batch_file)
        writer.writerow(["imei", "serial", "model", "os_version", "factory_code"])
        for n in range(1, rows + 1):
            imei = imei_with_check_digit(f"35{n:012d}")
            code = codes.generate()
            writer.writerow([imei, f"SN{n:09d}", "Lumia 920", "8.0", codes.display(code)])
            device_id, code_id = uuid.uuid4(), uuid.uuid4()
            devices_file.write(
                f"{n}\t{device_id}\t{imei}\tSN{n:09d}\tLumia 920\t8.0\tBENCH\tnot_activated\t0"
                "\t2024-01-01 00:00:00+00\t2024-01-01 00:00:00+00\n"
            )
            blob, key_id = codes.encrypt(
                code, f"activation-code:{code_id}:{device_id}".encode(), key.id
            )
            codes_file.write(
                f"{code_id}\t{n}\tfactory\tactive\t{codes.digest(code)}\t\\\\x{blob.hex()}"
                f"\t{key_id}\t{codes.hint(code)}\t2024-01-01 00:00:00+00\t\t0\t0\t0\n"
            )
    print(f"prepared {rows:,} rows in {time.monotonic() - started:.1f} s", file=sys.stderr)


def child(mode, rows):
    setup(migrate=False)
    from django.core.management import call_command
    from django.db import connection, transaction

    batch, copy_devices, copy_codes = paths(rows)
    empty_tables()
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    if mode == "copy":
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, path in [
                (
                    "activation_device",
                    "id, public_id, imei, serial, model_name, os_version, batch, "
                    "activation_state, request_counter, created_at, updated_at",
                    copy_devices,
                ),
                (
                    "activation_activationcode",
                    "public_id, device_id, kind, status, digest, ciphertext, key_version, "
                    "hint, issued_at, status_reason, use_count, reactivation_count, "
                    "misuse_count",
                    copy_codes,
                ),
            ]:
                sql = f"COPY {table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy, path.open("rb") as file:
                    while block := file.read(1 << 20):
                        copy.write(block)
    else:
        call_command("import_devices", str(batch), "--no-progress", "--batch", "BENCH")
    elapsed = time.perf_counter() - started
    from activation.models import ActivationCode, Device

    assert Device.objects.count() == rows and ActivationCode.objects.count() == rows
    print(
        json.dumps({"seconds": elapsed, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": rss_before})
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=MODES)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.rows)
    setup()
    prepare(args.rows)
    best = best_runs(__file__, MODES, args.rounds, "--rows", str(args.rows))
    empty_tables()
    copy, ours = best["copy"], best["ours"]
    copy_rate, our_rate = args.rows / copy["seconds"], args.rows / ours["seconds"]
    print(f"rows: {args.rows:,} devices + {args.rows:,} factory codes, best of {args.rounds}")
    print(f"COPY of the same rows: {copy['seconds']:.2f} s ({copy_rate:,.0f} devices/s)")
    print(
        f"import_devices:        {ours['seconds']:.2f} s ({our_rate:,.0f} devices/s), "
        f"peak RSS {ours['peak_rss_mb']:.0f} MB ({ours['rss_before_mb']:.0f} MB before it "
        "started)"
    )
    verdict(
        "import rate >= 0.5x COPY of the same rows",
        our_rate >= RATE_GOAL * copy_rate,
        f"{our_rate / copy_rate:.2f}x ({our_rate:,.0f} vs {copy_rate:,.0f} devices/s)",
    )
    verdict(
        "import peak memory < 150 MB",
        ours["peak_rss_mb"] < MEMORY_GOAL_MB,
        f"{ours['peak_rss_mb']:.0f} MB ({ours['rss_before_mb']:.0f} MB before it started)",
    )
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
