"""The queue's narrowing: the search line (filter as you type), the filter
dialog (``f``), the center (``c`` or a click on it: a list to choose from) and the sort (``s``) — each asks
for the first page again (:meth:`~.queue_pages.QueuePages.reload`)."""

from __future__ import annotations

from textual import on
from textual.timer import Timer
from textual.widgets import Input

from ..widgets.queue_bars import QueueFilterBar
from .base import stored_id
from .queue_filters import QueueFilters, center_choices, center_label
from .queue_pages import SORT_LABELS, QueuePages

#: seconds of no typing before the search line filters the queue (issue 16: filter as you type)
SEARCH_DEBOUNCE = 0.25

SORT_ORDER = ("received", "due", "warning")

SEARCH_PLACEHOLDER = "搜索：工单编号 / 外部编号 / 企业名称 / 信用代码 / 电话 / 内容，边输边筛，Esc 清除"


class QueueSearch(QueuePages):
    """The search line, the filters, the center and the sort."""

    def __init__(self) -> None:
        super().__init__()
        self._live_search: Timer | None = None  # the pending search while typing (debounced)

    def action_cycle_sort(self) -> None:
        """Sort by received time, due date or warning, in turn."""
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]
        self.reload(counts=False)
        self.notify(f"排序：{SORT_LABELS[self.sort]}" + ("（无办理期限的排在最后）" if self.sort != "received" else ""),
                    markup=False, timeout=3)

    def action_filters(self) -> None:
        """Narrow by department, appeal type, source and date range."""
        from .queue_filter_dialog import FilterDialog  # with the first f, not with the queue (issue 11)

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
        from .dialogs import ChoiceDialog

        centers: list[str | None] = [None, *(name for _, name in center_choices(self.store, self.center))]
        current = centers.index(self.center) if self.center in centers else 0

        def chosen(index: int | None) -> None:
            if index is not None:
                self.show_center(centers[index])

        self.app.push_screen(ChoiceDialog("选择中心", [center_label(c) for c in centers], current), chosen)

    def show_center(self, center: str | None) -> None:
        """Show one center's tickets (its full name), or every center's (None)."""
        if center != self.center:
            self.center = center
            self.query_one("#queue-filter-bar", QueueFilterBar).set_center(center_label(center, key=True))
            self.reload(counts=True)
        self.table.focus()

    # -- search --------------------------------------------------------------------------
    async def action_search(self) -> None:
        """Open the search line."""
        box = self.search_box()
        if box is None:
            # mounted by the first /, not with the screen: a widget fewer to start with (issue 11)
            box = Input(self._search_line_text, placeholder=SEARCH_PLACEHOLDER, id="queue-search")
            await self.mount(box, after="#queue-filter-bar")
        box.add_class("-open")
        self.set_focus(box)  # now: the keys that follow the / are typed into it (QueueScreen.on_key)

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
        box = self.search_box()
        text = "" if box is None else box.value
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
        box = self.search_box()
        if box is not None and (box.has_focus or box.has_class("-open")):
            box.value = ""
            self._cancel_live_search()
            box.remove_class("-open")
            self.table.focus()
            if self.search_text:
                self.apply_search("")
