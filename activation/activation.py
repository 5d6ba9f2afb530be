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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import codes, ratelimit
from .emails import notify_code_suspended
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
        notify_code_suspended(suspended_owner)
    return outcome


_PHONE_FIELDS = ("id", "imei", "locked_at", "activation_state")


def _lock_phone(imei) -> Device | None:
    """The phone's row with the fields the workflow reads, locked until the transaction
    ends (SQLite has no row locks: its writes are serialised anyway); None for an
    unknown IMEI."""
    return _first(Device.objects.select_for_update().filter(imei=imei).only(*_PHONE_FIELDS))


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
    """The common case first: count a use of the phone's own active code.

    One statement, written out because the ORM's ``update()`` cannot return rows:
    ``UPDATE ... RETURNING`` (PostgreSQL, and SQLite since 3.35) counts the use, locks
    the code's row and re-checks that it is still active and still this phone's (an
    agent revoking it at the same moment wins or waits), then says which code it was
    and its new count: 1 is a first activation, more a reactivation (``use_count`` and
    ``first_used_at`` are only ever set together here). The ORM's way, the code's row
    read ``select_for_update()`` then updated, is one round trip more: measured in the
    same run on the API's own core (docs/performance.md, issue 16), 347 activations/s
    (0.56 x the one-write floor, p99 38 ms) against 485-513/s (0.78-0.83 x, p99
    27-34 ms), missing the goal of 0.8 x.

    None when nothing matched: the caller then counts a failed guess and looks at the
    code to say why (``_try``), so a success never waits for a guess window.
    """
    if device is None:
        return None
    digests = codes.candidate_digests(canonical)
    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value(now)
    table = connection.ops.quote_name(ActivationCode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNT_USE.format(code=table, digests=", ".join(["%s"] * len(digests))),
            [when, when, device.pk, ActivationCode.Status.ACTIVE, *digests],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    code_id, use_count = row
    if device.activation_state != Device.State.ACTIVATED:  # a reactivation changes nothing
        Device.objects.filter(pk=device.pk).update(
            activation_state=Device.State.ACTIVATED, activated_at=now, updated_at=now
        )
    result = Result.REACTIVATED if use_count > 1 else Result.ACTIVATED
    _record(imei, ip, result, "", device=device, code_id=code_id)
    return Outcome("activated", device=device, reactivated=use_count > 1, activated_at=now)


_COUNT_USE = (
    "UPDATE {code} SET use_count = use_count + 1, "
    "reactivation_count = reactivation_count"
    " + CASE WHEN first_used_at IS NULL THEN 0 ELSE 1 END, "
    "first_used_at = COALESCE(first_used_at, %s), last_used_at = %s "
    "WHERE device_id = %s AND status = %s AND digest IN ({digests}) "
    "RETURNING id, use_count"
)


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
