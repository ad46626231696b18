"""Part of the store: Importing feeds (hotline tickets, policies, knowledge) row by row, deduplicated by external id.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.
"""

from __future__ import annotations


class ImportMixin:
    """Importing feeds (hotline tickets, policies, knowledge) row by row, deduplicated by external id."""
