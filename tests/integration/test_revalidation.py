"""A catalog change re-validates saved configurations in a real Celery worker."""

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import RequestFactory

from configurator.models import ChangeImpact, Configuration
from configurator.services import ConfigurationInput, LineInput, configuration_create
from demo.catalog import FAMILIES
from parts.admin import PartAdmin
from parts.models import Part
from tests.workers import wait_for

pytestmark = pytest.mark.worker


def _family_config(org, code="CK48-8"):
    family = FAMILIES[code]
    return configuration_create(
        organization=org,
        data=ConfigurationInput(
            template=family["template"], name=family["title"],
            sourcing_policy=family["sourcing_policy"], requirements=family["requirements"],
            lines=[LineInput(slot=s, sku=sku, quantity=family["quantities"][s])
                   for s, sku in family["skus"].items()],
        ),
    )


def test_deactivating_a_part_flags_the_configurations_that_use_it(start_worker, make_org, sales_rep):
    call_command("import_catalog", "parts/data/demo_catalog.json", verbosity=0)
    aurora, nordwerk = make_org("Aurora Motors"), make_org("Nordwerk Automobil AG")
    uses_it = _family_config(aurora)
    other_family = _family_config(nordwerk, "CK72-12")
    assert uses_it.is_valid and other_family.is_valid
    start_worker()

    magnet = Part.objects.filter(sku=FAMILIES["CK48-8"]["skus"]["magnet"])
    request = RequestFactory().post("/admin/parts/part/")
    request.user = sales_rep
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    PartAdmin(Part, site).deactivate(request, magnet)

    impact = wait_for(lambda: ChangeImpact.objects.filter(configuration=uses_it).first(),
                      what="the worker to record the impact")
    assert impact.organization == aurora
    assert "deactivated" in impact.reason
    assert [e["code"] for e in impact.errors] == ["PART_INACTIVE"]
    uses_it.refresh_from_db()
    assert uses_it.is_valid is False and "deactivated" in uses_it.invalidated_by_change
    other_family.refresh_from_db()
    assert other_family.is_valid is True
    assert ChangeImpact.objects.count() == 1
    assert Configuration.objects.filter(is_valid=False).count() == 1


def test_reactivating_a_part_lets_the_configurations_it_invalidated_recover(
        start_worker, make_org, sales_rep):
    call_command("import_catalog", "parts/data/demo_catalog.json", verbosity=0)
    config = _family_config(make_org("Aurora Motors"))
    assert config.is_valid
    start_worker()
    magnet = Part.objects.filter(sku=FAMILIES["CK48-8"]["skus"]["magnet"])
    request = RequestFactory().post("/admin/parts/part/")
    request.user = sales_rep
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    PartAdmin(Part, site).deactivate(request, magnet)
    wait_for(lambda: Configuration.objects.filter(pk=config.pk, is_valid=False).exists(),
             what="the deactivation to invalidate the configuration")

    PartAdmin(Part, site).activate(request, magnet)
    wait_for(lambda: Configuration.objects.filter(pk=config.pk, is_valid=True).exists(),
             what="the re-activation to make the configuration valid again")
    config.refresh_from_db()
    assert config.invalidated_by_change == "" and config.validation["valid"] is True
    assert magnet.get().history.first().history_user == sales_rep
