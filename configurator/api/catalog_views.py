import hashlib
import json

import django
import rest_framework
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from configurator.api.serializers import CatalogListParams
from configurator.selectors import (
    parts_satisfying,
    parts_with_verdict,
    policy_verdict_key,
    policy_verdict_set_get,
    sourcing_policy_get,
)
from configurator.services import policy_verdict_set_build
from core import clock
from core.api.pagination import Pagination
from core.api.tenancy import request_organization
from core.cache import redis_client
from core.errors import NotFound, ValidationFailed
from core.source import source_digest
from parts import selectors
from parts.api.serializers import PartOutput

#: Pages are keyed by the catalog stamp, so a change never serves an old page; the
#: timeout only bounds how long unused pages of old stamps stay in Redis.
PAGE_CACHE_SECONDS = 3600

#: What one client can make the shared cache hold is bounded twice. Only requests whose
#: every parameter takes a bounded set of values are cached: a free-text search, several
#: excluded countries (2^249 sets) or another page size is answered from the database,
#: uncached. And the pages stored in one window of PAGE_CACHE_SECONDS, whatever their
#: catalog stamp, take at most COREKIT_PARTS_PAGE_CACHE_MB together (counted in Redis,
#: across every process), and expire with their window: no more than that is ever held.
#: Past it, pages are served uncached until the next window, for every client alike.
CACHED_PAGE_SIZES = frozenset({Pagination.page_size, Pagination.max_page_size})
#: What a stored page costs beyond its results: its key, the count and the signature.
PAGE_OVERHEAD_BYTES = 512

#: The code that shapes a page (its serializer, the filters, the order, the verdicts, the
#: pagination): pages cached by another version of it (before a deploy, or by the other
#: half of a rolling one) are not served.
_PAGE_CODE = ("parts/api/serializers.py", "parts/selectors.py", "parts/domain",
              "configurator/selectors.py", "configurator/api/catalog_views.py",
              "configurator/api/serializers.py", "core/api/pagination.py")
_PAGE_FORMAT = source_digest(_PAGE_CODE, salt=f"{django.__version__} {rest_framework.VERSION}".encode())[:16]


def _cacheable(filters: dict, page_size: int) -> bool:
    return (page_size in CACHED_PAGE_SIZES and not filters.get("search")
            and len(filters.get("origin_excludes", ())) <= 1)


def _budgeted_timeout(size: int) -> int | None:
    """Charge a page of `size` bytes to this window's budget: how long to keep it (until the
    window ends), or None when the budget is spent (or cannot be counted: Redis away)."""
    now = clock.now().timestamp()
    window = int(now // PAGE_CACHE_SECONDS)
    left = max(1, int((window + 1) * PAGE_CACHE_SECONDS - now))
    key = cache.make_key(f"parts-list-bytes:{window}")
    charge = size + PAGE_OVERHEAD_BYTES
    client = redis_client()
    if client is not None:  # one transaction: the count always expires with its window
        try:
            pipe = client.pipeline(transaction=True)
            pipe.set(key, 0, ex=left + 1, nx=True)
            pipe.incrby(key, charge)
            used = pipe.execute()[1]
        except Exception:
            return None
    else:  # this process's own memory (development), or Redis marked down (nothing is stored)
        cache.add(key, 0, left + 1)
        try:
            used = cache.incr(key, charge)
        except ValueError:
            return None
    return left if used <= settings.COREKIT_PARTS_PAGE_CACHE_MB * 1024 * 1024 else None


def _page_number(raw) -> str:
    """The page as the paginator reads it: "01", " 1" and "+1" are page 1 (one key)."""
    try:
        return str(int(raw))
    except (TypeError, ValueError):
        return str(raw)  # "last", or a 404 (never cached)


def _page_key(*, stamp, filters: dict, policy_key, page: str, page_size: int) -> str:
    """The normalized request: the same filters in any order or case are one key."""
    normal = {k: sorted(v) if isinstance(v, list) else v for k, v in sorted(filters.items())}
    raw = json.dumps([_PAGE_FORMAT, stamp[0], stamp[1].isoformat() if stamp[1] else None, normal,
                      policy_key, page, page_size], default=str)
    return "parts-list:" + hashlib.sha256(raw.encode()).hexdigest()


class PartListApi(GenericAPIView):
    serializer_class = PartOutput

    @extend_schema(
        operation_id="parts_list",
        parameters=[CatalogListParams],
        responses=PartOutput(many=True),
    )
    def get(self, request):
        """A page is serialized once per catalog stamp, filters, policy version and page: the
        same request again is one cache read (a request with a bounded set of possible values,
        `_cacheable`). `policy=` joins on the verdicts stored for the
        policy version in force today and this stamp (a catalog or policy change moves the
        stamp, so neither an old page nor an old verdict is ever served). The number of
        queries does not depend on the page, its size or the policy."""
        organization = request_organization(request)
        params = CatalogListParams(data=request.query_params, context={"organization": organization})
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        code = filters.pop("policy", None)
        stamp = selectors.catalog_stamp(recent=True)  # up to a second old (see there)
        today = clock.today()
        policy = sourcing_policy_get(code, organization) if code else None
        # The policy's version in force today: custom policies are visible to their own
        # organization only (checked above), and the same version answers the same.
        policy_key = [code, policy_verdict_key(policy, today), today.isoformat()] if policy else None
        page_number = _page_number(request.query_params.get(self.paginator.page_query_param) or 1)
        page_size = self.paginator.get_page_size(request)
        key = _page_key(stamp=stamp, filters=filters, policy_key=policy_key, page=page_number,
                        page_size=page_size)
        cacheable = _cacheable(filters, page_size)
        cached = cache.get(key) if cacheable else None
        if cached is not None:
            return self._page_response(request, cached, page_size)
        parts = selectors.part_list(**filters)
        if policy is not None and policy_key[1] is not None:
            verdict_set = (policy_verdict_set_get(policy=policy, today=today, stamp=stamp)
                           or policy_verdict_set_build(policy=policy, today=today, wait=False))
            if verdict_set:
                parts = parts_with_verdict(parts, verdict_set=verdict_set)
            else:  # this process's view is not yet the stamp's, or an import holds the set's
                # group: answer from the view, but keep nothing
                parts = parts_satisfying(parts, policy=code, organization=organization)
                cacheable = False
        page = self.paginate_queryset(parts)
        current = self.paginator.page
        if not current.paginator.count and "supplier" in filters and not selectors.supplier_exists(
                filters["supplier"]):
            # A misspelt code answered an empty catalog (an unknown category is a 400 too);
            # asked only when nothing matched, so a page served costs no extra query.
            raise ValidationFailed(f"supplier: unknown supplier code {filters['supplier']!r}",
                                   fields={"supplier": [f"unknown supplier code {filters['supplier']!r}"]})
        # Stored as the rendered JSON of the results: a hit neither unpickles 50 parts'
        # structures nor renders them again.
        entry = {"count": current.paginator.count, "number": current.number,
                 "results": JSONRenderer().render(PartOutput(page, many=True).data)}
        if cacheable and (keep := _budgeted_timeout(len(entry["results"]))):
            cache.set(key, entry, keep)
        return self._page_response(request, entry, page_size)

    def _page_response(self, request, entry: dict, page_size: int):
        # A paginator over the stored count gives the same count and next/previous links.
        paginator = self.paginator
        paginator.request = request
        paginator.page = Paginator(range(entry["count"]), page_size).page(entry["number"])
        if getattr(request, "accepted_renderer", None) is None or request.accepted_renderer.format != "json":
            return paginator.get_paginated_response(json.loads(entry["results"]))  # browsable API
        head = JSONRenderer().render({"count": entry["count"], "next": paginator.get_next_link(),
                                      "previous": paginator.get_previous_link()})
        return HttpResponse(head[:-1] + b',"results":' + entry["results"] + b"}",
                            content_type="application/json")


class PartDetailApi(GenericAPIView):
    serializer_class = PartOutput
    lookup_field = "sku"

    @extend_schema(operation_id="parts_retrieve", responses=PartOutput)
    def get(self, request, sku: str):
        part = selectors.part_get(sku=sku)
        if part is None:
            raise NotFound(f"no part with SKU {sku!r}", code="part_not_found")
        return Response(PartOutput(part).data)

