"""Phones: registration, ownership transfer and an agent's lock, with the phone's own
e-mail (a suspended code). ``Device`` is the aggregate's root: it imports its codes and
requests, which reach it back only through their foreign keys.
"""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import emails
from .activation_codes import ActivationCode
from .records import AuditEvent
from .rules import DomainError, validate_imei
from .tickets import Ticket


class OSVersion(models.TextChoices):
    WP70 = "7.0", "Windows Phone 7.0"
    WP75 = "7.5", "Windows Phone 7.5"
    WP78 = "7.8", "Windows Phone 7.8"
    WP80 = "8.0", "Windows Phone 8.0"
    WP81 = "8.1", "Windows Phone 8.1"


class DeviceQuerySet(models.QuerySet):
    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def with_code_status(self):
        """Each phone with ``code_status``: its newest code's status (None: no code), so
        lists can say a code is suspended without a query per phone."""
        newest = ActivationCode.objects.filter(device=models.OuterRef("pk")).order_by("-issued_at")
        return self.annotate(code_status=models.Subquery(newest.values("status")[:1]))


class DeviceManager(models.Manager.from_queryset(DeviceQuerySet)):
    def register(self, owner, *, imei, os_version, model_name="", serial=""):
        """Register a phone to ``owner``; returns ``(device, review_ticket)``.

        A phone from a manufacturing batch with no owner becomes the customer's. A phone
        registered to someone else is never taken over: an ownership review request goes
        to the agents instead (``review_ticket``), and ``device`` is None.
        """
        with transaction.atomic():
            device = self.select_for_update().filter(imei=imei).first()
            if device is None:
                device = self.create(
                    imei=imei,
                    os_version=os_version,
                    model_name=model_name,
                    serial=serial,
                    owner=owner,
                )
            elif device.owner_id == owner.pk:
                raise DomainError("already_registered", "This phone is already in your list.")
            elif device.owner_id is None:
                device.owner = owner
                device.model_name = device.model_name or model_name
                device.serial = device.serial or serial
                device.save(update_fields=["owner", "model_name", "serial", "updated_at"])
            else:
                ticket = Ticket.objects.open_ownership_review(owner, device)
                return None, ticket
            AuditEvent.record(AuditEvent.Action.DEVICE_REGISTERED, actor=owner, device=device)
        return device, None


class Device(models.Model):
    class State(models.TextChoices):
        NOT_ACTIVATED = "not_activated", _("Not activated")
        DEFERRED = "deferred", _("Deferred (Skip)")
        ACTIVATED = "activated", _("Activated")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    imei = models.CharField("IMEI", max_length=15, unique=True, validators=[validate_imei])
    serial = models.CharField(_("serial number"), max_length=40, blank=True)
    model_name = models.CharField(_("model"), max_length=80, blank=True)
    os_version = models.CharField(_("OS version"), max_length=3, choices=OSVersion.choices)
    batch = models.CharField(_("manufacturing batch"), max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
    )
    activation_state = models.CharField(
        _("activation state"), max_length=16, choices=State, default=State.NOT_ACTIVATED
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(
        _("locked by an agent since"), null=True, blank=True, editable=False
    )
    request_counter = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeviceManager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("import_devices", "Can import manufacturing batches")]
        constraints = [
            models.CheckConstraint(
                condition=Q(imei__regex=r"^[0-9]{15}$"), name="device_imei_15_digits"
            ),
            models.CheckConstraint(
                condition=Q(activation_state__in=["not_activated", "deferred", "activated"]),
                name="device_activation_state_valid",
            ),
        ]
        indexes = [
            # The desk at millions of rows (see Ticket.Meta.indexes).
            models.Index(fields=["created_at"], name="device_created_idx"),
            models.Index(Upper("serial"), name="device_serial_upper_idx"),
        ]

    def __str__(self):
        return f"{self.model_name or 'Device'} (IMEI …{self.imei[-4:]})"

    def notify_code_suspended(self):
        """Tell the owner that their code was used on other phones and is suspended."""
        if self.owner_id and self.owner.email:
            send_device_email.enqueue(self.pk, "code_suspended")

    @property
    def is_wp7(self) -> bool:
        return self.os_version.startswith("7")

    @property
    def account_name(self) -> str:
        """What the phone calls the account on this OS version (article: WP7 note)."""
        return _("Windows Live ID") if self.is_wp7 else _("Microsoft account")

    @property
    def activate_screen_title(self) -> str:
        return _("ACTIVATE WINDOWS LIVE") if self.is_wp7 else _("ACTIVATE WINDOWS PHONE")

    def lock(self, by, reason):
        """Refuse every code on this phone, the right one too (a stolen phone), until an
        agent unlocks it (agents; audited). Wrong guesses never lock a phone: a stranger
        who knows the IMEI could otherwise stop its owner from activating it."""
        if not by.has_perm("activation.change_device"):
            raise DomainError("permission_denied")
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("reason_required")
        with transaction.atomic():
            now = timezone.now()
            updated = Device.objects.filter(pk=self.pk, locked_at__isnull=True).update(
                locked_at=now
            )
            if not updated:
                raise DomainError("already_locked", "This phone is already locked.")
            AuditEvent.record(
                AuditEvent.Action.DEVICE_LOCKED,
                actor=by,
                device=self,
                data={"reason": reason[:200]},
            )
        self.locked_at = now

    def transfer_to(self, user, *, by=None, reason, unowned_only=False) -> bool:
        """Make ``user`` the phone's owner (None: release it), audited; the one way a
        phone changes hands. Returns whether it did.

        ``by`` is a member of staff (``change_device``), the owner releasing their own
        phone, or None for the portal's own rules (a caller's phone request attached at
        sign-up, a code issued by proof of possession). ``unowned_only``: move it only if
        nobody owns it, decided under the row lock (those rules never take a phone away).
        """
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(
                "reason_required", "Say why the phone changes owner.", about="transfer"
            )
        with transaction.atomic():
            locked = Device.objects.select_for_update().get(pk=self.pk)
            releasing_own = user is None and by is not None and locked.owner_id == by.pk
            if by is not None and not (by.has_perm("activation.change_device") or releasing_own):
                raise DomainError("permission_denied", "You may not move phones between accounts.")
            new_owner_id = user.pk if user is not None else None
            if locked.owner_id == new_owner_id or (unowned_only and locked.owner_id is not None):
                self.owner_id = locked.owner_id
                return False
            previous = locked.owner_id
            locked.owner_id = new_owner_id
            locked.save(update_fields=["owner", "updated_at"])
            AuditEvent.record(
                AuditEvent.Action.DEVICE_TRANSFERRED,
                actor=by,
                device=locked,
                data={
                    "from": f"user:{previous}" if previous else None,
                    "to": f"user:{new_owner_id}" if new_owner_id else None,
                    "reason": reason[:200],
                },
            )
        self.owner = user
        return True

    def unlock(self, by):
        """Lift an agent's lock: the phone's codes work again (agents; audited)."""
        if not by.has_perm("activation.change_device"):
            raise DomainError("permission_denied")
        with transaction.atomic():
            updated = Device.objects.filter(pk=self.pk, locked_at__isnull=False).update(
                locked_at=None
            )
            if not updated:
                raise DomainError("not_locked", "This phone is not locked.")
            AuditEvent.record(AuditEvent.Action.DEVICE_UNLOCKED, actor=by, device=self)
        self.locked_at = None


def device_text_problem(field_name: str, value: str, label: str = "") -> str:
    """Why the database would refuse ``value`` for ``Device.<field_name>``, or "".

    For imports, which write with ``bulk_create`` or COPY and skip the model's
    validation: the column's length (SQLite does not enforce it, PostgreSQL does) and
    NUL characters (PostgreSQL text cannot hold them; forms refuse them already).
    """
    label = label or field_name
    limit = Device._meta.get_field(field_name).max_length
    if len(value) > limit:
        return f"{label} is longer than {limit} characters"
    if "\x00" in value:
        return f"{label} contains a NUL character"
    return ""


@task()
def send_device_email(device_pk: int, event: str):
    device = Device.objects.select_related("owner").filter(pk=device_pk).first()
    if device is None or device.owner is None:
        return
    emails.send(
        device.owner.email,
        "code_suspended",
        {
            "device": device,
            "link": settings.SITE_URL + reverse("device_detail", args=[device.public_id]),
        },
        device.owner.language,
    )
