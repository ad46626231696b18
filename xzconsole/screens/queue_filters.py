"""The queue's saved filters and its narrowing (SPEC §9).

:class:`QueueTab` is a saved filter shown as a tab (待受理 … 全部 and the
three warning levels; a department liaison gets the tabs of their work),
:class:`QueueFilters` the filter bar's narrowing by department, appeal
type, source and received date, chosen in :class:`FilterDialog` (``f``);
:func:`center_choices` fills the bar's center Select.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ..models import AppealType, Role, Source, Status
from ..rules import WarningLevel
from ..textsafe import plain

if TYPE_CHECKING:  # types only
    from ..areas.queue import QueueCounts
    from ..store import Store

V = TypeVar("V")


@dataclass(frozen=True)
class QueueTab:
    """A saved filter shown as a tab."""

    id: str
    label: str
    statuses: tuple[str, ...] | None = None
    level: WarningLevel | None = None
    sort: str = "received"  # the sort a tab opens with
    supporting: bool = False  # 协办: tickets the liaison's department supports, not leads
    pending: bool = False  # 待审批: the supervisor's pending 延期 / 超期退回 requests (screens/approvals.py)
    saved: int | None = None  # a staff member's own saved filter (its id): filters and search come with it


def _status_tab(status: Status, label: str | None = None) -> QueueTab:
    return QueueTab(f"tab-{status.value}", label or status.label, (status.value,))


LEVEL_TABS = [
    QueueTab("tab-yellow", WarningLevel.YELLOW.label, level=WarningLevel.YELLOW, sort="warning"),
    QueueTab("tab-orange", WarningLevel.ORANGE.label, level=WarningLevel.ORANGE, sort="warning"),
    QueueTab("tab-red", WarningLevel.RED.label, level=WarningLevel.RED, sort="warning"),
]
CENTER_TABS = [
    _status_tab(Status.NEW),
    _status_tab(Status.DISPATCHED),
    _status_tab(Status.SIGNED),
    _status_tab(Status.RETURNED),
    _status_tab(Status.REPLIED),
    _status_tab(Status.REOPENED),
    _status_tab(Status.CLOSED),
    QueueTab("tab-all", "全部"),
    *LEVEL_TABS,
]
# a liaison never holds new or returned tickets (they have no department yet)
DEPARTMENT_TABS = [
    _status_tab(Status.DISPATCHED, "待签收"),
    _status_tab(Status.SIGNED),
    _status_tab(Status.REOPENED),
    _status_tab(Status.REPLIED, "已答复"),
    _status_tab(Status.CLOSED),
    QueueTab("tab-all", "全部"),
    QueueTab("tab-supporting", "协办", supporting=True),
    *LEVEL_TABS,
]


PENDING_TAB = QueueTab("tab-pending", "待审批", pending=True)
# 市营商办 / 市纪委监委 see only tickets at their level or above (the store's
# scope): their levels first, then what became of the tickets
_OVERSIGHT_REST = [QueueTab("tab-all", "全部"), _status_tab(Status.REPLIED, "已答复"), _status_tab(Status.CLOSED)]
OVERSIGHT_TABS = {
    Role.BUSINESS_OFFICE: [LEVEL_TABS[2], LEVEL_TABS[1], *_OVERSIGHT_REST],
    Role.DISCIPLINE: [LEVEL_TABS[2], *_OVERSIGHT_REST],
}


def tabs_for(role: Role) -> list[QueueTab]:
    """The saved filters that make sense for this role."""
    if role is Role.DEPARTMENT:
        return DEPARTMENT_TABS
    if role in OVERSIGHT_TABS:
        return OVERSIGHT_TABS[role]
    if role is Role.SUPERVISOR:
        return [CENTER_TABS[0], PENDING_TAB, *CENTER_TABS[1:]]  # requests waiting, right after intake
    return CENTER_TABS


def center_label(center: str | None, *, key: bool = False) -> str:
    """A center as the queue names it (全部中心 for every center), with the key
    that changes it when ``key``."""
    name = plain(center) if center is not None else "全部中心"
    return f"{name} · c 切换" if key else name


def center_choices(store: Store, own: str | None) -> list[tuple[str, str]]:
    """(label, full name) of every center, city first; a center no
    longer in data/centers.toml but still on the user's record stays choosable."""
    names = [c["name"] for c in store.centers()]
    if own and own not in names:
        names.append(own)
    return [(plain(n), n) for n in names]


def tab_count(counts: QueueCounts, tab: QueueTab) -> int:
    """A tab's row count out of one :class:`~xzconsole.areas.queue.QueueCounts`."""
    if tab.supporting:
        return counts.supporting
    if tab.pending:
        return counts.pending
    if tab.level is not None:
        return counts.by_level.get(int(tab.level), 0)
    if tab.statuses:
        return sum(counts.by_status.get(s, 0) for s in tab.statuses)
    return counts.total


@dataclass
class QueueFilters:
    """The filter bar's narrowing (the tab and the search are kept apart)."""

    department_id: int | None = None
    appeal_type: str | None = None
    source: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    def describe(self, store: Store) -> str:
        """The filters in words for the filter bar ("无筛选" when there are none)."""
        parts = []
        if self.department_id is not None:
            parts.append(f"单位 {plain(store.department_name(self.department_id) or self.department_id)}")
        if self.appeal_type:
            parts.append(f"类型 {AppealType(self.appeal_type).label}")
        if self.source:
            parts.append(f"来源 {Source(self.source).label}")
        if self.received_from or self.received_to:
            parts.append(f"受理 {self.received_from or '…'}～{self.received_to or '…'}")
        return " · ".join(parts) if parts else "无筛选"


def filters_values(f: QueueFilters) -> dict[str, Any]:
    """The filter bar as plain values (what a saved filter stores)."""
    return {"department_id": f.department_id, "appeal_type": f.appeal_type, "source": f.source,
            "received_from": f.received_from.isoformat() if f.received_from else None,
            "received_to": f.received_to.isoformat() if f.received_to else None}


def filters_from(values: dict[str, Any]) -> QueueFilters:
    """A saved filter's values back as the filter bar (unknown or bad values are left out)."""
    def day(v: Any) -> dt.date | None:
        try:
            return dt.date.fromisoformat(v) if isinstance(v, str) and v else None
        except ValueError:
            return None

    dept = values.get("department_id")
    return QueueFilters(department_id=dept if isinstance(dept, int) else None,
                        appeal_type=values.get("appeal_type") or None, source=values.get("source") or None,
                        received_from=day(values.get("received_from")), received_to=day(values.get("received_to")))


# ---------------------------------------------------------------- the filter dialog


def _parse_date(text: str, what: str) -> dt.date | None:
    t = text.strip()
    if not t:
        return None
    try:
        return dt.date.fromisoformat(t.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{what}“{plain(t)}”不是有效日期，应为 YYYY-MM-DD（如 2026-11-01）") from None


class FilterDialog(ModalScreen["QueueFilters | None"]):
    """Narrow the queue by department, appeal type, source and received date."""

    BINDINGS = [
        Binding("escape", "cancel", "取消", id="filter.cancel"),
        Binding("ctrl+s", "apply", "应用", id="filter.apply", priority=True),
        Binding("ctrl+r", "clear", "清除全部", id="filter.clear", priority=True),
    ]

    def __init__(self, current: QueueFilters, departments: list[tuple[str, int]] | None) -> None:
        super().__init__()
        self.current = current
        self.departments = departments  # None: the user may not choose (a liaison)

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical(id="filter-box"):
            yield Static("筛选工单（Ctrl+S 应用，Esc 取消）", markup=False)
            if self.departments is not None:
                yield Label("承办单位")
                yield Select([(plain(n), i) for n, i in self.departments], prompt="全部单位", id="filter-department", compact=True,
                             value=c.department_id if c.department_id is not None else Select.NULL)
            yield Label("诉求类型")
            yield Select(AppealType.choices(), prompt="全部类型", id="filter-type", compact=True,
                         value=c.appeal_type or Select.NULL)
            yield Label("来源")
            yield Select(Source.choices(), prompt="全部来源", id="filter-source", compact=True,
                         value=c.source or Select.NULL)
            yield Label("受理日期（YYYY-MM-DD，可只填一端）")
            with Horizontal(id="filter-dates"):
                yield Input(str(c.received_from or ""), placeholder="起", id="filter-from", compact=True)
                yield Input(str(c.received_to or ""), placeholder="止", id="filter-to", compact=True)
            yield Static("", id="filter-error", markup=False)
            with Horizontal(id="filter-buttons"):
                # compact fields and buttons: the whole dialog fits an 80×24 terminal (issue 16 item 5)
                yield Button("应用", variant="primary", id="filter-ok", compact=True)
                yield Button("清除", id="filter-reset", compact=True)
                yield Button("取消", id="filter-cancel", compact=True)

    def _value(self, selector: str, kind: type[V]) -> V | None:
        """The chosen value of a Select (None: none chosen, or no such Select)."""
        try:
            v = self.query_one(selector, Select).value
        except Exception:
            return None
        return v if isinstance(v, kind) else None

    def action_apply(self) -> None:
        """Check the dates and hand the filters back."""
        try:
            start = _parse_date(self.query_one("#filter-from", Input).value, "起始日期")
            end = _parse_date(self.query_one("#filter-to", Input).value, "截止日期")
            if start and end and start > end:
                raise ValueError("起始日期晚于截止日期")
        except ValueError as exc:
            self.query_one("#filter-error", Static).update(str(exc))
            return
        dept = self._value("#filter-department", int) if self.departments is not None else None
        self.dismiss(QueueFilters(dept, self._value("#filter-type", str), self._value("#filter-source", str), start, end))

    def action_clear(self) -> None:
        """Drop every filter."""
        self.dismiss(QueueFilters())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#filter-ok")
    def _ok(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filter-reset")
    def _reset(self) -> None:
        self.action_clear()

    @on(Button.Pressed, "#filter-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


__all__ = ["CENTER_TABS", "DEPARTMENT_TABS", "OVERSIGHT_TABS", "PENDING_TAB", "FilterDialog", "QueueFilters", "QueueTab", "center_choices", "tab_count",
           "tabs_for"]
