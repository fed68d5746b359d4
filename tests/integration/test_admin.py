"""Every registered model's admin pages render for a sales rep; catalog editing works."""

import io
import json

import pytest
from django.contrib import admin
from django.urls import reverse

from parts.models import Part

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client, sales_rep, loaded_catalog):
    client.force_login(sales_rep)
    return client


def _registered():
    return [(m._meta.app_label, m._meta.model_name, m) for m in admin.site._registry]


@pytest.mark.parametrize(("app", "model", "cls"), _registered(), ids=lambda v: str(v))
def test_changelist_add_and_change_pages_render(admin_client, loaded_catalog, app, model, cls):
    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    add = admin_client.get(reverse(f"admin:{app}_{model}_add"))
    # Read-only records (e.g. the change-impact log) refuse "add" by design.
    addable = admin.site._registry[cls].has_add_permission(add.wsgi_request)
    assert add.status_code == (200 if addable else 403)
    obj = cls._default_manager.first()
    if obj is not None:
        response = admin_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
        assert response.status_code == 200


def test_every_catalog_model_is_registered():
    names = {model for _, model, _ in _registered()}
    assert {"part", "supplier", "index", "indexvalue", "exchangerate", "organization", "user",
            "apikey"} <= names


def test_part_change_page_shows_typed_spec_fields(rep_client):
    part = Part.objects.get(sku="MAG-N48SH-4930")
    html = rep_client.get(reverse("admin:parts_part_change", args=[part.pk])).content.decode()
    assert 'name="spec__max_operating_temp_c"' in html and 'type="number"' in html
    assert '<select name="spec__heavy_rare_earth"' in html
    assert 'name="specs"' not in html  # never a raw JSON textarea


def _change_data(rep_client, part, **overrides):
    response = rep_client.get(reverse("admin:parts_part_change", args=[part.pk]))
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data[f"{fs.prefix}-TOTAL_FORMS"] = fs.total_form_count()
        data[f"{fs.prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        for i, f in enumerate(fs.forms):
            data[f"{fs.prefix}-{i}-id"] = f.instance.pk
            for name in f.fields:
                value = f.initial.get(name)
                if value is not None:
                    data[f"{fs.prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
    data.update(overrides)
    return data


def test_editing_a_magnet_rejects_a_temperature_its_grade_cannot_reach(rep_client):
    part = Part.objects.get(sku="MAG-N48SH-4930")
    url = reverse("admin:parts_part_change", args=[part.pk])
    response = rep_client.post(url, _change_data(rep_client, part, spec__max_operating_temp_c="170"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "150" in errors["spec__max_operating_temp_c"][0]
    part.refresh_from_db()
    assert part.specs["max_operating_temp_c"] == 150

    response = rep_client.post(url, _change_data(rep_client, part, spec__max_operating_temp_c="140"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    part.refresh_from_db()
    assert part.specs["max_operating_temp_c"] == 140


def test_admin_import_dry_run_previews_then_imports(rep_client, small_catalog):
    small_catalog["parts"][1]["sku"] = "SH-PRESS-45-B"
    url = reverse("admin:parts_part_import")
    payload = json.dumps(small_catalog).encode()
    response = rep_client.post(url, {"file": io.BytesIO(payload), "dry_run": "on"})
    html = response.content.decode()
    assert "Dry run" in html and "SH-PRESS-45-B" in html
    assert not Part.objects.filter(sku="SH-PRESS-45-B").exists()
    rep_client.post(url, {"file": io.BytesIO(payload)})
    assert Part.objects.filter(sku="SH-PRESS-45-B").exists()


def test_admin_import_of_a_bad_file_lists_errors_and_writes_nothing(rep_client, small_catalog):
    small_catalog["parts"][0]["specs"]["poles"] = 8
    small_catalog["parts"][0]["sku"] = "NEW-SKU"
    response = rep_client.post(
        reverse("admin:parts_part_import"), {"file": io.BytesIO(json.dumps(small_catalog).encode())}
    )
    assert "parts[0].specs.poles" in response.content.decode()
    assert not Part.objects.filter(sku="NEW-SKU").exists()


def test_api_key_created_in_the_admin_is_shown_once_and_works(rep_client, make_org):
    from core.models import ApiKey

    org = make_org("Voltline Integrations", "partner")
    response = rep_client.post(
        reverse("admin:core_apikey_add"), {"organization": org.pk, "name": "erp", "role": "partner"},
    )
    key = ApiKey.objects.get(name="erp")
    raw = response.content.decode().split('id="raw-api-key"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert not list(response.wsgi_request._messages)  # never in the messages cookie
    assert raw.startswith(f"ck_{key.prefix}_") and raw not in key.hashed_key
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert api.get("/api/v1/parts/").status_code == 200


def test_list_filter_by_provenance_country(rep_client):
    html = rep_client.get(reverse("admin:parts_part_changelist") + "?stage_country=CN").content
    assert b"SH-PRESS-45" in html and b"MAG-N48SH-4930" not in html
