"""The policy library (SPEC §6, §9): list, detail, editor, push, comments, feedback.

:class:`PolicyLibraryScreen` lists one page (:data:`PAGE_SIZE` rows) of the
library at a time, never the whole table: a search box (Chinese substring
search, 2-character words included — the store's FTS5 trigram index) and
filters for the 9 / 56 category tree, level, issuing department, kind and
validity (in force / ending within 30 days / ended).  Declaration policies
sort by time left to apply and show the days left.  Every page is read in a
thread worker on a connection of its own (a search over 100,000 policies
stays well under a frame, but a filter may scan) and posted back as a
message; stale answers are dropped by a token.

The detail pane shows summary, interpreter, validity, document number and
the application and source links as terminal hyperlinks
(``Style(link=url)``).  The actions follow the role the store enforces:
supervisors create, edit, publish, withdraw, push and run comment rounds;
clerks search, read, record comments and record feedback.  A refusal from
the store (any ``StoreError``) is shown as a Chinese notification with
``markup=False`` — user text never reaches a markup parser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, Select, SelectionList, Static, TextArea
from textual.worker import Worker, WorkerState

from .base import AppAccess
from .. import policies as pol
from ..models import PolicyKind, PolicyLevel, PolicyStatus, Role
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from .dialogs import ConfirmDialog, FormDialog, ReasonDialog

PAGE_SIZE = 50
NARROW_BELOW = 100  # columns: below this the list drops the issuer column
CATEGORY_SEP = "\u001f"  # between category and subcategory in a Select value (never typed by anyone)


# ---------------------------------------------------------------- helpers shared by the policy screens


def store_error_types() -> tuple[type[BaseException], ...]:
    """What a store action may refuse with: its own errors and a bad value."""
    from ..store import StoreError

    return (StoreError, ValueError)


def select_value(select: Select[Any]) -> Any:
    """A Select's value, or None when nothing is chosen."""
    v = select.value
    return None if v is Select.NULL else v


def category_options(tree: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The 9 / 56 tree as one Select: each category, then its subcategories indented."""
    out: list[tuple[str, str]] = []
    for top, subs in tree.items():
        out.append((plain(top), top))
        out.extend((f"  └ {plain(s)}", f"{top}{CATEGORY_SEP}{s}") for s in subs)
    return out


def split_category(value: str | None) -> tuple[str, str]:
    """A category Select value as (category, subcategory)."""
    if not value:
        return "", ""
    top, _, sub = value.partition(CATEGORY_SEP)
    return top, sub


def link(label: str, url: str) -> Text:
    """``label`` as a terminal hyperlink to ``url`` (the url shown literally after it)."""
    text = Text()
    if not url:
        text.append(f"{label}：—")
        return text
    text.append(f"{label}：")
    safe = plain(url)
    # only http(s) links become clickable: the store accepts nothing else, and a
    # file: or javascript: link from elsewhere should never be one click away
    style = Style(link=safe, underline=True) if safe.startswith(("http://", "https://")) else Style()
    text.append(safe, style=style)
    return text


def days_left_text(n: int | None) -> Text:
    """Days left to apply, coloured by urgency (the word carries the meaning)."""
    label = pol.days_left_label(n)
    if n is None:
        return Text(label, style="dim")
    if n < 0:
        return Text(label, style="dim")
    if n <= 7:
        return Text(label, style="bold #ff8700")
    if n <= pol.ENDING_SOON_DAYS:
        return Text(label, style="#ffd700")
    return Text(label)


def policy_detail_text(detail: dict[str, Any]) -> Text:
    """The detail pane: every user-supplied piece through :func:`literal`."""
    p = detail["policy"]
    t = Text()
    t.append_text(literal(p.title, style="bold"))
    t.append("\n")
    meta = [p.status.label, p.level.label, p.kind.label]
    if p.category:
        meta.append(p.category + (f" / {p.subcategory}" if p.subcategory else ""))
    t.append_text(literal(" · ".join(meta), style="dim"))
    t.append("\n\n")
    rows = [
        ("文号", p.doc_number or "—"),
        ("发文单位", p.issuer or "—"),
        ("发文日期", str(p.issued_at or "—")),
        ("发布日期", str(p.published_at or "—")),
        ("有效期", f"{p.valid_from or '…'} 至 {p.valid_until or '长期'}（{pol.days_left_label(detail['days_left'])}）"),
        ("解读人", f"{p.interpreter_name} {p.interpreter_phone}".strip() or "未填写"),
    ]
    for label, value in rows:
        t.append(f"{label}：")
        t.append_text(literal(value))
        t.append("\n")
    if p.kind is PolicyKind.DECLARATION:
        t.append_text(link("申报链接", p.apply_url))
        t.append("\n")
    t.append_text(link("来源链接", p.source_url))
    t.append("\n")
    lag = detail.get("lag")
    if lag is not None and lag.publish is not None:
        late = lag.late()
        t.append(f"发布用时：{lag.publish} 个工作日（目标 {lag.targets.publish}）"
                 + ("，超时：" + "、".join(late) if late else ""))
        t.append("\n")
    t.append("\n摘要\n", style="bold")
    t.append_text(literal(p.summary or "（暂无摘要）", single_line=False))
    if detail.get("updated_at"):
        t.append("\n\n")
        t.append_text(literal(f"最近修改：{str(detail['updated_at']).replace('T', ' ')[:16]} {detail.get('updated_by') or ''}",
                              style="dim"))
    return t


# ---------------------------------------------------------------- the library


@dataclass
class LibraryQuery:
    """What the list shows: words, filters and the page offset."""

    words: str = ""
    filters: pol.PolicyFilter | None = None
    offset: int = 0


class PolicyLibraryScreen(AppAccess, Screen[None]):
    """政策库: search, filter, page, read, and act on one policy."""

    BINDINGS = [
        Binding("slash", "focus_search", "搜索", id="policies.search"),
        # priority: the table would otherwise scroll by a screen instead of paging the library
        Binding("pagedown,ctrl+n", "next_page", "下一页", id="policies.next_page", priority=True),
        Binding("pageup,ctrl+b", "previous_page", "上一页", id="policies.previous_page", priority=True),
        Binding("a", "new_policy", "新建", id="policies.new"),
        Binding("e", "edit_policy", "修改", id="policies.edit"),
        Binding("u", "publish", "发布", id="policies.publish"),
        Binding("w", "withdraw", "撤回", id="policies.withdraw"),
        Binding("t", "push", "推送", id="policies.push"),
        Binding("h", "push_history", "推送记录", id="policies.push_history"),
        Binding("c", "comments", "征求意见", id="policies.comments"),
        Binding("b", "feedback", "政策反馈", id="policies.feedback"),
        Binding("r", "reload", "刷新", id="policies.reload", show=False),
        Binding("escape", "back", "返回", id="policies.back"),
    ]

    #: actions only a supervisor may take (the store refuses the others anyway)
    MANAGER_ACTIONS = {"new_policy", "edit_policy", "publish", "withdraw", "push"}

    class PageLoaded(Message):
        """A page read by the worker; ``token`` drops stale answers."""

        def __init__(self, token: int, hits: list[pol.PolicyHit], more: bool, total: int | None) -> None:
            super().__init__()
            self.token = token
            self.hits = hits
            self.more = more
            self.total = total

    def __init__(self, words: str = "") -> None:
        super().__init__()
        self.query_state = LibraryQuery(words=words)
        self.hits: list[pol.PolicyHit] = []
        self.more = False
        self.total: int | None = None
        self.loading = False
        self.narrow: bool | None = None
        self._token = 0

    # -- shortcuts -------------------------------------------------------------------

    @property
    def is_manager(self) -> bool:
        return self.user is not None and self.user.role is Role.SUPERVISOR

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#pol-table", DataTable)

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        tree = self.store.categories()
        issuers = sorted({d.short_name for d in self.store.departments()})
        yield ConsoleHeader("政策库", id="header")
        yield Input(self.query_state.words, placeholder="搜索政策：标题 / 文号 / 发文单位 / 摘要（空格分隔多个词，回车执行）",
                    id="pol-search")
        with Horizontal(id="pol-filters"):
            yield Select(category_options(tree), prompt="全部类别", id="pol-category", compact=True)
            yield Select([(lv.label, lv.value) for lv in PolicyLevel], prompt="全部层级", id="pol-level", compact=True)
            yield Select([(k.label, k.value) for k in PolicyKind], prompt="全部类型", id="pol-kind", compact=True)
            yield Select([(v.label, v.value) for v in pol.Validity], prompt="全部有效期", id="pol-validity", compact=True)
            yield Input(placeholder="发文单位", id="pol-issuer", suggester=SuggestFromList(issuers), compact=True)
        with Horizontal(id="pol-body"):
            yield DataTable(id="pol-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="pol-detail-box"):
                yield Static("", id="pol-detail")
        yield Static("", id="pol-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._set_columns(self.app.size.width)
        self.reload()
        self.table.focus()

    def on_resize(self) -> None:
        if self._set_columns(self.app.size.width):
            self._fill()

    def _set_columns(self, width: int) -> bool:
        """Columns for a terminal ``width``: below :data:`NARROW_BELOW` the issuer
        column goes (the detail pane names it).  True when the set changed."""
        narrow = width < NARROW_BELOW
        if narrow == self.narrow:
            return False
        self.narrow = narrow
        t = self.table
        t.clear(columns=True)
        # the title goes last: it takes what is left and is clipped, never the dates
        t.add_column("状态", width=6, key="status")
        t.add_column("申报期限", width=10, key="left")
        if not narrow:
            t.add_column("发文单位", width=10, key="issuer")
        t.add_column("标题", key="title")
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only what the role may do; paging only where there is a page to go to."""
        if action in self.MANAGER_ACTIONS and not self.is_manager:
            return False
        if action == "next_page":
            return True if self.more else None
        if action == "previous_page":
            return True if self.query_state.offset > 0 else None
        return True

    # -- reading -----------------------------------------------------------------------
    def current_filters(self) -> pol.PolicyFilter:
        """The filter row as a PolicyFilter."""
        category, sub = split_category(select_value(self.query_one("#pol-category", Select)))
        return pol.PolicyFilter(
            category=category or None,
            subcategory=sub or None,
            level=select_value(self.query_one("#pol-level", Select)),
            kind=select_value(self.query_one("#pol-kind", Select)),
            validity=select_value(self.query_one("#pol-validity", Select)),
            issuer=self.query_one("#pol-issuer", Input).value.strip() or None,
        )

    def reload(self, *, keep_offset: bool = False) -> None:
        """Read the page for the current words and filters (in a worker)."""
        self.query_state.words = self.query_one("#pol-search", Input).value
        self.query_state.filters = self.current_filters()
        if not keep_offset:
            self.query_state.offset = 0
        self._token += 1
        self.loading = True
        self._update_status()
        self._load(self._token, self.query_state.words, self.query_state.filters, self.query_state.offset)

    @work(thread=True, exclusive=True, group="policy-page", exit_on_error=False)
    def _load(self, token: int, words: str, filters: pol.PolicyFilter, offset: int) -> None:
        from ..store import Store

        app: Any = self.app
        store = Store(app.db_path, app.clock, migrate=False)
        try:
            hits = store.library.search(words, filters, limit=PAGE_SIZE + 1, offset=offset)
            # the count of a filter alone is one indexed count; with words the
            # page says "more" instead of counting every match
            total = None if pol.split_terms(words) else store.library.count(filters)
        finally:
            store.disconnect()
        self.post_message(self.PageLoaded(token, hits[:PAGE_SIZE], len(hits) > PAGE_SIZE, total))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.token != self._token:
            return
        self.loading = False
        self.hits, self.more, self.total = message.hits, message.more, message.total
        self._fill()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors of this screen's workers are reported here, once."""
        if event.state is WorkerState.ERROR and event.worker.group == "policy-page":
            self.loading = False
            self.notify(f"检索失败：{plain(event.worker.error)}", title="出错", severity="error", markup=False, timeout=8)
            self._update_status()

    def _fill(self) -> None:
        t = self.table
        keep = self.current_policy_id()
        with self.app.batch_update():
            t.clear()
            for h in self.hits:
                p = h.policy
                cells = [Text(p.status.label), days_left_text(h.days_left), literal(p.issuer or "—"), literal(p.title)]
                if self.narrow:
                    del cells[2]
                t.add_row(*cells, key=str(p.id))
        if keep is not None:
            for i, h in enumerate(self.hits):
                if h.policy.id == keep:
                    t.move_cursor(row=i)
        self._update_status()
        self._show_detail()

    def _update_status(self) -> None:
        q = self.query_state
        if self.loading:
            text = "检索中…"
        elif not self.hits:
            text = "没有符合条件的政策"
        else:
            span = f"第 {q.offset + 1:,}–{q.offset + len(self.hits):,} 条"
            tail = f" · 共 {self.total:,} 条" if self.total is not None else (" · 还有更多（PageDown）" if self.more else "")
            text = f"第 {q.offset // PAGE_SIZE + 1} 页 · {span}{tail}"
        f = q.filters
        if f is not None and f.kind in (PolicyKind.DECLARATION.value, PolicyKind.DECLARATION):
            text += " · 申报类按剩余天数排序"
        self.query_one("#pol-status", Static).update(text)

    @property
    def status_text(self) -> str:
        return str(self.query_one("#pol-status", Static).render())

    def current_policy_id(self) -> int | None:
        """The highlighted policy's id."""
        t = self.table
        if not self.hits or t.cursor_row is None or not 0 <= t.cursor_row < len(self.hits):
            return None
        return self.hits[t.cursor_row].policy.id

    def _show_detail(self) -> None:
        box = self.query_one("#pol-detail", Static)
        pid = self.current_policy_id()
        if pid is None:
            box.update("")
            return
        try:
            detail = self.store.library.detail(pid)  # one row by primary key: inline is fine
        except store_error_types() as exc:
            box.update(literal(str(exc)))
            return
        box.update(policy_detail_text(detail))

    @on(DataTable.RowHighlighted, "#pol-table")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(Input.Submitted, "#pol-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()
        self.set_focus(self.table)  # at once: a deferred focus() can lose to the key still in flight

    @on(Input.Submitted, "#pol-issuer")
    def _issuer(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        if event.select.id and event.select.id.startswith("pol-"):
            self.reload()

    # -- actions ----------------------------------------------------------------------------
    def _fail(self, exc: BaseException) -> None:
        self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)

    def _selected(self) -> int | None:
        pid = self.current_policy_id()
        if pid is None:
            self.notify("请先选择一项政策", severity="warning", markup=False)
        return pid

    def action_focus_search(self) -> None:
        """Type words to search the library."""
        self.query_one("#pol-search", Input).focus()

    def action_next_page(self) -> None:
        """The next page of the list."""
        if self.more:
            self.query_state.offset += PAGE_SIZE
            self.reload(keep_offset=True)

    def action_previous_page(self) -> None:
        """The previous page of the list."""
        if self.query_state.offset > 0:
            self.query_state.offset = max(0, self.query_state.offset - PAGE_SIZE)
            self.reload(keep_offset=True)

    def action_reload(self) -> None:
        """Read the page again."""
        self.reload(keep_offset=True)

    def action_back(self) -> None:
        """Back to the previous screen (the search box first gives up focus)."""
        if isinstance(self.focused, Input):
            self.table.focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_new_policy(self) -> None:
        """Write a new policy (saved as a draft)."""
        self.app.push_screen(PolicyEditorScreen(None), lambda _: self.reload(keep_offset=True))

    def action_edit_policy(self) -> None:
        """Edit the highlighted policy."""
        pid = self._selected()
        if pid is not None:
            self.app.push_screen(PolicyEditorScreen(pid), lambda _: self.reload(keep_offset=True))

    def action_publish(self) -> None:
        """Publish the highlighted draft (refused without summary and interpreter)."""
        pid = self._selected()
        if pid is None:
            return
        p = self.store.library.get(pid)

        def done(ok: bool | None) -> None:
            if not ok:
                return
            try:
                self.store.library.publish(self.user, pid)
            except store_error_types() as exc:
                self._fail(exc)
                return
            self.notify(f"已发布：{plain(p.title)}", markup=False)
            self.reload(keep_offset=True)

        self.app.push_screen(ConfirmDialog("发布政策", p.title, "发布"), done)

    def action_withdraw(self) -> None:
        """Withdraw the highlighted policy, with a reason."""
        pid = self._selected()
        if pid is None:
            return

        def submit(dialog: FormDialog[Any], reason: str) -> None:
            try:
                self.store.library.withdraw(self.user, pid, reason)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(reason)
            self.notify("政策已撤回", markup=False)
            self.reload(keep_offset=True)

        self.app.push_screen(ReasonDialog("撤回政策", "如：文件已废止", label="撤回理由", on_submit=submit))

    def action_push(self) -> None:
        """定向推送: choose associations (subscribed ones pre-selected) and record the pushes."""
        pid = self._selected()
        if pid is None:
            return
        p = self.store.library.get(pid)
        if p.status is not PolicyStatus.PUBLISHED:
            self.notify(f"只能推送已发布的政策（当前为“{p.status.label}”）；草稿请用“征求意见”", severity="warning", markup=False)
            return
        suggested = {a.id for a in self.store.library.suggest_associations(pid)}

        def submit(dialog: FormDialog[Any], value: tuple[list[int], str]) -> None:
            ids, note = value
            try:
                n = self.store.library.push(self.user, pid, ids, note)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify(f"已推送至 {n} 家协会", markup=False)
            self._show_detail()

        self.app.push_screen(AssociationPicker(f"定向推送：{p.title}", self.store.association_list(), suggested,
                                               note_label="推送说明（可不填）", on_submit=submit, id="push-dialog"))

    def action_push_history(self) -> None:
        """Where this policy was pushed, newest first."""
        pid = self._selected()
        if pid is not None:
            self.app.push_screen(PushHistoryScreen(pid))

    def action_comments(self) -> None:
        """定制点餐: the policy's comment rounds."""
        pid = self._selected()
        if pid is not None:
            self.app.push_screen(CommentRoundsScreen(pid), lambda _: self._show_detail())

    def action_feedback(self) -> None:
        """The policy's feedback survey."""
        pid = self._selected()
        if pid is not None:
            self.app.push_screen(FeedbackScreen(pid))


# ---------------------------------------------------------------- the editor

EDITOR_FIELDS = [  # (key, label, placeholder)
    ("title", "标题", "政策文件全称"),
    ("doc_number", "文号", "如 徐政发〔2026〕1号"),
    ("issuer", "发文单位", "如 市人社局"),
    ("interpreter_name", "解读人", "姓名（发布前必填）"),
    ("interpreter_phone", "解读人电话", "如 0516-83735126（发布前必填）"),
    ("valid_from", "生效日期", "YYYY-MM-DD"),
    ("valid_until", "截止日期", "YYYY-MM-DD，长期有效可不填"),
    ("issued_at", "发文日期", "YYYY-MM-DD"),
    ("apply_url", "申报链接", "https://…（申报类）"),
    ("source_url", "来源链接", "https://…"),
]


class PolicyEditorScreen(AppAccess, Screen[int | None]):
    """新建 / 修改政策: every field, save as draft, or save and publish.

    Publishing is refused without summary and interpreter (name and phone):
    the refusal is shown in the form in Chinese, nothing typed is lost, and
    the policy stays a draft.  Saving sends ``expect_updated_at`` so an edit
    never silently overwrites someone else's newer one.  Dismisses with the
    policy's id (or None when nothing was saved).
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", id="policy_editor.save", priority=True),
        Binding("ctrl+r", "publish", "保存并发布", id="policy_editor.publish", priority=True),
        Binding("escape", "close", "关闭", id="policy_editor.close"),
    ]

    def __init__(self, policy_id: int | None) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.updated_at: str | None = None
        self.saved = False


    def compose(self) -> ComposeResult:
        tree = self.store.categories()
        yield ConsoleHeader("政策编辑", id="header")
        yield Static("", id="editor-state", markup=False)
        with VerticalScroll(id="editor-form"):
            # compact inputs (one line each): most of the form fits in 80×24
            for key, label, hint in EDITOR_FIELDS[:3]:
                yield Label(label, classes="editor-label")
                yield Input(placeholder=hint, id=f"ed-{key}", classes="editor-input", compact=True)
            with Horizontal(classes="editor-row"):
                yield Select([(lv.label, lv.value) for lv in PolicyLevel], prompt="层级", id="ed-level",
                             value=PolicyLevel.MUNICIPAL.value, allow_blank=False, compact=True)
                yield Select([(k.label, k.value) for k in PolicyKind], prompt="类型", id="ed-kind",
                             value=PolicyKind.OTHER.value, allow_blank=False, compact=True)
                yield Select(category_options(tree), prompt="类别 / 子类", id="ed-category", compact=True)
            yield Label("摘要（发布前必填）", classes="editor-label")
            yield TextArea("", id="ed-summary", classes="editor-summary", soft_wrap=True)
            for key, label, hint in EDITOR_FIELDS[3:]:
                yield Label(label, classes="editor-label")
                yield Input(placeholder=hint, id=f"ed-{key}", classes="editor-input", compact=True)
        yield Static("", id="editor-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if self.policy_id is not None:
            self._load(self.policy_id)
        self._update_state()
        self.query_one("#ed-title", Input).focus()

    def _load(self, pid: int) -> None:
        detail = self.store.library.detail(pid)
        p = detail["policy"]
        self.updated_at = detail["updated_at"]
        for key, _, _ in EDITOR_FIELDS:
            v = getattr(p, key)
            self.query_one(f"#ed-{key}", Input).value = "" if v is None else plain(str(v))
        self.query_one("#ed-level", Select).value = p.level.value
        self.query_one("#ed-kind", Select).value = p.kind.value
        if p.category:
            self.query_one("#ed-category", Select).value = (f"{p.category}{CATEGORY_SEP}{p.subcategory}"
                                                            if p.subcategory else p.category)
        self.query_one("#ed-summary", TextArea).text = p.summary

    def _update_state(self) -> None:
        if self.policy_id is None:
            text = "新建政策 · 保存后为草稿 · Ctrl+S 保存 · Ctrl+R 保存并发布"
        else:
            p = self.store.library.get(self.policy_id)
            when = (self.updated_at or "").replace("T", " ")[:16]
            text = f"政策 #{p.id} · 状态：{p.status.label} · 最近修改 {when}"
        self.query_one("#editor-state", Static).update(text)

    def values(self) -> dict[str, Any]:
        """The form as the store's field values."""
        v: dict[str, Any] = {key: self.query_one(f"#ed-{key}", Input).value.strip() for key, _, _ in EDITOR_FIELDS}
        v["level"] = select_value(self.query_one("#ed-level", Select)) or PolicyLevel.MUNICIPAL.value
        v["kind"] = select_value(self.query_one("#ed-kind", Select)) or PolicyKind.OTHER.value
        v["category"], v["subcategory"] = split_category(select_value(self.query_one("#ed-category", Select)))
        v["summary"] = self.query_one("#ed-summary", TextArea).text.strip()
        for key in ("valid_from", "valid_until", "issued_at"):
            v[key] = v[key] or None
        return v

    def show_error(self, message: str) -> None:
        """Say in the form what was refused (and notify)."""
        box = self.query_one("#editor-error", Static)
        box.update(plain(message))
        box.add_class("-shown")
        self.notify(plain(message), title="未能完成", severity="error", markup=False, timeout=8)

    @property
    def error_text(self) -> str:
        return str(self.query_one("#editor-error", Static).render())

    def _save(self) -> bool:
        store, user = self.store, self.app.user  # type: ignore[attr-defined]
        try:
            if self.policy_id is None:
                p = store.library.create(user, self.values())
                self.policy_id = p.id
            else:
                store.library.update(user, self.policy_id, self.values(), expect_updated_at=self.updated_at)
        except store_error_types() as exc:
            self.show_error(str(exc))
            return False
        self.saved = True
        self.updated_at = store.library.detail(self.policy_id)["updated_at"]
        box = self.query_one("#editor-error", Static)
        box.update("")
        box.remove_class("-shown")
        self._update_state()
        return True

    def action_save(self) -> None:
        """Save (a new policy becomes a draft)."""
        if self._save():
            self.notify("已保存", markup=False)

    def action_publish(self) -> None:
        """Save, then publish; a refusal is shown and the policy stays a draft."""
        if not self._save():
            return
        store, user = self.store, self.app.user  # type: ignore[attr-defined]
        p = store.library.get(self.policy_id)
        if p.status is PolicyStatus.PUBLISHED:
            self.notify("已保存（该政策已发布）", markup=False)
            return
        try:
            store.library.publish(user, self.policy_id)
        except store_error_types() as exc:
            self.show_error(f"未发布：{exc}")
            return
        self.updated_at = store.library.detail(self.policy_id)["updated_at"]
        self._update_state()
        self.notify("已发布", markup=False)

    def action_close(self) -> None:
        """Close the editor (unsaved typing is dropped)."""
        self.dismiss(self.policy_id if self.saved else None)


# ---------------------------------------------------------------- associations: push and comment rounds


class AssociationPicker(FormDialog[tuple[list[int], str]]):
    """Choose associations (space toggles), with the given ones pre-selected,
    plus a note; optionally a deadline (comment rounds).  Dismisses with
    (ids, note) — or (ids, note, deadline) when ``deadline`` is asked."""

    HINT = "空格 选择/取消 · Ctrl+S 确定 · Esc 取消"

    def __init__(self, heading: str, associations: list[Any], preselected: set[int], *, note_label: str = "说明",
                 deadline: dt.date | None = None, on_submit: Any = None, id: str | None = None) -> None:
        super().__init__(heading, on_submit=on_submit, id=id)
        self.associations = associations
        self.preselected = preselected
        self.note_label = note_label
        self.deadline = deadline

    def compose_body(self) -> ComposeResult:
        subscribed = Text(" （★ 订阅了该类别）", style="dim") if self.preselected else Text("")
        yield Label(Text("协会") + subscribed, classes="dialog-label")
        items = []
        for a in self.associations:
            label = literal(("★ " if a.id in self.preselected else "  ") + a.name)
            items.append((label, a.id, a.id in self.preselected))
        yield SelectionList[int](*items, id="assoc-list", classes="dialog-list")
        if self.deadline is not None:
            yield Label("反馈截止日期（YYYY-MM-DD）", classes="dialog-label")
            yield Input(self.deadline.isoformat(), id="assoc-deadline", classes="dialog-input")
        yield Label(self.note_label, classes="dialog-label")
        yield Input("", id="assoc-note", classes="dialog-input")

    def on_mount(self) -> None:
        self.query_one("#assoc-list", SelectionList).focus()

    @property
    def selected_ids(self) -> list[int]:
        return list(self.query_one("#assoc-list", SelectionList).selected)

    def collect(self) -> Any:
        ids = self.selected_ids
        if not ids:
            self.show_error("请至少选择一家协会")
            return None
        note = self.query_one("#assoc-note", Input).value.strip()
        if self.deadline is None:
            return ids, note
        raw = self.query_one("#assoc-deadline", Input).value.strip()
        try:
            deadline = dt.date.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            self.show_error(f"截止日期“{plain(raw)}”无效，应为 YYYY-MM-DD")
            return None
        return ids, note, deadline

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()


class PushHistoryScreen(AppAccess, Screen[None]):
    """One policy's pushes (newest first) and, for the highlighted push, that
    association's pushes of every policy."""

    BINDINGS = [Binding("escape,q", "close", "返回", id="push_history.close")]

    def __init__(self, policy_id: int) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        store: Any = self.app.store  # type: ignore[attr-defined]
        p = store.library.get(self.policy_id)
        yield ConsoleHeader("推送记录", id="header")
        yield Static(literal(f"推送记录：{p.title}"), id="push-title")
        yield DataTable(id="push-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="push-assoc", markup=False)
        yield DataTable(id="push-assoc-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        store: Any = self.app.store  # type: ignore[attr-defined]
        self.rows = store.library.push_history(policy_id=self.policy_id)
        t = self.query_one("#push-table", DataTable)
        t.add_columns("时间", "协会", "推送人", "说明")
        for r in self.rows:
            t.add_row(Text(r["at"].replace("T", " ")[:16]), literal(r["association_name"]), literal(r["actor"]),
                      literal(r["note"] or ""), key=str(r["id"]))
        a = self.query_one("#push-assoc-table", DataTable)
        a.add_columns("时间", "政策", "说明")
        if not self.rows:
            self.query_one("#push-assoc", Static).update("该政策尚未推送")
        t.focus()
        self._show_association()

    @on(DataTable.RowHighlighted, "#push-table")
    def _show_association(self) -> None:
        t = self.query_one("#push-table", DataTable)
        if not self.rows or t.cursor_row is None or t.cursor_row >= len(self.rows):
            return
        r = self.rows[t.cursor_row]
        store: Any = self.app.store  # type: ignore[attr-defined]
        self.query_one("#push-assoc", Static).update(f"{plain(r['association_name'])} 收到的推送")
        a = self.query_one("#push-assoc-table", DataTable)
        a.clear()
        for h in store.library.push_history(association_id=r["association_id"], limit=50):
            a.add_row(Text(h["at"].replace("T", " ")[:16]), literal(h["policy_title"]), literal(h["note"] or ""))

    def action_close(self) -> None:
        """Back to the library."""
        self.dismiss(None)


class CommentDialog(FormDialog[tuple[int, str]]):
    """登记意见: which association (of the round) and its comment."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, associations: list[dict[str, Any]], *, on_submit: Any = None) -> None:
        super().__init__("登记协会意见", on_submit=on_submit, id="comment-dialog")
        self.associations = associations

    def compose_body(self) -> ComposeResult:
        yield Label("协会", classes="dialog-label")
        yield Select([(plain(a["name"]), a["id"]) for a in self.associations], prompt="选择协会", id="comment-assoc",
                     value=self.associations[0]["id"] if self.associations else Select.NULL)
        yield Label("意见内容", classes="dialog-label")
        yield TextArea("", id="comment-text", classes="dialog-textarea", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#comment-text", TextArea).focus()

    def collect(self) -> tuple[int, str] | None:
        aid = select_value(self.query_one("#comment-assoc", Select))
        text = self.query_one("#comment-text", TextArea).text.strip()
        if aid is None:
            self.show_error("请选择协会")
            return None
        if not text:
            self.show_error("请填写意见内容")
            return None
        return int(aid), text


DECISIONS = {"adopted": "采纳", "rejected": "不采纳"}


class CommentRoundsScreen(AppAccess, Screen[None]):
    """定制点餐: a draft's comment rounds and every comment with its fate.

    Supervisors open a round (draft only), forward the comments to the
    issuing department and record adoption or rejection with a reason;
    clerks record the comments that come in."""

    BINDINGS = [
        Binding("o", "open_round", "发起征求", id="comments.open"),
        Binding("a", "record", "登记意见", id="comments.record"),
        Binding("f", "forward", "转交发文单位", id="comments.forward"),
        Binding("y", "decide(True)", "采纳", id="comments.adopt"),
        Binding("x", "decide(False)", "不采纳", id="comments.reject"),
        Binding("escape,q", "close", "返回", id="comments.close"),
    ]
    MANAGER_ACTIONS = {"open_round", "forward", "decide"}

    def __init__(self, policy_id: int) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.rounds: list[dict[str, Any]] = []
        self.lines: list[tuple[dict[str, Any], dict[str, Any] | None]] = []  # (round, comment or None)


    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.MANAGER_ACTIONS and self.app.user.role is not Role.SUPERVISOR:  # type: ignore[attr-defined]
            return False
        return True

    def compose(self) -> ComposeResult:
        p = self.store.library.get(self.policy_id)
        yield ConsoleHeader("征求意见（定制点餐）", id="header")
        yield Static(literal(f"{p.title}（{p.status.label}）"), id="comments-title")
        yield DataTable(id="comments-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="comments-detail")
        yield Footer()

    def on_mount(self) -> None:
        t = self.query_one("#comments-table", DataTable)
        t.add_columns("轮次", "协会", "意见", "转交", "采纳")
        self.refresh_rounds()
        t.focus()

    def refresh_rounds(self) -> None:
        """Read the rounds again and redraw the table."""
        self.rounds = self.store.comments.rounds(self.policy_id)
        t = self.query_one("#comments-table", DataTable)
        row = t.cursor_row
        t.clear()
        self.lines = []
        for r in self.rounds:
            head = Text(f"第{r['id']}轮 {r['status_label']} 截止{r['deadline']}")
            if not r["comments"]:
                names = "、".join(a["name"] for a in r["associations"])
                t.add_row(head, literal(names), Text("（尚无意见）", style="dim"), Text(""), Text(""))
                self.lines.append((r, None))
            for c in r["comments"]:
                t.add_row(head, literal(c["association_name"]), literal(c["text"]),
                          Text(plain(c["forwarded_to"]) if c["forwarded_at"] else "未转交"),
                          Text(DECISIONS.get(c["decision"] or "", "待反馈")))
                self.lines.append((r, c))
        if row is not None and self.lines:
            t.move_cursor(row=min(row, len(self.lines) - 1))
        self._detail()

    def current(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The highlighted (round, comment)."""
        t = self.query_one("#comments-table", DataTable)
        if not self.lines or t.cursor_row is None or t.cursor_row >= len(self.lines):
            return (self.rounds[-1] if self.rounds else None), None
        return self.lines[t.cursor_row]

    @on(DataTable.RowHighlighted, "#comments-table")
    def _detail(self) -> None:
        r, c = self.current()
        box = self.query_one("#comments-detail", Static)
        if r is None:
            box.update("尚未征求意见。草稿政策可按 o 发起征求意见。")
            return
        text = Text()
        text.append_text(literal(f"第 {r['id']} 轮 · {r['status_label']} · 截止 {r['deadline']} · 征求："
                                 + "、".join(a["name"] for a in r["associations"])))
        if c is not None:
            text.append("\n")
            text.append_text(literal(c["text"], single_line=False))
            if c["decision"]:
                text.append("\n")
                text.append_text(literal(f"{DECISIONS[c['decision']]}：{c['reason']}"))
        box.update(text)

    def _fail(self, exc: BaseException) -> None:
        self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)

    def action_open_round(self) -> None:
        """Send the draft to chosen associations for comments."""
        p = self.store.library.get(self.policy_id)
        if p.status is not PolicyStatus.DRAFT:
            self.notify(f"只有草稿政策可以征求意见（当前为“{p.status.label}”）", severity="warning", markup=False)
            return
        suggested = {a.id for a in self.store.library.suggest_associations(self.policy_id)}
        deadline = self.app.clock.today() + dt.timedelta(days=7)  # type: ignore[attr-defined]

        def submit(dialog: FormDialog[Any], value: tuple[list[int], str, dt.date]) -> None:
            ids, note, when = value
            try:
                self.store.comments.open_round(self.app.user, self.policy_id, ids, when, note)  # type: ignore[attr-defined]
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify(f"已向 {len(ids)} 家协会征求意见", markup=False)
            self.refresh_rounds()

        self.app.push_screen(AssociationPicker(f"征求意见：{p.title}", self.store.association_list(), suggested,
                                               note_label="说明（可不填）", deadline=deadline, on_submit=submit,
                                               id="round-dialog"))

    def action_record(self) -> None:
        """Record an association's comment in the highlighted round."""
        r, _ = self.current()
        if r is None:
            self.notify("尚未发起征求意见", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[Any], value: tuple[int, str]) -> None:
            try:
                self.store.comments.record(self.app.user, r["id"], value[0], value[1])  # type: ignore[attr-defined]
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(value)
            self.notify("意见已登记", markup=False)
            self.refresh_rounds()

        self.app.push_screen(CommentDialog(r["associations"], on_submit=submit))

    def action_forward(self) -> None:
        """Forward the round's comments to the issuing department."""
        r, _ = self.current()
        if r is None:
            return
        try:
            n = self.store.comments.forward(self.app.user, r["id"])  # type: ignore[attr-defined]
        except store_error_types() as exc:
            self._fail(exc)
            return
        self.notify(f"已转交 {n} 条意见", markup=False)
        self.refresh_rounds()

    def action_decide(self, adopted: bool) -> None:
        """Record the issuing department's adoption or rejection, with a reason."""
        _, c = self.current()
        if c is None:
            self.notify("请先选择一条意见", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[Any], reason: str) -> None:
            try:
                self.store.comments.decide(self.app.user, c["id"], adopted, reason)  # type: ignore[attr-defined]
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(reason)
            self.refresh_rounds()

        word = "采纳" if adopted else "不采纳"
        self.app.push_screen(ReasonDialog(f"{word}：{c['association_name']}的意见", label=f"{word}理由",
                                          on_submit=submit, id="decide-dialog"))

    def action_close(self) -> None:
        """Back to the library."""
        self.dismiss(None)


# ---------------------------------------------------------------- feedback


class FeedbackDialog(FormDialog[dict[str, Any]]):
    """登记政策反馈: enterprise, topic, satisfaction, text, and whether it is a
    complaint that a department waters the policy down (then which one)."""

    HINT = "Ctrl+S 确定 · Esc 取消"

    def __init__(self, departments: list[str], *, on_submit: Any = None) -> None:
        super().__init__("登记政策反馈", on_submit=on_submit, id="feedback-dialog")
        self.departments = departments

    def compose_body(self) -> ComposeResult:
        # compact widgets with their label as placeholder: the whole form fits in 80×24
        yield Input("", placeholder="企业名称", id="fb-name", classes="dialog-input", compact=True)
        yield Input("", placeholder="统一社会信用代码（可不填）", id="fb-uscc", classes="dialog-input", compact=True)
        with Horizontal(classes="feedback-row"):
            yield Select([(t, t) for t in pol.FEEDBACK_TOPICS], prompt="反馈主题", id="fb-topic", compact=True)
            yield Select([(v, k) for k, v in pol.FEEDBACK_SATISFACTION.items()], prompt="满意度", id="fb-sat",
                         compact=True)
        area = TextArea("", id="fb-text", classes="feedback-text", soft_wrap=True, compact=True)
        area.placeholder = "反馈内容"
        yield area
        yield Checkbox("投诉部门落实不到位", id="fb-complaint", compact=True)
        yield Select([(plain(d), d) for d in self.departments], prompt="被投诉的部门", id="fb-dept", compact=True)

    def on_mount(self) -> None:
        self.query_one("#fb-name", Input).focus()

    def collect(self) -> dict[str, Any] | None:
        v = {
            "enterprise_name": self.query_one("#fb-name", Input).value.strip(),
            "uscc": self.query_one("#fb-uscc", Input).value.strip() or None,
            "topic": select_value(self.query_one("#fb-topic", Select)),
            "satisfaction": select_value(self.query_one("#fb-sat", Select)),
            "text": self.query_one("#fb-text", TextArea).text.strip(),
            "complaint": self.query_one("#fb-complaint", Checkbox).value,
            "department": select_value(self.query_one("#fb-dept", Select)),
        }
        if not v["enterprise_name"]:
            self.show_error("请填写企业名称")
        elif v["topic"] is None:
            self.show_error("请选择反馈主题")
        elif v["satisfaction"] is None:
            self.show_error("请选择满意度")
        elif v["complaint"] and v["department"] is None:
            self.show_error("投诉部门落实不到位，须选择被投诉的部门")
        else:
            return v
        return None


class FeedbackScreen(AppAccess, Screen[None]):
    """政策反馈: the summary by topic and the feedback rows of one policy;
    record feedback (clerks and supervisors), and turn a complaint that a
    department waters the policy down into a supervised ticket in one action
    (supervisors)."""

    BINDINGS = [
        Binding("a", "record", "登记反馈", id="feedback.record"),
        Binding("t", "to_ticket", "转督办工单", id="feedback.to_ticket"),
        Binding("escape,q", "close", "返回", id="feedback.close"),
    ]

    def __init__(self, policy_id: int) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.rows: list[dict[str, Any]] = []


    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.app.user.role  # type: ignore[attr-defined]
        if action == "to_ticket" and role is not Role.SUPERVISOR:
            return False
        if action == "record" and role not in (Role.CLERK, Role.SUPERVISOR):
            return False
        return True

    def compose(self) -> ComposeResult:
        p = self.store.library.get(self.policy_id)
        yield ConsoleHeader("政策反馈", id="header")
        yield Static(literal(f"政策反馈：{p.title}"), id="feedback-title")
        yield DataTable(id="feedback-summary", cursor_type="none", zebra_stripes=True)
        yield DataTable(id="feedback-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="feedback-detail")
        yield Footer()

    def on_mount(self) -> None:
        s = self.query_one("#feedback-summary", DataTable)
        s.add_columns("主题", "条数", "满意", "基本满意", "不满意", "投诉", "满意率")
        t = self.query_one("#feedback-table", DataTable)
        t.add_columns("时间", "企业", "主题", "满意度", "投诉", "工单")
        self.refresh_feedback()
        t.focus()

    def refresh_feedback(self) -> None:
        """Read the summary and the rows again."""
        s = self.query_one("#feedback-summary", DataTable)
        s.clear()
        for topic, d in self.store.feedback.summary(policy_id=self.policy_id).items():
            rate = "—" if d["satisfaction_rate"] is None else f"{d['satisfaction_rate'] * 100:.1f}%"
            s.add_row(literal(topic), *(Text(str(d[k])) for k in ("count", "satisfied", "basically_satisfied",
                                                                   "unsatisfied", "complaints")), Text(rate))
        self.rows = self.store.feedback.entries(policy_id=self.policy_id, limit=200)
        t = self.query_one("#feedback-table", DataTable)
        t.clear()
        numbers = {}
        for r in self.rows:
            if r["ticket_id"]:
                try:
                    numbers[r["id"]] = self.store.tickets.get(self.app.user, r["ticket_id"]).number  # type: ignore[attr-defined]
                except store_error_types():
                    numbers[r["id"]] = f"#{r['ticket_id']}"
            t.add_row(Text(r["at"].replace("T", " ")[:16]), literal(r["enterprise_name"]), literal(r["topic"]),
                      Text(pol.FEEDBACK_SATISFACTION[r["satisfaction"]]),
                      literal(f"{r['department']}落实不到位" if r["complaint"] else ""),
                      Text(numbers.get(r["id"], "")), key=str(r["id"]))
        self._detail()

    def current(self) -> dict[str, Any] | None:
        t = self.query_one("#feedback-table", DataTable)
        if not self.rows or t.cursor_row is None or t.cursor_row >= len(self.rows):
            return None
        return self.rows[t.cursor_row]

    @on(DataTable.RowHighlighted, "#feedback-table")
    def _detail(self) -> None:
        r = self.current()
        box = self.query_one("#feedback-detail", Static)
        if r is None:
            box.update("暂无反馈。按 a 登记一条。")
            return
        box.update(literal(r["text"] or "（未填写具体内容）", single_line=False))

    def action_record(self) -> None:
        """Record an enterprise's feedback on this policy."""
        names = [d.short_name for d in self.store.departments()]

        def submit(dialog: FormDialog[Any], v: dict[str, Any]) -> None:
            try:
                self.store.feedback.record(self.app.user, self.policy_id, **v)  # type: ignore[attr-defined]
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify("反馈已登记", markup=False)
            self.refresh_feedback()

        self.app.push_screen(FeedbackDialog(names, on_submit=submit))

    def action_to_ticket(self) -> None:
        """Turn the highlighted complaint into a supervised ticket (受理 → 派发 → 督办)."""
        r = self.current()
        if r is None:
            self.notify("请先选择一条反馈", severity="warning", markup=False)
            return

        def done(ok: bool | None) -> None:
            if not ok:
                return
            try:
                t = self.store.feedback.to_ticket(self.app.user, r["id"])  # type: ignore[attr-defined]
            except store_error_types() as exc:
                self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)
                return
            self.notify(f"已生成督办工单 {t.number}，派发 {plain(t.department_name)}", markup=False)
            self.refresh_feedback()

        self.app.push_screen(ConfirmDialog("转为督办工单", f"{r['enterprise_name']}：{r['text'] or r['topic']}\n"
                                           "将受理为投诉、派发被投诉部门并督办。", "转督办"), done)

    def action_close(self) -> None:
        """Back to the library."""
        self.dismiss(None)


__all__ = [
    "AssociationPicker",
    "CommentRoundsScreen",
    "FeedbackScreen",
    "PolicyEditorScreen",
    "PolicyLibraryScreen",
    "PushHistoryScreen",
    "category_options",
    "link",
    "policy_detail_text",
]
