"""A realistic quote-document context, built without the database.

The CK48-8 motor-core package of the demo catalog (10 lines) quoted in KRW to
Aurora Motors for a 2026-2031 program, priced the way domain.md section 6 says:
tier by the year's units of the part, raw-material pass-through, annual
price-down, conversion at full precision, the unit kit price rounded half-up once a
year and the year amount that price x kits. The contract total is the sum of the year
amounts, so tests can assert it.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from parts.domain.provenance import STAGE_LABELS

PRICING_DATE = dt.date(2025, 6, 16)
CURRENCY = "KRW"
PRICE_DOWN_PCT = Decimal("2.0")
SCHEDULE = [
    (2026, 20_000), (2027, 150_000), (2028, 280_000), (2029, 320_000), (2030, 320_000), (2031, 250_000),
]

# Latest values on or before the pricing date (demo catalog series).
INDEX_VALUES = [
    {"index": "NDPR_OXIDE", "unit": "USD/kg", "date": dt.date(2025, 6, 1), "value": Decimal("59.90")},
    {"index": "DY_OXIDE", "unit": "USD/kg", "date": dt.date(2025, 6, 1), "value": Decimal("238.00")},
]
EXCHANGE_RATES = [
    {"date": dt.date(2025, 6, 1), "from": "USD", "to": "KRW", "rate": Decimal("1372.90")},
    {"date": dt.date(2025, 6, 1), "from": "EUR", "to": "KRW", "rate": Decimal("1569.22")},
]

COUNTRIES = {
    "AU": "Australia", "MY": "Malaysia", "VN": "Viet Nam", "KR": "Republic of Korea",
    "JP": "Japan", "DE": "Germany", "US": "United States",
}


def _stage(stage: str, country: str, company: str, reference: str = "", expires: dt.date | None = None):
    return (stage, country, company, reference, expires)


# slot, slot label, sku, name, supplier, country, qty/kit, lead time, currency, tiers,
# index links (index, base value, kg per unit), annual capacity, specs, provenance.
PARTS = [
    {
        "slot": "rotor_core", "slot_label": "Rotor core", "sku": "RC-8P-16044-508",
        "name": "Rotor core 8-pole V-IPM, OD 160.44, stack 50.8 mm, 35PN250 0.35 mm",
        "supplier": "POSCO Mobility Solution", "supplier_country": "KR", "quantity": 1, "lead_time_days": 120,
        "currency": "KRW", "tiers": [(1, "80210"), (20_000, "77000"), (100_000, "74190")], "links": [],
        "capacity": 600_000,
        "specs": [("Outer diameter", "160.44 mm"), ("Shaft bore", "52.00 mm"), ("Stack length", "50.8 mm"),
                  ("Poles", "8"), ("Magnets per pole", "2"), ("Magnet pocket", "50.8 × 18.0 × 7.3 mm"),
                  ("Lamination", "35PN250, 0.35 mm"), ("Maximum speed", "14,000 rpm")],
        "provenance": [_stage("steel_making", "KR", "POSCO", "MTC-2025-0001", dt.date(2027, 9, 30)),
                       _stage("component_manufacturing", "KR", "POSCO Mobility Solution", "AUD-2025-0001",
                              dt.date(2027, 9, 30))],
    },
    {
        "slot": "magnet", "slot_label": "Magnets", "sku": "MAG-N48SH-GD-4930-SGI-KR",
        "name": "Sintered NdFeB N48SH GBD-Dy segment 49.3 × 17.9 × 7.2 mm, China-excluded",
        "supplier": "Star Group Ind.", "supplier_country": "KR", "quantity": 16, "lead_time_days": 90,
        "currency": "USD", "tiers": [(1, "4.94"), (200_000, "4.74"), (2_000_000, "4.57")],
        "links": [("NDPR_OXIDE", "60.00", "0.0142"), ("DY_OXIDE", "240.00", "0.0005")],
        "capacity": 4_800_000,
        "specs": [("Grade", "N48SH"), ("Max operating temperature", "150 °C"), ("Remanence", "1.40 T"),
                  ("Intrinsic coercivity", "1,700 kA/m"), ("Dimensions", "49.3 × 17.9 × 7.2 mm"),
                  ("Mass", "48 g"), ("Heavy rare earth", "Dy, grain-boundary diffused"),
                  ("NdPr content", "14.2 g"), ("Dy/Tb content", "0.5 g")],
        "provenance": [_stage("mining", "AU", "Lynas Rare Earths", "COO-2025-0117", dt.date(2027, 9, 30)),
                       _stage("separation", "MY", "Lynas Rare Earths", "AUD-2025-0008",
                              dt.date(2026, 12, 31)),
                       _stage("metal_alloy", "VN", "Hai Phong Rare Earth Alloys JSC", "MTC-2025-0009",
                              dt.date(2027, 9, 30)),
                       _stage("magnet_manufacturing", "KR", "Star Group Ind.", "AUD-2025-0009",
                              dt.date(2027, 9, 30)),
                       _stage("component_manufacturing", "KR", "Star Group Ind.")],
    },
    {
        "slot": "shaft", "slot_label": "Shaft", "sku": "SH-8P-5204-P",
        "name": "Rotor shaft, press-fit seat 52.04 mm, length 262 mm, 42CrMo4 induction hardened",
        "supplier": "Changwon Precision Forge", "supplier_country": "KR", "quantity": 1, "lead_time_days": 75,
        "currency": "KRW", "tiers": [(1, "61440"), (20_000, "58980"), (100_000, "56830")], "links": [],
        "capacity": 500_000,
        "specs": [("Seat diameter", "52.04 mm"), ("Length", "262 mm"), ("Fit", "press"),
                  ("Maximum speed", "16,000 rpm")],
        "provenance": [_stage("steel_making", "KR", "POSCO", "MTC-2025-0021", dt.date(2026, 9, 30)),
                       _stage("component_manufacturing", "KR", "Changwon Precision Forge", "AUD-2025-0030",
                              dt.date(2027, 6, 30))],
    },
    {
        "slot": "end_plate", "slot_label": "End plates", "sku": "EP-1560-525-SS",
        "name": "Rotor end plate, non-magnetic stainless, OD 156.0, bore 52.50 mm",
        "supplier": "Changwon Precision Forge", "supplier_country": "KR", "quantity": 2, "lead_time_days": 45,
        "currency": "KRW", "tiers": [(1, "10680"), (50_000, "10250"), (200_000, "9870")], "links": [],
        "capacity": 1_200_000,
        "specs": [("Outer diameter", "156.0 mm"), ("Bore", "52.50 mm"),
                  ("Material", "non-magnetic stainless")],
        "provenance": [_stage("steel_making", "KR", "POSCO", "MTC-2025-0025", dt.date(2027, 9, 30)),
                       _stage("component_manufacturing", "KR", "Changwon Precision Forge", "AUD-2025-0033",
                              dt.date(2027, 9, 30))],
    },
    {
        "slot": "resolver", "slot_label": "Resolver", "sku": "RSV-PP4-52",
        "name": "Variable-reluctance resolver, 4 pole pairs, for 52 mm shaft",
        "supplier": "Tamagawa Seiki", "supplier_country": "JP", "quantity": 1, "lead_time_days": 100,
        "currency": "USD", "tiers": [(1, "28.00"), (20_000, "26.88")], "links": [],
        "capacity": 800_000,
        "specs": [("Pole pairs", "4"), ("Bore diameter", "52 mm")],
        "provenance": [_stage("component_manufacturing", "JP", "Tamagawa Seiki", "AUD-2025-0035",
                              dt.date(2027, 3, 31))],
    },
    {
        "slot": "stator_core", "slot_label": "Stator core", "sku": "SC-48S-1619-508-W",
        "name": "Stator core 48-slot, round-wire slots, OD 264.0, bore 161.9, stack 50.8 mm, 35PN250",
        "supplier": "POSCO Mobility Solution", "supplier_country": "KR", "quantity": 1, "lead_time_days": 120,
        "currency": "KRW", "tiers": [(1, "130250"), (20_000, "125040")], "links": [],
        "capacity": 600_000,
        "specs": [("Outer diameter", "264.0 mm"), ("Bore", "161.9 mm"), ("Stack length", "50.8 mm"),
                  ("Slots", "48, round wire"), ("Lamination", "35PN250, 0.35 mm")],
        "provenance": [_stage("steel_making", "KR", "POSCO", "MTC-2025-0027", dt.date(2027, 3, 31)),
                       _stage("component_manufacturing", "KR", "POSCO Mobility Solution", "AUD-2025-0039",
                              dt.date(2027, 3, 31))],
    },
    {
        "slot": "winding", "slot_label": "Winding", "sku": "WD-RW-48S8P-H400-508",
        "name": "Round-wire distributed winding 48 slots / 8 poles, 3 phases, class H, 400 V",
        "supplier": "Saigon Coil Works", "supplier_country": "VN", "quantity": 1, "lead_time_days": 75,
        "currency": "USD", "tiers": [(1, "97.29"), (20_000, "93.40"), (100_000, "89.99")], "links": [],
        "capacity": 500_000,
        "specs": [("Type", "round wire"), ("Slots / poles", "48 / 8"), ("Phases", "3"),
                  ("Insulation class", "H (180 °C)"), ("Voltage class", "400 V"),
                  ("Stack length", "50.8 mm")],
        "provenance": [_stage("component_manufacturing", "VN", "Saigon Coil Works", "AUD-2025-0043",
                              dt.date(2027, 3, 31))],
    },
    {
        "slot": "insulation", "slot_label": "Slot insulation", "sku": "INS-48S-508-H400",
        "name": "Slot insulation system 48 slots × 50.8 mm, class H (180 °C), 400 V",
        "supplier": "Krempel GmbH", "supplier_country": "DE", "quantity": 1, "lead_time_days": 45,
        "currency": "EUR", "tiers": [(1, "23.08"), (20_000, "22.16"), (100_000, "21.35")], "links": [],
        "capacity": 900_000,
        "specs": [("Insulation class", "H (180 °C)"), ("Voltage class", "400 V"),
                  ("Partial-discharge free", "no"), ("Slots", "48"), ("Stack length", "50.8 mm")],
        "provenance": [_stage("component_manufacturing", "DE", "Krempel GmbH", "AUD-2025-0046",
                              dt.date(2027, 6, 30))],
    },
    {
        "slot": "busbar", "slot_label": "Busbar set", "sku": "BB-48S8P-400V-300A",
        "name": "Laminated busbar and terminal set, 3 phases, 400 V, 300 A, 48-slot stator",
        "supplier": "Rhein Busbar Systems GmbH", "supplier_country": "DE", "quantity": 1,
        "lead_time_days": 60,
        "currency": "EUR", "tiers": [(1, "33.04"), (20_000, "31.72"), (100_000, "30.57")], "links": [],
        "capacity": 700_000,
        "specs": [("Phases", "3"), ("Voltage class", "400 V"), ("Maximum current", "300 A"),
                  ("Slots", "48")],
        "provenance": [_stage("component_manufacturing", "DE", "Rhein Busbar Systems GmbH", "AUD-2025-0050",
                              dt.date(2026, 6, 30))],
    },
    {
        "slot": "temperature_sensor", "slot_label": "Temperature sensor", "sku": "TS-NTC-180-SEMI",
        "name": "Stator end-winding temperature sensor, NTC thermistor, up to 180 °C",
        "supplier": "Semitec", "supplier_country": "JP", "quantity": 1, "lead_time_days": 45,
        "currency": "USD", "tiers": [(1, "3.10"), (100_000, "2.98"), (500_000, "2.87")], "links": [],
        "capacity": 3_000_000,
        "specs": [("Sensor type", "NTC"), ("Maximum temperature", "180 °C")],
        "provenance": [_stage("component_manufacturing", "JP", "Semitec", "AUD-2024-0212",
                              dt.date(2025, 3, 31))],
    },
]


def _half_up(amount: Decimal, minor: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor), rounding=ROUND_HALF_UP)


def _tier(tiers: list[tuple[int, str]], units: int) -> tuple[int, Decimal]:
    min_qty, price = max((t for t in tiers if t[0] <= units), key=lambda t: t[0])
    return min_qty, Decimal(price)


def _index_adjustment(links: list[tuple[str, str, str]]) -> Decimal:
    values = {v["index"]: v["value"] for v in INDEX_VALUES}
    return sum(((values[index] - Decimal(base)) * Decimal(kg) for index, base, kg in links), Decimal(0))


def _rate(currency: str) -> Decimal:
    if currency == CURRENCY:
        return Decimal(1)
    return next(r["rate"] for r in EXCHANGE_RATES if r["from"] == currency and r["to"] == CURRENCY)


def _price_years() -> tuple[list[dict], list[dict]]:
    years, first_year_parts = [], []
    with localcontext() as ctx:
        ctx.prec = 50
        for k, (year, kits) in enumerate(SCHEDULE):
            factor = (1 - PRICE_DOWN_PCT / 100) ** k
            kit_price = Decimal(0)
            for part in PARTS:
                min_qty, base = _tier(part["tiers"], kits * part["quantity"])
                adjustment = _index_adjustment(part["links"])
                kit_price += (base + adjustment) * _rate(part["currency"]) * factor * part["quantity"]
                if k == 0:
                    first_year_parts.append({
                        "sku": part["sku"], "slot": part["slot"], "currency": part["currency"],
                        "tier_min_qty": min_qty, "base_unit_price": base, "index_adjustment": adjustment,
                        "quantity_per_kit": part["quantity"],
                    })
            # Domain section 6: the unit kit price is rounded once; the amount is it x kits.
            unit_kit_price = _half_up(kit_price, 0)
            years.append({"year": year, "kits": kits, "unit_kit_price": unit_kit_price,
                          "amount": unit_kit_price * kits})
    return years, first_year_parts


def _evidence_status(expires: dt.date | None) -> str:
    if expires is None:
        return "none"
    if expires < PRICING_DATE:
        return "expired"
    return "renew" if _renew_years(expires) else "valid"


def _renew_years(expires: dt.date | None) -> list[int]:
    """Delivery years beginning after the document lapsed (valid through its expiry day)."""
    return [year for year, _kits in SCHEDULE if expires is not None and expires < dt.date(year, 1, 1)]


def _compliance(years: list[dict]) -> dict:
    parts, warnings, evidence = [], [], []
    for part in PARTS:
        stages = []
        for stage, country, company, reference, expires in part["provenance"]:
            status = _evidence_status(expires)
            stages.append({
                "stage": stage, "stage_label": STAGE_LABELS[stage], "country": country,
                "country_name": COUNTRIES[country], "company": company, "evidence_reference": reference,
                "evidence_expires": expires, "evidence_status": status,
                "renew_years": _renew_years(expires) if reference else [],
            })
            if reference:
                evidence.append({
                    "sku": part["sku"], "slot_label": part["slot_label"], "stage": stage,
                    "stage_label": STAGE_LABELS[stage], "reference": reference, "expires": expires,
                    "expired": bool(expires and expires < PRICING_DATE), "renew_years": _renew_years(expires),
                })
            if status == "expired":
                warnings.append({
                    "code": "EVIDENCE_EXPIRED",
                    "message": f"{part['sku']}: {STAGE_LABELS[stage].lower()} evidence {reference} "
                               f"expired on {expires.isoformat()}.",
                })
        parts.append({"sku": part["sku"], "name": part["name"], "slot_label": part["slot_label"],
                      "supplier": part["supplier"], "stages": stages, "missing_stages": []})
    per_year = []
    for line in years:
        findings = []
        for part in PARTS:
            units = line["kits"] * part["quantity"]
            if units > part["capacity"]:
                findings.append(
                    f"CAPACITY: {part['sku']} needs {units:,} units in {line['year']}, above the supplier's "
                    f"annual capacity of {part['capacity']:,}."
                )
        per_year.append(
            {"year": line["year"], "version": "1", "compliant": not findings, "findings": findings,
             "renewals": [doc["reference"] for doc in evidence if line["year"] in doc["renew_years"]]}
        )
    return {
        "policy": {
            "code": "china-excluded", "name": "China excluded",
            "source": "POSCO INTERNATIONAL press release, "
                      "'China Excluded' supply chain for rare earth magnets",
            "description": "No declared supply-chain stage in China; every required stage must be declared "
                           "(magnets: mining, separation, metal alloy, magnet manufacturing; every part: "
                           "component manufacturing).",
        },
        "per_year": per_year,
        "warnings": warnings,
        "evidence": evidence,
        "undocumented": [],
        "parts": parts,
    }


def build_sample_context(*, status: str = "ready") -> dict:
    """The context ``orders.documents.render_quote_pdf`` takes, for a 10-line, 6-year quote."""
    years, parts_pricing = _price_years()
    compliance = _compliance(years)
    total = sum((y["amount"] for y in years), Decimal(0))
    context = {
        "quote": {
            "number": "Q-2026-000042", "version": 2, "status": status, "currency": CURRENCY,
            "created_at": dt.datetime(2025, 6, 16, 9, 12, tzinfo=dt.UTC),
            "pricing_date": PRICING_DATE, "valid_until": dt.date(2025, 9, 30),
            "annual_price_down_pct": PRICE_DOWN_PCT, "manual_discount_pct": Decimal("0"),
            "total": total, "organization": "Aurora Motors",
            "requested_by": "Dana Whitfield <buyer@aurora.example>",
            "configuration_name": "CK48-8 — 48-slot / 8-pole IPM core, Prius 2010 class, 400 V",
            "template_name": "Motor-core package",
            "sourcing_policy": {"code": compliance["policy"]["code"], "name": compliance["policy"]["name"],
                                "source": compliance["policy"]["source"]},
            "seller": "corekit — motor-core kits",
        },
        "requirements": [("DC bus voltage", "400 V"), ("Maximum speed", "13,500 rpm"),
                         ("Magnet temperature", "150 °C"), ("Winding temperature", "180 °C")],
        "bom": [
            {k: part[k] for k in ("slot", "slot_label", "sku", "name", "supplier", "supplier_country",
                                  "quantity", "lead_time_days", "specs")}
            for part in PARTS
        ],
        "years": years,
        "parts_pricing": parts_pricing,
        "index_values": copy.deepcopy(INDEX_VALUES),
        "exchange_rates": copy.deepcopy(EXCHANGE_RATES),
        "compliance": compliance,
        "generated_at": dt.datetime(2025, 6, 16, 9, 14, 30, tzinfo=dt.UTC),
    }
    return copy.deepcopy(context)
