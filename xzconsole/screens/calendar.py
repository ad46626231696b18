"""The calendar screen: a month of working days as the console counts them (SPEC §3, §9).

A Monday-to-Sunday grid of one month.  Every day that is not an ordinary
working day says so in three ways — a symbol, a word and a colour class:

* ``休`` + the holiday's name (国庆节 …), class ``-holiday``;
* ``班`` 调休上班 (a weekend working day), class ``-makeup``;
* ``暂`` on every day of a year that no official schedule covers yet (the
  estimate of SPEC §3), class ``-provisional``;
* weekends ``-rest``; today ``-today``.

Under the grid: a legend, and which years are official (chinese-calendar),
loaded by the center, or only provisional.

A supervisor (or an administrator) loads a year's schedule here (``l``):
from a TOML file path, or typed/edited in a text area pre-filled with the
stored schedule of the year shown or, when there is none, a template made of
the calendar's current holidays for that year.  Ctrl+S first checks the text
(a refusal names its line, in Chinese) and shows how many open tickets'
due dates would move (:meth:`Store.preview_schedule`); a second Ctrl+S stores
it (:meth:`Store.load_schedule`, which records each move in the ticket's
history).  Everyone else sees the calendar read-only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static, TextArea
from textual.worker import Worker, WorkerState

from .base import AppAccess, StyledAtMount
from ..models import Role
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from ..workdays import DayInfo, ScheduleError, WorkCalendar, YearSchedule, month_days

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
SYMBOLS = {"holiday": "休", "makeup": "班"}
PROVISIONAL_MARK = "暂"
CELLS = 42  # six weeks
LEGEND = ("图例：休＝法定节假日（红底，写出节日名）  班＝调休上班（青底）  "
          "暂＝暂定日期（黄边：官方安排尚未公布，按估算计算期限）  灰字＝周末  下划线＝今天")


def day_cell(info: DayInfo, today: dt.date) -> tuple[str, list[str]]:
    """The text (two lines) and the classes of one day of the grid."""
    d = info.day
    marks = []
    classes = ["cal-day"]
    if info.kind in SYMBOLS:
        marks.append(SYMBOLS[info.kind])
        classes.append(f"-{info.kind}")
    elif info.kind == "rest":
        classes.append("-rest")
    if info.provisional:
        marks.append(PROVISIONAL_MARK)
        classes.append("-provisional")
    if d == today:
        classes.append("-today")
    # marks side by side (" 5 休暂"): the first line fits a cell of 7 columns at 80×24,
    # so it never wraps over the holiday's name on the second (issue 16 item 11)
    first = f"{d.day:>2} {''.join(marks)}".rstrip()
    second = info.name if info.kind in ("holiday", "makeup") else ("" if info.workday else "休息")
    return f"{first}\n{second}", classes


def year_ranges(years: list[int]) -> str:
    """2004–2026、2028 — consecutive years folded into ranges."""
    if not years:
        return "无"
    parts = []
    start = prev = years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return "、".join(parts)


def schedule_template(calendar: WorkCalendar, year: int) -> str:
    """A TOML schedule for ``year`` made from what the calendar says now
    (the packages' holidays or the provisional estimate), to be corrected."""
    holidays: list[tuple[str, dt.date, dt.date]] = []
    workdays: list[dt.date] = []
    d = dt.date(year, 1, 1)
    while d.year == year:
        info = calendar.day_info(d)
        if info.kind == "holiday":
            name = info.name or "节假日"
            if holidays and holidays[-1][0] == name and (d - holidays[-1][2]).days <= 3:
                holidays[-1] = (name, holidays[-1][1], d)
            else:
                holidays.append((name, d, d))
        elif info.kind == "makeup":
            workdays.append(d)
        d += dt.timedelta(days=1)
    lines = [f"year = {year}", f'source = "国务院办公厅关于{year}年部分节假日安排的通知"', "holidays = ["]
    for name, a, b in holidays:
        lines.append(f'  {{ name = "{name}", start = {a}, end = {b} }},')
    lines.append("]")
    lines.append("workdays = [" + ", ".join(str(w) for w in workdays) + "]")
    return "\n".join(lines) + "\n"


class ScheduleDialog(AppAccess, ModalScreen["int | None"]):
    """Load or edit one year's schedule; shows the effect before storing it."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="schedule.cancel"),
        Binding("ctrl+s", "submit", "检查/确认载入", id="schedule.submit", priority=True),
        Binding("ctrl+o", "read_file", "读取文件", id="schedule.read_file", priority=True),
    ]

    class Previewed(Message):
        def __init__(self, text: str, moved: int) -> None:
            super().__init__()
            self.text, self.moved = text, moved

    class Loaded(Message):
        def __init__(self, moved: int) -> None:
            super().__init__()
            self.moved = moved

    def __init__(self, year: int, initial: str) -> None:
        super().__init__()
        self.year = year
        self.initial = initial
        self.previewed_text: str | None = None  # the text whose effect is shown (confirm loads exactly it)
        self.moved: int | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sched-box"):
            yield Static(f"载入 / 编辑工作日历（{self.year} 年及其他年份均可）", markup=False)
            with Horizontal(id="sched-path-row"):
                yield Input(placeholder="TOML 文件路径（可选），Ctrl+O 读取到下方", id="sched-path")
            yield TextArea(self.initial, id="sched-text", language=None, show_line_numbers=True)
            yield Static("", id="sched-preview", markup=False)
            yield Static("", id="sched-error", markup=False)
            with Horizontal(id="sched-buttons"):
                yield Button("读取文件", compact=True, id="sched-read")
                yield Button("检查并预览", variant="primary", compact=True, id="sched-ok")
                yield Button("取消", compact=True, id="sched-cancel")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#sched-text", TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one("#sched-text", TextArea).text

    def show_error(self, message: str) -> None:
        self.busy = False
        self.query_one("#sched-error", Static).update(literal(message, single_line=False))

    @property
    def error_text(self) -> str:
        return str(self.query_one("#sched-error", Static).render())

    @property
    def preview_text(self) -> str:
        return str(self.query_one("#sched-preview", Static).render())

    @on(TextArea.Changed, "#sched-text")
    def _changed(self) -> None:
        # a confirmation always refers to the text previewed: any edit asks again
        if self.previewed_text is not None and self.text != self.previewed_text:
            self.previewed_text = None
            self.moved = None
            self.query_one("#sched-preview", Static).update("内容已修改，请重新检查（Ctrl+S）")
            self.query_one("#sched-ok", Button).label = "检查并预览"

    def action_read_file(self) -> None:
        """Read the TOML file named in the path box into the text area."""
        raw = self.query_one("#sched-path", Input).value.strip()
        if not raw:
            self.show_error("请先填写文件路径")
            return
        path = Path(raw).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.show_error(f"找不到文件：{raw}")
            return
        except UnicodeDecodeError:
            self.show_error(f"文件不是 UTF-8 文本：{raw}")
            return
        except OSError as exc:
            self.show_error(f"无法读取文件 {raw}：{exc.strerror or exc}")
            return
        self.query_one("#sched-text", TextArea).text = text
        self.show_error("")

    def action_submit(self) -> None:
        """First press: check and preview; second press (same text): store it."""
        if self.busy:
            return
        text = self.text
        if self.previewed_text is not None and text == self.previewed_text:
            self.busy = True
            self.query_one("#sched-preview", Static).update("正在载入并重新计算办理期限…")
            self._load(text)
            return
        try:
            schedule = YearSchedule.from_toml(text)
        except ScheduleError as exc:
            self.show_error(f"无法载入：{exc}")
            return
        self.show_error("")
        self.busy = True
        self.query_one("#sched-preview", Static).update(f"正在计算 {schedule.year} 年日历对在办工单的影响…")
        self._preview(text, schedule)

    @work(thread=True, exclusive=True, group="schedule", exit_on_error=False)
    def _preview(self, text: str, schedule: YearSchedule) -> None:
        with self.console_app.readers.reader() as store:
            moved = store.schedules.preview(schedule)
        self.post_message(self.Previewed(text, moved))

    @work(thread=True, exclusive=True, group="schedule", exit_on_error=False)
    def _load(self, text: str) -> None:
        with self.console_app.readers.reader() as store:
            moved = store.schedules.load(self.user, YearSchedule.from_toml(text))
        self.post_message(self.Loaded(moved))

    @on(Previewed)
    def _previewed(self, message: Previewed) -> None:
        self.busy = False
        if message.text != self.text:
            return  # edited meanwhile: the effect shown would be of another text
        self.previewed_text = message.text
        self.moved = message.moved
        schedule = YearSchedule.from_toml(message.text)
        self.query_one("#sched-preview", Static).update(
            f"{schedule.year} 年：{len(schedule.holidays)} 个节假日、{len(schedule.workdays)} 个调休上班日；"
            f"将调整 {message.moved} 件在办工单的办理期限（每件记入历史）。再按 Ctrl+S 确认载入，Esc 放弃。")
        self.query_one("#sched-ok", Button).label = "确认载入"

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.busy = False
        self.dismiss(message.moved)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one("#sched-preview", Static).update("")
            self.show_error(f"无法载入：{plain(event.worker.error)}")

    def action_cancel(self) -> None:
        """Close without storing anything."""
        self.dismiss(None)

    @on(Button.Pressed, "#sched-ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#sched-read")
    def _read(self) -> None:
        self.action_read_file()

    @on(Button.Pressed, "#sched-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


class CalendarScreen(AppAccess, StyledAtMount, Screen[None]):
    """工作日历: the month grid, the legend, the years covered; loading a schedule."""

    BINDINGS = [
        Binding("left_square_bracket,pageup", "previous_month", "上月", id="calendar.previous_month"),
        Binding("right_square_bracket,pagedown", "next_month", "下月", id="calendar.next_month"),
        Binding("t", "this_month", "本月", id="calendar.this_month"),
        Binding("l", "load", "载入/编辑日历", id="calendar.load"),
        Binding("escape", "back", "返回", id="calendar.back"),
    ]

    def __init__(self, month: dt.date | None = None) -> None:
        super().__init__()
        self.month = month.replace(day=1) if month else None


    @property
    def may_edit(self) -> bool:
        return self.user.role in (Role.SUPERVISOR, Role.ADMIN)

    def compose(self) -> ComposeResult:
        self.month = self.month or self.clock.today().replace(day=1)
        yield ConsoleHeader(id="header")
        yield Static("", id="cal-title", markup=False)
        with Grid(id="cal-grid"):
            for w in WEEKDAYS:
                yield Static(f"周{w}", classes="cal-head", markup=False)
            for i in range(CELLS):
                yield Static("", classes="cal-day", id=f"cal-day-{i}", markup=False)
        yield Static(LEGEND, id="cal-legend", markup=False)
        yield Static("", id="cal-years", markup=False)
        yield Static("", id="cal-spacer")
        yield Static("", id="cal-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_month()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only a supervisor or an administrator edits the calendar."""
        if action == "load" and not self.may_edit:
            return False
        return True

    def show_month(self) -> None:
        """Fill the grid for ``self.month`` from the store's calendar."""
        assert self.month is not None
        cal: WorkCalendar = self.store.calendar()
        today = self.clock.today()
        days = month_days(self.month.year, self.month.month)
        lead = days[0].weekday()
        with self.app.batch_update():
            self.cells: dict[dt.date, Static] = {}
            for i in range(CELLS):
                cell = self.query_one(f"#cal-day-{i}", Static)
                k = i - lead
                cell.set_classes("cal-day")
                if 0 <= k < len(days):
                    text, classes = day_cell(cal.day_info(days[k]), today)
                    cell.set_classes(" ".join(classes))
                    cell.update(text)
                    cell.display = True
                    self.cells[days[k]] = cell
                else:
                    cell.update("")
                    cell.add_class("-blank")
                    # keep six rows only when the month needs them
                    cell.display = i < (7 * ((lead + len(days) + 6) // 7))
            source = cal.year_source(self.month.year)
            where = {"official": "官方安排（国务院通知，chinese-calendar）", "center": "本中心载入的安排",
                     "provisional": "暂定（官方安排尚未公布，按估算）"}[source]
            self.query_one("#cal-title", Static).update(
                f"{self.month.year} 年 {self.month.month} 月 · {where} · 本月工作日 {sum(cal.is_workday(d) for d in days)} 天")
            years = self.query_one("#cal-years", Static)
            provisional = cal.provisional_years(today.year, max(today.year + 1, self.month.year))
            def span(ys: list[int]) -> str:
                return f"{year_ranges(ys)} 年" if ys else "无"

            years.update(f"正式安排：{span(cal.official_years())} · 中心载入：{span(cal.center_years())}"
                         f" · 暂定：{span(provisional)}")
            coming = cal.provisional_years(today.year, today.year + 1)
            # one indexed probe: is any open ticket due in the first year without a schedule?
            due_provisional = bool(coming) and self.store.warnings.open_due_on_or_after(dt.date(coming[0], 1, 1))
            self.query_one(ConsoleHeader).set_calendar(due_provisional, coming)
            status = "[ ] 翻月 · t 本月" + (" · l 载入/编辑日历" if self.may_edit else " · 只读（仅值班长或管理员可修改日历）")
            self.query_one("#cal-status", Static).update(status)

    def cell_text(self, day: dt.date) -> str:
        """What the grid shows for ``day`` (tests)."""
        return str(self.cells[day].render())

    def cell_classes(self, day: dt.date) -> set[str]:
        return set(self.cells[day].classes)

    def _step(self, months: int) -> None:
        assert self.month is not None
        y, m = divmod(self.month.year * 12 + self.month.month - 1 + months, 12)
        self.month = dt.date(y, m + 1, 1)
        self.show_month()

    def action_previous_month(self) -> None:
        """The month before."""
        self._step(-1)

    def action_next_month(self) -> None:
        """The month after."""
        self._step(1)

    def action_this_month(self) -> None:
        """Back to the current month."""
        self.month = self.clock.today().replace(day=1)
        self.show_month()

    def action_load(self) -> None:
        """Load or edit the schedule of the year shown (supervisor or admin)."""
        if not self.may_edit:
            self.notify("只有值班长或管理员可以修改工作日历", markup=False)
            return
        assert self.month is not None
        year = self.month.year
        stored = {s.year: s for s in self.store.schedules.stored()}
        initial = stored[year].text if year in stored and stored[year].text else schedule_template(self.store.calendar(), year)

        def done(moved: int | None) -> None:
            if moved is None:
                return
            self.notify(f"工作日历已载入，{moved} 件在办工单的办理期限已重新计算", markup=False)
            self.show_month()

        self.app.push_screen(ScheduleDialog(year, initial), done)

    def action_back(self) -> None:
        """Back to the screen underneath."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


__all__ = ["CalendarScreen", "ScheduleDialog", "day_cell", "schedule_template", "year_ranges"]
