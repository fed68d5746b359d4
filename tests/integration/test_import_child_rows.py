"""An import rewrites a changed part's provenance, tiers and index links only where they
changed: a catalog-wide lead-time update rewrites no tier (it used to delete and insert
every child row of every changed part, with two history records each), and what is stored
still reads back as the file states it."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from parts.domain.catalog import decimal_text
from parts.models import PartIndexLink, PriceTier, ProvenanceStage
from parts.selectors import catalog_export, part_canonical_rows
from parts.services import catalog_import
from tests.factories import load_demo_catalog

pytestmark = pytest.mark.django_db

CHILDREN = (ProvenanceStage, PriceTier, PartIndexLink)


def _rows(model, sku: str) -> list[tuple]:
    return list(model.objects.filter(part__sku=sku).order_by("id").values_list("id", flat=True))


def _history(model, sku_id: int) -> int:
    return model.history.filter(part_id=sku_id).count()


@pytest.fixture
def catalog():
    load_demo_catalog()
    document = catalog_export()
    linked = next(row for row in document["parts"] if row["pricing"].get("index_links"))
    return document, linked["sku"]


def _import_changed(document: dict, sku: str, change) -> dict:
    changed = copy.deepcopy(document)
    row = next(r for r in changed["parts"] if r["sku"] == sku)
    change(row)
    report = catalog_import(document=changed)
    assert report.errors == [] and report.updated["parts"] == [sku]
    return changed


def _stored_equals_file(document: dict, sku: str) -> None:
    (_pk, _created, stored), = part_canonical_rows(skus=[sku]).values()
    row = next(r for r in document["parts"] if r["sku"] == sku)
    exported = next(r for r in catalog_export()["parts"] if r["sku"] == sku)
    assert exported == row
    assert stored["lead_time_days"] == row["lead_time_days"]


def test_a_lead_time_change_keeps_every_child_row_and_its_history(catalog):
    document, sku = catalog
    before = {model: _rows(model, sku) for model in CHILDREN}
    part_id = PriceTier.objects.filter(part__sku=sku).values_list("part_id", flat=True).first()
    history = {model: _history(model, part_id) for model in (ProvenanceStage, PriceTier)}

    changed = _import_changed(document, sku, lambda row: row.update(lead_time_days=row["lead_time_days"] + 3))

    assert {model: _rows(model, sku) for model in CHILDREN} == before
    assert {model: _history(model, part_id) for model in (ProvenanceStage, PriceTier)} == history
    _stored_equals_file(changed, sku)


def test_a_price_change_rewrites_the_tiers_alone(catalog):
    document, sku = catalog
    before = {model: _rows(model, sku) for model in CHILDREN}
    part_id = PriceTier.objects.filter(part__sku=sku).values_list("part_id", flat=True).first()
    tier_history = _history(PriceTier, part_id)

    def cheaper(row):
        for tier in row["pricing"]["tiers"]:
            tier["unit_price"] = decimal_text(Decimal(tier["unit_price"]) - Decimal("0.01"))

    changed = _import_changed(document, sku, cheaper)

    after = {model: _rows(model, sku) for model in CHILDREN}
    assert after[ProvenanceStage] == before[ProvenanceStage]
    assert after[PartIndexLink] == before[PartIndexLink]
    assert len(after[PriceTier]) == len(before[PriceTier])
    assert not set(after[PriceTier]) & set(before[PriceTier])  # new rows
    # each old tier's removal and each new tier recorded
    assert _history(PriceTier, part_id) == tier_history + 2 * len(before[PriceTier])
    _stored_equals_file(changed, sku)


def test_provenance_and_links_changed_together_are_both_rewritten(catalog):
    document, sku = catalog
    before = {model: _rows(model, sku) for model in CHILDREN}

    def moved(row):
        row["provenance"][0]["company"] += " (renamed)"
        row["pricing"]["index_links"][0]["kg_per_unit"] = decimal_text(
            Decimal(row["pricing"]["index_links"][0]["kg_per_unit"]) + Decimal("0.001"))

    changed = _import_changed(document, sku, moved)

    after = {model: _rows(model, sku) for model in CHILDREN}
    assert after[PriceTier] == before[PriceTier]
    assert not set(after[ProvenanceStage]) & set(before[ProvenanceStage])
    assert not set(after[PartIndexLink]) & set(before[PartIndexLink])
    _stored_equals_file(changed, sku)
