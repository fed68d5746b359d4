"""Capacity is shared by every customer (domain.md section 7): accepted orders book units.

Quotes of different organizations for the same magnet each fit its annual capacity on
their own; the units an accepted order books count against every later acceptance and
every later quote, and no interleaving of acceptances books more than the capacity.
"""

from __future__ import annotations

import threading

import pytest
from django.db.models import Sum

from core.errors import Conflict, Unprocessable
from orders import services
from orders.models import Order, Quote
from parts.models import CapacityBooking, Part
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog, priced_quote

MAGNET = "MAG-N48SH-GD-4930-SGI-KR"  # 16 a kit in the CK48-8 family
SCHEDULE = [(2028, 10_000), (2029, 12_000)]  # 160,000 and 192,000 magnets


def _catalog_with_magnet_capacity(capacity: int) -> None:
    """The demo catalog, the magnet its only scarce part."""
    load_demo_catalog()
    Part.objects.exclude(sku=MAGNET).update(annual_capacity=2_000_000_000)
    Part.objects.filter(sku=MAGNET).update(annual_capacity=capacity)


def _priced_quote(organization) -> Quote:
    return priced_quote(family_configuration(organization, schedule=SCHEDULE))


def _booked(year: int) -> int:
    return CapacityBooking.objects.filter(part__sku=MAGNET, year=year).aggregate(n=Sum("units"))["n"] or 0


@pytest.fixture
def no_pdf(settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False


@pytest.mark.django_db
def test_three_accepted_orders_cannot_book_300_percent(make_org, no_pdf):
    # The capacity is exactly one program's 2029 need: each quote fits it alone.
    _catalog_with_magnet_capacity(192_000)
    quotes = [_priced_quote(make_org(f"Automaker {i}")) for i in range(3)]

    order, created = services.quote_accept(quote=quotes[0], **PLACE_ORDER)
    assert created and order.organization == quotes[0].organization
    assert (_booked(2028), _booked(2029)) == (160_000, 192_000)

    for later in quotes[1:]:
        with pytest.raises(Conflict) as exc:
            services.quote_accept(quote=later, **PLACE_ORDER)
        assert exc.value.code == "capacity_exhausted" and exc.value.status == 409
        # The years and what is still free; never who booked it.
        assert f"{MAGNET} 2028: needs 160,000, 32,000 free" in exc.value.message
        assert f"{MAGNET} 2029: needs 192,000, 0 free" in exc.value.message
        assert "Automaker 0" not in exc.value.message and order.number not in exc.value.message
        later.refresh_from_db()
        assert later.status == Quote.Status.READY  # the refusal rolled everything back

    assert Order.objects.count() == 1
    assert (_booked(2028), _booked(2029)) == (160_000, 192_000)  # 100 %, not 300 %
    # An accept repeated for the order that won books nothing more.
    again, created = services.quote_accept(quote=quotes[0], **PLACE_ORDER)
    assert again == order and not created
    assert _booked(2029) == 192_000


@pytest.mark.django_db
def test_a_new_quote_is_judged_against_the_capacity_still_free(make_org, no_pdf):
    _catalog_with_magnet_capacity(330_000)
    services.quote_accept(quote=_priced_quote(make_org("Automaker A")), **PLACE_ORDER)

    other = make_org("Automaker B")
    config = family_configuration(other, schedule=SCHEDULE)
    with pytest.raises(Unprocessable) as exc:
        services.quote_request(organization=other, user=None,
                               request=services.QuoteRequest(configuration_id=config.pk, currency="KRW"))
    (capacity,) = [v for v in exc.value.extra["validation"]["violations"] if v["code"] == "CAPACITY"]
    assert capacity["years"] == [2029]
    assert "2029 needs 192,000, 138,000 free" in capacity["message"]
    assert "Automaker A" not in capacity["message"]


@pytest.mark.django_db
def test_a_quote_priced_after_others_booked_fails_with_the_capacity_reason(make_org, no_pdf):
    _catalog_with_magnet_capacity(192_000)
    org = make_org("Automaker Late")
    config = family_configuration(org, schedule=SCHEDULE)
    queued, _ = services.quote_request(organization=org, user=None,
                                       request=services.QuoteRequest(configuration_id=config.pk,
                                                                     currency="KRW"))
    services.quote_accept(quote=_priced_quote(make_org("Automaker Early")), **PLACE_ORDER)

    failed = services.quote_generate(quote_id=queued.pk)
    assert failed.status == Quote.Status.FAILED and "CAPACITY" in failed.failure_reason


@pytest.mark.django_db
def test_booked_units_are_the_orders_units_per_part_and_year(make_org, no_pdf):
    _catalog_with_magnet_capacity(1_000_000)
    quote = _priced_quote(make_org())
    order, _ = services.quote_accept(quote=quote, **PLACE_ORDER)

    rows = CapacityBooking.objects.filter(reference=order.number)
    expected = services.order_capacity_units(quote.pricing)
    assert {(b.part.sku, b.year): b.units for b in rows} == expected
    assert expected[(MAGNET, 2028)] == 160_000 and expected[(MAGNET, 2029)] == 192_000
    # Every line of the kit booked, in both years.
    assert len(expected) == 2 * len(quote.snapshot["lines"])


@pytest.mark.postgres
def test_twenty_concurrent_accepts_of_different_customers_never_overbook(
        transactional_db, make_org, settings):
    from django.db import connection

    settings.COREKIT_QUOTE_RENDER_PDF = False
    # Room for exactly three programs in 2029 (3 x 192,000).
    _catalog_with_magnet_capacity(576_000)
    quotes = [_priced_quote(make_org(f"Automaker {i:02d}")) for i in range(20)]
    barrier = threading.Barrier(20)
    accepted, refused, errors = [], [], []

    def accept(quote):
        try:
            barrier.wait()
            order, _created = services.quote_accept(quote=quote, **PLACE_ORDER)
            accepted.append(order.pk)
        except Conflict as exc:
            refused.append(exc.code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(q,)) for q in quotes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(accepted) == 3 and refused == ["capacity_exhausted"] * 17
    assert Order.objects.count() == 3
    assert _booked(2029) == 576_000 <= Part.objects.get(sku=MAGNET).annual_capacity
    assert _booked(2028) == 3 * 160_000
    assert CapacityBooking.objects.values("reference").distinct().count() == 3


@pytest.mark.django_db
def test_sales_reps_see_booked_against_capacity_and_the_dashboard_counts_orders(
        client, sales_rep, make_org, no_pdf):
    _catalog_with_magnet_capacity(200_000)
    services.quote_accept(quote=_priced_quote(make_org("Automaker Secret")), **PLACE_ORDER)
    client.force_login(sales_rep)

    report = client.get("/admin/parts/capacitybooking/")
    assert report.status_code == 200
    rows = {(r["sku"], r["year"]): r for r in report.context["rows"]}
    assert (rows[(MAGNET, 2029)]["booked"], rows[(MAGNET, 2029)]["capacity"],
            rows[(MAGNET, 2029)]["free"], rows[(MAGNET, 2029)]["pct"]) == (192_000, 200_000, 8_000, 96.0)
    assert rows[(MAGNET, 2028)]["free"] == 40_000 and rows[(MAGNET, 2028)]["orders"] == 1
    html = report.content.decode()
    assert "192,000" in html and "200,000" in html
    # Fullest first: the magnet's 2029 leads.
    assert report.context["rows"][0]["sku"] == MAGNET and report.context["rows"][0]["year"] == 2029
    only_2028 = client.get("/admin/parts/capacitybooking/report/", {"y": "2028", "sku": "MAG-N48"})
    assert [(r["sku"], r["year"]) for r in only_2028.context["rows"]] == [(MAGNET, 2028)]
    # A year that is not one ("²" is a digit to isdigit(), not to int()) is no filter, not a 500.
    for odd in ("²", "9" * 30, "-1"):
        every = client.get("/admin/parts/capacitybooking/report/", {"y": odd})
        assert every.status_code == 200 and len(every.context["rows"]) == len(report.context["rows"])
    # The ledger itself cannot be edited from the admin.
    booking = CapacityBooking.objects.first()
    delete = client.post(f"/admin/parts/capacitybooking/{booking.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert client.get("/admin/parts/capacitybooking/add/").status_code == 403

    index = client.get("/admin/").content.decode()
    assert 'id="capacity-booked"' in index
    assert f"{MAGNET}</a> 2029: 96.0 % of 200,000 (8,000 free, 1 order)" in index
    assert '<a href="/admin/orders/order/">1</a>' in index  # the dashboard counts orders


@pytest.mark.django_db
def test_a_configuration_is_not_judged_against_the_capacity_its_own_order_booked(make_org, no_pdf):
    from configurator.domain import evaluate
    from configurator.selectors import configuration_queryset, configuration_snapshot

    _catalog_with_magnet_capacity(192_000)
    winner = make_org("Automaker Won")
    quote = _priced_quote(winner)
    services.quote_accept(quote=quote, **PLACE_ORDER)

    def capacity_codes(configuration) -> list:
        loaded = configuration_queryset(configuration.organization).get(pk=configuration.pk)
        return [v for v in evaluate(configuration_snapshot(loaded)).violations if v.code == "CAPACITY"]

    assert capacity_codes(quote.configuration) == []  # its own booking is not counted twice
    other = family_configuration(make_org("Automaker Later"), schedule=SCHEDULE)
    (violation,) = capacity_codes(other)
    assert violation.years == (2028, 2029)


@pytest.mark.django_db
def test_the_plain_row_snapshot_is_the_model_snapshot_its_own_order_left_out(make_org, no_pdf):
    from configurator.selectors import (
        configuration_queryset,
        configuration_snapshot,
        configuration_snapshot_get,
    )

    _catalog_with_magnet_capacity(192_000)
    winner = make_org("Automaker Won")
    quote = _priced_quote(winner)
    services.quote_accept(quote=quote, **PLACE_ORDER)
    later = make_org("Automaker Later")
    other = family_configuration(later, schedule=SCHEDULE)
    empty = family_configuration(later, schedule=SCHEDULE)
    empty.lines.all().delete()

    snapshots = {}
    for config in (quote.configuration, other, empty):
        loaded = configuration_queryset(config.organization).get(pk=config.pk)
        snapshots[config.pk] = configuration_snapshot_get(organization=config.organization, pk=config.pk)
        assert snapshots[config.pk] == configuration_snapshot(loaded)
    # The winner is not judged against its own booking; the later buyer is.
    assert (MAGNET, 2029) not in snapshots[quote.configuration.pk].booked
    assert snapshots[other.pk].booked[(MAGNET, 2029)] == 192_000
    assert snapshots[empty.pk].lines == ()
    # Another organization's configuration is not there.
    assert configuration_snapshot_get(organization=later, pk=quote.configuration.pk) is None


@pytest.mark.django_db
def test_a_cancelled_order_gives_its_capacity_back_to_every_buyer(client, sales_rep, make_org, no_pdf):
    """Its status was a plain field of the admin's form: "cancelled" saved straight, with
    every unit it had booked still booked, no trail, the other buyers still refused."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    _catalog_with_magnet_capacity(192_000)
    first, second = _priced_quote(make_org("Automaker A")), _priced_quote(make_org("Automaker B"))
    order, _ = services.quote_accept(quote=first, **PLACE_ORDER)
    with pytest.raises(Conflict):
        services.quote_accept(quote=second, **PLACE_ORDER)
    client.force_login(sales_rep)
    change = f"/admin/orders/order/{order.pk}/change/"
    client.post(change, {"status": "cancelled", "deliveries-TOTAL_FORMS": "0",
                         "deliveries-INITIAL_FORMS": "0", "_save": "Save"})
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and _booked(2029) == 192_000
    held = CapacityBooking.objects.filter(reference=order.number).aggregate(n=Sum("units"))["n"]
    changelist = "/admin/orders/order/"
    asked = client.post(changelist, {"action": "cancel", ACTION_CHECKBOX_NAME: [order.pk]})
    assert asked.status_code == 200 and "Cancel these orders" in asked.content.decode()
    no_reason = client.post(changelist, {"action": "cancel", ACTION_CHECKBOX_NAME: [order.pk],
                                         "apply": "1", "reason": ""})
    assert no_reason.status_code == 200 and Order.objects.get(pk=order.pk).status == "confirmed"
    client.post(changelist, {"action": "cancel", ACTION_CHECKBOX_NAME: [order.pk], "apply": "1",
                             "reason": "program cancelled by the customer"}, follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert (_booked(2028), _booked(2029)) == (0, 0)
    event = first.events.get(kind="order cancelled")
    assert event.actor == sales_rep.username and "program cancelled" in event.detail
    assert f"{held:,} units for 2028, 2029" in event.detail
    assert not CapacityBooking.objects.filter(reference=order.number).exists()
    _, created = services.quote_accept(quote=second, **PLACE_ORDER)
    assert created and _booked(2029) == 192_000
    with pytest.raises(Conflict, match="cannot be marked in delivery"):
        services.order_status_change(order=order, status=Order.Status.IN_DELIVERY, user=sales_rep)


@pytest.mark.django_db
def test_an_order_in_delivery_gives_back_only_the_years_after_this_one(sales_rep, make_org, no_pdf):
    import datetime as dt

    from core import clock

    _catalog_with_magnet_capacity(192_000)
    order, _ = services.quote_accept(quote=_priced_quote(make_org("Automaker A")), **PLACE_ORDER)
    with clock.frozen(dt.date(2028, 6, 1)):
        services.order_status_change(order=order, status=Order.Status.IN_DELIVERY, user=sales_rep)
        services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                     reason="supplier strike")
    assert (_booked(2028), _booked(2029)) == (160_000, 0)  # 2028 partly delivered: kept
    assert [e.kind for e in order.quote.events.filter(kind__startswith="order ")] == [
        "order in delivery", "order cancelled"]


@pytest.mark.django_db
def test_guided_options_asked_before_an_order_booked_capacity_change_after_it(partner_client, partner_key):
    """The same web process, asked before and after another customer's order took every
    48-slot busbar's 2028 capacity: the busbars were refused, yet the winding that needs one
    was still offered (verdicts kept from before the booking)."""
    from parts.services import capacity_book

    load_demo_catalog()
    organization = partner_key.api_key.organization
    config = family_configuration(organization, schedule=[(2028, 1_000)],
                                  swap={"winding": None, "busbar": None})
    url = f"/api/v1/configurations/{config.pk}/options/?limit=200&slot="

    def options(slot):
        [answer] = partner_client.get(url + slot).json()
        return {item["sku"]: item for item in answer["items"]}

    windings = [sku for sku, item in options("winding").items() if item["feasible"]]
    assert windings
    busbars = list(Part.objects.filter(category="busbar", specs__slots=48))
    capacity_book(units={(p.sku, 2028): p.annual_capacity for p in busbars}, reference="O-OTHER")
    assert not any(item["feasible"] for item in options("busbar").values())
    after = options("winding")
    assert not [sku for sku in windings if after[sku]["feasible"]]
    assert all(after[sku]["codes"] == ["DEAD_END"] for sku in windings)


@pytest.mark.django_db
def test_an_order_s_booking_re_judges_the_other_buyers_kits_and_a_cancellation_again(
        make_org, sales_rep, no_pdf):
    """The builder showed another buyer's kit "valid" (its stored verdict) after an order
    took the capacity it needs, and its quote request was refused without saying why."""
    from configurator import services as config_services
    from configurator.selectors import configuration_get
    from core.models import OutboxMessage

    _catalog_with_magnet_capacity(192_000)
    first = _priced_quote(make_org("Automaker A"))
    later = make_org("Automaker B")
    theirs = family_configuration(later, schedule=SCHEDULE)
    assert theirs.is_valid
    order, _ = services.quote_accept(quote=first, **PLACE_ORDER)
    [recheck] = OutboxMessage.objects.filter(task="configurator.revalidate_after_change")
    assert Part.objects.get(sku=MAGNET).pk in recheck.kwargs["part_ids"]  # every part it booked
    config_services.configurations_revalidate(**recheck.kwargs)  # what the worker runs
    stored = configuration_get(organization=later, pk=theirs.pk)
    assert stored.is_valid is False
    assert "CAPACITY" in {v["code"] for v in stored.validation["violations"]}
    with pytest.raises(Unprocessable) as refused:
        services.quote_request(organization=later, user=None,
                               request=services.QuoteRequest(configuration_id=theirs.pk, currency="KRW"))
    assert "(CAPACITY;" in refused.value.message and MAGNET in refused.value.message

    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason="program stopped")
    again = OutboxMessage.objects.filter(task="configurator.revalidate_after_change").order_by("-id")[0]
    assert "cancelled order" in again.kwargs["reason"]
    config_services.configurations_revalidate(**again.kwargs)
    assert configuration_get(organization=later, pk=theirs.pk).is_valid
