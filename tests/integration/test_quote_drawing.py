"""The quote PDF carries the motor core's cross-section, drawn from the quoted parts' frozen
specs, with the air gap written out; the builder page shows the same drawing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from orders import services
from orders.document_context import core_drawing_of
from orders.documents import render_quote_html
from tests.factories import family_configuration, load_demo_catalog

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "drawing"


@pytest.fixture
def ready_quote(db, buyer):
    load_demo_catalog()
    configuration = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(
        organization=buyer.membership.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=configuration.pk, currency="EUR"))
    return services.quote_generate(quote_id=quote.pk)


def test_the_drawing_is_built_from_the_frozen_stator_and_rotor_specs(ready_quote):
    drawing = core_drawing_of(ready_quote.pricing["parts"])
    stator = next(p for p in ready_quote.pricing["parts"] if p["category"] == "stator_core")
    rotor = next(p for p in ready_quote.pricing["parts"] if p["category"] == "rotor_core")
    assert f'r="{stator["specs"]["outer_diameter_mm"] / 2:g}"' in drawing["svg"]
    assert f'r="{rotor["specs"]["outer_diameter_mm"] / 2:g}"' in drawing["svg"]
    assert drawing["svg"].count('class="cs-slot"') == stator["specs"]["slots"]
    assert "Air gap 0.73 mm" in drawing["facts"]


def test_a_quote_without_a_stator_or_rotor_has_no_drawing_block():
    assert core_drawing_of([{"category": "magnet", "sku": "M", "specs": {"grade": "N48SH"}}]) == {
        "svg": "", "facts": []}


def test_the_quote_html_includes_the_drawing_in_the_bill_of_materials(ready_quote):
    from orders.document_context import build_context

    html = render_quote_html(build_context(ready_quote, ready_quote.pricing, ready_quote.pricing_date,
                                           ready_quote.valid_until))
    bom = html[html.index('id="bom"'):html.index('id="pricing"')]
    assert 'id="quote-core-section"' in bom
    assert "Motor core cross-section, to scale" in bom


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_the_pdf_shows_the_cross_section_with_its_air_gap(ready_quote):
    services.quote_document_render(quote_id=ready_quote.pk)
    ready_quote.refresh_from_db()
    pdf = ready_quote.document.read()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Motor core cross-section, to scale" in text
    assert "Air gap 0.73 mm" in text  # the SVG's own label, rendered as PDF text
    assert "Stator Ø264 mm" in text
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "quote.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(ARTIFACTS / "quote.pdf"),
                        str(ARTIFACTS / "quote-page")], check=True)
