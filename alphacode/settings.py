"""Settings for Alpha Code, read from the environment (12-factor).

With nothing set, the site runs on embedded defaults: SQLite, tasks run inline, a local-memory
cache, email printed to the console and billing shown as "not configured". DJANGO_DEBUG=0 means
production: a real secret key and mailer are required, static files are hashed and HTTPS is
enforced.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from alphacode.release import code_release

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
else:
    # No fallback in production: a missing key must stop the process, not weaken sessions.
    SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The path the site is served under, fixed here rather than taken from each request: a
# SCRIPT_NAME that a client smuggles past the proxy would otherwise go into every reversed URL,
# and from there into pages that are cached and served to everyone.
FORCE_SCRIPT_NAME = env("DJANGO_SCRIPT_NAME", default="").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    # First, so that `runserver` is daphne's: it serves the ASGI application, websockets too.
    "daphne",
    "alphacode.apps.AdminConfig",  # Django's admin, with the owner's dashboard on its home
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "pages",
    "accounts",
    "articles",
    "reader",
    "billing",
    "study",
    "practice",
    "mocks",
    "mailings",
    "stats",
    "mail",
    "gifts",
    "teams",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # The practice runner's worker script gets a policy of its own (see the module).
    "alphacode.worker_policy.RunnerWorkerPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "alphacode.cache.RequestCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "alphacode.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "alphacode.urls"
WSGI_APPLICATION = "alphacode.wsgi.application"
# The websockets (the mock room's shared pad) and, under runserver, every page (alphacode.asgi).
ASGI_APPLICATION = "alphacode.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alphacode.context_processors.site",
                "billing.context_processors.payment_notice",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new Postgres connection costs more than a whole trivial view: keep a pool per process.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # runserver serves requests on threads. In SQLite's default (deferred) transactions, one
    # that has read cannot take the write lock another holds and fails at once with "database
    # is locked" (two quick ticks: one lost). Taking the lock at BEGIN makes it wait its turn.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker ----------------------------------------------------------------------------
# Every cached entry belongs to the release that wrote it (alphacode.release): a digest of the
# code, templates and static files, or the image's build id.
RELEASE = env("RELEASE", default="") or code_release(BASE_DIR)
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "alphacode.cache.FastRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "alphacode",
            "VERSION": RELEASE,
            # Stamps are shared by every release (alphacode.cache.make_key).
            "KEY_FUNCTION": "alphacode.cache.make_key",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "VERSION": RELEASE,
            "KEY_FUNCTION": "alphacode.cache.make_key",
        }
    }
# Each process also keeps the reader pages it served last (shells, see pages.shells), under keys
# that carry the content version (so an entry never goes stale: a change moves readers on).
CACHES["local"] = {
    "BACKEND": "pages.store.ProcessCache",
    "LOCATION": "alphacode-local",
    "OPTIONS": {"MAX_ENTRIES": 500},
}

# Websocket consumers in different processes (daphne's) talk through Redis; the embedded
# defaults run one process, where a channel layer in memory is enough.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "alphacode-channels"},
    }
    if REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}

# Sessions are read from the cache (Redis) on every signed-in request and kept in Postgres too.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Embedded defaults have no broker: run tasks inline so the site works with nothing installed.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With late acks, a task whose broker connection is lost is cancelled and re-delivered.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
# Redis re-delivers an unacknowledged task after the visibility timeout: keep it well above
# the longest task so a slow task is not run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-stripe-events": {
        "task": "billing.tasks.requeue_stale_events",
        "schedule": 120.0,
    },
    "requeue-lost-emails": {
        "task": "mail.tasks.requeue_lost_emails",
        "schedule": 120.0,
    },
    "reconcile-subscriptions-daily": {
        "task": "billing.tasks.reconcile_subscriptions",
        "schedule": crontab(hour=4, minute=17),
    },
    "resume-stalled-campaigns": {
        "task": "mailings.tasks.campaigns_resume",
        "schedule": 60.0,
    },
    "fold-guide-view-counts": {
        "task": "stats.tasks.fold_counts",
        "schedule": 60.0,
    },
    "match-mock-requests": {
        "task": "mocks.tasks.match_requests",
        "schedule": 60.0,
    },
    # Mocks' 24-hour and 1-hour reminders, each once (a late pass still sends each in time).
    "send-mock-reminders": {
        "task": "mocks.tasks.send_mock_reminders",
        "schedule": 300.0,
    },
    # Gifts chosen for a day go at gifts.offers.SEND_HOUR_UTC; each is sent once.
    "deliver-scheduled-gifts": {
        "task": "gifts.tasks.deliver_scheduled_gifts",
        "schedule": crontab(minute=1),
    },
    "weekly-study-digest": {
        "task": "mailings.tasks.digest_weekly",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
}
# The dashboard's guide view counters (stats.counting): each process sends its counts to Redis
# this often (0: at every view); beat folds them into Postgres every minute.
STATS_FLUSH_SECONDS = env.float("STATS_FLUSH_SECONDS", default=5.0)
# Members' email (mailings): rows per batch (one SMTP connection each), the most sent per
# minute, and how long a sender's claim on a batch lasts before another may take it over.
MAILINGS_BATCH = env.int("MAILINGS_BATCH", default=100)
MAILINGS_RATE_PER_MINUTE = env.int("MAILINGS_RATE_PER_MINUTE", default=12000)
MAILINGS_CLAIM_SECONDS = env.int("MAILINGS_CLAIM_SECONDS", default=300)
# Batches sent at once per campaign (match the worker's processes: compose runs 2).
MAILINGS_SENDERS = env.int("MAILINGS_SENDERS", default=2)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/account/"

# django-allauth: email is the identifier, verified by a code; sign in by password or by an
# emailed code. allauth's default rate limits are on; they live in the default cache (Redis
# outside the embedded defaults).
# allauth's emails go through the site's one path for email (recorded and sent by mail.outbox).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Alpha Code: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# The rate limits count per client address. Behind the TLS proxy every request arrives from the
# proxy, so allauth must take the client's own address from X-Forwarded-For, which the proxy
# overwrites with the address it saw (docs/operators/deploy.md, "Behind a proxy"). 0, the
# embedded default, reads REMOTE_ADDR and ignores the header, which anyone can send.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Email (Django 6.1 MAILERS) ---------------------------------------------------------------


def mailers_from_url(url: str) -> dict:
    """Turn EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…, smtp+ssl://…, console:)
    into a MAILERS entry."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {scheme!r} is not supported")
    options: dict = {
        "host": parts.hostname or "localhost",
        "port": parts.port
        or (465 if scheme == "smtp+ssl" else 587 if scheme == "smtp+tls" else 25),
        "use_tls": scheme == "smtp+tls",
        "use_ssl": scheme == "smtp+ssl",
        "timeout": 10,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


EMAIL_URL = env("EMAIL_URL", default="")
if not DEBUG and not EMAIL_URL.startswith("smtp"):
    raise ImproperlyConfigured("EMAIL_URL must name a real (smtp) mailer when DJANGO_DEBUG=0")
MAILERS = {"default": mailers_from_url(EMAIL_URL or "console:")}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Alpha Code <hello@alphacode.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Stripe -----------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_PRICE_ID = env("STRIPE_PRICE_ID", default="")  # the monthly price
STRIPE_ANNUAL_PRICE_ID = env("STRIPE_ANNUAL_PRICE_ID", default="")  # none: monthly only
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# The Customer Portal configurations stripe_setup made: a member's own plan (switch monthly and
# annual, cancel saying why), and a team's (the same, and the number of seats). None: the
# account's default portal, as set in Stripe's dashboard.
STRIPE_PORTAL_CONFIGURATION = env("STRIPE_PORTAL_CONFIGURATION", default="")
STRIPE_TEAM_PORTAL_CONFIGURATION = env("STRIPE_TEAM_PORTAL_CONFIGURATION", default="")
# Stripe Tax in Checkout (with billing address and tax ID collection); needs Stripe Tax set up
# in the Stripe dashboard first.
STRIPE_AUTOMATIC_TAX = env.bool("STRIPE_AUTOMATIC_TAX", default=False)
# How long a subscriber keeps access while Stripe retries a failed payment, counted from the
# first failed invoice of the unpaid stretch (billing.entitlements).
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)

# --- I18n, time -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# English only: skipping translation machinery saves work on every template variable.
USE_I18N = False
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Guide images (articles.images): stored through Django's storage API, never served straight
# from it (reader.views.guide_image asks billing.entitlements for premium ones). On the
# filesystem under MEDIA_ROOT by default; in an S3-compatible bucket (django-storages) when
# AWS_STORAGE_BUCKET_NAME is set, with AWS_S3_ENDPOINT_URL for a provider other than AWS and the
# usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_S3_REGION_NAME.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_BUCKET = env("AWS_STORAGE_BUCKET_NAME", default="")
DEFAULT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if MEDIA_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# --- Security -------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, "https://checkout.stripe.com", "https://billing.stripe.com"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging: one JSON object per record on stdout -------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "alphacode.logs.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Product --------------------------------------------------------------------------------
GUIDES_PER_PAGE = 12
# A mock's video call: this URL with {room} replaced by the booking's unguessable room key.
MOCKS_CALL_URL = env("MOCKS_CALL_URL", default="https://meet.jit.si/alphacode-{room}")
