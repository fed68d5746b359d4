"""Accessibility and small screens, in real headless Chromium against a live server.

axe-core (the engine behind Lighthouse and most audit tools) checks every buyer page for
serious and critical violations, at desktop width and at 390 x 844 (a phone), where no page
may scroll sideways. A keyboard-only buyer (Tab, Shift+Tab, Enter, Space; no mouse) builds a
complete motor-core package, with focus kept on the slot that changed and the new state read
out by a live region. Screenshots land in test-artifacts/a11y/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from configurator.services import ConfigurationInput, configuration_create
from demo.catalog import FAMILIES
from tests.e2e.conftest import ARTIFACTS_ROOT
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

pytestmark = [pytest.mark.e2e]

ARTIFACTS = ARTIFACTS_ROOT / "a11y"
ARTIFACTS.mkdir(parents=True, exist_ok=True)
# Each page is shot as its first screen, its first table and its drawing; whole pages (tall,
# and a third of this file's time) only on request: COREKIT_E2E_FULL_PAGE_SHOTS=1.
FULL_PAGE_SHOTS = os.environ.get("COREKIT_E2E_FULL_PAGE_SHOTS") == "1"
PASSWORD = "pw-for-tests-2026"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SLOTS = ["rotor_core", "magnet", "shaft", "end_plate", "resolver", "stator_core", "winding",
         "insulation", "busbar", "temperature_sensor"]


def new_page(browser, viewport: dict):
    # Not is_mobile: a mobile viewport widens itself to fit an overflowing page, which would
    # hide the very sideways scroll this suite looks for.
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def sign_in(page, base: str, username: str = "buyer") -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                    for node in v["nodes"][:5])
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def page_overflow(page) -> int:
    """How far the page is wider than the viewport (0 when there is no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def shoot_first_table(page, path: Path) -> None:
    """A screen's worth of the page from its first table down (a long page's full shot is too
    tall to judge)."""
    box = page.evaluate("""() => { const t = document.querySelector('main table');
        if (!t) return null; const r = t.getBoundingClientRect();
        return {y: r.top + window.scrollY, h: document.documentElement.scrollHeight}; }""")
    if box:
        width = page.viewport_size["width"]
        page.screenshot(path=str(path), full_page=True,
                        clip={"x": 0, "y": box["y"], "width": width, "height": min(900, box["h"] - box["y"])})


def controls_outside_their_card(page) -> list[str]:
    """Controls and tables reaching past their card's right edge (the quote's year table did,
    at 390 px)."""
    return page.evaluate("""() => [...document.querySelectorAll(
            'main input, main select, main button, main table:not(.table-scroll table)')]
        .filter(el => {
            const card = el.closest('.card, .slot');
            if (!card || !el.getClientRects().length) return false;
            return el.getBoundingClientRect().right > card.getBoundingClientRect().right + 1;
        })
        .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')).slice(0, 6)""")


def widest_elements(page) -> list[str]:
    """The outermost elements that reach past the right edge: what to fix."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > window.innerWidth + 1 && !(el.parentElement.getBoundingClientRect().right
                                                        > window.innerWidth + 1)) {
                const cls = typeof el.className === 'string' && el.className
                    ? '.' + el.className.split(' ').join('.') : '';
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls
                         + ' ' + Math.round(box.right) + 'px');
            }
        }
        return out.slice(0, 6);
    }""")


def wrapped_numbers(page) -> list[str]:
    """Number cells whose text breaks over lines (a currency code on one, its amount on the
    next, as the quote's year table did at 390 px)."""
    return page.evaluate("""() => {
        const broken = [];
        for (const td of document.querySelectorAll('main td.num')) {
            const texts = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
            for (let node = texts.nextNode(); node; node = texts.nextNode()) {
                if (!node.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(node);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.bottom)));
                if (lines.size > 1) broken.push(node.textContent.trim());
            }
        }
        return broken.slice(0, 4);
    }""")


@pytest.fixture
def buyer_pages(transactional_db, buyer):
    """A catalog, a valid configuration, a priced quote and an order: every buyer page has content."""
    from orders import services as order_services
    from orders.models import Quote

    load_demo_catalog()
    organization = buyer.membership.organization
    configuration = family_configuration(organization, user=buyer)
    quote, _ = order_services.quote_request(
        organization=organization, user=buyer,
        request=order_services.QuoteRequest(configuration_id=configuration.pk, currency="EUR"))
    order_services.quote_generate(quote_id=quote.pk)
    order_services.quote_document_render(quote_id=quote.pk)
    # The widest figures: KRW contract totals in the hundreds of billions.
    krw, _ = order_services.quote_request(
        organization=organization, user=buyer,
        request=order_services.QuoteRequest(configuration_id=configuration.pk, currency="KRW"))
    order_services.quote_generate(quote_id=krw.pk)
    accepted, _ = order_services.quote_request(
        organization=organization, user=buyer,
        request=order_services.QuoteRequest(configuration_id=configuration.pk, currency="USD"))
    order_services.quote_generate(quote_id=accepted.pk)
    order, _ = order_services.quote_accept(quote=Quote.objects.get(pk=accepted.pk), user=buyer,
                                             **PLACE_ORDER)
    part = configuration.lines.select_related("part").first().part
    broken = family_configuration(organization, user=buyer, swap={"magnet": "MAG-N45H-D-4930-SGI-KR"})
    conflict = family_configuration(organization, user=buyer, swap={"end_plate": "EP-1620-525-SS"})
    empty = configuration_create(organization=organization, user=buyer, data=ConfigurationInput(
        template="motor-core-package", name="Empty kit", sourcing_policy="china-excluded",
        requirements=FAMILIES["CK48-8"]["requirements"]))
    return {
        "home": "/",
        "catalog": "/catalog/",
        "catalog-filtered": "/catalog/?category=magnet",
        "part": f"/catalog/{part.sku}/",
        "configurations": "/configurations/",
        "new-configuration": "/configurations/new/",
        "builder": f"/configurations/{configuration.pk}/",
        "builder-with-errors": f"/configurations/{broken.pk}/",
        "builder-empty": f"/configurations/{empty.pk}/",
        "builder-conflict": f"/configurations/{conflict.pk}/",
        "builder-sorted-searched": f"/configurations/{empty.pk}/?sort_magnet=lead_time&q_rotor_core=RC-8P",
        "delete-configuration": f"/configurations/{empty.pk}/delete/",
        "quotes": "/quotes/",
        "quote": f"/quotes/{quote.pk}/",
        "quote-krw": f"/quotes/{krw.pk}/",
        "quote-accept": f"/quotes/{quote.pk}/accept/",
        "quote-reject": f"/quotes/{quote.pk}/reject/",
        "orders": "/orders/",
        "order": f"/orders/{order.pk}/",
        "webhooks": "/webhooks/",
    }


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("390", PHONE)])
def test_buyer_pages_pass_axe_and_never_scroll_sideways(live_server, buyer_pages, browser, size,
                                                         viewport):
    page = new_page(browser, viewport)
    base = live_server.url
    problems: dict[str, list[str]] = {}

    page.goto(base + "/accounts/login/")
    page.screenshot(path=str(ARTIFACTS / f"{size}-sign-in.png"), full_page=True)
    found = serious_violations(page)
    if overflow := page_overflow(page):
        found.append(f"scrolls sideways by {overflow}px")
    if found:
        problems["sign-in"] = found
    sign_in(page, base)

    for name, path in buyer_pages.items():
        response = page.goto(base + path)
        assert response.status == 200, f"{name}: {response.status}"
        if FULL_PAGE_SHOTS:
            page.screenshot(path=str(ARTIFACTS / f"{size}-{name}.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / f"{size}-{name}-first-screen.png"))
        shoot_first_table(page, ARTIFACTS / f"{size}-{name}-table.png")
        if page.locator("#core-drawing").count():
            page.locator("#core-drawing").screenshot(path=str(ARTIFACTS / f"{size}-{name}-drawing.png"))
        found = serious_violations(page)
        if size == "390" and page.evaluate("() => document.documentElement.scrollWidth") > 390:
            found.append(f"scrolls sideways by {page_overflow(page)}px: {', '.join(widest_elements(page))}")
        if size == "390" and (sticking_out := controls_outside_their_card(page)):
            found.append(f"controls wider than their card: {', '.join(sticking_out)}")
        if size == "390" and (broken := wrapped_numbers(page)):
            found.append(f"numbers broken over lines: {', '.join(broken)}")
        if found:
            problems[name] = found
    assert not problems, "\n".join(f"{name}: {'; '.join(found)}" for name, found in problems.items())


def test_a_skip_link_is_the_first_stop_and_jumps_to_the_content(live_server, buyer_pages, browser):
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url)
    page.goto(live_server.url + buyer_pages["catalog"])
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const slot = el.closest('article.slot');
        return {id: el.id, tag: el.tagName, text: (el.textContent || '').trim().slice(0, 80),
                slot: slot ? slot.id : '', row: el.closest('tr') ? el.closest('tr').className : ''};
    }""")


def tab_until(page, predicate, *, limit: int = 120, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; a keyboard user's only way."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if predicate(now):
            return now
    raise AssertionError(f"no match within {limit} Tabs; focus is on {focused(page)}")


def wait_for_swap(page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def sort_magnets_by_lead_time(page) -> None:
    """Keyboard only: Tab to the magnets' sort control and type "l" (Lead time); the options are
    re-sorted in place and focus stays on the control."""
    tab_until(page, lambda f: f["id"] == "sort-magnet", limit=200)
    with page.expect_response(lambda r: "sort_magnet=lead_time" in r.url):
        page.keyboard.press("l")
    wait_for_swap(page)
    page.wait_for_function("() => document.activeElement.id === 'sort-magnet'")
    assert page.eval_on_selector("#sort-magnet", "s => s.value") == "lead_time"
    leads = page.eval_on_selector_all(
        "#slot-magnet tr.option-feasible td.num.small:not(.cost-per-kit)",
        "cells => cells.map(td => parseInt(td.textContent, 10))")
    assert leads and leads == sorted(leads)


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("390", PHONE)])
def test_a_keyboard_only_buyer_builds_a_valid_kit(live_server, buyer, browser, size, viewport):
    load_demo_catalog()
    page = new_page(browser, viewport)
    base = live_server.url
    page.goto(base + "/accounts/login/")
    # The sign-in form has focus on load: type, Tab, type, Enter.
    page.keyboard.type("buyer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")

    tab_until(page, lambda f: f["text"] == "New configuration")
    page.keyboard.press("Enter")
    page.wait_for_url("**/configurations/new/")
    tab_until(page, lambda f: f["id"] == "id_name")
    page.keyboard.type("Keyboard-built e-axle")
    tab_until(page, lambda f: f["id"] == "id_template")
    page.keyboard.press("m")  # selects by first letter: Motor-core package
    assert page.eval_on_selector("#id_template", "s => s.value") == "motor-core-package"
    for field, value in (("id_dc_bus_voltage_v", "400"), ("id_max_speed_rpm", "13500"),
                         ("id_max_magnet_temp_c", "150"), ("id_max_winding_temp_c", "180")):
        tab_until(page, lambda f, field=field: f["id"] == field)
        page.keyboard.press("Control+a")
        page.keyboard.type(value)
    tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"].startswith("Create"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/configurations/\d+/$"))

    for slot in SLOTS:
        if slot == "magnet":
            sort_magnets_by_lead_time(page)
        # From wherever focus is, Tab forward to this slot's first part that fits.
        tab_until(page, lambda f, slot=slot: f["slot"] == f"slot-{slot}" and f["tag"] == "BUTTON"
                  and "option-feasible" in f["row"], limit=200)
        with page.expect_response(lambda r: "/choose/" in r.url and r.request.method == "POST"):
            page.keyboard.press("Space" if slot == "magnet" else "Enter")
        wait_for_swap(page)
        # Focus stayed on the slot that changed: its heading, not the top of the page.
        page.wait_for_function(f"() => document.activeElement.id === 'slot-{slot}-h'")
        live = page.locator("#live-region")
        assert live.get_attribute("aria-live") == "polite"
        page.wait_for_function("() => document.getElementById('live-region').textContent.trim() !== ''")
    page.screenshot(path=str(ARTIFACTS / f"{size}-keyboard-built-kit.png"), full_page=True)
    assert page_overflow(page) == 0, f"scrolls sideways: {', '.join(widest_elements(page))}"
    assert page.locator("#status").inner_text() == "valid"
    page.wait_for_function(
        "() => document.getElementById('live-region').textContent.includes('Configuration is valid')")
    assert not serious_violations(page)  # after ten swaps, too
    # The drawing shows the chosen stator and rotor with their air gap.
    assert "Air gap" in page.locator("#core-section").text_content()

    # The slot links at the top of the builder jump straight to a slot's heading.
    page.keyboard.press("Shift+Tab")  # away from the last slot's heading
    tab_until(page, lambda f: f["tag"] == "A" and f["text"].startswith("Resolver"), backwards=True, limit=250)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'slot-resolver-h'")

    # The program schedule, keyboard only; focus comes back to its section after the save.
    tab_until(page, lambda f: f["id"] == "id_year_0", limit=250)
    page.keyboard.type("2028")
    page.keyboard.press("Tab")
    page.keyboard.type("20000")
    tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Save schedule")
    with page.expect_response(lambda r: "/schedule/" in r.url and r.request.method == "POST"):
        page.keyboard.press("Enter")
    wait_for_swap(page)
    page.wait_for_function("() => document.activeElement.id === 'sched-h'")
    assert page.locator("#id_kits_0").input_value() == "20000"
    # The next Tab from the heading is the schedule's first field, not the top of the page.
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_year_0"
