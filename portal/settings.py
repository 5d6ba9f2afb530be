"""Settings for the activation portal, read from the environment.

Every variable is documented in `.env.example`. With nothing set and DJANGO_DEBUG on
(as `make run` does), the portal runs on SQLite with development secrets generated
into `.dev-secrets.json` (ignored by git). With DJANGO_DEBUG off, missing or malformed
secrets stop start-up with a message that says what to set.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from activation.keyring import KeyConfigError, generate_key_entry, parse_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlimit(name, default):
    """A rate limit's count: a whole number of at least 1 (0 would refuse everybody)."""
    value = envint(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, not {value}.")
    return value


def envlist(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def dev_secrets():
    """Secrets for local development only, made once and kept out of git."""
    path = BASE_DIR / ".dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ACTIVATION_KEYS": generate_key_entry("dev1"),
    }
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


DEBUG = envbool("DJANGO_DEBUG", False)
_dev = dev_secrets() if DEBUG else {}

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _dev.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters. "
        "Run `python manage.py generate_secret_key` to make one."
    )

ACTIVATION_KEYS = os.environ.get("ACTIVATION_KEYS") or _dev.get("ACTIVATION_KEYS", "")
try:
    parse_keys(ACTIVATION_KEYS)
except KeyConfigError as error:
    raise ImproperlyConfigured(str(error)) from None

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # For the trigram index the desk's e-mail search uses on PostgreSQL
    # (activation/models/indexes.py); nothing of it runs on SQLite.
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "import_export",
    "django_tasks_db",
    "accounts",
    "activation",
    "ratelimits",
]

MIDDLEWARE = [
    # First, so every response and log line has a request id (portal/middleware.py).
    "portal.middleware.RequestIdMiddleware",
    # Before anything reads a body: bounds how long a stalled body holds a thread.
    "portal.middleware.BodyTimeoutMiddleware",
    "portal.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ServiceUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default (`make run`) takes concurrent clicks: a transaction takes the
    # write lock when it begins (two that read then write would otherwise deadlock and
    # one fail at once with "database is locked"), a writer waits up to 20 s for the
    # lock, and WAL lets pages read while another request writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Exports read from a replica when one is configured, and only inside
# activation.routers.reading_from_replica(); everything else uses "default".
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["activation.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions read from Redis, written through to the database (portal/sessions.py).
    SESSION_ENGINE = "portal.sessions"
else:
    # Shared by every app server on the same database; `migrate` creates the table.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# Rate limits: (count, window in seconds); the counts come from the environment
# (docs/deploy.md). Counters live in Redis when REDIS_URL is set, else in the database
# (ratelimits app), so they hold across every app server.
# Device API (activation/activation.py): wrong guesses are limited per client address
# (all phones) and per IMEI (all addresses); a full window refuses failed guesses only,
# never the phone's right code.
API_RATE_LIMITS = {
    "guesses_per_imei": (envlimit("API_GUESSES_PER_IMEI", 5), 15 * 60),
    "guesses_per_ip": (envlimit("API_GUESSES_PER_IP", 20), 15 * 60),
    "requests_per_ip": (envlimit("API_REQUESTS_PER_MINUTE", 30), 60),
}
# Customer pages (activation/views.py, possession.py).
PAGE_RATE_LIMITS = {
    "code_reveals_per_user": (envlimit("CODE_REVEALS_PER_HOUR", 10), 60 * 60),
    "help_feedback_per_ip": (envlimit("HELP_FEEDBACK_PER_HOUR", 10), 60 * 60),
    "wrong_request_codes_per_phone": (envlimit("WRONG_REQUEST_CODES_PER_DAY", 5), 24 * 60 * 60),
}
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the
# client is the peer address and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id first (Django's recommendation); PBKDF2 verifies older hashes. A flood of
# sign-ins is held off by the proxy's limit on /accounts/ and allauth's rate limits, and
# kept away from the phones by the device API's own app servers (docs/deploy.md).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail is the sign-in, verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# allauth's own rate limits (sign-in failures, password reset, confirmation mails) stay
# at their defaults: ACCOUNT_RATE_LIMITS is deliberately not set. They count the same
# client address as every other limit (accounts/adapter.py, TRUSTED_PROXY_COUNT).
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Activation support] "
# Tell people by e-mail when their password or e-mail address changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# "Show my code" asks for the password again after this many seconds; a code e-mailed
# to the account does not count (whoever reads the mailbox could see the phone's code).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_REAUTHENTICATION_METHODS = ("password",)
MFA_TOTP_ISSUER = "Activation support"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Rate limits and recorded sessions keyed by the portal's client address (accounts/adapter.py).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# TOTP secrets and recovery seeds are encrypted with a subkey of ACTIVATION_KEYS.
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
# Sessions are recorded at sign-in (the account's session list, signing out elsewhere).
# Tracking activity would write to the database on every signed-in page (5 queries:
# docs/performance.md), so "last seen" is the sign-in time.
USERSESSIONS_TRACK_ACTIVITY = False

LANGUAGE_CODE = "en"
# Each language in its own name, as the switcher shows it. User.language and
# HelpEntry.language take their choices from this list (a change needs migrations).
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("pt-br", "Português (Brasil)"),
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served at the site's root by WhiteNoise: /robots.txt and /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Outgoing mail: SMTP when EMAIL_HOST is set, else printed to the console (`make run`).
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": envint("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Activation support <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Content Security Policy: everything from our own origin, nothing inline.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Error pages (DEBUG) and error reports mailed to ADMINS hide codes and secrets in the
# traceback's variables, POST fields and headers too (portal/reporting.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.reporting.CodeSafeExceptionReporterFilter"
# Django's default (2.5 MB), stated: a form post larger than this is refused with 400.
# File uploads (device batches) are not counted; the device API reads at most 1 KiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the language (static/js); the switcher is a form post.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", True)
    # __Host- cookies are only accepted over HTTPS, for this exact host, on path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Support codes per device in a rolling window before an agent must escalate.
SUPPORT_CODES_PER_DEVICE = envint("SUPPORT_CODES_PER_DEVICE", 3)
# Hours within which a new request should be answered; older open ones show as overdue.
TICKET_RESPONSE_HOURS = envint("TICKET_RESPONSE_HOURS", 24)

# Personal data retention (`python manage.py purge_expired`, docs/operations.md): activation
# attempts are deleted, closed requests lose their personal data, after this many days.
RETENTION_ATTEMPTS_DAYS = envint("RETENTION_ATTEMPTS_DAYS", 180)
RETENTION_TICKETS_DAYS = envint("RETENTION_TICKETS_DAYS", 730)
# Audit events are deleted after this many days (seven years), the purge itself audited.
RETENTION_AUDIT_DAYS = envint("RETENTION_AUDIT_DAYS", 2555)

# Addresses or networks allowed to read /metrics (portal/metrics.py); anybody else gets 404.
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", "127.0.0.1")

# Logs go to stderr: one JSON object per line (portal/logging.py), or readable text when
# DJANGO_DEBUG is on (`make run`). Every line has the request id and the user id, never
# an e-mail; codes, passwords, keys and Authorization headers are redacted.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "portal.logging.RequestContextFilter"},
        "redact": {"()": "portal.logging.RedactFilter"},
    },
    "formatters": {
        "json": {"()": "portal.logging.JsonFormatter"},
        "text": {"()": "portal.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if DEBUG else "json",
            "filters": ["request_context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print its records a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # One line per request; runserver prints its own in development.
        "portal.request": {"level": "WARNING" if DEBUG else "INFO"},
    },
}

# django-import-export. The portal's own admin mixins (activation/admin_exports.py)
# check activation.export_reports / activation.import_devices themselves; these codes
# make any plain import-export admin deny by default (superusers only), because
# per-model "export"/"import" permissions do not exist.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_CHUNK_SIZE = 2000
# Uploads wait for confirmation encrypted: a device batch holds factory codes.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "activation.admin_exports.EncryptedTempStorage"
