"""The store's workflow: every action through the one ``_act`` path, role and
department checks, history, versions, the calendar and the warning counts."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from xzconsole import rules
from xzconsole.models import Role, Status, TicketIntake, uscc_check_char
from xzconsole.rules import Action, WarningLevel
from xzconsole.store import (
    CONFIDENTIAL_MASK,
    InvalidAction,
    PermissionDenied,
    StaleTicket,
    Store,
    StoreError,
    TicketFilter,
)
from xzconsole.workdays import WorkCalendar, YearSchedule

D = dt.date
RSJ, SWJ = "市人社局", "市税务局"


def uscc(seq: int) -> str:
    first = f"91320300MA1N{seq:05d}"
    return first + uscc_check_char(first)


def take(store, staff, appeal_type="complaint", name="徐州恒达机械有限公司", code=None, **kw):
    intake = TicketIntake(appeal_type=appeal_type, enterprise_name=name, uscc=code, contact_name="李经理",
                          contact_phone="13805161234", content=kw.pop("content", "稳岗返还资金至今未到账"), **kw)
    return store.tickets.accept(staff["clerk"], intake)


def dispatched(store, staff, appeal_type="complaint", dept=RSJ, **kw):
    t = take(store, staff, appeal_type, **kw)
    return store.tickets.dispatch(staff["clerk"], t.id, dept)


def in_state(store, staff, status: Status, appeal_type="complaint"):
    """A ticket of 市人社局 brought to ``status`` through the real actions."""
    if status is Status.NEW:
        return take(store, staff, appeal_type)
    t = dispatched(store, staff, appeal_type)
    if status is Status.DISPATCHED:
        return t
    if status is Status.RETURNED:
        return store.tickets.return_ticket(staff["rsj"], t.id, "不属于本单位职责")
    t = store.tickets.sign(staff["rsj"], t.id)
    if status is Status.SIGNED:
        return t
    t = store.tickets.reply(staff["rsj"], t.id, "已协调财政拨付")
    if status is Status.REPLIED:
        return t
    if status is Status.REOPENED:
        store.tickets.follow_up(staff["clerk"], t.id, "不满意")
        return store.tickets.reopen(staff["clerk"], t.id, "企业表示资金仍未到账")
    if status is Status.CLOSED:
        return store.tickets.follow_up(staff["clerk"], t.id, "满意")
    raise AssertionError(status)


def events(store, staff, ref):
    return store.tickets.history(staff["sup"], ref)


# ---------------------------------------------------------------- intake and dispatch


def test_accept_dispatch_record_history_and_due_date(store, staff, clock):
    t = take(store, staff, "consultation")
    assert t.status is Status.NEW and t.number.startswith("XZ20261126")
    t = store.tickets.dispatch(staff["clerk"], t.id, RSJ)
    # dispatched Thursday 2026-11-26: consultation (3) is due Tuesday Dec 1
    assert t.status is Status.DISPATCHED and t.due_date == D(2026, 12, 1) and t.time_limit == 3
    assert not t.due_provisional and t.department_name
    hist = events(store, staff, t.id)
    assert [e.action for e in hist] == ["accept", "dispatch"]
    assert hist[1].actor == "clerk" and hist[1].from_status is Status.NEW and hist[1].to_status is Status.DISPATCHED
    assert hist[1].changes["due_date"] == [None, "2026-12-01"]


@pytest.mark.parametrize("appeal_type,due", [("policy_consultation", D(2026, 11, 30)), ("suggestion", D(2026, 12, 2)),
                                            ("report", D(2026, 12, 4))])
def test_dispatch_at_17_utc_thursday_counts_as_friday(store, staff, clock, appeal_type, due):
    clock.set(dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.timezone.utc))
    t = dispatched(store, staff, appeal_type)
    assert t.clock_start == D(2026, 11, 27)
    assert t.due_date == due


def test_dispatch_across_spring_festival_and_make_up_days(store, staff, clock):
    clock.set("2026-02-13T16:00:00+08:00")
    assert dispatched(store, staff, "policy_consultation").due_date == D(2026, 2, 14)  # make-up Saturday
    assert dispatched(store, staff, "consultation").due_date == D(2026, 2, 25)
    assert dispatched(store, staff, "complaint").due_date == D(2026, 2, 27)
    clock.set("2026-09-30T09:00:00+08:00")
    assert dispatched(store, staff, "consultation").due_date == D(2026, 10, 10)  # make-up Saturday
    assert dispatched(store, staff, "other").due_date == D(2026, 10, 13)


# ---------------------------------------------------------------- the calendar through the store

TEST_SCHEDULE_2027 = """\
# TEST FIXTURE ONLY: not the State Council's 2027 notice (unpublished when this
# was written). The holiday is deliberately one day longer than the estimate so
# that a due date visibly moves.
year = 2027
source = "测试用 2027 日历"
holidays = [
  { name = "元旦", start = 2027-01-01, end = 2027-01-04 },
]
workdays = []
"""


def test_due_in_2027_is_provisional_until_a_schedule_is_loaded(store, staff, clock):
    cal = store.calendar()
    for d in (D(2027, 1, 5), D(2030, 7, 1), D(1999, 2, 1)):
        assert cal.is_provisional(d)
        cal.add_workdays(d, 3)  # never raises
    before = dispatched(store, staff, "consultation")  # due 2026-12-01: not touched by a 2027 schedule
    clock.set("2026-12-28T10:00:00+08:00")  # Monday
    t = dispatched(store, staff, "complaint")
    # Dec 29, 30, 31, then (estimate) Jan 1 off, weekend, Jan 4, Jan 5
    assert t.due_date == D(2027, 1, 5) and t.due_provisional
    assert store.warnings.any_provisional_due()
    assert store.schedules.preview(YearSchedule.from_toml(TEST_SCHEDULE_2027)) == 1

    with pytest.raises(PermissionDenied):
        store.schedules.load(staff["clerk"], YearSchedule.from_toml(TEST_SCHEDULE_2027))
    moved = store.schedules.load(staff["sup"], YearSchedule.from_toml(TEST_SCHEDULE_2027))
    assert moved == 1
    t2 = store.tickets.get(staff["sup"], t.id)
    assert t2.due_date == D(2027, 1, 6) and not t2.due_provisional
    assert t2.version == t.version + 1
    last = events(store, staff, t.id)[-1]
    assert last.action == "recompute_due" and last.actor == "sup"
    assert last.changes["due_date"] == ["2027-01-05", "2027-01-06"]
    assert last.changes["due_provisional"] == [True, False]
    assert store.tickets.get(staff["sup"], before.id).version == before.version
    assert not store.calendar().is_provisional(D(2027, 3, 1))
    assert not store.warnings.any_provisional_due()
    # the SQL mirror follows: the overdue count in warned_tickets uses the new table
    clock.set("2027-01-08T10:00:00+08:00")  # Friday: Jan 7, 8 overdue
    w = {r["id"]: r for r in store.warnings.warned_tickets()}
    assert w[t.id]["overdue_workdays"] == 2 and w[t.id]["level"] == "yellow"
    # loading the same schedule again moves nothing
    assert store.schedules.load(staff["sup"], YearSchedule.from_toml(TEST_SCHEDULE_2027)) == 0


# ---------------------------------------------------------------- roles × actions

ATTEMPTS = {
    Action.DISPATCH: (Status.NEW, lambda s, a, t: s.tickets.dispatch(a, t, RSJ)),
    Action.DIRECT_ANSWER: (Status.NEW, lambda s, a, t: s.tickets.direct_answer(a, t, "按知识库答复")),
    Action.SIGN: (Status.DISPATCHED, lambda s, a, t: s.tickets.sign(a, t)),
    Action.RETURN: (Status.DISPATCHED, lambda s, a, t: s.tickets.return_ticket(a, t, "不属于本单位")),
    Action.REQUEST_EXTENSION: (Status.SIGNED, lambda s, a, t: s.tickets.request_extension(a, t, 2, "需现场核查")),
    Action.REPLY: (Status.SIGNED, lambda s, a, t: s.tickets.reply(a, t, "已办理")),
    Action.FOLLOW_UP: (Status.REPLIED, lambda s, a, t: s.tickets.follow_up(a, t, "满意")),
    Action.REOPEN: (Status.REPLIED, lambda s, a, t: s.tickets.reopen(a, t, "不满意重办")),
    Action.CLOSE: (Status.REPLIED, lambda s, a, t: s.tickets.close(a, t, note="办结")),
    Action.MARK_CONFIDENTIAL: (Status.DISPATCHED, lambda s, a, t: s.tickets.mark_confidential(a, t)),
}


@pytest.mark.parametrize("action", list(ATTEMPTS), ids=lambda a: a.value)
def test_each_role_through_the_store(store, staff, action):
    status, attempt = ATTEMPTS[action]
    for login in ("clerk", "sup", "rsj", "admin"):
        actor = staff[login]
        t = in_state(store, staff, status)
        if action is Action.REOPEN:  # a reopen needs an unsatisfied follow-up first
            t = store.tickets.follow_up(staff["clerk"], t.id, "不满意")
        n_events = len(events(store, staff, t.id))
        expect = rules.allowed(action, actor.role, status)
        if expect:
            new = attempt(store, actor, t.id)
            assert new.version == t.version + 1
            assert len(events(store, staff, t.id)) == n_events + 1
        else:
            with pytest.raises(StoreError):
                attempt(store, actor, t.id)
            same = store.tickets.get(staff["sup"], t.id)
            assert same.version == t.version and same.status is t.status
            assert len(events(store, staff, t.id)) == n_events


def test_wrong_state_is_refused_with_the_state_named(store, staff):
    t = in_state(store, staff, Status.SIGNED)
    with pytest.raises(InvalidAction, match="办理中"):
        store.tickets.sign(staff["rsj"], t.id)
    with pytest.raises(PermissionDenied):  # a new ticket belongs to no department yet
        store.tickets.sign(staff["rsj"], in_state(store, staff, Status.NEW).id)
    t = in_state(store, staff, Status.CLOSED)
    with pytest.raises(InvalidAction, match="已办结"):
        store.tickets.dispatch(staff["clerk"], t.id, RSJ)
    with pytest.raises(InvalidAction):
        store.tickets.reply(staff["rsj"], in_state(store, staff, Status.SIGNED).id, "   ")  # reply text required


# ---------------------------------------------------------------- 退回


def test_return_within_two_working_days_is_direct(store, staff, clock):
    t = dispatched(store, staff)  # Thursday 2026-11-26
    clock.set("2026-11-30T17:00:00+08:00")  # Monday: the 2nd working day
    with pytest.raises(InvalidAction, match="理由"):
        store.tickets.return_ticket(staff["rsj"], t.id, " ")
    r = store.tickets.return_ticket(staff["rsj"], t.id, "属于市场监管局职责")
    assert r.status is Status.RETURNED and r.department_id is None and r.due_date is None and r.return_count == 1
    # redispatch to another department gives a fresh clock from the redispatch day
    r = store.tickets.dispatch(staff["clerk"], t.id, SWJ)
    assert r.status is Status.DISPATCHED and r.clock_start == D(2026, 11, 30) and r.due_date == D(2026, 12, 7)
    assert [e.action for e in events(store, staff, t.id)] == ["accept", "dispatch", "return", "dispatch"]


def test_late_return_needs_supervisor_approval(store, staff, clock):
    a = dispatched(store, staff)
    b = dispatched(store, staff)
    clock.set("2026-12-01T09:00:00+08:00")  # the 3rd working day
    ra = store.tickets.return_ticket(staff["rsj"], a.id, "不属于本单位")
    assert ra.status is Status.DISPATCHED and ra.pending_return_reason == "不属于本单位"
    assert events(store, staff, a.id)[-1].action == "request_return"
    with pytest.raises(InvalidAction):
        store.tickets.return_ticket(staff["rsj"], a.id, "再次申请")
    with pytest.raises(StoreError):
        store.tickets.approve_return(staff["clerk"], a.id)
    ok = store.tickets.approve_return(staff["sup"], a.id, note="同意")
    assert ok.status is Status.RETURNED and ok.return_count == 1
    store.tickets.return_ticket(staff["rsj"], b.id, "不属于本单位")
    with pytest.raises(InvalidAction):
        store.tickets.reject_return(staff["sup"], b.id, "")
    rb = store.tickets.reject_return(staff["sup"], b.id, "属于贵单位职责，请继续办理")
    assert rb.status is Status.DISPATCHED and rb.pending_return_reason is None
    assert [e.action for e in events(store, staff, b.id)][-2:] == ["request_return", "reject_return"]
    with pytest.raises(InvalidAction, match="没有待审批"):
        store.tickets.approve_return(staff["sup"], b.id)


# ---------------------------------------------------------------- 延期


def test_extension_request_approve_reject_and_ten_day_cap(store, staff):
    cal = store.calendar()
    t = in_state(store, staff, Status.SIGNED)
    assert t.due_date == D(2026, 12, 3)
    with pytest.raises(InvalidAction, match="理由"):
        store.tickets.request_extension(staff["rsj"], t.id, 3, "")
    with pytest.raises(InvalidAction, match="10"):
        store.tickets.request_extension(staff["rsj"], t.id, 11, "需要调查")
    t = store.tickets.request_extension(staff["rsj"], t.id, 4, "需要会同财政核实")
    assert t.pending_extension_days == 4 and t.due_date == D(2026, 12, 3)
    with pytest.raises(InvalidAction, match="待审批"):
        store.tickets.request_extension(staff["rsj"], t.id, 1, "再加一天")
    with pytest.raises(StoreError):
        store.tickets.approve_extension(staff["rsj"], t.id)
    t = store.tickets.approve_extension(staff["sup"], t.id, note="同意延期")
    assert t.extension_days == 4 and t.pending_extension_days is None
    assert t.due_date == cal.add_workdays(D(2026, 12, 3), 4) == D(2026, 12, 9)
    with pytest.raises(InvalidAction, match="最多还可申请 6 天"):
        store.tickets.request_extension(staff["rsj"], t.id, 7, "还需时间")
    t = store.tickets.request_extension(staff["rsj"], t.id, 6, "还需时间")
    t = store.tickets.reject_extension(staff["sup"], t.id, "理由不充分")
    assert t.extension_days == 4 and t.due_date == D(2026, 12, 9) and t.pending_extension_days is None
    acts = [e.action for e in events(store, staff, t.id)]
    assert acts[-4:] == ["request_extension", "approve_extension", "request_extension", "reject_extension"]
    assert events(store, staff, t.id)[-1].note == "理由不充分"


# ---------------------------------------------------------------- 保密


def test_confidential_complaint_hides_identity_from_the_department(store, staff):
    c = take(store, staff, "consultation", name="徐州保密测试咨询公司")
    with pytest.raises(InvalidAction, match="投诉、举报"):
        store.tickets.mark_confidential(staff["clerk"], c.id)
    t = dispatched(store, staff, "complaint", name="徐州匿名投诉科技有限公司", code=uscc(7))
    store.tickets.mark_confidential(staff["clerk"], t.id)
    seen = store.tickets.get(staff["rsj"], t.id)
    assert seen.redacted and seen.enterprise_name == CONFIDENTIAL_MASK
    assert seen.contact_name == CONFIDENTIAL_MASK and seen.contact_phone == CONFIDENTIAL_MASK and seen.uscc is None
    listed = [x for x in store.queue.list_tickets(staff["rsj"]) if x.id == t.id]
    assert listed and listed[0].enterprise_name == CONFIDENTIAL_MASK and listed[0].contact_phone == CONFIDENTIAL_MASK
    for words in ("匿名投诉", "徐州匿名投诉科技有限公司", uscc(7), "13805161234"):
        assert t.id not in [x.id for x in store.queue.list_tickets(staff["rsj"], TicketFilter(search=words))]
        assert t.id in [x.id for x in store.queue.list_tickets(staff["clerk"], TicketFilter(search=words))]
    # the number still finds it for the department; the center sees everything
    assert [x.id for x in store.queue.list_tickets(staff["rsj"], TicketFilter(search=t.number))] == [t.id]
    full = store.tickets.get(staff["clerk"], t.id)
    assert full.enterprise_name == "徐州匿名投诉科技有限公司" and not full.redacted
    late = dt.datetime(2026, 12, 21, 10, 0)  # long past the due date: on the warning list
    assert [w["enterprise_name"] for w in store.warnings.warned_tickets(staff["rsj"], late) if w["id"] == t.id] == [CONFIDENTIAL_MASK]
    assert [w["enterprise_name"] for w in store.warnings.warned_tickets(staff["sup"], late) if w["id"] == t.id] == [full.enterprise_name]


# ---------------------------------------------------------------- 重复诉求


def test_duplicate_flag_and_merge(store, staff):
    first = dispatched(store, staff, name="徐州重复诉求有限公司", code=uscc(11))
    other = take(store, staff, name="徐州重复诉求有限公司")  # same name without USCC: a different enterprise key
    assert [t.id for t in store.tickets.open_of(uscc(11), "随便")] == [first.id]
    assert {t.id for t in store.tickets.open_of(None, "徐州重复诉求有限公司")} >= {first.id, other.id}
    dup = take(store, staff, name="徐州重复诉求有限公司", code=uscc(11), content="又来电：稳岗返还还没到")
    assert {t.id for t in store.tickets.open_of(uscc(11), "")} == {first.id, dup.id}
    merged = store.tickets.merge(staff["clerk"], dup.id, first.id)
    assert merged.status is Status.CLOSED and merged.close_reason.value == "duplicate" and merged.merged_into == first.id
    target_events = events(store, staff, first.id)
    assert target_events[-1].action == "merged_from" and dup.number in target_events[-1].note
    assert store.tickets.get(staff["sup"], first.id).status is Status.DISPATCHED
    assert [t.id for t in store.tickets.open_of(uscc(11), "")] == [first.id]
    with pytest.raises(InvalidAction):
        store.tickets.merge(staff["clerk"], first.id, first.id)
    with pytest.raises(StoreError):  # a department cannot merge
        store.tickets.merge(staff["rsj"], other.id, first.id)


# ---------------------------------------------------------------- 回访 and 重办


@pytest.mark.parametrize("outcome", ["满意", "基本满意"])
def test_satisfied_follow_up_closes(store, staff, outcome):
    t = in_state(store, staff, Status.REPLIED)
    c = store.tickets.follow_up(staff["clerk"], t.id, outcome)
    assert c.status is Status.CLOSED and c.close_reason.value == "resolved" and c.satisfaction.label == outcome


def test_follow_up_records_whether_the_problem_was_solved(store, staff):
    t = in_state(store, staff, Status.REPLIED)
    c = store.tickets.follow_up(staff["clerk"], t.id, "满意", resolved=False)
    assert c.resolved is False and c.status is Status.CLOSED  # satisfied with the answer, problem not solved
    u = in_state(store, staff, Status.REPLIED)
    assert store.tickets.follow_up(staff["clerk"], u.id, "不满意", resolved=True).resolved is True
    v = in_state(store, staff, Status.REPLIED)
    with pytest.raises(InvalidAction, match="未联系上"):
        store.tickets.follow_up(staff["clerk"], v.id, "未联系上", resolved=True)
    assert store.tickets.follow_up(staff["clerk"], v.id, "满意").resolved is None  # not asked


def test_unsatisfied_then_reopen_gives_a_fresh_limit(store, staff, clock):
    t = in_state(store, staff, Status.REPLIED, "consultation")
    clock.set("2026-12-04T11:00:00+08:00")  # Friday
    with pytest.raises(InvalidAction, match="不满意"):
        store.tickets.reopen(staff["clerk"], t.id, "重办")
    t = store.tickets.follow_up(staff["clerk"], t.id, "不满意")
    assert t.status is Status.REPLIED
    t = store.tickets.reopen(staff["clerk"], t.id, "企业不认可答复")
    assert t.status is Status.REOPENED and t.clock_start == D(2026, 12, 4) and t.due_date == D(2026, 12, 9)
    assert t.reopen_count == 1 and t.signed_at is None and t.replied_at is None
    t = store.tickets.sign(staff["rsj"], t.id)
    assert t.status is Status.SIGNED


def test_three_unreachable_follow_ups_close_as_unreachable(store, staff):
    t = in_state(store, staff, Status.REPLIED)
    for i in range(2):
        t = store.tickets.follow_up(staff["clerk"], t.id, "未联系上")
        assert t.status is Status.REPLIED and t.unreachable_count == i + 1
    t = store.tickets.follow_up(staff["clerk"], t.id, "未联系上")
    assert t.status is Status.CLOSED and t.close_reason.value == "unreachable" and t.followup_count == 3


def test_bulk_dispatch_gives_each_ticket_its_own_history(store, staff):
    ts = [take(store, staff, "suggestion", name=f"徐州批量{i}有限公司") for i in range(4)]
    closed = in_state(store, staff, Status.CLOSED)
    res = store.tickets.bulk_dispatch(staff["clerk"], [t.id for t in ts] + [closed.id], SWJ)
    assert sorted(res.done) == sorted(t.number for t in ts)
    assert len(res.failed) == 1 and res.failed[0][0] == str(closed.id)
    for t in ts:
        hist = events(store, staff, t.id)
        assert [e.action for e in hist] == ["accept", "dispatch"]
        assert store.tickets.get(staff["swj"], t.id).status is Status.DISPATCHED
    res = store.tickets.bulk_dispatch(staff["rsj"], [ts[0].id], RSJ)  # a department may not dispatch
    assert res.done == [] and len(res.failed) == 1


# ---------------------------------------------------------------- department isolation


def test_department_sees_and_acts_on_only_its_own(store, staff):
    mine = dispatched(store, staff, dept=RSJ)
    theirs = dispatched(store, staff, dept=SWJ)
    with pytest.raises(PermissionDenied):
        store.tickets.get(staff["rsj"], theirs.id)
    with pytest.raises(PermissionDenied):
        store.tickets.get(staff["rsj"], theirs.number)
    with pytest.raises(PermissionDenied):
        store.tickets.history(staff["rsj"], theirs.id)
    with pytest.raises(PermissionDenied):
        store.tickets.sign(staff["rsj"], theirs.id)
    store.tickets.sign(staff["swj"], theirs.id)
    with pytest.raises(PermissionDenied):
        store.tickets.reply(staff["rsj"], theirs.id, "越权答复")
    assert store.tickets.get(staff["sup"], theirs.id).status is Status.SIGNED
    rsj_id = staff["rsj"].department_id
    for f in (None, TicketFilter(department_id=staff["swj"].department_id), TicketFilter(statuses=["signed"]),
              TicketFilter(search=theirs.number)):
        got = store.queue.list_tickets(staff["rsj"], f)
        assert all(t.department_id == rsj_id for t in got)
        assert theirs.id not in [t.id for t in got]
    assert mine.id in [t.id for t in store.queue.list_tickets(staff["rsj"])]
    assert store.queue.count_tickets(staff["rsj"]) == 1
    assert store.queue.count_tickets(staff["clerk"]) == 2


# ---------------------------------------------------------------- versions and history


def test_stale_version_is_refused_and_nothing_changes(store, staff, clock):
    t = dispatched(store, staff)
    clock.set("2026-11-26T10:15:00+08:00")
    store.tickets.mark_confidential(staff["sup"], t.id, version=t.version)  # someone else acts first
    n = len(events(store, staff, t.id))
    with pytest.raises(StaleTicket) as exc:
        store.tickets.sign(staff["rsj"], t.id, version=t.version)
    assert exc.value.changed_by == "sup" and exc.value.changed_at.startswith("2026-11-26T10:15")
    assert "sup" in str(exc.value) and "2026-11-26 10:15" in str(exc.value) and "重新载入" in str(exc.value)
    now = store.tickets.get(staff["sup"], t.id)
    assert now.status is Status.DISPATCHED and now.signed_at is None and now.version == t.version + 1
    assert len(events(store, staff, t.id)) == n
    assert store.tickets.sign(staff["rsj"], t.id, version=now.version).status is Status.SIGNED


def test_history_and_supervisions_refuse_update_and_delete_even_in_raw_sql(store, staff, clock):
    t = dispatched(store, staff)
    clock.set("2026-12-10T10:00:00+08:00")
    store.tickets.supervise(staff["sup"], t.id, "请尽快办理")
    ev_before = store.conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    sv_before = store.conn.execute("SELECT * FROM supervisions ORDER BY id").fetchall()
    assert ev_before and sv_before
    for sql in ("UPDATE events SET note = 'x'", "DELETE FROM events", "UPDATE events SET actor = 'nobody' WHERE id = 1",
                "UPDATE supervisions SET body = 'x'", "DELETE FROM supervisions"):
        with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
            store.conn.execute(sql)
    assert [tuple(r) for r in store.conn.execute("SELECT * FROM events ORDER BY id")] == [tuple(r) for r in ev_before]
    assert [tuple(r) for r in store.conn.execute("SELECT * FROM supervisions ORDER BY id")] == [tuple(r) for r in sv_before]


def test_supervision_records_level_and_body(store, staff, clock):
    t = dispatched(store, staff)  # due Thu 2026-12-03
    with pytest.raises(InvalidAction, match="未超期"):
        store.tickets.supervise(staff["sup"], t.id, "提前督办")
    for when, level in (("2026-12-04T10:00", WarningLevel.YELLOW), ("2026-12-08T10:00", WarningLevel.ORANGE),
                        ("2026-12-10T10:00", WarningLevel.RED)):
        clock.set(when + ":00+08:00")
        store.tickets.supervise(staff["sup"], t.id, f"{level.label}督办")
        rec = store.tickets.supervisions(staff["sup"], t.id)[-1]
        assert rec.level == int(level) and rec.body == level.supervised_by and rec.actor == "sup"
    with pytest.raises(StoreError):
        store.tickets.supervise(staff["clerk"], t.id, "受理员不能督办")


def test_max_level_stays_after_reply_and_close(store, staff, clock):
    t = in_state(store, staff, Status.SIGNED)  # due Thu 2026-12-03
    clock.set("2026-12-10T09:00:00+08:00")  # 5 working days overdue: red
    assert store.tickets.current_level(store.tickets.get(staff["sup"], t.id)) is WarningLevel.RED
    t = store.tickets.reply(staff["rsj"], t.id, "终于办好了")
    assert t.max_level == int(WarningLevel.RED)
    assert store.tickets.current_level(t) is WarningLevel.NONE  # no longer awaiting a reply
    t = store.tickets.follow_up(staff["clerk"], t.id, "基本满意")
    assert t.status is Status.CLOSED and t.max_level == int(WarningLevel.RED)
    # a ticket replied before its deadline never had a level
    ok = in_state(store, staff, Status.CLOSED)
    assert ok.max_level == 0


# ---------------------------------------------------------------- warning counts agree with the rules


def test_level_counts_and_warned_tickets_agree_with_rules(store, staff, clock):
    types = ["policy_consultation", "consultation", "suggestion", "complaint", "report", "other"]
    start = dt.datetime(2026, 9, 14, 9, 0)
    made = []
    for i in range(40):  # one dispatch every 2–3 days, across 中秋, 国庆 and the make-up days
        clock.set(start + dt.timedelta(days=i * 2 + i % 2, hours=i % 7))
        t = dispatched(store, staff, types[i % len(types)], dept=RSJ if i % 3 else SWJ, name=f"徐州预警{i}有限公司")
        if i % 4 == 0:
            t = store.tickets.sign(staff["rsj" if i % 3 else "swj"], t.id)
        if i % 9 == 0:
            t = store.tickets.reply(staff["rsj" if i % 3 else "swj"], store.tickets.sign(staff["rsj" if i % 3 else "swj"], t.id).id
                            if t.status is Status.DISPATCHED else t.id, "已答复")
        made.append(t.id)
    cal = WorkCalendar()
    seen: set[WarningLevel] = set()
    for now in ("2026-09-21T10:00", "2026-10-08T10:00", "2026-10-10T10:00", "2026-10-11T10:00", "2026-10-12T10:00",
                "2026-11-13T23:59", "2026-12-01T08:00", "2026-12-31T10:00"):
        clock.set(now + ":00+08:00")
        today = clock.today()
        expect: dict[int, dict[WarningLevel, int]] = {}
        expect_rows = {}
        for tid in made:
            t = store.tickets.get(staff["sup"], tid)
            if not t.awaiting_reply:
                continue
            lvl = rules.warning_level(t.due_date, clock.now(), cal)
            if lvl:
                expect.setdefault(t.department_id, {}).setdefault(lvl, 0)
                expect[t.department_id][lvl] += 1
                expect_rows[tid] = (lvl.code, cal.workdays_between(t.due_date, today), lvl.supervised_by)
        seen |= {lvl for c in expect.values() for lvl in c}
        got = {d: {k: v for k, v in c.items() if v} for d, c in store.warnings.level_counts().items()}
        assert got == expect, now
        rows = store.warnings.warned_tickets()
        assert {r["id"]: (r["level"], r["overdue_workdays"], r["supervised_by"]) for r in rows} == expect_rows, now
        assert [r["due_date"] for r in rows] == sorted(r["due_date"] for r in rows)  # most overdue first
        for lvl in (WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED):
            n = sum(c.get(lvl, 0) for c in expect.values())
            assert store.queue.count_tickets(staff["sup"], TicketFilter(level=lvl)) == n, (now, lvl)
        # a department's view is its own slice
        rsj = staff["rsj"].department_id
        assert set(store.warnings.level_counts(staff["rsj"])) <= {rsj}
        assert all(r["department"] == store.department_name(rsj) for r in store.warnings.warned_tickets(staff["rsj"]))
    assert seen == {WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED}  # every level was exercised


def test_areas_are_built_on_first_use_once_and_share_their_dependencies(store, clock):
    """Issue 11: a store builds an area when it is first used (the console's
    queue never builds the policy areas); each is built once, and an area's
    dependencies are the store's own areas, not copies."""
    fresh = Store(store.path, clock, migrate=False)
    try:
        assert "tickets" not in vars(fresh) and "records" not in vars(fresh)
        tickets = fresh.tickets
        assert fresh.tickets is tickets
        assert tickets.records is fresh.records and tickets.directory is fresh.directory
        assert fresh.feedback.tickets is tickets
        assert "library" in vars(fresh)  # built for the directory, and kept
        assert "outreach" not in vars(fresh)
        # and they work: the fixture's staff are found through the lazily built area
        assert fresh.staff.get("clerk").name == "王受理"
    finally:
        fresh.disconnect()
