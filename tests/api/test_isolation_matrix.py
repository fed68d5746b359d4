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


def test_an_organizations_custom_policy_is_invisible_and_unusable_elsewhere(world):
    """A policy scoped to Aurora never shows in Nordwerk's or a partner's lists, pickers or
    filters, and their configurations cannot name it; a global one is everyone's."""
    import datetime as dt

    from configurator.models import CustomPolicy
    from configurator.services import ConfigurationInput, configuration_create
    from core.errors import ValidationFailed
    from tests.factories import family_configuration

    owner_org = world["owner"].membership.organization
    CustomPolicy.objects.create(code="aurora-no-ru", name="Aurora: no Russian stages",
                                organization=owner_org, excluded_countries=["RU"],
                                effective_from=dt.date(2026, 1, 1))
    CustomPolicy.objects.create(code="global-no-kp", name="Everyone: no North Korea",
                                excluded_countries=["KP"], effective_from=dt.date(2026, 1, 1))
    body = {"template": "rotor-kit", "sourcing_policy": "aurora-no-ru"}
    for who in ("rival", "partner"):
        api = _client(world, who, True)
        codes = {p["code"] for p in api.get("/api/v1/sourcing-policies/").json()}
        assert "aurora-no-ru" not in codes and "global-no-kp" in codes, who
        assert "Aurora" not in api.get("/api/v1/sourcing-policies/").content.decode()
        assert api.get("/api/v1/parts/?policy=aurora-no-ru").status_code == 400, who
        assert api.get("/api/v1/parts/?policy=global-no-kp").status_code == 200, who
        for url in ("/api/v1/configurations/validate/", "/api/v1/configurations/"):
            response = api.post(url, body, format="json")
            assert response.status_code == 400, (who, url)
            assert "sourcing_policy" in response.json()["error"]["fields"]
    from demo.catalog import FAMILIES

    rival = _client(world, "rival", False)
    shaft = FAMILIES["CK48-8"]["skus"]["shaft"]
    for page in ("/configurations/new/", "/catalog/", f"/catalog/{shaft}/"):
        response = rival.get(page)
        html = response.content.decode()
        assert response.status_code == 200, page
        assert "aurora-no-ru" not in html and "Aurora: no Russian" not in html, page
    filtered = rival.get("/catalog/?policy=aurora-no-ru").content.decode()
    assert "is not one of the available choices" in filtered and "Aurora: no Russian" not in filtered
    assert "Everyone: no North Korea" in rival.get(f"/catalog/{shaft}/").content.decode()
    rival_org = world["rival"].membership.organization
    mine = family_configuration(rival_org, user=world["rival"])
    response = rival.post(f"/configurations/{mine.pk}/policy/", {"sourcing_policy": "aurora-no-ru"})
    mine.refresh_from_db()
    assert mine.sourcing_policy != "aurora-no-ru" and response.status_code in (302, 400)
    with pytest.raises(ValidationFailed) as refused:
        configuration_create(organization=rival_org,
                             data=ConfigurationInput(template="rotor-kit",
                                                     sourcing_policy="aurora-no-ru"))
    assert "sourcing_policy" in refused.value.fields
    # The owner sees both and may use its own.
    owner = _client(world, "owner", True)
    codes = {p["code"] for p in owner.get("/api/v1/sourcing-policies/").json()}
    assert {"aurora-no-ru", "global-no-kp"} <= codes
    assert owner.post("/api/v1/configurations/", body, format="json").status_code == 201
    assert "aurora-no-ru" in _client(world, "owner", False).get("/configurations/new/").content.decode()
