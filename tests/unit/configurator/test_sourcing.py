"""Sourcing policies (per delivery year), evidence, CAPACITY and LEAD_TIME."""

import dataclasses
from datetime import date

import pytest

from configurator.domain import BUILTIN_POLICIES, Line, ScheduleYear, Stage, evaluate
from tests.unit.configurator import prius
from tests.unit.configurator.prius import D

CN_MINED = prius.replace_stage(prius.MAGNET, "mining", country="CN", company="Baotou Steel Rare-Earth")


def test_policy_version_on_picks_the_latest_version_in_force():
    dfars = BUILTIN_POLICIES["dfars-7052"]

    assert dfars.version_on(date(2019, 4, 30)).version == "2019"
    assert dfars.version_on(date(2026, 12, 31)).version == "2019"
    assert dfars.version_on(date(2027, 1, 1)).version == "2027"
    assert dfars.version_on(date(2040, 1, 1)).version == "2027"
    with pytest.raises(LookupError):
        dfars.version_on(date(2019, 4, 29))


def test_builtin_policies_are_the_documented_five():
    assert set(BUILTIN_POLICIES) == {"china-excluded", "dfars-7052", "eu-crma", "uflpa", "none"}
    dfars = BUILTIN_POLICIES["dfars-7052"]
    assert set(dfars.versions[0].params["excluded_stages"]) == {"metal_alloy", "magnet_manufacturing"}
    assert set(dfars.versions[1].params["excluded_stages"]) == {
        "mining",
        "separation",
        "metal_alloy",
        "magnet_manufacturing",
    }
    assert dfars.versions[1].params["excluded_countries"] == {"CN", "RU", "KP", "IR"}


# --- china-excluded -----------------------------------------------------------


def test_china_excluded_rejects_a_chinese_stage_in_every_delivery_year():
    (violation,) = evaluate(prius.snapshot(magnet=CN_MINED)).violations

    assert violation.code == "ORIGIN_EXCLUDED"
    assert violation.severity == "error"
    assert violation.slots == ("magnet",)
    assert violation.skus == ("MAG-N45SH-4930",)
    assert violation.years == (2026, 2027, 2028, 2029, 2030, 2031)
    assert violation.message == (
        "MAG-N45SH-4930 mining in CN (Baotou Steel Rare-Earth) is excluded under china-excluded v1 "
        "for deliveries 2026\u20132031"
    )


def test_china_excluded_without_a_schedule_names_no_years():
    (violation,) = evaluate(prius.snapshot(schedule=(), magnet=CN_MINED)).violations

    assert violation.years == ()
    assert violation.message.endswith("is excluded under china-excluded v1")


def test_china_excluded_covers_every_part_and_every_stage():
    stator = prius.replace_stage(prius.STATOR_CORE, "steel_making", country="cn", company="Baosteel")
    (violation,) = evaluate(prius.snapshot(schedule=(), stator_core=stator)).violations

    assert (violation.code, violation.slots) == ("ORIGIN_EXCLUDED", ("stator_core",))
    assert violation.message.startswith("SC-PR10-1619 steel_making in CN (Baosteel) is excluded")


@pytest.mark.parametrize(
    "stage", ["mining", "separation", "metal_alloy", "magnet_manufacturing", "component_manufacturing"]
)
def test_china_excluded_requires_every_magnet_stage_to_be_declared(stage):
    magnet = prius.drop_stage(prius.MAGNET, stage)
    (violation,) = evaluate(prius.snapshot(schedule=(), magnet=magnet)).violations

    assert violation.code == "ORIGIN_UNKNOWN"
    assert violation.severity == "error"
    assert violation.slots == ("magnet",)
    assert violation.message == (
        f"MAG-N45SH-4930 declares no {stage} stage, which is required under china-excluded v1"
    )


def test_china_excluded_requires_component_manufacturing_of_every_part_but_nothing_else():
    shaft = prius.drop_stage(prius.SHAFT, "component_manufacturing")
    unmilled = prius.drop_stage(prius.STATOR_CORE, "steel_making")
    result = evaluate(prius.snapshot(schedule=(), shaft=shaft, stator_core=unmilled))

    assert [(v.code, v.slots) for v in result.violations] == [("ORIGIN_UNKNOWN", ("shaft",))]


# --- dfars-7052 and its 2027 expansion ------------------------------------------


def test_dfars_2027_expansion_hits_only_the_deliveries_from_2027():
    snap = prius.snapshot(policy="dfars-7052", today=date(2025, 6, 1), magnet=CN_MINED)
    (violation,) = evaluate(snap).violations

    assert violation.code == "ORIGIN_EXCLUDED"
    assert violation.years == (2027, 2028, 2029, 2030, 2031)
    assert violation.message == (
        "MAG-N45SH-4930 mining in CN (Baotou Steel Rare-Earth) is excluded under dfars-7052 v2027 "
        "for deliveries 2027\u20132031"
    )


def test_dfars_without_a_schedule_uses_the_version_in_force_today():
    before = prius.snapshot(policy="dfars-7052", schedule=(), today=date(2026, 11, 26), magnet=CN_MINED)
    after = prius.snapshot(policy="dfars-7052", schedule=(), today=date(2027, 1, 1), magnet=CN_MINED)

    assert evaluate(before).violations == ()
    (violation,) = evaluate(after).violations
    assert violation.code == "ORIGIN_EXCLUDED"
    assert violation.years == ()
    assert violation.message.endswith("is excluded under dfars-7052 v2027")


def test_dfars_melted_in_russia_is_excluded_under_both_versions_in_one_violation():
    magnet = prius.replace_stage(prius.MAGNET, "metal_alloy", country="RU", company="Solikamsk")
    (violation,) = evaluate(prius.snapshot(policy="dfars-7052", magnet=magnet)).violations

    assert violation.years == (2026, 2027, 2028, 2029, 2030, 2031)
    assert violation.message.endswith("under dfars-7052 v2019, v2027 for deliveries 2026\u20132031")


@pytest.mark.parametrize("country", ["CN", "RU", "KP", "IR"])
def test_dfars_covered_countries(country):
    magnet = prius.replace_stage(prius.MAGNET, "magnet_manufacturing", country=country)
    found = evaluate(prius.snapshot(policy="dfars-7052", schedule=(), magnet=magnet)).violations
    assert [v.code for v in found] == ["ORIGIN_EXCLUDED"]


def test_dfars_applies_to_magnets_only():
    stator = prius.replace_stage(prius.STATOR_CORE, "component_manufacturing", country="CN")
    shaft = prius.drop_stage(prius.SHAFT, "component_manufacturing")
    assert evaluate(prius.snapshot(policy="dfars-7052", stator_core=stator, shaft=shaft)).violations == ()


def test_dfars_undeclared_covered_stages_follow_the_version_dates():
    no_mining = prius.drop_stage(prius.MAGNET, "mining")
    today_2026 = prius.snapshot(policy="dfars-7052", schedule=(), today=date(2026, 11, 26), magnet=no_mining)
    program = prius.snapshot(policy="dfars-7052", today=date(2025, 6, 1), magnet=no_mining)

    assert evaluate(today_2026).violations == ()
    (violation,) = evaluate(program).violations
    assert violation.code == "ORIGIN_UNKNOWN"
    assert violation.years == (2027, 2028, 2029, 2030, 2031)
    assert violation.message == (
        "MAG-N45SH-4930 declares no mining stage, which is required under dfars-7052 v2027 "
        "for deliveries 2027\u20132031"
    )


def test_years_without_kits_are_not_deliveries():
    schedule = (ScheduleYear(2026, 50_000), ScheduleYear(2027, 0), ScheduleYear(2029, 50_000))
    snap = prius.snapshot(policy="dfars-7052", schedule=schedule, today=date(2025, 6, 1), magnet=CN_MINED)
    (violation,) = evaluate(snap).violations

    assert violation.years == (2029,)
    assert violation.message.endswith("for deliveries 2029")


# --- eu-crma --------------------------------------------------------------------

EU_MAGNET = dataclasses.replace(
    prius.MAGNET,
    sku="MAG-N45SH-4930-EE",
    rare_earth_kg=D("0.0070"),
    provenance=(
        Stage("mining", "SE", "LKAB"),
        Stage("separation", "EE", "NPM Silmet"),
        Stage("metal_alloy", "EE", "NPM Silmet"),
        Stage("magnet_manufacturing", "EE", "Neo Magnequench Narva"),
        Stage("component_manufacturing", "EE", "Neo Magnequench Narva"),
    ),
)


def _split_magnets(asian_rare_earth_kg: str):
    asian = dataclasses.replace(prius.MAGNET, rare_earth_kg=D(asian_rare_earth_kg))
    snap = prius.snapshot(policy="eu-crma", schedule=())
    kit = (
        *(ln for ln in snap.lines if ln.slot != "magnet"),
        Line("magnet", asian, 8),
        Line("magnet", EU_MAGNET, 8),
    )
    return dataclasses.replace(snap, lines=kit)


def test_eu_crma_allows_exactly_65_percent_through_one_country():
    # 8 x 0.0130 = 0.104 of 0.160 kg: 65.0 %.
    assert prius.of_code(evaluate(_split_magnets("0.0130")), "CONCENTRATION") == []


def test_eu_crma_warns_above_65_percent_at_every_stage_outside_the_eu():
    result = evaluate(_split_magnets("0.0131"))
    found = prius.of_code(result, "CONCENTRATION")

    assert result.valid is True
    assert {v.severity for v in found} == {"warning"}
    assert len(found) == 5
    mining = next(v for v in found if "mining in AU" in v.message)
    assert mining.slots == ("magnet",)
    assert mining.skus == ("MAG-N45SH-4930",)
    assert mining.message == (
        "65.2 % of the kit's rare-earth mass (0.1048 of 0.1608 kg) passes through mining in AU, "
        "over the 65 % single-country limit under eu-crma v2024"
    )


def test_eu_crma_lets_any_share_pass_through_eu_countries():
    snap = prius.snapshot(policy="eu-crma", schedule=(), magnet=EU_MAGNET)
    assert evaluate(snap).violations == ()


def test_eu_crma_ignores_kits_without_rare_earths():
    snap = prius.without(prius.snapshot(policy="eu-crma", schedule=()), "magnet")
    assert prius.of_code(evaluate(snap), "CONCENTRATION") == []


# --- uflpa ----------------------------------------------------------------------


@pytest.mark.parametrize("entity", ["SGI", "STAR GROUP IND."])
def test_uflpa_rejects_a_restricted_supplier_by_code_or_name(entity):
    result = evaluate(prius.snapshot(policy="uflpa", schedule=(), restricted=frozenset({entity})))
    supplier = [v for v in result.violations if "supplier" in v.message]

    assert len(supplier) == 1
    assert supplier[0].code == "ENTITY_RESTRICTED"
    assert supplier[0].severity == "error"
    assert supplier[0].slots == ("magnet",)
    assert supplier[0].message == (
        "MAG-N45SH-4930 supplier Star Group Ind. (SGI) is a restricted entity under uflpa v2022"
    )


def test_uflpa_rejects_a_restricted_company_in_any_stage():
    result = evaluate(prius.snapshot(policy="uflpa", restricted=frozenset({"LYNAS RARE EARTHS"})))

    assert [v.message for v in result.violations] == [
        "MAG-N45SH-4930 mining company Lynas Rare Earths is a restricted entity under uflpa v2022 "
        "for deliveries 2026\u20132031",
        "MAG-N45SH-4930 separation company Lynas Rare Earths is a restricted entity under uflpa v2022 "
        "for deliveries 2026\u20132031",
    ]
    assert all(v.code == "ENTITY_RESTRICTED" for v in result.violations)


def test_restricted_entities_only_matter_under_uflpa():
    restricted = frozenset({"SGI", "LYNAS RARE EARTHS"})
    for policy in ("china-excluded", "dfars-7052", "none"):
        assert evaluate(prius.snapshot(policy=policy, restricted=restricted)).violations == ()


def test_policy_none_forbids_nothing():
    magnet = prius.with_stages(CN_MINED, *(s for s in CN_MINED.provenance if s.stage != "separation"))
    assert evaluate(prius.snapshot(policy="none", magnet=magnet)).violations == ()


# --- evidence -------------------------------------------------------------------


MAGNET_COO_2027 = prius.replace_stage(prius.MAGNET, "mining", evidence_expires=date(2027, 6, 30))


@pytest.mark.parametrize(("today", "flagged"), [(date(2027, 6, 30), False), (date(2027, 7, 1), True)])
def test_evidence_expired_before_today_is_a_warning(today, flagged):
    snap = prius.snapshot(schedule=(), today=today, magnet=MAGNET_COO_2027)
    found = prius.of_code(evaluate(snap), "EVIDENCE_EXPIRED")

    assert bool(found) is flagged
    if flagged:
        assert found[0].severity == "warning"
        assert found[0].slots == ("magnet",)
        assert found[0].skus == ("MAG-N45SH-4930",)
        assert found[0].message == (
            "MAG-N45SH-4930 mining evidence COO-2026-0117 expired on 2027-06-30 (today 2027-07-01)"
        )


def test_evidence_lapsing_during_the_program_needs_renewal_for_the_later_deliveries():
    # The certificate expires mid-2027 in a 2026-2031 program: valid on the pricing day,
    # so not EVIDENCE_EXPIRED, but the 2028-2031 deliveries begin after it lapsed.
    result = evaluate(prius.snapshot(magnet=MAGNET_COO_2027))
    (renewal,) = prius.of_code(result, "EVIDENCE_RENEWAL")

    assert result.valid is True
    assert prius.of_code(result, "EVIDENCE_EXPIRED") == []
    assert renewal.severity == "warning"
    assert renewal.slots == ("magnet",) and renewal.skus == ("MAG-N45SH-4930",)
    assert renewal.years == (2028, 2029, 2030, 2031)
    assert renewal.message == (
        "MAG-N45SH-4930 mining evidence COO-2026-0117 expires on 2027-06-30, "
        "before deliveries 2028\u20132031: it must be renewed"
    )


@pytest.mark.parametrize(("expires", "years"), [
    (date(2027, 12, 31), (2028, 2029, 2030, 2031)),  # valid through 31 Dec: 2027 is covered
    (date(2028, 1, 1), (2029, 2030, 2031)),  # valid on the first day of 2028
    (date(2031, 1, 1), ()),
])
def test_evidence_renewal_is_judged_at_the_start_of_each_delivery_year(expires, years):
    magnet = prius.replace_stage(prius.MAGNET, "mining", evidence_expires=expires)
    found = prius.of_code(evaluate(prius.snapshot(magnet=magnet)), "EVIDENCE_RENEWAL")

    assert tuple(y for v in found for y in v.years) == years


def test_expired_evidence_is_both_expired_today_and_due_for_renewal():
    magnet = prius.replace_stage(prius.MAGNET, "mining", evidence_expires=date(2025, 3, 31))
    result = evaluate(prius.snapshot(magnet=magnet))

    assert [v.skus for v in prius.of_code(result, "EVIDENCE_EXPIRED")] == [("MAG-N45SH-4930",)]
    (renewal,) = prius.of_code(result, "EVIDENCE_RENEWAL")
    assert renewal.years == (2026, 2027, 2028, 2029, 2030, 2031)


def test_evidence_renewal_follows_the_policy_and_needs_a_schedule():
    stator = prius.replace_stage(
        prius.STATOR_CORE, "steel_making", evidence_reference="MTC-88", evidence_expires=date(2026, 6, 30)
    )
    # dfars-7052 covers magnets only; none checks nothing; without a schedule nothing is due.
    assert prius.of_code(evaluate(prius.snapshot(policy="dfars-7052", stator_core=stator)),
                         "EVIDENCE_RENEWAL") == []
    assert prius.of_code(evaluate(prius.snapshot(policy="none", stator_core=stator)),
                         "EVIDENCE_RENEWAL") == []
    assert prius.of_code(evaluate(prius.snapshot(schedule=(), stator_core=stator)),
                         "EVIDENCE_RENEWAL") == []
    (renewal,) = prius.of_code(evaluate(prius.snapshot(stator_core=stator)), "EVIDENCE_RENEWAL")
    assert renewal.skus == ("SC-PR10-1619",) and renewal.years == (2027, 2028, 2029, 2030, 2031)


def test_evidence_is_checked_only_for_parts_the_policy_covers():
    stator = prius.replace_stage(
        prius.STATOR_CORE, "steel_making", evidence_reference="MTC-88", evidence_expires=date(2025, 1, 1)
    )
    under_dfars = prius.snapshot(policy="dfars-7052", schedule=(), stator_core=stator)
    under_china = prius.snapshot(schedule=(), stator_core=stator)
    under_none = prius.snapshot(policy="none", schedule=(), stator_core=stator)

    assert prius.of_code(evaluate(under_dfars), "EVIDENCE_EXPIRED") == []
    assert [v.skus for v in prius.of_code(evaluate(under_china), "EVIDENCE_EXPIRED")] == [("SC-PR10-1619",)]
    assert prius.of_code(evaluate(under_none), "EVIDENCE_EXPIRED") == []


# --- CAPACITY and LEAD_TIME -------------------------------------------------------

RAMP = (
    ScheduleYear(2026, 150_000),
    ScheduleYear(2027, 200_000),
    ScheduleYear(2028, 200_001),
    ScheduleYear(2029, 250_000),
)


@pytest.mark.parametrize("policy", ["china-excluded", "none"])
def test_capacity_names_the_years_a_part_cannot_supply(policy):
    magnet = dataclasses.replace(prius.MAGNET, annual_capacity=3_200_000)  # 200,000 kits
    result = evaluate(prius.snapshot(policy=policy, schedule=RAMP, magnet=magnet))
    (violation,) = result.violations

    assert result.valid is False
    assert violation.code == "CAPACITY"
    assert violation.severity == "error"
    assert violation.slots == ("magnet",)
    assert violation.skus == ("MAG-N45SH-4930",)
    assert violation.years == (2028, 2029)
    assert violation.message == (
        "MAG-N45SH-4930 units exceed the capacity still free (annual capacity 3,200,000): "
        "2028 needs 3,200,016, 3,200,000 free; 2029 needs 4,000,000, 3,200,000 free"
    )


def test_capacity_counts_units_other_orders_already_booked():
    # 100,000 kits x 16 = 1,600,000 magnets a year; capacity 3,200,000 is shared by every buyer.
    magnet = dataclasses.replace(prius.MAGNET, annual_capacity=3_200_000)
    sku = magnet.sku
    alone = prius.snapshot(magnet=magnet)
    assert prius.of_code(evaluate(alone), "CAPACITY") == []

    # Others booked 1,600,000 in 2027 (exactly what is left) and 1,600,001 in 2029.
    booked = {(sku, 2027): 1_600_000, (sku, 2029): 1_600_001, ("SOMETHING-ELSE", 2030): 9_999_999}
    result = evaluate(dataclasses.replace(alone, booked=booked))
    (violation,) = prius.of_code(result, "CAPACITY")

    assert result.valid is False
    assert violation.years == (2029,)
    assert violation.message == (
        "MAG-N45SH-4930 units exceed the capacity still free (annual capacity 3,200,000): "
        "2029 needs 1,600,000, 1,599,999 free"
    )


def test_three_programs_cannot_book_three_times_a_parts_capacity():
    # Each program alone fits the magnet's capacity; the units accepted orders booked
    # count against the next one, so the third finds nothing free.
    magnet = dataclasses.replace(prius.MAGNET, annual_capacity=1_600_000)  # one program a year
    schedule = (ScheduleYear(2027, 100_000),)
    booked: dict = {}
    verdicts = []
    for _order in range(3):
        snap = dataclasses.replace(prius.snapshot(magnet=magnet, schedule=schedule), booked=booked)
        ok = not prius.of_code(evaluate(snap), "CAPACITY")
        verdicts.append(ok)
        if ok:
            booked = {(magnet.sku, 2027): booked.get((magnet.sku, 2027), 0) + 1_600_000}
    assert verdicts == [True, False, False]


def test_capacity_counts_every_unit_of_a_part_per_kit():
    # Two end plates a kit: 250,000 kits need exactly the 500,000 a year on offer.
    at_capacity = prius.snapshot(schedule=(ScheduleYear(2026, 250_000),))
    over = prius.snapshot(schedule=(ScheduleYear(2026, 250_001),))

    assert prius.of_code(evaluate(at_capacity), "CAPACITY") == []
    assert "EP-PR10-158" in {v.skus[0] for v in prius.of_code(evaluate(over), "CAPACITY")}


def test_capacity_and_lead_time_need_a_schedule():
    magnet = dataclasses.replace(prius.MAGNET, annual_capacity=0, lead_time_days=3650)
    assert evaluate(prius.snapshot(schedule=(), magnet=magnet)).violations == ()


@pytest.mark.parametrize(("today", "flagged"), [(date(2025, 10, 3), False), (date(2025, 10, 4), True)])
def test_lead_time_against_the_first_delivery(today, flagged):
    result = evaluate(prius.snapshot(policy="none", today=today))
    found = prius.of_code(result, "LEAD_TIME")

    assert bool(found) is flagged
    if flagged:
        (violation,) = found
        assert violation.severity == "error"
        assert violation.slots == ("magnet",)
        assert violation.skus == ("MAG-N45SH-4930",)
        assert violation.years == (2026,)
        assert violation.message == (
            "MAG-N45SH-4930 has a 90-day lead time: ordered today (2025-10-04) it is ready "
            "2026-01-02, after the first delivery on 2026-01-01"
        )


def test_lead_time_counts_from_the_first_year_with_kits():
    schedule = (ScheduleYear(2026, 0), ScheduleYear(2027, 100_000))
    assert (
        prius.of_code(evaluate(prius.snapshot(schedule=schedule, today=date(2026, 9, 1))), "LEAD_TIME") == []
    )
