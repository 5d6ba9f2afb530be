"""Devices, their activation codes, support requests and the append-only records.

State changes are methods that lock the rows they change and write everything in
one transaction (``ActivationCode.objects.issue``, ``code.suspend``, ...), each
writing its audit event in the same transaction, so nothing is ever half-written.
"""

import secrets
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import codes
from ..emails import notify


class DomainError(Exception):
    """A refused state change; ``code`` is machine-readable, views and the admin map it to
    translated words (``params`` fill them in). The message is for logs and tracebacks."""

    def __init__(self, code: str, message: str = "", **params):
        super().__init__(message or code)
        self.code = code
        self.params = params


ASCII_DIGITS = frozenset("0123456789")


def ascii_digits(value: str) -> bool:
    """Whether ``value`` is one or more of the digits 0-9 and nothing else.

    Not ``str.isdigit()``, ``int()`` or ``\\d``: they also take circled, superscript,
    Arabic-Indic and full-width digits, which no IMEI has and the database's check
    constraint refuses.
    """
    return bool(value) and ASCII_DIGITS.issuperset(value)


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit that follows ``body`` (ASCII digits)."""
    total = 0
    for i, char in enumerate(reversed(body)):
        value = "0123456789".index(char)  # ASCII only: int() reads other scripts' digits too
        if i % 2 == 0:  # every second digit from the right, starting next to the check
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_ok(digits: str) -> bool:
    return ascii_digits(digits) and digits[-1] == luhn_check_digit(digits[:-1])


def validate_imei(value: str):
    """15 ASCII digits ending in their Luhn check digit, as the database's constraint
    (``device_imei_15_digits``) and every phone's ``*#06#`` have it."""
    if not (isinstance(value, str) and len(value) == 15 and ascii_digits(value)):
        raise ValidationError(
            _("An IMEI has exactly 15 digits (dial *#06# or see Settings > About)."),
            code="imei_format",
        )
    if not luhn_ok(value):
        raise ValidationError(
            _("This IMEI fails its check digit: please check each digit again."),
            code="imei_checksum",
        )


def normalise_imei(raw: str) -> str:
    return "".join(ch for ch in (raw or "") if not ch.isspace() and ch not in "-/")


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

    def __str__(self):
        return f"{self.model_name or 'Device'} (IMEI …{self.imei[-4:]})"

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
            device = Device.objects.select_for_update().get(pk=device.pk)
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
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="codes")
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
            Device.objects.select_for_update().get(pk=self.device_id)
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


REFERENCE_LENGTH = 6


def looks_like_code(text: str) -> bool:
    """Whether ``text`` holds something shaped like an activation code (typos included)."""
    return bool(codes.CODE_LIKE_RE.search(text or ""))


def new_reference() -> str:
    return "ACT-" + "".join(secrets.choice(codes.ALPHABET) for _ in range(REFERENCE_LENGTH))


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Ticket.OPEN_STATUSES)

    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(customer=user)


class TicketManager(models.Manager.from_queryset(TicketQuerySet)):
    def request_code(
        self, device, *, reason, customer=None, channel="web", by=None, caller_email=""
    ):
        """Open a code request for ``device``, or join the one already open.

        Returns ``(ticket, created)``. A second request while one is open adds its
        reason to the open request as a message, so a device has one thread.
        """
        reason = (reason or "").strip()
        if by is not None and not by.has_perm("activation.add_ticket"):
            raise DomainError("permission_denied", "Only agents open requests for callers.")
        if not reason:
            raise DomainError("reason_required", "Say what happened on the phone.", about="request")
        if looks_like_code(reason):
            raise DomainError("contains_code", "Never write an activation code in a request.")
        with transaction.atomic():
            Device.objects.select_for_update().get(pk=device.pk)
            ticket = (
                self.select_for_update()
                .filter(device=device, kind=Ticket.Kind.CODE_REQUEST)
                .open()
                .first()
            )
            if ticket is not None:
                TicketMessage.objects.create(ticket=ticket, author=by or customer, body=reason)
                return ticket, False
            ticket = self.create(
                device=device,
                customer=customer,
                caller_email=caller_email,
                channel=channel,
                reason=reason,
            )
            AuditEvent.record(
                AuditEvent.Action.TICKET_OPENED,
                actor=by or customer,
                ticket=ticket,
                device=device,
                data={"channel": channel},
            )
        notify(ticket, "opened")
        return ticket, True

    def attach_phone_requests(self, user, email):
        """Phone requests taken under ``email`` become ``user``'s once they confirm it,
        and so do their phones that nobody owns yet (``Device.transfer_to``, audited)."""
        with transaction.atomic():
            tickets = self.select_for_update().filter(
                customer__isnull=True, caller_email__iexact=email
            )
            device_ids = list(tickets.values_list("device_id", flat=True))
            tickets.update(customer=user)
            for device in Device.objects.filter(pk__in=device_ids, owner__isnull=True):
                device.transfer_to(
                    user,
                    reason="A phone request under this e-mail; the account confirmed it",
                    unowned_only=True,
                )

    def open_ownership_review(self, claimant, device):
        with transaction.atomic():
            ticket = (
                self.filter(device=device, customer=claimant, kind=Ticket.Kind.OWNERSHIP)
                .open()
                .first()
            )
            if ticket is None:
                ticket = self.create(
                    device=device,
                    customer=claimant,
                    kind=Ticket.Kind.OWNERSHIP,
                    priority=Ticket.Priority.HIGH,
                    reason="The customer registered a phone that belongs to another account.",
                )
                AuditEvent.record(
                    AuditEvent.Action.TICKET_OPENED,
                    actor=claimant,
                    ticket=ticket,
                    device=device,
                    data={"kind": "ownership"},
                )
                notify(ticket, "opened")
        return ticket


class Ticket(models.Model):
    class Kind(models.TextChoices):
        CODE_REQUEST = "code", _("New activation code")
        OWNERSHIP = "ownership", _("Ownership review")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        PHONE = "phone", _("Phone")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for customer")
        CODE_ISSUED = "code_issued", _("Code issued")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    OPEN_STATUSES = ["new", "in_progress", "waiting", "code_issued"]

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.CODE_REQUEST)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    caller_email = models.EmailField(
        _("caller's e-mail"),
        blank=True,
        help_text=_("For phone requests from a caller without an account yet."),
    )
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="tickets")
    channel = models.CharField(max_length=5, choices=Channel, default=Channel.WEB)
    status = models.CharField(max_length=12, choices=Status, default=Status.NEW)
    priority = models.CharField(max_length=6, choices=Priority, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    reason = models.TextField(_("what happened"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    first_code_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    worked = models.BooleanField(_("did the code work?"), null=True, blank=True)
    # Verification checklist: complete before an agent may issue a code.
    imei_confirmed = models.BooleanField(_("IMEI confirmed"), default=False)
    email_confirmed = models.BooleanField(_("account e-mail confirmed"), default=False)
    proof_of_purchase = models.BooleanField(_("proof of purchase seen (optional)"), default=False)
    verified_by_possession = models.BooleanField(
        _("verified by the phone's request code"), default=False, editable=False
    )
    rejection_reason = models.TextField(blank=True)
    limit_override_reason = models.TextField(blank=True)

    objects = TicketManager()

    class Meta:
        ordering = ["created_at"]
        permissions = [
            ("export_reports", "Can export reports"),
            ("view_dashboard", "Can view the managers' dashboard"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(
                    kind="code", status__in=["new", "in_progress", "waiting", "code_issued"]
                ),
                name="ticket_one_open_code_request_per_device",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "new",
                        "in_progress",
                        "waiting",
                        "code_issued",
                        "resolved",
                        "rejected",
                    ]
                ),
                name="ticket_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="ticket_queue_idx")]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def contact_email(self) -> str:
        return self.customer.email if self.customer_id else self.caller_email

    @property
    def verification_complete(self) -> bool:
        return self.verified_by_possession or (self.imei_confirmed and self.email_confirmed)

    def _locked(self):
        return Ticket.objects.select_for_update().select_related("device").get(pk=self.pk)

    def _set_status(self, locked, status, *, by, **extra):
        old = locked.status
        locked.status = status
        for name, value in extra.items():
            setattr(locked, name, value)
        locked.save()
        AuditEvent.record(
            AuditEvent.Action.TICKET_STATUS,
            actor=by,
            ticket=locked,
            device_id=locked.device_id,
            data={"from": old, "to": status},
        )
        self.refresh_from_db()

    def assign(self, agent):
        if not agent.has_perm("activation.change_ticket"):
            raise DomainError("permission_denied")
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise DomainError("not_open", "This request is closed.")
            locked.assignee = agent
            if locked.status == self.Status.NEW:
                self._set_status(locked, self.Status.IN_PROGRESS, by=agent)
            else:
                locked.save(update_fields=["assignee", "updated_at"])
                self.refresh_from_db()

    def recent_support_codes(self) -> int:
        since = timezone.now() - timezone.timedelta(days=30)
        return ActivationCode.objects.filter(
            device_id=self.device_id, kind=ActivationCode.Kind.SUPPORT, issued_at__gte=since
        ).count()

    def issue_code(self, by=None, *, override_reason="", by_possession=False):
        """Issue the device a new support code; returns ``(code, plaintext)``.

        ``by`` is the agent, or None when the customer proved possession with the
        phone's request code. The ticket row is locked first, so two agents clicking at
        once produce one code: the second finds the request already answered.
        """
        if by is not None and not by.has_perm("activation.issue_code"):
            raise DomainError("permission_denied", "You may not issue codes.")
        if by is None and not by_possession:
            raise DomainError("permission_denied", "Codes are issued by agents.")
        with transaction.atomic():
            locked = self._locked()
            if locked.kind != self.Kind.CODE_REQUEST:
                raise DomainError("wrong_kind", "Ownership reviews do not issue codes.")
            if locked.status not in (self.Status.NEW, self.Status.IN_PROGRESS, self.Status.WAITING):
                raise DomainError(
                    "not_issuable",
                    f"A code cannot be issued while the request is {locked.status}.",
                    status=locked.get_status_display(),
                )
            if by_possession:
                locked.verified_by_possession = True
            if not locked.verification_complete:
                raise DomainError(
                    "verification_incomplete",
                    "Confirm the IMEI and the account e-mail before issuing a code.",
                )
            if locked.recent_support_codes() >= settings.SUPPORT_CODES_PER_DEVICE:
                if by is None or not by.has_perm("activation.override_code_limit"):
                    raise DomainError(
                        "code_limit",
                        f"This phone already had {settings.SUPPORT_CODES_PER_DEVICE} support "
                        "codes in 30 days; a manager must override.",
                        limit=settings.SUPPORT_CODES_PER_DEVICE,
                    )
                if not override_reason.strip():
                    raise DomainError("override_reason_required", "Give a reason to override.")
                locked.limit_override_reason = override_reason.strip()
                AuditEvent.record(
                    AuditEvent.Action.LIMIT_OVERRIDDEN,
                    actor=by,
                    ticket=locked,
                    device_id=locked.device_id,
                    data={"reason": override_reason.strip()},
                )
            if locked.customer_id:
                locked.device.transfer_to(
                    locked.customer,
                    by=by,
                    reason=f"Code issued on {locked.reference} for an unowned phone",
                    unowned_only=True,
                )
            code, plaintext = ActivationCode.objects.issue(
                locked.device, kind=ActivationCode.Kind.SUPPORT, by=by, ticket=locked
            )
            self._set_status(
                locked,
                self.Status.CODE_ISSUED,
                by=by,
                assignee=locked.assignee or by,
                first_code_at=locked.first_code_at or code.issued_at,
            )
        notify(self, "code_issued")
        return code, plaintext

    def verify(self, by, *, imei_confirmed, email_confirmed, proof_of_purchase=False):
        """Record the agent's verification checklist (audited)."""
        if not by.has_perm("activation.change_ticket"):
            raise DomainError("permission_denied")
        checklist = {
            "imei_confirmed": bool(imei_confirmed),
            "email_confirmed": bool(email_confirmed),
            "proof_of_purchase": bool(proof_of_purchase),
        }
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise DomainError("not_open", "This request is closed.")
            changed = {k: v for k, v in checklist.items() if getattr(locked, k) != v}
            if changed:
                Ticket.objects.filter(pk=locked.pk).update(**changed, updated_at=timezone.now())
                AuditEvent.record(
                    AuditEvent.Action.TICKET_VERIFIED,
                    actor=by,
                    ticket=locked,
                    device_id=locked.device_id,
                    data=changed,
                )
        for name, value in checklist.items():
            setattr(self, name, value)

    def reject(self, by, reason):
        if not by.has_perm("activation.change_ticket"):
            raise DomainError("permission_denied")
        if not (reason or "").strip():
            raise DomainError("reason_required", "Say why the request is rejected.", about="reject")
        if looks_like_code(reason):
            raise DomainError("contains_code", "Messages never carry activation codes: remove it.")
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise DomainError("not_open", "This request is already closed.")
            TicketMessage.objects.create(ticket=locked, author=by, body=reason.strip())
            self._set_status(
                locked,
                self.Status.REJECTED,
                by=by,
                rejection_reason=reason.strip(),
                resolved_at=timezone.now(),
            )
        notify(self, "rejected")

    def resolve(self, by):
        """Close the request as done (an agent, or the customer saying the code worked)."""
        if by != self.customer and not by.has_perm("activation.change_ticket"):
            raise DomainError("permission_denied")
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise DomainError("not_open", "This request is already closed.")
            self._set_status(locked, self.Status.RESOLVED, by=by, resolved_at=timezone.now())
        notify(self, "resolved")

    def reopen(self, by, *, priority=None):
        if by != self.customer and not by.has_perm("activation.change_ticket"):
            raise DomainError("permission_denied")
        with transaction.atomic():
            locked = self._locked()
            if locked.status == self.Status.IN_PROGRESS:
                raise DomainError("already_open", "This request is already being worked.")
            if (
                locked.kind == self.Kind.CODE_REQUEST
                and Ticket.objects.open()
                .filter(device_id=locked.device_id, kind=self.Kind.CODE_REQUEST)
                .exclude(pk=locked.pk)
                .exists()
            ):
                raise DomainError("other_open", "Another request for this phone is open.")
            self._set_status(
                locked,
                self.Status.IN_PROGRESS,
                by=by,
                resolved_at=None,
                priority=priority or locked.priority,
            )
        notify(self, "reopened")

    def record_outcome(self, by, *, worked: bool):
        """The customer says whether the code worked: yes resolves, no reopens urgently.

        One transaction under the request's lock: the answer is kept only if the request
        still waits for it and the resolve or reopen goes through."""
        if by != self.customer:
            raise DomainError("permission_denied")
        with transaction.atomic():
            locked = self._locked()
            if locked.status != self.Status.CODE_ISSUED:
                raise DomainError("no_code_yet", "There is no code on this request to try yet.")
            Ticket.objects.filter(pk=self.pk).update(worked=worked)
            if worked:
                self.resolve(by)
            else:
                self.reopen(by, priority=self.Priority.HIGH)

    def post_message(self, author, body, *, internal=False):
        """A reply on the thread: customers post publicly, agents publicly or internally."""
        body = (body or "").strip()
        if not body:
            raise DomainError("empty_message", "Write a message first.")
        is_agent = author.has_perm("activation.add_ticketmessage")
        if author != self.customer and not is_agent:
            raise DomainError("permission_denied")
        if internal and not is_agent:
            raise DomainError("permission_denied")
        if looks_like_code(body):
            raise DomainError("contains_code", "Messages never carry activation codes: remove it.")
        kind = TicketMessage.Kind.INTERNAL if internal else TicketMessage.Kind.PUBLIC
        with transaction.atomic():
            locked = self._locked()
            message = TicketMessage.objects.create(
                ticket=locked, author=author, kind=kind, body=body
            )
            if author == self.customer and locked.status == self.Status.WAITING:
                self._set_status(locked, self.Status.IN_PROGRESS, by=author)
            else:
                locked.save(update_fields=["updated_at"])
        if kind == TicketMessage.Kind.PUBLIC and author != self.customer:
            notify(self, "reply")
        return message


class TicketMessage(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Reply to customer")
        INTERNAL = "internal", _("Internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.PUBLIC)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.ticket_id}"


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
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    imei = models.CharField("IMEI", max_length=20)
    code = models.ForeignKey(
        ActivationCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
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
        ActivationCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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


class HelpEntry(models.Model):
    """One topic of the help centre in one language, edited from the support article."""

    class Section(models.TextChoices):
        SYMPTOMS = "symptoms", _("What you see")
        CAUSE = "cause", _("Why it happens")
        RESOLUTION = "resolution", _("What to do")
        FAQ = "faq", _("Questions")
        CONTACT = "contact", _("Contact support")

    slug = models.SlugField(max_length=80)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    section = models.CharField(max_length=12, choices=Section)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text=_("Paragraphs separated by a blank line."))
    article_id = models.CharField(max_length=20, default="KB2431699")
    revision = models.CharField(max_length=10, default="1")
    last_reviewed = models.DateField()
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["section", "position", "title"]
        verbose_name = _("help entry")
        verbose_name_plural = _("help entries")
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="helpentry_slug_language"),
        ]

    def __str__(self):
        return f"{self.title} [{self.language}]"


class SupportContact(models.Model):
    country_code = models.CharField(_("country code"), max_length=2, unique=True)
    country = models.CharField(max_length=80)
    phone = models.CharField(max_length=60)
    hours = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "country"]

    def __str__(self):
        return f"{self.country}: {self.phone}"


class HelpFeedback(models.Model):
    """An anonymous "Was this helpful?" answer."""

    entry = models.ForeignKey(HelpEntry, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{'Yes' if self.helpful else 'No'} on {self.entry_id}"


class CannedReply(models.Model):
    """A reply agents reuse; it can never carry an activation code."""

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return self.title

    def clean(self):
        if looks_like_code(self.body):
            raise ValidationError(
                {"body": _("A canned reply can never contain an activation code.")},
                code="contains_code",
            )
