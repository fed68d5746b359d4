import json
from decimal import Decimal

import pytest

from parts.domain.specs import (
    CATEGORIES,
    CATEGORY_LABELS,
    INSULATION_CLASS_TEMP_C,
    MAGNET_REMANENCE_RANGE,
    MAGNET_SUFFIX_MIN_COERCIVITY,
    MAGNET_SUFFIX_TEMP_C,
    FieldSpec,
    SpecError,
    clean_specs,
    parse_magnet_grade,
    specs_from_json,
    specs_to_json,
)

# Geometry modelled on the 2010 Prius traction motor (ORNL/TM-2010/253).
VALID = {
    "stator_core": {
        "outer_diameter_mm": 264,
        "inner_diameter_mm": 161.9,
        "stack_length_mm": 50.8,
        "slots": 48,
        "slot_type": "round_wire",
        "lamination_grade": "M250-35A",
        "lamination_thickness_mm": 0.35,
    },
    "rotor_core": {
        "outer_diameter_mm": 160.4,
        "bore_diameter_mm": 51,
        "stack_length_mm": 50.8,
        "poles": 8,
        "magnets_per_pole": 2,
        "pocket_length_mm": 50.8,
        "pocket_width_mm": 17.95,
        "pocket_thickness_mm": 7.25,
        "lamination_grade": "M250-35A",
        "lamination_thickness_mm": 0.35,
        "max_speed_rpm": 13500,
    },
    "magnet": {
        "grade": "N48SH",
        "max_operating_temp_c": 150,
        "remanence_t": 1.39,
        "coercivity_ka_per_m": 1671,
        "length_mm": 49.3,
        "width_mm": 17.9,
        "thickness_mm": 7.2,
        "mass_g": 47.6,
        "heavy_rare_earth": "dy",
        "grain_boundary_diffused": True,
        "ndpr_kg": 0.0138,
        "dy_tb_kg": 0.0004,
    },
    "shaft": {
        "seat_diameter_mm": 51.04,
        "length_mm": 312.5,
        "max_speed_rpm": 14000,
        "fit": "press",
    },
    "end_plate": {"outer_diameter_mm": 158, "bore_diameter_mm": 51.2},
    "winding": {
        "type": "round_wire",
        "slots": 48,
        "poles": 8,
        "phases": 3,
        "insulation_class": "H",
        "voltage_class_v": 800,
        "stack_length_mm": 50.8,
    },
    "insulation": {
        "insulation_class": "H",
        "voltage_class_v": 800,
        "pd_free": True,
        "slots": 48,
        "stack_length_mm": 50.8,
    },
    "busbar": {"phases": 3, "voltage_class_v": 800, "max_current_a": 450, "slots": 48},
    "resolver": {"pole_pairs": 4, "bore_diameter_mm": 51},
    "temperature_sensor": {"sensor_type": "ntc", "max_temp_c": 180},
}


def specs(category, **changes):
    data = dict(VALID[category])
    data.update(changes)
    return data


def errors_by_path(errors):
    return {error.path: error.message for error in errors}


def only_error(category, raw):
    _clean, errors = clean_specs(category, raw)
    assert len(errors) == 1, errors
    return errors[0]


# --- schema -----------------------------------------------------------------


def test_schema_has_exactly_the_documented_categories():
    expected = {
        "stator_core",
        "rotor_core",
        "magnet",
        "shaft",
        "end_plate",
        "winding",
        "insulation",
        "busbar",
        "resolver",
        "temperature_sensor",
    }
    assert set(CATEGORIES) == expected
    assert set(CATEGORY_LABELS) == expected
    assert CATEGORY_LABELS["stator_core"] == "Stator core"


def test_schema_fields_follow_the_documented_order():
    assert [f.name for f in CATEGORIES["stator_core"]] == [
        "outer_diameter_mm",
        "inner_diameter_mm",
        "stack_length_mm",
        "slots",
        "slot_type",
        "lamination_grade",
        "lamination_thickness_mm",
    ]
    assert [f.name for f in CATEGORIES["magnet"]][:4] == [
        "grade",
        "max_operating_temp_c",
        "remanence_t",
        "coercivity_ka_per_m",
    ]
    for category, data in VALID.items():
        assert [f.name for f in CATEGORIES[category]] == list(data)


def test_schema_field_kinds_and_flags():
    fields = {f.name: f for f in CATEGORIES["rotor_core"]}
    assert fields["poles"] == FieldSpec(
        "poles", "int", "Poles", positive=True, even=True, help_text=fields["poles"].help_text
    )
    assert fields["outer_diameter_mm"].kind == "decimal"
    assert fields["outer_diameter_mm"].unit == "mm"
    assert fields["outer_diameter_mm"].positive
    winding = {f.name: f for f in CATEGORIES["winding"]}
    assert winding["voltage_class_v"].choices == (400, 800)
    assert winding["phases"].choices == (3,)
    assert winding["insulation_class"].choices == ("F", "H", "N", "R")
    magnet = {f.name: f for f in CATEGORIES["magnet"]}
    assert magnet["ndpr_kg"].min_value == 0
    assert not magnet["ndpr_kg"].positive
    assert magnet["heavy_rare_earth"].choices == ("none", "dy", "tb", "dy_tb")


def test_reference_tables_match_the_domain_document():
    assert INSULATION_CLASS_TEMP_C == {"F": 155, "H": 180, "N": 200, "R": 220}
    assert MAGNET_SUFFIX_TEMP_C == {
        "": 80, "M": 100, "H": 120, "SH": 150, "UH": 180, "EH": 200, "AH": 220
    }
    assert MAGNET_SUFFIX_MIN_COERCIVITY == {
        "": 955, "M": 1114, "H": 1353, "SH": 1592, "UH": 1990, "EH": 2388, "AH": 2626
    }
    assert MAGNET_REMANENCE_RANGE[35] == (Decimal("1.17"), Decimal("1.22"))
    assert MAGNET_REMANENCE_RANGE[48] == (Decimal("1.37"), Decimal("1.42"))
    assert MAGNET_REMANENCE_RANGE[52] == (Decimal("1.42"), Decimal("1.48"))
    assert sorted(MAGNET_REMANENCE_RANGE) == [35, 38, 40, 42, 45, 48, 50, 52]


# --- valid data -------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(VALID))
def test_every_category_accepts_a_realistic_spec_set(category):
    clean, errors = clean_specs(category, VALID[category])
    assert errors == []
    assert list(clean) == [f.name for f in CATEGORIES[category]]


def test_clean_values_are_normalised_to_python_types():
    clean, errors = clean_specs("stator_core", specs("stator_core", lamination_grade="  M250-35A "))
    assert errors == []
    assert clean["inner_diameter_mm"] == Decimal("161.9")
    assert str(clean["inner_diameter_mm"]) == "161.9"
    assert isinstance(clean["outer_diameter_mm"], Decimal)
    assert type(clean["slots"]) is int
    assert clean["lamination_thickness_mm"] == Decimal("0.35")
    assert clean["lamination_grade"] == "M250-35A"


@pytest.mark.parametrize("value", [48, "48", " 48 ", 48.0, Decimal("48"), "48.0"])
def test_int_fields_accept_integral_numbers_and_numeric_strings(value):
    clean, errors = clean_specs("stator_core", specs("stator_core", slots=value))
    assert errors == []
    assert clean["slots"] == 48
    assert type(clean["slots"]) is int


@pytest.mark.parametrize("value", [161.9, "161.9", Decimal("161.9"), " 161.9"])
def test_decimal_fields_accept_floats_decimals_and_numeric_strings(value):
    clean, errors = clean_specs("stator_core", specs("stator_core", inner_diameter_mm=value))
    assert errors == []
    assert clean["inner_diameter_mm"] == Decimal("161.9")


def test_voltage_class_accepts_its_integer_values():
    for value in (400, 800, "800"):
        clean, errors = clean_specs("busbar", specs("busbar", voltage_class_v=value))
        assert errors == []
        assert clean["voltage_class_v"] == int(value)


def test_temperatures_accept_negative_and_fractional_values():
    clean, errors = clean_specs("temperature_sensor", specs("temperature_sensor", max_temp_c=-40))
    assert errors == []
    assert clean["max_temp_c"] == Decimal(-40)
    clean, errors = clean_specs("magnet", specs("magnet", max_operating_temp_c=149.5))
    assert errors == []
    assert clean["max_operating_temp_c"] == Decimal("149.5")


def test_zero_heavy_rare_earth_content_is_allowed():
    clean, errors = clean_specs(
        "magnet", specs("magnet", heavy_rare_earth="none", dy_tb_kg=0, ndpr_kg=0)
    )
    assert errors == []
    assert clean["dy_tb_kg"] == 0


# --- rejected values --------------------------------------------------------


def test_missing_field_is_reported_at_its_path():
    raw = specs("stator_core")
    del raw["slots"]
    error = only_error("stator_core", raw)
    assert error == SpecError("slots", "is required")


@pytest.mark.parametrize(
    ("category", "key"),
    [
        ("resolver", "bore_diameter_mm"),
        ("insulation", "slots"),
        ("insulation", "stack_length_mm"),
        ("busbar", "slots"),
    ],
)
def test_the_fit_fields_of_resolver_insulation_and_busbar_are_required(category, key):
    raw = specs(category)
    del raw[key]
    assert only_error(category, raw) == SpecError(key, "is required")
    assert only_error(category, specs(category, **{key: 0})).path == key
    assert only_error(category, specs(category, **{key: "wide"})).path == key


def test_null_counts_as_missing():
    error = only_error("resolver", {"pole_pairs": None, "bore_diameter_mm": 51})
    assert error == SpecError("pole_pairs", "is required")


def test_unknown_field_is_reported_at_its_key():
    error = only_error("shaft", specs("shaft", keyway_width_mm=6))
    assert error == SpecError("keyway_width_mm", "unknown spec field")


def test_unknown_category_lists_the_valid_ones():
    clean, errors = clean_specs("flux_capacitor", {"x": 1})
    assert clean == {}
    assert len(errors) == 1
    assert errors[0].path == ""
    assert "flux_capacitor" in errors[0].message
    for category in CATEGORIES:
        assert category in errors[0].message


def test_specs_that_are_not_an_object_are_rejected():
    clean, errors = clean_specs("resolver", [4])
    assert clean == {}
    assert [e.path for e in errors] == [""]


@pytest.mark.parametrize("value", [48.5, "48.5", Decimal("48.5")])
def test_non_integral_value_for_an_int_field_is_rejected(value):
    error = only_error("stator_core", specs("stator_core", slots=value))
    assert error.path == "slots"
    assert "must be an integer" in error.message


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_accepted_as_numbers(value):
    error = only_error("stator_core", specs("stator_core", slots=value))
    assert error.path == "slots"
    assert "integer" in error.message
    error = only_error("shaft", specs("shaft", length_mm=value))
    assert error.path == "length_mm"
    assert "number" in error.message


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), "NaN", "nan", "Infinity", "inf",
     Decimal("NaN"), Decimal("Infinity"), Decimal("sNaN")],
)
def test_nan_and_infinity_are_rejected(value):
    error = only_error("shaft", specs("shaft", length_mm=value))
    assert error.path == "length_mm"
    assert "finite number" in error.message
    error = only_error("resolver", {"pole_pairs": value, "bore_diameter_mm": 51})
    assert error.path == "pole_pairs"
    assert "integer" in error.message


@pytest.mark.parametrize("value", ["abc", "", "1,5", "1_000", [1], {"v": 1}])
def test_non_numeric_values_are_rejected_for_decimal_fields(value):
    error = only_error("end_plate", specs("end_plate", bore_diameter_mm=value))
    assert error.path == "bore_diameter_mm"
    assert "number" in error.message


def test_decimals_a_float_cannot_hold_are_rejected():
    error = only_error("shaft", specs("shaft", length_mm="312.50000000000000001"))
    assert error.path == "length_mm"
    assert "significant digits" in error.message


@pytest.mark.parametrize("value", [7, 9, "10.0001"])
def test_odd_or_fractional_poles_are_rejected(value):
    error = only_error("rotor_core", specs("rotor_core", poles=value))
    assert error.path == "poles"
    assert "integer" in error.message


def test_odd_poles_say_even_in_rotor_and_winding():
    for category in ("rotor_core", "winding"):
        error = only_error(category, specs(category, poles=7))
        assert error.path == "poles"
        assert "must be an even integer" in error.message
        assert "7" in error.message


@pytest.mark.parametrize(
    ("category", "key", "value"),
    [
        ("stator_core", "slots", 0),
        ("stator_core", "outer_diameter_mm", -264),
        ("rotor_core", "pocket_width_mm", 0),
        ("rotor_core", "max_speed_rpm", 0),
        ("magnet", "mass_g", 0),
        ("magnet", "remanence_t", -1.39),
        ("busbar", "max_current_a", 0),
        ("resolver", "pole_pairs", -4),
        ("rotor_core", "magnets_per_pole", 0),
    ],
)
def test_dimensions_and_counts_must_be_positive(category, key, value):
    _clean, errors = clean_specs(category, specs(category, **{key: value}))
    by_path = errors_by_path(errors)
    assert key in by_path
    assert "greater than 0" in by_path[key]


def test_rare_earth_content_may_not_be_negative():
    error = only_error("magnet", specs("magnet", dy_tb_kg=-0.001))
    assert error.path == "dy_tb_kg"
    assert "at least 0" in error.message


def test_bool_fields_need_real_booleans():
    for value in (1, "true", "yes", 0):
        error = only_error("insulation", specs("insulation", pd_free=value))
        assert error.path == "pd_free"
        assert "true or false" in error.message


def test_string_fields_need_non_empty_strings():
    error = only_error("stator_core", specs("stator_core", lamination_grade="   "))
    assert error == SpecError("lamination_grade", "must not be empty")
    error = only_error("stator_core", specs("stator_core", lamination_grade=35))
    assert error == SpecError("lamination_grade", "must be a string")


@pytest.mark.parametrize(
    ("category", "key", "value", "allowed"),
    [
        ("stator_core", "slot_type", "square", ["round_wire", "rectangular"]),
        ("winding", "type", "concentrated", ["hairpin", "round_wire"]),
        ("winding", "insulation_class", "B", ["F", "H", "N", "R"]),
        ("winding", "phases", 6, ["3"]),
        ("busbar", "voltage_class_v", 600, ["400", "800"]),
        ("insulation", "voltage_class_v", "high", ["400", "800"]),
        ("shaft", "fit", "shrink", ["press", "keyed"]),
        ("magnet", "heavy_rare_earth", "ho", ["none", "dy", "tb", "dy_tb"]),
        ("temperature_sensor", "sensor_type", "pt100", ["ntc", "pt1000"]),
        ("insulation", "insulation_class", 180, ["F", "H", "N", "R"]),
    ],
)
def test_choice_fields_reject_other_values_and_name_the_allowed_ones(
    category, key, value, allowed
):
    error = only_error(category, specs(category, **{key: value}))
    assert error.path == key
    assert error.message.startswith("must be one of")
    for choice in allowed:
        assert choice in error.message


def test_voltage_class_rejects_a_boolean():
    error = only_error("busbar", specs("busbar", voltage_class_v=True))
    assert error.path == "voltage_class_v"


@pytest.mark.parametrize(
    ("category", "inner", "outer"),
    [
        ("stator_core", "inner_diameter_mm", "outer_diameter_mm"),
        ("rotor_core", "bore_diameter_mm", "outer_diameter_mm"),
        ("end_plate", "bore_diameter_mm", "outer_diameter_mm"),
    ],
)
def test_bore_must_be_smaller_than_outer_diameter(category, inner, outer):
    error = only_error(category, specs(category, **{inner: 170, outer: 170}))
    assert error.path == inner
    assert outer in error.message
    assert "170" in error.message
    error = only_error(category, specs(category, **{inner: 171, outer: 170}))
    assert error.path == inner


def test_cross_field_check_skips_fields_that_are_already_invalid():
    _clean, errors = clean_specs("end_plate", {"outer_diameter_mm": "x", "bore_diameter_mm": 51})
    assert [e.path for e in errors] == ["outer_diameter_mm"]


def test_several_errors_are_collected_at_once():
    raw = specs(
        "rotor_core",
        poles=7,
        magnets_per_pole=1.5,
        pocket_width_mm=float("nan"),
        lamination_grade="",
        colour="grey",
    )
    del raw["max_speed_rpm"]
    _clean, errors = clean_specs("rotor_core", raw)
    assert set(errors_by_path(errors)) == {
        "poles",
        "magnets_per_pole",
        "pocket_width_mm",
        "lamination_grade",
        "max_speed_rpm",
        "colour",
    }
    assert len(errors) == 6


# --- magnet grade consistency -------------------------------------------------


def test_parse_magnet_grade():
    assert parse_magnet_grade("N48SH") == (48, "SH")
    assert parse_magnet_grade("n42") == (42, "")
    assert parse_magnet_grade(" n52uh ") == (52, "UH")
    assert parse_magnet_grade("N55") is None
    assert parse_magnet_grade("N48XH") is None
    assert parse_magnet_grade("48SH") is None
    assert parse_magnet_grade("") is None


def test_lowercase_grade_is_normalised_to_upper_case():
    clean, errors = clean_specs("magnet", specs("magnet", grade=" n48sh "))
    assert errors == []
    assert clean["grade"] == "N48SH"


def test_unknown_grade_number_is_rejected_naming_accepted_grades():
    error = only_error("magnet", specs("magnet", grade="N55SH"))
    assert error.path == "grade"
    assert "N55" in error.message
    for number in (35, 38, 40, 42, 45, 48, 50, 52):
        assert f"N{number}" in error.message


def test_unparseable_grade_is_rejected():
    for grade in ("NdFeB", "N48XH", "SmCo"):
        error = only_error("magnet", specs("magnet", grade=grade))
        assert error.path == "grade"
        assert "N35" in error.message
        assert "SH" in error.message


def test_invalid_grade_does_not_add_consistency_errors():
    _clean, errors = clean_specs(
        "magnet", specs("magnet", grade="N99", max_operating_temp_c=400, remanence_t=9)
    )
    assert [e.path for e in errors] == ["grade"]


@pytest.mark.parametrize(("suffix", "limit"), sorted(MAGNET_SUFFIX_TEMP_C.items()))
def test_operating_temperature_may_reach_but_not_exceed_the_suffix_rating(suffix, limit):
    coercivity = MAGNET_SUFFIX_MIN_COERCIVITY[suffix]
    base = specs("magnet", grade=f"N45{suffix}", remanence_t=1.35, coercivity_ka_per_m=coercivity)
    _clean, errors = clean_specs("magnet", {**base, "max_operating_temp_c": limit})
    assert errors == []
    error = only_error("magnet", {**base, "max_operating_temp_c": limit + 1})
    assert error.path == "max_operating_temp_c"
    assert f"N45{suffix}" in error.message
    assert str(limit) in error.message
    assert str(limit + 1) in error.message


def test_temperature_message_names_grade_and_numbers():
    error = only_error("magnet", specs("magnet", max_operating_temp_c=160))
    assert error == SpecError("max_operating_temp_c", "N48SH is rated at most 150 °C; 160 given")


def test_a_magnet_may_be_rated_below_its_suffix_temperature():
    _clean, errors = clean_specs(
        "magnet", specs("magnet", grade="N50", remanence_t=1.42, coercivity_ka_per_m=955,
                        max_operating_temp_c=70)
    )
    assert errors == []


def test_temperature_just_above_the_limit_is_rejected():
    error = only_error("magnet", specs("magnet", max_operating_temp_c="150.1"))
    assert error.path == "max_operating_temp_c"


@pytest.mark.parametrize(("suffix", "minimum"), sorted(MAGNET_SUFFIX_MIN_COERCIVITY.items()))
def test_coercivity_may_not_fall_below_the_suffix_minimum(suffix, minimum):
    base = specs("magnet", grade=f"N40{suffix}", remanence_t=1.26, max_operating_temp_c=70)
    _clean, errors = clean_specs("magnet", {**base, "coercivity_ka_per_m": minimum})
    assert errors == []
    error = only_error("magnet", {**base, "coercivity_ka_per_m": minimum - 1})
    assert error.path == "coercivity_ka_per_m"
    assert str(minimum) in error.message
    assert str(minimum - 1) in error.message


@pytest.mark.parametrize(("number", "bounds"), sorted(MAGNET_REMANENCE_RANGE.items()))
def test_remanence_must_lie_within_the_grade_range_inclusive(number, bounds):
    low, high = bounds
    base = specs("magnet", grade=f"N{number}SH")
    for value in (low, high, str(low), float(high)):
        _clean, errors = clean_specs("magnet", {**base, "remanence_t": value})
        assert errors == [], value
    for value in (low - Decimal("0.001"), high + Decimal("0.001")):
        error = only_error("magnet", {**base, "remanence_t": value})
        assert error.path == "remanence_t"
        assert str(low) in error.message
        assert str(high) in error.message
        assert str(value) in error.message


def test_each_grade_disagreement_is_its_own_error():
    raw = specs(
        "magnet",
        grade="n48sh",
        max_operating_temp_c=151,
        coercivity_ka_per_m=1591,
        remanence_t=1.43,
    )
    del raw["mass_g"]
    _clean, errors = clean_specs("magnet", raw)
    by_path = errors_by_path(errors)
    assert set(by_path) == {
        "mass_g",
        "max_operating_temp_c",
        "coercivity_ka_per_m",
        "remanence_t",
    }
    assert "151" in by_path["max_operating_temp_c"]
    assert "1592" in by_path["coercivity_ka_per_m"]
    assert "1.43" in by_path["remanence_t"]


# --- JSON storage -------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(VALID))
def test_specs_round_trip_through_json_exactly(category):
    clean, errors = clean_specs(category, VALID[category])
    assert errors == []
    stored = json.loads(json.dumps(specs_to_json(clean)))
    restored = specs_from_json(category, stored)
    assert restored == clean
    for key, value in clean.items():
        assert type(restored[key]) is type(value), key


def test_specs_to_json_uses_ints_for_integral_decimals_and_floats_otherwise():
    clean, _ = clean_specs("stator_core", VALID["stator_core"])
    stored = specs_to_json(clean)
    assert stored["outer_diameter_mm"] == 264
    assert type(stored["outer_diameter_mm"]) is int
    assert stored["inner_diameter_mm"] == 161.9
    assert type(stored["inner_diameter_mm"]) is float
    assert stored["lamination_thickness_mm"] == 0.35
    assert stored["slots"] == 48
    assert stored["slot_type"] == "round_wire"


def test_specs_from_json_restores_exact_decimals():
    restored = specs_from_json(
        "magnet", {"coercivity_ka_per_m": 1671, "remanence_t": 1.39, "length_mm": 49.3,
                   "grade": "N48SH", "grain_boundary_diffused": False}
    )
    assert str(restored["coercivity_ka_per_m"]) == "1671"
    assert str(restored["remanence_t"]) == "1.39"
    assert str(restored["length_mm"]) == "49.3"
    assert restored["grade"] == "N48SH"
    assert restored["grain_boundary_diffused"] is False


def test_int_fields_stay_int_after_json():
    restored = specs_from_json("rotor_core", {"poles": 8, "max_speed_rpm": 13500})
    assert restored == {"poles": 8, "max_speed_rpm": 13500}
    assert type(restored["poles"]) is int


def test_specs_to_json_refuses_values_it_cannot_store_exactly():
    with pytest.raises(ValueError, match="length_mm"):
        specs_to_json({"length_mm": Decimal("0.1000000000000000000001")})
    with pytest.raises(ValueError, match="length_mm"):
        specs_to_json({"length_mm": Decimal("NaN")})


def test_specs_from_json_rejects_unknown_category():
    with pytest.raises(ValueError, match="nope"):
        specs_from_json("nope", {})


def test_spec_display_rows_in_schema_order_with_units():
    from parts.domain.specs import spec_display_rows

    rows = spec_display_rows("shaft", {"fit": "press", "seat_diameter_mm": 45.04, "max_speed_rpm": 17000,
                                       "length_mm": 310})
    assert [label for label, _ in rows][:2] == ["Rotor seat diameter", "Length"]
    values = dict(rows)
    assert values["Rotor seat diameter"] == "45.04 mm" and values["Maximum speed"] == "17,000 rpm"
    assert values["Rotor fit"] == "press fit"


@pytest.mark.parametrize(("category", "field", "code", "words"), [
    ("stator_core", "slot_type", "round_wire", "round wire"),
    ("winding", "type", "round_wire", "round wire"),
    ("temperature_sensor", "sensor_type", "pt1000", "Pt1000 platinum RTD"),
    ("temperature_sensor", "sensor_type", "ntc", "NTC thermistor"),
    ("magnet", "heavy_rare_earth", "dy", "dysprosium (Dy)"),
    ("magnet", "heavy_rare_earth", "dy_tb", "dysprosium and terbium (Dy, Tb)"),
])
def test_spec_display_rows_show_words_not_codes(category, field, code, words):
    from parts.domain.specs import CATEGORIES, spec_display_rows

    label = next(f.label for f in CATEGORIES[category] if f.name == field)
    assert dict(spec_display_rows(category, {field: code}))[label] == words
