import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.services import api_key_revoke

pytestmark = pytest.mark.django_db


def test_parts_require_authentication(api_client, loaded_catalog):
    response = api_client.get("/api/v1/parts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_wrong_or_revoked_key_is_refused(api_client, partner_key, loaded_catalog):
    api_client.credentials(HTTP_AUTHORIZATION="Api-Key ck_nope_nope")
    assert api_client.get("/api/v1/parts/").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key.raw_key}")
    assert api_client.get("/api/v1/parts/").status_code == 200
    api_key_revoke(api_key=partner_key.api_key)
    response = api_client.get("/api/v1/parts/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key."


def test_a_session_user_with_a_membership_can_read_the_catalog(api_client, buyer, loaded_catalog):
    api_client.force_login(buyer)
    assert api_client.get("/api/v1/parts/").json()["count"] == 2


def test_list_is_paginated_with_full_part_bodies(partner_client, loaded_catalog):
    body = partner_client.get("/api/v1/parts/?page_size=1").json()
    assert body["count"] == 2 and body["previous"] is None and "page=2" in body["next"]
    part = body["results"][0]
    assert part["sku"] == "MAG-N48SH-4930"
    assert part["supplier"] == {"code": "SGI", "name": "Star Group Ind.", "country": "KR",
                                "restricted": False}
    assert part["specs"]["grade"] == "N48SH"
    assert part["provenance"][0] == {
        "stage": "mining", "country": "AU", "company": "Lynas Rare Earths",
        "evidence": {"reference": "COO-2026-0117", "expires": "2027-06-30"},
    }
    assert part["pricing"]["currency"] == "USD"
    assert part["pricing"]["tiers"][1] == {"min_qty": 100000, "unit_price": "3.050000"}
    assert part["pricing"]["index_links"][0]["index"] == "NDPR_OXIDE"


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("category=magnet", ["MAG-N48SH-4930"]),
        ("category=shaft", ["SH-PRESS-45"]),
        ("supplier=CNMAG", ["SH-PRESS-45"]),
        ("search=press", ["SH-PRESS-45"]),
        ("search=mag-n48", ["MAG-N48SH-4930"]),
        ("origin_excludes=CN", ["MAG-N48SH-4930"]),
        ("origin_excludes=cn,vn", []),
        ("origin_excludes=MY", ["SH-PRESS-45"]),
        ("active=true", ["MAG-N48SH-4930", "SH-PRESS-45"]),
        ("active=false", []),
        ("supplier=CNMAG&category=magnet", []),  # a known supplier with nothing matching: empty
    ],
)
def test_list_filters(partner_client, loaded_catalog, query, skus):
    response = partner_client.get(f"/api/v1/parts/?{query}")
    assert response.status_code == 200, response.json()
    assert [p["sku"] for p in response.json()["results"]] == skus


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=flux_capacitor", "category"),
        ("active=maybe", "active"),
        ("origin_excludes=XX", "origin_excludes"),
        ("supplier=CNMAGG", "supplier"),  # misspelt: it answered an empty catalog
    ],
)
def test_bad_filters_are_400_naming_the_field(partner_client, loaded_catalog, query, field):
    response = partner_client.get(f"/api/v1/parts/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["message"].startswith(field)


def test_detail_and_unknown_sku(partner_client, loaded_catalog):
    assert partner_client.get("/api/v1/parts/SH-PRESS-45/").json()["specs"]["fit"] == "press"
    response = partner_client.get("/api/v1/parts/NOPE-1/")
    assert response.status_code == 404
    assert response.json() == {"error": {
        "code": "part_not_found", "message": "no part with SKU 'NOPE-1'", "fields": {},
    }}


def test_list_costs_the_same_number_of_queries_for_any_page_size(partner_client, db):
    from django.core.management import call_command

    call_command("import_catalog", "parts/data/demo_catalog.json")
    partner_client.get("/api/v1/parts/")  # the key's first use also records last_used_at
    counts = []
    for size in (1, 10, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = partner_client.get(f"/api/v1/parts/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2], counts


def test_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    doc = schema.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/parts/" in doc["paths"] and "/api/v1/parts/{sku}/" in doc["paths"]
    params = {p["name"] for p in doc["paths"]["/api/v1/parts/"]["get"]["parameters"]}
    assert {"category", "supplier", "search", "active", "origin_excludes", "page"} <= params
    assert "ApiKeyAuth" in doc["components"]["securitySchemes"]
    docs = api_client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "origin_excludes" in out.read_text()
