"""Settings for the portal: one module, read from the environment.

The defaults run on a laptop (SQLite, files on disk, a filesystem Celery broker).
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and PORTAL_HTTPS=true,
and `manage.py check --deploy --fail-level WARNING` is then clean (tests/test_settings.py).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Behind TLS in production: secure cookies, HSTS and the HTTPS redirect.
HTTPS = env_bool("PORTAL_HTTPS", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if HTTPS:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (PORTAL_HTTPS=true).")
    # A laptop gets a random key kept outside the repository, stable across restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Links in e-mails are built from this, since a Celery worker has no request.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The one site (django.contrib.sites), its domain taken from SITE_URL by a migration. allauth
# keys its per-account sign-in failure count on the current site's domain; without the sites
# framework that was the request's Host header, so another port started a fresh count.
SITE_ID = 1

INSTALLED_APPS = [
    "portal",
    "applications",
    "reviews",
    "projects",
    "opendata",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rules",
    "csp",
    # The open data's API (opendata/api.py); listed so that its docs page takes Swagger UI
    # from the static files instead of a CDN the CSP would refuse.
    "ninja",
]

MIDDLEWARE = [
    # First: the moment the request arrived, before any other work (portal/middleware.py).
    "portal.middleware.ArrivalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.SessionRefreshMiddleware",
    "portal.middleware.KoreanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the whole body: a POST over its view's limit is refused unread.
    "portal.middleware.BodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.roles.SessionRolesMiddleware",
    "portal.middleware.PrivateCacheMiddleware",
    "portal.middleware.AccessRecordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.StaffMFARequiredMiddleware",
]

ROOT_URLCONF = "portal.urls"
# Form widgets and field groups may be overridden in templates/ (every field in a <div class="field">).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.roles",
                "applications.context_processors.notices",
                "portal.page_cache.csrf_placeholder",
            ],
            # The formatting filters (dates, deadlines, amounts, scores) in every template
            # without a {% load %} line, so no page formats a date its own way.
            "builtins": ["portal.templatetags.portal"],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            # The web server and the Celery worker write to the same file: WAL lets readers
            # go on while one writes, IMMEDIATE takes the write lock up front instead of
            # failing half-way through a transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not shared memory, so that a Celery worker thread in the tests can write.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

# --- Cache, Redis, Celery -----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def _redis_db_number(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            # The broker keeps database 0; the cache (rate limits, sessions) its own.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            # The next database after the broker's (`redis://host/4` → cache on 5), never the broker's own.
            "LOCATION": env_str("REDIS_CACHE_URL", _redis_db(REDIS_URL, env_int("REDIS_CACHE_DB", (_redis_db_number(REDIS_URL) + 1) % 16))),
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # A task whose worker died is handed to another worker after the visibility timeout;
    # every task must finish well within it.
    # Short connection timeouts: a request that queues a task while Redis is away fails in
    # half a second once, then not at all for BROKER_BACKOFF_SECONDS (portal/queue.py).
    # kombu retries a failed connection within that time, from the first attempt (its default
    # first pause of 2 s made every request wait 2 s while Redis was away).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": env_float("BROKER_CONNECT_TIMEOUT", 0.5), "socket_timeout": 10,
                                       "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2,
                                       "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
else:
    # A real cache shared by the web server and the worker without any server running.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_FS_DIR = Path(env_str("CELERY_FS_DIR", str(VAR_DIR / "celery")))
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_DIR / "queue"),
        "data_folder_out": str(CELERY_FS_DIR / "queue"),
        "control_folder": str(CELERY_FS_DIR / "control"),
        "store_processed": False,
    }
    for _sub in ("queue", "control"):
        (CELERY_FS_DIR / _sub).mkdir(parents=True, exist_ok=True)

CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("BROKER_CONNECT_TIMEOUT", 0.5)
BROKER_BACKOFF_SECONDS = env_int("BROKER_BACKOFF_SECONDS", 30)
# After a failed or timed-out cache call a web process goes on without Redis for this long,
# then tries once more (portal/cache.py).
CACHE_BACKOFF_SECONDS = env_int("CACHE_BACKOFF_SECONDS", 30)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Seoul"
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 60.0},
    "redeliver-pending-email": {
        "task": "portal.tasks.redeliver_pending_email",
        "schedule": 60.0,
    },
    "apply-finalized-selections": {
        "task": "reviews.tasks.apply_finalized_selections",
        "schedule": 300.0,
    },
    "render-pending-agreements": {
        "task": "applications.tasks.render_pending_agreements",
        "schedule": 120.0,
    },
    "sweep-overdue-revisions": {
        "task": "applications.tasks.sweep_overdue_revisions",
        "schedule": 300.0,
    },
    "sweep-offers": {
        "task": "reviews.tasks.sweep_offers",
        "schedule": 300.0,
    },
    # Every minute: the next file of the chain of sweep files, with the heads no sweep wrote yet
    # (portal/services/anchor_chain.py).
    "anchor-heads": {
        "task": "portal.tasks.anchor_heads",
        "schedule": 60.0,
    },
    # Once a day (00:10 KST): a checkpoint of every chain's head, signed, written outside the database.
    "anchor-chains": {
        "task": "portal.tasks.anchor_chains",
        "schedule": crontab(hour=0, minute=10),
    },
    # Once a day (03:30 KST): personal information whose retention period has ended is
    # destroyed or anonymised, each destruction recorded (portal/retention.py).
    "destroy-expired-personal-data": {
        "task": "portal.tasks.destroy_expired_personal_data",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- Retention of personal information (portal/retention.py; the privacy policy lists them) ---
# A sign-up whose e-mail address was never confirmed is deleted after this many days.
RETENTION_UNVERIFIED_SIGNUP_DAYS = env_int("RETENTION_UNVERIFIED_SIGNUP_DAYS", 30)
# The consents of a person who left are kept this many years as evidence that what was
# processed had a basis (a claim for damages lapses three years after it is known, 민법 §766 ①).
RETENTION_CONSENTS_YEARS = env_int("RETENTION_CONSENTS_YEARS", 3)
# Access records (접속기록) keep the account's e-mail, the address and the query for this many
# years, then lose them (개인정보의 안전성 확보조치 기준 §8: at least one year, two for a system
# holding 50,000 people's information or more).
RETENTION_ACCESS_RECORDS_YEARS = env_int("RETENTION_ACCESS_RECORDS_YEARS", 2)
# The document, file name and note of a decided ownership claim are kept this many years after
# the decision, while it may be challenged (a claim for damages lapses three years after it
# is known, 민법 §766 ①); a cancelled claim's go at the next nightly run.
RETENTION_CLAIM_DOCUMENTS_YEARS = env_int("RETENTION_CLAIM_DOCUMENTS_YEARS", 3)

# --- Sessions and security ----------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Three idle hours instead of Django's two weeks; drafts are saved on the server, so a
# session that ends loses nothing.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 3 * 60 * 60)
# The idle timeout slides: SessionRefreshMiddleware renews a session at most every five minutes
# instead of writing it on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind the documented load balancer: trust its X-Forwarded-Proto / -For and its
# X-Request-Start (the moment the request reached it, which judges a deadline).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
# How many proxies append to X-Forwarded-For in front of the portal (the documented load
# balancer: one). The client is the address that many entries from the right; allauth's
# sign-in limits and the portal's own records (client_ip) read it the same way, so the
# limits apply per client, not to everyone behind the balancer at once.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1) if BEHIND_PROXY else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The TOTP set-up page shows its QR code as a data: image.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Accounts (django-allauth) ----------------------------------------------------------
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# The name, position and the consents to the collection of personal information (portal/privacy.py).
ACCOUNT_SIGNUP_FORM_CLASS = "portal.forms.SignupDetailsForm"
ACCOUNT_FORMS = {"login": "portal.account_forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[지원사업 신청 포털] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# allauth's defaults (per client address and per account: `login_failed` 10/m/ip and 5 per
# 5 minutes per account), plus the portal's own anonymous endpoints.
ACCOUNT_RATE_LIMITS = {
    "verify_agreement": env_str("RATE_VERIFY_AGREEMENT", "20/m/ip,200/h/ip"),
    # The draft's PDF is rendered in the request (a draft changes as it is typed): a few a minute.
    "preview_pdf": env_str("RATE_PREVIEW_PDF", "6/m/user,60/h/user"),
    # Business numbers typed to register, join or claim a company (portal/views/companies.py).
    "company_number": env_str("RATE_COMPANY_NUMBER", "10/h/user,30/h/ip"),
}
MFA_ADAPTER = "portal.adapters.MFAAdapter"
# Fernet keys (comma-separated; the first encrypts) for the TOTP secrets and recovery seeds at rest.
MFA_ENCRYPTION_KEYS = env_list("MFA_ENCRYPTION_KEYS", [])
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "지원사업 신청 포털"
# One 30-second step either way (RFC 6238 §5.2): phones' clocks drift, and a code typed
# as the step turns must not fail.
MFA_TOTP_TOLERANCE = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- E-mail -----------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if env_str("EMAIL_HOST") else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "지원사업 신청 포털 <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]  # the 24-hour clock where Django formats a time (the admin)
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Seoul"  # shown in KST; stored in UTC because USE_TZ is on.

# --- Static and media files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Collected files in production; the app directories themselves on a laptop and in tests.
WHITENOISE_USE_FINDERS = not env_bool("MANIFEST_STATIC", False)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# MEDIA_STORAGE=s3 keeps uploads and PDFs on S3-compatible storage (django-storages),
# shared by every web and worker machine; the AWS_* variables below configure it.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_S3_FILE_OVERWRITE = False


def _s3_client_config(**options):
    from botocore.config import Config

    return Config(signature_version="s3v4", **options)


STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage" if MEDIA_STORAGE == "s3" else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not WHITENOISE_USE_FINDERS
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # The anchors of the hash chains (portal/services/anchors.py): outside the database — an
    # object-storage bucket of their own in production, shared by every machine (turn on object
    # lock), a folder the backup keeps on a laptop. Each commit that appends to a chain writes a
    # small file there after the COMMIT, in the request: short timeouts and one retry, so a
    # hung store costs a request seconds, not minutes (the beat sweep writes what was missed).
    "anchors": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": env_str("ANCHOR_BUCKET"), "location": "anchors", "file_overwrite": False,
                    "client_config": _s3_client_config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})},
    } if MEDIA_STORAGE == "s3" else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "anchors")},
    },
}
# What keeps the anchor bucket's files from being deleted or overwritten, as the operator set it
# up: "object-lock" (with a default retention) or "versioning". `check --deploy` asks the bucket
# itself and warns without either; this setting only answers for a bucket the portal's
# credentials may not ask (docs/deployment.md#tamper-evidence).
ANCHOR_BUCKET_PROTECTION = env_str("ANCHOR_BUCKET_PROTECTION")
# The key of the hash chains (portal/chains.py), kept outside the database and not rotated:
# the chains already written are verified with it.
EVENT_CHAIN_KEY = env_str("EVENT_CHAIN_KEY")
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The key and certificate that sign executed agreements (PAdES). A laptop uses the
# self-signed pair made by `manage.py make_signing_cert`.
AGREEMENT_SIGNING_KEY = env_str("AGREEMENT_SIGNING_KEY", str(VAR_DIR / "signing" / "portal-key.pem"))
AGREEMENT_SIGNING_CERT = env_str("AGREEMENT_SIGNING_CERT", str(VAR_DIR / "signing" / "portal-cert.pem"))
AGREEMENT_SIGNING_PASSPHRASE = env_str("AGREEMENT_SIGNING_PASSPHRASE")
# The issuing CA's certificates (PEM files) sent with the signature, and the roots a
# verification trusts (default: the signing certificate itself, for the self-signed pair).
AGREEMENT_SIGNING_CHAIN = env_list("AGREEMENT_SIGNING_CHAIN", [])
AGREEMENT_TRUST_ROOTS = env_list("AGREEMENT_TRUST_ROOTS", [])
# An RFC 3161 time-stamping authority: with it the signature is PAdES B-T, and its
# validation data (certificates, CRLs/OCSP) is embedded for B-LT. Without it (a laptop) B-B.
AGREEMENT_TSA_URL = env_str("AGREEMENT_TSA_URL")

# --- Open data (opendata/: executed agreements in the 360Giving Data Standard) -------------
# Grant ids are this prefix and the agreement number. 360Giving assigns each publisher its
# prefix (360G-…); an id never changes once published, so production sets its own before the
# first grant goes out (`check --deploy` warns while it is the placeholder).
OPEN_DATA_GRANT_PREFIX = env_str("OPEN_DATA_GRANT_PREFIX", "360G-example-portal")
# The org-id.guide list organisations are identified on: KR-BRN is its confirmed list of
# 국세청 사업자등록번호 (KR-BRN-1248100998).
OPEN_DATA_ORG_LIST = env_str("OPEN_DATA_ORG_LIST", "KR-BRN")
OPEN_DATA_PUBLISHER_NAME = env_str("OPEN_DATA_PUBLISHER_NAME", "지원사업 신청 포털")
# The publisher's own org-id (e.g. KR-BRN-… of the agency running the portal); optional.
OPEN_DATA_PUBLISHER_ID = env_str("OPEN_DATA_PUBLISHER_ID")
OPEN_DATA_LICENSE = env_str("OPEN_DATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.logging.JsonFormatter"},
    },
    # LOG_FORMAT=json writes one JSON object a line, for the log collector of a server fleet.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env_str("LOG_FORMAT", "plain")}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
