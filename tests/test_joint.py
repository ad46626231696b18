"""Joint handling (会商会办, issue 7) through the store: the lead (主办) and the
supporting departments (协办), their deadlines on the official 2026 calendar,
who may do what, the late-part notice, the attribution of the ticket to the
lead alone, the calendar moving part deadlines, and the 会商 minutes.

The main case is dispatched on Wednesday 2026-09-30, the eve of the National
Day holiday (Oct 1–7 off, Saturday Oct 10 a make-up working day): a complaint
(5 working days) is due Tuesday Oct 13; its parts, by default one working day
earlier, Monday Oct 12.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from xzconsole.services import reports
from xzconsole.models import Status, TicketIntake
from xzconsole.rules import WarningLevel
from xzconsole.store import InvalidAction, NotFound, PermissionDenied, StaleTicket, Store
from xzconsole.areas.joint import part_due
from xzconsole.workdays import WorkCalendar, YearSchedule

D = dt.date
RSJ, SWJ, ZJJ = "市人社局", "市税务局", "市住建局"


@pytest.fixture
def zjj(store, staff):
    """A liaison of 市住建局 (a second supporting department)."""
    return store.staff.add(staff["admin"], "zjj", "department", name="住建联络员", department=ZJJ)


def _joint(store: Store, staff: dict, clock, when: str = "2026-09-30T10:00:00+08:00", kind: str = "complaint",
           name: str = "徐州[b]云龙[/b]机械有限公司") -> int:
    """A ticket dispatched to 市人社局 at ``when`` (the lead)."""
    clock.set(when)
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name, title="厂区路灯[/]坏了",
                                                  content="厂区门口道路施工后路灯不亮，涉及住建、税务多个部门。"))
    return store.tickets.dispatch(staff["clerk"], t.id, RSJ).id


def _events(store: Store, staff: dict, tid: int) -> list:
    return store.tickets.history(staff["sup"], tid)


# ---------------------------------------------------------------- deadlines


def test_part_deadline_defaults_to_a_day_before_the_lead_across_national_day():
    cal = WorkCalendar()
    eve = D(2026, 9, 30)
    # lead: Oct 8, 9, 10 (make-up Saturday), 12, 13
    assert cal.add_workdays(eve, 5) == D(2026, 10, 13)
    assert part_due(eve, D(2026, 10, 13), None, cal) == (4, D(2026, 10, 12), False)
    assert part_due(eve, D(2026, 10, 13), 5, cal)[1] == D(2026, 10, 13)
    with pytest.raises(ValueError, match="不能晚于主办单位的办理期限"):
        part_due(eve, D(2026, 10, 13), 6, cal)
    with pytest.raises(ValueError, match="至少为 1 个工作日"):
        part_due(eve, D(2026, 10, 13), 0, cal)
    # a policy consultation (1 day, due Oct 8): the part gets that one day too
    assert part_due(eve, D(2026, 10, 8), None, cal) == (1, D(2026, 10, 8), False)
    # the lead already overdue: a part still gets one working day
    assert part_due(D(2026, 10, 14), D(2026, 10, 13), None, cal) == (1, D(2026, 10, 15), False)


def test_assign_parts_on_real_dates_with_one_event(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    lead = store.tickets.get(staff["sup"], tid)
    assert lead.due_date == D(2026, 10, 13)
    assert store.joint.preview_due(tid) == (4, D(2026, 10, 12), False)
    n_events = len(_events(store, staff, tid))
    t = store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ], version=lead.version, note="涉及施工许可")
    assert t.version == lead.version + 1 and t.department_id == lead.department_id and t.due_date == lead.due_date
    evs = _events(store, staff, tid)
    assert len(evs) == n_events + 1
    assert evs[-1].action == "assign_parts" and evs[-1].action_label == "设置协办"
    assert "市税务局、市住建局" in evs[-1].note and "2026-10-12 周一" in evs[-1].note and "涉及施工许可" in evs[-1].note
    parts = store.joint.parts(staff["sup"], tid)
    assert [(p.department, p.due_date, p.time_limit, p.status) for p in parts] == [
        (SWJ, D(2026, 10, 12), 4, "待提交"), (ZJJ, D(2026, 10, 12), 4, "待提交")]


@pytest.mark.parametrize("departments,days,message", [
    ([RSJ], None, "主办单位"),
    ([SWJ, "市税务局"], None, "重复"),
    ([], None, "至少选择一个"),
    ([SWJ], 6, "不能晚于主办单位"),
    (["市不存在局"], None, "找不到单位"),
])
def test_assign_parts_refusals(store, staff, clock, departments, days, message):
    tid = _joint(store, staff, clock)
    with pytest.raises((InvalidAction, NotFound), match=message):
        store.joint.assign_parts(staff["clerk"], tid, departments, days=days)
    assert store.joint.parts(staff["sup"], tid) == []


def test_assign_parts_needs_a_lead_and_the_center(store, staff, clock):
    clock.set("2026-09-30T10:00:00+08:00")
    new = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="complaint", enterprise_name="徐州某公司", content="诉求"))
    with pytest.raises(InvalidAction, match="待受理"):
        store.joint.assign_parts(staff["clerk"], new.id, [SWJ])
    tid = _joint(store, staff, clock)
    with pytest.raises(InvalidAction, match="只能由"):
        store.joint.assign_parts(staff["rsj"], tid, [SWJ])
    store.joint.assign_parts(staff["clerk"], tid, [SWJ])
    with pytest.raises(InvalidAction, match="已是本工单的协办单位"):
        store.joint.assign_parts(staff["sup"], tid, [SWJ])
    stale = store.tickets.get(staff["sup"], tid).version - 1
    with pytest.raises(StaleTicket):
        store.joint.assign_parts(staff["sup"], tid, [ZJJ], version=stale)


# ---------------------------------------------------------------- who may do what


def test_supporting_liaison_sees_but_cannot_act_as_lead(store, staff, clock):
    tid = _joint(store, staff, clock)
    with pytest.raises(PermissionDenied):
        store.tickets.get(staff["swj"], tid)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ])
    seen = store.tickets.get(staff["swj"], tid)
    assert seen.department_name == RSJ
    for attempt in (lambda: store.tickets.sign(staff["swj"], tid),
                    lambda: store.tickets.return_ticket(staff["swj"], tid, "不属于本单位"),
                    lambda: store.tickets.request_extension(staff["swj"], tid, 2, "需核查")):
        with pytest.raises(PermissionDenied, match="协办单位"):
            attempt()
    store.tickets.sign(staff["rsj"], tid)
    with pytest.raises(PermissionDenied, match="协办单位"):
        store.tickets.reply(staff["swj"], tid, "答复")
    with pytest.raises(PermissionDenied, match="协办单位"):
        store.joint.record_consultation(staff["swj"], tid, "2026-09-30", [RSJ, SWJ], "分工明确")
    # the queue's 协办 tab is not its own queue
    from xzconsole.store import TicketFilter
    assert store.queue.count_tickets(staff["swj"]) == 0
    assert store.queue.count_tickets(staff["swj"], TicketFilter(supporting=True)) == 1


def test_submit_part_records_the_opinion_once(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    with pytest.raises(InvalidAction, match="只能由承办单位联络员"):
        store.joint.submit_part(staff["clerk"], tid, "代为提交")
    with pytest.raises(InvalidAction, match="主办单位"):
        store.joint.submit_part(staff["rsj"], tid, "主办单位不提交协办意见")
    with pytest.raises(InvalidAction, match="协办意见不能为空"):
        store.joint.submit_part(staff["swj"], tid, "   ")
    clock.set("2026-10-09T15:00:00+08:00")
    before = store.tickets.get(staff["swj"], tid)
    t = store.joint.submit_part(staff["swj"], tid, "经核查，该企业无欠税[red]记录[/]。", version=before.version)
    assert t.version == before.version + 1 and t.status is Status.DISPATCHED
    last = _events(store, staff, tid)[-1]
    assert last.action == "submit_part" and last.actor == "swj"
    assert last.note == "协办意见（市税务局）：经核查，该企业无欠税[red]记录[/]。"
    with pytest.raises(InvalidAction, match="不能重复提交"):
        store.joint.submit_part(staff["swj"], tid, "补充")
    by_lead = {p.department: p for p in store.joint.parts(staff["rsj"], tid)}
    assert by_lead[SWJ].status == "已提交" and by_lead[SWJ].text.startswith("经核查") and not by_lead[SWJ].late
    assert by_lead[SWJ].submitted_by == "swj"
    # the other supporting department reads it too (joint handling is done at one table)
    by_zjj = {p.department: p for p in store.joint.parts(zjj, tid)}
    assert by_zjj[SWJ].text == by_lead[SWJ].text and by_zjj[SWJ].status == "已提交"
    # 市住建局 submits after its deadline (Mon Oct 12): accepted, marked late
    clock.set("2026-10-13T09:00:00+08:00")
    store.joint.submit_part(zjj, tid, "施工许可已核发")
    assert "超过协办期限" in _events(store, staff, tid)[-1].note
    late = {p.department: p for p in store.joint.parts(staff["sup"], tid)}[ZJJ]
    assert late.late and late.status == "已提交（逾期）"


def test_withdraw_part(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    store.joint.submit_part(staff["swj"], tid, "无欠税")
    with pytest.raises(InvalidAction, match="已提交协办意见，不能撤回"):
        store.joint.withdraw_part(staff["sup"], tid, SWJ, "误派")
    with pytest.raises(InvalidAction, match="理由"):
        store.joint.withdraw_part(staff["sup"], tid, ZJJ, " ")
    with pytest.raises(PermissionDenied, match="协办单位"):
        store.joint.withdraw_part(zjj, tid, ZJJ, "不是我们的")
    store.joint.withdraw_part(staff["clerk"], tid, ZJJ, "与住建无关")
    assert _events(store, staff, tid)[-1].note == "撤回协办：市住建局。理由：与住建无关"
    with pytest.raises(PermissionDenied):
        store.tickets.get(zjj, tid)  # a withdrawn part no longer shows the ticket
    with pytest.raises(InvalidAction, match="不是本工单的协办单位"):
        store.joint.withdraw_part(staff["clerk"], tid, ZJJ, "再撤一次")
    assert [p.status for p in store.joint.parts(staff["sup"], tid)] == ["已提交", "已撤回"]
    # assigned again: the same department starts over with a fresh deadline
    clock.set("2026-10-08T10:00:00+08:00")
    store.joint.assign_parts(staff["clerk"], tid, [ZJJ])
    again = store.joint.parts(staff["sup"], tid)[1]
    assert again.status == "待提交" and again.due_date == D(2026, 10, 12) and again.time_limit == 3


def test_reply_with_parts_missing_says_so(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    store.joint.submit_part(staff["swj"], tid, "无欠税")
    store.tickets.sign(staff["rsj"], tid)
    t = store.tickets.reply(staff["rsj"], tid, "已协调修复路灯")
    assert t.status is Status.REPLIED and t.reply_text == "已协调修复路灯"
    note = _events(store, staff, tid)[-1].note
    assert note == "已协调修复路灯（答复时以下协办单位尚未提交意见：市住建局）"
    with pytest.raises(InvalidAction, match="待回访"):
        store.joint.submit_part(zjj, tid, "迟到的意见")
    # on the ticket the missing part no longer reads as still awaited
    assert [p.status for p in store.joint.parts(staff["sup"], tid)] == ["已提交", "未提交（主办已答复）"]


# ---------------------------------------------------------------- notices and attribution


def test_late_part_notice(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    store.joint.submit_part(staff["swj"], tid, "无欠税")
    clock.set("2026-10-12T18:00:00+08:00")  # the parts' deadline day: not late yet
    assert store.warnings.notices(None, store.now())["part_late"] == (0, [])
    clock.set("2026-10-13T09:00:00+08:00")
    assert store.warnings.notices(None, store.now())["part_late"] == (1, [tid])
    assert store.warnings.notices(zjj, store.now())["part_late"] == (1, [tid])
    assert store.warnings.notices(staff["rsj"], store.now())["part_late"] == (0, [])
    assert store.warnings.notices(staff["swj"], store.now())["part_late"] == (0, [])
    [late] = store.joint.late_parts(zjj, store.now())
    assert (late.number, late.department, late.lead, late.due_date, late.overdue_workdays) == (
        store.tickets.get(staff["sup"], tid).number, ZJJ, RSJ, D(2026, 10, 12), 1)
    assert late.enterprise_name == "徐州[b]云龙[/b]机械有限公司"
    # a part's lateness is a notice, never a warning of the ticket or of 市住建局
    assert store.warnings.level_counts(None, store.now()) == {}
    # the lead replying ends the notice
    store.tickets.sign(staff["rsj"], tid)
    store.tickets.reply(staff["rsj"], tid, "已答复")
    assert store.joint.late_parts(None, store.now()) == []


def test_late_parts_use_the_partial_index(store):
    sql, params = store.joint._late_parts_sql(None, D(2026, 10, 13), "p.ticket_id")
    plan = " ".join(r[3] for r in store.q("EXPLAIN QUERY PLAN " + sql, params))
    assert "ticket_parts_open_due" in plan, plan


def test_warnings_and_assessment_count_the_lead_only(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    store.tickets.sign(staff["rsj"], tid)
    clock.set("2026-10-15T10:00:00+08:00")  # Thursday: the lead is 2 working days over (Oct 14, 15)
    rsj_id, swj_id, zjj_id = (store.department(n).id for n in (RSJ, SWJ, ZJJ))
    counts = store.warnings.level_counts(None, store.now())
    assert counts == {rsj_id: {WarningLevel.RED: 0, WarningLevel.ORANGE: 0, WarningLevel.YELLOW: 1}}
    assert store.warnings.level_counts(staff["swj"], store.now()) == {}
    assert [w["department"] for w in store.warnings.warned_tickets(None, store.now())] == [RSJ]
    store.tickets.reply(staff["rsj"], tid, "已答复")
    a = reports.assess(store, D(2026, 9, 1), D(2026, 9, 30), store.now())
    assert a.by_id(rsj_id).dispatched == 1 and a.by_id(rsj_id).replied == 1 and a.by_id(rsj_id).replied_on_time == 0
    assert a.by_id(swj_id).dispatched == 0 and a.by_id(zjj_id).dispatched == 0
    assert a.by_id(swj_id).rank is None and a.by_id(zjj_id).rank is None
    assert a.total.dispatched == 1


# ---------------------------------------------------------------- the calendar


TEST_SCHEDULE_2027 = """\
# TEST FIXTURE ONLY: not the State Council's 2027 notice; the 元旦 holiday is one
# day longer than the estimate so that due dates visibly move.
year = 2027
source = "测试用 2027 日历"
holidays = [
  { name = "元旦", start = 2027-01-01, end = 2027-01-04 },
]
workdays = []
"""


def test_calendar_load_moves_part_deadlines_with_history(store, staff, clock, zjj):
    tid = _joint(store, staff, clock, when="2026-12-28T10:00:00+08:00")  # Monday
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    store.joint.submit_part(zjj, tid, "已核查")  # a submitted part keeps its deadline
    # estimate: Dec 29, 30, 31, (Jan 1 off, weekend) Jan 4 → the part; Jan 5 → the lead
    parts = store.joint.parts(staff["sup"], tid)
    assert [(p.due_date, p.due_provisional) for p in parts] == [(D(2027, 1, 4), True), (D(2027, 1, 4), True)]
    before = store.tickets.get(staff["sup"], tid)
    moved = store.schedules.load(staff["sup"], YearSchedule.from_toml(TEST_SCHEDULE_2027))
    assert moved == 2  # the lead's due date and one open part
    swj_part, zjj_part = store.joint.parts(staff["sup"], tid)
    assert (swj_part.due_date, swj_part.due_provisional) == (D(2027, 1, 5), False)
    assert zjj_part.due_date == D(2027, 1, 4)
    after = store.tickets.get(staff["sup"], tid)
    assert after.due_date == D(2027, 1, 6) and after.version == before.version + 2
    last = _events(store, staff, tid)[-1]
    assert last.action == "recompute_due" and last.actor == "sup" and "协办期限" in last.note
    assert last.changes == {"协办期限（市税务局）": ["2027-01-04", "2027-01-05"], "协办期限暂定（市税务局）": ["是", "否"]}
    assert store.schedules.load(staff["sup"], YearSchedule.from_toml(TEST_SCHEDULE_2027)) == 0


# ---------------------------------------------------------------- 会商


def test_record_consultation_validates_and_appends(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    clock.set("2026-10-09T16:00:00+08:00")
    bad = [
        (dict(held_on="2026-10-10"), "不能晚于今天"),
        (dict(held_on="2026-09-29"), "早于工单受理日期"),
        (dict(held_on="十月九日"), "不是有效日期"),
        (dict(departments=[]), "至少选择一个参会单位"),
        (dict(conclusions="  "), "会商结论不能为空"),
        (dict(tasks=[{"department": "市不存在局", "task": "核查"}]), "找不到单位"),
        (dict(tasks=[{"department": ZJJ, "task": ""}]), "没有填写任务内容"),
        (dict(tasks=[{"department": "", "task": "核查"}]), "没有填写承办单位"),
        (dict(tasks=[{"department": ZJJ, "task": "核查", "due": "2026-10-08"}]), "早于会商日期"),
    ]
    good = dict(held_on="2026-10-09", departments=[RSJ, SWJ, ZJJ, SWJ], conclusions="由市人社局牵头答复；住建核查施工许可")
    for change, message in bad:
        with pytest.raises((InvalidAction, NotFound), match=message):
            kw = {**good, **change}
            store.joint.record_consultation(staff["clerk"], tid, kw.pop("held_on"), kw.pop("departments"),
                                      kw.pop("conclusions"), **kw)
    assert store.joint.consultations(staff["sup"], tid) == []
    t = store.joint.record_consultation(
        staff["rsj"], tid, "2026-10-09", [RSJ, SWJ, ZJJ, SWJ], "由市人社局牵头答复；住建核查施工许可",
        place="市民中心[b]3楼[/b]会议室", attendees="张三、李四",
        tasks=[{"department": ZJJ, "task": "核查施工许可", "due": D(2026, 10, 12)}, {"department": SWJ, "task": "出具证明"}])
    [m] = store.joint.consultations(staff["swj"], tid)  # a supporting liaison reads the minutes
    assert (m.held_on, m.place, m.departments, m.attendees) == (D(2026, 10, 9), "市民中心[b]3楼[/b]会议室", (RSJ, SWJ, ZJJ), "张三、李四")
    assert [(x.department, x.task, x.due) for x in m.tasks] == [(ZJJ, "核查施工许可", D(2026, 10, 12)), (SWJ, "出具证明", None)]
    assert m.recorded_by == "rsj"
    last = _events(store, staff, tid)[-1]
    assert last.action == "record_consultation" and last.actor == "rsj"
    assert t.version == store.tickets.get(staff["sup"], tid).version
    assert last.note.startswith("会商（2026-10-09，市民中心[b]3楼[/b]会议室）：参会单位 市人社局、市税务局、市住建局")
    # the minutes are append-only in the database itself
    for sql in ("UPDATE consultations SET conclusions = 'x'", "DELETE FROM consultations"):
        with pytest.raises(sqlite3.DatabaseError, match="会商记录只能追加"):
            store.conn.execute(sql)
    # closed tickets take no new minutes
    store.tickets.sign(staff["rsj"], tid)
    store.tickets.reply(staff["rsj"], tid, "已答复")
    store.tickets.follow_up(staff["clerk"], tid, "满意")
    with pytest.raises(InvalidAction, match="已办结"):
        store.joint.record_consultation(staff["clerk"], tid, "2026-10-09", [RSJ], "补记")


def test_a_supporting_department_made_lead_by_redispatch_owes_no_part(store, staff, clock, zjj):
    tid = _joint(store, staff, clock)
    store.joint.assign_parts(staff["clerk"], tid, [SWJ, ZJJ])
    clock.set("2026-10-08T09:00:00+08:00")  # within 2 working days: the return goes straight back
    store.tickets.return_ticket(staff["rsj"], tid, "不属于本单位职责")
    t = store.tickets.dispatch(staff["clerk"], tid, SWJ)
    assert t.department_id == store.department(SWJ).id
    open_parts = [p.department for p in store.joint.parts(staff["sup"], tid) if p.withdrawn_at is None]
    assert open_parts == ["市住建局"]
    assert "原协办单位改任主办" in _events(store, staff, tid)[-1].note
    # the new lead signs and replies as lead; no late-part notice for itself
    store.tickets.sign(staff["swj"], tid)
    late = store.joint.late_parts(staff["sup"], clock.now() + dt.timedelta(days=30))
    assert [p.department for p in late] == [ZJJ]
