"""受理: the intake form (SPEC §4, §7, §9).

A clerk takes an appeal in: source, appeal type, the enterprise (looked up by
name or USCC, with USCC, district and contact filled in from the enterprise
record or its earlier tickets), contact, district, title and content.  Each
field is checked as the clerk leaves it and the message (Chinese) sits under
the field.  When the enterprise already has an open ticket the form flags a
重复诉求 and offers to merge the new appeal into it.  While the content is
typed, knowledge-base entries that match its key words are suggested; one key
answers the appeal directly from the highlighted entry.

Look-ups run in thread workers (a substring search over a large enterprise
table or knowledge base can take longer than a frame); their results come back
through ``Worker.StateChanged`` and are handled in one place.
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import ValidationError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from .base import AppAccess, select_value
from ..models import (
    AppealType,
    Enterprise,
    KnowledgeEntry,
    Source,
    Ticket,
    TicketIntake,
    clean_text,
    validate_phone,
    validate_uscc,
)
from ..textsafe import literal, plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from ..widgets.wrapped import WrappedText
from .dialogs import ConfirmDialog, ticket_line

# ---------------------------------------------------------------- field checks


def _required(label: str, max_len: int) -> Callable[[str], str]:
    return lambda v: clean_text(v, label, required=True, max_len=max_len)


def _optional(label: str, max_len: int) -> Callable[[str], str]:
    return lambda v: clean_text(v, label, max_len=max_len)


def _uscc(v: str) -> str:
    return validate_uscc(v) if v.strip() else ""


def _phone(v: str) -> str:
    return validate_phone(v) if v.strip() else ""


# field id → (check, how to read the widget's value)
FIELD_CHECKS: dict[str, Callable[[str], str]] = {
    "intake-name": _required("企业名称", 200),
    "intake-uscc": _uscc,
    "intake-contact": _optional("联系人", 100),
    "intake-phone": _phone,
    "intake-title": _optional("诉求标题", 200),
    "intake-content": _required("诉求内容", 20_000),
}
NO_MERGE = 0


class IntakeScreen(AppAccess, Screen[int | None]):
    """The intake form; dismisses with the new ticket's id (None when abandoned)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "保存受理", id="intake.save", priority=True),
        Binding("ctrl+r", "direct_answer", "知识库直接答复", id="intake.direct_answer", priority=True),
        # not F2/F3: those are the console's places everywhere (queue, warnings)
        Binding("ctrl+o", "focus_enterprises", "企业库", id="intake.enterprises", priority=True),
        Binding("ctrl+t", "focus_knowledge", "知识库建议", id="intake.knowledge", priority=True),
        Binding("escape", "leave", "返回", id="intake.leave"),
    ]

    DEBOUNCE = 0.35  # seconds of quiet typing before a look-up runs

    def __init__(self, *, visit_id: int | None = None, enterprise: Enterprise | None = None) -> None:
        """``visit_id``: an appeal taken on the spot at that outreach activity
        (source fixed to 走访, linked to it); ``enterprise``: fill the form from it."""
        super().__init__()
        self.visit_id = visit_id
        self.prefill = enterprise
        self._enterprises: list[Enterprise] = []
        self._knowledge: list[KnowledgeEntry] = []
        self._open: list[Ticket] = []
        self._ent_timer: Timer | None = None
        self._kb_timer: Timer | None = None
        self._saving = False

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from ..services.importers import load_districts

        yield ConsoleHeader("受理诉求" if self.visit_id is None else f"走访现场受理 · 活动 #{self.visit_id}")
        with Horizontal(id="intake-body"):
            with VerticalScroll(id="intake-form"):
                yield from self._row("来源", Select(Source.choices(), value=Source.HOTLINE.value, allow_blank=False,
                                                   compact=True, id="intake-source"))
                yield from self._row("诉求类型", Select(AppealType.choices(), prompt="请选择", compact=True,
                                                     id="intake-type"))
                yield from self._row("企业名称", Input(placeholder="输入名称或信用代码查找", compact=True, id="intake-name"))
                yield from self._row("信用代码", Input(placeholder="18 位统一社会信用代码", compact=True, max_length=30,
                                                    id="intake-uscc"))
                with Vertical(id="intake-dup"):
                    yield Static("", id="intake-dup-note")
                    yield Select([("不合并，作为新诉求受理", NO_MERGE)], value=NO_MERGE, allow_blank=False, compact=True,
                                 id="intake-merge")
                yield from self._row("联系人", Input(compact=True, id="intake-contact"))
                yield from self._row("联系电话", Input(placeholder="手机或 0516-83801234", compact=True, id="intake-phone"))
                yield from self._row("所属区域", Select([(d, d) for d in load_districts()], prompt="（未选）",
                                                    compact=True, id="intake-district"))
                yield from self._row("诉求标题", Input(compact=True, id="intake-title"))
                yield Label("诉求内容", classes="field-label")
                yield TextArea(id="intake-content", soft_wrap=True, compact=True)
                yield Static("", id="intake-content-error", classes="field-error")
            with Vertical(id="intake-side"):
                yield Label("企业库（^o）", classes="side-title")
                yield OptionList(id="intake-enterprises")
                yield Label("知识库建议（^t）", classes="side-title")  # Ctrl+R is in the footer; at 80 columns this must fit
                yield OptionList(id="intake-kb")
                yield WrappedText("", id="intake-kb-answer")
        yield KeyBar()

    @staticmethod
    def _row(label: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label, classes="field-label")
            yield widget
        yield Static("", id=f"{widget.id}-error", classes="field-error")

    def on_mount(self) -> None:
        self.sub_title = "受理诉求"
        self.query_one("#intake-dup").display = False
        if self.visit_id is not None:
            source = self.query_one("#intake-source", Select)
            source.value = Source.VISIT.value
            source.disabled = True  # the store requires 走访 for an appeal linked to a visit
        if self.prefill is not None:
            self.fill_from_enterprise(self.prefill, overwrite=True)
        self.query_one("#intake-type", Select).focus()

    # -- the store and the user (set by the app on mount) -------------------

    # -- inline validation --------------------------------------------------
    def _value(self, field_id: str) -> str:
        w = self.query_one(f"#{field_id}")
        if isinstance(w, TextArea):
            return w.text
        if isinstance(w, Input):
            return w.value
        raise TypeError(field_id)

    def set_error(self, field_id: str, message: str | None) -> None:
        """Show (or clear) the message under a field and mark the field."""
        box = self.query_one(f"#{field_id}-error", Static)
        widget = self.query_one(f"#{field_id}")
        if message:
            box.update(literal(message))
            box.add_class("-shown")
            widget.add_class("-invalid")
        else:
            box.update("")
            box.remove_class("-shown")
            widget.remove_class("-invalid")

    def error_of(self, field_id: str) -> str:
        """The message under a field now ('' when it is fine)."""
        return str(self.query_one(f"#{field_id}-error", Static).render())

    def check_field(self, field_id: str) -> bool:
        """Check one field as the clerk leaves it; the message goes under it."""
        if field_id == "intake-type":
            ok = self.query_one("#intake-type", Select).value != Select.NULL
            self.set_error("intake-type", None if ok else "请选择诉求类型")
            return ok
        check = FIELD_CHECKS.get(field_id)
        if check is None:
            return True
        try:
            check(self._value(field_id))
        except ValueError as exc:
            self.set_error(field_id, str(exc))
            return False
        self.set_error(field_id, None)
        return True

    @on(Input.Blurred)
    def _input_left(self, event: Input.Blurred) -> None:
        field_id = event.input.id or ""
        ok = self.check_field(field_id)
        if field_id == "intake-phone" and ok and event.value.strip():
            normal = validate_phone(event.value)
            if normal != event.value:
                event.input.value = normal
        if field_id == "intake-uscc" and ok and event.value.strip():
            uscc = validate_uscc(event.value)
            if uscc != event.value:
                event.input.value = uscc
            self._look_up_enterprises(uscc, exact=True)
        if field_id == "intake-name" and ok:
            if self._ent_timer is not None:  # the exact look-up below supersedes the pending one
                self._ent_timer.stop()
            self._look_up_enterprises(event.value.strip(), exact=True)
        if field_id in ("intake-name", "intake-uscc"):
            self._check_duplicates()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """The content (a text area posts no Blurred of its own) is checked on leaving too."""
        if getattr(event.control, "id", None) == "intake-content":
            self.check_field("intake-content")

    @on(Select.Changed, "#intake-type")
    def _type_chosen(self) -> None:
        self.check_field("intake-type")

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Input.Changed | TextArea.Changed) -> None:
        """A message under a field goes as soon as the field is right (new ones wait for leaving it)."""
        control = event.input if isinstance(event, Input.Changed) else event.text_area
        field_id = control.id or ""
        if field_id in FIELD_CHECKS and self.error_of(field_id):
            self.check_field(field_id)

    # -- enterprise look-up and auto-fill -----------------------------------
    @on(Input.Changed, "#intake-name")
    def _name_typed(self, event: Input.Changed) -> None:
        if self._ent_timer is not None:
            self._ent_timer.stop()
        text = event.value.strip()
        if len(text) >= 2:
            self._ent_timer = self.set_timer(self.DEBOUNCE, lambda: self._look_up_enterprises(text))

    def _look_up_enterprises(self, text: str, exact: bool = False) -> None:
        if text:
            self._find_enterprises(text, exact)


    @work(thread=True, exclusive=True, group="intake-enterprises", exit_on_error=False)
    def _find_enterprises(self, text: str, exact: bool) -> tuple[str, bool, list[Enterprise]]:
        with self.console_app.readers.reader() as store:
            return text, exact, store.directory.find(text, limit=8)

    def _show_enterprises(self, text: str, exact: bool, found: list[Enterprise]) -> None:
        self._enterprises = found
        ol = self.query_one("#intake-enterprises", OptionList)
        ol.clear_options()
        for e in found:
            label = literal(e.name)
            if e.uscc:
                label.append("\n  " + e.uscc, style="dim")
            ol.add_option(Option(label, id=str(e.id)))
        if exact:
            # leaving the name or USCC field on an unambiguous match fills the rest
            same = [e for e in found if e.uscc == text.upper() or e.name == text]
            if len(same) == 1:
                # a USCC typed into the name field is replaced by the enterprise's name
                typed_uscc = self.query_one("#intake-name", Input).value.strip().upper() == (same[0].uscc or "-")
                self.fill_from_enterprise(same[0], overwrite=typed_uscc)

    def fill_from_enterprise(self, e: Enterprise, *, overwrite: bool = True) -> None:
        """Auto-fill from the enterprise record, and the contact from its latest
        ticket when the record has none.  ``overwrite`` (an explicit pick) also
        replaces the name and USCC; other fields are only filled when empty."""
        name = self.query_one("#intake-name", Input)
        uscc = self.query_one("#intake-uscc", Input)
        if overwrite or not name.value.strip():
            name.value = plain(e.name)
        if e.uscc and (overwrite or not uscc.value.strip()):
            uscc.value = e.uscc
        contact_name, contact_phone = e.contact_name, e.contact_phone
        if not (contact_name and contact_phone) and e.id is not None:
            from ..store import TicketFilter

            earlier = self.store.queue.list_tickets(self.user, TicketFilter(enterprise_id=e.id), limit=1)
            if earlier and not earlier[0].redacted:
                contact_name = contact_name or earlier[0].contact_name
                contact_phone = contact_phone or earlier[0].contact_phone
        for field_id, value in (("intake-contact", contact_name), ("intake-phone", contact_phone)):
            box = self.query_one(f"#{field_id}", Input)
            if value and not box.value.strip():
                box.value = plain(value)
        district = self.query_one("#intake-district", Select)
        if e.district and district.value == Select.NULL:
            try:
                district.value = e.district
            except Exception:  # a district no longer in data/districts.toml: leave the choice to the clerk
                pass
        for field_id in ("intake-name", "intake-uscc", "intake-phone"):
            self.check_field(field_id)
        self._check_duplicates()

    @on(OptionList.OptionSelected, "#intake-enterprises")
    def _enterprise_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.fill_from_enterprise(self._enterprises[event.option_index], overwrite=True)
        self.query_one("#intake-contact", Input).focus()

    # -- duplicates ----------------------------------------------------------
    def _check_duplicates(self) -> None:
        """Flag open tickets of the same enterprise (USCC, else name) and offer a merge."""
        name = self.query_one("#intake-name", Input).value.strip()
        raw = self.query_one("#intake-uscc", Input).value.strip()
        try:
            uscc = validate_uscc(raw) if raw else None
        except ValueError:
            uscc = None
        self._open = self.store.tickets.open_of(uscc, name) if (uscc or name) else []
        box = self.query_one("#intake-dup")
        merge = self.query_one("#intake-merge", Select)
        if not self._open:
            box.display = False
            merge.set_options([("不合并，作为新诉求受理", NO_MERGE)])
            merge.value = NO_MERGE
            return
        note = self.query_one("#intake-dup-note", Static)
        note.update(literal(f"⚠ 重复诉求：该企业有 {len(self._open)} 件未办结工单。可选择并入其中一件："))
        merge.set_options([("不合并，作为新诉求受理", NO_MERGE), *[(ticket_line(t), t.id) for t in self._open]])
        merge.value = NO_MERGE
        box.display = True

    @property
    def duplicates(self) -> list[Ticket]:
        """The open tickets of this enterprise found at intake (the 重复诉求 flag)."""
        return list(self._open)

    # -- knowledge suggestions -------------------------------------------------
    @on(TextArea.Changed, "#intake-content")
    def _content_typed(self, event: TextArea.Changed) -> None:
        if self._kb_timer is not None:
            self._kb_timer.stop()
        text = event.text_area.text
        self._kb_timer = self.set_timer(self.DEBOUNCE, lambda: self._suggest(text))

    @work(thread=True, exclusive=True, group="intake-knowledge", exit_on_error=False)
    def _suggest(self, text: str) -> list[KnowledgeEntry]:
        with self.console_app.readers.reader() as store:
            return store.knowledge.suggest(text, limit=5)

    def _show_knowledge(self, entries: list[KnowledgeEntry]) -> None:
        self._knowledge = entries
        ol = self.query_one("#intake-kb", OptionList)
        ol.clear_options()
        ol.add_options([Option(literal(e.question), id=str(e.id)) for e in entries])
        if entries:
            ol.highlighted = 0
        self._show_answer()

    @on(OptionList.OptionHighlighted, "#intake-kb")
    def _show_answer(self) -> None:
        entry = self.selected_knowledge
        self.query_one("#intake-kb-answer", Static).update(literal(entry.answer, single_line=False) if entry else "")

    @property
    def selected_knowledge(self) -> KnowledgeEntry | None:
        """The highlighted suggestion (what Ctrl+R answers with)."""
        idx = self.query_one("#intake-kb", OptionList).highlighted
        if idx is None or not 0 <= idx < len(self._knowledge):
            return None
        return self._knowledge[idx]

    @on(OptionList.OptionSelected, "#intake-kb")
    def _kb_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_direct_answer()

    # -- worker results, handled once -----------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self._worker_failed(worker)
            return
        if event.state is not WorkerState.SUCCESS:
            return
        # each group's result is what its worker method returns
        if worker.group == "intake-enterprises":
            found: tuple[str, bool, list[Enterprise]] | None = worker.result
            if found is not None:
                self._show_enterprises(*found)
        elif worker.group == "intake-knowledge":
            entries: list[KnowledgeEntry] | None = worker.result
            if entries is not None:
                self._show_knowledge(entries)
        elif worker.group == "intake-save":
            saved: tuple[Ticket, str | None] | None = worker.result
            if saved is not None:
                self._saved(*saved)

    def _worker_failed(self, worker: Worker[Any]) -> None:
        from ..store import StoreError

        err = worker.error
        if worker.group == "intake-save":
            self._saving = False
        msg = str(err) if isinstance(err, (StoreError, ValueError)) else f"操作失败：{err}"
        self.notify(msg, severity="error", markup=False, timeout=8)

    # -- saving ------------------------------------------------------------------
    def collect(self) -> TicketIntake | None:
        """Check every field; the first bad one gets the focus and nothing is lost."""
        bad = [f for f in ("intake-type", *FIELD_CHECKS) if not self.check_field(f)]
        if bad:
            self.query_one(f"#{bad[0]}").focus()
            self.notify("请先修正标出的字段", severity="warning", markup=False)
            return None
        district = self.query_one("#intake-district", Select).value
        try:
            # the form's raw values: the model parses the codes of the two Selects
            return TicketIntake.model_validate(dict(
                source=self.query_one("#intake-source", Select).value,
                appeal_type=self.query_one("#intake-type", Select).value,
                enterprise_name=self._value("intake-name"),
                uscc=self._value("intake-uscc") or None,
                contact_name=self._value("intake-contact"),
                contact_phone=self._value("intake-phone"),
                district="" if district == Select.NULL else str(district),
                title=self._value("intake-title"),
                content=self._value("intake-content"),
                visit_id=self.visit_id,
            ))
        except ValidationError as exc:
            msgs = "；".join(str(e.get("ctx", {}).get("error", e["msg"])) for e in exc.errors())
            self.notify(msgs, severity="error", markup=False)
            return None

    def action_save(self) -> None:
        """受理: save the appeal (merged into the chosen open ticket, if one is chosen)."""
        if self._saving:
            return
        intake = self.collect()
        if intake is None:
            return
        merge_select: Select[int] = self.query_one("#intake-merge", Select)
        merge = select_value(merge_select)
        self._saving = True
        self._save(intake, merge if merge != NO_MERGE else None, None)

    def action_direct_answer(self) -> None:
        """受理并直接答复 with the highlighted knowledge-base entry's answer."""
        if self._saving:
            return
        entry = self.selected_knowledge
        if entry is None:
            self.notify("没有选中的知识库条目：先输入诉求内容，在右侧选择一条建议", severity="warning", markup=False)
            return
        intake = self.collect()
        if intake is None:
            return

        def answer(ok: bool | None) -> None:
            if ok and not self._saving:
                self._saving = True
                self._save(intake, None, entry)

        # the answer goes to the enterprise as written: shown in full before it is sent
        self.app.push_screen(ConfirmDialog("受理并以此条答复？", f"问：{entry.question}\n答：{entry.answer}",
                                           "受理并答复"), answer)

    @work(thread=True, exclusive=True, group="intake-save", exit_on_error=False)
    def _save(self, intake: TicketIntake, merge_into: int | None, entry: KnowledgeEntry | None) -> tuple[Ticket, str | None]:
        from ..store import StoreError

        with self.console_app.readers.reader() as store:
            ticket = store.tickets.accept(self.user, intake, merge_into=merge_into)
            if entry is None:
                return ticket, None
            try:
                answered = store.tickets.direct_answer(self.user, ticket.id, entry.answer, knowledge_id=entry.id,
                                               version=ticket.version)
            except StoreError as exc:  # the appeal is in; say why the answer was not sent
                return ticket, str(exc)
            return answered, None

    def _saved(self, ticket: Ticket, problem: str | None) -> None:
        self._saving = False
        if problem:
            self.notify(f"已受理 {ticket.number}，但直接答复未完成：{problem}", severity="warning", markup=False, timeout=8)
        elif ticket.merged_into:
            self.notify(f"已受理 {ticket.number} 并作为重复诉求并入原工单", markup=False)
        elif ticket.direct_answer:
            self.notify(f"已受理并直接答复 {ticket.number}，待回访", markup=False)
        else:
            self.notify(f"已受理 {ticket.number}", markup=False)
        self.dismiss(ticket.id)

    # -- leaving -------------------------------------------------------------
    def _typed_anything(self) -> bool:
        return any(self._value(f).strip() for f in FIELD_CHECKS)

    def has_unsaved_input(self) -> bool:
        """Something typed that leaving (Esc, or ``q`` for the console) would lose."""
        return self._typed_anything()

    def action_leave(self) -> None:
        """Back to the queue; asks first when something was typed."""
        if not self._typed_anything():
            self.dismiss(None)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("放弃本次受理？", "已填写的内容不会保存。", "放弃"), answer)

    def action_focus_enterprises(self) -> None:
        """Jump to the enterprise matches (Enter fills the form from one)."""
        self.query_one("#intake-enterprises", OptionList).focus()

    def action_focus_knowledge(self) -> None:
        """Jump to the knowledge-base suggestions."""
        self.query_one("#intake-kb", OptionList).focus()
