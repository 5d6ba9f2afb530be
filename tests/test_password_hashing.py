"""Sign-in hashing cannot starve the device API (accounts/hashers.py, issue 9)."""

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.adapter import get_adapter
from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers

from accounts import hashers
from tests.conftest import PASSWORD as PASSWORD_OF_THE_CAST
from tests.conftest import make_user

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


@pytest.fixture
def hashing_queue_full(settings):
    """A queue of one, taken by a hash that lasts until the test ends."""
    settings.PASSWORD_HASHING_QUEUE = 1
    started, release = threading.Event(), threading.Event()

    def slow_hash():
        started.set()
        release.wait(timeout=30)

    def free():
        release.set()
        holder.join(timeout=30)

    holder = threading.Thread(target=hashers.run_low_priority, args=(slow_hash,))
    holder.start()
    assert started.wait(timeout=30)
    yield free
    free()


def test_with_the_queue_full_the_next_hash_is_turned_away_at_once(hashing_queue_full):
    with pytest.raises(hashers.HashingBusy):
        hashers.run_low_priority(len, "password")


def test_every_hash_gives_its_place_back_even_when_it_fails(settings):
    settings.PASSWORD_HASHING_QUEUE = 1

    with pytest.raises(ZeroDivisionError):
        hashers.run_low_priority(divmod, 1, 0)

    assert hashers.run_low_priority(len, "password") == 8


def test_a_sign_in_turned_away_is_asked_to_try_again_in_a_few_seconds(
    client, settings, hashing_queue_full, db
):
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2PasswordHasher"]

    # Unknown addresses hash too (against timing attacks), so any sign-in needs a place.
    response = client.post(
        "/accounts/login/", {"login": "someone@example.com", "password": "a-password-1234"}
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(hashers.HashingBusy.retry_after)
    assert "Please try again in a few seconds." in response.content.decode()


@pytest.fixture
def argon2_customer(settings, db):
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2PasswordHasher"]
    return make_user(get_user_model(), "busy@example.com")


def test_sign_ins_turned_away_do_not_count_as_failed_ones(
    client, argon2_customer, hashing_queue_full
):
    credentials = {"login": argon2_customer.email, "password": PASSWORD_OF_THE_CAST}

    # More than allauth's failed sign-ins per address (5 in 5 minutes), all turned away.
    for _ in range(7):
        assert client.post("/accounts/login/", credentials).status_code == 503

    hashing_queue_full()  # the flood is over
    assert client.post("/accounts/login/", credentials).status_code == 302


def test_with_the_queue_full_a_password_form_is_turned_away_before_any_work(
    client, db, hashing_queue_full, django_assert_num_queries
):
    with django_assert_num_queries(0):  # no session, no form, no lookup of the account
        response = client.post(
            "/accounts/login/",
            {"login": "someone@example.com", "password": "a-password-1234"},
            HTTP_ACCEPT_LANGUAGE="de",
        )

    assert response.status_code == 503
    assert "Bitte versuchen Sie es in ein paar Sekunden erneut." in response.content.decode()
    assert client.get("/accounts/login/").status_code == 200  # reading the form still works


def test_a_sign_in_the_hasher_turns_away_gives_back_its_failed_sign_in_slot(
    rf, argon2_customer, hashing_queue_full
):
    # The queue can fill between the early check and the hash: then the hasher itself
    # refuses, inside allauth's authenticate(), after allauth took its slot.
    request = rf.post("/accounts/login/")
    adapter = get_adapter(request)
    credentials = {"email": argon2_customer.email, "password": PASSWORD_OF_THE_CAST}

    for _ in range(7):  # more than allauth's 5 failed sign-ins per address
        with pytest.raises(hashers.HashingBusy):
            adapter.authenticate(request, **credentials)

    hashing_queue_full()
    assert adapter.authenticate(request, **credentials) == argon2_customer
