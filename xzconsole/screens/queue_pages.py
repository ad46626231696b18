"""The queue's pages: what is asked, the page read in a worker, the counts
behind the tabs, and the status lines (SPEC §9).

:class:`QueuePages` holds the queue's state and everything a page change
touches; the tabs (:mod:`.queue_tabs`), the search and filter bar
(:mod:`.queue_search`) and the bulk actions (:mod:`.queue_bulk`) build on
it, and :class:`~xzconsole.screens.queue.QueueScreen` puts them together
with the layout and the keys.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Sequence

from textual import on, work
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from .base import AppAccess, StyledAtMount
from .. import rules
from ..models import Role, Ticket
from ..rules import WarningLevel
from ..textsafe import plain
from ..widgets.header import ConsoleHeader
from ..widgets.tab_strip import TabStrip
from ..widgets.ticket_table import TicketTable
from ..widgets.queue_bars import QueueFilterBar, QueuePreviewBar
from ..widgets.warning_badge import due_today
from .approvals import ApprovalsPanel
from .queue_filters import QueueFilters, QueueTab, filters_from, tab_count

if TYPE_CHECKING:  # types only: the store is imported by the first worker, not at start-up
    from ..areas.oversight import PendingRequest
    from ..areas.queue import QueueCounts
    from ..areas.saved_filters import SavedFilter
    from ..store import TicketFilter
    from ..workdays import WorkCalendar

#: where a page ends: the last row's sort value and id, as ``store.queue.page`` gives it (``after=``)
QueueKey = tuple[Any, int]

PAGE_SIZE = 50

SORT_LABELS = {"received": "受理时间（新→旧）", "due": "办理期限（早→晚）", "warning": "预警（最严重优先）"}


def ticket_levels(tickets: Sequence[Ticket], now: dt.datetime, calendar: WorkCalendar) -> dict[int, WarningLevel]:
    """Each ticket's warning level now (only tickets awaiting a reply have one)."""
    return {t.id: rules.warning_level(t.due_date, now, calendar) if t.awaiting_reply else WarningLevel.NONE
            for t in tickets}


class QueuePages(AppAccess, StyledAtMount, Screen[None]):
    """The queue's state, its pages and counts (read in workers) and its status lines."""

    def _screen_resized(self, size: Size) -> None:
        """Textual reflows the whole screen on every Resize, even one to the
        size it is laid out at — as the terminal driver's first Resize is,
        arriving after the first frame: one more layout and repaint of the
        queue before the console is idle (≈4 ms of the launch, issue 11).
        A real change of size goes on to Textual as before."""
        if size == self._size and size == self._compositor.size:
            return
        super()._screen_resized(size)

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

    def __init__(self) -> None:
        super().__init__()
        self.tabs: list[QueueTab] = []
        self.tab: QueueTab | None = None
        self.filters = QueueFilters()
        self.center: str | None = None  # the center shown (None: every center); set on compose
        self.search_text = ""
        self.sort = "received"
        self.page_keys: list[QueueKey | None] = [None]  # key before each page; [-1] is the current page's
        self.next_key: QueueKey | None = None
        self.total: int | None = None
        self.marked: dict[int, Ticket] = {}
        self.searching = False
        self._set_loading(False)
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
        self._search_line_text = ""  # what the search line holds while it is not mounted yet

    # -- shortcuts -----------------------------------------------------------------------

    @property
    def is_liaison(self) -> bool:
        return self.user.role is Role.DEPARTMENT

    @property
    def table(self) -> TicketTable:
        return self.query_one("#queue-table", TicketTable)

    @property
    def page_number(self) -> int:
        return len(self.page_keys)

    def search_box(self) -> Input | None:
        """The search line, once the first / has mounted it (else None)."""
        return next(self.query("#queue-search").results(Input), None)

    def set_search_line(self, text: str) -> None:
        """What the search line holds (shown when it is opened)."""
        box = self.search_box()
        if box is None:
            self._search_line_text = text
        else:
            box.value = text

    def _set_loading(self, loading: bool) -> None:
        """``self.loading``: a page (or the 待审批 list) is being read.

        It is Textual's ``Widget.loading``, a reactive that repaints the
        whole screen whenever it changes — twice per page change, every
        widget of the screen, for nothing on show (this console draws no
        spinner: :meth:`~.base.AppAccess.set_loading`).  So it is set
        without the watchers and the repaint."""
        self.set_reactive(Screen.loading, loading)

    def _data_signature(self) -> tuple[int, int]:
        """Changes when anyone commits: another connection (``PRAGMA
        data_version``) or this console's own (``total_changes``)."""
        return self.store.data_version(), self.store.conn.total_changes

    # -- what is asked -------------------------------------------------------------------
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
        self._set_loading(True)
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
        self._set_loading(False)
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

    # -- paging --------------------------------------------------------------------------
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

    def action_reload(self) -> None:
        """Read the page and the counts again."""
        self.refresh_calendar_status()
        self.reload(counts=True, keep_page=True)

    # -- workers -------------------------------------------------------------------------

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

    # -- the 待审批 tab (screens/approvals.py) ----------------------------------------------
    def _load_approvals(self) -> None:
        self._token += 1
        self._set_loading(True)
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
        self._set_loading(False)
        panel = self.query_one(ApprovalsPanel)
        panel.show(message.requests)
        box = self.search_box()
        if self.app.screen is self and not (box is not None and box.has_focus):
            panel.table.focus()  # back from a decision's dialog: on the list again
        self._update_status()
        if self._counts_due:
            self._counts_due = False
            self.call_after_refresh(self._count, self._count_token, self.current_filter(), self.tab)

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
        strip = self.query_one("#queue-tabs", TabStrip)
        for t in self.tabs:
            n = message.saved.get(t.id, 0) if t.saved else tab_count(counts, t)
            strip.set_label(t.id, f"{t.label} {n:,}")
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
            self._set_loading(False)
            self.bulk_running = False
            for bar in self.query("#queue-progress"):
                bar.remove_class("-running")
            error = event.worker.error
            self.notify(f"后台任务出错：{plain(error)}", title="出错", severity="error", markup=False, timeout=8)
            self._update_status()

    # -- status lines --------------------------------------------------------------------
    def _update_filter_bar(self) -> None:
        parts = [f"筛选：{self.filters.describe(self.store)}", f"排序：{SORT_LABELS[self.sort]}"]
        if self.search_text:
            parts.insert(0, f"搜索“{plain(self.search_text)}”")
        self.query_one("#queue-filter-bar", QueueFilterBar).set_filters("  │  ".join(parts))

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
        # one row, the screen's width (app.tcss): a new text never moves another widget, so no relayout
        # of the whole screen (a page change paid one for the status line and one for the preview)
        status.update(text, layout=False)

    def _update_preview(self) -> None:
        # one row, the screen's width: a new text or badge repaints the bar, never lays out the screen
        bar = self.query_one("#queue-preview-bar", QueuePreviewBar)
        t = self.table.current_ticket()
        if t is None:
            bar.show(WarningLevel.NONE, False, "")
            return
        level = self.table.level_of(t.id)
        today = t.awaiting_reply and due_today(t.due_date, self.clock.today(), level)
        bar.show(level, today, f"{t.appeal_type.label}｜{t.title or t.content}")

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
