"""The append-only records: activation attempts and the audit log.

They name phones, codes and requests by foreign keys written as strings, so this module
sits below the aggregates that write them (each state change records its own event).
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .rules import DomainError


class AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted one by one."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DomainError("append_only", f"{type(self).__name__} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError("append_only", f"{type(self).__name__} rows are never deleted.")


class ActivationAttempt(AppendOnly):
    class Result(models.TextChoices):
        ACTIVATED = "activated", _("Activated")
        REACTIVATED = "reactivated", _("Reactivated (same device)")
        FAILED = "failed", _("Failed")
        MALFORMED = "malformed", _("Malformed code")
        RATE_LIMITED = "rate_limited", _("Rate limited")

    device = models.ForeignKey(
        "Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    imei = models.CharField("IMEI", max_length=20)
    code = models.ForeignKey(
        "ActivationCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=Result)
    reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["device", "created_at"], name="attempt_device_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_result_display()} for IMEI …{self.imei[-4:]}"


PURGE_FLAG = "portal.audit_purge"


class AuditEventQuerySet(models.QuerySet):
    def purge(self, **data) -> int:
        """Delete these events, and record that as an event with ``data``: the retention
        purge (``purge_expired``) and nothing else.

        The database's guard (migration 0009) lets a DELETE through only while this
        transaction has set ``portal.audit_purge``; the flag is set and cleared around the
        one statement, so nothing else in the transaction inherits it (on an error the
        rollback undoes it). One statement in one transaction with its record: no other
        writer ever touches these rows, so it waits for nobody and blocks nobody.
        """
        with transaction.atomic(using=self.db):
            by_action = dict(self.order_by().values_list("action").annotate(models.Count("pk")))
            span = self.aggregate(oldest=models.Min("created_at"), newest=models.Max("created_at"))
            if not by_action:
                return 0
            with _purge_flag(connections[self.db]):
                deleted = self.delete()[0]
            AuditEvent.record(
                AuditEvent.Action.AUDIT_PURGED,
                data={
                    **data,
                    "deleted": deleted,
                    "by_action": by_action,
                    "oldest": span["oldest"].isoformat(),
                    "newest": span["newest"].isoformat(),
                },
            )
        return deleted


@contextmanager
def _purge_flag(connection):
    if connection.vendor != "postgresql":
        yield  # no database guard to lift: SQLite has the model's only
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {PURGE_FLAG} = 'on'")
        yield
        cursor.execute(f"SET LOCAL {PURGE_FLAG} = 'off'")


class AuditEvent(AppendOnly):
    """Who did what, when. Append-only in the model (``AppendOnly``) and, on PostgreSQL,
    in the database too (migration 0009): UPDATE, DELETE and TRUNCATE are refused, except
    nulling an event's ``ip`` (account erasure) and ``objects.purge()`` (retention). What
    an event names (actor, code, phone, request) cannot be deleted under it (PROTECT):
    accounts are erased instead, requests closed."""

    class Action(models.TextChoices):
        CODE_ISSUED = "code_issued", _("Code issued")
        CODE_REVEALED = "code_revealed", _("Code revealed")
        CODE_SUPERSEDED = "code_superseded", _("Code superseded")
        CODE_SUSPENDED = "code_suspended", _("Code suspended")
        CODE_REVOKED = "code_revoked", _("Code revoked")
        CODE_REINSTATED = "code_reinstated", _("Code reinstated")
        LIMIT_OVERRIDDEN = "limit_overridden", _("Code limit overridden")
        DEVICE_REGISTERED = "device_registered", _("Device registered")
        TICKET_OPENED = "ticket_opened", _("Request opened")
        TICKET_STATUS = "ticket_status", _("Request status changed")
        TICKET_VERIFIED = "ticket_verified", _("Request verification updated")
        KEYS_ROTATED = "keys_rotated", _("Keys rotated")
        ACCOUNT_DELETED = "account_deleted", _("Account deleted")
        DEVICE_LOCKED = "device_locked", _("Device locked")
        DEVICE_UNLOCKED = "device_unlocked", _("Device unlocked")
        EXPORTED = "exported", _("Report exported")
        IMPORTED = "imported", _("Devices imported")
        DEVICE_TRANSFERRED = "device_transferred", _("Device owner changed")
        AUDIT_PURGED = "audit_purged", _("Audit events past retention deleted")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, choices=Action)
    code = models.ForeignKey(
        "ActivationCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        "Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        "Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor_label or 'system'}"

    @classmethod
    def record(cls, action, *, actor=None, **fields):
        label = ""
        if actor is not None and actor.is_authenticated:
            label = f"user:{actor.pk}"
        else:
            actor = None
        return cls.objects.create(action=action, actor=actor, actor_label=label, **fields)
