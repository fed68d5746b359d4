"""The four families: default parts per slot, quantities, schedules, variants and near-misses."""

from __future__ import annotations

from decimal import Decimal

from demo.catalog.tables import (
    DEMO_SCHEDULE,
)
from demo.catalog.units import dec, magnet_quantity, tag


class Families:
    """The four families: default parts per slot, quantities, schedules, variants and near-misses."""

    def _family(self, f: dict, sensors: dict[str, str]) -> None:
        code = f["code"]
        req = f["requirements"]
        volt = req["dc_bus_voltage_v"]
        hv = volt > 500  # 800 V class: pd-free insulation
        nm = self._near_miss
        bore = dec(f["bore"])
        rotor_bore = dec(f["rotor_bore"])
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
        long_stack = str(dec(f["stack"]) + Decimal("2.5"))
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
        pw = dec(f["pocket"][1])
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
            self._end_plate(f, str(dec(f["rotor_od"]).quantize(Decimal("1")) + Decimal("2.0")), plate_bore),
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
                f"resolver for a {tag(other_shaft, 1)} mm shaft on a {tag(f['rotor_bore'], 1)} mm seat",
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
                self._insulation(f, ins_class, ins_volt, ins_pd, stack=str(dec(f["stack"]) + 1)),
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
