"""Customers' data rights: what we hold about an account, and erasing it.

``export_data(user)`` is everything the portal holds about one account, as plain
data for the "Download my data" file: never a code, digest or ciphertext (the owner
retrieves codes through "Show my code", which asks for the password and is audited).

``delete_account(user, by=...)`` is the erasure workflow. It spans devices, codes,
requests, messages, attempts, sessions and allauth's tables, so it lives here as one
function rather than on a model. In one transaction, with the rows it changes locked:

- the account's phones are released (no owner, ``Device.transfer_to``) and their active
  or suspended codes revoked, each release and revocation audited: whoever holds the
  phone next asks support for a new code, and nobody can use the old one;
- open requests are closed as rejected, with an internal note, each change audited;
- personal data is erased: e-mail replaced by ``deleted-<random>@invalid``, names
  blanked, password unusable, account inactive without staff rights; allauth e-mail
  addresses, MFA authenticators and every session deleted; the customer's messages
  and all text on their requests (messages, whoever wrote them, and reasons) become
  "[deleted]", caller e-mails blank, IP addresses on their phones' attempts and on
  their own audit events nulled;
- the audit trail stays whole: the user row is kept (anonymised), so audit events
  keep ``actor`` and their pseudonymous ``actor_label`` "user:<pk>". AuditEvent rows
  are append-only; the only change made to them is nulling ``ip`` (a queryset update,
  never ``save()``), which is personal data and not needed for the history.
"""

import secrets
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from activation.models import (
    ActivationAttempt,
    ActivationCode,
    AuditEvent,
    Device,
    DomainError,
    Ticket,
    TicketMessage,
)

ACCOUNT_DELETED = AuditEvent.Action.ACCOUNT_DELETED
DELETED_BODY = "[deleted]"
ERASED_DOMAIN = "invalid"
CLOSING_NOTE = "Closed: the customer's account was deleted."
REVOKE_REASON = "Account deleted"


def is_erased(user) -> bool:
    return not user.is_active and user.email.endswith("@" + ERASED_DOMAIN)


def may_erase_for_others(user) -> bool:
    """Who may erase a caller's account from the admin: superusers and anyone granted
    ``accounts.delete_user`` (the "Support managers" group has it)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.has_perm("accounts.delete_user")


# Download my data ------------------------------------------------------------------------


def _when(value):
    return value.isoformat() if value else None


def export_data(user) -> dict:
    """Everything about ``user``'s account, ready for ``json.dumps``."""
    devices = list(Device.objects.owned_by(user).prefetch_related("codes").order_by("created_at"))
    tickets = (
        Ticket.objects.owned_by(user)
        .select_related("device")
        .prefetch_related("messages")
        .order_by("created_at")
    )
    attempts = ActivationAttempt.objects.filter(device__in=devices).select_related("device")
    return {
        "format": "activation-portal-personal-data/1",
        "generated_at": _when(timezone.now()),
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "two_factor_authentication": [
            {"type": item.type, "created_at": _when(item.created_at)}
            for item in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "sessions": [
            {
                "ip": session.ip,
                "user_agent": session.user_agent,
                "created_at": _when(session.created_at),
                "last_seen_at": _when(session.last_seen_at),
            }
            for session in UserSession.objects.filter(user=user).order_by("created_at")
        ],
        "devices": [_device(device) for device in devices],
        "requests": [_ticket(ticket, user.pk) for ticket in tickets],
        "activation_history": [
            {
                "at": _when(attempt.created_at),
                "device": str(attempt.device.public_id),
                "imei": attempt.imei,
                "result": attempt.result,
                "reason": attempt.reason,
                "ip": attempt.ip,
            }
            for attempt in attempts.order_by("created_at", "pk")
        ],
        "your_actions": [
            {"at": _when(event.created_at), "action": event.action, "ip": event.ip}
            for event in AuditEvent.objects.filter(actor=user).order_by("created_at", "pk")
        ],
    }


def _device(device) -> dict:
    return {
        "id": str(device.public_id),
        "imei": device.imei,
        "serial": device.serial,
        "model": device.model_name,
        "os_version": device.os_version,
        "activation_state": device.activation_state,
        "activated_at": _when(device.activated_at),
        "registered_at": _when(device.created_at),
        # Metadata only: the code itself is shown by "Show my code", never exported.
        "codes": [
            {
                "id": str(code.public_id),
                "kind": code.kind,
                "status": code.status,
                "ends_with": code.hint,
                "issued_at": _when(code.issued_at),
                "status_changed_at": _when(code.status_changed_at),
                "first_used_at": _when(code.first_used_at),
                "last_used_at": _when(code.last_used_at),
                "use_count": code.use_count,
                "reactivation_count": code.reactivation_count,
            }
            for code in device.codes.all()
        ],
    }


def _ticket(ticket, owner_id) -> dict:
    return {
        "reference": ticket.reference,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "status": ticket.status,
        # A phone registered to someone else (an ownership review) is only what the
        # customer typed: its IMEI, never the owner's device id.
        "device": str(ticket.device.public_id) if ticket.device.owner_id == owner_id else None,
        "imei": ticket.device.imei,
        "what_happened": ticket.reason,
        "opened_at": _when(ticket.created_at),
        "resolved_at": _when(ticket.resolved_at),
        "code_worked": ticket.worked,
        "rejection_reason": ticket.rejection_reason,
        # Internal agent notes are support's working notes, not part of the thread.
        "messages": [
            {
                "at": _when(message.created_at),
                "from": "you" if message.author_id == ticket.customer_id else "support",
                "body": message.body,
            }
            for message in ticket.messages.all()
            if message.kind == TicketMessage.Kind.PUBLIC
        ],
    }


# Delete my account -----------------------------------------------------------------------


def delete_account(user, *, by) -> dict:
    """Erase ``user``'s personal data (see the module docstring); returns counts.

    ``by`` is the user themselves (self-service, after reauthentication) or a member
    of staff for whom ``may_erase_for_others`` holds (a caller on the phone).
    """
    User = get_user_model()
    if by.pk != user.pk and not may_erase_for_others(by):
        raise DomainError("permission_denied", "You may not delete other people's accounts.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if is_erased(locked):
            raise DomainError("already_deleted", "This account was already deleted.")
        if locked.is_staff or locked.is_superuser:
            raise DomainError("staff_account", "Staff accounts are closed by an administrator.")
        old_email, language = locked.email, locked.language
        now = timezone.now()

        device_ids = list(
            Device.objects.select_for_update().filter(owner=locked).values_list("pk", flat=True)
        )
        # Their requests: as a customer, and phone requests taken under their e-mail
        # before they signed up. Free text there is about them whoever wrote it
        # (support's replies greet them by name): every message and reason goes, the
        # rows stay.
        ticket_ids = list(
            Ticket.objects.select_for_update()
            .filter(Q(customer=locked) | Q(customer__isnull=True, caller_email__iexact=old_email))
            .values_list("pk", flat=True)
        )
        TicketMessage.objects.filter(Q(author=locked) | Q(ticket_id__in=ticket_ids)).update(
            body=DELETED_BODY
        )
        tickets = Ticket.objects.filter(pk__in=ticket_ids)
        tickets.update(caller_email="", updated_at=now)
        for field in ("reason", "rejection_reason", "limit_override_reason"):
            tickets.exclude(**{field: ""}).update(**{field: DELETED_BODY})
        closed = _close_requests(ticket_ids, locked, by, now)
        revoked = _revoke_codes(device_ids, by, now)
        # Released on the account's behalf, as its owner could (the erasure's own event
        # below names who ran it).
        for device in Device.objects.filter(pk__in=device_ids):
            device.transfer_to(None, by=locked, reason=REVOKE_REASON)
        ActivationAttempt.objects.filter(device_id__in=device_ids).exclude(ip=None).update(ip=None)
        # Append-only rows: nulling the personal field only, as a queryset update.
        AuditEvent.objects.filter(actor=locked).exclude(ip=None).update(ip=None)

        EmailAddress.objects.filter(user=locked).delete()
        Authenticator.objects.filter(user=locked).delete()
        _end_sessions(locked)

        locked.email = f"deleted-{secrets.token_hex(8)}@{ERASED_DOMAIN}"
        locked.first_name = locked.last_name = ""
        locked.set_unusable_password()
        locked.is_active = locked.is_staff = locked.is_superuser = False
        locked.last_login = None
        locked.save()
        locked.groups.clear()
        locked.user_permissions.clear()
        # The admin's history names users by their e-mail (``User.__str__``).
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(locked.pk)
        ).update(object_repr=locked.email)

        counts = {
            "devices_released": len(device_ids),
            "requests_closed": closed,
            "codes_revoked": revoked,
        }
        AuditEvent.record(ACCOUNT_DELETED, actor=by, data={"user": f"user:{locked.pk}", **counts})

    from accounts.emails import send_account_deleted

    send_account_deleted.enqueue(old_email, language)
    user.refresh_from_db()
    return counts


def _close_requests(ticket_ids, user, by, now) -> int:
    tickets = list(Ticket.objects.filter(pk__in=ticket_ids).open())
    for ticket in tickets:
        Ticket.objects.filter(pk=ticket.pk).update(
            status=Ticket.Status.REJECTED,
            rejection_reason=CLOSING_NOTE,
            resolved_at=now,
            updated_at=now,
        )
        author = None if by.pk == user.pk else by
        TicketMessage.objects.create(
            ticket=ticket, author=author, kind=TicketMessage.Kind.INTERNAL, body=CLOSING_NOTE
        )
        AuditEvent.record(
            AuditEvent.Action.TICKET_STATUS,
            actor=by,
            ticket=ticket,
            device_id=ticket.device_id,
            data={"from": ticket.status, "to": Ticket.Status.REJECTED, "reason": "account_deleted"},
        )
    return len(tickets)


def _revoke_codes(device_ids, by, now) -> int:
    # Not ``code.revoke()``: that is an agent's action and checks ``issue_code``.
    live = [ActivationCode.Status.ACTIVE, ActivationCode.Status.SUSPENDED]
    revoked = list(
        ActivationCode.objects.select_for_update()
        .filter(device_id__in=device_ids, status__in=live)
        .only("pk", "device_id")
    )
    ActivationCode.objects.filter(pk__in=[code.pk for code in revoked]).update(
        status=ActivationCode.Status.REVOKED, status_changed_at=now, status_reason=REVOKE_REASON
    )
    for code in revoked:
        AuditEvent.record(
            AuditEvent.Action.CODE_REVOKED,
            actor=by,
            code_id=code.pk,
            device_id=code.device_id,
            data={"reason": REVOKE_REASON},
        )
    return len(revoked)


def _end_sessions(user):
    """Sign the account out everywhere: allauth's tracked sessions, then any other
    Django session still naming the user (only the database engines can be searched)."""
    for session in UserSession.objects.filter(user=user):
        session.end()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DatabaseSessionStore):
        return  # only sessions kept in the database can be searched
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(2000):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store().delete(session.session_key)  # the cached_db engine's cache entry too
