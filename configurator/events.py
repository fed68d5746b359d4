"""Catalog changes that may turn saved configurations invalid, dispatched after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)


def catalog_changed(*, part_ids: Iterable[int] = (), supplier_ids: Iterable[int] = (),
                    reason: str) -> None:
    part_ids, supplier_ids = sorted(set(part_ids)), sorted(set(supplier_ids))
    if not part_ids and not supplier_ids:
        return

    def dispatch() -> None:
        from configurator.tasks import revalidate_after_change

        try:
            revalidate_after_change.delay(part_ids=part_ids, supplier_ids=supplier_ids, reason=reason)
        except Exception:  # broker down: the catalog change itself must not fail
            logger.exception("could not enqueue re-validation for %s", reason)

    transaction.on_commit(dispatch)


def on_catalog_changed(sender, *, part_ids=(), supplier_ids=(), reason: str = "", **kwargs) -> None:
    catalog_changed(part_ids=part_ids, supplier_ids=supplier_ids, reason=reason)
