"""The quote document of a real priced quote, read as the buyer's purchasing department would.

A demo-catalog quote is priced by the services, its PDF rendered and read back with
``pdftotext``; each page is also saved as a PNG under ``test-artifacts/quote-pdf/``
(ignored by git) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from orders import services
from orders.models import Quote
from tests.factories import family_configuration, load_demo_catalog

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                       reason="needs poppler-utils"),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "quote-pdf"


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")


def _save_pages(path: Path, name: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    shutil.copyfile(path, ARTIFACTS / f"{name}.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture
def offer(buyer):
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency="KRW",
                                      annual_price_down_pct=Decimal("2")),
    )
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == Quote.Status.READY, quote.failure_reason
    path = Path(quote.document.path)
    pages = _save_pages(path, "offer")
    return quote, _text(path), pages


def test_the_offer_renders_every_page_to_png(offer):
    _quote, text, pages = offer
    assert len(pages) == text.count("\f") >= 4
    for png in pages:
        assert png.read_bytes().startswith(b"\x89PNG")
