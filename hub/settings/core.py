"""Passerelle's framework settings (Django, database, Celery, cache, authentication, API,
security), driven by the environment, with an embedded default.

Without any variable set, the hub runs on a SQLite file with Celery tasks executed eagerly
(``make run``). Production sets ``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``,
``NIR_HASH_KEY`` and ``ALLOWED_HOSTS``; see README.md.
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from hub.env import ConfigError, env_bool, env_int, env_list, env_str, local_secret

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("PASSERELLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

# The embedded default (no DATABASE_URL: SQLite, eager Celery) keeps per-install secrets in
# VAR_DIR, created on first use, so that every README command works after `make run` with no
# environment. Production (DATABASE_URL set) refuses to start without real secrets.
EMBEDDED = not env_str("DATABASE_URL")


def _secret(name: str, filename: str, development: str) -> str:
    value = env_str(name)
    if value:
        return value
    if EMBEDDED:
        return local_secret(VAR_DIR / filename)
    if DEBUG:
        return development
    raise ConfigError(f"{name} is required when DATABASE_URL is set (set {name} or {name}_FILE)")


SECRET_KEY = _secret(
    "SECRET_KEY",
    "secret_key",
    "django-insecure-development-only-key-never-used-in-production-0123456789",
)
# Key of the HMAC that replaces the NIR (social security number) at rest. Never stored in clear.
NIR_HASH_KEY = _secret("NIR_HASH_KEY", "nir_hash_key", "development-only-nir-key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "hub.registry",
    "hub.outbox",
    "hub.api",
    "consent",
    "exchanges",
    "crisis",
    "territory",
    "portal",
    "portal.franceconnect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hub.middleware.RequestIdMiddleware",
    "hub.middleware.DatabaseUnavailableMiddleware",
    "hub.api.query.RepeatedQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hub.security.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.PortalMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Staff login: lockout, second factor, idle timeout -----------------------------------------
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one user name from one address, the
# login is refused for AXES_COOLOFF_MINUTES (a French page says so); a success resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "errors/locked.html"
AXES_VERBOSE = False
# Two-factor authentication (TOTP, django-otp): required in the admin for superusers and the
# roles listed here; agents and coordinators are added with OTP_REQUIRED_ROLES.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", ["admin", "dpo"])
OTP_REQUIRED_FOR_SUPERUSERS = True
OTP_TOTP_ISSUER = "Passerelle"
# Sessions end after SESSION_IDLE_MINUTES without a request (sliding), and with the browser.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hub" / "templates"],
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

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # Embedded default: a SQLite file in VAR_DIR, created on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'passerelle.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    }
except ValueError as exc:
    raise ConfigError(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead logging: an open read transaction (every request is one) no longer holds a
    # writer's commit back until "database is locked", and the writer blocks no reader;
    # ``synchronous=FULL`` keeps every committed transaction across a power loss.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Each request is one transaction, so that an access and its audit row commit together.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
USES_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
CELERY_TIMEZONE = "Europe/Paris"
# A broker that drops: reconnect forever, at start too; tasks in flight finish (their work is
# committed; a redelivered message finds it done). What the broker lost, the sweepers find.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE: dict = {}
# One queue per kind of work, so that one slow kind holds back no other: the relay, webhook
# deliveries (Celery path), long jobs (imports, dedupe chunks), and everything else. A worker
# started without -Q consumes them all; production runs one worker per queue (README).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {"celery": {}, "relay": {}, "deliveries": {}, "jobs": {}}
CELERY_TASK_ROUTES = {
    "exchanges.tasks.relay_outbox": {"queue": "relay"},
    "exchanges.tasks.deliver_webhook": {"queue": "deliveries"},
    "exchanges.tasks.run_import": {"queue": "jobs"},
    "registry.dedupe_chunk": {"queue": "jobs"},
}

# --- Cache (throttling, idempotency locks) ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Scopes a partner client may be granted. Each client is limited to its allowed subset.
API_SCOPES = {
    "records:read": "Read this partner's records and the golden records it may see",
    "records:write": "Create and replace this partner's records, run imports",
    "consents:read": "Read legal bases and consents",
    "consents:write": "Record and withdraw legal bases and consents",
    "cases:read": "Read this partner's support cases",
    "cases:write": "Open, update and close this partner's support cases",
    "referrals:read": "Read referrals sent or received by this partner",
    "referrals:write": "Send and answer referrals",
    "events:read": "Read this partner's change feed",
    "webhooks:manage": "Manage this partner's webhook endpoints",
    "crisis:read": "Read the commune's register of vulnerable persons and its call lists",
    "crisis:write": "Register and remove persons, record call outcomes",
    "crisis:activate": "Trigger and close the plan d'alerte et d'urgence",
    "crisis:prefect": "Export the register for the préfet while a plan is triggered",
    "indicators:read": "Read the territory's indicators (suppressed aggregates only)",
}

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "SCOPES": API_SCOPES,
    "DEFAULT_SCOPES": [],
    "SCOPES_BACKEND_CLASS": "hub.registry.oauth.PartnerScopes",
    "OAUTH2_VALIDATOR_CLASS": "hub.registry.oauth.PartnerOAuth2Validator",
    "APPLICATION_ADMIN_CLASS": "hub.registry.oauth_admin.ApplicationAdmin",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("ACCESS_TOKEN_EXPIRE_SECONDS", 900, minimum=60),
    "REFRESH_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
    "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": 10000,
    # RFC 9700 (OAuth 2.0 Security BCP): tokens stored as hashes, no implicit or password grant,
    # S256 PKCE only, tokens never accepted in the query string.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}
if OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"] > 900:
    raise ConfigError("ACCESS_TOKEN_EXPIRE_SECONDS must not exceed 900 (15 minutes)")

# --- REST API -------------------------------------------------------------------------------
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
API_IMPORT_MAX_BYTES = env_int("API_IMPORT_MAX_BYTES", 64 * 1024 * 1024, minimum=1024)
# POST /api/v1/imports streams its body to a temporary file: a file up to this size is taken.
API_IMPORT_MAX_FILE_BYTES = env_int("API_IMPORT_MAX_FILE_BYTES", 4 * 1024**3, minimum=1024)
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1200/min")
API_MATCH_THROTTLE_RATE = env_str("API_MATCH_THROTTLE_RATE", "120/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["hub.api.auth.PartnerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["hub.api.auth.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["hub.api.parsers.LimitedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["hub.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": API_THROTTLE_RATE, "match": API_MATCH_THROTTLE_RATE},
    "DEFAULT_PAGINATION_CLASS": "hub.api.pagination.Cursor",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "hub.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_VERSIONING_CLASS": None,
}

SPECTACULAR_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    # Redoc and Swagger UI from drf-spectacular-sidecar's static files: the docs work offline.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hub.api.openapi.embed_json_schemas",
        "hub.api.openapi.document_problems",
        "hub.api.openapi_contract.declare_contract",
    ],
    "TITLE": "Passerelle partner API",
    "DESCRIPTION": "Data-exchange hub for French social action. OAuth2 client credentials; errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "CaseTypeEnum": "exchanges.models.CaseType",
        "CaseStatusEnum": "exchanges.models.CaseStatus",
        "CaseOutcomeEnum": "exchanges.models.CaseOutcome",
        "ReferralStatusEnum": "exchanges.models.ReferralStatus",
        "DeclineReasonEnum": "exchanges.models.DeclineReason",
        "DeliveryStatusEnum": "exchanges.models.DeliveryStatus",
        "ImportStatusEnum": "exchanges.models.ImportStatus",
        "GrantStatusEnum": "consent.vocab.GrantStatus",
        "LegalBasisEnum": "consent.vocab.Basis",
        "PurposeEnum": "consent.vocab.Purpose",
    },
}

# --- Internationalisation: French first -------------------------------------------------------
LANGUAGE_CODE = "fr"
# French is the product's language for people, whatever the browser asks for: no
# LocaleMiddleware, one language.
LANGUAGES = [("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "hub" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# The DSFR (Système de design de l'État) from npm (`@gouvfr/dsfr`, node_modules/), served as
# static files, never from a CDN: the stylesheet, its fonts, icons and favicons only.
DSFR_DIST = BASE_DIR / "node_modules" / "@gouvfr" / "dsfr" / "dist"
STATICFILES_DIRS = [
    (f"dsfr/{part}", DSFR_DIST / part) for part in ("dsfr", "fonts", "icons", "favicon")
]

# --- Security (production defaults; DEBUG relaxes the transport ones) -------------------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# A form refused for its CSRF token answers a French page (the portal's under /citoyen/).
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
DATA_UPLOAD_MAX_MEMORY_SIZE = API_IMPORT_MAX_BYTES
SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}
