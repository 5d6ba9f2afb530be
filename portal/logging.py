"""Log records as JSON lines, with the request id and user id, and secrets redacted.

``RequestContextFilter`` stamps every record with the request id and the signed-in
user's id (never an e-mail), from the request ``portal.middleware.RequestIdMiddleware``
keeps in a context variable. ``RedactFilter`` rewrites the message, the exception text
and any extra fields so that nothing shaped like an activation code
(``activation.codes.CODE_LIKE_RE``), a password, a configured key or an Authorization
header reaches a log. ``JsonFormatter`` writes one JSON object per line.

Both filters sit on the handler (``LOGGING`` in settings), so they apply to records
from every logger, Django's own included.
"""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache

from django.utils.functional import SimpleLazyObject, empty

from activation.codes import CODE_LIKE_RE

# Set by portal.middleware.RequestIdMiddleware for the duration of one request.
current_request = ContextVar("current_request", default=None)
current_request_id = ContextVar("current_request_id", default="")

REDACTED = "[redacted]"
CODE_REDACTED = "[code redacted]"
_SENSITIVE_NAMES = (
    r"password\d?|passwd|pwd|secret(?:_key)?|api[_-]?key|token|activation_keys|"
    r"session(?:id|_key)?|csrf(?:token|middlewaretoken)?|cookie|set-cookie|"
    r"(?:http_)?authorization|proxy-authorization|x-api-key"
)
# name=value, name: value, "name": "value", 'NAME': 'value' (a META dict's repr).
SECRET_ASSIGNMENT_RE = re.compile(
    rf"(?i)(?P<name>\b(?:{_SENSITIVE_NAMES}))(?P<sep>[\"']?\s*[=:]\s*[\"']?)"
    r"(?P<scheme>(?:bearer|basic|token|digest)\s+)?(?P<value>[^\s,;&\"'}]+)"
)
SENSITIVE_NAME_RE = re.compile(rf"(?i)(?:{_SENSITIVE_NAMES})")
# An ACTIVATION_KEYS entry: key id, colon, 32 bytes in URL-safe base64.
KEY_ENTRY_RE = re.compile(r"\b[\w.-]{1,32}:[A-Za-z0-9_-]{43}=?")
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "request_id", "user_id", "taskName"}
)
# Attributes Django puts on records that are objects, not data (request, socket).
_SKIPPED_EXTRAS = frozenset({"request", "server_time"})


@cache
def _configured_secrets() -> tuple[str, ...]:
    """Literal secret values from the settings, each replaced wherever it appears."""
    from django.conf import settings

    values = [getattr(settings, "SECRET_KEY", "")]
    for entry in (getattr(settings, "ACTIVATION_KEYS", "") or "").split(","):
        values.append(entry.strip().partition(":")[2])
    for mailer in (getattr(settings, "MAILERS", {}) or {}).values():
        values.append(str((mailer.get("OPTIONS") or {}).get("password") or ""))
    return tuple(value for value in values if len(value) >= 8)


def redact(text: str) -> str:
    if not text:
        return text
    try:
        for secret in _configured_secrets():
            text = text.replace(secret, REDACTED)
    except Exception:  # noqa: S110 - settings not ready: the patterns below still apply
        pass
    text = KEY_ENTRY_RE.sub(REDACTED, text)
    text = SECRET_ASSIGNMENT_RE.sub(
        lambda m: f"{m['name']}{m['sep']}{m['scheme'] or ''}{REDACTED}", text
    )
    # The pattern takes the separator after the last symbol too: give it back.
    return CODE_LIKE_RE.sub(lambda m: CODE_REDACTED + m[0][len(m[0].rstrip(" -\t\n")) :], text)


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            key: REDACTED if SENSITIVE_NAME_RE.fullmatch(str(key)) else _redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


def _user_id(request):
    """The user's id if the request already knows who it is; never a query from here
    (a log filter that hit the database could recurse through the SQL logger)."""
    user = getattr(request, "__dict__", {}).get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


class RequestContextFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get() or None
        if not hasattr(record, "user_id"):
            request = current_request.get()
            record.user_id = _user_id(request) if request is not None else None
        return True


class RedactFilter(logging.Filter):
    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template only
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name in set(record.__dict__) - _STANDARD_ATTRS - _SKIPPED_EXTRAS:
            setattr(record, name, _redact_value(record.__dict__[name]))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, user_id,
    the exception if any, and any ``extra`` fields."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for name in sorted(set(record.__dict__) - _STANDARD_ATTRS - _SKIPPED_EXTRAS):
            entry.setdefault(name, record.__dict__[name])
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines for ``make run`` (DJANGO_DEBUG), with the request id."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record):
        record.request_id = getattr(record, "request_id", None) or "-"
        return super().format(record)
