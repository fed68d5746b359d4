"""The catalog as the engine sees it, cached per process and reloaded when the catalog moves.

Validation and guided options need every candidate part as a frozen domain `Part`;
loading them per request would cost the database round trips the engine is meant to
avoid. One cheap query on the catalog stamp tells whether the cached index is current.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parts.models import CatalogStamp

if TYPE_CHECKING:
    from configurator.domain.options import CatalogIndex


@dataclass(frozen=True)
class CatalogView:
    version: tuple
    index: CatalogIndex
    restricted_entities: frozenset[str]
    templates: dict  # code -> (database id, domain KitTemplate)


_lock = threading.Lock()
_current: CatalogView | None = None


def catalog_version() -> tuple:
    """(counter, time of the last change): both, since a rolled-back write can reuse a counter."""
    return CatalogStamp.objects.filter(pk=1).values_list("version", "changed_at").first() or (0, None)


def _build(version: tuple) -> CatalogView:
    from configurator.domain.completion import tables
    from configurator.domain.options import CatalogIndex
    from configurator.selectors import (
        kit_template_list,
        kit_template_snapshot,
        part_snapshot,
        restricted_entities,
        usd_rates,
    )
    from parts.selectors import part_queryset

    rates = usd_rates()
    parts = [part_snapshot(p, rates) for p in part_queryset().order_by("sku").iterator(chunk_size=2000)]
    index = CatalogIndex.build(parts).warm()
    templates = {t.code: (t.pk, kit_template_snapshot(t)) for t in kit_template_list()}
    for _pk, template in templates.values():
        tables(index, template)  # the class tables of guided options, once per catalog change
    return CatalogView(
        version=version, index=index, restricted_entities=restricted_entities(), templates=templates,
    )


def catalog_view() -> CatalogView:
    global _current
    version = catalog_version()
    view = _current
    if view is not None and view.version == version:
        return view
    with _lock:
        if _current is None or _current.version != version:
            _current = _build(version)
        return _current


def reset() -> None:
    """Forget the cached catalog (tests that rewrite the catalog without moving the stamp)."""
    global _current
    _current = None
