"""The catalog as the engine sees it: built once per catalog change, held per process.

Validation and guided options need every candidate part as a frozen domain `Part`;
loading them per request would cost the database round trips the engine is meant to
avoid. One cheap query on the catalog stamp tells whether the view a process holds is
current. A Celery task builds the view of each new stamp once (`view_publish`) and
stores it signed (`catalog_artifacts`); processes load it and swap it in (below).
"""

from __future__ import annotations

import fcntl
import gc
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import QuerySet

from configurator import catalog_artifacts
from configurator import models as m
from configurator.domain import types as d
from configurator.domain.artifact import Interner, compact_parts
from configurator.domain.completion import tables
from configurator.domain.options import CatalogIndex
from configurator.domain.warm import warm
from parts.domain.specs import specs_from_json
from parts.models import ExchangeRate, Part, PriceTier, ProvenanceStage, Supplier
from parts.selectors import (
    catalog_stamp,
    catalog_stamp_keep,
    catalog_stamp_read_now,
    entity_keys,
    forget_recent_stamp,
    part_queryset,
)

logger = logging.getLogger(__name__)

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


def _domain_part(*, sku: str, category: str, name: str, active: bool, specs: dict, lead_time_days: int,
                 moq: int, annual_capacity: int, currency: str, supplier_code: str, supplier_name: str,
                 stages: tuple[d.Stage, ...], tiers: list[tuple[int, Decimal]],
                 rates: dict[str, Decimal]) -> d.Part:
    """A part as the engine sees it, from its fields, its stages (by id) and its tiers
    (min_qty, unit price in its currency; lowest min_qty first)."""
    specs = specs_from_json(category, specs)
    rate = rates.get(currency)
    reference = tiers[0][1] * rate if tiers and rate is not None else None
    rare_earth = Decimal(0)
    if category == "magnet":
        rare_earth = Decimal(specs.get("ndpr_kg") or 0) + Decimal(specs.get("dy_tb_kg") or 0)
    return d.Part(
        sku=sku, category=category, supplier_code=supplier_code, supplier_name=supplier_name,
        active=active, specs=specs, provenance=stages, lead_time_days=lead_time_days, moq=moq,
        annual_capacity=annual_capacity, reference_unit_price=reference, rare_earth_kg=rare_earth,
        name=name,
        price_tiers=tuple((q, price * rate) for q, price in tiers) if rate is not None else (),
    )


def part_snapshot(part: Part, rates: dict[str, Decimal]) -> d.Part:
    """One catalog part as the engine sees it (part loaded with `part_queryset`)."""
    return _domain_part(
        sku=part.sku, category=part.category, name=part.name, active=part.active, specs=part.specs,
        lead_time_days=part.lead_time_days, moq=part.moq, annual_capacity=part.annual_capacity,
        currency=part.currency, supplier_code=part.supplier.code, supplier_name=part.supplier.name,
        stages=tuple(
            d.Stage(stage=s.stage, country=s.country, company=s.company,
                    evidence_reference=s.evidence_reference, evidence_expires=s.evidence_expires)
            for s in part.provenance.all()
        ),
        tiers=[(t.min_qty, t.unit_price) for t in part.price_tiers.all()],
        rates=rates,
    )


_PART_COLUMNS = ("id", "sku", "category", "name", "active", "specs", "lead_time_days", "moq",
                 "annual_capacity", "currency", "supplier__code", "supplier__name")


_CHUNK_ROWS = 10_000  # rows fetched at a time from each of the three streams (parts: half)


def catalog_parts(*, shared: bool = False) -> list[d.Part]:
    """Every catalog part as a domain part, in SKU order: three queries of plain rows (model
    instances and per-part prefetch plumbing cost ten times more at 100k parts), read side
    by side in part-id order and merged, so that no part's stages or tiers wait in memory
    for their part (holding them all cost 120 MB at 100k parts while the import that
    publishes the view still held its file). Equal stage rows make one `Stage`; with
    `shared`, equal values are held once as the parts are made (see `compact_parts`)."""
    share = Interner().part if shared else None
    rates = usd_rates()
    stage_of: dict[tuple, d.Stage] = {}

    def stage(fields: tuple) -> d.Stage:
        found = stage_of.get(fields)
        if found is None:
            kind, country, company, reference, expires = fields
            found = stage_of[fields] = d.Stage(stage=kind, country=country, company=company,
                                               evidence_reference=reference, evidence_expires=expires)
        return found

    stages = _RowsByPart(ProvenanceStage.objects.order_by("part_id", "id").values_list(
        "part_id", "stage", "country", "company", "evidence_reference", "evidence_expires"))
    tiers = _RowsByPart(PriceTier.objects.order_by("part_id", "min_qty").values_list(
        "part_id", "min_qty", "unit_price"))
    made: dict[int, d.Part] = {}
    for row in Part.objects.order_by("id").values_list(*_PART_COLUMNS).iterator(chunk_size=_CHUNK_ROWS // 2):
        (pk, sku, category, name, active, specs, lead_time_days, moq, annual_capacity, currency,
         supplier_code, supplier_name) = row
        part = _domain_part(
            sku=sku, category=category, name=name, active=active, specs=specs,
            lead_time_days=lead_time_days, moq=moq, annual_capacity=annual_capacity, currency=currency,
            supplier_code=supplier_code, supplier_name=supplier_name,
            stages=tuple(stage(fields) for fields in stages.rows_of(pk)),
            tiers=list(tiers.rows_of(pk)), rates=rates,
        )
        made[pk] = share(part) if share else part
    # In the database's SKU order (its collation, which Python's string order need not match).
    return [made.pop(pk) for pk in Part.objects.order_by("sku").values_list("id", flat=True) if pk in made]


class _RowsByPart:
    """Rows `(part_id, *fields)` read in part-id order, handed out part by part as a reader
    going through the parts in id order asks for them (rows of a part it never asks for, one
    deleted meanwhile, are passed over)."""

    def __init__(self, queryset) -> None:
        self._rows = iter(queryset.iterator(chunk_size=_CHUNK_ROWS))
        self._next = next(self._rows, None)

    def rows_of(self, part_id: int) -> list[tuple]:
        found = []
        while self._next is not None and self._next[0] <= part_id:
            if self._next[0] == part_id:
                found.append(self._next[1:])
            self._next = next(self._rows, None)
        return found


def part_snapshots_by_sku(skus: Iterable[str]) -> dict[str, d.Part]:
    rates = usd_rates()
    return {p.sku: part_snapshot(p, rates) for p in part_queryset().filter(sku__in=set(skus))}


def restricted_entities() -> frozenset[str]:
    names = set()
    for code, name in Supplier.objects.filter(restricted=True).values_list("code", "name"):
        names.update(entity_keys(code, name))
    return frozenset(names)


def catalog_version(*, recent: bool = False) -> tuple:
    """(counter, time of the last change): both, since a rolled-back write can reuse a counter.
    `recent`: a reading up to a second old may answer (parts.selectors.catalog_stamp)."""
    return catalog_stamp(recent=recent)


def version_label(version: tuple) -> dict:
    """The stamp as the API shows it (which catalog judged an answer)."""
    counter, changed_at = version
    return {"version": counter,
            "changed_at": changed_at.isoformat().replace("+00:00", "Z") if changed_at else None}


def view_from_parts(version: tuple, parts: Iterable[d.Part], templates: dict,
                    restricted: frozenset[str], *, shared: bool = False) -> CatalogView:
    """The view over these parts: equal values shared (unless they are already), the index
    warmed, the class tables built."""
    index = CatalogIndex.build(parts if shared else compact_parts(parts)).warm()
    for _pk, template in templates.values():
        tables(index, template)  # the class tables of guided options, once per catalog change
    return CatalogView(version=version, index=index, restricted_entities=restricted, templates=templates)


def view_build(version: tuple) -> CatalogView:
    """The view of the catalog as it is now in the database (what the worker publishes)."""
    templates = {t.code: (t.pk, kit_template_snapshot(t)) for t in kit_template_list()}
    return view_from_parts(version, catalog_parts(shared=True), templates, restricted_entities(), shared=True)


# --------------------------------------------------------------------------- per process
#
# One view per process, replaced whole (a reference swap, atomic under the GIL) and never
# changed once published. When the stamp moves, requests keep the view they have while a
# background thread loads the worker's artifact for the new stamp; a process with no view
# at all loads the artifact, or builds the view once (under the lock) when none exists yet.

_lock = threading.Lock()
_current: CatalogView | None = None
_refresh_lock = threading.Lock()
_refresher: threading.Thread | None = None
_generation = 0  # moved by reset(): a refresh started before it never swaps its view in
_stop = threading.Event()  # set by reset() so that a waiting refresh gives up at once
_pinned: ContextVar[CatalogView | None] = ContextVar("catalog_view_pinned", default=None)
_spent: ContextVar[list[float] | None] = ContextVar("catalog_view_seconds", default=None)
_POLL_SECONDS = 0.2
# A view published ahead of its stamp's commit (an import finishing), loaded and warmed here,
# waiting for that stamp: swapped in the moment the stamp is read, with no load after it.
_prepared: CatalogView | None = None
# A web process's watcher thread (`_watch`): looks for a view announced ahead every
# `_WATCH_SECONDS`, and renews the process's heartbeat every `_HEARTBEAT_SECONDS`; no
# request does either (a request never waits on Redis for them).
_watcher: threading.Thread | None = None
_watcher_pid = 0
_watch_stop = threading.Event()
_WATCH_SECONDS = 0.25
_HEARTBEAT_SECONDS = 1.0
_RELEASE_PREPARED_AFTER_SECONDS = 5.0  # the view a prepared one replaced is released this much later
# Celery workers judge with the newest catalog (a re-validation after a change must see
# it): no background swap there.
_worker = False


def serve_latest_catalog() -> None:
    """Called in worker processes: every answer from the view of the current stamp."""
    global _worker
    _worker = True


# Requests this process is answering now (CatalogTimingMiddleware). A background load or
# warm-up holds the interpreter lock for milliseconds at a time: it steps aside while one is
# in flight, so that a request waiting on the database gets the lock back at once rather
# than after the switch interval, again after every query (40-120 ms more per request while
# a 100k view loaded, in bench.first_request).
_in_flight = 0
_answered = 0  # requests this process has finished (for _after_answers)
_in_flight_lock = threading.Lock()
_YIELD_AT_MOST = 0.02  # per step: under back-to-back requests the load still moves on


@contextmanager
def answering():
    """Around a request: background loads step aside while it runs."""
    global _in_flight, _answered
    with _in_flight_lock:
        _in_flight += 1
    try:
        yield
    finally:
        with _in_flight_lock:
            _in_flight -= 1
            _answered += 1


def _after_answers(count: int, at_most: float) -> None:
    """Wait (idle) until this process has finished `count` more requests, or `at_most` s."""
    target, deadline = _answered + count, time.monotonic() + at_most
    while _answered < target and time.monotonic() < deadline:
        if _stop.wait(0.005):
            return


def _when_idle(at_most: float) -> None:
    """Wait (idle) until no request of this process is in flight, or `at_most` s (or reset())."""
    deadline = time.monotonic() + at_most
    while _in_flight and time.monotonic() < deadline:
        if _stop.wait(0.002):
            return


def _yield_to_requests() -> None:
    deadline = time.monotonic() + _YIELD_AT_MOST
    while _in_flight and time.monotonic() < deadline:
        time.sleep(0.0005)


@contextmanager
def _short_switch_interval(active: bool):
    """While a background load or warm-up runs, the interpreter hands the lock over every
    0.5 ms instead of 5: a request thread back from the database waits that long for it, not
    the default interval, in the parts of the load that run without pausing (unpickling a
    chunk, building a warm-up cache)."""
    if not active:
        yield
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, 0.0005))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _settled(view: CatalogView) -> CatalogView:
    """A view just loaded or built, taken out of the garbage collector's reach.

    Its millions of objects are young: the collector's next full pass would traverse all
    of them, and that pause (0.3 s at 100k parts on an idle machine, 1.1 s under load) landed
    on the first request after a swap. `gc.freeze()` moves every object alive now into the
    permanent generation instead. A view holds no reference cycle
    (tests/unit/configurator/test_view_lifetime.py), so the one it replaces is still freed
    by reference counting once the last request reading it is done."""
    gc.freeze()
    return view


@contextmanager
def _collector_held():
    """The cyclic collector off until the view loaded inside is frozen.

    A load creates millions of objects with the collector off (the unpickler disables it).
    Switched back on before `gc.freeze()`, its next allocation started a collection of the
    young generation over all of them: 80–140 ms holding the interpreter lock, which the
    request of that instant waited out (bench.first_request's slowest requests)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _obtain(version: tuple, *, wait: float = 0.0, background: bool = False) -> CatalogView | None:
    """The published view of `version`; after `wait` seconds without one, a view built here
    (and the worker asked to publish it, so other processes need not build it too). None
    when reset() interrupted the wait."""
    deadline = time.monotonic() + wait
    while True:
        view = _published(version, background=background)
        if view is not None:
            return view
        if time.monotonic() >= deadline:
            break
        if _stop.wait(min(_POLL_SECONDS, max(deadline - time.monotonic(), 0.0))):
            return None
    if _worker:
        # A worker (re-validating after the change, say) builds it once for all the workers
        # and publishes it, rather than have the publish task and the others build it again.
        with catalog_artifacts.build_turn():
            view = _published(version)  # published while it waited for the turn
            if view is not None:
                return view
            logger.info("catalog view %s: no published artifact, building it in this process", version)
            view, _size = _built_and_stored(version)
            return _settled(view)
    logger.info("catalog view %s: no published artifact, building it in this process", version)
    view = view_build(version)
    catalog_artifacts.publish_request()
    return _settled(view)


def _published(version: tuple, *, background: bool = False, load=None) -> CatalogView | None:
    """The artifact of `version`, loaded and settled (None: not published). `load`: where from
    (the stored row by default; `catalog_artifacts.ahead_load`, the view announced ahead)."""
    load = load or catalog_artifacts.artifact_load
    with _collector_held():
        view = load(version, pause=_yield_to_requests if background else None)
        return _settled(view) if view is not None else None


def _built_and_stored(version: tuple, *, ahead: bool = False) -> tuple[CatalogView, int | None]:
    """The view of `version`, built here and published (inside the build turn, or inside the
    import's transaction: `ahead`, also announced before it commits); the size stored, None
    when the stamp moved during the build (parts read across a commit: a mix of two catalogs,
    never published)."""
    started = time.perf_counter()
    view = view_build(version)
    if catalog_version() != version:
        return view, None
    return view, catalog_artifacts.artifact_store(view, build_seconds=time.perf_counter() - started,
                                                  ahead=ahead)


# The kits this process was recently asked guided options for (and the slot): a new view is
# asked them once before it is swapped in (configurator.domain.warm).
_asked: deque[tuple[d.Snapshot, str | None]] = deque(maxlen=8)
_asked_lock = threading.Lock()  # not _lock: a request never waits behind a view build to note a kit


def _asked_key(snapshot: d.Snapshot, slot: str | None) -> tuple:
    return (tuple((ln.slot, ln.part.sku if ln.part else None, ln.quantity) for ln in snapshot.lines),
            snapshot.requirements, snapshot.policy.code, snapshot.schedule, slot)


def note_asked(snapshot: d.Snapshot, slot: str | None) -> None:
    """A request asked guided options for this kit (the newest question replaces its twin)."""
    if _worker:
        return
    key = _asked_key(snapshot, slot)
    with _asked_lock:
        for i, (old, old_slot) in enumerate(_asked):
            if _asked_key(old, old_slot) == key:
                del _asked[i]
                break
        _asked.append((snapshot, slot))


def _warmed(view: CatalogView) -> CatalogView:
    """The new view, having answered the recent questions once (never fails the swap)."""
    with _asked_lock:
        asked = list(_asked)
    if asked:
        started = time.perf_counter()
        try:
            answered = warm(view.index, asked, _yield_to_requests)
            logger.info("catalog view %s: warmed with %d recent kits in %.0f ms", view.version,
                        answered, (time.perf_counter() - started) * 1000)
        except Exception:
            logger.exception("catalog view %s: warming failed; swapping it in as it is", view.version)
    return view


def _retire(view: CatalogView) -> None:
    """Free a swapped-out view a slice at a time once no request reads it any more (else let
    reference counting free it whole, whenever its last reader is done)."""
    deadline = time.monotonic() + _RETIRE_WAIT_SECONDS
    connections.close_all()  # this thread's: it may wait here a while, and needs none
    # Our references: `view` here, the caller's, getrefcount's argument.
    while sys.getrefcount(view) > 3 or sys.getrefcount(view.index) > 2:
        if time.monotonic() >= deadline or _stop.wait(0.01):  # reset() does not wait for it
            return
    with _short_switch_interval(True):
        view.index.release(_yield_to_requests)


_RETIRE_WAIT_SECONDS = 5.0


@contextmanager
def _host_turn(active: bool):
    """Yields True once this is the only web process of the host loading and warming a new
    view (False: reset() interrupted the wait).

    Every process of a host swaps in the same new view at about the same time; loading it
    is about half a second of CPU each, and several at once on a few cores left requests in
    every process waiting for a core. One at a time, the others keep answering from their
    previous view meanwhile (`COREKIT_CATALOG_LOAD_LOCK_DIR`, empty: no turns)."""
    path = catalog_artifacts.host_lock_path("load")
    if not active or path is None:
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if _stop.wait(0.02):
                    yield False
                    return
        yield True
    finally:
        os.close(fd)  # and with it the lock


@contextmanager
def _lower_priority(active: bool):
    """While a background refresh loads, warms and releases views, this thread runs at the
    nice value `COREKIT_CATALOG_REFRESH_NICE` (Linux gives each thread its own): its second
    of CPU yields the cores to the requests of every process on the host, and to the
    database they wait on, instead of taking one of them outright."""
    nice = settings.COREKIT_CATALOG_REFRESH_NICE
    thread = threading.get_native_id()
    try:
        before = os.getpriority(os.PRIO_PROCESS, thread) if active and nice else None
        if before is not None:
            os.setpriority(os.PRIO_PROCESS, thread, max(before, nice))
    except OSError:  # not permitted here: run at the process's priority
        before = None
    try:
        yield
    finally:
        if before is not None:
            with suppress(OSError):  # lowering it back needs a privilege a process may lack
                os.setpriority(os.PRIO_PROCESS, thread, before)


def _refresh(generation: int, ahead: tuple | None = None) -> None:
    """Background: follow the stamp until this process holds the view of the latest one
    (first preparing the view of `ahead`, a stamp about to be committed)."""
    global _current, _refresher
    try:
        if ahead is not None and _current is not None:
            _prepare(generation, ahead)
        while generation == _generation:
            if _current is not None:
                # The request that noticed the change is answered first: this thread's first
                # steps (a database connection of its own, the stamp) would take the
                # interpreter lock from it.
                _when_idle(at_most=1.0)
            version = catalog_version()
            view = _current
            if view is not None and view.version == version:
                return
            prepared, ready = _prepared, None
            if view is not None and prepared is not None and prepared.version == version:
                ready = prepared
            # With a view, wait for the worker's artifact; without one (process start), load
            # it or build at once.
            wait = settings.COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS if view is not None else 0.0
            # Yielding to requests only when they have a view to answer from meanwhile.
            # One process of the host at a time, from the load to the old view's release.
            with _host_turn(view is not None) as turn, _lower_priority(view is not None):
                if ready is not None:
                    fresh = ready  # loaded and warmed before its stamp committed
                else:
                    with _short_switch_interval(view is not None):
                        fresh = _obtain(version, wait=wait, background=view is not None) if turn else None
                        if fresh is not None and view is not None:
                            fresh = _warmed(fresh)  # before any request reads it
                with _lock:
                    if fresh is None or generation != _generation:
                        return
                    if _current is not view:
                        continue  # a request swapped the prepared view in meanwhile (and retires ours)
                    _current = fresh  # requests that already hold the old view finish with it
                    _forget_prepared(fresh)
                if view is not None:
                    # The first requests on the new view run with no background work here.
                    _after_answers(2, at_most=2.0)
                    _retire(view)
                    del view
    except Exception:
        logger.exception("catalog view: background refresh failed; answering from the previous view")
    finally:
        with _refresh_lock:
            if _refresher is threading.current_thread():
                _refresher = None
        connections.close_all()  # this thread's own connections


def _prepare(generation: int, ahead: tuple) -> None:
    """Load and warm the view published ahead of stamp `ahead`, and keep it for that stamp."""
    global _prepared
    with _host_turn(True) as turn, _lower_priority(True), _short_switch_interval(True):
        view = _published(ahead, background=True, load=catalog_artifacts.ahead_load) if turn else None
        if view is None:
            return
        view = _warmed(view)
    with _lock:
        if generation != _generation or (_current is not None and _current.version[0] >= ahead[0]):
            return
        _prepared = view
    logger.info("catalog view %s: prepared ahead of its commit", ahead)
    catalog_artifacts.web_heartbeat(_held())  # the import waiting for this process commits now


def _forget_prepared(current: CatalogView) -> None:
    """Under _lock: a prepared view its stamp has not reached, and now never will (an import
    that rolled back) or already has, is dropped."""
    global _prepared
    if _prepared is not None and (_prepared is current or _prepared.version[0] <= current.version[0]):
        _prepared = None


def _held() -> tuple | None:
    """The newest stamp whose view this process holds, current or prepared (None: none yet)."""
    held = [v.version for v in (_current, _prepared) if v is not None]
    return max(held, key=lambda version: version[0]) if held else None


def _watch_ensure() -> None:
    """In a request (a check of two globals): this process's watcher runs. Started here too,
    not only at start-up: a process forked from one that started it (gunicorn --preload)
    has no thread of its own."""
    global _watcher, _watcher_pid
    if _watcher is not None and _watcher_pid == os.getpid() and _watcher.is_alive():
        return
    with _refresh_lock:
        if _watcher is not None and _watcher_pid == os.getpid() and _watcher.is_alive():
            return
        _watcher_pid = os.getpid()
        _watcher = threading.Thread(target=_watch, name="catalog-view-watch", daemon=True)
        _watcher.start()


def _watch() -> None:
    """Background, in a web process, every `_WATCH_SECONDS`: read the catalog stamp for the
    requests, and swap in the view of a new stamp (prepared ahead) or start loading it;
    prepare a view announced ahead (an import finishing); keep this process's heartbeat, so
    that the import waits for it before committing (catalog_artifacts.await_prepared). A
    process joins once it holds a view. No request reads the stamp or Redis for any of it
    while this runs, and none swaps."""
    beat, failing = 0.0, False
    try:
        while not _watch_stop.wait(_WATCH_SECONDS):
            if settings.COREKIT_CATALOG_REFRESH != "background":
                break
            if _current is None:
                continue
            try:
                close_old_connections()  # one past its age, or broken, is replaced by the next query
                _follow_stamp(_current)
                _look_ahead(_current)
                if time.monotonic() - beat >= _HEARTBEAT_SECONDS:
                    catalog_artifacts.web_heartbeat(_held())
                    beat = time.monotonic()
                failing = False
            except Exception:
                if not failing:  # once per outage, not four times a second
                    logger.warning("catalog view: watching the stamp failed; requests read it meanwhile",
                                   exc_info=True)
                failing = True
                connections.close_all()  # a broken connection is not reused: the next turn connects anew
    finally:
        catalog_artifacts.web_leave()
        connections.close_all()  # this thread's own


def _follow_stamp(view: CatalogView) -> None:
    """Read the stamp; a new one is swapped in now when its view is prepared, else loaded
    in the background. The reading is then kept for the requests (after the swap: a request
    that reads the new stamp finds its view)."""
    stamp, token = catalog_stamp_read_now()
    if stamp != view.version:
        prepared = _prepared
        if prepared is not None and prepared.version == stamp:
            _swap_in_prepared(view, prepared)
        else:
            _start_refresh()
    catalog_stamp_keep(stamp, token)


def _look_ahead(view: CatalogView) -> None:
    """An artifact published ahead of its commit (an import finishing) is prepared in the
    background, to be swapped in when its stamp commits; a prepared one no longer announced
    (its import rolled back, or a newer one came) is dropped."""
    ahead = catalog_artifacts.newest_ahead(view.version[0])
    prepared = _prepared
    if prepared is not None and prepared.version != ahead:
        _drop_prepared(prepared)  # no longer announced: its import rolled back, or a newer one came
        prepared = None
    if ahead is not None and prepared is None:
        _start_refresh(ahead=ahead)


def _drop_prepared(prepared: CatalogView) -> None:
    global _prepared
    with _lock:
        if _prepared is prepared:
            _prepared = None


def _swap_in_prepared(view: CatalogView, prepared: CatalogView) -> CatalogView | None:
    """Whoever reads the prepared view's stamp first (the watcher, or a request): swap it in
    now (a reference swap), and release the old view in the background. None: someone else
    swapped first."""
    global _current
    with _lock:
        if _current is not view or _prepared is not prepared:
            return None
        _current = prepared
        _forget_prepared(prepared)
    retired = [view]

    def release() -> None:
        try:
            # Not at once: at this stamp's commit the import that published it is still
            # finishing, and the host's other processes are swapping too.
            if _stop.wait(_RELEASE_PREPARED_AFTER_SECONDS):
                return
            with _host_turn(True) as turn, _lower_priority(True):
                old = retired.pop()
                if turn:
                    _retire(old)
        except Exception:
            logger.exception("catalog view: releasing the previous view failed")
        finally:
            connections.close_all()

    threading.Thread(target=release, name="catalog-view-release", daemon=True).start()
    return prepared


def _start_refresh(*, ahead: tuple | None = None) -> None:
    global _refresher
    with _refresh_lock:
        if _refresher is not None:
            return
        _refresher = threading.Thread(target=_refresh, args=(_generation, ahead), name="catalog-view-refresh",
                                      daemon=True)
        _refresher.start()


def catalog_view() -> CatalogView:
    """The catalog view this request reads: the pinned one inside `pinned_view`, else this
    process's view (see above)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    started = time.perf_counter()
    try:
        return _process_view()
    finally:
        _count_time(started)


def _count_time(started: float) -> None:
    spent = _spent.get()
    if spent is not None:
        spent[0] += time.perf_counter() - started


@contextmanager
def request_timing():
    """Count the time spent obtaining catalog views (stamp query, and any wait, load or build)
    inside the block: `[seconds]`, for the request's Server-Timing header."""
    spent = [0.0]
    token = _spent.set(spent)
    try:
        yield spent
    finally:
        _spent.reset(token)


def _process_view() -> CatalogView:
    global _current
    version = catalog_version(recent=not _worker)  # a worker judges with the newest catalog
    view = _current
    background = settings.COREKIT_CATALOG_REFRESH == "background" and not _worker
    if background:
        _watch_ensure()
    if view is not None and view.version == version:
        return view
    starting = _refresher
    if view is None and starting is not None and starting is not threading.current_thread():
        starting.join()  # the process's start-up load (`warm_in_background`) is under way
        view = _current
        if view is not None and view.version == version:
            return view
    if view is not None and background:
        prepared = _prepared
        if prepared is not None and prepared.version == version:
            swapped = _swap_in_prepared(view, prepared)
            if swapped is not None:
                return swapped
        _start_refresh()
        return view
    with _lock:
        if _current is None or _current.version != version:
            _current = _current_for(version)
        return _current


def _current_for(version: tuple) -> CatalogView:
    """Under _lock: the view of `version` to make this process's own — the prepared one when
    it is that stamp's, else loaded (or built) now — and no prepared view left behind."""
    prepared = _prepared
    view = prepared if prepared is not None and prepared.version == version else _obtain(version)
    _forget_prepared(view)
    return view


def view_knowing(*, skus: Iterable[str] = (), templates: Iterable[str] = ()) -> CatalogView:
    """The request's view, unless it is a previous catalog's and does not know one of these
    SKUs or templates: then the current catalog's, loaded or built now. Answering from the
    previous view while the new one loads is right for judging; refusing a part the catalog
    has just gained as "unknown" is not (the refusal would be the stale view's, not the
    catalog's)."""
    view = catalog_view()
    if all(view.index.get(sku) is not None for sku in skus) and all(t in view.templates for t in templates):
        return view
    global _current
    started = time.perf_counter()
    try:
        with _lock:
            version = catalog_version()
            if view.version == version:
                return view  # the current catalog's own answer: unknown is unknown
            if _current is None or _current.version != version:
                _current = _current_for(version)
            fresh = _current
    finally:
        _count_time(started)
    if _pinned.get() is not None:
        _pinned.set(fresh)  # the rest of the pinned block judges with it too
    return fresh


@contextmanager
def pinned_view(view: CatalogView | None = None):
    """One view for the whole block (a request that reads the catalog several times judges
    everything against the same stamp, even when the process swaps views meanwhile): this
    process's, or `view` (an import judging with the view it has just built)."""
    view = view if view is not None else catalog_view()
    token = _pinned.set(view)
    try:
        yield view
    finally:
        _pinned.reset(token)


def _after_fork_in_child() -> None:
    """A forked child (gunicorn --preload, Celery's prefork pool) has none of its parent's
    threads: forget a refresh that was running there, and locks it may have held."""
    global _refresher, _lock, _refresh_lock, _asked_lock
    _refresher = None
    _lock = threading.Lock()
    _refresh_lock = threading.Lock()
    _asked_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def warm_in_background() -> None:
    """At process start: load the published view before the first request asks for it, and
    watch for views announced ahead."""
    _start_refresh()
    if settings.COREKIT_CATALOG_REFRESH == "background":
        _watch_ensure()


def refreshing() -> bool:
    """Whether a background refresh is running (for tests and the health page)."""
    return _refresher is not None


def view_publish(*, attempts: int = 3) -> dict:
    """The worker's job: build the view of the current stamp once and store it (idempotent:
    a stamp already published is left alone). A stamp that moves during the build is built
    again, up to `attempts` times; a later change has queued its own run anyway."""
    for _ in range(attempts):
        version = catalog_version()
        if catalog_artifacts.artifact_exists(version):
            return {"version": version[0], "published": False}
        with catalog_artifacts.build_turn():  # another worker may be building it right now
            if catalog_artifacts.artifact_exists(version):
                return {"version": version[0], "published": False}
            view, size = _built_and_stored(version)
        if size is None:
            continue
        return {"version": version[0], "published": True, "bytes": size, "parts": len(view.index)}
    return {"version": catalog_version()[0], "published": False}


def view_publish_with_import() -> CatalogView | None:
    """Inside the import's transaction: build the view of the import's own (still uncommitted)
    stamp and store it in that transaction; the view, None when it could not be built.

    It commits with the catalog, so every process finds the artifact the moment it sees the
    new stamp: none answers from the previous catalog while a worker builds the view after
    the commit (12 s at 100k parts, with the worker's build competing with the web
    processes for the CPU). A build that fails leaves the import alone (a savepoint): the
    publish task queued with the stamp builds it after the commit, as for any other change."""
    try:
        with transaction.atomic():
            view, size = _built_and_stored(catalog_version(), ahead=settings.COREKIT_CATALOG_PUBLISH_AHEAD)
    except Exception:
        logger.exception("catalog view: not published with the import; the publish task will build it")
        return None
    if size is None:
        return None
    if _worker:  # an admin's import, in a Celery worker: its next task needs no load
        transaction.on_commit(lambda: _adopt(view))
    return view


def _adopt(view: CatalogView) -> None:
    """After the import's commit, the worker process that built `view` keeps it as its own
    (unless the catalog has moved on since). Not frozen (`_settled`): the import's own
    objects are still alive at this point, and a worker's collections delay no request."""
    global _current
    with _lock:
        if (_current is None or _current.version != view.version) and catalog_version() == view.version:
            _current = view


def reset() -> None:
    """Forget the cached catalog (tests that rewrite the catalog without moving the stamp),
    after stopping a background refresh so that it cannot swap an old view back in."""
    global _current, _generation, _prepared, _watcher
    with _refresh_lock:
        watcher, _watcher = _watcher, None
    if watcher is not None:  # first: a watcher mid-turn may still start a refresh
        _watch_stop.set()
        watcher.join(timeout=60)
        _watch_stop.clear()
    with _refresh_lock:
        _generation += 1
        thread = _refresher
    if thread is not None:
        _stop.set()
        thread.join(timeout=60)
        _stop.clear()
    with _lock:
        _current = None
        _prepared = None
    with _asked_lock:
        _asked.clear()
    forget_recent_stamp()
