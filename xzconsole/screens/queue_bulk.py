"""The queue's bulk actions: tag rows with space, then ``d`` dispatches them
all to one department or ``x`` closes them as duplicate appeals — in a
worker, each ticket its own history, with a progress bar above the status
line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from ..models import Ticket
from ..textsafe import plain
from .queue_pages import QueuePages

if TYPE_CHECKING:  # types only
    from textual.widgets import ProgressBar

    from ..areas.tickets import BulkResult


class QueueBulk(QueuePages):
    """Tagging rows and acting on all of them at once."""

    class BulkProgress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class BulkFinished(Message):
        def __init__(self, what: str, result: BulkResult) -> None:
            super().__init__()
            self.what, self.result = what, result

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
        # loaded with the first bulk action: the bar and its modules (and the
        # Chinese bindings' re-merge a newly loaded widget costs) stay out of the launch
        from textual.widgets import ProgressBar

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
