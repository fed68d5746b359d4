"""Supply chains: provenance stages and evidence for magnets and steel."""

from __future__ import annotations

from typing import Any

from demo.catalog.tables import (
    EVIDENCE_EXPIRIES,
    SUPPLIER_NAME,
)


class SupplyChains:
    """Supply chains: provenance stages and evidence for magnets and steel."""


    def _evidence(self, kind: str, expires: str | None = None) -> dict[str, str]:
        n = self._evidence_counters.get(kind, 0) + 1
        self._evidence_counters[kind] = n
        if expires is None:
            expires = EVIDENCE_EXPIRIES[(n * 3 + len(kind)) % len(EVIDENCE_EXPIRIES)]
        return {"reference": f"{kind}-2026-{n:04d}", "expires": expires}

    @staticmethod
    def _stage(stage: str, country: str, supplier: str, evidence: dict | None = None) -> dict:
        row: dict[str, Any] = {"stage": stage, "country": country, "company": SUPPLIER_NAME[supplier]}
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
