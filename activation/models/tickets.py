"""Support requests (code requests and ownership reviews) and their messages.

A request's phone is ``Device`` (``devices.py``, which imports this module): it is reached
through the ``device`` foreign key, never imported.
"""

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import codes, emails
from .activation_codes import ActivationCode
from .indexes import PostgresGinIndex
from .records import AuditEvent
from .rules import DomainError, looks_like_code

REFERENCE_LENGTH = 6


# What a request's e-mail can be about (templates/emails/ticket_update.*).
EMAIL_EVENTS = {
    "opened",
    "code_issued",
    "rejected",
    "resolved",
    "reopened",
    "reply",
    "code_suspended",
}


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
            type(device).objects.select_for_update().get(pk=device.pk)
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
        ticket.notify("opened")
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
            device_model = self.model._meta.get_field("device").related_model
            for device in device_model.objects.filter(pk__in=device_ids, owner__isnull=True):
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
                ticket.notify("opened")
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
    device = models.ForeignKey("Device", on_delete=models.PROTECT, related_name="tickets")
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
        indexes = [
            models.Index(fields=["status", "created_at"], name="ticket_queue_idx"),
            # The desk at millions of rows (admin/common.py: LargeTableAdmin): lists page
            # by created_at; a search by one field compiles to UPPER(field::text) = or LIKE,
            # which only an index on that expression (or a trigram one) serves.
            models.Index(fields=["created_at"], name="ticket_created_idx"),
            # The queue (open requests, oldest first): the open ones are the newest, so
            # walking the whole table's created_at index from the oldest reads all history.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["new", "in_progress", "waiting", "code_issued"]),
                name="ticket_open_created_idx",
            ),
            models.Index(Upper("reference"), name="ticket_reference_upper_idx"),
            models.Index(Upper("caller_email"), name="ticket_caller_email_upper_idx"),
            PostgresGinIndex(
                OpClass(Upper("caller_email"), name="gin_trgm_ops"),
                name="ticket_caller_email_trgm_idx",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def contact_email(self) -> str:
        return self.customer.email if self.customer_id else self.caller_email

    def notify(self, event: str):
        """Queue the customer's e-mail about ``event`` on this request."""
        assert event in EMAIL_EVENTS, event
        if self.contact_email:
            send_ticket_email.enqueue(self.pk, event)

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
        self.notify("code_issued")
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
        self.notify("rejected")

    def resolve(self, by):
        """Close the request as done (an agent, or the customer saying the code worked)."""
        if by != self.customer and not by.has_perm("activation.change_ticket"):
            raise DomainError("permission_denied")
        with transaction.atomic():
            locked = self._locked()
            if not locked.is_open:
                raise DomainError("not_open", "This request is already closed.")
            self._set_status(locked, self.Status.RESOLVED, by=by, resolved_at=timezone.now())
        self.notify("resolved")

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
        self.notify("reopened")

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
            self.notify("reply")
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


@task()
def send_ticket_email(ticket_pk: int, event: str):
    ticket = Ticket.objects.select_related("customer", "device").filter(pk=ticket_pk).first()
    if ticket is None or not ticket.contact_email:
        return
    if ticket.customer_id:
        link = settings.SITE_URL + reverse("ticket_detail", args=[ticket.reference])
        language = ticket.customer.language
    else:
        link = settings.SITE_URL + reverse("account_signup")
        language = None
    last_reply = ticket.messages.filter(kind="public").order_by("-created_at").first()
    emails.send(
        ticket.contact_email,
        "ticket_update",
        {
            "ticket": ticket,
            "event": event,
            "link": link,
            "has_account": bool(ticket.customer_id),
            "reply": last_reply if event == "reply" else None,
        },
        language,
    )
