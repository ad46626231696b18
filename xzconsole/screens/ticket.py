"""工单详情: every field, the warning badge and due date, the history as a
timeline, supervisions, and the actions this role may take now (SPEC §4, §5, §9).

The actions on offer are ``rules.actions_for(role, status)`` narrowed by what
the ticket itself allows (an extension can only be approved while one is
pending, a reopen only follows an unsatisfied call-back, …).  Each is a binding
of this screen — so the footer lists exactly what can be done — and a button.
Actions that need input open a dialog that stays open until the store accepts
the action: when another console changed the ticket meanwhile the store raises
``StaleTicket``; the screen then reloads the ticket and the dialog shows who
changed it and when, with everything typed still in it, ready to submit again.

Store calls that write run in a thread worker (a write may wait on another
console's transaction); their outcome comes back through ``Worker.StateChanged``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static
from textual.worker import Worker, WorkerState

from .. import rules
from ..clock import weekday_cn
from ..models import Action, Event, Role, Satisfaction, Status, Supervision, Ticket
from ..rules import WarningLevel
from ..textsafe import literal
from ..widgets.header import ConsoleHeader
from ..widgets.wrapped import WrappedText
from ..widgets.timeline import Timeline, format_time
from ..widgets.key_bar import KeyBar
from .dialogs import (
    ConfirmDialog,
    DispatchDialog,
    ExtensionDialog,
    FollowUpDialog,
    FormDialog,
    KnowledgeAnswerDialog,
    MergeDialog,
    ReasonDialog,
    SubmitHook,
)
from .joint import JointActions

if TYPE_CHECKING:  # types only
    from ..areas.oversight import AccountabilityCase
    from ..models import Staff
    from ..store import Store

V = TypeVar("V")


@dataclass(frozen=True)
class ActionKey:
    """One ticket action as this screen offers it: store action, key, footer text."""

    action: Action
    key: str
    name: str  # the screen action (``action_<name>``)
    description: str


ACTION_KEYS: list[ActionKey] = [
    ActionKey(Action.DISPATCH, "d", "dispatch", "派发"),
    ActionKey(Action.DIRECT_ANSWER, "k", "direct_answer", "直接答复"),
    ActionKey(Action.SIGN, "s", "sign", "签收"),
    ActionKey(Action.RETURN, "t", "return_ticket", "退回"),
    ActionKey(Action.APPROVE_RETURN, "g", "approve_return", "同意退回"),
    ActionKey(Action.REJECT_RETURN, "b", "reject_return", "驳回退回"),
    ActionKey(Action.REQUEST_EXTENSION, "e", "request_extension", "申请延期"),
    ActionKey(Action.APPROVE_EXTENSION, "y", "approve_extension", "批准延期"),
    ActionKey(Action.REJECT_EXTENSION, "n", "reject_extension", "驳回延期"),
    ActionKey(Action.REPLY, "r", "reply", "答复"),
    ActionKey(Action.FOLLOW_UP, "f", "follow_up", "回访"),
    ActionKey(Action.REOPEN, "o", "reopen", "重办"),
    ActionKey(Action.CLOSE, "c", "close_ticket", "办结"),
    ActionKey(Action.MERGE, "m", "merge", "合并"),
    ActionKey(Action.MARK_CONFIDENTIAL, "p", "mark_confidential", "保密"),
    ActionKey(Action.SUPERVISE, "u", "supervise", "督办"),
    # 会商会办 (screens/joint.py)
    ActionKey(Action.ASSIGN_PARTS, "x", "assign_parts", "设置协办"),
    ActionKey(Action.SUBMIT_PART, "j", "submit_part", "提交协办意见"),
    ActionKey(Action.WITHDRAW_PART, "w", "withdraw_part", "撤回协办"),
    ActionKey(Action.RECORD_CONSULTATION, "h", "record_consultation", "记录会商"),
]
_BY_NAME = {a.name: a for a in ACTION_KEYS}

#: what 市营商办 / 市纪委监委 record on a ticket (store.oversight), beside the workflow:
#: (key, screen action, footer text)
OVERSIGHT_KEYS: list[tuple[str, str, str]] = [
    ("v", "second_supervise", "二次督办"),
    ("i", "open_accountability", "启动问责"),
    ("z", "close_accountability", "问责办结"),
]
_OVERSIGHT_NAMES = {name for _, name, _ in OVERSIGHT_KEYS}


class TicketScreen(JointActions):
    """One ticket: fields, badge, timeline and the actions available now."""

    BINDINGS = [
        *[Binding(a.key, a.name, a.description, id=f"ticket.{a.name}") for a in ACTION_KEYS],
        *[Binding(key, name, description, id=f"ticket.{name}") for key, name, description in OVERSIGHT_KEYS],
        Binding("l", "reload", "重新载入", id="ticket.reload"),
        Binding("escape", "back", "返回", id="ticket.back"),
    ]

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: Ticket | None = None
        self._merge_candidates: list[Ticket] = []
        self._names: dict[str, str] = {}
        self._pending: tuple[FormDialog[Any] | None, str] | None = None
        self._level = WarningLevel.NONE
        self._buttons: list[str] | None = None
        self._data_version: int | None = None
        self._cases: list[AccountabilityCase] = []

    # -- app services ---------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self.clock.now()

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ConsoleHeader("工单详情")
        with Vertical(id="ticket-head"):
            yield Static("", id="ticket-title")
            with Horizontal(id="ticket-status-line"):
                yield Static("", id="ticket-badge", classes="badge")
                yield Static("", id="ticket-due")
            yield Static("", id="ticket-pending")
        with VerticalScroll(id="ticket-body"):
            yield Static("", id="ticket-fields")
            yield Label("诉求内容", classes="section-title")
            yield WrappedText("", id="ticket-content")
            yield Label("答复", classes="section-title", id="ticket-reply-title")
            yield WrappedText("", id="ticket-reply")
            yield Label("督办记录", classes="section-title", id="ticket-supervisions-title")
            yield Static("", id="ticket-supervisions")
            yield Label("问责记录", classes="section-title", id="ticket-accountability-title")
            yield Static("", id="ticket-accountability")
            yield from self.compose_joint()
            yield Label("办理经过", classes="section-title")
            yield Timeline(id="ticket-timeline")
        yield Horizontal(id="ticket-actions")
        yield KeyBar()

    POLL_SECONDS = 2.0  # another console's change shows within this long (SPEC §9's live panels)

    def on_mount(self) -> None:
        self.load()
        self.set_interval(self.POLL_SECONDS, self._poll, name="ticket-poll")

    def _poll(self) -> None:
        """Reload when another connection committed (``PRAGMA data_version`` is one
        cheap read) — but never under an open dialog: a conflicting change must
        reach the user as the 'changed by X at T' message, not silently."""
        if self.ticket is None or self.app.screen is not self or self._pending is not None:
            return
        version = self.store.data_version()
        if self._data_version is not None and version != self._data_version:
            self.load()
        self._data_version = version

    # -- loading -----------------------------------------------------------------
    def load(self, ticket: Ticket | None = None) -> bool:
        """(Re)read the ticket and its history and redraw; False (and back to the
        previous screen) when this user may not see it."""
        from ..store import NotFound, PermissionDenied

        try:
            self.ticket = ticket if ticket is not None else self.store.tickets.get(self.user, self.ticket_id)
            events = self.store.tickets.history(self.user, self.ticket_id)
            supervisions = self.store.tickets.supervisions(self.user, self.ticket_id)
            self._cases = self.store.oversight.cases(self.user, self.ticket_id)
            self.load_joint()
        except (PermissionDenied, NotFound) as exc:
            self.notify(str(exc), severity="error", markup=False, timeout=8)
            self.ticket = None
            self.call_later(self._close)
            return False
        t = self.ticket
        self._data_version = self.store.data_version()
        self._level = self.store.tickets.current_level(t, self._now())
        self._merge_candidates = []
        if t.status is Status.NEW and self.user.role in (Role.CLERK, Role.SUPERVISOR) and not t.redacted:
            self._merge_candidates = [o for o in self.store.tickets.open_of(t.uscc, t.enterprise_name) if o.id != t.id]
        self.sub_title = f"工单 {t.number}"
        self._draw(t, events, supervisions)
        self.refresh_bindings()
        return True

    async def _close(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def _actor_name(self, login: str) -> str:
        if login not in self._names:
            try:
                self._names[login] = self.store.staff.get(login).display
            except Exception:  # a login that is not (or no longer) a staff record: show it as it is
                self._names[login] = login
        return self._names[login]

    # -- drawing --------------------------------------------------------------
    def _draw(self, t: Ticket, events: list[Event], supervisions: list[Supervision]) -> None:
        title = Text(f"{t.number}  {t.status.label}  {t.appeal_type.label}  ", style="bold")
        title.append_text(literal(t.title or t.content[:30]))
        if t.confidential:
            title.append("  🔒保密")
        self.query_one("#ticket-title", Static).update(title)
        self._draw_badge(t)
        self.query_one("#ticket-fields", Static).update(self._fields_table(t))
        self.query_one("#ticket-content", Static).update(literal(t.content, single_line=False) if t.content else "—")
        reply = self.query_one("#ticket-reply", Static)
        reply.update(literal(t.reply_text, single_line=False) if t.reply_text else "—")
        show_reply = bool(t.reply_text)
        reply.display = show_reply
        self.query_one("#ticket-reply-title").display = show_reply
        sup = self.query_one("#ticket-supervisions", Static)
        if supervisions:
            text = Text()
            for i, s in enumerate(supervisions):
                level = WarningLevel(s.level)
                if i:
                    text.append("\n")
                text.append(f"{format_time(s.at)}  {level.badge}  {s.body}  ")
                text.append_text(literal(self._actor_name(s.actor)))
                if s.note:
                    text.append("：")
                    text.append_text(literal(s.note))
            sup.update(text)
        sup.display = bool(supervisions)
        self.query_one("#ticket-supervisions-title").display = bool(supervisions)
        self._draw_accountability()
        self.draw_joint(self._actor_name)
        self.query_one("#ticket-timeline", Timeline).show(events, self._actor_name, self.store.department_name)
        self._draw_pending(t)
        self._draw_buttons()

    def _draw_accountability(self) -> None:
        """问责 cases: opened (who, when, department, reason), closed (outcome) or 办理中."""
        box = self.query_one("#ticket-accountability", Static)
        text = Text()
        for i, c in enumerate(self._cases):
            if i:
                text.append("\n")
            text.append(f"#{c.id}  {format_time(c.opened_at)}  启动问责  ", style="bold")
            text.append_text(literal(self._actor_name(c.opened_by)))
            text.append("  责任单位：")
            text.append_text(literal(c.department or "—"))
            text.append("\n      事由：")
            text.append_text(literal(c.reason))
            if c.closed_at is not None:
                text.append(f"\n      {format_time(c.closed_at)}  问责办结  ")
                text.append_text(literal(self._actor_name(c.closed_by or "")))
                text.append("：")
                text.append_text(literal(c.outcome))
            else:
                text.append("\n      问责办理中", style="bold")
        box.update(text)
        box.display = bool(self._cases)
        self.query_one("#ticket-accountability-title").display = bool(self._cases)

    def _draw_badge(self, t: Ticket) -> None:
        badge = self.query_one("#ticket-badge", Static)
        badge.remove_class("-yellow", "-orange", "-red", "-today", "-none")
        now = self._now()
        cal = self.store.calendar()
        level = self._level
        if level:
            # a ticket has a level only once it has a due date
            overdue = rules.overdue_workdays(t.due_date, now, cal) if t.due_date is not None else 0
            badge.update(f"{level.badge} · 超期 {overdue} 个工作日 · 督办：{level.supervised_by}")
            badge.add_class(f"-{level.code}")
        elif t.awaiting_reply and t.due_date == now.date():
            badge.update("● 今日到期")
            badge.add_class("-today")
        elif t.status is Status.NEW and now.date() > rules.dispatch_deadline(t.received_at, cal):
            badge.update("● 中心超时未派发")
            badge.add_class("-today")
        elif t.max_level:
            past = WarningLevel(t.max_level)
            badge.update(f"曾达 {past.badge}")
            badge.add_class(f"-{past.code}")
        else:
            badge.update("· 正常")
            badge.add_class("-none")
        due = self.query_one("#ticket-due", Static)
        if t.due_date is None:
            due.update("未计时" if t.status in (Status.NEW, Status.RETURNED) else "")
            due.remove_class("-provisional")
            return
        text = f"截止 {t.due_date.isoformat()} {weekday_cn(t.due_date)}"
        if t.extension_days:
            text += f"（含延期 {t.extension_days} 个工作日）"
        if t.due_provisional:
            text += " 暂定"
        due.update(text)
        due.set_class(t.due_provisional, "-provisional")

    def _draw_pending(self, t: Ticket) -> None:
        box = self.query_one("#ticket-pending", Static)
        text = Text()
        if t.pending_extension_days:
            text.append(f"待审批：申请延期 {t.pending_extension_days} 个工作日 · ", style="bold")
            text.append_text(literal(t.pending_extension_reason or ""))
        if t.pending_return_reason:
            if text:
                text.append("\n")
            text.append("待审批：超期退回 · ", style="bold")
            text.append_text(literal(t.pending_return_reason))
        if t.merged_into:
            if text:
                text.append("\n")
            try:
                target = self.store.tickets.get(self.user, t.merged_into).number
            except Exception:  # the target is not visible to this user: its id is enough
                target = f"#{t.merged_into}"
            text.append(f"已作为重复诉求并入工单 {target}")
        box.update(text)
        box.display = bool(text)

    def _fields_table(self, t: Ticket) -> Table:
        def val(v: Any) -> Text:
            if v is None or v == "":
                return Text("—", style="dim")
            if isinstance(v, dt.datetime):
                return Text(format_time(v))
            return literal(str(v))

        pairs: list[tuple[str, Any]] = [
            ("工单编号", t.number),
            ("热线编号", t.external_id),
            ("来源", t.source.label + (f"（走访活动 #{t.visit_id}）" if t.visit_id else "")),
            ("诉求类型", t.appeal_type.label),
            ("企业名称", t.enterprise_name),
            ("信用代码", t.uscc),
            ("联系人", t.contact_name),
            ("联系电话", t.contact_phone),
            ("所属区域", t.district),
            ("受理时间", t.received_at),
            ("受理人", f"{self._actor_name(t.created_by)}（{t.center}）" if t.created_by else t.center),
            ("主办单位" if self.parts else "承办单位", t.department_name),
            ("派发时间", t.dispatched_at),
            ("办理时限", f"{t.time_limit} 个工作日" if t.time_limit else ""),
            ("签收时间", t.signed_at),
            ("答复时间", t.replied_at),
            ("回访结果", t.satisfaction.label if t.satisfaction else ""),
            ("回访次数", t.followup_count or ""),
            ("退回次数", t.return_count or ""),
            ("重办次数", t.reopen_count or ""),
            ("办结时间", t.closed_at),
            ("办结原因", t.close_reason.label if t.close_reason else ""),
            ("保密", "是（承办单位不可见企业身份）" if t.confidential else "否"),
            ("最后修改", f"{self._actor_name(t.updated_by)} {format_time(t.updated_at)}" if t.updated_by else ""),
        ]
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(ratio=1)
        for i in range(0, len(pairs), 2):
            (l1, v1), (l2, v2) = pairs[i], pairs[i + 1]
            table.add_row(l1, val(v1), l2, val(v2))
        return table

    def _draw_buttons(self) -> None:
        keys = [(a.key, a.name, a.description) for a in ACTION_KEYS] + OVERSIGHT_KEYS
        names = [name for _, name, _ in keys if self.can(name)]
        if names == self._buttons:
            return
        self._buttons = names
        bar = self.query_one("#ticket-actions", Horizontal)
        bar.remove_children()
        # no ids: the old buttons are removed asynchronously while the new ones mount
        buttons = [Button(f"{description}({key})", name=name, compact=True, classes=f"action-button -{name}")
                   for key, name, description in keys if self.can(name)]
        if buttons:
            bar.mount_all(buttons)
        bar.display = bool(buttons)

    @on(Button.Pressed, ".action-button")
    def _button(self, event: Button.Pressed) -> None:
        name = event.button.name or ""
        if self.can(name):
            getattr(self, f"action_{name}")()

    # -- what may be done now --------------------------------------------------
    def can(self, name: str) -> bool:
        """Whether this user may take the named action on the ticket now: the
        state machine for the role and state, plus the ticket's own conditions."""
        spec = _BY_NAME.get(name)
        t = self.ticket
        if name in _OVERSIGHT_NAMES and t is not None:
            return self._oversight_can(name, t)
        if spec is None or t is None:
            return False
        joint = self.joint_can(spec.action)
        if joint is not None:
            return joint
        if not rules.allowed(spec.action, self.user.role, t.status):
            return False
        a = spec.action
        if a is Action.REQUEST_EXTENSION:
            return not t.pending_extension_days and t.extension_days < rules.MAX_EXTENSION_DAYS
        if a in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION):
            return bool(t.pending_extension_days)
        if a is Action.RETURN:
            return not t.pending_return_reason
        if a in (Action.APPROVE_RETURN, Action.REJECT_RETURN):
            return bool(t.pending_return_reason)
        if a is Action.REOPEN:
            return t.satisfaction is Satisfaction.UNSATISFIED and not t.direct_answer and t.department_id is not None
        if a is Action.MERGE:
            return bool(self._merge_candidates)
        if a is Action.MARK_CONFIDENTIAL:
            return t.appeal_type in rules.CONFIDENTIAL_TYPES and not t.confidential
        if a is Action.SUPERVISE:
            return bool(self._level or t.max_level)
        return True

    def _oversight_can(self, name: str, t: Ticket) -> bool:
        """二次督办 for 市营商办 / 市纪委监委 on an open ticket; 问责 for 市纪委监委
        (the store checks the scope: this screen only opens tickets in it)."""
        role = self.user.role
        if name == "second_supervise":
            return role in (Role.BUSINESS_OFFICE, Role.DISCIPLINE) and t.status is not Status.CLOSED
        if role is not Role.DISCIPLINE:
            return False
        if name == "close_accountability":
            return any(c.is_open for c in self._cases)
        return True

    def available(self) -> list[str]:
        """The descriptions of the actions offered now, in menu order."""
        keys = [(a.name, a.description) for a in ACTION_KEYS] + [(n, d) for _, n, d in OVERSIGHT_KEYS]
        return [description for name, description in keys if self.can(name)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _BY_NAME or action in _OVERSIGHT_NAMES:
            return self.can(action)
        return True

    # -- running an action ---------------------------------------------------
    def _run(self, call: Callable[[Store, int], Ticket], done: str, dialog: FormDialog[Any] | None = None) -> None:
        """Run ``call(store, version)`` in a worker, with the version this screen shows."""
        assert self.ticket is not None
        self._pending = (dialog, done)
        self._act(call, self.ticket.version)

    def _hook(self, call: Callable[[Store, int, V], Ticket], done: str) -> SubmitHook[V]:
        """A dialog's ``on_submit``: run ``call(store, version, value)``; the
        dialog stays open until the store has accepted it."""
        def submit(dialog: FormDialog[V], value: V) -> None:
            self._run(lambda store, version: call(store, version, value), done, dialog)

        return submit

    @work(thread=True, exclusive=True, group="ticket-action", exit_on_error=False)
    def _act(self, call: Callable[[Store, int], Ticket], version: int) -> Ticket:
        with self.console_app.readers.reader() as store:
            return call(store, version)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "ticket-action" or self._pending is None:
            return
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        dialog, done = self._pending
        self._pending = None
        if event.state is WorkerState.SUCCESS:
            ticket = event.worker.result  # what _act returned
            assert isinstance(ticket, Ticket)
            if dialog is not None and dialog.is_attached:
                dialog.dismiss(None)
            if self.user.role is Role.DEPARTMENT and ticket.department_id is None:
                # returned to the center: no longer this department's to see
                self.notify(f"{ticket.number} {done}，已回到中心", markup=False)
                self.call_later(self._close)
                return
            self.notify(f"{ticket.number} {done}", markup=False)
            self.load()
            return
        self._failed(event.worker.error, dialog)

    def _failed(self, err: BaseException | None, dialog: FormDialog[Any] | None) -> None:
        """A refused action: say why in Chinese; keep what was typed."""
        from ..store import StaleTicket, StoreError

        if isinstance(err, StaleTicket):
            message = str(err)
            if not self.load():
                return
        elif isinstance(err, (StoreError, ValueError)):
            message = str(err)
        else:
            message = f"操作失败：{err}"
        if dialog is not None and dialog.is_attached:
            dialog.show_error(message)
        self.notify(message, severity="warning" if isinstance(err, StaleTicket) else "error", markup=False, timeout=8)

    # -- the actions --------------------------------------------------------------
    def _t(self) -> Ticket:
        assert self.ticket is not None
        return self.ticket

    def action_dispatch(self) -> None:
        """派发 (or 重新派发 a returned ticket), with the due-date preview."""
        t = self._t()
        title = "重新派发" if t.status is Status.RETURNED else "派发"
        self.app.push_screen(DispatchDialog(t.appeal_type.value, title=f"{title} {t.number}", on_submit=self._hook(
            lambda s, v, dept: s.tickets.dispatch(self.user, t.id, dept, version=v), f"已{title}")))

    def action_direct_answer(self) -> None:
        """直接答复 from the knowledge base (the answer can be edited first)."""
        t = self._t()
        self.app.push_screen(KnowledgeAnswerDialog(t.title or t.content[:80], on_submit=self._hook(
            lambda s, v, val: s.tickets.direct_answer(self.user, t.id, val[0], knowledge_id=val[1], version=v), "已直接答复")))

    def action_sign(self) -> None:
        """签收."""
        t = self._t()
        self._run(lambda s, v: s.tickets.sign(self.user, t.id, version=v), "已签收")

    def action_return_ticket(self) -> None:
        """退回 to the center, with a reason (after 2 working days: a request)."""
        t = self._t()
        late = t.dispatched_at is not None and self._now().date() > rules.return_deadline(t.dispatched_at, self.store.calendar())
        title = "退回（已超过 2 个工作日，需值班长审批）" if late else "退回"
        self.app.push_screen(ReasonDialog(title, "说明不属于本单位职责的理由", label="退回理由", on_submit=self._hook(
            lambda s, v, reason: s.tickets.return_ticket(self.user, t.id, reason, version=v),
            "已提交退回申请" if late else "已退回")))

    def action_approve_return(self) -> None:
        """同意超期退回."""
        t = self._t()
        self.app.push_screen(ConfirmDialog("同意退回？", f"退回理由：{t.pending_return_reason}", "同意退回", on_submit=self._hook(
            lambda s, v, _: s.tickets.approve_return(self.user, t.id, version=v), "已同意退回")))

    def action_reject_return(self) -> None:
        """驳回超期退回, with a reason."""
        t = self._t()
        self.app.push_screen(ReasonDialog("驳回退回", label="驳回理由", on_submit=self._hook(
            lambda s, v, reason: s.tickets.reject_return(self.user, t.id, reason, version=v), "已驳回退回")))

    def action_request_extension(self) -> None:
        """申请延期: days and a reason."""
        t = self._t()
        self.app.push_screen(ExtensionDialog(t.extension_days, on_submit=self._hook(
            lambda s, v, val: s.tickets.request_extension(self.user, t.id, val[0], val[1], version=v), "已申请延期")))

    def action_approve_extension(self) -> None:
        """批准延期 (shows the new due date first)."""
        t = self._t()
        days = t.pending_extension_days or 0
        message = f"申请延期 {days} 个工作日：{t.pending_extension_reason or ''}"
        if t.due_date is not None:
            new_due = rules.extended_due_date(t.due_date, days, self.store.calendar())
            message += f"\n批准后截止日期：{new_due.isoformat()} {weekday_cn(new_due)}"
        self.app.push_screen(ConfirmDialog("批准延期？", message, "批准", on_submit=self._hook(
            lambda s, v, _: s.tickets.approve_extension(self.user, t.id, version=v), "已批准延期")))

    def action_reject_extension(self) -> None:
        """驳回延期, with a reason."""
        t = self._t()
        self.app.push_screen(ReasonDialog("驳回延期", label="驳回理由", on_submit=self._hook(
            lambda s, v, reason: s.tickets.reject_extension(self.user, t.id, reason, version=v), "已驳回延期")))

    def action_reply(self) -> None:
        """答复: the department's answer (several lines; Ctrl+S sends)."""
        t = self._t()
        self.app.push_screen(self.reply_dialog(f"答复 {t.number}", self._hook(
            lambda s, v, text: s.tickets.reply(self.user, t.id, text, version=v), "已答复")))

    def action_follow_up(self) -> None:
        """回访: 满意 / 基本满意 / 不满意 / 未联系上, and a note."""
        t = self._t()
        self.app.push_screen(FollowUpDialog(unreachable_count=t.unreachable_count, on_submit=self._hook(
            lambda s, v, val: s.tickets.follow_up(self.user, t.id, val[0], note=val[1], resolved=val[2], version=v),
            "已记录回访")))

    def action_reopen(self) -> None:
        """重办 after an unsatisfied call-back: back to the department, fresh limit."""
        t = self._t()
        self.app.push_screen(ReasonDialog("重办", "企业不满意的原因和重办要求", label="重办理由", on_submit=self._hook(
            lambda s, v, reason: s.tickets.reopen(self.user, t.id, reason, version=v), "已重办")))

    def action_close_ticket(self) -> None:
        """办结 (a new ticket only with a reason, e.g. an invalid call)."""
        t = self._t()
        required = t.status is Status.NEW
        self.app.push_screen(ReasonDialog("办结", "如：重复诉求、无效来电" if required else "办结说明（可不填）",
                                          label="办结说明", required=required, on_submit=self._hook(
            lambda s, v, note: s.tickets.close(self.user, t.id, note=note, version=v), "已办结")))

    def action_merge(self) -> None:
        """合并: this new appeal into an open ticket of the same enterprise."""
        t = self._t()
        self.app.push_screen(MergeDialog(self._merge_candidates, on_submit=self._hook(
            lambda s, v, into: s.tickets.merge(self.user, t.id, into, version=v), "已合并")))

    def action_mark_confidential(self) -> None:
        """保密: department liaisons no longer see the enterprise's identity."""
        t = self._t()
        self.app.push_screen(ConfirmDialog("标记保密？", "标记后承办单位联络员将看不到企业名称、信用代码和联系方式。", "标记保密",
                                           on_submit=self._hook(
            lambda s, v, _: s.tickets.mark_confidential(self.user, t.id, True, version=v), "已标记保密")))

    def action_supervise(self) -> None:
        """督办, recorded under the body the ticket's warning level names."""
        t = self._t()
        level = self.store.tickets.current_level(t, self._now()) or WarningLevel(t.max_level)
        self.app.push_screen(ReasonDialog(f"督办 · {level.badge} · 督办单位：{level.supervised_by}", "督办意见（可不填）",
                                          label="督办意见", required=False, on_submit=self._hook(
            lambda s, v, note: s.tickets.supervise(self.user, t.id, note, version=v), "已记录督办")))

    # -- 市营商办 / 市纪委监委 (store.oversight) ------------------------------------------
    def action_second_supervise(self) -> None:
        """二次督办: the oversight body's push, recorded under its name."""
        t = self._t()
        level = self.store.tickets.current_level(t, self._now()) or WarningLevel(t.max_level)
        self.app.push_screen(ReasonDialog(
            f"二次督办 {t.number} · {level.badge} · {self.user.role.label}", "如：请承办单位三日内办结并报送超期说明",
            label="督办意见", on_submit=self._hook(
                lambda s, v, note: _then_ticket(s, self.user, t.id, s.oversight.second_supervise(self.user, t.id, note)),
                "已记录二次督办")))

    def action_open_accountability(self) -> None:
        """启动问责 (市纪委监委): responsible department and reason."""
        from .oversight_dialogs import AccountabilityDialog

        t = self._t()
        depts = [(d.short_name, d.id) for d in self.store.departments() if d.id is not None]
        self.app.push_screen(AccountabilityDialog(f"启动问责 {t.number}", depts, t.department_id, on_submit=self._hook(
            lambda s, v, val: _then_ticket(s, self.user, t.id,
                                           s.oversight.open_accountability(self.user, t.id, val[1], val[0])),
            "已启动问责")))

    def action_close_accountability(self) -> None:
        """问责办结 (市纪委监委): the outcome of the open case (the latest one)."""
        from .oversight_dialogs import OutcomeDialog

        t = self._t()
        case = next((c for c in reversed(self._cases) if c.is_open), None)
        if case is None:
            return
        heading = f"问责办结 #{case.id} · {case.department or '—'}"
        self.app.push_screen(OutcomeDialog(heading, on_submit=self._hook(
            lambda s, v, outcome: _then_ticket(s, self.user, t.id,
                                               s.oversight.close_accountability(self.user, case.id, outcome)),
            "问责已办结")))

    def action_reload(self) -> None:
        """Read the ticket again (another console may have acted on it)."""
        if self.load():
            self.notify("已重新载入", markup=False, timeout=2)

    def action_back(self) -> None:
        """Back to the queue."""
        self.dismiss(None)


def _then_ticket(store: Store, user: Staff, ticket_id: int, _recorded: object) -> Ticket:
    """The ticket as it is after an oversight record (what the screen reloads with)."""
    return store.tickets.get(user, ticket_id)
