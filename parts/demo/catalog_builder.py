"""Build the corekit demo catalog (format "corekit-catalog/1", interfaces.md section 1).

Pure Python, standard library only: no Django import, so the seed command, the
benchmarks and the unit tests can all call it.

    python -m parts.demo.catalog_builder parts/data/demo_catalog.json
    python -m parts.demo.catalog_builder --synthetic 10000 /tmp/catalog-10k.json

``build_demo_catalog()`` is deterministic (no clock, no randomness): the same
document every run. ``build_synthetic_catalog(n_parts, seed=7)`` returns the demo
parts plus seeded, jittered copies of them (unique SKUs) so that a benchmark
catalog has the same spec distributions, the same share of near-misses and the
same share of China-excluded and conventional supply chains as the demo.

Families
--------
``FAMILIES`` describes four complete motor-core packages (template
``motor-core-package``) that pass every compatibility rule of domain.md section 4
with the requirements below, and the ``china-excluded`` sourcing policy (no
declared stage in CN, every required stage declared, no expired evidence, no
restricted entity). Each family has default SKUs per slot (``skus``), the kit
quantities (``quantities``; magnets by the formula poles x magnets_per_pole x
floor(pocket_length / magnet length)), a delivery ``schedule`` (2028-2032, within
every default part's annual capacity and lead time as of 2026-11-26) and
``variants``: slot overrides that keep the configuration valid (other plants,
segmented magnets, hairpin/round-wire pairs, keyed shafts, 1-pole-pair resolvers).

Fits the part names state: a resolver "for 52 mm shaft" has a 52 mm bore (the
family's rotor bore, within 0.10 mm of its press seat at +0.04 and its keyed seat
at -0.02); slot insulation "48 slots x 50.8 mm" is cut for that slot count and
stack; a busbar "48-slot stator" has 48 slots; end plate bores are the rotor bore
+ 0.5 mm (0.46 and 0.52 mm over the two seats, at most 1.0 allowed).

======== ======================================== ====== ======= ======== =========
code     geometry                                 dc bus speed   magnet   winding
                                                  (V)    (rpm)   max (C)  max (C)
======== ======================================== ====== ======= ======== =========
CK48-8   48 slots / 8 poles, Prius 2010 class:    400    13,500  150      180
         stator OD 264, bore 161.9, rotor OD
         160.44, stack 50.8, round wire; magnets
         49.3 x 17.9 x 7.2 in 50.8 x 18.0 x 7.3
         pockets, 2 per pole (16 per kit)
CK72-12  72 slots / 12 poles: stator OD 290,      800    11,000  150      180
         bore 200.0, rotor OD 198.6, stack 60,
         hairpin, pd-free insulation
CK54-6   54 slots / 6 poles: stator OD 270, bore  400    12,000  150      180
         180.0, rotor OD 178.8, stack 90, hairpin,
         3 magnets per pole in 2 axial segments
CK72-8   72 slots / 8 poles, Bolt class: stator   800    14,000  180      200
         OD 220, bore 141.0, rotor OD 140.0,
         stack 110, hairpin class N, UH magnets
         in 3 axial segments
======== ======================================== ====== ======= ======== =========

Air gaps are 0.73, 0.70, 0.60 and 0.50 mm; rotor surface speed stays below
120 m/s at both the required and the rated rotor speed.

Near-misses
-----------
``NEAR_MISSES`` maps each deliberately excluded SKU to the family it was made
for, the slot, the rule code that excludes it and its severity. Swapped into the
family's default configuration, a compatibility near-miss breaks exactly that one
rule: rotor ODs giving an air gap of 0.2 mm (error) and 0.3 mm (warning), a rotor
stack 2.5 mm too long, a rotor rated 1,000 rpm below the requirement, a magnet
whose width leaves 0.01 mm pocket clearance (0.01 mm too wide for the 0.02 mm
minimum), an N45H (120 C) magnet, F-class insulation, a keyed shaft with 0.08 mm
clearance, a winding for the wrong slot or pole count, an oversize end plate, a
loose end plate (bore 1.2 mm over the rotor bore: more than 1.0 mm over either
shaft seat), a resolver with the wrong pole pairs, a resolver for a shaft 2 mm
thinner (RESOLVER_FIT), insulation cut for another family's slot count and for a
stack 1.0 mm longer (INSULATION_FIT), a busbar for another family's slot count
(BUSBAR_FIT), 400 V busbars and non-pd-free insulation in
800 V families, one inactive part per family, a thinner rotor lamination
(LAMINATION_MATCH warning) and a pilot-line resolver of 20,000 units a year
(CAPACITY against the family schedule). Sourcing near-misses fit the geometry but
fail a policy: conventional Chinese chains (ORIGIN_EXCLUDED under china-excluded),
a Korean-made magnet from Chinese ore (dfars-7052: allowed until 2026-12-31,
excluded from 2027-01-01), magnets with an undeclared mining or separation stage
(ORIGIN_UNKNOWN), magnets with expired evidence (EVIDENCE_EXPIRED) and magnets
whose alloy stage is a supplier marked restricted (ENTITY_RESTRICTED under uflpa).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

FORMAT = "corekit-catalog/1"

#: The day the demo data is written for: evidence expiring before it is expired.
REFERENCE_DATE = "2026-11-26"

CATEGORIES = (
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
)

#: NdFeB temperature suffix -> (max operating temperature C, minimum coercivity kA/m).
GRADE_SUFFIXES = {
    "": (80, 955),
    "M": (100, 1114),
    "H": (120, 1353),
    "SH": (150, 1592),
    "UH": (180, 1990),
    "EH": (200, 2388),
    "AH": (220, 2626),
}

#: NdFeB grade number -> remanence range (T).
GRADE_REMANENCE = {
    35: (1.17, 1.22),
    38: (1.22, 1.25),
    40: (1.25, 1.28),
    42: (1.28, 1.32),
    45: (1.32, 1.38),
    48: (1.37, 1.42),
    50: (1.39, 1.45),
    52: (1.42, 1.48),
}

INSULATION_CLASS_TEMP = {"F": 155, "H": 180, "N": 200, "R": 220}

_GRADE_RE = re.compile(r"^N(\d{2})([A-Z]*)$")

# Typical remanence (T) and coercivity (kA/m) the demo data sheets quote.
_TYPICAL_BR = {35: 1.19, 38: 1.23, 40: 1.26, 42: 1.30, 45: 1.35, 48: 1.39, 50: 1.42, 52: 1.45}
_TYPICAL_HCJ = {"": 1000, "M": 1150, "H": 1400, "SH": 1640, "UH": 2030, "EH": 2430, "AH": 2680}
# Sintered NdFeB density, g/mm3.
_MAGNET_DENSITY = Decimal("0.00755")
# Rare-earth share of a sintered NdFeB magnet by mass (NdPr + Dy + Tb).
_RE_SHARE = Decimal("0.305")
# Price per kg of magnet by temperature suffix, USD (China-excluded chain).
_MAGNET_USD_PER_KG = {"": 70, "M": 74, "H": 80, "SH": 92, "UH": 115, "EH": 135, "AH": 155}

# List-price conversions used only to express demo prices in KRW and EUR.
_KRW_PER_USD = Decimal("1390")
_USD_PER_EUR = Decimal("1.15")

_MONTHS = tuple(f"{2025 + i // 12}-{i % 12 + 1:02d}-01" for i in range(23))  # 2025-01..2026-11

# fmt: off
_NDPR_OXIDE = (
    "55.80", "56.40", "58.10", "59.20", "57.60", "59.90", "63.80", "72.40", "74.60", "71.20",
    "68.30", "66.90", "64.70", "63.20", "62.80", "61.90", "63.40", "64.10", "65.30", "64.20",
    "63.10", "62.50", "62.90",
)
_DY_OXIDE = (
    "228.00", "231.00", "236.00", "242.00", "240.00", "238.00", "245.00", "252.00", "258.00",
    "255.00", "250.00", "247.00", "244.00", "241.00", "239.00", "243.00", "246.00", "249.00",
    "252.00", "250.00", "248.00", "246.00", "247.00",
)
_TB_OXIDE = (
    "905.00", "918.00", "940.00", "962.00", "955.00", "948.00", "975.00", "1010.00", "1035.00",
    "1020.00", "998.00", "985.00", "972.00", "960.00", "954.00", "966.00", "978.00", "990.00",
    "1004.00", "996.00", "988.00", "981.00", "984.00",
)
_USD_KRW = (
    "1448.30", "1440.10", "1431.70", "1418.40", "1396.60", "1372.90", "1360.20", "1366.50",
    "1358.80", "1372.60", "1384.30", "1378.80", "1382.60", "1388.30", "1391.70", "1394.20",
    "1389.40", "1381.90", "1378.60", "1383.10", "1387.40", "1388.70", "1385.20",
)
_EUR_USD = (
    "1.0520", "1.0480", "1.0650", "1.0980", "1.1210", "1.1430", "1.1660", "1.1620", "1.1700",
    "1.1580", "1.1540", "1.1600", "1.1570", "1.1500", "1.1460", "1.1410", "1.1380", "1.1350",
    "1.1390", "1.1440", "1.1480", "1.1520", "1.1510",
)
# fmt: on

_INDEX_BASE = {"NDPR_OXIDE": Decimal("60.00"), "DY_OXIDE": Decimal("240.00"), "TB_OXIDE": Decimal("950.00")}

# (code, name, country, restricted)
_SUPPLIERS = (
    ("SGI", "Star Group Ind.", "KR", False),
    ("HPRA", "Hai Phong Rare Earth Alloys JSC", "VN", False),
    ("LYNAS", "Lynas Rare Earths", "AU", False),
    ("MPM", "MP Materials", "US", False),
    ("POSCO", "POSCO", "KR", False),
    ("PMS", "POSCO Mobility Solution", "KR", False),
    ("HPW", "Hanyang Precision Winding", "KR", False),
    ("SCW", "Saigon Coil Works", "VN", False),
    ("KREM", "Krempel GmbH", "DE", False),
    ("RBS", "Rhein Busbar Systems GmbH", "DE", False),
    ("TAMA", "Tamagawa Seiki", "JP", False),
    ("SEMI", "Semitec", "JP", False),
    ("HNX", "Heraeus Nexensos", "DE", False),
    ("CWF", "Changwon Precision Forge", "KR", False),
    ("CNRE", "China Northern Rare Earth", "CN", False),
    ("BAOS", "Baosteel", "CN", False),
    ("NESM", "Ningbo East Sea Magnetics", "CN", False),
    ("GSMC", "Ganzhou Southern Magnet Co.", "CN", False),
    ("SZLW", "Suzhou Lamination Works", "CN", False),
    ("JPS", "Jiangsu Precision Shaft Co.", "CN", False),
    ("CZW", "Changzhou Winding Co.", "CN", False),
    ("TWMC", "Tianshan Western Metals Co.", "CN", True),
)
_SUPPLIER_NAME = {code: name for code, name, _, _ in _SUPPLIERS}

# Family geometry. Lengths in mm, speeds in rpm.
_FAMILY_DEFS: tuple[dict[str, Any], ...] = (
    {
        "code": "CK48-8",
        "title": "48-slot / 8-pole IPM core, Prius 2010 class, 400 V",
        "slots": 48,
        "poles": 8,
        "magnets_per_pole": 2,
        "stator_od": "264.0",
        "bore": "161.9",
        "rotor_od": "160.44",
        "stack": "50.8",
        "rotor_bore": "52.00",
        "pocket": ("50.8", "18.0", "7.3"),
        "magnet_lengths": ("49.3", "24.6", "16.8"),
        "lam": "35PN250",
        "lam_cn": "B35A250",
        "lam_t": "0.35",
        "rotor_rpm": 14000,
        "shaft_rpm": 16000,
        "shaft_length": "262",
        "end_plate_od": "156.0",
        "slot_type": "round_wire",
        "winding_class": "H",
        "busbar_amps": (300, 450),
        "requirements": {
            "dc_bus_voltage_v": 400,
            "max_speed_rpm": 13500,
            "max_magnet_temp_c": 150,
            "max_winding_temp_c": 180,
        },
        "wrong_winding": (54, 8),
    },
    {
        "code": "CK72-12",
        "title": "72-slot / 12-pole hairpin IPM core, 800 V",
        "slots": 72,
        "poles": 12,
        "magnets_per_pole": 2,
        "stator_od": "290.0",
        "bore": "200.0",
        "rotor_od": "198.6",
        "stack": "60.0",
        "rotor_bore": "60.00",
        "pocket": ("60.0", "22.0", "5.2"),
        "magnet_lengths": ("58.6", "29.6"),
        "lam": "30PNX1500",
        "lam_cn": "B30AHV1500",
        "lam_t": "0.30",
        "rotor_rpm": 11400,
        "shaft_rpm": 14000,
        "shaft_length": "285",
        "end_plate_od": "194.0",
        "slot_type": "rectangular",
        "winding_class": "H",
        "busbar_amps": (400, 550),
        "requirements": {
            "dc_bus_voltage_v": 800,
            "max_speed_rpm": 11000,
            "max_magnet_temp_c": 150,
            "max_winding_temp_c": 180,
        },
        "wrong_winding": (72, 8),
    },
    {
        "code": "CK54-6",
        "title": "54-slot / 6-pole hairpin IPM core, 400 V",
        "slots": 54,
        "poles": 6,
        "magnets_per_pole": 3,
        "stator_od": "270.0",
        "bore": "180.0",
        "rotor_od": "178.8",
        "stack": "90.0",
        "rotor_bore": "55.00",
        "pocket": ("90.0", "22.0", "5.0"),
        "magnet_lengths": ("44.6", "29.5"),
        "lam": "35PN230",
        "lam_cn": "B35A230",
        "lam_t": "0.35",
        "rotor_rpm": 12500,
        "shaft_rpm": 15000,
        "shaft_length": "318",
        "end_plate_od": "174.0",
        "slot_type": "rectangular",
        "winding_class": "H",
        "busbar_amps": (350, 500),
        "requirements": {
            "dc_bus_voltage_v": 400,
            "max_speed_rpm": 12000,
            "max_magnet_temp_c": 150,
            "max_winding_temp_c": 180,
        },
        "wrong_winding": (48, 6),
    },
    {
        "code": "CK72-8",
        "title": "72-slot / 8-pole hairpin IPM core, Bolt class, 800 V",
        "slots": 72,
        "poles": 8,
        "magnets_per_pole": 2,
        "stator_od": "220.0",
        "bore": "141.0",
        "rotor_od": "140.0",
        "stack": "110.0",
        "rotor_bore": "45.00",
        "pocket": ("110.0", "20.0", "4.6"),
        "magnet_lengths": ("36.5", "27.3"),
        "lam": "27PNX1350",
        "lam_cn": "B27AHV1400",
        "lam_t": "0.27",
        "rotor_rpm": 16000,
        "shaft_rpm": 18000,
        "shaft_length": "340",
        "end_plate_od": "136.0",
        "slot_type": "rectangular",
        "winding_class": "N",
        "busbar_amps": (450, 600),
        "requirements": {
            "dc_bus_voltage_v": 800,
            "max_speed_rpm": 14000,
            "max_magnet_temp_c": 180,
            "max_winding_temp_c": 200,
        },
        "wrong_winding": (48, 8),
    },
)

#: Deliveries (kits a year) every family's default parts can serve.
DEMO_SCHEDULE = (
    {"year": 2028, "kits": 20000},
    {"year": 2029, "kits": 60000},
    {"year": 2030, "kits": 100000},
    {"year": 2031, "kits": 100000},
    {"year": 2032, "kits": 80000},
)
_MAX_KITS = max(row["kits"] for row in DEMO_SCHEDULE)

_TIER_MINS = {
    "magnet": (1, 200000, 2000000),
    "end_plate": (1, 50000, 200000),
    "temperature_sensor": (1, 100000, 500000),
}
_DEFAULT_TIER_MINS = (1, 20000, 100000)
_TIER_FACTORS = (Decimal("1"), Decimal("0.96"), Decimal("0.925"))

_EVIDENCE_EXPIRIES = (
    "2027-03-31",
    "2027-06-30",
    "2027-09-30",
    "2027-12-31",
    "2028-03-31",
    "2028-06-30",
    "2028-09-30",
    "2027-10-31",
)


# --------------------------------------------------------------------------- helpers


def _d(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _num(value: Any) -> int | float:
    """A spec number as JSON wants it: an int where integral, else a short float."""
    dec = _d(value)
    if dec == dec.to_integral_value():
        return int(dec)
    return float(dec.normalize())


def _money(amount: Decimal, currency: str) -> str:
    if currency == "KRW":
        return str((amount / 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 10)
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _kg(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _tag(value: str, scale: int) -> str:
    return str(int((_d(value) * scale).to_integral_value()))


def parse_grade(grade: str) -> tuple[int, str]:
    """'N48SH' -> (48, 'SH'). Raises ValueError for a grade outside the tables."""
    match = _GRADE_RE.match(grade)
    if not match or int(match.group(1)) not in GRADE_REMANENCE or match.group(2) not in (GRADE_SUFFIXES):
        raise ValueError(f"unknown NdFeB grade {grade!r}")
    return int(match.group(1)), match.group(2)


def magnet_quantity(rotor_specs: dict[str, Any], magnet_specs: dict[str, Any]) -> int:
    """Magnets per rotor kit: poles x magnets_per_pole x floor(pocket_length / length)."""
    segments = math.floor(_d(rotor_specs["pocket_length_mm"]) / _d(magnet_specs["length_mm"]))
    return rotor_specs["poles"] * rotor_specs["magnets_per_pole"] * segments


# --------------------------------------------------------------------------- design


class _Design:
    """Builds parts, families and near-misses in one deterministic pass."""

    def __init__(self) -> None:
        self.parts: list[dict[str, Any]] = []
        self.by_sku: dict[str, dict[str, Any]] = {}
        self.families: dict[str, dict[str, Any]] = {}
        self.near_misses: dict[str, dict[str, Any]] = {}
        self._evidence_counters: dict[str, int] = {}
        self._part_counter = 0
        # Parts added after every family's own: the near misses of the fits added later
        # (RESOLVER_FIT, INSULATION_FIT, BUSBAR_FIT, a loose end plate), so the parts
        # that existed before keep their place and their price tiers.
        self._later: list[Callable[[], None]] = []

    # ---------------------------------------------------------------- provenance

    def _evidence(self, kind: str, expires: str | None = None) -> dict[str, str]:
        n = self._evidence_counters.get(kind, 0) + 1
        self._evidence_counters[kind] = n
        if expires is None:
            expires = _EVIDENCE_EXPIRIES[(n * 3 + len(kind)) % len(_EVIDENCE_EXPIRIES)]
        return {"reference": f"{kind}-2026-{n:04d}", "expires": expires}

    @staticmethod
    def _stage(stage: str, country: str, supplier: str, evidence: dict | None = None) -> dict:
        row: dict[str, Any] = {"stage": stage, "country": country, "company": _SUPPLIER_NAME[supplier]}
        if evidence:
            row["evidence"] = evidence
        return row

    def _magnet_chain(self, chain: str) -> list[dict[str, Any]]:
        s, ev = self._stage, self._evidence
        if chain in ("SGI-KR", "SGI-KR-E"):
            expired = chain == "SGI-KR-E"
            return [
                s("mining", "AU", "LYNAS", ev("COO", "2026-08-31" if expired else None)),
                s("separation", "MY", "LYNAS", ev("AUD")),
                s("metal_alloy", "VN", "HPRA", ev("MTC")),
                s("magnet_manufacturing", "KR", "SGI", ev("AUD")),
                s("component_manufacturing", "KR", "SGI"),
            ]
        if chain in ("SGI-VN", "SGI-VN-E"):
            expired = chain == "SGI-VN-E"
            return [
                s("mining", "US", "MPM", ev("COO")),
                s("separation", "US", "MPM", ev("AUD", "2026-09-30" if expired else None)),
                s("metal_alloy", "VN", "HPRA", ev("MTC")),
                s("magnet_manufacturing", "VN", "SGI", ev("AUD")),
                s("component_manufacturing", "VN", "SGI"),
            ]
        if chain == "SGI-KR-T":  # Korean magnet from Chinese ore: DFARS until 2026 only
            return [
                s("mining", "CN", "CNRE"),
                s("separation", "CN", "CNRE"),
                s("metal_alloy", "VN", "HPRA", ev("MTC")),
                s("magnet_manufacturing", "KR", "SGI", ev("AUD")),
                s("component_manufacturing", "KR", "SGI"),
            ]
        if chain == "SGI-VN-U":  # mining stage not declared
            return [
                s("separation", "MY", "LYNAS", ev("AUD")),
                s("metal_alloy", "VN", "HPRA", ev("MTC")),
                s("magnet_manufacturing", "VN", "SGI", ev("AUD")),
                s("component_manufacturing", "VN", "SGI"),
            ]
        if chain == "SGI-KR-U":  # separation stage not declared
            return [
                s("mining", "AU", "LYNAS", ev("COO")),
                s("metal_alloy", "VN", "HPRA", ev("MTC")),
                s("magnet_manufacturing", "KR", "SGI", ev("AUD")),
                s("component_manufacturing", "KR", "SGI"),
            ]
        if chain in ("NESM", "GSMC"):
            return [
                s("mining", "CN", "CNRE"),
                s("separation", "CN", "CNRE"),
                s("metal_alloy", "CN", chain),
                s("magnet_manufacturing", "CN", chain),
                s("component_manufacturing", "CN", chain),
            ]
        if chain == "GSMC-T":  # alloy from a restricted entity
            return [
                s("mining", "CN", "CNRE"),
                s("separation", "CN", "CNRE"),
                s("metal_alloy", "CN", "TWMC"),
                s("magnet_manufacturing", "CN", "GSMC"),
                s("component_manufacturing", "CN", "GSMC"),
            ]
        if chain == "TWMC":
            return [
                s("mining", "CN", "CNRE"),
                s("separation", "CN", "TWMC"),
                s("metal_alloy", "CN", "TWMC"),
                s("magnet_manufacturing", "CN", "TWMC"),
                s("component_manufacturing", "CN", "TWMC"),
            ]
        raise ValueError(chain)

    def _steel_chain(self, site: str, maker: str) -> list[dict[str, Any]]:
        if site == "CN":
            return [
                self._stage("steel_making", "CN", "BAOS", self._evidence("MTC")),
                self._stage("component_manufacturing", "CN", maker),
            ]
        return [
            self._stage("steel_making", "KR", "POSCO", self._evidence("MTC")),
            self._stage("component_manufacturing", site, maker, self._evidence("AUD")),
        ]

    # ---------------------------------------------------------------- parts

    def _pricing(
        self,
        category: str,
        usd: Decimal,
        currency: str,
        index_links: list[dict[str, str]] | None = None,
        *,
        tiers: int | None = None,
    ) -> dict[str, Any]:
        if currency == "KRW":
            base = usd * _KRW_PER_USD
        elif currency == "EUR":
            base = usd / _USD_PER_EUR
        else:
            base = usd
        mins = _TIER_MINS.get(category, _DEFAULT_TIER_MINS)
        count = tiers if tiers is not None else (2 if self._part_counter % 4 == 3 else 3)
        pricing: dict[str, Any] = {
            "currency": currency,
            "tiers": [
                {"min_qty": mins[i], "unit_price": _money(base * _TIER_FACTORS[i], currency)}
                for i in range(count)
            ],
        }
        if index_links:
            pricing["index_links"] = index_links
        return pricing

    def _add(
        self,
        *,
        sku: str,
        name: str,
        category: str,
        supplier: str,
        specs: dict[str, Any],
        provenance: list[dict[str, Any]],
        usd: Decimal,
        currency: str,
        lead_time_days: int,
        moq: int,
        annual_capacity: int,
        active: bool = True,
        index_links: list[dict[str, str]] | None = None,
        tiers: int | None = None,
    ) -> str:
        if sku in self.by_sku:
            raise ValueError(f"duplicate SKU {sku}")
        self._part_counter += 1
        part = {
            "sku": sku,
            "name": name,
            "category": category,
            "supplier": supplier,
            "specs": specs,
            "provenance": provenance,
            "pricing": self._pricing(category, usd, currency, index_links, tiers=tiers),
            "lead_time_days": lead_time_days,
            "moq": moq,
            "annual_capacity": annual_capacity,
            "active": active,
        }
        self.parts.append(part)
        self.by_sku[sku] = part
        return sku

    def _near_miss(
        self,
        fam: str,
        slot: str,
        sku: str,
        rule: str,
        note: str,
        *,
        severity: str = "error",
        kind: str = "compatibility",
        policy: str | None = None,
    ) -> None:
        self.near_misses[sku] = {
            "family": fam,
            "slot": slot,
            "rule": rule,
            "severity": severity,
            "kind": kind,
            "policy": policy,
            "note": note,
        }

    # ---------------------------------------------------------------- rotor side

    def _rotor(
        self,
        f: dict,
        *,
        od: str | None = None,
        stack: str | None = None,
        rpm: int | None = None,
        lam: str | None = None,
        lam_t: str | None = None,
        site: str = "KR",
        suffix: str = "",
        active: bool = True,
    ) -> str:
        od = od or f["rotor_od"]
        stack = stack or f["stack"]
        pl, pw, pt = f["pocket"]
        pocket_length = stack if _d(stack) > _d(pl) else pl
        lam_t = lam_t or f["lam_t"]
        lam = lam or (f["lam_cn"] if site == "CN" else f["lam"])
        sku = f"RC-{f['poles']}P-{_tag(od, 100)}-{_tag(stack, 10)}"
        if site != "KR":
            sku += f"-{site}"
        sku += suffix
        area = Decimal(math.pi / 4) * (_d(od) ** 2 - _d(f["rotor_bore"]) ** 2)
        steel_kg = area * _d(stack) * Decimal("7.65e-6")
        usd = steel_kg * Decimal("6.5") + 12
        maker = "SZLW" if site == "CN" else "PMS"
        if site == "CN":
            usd *= Decimal("0.84")
        currency = {"KR": "KRW", "MX": "USD", "PL": "EUR", "CN": "USD"}[site]
        plant = {"KR": "Cheonan", "MX": "Coahuila", "PL": "Kobierzyce", "CN": "Suzhou"}[site]
        specs = {
            "outer_diameter_mm": _num(od),
            "bore_diameter_mm": _num(f["rotor_bore"]),
            "stack_length_mm": _num(stack),
            "poles": f["poles"],
            "magnets_per_pole": f["magnets_per_pole"],
            "pocket_length_mm": _num(pocket_length),
            "pocket_width_mm": _num(pw),
            "pocket_thickness_mm": _num(pt),
            "lamination_grade": lam,
            "lamination_thickness_mm": _num(lam_t),
            "max_speed_rpm": rpm or f["rotor_rpm"],
        }

        speed = rpm or f["rotor_rpm"]
        name = (
            f"Rotor core {f['poles']}-pole V-IPM, OD {od}, stack {stack} mm, "
            f"{lam} {lam_t} mm, max {speed:,} rpm ({plant})"
        )
        if not active:
            name += ", superseded revision"
        return self._add(
            sku=sku,
            name=name,
            category="rotor_core",
            supplier=maker,
            specs=specs,
            provenance=self._steel_chain(site, maker),
            usd=usd,
            currency=currency,
            lead_time_days={"KR": 120, "MX": 150, "PL": 140, "CN": 90}[site],
            moq=1000,
            annual_capacity={"KR": 400000, "MX": 250000, "PL": 150000, "CN": 600000}[site],
            active=active,
        )

    def _magnet(
        self,
        f: dict,
        grade: str,
        hre: str,
        gbd: bool,
        length: str,
        chain: str,
        *,
        width: str | None = None,
        sku_suffix: str = "",
    ) -> str:
        number, suffix = parse_grade(grade)
        pl, pw, pt = f["pocket"]
        width = width or str(_d(pw) - Decimal("0.1"))
        thickness = str(_d(pt) - Decimal("0.1"))
        temp = GRADE_SUFFIXES[suffix][0]
        br = Decimal(str(_TYPICAL_BR[number])) + (Decimal("0.01") if gbd else 0)
        lo, hi = GRADE_REMANENCE[number]
        br = min(max(br, Decimal(str(lo))), Decimal(str(hi)))
        hcj = _TYPICAL_HCJ[suffix] + (60 if gbd else 0)
        volume = _d(length) * _d(width) * _d(thickness)
        mass_g = (volume * _MAGNET_DENSITY).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if hre == "none":
            hre_share = Decimal(0)
        elif gbd:
            hre_share = Decimal("0.006") if hre == "tb" else Decimal("0.010")
            if hre == "dy_tb":
                hre_share = Decimal("0.012")
        else:
            hre_share = {
                "H": Decimal("0.020"),
                "SH": Decimal("0.040"),
                "UH": Decimal("0.060"),
                "EH": Decimal("0.080"),
                "AH": Decimal("0.095"),
            }.get(suffix, Decimal(0))
        mass_kg = mass_g / 1000
        ndpr_kg = _kg(mass_kg * (_RE_SHARE - hre_share))
        dy_tb_kg = _kg(mass_kg * hre_share)
        if hre != "none" and dy_tb_kg == 0:
            dy_tb_kg = Decimal("0.0001")
        links = [
            {"index": "NDPR_OXIDE", "base_value": str(_INDEX_BASE["NDPR_OXIDE"]), "kg_per_unit": str(ndpr_kg)}
        ]
        if hre == "dy":
            links.append(
                {
                    "index": "DY_OXIDE",
                    "base_value": str(_INDEX_BASE["DY_OXIDE"]),
                    "kg_per_unit": str(dy_tb_kg),
                }
            )
        elif hre == "tb":
            links.append(
                {
                    "index": "TB_OXIDE",
                    "base_value": str(_INDEX_BASE["TB_OXIDE"]),
                    "kg_per_unit": str(dy_tb_kg),
                }
            )
        elif hre == "dy_tb":
            dy = max(_kg(dy_tb_kg * 2 / 3), Decimal("0.0001"))
            tb = dy_tb_kg - dy
            links.append(
                {"index": "DY_OXIDE", "base_value": str(_INDEX_BASE["DY_OXIDE"]), "kg_per_unit": str(dy)}
            )
            if tb > 0:
                links.append(
                    {"index": "TB_OXIDE", "base_value": str(_INDEX_BASE["TB_OXIDE"]), "kg_per_unit": str(tb)}
                )
        usd_per_kg = Decimal(_MAGNET_USD_PER_KG[suffix])
        if gbd:
            usd_per_kg *= Decimal("1.04")
        if hre in ("tb", "dy_tb"):
            usd_per_kg *= Decimal("1.08")
        usd = mass_kg * usd_per_kg + Decimal("0.35")  # coating, ageing and inspection
        conventional = chain in ("NESM", "GSMC", "GSMC-T", "TWMC")
        if conventional:
            usd *= Decimal("0.82")
        if chain == "SGI-KR-T":
            usd *= Decimal("0.92")
        hre_tag = {"none": "", "dy": "D", "tb": "T", "dy_tb": "DT"}[hre]
        if gbd:
            hre_tag = "G" + hre_tag
        sku = f"MAG-{grade}" + (f"-{hre_tag}" if hre_tag else "") + f"-{_tag(length, 100)}"
        sku += f"-{chain}{sku_suffix}"
        hre_text = {"none": "HRE-free", "dy": "Dy", "tb": "Tb", "dy_tb": "Dy/Tb"}[hre]
        if gbd:
            hre_text = f"GBD-{hre_text}"
        provenance = self._magnet_chain(chain)
        origin = "/".join(
            stage["country"] for stage in provenance if stage["stage"] != "component_manufacturing"
        )
        kind = "conventional" if conventional else "China-excluded"
        if chain in ("SGI-KR-T",):
            kind = "Korean-made, Chinese ore"
        elif chain.endswith("-U"):
            kind = "partial origin declaration"
        name = (
            f"Sintered NdFeB {grade} {hre_text} segment {length} x {width} x {thickness} mm, "
            f"{kind} ({origin})"
        )
        specs = {
            "grade": grade,
            "max_operating_temp_c": temp,
            "remanence_t": _num(br),
            "coercivity_ka_per_m": hcj,
            "length_mm": _num(length),
            "width_mm": _num(width),
            "thickness_mm": _num(thickness),
            "mass_g": _num(mass_g),
            "heavy_rare_earth": hre,
            "grain_boundary_diffused": gbd,
            "ndpr_kg": _num(ndpr_kg),
            "dy_tb_kg": _num(dy_tb_kg),
        }
        segments = math.floor(_d(pl) / _d(length))
        per_kit = f["poles"] * f["magnets_per_pole"] * segments
        needed = per_kit * _MAX_KITS
        capacity = max(4000000, -(-needed * 5 // 4 // 500000) * 500000)
        if conventional:
            capacity = max(capacity, 12000000)
        supplier = {"NESM": "NESM", "GSMC": "GSMC", "GSMC-T": "GSMC", "TWMC": "TWMC"}.get(chain, "SGI")
        return self._add(
            sku=sku,
            name=name,
            category="magnet",
            supplier=supplier,
            specs=specs,
            provenance=provenance,
            usd=usd,
            currency="USD",
            lead_time_days=75 if conventional else 90 + 15 * (segments - 1),
            moq=5000,
            annual_capacity=capacity,
            index_links=links,
        )

    def _shaft(self, f: dict, seat: str, fit: str, *, site: str = "KR") -> str:
        sku = f"SH-{f['poles']}P-{_tag(seat, 100)}-{'P' if fit == 'press' else 'K'}"
        maker = "CWF"
        if site == "CN":
            sku += "-CN"
            maker = "JPS"
        usd = Decimal("18") + _d(f["shaft_length"]) * Decimal("0.1")
        if site == "CN":
            usd *= Decimal("0.8")
        name = (
            f"Rotor shaft, {'press-fit' if fit == 'press' else 'keyed'} seat {seat} mm, "
            f"length {f['shaft_length']} mm, 42CrMo4 induction hardened, "
            f"max {f['shaft_rpm']:,} rpm ({'Jiangsu' if site == 'CN' else 'Changwon'})"
        )
        return self._add(
            sku=sku,
            name=name,
            category="shaft",
            supplier=maker,
            specs={
                "seat_diameter_mm": _num(seat),
                "length_mm": _num(f["shaft_length"]),
                "max_speed_rpm": f["shaft_rpm"],
                "fit": fit,
            },
            provenance=self._steel_chain(site, maker),
            usd=usd,
            currency="USD" if site == "CN" else "KRW",
            lead_time_days=60 if site == "CN" else 75,
            moq=1000,
            annual_capacity=800000 if site == "CN" else 500000,
        )

    def _end_plate(self, f: dict, od: str, bore: str) -> str:
        sku = f"EP-{_tag(od, 10)}-{_tag(bore, 10)}-SS"
        return self._add(
            sku=sku,
            name=f"Rotor end plate, non-magnetic stainless, OD {od}, bore {bore} mm (Changwon)",
            category="end_plate",
            supplier="CWF",
            specs={"outer_diameter_mm": _num(od), "bore_diameter_mm": _num(bore)},
            provenance=self._steel_chain("KR", "CWF"),
            usd=Decimal("3") + _d(od) * Decimal("0.03"),
            currency="KRW",
            lead_time_days=45,
            moq=2000,
            annual_capacity=1200000,
        )

    def _resolver(
        self,
        f: dict,
        pole_pairs: int,
        *,
        capacity: int = 600000,
        suffix: str = "",
        shaft_mm: str | None = None,
    ) -> str:
        # The resolver rotor's bore is the nominal shaft diameter, which is the family's
        # rotor bore: within 0.10 mm of both its press (+0.04) and keyed (-0.02) seats.
        shaft = _tag(shaft_mm or f["rotor_bore"], 1)
        sku = f"RSV-PP{pole_pairs}-{shaft}{suffix}"
        line = ", pilot line" if suffix else ""
        pairs = "1 pole pair" if pole_pairs == 1 else f"{pole_pairs} pole pairs"
        return self._add(
            sku=sku,
            name=f"Variable-reluctance resolver, {pairs}, for {shaft} mm shaft{line}",
            category="resolver",
            supplier="TAMA",
            specs={"pole_pairs": pole_pairs, "bore_diameter_mm": int(shaft)},
            provenance=[self._stage("component_manufacturing", "JP", "TAMA", self._evidence("AUD"))],
            usd=Decimal("22") + Decimal("1.5") * pole_pairs,
            currency="USD",
            lead_time_days=100,
            moq=1000,
            annual_capacity=capacity,
        )

    # ---------------------------------------------------------------- stator side

    def _stator(
        self, f: dict, slot_type: str, *, site: str = "KR", suffix: str = "", active: bool = True
    ) -> str:
        sku = (
            f"SC-{f['slots']}S-{_tag(f['bore'], 10)}-{_tag(f['stack'], 10)}-"
            f"{'R' if slot_type == 'rectangular' else 'W'}"
        )
        if site != "KR":
            sku += f"-{site}"
        sku += suffix
        lam = f["lam_cn"] if site == "CN" else f["lam"]
        area = Decimal(math.pi / 4) * (_d(f["stator_od"]) ** 2 - _d(f["bore"]) ** 2)
        steel_kg = area * Decimal("0.6") * _d(f["stack"]) * Decimal("7.65e-6")
        usd = steel_kg * 8 + 30
        if slot_type == "rectangular":
            usd *= Decimal("1.05")
        maker = "SZLW" if site == "CN" else "PMS"
        if site == "CN":
            usd *= Decimal("0.84")
        plant = {"KR": "Cheonan", "PL": "Kobierzyce", "CN": "Suzhou"}[site]
        slot_text = "rectangular slots (hairpin)" if slot_type == "rectangular" else ("round-wire slots")
        name = (
            f"Stator core {f['slots']}-slot, {slot_text}, OD {f['stator_od']}, "
            f"bore {f['bore']}, stack {f['stack']} mm, {lam} ({plant})"
        )
        if not active:
            name += ", superseded revision"
        return self._add(
            sku=sku,
            name=name,
            category="stator_core",
            supplier=maker,
            specs={
                "outer_diameter_mm": _num(f["stator_od"]),
                "inner_diameter_mm": _num(f["bore"]),
                "stack_length_mm": _num(f["stack"]),
                "slots": f["slots"],
                "slot_type": slot_type,
                "lamination_grade": lam,
                "lamination_thickness_mm": _num(f["lam_t"]),
            },
            provenance=self._steel_chain(site, maker),
            usd=usd,
            currency={"KR": "KRW", "PL": "EUR", "CN": "USD"}[site],
            lead_time_days={"KR": 120, "PL": 150, "CN": 90}[site],
            moq=1000,
            annual_capacity={"KR": 400000, "PL": 180000, "CN": 600000}[site],
            active=active,
        )

    def _winding(
        self,
        f: dict,
        wtype: str,
        cls: str,
        volt: int,
        *,
        slots: int | None = None,
        poles: int | None = None,
        site: str = "",
        active: bool = True,
        suffix: str = "",
    ) -> str:
        slots = slots or f["slots"]
        poles = poles or f["poles"]
        sku = f"WD-{'HP' if wtype == 'hairpin' else 'RW'}-{slots}S{poles}P-{cls}{volt}-{_tag(f['stack'], 10)}"
        if site == "CN":
            sku += "-CN"
        sku += suffix
        usd = Decimal(60) + _d(f["stack"]) * Decimal("0.9") + Decimal(slots) / 2
        if wtype == "round_wire":
            usd *= Decimal("0.75")
        if cls in ("N", "R"):
            usd *= Decimal("1.08")
        if volt == 800:
            usd *= Decimal("1.06")
        if site == "CN":
            usd *= Decimal("0.82")
            maker, country, currency = "CZW", "CN", "USD"
        elif wtype == "hairpin":
            maker, country, currency = "HPW", "KR", "KRW"
        else:
            maker, country, currency = "SCW", "VN", "USD"
        text = "Hairpin" if wtype == "hairpin" else "Round-wire distributed"
        name = (
            f"{text} winding {slots} slots / {poles} poles, 3 phases, class {cls}, "
            f"{volt} V, for {f['stack']} mm stack"
        )
        if site == "CN":
            name += " (Changzhou)"
        if not active:
            name += ", discontinued"
        provenance = [
            self._stage(
                "component_manufacturing", country, maker, None if site == "CN" else self._evidence("AUD")
            )
        ]
        if wtype == "hairpin":
            provenance.append(self._stage("assembly", country, maker))
        return self._add(
            sku=sku,
            name=name,
            category="winding",
            supplier=maker,
            specs={
                "type": wtype,
                "slots": slots,
                "poles": poles,
                "phases": 3,
                "insulation_class": cls,
                "voltage_class_v": volt,
                "stack_length_mm": _num(f["stack"]),
            },
            provenance=provenance,
            usd=usd,
            currency=currency,
            lead_time_days=90 if wtype == "hairpin" else 75,
            moq=500,
            annual_capacity=300000 if site != "CN" else 500000,
            active=active,
        )

    def _insulation(
        self,
        f: dict,
        cls: str,
        volt: int,
        pd_free: bool,
        *,
        slots: int | None = None,
        stack: str | None = None,
    ) -> str:
        slots = slots or f["slots"]
        stack = stack or f["stack"]
        sku = f"INS-{slots}S-{_tag(stack, 10)}-{cls}{volt}{'P' if pd_free else ''}"
        usd = Decimal(12) + Decimal(slots) / 4 + _d(stack) * Decimal("0.05")
        usd *= {"F": Decimal("0.9"), "H": Decimal(1), "N": Decimal("1.15"), "R": Decimal("1.3")}[cls]
        if pd_free:
            usd *= Decimal("1.2")
        pd = ", partial-discharge free (IEC 60034-18-41 Type I)" if pd_free else ""
        return self._add(
            sku=sku,
            name=(
                f"Slot insulation system {slots} slots x {stack} mm, "
                f"class {cls} ({INSULATION_CLASS_TEMP[cls]} C), {volt} V{pd}"
            ),
            category="insulation",
            supplier="KREM",
            specs={
                "insulation_class": cls,
                "voltage_class_v": volt,
                "pd_free": pd_free,
                "slots": slots,
                "stack_length_mm": _num(stack),
            },
            provenance=[self._stage("component_manufacturing", "DE", "KREM", self._evidence("AUD"))],
            usd=usd,
            currency="EUR",
            lead_time_days=45,
            moq=1000,
            annual_capacity=900000,
        )

    def _busbar(
        self,
        f: dict,
        volt: int,
        amps: int,
        *,
        active: bool = True,
        suffix: str = "",
        slots: int | None = None,
    ) -> str:
        slots = slots or f["slots"]
        sku = f"BB-{slots}S{f['poles']}P-{volt}V-{amps}A{suffix}"
        usd = Decimal(20) + Decimal(amps) * Decimal("0.06")
        if volt == 800:
            usd *= Decimal("1.1")
        return self._add(
            sku=sku,
            name=f"Laminated busbar and terminal set, 3 phases, {volt} V, {amps} A, "
            f"{slots}-slot stator" + ("" if active else ", discontinued"),
            category="busbar",
            supplier="RBS",
            specs={"phases": 3, "voltage_class_v": volt, "max_current_a": amps, "slots": slots},
            provenance=[self._stage("component_manufacturing", "DE", "RBS", self._evidence("AUD"))],
            usd=usd,
            currency="EUR",
            lead_time_days=60,
            moq=1000,
            annual_capacity=400000,
            active=active,
        )

    def _sensor(self, sensor_type: str, max_temp: int, *, active: bool = True, suffix: str = "") -> str:
        if sensor_type == "ntc":
            supplier, country, currency, usd = "SEMI", "JP", "USD", Decimal("2.80")
            sku = f"TS-NTC-{max_temp}-SEMI{suffix}"
            text = "NTC thermistor"
        else:
            supplier, country, currency, usd = "HNX", "DE", "EUR", Decimal("5.60")
            sku = f"TS-PT1000-{max_temp}-HNX{suffix}"
            text = "Pt1000 thin-film RTD"
        return self._add(
            sku=sku,
            name=f"Stator end-winding temperature sensor, {text}, up to {max_temp} C"
            + ("" if active else ", discontinued"),
            category="temperature_sensor",
            supplier=supplier,
            specs={"sensor_type": sensor_type, "max_temp_c": max_temp},
            provenance=[self._stage("component_manufacturing", country, supplier)],
            usd=usd + Decimal(max_temp - 150) / 100,
            currency=currency,
            lead_time_days=30 + (max_temp - 150) // 2,
            moq=5000,
            annual_capacity=3000000,
            active=active,
        )

    # ---------------------------------------------------------------- families

    def build(self) -> None:
        sensors = {
            "ntc180": self._sensor("ntc", 180),
            "ntc200": self._sensor("ntc", 200),
            "pt200": self._sensor("pt1000", 200),
            "pt220": self._sensor("pt1000", 220),
            "ntc155_old": self._sensor("ntc", 155, active=False, suffix="-R0"),
        }
        for f in _FAMILY_DEFS:
            self._family(f, sensors)
        for add in self._later:
            add()

    def _family(self, f: dict, sensors: dict[str, str]) -> None:
        code = f["code"]
        req = f["requirements"]
        volt = req["dc_bus_voltage_v"]
        hv = volt > 500  # 800 V class: pd-free insulation
        nm = self._near_miss
        bore = _d(f["bore"])
        rotor_bore = _d(f["rotor_bore"])
        variants: list[dict[str, str]] = []

        # rotor cores
        rotor = self._rotor(f)
        variants.append({"rotor_core": self._rotor(f, site="MX")})
        nm(
            code,
            "rotor_core",
            self._rotor(f, site="CN"),
            "ORIGIN_EXCLUDED",
            "conventional rotor core on Chinese steel",
            kind="sourcing",
            policy="china-excluded",
        )
        nm(
            code,
            "rotor_core",
            self._rotor(f, od=str(bore - Decimal("0.4"))),
            "AIR_GAP",
            "rotor OD leaves a 0.20 mm air gap",
        )
        nm(
            code,
            "rotor_core",
            self._rotor(f, od=str(bore - Decimal("0.6"))),
            "AIR_GAP",
            "rotor OD leaves a 0.30 mm air gap",
            severity="warning",
        )
        long_stack = str(_d(f["stack"]) + Decimal("2.5"))
        nm(
            code,
            "rotor_core",
            self._rotor(f, stack=long_stack),
            "STACK_LENGTH",
            "rotor stack 2.5 mm longer than the stator's",
        )
        low_rpm = req["max_speed_rpm"] - 1000
        nm(
            code,
            "rotor_core",
            self._rotor(f, rpm=low_rpm, suffix="-LS"),
            "ROTOR_SPEED",
            f"rotor rated {low_rpm} rpm, below the required {req['max_speed_rpm']}",
        )
        if code == "CK48-8":
            nm(
                code,
                "rotor_core",
                self._rotor(f, lam="30PNX1500", lam_t="0.30", suffix="-T30"),
                "LAMINATION_MATCH",
                "0.30 mm rotor laminations with a 0.35 mm stator",
                severity="warning",
            )
        if code == "CK72-12":
            nm(
                code,
                "rotor_core",
                self._rotor(f, suffix="-R0", active=False),
                "PART_INACTIVE",
                "superseded rotor core revision",
            )

        # magnets
        lengths = f["magnet_lengths"]
        full = lengths[0]
        if req["max_magnet_temp_c"] <= 150:
            magnet = self._magnet(f, "N48SH", "dy", True, full, "SGI-KR")
            valid = [
                self._magnet(f, "N48SH", "dy", True, lengths[1], "SGI-KR"),
                self._magnet(f, "N48SH", "dy", False, full, "SGI-VN"),
                self._magnet(f, "N45SH", "tb", True, lengths[1], "SGI-VN"),
                self._magnet(f, "N42UH", "dy_tb", False, full, "SGI-KR"),
            ]
            if len(lengths) > 2:
                valid.append(self._magnet(f, "N48SH", "dy", True, lengths[2], "SGI-VN"))
            conventional = [
                self._magnet(f, "N48SH", "dy", False, full, "NESM"),
                self._magnet(f, "N45SH", "dy", False, lengths[1], "GSMC"),
            ]
            main_grade, main_hre = "N48SH", "dy"
        else:
            magnet = self._magnet(f, "N45UH", "tb", True, full, "SGI-KR")
            valid = [
                self._magnet(f, "N45UH", "tb", True, lengths[1], "SGI-VN"),
                self._magnet(f, "N42UH", "dy_tb", False, lengths[1], "SGI-VN"),
                self._magnet(f, "N38EH", "dy_tb", False, full, "SGI-KR"),
                self._magnet(f, "N35AH", "dy_tb", False, lengths[1], "SGI-KR"),
                self._magnet(f, "N42UH", "dy_tb", True, full, "SGI-VN"),
            ]
            conventional = [
                self._magnet(f, "N45UH", "dy", False, full, "NESM"),
                self._magnet(f, "N42UH", "dy_tb", False, lengths[1], "GSMC"),
            ]
            main_grade, main_hre = "N45UH", "tb"
            nm(
                code,
                "magnet",
                self._magnet(f, "N48SH", "dy", True, full, "SGI-KR"),
                "MAGNET_TEMP",
                f"150 C magnet where {req['max_magnet_temp_c']} C is required",
            )
        variants.extend({"magnet": sku} for sku in valid)
        for sku in conventional:
            nm(
                code,
                "magnet",
                sku,
                "ORIGIN_EXCLUDED",
                "conventional magnet: mining, separation, alloy and magnet stages in CN",
                kind="sourcing",
                policy="china-excluded",
            )
        nm(
            code,
            "magnet",
            self._magnet(f, main_grade, main_hre, True, full, "SGI-KR-T"),
            "ORIGIN_EXCLUDED",
            "made in KR from Chinese ore: dfars-7052 allows it for deliveries until "
            "2026-12-31 (alloy VN, magnet KR) and excludes it from 2027-01-01 "
            "(mining and separation CN)",
            kind="sourcing",
            policy="dfars-7052",
        )
        nm(
            code,
            "magnet",
            self._magnet(f, main_grade, main_hre, True, lengths[1], "SGI-VN-U"),
            "ORIGIN_UNKNOWN",
            "mining stage not declared",
            kind="sourcing",
            policy="china-excluded",
        )
        if code in ("CK48-8", "CK72-8"):
            nm(
                code,
                "magnet",
                self._magnet(f, main_grade, main_hre, True, full, "SGI-KR-U"),
                "ORIGIN_UNKNOWN",
                "separation stage not declared",
                kind="sourcing",
                policy="china-excluded",
            )
        expired_chain = "SGI-KR-E" if code in ("CK48-8", "CK54-6") else "SGI-VN-E"
        nm(
            code,
            "magnet",
            self._magnet(f, main_grade, main_hre, True, lengths[1], expired_chain),
            "EVIDENCE_EXPIRED",
            "origin evidence expired before 2026-11-26",
            severity="warning",
            kind="sourcing",
            policy="china-excluded",
        )
        if code == "CK48-8":
            nm(
                code,
                "magnet",
                self._magnet(f, "N48SH", "dy", False, lengths[1], "GSMC-T"),
                "ENTITY_RESTRICTED",
                "alloy stage by Tianshan Western Metals Co. (restricted)",
                kind="sourcing",
                policy="uflpa",
            )
        if code == "CK54-6":
            nm(
                code,
                "magnet",
                self._magnet(f, "N45SH", "dy", False, full, "TWMC"),
                "ENTITY_RESTRICTED",
                "supplied by a restricted supplier",
                kind="sourcing",
                policy="uflpa",
            )
        pw = _d(f["pocket"][1])
        nm(
            code,
            "magnet",
            self._magnet(
                f,
                main_grade,
                main_hre,
                True,
                full,
                "SGI-KR",
                width=str(pw - Decimal("0.01")),
                sku_suffix="-W",
            ),
            "MAGNET_FIT",
            f"width {pw - Decimal('0.01')} mm leaves 0.01 mm clearance in a "
            f"{pw} mm pocket (0.02 mm required)",
        )
        nm(
            code,
            "magnet",
            self._magnet(f, "N45H", "dy", False, full, "SGI-KR"),
            "MAGNET_TEMP",
            f"N45H is rated 120 C; {req['max_magnet_temp_c']} C is required",
        )

        # shafts and end plates
        press = str(rotor_bore + Decimal("0.04"))
        keyed = str(rotor_bore - Decimal("0.02"))
        shaft = self._shaft(f, press, "press")
        variants.append({"shaft": self._shaft(f, keyed, "keyed")})
        nm(
            code,
            "shaft",
            self._shaft(f, press, "press", site="CN"),
            "ORIGIN_EXCLUDED",
            "conventional shaft on Chinese steel",
            kind="sourcing",
            policy="china-excluded",
        )
        nm(
            code,
            "shaft",
            self._shaft(f, str(rotor_bore - Decimal("0.08")), "keyed"),
            "SHAFT_FIT",
            "keyed seat with 0.08 mm clearance (0-0.05 allowed)",
        )
        plate_bore = str(rotor_bore + Decimal("0.5"))
        end_plate = self._end_plate(f, f["end_plate_od"], plate_bore)
        nm(
            code,
            "end_plate",
            self._end_plate(f, str(_d(f["rotor_od"]).quantize(Decimal("1")) + Decimal("2.0")), plate_bore),
            "END_PLATE_FIT",
            "end plate larger than the rotor",
        )
        self._later.append(
            lambda: nm(
                code,
                "end_plate",
                self._end_plate(f, f["end_plate_od"], str(rotor_bore + Decimal("1.2"))),
                "END_PLATE_FIT",
                "loose end plate: bore 1.16 mm over the press seat, 1.22 mm over the keyed one (1.0 allowed)",
            )
        )

        # resolvers
        pp = f["poles"] // 2
        resolver = self._resolver(f, pp)
        variants.append({"resolver": self._resolver(f, 1)})
        wrong_pp = pp - 1 if pp - 1 > 1 else pp + 1
        nm(
            code,
            "resolver",
            self._resolver(f, wrong_pp),
            "RESOLVER_POLES",
            f"{wrong_pp} pole pairs for a {f['poles']}-pole rotor",
        )
        other_shaft = str(rotor_bore - 2)
        self._later.append(
            lambda: nm(
                code,
                "resolver",
                self._resolver(f, pp, shaft_mm=other_shaft),
                "RESOLVER_FIT",
                f"resolver for a {_tag(other_shaft, 1)} mm shaft on a {_tag(f['rotor_bore'], 1)} mm seat",
            )
        )
        if code == "CK48-8":
            nm(
                code,
                "resolver",
                self._resolver(f, pp, capacity=20000, suffix="-P"),
                "CAPACITY",
                "pilot line: 20,000 a year, below the schedule's volumes",
                kind="schedule",
            )

        # stator cores and windings
        cls = f["winding_class"]
        other_type = "round_wire" if f["slot_type"] == "rectangular" else "rectangular"
        wtype = {"rectangular": "hairpin", "round_wire": "round_wire"}
        stator = self._stator(f, f["slot_type"])
        other_stator = self._stator(f, other_type)
        variants.append({"stator_core": self._stator(f, f["slot_type"], site="PL")})
        nm(
            code,
            "stator_core",
            self._stator(f, f["slot_type"], site="CN"),
            "ORIGIN_EXCLUDED",
            "conventional stator core on Chinese steel",
            kind="sourcing",
            policy="china-excluded",
        )
        if code == "CK48-8":
            nm(
                code,
                "stator_core",
                self._stator(f, f["slot_type"], suffix="-R0", active=False),
                "PART_INACTIVE",
                "superseded stator core revision",
            )
        winding = self._winding(f, wtype[f["slot_type"]], cls, volt)
        other_winding = self._winding(f, wtype[other_type], cls, volt)
        variants.append({"stator_core": other_stator, "winding": other_winding})
        nm(
            code,
            "winding",
            self._winding(f, wtype[f["slot_type"]], cls, volt, site="CN"),
            "ORIGIN_EXCLUDED",
            "conventional winding made in CN",
            kind="sourcing",
            policy="china-excluded",
        )
        wrong_slots, wrong_poles = f["wrong_winding"]
        nm(
            code,
            "winding",
            self._winding(f, wtype[f["slot_type"]], cls, volt, slots=wrong_slots, poles=wrong_poles),
            "SLOT_POLE",
            f"winding for {wrong_slots} slots / {wrong_poles} poles",
        )
        if code == "CK54-6":
            nm(
                code,
                "winding",
                self._winding(f, wtype[f["slot_type"]], cls, volt, suffix="-R0", active=False),
                "PART_INACTIVE",
                "discontinued winding",
            )

        # insulation
        if hv:
            insulation = self._insulation(f, cls, 800, True)
            better = "R" if cls == "N" else "N"
            variants.append({"insulation": self._insulation(f, better, 800, True)})
            nm(
                code,
                "insulation",
                self._insulation(f, cls, 800, False),
                "VOLTAGE_CLASS",
                "not partial-discharge free on an 800 V bus",
            )
            nm(
                code,
                "insulation",
                self._insulation(f, "F", 800, True),
                "INSULATION_CLASS",
                f"class F (155 C) below {req['max_winding_temp_c']} C",
            )
        else:
            insulation = self._insulation(f, cls, 400, False)
            n_ins = self._insulation(f, "N", 800, True)
            variants.append({"insulation": n_ins})
            variants.append(
                {"winding": self._winding(f, wtype[f["slot_type"]], "N", 800), "insulation": n_ins}
            )
            nm(
                code,
                "insulation",
                self._insulation(f, "F", 400, False),
                "INSULATION_CLASS",
                f"class F (155 C) below {req['max_winding_temp_c']} C",
            )
        # Insulation and busbars cut for another stator: a slot count of another family,
        # and a stack 1.0 mm longer than this stator's (0.5 mm allowed).
        other_slots = 48 if f["slots"] == 72 else 72
        ins_class, ins_volt, ins_pd = (cls, 800, True) if hv else (cls, 400, False)

        def insulation_misses() -> None:
            nm(
                code,
                "insulation",
                self._insulation(f, ins_class, ins_volt, ins_pd, slots=other_slots),
                "INSULATION_FIT",
                f"insulation cut for {other_slots} slots on a {f['slots']}-slot stator",
            )
            nm(
                code,
                "insulation",
                self._insulation(f, ins_class, ins_volt, ins_pd, stack=str(_d(f["stack"]) + 1)),
                "INSULATION_FIT",
                "insulation cut for a stack 1.0 mm longer than the stator's (0.5 mm allowed)",
            )

        self._later.append(insulation_misses)

        # busbars
        low_a, high_a = f["busbar_amps"]
        if hv:
            busbar = self._busbar(f, 800, low_a)
            variants.append({"busbar": self._busbar(f, 800, high_a)})
            nm(
                code,
                "busbar",
                self._busbar(f, 400, low_a),
                "VOLTAGE_CLASS",
                "400 V-only busbar on an 800 V bus",
            )
            if code == "CK72-8":
                nm(
                    code,
                    "busbar",
                    self._busbar(f, 800, low_a, active=False, suffix="-R0"),
                    "PART_INACTIVE",
                    "discontinued busbar revision",
                )
        else:
            busbar = self._busbar(f, 400, low_a)
            variants.append({"busbar": self._busbar(f, 400, high_a)})
            variants.append({"busbar": self._busbar(f, 800, high_a)})
        self._later.append(
            lambda: nm(
                code,
                "busbar",
                self._busbar(f, volt, high_a + 50, slots=other_slots),
                "BUSBAR_FIT",
                f"busbar for a {other_slots}-slot stator on a {f['slots']}-slot one",
            )
        )

        # sensors
        sensor = sensors["pt220"] if cls == "N" else sensors["ntc180"]
        variants.extend({"temperature_sensor": sensors[key]} for key in ("ntc200", "pt200"))
        if code == "CK72-12":
            nm(code, "temperature_sensor", sensors["ntc155_old"], "PART_INACTIVE", "discontinued sensor")

        skus = {
            "rotor_core": rotor,
            "magnet": magnet,
            "shaft": shaft,
            "end_plate": end_plate,
            "resolver": resolver,
            "stator_core": stator,
            "winding": winding,
            "insulation": insulation,
            "busbar": busbar,
            "temperature_sensor": sensor,
        }
        quantities = dict.fromkeys(skus, 1)
        quantities["magnet"] = magnet_quantity(self.by_sku[rotor]["specs"], self.by_sku[magnet]["specs"])
        quantities["end_plate"] = 2
        self.families[code] = {
            "title": f["title"],
            "template": "motor-core-package",
            "requirements": dict(req),
            "sourcing_policy": "china-excluded",
            "skus": skus,
            "quantities": quantities,
            "schedule": [dict(row) for row in DEMO_SCHEDULE],
            "variants": variants,
        }

    # ---------------------------------------------------------------- document

    def document(self) -> dict[str, Any]:
        indices = []
        for code, series in (("NDPR_OXIDE", _NDPR_OXIDE), ("DY_OXIDE", _DY_OXIDE), ("TB_OXIDE", _TB_OXIDE)):
            indices.append(
                {
                    "code": code,
                    "unit": "USD/kg",
                    "values": [
                        {"date": day, "value": value} for day, value in zip(_MONTHS, series, strict=True)
                    ],
                }
            )
        rates = []
        for day, usd_krw, eur_usd in zip(_MONTHS, _USD_KRW, _EUR_USD, strict=True):
            eur_krw = (Decimal(usd_krw) * Decimal(eur_usd)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            rates.append({"date": day, "from": "USD", "to": "KRW", "rate": usd_krw})
            rates.append({"date": day, "from": "EUR", "to": "KRW", "rate": str(eur_krw)})
            rates.append({"date": day, "from": "EUR", "to": "USD", "rate": eur_usd})
        return {
            "format": FORMAT,
            "suppliers": [{"code": c, "name": n, "country": k, "restricted": r} for c, n, k, r in _SUPPLIERS],
            "indices": indices,
            "exchange_rates": rates,
            "parts": self.parts,
        }


def _design() -> _Design:
    design = _Design()
    design.build()
    return design


_DESIGN = _design()

#: family code -> {"title", "template", "requirements", "sourcing_policy", "skus" (slot -> sku),
#: "quantities" (slot -> per kit), "schedule", "variants" (slot overrides that stay valid)}
FAMILIES: dict[str, dict[str, Any]] = _DESIGN.families

#: sku -> {"family", "slot", "rule", "severity", "kind", "policy", "note"}
NEAR_MISSES: dict[str, dict[str, Any]] = _DESIGN.near_misses


def build_demo_catalog() -> dict[str, Any]:
    """The demo catalog as one "corekit-catalog/1" document (a fresh, deterministic copy)."""
    return _design().document()


# --------------------------------------------------------------------------- synthetic


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
        tier["unit_price"] = _money(Decimal(tier["unit_price"]) * factor, currency)
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
        specs["mass_g"] = _num((_d(specs["mass_g"]) * scale).quantize(Decimal("0.1")))
        ndpr = max(_kg(_d(specs["ndpr_kg"]) * scale), Decimal("0.0001"))
        specs["ndpr_kg"] = _num(ndpr)
        for link in part["pricing"].get("index_links", []):
            if link["index"] == "NDPR_OXIDE":
                link["kg_per_unit"] = str(ndpr)
    elif category == "stator_core":
        specs["outer_diameter_mm"] = _num(_d(specs["outer_diameter_mm"]) + rng.randint(-2, 2))
    elif category == "shaft":
        specs["length_mm"] = _num(_d(specs["length_mm"]) + rng.randint(-5, 5))
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


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m parts.demo.catalog_builder",
        description="Write the corekit demo catalog (or a synthetic one) as JSON.",
    )
    parser.add_argument("path", nargs="?", help="output file (default: stdout)")
    parser.add_argument(
        "--synthetic", type=int, metavar="N", help="write a synthetic catalog of N parts instead of the demo"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed for --synthetic (default 7)")
    parser.add_argument(
        "--indent",
        type=int,
        default=None,
        help="JSON indent (default 2 for the demo, compact for --synthetic)",
    )
    args = parser.parse_args(argv)
    if args.synthetic is not None:
        document = build_synthetic_catalog(args.synthetic, seed=args.seed)
        indent = args.indent
    else:
        document = build_demo_catalog()
        indent = 2 if args.indent is None else args.indent
    text = json.dumps(document, indent=indent, ensure_ascii=False) + "\n"
    if args.path in (None, "-"):
        sys.stdout.write(text)
    else:
        path = Path(args.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
