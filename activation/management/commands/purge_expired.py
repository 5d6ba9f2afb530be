"""Apply the retention periods: ``python manage.py purge_expired`` (daily, e.g. from cron).

- Activation attempts older than RETENTION_ATTEMPTS_DAYS are deleted (they hold the
  phone's IP address and IMEI; the codes keep their own use counts).
- Closed requests (resolved or rejected) older than RETENTION_TICKETS_DAYS keep their
  reference, kind, channel, status, dates and phone, for reports, but lose everything
  personal: the customer link, the caller's e-mail, the free text (what happened,
  rejection and override reasons) and the whole message thread.
- Audit events older than RETENTION_AUDIT_DAYS are deleted through
  ``AuditEvent.objects.purge()``, which records what it removed as a new event: the
  only DELETE the database lets through on the audit log (migration 0009).
- Housekeeping that also holds personal data: expired sessions, expired rate-limit
  counters (keyed by IP address), and finished "account deleted" mail jobs (their
  argument is the erased account's former address).

Work goes in batches of ``--batch-size`` rows, each in its own short transaction, so
it never holds long locks and can be interrupted and run again: a second run finds
nothing left to do. Audit events go in one statement with their record (all or
nothing): no other writer touches those rows, so it waits for and blocks nobody.

``ActivationAttempt`` is append-only for application code (``Model.delete()`` raises);
retention is the one sanctioned removal, done with ``QuerySet.delete()``, which never
calls ``Model.delete()``.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from activation.models import ActivationAttempt, AuditEvent, Ticket, TicketMessage

CLOSED = [Ticket.Status.RESOLVED, Ticket.Status.REJECTED]


def expired_attempts(now=None):
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_ATTEMPTS_DAYS)
    return ActivationAttempt.objects.filter(created_at__lt=cutoff)


def audit_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_AUDIT_DAYS)


def expired_audit_events(now=None):
    return AuditEvent.objects.filter(created_at__lt=audit_cutoff(now))


def expired_tickets(now=None):
    """Closed requests past retention that still hold something personal."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_TICKETS_DAYS)
    closed_long_ago = Q(resolved_at__lt=cutoff) | Q(resolved_at__isnull=True, updated_at__lt=cutoff)
    personal = (
        Q(customer__isnull=False)
        | ~Q(caller_email="")
        | ~Q(reason="")
        | ~Q(rejection_reason="")
        | ~Q(limit_override_reason="")
        | Q(pk__in=TicketMessage.objects.values("ticket_id"))
    )
    return Ticket.objects.filter(closed_long_ago, personal, status__in=CLOSED)


def _batches(queryset, batch_size):
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return
        yield pks


def purge_attempts(batch_size=1000, now=None) -> int:
    deleted = 0
    for pks in _batches(expired_attempts(now), batch_size):
        deleted += ActivationAttempt.objects.filter(pk__in=pks).delete()[0]
    return deleted


def pseudonymise_tickets(batch_size=1000, now=None) -> tuple[int, int]:
    tickets = messages = 0
    for pks in _batches(expired_tickets(now), batch_size):
        with transaction.atomic():
            messages += TicketMessage.objects.filter(ticket_id__in=pks).delete()[0]
            tickets += Ticket.objects.filter(pk__in=pks).update(
                customer=None,
                caller_email="",
                reason="",
                rejection_reason="",
                limit_override_reason="",
            )
    return tickets, messages


def purge_audit_events(now=None) -> int:
    cutoff = audit_cutoff(now)
    return expired_audit_events(now).purge(
        older_than=cutoff.isoformat(), retention_days=settings.RETENTION_AUDIT_DAYS
    )


def purge_housekeeping(now=None) -> dict:
    from django_tasks_db.models import DBTaskResult

    from ratelimits.models import Counter

    now = now or timezone.now()
    done = {}
    done["rate-limit counters"] = Counter.objects.filter(expires_at__lt=now).delete()[0]
    finished = DBTaskResult.objects.filter(
        task_path="accounts.emails.send_account_deleted", finished_at__isnull=False
    )
    done["account-deleted mail jobs"] = finished.delete()[0]
    # Django's own `clearsessions`, for the session engine in use.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return done


class Command(BaseCommand):
    help = "Delete or pseudonymise personal data past its retention period (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged, change nothing."
        )

    def handle(self, *args, batch_size, dry_run, **options):
        now = timezone.now()
        if dry_run:
            self.stdout.write(
                f"Would delete {expired_attempts(now).count()} activation attempts "
                f"(older than {settings.RETENTION_ATTEMPTS_DAYS} days) and pseudonymise "
                f"{expired_tickets(now).count()} closed requests "
                f"(older than {settings.RETENTION_TICKETS_DAYS} days), and delete "
                f"{expired_audit_events(now).count()} audit events "
                f"(older than {settings.RETENTION_AUDIT_DAYS} days)."
            )
            return
        attempts = purge_attempts(batch_size, now)
        tickets, messages = pseudonymise_tickets(batch_size, now)
        audit_events = purge_audit_events(now)
        housekeeping = purge_housekeeping(now)
        self.stdout.write(
            f"Deleted {attempts} activation attempts older than "
            f"{settings.RETENTION_ATTEMPTS_DAYS} days."
        )
        self.stdout.write(
            f"Pseudonymised {tickets} closed requests older than "
            f"{settings.RETENTION_TICKETS_DAYS} days ({messages} messages deleted)."
        )
        self.stdout.write(
            f"Deleted {audit_events} audit events older than {settings.RETENTION_AUDIT_DAYS} days."
        )
        for name, count in housekeeping.items():
            self.stdout.write(f"Deleted {count} expired {name}.")
