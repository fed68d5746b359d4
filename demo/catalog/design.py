"""The demo catalog's builder: one deterministic pass over the tables, run on demand."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from demo.catalog.families import Families
from demo.catalog.rotor import RotorSide
from demo.catalog.stator import StatorSide
from demo.catalog.supply_chains import SupplyChains
from demo.catalog.tables import (
    DEFAULT_TIER_MINS,
    DY_OXIDE,
    EUR_USD,
    FAMILY_DEFS,
    FORMAT,
    KRW_PER_USD,
    MONTHS,
    NDPR_OXIDE,
    SUPPLIERS,
    TB_OXIDE,
    TIER_FACTORS,
    TIER_MINS,
    USD_KRW,
    USD_PER_EUR,
)
from demo.catalog.units import money_text


class Design(SupplyChains, RotorSide, StatorSide, Families):
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
            base = usd * KRW_PER_USD
        elif currency == "EUR":
            base = usd / USD_PER_EUR
        else:
            base = usd
        mins = TIER_MINS.get(category, DEFAULT_TIER_MINS)
        count = tiers if tiers is not None else (2 if self._part_counter % 4 == 3 else 3)
        pricing: dict[str, Any] = {
            "currency": currency,
            "tiers": [
                {"min_qty": mins[i], "unit_price": money_text(base * TIER_FACTORS[i], currency)}
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

    # ---------------------------------------------------------------- families

    def build(self) -> None:
        sensors = {
            "ntc180": self._sensor("ntc", 180),
            "ntc200": self._sensor("ntc", 200),
            "pt200": self._sensor("pt1000", 200),
            "pt220": self._sensor("pt1000", 220),
            "ntc155_old": self._sensor("ntc", 155, active=False, suffix="-R0"),
        }
        for f in FAMILY_DEFS:
            self._family(f, sensors)
        for add in self._later:
            add()

    # ---------------------------------------------------------------- document

    def document(self) -> dict[str, Any]:
        indices = []
        for code, series in (("NDPR_OXIDE", NDPR_OXIDE), ("DY_OXIDE", DY_OXIDE), ("TB_OXIDE", TB_OXIDE)):
            indices.append(
                {
                    "code": code,
                    "unit": "USD/kg",
                    "values": [
                        {"date": day, "value": value} for day, value in zip(MONTHS, series, strict=True)
                    ],
                }
            )
        rates = []
        for day, usd_krw, eur_usd in zip(MONTHS, USD_KRW, EUR_USD, strict=True):
            eur_krw = (Decimal(usd_krw) * Decimal(eur_usd)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            rates.append({"date": day, "from": "USD", "to": "KRW", "rate": usd_krw})
            rates.append({"date": day, "from": "EUR", "to": "KRW", "rate": str(eur_krw)})
            rates.append({"date": day, "from": "EUR", "to": "USD", "rate": eur_usd})
        return {
            "format": FORMAT,
            "suppliers": [{"code": c, "name": n, "country": k, "restricted": r} for c, n, k, r in SUPPLIERS],
            "indices": indices,
            "exchange_rates": rates,
            "parts": self.parts,
        }


def build_design() -> Design:
    """Build the demo catalog's parts, families and near-misses (a fresh, deterministic pass)."""
    design = Design()
    design.build()
    return design


@functools.cache
def reference_design() -> Design:
    """The design FAMILIES and NEAR_MISSES are read from: built on first use, once per process."""
    return build_design()


def build_demo_catalog() -> dict[str, Any]:
    """The demo catalog as one "corekit-catalog/1" document (a fresh, deterministic copy)."""
    return build_design().document()
