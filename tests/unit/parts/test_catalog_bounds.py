"""The catalog parser and validator refuse absurd input with an error, never a crash."""

import json

import pytest

from parts.domain.catalog import MAX_DEPTH, json_depth_exceeds, parse_json, validate_document
from parts.domain.specs import clean_specs
from tests.conftest import SMALL_CATALOG


def test_two_hundred_thousand_deep_json_is_an_error_not_a_recursion_crash():
    text = "[" * 200_000 + "]" * 200_000
    document, errors = parse_json(text)
    assert document is None and errors[0].path == "$" and "nested" in errors[0].message
    deep_object = '{"a":' * 200_000 + "1" + "}" * 200_000
    assert parse_json(deep_object.encode())[1][0].message.startswith("nested")


def test_depth_counts_brackets_outside_strings_only():
    assert not json_depth_exceeds(json.dumps({"name": "[" * 100}))
    assert json_depth_exceeds("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert not json_depth_exceeds(json.dumps(SMALL_CATALOG))


def test_a_file_above_the_size_limit_is_refused():
    assert "larger than 10 bytes" in parse_json(b'{"format": "x"}', max_bytes=10)[1][0].message


@pytest.mark.parametrize("price", ["1e100000000", "-1e100000000", "1e-100000000", "9" * 5000,
                                   "1" * 15])
def test_absurd_unit_prices_are_errors_with_their_path(price):
    document = json.loads(json.dumps(SMALL_CATALOG))
    document["parts"][0]["pricing"]["tiers"][0]["unit_price"] = price
    _, errors = validate_document(document)
    assert [e.path for e in errors] == ["parts[0].pricing.tiers[0].unit_price"], errors


def test_an_absurd_json_number_is_an_error():
    text = json.dumps(SMALL_CATALOG).replace('"unit_price": "3.40"', '"unit_price": 1e100000000')
    document, errors = parse_json(text)
    assert not errors
    _, errors = validate_document(document)
    assert [e.path for e in errors] == ["parts[0].pricing.tiers[0].unit_price"]
    long_number = json.dumps(SMALL_CATALOG).replace('"moq": 5000', '"moq": ' + "9" * 4000)
    assert "not a catalog" in parse_json(long_number)[1][0].message


@pytest.mark.parametrize("value", ["1e100000000", 10**30, "1e-100000000"])
def test_absurd_spec_magnitudes_are_errors(value):
    _, errors = clean_specs("shaft", {"seat_diameter_mm": value, "length_mm": 100,
                                      "max_speed_rpm": value, "fit": "press"})
    assert {e.path for e in errors} == {"seat_diameter_mm", "max_speed_rpm"}


def _set(document: dict, path: str, value) -> None:
    *steps, last = path.replace("[", ".").replace("]", "").split(".")
    target = document
    for step in steps:
        target = target[int(step)] if step.isdigit() else target[step]
    target[int(last) if last.isdigit() else last] = value


# Each of these passed the check and then failed: a TypeError in the check (a list where a
# code or a category was expected), a UnicodeEncodeError or a NUL refused by PostgreSQL at
# the write, a value longer than its column (a DataError on PostgreSQL), or a lead time
# that overflowed the date range in every kit using the part.
@pytest.mark.parametrize(("path", "value", "message"), [
    ("parts[0].category", [], "unknown category"),
    ("parts[0].category", {"magnet": 1}, "unknown category"),
    ("parts[0].pricing.currency", ["USD"], "not a supported currency"),
    ("exchange_rates[0].from", {}, "not a supported currency"),
    ("parts[0].name", "Segment \ud800 49.3", "surrogate"),
    ("parts[0].name", "Segment\x00 49.3", "control character"),
    ("suppliers[0].name", "Star\nGroup", "control character"),
    ("suppliers[0].code", "S" * 33, "1–32"),
    ("indices[0].code", "N" * 33, "1–32"),
    ("parts[0].provenance[0].company", "L" * 201, "at most 200"),
    ("parts[0].provenance[0].company", "Lynas\ud83d", "surrogate"),
    ("parts[0].provenance[0].evidence.reference", "C" * 121, "at most 120"),
    ("parts[0].specs.grade", "N48SH\x00", "control character"),
    ("parts[0].lead_time_days", 2_000_000_000, "at most 3650"),
    ("parts[0].lead_time_days", 3651, "at most 3650"),
])
def test_values_the_database_or_the_engine_cannot_take_are_errors_with_their_path(path, value, message):
    document = json.loads(json.dumps(SMALL_CATALOG))
    _set(document, path, value)
    _, errors = validate_document(document)
    assert [e.path for e in errors if message in e.message] == [path], errors


def test_the_longest_lead_time_and_a_supplier_code_of_its_column_length_pass():
    document = json.loads(json.dumps(SMALL_CATALOG))
    document["parts"][0]["lead_time_days"] = 3650
    document["suppliers"][0]["code"] = document["parts"][0]["supplier"] = "S" * 32
    assert validate_document(document)[1] == []


def test_a_top_level_key_given_twice_is_refused_not_the_last_one_kept():
    from parts.domain.catalog import parse_json_rows

    first, second = SMALL_CATALOG["parts"][:1], SMALL_CATALOG["parts"][1:]
    text = json.dumps(SMALL_CATALOG)[:-1] + ', "parts": ' + json.dumps(second) + "}"
    assert json.loads(text)["parts"] == second  # what a JSON parser keeps: the first list gone
    assert first != second
    document, errors = parse_json_rows(text)
    assert document is None and errors[0].path == "$"
    assert "'parts' is given twice" in errors[0].message


def test_two_parts_with_invalid_skus_are_not_also_called_duplicates():
    document = json.loads(json.dumps(SMALL_CATALOG))
    document["parts"][0]["sku"] = document["parts"][1]["sku"] = "bad sku!"
    document["suppliers"].append(dict(document["suppliers"][0], code="no good"))
    document["suppliers"].append(dict(document["suppliers"][0], code="no good"))
    _, errors = validate_document(document)
    assert not [e for e in errors if "duplicate" in e.message], errors
    assert {e.path for e in errors} >= {"parts[0].sku", "parts[1].sku", "suppliers[2].code",
                                        "suppliers[3].code"}


@pytest.mark.parametrize("lazy", [True, False])
def test_a_key_given_twice_inside_a_part_is_refused_with_the_part_not_the_last_one_kept(lazy):
    from parts.domain.catalog import parse_json, parse_json_rows

    twice = json.dumps(SMALL_CATALOG["parts"][1])[:-1] + ', "lead_time_days": 9999}'
    text = json.dumps(dict(SMALL_CATALOG, parts=[]), indent=1).replace(
        '"parts": []', '"parts": [' + json.dumps(SMALL_CATALOG["parts"][0]) + ",\n" + twice + "]")
    assert json.loads(text)["parts"][1]["lead_time_days"] == 9999
    document, errors = (parse_json_rows if lazy else parse_json)(text)
    assert document is None and len(errors) == 1
    assert errors[0].path == ("parts[1]" if lazy else "$")
    assert errors[0].message.startswith("'lead_time_days' is given twice in one object")


def test_a_key_given_twice_deep_inside_a_supplier_or_a_tier_is_refused():
    from parts.domain.catalog import parse_json_rows

    text = json.dumps(SMALL_CATALOG).replace('"code": ', '"code": "X", "code": ', 1)
    assert parse_json_rows(text)[1][0].path == "suppliers"
    tier = json.dumps(SMALL_CATALOG["parts"][0]["pricing"]["tiers"][0])
    deep = json.dumps(SMALL_CATALOG).replace(tier, tier[:-1] + ', "min_qty": 1}', 1)
    errors = parse_json_rows(deep)[1]
    assert errors[0].path == "parts[0]" and "'min_qty' is given twice" in errors[0].message
