"""Part of the store: Bulk loading for the demo database: many rows per transaction, no per-row checks.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.
"""

from __future__ import annotations

# Tables this part adds to the schema.  Until the first release they are part
# of migration 1 (store.py appends them); after that, changes go in new steps.
SCHEMA = """
"""


class BulkMixin:
    """Bulk loading for the demo database: many rows per transaction, no per-row checks."""
