"""The queue's tabs (SPEC §9): switching between the built-in saved filters,
the 待审批 tab shown in place of the table, and a staff member's own saved
filters — the filter bar and the search kept as a tab (``F`` saves one,
Delete removes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on

from ..textsafe import plain
from ..widgets.tab_strip import TabStrip
from .approvals import ApprovalsPanel
from .queue_filters import QueueFilters, QueueTab, filters_from, filters_values
from .queue_pages import QueuePages

if TYPE_CHECKING:  # types only
    from ..areas.saved_filters import SavedFilter


class QueueTabs(QueuePages):
    """The queue's tabs: built-in, 待审批 and saved filters."""

    @on(TabStrip.Activated, "#queue-tabs")
    def _tab_activated(self, event: TabStrip.Activated) -> None:
        chosen = next((t for t in self.tabs if t.id == event.tab_id), None)
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
            self.set_search_line("")
        self._show_approvals(chosen.pending)
        self.refresh_bindings()
        total = self._tab_total(chosen)
        if total is None:
            self.reload(counts=True)
        else:
            # the tabs share one set of counts: switching needs no recount
            self.total = total
            self.reload(counts=False)

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

    @on(ApprovalsPanel.Decided)
    @on(ApprovalsPanel.Outdated)
    def _on_decided(self) -> None:
        self.reload(counts=True)

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

    def _apply_saved(self, sf: SavedFilter) -> None:
        self._saved_applied = True
        self.filters = filters_from(sf.filters)
        self.search_text = sf.search
        self.set_search_line(sf.search)

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

    def _rebuild_tabs(self, active: str) -> None:
        """The saved tabs again from the store, then ``active`` chosen (the
        strip brings it into view: at 80 columns the built-in tabs fill the row)."""
        strip = self.query_one("#queue-tabs", TabStrip)
        for t in self.tabs:
            if t.saved:
                strip.remove_tab(t.id)
        self.tabs = [*self.builtin_tabs, *self._saved_tabs()]
        for t in self.tabs:
            if t.saved:
                strip.add_tab(t.id, t.label)
        self.select_tab(active)
        self.reload(counts=True)

    def action_next_tab(self) -> None:
        """Go to the next saved filter."""
        self.query_one("#queue-tabs", TabStrip).next()

    def action_previous_tab(self) -> None:
        """Go to the previous saved filter."""
        self.query_one("#queue-tabs", TabStrip).previous()

    def select_tab(self, tab_id: str) -> None:
        """Activate a tab by id (``tab-new``, ``tab-red`` …)."""
        self.query_one("#queue-tabs", TabStrip).active = tab_id

    def tab_label(self, tab_id: str) -> str | None:
        """What a tab says now (its name and count), or None when this queue has no such tab."""
        strip = self.query_one("#queue-tabs", TabStrip)
        return strip.label_of(tab_id) if tab_id in strip.tab_ids else None
