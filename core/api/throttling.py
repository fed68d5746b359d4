"""Rate limits per API key and per signed-in user (429 with Retry-After, from DRF)."""

from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from core.api.tenancy import request_principal
from core.cache import cache_available

# While Redis is away, the counters live in each process: every process enforces the full
# rate on its own (N processes let a key through at most N times its rate), where the
# shared cache failing open would let it through without any limit.
_process_counters = LocMemCache("corekit-throttle-while-redis-is-away", {"OPTIONS": {"MAX_ENTRIES": 20_000}})


class PrincipalRateThrottle(SimpleRateThrottle):
    """One bucket per API key, or per user for browser sessions; anonymous calls per address."""

    scope = "principal"

    @property
    def cache(self):
        return shared_cache if cache_available() else _process_counters

    def get_cache_key(self, request, view):
        principal = request_principal(request) if request.user and request.user.is_authenticated else None
        if principal is not None and principal.api_key is not None:
            ident = f"key:{principal.api_key.pk}"
        elif request.user and request.user.is_authenticated and getattr(request.user, "pk", None):
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class QuoteRequestThrottle(PrincipalRateThrottle):
    """Quote requests start background work (pricing, a PDF): a tighter budget of their own."""

    scope = "quote_request"

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


def web_quote_request_wait(request) -> float | None:
    """The API's quote-request budget applied to a browser form post: the same bucket per
    signed-in user (so a user cannot double the budget by switching doors). None when the
    request may go ahead, else the seconds to wait."""
    throttle = QuoteRequestThrottle()
    if throttle.allow_request(request, None):
        return None
    return throttle.wait() or 1.0
