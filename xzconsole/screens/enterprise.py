"""企业档案: one enterprise's page (issue 7, SPEC §14).

The record, its contacts and association memberships, the ticket figures,
and the whole history in tabs — 工单 (Enter opens the ticket), 政策推送,
反馈, 走访, 档案记录 — each a page of 50 that PageDown extends.  From here
staff edit the record (e), add a contact (c), merge a duplicate record into
it (m: find it, see both, confirm) and push a published policy to it (t).
Reads run in thread workers on connections of their own and come back as
messages; department liaisons are refused (the directory holds
confidential complaints), and the directory list says the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from ..areas.enterprise_page import PushLine
from ..areas.grants import GrantLine, GrantTotal, headline, yuan
from ..models import Policy, Role, Staff, Ticket
from ..rules import WarningLevel
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .base import AppAccess, StyledAtMount, store_error_types, stored_id
from .dialogs import FormDialog
from .directory_dialogs import (
    ContactDialog,
    EnterpriseDialog,
    MergeConfirmDialog,
    PickDialog,
    enterprise_summary,
    hit_line,
)

if TYPE_CHECKING:  # types only
    from ..areas.directory import EnterpriseHit
    from ..areas.enterprise_page import EnterpriseEvent, EnterpriseProfile, Key
    from ..store import Store

    #: a row of one of the history tabs (feedback and visits come as dicts)
    HistoryRow = Ticket | PushLine | dict[str, Any] | EnterpriseEvent


class TabReader(Protocol):
    """One history tab's keyset page reader (``store.directory.tickets`` …)."""

    def __call__(self, actor: Staff, enterprise_id: int, *,
                 after: Key | None = None) -> tuple[Sequence[HistoryRow], Key | None]: ...

REFUSAL = "企业名录含保密诉求，仅供中心工作人员（受理员、值班长、管理员）查阅。\n承办单位请在本单位的工单中查看企业信息。按 Esc 返回。"


def is_liaison(user: Staff | None) -> bool:
    """Department liaisons may not read the directory (it holds confidential complaints)."""
    return user is not None and user.role is Role.DEPARTMENT


def when(value: object, length: int = 16) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM`` (or a date as it is)."""
    return str(value or "").replace("T", " ")[:length]


TABS = [  # (id, label, columns as (label, width or None))
    ("tickets", "工单", [("受理日期", 10), ("编号", 15), ("状态", 6), ("承办单位", 8), ("结果/回访", 11), ("预警", 5),
                         ("标题", None)]),
    ("pushes", "政策推送", [("时间", 16), ("途径", 14), ("推送人", 8), ("政策", None)]),
    ("feedback", "反馈", [("时间", 16), ("主题", 8), ("满意度", 8), ("政策", 24), ("内容", None)]),
    ("visits", "走访", [("日期", 10), ("类型", 8), ("人员", 10), ("地点", None)]),
    ("events", "档案记录", [("时间", 16), ("操作", 12), ("人员", 8), ("内容", None)]),
]
FEEDBACK_SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def ticket_cells(t: Ticket) -> list[Text]:
    outcome = "·".join(x for x in (t.close_reason.label if t.close_reason else "",
                                   t.satisfaction.label if t.satisfaction else "") if x) or "—"
    level = WarningLevel(t.max_level)
    return [Text(when(t.received_at.isoformat(), 10)), Text(t.number), Text(t.status.label),
            literal(t.department_name or "—"), Text(outcome),
            Text(f"{level.symbol}{level.label[:2]}" if level else "—"), literal(t.title or t.content)]


def event_text(e: EnterpriseEvent) -> str:
    """An event's note, plus its before → after changes (for edits)."""
    if e.action != "edit":
        return e.note
    from ..areas.directory import FIELD_LABELS

    parts = [f"{FIELD_LABELS.get(k, k)}：{v[0] or '空'} → {v[1] or '空'}" for k, v in e.changes.items()
             if isinstance(v, list) and len(v) == 2]
    return "；".join(parts) or e.note


def grants_text(lines: list[GrantLine], total: GrantTotal) -> Text:
    """The 政策兑现 line: this enterprise's funds by policy, and the whole ledger's headline."""
    t = Text("\n政策兑现：")
    if lines:
        policies = {g.policy_id for g in lines}
        t.append(f"获得资金 {len(lines)} 笔 {yuan(sum(g.amount_fen for g in lines))}"
                 f"（{len(policies)} 项政策，最近 {lines[0].granted_on}")
        t.append_text(literal(f" {lines[0].department}" if lines[0].department else ""))
        t.append("）")
    else:
        t.append("尚无兑现记录")
    if total.enterprises:
        t.append(f" · 全市 {headline(total)}", style="dim")
    return t


def row_cells(tab: str, row: HistoryRow, owner: int) -> tuple[str, list[Text]]:
    """(row key, cells) of one history row in its tab; ``owner`` is the page's
    record (an event written on a record merged into it names that record)."""
    if isinstance(row, Ticket):
        return str(row.id), ticket_cells(row)
    if isinstance(row, dict):  # the feedback and visits tabs
        if tab == "feedback":
            satisfaction: str = row["satisfaction"]
            return str(row["id"]), [Text(when(row["at"])), literal(row["topic"]),
                                    Text(FEEDBACK_SATISFACTION.get(satisfaction, satisfaction)),
                                    literal(row["policy_title"]), literal(row["text"] or "—")]
        return str(row["id"]), [Text(str(row["held_on"])), literal(row["kind_label"]), literal(row["staff"] or "—"),
                                literal(row["place"] + (f"（{row['note']}）" if row["note"] else ""))]
    if isinstance(row, PushLine):
        via = f"协会：{row.association}" if row.association else "直接推送"
        return f"{'a' if row.association else 'd'}{row.id}", [
            Text(when(row.at)), literal(via), literal(row.actor),
            literal(row.policy_title + (f"（{row.note}）" if row.note else ""))]
    who = "" if row.record == owner else f"（档案 #{row.record}）"
    return str(row.id), [Text(when(row.at)), Text(row.label), literal(row.actor), literal(who + event_text(row))]


class EnterpriseScreen(AppAccess, StyledAtMount, Screen[None]):
    """企业档案: one enterprise's record and its whole history, in tabs."""

    BINDINGS = [
        Binding("enter", "open_row", "打开工单", id="enterprise.open"),
        Binding("pagedown,ctrl+n", "more", "更多", id="enterprise.more", priority=True),
        Binding("e", "edit", "编辑", id="enterprise.edit"),
        Binding("c", "add_contact", "添加联系人", id="enterprise.contact"),
        Binding("m", "merge", "合并", id="enterprise.merge"),
        Binding("t", "push", "推送政策", id="enterprise.push"),
        Binding("r", "reload", "刷新", id="enterprise.reload", show=False),
        Binding("escape", "back", "返回", id="enterprise.back"),
    ]

    class Loaded(Message):
        """The profile and the first page of every tab."""

        def __init__(self, token: int, profile: EnterpriseProfile,
                     pages: dict[str, tuple[Sequence[HistoryRow], Key | None]],
                     grants: tuple[list[GrantLine], GrantTotal] | None = None) -> None:
            super().__init__()
            self.token, self.profile, self.pages = token, profile, pages
            self.grants = grants

    class More(Message):
        """The next page of one tab."""

        def __init__(self, token: int, tab: str, rows: Sequence[HistoryRow], key: Key | None) -> None:
            super().__init__()
            self.token, self.tab, self.rows, self.key = token, tab, rows, key

    def __init__(self, enterprise_id: int) -> None:
        super().__init__()
        self.enterprise_id = enterprise_id
        self.profile: EnterpriseProfile | None = None
        #: this enterprise's policy funds and the whole ledger's figure (政策兑现)
        self.grants: tuple[list[GrantLine], GrantTotal] | None = None
        self.rows: dict[str, list[HistoryRow]] = {tab: [] for tab, _, _ in TABS}
        self.keys: dict[str, Key | None] = {}
        self._token = 0

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ConsoleHeader("企业档案", id="header")
        if is_liaison(self.user):
            yield Static(REFUSAL, id="dir-refused", markup=False)
        else:
            yield Static("载入中…", id="ent-header")
            with TabbedContent(id="ent-tabs"):
                for tab, label, _ in TABS:
                    with TabPane(label, id=f"tab-{tab}"):
                        yield DataTable(id=f"ent-{tab}", cursor_type="row", zebra_stripes=True)
            yield Static("", id="ent-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        if is_liaison(self.user):
            return
        for tab, _, columns in TABS:
            table = self.query_one(f"#ent-{tab}", DataTable)
            for label, width in columns:
                table.add_column(label, width=width)
        self.reload()

    @property
    def tab(self) -> str:
        return self.query_one("#ent-tabs", TabbedContent).active.removeprefix("tab-")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if is_liaison(self.user):
            return action == "back"
        if action in ("merge", "push") and self.user.role is Role.ADMIN:
            return False  # clerks and supervisors only (the store refuses anyway)
        if action == "open_row":
            return self.profile is not None and self.tab == "tickets"
        if action == "more":
            return True if self.profile is not None and self.keys.get(self.tab) is not None else None
        return True

    # -- reading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the record and the first page of every tab again (in a worker)."""
        self._token += 1
        self._load(self._token)

    @work(thread=True, exclusive=True, group="enterprise-load", exit_on_error=False)
    def _load(self, token: int) -> None:
        with self.console_app.readers.reader() as store:
            with store.read_snapshot():
                profile = store.directory.profile(self.user, self.enterprise_id)
                eid = stored_id(profile.enterprise)
                pages = {tab: self._reader(store, tab)(self.user, eid) for tab, _, _ in TABS}
                grants = (store.grants.for_record(self.user, eid), store.grants.total())
        self.post_message(self.Loaded(token, profile, pages, grants))

    @staticmethod
    def _reader(store: Store, tab: str) -> TabReader:
        readers: dict[str, TabReader] = {"tickets": store.directory.tickets, "pushes": store.directory.pushes,
                                         "feedback": store.directory.feedback, "visits": store.directory.visits,
                                         "events": store.directory.history}
        return readers[tab]

    @work(thread=True, exclusive=True, group="enterprise-more", exit_on_error=False)
    def _load_more(self, token: int, tab: str, after: Key) -> None:
        with self.console_app.readers.reader() as store:
            rows, key = self._reader(store, tab)(self.user, self.enterprise_id, after=after)
        self.post_message(self.More(token, tab, rows, key))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.token != self._token:
            return
        self.profile = message.profile
        self.grants = message.grants
        self.enterprise_id = stored_id(self.profile.enterprise)  # a merged id opened the surviving record
        self._show_header()
        with self.app.batch_update():
            for tab, (rows, key) in message.pages.items():
                self.rows[tab], self.keys[tab] = [], key
                self.query_one(f"#ent-{tab}", DataTable).clear()
                self._append(tab, rows)
        self._update_status()
        self.refresh_bindings()
        self.query_one(f"#ent-{self.tab}", DataTable).focus()

    @on(More)
    def _more(self, message: More) -> None:
        if message.token != self._token:
            return
        self.keys[message.tab] = message.key
        self._append(message.tab, message.rows)
        self._update_status()
        self.refresh_bindings()

    def _append(self, tab: str, rows: Sequence[HistoryRow]) -> None:
        table = self.query_one(f"#ent-{tab}", DataTable)
        for row in rows:
            key, cells = row_cells(tab, row, self.enterprise_id)
            table.add_row(*cells, key=key)
        self.rows[tab].extend(rows)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors of this screen's workers (a refusal, a vanished record) are shown once."""
        if event.state is WorkerState.ERROR and event.worker.group in ("enterprise-load", "enterprise-more"):
            self.notify(plain(event.worker.error), title="未能载入", severity="error", markup=False, timeout=8)
            if self.profile is None:
                self.query_one("#ent-header", Static).update(literal(str(event.worker.error)))

    def _show_header(self) -> None:
        p = self.profile
        assert p is not None
        e = p.enterprise
        f = p.figures
        from ..areas.directory import first_source_label

        t = literal(e.name, style="bold")
        t.append(f"  #{e.id} · 信用代码 ")
        t.append_text(literal(e.uscc or "—"))
        t.append(" · ")
        t.append_text(literal(f"{e.district or '区域未填'} · {e.industry or '行业未填'}"))
        t.append("\n联系人：")
        people = [f"{e.contact_name} {e.contact_phone}".strip()] + [
            f"{c.name} {c.phone}" + (f"（{c.position}）" if c.position else "") for c in p.contacts]
        t.append_text(literal("；".join(x for x in people if x) or "—"))
        t.append("\n所属协会：")
        t.append_text(literal("、".join(m.name for m in p.memberships) or "—"))
        rate = f"{f.satisfaction_rate:.0%}" if f.satisfaction_rate is not None else "—"
        sat = f.satisfaction
        t.append(f"\n工单 {f.total} 件（未结 {f.open} · 办结 {f.closed} · 曾预警 {f.warned}）· 回访 满意 {sat['satisfied']} "
                 f"基本满意 {sat['basically_satisfied']} 不满意 {sat['unsatisfied']} 未联系上 {sat['unreachable']} · 满意率 {rate}")
        made = f"\n{first_source_label(e.first_source)}建档 {when(e.created_at.isoformat() if e.created_at else '', 10)}"
        t.append(made)
        if p.merged_from:
            t.append(" · 已并入：")
            t.append_text(literal("、".join(f"#{m.id} {m.name}" for m in p.merged_from)))
        if e.note:
            t.append(" · 备注：")
            t.append_text(literal(e.note))
        if self.grants is not None:
            t.append_text(grants_text(*self.grants))
        self.query_one("#ent-header", Static).update(t)
        for tab, label, _ in TABS:
            n = f.total if tab == "tickets" else p.counts[tab]
            self.query_one("#ent-tabs", TabbedContent).get_tab(f"tab-{tab}").label = f"{label} {n}"

    def _update_status(self) -> None:
        tab = self.tab
        shown = len(self.rows.get(tab, []))
        more = " · PageDown 载入更多" if self.keys.get(tab) is not None else ""
        self.query_one("#ent-status", Static).update(f"已显示 {shown} 条{more}")

    @on(TabbedContent.TabActivated, "#ent-tabs")
    def _tab_changed(self) -> None:
        if self.profile is not None:
            self._update_status()
            self.refresh_bindings()

    # -- actions -------------------------------------------------------------------------------
    def _fail(self, exc: BaseException) -> None:
        self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)

    def _done(self, message: str) -> None:
        self.notify(message, markup=False)
        self.reload()

    def action_open_row(self) -> None:
        """Open the highlighted ticket."""
        table = self.query_one("#ent-tickets", DataTable)
        rows = self.rows["tickets"]
        if self.tab == "tickets" and rows and table.cursor_row is not None and 0 <= table.cursor_row < len(rows):
            row = rows[table.cursor_row]
            assert isinstance(row, Ticket)
            self.console_app.open_ticket(row.id)

    @on(DataTable.RowSelected, "#ent-tickets")
    def _ticket_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_row()

    def action_more(self) -> None:
        """The next 50 rows of this tab."""
        key = self.keys.get(self.tab)
        if key is not None:
            self._load_more(self._token, self.tab, key)

    def action_reload(self) -> None:
        """Read everything again."""
        self.reload()

    def action_back(self) -> None:
        """Back to the directory."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_edit(self) -> None:
        """Edit the record (a newer edit by someone else is refused, nothing typed is lost)."""
        if self.profile is None:
            return
        record = self.profile.enterprise

        def submit(dialog: FormDialog[dict[str, str]], v: dict[str, str]) -> None:
            try:
                self.store.directory.update(self.user, stored_id(record), v, version=record.version)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self._done("档案已保存")

        self.app.push_screen(EnterpriseDialog("修改企业档案", record, on_submit=submit, id="enterprise-edit"))

    def action_add_contact(self) -> None:
        """Add a further contact person."""
        if self.profile is None:
            return
        record = self.profile.enterprise

        def submit(dialog: FormDialog[tuple[str, str, str]], v: tuple[str, str, str]) -> None:
            try:
                self.store.directory.add_contact(self.user, stored_id(record), *v, version=record.version)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self._done("已添加联系人")

        self.app.push_screen(ContactDialog(on_submit=submit, id="contact-dialog"))

    def action_merge(self) -> None:
        """合并: find the duplicate record, see both side by side, confirm."""
        if self.profile is None:
            return
        profile = self.profile
        keep = profile.enterprise
        user = self.user

        def find(store: Store, words: str) -> list[tuple[EnterpriseHit, Text]]:
            hits = store.directory.search(user, words, limit=20)
            return [(h, hit_line(h)) for h in hits if h.enterprise.id != keep.id]

        def picked(value: tuple[EnterpriseHit, str] | None) -> None:
            if value is None:
                return
            hit, _ = value
            drop = hit.enterprise
            message = Text("保留：\n")
            message.append_text(enterprise_summary(keep, f"工单 {profile.figures.total} 件"))
            message.append("\n\n并入（此档案的工单、联系人、协会、反馈、走访都将转到保留的档案，原档案保留并指向它）：\n")
            message.append_text(enterprise_summary(drop, f"工单 {hit.total_tickets} 件"))

            def confirmed(ok: bool | None) -> None:
                if not ok:
                    return
                try:
                    self.store.directory.merge(self.user, stored_id(keep), stored_id(drop), version_keep=keep.version,
                                               version_drop=drop.version)
                except store_error_types() as exc:
                    self._fail(exc)
                    return
                self._done(f"已将“{plain(drop.name)}”并入本档案")

            self.app.push_screen(MergeConfirmDialog(message), confirmed)

        self.app.push_screen(PickDialog("合并重复档案：查找要并入本档案的企业", "名称 / 信用代码 / 电话，回车检索", find,
                                        words=keep.name[:4], id="merge-pick"), picked)

    def action_push(self) -> None:
        """推送政策: pick a published policy by its title, add a note, record the push."""
        if self.profile is None:
            return
        record = self.profile.enterprise
        user = self.user

        def find(store: Store, words: str) -> list[tuple[Policy, Text]]:
            def line(p: Policy) -> Text:
                return literal(p.title) + literal(f" · {p.doc_number or '无文号'} · {p.issuer or '—'}", style="dim")

            return [(p, line(p)) for p in store.directory.published_policies(user, words)]

        def picked(value: tuple[Policy, str] | None) -> None:
            if value is None:
                return
            policy, note = value
            try:
                self.store.directory.push_policy(self.user, stored_id(policy), stored_id(record), note)
            except store_error_types() as exc:
                self._fail(exc)
                return
            self._done(f"已推送《{plain(policy.title)}》")

        self.app.push_screen(PickDialog(f"向“{plain(record.name)}”推送政策", "已发布政策的标题 / 文号，回车检索", find,
                                        note_label="推送说明（可不填）", id="push-pick"), picked)


__all__ = ["REFUSAL", "EnterpriseScreen", "is_liaison", "row_cells"]
