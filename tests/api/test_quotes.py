"""Quotes, orders and webhooks API: status codes, error shapes and tenant isolation."""

import pytest

from orders import services
from orders.models import Quote
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def aurora(buyer, api_client):
    load_demo_catalog()
    api_client.force_login(buyer)
    config = family_configuration(buyer.membership.organization, user=buyer)
    return api_client, config


def test_request_answers_202_with_location_and_a_queued_quote(aurora):
    client, config = aurora
    response = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "USD"},
                           format="json")
    assert response.status_code == 202
    quote = response.json()
    assert response["Location"] == f"/api/v1/quotes/{quote['id']}/"
    assert quote["status"] == "queued" and quote["years"] == [] and quote["total"] is None
    assert quote["schedule"][0] == {"year": 2028, "kits": 20000}
    assert client.get(f"/api/v1/quotes/{quote['id']}/document/").status_code == 409


def test_invalid_configuration_is_422_with_its_violations(aurora, buyer):
    client, _ = aurora
    broken = family_configuration(buyer.membership.organization,
                                  swap={"magnet": "MAG-N45H-D-4930-SGI-KR"})
    response = client.post("/api/v1/quotes/", {"configuration": broken.pk, "currency": "KRW"},
                           format="json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "configuration_invalid"
    assert "MAGNET_TEMP" in {v["code"] for v in error["validation"]["violations"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"currency": "KRW"}, "configuration"), ({"configuration": 1, "currency": "JPY"}, "currency"),
     ({"configuration": 1, "currency": "KRW", "annual_price_down_pct": "120"}, "annual_price_down_pct"),
     ({"configuration": 1, "currency": "KRW", "schedule": [{"year": 2028, "kits": -1}]},
      "schedule[0].kits")],
)
def test_bad_quote_requests_name_the_field(aurora, body, field):
    client, _ = aurora
    response = client.post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_another_organizations_quotes_and_orders_are_404(aurora, make_user, make_org):
    from rest_framework.test import APIClient

    client, config = aurora
    quote = services.quote_generate(quote_id=client.post(
        "/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"}, format="json").json()["id"])
    order, _ = services.quote_accept(quote=quote, **PLACE_ORDER)
    other = APIClient()
    other.force_login(make_user("nordwerk", org=make_org("Nordwerk Automobil AG")))
    for url in (f"/api/v1/quotes/{quote.pk}/", f"/api/v1/quotes/{quote.pk}/document/",
                f"/api/v1/orders/{order.pk}/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/api/v1/quotes/{quote.pk}/accept/").status_code == 404
    assert other.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                      format="json").json()["error"]["fields"] == {
        "configuration": ["no such configuration"]}
    assert other.get("/api/v1/quotes/").json()["count"] == 0
    assert other.get("/api/v1/orders/").json()["count"] == 0
    # The owner sees both.
    assert client.get(f"/api/v1/orders/{order.pk}/").json()["quote_number"] == quote.number


def test_ready_quote_detail_and_accept(aurora):
    client, config = aurora
    quote_id = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                           format="json").json()["id"]
    services.quote_generate(quote_id=quote_id)
    body = client.get(f"/api/v1/quotes/{quote_id}/").json()
    assert body["status"] == "ready" and body["document_url"].endswith("/document/")
    assert "NDPR_OXIDE" in {v["index"] for v in body["index_values_used"]}
    assert {r["to"] for r in body["exchange_rates_used"]} == {"KRW"}
    assert len(body["parts"]) == 10
    assert body["valid_until"] > body["pricing_date"]
    first = client.post(f"/api/v1/quotes/{quote_id}/accept/", PLACE_ORDER, format="json")
    second = client.post(f"/api/v1/quotes/{quote_id}/accept/", PLACE_ORDER, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert client.post(f"/api/v1/quotes/{quote_id}/reject/").status_code == 409
    assert Quote.objects.get(pk=quote_id).status == "accepted"


def test_webhook_registration_is_per_organization(aurora, partner_client, fake_dns):
    client, _ = aurora
    created = client.post("/api/v1/webhooks/", {"url": "https://erp.example/hooks",
                                                "events": ["order.created"]}, format="json")
    assert created.status_code == 201 and len(created.json()["secret"]) > 20
    assert client.get("/api/v1/webhooks/").json()["count"] == 1
    assert partner_client.get("/api/v1/webhooks/").json()["count"] == 0
    assert partner_client.delete(f"/api/v1/webhooks/{created.json()['id']}/").status_code == 404
    bad = client.post("/api/v1/webhooks/", {"url": "not a url", "events": ["quote.lost"]}, format="json")
    assert bad.status_code == 400 and {"url", "events[0]"} <= set(bad.json()["error"]["fields"])


def test_webhooks_must_be_http(aurora):
    client, _ = aurora
    response = client.post("/api/v1/webhooks/", {"url": "ftp://erp.example/drop"}, format="json")
    assert response.status_code == 400 and "url" in response.json()["error"]["fields"]


def test_accept_answers_409_capacity_exhausted_when_other_orders_took_it(aurora, make_org, settings):
    from decimal import Decimal

    from parts.models import Part

    settings.COREKIT_QUOTE_RENDER_PDF = False
    client, config = aurora
    quote_id = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                           format="json").json()["id"]
    services.quote_generate(quote_id=quote_id)
    body = client.get(f"/api/v1/quotes/{quote_id}/").json()
    # The figures reconcile: unit kit price x kits = year amount, exactly; total = sum of years.
    for year in body["years"]:
        assert Decimal(year["unit_kit_price"]) * year["kits"] == Decimal(year["amount"])
    assert sum(Decimal(y["amount"]) for y in body["years"]) == Decimal(body["total"])

    # Another automaker's order takes the magnet's whole capacity after this quote was priced.
    magnet = "MAG-N48SH-GD-4930-SGI-KR"
    other = make_org("Nordwerk Automobil AG")
    rival = services.quote_generate(quote_id=services.quote_request(
        organization=other, user=None,
        request=services.QuoteRequest(configuration_id=family_configuration(other).pk, currency="EUR"),
    )[0].pk)
    units = max(n for (sku, _year), n in services.order_capacity_units(rival.pricing).items()
                if sku == magnet)
    Part.objects.filter(sku=magnet).update(annual_capacity=units)
    services.quote_accept(quote=rival, **PLACE_ORDER)

    response = client.post(f"/api/v1/quotes/{quote_id}/accept/",
                           {"po_number": "PO-4711", "terms_accepted": True}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "capacity_exhausted"
    assert magnet in error["message"] and "Nordwerk" not in error["message"]
    assert Quote.objects.get(pk=quote_id).status == "ready"


def test_a_quote_request_reads_its_configuration_as_rows_and_its_history_starts_numbered(
        aurora, django_assert_max_num_queries):
    client, config = aurora
    client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"}, format="json")
    # The signed-in session (3); the idempotency key, terms, the configuration with its
    # lines, its schedule, stamp and bookings; the quote, its number, its history, its
    # event, its outbox message; the savepoint pair; the dispatch state (the model with its
    # prefetches took four reads for the configuration, and the number left a "pending"
    # record in the history: 20 in all).
    with django_assert_max_num_queries(17):
        response = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                               format="json", HTTP_IDEMPOTENCY_KEY="rows-and-history")
    assert response.status_code == 202
    quote = Quote.objects.get(pk=response.json()["id"])
    assert [h.number for h in quote.history.all()] == [quote.number]
    assert quote.snapshot["template_name"] and quote.snapshot["lines"] == [
        {"slot": ln.slot, "sku": ln.part.sku, "quantity": ln.quantity} for ln in config.lines.order_by("id")]


def test_generating_a_quote_records_its_outcome_in_the_history_not_its_start(aurora, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    client, config = aurora
    quote_id = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                           format="json").json()["id"]
    quote = services.quote_generate(quote_id=quote_id)
    history = list(quote.history.order_by("history_date", "history_id"))
    assert [h.status for h in history] == ["queued", "ready"]
    ready = history[-1]
    assert ready.attempts == 1 and ready.pricing_started_at is not None and ready.total == quote.total
    assert quote.updated_at >= ready.pricing_started_at
