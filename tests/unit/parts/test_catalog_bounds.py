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
