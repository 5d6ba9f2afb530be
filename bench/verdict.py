"""One verdict line per goal of docs/performance.md, and the exit status they make.

Every benchmark prints ``PASS <goal>: <figures>`` or ``FAIL <goal>: <figures>`` for each
goal it checks and exits non-zero when any failed; ``make bench`` gathers these lines
into its closing summary table.
"""

_failed = []


def verdict(goal: str, ok: bool, figures: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'} {goal}: {figures}", flush=True)
    if not ok:
        _failed.append(goal)
    return ok


def exit_status() -> int:
    """For ``sys.exit``: 1 when a goal was missed."""
    return 1 if _failed else 0
