"""Synthetic catalogs for benchmarks: the demo parts plus seeded, jittered copies."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from demo.catalog.design import build_demo_catalog
from demo.catalog.tables import (
    CATEGORIES,
    GRADE_REMANENCE,
)
from demo.catalog.units import dec, json_number, money_text, parse_grade, round_kg


def _copy_part(part: dict[str, Any]) -> dict[str, Any]:
    pricing = part["pricing"]
    new_pricing: dict[str, Any] = {
        "currency": pricing["currency"],
        "tiers": [dict(t) for t in pricing["tiers"]],
    }
    if "index_links" in pricing:
        new_pricing["index_links"] = [dict(link) for link in pricing["index_links"]]
    provenance = []
    for stage in part["provenance"]:
        row = dict(stage)
        if "evidence" in row:
            row["evidence"] = dict(row["evidence"])
        provenance.append(row)
    new = dict(part)
    new["specs"] = dict(part["specs"])
    new["provenance"] = provenance
    new["pricing"] = new_pricing
    return new


def _jitter(template: dict[str, Any], n: int, rng: random.Random) -> dict[str, Any]:
    """A variant of a demo part that keeps its rule outcomes (valid stays valid, a
    near-miss stays a near-miss): only prices, volumes, lead times and specs that no
    compatibility rule reads move; magnet data stays consistent with its grade."""
    part = _copy_part(template)
    part["sku"] = f"{template['sku']}-X{n:06d}"
    part["name"] = f"{template['name']} [alt. source {n}]"
    currency = part["pricing"]["currency"]
    factor = Decimal(rng.randint(930, 1070)) / 1000
    for tier in part["pricing"]["tiers"]:
        tier["unit_price"] = money_text(Decimal(tier["unit_price"]) * factor, currency)
    part["lead_time_days"] = min(180, max(30, template["lead_time_days"] + rng.randint(-15, 15)))
    capacity = template["annual_capacity"] * rng.randint(80, 125) // 100
    part["annual_capacity"] = max(1000, capacity // 1000 * 1000)
    specs = part["specs"]
    category = part["category"]
    if category == "magnet":
        number, _suffix = parse_grade(specs["grade"])
        lo, hi = GRADE_REMANENCE[number]
        specs["remanence_t"] = round(rng.uniform(lo + 0.005, hi - 0.005), 3)
        specs["coercivity_ka_per_m"] += rng.randint(0, 40)
        scale = Decimal(rng.randint(990, 1010)) / 1000
        specs["mass_g"] = json_number((dec(specs["mass_g"]) * scale).quantize(Decimal("0.1")))
        ndpr = max(round_kg(dec(specs["ndpr_kg"]) * scale), Decimal("0.0001"))
        specs["ndpr_kg"] = json_number(ndpr)
        for link in part["pricing"].get("index_links", []):
            if link["index"] == "NDPR_OXIDE":
                link["kg_per_unit"] = str(ndpr)
    elif category == "stator_core":
        specs["outer_diameter_mm"] = json_number(dec(specs["outer_diameter_mm"]) + rng.randint(-2, 2))
    elif category == "shaft":
        specs["length_mm"] = json_number(dec(specs["length_mm"]) + rng.randint(-5, 5))
    elif category == "busbar":
        specs["max_current_a"] = specs["max_current_a"] + 10 * rng.randint(-5, 5)
    return part


def build_synthetic_catalog(n_parts: int, seed: int = 7) -> dict[str, Any]:
    """A catalog of ``n_parts`` parts with the demo catalog's spec distributions.

    Up to the demo's size, parts are taken from the demo round-robin over the
    categories (so 10 parts already cover every category); beyond it, every demo
    part is included and the rest are seeded jittered variants of randomly drawn
    demo parts, each with a unique SKU.
    """
    if n_parts < 0:
        raise ValueError("n_parts must be >= 0")
    document = build_demo_catalog()
    templates = document["parts"]
    rng = random.Random(seed)
    if n_parts <= len(templates):
        by_category: dict[str, list[dict[str, Any]]] = {c: [] for c in CATEGORIES}
        for part in templates:
            by_category[part["category"]].append(part)
        parts: list[dict[str, Any]] = []
        depth = 0
        while len(parts) < n_parts:
            for category in CATEGORIES:
                if depth < len(by_category[category]) and len(parts) < n_parts:
                    parts.append(by_category[category][depth])
            depth += 1
    else:
        parts = list(templates)
        parts.extend(
            _jitter(templates[rng.randrange(len(templates))], n, rng)
            for n in range(1, n_parts - len(templates) + 1)
        )
    document["parts"] = parts
    return document
