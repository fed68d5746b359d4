"""What a priced quote freezes (JSON), and the quote document's context built from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from configurator.domain import drawing
from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.selectors import ALL_ORGANIZATIONS, sourcing_policy_get
from core import clock
from parts.domain.provenance import COUNTRY_NAMES, STAGE_LABELS, missing_stages
from parts.domain.specs import CATEGORY_LABELS, spec_display_rows

SOURCING_CODES = {"ORIGIN_EXCLUDED", "ORIGIN_UNKNOWN", "ENTITY_RESTRICTED"}


def _s(value) -> str | None:
    return None if value is None else str(value)


def pricing_json(result, parts, snapshot, validation, index_units: dict[str, str]) -> dict:
    """The frozen pricing: year lines, per-part breakdown, inputs used, part data, verdicts."""
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
            "compliant": not any(v.severity == "error" for v in findings),
            "findings": [f"{v.code}: {v.message}" for v in findings],
        })
    by_sku = {p.sku: p for p in parts}
    quantities = {ln.part.sku: ln.quantity for ln in snapshot.lines}
    return {
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
                "sku": part.sku, "name": part.name, "category": part.category,
                "slot": ln.slot, "quantity": quantities[part.sku],
                "supplier": part.supplier.name, "supplier_code": part.supplier.code,
                "supplier_country": part.supplier.country, "currency": part.currency,
                "lead_time_days": part.lead_time_days, "specs": part.specs,
                "tiers": [{"min_qty": t.min_qty, "unit_price": str(t.unit_price)}
                          for t in part.price_tiers.all()],
                "provenance": [
                    {"stage": s.stage, "country": s.country, "company": s.company,
                     "evidence_reference": s.evidence_reference,
                     "evidence_expires": _s(s.evidence_expires and s.evidence_expires.isoformat())}
                    for s in part.provenance.all()
                ],
            }
            for ln in snapshot.lines
            for part in [by_sku[ln.part.sku]]
        ],
    }


def _stage_row(stage: dict, today: dt.date) -> dict:
    expires = dt.date.fromisoformat(stage["evidence_expires"]) if stage["evidence_expires"] else None
    if not stage["evidence_reference"]:
        status = "none"
    else:
        status = "expired" if expires and expires < today else "valid"
    return {
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


def core_drawing_of(parts: list[dict]) -> dict:
    """The cross-section of the quoted stator and rotor (an SVG string, possibly empty) and its
    dimensions as sentences, from the parts' frozen specs."""
    stator, rotor = drawing.kit_core_sections((p["category"], p["sku"], p["specs"]) for p in parts)
    return {"svg": drawing.core_section_svg(stator, rotor, element_id="quote-core-section"),
            "facts": drawing.core_section_facts(stator, rotor)}


def build_context(quote, frozen: dict, pricing_date: dt.date, valid_until: dt.date) -> dict:
    snapshot = quote.snapshot
    # The quote was priced under this policy: find it whoever it belongs to.
    policy = sourcing_policy_get(snapshot["sourcing_policy"], ALL_ORGANIZATIONS) or BUILTIN_POLICIES["none"]
    today = clock.today()
    requester = quote.requested_by
    first_year = frozen["years"][0] if frozen["years"] else None
    return {
        "quote": {
            "number": quote.number, "version": quote.version,
            # The status the document is issued with: a discount awaiting approval is a draft.
            "status": ("awaiting_approval" if quote.approval_required and quote.approved_at is None
                       else "ready"),
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
            "sourcing_policy": {"code": policy.code, "name": policy.name, "source": policy.source},
            "seller": "corekit — motor-core kits",
        },
        "requirements": [
            (label, f"{Decimal(snapshot['requirements'][key]):,f} {unit}".replace(".0 ", " "))
            for key, label, unit in REQUIREMENT_LABELS if key in snapshot["requirements"]
        ],
        "bom": [
            {"slot": p["slot"], "slot_label": CATEGORY_LABELS.get(p["category"], p["slot"]),
             "sku": p["sku"], "name": p["name"], "supplier": p["supplier"],
             "supplier_country": p["supplier_country"], "quantity": p["quantity"],
             "lead_time_days": p["lead_time_days"], "specs": spec_display_rows(p["category"], p["specs"])}
            for p in frozen["parts"]
        ],
        "years": [
            {"year": y["year"], "kits": y["kits"], "unit_kit_price": Decimal(y["unit_kit_price"]),
             "amount": Decimal(y["amount"])}
            for y in frozen["years"]
        ],
        "parts_pricing": [
            {"sku": pl["sku"], "slot": pl["slot"],
             "currency": next(p["currency"] for p in frozen["parts"] if p["sku"] == pl["sku"]),
             "tier_min_qty": pl["tier_min_qty"], "base_unit_price": Decimal(pl["base_unit_price"]),
             "index_adjustment": Decimal(pl["index_adjustment"]),
             "quantity_per_kit": next(p["quantity"] for p in frozen["parts"] if p["sku"] == pl["sku"])}
            for pl in (first_year["parts"] if first_year else [])
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
            "per_year": frozen["compliance_per_year"],
            "warnings": frozen["warnings"],
            "parts": [
                {
                    "sku": p["sku"], "name": p["name"],
                    "slot_label": CATEGORY_LABELS.get(p["category"], p["slot"]),
                    "supplier": p["supplier"],
                    "stages": [_stage_row(s, today) for s in p["provenance"]],
                    "missing_stages": [STAGE_LABELS.get(m, m) for m in
                                       missing_stages(p["category"], [s["stage"] for s in p["provenance"]])],
                }
                for p in frozen["parts"]
            ],
        },
        "core_drawing": core_drawing_of(frozen["parts"]),
        "generated_at": clock.now(),
    }
