"""Kehu settings. Everything that differs between machines comes from KEHU_* environment variables.

Profiles (KEHU_PROFILE): ``dev`` (default: the demo on 127.0.0.1, keys generated under ./var),
``production`` (keys and secret must come from the environment or a key directory; HTTPS-only
cookies, HSTS) and ``test`` (set by the test suite: fast password hashing).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kehu.core import keys


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"KEHU_{name}", default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env("VAR_DIR") or Path.cwd() / "var").resolve()
# Under pytest the profile defaults to "test" so a bare `pytest` never hashes passwords slowly
# or writes keys into the demo's ./var.
PROFILE = env("PROFILE") or ("test" if "pytest" in sys.modules else "dev")
if PROFILE not in {"dev", "production", "test"}:
    raise ImproperlyConfigured(f"KEHU_PROFILE must be dev, production or test, not {PROFILE!r}")
PRODUCTION = PROFILE == "production"
VAR_DIR = Path(env("VAR_DIR") or Path.cwd() / ("var/test" if PROFILE == "test" else "var")).resolve()

# Keys live outside the database: in the environment or in files under KEHU_KEY_DIR.
# Only the dev and test profiles may generate missing keys.
KEY_DIR = Path(env("KEY_DIR") or VAR_DIR / "keys").resolve()
keys.configure(key_dir=KEY_DIR, may_generate=not PRODUCTION)

SECRET_KEY = env("SECRET_KEY") or keys.load_text("secret_key", length=64)
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("KEHU_SECRET_KEY must be at least 50 random characters")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# X-Forwarded-For is believed only from these proxy addresses (SECURITY.md AUD-5).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "bootstrap",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "kehu.core",
    "kehu.org",
    "kehu.compliance",
    "kehu.policy",
    "kehu.customers",
    "kehu.engagement",
    "kehu.service",
    "kehu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kehu.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kehu.org.middleware.SessionPolicyMiddleware",
    "kehu.org.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kehu.urls"
WSGI_APPLICATION = "kehu.wsgi.application"
ASGI_APPLICATION = "kehu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kehu.web.context.navigation_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kehu.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # CRASH-1: WAL for concurrent readers, FULL so an acknowledged commit survives power loss,
    # IMMEDIATE so writers queue on busy_timeout instead of failing with "database is locked",
    # secure_delete so deleted personal data is overwritten (RES-2).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
# Connections kept for a minute on both engines (SQLite too: opening one per request, with the PRAGMAs above
# and Django's functions, cost about 1 ms of CPU and 3 ms of wall time).
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "60") or 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication (SECURITY.md AUTH-*) ----------------------------------------------------
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "org:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "kehu.org.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "employee_no")},
    },
    {"NAME": "kehu.org.passwords.HistoryValidator", "OPTIONS": {"remember": 5}},
]
PASSWORD_RESET_TIMEOUT = 3600

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60  # idle timeout; renewed when the session is saved (kehu.org.sessions.SEEN_EVERY)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
KEHU_ADMIN_IDLE_SECONDS = 15 * 60
KEHU_SESSION_ABSOLUTE_SECONDS = 12 * 3600
KEHU_MAX_SESSIONS_PER_USER = 3
KEHU_LOCKOUT = {"failures": 5, "window_minutes": 15, "lock_minutes": 30}
KEHU_IP_THROTTLE = {"failures": 20, "window_minutes": 10, "block_minutes": 10}
KEHU_INACTIVE_DISABLE_DAYS = 90
KEHU_PASSWORD_MAX_AGE_DAYS = 90

# --- Audit (SECURITY.md AUD-*) ---------------------------------------------------------------
AUDIT_RETENTION_DAYS = int(env("AUDIT_RETENTION_DAYS", "365") or 365)
AUDIT_MIN_RETENTION_DAYS = 180  # Cybersecurity Law art. 21(3): not less than six months
if AUDIT_RETENTION_DAYS < AUDIT_MIN_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"KEHU_AUDIT_RETENTION_DAYS={AUDIT_RETENTION_DAYS} is below the legal floor of "
        f"{AUDIT_MIN_RETENTION_DAYS} days"
    )

# --- Background jobs -------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
TASK_BACKEND = env("TASK_BACKEND", "database")
if TASK_BACKEND == "redis":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ImproperlyConfigured("KEHU_TASK_BACKEND must be 'database' or 'redis'")

# --- Notifications (REL-6): e-mail through Django's mail backends; links in e-mails and webhook posts are
# made absolute with KEHU_PUBLIC_URL (e.g. https://crm.example.com). The webhooks themselves are set in
# the app by the system admin (sealed in the database), not here.
PUBLIC_URL = env("PUBLIC_URL", "")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if PROFILE == "production"
                    else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "kehu@localhost")

# --- Cache: API rate-limit counters (AC-9). In-process by default; Redis when several app servers
# (or several worker processes) must share one count.
CACHE_BACKEND = env("CACHE", "locmem")
if CACHE_BACKEND == "redis":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif CACHE_BACKEND == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kehu"}}
else:
    raise ImproperlyConfigured("KEHU_CACHE must be 'locmem' or 'redis'")

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "kehu_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files: every asset ships in a Python package, nothing from a CDN -----------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
# Customer attachments (INFO-10): no policy section fits a file limit, so these are settings.
# The type is decided by the file's content (kehu/customers/filetypes.py), never by its name.
KEHU_ATTACHMENT_MAX_MB = int(env("ATTACHMENT_MAX_MB", "20"))
KEHU_ATTACHMENT_TYPES = env_list("ATTACHMENT_TYPES", "pdf,jpg,png,gif,webp,docx,xlsx,txt")
# The privacy notice (隐私告知书) version a consent form offers by default (PRIV-1).
KEHU_PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", "v1")
# Processes that prepare the rows of a large import (kehu/core/parallel.py); 0 = one per CPU, 1 = none.
KEHU_IMPORT_WORKERS = int(env("IMPORT_WORKERS", "0"))

# --- Web hardening (SECURITY.md WEB-*) -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    DEBUG = False

if PROFILE == "test":
    # Fast hashing for the suite only; production hashing is tested explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No collectstatic manifest in tests; pages still reference every asset through {% static %}.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- API ---------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 100
KEHU_API_RATE_PER_MINUTE = 60

# --- Public service page (SVC-8): limits per client address (and per phone), over fixed clock windows;
# the challenge's lifetime and the least time a person takes to fill the form.
KEHU_PUBLIC_SUBMIT_PER_IP_HOUR = int(env("PUBLIC_SUBMIT_PER_IP_HOUR", "10"))
KEHU_PUBLIC_SUBMIT_PER_PHONE_DAY = int(env("PUBLIC_SUBMIT_PER_PHONE_DAY", "5"))
KEHU_PUBLIC_LOOKUP_PER_IP_HOUR = int(env("PUBLIC_LOOKUP_PER_IP_HOUR", "30"))
KEHU_PUBLIC_LOOKUP_PER_PHONE_HOUR = int(env("PUBLIC_LOOKUP_PER_PHONE_HOUR", "10"))
KEHU_PUBLIC_CHALLENGE_SECONDS = int(env("PUBLIC_CHALLENGE_SECONDS", "1800"))
KEHU_PUBLIC_MIN_FILL_SECONDS = int(env("PUBLIC_MIN_FILL_SECONDS", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

if PROFILE == "test":
    # A model that exercises ProtectedField end to end (tests/protected_app); never installed outside tests.
    INSTALLED_APPS.append("tests.protected_app")
    # Pages render in the suite without a collectstatic run (the manifest exists only after one).
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
