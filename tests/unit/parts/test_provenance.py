import datetime

import pytest

from parts.domain.provenance import (
    ALWAYS_REQUIRED_STAGES,
    COUNTRY_NAMES,
    CURRENCIES,
    ISO_COUNTRIES,
    MAGNET_REQUIRED_STAGES,
    STAGE_LABELS,
    STAGES,
    ProvenanceError,
    clean_provenance,
    missing_stages,
    provenance_to_json,
    required_stages,
)

# The magnet chain from the interchange-file example (interfaces.md section 1).
MAGNET_CHAIN = [
    {
        "stage": "mining",
        "country": "AU",
        "company": "Lynas Rare Earths",
        "evidence": {"reference": "COO-2026-0117", "expires": "2027-06-30"},
    },
    {"stage": "separation", "country": "MY", "company": "Lynas Rare Earths"},
    {"stage": "metal_alloy", "country": "VN", "company": "VTRE"},
    {"stage": "magnet_manufacturing", "country": "VN", "company": "Star Group Ind."},
    {"stage": "component_manufacturing", "country": "VN", "company": "Star Group Ind."},
]


def entry(**overrides):
    data = {"stage": "component_manufacturing", "country": "KR", "company": "Star Group Ind."}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ...}


def paths(errors):
    return [error.path for error in errors]


# --- reference data -----------------------------------------------------------


def test_stages_and_required_stages():
    assert STAGES == (
        "mining",
        "separation",
        "metal_alloy",
        "magnet_manufacturing",
        "steel_making",
        "component_manufacturing",
        "assembly",
    )
    assert set(STAGE_LABELS) == set(STAGES)
    assert MAGNET_REQUIRED_STAGES == ("mining", "separation", "metal_alloy", "magnet_manufacturing")
    assert ALWAYS_REQUIRED_STAGES == ("component_manufacturing",)
    assert required_stages("magnet") == MAGNET_REQUIRED_STAGES + ALWAYS_REQUIRED_STAGES
    assert required_stages("shaft") == ("component_manufacturing",)
    assert required_stages("stator_core") == ("component_manufacturing",)


def test_iso_countries_holds_all_249_codes_with_names():
    assert len(ISO_COUNTRIES) == 249
    assert set(COUNTRY_NAMES) >= ISO_COUNTRIES
    assert all(len(code) == 2 and code.isupper() for code in ISO_COUNTRIES)
    for code in ("KR", "US", "AU", "VN", "MY", "CN", "RU", "KP", "IR", "DE", "JP", "GB"):
        assert code in ISO_COUNTRIES
    # Common look-alikes that are not ISO 3166-1 alpha-2 codes.
    for code in ("UK", "EU", "XK", "EL"):
        assert code not in ISO_COUNTRIES
    assert COUNTRY_NAMES["KR"] == "South Korea"
    assert COUNTRY_NAMES["VN"] == "Vietnam"
    assert COUNTRY_NAMES["AU"] == "Australia"
    assert all(name.strip() for name in COUNTRY_NAMES.values())


def test_currencies_minor_units():
    assert CURRENCIES == {"KRW": 0, "USD": 2, "EUR": 2}


# --- valid data -------------------------------------------------------------


def test_magnet_chain_is_accepted_and_evidence_parsed():
    clean, errors = clean_provenance("magnet", MAGNET_CHAIN)
    assert errors == []
    assert [item["stage"] for item in clean] == [item["stage"] for item in MAGNET_CHAIN]
    assert clean[0] == {
        "stage": "mining",
        "country": "AU",
        "company": "Lynas Rare Earths",
        "evidence_reference": "COO-2026-0117",
        "evidence_expires": datetime.date(2027, 6, 30),
    }
    assert clean[1]["evidence_reference"] == ""
    assert clean[1]["evidence_expires"] is None


def test_entries_come_back_in_stage_order():
    clean, errors = clean_provenance("magnet", list(reversed(MAGNET_CHAIN)))
    assert errors == []
    assert [item["stage"] for item in clean] == [item["stage"] for item in MAGNET_CHAIN]


def test_country_and_text_are_normalised():
    clean, errors = clean_provenance(
        "shaft", [entry(country=" kr ", company="  Star Group Ind. ", stage=" assembly ")]
    )
    assert errors == []
    assert clean[0]["country"] == "KR"
    assert clean[0]["company"] == "Star Group Ind."
    assert clean[0]["stage"] == "assembly"


def test_null_evidence_counts_as_none():
    clean, errors = clean_provenance("shaft", [entry(evidence=None)])
    assert errors == []
    assert clean[0]["evidence_reference"] == ""


def test_empty_provenance_is_not_an_error():
    assert clean_provenance("magnet", []) == ([], [])


def test_missing_required_stages_are_not_errors_here():
    clean, errors = clean_provenance("magnet", [entry()])
    assert errors == []
    assert len(clean) == 1


def test_clean_entries_round_trip_through_the_interchange_shape():
    clean, errors = clean_provenance("magnet", MAGNET_CHAIN)
    assert errors == []
    exported = provenance_to_json(clean)
    assert exported == MAGNET_CHAIN
    assert clean_provenance("magnet", exported) == (clean, [])


# --- rejected data ------------------------------------------------------------


@pytest.mark.parametrize("country", ["XX", "KOR", "UK", "", "C", 410])
def test_bad_country_is_rejected_naming_the_value(country):
    clean, errors = clean_provenance("shaft", [entry(), entry(stage="assembly", country=country)])
    assert paths(errors) == ["[1].country"]
    assert repr(country) in errors[0].message
    assert "ISO 3166-1" in errors[0].message
    assert [item["stage"] for item in clean] == ["component_manufacturing"]


def test_bad_stage_is_rejected_listing_the_stages():
    clean, errors = clean_provenance("shaft", [entry(stage="smelting")])
    assert paths(errors) == ["[0].stage"]
    assert "'smelting'" in errors[0].message
    for stage in STAGES:
        assert stage in errors[0].message
    assert clean == []


def test_duplicate_stage_is_an_error_at_the_duplicate():
    raw = [entry(), entry(stage="assembly"), entry(country="VN")]
    clean, errors = clean_provenance("shaft", raw)
    assert errors == [
        ProvenanceError(
            "[2].stage", "duplicate stage 'component_manufacturing'; already declared at [0]"
        )
    ]
    assert [item["country"] for item in clean] == ["KR", "KR"]


@pytest.mark.parametrize(
    "expires", ["2027-02-30", "30/06/2027", "20270630", "2027-6-30", "", "soon", 20270630]
)
def test_bad_evidence_date_is_rejected(expires):
    raw = [entry(evidence={"reference": "MILL-77", "expires": expires})]
    clean, errors = clean_provenance("shaft", raw)
    assert paths(errors) == ["[0].evidence.expires"]
    assert "YYYY-MM-DD" in errors[0].message
    assert clean == []


def test_evidence_needs_reference_and_expiry():
    raw = [entry(evidence={}), entry(stage="assembly", evidence={"reference": " ", "expires": ""})]
    _clean, errors = clean_provenance("shaft", raw)
    assert paths(errors) == [
        "[0].evidence.reference",
        "[0].evidence.expires",
        "[1].evidence.reference",
        "[1].evidence.expires",
    ]
    assert errors[0].message == "is required"
    assert errors[2].message == "must not be empty"


def test_evidence_must_be_an_object():
    _clean, errors = clean_provenance("shaft", [entry(evidence="COO-1")])
    assert paths(errors) == ["[0].evidence"]


def test_unknown_keys_are_errors():
    raw = [entry(share=0.5, evidence={"reference": "A", "expires": "2027-01-01", "issuer": "x"})]
    _clean, errors = clean_provenance("shaft", raw)
    assert sorted(paths(errors)) == ["[0].evidence.issuer", "[0].share"]
    assert all(error.message == "unknown field" for error in errors)


def test_company_is_required_and_non_empty():
    _clean, errors = clean_provenance("shaft", [entry(company=...), entry(stage="assembly",
                                                                        company="  ")])
    assert errors == [
        ProvenanceError("[0].company", "is required"),
        ProvenanceError("[1].company", "must not be empty"),
    ]


def test_non_list_and_non_object_entries_are_rejected():
    assert clean_provenance("shaft", {"stage": "assembly"})[1] == [
        ProvenanceError("", "provenance must be a list")
    ]
    assert paths(clean_provenance("shaft", "mining")[1]) == [""]
    assert paths(clean_provenance("shaft", [entry(), "mining"])[1]) == ["[1]"]


def test_several_errors_are_collected_at_once():
    raw = [
        entry(stage="mining", country="AU"),
        entry(stage="mining", country="ZZ", company=""),
        entry(stage="refining"),
        entry(stage="separation", evidence={"reference": "X", "expires": "2027-13-01"}),
    ]
    clean, errors = clean_provenance("magnet", raw)
    assert paths(errors) == [
        "[1].stage",
        "[1].country",
        "[1].company",
        "[2].stage",
        "[3].evidence.expires",
    ]
    assert [item["stage"] for item in clean] == ["mining"]


# --- missing stages -----------------------------------------------------------


def test_missing_stages_for_a_magnet_lists_the_undeclared_required_ones():
    assert missing_stages("magnet", ["mining", "magnet_manufacturing", "assembly"]) == (
        "separation",
        "metal_alloy",
        "component_manufacturing",
    )
    assert missing_stages("magnet", []) == MAGNET_REQUIRED_STAGES + ALWAYS_REQUIRED_STAGES
    assert missing_stages("magnet", [item["stage"] for item in MAGNET_CHAIN]) == ()


def test_missing_stages_for_a_shaft_only_needs_component_manufacturing():
    assert missing_stages("shaft", []) == ("component_manufacturing",)
    assert missing_stages("shaft", ["steel_making"]) == ("component_manufacturing",)
    assert missing_stages("shaft", ["component_manufacturing"]) == ()
    assert missing_stages("shaft", iter(["component_manufacturing", "mining"])) == ()


def test_country_choices_are_the_whole_iso_table_labelled_by_name():
    from parts.domain.provenance import COUNTRY_CHOICES

    assert {code for code, _ in COUNTRY_CHOICES} == ISO_COUNTRIES
    labels = dict(COUNTRY_CHOICES)
    assert labels["CN"] == "China (CN)" and labels["CH"] == "Switzerland (CH)"
    assert [label for _, label in COUNTRY_CHOICES] == sorted(labels.values())
