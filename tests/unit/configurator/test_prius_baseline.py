from configurator.domain import evaluate
from tests.unit.configurator import prius


def test_the_prius_package_is_complete_and_valid_without_any_violation():
    result = evaluate(prius.snapshot())

    assert result.complete is True
    assert result.valid is True
    assert result.violations == ()


def test_the_prius_package_is_valid_under_every_policy_but_eu_crma_only_warns():
    for policy in ("china-excluded", "dfars-7052", "uflpa", "none"):
        assert evaluate(prius.snapshot(policy=policy)).violations == (), policy
    crma = evaluate(prius.snapshot(policy="eu-crma"))
    assert crma.valid is True
    assert {v.severity for v in crma.violations} == {"warning"}


def test_the_prius_air_gap_is_the_published_0_73_mm_inside_the_benchmark_range():
    bore = prius.STATOR_CORE.specs["inner_diameter_mm"]
    outer = prius.ROTOR_CORE.specs["outer_diameter_mm"]
    assert (bore - outer) / 2 == prius.D("0.73")


def test_the_rotor_and_stator_kits_validate_on_their_own():
    rotor_slots = {"rotor_core", "magnet", "shaft", "end_plate", "resolver"}
    rotor = prius.snapshot(template="rotor-kit")
    rotor = prius.without(rotor, *({s for s in prius.PARTS} - rotor_slots))
    stator = prius.snapshot(template="stator-kit")
    stator = prius.without(stator, *rotor_slots)

    assert evaluate(rotor).violations == ()
    assert evaluate(stator).violations == ()


def test_to_dict_is_the_interfaces_validation_object():
    broken = prius.snapshot(
        stator_core=prius.with_specs(prius.STATOR_CORE, inner_diameter_mm=prius.D("160.64"))
    )

    data = evaluate(broken).to_dict()

    assert data == {
        "valid": False,
        "complete": True,
        "violations": [
            {
                "code": "AIR_GAP",
                "severity": "error",
                "message": "air gap 0.10 mm is below 0.25 mm (stator bore 160.64, rotor OD 160.44)",
                "slots": ["rotor_core", "stator_core"],
                "skus": ["RC-PR10-16044", "SC-PR10-1619"],
            }
        ],
    }


def test_to_dict_adds_years_only_to_violations_that_have_them():
    part = prius.replace_stage(prius.MAGNET, "mining", country="CN", company="Baotou Steel Rare-Earth")
    data = evaluate(prius.snapshot(policy="dfars-7052", magnet=part)).to_dict()

    (violation,) = data["violations"]
    assert violation["years"] == [2027, 2028, 2029, 2030, 2031]
