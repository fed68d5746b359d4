"""core.compiled: a read compiled once answers exactly what its queryset answers."""

from __future__ import annotations

import pytest

from configurator import selectors
from configurator.models import Configuration
from core.compiled import CompiledQuery
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


def _orm_rows(organization, pk):
    """configuration_rows' first query, built by the ORM for these values."""
    return list(selectors._CONFIGURATION_ROWS._build(pk=pk, organization=organization))


def test_the_compiled_configuration_read_answers_like_the_orm_for_every_value(make_org, buyer):
    load_demo_catalog()
    mine = buyer.membership.organization
    other = make_org("Other Automaker")
    configurations = [family_configuration(mine), family_configuration(mine, code="CK48-8"),
                      family_configuration(other)]
    for config in configurations:
        for organization in (mine, other):
            assert (selectors._CONFIGURATION_ROWS.rows(pk=config.pk, organization=organization.pk)
                    == _orm_rows(organization.pk, config.pk))
    # Another organization's configuration: no rows, so None (the API answers 404).
    assert selectors.configuration_rows(organization=other, pk=configurations[0].pk) is None
    assert selectors.configuration_rows(organization=None, pk=configurations[0].pk) is None
    saved = selectors.configuration_rows(organization=mine, pk=configurations[0].pk)
    config = configurations[0]
    assert saved.lines == [(ln.slot, ln.part.sku, ln.quantity)
                           for ln in config.lines.select_related("part").order_by("id")]
    assert saved.schedule == [(s.year, s.kits) for s in config.schedule.order_by("year")]
    assert saved.requirements == {f: getattr(config, f) for f in selectors.REQUIREMENT_FIELDS}
    assert saved.ordered is False and saved.template_code == config.template.code


def test_a_value_that_does_not_reach_the_sql_as_a_parameter_is_refused():
    ignored = CompiledQuery(lambda pk: Configuration.objects.filter(pk__gt=0).values_list("pk"))
    with pytest.raises(ValueError, match="pk: not found"):
        ignored.rows(pk=1)


def _ready_quote(organization, user=None, **request):
    """A ready quote of a demo configuration of this organization (no PDF)."""
    from orders import services

    config = family_configuration(organization)
    quote, _ = services.quote_request(
        organization=organization, user=user,
        request=services.QuoteRequest(configuration_id=config.pk, currency="KRW", **request))
    return config, services.quote_generate(quote_id=quote.pk)


def test_a_configuration_that_became_an_order_reads_as_ordered(buyer, settings):
    from tests.factories import accept

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    organization = buyer.membership.organization
    config, quote = _ready_quote(organization)
    accept(quote)
    rows = selectors._CONFIGURATION_ROWS.rows(pk=config.pk, organization=organization.pk)
    assert rows == _orm_rows(organization.pk, config.pk) and rows[0][5] is True
    assert selectors.configuration_rows(organization=organization, pk=config.pk).ordered is True


@pytest.mark.postgres
def test_whether_the_configuration_was_ordered_is_asked_once_per_read_not_once_per_line(buyer):
    """Found under load: the check was a subquery correlated with the outer row, so PostgreSQL
    ran it for each of the kit's lines, each time over every quote of the configuration (a
    program re-quoted 600 times: 6,000 probes, 3.4 ms a read; 70 % of PostgreSQL's time in
    bench.load). Asked by the configuration's id, it is run once, before the lines."""
    import json

    from django.db import connection

    from orders.models import Quote

    load_demo_catalog()
    organization = buyer.membership.organization
    config = family_configuration(organization)
    Quote.objects.bulk_create([Quote(organization=organization, configuration=config, number=f"Q-{i}",
                                     currency="KRW", annual_price_down_pct=0, snapshot={})
                               for i in range(600)])
    selectors.configuration_rows(organization=organization, pk=config.pk)  # compiles it
    compiled = selectors._CONFIGURATION_ROWS._compiled[("default", "postgresql")]
    values = {"pk": config.pk, "organization": organization.pk}
    params = [values[p] if i in compiled.slots else p for i, p in enumerate(compiled.params)]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + compiled.sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    probes = [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "orders_order"]
    assert probes and sum(n["Actual Loops"] for n in probes) <= 600  # once per quote at most
    subplans = [n for n in nodes(plan[0]["Plan"]) if "Subplan Name" in n]
    assert subplans and all(n["Subplan Name"].startswith("InitPlan") for n in subplans)


def test_a_model_read_answers_instances_like_the_orm(buyer, settings):
    from orders import selectors as quotes
    from orders.models import Quote

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    organization = buyer.membership.organization
    _config, quote = _ready_quote(organization, buyer, idempotency_key="key-1")
    orm = Quote.objects.get(pk=quote.pk)
    compiled = quotes.quote_get(organization=organization, pk=quote.pk)
    fields = [f.attname for f in Quote._meta.concrete_fields]
    assert [getattr(compiled, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert compiled.pricing["total"] == orm.pricing["total"] and compiled.total == orm.total
    assert not compiled._state.adding and compiled._state.db == "default"
    assert compiled.organization is organization  # the caller's, not read again
    # Strings are bound too: the idempotency key, per organization.
    assert quotes.quote_by_idempotency_key(organization=organization, key="key-1").pk == quote.pk
    assert quotes.quote_by_idempotency_key(organization=organization, key="key-2") is None


def test_a_value_of_another_type_than_compiled_and_joined_instances_are_refused():
    by_name = CompiledQuery(lambda name: Configuration.objects.filter(name=name).values_list("pk"))
    assert by_name.rows(name="nothing") == []
    with pytest.raises(TypeError, match="name: compiled for"):
        by_name.rows(name=1)
    rewritten = CompiledQuery(
        lambda name: Configuration.objects.filter(name__contains=name).values_list("pk"))
    with pytest.raises(ValueError, match="name: not found"):
        rewritten.rows(name="x")
    joined = CompiledQuery(lambda pk: Configuration.objects.select_related("template").filter(pk=pk))
    with pytest.raises(TypeError, match="select_related"):
        joined.rows(pk=1)


def test_hot_reads_build_no_sql_after_their_first_use(buyer, partner_key, partner_client, settings):
    """A poll, a key-cache miss, the terms, the webhooks and the stamp: each request paid the
    ORM's SQL building (1-1.5 ms of CPU a read, more than the round trip) before."""
    from django.db.models.sql.compiler import SQLCompiler

    from core import api_key_cache
    from core.selectors import commercial_terms_get
    from orders.notifications import queue_webhooks
    from parts.selectors import capacity_booked, catalog_stamp

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    organization = partner_key.api_key.organization
    _config, quote = _ready_quote(organization)

    def reads():
        api_key_cache.clear()
        assert partner_client.get(f"/api/v1/quotes/{quote.pk}/").status_code == 200
        commercial_terms_get(organization=organization)
        queue_webhooks(organization=organization.pk, event="quote.ready", event_id="x", payload={})
        catalog_stamp()
        capacity_booked(years=[2027, 2028, 2031])  # the exact read: a quote request, the worker

    reads()
    built = []
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        if type(self) is SQLCompiler:  # reads only: writes have compilers of their own
            built.append(self.query.model.__name__)
        return original(self, *args, **kwargs)

    SQLCompiler.as_sql = as_sql
    try:
        reads()
    finally:
        SQLCompiler.as_sql = original
    assert built == []


def test_a_constant_equal_to_a_stand_in_is_not_taken_for_a_value(buyer):
    from configurator.models import ScheduleYear

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization)
    ScheduleYear.objects.filter(configuration=config).update(kits=30_011)  # the first stand-in
    kits = CompiledQuery(lambda pk: ScheduleYear.objects.filter(configuration_id=pk, kits=30_011)
                         .order_by("year").values_list("year", "kits"))
    assert kits.rows(pk=config.pk) == list(kits._build(pk=config.pk))
    assert kits.rows(pk=config.pk) and kits.rows(pk=config.pk + 1000) == []


def test_the_exact_bookings_read_answers_like_the_orm_for_years_that_are_not_one_span(buyer):
    from django.db.models import Sum

    from core import clock
    from parts.models import CapacityBooking, Part
    from parts.selectors import capacity_booked

    load_demo_catalog()
    parts = list(Part.objects.order_by("sku")[:3])
    for year, units in ((2027, 10), (2028, 20), (2029, 40), (2031, 80)):
        for n, part in enumerate(parts):
            CapacityBooking.objects.create(part=part, year=year, units=units + n,
                                           reference=f"O-{year}-{n}", created_at=clock.now())
    for years in ([2027, 2031], [2028], [2029, 2027, 2031], [2030]):
        orm = {(sku, year): units for sku, year, units in (
            CapacityBooking.objects.filter(year__in=years).values_list("part__sku", "year")
            .annotate(units=Sum("units")).order_by())}
        assert dict(capacity_booked(years=years)) == orm


@pytest.mark.parametrize("pk", [2 ** 63, -(2 ** 63) - 1, 10 ** 30])
def test_a_key_out_of_a_64_bit_columns_range_matches_no_row_without_asking(buyer, pk):
    """SQLite's driver raises OverflowError on such an integer (a 500 for /quotes/<huge>/):
    no row has that key, so nothing is asked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization)
    organization = buyer.membership.organization.pk
    assert selectors._CONFIGURATION_ROWS.rows(pk=config.pk, organization=organization)  # compiled
    with CaptureQueriesContext(connection) as asked:
        assert selectors._CONFIGURATION_ROWS.rows(pk=pk, organization=organization) == []
        assert selectors._CONFIGURATION_ROWS.rows(pk=config.pk, organization=pk) == []
    assert len(asked) == 0
    largest = 2 ** 63 - 1  # still in range: asked, and no row
    assert selectors._CONFIGURATION_ROWS.rows(pk=largest, organization=organization) == []
