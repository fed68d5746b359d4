"""The stator side's parts: stator cores, windings, insulation, busbars, sensors."""

from __future__ import annotations

import math
from decimal import Decimal

from demo.catalog.units import dec, json_number, tag
from parts.domain.specs import INSULATION_CLASS_TEMP_C


class StatorSide:
    """The stator side's parts: stator cores, windings, insulation, busbars, sensors."""


    def _stator(
        self, f: dict, slot_type: str, *, site: str = "KR", suffix: str = "", active: bool = True
    ) -> str:
        sku = (
            f"SC-{f['slots']}S-{tag(f['bore'], 10)}-{tag(f['stack'], 10)}-"
            f"{'R' if slot_type == 'rectangular' else 'W'}"
        )
        if site != "KR":
            sku += f"-{site}"
        sku += suffix
        lam = f["lam_cn"] if site == "CN" else f["lam"]
        area = Decimal(math.pi / 4) * (dec(f["stator_od"]) ** 2 - dec(f["bore"]) ** 2)
        steel_kg = area * Decimal("0.6") * dec(f["stack"]) * Decimal("7.65e-6")
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
                "outer_diameter_mm": json_number(f["stator_od"]),
                "inner_diameter_mm": json_number(f["bore"]),
                "stack_length_mm": json_number(f["stack"]),
                "slots": f["slots"],
                "slot_type": slot_type,
                "lamination_grade": lam,
                "lamination_thickness_mm": json_number(f["lam_t"]),
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
        sku = f"WD-{'HP' if wtype == 'hairpin' else 'RW'}-{slots}S{poles}P-{cls}{volt}-{tag(f['stack'], 10)}"
        if site == "CN":
            sku += "-CN"
        sku += suffix
        usd = Decimal(60) + dec(f["stack"]) * Decimal("0.9") + Decimal(slots) / 2
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
                "stack_length_mm": json_number(f["stack"]),
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
        sku = f"INS-{slots}S-{tag(stack, 10)}-{cls}{volt}{'P' if pd_free else ''}"
        usd = Decimal(12) + Decimal(slots) / 4 + dec(stack) * Decimal("0.05")
        usd *= {"F": Decimal("0.9"), "H": Decimal(1), "N": Decimal("1.15"), "R": Decimal("1.3")}[cls]
        if pd_free:
            usd *= Decimal("1.2")
        pd = ", partial-discharge free (IEC 60034-18-41 Type I)" if pd_free else ""
        return self._add(
            sku=sku,
            name=(
                f"Slot insulation system {slots} slots x {stack} mm, "
                f"class {cls} ({INSULATION_CLASS_TEMP_C[cls]} C), {volt} V{pd}"
            ),
            category="insulation",
            supplier="KREM",
            specs={
                "insulation_class": cls,
                "voltage_class_v": volt,
                "pd_free": pd_free,
                "slots": slots,
                "stack_length_mm": json_number(stack),
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
