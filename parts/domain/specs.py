"""Per-category spec schema for catalog parts (domain.md section 2).

Pure Python on purpose: the catalog importer, the admin, the API serializers and
the compatibility engine all validate specs the same way, and none of them
should need a database to do it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from parts.domain.text import text_problem

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CHOICE_LABELS",
    "FIELD_KINDS",
    "INSULATION_CLASS_TEMP_C",
    "MAGNET_GRADE_NUMBERS",
    "MAGNET_REMANENCE_RANGE",
    "MAGNET_SUFFIXES",
    "MAGNET_SUFFIX_MIN_COERCIVITY",
    "MAGNET_SUFFIX_TEMP_C",
    "FieldSpec",
    "SpecError",
    "clean_specs",
    "parse_magnet_grade",
    "specs_from_json",
    "specs_to_json",
]

FIELD_KINDS = ("int", "decimal", "str", "bool", "choice")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: str
    unit: str = ""
    choices: tuple = ()
    required: bool = True
    min_value: Decimal | None = None
    positive: bool = False
    even: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class SpecError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


# IEC 60085 thermal classes.
INSULATION_CLASS_TEMP_C: dict[str, int] = {"F": 155, "H": 180, "N": 200, "R": 220}

# Sintered NdFeB: "" is the plain grade (no temperature suffix).
MAGNET_SUFFIX_TEMP_C: dict[str, int] = {
    "": 80,
    "M": 100,
    "H": 120,
    "SH": 150,
    "UH": 180,
    "EH": 200,
    "AH": 220,
}
MAGNET_SUFFIX_MIN_COERCIVITY: dict[str, int] = {
    "": 955,
    "M": 1114,
    "H": 1353,
    "SH": 1592,
    "UH": 1990,
    "EH": 2388,
    "AH": 2626,
}
MAGNET_REMANENCE_RANGE: dict[int, tuple[Decimal, Decimal]] = {
    35: (Decimal("1.17"), Decimal("1.22")),
    38: (Decimal("1.22"), Decimal("1.25")),
    40: (Decimal("1.25"), Decimal("1.28")),
    42: (Decimal("1.28"), Decimal("1.32")),
    45: (Decimal("1.32"), Decimal("1.38")),
    48: (Decimal("1.37"), Decimal("1.42")),
    50: (Decimal("1.39"), Decimal("1.45")),
    52: (Decimal("1.42"), Decimal("1.48")),
}
MAGNET_GRADE_NUMBERS: tuple[int, ...] = tuple(MAGNET_REMANENCE_RANGE)
MAGNET_SUFFIXES: tuple[str, ...] = tuple(MAGNET_SUFFIX_TEMP_C)

_GRADE_RE = re.compile(
    r"N(?P<number>35|38|40|42|45|48|50|52)(?P<suffix>M|H|SH|UH|EH|AH)?", re.IGNORECASE
)
# Looser shape, so "N55SH" can be told apart from plain garbage in the message.
_GRADE_SHAPE_RE = re.compile(r"N(?P<number>\d+)(?P<suffix>[A-Z]*)", re.IGNORECASE)

_ACCEPTED_GRADES_TEXT = (
    "accepted grades are "
    + ", ".join(f"N{n}" for n in MAGNET_GRADE_NUMBERS)
    + ", optionally followed by "
    + ", ".join(s for s in MAGNET_SUFFIXES if s)
    + " (e.g. N48SH)"
)


# --- the schema -------------------------------------------------------------

_ZERO = Decimal(0)


def _mm(name: str, label: str, help_text: str = "") -> FieldSpec:
    return FieldSpec(name, "decimal", label, unit="mm", positive=True, help_text=help_text)


def _count(name: str, label: str, *, even: bool = False, unit: str = "", help_text: str = ""):
    return FieldSpec(name, "int", label, unit=unit, positive=True, even=even, help_text=help_text)


_LAMINATION_GRADE = FieldSpec(
    "lamination_grade",
    "str",
    "Lamination grade",
    help_text="Electrical steel designation, e.g. M250-35A (EN 10106) or a maker's grade.",
)
_LAMINATION_THICKNESS = _mm("lamination_thickness_mm", "Lamination thickness")
_MAX_SPEED = _count("max_speed_rpm", "Maximum speed", unit="rpm")
_PHASES = FieldSpec("phases", "choice", "Phases", choices=(3,))
_INSULATION_CLASS = FieldSpec(
    "insulation_class",
    "choice",
    "Insulation class",
    choices=tuple(INSULATION_CLASS_TEMP_C),
    help_text="IEC 60085 thermal class: F 155 °C, H 180 °C, N 200 °C, R 220 °C.",
)
_VOLTAGE_CLASS = FieldSpec(
    "voltage_class_v", "choice", "Voltage class", unit="V", choices=(400, 800)
)

CATEGORIES: dict[str, tuple[FieldSpec, ...]] = {
    "stator_core": (
        _mm("outer_diameter_mm", "Outer diameter"),
        _mm("inner_diameter_mm", "Bore diameter", "Stator bore (inner diameter)."),
        _mm("stack_length_mm", "Stack length"),
        _count("slots", "Slots"),
        FieldSpec("slot_type", "choice", "Slot type", choices=("round_wire", "rectangular")),
        _LAMINATION_GRADE,
        _LAMINATION_THICKNESS,
    ),
    "rotor_core": (
        _mm("outer_diameter_mm", "Outer diameter"),
        _mm("bore_diameter_mm", "Shaft bore diameter"),
        _mm("stack_length_mm", "Stack length"),
        _count("poles", "Poles", even=True),
        _count("magnets_per_pole", "Magnets per pole"),
        _mm("pocket_length_mm", "Magnet pocket length", "Axial length of a magnet pocket."),
        _mm("pocket_width_mm", "Magnet pocket width"),
        _mm("pocket_thickness_mm", "Magnet pocket thickness"),
        _LAMINATION_GRADE,
        _LAMINATION_THICKNESS,
        _MAX_SPEED,
    ),
    "magnet": (
        FieldSpec(
            "grade",
            "str",
            "Grade",
            help_text="Sintered NdFeB grade, N35 to N52 with an optional temperature suffix "
            "(M, H, SH, UH, EH, AH), e.g. N48SH.",
        ),
        FieldSpec(
            "max_operating_temp_c",
            "decimal",
            "Maximum operating temperature",
            unit="°C",
            help_text="May be below the grade's suffix temperature, never above it.",
        ),
        FieldSpec("remanence_t", "decimal", "Remanence (Br)", unit="T", positive=True),
        FieldSpec(
            "coercivity_ka_per_m",
            "decimal",
            "Intrinsic coercivity (HcJ)",
            unit="kA/m",
            positive=True,
        ),
        _mm("length_mm", "Length", "Axial length of one magnet segment."),
        _mm("width_mm", "Width"),
        _mm("thickness_mm", "Thickness", "Along the magnetisation direction."),
        FieldSpec("mass_g", "decimal", "Mass", unit="g", positive=True),
        FieldSpec(
            "heavy_rare_earth",
            "choice",
            "Heavy rare earth",
            choices=("none", "dy", "tb", "dy_tb"),
        ),
        FieldSpec("grain_boundary_diffused", "bool", "Grain-boundary diffused"),
        FieldSpec(
            "ndpr_kg",
            "decimal",
            "NdPr content",
            unit="kg",
            min_value=_ZERO,
            help_text="Per magnet; drives the NdPr oxide pass-through and concentration checks.",
        ),
        FieldSpec(
            "dy_tb_kg",
            "decimal",
            "Dy/Tb content",
            unit="kg",
            min_value=_ZERO,
            help_text="Per magnet.",
        ),
    ),
    "shaft": (
        _mm("seat_diameter_mm", "Rotor seat diameter"),
        _mm("length_mm", "Length"),
        _MAX_SPEED,
        FieldSpec("fit", "choice", "Rotor fit", choices=("press", "keyed")),
    ),
    "end_plate": (
        _mm("outer_diameter_mm", "Outer diameter"),
        _mm("bore_diameter_mm", "Bore diameter"),
    ),
    "winding": (
        FieldSpec("type", "choice", "Winding type", choices=("hairpin", "round_wire")),
        _count("slots", "Slots"),
        _count("poles", "Poles", even=True),
        _PHASES,
        _INSULATION_CLASS,
        _VOLTAGE_CLASS,
        _mm("stack_length_mm", "Stack length"),
    ),
    "insulation": (
        _INSULATION_CLASS,
        _VOLTAGE_CLASS,
        FieldSpec(
            "pd_free",
            "bool",
            "Partial-discharge free",
            help_text="Qualified PD-free per IEC 60034-18-41 Type I.",
        ),
        _count("slots", "Slots", help_text="The stator slot count the insulation is cut for."),
        _mm("stack_length_mm", "Stack length", "The stator stack length the insulation is cut for."),
    ),
    "busbar": (
        _PHASES,
        _VOLTAGE_CLASS,
        FieldSpec("max_current_a", "decimal", "Maximum current", unit="A", positive=True),
        _count("slots", "Slots", help_text="The stator slot count whose winding it connects."),
    ),
    "resolver": (
        _count("pole_pairs", "Pole pairs"),
        _mm("bore_diameter_mm", "Bore diameter", "The resolver rotor's bore, mounted on the shaft seat."),
    ),
    "temperature_sensor": (
        FieldSpec("sensor_type", "choice", "Sensor type", choices=("ntc", "pt1000")),
        FieldSpec("max_temp_c", "decimal", "Maximum temperature", unit="°C"),
    ),
}

CATEGORY_LABELS: dict[str, str] = {
    "stator_core": "Stator core",
    "rotor_core": "Rotor core",
    "magnet": "Magnet",
    "shaft": "Shaft",
    "end_plate": "End plate",
    "winding": "Winding",
    "insulation": "Insulation",
    "busbar": "Busbar",
    "resolver": "Resolver",
    "temperature_sensor": "Temperature sensor",
}


# --- value coercion ---------------------------------------------------------


class _Invalid(Exception):
    pass


# Deliberately narrower than Decimal(): no NaN/Infinity spellings, no "1_000".
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _fmt(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        # normalize() alone would print 160 as "1.6E+2".
        return format(value.normalize(), "f")
    return str(value)


def _parse_number(value: Any, message: str) -> Decimal:
    # bool is an int subclass; a JSON true is never meant as 1.
    if isinstance(value, bool):
        raise _Invalid(message)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # str() gives the shortest repr, so 161.9 becomes Decimal("161.9"), not the binary noise.
        number = Decimal(str(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and len(value) <= 64 and _NUMBER_RE.fullmatch(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation as exc:
            raise _Invalid(message) from exc
    else:
        raise _Invalid(message)
    if not number.is_finite():
        raise _Invalid(message)
    # Bound the magnitude from the exponent, before any arithmetic: "1e100000000" would
    # otherwise become a hundred-million-digit integer or overflow a comparison.
    if number and not -_MAX_EXPONENT <= number.adjusted() <= _MAX_EXPONENT:
        raise _Invalid(f"is out of range (at most {_MAX_EXPONENT} digits either side of the point)")
    return number


_MAX_EXPONENT = 15


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**_MAX_EXPONENT:
            raise _Invalid(f"is out of range (at most {_MAX_EXPONENT} digits)")
        return value
    number = _parse_number(value, "must be an integer")
    if number != number.to_integral_value():
        raise _Invalid(f"must be an integer; {_fmt(number)} given")
    return int(number)


def _to_decimal(value: Any) -> Decimal:
    number = _parse_number(value, "must be a finite number")
    # Specs live in a JSON column as floats; refuse what a double cannot hold exactly so
    # that specs_to_json/specs_from_json never silently changes a catalog value.
    if _float_round_trip(number) != number:
        raise _Invalid("has too many significant digits to store exactly (at most 15)")
    return number


def _float_round_trip(number: Decimal) -> Decimal:
    try:
        return Decimal(str(float(number)))
    except (OverflowError, InvalidOperation):
        return Decimal("NaN")


SPEC_TEXT_LENGTH = 200  # a spec's text (a grade, a coating): a label, not a document


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a string")
    text = value.strip()
    if not text:
        raise _Invalid("must not be empty")
    problem = text_problem(text, max_length=SPEC_TEXT_LENGTH)
    if problem:
        raise _Invalid(problem)
    return text


def _to_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("must be true or false")
    return value


def _to_choice(field: FieldSpec, value: Any) -> str | int:
    allowed = ", ".join(str(c) for c in field.choices)
    if all(isinstance(c, int) for c in field.choices):
        try:
            candidate: str | int = _to_int(value)
        except _Invalid as exc:
            raise _Invalid(f"must be one of {allowed}") from exc
    elif isinstance(value, str):
        candidate = value.strip()
    else:
        raise _Invalid(f"must be one of {allowed}")
    if candidate not in field.choices:
        raise _Invalid(f"must be one of {allowed}; {candidate!r} given")
    return candidate


def _check_bounds(field: FieldSpec, number: int | Decimal) -> None:
    if field.positive and number <= 0:
        raise _Invalid(f"must be greater than 0; {_fmt(number)} given")
    if field.min_value is not None and number < field.min_value:
        raise _Invalid(f"must be at least {_fmt(field.min_value)}; {_fmt(number)} given")
    if field.even and number % 2:
        raise _Invalid(f"must be an even integer; {_fmt(number)} given")


def _clean_value(field: FieldSpec, value: Any) -> Any:
    if field.kind == "int":
        number: int | Decimal = _to_int(value)
        _check_bounds(field, number)
        return number
    if field.kind == "decimal":
        number = _to_decimal(value)
        _check_bounds(field, number)
        return number
    if field.kind == "str":
        return _to_str(value)
    if field.kind == "bool":
        return _to_bool(value)
    if field.kind == "choice":
        return _to_choice(field, value)
    raise ValueError(f"FieldSpec {field.name!r} has unknown kind {field.kind!r}")


# --- cross-field checks -----------------------------------------------------


def _smaller_than(clean: dict, errors: list[SpecError], inner: str, outer: str) -> None:
    if inner in clean and outer in clean and clean[inner] >= clean[outer]:
        errors.append(
            SpecError(
                inner,
                f"must be smaller than {outer} ({_fmt(clean[outer])}); "
                f"{_fmt(clean[inner])} given",
            )
        )


def parse_magnet_grade(grade: str) -> tuple[int, str] | None:
    """("N48SH") -> (48, "SH"); ("n42") -> (42, ""); None when not an accepted grade."""
    if not isinstance(grade, str):
        return None
    match = _GRADE_RE.fullmatch(grade.strip())
    if match is None:
        return None
    return int(match["number"]), (match["suffix"] or "").upper()


def _check_magnet(clean: dict, errors: list[SpecError]) -> None:
    if "grade" not in clean:
        return
    parsed = parse_magnet_grade(clean["grade"])
    if parsed is None:
        given = clean.pop("grade")
        shape = _GRADE_SHAPE_RE.fullmatch(given)
        if shape and int(shape["number"]) not in MAGNET_REMANENCE_RANGE:
            message = f"N{shape['number']} is not an accepted grade number; {_ACCEPTED_GRADES_TEXT}"
        else:
            message = f"{given!r} is not a sintered NdFeB grade; {_ACCEPTED_GRADES_TEXT}"
        errors.append(SpecError("grade", message))
        return
    number, suffix = parsed
    grade = f"N{number}{suffix}"
    clean["grade"] = grade

    temp = clean.get("max_operating_temp_c")
    limit = MAGNET_SUFFIX_TEMP_C[suffix]
    if temp is not None and temp > limit:
        errors.append(
            SpecError(
                "max_operating_temp_c",
                f"{grade} is rated at most {limit} °C; {_fmt(temp)} given",
            )
        )

    coercivity = clean.get("coercivity_ka_per_m")
    minimum = MAGNET_SUFFIX_MIN_COERCIVITY[suffix]
    if coercivity is not None and coercivity < minimum:
        errors.append(
            SpecError(
                "coercivity_ka_per_m",
                f"{grade} needs a coercivity of at least {minimum} kA/m; "
                f"{_fmt(coercivity)} given",
            )
        )

    remanence = clean.get("remanence_t")
    low, high = MAGNET_REMANENCE_RANGE[number]
    if remanence is not None and not low <= remanence <= high:
        errors.append(
            SpecError(
                "remanence_t",
                f"N{number} remanence must be between {low} and {high} T; "
                f"{_fmt(remanence)} given",
            )
        )


_CROSS_CHECKS: dict[str, Callable[[dict, list[SpecError]], None]] = {
    "stator_core": lambda c, e: _smaller_than(c, e, "inner_diameter_mm", "outer_diameter_mm"),
    "rotor_core": lambda c, e: _smaller_than(c, e, "bore_diameter_mm", "outer_diameter_mm"),
    "end_plate": lambda c, e: _smaller_than(c, e, "bore_diameter_mm", "outer_diameter_mm"),
    "magnet": _check_magnet,
}


# --- public entry points ----------------------------------------------------


def clean_specs(category: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[SpecError]]:
    """Validate and normalise one part's specs; returns (clean, errors).

    Collects every error rather than stopping at the first, because the importer
    reports a whole catalog file in one pass. ``clean`` holds only the fields that
    passed and is meant to be used only when ``errors`` is empty.
    """
    if not isinstance(category, str) or category not in CATEGORIES:
        return {}, [
            SpecError(
                "",
                f"unknown category {category!r}; expected one of: {', '.join(CATEGORIES)}",
            )
        ]
    if not isinstance(raw, Mapping):
        return {}, [SpecError("", "specs must be an object")]

    fields = CATEGORIES[category]
    clean: dict[str, Any] = {}
    errors: list[SpecError] = []
    for field in fields:
        value = raw.get(field.name)
        if value is None:
            # JSON null counts as absent; the stored JSON never contains nulls.
            if field.required:
                errors.append(SpecError(field.name, "is required"))
            continue
        try:
            clean[field.name] = _clean_value(field, value)
        except _Invalid as exc:
            errors.append(SpecError(field.name, str(exc)))

    known = {field.name for field in fields}
    errors.extend(SpecError(str(key), "unknown spec field") for key in raw if key not in known)

    check = _CROSS_CHECKS.get(category)
    if check is not None:
        check(clean, errors)
    return clean, errors


def specs_to_json(clean: Mapping[str, Any]) -> dict:
    """Clean specs -> JSON-safe dict: integral Decimals become int, others float.

    Raises ValueError for a Decimal a float cannot hold exactly, which clean_specs
    never produces; failing loudly beats storing a silently altered value.
    """
    out: dict[str, Any] = {}
    for key, value in clean.items():
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"{key}: {value} cannot be stored as JSON")
            if value == value.to_integral_value():
                out[key] = int(value)
            else:
                if _float_round_trip(value) != value:
                    raise ValueError(f"{key}: {value} cannot be stored exactly as a float")
                out[key] = float(value)
        else:
            out[key] = value
    return out


def specs_from_json(category: str, stored: Mapping[str, Any]) -> dict:
    """Inverse of specs_to_json: decimal fields back to Decimal. Does not validate.

    Raises ValueError for an unknown category (a stored part always has a valid one).
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    decimal_fields = {f.name for f in CATEGORIES[category] if f.kind == "decimal"}
    out: dict[str, Any] = {}
    for key, value in stored.items():
        if (
            key in decimal_fields
            and isinstance(value, int | float | str)
            and not isinstance(value, bool)
        ):
            out[key] = Decimal(str(value))
        else:
            out[key] = value
    return out


# Words for the coded choices, wherever a person reads them (pages, the quote PDF);
# the codes stay what the API and the interchange format carry.
CHOICE_LABELS: dict[str, str] = {
    "round_wire": "round wire",
    "rectangular": "rectangular",
    "hairpin": "hairpin",
    "none": "none",
    "dy": "dysprosium (Dy)",
    "tb": "terbium (Tb)",
    "dy_tb": "dysprosium and terbium (Dy, Tb)",
    "press": "press fit",
    "keyed": "keyed",
    "ntc": "NTC thermistor",
    "pt1000": "Pt1000 platinum RTD",
}


def spec_display_rows(category: str, specs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, "value unit") for every spec present, in schema order: pages and the quote PDF."""
    rows = []
    for field in CATEGORIES.get(category, ()):
        if field.name not in specs:
            continue
        value = specs[field.name]
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int):
            text = f"{value:,}"
        elif isinstance(value, float | Decimal):
            text = f"{value:g}" if isinstance(value, float) else format(value.normalize(), "f")
        elif field.kind == "choice":
            text = CHOICE_LABELS.get(str(value), str(value).replace("_", " "))
        else:
            text = str(value)
        rows.append((field.label, f"{text} {field.unit}".strip()))
    return rows
