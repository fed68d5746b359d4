"""Catalog parts for the guided-options tests and benchmark, from the demo catalog builder.

`parts.demo.catalog_builder` writes interchange-format documents; this turns
them into domain `Part`s the way `configurator.selectors.part_snapshot` does
(specs cleaned by `parts.domain.specs`, reference price in USD).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from configurator.domain import (
    BUILTIN_POLICIES,
    BUILTIN_TEMPLATES,
    Line,
    Part,
    Requirements,
    ScheduleYear,
    Snapshot,
    Stage,
)
from parts.demo.catalog_builder import (
    FAMILIES,
    NEAR_MISSES,
    REFERENCE_DATE,
    build_demo_catalog,
    build_synthetic_catalog,
)
from parts.domain.specs import clean_specs

__all__ = ["FAMILIES", "NEAR_MISSES", "TODAY", "demo_parts", "family_snapshot", "synthetic_parts", "to_parts"]

TODAY = date.fromisoformat(REFERENCE_DATE)


def _usd_rates(document: dict[str, Any]) -> dict[str, Decimal]:
    rates = {"USD": Decimal(1)}
    for row in sorted(document.get("exchange_rates", ()), key=lambda r: r["date"]):
        if row["to"] == "USD":
            rates[row["from"]] = Decimal(row["rate"])
        elif row["from"] == "USD":
            rates[row["to"]] = 1 / Decimal(row["rate"])
    return rates


def to_parts(document: dict[str, Any]) -> list[Part]:
    names = {s["code"]: s["name"] for s in document["suppliers"]}
    rates = _usd_rates(document)
    out = []
    for raw in document["parts"]:
        specs, errors = clean_specs(raw["category"], raw["specs"])
        assert not errors, (raw["sku"], errors)
        pricing = raw["pricing"]
        rate = rates.get(pricing["currency"])
        tiers = sorted(pricing["tiers"], key=lambda t: t["min_qty"])
        price = Decimal(tiers[0]["unit_price"]) * rate if tiers and rate is not None else None
        rare_earth = Decimal(0)
        if raw["category"] == "magnet":
            rare_earth = Decimal(str(specs.get("ndpr_kg") or 0)) + Decimal(str(specs.get("dy_tb_kg") or 0))
        out.append(
            Part(
                sku=raw["sku"],
                category=raw["category"],
                supplier_code=raw["supplier"],
                supplier_name=names.get(raw["supplier"], raw["supplier"]),
                active=raw.get("active", True),
                specs=specs,
                provenance=tuple(
                    Stage(
                        stage=s["stage"],
                        country=s["country"],
                        company=s["company"],
                        evidence_reference=s.get("evidence", {}).get("reference", ""),
                        evidence_expires=(
                            date.fromisoformat(s["evidence"]["expires"]) if "evidence" in s else None
                        ),
                    )
                    for s in raw["provenance"]
                ),
                lead_time_days=raw["lead_time_days"],
                moq=raw.get("moq", 1),
                annual_capacity=raw["annual_capacity"],
                reference_unit_price=price,
                rare_earth_kg=rare_earth,
                name=raw.get("name", ""),
                price_tiers=tuple((int(t["min_qty"]), Decimal(t["unit_price"]) * rate) for t in tiers)
                if rate is not None else (),
            )
        )
    return out


@cache
def demo_parts() -> tuple[Part, ...]:
    return tuple(to_parts(build_demo_catalog()))


def synthetic_parts(n: int, seed: int = 7) -> list[Part]:
    return to_parts(build_synthetic_catalog(n, seed=seed))


def restricted_entities(document: dict[str, Any] | None = None) -> frozenset[str]:
    document = document or build_demo_catalog()
    names: set[str] = set()
    for s in document["suppliers"]:
        if s.get("restricted"):
            names.update((s["code"].upper(), s["name"].upper()))
    return frozenset(names)


def family_snapshot(
    code: str,
    parts_by_sku: dict[str, Part],
    *,
    policy: str | None = None,
    schedule: bool = True,
    today: date = TODAY,
    restricted: frozenset[str] = frozenset(),
    **overrides: str,
) -> Snapshot:
    """A demo family's default kit, with slots overridden by SKU."""
    family = FAMILIES[code]
    skus = {**family["skus"], **overrides}
    req = family["requirements"]
    return Snapshot(
        template=BUILTIN_TEMPLATES[family["template"]],
        requirements=Requirements(
            dc_bus_voltage_v=req["dc_bus_voltage_v"],
            max_speed_rpm=req["max_speed_rpm"],
            max_magnet_temp_c=Decimal(req["max_magnet_temp_c"]),
            max_winding_temp_c=Decimal(req["max_winding_temp_c"]),
        ),
        lines=tuple(
            Line(slot, parts_by_sku[sku], family["quantities"][slot]) for slot, sku in skus.items() if sku
        ),
        policy=BUILTIN_POLICIES[policy or family["sourcing_policy"]],
        schedule=tuple(ScheduleYear(r["year"], r["kits"]) for r in family["schedule"]) if schedule else (),
        today=today,
        restricted_entities=restricted,
    )
