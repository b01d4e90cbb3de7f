"""DeskAdmin settings: every knob comes from the environment (django-environ), in two profiles.

* ``embedded`` (the default): SQLite files under ``DESKADMIN_DATA_DIR``, a file cache there too,
  the built-in Desk sandbox mounted under ``/sandbox/``. Nothing else has to run.
* ``production``: ``DATABASE_URL`` (PostgreSQL), ``CACHE_URL`` (Redis), the sandbox off, secure
  cookies, HSTS and an SSL redirect behind a proxy header. ``SECRET_KEY`` is required.

Both profiles send a strict Content-Security-Policy with per-request nonces.
"""

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

PROFILE = env.str("DESKADMIN_PROFILE", default="embedded")
if PROFILE not in {"embedded", "production"}:
    raise environ.ImproperlyConfigured("DESKADMIN_PROFILE must be 'embedded' or 'production'")
PRODUCTION = PROFILE == "production"

DATA_DIR = Path(env.str("DESKADMIN_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """A random key kept in the data folder, so sessions survive restarts of the demo."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# The built-in Zoho Desk emulator: the default outside production.
DESK_SANDBOX = env.bool("DESK_SANDBOX", default=not PRODUCTION)

# Zoho Desk connections. The OAuth client registered in Zoho's API console (defaults for new
# connections; each connection may carry its own). The sandbox has a built-in demo client.
ZOHO_CLIENT_ID = env.str("ZOHO_CLIENT_ID", default="")
ZOHO_CLIENT_SECRET = env.str("ZOHO_CLIENT_SECRET", default="")
DESK_DEFAULT_DATA_CENTER = env.str("DESK_DEFAULT_DATA_CENTER", default="us" if PRODUCTION else "sandbox")
SANDBOX_CLIENT_ID = env.str("SANDBOX_CLIENT_ID", default="1000.SANDBOXDEMOCLIENT")
SANDBOX_CLIENT_SECRET = env.str(
    "SANDBOX_CLIENT_SECRET",
    default=hmac.new(SECRET_KEY.encode(), b"sandbox-demo-client", hashlib.sha256).hexdigest()[:40],
)


# Connections: refresh access tokens this long before they expire; accounts-server read/write timeout (the
# connect and pool timeouts are the Desk client's, below); PKCE.
CONNECTIONS_REFRESH_MARGIN_SECONDS = env.int("CONNECTIONS_REFRESH_MARGIN_SECONDS", default=300)
CONNECTIONS_OAUTH_TIMEOUT = env.float("CONNECTIONS_OAUTH_TIMEOUT", default=15.0)
CONNECTIONS_OAUTH_PKCE = env.bool("CONNECTIONS_OAUTH_PKCE", default=True)

# The Desk client (apps/desk): timeouts, retries, and the per-org budget (daily API credits, concurrency by
# edition) shared through the cache.
DESK_CONNECT_TIMEOUT = env.float("DESK_CONNECT_TIMEOUT", default=5.0)
DESK_READ_TIMEOUT = env.float("DESK_READ_TIMEOUT", default=30.0)
DESK_WRITE_TIMEOUT = env.float("DESK_WRITE_TIMEOUT", default=60.0)
DESK_POOL_TIMEOUT = env.float("DESK_POOL_TIMEOUT", default=10.0)
DESK_MAX_ATTEMPTS = env.int("DESK_MAX_ATTEMPTS", default=4)
DESK_BACKOFF_BASE = env.float("DESK_BACKOFF_BASE", default=0.5)
DESK_BACKOFF_CAP = env.float("DESK_BACKOFF_CAP", default=8.0)
DESK_MAX_WAIT_INTERACTIVE = env.float("DESK_MAX_WAIT_INTERACTIVE", default=10.0)
DESK_MAX_WAIT_BACKGROUND = env.float("DESK_MAX_WAIT_BACKGROUND", default=120.0)
# None: the edition's cap (Free 5, Express/Standard 10, Professional 15, Enterprise 25); a number overrides it.
DESK_MAX_CONCURRENT = env.int("DESK_MAX_CONCURRENT", default=None)
# Share of the concurrency slots and of the day's credits that background work (sync) may use.
DESK_BACKGROUND_SHARE = env.float("DESK_BACKGROUND_SHARE", default=0.7)
DESK_SLOT_LEASE_SECONDS = env.int("DESK_SLOT_LEASE_SECONDS", default=120)
# None: learned from the X-Rate-Limit-Remaining-v3 header (and the edition's base); a number overrides it.
DESK_DAILY_LIMIT = env.int("DESK_DAILY_LIMIT", default=None)
# The cache alias holding that shared budget state (not from the environment: name another CACHES entry here).
DESK_BUDGET_CACHE = "default"
DESK_UNCONFIRMED_REAL_FORMS = env.bool("DESK_UNCONFIRMED_REAL_FORMS", default=True)


# Sync (apps/sync): how often the mirror is refreshed from Desk and how much API budget it may use.
SYNC_INTERVAL_SECONDS = env.int("SYNC_INTERVAL_SECONDS", default=300)
SYNC_TICK_SECONDS = env.int("SYNC_TICK_SECONDS", default=60)
SYNC_LEASE_SECONDS = env.int("SYNC_LEASE_SECONDS", default=300)
SYNC_CUSTOMERS_INTERVAL_SECONDS = env.int("SYNC_CUSTOMERS_INTERVAL_SECONDS", default=900)
SYNC_TEAM_INTERVAL_SECONDS = env.int("SYNC_TEAM_INTERVAL_SECONDS", default=3600)
SYNC_COUNT_CHECK_INTERVAL_SECONDS = env.int("SYNC_COUNT_CHECK_INTERVAL_SECONDS", default=3600)
SYNC_RECONCILE_INTERVAL_SECONDS = env.int("SYNC_RECONCILE_INTERVAL_SECONDS", default=86400)

# Webhooks (apps/webhooks): while verified deliveries flow, the scheduled incremental sync runs this often
# (the safety net) instead of every SYNC_INTERVAL_SECONDS; DeskAdmin's subscriptions are checked on Desk
# this often; connecting an org subscribes the mirror's events when the edition has webhooks.
WEBHOOKS_SYNC_INTERVAL_SECONDS = env.int("WEBHOOKS_SYNC_INTERVAL_SECONDS", default=1800)
WEBHOOKS_CHECK_SECONDS = env.int("WEBHOOKS_CHECK_SECONDS", default=3600)
WEBHOOKS_AUTO_SUBSCRIBE = env.bool("WEBHOOKS_AUTO_SUBSCRIBE", default=True)
SYNC_AUTO_SCHEDULE = env.bool("SYNC_AUTO_SCHEDULE", default=True)

# Sign-in throttling (apps.core.throttle): failures per username and per address within the window lock
# that username or address for the lockout; an admin can lift it on the Users page.
LOGIN_THROTTLE_USER_FAILURES = env.int("LOGIN_THROTTLE_USER_FAILURES", default=5)
LOGIN_THROTTLE_ADDRESS_FAILURES = env.int("LOGIN_THROTTLE_ADDRESS_FAILURES", default=20)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
LOGIN_THROTTLE_LOCKOUT_SECONDS = env.int("LOGIN_THROTTLE_LOCKOUT_SECONDS", default=900)

# Tickets: upload limit, and how old a ticket's mirrored conversation may be before opening it
# fetches it again from Desk (at most this many threads' full text per open).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
TICKETS_CONVERSATION_MAX_AGE = env.int("TICKETS_CONVERSATION_MAX_AGE", default=300)
TICKETS_THREAD_CONTENTS_PER_OPEN = env.int("TICKETS_THREAD_CONTENTS_PER_OPEN", default=10)
# How often an open ticket tells the console who is on it (collision presence); entries last 2 beats + 10 s.
TICKETS_PRESENCE_HEARTBEAT_SECONDS = env.int("TICKETS_PRESENCE_HEARTBEAT_SECONDS", default=15)
# Writes whose answer was lost (docs/reliability.md): wait this long before looking for the object in Desk;
# "not saved" only once this long has passed since the send (Desk may still be working on it); look for it
# among what Desk made this long before the send; the background check comes back this often.
TICKETS_UNKNOWN_CHECK_DELAY = env.float("TICKETS_UNKNOWN_CHECK_DELAY", default=2.0)
TICKETS_UNKNOWN_SETTLE_SECONDS = env.float("TICKETS_UNKNOWN_SETTLE_SECONDS", default=60.0)
TICKETS_UNKNOWN_WINDOW_SECONDS = env.int("TICKETS_UNKNOWN_WINDOW_SECONDS", default=600)
TICKETS_UNKNOWN_RECHECK_SECONDS = env.int("TICKETS_UNKNOWN_RECHECK_SECONDS", default=30)

# The sandbox (apps/sandbox): fault injection, OAuth limits, request log, attachments, activity.
# Rate model: "real" (Desk's daily API credits by edition, per-edition concurrency, v3 headers) or
# "reference" (the reference document's calls a minute and X-RateLimit-* headers, opt-in only).
SANDBOX_RATE_MODEL = env.str("SANDBOX_RATE_MODEL", default="real")
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
SANDBOX_ERROR_RATE = env.float("SANDBOX_ERROR_RATE", default=0.0)
SANDBOX_429_BURST = env.float("SANDBOX_429_BURST", default=0.0)
SANDBOX_429_BURST_LENGTH = env.int("SANDBOX_429_BURST_LENGTH", default=5)
SANDBOX_TIMEOUT_RATE = env.float("SANDBOX_TIMEOUT_RATE", default=0.0)
SANDBOX_TIMEOUT_SECONDS = env.int("SANDBOX_TIMEOUT_SECONDS", default=35)
# Lost answers (docs/reliability.md): writes done, then answered late or cut off.
SANDBOX_LATE_ANSWER_RATE = env.float("SANDBOX_LATE_ANSWER_RATE", default=0.0)
SANDBOX_LATE_ANSWER_SECONDS = env.float("SANDBOX_LATE_ANSWER_SECONDS", default=35.0)
SANDBOX_DROPPED_ANSWER_RATE = env.float("SANDBOX_DROPPED_ANSWER_RATE", default=0.0)
SANDBOX_REFRESH_LIMIT = env.int("SANDBOX_REFRESH_LIMIT", default=10)
SANDBOX_REFRESH_WINDOW_SECONDS = env.int("SANDBOX_REFRESH_WINDOW_SECONDS", default=600)
SANDBOX_MAX_REFRESH_TOKENS = env.int("SANDBOX_MAX_REFRESH_TOKENS", default=20)
# The password of every sandbox Zoho user on the consent page's sign-in (the demo prints it).
SANDBOX_ACCOUNTS_PASSWORD = env.str("SANDBOX_ACCOUNTS_PASSWORD", default="sandbox-demo")
SANDBOX_REQUEST_LOG = env.bool("SANDBOX_REQUEST_LOG", default=True)
SANDBOX_REQUEST_LOG_DAYS = env.int("SANDBOX_REQUEST_LOG_DAYS", default=7)
SANDBOX_MAX_ATTACHMENT_BYTES = env.int("SANDBOX_MAX_ATTACHMENT_BYTES", default=20 * 1024 * 1024)
SANDBOX_WEBHOOKS_AUTO_DELIVER = env.bool("SANDBOX_WEBHOOKS_AUTO_DELIVER", default=True)
SANDBOX_ACTIVITY = env.bool("SANDBOX_ACTIVITY", default=False)
SANDBOX_ACTIVITY_INTERVAL = env.float("SANDBOX_ACTIVITY_INTERVAL", default=5.0)
# The reference document's own forms that real Desk lacks (e.g. DELETE /tickets/{id}): opt-in only.
SANDBOX_REFERENCE_FORMS = env.bool("SANDBOX_REFERENCE_FORMS", default=False)


def _embedded_encryption_key() -> str:
    key_file = DATA_DIR / "encryption_key"
    if not key_file.exists():
        key_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Fernet keys for tokens and secrets at rest, newest first; older keys still decrypt, so a key is
# rotated by prepending a new one and running `manage.py connections_rotate_keys`.
if PRODUCTION:
    ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS")
else:
    ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[]) or [_embedded_encryption_key()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the form renderer below finds Django's own form templates through APP_DIRS
    "django_htmx",
    "django_tasks_db",
    "apps.core",
    "apps.desk",
    "apps.connections",
    "apps.tickets",
    "apps.customers",
    "apps.team",
    "apps.sync",
    "apps.webhooks",
    "apps.insights",
    "apps.ops",
]
if DESK_SANDBOX:
    INSTALLED_APPS.append("apps.sandbox")

MIDDLEWARE = [
    "apps.ops.middleware.RequestLogMiddleware",  # first: request id, one log line and metrics per request
    "django.middleware.security.SecurityMiddleware",
    "apps.core.parsing.RejectNulBytesMiddleware",  # a NUL in input is a 400, not a PostgreSQL error
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "deskadmin.urls"
WSGI_APPLICATION = "deskadmin.wsgi.application"
ASGI_APPLICATION = "deskadmin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.shell",
            ],
        },
    },
]
# Every form renders its fields through one template (apps/core/forms.py, templates/core/forms/).
FORM_RENDERER = "apps.core.forms.FormRenderer"

# Databases. SQLite runs in WAL mode with immediate transactions, so the web server, the task
# worker and the sandbox can write side by side without "database is locked".
_SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database(url_var: str, default_file: str) -> dict:
    if PRODUCTION and url_var == "DATABASE_URL":
        config = env.db(url_var)  # production must name its PostgreSQL
    else:
        config = env.db(url_var, default=f"sqlite:///{DATA_DIR / default_file}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
    else:
        config.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASES = {"default": _database("DATABASE_URL", "deskadmin.sqlite3")}
if DESK_SANDBOX:
    # The sandbox keeps its data apart, as a real Desk would: its own alias, routed by app label.
    DATABASES["sandbox"] = _database("SANDBOX_DATABASE_URL", "sandbox.sqlite3")
    DATABASE_ROUTERS = ["apps.sandbox.routers.SandboxRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The embedded default is a file cache under DATA_DIR, not local memory: the web server and the task
# worker are separate processes, and the API-credit counters and concurrency slots must be one view.
CACHES = {
    "default": env.cache("CACHE_URL")
    if PRODUCTION
    else env.cache("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}?max_entries=20000")
}

TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"  # an agent lands on their queue, others on the Overview
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Security. Strict CSP everywhere: our own scripts and styles only, scripts with nonces.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probed and scraped inside the network
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Operations (apps/ops, docs/operations.md). Prometheus scrapes /metrics with "Authorization: Bearer <token>";
# without a token the endpoint is off (404). Set PROMETHEUS_MULTIPROC_DIR (an empty folder shared by a host's
# gunicorn processes and task workers) so every process is counted. Gauges of shared state come from these
# sources, each a function of the app that owns the data.
OPS_METRICS_TOKEN = env.str("OPS_METRICS_TOKEN", default="")
OPS_METRICS_SOURCES = [
    "apps.connections.metrics.budget_samples",
    "apps.sync.metrics.sync_samples",
    "apps.webhooks.metrics.delivery_samples",
]

# Logs: one line per request ("deskadmin.request") and per Desk call ("apps.desk"), each with the request id
# (carried into the tasks a request queues). JSON in production, readable text in the embedded profile
# (LOG_FORMAT overrides). Secret-shaped text is scrubbed from every line (apps/ops/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise environ.ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "apps.ops.logs.JsonFormatter"},
        "text": {"()": "apps.ops.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
