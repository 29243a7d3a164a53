"""Settings of the peers' site: one article page with django-contrib-comments
(PEER=dcc) or django-comments-xtd (PEER=xtd), as each project's docs set it
up, with the same middleware as newsroom. Only bench/peers uses it."""

import os

PEER = os.environ.get("PEER", "dcc")
DEBUG = False
SECRET_KEY = "bench-peers-only"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django_comments",
    "peersite.blog",
]
if PEER == "xtd":
    INSTALLED_APPS += ["django_comments_xtd", "rest_framework"]
    COMMENTS_APP = "django_comments_xtd"
    # Anonymous comments are posted at once (no confirmation mail), one
    # level of replies as in newsroom.
    COMMENTS_XTD_CONFIRM_EMAIL = False
    COMMENTS_XTD_MAX_THREAD_LEVEL = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["PEERS_DB"],
        # The same SQLite settings as newsroom's embedded default.
        "OPTIONS": {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        },
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
