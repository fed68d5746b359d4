"""The builder guides a buyer: completeness and the next step (an empty required slot is to do,
not an error), a live price per kit at the program's volume and the kit's lead time, options
with their name, key specs and cost per kit (searchable, paged, no cap), and violations in
plain words with the code as a tag and slot names as words."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from configurator.catalog import catalog_view
from demo.catalog import FAMILIES
from tests.factories import family_configuration

pytestmark = pytest.mark.django_db

SKUS = FAMILIES["CK48-8"]["skus"]


def new_configuration(web) -> str:
    response = web.post("/configurations/new/", {
        "name": "Guidance test", "template": "motor-core-package", "sourcing_policy": "china-excluded",
        "dc_bus_voltage_v": 400, "max_speed_rpm": 13500, "max_magnet_temp_c": "150",
        "max_winding_temp_c": "180"})
    assert response.status_code == 302
    return response["Location"]


def section(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|dd|ul|section)>', html, re.S)
    assert match, element_id
    return re.sub(r"<[^>]+>", " ", match.group(1))


def slot_html(html: str, slot: str) -> str:
    start = html.index('<article class="slot')
    start = html.index(f'id="slot-{slot}"', start)
    return html[start:html.index("</article>", start)]


def rows(html: str, slot: str, kind: str = "option-feasible") -> list[str]:
    return re.findall(rf'<tr class="{kind}">(.*?)</tr>', slot_html(html, slot), re.S)


def test_a_new_kit_is_a_to_do_list_not_a_wall_of_errors(web):
    url = new_configuration(web)
    html = web.get(url).content.decode()
    assert "SLOT_REQUIRED" not in html
    assert "is required in" not in html
    assert "0 of 10 slots" in section(html, "completeness") and "0 of 8 required" in html
    first_slot = re.findall(r'<article class="slot[^"]*" id="slot-([a-z_]+)"', html)[0]
    assert f'href="#slot-{first_slot}"' in re.search(r'id="next-step".*?</p>', html, re.S).group(0)
    assert 'class="slot has-error"' not in html
    assert html.count('<span class="badge">to do</span> Choose a') == 8
    assert "8 required slots still to do" in html

    response = web.post(url + "choose/", {"slot": "stator_core", "sku": SKUS["stator_core"]},
                        HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "1 of 10 slots" in section(html, "completeness")
    assert html.count('<span class="badge">to do</span> Choose a') == 7
    assert 'href="#slot-stator_core"' not in re.search(r'id="next-step".*?</p>', html, re.S).group(0)


def test_the_next_step_leads_to_the_quote_once_the_kit_is_valid(web, buyer):
    configuration = family_configuration(buyer.membership.organization)
    html = web.get(f"/configurations/{configuration.pk}/").content.decode()
    assert "10 of 10 slots" in section(html, "completeness")
    assert 'href="#quote-h">request a quote' in html


def test_price_per_kit_at_the_programs_volume_and_lead_time(web, buyer):
    configuration = family_configuration(buyer.membership.organization)
    html = web.get(f"/configurations/{configuration.pk}/").content.decode()
    index = catalog_view().index
    kits = FAMILIES["CK48-8"]["schedule"][0]["kits"]
    expected = Decimal(0)
    for slot, sku in SKUS.items():
        quantity = FAMILIES["CK48-8"]["quantities"][slot]
        part = index.get(sku)
        # The tier a year's units reach: the highest min_qty not above kits x quantity.
        price = part.reference_unit_price
        for min_qty, unit_price in part.price_tiers:
            if min_qty <= kits * quantity:
                price = unit_price
        expected += price * quantity
    lead = max(index.get(sku).lead_time_days for sku in SKUS.values())
    price_text = section(html, "kit-price").strip()
    assert price_text == f"USD {expected.quantize(Decimal('0.01')):,}"
    assert f"at {kits:,} kits a year" in html and "reference currency" in html
    assert section(html, "kit-lead-time").strip() == f"{lead} days"


def test_a_new_kit_has_no_price_yet(web):
    html = web.get(new_configuration(web)).content.decode()
    assert section(html, "kit-price").strip() == "—"


def test_options_show_name_key_specs_and_cost_per_kit_cheapest_first(web):
    url = new_configuration(web)
    html = web.get(url).content.decode()
    rotor = rows(html, "rotor_core")
    assert rotor
    for row in rotor:
        assert 'class="option-name"' in row
        assert "Poles" in row and "Outer diameter" in row and "Stack length" in row
        assert re.search(r"\d{1,3},\d{3} rpm", row) or "Maximum speed" not in row
    stator = rows(html, "stator_core")
    assert all("Bore diameter" in r and "Slots" in r for r in stator)
    magnets = rows(html, "magnet")
    assert all("Grade" in r and "Maximum operating temperature" in r and "Length" in r for r in magnets)
    assert "USD per kit" in slot_html(html, "magnet")
    costs = [Decimal(c) for c in re.findall(r'data-cost="([0-9.]+)"', "".join(magnets))]
    assert len(costs) == len(magnets) and costs == sorted(costs)


def test_options_are_paged_without_a_cap(web):
    url = new_configuration(web)
    html = web.get(url).content.decode()
    first = rows(html, "magnet", "option-[a-z]+")
    assert len(first) == 8
    match = re.search(r'href="([^"]*page_magnet=2[^"]*)"', slot_html(html, "magnet"))
    assert match, "a link to the next page of magnets"
    assert "Show more magnet options" in slot_html(html, "magnet")
    second_html = web.get(match.group(1).replace("&amp;", "&")).content.decode()
    second = rows(second_html, "magnet", "option-[a-z]+")
    assert second and not set(second) & set(first)
    assert "showing 9–" in slot_html(second_html, "magnet")
    assert 'rel="prev"' in slot_html(second_html, "magnet")


def test_each_slot_has_a_search_that_works_without_javascript(web):
    url = new_configuration(web)
    html = web.get(url).content.decode()
    assert 'name="q_rotor_core"' in slot_html(html, "rotor_core")
    wanted = SKUS["rotor_core"]
    found = web.get(url, {"q_rotor_core": wanted}).content.decode()
    listed = rows(found, "rotor_core", "option-[a-z]+")
    assert listed and all(wanted in r for r in listed)
    assert f'value="{wanted}"' in slot_html(found, "rotor_core")
    none = web.get(url, {"q_rotor_core": "no-such-part-zzz"}).content.decode()
    assert rows(none, "rotor_core", "option-[a-z]+") == []
    assert "showing none of 0" in slot_html(none, "rotor_core")


def test_violations_read_as_words_with_the_code_as_a_tag(web, buyer):
    from configurator.views import slot_words

    assert slot_words("rotor_core is required in motor-core-package",
                      {"rotor_core": "Rotor core", "motor-core-package": "Motor-core package"}) == \
        "Rotor core is required in Motor-core package"
    # One pass: a stage read as words is not read again as a slot ("magnet" is also a slot).
    assert slot_words("magnet_manufacturing evidence expires",
                      {"magnet_manufacturing": "magnet manufacturing", "magnet": "Magnet"}) == \
        "magnet manufacturing evidence expires"
    assert slot_words("magnet MAG-1 is rated 120 °C", {"magnet": "Magnet"}) == "Magnet MAG-1 is rated 120 °C"
    configuration = family_configuration(buyer.membership.organization)
    url = f"/configurations/{configuration.pk}/"
    html = web.get(url).content.decode()
    excluded = rows(html, "magnet", "option-excluded")
    sku = next(re.search(r'name="sku" value="([^"]+)"', r).group(1) for r in excluded
               if 'name="sku"' in r)
    html = web.post(url + "choose/", {"slot": "magnet", "sku": sku}, HTTP_HX_REQUEST="true").content.decode()
    listed = re.search(r'<ul class="violations" id="violations">(.*?)</ul>', html, re.S).group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", listed, re.S)
    assert items
    for item in items:
        assert re.search(r'<span class="tag"[^>]*>[A-Z_]+</span>', item)
        text = re.sub(r'<span class="tag".*?</span>', "", item)
        assert not re.search(r"\b(rotor_core|stator_core|end_plate|temperature_sensor)\b", text), item
        assert "component_manufacturing" not in text and "magnet_manufacturing" not in text, item
    assert "Magnet" in listed and "component manufacturing in CN" in listed
