"""What the sales workspace shows: money formatted, counts that match their labels, inputs wide
enough for their values, pickers instead of raw JSON."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from orders.models import Order, OrderDelivery, Quote
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, sales_rep, buyer):
    load_demo_catalog()
    client.force_login(sales_rep)
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(organization=config.organization, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="USD"))
    return client, services.quote_generate(quote_id=quote.pk), buyer


def test_orders_show_grouped_money_with_the_currency(desk):
    client, quote, buyer = desk
    order, _ = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    Order.objects.filter(pk=order.pk).update(total=Decimal("4327934.14"), currency="USD")
    OrderDelivery.objects.filter(order=order).update(amount=Decimal("1234567.80"))
    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "4,327,934.14 USD" in listing and "4327934.14" not in listing
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "4,327,934.14 USD" in page and "1,234,567.80 USD" in page
    assert "4327934.14" not in page and "1234567.80" not in page


def test_an_order_shows_its_accepted_terms_and_trail_as_lines_and_offers_no_save(desk):
    client, quote, buyer = desk
    order, _ = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert f"<div>total: {order.total:,.2f} USD</div>" in page and '{"quote"' not in page
    assert f"accepted by {buyer.username}" in page and 'name="_save"' not in page


def test_quote_compliance_is_a_line_a_year_that_opens_to_its_documents(desk):
    client, quote, _ = desk
    page = client.get(reverse("admin:orders_quote_change", args=[quote.pk])).content.decode()
    per_year = quote.pricing["compliance_per_year"]
    renewing = [y for y in per_year if y["compliant"] and y.get("renewals")]
    assert renewing, "the demo program has evidence to renew"
    for y in renewing:
        n = len(y["renewals"])
        assert (f"{y['year']} ({y['version']}): compliant if renewed · {n} evidence "
                f"document{'s' if n != 1 else ''} to renew</summary>") in page
    assert page.count("<details>") == len([y for y in per_year if y.get("renewals") or not y["compliant"]])
    assert 'name="_save"' not in page


def test_quotes_show_grouped_money_in_the_list_and_the_year_table(desk):
    client, quote, _ = desk
    listing = client.get(reverse("admin:orders_quote_changelist")).content.decode()
    total = f"{quote.total:,.2f} USD"
    assert total in listing
    page = client.get(reverse("admin:orders_quote_change", args=[quote.pk])).content.decode()
    year = quote.pricing["years"][0]
    assert f"{Decimal(year['amount']):,.2f} USD" in page
    assert 'name="total"' not in page  # a read-only figure, not an input


def test_ready_this_month_excludes_accepted_quotes(desk):
    client, quote, buyer = desk
    card = client.get(reverse("admin:index")).content.decode().split('id="ready-this-month"')[1]
    assert "1 quote" in card[:800] and f"{quote.total:,.2f}" in card[:800]
    link = card.split('href="')[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(link)
    assert listed.status_code == 200 and quote.number in listed.content.decode()
    services.quote_accept(quote=Quote.objects.get(pk=quote.pk), user=buyer, **PLACE_ORDER)
    card = client.get(reverse("admin:index")).content.decode().split('id="ready-this-month"')[1]
    assert "none" in card[:400] and f"{quote.total:,.2f}" not in card[:400]


def test_admin_pages_load_the_workspace_stylesheet_that_widens_number_inputs(client, sales_rep):
    from django.contrib.staticfiles import finders

    load_demo_catalog()
    client.force_login(sales_rep)
    from parts.models import Part

    part = Part.objects.order_by("-annual_capacity").first()
    html = client.get(reverse("admin:parts_part_change", args=[part.pk])).content.decode()
    assert "css/admin-workspace.css" in html
    assert 'class="vIntegerField"' in html  # the class the stylesheet widens
    from pathlib import Path

    css = Path(finders.find("css/admin-workspace.css")).read_text()
    rule = css.split("input.vIntegerField,")[1].split("}")[0]
    assert "width: 12em" in rule


def test_custom_policy_countries_use_the_searchable_picker(client, sales_rep):
    client.force_login(sales_rep)
    html = client.get(reverse("admin:configurator_custompolicy_add")).content.decode()
    assert 'class="selectfilter"' in html and 'name="excluded_countries"' in html
    assert 'type="checkbox" name="excluded_stages"' in html
    assert "<textarea" not in html.split('name="excluded_countries"')[0].rsplit("<div", 1)[-1]


def test_the_part_list_groups_capacity_digits(client, sales_rep, loaded_catalog):
    client.force_login(sales_rep)
    html = client.get(reverse("admin:parts_part_changelist")).content.decode()
    assert "4,000,000" in html and ">4000000<" not in html


def test_the_expiring_evidence_count_is_the_real_count_not_a_page_of_it(client, sales_rep):
    import datetime as dt

    from core import clock
    from parts.models import ProvenanceStage

    load_demo_catalog()
    client.force_login(sales_rep)
    ProvenanceStage.objects.update(evidence_expires=clock.today() + dt.timedelta(days=30))
    expected = ProvenanceStage.objects.count()
    assert expected > 50
    html = client.get(reverse("admin:index")).content.decode()
    assert f'id="expiring-evidence-count">{expected}<' in html
