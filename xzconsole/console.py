"""The console app as its screens, command palette and widgets see it.

Textual types every node's ``app`` as ``App[object]``, and the screens may
not import :mod:`xzconsole.app` (the layers in ``pyproject.toml`` forbid it:
the app imports the screens).  :class:`ConsoleApp` states what the app
offers instead — the store, the signed-in staff member, the clock, the
database path and the places it opens — and ``app.py`` checks statically
that ``XzApp`` provides it, so a screen's ``self.store.tickets.dispatch(…)``
is checked against the store's real API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:  # types only: the store is opened by the app, not imported at start-up here
    from textual.app import App

    from .clock import Clock
    from .models import Staff
    from .store import Readers, Store


class ConsoleApp(Protocol):
    """What ``XzApp`` offers every screen (checked in ``xzconsole/app.py``)."""

    @property
    def db_path(self) -> str:
        """The database file: workers open connections of their own on it."""
        ...

    @property
    def clock(self) -> Clock:
        """The one clock everything reads (injected in tests and by ``--now``)."""
        ...

    @property
    def wall(self) -> bool:
        """True for the read-only wall display (``xzconsole wall``): nothing that edits."""
        ...

    @property
    def store(self) -> Store:
        """The UI thread's store (open from mount on)."""
        ...

    @property
    def readers(self) -> Readers:
        """Long-lived connections for worker threads, one worker at a time each (open from mount on)."""
        ...

    @property
    def user(self) -> Staff:
        """The signed-in staff member (known from mount on)."""
        ...

    def open_ticket(self, ticket_id: int) -> None:
        """Show one ticket's detail."""
        ...

    def open_enterprise(self, enterprise_id: int) -> None:
        """Show one enterprise's record and history."""
        ...

    def show_policy(self, policy_id: int) -> None:
        """Show a policy's title and summary, read-only."""
        ...


def console_app(app: App[object]) -> ConsoleApp:
    """``app`` (a screen's, widget's or palette provider's ``self.app``) as the console app.

    A cast, not a check: Textual only knows the app as ``App[object]``, and
    every screen and provider of this package runs inside ``XzApp`` (or a
    subclass), which ``app.py`` checks against :class:`ConsoleApp`.
    """
    return cast("ConsoleApp", app)
