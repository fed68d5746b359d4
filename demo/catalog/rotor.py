"""The rotor side's parts: rotor cores, magnets, shafts, end plates, resolvers."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from demo.catalog.tables import (
    GRADE_REMANENCE,
    GRADE_SUFFIXES,
    INDEX_BASE,
    MAGNET_DENSITY,
    MAGNET_USD_PER_KG,
    MAX_KITS,
    RE_SHARE,
    TYPICAL_BR,
    TYPICAL_HCJ,
)
from demo.catalog.units import dec, json_number, parse_grade, round_kg, tag


class RotorSide:
    """The rotor side's parts: rotor cores, magnets, shafts, end plates, resolvers."""


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
        pocket_length = stack if dec(stack) > dec(pl) else pl
        lam_t = lam_t or f["lam_t"]
        lam = lam or (f["lam_cn"] if site == "CN" else f["lam"])
        sku = f"RC-{f['poles']}P-{tag(od, 100)}-{tag(stack, 10)}"
        if site != "KR":
            sku += f"-{site}"
        sku += suffix
        area = Decimal(math.pi / 4) * (dec(od) ** 2 - dec(f["rotor_bore"]) ** 2)
        steel_kg = area * dec(stack) * Decimal("7.65e-6")
        usd = steel_kg * Decimal("6.5") + 12
        maker = "SZLW" if site == "CN" else "PMS"
        if site == "CN":
            usd *= Decimal("0.84")
        currency = {"KR": "KRW", "MX": "USD", "PL": "EUR", "CN": "USD"}[site]
        plant = {"KR": "Cheonan", "MX": "Coahuila", "PL": "Kobierzyce", "CN": "Suzhou"}[site]
        specs = {
            "outer_diameter_mm": json_number(od),
            "bore_diameter_mm": json_number(f["rotor_bore"]),
            "stack_length_mm": json_number(stack),
            "poles": f["poles"],
            "magnets_per_pole": f["magnets_per_pole"],
            "pocket_length_mm": json_number(pocket_length),
            "pocket_width_mm": json_number(pw),
            "pocket_thickness_mm": json_number(pt),
            "lamination_grade": lam,
            "lamination_thickness_mm": json_number(lam_t),
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
        width = width or str(dec(pw) - Decimal("0.1"))
        thickness = str(dec(pt) - Decimal("0.1"))
        temp = GRADE_SUFFIXES[suffix][0]
        br = Decimal(str(TYPICAL_BR[number])) + (Decimal("0.01") if gbd else 0)
        lo, hi = GRADE_REMANENCE[number]
        br = min(max(br, Decimal(str(lo))), Decimal(str(hi)))
        hcj = TYPICAL_HCJ[suffix] + (60 if gbd else 0)
        volume = dec(length) * dec(width) * dec(thickness)
        mass_g = (volume * MAGNET_DENSITY).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
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
        ndpr_kg = round_kg(mass_kg * (RE_SHARE - hre_share))
        dy_tb_kg = round_kg(mass_kg * hre_share)
        if hre != "none" and dy_tb_kg == 0:
            dy_tb_kg = Decimal("0.0001")
        links = [
            {"index": "NDPR_OXIDE", "base_value": str(INDEX_BASE["NDPR_OXIDE"]), "kg_per_unit": str(ndpr_kg)}
        ]
        if hre == "dy":
            links.append(
                {
                    "index": "DY_OXIDE",
                    "base_value": str(INDEX_BASE["DY_OXIDE"]),
                    "kg_per_unit": str(dy_tb_kg),
                }
            )
        elif hre == "tb":
            links.append(
                {
                    "index": "TB_OXIDE",
                    "base_value": str(INDEX_BASE["TB_OXIDE"]),
                    "kg_per_unit": str(dy_tb_kg),
                }
            )
        elif hre == "dy_tb":
            dy = max(round_kg(dy_tb_kg * 2 / 3), Decimal("0.0001"))
            tb = dy_tb_kg - dy
            links.append(
                {"index": "DY_OXIDE", "base_value": str(INDEX_BASE["DY_OXIDE"]), "kg_per_unit": str(dy)}
            )
            if tb > 0:
                links.append(
                    {"index": "TB_OXIDE", "base_value": str(INDEX_BASE["TB_OXIDE"]), "kg_per_unit": str(tb)}
                )
        usd_per_kg = Decimal(MAGNET_USD_PER_KG[suffix])
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
        sku = f"MAG-{grade}" + (f"-{hre_tag}" if hre_tag else "") + f"-{tag(length, 100)}"
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
            "remanence_t": json_number(br),
            "coercivity_ka_per_m": hcj,
            "length_mm": json_number(length),
            "width_mm": json_number(width),
            "thickness_mm": json_number(thickness),
            "mass_g": json_number(mass_g),
            "heavy_rare_earth": hre,
            "grain_boundary_diffused": gbd,
            "ndpr_kg": json_number(ndpr_kg),
            "dy_tb_kg": json_number(dy_tb_kg),
        }
        segments = math.floor(dec(pl) / dec(length))
        per_kit = f["poles"] * f["magnets_per_pole"] * segments
        needed = per_kit * MAX_KITS
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
        sku = f"SH-{f['poles']}P-{tag(seat, 100)}-{'P' if fit == 'press' else 'K'}"
        maker = "CWF"
        if site == "CN":
            sku += "-CN"
            maker = "JPS"
        usd = Decimal("18") + dec(f["shaft_length"]) * Decimal("0.1")
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
                "seat_diameter_mm": json_number(seat),
                "length_mm": json_number(f["shaft_length"]),
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
        sku = f"EP-{tag(od, 10)}-{tag(bore, 10)}-SS"
        return self._add(
            sku=sku,
            name=f"Rotor end plate, non-magnetic stainless, OD {od}, bore {bore} mm (Changwon)",
            category="end_plate",
            supplier="CWF",
            specs={"outer_diameter_mm": json_number(od), "bore_diameter_mm": json_number(bore)},
            provenance=self._steel_chain("KR", "CWF"),
            usd=Decimal("3") + dec(od) * Decimal("0.03"),
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
        shaft = tag(shaft_mm or f["rotor_bore"], 1)
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
