"""The queue's saved filters and its narrowing (SPEC §9).

:class:`QueueTab` is a saved filter shown as a tab (待受理 … 全部 and the
three warning levels; a department liaison gets the tabs of their work),
:class:`QueueFilters` the filter bar's narrowing by department, appeal
type, source and received date, chosen in
:class:`~.queue_filter_dialog.FilterDialog` (``f``);
:func:`center_choices` fills the bar's center Select.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ..models import AppealType, Role, Source, Status
from ..rules import WarningLevel
from ..textsafe import plain

if TYPE_CHECKING:  # types only
    from ..areas.queue import QueueCounts
    from ..store import Store


class QueueTab(NamedTuple):
    """A saved filter shown as a tab.  (A NamedTuple, not a frozen dataclass:
    a fifth of the cost to define at launch, issue 11.)"""

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


__all__ = ["CENTER_TABS", "DEPARTMENT_TABS", "OVERSIGHT_TABS", "PENDING_TAB", "QueueFilters", "QueueTab", "center_choices", "tab_count",
           "tabs_for"]
