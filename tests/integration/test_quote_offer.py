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

from core.services import commercial_terms_ensure
from orders import services
from orders.models import Quote
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

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
    mine = re.compile(rf"{re.escape(name)}-\d+\.png")
    for old in ARTIFACTS.iterdir():
        if mine.fullmatch(old.name):
            old.unlink()
    shutil.copyfile(path, ARTIFACTS / f"{name}.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)], check=True)
    return sorted(p for p in ARTIFACTS.iterdir() if mine.fullmatch(p.name))


@pytest.fixture
def offer(buyer):
    load_demo_catalog()
    # The supply agreement grants 2 % a year: the quote needs no approval and is offered.
    commercial_terms_ensure(organization=buyer.membership.organization, legal_name="Aurora Motors Inc.",
                            address="1 Motor Way, Detroit, MI 48201, United States",
                            agreed_price_down_pct=Decimal("2"))
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency="KRW",
                                      annual_price_down_pct=Decimal("2")),
    )
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == Quote.Status.READY, quote.failure_reason
    return quote, _text(Path(quote.document.path))


def test_the_offer_renders_every_page_to_png(offer):
    quote, text = offer
    pages = _save_pages(Path(quote.document.path), "offer")
    assert len(pages) == text.count("\f") >= 4
    for png in pages:
        assert png.read_bytes().startswith(b"\x89PNG")


def _pages(text: str) -> list[str]:
    return text.split("\f")[:-1]


MONEY = r"KRW ([\d,]+)"


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_every_year_line_reconciles_as_printed_and_as_stored(offer):
    quote, text = offer
    printed = {}
    for year in quote.pricing["years"]:
        match = re.search(rf"^\s*{year['year']}\s+([\d,]+)\s+{MONEY}\s+{MONEY}\s*$", text, re.M)
        assert match, year["year"]
        kits, unit, amount = int(match[1].replace(",", "")), _money(match[2]), _money(match[3])
        # What purchasing keys into its ERP: unit x quantity = amount, exactly.
        assert unit * kits == amount
        assert (kits, unit, amount) == (year["kits"], Decimal(year["unit_kit_price"]),
                                        Decimal(year["amount"]))
        printed[year["year"]] = amount
    assert sum(printed.values()) == quote.total
    assert f"KRW {quote.total:,.0f}" in text
    # The order stores the same figures.
    order, _ = services.quote_accept(quote=quote, **PLACE_ORDER)
    assert {d.year: d.amount for d in order.deliveries.all()} == printed


def test_the_offer_names_both_legal_entities_and_the_commercial_terms(offer, settings):
    _quote, text = offer
    cover = _pages(text)[0]
    assert settings.COREKIT_ISSUER_NAME in cover and "Seoul" in cover
    assert "SELLER" in cover and "BUYER" in cover and "Aurora Motors" in cover
    assert re.search(r"Incoterms\s+FCA \(Incoterms® 2020\)\s+Payment terms\s+60 days net", cover)
    assert re.search(r"Status\s+Offered", cover)
    flat = " ".join(text.split())
    assert "FCA (Incoterms® 2020), named place as stated in the purchase order." in flat
    assert "60 days net from the date of invoice, in KRW." in flat
    # The index adjustment clause: fixed at pricing, re-based each contract year on the same bases.
    assert "The index values are fixed at the values used on the pricing date" in flat
    assert "re-based: it is recomputed with the latest index value on or before that day against the " \
           "same base values" in flat
    assert re.search(r"MAG-N48SH-GD-4930-SGI-KR\s+NDPR_OXIDE\s+USD [\d.]+\s+0\.\d+", text)
    assert "This quotation is valid until" in flat and "Issued as: Offered." in flat
    assert "Acceptance" in text and "Purchase-order number" in text


def test_per_part_prices_are_given_for_every_delivery_year(offer):
    quote, text = offer
    years = [y["year"] for y in quote.pricing["years"]]
    header = re.search(r"PART\s+QTY /\s+" + r"\s+".join(map(str, years)), text)
    assert header, "a column per delivery year"
    for line in quote.snapshot["lines"]:
        cells = rf"((?:\s+[\d,]+\.\d\d){{{len(years)}}})"
        row = re.search(rf"{re.escape(line['sku'])}\s+{line['quantity']}{cells}", text)
        assert row, line["sku"]
        prices = [Decimal(p.replace(",", "")) for p in row[1].split()]
        expected = [next(Decimal(p["unit_price"]) for p in y["parts"] if p["sku"] == line["sku"])
                    for y in quote.pricing["years"]]
        assert prices == [e.quantize(Decimal("0.01")) for e in expected]
    kit_row = re.search(r"Unit kit price, KRW \(rounded\)((?:\s+[\d,]+)+)", text)
    assert [_money(k) for k in kit_row[1].split()] == [Decimal(y["unit_kit_price"])
                                                      for y in quote.pricing["years"]]


def test_the_bill_of_materials_follows_the_templates_slot_order_on_full_pages(offer):
    quote, text = offer
    bom_pages = [p for p in _pages(text) if "1 · Kit bill of materials" in p.splitlines()[0]]
    bom = "\n".join(bom_pages)
    skus = {line["slot"]: line["sku"] for line in quote.snapshot["lines"]}
    order = ["rotor_core", "magnet", "shaft", "end_plate", "resolver", "stator_core", "winding",
             "insulation", "busbar", "temperature_sensor"]
    positions = [bom.index(skus[slot]) for slot in order if slot in skus]
    assert positions == sorted(positions)
    # No page of the bill of materials holds a lone row (it used to strand the busbar).
    for page in bom_pages:
        assert sum(sku in page for sku in skus.values()) >= 2


def test_coded_spec_values_read_as_words(offer):
    _quote, text = offer
    assert "round wire" in text and "dysprosium (Dy)" in text and "NTC thermistor" in text
    for code in ("round_wire", "pt1000", " dy ", "dy_tb", "ntc "):
        assert code not in text


def test_index_values_and_rates_print_the_digits_that_matter(offer):
    quote, text = offer
    assert not re.search(r"\d\.\d{7,}", text), "no ten-decimal column values"
    assert not re.search(r"\d(USD|EUR|KRW)/kg", text), "value and unit never run together"
    for value in quote.pricing["index_values_used"]:
        shown = f"{Decimal(value['value']).quantize(Decimal('0.01')):,}"
        assert re.search(rf"{value['index']}\s+{value['date']}\s+{re.escape(shown)}\s+{value['unit']}", text)


def test_the_compliance_pack_says_which_evidence_lapses_before_which_deliveries(offer):
    quote, text = offer
    flat = " ".join(text.split())
    # Demo evidence lapses before the 2028 deliveries: never a bare "compliant".
    assert re.search(r"Compliant in all \d delivery years; \d+ evidence documents? must be renewed before "
                     r"deliveries 2028", flat)
    assert "Compliant if renewed" in text
    assert "EVIDENCE_RENEWAL" in {w["code"] for w in quote.pricing["warnings"]}
    evidence = flat[flat.index("Evidence documents"):flat.index("Covered stages declared without evidence")]
    for part in quote.pricing["parts"]:
        for stage in part["provenance"]:
            if stage["evidence_reference"]:
                assert stage["evidence_reference"] in evidence
    # The magnet's component manufacturing stage is declared without any evidence.
    start = flat.index("Covered stages declared without evidence")
    undocumented = flat[start:flat.index("Provenance by part")]
    assert "MAG-N48SH-GD-4930-SGI-KR Component KR Star Group Ind." in undocumented


def test_a_superseded_version_is_labelled_superseded_not_expired(offer, sales_rep):
    quote, _first_text = offer
    services.quote_requote(quote=quote, user=sales_rep)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SUPERSEDED
    reissued = services.quote_document_render(quote_id=quote.pk)
    path = Path(reissued.document.path)
    _save_pages(path, "superseded")
    text = _text(path)
    cover = " ".join(_pages(text)[0].split())
    assert "SUPERSEDED — replaced by version 2; no longer offered" in cover
    assert "Status Superseded by version 2" in cover
    assert "Expired" not in text and "DRAFT" not in text


def test_a_ten_year_euro_program_splits_the_per_year_prices_into_readable_tables(buyer, make_org):
    load_demo_catalog()
    commercial_terms_ensure(organization=buyer.membership.organization, agreed_price_down_pct=Decimal("3"))
    schedule = [(year, 40_000) for year in range(2028, 2038)]
    config = family_configuration(buyer.membership.organization, user=buyer, schedule=schedule)
    quote, _ = services.quote_request(
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency="EUR",
                                      annual_price_down_pct=Decimal("3")),
    )
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == Quote.Status.READY, quote.failure_reason
    path = Path(quote.document.path)
    _save_pages(path, "offer-eur-10y")
    text = _text(path)
    # Two tables of five years each, both closed by the rounded unit kit price.
    assert re.search(r"PART\s+QTY /\s+2028\s+2029\s+2030\s+2031\s+2032\s", text)
    assert re.search(r"PART\s+QTY /\s+2033\s+2034\s+2035\s+2036\s+2037\s", text)
    kit_rows = re.findall(r"Unit kit price, EUR \(rounded\)((?:\s+[\d,]+\.\d\d)+)", text)
    printed = [Decimal(k.replace(",", "")) for row in kit_rows for k in row.split()]
    assert printed == [Decimal(y["unit_kit_price"]) for y in quote.pricing["years"]]
    for year in quote.pricing["years"]:
        assert Decimal(year["unit_kit_price"]) * year["kits"] == Decimal(year["amount"])
        assert re.search(rf"{year['year']}\s+40,000\s+EUR {Decimal(year['unit_kit_price']):,}\s+"
                         rf"EUR {Decimal(year['amount']):,}", text)


@pytest.mark.django_db
def test_the_manual_discount_clause_says_what_the_numbers_do(buyer, settings):
    """The terms said "4.00 % on every year line"; the pricing takes it off the catalog
    unit prices only, the index pass-through stays whole (a kit price 0.96005 of the first
    version's, not 0.96): the clause now says so, and the numbers are checked against it."""
    from html import unescape

    from orders.document_context import build_context
    from orders.documents import render_quote_html

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization)
    v1, _ = services.quote_request(organization=buyer.membership.organization, user=buyer,
                                   request=services.QuoteRequest(configuration_id=config.pk, currency="USD"))
    v1 = services.quote_generate(quote_id=v1.pk)
    v2 = services.quote_requote(quote=v1, manual_discount_pct=Decimal("4"))
    v2 = services.quote_generate(quote_id=v2.pk)
    before = {p["sku"]: p for p in v1.pricing["years"][0]["parts"]}
    linked = 0
    for line in v2.pricing["years"][0]["parts"]:
        was = before[line["sku"]]
        assert Decimal(line["base_unit_price"]) == Decimal(was["base_unit_price"]) * Decimal("0.96")
        assert line["index_adjustment"] == was["index_adjustment"]
        linked += Decimal(line["index_adjustment"]) != 0
    assert linked, "the kit has an index-linked part (the case the clause is about)"
    html = render_quote_html(build_context(v2, v2.pricing, v2.pricing_date, v2.valid_until))
    flat = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert ("4.00 % off every part's catalog unit price, in every year; the raw-material index "
            "adjustment is passed through undiscounted.") in flat


def test_the_draft_of_terms_awaiting_approval_prints_no_price_until_approved(buyer, sales_rep, client,
                                                                            tmp_path):
    """The page and the API hid the price of terms sales had not approved; the draft PDF,
    served to the buyer at the same time, printed the total and every year's amount."""
    from orders.models import Quote

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(  # 4 % a year against an agreed 0 %: sales must approve
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency="USD",
                                      annual_price_down_pct=Decimal("4")))
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == Quote.Status.READY and quote.approval_pending
    total = f"{quote.total:,.2f}"
    client.force_login(buyer)
    draft = b"".join(client.get(f"/api/v1/quotes/{quote.pk}/document/").streaming_content)
    path = tmp_path / "draft.pdf"
    path.write_bytes(draft)
    text = " ".join(_text(path).split())
    assert "Awaiting approval" in text and "DRAFT" in text
    home = client.get("/").content.decode()  # it said "is ready", beside "awaiting approval"
    assert f"Quote {quote.number} v1 is awaiting corekit sales" in home
    assert f"Quote {quote.number} v1 is ready" not in home
    assert total not in text and f"{quote.pricing['years'][0]['amount']}" not in text.replace(",", "")
    services.quote_approve(quote=quote, user=sales_rep)
    services.quote_document_render(quote_id=quote.pk)  # what the worker does after approval
    path.write_bytes(b"".join(client.get(f"/api/v1/quotes/{quote.pk}/document/").streaming_content))
    assert total in " ".join(_text(path).split())
