"""The plain-form reading of a configuration body answers exactly like the serializer.

`plain_configuration_input` takes the common, plainly typed body without building DRF
field objects; for anything else it answers None and the serializer judges (and words the
error). Whenever it answers, the serializer must accept the same body and give the same
input; the hypothesis test feeds both valid bodies and near misses.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.support import family_body
from configurator.api.serializers import ConfigurationInputSerializer, plain_configuration_input
from tests.hypothesis_profiles import examples


def _serializer(data):
    body = ConfigurationInputSerializer(data=data)
    return body.to_input() if body.is_valid() else None


CODE = st.one_of(st.sampled_from(["CK48-8", "magnet", "rotor_core", "china-excluded", "none"]),
                 st.text("abcXYZ019-_.", min_size=1, max_size=12))
ODD_TEXT = st.sampled_from(["", " CK48-8", "CK48-8 ", "a\x00b", "é", "x" * 41, "x" * 65, "\t",
                            "a\tb", "12"])
ODD_VALUE = st.one_of(ODD_TEXT, st.integers(-3, 3), st.none(), st.booleans(), st.floats(0, 10),
                      st.just(Decimal("2.5")), st.just([]), st.just({}))
INTEGER = st.one_of(st.integers(-2, 5), st.integers(0, 3000), st.integers(17_000, 19_000),
                    st.sampled_from([1999, 2000, 2028, 2100, 2101, 99_999, 100_000, 100_001,
                                     100_000_000, 100_000_001, -99_999, -100_000]))


def _sometimes_odd(plain, odd_one_in: int):
    return st.one_of(*([plain] * (odd_one_in - 1)), ODD_VALUE) if odd_one_in else plain


def bodies(odd_one_in: int = 0):
    """Bodies in the plain form (odd_one_in=0) or with about one value in `odd_one_in` odd."""
    text, number = _sometimes_odd(CODE, odd_one_in), _sometimes_odd(INTEGER, odd_one_in)
    line = st.fixed_dictionaries({"slot": text, "sku": text},
                                 optional={"quantity": st.one_of(number, st.none())})
    year = st.fixed_dictionaries({"year": number, "kits": number})
    requirements = st.dictionaries(
        st.sampled_from(["dc_bus_voltage_v", "max_speed_rpm", "max_magnet_temp_c",
                         "max_winding_temp_c"]), st.one_of(number, st.none()), max_size=4)
    return st.fixed_dictionaries(
        {"template": text},
        optional={"name": st.one_of(text, st.just("")), "sourcing_policy": text,
                  "requirements": requirements, "schedule": st.lists(year, max_size=6),
                  "lines": st.lists(line, max_size=8)})


@settings(max_examples=examples(400), deadline=None)
@given(bodies())
def test_a_plain_body_reads_as_the_serializer_reads_it(body):
    plain = plain_configuration_input(body)
    assert plain == _serializer(body) or (plain is None and _serializer(body) is None)


@settings(max_examples=examples(400), deadline=None)
@given(bodies(odd_one_in=8))
def test_whenever_the_plain_reading_answers_the_serializer_gives_the_same(body):
    plain = plain_configuration_input(body)
    if plain is not None:
        assert _serializer(body) == plain


def test_the_bodies_clients_send_take_the_plain_reading():
    body = family_body()
    plain = plain_configuration_input(body)
    assert plain is not None and plain == _serializer(body)
    assert plain.lines and plain.schedule
    with_requirements = {**body, "requirements": {"dc_bus_voltage_v": 800, "max_speed_rpm": 18000,
                                                  "max_magnet_temp_c": 150, "max_winding_temp_c": None}}
    plain = plain_configuration_input(with_requirements)
    assert plain == _serializer(with_requirements)
    assert plain.requirements == {"dc_bus_voltage_v": 800, "max_speed_rpm": 18000,
                                  "max_magnet_temp_c": Decimal("150.0")}


def test_a_body_out_of_the_plain_form_is_left_to_the_serializer():
    body = family_body()
    for odd in ({**body, "template": " CK48-8"}, {**body, "requirements": {"max_magnet_temp_c": 150.5}},
                {**body, "lines": [{"slot": "magnet", "sku": "X", "quantity": True}]},
                {**body, "extra": 1}, [body], {**body, "lines": body["lines"] * 3}):
        assert plain_configuration_input(odd) is None
