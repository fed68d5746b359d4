"""Sent after catalog writes that can change whether saved kits are still valid.

The catalog does not know who cares; the configurator listens and re-validates.
Arguments: part_ids, supplier_ids, reason; imported=True when a catalog import sends it,
followed by `catalog_imported` with the same changes (see there).
"""

from django.dispatch import Signal

catalog_changed = Signal()

# Sent whenever the catalog stamp moves (inside the writing transaction): whoever keeps
# something derived from the whole catalog rebuilds it.
catalog_stamp_moved = Signal()

# Sent by a catalog import inside its own transaction, once its writes are done and the
# stamp has moved (not for a preview, a refused file or a file that changed nothing).
# Arguments: progress(note), to tell the admin what the import is doing meanwhile, and the
# import's changes (part_ids, supplier_ids, reason, as in `catalog_changed`). Whoever
# publishes something derived from the whole catalog may write it here: it then commits
# with the catalog, and no process sees the new stamp without it. The configurator
# re-validates the saved configurations the changes touch here, not on `catalog_changed`.
catalog_imported = Signal()
