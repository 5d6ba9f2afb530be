"""Activation codes: issued, revealed, suspended, reinstated and revoked, each change
locking the phone's row and writing its audit event in the same transaction.

A code's phone is ``Device`` (``devices.py``, which imports this module): it is reached
through the ``device`` foreign key, never imported.
"""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import codes
from .records import AuditEvent
from .rules import DomainError


class ActivationCodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ActivationCode.Status.ACTIVE)

    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(device__owner=user)

    def matching(self, canonical_code: str):
        """Codes whose digest matches under any configured key (rotation in progress)."""
        return self.filter(digest__in=codes.candidate_digests(canonical_code))


class ActivationCodeManager(models.Manager.from_queryset(ActivationCodeQuerySet)):
    def issue(self, device, *, kind, by=None, ticket=None, plaintext=None):
        """Make ``device``'s new active code, superseding the previous one.

        Returns ``(code, plaintext)``: the plaintext exists only in this return
        value, for the agent to read out once or the importer to discard.
        """
        plaintext = plaintext or codes.generate()
        with transaction.atomic():
            device = type(device).objects.select_for_update().get(pk=device.pk)
            now = timezone.now()
            for previous in self.select_for_update().filter(device=device, status="active"):
                previous.status = ActivationCode.Status.SUPERSEDED
                previous.status_changed_at = now
                previous.save(update_fields=["status", "status_changed_at"])
                AuditEvent.record(
                    AuditEvent.Action.CODE_SUPERSEDED, actor=by, code=previous, device=device
                )
            code = self.model(device=device, kind=kind, issued_by=by, ticket=ticket)
            code.set_secret(plaintext)
            code.save()
            AuditEvent.record(
                AuditEvent.Action.CODE_ISSUED,
                actor=by,
                code=code,
                device=device,
                ticket=ticket,
                data={"kind": kind},
            )
        return code, plaintext


class ActivationCode(models.Model):
    class Kind(models.TextChoices):
        FACTORY = "factory", _("Factory")
        SUPPORT = "support", _("Issued by support")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUPERSEDED = "superseded", _("Superseded")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    device = models.ForeignKey("Device", on_delete=models.PROTECT, related_name="codes")
    kind = models.CharField(max_length=10, choices=Kind)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    digest = models.CharField(max_length=64, editable=False)
    ciphertext = models.BinaryField(editable=False)
    key_version = models.CharField(max_length=32, editable=False)
    hint = models.CharField(_("last 5 symbols"), max_length=codes.HINT_LENGTH, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="codes"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    use_count = models.PositiveIntegerField(default=0)
    reactivation_count = models.PositiveIntegerField(default=0)
    misuse_count = models.PositiveIntegerField(default=0)
    first_used_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ActivationCodeManager()

    class Meta:
        ordering = ["-issued_at"]
        permissions = [
            ("issue_code", "Can issue activation codes"),
            ("reveal_code", "Can reveal activation codes"),
            ("override_code_limit", "Can issue codes beyond the 30-day limit"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["digest"], name="activationcode_digest_unique"),
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(status="active"),
                name="activationcode_one_active_per_device",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "superseded", "suspended", "revoked"]),
                name="activationcode_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["factory", "support"]), name="activationcode_kind_valid"
            ),
        ]

    def __str__(self):
        return f"…{self.hint} ({self.get_status_display()})"

    @property
    def masked(self) -> str:
        return f"•••••-•••••-•••••-•••••-{self.hint}"

    @property
    def by_possession(self) -> bool:
        """Issued at once for the phone's request code (``possession.instant_issue``): a
        support code no agent issued."""
        return self.kind == self.Kind.SUPPORT and self.issued_by_id is None

    def get_origin_display(self) -> str:
        """Where the code came from, in words: its kind, with codes issued for a request
        code told apart from those an agent issued."""
        if self.by_possession:
            return _("Issued for the phone’s request code")
        return self.get_kind_display()

    def _associated_data(self) -> bytes:
        return f"activation-code:{self.public_id}:{self.device.public_id}".encode()

    def set_secret(self, canonical_code: str):
        """Store ``canonical_code`` as digest + ciphertext under the current key."""
        self.digest = codes.digest(canonical_code)
        self.ciphertext, self.key_version = codes.encrypt(canonical_code, self._associated_data())
        self.hint = codes.hint(canonical_code)

    def plaintext(self) -> str:
        """Decrypt without recording it; callers that show it use ``reveal``."""
        return codes.decrypt(self.ciphertext, self._associated_data(), self.key_version)

    def reveal(self, by, ip=None, reason="") -> str:
        """The code for its owner, or for staff with ``reveal_code`` and a reason; audited."""
        is_owner = by.is_authenticated and self.device.owner_id == by.pk
        if not is_owner:
            if not by.has_perm("activation.reveal_code"):
                raise DomainError("permission_denied", "Revealing codes needs its own permission.")
            if not reason.strip():
                raise DomainError(
                    "reason_required", "Say why you need to see this code.", about="reveal"
                )
        with transaction.atomic():
            plain = self.plaintext()
            AuditEvent.record(
                AuditEvent.Action.CODE_REVEALED,
                actor=by,
                code=self,
                device_id=self.device_id,
                ip=ip,
                data={"reason": reason.strip()[:200]} if reason.strip() else {},
            )
        return plain

    def _change_status(self, new_status, action, *, by=None, reason=""):
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if locked.status != self.Status.ACTIVE:
                raise DomainError(
                    "not_active",
                    f"The code is already {locked.status}.",
                    status=locked.get_status_display(),
                )
            locked.status = new_status
            locked.status_changed_at = timezone.now()
            locked.status_reason = reason[:200]
            locked.save(update_fields=["status", "status_changed_at", "status_reason"])
            AuditEvent.record(
                action, actor=by, code=locked, device_id=locked.device_id, data={"reason": reason}
            )
        self.status, self.status_changed_at = locked.status, locked.status_changed_at
        self.status_reason = locked.status_reason

    def suspend(self, reason, by=None):
        """Suspend on misuse (``by`` None: the API's own rule) or by an agent."""
        if by is not None and not by.has_perm("activation.issue_code"):
            raise DomainError("permission_denied")
        self._change_status(
            self.Status.SUSPENDED, AuditEvent.Action.CODE_SUSPENDED, by=by, reason=reason
        )

    def reinstate(self, by, reason=""):
        """Undo a suspension (e.g. misuse was a mistake), if no newer code exists."""
        if not by.has_perm("activation.issue_code"):
            raise DomainError("permission_denied")
        with transaction.atomic():
            device_model = self._meta.get_field("device").related_model
            device_model.objects.select_for_update().get(pk=self.device_id)
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if locked.status != self.Status.SUSPENDED:
                raise DomainError("not_suspended", "Only a suspended code can be reinstated.")
            if type(self).objects.filter(device_id=self.device_id, status="active").exists():
                raise DomainError("newer_code", "The phone already has a newer active code.")
            locked.status = self.Status.ACTIVE
            locked.status_changed_at = timezone.now()
            locked.status_reason = reason[:200]
            locked.save(update_fields=["status", "status_changed_at", "status_reason"])
            AuditEvent.record(
                AuditEvent.Action.CODE_REINSTATED,
                actor=by,
                code=locked,
                device_id=locked.device_id,
                data={"reason": reason},
            )
        self.status = locked.status

    def revoke(self, by, reason=""):
        """Withdraw the code for good (a lost or stolen phone); the reason is audited."""
        if not by.has_perm("activation.issue_code"):
            raise DomainError("permission_denied")
        if not (reason or "").strip():
            raise DomainError("reason_required", "Say why the code is revoked.", about="revoke")
        self._change_status(
            self.Status.REVOKED, AuditEvent.Action.CODE_REVOKED, by=by, reason=reason
        )
