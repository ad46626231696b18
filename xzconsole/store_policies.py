"""Part of the store: The policy library, pushes, comment solicitation, feedback, collection and the knowledge base.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.
"""

from __future__ import annotations


class PoliciesMixin:
    """The policy library, pushes, comment solicitation, feedback, collection and the knowledge base."""
