"""Part of the store: Bulk loading for the demo database: many rows per transaction, no per-row checks.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.
"""

from __future__ import annotations


class BulkMixin:
    """Bulk loading for the demo database: many rows per transaction, no per-row checks."""
