"""The queue: the console's default screen (SPEC §9).

Saved filters sit as tabs (待受理 … 全部, and the three warning levels), each
with its row count; the filter bar holds the center (``c``: 全部中心 or one
center — the queue opens on the user's own, and the status line names it)
and ``f`` narrows by department, appeal type, source and date range (the
tabs and the filters live in :mod:`.queue_filters`); ``/``
searches by number, external id, enterprise name, USCC, phone or content;
``s`` changes the sort.  The table holds one
keyset page (:data:`PAGE_SIZE` rows): PageDown/PageUp (or ``n``/``p``) move,
a stack of page keys makes going back exact, and the status line says which
rows of how many are shown.

What can be slow at 1,000,000 tickets runs in thread workers and posts a
message back (STYLE §5): the tab counts, a search (through the trigram
index; the count of a very common word still scans the contents for a
second — the status line says "搜索中…" / "计数中…" meanwhile) and
the bulk actions (tag rows with space, then ``d`` to dispatch or ``x`` to
close as duplicates, with a progress bar) — and every page read, since a
few combinations of tab, filter and sort have no index to follow.
Each worker borrows a long-lived connection of its own
(:class:`~xzconsole.store.Readers`: SQLite connections stay with one thread
at a time) and never touches a widget.

A department liaison sees only their department's tickets and never a
confidential ticket's enterprise — the store enforces both; this screen
only adapts: no department or center filter (their department's tickets
from every center), no intake or bulk keys, tabs that fit their work
(待签收 rather than 待受理/已退回, and 协办: the tickets their department
supports while another leads).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Sequence

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, ProgressBar, Select, Static, Tab, Tabs
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from .base import AppAccess, stored_id
from .. import rules
from ..models import Role, Ticket
from ..rules import WarningLevel
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.ticket_table import TicketTable
from ..widgets.warning_badge import WarningBadge, due_today
from ..widgets.key_bar import KeyBar
from .approvals import ApprovalsPanel
from .queue_filters import (
    FilterDialog,
    QueueFilters,
    QueueTab,
    center_choices,
    filters_from,
    filters_values,
    tab_count,
    tabs_for,
)

if TYPE_CHECKING:  # types only: the store is imported by the first worker, not at start-up
    from ..areas.oversight import PendingRequest
    from ..areas.queue import QueueCounts
    from ..areas.saved_filters import SavedFilter
    from ..areas.tickets import BulkResult
    from ..store import TicketFilter
    from ..workdays import WorkCalendar

#: where a page ends: the last row's sort value and id, as ``store.queue.page`` gives it (``after=``)
QueueKey = tuple[Any, int]

PAGE_SIZE = 50
#: roles that read the queue but take nothing in (the store refuses them every workflow action)
_READ_ONLY_ROLES = (Role.BUSINESS_OFFICE, Role.DISCIPLINE)
#: seconds of no typing before the search line filters the queue (issue 16: filter as you type)
SEARCH_DEBOUNCE = 0.25

#: keys of the ticket pages that mean nothing on the 待审批 tab
_NOT_ON_PENDING = ("next_page", "previous_page", "toggle_mark", "bulk_dispatch", "bulk_close", "cycle_sort", "search",
                   "open_ticket", "intake")
POLL_SECONDS = 10.0  # how often the queue checks whether anyone changed anything

SORT_LABELS = {"received": "受理时间（新→旧）", "due": "办理期限（早→晚）", "warning": "预警（最严重优先）"}
SORT_ORDER = ("received", "due", "warning")


def ticket_levels(tickets: Sequence[Ticket], now: dt.datetime, calendar: WorkCalendar) -> dict[int, WarningLevel]:
    """Each ticket's warning level now (only tickets awaiting a reply have one)."""
    return {t.id: rules.warning_level(t.due_date, now, calendar) if t.awaiting_reply else WarningLevel.NONE
            for t in tickets}


def show_pending(app: App[object]) -> None:
    """Back to the queue, on its 待审批 tab (from F3's notice and the palette)."""
    queues = [s for s in app.screen_stack if isinstance(s, QueueScreen)]
    if not queues:
        return
    queue = queues[0]
    while app.screen is not queue and len(app.screen_stack) > 1:
        app.pop_screen()
    if any(t.pending for t in queue.tabs):
        queue.select_tab("tab-pending")


# ---------------------------------------------------------------- the queue


class QueueScreen(AppAccess, Screen[None]):
    """Tabs of saved filters over one page of tickets."""

    # the table has the focus from the first paint (Textual's default would focus the tabs, then lose it)
    AUTO_FOCUS = "#queue-table"
    BINDINGS = [
        Binding("o", "open_ticket", "打开", id="queue.open"),
        Binding("slash", "search", "搜索", id="queue.search"),
        Binding("f", "filters", "筛选", id="queue.filters"),
        Binding("c", "choose_center", "中心", id="queue.center"),
        Binding("s", "cycle_sort", "排序", id="queue.sort"),
        # PageDown/PageUp take precedence over the table's own scrolling (a
        # page of 50 rows is moved through with the arrows); n/p are plain
        # bindings so they can still be typed into the search line
        Binding("pagedown", "next_page", "下一页", id="queue.next_page", priority=True),
        Binding("pageup", "previous_page", "上一页", id="queue.previous_page", priority=True),
        Binding("n", "next_page", "下一页", id="queue.next_page_n", show=False),
        Binding("p", "previous_page", "上一页", id="queue.previous_page_p", show=False),
        Binding("right_square_bracket", "next_tab", "下一标签", id="queue.next_tab"),
        Binding("left_square_bracket", "previous_tab", "上一标签", id="queue.previous_tab"),
        Binding("a", "intake", "新受理", id="queue.intake"),
        Binding("space", "toggle_mark", "标记", id="queue.mark"),
        Binding("d", "bulk_dispatch", "批量派发", id="queue.bulk_dispatch"),
        Binding("x", "bulk_close", "重复办结", id="queue.bulk_close"),
        Binding("r", "reload", "刷新", id="queue.reload"),
        # saved filters (SPEC §9): the filter bar + search kept as a tab of one's own
        Binding("F", "save_filter", "保存筛选", id="queue.save_filter"),
        Binding("delete", "remove_filter", "删除筛选", id="queue.remove_filter"),
        Binding("escape", "clear_search", "清除搜索", id="queue.clear_search", show=False),
    ]

    # -- messages from the workers (declared where they start) ---------------
    class PageLoaded(Message):
        """A page read by a worker (a search); ``token`` drops stale answers."""

        def __init__(self, token: int, tickets: list[Ticket], next_key: QueueKey | None,
                     levels: dict[int, WarningLevel]) -> None:
            super().__init__()
            self.token, self.tickets, self.next_key, self.levels = token, tickets, next_key, levels

    class CountsLoaded(Message):
        """Every tab's count under the current filters, and the current tab's total."""

        def __init__(self, token: int, counts: QueueCounts, total: int) -> None:
            super().__init__()
            self.token, self.counts, self.total = token, counts, total
            self.saved: dict[str, int] = {}  # saved-filter tab id → its count

    class ApprovalsLoaded(Message):
        """The 待审批 tab's pending requests, read by a worker."""

        def __init__(self, token: int, requests: list[PendingRequest]) -> None:
            super().__init__()
            self.token, self.requests = token, requests

    class BulkProgress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class BulkFinished(Message):
        def __init__(self, what: str, result: BulkResult) -> None:
            super().__init__()
            self.what, self.result = what, result

    def __init__(self) -> None:
        super().__init__()
        self.tabs: list[QueueTab] = []
        self.tab: QueueTab | None = None
        self.filters = QueueFilters()
        self.center: str | None = None  # the center shown (None: every center); set on compose
        self.search_text = ""
        self._live_search: Timer | None = None  # the pending search while typing (debounced)
        self.sort = "received"
        self.page_keys: list[QueueKey | None] = [None]  # key before each page; [-1] is the current page's
        self.next_key: QueueKey | None = None
        self.total: int | None = None
        self.marked: dict[int, Ticket] = {}
        self.searching = False
        self.loading = False
        self.bulk_running = False
        self._token = 0  # bumps with every page asked for: older answers are dropped
        self._count_token = 0  # bumps whenever the counts' question (filters, search) changes
        self._counts_due = False
        self.counts: QueueCounts | None = None  # the last counts, for the tab labels and totals
        self._ends: tuple[bool, bool] | None = None
        self._loaded_signature: tuple[int, int] | None = None
        self._calendar_due = False
        self._slow_timer: Timer | None = None
        self.builtin_tabs: list[QueueTab] = []
        self._saved: dict[str, SavedFilter] = {}  # saved-filter tab id → what was saved
        self._saved_applied = False  # the filters and search on show came from a saved tab

    # -- shortcuts ------------------------------------------------------------------

    @property
    def is_liaison(self) -> bool:
        return self.user.role is Role.DEPARTMENT

    @property
    def table(self) -> TicketTable:
        return self.query_one("#queue-table", TicketTable)

    @property
    def page_number(self) -> int:
        return len(self.page_keys)

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.builtin_tabs = tabs_for(self.user.role)
        self.tabs = [*self.builtin_tabs, *self._saved_tabs()]
        self.tab = self.tabs[0]
        self.sort = self.tab.sort
        yield ConsoleHeader(id="header")
        yield Tabs(*[Tab(t.label, id=t.id) for t in self.tabs], id="queue-tabs")
        with Horizontal(id="queue-filter-bar"):
            if not self.is_liaison:
                # a clerk's, supervisor's or admin's queue opens on their own center;
                # 市营商办 / 市纪委监委 oversee every center's tickets
                self.center = None if self.user.role in _READ_ONLY_ROLES else self.user.center
                yield Select(center_choices(self.store, self.center), prompt="全部中心",
                             value=self.center if self.center is not None else Select.NULL,
                             compact=True, id="queue-center")
            yield Static("", id="queue-filters", markup=False)
        yield Input(placeholder="搜索：工单编号 / 外部编号 / 企业名称 / 信用代码 / 电话 / 内容，边输边筛，Esc 清除",
                    id="queue-search")
        yield TicketTable(id="queue-table")
        if any(t.pending for t in self.tabs):
            yield ApprovalsPanel(id="queue-approvals")  # the 待审批 tab (shown in place of the table)
        with Horizontal(id="queue-preview-bar"):
            yield WarningBadge(id="queue-badge")
            yield Static("", id="queue-preview", markup=False)
        # the bulk actions' progress bar is mounted by the first bulk action
        yield Static("", id="queue-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.table.set_layout(self.app.size.width)
        # the header's calendar mark is read after the first page is shown
        self._calendar_due = True
        if not self._show_first_page_now():
            self.reload(counts=True)
        self.set_focus(self.table)  # now, not after the first paint (focus() waits a turn: every cell rendered twice)
        self.set_interval(POLL_SECONDS, self._poll, name="queue-poll")

    def _show_first_page_now(self) -> bool:
        """At start-up, read the first tab's first page here, before the
        screen is first painted, so the console opens on its rows: an empty
        queue painted and then repainted with the page a worker read costs
        more than the read itself (a keyset page on an index: a millisecond
        at 1,000,000 tickets; issue 11).  Only a builtin tab with no search
        qualifies (it follows an index); anything else, or a failing read,
        goes to the worker as every later page does (False)."""
        tab = self.tab
        if tab is None or tab.pending or tab.saved or self.search_text:
            return False
        self._loaded_signature = self._data_signature()
        self.page_keys = [None]
        try:
            tickets, key = self.store.queue.page(self.user, self.current_filter(), sort=self.sort, limit=PAGE_SIZE)
        except Exception:  # noqa: BLE001 - the worker reads it again and reports what went wrong
            return False
        self._count_token += 1
        self._counts_due = True
        self.total = None
        # the header's calendar mark too (the calendar is built for the warning levels anyway, and
        # the open-ticket index answers in a millisecond): the header is laid out once, not twice
        self._calendar_due = False
        self._page_ready(tickets, key)
        self.refresh_calendar_status()
        self._update_filter_bar()
        return True

    def on_resize(self) -> None:
        if self.table.set_layout(self.app.size.width):
            self._show_page(self.table.tickets)
        for panel in self.query(ApprovalsPanel):
            panel.set_layout(self.app.size.width)

    def _data_signature(self) -> tuple[int, int]:
        """Changes when anyone commits: another connection (``PRAGMA
        data_version``) or this console's own (``total_changes``)."""
        return self.store.data_version(), self.store.conn.total_changes

    def on_screen_resume(self) -> None:
        # back from a ticket, the intake form or a dialog: reload only if
        # something was written meanwhile (a search may cost a second)
        if self.is_mounted and self.tab is not None and self._data_signature() != self._loaded_signature:
            self.reload(counts=True, keep_page=True)

    def _poll(self) -> None:
        """Another console's changes show up within :data:`POLL_SECONDS`."""
        if self.app.screen is self and not (self.loading or self.bulk_running) \
                and self._data_signature() != self._loaded_signature:
            self.reload(counts=True, keep_page=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A liaison takes nothing in and acts in bulk on nothing: hide those keys."""
        if action in ("intake", "bulk_dispatch", "bulk_close", "toggle_mark", "choose_center") and self.is_liaison:
            return False
        if action in ("intake", "bulk_dispatch", "bulk_close", "toggle_mark") and self.user.role in _READ_ONLY_ROLES:
            return False  # 市营商办 / 市纪委监委 take nothing in and act on no ticket
        if self.tab is not None and self.tab.pending and action in _NOT_ON_PENDING:
            return False  # the 待审批 list is one list of requests: its own keys (y, b) have the footer
        if action == "remove_filter" and (self.tab is None or not self.tab.saved):
            return False
        if action == "save_filter" and (self.tab is None or self.tab.pending):
            return False
        if action == "next_page" and self.next_key is None:
            return None  # shown greyed: there is no next page
        if action == "previous_page" and self.page_number <= 1:
            return None
        return True

    # -- what is asked ----------------------------------------------------------------
    def current_filter(self) -> TicketFilter:
        """The store filter for the current tab, filters and search."""
        from ..store import TicketFilter

        assert self.tab is not None
        f = self.filters
        return TicketFilter(
            statuses=list(self.tab.statuses) if self.tab.statuses else None,
            level=self.tab.level,
            department_id=None if self.is_liaison else f.department_id,
            appeal_type=f.appeal_type,
            source=f.source,
            received_from=f.received_from,
            received_to=f.received_to,
            search=self.search_text or None,
            center=self.center,
            supporting=self.tab.supporting,
        )

    def reload(self, *, counts: bool = True, keep_page: bool = False) -> None:
        """Read the current page again (from the first page unless ``keep_page``)
        and, with ``counts``, recount the tabs in the background."""
        self._loaded_signature = self._data_signature()
        if not keep_page:
            self.page_keys = [None]
        if counts:
            # counted after the page is painted: the first rows come first
            self._count_token += 1
            self._counts_due = True
            self.total = None
        if self.tab is not None and self.tab.pending:
            self._load_approvals()
        else:
            self._load_page(self.page_keys[-1])
        self._update_filter_bar()

    def _load_page(self, after: QueueKey | None) -> None:
        # Even an indexed page goes to a worker: most pages take a millisecond,
        # but some combinations of tab, filters and sort have no index to
        # follow at 1,000,000 tickets, and a substring search may scan every
        # content.  The thread hop costs a few milliseconds; a frozen screen
        # would cost a second.
        f = self.current_filter()
        self._token += 1
        self.loading = True
        self.searching = bool(f.search)
        if self.searching:
            self._update_status()
        else:
            # say "载入中…" only if the page takes long enough to notice
            if self._slow_timer is not None:
                self._slow_timer.stop()
            self._slow_timer = self.set_timer(0.15, self._update_status)
        self._fetch_page(self._token, f, self.sort, after)

    def _page_ready(self, tickets: list[Ticket], next_key: QueueKey | None,
                    levels: dict[int, WarningLevel] | None = None) -> None:
        self.searching = False
        self.loading = False
        if self._slow_timer is not None:  # the page came in time: no "载入中…" (and no repaint for it)
            self._slow_timer.stop()
            self._slow_timer = None
        self.next_key = next_key
        if not tickets and len(self.page_keys) > 1:
            # the page emptied under us (tickets moved on): step back one
            self.page_keys.pop()
            self._load_page(self.page_keys[-1])
            return
        with self.app.batch_update():  # one repaint for table, preview and status
            self._show_page(tickets, levels)
        if self._counts_due:
            self._counts_due = False
            self.call_after_refresh(self._count, self._count_token, self.current_filter(), self.tab)
        if self._calendar_due:
            self._calendar_due = False
            self.call_after_refresh(self.refresh_calendar_status)
        # the footer greys PageDown/PageUp at the ends; recomposing it costs
        # more than the page itself, so only when that actually changes
        ends = (self.next_key is None, self.page_number <= 1)
        if ends != self._ends:
            self._ends = ends
            self.refresh_bindings()

    def _show_page(self, tickets: list[Ticket], levels: dict[int, WarningLevel] | None = None) -> None:
        clock = self.clock
        now = clock.now()
        if levels is None:
            levels = ticket_levels(tickets, now, self.store.calendar())
        self.table.show(tickets, levels, now.date(), self.marked.keys())
        self._update_preview()
        self._update_status()

    # -- workers ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="queue-page", exit_on_error=False)
    def _fetch_page(self, token: int, f: TicketFilter, sort: str, after: QueueKey | None) -> None:
        with self.console_app.readers.reader() as store:
            tickets, key = store.queue.page(self.user, f, sort=sort, after=after, limit=PAGE_SIZE)
            # the warning levels too: the calendar is the worker's (built once per connection)
            levels = ticket_levels(tickets, self.clock.now(), store.calendar())
        self.post_message(self.PageLoaded(token, tickets, key, levels))

    @work(thread=True, exclusive=True, group="queue-counts", exit_on_error=False)
    def _count(self, token: int, f: TicketFilter, tab: QueueTab) -> None:
        with self.console_app.readers.reader() as store:
            counts = store.queue.counts(self.user, f)
            total = store.queue.count(self.user, f) if f.search else tab_count(counts, tab)
            saved = {t.id: store.queue.count(self.user, self._saved_filter(t)) for t in self.tabs if t.saved}
        message = self.CountsLoaded(token, counts, total)
        message.saved = saved
        self.post_message(message)

    # -- the 待审批 tab (screens/approvals.py) ---------------------------------------------
    def _load_approvals(self) -> None:
        self._token += 1
        self.loading = True
        self._fetch_approvals(self._token, self.current_filter())

    @work(thread=True, exclusive=True, group="queue-page", exit_on_error=False)
    def _fetch_approvals(self, token: int, f: TicketFilter) -> None:
        with self.console_app.readers.reader() as store:
            requests = store.oversight.pending_requests(self.user, f)
        self.post_message(self.ApprovalsLoaded(token, requests))

    @on(ApprovalsLoaded)
    def _on_approvals_loaded(self, message: ApprovalsLoaded) -> None:
        if message.token != self._token:
            return
        self.loading = False
        panel = self.query_one(ApprovalsPanel)
        panel.show(message.requests)
        if self.app.screen is self and not self.query_one("#queue-search", Input).has_focus:
            panel.table.focus()  # back from a decision's dialog: on the list again
        self._update_status()
        if self._counts_due:
            self._counts_due = False
            self.call_after_refresh(self._count, self._count_token, self.current_filter(), self.tab)

    @on(ApprovalsPanel.Decided)
    @on(ApprovalsPanel.Outdated)
    def _on_decided(self) -> None:
        self.reload(counts=True)

    def _show_approvals(self, shown: bool) -> None:
        """The 待审批 tab shows the requests in place of the ticket table."""
        panels = self.query(ApprovalsPanel)
        if not panels:
            return
        panel = panels.first()
        panel.display = shown
        self.table.display = not shown
        self.query_one("#queue-preview-bar").display = not shown
        (panel.table if shown else self.table).focus()

    @on(PageLoaded)
    def _on_page_loaded(self, message: PageLoaded) -> None:
        if message.token == self._token:
            self._page_ready(message.tickets, message.next_key, message.levels)

    @on(CountsLoaded)
    def _on_counts_loaded(self, message: CountsLoaded) -> None:
        if message.token != self._count_token:
            return  # counts of filters no longer shown
        counts = self.counts = message.counts
        # the tab may have changed since the count started: derive its total
        # (a search's total is its own count, and a new search recounts)
        self.total = message.total if self.search_text else self._tab_total(self.tab)
        for t in self.tabs:
            n = message.saved.get(t.id, 0) if t.saved else tab_count(counts, t)
            self.query_one(f"#{t.id}", Tab).label = f"{t.label} {n:,}"
        self._update_status()

    def _tab_total(self, tab: QueueTab | None) -> int | None:
        """A tab's count from the last counts, when they answer it (no search)."""
        if self.counts is None or self.search_text or tab is None or tab.saved or self._saved_applied:
            return None
        return tab_count(self.counts, tab)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors of every worker of this screen are reported here, once."""
        if event.state is WorkerState.ERROR:
            self.searching = False
            self.loading = False
            self.bulk_running = False
            for bar in self.query("#queue-progress"):
                bar.remove_class("-running")
            error = event.worker.error
            self.notify(f"后台任务出错：{plain(error)}", title="出错", severity="error", markup=False, timeout=8)
            self._update_status()

    # -- status lines ---------------------------------------------------------------------
    def _update_filter_bar(self) -> None:
        parts = [f"筛选：{self.filters.describe(self.store)}", f"排序：{SORT_LABELS[self.sort]}"]
        if self.search_text:
            parts.insert(0, f"搜索“{plain(self.search_text)}”")
        self.query_one("#queue-filters", Static).update(literal("  │  ".join(parts)))

    def _update_status(self) -> None:
        status = self.query_one("#queue-status", Static)
        status.set_class(self.searching or self.loading or self.bulk_running, "-busy")
        rows = len(self.table.tickets)
        first = (self.page_number - 1) * PAGE_SIZE
        if self.tab is not None and self.tab.pending:
            n = len(self.query_one(ApprovalsPanel).requests)
            text = "读取中…" if self.loading else f"待审批 {n:,} 件 · y 批准 · b 驳回（须填理由）· Enter 打开工单"
        elif self.searching:
            text = "搜索中…"
        elif self.loading:
            text = f"第 {self.page_number} 页 · 载入中…"
        else:
            total = "计数中…" if self.total is None else f"共 {self.total:,} 件"
            span = f"第 {first + 1:,}–{first + rows:,} 件" if rows else "没有符合条件的工单"
            text = f"第 {self.page_number} 页 · {span} · {total}"
        if not self.is_liaison:
            text = f"{plain(self.center or '全部中心')} · {text}"
        if self.marked:
            text += f" · 已标记 {len(self.marked)} 件"
        if self.bulk_running:
            text += " · 批量处理中…"
        status.update(text)

    def _update_preview(self) -> None:
        t = self.table.current_ticket()
        preview = self.query_one("#queue-preview", Static)
        badge = self.query_one("#queue-badge", WarningBadge)
        if t is None:
            preview.update("")
            badge.level, badge.today = WarningLevel.NONE, False
            return
        level = self.table.level_of(t.id)
        badge.level = level
        badge.today = t.awaiting_reply and due_today(t.due_date, self.clock.today(), level)
        text = literal(f"{t.appeal_type.label}｜{t.title or t.content}")
        preview.update(text)

    def refresh_calendar_status(self) -> None:
        """The header's calendar mark (a small query; repeated after each reload)."""
        cal = self.store.calendar()
        today = self.clock.today()
        years = cal.provisional_years(today.year, today.year + 1)
        provisional = self.store.warnings.any_provisional_due()
        self.query_one(ConsoleHeader).set_calendar(provisional, years)

    @on(DataTable.RowHighlighted, "#queue-table")
    def _row_highlighted(self) -> None:
        self._update_preview()

    @on(DataTable.RowSelected, "#queue-table")
    def _row_selected(self) -> None:
        self.action_open_ticket()

    # -- tabs, paging, sort, filters, search ------------------------------------------------
    @on(Tabs.TabActivated, "#queue-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        chosen = next((t for t in self.tabs if t.id == event.tab.id), None)
        if chosen is None or chosen == self.tab:
            return
        self.tab = chosen
        self.sort = chosen.sort
        if chosen.saved:
            self._apply_saved(self._saved[chosen.id])
        elif self._saved_applied:
            # back on a built-in tab: the saved tab's filters and search stay with it
            self._saved_applied = False
            self.filters, self.search_text = QueueFilters(), ""
            self.query_one("#queue-search", Input).value = ""
        self._show_approvals(chosen.pending)
        self.refresh_bindings()
        total = self._tab_total(chosen)
        if total is None:
            self.reload(counts=True)
        else:
            # the tabs share one set of counts: switching needs no recount
            self.total = total
            self.reload(counts=False)

    # -- saved filters (SPEC §9: saved filters sit as tabs) ------------------------------
    def _saved_tabs(self) -> list[QueueTab]:
        """The user's saved filters as tabs, each over the built-in tab it was saved on."""
        out = []
        self._saved = {}
        for sf in self.store.saved_filters.list(self.user):
            base = next((t for t in self.builtin_tabs if t.id == sf.tab and not t.pending), self.builtin_tabs[0])
            tab = QueueTab(f"tab-saved-{sf.id}", f"★{sf.name}", base.statuses, base.level, base.sort,
                           base.supporting, False, sf.id)
            self._saved[tab.id] = sf
            out.append(tab)
        return out

    def _saved_filter(self, tab: QueueTab) -> TicketFilter:
        """The store filter a saved tab stands for (for its count)."""
        from ..store import TicketFilter

        sf = self._saved[tab.id]
        f = filters_from(sf.filters)
        return TicketFilter(
            statuses=list(tab.statuses) if tab.statuses else None, level=tab.level,
            department_id=None if self.is_liaison else f.department_id, appeal_type=f.appeal_type,
            source=f.source, received_from=f.received_from, received_to=f.received_to,
            search=sf.search or None, center=self.center, supporting=tab.supporting)

    def _apply_saved(self, sf: SavedFilter) -> None:
        self._saved_applied = True
        self.filters = filters_from(sf.filters)
        self.search_text = sf.search
        self.query_one("#queue-search", Input).value = sf.search

    def action_save_filter(self) -> None:
        """Save the filter bar and the search under a name: a tab of one's own."""
        from ..errors import StoreError
        from .dialogs import FormDialog, ReasonDialog

        base = self.tab if self.tab is not None and not self.tab.saved else None
        base_id = base.id if base is not None else (self._saved[self.tab.id].tab if self.tab is not None else "")

        def save(dialog: FormDialog[str], name: str) -> None:
            try:
                sf = self.store.saved_filters.save(self.user, name, base_id, filters_values(self.filters),
                                                   self.search_text)
            except StoreError as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(name)
            self.call_later(self._rebuild_tabs, f"tab-saved-{sf.id}")
            self.notify(f"已保存筛选“{sf.name}”", markup=False)

        what = f"{self.filters.describe(self.store)}" + (f" · 搜索“{self.search_text}”" if self.search_text else "")
        self.app.push_screen(ReasonDialog(f"保存筛选（{plain(what)}）", "例如：本周人社", label="筛选名称",
                                          on_submit=save))

    def action_remove_filter(self) -> None:
        """Remove the saved filter whose tab is on show (asks first)."""
        from .dialogs import ConfirmDialog

        tab = self.tab
        if tab is None or not tab.saved:
            return
        sf = self._saved[tab.id]

        def answered(yes: bool | None) -> None:
            if yes:
                self.store.saved_filters.remove(self.user, sf.id)
                self.call_later(self._rebuild_tabs, self.builtin_tabs[0].id)
                self.notify(f"已删除筛选“{sf.name}”", markup=False)

        self.app.push_screen(ConfirmDialog(f"删除筛选“{sf.name}”？", "只删除这个标签，不影响任何工单。", "删除"), answered)

    async def _rebuild_tabs(self, active: str) -> None:
        """The saved tabs again from the store; the removals are awaited, so
        a tab saved again (or another one) never meets its old widget."""
        tabs = self.query_one("#queue-tabs", Tabs)
        for t in self.tabs:
            if t.saved:
                await tabs.remove_tab(t.id)
        self.tabs = [*self.builtin_tabs, *self._saved_tabs()]
        for t in self.tabs:
            if t.saved:
                await tabs.add_tab(Tab(t.label, id=t.id))
        self.call_after_refresh(self.select_tab, active)
        self.call_after_refresh(self.reload, counts=True)
        # at 80 columns the built-in tabs fill the row: bring the new tab into view
        self.set_timer(0.2, lambda: self._scroll_tab_into_view(active))

    def _scroll_tab_into_view(self, tab_id: str) -> None:
        for tab in self.query(f"#queue-tabs #{tab_id}"):
            tab.scroll_visible(animate=False)

    def action_next_tab(self) -> None:
        """Go to the next saved filter."""
        self.query_one("#queue-tabs", Tabs).action_next_tab()

    def action_previous_tab(self) -> None:
        """Go to the previous saved filter."""
        self.query_one("#queue-tabs", Tabs).action_previous_tab()

    def select_tab(self, tab_id: str) -> None:
        """Activate a tab by id (``tab-new``, ``tab-red`` …)."""
        self.query_one("#queue-tabs", Tabs).active = tab_id

    def action_next_page(self) -> None:
        """The next page (keyset: after the last row shown)."""
        if self.next_key is None or self.loading:
            return
        self.page_keys.append(self.next_key)
        self._load_page(self.next_key)

    def action_previous_page(self) -> None:
        """The page before (its key is on the stack)."""
        if self.page_number <= 1 or self.loading:
            return
        self.page_keys.pop()
        self._load_page(self.page_keys[-1])

    def action_cycle_sort(self) -> None:
        """Sort by received time, due date or warning, in turn."""
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]
        self.reload(counts=False)
        self.notify(f"排序：{SORT_LABELS[self.sort]}" + ("（无办理期限的排在最后）" if self.sort != "received" else ""),
                    markup=False, timeout=3)

    def action_filters(self) -> None:
        """Narrow by department, appeal type, source and date range."""
        depts = None if self.is_liaison else [(d.short_name, stored_id(d)) for d in self.store.departments()]

        def done(result: QueueFilters | None) -> None:
            if result is not None:
                self.filters = result
                self.reload(counts=True)

        self.app.push_screen(FilterDialog(self.filters, depts), done)

    def show_department(self, department_id: int) -> None:
        """Narrow the queue to one department's tickets (the palette's 单位 entries)."""
        if self.is_liaison:
            return
        self.filters = QueueFilters(department_id=department_id)
        self.reload(counts=True)
        self.table.focus()

    def action_choose_center(self) -> None:
        """Pick the center whose tickets are shown (全部中心: every center)."""
        select = self.query_one("#queue-center", Select)
        select.focus()
        select.action_show_overlay()

    def show_center(self, center: str | None) -> None:
        """Show one center's tickets (its full name), or every center's (None)."""
        self.query_one("#queue-center", Select).value = center if center is not None else Select.NULL

    @on(Select.Changed, "#queue-center")
    def _center_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        if value != self.center:
            self.center = value
            self.reload(counts=True)
        self.table.focus()

    def action_search(self) -> None:
        """Open the search line."""
        box = self.query_one("#queue-search", Input)
        box.add_class("-open")
        box.focus()

    def apply_search(self, text: str) -> None:
        """Search for ``text`` (empty: no search) within the current tab and filters."""
        self.search_text = text.strip()
        self.reload(counts=True)

    @on(Input.Changed, "#queue-search")
    def _search_typed(self, event: Input.Changed) -> None:
        """Filter as you type: the search runs once typing pauses for
        :data:`SEARCH_DEBOUNCE` seconds (each keystroke restarts the wait), on
        the same path as Enter; focus stays in the search line."""
        self._cancel_live_search()
        if event.value.strip() != self.search_text:
            self._live_search = self.set_timer(SEARCH_DEBOUNCE, self._run_live_search, name="queue-live-search")

    def _run_live_search(self) -> None:
        self._live_search = None
        text = self.query_one("#queue-search", Input).value
        if text.strip() != self.search_text:
            self.apply_search(text)

    def _cancel_live_search(self) -> None:
        if self._live_search is not None:
            self._live_search.stop()
            self._live_search = None

    @on(Input.Submitted, "#queue-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._cancel_live_search()
        self.apply_search(event.value)
        if not event.value.strip():
            event.input.remove_class("-open")
        self.table.focus()

    def action_clear_search(self) -> None:
        """Esc: clear the search and close the search line."""
        box = self.query_one("#queue-search", Input)
        if box.has_focus or box.has_class("-open"):
            box.value = ""
            self._cancel_live_search()
            box.remove_class("-open")
            self.table.focus()
            if self.search_text:
                self.apply_search("")

    def action_reload(self) -> None:
        """Read the page and the counts again."""
        self.refresh_calendar_status()
        self.reload(counts=True, keep_page=True)

    # -- tickets -----------------------------------------------------------------------
    def action_open_ticket(self) -> None:
        """Open the ticket under the cursor."""
        t = self.table.current_ticket()
        if t is not None:
            self.console_app.open_ticket(t.id)

    def action_intake(self) -> None:
        """Take a new appeal in (the intake form); the queue refreshes after."""
        from .intake import IntakeScreen

        def done(ticket_id: int | None) -> None:
            if ticket_id:
                self.table.follow = ticket_id  # the cursor on the appeal just taken
                self.reload(counts=True)
                self._offer_dispatch(ticket_id)

        self.app.push_screen(IntakeScreen(), done)

    def _offer_dispatch(self, ticket_id: int) -> None:
        """After an intake: 立即派发？ — yes opens the dispatch dialog (with its
        due-date preview); no leaves the cursor on the new ticket (issue 16).
        Only for a ticket that can be dispatched now (not merged, not answered
        directly) by someone who may dispatch it."""
        from ..errors import StoreError
        from .dialogs import ConfirmDialog, DispatchDialog, FormDialog

        t = self.store.tickets.get(self.user, ticket_id)
        if t.merged_into or not rules.allowed(rules.Action.DISPATCH, self.user.role, t.status):
            return

        def dispatch(dialog: FormDialog[int], department_id: int) -> None:
            try:
                done = self.store.tickets.dispatch(self.user, t.id, department_id, version=t.version)
            except StoreError as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(department_id)
            self.notify(f"已派发 {done.number} 至 {done.department_name or ''}", markup=False)
            self.table.follow = t.id
            self.reload(counts=True)

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(DispatchDialog(t.appeal_type.value, title=f"派发 {t.number}", on_submit=dispatch))

        self.app.push_screen(ConfirmDialog(f"立即派发 {t.number}？", f"{t.appeal_type.label} · {t.enterprise_name}\n"
                                           "派发：选择承办单位；取消：留在新工单上，稍后再派", "派发"), answered)

    def action_toggle_mark(self) -> None:
        """Tag or untag the ticket under the cursor (for a bulk action)."""
        t = self.table.current_ticket()
        if t is None:
            return
        if t.id in self.marked:
            del self.marked[t.id]
        else:
            self.marked[t.id] = t
        self.table.set_mark(t.id, t.id in self.marked)
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)
        self._update_status()

    def _marked_or_warn(self) -> list[Ticket] | None:
        if self.bulk_running:
            self.notify("上一个批量操作尚未完成", severity="warning", markup=False)
            return None
        if not self.marked:
            self.notify("请先用空格键标记工单", severity="warning", markup=False)
            return None
        return list(self.marked.values())

    def action_bulk_dispatch(self) -> None:
        """Dispatch every tagged ticket to one department (each its own history)."""
        tickets = self._marked_or_warn()
        if tickets is None:
            return
        from .dialogs import DispatchDialog

        types = {t.appeal_type.value for t in tickets}
        appeal_type = types.pop() if len(types) == 1 else None

        def chosen(department_id: int | None) -> None:
            if department_id is not None:
                self._confirm_bulk_dispatch(tickets, department_id)

        self.app.push_screen(DispatchDialog(appeal_type), chosen)

    def _confirm_bulk_dispatch(self, tickets: list[Ticket], department_id: int) -> None:
        """Before a bulk dispatch, each ticket's due date as it would be set (issue 16)."""
        from ..clock import weekday_cn
        from .dialogs import ConfirmDialog

        dept = next((d.short_name for d in self.store.departments() if d.id == department_id), "")
        dues = {kind: self.store.tickets.preview_due(kind) for kind in {t.appeal_type.value for t in tickets}}
        lines = []
        for t in tickets[:8]:
            limit, due, provisional = dues[t.appeal_type.value]
            lines.append(f"{plain(t.number)}  {t.appeal_type.label} · {limit} 个工作日 · 截止 {due.isoformat()} "
                         f"{weekday_cn(due)}{' 暂定' if provisional else ''}")
        if len(tickets) > 8:
            lines.append(f"…… 等共 {len(tickets)} 件")

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._start_bulk("dispatch", [t.id for t in tickets], department_id)

        self.app.push_screen(ConfirmDialog(f"批量派发 {len(tickets)} 件至 {plain(dept)}", "\n".join(lines), "派发"),
                             confirmed)

    def action_bulk_close(self) -> None:
        """Close every tagged ticket as a duplicate appeal (asks first)."""
        tickets = self._marked_or_warn()
        if tickets is None:
            return
        from .dialogs import ConfirmDialog

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._start_bulk("close", [t.id for t in tickets], None)

        numbers = "、".join(plain(t.number) for t in tickets[:5]) + (" 等" if len(tickets) > 5 else "")
        self.app.push_screen(
            ConfirmDialog("作为重复诉求办结", f"将 {len(tickets)} 件工单（{numbers}）作为重复诉求办结，每件记入历史。", "办结"),
            confirmed,
        )

    def _start_bulk(self, what: str, ids: list[int], department_id: int | None) -> None:
        self.bulk_running = True
        bar = self._progress_bar()
        bar.update(total=len(ids), progress=0)
        bar.add_class("-running")
        self._update_status()
        self._bulk(what, ids, department_id)

    def _progress_bar(self) -> ProgressBar:
        """The bulk actions' progress bar, mounted above the status line the first time."""
        found = self.query("#queue-progress").results(ProgressBar)
        bar = next(iter(found), None)
        if bar is None:
            bar = ProgressBar(id="queue-progress", show_eta=False)
            self.mount(bar, before="#queue-status")
        return bar

    @work(thread=True, exclusive=True, group="queue-bulk", exit_on_error=False)
    def _bulk(self, what: str, ids: list[int], department_id: int | None) -> None:
        store = self._worker_store()

        def progress(done: int, total: int) -> None:
            self.post_message(self.BulkProgress(done, total))

        try:
            if what == "dispatch":
                assert department_id is not None  # a bulk dispatch is started with its department
                result = store.tickets.bulk_dispatch(self.user, ids, department_id, progress)
            else:
                result = store.tickets.bulk_close_duplicates(self.user, ids, progress=progress)
        finally:
            store.disconnect()
        self.post_message(self.BulkFinished(what, result))

    @on(BulkProgress)
    def _on_bulk_progress(self, message: BulkProgress) -> None:
        self._progress_bar().update(total=message.total, progress=message.done)

    @on(BulkFinished)
    def _on_bulk_finished(self, message: BulkFinished) -> None:
        self.bulk_running = False
        self._progress_bar().remove_class("-running")
        result = message.result
        done_numbers = set(result.done)
        failed_ids = {str(ref) for ref, _ in result.failed}
        for tid, t in list(self.marked.items()):
            if t.number in done_numbers or str(tid) not in failed_ids:
                del self.marked[tid]
        what = "批量派发" if message.what == "dispatch" else "重复诉求办结"
        text = f"{what}：成功 {len(result.done)} 件，失败 {len(result.failed)} 件"
        if result.failed:
            numbers = {t.id: t.number for t in self.table.tickets}
            details = "；".join(f"{numbers.get(int(r), r) if str(r).isdigit() else r}：{why}" for r, why in result.failed[:3])
            text += f"（{plain(details)}）"
        self.notify(text, title=what, severity="warning" if result.failed else "information", markup=False, timeout=8)
        self.reload(counts=True, keep_page=True)
