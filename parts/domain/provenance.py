"""Supply-chain provenance of a part (domain.md section 5).

Only the shape of the declarations is checked here. Whether a declared or
missing stage breaks a sourcing policy is the sourcing engine's call, which is
why missing required stages are reported by missing_stages() and not as errors.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALWAYS_REQUIRED_STAGES",
    "COUNTRY_CHOICES",
    "COUNTRY_NAMES",
    "CURRENCIES",
    "ISO_COUNTRIES",
    "MAGNET_REQUIRED_STAGES",
    "STAGES",
    "STAGE_LABELS",
    "ProvenanceError",
    "clean_provenance",
    "missing_stages",
    "provenance_to_json",
    "required_stages",
]

STAGES: tuple[str, ...] = (
    "mining",
    "separation",
    "metal_alloy",
    "magnet_manufacturing",
    "steel_making",
    "component_manufacturing",
    "assembly",
)

STAGE_LABELS: dict[str, str] = {
    "mining": "Mining",
    "separation": "Separation",
    "metal_alloy": "Metal and alloy",
    "magnet_manufacturing": "Magnet manufacturing",
    "steel_making": "Steel making",
    "component_manufacturing": "Component manufacturing",
    "assembly": "Assembly",
}

MAGNET_REQUIRED_STAGES: tuple[str, ...] = (
    "mining",
    "separation",
    "metal_alloy",
    "magnet_manufacturing",
)
ALWAYS_REQUIRED_STAGES: tuple[str, ...] = ("component_manufacturing",)

# Minor-unit digits (ISO 4217); quotes round each year line to these.
CURRENCIES: dict[str, int] = {"KRW": 0, "USD": 2, "EUR": 2}

# ISO 3166-1 alpha-2, all 249 officially assigned codes. Typed out rather than
# taken from a package so the list cannot shift under a dependency upgrade.
ISO_COUNTRIES: frozenset[str] = frozenset(
    {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
        "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
        "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
        "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
        "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
        "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
        "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
        "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
        "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
        "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
        "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
        "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
        "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
        "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
        "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
        "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
        "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
    }
)

COUNTRY_NAMES: dict[str, str] = {
    "AD": "Andorra",
    "AE": "United Arab Emirates",
    "AF": "Afghanistan",
    "AG": "Antigua and Barbuda",
    "AI": "Anguilla",
    "AL": "Albania",
    "AM": "Armenia",
    "AO": "Angola",
    "AQ": "Antarctica",
    "AR": "Argentina",
    "AS": "American Samoa",
    "AT": "Austria",
    "AU": "Australia",
    "AW": "Aruba",
    "AX": "Åland Islands",
    "AZ": "Azerbaijan",
    "BA": "Bosnia and Herzegovina",
    "BB": "Barbados",
    "BD": "Bangladesh",
    "BE": "Belgium",
    "BF": "Burkina Faso",
    "BG": "Bulgaria",
    "BH": "Bahrain",
    "BI": "Burundi",
    "BJ": "Benin",
    "BL": "Saint Barthélemy",
    "BM": "Bermuda",
    "BN": "Brunei Darussalam",
    "BO": "Bolivia",
    "BQ": "Bonaire, Sint Eustatius and Saba",
    "BR": "Brazil",
    "BS": "Bahamas",
    "BT": "Bhutan",
    "BV": "Bouvet Island",
    "BW": "Botswana",
    "BY": "Belarus",
    "BZ": "Belize",
    "CA": "Canada",
    "CC": "Cocos (Keeling) Islands",
    "CD": "Congo, The Democratic Republic of the",
    "CF": "Central African Republic",
    "CG": "Congo",
    "CH": "Switzerland",
    "CI": "Côte d'Ivoire",
    "CK": "Cook Islands",
    "CL": "Chile",
    "CM": "Cameroon",
    "CN": "China",
    "CO": "Colombia",
    "CR": "Costa Rica",
    "CU": "Cuba",
    "CV": "Cabo Verde",
    "CW": "Curaçao",
    "CX": "Christmas Island",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DJ": "Djibouti",
    "DK": "Denmark",
    "DM": "Dominica",
    "DO": "Dominican Republic",
    "DZ": "Algeria",
    "EC": "Ecuador",
    "EE": "Estonia",
    "EG": "Egypt",
    "EH": "Western Sahara",
    "ER": "Eritrea",
    "ES": "Spain",
    "ET": "Ethiopia",
    "FI": "Finland",
    "FJ": "Fiji",
    "FK": "Falkland Islands (Malvinas)",
    "FM": "Micronesia, Federated States of",
    "FO": "Faroe Islands",
    "FR": "France",
    "GA": "Gabon",
    "GB": "United Kingdom",
    "GD": "Grenada",
    "GE": "Georgia",
    "GF": "French Guiana",
    "GG": "Guernsey",
    "GH": "Ghana",
    "GI": "Gibraltar",
    "GL": "Greenland",
    "GM": "Gambia",
    "GN": "Guinea",
    "GP": "Guadeloupe",
    "GQ": "Equatorial Guinea",
    "GR": "Greece",
    "GS": "South Georgia and the South Sandwich Islands",
    "GT": "Guatemala",
    "GU": "Guam",
    "GW": "Guinea-Bissau",
    "GY": "Guyana",
    "HK": "Hong Kong",
    "HM": "Heard Island and McDonald Islands",
    "HN": "Honduras",
    "HR": "Croatia",
    "HT": "Haiti",
    "HU": "Hungary",
    "ID": "Indonesia",
    "IE": "Ireland",
    "IL": "Israel",
    "IM": "Isle of Man",
    "IN": "India",
    "IO": "British Indian Ocean Territory",
    "IQ": "Iraq",
    "IR": "Iran",
    "IS": "Iceland",
    "IT": "Italy",
    "JE": "Jersey",
    "JM": "Jamaica",
    "JO": "Jordan",
    "JP": "Japan",
    "KE": "Kenya",
    "KG": "Kyrgyzstan",
    "KH": "Cambodia",
    "KI": "Kiribati",
    "KM": "Comoros",
    "KN": "Saint Kitts and Nevis",
    "KP": "North Korea",
    "KR": "South Korea",
    "KW": "Kuwait",
    "KY": "Cayman Islands",
    "KZ": "Kazakhstan",
    "LA": "Laos",
    "LB": "Lebanon",
    "LC": "Saint Lucia",
    "LI": "Liechtenstein",
    "LK": "Sri Lanka",
    "LR": "Liberia",
    "LS": "Lesotho",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "LY": "Libya",
    "MA": "Morocco",
    "MC": "Monaco",
    "MD": "Moldova",
    "ME": "Montenegro",
    "MF": "Saint Martin (French part)",
    "MG": "Madagascar",
    "MH": "Marshall Islands",
    "MK": "North Macedonia",
    "ML": "Mali",
    "MM": "Myanmar",
    "MN": "Mongolia",
    "MO": "Macao",
    "MP": "Northern Mariana Islands",
    "MQ": "Martinique",
    "MR": "Mauritania",
    "MS": "Montserrat",
    "MT": "Malta",
    "MU": "Mauritius",
    "MV": "Maldives",
    "MW": "Malawi",
    "MX": "Mexico",
    "MY": "Malaysia",
    "MZ": "Mozambique",
    "NA": "Namibia",
    "NC": "New Caledonia",
    "NE": "Niger",
    "NF": "Norfolk Island",
    "NG": "Nigeria",
    "NI": "Nicaragua",
    "NL": "Netherlands",
    "NO": "Norway",
    "NP": "Nepal",
    "NR": "Nauru",
    "NU": "Niue",
    "NZ": "New Zealand",
    "OM": "Oman",
    "PA": "Panama",
    "PE": "Peru",
    "PF": "French Polynesia",
    "PG": "Papua New Guinea",
    "PH": "Philippines",
    "PK": "Pakistan",
    "PL": "Poland",
    "PM": "Saint Pierre and Miquelon",
    "PN": "Pitcairn",
    "PR": "Puerto Rico",
    "PS": "Palestine, State of",
    "PT": "Portugal",
    "PW": "Palau",
    "PY": "Paraguay",
    "QA": "Qatar",
    "RE": "Réunion",
    "RO": "Romania",
    "RS": "Serbia",
    "RU": "Russian Federation",
    "RW": "Rwanda",
    "SA": "Saudi Arabia",
    "SB": "Solomon Islands",
    "SC": "Seychelles",
    "SD": "Sudan",
    "SE": "Sweden",
    "SG": "Singapore",
    "SH": "Saint Helena, Ascension and Tristan da Cunha",
    "SI": "Slovenia",
    "SJ": "Svalbard and Jan Mayen",
    "SK": "Slovakia",
    "SL": "Sierra Leone",
    "SM": "San Marino",
    "SN": "Senegal",
    "SO": "Somalia",
    "SR": "Suriname",
    "SS": "South Sudan",
    "ST": "Sao Tome and Principe",
    "SV": "El Salvador",
    "SX": "Sint Maarten (Dutch part)",
    "SY": "Syria",
    "SZ": "Eswatini",
    "TC": "Turks and Caicos Islands",
    "TD": "Chad",
    "TF": "French Southern Territories",
    "TG": "Togo",
    "TH": "Thailand",
    "TJ": "Tajikistan",
    "TK": "Tokelau",
    "TL": "Timor-Leste",
    "TM": "Turkmenistan",
    "TN": "Tunisia",
    "TO": "Tonga",
    "TR": "Türkiye",
    "TT": "Trinidad and Tobago",
    "TV": "Tuvalu",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "UA": "Ukraine",
    "UG": "Uganda",
    "UM": "United States Minor Outlying Islands",
    "US": "United States",
    "UY": "Uruguay",
    "UZ": "Uzbekistan",
    "VA": "Holy See (Vatican City State)",
    "VC": "Saint Vincent and the Grenadines",
    "VE": "Venezuela",
    "VG": "Virgin Islands, British",
    "VI": "Virgin Islands, U.S.",
    "VN": "Vietnam",
    "VU": "Vanuatu",
    "WF": "Wallis and Futuna",
    "WS": "Samoa",
    "YE": "Yemen",
    "YT": "Mayotte",
    "ZA": "South Africa",
    "ZM": "Zambia",
    "ZW": "Zimbabwe",
}

# (code, "Name (CODE)") for pickers, sorted by name: a picker cannot turn "China" into "CH".
COUNTRY_CHOICES: tuple[tuple[str, str], ...] = tuple(
    sorted(((code, f"{COUNTRY_NAMES[code]} ({code})") for code in ISO_COUNTRIES),
           key=lambda choice: choice[1])
)


def required_stages(category: str) -> tuple[str, ...]:
    """Stages a part of this category must declare, in STAGES order.

    Unknown categories get the every-part minimum, so a bad category (reported by
    clean_specs) does not also crash provenance checks.
    """
    if category == "magnet":
        return MAGNET_REQUIRED_STAGES + ALWAYS_REQUIRED_STAGES
    return ALWAYS_REQUIRED_STAGES


def missing_stages(category: str, stages: Iterable[str]) -> tuple[str, ...]:
    """Required stages of ``category`` absent from ``stages`` (stage names), in STAGES order."""
    declared = set(stages)
    return tuple(stage for stage in required_stages(category) if stage not in declared)


@dataclass(frozen=True)
class ProvenanceError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


_ENTRY_KEYS = ("stage", "country", "company", "evidence")
_EVIDENCE_KEYS = ("reference", "expires")
# date.fromisoformat also takes "20270630" and week dates; the file format is YYYY-MM-DD only.
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Invalid(Exception):
    pass


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a string")
    text = value.strip()
    if not text:
        raise _Invalid("must not be empty")
    return text


def _stage(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in STAGES:
        raise _Invalid(f"unknown stage {value!r}; expected one of: {', '.join(STAGES)}")
    return value.strip()


def _country(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    if code not in ISO_COUNTRIES:
        raise _Invalid(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _date(value: Any) -> datetime.date:
    # A date object is accepted so already-clean data (admin forms, re-validation) passes.
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid(f"must be a date as YYYY-MM-DD; {value!r} given")


def _field(
    source: Mapping, key: str, path: str, parse: Any, errors: list[ProvenanceError]
) -> Any:
    value = source.get(key)
    if value is None:
        errors.append(ProvenanceError(f"{path}.{key}", "is required"))
        return None
    try:
        return parse(value)
    except _Invalid as exc:
        errors.append(ProvenanceError(f"{path}.{key}", str(exc)))
        return None


def _unknown_keys(
    source: Mapping, known: tuple[str, ...], path: str, errors: list[ProvenanceError]
) -> None:
    errors.extend(
        ProvenanceError(f"{path}.{key}", "unknown field") for key in source if key not in known
    )


def clean_provenance(
    category: str, raw: Sequence[Mapping]
) -> tuple[list[dict], list[ProvenanceError]]:
    """Validate a part's provenance list; returns (clean entries, errors).

    Every error is collected. Paths are relative to the list ("[2].country") so the
    caller can prefix them ("parts[12].provenance"). Clean entries come back in
    STAGES order so export -> import is stable whatever order the file used; entries
    with any error are left out, so use the result only when errors is empty.
    ``category`` is accepted for symmetry with clean_specs: missing required stages
    are not errors here (see missing_stages).
    """
    del category
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        return [], [ProvenanceError("", "provenance must be a list")]

    clean: list[dict] = []
    errors: list[ProvenanceError] = []
    first_seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        path = f"[{index}]"
        if not isinstance(entry, Mapping):
            errors.append(ProvenanceError(path, "must be an object"))
            continue
        before = len(errors)
        _unknown_keys(entry, _ENTRY_KEYS, path, errors)
        stage = _field(entry, "stage", path, _stage, errors)
        if stage is not None:
            if stage in first_seen:
                errors.append(
                    ProvenanceError(
                        f"{path}.stage",
                        f"duplicate stage {stage!r}; already declared at [{first_seen[stage]}]",
                    )
                )
            else:
                first_seen[stage] = index
        country = _field(entry, "country", path, _country, errors)
        company = _field(entry, "company", path, _text, errors)

        reference, expires = "", None
        evidence = entry.get("evidence")
        if evidence is not None:
            evidence_path = f"{path}.evidence"
            if isinstance(evidence, Mapping):
                _unknown_keys(evidence, _EVIDENCE_KEYS, evidence_path, errors)
                reference = _field(evidence, "reference", evidence_path, _text, errors)
                expires = _field(evidence, "expires", evidence_path, _date, errors)
            else:
                errors.append(ProvenanceError(evidence_path, "must be an object"))

        if len(errors) == before:
            clean.append(
                {
                    "stage": stage,
                    "country": country,
                    "company": company,
                    "evidence_reference": reference,
                    "evidence_expires": expires,
                }
            )

    clean.sort(key=lambda item: STAGES.index(item["stage"]))
    return clean, errors


def provenance_to_json(clean: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Clean entries -> the interchange-file shape (interfaces.md section 1).

    Evidence is written only when it has a reference, so a stage without evidence
    round-trips through export and import unchanged.
    """
    out: list[dict] = []
    for entry in clean:
        item: dict[str, Any] = {
            "stage": entry["stage"],
            "country": entry["country"],
            "company": entry["company"],
        }
        if entry.get("evidence_reference"):
            expires = entry.get("evidence_expires")
            item["evidence"] = {
                "reference": entry["evidence_reference"],
                "expires": expires.isoformat() if expires is not None else None,
            }
        out.append(item)
    return out
