"""What a priced quote freezes (JSON), and the quote document's context built from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from configurator.domain import drawing
from configurator.domain.context import slot_rank
from configurator.domain.sourcing import evidence_covers, evidence_renewal_years
from configurator.selectors import ALL_ORGANIZATIONS, sourcing_policy_judging
from core import clock
from orders.domain import quote_states
from orders.models import Quote
from orders.selectors import quote_terms
from parts.domain.provenance import COUNTRY_NAMES, STAGE_LABELS, missing_stages
from parts.domain.specs import CATEGORY_LABELS, spec_display_rows

SOURCING_CODES = {"ORIGIN_EXCLUDED", "ORIGIN_UNKNOWN", "ENTITY_RESTRICTED"}


def _s(value) -> str | None:
    return None if value is None else str(value)


def pricing_json(result, parts, snapshot, validation, index_units: dict[str, str]) -> dict:
    """The frozen pricing: year lines, per-part breakdown, inputs used, part data, verdicts.
    `parts`: the kit's part records (`orders.selectors.part_records`)."""
    policy = snapshot.policy
    years = [y.year for y in result.years]
    per_year = []
    for year in years:
        findings = [
            v for v in validation.violations
            if v.code in SOURCING_CODES and (not v.years or year in v.years)
        ]
        version = policy.version_in_force(dt.date(year, 1, 1))
        per_year.append({
            "year": year, "version": version.version if version else "",
            "rule": version.description if version else "",
            "compliant": not any(v.severity == "error" for v in findings),
            "findings": [f"{v.code}: {v.message}" for v in findings],
            # Evidence lapsing before this year's deliveries: "compliant" only if renewed.
            "renewals": [v.message for v in validation.violations
                         if v.code == "EVIDENCE_RENEWAL" and year in v.years],
        })
    by_sku = {p["sku"]: p for p in parts}
    quantities = {ln.part.sku: ln.quantity for ln in snapshot.lines}
    frozen = {
        "currency": result.currency,
        "total": str(result.total),
        "years": [
            {"year": y.year, "kits": y.kits, "unit_kit_price": str(y.unit_kit_price),
             "amount": str(y.amount),
             "parts": [{"sku": pl.sku, "slot": pl.slot, "units": pl.units,
                        "tier_min_qty": pl.tier_min_qty, "base_unit_price": str(pl.base_unit_price),
                        "index_adjustment": str(pl.index_adjustment),
                        "price_down_factor": str(pl.price_down_factor), "rate": str(pl.rate),
                        "unit_price": str(pl.unit_price), "amount": str(pl.amount)}
                       for pl in y.parts]}
            for y in result.years
        ],
        "index_values_used": [{"index": v.index, "unit": index_units.get(v.index, ""),
                               "date": v.date.isoformat(), "value": str(v.value)}
                              for v in result.index_values_used],
        "exchange_rates_used": [{"date": r.date.isoformat(), "from": r.from_currency,
                                 "to": r.to_currency, "rate": str(r.rate)}
                                for r in result.exchange_rates_used],
        "policy": {"code": policy.code, "name": policy.name, "source": policy.source,
                   "description": policy.description},
        "compliance_per_year": per_year,
        "warnings": [{"code": v.code, "message": v.message} for v in validation.warnings],
        "parts": [
            {
                "sku": part["sku"], "name": part["name"], "category": part["category"],
                "slot": ln.slot, "quantity": quantities[part["sku"]],
                "supplier": part["supplier"], "supplier_code": part["supplier_code"],
                "supplier_country": part["supplier_country"], "currency": part["currency"],
                "lead_time_days": part["lead_time_days"], "specs": part["specs"],
                "tiers": [{"min_qty": t["min_qty"], "unit_price": str(t["unit_price"])}
                          for t in part["tiers"]],
                # The base values the index clause re-bases against each contract year.
                "index_links": [{"index": link["index"], "base_value": str(link["base_value"]),
                                 "kg_per_unit": str(link["kg_per_unit"])}
                                for link in part["index_links"]],
                "provenance": [
                    {"stage": s["stage"], "country": s["country"], "company": s["company"],
                     "evidence_reference": s["evidence_reference"],
                     "evidence_expires": _s(s["evidence_expires"] and s["evidence_expires"].isoformat())}
                    for s in part["provenance"]
                ],
            }
            for ln in snapshot.lines
            for part in [by_sku[ln.part.sku]]
        ],
    }
    # The stages whose evidence the policy relied on, as it stood when priced: a document
    # issued again later (after an approval) lists the same ones, whatever became of the
    # policy since (a sales rep's custom policy edited or retired changed the list).
    frozen["evidence_covered"] = _stages_relied_on(
        frozen["parts"], _versions_for(policy, [y.year for y in result.years if y.kits], snapshot.today))
    return frozen


def _stage_row(stage: dict, today: dt.date, years: list[int]) -> dict:
    expires = dt.date.fromisoformat(stage["evidence_expires"]) if stage["evidence_expires"] else None
    renew = evidence_renewal_years(expires, years) if stage["evidence_reference"] else []
    if not stage["evidence_reference"]:
        status = "none"
    elif expires and expires < today:
        status = "expired"
    else:
        status = "renew" if renew else "valid"
    return {
        "renew_years": renew,
        "stage": stage["stage"], "stage_label": STAGE_LABELS.get(stage["stage"], stage["stage"]),
        "country": stage["country"], "country_name": COUNTRY_NAMES.get(stage["country"], stage["country"]),
        "company": stage["company"], "evidence_reference": stage["evidence_reference"],
        "evidence_expires": expires, "evidence_status": status,
    }


REQUIREMENT_LABELS = (
    ("dc_bus_voltage_v", "DC bus voltage", "V"),
    ("max_speed_rpm", "Maximum speed", "rpm"),
    ("max_magnet_temp_c", "Magnet temperature", "°C"),
    ("max_winding_temp_c", "Winding temperature", "°C"),
)


DEFAULT_INCOTERMS = "FCA"
DEFAULT_PAYMENT_TERMS = "60 days net"


def _commercial_terms(quote) -> dict:
    """The buyer's legal entity and terms frozen with the quote (kept by sales reps)."""
    organization = quote.organization
    try:
        terms = quote_terms(quote)
    except ObjectDoesNotExist:
        terms = {}
    country = COUNTRY_NAMES.get(organization.country, organization.country) if organization.country else ""
    incoterms = f"{terms.get('incoterms') or DEFAULT_INCOTERMS} {terms.get('incoterms_place', '')}".strip()
    return {
        "legal_name": terms.get("legal_name") or organization.name,
        "address": terms.get("address") or country,
        "incoterms": incoterms,
        "payment_terms": terms.get("payment_terms") or DEFAULT_PAYMENT_TERMS,
    }


def issued_status(quote) -> str:
    """The status the document is issued in (printed on it, and a draft band unless offered)."""
    status = quote.status
    if status == quote_states.SUPERSEDED:
        return status
    if quote.approval_required and quote.approved_at is None:
        return "awaiting_approval"
    if status in quote_states.PRINTED_AS_IS:
        return status
    return quote_states.READY


def _versions_for(policy, years: list[int], today: dt.date) -> list:
    days = [dt.date(year, 1, 1) for year in years] or [today]
    return list({v.version: v for v in map(policy.version_in_force, days) if v is not None}.values())


def _stages_relied_on(parts: list[dict], versions) -> list[list[str]]:
    """[sku, stage] of every declared stage whose evidence these rule versions rely on."""
    return sorted([p["sku"], stage["stage"]] for p in parts for stage in p["provenance"]
                  if any(evidence_covers(v.params, p["category"], stage["stage"]) for v in versions))


def _evidence(frozen: dict, policy, years: list[int], today: dt.date) -> tuple[list[dict], list[dict]]:
    """Every evidence document with the delivery years it must be renewed for, and the
    stages the policy relied on that were declared without evidence (as frozen with the
    quote; a quote priced before they were frozen asks the policy as it is now)."""
    relied_on = frozen.get("evidence_covered")
    if relied_on is None:
        relied_on = _stages_relied_on(frozen["parts"], _versions_for(policy, years, today))
    covered = {tuple(pair) for pair in relied_on}
    documents, undocumented = [], []
    for p in sorted(frozen["parts"], key=lambda p: slot_rank(p["slot"])):
        label = CATEGORY_LABELS.get(p["category"], p["slot"])
        for stage in p["provenance"]:
            row = {"sku": p["sku"], "slot_label": label, "stage": stage["stage"],
                   "stage_label": STAGE_LABELS.get(stage["stage"], stage["stage"]),
                   "country": stage["country"], "company": stage["company"]}
            if stage["evidence_reference"]:
                expires = (dt.date.fromisoformat(stage["evidence_expires"])
                           if stage["evidence_expires"] else None)
                documents.append({**row, "reference": stage["evidence_reference"], "expires": expires,
                                  "expired": bool(expires and expires < today),
                                  "renew_years": evidence_renewal_years(expires, years)})
            elif (p["sku"], stage["stage"]) in covered:
                undocumented.append(row)
    return documents, undocumented


def _superseded_by(quote) -> int | None:
    if quote.status != "superseded":
        return None
    newer = Quote.objects.filter(number=quote.number, organization_id=quote.organization_id,
                                 version__gt=quote.version)
    return newer.order_by("-version").values_list("version", flat=True).first()


def core_drawing_of(parts: list[dict]) -> dict:
    """The cross-section of the quoted stator and rotor (an SVG string, possibly empty) and its
    dimensions as sentences, from the parts' frozen specs."""
    stator, rotor = drawing.kit_core_sections((p["category"], p["sku"], p["specs"]) for p in parts)
    return {"svg": drawing.core_section_svg(stator, rotor, element_id="quote-core-section"),
            "facts": drawing.core_section_facts(stator, rotor)}


def build_context(quote, frozen: dict, pricing_date: dt.date, valid_until: dt.date) -> dict:
    snapshot = quote.snapshot
    # The quote was priced under this policy: find it whoever it belongs to.
    policy = sourcing_policy_judging(snapshot["sourcing_policy"], ALL_ORGANIZATIONS)  # retired too
    requester = quote.requested_by
    first_year = frozen["years"][0] if frozen["years"] else None
    terms = _commercial_terms(quote)
    part_rows = sorted(frozen["parts"], key=lambda p: slot_rank(p["slot"]))
    by_sku = {p["sku"]: p for p in frozen["parts"]}
    years = [y["year"] for y in frozen["years"] if y["kits"]]
    documents, undocumented = _evidence(frozen, policy, years, pricing_date)
    per_year = []
    for entry in frozen["compliance_per_year"]:
        renewals = [d["reference"] for d in documents if entry["year"] in d["renew_years"]]
        per_year.append({**entry, "renewals": renewals})
    return {
        "quote": {
            "number": quote.number, "version": quote.version,
            "status": issued_status(quote),
            # Terms sales has not approved: no price on the draft (domain.md section 7: the
            # buyer sees "awaiting approval" with no final price), as on the page and the API.
            "prices_withheld": quote.approval_pending,
            "superseded_by": _superseded_by(quote),
            "currency": quote.currency, "created_at": quote.created_at,
            "pricing_date": pricing_date, "valid_until": valid_until,
            "annual_price_down_pct": quote.annual_price_down_pct,
            "manual_discount_pct": quote.manual_discount_pct,
            "total": Decimal(frozen["total"]),
            "organization": quote.organization.name,
            "requested_by": (f"{requester.get_full_name() or requester.get_username()} <{requester.email}>"
                             if requester else "API"),
            "configuration_name": snapshot["configuration_name"],
            "template_name": snapshot["template_name"],
            # As priced (frozen), not as the policy reads now.
            "sourcing_policy": {key: frozen.get("policy", {}).get(key) or getattr(policy, key)
                                for key in ("code", "name", "source")},
            "seller": settings.COREKIT_ISSUER_NAME,
            "issuer": {"name": settings.COREKIT_ISSUER_NAME, "address": settings.COREKIT_ISSUER_ADDRESS},
            "customer": {"legal_name": terms["legal_name"], "address": terms["address"]},
            "incoterms": terms["incoterms"],
            "payment_terms": terms["payment_terms"],
        },
        "requirements": [
            (label, f"{Decimal(snapshot['requirements'][key]):,f} {unit}".replace(".0 ", " "))
            for key, label, unit in REQUIREMENT_LABELS if key in snapshot["requirements"]
        ],
        # The template's slot order (rotor core first), not the order lines were added in.
        "bom": [
            {"slot": p["slot"], "slot_label": CATEGORY_LABELS.get(p["category"], p["slot"]),
             "sku": p["sku"], "name": p["name"], "supplier": p["supplier"],
             "supplier_country": p["supplier_country"], "quantity": p["quantity"],
             "lead_time_days": p["lead_time_days"], "specs": spec_display_rows(p["category"], p["specs"])}
            for p in part_rows
        ],
        "years": [
            {"year": y["year"], "kits": y["kits"], "unit_kit_price": Decimal(y["unit_kit_price"]),
             "amount": Decimal(y["amount"])}
            for y in frozen["years"]
        ],
        "parts_pricing": sorted([
            {"sku": pl["sku"], "slot": pl["slot"],
             "slot_label": CATEGORY_LABELS.get(by_sku[pl["sku"]]["category"], pl["slot"]),
             "currency": by_sku[pl["sku"]]["currency"],
             "tier_min_qty": pl["tier_min_qty"], "base_unit_price": Decimal(pl["base_unit_price"]),
             "index_adjustment": Decimal(pl["index_adjustment"]),
             "quantity_per_kit": by_sku[pl["sku"]]["quantity"]}
            for pl in (first_year["parts"] if first_year else [])
        ], key=lambda r: slot_rank(r["slot"])),
        # Unit prices in the quote currency for every delivery year (after index, price-down
        # and conversion, at full precision): the breakdown of each year's unit kit price.
        "parts_by_year": [
            {"sku": p["sku"], "slot": p["slot"],
             "slot_label": CATEGORY_LABELS.get(p["category"], p["slot"]), "quantity_per_kit": p["quantity"],
             "prices": [next((Decimal(pl["unit_price"]) for pl in y["parts"] if pl["sku"] == p["sku"]), None)
                        for y in frozen["years"]]}
            for p in part_rows
        ],
        "index_links": [
            {"sku": p["sku"], "currency": p["currency"], "index": link["index"],
             "base_value": Decimal(link["base_value"]), "kg_per_unit": Decimal(link["kg_per_unit"])}
            for p in part_rows for link in p.get("index_links", [])
        ],
        "index_values": [
            {"index": v["index"], "unit": v["unit"], "date": dt.date.fromisoformat(v["date"]),
             "value": Decimal(v["value"])}
            for v in frozen["index_values_used"]
        ],
        "exchange_rates": [
            {"date": dt.date.fromisoformat(r["date"]), "from": r["from"], "to": r["to"],
             "rate": Decimal(r["rate"])}
            for r in frozen["exchange_rates_used"]
        ],
        "compliance": {
            "policy": frozen["policy"],
            "per_year": per_year,
            "warnings": frozen["warnings"],
            "evidence": documents,
            "undocumented": undocumented,
            "parts": [
                {
                    "sku": p["sku"], "name": p["name"],
                    "slot_label": CATEGORY_LABELS.get(p["category"], p["slot"]),
                    "supplier": p["supplier"],
                    "stages": [_stage_row(s, pricing_date, years) for s in p["provenance"]],
                    "missing_stages": [STAGE_LABELS.get(m, m) for m in
                                       missing_stages(p["category"], [s["stage"] for s in p["provenance"]])],
                }
                for p in part_rows
            ],
        },
        "core_drawing": core_drawing_of(frozen["parts"]),
        "generated_at": clock.now(),
    }
