"""Catalog changes that may turn saved configurations invalid, dispatched after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import current_app
from django.db import transaction

from configurator import catalog_artifacts
from core import outbox

logger = logging.getLogger(__name__)
BUILD_POLICY_VERDICTS = "configurator.build_policy_verdicts"


def catalog_changed(*, part_ids: Iterable[int] = (), supplier_ids: Iterable[int] = (),
                    reason: str) -> None:
    part_ids, supplier_ids = sorted(set(part_ids)), sorted(set(supplier_ids))
    if not part_ids and not supplier_ids:
        return

    # Through the outbox: recorded with the catalog change, published after commit, and
    # relayed later if Redis is down, so no re-validation is lost.
    outbox.enqueue("configurator.revalidate_after_change", part_ids=part_ids,
                   supplier_ids=supplier_ids, reason=reason)


def on_catalog_changed(sender, *, part_ids=(), supplier_ids=(), reason: str = "", imported: bool = False,
                       **kwargs) -> None:
    if not imported:  # an import's re-validation: `services.catalog_publish_with_import`
        catalog_changed(part_ids=part_ids, supplier_ids=supplier_ids, reason=reason)
    policy_verdicts_refresh()


def policy_verdicts_refresh() -> None:
    """After commit, have a worker store the policies' verdicts for the new catalog stamp.

    A warm-up, not a duty: if it is lost (Redis away), the first `GET /parts/?policy=`
    of the new stamp builds its set itself, so it does not go through the outbox."""

    def send() -> None:
        try:  # retry=False: with the broker down, fail at once rather than hold the caller
            current_app.send_task(BUILD_POLICY_VERDICTS, retry=False, ignore_result=True)
        except Exception:  # the broker is down: requests build the sets
            logger.warning("policy verdicts: not enqueued", exc_info=True)

    transaction.on_commit(send)


def on_catalog_stamp_moved(sender, **kwargs) -> None:
    """The catalog moved: a worker builds the new catalog view once and publishes it (through
    the outbox, so a change made while Redis is down is published when it is back)."""
    catalog_artifacts.publish_request(after_change=True)
