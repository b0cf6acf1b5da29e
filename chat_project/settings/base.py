"""Settings shared by every environment.

Everything an operator may want to tune is read from the environment through
django-environ, so the same code runs embedded (SQLite, in-memory layer) and in
production (PostgreSQL, Redis). The README lists every variable.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
import orjson
from django.utils.csp import CSP

from chat_project.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Reverse proxies whose X-Forwarded-For is believed (IPs or CIDR networks): see
# chat_project/client_ip.py. Empty: the connection's peer is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:  # fail at start-up, not on the first request
    ipaddress.ip_network(_proxy.strip(), strict=False)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    # The admin site asks for a verified second factor from staff (chat_project/admin_site.py).
    "chat_project.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Background tasks in the database, run by `manage.py worker` (chat_project/tasks.py).
    "django_tasks_db",
    # The project itself: the worker command, the tasks admin, templates' tags.
    "chat_project",
    # Two-factor sign-in: TOTP devices and single-use recovery codes (accounts/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "friends",
    "conversations",
    "messaging",
    "payments",
    # Leaving with your data: the export archive and account deletion (above every app).
    "leaving",
]

# Every middleware and view is sync. chat_project.handler (the ASGI entry point) runs the
# whole chain in sync mode, in one call on its thread pool; under Django's own ASGI handler
# the sync-only middleware innermost would keep the chain sync too (chat_project/middleware.py);
# the sync-only health check in front of everything keeps it so.
MIDDLEWARE = [
    # Measures every request; answers /metrics (to Prometheus only) before the Host check.
    "chat_project.metrics.MetricsMiddleware",
    # First, before anything reads the Host header: /health answers the probes that call
    # the process by its address, whatever DJANGO_ALLOWED_HOSTS says (middleware.py).
    "chat_project.middleware.HealthCheckMiddleware",
    # One log line per request (not per health probe), its id in every other line.
    "chat_project.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # The logged-in user's language choice wins over the browser's (accounts/language.py).
    "accounts.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chat_project.middleware.DependencyFailureMiddleware",
    "chat_project.middleware.RequestSizeLimitMiddleware",
    "chat_project.middleware.QueryTextMiddleware",
    "chat_project.middleware.ReleaseRenderedDataMiddleware",
]

ROOT_URLCONF = "chat_project.urls"
ASGI_APPLICATION = "chat_project.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {% csp_nonce_attr %} in Django's admin and CSRF failure page.
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (psycopg 3 with its connection pool); without it
# the embedded SQLite file keeps `make run` working on a bare machine.
DB_POOL_MIN_SIZE = env.int("DB_POOL_MIN_SIZE", default=2)
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=10)
# How long a request waits for a database connection: with PostgreSQL down it answers 503
# after this, so keep it short (it was 10 s: clients saw a hang, then a 500).
DB_POOL_TIMEOUT = env.float("DB_POOL_TIMEOUT", default=3.0)
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=2)


def sqlite_config(name: object) -> dict:
    """The embedded database, set up so that concurrent writers wait their turn.

    SQLite allows one writer. With its default deferred transactions a transaction that
    reads first and writes later (every `select_for_update` service) fails at once with
    "database is locked" when another writer holds the lock; IMMEDIATE takes the write
    lock at BEGIN, so the busy timeout applies and writers queue instead of failing.
    WAL lets readers go on while one writes.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def database_config(url: str | None) -> dict:
    """Build the default database entry; PostgreSQL gets psycopg's pool."""
    if not url:
        return sqlite_config(BASE_DIR / "db.sqlite3")
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": DB_POOL_MIN_SIZE,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_POOL_TIMEOUT,
        }
        config["OPTIONS"]["connect_timeout"] = DB_CONNECT_TIMEOUT
        config["CONN_MAX_AGE"] = 0
    return config


# Threads of the ASGI handler's pool (chat_project/handler.py): the HTTP requests a process
# works on at once. As many as database connections, so requests queue for a thread (on
# the event loop) rather than for a connection.
HTTP_THREADS = env.int("HTTP_THREADS", default=DB_POOL_MAX_SIZE)

DATABASE_URL = env("DATABASE_URL", default="")
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: event bus, presence and cache ----------------------------------------
REDIS_URL = env("REDIS_URL", default="")
REDIS_PREFIX = env("REDIS_PREFIX", default="chat")
# redis-py's pool defaults (100 connections, 5 s socket timeout) close sockets with 1011
# under a connect burst, and a 5 s blocking pop answered a moment late times out: see
# docs/benchmarks.md (connect-storm). Every Redis client of the app uses these instead.
REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=2000)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=15.0)


def redis_client_options() -> dict:
    """Connection-pool options shared by the event bus and the presence clients."""
    return {"max_connections": REDIS_MAX_CONNECTIONS, "socket_timeout": REDIS_SOCKET_TIMEOUT}


def cache_config(redis_url: str, prefix: str) -> dict:
    """Shared cache (throttles, rate limits, ws-tickets, login limits): Redis when configured.

    django-redis keeps one connection pool per process (Django's own Redis cache made a
    pool per request context under ASGI); the pool has the size and socket timeout of
    every other Redis client of the app. Rate-limit counters run on its raw redis-py
    client (chat_project/ratelimit.py).
    """
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "CONNECTION_POOL_KWARGS": {"max_connections": REDIS_MAX_CONNECTIONS},
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }


CACHES = cache_config(REDIS_URL, REDIS_PREFIX)

# --- Auth ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# Staff use the admin only from a session verified with a second factor (TOTP or a recovery
# code); staff without a device are sent to enrol first (chat_project/admin_site.py).
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=True)
# The issuer shown next to the account in authenticator apps.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Chat")
# How long a data export can be downloaded (days) before its file is deleted.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
LOGOUT_REDIRECT_URL = "login"
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

# --- Email: confirming addresses (accounts.email_address) ---------------------------
# EMAIL_URL as django-environ reads it: smtp+tls://user:password@host:587, or the
# default consolemail:// (mails are written to the log: fine for `make run`, useless in
# production, where addresses could then never be confirmed).
_MAILER_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
    "EMAIL_FILE_PATH": "file_path",
}


def mailers_config(url: str) -> dict:
    """Django's MAILERS from an email URL."""
    config = environ.Env.email_url_config(url)
    options = {
        _MAILER_OPTIONS[name]: value
        for name, value in config.items()
        if name in _MAILER_OPTIONS and value not in (None, "")
    }
    return {"default": {"BACKEND": config["EMAIL_BACKEND"], "OPTIONS": options}}


MAILERS = mailers_config(env("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="chat@localhost")
EMAIL_CONFIRM_HOURS = env.int("EMAIL_CONFIRM_HOURS", default=48)

# --- Web push (accounts.push; README, "Web push") --------------------------------------
# The VAPID key pair identifies this server to the browsers' push services: the public key
# (base64url, 65 bytes uncompressed P-256) goes to browsers, the private key (base64url raw
# 32 bytes, or base64url DER) signs each push. `manage.py vapid_keys` makes a pair. Without
# both, push is off (the API says `enabled: false`, the settings page says so); `local`
# settings (make run) keep a generated pair in `.vapid-dev.json`.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default="mailto:admin@localhost")
#: Hosts a subscription's endpoint may name (a host, or ".suffix" for its subdomains): the
#: server POSTs to whatever endpoint a browser gave, so it must be a real push service and
#: never an address inside the deployment. https only, except a loopback host listed here.
PUSH_ENDPOINT_HOSTS = env.list(
    "PUSH_ENDPOINT_HOSTS",
    default=[
        "fcm.googleapis.com",
        ".push.services.mozilla.com",
        ".notify.windows.com",
        ".push.apple.com",
    ],
)
PUSH_TIMEOUT_SECONDS = env.float("PUSH_TIMEOUT_SECONDS", default=5.0)
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=86400)
PUSH_MAX_DEVICES = env.int("PUSH_MAX_DEVICES", default=20)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)
#: Unread direct messages and mentions are mailed (one digest per user) once they are
#: this old and still unread, to people who allow it (messaging/digest.py).
EMAIL_DIGEST_DELAY_MINUTES = env.int("EMAIL_DIGEST_DELAY_MINUTES", default=15)
EMAIL_DIGEST_SWEEP_SECONDS = env.int("EMAIL_DIGEST_SWEEP_SECONDS", default=120)
#: The site's address as mails link to it (the digest; links of requests use the request's).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Background tasks (chat_project/tasks.py, docs/operations.md "Background tasks") ---
# `database`: django-tasks-db, rows run by `manage.py worker` (compose's `worker`
# service; `make run` starts one beside the server). `immediate`: inline in the process
# that enqueues (no worker; nothing delayed waits, nothing is retried) — the tests' default.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}


def tasks_config(kind: str) -> dict:
    if kind not in TASK_BACKENDS:
        raise ValueError(f"TASKS_BACKEND must be one of {sorted(TASK_BACKENDS)}, not {kind!r}")
    return {"default": {"BACKEND": TASK_BACKENDS[kind], "QUEUES": ["default"]}}


TASKS_BACKEND = env("TASKS_BACKEND", default="database")
TASKS = tasks_config(TASKS_BACKEND)
#: The worker's own /metrics port (task durations and outcomes); 0: none.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)

ACCESS_TOKEN_MINUTES = env.int("ACCESS_TOKEN_MINUTES", default=15)
REFRESH_TOKEN_DAYS = env.int("REFRESH_TOKEN_DAYS", default=7)
WS_TICKET_SECONDS = env.int("WS_TICKET_SECONDS", default=30)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a hash of the password: a password change invalidates them.
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": None,  # filled from SECRET_KEY below
}

# --- Limits and rates: every one tunable from the environment ------------------
from .limits import *  # noqa: E402, F403

# A socket closed by a server restart (close code 1012) still counts as online this long
# (at most its TTL): its user reconnects to another process meanwhile, and their friends
# see no offline/online flap (chat_project/shutdown.py).
PRESENCE_RESTART_GRACE_SECONDS = env.float("PRESENCE_RESTART_GRACE_SECONDS", default=10.0)
# On SIGTERM (uvicorn) a process stops accepting, closes its sockets with 1012 and gives
# requests in flight this long to finish; what still runs then is cut with a 503
# (chat_project/shutdown.py). Keep the orchestrator's stop timeout above it.
SHUTDOWN_TIMEOUT_SECONDS = env.int("SHUTDOWN_TIMEOUT_SECONDS", default=20)
# GET /metrics (Prometheus) needs "Authorization: Bearer <token>" when set; empty, only a
# direct request from a loopback or private address is answered (chat_project/metrics.py).
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Uploaded files live under MEDIA_ROOT unless an S3 bucket is configured (storage_config).
# They are never served from MEDIA_URL: every download goes through a permission check.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.BotTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_METADATA_CLASS": "chat_project.metadata.Metadata",
    "DEFAULT_THROTTLE_CLASSES": [
        "chat_project.throttling.AnonRateThrottle",
        "chat_project.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # orjson: DRF's JSON renderer was a large part of a long list (docs/benchmarks.md, convlist-1k).
    # Datetimes in UTC end in "Z" as DRF writes them; int dict keys become strings as in json.
    # JSON through chat_project.text.parse_json (depth cap, no NUL or lone surrogates);
    # forms stay for the browsable API.
    "DEFAULT_PARSER_CLASSES": [
        "chat_project.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        # DRF's, with forms built from each endpoint's input serializer (chat_project/browsable.py).
        "chat_project.browsable.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "chat_project.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chat_project.exceptions.api_exception_handler",
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_UTC_Z, orjson.OPT_NON_STR_KEYS),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chat server API",
    "DESCRIPTION": "REST API of the chat server. The WebSocket protocol (`/ws/`) is the "
    "AsyncAPI document [/api/asyncapi.yaml](/api/asyncapi.yaml), explained in docs/api.md "
    '("WebSocket"); bots and incoming webhooks are in docs/api.md ("Webhooks and bots").'
    "\n\nAuthenticate with `Authorization: Bearer <access_token>` from `POST /api/auth/login` "
    "(people) or `Authorization: Bot <api_token>` (bots).\n\nEvery request body is JSON "
    "whose values have the types stated here "
    "(`5` is not a string, `0` not a boolean); text anywhere in it, unknown properties "
    "included, may not contain a NUL character, and it nests at most 32 levels deep. "
    "Unknown properties are otherwise ignored. Errors are `{detail, code}`, or DRF's "
    "field errors for a `400`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Only what a client can use: a JWT (people) or a bot's API token. The session cookie
    # serves the web UI and the browsable API (with CSRF) and is no way in for a client.
    "AUTHENTICATION_WHITELIST": [
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.BotTokenAuthentication",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies keep their required fields: the views validate them whole (editing a
    # message needs its `content`), so no "Patched" components with everything optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Request bodies are JSON. The form parsers in DEFAULT_PARSER_CLASSES serve the
    # browsable API only: declared in the schema, every body appeared three times and a
    # generated client sent multipart with every value stringified (client_id=None became
    # "None", and the next send was answered with the first message).
    "PARSER_WHITELIST": ["chat_project.parsers.JSONParser"],
    # Swagger UI and Redoc served from our static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No "valid" badge fetched from validator.swagger.io: the docs page talks to us only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # One name per choice set used by several fields (attention: docs/api.md).
    "ENUM_NAME_OVERRIDES": {
        "NotificationLevelEnum": "conversations.attention.LEVELS",
        "PresenceStatusEnum": "friends.api.serializers.SHOWN_STATUSES",
        "UserStatusEnum": "friends.api.serializers.CHOOSABLE_STATUSES",
    },
}

# --- Content-Security-Policy (docs/architecture.md, "Content-Security-Policy") -----
# On every response, by Django's ContentSecurityPolicyMiddleware. Scripts and styles come
# from our own origin only: no inline script, no event-handler attribute, no eval, nothing
# from another host. The one exception is a nonce for inline <style> blocks, which only
# Django's own templates use (admin change lists without actions, the CSRF failure page);
# the header carries a nonce only when a template asked for one.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- I18N / static -------------------------------------------------------------
# The language comes from the user's choice (User.language, applied by
# accounts.language.UserLanguageMiddleware, which also keeps it in the language cookie for
# the login page), else from the browser's Accept-Language (LocaleMiddleware), else
# English. Strings are marked with gettext in Python and templates and with the JavaScript
# catalog's global `gettext`/`ngettext`/`interpolate` in the web UI (loaded first on every
# page). `make messages` collects them into locale/ (docs/architecture.md, "Translations").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes and WhiteNoise serves from (a volume, or a test's own folder).
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]


def storage_config(bucket: str) -> dict:
    """Where uploads are stored: MEDIA_ROOT, or an S3-compatible bucket when S3_BUCKET is
    set (django-storages; credentials, endpoint and region from the variables below, or
    from boto3's own environment/instance role when those are empty). Objects are
    private: downloads always go through the server's permission check."""
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "location": env("S3_PREFIX", default=""),
    }
    for option, variable in [
        ("endpoint_url", "S3_ENDPOINT_URL"),
        ("region_name", "S3_REGION"),
        ("access_key", "S3_ACCESS_KEY_ID"),
        ("secret_key", "S3_SECRET_ACCESS_KEY"),
    ]:
        value = env(variable, default="")
        if value:
            options[option] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": storage_config(env("S3_BUCKET", default="")),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One line per request and per socket event: JSON for a log shipper (production's
# default), text for a person (chat_project/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
