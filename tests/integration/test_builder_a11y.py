"""The builder page: the motor-core drawing follows the chosen parts (in the htmx partial too),
the sentence the live region reads out, the skip link, and a label for every control."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from demo.catalog import FAMILIES
from tests.factories import family_configuration

pytestmark = pytest.mark.django_db


def new_configuration(web, template: str = "motor-core-package") -> str:
    response = web.post("/configurations/new/", {
        "name": "Drawing test", "template": template, "sourcing_policy": "china-excluded",
        "dc_bus_voltage_v": 400, "max_speed_rpm": 13500, "max_magnet_temp_c": "150",
        "max_winding_temp_c": "180"})
    assert response.status_code == 302
    return response["Location"]


def choose(web, url: str, slot: str) -> str:
    response = web.post(url + "choose/", {"slot": slot, "sku": FAMILIES["CK48-8"]["skus"][slot]},
                        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_the_drawing_follows_the_parts_as_they_are_chosen(web):
    url = new_configuration(web)
    page = web.get(url).content.decode()
    assert "Motor core, to scale" in page and 'id="core-section"' not in page
    assert "Choose a stator core or a rotor core to see the cross-section" in page

    html = choose(web, url, "stator_core")  # the htmx partial carries the drawing
    assert 'id="core-section"' in html and html.count('class="cs-slot"') == 48
    assert "Rotor core not chosen" in html and "Air gap" not in html

    html = choose(web, url, "rotor_core")
    assert html.count('<polygon class="cs-pocket cs-pole-') == 16
    assert "Air gap 0.73 mm" in html


def test_a_template_without_stator_or_rotor_slots_would_show_no_drawing(web, buyer):
    from configurator.views import core_drawing

    class Slot:
        category, required = "magnet", True

    assert core_drawing([{"slot": Slot(), "line": None}])["applies"] is False


def test_the_live_summary_says_where_the_configuration_stands(web, buyer):
    url = new_configuration(web)
    assert "8 required slots still to fill" in web.get(url).content.decode()
    valid = family_configuration(buyer.membership.organization)
    page = web.get(f"/configurations/{valid.pk}/").content.decode()
    # Valid; evidence renewals over the program may add warnings, which are counted too.
    assert re.search(
        r'<p hidden id="live-summary" data-live-summary>Configuration is valid(: \d+ warnings?)?\.</p>', page)
    broken = family_configuration(buyer.membership.organization,
                                  swap={"magnet": "MAG-N45H-D-4930-SGI-KR"})
    page = web.get(f"/configurations/{broken.pk}/").content.decode()
    assert re.search(r"data-live-summary>Configuration has errors: \d+ errors?", page)


def test_every_page_has_a_skip_link_to_main_and_a_polite_live_region(web):
    page = web.get("/catalog/").content.decode()
    assert page.index('class="skip-link" href="#main"') < page.index("<header")
    assert '<main id="main" tabindex="-1">' in page
    assert 'id="live-region" class="sr-only" role="status" aria-live="polite"' in page


class _Controls(HTMLParser):
    """Collects form controls and the ids that a <label for> names."""

    def __init__(self):
        super().__init__()
        self.controls, self.labelled, self.depth_in_label = [], set(), 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.depth_in_label += 1
            if a.get("for"):
                self.labelled.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append((a, self.depth_in_label > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.depth_in_label -= 1


def test_every_builder_control_has_a_label(web, buyer):
    configuration = family_configuration(buyer.membership.organization)
    parser = _Controls()
    parser.feed(web.get(f"/configurations/{configuration.pk}/").content.decode())
    assert parser.controls
    unlabelled = [a for a, wrapped in parser.controls
                  if not wrapped and a.get("id") not in parser.labelled and not a.get("aria-label")]
    assert not unlabelled


def test_the_slot_links_say_which_slots_are_done_to_do_or_to_fix(web, buyer):
    url = new_configuration(web)
    choose(web, url, "rotor_core")
    page = web.get(url).content.decode()
    assert "In-page links" not in page  # the template's comment stays a comment
    nav = page[page.index('<nav class="slot-nav"'):page.index("</nav>", page.index('<nav class="slot-nav"'))]
    assert re.search(r'href="#slot-rotor_core">Rotor core<span class="sr-only">:</span>\s*'
                     r'<span class="badge ok">done</span>', nav)
    assert re.search(r'href="#slot-magnet">Magnet<span class="sr-only">:</span>\s*'
                     r'<span class="badge">to do', nav)
    assert re.search(r'href="#slot-resolver">Resolver<span class="sr-only">:</span>\s*'
                     r'<span class="badge">optional', nav)
