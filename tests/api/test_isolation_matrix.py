"""Tenant isolation, enumerated from the URL resolver so that a new route is covered by itself.

Every route that takes an object id is called with every method as (a) the owning
organization, (b) another automaker, (c) a partner of another organization and
(d) anonymous: 2xx for (a) on reads, 404 (or 405) for (b) and (c), 401 for anonymous API
calls and a redirect to sign-in for anonymous pages. Nothing may change.
"""

import re

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from configurator.models import Configuration
from orders import services
from orders.models import Quote, WebhookEndpoint
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "delete")
OBJECT_KINDS = {"configurations": "configuration", "quotes": "quote", "orders": "order",
                "webhooks": "webhook"}


def _routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    for route in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or "<" not in route or route.startswith("accounts/"):
            continue
        yield route


OBJECT_ROUTES = sorted(set(_routes()))


def test_every_object_route_is_known_to_the_matrix():
    for route in OBJECT_ROUTES:
        if "<str:sku>" in route:  # the catalog is shared by design (no organization owns a part)
            continue
        kind = route.removeprefix("api/v1/").split("/")[0]
        assert kind in OBJECT_KINDS, f"{route}: add its object kind to the isolation matrix"


@pytest.fixture
def world(make_org, make_user):
    load_demo_catalog()
    owner = make_user("owner", org=make_org("Aurora Motors"))
    rival = make_user("rival", org=make_org("Nordwerk Automobil AG"))
    partner_org = make_org("Voltline Integrations", "partner")
    partner = make_user("partner", org=partner_org, role="partner")
    from core.services import api_key_create

    partner_key = api_key_create(organization=partner_org, name="k").raw_key
    org = owner.membership.organization
    config = family_configuration(org, user=owner)
    quote, _ = services.quote_request(organization=org, user=owner,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="KRW"))
    quote = services.quote_generate(quote_id=quote.pk)
    accepted, _ = services.quote_request(organization=org, user=owner,
                                         request=services.QuoteRequest(configuration_id=config.pk,
                                                                       currency="USD"))
    order, _ = services.quote_accept(quote=services.quote_generate(quote_id=accepted.pk), user=owner,
                                     **PLACE_ORDER)
    webhook = WebhookEndpoint.objects.create(organization=org, url="https://erp.example/h", secret="s")
    ids = {"configuration": config.pk, "quote": quote.pk, "order": order.pk, "webhook": webhook.pk}
    return {"owner": owner, "rival": rival, "partner": partner, "partner_key": partner_key, "ids": ids}


def _client(world, who: str, api: bool) -> APIClient:
    client = APIClient()
    if who == "partner" and api:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['partner_key']}")
    elif who != "anonymous":
        client.force_login(world[who])
    return client


def _url(route: str, ids: dict) -> str:
    kind = OBJECT_KINDS[route.removeprefix("api/v1/").split("/")[0]]
    return "/" + re.sub(r"<int:\w+>", str(ids[kind]), route)


def test_no_one_else_reaches_an_organizations_objects(world):
    # One world, every route: building it (catalog, quotes with PDFs) is the slow part.
    for route in OBJECT_ROUTES:
        if "<str:sku>" not in route:
            _check_route(world, route)


def _check_route(world, route):
    api = route.startswith("api/")
    url = _url(route, world["ids"])
    before = (Configuration.objects.count(), list(Quote.objects.values_list("id", "status")),
              WebhookEndpoint.objects.count())
    for who in ("rival", "partner"):
        client = _client(world, who, api)
        for method in METHODS:
            response = getattr(client, method)(url, {}, format="json") if api else \
                getattr(client, method)(url)
            assert response.status_code in (404, 405), (who, method, url, response.status_code)
            if api and response.status_code == 404:
                assert set(response.json()["error"]) >= {"code", "message", "fields"}
    anonymous = _client(world, "anonymous", api)
    for method in METHODS:
        response = getattr(anonymous, method)(url)
        if api:
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code in (302, 405), (method, url)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/")
    after = (Configuration.objects.count(), list(Quote.objects.values_list("id", "status")),
             WebhookEndpoint.objects.count())
    assert after == before
    # The owner does see it.
    owner = _client(world, "owner", api)
    if "/accept/" not in route and "/reject/" not in route and not route.endswith(
            ("/choose/", "/remove/", "/quantity/", "/policy/", "/requirements/", "/schedule/",
             "/repair/", "/clone/", "/delete/", "/quote/")):
        if route.startswith("api/v1/webhooks/"):
            return  # a webhook endpoint has no GET detail; its list is checked below
        assert owner.get(url).status_code == 200, url


def test_lists_show_only_the_callers_objects(world):
    for who, api in (("rival", True), ("partner", True), ("rival", False)):
        client = _client(world, who, api)
        for path in ("configurations", "quotes", "orders", "webhooks"):
            if api:
                assert client.get(f"/api/v1/{path}/").json()["count"] == 0, (who, path)
            elif path != "webhooks":
                html = client.get(f"/{path}/").content.decode()
                assert "Q-" not in html and "48-slot" not in html, (who, path)
