"""The demo catalog's tables: formats, grades, suppliers, the four families, schedules,
price tiers, raw-material index series and exchange rates. Data only: nothing is built here."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from parts.domain.specs import MAGNET_REMANENCE_RANGE, MAGNET_SUFFIX_MIN_COERCIVITY, MAGNET_SUFFIX_TEMP_C

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

#: NdFeB temperature suffix -> (max operating temperature C, minimum coercivity kA/m),
#: from the catalog's own tables (parts.domain.specs), so the demo cannot drift from them.
GRADE_SUFFIXES = {suffix: (MAGNET_SUFFIX_TEMP_C[suffix], MAGNET_SUFFIX_MIN_COERCIVITY[suffix])
                  for suffix in MAGNET_SUFFIX_TEMP_C}

#: NdFeB grade number -> remanence range (T), as floats for the jittered synthetic copies.
GRADE_REMANENCE = {number: (float(lo), float(hi)) for number, (lo, hi) in MAGNET_REMANENCE_RANGE.items()}

GRADE_RE = re.compile(r"^N(\d{2})([A-Z]*)$")

# Typical remanence (T) and coercivity (kA/m) the demo data sheets quote.
TYPICAL_BR = {35: 1.19, 38: 1.23, 40: 1.26, 42: 1.30, 45: 1.35, 48: 1.39, 50: 1.42, 52: 1.45}
TYPICAL_HCJ = {"": 1000, "M": 1150, "H": 1400, "SH": 1640, "UH": 2030, "EH": 2430, "AH": 2680}
# Sintered NdFeB density, g/mm3.
MAGNET_DENSITY = Decimal("0.00755")
# Rare-earth share of a sintered NdFeB magnet by mass (NdPr + Dy + Tb).
RE_SHARE = Decimal("0.305")
# Price per kg of magnet by temperature suffix, USD (China-excluded chain).
MAGNET_USD_PER_KG = {"": 70, "M": 74, "H": 80, "SH": 92, "UH": 115, "EH": 135, "AH": 155}

# List-price conversions used only to express demo prices in KRW and EUR.
KRW_PER_USD = Decimal("1390")
USD_PER_EUR = Decimal("1.15")

MONTHS = tuple(f"{2025 + i // 12}-{i % 12 + 1:02d}-01" for i in range(23))  # 2025-01..2026-11

# fmt: off
NDPR_OXIDE = (
    "55.80", "56.40", "58.10", "59.20", "57.60", "59.90", "63.80", "72.40", "74.60", "71.20",
    "68.30", "66.90", "64.70", "63.20", "62.80", "61.90", "63.40", "64.10", "65.30", "64.20",
    "63.10", "62.50", "62.90",
)
DY_OXIDE = (
    "228.00", "231.00", "236.00", "242.00", "240.00", "238.00", "245.00", "252.00", "258.00",
    "255.00", "250.00", "247.00", "244.00", "241.00", "239.00", "243.00", "246.00", "249.00",
    "252.00", "250.00", "248.00", "246.00", "247.00",
)
TB_OXIDE = (
    "905.00", "918.00", "940.00", "962.00", "955.00", "948.00", "975.00", "1010.00", "1035.00",
    "1020.00", "998.00", "985.00", "972.00", "960.00", "954.00", "966.00", "978.00", "990.00",
    "1004.00", "996.00", "988.00", "981.00", "984.00",
)
USD_KRW = (
    "1448.30", "1440.10", "1431.70", "1418.40", "1396.60", "1372.90", "1360.20", "1366.50",
    "1358.80", "1372.60", "1384.30", "1378.80", "1382.60", "1388.30", "1391.70", "1394.20",
    "1389.40", "1381.90", "1378.60", "1383.10", "1387.40", "1388.70", "1385.20",
)
EUR_USD = (
    "1.0520", "1.0480", "1.0650", "1.0980", "1.1210", "1.1430", "1.1660", "1.1620", "1.1700",
    "1.1580", "1.1540", "1.1600", "1.1570", "1.1500", "1.1460", "1.1410", "1.1380", "1.1350",
    "1.1390", "1.1440", "1.1480", "1.1520", "1.1510",
)
# fmt: on

INDEX_BASE = {"NDPR_OXIDE": Decimal("60.00"), "DY_OXIDE": Decimal("240.00"), "TB_OXIDE": Decimal("950.00")}

# (code, name, country, restricted)
SUPPLIERS = (
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
SUPPLIER_NAME = {code: name for code, name, _, _ in SUPPLIERS}

# Family geometry. Lengths in mm, speeds in rpm.
FAMILY_DEFS: tuple[dict[str, Any], ...] = (
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
MAX_KITS = max(row["kits"] for row in DEMO_SCHEDULE)

TIER_MINS = {
    "magnet": (1, 200000, 2000000),
    "end_plate": (1, 50000, 200000),
    "temperature_sensor": (1, 100000, 500000),
}
DEFAULT_TIER_MINS = (1, 20000, 100000)
TIER_FACTORS = (Decimal("1"), Decimal("0.96"), Decimal("0.925"))

EVIDENCE_EXPIRIES = (
    "2027-03-31",
    "2027-06-30",
    "2027-09-30",
    "2027-12-31",
    "2028-03-31",
    "2028-06-30",
    "2028-09-30",
    "2027-10-31",
)
