"""Settings for every environment, from environment variables only (see .env.example)."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from safecampus.config import env, storage

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_checkout = PACKAGE_DIR.parent
BASE_DIR = _checkout if (_checkout / "pyproject.toml").exists() else Path.cwd()
VAR_DIR = Path(env._raw("SAFECAMPUS_VAR_DIR") or BASE_DIR / "var")

DEBUG = env.env_bool("DEBUG", False)
SECRET_KEY = env.secret_key(VAR_DIR)
ALLOWED_HOSTS = env.env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "safecampus.core",
    "safecampus.orgs",
    "safecampus.accounts",
    "safecampus.hazards",
    "safecampus.notify",
    "safecampus.emergency",
    "safecampus.compliance",
    "safecampus.education",
    "safecampus.training",
    "safecampus.defense",
    "safecampus.scale",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safecampus.accounts.middleware.UserLanguageMiddleware",
    "safecampus.core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safecampus.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "safecampus.config.urls"
WSGI_APPLICATION = "safecampus.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safecampus.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.env_database("DATABASE_URL", "sqlite:///var/safecampus.sqlite3", BASE_DIR)
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests use a file too, so they run in WAL mode like the real thing.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-safecampus.sqlite3")}
# Cluster level: PostgreSQL standbys for the reads views mark with use_replica() (dashboards,
# reports); see safecampus/config/db_router.py and docs/deployment.md.
for _number, _replica in enumerate(env.env_database_list("DATABASE_REPLICA_URLS", BASE_DIR), 1):
    DATABASES[f"replica_{_number}"] = {**_replica, "TEST": {"MIRROR": "default"}}
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
# After a browser's request wrote, its reads stay on the primary this long (replication lag).
DATABASE_REPLICA_PIN_SECONDS = env.env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["safecampus.config.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(0, "safecampus.config.db_router.ReplicaMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env._raw("REDIS_URL")
_tasks_backend = env.env_choice("TASKS_BACKEND", "database", ("database", "rq"))
if _tasks_backend == "rq" and not _redis_url:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (redis://host:6379/0).")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    # A file cache is shared by every worker process of one machine, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["safecampus.accounts.backends.UsernameOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.env_bool("FAST_PASSWORD_HASHER", False):  # test runs only: hashing dominates otherwise
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login lockout: after this many failures in a row an account is locked for a while.
LOGIN_MAX_FAILURES = env.env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

SESSION_COOKIE_AGE = env.env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
TRUST_X_FORWARDED_FOR = env.env_bool("TRUST_X_FORWARDED_FOR", False)
X_FRAME_OPTIONS = "DENY"
_https = env.env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https
if _https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env.env_bool("HSTS_PRELOAD", False)
# Intranet hosts often share a parent domain with plain-HTTP systems the bureau does not run,
# so HSTS for subdomains and preloading are opt-in (HSTS_INCLUDE_SUBDOMAINS, HSTS_PRELOAD).
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

LANGUAGE_CODE = env.env_choice("LANGUAGE_CODE", "zh-hans", ("zh-hans", "en"))
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "safecampus_language"
TIME_ZONE = env.env_time_zone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start otherwise
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Front-end libraries installed from the npm registry by `make assets`, which copies only the
# files pages load into build/vendor (the whole packages would be ~90 MB of static files).
_vendor = BASE_DIR / "build" / "vendor"
if _vendor.exists():
    STATICFILES_DIRS.append(("vendor", _vendor))
STORAGES = {
    "default": storage.default_storage(),  # MEDIA_ROOT, or S3/MinIO by STORAGE_BACKEND
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "safecampus.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "safecampus.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "20/minute"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "safecampus API",
    "DESCRIPTION": "平安校园 REST API. Every list and record is scoped to the caller's organisation nodes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field name ("status", "step") other resources use for other choices.
    "ENUM_NAME_OVERRIDES": {
        "HazardStatusEnum": "safecampus.hazards.choices.Status",
        "IncidentStatusEnum": "safecampus.emergency.choices.IncidentStatus",
        "IncidentStepEnum": "safecampus.emergency.choices.Step",
        "DrillStatusEnum": "safecampus.emergency.choices.DrillStatus",
        "ComplianceStatusEnum": "safecampus.compliance.verdicts.Status",
    },
}

TASKS = {
    "default": (
        {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
        if _tasks_backend == "rq"
        else {"BACKEND": "django_tasks_db.DatabaseBackend"}
    )
}
if _redis_url:
    RQ_QUEUES = {"default": {"URL": _redis_url}}
if _tasks_backend == "rq":
    # The RQ workers (`safecampus rqworker default --job-class django_tasks_rq.Job`).
    INSTALLED_APPS.append("django_rq")

# Links in notifications point here (the address users reach the app at).
SITE_URL = env._raw("SITE_URL") or "http://127.0.0.1:8000"
EMAIL_HOST = env._raw("EMAIL_HOST") or "localhost"
EMAIL_PORT = env.env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env._raw("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env._raw("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env.env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env._raw("DEFAULT_FROM_EMAIL") or "平安校园 <safecampus@localhost>"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}

SAFECAMPUS_BRAND = _("Safe Campus")
