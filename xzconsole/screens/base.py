"""What every screen of the console reaches through the app: the store, the
signed-in staff member, the clock, and a connection of its own for worker
threads — typed, so each call a screen makes is checked against the store.
Plus the two helpers every form shares: what a store action refuses with,
and a Select's value."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Protocol, TypeVar

from textual.widgets.select import NoSelection

from ..console import ConsoleApp, console_app

if TYPE_CHECKING:  # types only: importing the store is left to the first screen that opens one
    from textual import events
    from textual.app import App
    from textual.widgets import Select

    from ..clock import Clock
    from ..models import Staff
    from ..store import Store

T = TypeVar("T", bound=Hashable)


class AppAccess:
    """Mixed into each screen (before ``Screen``) so none repeats these."""

    app: App[object]  # provided by the Screen (or ModalScreen) this is mixed into

    @property
    def console_app(self) -> ConsoleApp:
        """The app as the console's screens see it (``XzApp``)."""
        return console_app(self.app)

    @property
    def store(self) -> Store:
        """The UI thread's store (``XzApp.store``)."""
        return console_app(self.app).store

    @property
    def user(self) -> Staff:
        """The signed-in staff member (``XzApp.user``)."""
        return console_app(self.app).user

    @property
    def clock(self) -> Clock:
        """The console's one clock (``XzApp.clock``)."""
        return console_app(self.app).clock

    def set_loading(self, loading: bool) -> None:
        """Keep Textual's spinner off a whole screen.

        The screens use ``self.loading`` as their own "a page is being read"
        flag.  On a Screen that flag is Textual's ``Widget.loading``, which
        covers the whole screen with a loading indicator while a worker runs:
        the widget with the focus is covered and the focus moved on — after
        F4 ``/`` 社保 Enter the cursor landed in 发文单位 and the next words
        typed became an issuer filter (issue 16 item 3).  A screen shows its
        progress in its status line instead.
        """
        return

    def _worker_store(self) -> Store:
        """A connection of the worker's own: SQLite connections stay in their thread."""
        from ..store import Store

        app = console_app(self.app)
        return Store(app.db_path, app.clock, migrate=False)


class StyledAtMount:
    """Mixed into a screen (before ``Screen``): the queue and the wall the
    console opens on, the places of F3–F11, a ticket, an enterprise.

    Textual restyles every node of a screen each time it resumes, so that
    what changed while it lay under another screen shows.  The first resume
    comes a moment after the screen was mounted, and mounting styled each
    node already — with every rule it will have: places.tcss is read before
    a pushed screen is registered (``XzApp._get_screen``); since then every
    class or focus change restyled its own nodes as it happened.  That first
    pass restyled the whole screen for nothing: ≈4 ms of the launch and a
    fifth of F4's first visit (issue 11).  Later resumes restyle as Textual
    does.  Textual calls this handler, then ``Screen``'s own, with the same
    event.
    """

    _resumed_before = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False


def store_error_types() -> tuple[type[BaseException], ...]:
    """What a store action may refuse with: its own errors and a bad value."""
    from ..store import StoreError

    return (StoreError, ValueError)


def select_value(select: Select[T]) -> T | None:
    """A Select's value, or None when nothing is chosen."""
    v = select.value
    return None if isinstance(v, NoSelection) else v


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(record: _Stored) -> int:
    """The id of a record the store returned.

    The models leave ``id`` None only for a record not saved yet (a form being
    checked, a row of a data file); a screen only ever holds stored ones.
    """
    if record.id is None:
        raise ValueError(f"{type(record).__name__} has not been stored yet")
    return record.id
