"""Backups (docs/operations.md): a `pg_dump -Fc` restored into a fresh database gives
back every code, verifiable and retrievable with the same ACTIVATION_KEYS, and none of
them without those keys, because the keys are never in the database."""

import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from activation import codes
from activation.keyring import generate_key_entry

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not shutil.which("pg_restore"),
    reason="pg_dump/pg_restore backups are PostgreSQL's: run with DATABASE_URL=postgres://...",
)


def pg(command, *args):
    """Run a PostgreSQL client tool against the test server as Django connects to it."""
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    options = ["-h", db.get("HOST") or "localhost", "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        options += ["-U", db["USER"]]
    subprocess.run(
        [command, *options, *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def restored(tmp_path):
    """Dump the (committed) test database, restore it into a new one, yield a psycopg
    connection to it; the copy is dropped afterwards."""
    dump = tmp_path / "portal.dump"
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    pg("pg_dump", "-Fc", "--no-owner", "-f", str(dump), db["NAME"])
    pg("createdb", name)
    try:
        pg("pg_restore", "--no-owner", "--exit-on-error", "-d", name, str(dump))
        params = {"host": db.get("HOST") or "localhost", "port": db.get("PORT") or 5432}
        params |= {"user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
        with psycopg.connect(dbname=name, **params) as backup:
            yield backup
    finally:
        pg("dropdb", "--if-exists", name)


def lookup(backup, plaintext):
    """The digest lookup the portal does (``ActivationCode.objects.matching``), in the copy."""
    return backup.execute(
        "SELECT c.public_id, d.public_id, c.ciphertext, c.key_version "
        "FROM activation_activationcode c JOIN activation_device d ON d.id = c.device_id "
        "WHERE c.digest = ANY(%s)",
        [codes.candidate_digests(plaintext)],
    ).fetchall()


def decrypt(row):
    code_id, device_id, ciphertext, key_version = row
    return codes.decrypt(ciphertext, f"activation-code:{code_id}:{device_id}".encode(), key_version)


def issue_codes(make_device, make_code, settings):
    """Three codes under the current key and one under the older key (mid-rotation)."""
    issued = [make_code(make_device()) for _ in range(3)]
    current, older = settings.ACTIVATION_KEYS.split(",")[:2]
    settings.ACTIVATION_KEYS = f"{older},{current}"
    issued.append(make_code(make_device()))
    settings.ACTIVATION_KEYS = f"{current},{older}"
    return issued


@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_gives_back_every_code_with_the_same_keys_only(
    make_device, make_code, settings, request
):
    issued = issue_codes(make_device, make_code, settings)
    assert len({code.key_version for code, _ in issued}) == 2
    backup = request.getfixturevalue("restored")

    (count,) = backup.execute("SELECT count(*) FROM activation_activationcode").fetchone()
    assert count == len(issued)
    rows = {}
    for code, plaintext in issued:
        (row,) = lookup(backup, plaintext)
        assert row[0] == code.public_id
        assert decrypt(row) == plaintext
        rows[plaintext] = row

    # The same backup with other keys, even under the same key ids: nothing is found
    # and nothing decrypts.
    ids = [entry.partition(":")[0] for entry in settings.ACTIVATION_KEYS.split(",")]
    settings.ACTIVATION_KEYS = ",".join(generate_key_entry(key_id) for key_id in ids)
    for plaintext, row in rows.items():
        assert lookup(backup, plaintext) == []
        with pytest.raises(codes.CodeUnavailable, match="does not authenticate"):
            decrypt(row)
    settings.ACTIVATION_KEYS = generate_key_entry("elsewhere")
    for plaintext, row in rows.items():
        assert lookup(backup, plaintext) == []
        with pytest.raises(codes.CodeUnavailable, match="not configured"):
            decrypt(row)
