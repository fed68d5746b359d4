"""Absurd catalog files are refused with errors at every door (CLI, admin); large files are
imported by a worker while the admin watches the progress, still all or nothing."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from parts.models import CatalogImportJob, Part, PriceTier
from parts.services import catalog_import_job_create, catalog_import_job_run
from tests.workers import wait_for

DEEP = ("[" * 200_000 + "]" * 200_000).encode()


def _huge_price(small_catalog) -> bytes:
    small_catalog["parts"][0]["pricing"]["tiers"][0]["unit_price"] = "1e100000000"
    return json.dumps(small_catalog).encode()


@pytest.fixture
def rep_client(client, sales_rep):
    client.force_login(sales_rep)
    return client


@pytest.mark.django_db
def test_admin_import_of_deep_json_or_a_huge_price_is_a_clear_error(rep_client, small_catalog):
    url = reverse("admin:parts_part_import")
    deep = rep_client.post(url, {"file": io.BytesIO(DEEP)})
    assert deep.status_code == 200 and "nested more than" in deep.content.decode()
    price = rep_client.post(url, {"file": io.BytesIO(_huge_price(small_catalog))})
    html = price.content.decode()
    assert price.status_code == 200
    assert "parts[0].pricing.tiers[0].unit_price" in html and "too large" in html
    assert Part.objects.count() == 0 and PriceTier.objects.count() == 0


@pytest.mark.django_db
def test_import_command_refuses_deep_json_and_huge_prices(tmp_path, small_catalog, capsys):
    deep = tmp_path / "deep.json"
    deep.write_bytes(DEEP)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_catalog", str(deep))
    price = tmp_path / "price.json"
    price.write_bytes(_huge_price(small_catalog))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_catalog", str(price))
    assert "unit_price: is too large" in capsys.readouterr().err
    assert Part.objects.count() == 0


def _garbage(small_catalog) -> bytes:
    """A list where a category is expected, a lone surrogate in a name, a lead time past the
    date range: before, a 500 in the admin (TypeError in the check, UnicodeEncodeError at
    the write), a traceback from the command, and every kit using the part broken."""
    small_catalog["parts"][0]["category"] = []
    small_catalog["parts"][1]["name"] = "Rotor shaft \ud800"
    small_catalog["parts"][1]["lead_time_days"] = 2_000_000_000
    return json.dumps(small_catalog).encode()


GARBAGE_ERRORS = ("parts[0].category", "parts[1].name", "parts[1].lead_time_days")


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [False, True])
def test_admin_import_of_wrong_types_and_unstorable_text_names_each_field(rep_client, small_catalog,
                                                                           dry_run):
    data = {"file": io.BytesIO(_garbage(small_catalog)), **({"dry_run": "on"} if dry_run else {})}
    response = rep_client.post(reverse("admin:parts_part_import"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert all(path in html for path in GARBAGE_ERRORS), html[-3000:]
    assert "failed unexpectedly" not in html
    assert Part.objects.count() == 0


@pytest.mark.django_db
def test_import_command_names_each_garbage_field(tmp_path, small_catalog, capsys):
    path = tmp_path / "garbage.json"
    path.write_bytes(_garbage(small_catalog))
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_catalog", str(path))
    err = capsys.readouterr().err
    assert all(p in err for p in GARBAGE_ERRORS) and "at most 3650" in err
    assert Part.objects.count() == 0


@pytest.mark.django_db
def test_the_database_refuses_a_lead_time_past_ten_years(small_catalog):
    """Whatever writes it (an admin form, a script): every lead-time check adds it to today."""
    from django.db import IntegrityError, transaction

    from parts.services import catalog_import

    assert catalog_import(document=small_catalog).ok
    with pytest.raises(IntegrityError), transaction.atomic():
        Part.objects.filter(sku="SH-PRESS-45").update(lead_time_days=2_000_000_000)
    assert Part.objects.get(sku="SH-PRESS-45").lead_time_days == 45


@pytest.mark.django_db
def test_a_file_above_the_maximum_size_is_a_form_error(rep_client, settings):
    settings.COREKIT_IMPORT_MAX_BYTES = 1000
    response = rep_client.post(reverse("admin:parts_part_import"),
                               {"file": io.BytesIO(b" " * 2000)})
    assert "at most 1,000 bytes are accepted" in response.content.decode()
    assert CatalogImportJob.objects.count() == 0


@pytest.mark.django_db
def test_a_large_file_is_queued_for_a_worker_not_imported_in_the_request(
        rep_client, settings, small_catalog):
    from core.models import OutboxMessage

    settings.COREKIT_IMPORT_BACKGROUND_BYTES = 100
    payload = json.dumps(small_catalog).encode()
    response = rep_client.post(reverse("admin:parts_part_import"),
                               {"file": io.BytesIO(payload), "dry_run": "on"})
    job = CatalogImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:parts_part_import_job", args=[job.pk])
    assert job.status == "queued" and job.dry_run and bytes(job.content) == payload
    assert OutboxMessage.objects.filter(task="parts.run_catalog_import",
                                        kwargs__job_id=job.pk).exists()
    page = rep_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in page and 'http-equiv="refresh"' in page
    listing = rep_client.get(reverse("admin:parts_part_import")).content.decode()
    assert reverse("admin:parts_part_import_job", args=[job.pk]) in listing
    assert Part.objects.count() == 0


@pytest.mark.django_db
def test_a_job_keeps_the_all_or_nothing_contract(small_catalog, sales_rep, rep_client):
    dry = catalog_import_job_create(content=json.dumps(small_catalog).encode(), dry_run=True,
                                    user=sales_rep)
    dry = catalog_import_job_run(job_id=dry.pk)
    assert dry.status == "done" and dry.progress == 100
    # A clean preview keeps its file until it is committed ("Commit this import").
    assert bytes(dry.content) == json.dumps(small_catalog).encode()
    assert dry.report["created"]["parts"] == [p["sku"] for p in small_catalog["parts"]]
    assert Part.objects.count() == 0

    small_catalog["parts"][1]["moq"] = 0
    bad = catalog_import_job_create(content=json.dumps(small_catalog).encode(), dry_run=False,
                                    user=sales_rep)
    bad = catalog_import_job_run(job_id=bad.pk)
    assert bad.status == "failed" and bad.report["errors"][0]["path"] == "parts[1].moq"
    assert Part.objects.count() == 0
    page = rep_client.get(reverse("admin:parts_part_import_job", args=[bad.pk])).content.decode()
    assert "parts[1].moq" in page and 'http-equiv="refresh"' not in page
    # Run again (a redelivered task): a finished job is left as it is.
    assert catalog_import_job_run(job_id=bad.pk).status == "failed"


@pytest.mark.worker
def test_a_multi_megabyte_dry_run_runs_in_a_worker_with_progress(
        start_worker, sales_rep, client, settings):
    from parts.selectors import catalog_export
    from tests.factories import load_demo_catalog

    load_demo_catalog()
    document = catalog_export()
    for part in document["parts"]:  # the same catalog under new SKUs, many times over
        part["name"] = part["name"] + " " + "·" * 40
    copies = []
    for n in range(15):
        for part in document["parts"]:
            copies.append({**part, "sku": f"{part['sku']}-X{n}"})
    document["parts"] = copies
    payload = json.dumps(document).encode()
    assert len(payload) > 3_000_000
    parts_before = Part.objects.count()
    client.force_login(sales_rep)
    settings.COREKIT_IMPORT_BACKGROUND_BYTES = 512 * 1024
    response = client.post(reverse("admin:parts_part_import"),
                           {"file": io.BytesIO(payload), "dry_run": "on"})
    assert response.status_code == 302
    job = CatalogImportJob.objects.get()
    start_worker()

    phases = []

    def finished():
        current = CatalogImportJob.objects.values("status", "phase", "progress").get(pk=job.pk)
        phases.append(current["progress"])
        return current["status"] in ("done", "failed")

    wait_for(finished, timeout=240, interval=0.2, what="the import job to finish")
    job.refresh_from_db()
    assert job.status == "done", job.report.get("errors")
    assert phases == sorted(phases) and phases[-1] == 100  # progress only moves forward
    assert len(job.report["created"]["parts"]) == len(copies)
    assert Part.objects.count() == parts_before  # a dry run writes nothing
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and "Dry run" in page


@pytest.mark.django_db
def test_a_job_another_run_started_is_not_run_again_beside_it(small_catalog, sales_rep, settings):
    """A repeated message (a broker writer's, or any) started a second import of a running
    job beside the first, each to write its outcome over the other's. Until the task's hard
    time limit has passed since a run started, no other run starts the job; after it, the
    first run is dead for certain, and one does."""
    import datetime as dt

    from celery.exceptions import Ignore

    from core import clock
    from parts import services, tasks

    job = catalog_import_job_create(content=json.dumps(small_catalog).encode(), dry_run=False,
                                    user=sales_rep, enqueue=False)
    started = clock.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT - 5)
    CatalogImportJob.objects.filter(pk=job.pk).update(status="running", started_at=started,
                                                      phase="checking and applying", progress=40)
    with pytest.raises(services.ImportJobRunning):
        catalog_import_job_run(job_id=job.pk)
    with pytest.raises(Ignore):  # the task drops its message; the outbox keeps the job's
        tasks.run_catalog_import.run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.started_at, job.progress) == ("running", started, 40)
    assert Part.objects.count() == 0

    # Past the hard time limit the worker has killed that run: the job starts again.
    CatalogImportJob.objects.filter(pk=job.pk).update(
        started_at=clock.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1))
    assert catalog_import_job_run(job_id=job.pk).status == "done"
    assert Part.objects.count() == len(small_catalog["parts"])
