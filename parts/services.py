"""Writes to the catalog: the interchange import (one transaction, all-or-nothing), large
imports as background jobs, and the catalog writes the admin makes (activation, supplier
restriction, index values), each sending the catalog change that re-validates saved kits."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, models, transaction
from simple_history.utils import bulk_create_with_history

from core import clock, outbox
from core.db import lock_lost, lock_wait_at_most
from core.errors import Busy, Conflict, ValidationFailed
from parts.domain.catalog import (
    CatalogChecker,
    CatalogError,
    errors_with_skus,
    field_diff,
    parse_json_rows,
)
from parts.domain.specs import specs_to_json
from parts.models import (
    CapacityBooking,
    CatalogImportJob,
    ExchangeRate,
    Index,
    IndexValue,
    Part,
    PartIndexLink,
    PriceTier,
    ProvenanceStage,
    Supplier,
)
from parts.receivers import stamp_deferred
from parts.selectors import (
    canonical_part_dict,
    capacity_booked,
    entity_keys,
    forget_recent_bookings,
    part_canonical_rows,
    parts_naming_entities,
)
from parts.signals import catalog_changed, catalog_imported

logger = logging.getLogger(__name__)

KINDS = ("suppliers", "indices", "index_values", "exchange_rates", "parts")
MAX_REPORTED_ERRORS = 1000
MAX_REPORTED_DIFFS = 500  # parts whose field-level changes a preview shows


@dataclass
class ImportReport:
    """What an import did (or, dry run, would do): keys per kind, and every error."""

    dry_run: bool
    errors: list[CatalogError] = field(default_factory=list)
    created: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    updated: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # kind → key → [(field path, old, new)] for updated suppliers and parts
    diffs: dict[str, dict[str, list]] = field(default_factory=lambda: {"suppliers": {}, "parts": {}})

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed_skus(self) -> list[str]:
        return self.created["parts"] + self.updated["parts"]

    @property
    def rows(self) -> list[tuple[str, list[str], list[str], int]]:
        return [
            (kind.replace("_", " "), self.created[kind], self.updated[kind], self.unchanged[kind])
            for kind in KINDS
        ]

    def summary(self) -> str:
        parts = []
        for kind in KINDS:
            parts.append(
                f"{kind.replace('_', ' ')}: {len(self.created[kind])} new, "
                f"{len(self.updated[kind])} updated, {self.unchanged[kind]} unchanged"
            )
        return "; ".join(parts)

    def to_dict(self) -> dict:
        """JSON-safe (a background job stores it); errors beyond MAX_REPORTED_ERRORS are counted."""
        return {
            "dry_run": self.dry_run,
            "errors": [{"path": e.path, "message": e.message, "sku": e.sku}
                       for e in self.errors[:MAX_REPORTED_ERRORS]],
            "error_count": len(self.errors),
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "diffs": {kind: {key: [list(c) for c in changes] for key, changes in rows.items()}
                      for kind, rows in self.diffs.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> ImportReport:
        report = cls(dry_run=data.get("dry_run", True))
        report.errors = [CatalogError(e["path"], e["message"], e.get("sku", ""))
                         for e in data.get("errors", [])]
        report.diffs = {kind: {key: [tuple(c) for c in changes] for key, changes in rows.items()}
                        for kind, rows in data.get("diffs", {}).items()}
        missing = data.get("error_count", 0) - len(report.errors)
        if missing > 0:
            report.errors.append(CatalogError("…", f"and {missing} more error(s)"))
        for kind in KINDS:
            report.created[kind] = list(data.get("created", {}).get(kind, []))
            report.updated[kind] = list(data.get("updated", {}).get(kind, []))
            report.unchanged[kind] = int(data.get("unchanged", {}).get(kind, 0))
        return report


def catalog_import_text(*, text: str | bytes, dry_run: bool = False, user=None,
                        progress: Progress | None = None) -> ImportReport:
    """Parse (bounded: size, depth, number lengths) and import; every problem is a report error.

    The parts array is kept as text and decoded a batch at a time (`LazyRows`), so a
    100k-part file costs about its own size in memory, not several times it."""
    document, errors = parse_json_rows(text, max_bytes=settings.COREKIT_IMPORT_MAX_BYTES)
    del text
    if errors:
        return ImportReport(dry_run=dry_run, errors=errors_with_skus(errors, document))
    return catalog_import(document=document, dry_run=dry_run, user=user, progress=progress)


def _history(user) -> dict:
    return {"default_user": user if getattr(user, "pk", None) else None,
            "default_change_reason": "catalog import"}


#: Parts checked, compared and written per batch: bounded memory, few round trips.
IMPORT_BATCH = 2000
#: A job's progress while what follows its parts (publishing the catalog view) runs.
AFTER_PARTS_PROGRESS = 97

#: progress(parts done, parts in the file, note=""): called once per batch, then with a
#: note for what the import does after its parts (publishing the catalog view).
Progress = Callable[..., None]


class _Refused(Exception):
    """Rolls back the import's writes (a savepoint) when some row turned out invalid."""


def catalog_import(*, document: Mapping[str, Any], dry_run: bool = False, user=None,
                   before_commit: Callable[[ImportReport], None] | None = None,
                   progress: Progress | None = None) -> ImportReport:
    """Upsert a catalog document. Any invalid row: nothing is written, every error is reported.

    Suppliers upsert by code, indices by code (values by date), rates by (date, from, to),
    parts by SKU; a part's provenance, tiers and index links are replaced by the file's.
    Unchanged rows are not touched, so a re-import of the same file writes nothing.

    Parts are checked and written a batch at a time inside one transaction: the first
    invalid row stops the writing (the rest is still checked, so every error is reported)
    and the writes roll back to a savepoint, so a refused file leaves nothing behind while
    `before_commit` (a job's final state) still commits.
    """
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        checker = CatalogChecker(
            document,
            existing_suppliers=Supplier.objects.values_list("code", flat=True),
            existing_indices=Index.objects.values_list("code", flat=True),
        )
        try:
            with transaction.atomic(), stamp_deferred():
                _apply(checker, report, dry_run, user, progress)
                if checker.errors:
                    raise _Refused
        except _Refused:
            report = ImportReport(dry_run=dry_run, errors=errors_with_skus(checker.errors, document))
        if before_commit:  # e.g. a job's final state, committed with the import itself
            before_commit(report)
    return report


def _apply(checker: CatalogChecker, report: ImportReport, dry_run: bool, user,
           progress: Progress | None) -> None:
    clean = checker.clean
    writing = not checker.errors
    named_new_restricted: list[str] = []
    if writing:
        suppliers = _upsert_suppliers(clean.suppliers, report, dry_run)
        # Before any part is written, every stage is one a saved kit may already use.
        new_restricted = [code for code in report.created["suppliers"]
                          if not dry_run and suppliers[code].restricted]
        keys = set().union(*(entity_keys(suppliers[c].code, suppliers[c].name) for c in new_restricted))
        if keys and parts_naming_entities(keys).exists():
            named_new_restricted = new_restricted
        indices = _upsert_indices(clean.indices, report, dry_run, user)
        _upsert_rates(clean.exchange_rates, report, dry_run, user)
    total = checker.part_count
    updated_ids: list[int] = []
    # Before the first change to a stored part, every part, in the order acceptances take
    # them: no lock cycle with an acceptance. An import that only adds parts, or changes
    # none, takes no lock an acceptance waits for.
    lock_parts = functools.cache(lock_all_parts)  # once, at the first change
    for start in range(0, total, IMPORT_BATCH):
        rows = [checker.part(i) for i in range(start, min(start + IMPORT_BATCH, total))]
        writing = writing and not checker.errors
        if writing:
            updated_ids += _upsert_parts(rows, suppliers, indices, report, dry_run, user,
                                         before_update=lock_parts)
        if progress:
            progress(min(start + IMPORT_BATCH, total), total)
    if checker.errors or dry_run or not any(report.created[k] or report.updated[k] for k in KINDS):
        return
    # New parts cannot invalidate a saved kit, but caches of the catalog must reload. A new
    # supplier can, when it comes in restricted and parts stored before the import name it as
    # a stage's company (uflpa matches stage companies by supplier code or name).
    changed_suppliers = [*report.updated["suppliers"], *named_new_restricted]
    changes = {"part_ids": updated_ids, "reason": "catalog import",
               "supplier_ids": [suppliers[code].pk for code in changed_suppliers]}
    catalog_changed.send(sender=Part, imported=True, **changes)

    def note(text: str) -> None:
        if progress:
            progress(total, total, note=text)

    catalog_imported.send(sender=Part, progress=note, **changes)


def _record(report: ImportReport, kind: str, key: str, existing, same: bool) -> bool:
    """Count the row; True when it must be written."""
    if existing is None:
        report.created[kind].append(key)
        return True
    if same:
        report.unchanged[kind] += 1
        return False
    report.updated[kind].append(key)
    return True


def _upsert_suppliers(rows: list[dict], report: ImportReport, dry_run: bool) -> dict[str, Supplier]:
    existing = {s.code: s for s in Supplier.objects.all()}
    for row in rows:
        current = existing.get(row["code"])
        same = current is not None and all(getattr(current, k) == v for k, v in row.items())
        if current is not None and not same:
            report.diffs["suppliers"][row["code"]] = field_diff(
                {k: getattr(current, k) for k in row}, dict(row))
        if _record(report, "suppliers", row["code"], current, same) and not dry_run:
            if current is None:
                existing[row["code"]] = Supplier.objects.create(**row)
            else:
                for k, v in row.items():
                    setattr(current, k, v)
                current.save()
    return existing


def _upsert_indices(rows: list[dict], report: ImportReport, dry_run: bool, user=None) -> dict[str, Index]:
    existing = {i.code: i for i in Index.objects.all()}
    values = {
        (v.index_id, v.date): v
        for v in IndexValue.objects.filter(index__code__in=[r["code"] for r in rows])
    }
    for row in rows:
        current = existing.get(row["code"])
        same = current is not None and current.unit == row["unit"]
        if _record(report, "indices", row["code"], current, same) and not dry_run:
            if current is None:
                current = existing[row["code"]] = Index.objects.create(
                    code=row["code"], unit=row["unit"]
                )
            else:
                current.unit = row["unit"]
                current.save(update_fields=["unit"])
        new_values = []
        for item in row["values"]:
            value = values.get((current.pk, item["date"])) if current and current.pk else None
            key = f"{row['code']}@{item['date']}"
            same = value is not None and value.value == item["value"]
            if _record(report, "index_values", key, value, same) and not dry_run:
                if value is None:
                    new_values.append(IndexValue(index=current, **item))
                else:
                    value.value = item["value"]
                    value.save(update_fields=["value"])
        if new_values:
            bulk_create_with_history(new_values, IndexValue, **_history(user))
    return existing


def _upsert_rates(rows: list[dict], report: ImportReport, dry_run: bool, user=None) -> None:
    dates = {r["date"] for r in rows}
    existing = {
        (r.date, r.from_currency, r.to_currency): r
        for r in ExchangeRate.objects.filter(date__in=dates)
    }
    new = []
    for row in rows:
        key = (row["date"], row["from_currency"], row["to_currency"])
        current = existing.get(key)
        same = current is not None and current.rate == row["rate"]
        label = f"{key[1]}->{key[2]}@{key[0]}"
        if _record(report, "exchange_rates", label, current, same) and not dry_run:
            if current is None:
                new.append(ExchangeRate(**row))
            else:
                current.rate = row["rate"]
                current.save(update_fields=["rate"])
    if new:
        bulk_create_with_history(new, ExchangeRate, **_history(user))


_PART_FIELDS = ("name", "category", "currency", "lead_time_days", "moq", "annual_capacity", "active")


def _upsert_parts(
    rows: list[dict], suppliers: dict[str, Supplier], indices: dict[str, Index],
    report: ImportReport, dry_run: bool, user=None, before_update: Callable[[], None] = lambda: None,
) -> list[int]:
    """One batch of clean rows: compared with the stored parts (plain values, 4 queries) and
    written with one multi-row statement per table, history records included. A changed
    part's provenance, tiers and index links are replaced only where they changed (a
    lead-time update rewrites no tier). Returns the ids of the parts it updated."""
    existing = part_canonical_rows(skus=[r["sku"] for r in rows])
    now = clock.now()
    created: list[dict] = []
    updated: list[dict] = []
    # (values, row, which child sets to write: all of a new part's, a changed part's changed ones)
    children_of: list[tuple[dict, dict, frozenset[str]]] = []
    for row in rows:
        current = existing.get(row["sku"])
        same = False
        after = _canonical_row(row)
        if current is not None:  # a new part needs no comparison
            before = current[2]
            same = before == after
            if not same and len(report.diffs["parts"]) < MAX_REPORTED_DIFFS:
                report.diffs["parts"][row["sku"]] = field_diff(before, after)
        if not _record(report, "parts", row["sku"], current, same) or dry_run:
            continue
        values = {name: row[name] for name in _PART_FIELDS}
        values.update(sku=row["sku"], supplier_id=suppliers[row["supplier"]].pk,
                      specs=specs_to_json(row["specs"]), updated_at=now,
                      created_at=current[1] if current else now)
        if current:
            values["id"] = current[0]
        (updated if current else created).append(values)
        children_of.append((values, row, _CHILDREN if current is None
                            else _changed_children(current[2], after)))
    if dry_run or not children_of:
        return []
    history = _history_columns(user, now)
    ids = [values["id"] for values in updated]
    if created:
        _insert(Part, created)
        pks = dict(Part.objects.filter(sku__in=[v["sku"] for v in created]).values_list("sku", "pk"))
        for values in created:
            values["id"] = pks[values["sku"]]
    replaced = {kind: [values["id"] for values, _row, kinds in children_of if kind in kinds]
                for kind in _CHILDREN}
    if updated:
        before_update()
        _update(Part, updated, [*_PART_FIELDS, "supplier_id", "specs", "updated_at"])
        stored = set(ids)
        for kind, model in _CHILD_MODELS.items():
            replacing = [pk for pk in replaced[kind] if pk in stored]
            if not replacing:
                continue
            if kind != "index_links":  # replaced: their removal is recorded too
                gone = list(model.objects.filter(part_id__in=replacing).values())
                _insert(model.history.model, [{**v, **history, "history_type": "-"} for v in gone])
            model.objects.filter(part_id__in=replacing)._raw_delete(model.objects.db)
    _insert(Part.history.model,
            [{**v, **history, "history_type": "+"} for v in created]
            + [{**v, **history, "history_type": "~"} for v in updated])
    stages, tiers, links = [], [], []
    for values, row, kinds in children_of:
        part_id = values["id"]
        if "provenance" in kinds:
            stages += [{**stage, "part_id": part_id} for stage in row["provenance"]]
        if "tiers" in kinds:
            tiers += [{**tier, "part_id": part_id} for tier in row["tiers"]]
        if "index_links" in kinds:
            links += [{"part_id": part_id, "index_id": indices[link["index"]].pk,
                       "base_value": link["base_value"], "kg_per_unit": link["kg_per_unit"]}
                      for link in row["index_links"]]
    _insert(PartIndexLink, links)
    for kind, model, children in (("provenance", ProvenanceStage, stages), ("tiers", PriceTier, tiers)):
        _insert(model, children)
        # These parts' rows are the ones just inserted (their old ones are gone), and ids
        # grow in insertion order within a session: read back the ids alone.
        new_ids = (model.objects.filter(part_id__in=replaced[kind]).order_by("id")
                   .values_list("id", flat=True)) if replaced[kind] else []
        for child, pk in zip(children, new_ids, strict=True):
            child["id"] = pk
        _insert(model.history.model, [{**v, **history, "history_type": "+"} for v in children])
    return ids


_CHILDREN = frozenset({"provenance", "tiers", "index_links"})
_CHILD_MODELS = {"provenance": ProvenanceStage, "tiers": PriceTier, "index_links": PartIndexLink}


def _changed_children(before: dict, after: dict) -> frozenset[str]:
    """Which of a stored part's child sets the file changes (canonical forms compared)."""
    changed = set()
    if before["provenance"] != after["provenance"]:
        changed.add("provenance")
    if before["pricing"]["tiers"] != after["pricing"]["tiers"]:
        changed.add("tiers")
    if before["pricing"].get("index_links") != after["pricing"].get("index_links"):
        changed.add("index_links")
    return frozenset(changed)


def _history_columns(user, now) -> dict:
    return {"history_date": now, "history_change_reason": "catalog import",
            "history_user_id": user.pk if getattr(user, "pk", None) else None}


def _converter(field, db):
    """How a value goes to the database: as Django would save it for JSON, decimals and dates
    (backend-specific; the same date or price converted once), as it is for text, integers
    and booleans."""
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, db)
    if isinstance(field, models.DecimalField | models.DateField):
        seen: dict = {}

        def convert(value):
            try:
                return seen[value]
            except KeyError:
                seen[value] = field.get_db_prep_save(value, db)
                return seen[value]

        return convert
    return None


def _columns(model, names):
    db = connections[DEFAULT_DB_ALIAS]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    return fields, [_converter(f, db) for f in fields]


def _insert(model, rows: list[dict]) -> None:
    """INSERT rows (dicts by column attname) with one executemany: an import's tens of
    thousands of rows without Django compiling a statement per object. Every concrete
    column but an auto primary key must be given (a missing one is a KeyError, not a
    silent default; optional ones, e.g. a stage's evidence, take the field's default)."""
    if not rows:
        return
    names = [f.attname for f in model._meta.concrete_fields
             if not (f.primary_key and isinstance(f, models.AutoField))]
    fields, convert = _columns(model, names)
    defaults = {f.attname: f.get_default() for f in fields if f.has_default() or f.blank}
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")

    params = _row_values(rows, names, convert, defaults)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs
            columns = ", ".join(qn(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for params_row in params:
                    copy.write_row(params_row)
        else:
            cursor.executemany(sql, list(params))


def _row_values(rows: list[dict], names: list[str], convert: list, defaults: dict) -> Iterator[list]:
    """Each row's values in column order, converted where a column needs it. An import writes
    over a million of these at 100k parts: the columns are read with one itemgetter call
    per row (a row without an optional column takes the slower path, which fills in its
    default and raises KeyError for a missing required one)."""
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converted = [(i, c) for i, c in enumerate(convert) if c is not None]
    for row in rows:
        try:
            values = list(get(row))
        except KeyError:
            values = [row[n] if n in row or n not in defaults else defaults[n] for n in names]
        for i, c in converted:
            values[i] = c(values[i])
        yield values


def _update(model, rows: list[dict], names: list[str]) -> None:
    fields, convert = _columns(model, names)
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(model._meta.db_table)} SET "
           f"{', '.join(f'{qn(f.column)} = %s' for f in fields)} WHERE {qn(model._meta.pk.column)} = %s")
    params = [(*(row[n] if c is None else c(row[n]) for n, c in zip(names, convert, strict=True)),
               row["id"]) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _canonical_row(row: dict) -> dict:
    return canonical_part_dict(
        sku=row["sku"], name=row["name"], category=row["category"], supplier=row["supplier"],
        specs=specs_to_json(row["specs"]), provenance=row["provenance"],
        currency=row["currency"], tiers=row["tiers"], index_links=row["index_links"],
        lead_time_days=row["lead_time_days"], moq=row["moq"],
        annual_capacity=row["annual_capacity"], active=row["active"],
    )


# --- large imports as background jobs ------------------------------------------------


def catalog_import_runs_in_background(size: int) -> bool:
    return size > settings.COREKIT_IMPORT_BACKGROUND_BYTES


@transaction.atomic
def catalog_import_job_create(*, content: bytes, file_name: str = "", dry_run: bool,
                              user=None, enqueue: bool = True) -> CatalogImportJob:
    """Store the file and hand it to a worker (through the outbox, after commit); with
    `enqueue=False` the caller runs it at once (a small file, in the request)."""
    job = CatalogImportJob.objects.create(
        content=content, size=len(content), file_name=file_name[:200], dry_run=dry_run,
        created_by=user if getattr(user, "pk", None) else None,
        phase="waiting for a worker" if enqueue else "",
    )
    if enqueue:
        outbox.enqueue("parts.run_catalog_import", job_id=job.pk)
    if dry_run:
        _release_stale_previews()
    return job


PREVIEW_KEPT = dt.timedelta(days=1)


def _release_stale_previews() -> None:
    """A preview nobody committed gives its file back after a day (files can be 192 MB)."""
    CatalogImportJob.objects.filter(
        dry_run=True, status=CatalogImportJob.Status.DONE, created_at__lt=clock.now() - PREVIEW_KEPT,
    ).exclude(content=b"").update(content=b"", phase="preview expired: upload the file again")


def catalog_import_preview_committable(job: CatalogImportJob) -> bool:
    return (job.dry_run and job.status == CatalogImportJob.Status.DONE
            and CatalogImportJob.objects.filter(pk=job.pk).exclude(content=b"").exists())


def catalog_import_preview_commit(*, job_id: int, user=None) -> CatalogImportJob:
    """Import the file a clean preview kept, without uploading it again.

    The import is a new job (its own record and report); it checks every row again against
    the catalog as it stands now, so a catalog changed since the preview is still safe. A
    preview commits once: its file is released in the same transaction.
    """
    with transaction.atomic():
        preview = CatalogImportJob.objects.select_for_update().filter(pk=job_id).first()
        if preview is None or not catalog_import_preview_committable(preview):
            raise Conflict("this preview cannot be committed (already committed, refused or "
                           "not a preview): upload the file again", code="preview_not_committable")
        content = bytes(preview.content)
        small = not catalog_import_runs_in_background(len(content))
        job = catalog_import_job_create(content=content, file_name=preview.file_name, dry_run=False,
                                        user=user, enqueue=not small)
        CatalogImportJob.objects.filter(pk=preview.pk).update(
            content=b"", phase=f"committed as import #{job.pk}")
    if small:
        job = catalog_import_job_run(job_id=job.pk)
    return job


def _job_phase(job_id: int, phase: str, progress: int, **extra) -> None:
    CatalogImportJob.objects.filter(pk=job_id).update(phase=phase, progress=progress, **extra)
    _live_progress_set(job_id, phase, progress)


# The import runs in one transaction, so its job row cannot show how far it is until it
# commits: the live phase and percentage go to the shared cache (Redis in production,
# failing open) and the progress page shows whichever of the two is further.
_LIVE_KEY = "catalog-import-progress:{}"


def _live_progress_set(job_id: int, phase: str, progress: int) -> None:
    cache.set(_LIVE_KEY.format(job_id), {"phase": phase, "progress": progress}, timeout=3600)


def catalog_import_job_progress(job: CatalogImportJob) -> tuple[str, int]:
    """(phase, percent) of a job as the progress page shows it: the live values while it runs."""
    live = cache.get(_LIVE_KEY.format(job.pk)) if job.status == CatalogImportJob.Status.RUNNING else None
    if live and live.get("progress", 0) > job.progress:
        return live["phase"], live["progress"]
    return job.phase, job.progress


_CONTENT_CHUNK = 8 * 1024 * 1024


def _job_content(job_id: int) -> bytearray:
    """The stored file, read 8 MB at a time into one buffer: a driver fetching a 100 MB
    column at once holds it two or three times over (PostgreSQL sends bytea as hex)."""
    table = connection.ops.quote_name(CatalogImportJob._meta.db_table)
    substring = "substring(content from %s for %s)" if connection.vendor == "postgresql" \
        else "substr(content, %s, %s)"
    size = CatalogImportJob.objects.filter(pk=job_id).values_list("size", flat=True).first() or 0
    content = bytearray(size)  # filled in place: never two copies while it grows
    done = 0
    with connection.cursor() as cursor:
        while done < size:
            cursor.execute(f"SELECT {substring} FROM {table} WHERE id = %s",
                           [done + 1, _CONTENT_CHUNK, job_id])
            chunk = cursor.fetchone()[0]
            if not chunk:
                break
            content[done:done + len(chunk)] = chunk
            done += len(chunk)
            del chunk
    del content[done:]
    return content


class ImportJobRunning(Exception):
    """Another run of the job started less than the task's hard time limit ago: it may still
    be running (a repeated message), so this one does not start the import beside it."""


def catalog_import_job_run(*, job_id: int) -> CatalogImportJob | None:
    """Run one job (idempotent: a finished job is left alone; one a killed worker left
    running starts again, since its import transaction never committed).

    A run claims the job first. A job started less than CELERY_TASK_TIME_LIMIT ago is
    another run's, which may still be going (the worker kills none sooner): a second run
    beside it (its message repeated, by a writer to the broker or otherwise) would import
    the same file again, waiting on the first run's rows, and write its own outcome over the
    first one's. That run raises ImportJobRunning instead and leaves the job alone; past the
    limit the first run is dead for certain, and the outbox's relay publishes the job again
    for a new one."""
    job = CatalogImportJob.objects.defer("content").filter(pk=job_id).first()
    if job is None or job.status in (CatalogImportJob.Status.DONE, CatalogImportJob.Status.FAILED):
        return job
    user = job.created_by
    now = clock.now()
    running = CatalogImportJob.Status.RUNNING
    dead_since = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = CatalogImportJob.objects.filter(pk=job.pk).filter(
        models.Q(status=CatalogImportJob.Status.QUEUED)
        | models.Q(status=running, started_at__isnull=True)
        | models.Q(status=running, started_at__lte=dead_since)
    ).update(status=running, started_at=now, phase="reading the file", progress=5)
    if not claimed:
        job = CatalogImportJob.objects.defer("content").get(pk=job.pk)
        if job.status in (CatalogImportJob.Status.DONE, CatalogImportJob.Status.FAILED):
            return job  # the other run finished meanwhile
        raise ImportJobRunning(f"catalog import job {job.pk} was started by another run at "
                               f"{job.started_at}; not started again beside it")
    _live_progress_set(job.pk, "reading the file", 5)

    def finish(report: ImportReport) -> None:
        # A clean preview keeps its file so it can be committed without uploading it again.
        keep = report.ok and job.dry_run and any(report.created[k] or report.updated[k]
                                                 for k in KINDS)
        CatalogImportJob.objects.filter(pk=job.pk).update(
            status=CatalogImportJob.Status.DONE if report.ok else CatalogImportJob.Status.FAILED,
            phase=("previewed: ready to commit" if keep else "finished") if report.ok
            else "refused: nothing was written", progress=100,
            report=report.to_dict(), finished_at=clock.now(),
            **({} if keep else {"content": b""}),
        )
        _live_progress_set(job.pk, "finished", 100)

    verb = "checking and comparing" if job.dry_run else "checking and applying (one transaction)"

    def progress(done: int, total: int, note: str = "") -> None:
        # 10 % once the file is read, 95 % once every part is checked (and written), then
        # AFTER_PARTS_PROGRESS while what follows the parts (a note) runs.
        if note:
            _live_progress_set(job.pk, f"{verb}: {total:,} parts written; {note}", AFTER_PARTS_PROGRESS)
            return
        _live_progress_set(job.pk, f"{verb}: {done:,} of {total:,} parts",
                           10 + (85 * done // total if total else 85))

    try:
        document, errors = parse_json_rows(_job_content(job.pk),
                                           max_bytes=settings.COREKIT_IMPORT_MAX_BYTES)
        if errors:
            finish(ImportReport(dry_run=job.dry_run, errors=errors_with_skus(errors, document)))
        else:
            _job_phase(job.pk, verb, 10)
            catalog_import(document=document, dry_run=job.dry_run, user=user, before_commit=finish,
                           progress=progress)
    except Exception:
        logger.exception("catalog import job %s failed", job.pk)
        CatalogImportJob.objects.filter(pk=job.pk).update(
            status=CatalogImportJob.Status.FAILED, progress=100, content=b"",
            phase="failed unexpectedly: nothing was written", finished_at=clock.now(),
            report=ImportReport(dry_run=job.dry_run, errors=[CatalogError(
                "$", "the import failed unexpectedly; nothing was written (see the server log)")]
            ).to_dict(),
        )
    return CatalogImportJob.objects.defer("content").get(pk=job.pk)


# --- catalog writes the admin makes (one function each, whatever the door) -------------


def _by(user) -> str:
    return f" by {user.get_username()}" if getattr(user, "pk", None) else ""


@transaction.atomic
def parts_set_active(*, parts, active: bool, user=None) -> list[int]:
    """(De)activate parts; saved kits using them are re-checked either way, so a configuration
    that a deactivation made invalid recovers when the part comes back."""
    verb = "activated" if active else "deactivated"
    ids = []
    for part in Part.objects.filter(pk__in=[p.pk for p in parts]).exclude(active=active):
        part.active = active
        part._change_reason = verb
        part._history_user = user if getattr(user, "pk", None) else None
        part.save(update_fields=["active", "updated_at"])  # one save each: history records it
        ids.append(part.pk)
    if ids:
        catalog_changed.send(sender=Part, part_ids=ids, reason=f"{len(ids)} part(s) {verb}{_by(user)}")
    return ids


@transaction.atomic
def suppliers_set_restricted(*, suppliers, restricted: bool, user=None) -> list[int]:
    """Mark suppliers restricted (UFLPA) or clear it; saved kits through them are re-checked."""
    ids = []
    for supplier in Supplier.objects.filter(pk__in=[s.pk for s in suppliers]).exclude(
            restricted=restricted):
        supplier.restricted = restricted
        supplier._change_reason = "restricted" if restricted else "restriction cleared"
        supplier._history_user = user if getattr(user, "pk", None) else None
        supplier.save(update_fields=["restricted"])
        ids.append(supplier.pk)
    if ids:
        reason = "supplier marked restricted" if restricted else "supplier restriction cleared"
        catalog_changed.send(sender=Supplier, supplier_ids=ids, reason=reason + _by(user))
    return ids


@transaction.atomic
def supplier_save(*, supplier: Supplier, user=None) -> Supplier:
    """Create or edit a supplier; an edit (name, restricted flag) re-checks saved kits."""
    existed = supplier.pk is not None
    supplier._history_user = user if getattr(user, "pk", None) else None
    supplier.save()
    if existed or supplier.restricted:  # a new restricted one may be a stage's company already
        catalog_changed.send(sender=Supplier, supplier_ids=[supplier.pk],
                             reason=f"supplier {supplier.code} {'edited' if existed else 'added'}{_by(user)}")
    return supplier


@transaction.atomic
def part_saved(*, part: Part, user=None, created: bool) -> None:
    """After the admin saved a part and its inlines: an edit re-checks the kits using it."""
    if not created:
        catalog_changed.send(sender=Part, part_ids=[part.pk],
                             reason=f"{part.sku} edited{_by(user)}")


def index_value_record(*, index: Index, day, value, user=None,
                       row: IndexValue | None = None) -> IndexValue:
    """Record an index's value for a day (replacing that day's); audited; quotes priced from
    that day on use it (issued quotes keep the values they recorded)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if (not number.is_finite() or number < 0 or (number and number.adjusted() >= 14)
            or number != number.quantize(Decimal("0.000001"))):
        raise ValidationFailed(
            "value: a number from 0 below 10^14 with at most 6 decimal places",
            fields={"value": ["a number from 0 below 10^14 with at most 6 decimal places"]})
    with transaction.atomic():
        row = row or IndexValue.objects.filter(index=index, date=day).first() or IndexValue()
        row.index, row.date, row.value = index, day, number
        row._history_user = user if getattr(user, "pk", None) else None
        row._change_reason = "index value recorded"
        row.save()  # moves the catalog stamp (parts.receivers)
    return row


def lock_all_parts() -> None:
    """Lock every part row, in primary-key order, inside the caller's transaction.

    A catalog import writes parts in its file's order, a batch at a time, while accepting
    an order locks its kit's parts in primary-key order: an import holding part B and
    reaching for part A while an acceptance holds A and waits for B is a deadlock, and
    PostgreSQL would abort one of them (possibly a 100k-part import). Taking every part
    before changing any, in the same order as `capacity_book`, leaves no such cycle: an
    acceptance waits for the import (at most COREKIT_ACCEPT_LOCK_WAIT_SECONDS) or the
    import for it.
    One statement, one row back; a no-op where rows cannot be locked (SQLite serialises
    writers itself). FOR NO KEY UPDATE, what the import's own UPDATEs take: it does not
    stop the foreign-key checks of rows that refer to parts (a configuration saved, the
    worker's verdicts), which FOR UPDATE would block, and deadlock with at their commit."""
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        return
    table = conn.ops.quote_name(Part._meta.db_table)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} ORDER BY id FOR NO KEY UPDATE) locked")


def _lock_parts_for_booking(skus: list[str]) -> dict[str, Part]:
    """The parts of `skus`, locked in primary-key order, waiting at most
    COREKIT_ACCEPT_LOCK_WAIT_SECONDS for a catalog import that holds them (then 503 busy:
    nothing is booked and the same acceptance succeeds once the import has committed)."""
    try:
        with lock_wait_at_most(settings.COREKIT_ACCEPT_LOCK_WAIT_SECONDS), transaction.atomic():
            # (a savepoint: the timeout must not poison the transaction)
            return {p.sku: p for p in
                    Part.objects.select_for_update(no_key=True).filter(sku__in=skus).order_by("pk")}
    except OperationalError as exc:
        if not lock_lost(exc):  # a deadlock too: a 503 to retry, not a 500
            raise
        raise Busy("the catalog is being updated (an import holds these parts); nothing was "
                   "booked: accept again in a minute", code="catalog_busy", retry_after=30) from None


@dataclass(frozen=True)
class Released:
    units: int
    part_ids: list[int]  # the parts whose capacity it gave back


def capacity_release(*, reference: str, years: Iterable[int]) -> Released:
    """Give back what `reference` (an order) booked in these years, when it is cancelled:
    the units released, and of which parts. The other years' rows stay, the record of what
    it took."""
    rows = CapacityBooking.objects.filter(reference=reference, year__in=list(years))
    taken = list(rows.values_list("part_id", "units"))
    rows.delete()
    forget_recent_bookings()
    transaction.on_commit(forget_recent_bookings)
    return Released(units=sum(units for _, units in taken),
                    part_ids=sorted({part_id for part_id, _ in taken}))


def capacity_book(*, units: Mapping[tuple[str, int], int], reference: str) -> list[CapacityBooking]:
    """Book (sku, year) -> units against the parts' shared annual capacity, or refuse all of it.

    Call inside the transaction that accepts the order. The parts' rows are locked in
    primary-key order (one order for every caller, so two acceptances never wait on
    each other crosswise), then the units already booked are summed: whoever holds the
    locks sees every booking committed before it, so no interleaving of acceptances
    books more than a part's capacity in any year. Refuses with 409
    ``capacity_exhausted`` naming the years and the units still free, never who took them.
    """
    wanted = {key: n for key, n in units.items() if n > 0}
    if not wanted:
        return []
    skus = sorted({sku for sku, _year in wanted})
    parts = _lock_parts_for_booking(skus)
    missing = [sku for sku in skus if sku not in parts]
    if missing:
        raise Conflict(f"parts no longer in the catalog: {', '.join(missing)}", code="capacity_exhausted")
    booked = capacity_booked(years=[year for _sku, year in wanted])
    short = []
    for (sku, year), n in sorted(wanted.items()):
        free = max(parts[sku].annual_capacity - booked.get((sku, year), 0), 0)
        if n > free:
            short.append({"sku": sku, "year": year, "units": n, "free": free})
    if short:
        listed = "; ".join(f"{s['sku']} {s['year']}: needs {s['units']:,}, {s['free']:,} free"
                           for s in short)
        raise Conflict(
            f"the capacity this quote needs was booked by other orders since it was priced ({listed}); "
            "request a new quote", code="capacity_exhausted", extra={"capacity": short},
        )
    now = clock.now()
    booked_now = CapacityBooking.objects.bulk_create([
        CapacityBooking(part=parts[sku], year=year, units=n, reference=reference, created_at=now)
        for (sku, year), n in sorted(wanted.items())
    ])
    # This process's recent reading of the bookings is stale now, and again at the commit.
    forget_recent_bookings()
    transaction.on_commit(forget_recent_bookings)
    return booked_now
