"""Joint handling (会商会办) on the ticket screen: the 协办 and 会商 sections,
the four actions and their dialogs (issue 7).

The lead department (主办) is the ticket's department; supporting departments
(协办) each send their part to the lead, who replies to the enterprise.  This
module's :class:`JointActions` is the base of
:class:`~xzconsole.screens.ticket.TicketScreen`, so the ticket screen keeps one action pattern — a
binding and a button per action, a dialog that stays open until the store
accepts (``_hook``), the write in a worker — and only a few lines of its own
for joint handling.  Whether an action is offered is decided here and
enforced again by the store.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypedDict, TypeVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option

from .base import AppAccess, StyledAtMount, stored_id
from .. import rules
from ..clock import weekday_cn
from ..models import Action, Department, Role, Ticket
from ..areas.joint import Consultation, TicketPart
from ..textsafe import literal
from ..widgets.timeline import format_time
from .dialogs import FormDialog, ReasonDialog, SubmitHook

if TYPE_CHECKING:  # types only
    from ..store import Store

V = TypeVar("V")

JOINT_ACTIONS = frozenset({Action.ASSIGN_PARTS, Action.SUBMIT_PART, Action.WITHDRAW_PART, Action.RECORD_CONSULTATION})
TASK_SEPARATORS = ("｜", "|")


def _day(d: dt.date) -> str:
    return f"{d.isoformat()} {weekday_cn(d)}"


def parts_table(parts: Iterable[TicketPart]) -> Table:
    """The 协办 section: department, deadline (暂定 marked), status word, opinion."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for p in parts:
        due = Text(_day(p.due_date) + (" 暂定" if p.due_provisional else ""))
        style = "bold red" if p.late and p.is_open else ("dim" if p.withdrawn_at else "")
        status = Text(p.status, style=style)
        if p.submitted_at is not None:
            status.append(f" {format_time(p.submitted_at)[5:]}", style="dim")
        opinion = literal(p.text, single_line=False) if p.text else Text("—", style="dim")
        table.add_row(literal(p.department, style="bold"), due, status, opinion)
    return table


def consultations_text(minutes: Iterable[Consultation], actor_name: Callable[[str], str]) -> Text:
    """The 会商记录 section: each meeting's date, place, departments, people,
    conclusions and follow-up tasks, oldest first."""
    out = Text()
    for i, m in enumerate(minutes):
        if i:
            out.append("\n")
        out.append(_day(m.held_on), style="bold")
        if m.place:
            out.append(" · ")
            out.append_text(literal(m.place))
        out.append(" · 参会单位：")
        out.append_text(literal("、".join(m.departments)))
        if m.attendees:
            out.append("\n  参会人员：", style="dim")
            out.append_text(literal(m.attendees))
        out.append("\n  结论：", style="dim")
        out.append_text(literal(m.conclusions, single_line=False))
        for task in m.tasks:
            out.append("\n  任务：", style="dim")
            out.append_text(literal(f"{task.department} {task.task}"))
            if task.due:
                out.append(f"（{_day(task.due)} 前）")
        out.append(f"\n  记录：{actor_name(m.recorded_by)} {format_time(m.recorded_at)}", style="dim")
    return out


def parse_tasks(text: str) -> list[dict[str, Any]]:
    """Follow-up tasks typed one per line as ``单位｜任务｜期限`` (the deadline
    may be left out); a line that does not fit raises a Chinese ValueError."""
    tasks = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        for sep in TASK_SEPARATORS:
            line = line.replace(sep, "｜")
        fields = [f.strip() for f in line.split("｜")]
        if len(fields) not in (2, 3) or not fields[0] or not fields[1]:
            raise ValueError(f"后续任务第 {n} 行应写成“单位｜任务｜期限”（期限可省略），如：市住建局｜核查施工许可｜2026-12-03")
        tasks.append({"department": fields[0], "task": fields[1], "due": fields[2] if len(fields) == 3 else None})
    return tasks


# ---------------------------------------------------------------- widgets and dialogs


class DepartmentPicker(Vertical):
    """Several departments from a list that a typed name, short name or code
    narrows; what is ticked stays ticked while the filter changes."""

    DEFAULT_CSS = """
    DepartmentPicker { height: auto; }
    DepartmentPicker > SelectionList { height: auto; max-height: 8; }
    """

    def __init__(self, departments: list[Department], chosen: Iterable[int] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.departments = departments
        self.chosen: list[int] = [d for d in chosen if any(x.id == d for x in departments)]

    def compose(self) -> ComposeResult:
        yield Input(placeholder="输入单位全称、简称或代码筛选", classes="dialog-input picker-filter")
        yield SelectionList[int](classes="picker-list")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        t = text.strip().lower()
        shown = [d for d in self.departments
                 if not t or t in d.name.lower() or t in d.short_name.lower() or t in d.code.lower()]
        sl: SelectionList[int] = self.query_one(SelectionList)
        sl.clear_options()
        sl.add_options([(literal(d.short_name), stored_id(d), stored_id(d) in self.chosen) for d in shown])
        if shown:
            sl.highlighted = 0

    @on(Input.Changed, ".picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    @on(Input.Submitted, ".picker-filter")
    def _to_list(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(SelectionList).focus()

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged[int]) -> None:
        shown = {opt.value for opt in (event.selection_list.get_option_at_index(i)
                                       for i in range(event.selection_list.option_count))}
        ticked = set(event.selection_list.selected)
        self.chosen = [d for d in self.chosen if d not in shown or d in ticked]
        self.chosen += [d for d in event.selection_list.selected if d not in self.chosen]
        self.post_message(self.Changed(self))

    class Changed(Message):
        """The ticked departments changed."""

        def __init__(self, picker: "DepartmentPicker") -> None:
            super().__init__()
            self.picker = picker

    def select(self, *refs: int) -> None:
        """Tick departments by id (tests and defaults)."""
        for ref in refs:
            if ref not in self.chosen:
                self.chosen.append(ref)
        self._fill(self.query_one(".picker-filter", Input).value)
        self.post_message(self.Changed(self))


class AssignPartsDialog(AppAccess, FormDialog[tuple[list[int], int | None]]):
    """设置协办: tick the supporting departments and, if not the default, their
    working days; each part's deadline is previewed before anything is stored."""

    def __init__(self, ticket: Ticket, candidates: list[Department], *,
                 on_submit: SubmitHook[tuple[list[int], int | None]] | None = None) -> None:
        super().__init__(f"设置协办单位 · {ticket.number} · 主办：{ticket.department_name or '—'}", on_submit=on_submit)
        self.ticket = ticket
        self.candidates = candidates

    def compose_body(self) -> ComposeResult:
        yield Label("协办单位（空格勾选，可多选）", classes="dialog-label")
        yield DepartmentPicker(self.candidates, id="parts-picker")
        yield Label("协办期限（工作日，留空按默认：主办期限前 1 个工作日）", classes="dialog-label")
        yield Input(placeholder="留空按默认", id="parts-days", classes="dialog-input", type="integer")
        yield Static("", id="parts-preview", classes="dialog-preview")

    def on_mount(self) -> None:
        self._preview()
        self.query_one(".picker-filter", Input).focus()

    @property
    def picker(self) -> DepartmentPicker:
        return self.query_one("#parts-picker", DepartmentPicker)

    def _days(self) -> int | None:
        raw = self.query_one("#parts-days", Input).value.strip()
        return int(raw) if raw.lstrip("-").isdigit() else None

    def _preview(self) -> None:
        from ..store import StoreError

        box = self.query_one("#parts-preview", Static)
        try:
            days, due, provisional = self.store.joint.preview_due(self.ticket.id, self._days())
        except StoreError as exc:
            box.update(literal(str(exc)))
            return
        when = f"{days} 个工作日 · 截止 {_day(due)}{' 暂定' if provisional else ''}"
        by_id = {d.id: d.short_name for d in self.candidates}
        names = [by_id[i] for i in self.picker.chosen if i in by_id]  # in the order ticked, as they are stored
        if not names:
            box.update(literal(f"尚未选择协办单位（协办期限：{when}）"))
            return
        box.update(literal("\n".join(f"{n} · {when}" for n in names), single_line=False))

    @property
    def preview_text(self) -> str:
        return str(self.query_one("#parts-preview", Static).render())

    @on(DepartmentPicker.Changed)
    def _picked(self) -> None:
        self._preview()

    @on(Input.Changed, "#parts-days")
    def _days_changed(self) -> None:
        self._preview()

    @on(Input.Submitted, "#parts-days")
    def _days_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> tuple[list[int], int | None] | None:
        chosen = list(self.picker.chosen)
        if not chosen:
            self.show_error("请至少选择一个协办单位")
            return None
        raw = self.query_one("#parts-days", Input).value.strip()
        if raw and not raw.isdigit():
            self.show_error("协办期限应为整数个工作日，或留空按默认")
            return None
        return chosen, int(raw) if raw else None


class WithdrawPartDialog(FormDialog[tuple[int, str]]):
    """撤回协办: choose an open part and give the reason."""

    def __init__(self, parts: list[TicketPart], *, on_submit: SubmitHook[tuple[int, str]] | None = None) -> None:
        super().__init__("撤回协办", on_submit=on_submit)
        self.parts = parts

    def compose_body(self) -> ComposeResult:
        yield OptionList(*[Option(literal(f"{p.department} · 期限 {_day(p.due_date)} · {p.status}"), id=str(p.department_id))
                           for p in self.parts], id="withdraw-list", classes="dialog-list")
        yield Label("撤回理由", classes="dialog-label")
        yield Input(placeholder="如：经核实与该单位职责无关", id="withdraw-reason", classes="dialog-input")

    def on_mount(self) -> None:
        ol = self.query_one("#withdraw-list", OptionList)
        ol.highlighted = 0 if self.parts else None
        ol.focus()

    @on(OptionList.OptionSelected, "#withdraw-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#withdraw-reason", Input).focus()

    @on(Input.Submitted, "#withdraw-reason")
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> tuple[int, str] | None:
        idx = self.query_one("#withdraw-list", OptionList).highlighted
        if idx is None or not self.parts:
            self.show_error("请选择要撤回的协办单位")
            return None
        reason = self.query_one("#withdraw-reason", Input).value.strip()
        if not reason:
            self.show_error("请填写撤回理由")
            self.query_one("#withdraw-reason", Input).focus()
            return None
        return self.parts[idx].department_id, reason


class ConsultationForm(TypedDict):
    """What :class:`ConsultationDialog` collects: the store's ``record_consultation`` arguments."""

    held_on: str
    departments: list[int]
    conclusions: str
    place: str
    attendees: str
    tasks: list[dict[str, Any]]


class ConsultationDialog(FormDialog[ConsultationForm]):
    """记录会商: date, place, departments present, attendees, conclusions and
    follow-up tasks (one per line: 单位｜任务｜期限).  Ctrl+S records."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, ticket: Ticket, departments: list[Department], present: Iterable[int], today: dt.date, *,
                 on_submit: SubmitHook[ConsultationForm] | None = None) -> None:
        super().__init__(f"记录会商 · {ticket.number}", on_submit=on_submit)
        self.departments = departments
        self.present = list(present)
        self.today = today

    def compose_body(self) -> ComposeResult:
        yield Label("会商日期", classes="dialog-label")
        yield Input(self.today.isoformat(), placeholder="YYYY-MM-DD", id="meet-date", classes="dialog-input")
        yield Label("会商地点", classes="dialog-label")
        yield Input(placeholder="如：市民中心 3 楼会议室", id="meet-place", classes="dialog-input")
        yield Label("参会单位（空格勾选）", classes="dialog-label")
        yield DepartmentPicker(self.departments, self.present, id="meet-departments")
        yield Label("参会人员", classes="dialog-label")
        yield Input(placeholder="姓名、职务（可不填）", id="meet-attendees", classes="dialog-input")
        yield Label("会商结论", classes="dialog-label")
        yield TextArea(id="meet-conclusions", classes="dialog-textarea", soft_wrap=True)
        yield Label("后续任务（每行一项：单位｜任务｜期限，期限可省略）", classes="dialog-label")
        yield TextArea(id="meet-tasks", classes="dialog-textarea", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#meet-date", Input).focus()

    def collect(self) -> ConsultationForm | None:
        conclusions = self.query_one("#meet-conclusions", TextArea).text.strip()
        if not conclusions:
            self.show_error("请填写会商结论")
            return None
        departments = list(self.query_one("#meet-departments", DepartmentPicker).chosen)
        if not departments:
            self.show_error("请至少选择一个参会单位")
            return None
        try:
            tasks = parse_tasks(self.query_one("#meet-tasks", TextArea).text)
        except ValueError as exc:
            self.show_error(str(exc))
            return None
        return {"held_on": self.query_one("#meet-date", Input).value.strip(), "departments": departments,
                "conclusions": conclusions, "place": self.query_one("#meet-place", Input).value.strip(),
                "attendees": self.query_one("#meet-attendees", Input).value.strip(), "tasks": tasks}


class ReplyDialog(ReasonDialog):
    """答复 of a joint ticket: the supporting departments' parts above the text,
    so the lead writes the reply with them in view."""

    def __init__(self, parts: list[TicketPart], title: str, placeholder: str = "", *, label: str = "",
                 multiline: bool = False, on_submit: SubmitHook[str] | None = None) -> None:
        super().__init__(title, placeholder, label=label, multiline=multiline, on_submit=on_submit)
        self.parts = [p for p in parts if p.withdrawn_at is None]

    def compose_body(self) -> ComposeResult:
        if self.parts:
            text = Text("协办意见：", style="bold")
            for p in self.parts:
                text.append("\n")
                text.append_text(literal(p.department, style="bold"))
                if p.submitted_at is not None:
                    text.append("：")
                    text.append_text(literal(p.text))
                else:
                    text.append(f"：尚未提交（协办期限 {_day(p.due_date)}）", style="bold red" if p.late else "")
            yield Static(text, id="reply-parts", classes="dialog-message")
        yield from super().compose_body()


# ---------------------------------------------------------------- the screen's part


class JointActions(AppAccess, StyledAtMount, Screen[None]):
    """The ticket screen's joint handling: sections, conditions, actions."""

    ticket: Ticket | None

    if TYPE_CHECKING:  # the ticket screen's own action pattern, which the joint actions use
        def _t(self) -> Ticket: ...

        def _now(self) -> dt.datetime: ...

        def _hook(self, call: Callable[[Store, int, V], Ticket], done: str) -> SubmitHook[V]: ...

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[TicketPart] = []
        self.minutes: list[Consultation] = []

    def compose_joint(self) -> ComposeResult:
        """The 协办 and 会商记录 sections (hidden while empty)."""
        yield Label("协办单位", classes="section-title", id="ticket-parts-title")
        yield Static("", id="ticket-parts")
        yield Label("会商记录", classes="section-title", id="ticket-consultations-title")
        yield Static("", id="ticket-consultations")

    def load_joint(self) -> None:
        """Read the parts and the minutes (with the ticket, same permissions)."""
        store, user, t = self.store, self.user, self._t()
        self.parts = store.joint.parts(user, t.id)
        self.minutes = store.joint.consultations(user, t.id)

    def draw_joint(self, actor_name: Callable[[str], str]) -> None:
        """Fill both sections; each shows only when it has something to say."""
        parts = self.query_one("#ticket-parts", Static)
        parts.update(parts_table(self.parts))
        for w in (parts, self.query_one("#ticket-parts-title")):
            w.display = bool(self.parts)
        minutes = self.query_one("#ticket-consultations", Static)
        minutes.update(consultations_text(self.minutes, actor_name))
        for w in (minutes, self.query_one("#ticket-consultations-title")):
            w.display = bool(self.minutes)

    # -- what may be done now --------------------------------------------------
    def _supporting(self) -> bool:
        """Whether the user is a liaison of a supporting (not the lead) department."""
        user, t = self.user, self.ticket
        return t is not None and user.role is Role.DEPARTMENT and t.department_id != user.department_id

    def _own_open_part(self) -> TicketPart | None:
        user = self.user
        return next((p for p in self.parts if p.department_id == user.department_id and p.is_open), None)

    def joint_can(self, action: Action) -> bool | None:
        """The decision for a joint action, False for a lead's action offered to
        a supporting liaison, None when the ticket screen decides as before."""
        t = self.ticket
        if t is None:
            return False
        if action not in JOINT_ACTIONS:
            return False if self._supporting() else None
        if not rules.allowed(action, self.user.role, t.status):
            return False
        if action is Action.SUBMIT_PART:
            return self._supporting() and self._own_open_part() is not None
        if action is Action.WITHDRAW_PART:
            return any(p.is_open for p in self.parts)
        if action is Action.RECORD_CONSULTATION:
            return not self._supporting()
        return t.department_id is not None

    # -- the actions --------------------------------------------------------------
    def action_assign_parts(self) -> None:
        """设置协办: tick supporting departments, with each part's deadline previewed."""
        t = self._t()
        taken = {p.department_id for p in self.parts if p.withdrawn_at is None}
        candidates = [d for d in self.store.departments() if d.id != t.department_id and d.id not in taken]
        self.app.push_screen(AssignPartsDialog(t, candidates, on_submit=self._hook(
            lambda s, v, val: s.joint.assign_parts(self.user, t.id, val[0], days=val[1], version=v), "已设置协办")))

    def action_submit_part(self) -> None:
        """提交协办意见: this department's part, sent to the lead (Ctrl+S sends)."""
        t = self._t()
        part = self._own_open_part()
        due = f"（协办期限 {_day(part.due_date)}）" if part is not None else ""
        self.app.push_screen(ReasonDialog(
            f"提交协办意见 · {t.number} · 报主办单位 {t.department_name or ''}{due}", "本单位的协办意见",
            label="协办意见", multiline=True, on_submit=self._hook(
                lambda s, v, text: s.joint.submit_part(self.user, t.id, text, version=v), "已提交协办意见")))

    def action_withdraw_part(self) -> None:
        """撤回协办: take back a part not yet submitted, with a reason."""
        t = self._t()
        self.app.push_screen(WithdrawPartDialog([p for p in self.parts if p.is_open], on_submit=self._hook(
            lambda s, v, val: s.joint.withdraw_part(self.user, t.id, val[0], val[1], version=v), "已撤回协办")))

    def action_record_consultation(self) -> None:
        """记录会商: the minutes of a meeting on this ticket."""
        t = self._t()
        present = [d for d in [t.department_id, *(p.department_id for p in self.parts if p.withdrawn_at is None)] if d]
        today = self._now().date()
        self.app.push_screen(ConsultationDialog(t, self.store.departments(), present, today, on_submit=self._hook(
            lambda s, v, val: s.joint.record_consultation(
                self.user, t.id, val["held_on"], val["departments"], val["conclusions"], place=val["place"],
                attendees=val["attendees"], tasks=val["tasks"], version=v), "已记录会商")))

    def reply_dialog(self, title: str, on_submit: SubmitHook[str]) -> ReasonDialog:
        """The reply dialog: with the parts in view on a joint ticket."""
        return ReplyDialog(self.parts, title, "答复企业的内容", label="答复内容", multiline=True, on_submit=on_submit)


__all__ = ["AssignPartsDialog", "ConsultationDialog", "ConsultationForm", "DepartmentPicker", "JointActions", "ReplyDialog",
           "WithdrawPartDialog", "parse_tasks", "parts_table"]
