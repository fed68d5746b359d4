"""Page confirmation: the fast path gives exactly the full engine's violations.

Guided options confirm each page item with the engine (`Confirmer`): the rules
that read the slot, the candidate's own policy and schedule; a candidate whose
rule-read values match an earlier clean candidate's skips the rules, one whose
policy-read attributes match skips the policy, and a SKU alone in the kit is run
through the schedule only when `schedule_clean` finds something. These
tests hold it to the old confirmation (`full_engine_errors`: the whole engine on
the candidate's trimmed kit) and to the engine on the untrimmed kit, violation
for violation (messages, slots, SKUs, years and order), on random catalogs built
so that many candidates share the values the rules read.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.domain import BUILTIN_POLICIES, Line, Part, ScheduleYear, Snapshot, evaluate
from configurator.domain.codes import DEAD_END
from configurator.domain.options import CatalogIndex, all_slot_options, candidate_snapshot, slot_options
from configurator.domain.options.judge import Confirmer, default_quantity, full_engine_errors
from tests.hypothesis_profiles import examples
from tests.unit.configurator import prius, synthetic
from tests.unit.configurator.prius import D
from tests.unit.configurator.test_options import catalogs, kits


def _engine(snapshot: Snapshot, slot: str, part: Part, quantity: int) -> tuple:
    """The whole engine on the untrimmed candidate kit: errors involving the slot, in its order."""
    chosen = candidate_snapshot(snapshot, slot, part, quantity)
    return tuple(v for v in evaluate(chosen).errors if slot in v.slots)


def _check_every_candidate(snapshot: Snapshot, index: CatalogIndex, order_seed: int) -> int:
    """Every candidate of every slot through one Confirmer per slot, in a shuffled order."""
    checked = 0
    for slot_def in snapshot.template.slots:
        slot = slot_def.code
        candidates = list(index.parts_in(slot_def.category))
        random.Random(order_seed).shuffle(candidates)
        confirmer = Confirmer(snapshot, slot)
        for part in candidates:
            quantity = default_quantity(snapshot, slot, part)
            fast = confirmer.errors(part, quantity)
            assert fast == full_engine_errors(snapshot, slot, part, quantity), (slot, part.sku)
            assert fast == _engine(snapshot, slot, part, quantity), (slot, part.sku)
            checked += 1
    return checked


_ATTRIBUTES = st.sampled_from(["spec", "active", "supplier", "provenance", "capacity", "lead", "same"])


@st.composite
def look_alike_catalogs(draw) -> list[Part]:
    """Random catalogs plus near copies of their parts: same specs with one thing changed.

    A copy differs in one spec value, its active flag, supplier, provenance,
    capacity or lead time, or nothing but its SKU, so clean candidates are often
    followed by look-alikes the fast path must tell apart (or may not).
    """
    parts = draw(catalogs())
    copies: list[Part] = []
    for n, part in enumerate(parts):
        for k in range(draw(st.integers(0, 2))):
            what = draw(_ATTRIBUTES)
            copy = dataclasses.replace(part, sku=f"{part.sku}-copy{n}-{k}")
            if what == "spec" and part.specs:
                field = draw(st.sampled_from(sorted(part.specs)))
                other = draw(st.sampled_from([p for p in parts if p.category == part.category]))
                value = other.specs.get(field, D("1"))
                copy = dataclasses.replace(copy, specs={**part.specs, field: value})
            elif what == "active":
                copy = dataclasses.replace(copy, active=not part.active)
            elif what == "supplier":
                copy = dataclasses.replace(
                    copy, supplier_code="TWMC", supplier_name="Tianshan Western Metals Co."
                )
            elif what == "provenance":
                copy = dataclasses.replace(copy, provenance=part.provenance[:-1])
            elif what == "capacity":
                capacity = draw(st.sampled_from([0, 1_000, 50_000_000]))
                copy = dataclasses.replace(copy, annual_capacity=capacity)
            elif what == "lead":
                copy = dataclasses.replace(copy, lead_time_days=draw(st.sampled_from([30, 500])))
            copies.append(copy)
    return parts + copies


@st.composite
def look_alike_catalog_and_kit(draw):
    parts = draw(look_alike_catalogs())
    snapshot = draw(kits(parts))
    # Sometimes book capacity of a copy, so the SKU itself matters to the schedule.
    if parts and draw(st.booleans()):
        sku = draw(st.sampled_from(sorted(p.sku for p in parts)))
        years = [y.year for y in snapshot.schedule] or [2026]
        snapshot = dataclasses.replace(snapshot, booked={(sku, year): 5_000_000 for year in years})
    return parts, snapshot, draw(st.integers(0, 1000))


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(look_alike_catalog_and_kit())
def test_the_fast_confirmation_equals_the_full_engine_for_every_candidate(case):
    parts, snapshot, seed = case
    index = CatalogIndex.build(parts)
    _check_every_candidate(snapshot, index, seed)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(look_alike_catalog_and_kit())
def test_page_items_carry_the_full_engines_violations(case):
    parts, snapshot, _seed = case
    index = CatalogIndex.build(parts)
    for slot, options in all_slot_options(snapshot, index, limit=60).items():
        for option in options.items:
            expected = full_engine_errors(snapshot, slot, option.part, option.quantity)
            own = tuple(v for v in option.violations if v.code != DEAD_END)
            assert own == expected, (slot, option.part.sku)


def test_a_synthetic_catalog_confirms_as_the_full_engine_on_random_partial_kits():
    parts = synthetic.synthetic_parts(1500, seed=5)
    index = CatalogIndex.build(parts)
    by_sku = {p.sku: p for p in parts}
    rng = random.Random(11)
    by_category: dict[str, list[Part]] = {}
    for part in parts:
        by_category.setdefault(part.category, []).append(part)
    checked = 0
    for family in ("CK72-8", "CK48-8"):
        base = synthetic.family_snapshot(family, by_sku)
        for policy in ("none", "dfars-7052"):
            for _ in range(3):
                lines = []
                for line in base.lines:
                    roll = rng.random()
                    if roll < 0.3:
                        continue  # the slot left open
                    if roll < 0.6:  # another part of the category, which may not fit
                        line = dataclasses.replace(line, part=rng.choice(by_category[line.part.category]))
                    lines.append(line)
                snapshot = dataclasses.replace(
                    base, lines=tuple(lines), policy=BUILTIN_POLICIES[policy],
                    schedule=(ScheduleYear(2027, rng.choice([10_000, 400_000])), ScheduleYear(2028, 50_000)),
                    today=date(2026, 3, 1),
                )
                for slot in snapshot.template.slots:
                    options = slot_options(snapshot, index, slot.code, limit=80)
                    for option in options.items:
                        expected = full_engine_errors(snapshot, slot.code, option.part, option.quantity)
                        own = tuple(v for v in option.violations if v.code != DEAD_END)
                        assert own == expected, (slot.code, option.part.sku)
                        checked += 1
    assert checked > 1000


# --------------------------------------------------------------------------- the shortcut's edges


def _clean_then(snapshot: Snapshot, slot: str, first: Part, second: Part) -> tuple:
    confirmer = Confirmer(snapshot, slot)
    assert confirmer.errors(first, default_quantity(snapshot, slot, first)) == ()
    return confirmer.errors(second, default_quantity(snapshot, slot, second))


def test_a_look_alike_differing_in_a_value_the_rules_read_is_judged_by_the_rules():
    snapshot = prius.snapshot()
    hot = dataclasses.replace(prius.MAGNET, sku="MAG-A")
    cool = dataclasses.replace(prius.with_specs(prius.MAGNET, max_operating_temp_c=D(120)), sku="MAG-B")
    found = _clean_then(snapshot, "magnet", hot, cool)
    assert [v.code for v in found] == ["MAGNET_TEMP"]
    assert found == full_engine_errors(snapshot, "magnet", cool, default_quantity(snapshot, "magnet", cool))


def test_the_same_value_written_another_way_is_not_taken_for_the_same():
    # 49.3 and 49.30 are equal Decimals, and 49.3 a float reads alike, but they print
    # differently: a trace keys on what is stored, so each is judged by the rules.
    snapshot = prius.snapshot()
    confirmer = Confirmer(snapshot, "magnet")
    for n, length in enumerate((D("49.3"), D("49.30"), 49.3)):
        part = dataclasses.replace(prius.with_specs(prius.MAGNET, length_mm=length), sku=f"MAG-{n}")
        assert confirmer.errors(part, 16) == ()
    assert sum(len(seen) for seen in confirmer.clean.values()) == 3


def test_a_look_alike_that_is_inactive_or_another_quantity_is_not_clean_by_association():
    snapshot = prius.snapshot()
    first = dataclasses.replace(prius.SHAFT, sku="SH-A")
    inactive = dataclasses.replace(prius.SHAFT, sku="SH-B", active=False)
    assert [v.code for v in _clean_then(snapshot, "shaft", first, inactive)] == ["PART_INACTIVE"]
    confirmer = Confirmer(snapshot, "shaft")
    assert confirmer.errors(first, 1) == ()
    three = dataclasses.replace(first, sku="SH-C")
    found = confirmer.errors(three, 3)
    assert "SLOT_QUANTITY" in {v.code for v in found}
    assert found == full_engine_errors(snapshot, "shaft", three, 3)


def test_a_look_alike_with_its_own_policy_capacity_or_lead_time_trouble_is_still_caught():
    snapshot = dataclasses.replace(prius.snapshot(), policy=BUILTIN_POLICIES["uflpa"],
                                   restricted_entities=frozenset({"TWMC"}))
    first = dataclasses.replace(prius.RESOLVER, sku="RES-A")
    restricted = dataclasses.replace(prius.RESOLVER, sku="RES-B", supplier_code="TWMC")
    short = dataclasses.replace(prius.RESOLVER, sku="RES-C", annual_capacity=10)
    slow = dataclasses.replace(prius.RESOLVER, sku="RES-D", lead_time_days=900)
    booked = dataclasses.replace(prius.RESOLVER, sku="RES-E")
    snapshot = dataclasses.replace(snapshot, booked={("RES-E", 2027): prius.RESOLVER.annual_capacity})
    confirmer = Confirmer(snapshot, "resolver")
    assert confirmer.errors(first, 1) == ()
    for part, code in ((restricted, "ENTITY_RESTRICTED"), (short, "CAPACITY"), (slow, "LEAD_TIME"),
                       (booked, "CAPACITY")):
        found = confirmer.errors(part, 1)
        assert code in {v.code for v in found}, part.sku
        assert found == full_engine_errors(snapshot, "resolver", part, 1)


def test_a_candidate_another_line_holds_is_run_in_full():
    # The same magnet SKU in a second line: their quantities add up against its capacity.
    magnet = dataclasses.replace(prius.MAGNET, annual_capacity=2_000_000)
    snapshot = prius.snapshot(kit_lines=prius.lines(magnet=magnet))
    snapshot = dataclasses.replace(snapshot, lines=(*snapshot.lines, Line("temperature_sensor", magnet, 8)))
    look_alike = dataclasses.replace(magnet, sku="MAG-OTHER")
    confirmer = Confirmer(snapshot, "magnet")
    assert confirmer.errors(look_alike, 16) == ()
    found = confirmer.errors(magnet, 16)
    assert "CAPACITY" in {v.code for v in found}
    assert found == full_engine_errors(snapshot, "magnet", magnet, 16)
