"""ConsoleHeader: who is working, the calendar's state and the clock, on one line.

The clock reads the app's injected :class:`~xzconsole.clock.Clock` (never the
wall clock directly) and shows minutes only, so a frozen clock in tests and
snapshots gives a stable screen; it is refreshed every few seconds, which is
enough for a minute display.  The calendar part says which years the due
dates are only provisional for ("⚠ 暂定期限") — SPEC §3.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from ..clock import Clock, weekday_cn
from ..models import Role, Staff
from ..textsafe import plain

CLOCK_REFRESH_SECONDS = 5.0


class ConsoleHeader(Horizontal):
    """The top bar of every screen of the console."""

    def __init__(self, title: str = "企服中心工作台", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(self._title, classes="header--title", markup=False)
        yield Static("", classes="header--user", id="header-user", markup=False)
        yield Static("", classes="header--calendar", id="header-calendar", markup=False)
        yield Static("", classes="header--clock", id="header-clock", markup=False)

    def on_mount(self) -> None:
        self.refresh_user()
        self.refresh_clock()
        self.set_interval(CLOCK_REFRESH_SECONDS, self.refresh_clock, name="header-clock")

    def refresh_user(self) -> None:
        """Name, role and department of the signed-in staff member."""
        # any app may hold the header; the console's offers ``user`` once signed in
        user: Staff | None = getattr(self.app, "user", None)
        if user is None:
            return
        where = user.department_name if user.role is Role.DEPARTMENT and user.department_name else user.center
        name = plain(user.display)
        # longest first: the one that fits is shown whole, never a cut "（…" (issue 16 item 5)
        self._user_texts = [f"{name}（{user.role.label}·{plain(where)}）", f"{name}（{user.role.label}）", name]
        self._fit_user()

    def on_resize(self) -> None:
        self._fit_user()

    def _fit_user(self) -> None:
        texts = getattr(self, "_user_texts", None)
        # before its first layout the header is as wide as the screen it tops: the text
        # chosen now is the one shown first, and the first resize changes nothing (issue 11)
        width = self.size.width or self.app.size.width
        if not texts or not width:
            return
        others = sum(cell_len(str(w.render())) + 2 for w in self.query(Static) if w.id != "header-user")
        room = width - others - 2
        text = next((t for t in texts if cell_len(t) <= room), texts[-1])
        if text != getattr(self, "_user_shown", None):  # an update lays the header out again
            self._user_shown = text
            self.query_one("#header-user", Static).update(text)

    def set_calendar(self, provisional: bool, years: list[int]) -> None:
        """Show the calendar status: a visible mark while any due date is
        provisional, else which coming years still lack a schedule."""
        cal = self.query_one("#header-calendar", Static)
        which = "、".join(str(y) for y in years)
        if provisional:
            cal.update(f"⚠ 暂定期限{'（' + which + '）' if which else ''}")
            cal.add_class("-provisional")
        elif years:
            # nothing depends on it yet, but the supervisor should load it
            cal.update(f"缺{which}年日历")
            cal.remove_class("-provisional")
        else:
            cal.update("日历正常")
            cal.remove_class("-provisional")
        self._fit_user()

    def refresh_clock(self) -> None:
        clock: Clock | None = getattr(self.app, "clock", None)
        if clock is None:
            return
        now = clock.now()
        self.query_one("#header-clock", Static).update(f"{now:%m-%d} {weekday_cn(now.date())} {now:%H:%M}")
