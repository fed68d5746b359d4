"""The quote PDF: what a purchasing department reads in it, page by page.

The PDF is rendered once per module from ``quote_document_sample`` and read back
with poppler's ``pdftotext -layout`` so the assertions are on the text a person
sees, not on the HTML that produced it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from orders.documents import format_money, render_quote_html, render_quote_pdf, volume_amount_chart_svg
from tests.integration.quote_document_sample import build_sample_context

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="needs poppler-utils"
)


def _pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def context() -> dict:
    return build_sample_context()


@pytest.fixture(scope="module")
def pdf(context) -> bytes:
    return render_quote_pdf(context)


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    """One string per page (pdftotext ends every page with a form feed)."""
    return _pdf_text(pdf).split("\f")[:-1]


@pytest.fixture(scope="module")
def text(pages) -> str:
    return "\n".join(pages)


def _compliance_page(pages: list[str]) -> int:
    """1-based number of the page the compliance pack starts on."""
    return next(i for i, page in enumerate(pages, 1) if re.search(r"^\s*4 · Compliance pack\s*$", page, re.M))


# --------------------------------------------------------------------------- the PDF


def test_the_document_is_a_pdf_of_at_least_three_pages(pdf, pages):
    assert pdf.startswith(b"%PDF-")
    assert len(pages) >= 3


def test_the_sample_total_is_the_sum_of_the_year_amounts(context):
    years = context["years"]
    assert len(years) == 6 and len(context["bom"]) == 10
    assert all(y["amount"] == y["amount"].quantize(Decimal(1)) for y in years)
    assert all(y["unit_kit_price"] * y["kits"] == y["amount"] for y in years)
    assert context["quote"]["total"] == sum(y["amount"] for y in years)
    assert format_money(context["quote"]["total"], "KRW") == "KRW 783,172,640,000"


def test_the_cover_shows_the_quote_number_customer_and_contract_total(pages, context):
    cover = pages[0]
    assert "Quotation" in cover
    assert "Q-2026-000042" in cover and "version 2" in cover
    assert "Aurora Motors" in cover
    assert "Dana Whitfield <buyer@aurora.example>" in cover
    assert "KRW 783,172,640,000" in cover
    assert "2026–2031" in cover
    assert "2025-09-30" in cover  # valid until
    assert "China excluded" in cover
    assert "DRAFT" not in cover


def test_every_page_has_the_quote_number_and_page_x_of_y_in_its_footer(pages):
    assert "page 1 of" in pages[0]
    for number, page in enumerate(pages, 1):
        assert f"page {number} of {len(pages)}" in page
        assert "Quotation Q-2026-000042 v2" in page


def test_every_year_and_its_amount_are_listed(text, context):
    for year in context["years"]:
        pattern = rf"\s*{year['year']}\s+[\d,]+\s+KRW"
        line = next(line for line in text.splitlines() if re.match(pattern, line))
        assert format_money(year["amount"], "KRW") in line
        assert f"{year['kits']:,}" in line
        # The line reconciles as printed: unit kit price x kits = year amount.
        assert format_money(year["unit_kit_price"], "KRW") in line
    assert re.search(r"Contract total 2026–2031\s+1,340,000\s+KRW 783,172,640,000", text)


def test_every_bom_sku_is_listed(text, context):
    for line in context["bom"]:
        assert line["sku"] in text
    assert "Star Group Ind." in text and "Saigon Coil" in text
    assert "N48SH" in text


def test_the_pricing_terms_state_the_rounding_rule_and_price_down(text):
    flat = " ".join(text.split())
    assert "is rounded half-up once to the currency's minor unit" in flat
    assert "The year amount is that unit kit price × kits, exactly" in flat
    assert "the contract total is the sum of the year amounts" in flat
    assert "2.0 % a year" in flat


def test_index_values_and_exchange_rates_used_are_listed(text):
    flat = " ".join(text.split())
    assert "(index value − base value) × kg per unit" in flat
    assert re.search(r"NDPR_OXIDE\s+2025-06-01\s+59\.90\s+USD/kg", text)
    assert re.search(r"2025-06-01\s+1 USD in KRW\s+1,372\.90", text)
    # Stored rates carry ten decimals; the document prints the digits that mean something.
    assert "1,372.9000" not in text and "59.900000" not in text
    # The magnet's pass-through is shown at full precision, not rounded to cents.
    assert "USD -0.00242" in text


def test_the_compliance_pack_starts_on_its_own_page(pages):
    number = _compliance_page(pages)
    assert number > 1
    first = pages[number - 1]
    assert "Exchange rates used" not in first
    assert "China excluded" in first
    assert "POSCO INTERNATIONAL press release" in first


def test_the_compliance_pack_gives_a_verdict_per_delivery_year(text, context):
    for entry in context["compliance"]["per_year"]:
        line = next(line for line in text.splitlines() if re.match(rf"\s*{entry['year']}\s+v1\s", line))
        assert ("Not compliant" in line) is (not entry["compliant"])
    assert re.search(r"2029\s+v1\s+Not compliant\s+CAPACITY", text)
    assert "1 evidence warning" in text  # the expired sensor audit, listed in the evidence table
    assert re.search(r"AUD-2024-0212\s+2025-03-31\s+2026–2031\s+\S+\s+manufacturing\s+\(expired\)", text)


def test_the_compliance_pack_gives_each_parts_provenance_with_evidence(text, context):
    for part in context["compliance"]["parts"]:
        assert part["sku"] in text
    # Valid on the pricing day, but it lapses before the 2028 deliveries: the pack says so.
    assert re.search(
        r"Mining\s+Australia \(AU\)\s+Lynas Rare Earths\s+COO-2025-0117\s+2027-09-30\s+valid; renew for", text
    )
    assert re.search(r"AUD-2024-0212\s+2025-03-31\s+expired", text)


# --------------------------------------------------------------------------- variants (HTML is enough)


def test_a_quote_not_yet_offered_carries_a_draft_band():
    html = render_quote_html(build_sample_context(status="pricing"))
    assert "DRAFT — not yet approved" in html
    for status in ("ready", "sent", "accepted"):
        assert "DRAFT — not yet approved" not in render_quote_html(build_sample_context(status=status))


def test_a_missing_required_stage_is_flagged():
    context = build_sample_context()
    magnet = context["compliance"]["parts"][1]
    magnet["stages"] = [s for s in magnet["stages"] if s["stage"] != "separation"]
    magnet["missing_stages"] = ["separation"]
    html = render_quote_html(context)
    assert "required stage missing" in html
    assert re.search(r"<td>Separation</td><td colspan=\"5\">MISSING — required stage not declared</td>", html)


def test_each_year_names_the_rule_pack_version_in_force():
    context = build_sample_context()
    context["compliance"]["per_year"][0]["version"] = "2019"
    context["compliance"]["per_year"][1]["version"] = "v2027"
    html = render_quote_html(context)
    assert "<td>v2019</td>" in html and "<td>v2027</td>" in html


def test_the_html_escapes_its_data_and_references_nothing_external(context):
    html = render_quote_html(context)
    assert "Dana Whitfield &lt;buyer@aurora.example&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|url\(|@import|@font-face""", html)


def test_the_document_renders_a_draft_in_another_currency():
    context = build_sample_context(status="draft")
    context["quote"]["currency"] = "USD"
    context["quote"]["total"] = Decimal("565432109.87")
    for year in context["years"]:
        year["unit_kit_price"] = Decimal("421.9654")
        year["amount"] = Decimal("94237355.00")
    text = _pdf_text(render_quote_pdf(context))
    assert "USD 565,432,109.87" in text
    assert "USD 421.97" in text
    assert "DRAFT" in text


def test_page_one_and_the_compliance_page_render_to_png(pdf, pages, tmp_path):
    """The images a reviewer looks at; here only checked to exist and not be blank."""
    path = tmp_path / "quote.pdf"
    path.write_bytes(pdf)
    for number in (1, _compliance_page(pages)):
        prefix = tmp_path / f"page-{number}"
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", str(number), "-l", str(number), "-singlefile",
             str(path), str(prefix)],
            check=True,
        )
        png = prefix.with_suffix(".png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000


# --------------------------------------------------------------------------- format_money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("152345678901"), "KRW", "KRW 152,345,678,901"),
        (Decimal("152345678900.5"), "KRW", "KRW 152,345,678,901"),  # half-up, never banker's
        (Decimal("1234.5"), "KRW", "KRW 1,235"),
        (Decimal("0"), "KRW", "KRW 0"),
        (Decimal("999"), "KRW", "KRW 999"),
        (Decimal("1000000000000"), "KRW", "KRW 1,000,000,000,000"),
        (Decimal("1234.5"), "USD", "USD 1,234.50"),
        (Decimal("9876"), "EUR", "EUR 9,876.00"),
        (Decimal("0.005"), "USD", "USD 0.01"),
        (Decimal("0.125"), "EUR", "EUR 0.13"),
        (Decimal("987654321012.345"), "USD", "USD 987,654,321,012.35"),
        (Decimal("-1234.5"), "KRW", "KRW -1,235"),
        (Decimal("-1234.567"), "USD", "USD -1,234.57"),
        (Decimal("-0.001"), "USD", "USD 0.00"),  # no negative zero
        (Decimal("1E+3"), "USD", "USD 1,000.00"),
    ],
)
def test_format_money(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_format_money_refuses_floats_and_unknown_currencies():
    with pytest.raises(TypeError):
        format_money(1234.5, "USD")
    with pytest.raises(TypeError):
        format_money(Decimal("NaN"), "USD")
    with pytest.raises(ValueError):
        format_money(Decimal("1"), "XYZ")


# --------------------------------------------------------------------------- chart


def test_the_chart_has_one_bar_and_one_point_per_year(context):
    svg = volume_amount_chart_svg(context["years"], "KRW")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="bar"') == len(context["years"]) == 6
    assert svg.count('class="point"') == 6
    assert svg.count("<polyline") == 1
    for year in context["years"]:
        assert f'data-year="{year["year"]}"' in svg
        assert f">{year['year']}</text>" in svg
    # Right axis in the currency, left axis in kits.
    assert "KRW 200 bn" in svg and "KRW 50 bn" in svg
    assert ">400k<" in svg


def test_the_chart_is_proportional():
    years = [
        {"year": 2030, "kits": 100, "amount": Decimal("1000.00")},
        {"year": 2031, "kits": 50, "amount": Decimal("500.00")},
    ]
    svg = volume_amount_chart_svg(years, "USD")
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', svg)]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2)
    assert "USD 1 k" in svg


def test_the_chart_of_an_empty_schedule_says_so():
    svg = volume_amount_chart_svg([], "EUR")
    assert 'class="bar"' not in svg and "No delivery schedule" in svg


def _word_boxes(pdf: bytes) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) for every word poppler finds."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    boxes, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        match = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', line)
        if match:
            boxes.append((page, *(float(match[i]) for i in range(1, 5)), match[5]))
    return boxes


def test_a_long_evidence_reference_wraps_inside_its_column():
    long_ref = "CERT-ORIGIN-AU-LYNAS-KALGOORLIE-2025-000117-REV-B"
    context = build_sample_context()
    magnet = next(p for p in context["compliance"]["parts"] if p["sku"].startswith("MAG-"))
    magnet["stages"][0]["evidence_reference"] = long_ref
    boxes = _word_boxes(render_quote_pdf(context))
    # The provenance row: the reference's pieces, then its expiry date on the same row.
    start = next(i for i, b in enumerate(boxes) if b[5].startswith("CERT-ORIGIN"))
    page, _x0, y_top, _x1, _y1, _w = boxes[start]
    expiry = next(b for b in boxes[start:] if b[5] == "2027-09-30" and b[0] == page)
    pieces = []
    for box in boxes[start:]:
        if box[5] == "2027-09-30":
            break
        pieces.append(box)
    assert "".join(b[5] for b in pieces) == long_ref  # all of it printed, over several lines
    assert len({round(b[2]) for b in pieces}) > 1
    # Nothing of it runs into the expiry column next to it.
    assert max(b[3] for b in pieces) < expiry[1]
    assert abs(expiry[2] - y_top) < 2


def test_a_draft_awaiting_approval_prints_no_price():
    """The page and the API hide the price of terms sales has not approved (domain.md
    section 7: "no final price"); the draft PDF printed every figure under its band."""
    offered = build_sample_context(status="ready")
    context = build_sample_context(status="awaiting_approval")
    context["quote"]["prices_withheld"] = True
    pdf = render_quote_pdf(context)
    text = " ".join(_pdf_text(pdf).split())
    figures = [format_money(offered["quote"]["total"], "KRW")]
    figures += [format_money(y[k], "KRW") for y in offered["years"] for k in ("amount", "unit_kit_price")]
    assert all(f in " ".join(_pdf_text(render_quote_pdf(offered)).split()) for f in figures)
    assert not [f for f in figures if f in text]
    assert "DRAFT" in text and "Awaiting approval" in text
    assert "no price is given until they are approved" in text
    assert "pending" in text
    body = render_quote_html(context).split("</style>")[-1]
    assert 'class="chart-figure"' not in body  # the chart plotted the year amounts
    assert 'class="chart-figure"' in render_quote_html(offered).split("</style>")[-1]
