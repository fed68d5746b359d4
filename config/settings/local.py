"""Development (`make run`): DEBUG, a throwaway secret key, the demo data allowed.

Never deploy this profile: its key is public and `seed_demo` creates users with published
passwords.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY") or "insecure-local-development-key-do-not-use-in-production"
COREKIT_ALLOW_DEMO_DATA = True
_BROWSABLE = "rest_framework.renderers.BrowsableAPIRenderer"
if DEBUG and _BROWSABLE not in REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]:  # noqa: F405
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(_BROWSABLE)  # noqa: F405

# make run's SQLite file lives in var/ with everything else it writes (the tree stays clean).
if not env("DATABASE_URL"):
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["NAME"] = str(BASE_DIR / "var" / "db.sqlite3")  # noqa: F405

# The shared Redis cache production uses (pages of GET /parts/, rate limits), when asked:
# benchmarks and multi-process runs; otherwise each process caches in its own memory.
if env("COREKIT_CACHE_URL"):
    CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache",
                          "LOCATION": env("COREKIT_CACHE_URL")}}
