"""`make run` demo data: idempotent, valid, and never in production."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from activation.demo import BATCH_SIZE, DEMO_USERS, demo_imei
from activation.models import ActivationCode, Device, validate_imei


def test_demo_loads_twice_without_duplicates(db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    assert Device.objects.count() == BATCH_SIZE
    assert ActivationCode.objects.active().count() == BATCH_SIZE
    assert get_user_model().objects.count() == len(DEMO_USERS)
    customer = get_user_model().objects.get(email="customer@example.com")
    assert customer.devices.count() == 2


def test_demo_sign_ins_work(client, db, settings):
    settings.DEBUG = True
    call_command("load_demo")
    for email, password, *_ in DEMO_USERS:
        assert client.login(email=email, password=password), email


def test_demo_imeis_are_valid():
    for index in range(1, BATCH_SIZE + 1):
        validate_imei(demo_imei(index))


def test_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("load_demo")
    assert not get_user_model().objects.exists()
