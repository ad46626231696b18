"""ConsoleHeader: who is working, the calendar's state and the clock, on one line.

The clock reads the app's injected :class:`~xzconsole.clock.Clock` (never the
wall clock directly) and shows minutes only, so a frozen clock in tests and
snapshots gives a stable screen; it is refreshed every few seconds, which is
enough for a minute display.  The calendar part says which years the due
dates are only provisional for ("⚠ 暂定期限") — SPEC §3.

The header is one widget drawing its four parts (title, user, calendar,
clock), not a row of four: every widget costs the launch about a
millisecond (mount, style matching, layout, its own render pass), and the
header tops every screen (issue 11).  Each part is padded by one cell on
either side, as the four labels were; the colours are component classes
styled in app.tcss (``header--title``, ``header--provisional`` …).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widget import Widget

from ..clock import Clock, weekday_cn
from ..models import Role, Staff
from ..textsafe import plain

CLOCK_REFRESH_SECONDS = 5.0


def _part(text: str, width: int | None = None) -> str:
    """One part as drawn: one cell of padding either side; with ``width``,
    cut (with "…") or padded to exactly that many cells of text."""
    if width is not None:
        text = Content(text).truncate(max(width, 0), ellipsis=True, pad=True).plain
    return f" {text} "


class ConsoleHeader(Widget):
    """The top bar of every screen of the console: title, user, calendar mark, clock."""

    COMPONENT_CLASSES = {"header--title", "header--user", "header--calendar", "header--provisional",
                         "header--clock"}

    def __init__(self, title: str = "企服中心工作台", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self._user_texts: list[str] = []  # longest first (see _fit_user)
        self.calendar_text = ""
        self.provisional = False  # the calendar mark is the warning one (⚠ 暂定期限)
        self.clock_text = ""

    def on_mount(self) -> None:
        self.refresh_user()
        self.refresh_clock()
        self.set_interval(CLOCK_REFRESH_SECONDS, self.refresh_clock, name="header-clock")

    # -- the parts -----------------------------------------------------------------------
    def refresh_user(self) -> None:
        """Name, role and department of the signed-in staff member."""
        # any app may hold the header; the console's offers ``user`` once signed in
        user: Staff | None = getattr(self.app, "user", None)
        if user is None:
            return
        where = user.department_name if user.role is Role.DEPARTMENT and user.department_name else user.center
        name = plain(user.display)
        # longest first: the one that fits is shown whole, never a cut "（…" (issue 16 item 5)
        texts = [f"{name}（{user.role.label}·{plain(where)}）", f"{name}（{user.role.label}）", name]
        if texts != self._user_texts:
            self._user_texts = texts
            self.refresh()

    @property
    def user_text(self) -> str:
        """The user part as shown at the header's present width."""
        return self._fit_user(self._width())

    def _width(self) -> int:
        # before its first layout the header is as wide as the screen it tops (issue 11)
        return self.size.width or self.app.size.width

    def _others(self) -> int:
        """Cells taken by the title, the calendar and the clock, with their padding."""
        return cell_len(self.title) + cell_len(self.calendar_text) + cell_len(self.clock_text) + 6

    def _fit_user(self, width: int) -> str:
        """The longest of the user's texts that fits beside the other parts
        (the name alone when none does: then it is cut, with "…")."""
        texts = self._user_texts
        if not texts:
            return ""
        room = width - self._others() - 2
        return next((t for t in texts if cell_len(t) <= room), texts[-1])

    def set_calendar(self, provisional: bool, years: list[int]) -> None:
        """Show the calendar status: a visible mark while any due date is
        provisional, else which coming years still lack a schedule."""
        which = "、".join(str(y) for y in years)
        if provisional:
            text = f"⚠ 暂定期限{'（' + which + '）' if which else ''}"
        elif years:
            # nothing depends on it yet, but the supervisor should load it
            text = f"缺{which}年日历"
        else:
            text = "日历正常"
        if (text, provisional) != (self.calendar_text, self.provisional):
            self.calendar_text, self.provisional = text, provisional
            self.refresh()  # one row, the screen's width: never a new layout

    def refresh_clock(self) -> None:
        """The clock part, to the minute (repainted only when the minute changes)."""
        clock: Clock | None = getattr(self.app, "clock", None)
        if clock is None:
            return
        now = clock.now()
        text = f"{now:%m-%d} {weekday_cn(now.date())} {now:%H:%M}"
        if text != self.clock_text:
            self.clock_text = text
            self.refresh()

    @property
    def line(self) -> str:
        """The header as the terminal shows it (plain text, as wide as the header)."""
        return self._content(self._width()).plain

    # -- drawing -------------------------------------------------------------------------
    def _content(self, width: int) -> Content:
        room = width - self._others() - 2  # the user part takes what the others leave (1fr)
        style = self.get_visual_style
        line = Content.assemble(
            (_part(self.title), style("header--title")),
            (_part(self._fit_user(width), room), style("header--user")),
            (_part(self.calendar_text),
             style("header--provisional" if self.provisional else "header--calendar")),
            (_part(self.clock_text), style("header--clock")),
        )
        return line.truncate(width)

    def render(self) -> Content:
        return self._content(self.size.width)
