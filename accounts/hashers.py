"""Password hashing that cannot starve the device API of CPU.

Argon2 is slow on purpose (about 260 ms of CPU per sign-in here, over parallel lanes).
A flood of sign-ins would otherwise take every core from the phones' activations,
which are a few milliseconds each. ``Argon2PasswordHasher`` below is Django's, with
the hashing itself run on one background thread per process:

- at the lowest CPU priority (``nice`` 19 on that thread only; the lanes Argon2 starts
  inherit it), so when the CPUs are busy the kernel serves every other thread first.
  Linux's ``SCHED_IDLE`` measured the same and can starve hashing entirely on a
  saturated machine, where nice 19 still gets a small share;
- off the first CPU the process may use (Linux), so a phone's request always finds a
  CPU with no hash to preempt, at the price of hashing on one core fewer.

The request thread waits for the result, so sign-in behaves as before, but only
``settings.PASSWORD_HASHING_QUEUE`` sign-ins per process may wait: one more is turned
away at once (``HashingBusy``: a 503 page, "try again in a few seconds",
portal/middleware.py) instead of holding one more of the process's threads, so a flood
of sign-ins can never take every thread while phones wait for one. Stored hashes
are unchanged (same ``argon2`` algorithm name and parameters): existing passwords
verify, and new ones verify with Django's own hasher.

This pays off with threaded app servers (gunicorn ``--worker-class gthread``, see
docs/deploy.md): a thread waiting for a hash leaves its process free to answer phones.
Measured in docs/performance.md ("The device API under a sign-in flood").
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from django.conf import settings
from django.contrib.auth import hashers

LOW_PRIORITY = 19
_executor = None
_executor_pid = None
_waiting = 0  # calls of this process in run_low_priority (queued or being hashed)
_lock = threading.Lock()


class HashingBusy(Exception):
    """This process already has ``PASSWORD_HASHING_QUEUE`` passwords to hash."""

    retry_after = 5


def _lower_priority():
    """Make the calling thread (and the threads it starts) the last to get a CPU, and
    keep it off the first CPU this process may use."""
    # On Linux a thread id names one thread, and threads it starts inherit its nice
    # value and CPU set. Where either is refused, hashing still works without it.
    tid = threading.get_native_id()
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, tid, LOW_PRIORITY)
    with suppress(AttributeError, OSError):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > 1:
            os.sched_setaffinity(tid, cpus[1:])


def queue_full() -> bool:
    """Whether a hash asked for now would be turned away (``HashingBusy``)."""
    return _executor_pid == os.getpid() and _waiting >= settings.PASSWORD_HASHING_QUEUE


def run_low_priority(work, *args):
    """``work(*args)`` on this process's low-priority hashing thread; its result.

    Raises ``HashingBusy`` at once when the queue is full.
    """
    global _executor, _executor_pid, _waiting
    pid = os.getpid()
    with _lock:
        if _executor is None or _executor_pid != pid:  # none yet, or inherited by fork
            _executor = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="password-hashing",
                initializer=_lower_priority,
            )
            _executor_pid, _waiting = pid, 0
        if queue_full():
            raise HashingBusy
        _waiting += 1
        executor = _executor
    try:
        try:
            future = executor.submit(work, *args)
        except RuntimeError:  # the interpreter is shutting down: hash here, as Django would
            return work(*args)
        return future.result()
    finally:
        with _lock:
            _waiting -= 1


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Django's Argon2id hasher, hashing on the low-priority thread."""

    def encode(self, password, salt):
        return run_low_priority(super().encode, password, salt)

    def verify(self, password, encoded):
        return run_low_priority(super().verify, password, encoded)
