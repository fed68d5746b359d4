"""Writes to the catalog: the interchange import (one transaction, all-or-nothing), large
imports as background jobs, and the catalog writes the admin makes (activation, supplier
restriction, index values), each sending the catalog change that re-validates saved kits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import clock, outbox
from core.errors import Conflict, ValidationFailed
from parts.domain.catalog import (
    CatalogError,
    errors_with_skus,
    field_diff,
    parse_json,
    validate_document,
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
from parts.selectors import canonical_part_dict, capacity_booked, part_canonical, part_export_queryset
from parts.signals import catalog_changed

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


def catalog_import_text(*, text: str | bytes, dry_run: bool = False, user=None) -> ImportReport:
    """Parse (bounded: size, depth, number lengths) and import; every problem is a report error."""
    document, errors = parse_json(text, max_bytes=settings.COREKIT_IMPORT_MAX_BYTES)
    if errors:
        return ImportReport(dry_run=dry_run, errors=errors_with_skus(errors, document))
    return catalog_import(document=document, dry_run=dry_run, user=user)


def _history(user) -> dict:
    return {"default_user": user if getattr(user, "pk", None) else None,
            "default_change_reason": "catalog import"}


def catalog_import(*, document: Mapping[str, Any], dry_run: bool = False, user=None,
                   before_commit: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Upsert a catalog document. Any invalid row: nothing is written, every error is reported.

    Suppliers upsert by code, indices by code (values by date), rates by (date, from, to),
    parts by SKU; a part's provenance, tiers and index links are replaced by the file's.
    Unchanged rows are not touched, so a re-import of the same file writes nothing.
    """
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        clean, errors = validate_document(
            document,
            existing_suppliers=Supplier.objects.values_list("code", flat=True),
            existing_indices=Index.objects.values_list("code", flat=True),
        )
        if errors:
            report.errors = errors_with_skus(errors, document)
            if before_commit:
                before_commit(report)
            return report
        suppliers = _upsert_suppliers(clean.suppliers, report, dry_run)
        indices = _upsert_indices(clean.indices, report, dry_run, user)
        _upsert_rates(clean.exchange_rates, report, dry_run, user)
        _upsert_parts(clean.parts, suppliers, indices, report, dry_run, user)
        if not dry_run and any(report.created[k] or report.updated[k] for k in KINDS):
            changed_suppliers = report.updated["suppliers"]
            # New parts cannot invalidate a saved kit, but caches of the catalog must reload.
            catalog_changed.send(
                sender=Part,
                part_ids=list(Part.objects.filter(sku__in=report.updated["parts"])
                              .values_list("pk", flat=True)),
                supplier_ids=list(Supplier.objects.filter(code__in=changed_suppliers)
                                  .values_list("pk", flat=True)),
                reason="catalog import",
            )
        if before_commit:  # e.g. a job's final state, committed with the import itself
            before_commit(report)
    return report


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
    report: ImportReport, dry_run: bool, user=None,
) -> None:
    existing = {
        p.sku: p for p in part_export_queryset().filter(sku__in=[r["sku"] for r in rows])
    }
    now = clock.now()
    to_create: list[Part] = []
    to_update: list[Part] = []
    children_of: list[tuple[Part, dict]] = []
    for row in rows:
        current = existing.get(row["sku"])
        before = part_canonical(current) if current is not None else None
        after = _canonical_row(row)
        same = before == after
        if before is not None and not same and len(report.diffs["parts"]) < MAX_REPORTED_DIFFS:
            report.diffs["parts"][row["sku"]] = field_diff(before, after)
        if not _record(report, "parts", row["sku"], current, same) or dry_run:
            continue
        part = current or Part(sku=row["sku"])
        for name in _PART_FIELDS:
            setattr(part, name, row[name])
        part.supplier = suppliers[row["supplier"]]
        part.specs = specs_to_json(row["specs"])
        part.updated_at = now  # bulk_update does not apply auto_now
        (to_update if current else to_create).append(part)
        children_of.append((part, row))
    if dry_run:
        return
    history = _history(user)
    bulk_create_with_history(to_create, Part, **history)
    if to_update:
        bulk_update_with_history(to_update, Part, [*_PART_FIELDS, "supplier", "specs", "updated_at"],
                                 **history)
        ids = [p.pk for p in to_update]
        ProvenanceStage.objects.filter(part_id__in=ids).delete()
        PriceTier.objects.filter(part_id__in=ids).delete()
        PartIndexLink.objects.filter(part_id__in=ids).delete()
    stages, tiers, links = [], [], []
    for part, row in children_of:
        stages += [ProvenanceStage(part=part, **stage) for stage in row["provenance"]]
        tiers += [PriceTier(part=part, **tier) for tier in row["tiers"]]
        links += [
            PartIndexLink(
                part=part, index=indices[link["index"]],
                base_value=link["base_value"], kg_per_unit=link["kg_per_unit"],
            )
            for link in row["index_links"]
        ]
    bulk_create_with_history(stages, ProvenanceStage, **history)
    bulk_create_with_history(tiers, PriceTier, **history)
    PartIndexLink.objects.bulk_create(links)


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
    """A preview nobody committed gives its file back after a day (files can be 64 MB)."""
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


def catalog_import_job_run(*, job_id: int) -> CatalogImportJob | None:
    """Run one job (idempotent: a finished job is left alone; one a killed worker left
    running starts again, since its import transaction never committed)."""
    job = CatalogImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (CatalogImportJob.Status.DONE, CatalogImportJob.Status.FAILED):
        return job
    user = job.created_by
    _job_phase(job.pk, "reading the file", 10, status=CatalogImportJob.Status.RUNNING,
               started_at=clock.now())

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

    try:
        document, errors = parse_json(bytes(job.content), max_bytes=settings.COREKIT_IMPORT_MAX_BYTES)
        if not errors:
            # A first check outside the transaction, so the page can say where it is; the
            # import checks again inside it, against the catalog as it then stands.
            _job_phase(job.pk, "checking every row", 30)
            _, errors = validate_document(
                document,
                existing_suppliers=Supplier.objects.values_list("code", flat=True),
                existing_indices=Index.objects.values_list("code", flat=True),
            )
        if errors:
            finish(ImportReport(dry_run=job.dry_run, errors=errors_with_skus(errors, document)))
        else:
            _job_phase(job.pk, "comparing with the catalog" if job.dry_run
                       else "applying (one transaction)", 60)
            catalog_import(document=document, dry_run=job.dry_run, user=user, before_commit=finish)
    except Exception:
        logger.exception("catalog import job %s failed", job.pk)
        CatalogImportJob.objects.filter(pk=job.pk).update(
            status=CatalogImportJob.Status.FAILED, progress=100, content=b"",
            phase="failed unexpectedly: nothing was written", finished_at=clock.now(),
            report=ImportReport(dry_run=job.dry_run, errors=[CatalogError(
                "$", "the import failed unexpectedly; nothing was written (see the server log)")]
            ).to_dict(),
        )
    return CatalogImportJob.objects.get(pk=job.pk)


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
    if existed:
        catalog_changed.send(sender=Supplier, supplier_ids=[supplier.pk],
                             reason=f"supplier {supplier.code} edited{_by(user)}")
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
    parts = {p.sku: p for p in Part.objects.select_for_update().filter(sku__in=skus).order_by("pk")}
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
    return CapacityBooking.objects.bulk_create([
        CapacityBooking(part=parts[sku], year=year, units=n, reference=reference, created_at=now)
        for (sku, year), n in sorted(wanted.items())
    ])
