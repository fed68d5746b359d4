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
from collections.abc import Iterable
from decimal import Decimal
from sys import intern
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


class _Pickler(pickle.Pickler):
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[_LOCK_TYPE] = _new_lock
    dispatch_table[_RLOCK_TYPE] = _new_rlock
    # Snapshots keep their bookings read-only; an index that has served requests holds some.
    dispatch_table[MappingProxyType] = _mapping_proxy


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


class _Interner:
    """One object per distinct value (keyed by type too: 1, 1.0, True and Decimal('1.0') stay apart)."""

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}

    def value(self, v: Any) -> Any:
        kind = type(v)
        if kind is str:
            key: Any = v
        elif kind is Decimal:
            key = (Decimal, v.as_tuple())
        elif kind is int or kind is bool:
            key = (kind, v)
        elif kind is float:
            key = (float, repr(v))
        else:
            return v
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = v
        return found

    def provenance(self, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        key = ("provenance", stages)  # Stage compares field by field
        found = self.seen.get(key)
        if found is None:
            v = self.value
            found = self.seen[key] = tuple(
                Stage(stage=v(s.stage), country=v(s.country), company=v(s.company),
                      evidence_reference=v(s.evidence_reference), evidence_expires=s.evidence_expires)
                for s in stages
            )
        return found

    def tiers(self, tiers: tuple[tuple[int, Decimal], ...]) -> tuple[tuple[int, Decimal], ...]:
        if not tiers:
            return ()
        key = ("tiers", *((q, p.as_tuple()) for q, p in tiers))
        found = self.seen.get(key)
        if found is None:
            v = self.value
            found = self.seen[key] = tuple((v(q), v(p)) for q, p in tiers)
        return found

    def specs(self, specs: Any) -> dict:
        v = self.value
        return {intern(k) if type(k) is str else k: v(val) for k, val in specs.items()}


def compact_parts(parts: Iterable[Part]) -> list[Part]:
    """The same parts (equal field by field), with equal values held once."""
    interner = _Interner()
    v = interner.value
    return [
        Part(
            sku=part.sku, category=v(part.category), supplier_code=v(part.supplier_code),
            supplier_name=v(part.supplier_name), active=part.active, specs=interner.specs(part.specs),
            provenance=interner.provenance(part.provenance), lead_time_days=part.lead_time_days,
            moq=part.moq, annual_capacity=part.annual_capacity,
            reference_unit_price=v(part.reference_unit_price), rare_earth_kg=v(part.rare_earth_kg),
            name=part.name, price_tiers=interner.tiers(part.price_tiers),
        )
        for part in parts
    ]
