"""A key that authenticated is trusted briefly without a query; revocation stays bounded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import api_key_cache
from core.models import ApiKey
from core.services import api_key_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_monotonic(monkeypatch):
    """The cache's clock, moved by hand (no sleeping)."""
    now = [1000.0]
    monkeypatch.setattr(api_key_cache, "_monotonic", lambda: now[0])
    api_key_cache.clear()
    yield now
    api_key_cache.clear()


def _key_queries(ctx) -> int:
    return sum('"core_apikey"' in q["sql"] for q in ctx.captured_queries)


def test_a_key_is_looked_up_once_then_served_from_the_process_cache(partner_client, frozen_monotonic,
                                                                      settings):
    settings.COREKIT_API_KEY_CACHE_SECONDS = 5
    with CaptureQueriesContext(connection) as first:
        assert partner_client.get("/api/v1/kit-templates/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert partner_client.get("/api/v1/kit-templates/").status_code == 200
    assert _key_queries(first) >= 1
    assert _key_queries(second) == 0
    frozen_monotonic[0] += 5  # the entry expired: looked up again
    with CaptureQueriesContext(connection) as third:
        assert partner_client.get("/api/v1/kit-templates/").status_code == 200
    assert _key_queries(third) >= 1


def test_revoking_through_the_service_takes_effect_at_once(partner_client, partner_key, frozen_monotonic):
    assert partner_client.get("/api/v1/kit-templates/").status_code == 200  # cached now
    api_key_revoke(api_key=ApiKey.objects.get(pk=partner_key.api_key.pk))
    response = partner_client.get("/api/v1/kit-templates/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key."


def test_a_key_revoked_by_another_process_stops_working_within_the_bound(partner_client, partner_key,
                                                                         frozen_monotonic, settings):
    settings.COREKIT_API_KEY_CACHE_SECONDS = 5
    assert partner_client.get("/api/v1/kit-templates/").status_code == 200  # cached now
    # Another host revokes it: this process's cache is not told.
    ApiKey.objects.filter(pk=partner_key.api_key.pk).update(revoked_at="2026-11-01T00:00:00Z")
    frozen_monotonic[0] += 4.9
    assert partner_client.get("/api/v1/kit-templates/").status_code == 200  # within the bound
    frozen_monotonic[0] += 0.1
    assert partner_client.get("/api/v1/kit-templates/").status_code == 401  # never beyond it


def test_zero_turns_the_cache_off(partner_client, partner_key, frozen_monotonic, settings):
    settings.COREKIT_API_KEY_CACHE_SECONDS = 0
    assert partner_client.get("/api/v1/kit-templates/").status_code == 200
    ApiKey.objects.filter(pk=partner_key.api_key.pk).update(revoked_at="2026-11-01T00:00:00Z")
    assert partner_client.get("/api/v1/kit-templates/").status_code == 401


def test_cached_keys_are_copies_requests_cannot_share_or_alter(partner_key, frozen_monotonic):
    from core.selectors import api_key_authenticate

    first = api_key_authenticate(partner_key.raw_key)
    second = api_key_authenticate(partner_key.raw_key)
    third = api_key_authenticate(partner_key.raw_key)
    assert first.pk == second.pk == third.pk
    assert len({id(k) for k in (first, second, third)}) == 3
    first.organization.name = "changed by the request that looked it up"
    second.organization.name = "changed by one request"
    assert third.organization.name == api_key_authenticate(partner_key.raw_key).organization.name \
        == "Voltline Integrations"
