import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.models import ApiKey, Organization
from core.selectors import api_key_authenticate, principal_for_user
from core.services import api_key_create, hash_api_key

pytestmark = pytest.mark.django_db


def test_keys_are_stored_hashed_and_authenticate_their_organization(partner_key):
    stored = ApiKey.objects.get()
    assert stored.hashed_key == hash_api_key(partner_key.raw_key)
    assert partner_key.raw_key not in {stored.hashed_key, stored.prefix, stored.name}
    assert api_key_authenticate(partner_key.raw_key).organization.name == "Voltline Integrations"
    assert api_key_authenticate(partner_key.raw_key + "x") is None


def test_organization_scoping_is_one_queryset_method(make_org):
    aurora, nordwerk = make_org("Aurora Motors"), make_org("Nordwerk Automobil AG")
    api_key_create(organization=aurora, name="a")
    api_key_create(organization=nordwerk, name="n")
    assert [k.name for k in ApiKey.objects.for_organization(aurora)] == ["a"]
    assert list(ApiKey.objects.for_organization(None)) == []


def test_principal_comes_from_the_membership(buyer, sales_rep):
    assert principal_for_user(buyer).role == "buyer"
    rep = principal_for_user(sales_rep)
    assert rep.is_sales_rep and rep.organization.kind == Organization.Kind.INTERNAL
    assert sales_rep.is_staff


def test_create_api_key_command_prints_a_working_key(capsys):
    call_command("create_api_key", "--org", "Gamma Drives", "--create-org")
    raw = capsys.readouterr().out.strip()
    assert api_key_authenticate(raw).organization.kind == Organization.Kind.PARTNER


def test_create_api_key_command_refuses_an_unknown_org_without_create():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no organization named"):
        call_command("create_api_key", "--org", "Nobody")


def test_seed_demo_is_idempotent_and_prints_logins(capsys):
    from parts.models import Part

    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "aurora.buyer / corekit-demo-2026" in first and "Partner API key" in first
    parts, orgs = Part.objects.count(), Organization.objects.count()
    assert parts >= 150 and orgs == 4
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert "0 new, 0 updated" in second
    assert (Part.objects.count(), Organization.objects.count()) == (parts, orgs)
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("moq", 0), ("currency", "JPY"), ("category", "flux")],
)
def test_database_constraints_guard_parts(loaded_catalog, field, value):
    from parts.models import Part

    with pytest.raises(IntegrityError), transaction.atomic():
        Part.objects.filter(sku="SH-PRESS-45").update(**{field: value})


def test_sku_is_unique_in_the_database(loaded_catalog):
    from parts.models import Part

    part = Part.objects.get(sku="SH-PRESS-45")
    part.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        part.save()


def test_exchange_rate_must_be_positive_and_between_two_currencies(loaded_catalog):
    from parts.models import ExchangeRate

    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeRate.objects.create(date="2026-11-02", from_currency="USD", to_currency="USD", rate=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeRate.objects.create(date="2026-11-02", from_currency="USD", to_currency="EUR", rate=0)
