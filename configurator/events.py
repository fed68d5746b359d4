"""Catalog changes that may turn saved configurations invalid, dispatched after commit."""

from __future__ import annotations

from collections.abc import Iterable

from configurator import catalog_artifacts
from core import outbox


def catalog_changed(*, part_ids: Iterable[int] = (), supplier_ids: Iterable[int] = (),
                    reason: str) -> None:
    part_ids, supplier_ids = sorted(set(part_ids)), sorted(set(supplier_ids))
    if not part_ids and not supplier_ids:
        return

    # Through the outbox: recorded with the catalog change, published after commit, and
    # relayed later if Redis is down, so no re-validation is lost.
    outbox.enqueue("configurator.revalidate_after_change", part_ids=part_ids,
                   supplier_ids=supplier_ids, reason=reason)


def on_catalog_changed(sender, *, part_ids=(), supplier_ids=(), reason: str = "", **kwargs) -> None:
    catalog_changed(part_ids=part_ids, supplier_ids=supplier_ids, reason=reason)


def on_catalog_stamp_moved(sender, **kwargs) -> None:
    """The catalog moved: a worker builds the new catalog view once and publishes it (through
    the outbox, so a change made while Redis is down is published when it is back)."""
    catalog_artifacts.publish_request(after_change=True)
