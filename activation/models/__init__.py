"""The domain models, one module per aggregate; every public name is importable from here.

Layers inside the package, each importing only those below it (``scripts/import_cycles.py``):

- ``devices``: ``Device`` (the aggregate's root: registration, ownership, an agent's lock);
- ``tickets``: ``Ticket``, ``TicketMessage`` (code requests, ownership reviews);
- ``activation_codes``: ``ActivationCode`` (issue, reveal, suspend, reinstate, revoke);
- ``records``: ``ActivationAttempt``, ``AuditEvent`` (append-only);
- ``content``: ``HelpEntry``, ``HelpFeedback``, ``SupportContact``, ``CannedReply``;
- ``rules``: ``DomainError`` and the IMEI rules, which every aggregate shares.

Codes and requests reach their phone through their ``device`` foreign key, never by
importing ``Device``. State changes are model methods that lock the rows they change and
write everything, audit event included, in one transaction.
"""

from .activation_codes import ActivationCode, ActivationCodeManager, ActivationCodeQuerySet
from .content import CannedReply, HelpEntry, HelpFeedback, SupportContact
from .devices import Device, DeviceManager, DeviceQuerySet, OSVersion, device_text_problem
from .records import PURGE_FLAG, ActivationAttempt, AppendOnly, AuditEvent, AuditEventQuerySet
from .rules import (
    ASCII_DIGITS,
    DomainError,
    ascii_digits,
    looks_like_code,
    luhn_check_digit,
    luhn_ok,
    normalise_imei,
    validate_imei,
)
from .tickets import (
    REFERENCE_LENGTH,
    Ticket,
    TicketManager,
    TicketMessage,
    TicketQuerySet,
    new_reference,
)

__all__ = [
    "ASCII_DIGITS",
    "PURGE_FLAG",
    "REFERENCE_LENGTH",
    "ActivationAttempt",
    "ActivationCode",
    "ActivationCodeManager",
    "ActivationCodeQuerySet",
    "AppendOnly",
    "AuditEvent",
    "AuditEventQuerySet",
    "CannedReply",
    "Device",
    "DeviceManager",
    "DeviceQuerySet",
    "DomainError",
    "HelpEntry",
    "HelpFeedback",
    "OSVersion",
    "SupportContact",
    "Ticket",
    "TicketManager",
    "TicketMessage",
    "TicketQuerySet",
    "ascii_digits",
    "device_text_problem",
    "looks_like_code",
    "luhn_check_digit",
    "luhn_ok",
    "new_reference",
    "normalise_imei",
    "validate_imei",
]
