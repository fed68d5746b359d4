"""The catalog import preview: a field-level diff per part, committed without a second upload,
errors naming the SKU as well as the JSON path."""

import io
import json

import pytest
from django.urls import reverse

from parts.models import CatalogImportJob, Part, PriceTier

pytestmark = pytest.mark.django_db
IMPORT = "admin:parts_part_import"


@pytest.fixture
def rep_client(client, sales_rep, loaded_catalog):
    client.force_login(sales_rep)
    return client


def _upload(client, document, *, dry_run: bool):
    data = {"file": io.BytesIO(json.dumps(document).encode())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse(IMPORT), data)


def test_a_preview_shows_old_and_new_per_changed_field(rep_client, small_catalog):
    magnet = small_catalog["parts"][0]
    magnet["lead_time_days"] = 120
    magnet["pricing"]["tiers"][1]["unit_price"] = "2.95"
    magnet["specs"]["max_operating_temp_c"] = 140
    html = _upload(rep_client, small_catalog, dry_run=True).content.decode()
    assert "Dry run" in html and 'id="import-diff"' in html
    rows = [r for r in html.split("<tr") if 'data-sku="MAG-N48SH-4930"' in r]
    text = "".join(rows)
    assert "lead_time_days" in text and "<del>90</del>" in text and "<ins>120</ins>" in text
    assert "specs.max_operating_temp_c" in text and "<del>150</del>" in text
    assert "pricing.tiers" in text and "3.05" in text and "2.95" in text
    assert "SH-PRESS-45" not in "".join(r for r in html.split("<tr") if "data-sku" in r)
    assert Part.objects.get(sku="MAG-N48SH-4930").lead_time_days == 90  # nothing written


def test_commit_this_import_applies_the_previewed_file_without_a_second_upload(rep_client,
                                                                               small_catalog):
    small_catalog["parts"][1]["pricing"]["tiers"][0]["unit_price"] = "39900"
    html = _upload(rep_client, small_catalog, dry_run=True).content.decode()
    assert "Commit this import" in html
    preview = CatalogImportJob.objects.get(dry_run=True)
    commit_url = reverse("admin:parts_part_import_commit", args=[preview.pk])
    assert f'action="{commit_url}"' in html

    assert rep_client.get(commit_url).status_code == 405  # a link cannot commit
    response = rep_client.post(commit_url)  # no file in this request
    assert response.status_code == 302
    tier = PriceTier.objects.get(part__sku="SH-PRESS-45")
    assert str(tier.unit_price) == "39900.00" or tier.unit_price == 39900
    committed = CatalogImportJob.objects.get(dry_run=False)
    assert committed.status == "done" and committed.created_by.username == "sales"
    page = rep_client.get(response["Location"]).content.decode()
    assert "Imported" in page

    # Once only: the preview gave its file to the import.
    again = rep_client.post(commit_url, follow=True).content.decode()
    assert "cannot be committed" in again
    assert CatalogImportJob.objects.filter(dry_run=False).count() == 1


def test_a_refused_file_names_the_sku_next_to_the_json_path(rep_client, small_catalog):
    small_catalog["parts"][1]["specs"]["seat_diameter_mm"] = -3
    html = _upload(rep_client, small_catalog, dry_run=True).content.decode()
    assert "parts[1].specs.seat_diameter_mm" in html
    row = next(r for r in html.split("<tr") if "parts[1].specs.seat_diameter_mm" in r)
    assert "<code>SH-PRESS-45</code>" in row
    assert "Commit this import" not in html


def test_a_background_preview_keeps_its_file_for_the_commit(sales_rep, loaded_catalog,
                                                            small_catalog):
    from parts import services

    small_catalog["parts"][0]["moq"] = 6000
    job = services.catalog_import_job_create(content=json.dumps(small_catalog).encode(),
                                             dry_run=True, user=sales_rep, enqueue=False)
    job = services.catalog_import_job_run(job_id=job.pk)
    assert services.catalog_import_preview_committable(job)
    assert job.report["diffs"]["parts"]["MAG-N48SH-4930"] == [["moq", "5000", "6000"]]
    done = services.catalog_import_preview_commit(job_id=job.pk, user=sales_rep)
    assert done.status == "done" and Part.objects.get(sku="MAG-N48SH-4930").moq == 6000


def test_an_uncommitted_preview_gives_its_file_back_after_a_day(sales_rep, loaded_catalog,
                                                                small_catalog):
    import datetime as dt

    from core import clock
    from parts import services

    small_catalog["parts"][0]["moq"] = 6000
    old = services.catalog_import_job_create(content=json.dumps(small_catalog).encode(),
                                             dry_run=True, user=sales_rep, enqueue=False)
    old = services.catalog_import_job_run(job_id=old.pk)
    CatalogImportJob.objects.filter(pk=old.pk).update(
        created_at=clock.now() - dt.timedelta(days=2))
    services.catalog_import_job_create(content=b"{}", dry_run=True, user=sales_rep, enqueue=False)
    old.refresh_from_db()
    assert not services.catalog_import_preview_committable(old) and "expired" in old.phase
