"""Password hashing that cannot starve the device API of CPU.

Argon2 is slow on purpose (about 260 ms of CPU per sign-in here, over parallel lanes).
A flood of sign-ins would otherwise take every core from the phones' activations,
which are a few milliseconds each. ``Argon2PasswordHasher`` below is Django's, with
the hashing itself run on one background thread per process at the lowest CPU
priority (``nice`` 19 on that thread only; the lanes Argon2 starts inherit it). The
request thread waits for the result, so sign-in behaves as before; only when the CPUs
are busy does the kernel serve every other thread first. (Linux's ``SCHED_IDLE``
measured the same and can starve hashing entirely on a saturated machine, where nice
19 still gets a small share.) Stored hashes are unchanged (same ``argon2`` algorithm name and
parameters): existing passwords verify, and new ones verify with Django's own hasher.

This pays off with threaded app servers (gunicorn ``--worker-class gthread``, see
docs/deploy.md): a thread waiting for a hash leaves its process free to answer phones.
Measured in docs/performance.md ("The device API under a sign-in flood").
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from django.contrib.auth import hashers

LOW_PRIORITY = 19
_executor = None
_executor_pid = None
_lock = threading.Lock()


def _lower_priority():
    """Make the calling thread (and the threads it starts) the last to get a CPU."""
    # On Linux a thread id names one thread, and threads it starts inherit its nice
    # value. Where that is refused, hashing still works, at normal priority.
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)


def run_low_priority(work, *args):
    """``work(*args)`` on this process's low-priority hashing thread; its result."""
    global _executor, _executor_pid
    pid = os.getpid()
    if _executor is None or _executor_pid != pid:  # none yet, or inherited by fork
        with _lock:
            if _executor is None or _executor_pid != pid:
                _executor = ThreadPoolExecutor(
                    max_workers=1,
                    thread_name_prefix="password-hashing",
                    initializer=_lower_priority,
                )
                _executor_pid = pid
    return _executor.submit(work, *args).result()


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Django's Argon2id hasher, hashing on the low-priority thread."""

    def encode(self, password, salt):
        return run_low_priority(super().encode, password, salt)

    def verify(self, password, encoded):
        return run_low_priority(super().verify, password, encoded)
