"""The sales workspace in real headless Chromium: what a rep actually sees, measured."""

from __future__ import annotations

import pytest

from tests.e2e.test_buyer_journey import ARTIFACTS
from tests.factories import load_demo_catalog

pytestmark = [pytest.mark.e2e]

# Width the text needs vs. the width the input gives it (padding and the spin buttons off).
FITS = """(el) => {
  const cs = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = cs.font;
  const needed = ctx.measureText(el.value).width;
  const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 18;
  return {needed, room};
}"""


def test_a_capacity_of_four_million_is_fully_visible_in_its_input(live_server, sales_rep,
                                                                   browser_page):
    from parts.models import Part

    load_demo_catalog()
    part = Part.objects.order_by("sku").first()
    Part.objects.filter(pk=part.pk).update(annual_capacity=4_000_000, moq=1_500_000)
    page = browser_page
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "sales")
    page.fill("#id_password", "pw-for-tests-2026")
    with page.expect_navigation():  # signed in before the next page is asked for
        page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/parts/part/{part.pk}/change/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-part-change.png"), full_page=True)
    for field in ("annual_capacity", "moq", "lead_time_days"):
        box = page.locator(f"#id_{field}")
        assert box.input_value() in ("4000000", "1500000") or field == "lead_time_days"
        size = box.evaluate(FITS)
        assert size["needed"] <= size["room"], (field, size)

    # A price change: refused without a reason, then recorded with it and shown field by field.
    page.fill("#id_price_tiers-0-unit_price", "52.10")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".errornote").is_visible()
    assert "Reason for change" in page.locator(".inline-group .errorlist").first.inner_text()
    page.fill("#id_change_reason", "supplier re-quote, steel surcharge")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".messagelist .success").is_visible()
    page.goto(f"{live_server.url}/admin/parts/part/{part.pk}/history/")
    page.screenshot(path=str(ARTIFACTS / "admin-part-history.png"), full_page=True)
    newest = page.locator("#change-history tbody tr").first.inner_text()
    assert "supplier re-quote, steel surcharge" in newest and "52.1" in newest
