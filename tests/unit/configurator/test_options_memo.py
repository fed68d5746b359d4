"""Guided options remembered per kit on a catalog view: the same kit is answered once, any
change to the kit is a new question, and what is remembered is what `slot_options` says."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from types import MappingProxyType

import pytest

from configurator.domain.artifact import compact_parts
from configurator.domain.options import CatalogIndex, all_slot_options, slot_options
from configurator.domain.options import memo as memo_module
from configurator.domain.options.memo import (
    answers_of,
    kit_key,
    remembered_all_slot_options,
    remembered_slot_options,
)
from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.domain.types import Line, ScheduleYear, Snapshot
from tests.unit.configurator import synthetic


@pytest.fixture(scope="module")
def parts():
    return list(synthetic.demo_parts())


@pytest.fixture
def index(parts):
    return CatalogIndex.build(compact_parts(parts))


@pytest.fixture
def kit(parts, index):
    snapshot = synthetic.family_snapshot("CK48-8", {p.sku: p for p in parts})
    # The kit's parts as the view hands them out (one object per SKU).
    return dataclasses.replace(snapshot, lines=tuple(
        dataclasses.replace(line, part=index.get(line.part.sku)) for line in snapshot.lines))


@pytest.fixture
def counted(monkeypatch):
    """How many times `slot_options` really ran."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(args[2])
        return slot_options(*args, **kwargs)

    monkeypatch.setattr(memo_module, "slot_options", counting)
    return calls


def _changed(kit: Snapshot) -> dict[str, Snapshot]:
    """Per field of the snapshot, the kit with that field changed."""
    magnet = next(i for i, line in enumerate(kit.lines) if line.slot == "magnet")
    lines = list(kit.lines)
    lines[magnet] = Line("magnet", lines[magnet].part, lines[magnet].quantity + 1)
    custom = dataclasses.replace(BUILTIN_POLICIES["china-excluded"], code="acme-strict", source="custom")
    return {
        "template": dataclasses.replace(kit, template=dataclasses.replace(kit.template, name="renamed")),
        "requirements": dataclasses.replace(kit, requirements=dataclasses.replace(
            kit.requirements, dc_bus_voltage_v=(kit.requirements.dc_bus_voltage_v or 0) + 1)),
        "lines": dataclasses.replace(kit, lines=tuple(lines)),
        "policy": dataclasses.replace(kit, policy=custom),
        "schedule": dataclasses.replace(kit, schedule=(*kit.schedule, ScheduleYear(2040, 1))),
        "today": dataclasses.replace(kit, today=kit.today + dt.timedelta(days=1)),
        "restricted_entities": dataclasses.replace(kit, restricted_entities=frozenset({"ACME"})),
        "booked": dataclasses.replace(kit, booked=MappingProxyType({})),
    }


def test_the_key_holds_every_field_of_the_snapshot(kit):
    changed = _changed(kit)
    # A field added to Snapshot must be added to the key (and to this test).
    assert set(changed) == {f.name for f in dataclasses.fields(Snapshot)}
    for name, other in changed.items():
        assert kit_key(other) != kit_key(kit), name


def test_requirements_written_differently_are_another_question(kit):
    """150 and 150.0 are equal, but a violation's message quotes the buyer's figure."""
    temp = kit.requirements.max_magnet_temp_c
    written = temp + Decimal("0.000")  # 150 -> 150.000
    assert written == temp and str(written) != str(temp)
    requirements = dataclasses.replace(kit.requirements, max_magnet_temp_c=written)
    other = dataclasses.replace(kit, requirements=requirements)
    assert kit_key(other) != kit_key(kit)


def test_equal_kits_rebuilt_from_the_same_view_have_equal_keys(kit):
    again = dataclasses.replace(
        kit, lines=tuple(Line(ln.slot, ln.part, ln.quantity) for ln in kit.lines),
        requirements=dataclasses.replace(kit.requirements), schedule=tuple(kit.schedule),
        restricted_entities=frozenset(kit.restricted_entities))
    assert kit_key(again) == kit_key(kit)
    # A custom policy is rebuilt from its rows on every request: compared by value.
    custom = dataclasses.replace(BUILTIN_POLICIES["china-excluded"], code="acme-strict", source="custom")
    rebuilt = dataclasses.replace(custom)
    assert rebuilt is not custom
    with_custom, with_rebuilt = (dataclasses.replace(kit, policy=p) for p in (custom, rebuilt))
    assert kit_key(with_custom) == kit_key(with_rebuilt)


def test_a_kit_asked_again_is_answered_once_with_what_slot_options_says(kit, index, counted):
    first = remembered_slot_options(kit, index, "magnet")
    again = remembered_slot_options(dataclasses.replace(kit), index, "magnet")
    assert again is first and counted == ["magnet"]
    assert first == slot_options(kit, index, "magnet")
    # Another page, another slot: other questions.
    remembered_slot_options(kit, index, "magnet", offset=20)
    remembered_slot_options(kit, index, "shaft")
    assert counted == ["magnet", "magnet", "shaft"]


def test_every_change_to_the_kit_is_a_new_question(kit, index, counted):
    remembered_slot_options(kit, index, "magnet")
    for name, other in _changed(kit).items():
        answer = remembered_slot_options(other, index, "magnet")
        assert answer == slot_options(other, index, "magnet"), name
    assert len(counted) == 1 + len(_changed(kit))


def test_a_changed_kit_gets_its_own_answer_not_the_remembered_one(kit, index):
    """The same kit judged ten years on, when its whole schedule is past."""
    remembered_slot_options(kit, index, "magnet")
    other = _changed(kit)["today"]
    far = dataclasses.replace(other, today=other.today + dt.timedelta(days=3650))  # the schedule is past
    assert remembered_slot_options(far, index, "magnet") == slot_options(far, index, "magnet")
    assert remembered_slot_options(far, index, "magnet") != remembered_slot_options(kit, index, "magnet")


def test_a_kit_with_bookings_of_its_own_is_answered_without_being_kept(kit, index, counted):
    """A plain dict of bookings is one exact read, mutable: its identity says nothing."""
    booked = {}
    own = dataclasses.replace(kit, booked=booked)
    assert remembered_slot_options(own, index, "magnet") == slot_options(own, index, "magnet")
    remembered_slot_options(own, index, "magnet")
    assert len(counted) == 2 and len(answers_of(index)) == 0


def test_every_slot_is_remembered_slot_by_slot(kit, index, counted):
    every = remembered_all_slot_options(kit, index)
    assert every == all_slot_options(kit, index)
    assert remembered_slot_options(kit, index, "magnet") is every["magnet"]
    assert len(counted) == len(kit.template.slots)


def test_a_new_view_remembers_nothing_and_the_oldest_answers_go_first(
        kit, parts, index, counted, monkeypatch):
    monkeypatch.setattr(memo_module, "ITEMS_KEPT", 60)  # three pages of 20
    remembered_slot_options(kit, index, "magnet")
    other_view = CatalogIndex.build(compact_parts(parts))
    remembered_slot_options(kit, other_view, "magnet")
    assert len(counted) == 2
    for offset in (1, 2, 3):
        remembered_slot_options(kit, index, "magnet", offset=offset)
    assert len(answers_of(index)) == 3
    remembered_slot_options(kit, index, "magnet", offset=3)  # still kept
    assert len(counted) == 5
    remembered_slot_options(kit, index, "magnet")  # the first answer went out
    assert len(counted) == 6


def test_the_memory_is_bounded_by_options_not_answers(kit, index, monkeypatch):
    """A few large pages push out as many options as many small ones would."""
    monkeypatch.setattr(memo_module, "ITEMS_KEPT", 100)
    for offset in range(5):
        remembered_slot_options(kit, index, "magnet", offset=offset, limit=20)
    assert len(answers_of(index)) == 5
    big = remembered_slot_options(kit, index, "magnet", limit=50)
    assert len(big.items) == 50
    kept = answers_of(index)
    assert sum(len(a.items) for _alive, a in kept._kept.values()) <= 100
    assert len(kept) == 3  # the 50-item page and the two latest 20-item pages
    # One answer larger than the whole budget is still kept, alone, until the next.
    monkeypatch.setattr(memo_module, "ITEMS_KEPT", 40)
    every = remembered_slot_options(kit, index, "magnet", limit=200)
    assert len(every.items) > 40 and len(kept) == 1
    assert remembered_slot_options(kit, index, "magnet", limit=200) is every
