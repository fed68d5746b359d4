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

from core.domain.countries import COUNTRY_CHOICES, COUNTRY_NAMES, ISO_COUNTRIES
from core.domain.money import CURRENCIES
from parts.domain.text import text_problem

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
EVIDENCE_REFERENCE_LENGTH = 120  # the column's; a company name takes 200
# date.fromisoformat also takes "20270630" and week dates; the file format is YYYY-MM-DD only.
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Invalid(Exception):
    pass


def _text(value: Any, *, max_length: int = 200) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a string")
    text = value.strip()
    if not text:
        raise _Invalid("must not be empty")
    problem = text_problem(text, max_length=max_length)
    if problem:
        raise _Invalid(problem)
    return text


def _reference(value: Any) -> str:
    return _text(value, max_length=EVIDENCE_REFERENCE_LENGTH)


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
                reference = _field(evidence, "reference", evidence_path, _reference, errors)
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
