"""The catalog view as a signed artifact: what a worker publishes is what a web process
answers from, and nothing unsigned is ever unpickled."""

from __future__ import annotations

import pickle
import zlib
from decimal import Decimal

import pytest

from configurator.domain import BUILTIN_TEMPLATES
from configurator.domain.artifact import MAGIC, ArtifactRefused, compact_parts, pack, unpack
from configurator.domain.completion import completion_status, tables
from configurator.domain.options import CatalogIndex, all_slot_options
from configurator.domain.types import Part
from demo.catalog import FAMILIES
from tests.unit.configurator import synthetic

KEY = b"k" * 32


def _view(parts):
    index = CatalogIndex.build(compact_parts(parts)).warm()
    for template in BUILTIN_TEMPLATES.values():
        tables(index, template)
    return index


@pytest.fixture(scope="module")
def built():
    parts = list(synthetic.demo_parts())
    return parts, _view(parts)


def _answers(index, by_sku):
    out = []
    for code in FAMILIES:
        snap = synthetic.family_snapshot(code, by_sku)
        out.append(all_slot_options(snap, index, limit=20, include_excluded=True))
        out.append(completion_status(snap, index).to_dict())
    return out


def test_a_loaded_view_answers_guided_options_exactly_like_the_built_one(built):
    parts, index = built
    loaded = unpack(pack(index, KEY), KEY)
    assert loaded is not index and len(loaded) == len(index)
    by_sku = {p.sku: p for p in parts}
    loaded_by_sku = {sku: loaded.get(sku) for sku in by_sku}
    assert _answers(loaded, loaded_by_sku) == _answers(index, by_sku)
    # The class tables came with it (not rebuilt on the first request).
    assert loaded.__dict__.get("_completion_tables")


def test_compact_parts_keeps_every_part_equal_and_shares_equal_values():
    parts = list(synthetic.demo_parts())
    compacted = compact_parts(parts)
    assert compacted == parts
    stages = {id(s) for p in compacted for s in p.provenance}
    assert len(stages) < sum(len(p.provenance) for p in compacted)
    countries = {id(s.country) for p in compacted for s in p.provenance}
    assert len(countries) == len({s.country for p in compacted for s in p.provenance})


def test_sharing_never_merges_values_that_only_compare_equal():
    a = Part(sku="A", category="magnet", supplier_code="S", supplier_name="S", active=True,
             specs={"x": Decimal("1.0"), "y": 1, "z": True, "w": 1.0})
    b = Part(sku="B", category="magnet", supplier_code="S", supplier_name="S", active=True,
             specs={"x": Decimal("1.00"), "y": True, "z": 1, "w": Decimal(1)})
    ca, cb = compact_parts([a, b])
    assert str(cb.specs["x"]) == "1.00" and cb.specs["y"] is True and type(cb.specs["z"]) is int
    assert type(ca.specs["w"]) is float and type(cb.specs["w"]) is Decimal


def test_a_tampered_artifact_is_refused_before_it_is_unpickled(built):
    _parts, index = built
    blob = bytearray(pack(index, KEY))
    blob[len(blob) // 2] ^= 0x01
    with pytest.raises(ArtifactRefused):
        unpack(bytes(blob), KEY)


def test_an_artifact_signed_with_another_key_is_refused(built):
    _parts, index = built
    with pytest.raises(ArtifactRefused):
        unpack(pack(index, KEY), b"another key")


def test_an_unsigned_pickle_is_never_loaded():
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("unpickled an unsigned blob",))

    payload = zlib.compress(pickle.dumps(Boom()))
    for blob in (payload, MAGIC + payload, MAGIC + b"\0" * 32 + payload):
        with pytest.raises(ArtifactRefused):
            unpack(blob, KEY)


def test_packing_needs_a_key(built):
    with pytest.raises(ValueError):
        pack(built[1], b"")


def test_the_index_position_lists_come_back_as_lists_sharing_one_int_per_position():
    from configurator.domain.options.bits import SortedBits

    parts = synthetic.synthetic_parts(3000)
    index = _view(parts)
    loaded = unpack(pack(index, KEY), KEY)
    category = max(index.categories(), key=lambda c: len(index.parts_in(c)))
    before = [v for v in index.category_index(category)._cache.values() if isinstance(v, SortedBits)]
    after = [v for v in loaded.category_index(category)._cache.values() if isinstance(v, SortedBits)]
    assert len(after) == len(before) >= 2
    for old, new in zip(before, after, strict=True):
        assert type(new.positions) is list and new.positions == old.positions
        assert new.values == old.values and [type(v) for v in new.values] == [type(v) for v in old.values]
    big = [p for p in after[0].positions if p > 256][:50]
    others = {id(p) for sb in after[1:] for p in sb.positions if p in set(big)}
    assert big and others <= {id(p) for p in big}  # the same int objects, not one per list


def test_each_loaded_part_is_one_object_wherever_the_view_refers_to_it():
    parts = synthetic.synthetic_parts(3000)
    loaded = unpack(pack(_view(parts), KEY), KEY)
    for category in loaded.categories():
        for part in loaded.parts_in(category):
            assert type(part) is Part and loaded.get(part.sku) is part
    assert [loaded.get(p.sku) for p in parts] == parts


def test_a_tampered_artifact_is_refused_before_anything_is_inflated_or_unpickled(monkeypatch):
    import configurator.domain.artifact as artifact

    calls = []
    monkeypatch.setattr(artifact, "_fill_parts", lambda *a: calls.append("unpickled"))
    monkeypatch.setattr(artifact.zlib, "decompressobj", lambda *a: calls.append("inflated"))
    blob = bytearray(pack(_view(synthetic.synthetic_parts(300)), KEY))
    blob[-1] ^= 0x01
    with pytest.raises(ArtifactRefused):
        unpack(bytes(blob), KEY)
    assert calls == []


def test_loading_keeps_no_per_part_temporaries_until_the_end():
    """The unpickler's memo keeps what it built until the load ends; a per-part temporary (a
    state dict, an argument tuple) would be ~half the view again, freed at once and left as
    holes between the objects that stay (the process keeps that memory)."""
    import tracemalloc

    parts = synthetic.synthetic_parts(3000)
    blob = pack(_view(parts), KEY)
    tracemalloc.start()
    try:
        loaded = unpack(blob, KEY)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(loaded) == 3000
    # Measured at 3000 parts: 0.84x the view with a state dict per part, 0.41x now (the
    # memo's own array, the part table's columns, the inflating buffer).
    assert peak - kept < 0.6 * kept, (peak, kept)


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 16, 1 << 20])
def test_the_inflating_reader_returns_exactly_the_compressed_bytes(size):
    from configurator.domain.artifact import _Inflating

    raw = b"\0" * 3_000_000 + bytes(range(256)) * 4000 + b"line\nend"  # runs and noise
    stream = _Inflating(memoryview(zlib.compress(raw, 1)))
    pieces = []
    while piece := stream.read(size):
        pieces.append(piece)
    assert b"".join(pieces) == raw
    lines = _Inflating(memoryview(zlib.compress(b"a\nbb\nccc", 1)))
    assert [lines.readline() for _ in range(4)] == [b"a\n", b"bb\n", b"ccc", b""]


def test_a_signed_but_truncated_payload_is_refused_not_half_loaded(built):
    import configurator.domain.artifact as artifact

    _parts, index = built
    blob = pack(index, KEY)
    payload = blob[len(MAGIC) + 32:]
    short = payload[: len(payload) // 2]
    with pytest.raises(ArtifactRefused):
        unpack(MAGIC + artifact._mac(KEY, short) + short, KEY)
