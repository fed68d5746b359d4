"""Configurations API: validate, create, read, change, clone, delete; templates and policies."""

import copy
from decimal import Decimal

import pytest
from django.core.management import call_command

from configurator.models import Configuration
from core import clock
from demo.catalog import FAMILIES

pytestmark = pytest.mark.django_db

TODAY = "2026-11-26"


@pytest.fixture(autouse=True)
def demo_catalog(db):
    call_command("import_catalog", "parts/data/demo_catalog.json", verbosity=0)


@pytest.fixture(autouse=True)
def fixed_today():
    with clock.frozen(clock.dt.date.fromisoformat(TODAY)):
        yield


def family_body(code: str = "CK48-8", **overrides) -> dict:
    family = FAMILIES[code]
    body = {
        "name": family["title"],
        "template": family["template"],
        "requirements": dict(family["requirements"]),
        "sourcing_policy": family["sourcing_policy"],
        "schedule": [dict(s) for s in family["schedule"]],
        "lines": [
            {"slot": slot, "sku": sku, "quantity": family["quantities"][slot]}
            for slot, sku in family["skus"].items()
        ],
    }
    body.update(overrides)
    return copy.deepcopy(body)


def with_line(body: dict, slot: str, sku: str, quantity=None) -> dict:
    lines = [ln for ln in body["lines"] if ln["slot"] != slot]
    line = {"slot": slot, "sku": sku}
    if quantity is not None:
        line["quantity"] = quantity
    body["lines"] = [*lines, line]
    return body


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_every_demo_family_validates_without_errors(partner_client, code):
    response = partner_client.post("/api/v1/configurations/validate/", family_body(code), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["complete"] is True
    assert [v for v in body["violations"] if v["severity"] == "error"] == []
    assert body["valid"] is True


def test_validate_reports_each_break_with_code_and_numbers(partner_client):
    body = family_body()
    body["requirements"]["max_magnet_temp_c"] = 160  # the N48SH magnet is rated 150 °C
    response = partner_client.post("/api/v1/configurations/validate/", body, format="json").json()
    assert response["valid"] is False
    temp = [v for v in response["violations"] if v["code"] == "MAGNET_TEMP"]
    assert len(temp) == 1
    assert temp[0]["slots"] == ["magnet"] and "150" in temp[0]["message"] and "160" in temp[0]["message"]


def test_missing_slots_make_it_incomplete(partner_client):
    body = family_body()
    body["lines"] = [ln for ln in body["lines"] if ln["slot"] not in {"winding", "busbar"}]
    result = partner_client.post("/api/v1/configurations/validate/", body, format="json").json()
    assert result["complete"] is False and result["valid"] is False
    required = sorted(v["slots"][0] for v in result["violations"] if v["code"] == "SLOT_REQUIRED")
    assert required == ["busbar", "winding"]


def test_magnet_quantity_defaults_to_the_formula(partner_client):
    body = family_body()
    for line in body["lines"]:
        if line["slot"] == "magnet":
            del line["quantity"]
    created = partner_client.post("/api/v1/configurations/", body, format="json").json()
    magnets = next(ln for ln in created["lines"] if ln["slot"] == "magnet")
    assert magnets["quantity"] == 16


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["lines"][0].update(sku="NOPE-1"), "lines[0].sku"),
        (lambda b: b["lines"][1].update(slot="flux_capacitor"), "lines[1].slot"),
        (lambda b: b["lines"][2].update(quantity="two"), "lines[2].quantity"),
        (lambda b: b["lines"][2].update(quantity=1.5), "lines[2].quantity"),
        (lambda b: b.update(sourcing_policy="buy-american"), "sourcing_policy"),
        (lambda b: b.update(template="gearbox"), "template"),
        (lambda b: b["requirements"].update(max_speed_rpm="fast"), "requirements.max_speed_rpm"),
        (lambda b: b["schedule"].append({"year": 2028, "kits": 5}), "schedule[5].year"),
    ],
)
def test_bad_input_is_400_naming_the_field(partner_client, mutate, field):
    body = family_body()
    mutate(body)
    for url in ("/api/v1/configurations/validate/", "/api/v1/configurations/"):
        response = partner_client.post(url, body, format="json")
        assert response.status_code == 400, response.json()
        error = response.json()["error"]
        assert field in error["fields"], error
        assert error["message"].startswith(field)
    assert Configuration.objects.count() == 0


def test_create_read_patch_clone_delete(partner_client):
    created = partner_client.post("/api/v1/configurations/", family_body(), format="json")
    assert created.status_code == 201
    config = created.json()
    assert config["validation"]["valid"] is True
    assert [s["year"] for s in config["schedule"]] == [2028, 2029, 2030, 2031, 2032]
    url = f"/api/v1/configurations/{config['id']}/"
    assert partner_client.get(url).json()["name"] == config["name"]

    patched = partner_client.patch(url, {"requirements": {"max_magnet_temp_c": 160}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["validation"]["valid"] is False
    assert patched.json()["requirements"]["dc_bus_voltage_v"] == 400  # untouched fields stay
    assert "MAGNET_TEMP" in {v["code"] for v in patched.json()["validation"]["violations"]}

    clone = partner_client.post(f"{url}clone/", {"name": "Variant B"}, format="json")
    assert clone.status_code == 201
    assert clone.json()["name"] == "Variant B" and clone.json()["cloned_from"] == config["id"]
    assert len(clone.json()["lines"]) == len(config["lines"])

    listing = partner_client.get("/api/v1/configurations/").json()
    assert listing["count"] == 2
    assert partner_client.delete(url).status_code == 204
    assert partner_client.get(url).status_code == 404


def test_another_organizations_configuration_is_404(partner_client, buyer, api_client):
    created = partner_client.post("/api/v1/configurations/", family_body(), format="json").json()
    api_client.force_login(buyer)  # a buyer of Aurora Motors, not the partner's organization
    url = f"/api/v1/configurations/{created['id']}/"
    for response in (
        api_client.get(url), api_client.patch(url, {"name": "x"}, format="json"),
        api_client.delete(url), api_client.post(f"{url}clone/", {}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "configuration_not_found"
    assert api_client.get("/api/v1/configurations/").json()["count"] == 0


def test_dfars_2027_expansion_names_the_delivery_years(partner_client):
    from demo.catalog import NEAR_MISSES

    sku, cn_ore = next((s, n) for s, n in NEAR_MISSES.items() if n["policy"] == "dfars-7052")
    body = with_line(
        family_body(cn_ore["family"], sourcing_policy="dfars-7052",
                    schedule=[{"year": y, "kits": 1000} for y in range(2026, 2032)]),
        cn_ore["slot"], sku,
    )
    result = partner_client.post("/api/v1/configurations/validate/", body, format="json").json()
    excluded = [v for v in result["violations"] if v["code"] == "ORIGIN_EXCLUDED"]
    assert excluded and all(v["years"] == [2027, 2028, 2029, 2030, 2031] for v in excluded)


def test_templates_and_policies_are_listed(partner_client):
    templates = partner_client.get("/api/v1/kit-templates/").json()
    assert [t["code"] for t in templates] == ["rotor-kit", "stator-kit", "motor-core-package"]
    package = templates[2]
    assert len(package["slots"]) == 10
    magnet = next(s for s in package["slots"] if s["code"] == "magnet")
    assert magnet["formula"] == "magnet"
    policies = {p["code"]: p for p in partner_client.get("/api/v1/sourcing-policies/").json()}
    assert set(policies) == {"china-excluded", "dfars-7052", "eu-crma", "uflpa", "none"}
    assert [v["effective_from"] for v in policies["dfars-7052"]["versions"]][-1] == "2027-01-01"


def _create(client, body) -> dict:
    response = client.post("/api/v1/configurations/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_options_list_feasible_parts_first_and_count_exclusions(partner_client):
    body = family_body()
    body["lines"] = [ln for ln in body["lines"] if ln["slot"] != "magnet"]
    config = _create(partner_client, body)
    response = partner_client.get(f"/api/v1/configurations/{config['id']}/options/?slot=magnet&limit=100")
    assert response.status_code == 200
    [magnets] = response.json()
    assert magnets["slot"] == "magnet" and magnets["total"] == 55
    feasible = [o for o in magnets["items"] if o["feasible"]]
    excluded = [o for o in magnets["items"] if not o["feasible"]]
    assert len(feasible) == magnets["feasible_count"] > 0
    assert FAMILIES["CK48-8"]["skus"]["magnet"] in {o["sku"] for o in feasible}
    assert magnets["items"][: len(feasible)] == feasible  # feasible first
    assert all(o["codes"] for o in excluded)
    # The count per code covers the whole catalog, not just this page.
    assert magnets["excluded_by_code"]["MAGNET_FIT"] >= 1
    assert magnets["excluded_by_code"].get("ORIGIN_EXCLUDED", 0) >= 1
    near_miss_temp = next(o for o in excluded if "MAGNET_TEMP" in o["codes"])
    assert any("°C" in v["message"] or "C" in v["message"] for v in near_miss_temp["violations"])
    # Choosing a feasible option adds no error.
    body["lines"].append({"slot": "magnet", "sku": feasible[-1]["sku"]})
    result = partner_client.post("/api/v1/configurations/validate/", body, format="json").json()
    assert result["valid"] is True, result


def test_options_for_every_slot_and_bad_slot(partner_client):
    config = _create(partner_client, family_body())
    url = f"/api/v1/configurations/{config['id']}/options/"
    slots = partner_client.get(url).json()
    assert len(slots) == 10
    assert all(s["feasible_count"] >= 1 for s in slots)  # at least the part already chosen
    response = partner_client.get(url + "?slot=gearbox")
    assert response.status_code == 400 and "slot" in response.json()["error"]["fields"]


def test_repairs_swap_a_chinese_magnet_for_a_compliant_one(partner_client):
    from demo.catalog import NEAR_MISSES

    sku = next(s for s, n in NEAR_MISSES.items()
               if n["family"] == "CK48-8" and n["slot"] == "magnet" and n["rule"] == "ORIGIN_EXCLUDED")
    config = _create(partner_client, with_line(family_body(), "magnet", sku))
    assert config["validation"]["valid"] is False
    repairs = partner_client.get(f"/api/v1/configurations/{config['id']}/repairs/").json()
    assert repairs, "a repair is offered"
    best = repairs[0]
    assert best["kind"] == "swap" and best["slot"] == "magnet" and best["from_sku"] == sku
    assert "ORIGIN_EXCLUDED" in best["fixes"] and best["errors_after"] == 0
    # Applying it makes the configuration valid.
    patched = partner_client.patch(
        f"/api/v1/configurations/{config['id']}/",
        {"lines": [ln if ln["slot"] != "magnet" else {"slot": "magnet", "sku": best["to_sku"]}
                   for ln in with_line(family_body(), "magnet", sku)["lines"]]},
        format="json",
    ).json()
    assert patched["validation"]["valid"] is True


def test_parts_policy_filter(partner_client):
    allowed = partner_client.get("/api/v1/parts/?policy=china-excluded&category=magnet&page_size=500").json()
    everything = partner_client.get("/api/v1/parts/?category=magnet&page_size=500").json()
    assert 0 < allowed["count"] < everything["count"]
    for part in allowed["results"]:
        assert all(stage["country"] != "CN" for stage in part["provenance"])
    assert partner_client.get("/api/v1/parts/?policy=none&category=magnet").json()["count"] == \
        everything["count"]
    bad = partner_client.get("/api/v1/parts/?policy=buy-local")
    assert bad.status_code == 400 and "policy" in bad.json()["error"]["fields"]


def test_a_configuration_with_quotes_is_kept_by_the_api_as_by_the_web(partner_client, partner_key):
    from django.contrib.admin.sites import site
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from configurator.admin import ConfigurationAdmin
    from orders import services as order_services

    created = partner_client.post("/api/v1/configurations/", family_body(), format="json").json()
    config = Configuration.objects.get(pk=created["id"])
    order_services.quote_request(
        organization=config.organization, user=None,
        request=order_services.QuoteRequest(configuration_id=config.pk, currency="KRW"))
    response = partner_client.delete(f"/api/v1/configurations/{config.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "configuration_has_quotes"
    assert Configuration.objects.filter(pk=config.pk).exists()
    # The admin offers no delete for it either (the same rule, from the same service).
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    model_admin = ConfigurationAdmin(Configuration, site)
    assert model_admin.has_delete_permission(request, config) is False
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    model_admin.delete_queryset(request, Configuration.objects.filter(pk=config.pk))
    assert Configuration.objects.filter(pk=config.pk).exists()


def test_options_offer_no_dead_end_and_say_why_one_is_excluded(partner_client):
    body = family_body()
    body["template"] = "rotor-kit"
    body["lines"] = [ln for ln in body["lines"] if ln["slot"] == "rotor_core"]
    config = _create(partner_client, body)
    url = f"/api/v1/configurations/{config['id']}/options/?slot=end_plate&limit=200"
    [plates] = partner_client.get(url).json()
    assert plates["completion"]["possible"] is True
    assert plates["excluded_by_code"].get("DEAD_END", 0) >= 1
    dead = next(o for o in plates["items"] if o["codes"] == ["DEAD_END"])
    (why,) = [v for v in dead["violations"] if v["code"] == "DEAD_END"]
    assert "could no longer be filled" in why["message"] and dead["sku"] in why["message"]
    # Every offered end plate leaves a kit that validates once the rest is chosen from the options.
    for option in [o for o in plates["items"] if o["feasible"]][:3]:
        lines = [*body["lines"], {"slot": "end_plate", "sku": option["sku"]}]
        trial = _create(partner_client, {**body, "lines": lines})
        assert trial["validation"]["completion"]["possible"] is True, option["sku"]


def test_options_are_searchable_paginated_and_cheapest_per_kit_first(partner_client):
    body = family_body()
    body["lines"] = [ln for ln in body["lines"] if ln["slot"] != "magnet"]
    config = _create(partner_client, body)
    base = f"/api/v1/configurations/{config['id']}/options/?slot=magnet&include_excluded=false"
    [everything] = partner_client.get(base + "&limit=200").json()
    [page] = partner_client.get(base + "&offset=2&limit=3").json()
    assert [o["sku"] for o in page["items"]] == [o["sku"] for o in everything["items"][2:5]]
    assert len(everything["items"]) == everything["feasible_count"] >= 5
    assert all(Decimal(o["reference_unit_price_usd"]) > 0 for o in everything["items"])
    [found] = partner_client.get(base + "&search=n48sh").json()
    assert found["items"] and all("N48SH" in o["sku"].upper() for o in found["items"])
    assert found["total"] < everything["total"]
    schema = partner_client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/configurations/{id}/options/"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"search", "offset", "limit", "slot"} <= params


def test_validate_says_why_no_completion_exists_and_what_would_relax_it(partner_client):
    body = family_body()
    body["lines"] = [ln for ln in body["lines"] if ln["slot"] == "rotor_core"]
    body["schedule"] = [{"year": 2030, "kits": 90_000_000}]
    result = partner_client.post("/api/v1/configurations/validate/", body, format="json").json()
    completion = result["completion"]
    assert completion["possible"] is False
    assert completion["reason"] and completion["relax"]
    assert any("2030" in r for r in completion["relax"])


def test_options_sort_by_lead_time_name_sku_or_key_spec_and_refuse_a_bad_sort(partner_client):
    body = family_body()
    body["lines"] = []  # a new kit: every compliant stator core that leads to no dead end fits
    config = _create(partner_client, body)
    base = f"/api/v1/configurations/{config['id']}/options/?slot=stator_core&limit=200"
    [by_cost] = partner_client.get(base).json()
    [default] = partner_client.get(base + "&sort=cost").json()
    assert default == by_cost  # `cost` is the default, the engine's own order
    fits = [o for o in by_cost["items"] if o["feasible"]]
    assert len(fits) >= 3

    def listed(sort: str, extra: str = "") -> list[dict]:
        response = partner_client.get(f"{base}&sort={sort}{extra}")
        assert response.status_code == 200, response.json()
        [answer] = response.json()
        if not extra:
            assert answer["feasible_count"] == by_cost["feasible_count"]
            assert answer["total"] == by_cost["total"]
        return answer["items"]

    leads = listed("lead_time")
    assert {o["sku"] for o in leads} == {o["sku"] for o in by_cost["items"]}
    feasible = [o for o in leads if o["feasible"]]
    assert leads[:len(feasible)] == feasible  # the parts that fit still come first
    assert [o["lead_time_days"] for o in feasible] == sorted(o["lead_time_days"] for o in fits)
    assert [o["lead_time_days"] for o in feasible] != [o["lead_time_days"] for o in fits]
    assert [o["sku"] for o in listed("sku") if o["feasible"]] == sorted(o["sku"] for o in fits)
    # Paging keeps the order: the second page of three is the sorted list's items 3..5.
    [page] = partner_client.get(base.replace("limit=200", "limit=3")
                                + "&sort=lead_time&offset=3&include_excluded=false").json()
    assert [o["sku"] for o in page["items"]] == [o["sku"] for o in feasible[3:6]]
    # The slot's key spec: a stator core's outer diameter, smallest first.
    from configurator.catalog import catalog_view

    index = catalog_view().index
    diameters = [index.get(o["sku"]).specs["outer_diameter_mm"] for o in listed("spec") if o["feasible"]]
    assert diameters == sorted(diameters)
    by_name = [index.get(o["sku"]).name.casefold() for o in listed("name") if o["feasible"]]
    assert by_name == sorted(by_name)
    # With a search, only the matching parts, sorted.
    searched = listed("sku", "&search=" + fits[0]["sku"][:6])
    assert searched and all(o["sku"].startswith(fits[0]["sku"][:6]) for o in searched)
    assert len(searched) < len(by_cost["items"]) and [o["sku"] for o in searched if o["feasible"]] == sorted(
        o["sku"] for o in searched if o["feasible"])

    bad = partner_client.get(base + "&sort=price")
    assert bad.status_code == 400
    assert "sort" in bad.json()["error"]["fields"]
    schema = partner_client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/configurations/{id}/options/"]["get"]
    (sort,) = [p for p in operation["parameters"] if p["name"] == "sort"]
    assert set(sort["schema"]["enum"]) == {"cost", "lead_time", "name", "sku", "spec"}
    assert sort["schema"]["default"] == "cost" and "lead_time" in sort["description"]


def test_a_conflict_between_two_chosen_parts_says_which_to_change(partner_client):
    body = with_line(family_body(), "end_plate", "EP-1620-525-SS")
    # The parts in the violation's order (the builder names first the one its cheapest fix changes).
    hint = "Change the rotor core (RC-8P-16044-508) or the end plate (EP-1620-525-SS)."
    config = _create(partner_client, body)
    [conflict] = [v for v in config["validation"]["violations"] if v["code"] == "END_PLATE_FIT"]
    assert conflict["change_hint"] == hint
    assert all(v["change_hint"] is None for v in config["validation"]["violations"] if v is not conflict)
    checked = partner_client.post("/api/v1/configurations/validate/", body, format="json").json()
    [conflict] = [v for v in checked["violations"] if v["code"] == "END_PLATE_FIT"]
    assert conflict["change_hint"] == hint
    # A problem with one part only (a magnet rated too cold) is not a conflict.
    single = _create(partner_client, with_line(family_body(), "magnet", "MAG-N45H-D-4930-SGI-KR"))
    [too_cold] = [v for v in single["validation"]["violations"] if v["code"] == "MAGNET_TEMP"]
    assert too_cold["change_hint"] is None
    schema = partner_client.get("/api/v1/schema/?format=json").json()
    assert "change_hint" in schema["components"]["schemas"]["ViolationOutput"]["properties"]


def _stamp() -> dict:
    from parts.models import CatalogStamp

    stamp = CatalogStamp.objects.get(pk=1)
    return {"version": stamp.version,
            "changed_at": stamp.changed_at.isoformat().replace("+00:00", "Z")}


def test_validation_and_options_say_which_catalog_stamp_judged_them(partner_client):
    from parts.models import Part
    from parts.services import parts_set_active

    result = partner_client.post("/api/v1/configurations/validate/", family_body(), format="json").json()
    assert result["catalog_version"] == _stamp()
    config = _create(partner_client, family_body())
    parts_set_active(parts=Part.objects.filter(category="end_plate")[:1], active=False)
    moved = _stamp()
    assert moved["version"] > result["catalog_version"]["version"]
    slots = partner_client.get(f"/api/v1/configurations/{config['id']}/options/").json()
    assert {str(s["catalog_version"]) for s in slots} == {str(moved)}
    again = partner_client.post("/api/v1/configurations/validate/", family_body(), format="json").json()
    assert again["catalog_version"] == moved


def test_the_schema_documents_the_catalog_version_of_validations_and_options(partner_client):
    schemas = partner_client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    for name in ("ValidationOutput", "SlotOptionsOutput"):
        field = schemas[name]["properties"]["catalog_version"]
        assert "catalog stamp" in field.get("description", ""), (name, field)
    assert set(schemas["CatalogVersionOutput"]["properties"]) == {"version", "changed_at"}


def test_options_read_the_configuration_as_plain_rows_in_a_fixed_number_of_queries(
        partner_client, django_assert_num_queries):
    config = _create(partner_client, family_body())
    url = f"/api/v1/configurations/{config['id']}/options/?slot=magnet"
    assert partner_client.get(url).status_code == 200  # the key cached, the view loaded
    # The catalog stamp, the configuration with its lines, its schedule, the bookings (its
    # own order's left out by a subquery): not the model with four prefetches (seven).
    with django_assert_num_queries(4):
        response = partner_client.get(url)
    assert response.status_code == 200 and response.json()[0]["items"]
