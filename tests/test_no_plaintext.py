"""After codes are issued and revealed, a full database dump holds none of them."""

import shutil
import subprocess

import pytest
from django.db import connection

from activation.models import ActivationCode


def database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    params = connection.settings_dict
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to scan a PostgreSQL dump"
    env = {"PGPASSWORD": params.get("PASSWORD") or ""}
    result = subprocess.run(
        [
            pg_dump,
            "--data-only",
            "--no-owner",
            "-h",
            params.get("HOST") or "127.0.0.1",
            "-p",
            str(params.get("PORT") or 5432),
            "-U",
            params.get("USER") or "postgres",
            params["NAME"],
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return result.stdout


def forms_of(plaintext: str) -> list[str]:
    shown = "-".join(plaintext[i : i + 5] for i in range(0, 25, 5))
    return [plaintext, shown, plaintext.lower(), plaintext[:20], plaintext.encode().hex()]


@pytest.mark.django_db(transaction=True)
def test_database_dump_contains_no_code_in_plaintext(make_device, make_code, customer, agent):
    issued = []
    for _ in range(5):
        device = make_device(owner=customer)
        issued.append(make_code(device, kind=ActivationCode.Kind.FACTORY))
        code, plaintext = make_code(device, by=agent)
        code.reveal(by=customer)
        issued.append((code, plaintext))

    dump = database_dump()

    assert "activation_activationcode" in dump  # the dump really holds the table
    for code, plaintext in issued:
        assert code.digest in dump
        for form in forms_of(plaintext):
            assert form not in dump
