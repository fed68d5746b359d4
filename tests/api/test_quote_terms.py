"""Commercial integrity through the API: terms below the agreement wait for approval, orders
need a PO number and the buyer's confirmation, ordered configurations are kept, and an
Idempotency-Key means one request body."""

from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.models import CommercialTerms
from orders import services
from orders.models import Order, Quote
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def aurora(buyer, api_client):
    load_demo_catalog()
    api_client.force_login(buyer)
    config = family_configuration(buyer.membership.organization, user=buyer)
    return api_client, config


def _ready(client, body) -> dict:
    response = client.post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 202, response.json()
    services.quote_generate(quote_id=response.json()["id"])
    return client.get(f"/api/v1/quotes/{response.json()['id']}/").json()


@pytest.mark.parametrize("price_down", ["99", "10.01", "50"])
def test_a_price_down_above_ten_percent_is_an_input_error(aurora, price_down):
    client, config = aurora
    response = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "USD",
                                                "annual_price_down_pct": price_down}, format="json")
    assert response.status_code == 400
    assert "annual_price_down_pct" in response.json()["error"]["fields"]
    assert not Quote.objects.exists()


def test_the_service_refuses_it_whatever_the_door(aurora, buyer):
    _, config = aurora
    with pytest.raises(ValidationFailed) as exc:
        services.quote_request(organization=config.organization, user=buyer,
                               request=services.QuoteRequest(configuration_id=config.pk,
                                                             annual_price_down_pct=Decimal("99")))
    assert "annual_price_down_pct" in exc.value.fields


def test_a_price_down_above_the_agreed_one_waits_for_approval(aurora, sales_rep):
    client, config = aurora
    quote = _ready(client, {"configuration": config.pk, "currency": "USD",
                            "annual_price_down_pct": "5"})
    # Awaiting approval: no final price anywhere the buyer looks.
    assert quote["status"] == "ready" and quote["approval"] == "pending"
    assert "5.00 % is above the agreed 0.00 %" in quote["approval_reason"]
    assert quote["total"] is None and quote["parts"] == []
    assert quote["years"] and all(y["amount"] is None and y["unit_kit_price"] is None
                                  for y in quote["years"])
    assert client.get("/api/v1/quotes/").json()["results"][0]["total"] is None
    # Nor in what webhooks and e-mails say about it.
    payload = services.quote_payload(Quote.objects.get(pk=quote["id"]))
    assert payload["total"] is None and payload["approval"] == "pending"
    refused = client.post(f"/api/v1/quotes/{quote['id']}/accept/", PLACE_ORDER, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "approval_pending"
    assert not Order.objects.exists()

    services.quote_approve(quote=Quote.objects.get(pk=quote["id"]), user=sales_rep)
    approved = client.get(f"/api/v1/quotes/{quote['id']}/").json()
    assert approved["approval"] == "approved" and approved["approved_at"]
    assert Decimal(approved["total"]) > 0 and approved["parts"]
    accepted = client.post(f"/api/v1/quotes/{quote['id']}/accept/", PLACE_ORDER, format="json")
    assert accepted.status_code == 201
    assert Decimal(accepted.json()["total"]) == Decimal(approved["total"])
    stored = Quote.objects.get(pk=quote["id"])
    assert stored.approved_by == sales_rep and stored.approved_at is not None


def test_the_agreed_price_down_and_currency_are_the_defaults(aurora):
    client, config = aurora
    CommercialTerms.objects.create(organization=config.organization, default_currency="USD",
                                   agreed_price_down_pct=Decimal("3"))
    response = client.post("/api/v1/quotes/", {"configuration": config.pk}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["currency"] == "USD" and body["annual_price_down_pct"] == "3.00"
    assert body["approval"] == "not_needed"
    assert body["incoterms"] == "FCA" and body["payment_terms"] == "60 days net"
    # Up to the agreed price-down needs no approval; above it does.
    within = client.post("/api/v1/quotes/", {"configuration": config.pk,
                                             "annual_price_down_pct": "3"}, format="json").json()
    above = client.post("/api/v1/quotes/", {"configuration": config.pk,
                                            "annual_price_down_pct": "3.5"}, format="json").json()
    assert (within["approval"], above["approval"]) == ("not_needed", "pending")


def test_a_manual_discount_above_the_organizations_threshold_needs_approval(aurora, sales_rep):
    client, config = aurora
    CommercialTerms.objects.create(organization=config.organization,
                                   discount_approval_threshold_pct=Decimal("2"))
    quote = services.quote_generate(quote_id=client.post(
        "/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"}, format="json").json()["id"])
    small = services.quote_requote(quote=quote, user=sales_rep, manual_discount_pct=Decimal("2"))
    big = services.quote_requote(quote=small, user=sales_rep, manual_discount_pct=Decimal("3"))
    assert not small.approval_required and big.approval_required
    assert "manual discount 3.00 %" in big.approval_reason


@pytest.mark.parametrize(
    ("body", "fields"),
    [({}, {"po_number", "terms_accepted"}),
     ({"po_number": "PO-1"}, {"terms_accepted"}),
     ({"po_number": "PO-1", "terms_accepted": False}, {"terms_accepted"}),
     ({"po_number": "   ", "terms_accepted": True}, {"po_number"}),
     ({"po_number": "P" * 65, "terms_accepted": True}, {"po_number"})],
)
def test_accept_needs_a_po_number_and_the_terms_confirmed(aurora, body, fields):
    client, config = aurora
    quote = _ready(client, {"configuration": config.pk, "currency": "KRW"})
    response = client.post(f"/api/v1/quotes/{quote['id']}/accept/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields
    assert not Order.objects.exists()


def test_the_order_records_the_po_number_and_the_accepted_terms(aurora, buyer):
    client, config = aurora
    quote = _ready(client, {"configuration": config.pk, "currency": "KRW"})
    order = client.post(f"/api/v1/quotes/{quote['id']}/accept/",
                        {"po_number": " 4500012345 ", "terms_accepted": True}, format="json").json()
    assert order["po_number"] == "4500012345" and order["accepted_by"] == buyer.username
    assert order["terms_accepted_at"]
    terms = order["accepted_terms"]
    assert terms["currency"] == "KRW" and terms["total"] == quote["total"]
    assert terms["incoterms"] == "FCA" and terms["payment_terms"] == "60 days net"
    assert terms["valid_until"] == quote["valid_until"]
    assert client.get(f"/api/v1/orders/{order['id']}/").json()["po_number"] == "4500012345"


def test_an_ordered_configuration_is_read_only_and_can_be_copied(aurora):
    client, config = aurora
    quote = _ready(client, {"configuration": config.pk, "currency": "KRW"})
    assert client.patch(f"/api/v1/configurations/{config.pk}/", {"name": "renamed"},
                        format="json").status_code == 200
    client.post(f"/api/v1/quotes/{quote['id']}/accept/", PLACE_ORDER, format="json")
    refused = client.patch(f"/api/v1/configurations/{config.pk}/",
                           {"lines": [{"slot": "magnet", "sku": "MAG-N45H-D-4930-SGI-KR"}]},
                           format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "configuration_ordered" and "copy it" in error["message"]
    assert client.delete(f"/api/v1/configurations/{config.pk}/").status_code == 409
    config.refresh_from_db()
    assert config.name == "renamed" and config.lines.get(slot="magnet").part.sku != (
        "MAG-N45H-D-4930-SGI-KR")
    copy = client.post(f"/api/v1/configurations/{config.pk}/clone/", {}, format="json")
    assert copy.status_code == 201
    assert client.patch(f"/api/v1/configurations/{copy.json()['id']}/", {"name": "next year"},
                        format="json").status_code == 200


def test_the_same_idempotency_key_with_another_body_is_refused(aurora):
    client, config = aurora
    body = {"configuration": config.pk, "currency": "KRW"}
    first = client.post("/api/v1/quotes/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/quotes/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    other = client.post("/api/v1/quotes/", {**body, "currency": "USD"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    price_down = client.post("/api/v1/quotes/", {**body, "annual_price_down_pct": "1"},
                             format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert price_down.status_code == 409
    assert Quote.objects.count() == 1


def test_an_idempotency_key_is_kept_per_organization(aurora, make_user, make_org):
    from rest_framework.test import APIClient

    client, config = aurora
    client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"}, format="json",
                HTTP_IDEMPOTENCY_KEY="shared")
    rival = make_user("nordwerk", org=make_org("Nordwerk Automobil AG"))
    other = APIClient()
    other.force_login(rival)
    theirs = family_configuration(rival.membership.organization, user=rival)
    response = other.post("/api/v1/quotes/", {"configuration": theirs.pk, "currency": "EUR"},
                          format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 202 and Quote.objects.count() == 2


def test_an_idempotency_key_over_the_limit_is_refused_not_cut(aurora):
    client, config = aurora
    body = {"configuration": config.pk, "currency": "KRW"}
    long_key = "k" * 200 + "-first"
    response = client.post("/api/v1/quotes/", body, format="json", HTTP_IDEMPOTENCY_KEY=long_key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Quote.objects.exists()
    # Two keys that share their first 200 characters are not the same key.
    at_limit = client.post("/api/v1/quotes/", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 200)
    assert at_limit.status_code == 202
    assert Quote.objects.get().idempotency_key == "k" * 200
