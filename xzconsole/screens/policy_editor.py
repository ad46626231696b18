"""新建 / 修改政策: the policy editor, opened from the library (SPEC §6).

Every field of a policy in one form, saved as a draft or saved and
published; the category tree (9 / 56) is one Select whose values join
category and subcategory with :data:`CATEGORY_SEP`.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static, TextArea

from .base import AppAccess, select_value, store_error_types, stored_id
from ..models import PolicyKind, PolicyLevel, PolicyStatus, Role
from ..textsafe import plain
from ..widgets.header import ConsoleHeader
from ..widgets.key_bar import KeyBar
from .policy_categories import CATEGORY_SEP, category_options, split_category

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
        Binding("ctrl+t", "submit", "保存并提交审核", id="policy_editor.submit", priority=True),
        Binding("escape", "close", "关闭", id="policy_editor.close"),
    ]

    def __init__(self, policy_id: int | None) -> None:
        super().__init__()
        self.policy_id = policy_id
        self.updated_at: str | None = None
        self.saved = False
        self._kept: dict[str, Any] = {}

    @property
    def liaison(self) -> str:
        """The department a liaison drafts for ('' for the center's supervisors)."""
        user = self.user
        return user.department_name or "" if user is not None and user.role is Role.DEPARTMENT else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A liaison submits to the center's review; a supervisor publishes."""
        if action == "publish":
            return not self.liaison
        if action == "submit":
            return bool(self.liaison)
        return True


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
        yield KeyBar()

    def on_mount(self) -> None:
        if self.liaison:
            issuer = self.query_one("#ed-issuer", Input)
            issuer.value = self.liaison  # a liaison drafts for their own department only
            issuer.disabled = True
        if self.policy_id is not None:
            self._load(self.policy_id)
        self._update_state()
        self._kept = self.values()
        self.query_one("#ed-title", Input).focus()

    def has_unsaved_input(self) -> bool:
        """Whether the form differs from what was loaded or last saved (``q`` asks first then)."""
        return self.is_mounted and self.values() != self._kept

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
            text = ("新建政策 · 保存后为本单位草稿 · Ctrl+S 保存 · Ctrl+T 保存并提交中心审核" if self.liaison
                    else "新建政策 · 保存后为草稿 · Ctrl+S 保存 · Ctrl+R 保存并发布")
        else:
            p = self.store.library.get(self.policy_id)
            when = (self.updated_at or "").replace("T", " ")[:16]
            review = f"（{p.review_label}）" if p.review and p.status is PolicyStatus.DRAFT else ""
            text = f"政策 #{p.id} · 状态：{p.status.label}{review} · 最近修改 {when}"
            if p.review == "returned" and p.review_note:
                text += f" · 退回理由：{p.review_note}"
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

    def _save(self) -> int | None:
        """Save the form: the policy's id, or None when the store refused (shown in the form)."""
        store, user = self.store, self.user
        try:
            if self.policy_id is None:
                pid = self.policy_id = stored_id(store.library.create(user, self.values()))
            else:
                pid = self.policy_id
                store.library.update(user, pid, self.values(), expect_updated_at=self.updated_at)
        except store_error_types() as exc:
            self.show_error(str(exc))
            return None
        self.saved = True
        self._kept = self.values()
        self.updated_at = store.library.detail(pid)["updated_at"]
        box = self.query_one("#editor-error", Static)
        box.update("")
        box.remove_class("-shown")
        self._update_state()
        return pid

    def action_save(self) -> None:
        """Save (a new policy becomes a draft)."""
        if self._save() is not None:
            self.notify("已保存", markup=False)

    def action_publish(self) -> None:
        """Save, then publish; a refusal is shown and the policy stays a draft."""
        pid = self._save()
        if pid is None:
            return
        store, user = self.store, self.user
        p = store.library.get(pid)
        if p.status is PolicyStatus.PUBLISHED:
            self.notify("已保存（该政策已发布）", markup=False)
            return
        try:
            store.library.publish(user, pid)
        except store_error_types() as exc:
            self.show_error(f"未发布：{exc}")
            return
        self.updated_at = store.library.detail(pid)["updated_at"]
        self._update_state()
        self.notify("已发布", markup=False)

    def action_submit(self) -> None:
        """A liaison: save, then submit to the center's review (refused while incomplete)."""
        pid = self._save()
        if pid is None:
            return
        try:
            self.store.library.submit(self.user, pid)
        except store_error_types() as exc:
            self.show_error(f"未提交：{exc}")
            return
        self.updated_at = self.store.library.detail(pid)["updated_at"]
        self._update_state()
        self.notify("已提交中心审核", markup=False)

    def action_close(self) -> None:
        """Close the editor (unsaved typing is dropped)."""
        self.dismiss(self.policy_id if self.saved else None)


__all__ = ["CATEGORY_SEP", "PolicyEditorScreen", "category_options", "split_category"]
