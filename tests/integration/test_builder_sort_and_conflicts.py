"""The builder's options can be sorted (cost per kit by default, lead time, name, SKU, the slot's
key spec), with search and paging, without JavaScript; and a conflict between two chosen parts
says in words which part to change and links to the cheapest suggested fix."""

from __future__ import annotations

import re

import pytest

from configurator.catalog import catalog_view
from tests.factories import family_configuration
from tests.integration.test_builder_guidance import new_configuration, rows, slot_html

pytestmark = pytest.mark.django_db


def listed_skus(html: str, slot: str, kind: str = "option-feasible") -> list[str]:
    return [re.search(r'<span class="code small">([^<]+)</span>', r).group(1) for r in rows(html, slot, kind)]


def lead_times(html: str, slot: str) -> list[int]:
    return [int(d) for d in re.findall(r'<td class="num small">(\d+) d</td>', "".join(rows(html, slot)))]


def test_options_sort_by_lead_time_name_sku_and_key_spec_without_javascript(web):
    url = new_configuration(web)
    html = web.get(url).content.decode()
    magnet = slot_html(html, "magnet")
    # A GET form with a labelled select and a submit button: works without JavaScript.
    form = re.search(r'<form class="option-sort" method="get"[^>]*>(.*?)</form>', magnet, re.S)
    assert form, "a sort form for the magnet options"
    controls = form.group(1)
    assert '<label for="sort-magnet">' in controls and 'id="sort-magnet" name="sort_magnet"' in controls
    assert '<option value="cost" selected>' in controls
    assert {"lead_time", "name", "sku", "spec"} <= set(re.findall(r'<option value="([a-z_]+)"', controls))
    assert 'type="submit"' in controls
    assert "Ranked by cost per kit" in magnet

    by_cost = listed_skus(html, "magnet")
    by_lead = web.get(url, {"sort_magnet": "lead_time"}).content.decode()
    assert '<option value="lead_time" selected>' in slot_html(by_lead, "magnet")
    assert "sorted by lead time, shortest first" in slot_html(by_lead, "magnet")
    leads = lead_times(by_lead, "magnet")
    assert leads == sorted(leads) and len(leads) == len(by_cost)
    assert listed_skus(by_lead, "magnet") != by_cost
    # The other slots keep their own order.
    assert listed_skus(by_lead, "rotor_core") == listed_skus(html, "rotor_core")

    by_sku = listed_skus(web.get(url, {"sort_magnet": "sku"}).content.decode(), "magnet")
    assert by_sku == sorted(by_sku)
    index = catalog_view().index
    names = [index.get(s).name.casefold()
             for s in listed_skus(web.get(url, {"sort_magnet": "name"}).content.decode(), "magnet")]
    assert names == sorted(names)
    spec_html = web.get(url, {"sort_stator_core": "spec"}).content.decode()
    assert "outer diameter, smallest first" in slot_html(spec_html, "stator_core")
    diameters = [index.get(s).specs["outer_diameter_mm"] for s in listed_skus(spec_html, "stator_core")]
    assert len(diameters) > 1 and diameters == sorted(diameters)

    # An unknown sort is ignored: the default order, no error.
    bad = web.get(url, {"sort_magnet": "price; drop"})
    assert bad.status_code == 200
    assert listed_skus(bad.content.decode(), "magnet") == by_cost


def test_sort_works_with_search_and_paging(web):
    url = new_configuration(web)
    sorted_html = web.get(url, {"sort_magnet": "lead_time"}).content.decode()
    magnet = slot_html(sorted_html, "magnet")
    # Paging keeps the sort: the next page continues the same order.
    link = re.search(r'href="([^"]*page_magnet=2[^"]*)"', magnet).group(1).replace("&amp;", "&")
    assert "sort_magnet=lead_time" in link
    second = web.get(link).content.decode()
    first_leads, second_leads = lead_times(sorted_html, "magnet"), lead_times(second, "magnet")
    assert first_leads and second_leads and max(first_leads) <= min(second_leads)
    # The search form keeps the sort; the sort form keeps the search.
    search_form = re.search(r'<form class="option-search".*?</form>', magnet, re.S).group(0)
    assert '<input type="hidden" name="sort_magnet" value="lead_time">' in search_form
    searched = web.get(url, {"q_magnet": "N48", "sort_magnet": "sku"}).content.decode()
    skus = listed_skus(searched, "magnet") + listed_skus(searched, "magnet", "option-excluded")
    assert skus and all("N48" in s for s in skus)
    feasible = listed_skus(searched, "magnet")
    assert feasible == sorted(feasible)
    sort_form = re.search(r'<form class="option-sort".*?</form>', slot_html(searched, "magnet"),
                          re.S).group(0)
    assert '<input type="hidden" name="q_magnet" value="N48">' in sort_form
    # Sorting one slot keeps another slot's search.
    both = web.get(url, {"q_rotor_core": "RC", "sort_magnet": "sku"}).content.decode()
    other = re.search(r'<form class="option-sort".*?</form>', slot_html(both, "magnet"), re.S).group(0)
    assert '<input type="hidden" name="q_rotor_core" value="RC">' in other


def test_sort_with_htmx_swaps_the_builder_and_keeps_the_control(web):
    url = new_configuration(web)
    html = web.get(url).content.decode()
    form = re.search(r'<form class="option-sort"[^>]*>', slot_html(html, "magnet")).group(0)
    assert 'hx-get="' in form and 'hx-trigger="change, submit"' in form
    swapped = web.get(url, {"sort_magnet": "lead_time"}, HTTP_HX_REQUEST="true").content.decode()
    # The swapped builder holds the same control (same id), which the page script refocuses.
    assert 'id="sort-magnet"' in swapped and '<option value="lead_time" selected>' in swapped


def conflict_hints(html: str) -> list[str]:
    return re.findall(r'<span class="conflict-hint[^"]*">(.*?)</span>', html, re.S)


@pytest.mark.parametrize(("slot", "sku", "hint", "fix_to"), [
    ("end_plate", "EP-1620-525-SS",
     "Change the end plate (EP-1620-525-SS) or the rotor core (RC-8P-16044-508).", "EP-1560-525-SS"),
    ("rotor_core", "RC-8P-16150-508",
     "Change the rotor core (RC-8P-16150-508) or the stator core (SC-48S-1619-508-W).", "RC-8P-16044-508-MX"),
    ("shaft", "SH-8P-5192-K", "Change the shaft (SH-8P-5192-K) or the rotor core (RC-8P-16044-508).", None),
])
def test_a_conflict_between_two_parts_says_which_to_change_and_links_the_cheapest_fix(
        web, buyer, slot, sku, hint, fix_to):
    configuration = family_configuration(buyer.membership.organization, swap={slot: sku})
    html = web.get(f"/configurations/{configuration.pk}/").content.decode()
    hints = conflict_hints(html)
    # Beside the message in each of the two slots, and in the check's list.
    assert len(hints) == 3 and all(hint in h for h in hints), hints
    assert hint in re.sub(r"<[^>]+>", "", re.search(r'<span class="conflict-hint[^"]*">.*?</span>',
                                                    slot_html(html, slot), re.S).group(0))
    # The next step leads to the part the cheapest fix changes.
    next_step = re.search(r'id="next-step".*?</p>', html, re.S).group(0)
    assert f'href="#slot-{slot}">fix the' in next_step, next_step
    anchor = re.search(r'Cheapest fix: <a hx-boost="false" href="#(repair-\d+)">([^<]+)</a>', hints[0])
    assert anchor, hints[0]
    assert "per kit" in anchor.group(2)
    fixes = dict(re.findall(r'<li id="(repair-\d+)" tabindex="-1">(.*?)</li>', html, re.S))
    linked = fixes[anchor.group(1)]
    assert f'name="slot" value="{slot}"' in linked or fix_to is None
    if fix_to:
        assert f'name="to_sku" value="{fix_to}"' in linked
    # The cheapest of the suggested fixes that remove this error.
    from configurator import selectors
    from configurator.domain.repairs import suggest_repairs

    code = next(v["code"] for v in configuration.validation["violations"] if v["severity"] == "error")
    removing = [r for r in suggest_repairs(selectors.configuration_snapshot(configuration),
                                           catalog_view().index, limit=12) if code in r.fixes]
    cheapest = min(r.added_cost for r in removing)
    assert f'name="to_sku" value="{next(r.to_sku for r in removing if r.added_cost == cheapest)}"' in linked


def test_a_problem_with_one_part_has_no_conflict_hint(web, buyer):
    configuration = family_configuration(buyer.membership.organization,
                                         swap={"magnet": "MAG-N45H-D-4930-SGI-KR"})
    html = web.get(f"/configurations/{configuration.pk}/").content.decode()
    assert "MAGNET_TEMP" in html
    assert conflict_hints(html) == []


def test_the_check_lists_errors_and_folds_warnings_away(web, buyer):
    organization = buyer.membership.organization
    conflict = family_configuration(organization, swap={"end_plate": "EP-1620-525-SS"})
    html = web.get(f"/configurations/{conflict.pk}/").content.decode()
    errors = re.search(r'<ul class="violations" id="violations">(.*?)</ul>', html, re.S).group(1)
    assert "END_PLATE_FIT" in errors and "EVIDENCE_RENEWAL" not in errors
    folded = re.search(r'<details class="warnings">\s*<summary>(\d+) warnings, none of which stops a quote'
                       r'</summary>(.*?)</details>', html, re.S)
    assert folded and int(folded.group(1)) == folded.group(2).count('<li class="warning">') > 1
    # Without an error the warnings are the check's list, open.
    valid = family_configuration(organization)
    html = web.get(f"/configurations/{valid.pk}/").content.decode()
    assert re.search(r'<details class="warnings" open><summary>\d+ warnings: none stops a quote</summary>\s*'
                     r'<ul class="violations" id="violations">', html)


def test_an_ordered_kit_does_not_ask_for_a_quote_again(web, buyer):
    from orders import services as order_services
    from orders.models import Quote
    from tests.factories import PLACE_ORDER

    organization = buyer.membership.organization
    configuration = family_configuration(organization, user=buyer)
    quote, _ = order_services.quote_request(
        organization=organization, user=buyer,
        request=order_services.QuoteRequest(configuration_id=configuration.pk, currency="USD"))
    order_services.quote_generate(quote_id=quote.pk)
    order, _ = order_services.quote_accept(quote=Quote.objects.get(pk=quote.pk), user=buyer, **PLACE_ORDER)
    html = web.get(f"/configurations/{configuration.pk}/").content.decode()
    next_step = re.search(r'id="next-step".*?</p>', html, re.S).group(0)
    assert "request a quote" not in next_step
    assert f"Ordered</b> as {order.number}" in next_step
