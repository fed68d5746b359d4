"""The catalog view as bytes: built once by a worker, loaded by every web process.

`pack` pickles the domain objects (parts, the warmed options index, the class tables),
compresses them and signs the result with HMAC-SHA256; `unpack` checks the signature
before anything is decompressed or unpickled, so a blob changed by anyone without the
key is refused rather than executed. `compact_parts` shares equal values between parts
(stages, provenance chains, tiers, decimals, strings) so the view holds each once: a
smaller process, a smaller blob and a faster load.

Pure Python: the key and the objects are arguments.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import hmac
import io
import pickle
import threading
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from configurator.domain.types import Part, Stage

MAGIC = b"CKV1"
_MAC_SIZE = 32


class ArtifactRefused(ValueError):
    """The blob is not one this key signed (tampered, truncated, or another format)."""


# Locks guard the lazily built caches of the index and the tables; a loaded view gets
# fresh ones.
_LOCK_TYPE = type(threading.Lock())
_RLOCK_TYPE = type(threading.RLock())


def _new_lock(_lock: Any) -> tuple:
    return (threading.Lock, ())


def _new_rlock(_lock: Any) -> tuple:
    return (threading.RLock, ())


def _read_only(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


def _mapping_proxy(proxy: MappingProxyType) -> tuple:
    return (_read_only, (dict(proxy),))


# Lists of small non-negative ints (the index's sorted positions and integer values: half a
# million entries at 100k parts) travel as packed arrays, and come back sharing one int
# object per number instead of one per entry.
_UINT = "I"
_SHARED_MAX = 1 << 20
_shared_ints: list[int] = []


class _Ints:
    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _ints(data: bytes) -> list[int]:
    numbers = array(_UINT)
    numbers.frombytes(data)
    if not numbers:
        return []
    top = max(numbers)
    if top < _SHARED_MAX and top < 4 * len(numbers):  # positions: dense, shared by every list
        if top >= len(_shared_ints):
            _shared_ints.extend(range(len(_shared_ints), top + 1))
        shared = _shared_ints
        return [shared[i] for i in numbers]
    seen: dict[int, int] = {}  # values: one object per distinct number
    return [seen.setdefault(i, i) for i in numbers.tolist()]


def _packed(value: Any) -> Any:
    if type(value) is list and len(value) > 16 and all(type(x) is int for x in value):  # not bools
        try:
            return _Ints(array(_UINT, value).tobytes())
        except (TypeError, OverflowError):
            pass
    return value


def _slotted(cls: type, names: tuple[str, ...], values: tuple) -> Any:
    obj = object.__new__(cls)
    for name, value in zip(names, values, strict=True):
        object.__setattr__(obj, name, _ints(value.data) if type(value) is _Ints else value)
    return obj


_ABSENT = object()


class _Pickler(pickle.Pickler):
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[_LOCK_TYPE] = _new_lock
    dispatch_table[_RLOCK_TYPE] = _new_rlock
    # Snapshots keep their bookings read-only; an index that has served requests holds some.
    dispatch_table[MappingProxyType] = _mapping_proxy

    def reducer_override(self, obj: Any) -> Any:
        """The engine's slotted value holders (sorted bit sets, buckets): slot by slot, with
        their lists of positions packed."""
        cls = type(obj)
        names = cls.__dict__.get("__slots__")
        if names is None or not cls.__module__.startswith("configurator.domain.") or cls is _Ints:
            return NotImplemented
        names = (names,) if isinstance(names, str) else tuple(names)
        values = tuple(getattr(obj, name, _ABSENT) for name in names)
        if any(v is _ABSENT for v in values):
            return NotImplemented
        return (_slotted, (cls, names, tuple(_packed(v) for v in values)))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def pack(obj: Any, key: bytes, *, level: int = 1) -> bytes:
    """MAGIC + HMAC-SHA256(key, payload) + payload, payload = zlib(pickle(obj))."""
    if not key:
        raise ValueError("an artifact needs a signing key")
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    payload = zlib.compress(buffer.getbuffer(), level)
    return MAGIC + _mac(key, payload) + payload


def unpack(blob: bytes, key: bytes) -> Any:
    """The object `pack` signed with this key; ArtifactRefused for anything else."""
    if not key:
        raise ValueError("an artifact needs a signing key")
    blob = bytes(blob)
    head = len(MAGIC)
    if len(blob) < head + _MAC_SIZE or blob[:head] != MAGIC:
        raise ArtifactRefused("not a catalog artifact")
    mac, payload = blob[head:head + _MAC_SIZE], memoryview(blob)[head + _MAC_SIZE:]
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise ArtifactRefused("the catalog artifact's signature does not match")
    # Millions of small objects: the cyclic collector would walk the growing heap again and
    # again while they are created (about half the load time); none of them is garbage yet.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(zlib.decompress(payload))
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- sharing


class Interner:
    """One object per distinct value, per type: 1, 1.0, True, Decimal('1.0') and
    Decimal('1.00') stay apart (they compare equal but print differently)."""

    def __init__(self) -> None:
        self.strs: dict[str, str] = {}
        self.ints: dict[int, int] = {}
        self.decimals: dict[str, Decimal] = {}
        self.floats: dict[str, float] = {}
        self.seen: dict[Any, Any] = {}

    def value(self, v: Any) -> Any:
        kind = type(v)
        if kind is str:
            return self.strs.setdefault(v, v)
        if kind is Decimal:
            return self.decimals.setdefault(str(v), v)
        if kind is int:
            return self.ints.setdefault(v, v)
        if kind is float:
            return self.floats.setdefault(repr(v), v)
        return v

    def provenance(self, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        found = self.seen.get(stages)  # Stage compares field by field
        if found is None:
            v = self.value
            found = self.seen[stages] = tuple(
                Stage(stage=v(s.stage), country=v(s.country), company=v(s.company),
                      evidence_reference=v(s.evidence_reference), evidence_expires=s.evidence_expires)
                for s in stages
            )
        return found

    def tiers(self, tiers: tuple[tuple[int, Decimal], ...]) -> tuple[tuple[int, Decimal], ...]:
        if not tiers:
            return ()
        key = tuple((q, str(p)) for q, p in tiers)
        found = self.seen.get(key)
        if found is None:
            v = self.value
            found = self.seen[key] = tuple((v(q), v(p)) for q, p in tiers)
        return found

    def specs(self, specs: Any) -> dict:
        v = self.value
        return {v(k): v(val) for k, val in specs.items()}

    def part(self, part: Part) -> Part:
        """The same part, its values shared with the parts interned before it."""
        v = self.value
        changes = {
            "category": v(part.category), "supplier_code": v(part.supplier_code),
            "supplier_name": v(part.supplier_name), "specs": self.specs(part.specs),
            "provenance": self.provenance(part.provenance), "lead_time_days": v(part.lead_time_days),
            "moq": v(part.moq), "annual_capacity": v(part.annual_capacity),
            "reference_unit_price": v(part.reference_unit_price), "rare_earth_kg": v(part.rare_earth_kg),
            "price_tiers": self.tiers(part.price_tiers),
        }
        state = getattr(part, "__dict__", None)
        if state is None or type(part) is not Part:
            return replace(part, **changes)
        # A copy without running the frozen __init__ (five times faster at 100k parts).
        new = object.__new__(Part)
        new.__dict__.update(state)
        new.__dict__.update(changes)
        return new


def compact_parts(parts: Iterable[Part], interner: Interner | None = None) -> list[Part]:
    """The same parts (equal field by field), with equal values held once."""
    share = (interner or Interner()).part
    return [share(part) for part in parts]
