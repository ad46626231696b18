"""What the duty-room wall shows, computed from the store without Textual.

:func:`compute_wall_snapshot` reads, in one read transaction so the numbers
agree with each other, the same things the terminal panel shows
(``xzconsole.screens.warnings.compute_snapshot``): the count per level and
department, the notices of SPEC §5, the most severe tickets and the red set.
It only reads (``store.warnings``, ``store.queue.by_ids``, the calendar).

:func:`snapshot_json` turns a snapshot (plus the day's trend) into the JSON
object the page draws.  Every piece of user text (enterprise names, department
names) goes out as a JSON string and the page inserts it with
``textContent``: it is never HTML.

The wall is a screen in a room that anyone may walk into, so an enterprise
of a confidential ticket (保密) is shown as :data:`CONFIDENTIAL_MASK` whatever
the role of the account the server runs as.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..clock import local_date, weekday_cn
from ..models import Role, Staff, Ticket
from ..rules import WarningLevel
from ..store import CONFIDENTIAL_MASK, Store
from .trend import RedTrend

LEVELS = (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW)
LIST_LIMIT = 40  # tickets sent to the page: more than a 1080p screen shows; the page cuts to fit
# the notices of SPEC §5 and the late supporting parts, in the panel's order
NOTICES = (
    ("due_today", "●", "今日到期"),
    ("unsigned", "◇", "超时未签收"),
    ("undispatched", "◇", "超时未派发"),
    ("part_late", "◇", "协办超期"),
)
NO_DEPARTMENT = "（未派发）"


@dataclass(frozen=True)
class WallTicket:
    """One row of the wall's ticket list (the enterprise already masked if confidential)."""

    id: int
    number: str
    level: WarningLevel
    department: str
    due_date: str
    due_provisional: bool
    overdue_workdays: int
    enterprise: str
    confidential: bool


@dataclass(frozen=True)
class WallDepartment:
    """Warned tickets of one department per level."""

    name: str
    counts: dict[WarningLevel, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class WallSnapshot:
    """Everything the wall shows at one instant, as read from the store."""

    now: dt.datetime
    data_version: int
    scope: str  # 全部单位, or the one department a liaison's wall is limited to
    levels: dict[WarningLevel, int]
    notices: dict[str, int]
    tickets: list[WallTicket]
    departments: list[WallDepartment]
    red_ids: set[int]
    provisional_years: list[int] = field(default_factory=list)
    # the red set as of yesterday, read only when asked (the trend's first look of a day)
    yesterday_red: set[int] | None = None

    @property
    def warned_total(self) -> int:
        return sum(self.levels.values())


def compute_wall_snapshot(store: Store, actor: Staff | None, now: dt.datetime, data_version: int, *,
                          limit: int = LIST_LIMIT, with_yesterday: bool = False) -> WallSnapshot:
    """One consistent look at the warning ladder for the wall (run it off the event loop).

    Counts are indexed range counts; only the ``limit`` most severe tickets are
    read row by row (plus one look-up of those rows for their confidential
    flag).  ``with_yesterday`` also reads the red set as of the day before,
    which :class:`~xzconsole.web.trend.RedTrend` needs on its first look.
    """
    today = local_date(now)
    with store.read_snapshot():
        counts = store.warnings.level_counts(actor, now)
        warned = store.warnings.warned_tickets(actor, now, limit=limit)
        notices = store.warnings.notices(actor, now, limit=0)
        red_ids = store.warnings.red_ticket_ids(actor, now)
        yesterday = store.warnings.red_ticket_ids(actor, now - dt.timedelta(days=1)) if with_yesterday else None
        secret = {t.id for t in store.queue.by_ids(actor, [w["id"] for w in warned])
                  if isinstance(t, Ticket) and t.confidential}
        years = store.calendar().provisional_years(today.year, today.year + 1)
        provisional = bool(years) and store.warnings.open_due_on_or_after(dt.date(years[0], 1, 1))
        names = {dept_id: store.department_name(dept_id) for dept_id in counts}
    totals = {lvl: 0 for lvl in LEVELS}
    departments = []
    for dept_id, per in counts.items():
        for lvl in LEVELS:
            totals[lvl] += per.get(lvl, 0)
        departments.append(WallDepartment(names.get(dept_id) or NO_DEPARTMENT, {lvl: per.get(lvl, 0) for lvl in LEVELS}))
    departments.sort(key=lambda d: (-d.counts[WarningLevel.RED], -d.counts[WarningLevel.ORANGE],
                                    -d.counts[WarningLevel.YELLOW], d.name))
    tickets = [
        WallTicket(
            id=w["id"], number=w["number"], level=WarningLevel.parse(w["level"]),
            department=w["department"] or NO_DEPARTMENT, due_date=w["due_date"],
            due_provisional=bool(w["due_provisional"]), overdue_workdays=int(w["overdue_workdays"]),
            enterprise=CONFIDENTIAL_MASK if w["id"] in secret else (w["enterprise_name"] or ""),
            confidential=w["id"] in secret,
        )
        for w in warned
    ]
    scope = "全部单位"
    if actor is not None and actor.role is Role.DEPARTMENT:
        scope = actor.department_name or "本单位"
    return WallSnapshot(now, data_version, scope, totals, {k: n for k, (n, _) in notices.items()}, tickets,
                        departments, red_ids, years if provisional else [], yesterday)


def _level_json(level: WarningLevel, count: int) -> dict[str, Any]:
    return {"code": level.code, "symbol": level.symbol, "word": level.label, "body": level.supervised_by,
            "count": count}


def snapshot_json(snap: WallSnapshot, trend: RedTrend | None = None, *, mono: float = 0.0,
                  clock_fixed: bool = False) -> dict[str, Any]:
    """The JSON object the page draws (see ``static/wall.js``).

    ``mono`` is the monotonic time of the snapshot, for the age of the
    "newly red" marks; ``clock_fixed`` says the server runs on ``--now``.
    """
    now = snap.now
    return {
        "now": now.isoformat(),
        "now_text": f"{now:%Y年%m月%d日} {weekday_cn(now.date())} {now:%H:%M}",
        "clock_fixed": clock_fixed,
        "data_version": snap.data_version,
        "scope": snap.scope,
        "levels": [_level_json(lvl, snap.levels.get(lvl, 0)) for lvl in LEVELS],
        "warned_total": snap.warned_total,
        "notices": [{"kind": kind, "symbol": sym, "label": label, "count": snap.notices.get(kind, 0)}
                    for kind, sym, label in NOTICES],
        "tickets": [
            {
                "number": t.number,
                "level": t.level.code,
                "symbol": t.level.symbol,
                "word": t.level.label[:2],
                "department": t.department,
                "overdue_workdays": t.overdue_workdays,
                "due_date": t.due_date,
                "due_provisional": t.due_provisional,
                "enterprise": t.enterprise,
                "confidential": t.confidential,
                "new_age": trend.fresh_age(t.id, mono) if trend is not None else None,
            }
            for t in snap.tickets
        ],
        "departments": [
            {"name": d.name, "red": d.counts[WarningLevel.RED], "orange": d.counts[WarningLevel.ORANGE],
             "yellow": d.counts[WarningLevel.YELLOW], "total": d.total}
            for d in snap.departments
        ],
        "trend": trend.to_json(now) if trend is not None else None,
        "provisional_years": snap.provisional_years,
    }
