"""The knowledge base (SPEC §7, §9): search, read, create and edit Q&A entries.

The search is the store's :meth:`knowledge_search` — the same ranked
substring search the intake form's suggestions use — run in a thread worker
on a connection of its own, and showing the best :data:`RESULT_LIMIT`
entries (a knowledge base of 100,000 entries never goes into the table
whole).  The detail pane shows the question, the answer, the category, the
owning department and the last update (when and by whom).

Creating and editing is for supervisors and admins (the store's rule); an
edit carries the ``updated_at`` it was read with, so two people editing the
same entry cannot overwrite each other silently — the second is told, and
keeps what they typed.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from .base import AppAccess, StyledAtMount, select_value, store_error_types, stored_id
from ..clock import format_datetime
from ..models import KnowledgeEntry, Role
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .dialogs import FormDialog, ReasonDialog, SubmitHook

RESULT_LIMIT = 50
EDITOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
REVIEWER_ACTIONS = {"review_queue", "accept_entry", "return_entry"}
LIAISON_ACTIONS = {"mine", "mark_reviewed"}


def updated_text(entry: KnowledgeEntry, updated_by: str = "") -> str:
    """"2026-11-26 09:30 sup" — when (and by whom) the entry last changed."""
    when = format_datetime(entry.updated_at).replace("T", " ")[:16] if entry.updated_at else "—"
    return f"{when} {updated_by}".strip()


def knowledge_category_options(tree: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Categories and subcategories as one Select; an entry's category is one name."""
    out: list[tuple[str, str]] = []
    for top, subs in tree.items():
        out.append((plain(top), top))
        out.extend((f"  └ {plain(s)}", s) for s in subs)
    return out


class KnowledgeEditor(FormDialog[dict[str, Any]]):
    """新建 / 修改知识库条目: question, answer, category and owning department."""

    HINT = "Ctrl+S 保存 · Esc 取消"

    def __init__(self, entry: KnowledgeEntry | None, categories: list[tuple[str, str]], departments: list[str],
                 updated: str = "", *, on_submit: SubmitHook[dict[str, Any]] | None = None, fixed_department: str = "") -> None:
        super().__init__("修改知识库条目" if entry else "新建知识库条目", on_submit=on_submit, id="kb-editor")
        self.entry = entry
        self.categories = categories
        self.departments = departments
        self.updated = updated
        self.fixed_department = fixed_department  # a liaison's own department: not editable

    def compose_body(self) -> ComposeResult:
        e = self.entry
        if e is not None:
            yield Static(literal(f"最近更新：{self.updated}"), classes="dialog-message")
        yield Label("问题", classes="dialog-label")
        yield Input(plain(e.question) if e else "", id="kbe-question", classes="dialog-input")
        yield Label("答案", classes="dialog-label")
        yield TextArea(plain(e.answer, single_line=False) if e else "", id="kbe-answer", classes="dialog-textarea",
                       soft_wrap=True)
        yield Label("类别", classes="dialog-label")
        values = {v for _, v in self.categories}
        yield Select(self.categories, prompt="（不分类）", id="kbe-category",
                     value=e.category if e and e.category in values else Select.NULL)
        yield Label("责任单位（简称）", classes="dialog-label")
        yield Input(self.fixed_department or (plain(e.department) if e else ""), id="kbe-department", classes="dialog-input",
                    suggester=SuggestFromList(self.departments), disabled=bool(self.fixed_department))

    def on_mount(self) -> None:
        self.query_one("#kbe-question", Input).focus()

    def collect(self) -> dict[str, Any] | None:
        v = {
            "question": self.query_one("#kbe-question", Input).value.strip(),
            "answer": self.query_one("#kbe-answer", TextArea).text.strip(),
            "category": select_value(self.query_one("#kbe-category", Select)) or "",
            "department": self.query_one("#kbe-department", Input).value.strip(),
        }
        if not v["question"]:
            self.show_error("请填写问题")
            return None
        if not v["answer"]:
            self.show_error("请填写答案")
            return None
        return v


class KnowledgeScreen(AppAccess, StyledAtMount, Screen[None]):
    """知识库: search and read entries; supervisors and admins create and edit."""

    BINDINGS = [
        Binding("slash", "focus_search", "搜索", id="knowledge.search"),
        Binding("a", "new_entry", "新建", id="knowledge.new"),
        Binding("e", "edit_entry", "修改", id="knowledge.edit"),
        Binding("m", "mine", "本单位条目", id="knowledge.mine"),
        Binding("k", "mark_reviewed", "标记已核对", id="knowledge.reviewed"),
        Binding("v", "review_queue", "待审核", id="knowledge.review_queue"),
        Binding("y", "accept_entry", "审核通过", id="knowledge.accept"),
        Binding("x", "return_entry", "退回", id="knowledge.return"),
        Binding("escape", "back", "返回", id="knowledge.back"),
    ]

    class Found(Message):
        """Entries found by the worker; ``token`` drops stale answers."""

        def __init__(self, token: int, entries: list[KnowledgeEntry]) -> None:
            super().__init__()
            self.token = token
            self.entries = entries

    def __init__(self, words: str = "") -> None:
        super().__init__()
        self.words = words
        self.entries: list[KnowledgeEntry] = []
        self.loading = False
        self._token = 0
        self.mode = ""  # "" search; "mine" a liaison's department entries; "review" entries awaiting the center


    @property
    def can_edit(self) -> bool:
        user = self.user
        return user is not None and (user.role in EDITOR_ROLES or self.liaison != "")

    @property
    def liaison(self) -> str:
        user = self.user
        return user.department_name or "" if user is not None and user.role is Role.DEPARTMENT else ""

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#kb-table", DataTable)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_entry", "edit_entry") and not self.can_edit:
            return False
        if action in REVIEWER_ACTIONS and not (self.user is not None and self.user.role in EDITOR_ROLES):
            return False
        if action in ("accept_entry", "return_entry") and self.mode != "review":
            return False  # reviewing is done in the list of entries awaiting it (v)
        if action == "mark_reviewed" and self.mode != "mine":
            return False  # confirming is done in the department's own list (m)
        if action in LIAISON_ACTIONS and not self.liaison:
            return False
        return True

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("知识库", id="header")
        yield Static("", id="kb-notice", markup=False)
        yield Input(self.words, placeholder="检索知识库：问题或答案中的词（空格分隔多个词，回车执行）", id="kb-search-box")
        with Horizontal(id="kb-body"):
            yield DataTable(id="kb-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="kb-detail-box"):
                yield Static("", id="kb-detail")
        yield Static("", id="kb-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.table
        t.add_column("责任单位", width=10, key="department")
        t.add_column("更新", width=10, key="updated")
        t.add_column("问题", key="question")
        self.show_notices()
        if self.words.strip():
            self.search(self.words)
            t.focus()
        else:
            self._update_status()
            self.query_one("#kb-search-box", Input).focus()

    def show_notices(self) -> None:
        """Entries returned or due for review (a liaison), entries to review (the center)."""
        user = self.user
        lines = self.store.knowledge.review_notices(user) if user is not None else []
        box = self.query_one("#kb-notice", Static)
        box.update("⚑ " + "；".join(lines) if lines else "")
        box.display = bool(lines)

    @property
    def notice_text(self) -> str:
        return str(self.query_one("#kb-notice", Static).render())

    def show_list(self, mode: str) -> None:
        """A liaison's department entries ("mine") or the entries awaiting review ("review")."""
        self.mode = mode
        self.refresh_bindings()
        if mode == "mine":
            entries = self.store.knowledge.department_entries(self.liaison, limit=RESULT_LIMIT)
        else:
            entries = self.store.knowledge.pending_review(limit=RESULT_LIMIT)
        self.show_entries(entries)
        self.show_notices()
        self.table.focus()

    # -- searching --------------------------------------------------------------------
    def search(self, words: str) -> None:
        """Find the best entries for ``words`` (in a worker)."""
        self.words = words
        self.mode = ""
        self.refresh_bindings()
        self._token += 1
        self.loading = True
        self._update_status()
        self._find(self._token, words)

    @work(thread=True, exclusive=True, group="knowledge-search", exit_on_error=False)
    def _find(self, token: int, words: str) -> None:
        with self.console_app.readers.reader() as store:
            entries = store.knowledge.search(words, limit=RESULT_LIMIT)
        self.post_message(self.Found(token, entries))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.token != self._token:
            return
        self.loading = False
        self.show_entries(message.entries)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors of this screen's worker are reported here, once."""
        if event.state is WorkerState.ERROR and event.worker.group == "knowledge-search":
            self.loading = False
            self.notify(f"检索失败：{plain(event.worker.error)}", title="出错", severity="error", markup=False, timeout=8)
            self._update_status()

    def show_entries(self, entries: list[KnowledgeEntry], focus_id: int | None = None) -> None:
        """Put ``entries`` in the table (highlighting ``focus_id`` when given)."""
        self.entries = entries
        t = self.table
        with self.app.batch_update():
            t.clear()
            for e in entries:
                when = format_datetime(e.updated_at)[:10] if e.updated_at else "—"
                question = literal(e.question)
                if e.review:
                    question = Text.assemble((f"[{e.review_label}] ", "bold"), question)
                t.add_row(literal(e.department or "—"), Text(when), question, key=str(e.id))
        if focus_id is not None:
            for i, e in enumerate(entries):
                if e.id == focus_id:
                    t.move_cursor(row=i)
        self._update_status()
        self._show_detail()

    def _update_status(self) -> None:
        if self.mode == "mine":
            text = f"本单位（{self.liaison}）的知识库条目 {len(self.entries)} 条 · 退回和待核对的在前 · k 标记已核对"
        elif self.mode == "review":
            text = f"部门维护、待中心审核的条目 {len(self.entries)} 条 · y 审核通过 · x 退回"
        elif self.loading:
            text = "检索中…"
        elif not self.words.strip():
            text = "输入关键词后回车检索；按 / 回到搜索框"
        elif not self.entries:
            text = f"没有找到含“{plain(self.words.strip())}”的条目"
        else:
            more = f"（显示最相关的前 {RESULT_LIMIT} 条）" if len(self.entries) >= RESULT_LIMIT else ""
            text = f"找到 {len(self.entries)} 条{more}"
        self.query_one("#kb-status", Static).update(text)

    @property
    def status_text(self) -> str:
        return str(self.query_one("#kb-status", Static).render())

    def current(self) -> KnowledgeEntry | None:
        """The highlighted entry."""
        t = self.table
        if not self.entries or t.cursor_row is None or not 0 <= t.cursor_row < len(self.entries):
            return None
        return self.entries[t.cursor_row]

    def _show_detail(self) -> None:
        box = self.query_one("#kb-detail", Static)
        e = self.current()
        if e is None:
            box.update("")
            return
        text = Text()
        text.append_text(literal(e.question, style="bold", single_line=False))
        text.append("\n\n")
        text.append_text(literal(e.answer, single_line=False))
        text.append("\n\n")
        text.append_text(literal(f"类别：{e.category or '—'}", style="dim"))
        text.append("\n")
        text.append_text(literal(f"责任单位：{e.department or '—'}", style="dim"))
        text.append("\n")
        text.append_text(literal(f"最近更新：{updated_text(e, self.store.knowledge.updated_by(stored_id(e)))}", style="dim"))
        if e.review:
            text.append("\n")
            text.append_text(literal(f"审核：{e.review_label}" + ("（新条目，审核通过后供热线检索）" if not e.accepted else ""),
                                     style="bold"))
            if e.review == "returned" and e.review_note:
                text.append("\n")
                text.append_text(literal(f"退回理由：{e.review_note}", single_line=False))
        box.update(text)

    @property
    def detail_text(self) -> str:
        return str(self.query_one("#kb-detail", Static).render())

    @on(DataTable.RowHighlighted, "#kb-table")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(Input.Submitted, "#kb-search-box")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search(event.value)
        self.set_focus(self.table)  # at once: a deferred focus() can lose to the key still in flight

    # -- actions ------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        """Type words to search the knowledge base."""
        self.query_one("#kb-search-box", Input).focus()

    def action_back(self) -> None:
        """Back to the previous screen (the search box first gives up focus)."""
        if isinstance(self.focused, Input) and self.entries:
            self.table.focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _editor(self, entry: KnowledgeEntry | None) -> KnowledgeEditor:
        tree = self.store.categories()
        names = [d.short_name for d in self.store.departments()]
        updated = updated_text(entry, self.store.knowledge.updated_by(stored_id(entry))) if entry else ""
        return KnowledgeEditor(entry, knowledge_category_options(tree), names, updated, on_submit=self._save(entry),
                               fixed_department=self.liaison)

    def _save(self, entry: KnowledgeEntry | None) -> SubmitHook[dict[str, Any]]:
        def submit(dialog: FormDialog[dict[str, Any]], v: dict[str, Any]) -> None:
            user = self.user
            try:
                if entry is None:
                    saved = self.store.knowledge.create(user, v["question"], v["answer"], v["category"], v["department"])
                else:
                    expect = format_datetime(entry.updated_at) if entry.updated_at else None
                    saved = self.store.knowledge.update(user, stored_id(entry), v, expect_updated_at=expect)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify("已保存，待中心审核" if self.liaison else "已保存", markup=False)
            self.show_notices()
            # show the saved entry at once (the search may rank it anywhere, or not hold it)
            others = [e for e in self.entries if e.id != saved.id]
            self.show_entries([saved, *others][:RESULT_LIMIT], focus_id=saved.id)
            self.table.focus()

        return submit

    def action_new_entry(self) -> None:
        """Write a new entry."""
        self.app.push_screen(self._editor(None))

    def action_edit_entry(self) -> None:
        """Edit the highlighted entry."""
        e = self.current()
        if e is None:
            self.notify("请先选择一个条目", severity="warning", markup=False)
            return
        try:
            fresh = self.store.knowledge.get(stored_id(e))  # edit what is stored now, not what was listed
        except store_error_types() as exc:
            self.notify(plain(exc), severity="error", markup=False)
            return
        self.app.push_screen(self._editor(fresh))

    def action_mine(self) -> None:
        """A liaison: their department's entries, returned and due ones first."""
        self.show_list("mine")

    def action_review_queue(self) -> None:
        """The center: departments' entries awaiting review."""
        self.show_list("review")

    def _act(self, do: Any, done: str) -> None:
        e = self.current()
        if e is None:
            self.notify("请先选择一个条目", severity="warning", markup=False)
            return
        try:
            saved = do(stored_id(e))
        except store_error_types() as exc:
            self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)
            return
        self.notify(done, markup=False)
        if self.mode:
            self.show_list(self.mode)
        else:
            self.show_entries([saved if x.id == saved.id else x for x in self.entries], focus_id=saved.id)
            self.show_notices()

    def action_mark_reviewed(self) -> None:
        """A liaison confirms the highlighted entry is still current."""
        self._act(lambda kid: self.store.knowledge.mark_reviewed(self.user, kid), "已标记为已核对")

    def action_accept_entry(self) -> None:
        """The center accepts the highlighted department entry."""
        self._act(lambda kid: self.store.knowledge.accept(self.user, kid), "审核通过")

    def action_return_entry(self) -> None:
        """The center returns the highlighted department entry, with a reason."""
        e = self.current()
        if e is None:
            self.notify("请先选择一个条目", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[str], reason: str) -> None:
            try:
                self.store.knowledge.return_entry(self.user, stored_id(e), reason)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(reason)
            self.notify("已退回部门", markup=False)
            self.show_list(self.mode or "review")

        self.app.push_screen(ReasonDialog("退回知识库条目", "如：请写明办理渠道", label="退回理由", on_submit=submit))


__all__ = ["KnowledgeEditor", "KnowledgeScreen", "knowledge_category_options", "updated_text"]
