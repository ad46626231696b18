"""Time limits, due dates, the warning ladder and the state machine (SPEC §3–§5)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from xzconsole import rules
from xzconsole.clock import SHANGHAI
from xzconsole.models import AppealType, Role, Status
from xzconsole.rules import Action, WarningLevel
from xzconsole.workdays import WorkCalendar

D = dt.date
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def local(y, m, d, hh=10, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# ---------------------------------------------------------------- time limits and due dates


def test_time_limits_135():
    assert rules.time_limit("policy_consultation") == 1
    assert rules.time_limit(AppealType.CONSULTATION) == 3
    assert rules.time_limit("suggestion") == 3
    for t in ("complaint", "report", "other"):
        assert rules.time_limit(t) == 5


@pytest.mark.parametrize(
    "dispatched,due",
    [
        # an ordinary Thursday
        (local(2026, 11, 26), {"policy_consultation": D(2026, 11, 27), "consultation": D(2026, 12, 1),
                               "suggestion": D(2026, 12, 1), "complaint": D(2026, 12, 3), "report": D(2026, 12, 3),
                               "other": D(2026, 12, 3)}),
        # the day before 春节 2026: make-up Sat Feb 14 counts, Feb 15–23 do not, make-up Sat Feb 28 counts
        (local(2026, 2, 13), {"policy_consultation": D(2026, 2, 14), "consultation": D(2026, 2, 25),
                              "suggestion": D(2026, 2, 25), "complaint": D(2026, 2, 27), "report": D(2026, 2, 27),
                              "other": D(2026, 2, 27)}),
        (local(2026, 2, 26), {"policy_consultation": D(2026, 2, 27), "consultation": D(2026, 3, 2),
                              "complaint": D(2026, 3, 4)}),
        # before the 2026 National Day: Oct 1–7 off, Sat Oct 10 a make-up working day
        (local(2026, 9, 30), {"policy_consultation": D(2026, 10, 8), "consultation": D(2026, 10, 10),
                              "other": D(2026, 10, 13)}),
        # make-up Sunday Sep 20, then 中秋 Sep 25–27
        (local(2026, 9, 18), {"policy_consultation": D(2026, 9, 20), "consultation": D(2026, 9, 22),
                              "complaint": D(2026, 9, 24)}),
        (local(2026, 9, 24), {"policy_consultation": D(2026, 9, 28), "report": D(2026, 10, 9)}),
        # 劳动节 2026 May 1–5, make-up Sat May 9
        (local(2026, 4, 30), {"policy_consultation": D(2026, 5, 6), "consultation": D(2026, 5, 8),
                              "complaint": D(2026, 5, 11)}),
        # 元旦 2026: Jan 1–3 off, Sun Jan 4 a make-up day
        (local(2025, 12, 31), {"policy_consultation": D(2026, 1, 4), "suggestion": D(2026, 1, 6)}),
        # 2025: 春节 Jan 28–Feb 4 with make-ups Sun Jan 26 and Sat Feb 8
        (local(2025, 1, 24), {"policy_consultation": D(2025, 1, 26), "consultation": D(2025, 2, 5),
                              "complaint": D(2025, 2, 7)}),
        (local(2025, 2, 6), {"consultation": D(2025, 2, 10)}),
        # 2025 劳动节 May 1–5 with make-up Sun Apr 27; 国庆中秋 Oct 1–8 with Sun Sep 28 and Sat Oct 11
        (local(2025, 4, 25), {"policy_consultation": D(2025, 4, 27), "consultation": D(2025, 4, 29),
                              "complaint": D(2025, 5, 6)}),
        (local(2025, 9, 26), {"policy_consultation": D(2025, 9, 28), "consultation": D(2025, 9, 30),
                              "complaint": D(2025, 10, 10)}),
        (local(2025, 9, 30), {"policy_consultation": D(2025, 10, 9), "consultation": D(2025, 10, 11),
                              "complaint": D(2025, 10, 14)}),
    ],
    ids=lambda v: v.date().isoformat() if isinstance(v, dt.datetime) else "",
)
def test_due_dates_across_holidays_and_make_up_days(cal, dispatched, due):
    for appeal_type, expected in due.items():
        assert rules.due_date(dispatched, appeal_type, cal) == expected, appeal_type


def test_dispatch_date_is_the_shanghai_date_not_utc(cal):
    # 17:00 UTC on Thursday 2026-11-26 is 01:00 on Friday in Xuzhou
    at = dt.datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert rules.due_date(at, "policy_consultation", cal) == D(2026, 11, 30)  # Friday + 1 = Monday
    assert rules.due_date("2026-11-26T17:00:00Z", "policy_consultation", cal) == D(2026, 11, 30)
    # 15:59 UTC is still Thursday 23:59 locally
    assert rules.due_date(dt.datetime(2026, 11, 26, 15, 59, tzinfo=UTC), "policy_consultation", cal) == D(2026, 11, 27)
    # a naive time is already local
    assert rules.due_date(dt.datetime(2026, 11, 26, 23, 30), "policy_consultation", cal) == D(2026, 11, 27)
    # the warning clock uses the local date too: Friday 01:00 local is past a Thursday due date
    assert rules.warning_level(D(2026, 11, 26), at, cal) is WarningLevel.YELLOW
    assert rules.warning_level(D(2026, 11, 26), dt.datetime(2026, 11, 26, 15, 59, tzinfo=UTC), cal) is WarningLevel.NONE


def test_extensions_and_reopen_limits(cal):
    due = D(2026, 12, 3)  # Thursday
    assert rules.extended_due_date(due, 3, cal) == D(2026, 12, 8)
    assert rules.due_from_start(D(2026, 11, 26), 5, 3, cal) == D(2026, 12, 8)
    assert rules.extension_allowed(0, 10) is None
    assert rules.extension_allowed(6, 4) is None
    assert "10" in rules.extension_allowed(6, 5)
    assert rules.extension_allowed(0, 0)
    assert rules.on_time(local(2026, 12, 3, 23, 59), due)
    assert not rules.on_time(local(2026, 12, 4, 0, 1), due)
    assert rules.signed_in_time(local(2026, 11, 27), local(2026, 11, 30, 17), cal)  # Fri → Mon
    assert not rules.signed_in_time(local(2026, 11, 27), local(2026, 12, 1, 9), cal)
    assert rules.return_deadline(local(2026, 2, 13), cal) == D(2026, 2, 24)


# ---------------------------------------------------------------- the warning ladder


def ladder(cal, due, today_list):
    return [(rules.warning_level(due, t, cal), cal.workdays_between(due, t)) for t in today_list]


def test_every_boundary_of_the_ladder(cal):
    due = D(2026, 11, 20)  # a Friday
    expect = [
        (D(2026, 11, 19), WarningLevel.NONE, 0),
        (D(2026, 11, 20), WarningLevel.NONE, 0),  # the due day itself: nothing yet
        (D(2026, 11, 21), WarningLevel.YELLOW, 0),  # Saturday: past the deadline, 0 overdue working days
        (D(2026, 11, 22), WarningLevel.YELLOW, 0),
        (D(2026, 11, 23), WarningLevel.YELLOW, 1),  # Monday
        (D(2026, 11, 24), WarningLevel.YELLOW, 2),
        (D(2026, 11, 25), WarningLevel.ORANGE, 3),
        (D(2026, 11, 26), WarningLevel.ORANGE, 4),
        (D(2026, 11, 27), WarningLevel.RED, 5),
        (D(2026, 12, 30), WarningLevel.RED, 28),
    ]
    for today, level, overdue in expect:
        assert rules.warning_level(due, today, cal) is level, today
        assert rules.overdue_workdays(due, today, cal) == overdue, today
    # a datetime at the end of the due day is still on time; just after midnight it is not
    assert rules.warning_level(due, local(2026, 11, 20, 23, 59), cal) is WarningLevel.NONE
    assert rules.warning_level(due, local(2026, 11, 21, 0, 0), cal) is WarningLevel.YELLOW
    assert rules.warning_level(None, D(2030, 1, 1), cal) is WarningLevel.NONE


def test_ladder_across_make_up_saturday_and_spring_festival(cal):
    # due Fri 2026-02-13; Sat Feb 14 is a working day, then nine days of 春节
    due = D(2026, 2, 13)
    got = ladder(cal, due, [D(2026, 2, 14), D(2026, 2, 15), D(2026, 2, 23), D(2026, 2, 24), D(2026, 2, 25),
                            D(2026, 2, 26), D(2026, 2, 27), D(2026, 2, 28)])
    assert got == [
        (WarningLevel.YELLOW, 1), (WarningLevel.YELLOW, 1), (WarningLevel.YELLOW, 1), (WarningLevel.YELLOW, 2),
        (WarningLevel.ORANGE, 3), (WarningLevel.ORANGE, 4), (WarningLevel.RED, 5), (WarningLevel.RED, 6),
    ]
    # due Fri 2026-10-09; Sat Oct 10 is a make-up working day
    due = D(2026, 10, 9)
    got = ladder(cal, due, [D(2026, 10, 10), D(2026, 10, 11), D(2026, 10, 12), D(2026, 10, 13), D(2026, 10, 14),
                            D(2026, 10, 15)])
    assert got == [(WarningLevel.YELLOW, 1), (WarningLevel.YELLOW, 1), (WarningLevel.YELLOW, 2),
                   (WarningLevel.ORANGE, 3), (WarningLevel.ORANGE, 4), (WarningLevel.RED, 5)]
    # due Wed 2026-09-30: the whole National Day week passes with 0 overdue working days
    assert ladder(cal, D(2026, 9, 30), [D(2026, 10, 7), D(2026, 10, 8)]) == [(WarningLevel.YELLOW, 0),
                                                                             (WarningLevel.YELLOW, 1)]


def test_levels_have_body_word_and_symbol():
    assert WarningLevel.NONE.supervised_by == ""
    assert WarningLevel.YELLOW.supervised_by == "企服平台"
    assert WarningLevel.ORANGE.supervised_by == "市营商办"
    assert WarningLevel.RED.supervised_by == "市纪委监委"
    labels = {lvl.label for lvl in WarningLevel}
    assert {"黄色预警", "橙色预警", "红色预警"} <= labels
    symbols = [lvl.symbol for lvl in WarningLevel]
    assert len(set(symbols)) == 4  # never colour alone
    assert WarningLevel.RED > WarningLevel.ORANGE > WarningLevel.YELLOW > WarningLevel.NONE
    assert WarningLevel.parse("橙色") is WarningLevel.ORANGE
    assert WarningLevel.parse("red") is WarningLevel.RED
    with pytest.raises(ValueError, match="未知"):
        WarningLevel.parse("purple")


# ---------------------------------------------------------------- the state machine

C, S, DEP, A = Role.CLERK, Role.SUPERVISOR, Role.DEPARTMENT, Role.ADMIN
AT_DEPT = {Status.DISPATCHED, Status.SIGNED, Status.REOPENED}

# What SPEC §1 and §4 say, written out independently of rules.TRANSITIONS.
EXPECTED: dict[Action, tuple[set[Role], set[Status]]] = {
    Action.DIRECT_ANSWER: ({C, S}, {Status.NEW, Status.RETURNED}),
    Action.DISPATCH: ({C, S}, {Status.NEW, Status.RETURNED}),
    Action.SIGN: ({DEP}, {Status.DISPATCHED, Status.REOPENED}),
    Action.RETURN: ({DEP}, AT_DEPT),
    Action.APPROVE_RETURN: ({S}, AT_DEPT),
    Action.REJECT_RETURN: ({S}, AT_DEPT),
    Action.REQUEST_EXTENSION: ({DEP}, AT_DEPT),
    Action.APPROVE_EXTENSION: ({S}, AT_DEPT),
    Action.REJECT_EXTENSION: ({S}, AT_DEPT),
    Action.REPLY: ({DEP}, {Status.SIGNED}),
    Action.FOLLOW_UP: ({C, S}, {Status.REPLIED}),
    Action.REOPEN: ({C, S}, {Status.REPLIED}),
    Action.CLOSE: ({C, S}, {Status.REPLIED, Status.NEW}),
    Action.MERGE: ({C, S}, {Status.NEW}),
    Action.MARK_CONFIDENTIAL: ({C, S}, set(Status) - {Status.CLOSED}),
    Action.SUPERVISE: ({S}, AT_DEPT | {Status.REPLIED, Status.CLOSED}),
    Action.EDIT: ({C, S}, {Status.NEW, Status.RETURNED}),
    # 会商会办 (issue 7)
    Action.ASSIGN_PARTS: ({C, S}, AT_DEPT),
    Action.SUBMIT_PART: ({DEP}, AT_DEPT),
    Action.WITHDRAW_PART: ({C, S}, AT_DEPT | {Status.RETURNED}),
    Action.RECORD_CONSULTATION: ({C, S, DEP}, set(Status) - {Status.CLOSED}),
}


def test_every_action_is_in_the_table():
    assert set(rules.TRANSITIONS) == set(EXPECTED) | {Action.ACCEPT}


@pytest.mark.parametrize("action", list(EXPECTED), ids=lambda a: a.value)
def test_allowed_and_forbidden_for_every_role_and_state(action):
    roles, states = EXPECTED[action]
    for role, status in itertools.product(Role, Status):
        ok = role in roles and status in states
        assert rules.allowed(action, role, status) is ok, (role, status)
        why = rules.refusal(action, role, status)
        assert (why is None) is ok, (role, status, why)
        if not ok:
            assert action.label in why or "只能由" in why
        assert (action in rules.actions_for(role, status)) is ok


def test_accept_only_by_the_center_and_admin_does_nothing_to_tickets():
    assert rules.allowed(Action.ACCEPT, C, None) and rules.allowed(Action.ACCEPT, S, None)
    assert not rules.allowed(Action.ACCEPT, DEP, None) and not rules.allowed(Action.ACCEPT, A, None)
    for status in Status:
        assert rules.actions_for(A, status) == []
    why = rules.refusal(Action.SIGN, C, Status.DISPATCHED)
    assert "承办单位联络员" in why and "受理员" in why
    why = rules.refusal(Action.REPLY, DEP, Status.DISPATCHED)
    assert "已派发" in why and "办理中" in why


def test_reason_is_required_where_the_spec_says():
    needs = {a for a, t in rules.TRANSITIONS.items() if t.needs_reason}
    assert {Action.RETURN, Action.REQUEST_EXTENSION, Action.REJECT_EXTENSION, Action.REPLY, Action.REOPEN} <= needs
    assert rules.CONFIDENTIAL_TYPES == {AppealType.COMPLAINT, AppealType.REPORT}
