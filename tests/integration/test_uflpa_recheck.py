"""Saved kits are re-checked when a supplier becomes restricted, found as the engine finds
them (uflpa): a stage's company named by the supplier's code or name, in any case.

The re-check matched the name exactly: kits whose magnet alloy stage named the supplier by
its code ("HPRA") or in other capitals stayed "valid" while the engine refused them. A
supplier added restricted in the admin is re-checked as an edited one is.
"""

from __future__ import annotations

import json

import pytest

from configurator import services as config_services
from configurator.selectors import configuration_get
from core.models import OutboxMessage
from parts.models import Supplier
from parts.services import catalog_import, suppliers_set_restricted
from tests.factories import family_configuration
from tests.workers import ROOT

pytestmark = pytest.mark.django_db
MAGNET = "MAG-N48SH-GD-4930-SGI-KR"


def _catalog(company: str) -> dict:
    document = json.loads((ROOT / "parts/data/demo_catalog.json").read_text())
    for part in document["parts"]:
        if part["sku"] == MAGNET:
            for stage in part["provenance"]:
                if stage["stage"] == "metal_alloy":
                    stage["company"] = company
    return document


@pytest.mark.parametrize("company", ["HPRA", "hai phong rare earth alloys jsc ",
                                     "Hai Phong Rare Earth Alloys JSC"])
def test_a_supplier_marked_restricted_re_checks_kits_naming_it_by_code_or_name_in_any_case(make_org, company):
    assert catalog_import(document=_catalog(company)).ok
    organization = make_org()
    config = family_configuration(organization, policy="uflpa")
    assert config.is_valid
    supplier = Supplier.objects.get(code="HPRA")
    suppliers_set_restricted(suppliers=[supplier], restricted=True)
    config_services.configurations_revalidate(supplier_ids=[supplier.pk], reason="restricted")
    stored = configuration_get(organization=organization, pk=config.pk)
    assert stored.is_valid is False
    assert "ENTITY_RESTRICTED" in {v["code"] for v in stored.validation["violations"]}



def test_a_supplier_added_restricted_in_the_admin_re_checks_the_kits_whose_stages_name_it(make_org):
    from parts.services import supplier_save

    assert catalog_import(document=_catalog("Acme Alloys")).ok
    organization = make_org()
    config = family_configuration(organization, policy="uflpa")
    assert config.is_valid
    OutboxMessage.objects.all().delete()
    acme = supplier_save(supplier=Supplier(code="ACME", name="Acme Alloys", country="CN", restricted=True))
    [recheck] = OutboxMessage.objects.filter(task="configurator.revalidate_after_change")
    assert recheck.kwargs["supplier_ids"] == [acme.pk]
    config_services.configurations_revalidate(**recheck.kwargs)
    assert configuration_get(organization=organization, pk=config.pk).is_valid is False


def test_a_supplier_an_import_adds_restricted_re_checks_the_kits_whose_stages_name_it(make_org, settings):
    """The import passed on the suppliers it updated, not those it created: a restricted one
    named by existing parts' stages left their kits "valid" until something else changed."""
    settings.COREKIT_IMPORT_REVALIDATES_AT_MOST = 0  # the re-check goes to a worker: see it queued
    assert catalog_import(document=_catalog("Acme Alloys")).ok
    organization = make_org()
    config = family_configuration(organization, policy="uflpa")
    assert config.is_valid
    OutboxMessage.objects.all().delete()
    document = _catalog("Acme Alloys")
    document["suppliers"].append({"code": "ACME", "name": "Acme Alloys", "country": "CN", "restricted": True})
    assert catalog_import(document=document).ok
    acme = Supplier.objects.get(code="ACME")
    [recheck] = OutboxMessage.objects.filter(task="configurator.revalidate_after_change")
    assert recheck.kwargs["supplier_ids"] == [acme.pk]
    config_services.configurations_revalidate(**recheck.kwargs)
    assert configuration_get(organization=organization, pk=config.pk).is_valid is False


def _stored_and_fresh(organization, config):
    from configurator.services import configuration_check, configuration_input_of

    for recheck in OutboxMessage.objects.filter(task="configurator.revalidate_after_change"):
        config_services.configurations_revalidate(**recheck.kwargs)
    stored = configuration_get(organization=organization, pk=config.pk)
    return stored.is_valid, configuration_check(data=configuration_input_of(stored),
                                                organization=organization.pk)["valid"]


@pytest.mark.parametrize(("sku", "stage", "company", "supplier"), [
    # another supplier record carries the name: the engine matches a part's supplier by name too
    ("TS-NTC-180-SEMI", "component_manufacturing", "Semitec Thailand Co.",
     {"code": "SEMI-E", "name": "Semitec", "country": "JP"}),
    # a stage company outside ASCII, upper-cased as the engine does (SQLite's UPPER does not)
    (MAGNET, "metal_alloy", "Ürümqi Alloy Works",
     {"code": "URW", "name": "ÜRÜMQI ALLOY WORKS", "country": "CN"}),
])
def test_a_new_restricted_supplier_is_found_wherever_the_engine_finds_it(make_org, settings, sku, stage,
                                                                         company, supplier):
    """The re-check looked at stage companies only, upper-cased by the database: a kit the
    engine refused stayed stored as valid."""
    settings.COREKIT_IMPORT_REVALIDATES_AT_MOST = 0
    document = json.loads((ROOT / "parts/data/demo_catalog.json").read_text())
    [part] = [p for p in document["parts"] if p["sku"] == sku]
    for row in part["provenance"]:
        if row["stage"] == stage:
            row["company"] = company
    assert catalog_import(document=document).ok
    organization = make_org()
    config = family_configuration(organization, policy="uflpa")
    assert config.is_valid
    OutboxMessage.objects.all().delete()
    document["suppliers"].append({**supplier, "restricted": True})
    assert catalog_import(document=document).ok
    assert _stored_and_fresh(organization, config) == (False, False)
