"""What every screen of the console reaches through the app: the store, the
signed-in staff member, and a connection of its own for worker threads."""

from __future__ import annotations

from typing import Any


class AppAccess:
    """Mixed into each screen (before ``Screen``) so none repeats these."""

    app: Any

    @property
    def store(self) -> Any:
        """The UI thread's store (``XzApp.store``)."""
        return self.app.store

    @property
    def user(self) -> Any:
        """The signed-in staff member (``XzApp.user``)."""
        return self.app.user

    def _worker_store(self) -> Any:
        """A connection of the worker's own: SQLite connections stay in their thread."""
        from ..store import Store

        app = self.app
        return Store(getattr(app, "db_path", None) or app.store.path, getattr(app, "clock", None) or app.store.clock,
                     migrate=False)
