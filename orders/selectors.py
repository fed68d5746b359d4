"""Reads for quotes and orders, and the loading of everything a quote is priced from."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from core.compiled import CompiledQuery
from core.models import Organization
from core.selectors import commercial_terms_get, commercial_terms_snapshot
from orders.domain import pricing as p
from orders.models import Order, OrderDelivery, Quote
from parts.models import ExchangeRate, Index, IndexValue, Part, PartIndexLink, PriceTier, ProvenanceStage
from parts.selectors import catalog_stamp


def quote_queryset(organization) -> QuerySet[Quote]:
    """The caller's quotes only; another organization's quote answers 404."""
    return Quote.objects.for_organization(organization).select_related("organization", "requested_by")


# The quote read behind every poll, SQL built once per process (`core.compiled`): building
# it cost 1.5 ms of the poll's 2 ms outside DRF, the round trip 0.15.
_QUOTE = CompiledQuery(lambda pk, organization: Quote.objects.filter(pk=pk, organization=organization))


def quote_get(*, organization, pk: int) -> Quote | None:
    """One of the caller's quotes (None: not the caller's, or none). Its organization is the
    caller's instance; `requested_by` is read only if asked for."""
    found = _QUOTE.rows(pk=int(pk), organization=organization)
    if not found:
        return None
    quote = found[0]
    if isinstance(organization, Organization):
        quote.organization = organization
    return quote


_QUOTE_LOCKED = CompiledQuery(lambda pk: Quote.objects.select_for_update().filter(pk=pk))


def quote_locked(pk: int) -> Quote:
    """The quote, its row locked until the transaction ends (inside `transaction.atomic`);
    Quote.DoesNotExist if there is none. The worker takes it twice per quote: its SQL is
    built once per process (`core.compiled`)."""
    found = _QUOTE_LOCKED.rows(pk=int(pk))
    if not found:
        raise Quote.DoesNotExist(f"no quote {pk}")
    return found[0]


_QUOTE_BY_KEY = CompiledQuery(lambda organization, key: (
    Quote.objects.filter(organization=organization, idempotency_key=key)))


def quote_by_idempotency_key(*, organization, key: str) -> Quote | None:
    """The quote this organization requested with this Idempotency-Key (keys are unique per
    organization), read on every keyed quote request."""
    found = _QUOTE_BY_KEY.rows(organization=organization, key=key) if key else []
    return found[0] if found else None


def quote_versions(quote: Quote) -> QuerySet[Quote]:
    return Quote.objects.filter(number=quote.number, organization=quote.organization).order_by("version")


def quote_terms(quote: Quote) -> dict:
    """The commercial terms frozen with the quote (the organization's current ones for older quotes)."""
    return quote.snapshot.get("terms") or commercial_terms_snapshot(
        commercial_terms_get(organization=quote.organization))


def quote_terms_summary(quote: Quote) -> dict:
    """What the buyer confirms when it places the order, as the order records it."""
    terms = quote_terms(quote)
    return {
        "quote": f"{quote.number} v{quote.version}",
        "currency": quote.currency,
        "total": None if quote.total is None else str(quote.total),
        "incoterms": f"{terms['incoterms']} {terms.get('incoterms_place', '')}".strip(),
        "payment_terms": terms["payment_terms"],
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
        "annual_price_down_pct": str(quote.annual_price_down_pct),
        "manual_discount_pct": str(quote.manual_discount_pct),
        "customer": terms["legal_name"],
    }


def order_queryset(organization) -> QuerySet[Order]:
    return (
        Order.objects.for_organization(organization)
        .select_related("quote")
        .prefetch_related(Prefetch("deliveries", queryset=OrderDelivery.objects.order_by("year")))
    )


def order_get(*, organization, pk: int) -> Order | None:
    return order_queryset(organization).filter(pk=pk).first()


def latest_index_values(codes, on: dt.date) -> tuple[p.IndexValue, ...]:
    """Each index's latest value on or before `on`: what pricing reads of an index's history
    (one row per index, however many years of daily values the catalog holds)."""
    latest = IndexValue.objects.filter(index=OuterRef("pk"), date__lte=on).order_by("-date")
    rows = (Index.objects.filter(code__in=codes)
            .annotate(latest_date=Subquery(latest.values("date")[:1]),
                      latest_value=Subquery(latest.values("value")[:1]))
            .filter(latest_date__isnull=False).order_by("code")
            .values_list("code", "latest_date", "latest_value"))
    return tuple(p.IndexValue(index=code, date=day, value=value) for code, day, value in rows)


def latest_exchange_rates(currencies, on: dt.date) -> tuple[p.ExchangeRate, ...]:
    """The latest row on or before `on` of every direction between `currencies`: all that
    pricing can use (a direct or inverse row, or a cross through the pivot currency), in two
    queries whatever the length of the rates' history."""
    currencies = sorted(currencies)
    latest = (ExchangeRate.objects
              .filter(date__lte=on, from_currency__in=currencies, to_currency__in=currencies)
              .values_list("from_currency", "to_currency").annotate(last=Max("date"))
              .order_by())
    wanted = Q(pk__in=[])
    for from_currency, to_currency, last in latest:
        wanted |= Q(from_currency=from_currency, to_currency=to_currency, date=last)
    return tuple(
        p.ExchangeRate(date=r.date, from_currency=r.from_currency, to_currency=r.to_currency, rate=r.rate)
        for r in ExchangeRate.objects.filter(wanted).order_by("from_currency", "to_currency")
    )


def part_records(skus) -> dict[str, dict]:
    """sku -> the part as a quote freezes it (supplier, specs, tiers, index links,
    provenance), read as plain rows in four queries: no model instances, no prefetch."""
    records: dict[int, dict] = {}
    for pk, sku, name, category, currency, lead_time, specs, supplier, code, country in (
            Part.objects.filter(sku__in=list(skus)).values_list(
                "pk", "sku", "name", "category", "currency", "lead_time_days", "specs",
                "supplier__name", "supplier__code", "supplier__country")):
        records[pk] = {"sku": sku, "name": name, "category": category, "supplier": supplier,
                       "supplier_code": code, "supplier_country": country, "currency": currency,
                       "lead_time_days": lead_time, "specs": specs,
                       "tiers": [], "index_links": [], "provenance": []}
    for part_id, min_qty, unit_price in (
            PriceTier.objects.filter(part_id__in=list(records)).order_by("part_id", "min_qty")
            .values_list("part_id", "min_qty", "unit_price")):
        records[part_id]["tiers"].append({"min_qty": min_qty, "unit_price": unit_price})
    for part_id, index, base_value, kg_per_unit in (
            PartIndexLink.objects.filter(part_id__in=list(records)).order_by("part_id", "index__code")
            .values_list("part_id", "index__code", "base_value", "kg_per_unit")):
        records[part_id]["index_links"].append(
            {"index": index, "base_value": base_value, "kg_per_unit": kg_per_unit})
    for part_id, *stage in (
            ProvenanceStage.objects.filter(part_id__in=list(records)).order_by("part_id", "id")
            .values_list("part_id", "stage", "country", "company", "evidence_reference",
                         "evidence_expires")):
        records[part_id]["provenance"].append(dict(zip(
            ("stage", "country", "company", "evidence_reference", "evidence_expires"), stage,
            strict=True)))
    return {record["sku"]: record for record in records.values()}


class _CatalogReads:
    """Catalog rows a worker has read, kept for one catalog stamp.

    Every write to what a quote is priced from (parts, suppliers, tiers, index links,
    provenance, indices and their values, exchange rates) moves the stamp, so rows read
    under a stamp are what a new read would return until it moves; a new stamp starts
    empty. The stamp is read before the rows, so rows are never older than their key.
    Entries are per part and per (indices, date) or (currencies, date): kits that share
    parts share them. Bounded: past `limit` entries it starts again.
    """

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._entries: dict = {}

    def clear(self) -> None:
        with self._lock:
            self._stamp, self._entries = None, {}

    def get_many(self, stamp: tuple, kind: str, keys: Iterable, read: Callable[[list], dict]) -> dict:
        """key -> value for the `kind` of read and these keys; those not kept are read
        (`read(missing) -> {key: value}`; keys it does not return are unknown and read again
        next time)."""
        keys = list(dict.fromkeys(keys))
        with self._lock:
            if stamp != self._stamp or len(self._entries) > self._limit:
                self._stamp, self._entries = stamp, {}
            entries = self._entries
            found = {k: entries[kind, k] for k in keys if (kind, k) in entries}
        missing = [k for k in keys if k not in found]
        if missing:
            fresh = read(missing)
            found.update(fresh)
            with self._lock:
                if self._stamp == stamp:
                    self._entries.update({(kind, k): value for k, value in fresh.items()})
        return found

    def get_one(self, stamp: tuple, kind: str, key, read: Callable[[], object]):
        """The value kept for `key` (an immutable one: it is shared), else `read()`."""
        return self.get_many(stamp, kind, [key], lambda _keys: {key: read()})[key]


_catalog_reads = _CatalogReads()


def forget_catalog_reads() -> None:
    """Tests that rewrite the catalog without moving the stamp."""
    _catalog_reads.clear()


def _copy_record(record: dict) -> dict:
    """A part record the caller may change: its lists and rows copied, its specs deep-copied
    (JSON of any shape); a whole deepcopy cost 1 ms of a quote's 9."""
    return {**record, "specs": copy.deepcopy(record["specs"]),
            **{rows: [dict(row) for row in record[rows]] for rows in ("tiers", "index_links", "provenance")}}


def index_units(codes: Iterable[str], *, stamp: tuple | None = None) -> dict[str, str]:
    """code -> unit of these indices, as the worker freezes them into a quote (kept per
    catalog stamp with the other catalog reads: editing an index moves the stamp).
    `stamp`: the catalog stamp the caller read (else read here)."""
    codes = frozenset(codes)
    stamp = catalog_stamp() if stamp is None else stamp
    return dict(_catalog_reads.get_one(stamp, "index units", codes, lambda: dict(
        Index.objects.filter(code__in=codes).values_list("code", "unit"))))


def pricing_input(*, lines: list[dict], schedule: list[dict], currency: str,
                  annual_price_down_pct: Decimal, manual_discount_pct: Decimal,
                  pricing_date: dt.date, stamp: tuple | None = None,
                  ) -> tuple[p.PricingInput, list[dict]]:
    """Load prices, index links, index values and rates (at most a fixed number of queries;
    none for what the worker has kept for this catalog stamp).

    A manual discount applies to catalog prices (the tiers), not to the raw-material
    pass-through: the index part of a price follows the market whatever was negotiated.
    Returns the pricing input and the kit's part records (`part_records`), in line order.
    """
    # The worker's reads of the catalog, kept per exact stamp (`stamp`: the one the caller
    # read before calling, else read here).
    stamp = catalog_stamp() if stamp is None else stamp
    skus = [ln["sku"] for ln in lines]
    # Copies: the quote freezes them, the kept ones stay as read.
    parts = {sku: _copy_record(record)
             for sku, record in _catalog_reads.get_many(stamp, "part", skus, part_records).items()}
    factor = (Decimal(100) - manual_discount_pct) / Decimal(100)
    priced = []
    index_codes = set()
    for ln in lines:
        part = parts[ln["sku"]]
        links = tuple(
            p.IndexLink(index=link["index"], base_value=link["base_value"],
                        kg_per_unit=link["kg_per_unit"])
            for link in part["index_links"]
        )
        index_codes.update(link.index for link in links)
        priced.append(p.PricedPart(
            sku=part["sku"], slot=ln["slot"], quantity_per_kit=ln["quantity"], currency=part["currency"],
            tiers=tuple(p.PriceTier(min_qty=t["min_qty"], unit_price=t["unit_price"] * factor)
                        for t in part["tiers"]),
            index_links=links,
        ))
    index_values = _catalog_reads.get_one(stamp, "index values", (frozenset(index_codes), pricing_date),
                                          lambda: latest_index_values(index_codes, pricing_date))
    currencies = frozenset({pp.currency for pp in priced} | {currency, p.PIVOT_CURRENCY})
    rates = _catalog_reads.get_one(stamp, "rates", (currencies, pricing_date),
                                   lambda: latest_exchange_rates(currencies, pricing_date))
    return p.PricingInput(
        parts=tuple(priced),
        schedule=tuple(p.ScheduleYear(year=s["year"], kits=s["kits"]) for s in schedule),
        currency=currency,
        annual_price_down_pct=annual_price_down_pct,
        pricing_date=pricing_date,
        index_values=index_values,
        exchange_rates=rates,
    ), [parts[sku] for sku in skus]
