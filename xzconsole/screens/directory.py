"""The enterprise directory (企业名录, F9): search and page (issue 7, SPEC §14).

:class:`DirectoryScreen` searches the directory by name words, USCC or a
contact's phone and lists one keyset page (:data:`PAGE_SIZE` records) at a
time with each record's open / total tickets; Enter opens
:class:`~xzconsole.screens.enterprise.EnterpriseScreen` (the record and its
whole history), ``a`` types a new record in.

Every read runs in a thread worker on a connection of its own and comes back
as a message (a name search over 200,000 records takes a few milliseconds,
but a common one-character word may scan); stale answers are dropped by a
token.  The store enforces the roles: department liaisons may not read the
directory at all (it holds confidential complaints), so for them the screen
only says so.  All user text goes through :mod:`xzconsole.textsafe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState

from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .base import AppAccess, StyledAtMount, select_value, store_error_types, stored_id
from .dialogs import FormDialog
from .directory_dialogs import EnterpriseDialog
from .enterprise import REFUSAL, EnterpriseScreen, is_liaison

if TYPE_CHECKING:  # types only
    from ..areas.directory import EnterpriseHit
    from ..areas.enterprise_page import Key

PAGE_SIZE = 50
NARROW_BELOW = 100  # columns: below this the list drops industry and contact
FULL_DISTRICT_FROM = 140  # columns: from this on the district column holds the longest name
#: the two districts whose names do not fit the narrow district column, as staff say them
SHORT_DISTRICT = {"徐州经济技术开发区": "经开区", "徐州高新技术产业开发区": "高新区"}


# ---------------------------------------------------------------- the directory


class DirectoryScreen(AppAccess, StyledAtMount, Screen[None]):
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

        def __init__(self, token: int, hits: list[EnterpriseHit], more: bool) -> None:
            super().__init__()
            self.token, self.hits, self.more = token, hits, more

    def __init__(self, words: str = "") -> None:
        super().__init__()
        self.words = words
        self.hits: list[EnterpriseHit] = []
        self.more = False
        self.page_keys: list[Key | None] = [None]  # the key before each page; [-1] is the current page's
        self.loading = False
        self.narrow: bool | None = None
        self.full_district = False
        self._columns_for = 0  # the terminal width the columns were laid out for
        self._token = 0

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#dir-table", DataTable)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("企业名录", id="header")
        if is_liaison(self.user):
            yield Static(REFUSAL, id="dir-refused", markup=False)
        else:
            with Horizontal(id="dir-bar"):
                yield Input(self.words, placeholder="搜索：名称 / 拼音首字母 / 信用代码 / 电话，回车检索",
                            id="dir-search")
                yield Select([(plain(d), d) for d in self.store.directory.district_names()], prompt="全部区域", id="dir-district",
                             compact=True)
            yield DataTable(id="dir-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="dir-status", markup=False)
        yield KeyBar()

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
        """Columns for a terminal ``width``; the name takes the space the others
        leave (issue 16 item 8).  True when they changed."""
        if width == self._columns_for:
            return False
        self._columns_for = width
        self.narrow = width < NARROW_BELOW
        self.full_district = width >= FULL_DISTRICT_FROM
        fixed = [("工单未结/全部", 13, "tickets"), ("统一社会信用代码", 18, "uscc"),
                 ("区域", 22 if self.full_district else 8, "district")]
        if not self.narrow:
            fixed += [("行业", 8, "industry"), ("联系人", 22, "contact")]
        t = self.table
        t.clear(columns=True)
        for label, w, key in fixed:
            t.add_column(label, width=w, key=key)
        # each column has one cell of padding either side; 2 more for the scroll bar
        t.add_column("企业名称", width=max(12, width - sum(w + 2 for _, w, _ in fixed) - 2 - 2), key="name")
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
        districts: Select[str] = self.query_one("#dir-district", Select)
        self._load(self._token, self.words, select_value(districts), self.page_keys[-1])

    @work(thread=True, exclusive=True, group="directory-page", exit_on_error=False)
    def _load(self, token: int, words: str, district: str | None, after: Key | None) -> None:
        with self.console_app.readers.reader() as store:
            hits = store.directory.search(self.user, words, limit=PAGE_SIZE + 1, after=after, district=district)
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
                         literal(self._district(e.district)), literal(e.industry or "—"),
                         literal(f"{e.contact_name} {e.contact_phone}".strip() or "—"), literal(e.name)]
                if self.narrow:
                    del cells[3:5]
                t.add_row(*cells, key=str(e.id))
        self._update_status()

    def _district(self, name: str) -> str:
        """The district as the column holds it: 经开区 / 高新区 where the full name does not fit."""
        if not name:
            return "—"
        return name if self.full_district else SHORT_DISTRICT.get(name, name)

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
        return stored_id(self.hits[t.cursor_row].enterprise)

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
        def submit(dialog: FormDialog[dict[str, str]], v: dict[str, str]) -> None:
            try:
                e = self.store.directory.add(self.user, v["name"], uscc=v["uscc"] or None, district=v["district"],
                                              industry=v["industry"], contact_name=v["contact_name"],
                                              contact_phone=v["contact_phone"], note=v["note"])
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify(f"已建档：{plain(e.name)}", markup=False)
            self.app.push_screen(EnterpriseScreen(stored_id(e)))

        self.app.push_screen(EnterpriseDialog("新建企业档案", on_submit=submit, id="enterprise-new"))

    def action_back(self) -> None:
        """Back to the previous screen (the search line first gives up focus)."""
        if isinstance(self.focused, Input):
            self.table.focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


__all__ = ["PAGE_SIZE", "DirectoryScreen"]
