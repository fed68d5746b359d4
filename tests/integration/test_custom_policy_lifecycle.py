"""A sales rep's custom sourcing policy over its life: retired, edited, deleted, named.

Found by attacking it: a retired policy left the kits that chose it judged by no rules
(`none`, shown valid); a quote's document issued again after an edit listed the evidence
the edited policy relies on, not the one it was priced under; a rep could add "UFLPA"
beside the built-in "uflpa".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from configurator import services as config_services
from configurator.models import CustomPolicy
from configurator.selectors import configuration_get, sourcing_policy_codes
from core import clock
from orders import services
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalog(settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    with clock.frozen(dt.date(2026, 11, 26)):
        yield


def _no_korea(organization=None) -> CustomPolicy:
    return CustomPolicy.objects.create(code="no-kr", name="No Korea", organization=organization,
                                       excluded_countries=["KR"], effective_from=dt.date(2020, 1, 1))


def test_a_retired_policy_goes_on_judging_the_kits_that_chose_it(make_org):
    organization = make_org()
    policy = _no_korea(organization)
    config = family_configuration(organization, policy="no-kr")
    assert config.is_valid is False
    policy.active = False
    config_services.custom_policy_save(policy=policy)
    config_services.configurations_revalidate_for_policy(policy_code="no-kr", reason="retired")
    kept = configuration_get(organization=organization, pk=config.pk)
    assert kept.is_valid is False
    assert "ORIGIN_EXCLUDED" in {v["code"] for v in kept.validation["violations"]}
    assert "no-kr" not in sourcing_policy_codes(organization)  # no longer to be chosen


def test_a_policy_kits_name_cannot_be_deleted_only_retired(admin_client, buyer):
    policy = _no_korea()
    page = reverse("admin:configurator_custompolicy_delete", args=[policy.pk])
    assert admin_client.get(page).status_code == 200  # nothing names it yet
    family_configuration(buyer.membership.organization, policy="no-kr")
    refused = admin_client.post(page, {"post": "yes"})
    assert refused.status_code == 403 and CustomPolicy.objects.filter(pk=policy.pk).exists()
    listing = admin_client.get(reverse("admin:configurator_custompolicy_changelist")).content.decode()
    assert "delete_selected" not in listing


@pytest.mark.parametrize("code", ["UFLPA", "China-Excluded", "NO-KR"])
def test_a_code_differing_only_in_case_from_another_policy_is_refused(client, sales_rep, code):
    _no_korea()
    client.force_login(sales_rep)
    response = client.post(reverse("admin:configurator_custompolicy_add"), {
        "code": code, "name": "x", "excluded_countries": ["RU"], "effective_from": "2026-01-01",
        "active": "on"})
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    assert CustomPolicy.objects.count() == 1


def test_a_document_issued_again_lists_the_policy_as_it_was_priced(make_org, sales_rep, monkeypatch):
    rendered = []
    monkeypatch.setattr(services, "render_quote_pdf", lambda context: rendered.append(context) or b"%PDF")
    organization = make_org()
    policy = CustomPolicy.objects.create(
        code="no-ru", name="No Russia", organization=organization, excluded_countries=["RU"],
        require_declared_stages=False, check_restricted_entities=False, check_evidence=True,
        effective_from=dt.date(2020, 1, 1))
    config = family_configuration(organization, policy="no-ru")
    quote, _ = services.quote_request(organization=organization, request=services.QuoteRequest(
        configuration_id=config.pk, annual_price_down_pct=Decimal("3")))  # needs approval
    from django.test import override_settings

    with override_settings(COREKIT_QUOTE_RENDER_PDF=True):
        quote = services.quote_generate(quote_id=quote.pk)
        priced = rendered[-1]
        assert priced["compliance"]["undocumented"]  # stages it relies on, without evidence
        policy.check_evidence, policy.name = False, "No Russia (relaxed)"
        config_services.custom_policy_save(policy=policy)
        services.quote_approve(quote=quote, user=sales_rep)
        services.quote_document_render(quote_id=quote.pk)
    again = rendered[-1]
    assert again["compliance"]["undocumented"] == priced["compliance"]["undocumented"]
    assert again["quote"]["sourcing_policy"] == priced["quote"]["sourcing_policy"]
    assert again["quote"]["sourcing_policy"]["name"] == "No Russia"


def test_a_custom_policy_taking_effect_later_re_checks_its_kits_that_day(make_org):
    from configurator import tasks

    organization = make_org()
    CustomPolicy.objects.create(code="no-kr-27", name="No Korea from 2027", organization=organization,
                                excluded_countries=["KR"], effective_from=dt.date(2027, 1, 1))
    with clock.frozen(dt.date(2026, 12, 31)):
        config = family_configuration(organization, policy="no-kr-27", schedule=[])
    assert config.is_valid  # no rules in force yet
    with clock.frozen(dt.date(2027, 1, 1)):
        tasks.revalidate_policy_changes()
    kept = configuration_get(organization=organization, pk=config.pk)
    assert kept.is_valid is False
    assert "ORIGIN_EXCLUDED" in {v["code"] for v in kept.validation["violations"]}
