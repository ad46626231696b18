"""The center's rules as pure functions and data (SPEC §3, §4, §5).

Time limits ("135"), due dates, extensions, the warning ladder with its
supervising bodies, the on-time test, and the ticket state machine — which
action may be taken from which state by which role.  Nothing here touches the
database or the screen; the store and the screens both ask these functions.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NamedTuple

from .clock import local_date
from .models import Action as Action  # re-exported: the state machine is keyed by it
from .models import AppealType, Role, Status
from .workdays import WorkCalendar

# ---------------------------------------------------------------- time limits

TIME_LIMITS: dict[AppealType, int] = {
    AppealType.POLICY_CONSULTATION: 1,
    AppealType.CONSULTATION: 3,
    AppealType.SUGGESTION: 3,
    AppealType.COMPLAINT: 5,
    AppealType.REPORT: 5,
    AppealType.OTHER: 5,
}

MAX_EXTENSION_DAYS = 10  # working days, in all, per ticket
SIGN_WITHIN = 1  # working days after dispatch
RETURN_WITHIN = 2  # working days after dispatch; later returns need a supervisor
DISPATCH_WITHIN = 1  # the center dispatches by the end of the working day after intake
UNREACHABLE_LIMIT = 3  # 未联系上 this many times closes the ticket as unreachable


def time_limit(appeal_type: AppealType | str) -> int:
    """Working days a department has to reply, by appeal type."""
    return TIME_LIMITS[AppealType(appeal_type)]


def due_date(dispatched_at: dt.datetime | str, appeal_type: AppealType | str, calendar: WorkCalendar) -> dt.date:
    """The last day to reply: ``time_limit`` working days after the local dispatch date."""
    return calendar.add_workdays(local_date(dispatched_at), time_limit(appeal_type))


def extended_due_date(due: dt.date, days: int, calendar: WorkCalendar) -> dt.date:
    """The due date after an approved extension of ``days`` working days."""
    return calendar.add_workdays(due, days)


def due_from_start(start: dt.date, limit: int, extension_days: int, calendar: WorkCalendar) -> dt.date:
    """Due date from the day the clock started (dispatch or reopen), limit and extensions.

    ``add_workdays(add_workdays(d, a), b) == add_workdays(d, a + b)`` because the
    first result is itself a working day, so recomputation is one look-up.
    """
    return calendar.add_workdays(start, limit + extension_days)


def extension_allowed(already: int, requested: int) -> str | None:
    """Why an extension of ``requested`` days is refused, or None when allowed."""
    if requested < 1:
        return "延期天数至少为 1 个工作日"
    if already + requested > MAX_EXTENSION_DAYS:
        left = MAX_EXTENSION_DAYS - already
        return f"每件工单累计延期不得超过 {MAX_EXTENSION_DAYS} 个工作日（已延期 {already} 天，最多还可申请 {max(left, 0)} 天）"
    return None


def on_time(replied_at: dt.datetime | str, due: dt.date) -> bool:
    """A reply is on time when its local date is on or before the due date."""
    return local_date(replied_at) <= due


def sign_deadline(dispatched_at: dt.datetime | str, calendar: WorkCalendar) -> dt.date:
    return calendar.add_workdays(local_date(dispatched_at), SIGN_WITHIN)


def signed_in_time(dispatched_at: dt.datetime | str, signed_at: dt.datetime | str, calendar: WorkCalendar) -> bool:
    """签收 within 1 working day of dispatch (the response rate's numerator)."""
    return local_date(signed_at) <= sign_deadline(dispatched_at, calendar)


def return_deadline(dispatched_at: dt.datetime | str, calendar: WorkCalendar) -> dt.date:
    return calendar.add_workdays(local_date(dispatched_at), RETURN_WITHIN)


def dispatch_deadline(received_at: dt.datetime | str, calendar: WorkCalendar) -> dt.date:
    return calendar.add_workdays(local_date(received_at), DISPATCH_WITHIN)


# ---------------------------------------------------------------- warning ladder


class WarningLevel(enum.IntEnum):
    """黄橙红 — ordered, so ``max()`` gives the most severe."""

    NONE = 0
    YELLOW = 1
    ORANGE = 2
    RED = 3

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return _LEVEL_LABEL[self]

    @property
    def symbol(self) -> str:
        """A shape per level, so colour is never the only signal."""
        return _LEVEL_SYMBOL[self]

    @property
    def supervised_by(self) -> str:
        return _LEVEL_BODY[self]

    @property
    def badge(self) -> str:
        return f"{self.symbol} {self.label}" if self else ""

    @classmethod
    def parse(cls, text: str) -> "WarningLevel":
        t = (text or "").strip().lower()
        for level in cls:
            if t in (level.code, level.label, level.label[:2], str(int(level))):
                return level
        raise ValueError(f"未知的预警级别：{text}（应为 yellow/orange/red 或 黄色/橙色/红色）")


_LEVEL_LABEL = {
    WarningLevel.NONE: "正常",
    WarningLevel.YELLOW: "黄色预警",
    WarningLevel.ORANGE: "橙色预警",
    WarningLevel.RED: "红色预警",
}
_LEVEL_SYMBOL = {WarningLevel.NONE: "·", WarningLevel.YELLOW: "▲", WarningLevel.ORANGE: "◆", WarningLevel.RED: "■"}
_LEVEL_BODY = {
    WarningLevel.NONE: "",
    WarningLevel.YELLOW: "企服平台",
    WarningLevel.ORANGE: "市营商办",
    WarningLevel.RED: "市纪委监委",
}

ORANGE_AT = 3  # overdue working days
RED_AT = 5


def level_for_overdue(past_due: bool, overdue: int) -> WarningLevel:
    if not past_due:
        return WarningLevel.NONE
    if overdue >= RED_AT:
        return WarningLevel.RED
    if overdue >= ORANGE_AT:
        return WarningLevel.ORANGE
    return WarningLevel.YELLOW


def overdue_workdays(due: dt.date, now: dt.datetime | dt.date, calendar: WorkCalendar) -> int:
    today = local_date(now) if isinstance(now, dt.datetime) else now
    return calendar.workdays_between(due, today)


def warning_level(due: dt.date | None, now: dt.datetime | dt.date, calendar: WorkCalendar) -> WarningLevel:
    """The level of a ticket with this due date and no reply yet, at ``now``.

    None until the end of the due day; then yellow, orange from 3 overdue
    working days, red from 5 (SPEC §5).
    """
    if due is None:
        return WarningLevel.NONE
    today = local_date(now) if isinstance(now, dt.datetime) else now
    return level_for_overdue(today > due, calendar.workdays_between(due, today))


# ---------------------------------------------------------------- state machine


class Transition(NamedTuple):
    """One action of the ticket lifecycle: from which states, by which roles, to which state.
    (A NamedTuple, not a frozen dataclass: a fifth of the cost to define at launch, issue 11.)"""

    action: Action
    sources: frozenset[Status]
    roles: frozenset[Role]
    target: Status | None  # None: the state does not change (or depends on the outcome)
    needs_reason: bool = False


_CENTER = frozenset({Role.CLERK, Role.SUPERVISOR})
_SUP = frozenset({Role.SUPERVISOR})
_DEPT = frozenset({Role.DEPARTMENT})
_OPEN_AT_DEPT = frozenset({Status.DISPATCHED, Status.SIGNED, Status.REOPENED})
_NOT_CLOSED = frozenset(s for s in Status if s is not Status.CLOSED)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACCEPT, frozenset(), _CENTER, Status.NEW),
        Transition(Action.DIRECT_ANSWER, frozenset({Status.NEW, Status.RETURNED}), _CENTER, Status.REPLIED),
        Transition(Action.DISPATCH, frozenset({Status.NEW, Status.RETURNED}), _CENTER, Status.DISPATCHED),
        Transition(Action.SIGN, frozenset({Status.DISPATCHED, Status.REOPENED}), _DEPT, Status.SIGNED),
        # A department returns within RETURN_WITHIN working days; a later return
        # is only a request until a supervisor approves it (target then None).
        Transition(Action.RETURN, _OPEN_AT_DEPT, _DEPT, Status.RETURNED, needs_reason=True),
        Transition(Action.APPROVE_RETURN, _OPEN_AT_DEPT, _SUP, Status.RETURNED),
        Transition(Action.REJECT_RETURN, _OPEN_AT_DEPT, _SUP, None, needs_reason=True),
        Transition(Action.REQUEST_EXTENSION, _OPEN_AT_DEPT, _DEPT, None, needs_reason=True),
        Transition(Action.APPROVE_EXTENSION, _OPEN_AT_DEPT, _SUP, None),
        Transition(Action.REJECT_EXTENSION, _OPEN_AT_DEPT, _SUP, None, needs_reason=True),
        Transition(Action.REPLY, frozenset({Status.SIGNED}), _DEPT, Status.REPLIED, needs_reason=True),
        # 满意 / 基本满意 close the ticket; 不满意 leaves it for 重办 or 办结;
        # the third 未联系上 closes it as unreachable.
        Transition(Action.FOLLOW_UP, frozenset({Status.REPLIED}), _CENTER, None),
        Transition(Action.REOPEN, frozenset({Status.REPLIED}), _CENTER, Status.REOPENED, needs_reason=True),
        Transition(Action.CLOSE, frozenset({Status.REPLIED, Status.NEW}), _CENTER, Status.CLOSED),
        Transition(Action.MERGE, frozenset({Status.NEW}), _CENTER, Status.CLOSED),
        Transition(Action.MARK_CONFIDENTIAL, _NOT_CLOSED, _CENTER, None),
        Transition(Action.SUPERVISE, _OPEN_AT_DEPT | {Status.REPLIED, Status.CLOSED}, _SUP, None),
        Transition(Action.EDIT, frozenset({Status.NEW, Status.RETURNED}), _CENTER, None),
        # 协办 parts go to a ticket that has a lead department; the lead may
        # record a 会商 too (Store._lead_only keeps a supporting liaison out)
        Transition(Action.ASSIGN_PARTS, _OPEN_AT_DEPT, _CENTER, None),
        Transition(Action.SUBMIT_PART, _OPEN_AT_DEPT, _DEPT, None),
        Transition(Action.WITHDRAW_PART, _OPEN_AT_DEPT | {Status.RETURNED}, _CENTER, None, needs_reason=True),
        Transition(Action.RECORD_CONSULTATION, _NOT_CLOSED, _CENTER | _DEPT, None),
    )
}

# The one action a supporting (协办) department takes on a ticket it does not
# lead; every other department action is the lead's alone (Store._lead_only).
SUPPORTING_ACTIONS = frozenset({Action.SUBMIT_PART})

# The appeal types a 保密 mark applies to: complaints and reports about the
# department that would handle them.
CONFIDENTIAL_TYPES = frozenset({AppealType.COMPLAINT, AppealType.REPORT})


def allowed(action: Action, role: Role, status: Status | None) -> bool:
    """Whether ``role`` may take ``action`` on a ticket in ``status`` (role and state only)."""
    t = TRANSITIONS[action]
    if role not in t.roles:
        return False
    if action is Action.ACCEPT:
        return status is None
    return status in t.sources


def refusal(action: Action, role: Role, status: Status | None) -> str | None:
    """Why the action is refused on role or state grounds (Chinese), or None."""
    t = TRANSITIONS[action]
    if role not in t.roles:
        who = "、".join(r.label for r in sorted(t.roles, key=lambda r: r.value))
        return f"“{action.label}”只能由{who}操作，您的角色是{role.label}"
    if action is not Action.ACCEPT and status not in t.sources:
        states = "、".join(s.label for s in sorted(t.sources, key=_STATUS_ORDER.index))
        now = status.label if status else "未建"
        return f"工单当前状态为“{now}”，不能{action.label}（只能在{states}时操作）"
    return None


def actions_for(role: Role, status: Status) -> list[Action]:
    """The actions this role may take now on a ticket in this state, in menu order."""
    return [a for a in Action if a is not Action.ACCEPT and allowed(a, role, status)]


_STATUS_ORDER = list(Status)
