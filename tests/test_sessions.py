"""Sessions in Redis, written through to the database (portal.sessions)."""

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings

from portal.sessions import SessionStore

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_a_session_is_kept_in_the_database_too(db):
    store = SessionStore()
    store["greeting"] = "hello"
    store.save()
    assert Session.objects.filter(session_key=store.session_key).exists()
    assert SessionStore(store.session_key)["greeting"] == "hello"


def test_a_session_is_read_from_the_cache_without_the_database(
    db, django_assert_num_queries, settings
):
    if not settings.REDIS_URL:
        pytest.skip("without REDIS_URL the cache itself is a database table")
    store = SessionStore()
    store["greeting"] = "hello"
    store.save()
    with django_assert_num_queries(0):
        assert SessionStore(store.session_key)["greeting"] == "hello"


def test_with_the_cache_down_sessions_fall_back_to_the_database(db):
    store = SessionStore()
    store["greeting"] = "hello"
    store.save()
    with override_settings(CACHES=DEAD_REDIS):
        again = SessionStore(store.session_key)
        assert again["greeting"] == "hello"
        again["greeting"] = "still here"
        again.save()
        assert SessionStore(store.session_key)["greeting"] == "still here"
        SessionStore(store.session_key).delete()
    assert not Session.objects.filter(session_key=store.session_key).exists()
