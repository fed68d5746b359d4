"""The catalog interchange file (`corekit-catalog/1`): parse and validate, no database.

`validate_document` checks a whole document and returns clean rows plus *every* error
with its JSON path (`parts[12].specs.poles: must be an even integer`), so an importer
can refuse the file before writing anything. Names of suppliers and indices that
already exist in the catalog are passed in, so the check stays pure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core.domain.json_keys import KeyGivenTwice, each_key_once
from parts.domain.provenance import CURRENCIES, ISO_COUNTRIES, clean_provenance
from parts.domain.specs import CATEGORIES, clean_specs
from parts.domain.text import text_problem

FORMAT = "corekit-catalog/1"
CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOP_KEYS = ("format", "suppliers", "indices", "exchange_rates", "parts")
_PART_KEYS = (
    "sku", "name", "category", "supplier", "specs", "provenance", "pricing",
    "lead_time_days", "moq", "annual_capacity", "active",
)
_MAX_INT = 2**31 - 1
# A lead time is days from today to the first delivery: ten years is beyond any supplier's
# quote, and a date that far out still exists (2,000,000,000 days overflowed the date range
# in every check that adds it to today: a 500 on every kit using the part).
MAX_LEAD_TIME_DAYS = 3650
# Supplier and index codes are shorter than SKUs (their columns).
SHORT_CODE_LENGTH = 32
# The format nests at most five levels (parts[].pricing.tiers[].unit_price); anything much
# deeper is not a catalog, and Python's parser would recurse on it until it crashed.
MAX_DEPTH = 16
# A decimal's text: no catalog number needs more digits (and "1e100000000" would
# otherwise reach Decimal arithmetic, which overflows).
MAX_NUMBER_DIGITS = 40


@dataclass(frozen=True)
class CatalogError:
    path: str
    message: str
    sku: str = ""  # the part the path points into, when it does (the file's own SKU)

    def __str__(self) -> str:  # the documented form; the SKU is shown beside it where there is room
        return f"{self.path}: {self.message}"


_PARTS_INDEX = re.compile(r"^parts\[(\d+)\]")


def errors_with_skus(errors: list[CatalogError], document: Any) -> list[CatalogError]:
    """Name the SKU of each error inside `parts[i]`, so a reader finds the row by its key."""
    rows = document.get("parts") if isinstance(document, dict) else None
    if not isinstance(rows, list | LazyRows):
        return errors
    named = []
    for error in errors:
        match = _PARTS_INDEX.match(error.path)
        sku = ""
        if match and int(match.group(1)) < len(rows) and isinstance(rows[int(match.group(1))], dict):
            value = rows[int(match.group(1))].get("sku")
            sku = value[:80] if isinstance(value, str) else ""
        named.append(CatalogError(error.path, error.message, sku) if sku else error)
    return named


def _flat_text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_flat_text(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_flat_text(v)}" for k, v in value.items())
    if value is None or value == "":
        return "(empty)"
    return str(value)


def field_diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[tuple[str, str, str]]:
    """(field path, old, new) for every field that differs between two canonical rows.

    Dicts are compared key by key (`specs.poles`, `pricing.tiers`); a list is one field,
    shown whole, so a changed tier reads as the tier table before and after.
    """
    changes: list[tuple[str, str, str]] = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        path = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            changes += field_diff(a, b, f"{path}.")
        else:
            changes.append((path, _flat_text(a), _flat_text(b)))
    return changes


@dataclass
class CleanCatalog:
    suppliers: list[dict] = field(default_factory=list)
    indices: list[dict] = field(default_factory=list)
    exchange_rates: list[dict] = field(default_factory=list)
    parts: list[dict] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.path = path


class _TwiceInOneObject(_Bad):
    """A key given twice in one object (core.domain.json_keys), with where it was found."""

    def __init__(self, exc: KeyGivenTwice, path: str, line: int) -> None:
        super().__init__(f"{exc} (the value starting on line {line}); JSON would keep only the last",
                         path)


_KEEP_ONLY_QUOTES_AND_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')
_CHUNK = 256 * 1024  # small: splitting a chunk at its quotes makes an object per string


def _structure(data: bytes):
    """The file's quotes and brackets only, escaped quotes removed, a few MB at a time (C-speed
    byte operations; no copy of the whole file, no object per string)."""
    start = 0
    while start < len(data):
        end = min(start + _CHUNK, len(data))
        while end < len(data) and data[end - 1] == 0x5C:  # never split a run of backslashes
            end += 1
        yield (data[start:end].replace(b"\\\\", b"").replace(b'\\"', b"")
               .translate(None, _KEEP_ONLY_QUOTES_AND_BRACKETS))
        start = end


def json_depth_exceeds(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """True when brackets nest deeper than `limit` (strings skipped), checked before parsing.

    Memory stays bounded by a chunk whatever the file's size: brackets inside strings are
    dropped by splitting each chunk's quotes-and-brackets at the quotes."""
    data = text.encode() if isinstance(text, str) else text
    depth, in_string = 0, False
    for chunk in _structure(data):
        pieces = chunk.split(b'"')
        outside = b"".join(pieces[1::2] if in_string else pieces[::2])
        in_string ^= len(pieces) % 2 == 0  # an odd number of quotes in the chunk
        for byte in outside:
            if byte in (0x5B, 0x7B):  # [ {
                depth += 1
                if depth > limit:
                    return True
            else:
                depth -= 1
    return False


def _bounded_float(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Bad(f"a number of more than {MAX_NUMBER_DIGITS} characters")
    return Decimal(text)


def _refused(text: str | bytes | bytearray, max_bytes: int | None) -> CatalogError | None:
    """Why a file is refused before it is parsed: too large, or nested too deep."""
    if max_bytes is not None and len(text) > max_bytes:
        return CatalogError("$", f"the file is larger than {max_bytes:,} bytes")
    if json_depth_exceeds(text):
        return CatalogError("$", f"nested more than {MAX_DEPTH} levels deep: not a catalog")
    return None


def _unreadable(exc: Exception) -> CatalogError:
    """The parse error of a file that is not a catalog, in the sales rep's words."""
    if isinstance(exc, _TwiceInOneObject | KeyGivenTwice):
        return CatalogError(getattr(exc, "path", "$"), str(exc))
    if isinstance(exc, _Bad):
        return CatalogError(exc.path, f"not a catalog: {exc}")
    if isinstance(exc, RecursionError):
        return CatalogError("$", "nested too deeply: not a catalog")
    where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
    return CatalogError("$", f"not valid JSON{where}: {getattr(exc, 'msg', exc)}")


def parse_json(text: str | bytes, *, max_bytes: int | None = None) -> tuple[Any, list[CatalogError]]:
    """JSON with every non-integer number as Decimal, so no value passes through float.

    Bounded: at most `max_bytes`, brackets nested at most MAX_DEPTH deep, numbers of at most
    MAX_NUMBER_DIGITS characters; beyond that the file is refused with an error, not a crash.
    """
    if refused := _refused(text, max_bytes):
        return None, [refused]
    try:
        return _CHECKING.decode(text.decode(json.detect_encoding(text[:4]))
                                if isinstance(text, bytes | bytearray) else text), []
    except (_Bad, RecursionError, ValueError, UnicodeDecodeError) as exc:
        return None, [_unreadable(exc)]


_WS = re.compile(r"[ \t\n\r]*")


class LazyRows(Sequence):
    """A large top-level array kept as its text, each element decoded when read.

    100k parts as dicts with Decimals take several times the file's size in memory; the
    text plus one offset per element takes the file's size once.
    """

    def __init__(self, text: str, starts: list[int]) -> None:
        self._text, self._starts = text, starts

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return _DECODER.raw_decode(self._text, self._starts[i])[0]


def parse_json_rows(text: str | bytes | bytearray, *, max_bytes: int | None = None,
                    lazy_key: str = "parts") -> tuple[Any, list[CatalogError]]:
    """`parse_json`, except that the top-level `lazy_key` array is `LazyRows`: the same checks
    and errors, with memory bounded by the file's size rather than a multiple of it. A
    bytearray is consumed (emptied once decoded), so the file is not held twice."""
    if refused := _refused(text, max_bytes):
        return None, [refused]
    try:
        if not isinstance(text, str):
            data = text
            text = data.decode(json.detect_encoding(data[:4]))
            if isinstance(data, bytearray):  # a buffer handed over: give its memory back now
                data.clear()
            del data
        return _scan_object(text, lazy_key), []
    except (_Bad, RecursionError, ValueError, UnicodeDecodeError) as exc:
        return None, [_unreadable(exc)]


def _scan_object(text: str, lazy_key: str) -> Any:
    idx = _WS.match(text, 0).end()
    if not text.startswith("{", idx):
        return _DECODER.decode(text)  # not an object: validation refuses whatever it is
    document: dict[str, Any] = {}
    idx = _WS.match(text, idx + 1).end()
    if text.startswith("}", idx):
        idx += 1
    else:
        while True:
            if not text.startswith('"', idx):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, idx)
            key, idx = _DECODER.raw_decode(text, idx)
            if key in document:  # JSON keeps the last one: a whole "parts" list would vanish
                line = text.count("\n", 0, idx) + 1
                raise _Bad(f"{key!r} is given twice at the top level (again on line {line})")
            idx = _WS.match(text, idx).end()
            if not text.startswith(":", idx):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, idx)
            idx = _WS.match(text, idx + 1).end()
            if key == lazy_key and text.startswith("[", idx):
                document[key], idx = _scan_array(text, idx, key)
            else:
                document[key], idx = _checked_decode(text, idx, key)
            idx = _WS.match(text, idx).end()
            if text.startswith(",", idx):
                idx = _WS.match(text, idx + 1).end()
                continue
            if text.startswith("}", idx):
                idx += 1
                break
            raise json.JSONDecodeError("Expecting ',' delimiter", text, idx)
    if _WS.match(text, idx).end() != len(text):
        raise json.JSONDecodeError("Extra data", text, idx)
    return document


def _checked_decode(text: str, idx: int, path: str) -> tuple[Any, int]:
    """The value at `idx`, refused with its path and line when an object in it repeats a key."""
    try:
        return _CHECKING.raw_decode(text, idx)
    except KeyGivenTwice as exc:
        raise _TwiceInOneObject(exc, path, text.count("\n", 0, idx) + 1) from None


def _scan_array(text: str, idx: int, key: str) -> tuple[LazyRows, int]:
    starts: list[int] = []
    idx = _WS.match(text, idx + 1).end()
    if text.startswith("]", idx):
        return LazyRows(text, starts), idx + 1
    while True:
        starts.append(idx)
        # checked now, keys given twice included; decoded again (without that check) when read
        _, idx = _checked_decode(text, idx, f"{key}[{len(starts) - 1}]")
        idx = _WS.match(text, idx).end()
        if text.startswith(",", idx):
            idx = _WS.match(text, idx + 1).end()
            continue
        if text.startswith("]", idx):
            return LazyRows(text, starts), idx + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, idx)


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Bad(f"a number of more than {MAX_NUMBER_DIGITS} characters")
    return int(text)


_DECODER = json.JSONDecoder(parse_float=_bounded_float, parse_int=_bounded_int)
# The first read of every value: also refuses an object that gives a key twice (+0.3 s per
# 100k parts; later reads of a lazy row use _DECODER).
_CHECKING = json.JSONDecoder(parse_float=_bounded_float, parse_int=_bounded_int,
                             object_pairs_hook=each_key_once)


def _text(value: Any, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("must be a non-empty string")
    problem = text_problem(value.strip(), max_length=max_length)
    if problem:
        raise _Bad(problem)
    return value.strip()


def _code(value: Any, *, max_length: int = 64) -> str:
    if not isinstance(value, str) or not CODE_RE.fullmatch(value) or len(value) > max_length:
        raise _Bad(f"must be 1–{max_length} letters, digits, '-', '_' or '.'")
    return value


def _short_code(value: Any) -> str:
    return _code(value, max_length=SHORT_CODE_LENGTH)


def _country(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in ISO_COUNTRIES:
        raise _Bad(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value.upper()


def _currency(value: Any) -> str:
    if not isinstance(value, str) or value not in CURRENCIES:
        raise _Bad(f"{value!r} is not a supported currency ({', '.join(CURRENCIES)})")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _Bad(f"must be a date as YYYY-MM-DD; {value!r} given")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("must be true or false")
    return value


def _int(value: Any, *, minimum: int, maximum: int = _MAX_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("must be an integer")
    if value < minimum:
        raise _Bad(f"must be at least {minimum}")
    if value > maximum:
        raise _Bad(f"must be at most {maximum}")
    return value


def _decimal(value: Any, *, places: int, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _Bad('must be a decimal number, preferably as a string ("3.40")')
    if isinstance(value, str) and len(value.strip()) > MAX_NUMBER_DIGITS:
        raise _Bad(f"must be at most {MAX_NUMBER_DIGITS} characters")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise _Bad(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise _Bad("must be a finite number")
    # Judge the magnitude from the exponent before any arithmetic: "1e100000000" is a valid
    # Decimal that overflows the moment it is compared or quantized.
    if number and number.adjusted() >= 14:
        raise _Bad("is too large")
    if number and number.adjusted() < -places:
        raise _Bad(f"has more than {places} decimal places")
    if not number:
        number = Decimal(0)
    if positive and number <= 0:
        raise _Bad("must be greater than 0")
    if number < 0:
        raise _Bad("must not be negative")
    if abs(number) >= Decimal(10) ** 14:
        raise _Bad("is too large")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise _Bad(f"has more than {places} decimal places")
    return number


class _Collector:
    def __init__(self) -> None:
        self.errors: list[CatalogError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(CatalogError(path, message))

    def get(self, source: Mapping, key: str, path: str, parse, *, default: Any = ..., **kw):
        if key not in source or source[key] is None:
            if default is not ...:
                return default
            self.add(f"{path}.{key}", "is required")
            return None
        try:
            return parse(source[key], **kw)
        except _Bad as exc:
            self.add(f"{path}.{key}", str(exc))
            return None

    def unknown(self, source: Mapping, known: Iterable[str], path: str) -> None:
        known = set(known)
        for key in source:
            if key not in known:
                self.add(f"{path}.{key}", "unknown field")

    def rows(self, document: Mapping, key: str) -> list[tuple[str, Mapping]]:
        items = document.get(key, [])
        if not isinstance(items, list | LazyRows):
            self.add(key, "must be a list")
            return []
        out = []
        for i, item in enumerate(items):
            if isinstance(item, Mapping):
                out.append((f"{key}[{i}]", item))
            else:
                self.add(f"{key}[{i}]", "must be an object")
        return out


def validate_document(
    document: Any,
    *,
    existing_suppliers: Iterable[str] = (),
    existing_indices: Iterable[str] = (),
) -> tuple[CleanCatalog, list[CatalogError]]:
    checker = CatalogChecker(document, existing_suppliers=existing_suppliers,
                             existing_indices=existing_indices)
    for i in range(checker.part_count):
        part = checker.part(i)
        if part is not None:
            checker.clean.parts.append(part)
    return checker.clean, checker.errors


class CatalogChecker:
    """Checks a document one part at a time, so a large file is never held as clean rows.

    The suppliers, indices and rates (small) are checked on construction, into `clean`;
    `part(i)` checks the i-th part (read from the document then, which may be `LazyRows`)
    and returns its clean row, its errors added to `errors` in document order. Parts must
    be checked in order, each once (duplicate SKUs are found on the way).
    """

    def __init__(self, document: Any, *, existing_suppliers: Iterable[str] = (),
                 existing_indices: Iterable[str] = ()) -> None:
        self._c = _Collector()
        self._seen: set[str] = set()
        self.rows: Sequence = []
        if not isinstance(document, Mapping):
            self.clean = CleanCatalog()
            self._c.add("$", "the catalog must be a JSON object")
            return
        self.clean, _, self._suppliers, self._indices = _validate_head(
            self._c, document, existing_suppliers, existing_indices)
        rows = document.get("parts", [])
        if isinstance(rows, list | LazyRows):
            self.rows = rows
        else:
            self._c.add("parts", "must be a list")

    @property
    def errors(self) -> list[CatalogError]:
        return self._c.errors

    @property
    def part_count(self) -> int:
        return len(self.rows)

    def part(self, i: int) -> dict | None:
        row, path = self.rows[i], f"parts[{i}]"
        if not isinstance(row, Mapping):
            self._c.add(path, "must be an object")
            return None
        part = _validate_part(self._c, path, row, self._suppliers, self._indices)
        if part["sku"] is not None and part["sku"] in self._seen:
            self._c.add(f"{path}.sku", f"duplicate SKU {part['sku']!r}")
        self._seen.add(part["sku"])
        return part


def _validate_head(c: _Collector, document: Mapping, existing_suppliers: Iterable[str],
                   existing_indices: Iterable[str]):
    clean = CleanCatalog()
    if document.get("format") != FORMAT:
        c.add("format", f'must be "{FORMAT}"; {document.get("format")!r} given')
    c.unknown(document, _TOP_KEYS, "$")

    supplier_codes = set(existing_suppliers)
    seen: set[str] = set()
    for path, row in c.rows(document, "suppliers"):
        c.unknown(row, ("code", "name", "country", "restricted"), path)
        code = c.get(row, "code", path, _short_code)
        if code is not None and code in seen:
            c.add(f"{path}.code", f"duplicate supplier code {code!r}")
        seen.add(code)
        supplier = {
            "code": code,
            "name": c.get(row, "name", path, _text),
            "country": c.get(row, "country", path, _country),
            "restricted": c.get(row, "restricted", path, _bool, default=False),
        }
        if code:
            supplier_codes.add(code)
        clean.suppliers.append(supplier)

    index_codes = set(existing_indices)
    seen = set()
    for path, row in c.rows(document, "indices"):
        c.unknown(row, ("code", "unit", "values"), path)
        code = c.get(row, "code", path, _short_code)
        if code is not None and code in seen:
            c.add(f"{path}.code", f"duplicate index code {code!r}")
        seen.add(code)
        index_codes.add(code)
        values = []
        dates: set[dt.date] = set()
        raw_values = row.get("values", [])
        if not isinstance(raw_values, list):
            c.add(f"{path}.values", "must be a list")
            raw_values = []
        for j, item in enumerate(raw_values):
            vpath = f"{path}.values[{j}]"
            if not isinstance(item, Mapping):
                c.add(vpath, "must be an object")
                continue
            c.unknown(item, ("date", "value"), vpath)
            day = c.get(item, "date", vpath, _date)
            if day in dates:
                c.add(f"{vpath}.date", f"duplicate date {day}")
            dates.add(day)
            values.append({"date": day, "value": c.get(item, "value", vpath, _decimal, places=6)})
        clean.indices.append(
            {"code": code, "unit": c.get(row, "unit", path, _text, max_length=32), "values": values}
        )

    seen_rates: set[tuple] = set()
    for path, row in c.rows(document, "exchange_rates"):
        c.unknown(row, ("date", "from", "to", "rate"), path)
        rate = {
            "date": c.get(row, "date", path, _date),
            "from_currency": c.get(row, "from", path, _currency),
            "to_currency": c.get(row, "to", path, _currency),
            "rate": c.get(row, "rate", path, _decimal, places=10, positive=True),
        }
        if rate["from_currency"] and rate["from_currency"] == rate["to_currency"]:
            c.add(f"{path}.to", "must differ from 'from'")
        key = (rate["date"], rate["from_currency"], rate["to_currency"])
        if key in seen_rates:
            c.add(path, f"duplicate rate for {key[1]}→{key[2]} on {key[0]}")
        seen_rates.add(key)
        clean.exchange_rates.append(rate)

    return clean, c.errors, supplier_codes, index_codes


def _validate_part(
    c: _Collector, path: str, row: Mapping, supplier_codes: set[str], index_codes: set[str]
) -> dict:
    c.unknown(row, _PART_KEYS, path)
    category = c.get(row, "category", path, lambda v: v if isinstance(v, str) and v in CATEGORIES else _raise(
        f"unknown category {v!r}; expected one of: {', '.join(CATEGORIES)}"))
    supplier = c.get(row, "supplier", path, _short_code)
    if supplier and supplier not in supplier_codes:
        c.add(f"{path}.supplier", f"unknown supplier {supplier!r} (not in the file or catalog)")

    specs: dict = {}
    raw_specs = row.get("specs")
    if not isinstance(raw_specs, Mapping):
        c.add(f"{path}.specs", "is required and must be an object")
    elif category:
        specs, spec_errors = clean_specs(category, raw_specs)
        for e in spec_errors:
            c.add(f"{path}.specs.{e.path}" if e.path else f"{path}.specs", e.message)

    provenance: list = []
    raw_prov = row.get("provenance", [])
    prov, prov_errors = clean_provenance(category or "", raw_prov)
    provenance = prov
    for e in prov_errors:
        c.add(f"{path}.provenance{e.path}", e.message)

    pricing = row.get("pricing")
    currency, tiers, links = None, [], []
    if not isinstance(pricing, Mapping):
        c.add(f"{path}.pricing", "is required and must be an object")
    else:
        ppath = f"{path}.pricing"
        c.unknown(pricing, ("currency", "tiers", "index_links"), ppath)
        currency = c.get(pricing, "currency", ppath, _currency)
        raw_tiers = pricing.get("tiers")
        if not isinstance(raw_tiers, list) or not raw_tiers:
            c.add(f"{ppath}.tiers", "must be a non-empty list")
            raw_tiers = []
        seen_qty: set[int] = set()
        for j, tier in enumerate(raw_tiers):
            tpath = f"{ppath}.tiers[{j}]"
            if not isinstance(tier, Mapping):
                c.add(tpath, "must be an object")
                continue
            c.unknown(tier, ("min_qty", "unit_price"), tpath)
            qty = c.get(tier, "min_qty", tpath, _int, minimum=1)
            if qty in seen_qty:
                c.add(f"{tpath}.min_qty", f"duplicate tier min_qty {qty}")
            seen_qty.add(qty)
            tiers.append(
                {"min_qty": qty, "unit_price": c.get(tier, "unit_price", tpath, _decimal, places=6)}
            )
        raw_links = pricing.get("index_links", [])
        if not isinstance(raw_links, list):
            c.add(f"{ppath}.index_links", "must be a list")
            raw_links = []
        seen_links: set[str] = set()
        for j, link in enumerate(raw_links):
            lpath = f"{ppath}.index_links[{j}]"
            if not isinstance(link, Mapping):
                c.add(lpath, "must be an object")
                continue
            c.unknown(link, ("index", "base_value", "kg_per_unit"), lpath)
            index = c.get(link, "index", lpath, _short_code)
            if index and index not in index_codes:
                c.add(f"{lpath}.index", f"unknown index {index!r} (not in the file or catalog)")
            if index in seen_links:
                c.add(f"{lpath}.index", f"duplicate link to {index!r}")
            seen_links.add(index)
            links.append({
                "index": index,
                "base_value": c.get(link, "base_value", lpath, _decimal, places=6),
                "kg_per_unit": c.get(link, "kg_per_unit", lpath, _decimal, places=6),
            })

    return {
        "sku": c.get(row, "sku", path, _code),
        "name": c.get(row, "name", path, _text),
        "category": category,
        "supplier": supplier,
        "specs": specs,
        "provenance": provenance,
        "currency": currency,
        "tiers": sorted(tiers, key=lambda t: t["min_qty"] or 0),
        "index_links": sorted(links, key=lambda t: t["index"] or ""),
        "lead_time_days": c.get(row, "lead_time_days", path, _int, minimum=0, maximum=MAX_LEAD_TIME_DAYS),
        "moq": c.get(row, "moq", path, _int, minimum=1),
        "annual_capacity": c.get(row, "annual_capacity", path, _int, minimum=0),
        "active": c.get(row, "active", path, _bool, default=True),
    }


def _raise(message: str):
    raise _Bad(message)


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros ("3.4", "1385.2", "125000")."""
    text = format(value.normalize(), "f")
    return text
