"""The buyer web app (plain form posts, no JavaScript): terms below the agreement wait for
approval, placing an order is a confirmation step, an ordered configuration is kept, and
deleting or rejecting asks first."""

from decimal import Decimal

import pytest

from configurator.models import Configuration
from core.models import CommercialTerms
from orders import services
from orders.models import Order, Quote
from tests.factories import PLACE_ORDER, family_configuration

pytestmark = pytest.mark.django_db


@pytest.fixture
def config(buyer):
    return family_configuration(buyer.membership.organization, user=buyer)


def _ready_quote(config, buyer, **kw) -> Quote:
    quote, _ = services.quote_request(
        organization=config.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=config.pk, currency="KRW", **kw))
    return services.quote_generate(quote_id=quote.pk)


def test_the_quote_form_defaults_to_the_organizations_terms(web, config):
    CommercialTerms.objects.create(organization=config.organization, default_currency="EUR",
                                   agreed_price_down_pct=Decimal("2.5"))
    html = web.get(f"/configurations/{config.pk}/").content.decode()
    assert '<option value="EUR" selected>' in html
    assert 'name="annual_price_down_pct" value="2.50"' in html
    assert "Agreed in your supply agreement: 2.5 %" in html


def test_a_price_down_above_ten_percent_is_a_form_error(web, config):
    response = web.post(f"/configurations/{config.pk}/quote/", {"currency": "KRW",
                                                                "annual_price_down_pct": "99"})
    assert response.status_code == 400
    assert response.context["quote_form"].errors["annual_price_down_pct"]
    assert 'id="id_annual_price_down_pct-error"' in response.content.decode()
    assert not Quote.objects.exists()


def test_a_quote_awaiting_approval_shows_no_price_and_cannot_be_accepted(web, config, buyer,
                                                                         sales_rep):
    response = web.post(f"/configurations/{config.pk}/quote/", {"currency": "KRW",
                                                                "annual_price_down_pct": "5"})
    assert response.status_code == 302
    quote = services.quote_generate(quote_id=Quote.objects.get().pk)
    page = web.get(f"/quotes/{quote.pk}/").content.decode()
    assert "awaiting approval" in page and "no final price" in page
    assert 'id="quote-total"' not in page and "Year amount" not in page
    assert f"{quote.total:,.0f}" not in page
    assert "Accept and place the order" not in page
    assert "Download the draft PDF" in page
    for listing in (web.get("/quotes/"), web.get("/")):
        html = listing.content.decode()
        assert "awaiting approval" in html and f"{quote.total:,.0f}" not in html
    # Going to the confirmation step directly does not help.
    confirm = web.get(f"/quotes/{quote.pk}/accept/", follow=True)
    assert "awaiting approval" in confirm.content.decode()
    web.post(f"/quotes/{quote.pk}/accept/", {"po_number": "PO-1", "terms_accepted": "on"})
    assert not Order.objects.exists()

    services.quote_approve(quote=quote, user=sales_rep)
    page = web.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'id="quote-total"' in page and "Accept and place the order" in page
    assert "terms approved by corekit sales" in page


def test_placing_an_order_is_a_confirmation_step(web, config, buyer):
    CommercialTerms.objects.create(organization=config.organization, incoterms="DAP",
                                   incoterms_place="Wolfsburg", payment_terms_days=45)
    quote = _ready_quote(config, buyer)
    confirm = web.get(f"/quotes/{quote.pk}/accept/")
    html = confirm.content.decode()
    assert confirm.status_code == 200
    for text in ("KRW", f"{quote.total:,.0f}", "DAP Wolfsburg", "45 days net",
                 str(quote.valid_until), 'name="po_number"', 'name="terms_accepted"'):
        assert text in html, text
    # Without the PO number and the checkbox nothing is ordered; the errors are shown.
    missing = web.post(f"/quotes/{quote.pk}/accept/", {})
    assert missing.status_code == 400 and not Order.objects.exists()
    assert set(missing.context["form"].errors) == {"po_number", "terms_accepted"}
    assert "Confirm the terms to place the order." in missing.content.decode()
    unticked = web.post(f"/quotes/{quote.pk}/accept/", {"po_number": "4500012345"})
    assert unticked.status_code == 400 and not Order.objects.exists()

    placed = web.post(f"/quotes/{quote.pk}/accept/", {"po_number": "4500012345",
                                                      "terms_accepted": "on"})
    order = Order.objects.get()
    assert placed["Location"] == f"/orders/{order.pk}/"
    assert order.po_number == "4500012345" and order.terms_accepted_at is not None
    assert order.accepted_terms["incoterms"] == "DAP Wolfsburg"
    page = web.get(f"/orders/{order.pk}/").content.decode()
    assert "4500012345" in page and f"by {buyer.username} on" in page and "45 days net" in page
    # Back on the confirmation step later: straight to the order, never a second one.
    assert web.get(f"/quotes/{quote.pk}/accept/")["Location"] == f"/orders/{order.pk}/"


def test_an_ordered_configuration_is_read_only_in_the_builder(web, config, buyer):
    services.quote_accept(quote=_ready_quote(config, buyer), user=buyer, **PLACE_ORDER)
    order = Order.objects.get()
    page = web.get(f"/configurations/{config.pk}/").content.decode()
    assert f"ordered as <b>{order.number}</b>" in page and "Copy it to make changes" in page
    assert "<fieldset class=\"plain\" disabled>" in page
    assert "Delete…" not in page
    magnet = config.lines.get(slot="magnet").part.sku
    response = web.post(f"/configurations/{config.pk}/choose/",
                        {"slot": "magnet", "sku": "MAG-N45H-D-4930-SGI-KR"}, follow=True)
    assert "can no longer be changed" in response.content.decode()
    assert config.lines.get(slot="magnet").part.sku == magnet
    copy = web.post(f"/configurations/{config.pk}/clone/")
    clone = Configuration.objects.get(cloned_from=config)
    assert copy["Location"] == f"/configurations/{clone.pk}/"
    web.post(f"/configurations/{clone.pk}/choose/", {"slot": "magnet",
                                                     "sku": "MAG-N45H-D-4930-SGI-KR"})
    assert clone.lines.get(slot="magnet").part.sku == "MAG-N45H-D-4930-SGI-KR"


def test_deleting_a_configuration_asks_first(web, config):
    page = web.get(f"/configurations/{config.pk}/").content.decode()
    assert f'href="/configurations/{config.pk}/delete/">Delete…' in page
    ask = web.get(f"/configurations/{config.pk}/delete/")
    assert ask.status_code == 200 and "cannot be undone" in ask.content.decode()
    # A post without the confirmation (an old form, a stray click) only asks.
    again = web.post(f"/configurations/{config.pk}/delete/")
    assert again.status_code == 200 and Configuration.objects.filter(pk=config.pk).exists()
    done = web.post(f"/configurations/{config.pk}/delete/", {"confirm": "yes"})
    assert done["Location"] == "/configurations/"
    assert not Configuration.objects.filter(pk=config.pk).exists()


def test_rejecting_a_quote_asks_for_a_reason(web, config, buyer):
    quote = _ready_quote(config, buyer)
    page = web.get(f"/quotes/{quote.pk}/").content.decode()
    assert f'href="/quotes/{quote.pk}/reject/"' in page
    ask = web.get(f"/quotes/{quote.pk}/reject/")
    assert ask.status_code == 200 and 'name="reason"' in ask.content.decode()
    no_reason = web.post(f"/quotes/{quote.pk}/reject/", {"reason": "  "})
    assert no_reason.status_code == 400
    quote.refresh_from_db()
    assert quote.status == "ready"
    web.post(f"/quotes/{quote.pk}/reject/", {"reason": "Volume moved to the 2029 platform"})
    quote.refresh_from_db()
    assert quote.status == "rejected"
    assert quote.events.get(kind="rejected").detail == "Volume moved to the 2029 platform"


def test_the_models_statuses_are_the_state_machines():
    from orders.domain import quote_states

    assert set(Quote.Status.values) == {v for k, v in vars(quote_states).items()
                                        if k.isupper() and isinstance(v, str)}


def test_a_quote_past_its_validity_offers_no_accept_button_and_the_service_agrees(web, config, buyer):
    # The page offered "Accept" on a quote beat had not yet expired; the service then refused it.
    quote = _ready_quote(config, buyer)
    Quote.objects.filter(pk=quote.pk).update(valid_until=quote.valid_until.replace(year=2000))
    page = web.get(f"/quotes/{quote.pk}/").content.decode()
    assert "Accept and place the order" not in page
    confirm = web.get(f"/quotes/{quote.pk}/accept/", follow=True).content.decode()
    assert "This quote cannot be accepted: it expired on 2000-" in confirm
    web.post(f"/quotes/{quote.pk}/accept/", PLACE_ORDER)
    assert not Order.objects.exists()


@pytest.mark.parametrize(("status", "list_badge", "panel_badge"), [
    ("ready", '<span class="badge ok">Ready</span>', '<span class="badge ok">Ready</span>'),
    ("sent", '<span class="badge ok">Sent</span>', '<span class="badge ok">Sent</span>'),
    ("expired", '<span class="badge ">Expired</span>', '<span class="badge err">Expired</span>'),
    ("superseded", '<span class="badge ">Superseded</span>', '<span class="badge err">Superseded</span>'),
    ("failed", '<span class="badge err">Failed</span>', None),
])
def test_the_status_badges_come_from_the_state_machine(web, config, buyer, status, list_badge,
                                                       panel_badge):
    quote = _ready_quote(config, buyer)
    Quote.objects.filter(pk=quote.pk).update(status=status, failure_reason="no index")
    for listing in (web.get("/quotes/"), web.get("/")):
        assert list_badge in listing.content.decode()
    page = web.get(f"/quotes/{quote.pk}/").content.decode()
    if panel_badge:
        assert panel_badge in page
    else:
        assert "This quote could not be produced" in page and "no index" in page
    assert ("Accept and place the order" in page) is (status in ("ready", "sent"))
