"""Retention: `purge_expired` deletes old activation attempts and audit events and strips
old closed requests of personal data, in batches, and a second run finds nothing to do."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from activation.models import ActivationAttempt, AuditEvent, Ticket, TicketMessage
from ratelimits.models import Counter


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def purge(*args):
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def attempt(device, days, ip="198.51.100.7"):
    return ActivationAttempt.objects.create(
        device=device, imei=device.imei, ip=ip, result="failed", created_at=days_ago(days)
    )


@pytest.fixture
def phone(customer, make_device):
    return make_device(owner=customer)


def test_old_attempts_are_deleted_in_batches_and_recent_ones_kept(phone):
    old = [attempt(phone, 181 + n) for n in range(5)]
    recent = attempt(phone, 179)

    output = purge("--batch-size", "2")

    assert "Deleted 5 activation attempts older than 180 days." in output
    assert list(ActivationAttempt.objects.all()) == [recent]
    assert not ActivationAttempt.objects.filter(pk__in=[a.pk for a in old]).exists()
    assert "Deleted 0 activation attempts" in purge()


def test_the_retention_period_comes_from_settings(settings, phone):
    settings.RETENTION_ATTEMPTS_DAYS = 30
    attempt(phone, 31)
    kept = attempt(phone, 29)

    assert "Deleted 1 activation attempts older than 30 days." in purge()
    assert list(ActivationAttempt.objects.all()) == [kept]


def test_old_closed_requests_keep_their_facts_but_lose_personal_data(
    customer, agent, phone, make_ticket
):
    old = make_ticket(
        phone,
        status=Ticket.Status.REJECTED,
        reason="Casey's phone from the shop",
        caller_email="casey.caller@example.com",
        rejection_reason="Casey could not prove ownership",
        resolved_at=days_ago(731),
        created_at=days_ago(740),
    )
    TicketMessage.objects.create(ticket=old, author=customer, body="Please call Casey")
    still_open = make_ticket(phone, status=Ticket.Status.IN_PROGRESS, reason="Open for ages")
    Ticket.objects.filter(pk=still_open.pk).update(created_at=days_ago(900))
    recent = make_ticket(
        phone, status=Ticket.Status.RESOLVED, reason="Recently done", resolved_at=days_ago(700)
    )
    audit_before = AuditEvent.objects.count()

    output = purge()

    assert "Pseudonymised 1 closed requests older than 730 days (1 messages deleted)." in output
    old.refresh_from_db()
    assert (old.customer, old.caller_email, old.reason, old.rejection_reason) == (None, "", "", "")
    assert (old.reference, old.status, old.device) == (old.reference, "rejected", phone)
    assert not old.messages.exists()
    still_open.refresh_from_db()
    recent.refresh_from_db()
    assert still_open.reason == "Open for ages" and still_open.customer == customer
    assert recent.reason == "Recently done" and recent.customer == customer
    assert AuditEvent.objects.count() == audit_before
    assert "Pseudonymised 0 closed requests" in purge()


def test_dry_run_counts_and_changes_nothing(phone, make_ticket):
    attempt(phone, 400)
    make_ticket(phone, status="resolved", reason="x", resolved_at=days_ago(800))

    output = purge("--dry-run")

    assert "Would delete 1 activation attempts" in output
    assert "pseudonymise 1 closed requests" in output
    assert ActivationAttempt.objects.count() == 1
    assert Ticket.objects.get().reason == "x"


def test_expired_rate_limit_counters_holding_addresses_go(db):
    Counter.objects.create(key="rl:ip:198.51.100.7:60:1", count=31, expires_at=days_ago(1))
    live = Counter.objects.create(
        key="rl:ip:198.51.100.8:60:2", count=1, expires_at=timezone.now() + timedelta(minutes=1)
    )

    assert "Deleted 1 expired rate-limit counters." in purge()
    assert list(Counter.objects.all()) == [live]


def test_attempt_rows_still_refuse_one_by_one_deletion(phone):
    row = attempt(phone, 400)
    with pytest.raises(Exception, match="never deleted"):
        row.delete()
    purge()
    assert not ActivationAttempt.objects.exists()


def event(days, action=AuditEvent.Action.CODE_ISSUED, **fields):
    return AuditEvent.record(action, created_at=days_ago(days), **fields)


def test_audit_events_past_retention_are_purged_and_the_purge_is_audited(settings, agent, phone):
    settings.RETENTION_AUDIT_DAYS = 365
    for days in (400, 500, 600):
        event(days, device=phone, actor=agent)
    event(700, AuditEvent.Action.CODE_REVEALED, device=phone)
    kept = event(364, device=phone)

    output = purge("--batch-size", "2")

    assert "Deleted 4 audit events older than 365 days." in output
    purged = AuditEvent.objects.get(action=AuditEvent.Action.AUDIT_PURGED)
    assert purged.actor is None and purged.actor_label == ""
    assert purged.data["deleted"] == 4
    assert purged.data["by_action"] == {"code_issued": 3, "code_revealed": 1}
    assert purged.data["retention_days"] == 365
    assert purged.data["oldest"] < purged.data["newest"] < purged.data["older_than"]
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {kept.pk, purged.pk}
    # Nothing left to do: no second event either.
    assert "Deleted 0 audit events" in purge()
    assert AuditEvent.objects.count() == 2


def test_dry_run_counts_audit_events_and_deletes_none(settings, phone):
    settings.RETENTION_AUDIT_DAYS = 365
    event(400, device=phone)

    assert "1 audit events" in purge("--dry-run")
    assert AuditEvent.objects.count() == 1
