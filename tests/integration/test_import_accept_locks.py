"""A catalog import and an order acceptance that need the same parts never deadlock.

An import writes parts in its file's order, a batch at a time, inside one transaction; an
acceptance locks its kit's parts in primary-key order. An import holding a high-id part and
reaching for a low-id one, while an acceptance holds the low one and waits for the high
one, was a deadlock: PostgreSQL aborted one of them (possibly a 100k-part import). The
import now takes every part first, in the acceptances' order; an acceptance waits for it
at most COREKIT_ACCEPT_LOCK_WAIT_SECONDS, then answers 503 catalog_busy with nothing booked.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from orders import services
from orders.models import Order, Quote
from parts import services as part_services
from parts.models import CapacityBooking, Part
from parts.selectors import catalog_export
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog, priced_quote
from tests.workers import wait_for

pytestmark = pytest.mark.postgres


def _priced_quote(organization) -> Quote:
    return priced_quote(family_configuration(organization))


def _document_high_id_first(quote: Quote, *, change: int = 1) -> dict:
    """An import of two of the kit's parts, each changed (unless `change` is 0), the higher
    id first in the file."""
    skus = {line["sku"] for line in quote.snapshot["lines"]}
    kit = list(Part.objects.filter(sku__in=skus).order_by("pk").values_list("sku", flat=True))
    low, high = kit[0], kit[-1]
    document = catalog_export()
    rows = {row["sku"]: row for row in document["parts"]}
    document["parts"] = [{**rows[sku], "lead_time_days": rows[sku]["lead_time_days"] + change}
                         for sku in (high, low)]
    return document


class PausedImport:
    """Runs the import in a thread that stops after its first batch (one part) until
    released; the import's outcome (report or exception) in `result`."""

    def __init__(self, monkeypatch, document: dict) -> None:
        self.first_batch_written = threading.Event()
        self.release = threading.Event()
        self.result = None
        write = part_services._upsert_parts
        calls = []

        def paused(*args, **kwargs):
            ids = write(*args, **kwargs)
            calls.append(ids)
            if len(calls) == 1:
                self.first_batch_written.set()
                self.release.wait(30)
            return ids

        monkeypatch.setattr(part_services, "IMPORT_BATCH", 1)
        monkeypatch.setattr(part_services, "_upsert_parts", paused)
        self.thread = threading.Thread(target=self._run, args=(document,), daemon=True)

    def _run(self, document) -> None:
        try:
            self.result = part_services.catalog_import(document=document)
        except Exception as exc:  # the deadlock victim, before the fix
            self.result = exc
        finally:
            connection.close()

    def start(self) -> PausedImport:
        self.thread.start()
        assert self.first_batch_written.wait(30), "the import did not write its first batch"
        return self

    def finish(self):
        self.release.set()
        self.thread.join(60)
        return self.result


@pytest.fixture
def ready_quote(transactional_db, buyer, settings):
    """A priced quote of the buyer's (no PDF), acceptable as it is; acceptances wait 0.5 s."""
    settings.COREKIT_QUOTE_RENDER_PDF = False
    settings.COREKIT_ACCEPT_LOCK_WAIT_SECONDS = 0.5
    load_demo_catalog()
    return _priced_quote(buyer.membership.organization)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("publish_with_import", [False, True], ids=["publish-after", "publish-within"])
def test_an_import_and_an_acceptance_of_the_same_parts_both_succeed(
        ready_quote, settings, monkeypatch, publish_with_import):
    settings.COREKIT_ACCEPT_LOCK_WAIT_SECONDS = 10  # the acceptance waits for the import
    # Production publishes the view and re-checks saved configurations inside the import's
    # transaction: their rows are written after the parts' locks. The acceptance locked its
    # configuration before the parts, and the two deadlocked (a 500 for the buyer).
    settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT = publish_with_import
    quote = ready_quote
    running = PausedImport(monkeypatch, _document_high_id_first(quote)).start()

    accepted = {}

    def accept():
        try:
            accepted["result"] = services.quote_accept(quote=quote, **PLACE_ORDER)
        except Exception as exc:
            accepted["result"] = exc
        finally:
            connection.close()

    acceptance = threading.Thread(target=accept, daemon=True)
    acceptance.start()
    wait_for(_waiting_on_a_lock, timeout=10, what="the acceptance to wait for the import's locks")
    report = running.finish()  # the import goes on to the low-id part the acceptance wanted first
    acceptance.join(60)

    assert not isinstance(report, Exception), f"the import failed: {report!r}"
    assert report.errors == [] and len(report.updated["parts"]) == 2
    assert not isinstance(accepted["result"], Exception), f"the acceptance failed: {accepted['result']!r}"
    order, created = accepted["result"]
    assert created and CapacityBooking.objects.filter(reference=order.number).exists()


def test_an_acceptance_behind_a_long_import_is_refused_busy_with_nothing_booked(
        ready_quote, buyer, monkeypatch):
    quote = ready_quote
    api = APIClient()
    api.force_login(buyer)
    running = PausedImport(monkeypatch, _document_high_id_first(quote)).start()
    try:
        busy = api.post(f"/api/v1/quotes/{quote.pk}/accept/", PLACE_ORDER, format="json")
    finally:
        report = running.finish()
    assert busy.status_code == 503, busy.content
    assert busy.json()["error"]["code"] == "catalog_busy" and busy["Retry-After"] == "30"
    assert not Order.objects.filter(quote=quote).exists()
    assert not CapacityBooking.objects.exists()
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.READY

    assert report.errors == []
    again = api.post(f"/api/v1/quotes/{quote.pk}/accept/", PLACE_ORDER, format="json")
    assert again.status_code == 201, again.content


def test_an_import_that_changes_no_stored_part_holds_no_acceptance(ready_quote, monkeypatch):
    quote = ready_quote
    running = PausedImport(monkeypatch, _document_high_id_first(quote, change=0)).start()
    try:
        order, created = services.quote_accept(quote=quote, **PLACE_ORDER)
    finally:
        report = running.finish()
    assert created and order.quote_id == quote.pk
    assert report.errors == [] and report.unchanged["parts"] == 2


def test_an_import_that_changes_a_supplier_and_an_admin_part_edit_both_succeed(
        transactional_db, settings, monkeypatch):
    """The admin saves a part (its row, then the catalog stamp) while an import that renamed a
    supplier reaches for the parts: the import used to hold the stamp since that supplier."""
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    document = catalog_export()
    part = Part.objects.order_by("pk").first()
    row = next(r for r in document["parts"] if r["sku"] == part.sku)
    document["parts"] = [{**row, "lead_time_days": row["lead_time_days"] + 1}]
    supplier = next(s for s in document["suppliers"] if s["code"] == row["supplier"])
    supplier["name"] += " (renamed)"

    suppliers_written, go_on = threading.Event(), threading.Event()
    upsert_indices = part_services._upsert_indices

    def after_suppliers(*args, **kwargs):
        suppliers_written.set()
        go_on.wait(30)
        return upsert_indices(*args, **kwargs)

    monkeypatch.setattr(part_services, "_upsert_indices", after_suppliers)
    results = {}

    def run(name, action):
        try:
            results[name] = action()
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    def admin_edit():
        with transaction.atomic():
            edited = Part.objects.get(pk=part.pk)
            edited.moq += 1
            edited.save()  # its row, then the catalog stamp
        return edited.moq

    importing = threading.Thread(target=run, args=("import", lambda: part_services.catalog_import(
        document=document)), daemon=True)
    importing.start()
    assert suppliers_written.wait(30)
    editing = threading.Thread(target=run, args=("edit", admin_edit), daemon=True)
    editing.start()
    editing.join(5)  # the edit commits at once: the import holds no stamp yet
    go_on.set()
    importing.join(60)
    editing.join(60)

    assert not isinstance(results["edit"], Exception), f"the edit failed: {results['edit']!r}"
    assert not isinstance(results["import"], Exception), f"the import failed: {results['import']!r}"
    assert results["import"].updated["suppliers"] == [supplier["code"]]
    assert results["import"].updated["parts"] == [part.sku]


def test_rows_that_refer_to_parts_are_written_while_an_import_holds_the_parts(
        ready_quote, buyer, monkeypatch):
    """The import's locks (like its UPDATEs) leave the parts' keys alone: a configuration
    saved meanwhile (its lines' foreign keys checked at commit) does not wait for the
    import, and cannot deadlock with it (the worker's verdict rows neither)."""
    running = PausedImport(monkeypatch, _document_high_id_first(ready_quote)).start()
    saved = {}

    def save():
        try:
            saved["configuration"] = family_configuration(buyer.membership.organization)
        except Exception as exc:
            saved["configuration"] = exc
        finally:
            connection.close()

    saving = threading.Thread(target=save, daemon=True)
    try:
        saving.start()
        saving.join(10)
        assert not saving.is_alive(), "saving a configuration waited for the import"
    finally:
        report = running.finish()
        saving.join(30)
    assert not isinstance(saved["configuration"], Exception), saved["configuration"]
    assert report.errors == [] and len(report.updated["parts"]) == 2
