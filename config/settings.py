"""Tradefleet settings: one module, every value from the environment (see docs/configuration.md).

Two modes, chosen by what the environment provides:
- production: `DATABASE_URL` (PostgreSQL) and `REDIS_URL` set; Celery workers, beat and the
  channel layer run on Redis; `SECRET_KEY` is required and the secure defaults apply.
- embedded (`make run`): without `REDIS_URL` the broker is in memory, so the worker and beat run
  as threads of the web process; without `DATABASE_URL` the database is a SQLite file in `var/`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .encryption import generate_key_spec
from .env import BASE_DIR, env, local_secret, redis_db, redis_url_with_db, var_dir
from .logging import logging_config

REDIS_URL: str = env.str("REDIS_URL", default="")
EMBEDDED: bool = not REDIS_URL
MODE = "embedded" if EMBEDDED else "production"
# Embedded mode gives glibc's free memory back every this many seconds (config/allocator.py); 0: never.
EMBEDDED_MALLOC_TRIM_SECONDS = env.float("EMBEDDED_MALLOC_TRIM_SECONDS", default=300.0)

DEBUG = env.bool("DEBUG", default=False)
# Production refuses to start without a real key; embedded mode generates one and keeps it.
SECRET_KEY = (
    env.str("SECRET_KEY")
    if not EMBEDDED
    else env.str("SECRET_KEY", default="") or (local_secret("secret_key"))
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# AES-256-GCM keys for secrets at rest (config/encryption.py): `kid:base64key,...`, first encrypts.
ENCRYPTION_KEYS = (
    env.str("ENCRYPTION_KEYS")
    if not EMBEDDED
    else env.str("ENCRYPTION_KEYS", default="")
    or (local_secret("encryption_keys", generate=lambda: generate_key_spec("local1")))
)
# The public base URL of the platform, used in e-mails and in the webhook URL shown to traders.
PUBLIC_URL = env.str("PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First, so its management commands (changepassword) take precedence over Django's.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "channels",
    "auditlog",
    "notifications",
    "brokers",
    "trading",
    "mlops",
    "ops.backups",
    "ops.monitoring",
]

MIDDLEWARE = [
    # First, so the rest of the middleware is timed too (the admin's performance dashboard).
    "config.metrics_http.HttpLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNullBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

# --- Database -----------------------------------------------------------------------------------
if not EMBEDDED and not env.str("DATABASE_URL", default=""):
    # With Redis but no database URL, production would quietly run on a local SQLite file.
    raise ImproperlyConfigured("DATABASE_URL is required when REDIS_URL is set (production mode)")
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's psycopg pool: under ASGI, persistent connections (CONN_MAX_AGE) leak, a pool
        # does not. DATABASE_POOL=false falls back to one connection per request.
        if env.bool("DATABASE_POOL", default=True):
            DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
                "min_size": env.int("DATABASE_POOL_MIN", default=1),
                "max_size": env.int("DATABASE_POOL_MAX", default=10),
                "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
            }
            DATABASES["default"]["CONN_MAX_AGE"] = 0
        else:
            # Without the pool: persistent connections for processes that serve one request at a
            # time (gunicorn's sync workers, see config/gunicorn.py).
            DATABASES["default"]["CONN_MAX_AGE"] = env.int(
                "DATABASE_CONN_MAX_AGE", default=DATABASES["default"].get("CONN_MAX_AGE", 0)
            )
            DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            # Django's SQLite, with this process's writers queued on a lock instead of SQLite's
            # busy sleeps (config/sqlite_backend/base.py).
            "ENGINE": "config.sqlite_backend",
            "NAME": var_dir() / "tradefleet.sqlite3",
            # WAL lets readers run beside the worker threads' writes; IMMEDIATE takes the write
            # lock at BEGIN so concurrent writers wait (busy timeout) instead of failing.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not :memory:, so tests exercise the same locking the threads see at run time.
            "TEST": {"NAME": str(var_dir() / "test.sqlite3")},
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# PostgreSQL itself when DATABASE_URL goes through a transaction-mode pooler (docker-compose.yml's
# PgBouncer): backups export a snapshot and run pg_dump/pg_restore, which need one server session.
DATABASE_DIRECT: dict | None = (
    env.db_url("DATABASE_DIRECT_URL") if env.str("DATABASE_DIRECT_URL", default="") else None
)
# SQL PREPARE of hot statements (config/prepared.py); already off behind a pooler
# (DISABLE_SERVER_SIDE_CURSORS), this switches it off everywhere.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)

# --- Cache, broker, channel layer ---------------------------------------------------------------
if EMBEDDED:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://localhost/"  # with a host: kombu warns at every connect without
else:
    _db = redis_db(REDIS_URL)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL", default=redis_url_with_db(REDIS_URL, _db + 1)),
            "KEY_PREFIX": "tf",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [env.str("CHANNEL_LAYER_URL", default=redis_url_with_db(REDIS_URL, _db + 2))],
                "prefix": "tf-asgi",
                # Every socket of one web process shares one Redis list; a tick's marks for
                # hundreds of watching users must not overflow it (channels-redis drops past it).
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=1000),
            },
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)

# --- Celery (reference/stack-notes.md, "Celery settings that matter for orders") -----------------
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
# Longer than any task and any retry countdown, or Redis redelivers a task that is still running.
# It is also how long a message taken by a worker that died (killed, OOM) waits before another
# worker gets it: Redis has no acks, kombu restores unacknowledged messages once they are this old.
# So a message must not expire before then (`expires` < this drops the redelivery), unless a
# sweeper re-sends its row: process_signal has no expiry (and the signal sweeper below covers it
# sooner); order messages expire only because the order sweeper re-sends them
# (trading/execution/tasks.py ORDER_TASK_EXPIRES); the monitors' ticks are superseded by the next.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=7200)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A prefork pool process whose resident memory passed this (KiB) is replaced once its task ends:
# a bound on the slow growth an hour of load shows (allocator arenas and C buffers, not a Python
# leak: docs/benchmarks.md, P5), so a worker that runs for weeks stays near its start. 0: none.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=190_000) or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Flower sees tasks from the workers' events: three Redis publishes per task (received, started,
# succeeded), which a fleet without Flower can switch off (docs/benchmarks.md, P4). The
# `task-sent` event would add a second Redis publish to every enqueue, the webhook's included
# (docs/benchmarks.md, P1): off unless asked.
CELERY_WORKER_SEND_TASK_EVENTS = env.bool("CELERY_WORKER_SEND_TASK_EVENTS", default=True)
CELERY_TASK_SEND_SENT_EVENT = env.bool("CELERY_TASK_SEND_SENT_EVENT", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # The in-memory transport polls once a second by default; embedded mode wants it snappy.
    "polling_interval": 0.05 if EMBEDDED else 1,
    # Message priorities on Redis: one list per step (`celery`, `celery:1`, `celery:5`, ...),
    # emptied lowest step first. New signals (1) jump ahead of order and monitor tasks (5).
    "priority_steps": list(range(10)),
    "sep": ":",
    "queue_order_strategy": "priority",
}
CELERY_TASK_DEFAULT_PRIORITY = 5
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# The sweepers' intervals, which the messages they cover are measured against: an order message
# outlives the order sweeper's re-send (trading/execution/tasks.py), a reconcile runs once per
# account per interval fleet-wide however many workers start (trading/execution/services/reconcile.py).
TRADING_SWEEP_SECONDS = env.float("TRADING_SWEEP_SECONDS", default=30.0)
TRADING_RECONCILE_SECONDS = env.float("TRADING_RECONCILE_SECONDS", default=300.0)
# Worker starts within this many seconds of each other reconcile once (a restart storm); a start
# after that reconciles at once, whenever beat's last tick was.
TRADING_RECONCILE_ON_START_SECONDS = env.int("TRADING_RECONCILE_ON_START_SECONDS", default=30)
# A signal still `received` this long after it arrived lost its message (a worker killed while
# holding it, a broker that refused it while the webhook answered 202): the signal sweeper sends it
# again, at most once per this many seconds; processing claims the row, so a copy is harmless.
TRADING_SIGNAL_SWEEP_SECONDS = env.float("TRADING_SIGNAL_SWEEP_SECONDS", default=30.0)
TRADING_SIGNAL_SWEEP_AFTER_SECONDS = env.int("TRADING_SIGNAL_SWEEP_AFTER_SECONDS", default=60)
# A signal the engine could not act on within this long of its arrival (workers, broker or exchange
# down) is refused, not traded: an entry an hour late would trade at a price its alert never saw.
TRADING_SIGNAL_PROCESS_WITHIN_SECONDS = env.int("TRADING_SIGNAL_PROCESS_WITHIN_SECONDS", default=3600)
# Synced into django-celery-beat's tables when beat starts; admins can change intervals there.
CELERY_BEAT_SCHEDULE = {
    "platform-heartbeat": {"task": "config.heartbeat", "schedule": 30.0, "options": {"expires": 60}},
    "validate-exchange-connections": {
        "task": "brokers.tasks.validate_exchange_connections",
        "schedule": env.float("EXCHANGE_VALIDATION_SECONDS", default=300.0),
        "options": {"expires": 240},
    },
    # The execution engine's monitors (trading/*/tasks.py, names in trading/runtime/task_names.py):
    # each sends one dispatcher message per tick that fans out per exchange account, so a tick
    # costs per account, not per order.
    "trading-monitor-fills": {
        "task": "trading.tasks.monitor_fills",
        "schedule": env.float("TRADING_FILL_MONITOR_SECONDS", default=10.0),
        "options": {"expires": 9},
    },
    "trading-check-take-profits": {
        "task": "trading.tasks.check_take_profits",
        "schedule": env.float("TRADING_TP_MONITOR_SECONDS", default=15.0),
        # trading.runtime.task_names.TAKE_PROFIT_PRIORITY: stop losses never wait behind a slow fill tick.
        "options": {"expires": 14, "priority": 3},
    },
    "trading-sweep-orders": {
        "task": "trading.tasks.sweep_orders",
        "schedule": TRADING_SWEEP_SECONDS,
        "options": {"expires": 29},
    },
    "trading-sweep-signals": {
        "task": "trading.tasks_queue.sweep_signals",
        "schedule": TRADING_SIGNAL_SWEEP_SECONDS,
        "options": {"expires": 29},
    },
    "trading-queue-sweep": {
        "task": "trading.tasks_queue.sweep_queues",
        "schedule": env.float("TRADING_QUEUE_SWEEP_SECONDS", default=10.0),
        "options": {"expires": 9},
    },
    "trading-risk": {
        "task": "trading.tasks_risk.risk_tick",
        "schedule": env.float("TRADING_RISK_SECONDS", default=30.0),
        "options": {"expires": 29},
    },
    "trading-service-heartbeat": {
        "task": "trading.tasks_service.service_heartbeat",
        "schedule": env.float("TRADING_HEARTBEAT_SECONDS", default=30.0),
        "options": {"expires": 29},
    },
    "logs-retention": {
        "task": "auditlog.tasks_logs.logs_retention",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 3600},
    },
    "trading-reconcile": {
        "task": "trading.tasks.reconcile_all",
        "schedule": TRADING_RECONCILE_SECONDS,
        # trading.runtime.task_names.RECONCILE_PRIORITY: after order placement (5).
        "options": {"expires": 240, "priority": 7},
    },
    # The trading service's task history is kept as long as the service logs.
    "trading-task-history-retention": {
        "task": "trading.tasks_service.task_history_retention",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 3600},
    },
}
# Dispatchers fan a tick out to the workers in batches of this many (user or account) items.
TRADING_FANOUT_BATCH = env.int("TRADING_FANOUT_BATCH", default=50)
# A fill unit waits on the exchange (~30 ms an account the price reached, not ~0.3 ms like a
# take-profit or risk unit), so fill batches are smaller: the workers share a tick evenly.
TRADING_FILL_BATCH = env.int("TRADING_FILL_BATCH", default=5)
# How often the fill monitor looks for unrecorded fills over the last 6 hours (every tick it looks
# at the orders changed since the previous one).
TRADING_FILL_BACKFILL_SECONDS = env.int("TRADING_FILL_BACKFILL_SECONDS", default=300)
# The fill monitor reads which symbols rest on which price source in full this often, and only the
# orders changed since in between (trading/execution/services/monitor.py `_watched`).
TRADING_FILL_WATCHED_SECONDS = env.int("TRADING_FILL_WATCHED_SECONDS", default=60)
# The take-profit tick's quiet bands (trading/takeprofit/quiet.py): an order or pyramid written up to this
# many seconds before a band was computed voids it (a writer's clock and commit come apart by
# less), and a band is recomputed at the latest after 1 to 1.5 times the TTL, spread per group.
TRADING_QUIET_MARGIN_SECONDS = env.int("TRADING_QUIET_MARGIN_SECONDS", default=10)
TRADING_QUIET_TTL_SECONDS = env.int("TRADING_QUIET_TTL_SECONDS", default=600)
# A take-profit tick over more groups than this is split by symbol into partitions of about this
# many, each a task of its own (worker processes mark and fan out side by side), at most
# TRADING_TICK_PARTITIONS (docs/operations.md, "Monitors and fan-out").
TRADING_TICK_PARTITION_GROUPS = env.int("TRADING_TICK_PARTITION_GROUPS", default=10000)
TRADING_TICK_PARTITIONS = env.int("TRADING_TICK_PARTITIONS", default=16)
# Each take-profit tick sends every user one `positions.marked` event with the prices and
# unrealized PnL it marked (trading/takeprofit/events.py); off: the pages show marks on reload.
TRADING_MARK_EVENTS = env.bool("TRADING_MARK_EVENTS", default=True)
# Between those ticks, a web process prices the open groups its pages show this often (through the
# shared ticker cache) and sends them live marks (trading/takeprofit/services/live_marks.py).
TRADING_LIVE_MARK_SECONDS = env.float("TRADING_LIVE_MARK_SECONDS", default=0.5)
# Celery's Django fixup closes the DB connection around every task; reusing it is 4x faster. A
# connection the server dropped is closed before the next task all the same (config/dbconn.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=10000)
CELERY_TASK_ALWAYS_EAGER = False
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Auth ---------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.UppercaseAndDigitValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Self-registration gets this role; higher roles are given by an admin.
ACCOUNTS_SELF_REGISTRATION = env.bool("ACCOUNTS_SELF_REGISTRATION", default=True)
ACCOUNTS_DEFAULT_ROLE = env.str("ACCOUNTS_DEFAULT_ROLE", default="trader")
if ACCOUNTS_DEFAULT_ROLE not in ("viewer", "trader"):
    # Anything higher would hand every stranger who registers the keys to other users' data.
    raise ImproperlyConfigured("ACCOUNTS_DEFAULT_ROLE must be 'viewer' or 'trader'")
LOGIN_LOCKOUT_ATTEMPTS = env.int("LOGIN_LOCKOUT_ATTEMPTS", default=5)
LOGIN_LOCKOUT_WINDOW_SECONDS = env.int("LOGIN_LOCKOUT_WINDOW_SECONDS", default=900)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=24 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser minus what made it answer 500: deep nesting, lone surrogates, NUL.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttles.PerUserThrottle",
        "config.api.throttles.PerIPThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("THROTTLE_USER", default="300/min"),
        "ip": env.str("THROTTLE_IP", default="600/min"),
        "register": env.str("THROTTLE_REGISTER", default="5/min"),
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="5/min"),
    },
    # Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted.
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    # Several models name their state `status`; give each its own schema enum.
    "ENUM_NAME_OVERRIDES": {
        "PositionStatusEnum": "trading.positions.models.GroupStatus",
        "OrderStatusEnum": "trading.positions.models.OrderStatus",
        "SignalStatusEnum": "trading.signals.models.SignalStatus",
        "SignalOutcomeEnum": "trading.signals.models.Outcome",
        "AnalysisStatusEnum": "trading.equities.models.AnalysisStatus",
    },
    "TITLE": "Tradefleet API",
    "DESCRIPTION": "Self-hosted, multi-user automated trading. Authenticate with "
    "`Authorization: Bearer <access>` from `POST /api/v1/auth/login`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # The shared error answers (400/401/403/404/429) on every operation that leaves them out.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema_errors.add_error_responses",
    ],
}

# --- CORS and security headers ------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

_secure_default = not EMBEDDED
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_secure_default)
# Health and metrics answer over plain HTTP inside the cluster (healthchecks, Prometheus).
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$", r"^metrics$"]
if env.bool("TRUST_X_FORWARDED_PROTO", default=not EMBEDDED):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_secure_default)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_secure_default)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _secure_default else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
# The built web app (frontend/dist, see config/spa.py) under /static/app/, once it is built.
if (BASE_DIR / "frontend" / "dist").is_dir():
    STATICFILES_DIRS.append(("app", BASE_DIR / "frontend" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not EMBEDDED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Embedded mode serves static files straight from the apps, no collectstatic step needed.
WHITENOISE_USE_FINDERS = EMBEDDED
if EMBEDDED:
    # Vite names its built assets `name-<8 characters of hash>.ext`: cached for a year, never
    # asked again (production's manifest storage marks its own hashed names the same way).
    WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/app/assets/.+-[0-9A-Za-z_-]{8}\.\w+$"
if EMBEDDED:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing

# --- E-mail -------------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://" if EMBEDDED else "smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tradefleet <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications (notifications/: e-mail above, Telegram below) ------------------------------
# The Telegram bot that sends notifications: its token from @BotFather (empty: Telegram is off),
# the Bot API's base URL (a local fake in tests), its username for the t.me link shown with a link
# code, and the secret path segment of the webhook Telegram calls with `/start <code>` messages
# (empty: the webhook answers 404). The webhook is registered with the Bot API's setWebhook.
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org").rstrip("/")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="").lstrip("@")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
# Sends to the Bot API per second, fleet-wide (Telegram allows about 30 messages/s per bot).
NOTIFY_TELEGRAM_RATE = env.float("NOTIFY_TELEGRAM_RATE", default=25.0)
NOTIFY_TELEGRAM_TIMEOUT_SECONDS = env.float("NOTIFY_TELEGRAM_TIMEOUT_SECONDS", default=10.0)
NOTIFY_TELEGRAM_LINK_MINUTES = env.int("NOTIFY_TELEGRAM_LINK_MINUTES", default=15)
# Notifications with a group key (a tick's fills) wait this long, then go out as one message.
NOTIFY_GROUP_WINDOW_SECONDS = env.float("NOTIFY_GROUP_WINDOW_SECONDS", default=5.0)
# Deliveries per `deliver_many` task: a worker drains a chunk with one Celery round trip and two
# reads, and claims each message on its own just before it leaves.
NOTIFY_DRAIN_CHUNK = env.int("NOTIFY_DRAIN_CHUNK", default=100)
# Tries per delivery on 5xx answers and timeouts (waits 1, 2, 4 ... s between), then `failed`.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)
# A pending delivery this late lost its message: the sweeper sends it again (the claim makes a
# copy harmless). A delivery claimed this long ago lost its worker mid-send: it is taken as sent,
# never sent twice (notifications/services/delivery.py).
NOTIFY_SWEEP_AFTER_SECONDS = env.int("NOTIFY_SWEEP_AFTER_SECONDS", default=120)
NOTIFY_SENDING_LEASE_SECONDS = env.int("NOTIFY_SENDING_LEASE_SECONDS", default=300)
# How long a process reuses a user's preferences for notify() (the engine's hot path).
NOTIFY_PREFERENCES_CACHE_SECONDS = env.float("NOTIFY_PREFERENCES_CACHE_SECONDS", default=30.0)
# One schema enum for the four levels, wherever they appear (a notification, each channel's minimum).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["NotificationLevelEnum"] = "notifications.models.Level"

# --- Exchanges --------------------------------------------------------------------------------
# The built-in exchange simulator (brokers/simulator): where it listens, the token of its control
# API, and whether `make run` starts it inside its own process (embedded mode does by default).
SIMULATOR_URL = env.str("SIMULATOR_URL", default="http://127.0.0.1:9009").rstrip("/")
SIMULATOR_CONTROL_TOKEN = env.str("SIMULATOR_CONTROL_TOKEN", default="") or (
    local_secret("simulator_control_token") if EMBEDDED else ""
)
SIMULATOR_EMBEDDED = env.bool("SIMULATOR_EMBEDDED", default=EMBEDDED)
SIMULATOR_SEED = env.int("SIMULATOR_SEED", default=0)
SIMULATOR_PRICE_SOURCE = env.str("SIMULATOR_PRICE_SOURCE", default="walk")
# Where Kotak Neo's trade API login lives (the validate answer names the trading host).
KOTAK_NEO_LOGIN_URL = env.str("KOTAK_NEO_LOGIN_URL", default="https://mis.kotaksecurities.com").rstrip("/")
# The Kotak Neo simulator (brokers/kotak_simulator): where it listens (login root and trading base
# URL alike), its control API's token, the consumer key anyone may use for its quotes, scrip
# master and candles (paper equities, market data), and whether `make run` starts it.
KOTAK_SIMULATOR_URL = env.str("KOTAK_SIMULATOR_URL", default="http://127.0.0.1:9010").rstrip("/")
KOTAK_SIMULATOR_CONTROL_TOKEN = env.str("KOTAK_SIMULATOR_CONTROL_TOKEN", default="") or (
    local_secret("kotak_simulator_control_token") if EMBEDDED else ""
)
KOTAK_SIMULATOR_PUBLIC_KEY = env.str("KOTAK_SIMULATOR_PUBLIC_KEY", default="tradefleet-public")
KOTAK_SIMULATOR_EMBEDDED = env.bool("KOTAK_SIMULATOR_EMBEDDED", default=SIMULATOR_EMBEDDED)
# Market metadata is shared by every user and process (the cache), refreshed at least hourly;
# tickers for a couple of seconds, so a monitor tick costs one request per symbol, not per user.
MARKETS_CACHE_SECONDS = env.int("MARKETS_CACHE_SECONDS", default=3600)
TICKER_CACHE_SECONDS = env.float("TICKER_CACHE_SECONDS", default=2.0)
EXCHANGE_TIMEOUT_MS = env.int("EXCHANGE_TIMEOUT_MS", default=10_000)
# Outbound rate limiting, fleet-wide (brokers/ratelimit.py): token buckets in Redis (the cache's
# server unless RATELIMIT_REDIS_URL is set), in process memory in embedded mode.
RATELIMIT_REDIS_URL = env.str("RATELIMIT_REDIS_URL", default="")
RATELIMIT_BURST_SECONDS = env.float("RATELIMIT_BURST_SECONDS", default=1.0)
RATELIMIT_MAX_WAIT_SECONDS = env.float("RATELIMIT_MAX_WAIT_SECONDS", default=5.0)
RATELIMIT_BACKOFF_SECONDS = env.float("RATELIMIT_BACKOFF_SECONDS", default=5.0)
RATELIMIT_PER_KEY_EXCHANGES = env.list("RATELIMIT_PER_KEY_EXCHANGES", default=[])
# Paper trading on NSE equities (brokers/paper_equities): the Indian charges on each executed
# order, as fractions of its turnover (0.001 = 0.1 %), per product; brokerage_max caps the
# brokerage in rupees per order ("" = no cap); GST applies to brokerage + exchange + SEBI.
# Sources and a worked example: docs/user-guide/paper-equities.md. Override the whole table
# with EQUITY_CHARGES as JSON (rates as strings, never floats).
EQUITY_CHARGES = env.json(
    "EQUITY_CHARGES",
    default={
        "CNC": {
            "brokerage_rate": "0",
            "brokerage_max": "",
            "stt_buy": "0.001",  # STT 0.1 % on both sides of a delivery trade
            "stt_sell": "0.001",
            "exchange": "0.0000297",  # NSE transaction charge 0.00297 %
            "sebi": "0.000001",  # SEBI turnover fee Rs 10 per crore
            "stamp_buy": "0.00015",  # stamp duty 0.015 % on the buyer
        },
        "MIS": {
            "brokerage_rate": "0.0003",  # 0.03 % or Rs 20, whichever is lower
            "brokerage_max": "20",
            "stt_buy": "0",
            "stt_sell": "0.00025",  # STT 0.025 % on the sell side of an intraday trade
            "exchange": "0.0000297",
            "sebi": "0.000001",
            "stamp_buy": "0.00003",  # stamp duty 0.003 % on the buyer
        },
        "GST": "0.18",
    },
)
# Inbound: the public webhook's limit per user (trading/signals/rate_limit.py), in the same
# buckets. A sustained rate ("N/s", "N/min", "N/h") and how many alerts may arrive at once: a
# strategy alert per symbol fires on the same candle close, and TradingView retries nothing.
WEBHOOK_RATE_LIMIT = env.str("WEBHOOK_RATE_LIMIT", default="60/min")
WEBHOOK_RATE_BURST = env.int("WEBHOOK_RATE_BURST", default=120)
# Refused webhook authentication (wrong or missing secret), counted per window: past a limit,
# wrong secrets are answered 429 and logged no more; the right secret always passes, so these
# cannot lock a trader out (trading/signals/rate_limit.py). The user's log gets one summary
# per window.
WEBHOOK_AUTH_FAILURE_WINDOW = env.int("WEBHOOK_AUTH_FAILURE_WINDOW", default=600)
WEBHOOK_AUTH_FAILURES_PER_SENDER = env.int("WEBHOOK_AUTH_FAILURES_PER_SENDER", default=10)
WEBHOOK_AUTH_FAILURES_PER_USER = env.int("WEBHOOK_AUTH_FAILURES_PER_USER", default=100)
WEBHOOK_AUTH_FAILURES_PER_ADDRESS = env.int("WEBHOOK_AUTH_FAILURES_PER_ADDRESS", default=100)


# --- NSE calendar and market data (brokers/nse_calendar.py, brokers/marketdata/) ---------------
# Holidays NSE announced after the pinned pandas-market-calendars release (e.g. next year's list,
# or a sudden closure): comma-separated ISO dates, `NSE_EXTRA_HOLIDAYS=2027-01-26,2027-03-22`.
def _iso_dates(name: str) -> tuple:  # of datetime.date
    from datetime import date

    try:
        return tuple(sorted({date.fromisoformat(v.strip()) for v in env.list(name, default=[]) if v.strip()}))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated dates like 2027-01-26: {exc}") from exc


NSE_EXTRA_HOLIDAYS = _iso_dates("NSE_EXTRA_HOLIDAYS")
# Tracked candle series are refreshed after each NSE close (15:30 IST = 10:00 UTC), once the
# day's candle has settled at the providers.
MARKETDATA_REFRESH_HOUR_UTC = env.int("MARKETDATA_REFRESH_HOUR_UTC", default=10)
MARKETDATA_REFRESH_MINUTE_UTC = env.int("MARKETDATA_REFRESH_MINUTE_UTC", default=45)
CELERY_BEAT_SCHEDULE["marketdata-refresh"] = {
    "task": "brokers.marketdata.tasks.refresh_tracked_series",
    "schedule": crontab(
        hour=MARKETDATA_REFRESH_HOUR_UTC, minute=MARKETDATA_REFRESH_MINUTE_UTC, day_of_week="mon-fri"
    ),
    "options": {"expires": 3600},
}

# Paper NSE ledgers: AMOs fill at the open, limits when crossed, MIS squared off at 15:20 IST
# (each tick reads only the ledgers with open orders or open intraday positions).
CELERY_BEAT_SCHEDULE["paper-equities-tick"] = {
    "task": "brokers.paper_equities.tasks.paper_equities_tick",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# --- ML training (mlops/, docs/admin-guide/ml.md) -------------------------------------------------
# Training runs on its own queue, `ml`, consumed by the `worker-ml` service (compose) or by a
# worker started with `-Q ml`: a long training never sits in front of order placement on `celery`.
# The order workers consume `celery` and `ticks` (`-Q celery,ticks`), never `ml`.
ML_QUEUE = "ml"
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {"mlops.tasks.*": {"queue": ML_QUEUE}}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["TrainingJobStatusEnum"] = "mlops.models.JobStatus"
# Model artifacts (joblib files), each loaded only while its SHA-256 matches the registry's.
ML_ARTIFACTS_DIR = env.str("ML_ARTIFACTS_DIR", default=str(var_dir() / "ml-artifacts"))
# A training that runs longer is stopped: soft limit first (the job ends `failed` with a reason),
# then the hard limit kills the task two minutes later.
ML_TRAINING_SOFT_TIME_LIMIT = env.int("ML_TRAINING_SOFT_TIME_LIMIT", default=3600)
ML_TRAINING_TIME_LIMIT = ML_TRAINING_SOFT_TIME_LIMIT + 120
# The CPU priority (nice, 0-19) a worker process trains at: order placement on the same host comes
# first. Not applied in embedded mode, whose worker threads share the web process.
ML_TRAINING_NICE = env.int("ML_TRAINING_NICE", default=19)
# A job still `running` well past the hard limit lost its worker process: the sweeper fails it.
CELERY_BEAT_SCHEDULE["ml-sweep-jobs"] = {
    "task": "mlops.tasks.sweep_training_jobs",
    "schedule": 600.0,
    "options": {"expires": 540},
}

# --- Position protection: the `ticks` queue ----------------------------------------------------
# What protects open positions runs on a queue of its own with consumers of its own
# (docs/operations.md, "Priorities"). Redis serves the queues one worker consumes priority step
# first (kombu BRPOPs `celery:1`, `ticks:1`, `celery:2`, ...), so a separate queue alone would not
# help: a fleet fed more new signals (priority 1) than it processes ran none of beat's ticks in an
# hour (docs/benchmarks.md, P5). `worker-ticks` (Procfile: `ticks`) consumes `ticks` alone, so
# ticks always have a worker; `worker` takes both (`-Q celery,ticks`), so a fleet without
# worker-ticks still runs them. On `ticks`: the fill, take-profit and risk ticks with their
# batches, and what they decide to protect a position: closes (stop loss, targets, the risk
# engine's loser) and reductions, and the sells and resting take-profits those place (routed by
# the order's role, trading/execution/services/order_rows.py; entries never go there). Names as in
# trading/runtime/task_names.py (tests/platform/test_tick_queue.py holds them equal).
TICK_QUEUE = "ticks"
TICK_TASKS = (
    "trading.tasks.monitor_fills",
    "trading.tasks.monitor_fill_batch",
    "trading.tasks.monitor_account",
    "trading.tasks.check_take_profits",
    "trading.tasks.take_profit_partition",
    "trading.tasks.take_profit_batch",
    "trading.tasks_risk.risk_tick",
    "trading.tasks_risk.risk_users",
    "trading.tasks.close_group",
    "trading.tasks.reduce_group",
)
CELERY_TASK_ROUTES.update({name: {"queue": TICK_QUEUE} for name in TICK_TASKS})

# Notifications: held deliveries released when quiet hours end, lost deliveries swept, daily summaries.
for _name, _task in (
    ("notifications-release-held", "notifications.tasks.release_held"),
    ("notifications-sweep-deliveries", "notifications.tasks.sweep_deliveries"),
    ("notifications-daily-summaries", "notifications.tasks.send_daily_summaries"),
):
    CELERY_BEAT_SCHEDULE[_name] = {"task": _task, "schedule": 60.0, "options": {"expires": 55}}

# --- Trading engine ---------------------------------------------------------------------------
# Defaults until per-user trading configuration lands (issue 5): the pool size, how old a
# TradingView timestamp may be, how long a claimed order may stay unanswered before the sweeper
# looks it up, and how old an unsent market order may get before it is refused as stale.
TRADING_MAX_OPEN_GROUPS = env.int("TRADING_MAX_OPEN_GROUPS", default=10)
TRADING_MAX_SIGNAL_AGE_SECONDS = env.int("TRADING_MAX_SIGNAL_AGE_SECONDS", default=300)
TRADING_ORDER_LEASE_SECONDS = env.float("TRADING_ORDER_LEASE_SECONDS", default=30.0)
TRADING_MARKET_ORDER_MAX_AGE_SECONDS = env.float("TRADING_MARKET_ORDER_MAX_AGE_SECONDS", default=120.0)

# --- I18N / time --------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Metrics ------------------------------------------------------------------------------------
# When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Logging ------------------------------------------------------------------------------------
_LOG_LEVEL_SET = env.str("LOG_LEVEL", default="")
LOG_LEVEL = (_LOG_LEVEL_SET or "INFO").upper()
# Embedded mode (`make run`) without LOG_LEVEL: the console shows the banner, the trade journal,
# warnings and errors; the tasks' and beat's INFO lines (one a second at idle) still reach the
# service logs (the web app's Logs page) but not the console.
LOG_CONSOLE_LEVEL: str | None = "WARNING" if EMBEDDED and not _LOG_LEVEL_SET else None
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if EMBEDDED else "json")
# --- Service logs (auditlog/log_handler.py, docs/admin-guide/logs.md) ---------------------------
SERVICE_LOG_LEVEL = env.str("SERVICE_LOG_LEVEL", default="INFO").upper()
LOGGING = logging_config(
    level=LOG_LEVEL,
    fmt=LOG_FORMAT,
    access_level=env.str("ACCESS_LOG_LEVEL", default="WARNING"),
    service_log_level=SERVICE_LOG_LEVEL,
    console_level=LOG_CONSOLE_LEVEL,
)
SERVICE_LOG_SYNC = env.bool("SERVICE_LOG_SYNC", default=False)  # tests: write in the caller's thread
SERVICE_LOG_RETENTION_DAYS = env.int("SERVICE_LOG_RETENTION_DAYS", default=30)
AUDIT_LOG_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=90)
ERROR_LOG_RETENTION_DAYS = env.int("ERROR_LOG_RETENTION_DAYS", default=90)
# Error log flooding (auditlog/services_logs.py): a failure repeated within this long of its last
# time counts on its row; past the per-cause writes a minute its repeats are counted in the cache
# and added with its next write; a client past its captures a minute is not captured at all.
ERROR_LOG_MERGE_SECONDS = env.int("ERROR_LOG_MERGE_SECONDS", default=3600)
ERROR_LOG_WRITES_PER_CAUSE = env.int("ERROR_LOG_WRITES_PER_CAUSE", default=30)
ERROR_LOG_CAPTURES_PER_CLIENT = env.int("ERROR_LOG_CAPTURES_PER_CLIENT", default=20)
# Raised notifications (brokers/notices.py, auditlog/services_logs.py): an account whose work the
# exchange's rate limit holds back this long in one go (or answers 429/418 three times within
# this long) tells its owner, once per this long; the admins are told when this many ERROR or
# CRITICAL log lines land within this many minutes, once per window.
NOTIFY_RATE_LIMITED_SECONDS = env.float("NOTIFY_RATE_LIMITED_SECONDS", default=30.0)
ERROR_SPIKE_WINDOW_MINUTES = env.int("ERROR_SPIKE_WINDOW_MINUTES", default=5)
ERROR_SPIKE_THRESHOLD = env.int("ERROR_SPIKE_THRESHOLD", default=50)
CELERY_BEAT_SCHEDULE["logs-error-spike"] = {
    "task": "auditlog.tasks_logs.error_spike_check",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# --- A user's data (accounts/export, accounts/deletion) ----------------------------------------
# An export's download link works this long; the file is deleted after it.
DATA_EXPORT_DIR = env.str("DATA_EXPORT_DIR", default=str(var_dir() / "exports"))
DATA_EXPORT_LINK_HOURS = env.int("DATA_EXPORT_LINK_HOURS", default=24)
# A closed account's rows are erased this many days after the user deleted it.
ACCOUNT_DELETION_GRACE_DAYS = env.int("ACCOUNT_DELETION_GRACE_DAYS", default=30)
# Closed accounts whose grace period has passed are erased (accounts/deletion); the next run
# covers a missed one.
CELERY_BEAT_SCHEDULE["accounts-erase-deleted"] = {
    "task": "accounts.deletion.tasks.erase_deleted_accounts",
    "schedule": 3600.0,
    "options": {"expires": 3000},
}
# Deletes expired export files, and sends again an export whose message was lost.
CELERY_BEAT_SCHEDULE["data-export-sweep"] = {
    "task": "accounts.export.tasks.delete_expired_exports",
    "schedule": 600.0,
    "options": {"expires": 540},
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["DataExportFormatEnum"] = "accounts.export.models.ExportFormat"

# --- Backups (ops/backups) ------------------------------------------------------------------------
BACKUP_DIR = env.str("BACKUP_DIR", default=str(var_dir() / "backups"))
# A Fernet key (not one of ENCRYPTION_KEYS): set it and every archive is encrypted with it.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
# S3-compatible storage: with a bucket set, each archive is also uploaded there.
BACKUP_S3_BUCKET = env.str("BACKUP_S3_BUCKET", default="")
BACKUP_S3_PREFIX = env.str("BACKUP_S3_PREFIX", default="tradefleet/")
BACKUP_S3_ENDPOINT_URL = env.str("BACKUP_S3_ENDPOINT_URL", default="")
BACKUP_S3_REGION = env.str("BACKUP_S3_REGION", default="us-east-1")
BACKUP_S3_ACCESS_KEY_ID = env.str("BACKUP_S3_ACCESS_KEY_ID", default="")
BACKUP_S3_SECRET_ACCESS_KEY = env.str("BACKUP_S3_SECRET_ACCESS_KEY", default="")
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=30)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=12)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=12)
# A backup's (or its verification's) time limit; past it the worker stops it and it is marked failed.
BACKUP_TIME_LIMIT_SECONDS = env.int("BACKUP_TIME_LIMIT_SECONDS", default=3 * 3600)

# Each minute, start the day's backup once its UTC time (the admin's, on the Backups page) has
# passed, at most one a day (locked on the schedule row), and prune old archives. The backup and
# its verification run on the `ml` queue, so order placement never waits behind pg_dump.
CELERY_BEAT_SCHEDULE["backups-if-due"] = {
    "task": "ops.backups.tasks.backup_if_due",
    "schedule": 60.0,
    "options": {"expires": 55},
}
CELERY_TASK_ROUTES.update(
    {
        "ops.backups.tasks.run_backup": {"queue": ML_QUEUE},
        "ops.backups.tasks.verify_backup": {"queue": ML_QUEUE},
    }
)

# --- Performance dashboard and alerts (ops/monitoring) --------------------------------------------
# Rolled-up samples are kept this many days (the dashboard's longest window is a week).
MONITORING_KEEP_DAYS = env.int("MONITORING_KEEP_DAYS", default=8)
# Every web and worker process writes its metrics' last minutes to the database this often.
MONITORING_FLUSH_SECONDS = env.float("MONITORING_FLUSH_SECONDS", default=60.0)
# Each minute: queue depths and service heartbeats are sampled, and the alert rules evaluated.
CELERY_BEAT_SCHEDULE["monitoring-sample"] = {
    "task": "ops.monitoring.tasks.sample_platform",
    "schedule": 60.0,
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["monitoring-alerts"] = {
    "task": "ops.monitoring.tasks.evaluate_alerts",
    "schedule": env.float("MONITORING_ALERT_SECONDS", default=60.0),
    "options": {"expires": 55},
}
# The queue-depth sample and the alerts run on `ticks` too: the alert that warns of a backlog on
# `celery` must not wait behind it (two small tasks a minute).
MONITORING_TASKS = ("ops.monitoring.tasks.sample_platform", "ops.monitoring.tasks.evaluate_alerts")
CELERY_TASK_ROUTES.update({name: {"queue": TICK_QUEUE} for name in MONITORING_TASKS})
# Hourly: rows older than 25 h are compacted to hours, rows past MONITORING_KEEP_DAYS deleted.
CELERY_BEAT_SCHEDULE["monitoring-prune"] = {
    "task": "ops.monitoring.tasks.prune_metrics",
    "schedule": crontab(minute=30),
    "options": {"expires": 3000},
}

# django-celery-beat stores an interval as whole seconds: 0.5 would be saved as 0, and beat would
# send that task as fast as it can loop. A setting it cannot keep is refused at start.
for _name, _entry in CELERY_BEAT_SCHEDULE.items():
    _every = _entry["schedule"]
    if isinstance(_every, int | float) and (_every < 1 or _every != int(_every)):
        raise ImproperlyConfigured(
            f"beat task {_name!r} every {_every} s: intervals are whole seconds, at least 1"
        )

logging.getLogger(__name__).debug("settings loaded in %s mode", MODE)
