"""The catalog as the engine sees it, cached per process and reloaded when the catalog moves.

Validation and guided options need every candidate part as a frozen domain `Part`;
loading them per request would cost the database round trips the engine is meant to
avoid. One cheap query on the catalog stamp tells whether the cached index is current.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from configurator import models as m
from configurator.domain import types as d
from configurator.domain.completion import tables
from configurator.domain.options import CatalogIndex
from parts.domain.specs import specs_from_json
from parts.models import CatalogStamp, ExchangeRate, Part, Supplier
from parts.selectors import part_queryset

REFERENCE_CURRENCY = "USD"


@dataclass(frozen=True)
class CatalogView:
    version: tuple
    index: CatalogIndex
    restricted_entities: frozenset[str]
    templates: dict  # code -> (database id, domain KitTemplate)


def kit_template_list() -> QuerySet[m.KitTemplate]:
    return m.KitTemplate.objects.prefetch_related("slots")


def kit_template_snapshot(template: m.KitTemplate) -> d.KitTemplate:
    return d.KitTemplate(
        code=template.code,
        name=template.name,
        slots=tuple(
            d.SlotDef(
                code=s.code, category=s.category, min_qty=s.min_qty, max_qty=s.max_qty,
                required=s.required, formula=s.formula or None,
            )
            for s in template.slots.all()
        ),
    )


def usd_rates() -> dict[str, Decimal]:
    """Latest rate to USD per currency, for ranking parts by cost across currencies."""
    rates = {REFERENCE_CURRENCY: Decimal(1)}
    for r in ExchangeRate.objects.order_by("date"):
        if r.to_currency == REFERENCE_CURRENCY:
            rates[r.from_currency] = r.rate
        elif r.from_currency == REFERENCE_CURRENCY:
            rates[r.to_currency] = Decimal(1) / r.rate
    return rates


def part_snapshot(part: Part, rates: dict[str, Decimal]) -> d.Part:
    """One catalog part as the engine sees it (part loaded with `part_queryset`)."""
    specs = specs_from_json(part.category, part.specs)
    tiers = list(part.price_tiers.all())
    rate = rates.get(part.currency)
    reference = tiers[0].unit_price * rate if tiers and rate is not None else None
    rare_earth = Decimal(0)
    if part.category == "magnet":
        rare_earth = Decimal(specs.get("ndpr_kg") or 0) + Decimal(specs.get("dy_tb_kg") or 0)
    return d.Part(
        sku=part.sku,
        category=part.category,
        supplier_code=part.supplier.code,
        supplier_name=part.supplier.name,
        active=part.active,
        specs=specs,
        provenance=tuple(
            d.Stage(
                stage=s.stage, country=s.country, company=s.company,
                evidence_reference=s.evidence_reference, evidence_expires=s.evidence_expires,
            )
            for s in part.provenance.all()
        ),
        lead_time_days=part.lead_time_days,
        moq=part.moq,
        annual_capacity=part.annual_capacity,
        reference_unit_price=reference,
        rare_earth_kg=rare_earth,
        name=part.name,
        price_tiers=tuple((t.min_qty, t.unit_price * rate) for t in tiers) if rate is not None else (),
    )


def part_snapshots_by_sku(skus: Iterable[str]) -> dict[str, d.Part]:
    rates = usd_rates()
    return {p.sku: part_snapshot(p, rates) for p in part_queryset().filter(sku__in=set(skus))}


def restricted_entities() -> frozenset[str]:
    names = set()
    for code, name in Supplier.objects.filter(restricted=True).values_list("code", "name"):
        names.add(code.upper())
        names.add(name.upper())
    return frozenset(names)


_lock = threading.Lock()
_current: CatalogView | None = None


def catalog_version() -> tuple:
    """(counter, time of the last change): both, since a rolled-back write can reuse a counter."""
    return CatalogStamp.objects.filter(pk=1).values_list("version", "changed_at").first() or (0, None)


def _build(version: tuple) -> CatalogView:
    rates = usd_rates()
    parts = [part_snapshot(p, rates) for p in part_queryset().order_by("sku").iterator(chunk_size=2000)]
    index = CatalogIndex.build(parts).warm()
    templates = {t.code: (t.pk, kit_template_snapshot(t)) for t in kit_template_list()}
    for _pk, template in templates.values():
        tables(index, template)  # the class tables of guided options, once per catalog change
    return CatalogView(
        version=version, index=index, restricted_entities=restricted_entities(), templates=templates,
    )


def catalog_view() -> CatalogView:
    global _current
    version = catalog_version()
    view = _current
    if view is not None and view.version == version:
        return view
    with _lock:
        if _current is None or _current.version != version:
            _current = _build(version)
        return _current


def reset() -> None:
    """Forget the cached catalog (tests that rewrite the catalog without moving the stamp)."""
    global _current
    _current = None
