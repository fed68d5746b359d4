"""A web process under load reads the catalog stamp about once a second, not on every request:
a reading up to `COREKIT_CATALOG_STAMP_SECONDS` old answers, a change made by the process
itself is seen at once, one made elsewhere at most that many seconds later."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import F

from parts import selectors
from parts.models import CatalogStamp, Part
from tests.factories import load_demo_catalog


@pytest.fixture
def clock_seconds(monkeypatch, settings):
    settings.COREKIT_CATALOG_STAMP_SECONDS = 1.0
    now = [1000.0]
    monkeypatch.setattr(selectors, "_monotonic", lambda: now[0])
    selectors.forget_recent_stamp()
    yield now
    selectors.forget_recent_stamp()


def _moved_elsewhere() -> None:
    """Another process's change: the row moves, no signal reaches this process."""
    CatalogStamp.objects.filter(pk=1).update(version=F("version") + 1)


def test_a_change_made_elsewhere_is_seen_once_the_reading_is_a_second_old(
        transactional_db, clock_seconds, django_assert_num_queries):
    load_demo_catalog()
    first = selectors.catalog_stamp(recent=True)
    _moved_elsewhere()
    with django_assert_num_queries(0):
        assert selectors.catalog_stamp(recent=True) == first
    clock_seconds[0] += 0.99
    assert selectors.catalog_stamp(recent=True) == first
    assert selectors.catalog_stamp()[0] == first[0] + 1  # a plain read always queries
    clock_seconds[0] += 0.01
    with django_assert_num_queries(1):
        assert selectors.catalog_stamp(recent=True)[0] == first[0] + 1


def test_a_change_made_by_this_process_is_seen_at_once(transactional_db, clock_seconds):
    load_demo_catalog()
    first = selectors.catalog_stamp(recent=True)
    part = Part.objects.order_by("sku").first()
    part.lead_time_days += 1
    part.save()  # moves the stamp through the model signal
    assert selectors.catalog_stamp(recent=True)[0] == first[0] + 1


def test_a_reading_made_while_a_change_was_uncommitted_is_forgotten_at_its_commit(
        transactional_db, clock_seconds):
    load_demo_catalog()
    with transaction.atomic():
        part = Part.objects.order_by("sku").first()
        part.lead_time_days += 1
        part.save()
        # Inside a transaction the stamp is always read (it may be this transaction's own).
        moved = selectors.catalog_stamp(recent=True)
        # What another request of this process read meanwhile (the committed, older stamp):
        selectors._stamp.kept = (clock_seconds[0], (moved[0] - 1, None))
    assert selectors.catalog_stamp(recent=True) == moved


def test_a_watchers_reading_made_before_this_process_changed_the_catalog_is_not_kept(
        transactional_db, clock_seconds):
    """A web process's watcher reads the stamp in the background and keeps it for the
    requests; a change the process commits meanwhile forgets the reading, and the
    watcher's older one must not come back over it."""
    load_demo_catalog()
    stamp, token = selectors.catalog_stamp_read_now()  # the watcher, just before ...
    part = Part.objects.order_by("sku").first()
    part.lead_time_days += 1
    part.save()  # ... this process's own change commits
    selectors.catalog_stamp_keep(stamp, token)
    assert selectors.catalog_stamp(recent=True)[0] == stamp[0] + 1
    fresh, token = selectors.catalog_stamp_read_now()
    selectors.catalog_stamp_keep(fresh, token)
    _moved_elsewhere()
    assert selectors.catalog_stamp(recent=True) == fresh  # kept: the requests query nothing


def test_zero_reads_the_stamp_on_every_call(transactional_db, clock_seconds, settings,
                                            django_assert_num_queries):
    settings.COREKIT_CATALOG_STAMP_SECONDS = 0
    load_demo_catalog()
    selectors.catalog_stamp(recent=True)
    with django_assert_num_queries(2):
        selectors.catalog_stamp(recent=True)
        selectors.catalog_stamp(recent=True)


def _book(sku: str, year: int, units: int, reference: str) -> None:
    from parts.services import capacity_book

    with transaction.atomic():
        capacity_book(units={(sku, year): units}, reference=reference)


def test_validation_and_options_read_the_bookings_at_most_a_second_old_and_this_process_s_at_once(
        transactional_db, clock_seconds, django_assert_num_queries):
    """Advice (validation, guided options) may read the bookings once a second; acceptance
    books under its locks on what is committed, never on this reading."""
    from parts.models import CapacityBooking

    load_demo_catalog()
    sku = Part.objects.order_by("sku").first().sku
    assert selectors.capacity_booked(years=[2028], recent=True) == {}
    with django_assert_num_queries(0):
        assert selectors.capacity_booked(years=[2028, 2029], recent=True) == {}
    _book(sku, 2028, 100, "ORD-1")  # booked by this process: seen at once
    assert selectors.capacity_booked(years=[2028], recent=True) == {(sku, 2028): 100}
    # Booked by another process (no signal, no forget here): seen once the reading is old.
    CapacityBooking.objects.bulk_create([CapacityBooking(
        part=Part.objects.get(sku=sku), year=2028, units=5, reference="ORD-2",
        created_at=CapacityBooking.objects.get(reference="ORD-1").created_at)])
    assert selectors.capacity_booked(years=[2028], recent=True) == {(sku, 2028): 100}
    assert selectors.capacity_booked(years=[2028]) == {(sku, 2028): 105}  # the exact read
    clock_seconds[0] += 1.0
    assert selectors.capacity_booked(years=[2028], recent=True) == {(sku, 2028): 105}
    # Leaving an order's own bookings out always reads the database.
    assert selectors.capacity_booked(years=[2028], exclude_references=["ORD-1"], recent=True) == {
        (sku, 2028): 5}


def test_a_reading_equal_to_the_last_is_the_same_mapping_until_the_bookings_change(
        transactional_db, clock_seconds):
    """Guided options are remembered per kit by the identity of its bookings: a new reading
    with the same bookings hands out the same mapping, a booking a new one."""
    load_demo_catalog()
    sku = Part.objects.order_by("sku").first().sku
    first = selectors.capacity_booked(years=[2028, 2029], recent=True)
    clock_seconds[0] += 1.0  # read again: nothing changed
    assert selectors.capacity_booked(years=[2028, 2029], recent=True) is first
    assert selectors.capacity_booked(years=[2029], recent=True) is not first  # other years
    _book(sku, 2028, 100, "ORD-1")
    booked = selectors.capacity_booked(years=[2028, 2029], recent=True)
    assert booked is not first and booked == {(sku, 2028): 100}
    with pytest.raises(TypeError):
        booked[(sku, 2028)] = 0  # shared by every snapshot of the reading: read-only


MAGNET = "MAG-N48SH-GD-4930-SGI-KR"  # 16 a kit in the CK48-8 family


def test_remembered_guided_options_see_a_booking_made_here_at_once_and_elsewhere_within_a_second(
        transactional_db, clock_seconds, make_org):
    from configurator.selectors import configuration_options, configuration_snapshot_get
    from parts.models import CapacityBooking
    from tests.factories import family_configuration

    load_demo_catalog()
    Part.objects.filter(sku=MAGNET).update(annual_capacity=200_000)  # 192,000 needed in 2029
    organization = make_org("Aurora Motors")
    config = family_configuration(organization, schedule=[(2028, 10_000), (2029, 12_000)])

    def magnet_codes():
        snapshot = configuration_snapshot_get(organization=organization, pk=config.pk)
        page = configuration_options(snapshot=snapshot, slot="magnet", offset=0, limit=50,
                                     include_excluded=True)["magnet"]
        return page, next(o.codes for o in page.items if o.part.sku == MAGNET)

    first, codes = magnet_codes()
    assert codes == ()
    again, _ = magnet_codes()
    assert again is first  # the same kit on the same view: remembered
    _book(MAGNET, 2029, 10_000, "ORD-1")  # booked by this process: seen at once
    after, codes = magnet_codes()
    assert after is not first and "CAPACITY" in codes
    # Given back elsewhere (no signal here): seen once the reading is a second old.
    CapacityBooking.objects.filter(reference="ORD-1").update(units=1)
    assert "CAPACITY" in magnet_codes()[1]
    clock_seconds[0] += 1.0
    assert magnet_codes()[1] == ()
