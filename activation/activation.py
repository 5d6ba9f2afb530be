"""The activation workflow a phone runs, shared by the device API and the simulator.

``activate(imei, typed_code, ip=...)`` returns an ``Outcome``; the API turns it into
JSON and the simulator into the phone's words. A failure has one public face
(``invalid_code``) whatever went wrong, while its real reason is written to
``ActivationAttempt`` (never the code itself). The rules, in order:

1. A typo caught by the check symbol is ``malformed``: no guess is counted.
2. The phone's row is locked for the rest, so everything tried on one phone is
   serialised (across app servers too) and the use counts are exact under concurrency.
   A phone an agent locked (a stolen phone) fails, whatever the code.
3. The phone's own active code activates: the first use, or a reactivation after a
   factory reset (counted, never "using up" the code). No guess limit is looked at
   first, so nobody else's wrong guesses can stop the right code.
4. Anything else is a failed guess, and wrong guesses cost the guesser, never the
   owner: each is counted per client address (all phones) and per IMEI (all
   addresses) in windows shared by all app servers (see ``ratelimit``). Once either is
   full, failed guesses get ``rate_limited`` (with ``Retry-After``) without the code
   being looked at further. A code has ~110 bits, so guessing cannot succeed; the
   limits slow guessers down, and the phone is never locked by them.
5. A code bound to another phone is misuse: counted on the code, and once it was seen
   on ``MISUSE_DEVICES`` other phones in ``MISUSE_DAYS`` days it is suspended and its
   owner is e-mailed to request a new one.

If the counters cannot be reached, ``ratelimit.LimiterUnavailable`` propagates and the
caller answers 503: no wrong guess is ever answered without its limit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import codes, ratelimit
from .models import ActivationAttempt, ActivationCode, Device, DomainError

MISUSE_DEVICES = 2
MISUSE_DAYS = 30
Result = ActivationAttempt.Result


@dataclass(frozen=True)
class Outcome:
    """What happened. ``status`` is public; ``reason`` is for the records only."""

    status: str  # activated | malformed | invalid_code | rate_limited
    reason: str = ""
    device: Device | None = None
    reactivated: bool = False
    activated_at: datetime | None = None
    message: str = ""
    position: int | None = None
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "activated"


def _limit(name):
    return settings.API_RATE_LIMITS[name]


def _record(imei, ip, result, reason, *, device=None, code=None, code_id=None):
    ActivationAttempt.objects.create(
        device_id=device.pk if device else None,
        imei=imei[:20],
        code_id=code.pk if code else code_id,
        ip=ip,
        result=result,
        reason=reason,
    )


def limit_client(ip: str | None, imei: str = "") -> ratelimit.Limit:
    """Count one request from ``ip`` (API and simulator alike).

    The first refusal in a window is recorded; later ones are not, so a flood does
    not turn into a flood of rows.
    """
    limit, window = _limit("requests_per_ip")
    counted = ratelimit.hit("ip", ip or "unknown", limit=limit, window=window)
    if counted.count == limit + 1:
        _record(imei, ip, Result.RATE_LIMITED, "ip_limit")
    return counted


def activate(imei: str, typed_code: str, *, ip: str | None = None) -> Outcome:
    """Try ``typed_code`` on the phone ``imei`` (already a valid IMEI)."""
    try:
        canonical = codes.normalise(typed_code)
    except codes.MalformedCode as error:
        device = Device.objects.filter(imei=imei).first()
        _record(imei, ip, Result.MALFORMED, error.code, device=device)
        return Outcome("malformed", error.code, message=str(error), position=error.position)

    suspended_owner = None
    with transaction.atomic():
        device = _lock_phone(imei)
        if device is not None and device.locked_at is not None:
            _record(imei, ip, Result.FAILED, "device_locked", device=device)
            return Outcome("invalid_code", "device_locked")
        outcome = _use_own_code(device, imei, canonical, ip)
        if outcome is not None:
            return outcome
        refused = _count_failed_guess(imei, ip)
        if refused is not None:
            reason, window = refused
            _record(imei, ip, Result.RATE_LIMITED, reason, device=device)
            return Outcome("rate_limited", reason, retry_after=window.retry_after)
        outcome = _try(device, imei, canonical, ip)
        if outcome.reason == "misuse_suspended":
            suspended_owner = outcome.device
            outcome = Outcome("invalid_code", "other_device")
    if suspended_owner is not None:
        suspended_owner.notify_code_suspended()
    return outcome


_PHONE_FIELDS = ("id", "imei", "locked_at", "activation_state")


def _lock_phone(imei) -> Device | None:
    """The phone's row with the fields the workflow reads, locked until the transaction
    ends; None for an unknown IMEI.

    On PostgreSQL a written-out statement: building the same ORM query costs ~0.4 ms of
    the app server's CPU per activation. Measured in the same run (issue 16,
    docs/performance.md, "Complexity that pays for itself"): with the ORM's query
    instead, 651 activations/s against 753 (0.73 x the one-write floor against 0.85;
    the goal is 0.8 x). SQLite has no row locks (Django drops FOR UPDATE there) and
    needs the ORM's value converters, so it keeps the ORM's query.
    """
    if connection.vendor != "postgresql":
        return _first(Device.objects.select_for_update().filter(imei=imei).only(*_PHONE_FIELDS))
    sql, attnames = _lock_phone_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [imei])
        row = cursor.fetchone()
    return None if row is None else Device.from_db(connection.alias, attnames, row)


@cache
def _lock_phone_statement() -> tuple[str, tuple[str, ...]]:
    """The lock's SQL and its columns' names, in the model's order (as ``from_db`` wants)."""
    fields = [f for f in Device._meta.concrete_fields if f.attname in _PHONE_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(Device._meta.db_table)} WHERE imei = %s FOR UPDATE"  # noqa: S608
    return sql, tuple(f.attname for f in fields)


def _count_failed_guess(imei, ip) -> tuple[str, ratelimit.Limit] | None:
    """Count a failed guess against its address and its IMEI; ``(reason, window)`` if
    one of them is over its limit (the guess is then refused), else None.

    Only guesses that are not the phone's own active code get here (it was tried
    first), so the owner's right code never waits for these windows. Both counters are
    atomic increments, so concurrent guesses on several app servers never get more
    answers than the limits allow. A refused guess still counts: it costs the guesser.
    """
    by_ip, ip_window = _limit("guesses_per_ip")
    by_imei, imei_window = _limit("guesses_per_imei")
    windows = (
        (
            "ip_guess_limit",
            ratelimit.hit("guess-ip", ip or "unknown", limit=by_ip, window=ip_window),
        ),
        ("imei_limit", ratelimit.hit("imei", imei, limit=by_imei, window=imei_window)),
    )
    full = [(reason, window) for reason, window in windows if not window.allowed]
    return max(full, key=lambda item: item[1].retry_after) if full else None


def _first(queryset):
    """The first row or None, without ``first()``'s ORDER BY (the hot path is lean)."""
    return next(iter(queryset.order_by()[:1]), None)


def _use_own_code(device, imei, canonical, ip) -> Outcome | None:
    """The common case in one statement: count a use of the phone's own active code.

    The only path of a success. The phone's row is locked, so every use of its codes is
    serialised; the UPDATE locks the code's row and checks it is still active and still
    this phone's in the same statement (an agent revoking it at the same moment wins or
    waits). ``use_count`` and ``first_used_at`` are only ever set together here, so the
    new count tells a first activation (1) from a reactivation. None when nothing
    matched: the caller then counts a failed guess and looks at the code to say why
    (``_try``), so a success never waits for a guess window.

    Written out because the ORM's ``update()`` returns no rows. On PostgreSQL the same
    statement also marks the phone activated (first time only) and writes the attempt
    row (a CTE), so a success is one round trip inside the transaction; SQLite has no
    data-modifying CTE, so there the UPDATE ... RETURNING is followed by the ORM's
    writes (``_activated``). Measured in the same run (issue 16, docs/performance.md):
    the three statements on PostgreSQL too gave 688 activations/s against 753 (0.78 x
    the one-write floor against 0.85; the goal is 0.8 x); the ORM's read-then-update
    346 against 484 in another run (0.56 x).
    """
    if device is None:
        return None
    now = timezone.now()
    if connection.vendor != "postgresql":
        row = _count_use(device, codes.candidate_digests(canonical), now)
        return None if row is None else _activated(device, row[0], row[1] > 1, now, imei, ip)
    row = _count_use_and_record(device, codes.candidate_digests(canonical), now, imei, ip)
    if row is None:
        return None
    return Outcome("activated", device=device, reactivated=row[1] > 1, activated_at=now)


_COUNT_USE = (
    "UPDATE {code} SET use_count = use_count + 1, "
    "reactivation_count = reactivation_count"
    " + CASE WHEN first_used_at IS NULL THEN 0 ELSE 1 END, "
    "first_used_at = COALESCE(first_used_at, %s), last_used_at = %s "
    "WHERE device_id = %s AND status = %s AND digest IN ({digests}) "
    "RETURNING id, use_count"
)


def _count_use_sql(digests):
    table = connection.ops.quote_name(ActivationCode._meta.db_table)
    return _COUNT_USE.format(code=table, digests=", ".join(["%s"] * len(digests)))


def _count_use_params(device, digests, now):
    when = connection.ops.adapt_datetimefield_value(now)
    return [when, when, device.pk, ActivationCode.Status.ACTIVE, *digests]


def _count_use(device, digests, now):
    """``(code id, use count)`` after counting a use of the phone's active code, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_count_use_sql(digests), _count_use_params(device, digests, now))
        return cursor.fetchone()


_MARK_ACTIVATED = (
    ", state AS (UPDATE {device} SET activation_state = %s, activated_at = %s, updated_at = %s "
    "WHERE id = %s AND EXISTS (SELECT 1 FROM used))"
)
_RECORD_USE = (
    ", attempt AS (INSERT INTO {attempt} "
    "(device_id, imei, code_id, ip, result, reason, created_at) "
    "SELECT %s, %s, id, %s, CASE WHEN use_count > 1 THEN %s ELSE %s END, '', %s FROM used) "
    "SELECT id, use_count FROM used"
)


def _count_use_and_record(device, digests, now, imei, ip):
    """``_count_use`` and ``_activated``'s writes in one PostgreSQL statement."""
    quote = connection.ops.quote_name
    when = connection.ops.adapt_datetimefield_value(now)
    sql = f"WITH used AS ({_count_use_sql(digests)})"
    params = _count_use_params(device, digests, now)
    if device.activation_state != Device.State.ACTIVATED:  # a reactivation changes nothing
        sql += _MARK_ACTIVATED.format(device=quote(Device._meta.db_table))
        params += [Device.State.ACTIVATED, when, when, device.pk]
    sql += _RECORD_USE.format(attempt=quote(ActivationAttempt._meta.db_table))
    params += [device.pk, imei[:20], ip, Result.REACTIVATED, Result.ACTIVATED, when]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _try(device, imei, canonical, ip) -> Outcome:
    # Only the code's row is locked here: the phone's own row is already locked, and
    # another phone's row is never locked after it (two phones trading codes would
    # otherwise deadlock).
    code = _first(
        ActivationCode.objects.matching(canonical)
        .select_for_update(of=("self",))
        .only("id", "device_id", "status")
    )
    if code is None:
        _record(imei, ip, Result.FAILED, "unknown_code", device=device)
        return Outcome("invalid_code", "unknown_code")
    if device is None or code.device_id != device.pk:
        return _misuse(code, device, imei, ip)
    if code.status == ActivationCode.Status.ACTIVE:  # issued to this phone a moment ago
        outcome = _use_own_code(device, imei, canonical, ip)
        if outcome is not None:
            return outcome
    _record(imei, ip, Result.FAILED, code.status, device=device, code=code)
    return Outcome("invalid_code", code.status)


def _activated(device, code_id, reactivated, now, imei, ip) -> Outcome:
    if device.activation_state != Device.State.ACTIVATED:  # a reactivation changes nothing
        Device.objects.filter(pk=device.pk).update(
            activation_state=Device.State.ACTIVATED, activated_at=now, updated_at=now
        )
    result = Result.REACTIVATED if reactivated else Result.ACTIVATED
    _record(imei, ip, result, "", device=device, code_id=code_id)
    return Outcome("activated", device=device, reactivated=reactivated, activated_at=now)


def _misuse(code, device, imei, ip) -> Outcome:
    """``code`` (row locked) was typed on a phone it does not belong to."""
    _record(imei, ip, Result.FAILED, "other_device", device=device, code=code)
    ActivationCode.objects.filter(pk=code.pk).update(misuse_count=F("misuse_count") + 1)
    since = timezone.now() - timedelta(days=MISUSE_DAYS)
    other_phones = (
        ActivationAttempt.objects.filter(code=code, reason="other_device", created_at__gte=since)
        .values("imei")
        .distinct()
        .count()
    )
    if code.status == ActivationCode.Status.ACTIVE and other_phones >= MISUSE_DEVICES:
        try:
            code.suspend(f"Used on {other_phones} other phones in {MISUSE_DAYS} days.")
        except DomainError:
            pass
        else:
            owner_phone = Device.objects.select_related("owner").get(pk=code.device_id)
            return Outcome("invalid_code", "misuse_suspended", device=owner_phone)
    return Outcome("invalid_code", "other_device")


def defer(imei: str) -> bool:
    """Skip: the phone asks again when a feature needs the account. False if unknown."""
    known = Device.objects.filter(imei=imei)
    known.exclude(activation_state=Device.State.ACTIVATED).update(
        activation_state=Device.State.DEFERRED, updated_at=timezone.now()
    )
    return known.exists()
