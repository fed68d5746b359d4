"""A part's history in the sales workspace: field-level changes, and the reason for every price
and provenance change (required)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parts.models import Part, PriceTier, ProvenanceStage
from tests.integration.test_admin import _change_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client, sales_rep, loaded_catalog):
    client.force_login(sales_rep)
    return client


def _magnet():
    return Part.objects.get(sku="MAG-N48SH-4930")


def _tier_index(data, min_qty: int) -> int:
    return next(int(k.split("-")[1]) for k, v in data.items()
                if k.startswith("price_tiers-") and k.endswith("-min_qty") and v == min_qty)


def test_a_price_change_without_a_reason_is_refused(rep_client):
    part = _magnet()
    data = _change_data(rep_client, part)
    data[f"price_tiers-{_tier_index(data, 100000)}-unit_price"] = "2.95"
    response = rep_client.post(reverse("admin:parts_part_change", args=[part.pk]), data)
    assert response.status_code == 200
    assert "Reason for change" in response.content.decode()
    assert PriceTier.objects.get(part=part, min_qty=100000).unit_price == Decimal("3.05")


def test_a_provenance_change_without_a_reason_is_refused(rep_client):
    part = _magnet()
    data = _change_data(rep_client, part)
    index = next(int(k.split("-")[1]) for k, v in data.items()
                 if k.startswith("provenance-") and k.endswith("-stage") and v == "metal_alloy")
    data[f"provenance-{index}-company"] = "Other Alloys"
    response = rep_client.post(reverse("admin:parts_part_change", args=[part.pk]), data)
    assert response.status_code == 200
    assert ProvenanceStage.objects.get(part=part, stage="metal_alloy").company == "VTRE Alloys"


def test_a_lead_time_change_needs_no_reason(rep_client):
    part = _magnet()
    data = _change_data(rep_client, part, lead_time_days=120)
    response = rep_client.post(reverse("admin:parts_part_change", args=[part.pk]), data)
    assert response.status_code == 302
    assert _magnet().lead_time_days == 120


def test_the_reason_is_recorded_and_the_history_shows_each_changed_field(rep_client):
    part = _magnet()
    data = _change_data(rep_client, part, spec__max_operating_temp_c="140",
                        change_reason="supplier re-quote Q1")
    data[f"price_tiers-{_tier_index(data, 100000)}-unit_price"] = "2.95"
    response = rep_client.post(reverse("admin:parts_part_change", args=[part.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    tier_record = PriceTier.history.filter(part_id=part.pk, min_qty=100000).first()
    assert tier_record.history_change_reason == "supplier re-quote Q1"
    assert part.history.first().history_change_reason == "supplier re-quote Q1"

    html = rep_client.get(reverse("admin:parts_part_history", args=[part.pk])).content.decode()
    assert "supplier re-quote Q1" in html
    spec = html.split("spec max_operating_temp_c")[1][:120]
    assert "150" in spec and "140" in spec
    assert "price tier ≥100,000 (changed)" in html
    changes = html.split("price tier ≥100,000 (changed)")[1][:200]
    assert "3.05" in changes and "2.95" in changes
    # No record shows an empty Changes cell for an edit.
    assert "<strong>specs:</strong>" not in html  # never the whole JSON dict
