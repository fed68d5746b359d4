"""Every door refuses what no buyer means: oversized quantities, schedules, names, request
floods. Each case answers a clear 400 (429 for a flood) or a form error, and writes nothing."""

import pytest

from configurator.models import Configuration, ConfigurationLine, ScheduleYear
from core.api.throttling import QuoteRequestThrottle
from orders.models import Quote
from tests.factories import family_configuration

pytestmark = pytest.mark.django_db


@pytest.fixture
def config(web, buyer):
    return family_configuration(buyer.membership.organization, user=buyer)


def _lines(config):
    return sorted(ConfigurationLine.objects.filter(configuration=config)
                  .values_list("slot", "part_id", "quantity"))


@pytest.mark.parametrize("quantity", [10**20, 10**6])
def test_repair_form_refuses_a_huge_quantity_with_a_form_error(web, config, quantity):
    before = _lines(config)
    response = web.post(f"/configurations/{config.pk}/repair/",
                        {"slot": "temperature_sensor", "to_sku": "", "quantity": quantity})
    assert response.status_code == 400
    assert "Quantity" in response.content.decode()
    assert _lines(config) == before


def test_repair_and_quantity_forms_hold_a_slot_to_its_range(web, config):
    before = _lines(config)
    for path in ("repair/", "quantity/"):
        response = web.post(f"/configurations/{config.pk}/{path}",
                            {"slot": "end_plate", "to_sku": "", "quantity": 500})
        assert response.status_code == 400, path
        assert "at most 2 per kit for end plate" in response.content.decode()
    magnets = web.post(f"/configurations/{config.pk}/quantity/", {"slot": "magnet", "quantity": 9000})
    assert magnets.status_code == 400 and "at most 5000 per kit" in magnets.content.decode()
    assert _lines(config) == before
    ok = web.post(f"/configurations/{config.pk}/quantity/", {"slot": "temperature_sensor", "quantity": 2})
    assert ok.status_code == 302
    assert ConfigurationLine.objects.get(configuration=config, slot="temperature_sensor").quantity == 2


def test_web_schedule_is_limited_to_thirty_years_like_the_api(web, config):
    before = list(ScheduleYear.objects.filter(configuration=config).values_list("year", "kits"))
    rows = {"rows": 60}
    for i in range(60):
        rows[f"year_{i}"], rows[f"kits_{i}"] = 2030 + i, 100
    response = web.post(f"/configurations/{config.pk}/schedule/", rows)
    assert response.status_code == 400
    assert "at most 30 years" in response.content.decode()
    huge = web.post(f"/configurations/{config.pk}/schedule/",
                    {"rows": 10**9, "year_0": 2030, "kits_0": 1})
    assert huge.status_code == 400 and "at most 30 years" in huge.content.decode()
    kits = web.post(f"/configurations/{config.pk}/schedule/",
                    {"rows": 2, "year_0": 2030, "kits_0": 10**12})
    assert kits.status_code == 400
    assert list(ScheduleYear.objects.filter(configuration=config)
                .values_list("year", "kits")) == before
    thirty = {"rows": 30, **{f"year_{i}": 2030 + i for i in range(30)},
              **{f"kits_{i}": 10 for i in range(30)}}
    assert web.post(f"/configurations/{config.pk}/schedule/", thirty).status_code == 302
    assert ScheduleYear.objects.filter(configuration=config).count() == 30


def test_the_service_refuses_more_than_thirty_years_and_huge_quantities(config):
    from configurator import services
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as years:
        services.configuration_update(configuration=config,
                                      changes={"schedule": [(2030 + i, 1) for i in range(31)]})
    assert "schedule" in years.value.fields
    lines = [services.LineInput(slot=ln.slot, sku=ln.part.sku,
                                quantity=10**20 if ln.slot == "shaft" else ln.quantity)
             for ln in config.lines.all()]
    with pytest.raises(ValidationFailed) as quantity:
        services.configuration_update(configuration=config, changes={"lines": lines})
    assert any(k.endswith(".quantity") for k in quantity.value.fields)


def test_clone_name_of_ten_thousand_characters_is_refused(config, buyer):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(buyer)
    count = Configuration.objects.count()
    response = api.post(f"/api/v1/configurations/{config.pk}/clone/", {"name": "x" * 10_000},
                        format="json")
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    assert Configuration.objects.count() == count
    from configurator import services
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.configuration_clone(configuration=config, name="y" * 201)
    assert Configuration.objects.count() == count
    # A 200-character original still copies into a name that fits the column.
    config.name = "z" * 200
    config.save()
    copy = services.configuration_clone(configuration=config)
    assert len(copy.name) <= 200 and copy.name.endswith("(copy)")


def test_web_quote_requests_share_the_api_budget_per_user(web, config, buyer, monkeypatch):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    monkeypatch.setattr(QuoteRequestThrottle, "THROTTLE_RATES",
                        {"principal": "1000/min", "quote_request": "2/min"})
    cache.clear()
    body = {"currency": "KRW", "annual_price_down_pct": "0"}
    assert web.post(f"/configurations/{config.pk}/quote/", body).status_code == 302
    api = APIClient()
    api.force_login(buyer)
    assert api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                    format="json").status_code == 202
    count = Quote.objects.count()
    refused = web.post(f"/configurations/{config.pk}/quote/", body)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many quote requests" in refused.content.decode()
    assert Quote.objects.count() == count
    cache.clear()


def test_catalog_spec_range_is_bounded(web):
    for value in ("1e100000000", "-1e400", "9" * 400):
        page = web.get(f"/catalog/?category=rotor_core&spec=outer_diameter_mm&spec_min={value}")
        assert page.status_code == 200
        assert "Ensure that there are no more than" in page.content.decode(), value


def test_api_part_filters_have_lengths(buyer):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(buyer)
    for param in ("search", "supplier", "policy", "origin_excludes"):
        response = api.get("/api/v1/parts/", {param: "x" * 5000})
        assert response.status_code == 400 and param in response.json()["error"]["fields"], param


def _schedule(config):
    return list(ScheduleYear.objects.filter(configuration=config).values_list("year", "kits"))


@pytest.mark.parametrize("rows", [None, "3"])
def test_schedule_rows_beyond_the_form_are_an_error_not_dropped(web, config, rows):
    """Eight rows posted to a form of six (or three): it said "Program schedule saved." and
    kept the first six (or three)."""
    before = _schedule(config)
    data = {**({"rows": rows} if rows else {}),
            **{f"year_{i}": 2030 + i for i in range(8)}, **{f"kits_{i}": 100 + i for i in range(8)}}
    response = web.post(f"/configurations/{config.pk}/schedule/", data)
    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assert _schedule(config) == before
    eight = web.post(f"/configurations/{config.pk}/schedule/", {**data, "rows": "8"})
    assert eight.status_code == 302 and len(_schedule(config)) == 8


@pytest.mark.parametrize("rows", ["²", "٣", "1e3", "-1"])
def test_a_rows_count_that_is_not_ascii_digits_is_the_default_not_a_500(web, config, rows):
    response = web.post(f"/configurations/{config.pk}/schedule/",
                        {"rows": rows, "year_0": 2030, "kits_0": 10})
    assert response.status_code == 302
    assert _schedule(config) == [(2030, 10)]


@pytest.mark.parametrize(("path", "data", "message"), [
    ("remove/", {"slot": "no_such_slot"}, "is not a slot of this kit"),
    ("remove/", {}, "Slot: This field is required"),
    ("remove/", {"slot": "temperature_sensor"}, "No part is chosen for temperature sensor"),
    ("quantity/", {"slot": "temperature_sensor", "quantity": 2}, "No part is chosen for temperature sensor"),
    ("policy/", {"sourcing_policy": "nope"}, "Sourcing policy: Select a valid choice"),
])
def test_builder_changes_that_cannot_apply_say_why_and_change_nothing(web, config, path, data, message):
    """Each said "Slot emptied." or "Quantity changed." (or nothing) and did nothing."""
    if "temperature_sensor" in str(data):
        web.post(f"/configurations/{config.pk}/remove/", {"slot": "temperature_sensor"})
    before, policy = _lines(config), Configuration.objects.get(pk=config.pk).sourcing_policy
    response = web.post(f"/configurations/{config.pk}/{path}", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _lines(config) == before
    assert Configuration.objects.get(pk=config.pk).sourcing_policy == policy


def test_a_refused_schedule_value_is_not_also_called_missing(web, config):
    """Kits of -5 said "Ensure this value is greater than or equal to 0. fill both year and
    kits": both were filled."""
    negative = web.post(f"/configurations/{config.pk}/schedule/", {"rows": 2, "year_0": 2029, "kits_0": -5})
    text = negative.content.decode()
    assert negative.status_code == 400 and "greater than or equal to 0" in text
    assert "Fill in both" not in text and "fill both" not in text
    missing = web.post(f"/configurations/{config.pk}/schedule/", {"rows": 2, "year_0": 2029})
    assert missing.status_code == 400 and "Fill in both the year and the kits." in missing.content.decode()
