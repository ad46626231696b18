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
from typing import TYPE_CHECKING, Any, Callable

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState

from .base import AppAccess, StyledAtMount, select_value, store_error_types, stored_id
from .. import policies as pol
from ..models import Policy, PolicyKind, PolicyLevel, PolicyStatus, Role, Staff
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .policy_categories import category_options, split_category
from .policies_table import MeasuredTable

if TYPE_CHECKING:  # types only: the screens an action opens are imported when it first does (issue 11 item 5)
    from .dialogs import FormDialog
    from .policy_associations import PickedAssociations

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


#: a department draft's place in the review, short enough for the list's status column
REVIEW_SHORT = {"editing": "起草中", "submitted": "待审核", "returned": "已退回"}
REVIEW_ACTIONS = ("create", "submit", "return", "publish")


def status_label(p: Policy) -> str:
    """The status a list row shows: a department draft's review state, else the status."""
    if p.status is PolicyStatus.DRAFT and p.review in REVIEW_SHORT:
        return REVIEW_SHORT[p.review]
    return p.status.label


def policy_detail_text(detail: dict[str, Any]) -> Text:
    """The detail pane: every user-supplied piece through :func:`literal`."""
    p = detail["policy"]
    t = Text()
    t.append_text(literal(p.title, style="bold"))
    t.append("\n")
    meta = [status_label(p), p.level.label, p.kind.label]
    if p.category:
        meta.append(p.category + (f" / {p.subcategory}" if p.subcategory else ""))
    t.append_text(literal(" · ".join(meta), style="dim"))
    t.append("\n\n")
    if p.review:
        # a department's draft: where it stands in the center's review, and why it came back
        t.append_text(literal(f"部门起草：{p.issuer} · {p.review_label}", style="bold"))
        t.append("\n")
        if p.review == "returned" and p.review_note:
            t.append("退回理由：", style="bold")
            t.append_text(literal(p.review_note, single_line=False))
            t.append("\n")
        for h in detail.get("review_history", []):
            when = str(h["at"]).replace("T", " ")[:16]
            t.append_text(literal(f"  {when} {h['actor_name']} {h['label']}{'：' + h['note'] if h['note'] else ''}", style="dim"))
            t.append("\n")
        t.append("\n")
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
    placed = (["置顶"] if detail.get("pinned") else []) + [f"专栏：{c}" for c in detail.get("columns", [])]
    if placed:
        t.append_text(literal(" · ".join(placed), style="bold"))
        t.append("\n")
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


class PolicyLibraryScreen(AppAccess, StyledAtMount, Screen[None]):
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
        Binding("s", "submit_draft", "提交审核", id="policies.submit"),
        Binding("x", "return_draft", "退回部门", id="policies.return"),
        Binding("m", "mine", "本单位政策", id="policies.mine"),
        Binding("v", "review_queue", "待审核", id="policies.review_queue"),
        Binding("p", "pin", "置顶", id="policies.pin"),
        Binding("l", "add_to_column", "加入专栏", id="policies.column_add"),
        Binding("d", "remove_from_column", "移出专栏", id="policies.column_remove"),
        Binding("o", "columns", "专栏管理", id="policies.columns"),
        Binding("g", "orders", "定制点餐", id="policies.orders"),
        Binding("left_square_bracket", "move(-1)", "上移", id="policies.move_up", show=False),
        Binding("right_square_bracket", "move(1)", "下移", id="policies.move_down", show=False),
        *[Binding(str(n), f"column({n})", f"专栏{n}", id=f"policies.column{n}", show=False) for n in range(10)],
        Binding("r", "reload", "刷新", id="policies.reload", show=False),
        Binding("escape", "back", "返回", id="policies.back"),
    ]

    #: actions only a supervisor may take (the store refuses the others anyway)
    MANAGER_ACTIONS = {"publish", "withdraw", "push", "return_draft", "review_queue", "pin", "add_to_column",
                       "remove_from_column", "columns", "move"}
    #: a supervisor, or a department liaison for their own department's drafts
    AUTHOR_ACTIONS = {"new_policy", "edit_policy"}
    LIAISON_ACTIONS = {"submit_draft", "mine"}

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
        #: "" the library; "mine" a liaison's department drafts; "review" the drafts awaiting the center
        self.mode = ""
        #: the 专栏 listed (number keys; 0 the whole library), and the columns line's columns
        self.column_id: int | None = None
        self.columns: list[dict[str, Any]] = []
        self.pins: set[int] = set()
        #: give the list the focus back once the page is read (``loading`` moves it off the table)
        self._refocus = False

    # -- shortcuts -------------------------------------------------------------------

    @property
    def is_manager(self) -> bool:
        return self.user is not None and self.user.role is Role.SUPERVISOR

    @property
    def is_liaison(self) -> bool:
        return self.user is not None and self.user.role is Role.DEPARTMENT and bool(self.user.department_name)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#pol-table", DataTable)

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        tree = self.store.categories()
        issuers = sorted({d.short_name for d in self.store.departments()})
        yield ConsoleHeader("政策库", id="header")
        yield Static("", id="pol-notice", markup=False)
        yield Static("", id="pol-columns", markup=False)
        yield Input(self.query_state.words, placeholder="搜索政策：标题 / 文号 / 发文单位 / 摘要（空格分隔多个词，回车执行）",
                    id="pol-search")
        with Horizontal(id="pol-filters"):
            yield Select(category_options(tree), prompt="全部类别", id="pol-category", compact=True)
            yield Select([(lv.label, lv.value) for lv in PolicyLevel], prompt="全部层级", id="pol-level", compact=True)
            yield Select([(k.label, k.value) for k in PolicyKind], prompt="全部类型", id="pol-kind", compact=True)
            yield Select([(v.label, v.value) for v in pol.Validity], prompt="全部有效期", id="pol-validity", compact=True)
            yield Input(placeholder="发文单位", id="pol-issuer", suggester=SuggestFromList(issuers), compact=True)
        with Horizontal(id="pol-body"):
            yield MeasuredTable(id="pol-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="pol-detail-box"):
                yield Static("", id="pol-detail")
        yield Static("", id="pol-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._set_columns(self.app.size.width)
        # the page is asked for once the screen has been painted: its rows then
        # paint once, not again at each of the layouts that follow a screen's
        # mount (issue 11 item 5)
        self.reload(after_paint=True)
        self.table.focus()

    def show_columns(self) -> None:
        """The columns line: the pinned count and the columns, numbered for the number keys."""
        self.columns = self.store.library.columns()
        self.pins = self.store.library.pinned_ids()
        parts = []
        for i, c in enumerate(self.columns[:9], 1):
            mark = "▶" if c["id"] == self.column_id else ""
            parts.append(f"{mark}{i} {c['name']}（{c['published']}）")
        head = f"置顶 {len(self.store.library.pinned())} 件" if not self.column_id else "0 全部政策"
        self.query_one("#pol-columns", Static).update(
            f"{head} · 专栏：{' · '.join(parts)}" if parts else f"{head} · 尚无专栏" + ("（o 专栏管理）" if self.is_manager else ""))

    @property
    def columns_text(self) -> str:
        return str(self.query_one("#pol-columns", Static).render())

    def show_notices(self) -> None:
        """The review notices for this user (returned drafts, entries due, drafts to review)."""
        user = self.user
        lines = [*self.store.library.review_notices(user), *self.store.knowledge.review_notices(user),
                 *self.store.orders.notices(user)] if user else []
        box = self.query_one("#pol-notice", Static)
        box.update("⚑ " + "；".join(lines) if lines else "")
        box.display = bool(lines)

    @property
    def notice_text(self) -> str:
        return str(self.query_one("#pol-notice", Static).render())

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
        # the title goes last: it takes what is left and is clipped, never the dates; labels as Text
        # (a str label is markup, whose first parse loaded Rich's emoji table: ≈2.5 ms of F4, issue 11)
        t.add_column(Text("状态"), width=6, key="status")
        t.add_column(Text("申报期限"), width=10, key="left")
        if not narrow:
            t.add_column(Text("发文单位"), width=10, key="issuer")
        t.add_column(Text("标题"), key="title")
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only what the role may do; paging only where there is a page to go to."""
        if action in self.MANAGER_ACTIONS and not self.is_manager:
            return False
        if action in self.AUTHOR_ACTIONS and not (self.is_manager or self.is_liaison):
            return False
        if action in self.LIAISON_ACTIONS and not self.is_liaison:
            return False
        if action == "return_draft" and self.mode != "review":
            return False  # returning is done in the list of drafts awaiting review (v)
        if action == "remove_from_column" and not self.column_id:
            return False
        if action == "orders" and not (self.is_manager or self.is_liaison):
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

    def reload(self, *, keep_offset: bool = False, after_paint: bool = False) -> None:
        """Read the page for the current words and filters (in a worker; with
        ``after_paint`` the worker starts once the screen has been painted)."""
        self.query_state.words = self.query_one("#pol-search", Input).value
        self.query_state.filters = self.current_filters()
        if not keep_offset:
            self.query_state.offset = 0
        self._token += 1
        self._refocus = self._refocus or self.focused is self.table
        self.query_state.filters.column_id = self.column_id
        self.loading = True
        self._update_status()
        self.show_notices()
        self.show_columns()
        dept = self.user.department_name if self.user is not None else None
        args = (self._token, self.query_state.words, self.query_state.filters, self.query_state.offset, self.mode,
                dept or "")
        if after_paint:
            self.call_after_refresh(self._load, *args)
        else:
            self._load(*args)

    @work(thread=True, exclusive=True, group="policy-page", exit_on_error=False)
    def _load(self, token: int, words: str, filters: pol.PolicyFilter, offset: int, mode: str = "",
              department: str = "") -> None:
        with self.console_app.readers.reader() as store:
            if mode:
                # the review lists: a department's drafts, or those submitted to the center
                listed = store.library.department_policies(department) if mode == "mine" else store.library.review_queue()
                today = store.clock.today()
                hits = [pol.PolicyHit(p, pol.days_left(p.valid_until, today)) for p in listed]
                total: int | None = len(hits)
            else:
                hits = store.library.search(words, filters, limit=PAGE_SIZE + 1, offset=offset)
                # the count of a filter alone is one indexed count; with words the
                # page says "more" instead of counting every match
                total = None if pol.split_terms(words) else store.library.count(filters)
        self.post_message(self.PageLoaded(token, hits[:PAGE_SIZE], len(hits) > PAGE_SIZE, total))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.token != self._token:
            return
        self.loading = False
        self.hits, self.more, self.total = message.hits, message.more, message.total
        self._fill()
        if self._refocus:
            self._refocus = False
            self.set_focus(self.table)
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
                label = "置顶" if p.id in self.pins and p.status is PolicyStatus.PUBLISHED and not self.column_id else status_label(p)
                # 申报期限 is a declaration's deadline; another policy's validity end is not one (issue 16 item 11)
                left = days_left_text(h.days_left) if p.kind is PolicyKind.DECLARATION else Text("—", style="dim")
                cells = [Text(label, style="bold" if label == "置顶" else ""), left,
                         literal(p.issuer or "—"), literal(p.title)]
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
        prefix = {"mine": "本单位起草的政策（m 返回政策库）· ", "review": "部门提交待审核的政策（v 返回政策库）· "}.get(self.mode, "")
        if not self.mode and self.column_id:
            name = next((c["name"] for c in self.columns if c["id"] == self.column_id), "")
            prefix = f"专栏“{name}”（0 返回全部）· "
        if self.loading:
            text = "检索中…"
        elif not self.hits:
            text = {"mine": "本单位尚未起草政策（a 新建）", "review": "没有待审核的部门草稿"}.get(self.mode, "没有符合条件的政策")
        else:
            span = f"第 {q.offset + 1:,}–{q.offset + len(self.hits):,} 条"
            tail = f" · 共 {self.total:,} 条" if self.total is not None else (" · 还有更多（PageDown）" if self.more else "")
            text = f"第 {q.offset // PAGE_SIZE + 1} 页 · {span}{tail}"
        f = q.filters
        if f is not None and f.kind in (PolicyKind.DECLARATION.value, PolicyKind.DECLARATION) and not self.mode:
            text += " · 申报类按剩余天数排序"
        self.query_one("#pol-status", Static).update(prefix + text)

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
            if detail["policy"].review:
                detail["review_history"] = [h for h in self.store.library.history(pid) if h["action"] in REVIEW_ACTIONS]
            detail["columns"] = self.store.library.columns_of(pid)
            detail["pinned"] = pid in self.pins
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

    def _after_editor(self, _: int | None) -> None:
        """Back from the editor: the list read again, the keys on the list (not a filter box)."""
        self._refocus = True  # the keys on the list once it is read again, not in a filter box
        self.reload(keep_offset=True)

    def action_new_policy(self) -> None:
        """Write a new policy (saved as a draft)."""
        from .policy_editor import PolicyEditorScreen

        self.app.push_screen(PolicyEditorScreen(None), self._after_editor)

    def action_edit_policy(self) -> None:
        """Edit the highlighted policy."""
        from .policy_editor import PolicyEditorScreen

        pid = self._selected()
        if pid is not None:
            self.app.push_screen(PolicyEditorScreen(pid), self._after_editor)

    def _confirmed(self, act: Callable[[Staff, int], object], heading: str, verb: str, done: str) -> None:
        """Ask (the policy's title shown), then ``act`` on the highlighted policy."""
        from .dialogs import ConfirmDialog

        pid = self._selected()
        if pid is None:
            return
        p = self.store.library.get(pid)

        def answered(ok: bool | None) -> None:
            if not ok:
                return
            try:
                act(self.user, pid)
            except store_error_types() as exc:
                self._fail(exc)
                return
            self.notify(f"{done}：{plain(p.title)}", markup=False)
            self.reload(keep_offset=True)

        self.app.push_screen(ConfirmDialog(heading, p.title, verb), answered)

    def _with_reason(self, act: Callable[[Staff, int, str], object], heading: str, example: str, label: str,
                     done: str) -> None:
        """Ask for a reason, then ``act`` on the highlighted policy with it."""
        from .dialogs import ReasonDialog

        pid = self._selected()
        if pid is None:
            return

        def submit(dialog: FormDialog[str], reason: str) -> None:
            try:
                act(self.user, pid, reason)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(reason)
            self.notify(done, markup=False)
            self.reload(keep_offset=True)

        self.app.push_screen(ReasonDialog(heading, example, label=label, on_submit=submit))

    def action_publish(self) -> None:
        """Publish the highlighted draft (refused without summary and interpreter)."""
        self._confirmed(self.store.library.publish, "发布政策", "发布", "已发布")

    def action_withdraw(self) -> None:
        """Withdraw the highlighted policy, with a reason."""
        self._with_reason(self.store.library.withdraw, "撤回政策", "如：文件已废止", "撤回理由", "政策已撤回")

    def action_push(self) -> None:
        """定向推送: choose associations (subscribed ones pre-selected) and record the pushes."""
        from .policy_associations import AssociationPicker

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
        from .policy_associations import PushHistoryScreen

        pid = self._selected()
        if pid is not None:
            self.app.push_screen(PushHistoryScreen(pid))

    def action_comments(self) -> None:
        """定制点餐: the policy's comment rounds."""
        from .policy_associations import CommentRoundsScreen

        pid = self._selected()
        if pid is not None:
            self.app.push_screen(CommentRoundsScreen(pid), lambda _: self._show_detail())

    def action_mine(self) -> None:
        """A liaison: the policies their department drafted (again: back to the library)."""
        self.mode = "" if self.mode == "mine" else "mine"
        self.reload()

    def action_review_queue(self) -> None:
        """A supervisor: the drafts departments submitted for review (again: back to the library)."""
        self.mode = "" if self.mode == "review" else "review"
        self.reload()

    def action_submit_draft(self) -> None:
        """A liaison submits the highlighted draft to the center's review."""
        self._confirmed(self.store.library.submit, "提交中心审核", "提交", "已提交中心审核")

    def action_return_draft(self) -> None:
        """A supervisor returns the highlighted department draft, with a reason."""
        self._with_reason(self.store.library.return_draft, "退回部门修改", "如：摘要未写明申报条件", "退回理由", "已退回部门")

    def action_column(self, n: int) -> None:
        """1–9: list that column of the columns line; 0: the whole library."""
        if n == 0:
            self.column_id = None
        elif n <= len(self.columns):
            self.column_id = int(self.columns[n - 1]["id"])
        else:
            return
        self.mode = ""
        self.reload()
        self.refresh_bindings()

    def action_orders(self) -> None:
        """定制点餐工单: the center's orders to drafting departments (a liaison: their own)."""
        from .policies_orders import OrdersScreen

        self._refocus = True
        self.app.push_screen(OrdersScreen(), lambda _: self.reload(keep_offset=True))

    def action_columns(self) -> None:
        """专栏管理: create and order the columns; Enter lists one here."""
        from .policies_columns import ColumnsScreen

        def opened(cid: int | None) -> None:
            if cid is not None:
                self.column_id = cid
                self.mode = ""
            self._refocus = True
            self.reload()
            self.refresh_bindings()

        self.app.push_screen(ColumnsScreen(), opened)

    def action_pin(self) -> None:
        """置顶 the highlighted published policy, or take it off the top."""
        pid = self._selected()
        if pid is None:
            return
        try:
            if pid in self.store.library.pinned_ids():
                self.store.library.unpin(self.user, pid)
                self.notify("已取消置顶", markup=False)
            else:
                self.store.library.pin(self.user, pid)
                self.notify("已置顶", markup=False)
        except store_error_types() as exc:
            self._fail(exc)
            return
        self.reload(keep_offset=True)

    def action_add_to_column(self) -> None:
        """Put the highlighted policy in a column."""
        from .policies_columns import ColumnPickDialog

        pid = self._selected()
        if pid is None:
            return
        columns = self.store.library.columns()
        if not columns:
            self.notify("尚无专栏：按 o 进入专栏管理新建", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[int], cid: int) -> None:
            try:
                self.store.library.add_to_column(self.user, cid, pid)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(cid)
            self.notify("已加入专栏", markup=False)
            self.reload(keep_offset=True)

        self.app.push_screen(ColumnPickDialog(f"加入专栏：{self.store.library.get(pid).title}", columns, on_submit=submit))

    def action_remove_from_column(self) -> None:
        """Take the highlighted policy out of the column listed."""
        pid = self._selected()
        if pid is None or not self.column_id:
            return
        try:
            self.store.library.remove_from_column(self.user, self.column_id, pid)
        except store_error_types() as exc:
            self._fail(exc)
            return
        self.notify("已移出专栏", markup=False)
        self.reload(keep_offset=True)

    def action_move(self, step: int) -> None:
        """[ / ]: move the highlighted policy up or down in the column listed, or among the pinned."""
        pid = self._selected()
        if pid is None:
            return
        try:
            if self.column_id:
                self.store.library.move_in_column(self.user, self.column_id, pid, step)
            elif pid in self.pins:
                self.store.library.move_pin(self.user, pid, step)
            else:
                self.notify("只能调整专栏中或置顶政策的顺序", severity="warning", markup=False)
                return
        except store_error_types() as exc:
            self._fail(exc)
            return
        self.reload(keep_offset=True)

    def action_feedback(self) -> None:
        """The policy's feedback survey."""
        from .policy_feedback import FeedbackScreen

        pid = self._selected()
        if pid is not None:
            self.app.push_screen(FeedbackScreen(pid))


__all__ = [
    "PolicyLibraryScreen",
    "link",
    "policy_detail_text",
]
