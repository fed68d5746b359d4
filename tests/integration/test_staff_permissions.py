"""Staff permissions are an allow-list; only superusers manage users; keys are shown once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from core.models import ApiKey, Membership, User
from core.selectors import api_key_authenticate
from core.services import AUDIT_GROUP, SALES_GROUP, staff_groups_ensure

pytestmark = pytest.mark.django_db

V, E, A = {"view"}, {"view", "add", "change"}, {"view", "add", "change", "delete"}
# Reviewed by hand: a permission that appears here was given on purpose. Anything a group
# holds that is not listed fails the test below.
EXPECTED_SALES = {
    "parts.supplier": E, "parts.part": E, "parts.provenancestage": A, "parts.pricetier": A,
    "parts.partindexlink": A, "parts.index": E, "parts.indexvalue": E, "parts.exchangerate": E,
    "parts.historicalsupplier": V, "parts.historicalpart": V, "parts.historicalprovenancestage": V,
    "parts.historicalpricetier": V, "parts.historicalindexvalue": V,
    "parts.historicalexchangerate": V, "parts.catalogimportjob": V,
    "parts.capacitybooking": V,
    "configurator.kittemplate": V, "configurator.kitslot": V, "configurator.configuration": V,
    "configurator.configurationline": V, "configurator.scheduleyear": V,
    "configurator.changeimpact": V, "configurator.custompolicy": E,
    "configurator.historicalcustompolicy": V,
    "orders.quote": {"view", "change"}, "orders.historicalquote": V, "orders.quoteevent": V,
    "orders.order": {"view", "change"}, "orders.orderdelivery": V, "orders.webhookendpoint": A,
    "orders.webhookdelivery": V,
    "core.organization": E, "core.apikey": E, "core.outboxmessage": V,
    "core.commercialterms": E, "core.historicalcommercialterms": V,
    "core.termschange": {"view", "change"},
}
EXPECTED = {
    SALES_GROUP: EXPECTED_SALES,
    AUDIT_GROUP: {model: V for model in EXPECTED_SALES if model != "core.apikey"},
}
NEVER_FOR_STAFF = {"auth", "admin", "contenttypes", "sessions", "core.user", "core.membership"}


def _listed(expected: dict[str, set[str]]) -> set[str]:
    return {f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
            for model, actions in expected.items() for action in actions}


def _held(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")}


def test_every_permission_of_every_group_is_listed():
    staff_groups_ensure(strict=True)  # raises if a listed permission does not exist
    groups = list(Group.objects.all())
    assert {g.name for g in groups} == set(EXPECTED), "a group nobody listed"
    for group in groups:
        held = _held(group)
        assert held - _listed(EXPECTED[group.name]) == set(), f"unlisted in {group.name}"
        assert _listed(EXPECTED[group.name]) - held == set(), f"missing from {group.name}"
        for perm in held:
            app, codename = perm.split(".")
            model = f"{app}.{codename.split('_', 1)[1]}"
            assert app not in NEVER_FOR_STAFF and model not in NEVER_FOR_STAFF, perm


def test_migrate_leaves_the_groups_with_exactly_their_list():
    """post_migrate (re)sets the groups: a group widened by hand is narrowed again."""
    from django.core.management import call_command

    staff_groups_ensure()
    sales = Group.objects.get(name=SALES_GROUP)
    sales.permissions.add(Permission.objects.get(codename="change_user"))
    call_command("migrate", verbosity=0)
    assert _held(sales) == _listed(EXPECTED_SALES)


def test_a_sales_rep_holds_no_permission_on_users_or_auth(sales_rep):
    perms = User.objects.get(pk=sales_rep.pk).get_all_permissions()
    assert perms and all(not p.startswith(("auth.", "core.change_user", "core.add_user",
                                           "core.view_user", "core.delete_user",
                                           "core.add_membership", "core.change_membership"))
                         for p in perms)


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("admin", "admin@corekit.example", "operator-pw-2026")


@pytest.fixture
def rep(client, sales_rep):
    client.force_login(sales_rep)
    return client


def test_a_sales_rep_cannot_make_itself_superuser_through_the_admin(rep, sales_rep):
    url = reverse("admin:core_user_change", args=[sales_rep.pk])
    assert rep.get(url).status_code == 403
    response = rep.post(url, {"username": sales_rep.username, "is_active": "on", "is_staff": "on",
                              "is_superuser": "on", "date_joined_0": "2026-01-01",
                              "date_joined_1": "00:00:00", "membership-TOTAL_FORMS": "0",
                              "membership-INITIAL_FORMS": "0"})
    assert response.status_code == 403
    sales_rep.refresh_from_db()
    assert not sales_rep.is_superuser
    assert rep.get(reverse("admin:core_user_changelist")).status_code == 403
    assert rep.get(reverse("admin:auth_group_changelist")).status_code == 403
    index = rep.get(reverse("admin:index")).content.decode()
    assert reverse("admin:core_user_changelist") not in index


def test_a_sales_rep_cannot_reset_the_operators_password(rep, operator):
    url = reverse("admin:auth_user_password_change", args=[operator.pk])
    response = rep.post(url, {"password1": "taken-over-2026!", "password2": "taken-over-2026!",
                              "usable_password": "true"})
    assert response.status_code == 403
    operator.refresh_from_db()
    assert operator.check_password("operator-pw-2026")


def test_a_sales_rep_cannot_change_memberships_through_an_organization(rep, sales_rep, buyer):
    org = buyer.membership.organization
    page = rep.get(reverse("admin:core_organization_change", args=[org.pk])).content.decode()
    assert "memberships-TOTAL_FORMS" not in page


@pytest.mark.parametrize(("org_name", "kind", "role"), [
    ("Aurora Motors", "automaker", "buyer"),       # a customer's key: act as the buyer
    ("Aurora Motors", "automaker", "partner"),
    ("corekit", "internal", "sales_rep"),          # a staff key
    ("Voltline Integrations", "partner", "sales_rep"),
])
def test_a_sales_rep_cannot_issue_keys_for_customers_or_staff(rep, make_org, org_name, kind, role):
    org = make_org(org_name, kind)
    response = rep.post(reverse("admin:core_apikey_add"),
                        {"organization": org.pk, "name": "mine", "role": role})
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_a_sales_rep_cannot_make_a_customer_a_partner_to_issue_it_a_key(rep, make_org):
    """Keys go to partner organizations only; a customer made a partner for a moment would
    get a key that acts as that customer once its kind is set back."""
    from core.models import Organization

    aurora = make_org("Aurora Motors", "automaker")
    response = rep.post(reverse("admin:core_organization_change", args=[aurora.pk]),
                        {"name": aurora.name, "slug": aurora.slug, "kind": "partner", "country": ""})
    assert response.status_code == 302  # saved, without the kind
    aurora.refresh_from_db()
    assert aurora.kind == Organization.Kind.AUTOMAKER
    rep.post(reverse("admin:core_apikey_add"), {"organization": aurora.pk, "name": "k", "role": "partner"})
    assert not ApiKey.objects.exists()
    # A new organization still gets its kind from the rep.
    rep.post(reverse("admin:core_organization_add"),
             {"name": "Voltline Integrations", "slug": "voltline", "kind": "partner", "country": ""})
    assert Organization.objects.get(slug="voltline").kind == Organization.Kind.PARTNER


def test_the_operator_may_issue_a_customer_key(client, operator, make_org):
    client.force_login(operator)
    org = make_org("Aurora Motors", "automaker")
    response = client.post(reverse("admin:core_apikey_add"),
                           {"organization": org.pk, "name": "erp", "role": "buyer"})
    assert response.status_code == 200 and ApiKey.objects.get().role == "buyer"


def test_a_new_key_is_shown_once_on_a_page_and_never_in_a_cookie(rep, sales_rep, make_org):
    org = make_org("Voltline Integrations", "partner")
    response = rep.post(reverse("admin:core_apikey_add"),
                        {"organization": org.pk, "name": "erp link", "role": "partner"})
    assert response.status_code == 200
    raw_key = response.context["raw_key"]
    key = ApiKey.objects.get()
    assert api_key_authenticate(raw_key) == key and key.created_by == sales_rep
    assert raw_key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Not in any cookie (the messages cookie included), not on the next page, not stored.
    assert all(raw_key not in morsel.value for morsel in response.cookies.values())
    assert all(raw_key not in value for value in rep.cookies.values())
    following = rep.get(reverse("admin:core_apikey_changelist"))
    assert raw_key not in following.content.decode()
    assert raw_key not in rep.get(reverse("admin:core_apikey_change", args=[key.pk])).content.decode()


def test_a_sales_rep_cannot_turn_a_partner_key_into_a_customer_or_staff_key(rep, make_org):
    from core.services import api_key_create

    voltline, aurora = make_org("Voltline Integrations", "partner"), make_org("Aurora Motors")
    issued = api_key_create(organization=voltline, name="k")
    rep.post(reverse("admin:core_apikey_change", args=[issued.api_key.pk]),
             {"organization": aurora.pk, "name": "k2", "role": "sales_rep", "revoked_at_0": "",
              "revoked_at_1": ""})
    key = ApiKey.objects.get()
    assert (key.organization, key.role) == (voltline, Membership.Role.PARTNER)


def test_staff_keys_are_invisible_to_sales_reps(rep, make_org):
    from core.services import api_key_create

    staff = api_key_create(organization=make_org("corekit", "internal"), name="ops", role="sales_rep")
    partner = api_key_create(organization=make_org("Voltline Integrations", "partner"), name="p")
    listing = rep.get(reverse("admin:core_apikey_changelist")).content.decode()
    assert partner.api_key.prefix in listing and staff.api_key.prefix not in listing
    assert rep.get(reverse("admin:core_apikey_change", args=[staff.api_key.pk])).status_code == 302
