"""The catalog view as bytes: built once by a worker, loaded by every web process.

`pack` pickles the domain objects (parts, the warmed options index, the class tables),
compresses them and signs the result with HMAC-SHA256; `unpack` checks the signature
before anything is decompressed or unpickled, so a blob changed by anyone without the
key is refused rather than executed. The parts travel as a table after the rest of the
view, so that loading leaves no per-part temporaries behind (see `_PART_FIELDS`), and the
payload is inflated as it is unpickled. `compact_parts` shares equal values between parts
(stages, provenance chains, tiers, decimals, strings) so the view holds each once: a
smaller process, a smaller blob and a faster load.

Pure Python: the key and the objects are arguments.
"""

from __future__ import annotations

import copyreg
import ctypes
import gc
import hashlib
import hmac
import io
import pickle
import struct
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from configurator.domain.types import Part, Stage

MAGIC = b"CKV3"  # 3: the part count ahead of the compressed pickles
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


# The parts travel as a table, after the rest of the view. Pickled one by one, each part's
# state would be a 14-entry dict that the unpickler's memo keeps alive until the very end:
# 100k of them (about 46 MB) freed at once, scattered between the objects that stay, leave
# the allocator's pools and arenas pinned (the process kept ~190 MB for a 130 MB view).
# Instead the view refers to parts by row (a persistent id: nothing memoized), the loader
# makes an empty part per row up front, and the table (one list per field) fills them.
_PART_FIELDS = tuple(f.name for f in fields(Part))
# An instance's attribute values live in an array sized, when it is created, by the keys its
# class has seen; one part made the ordinary way first keeps the empty parts as small.
Part(sku="", category="", supplier_code="", supplier_name="", active=False, specs={})
_COUNT = struct.Struct(">I")


class _ViewPickler(_Pickler):
    """The view, with each plain Part replaced by its row number; `rows` collects the parts'
    field values in that order."""

    def __init__(self, file: Any, rows: list[tuple]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.rows = rows
        self.row_of: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> int | None:
        if type(obj) is not Part:
            return None
        row = self.row_of.get(id(obj))
        if row is None:
            state = getattr(obj, "__dict__", None)
            if state is None or tuple(state) != _PART_FIELDS:
                return None  # not the plain shape a table row fills: pickled as itself
            row = self.row_of[id(obj)] = len(self.rows)
            self.rows.append(tuple(state.values()))
        return row


def _part_table(rows: list[tuple]) -> tuple:
    columns = [list(column) for column in zip(*rows, strict=True)] or [[] for _ in _PART_FIELDS]
    return (_PART_FIELDS, *columns)


def _fill_parts(shells: list[Part], table: tuple, pause: Callable[[], None] | None = None) -> None:
    names, *columns = table
    if tuple(names) != _PART_FIELDS or any(len(c) != len(shells) for c in columns):
        raise ArtifactRefused("the catalog artifact's parts do not match this code's Part")
    put = object.__setattr__  # into the instance's value slots: no per-part dict object
    for row, (shell, values) in enumerate(zip(shells, zip(*columns, strict=True), strict=True)):
        if pause is not None and row % 2000 == 0:
            pause()
        for name, value in zip(_PART_FIELDS, values, strict=True):
            put(shell, name, value)
    for column in columns:
        column.clear()  # the memo holds the lists until the end; not their 800 kB each


class _Deflating:
    """A file the pickler writes to, compressed as it is written: the whole pickle (about
    50 MB at 100k parts, for a 6 MB payload) is never in memory at once."""

    def __init__(self, level: int) -> None:
        self._deflate = zlib.compressobj(level)
        self._chunks: list[bytes] = []

    def write(self, data: Any) -> int:
        out = self._deflate.compress(data)
        if out:
            self._chunks.append(out)
        return len(data)

    def finish(self) -> bytes:
        self._chunks.append(self._deflate.flush())
        return b"".join(self._chunks)


def pack(obj: Any, key: bytes, *, level: int = 1) -> bytes:
    """MAGIC + HMAC-SHA256(key, payload) + payload, payload = the number of part rows, then
    zlib(the object with its parts as row numbers + the parts' fields column by column),
    one pickle memo shared by both."""
    if not key:
        raise ValueError("an artifact needs a signing key")
    stream = _Deflating(level)
    rows: list[tuple] = []
    enabled = gc.isenabled()
    gc.disable()  # the rows are 100k new tuples: no garbage, nothing for the collector to walk
    try:
        view = _ViewPickler(stream, rows)
        view.dump(obj)
        table = _Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
        table.memo = view.memo
        del view
        count, columns = len(rows), _part_table(rows)
        del rows  # the columns hold the values now
        table.dump(columns)
        del table, columns
    finally:
        if enabled:
            gc.enable()
    payload = _COUNT.pack(count) + stream.finish()
    return MAGIC + _mac(key, payload) + payload


class _Inflating(io.RawIOBase):
    """The payload decompressed as it is read: the whole pickle is never in memory at once."""

    _CHUNK = 1 << 16

    def __init__(self, payload: memoryview, pause: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._pause = pause
        self._source = payload
        self._taken = 0
        self._inflate = zlib.decompressobj()
        self._buffer = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def _more(self) -> bool:
        inflate = self._inflate
        if inflate.eof:
            return False
        data = inflate.unconsumed_tail
        if not data and self._taken < len(self._source):
            data = self._source[self._taken:self._taken + self._CHUNK]
            self._taken += len(data)
        if self._pause is not None:
            self._pause()  # between chunks: about a millisecond of unpickling each
        out = inflate.decompress(data, self._CHUNK)  # with no input left: what zlib still holds
        if not data and not out and not inflate.eof:
            raise ArtifactRefused("the catalog artifact is truncated")
        self._buffer = self._buffer[self._at:] + out
        self._at = 0
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            while self._more():
                pass
            size = len(self._buffer) - self._at
        while len(self._buffer) - self._at < size and self._more():
            pass
        out = self._buffer[self._at:self._at + size]
        self._at += len(out)
        return out

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        while b"\n" not in self._buffer[self._at:] and self._more():
            pass
        end = self._buffer.find(b"\n", self._at)
        end = len(self._buffer) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, self._at + size)
        out = self._buffer[self._at:end]
        self._at = end
        return out


def _verified(blob: bytes, key: bytes) -> memoryview:
    """The payload, once its signature matches; ArtifactRefused otherwise."""
    if not key:
        raise ValueError("an artifact needs a signing key")
    head = len(MAGIC)
    if len(blob) < head + _MAC_SIZE or blob[:head] != MAGIC:
        raise ArtifactRefused("not a catalog artifact")
    mac, payload = blob[head:head + _MAC_SIZE], memoryview(blob)[head + _MAC_SIZE:]
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise ArtifactRefused("the catalog artifact's signature does not match")
    return payload


def unpack(blob: bytes, key: bytes, *, pause: Callable[[], None] | None = None) -> Any:
    """The object `pack` signed with this key; ArtifactRefused for anything else.

    `pause`, when given, is called about every millisecond of work: a background load gives
    the requests of its process their turn there (the load holds the interpreter lock)."""
    payload = _verified(bytes(blob), key)
    try:
        (count,) = _COUNT.unpack(payload[:_COUNT.size])
    except struct.error:
        raise ArtifactRefused("the catalog artifact is truncated") from None
    stream = _Inflating(payload[_COUNT.size:], pause)
    # Millions of small objects: the cyclic collector would walk the growing heap again and
    # again while they are created (about half the load time); none of them is garbage yet.
    enabled = gc.isenabled()
    gc.disable()
    try:
        new = object.__new__
        shells = [new(Part) for _ in range(count)]
        loader = pickle.Unpickler(stream)
        loader.persistent_load = shells.__getitem__
        obj = loader.load()
        _fill_parts(shells, loader.load(), pause)
        del loader, shells
    finally:
        if enabled:
            gc.enable()
    _release_free_memory()
    return obj


def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # not glibc: nothing to ask
        return None


_trim = _malloc_trim()


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc): what unpickling freed."""
    if _trim is not None:
        _trim(0)


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
