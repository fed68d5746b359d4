"""Custom sourcing policies keep their versions, and a retired one stays with its kits.

Found by attacking them: a custom policy had one version, so an edit dated next year lifted
today's rules at once (nothing in force until then: the kits it judged invalid turned
valid); an edit dated before a version still to come left that version to take over later;
a policy whose earlier version took effect on a day was not re-checked that day. A policy a
sales rep retired refused every quote, re-quote and acceptance of the kits still judged by
it ("unknown sourcing policy"), and the builder's picker showed such a kit under another
policy.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from configurator import services as config_services
from configurator.models import CustomPolicy, CustomPolicyVersion
from configurator.selectors import configuration_get, custom_policy_snapshot, sourcing_policy_get
from core import clock
from core.errors import ValidationFailed
from orders.models import Order
from tests.factories import accept, family_configuration, load_demo_catalog, priced_quote

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)
NEXT_YEAR = dt.date(2027, 1, 1)


@pytest.fixture(autouse=True)
def _catalog(settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    with clock.frozen(TODAY):
        yield


def _policy(organization, countries=("KR",), **fields) -> CustomPolicy:
    return CustomPolicy.objects.create(
        code="house", name="House rules", organization=organization, excluded_countries=list(countries),
        effective_from=dt.date(2020, 1, 1), **fields)


def _edit(policy: CustomPolicy, user=None, **changes) -> CustomPolicy:
    policy = CustomPolicy.objects.get(pk=policy.pk)
    for field, value in changes.items():
        setattr(policy, field, value)
    return config_services.custom_policy_save(policy=policy, user=user)


def _codes(configuration) -> set[str]:
    return {v["code"] for v in configuration.validation["violations"]}


def test_an_edit_dated_next_year_keeps_todays_rules_in_force_until_then(make_org):
    organization = make_org()
    policy = _policy(organization)  # the demo magnets are made in Korea
    kit = family_configuration(organization, policy="house", schedule=[])  # judged by today's rules
    assert kit.is_valid is False and "ORIGIN_EXCLUDED" in _codes(kit)

    _edit(policy, excluded_countries=["RU"], effective_from=NEXT_YEAR)
    config_services.configurations_revalidate_for_policy(policy_code="house", reason="edited")

    kept = configuration_get(organization=organization, pk=kit.pk)
    assert kept.is_valid is False and "ORIGIN_EXCLUDED" in _codes(kept)  # Korea still excluded today
    judged = custom_policy_snapshot(CustomPolicy.objects.get(pk=policy.pk))
    assert judged.version_in_force(TODAY).params["excluded_countries"] == {"KR"}
    assert judged.version_in_force(NEXT_YEAR).params["excluded_countries"] == {"RU"}
    with clock.frozen(NEXT_YEAR):
        config_services.configurations_revalidate_for_policy(policy_code="house", reason="in force")
    assert configuration_get(organization=organization, pk=kit.pk).is_valid is True


def test_a_program_is_judged_per_year_by_the_version_in_force_that_year(make_org, client, buyer):
    organization = buyer.membership.organization
    policy = _policy(organization)  # Korea excluded until the edit takes effect in 2029
    _edit(policy, excluded_countries=["RU"], effective_from=dt.date(2029, 1, 1))
    kit = family_configuration(organization, policy="house",
                               schedule=[(2027, 1000), (2028, 1000), (2029, 1000), (2030, 1000)])
    excluded = [v for v in kit.validation["violations"] if v["code"] == "ORIGIN_EXCLUDED"]
    assert excluded and all("2027" in v["message"] and "2028" in v["message"] for v in excluded)
    assert not any("2029" in v["message"] or "2030" in v["message"] for v in excluded)


def test_an_edit_dated_before_a_version_still_to_come_withdraws_it(make_org, client, buyer):
    organization = buyer.membership.organization
    policy = _policy(organization)  # c1: Korea, since 2020
    _edit(policy, excluded_countries=["RU"], effective_from=dt.date(2027, 6, 1))  # c2
    _edit(policy, excluded_countries=["CN"], effective_from=dt.date(2027, 1, 1))  # c3 withdraws c2
    judged = custom_policy_snapshot(CustomPolicy.objects.get(pk=policy.pk))
    assert [v.version for v in judged.versions] == ["c1", "c3"]
    assert judged.version_in_force(TODAY).params["excluded_countries"] == {"KR"}
    assert judged.version_in_force(dt.date(2028, 1, 1)).params["excluded_countries"] == {"CN"}

    client.force_login(buyer)
    listed = {p["code"]: p for p in client.get("/api/v1/sourcing-policies/").json()}
    assert [(v["version"], v["effective_from"]) for v in listed["house"]["versions"]] == [
        ("c1", "2020-01-01"), ("c3", "2027-01-01")]


def test_an_edit_that_changes_no_rule_keeps_no_earlier_version(make_org):
    policy = _policy(make_org())
    _edit(policy, name="House rules (2026)", source="supply agreement §4")
    assert not CustomPolicyVersion.objects.exists()
    judged = custom_policy_snapshot(CustomPolicy.objects.get(pk=policy.pk))
    assert [v.version for v in judged.versions] == ["c1"]  # the same rules keep their label


def test_a_policy_whose_earlier_version_takes_effect_today_is_re_checked_today(make_org):
    organization = make_org()
    policy = CustomPolicy.objects.create(code="house", name="House rules", organization=organization,
                                         excluded_countries=["KR"], effective_from=NEXT_YEAR)
    _edit(policy, excluded_countries=["RU"], effective_from=dt.date(2028, 1, 1))
    assert "house" in config_services.policies_taking_effect(NEXT_YEAR)  # the earlier version's day
    assert config_services.policies_taking_effect(dt.date(2028, 1, 1)) == ["house"]
    assert "house" not in config_services.policies_taking_effect(dt.date(2027, 6, 1))


def test_the_admin_keeps_each_edit_and_shows_which_version_is_in_force(client, sales_rep, make_org):
    policy = _policy(make_org(), check_evidence=False)
    client.force_login(sales_rep)
    page = reverse("admin:configurator_custompolicy_change", args=[policy.pk])
    form = {"name": policy.name, "description": "", "source": "", "excluded_countries": ["RU"],
            "require_declared_stages": "on", "check_restricted_entities": "on",
            "effective_from": "2027-01-01", "active": "on", "organization": policy.organization_id}
    response = client.post(page, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    kept = CustomPolicyVersion.objects.get(policy=policy)
    assert (kept.version, kept.excluded_countries, kept.saved_by) == (1, ["KR"], sales_rep)
    shown = client.get(page).content.decode()
    assert "in force until 2027-01-01" in shown and "takes effect on 2027-01-01" in shown
    assert "excludes KR at every stage" in shown and "excludes RU at every stage" in shown


# --- a retired policy stays with the kits that chose it --------------------------------------


def test_a_kit_under_a_retired_policy_is_still_changed_quoted_and_ordered(make_org):
    organization = make_org()
    policy = _policy(organization, countries=("RU",))
    kit = family_configuration(organization, policy="house")
    assert kit.is_valid
    _edit(policy, active=False)

    with pytest.raises(ValidationFailed) as refused:  # no new kit may choose it
        family_configuration(organization, policy="house")
    assert "sourcing_policy" in refused.value.fields
    renamed = config_services.configuration_update(configuration=kit, changes={"name": "Program B"})
    assert renamed.name == "Program B" and renamed.sourcing_policy == "house"
    quote = priced_quote(renamed)
    order, _ = accept(quote)
    assert Order.objects.filter(pk=order.pk, quote=quote).exists()
    assert sourcing_policy_get("house", organization) is None  # still retired for choosing


def test_the_builder_shows_a_kit_under_its_retired_policy(client, buyer):
    organization = buyer.membership.organization
    policy = _policy(organization, countries=("RU",))
    kit = family_configuration(organization, policy="house")
    _edit(policy, active=False)
    client.force_login(buyer)
    page = client.get(reverse("configuration-builder", args=[kit.pk])).content.decode()
    assert '<option value="house" selected>House rules (house, retired: kept by this kit)</option>' in page


def test_the_quote_document_states_the_rules_of_each_years_version(make_org, monkeypatch, settings):
    """It printed the newest edit's description as the policy's rule, though no delivery year
    of the quote was judged by it."""
    from orders import services

    rendered = []
    monkeypatch.setattr(services, "render_quote_pdf", lambda context: rendered.append(context) or b"%PDF")
    settings.COREKIT_QUOTE_RENDER_PDF = True
    organization = make_org()
    policy = _policy(organization, countries=("RU",), description="Our supply agreement, annex 4")
    _edit(policy, excluded_countries=["RU", "BY"], effective_from=dt.date(2029, 1, 1))
    kit = family_configuration(organization, policy="house", schedule=[(2028, 1000), (2029, 1000)])
    priced_quote(kit)
    compliance = rendered[-1]["compliance"]
    years = {y["year"]: y for y in compliance["per_year"]}
    assert years[2028]["version"] == "c1" and years[2028]["rule"].startswith("excludes RU at every stage")
    assert years[2029]["version"] == "c2" and years[2029]["rule"].startswith("excludes RU, BY at every stage")
    assert compliance["policy"]["description"] == "Our supply agreement, annex 4"


def test_a_version_replaced_by_a_backdated_edit_is_shown_as_in_force_until_then(client, sales_rep, make_org):
    """The admin called a version that had judged kits for six years "withdrawn before it
    took effect" once an edit was dated before it."""
    policy = _policy(make_org())  # c1 from 2020
    _edit(policy, excluded_countries=["RU"], effective_from=dt.date(2019, 1, 1))  # c2, backdated
    _edit(policy, excluded_countries=["CN"], effective_from=dt.date(2030, 1, 1))  # c3, to come
    _edit(policy, excluded_countries=["BY"], effective_from=dt.date(2029, 1, 1))  # c4 withdraws c3
    client.force_login(sales_rep)
    shown = client.get(reverse("admin:configurator_custompolicy_change", args=[policy.pk])).content.decode()
    replaced = f"was in force from 2020-01-01 until replaced on {TODAY.isoformat()} by v2, dated 2019-01-01"
    assert replaced in shown
    assert "in force until 2029-01-01" in shown  # c2
    assert "withdrawn before it took effect" in shown  # c3
    assert "takes effect on 2029-01-01" in shown  # c4
