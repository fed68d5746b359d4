"""Production: HTTPS only, secure cookies, HSTS, CSP; every secret from the environment.

`DJANGO_SETTINGS_MODULE=config.settings.production manage.py check --deploy` passes with
no warning (tested). TLS terminates at the reverse proxy, which sets X-Forwarded-Proto.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_int

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 random characters")
# While a new DJANGO_SECRET_KEY rolls out: the old keys, comma-separated. Sessions and reset
# links signed under them stay valid (Django's SECRET_KEY_FALLBACKS); cached values do not.
SECRET_KEY_FALLBACKS = [key.strip() for key in env("DJANGO_SECRET_KEY_FALLBACKS").split(",") if key.strip()]
if not env("DJANGO_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's hosts")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
COREKIT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
# API rate limits are shared by every web process (sign-in throttling counts in the
# database). The cache fails open: with Redis down or full, requests are served uncached
# and the API rate limits count in each process (logged) instead of failing (core/cache.py).
CACHES = {"default": {
    "BACKEND": "core.cache.FailOpenRedisCache",
    "LOCATION": env("COREKIT_CACHE_URL") or REDIS_URL.rsplit("/", 1)[0] + "/1",  # noqa: F405
    # A Redis that does not answer must not hold a request for long.
    "OPTIONS": {"socket_connect_timeout": float(env("COREKIT_CACHE_TIMEOUT_S", "0.5")),
                "socket_timeout": float(env("COREKIT_CACHE_TIMEOUT_S", "0.5"))},
}}
COREKIT_CACHE_RETRY_SECONDS = float(env("COREKIT_CACHE_RETRY_SECONDS", "5"))
