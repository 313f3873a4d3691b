"""The apps' own settings (consent, exchanges, crisis, FranceConnect, the portal, the
territory), driven by the environment like the framework's (``hub.settings.core``)."""

from pathlib import Path

from hub.env import ConfigError, env_bool, env_choice, env_int, env_str

# The apps add their periodic tasks to the framework's beat schedule (the same dict).
from hub.settings.core import CELERY_BEAT_SCHEDULE, DEBUG, USES_POSTGRES, VAR_DIR

# --- Domain settings --------------------------------------------------------------------------
# Consent expires by default after this many days unless a shorter period is recorded.
CONSENT_DEFAULT_DAYS = env_int("CONSENT_DEFAULT_DAYS", 365, minimum=1)
# Webhook targets on private, loopback or link-local addresses are refused unless allowed.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)

# --- Consent, audit and retention (consent app) -----------------------------------------------
# A vital-interest disclosure lasts at most this long, and is always reviewed afterwards.
CONSENT_VITAL_INTEREST_HOURS = env_int("CONSENT_VITAL_INTEREST_HOURS", 72, minimum=1)
# CNIL référentiel (action sociale): active data kept 2 years after the last contact.
RETENTION_ACTIVE_DAYS = env_int("RETENTION_ACTIVE_DAYS", 730, minimum=30)
# Access logs kept 6 to 12 months (CNIL recommendation for traceability logs).
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 365, minimum=180)
if ACCESS_LOG_RETENTION_DAYS > 366:
    raise ConfigError("ACCESS_LOG_RETENTION_DAYS must be between 180 and 366 (6 to 12 months)")
# Retention runs only report (dry run) until an operator turns enforcement on.
RETENTION_ENFORCE = env_bool("RETENTION_ENFORCE", False)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
CELERY_BEAT_SCHEDULE["consent-checkpoint"] = {
    "task": "consent.tasks.checkpoint_chains",
    "schedule": env_int("AUDIT_CHECKPOINT_SECONDS", 3600, minimum=60),
}
CELERY_BEAT_SCHEDULE["consent-expired-grants"] = {
    "task": "consent.tasks.announce_expired_grants",
    "schedule": 300.0,
}
# The access log is sealed into its hash chain by one sequencer (consent.seal), off the request
# path: `manage.py seal_audit` and/or this beat task. On SQLite, right after each commit.
AUDIT_SEAL_ON_COMMIT = env_bool("AUDIT_SEAL_ON_COMMIT", not USES_POSTGRES)
CELERY_BEAT_SCHEDULE["consent-seal-access-log"] = {
    "task": "consent.tasks.seal_access_log",
    "schedule": float(env_int("AUDIT_SEAL_SECONDS", 1, minimum=1)),
    "options": {"expires": 10},  # a late seal task is dropped: the next one does its work
}
CELERY_BEAT_SCHEDULE["consent-retention"] = {
    "task": "consent.tasks.run_retention",
    "schedule": 24 * 3600,
}

# --- Exchanges: change feed, webhooks, referrals, idempotency (exchanges app) -----------------
# Outbox events are served by the change feed for this many days; an older cursor answers 410.
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 30, minimum=1)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOKS_RELAY_SECONDS = env_int("WEBHOOKS_RELAY_SECONDS", 5, minimum=1)
WEBHOOKS_REQUEUE_SECONDS = env_int("WEBHOOKS_REQUEUE_SECONDS", 60, minimum=1)
WEBHOOKS_SECRET_GRACE_HOURS = env_int("WEBHOOKS_SECRET_GRACE_HOURS", 24, minimum=1)
# Who sends deliveries: ``dispatcher`` (``manage.py dispatch_webhooks``, PostgreSQL default) or
# ``celery`` (a task per delivery; the embedded default, where no dispatcher runs).
WEBHOOKS_DELIVERY = env_choice(
    "WEBHOOKS_DELIVERY", "dispatcher" if USES_POSTGRES else "celery", {"dispatcher", "celery"}
)
WEBHOOKS_DISPATCHER_THREADS = env_int("WEBHOOKS_DISPATCHER_THREADS", 32, minimum=1)
WEBHOOKS_PER_ENDPOINT = env_int("WEBHOOKS_PER_ENDPOINT", 16, minimum=1)
WEBHOOKS_POLL_SECONDS = env_int("WEBHOOKS_POLL_SECONDS", 1, minimum=1)
# Long jobs (imports, dedupe runs) silent this long are queued again by the sweeper.
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 120, minimum=5)
JOBS_SWEEP_SECONDS = env_int("JOBS_SWEEP_SECONDS", 30, minimum=1)
REFERRAL_REMINDER_DAYS = env_int("REFERRAL_REMINDER_DAYS", 7, minimum=1)
# A referral still unanswered this many days after it was sent is shown overdue in the admin.
REFERRAL_OVERDUE_DAYS = env_int("REFERRAL_OVERDUE_DAYS", 7, minimum=1)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE.update(
    {
        "exchanges-relay-outbox": {
            "task": "exchanges.tasks.relay_outbox",
            "schedule": float(WEBHOOKS_RELAY_SECONDS),
        },
        "exchanges-sweep-imports": {
            "task": "exchanges.tasks.sweep_imports",
            "schedule": float(JOBS_SWEEP_SECONDS),
        },
        "registry-sweep-dedupe": {
            "task": "registry.sweep_dedupe",
            "schedule": float(JOBS_SWEEP_SECONDS),
        },
        "exchanges-remind-referrals": {
            "task": "exchanges.tasks.remind_referrals",
            "schedule": 3600.0,
        },
        "exchanges-prune-events": {"task": "exchanges.tasks.prune_events", "schedule": 86400.0},
        "exchanges-purge-idempotency-keys": {
            "task": "exchanges.tasks.purge_idempotency_keys",
            "schedule": 3600.0,
        },
    }
)

# --- Crisis plans: CASF L121-6-1 register, activations, call campaigns (crisis app) -----------
CRISIS_ACK_DAYS = env_int("CRISIS_ACK_DAYS", 8, minimum=1)  # acknowledging a third party's request
CRISIS_MAX_ATTEMPTS = env_int("CRISIS_MAX_ATTEMPTS", 4, minimum=1)  # calls to the person...
CRISIS_ATTEMPT_WINDOW_HOURS = env_int("CRISIS_ATTEMPT_WINDOW_HOURS", 48, minimum=1)  # ...within
CRISIS_RETRY_MINUTES = env_int("CRISIS_RETRY_MINUTES", 60, minimum=0)  # between two attempts
CRISIS_CLAIM_MINUTES = env_int("CRISIS_CLAIM_MINUTES", 15, minimum=1)  # a caller holds a call
CRISIS_ALERT_THROTTLE_HOURS = env_int("CRISIS_ALERT_THROTTLE_HOURS", 12, minimum=0)
# SMS: a dotted path to a class with send_messages(messages); the default writes to a file
# (var/sms.log) so that the embedded default works with no provider.
CRISIS_SMS_BACKEND = env_str("CRISIS_SMS_BACKEND", "hub.sms.FileBackend")
CRISIS_SMS_FILE = Path(env_str("CRISIS_SMS_FILE", str(VAR_DIR / "sms.log")))
CELERY_BEAT_SCHEDULE["crisis-sweep-activations"] = {
    "task": "crisis.tasks.sweep_activations",
    "schedule": 300.0,
}

# --- FranceConnect: optional identity prefill on the citizen portal (portal.franceconnect) ----
# Off by default: the /citoyen/franceconnect/ pages answer 404 and nothing calls out. The issuer
# is the discovery base (its /.well-known/openid-configuration is read and cached); the callback
# to register with FranceConnect is https://<host>/citoyen/franceconnect/callback/.
FRANCECONNECT_ENABLED = env_bool("FRANCECONNECT_ENABLED", False)
FRANCECONNECT_ISSUER = env_str("FRANCECONNECT_ISSUER", "")
FRANCECONNECT_CLIENT_ID = env_str("FRANCECONNECT_CLIENT_ID", "")
FRANCECONNECT_CLIENT_SECRET = env_str("FRANCECONNECT_CLIENT_SECRET", "")
FRANCECONNECT_SCOPES = env_str(
    "FRANCECONNECT_SCOPES", "openid given_name family_name birthdate gender birthplace email"
)
FRANCECONNECT_ACR = env_str("FRANCECONNECT_ACR", "eidas1")
FRANCECONNECT_TIMEOUT_SECONDS = env_int("FRANCECONNECT_TIMEOUT_SECONDS", 10, minimum=1)
if FRANCECONNECT_ENABLED:
    if not (FRANCECONNECT_ISSUER and FRANCECONNECT_CLIENT_ID and FRANCECONNECT_CLIENT_SECRET):
        raise ConfigError(
            "FRANCECONNECT_ENABLED needs FRANCECONNECT_ISSUER, FRANCECONNECT_CLIENT_ID and "
            "FRANCECONNECT_CLIENT_SECRET (or FRANCECONNECT_CLIENT_SECRET_FILE)"
        )
    if not DEBUG and not FRANCECONNECT_ISSUER.startswith("https://"):
        raise ConfigError("FRANCECONNECT_ISSUER must be an https:// address")
    if "openid" not in FRANCECONNECT_SCOPES.split():
        raise ConfigError("FRANCECONNECT_SCOPES must contain openid")

# --- Citizen portal: submissions waiting for a social worker (exchanges, consent) ------------
# A withdrawal link sent to the person works once, for this many days.
PORTAL_WITHDRAWAL_DAYS = env_int("PORTAL_WITHDRAWAL_DAYS", 365, minimum=1)
# Absolute links in messages to citizens (e.g. https://passerelle.example.fr); paths otherwise.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "").rstrip("/")
# Keep a keyed hash of the citizen's IP address (abuse handling), or nothing at all.
PORTAL_HASH_CLIENT_IP = env_bool("PORTAL_HASH_CLIENT_IP", True)
# A submission nobody handled within this many days is closed and what was typed erased (beat).
PORTAL_PENDING_DAYS = env_int("PORTAL_PENDING_DAYS", 90, minimum=1)
CELERY_BEAT_SCHEDULE["exchanges-close-stale-portal-submissions"] = {
    "task": "exchanges.tasks.close_stale_portal_submissions",
    "schedule": 86400.0,
}
# Mail to citizens: Django's mail settings (the embedded default writes files to var/mail/).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Passerelle <ne-pas-repondre@passerelle.local>")

# --- Territory: the observatory's aggregates (territory app) ----------------------------------
# A published count is never below this threshold (zero excepted); see territory/suppression.py.
TERRITORY_THRESHOLD = env_int("TERRITORY_THRESHOLD", 11, minimum=2)
# Round published counts to a multiple of this base (0: no rounding).
TERRITORY_ROUNDING = env_int("TERRITORY_ROUNDING", 0, minimum=0)
CELERY_BEAT_SCHEDULE.update(
    {
        "territory-refresh": {
            "task": "territory.tasks.refresh_aggregates",
            "schedule": float(env_int("TERRITORY_REFRESH_SECONDS", 30, minimum=5)),
        },
        "territory-rebuild": {"task": "territory.tasks.rebuild_aggregates", "schedule": 86400.0},
    }
)

# --- Citizen portal (/citoyen/): public pages, no login (portal app) --------------------------
# Submissions per client address and per e-mail or phone, each over PORTAL_RATE_WINDOW_MINUTES.
PORTAL_RATE_PER_IP = env_int("PORTAL_RATE_PER_IP", 10, minimum=1)
PORTAL_RATE_PER_ADDRESS = env_int("PORTAL_RATE_PER_ADDRESS", 3, minimum=1)
PORTAL_RATE_WINDOW_MINUTES = env_int("PORTAL_RATE_WINDOW_MINUTES", 60, minimum=1)
# The client's address for those limits: REMOTE_ADDR, or this header set by the reverse proxy.
PORTAL_CLIENT_IP_HEADER = env_str("PORTAL_CLIENT_IP_HEADER", "")
# A portal form body larger than this answers 413 before anything reads it.
PORTAL_MAX_BODY_BYTES = env_int("PORTAL_MAX_BODY_BYTES", 16 * 1024, minimum=1024)
# Who is responsible for the data (named in every portal page's footer and privacy notice).
PORTAL_CONTROLLER = env_str(
    "PORTAL_CONTROLLER",
    "l'organisme à qui vous adressez votre demande (la mairie ou son CCAS pour le registre, "
    "le service choisi pour une demande d'aide)",
)
PORTAL_CONTROLLER_CONTACT = env_str("PORTAL_CONTROLLER_CONTACT", "dpo@passerelle.example.org")
