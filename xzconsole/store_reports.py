"""Part of the store: The SQL behind the assessment (三率) and the monthly bulletin.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.
"""

from __future__ import annotations


class ReportsMixin:
    """The SQL behind the assessment (三率) and the monthly bulletin."""
