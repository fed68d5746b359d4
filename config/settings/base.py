"""Settings shared by every profile, read from the environment.

Nothing here is only safe on a developer's machine: DEBUG is off unless asked for and there
is no default secret key. The profiles on top: `production` (what runs when nothing else
is asked for), `local` (development: DEBUG, a throwaway key, demo data allowed) and `test`.
Every variable is listed in `.env.example`.
"""

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


DEBUG = env_bool("DJANGO_DEBUG", False)
# No default: `production` refuses to start without one, `local` has a throwaway key.
SECRET_KEY = env("DJANGO_SECRET_KEY", "")
# `manage.py seed_demo` creates users with published passwords: development and tests only.
COREKIT_ALLOW_DEMO_DATA = False
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "core",
    "parts",
    "configurator",
    "orders",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "configurator.middleware.CatalogTimingMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Sign-in throttling (web sign-in and the admin's): this many failures for a username, or
# from one client address, within the window refuse further attempts (429) until the oldest
# failure leaves the window. Counted in the database, so every process shares the count.
COREKIT_LOGIN_MAX_FAILURES = env_int("COREKIT_LOGIN_MAX_FAILURES", 5)
COREKIT_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("COREKIT_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
COREKIT_LOGIN_LOCK_SECONDS = env_int("COREKIT_LOGIN_LOCK_SECONDS", 300)
# At most one password-reset e-mail per account in this many seconds.
COREKIT_PASSWORD_RESET_EVERY_SECONDS = env_int("COREKIT_PASSWORD_RESET_EVERY_SECONDS", 300)
# Reverse proxies in front of the app that append to X-Forwarded-For. 0: the client is
# REMOTE_ADDR and X-Forwarded-For is ignored (anyone can send it); N: the client is the N-th
# address from the right of X-Forwarded-For.
COREKIT_TRUSTED_PROXIES = env_int("COREKIT_TRUSTED_PROXIES", 0)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file by default; DATABASE_URL=postgres://... selects PostgreSQL (psycopg 3).
# Persistent connections matter: a new PostgreSQL connection costs ~5.6 ms a request.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web + worker processes on one SQLite file need WAL and a busy timeout.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if env("DATABASE_CONN_MAX_AGE") == "0" else 600
# Behind PgBouncer in transaction mode, a server-side cursor (QuerySet.iterator()) would not
# survive PgBouncer handing the server connection to another client between transactions.
if env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies: API payloads are small; the catalog import (a file upload) has its own
# limit. Larger bodies answer 400 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", 50 * 1024 * 1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("COREKIT_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "corekit <quotes@corekit.local>")

# Celery on Redis. JSON only; late acks + reject on worker loss so a task whose worker
# dies is delivered again (tasks are idempotent); one task prefetched at a time so a
# long quote does not hold others hostage.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
# State lives in the database (quotes, deliveries); task results are never read.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_RESULT_EXPIRES = 3600
# Celery's Django fix-up closes the database connections before and after every task unless
# this is set; it then closes them once every 2 × this many tasks. Between those, connections
# follow CONN_MAX_AGE and health checks like a web request's (config/celery_app.py).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The longest a task waits for its countdown (a webhook's last retries). Redis redelivers
# a task not acked within the visibility timeout, and a task waiting for its countdown (or
# running, with acks_late) is not acked: the timeout stays above the longest countdown plus
# the hard time limit, or such a task runs twice (and again, in a loop). A task lost with a
# dead worker is published again by the outbox relay long before that.
COREKIT_LONGEST_COUNTDOWN_S = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("COREKIT_BROKER_VISIBILITY_TIMEOUT",
                                  COREKIT_LONGEST_COUNTDOWN_S + CELERY_TASK_TIME_LIMIT * 2),
    # Publishing must fail fast when Redis is down (the outbox keeps the message).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
}
if env("COREKIT_REDIS_SENTINEL_MASTER"):  # REDIS_URL=sentinel://host:26379;sentinel://…
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = env("COREKIT_REDIS_SENTINEL_MASTER")
CELERY_TIMEZONE = TIME_ZONE
# Beat: the outbox relay publishes what was recorded while Redis was down and publishes
# again every message whose task has not finished within COREKIT_OUTBOX_STALE_SECONDS
# (the broker lost it, a worker died): one stale-requeue for quotes, e-mails, webhooks,
# documents and re-validations. Keep the lease above the task time limit so a task that
# is still running is not started twice for nothing.
COREKIT_OUTBOX_RELAY_SECONDS = float(env("COREKIT_OUTBOX_RELAY_SECONDS", "10"))
COREKIT_OUTBOX_STALE_SECONDS = env_int("COREKIT_OUTBOX_STALE_SECONDS", CELERY_TASK_TIME_LIMIT * 2)
# A message published this many times without its task finishing is left for an operator
# (admin: Outbox) rather than retried for ever.
COREKIT_OUTBOX_MAX_PUBLISHES = env_int("COREKIT_OUTBOX_MAX_PUBLISHES", 20)

# The catalog view (parts, options index, class tables) is built once per catalog change by
# a worker and published in the database; web processes load it in a background thread and
# answer from their previous view meanwhile ("background"), or load/build it before
# answering ("sync": deterministic, for tests). A process waits this long for the worker's
# artifact before building the view itself (a worker or Redis down must not stall it).
COREKIT_CATALOG_REFRESH = env("COREKIT_CATALOG_REFRESH", "background")
# How old a web process's reading of the catalog stamp may be when a request uses it (0:
# every request reads it). A change made elsewhere reaches a process at most this late.
COREKIT_CATALOG_STAMP_SECONDS = float(env("COREKIT_CATALOG_STAMP_SECONDS", "1"))
COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS = float(env("COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS", "60"))
# The web processes of one host load a new view one at a time (a lock file in this folder,
# one per database); empty: all at once.
COREKIT_CATALOG_LOAD_LOCK_DIR = env("COREKIT_CATALOG_LOAD_LOCK_DIR", tempfile.gettempdir())
# The nice value of a web process's background catalog refresh thread (0: the process's own).
COREKIT_CATALOG_REFRESH_NICE = env_int("COREKIT_CATALOG_REFRESH_NICE", 10)
COREKIT_CATALOG_ARTIFACTS_KEPT = env_int("COREKIT_CATALOG_ARTIFACTS_KEPT", 2)
# A catalog import builds and stores the new view inside its own transaction (about 9 s
# more at 100k parts), so that every process switches as soon as it commits; off: the
# publish task builds it after the commit, as for any other catalog change.
COREKIT_CATALOG_PUBLISH_WITH_IMPORT = env_bool("COREKIT_CATALOG_PUBLISH_WITH_IMPORT", True)
# That view is also announced in the cache (Redis) before the import commits, and web
# processes load it while the import finishes: at the commit each swaps it in at once, with
# no load after it. Off (or Redis away): they load it after the commit.
COREKIT_CATALOG_PUBLISH_AHEAD = env_bool("COREKIT_CATALOG_PUBLISH_AHEAD", True)
# And the import commits once every live web process of its code holds that view (each keeps
# a heartbeat in Redis), waiting at most this long: then none loads it after the commit.
# About a second per process of a host at 100k parts (they load it in turns); the catalog's
# locks are held that much longer. 0: commit at once.
COREKIT_CATALOG_PREPARE_WAIT_SECONDS = float(env("COREKIT_CATALOG_PREPARE_WAIT_SECONDS", "15"))
# With it, the saved configurations the import's changes touch are re-checked in the same
# transaction, with that view, when there are at most this many (about 5 ms each); more go to
# a worker after the commit, as for any other change.
COREKIT_IMPORT_REVALIDATES_AT_MOST = env_int("COREKIT_IMPORT_REVALIDATES_AT_MOST", 200)
# Accepting an order locks its kit's parts; a catalog import holds them until it commits
# (a minute at 100k parts). The acceptance waits this long, then answers 503 catalog_busy
# (nothing booked, Retry-After) rather than holding the request past the proxy's timeout.
COREKIT_ACCEPT_LOCK_WAIT_SECONDS = float(env("COREKIT_ACCEPT_LOCK_WAIT_SECONDS", "10"))
CELERY_BEAT_SCHEDULE: dict = {
    "relay-outbox": {"task": "core.relay_outbox", "schedule": COREKIT_OUTBOX_RELAY_SECONDS},
    "expire-quotes": {"task": "orders.expire_quotes", "schedule": 3600.0},
    "revalidate-policy-changes": {
        "task": "configurator.revalidate_policy_changes", "schedule": 6 * 3600.0,
    },
}

# The admin's history pages show past versions; none can be saved back as the current one
# (core.history_admin: every change goes through its change form and service).
SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.IsOrganizationMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "principal": env("COREKIT_API_RATE", "600/min"),
        "quote_request": env("COREKIT_QUOTE_RATE", "60/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Anonymous rate limits key on the client address behind the same trusted proxies
    # (0: REMOTE_ADDR; DRF's default, None, would take X-Forwarded-For from anyone).
    "NUM_PROXIES": COREKIT_TRUSTED_PROXIES,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "corekit partner API",
    "DESCRIPTION": (
        "Rotor and stator kits for EV traction motors: catalog, configurations, "
        "quotes and orders. Authenticate with `Authorization: Api-Key <key>`. Request bodies "
        "are strict: a key the schema does not list, at any level, is a 400 naming it "
        "(`requirements.max_speed: unknown field`), never ignored."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

COREKIT_API_KEY_PREFIX = "ck"
# A key that authenticated is trusted this long by each process without a database lookup:
# a revoked key stops working on every web process within this bound (0: look up always).
COREKIT_API_KEY_CACHE_SECONDS = float(env("COREKIT_API_KEY_CACHE_SECONDS", "5"))
COREKIT_QUOTE_VALIDITY_DAYS = env_int("COREKIT_QUOTE_VALIDITY_DAYS", 30)
# The legal entity that issues quotations (the offer's seller), as printed on the document.
COREKIT_ISSUER_NAME = env("COREKIT_ISSUER_NAME", "corekit Motor Cores Ltd.")
COREKIT_ISSUER_ADDRESS = env("COREKIT_ISSUER_ADDRESS",
                             "12 Teheran-ro, Gangnam-gu, Seoul 06236, Republic of Korea")
# A manual discount above this needs a sales rep's approval before the quote is sent.
COREKIT_DISCOUNT_APPROVAL_THRESHOLD_PCT = Decimal(env("COREKIT_DISCOUNT_APPROVAL_THRESHOLD_PCT", "5"))
COREKIT_WEBHOOK_TIMEOUT_S = float(env("COREKIT_WEBHOOK_TIMEOUT_S", "5"))
# Endpoints one organization may register (each event goes to each of them).
COREKIT_WEBHOOKS_PER_ORGANIZATION = env_int("COREKIT_WEBHOOKS_PER_ORGANIZATION", 10)
COREKIT_WEBHOOK_MAX_RETRIES = env_int("COREKIT_WEBHOOK_MAX_RETRIES", 8)
COREKIT_WEBHOOK_BACKOFF_S = float(env("COREKIT_WEBHOOK_BACKOFF_S", "10"))
# Webhook URLs may not point at loopback, private, link-local, multicast, reserved or
# unspecified addresses (checked at registration and again at each delivery). Hosts, IP
# addresses or networks listed here are allowed despite that (e.g. "127.0.0.1" for a
# local test receiver, "10.20.0.0/16" for an internal ERP); comma-separated.
COREKIT_WEBHOOK_ALLOWED_HOSTS = [h.strip() for h in env("COREKIT_WEBHOOK_ALLOWED_HOSTS", "").split(",")
                                 if h.strip()]
# Off only to benchmark pricing throughput without the PDF step.
COREKIT_QUOTE_RENDER_PDF = env_bool("COREKIT_QUOTE_RENDER_PDF", True)
# The admin's path (not guessable in production); the health endpoints sit under /health/.
COREKIT_ADMIN_PATH = env("COREKIT_ADMIN_PATH", "admin/").strip("/") + "/"
COREKIT_CONTENT_SECURITY_POLICY = env("COREKIT_CONTENT_SECURITY_POLICY", "")
# /health/workers/ answers staff, or a monitor sending `Authorization: Bearer <token>`
# (empty: staff only); its result is kept this many seconds so calls do not each ping.
COREKIT_HEALTH_TOKEN = env("COREKIT_HEALTH_TOKEN", "")
COREKIT_HEALTH_WORKERS_CACHE_SECONDS = float(env("COREKIT_HEALTH_WORKERS_CACHE_SECONDS", "10"))
# Catalog files: refused above the maximum; above the threshold the admin hands the
# import to a worker and shows its progress (a web worker must not hold it for minutes).
COREKIT_IMPORT_MAX_BYTES = env_int("COREKIT_IMPORT_MAX_BYTES", 192 * 1024 * 1024)  # 100k parts: ~100 MB
# GET /parts/ pages kept in the shared cache, all stamps and processes together (each hour's
# pages expire with it): past it, pages are served uncached until the next hour. A 100k-part
# catalog is about 100 MB of pages at the default page size.
COREKIT_PARTS_PAGE_CACHE_MB = env_int("COREKIT_PARTS_PAGE_CACHE_MB", 512)
COREKIT_IMPORT_BACKGROUND_BYTES = env_int("COREKIT_IMPORT_BACKGROUND_BYTES", 512 * 1024)
