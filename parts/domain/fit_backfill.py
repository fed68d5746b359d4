"""Values for the fit fields added after parts were already stored (domain.md section 2).

`resolver.bore_diameter_mm`, `insulation.slots`, `insulation.stack_length_mm` and
`busbar.slots` became required when RESOLVER_FIT, INSULATION_FIT and BUSBAR_FIT
were added. Stored parts usually state them in their name ("for 52 mm shaft",
"48 slots x 50.8 mm", "48-slot stator"); the demo catalog states them per SKU.
A value is taken only from one of those two; when neither states it, or they
disagree, or the name states two different values, the field is left out and
reported, so that validation (the admin form, a re-import) flags the part rather
than a guess passing as catalog data.

Pure Python: the data migration and its unit tests both call `derive_fit_fields`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from parts.domain.specs import clean_specs, specs_to_json

__all__ = ["FIT_FIELDS", "FitBackfill", "derive_fit_fields"]

#: category -> the fields added with the fit rules.
FIT_FIELDS: dict[str, tuple[str, ...]] = {
    "resolver": ("bore_diameter_mm",),
    "insulation": ("slots", "stack_length_mm"),
    "busbar": ("slots",),
}

_NUMBER = r"(\d+(?:\.\d+)?)"
# "for 52 mm shaft", "52mm shaft", "shaft 52 mm", "shaft Ø52 mm"
_SHAFT = (
    re.compile(rf"\b{_NUMBER}\s*mm\s+shaft\b", re.IGNORECASE),
    re.compile(rf"\bshaft\s*(?:ø|⌀|dia\.?|diameter)?\s*{_NUMBER}\s*mm\b", re.IGNORECASE),
)
# "48 slots", "48-slot", "48 slot"
_SLOTS = (re.compile(r"\b(\d+)\s*-?\s*slots?\b", re.IGNORECASE),)
# "48 slots x 50.8 mm" (x, X, × or *), "stack 50.8 mm", "50.8 mm stack"
_STACK = (
    re.compile(rf"\bslots?\s*[x×*]\s*{_NUMBER}\s*mm\b", re.IGNORECASE),
    re.compile(rf"\bstack(?:\s+length)?\s*{_NUMBER}\s*mm\b", re.IGNORECASE),
    re.compile(rf"\b{_NUMBER}\s*mm\s+stack\b", re.IGNORECASE),
)
_PATTERNS: dict[tuple[str, str], tuple[re.Pattern[str], ...]] = {
    ("resolver", "bore_diameter_mm"): _SHAFT,
    ("insulation", "slots"): _SLOTS,
    ("insulation", "stack_length_mm"): _STACK,
    ("busbar", "slots"): _SLOTS,
}


@dataclass(frozen=True)
class FitBackfill:
    # field -> JSON value to add to the stored specs (fields already present are never touched).
    values: Mapping[str, Any]
    # One line per field left out, saying why (empty when every field was found).
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.problems


def _from_name(category: str, field: str, name: str) -> tuple[set[Decimal], str]:
    found: set[Decimal] = set()
    for pattern in _PATTERNS[(category, field)]:
        found.update(Decimal(match) for match in pattern.findall(name or ""))
    return found, ", ".join(sorted(format(v, "f") for v in found))


def _clean_value(category: str, field: str, value: Any) -> tuple[Any, str | None]:
    """The value as the schema stores it, or an error text."""
    clean, errors = clean_specs(category, {field: value})
    own = [e for e in errors if e.path == field]
    if own:
        return None, own[0].message
    return specs_to_json({field: clean[field]})[field], None


def derive_fit_fields(
    *,
    category: str,
    sku: str,
    name: str,
    specs: Mapping[str, Any],
    demo_specs: Mapping[str, Mapping[str, Any]] | None = None,
) -> FitBackfill:
    """The fit fields a stored part lacks, from its name or the demo catalog's part of its SKU.

    `demo_specs` maps demo SKUs to their specs. Categories without fit fields, and
    parts that already have them, get nothing and no problem.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    demo = (demo_specs or {}).get(sku) or {}
    for field in FIT_FIELDS.get(category, ()):
        if specs.get(field) is not None:
            continue
        stated, text = _from_name(category, field, name)
        if len(stated) > 1:
            problems.append(f"{sku}: {category}.{field}: the name states several values ({text})")
            continue
        candidates: list[tuple[str, Any]] = []
        if stated:
            candidates.append(("name", next(iter(stated))))
        if demo.get(field) is not None:
            candidates.append(("demo catalog", demo[field]))
        if not candidates:
            problems.append(
                f"{sku}: {category}.{field}: neither the name ({name!r}) nor the demo catalog states it"
            )
            continue
        cleaned: list[tuple[str, Any]] = []
        for source, raw in candidates:
            value, error = _clean_value(category, field, raw)
            if error is not None:
                problems.append(f"{sku}: {category}.{field}: the {source} gives {raw}, which {error}")
            else:
                cleaned.append((source, value))
        if len(cleaned) != len(candidates):
            continue
        if len({Decimal(str(v)) for _s, v in cleaned}) > 1:
            given = " and ".join(f"{v} ({s})" for s, v in cleaned)
            problems.append(f"{sku}: {category}.{field}: the sources disagree: {given}")
            continue
        values[field] = cleaned[0][1]
    return FitBackfill(values=values, problems=tuple(problems))
