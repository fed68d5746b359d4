"""Reads from the catalog. Every list loads its relations in a fixed number of queries."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet, Sum

from core.compiled import CompiledQuery
from parts.domain.catalog import FORMAT, decimal_text
from parts.domain.provenance import STAGES
from parts.models import (
    CapacityBooking,
    CatalogStamp,
    ExchangeRate,
    Index,
    IndexValue,
    Part,
    PartIndexLink,
    PriceTier,
    ProvenanceStage,
    Supplier,
)

_STAGE_ORDER = {stage: i for i, stage in enumerate(STAGES)}


def part_queryset() -> QuerySet[Part]:
    """Parts with supplier, provenance, tiers and index links: 4 queries for any page size."""
    return Part.objects.select_related("supplier").prefetch_related(
        Prefetch("provenance", queryset=ProvenanceStage.objects.order_by("id")),
        Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_qty")),
        Prefetch(
            "index_links", queryset=PartIndexLink.objects.select_related("index").order_by("id")
        ),
    )


part_export_queryset = part_queryset


def supplier_exists(code: str) -> bool:
    return Supplier.objects.filter(code=code).exists()


def part_list(
    *,
    category: str | None = None,
    supplier: str | None = None,
    search: str | None = None,
    active: bool | None = None,
    origin_excludes: Iterable[str] = (),
) -> QuerySet[Part]:
    qs = part_queryset()
    if category:
        qs = qs.filter(category=category)
    if supplier:
        qs = qs.filter(supplier__code=supplier)
    if search:
        qs = qs.filter(Q(sku__icontains=search) | Q(name__icontains=search))
    if active is not None:
        qs = qs.filter(active=active)
    countries = [c.upper() for c in origin_excludes if c]
    if countries:
        qs = qs.exclude(
            pk__in=ProvenanceStage.objects.filter(country__in=countries).values("part_id")
        )
    return qs.order_by("sku")


_monotonic = time.monotonic  # a hook: tests move time forward without sleeping
_NOTHING = object()


class _RecentReading:
    """A value this process read from the database, answered again for
    `COREKIT_CATALOG_STAMP_SECONDS` (outside a transaction), until forgotten."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read
        self.kept: tuple[float, Any] | None = None  # (monotonic time of the read, value)
        self._last: Any = _NOTHING  # the last value read
        self._forgotten = 0  # moved by forget()

    def get(self, *, recent: bool) -> Any:
        if not recent or not _recent_allowed():
            return self._read()
        now = _monotonic()
        kept = self.kept
        if kept is not None and now - kept[0] < settings.COREKIT_CATALOG_STAMP_SECONDS:
            return kept[1]
        value, _token = self.read_now()
        self._last = value
        self.kept = (now, value)
        return value

    def read_now(self) -> tuple[Any, int]:
        """A reading made now, not yet answered to anyone, and a token for `keep`. A reading
        equal to the last one is the same object: what callers derived from it (keyed by
        its identity) stays good while the value does not change."""
        token = self._forgotten
        value = self._read()
        return (self._last if value == self._last else value), token

    def keep(self, value: Any, token: int) -> None:
        """Answer `value`, read just now, for the next `COREKIT_CATALOG_STAMP_SECONDS` —
        unless the reading was forgotten since (a change of this process's own, which a
        reading made before it must not hide)."""
        if token == self._forgotten:
            self._last = value
            self.kept = (_monotonic(), value)

    def forget(self) -> None:
        self._forgotten += 1
        self.kept = None


def _recent_allowed() -> bool:
    return settings.COREKIT_CATALOG_STAMP_SECONDS > 0 and not transaction.get_connection().in_atomic_block


def catalog_stamp(*, recent: bool = False) -> tuple[int, Any]:
    """(version, changed_at) of the catalog: moves on every catalog write (one query).

    `recent=True` is for the request paths of web processes: a reading this process made at
    most `COREKIT_CATALOG_STAMP_SECONDS` ago answers instead of a query, so a process under
    load checks the stamp about once a second, not on every request. A change made by this
    process is seen at once (moving the stamp forgets the reading, and so does its commit); a
    change made elsewhere reaches the process at most that many seconds later. Inside a
    transaction the stamp is always read (it may be this transaction's own, uncommitted)."""
    return _stamp.get(recent=recent)


def catalog_stamp_read_now() -> tuple[tuple[int, Any], int]:
    """The stamp read now (a query), kept for nobody yet, and a token: a web process's
    watcher reads it in the background, acts on it, then `catalog_stamp_keep`s it for the
    requests."""
    return _stamp.read_now()


def catalog_stamp_keep(stamp: tuple[int, Any], token: int) -> None:
    """`recent` reads answer this stamp, just read, for `COREKIT_CATALOG_STAMP_SECONDS`
    (unless it was forgotten since it was read: `token`)."""
    _stamp.keep(stamp, token)


def forget_recent_stamp() -> None:
    """The stamp moved (or a test rewrote it): the next `recent` read queries."""
    _stamp.forget()


# Read by every worker task and once a second by every web process: built once per process.
_STAMP_ROW = CompiledQuery(lambda: CatalogStamp.objects.filter(pk=1).values_list("version", "changed_at"))


def _read_stamp() -> tuple[int, Any]:
    rows = _STAMP_ROW.rows()
    return rows[0] if rows else (0, None)


_stamp = _RecentReading(_read_stamp)


def entity_key(label: str) -> str:
    """A supplier code, supplier name or stage company as restricted entities are matched
    (the uflpa rule): trimmed, upper-cased by Python, so every database folds the same way
    (SQLite's UPPER leaves "ü" alone)."""
    return label.strip().upper()


def entity_keys(*labels: str) -> set[str]:
    """The keys of a supplier's code and name (empty ones left out)."""
    return {entity_key(label) for label in labels if label}


def parts_naming_entities(keys: Iterable[str]) -> QuerySet[Part]:
    """The ids of the parts that name one of these entity keys: as their supplier, by code or
    name, or as a stage's company (what ENTITY_RESTRICTED looks at). The few distinct
    companies and suppliers are matched here, the parts found by exact value."""
    keys = set(keys)
    if not keys:
        return Part.objects.none().values("pk")
    companies = [c for c in ProvenanceStage.objects.order_by().values_list("company", flat=True).distinct()
                 if c and entity_key(c) in keys]
    suppliers = [pk for pk, code, name in Supplier.objects.values_list("pk", "code", "name")
                 if entity_keys(code, name) & keys]
    return (Part.objects.filter(Q(supplier_id__in=suppliers) | Q(provenance__company__in=companies))
            .order_by().values("pk"))


def part_get(*, sku: str) -> Part | None:
    return part_queryset().filter(sku=sku).first()


def _stages(part: Part) -> list[dict]:
    rows = sorted(part.provenance.all(), key=lambda s: _STAGE_ORDER.get(s.stage, 99))
    return [
        {
            "stage": s.stage,
            "country": s.country,
            "company": s.company,
            "evidence_reference": s.evidence_reference,
            "evidence_expires": s.evidence_expires,
        }
        for s in rows
    ]


def canonical_part_dict(
    *, sku, name, category, supplier, specs, provenance, currency, tiers, index_links,
    lead_time_days, moq, annual_capacity, active,
) -> dict[str, Any]:
    """A part exactly as the interchange file states it. Equal dicts mean equal parts."""
    stages = []
    for s in sorted(provenance, key=lambda s: _STAGE_ORDER.get(s["stage"], 99)):
        entry: dict[str, Any] = {"stage": s["stage"], "country": s["country"], "company": s["company"]}
        if s.get("evidence_reference") or s.get("evidence_expires"):
            evidence: dict[str, Any] = {"reference": s.get("evidence_reference", "")}
            if s.get("evidence_expires"):
                evidence["expires"] = s["evidence_expires"].isoformat()
            entry["evidence"] = evidence
        stages.append(entry)
    pricing: dict[str, Any] = {
        "currency": currency,
        "tiers": [
            {"min_qty": t["min_qty"], "unit_price": decimal_text(t["unit_price"])}
            for t in sorted(tiers, key=lambda t: t["min_qty"])
        ],
    }
    if index_links:
        pricing["index_links"] = [
            {
                "index": link["index"],
                "base_value": decimal_text(link["base_value"]),
                "kg_per_unit": decimal_text(link["kg_per_unit"]),
            }
            for link in sorted(index_links, key=lambda link: link["index"])
        ]
    return {
        "sku": sku,
        "name": name,
        "category": category,
        "supplier": supplier,
        "specs": dict(specs),
        "provenance": stages,
        "pricing": pricing,
        "lead_time_days": lead_time_days,
        "moq": moq,
        "annual_capacity": annual_capacity,
        "active": active,
    }


def part_canonical(part: Part) -> dict[str, Any]:
    return canonical_part_dict(
        sku=part.sku, name=part.name, category=part.category, supplier=part.supplier.code,
        specs=part.specs, provenance=_stages(part), currency=part.currency,
        tiers=[{"min_qty": t.min_qty, "unit_price": t.unit_price} for t in part.price_tiers.all()],
        index_links=[
            {"index": link.index.code, "base_value": link.base_value,
             "kg_per_unit": link.kg_per_unit}
            for link in part.index_links.all()
        ],
        lead_time_days=part.lead_time_days, moq=part.moq,
        annual_capacity=part.annual_capacity, active=part.active,
    )


def part_canonical_rows(*, skus: Iterable[str]) -> dict[str, tuple[int, Any, dict[str, Any]]]:
    """sku -> (pk, created_at, canonical dict) for these parts, in 4 queries of plain values.

    What an import compares each row against: `part_canonical` without building model
    instances and related managers (5x faster on a batch of thousands)."""
    skus = list(skus)
    rows = Part.objects.filter(sku__in=skus).values_list(
        "pk", "sku", "name", "category", "supplier__code", "specs", "currency", "lead_time_days",
        "moq", "annual_capacity", "active", "created_at")
    parts = {r[0]: r for r in rows}
    ids = list(parts)
    stages: dict[int, list[dict]] = {i: [] for i in ids}
    for part_id, stage, country, company, reference, expires in (
            ProvenanceStage.objects.filter(part_id__in=ids).order_by("id").values_list(
                "part_id", "stage", "country", "company", "evidence_reference", "evidence_expires")):
        stages[part_id].append({"stage": stage, "country": country, "company": company,
                                "evidence_reference": reference, "evidence_expires": expires})
    tiers: dict[int, list[dict]] = {i: [] for i in ids}
    for part_id, min_qty, price in PriceTier.objects.filter(part_id__in=ids).values_list(
            "part_id", "min_qty", "unit_price"):
        tiers[part_id].append({"min_qty": min_qty, "unit_price": price})
    links: dict[int, list[dict]] = {i: [] for i in ids}
    for part_id, code, base, kg in PartIndexLink.objects.filter(part_id__in=ids).values_list(
            "part_id", "index__code", "base_value", "kg_per_unit"):
        links[part_id].append({"index": code, "base_value": base, "kg_per_unit": kg})
    out = {}
    for pk, (_, sku, name, category, supplier, specs, currency, lead, moq, capacity, active,
             created_at) in parts.items():
        out[sku] = (pk, created_at, canonical_part_dict(
            sku=sku, name=name, category=category, supplier=supplier, specs=specs,
            provenance=stages[pk], currency=currency, tiers=tiers[pk], index_links=links[pk],
            lead_time_days=lead, moq=moq, annual_capacity=capacity, active=active))
    return out


def catalog_export() -> dict[str, Any]:
    """The whole catalog as one `corekit-catalog/1` document (import round-trips it)."""
    indices = Index.objects.prefetch_related(
        Prefetch("values", queryset=IndexValue.objects.order_by("date"))
    ).order_by("code")
    return {
        "format": FORMAT,
        "suppliers": [
            {"code": s.code, "name": s.name, "country": s.country, "restricted": s.restricted}
            for s in Supplier.objects.order_by("code")
        ],
        "indices": [
            {
                "code": i.code,
                "unit": i.unit,
                "values": [
                    {"date": v.date.isoformat(), "value": decimal_text(v.value)}
                    for v in i.values.all()
                ],
            }
            for i in indices
        ],
        "exchange_rates": [
            {"date": r.date.isoformat(), "from": r.from_currency, "to": r.to_currency,
             "rate": decimal_text(r.rate)}
            for r in ExchangeRate.objects.order_by("date", "from_currency", "to_currency")
        ],
        "parts": [part_canonical(p) for p in part_queryset().order_by("sku")],
    }


def capacity_booked(
    *, years: Iterable[int], exclude_references: Iterable[str] = (), recent: bool = False
) -> Mapping[tuple[str, int], int]:
    """(sku, year) -> units booked by accepted orders in these years, every organization's: one query.

    `exclude_references` leaves out the bookings of the named orders (a configuration is not
    judged against the capacity its own order booked): order numbers, or a values() QuerySet
    of them.

    `recent=True` (advice on web request paths: validation, guided options; never the
    acceptance, which books under its locks, nor the worker's pricing): this process's
    reading of every year's bookings, at most `COREKIT_CATALOG_STAMP_SECONDS` old, answers
    without a query. An order this process books is seen at once; one booked elsewhere that
    many seconds later at most. Not with exclusions, nor inside a transaction. It answers a
    read-only mapping, the same object while the bookings read the same: guided options are
    remembered per kit by its identity (configurator.domain.options.memo).
    """
    years = sorted(set(years))
    if not years:
        return _NO_BOOKINGS
    if not isinstance(exclude_references, QuerySet):  # a QuerySet stays a subquery: one query
        exclude_references = list(exclude_references)
    excluding = isinstance(exclude_references, QuerySet) or bool(exclude_references)
    if recent and not excluding and _recent_allowed():
        by_year = _bookings.get(recent=True)
        key = tuple(years)
        derived = _recent_booked.get(key)
        if derived is None or derived[0] is not by_year:
            derived = (by_year, MappingProxyType(
                {(sku, year): units for year in years for sku, units in by_year.get(year, {}).items()}))
            if len(_recent_booked) >= 64:
                _recent_booked.clear()
            _recent_booked[key] = derived
        return derived[1]
    if not excluding:  # the quote request's and the worker's exact read: SQL built once
        wanted = set(years)
        rows = _BOOKED_BETWEEN.rows(first=years[0], last=years[-1])
        return {(sku, year): units for sku, year, units in rows if year in wanted}
    rows = (CapacityBooking.objects.filter(year__in=years).exclude(reference__in=exclude_references)
            .values_list("part__sku", "year").annotate(units=Sum("units")).order_by())
    return {(sku, year): units for sku, year, units in rows}


# Per (sku, year) between two years: a program's years are one span, and two integers
# let the SQL be built once per process (`core.compiled`) where a list of years would not.
_BOOKED_BETWEEN = CompiledQuery(lambda first, last: (
    CapacityBooking.objects.filter(year__gte=first, year__lte=last)
    .values_list("part__sku", "year").annotate(units=Sum("units")).order_by()))


def _read_bookings() -> dict[int, dict[str, int]]:
    """year -> sku -> units booked, every year (one query)."""
    by_year: dict[int, dict[str, int]] = {}
    for sku, year, units in (CapacityBooking.objects.values_list("part__sku", "year")
                             .annotate(units=Sum("units")).order_by()):
        by_year.setdefault(year, {})[sku] = units
    return by_year


_bookings = _RecentReading(_read_bookings)
_NO_BOOKINGS: Mapping[tuple[str, int], int] = MappingProxyType({})
# program years -> (the reading, its bookings in those years): one read-only mapping per
# reading and years, so that guided options remembered for a kit (keyed by the mapping's
# identity, configurator.domain.options.memo) are found again until the bookings change.
_recent_booked: dict[tuple[int, ...], tuple[Any, Mapping[tuple[str, int], int]]] = {}


def forget_recent_bookings() -> None:
    """Units were booked (or a test rewrote the bookings): the next `recent` read queries."""
    _bookings.forget()


def capacity_report(*, year: int | None = None, sku: str = "") -> list[dict[str, Any]]:
    """Booked against capacity per part and year, fullest first (one query): the sales reps' view.

    Each row names how many orders booked units, never which organizations.
    """
    from django.db.models import Count

    rows = CapacityBooking.objects.all()
    if year is not None:
        rows = rows.filter(year=year)
    if sku:
        rows = rows.filter(part__sku__icontains=sku)
    out = []
    for part_id, sku_, name, capacity, year_, booked, orders in (
        rows.values_list("part_id", "part__sku", "part__name", "part__annual_capacity", "year")
        .annotate(booked=Sum("units"), orders=Count("reference", distinct=True)).order_by()
    ):
        pct = (booked * 100 / capacity) if capacity else None
        out.append({
            "part_id": part_id, "sku": sku_, "name": name, "year": year_, "capacity": capacity,
            "booked": booked, "free": max(capacity - booked, 0), "orders": orders,
            "pct": None if pct is None else round(pct, 1),
        })
    out.sort(key=lambda r: (-(r["pct"] if r["pct"] is not None else 1e9), r["sku"], r["year"]))
    return out
