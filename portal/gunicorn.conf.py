"""gunicorn settings for the portal's app servers (docs/deploy.md):

    gunicorn -c portal/gunicorn.conf.py portal.wsgi --bind 0.0.0.0:8000 --workers 3

The host-specific numbers (bind, workers) stay on the command line; options given there
override the ones below.

Metrics: every worker must count into one place, or each ``/metrics`` scrape sees only
the worker that answered it. ``PROMETHEUS_MULTIPROC_DIR`` is set here, before any
worker imports ``prometheus_client`` (it picks its storage at import), to the
operator's directory or else a temporary one made at start and removed at exit. The
directory is emptied when the server starts; each worker that exits is marked dead
(``child_exit``) and its counts are added to one file kept for all exited workers. Give
each gunicorn server on a host its own directory.
"""

import os
import shutil
import tempfile
from pathlib import Path

# A directory this server makes is named after its master process: it removes it when it
# stops, and a new master started by an upgrade (USR2), which inherits the variable,
# makes its own instead of emptying the old master's.
OWN_PREFIX = f"portal-metrics-{os.getpid()}-"
_given = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")).name
if not _given or (_given.startswith("portal-metrics-") and not _given.startswith(OWN_PREFIX)):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=OWN_PREFIX)

# After the variable is set: prometheus_client chooses per-process or shared storage
# when it is first imported, and the workers inherit this process's modules.
from prometheus_client import multiprocess  # noqa: E402
from prometheus_client.mmap_dict import MmapedDict  # noqa: E402

worker_class = "gthread"
threads = 8
# A worker stuck for this long (its main loop, not one slow request) is killed.
timeout = 30
graceful_timeout = 30
# Restart each worker now and then, staggered, so a slow leak cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# Longer than the proxy keeps an idle upstream connection (nginx keepalive_timeout 60s,
# docs/deploy.md), so the proxy always closes an idle connection first and never sends a
# request on one that gunicorn is closing. An idle connection waits in the worker's
# poller, not in a thread.
keepalive = 75


def on_starting(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    # Files left by an earlier run of this server would be added to its counts.
    for stale in directory.glob("*.db"):
        stale.unlink()


def on_exit(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if directory.name.startswith(OWN_PREFIX):
        shutil.rmtree(directory, ignore_errors=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
    _fold_into_exited(worker.pid)


def _fold_into_exited(pid):
    """Add an exited worker's counts to the file of all exited workers, and remove its own.

    Totals must not drop when ``--max-requests`` restarts a worker, yet one file per
    worker that ever ran makes every scrape slower: a scrape took 24 ms with 3 workers'
    files, 0.6 s with 100 and 6.3 s with 1,000 (40 views each). A scrape that lands
    between the two steps below counts this worker twice, for well under a millisecond.
    """
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    for kind in ("counter", "histogram"):
        exited = directory / f"{kind}_{pid}.db"
        if not exited.exists():
            continue
        # prometheus_client reads the kind from the name's first part, "counter_*.db".
        totals = MmapedDict(str(directory / f"{kind}_exited.db"))
        try:
            for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(str(exited)):
                total, _ = totals.read_value(key)
                totals.write_value(key, total + value, timestamp)
        finally:
            totals.close()
        exited.unlink()
