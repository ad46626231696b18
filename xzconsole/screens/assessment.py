"""The assessment screen: the 三率 scorecard of a month or a range (SPEC §8).

One row per department with every figure of the bulletin's "明细指标" table
plus the rank and the composite score, the center's total last; the red and
black lists (best and worst five) underneath.  The numbers come from
:func:`xzconsole.services.reports.assess` and are laid out by
:func:`xzconsole.services.bulletin_files.tables` — the same code path as ``xzconsole report``,
so the screen and the exported bulletin never disagree.

* The period: a month ``2026-10`` (default: last month by the app's clock), a
  quarter ``2026Q4``, a year ``2026`` or a range ``2026-10-01~2026-10-31``;
  Enter in the period box recomputes, ``[`` / ``]`` step a month (a quarter,
  a year when one is shown).
* The trend: for a period of several months, a line under the table charts
  the month-by-month score and four rates of the center and of the
  department under the cursor in Unicode bars (▁…█, from a tenth below the
  row's lowest value; · a month with nothing; a rate with no month is left out).
* Sorting: ``s`` (or a click on a header) sorts by the column under the
  cursor; again reverses.  Empty rates ("—") sort last; the total stays last.
* Drill-down: Enter on a number lists the tickets behind it
  (:func:`xzconsole.services.reports.drill`, same SQL as the figure); a rate lists the
  tickets of its denominator; Enter on a ticket opens it.
* Columns: 27 of them never fit 80 columns (nor 160).  ← / → move the cell
  cursor and scroll the table sideways (unit and rank stay put); the line
  under the table says which columns lie left and right of the screen and
  how to reach them (issue 16: 联系上满意率 was out of sight at 80×24).
* The center (``c``): the whole city, or the tickets one center took in.
  Staff of the city center open on the whole city (they assess every
  department across the city); staff of a county / district center open on
  their own center, the intake they answer for.

The computation (a pass over the period's tickets, under a second at
1,000,000) and the drill-downs run in thread workers with their own store.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState

from .base import AppAccess, StyledAtMount
from ..models import Ticket
from ..services import bulletin_files, reports
from ..store import CITY_CENTER
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.ticket_table import TicketTable
from ..widgets.key_bar import KeyBar
from .queue_filters import center_choices

DRILL_LIMIT = 1000  # tickets listed by a drill-down (the count is always exact)

#: header of a column → the drill metric behind it (reports.drill_metrics())
COLUMN_METRICS = {
    "排名": "dispatched",
    "综合得分": "dispatched",
    "派发量": "dispatched",
    "按时签收": "signed_in_time",
    "响应率": "response_rate",
    "已答复": "replied",
    "按时答复": "replied_on_time",
    "按时答复率": "replied_on_time_rate",
    "超期未答复": "overdue_unreplied",
    "按时办结率": "on_time_rate",
    "已解决": "resolved",
    "未解决": "unresolved",
    "解决率": "resolution_rate",
    "满意": "satisfied",
    "基本满意": "basically_satisfied",
    "不满意": "unsatisfied",
    "未联系上": "unreachable",
    "满意率": "satisfaction_rate",
    "黄色预警": "yellow",
    "橙色预警": "orange",
    "红色预警": "red",
    "退回": "returns",
    "延期": "extensions",
    "重办": "reopens",
    "回访次数": "follow_ups",
    "联系上满意率": "satisfaction_base",
}

_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"


def last_month(today: dt.date) -> str:
    """'YYYY-MM' of the month before ``today``'s."""
    d = today.replace(day=1) - dt.timedelta(days=1)
    return f"{d.year}-{d.month:02d}"


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """A month ``2026-10``, a quarter ``2026Q4``, a year ``2026`` or a range
    ``2026-10-01~2026-10-31`` (also ``至``, ``..`` or a space); ReportError
    with a Chinese message otherwise."""
    t = (text or "").strip()
    if re.fullmatch(r"\d{4}-\d{1,2}|\d{4}\s*-?\s*[Qq]\d|\d{4}", t):
        p = reports.report_period(t)
        return p.start, p.end
    m = re.fullmatch(_DATE + r"\s*(?:~|～|至|\.\.|\s)\s*" + _DATE, t)
    if m:
        try:
            a = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            b = dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        except ValueError:
            raise reports.ReportError(f"日期不存在：{plain(t)}") from None
        if a > b:
            raise reports.ReportError("起始日期晚于截止日期")
        return a, b
    raise reports.ReportError("统计区间应为月份（如 2026-10）、季度（如 2026Q4）、年度（如 2026）"
                              f"或日期范围（如 2026-10-01~2026-10-31），收到：{plain(t)}")


@dataclass
class Column:
    header: str
    kind: bulletin_files.Kind


class DrillScreen(AppAccess, Screen[None]):
    """The tickets behind one number of the assessment."""

    BINDINGS = [
        Binding("enter", "open_ticket", "打开工单", id="drill.open"),
        Binding("escape", "back", "返回", id="drill.back"),
    ]

    def __init__(self, title: str, tickets: list[Ticket], total: int) -> None:
        super().__init__()
        self.title_text = title
        self.tickets = tickets
        self.total = total

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(id="header")
        yield Static(literal(self.title_text), id="drill-title")
        yield TicketTable(id="drill-table")
        more = f"，列出前 {len(self.tickets):,} 件" if self.total > len(self.tickets) else ""
        yield Static(f"共 {self.total:,} 件{more} · Enter 打开工单 · Esc 返回", id="drill-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        from .queue import ticket_levels

        table = self.query_one("#drill-table", TicketTable)
        table.set_layout(self.app.size.width)
        now = self.clock.now()
        table.show(self.tickets, ticket_levels(self.tickets, now, self.store.calendar()), now.date())
        table.focus()

    @on(DataTable.RowSelected, "#drill-table")
    def _selected(self) -> None:
        self.action_open_ticket()

    def action_open_ticket(self) -> None:
        """Open the ticket under the cursor."""
        t = self.query_one("#drill-table", TicketTable).current_ticket()
        if t is not None:
            self.console_app.open_ticket(t.id)

    def action_back(self) -> None:
        """Back to the scorecard."""
        self.app.pop_screen()


class AssessmentScreen(AppAccess, StyledAtMount, Screen[None]):
    """三率考核: the scorecard per department, sortable, with drill-down."""

    BINDINGS = [
        Binding("enter", "drill", "查看工单", id="assessment.drill"),
        Binding("s", "sort", "按此列排序", id="assessment.sort"),
        Binding("left_square_bracket", "previous_month", "上月", id="assessment.previous_month"),
        Binding("right_square_bracket", "next_month", "下月", id="assessment.next_month"),
        Binding("slash", "edit_period", "统计区间", id="assessment.period"),
        Binding("c", "choose_center", "中心", id="assessment.center"),
        Binding("escape", "back", "返回", id="assessment.back"),
    ]

    class Computed(Message):
        """An assessment computed by the worker."""

        def __init__(self, token: int, assessment: reports.Assessment, seconds: float) -> None:
            super().__init__()
            self.token, self.assessment, self.seconds = token, assessment, seconds

    class Drilled(Message):
        """The tickets behind one number."""

        def __init__(self, title: str, tickets: list[Ticket], total: int) -> None:
            super().__init__()
            self.title, self.tickets, self.total = title, tickets, total

    def __init__(self, period: str | None = None) -> None:
        super().__init__()
        self.period_text = period
        self.assessment: reports.Assessment | None = None
        self.columns: list[Column] = []
        self.rows: list[tuple[str, list[Any]]] = []  # (row key, raw values), total last
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._token = 0
        self.seconds = 0.0  # how long the shown figures took to compute
        self.computing = False
        self.center: str | None = None  # the center assessed (None: the whole city); set on compose

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#assess-table", DataTable)

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.period_text = self.period_text or last_month(self.clock.today())
        self.center = None if self.user.center == CITY_CENTER else self.user.center
        yield ConsoleHeader(id="header")
        with Horizontal(id="assess-bar"):
            yield Static("三率考核 · 统计区间", markup=False)
            yield Input(self.period_text, placeholder="2026-10、2026Q4、2026 或 2026-10-01~2026-10-31", id="assess-period")
            yield Static("受理中心", markup=False)
            yield Select(center_choices(self.store, self.center), prompt="全市（全部中心）",
                         value=self.center if self.center is not None else Select.NULL, compact=True, id="assess-center")
        yield DataTable(id="assess-table", cursor_type="cell", zebra_stripes=True, fixed_columns=2)
        yield Static("", id="assess-columns", markup=False)
        yield Static("", id="assess-boards", markup=False)
        yield Static("", id="assess-trend", markup=False)
        yield Static("", id="assess-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.compute()
        self.table.focus()
        self.watch(self.table, "scroll_x", self._scrolled, init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_columns_hint)
        if self.assessment is not None:
            self._show_status()

    # -- the columns out of sight ----------------------------------------------------------
    def columns_out_of_sight(self) -> tuple[list[str], list[str]]:
        """The headers of the columns left and right of what the table shows
        (the fixed unit and rank columns never scroll away)."""
        t = self.table
        cols = t.ordered_columns
        if not cols or not self.columns:
            return [], []
        widths = [c.get_render_width(t) for c in cols]
        fixed = sum(widths[: t.fixed_columns])
        shown_from = int(t.scroll_x) + fixed
        shown_to = int(t.scroll_x) + t.scrollable_content_region.width
        left: list[str] = []
        right: list[str] = []
        x = fixed
        for i in range(t.fixed_columns, len(cols)):
            header = self.columns[i].header if i < len(self.columns) else ""
            if x < shown_from:
                left.append(header)
            elif x + widths[i] > shown_to:
                right.append(header)
            x += widths[i]
        return left, right

    def columns_hint(self) -> str:
        """``←→ 左右翻看 · 左侧还有 3 列 · 右侧还有 12 列：联系上满意率、派发量…``
        (empty when every column is on screen)."""
        left, right = self.columns_out_of_sight()
        if not left and not right:
            return ""
        parts = ["←→ 左右翻看"]
        if left:
            parts.append(f"左侧还有 {len(left)} 列")
        if right:
            parts.append(f"右侧还有 {len(right)} 列：{'、'.join(right)}")
        text = " · ".join(parts)
        room = max(10, self.app.size.width - 2)
        if bulletin_files.display_width(text) > room:
            while text and bulletin_files.display_width(text + "…") > room:
                text = text[:-1]
            text = text.rstrip("、") + "…"
        return text

    def _scrolled(self, *_: object) -> None:
        """The table scrolls by whole columns: Textual scrolls by cells, so a
        column half under the fixed ones showed only its last digits ("1 0"
        beside 排名 1 was the end of 100.00).  A column cut on the left is
        scrolled fully out of sight (the one under the cursor stays whole)."""
        t = self.table
        cols = t.ordered_columns
        x = int(t.scroll_x)
        if len(cols) > t.fixed_columns and x > 0:
            edge = 0
            for c in cols[t.fixed_columns:]:
                if edge >= x:
                    break
                edge += c.get_render_width(t)
            edge = min(edge, int(t.max_scroll_x))
            if edge != x:
                t.scroll_to(x=edge, animate=False, immediate=True)
                return  # called again for the new position
        self._show_columns_hint()

    def _show_columns_hint(self, *_: object) -> None:
        if self.is_mounted:
            hint = self.columns_hint()
            box = self.query_one("#assess-columns", Static)
            box.update(hint)
            box.display = bool(hint)

    # -- computing ---------------------------------------------------------------------
    def compute(self) -> None:
        """Check the period and compute its figures in the background."""
        status = self.query_one("#assess-status", Static)
        try:
            start, end = parse_period(self.query_one("#assess-period", Input).value)
        except reports.ReportError as exc:
            status.update(plain(exc))
            return
        self._token += 1
        self.computing = True
        status.update(f"正在计算 {start} 至 {end}（{plain(self.center or '全市')}）…")
        status.add_class("-busy")
        self._assess(self._token, start, end, self.clock.now(), self.center)

    @work(thread=True, exclusive=True, group="assessment", exit_on_error=False)
    def _assess(self, token: int, start: dt.date, end: dt.date, now: dt.datetime, center: str | None) -> None:
        with self.console_app.readers.reader() as store:
            t0 = time.perf_counter()
            a = reports.assess(store, start, end, now, center)
            seconds = time.perf_counter() - t0
        self.post_message(self.Computed(token, a, seconds))

    @on(Computed)
    def _computed(self, message: Computed) -> None:
        if message.token != self._token:
            return
        self.computing = False
        self.assessment = a = message.assessment
        detail = bulletin_files.tables(a)[1]
        self.columns = [Column("排名", "int"), Column("综合得分", "num")] + [
            Column(h, k) for h, k in zip(detail.headers, detail.kinds)]
        # 单位 first: swap it before 排名 so the name is always the left fixed column
        self.columns[0], self.columns[1], self.columns[2] = self.columns[2], self.columns[0], self.columns[1]
        figures = [*a.departments, a.total]
        self.rows = []
        for f, line in zip(figures, detail.rows):
            key = str(f.department_id) if f.department_id is not None else "total"
            rank = f.rank
            score = f.score if (f.rank is not None or f.department_id is None) else None
            self.rows.append((key, [line[0], rank, score, *line[1:]]))
        # the rates next to the name: at 80 columns all of them are on screen
        # without scrolling sideways (issue 16 item 5); the counts follow
        # — the four rates of the scorecard first (SPEC §8), then the other rates
        scorecard = ("响应率", "按时办结率", "解决率", "满意率")
        rates = sorted((i for i, c in enumerate(self.columns) if i > 2 and c.header.endswith("率")),
                       key=lambda i: (scorecard.index(self.columns[i].header)
                                      if self.columns[i].header in scorecard else len(scorecard), i))
        order = [0, 1, 2, *rates, *(i for i in range(3, len(self.columns)) if i not in rates)]
        self.columns = [self.columns[i] for i in order]
        self.rows = [(key, [values[i] for i in order]) for key, values in self.rows]
        if self.sort_column is None or self.sort_column >= len(self.columns):
            self.sort_column, self.sort_reverse = 1, False  # by rank
        self._fill()
        self.seconds = message.seconds
        status = self.query_one("#assess-status", Static)
        status.remove_class("-busy")
        self._show_status()
        self.query_one("#assess-boards", Static).update(self._boards(a))
        self._show_trend()

    def _show_status(self) -> None:
        """What was computed, broken between its parts (not inside one) where
        the terminal is too narrow for one line: at 80 columns its end —
        weights, time, Enter — was cut off."""
        a = self.assessment
        if a is None:
            return
        w = a.weights
        parts = [f"{plain(a.center or '全市')} · {a.start} 至 {a.end}（按派发日期）",
                 f"评价时点 {a.now:%Y-%m-%d %H:%M}",
                 f"权重 响应{float(w['response_rate']):g}/按时{float(w['on_time_rate']):g}"
                 f"/解决{float(w['resolution_rate']):g}/满意{float(w['satisfaction_rate']):g}",
                 f"用时 {self.seconds:.2f} 秒", "Enter 查看数字背后的工单"]
        room = max(20, self.app.size.width - 2)
        if room < 118:
            del parts[3]  # the computing time: where a line is scarce, the table's rows matter more
        lines = [parts[0]]
        for part in parts[1:]:
            if bulletin_files.display_width(lines[-1] + " · " + part) <= room:
                lines[-1] += " · " + part
            else:
                lines.append(part)
        self.query_one("#assess-status", Static).update("\n".join(lines))

    def trend_text(self, department_id: int | None) -> str:
        """The month-by-month chart of the center and of one department
        (None: the center only); '' for a one-month period."""
        a = self.assessment
        if a is None or len(a.months) < 2:
            return ""
        span = f"{a.months[0]}～{a.months[-1]}"

        def line(label: str, months: list[reports.DepartmentFigures]) -> str:
            parts = [f"得分 {bulletin_files.sparkline((m.score for m in months), 100.0, None)}"]
            for key in reports.RATE_KEYS:
                if all(m.rate(key) is None for m in months):
                    continue  # a rate nobody has a denominator for: no row of dots (it fits 80 columns)
                parts.append(f"{reports.RATE_LABELS[key]} {bulletin_files.sparkline((m.rate(key) for m in months), 1.0, None)}")
            return f"{label}：" + "  ".join(parts)

        # bars start a tenth below each row's lowest value (bulletin_files.sparkline)
        out = [f"月度趋势（{span}，每格一个月，· 为无数据）",
               line(bulletin_files.clean(a.total.department), a.total_trend)]
        months = a.trends.get(department_id) if department_id is not None else None
        if months:
            name = bulletin_files.clean(a.by_id(department_id).department) if department_id is not None else ""
            out.append(line(name, months))
        return "\n".join(out)

    def _show_trend(self) -> None:
        dept: int | None = None
        table = self.table
        if self.rows and table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            dept = None if key in (None, "total") else int(key)
        trend = self.trend_text(dept)
        box = self.query_one("#assess-trend", Static)
        box.update(trend)
        box.display = bool(trend)  # one month: no chart, and no empty line taken from the table

    @on(DataTable.CellHighlighted, "#assess-table")
    def _highlighted(self) -> None:
        if self.assessment is not None and len(self.assessment.months) > 1:
            self._show_trend()

    @staticmethod
    def _boards(a: reports.Assessment) -> str:
        def line(label: str, fs: list[reports.DepartmentFigures]) -> str:
            if not fs:
                return f"{label}：（无派发量不少于 {a.min_dispatched} 件的单位）"
            return f"{label}：" + "  ".join(
                f"{f.rank}.{bulletin_files.clean(f.department)} {bulletin_files.fmt_value(f.score, 'num')}" for f in fs)
        return line("红榜（前五）", a.best) + "\n" + line("黑榜（后五）", a.worst)

    def _sorted_rows(self) -> list[tuple[str, list[Any]]]:
        body = [r for r in self.rows if r[0] != "total"]
        total = [r for r in self.rows if r[0] == "total"]
        if self.sort_column is not None:
            i = self.sort_column
            present = [r for r in body if r[1][i] is not None]
            missing = [r for r in body if r[1][i] is None]
            present.sort(key=lambda r: (r[1][i] if not isinstance(r[1][i], str) else r[1][i]), reverse=self.sort_reverse)
            body = present + missing
        return body + total

    def _fill(self) -> None:
        table = self.table
        cursor = table.cursor_coordinate
        with self.app.batch_update():
            table.clear(columns=True)
            for i, c in enumerate(self.columns):
                mark = (" ▼" if self.sort_reverse else " ▲") if i == self.sort_column else ""
                # as wide as the heading (and its sort mark): the cell padding already separates columns
                width = None if c.kind == "text" else max(bulletin_files.display_width(c.header + mark), 6)
                table.add_column(c.header + mark, key=str(i), width=width)
            for key, values in self._sorted_rows():
                cells = []
                for c, v in zip(self.columns, values):
                    text = "" if (c.header == "排名" and v is None and key == "total") else (
                        "不排名" if c.header == "排名" and v is None else bulletin_files.fmt_value(v, c.kind))
                    cells.append(literal(text) if c.kind == "text" else Text(text, justify="right"))
                table.add_row(*cells, key=key)
            if table.row_count:
                table.cursor_coordinate = table.validate_cursor_coordinate(cursor)
        self.call_after_refresh(self._show_columns_hint)

    # -- reading the screen (tests) ------------------------------------------------------
    def displayed(self) -> dict[str, dict[str, str]]:
        """Row label → column header → the text shown."""
        table = self.table
        out: dict[str, dict[str, str]] = {}
        headers = [c.header for c in self.columns]
        for r in range(table.row_count):
            cells = [str(c) for c in table.get_row_at(r)]
            out[cells[0]] = dict(zip(headers, cells))
        return out

    # -- actions -------------------------------------------------------------------------
    @on(Input.Submitted, "#assess-period")
    def _period_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.compute()
        self.table.focus()

    def action_edit_period(self) -> None:
        """Type a month or a date range."""
        self.query_one("#assess-period", Input).focus()

    def action_choose_center(self) -> None:
        """Assess the whole city or the tickets one center took in."""
        select = self.query_one("#assess-center", Select)
        select.focus()
        select.action_show_overlay()

    @on(Select.Changed, "#assess-center")
    def _center_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        if value != self.center:
            self.center = value
            self.compute()
        self.table.focus()

    def _step_month(self, step: int) -> None:
        box = self.query_one("#assess-period", Input)
        try:
            start, end = parse_period(box.value)
        except reports.ReportError:
            start = end = self.clock.today()
        shown = reports.period_of(start, end)
        if shown is not None and shown.kind == "year":
            box.value = f"{start.year + step}"
        elif shown is not None and shown.kind == "quarter":
            y, q = divmod(start.year * 4 + (start.month - 1) // 3 + step, 4)
            box.value = f"{y}Q{q + 1}"
        else:
            y, m = divmod(start.year * 12 + start.month - 1 + step, 12)
            box.value = f"{y}-{m + 1:02d}"
        self.compute()

    def action_previous_month(self) -> None:
        """The month (quarter, year) before."""
        self._step_month(-1)

    def action_next_month(self) -> None:
        """The month (quarter, year) after."""
        self._step_month(1)

    def action_sort(self) -> None:
        """Sort by the column under the cursor (again: the other way round)."""
        self.sort_by(self.table.cursor_column)

    def sort_by(self, column: int) -> None:
        if not self.rows or not 0 <= column < len(self.columns):
            return
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = column
            # rates and counts read best from the largest; rank and names from the top
            self.sort_reverse = self.columns[column].header not in ("排名", "单位")
        self._fill()

    @on(DataTable.HeaderSelected, "#assess-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(event.column_index)

    @on(DataTable.CellSelected, "#assess-table")
    def _cell(self, event: DataTable.CellSelected) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        """List the tickets behind the number under the cursor."""
        if self.assessment is None or not self.rows:
            return
        table = self.table
        coord = table.cursor_coordinate
        header = self.columns[coord.column].header if coord.column < len(self.columns) else ""
        metric = COLUMN_METRICS.get(header)
        if metric is None:
            self.notify(f"“{header}”不对应具体工单，请选派发量、三率或各项计数", markup=False)
            return
        key = table.coordinate_to_cell_key(coord).row_key.value
        assert key is not None  # every row is added with a key: a department's id, or "total"
        dept = None if key == "total" else int(key)
        label = next((v[0] for k, v in self.rows if k == key), "")
        a = self.assessment
        scope = f"{plain(a.center)} · " if a.center else ""
        # the rank and the score stand for all the department's dispatched tickets: say so
        what = "派发量" if header in ("排名", "综合得分") else header
        self._drill(f"{scope}{bulletin_files.clean(label)} · {what}（{a.start} 至 {a.end}）", dept, metric,
                    a.start, a.end, a.now, a.center)

    @work(thread=True, exclusive=True, group="assessment-drill", exit_on_error=False)
    def _drill(self, title: str, dept: int | None, metric: str, start: dt.date, end: dt.date, now: dt.datetime,
               center: str | None) -> None:
        with self.console_app.readers.reader() as store:
            ids = reports.drill(store, dept, metric, start, end, now, center)
            tickets = store.queue.by_ids(self.user, ids[:DRILL_LIMIT])
        self.post_message(self.Drilled(title, tickets, len(ids)))

    @on(Drilled)
    def _drilled(self, message: Drilled) -> None:
        self.app.push_screen(DrillScreen(message.title, message.tickets, message.total))

    def action_back(self) -> None:
        """Back to the screen underneath."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors of the computation and the drill-downs, said once in Chinese."""
        if event.state is WorkerState.ERROR:
            self.computing = False
            status = self.query_one("#assess-status", Static)
            status.remove_class("-busy")
            status.update(f"计算出错：{plain(event.worker.error)}")


__all__ = ["AssessmentScreen", "DrillScreen", "parse_period", "last_month"]
