"""What each app server process does once for all its requests (issue 9): the loaded
code kept out of the garbage collector's way, one Redis client for the shared cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

BASE_DIR = Path(__file__).resolve().parent.parent


def test_the_app_server_freezes_what_it_loaded_before_serving():
    probe = (
        "import gc, sys, portal.wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()), 'activation.views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    frozen, collectable, views_loaded = result.stdout.split()

    assert views_loaded == "True"  # the URLconf's views were imported before freezing
    # Django and the portal are frozen; a full collection walks a small fraction of that.
    assert int(frozen) > 10_000
    assert int(collectable) < int(frozen) / 20


def test_the_shared_cache_keeps_one_redis_client(settings):
    if not settings.REDIS_URL:
        pytest.skip("without REDIS_URL the cache is a database table")
    client = cache._cache.get_client(write=True)

    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"

    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use the same pool
