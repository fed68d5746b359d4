"""Bad input everywhere: clear 4xx in the one error shape, nothing written, limits enforced."""

import json

import pytest

from configurator.models import Configuration
from core.api.throttling import PrincipalRateThrottle, QuoteRequestThrottle
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db
URL = "/api/v1/configurations/"


def _error(response, status):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def api(partner_client):
    load_demo_catalog()
    return partner_client


def test_oversized_body_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"name": "x" * 20_000, "template": "rotor-kit"})
    _error(api.generic("POST", URL, body, content_type="application/json"), 413)


def test_deeply_nested_json_is_400(api):
    body = "[" * 100_000 + "]" * 100_000
    error = _error(api.generic("POST", URL + "validate/", body, content_type="application/json"), 400)
    assert "nested" in error["message"]


@pytest.mark.parametrize("body", [
    '{"template": "rotor-kit", "sourcing_policy": "china-excluded", "sourcing_policy": "none"}',
    '{"template": "rotor-kit", "requirements": {"max_speed_rpm": 9000, "max_speed_rpm": 90000}}',
])
def test_a_key_given_twice_is_400_not_the_last_one_kept(api, body):
    """JSON keeps the last value: the kit was judged under whichever came last, silently."""
    error = _error(api.generic("POST", URL, body, content_type="application/json"), 400)
    assert error["code"] == "parse_error" and "is given twice in one object" in error["message"]
    assert Configuration.objects.count() == 0


def test_non_utf8_and_malformed_json_are_400(api):
    _error(api.generic("POST", URL, b"\xff\xfe{\x00", content_type="application/json"), 400)
    _error(api.generic("POST", URL, b'{"template": ', content_type="application/json"), 400)


@pytest.mark.parametrize(
    ("line", "field"),
    [({"slot": "magnet", "sku": "X", "quantity": -1}, "lines[0].quantity"),
     ({"slot": "magnet", "sku": "X", "quantity": 10**12}, "lines[0].quantity"),
     ({"slot": "magnet", "sku": ["X"]}, "lines[0].sku"),
     ({"slot": {"a": 1}, "sku": "X"}, "lines[0].slot")],
)
def test_wrong_types_and_ranges_name_the_field(api, line, field):
    error = _error(api.post(URL, {"template": "rotor-kit", "lines": [line]}, format="json"), 400)
    assert field in error["fields"]
    assert Configuration.objects.count() == 0


def test_html_and_sql_looking_names_are_stored_and_escaped(api, client, buyer):
    name = "<script>alert(1)</script>'; DROP TABLE parts_part; --"
    created = api.post(URL, {"template": "rotor-kit", "name": name}, format="json").json()
    assert created["name"] == name
    config = family_configuration(buyer.membership.organization)
    config.name = name
    config.save()
    client.force_login(buyer)
    html = client.get(f"/configurations/{config.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("schedule", "field"),
    [([{"year": 2030 + i, "kits": 10} for i in range(50)], "schedule"),
     ([{"year": 2030, "kits": 0}], "schedule")],
)
def test_a_quote_schedule_of_fifty_years_or_zero_kits_is_400(api, partner_key, schedule, field):
    config = family_configuration(partner_key.api_key.organization)
    error = _error(api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW",
                                                "schedule": schedule}, format="json"), 400)
    assert field in error["fields"]


def test_throttled_per_key_with_retry_after(api, monkeypatch):
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES",
                        {"principal": "3/min", "quote_request": "1/min"})
    from django.core.cache import cache

    cache.clear()
    for _ in range(3):
        assert api.get("/api/v1/kit-templates/").status_code == 200
    error = _error(api.get("/api/v1/kit-templates/"), 429)
    response = api.get("/api/v1/kit-templates/")
    assert int(response["Retry-After"]) > 0 and error["code"] == "throttled"
    cache.clear()


def test_quote_requests_have_their_own_budget(api, partner_key, monkeypatch):
    monkeypatch.setattr(QuoteRequestThrottle, "THROTTLE_RATES",
                        {"principal": "100/min", "quote_request": "1/min"})
    from django.core.cache import cache

    cache.clear()
    config = family_configuration(partner_key.api_key.organization)
    body = {"configuration": config.pk, "currency": "KRW"}
    assert api.post("/api/v1/quotes/", body, format="json").status_code == 202
    _error(api.post("/api/v1/quotes/", body, format="json"), 429)
    assert api.get("/api/v1/quotes/").status_code == 200  # reads are not counted
    cache.clear()


def test_html_in_names_is_text_in_the_pdf(api, buyer):
    import subprocess

    from orders import services

    config = family_configuration(buyer.membership.organization, user=buyer)
    config.name = "<b>Bold</b> & <script>x()</script>"
    config.save()
    quote, _ = services.quote_request(organization=config.organization, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="USD"))
    quote = services.quote_generate(quote_id=quote.pk)
    text = subprocess.run(["pdftotext", quote.document.path, "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "<b>Bold</b> & <script>x()</script>" in text.replace("\n", " ")


HUGE = 2 ** 63  # one past the largest 64-bit key


@pytest.mark.parametrize(("method", "path"), [
    ("get", f"/api/v1/quotes/{HUGE}/"), ("get", f"/api/v1/quotes/{HUGE}/document/"),
    ("post", f"/api/v1/quotes/{HUGE}/accept/"), ("post", f"/api/v1/quotes/{HUGE}/reject/"),
    ("get", f"/api/v1/orders/{HUGE}/"), ("delete", f"/api/v1/webhooks/{HUGE}/"),
    ("get", f"/api/v1/configurations/{HUGE}/"), ("get", f"/api/v1/configurations/{HUGE}/options/"),
    ("get", f"/api/v1/configurations/{HUGE}/repairs/"), ("post", f"/api/v1/configurations/{HUGE}/clone/"),
])
def test_a_key_past_the_64_bit_range_is_404_in_the_api(api, method, path):
    """On SQLite such a key raised OverflowError in the driver: a 500."""
    _error(getattr(api, method)(path, {}, format="json"), 404)


@pytest.mark.parametrize("configuration", [HUGE, 10 ** 40])
def test_a_quote_for_a_configuration_key_past_the_64_bit_range_is_400(api, configuration):
    error = _error(api.post("/api/v1/quotes/", {"configuration": configuration, "currency": "KRW"},
                            format="json"), 400)
    assert "configuration" in error["fields"]


@pytest.mark.parametrize(("method", "path"), [
    ("get", f"/quotes/{HUGE}/"), ("get", f"/quotes/{HUGE}/status/"), ("get", f"/quotes/{HUGE}/pdf/"),
    ("post", f"/quotes/{HUGE}/accept/"), ("post", f"/quotes/{HUGE}/reject/"),
    ("get", f"/orders/{HUGE}/"), ("post", f"/webhooks/{HUGE}/delete/"),
    ("get", f"/configurations/{HUGE}/"), ("post", f"/configurations/{HUGE}/choose/"),
    ("post", f"/configurations/{HUGE}/schedule/"), ("post", f"/configurations/{HUGE}/delete/"),
    ("post", f"/configurations/{HUGE}/quote/"),
])
def test_a_key_past_the_64_bit_range_is_404_on_the_web(client, buyer, method, path):
    load_demo_catalog()
    client.force_login(buyer)
    assert getattr(client, method)(path).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"requirements": {"max_speed": 90000}}, "requirements.max_speed"),  # for max_speed_rpm
    ({"policy": "china-excluded"}, "policy"),  # for sourcing_policy
    ({"lines": [{"slot": "shaft", "sku": "SH-PRESS-45", "qty": 9}]}, "lines[0].qty"),
    ({"schedule": [{"year": 2030, "kits": 10, "units": 5}]}, "schedule[0].units"),
])
def test_a_misspelt_key_is_400_naming_it_not_ignored(api, partner_key, body, field):
    """Ignored, it was a wrong answer: a kit over its rotor's speed limit came back valid."""
    config = family_configuration(partner_key.api_key.organization)
    got = api.get(f"{URL}{config.pk}/").json()
    kit = {"template": got["template"], "lines": [{"slot": ln["slot"], "sku": ln["sku"]}
                                                  for ln in got["lines"]]}
    too_fast = api.post(URL + "validate/", {**kit, "requirements": {"max_speed_rpm": 90000}}, format="json")
    assert too_fast.status_code == 200 and not too_fast.json()["valid"]
    for method, path, payload in (("post", URL + "validate/", {**kit, **body}),
                                  ("post", URL, {**kit, **body}),
                                  ("patch", f"{URL}{config.pk}/", body)):
        error = _error(getattr(api, method)(path, payload, format="json"), 400)
        assert error["fields"] == {field: ["unknown field"]}, (method, path, error)
    assert Configuration.objects.count() == 1


def test_a_quote_request_or_acceptance_with_an_unknown_key_is_400(api, partner_key):
    config = family_configuration(partner_key.api_key.organization)
    error = _error(api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW",
                                                "discount": "50"}, format="json"), 400)
    assert "discount" in error["fields"]


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "501", "1e3", "²", "9" * 40])
@pytest.mark.parametrize("path", ["/api/v1/parts/", "/api/v1/quotes/", "/api/v1/orders/", URL])
def test_a_page_size_that_is_not_one_from_1_to_500_is_400_naming_it(api, path, page_size):
    """DRF answered 50 (or 500) rows as if it had been asked for them."""
    error = _error(api.get(path, {"page_size": page_size}), 400)
    assert list(error["fields"]) == ["page_size"]


def test_a_page_size_in_range_is_honoured(api):
    assert len(api.get("/api/v1/parts/", {"page_size": "7"}).json()["results"]) == 7
    assert len(api.get("/api/v1/parts/", {"page_size": "500"}).json()["results"]) == 210  # all
