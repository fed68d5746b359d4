"""The catalog import at scale: the parts array streamed and written a batch at a time, still
one transaction (all or nothing), with history records and progress the admin can watch."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from parts import services
from parts.domain.catalog import LazyRows, parse_json, parse_json_rows
from parts.models import CatalogImportJob, Part, PriceTier, ProvenanceStage
from parts.services import catalog_import, catalog_import_job_create, catalog_import_job_run

pytestmark = pytest.mark.django_db


def _many(catalog: dict, n: int) -> dict:
    """The small catalog's parts copied under n new SKUs in all."""
    template = catalog["parts"]
    catalog["parts"] = [{**template[i % len(template)], "sku": f"{template[i % len(template)]['sku']}-{i}"}
                        for i in range(n)]
    return catalog


def test_the_parts_array_is_read_lazily_with_the_same_answers(small_catalog):
    text = json.dumps(small_catalog).encode()
    document, errors = parse_json_rows(text)
    assert not errors and isinstance(document["parts"], LazyRows)
    assert list(document["parts"]) == parse_json(text)[0]["parts"]
    for bad in (b'{"parts": [{"sku": 1},, {}]}', b'{"parts": [1] "x": 2}', b'{"a": 1} 2', b"[1, 2"):
        lazy, eager = parse_json_rows(bad)[1], parse_json(bad)[1]
        assert len(lazy) == 1 and lazy[0].message.startswith("not valid JSON"), (bad, lazy)
        assert eager and eager[0].message.startswith("not valid JSON")


def test_an_error_in_the_last_batch_undoes_the_batches_already_written(small_catalog, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_BATCH", 3)
    document = _many(small_catalog, 10)
    document["parts"][9]["moq"] = 0
    finished = []
    report = catalog_import(document=document, before_commit=finished.append)
    assert [e.path for e in report.errors] == ["parts[9].moq"]
    assert not report.created["parts"]  # nothing reported as done
    assert finished == [report]
    assert Part.objects.count() == 0 and PriceTier.objects.count() == 0
    assert Part.history.count() == 0 and ProvenanceStage.history.count() == 0


def test_a_job_reports_its_progress_through_the_parts_while_it_runs(small_catalog, sales_rep,
                                                                    monkeypatch, client):
    monkeypatch.setattr(services, "IMPORT_BATCH", 2)
    job = catalog_import_job_create(content=json.dumps(_many(small_catalog, 12)).encode(),
                                    dry_run=False, user=sales_rep, enqueue=False)
    seen, pages = [], []
    client.force_login(sales_rep)
    real = services._live_progress_set

    def watch(job_id, phase, progress):
        real(job_id, phase, progress)
        seen.append(progress)
        if 10 < progress < 95:  # what the admin sees meanwhile (the job row cannot show it yet)
            page = client.get(reverse("admin:parts_part_import_job", args=[job_id])).content.decode()
            pages.append((progress, page))

    monkeypatch.setattr(services, "_live_progress_set", watch)
    job = catalog_import_job_run(job_id=job.pk)
    assert job.status == "done" and job.progress == 100
    assert seen == sorted(seen) and seen[-1] == 100
    middle = [p for p in seen if 10 < p < 95]
    assert len(middle) >= 5  # it moves during the long phase, not 0 -> 100
    progress, page = pages[2]
    assert f'value="{progress}"' in page and "of 12 parts" in page
    assert Part.objects.count() == 12


def test_an_import_that_updates_parts_keeps_their_history(loaded_catalog, sales_rep):
    sku = loaded_catalog["parts"][0]["sku"]
    part = Part.objects.get(sku=sku)
    tiers_before = PriceTier.objects.filter(part=part).count()
    loaded_catalog["parts"][0]["pricing"]["tiers"][0]["unit_price"] = "9.5"
    loaded_catalog["parts"][0]["name"] = "Renamed magnet"
    report = catalog_import(document=loaded_catalog, user=sales_rep)
    assert report.updated["parts"] == [sku]
    latest = part.history.first()
    assert latest.history_type == "~" and latest.name == "Renamed magnet"
    assert latest.history_user == sales_rep and latest.history_change_reason == "catalog import"
    tier_history = PriceTier.history.filter(part_id=part.pk)
    assert tier_history.filter(history_type="-").count() == tiers_before
    assert tier_history.filter(history_type="+").count() == 2 * tiers_before
    assert str(PriceTier.objects.filter(part=part).order_by("min_qty").first().unit_price) == "9.500000"
    again = catalog_import(document=loaded_catalog, user=sales_rep)
    assert again.unchanged["parts"] == 2 and part.history.count() == 2  # nothing rewritten


def test_live_progress_is_shown_only_while_the_job_runs(sales_rep):
    job = CatalogImportJob.objects.create(status="running", phase="reading the file", progress=5)
    cache.set(f"catalog-import-progress:{job.pk}", {"phase": "checking: 4,000 of 10,000 parts",
                                                     "progress": 44})
    assert services.catalog_import_job_progress(job) == ("checking: 4,000 of 10,000 parts", 44)
    job.status = "done"
    job.progress = 100
    assert services.catalog_import_job_progress(job) == ("reading the file", 100)
