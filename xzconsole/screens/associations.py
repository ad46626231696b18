"""行业协会 (F10, SPEC §6, §14): the 16 key trade associations, their members,
subscriptions, pushes, comment rounds, contact person and record.

Left, the associations (16 rows: read inline, two indexed look-ups each);
right, for the highlighted one, a summary line and seven tabs.  Every list
is an indexed page or a short per-association list, read inline when its
tab is shown (the style guide's "a page of 50 rows may run inline"); only
the enterprise search of the add-member dialog, which may scan a big
directory, runs in a worker.  Only the first tab's widgets are built with
the screen; each other tab's are built the first time it is shown (by its
number key or a click), so F10 does not pay for six panes never opened.

Editing follows the store's rule (clerks and supervisors; a liaison or an
admin only reads).  Subscriptions and contact carry the association's
``version``: when someone else saved it meanwhile, the store refuses in
Chinese, the screen says what is stored now and keeps what this user chose
or typed — a second ``s`` then saves it over the newer version knowingly.
Unsaved edits are kept per association while the user looks at another one.
All user text (association, enterprise, policy names, comments, notes)
goes through :mod:`xzconsole.textsafe`.  The cells' text is in
:mod:`xzconsole.screens.association_cells`, the dialogs in
:mod:`xzconsole.screens.association_dialogs`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, SelectionList, Static, TabbedContent, TabPane

from .base import AppAccess, StyledAtMount, store_error_types, stored_id
from ..models import AssociationMember, AssociationSummary, Role, validate_phone
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .dialogs import FormDialog, ReasonDialog
from .association_cells import (category_abbreviations, short_names, subscriptions_cell, summary_text, tab_widgets,
                                table_columns, when)

# the dialogs (and the rounds' decision words) are imported when first used: F10's
# key pays for what it shows (issue 11 item 5)

PAGE_SIZE = 50
WIDE_FROM = 110  # columns: from here the list shows subscriptions and last push, the tabs their full names
LIST_WIDTH = {False: 31, True: 56}  # the association list's width (app.tcss says the same), narrow / wide
EDITOR_ROLES = (Role.CLERK, Role.SUPERVISOR)  # the store's rule, mirrored to hide what would be refused
# tab id → (full label, short label for an 80-column terminal)
TABS = {
    "members": ("会员企业", "会员"),
    "subs": ("订阅类别", "订阅"),
    "pushes": ("推送记录", "推送"),
    "rounds": ("征求意见", "征求"),
    "contact": ("联系人", "联系人"),
    "history": ("记录", "记录"),
    "service": ("服务日志", "服务"),
}
PAGED_TABS = ("members", "pushes")
FIRST_TAB = "members"  # the tab shown when the screen opens: the only one built with it
TABLES = ("members", "pushes", "rounds", "history", "service")  # the tabs that are a table
FORMS = ("subs", "contact")  # the tabs that are a form, kept per association while unsaved


class AssociationsScreen(AppAccess, StyledAtMount, Screen[None]):
    """行业协会: browse the associations; clerks and supervisors edit members,
    subscriptions and the contact person."""

    BINDINGS = [
        Binding("a", "add_member", "添加会员", id="associations.add_member"),
        Binding("d", "remove_member", "移除会员", id="associations.remove_member"),
        Binding("s,ctrl+s", "save", "保存", id="associations.save"),
        # priority: the tables would otherwise scroll by a screen instead of paging the list
        Binding("pagedown,ctrl+n", "next_page", "下一页", id="associations.next_page", priority=True),
        Binding("pageup,ctrl+b", "previous_page", "上一页", id="associations.previous_page", priority=True),
        # the sub-tabs' keys: one entry in the footer ("1-6 分页"), each with its own line in F1
        *[Binding(str(i + 1), f"show_tab('{tab}')", "分页" if i == 0 else full, id=f"associations.tab.{tab}",
                  show=i == 0, key_display=f"1-{len(TABS)}" if i == 0 else None)
          for i, (tab, (full, _)) in enumerate(TABS.items())],
        Binding("p", "assign_staff", "指派专员", id="associations.assign_staff"),
        Binding("l", "log_service", "记服务日志", id="associations.log_service"),
        Binding("r", "reload", "刷新", id="associations.reload", show=False),
        Binding("escape", "back", "返回", id="associations.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.associations: list[AssociationSummary] = []
        self.current: AssociationSummary | None = None
        self.members: list[AssociationMember] = []
        self.pushes: list[dict[str, Any]] = []
        self.rounds: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.service: list[dict[str, Any]] = []
        self.wide: bool | None = None
        # paging: the start of each page seen so far (None = the first page), and whether there is a next
        self._starts: dict[str, list[Any]] = {tab: [None] for tab in PAGED_TABS}
        self._more: dict[str, bool] = {tab: False for tab in PAGED_TABS}
        # unsaved edits per association, and the version they were begun on
        self._subs_draft: dict[int, list[str]] = {}
        self._contact_draft: dict[int, tuple[str, str]] = {}
        self._base_version: dict[int, int] = {}
        self._abbrev: dict[str, str] = {}
        #: the tabs whose widgets exist (each is built the first time it is shown)
        self._built: set[str] = set()
        self.width = 0

    # -- shortcuts -------------------------------------------------------------------
    @property
    def can_edit(self) -> bool:
        return self.user is not None and self.user.role in EDITOR_ROLES

    @property
    def current_id(self) -> int:
        """The id of the association shown on the right."""
        assert self.current is not None
        return stored_id(self.current)

    @property
    def tab(self) -> str:
        """The active tab's id ("members", "subs", …)."""
        return self.query_one("#assoc-tabs", TabbedContent).active.removeprefix("tab-")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show each key where it applies: member keys on the member tab, save on the
        two forms, paging where there is a page to go to; edits for editors only."""
        if not self.is_mounted:
            return True
        tab = self.tab
        if action in ("add_member", "remove_member"):
            return self.can_edit and tab == "members"
        if action == "save":
            return self.can_edit and tab in ("subs", "contact")
        if action == "assign_staff":
            return self.user is not None and self.user.role is Role.SUPERVISOR and tab == "service"
        if action == "log_service":
            return self.can_edit and tab == "service"
        if action == "next_page":  # hidden, not greyed: an 80-column footer has no room to spare
            return tab in PAGED_TABS and self._more[tab]
        if action == "previous_page":
            return tab in PAGED_TABS and len(self._starts[tab]) > 1
        return True

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # the first tab's widgets only: each other tab is built the first time it
        # is shown (:meth:`_build_tab`) — six panes of tables and forms the person
        # may never open would cost the place key most of its time
        wide = self.app.size.width >= WIDE_FROM
        self.set_class(wide, "-wide")  # before the children exist: one styling pass, not two
        yield ConsoleHeader("行业协会", id="header")
        with Horizontal(id="assoc-body"):
            yield DataTable(id="assoc-list", cursor_type="row", zebra_stripes=True)
            with Vertical(id="assoc-right"):
                yield Static("", id="assoc-summary")
                with TabbedContent(id="assoc-tabs"):
                    for tab, (full, short) in TABS.items():
                        with TabPane(full if wide else short, id=f"tab-{tab}"):
                            if tab == FIRST_TAB:
                                yield from tab_widgets(tab, self.store.categories(), self.can_edit)
        self._built.add(FIRST_TAB)
        yield KeyBar()

    def is_built(self, tab: str) -> bool:
        """Whether the tab's widgets exist yet (each is built the first time it is shown)."""
        return tab in self._built

    def _build_tab(self, tab: str) -> None:
        """Build a tab's widgets the first time it is shown: its table's columns
        for this width, its form filled for the association shown (with the
        user's unsaved edits, if any).  The widgets are in the DOM at once, so
        whatever follows in the same handler finds them."""
        if tab in self._built:
            return
        self._built.add(tab)
        self.query_one(f"#tab-{tab}", TabPane).mount(*tab_widgets(tab, self.store.categories(), self.can_edit))
        if tab in TABLES:
            self._set_columns(tab)
        if tab in FORMS and self.current is not None:
            self._fill_form(tab)

    def on_mount(self) -> None:
        self._abbrev = category_abbreviations(list(self.store.categories()))
        self._layout(self.app.size.width)
        # the rows once the screen has been painted: a screen's first paint is
        # followed by a layout or two (its Resize), and each would draw every
        # row of both tables again (issue 11 item 5)
        self.call_after_refresh(self.load_list)
        self.query_one("#assoc-list", DataTable).focus()

    def on_resize(self) -> None:
        if self._layout(self.app.size.width):
            self.load_list()

    def _layout(self, width: int) -> bool:
        """Columns and tab labels for a terminal ``width``; True when they changed."""
        wide = width >= WIDE_FROM
        self.width = width
        if wide == self.wide:
            return False
        first = self.wide is None  # compose gave the tabs their labels and the screen its class
        self.wide = wide
        if not first:
            self.set_class(wide, "-wide")
            tabs = self.query_one("#assoc-tabs", TabbedContent)
            for tab, (full, short) in TABS.items():
                tabs.get_tab(f"tab-{tab}").label = full if wide else short
        self._set_columns("list")
        for tab in TABLES:
            if tab in self._built:
                self._set_columns(tab)
        return True

    def _set_columns(self, table: str) -> None:
        """One table's columns for the width: "list" (the associations) or a tab's."""
        wide = bool(self.wide)
        # the right pane, less its border, and a scrollbar's room; each cell has one column of padding a side
        room = self.width - LIST_WIDTH[wide] - 1 - 2
        cols = table_columns(table, wide)
        t = self.query_one(f"#assoc-{table}", DataTable)
        t.clear(columns=True)
        rest = max(10, room - sum((w or 0) + 2 for _, w in cols))
        for label, w in cols:
            t.add_column(label, width=w or rest)

    # -- the list of associations -----------------------------------------------------
    def load_list(self) -> None:
        """Read the associations again and redraw the list (keeping the highlight)."""
        keep = self.current.id if self.current else None
        self.associations = self.store.associations.summaries()
        names = short_names([a.name for a in self.associations])
        t = self.query_one("#assoc-list", DataTable)
        with self.app.batch_update():
            t.clear()
            for a, name in zip(self.associations, names):
                cells = [literal(name), Text(str(a.member_count), justify="right")]
                if self.wide:
                    cells += [subscriptions_cell(a.categories, self._abbrev), Text(when(a.last_push_at, 10))]
                t.add_row(*cells, key=str(a.id))
        ids = [a.id for a in self.associations]
        if keep in ids:
            t.move_cursor(row=ids.index(keep))
        self.show_association()

    @on(DataTable.RowHighlighted, "#assoc-list")
    def _association_highlighted(self) -> None:
        self.show_association()

    @on(DataTable.RowSelected, "#assoc-list")
    def _association_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._focus_tab()

    def highlighted_association(self) -> AssociationSummary | None:
        """The association under the list's cursor."""
        t = self.query_one("#assoc-list", DataTable)
        if not self.associations or t.cursor_row is None or not 0 <= t.cursor_row < len(self.associations):
            return None
        return self.associations[t.cursor_row]

    def show_association(self) -> None:
        """Show the highlighted association on the right (its forms and the active tab)."""
        a = self.highlighted_association()
        if a is None:
            return
        if self.current is not None:
            self._stash_drafts()
            if self.current.id != a.id:
                self._starts = {tab: [None] for tab in PAGED_TABS}
        self.current = self.store.associations.get(stored_id(a))
        self._show_summary()
        self._fill_forms()
        self.refresh_tab()

    def _show_summary(self) -> None:
        assert self.current is not None
        t = summary_text(self.current)
        staff = self.store.associations.service_staff(self.current_id)
        t.append_text(literal(f" · 服务专员：{staff[1] if staff else '未指派'}"))
        self.query_one("#assoc-summary", Static).update(t)

    # -- tabs --------------------------------------------------------------------------
    @on(TabbedContent.TabActivated, "#assoc-tabs")
    def _tab_activated(self) -> None:
        self.refresh_tab()

    def refresh_tab(self) -> None:
        """Read the active tab's list for the current association."""
        self._build_tab(self.tab)
        if self.current is None:
            return
        loader = {"members": self._load_members, "pushes": self._load_pushes, "rounds": self._load_rounds,
                  "history": self._load_history, "service": self._load_service}.get(self.tab)
        if loader is not None:
            loader()
        self.refresh_bindings()

    def _focus_tab(self) -> None:
        """Put the focus on the active tab's main widget.

        The contact form is the exception: its fields would take the next
        digit as text (5 then 4 typed "4" over 王建国), so the focus goes to
        the tab strip — digits keep switching tabs, Tab enters the form."""
        target = {"members": "#assoc-members", "subs": "#assoc-subs", "pushes": "#assoc-pushes",
                  "rounds": "#assoc-rounds", "contact": "#assoc-tabs Tabs", "history": "#assoc-history",
                  "service": "#assoc-service"}[self.tab]
        widget = self.query_one(target)
        if widget.focusable:
            widget.focus()

    def action_show_tab(self, tab: str) -> None:
        """Go to one of the seven tabs (keys 1–7), building it the first time."""
        self._build_tab(tab)
        self.query_one("#assoc-tabs", TabbedContent).active = f"tab-{tab}"
        self.call_after_refresh(self._focus_tab)

    def _page_start(self, tab: str) -> Any:
        return self._starts[tab][-1]

    def _load_members(self) -> None:
        assert self.current is not None
        rows = self.store.associations.members(self.current_id, after=self._page_start("members"), limit=PAGE_SIZE + 1)
        if not rows and len(self._starts["members"]) > 1:  # the last member of a later page was removed
            self._starts["members"].pop()
            self._load_members()
            return
        self.members, self._more["members"] = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        t = self.query_one("#assoc-members", DataTable)
        with self.app.batch_update():
            t.clear()
            for m in self.members:
                cells = [literal(m.name)] + ([Text(m.uscc or "—")] if self.wide else [])
                t.add_row(*cells, literal(m.district or "—"), Text(when(m.joined_at, 10)), key=str(m.enterprise_id))
        page = len(self._starts["members"])
        status = (f"第 {page} 页 · 共 {self.current.member_count} 家会员" if self.members
                  else "尚无会员企业" + ("，按 a 添加" if self.can_edit else ""))
        self.query_one("#assoc-members-status", Static).update(status + (" · Enter 企业档案" if self.members else ""))

    def _load_pushes(self) -> None:
        assert self.current is not None
        rows = self.store.associations.pushes(self.current_id, limit=PAGE_SIZE + 1, after=self._page_start("pushes"))
        self.pushes, self._more["pushes"] = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        t = self.query_one("#assoc-pushes", DataTable)
        with self.app.batch_update():
            t.clear()
            for p in self.pushes:
                cells = [Text(when(p["at"])), literal(p["policy_title"])]
                cells += [literal(p["doc_number"] or "—")] if self.wide else []
                t.add_row(*cells, literal(p["actor_name"]), key=str(p["id"]))
        page = len(self._starts["pushes"])
        self._push_detail()
        staff = self.store.associations.service_staff(self.current_id)
        owner = f" · 服务专员：{staff[1]}" if staff else ""
        self.query_one("#assoc-pushes-status", Static).update(
            (f"第 {page} 页{' · 还有更早的（PageDown）' if self._more['pushes'] else ''}" if self.pushes
             else "尚未向该协会推送政策") + owner)

    def _load_service(self) -> None:
        """The association's service log (服务专班 / 专员包挂), newest first."""
        assert self.current is not None
        self.service = self.store.associations.service_log(self.current_id)
        t = self.query_one("#assoc-service", DataTable)
        with self.app.batch_update():
            t.clear()
            for x in self.service:
                t.add_row(Text(x["served_on"]), literal(x["staff_name"]), Text(x["kind_label"]), literal(x["note"]),
                          key=str(x["id"]))
        staff = self.store.associations.service_staff(self.current_id)
        who = f"服务专员：{staff[1]}" if staff else "尚未指派服务专员"
        keys = " · l 记服务日志" if self.can_edit else ""
        keys += " · p 指派专员" if self.user is not None and self.user.role is Role.SUPERVISOR else ""
        self.query_one("#assoc-service-status", Static).update(f"{who} · 共 {len(self.service)} 条服务记录{keys}")

    def action_assign_staff(self) -> None:
        """A supervisor names the center's staff member responsible for this association."""
        if self.current is None:
            return
        aid = self.current_id
        from .association_dialogs import StaffPickDialog

        people = [(f"{s.name or s.login}（{s.role.label}）", s.login) for s in self.store.staff.all()
                  if s.role in (Role.CLERK, Role.SUPERVISOR) and not s.disabled]

        def submit(dialog: FormDialog[str], login: str) -> None:
            try:
                name = self.store.associations.assign_staff(self.user, aid, login)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(login)
            self.notify(f"服务专员：{plain(name)}", markup=False)
            self._show_summary()
            self.refresh_tab()

        self.app.push_screen(StaffPickDialog(people, on_submit=submit))

    def action_log_service(self) -> None:
        """A line in the service log: the day, how, what was done."""
        if self.current is None:
            return
        from .association_dialogs import ServiceLogDialog

        aid = self.current_id

        def submit(dialog: FormDialog[tuple[str, str, str]], v: tuple[str, str, str]) -> None:
            try:
                day = dt.date.fromisoformat(v[0]) if v[0] else None
            except ValueError:
                dialog.show_error(f"日期“{plain(v[0])}”无效，应为 YYYY-MM-DD")
                return
            try:
                self.store.associations.log_service(self.user, aid, v[1], v[2], day)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(v)
            self.notify("服务日志已记录", markup=False)
            self.refresh_tab()

        self.app.push_screen(ServiceLogDialog(self.clock.today(), on_submit=submit))

    def _load_rounds(self) -> None:
        assert self.current is not None
        self.rounds = self.store.associations.rounds(self.current_id)
        t = self.query_one("#assoc-rounds", DataTable)
        with self.app.batch_update():
            t.clear()
            for r in self.rounds:
                state = Text(r["state_label"], style="bold #ff8700" if r["state"] == "overdue" else "")
                t.add_row(Text(r["deadline"]), literal(r["policy_title"]), state, Text(str(len(r["comments"]))),
                          key=str(r["id"]))
        self._round_detail()

    @on(DataTable.RowHighlighted, "#assoc-rounds")
    def _round_detail(self) -> None:
        from .policy_associations import DECISIONS

        box = self.query_one("#assoc-round-detail", Static)
        t = self.query_one("#assoc-rounds", DataTable)
        if not self.rounds or t.cursor_row is None or not 0 <= t.cursor_row < len(self.rounds):
            box.update("该协会尚未被征求过意见")
            return
        r = self.rounds[t.cursor_row]
        text = literal(f"第 {r['id']} 轮 · {r['policy_title']} · 截止 {r['deadline']} · {r['state_label']}", style="bold")
        for c in r["comments"]:
            text.append("\n· ")
            text.append_text(literal(c["text"]))
            fate = (f"{DECISIONS[c['decision']]}：{c['reason']}" if c["decision"]
                    else f"已转交{c['forwarded_to']}，待反馈" if c["forwarded_at"] else "未转交")
            text.append_text(literal(f"（{fate}）", style="dim"))
        if not r["comments"]:
            text.append("\n（该协会未提交意见）", style="dim")
        box.update(text)

    @on(DataTable.RowHighlighted, "#assoc-pushes")
    def _push_detail(self) -> None:
        """The highlighted push in full: the list's columns clip a long title."""
        box = self.query_one("#assoc-push-detail", Static)
        t = self.query_one("#assoc-pushes", DataTable)
        if not self.pushes or t.cursor_row is None or not 0 <= t.cursor_row < len(self.pushes):
            box.update("")
            return
        p = self.pushes[t.cursor_row]
        text = literal(p["policy_title"], style="bold")
        text.append_text(literal(f"  {p['doc_number'] or '无文号'} · {when(p['at'])} {p['actor_name']}"
                                 + (f" · 说明：{p['note']}" if p["note"] else "")))
        box.update(text)

    def _load_history(self) -> None:
        assert self.current is not None
        self.events = self.store.associations.history(self.current_id)
        t = self.query_one("#assoc-history", DataTable)
        with self.app.batch_update():
            t.clear()
            for e in self.events:
                cells = [Text(when(e["at"])), literal(e["actor_name"])] + ([Text(e["label"])] if self.wide else [])
                t.add_row(*cells, literal(e["note"]), key=str(e["id"]))
        self._event_detail()

    @on(DataTable.RowHighlighted, "#assoc-history")
    def _event_detail(self) -> None:
        """The highlighted entry's whole note."""
        box = self.query_one("#assoc-event-detail", Static)
        t = self.query_one("#assoc-history", DataTable)
        if not self.events or t.cursor_row is None or not 0 <= t.cursor_row < len(self.events):
            box.update("尚无修改记录")
            return
        e = self.events[t.cursor_row]
        text = literal(f"{when(e['at'])} {e['actor_name']} {e['label']}", style="bold")
        text.append("\n")
        text.append_text(literal(e["note"]))
        box.update(text)

    # -- paging ------------------------------------------------------------------------
    def action_next_page(self) -> None:
        """The next page of members or pushes."""
        tab = self.tab
        if tab not in PAGED_TABS or not self._more[tab]:
            return
        self._starts[tab].append(self.members[-1].key if tab == "members" else self.pushes[-1]["id"])
        self.refresh_tab()

    def action_previous_page(self) -> None:
        """The previous page of members or pushes."""
        tab = self.tab
        if tab in PAGED_TABS and len(self._starts[tab]) > 1:
            self._starts[tab].pop()
            self.refresh_tab()

    # -- members -----------------------------------------------------------------------
    def current_member(self) -> AssociationMember | None:
        """The member under the member list's cursor."""
        t = self.query_one("#assoc-members", DataTable)
        if not self.members or t.cursor_row is None or not 0 <= t.cursor_row < len(self.members):
            return None
        return self.members[t.cursor_row]

    def _fail(self, exc: BaseException) -> None:
        self.notify(plain(exc), title="未能完成", severity="error", markup=False, timeout=8)

    def _after_member_change(self) -> None:
        self.load_list()  # member counts change in the list and the summary

    def action_add_member(self) -> None:
        """Add a member enterprise, found by name or USCC."""
        a = self.current
        if a is None:
            return
        from .association_dialogs import MemberPickerDialog

        def submit(dialog: FormDialog[int], enterprise_id: int) -> None:
            try:
                m = self.store.associations.add_member(self.user, stored_id(a), enterprise_id)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(enterprise_id)
            self.notify(f"已添加会员：{plain(m.name)}", markup=False)
            self._after_member_change()

        self.app.push_screen(MemberPickerDialog(a.name, on_submit=submit))

    def action_remove_member(self) -> None:
        """Remove the highlighted member, with a reason (kept in the record)."""
        a, m = self.current, self.current_member()
        if a is None or m is None:
            self.notify("请先在“会员企业”中选择一家企业", severity="warning", markup=False)
            return

        def submit(dialog: FormDialog[str], reason: str) -> None:
            try:
                self.store.associations.remove_member(self.user, stored_id(a), m.enterprise_id, reason)
            except store_error_types() as exc:
                dialog.show_error(str(exc))
                return
            dialog.dismiss(reason)
            self.notify(f"已移除会员：{plain(m.name)}", markup=False)
            self._after_member_change()

        self.app.push_screen(ReasonDialog(f"移除会员：{m.name}", "如：企业已退会 / 已注销", label="移除原因",
                                          on_submit=submit, id="remove-member-dialog"))

    @on(DataTable.RowSelected, "#assoc-members")
    def _member_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        m = self.current_member()
        if m is not None:
            self.open_enterprise(m.enterprise_id)

    def open_enterprise(self, enterprise_id: int) -> None:
        """The enterprise's page in the directory (F9), when the console has it."""
        try:
            from .enterprise import EnterpriseScreen
        except ImportError:
            self.notify("企业名录暂不可用，无法打开企业档案", severity="warning", markup=False)
            return
        self.app.push_screen(EnterpriseScreen(enterprise_id))

    # -- subscriptions and contact ------------------------------------------------------
    def _stash_drafts(self) -> None:
        """Keep what was chosen or typed for the association being left, if it differs."""
        a = self.current
        if a is None or not self.can_edit:
            return
        aid = stored_id(a)
        if self.is_built("subs"):  # a form never shown holds nothing typed
            chosen = self.selected_categories()
            if set(chosen) != set(a.categories):
                self._subs_draft[aid] = chosen
            else:
                self._subs_draft.pop(aid, None)
        if self.is_built("contact"):
            typed = self.typed_contact()
            if typed != (a.contact_name, a.contact_phone):
                self._contact_draft[aid] = typed
            else:
                self._contact_draft.pop(aid, None)

    def _fill_forms(self) -> None:
        """The subscription list and contact fields for the current association:
        its unsaved edits if the user left some, else what is stored (the forms
        not built yet are filled when they are)."""
        a = self.current
        assert a is not None
        aid = stored_id(a)
        if aid not in self._subs_draft and aid not in self._contact_draft:
            self._base_version[aid] = a.version
        for tab in FORMS:
            if self.is_built(tab):
                self._fill_form(tab)

    def _fill_form(self, tab: str) -> None:
        """One form ("subs" or "contact") for the current association."""
        a = self.current
        assert a is not None
        aid = stored_id(a)
        if tab == "subs":
            subs = self.query_one("#assoc-subs", SelectionList)
            chosen = set(self._subs_draft.get(aid, a.categories))
            subs.deselect_all()
            for value in chosen:
                subs.select(value)
            self._subs_message("")
        else:
            name, phone = self._contact_draft.get(aid, (a.contact_name, a.contact_phone))
            self.query_one("#assoc-contact-name", Input).value = name
            self.query_one("#assoc-contact-phone", Input).value = phone
            for field in ("name", "phone"):
                self._field_error(field, "")

    def selected_categories(self) -> list[str]:
        """The ticked categories, in the data file's order (the stored ones while the tab was never shown)."""
        if not self.is_built("subs"):
            return list(self.current.categories) if self.current is not None else []
        subs = self.query_one("#assoc-subs", SelectionList)
        chosen = set(subs.selected)
        return [t for t in self.store.categories() if t in chosen]

    def typed_contact(self) -> tuple[str, str]:
        """(name, phone) as typed in the contact form (the stored ones while the tab was never shown)."""
        if not self.is_built("contact"):
            return (self.current.contact_name, self.current.contact_phone) if self.current is not None else ("", "")
        return (self.query_one("#assoc-contact-name", Input).value.strip(),
                self.query_one("#assoc-contact-phone", Input).value.strip())

    def _subs_message(self, text: str, *, error: bool = False) -> None:
        box = self.query_one("#assoc-subs-message", Static)
        box.update(text)
        box.set_class(error, "-error")

    @on(SelectionList.SelectedChanged, "#assoc-subs")
    def _subs_changed(self) -> None:
        if self.current is not None and self.can_edit:
            changed = set(self.selected_categories()) != set(self.current.categories)
            self._subs_message("有未保存的修改，按 s 保存" if changed else "")

    def _field_error(self, field: str, text: str) -> None:
        self.query_one(f"#assoc-contact-{field}-error", Static).update(text)
        self.query_one(f"#assoc-contact-{field}", Input).set_class(bool(text), "-invalid")

    def _check_contact(self) -> bool:
        """Inline validation of the two fields; True when both are acceptable."""
        name, phone = self.typed_contact()
        self._field_error("name", "" if name else "请填写联系人姓名")
        try:
            validate_phone(phone)
            self._field_error("phone", "")
        except ValueError as exc:
            self._field_error("phone", str(exc) if phone else "请填写联系电话")
        return bool(name) and not self.query_one("#assoc-contact-phone", Input).has_class("-invalid")

    @on(Input.Changed, "#assoc-contact-name, #assoc-contact-phone")
    def _contact_changed(self) -> None:
        if self.current is not None and self.typed_contact() != (self.current.contact_name, self.current.contact_phone):
            self._check_contact()

    @on(Input.Submitted, "#assoc-contact-name")
    def _name_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#assoc-contact-phone", Input).focus()

    @on(Input.Submitted, "#assoc-contact-phone")
    def _phone_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Save the subscriptions or the contact (whichever tab is open)."""
        a = self.current
        if a is None or not self.can_edit:
            return
        aid = stored_id(a)
        tab = self.tab
        if not self.is_built(tab):  # a form never shown holds nothing to save
            return
        if tab == "contact" and not self._check_contact():
            return
        version = self._base_version.get(aid, a.version)
        try:
            if tab == "subs":
                saved = self.store.associations.set_subscriptions(self.user, aid, self.selected_categories(), version=version)
            elif tab == "contact":
                saved = self.store.associations.set_contact(self.user, aid, *self.typed_contact(), version=version)
            else:
                return
        except store_error_types() as exc:
            self._refused(tab, exc)
            return
        if tab == "subs":
            self._subs_draft.pop(aid, None)
        else:
            self._contact_draft.pop(aid, None)
        self._base_version[aid] = saved.version
        self.current = saved
        self._show_summary()
        if tab == "subs":
            self._subs_message(f"已保存：{'、'.join(saved.categories)}")
        else:
            self.query_one("#assoc-contact-message", Static).update(
                f"已保存：{plain(saved.contact_name)} {saved.contact_phone}")
        self.notify("已保存", markup=False)
        self._refresh_row(saved)

    def _refused(self, tab: str, exc: BaseException) -> None:
        """Say why the save was refused and keep what the user chose or typed.

        When someone else saved the association meanwhile, the summary shows
        what is stored now and the next save goes over that version."""
        a = self.current
        assert a is not None
        aid = stored_id(a)
        fresh = self.store.associations.get(aid)
        if fresh.version != self._base_version.get(aid, a.version):
            self._base_version[aid] = fresh.version
            self.current = fresh
            self._show_summary()
            self._refresh_row(fresh)
        message = plain(exc)
        if tab == "subs":
            self._subs_message(message, error=True)
        else:
            self.query_one("#assoc-contact-message", Static).update(message)
        self.notify(message, title="未能保存", severity="error", markup=False, timeout=8)

    def _refresh_row(self, a: AssociationSummary) -> None:
        """Put a saved association back into the list (keeping the user's forms)."""
        self.associations = [a if x.id == a.id else x for x in self.associations]
        if self.wide:
            t = self.query_one("#assoc-list", DataTable)
            t.update_cell(str(a.id), list(t.columns)[2], subscriptions_cell(a.categories, self._abbrev))

    # -- the rest ----------------------------------------------------------------------
    def action_reload(self) -> None:
        """Read everything again (unsaved edits are kept)."""
        self.load_list()

    def action_back(self) -> None:
        """From a tab back to the list; from the list back to the previous screen."""
        if self.focused is not None and self.focused.id != "assoc-list":
            self.query_one("#assoc-list", DataTable).focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


__all__ = ["AssociationsScreen"]
