"""The live warning panel (黄橙红, SPEC §5 and §9) and its wall-display variant.

What it shows, as of the app's clock: warned tickets per level (each level
with its symbol, its word and the body that supervises it), per department,
the three notices of SPEC §5 (due today; dispatched and not signed within
1 working day; new and not dispatched by the end of the working day after
intake), supporting parts (协办) late past their own deadline, and the
tickets of each, most severe and most overdue first.

How it stays live without costing anything while nothing happens (STYLE §7):

* every second :meth:`WarningsScreen.tick` runs ``PRAGMA data_version`` on a
  **dedicated autocommit connection** opened by this screen.  SQLite bumps
  that number when *another* connection commits — another console, a
  ``xzconsole import``, or this app's own store (a different connection) —
  but never for the polling connection's own commits, and never while it
  holds a read transaction; this connection only ever runs that one pragma,
  so neither trap applies.  One poll costs microseconds.
* a snapshot is recomputed when that number moved, when the local date
  changed (tickets turn yellow at midnight by themselves) or when the clock's
  minute rolled (the "at least each minute" re-evaluation).  Otherwise the
  tick issues no other statement at all.
* the snapshot is computed in a thread worker (exclusive, one group) on the
  screen's own :class:`~xzconsole.store.Store`, and posted back as a
  message; widgets are only touched on the UI thread.

A ticket that newly turns red (it was not red in the previous snapshot) rings
the terminal bell and is highlighted (``-new`` rows, "新" marker) for two
minutes.  The first snapshot never rings: what was already red is not news.

The wall variant (:class:`WallApp`, ``xzconsole wall``) is the same panel,
read-only: large counts, no supervision, no opening of tickets, no command
palette; meant to be served by textual-serve on localhost (README).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Static, Tab, Tabs
from textual.worker import Worker, WorkerState

from .base import AppAccess, StyledAtMount
from ..clock import local_date
from ..areas.oversight_scope import is_oversight
from ..models import Role, Staff
from ..rules import WarningLevel
from ..store import ChangeWatcher, Store
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.jump_table import JumpTable
from ..widgets.warning_badge import TODAY_LABEL, TODAY_SYMBOL
from ..widgets.key_bar import KeyBar

if TYPE_CHECKING:  # types only: the dialog module is imported when a supervision is recorded
    from .dialogs import FormDialog

POLL_SECONDS = 1.0  # PRAGMA data_version cadence: a commit shows within ~1 s + one snapshot
NARROW_BELOW = 100  # columns: below this the list drops 期限 and 企业
LIST_LIMIT = 200  # tickets listed per tab (counts are always complete)
NEW_RED_HIGHLIGHT_SECONDS = 120.0
LEVELS = (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW)

#: who records supervision from the panel: the supervisor (督办), the oversight bodies (二次督办)
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.BUSINESS_OFFICE, Role.DISCIPLINE)
NOTICE_LABELS = {
    "due_today": f"{TODAY_SYMBOL} {TODAY_LABEL}",
    "unsigned": "◇ 超时未签收",
    "undispatched": "◇ 超时未派发",
    "part_late": "◇ 协办超期",
}
LIST_TABS = [("tab-warned", "预警工单"), ("tab-due_today", "今日到期"),
             ("tab-unsigned", "超时未签收"), ("tab-undispatched", "超时未派发"), ("tab-part_late", "协办超期")]


def short_badge(level: WarningLevel) -> str:
    """``■ 红色`` — symbol and word, short enough for an 80-column list."""
    return f"{level.symbol} {level.label[:2]}" if level else ""


@dataclass
class PanelRow:
    """One line of the panel's ticket list."""

    id: int
    number: str
    department: str
    level: WarningLevel
    due: str
    overdue: int | None
    enterprise: str
    note: str = ""
    supervised: bool = False  # 已督办: a supervision is on record


@dataclass
class PanelSnapshot:
    """Everything the panel shows, computed off the UI thread."""

    now: dt.datetime
    today: dt.date
    data_version: int
    levels: dict[WarningLevel, int]
    departments: list[tuple[str, dict[WarningLevel, int]]]
    warned: list[PanelRow]
    notices: dict[str, int]
    notice_rows: dict[str, list[PanelRow]]
    red_ids: set[int]
    provisional: bool = False
    provisional_years: list[int] = field(default_factory=list)
    list_kind: str = "warned"  # the list whose rows were read
    pending: int = 0  # 待审批: 延期 / 超期退回 requests waiting (a supervisor's notice)
    page: int = 0  # which page of the list on show (PgDn/PgUp)

    @property
    def warned_total(self) -> int:
        return sum(self.levels.values())

    def by_body(self) -> dict[str, int]:
        """Warned tickets per supervising body (企服平台 / 市营商办 / 市纪委监委)."""
        return {lvl.supervised_by: self.levels.get(lvl, 0) for lvl in reversed(LEVELS)}


def compute_snapshot(store: Store, actor: Staff | None, now: dt.datetime, data_version: int,
                     limit: int = LIST_LIMIT, list_kind: str = "warned", page: int = 0) -> PanelSnapshot:
    """One consistent look at the warning ladder (runs in a worker thread).

    Counts come from indexed range counts (``level_counts``, ``panel_notices``);
    only the list on show (``list_kind``) is read row by row, bounded by
    ``limit``.  All reads run in one read transaction so the counts and the
    list agree with each other.  ``page`` (from 0) lists rows
    ``page * limit`` … ``(page + 1) * limit - 1`` of the list on show: the
    rows before it are read and dropped, which stays cheap for the few
    hundred to few thousand tickets a warning list holds.
    """
    skip = max(page, 0) * limit
    upto = skip + limit
    with store.read_snapshot():
        counts = store.warnings.level_counts(actor, now)
        warned = store.warnings.warned_tickets(actor, now, limit=upto)[skip:] if list_kind == "warned" else []
        supervised = store.warnings.supervised_ids([w["id"] for w in warned])
        notices = store.warnings.notices(actor, now, limit=upto)
        red_ids = store.warnings.red_ticket_ids(actor, now)
        pending = store.oversight.pending_count(actor) if actor is not None else 0
        notice_tickets = {k: store.queue.by_ids(actor, list(ids)[skip:]) if k == list_kind else []
                          for k, (n, ids) in notices.items() if k != "part_late"}
        # a late part is listed under the supporting department that owes it
        # (市营商办 / 市纪委监委 supervise warned tickets only: no notices, no late parts)
        late_parts = (store.joint.late_parts(actor, now, upto)[skip:]
                      if list_kind == "part_late" and not is_oversight(actor) else [])
        today = local_date(now)
        # provisional due dates lie in a year no official schedule covers yet
        # (they all come after the official ones): one indexed probe, or none
        years = store.calendar().provisional_years(today.year, today.year + 1)
        provisional = bool(years) and store.warnings.open_due_on_or_after(dt.date(years[0], 1, 1))
    totals = {lvl: 0 for lvl in LEVELS}
    departments = []
    for dept_id, per in counts.items():
        for lvl in LEVELS:
            totals[lvl] += per.get(lvl, 0)
        departments.append((store.department_name(dept_id) or "（未派发）", per))
    departments.sort(key=lambda d: (-d[1].get(WarningLevel.RED, 0), -d[1].get(WarningLevel.ORANGE, 0),
                                    -d[1].get(WarningLevel.YELLOW, 0), d[0]))
    rows = [PanelRow(w["id"], w["number"], w["department"] or "—", WarningLevel.parse(w["level"]),
                     w["due_date"] + ("暂" if w["due_provisional"] else ""), w["overdue_workdays"],
                     w["enterprise_name"] or "", w["title"] or "", w["id"] in supervised)
            for w in warned]
    notice_rows: dict[str, list[PanelRow]] = {}
    for kind, tickets in notice_tickets.items():
        out = []
        for t in tickets:
            if kind == "undispatched":
                when = f"受理 {t.received_at:%m-%d %H:%M}"
            elif kind == "unsigned" and t.dispatched_at is not None:
                when = f"派发 {t.dispatched_at:%m-%d %H:%M}"
            else:
                when = f"期限 {t.due_date}" if t.due_date else ""
            out.append(PanelRow(t.id, t.number, t.department_name or "—", WarningLevel.NONE, when, None,
                                t.enterprise_name, t.title))
        notice_rows[kind] = out
    notice_rows["part_late"] = [
        PanelRow(p.ticket_id, p.number, p.department, WarningLevel.NONE,
                 f"{p.due_date}{'暂' if p.due_provisional else ''}", p.overdue_workdays, p.enterprise_name, p.title)
        for p in late_parts]
    return PanelSnapshot(now, today, data_version, totals, departments, rows,
                         {k: n for k, (n, _) in notices.items()}, notice_rows, red_ids,
                         provisional, years, list_kind, pending, page)


class PanelTable(JumpTable):
    """A table of the panel; severity colours come from component classes."""

    COMPONENT_CLASSES = {"panel-table--yellow", "panel-table--orange", "panel-table--red",
                         "panel-table--today", "panel-table--new"}

    def style_of(self, name: str) -> str:
        try:
            return str(self.get_component_rich_style(f"panel-table--{name}", partial=True))
        except Exception:  # not mounted yet: the symbol and word still say it
            return ""


class WarningsScreen(AppAccess, StyledAtMount, Screen[None]):
    """预警面板: live counts and lists of the warning ladder and its notices."""

    BINDINGS = [
        Binding("enter", "open_ticket", "打开工单", id="warnings.open"),
        Binding("s", "supervise", "督办", id="warnings.supervise"),
        Binding("a", "approvals", "审批", id="warnings.approvals"),
        Binding("right_square_bracket", "next_tab", "下一列表", id="warnings.next_tab"),
        Binding("left_square_bracket", "previous_tab", "上一列表", id="warnings.previous_tab"),
        Binding("r", "refresh", "立即刷新", id="warnings.refresh"),
        # like the queue: PageDown/PageUp page the list (over the table's own
        # scrolling); the count line names them, so the key bar keeps its room
        Binding("pagedown", "next_page", "下一页", id="warnings.next_page", priority=True, show=False),
        Binding("pageup", "previous_page", "上一页", id="warnings.previous_page", priority=True, show=False),
        Binding("escape", "back", "返回", id="warnings.back"),
    ]

    class SnapshotReady(Message):
        """A snapshot computed by the worker; ``token`` drops superseded ones."""

        def __init__(self, token: int, snapshot: PanelSnapshot) -> None:
            super().__init__()
            self.token, self.snapshot = token, snapshot

    def __init__(self, *, wall: bool | None = None) -> None:
        super().__init__()
        self._wall = wall
        self.snapshot: PanelSnapshot | None = None
        self.watcher: ChangeWatcher | None = None
        self.snapshot_store: Store | None = None
        self._store_lock = threading.Lock()
        self._token = 0
        self._applied = 0
        self._seen_version: int | None = None
        self._seen_date: dt.date | None = None
        self._seen_minute: dt.datetime | None = None
        self._red_ids: set[int] | None = None
        self._flash: dict[int, float] = {}  # ticket id → monotonic time the highlight ends
        self.refreshes = 0  # snapshots requested (for tests and the benchmark)
        self.list_kind = "warned"
        self.list_page = 0  # page of the list on show, from 0
        self.list_limit = LIST_LIMIT
        self._list_total = 0
        self._list_rows: list[PanelRow] = []
        self._narrow: bool | None = None
        self._layout_width = 0

    # -- shortcuts ------------------------------------------------------------------
    @property
    def wall(self) -> bool:
        return self._wall if self._wall is not None else self.console_app.wall


    @property
    def list_table(self) -> PanelTable:
        return self.query_one("#panel-list", PanelTable)

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ConsoleHeader("企服中心预警面板" if self.wall else "企服中心工作台", id="header")
        with Horizontal(id="panel-levels"):
            for lvl in LEVELS:
                with Vertical(classes=f"panel-level -{lvl.code}", id=f"panel-level-{lvl.code}"):
                    yield Static(lvl.badge, classes="panel-level--label", markup=False)
                    if self.wall:
                        yield Digits("0", classes="panel-level--count", id=f"panel-count-{lvl.code}")
                    else:
                        yield Static("…", classes="panel-level--count", id=f"panel-count-{lvl.code}", markup=False)
                    yield Static(f"{lvl.supervised_by}督办", classes="panel-level--body", markup=False)
        yield Static("", id="panel-notices", markup=False)
        with Horizontal(id="panel-body"):
            with Vertical(id="panel-main"):
                yield Tabs(*[Tab(label, id=tid) for tid, label in LIST_TABS], id="panel-tabs")
                yield PanelTable(id="panel-list", cursor_type="row", zebra_stripes=True)
            yield PanelTable(id="panel-departments", cursor_type="row")
        yield Static("正在统计…", id="panel-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        if self.wall:
            self.add_class("-wall")
        self._set_layout(self.app.size.width)
        depts = self.query_one("#panel-departments", PanelTable)
        depts.add_column("单位", width=8, key="department")
        for lvl in LEVELS:
            depts.add_column(f"{lvl.symbol}{lvl.label[:1]}", width=3, key=lvl.code)
        depts.add_column("合计", width=4, key="total")
        self.watcher = ChangeWatcher(self.console_app.db_path)
        self.set_interval(POLL_SECONDS, self.tick, name="warnings-poll")
        self.tick()
        self.list_table.focus()

    def _set_layout(self, width: int) -> bool:
        """The list's columns for a terminal ``width``.  Below 100 columns the
        department summary at the side gives way (issue 16 item 5): the list
        keeps its due date and enterprise, which a clerk reads first, and the
        enterprise takes the width that is left."""
        if width == self._layout_width:
            return False
        self._layout_width = width
        narrow = width < NARROW_BELOW
        self._narrow = narrow
        if not self.wall:
            self.query_one("#panel-departments").display = not narrow
        side = 0 if narrow and not self.wall else 33
        department = 8 if narrow else 14
        fixed = [2, 6, 15, department, 11, 4]
        enterprise = max(12, width - side - sum(fixed) - 2 * (len(fixed) + 1) - 2)
        lst = self.list_table
        lst.clear(columns=True)
        lst.add_column(" ", width=2, key="new")  # 新 (just warned) or 督 (已督办)
        lst.add_column("预警", width=6, key="level")
        lst.add_column("工单编号", width=15, key="number")
        lst.add_column("承办单位", width=department, key="department")
        lst.add_column("期限/时间", width=11, key="due")
        lst.add_column("超期", width=4, key="overdue")
        lst.add_column("企业", width=enterprise, key="enterprise")
        return True

    def on_resize(self) -> None:
        if self.is_mounted and self._set_layout(self.app.size.width) and self.snapshot is not None:
            self._show_list(self.snapshot)

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None
        with self._store_lock:
            if self.snapshot_store is not None:
                self.snapshot_store.disconnect()
                self.snapshot_store = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The wall is read-only; only a supervisor records supervision."""
        if action in ("open_ticket", "supervise", "approvals") and self.wall:
            return False
        if action == "supervise" and self.user.role not in SUPERVISING_ROLES:
            return False
        if action == "approvals" and self.user.role is not Role.SUPERVISOR:
            return False
        if action == "supervise" and self.list_kind != "warned":
            return None
        if action == "next_page" and (self.list_page + 1) * self.list_limit >= self._list_total:
            return None  # greyed: nothing beyond this page
        if action == "previous_page" and self.list_page == 0:
            return None
        return True

    # -- the live loop ------------------------------------------------------------------
    def poll_version(self) -> int:
        """``PRAGMA data_version`` on the dedicated connection (the only statement it runs)."""
        assert self.watcher is not None
        return self.watcher.version()

    def tick(self) -> bool:
        """Once a second: recompute only if another connection committed, the
        date changed or the minute rolled; returns whether it asked for a snapshot."""
        if self.watcher is None:
            return False
        now = self.clock.now()
        version = self.poll_version()
        minute = now.replace(second=0, microsecond=0)
        if version == self._seen_version and local_date(now) == self._seen_date and minute == self._seen_minute:
            self._expire_flash()
            return False
        self._seen_version, self._seen_date, self._seen_minute = version, local_date(now), minute
        self.request_snapshot(now, version)
        return True

    def request_snapshot(self, now: dt.datetime | None = None, version: int | None = None) -> None:
        """Ask the worker for a fresh snapshot."""
        self._token += 1
        self.refreshes += 1
        now = now or self.clock.now()
        if version is None:
            version = self.poll_version()
        self._compute(self._token, now, version)

    @work(thread=True, exclusive=True, group="warnings-snapshot", exit_on_error=False)
    def _compute(self, token: int, now: dt.datetime, version: int) -> None:
        # one store per screen, opened in the worker; the lock keeps a cancelled
        # (still running) worker and its successor from sharing the connection
        with self._store_lock:
            if self.snapshot_store is None:
                self.snapshot_store = self._worker_store()
            snap = compute_snapshot(self.snapshot_store, self.user, now, version, self.list_limit,
                                    self.list_kind, self.list_page)
        self.post_message(self.SnapshotReady(token, snap))

    @on(SnapshotReady)
    def _on_snapshot(self, message: SnapshotReady) -> None:
        if message.token < self._applied:
            return
        self._applied = message.token
        snap = message.snapshot
        if self._red_ids is not None:
            newly = snap.red_ids - self._red_ids
            if newly:
                until = time.monotonic() + NEW_RED_HIGHLIGHT_SECONDS
                for tid in newly:
                    self._flash[tid] = until
                self.app.bell()
                self.notify(f"{len(newly)} 件工单升为红色预警（市纪委监委督办）", title="■ 红色预警",
                            severity="error", markup=False, timeout=10)
        self._red_ids = snap.red_ids
        self.snapshot = snap
        with self.app.batch_update():
            self._show(snap)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed snapshot is reported once; the next tick tries again."""
        if event.state is WorkerState.ERROR:
            self._seen_version = None
            self.query_one("#panel-status", Static).update(f"统计出错：{plain(event.worker.error)}（稍后自动重试）")

    def _expire_flash(self) -> None:
        if not self._flash:
            return
        now = time.monotonic()
        gone = [tid for tid, until in self._flash.items() if until <= now]
        if gone:
            for tid in gone:
                del self._flash[tid]
            if self.snapshot is not None:
                self._show_list(self.snapshot)

    @property
    def highlighted(self) -> set[int]:
        """Tickets highlighted as newly red."""
        return set(self._flash)

    # -- showing ----------------------------------------------------------------------
    def _show(self, snap: PanelSnapshot) -> None:
        for lvl in LEVELS:
            n = snap.levels.get(lvl, 0)
            w = self.query_one(f"#panel-count-{lvl.code}")
            if isinstance(w, Digits):
                w.update(str(n))
            elif isinstance(w, Static):
                w.update(f"{n:,} 件")
            self.query_one(f"#panel-level-{lvl.code}").set_class(n > 0, "-active")
        notices = "  ".join(f"{NOTICE_LABELS[k]} {snap.notices.get(k, 0):,}" for k in NOTICE_LABELS)
        if self.user.role is Role.SUPERVISOR and not self.wall:
            notices += f"  ◇ 待审批 {snap.pending:,}"  # a: the queue's 待审批 tab
        self.query_one("#panel-notices", Static).update(f"提示：{notices}")
        for tid, label in LIST_TABS:
            kind = tid.removeprefix("tab-")
            n = snap.warned_total if kind == "warned" else snap.notices.get(kind, 0)
            self.query_one(f"#{tid}", Tab).label = f"{label} {n:,}"
        depts = self.query_one("#panel-departments", PanelTable)
        styles = {lvl: depts.style_of(lvl.code) for lvl in LEVELS}
        cursor = depts.cursor_row
        depts.clear()
        for name, per in snap.departments:
            cells = [literal(name)]
            for lvl in LEVELS:
                n = per.get(lvl, 0)
                cells.append(Text(str(n) if n else "·", style=styles[lvl] if n else ""))
            cells.append(Text(str(sum(per.values()))))
            depts.add_row(*cells)
        if depts.row_count:
            depts.move_cursor(row=min(cursor, depts.row_count - 1), animate=False)
        self._show_list(snap)
        self.screen.query_one(ConsoleHeader).set_calendar(snap.provisional, snap.provisional_years)
        bodies = " · ".join(f"{b} {n:,}" for b, n in snap.by_body().items())
        shown = len(self._list_rows)
        total = snap.warned_total if self.list_kind == "warned" else snap.notices.get(self.list_kind, 0)
        if total != self._list_total:
            self._list_total = total
            self.refresh_bindings()
        # what is listed comes first: at 80 columns the tail of the line is cut
        first = snap.page * self.list_limit + 1
        more = (f"列出第 {first:,}–{first + shown - 1:,} 件（共 {total:,} 件，PgDn/PgUp 翻页） · " if shown and total > shown
                else f"第 {snap.page + 1} 页无工单（共 {total:,} 件） · " if not shown and snap.page else "")
        tail = "" if self._narrow else " · 数据变化约 1 秒内自动刷新"
        self.query_one("#panel-status", Static).update(
            f"{more}最后更新 {snap.now:%m-%d %H:%M:%S} · 督办：{bodies}{tail}")

    def _show_list(self, snap: PanelSnapshot) -> None:
        if snap.list_kind != self.list_kind or snap.page != self.list_page:
            return  # a snapshot asked before the tab or page changed: its rows are of another list
        rows = snap.warned if self.list_kind == "warned" else snap.notice_rows.get(self.list_kind, [])
        self._list_rows = rows
        table = self.list_table
        styles = {name: table.style_of(name) for name in ("yellow", "orange", "red", "today", "new")}
        cursor = table.cursor_row
        table.clear()
        for r in rows:
            new = r.id in self._flash
            if self.list_kind == "warned":
                badge = Text(short_badge(r.level), style=styles[r.level.code])
            elif self.list_kind == "due_today":
                badge = Text(TODAY_SYMBOL + " 今日", style=styles["today"])
            else:
                badge = Text("◇ 提示")
            overdue = Text(str(r.overdue) if r.overdue is not None else "")
            row_style = styles["new"] if new else ""
            enterprise = literal(r.enterprise, style=row_style)
            enterprise.no_wrap, enterprise.overflow = True, "ellipsis"
            mark = Text("新", style=row_style) if new else Text("督", style="bold") if r.supervised else Text(" ")
            cells = [mark, badge, literal(r.number, style=row_style),
                     literal(r.department), Text(r.due), overdue, enterprise]
            table.add_row(*cells, key=str(r.id))
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1), animate=False)

    # -- reading the screen (tests and the wall) ------------------------------------
    def displayed_counts(self) -> dict[str, int]:
        """The level counts and notices as shown on screen (parsed from the widgets)."""
        out: dict[str, int] = {}
        for lvl in LEVELS:
            w = self.query_one(f"#panel-count-{lvl.code}")
            text = w.value if isinstance(w, Digits) else str(w.render())
            digits = "".join(ch for ch in text if ch.isdigit())
            out[lvl.code] = int(digits) if digits else 0
        text = str(self.query_one("#panel-notices", Static).render())
        for kind, label in NOTICE_LABELS.items():
            rest = text.split(label, 1)[1].strip() if label in text else ""
            digits = rest.split()[0].replace(",", "") if rest else ""
            out[kind] = int(digits) if digits.isdigit() else 0
        return out

    def current_row(self) -> PanelRow | None:
        table = self.list_table
        if not self._list_rows or table.cursor_row < 0 or table.cursor_row >= len(self._list_rows):
            return None
        return self._list_rows[table.cursor_row]

    # -- actions -------------------------------------------------------------------------
    @on(Tabs.TabActivated, "#panel-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        kind = (event.tab.id or "tab-warned").removeprefix("tab-")
        if kind == self.list_kind:
            return
        self.list_kind = kind
        self.list_page = 0
        # only the list on show is read row by row: fetch this one now
        self.list_table.clear()
        self._list_rows = []
        if self.watcher is not None:
            self.request_snapshot()
        self.refresh_bindings()

    def action_next_tab(self) -> None:
        """Show the next list (预警工单 → 今日到期 → 超时未签收 → 超时未派发 → 协办超期)."""
        self.query_one("#panel-tabs", Tabs).action_next_tab()

    def action_previous_tab(self) -> None:
        """Show the previous list."""
        self.query_one("#panel-tabs", Tabs).action_previous_tab()

    def _turn_page(self, step: int) -> None:
        page = max(self.list_page + step, 0)
        if page == self.list_page:
            return
        self.list_page = page
        self.list_table.clear()
        self._list_rows = []
        self.refresh_bindings()
        if self.watcher is not None:
            self.request_snapshot()

    def action_next_page(self) -> None:
        """The next page of the list (LIST_LIMIT tickets a page)."""
        if (self.list_page + 1) * self.list_limit < self._list_total:
            self._turn_page(1)

    def action_previous_page(self) -> None:
        """The previous page of the list."""
        self._turn_page(-1)

    def action_refresh(self) -> None:
        """Recount now, whatever changed."""
        self._seen_version = None
        self.tick()

    def action_back(self) -> None:
        """Back to the screen underneath (the wall has nothing underneath)."""
        if not self.wall and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @on(DataTable.RowSelected, "#panel-list")
    def _row_selected(self) -> None:
        self.action_open_ticket()

    def action_open_ticket(self) -> None:
        """Open the ticket under the cursor (its detail screen)."""
        if self.wall:
            return
        row = self.current_row()
        if row is not None:
            self.console_app.open_ticket(row.id)

    def action_approvals(self) -> None:
        """The supervisor's pending 延期 / 超期退回 requests (the queue's 待审批 tab)."""
        from .queue import show_pending

        show_pending(self.app)

    def action_supervise(self) -> None:
        """督办: record a supervision of the selected warned ticket by the body its
        level names (市营商办 / 市纪委监委: their 二次督办)."""
        from .dialogs import ReasonDialog

        if self.wall or self.user.role not in SUPERVISING_ROLES or self.list_kind != "warned":
            return
        row = self.current_row()
        if row is None:
            self.notify("没有选中的预警工单", markup=False)
            return
        if self.user.role is not Role.SUPERVISOR:
            self._second_supervise(row)
            return

        def submit(dialog: FormDialog[str], note: str) -> None:
            from ..store import StoreError

            try:
                t = self.store.tickets.supervise(self.user, row.id, note)
            except StoreError as exc:
                dialog.show_error(plain(exc))
                return
            dialog.dismiss(note)
            sup = self.store.tickets.supervisions(self.user, t.id)
            body = sup[-1].body if sup else row.level.supervised_by
            self.notify(f"已记录督办：{plain(t.number)} · {body}", markup=False)
            self.action_refresh()

        self.app.push_screen(ReasonDialog(
            f"督办 {row.number} · {row.level.badge} · 由{row.level.supervised_by}督办",
            placeholder="督办意见，如：请于今日内答复并说明超期原因", label="督办意见", on_submit=submit))

    def _second_supervise(self, row: PanelRow) -> None:
        """二次督办 by 市营商办 / 市纪委监委 (store.oversight): recorded under their name."""
        from .dialogs import ReasonDialog

        def submit(dialog: FormDialog[str], note: str) -> None:
            from ..store import StoreError

            try:
                self.store.oversight.second_supervise(self.user, row.id, note)
            except StoreError as exc:
                dialog.show_error(plain(exc))
                return
            dialog.dismiss(note)
            self.notify(f"已记录二次督办：{plain(row.number)} · {self.user.role.label}", markup=False)
            self.action_refresh()

        self.app.push_screen(ReasonDialog(
            f"二次督办 {row.number} · {row.level.badge} · {self.user.role.label}",
            placeholder="督办意见，如：请承办单位三日内办结并报送说明", label="督办意见", on_submit=submit))


__all__ = ["WarningsScreen", "PanelSnapshot", "compute_snapshot"]
