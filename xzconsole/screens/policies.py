"""The policy library (SPEC §6, §9): the list and the detail pane.

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
clerks search, read, record comments and record feedback.  The editor
(:mod:`.policy_editor`), pushes and comment rounds (:mod:`.policy_associations`)
and the feedback survey (:mod:`.policy_feedback`) are screens of their own.  A refusal from
the store (any ``StoreError``) is shown as a Chinese notification with
``markup=False`` — user text never reaches a markup parser.
"""

from __future__ import annotations

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
from textual.widgets import DataTable, Footer, Input, Select, Static
from textual.worker import Worker, WorkerState

from .base import AppAccess, select_value, store_error_types, stored_id
from .. import policies as pol
from ..models import PolicyKind, PolicyLevel, PolicyStatus, Role
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from .dialogs import ConfirmDialog, FormDialog, ReasonDialog
from .policy_associations import AssociationPicker, CommentRoundsScreen, PickedAssociations, PushHistoryScreen
from .policy_editor import PolicyEditorScreen, category_options, split_category
from .policy_feedback import FeedbackScreen

PAGE_SIZE = 50
NARROW_BELOW = 100  # columns: below this the list drops the issuer column


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
        t.append_text(literal(f"最近修改：{str(detail['updated_at']).replace('T', ' ')[:16]} {detail.get('updated_by_name') or ''}",
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
    def table(self) -> DataTable[Text]:
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
        store = self._worker_store()
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
                # 申报期限 is a declaration's deadline; another policy's validity end is not one (issue 16 item 11)
                left = days_left_text(h.days_left) if p.kind is PolicyKind.DECLARATION else Text("—", style="dim")
                cells = [Text(p.status.label), left, literal(p.issuer or "—"), literal(p.title)]
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

        def submit(dialog: FormDialog[str], reason: str) -> None:
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
        suggested = {stored_id(a) for a in self.store.library.suggest_associations(pid)}

        def submit(dialog: FormDialog[PickedAssociations], value: PickedAssociations) -> None:
            ids, note, _ = value
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


__all__ = [
    "PolicyLibraryScreen",
    "link",
    "policy_detail_text",
]
