"""The supervisor's approvals inbox: the queue's 待审批 tab (issue 14).

Every pending 延期 and 超期退回 request under the queue's center and filters,
one row each: the ticket, what is asked, who asked and when, why, the
ticket's due date and what approving would change (for an extension the
new due date, computed on the calendar by the store).  ``y`` approves (after
showing that change once more), ``b`` rejects with a reason, Enter opens the
ticket — the request is decided without opening it.

The list is read by the queue screen (a worker) and handed to
:meth:`ApprovalsPanel.show`; a decision runs in this widget's own thread
worker (a write may wait on another console), the dialog staying open until
the store accepts it, and :class:`ApprovalsPanel.Decided` tells the queue to
read the list and its counts again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from ..textsafe import literal, plain
from .base import AppAccess

if TYPE_CHECKING:  # types only (the dialogs, with TextArea, load with the first decision, not with the queue)
    from .dialogs import FormDialog
    from ..areas.oversight import PendingRequest
    from ..models import Ticket


class ApprovalsPanel(AppAccess, Vertical):
    """The pending requests, with approve / reject on the row under the cursor."""

    # hidden until the queue's 待审批 tab is chosen (the queue sets ``display``)
    DEFAULT_CSS = """
    ApprovalsPanel { display: none; height: 1fr; }
    ApprovalsPanel #approvals-table { height: 1fr; }
    ApprovalsPanel #approvals-detail { height: auto; max-height: 6; background: $boost; }
    """

    BINDINGS = [
        Binding("y", "approve", "批准", id="approvals.approve"),
        Binding("b", "reject", "驳回", id="approvals.reject"),
    ]

    class Decided(Message):
        """A request was approved or rejected (the queue reloads)."""

        def __init__(self, ticket: Ticket, approved: bool) -> None:
            super().__init__()
            self.ticket, self.approved = ticket, approved

    class Outdated(Message):
        """A decision was refused: the list may be out of date (the queue reloads)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.requests: list[PendingRequest] = []
        self._dialog: FormDialog[Any] | None = None
        self._narrow: bool | None = None
        self._width = 0

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#approvals-table", DataTable)

    def compose(self) -> ComposeResult:
        yield DataTable(id="approvals-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="approvals-detail", markup=False)

    def on_mount(self) -> None:
        self.set_layout(self.app.size.width)

    def set_layout(self, width: int) -> bool:
        """The columns for a terminal ``width``: below 120 columns the reason and
        the asker move to the detail line under the table."""
        narrow = width < 120
        if narrow == self._narrow and width == self._width:
            return False
        self._narrow, self._width = narrow, width
        table = self.table
        table.clear(columns=True)
        table.add_column("类型", width=8, key="kind")
        table.add_column("工单编号", width=15, key="number")
        table.add_column("承办单位", width=8, key="department")
        if not narrow:
            table.add_column("申请人", width=8, key="asker")
            # the reason takes what the other columns leave (in full on the detail line)
            table.add_column("理由", width=max(20, width - 96), key="reason")
        table.add_column("批准后", width=31, key="effect")
        self.show(self.requests)
        return True

    def show(self, requests: list[PendingRequest]) -> None:
        """Fill the list (the cursor stays on the same row number)."""
        self.requests = requests
        table = self.table
        cursor = table.cursor_row
        table.clear()
        for r in requests:
            kind = f"延期{r.days}天" if r.kind == "extension" else "超期退回"
            cells = [Text(kind), literal(r.number), literal(r.department or "—")]
            if not self._narrow:
                cells += [literal(r.asked_by_name), literal(r.reason)]
            cells.append(Text(self._effect_short(r)))
            table.add_row(*cells, key=f"{r.kind}-{r.ticket_id}")
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1), animate=False)
        self._update_detail()

    @staticmethod
    def _effect_short(r: PendingRequest) -> str:
        if r.kind == "extension":
            new = r.new_due.isoformat() if r.new_due else "—"
            return f"期限 {r.due_date or '—'} → {new}{'暂' if r.new_due_provisional else ''}"
        return "退回中心，停止计时"

    def current(self) -> PendingRequest | None:
        """The request under the cursor."""
        row = self.table.cursor_row
        if not self.requests or row < 0 or row >= len(self.requests):
            return None
        return self.requests[row]

    def _update_detail(self) -> None:
        r = self.current()
        detail = self.query_one("#approvals-detail", Static)
        if r is None:
            detail.update("没有待审批的延期或退回申请")
            return
        when = f"{r.asked_at:%m-%d %H:%M}" if r.asked_at else "—"
        text = Text()
        text.append(f"{r.kind_label}申请 · ", style="bold")
        text.append_text(literal(f"{r.number} {r.enterprise_name}"))
        text.append("\n申请人 ")
        text.append_text(literal(f"{r.asked_by_name}（{r.department or '—'}）"))
        text.append(f" · {when}\n理由：")
        text.append_text(literal(r.reason))
        text.append(f"\n批准后：{r.effect}")
        detail.update(text)

    @on(DataTable.RowHighlighted, "#approvals-table")
    def _highlighted(self) -> None:
        self._update_detail()

    @on(DataTable.RowSelected, "#approvals-table")
    def _selected(self) -> None:
        r = self.current()
        if r is not None:
            self.console_app.open_ticket(r.ticket_id)

    # -- deciding -----------------------------------------------------------------------
    def action_approve(self) -> None:
        """批准 the request under the cursor (its effect is shown once more)."""
        from .dialogs import ConfirmDialog

        r = self.current()
        if r is None:
            return
        title = f"批准{r.kind_label}？{r.number}"
        message = f"申请人：{plain(r.asked_by_name)}（{plain(r.department or '—')}）\n理由：{plain(r.reason)}\n批准后：{r.effect}"
        self.app.push_screen(ConfirmDialog(title, message, "批准", on_submit=lambda d, _: self._decide(d, r, True, "")))

    def action_reject(self) -> None:
        """驳回 the request under the cursor, with a reason."""
        from .dialogs import ReasonDialog

        r = self.current()
        if r is None:
            return
        self.app.push_screen(ReasonDialog(f"驳回{r.kind_label} {r.number}", "如：理由不充分，请按期办理", label="驳回理由",
                                          on_submit=lambda d, reason: self._decide(d, r, False, reason)))

    def _decide(self, dialog: FormDialog[Any], request: PendingRequest, approve: bool, reason: str) -> None:
        self._dialog = dialog
        self._run_decision(request, approve, reason)

    @work(thread=True, exclusive=True, group="approvals-decide", exit_on_error=False)
    def _run_decision(self, request: PendingRequest, approve: bool, reason: str) -> tuple[Ticket, bool]:
        with self.console_app.readers.reader() as store:
            return store.oversight.decide(self.user, request, approve, reason), approve

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A decision's outcome: close the dialog and tell the queue, or show why not."""
        if event.worker.group != "approvals-decide" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        event.stop()  # handled here, not by the queue's worker-error report
        dialog, self._dialog = self._dialog, None
        if event.state is WorkerState.SUCCESS:
            result: Any = event.worker.result  # the (ticket, approved) _run_decision returned
            ticket, approved = result
            if dialog is not None and dialog.is_attached:
                dialog.dismiss(None)
            self.notify(f"{ticket.number} 已{'批准' if approved else '驳回'}", markup=False)
            self.post_message(self.Decided(ticket, approved))
            return
        message = plain(event.worker.error)
        if dialog is not None and dialog.is_attached:
            dialog.show_error(message)
        self.notify(message, severity="error", markup=False, timeout=8)
        self.post_message(self.Outdated())


__all__ = ["ApprovalsPanel"]
