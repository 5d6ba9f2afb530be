"""The closing table of ``make bench``: every goal's verdict from every benchmark's output.

    python bench/summary.py LOG

``LOG`` holds the benchmarks' output as ``make bench`` writes it: a ``### <command>``
line before each script's output and a ``### exit <status>`` line after it. Every
``PASS``/``FAIL`` line (bench/verdict.py) becomes a row; a script that exited non-zero
without a ``FAIL`` line (it crashed, or a goal went unchecked) becomes a ``FAIL`` row
too. Exits 1 when any row is a ``FAIL``.
"""

import re
import sys
from pathlib import Path

VERDICT = re.compile(r"^(PASS|FAIL) ([^:]+): (.*)$")


def rows(lines):
    """(script, verdict, goal, figures) for every verdict and every silent failure."""
    script, failed = "", False
    for line in lines:
        if line.startswith("### exit "):
            status = int(line.split()[-1])
            if status and not failed:
                yield script, "FAIL", "the script itself", f"exited {status} without a verdict"
        elif line.startswith("### "):
            script, failed = line[4:].strip().removeprefix("bench/"), False
        elif match := VERDICT.match(line):
            failed |= match[1] == "FAIL"
            yield script, match[1], match[2], match[3]


def main(path):
    table = list(rows(Path(path).read_text(errors="replace").splitlines()))
    if not table:
        print("no verdicts found in", path)
        return 1
    width = max(len(goal) for _, _, goal, _ in table)
    script_width = max(len("benchmark"), *(len(script) for script, *_ in table))
    print(f"\n{'benchmark':{script_width}}  verdict  {'goal':{width}}  figures")
    for script, verdict, goal, figures in table:
        print(f"{script:{script_width}}  {verdict:7}  {goal:{width}}  {figures}")
    failed = sum(verdict == "FAIL" for _, verdict, _, _ in table)
    print(
        f"\n{len(table) - failed} of {len(table)} goals met"
        + (f", {failed} missed" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
