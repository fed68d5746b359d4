"""The demo catalog is realistic, valid per domain.md and holds the documented families.

The rule checks below are re-implemented here straight from domain.md (sections 2,
4 and 5) rather than imported, so the demo data is checked against the
specification and not against itself.
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import demo.catalog as catalog_builder
from demo.catalog import (
    FAMILIES,
    NEAR_MISSES,
    build_demo_catalog,
    build_synthetic_catalog,
)

REFERENCE_DATE = "2026-11-26"
CATEGORIES = {
    "stator_core",
    "rotor_core",
    "magnet",
    "shaft",
    "end_plate",
    "winding",
    "insulation",
    "busbar",
    "resolver",
    "temperature_sensor",
}
SKU_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
MAGNET_STAGES = ("mining", "separation", "metal_alloy", "magnet_manufacturing")
STEEL_CATEGORIES = {"stator_core", "rotor_core", "shaft", "end_plate"}

# domain.md section 2: suffix -> (max temperature C, minimum coercivity kA/m)
SUFFIX_TABLE = {
    "": (80, 955),
    "M": (100, 1114),
    "H": (120, 1353),
    "SH": (150, 1592),
    "UH": (180, 1990),
    "EH": (200, 2388),
    "AH": (220, 2626),
}
# domain.md section 2: grade number -> remanence range (T)
REMANENCE_TABLE = {
    35: ("1.17", "1.22"),
    38: ("1.22", "1.25"),
    40: ("1.25", "1.28"),
    42: ("1.28", "1.32"),
    45: ("1.32", "1.38"),
    48: ("1.37", "1.42"),
    50: ("1.39", "1.45"),
    52: ("1.42", "1.48"),
}
CLASS_TEMP = {"F": 155, "H": 180, "N": 200, "R": 220}

SPEC_FIELDS = {
    "stator_core": {
        "outer_diameter_mm",
        "inner_diameter_mm",
        "stack_length_mm",
        "slots",
        "slot_type",
        "lamination_grade",
        "lamination_thickness_mm",
    },
    "rotor_core": {
        "outer_diameter_mm",
        "bore_diameter_mm",
        "stack_length_mm",
        "poles",
        "magnets_per_pole",
        "pocket_length_mm",
        "pocket_width_mm",
        "pocket_thickness_mm",
        "lamination_grade",
        "lamination_thickness_mm",
        "max_speed_rpm",
    },
    "magnet": {
        "grade",
        "max_operating_temp_c",
        "remanence_t",
        "coercivity_ka_per_m",
        "length_mm",
        "width_mm",
        "thickness_mm",
        "mass_g",
        "heavy_rare_earth",
        "grain_boundary_diffused",
        "ndpr_kg",
        "dy_tb_kg",
    },
    "shaft": {"seat_diameter_mm", "length_mm", "max_speed_rpm", "fit"},
    "end_plate": {"outer_diameter_mm", "bore_diameter_mm"},
    "winding": {"type", "slots", "poles", "phases", "insulation_class", "voltage_class_v", "stack_length_mm"},
    "insulation": {"insulation_class", "voltage_class_v", "pd_free", "slots", "stack_length_mm"},
    "busbar": {"phases", "voltage_class_v", "max_current_a", "slots"},
    "resolver": {"pole_pairs", "bore_diameter_mm"},
    "temperature_sensor": {"sensor_type", "max_temp_c"},
}


def D(value: Any) -> Decimal:
    return Decimal(str(value))


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    return build_demo_catalog()


@pytest.fixture(scope="module")
def by_sku(catalog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {part["sku"]: part for part in catalog["parts"]}


@pytest.fixture(scope="module")
def restricted_names(catalog: dict[str, Any]) -> set[str]:
    names = set()
    for supplier in catalog["suppliers"]:
        if supplier["restricted"]:
            names.update({supplier["code"], supplier["name"]})
    return names


# --------------------------------------------------------------------------- rules


def grade_errors(specs: dict[str, Any]) -> list[str]:
    match = re.fullmatch(r"N(\d+)(|M|H|SH|UH|EH|AH)", specs["grade"])
    if not match or int(match.group(1)) not in REMANENCE_TABLE:
        return [f"unknown grade {specs['grade']}"]
    temp, min_hcj = SUFFIX_TABLE[match.group(2)]
    low, high = REMANENCE_TABLE[int(match.group(1))]
    errors = []
    if specs["max_operating_temp_c"] > temp:
        errors.append("temperature above the suffix's")
    if specs["coercivity_ka_per_m"] < min_hcj:
        errors.append("coercivity below the suffix minimum")
    if not D(low) <= D(specs["remanence_t"]) <= D(high):
        errors.append("remanence outside the grade range")
    return errors


def compat_violations(config: dict[str, dict[str, Any]], req: dict[str, Any]) -> set[tuple]:
    """domain.md section 4 on a complete motor-core package; returns {(code, severity)}."""
    found: set[tuple[str, str]] = set()
    s = {slot: part["specs"] for slot, part in config.items()}
    rc, sc, mg, sh = s["rotor_core"], s["stator_core"], s["magnet"], s["shaft"]
    ep, wd, ins, bb, rs = s["end_plate"], s["winding"], s["insulation"], s["busbar"], s["resolver"]

    if any(not part["active"] for part in config.values()):
        found.add(("PART_INACTIVE", "error"))

    gap = (D(sc["inner_diameter_mm"]) - D(rc["outer_diameter_mm"])) / 2
    if gap <= D("0.25") or gap >= D("1.5"):
        found.add(("AIR_GAP", "error"))
    elif not D("0.35") <= gap <= D("1.0"):
        found.add(("AIR_GAP", "warning"))

    if abs(D(rc["stack_length_mm"]) - D(sc["stack_length_mm"])) > 2 or abs(
        D(wd["stack_length_mm"]) - D(sc["stack_length_mm"])
    ) > D("0.5"):
        found.add(("STACK_LENGTH", "error"))

    slots, poles = sc["slots"], rc["poles"]
    balanced = (slots / (3 * math.gcd(slots, poles // 2))).is_integer()
    if (
        wd["slots"] != slots
        or wd["poles"] != poles
        or slots % 3
        or slots / (3 * poles) < 0.25
        or not balanced
    ):
        found.add(("SLOT_POLE", "error"))

    if (
        D(rc["pocket_width_mm"]) - D(mg["width_mm"]) < D("0.02")
        or D(rc["pocket_thickness_mm"]) - D(mg["thickness_mm"]) < D("0.02")
        or D(mg["length_mm"]) > D(rc["pocket_length_mm"])
    ):
        found.add(("MAGNET_FIT", "error"))

    if mg["max_operating_temp_c"] < req["max_magnet_temp_c"]:
        found.add(("MAGNET_TEMP", "error"))

    w_cls, i_cls = CLASS_TEMP[wd["insulation_class"]], CLASS_TEMP[ins["insulation_class"]]
    if min(w_cls, i_cls) < req["max_winding_temp_c"] or i_cls < w_cls:
        found.add(("INSULATION_CLASS", "error"))

    needed = {"hairpin": "rectangular", "round_wire": "round_wire"}[wd["type"]]
    if sc["slot_type"] != needed:
        found.add(("WINDING_SLOT_TYPE", "error"))

    bus = req["dc_bus_voltage_v"]
    if min(wd["voltage_class_v"], ins["voltage_class_v"], bb["voltage_class_v"]) < bus or (
        bus > 500 and not ins["pd_free"]
    ):
        found.add(("VOLTAGE_CLASS", "error"))

    if D(rc["lamination_thickness_mm"]) != D(sc["lamination_thickness_mm"]):
        found.add(("LAMINATION_MATCH", "warning"))

    if min(rc["max_speed_rpm"], sh["max_speed_rpm"]) < req["max_speed_rpm"]:
        found.add(("ROTOR_SPEED", "error"))
    # surface speed at the required and at the rated rotor speed (whichever a reader uses)
    for rpm in (req["max_speed_rpm"], rc["max_speed_rpm"]):
        if math.pi * rc["outer_diameter_mm"] / 1000 * rpm / 60 > 120:
            found.add(("ROTOR_SPEED", "warning"))

    diff = D(sh["seat_diameter_mm"]) - D(rc["bore_diameter_mm"])
    # press fit: interference 0.01-0.10; keyed: clearance 0-0.05
    low, high = (D("0.01"), D("0.10")) if sh["fit"] == "press" else (D("-0.05"), D("0"))
    if not low <= diff <= high:
        found.add(("SHAFT_FIT", "error"))

    plate_clearance = D(ep["bore_diameter_mm"]) - D(sh["seat_diameter_mm"])
    if D(ep["outer_diameter_mm"]) > D(rc["outer_diameter_mm"]) or not 0 <= plate_clearance <= D("1.0"):
        found.add(("END_PLATE_FIT", "error"))

    if rs["pole_pairs"] not in (1, poles // 2):
        found.add(("RESOLVER_POLES", "error"))

    if abs(D(rs["bore_diameter_mm"]) - D(sh["seat_diameter_mm"])) > D("0.10"):
        found.add(("RESOLVER_FIT", "error"))

    if ins["slots"] != slots or abs(D(ins["stack_length_mm"]) - D(sc["stack_length_mm"])) > D("0.5"):
        found.add(("INSULATION_FIT", "error"))

    if bb["phases"] != wd["phases"]:
        found.add(("BUSBAR_PHASES", "error"))

    if bb["slots"] != slots:
        found.add(("BUSBAR_FIT", "error"))
    return found


def china_excluded_violations(part: dict[str, Any], restricted: set[str]) -> set[str]:
    found = set()
    stages = {row["stage"]: row for row in part["provenance"]}
    if any(row["country"] == "CN" for row in part["provenance"]):
        found.add("ORIGIN_EXCLUDED")
    required = ["component_manufacturing"]
    if part["category"] == "magnet":
        required += MAGNET_STAGES
    if any(stage not in stages for stage in required):
        found.add("ORIGIN_UNKNOWN")
    if any(row.get("evidence", {}).get("expires", "9999") < REFERENCE_DATE for row in part["provenance"]):
        found.add("EVIDENCE_EXPIRED")
    if part["supplier"] in restricted or any(row["company"] in restricted for row in part["provenance"]):
        found.add("ENTITY_RESTRICTED")
    return found


def dfars_violations(part: dict[str, Any], year: int) -> set[str]:
    covered = ["metal_alloy", "magnet_manufacturing"]
    if year >= 2027:
        covered += ["mining", "separation"]
    stages = {row["stage"]: row["country"] for row in part["provenance"]}
    found = set()
    for stage in covered:
        if stage not in stages:
            found.add("ORIGIN_UNKNOWN")
        elif stages[stage] in {"CN", "RU", "KP", "IR"}:
            found.add("ORIGIN_EXCLUDED")
    return found


def family_config(code: str, by_sku: dict, overrides: dict[str, str] | None = None) -> dict:
    skus = dict(FAMILIES[code]["skus"])
    skus.update(overrides or {})
    return {slot: by_sku[sku] for slot, sku in skus.items()}


def magnet_qty(rotor: dict[str, Any], magnet: dict[str, Any]) -> int:
    segments = math.floor(D(rotor["specs"]["pocket_length_mm"]) / D(magnet["specs"]["length_mm"]))
    return rotor["specs"]["poles"] * rotor["specs"]["magnets_per_pole"] * segments


def capacity_problems(config: dict[str, dict[str, Any]], schedule: list[dict]) -> list[str]:
    per_kit = {slot: 1 for slot in config}
    per_kit["end_plate"] = 2
    per_kit["magnet"] = magnet_qty(config["rotor_core"], config["magnet"])
    problems = []
    for row in schedule:
        for slot, part in config.items():
            if row["kits"] * per_kit[slot] > part["annual_capacity"]:
                problems.append(f"{row['year']} {part['sku']}")
    return problems


# --------------------------------------------------------------------------- catalog shape


def test_catalog_has_at_least_150_parts_covering_all_ten_categories(catalog):
    assert catalog["format"] == "corekit-catalog/1"
    assert len(catalog["parts"]) >= 150
    assert {part["category"] for part in catalog["parts"]} == CATEGORIES


def test_skus_are_unique_and_well_formed(catalog):
    skus = [part["sku"] for part in catalog["parts"]]
    assert len(skus) == len(set(skus))
    assert all(SKU_RE.match(sku) for sku in skus), [s for s in skus if not SKU_RE.match(s)]


def test_every_part_has_the_common_fields_and_a_known_supplier(catalog):
    codes = {supplier["code"] for supplier in catalog["suppliers"]}
    for part in catalog["parts"]:
        assert part["supplier"] in codes
        assert part["name"]
        assert 30 <= part["lead_time_days"] <= 180
        assert part["moq"] >= 1
        assert part["annual_capacity"] > 0
        assert isinstance(part["active"], bool)


def test_every_spec_field_is_present_and_valid(catalog):
    for part in catalog["parts"]:
        specs, category = part["specs"], part["category"]
        assert set(specs) == SPEC_FIELDS[category], part["sku"]
        for key, value in specs.items():
            if key.endswith(("_mm", "_c", "_v", "_rpm", "_t", "_ka_per_m", "_kg", "_g", "_a")):
                assert isinstance(value, int | float) and not isinstance(value, bool), key
                assert value >= 0
                if isinstance(value, float):
                    assert not value.is_integer(), f"{part['sku']}.{key} should be an int"
        if category == "rotor_core":
            assert specs["poles"] % 2 == 0 and specs["poles"] > 0
        if category == "stator_core":
            assert specs["slot_type"] in {"round_wire", "rectangular"}
            assert specs["outer_diameter_mm"] > specs["inner_diameter_mm"]
        if category == "winding":
            assert specs["type"] in {"hairpin", "round_wire"}
            assert specs["phases"] == 3
        if category in {"winding", "insulation", "busbar"}:
            assert specs["voltage_class_v"] in {400, 800}
        if category in {"winding", "insulation"}:
            assert specs["insulation_class"] in CLASS_TEMP
        if category == "insulation":
            assert isinstance(specs["pd_free"], bool)
        if category == "shaft":
            assert specs["fit"] in {"press", "keyed"}
        if category == "magnet":
            assert specs["heavy_rare_earth"] in {"none", "dy", "tb", "dy_tb"}
            assert isinstance(specs["grain_boundary_diffused"], bool)
            assert (specs["dy_tb_kg"] == 0) == (specs["heavy_rare_earth"] == "none")
        if category == "temperature_sensor":
            assert specs["sensor_type"] in {"ntc", "pt1000"}
        if category == "resolver":
            assert specs["pole_pairs"] >= 1
            assert f"for {specs['bore_diameter_mm']} mm shaft" in part["name"]
        if category == "insulation":
            stated = re.search(r"(\d+) slots x ([\d.]+) mm", part["name"])
            assert (int(stated[1]), D(stated[2])) == (specs["slots"], D(specs["stack_length_mm"]))
        if category == "busbar":
            assert f"{specs['slots']}-slot stator" in part["name"]


def test_every_magnet_agrees_with_the_grade_tables(catalog):
    magnets = [p for p in catalog["parts"] if p["category"] == "magnet"]
    assert magnets
    for magnet in magnets:
        assert grade_errors(magnet["specs"]) == [], magnet["sku"]


def test_magnet_masses_and_rare_earth_contents_are_physical(catalog):
    for magnet in (p for p in catalog["parts"] if p["category"] == "magnet"):
        specs = magnet["specs"]
        volume = specs["length_mm"] * specs["width_mm"] * specs["thickness_mm"]
        assert 7.3 <= specs["mass_g"] / volume * 1000 <= 7.7, magnet["sku"]  # g/cm3
        share = (specs["ndpr_kg"] + specs["dy_tb_kg"]) / (specs["mass_g"] / 1000)
        assert 0.28 <= share <= 0.33, magnet["sku"]


def test_provenance_declares_the_required_stages(catalog):
    for part in catalog["parts"]:
        stages = [row["stage"] for row in part["provenance"]]
        assert "component_manufacturing" in stages, part["sku"]
        if part["category"] in STEEL_CATEGORIES:
            assert "steel_making" in stages, part["sku"]
        for row in part["provenance"]:
            assert re.fullmatch(r"[A-Z]{2}", row["country"]) and row["company"]
            if "evidence" in row:
                assert row["evidence"]["reference"]
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["evidence"]["expires"])


def test_steel_comes_from_posco_or_a_chinese_mill(catalog):
    for part in catalog["parts"]:
        for row in part["provenance"]:
            if row["stage"] == "steel_making":
                assert (row["country"], row["company"]) in {("KR", "POSCO"), ("CN", "Baosteel")}


def test_there_are_china_excluded_and_conventional_magnets(catalog, restricted_names):
    magnets = [p for p in catalog["parts"] if p["category"] == "magnet"]
    clean = [m for m in magnets if not china_excluded_violations(m, restricted_names)]
    conventional = [m for m in magnets if all(row["country"] == "CN" for row in m["provenance"])]
    assert len(clean) >= 10
    assert len(conventional) >= 4
    made_by_sgi = {
        row["country"]
        for m in clean
        for row in m["provenance"]
        if row["stage"] == "magnet_manufacturing" and row["company"] == "Star Group Ind."
    }
    assert made_by_sgi == {"KR", "VN"}
    mined = {row["country"] for m in clean for row in m["provenance"] if row["stage"] == "mining"}
    assert mined == {"AU", "US"}


def test_conventional_magnets_are_cheaper_than_china_excluded_equivalents(catalog):
    magnets = [p for p in catalog["parts"] if p["category"] == "magnet"]

    def key(m):
        s = m["specs"]
        return (s["grade"], s["heavy_rare_earth"], s["length_mm"], s["width_mm"])

    excluded = {key(m): m for m in magnets if not any(r["country"] == "CN" for r in m["provenance"])}
    compared = 0
    for magnet in magnets:
        if all(r["country"] == "CN" for r in magnet["provenance"]) and key(magnet) in excluded:
            twin = excluded[key(magnet)]
            assert D(magnet["pricing"]["tiers"][0]["unit_price"]) < D(
                twin["pricing"]["tiers"][0]["unit_price"]
            )
            compared += 1
    assert compared >= 2


def test_sourcing_edge_cases_are_present(catalog, restricted_names):
    magnets = [p for p in catalog["parts"] if p["category"] == "magnet"]
    unknown = [m for m in magnets if "ORIGIN_UNKNOWN" in china_excluded_violations(m, restricted_names)]
    expired = [m for m in magnets if "EVIDENCE_EXPIRED" in china_excluded_violations(m, restricted_names)]
    dfars_transition = [
        m
        for m in magnets
        if not dfars_violations(m, 2026) and dfars_violations(m, 2027) == {"ORIGIN_EXCLUDED"}
    ]
    assert unknown and expired and dfars_transition
    assert all(
        {r["country"] for r in m["provenance"] if r["stage"] == "magnet_manufacturing"} == {"KR"}
        for m in dfars_transition
    )
    expiries = [row["evidence"]["expires"] for m in magnets for row in m["provenance"] if "evidence" in row]
    current = [e for e in expiries if e >= REFERENCE_DATE]
    assert len(current) / len(expiries) > 0.9
    assert all("2027-01-01" <= e <= "2028-12-31" for e in current)


def test_a_restricted_supplier_appears_as_a_stage_company(catalog):
    restricted = [s for s in catalog["suppliers"] if s["restricted"]]
    assert restricted
    names = {s["name"] for s in restricted}
    assert any(
        row["company"] in names
        for p in catalog["parts"]
        for row in p["provenance"]
        if p["supplier"] not in {s["code"] for s in restricted}
    )


def test_suppliers_include_the_press_release_chain(catalog):
    suppliers = {s["code"]: s for s in catalog["suppliers"]}
    assert suppliers["SGI"]["name"] == "Star Group Ind." and suppliers["SGI"]["country"] == "KR"
    names = {s["name"] for s in catalog["suppliers"]}
    assert {"Lynas Rare Earths", "MP Materials", "POSCO"} <= names
    assert any(s["country"] == "VN" for s in catalog["suppliers"])


# --------------------------------------------------------------------------- pricing data


def test_decimal_fields_are_strings_and_tiers_grow(catalog):
    for part in catalog["parts"]:
        pricing = part["pricing"]
        tiers = pricing["tiers"]
        assert 2 <= len(tiers) <= 3
        assert tiers[0]["min_qty"] == 1
        assert [t["min_qty"] for t in tiers] == sorted({t["min_qty"] for t in tiers})
        prices = [t["unit_price"] for t in tiers]
        assert all(isinstance(p, str) and DECIMAL_RE.match(p) for p in prices)
        assert [D(p) for p in prices] == sorted((D(p) for p in prices), reverse=True)
        if pricing["currency"] == "KRW":
            assert all("." not in p for p in prices)
        else:
            assert all(len(p.split(".")[1]) == 2 for p in prices)
        for link in pricing.get("index_links", []):
            assert DECIMAL_RE.match(link["base_value"]) and DECIMAL_RE.match(link["kg_per_unit"])


def test_prices_exist_in_all_three_currencies(catalog):
    currencies = {part["pricing"]["currency"] for part in catalog["parts"]}
    assert currencies == {"USD", "KRW", "EUR"}


def test_prices_are_realistic(catalog):
    def usd(part):
        price = D(part["pricing"]["tiers"][0]["unit_price"])
        rate = {"USD": D(1), "KRW": 1 / D(1390), "EUR": D("1.15")}[part["pricing"]["currency"]]
        return price * rate

    bands = {"magnet": (1, 10), "rotor_core": (40, 120), "stator_core": (60, 180), "shaft": (25, 60)}
    for part in catalog["parts"]:
        if part["category"] in bands:
            low, high = bands[part["category"]]
            assert low <= usd(part) <= high, (part["sku"], usd(part))
        if part["category"] == "winding" and part["specs"]["type"] == "hairpin":
            assert 80 <= usd(part) <= 230, part["sku"]


def test_magnets_are_linked_to_the_rare_earth_indices(catalog):
    for magnet in (p for p in catalog["parts"] if p["category"] == "magnet"):
        links = {link["index"]: link for link in magnet["pricing"]["index_links"]}
        assert D(links["NDPR_OXIDE"]["kg_per_unit"]) == D(magnet["specs"]["ndpr_kg"])
        hre = magnet["specs"]["heavy_rare_earth"]
        expected = {"none": set(), "dy": {"DY_OXIDE"}, "tb": {"TB_OXIDE"}, "dy_tb": {"DY_OXIDE", "TB_OXIDE"}}[
            hre
        ]
        assert set(links) - {"NDPR_OXIDE"} == expected, magnet["sku"]
        hre_kg = sum(D(links[i]["kg_per_unit"]) for i in expected)
        assert hre_kg == D(magnet["specs"]["dy_tb_kg"])


def _months() -> list[str]:
    return [f"{2025 + i // 12}-{i % 12 + 1:02d}-01" for i in range(23)]


def test_indices_are_monthly_and_realistic(catalog):
    indices = {index["code"]: index for index in catalog["indices"]}
    bands = {"NDPR_OXIDE": (55, 75), "DY_OXIDE": (150, 400), "TB_OXIDE": (600, 1500)}
    assert set(indices) == set(bands)
    for code, (low, high) in bands.items():
        assert indices[code]["unit"] == "USD/kg"
        values = indices[code]["values"]
        assert [v["date"] for v in values] == _months()
        assert all(isinstance(v["value"], str) and low <= D(v["value"]) <= high for v in values)


def test_exchange_rates_are_monthly_realistic_and_consistent(catalog):
    rates: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in catalog["exchange_rates"]:
        assert isinstance(row["rate"], str)
        rates.setdefault((row["from"], row["to"]), {})[row["date"]] = D(row["rate"])
    bands = {
        ("USD", "KRW"): (1350, 1450),
        ("EUR", "KRW"): (1450, 1600),
        ("EUR", "USD"): (D("1.04"), D("1.17")),
    }
    assert set(rates) == set(bands)
    for pair, (low, high) in bands.items():
        assert sorted(rates[pair]) == _months()
        assert all(low <= value <= high for value in rates[pair].values()), pair
    for day in _months():
        cross = rates["EUR", "USD"][day] * rates["USD", "KRW"][day]
        assert abs(cross - rates["EUR", "KRW"][day]) < D("0.01")


def test_volumes_and_lifecycle_are_realistic(catalog):
    parts = catalog["parts"]
    for part in parts:
        if part["category"] == "magnet":
            assert part["annual_capacity"] >= 1_000_000
        if part["category"] in {"rotor_core", "stator_core"}:
            assert 100_000 <= part["annual_capacity"] <= 600_000
    assert any(part["annual_capacity"] <= 20_000 for part in parts)
    assert 3 <= sum(not part["active"] for part in parts) <= 10


# --------------------------------------------------------------------------- families


def test_there_are_at_least_three_documented_families():
    assert len(FAMILIES) >= 3
    pairs = {(f["skus"]["stator_core"].split("-")[1]) for f in FAMILIES.values()}
    assert {"48S", "72S", "54S"} <= pairs
    for code in FAMILIES:
        assert code in catalog_builder.__doc__


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_family_defaults_satisfy_every_compatibility_rule(code, by_sku):
    family = FAMILIES[code]
    req = family["requirements"]
    assert set(req) == {"dc_bus_voltage_v", "max_speed_rpm", "max_magnet_temp_c", "max_winding_temp_c"}
    assert set(family["skus"]) == CATEGORIES
    config = family_config(code, by_sku)
    assert {slot: part["category"] for slot, part in config.items()} == {s: s for s in config}
    assert compat_violations(config, req) == set()
    rotor, stator = config["rotor_core"]["specs"], config["stator_core"]["specs"]
    gap = (D(stator["inner_diameter_mm"]) - D(rotor["outer_diameter_mm"])) / 2
    assert D("0.35") < gap < D("1.0")
    assert family["quantities"]["magnet"] == magnet_qty(config["rotor_core"], config["magnet"])
    assert family["quantities"]["end_plate"] == 2


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_family_defaults_satisfy_china_excluded_and_the_schedule(code, by_sku, restricted_names):
    family = FAMILIES[code]
    assert family["sourcing_policy"] == "china-excluded"
    config = family_config(code, by_sku)
    for part in config.values():
        assert china_excluded_violations(part, restricted_names) == set(), part["sku"]
    assert dfars_violations(config["magnet"], 2027) == set()
    assert capacity_problems(config, family["schedule"]) == []
    first_year = min(row["year"] for row in family["schedule"])
    assert max(part["lead_time_days"] for part in config.values()) < (365 * (first_year - 2027) + 36)


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_family_variants_stay_valid(code, by_sku, restricted_names):
    family = FAMILIES[code]
    assert len(family["variants"]) >= 8
    swapped = set()
    for override in family["variants"]:
        config = family_config(code, by_sku, override)
        assert compat_violations(config, family["requirements"]) == set(), override
        for sku in override.values():
            assert china_excluded_violations(by_sku[sku], restricted_names) == set(), sku
        assert capacity_problems(config, family["schedule"]) == [], override
        swapped.update(override)
    assert {"magnet", "stator_core", "winding", "shaft", "resolver"} <= swapped
    winding_types = {by_sku[o["winding"]]["specs"]["type"] for o in family["variants"] if "winding" in o} | {
        by_sku[family["skus"]["winding"]]["specs"]["type"]
    }
    assert winding_types == {"hairpin", "round_wire"}


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_family_offers_segmented_magnets(code, by_sku):
    family = FAMILIES[code]
    rotor = by_sku[family["skus"]["rotor_core"]]
    quantities = {magnet_qty(rotor, by_sku[family["skus"]["magnet"]])}
    quantities |= {magnet_qty(rotor, by_sku[o["magnet"]]) for o in family["variants"] if "magnet" in o}
    assert len(quantities) >= 2
    poles = rotor["specs"]["poles"] * rotor["specs"]["magnets_per_pole"]
    assert any(q >= 2 * poles for q in quantities)


def test_prius_class_family_has_the_benchmarked_geometry(by_sku):
    config = family_config("CK48-8", by_sku)
    stator, rotor, magnet = (config[s]["specs"] for s in ("stator_core", "rotor_core", "magnet"))
    assert (stator["outer_diameter_mm"], stator["inner_diameter_mm"]) == (264, 161.9)
    assert (rotor["outer_diameter_mm"], rotor["stack_length_mm"]) == (160.44, 50.8)
    assert (magnet["length_mm"], magnet["width_mm"], magnet["thickness_mm"]) == (49.3, 17.9, 7.2)
    assert (rotor["pocket_length_mm"], rotor["pocket_width_mm"], rotor["pocket_thickness_mm"]) == (
        50.8,
        18.0,
        7.3,
    )
    assert FAMILIES["CK48-8"]["quantities"]["magnet"] == 16


# --------------------------------------------------------------------------- near-misses


def test_near_misses_exist_in_the_catalog_with_known_families(by_sku):
    assert NEAR_MISSES
    for sku, miss in NEAR_MISSES.items():
        assert sku in by_sku
        assert miss["family"] in FAMILIES
        assert by_sku[sku]["category"] == miss["slot"]


@pytest.mark.parametrize("sku", sorted(s for s, m in NEAR_MISSES.items() if m["kind"] == "compatibility"))
def test_compatibility_near_miss_breaks_exactly_its_rule(sku, by_sku):
    miss = NEAR_MISSES[sku]
    family = FAMILIES[miss["family"]]
    config = family_config(miss["family"], by_sku, {miss["slot"]: sku})
    assert compat_violations(config, family["requirements"]) == {(miss["rule"], miss["severity"])}


@pytest.mark.parametrize("sku", sorted(s for s, m in NEAR_MISSES.items() if m["kind"] != "compatibility"))
def test_sourcing_and_schedule_near_misses_fit_but_fail_their_rule(sku, by_sku, restricted_names):
    miss = NEAR_MISSES[sku]
    family = FAMILIES[miss["family"]]
    part = by_sku[sku]
    config = family_config(miss["family"], by_sku, {miss["slot"]: sku})
    assert compat_violations(config, family["requirements"]) == set()
    if miss["kind"] == "schedule":
        assert miss["rule"] == "CAPACITY"
        assert capacity_problems(config, family["schedule"])
    elif miss["policy"] == "china-excluded":
        assert miss["rule"] in china_excluded_violations(part, restricted_names)
    elif miss["policy"] == "dfars-7052":
        assert dfars_violations(part, 2026) == set()
        assert dfars_violations(part, 2027) == {"ORIGIN_EXCLUDED"}
    elif miss["policy"] == "uflpa":
        assert miss["rule"] == "ENTITY_RESTRICTED"
        assert "ENTITY_RESTRICTED" in china_excluded_violations(part, restricted_names)
    else:
        pytest.fail(f"unexpected near-miss {miss}")


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_each_family_has_the_requested_near_misses(code, by_sku):
    misses = [(m["rule"], m["severity"]) for m in NEAR_MISSES.values() if m["family"] == code]
    for expected in [
        ("AIR_GAP", "error"),
        ("AIR_GAP", "warning"),
        ("STACK_LENGTH", "error"),
        ("MAGNET_FIT", "error"),
        ("MAGNET_TEMP", "error"),
        ("INSULATION_CLASS", "error"),
        ("SHAFT_FIT", "error"),
        ("END_PLATE_FIT", "error"),
        ("RESOLVER_FIT", "error"),
        ("INSULATION_FIT", "error"),
        ("BUSBAR_FIT", "error"),
        ("SLOT_POLE", "error"),
        ("ROTOR_SPEED", "error"),
        ("ORIGIN_EXCLUDED", "error"),
        ("ORIGIN_UNKNOWN", "error"),
        ("EVIDENCE_EXPIRED", "warning"),
    ]:
        assert expected in misses, expected
    if FAMILIES[code]["requirements"]["dc_bus_voltage_v"] > 500:
        busbar_misses = [
            s
            for s, m in NEAR_MISSES.items()
            if m["family"] == code and m["slot"] == "busbar" and m["rule"] == "VOLTAGE_CLASS"
        ]
        assert busbar_misses
    n45h = [
        s for s, m in NEAR_MISSES.items() if m["family"] == code and by_sku[s]["specs"].get("grade") == "N45H"
    ]
    assert n45h and by_sku[n45h[0]]["specs"]["max_operating_temp_c"] == 120


def test_some_near_misses_are_inactive_and_air_gaps_hit_the_documented_values(by_sku):
    assert any(m["rule"] == "PART_INACTIVE" for m in NEAR_MISSES.values())
    gaps = set()
    for sku, miss in NEAR_MISSES.items():
        if miss["rule"] == "AIR_GAP":
            bore = by_sku[FAMILIES[miss["family"]]["skus"]["stator_core"]]["specs"]
            gaps.add((D(bore["inner_diameter_mm"]) - D(by_sku[sku]["specs"]["outer_diameter_mm"])) / 2)
    assert gaps == {D("0.2"), D("0.3")}


# --------------------------------------------------------------------------- determinism, CLI


def test_demo_catalog_is_deterministic():
    first = json.dumps(build_demo_catalog(), sort_keys=True)
    assert json.dumps(build_demo_catalog(), sort_keys=True) == first


def test_checked_in_demo_catalog_matches_the_builder():
    path = Path(__file__).resolve().parents[3] / "parts" / "data" / "demo_catalog.json"
    assert json.loads(path.read_text(encoding="utf-8")) == build_demo_catalog()


def test_main_writes_the_demo_catalog_to_a_file_and_to_stdout(tmp_path):
    target = tmp_path / "out" / "catalog.json"
    assert catalog_builder.main([str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == build_demo_catalog()
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert catalog_builder.main(["--synthetic", "25"]) == 0
    assert len(json.loads(buffer.getvalue())["parts"]) == 25


def test_builder_imports_no_django():
    for module in Path(catalog_builder.__file__).parent.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        # Pure: the apps' domain packages (shared tables) at most, never Django or the apps.
        imports = re.findall(r"^\s*(?:import|from)\s+([\w.]+)", source, re.MULTILINE)
        assert not [m for m in imports if m.split(".")[0] in {"django", "core", "parts", "configurator",
                                                                "orders"} and ".domain" not in m], module.name


def test_importing_the_demo_catalog_builds_nothing():
    # The catalog is built on demand (build_demo_catalog, first use of FAMILIES), not at import.
    code = ("import demo.catalog, demo.catalog.design as d; "
            "assert d.reference_design.cache_info().currsize == 0; "
            "demo.catalog.FAMILIES; assert d.reference_design.cache_info().currsize == 1")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_python_dash_m_writes_the_checked_in_demo_catalog_byte_for_byte(tmp_path):
    root = Path(__file__).resolve().parents[3]
    target = tmp_path / "demo_catalog.json"
    result = subprocess.run([sys.executable, "-m", "demo.catalog", str(target)], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == (root / "parts" / "data" / "demo_catalog.json").read_bytes()


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synthetic_1k() -> dict[str, Any]:
    return build_synthetic_catalog(1000)


def test_synthetic_catalog_has_unique_skus_and_every_category(synthetic_1k):
    parts = synthetic_1k["parts"]
    assert len(parts) == 1000
    skus = [p["sku"] for p in parts]
    assert len(set(skus)) == 1000
    assert all(SKU_RE.match(sku) for sku in skus)
    assert {p["category"] for p in parts} == CATEGORIES
    assert synthetic_1k["format"] == "corekit-catalog/1"


def test_synthetic_parts_stay_valid_catalog_rows(synthetic_1k):
    for part in synthetic_1k["parts"]:
        assert set(part["specs"]) == SPEC_FIELDS[part["category"]]
        assert 30 <= part["lead_time_days"] <= 180
        if part["category"] == "magnet":
            assert grade_errors(part["specs"]) == [], part["sku"]
            ndpr = next(link for link in part["pricing"]["index_links"] if link["index"] == "NDPR_OXIDE")
            assert D(ndpr["kg_per_unit"]) == D(part["specs"]["ndpr_kg"])


def test_synthetic_catalog_keeps_a_realistic_share_of_near_misses(synthetic_1k):
    demo_skus = {p["sku"] for p in build_demo_catalog()["parts"]}

    def template(sku: str) -> str:
        return sku if sku in demo_skus else sku.rsplit("-X", 1)[0]

    share = sum(template(p["sku"]) in NEAR_MISSES for p in synthetic_1k["parts"]) / 1000
    assert 0.2 <= share <= 0.8


def test_synthetic_catalog_is_seeded():
    assert build_synthetic_catalog(300, seed=3) == build_synthetic_catalog(300, seed=3)
    assert build_synthetic_catalog(300, seed=3) != build_synthetic_catalog(300, seed=4)


def test_small_synthetic_catalog_still_covers_every_category():
    parts = build_synthetic_catalog(10)["parts"]
    assert {p["category"] for p in parts} == CATEGORIES
