"""The quote document: the A4 PDF an automaker's purchasing department files.

``render_quote_pdf(context)`` takes a plain snapshot of an issued quote (dicts and
lists; money as ``Decimal``, dates as ``date``) and returns PDF bytes. All the
formatting happens here, in Python, so the template only lays out strings; the
stylesheet ``templates/orders/quote_document.css`` is read once and inlined.

Nothing is ever fetched: the document has no external resources, the chart is an
inline SVG built as a string, the font is DejaVu Sans from the system, and the
URL fetcher refuses every protocol but ``data:``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from html import escape
from pathlib import Path

from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from core.domain.money import format_money, group, minor_units
from orders.domain import quote_states
from parts.domain.provenance import STAGE_LABELS

__all__ = ["format_money", "render_quote_html", "render_quote_pdf", "volume_amount_chart_svg"]

TEMPLATE_NAME = "orders/quote_document.html"
STYLESHEET_NAME = "orders/quote_document.css"

# The quote is offered to the buyer in these states; anything else is a draft.
OFFERED_STATUSES = quote_states.BINDING
STATUS_LABELS = {
    "ready": "Offered",
    "sent": "Offered (sent)",
    "accepted": "Accepted",
    "awaiting_approval": "Draft — awaiting approval",
    "superseded": "Superseded",
    "expired": "Expired",
    "rejected": "Rejected",
}
# Per-part prices: this many delivery years side by side, so a long program never overflows A4.
YEARS_PER_TABLE = 5

EVIDENCE_CODES = frozenset({"EVIDENCE_EXPIRED", "EVIDENCE_RENEWAL"})
EVIDENCE_LABELS = {"valid": "valid", "expired": "expired", "none": "no evidence", "renew": "valid; renew"}

_NBSP = "\u00a0"


# --------------------------------------------------------------------------- formatting


def _require_decimal(amount: object) -> Decimal:
    # A float here means money went through binary floating point somewhere upstream.
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError(f"money must be a finite Decimal, got {amount!r}")
    return amount


def _format_unit_price(amount: Decimal, currency: str, *, max_places: int = 6) -> str:
    """A unit price or adjustment as precise as it is (up to ``max_places``), at least to the minor unit.

    A magnet's index adjustment of USD -0.00242 must not print as USD 0.00.
    """
    amount = _require_decimal(amount)
    minor = minor_units(currency)
    places = max(minor, min(max_places, -amount.normalize().as_tuple().exponent))
    return f"{currency} {group(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))}"


def _format_decimal(value: Decimal, *, min_places: int = 2, max_places: int = 6) -> str:
    """``1,385.20``, ``247.00``, ``0.0135``: as precise as the number is, within bounds.

    Stored rates and index values carry the column's ten decimals (1,385.2000000000);
    a reader wants the digits that mean something.
    """
    value = _require_decimal(value)
    places = max(min_places, min(max_places, -value.normalize().as_tuple().exponent))
    return group(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _year_span(years: list[int]) -> str:
    """``2028–2031``, ``2026, 2028–2029``: runs of consecutive years."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _compact_money(amount: Decimal, currency: str) -> str:
    """``KRW 152.3 bn``: for chart axes, one decimal, a trailing ``.0`` dropped."""
    amount = _require_decimal(amount)
    for threshold, suffix in ((Decimal(10) ** 9, " bn"), (Decimal(10) ** 6, " m"), (Decimal(10) ** 3, " k")):
        if abs(amount) >= threshold:
            scaled = (amount / threshold).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            text = group(scaled)
            return f"{currency} {text.removesuffix('.0')}{suffix}"
    if amount == 0:
        return f"{currency} 0"
    return format_money(amount, currency)


def _format_int(value: int) -> str:
    return f"{value:,}"


def _format_count(value: int) -> str:
    """Axis labels: 320k, 1.2m."""
    if abs(value) >= 1_000_000:
        return group((Decimal(value) / 1_000_000).quantize(Decimal("0.1"))).removesuffix(".0") + "m"
    if abs(value) >= 10_000:
        return group((Decimal(value) / 1_000).quantize(Decimal("0.1"))).removesuffix(".0") + "k"
    return _format_int(value)


def _format_pct(value: Decimal) -> str:
    return f"{group(_require_decimal(value))}{_NBSP}%"


def _format_date(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def _format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d %H:%M")


def _version_label(version: object) -> str:
    """Rule-pack versions read ``v2027`` whether stored as ``2027`` or ``v2027``, and a custom
    policy's ``c2`` reads ``v2``."""
    text = str(version or "").strip()
    if not text:
        return "—"
    if text[0] == "c" and text[1:].isdigit():  # a custom policy's version: c2 reads v2 (vc2 did)
        text = text[1:]
    return text if text[0] in "vV" else f"v{text}"


def _rule_versions(per_year: list[dict]) -> list[dict]:
    """The rule-pack versions that judged the delivery years, each once with its years and
    what it forbids (quotes priced before the rule text was frozen have none to show)."""
    versions: dict[tuple[str, str], list[int]] = {}
    for entry in per_year:
        if entry["rule"]:
            versions.setdefault((entry["version"], entry["rule"]), []).append(entry["year"])
    return [{"version": version, "rule": rule, "years": _year_span(years)}
            for (version, rule), years in versions.items()]


def _stage_label(code: str) -> str:
    return STAGE_LABELS.get(code, code.replace("_", " ").capitalize())


# --------------------------------------------------------------------------- chart

_CHART_W, _CHART_H = 640, 250
_PLOT_X0, _PLOT_X1, _PLOT_Y0, _PLOT_Y1 = 62, 560, 34, 212
_TICKS = 4
_TENTH = Decimal("0.1")


def _nice_step(maximum: Decimal, ticks: int) -> Decimal:
    """The smallest 1/2/2.5/5 x 10^n step whose ``ticks`` multiples cover ``maximum``."""
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / ticks
    exponent = raw.adjusted()
    mantissa = raw.scaleb(-exponent)
    for nice in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if mantissa <= nice:
            return nice.scaleb(exponent)
    return Decimal(10).scaleb(exponent)  # pragma: no cover (mantissa < 10 by construction)


def _c(value: Decimal) -> str:
    """An SVG coordinate, to a tenth of a point."""
    return str(value.quantize(_TENTH, rounding=ROUND_HALF_UP))


def volume_amount_chart_svg(years: list[dict], currency: str) -> str:
    """Bars: kits per year (left axis); line and points: the year amount (right axis)."""
    currency_text = escape(currency)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_CHART_W} {_CHART_H}" '
        f'width="{_CHART_W}" height="{_CHART_H}" font-family="DejaVu Sans" font-size="10" fill="#3d4653" '
        f'role="img" aria-label="Kits and amount per year">'
    )
    if not years:
        return (f'{head}<text x="{_CHART_W // 2}" y="{_CHART_H // 2}" text-anchor="middle">'
                f"No delivery schedule</text></svg>")

    kits_step = max(_nice_step(Decimal(max(y["kits"] for y in years)), _TICKS), Decimal(1))
    amounts = [_require_decimal(y["amount"]) for y in years]
    amount_step = _nice_step(max(amounts), _TICKS)
    kits_top, amount_top = kits_step * _TICKS, amount_step * _TICKS

    x0, x1, y0, y1 = (Decimal(v) for v in (_PLOT_X0, _PLOT_X1, _PLOT_Y0, _PLOT_Y1))
    height = y1 - y0
    slot = (x1 - x0) / len(years)
    bar_w = slot * Decimal("0.56")

    def y_of(value: Decimal, top: Decimal) -> Decimal:
        return y1 - height * max(value, Decimal(0)) / top

    parts = [head]
    # Legend.
    parts.append(
        f'<rect x="{_PLOT_X0}" y="8" width="10" height="10" fill="#a9bccf"/>'
        f'<text x="{_PLOT_X0 + 15}" y="17">Kits per year (left axis)</text>'
        f'<line x1="{_PLOT_X0 + 190}" y1="13" x2="{_PLOT_X0 + 212}" y2="13" stroke="#1f3a5f" '
        f'stroke-width="2"/>'
        f'<circle cx="{_PLOT_X0 + 201}" cy="13" r="3.2" fill="#1f3a5f"/>'
        f'<text x="{_PLOT_X0 + 218}" y="17">Year amount, {currency_text} (right axis)</text>'
    )
    # Gridlines and both axes' labels: the scales share their tick positions.
    for i in range(_TICKS + 1):
        y = y1 - height * i / _TICKS
        stroke = "#8a949f" if i == 0 else "#e1e5ea"
        parts.append(f'<line x1="{_PLOT_X0}" y1="{_c(y)}" x2="{_PLOT_X1}" y2="{_c(y)}" stroke="{stroke}" '
                     f'stroke-width="0.8"/>')
        kits_label = _format_count(int(kits_step * i))
        amount_label = escape(_compact_money(amount_step * i, currency))
        baseline = _c(y + Decimal("3.5"))
        parts.append(f'<text x="{_PLOT_X0 - 6}" y="{baseline}" text-anchor="end">{kits_label}</text>')
        parts.append(f'<text x="{_PLOT_X1 + 6}" y="{baseline}">{amount_label}</text>')
    # Bars and year labels.
    points = []
    for i, year in enumerate(years):
        left = x0 + slot * i + (slot - bar_w) / 2
        centre = x0 + slot * i + slot / 2
        top = y_of(Decimal(year["kits"]), kits_top)
        parts.append(
            f'<rect class="bar" data-year="{int(year["year"])}" x="{_c(left)}" y="{_c(top)}" '
            f'width="{_c(bar_w)}" height="{_c(y1 - top)}" fill="#a9bccf"/>'
        )
        parts.append(
            f'<text x="{_c(centre)}" y="{_PLOT_Y1 + 15}" text-anchor="middle">{int(year["year"])}</text>'
        )
        points.append((centre, y_of(amounts[i], amount_top)))
    # The amount line on top of the bars.
    path = " ".join(f"{_c(x)},{_c(y)}" for x, y in points)
    parts.append(f'<polyline class="amount-line" points="{path}" fill="none" stroke="#1f3a5f" '
                 f'stroke-width="2" stroke-linejoin="round"/>')
    for x, y in points:
        parts.append(f'<circle class="point" cx="{_c(x)}" cy="{_c(y)}" r="3.6" fill="#1f3a5f" '
                     f'stroke="#ffffff" stroke-width="1.2"/>')
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- document model


# A draft whose terms await approval prints no price (its cells say so).
WITHHELD = "Awaiting approval"
WITHHELD_CELL = "pending"


def _prepare(context: dict) -> dict:
    """Everything the template shows, as display strings."""
    quote = context["quote"]
    currency = quote["currency"]
    years = context.get("years") or []
    compliance = context.get("compliance") or {}
    status = str(quote.get("status") or "")
    total_kits = sum(y["kits"] for y in years)

    first_year = years[0]["year"] if years else None
    last_year = years[-1]["year"] if years else None
    if first_year is None:
        program_span = "—"
    elif first_year == last_year:
        program_span = str(first_year)
    else:
        program_span = f"{first_year}–{last_year}"

    per_year = [
        {
            "year": entry["year"],
            "version": _version_label(entry.get("version")),
            "rule": entry.get("rule") or "",  # what that version forbids (quotes priced since)
            "compliant": bool(entry.get("compliant")),
            "findings": list(entry.get("findings") or []),
            "renewals": list(entry.get("renewals") or []),
        }
        for entry in compliance.get("per_year") or []
    ]
    evidence = [
        {
            "slot_label": doc.get("slot_label", ""),
            "sku": doc["sku"],
            "stage": doc.get("stage_label") or _stage_label(doc.get("stage", "")),
            "reference": doc["reference"],
            "expires": _format_date(doc.get("expires")),
            "expired": bool(doc.get("expired")),
            "renew": _year_span(doc.get("renew_years") or []),
            "renew_first": min(doc.get("renew_years") or [0]) or None,
        }
        for doc in compliance.get("evidence") or []
    ]
    to_renew = [doc for doc in evidence if doc["renew"]]
    renew_years = sorted({year for doc in compliance.get("evidence") or []
                          for year in doc.get("renew_years") or []})
    failing = [entry["year"] for entry in per_year if not entry["compliant"]]
    if not per_year:
        compliance_summary = "not evaluated"
    elif failing:
        compliance_summary = (f"not compliant in {len(failing)} of {len(per_year)} delivery years "
                              f"({', '.join(str(y) for y in failing)})")
    else:
        compliance_summary = f"compliant in all {len(per_year)} delivery years"
    # Never "compliant" next to evidence that lapses before a delivery without saying so.
    if per_year and to_renew:
        compliance_summary += (f"; {len(to_renew)} evidence document{'s' if len(to_renew) != 1 else ''} "
                               f"must be renewed before deliveries {_year_span(renew_years)} (section 4)")

    price_down = quote.get("annual_price_down_pct") or Decimal(0)
    discount = quote.get("manual_discount_pct") or Decimal(0)
    minor = minor_units(currency)
    if currency == "KRW":
        minor_unit_text = "whole won"
    else:
        minor_unit_text = "whole units" if minor == 0 else f"{minor} decimal places"

    index_links = context.get("index_links") or []
    if index_links:
        index_clause = (
            "Index-linked parts (section 3) are priced at their unit price + (index value − base value) "
            "× kg per unit, for each linked index. The index values are fixed at the values used on "
            f"the pricing date ({_format_date(quote.get('pricing_date'))}). At the start of each contract "
            "year (1 January) the adjustment is re-based: it is recomputed with the latest index value "
            "on or before that day against the same base values, the annual price-down applies to the "
            "adjusted price, and the year's unit kit price changes by the difference. Exchange rates stay "
            "those of section 3."
        )
    else:
        index_clause = ("No part of this kit is index-linked: unit prices change only by the annual "
                        "price-down.")
    status_label = STATUS_LABELS.get(status, status.replace("_", " ").capitalize() or "—")
    if status == "superseded" and quote.get("superseded_by"):
        status_label = f"Superseded by version {quote['superseded_by']}"
    terms = [
        ("Incoterms", f"{quote.get('incoterms') or 'FCA'} (Incoterms® 2020), named place as stated "
                      "in the purchase order."),
        ("Payment terms", f"{quote.get('payment_terms') or '60 days net'} from the date of invoice, "
                          f"in {currency}."),
        ("Annual price-down",
         f"{_format_pct(price_down)} a year, compounding: the unit prices of contract year k "
         f"({first_year or 'the first year'} is year 0) are multiplied by "
         f"(1{_NBSP}−{_NBSP}{_format_pct(price_down)})^k."),
        # What orders.selectors.pricing_input does: the tiers are discounted, the index
        # pass-through is not (it said "on every year line": 4 % gave 0.96005, not 0.96).
        ("Manual discount", "none" if discount == 0 else (
            f"{_format_pct(discount)} off every part's catalog unit price, in every year; the "
            "raw-material index adjustment is passed through undiscounted.")),
        ("Index adjustment", index_clause),
        ("Rounding",
         f"The unit kit price of each year (the sum of the part prices at full precision × quantity per "
         f"kit) is rounded half-up once to the currency's minor unit ({currency}: {minor_unit_text}). "
         f"The year amount is that unit kit price × kits, exactly; the contract total is the sum of "
         f"the year amounts."),
        ("Currency", f"All amounts in {currency}. Part prices in other currencies are converted at full "
                     f"precision with the exchange rates listed in section 3."),
        ("Validity", f"This quotation is valid until {_format_date(quote.get('valid_until'))}. It is a "
                     f"frozen snapshot priced on {_format_date(quote.get('pricing_date'))}: later catalog, "
                     f"price, index, rate or rule changes do not alter it; they produce a new version."),
        ("Status", f"Issued as: {status_label}."
                   + (" Not an offer: it does not bind either party." if status not in OFFERED_STATUSES
                      else " Accepting it requires the buyer's purchase-order number.")),
        ("Capacity", "Supplier capacity is shared by all customers and is reserved only when the "
                     "order is accepted; acceptance is refused if others have taken it since pricing."),
    ]

    price_places = minor + 2
    year_numbers = [y["year"] for y in years]
    by_year_rows = context.get("parts_by_year") or []
    parts_by_year = []
    for chunk in _chunks(list(range(len(year_numbers))), YEARS_PER_TABLE):
        if not chunk:
            break
        parts_by_year.append({
            "years": [year_numbers[i] for i in chunk],
            "rows": [
                {"slot_label": row.get("slot_label") or row.get("slot", ""), "sku": row["sku"],
                 "quantity": _format_int(row["quantity_per_kit"]),
                 "prices": [("—" if row["prices"][i] is None else
                             _format_decimal(row["prices"][i], min_places=price_places,
                                             max_places=price_places))
                            for i in chunk]}
                for row in by_year_rows
            ],
            # The header names the currency; the cells carry the figures only, so they fit.
            "kit": [format_money(years[i]["unit_kit_price"], currency).removeprefix(f"{currency} ")
                    for i in chunk],
        })

    policy = compliance.get("policy") or quote.get("sourcing_policy") or {}
    parts = []
    for part in compliance.get("parts") or []:
        parts.append({
            "sku": part["sku"],
            "name": part.get("name", ""),
            "slot_label": part.get("slot_label", ""),
            "supplier": part.get("supplier", ""),
            "stages": [
                {
                    "label": stage.get("stage_label") or _stage_label(stage["stage"]),
                    "country": stage.get("country", ""),
                    "country_name": stage.get("country_name") or stage.get("country", ""),
                    "company": stage.get("company") or "—",
                    "reference": stage.get("evidence_reference") or "—",
                    "expires": _format_date(stage.get("evidence_expires")),
                    "status": stage.get("evidence_status") or "none",
                    "status_label": EVIDENCE_LABELS.get(stage.get("evidence_status") or "none",
                                                        stage.get("evidence_status") or "")
                    + (f" for {_year_span(stage['renew_years'])}" if stage.get("renew_years") else ""),
                }
                for stage in part.get("stages") or []
            ],
            "missing": [_stage_label(code) for code in part.get("missing_stages") or []],
        })

    withheld = bool(quote.get("prices_withheld"))
    if withheld:
        parts_by_year = []  # the template says where they will be
    return {
        "title": f"Quotation {quote['number']} v{quote['version']}",
        "prices_withheld": withheld,
        "seller": quote.get("seller") or "corekit",
        "number": quote["number"],
        "version": quote["version"],
        "reference": f"{quote['number']} v{quote['version']}",
        "status": status,
        "status_label": status_label,
        "is_draft": status not in OFFERED_STATUSES,
        "band": ("" if status in OFFERED_STATUSES else
                 "SUPERSEDED" if status == "superseded" else
                 "EXPIRED" if status == "expired" else
                 "REJECTED" if status == "rejected" else "DRAFT"),
        "band_note": ((f"replaced by version {quote['superseded_by']}" if quote.get("superseded_by")
                       else "replaced by a later version") + "; no longer offered" if status == "superseded"
                      else "not an offer" if status in quote_states.CLOSED_WITHOUT_ORDER
                      else "not yet approved"),
        "issuer": quote.get("issuer") or {"name": quote.get("seller") or "corekit", "address": ""},
        "customer": quote.get("customer") or {"legal_name": quote.get("organization") or "—", "address": ""},
        "incoterms": quote.get("incoterms") or "FCA",
        "payment_terms": quote.get("payment_terms") or "60 days net",
        "parts_by_year": parts_by_year,
        "index_links": [
            {"sku": link["sku"], "index": link["index"],
             "base": f"{link['currency']} {_format_decimal(link['base_value'])}",
             "kg": _format_decimal(link["kg_per_unit"], min_places=1, max_places=6)}
            for link in index_links
        ],
        "evidence": evidence,
        "to_renew": len(to_renew),
        "undocumented": [
            {"slot_label": row.get("slot_label", ""), "sku": row["sku"],
             "stage": row.get("stage_label") or _stage_label(row.get("stage", "")),
             "country": row.get("country", ""), "company": row.get("company") or "—"}
            for row in compliance.get("undocumented") or []
        ],
        "currency": currency,
        "organization": quote.get("organization") or "—",
        "requested_by": quote.get("requested_by") or "—",
        "configuration_name": quote.get("configuration_name") or "—",
        "template_name": quote.get("template_name") or "—",
        "created_at": _format_datetime(quote.get("created_at")),
        "pricing_date": _format_date(quote.get("pricing_date")),
        "valid_until": _format_date(quote.get("valid_until")),
        "generated_at": _format_datetime(context.get("generated_at")),
        "program_span": program_span,
        "program_years": len(years),
        "total_kits": _format_int(total_kits),
        "total": WITHHELD if withheld else format_money(quote["total"], currency),
        "sourcing_policy": quote.get("sourcing_policy") or policy,
        "compliance_summary": compliance_summary,
        "compliance_ok": not failing,
        "compliance_class": "bad" if failing else ("warn" if per_year and to_renew else "ok"),
        "requirements": list(context.get("requirements") or []),
        "bom": [
            {
                "slot_label": line.get("slot_label") or line.get("slot", ""),
                "sku": line["sku"],
                "name": line.get("name", ""),
                "supplier": line.get("supplier", ""),
                "supplier_country": line.get("supplier_country", ""),
                "quantity": _format_int(line["quantity"]),
                "lead_time": f"{line['lead_time_days']}{_NBSP}days" if line.get("lead_time_days") else "—",
                "specs": list(line.get("specs") or []),
            }
            for line in context.get("bom") or []
        ],
        "years": [
            {
                "year": y["year"],
                "kits": _format_int(y["kits"]),
                "unit_kit_price": WITHHELD_CELL if withheld else format_money(y["unit_kit_price"], currency),
                "amount": WITHHELD_CELL if withheld else format_money(y["amount"], currency),
            }
            for y in years
        ],
        # Safe: built here from numbers, with every piece of text escaped.
        "chart_svg": "" if withheld else mark_safe(volume_amount_chart_svg(years, currency)),
        "terms": terms,
        "parts_pricing": [
            {
                "sku": p["sku"],
                "slot": p.get("slot_label") or p.get("slot", "").replace("_", " "),
                "tier": _format_int(p["tier_min_qty"]),
                "base": (WITHHELD_CELL if withheld else
                         _format_unit_price(p["base_unit_price"], p["currency"])),
                "adjustment": (WITHHELD_CELL if withheld else
                               _format_unit_price(p["index_adjustment"], p["currency"])
                               if p.get("index_adjustment") else "—"),
                "unit": WITHHELD_CELL if withheld else _format_unit_price(
                    p["base_unit_price"] + (p.get("index_adjustment") or Decimal(0)), p["currency"]),
                "quantity": _format_int(p["quantity_per_kit"]),
            }
            for p in context.get("parts_pricing") or []
        ],
        "parts_pricing_year": first_year,
        "index_values": [
            {"index": v["index"], "unit": v.get("unit", ""), "date": _format_date(v["date"]),
             "value": _format_decimal(v["value"], max_places=4)}
            for v in context.get("index_values") or []
        ],
        "exchange_rates": [
            {"date": _format_date(r["date"]), "from": r["from"], "to": r["to"],
             "rate": _format_decimal(r["rate"], max_places=6)}
            for r in context.get("exchange_rates") or []
        ],
        "policy": policy,
        "per_year": per_year,
        "rule_versions": _rule_versions(per_year),
        # Evidence findings are listed document by document in the evidence table instead.
        "warnings": [w for w in compliance.get("warnings") or [] if w.get("code") not in EVIDENCE_CODES],
        "evidence_warnings": sum(1 for w in compliance.get("warnings") or []
                                 if w.get("code") in EVIDENCE_CODES),
        "parts": parts,
    }


# --------------------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def _stylesheet() -> tuple[str, str]:
    """The stylesheet's text and the folder it lives in (the document's base URL)."""
    path = Path(get_template(STYLESHEET_NAME).origin.name)
    return path.read_text(encoding="utf-8"), path.parent.as_uri() + "/"


def render_quote_html(context: dict) -> str:
    css, _ = _stylesheet()
    # The stylesheet is our own file, not data: inline it as is.
    drawing = context.get("core_drawing") or {}
    return render_to_string(TEMPLATE_NAME, {
        "doc": _prepare(context), "css": mark_safe(css),
        # Safe: the drawing module builds the SVG from numbers and escapes every piece of text.
        "core_drawing": {"svg": mark_safe(drawing.get("svg") or ""), "facts": drawing.get("facts") or []},
    })


def render_quote_pdf(context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which web processes that never
    # render a quote should not pay for at start-up.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    _, base_url = _stylesheet()
    html = render_quote_html(context)
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
