"""The buyer's journey in real headless Chromium (Debian's), against a live server and a
real Celery worker. Screenshots of each step land in test-artifacts/e2e/."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS_ROOT
from tests.factories import family_configuration, load_demo_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.worker]

ARTIFACTS = ARTIFACTS_ROOT / "e2e"
ARTIFACTS.mkdir(parents=True, exist_ok=True)
class Journey:
    def __init__(self, page, base: str) -> None:
        self.page, self.base, self.step = page, base, 0

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.step:02d}-{name}.png"), full_page=True)

    def htmx(self, locator, url_part: str) -> None:
        """Click something that posts through htmx and wait until the builder is swapped in."""
        with self.page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
            locator.click()
        self.page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping')")

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto(self.base + "/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.shot("sign-in")
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/")


def pdf_pages_as_png(pdf) -> None:
    """Each page of the quote document as a PNG beside it (quote-1.png, ...), to look at; needs
    poppler's pdftoppm, and is skipped without it (the PDF itself is still checked)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(pdf.with_suffix(""))],
                       check=True, timeout=60)
        assert list(pdf.parent.glob(pdf.stem + "-*.png"))


def test_buyer_builds_quotes_and_orders_a_motor_core_package(live_server, start_worker, buyer,
                                                             browser_page):
    load_demo_catalog()
    start_worker()
    page = browser_page
    j = Journey(page, live_server.url)
    j.sign_in("buyer", "pw-for-tests-2026")
    j.shot("home")

    page.get_by_role("link", name="New configuration").first.click()
    page.get_by_label("Name").fill("Aurora EV-7 front e-axle")
    page.get_by_label("Kit").select_option("motor-core-package")
    page.get_by_label("Sourcing policy").select_option("china-excluded")
    page.get_by_label("DC bus voltage (V)").fill("400")
    page.get_by_label("Maximum speed (rpm)").fill("13500")
    page.get_by_label("Magnet temperature (°C)").fill("150")
    page.get_by_label("Winding temperature (°C)").fill("180")
    j.shot("new-configuration")
    page.get_by_role("button", name="Create and choose parts").click()
    page.wait_for_url("**/configurations/*/")
    builder_url = page.url

    # Fill every slot with the first part the configurator offers as fitting.
    slots = ["rotor_core", "magnet", "shaft", "end_plate", "resolver", "stator_core", "winding",
             "insulation", "busbar", "temperature_sensor"]
    for slot in slots:
        first_fit = page.locator(f"#slot-{slot} tr.option-feasible button").first
        first_fit.wait_for()
        j.htmx(first_fit, "/choose/")
        assert page.url == builder_url  # updated in place, no navigation
    j.shot("all-slots-filled")
    assert page.locator("#status").inner_text() == "valid"

    # Choose a part the configurator marks as excluded: the violation appears ...
    excluded = page.locator("#slot-magnet tr.option-excluded", has_text="ORIGIN_EXCLUDED").first
    excluded.locator("summary, button").last.wait_for(state="attached")
    page.locator("#slot-magnet summary").click()
    j.htmx(excluded.get_by_role("button", name="Choose"), "/choose/")
    assert "ORIGIN_EXCLUDED" in page.locator("#violations").inner_text()
    assert page.locator("#status").inner_text() == "has errors"
    j.shot("violation")
    # ... and one suggested fix removes it.
    j.htmx(page.locator("#repairs button").first, "/repair/")
    assert page.locator("#status").inner_text() == "valid"
    j.shot("fixed-by-suggestion")

    # The program: three delivery years.
    for i, (year, kits) in enumerate([(2028, 20000), (2029, 60000), (2030, 100000)]):
        page.get_by_label(f"Year {i + 1}", exact=True).fill(str(year))
        page.get_by_label(f"Kits in year {i + 1}").fill(str(kits))
    j.htmx(page.get_by_role("button", name="Save schedule"), "/schedule/")
    j.shot("schedule")

    page.get_by_label("Currency").select_option("KRW")
    page.get_by_role("button", name="Request a quote").click()
    page.wait_for_url("**/quotes/*/")
    j.shot("quote-requested")
    # The page follows the worker by itself: no reload.
    page.locator("#download-pdf").wait_for(timeout=90_000)
    assert "KRW" in page.locator("#quote-total").inner_text()
    assert page.locator("#quote-years tbody tr").count() == 3
    j.shot("quote-ready")

    with page.expect_download() as download:
        page.locator("#download-pdf").click()
    pdf = ARTIFACTS / "quote.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:4] == b"%PDF"
    pdf_pages_as_png(pdf)

    # Placing the order is deliberate: a confirmation step with the terms, the buyer's PO
    # number and a checkbox; without them nothing is ordered.
    page.get_by_role("link", name="Accept and place the order").click()
    page.wait_for_url("**/quotes/*/accept/")
    terms = page.locator("#order-terms").inner_text()
    assert "KRW" in terms and "FCA" in terms and "60 days net" in terms
    # A plain form post: wait for the answer page, not the click, before reading it.
    with page.expect_navigation():
        page.get_by_role("button", name="Place the order").click()
    expect(page.get_by_text("Confirm the terms to place the order.")).to_be_visible()
    j.shot("place-order-incomplete")
    page.get_by_label("Your purchase-order number").fill("4500012345")
    page.get_by_label("I accept the quote's terms").check()
    j.shot("place-order")
    page.get_by_role("button", name="Place the order").click()
    page.wait_for_url("**/orders/*/")
    assert page.locator("#deliveries tbody tr").count() == 3
    assert page.locator("#po-number").inner_text() == "4500012345"
    j.shot("order")
    page.get_by_role("link", name="Orders", exact=True).click()
    # The click returns once the new URL commits, before the list is parsed: count once it is.
    page.wait_for_url("**/orders/")
    expect(page.locator("tbody tr")).to_have_count(1)
    j.shot("orders-list")


def test_another_organizations_configuration_is_404_by_url(live_server, buyer, make_user, make_org,
                                                           browser_page):
    load_demo_catalog()
    other = make_user("nordwerk", org=make_org("Nordwerk Automobil AG"))
    foreign = family_configuration(other.membership.organization, user=other)
    page = browser_page
    j = Journey(page, live_server.url)
    j.sign_in("buyer", "pw-for-tests-2026")
    response = page.goto(f"{live_server.url}/configurations/{foreign.pk}/")
    assert response.status == 404
    assert foreign.name not in page.content()
    j.shot("foreign-configuration-404")
