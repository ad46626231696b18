"""宣传推广（“十百千万”）: the year's progress against the plan and the activity log (F11).

Top, the progress of the year: a table of the kinds of activity by month
(1–12) with the year's total, and under it one line per kind with a text
bar, done / target, the percentage and the pace — a symbol and a word
(▼ 落后 / ✓ 正常 / ★ 已完成), never colour alone.  The pace is the target
times the part of the year gone by today (calendar days).  Below, the
activity log, newest first, a page at a time, filtered by kind and month.

Keys: ``a`` log an activity (a form checked field by field as it is left),
``v`` void the highlighted one with a reason, ``t`` the year's targets
(supervisors and admins; the store refuses anyone else), Enter the
activity's detail — the enterprises met and the appeals taken there, where
``n`` takes a new appeal on the spot (the intake form, source 走访, linked to
the visit).  ``[`` and ``]`` change the year, ``k`` and ``m`` the filters,
``c`` switches between every center and one's own.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static

from .. import outreach as out
from .. import rules
from ..models import Action, Enterprise, PageKey
from ..areas.outreach import LOG_ROLES, PLAN_ROLES
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .base import AppAccess, StyledAtMount, store_error_types
from .dialogs import FormDialog, ReasonDialog, SubmitHook
from .policies_table import MeasuredTable

if TYPE_CHECKING:  # types only
    from ..store import Store

PAGE_SIZE = 50
VOID_MARK = "✗ 作废"


# ---------------------------------------------------------------- logging an activity


class ActivityDialog(FormDialog[dict[str, Any]]):
    """登记活动: date, kind, place, departments, staff, enterprises, counts, note.

    Each field is checked as it is left, the message (Chinese) under it; the
    store checks everything again when the form is submitted and its refusal
    shows in the dialog, with everything typed still there.
    """

    FIELDS = ("act-date", "act-kind", "act-place", "act-depts", "act-staff", "act-enterprises", "act-reached",
              "act-cards", "act-note")

    def __init__(self, store: Store, today: dt.date, kinds: list[out.OutreachKind], *, kind: str | None = None,
                 on_submit: SubmitHook[dict[str, Any]] | None = None) -> None:
        super().__init__("登记宣传推广活动", on_submit=on_submit, id="activity-dialog")
        self.store = store
        self.today = today
        self.kinds = kinds
        self.initial_kind = kind or kinds[0].code

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="act-form"):
            yield from self._row("活动日期", Input(self.today.isoformat(), placeholder="YYYY-MM-DD", compact=True, id="act-date"))
            yield from self._row("活动类别", Select([(k.label, k.code) for k in self.kinds], value=self.initial_kind, allow_blank=False,
                                                compact=True, id="act-kind"))
            yield from self._row("活动地点", Input(placeholder="镇街、园区或企业所在地", compact=True, id="act-place"))
            yield from self._row("参与单位", Input(placeholder="如：市人社局、市税务局（可不填）", compact=True, id="act-depts"))
            yield from self._row("参加人员", Input(placeholder="可不填", compact=True, id="act-staff"))
            yield from self._row("走访企业", Input(placeholder="名称或“名称 信用代码”，多家用、分隔", compact=True, id="act-enterprises"))
            yield from self._row("企业数", Input(placeholder="不填则按列出的企业计", compact=True, id="act-reached"))
            yield from self._row("联系卡数", Input("0", compact=True, id="act-cards"))
            yield from self._row("备注", Input(placeholder="可不填", compact=True, id="act-note"))

    @staticmethod
    def _row(label: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label, classes="field-label")
            yield widget
        yield Static("", id=f"{widget.id}-error", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#act-place", Input).focus()

    # -- checks -------------------------------------------------------------------
    def value(self, field_id: str) -> str:
        w = self.query_one(f"#{field_id}")
        return str(w.value) if isinstance(w, (Input, Select)) else ""

    def kind(self) -> out.OutreachKind:
        code = self.value("act-kind")
        return next((k for k in self.kinds if k.code == code), self.kinds[0])

    def _check(self, field_id: str) -> None:
        """Raise ValueError (Chinese) when the field is not acceptable."""
        v = self.value(field_id)
        if field_id == "act-date":
            out.check_held_on(v, self.today)
        elif field_id == "act-place":
            out.clean_place(v)
        elif field_id == "act-depts":
            from ..store import NotFound

            for name in out.split_names(v):
                try:
                    self.store.department(name)
                except NotFound as exc:
                    raise ValueError(str(exc)) from None
        elif field_id == "act-enterprises":
            for name in out.split_names(v):
                out.parse_enterprise_ref(name)
            if self.kind().measure == "enterprises" and not out.split_names(v) and not self.value("act-reached").strip():
                raise ValueError(f"“{self.kind().label}”须列出走访的企业，或填写企业数")
        elif field_id == "act-reached" and v.strip():
            listed = len(out.split_names(self.value("act-enterprises")))
            if out.check_count(v, "企业数") < listed:
                raise ValueError(f"企业数不能少于列出的企业（{listed} 家）")
        elif field_id == "act-cards":
            if out.check_count(v, "联系卡张数") == 0 and self.kind().measure == "cards":
                raise ValueError(f"“{self.kind().label}”须填写寄出的联系卡张数")

    def check_field(self, field_id: str) -> bool:
        """Check one field; its message (or nothing) goes under it."""
        box = self.query_one(f"#{field_id}-error", Static)
        try:
            self._check(field_id)
        except ValueError as exc:
            box.update(literal(str(exc)))
            box.add_class("-shown")
            self.query_one(f"#{field_id}").add_class("-invalid")
            return False
        box.update("")
        box.remove_class("-shown")
        self.query_one(f"#{field_id}").remove_class("-invalid")
        return True

    def error_of(self, field_id: str) -> str:
        """The message under a field now ('' when it is fine)."""
        return str(self.query_one(f"#{field_id}-error", Static).render())

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        self.check_field(event.input.id or "")

    @on(Select.Changed, "#act-kind")
    def _kind_changed(self) -> None:
        # what is required depends on the kind: recheck the fields it governs
        for field_id in ("act-enterprises", "act-cards"):
            if self.error_of(field_id):
                self.check_field(field_id)

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def collect(self) -> dict[str, Any] | None:
        bad = [f for f in self.FIELDS if not self.check_field(f)]
        if bad:
            self.query_one(f"#{bad[0]}").focus()
            self.show_error("请先修正标出的字段")
            return None
        reached = self.value("act-reached").strip()
        return {
            "held_on": self.value("act-date").strip(), "kind": self.value("act-kind"), "place": self.value("act-place"),
            "departments": out.split_names(self.value("act-depts")), "staff": self.value("act-staff"),
            "enterprises": out.split_names(self.value("act-enterprises")),
            "enterprises_reached": out.check_count(reached, "企业数") if reached else None,
            "cards_sent": out.check_count(self.value("act-cards"), "联系卡张数"), "note": self.value("act-note"),
        }


class PlanDialog(FormDialog[dict[str, int]]):
    """调整目标: the year's target of each kind (the data file's default shown beside it)."""

    def __init__(self, year: int, plan: list[out.OutreachKind], defaults: dict[str, int], *,
                 on_submit: SubmitHook[dict[str, int]] | None = None) -> None:
        super().__init__(f"调整 {year} 年“十百千万”目标", on_submit=on_submit, id="plan-dialog")
        self.plan = plan
        self.defaults = defaults

    def compose_body(self) -> ComposeResult:
        for k in self.plan:
            with Horizontal(classes="field-row"):
                yield Label(k.label, classes="field-label plan-label")
                yield Input(str(k.target), id=f"plan-{k.code}", type="integer", compact=True)
                yield Static(literal(f"{k.unit}（默认 {self.defaults.get(k.code, k.target)}）"), classes="plan-default")

    def on_mount(self) -> None:
        self.query_one(f"#plan-{self.plan[0].code}", Input).focus()

    def collect(self) -> dict[str, int] | None:
        values = {}
        for k in self.plan:
            try:
                values[k.code] = out.check_count(self.query_one(f"#plan-{k.code}", Input).value, f"{k.label}的目标")
            except ValueError as exc:
                self.show_error(str(exc))
                self.query_one(f"#plan-{k.code}", Input).focus()
                return None
        return values

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


# ---------------------------------------------------------------- one activity


def activity_text(a: out.Activity) -> Text:
    """The activity's fields, user text literal."""
    text = Text()
    text.append_text(literal(f"{a.kind_label} #{a.id} · {a.held_on.isoformat()} · {a.place}", style="bold"))
    text.append("\n")
    text.append_text(literal(f"服务中心：{a.center} · 参与单位：{'、'.join(a.departments) or '—'} · 人员：{a.staff or '—'}"))
    text.append("\n")
    text.append_text(literal(f"走访企业 {a.enterprises_reached} 家 · 联系卡 {a.cards_sent} 张 · "
                             f"登记：{a.recorded_by} {a.recorded_at[:16].replace('T', ' ')}"))
    if a.note:
        text.append("\n")
        text.append_text(literal(f"备注：{a.note}"))
    if a.voided:
        text.append("\n")
        text.append_text(literal(f"{VOID_MARK}：{a.void_reason}（{a.voided_by} {str(a.voided_at)[:16].replace('T', ' ')}），"
                                 "不计入进度", style="bold"))
    return text


class ActivityScreen(AppAccess, Screen[None]):
    """An activity's detail: the enterprises met and the appeals taken there."""

    BINDINGS = [
        Binding("n", "take_appeal", "现场受理", id="activity.take_appeal"),
        Binding("v", "void", "作废", id="activity.void"),
        Binding("escape", "back", "返回", id="activity.back"),
    ]

    def __init__(self, activity_id: int) -> None:
        super().__init__()
        self.activity_id = activity_id
        self.activity: out.Activity | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("宣传推广 · 活动详情")
        yield Static("", id="act-detail")
        yield Static("走访的企业（选中一家后按 n 现场受理其诉求）", classes="out-section")
        yield DataTable(id="act-enterprises", cursor_type="row", zebra_stripes=True)
        yield Static("", id="act-tickets-title", classes="out-section")
        yield DataTable(id="act-tickets", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        ents = self.query_one("#act-enterprises", DataTable)
        ents.add_column("企业名称", width=30, key="name")
        ents.add_column("统一社会信用代码", width=18, key="uscc")
        ents.add_column("区域", width=8, key="district")
        tickets = self.query_one("#act-tickets", DataTable)
        tickets.add_column("工单编号", width=15, key="number")
        tickets.add_column("状态", width=6, key="status")
        tickets.add_column("类型", width=8, key="type")
        tickets.add_column("企业", width=20, key="enterprise")
        tickets.add_column("标题", key="title")
        self.refresh_detail()
        ents.focus()

    def on_screen_resume(self) -> None:
        if self.activity is not None:  # back from the intake, a ticket or a dialog: what was done shows
            self.refresh_detail()

    def refresh_detail(self) -> None:
        """Read the activity again (after an appeal was taken or it was voided)."""
        a = self.activity = self.store.outreach.activity(self.activity_id, self.user)
        self.query_one("#act-detail", Static).update(activity_text(a))
        ents = self.query_one("#act-enterprises", DataTable)
        tickets = self.query_one("#act-tickets", DataTable)
        with self.app.batch_update():
            ents.clear()
            for e in a.enterprises:
                ents.add_row(literal(e.name), literal(e.uscc or "—"), literal(e.district or "—"), key=str(e.id))
            tickets.clear()
            for t in a.tickets:
                tickets.add_row(Text(t.number), Text(t.status.label), Text(t.appeal_type.label), literal(t.enterprise_name),
                                literal(t.title or t.content[:30]), key=str(t.id))
        self.query_one("#act-tickets-title", Static).update(
            f"现场受理的诉求（{len(a.tickets)} 件，Enter 打开）" if a.tickets else "现场受理的诉求：暂无")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.user.role
        if action == "take_appeal":
            if rules.refusal(Action.ACCEPT, role, None):
                return False
            a = self.activity
            kinds = {k.code: k.measure for k in self.store.outreach.kinds()}
            # a mailing meets nobody: no appeal is taken "at" it
            return None if a is None or a.voided or kinds.get(a.kind) == "cards" else True
        if action == "void":
            if role not in LOG_ROLES:
                return False
            return None if self.activity is None or self.activity.voided else True
        return True

    def chosen_enterprise(self) -> Enterprise | None:
        """The highlighted enterprise met at the activity (None when there is none)."""
        a = self.activity
        row = self.query_one("#act-enterprises", DataTable).cursor_row
        if a is None or not a.enterprises or row is None or not 0 <= row < len(a.enterprises):
            return None
        return a.enterprises[row]

    def action_take_appeal(self) -> None:
        """现场受理: the intake form, source 走访, the highlighted enterprise filled in, linked to this activity."""
        from .intake import IntakeScreen

        self.app.push_screen(IntakeScreen(visit_id=self.activity_id, enterprise=self.chosen_enterprise()))

    def action_void(self) -> None:
        """Void this activity, with a reason."""
        void_with_reason(self, self.activity_id)

    @on(DataTable.RowSelected, "#act-tickets")
    def _open_ticket(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:  # each row's key is its ticket's id
            self.console_app.open_ticket(int(event.row_key.value))

    def action_back(self) -> None:
        """Back to the outreach screen."""
        self.dismiss(None)


def void_with_reason(screen: ActivityScreen | OutreachScreen, activity_id: int) -> None:
    """Ask for the reason and void the activity in the store (the screen shows
    it when it is current again); a refusal stays in the dialog with the reason typed."""
    def submit(dialog: FormDialog[str], reason: str) -> None:
        try:
            screen.store.outreach.void_activity(screen.user, activity_id, reason)
        except store_error_types() as exc:
            dialog.show_error(str(exc))
            return
        dialog.dismiss(reason)
        screen.notify(f"推广活动 #{activity_id} 已作废，不再计入进度", markup=False)

    screen.app.push_screen(ReasonDialog(f"作废推广活动 #{activity_id}", "如：日期填错，已重新登记",
                                        label="作废理由", on_submit=submit, id="void-dialog"))


# ---------------------------------------------------------------- the screen


class OutreachScreen(AppAccess, StyledAtMount, Screen[None]):
    """宣传推广: the year's progress against the plan, and the activity log."""

    BINDINGS = [
        Binding("a", "log", "登记活动", id="outreach.log"),
        Binding("v", "void", "作废", id="outreach.void"),
        Binding("t", "targets", "调整目标", id="outreach.targets"),
        Binding("k", "cycle_kind", "类别", id="outreach.kind"),
        Binding("m", "cycle_month", "月份", id="outreach.month"),
        Binding("left_square_bracket", "year(-1)", "上一年", id="outreach.prev_year"),
        Binding("right_square_bracket", "year(1)", "下一年", id="outreach.next_year"),
        Binding("c", "toggle_center", "本中心/全部", id="outreach.center"),
        Binding("r", "reload", "刷新", id="outreach.reload", show=False),
        Binding("escape", "back", "返回", id="outreach.back"),
    ]

    def __init__(self, year: int | None = None) -> None:
        super().__init__()
        self.year = year
        self.kind_filter: str | None = None
        self.month_filter: int | None = None
        self.own_center = False
        self.progress: list[out.KindProgress] = []
        self.rows: list[out.Activity] = []
        self.more = False

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("宣传推广")
        yield Static("", id="out-heading")
        yield DataTable(id="out-progress", show_cursor=False, cell_padding=0)
        yield Static("", id="out-summary")
        yield Static("", id="out-log-title", classes="out-section")
        yield MeasuredTable(id="out-log", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        if self.year is None:
            self.year = self.clock.today().year
        progress = self.query_one("#out-progress", DataTable)
        progress.can_focus = False
        progress.add_column("项目", width=14, key="label")
        for m in out.MONTHS:
            progress.add_column(Text(f"{m}月", justify="right"), width=5, key=f"m{m}")
        progress.add_column(Text("合计", justify="right"), width=6, key="total")
        log = self.query_one("#out-log", DataTable)
        log.add_column("日期", width=10, key="date")
        log.add_column("类别", width=14, key="kind")
        log.add_column("企业", width=4, key="reached")
        log.add_column("联系卡", width=6, key="cards")
        log.add_column("状态", width=6, key="state")
        log.add_column("地点", width=24, key="place")
        log.add_column("参与单位", key="departments")
        # the rows once the screen has been painted: a screen's first paint is
        # followed by a layout or two (its Resize), and each would draw every
        # row of both tables again (issue 11 item 5)
        self.call_after_refresh(self.refresh_all)
        log.focus()

    def on_screen_resume(self) -> None:
        if self.progress:  # back from a detail or a dialog: what was done there shows
            self.refresh_all(keep=True)

    # -- reading -----------------------------------------------------------------------
    @property
    def center(self) -> str | None:
        return self.user.center if self.own_center else None

    def refresh_all(self, *, keep: bool = False) -> None:
        """Progress and the log as filtered: its first page, or with ``keep``
        as many rows as were listed, the cursor where it was."""
        self.show_progress()
        self.load_log(keep=keep)

    def show_progress(self) -> None:
        """The year's progress table and the pace lines (one grouped query)."""
        assert self.year is not None
        self.progress = self.store.outreach.progress(self.year, self.center)
        today = self.clock.today()
        elapsed = self.progress[0].elapsed if self.progress else out.year_elapsed(self.year, today)
        scope = self.user.center if self.own_center else "全部中心"
        self.query_one("#out-heading", Static).update(literal(
            f"{self.year} 年“十百千万”进度 · {scope} · 全年已过 {elapsed * 100:.1f}%（截至 {min(today, dt.date(self.year, 12, 31))}）"))
        last_month = 12 if elapsed >= 1 else (today.month if self.year == today.year else 0)
        table = self.query_one("#out-progress", DataTable)
        summary = Text()
        with self.app.batch_update():
            table.clear()
            for p in self.progress:
                cells: list[Text] = [literal(p.kind.label)]
                for m, n in zip(out.MONTHS, p.months):
                    cells.append(Text("·" if m > last_month else str(n), justify="right"))
                cells.append(Text(str(p.total), justify="right", style="bold"))
                table.add_row(*cells, key=p.kind.code)
                if summary:
                    summary.append("\n")
                summary.append_text(self.pace_line(p))
        table.styles.height = len(self.progress) + 1
        self.query_one("#out-summary", Static).update(summary)

    @staticmethod
    def pace_line(p: out.KindProgress) -> Text:
        """“走访企业 ███░░░░░░░  31% 312/1000家 ▼ 落后（按进度应完成 904）”."""
        pct = p.percent
        line = Text()
        line.append_text(literal(p.kind.label))
        line.append(" " * max(1, 15 - Text(p.kind.label).cell_len))
        line.append(out.progress_bar(pct), style="bold" if p.done else "")
        line.append(f" {'—' if pct is None else f'{pct:.0f}%':>4} ")
        line.append_text(literal(f"{p.total}/{p.target}{p.kind.unit} "))
        style = "bold #ff8700" if p.behind else ("bold" if p.done else "")
        line.append(p.pace_word, style=style)
        if not p.done and p.elapsed < 1:
            line.append(f"（按进度应完成 {math.floor(p.expected)}）", style="dim")
        return line

    def load_log(self, *, more: bool = False, keep: bool = False) -> None:
        """The first page of the log; with ``more`` the next one appended; with
        ``keep`` as many rows as are listed now, the cursor kept."""
        after = None
        if more and self.rows:
            last = self.rows[-1]
            after = PageKey(value=last.held_on.isoformat(), id=last.id)
        size = max(PAGE_SIZE, len(self.rows)) if keep else PAGE_SIZE
        page = self.store.outreach.activities(self.year, self.month_filter, self.kind_filter, after=after, limit=size + 1,
                                     center=self.center)
        self.more = len(page) > size
        page = page[:size]
        table = self.query_one("#out-log", DataTable)
        cursor = table.cursor_row if keep else 0
        with self.app.batch_update():
            if not more:
                table.clear()
                self.rows = []
            for a in page:
                table.add_row(Text(a.held_on.isoformat()), literal(a.kind_label), Text(str(a.enterprises_reached), justify="right"),
                              Text(str(a.cards_sent), justify="right"),
                              Text(VOID_MARK, style="bold") if a.voided else Text(""), literal(a.place),
                              literal("、".join(a.departments) or "—"), key=str(a.id))
            self.rows += page
            if not more and self.rows:
                table.move_cursor(row=min(cursor or 0, len(self.rows) - 1))
        kind = next((k.label for k in self.store.outreach.kinds() if k.code == self.kind_filter), "全部")
        month = f"{self.month_filter}月" if self.month_filter else "全年"
        tail = "，向下翻页载入更多" if self.more else ""
        self.query_one("#out-log-title", Static).update(literal(
            f"活动记录 · 类别：{kind}（k）· 月份：{month}（m）· 已列出 {len(self.rows)} 条{tail} · Enter 查看"))

    def current(self) -> out.Activity | None:
        row = self.query_one("#out-log", DataTable).cursor_row
        if not self.rows or row is None or not 0 <= row < len(self.rows):
            return None
        return self.rows[row]

    @on(DataTable.RowHighlighted, "#out-log")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self.more and event.cursor_row >= len(self.rows) - 1:
            self.load_log(more=True)

    @on(DataTable.RowSelected, "#out-log")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:  # each row's key is its activity's id
            self.app.push_screen(ActivityScreen(int(event.row_key.value)))

    # -- actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.user.role
        if action in ("log", "void") and role not in LOG_ROLES:
            return False
        if action == "targets" and role not in PLAN_ROLES:
            return False
        return True

    def action_log(self) -> None:
        """Log an activity held (the form checks each field as it is left)."""
        def submit(dialog: FormDialog[dict[str, Any]], values: dict[str, Any]) -> None:
            try:
                a = self.store.outreach.log_activity(self.user, values.pop("held_on"), values.pop("kind"), values.pop("place"),
                                            **values)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(None)
            self.notify(f"已登记：{plain(a.kind_label)} {a.held_on} {plain(a.place)}", markup=False)
            self.year = a.held_on.year  # the log shows the new activity when the dialog closes

        self.app.push_screen(ActivityDialog(self.store, self.clock.today(), self.store.outreach.kinds(),
                                            kind=self.kind_filter, on_submit=submit))

    def action_void(self) -> None:
        """Void the highlighted activity (it stays in the log, out of the progress)."""
        a = self.current()
        if a is None:
            return
        if a.voided:
            self.notify(f"推广活动 #{a.id} 已作废", severity="warning", markup=False)
            return
        void_with_reason(self, a.id)

    def action_targets(self) -> None:
        """Set the year's target of each kind (supervisors and admins)."""
        year = self.year
        assert year is not None

        def submit(dialog: FormDialog[dict[str, int]], values: dict[str, int]) -> None:
            try:
                for code, target in values.items():
                    self.store.outreach.set_target(self.user, year, code, target)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(values)
            self.notify(f"{year} 年目标已调整", markup=False)

        defaults = {k.code: k.target for k in self.store.outreach.kinds()}
        self.app.push_screen(PlanDialog(year, self.store.outreach.plan(year), defaults, on_submit=submit))

    def action_cycle_kind(self) -> None:
        """Show one kind after another in the log, then all again."""
        codes: list[str | None] = [None, *(k.code for k in self.store.outreach.kinds())]
        self.kind_filter = codes[(codes.index(self.kind_filter) + 1) % len(codes)] if self.kind_filter in codes else None
        self.load_log()

    def action_cycle_month(self) -> None:
        """Show one month after another in the log, then the whole year again."""
        self.month_filter = None if self.month_filter == 12 else (self.month_filter or 0) + 1
        self.load_log()

    def action_year(self, step: int) -> None:
        """The previous or the next year."""
        assert self.year is not None
        self.year = min(out.LAST_YEAR, max(out.FIRST_YEAR, self.year + step))
        self.refresh_all()

    def action_toggle_center(self) -> None:
        """Every center's activities, or only one's own center's."""
        self.own_center = not self.own_center
        self.refresh_all()

    def action_reload(self) -> None:
        """Read everything again."""
        self.refresh_all()

    def action_back(self) -> None:
        """Back to the previous screen."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


__all__ = ["ActivityDialog", "ActivityScreen", "OutreachScreen", "PlanDialog", "activity_text"]
