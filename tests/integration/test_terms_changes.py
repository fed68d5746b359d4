"""Four eyes on a customer's approval limits: a sales rep's raise waits for another rep.

Found by attacking the four-eyes rule on quotes: a rep raised a customer's agreed annual
price-down from 0 to 10 % in the admin, alone, and from then on the buyer's own quotes at
10 % went out with no approval at all — a concession nobody else saw. Now a raise of the
agreed price-down or of the manual-discount threshold is a proposal (TermsChange) until a
second sales rep approves it; lowering either applies at once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core import services as core_services
from core.errors import Conflict
from core.models import CommercialTerms, TermsChange
from orders import services
from orders.models import Quote

pytestmark = pytest.mark.django_db

FORM = {"legal_name": "Aurora Motors, Inc.", "address": "1200 Innovation Drive", "default_currency": "KRW",
        "agreed_price_down_pct": "0", "discount_approval_threshold_pct": "5", "incoterms": "FCA",
        "incoterms_place": "", "payment_terms_days": "60"}


def _seen(terms: CommercialTerms) -> str:
    """The approval limits as a change page opened now shows them (its hidden field)."""
    return f"{terms.agreed_price_down_pct} {terms.discount_approval_threshold_pct}"


def _post_terms(client, organization, **changes):
    """The terms page, opened now and saved with `changes`."""
    terms = CommercialTerms.objects.filter(organization=organization).first()
    url = (reverse("admin:core_commercialterms_change", args=[terms.pk]) if terms
           else reverse("admin:core_commercialterms_add"))
    form = {**FORM, "organization": organization.pk, "limits_seen": _seen(terms) if terms else ""}
    if terms:
        form |= {"agreed_price_down_pct": str(terms.agreed_price_down_pct),
                 "discount_approval_threshold_pct": str(terms.discount_approval_threshold_pct)}
    response = client.post(url, {**form, **changes}, follow=True)
    assert response.status_code == 200
    return response


def _buyer_asks_price_down(quote, buyer, pct: str) -> Quote:
    asked, _ = services.quote_request(
        organization=quote.organization, user=buyer, request=services.QuoteRequest(
            configuration_id=quote.configuration_id, currency="KRW", annual_price_down_pct=Decimal(pct)))
    return services.quote_generate(quote_id=asked.pk)


def _admin_action(client, action: str, change: TermsChange):
    return client.post(reverse("admin:core_termschange_changelist"),
                       {"action": action, "_selected_action": [change.pk]}, follow=True)


def test_a_reps_raise_of_the_agreed_price_down_waits_for_another_rep(desk, buyer, sales_rep, second_rep,
                                                                      client):
    rep_client, quote = desk
    organization = buyer.membership.organization
    response = _post_terms(rep_client, organization, agreed_price_down_pct="10", payment_terms_days="45")
    assert "needs another sales rep&#x27;s approval" in response.content.decode()
    terms = CommercialTerms.objects.get(organization=organization)
    assert terms.agreed_price_down_pct == Decimal("0.00") and terms.payment_terms_days == 45  # the rest saved
    change = TermsChange.objects.get(organization=organization, status=TermsChange.Status.PENDING)
    assert change.proposed() == {"agreed_price_down_pct": Decimal("10.00")}
    assert change.proposed_by == sales_rep
    assert _buyer_asks_price_down(quote, buyer, "10").approval_required  # not in force

    # The proposer cannot approve it, in the admin or otherwise.
    response = _admin_action(rep_client, "approve", change)
    assert "it applies once another sales rep approves it" in response.content.decode()
    with pytest.raises(Conflict) as refused:
        core_services.terms_change_approve(change=change, user=sales_rep)
    assert refused.value.code == "approval_needs_another_rep"
    change.refresh_from_db()
    assert change.status == TermsChange.Status.PENDING

    client.force_login(second_rep)
    _admin_action(client, "approve", change)
    change.refresh_from_db()
    terms.refresh_from_db()
    assert (change.status, change.decided_by) == (TermsChange.Status.APPROVED, second_rep)
    assert terms.agreed_price_down_pct == Decimal("10.00")
    applied = terms.history.first()
    assert (applied.history_user, applied.history_change_reason) == (sales_rep, "approved by sales.lead")
    assert not _buyer_asks_price_down(quote, buyer, "10").approval_required
    with pytest.raises(Conflict) as again:
        core_services.terms_change_approve(change=change, user=second_rep)
    assert again.value.code == "terms_change_decided"


def test_new_terms_above_the_defaults_wait_too(client, sales_rep, buyer):
    """Adding the terms is no way around it (nor deleting and adding them again)."""
    client.force_login(sales_rep)
    _post_terms(client, buyer.membership.organization, discount_approval_threshold_pct="60")
    terms = CommercialTerms.objects.get(organization=buyer.membership.organization)
    assert terms.discount_approval_threshold_pct == Decimal("5.00")
    assert TermsChange.objects.get().proposed() == {"discount_approval_threshold_pct": Decimal("60.00")}


def test_lowering_a_limit_applies_at_once(client, sales_rep, buyer):
    organization = buyer.membership.organization
    core_services.commercial_terms_ensure(organization=organization, agreed_price_down_pct=Decimal("3"))
    client.force_login(sales_rep)
    _post_terms(client, organization, agreed_price_down_pct="1", discount_approval_threshold_pct="2")
    terms = CommercialTerms.objects.get(organization=organization)
    assert (terms.agreed_price_down_pct, terms.discount_approval_threshold_pct) == (Decimal("1.00"),
                                                                                     Decimal("2.00"))
    assert not TermsChange.objects.exists()


def test_a_rejected_or_withdrawn_raise_changes_nothing(client, sales_rep, second_rep, buyer):
    organization = buyer.membership.organization
    client.force_login(sales_rep)
    _post_terms(client, organization, agreed_price_down_pct="4")
    first = TermsChange.objects.get()
    _post_terms(client, organization, agreed_price_down_pct="6")  # a new proposal replaces it
    first.refresh_from_db()
    second = TermsChange.objects.get(status=TermsChange.Status.PENDING)
    assert first.status == TermsChange.Status.SUPERSEDED and second.proposed()["agreed_price_down_pct"] == 6
    rejected = core_services.terms_change_reject(change=second, user=second_rep)
    assert rejected.status == TermsChange.Status.REJECTED
    _post_terms(client, organization, agreed_price_down_pct="5")
    third = TermsChange.objects.get(status=TermsChange.Status.PENDING)
    withdrawn = core_services.terms_change_reject(change=third, user=sales_rep)
    assert withdrawn.status == TermsChange.Status.WITHDRAWN
    assert CommercialTerms.objects.get(organization=organization).agreed_price_down_pct == 0


def test_the_changes_are_kept_not_added_or_deleted_in_the_admin(client, sales_rep, buyer):
    client.force_login(sales_rep)
    _post_terms(client, buyer.membership.organization, agreed_price_down_pct="4")
    change = TermsChange.objects.get()
    assert client.get(reverse("admin:core_termschange_add")).status_code == 403
    assert client.post(reverse("admin:core_termschange_delete", args=[change.pk]),
                       {"post": "yes"}).status_code == 403
    page = client.get(reverse("admin:core_commercialterms_change",
                              args=[CommercialTerms.objects.get().pk])).content.decode()
    assert "agreed annual price-down to 4.00 %" in page and "proposed by sales" in page
    assert TermsChange.objects.filter(pk=change.pk).exists()


def test_an_agreement_cannot_be_moved_to_another_organization(client, sales_rep, buyer, make_org):
    """Moving a customer's approved terms to another organization gave that one its limits."""
    organization = buyer.membership.organization
    terms = core_services.commercial_terms_ensure(organization=organization,
                                                  discount_approval_threshold_pct=Decimal("60"))
    other = make_org("Other Motors", "automaker")
    client.force_login(sales_rep)
    client.post(reverse("admin:core_commercialterms_change", args=[terms.pk]),
                {**FORM, "organization": other.pk, "discount_approval_threshold_pct": "60",
                 "limits_seen": _seen(terms)})
    assert CommercialTerms.objects.get(pk=terms.pk).organization == organization
    assert not CommercialTerms.objects.filter(organization=other).exists()


def test_a_page_opened_before_an_approved_raise_does_not_lower_it_back(client, sales_rep, second_rep, buyer):
    """Review: lowering applies at once, so a page opened before the approval and saved
    afterwards for another field put the old limit back, with "changed successfully"."""
    organization = buyer.membership.organization
    terms = core_services.commercial_terms_ensure(organization=organization)
    client.force_login(sales_rep)
    page = client.get(reverse("admin:core_commercialterms_change", args=[terms.pk])).content.decode()
    assert f'name="limits_seen" value="{_seen(terms)}"' in page
    stale = {**FORM, "organization": organization.pk, "limits_seen": _seen(terms), "payment_terms_days": "30"}
    _post_terms(client, organization, discount_approval_threshold_pct="60")
    core_services.terms_change_approve(change=TermsChange.objects.get(), user=second_rep)
    response = client.post(reverse("admin:core_commercialterms_change", args=[terms.pk]), stale)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "changed to 60.00 % since this page was opened" in errors["discount_approval_threshold_pct"][0]
    terms.refresh_from_db()
    assert (terms.discount_approval_threshold_pct, terms.payment_terms_days) == (Decimal("60.00"), 60)


def test_moving_a_limit_supersedes_a_pending_raise_of_it(client, sales_rep, second_rep, make_user, buyer):
    """Review: a raise proposed before another rep lowered the limit stayed pending, and its
    approval then undid the lowering."""
    organization = buyer.membership.organization
    client.force_login(sales_rep)
    _post_terms(client, organization, discount_approval_threshold_pct="10")
    raise_ = TermsChange.objects.get()
    third_rep = make_user("sales.third", org=sales_rep.membership.organization, role="sales_rep")
    client.force_login(third_rep)
    response = _post_terms(client, organization, discount_approval_threshold_pct="1")
    assert "is superseded by this change" in response.content.decode()
    raise_.refresh_from_db()
    assert (raise_.status, raise_.decided_by) == (TermsChange.Status.SUPERSEDED, third_rep)
    with pytest.raises(Conflict):
        core_services.terms_change_approve(change=raise_, user=second_rep)
    assert CommercialTerms.objects.get().discount_approval_threshold_pct == Decimal("1.00")


def test_the_operator_can_still_delete_an_organization_with_terms_changes(client, sales_rep, buyer,
                                                                          admin_user):
    organization = buyer.membership.organization
    client.force_login(sales_rep)
    _post_terms(client, organization, agreed_price_down_pct="4")
    client.force_login(admin_user)
    url = reverse("admin:core_organization_delete", args=[organization.pk])
    assert "Are you sure" in client.get(url).content.decode()
