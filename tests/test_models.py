"""Domain rules held by the models and, underneath them, by the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from activation import codes
from activation.models import (
    ActivationAttempt,
    ActivationCode,
    AuditEvent,
    Device,
    DomainError,
    Ticket,
    validate_imei,
)


@pytest.mark.parametrize("imei", ["490154203237518", "352045000000017"])
def test_valid_imei_passes(imei):
    validate_imei(imei)


@pytest.mark.parametrize(
    ("imei", "reason"),
    [
        ("490154203237519", "imei_checksum"),
        ("49015420323751", "imei_format"),
        ("49015420323751X", "imei_format"),
    ],
)
def test_invalid_imei_is_refused_with_a_reason(imei, reason):
    with pytest.raises(ValidationError) as caught:
        validate_imei(imei)
    assert caught.value.code == reason


def test_database_refuses_an_imei_that_is_not_15_digits(db):
    with pytest.raises(IntegrityError):
        Device.objects.create(imei="12345", os_version="8.1")


def test_imei_is_unique(make_device):
    device = make_device()
    with pytest.raises(IntegrityError):
        Device.objects.create(imei=device.imei, os_version="8.1")


def test_issue_supersedes_the_previous_code_and_audits_both(make_device, make_code, agent):
    device = make_device()
    first, _ = make_code(device, kind=ActivationCode.Kind.FACTORY)
    second, plaintext = make_code(device, by=agent)

    first.refresh_from_db()
    assert first.status == ActivationCode.Status.SUPERSEDED
    assert second.status == ActivationCode.Status.ACTIVE
    assert second.hint == plaintext[-5:]
    assert second.plaintext() == plaintext
    actions = list(AuditEvent.objects.filter(device=device).values_list("action", flat=True))
    assert sorted(actions) == ["code_issued", "code_issued", "code_superseded"]
    assert AuditEvent.objects.get(code=second).actor == agent


def test_database_allows_one_active_code_per_device(make_device, make_code):
    device = make_device()
    code, _ = make_code(device)
    duplicate = ActivationCode(device=device, kind="support")
    duplicate.set_secret(codes.generate())
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert device.codes.active().get() == code


def test_database_refuses_the_same_code_twice(make_device):
    plaintext = codes.generate()
    ActivationCode.objects.issue(make_device(), kind="factory", plaintext=plaintext)
    with pytest.raises(IntegrityError):
        ActivationCode.objects.issue(make_device(), kind="factory", plaintext=plaintext)


def test_code_is_found_by_its_plaintext(make_device, make_code):
    code, plaintext = make_code(make_device())
    make_code(make_device())
    assert list(ActivationCode.objects.matching(plaintext)) == [code]
    assert not ActivationCode.objects.matching(codes.generate()).exists()


def test_str_and_masked_show_only_the_hint(make_device, make_code):
    code, plaintext = make_code(make_device())
    for text in (str(code), code.masked, repr(code)):
        assert plaintext[:-5] not in text
        assert plaintext[-5:] in text or text == repr(code)


def test_reveal_returns_the_code_and_writes_the_audit_log(make_device, make_code, customer):
    code, plaintext = make_code(make_device(owner=customer))
    assert code.reveal(by=customer) == plaintext
    event = AuditEvent.objects.get(action="code_revealed")
    assert event.actor == customer and event.code == code


def test_tampered_ciphertext_in_the_database_is_refused(make_device, make_code):
    code, _ = make_code(make_device())
    blob = bytearray(code.ciphertext)
    blob[-1] ^= 1
    ActivationCode.objects.filter(pk=code.pk).update(ciphertext=bytes(blob))
    code.refresh_from_db()
    with pytest.raises(codes.CodeUnavailable):
        code.plaintext()


def test_ciphertext_copied_to_another_row_is_refused(make_device, make_code):
    first, _ = make_code(make_device())
    second, _ = make_code(make_device())
    ActivationCode.objects.filter(pk=second.pk).update(
        ciphertext=first.ciphertext, key_version=first.key_version
    )
    second.refresh_from_db()
    with pytest.raises(codes.CodeUnavailable):
        second.plaintext()


def test_suspend_and_revoke_change_only_active_codes(make_device, make_code, agent):
    code, _ = make_code(make_device())
    code.suspend("used on 2 other devices")
    assert ActivationCode.objects.get(pk=code.pk).status == "suspended"
    with pytest.raises(DomainError) as caught:
        code.revoke(by=agent, reason="lost phone")
    assert caught.value.code == "not_active"
    assert AuditEvent.objects.filter(action="code_suspended", code=code).count() == 1
    assert not AuditEvent.objects.filter(action="code_revoked").exists()


def test_one_open_ticket_per_device(make_device, make_ticket, customer):
    device = make_device(owner=customer)
    make_ticket(device)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_ticket(device)
    Ticket.objects.filter(device=device).update(status=Ticket.Status.RESOLVED)
    assert make_ticket(device).is_open


def test_ticket_reference_is_not_sequential(make_device, make_ticket, customer):
    references = {make_ticket(make_device(owner=customer)).reference for _ in range(20)}
    assert len(references) == 20
    for reference in references:
        assert reference.startswith("ACT-") and len(reference) == 10
        assert set(reference[4:]) <= set(codes.ALPHABET)


def test_owned_by_scopes_to_the_owner(make_device, make_code, customer, other_customer):
    mine = make_device(owner=customer)
    make_device(owner=other_customer)
    make_code(mine)
    assert list(Device.objects.owned_by(customer)) == [mine]
    assert ActivationCode.objects.owned_by(other_customer).count() == 0


@pytest.mark.parametrize("model", [ActivationAttempt, AuditEvent])
def test_records_are_append_only(model, make_device):
    device = make_device()
    if model is ActivationAttempt:
        row = model.objects.create(device=device, imei=device.imei, result="failed")
    else:
        row = AuditEvent.record(AuditEvent.Action.CODE_ISSUED, device=device)
    with pytest.raises(DomainError):
        row.save()
    with pytest.raises(DomainError):
        row.delete()
    assert model.objects.filter(pk=row.pk).exists()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the audit log's database guard is a PostgreSQL trigger (SQLite: the model's only)",
)


@postgres_only
@pytest.mark.parametrize(
    "rewrite",
    [
        lambda pk: AuditEvent.objects.filter(pk=pk).update(action="code_revoked"),
        lambda pk: AuditEvent.objects.filter(pk=pk).update(ip=None, data={"forged": True}),
        lambda pk: AuditEvent.objects.filter(pk=pk).delete(),
        lambda pk: AuditEvent.objects.all().delete(),
        lambda pk: raw("UPDATE activation_auditevent SET actor_label = 'x' WHERE id = %s", [pk]),
        lambda pk: raw("DELETE FROM activation_auditevent WHERE id = %s", [pk]),
    ],
    ids=[
        "orm-update",
        "orm-update-more-than-ip",
        "orm-delete",
        "orm-delete-all",
        "sql-update",
        "sql-delete",
    ],
)
def test_the_database_refuses_to_rewrite_the_audit_log(rewrite, customer, make_device):
    device = make_device(owner=customer)
    event = AuditEvent.record(
        AuditEvent.Action.CODE_REVEALED, actor=customer, device=device, ip="203.0.113.9"
    )

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rewrite(event.pk)

    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.action, kept.actor_label, kept.ip, kept.data) == (
        "code_revealed",
        f"user:{customer.pk}",
        "203.0.113.9",
        {},
    )


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_truncate_the_audit_log(customer):
    # Committed first, as a real log is (TRUNCATE waits for no pending checks then).
    AuditEvent.record(AuditEvent.Action.DEVICE_REGISTERED, actor=customer)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("TRUNCATE activation_auditevent CASCADE")

    assert AuditEvent.objects.count() == 1


@postgres_only
def test_the_database_lets_erasure_null_an_events_address_and_nothing_else(customer):
    event = AuditEvent.record(AuditEvent.Action.CODE_REVEALED, actor=customer, ip="203.0.113.9")

    AuditEvent.objects.filter(pk=event.pk).update(ip=None)

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.action, event.actor_id, event.ip) == ("code_revealed", customer.pk, None)


@pytest.mark.parametrize("named", ["actor", "device", "ticket"])
def test_what_an_audit_event_names_cannot_be_deleted_from_under_it(
    named, customer, make_device, make_ticket
):
    """Deleting would rewrite the event (its link set to NULL); erasure or closing is
    the way, so the delete is refused and the event stays whole."""
    device = make_device(owner=customer)
    fields = {"actor": customer, "device": device}
    if named == "ticket":
        fields = {"ticket": make_ticket(device)}
    AuditEvent.record(AuditEvent.Action.TICKET_OPENED, **fields)

    with pytest.raises(ProtectedError):
        fields[named].delete()

    event = AuditEvent.objects.get()
    assert getattr(event, f"{named}_id") == fields[named].pk


def test_device_wording_follows_the_os_version(make_device):
    assert make_device(os_version="7.8").account_name == "Windows Live ID"
    assert make_device(os_version="7.8").activate_screen_title == "ACTIVATE WINDOWS LIVE"
    assert make_device(os_version="8.0").account_name == "Microsoft account"
    assert make_device(os_version="8.1").activate_screen_title == "ACTIVATE WINDOWS PHONE"
