"""Sent after catalog writes that can change whether saved kits are still valid.

The catalog does not know who cares; the configurator listens and re-validates.
Arguments: part_ids, supplier_ids, reason.
"""

from django.dispatch import Signal

catalog_changed = Signal()

# Sent whenever the catalog stamp moves (inside the writing transaction): whoever keeps
# something derived from the whole catalog rebuilds it.
catalog_stamp_moved = Signal()
