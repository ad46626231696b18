"""Policy collection (SPEC §6): source websites, the daily check log and the "135" lag.

One screen for the colleague who checks the policy portals every working
day: a notice of the sources not yet checked today (none on a rest day),
the sources with the staff member or department responsible for each and
when each was last checked, the highlighted source's check log (today's
checks marked), and below, the publication time targets (default "135":
collected within 1 working day of issue, published within 3, interpreted
within 5) with the lag of the most recently published policies measured
against them.  Recording a check is open to clerks, supervisors and admins;
changing the targets to supervisors and admins (the store's rules).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from .base import AppAccess, StyledAtMount, store_error_types, stored_id
from .. import policies as pol
from ..models import Role
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .dialogs import FormDialog, SubmitHook
from .policies import link

RECENT_POLICIES = 20
CHECK_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)
TARGET_ROLES = (Role.SUPERVISOR, Role.ADMIN)


class CheckDialog(FormDialog[tuple[int, str]]):
    """登记巡查: how many new policies were found on the source, and a note."""

    def __init__(self, source_name: str, *, on_submit: SubmitHook[tuple[int, str]] | None = None) -> None:
        super().__init__(f"登记巡查：{source_name}", on_submit=on_submit, id="check-dialog")

    def compose_body(self) -> ComposeResult:
        yield Label("发现新政策数", classes="dialog-label")
        yield Input("0", id="check-found", classes="dialog-input", type="integer")
        yield Label("备注（可不填）", classes="dialog-label")
        yield Input("", id="check-note", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#check-found", Input).focus()

    def collect(self) -> tuple[int, str] | None:
        raw = self.query_one("#check-found", Input).value.strip() or "0"
        try:
            found = int(raw)
        except ValueError:
            self.show_error("发现政策数应为 0 或正整数")
            return None
        if found < 0:
            self.show_error("发现政策数应为 0 或正整数")
            return None
        return found, self.query_one("#check-note", Input).value.strip()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "check-found":
            self.query_one("#check-note", Input).focus()
        else:
            self.action_submit()


class TargetsDialog(FormDialog[tuple[int, int, int]]):
    """修改发布时限: working days from issue to collection, publication and interpretation."""

    def __init__(self, targets: pol.PublicationTargets, *,
                 on_submit: SubmitHook[tuple[int, int, int]] | None = None) -> None:
        super().__init__("修改发布时限（工作日，自发文日期起算）", on_submit=on_submit, id="targets-dialog")
        self.targets = targets

    def compose_body(self) -> ComposeResult:
        for key, label in (("collect", "收集"), ("publish", "发布"), ("interpret", "解读")):
            yield Label(label, classes="dialog-label")
            yield Input(str(getattr(self.targets, key)), id=f"target-{key}", classes="dialog-input", type="integer")

    def on_mount(self) -> None:
        self.query_one("#target-collect", Input).focus()

    def collect(self) -> tuple[int, int, int] | None:
        try:
            collect_days, publish, interpret = (int(self.query_one(f"#target-{k}", Input).value.strip())
                                                for k in ("collect", "publish", "interpret"))
        except ValueError:
            self.show_error("时限应为正整数个工作日")
            return None
        return collect_days, publish, interpret

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


def lag_cell(days: int | None, target: int) -> Text:
    """A lag in working days, marked when it misses the target."""
    if days is None:
        return Text("—", style="dim")
    if days > target:
        return Text(f"{days} 超时", style="bold #ff8700")
    return Text(str(days))


class CollectionScreen(AppAccess, StyledAtMount, Screen[None]):
    """政策收集: sources, today's checks, and the publication lag against the targets."""

    BINDINGS = [
        Binding("c", "record_check", "登记巡查", id="collection.check"),
        Binding("t", "edit_targets", "修改时限", id="collection.targets"),
        Binding("r", "reload", "刷新", id="collection.reload"),
        Binding("escape", "back", "返回", id="collection.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[dict[str, Any]] = []
        self.unchecked: list[dict[str, Any]] = []


    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.user.role
        if action == "record_check" and role not in CHECK_ROLES:
            return False
        if action == "edit_targets" and role not in TARGET_ROLES:
            return False
        return True

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("政策收集", id="header")
        yield Static("", id="col-notice")
        yield DataTable(id="col-sources", cursor_type="row", zebra_stripes=True)
        yield Static("", id="col-log")
        yield Static("", id="col-targets", markup=False)
        yield DataTable(id="col-lag", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        s = self.query_one("#col-sources", DataTable)
        s.add_column("今日", width=6, key="today")
        s.add_column("类别", width=10, key="kind")
        s.add_column("负责", width=14, key="responsible")
        s.add_column("最近巡查", width=11, key="last")
        s.add_column("来源网站", key="name")
        lag = self.query_one("#col-lag", DataTable)
        lag.add_column("发文日期", width=10, key="issued")
        lag.add_column("收集", width=7, key="collect")
        lag.add_column("发布", width=7, key="publish")
        lag.add_column("解读", width=7, key="interpret")
        lag.add_column("发文单位", width=10, key="issuer")
        lag.add_column("政策", key="title")
        self.refresh_all()
        s.focus()

    def refresh_all(self) -> None:
        """Read sources, today's notice, targets and lags again."""
        self.sources = self.store.collection.sources()
        self.unchecked = self.store.collection.sources_unchecked()
        missing = {u["id"] for u in self.unchecked}
        today = self.clock.today()
        workday = self.store.calendar().is_workday(today)
        notice = self.query_one("#col-notice", Static)
        if not workday:
            notice.update("今天是休息日，无须巡查")
            notice.remove_class("-warn")
        elif self.unchecked:
            first = self.unchecked[0]["name"]
            more = f" 等 {len(self.unchecked)} 个" if len(self.unchecked) > 1 else ""
            notice.update(literal(f"⚠ 今日尚有 {len(self.unchecked)} 个来源未巡查：{first}{more}"))
            notice.add_class("-warn")
        else:
            notice.update("✓ 今日所有来源均已巡查")
            notice.remove_class("-warn")
        t = self.query_one("#col-sources", DataTable)
        row = t.cursor_row
        with self.app.batch_update():
            t.clear()
            for s in self.sources:
                mark = Text("✗ 未查", style="bold #ff8700") if s["id"] in missing and workday else (
                    Text("✓ 已查") if workday else Text("—"))
                last = (s["last_checked"] or "").replace("T", " ")[5:16] or "从未"
                t.add_row(mark, literal(s["kind_label"]), literal(s["responsible"] or "—"), Text(last),
                          literal(s["name"]), key=str(s["id"]))
        if row is not None and self.sources:
            t.move_cursor(row=min(row, len(self.sources) - 1))
        self._show_log()
        self._show_lags()

    @property
    def notice_text(self) -> str:
        return str(self.query_one("#col-notice", Static).render())

    def current(self) -> dict[str, Any] | None:
        t = self.query_one("#col-sources", DataTable)
        if not self.sources or t.cursor_row is None or t.cursor_row >= len(self.sources):
            return None
        return self.sources[t.cursor_row]

    @on(DataTable.RowHighlighted, "#col-sources")
    def _show_log(self) -> None:
        s = self.current()
        box = self.query_one("#col-log", Static)
        if s is None:
            box.update("")
            return
        today = self.clock.today().isoformat()
        text = Text()
        text.append_text(literal(f"{s['name']}（负责：{s['responsible'] or '未指定'}）", style="bold"))
        text.append("  ")
        text.append_text(link("网址", s["url"]))
        checks = self.store.collection.source_checks(s["id"], limit=4)
        if not checks:
            text.append("\n尚无巡查记录")
        for c in checks:
            text.append("\n")
            mark = "今日 " if c["day"] == today else ""
            text.append_text(literal(f"{mark}{c['at'].replace('T', ' ')[:16]} {c['actor_name']} 发现 {c['found_count']} 份"
                                     + (f"：{c['note']}" if c["note"] else "")))
        box.update(text)

    def _show_lags(self) -> None:
        targets = self.store.collection.targets()
        self.query_one("#col-targets", Static).update(
            f"发布时限“{targets.name}”：收集 {targets.collect} · 发布 {targets.publish} · 解读 {targets.interpret} 个工作日"
            f"（自发文日期起算）· 最近发布的 {RECENT_POLICIES} 项政策")
        hits = self.store.library.search("", pol.PolicyFilter(statuses=["published", "expired"], sort="newest"),
                                          limit=RECENT_POLICIES)
        t = self.query_one("#col-lag", DataTable)
        with self.app.batch_update():
            t.clear()
            for h in hits:
                p = h.policy
                lag = self.store.collection.policy_lag(stored_id(p))
                t.add_row(Text(str(p.issued_at or "—")), lag_cell(lag.collect, targets.collect),
                          lag_cell(lag.publish, targets.publish), lag_cell(lag.interpret, targets.interpret),
                          literal(p.issuer or "—"), literal(p.title), key=str(p.id))

    # -- actions -----------------------------------------------------------------------
    def action_record_check(self) -> None:
        """Log today's check of the highlighted source."""
        s = self.current()
        if s is None:
            return

        def submit(dialog: FormDialog[tuple[int, str]], value: tuple[int, str]) -> None:
            try:
                self.store.collection.record_source_check(self.user, s["id"], value[0], value[1])
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify(f"已登记巡查：{plain(s['name'])}", markup=False)
            self.refresh_all()

        self.app.push_screen(CheckDialog(s["name"], on_submit=submit))

    def action_edit_targets(self) -> None:
        """Change the publication time targets."""
        def submit(dialog: FormDialog[tuple[int, int, int]], value: tuple[int, int, int]) -> None:
            try:
                self.store.collection.set_targets(self.user, *value)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify("发布时限已修改", markup=False)
            self._show_lags()

        self.app.push_screen(TargetsDialog(self.store.collection.targets(), on_submit=submit))

    def action_reload(self) -> None:
        """Read everything again."""
        self.refresh_all()

    def action_back(self) -> None:
        """Back to the previous screen."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


__all__ = ["CheckDialog", "CollectionScreen", "TargetsDialog"]
