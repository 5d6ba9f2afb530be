"""Key configuration, start-up refusal and rotation without losing a code."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from activation import codes
from activation.keyring import KeyConfigError, generate_key_entry, parse_keys
from activation.models import ActivationCode, AuditEvent

ROOT = Path(__file__).resolve().parent.parent


def test_generated_key_is_accepted():
    entry = generate_key_entry()
    keyring = parse_keys(entry)
    assert keyring.current.id == entry.split(":")[0]


def test_generate_activation_key_command_prints_a_valid_value(capsys):
    call_command("generate_activation_key", "--id", "prod2")
    value = capsys.readouterr().out.strip()
    assert parse_keys(value).current.id == "prod2"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "not set"),
        ("nocolon", "id:key"),
        ("k1:dG9vLXNob3J0", "32 bytes"),
        ("k1:%%%%", "32 bytes"),
        pytest.param(
            f"{generate_key_entry('a')},{generate_key_entry('a')}", "twice", id="one-id-twice"
        ),
    ],
)
def test_malformed_keys_are_refused_with_a_clear_message(value, message):
    with pytest.raises(KeyConfigError, match=message):
        parse_keys(value)


def start(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"ACTIVATION_KEYS", "DJANGO_DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "ACTIVATION_KEYS is not set"),
        ({"ACTIVATION_KEYS": "k1:short"}, "must be 32 bytes"),
        ({"ACTIVATION_KEYS": "VALID", "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
    ],
)
def test_start_up_refused_without_valid_secrets(overrides, message):
    overrides = {k: generate_key_entry() if v == "VALID" else v for k, v in overrides.items()}
    result = start(overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_start_up_accepts_valid_secrets():
    result = start({"ACTIVATION_KEYS": generate_key_entry()})
    assert result.returncode == 0, result.stderr


def bare_host():
    """The environment of a host where nothing of the portal is configured yet."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"ACTIVATION_KEYS"}
    }


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_bare_host_makes_its_secrets_then_starts_with_them():
    bare = bare_host()
    keys = run(["manage.py", "generate_activation_key"], bare)
    assert keys.returncode == 0, keys.stderr
    secret = run(["manage.py", "generate_secret_key"], bare)
    assert secret.returncode == 0, secret.stderr
    assert len(secret.stdout.strip()) >= 50

    configured = bare | {
        "ACTIVATION_KEYS": keys.stdout.strip(),
        "DJANGO_SECRET_KEY": secret.stdout.strip(),
    }
    started = run(["manage.py", "check"], configured)
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    "entry_point",
    [["manage.py", "check"], ["manage.py", "migrate"], ["-c", "import portal.wsgi"]],
    ids=["check", "migrate", "wsgi"],
)
def test_a_bare_host_refuses_to_serve(entry_point):
    result = run(entry_point, bare_host())
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert "generate_secret_key" in result.stderr


def test_rotation_moves_every_code_to_the_new_key(settings, make_device, make_code):
    old = settings.ACTIVATION_KEYS
    issued = [make_code(make_device()) for _ in range(7)]
    new_entry = generate_key_entry("new")
    settings.ACTIVATION_KEYS = f"{new_entry},{old}"

    call_command("rotate_activation_keys", "--batch-size", "3", stdout=StringIO())

    assert set(ActivationCode.objects.values_list("key_version", flat=True)) == {"new"}
    settings.ACTIVATION_KEYS = new_entry  # the old keys can now be removed
    for code, plaintext in issued:
        code.refresh_from_db()
        assert code.plaintext() == plaintext
        assert ActivationCode.objects.matching(plaintext).get() == code
    assert AuditEvent.objects.filter(action="keys_rotated").get().data["codes"] == 7


def test_interrupted_rotation_resumes_without_losing_a_code(settings, make_device, make_code):
    old = settings.ACTIVATION_KEYS
    issued = [make_code(make_device()) for _ in range(5)]
    settings.ACTIVATION_KEYS = f"{generate_key_entry('new')},{old}"
    # An interrupted run: only the first two rows were re-protected.
    for code, plaintext in issued[:2]:
        code.set_secret(plaintext)
        code.save(update_fields=["digest", "ciphertext", "key_version"])
    for code, plaintext in issued:  # in the mixed state, every code still works
        assert ActivationCode.objects.matching(plaintext).get() == code

    call_command("rotate_activation_keys", stdout=StringIO())

    for code, plaintext in issued:
        code.refresh_from_db()
        assert code.key_version == "new"
        assert code.plaintext() == plaintext


def test_rotation_refuses_when_a_needed_key_is_missing(settings, make_device, make_code):
    code, _ = make_code(make_device())
    settings.ACTIVATION_KEYS = generate_key_entry("new")
    with pytest.raises(CommandError, match=code.key_version):
        call_command("rotate_activation_keys")
    assert ActivationCode.objects.get(pk=code.pk).key_version == code.key_version
    assert codes.keyring().current.id == "new"


def test_rotation_names_each_missing_key_once_with_its_count(settings, make_device, make_code):
    newest, older = settings.ACTIVATION_KEYS.split(",")
    for _ in range(3):
        make_code(make_device())  # under the newest key
    settings.ACTIVATION_KEYS = older
    for _ in range(2):
        make_code(make_device())
    settings.ACTIVATION_KEYS = generate_key_entry("new")

    with pytest.raises(CommandError) as refused:
        call_command("rotate_activation_keys")

    message = str(refused.value)
    lines = message.splitlines()
    for entry, count in [(newest, "3 codes"), (older, "2 codes")]:
        key_id = entry.split(":")[0]
        assert message.count(key_id) == 1, message
        assert any(key_id in line and count in line for line in lines), message
