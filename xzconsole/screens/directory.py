"""The enterprise directory (企业名录, F9) and one enterprise's page (issue 7, SPEC §14).

:class:`DirectoryScreen` searches the directory by name words, USCC or a
contact's phone and lists one keyset page (:data:`PAGE_SIZE` records) at a
time with each record's open / total tickets; Enter opens
:class:`EnterpriseScreen`: the record, its contacts and association
memberships, the ticket figures, and the whole history in tabs — 工单 (Enter
opens the ticket), 政策推送, 反馈, 走访, 档案记录 — each a page of 50 that
PageDown extends.  From there staff edit the record (e), add a contact (c),
merge a duplicate record into it (m: find it, see both, confirm) and push a
published policy to it (t).

Every read runs in a thread worker on a connection of its own and comes back
as a message (a name search over 200,000 records takes a few milliseconds,
but a common one-character word may scan); stale answers are dropped by a
token.  The store enforces the roles: department liaisons may not read the
directory at all (it holds confidential complaints), so for them the screen
only says so.  All user text goes through :mod:`xzconsole.textsafe`.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Select, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from .base import AppAccess
from ..models import Enterprise, Role
from ..rules import WarningLevel
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from .dialogs import ConfirmDialog, FormDialog

PAGE_SIZE = 50
NARROW_BELOW = 100  # columns: below this the list drops industry and contact
REFUSAL = "企业名录含保密诉求，仅供中心工作人员（受理员、值班长、管理员）查阅。\n承办单位请在本单位的工单中查看企业信息。按 Esc 返回。"


def store_errors() -> tuple[type[BaseException], ...]:
    from ..store import StoreError

    return (StoreError, ValueError)


def is_liaison(user: Any) -> bool:
    return user is not None and user.role is Role.DEPARTMENT


def when(value: Any, length: int = 16) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM`` (or a date as it is)."""
    return str(value or "").replace("T", " ")[:length]


def enterprise_summary(e: Enterprise, extra: str = "") -> Text:
    """One record in a few lines (the merge confirmation shows two of them)."""
    t = literal(e.name, style="bold")
    t.append(f"  #{e.id}\n")
    t.append_text(literal(f"信用代码：{e.uscc or '—'} · 区域：{e.district or '—'} · 行业：{e.industry or '—'}"))
    t.append("\n")
    t.append_text(literal(f"联系人：{e.contact_name or '—'} {e.contact_phone}".rstrip()))
    if extra:
        t.append("\n" + extra)
    return t


# ---------------------------------------------------------------- a search-and-pick dialog


class PickDialog(AppAccess, FormDialog[Any]):
    """Type words, see matches (found in a worker), pick one with Enter.

    ``finder(store, words)`` runs on the worker's own connection and returns
    ``(value, line)`` pairs; the dialog dismisses with the picked value, or
    with ``(value, note)`` when ``note_label`` asks for a note as well.
    """

    HINT = "回车 检索/选定 · ↓ 到列表 · Esc 取消"
    BINDINGS = [Binding("down", "to_list", "列表", id="pick.list", show=False)]

    class Found(Message):
        def __init__(self, token: int, items: list[tuple[Any, Text]]) -> None:
            super().__init__()
            self.token, self.items = token, items

    def __init__(self, heading: str, placeholder: str, finder: Callable[[Any, str], list[tuple[Any, Text]]], *,
                 words: str = "", note_label: str = "", id: str | None = None) -> None:
        super().__init__(heading, id=id)
        self.placeholder = placeholder
        self.finder = finder
        self.words = words
        self.note_label = note_label
        self.items: list[tuple[Any, Text]] = []
        self._token = 0

    def compose_body(self) -> ComposeResult:
        yield Input(self.words, placeholder=self.placeholder, id="pick-search", classes="dialog-input")
        yield OptionList(id="pick-list", classes="dialog-list")
        if self.note_label:
            yield Label(self.note_label, classes="dialog-label")
            yield Input("", id="pick-note", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#pick-search", Input).focus()
        if self.words:
            self.search(self.words)

    def search(self, words: str) -> None:
        """Look the words up in the background (the list fills when found)."""
        self._token += 1
        self._find(self._token, words)

    @work(thread=True, exclusive=True, group="pick", exit_on_error=False)
    def _find(self, token: int, words: str) -> None:
        store = self._worker_store()
        try:
            items = self.finder(store, words)
        finally:
            store.disconnect()
        self.post_message(self.Found(token, items))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.token != self._token:
            return
        self.items = message.items
        ol = self.query_one("#pick-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(line, id=str(i)) for i, (_, line) in enumerate(self.items)])
        if self.items:
            ol.highlighted = 0
        else:
            self.show_error("没有找到，请换个词")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "pick" and event.state is WorkerState.ERROR:
            self.show_error(f"检索失败：{event.worker.error}")

    @on(Input.Submitted, "#pick-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self.clear_error()
        self.search(event.value)
        self.query_one("#pick-list", OptionList).focus()

    @on(Input.Submitted, "#pick-note")
    def _noted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(OptionList.OptionSelected, "#pick-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.note_label:
            self.query_one("#pick-note", Input).focus()
        else:
            self.action_submit()

    def action_to_list(self) -> None:
        """From the search line down to the matches."""
        self.query_one("#pick-list", OptionList).focus()

    def collect(self) -> Any:
        idx = self.query_one("#pick-list", OptionList).highlighted
        if idx is None or not self.items:
            self.show_error("请先检索并选择一项")
            return None
        value = self.items[idx][0]
        if self.note_label:
            return value, self.query_one("#pick-note", Input).value.strip()
        return value


# ---------------------------------------------------------------- editing dialogs


RECORD_FIELDS = [  # (key, label, placeholder)
    ("name", "企业名称", "营业执照上的全称"),
    ("uscc", "统一社会信用代码", "18 位，可不填"),
    ("district", "所属区域", "如 鼓楼区、高新区"),
    ("industry", "行业", "如 装备制造"),
    ("contact_name", "联系人", "主要联系人姓名"),
    ("contact_phone", "联系电话", "手机或带区号的固定电话"),
    ("note", "备注", ""),
]


class EnterpriseDialog(FormDialog[dict[str, str]]):
    """修改档案 / 新建档案: the record's fields; dismisses with them (the caller
    saves and shows the store's refusal here, keeping what was typed)."""

    HINT = "Ctrl+S 保存 · Esc 取消"

    def __init__(self, heading: str, record: Enterprise | None = None, *, on_submit: Any = None,
                 id: str | None = None) -> None:
        super().__init__(heading, on_submit=on_submit, id=id)
        self.record = record

    def compose_body(self) -> ComposeResult:
        for key, label, hint in RECORD_FIELDS:
            value = getattr(self.record, key) if self.record is not None else ""
            yield Label(label, classes="dialog-label")
            yield Input(plain(value or ""), placeholder=hint, id=f"ent-{key}", classes="dialog-input", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ent-name", Input).focus()

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#ent-{key}", Input).value.strip() for key, _, _ in RECORD_FIELDS}

    def collect(self) -> dict[str, str] | None:
        v = self.values()
        if not v["name"]:
            self.show_error("请填写企业名称")
            return None
        return v

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


class ContactDialog(FormDialog[tuple[str, str, str]]):
    """添加联系人: name, phone, position."""

    def __init__(self, *, on_submit: Any = None, id: str | None = None) -> None:
        super().__init__("添加联系人", on_submit=on_submit, id=id)

    def compose_body(self) -> ComposeResult:
        for key, label, hint in (("name", "姓名", ""), ("phone", "电话", "手机或带区号的固定电话"), ("position", "职务", "可不填")):
            yield Label(label, classes="dialog-label")
            yield Input("", placeholder=hint, id=f"contact-{key}", classes="dialog-input", compact=True)

    def on_mount(self) -> None:
        self.query_one("#contact-name", Input).focus()

    def collect(self) -> tuple[str, str, str] | None:
        name, phone, position = (self.query_one(f"#contact-{k}", Input).value.strip() for k in ("name", "phone", "position"))
        if not name or not phone:
            self.show_error("请填写联系人姓名和电话")
            return None
        return name, phone, position

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


def hit_line(hit: Any) -> Text:
    """A directory hit in a pick list: name · USCC · district · tickets."""
    e = hit.enterprise
    line = literal(e.name)
    line.append_text(literal(f" · {e.uscc or '无信用代码'} · {e.district or '—'} · 工单 {hit.open_tickets}/{hit.total_tickets}",
                             style="dim"))
    return line


# ---------------------------------------------------------------- the directory


class DirectoryScreen(AppAccess, Screen[None]):
    """企业名录: search, page, open an enterprise."""

    BINDINGS = [
        Binding("slash", "focus_search", "搜索", id="directory.search"),
        Binding("enter", "open", "打开", id="directory.open"),
        Binding("pagedown,ctrl+n", "next_page", "下一页", id="directory.next_page", priority=True),
        Binding("pageup,ctrl+b", "previous_page", "上一页", id="directory.previous_page", priority=True),
        Binding("a", "add", "新建档案", id="directory.add"),
        Binding("r", "reload", "刷新", id="directory.reload", show=False),
        Binding("escape", "back", "返回", id="directory.back"),
    ]

    class PageLoaded(Message):
        """A page read by the worker; ``token`` drops stale answers."""

        def __init__(self, token: int, hits: list[Any], more: bool) -> None:
            super().__init__()
            self.token, self.hits, self.more = token, hits, more

    def __init__(self, words: str = "") -> None:
        super().__init__()
        self.words = words
        self.hits: list[Any] = []
        self.more = False
        self.page_keys: list[Any] = [None]  # the key before each page; [-1] is the current page's
        self.loading = False
        self.narrow: bool | None = None
        self._token = 0

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#dir-table", DataTable)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("企业名录", id="header")
        if is_liaison(self.user):
            yield Static(REFUSAL, id="dir-refused", markup=False)
        else:
            with Horizontal(id="dir-bar"):
                yield Input(self.words, placeholder="搜索企业：名称（空格分隔多个词）/ 信用代码 / 联系电话，回车执行",
                            id="dir-search")
                yield Select([(plain(d), d) for d in self.store.directory.district_names()], prompt="全部区域", id="dir-district",
                             compact=True)
            yield DataTable(id="dir-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="dir-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if is_liaison(self.user):
            return
        self._set_columns(self.app.size.width)
        self.reload()
        self.table.focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted and not is_liaison(self.user):
            self.reload(keep_page=True)  # back from a record that may have been edited or merged

    def on_resize(self) -> None:
        if not is_liaison(self.user) and self._set_columns(self.app.size.width):
            self._fill()

    def _set_columns(self, width: int) -> bool:
        narrow = width < NARROW_BELOW
        if narrow == self.narrow:
            return False
        self.narrow = narrow
        t = self.table
        t.clear(columns=True)
        t.add_column("工单未结/全部", width=13, key="tickets")
        t.add_column("统一社会信用代码", width=18, key="uscc")
        t.add_column("区域", width=8, key="district")
        if not narrow:
            t.add_column("行业", width=8, key="industry")
            t.add_column("联系人", width=22, key="contact")
        t.add_column("企业名称", key="name")
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A liaison only goes back; paging only where there is a page to go to."""
        if is_liaison(self.user):
            return action == "back"
        if action == "next_page":
            return True if self.more else None
        if action == "previous_page":
            return True if len(self.page_keys) > 1 else None
        return True

    # -- reading ---------------------------------------------------------------------
    def reload(self, *, keep_page: bool = False) -> None:
        """Read the page for the words in the search line (from the first page unless ``keep_page``)."""
        self.words = self.query_one("#dir-search", Input).value
        if not keep_page:
            self.page_keys = [None]
        self._token += 1
        self.loading = True
        self._update_status()
        district = self.query_one("#dir-district", Select).value
        self._load(self._token, self.words, None if district is Select.NULL else district, self.page_keys[-1])

    @work(thread=True, exclusive=True, group="directory-page", exit_on_error=False)
    def _load(self, token: int, words: str, district: str | None, after: Any) -> None:
        store = self._worker_store()
        try:
            hits = store.directory.search(self.user, words, limit=PAGE_SIZE + 1, after=after, district=district)
        finally:
            store.disconnect()
        self.post_message(self.PageLoaded(token, hits[:PAGE_SIZE], len(hits) > PAGE_SIZE))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.token != self._token:
            return
        self.loading = False
        self.hits, self.more = message.hits, message.more
        self._fill()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors of this screen's workers are reported here, once."""
        if event.state is WorkerState.ERROR and event.worker.group == "directory-page":
            self.loading = False
            self.notify(f"检索失败：{plain(event.worker.error)}", title="出错", severity="error", markup=False, timeout=8)
            self._update_status()

    def _fill(self) -> None:
        t = self.table
        with self.app.batch_update():
            t.clear()
            for h in self.hits:
                e = h.enterprise
                cells = [Text(f"{h.open_tickets:>5} / {h.total_tickets:<5}"), literal(e.uscc or "—"),
                         literal(e.district or "—"), literal(e.industry or "—"),
                         literal(f"{e.contact_name} {e.contact_phone}".strip() or "—"), literal(e.name)]
                if self.narrow:
                    del cells[3:5]
                t.add_row(*cells, key=str(e.id))
        self._update_status()

    def _update_status(self) -> None:
        if self.loading:
            text = "检索中…"
        elif not self.hits:
            text = "没有符合条件的企业" if self.words.strip() else "企业名录为空"
        else:
            first = (len(self.page_keys) - 1) * PAGE_SIZE
            text = f"第 {len(self.page_keys)} 页 · 第 {first + 1:,}–{first + len(self.hits):,} 家"
            text += " · 还有更多（PageDown）" if self.more else ""
            if self.words.strip():
                text += f" · 按{self.hits[0].matched}检索"
        self.query_one("#dir-status", Static).update(text)

    @property
    def status_text(self) -> str:
        return str(self.query_one("#dir-status", Static).render())

    def current_id(self) -> int | None:
        t = self.table
        if not self.hits or t.cursor_row is None or not 0 <= t.cursor_row < len(self.hits):
            return None
        return self.hits[t.cursor_row].enterprise.id

    # -- actions -------------------------------------------------------------------------
    @on(Input.Submitted, "#dir-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()
        self.set_focus(self.table)

    @on(Select.Changed, "#dir-district")
    def _district_changed(self) -> None:
        self.reload()

    @on(DataTable.RowSelected, "#dir-table")
    def _selected(self) -> None:
        self.action_open()

    def action_focus_search(self) -> None:
        """Type a name, a USCC or a phone number."""
        self.query_one("#dir-search", Input).focus()

    def action_open(self) -> None:
        """Open the highlighted enterprise."""
        eid = self.current_id()
        if eid is not None:
            self.app.push_screen(EnterpriseScreen(eid))

    def action_next_page(self) -> None:
        """The next page of the list."""
        if self.more and self.hits:
            self.page_keys.append(self.hits[-1].key)
            self.reload(keep_page=True)

    def action_previous_page(self) -> None:
        """The previous page of the list."""
        if len(self.page_keys) > 1:
            self.page_keys.pop()
            self.reload(keep_page=True)

    def action_reload(self) -> None:
        """Read the page again."""
        self.reload(keep_page=True)

    def action_add(self) -> None:
        """手工建档: a new record typed in."""
        def submit(dialog: FormDialog[Any], v: dict[str, str]) -> None:
            try:
                e = self.store.directory.add(self.user, v["name"], uscc=v["uscc"] or None, district=v["district"],
                                              industry=v["industry"], contact_name=v["contact_name"],
                                              contact_phone=v["contact_phone"], note=v["note"])
            except store_errors() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify(f"已建档：{plain(e.name)}", markup=False)
            self.app.push_screen(EnterpriseScreen(e.id))

        self.app.push_screen(EnterpriseDialog("新建企业档案", on_submit=submit, id="enterprise-new"))

    def action_back(self) -> None:
        """Back to the previous screen (the search line first gives up focus)."""
        if isinstance(self.focused, Input):
            self.table.focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


# ---------------------------------------------------------------- one enterprise


TABS = [  # (id, label, columns as (label, width or None))
    ("tickets", "工单", [("受理日期", 10), ("编号", 15), ("状态", 6), ("承办单位", 8), ("结果/回访", 11), ("预警", 5),
                         ("标题", None)]),
    ("pushes", "政策推送", [("时间", 16), ("途径", 14), ("推送人", 8), ("政策", None)]),
    ("feedback", "反馈", [("时间", 16), ("主题", 8), ("满意度", 8), ("政策", 24), ("内容", None)]),
    ("visits", "走访", [("日期", 10), ("类型", 8), ("人员", 10), ("地点", None)]),
    ("events", "档案记录", [("时间", 16), ("操作", 12), ("人员", 8), ("内容", None)]),
]
FEEDBACK_SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def ticket_cells(t: Any) -> list[Any]:
    outcome = "·".join(x for x in (t.close_reason.label if t.close_reason else "",
                                   t.satisfaction.label if t.satisfaction else "") if x) or "—"
    level = WarningLevel(t.max_level)
    return [Text(when(t.received_at.isoformat(), 10)), Text(t.number), Text(t.status.label),
            literal(t.department_name or "—"), Text(outcome),
            Text(f"{level.symbol}{level.label[:2]}" if level else "—"), literal(t.title or t.content)]


def event_text(e: Any) -> str:
    """An event's note, plus its before → after changes (for edits)."""
    if e.action != "edit":
        return e.note
    from ..areas.directory import FIELD_LABELS

    parts = [f"{FIELD_LABELS.get(k, k)}：{v[0] or '空'} → {v[1] or '空'}" for k, v in e.changes.items()
             if isinstance(v, list) and len(v) == 2]
    return "；".join(parts) or e.note


def row_cells(tab: str, row: Any, owner: int) -> tuple[str, list[Any]]:
    """(row key, cells) of one history row in its tab; ``owner`` is the page's
    record (an event written on a record merged into it names that record)."""
    if tab == "tickets":
        return str(row.id), ticket_cells(row)
    if tab == "pushes":
        via = f"协会：{row.association}" if row.association else "直接推送"
        return f"{'a' if row.association else 'd'}{row.id}", [
            Text(when(row.at)), literal(via), literal(row.actor),
            literal(row.policy_title + (f"（{row.note}）" if row.note else ""))]
    if tab == "feedback":
        return str(row["id"]), [Text(when(row["at"])), literal(row["topic"]),
                                Text(FEEDBACK_SATISFACTION.get(row["satisfaction"], row["satisfaction"])),
                                literal(row["policy_title"]), literal(row["text"] or "—")]
    if tab == "visits":
        return str(row["id"]), [Text(str(row["held_on"])), literal(row["kind_label"]), literal(row["staff"] or "—"),
                                literal(row["place"] + (f"（{row['note']}）" if row["note"] else ""))]
    who = "" if row.record == owner else f"（档案 #{row.record}）"
    return str(row.id), [Text(when(row.at)), Text(row.label), literal(row.actor), literal(who + event_text(row))]


class EnterpriseScreen(AppAccess, Screen[None]):
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

        def __init__(self, token: int, profile: Any, pages: dict[str, tuple[list[Any], Any]]) -> None:
            super().__init__()
            self.token, self.profile, self.pages = token, profile, pages

    class More(Message):
        """The next page of one tab."""

        def __init__(self, token: int, tab: str, rows: list[Any], key: Any) -> None:
            super().__init__()
            self.token, self.tab, self.rows, self.key = token, tab, rows, key

    def __init__(self, enterprise_id: int) -> None:
        super().__init__()
        self.enterprise_id = enterprise_id
        self.profile: Any = None
        self.rows: dict[str, list[Any]] = {tab: [] for tab, _, _ in TABS}
        self.keys: dict[str, Any] = {}
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
        yield Footer()

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
        store = self._worker_store()
        try:
            with store.read_snapshot():
                profile = store.directory.profile(self.user, self.enterprise_id)
                eid = profile.enterprise.id
                pages = {tab: self._reader(store, tab)(self.user, eid) for tab, _, _ in TABS}
        finally:
            store.disconnect()
        self.post_message(self.Loaded(token, profile, pages))

    @staticmethod
    def _reader(store: Any, tab: str) -> Callable[..., tuple[list[Any], Any]]:
        return {"tickets": store.directory.tickets, "pushes": store.directory.pushes,
                "feedback": store.directory.feedback, "visits": store.directory.visits,
                "events": store.directory.history}[tab]

    @work(thread=True, exclusive=True, group="enterprise-more", exit_on_error=False)
    def _load_more(self, token: int, tab: str, after: Any) -> None:
        store = self._worker_store()
        try:
            rows, key = self._reader(store, tab)(self.user, self.enterprise_id, after=after)
        finally:
            store.disconnect()
        self.post_message(self.More(token, tab, rows, key))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.token != self._token:
            return
        self.profile = message.profile
        self.enterprise_id = self.profile.enterprise.id  # a merged id opened the surviving record
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

    def _append(self, tab: str, rows: list[Any]) -> None:
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
            self.app.open_ticket(rows[table.cursor_row].id)

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

        def submit(dialog: FormDialog[Any], v: dict[str, str]) -> None:
            try:
                self.store.directory.update(self.user, record.id, v, version=record.version)
            except store_errors() as exc:
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

        def submit(dialog: FormDialog[Any], v: tuple[str, str, str]) -> None:
            try:
                self.store.directory.add_contact(self.user, record.id, *v, version=record.version)
            except store_errors() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self._done("已添加联系人")

        self.app.push_screen(ContactDialog(on_submit=submit, id="contact-dialog"))

    def action_merge(self) -> None:
        """合并: find the duplicate record, see both side by side, confirm."""
        if self.profile is None:
            return
        keep = self.profile.enterprise
        user = self.user

        def find(store: Any, words: str) -> list[tuple[Any, Text]]:
            hits = store.directory.search(user, words, limit=20)
            return [(h, hit_line(h)) for h in hits if h.enterprise.id != keep.id]

        def picked(hit: Any) -> None:
            if hit is None:
                return
            drop = hit.enterprise
            message = Text("保留：\n")
            message.append_text(enterprise_summary(keep, f"工单 {self.profile.figures.total} 件"))
            message.append("\n\n并入（此档案的工单、联系人、协会、反馈、走访都将转到保留的档案，原档案保留并指向它）：\n")
            message.append_text(enterprise_summary(drop, f"工单 {hit.total_tickets} 件"))

            def confirmed(ok: bool | None) -> None:
                if not ok:
                    return
                try:
                    self.store.directory.merge(self.user, keep.id, drop.id, version_keep=keep.version,
                                                 version_drop=drop.version)
                except store_errors() as exc:
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

        def find(store: Any, words: str) -> list[tuple[Any, Text]]:
            line = lambda p: literal(p.title) + literal(f" · {p.doc_number or '无文号'} · {p.issuer or '—'}", style="dim")  # noqa: E731
            return [(p, line(p)) for p in store.directory.published_policies(user, words)]

        def picked(value: Any) -> None:
            if value is None:
                return
            policy, note = value
            try:
                self.store.directory.push_policy(self.user, policy.id, record.id, note)
            except store_errors() as exc:
                self._fail(exc)
                return
            self._done(f"已推送《{plain(policy.title)}》")

        self.app.push_screen(PickDialog(f"向“{plain(record.name)}”推送政策", "已发布政策的标题 / 文号，回车检索", find,
                                        note_label="推送说明（可不填）", id="push-pick"), picked)


class MergeConfirmDialog(ConfirmDialog):
    """Both records, and what merging does, before it is done."""

    def __init__(self, message: Text) -> None:
        super().__init__("确认合并企业档案", "", "合并")
        self.text = message

    def compose_body(self) -> ComposeResult:
        yield Static(self.text, classes="dialog-message")
