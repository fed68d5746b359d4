"""Every catalog write moves the catalog stamp (caches of parts, suppliers, rates reload)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.db.models.signals import post_delete, post_save

from parts import models as m
from parts.selectors import forget_recent_bookings, forget_recent_stamp
from parts.signals import catalog_changed, catalog_stamp_moved

_WATCHED = (m.Part, m.Supplier, m.ProvenanceStage, m.PriceTier, m.PartIndexLink, m.ExchangeRate,
            m.Index, m.IndexValue)


_stamp_deferred: ContextVar[bool] = ContextVar("corekit_catalog_stamp_deferred", default=False)


@contextmanager
def stamp_deferred() -> Iterator[None]:
    """Inside, saving a catalog row does not move the stamp; only `catalog_changed` does.

    For a writer that sends `catalog_changed` once at its end (a catalog import). Moving
    the stamp locks its one row until commit: taken at the first supplier saved, it made an
    import hold the stamp while it waited for parts, and an admin's part edit (its part,
    then the stamp) hold a part while it waited for the stamp, a deadlock. Taken at the
    end, after the parts, every writer takes parts before the stamp."""
    token = _stamp_deferred.set(True)
    try:
        yield
    finally:
        _stamp_deferred.reset(token)


def bump_catalog_version(**kwargs) -> None:
    if _stamp_deferred.get() and kwargs.get("signal") is not catalog_changed:
        return
    updated = m.CatalogStamp.objects.filter(pk=1).update(version=F("version") + 1, changed_at=Now())
    if not updated:
        m.CatalogStamp.objects.get_or_create(pk=1, defaults={"version": 1})
    # This process's recent reading of the stamp is stale now, and again once the change
    # commits (a request may have read the old stamp in between).
    forget_recent_stamp()
    transaction.on_commit(forget_recent_stamp)
    catalog_stamp_moved.send(sender=m.CatalogStamp)


def _bookings_moved(**kwargs) -> None:
    forget_recent_bookings()
    transaction.on_commit(forget_recent_bookings)


def connect(extra_models=()) -> None:
    for model in (*_WATCHED, *extra_models):
        post_save.connect(bump_catalog_version, sender=model, dispatch_uid=f"stamp-save-{model.__name__}")
        post_delete.connect(bump_catalog_version, sender=model, dispatch_uid=f"stamp-del-{model.__name__}")
    # Bookings are written in bulk by `capacity_book` (which forgets them itself); a booking
    # saved or deleted one by one is forgotten here.
    post_save.connect(_bookings_moved, sender=m.CapacityBooking, dispatch_uid="bookings-save")
    post_delete.connect(_bookings_moved, sender=m.CapacityBooking, dispatch_uid="bookings-del")
    # Bulk writes (imports, admin actions) skip model signals; they send catalog_changed.
    catalog_changed.connect(bump_catalog_version, dispatch_uid="stamp-catalog-changed")
