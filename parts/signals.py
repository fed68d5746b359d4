"""Sent after catalog writes that can change whether saved kits are still valid.

The catalog does not know who cares; the configurator listens and re-validates.
Arguments: part_ids, supplier_ids, reason.
"""

from django.dispatch import Signal

catalog_changed = Signal()

# Sent whenever the catalog stamp moves (inside the writing transaction): whoever keeps
# something derived from the whole catalog rebuilds it.
catalog_stamp_moved = Signal()

# Sent by a catalog import inside its own transaction, once its writes are done and the
# stamp has moved (not for a preview, a refused file or a file that changed nothing).
# Arguments: progress(note), to tell the admin what the import is doing meanwhile.
# Whoever publishes something derived from the whole catalog may write it here: it then
# commits with the catalog, and no process sees the new stamp without it.
catalog_imported = Signal()
