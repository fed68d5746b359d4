"""Commercial terms kept by sales reps in the admin, and the admin's side of approvals: a
recorded discount changes only by re-pricing, approvals record who and when, and a quote
awaiting approval is issued as a watermarked draft."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import CommercialTerms, Organization, OutboxMessage
from orders import notifications, services
from orders.models import Quote
from tests.integration.quote_desk import desk_action

pytestmark = pytest.mark.django_db


def _terms_form(organization, **overrides) -> dict:
    return {"organization": organization.pk, "legal_name": "Aurora Motors, Inc.",
            "address": "1200 Innovation Drive\nFremont, CA 94538", "default_currency": "USD",
            "agreed_price_down_pct": "2", "discount_approval_threshold_pct": "5",
            "incoterms": "FCA", "incoterms_place": "Busan port", "payment_terms_days": "60",
            **overrides}


def test_a_sales_rep_records_an_organizations_terms_with_history(client, sales_rep, buyer):
    client.force_login(sales_rep)
    org = buyer.membership.organization
    url = reverse("admin:core_commercialterms_add")
    response = client.post(url, _terms_form(org))
    assert response.status_code == 302, response.context["adminform"].form.errors
    terms = CommercialTerms.objects.get(organization=org)
    # The raise of the agreed price-down (from the default 0) waits for a second rep
    # (tests/integration/test_terms_changes.py); the rest is saved.
    assert terms.default_currency == "USD" and terms.agreed_price_down_pct == Decimal("0.00")
    assert org.terms_changes.get().proposed() == {"agreed_price_down_pct": Decimal("2.00")}
    change = reverse("admin:core_commercialterms_change", args=[terms.pk])
    client.post(change, _terms_form(org, payment_terms_days="45", agreed_price_down_pct="0",
                                    limits_seen="0.00 5.00"))
    terms.refresh_from_db()
    assert terms.payment_terms == "45 days net"
    assert [h.history_user for h in terms.history.all()] == [sales_rep, sales_rep]
    history = client.get(reverse("admin:core_commercialterms_history", args=[terms.pk]))
    assert history.status_code == 200


@pytest.mark.parametrize(("field", "value"), [("agreed_price_down_pct", "11"),
                                              ("agreed_price_down_pct", "-1"),
                                              ("payment_terms_days", "400"),
                                              ("incoterms", "XYZ")])
def test_terms_out_of_range_are_form_errors(client, sales_rep, buyer, field, value):
    client.force_login(sales_rep)
    org = buyer.membership.organization
    response = client.post(reverse("admin:core_commercialterms_add"), _terms_form(org, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not CommercialTerms.objects.exists()


def test_organizations_without_terms_get_the_defaults(buyer):
    from core.selectors import commercial_terms_get, commercial_terms_snapshot

    terms = commercial_terms_snapshot(commercial_terms_get(organization=buyer.membership.organization))
    assert terms["agreed_price_down_pct"] == "0.00"
    assert terms["discount_approval_threshold_pct"] == "5.00"
    assert (terms["incoterms"], terms["payment_terms"]) == ("FCA", "60 days net")
    assert terms["legal_name"] == buyer.membership.organization.name


def test_the_default_threshold_follows_the_deployment_setting(buyer, settings):
    settings.COREKIT_DISCOUNT_APPROVAL_THRESHOLD_PCT = Decimal("7")
    from core.selectors import commercial_terms_get

    terms = commercial_terms_get(organization=buyer.membership.organization)
    assert terms.discount_approval_threshold_pct == Decimal("7.00")


def test_the_demo_seed_gives_aurora_usd_and_nordwerk_eur(db):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    aurora = CommercialTerms.objects.get(organization__name="Aurora Motors")
    nordwerk = CommercialTerms.objects.get(organization__name="Nordwerk Automobil AG")
    assert (aurora.default_currency, nordwerk.default_currency) == ("USD", "EUR")
    assert aurora.agreed_price_down_pct == 0 and aurora.discount_approval_threshold_pct == 5
    assert aurora.incoterms == "FCA" and aurora.payment_terms_days == 60
    # Idempotent, and a sales rep's later edits are kept.
    CommercialTerms.objects.filter(pk=aurora.pk).update(payment_terms_days=30)
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    assert CommercialTerms.objects.get(pk=aurora.pk).payment_terms_days == 30
    assert CommercialTerms.objects.filter(organization__in=Organization.objects.all()).count() == 2


def test_the_quote_form_in_the_admin_cannot_change_a_recorded_discount(desk):
    client, quote = desk
    url = reverse("admin:orders_quote_change", args=[quote.pk])
    page = client.get(url).content.decode()
    assert 'name="manual_discount_pct"' not in page
    assert 'name="annual_price_down_pct"' not in page
    client.post(url, {"manual_discount_pct": "30", "annual_price_down_pct": "9",
                      "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"})
    quote.refresh_from_db()
    assert quote.manual_discount_pct == 0 and quote.annual_price_down_pct == 0
    assert not quote.approval_required


def test_repricing_in_the_admin_goes_through_approval(desk, sales_rep, second_rep, mailoutbox):
    client, quote = desk
    refused = desk_action(client, "requote", [quote], manual_discount_pct="0",
                      annual_price_down_pct="11", apply="1")
    assert "Annual price-down" in refused.content.decode()
    assert not Quote.objects.filter(version=2).exists()
    desk_action(client, "requote", [quote], manual_discount_pct="0", annual_price_down_pct="4",
            apply="1")
    v2 = services.quote_generate(quote_id=Quote.objects.get(number=quote.number, version=2).pk)
    assert v2.annual_price_down_pct == Decimal("4.00") and v2.approval_required
    assert "annual price-down 4.00 %" in v2.approval_reason
    assert v2.price_down_set_by == sales_rep
    refused = desk_action(client, "approve", [v2]).content.decode()  # four eyes
    assert "another sales rep approves them" in refused
    v2.refresh_from_db()
    assert v2.approved_at is None
    client.force_login(second_rep)
    desk_action(client, "approve", [v2])
    v2.refresh_from_db()
    assert v2.approved_by == second_rep and v2.approved_at is not None
    assert v2.events.filter(kind="approved", actor=second_rep.username).exists()
    # The buyer who asked is told (by e-mail, sent by a worker from the outbox).
    assert OutboxMessage.objects.filter(task="orders.send_quote_email", kwargs__quote_id=v2.pk,
                                        kwargs__event="quote.approved").exists()
    assert notifications.quote_email_send(quote_id=v2.pk, event="quote.approved")
    assert "approved the terms" in mailoutbox[-1].body
    # In the currency's own form: KRW has no minor unit (it said "123456789.00 KRW").
    assert f"KRW {v2.total:,.0f}" in mailoutbox[-1].body and f"{v2.total}" not in mailoutbox[-1].body


def _pdf_pages(quote) -> list[str]:
    quote.refresh_from_db()
    path = quote.document.path
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), path, "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, pages + 1)]


def _red_ink_mid_page(quote, tmp_path, name: str) -> list[int]:
    """Per page, how many reddish pixels the middle band holds (where the watermark lies)."""
    from PIL import Image

    quote.refresh_from_db()
    subprocess.run(["pdftoppm", "-r", "30", "-png", quote.document.path, str(tmp_path / name)],
                   check=True)
    counts = []
    for png in sorted(tmp_path.glob(f"{name}-*.png")):
        image = Image.open(png).convert("RGB")
        width, height = image.size
        band = image.crop((0, int(height * 0.3), width, int(height * 0.7))).get_flattened_data()
        counts.append(sum(1 for r, g, b in band if r - g > 12 and r - b > 12))
    return counts


def test_a_quote_awaiting_approval_is_a_watermarked_draft_on_every_page(desk, buyer, sales_rep,
                                                                        tmp_path):
    _, ready = desk
    assert not any("DRAFT" in page for page in _pdf_pages(ready))
    pending, _ = services.quote_request(
        organization=ready.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=ready.configuration_id, currency="KRW",
                                      annual_price_down_pct=Decimal("3")))
    pending = services.quote_generate(quote_id=pending.pk)
    pages = _pdf_pages(pending)
    assert len(pages) > 1 and all("DRAFT" in page for page in pages)  # running header
    assert "awaiting approval" in pages[0].lower()
    draft_ink = _red_ink_mid_page(pending, tmp_path, "draft")

    services.quote_approve(quote=pending, user=sales_rep)
    approved = services.quote_document_render(quote_id=pending.pk)
    assert not any("DRAFT" in page for page in _pdf_pages(approved))
    approved_ink = _red_ink_mid_page(approved, tmp_path, "approved")
    # The diagonal watermark across the middle of every page, gone once approved. The draft
    # prints no per-part prices, so its section 2 is shorter: the cover and the bill of
    # materials pair with the approved document's first pages, the rest with its last ones.
    assert len(draft_ink) == len(pages) < len(approved_ink)
    paired = [*zip(draft_ink[:2], approved_ink[:2], strict=True),
              *zip(draft_ink[2:], approved_ink[len(approved_ink) - len(draft_ink) + 2:], strict=True)]
    assert all(d > a + 150 for d, a in paired), (draft_ink, approved_ink)


@pytest.mark.parametrize("ending", ["rejected by the buyer", "re-quoted by sales"])
def test_a_quote_whose_terms_were_never_approved_shows_no_price_whatever_became_of_it(
        client, buyer, sales_rep, ending):
    """The page hid the price only while the quote was offered: rejecting it (or a re-quote
    superseding it) showed the unapproved total, unit kit prices and year amounts."""
    from tests.factories import family_configuration, load_demo_catalog

    load_demo_catalog()
    client.force_login(buyer)
    config = family_configuration(buyer.membership.organization, user=buyer)
    assert client.post(f"/configurations/{config.pk}/quote/",
                       {"currency": "KRW", "annual_price_down_pct": "5"}).status_code == 302
    quote = services.quote_generate(quote_id=Quote.objects.get().pk)
    assert quote.approval_pending and quote.total
    if ending == "rejected by the buyer":
        services.quote_reject(quote=quote, user=buyer)
    else:
        services.quote_requote(quote=quote, user=sales_rep, annual_price_down_pct=Decimal("0"))
    quote.refresh_from_db()
    assert quote.status in (Quote.Status.REJECTED, Quote.Status.SUPERSEDED)
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    first_year = quote.pricing["years"][0]
    assert 'id="quote-total"' not in page and "Year amount" not in page
    for amount in (quote.total, Decimal(first_year["unit_kit_price"]), Decimal(first_year["amount"])):
        assert f"{amount:,.0f}" not in page
    assert "never approved" in page and f'{first_year["kits"]:,}' in page
    assert client.get(f"/api/v1/quotes/{quote.pk}/").json()["total"] is None  # as the API says
