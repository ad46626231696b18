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

The screen is put together from one module per part: the pages, counts and
status lines (:mod:`.queue_pages`), the tabs and saved filters
(:mod:`.queue_tabs`), the search, filters, center and sort
(:mod:`.queue_search`) and the bulk actions (:mod:`.queue_bulk`); this
module holds the layout, the keys and opening or taking in a ticket.
"""

from __future__ import annotations

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from .. import rules
from ..models import Role
from ..widgets.header import ConsoleHeader
from ..widgets.ticket_table import TicketTable
from ..widgets.queue_bars import QueueFilterBar, QueuePreviewBar
from ..widgets.key_bar import KeyBar
from ..widgets.tab_strip import TabStrip
from .approvals import ApprovalsPanel
from .queue_bulk import QueueBulk
from .queue_filters import center_label, tabs_for
from .queue_pages import PAGE_SIZE, SORT_LABELS, QueueKey, ticket_levels
from .queue_search import SEARCH_DEBOUNCE, SORT_ORDER, QueueSearch
from .queue_tabs import QueueTabs

__all__ = ["PAGE_SIZE", "POLL_SECONDS", "SEARCH_DEBOUNCE", "SORT_LABELS", "SORT_ORDER", "QueueKey", "QueueScreen",
           "show_pending", "ticket_levels"]

#: roles that read the queue but take nothing in (the store refuses them every workflow action)
_READ_ONLY_ROLES = (Role.BUSINESS_OFFICE, Role.DISCIPLINE)

#: keys of the ticket pages that mean nothing on the 待审批 tab
_NOT_ON_PENDING = ("next_page", "previous_page", "toggle_mark", "bulk_dispatch", "bulk_close", "cycle_sort", "search",
                   "open_ticket", "intake")
POLL_SECONDS = 10.0  # how often the queue checks whether anyone changed anything


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


class QueueScreen(QueueTabs, QueueSearch, QueueBulk):
    """Tabs of saved filters over one page of tickets: the layout and the keys
    (the pages, tabs, search and bulk actions are its bases, one module each)."""


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

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.builtin_tabs = tabs_for(self.user.role)
        self.tabs = [*self.builtin_tabs, *self._saved_tabs()]
        self.tab = self.tabs[0]
        self.sort = self.tab.sort
        yield ConsoleHeader(id="header")
        yield TabStrip([(t.id, t.label) for t in self.tabs], id="queue-tabs")
        center: str | None = None  # a liaison's queue has no center part
        if not self.is_liaison:
            # a clerk's, supervisor's or admin's queue opens on their own center;
            # 市营商办 / 市纪委监委 oversee every center's tickets
            self.center = None if self.user.role in _READ_ONLY_ROLES else self.user.center
            center = center_label(self.center, key=True)
        yield QueueFilterBar(center, id="queue-filter-bar")
        # the search line is mounted by the first / (QueueSearch.action_search)
        yield TicketTable(id="queue-table")
        if any(t.pending for t in self.tabs):
            yield ApprovalsPanel(id="queue-approvals")  # the 待审批 tab (shown in place of the table)
        yield QueuePreviewBar(id="queue-preview-bar")
        # the bulk actions' progress bar is mounted by the first bulk action
        yield Static("", id="queue-status", markup=False)
        yield KeyBar()

    @on(QueueFilterBar.CenterClicked)
    def _center_clicked(self) -> None:
        """A click on the center shown opens the center list (as ``c`` does)."""
        self.action_choose_center()

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

    async def on_key(self, event: events.Key) -> None:
        """Type-ahead into the search line.  Textual hands each key to the
        widget focused when the key is read, so the keys of a burst typed
        right after / (a fast typist over SSH) went to the table, ahead of
        the search line taking the focus, and were lost — or n/p turned the
        page.  Here / opens the line as soon as it reaches the screen, and a
        character that still arrives by way of the table goes into the line."""
        box = self.search_box()
        if event.key == "slash" and (box is None or not box.has_focus) and self.check_action("search", ()):
            event.stop()
            event.prevent_default()
            await self.action_search()
        elif box is not None and box.has_focus and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)

    def on_resize(self) -> None:
        if self.table.set_layout(self.app.size.width):
            self._show_page(self.table.tickets)
        for panel in self.query(ApprovalsPanel):
            panel.set_layout(self.app.size.width)

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

    # -- tickets -------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#queue-table")
    def _row_selected(self) -> None:
        self.action_open_ticket()

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
