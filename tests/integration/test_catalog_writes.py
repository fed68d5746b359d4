"""Catalog and policy writes made in the admin go through the same services as everywhere
else: each is audited, moves the catalog stamp and sends the change that re-checks kits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from configurator import services as config_services
from configurator.models import CustomPolicy
from core.errors import ValidationFailed
from core.models import OutboxMessage
from parts import services
from parts.forms import ProvenanceStageForm, SupplierForm
from parts.models import CatalogStamp, Index, IndexValue, Part, Supplier
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db
REVALIDATE = "configurator.revalidate_after_change"


@pytest.fixture
def rep(client, sales_rep):
    load_demo_catalog()
    client.force_login(sales_rep)
    return client


def _stamp() -> int:
    return CatalogStamp.objects.get(pk=1).version


def test_admin_activation_sends_the_catalog_change_like_deactivation(rep, sales_rep):
    part = Part.objects.order_by("sku").first()
    changelist = reverse("admin:parts_part_changelist")
    rep.post(changelist, {"action": "deactivate", ACTION_CHECKBOX_NAME: [part.pk]})
    rep.post(changelist, {"action": "activate", ACTION_CHECKBOX_NAME: [part.pk]})
    sent = list(OutboxMessage.objects.filter(task=REVALIDATE).order_by("id"))
    assert [m.kwargs["part_ids"] for m in sent] == [[part.pk], [part.pk]]
    assert "activated by sales" in sent[1].kwargs["reason"]
    part.refresh_from_db()
    assert part.active and part.history.first().history_user == sales_rep


def test_a_configuration_invalidated_by_a_deactivation_recovers_on_reactivation(buyer, sales_rep):
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    magnet = config.lines.get(slot="magnet").part
    services.parts_set_active(parts=[magnet], active=False, user=sales_rep)
    # What the worker runs for the message the service sent:
    message = OutboxMessage.objects.filter(task=REVALIDATE).latest("id")
    assert config_services.configurations_revalidate(**message.kwargs) == [config.pk]
    config.refresh_from_db()
    assert not config.is_valid and "deactivated" in config.invalidated_by_change
    services.parts_set_active(parts=[magnet], active=True, user=sales_rep)
    message = OutboxMessage.objects.filter(task=REVALIDATE).latest("id")
    config_services.configurations_revalidate(**message.kwargs)
    config.refresh_from_db()
    assert config.is_valid and config.invalidated_by_change == ""


def test_supplier_restriction_goes_through_the_service(rep, sales_rep):
    supplier = Supplier.objects.order_by("code").first()
    before = _stamp()
    rep.post(reverse("admin:parts_supplier_changelist"),
             {"action": "mark_restricted", ACTION_CHECKBOX_NAME: [supplier.pk]})
    supplier.refresh_from_db()
    assert supplier.restricted and supplier.history.first().history_user == sales_rep
    message = OutboxMessage.objects.filter(task=REVALIDATE).latest("id")
    assert message.kwargs["supplier_ids"] == [supplier.pk] and _stamp() > before
    rep.post(reverse("admin:parts_supplier_changelist"),
             {"action": "mark_unrestricted", ACTION_CHECKBOX_NAME: [supplier.pk]})
    assert "restriction cleared" in OutboxMessage.objects.filter(task=REVALIDATE).latest("id") \
        .kwargs["reason"]


def test_index_values_edited_in_the_admin_are_audited_and_bounded(rep, sales_rep):
    index = Index.objects.order_by("code").first()
    before = _stamp()
    response = rep.post(reverse("admin:parts_indexvalue_add"),
                        {"index": index.pk, "date": "2026-11-21", "value": "70.5"})
    assert response.status_code == 302
    value = IndexValue.objects.get(index=index, date=dt.date(2026, 11, 21))
    assert value.history.first().history_user == sales_rep
    assert value.history.first().history_change_reason == "index value recorded"
    assert _stamp() > before
    for bad in ("-1", "1e100000000", "0.0000001"):
        with pytest.raises(ValidationFailed):
            services.index_value_record(index=index, day=dt.date(2026, 11, 22), value=Decimal(bad))
    assert not IndexValue.objects.filter(index=index, date=dt.date(2026, 11, 22)).exists()


def test_custom_policy_edits_are_versions_with_history_stamp_and_revalidation(rep, sales_rep):
    add = rep.post(reverse("admin:configurator_custompolicy_add"), {
        "code": "no-ru", "name": "No Russian stages", "excluded_countries": ["RU"],
        "effective_from": "2026-01-01", "active": "on", "require_declared_stages": "on",
        "check_restricted_entities": "on", "check_evidence": "on"})
    assert add.status_code == 302, add.context["adminform"].form.errors
    policy = CustomPolicy.objects.get(code="no-ru")
    assert policy.version == 1 and policy.organization is None
    before = _stamp()
    edit = rep.post(reverse("admin:configurator_custompolicy_change", args=[policy.pk]), {
        "name": "No Russian or Belarusian stages", "excluded_countries": ["RU", "BY"],
        "effective_from": "2026-01-01", "active": "on"})
    assert edit.status_code == 302, edit.context["adminform"].form.errors
    policy.refresh_from_db()
    assert policy.version == 2 and policy.excluded_countries == ["RU", "BY"]
    assert policy.history.first().history_user == sales_rep
    assert _stamp() > before
    reasons = list(OutboxMessage.objects.filter(task="configurator.revalidate_policy")
                   .values_list("kwargs__reason", flat=True))
    assert any("no-ru v2" in r for r in reasons)


@pytest.mark.parametrize("typed", ["China", "Ch", "ch", "XX", "Switzerland"])
def test_a_country_is_picked_from_the_iso_table_never_cut_from_a_typed_name(typed):
    provenance = ProvenanceStageForm(data={"stage": "mining", "country": typed, "company": "x"})
    assert not provenance.is_valid() and "country" in provenance.errors
    supplier = SupplierForm(data={"code": "NEW", "name": "New", "country": typed})
    assert not supplier.is_valid() and "country" in supplier.errors


def test_country_pickers_in_the_admin(rep):
    form = ProvenanceStageForm(data={"stage": "mining", "country": "CN", "company": "x"})
    assert form.is_valid() and form.cleaned_data["country"] == "CN"
    part = Part.objects.order_by("sku").first()
    page = rep.get(reverse("admin:parts_part_change", args=[part.pk])).content.decode()
    assert '<select name="provenance-0-country"' in page and "China (CN)" in page
    assert "Switzerland (CH)" in page
    response = rep.post(reverse("admin:parts_supplier_add"),
                        {"code": "CN-NEW", "name": "New Co", "country": "China"})
    assert response.status_code == 200 and not Supplier.objects.filter(code="CN-NEW").exists()
    policy = rep.get(reverse("admin:configurator_custompolicy_add")).content.decode()
    assert '<select name="excluded_countries"' in policy and "China (CN)" in policy


def test_the_admin_shows_configurations_and_deletes_drafts_through_the_service(admin_client, buyer):
    from configurator.models import Configuration

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    url = reverse("admin:configurator_configuration_change", args=[config.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": "renamed"}).status_code == 403
    config.refresh_from_db()
    assert config.name != "renamed"
    response = admin_client.post(reverse("admin:configurator_configuration_delete", args=[config.pk]),
                                 {"post": "yes"})
    assert response.status_code == 302
    assert not Configuration.objects.filter(pk=config.pk).exists()


def test_a_policy_in_use_elsewhere_cannot_be_scoped_to_one_organization(rep, buyer, make_org):
    policy = CustomPolicy.objects.create(code="no-kp", name="No North Korea",
                                         excluded_countries=["KP"],
                                         effective_from=dt.date(2026, 1, 1))
    family_configuration(buyer.membership.organization, user=buyer, policy="no-kp")
    other = make_org("Nordwerk Automobil AG")
    url = reverse("admin:configurator_custompolicy_change", args=[policy.pk])
    body = {"name": "No North Korea", "excluded_countries": ["KP"], "effective_from": "2026-01-01",
            "active": "on", "organization": other.pk}
    response = rep.post(url, body)
    assert response.status_code == 200
    assert "other organizations use" in str(response.context["adminform"].form.errors["organization"])
    policy.refresh_from_db()
    assert policy.organization is None and policy.version == 1
    body["organization"] = buyer.membership.organization.pk  # its only user: allowed
    assert rep.post(url, body).status_code == 302
    policy.refresh_from_db()
    assert policy.organization == buyer.membership.organization and policy.version == 2
