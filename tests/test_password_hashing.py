"""Sign-in hashing cannot starve the device API (accounts/hashers.py, issue 9)."""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import hashers as django_hashers

from accounts import hashers

PASSWORD = "correct horse battery staple"


def test_hashes_are_django_argon2id_both_ways():
    ours, djangos = hashers.Argon2PasswordHasher(), django_hashers.Argon2PasswordHasher()

    stored = ours.encode(PASSWORD, ours.salt())

    assert stored.startswith("argon2$argon2id$")
    assert djangos.verify(PASSWORD, stored)
    assert ours.verify(PASSWORD, djangos.encode(PASSWORD, djangos.salt()))
    assert not ours.verify("wrong password", stored)


def test_the_first_hasher_is_ours_and_reads_existing_hashes(settings):
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2PasswordHasher"]
    existing = django_hashers.Argon2PasswordHasher().encode(PASSWORD, "existingsalt1234")

    assert django_hashers.check_password(PASSWORD, existing)
    assert django_hashers.identify_hasher(existing).__class__ is hashers.Argon2PasswordHasher


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities: Linux")
def test_hashing_runs_on_another_thread_at_the_lowest_priority():
    def niceness():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def where():
        return threading.get_native_id(), niceness()

    thread, nice = hashers.run_low_priority(where)

    assert thread != threading.get_native_id()
    assert nice == hashers.LOW_PRIORITY == 19
    assert niceness() < 19  # the request's thread keeps its priority


def test_a_failure_while_hashing_reaches_the_caller():
    def broken():
        raise ValueError("bad hash")

    with pytest.raises(ValueError, match="bad hash"):
        hashers.run_low_priority(broken)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU sets: Linux")
def test_hashing_leaves_the_first_cpu_to_everything_else():
    allowed = sorted(os.sched_getaffinity(0))

    hashing_cpus = hashers.run_low_priority(lambda: sorted(os.sched_getaffinity(0)))

    assert hashing_cpus == (allowed[1:] if len(allowed) > 1 else allowed)
    assert sorted(os.sched_getaffinity(0)) == allowed  # the caller keeps every CPU


def test_while_the_process_shuts_down_hashing_still_answers(monkeypatch):
    stopped = ThreadPoolExecutor(max_workers=1)
    stopped.shutdown()
    monkeypatch.setattr(hashers, "_executor", stopped)
    monkeypatch.setattr(hashers, "_executor_pid", os.getpid())

    stored = hashers.Argon2PasswordHasher().encode(PASSWORD, "shutdownsalt1234")

    assert django_hashers.Argon2PasswordHasher().verify(PASSWORD, stored)
