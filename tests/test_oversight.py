"""Oversight accounts (issue 14): 市营商办 and 市纪委监委 see the tickets at
their warning level and above, from the store up through ``warnings --json``
and ``export tickets``; they act on nothing in the workflow, record 二次督办,
and 纪委监委 opens and closes 问责 records (append-only, in the history).
The supervisor's approvals inbox (pending 延期 / 超期退回) is here too.

The dataset, on the official 2026 calendar, frozen at Thursday 2026-11-26 09:30:

* RED (市人社局): consultation dispatched Mon 11-09, due Thu 11-12 — 10 working days over;
* ORANGE (市税务局): dispatched Tue 11-17, due Fri 11-20 — 4 over;
* YELLOW (市人社局): dispatched Thu 11-19, due Tue 11-24 — 2 over;
* LATE (市税务局): dispatched 11-09, replied Tue 11-24 while red (max_level red, replied);
* TODAY (市人社局): a policy consultation dispatched Wed 11-25, due today.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from test_import import run

from xzconsole import rules
from xzconsole.errors import InvalidAction, PermissionDenied, StaleTicket, StoreError
from xzconsole.models import Action, Role, Staff, Status, TicketIntake
from xzconsole.rules import WarningLevel
from xzconsole.store import Store, TicketFilter

NOW = "2026-11-26T09:30:00+08:00"


def _ticket(store: Store, staff: dict, taken: str, dispatched: str, kind: str, name: str, dept: str) -> int:
    store.clock.set(taken)  # type: ignore[attr-defined]
    tid = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name,
                                                            content=f"{name}的诉求")).id
    store.clock.set(dispatched)  # type: ignore[attr-defined]
    store.tickets.dispatch(staff["clerk"], tid, dept)
    store.tickets.sign(staff["rsj" if dept == "市人社局" else "swj"], tid)
    return tid


@pytest.fixture
def ladder(store: Store, staff: dict) -> dict[str, int]:
    admin = staff["admin"]
    store.staff.add(admin, "yshb", "营商办", name="营商办督查员")
    store.staff.add(admin, "jw", "纪委监委", name="纪委监委干部")
    ids = {
        "RED": _ticket(store, staff, "2026-11-09T09:00:00+08:00", "2026-11-09T10:00:00+08:00", "consultation",
                       "徐州云龙机械有限公司", "市人社局"),
        "ORANGE": _ticket(store, staff, "2026-11-17T09:00:00+08:00", "2026-11-17T10:00:00+08:00", "consultation",
                          "江苏彭城光电科技有限公司", "市税务局"),
        "YELLOW": _ticket(store, staff, "2026-11-19T09:00:00+08:00", "2026-11-19T10:00:00+08:00", "consultation",
                          "徐州淮海物流集团有限公司", "市人社局"),
        "LATE": _ticket(store, staff, "2026-11-09T09:05:00+08:00", "2026-11-09T10:05:00+08:00", "consultation",
                        "邳州市银杏食品有限公司", "市税务局"),
        "TODAY": _ticket(store, staff, "2026-11-25T09:00:00+08:00", "2026-11-25T10:00:00+08:00",
                         "policy_consultation", "新沂市晨光纺织有限公司", "市人社局"),
    }
    store.clock.set("2026-11-24T15:00:00+08:00")  # type: ignore[attr-defined]
    store.tickets.reply(staff["swj"], ids["LATE"], "已答复企业（超期）")
    store.clock.set(NOW)  # type: ignore[attr-defined]
    return ids


@pytest.fixture
def yshb(store, ladder) -> Staff:
    return store.staff.get("yshb")


@pytest.fixture
def jw(store, ladder) -> Staff:
    return store.staff.get("jw")


def _ids(tickets) -> set[int]:
    return {t.id for t in tickets}


# ---------------------------------------------------------------- roles


def test_the_two_roles_have_chinese_labels_and_accept_short_names():
    assert Role.parse("营商办") is Role.BUSINESS_OFFICE and Role.parse("市营商办") is Role.BUSINESS_OFFICE
    assert Role.parse("纪委监委") is Role.DISCIPLINE and Role.parse("市纪委监委") is Role.DISCIPLINE
    assert Role.parse("business_office").label == "市营商办"
    assert Role.parse("discipline").label == "市纪委监委"


def test_staff_add_takes_the_roles_and_refuses_a_department(store, staff, capsys):
    code, out, err = run(capsys, "staff", "add", "yshb2", "--role", "营商办", "--name", "钱督查", "--db", store.path,
                         login="admin")
    assert code == 0 and "市营商办" in err
    assert store.staff.get("yshb2").role is Role.BUSINESS_OFFICE
    with pytest.raises(StoreError, match="全部承办单位"):
        store.staff.add(staff["admin"], "jw2", "discipline", department="市人社局")


def test_a_database_of_the_previous_schema_takes_the_new_roles(tmp_path, clock):
    """The staff table's role CHECK is rebuilt by the migration, accounts kept."""
    from xzconsole.areas import schema

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    before = schema.MIGRATIONS.index(schema._OVERSIGHT)  # the schema just before the oversight roles
    for version, script in enumerate(schema.MIGRATIONS[:before], 1):
        for statement in schema.split_sql(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO staff(login, name, role, created_at) VALUES ('old', '老管理员', 'admin', '2026-01-01T00:00:00+08:00')")
    conn.commit()
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO staff(login, role, created_at) VALUES ('x', 'discipline', '2026-01-01')")
    conn.close()
    s = Store(path, clock)
    try:
        assert s.staff.get("old").role is Role.ADMIN
        s.load_reference_data()
        assert s.staff.add(s.staff.get("old"), "jw", "discipline").role is Role.DISCIPLINE
    finally:
        s.disconnect()


# ---------------------------------------------------------------- scope


def test_each_role_sees_exactly_its_levels_in_the_queue(store, staff, ladder, yshb, jw):
    everyone = _ids(store.queue.list_tickets(staff["sup"], limit=100))
    assert everyone == set(ladder.values())
    # 市营商办: orange and red now, and the ticket that was red when it was answered
    assert _ids(store.queue.list_tickets(yshb, limit=100)) == {ladder["RED"], ladder["ORANGE"], ladder["LATE"]}
    assert store.queue.count_tickets(yshb) == 3
    assert store.queue.counts(yshb).total == 3 and store.queue.counts(yshb).by_status == {"signed": 2, "replied": 1}
    # 市纪委监委: red now or ever
    assert _ids(store.queue.list_tickets(jw, limit=100)) == {ladder["RED"], ladder["LATE"]}
    counts = store.queue.counts(jw)
    assert counts.total == 2 and counts.by_level[int(WarningLevel.RED)] == 1 and counts.by_level[int(WarningLevel.ORANGE)] == 0
    assert counts.by_status == {"signed": 1, "replied": 1}
    # a tab, a search and the palette stay inside the scope
    assert _ids(store.queue.list_tickets(jw, TicketFilter(level=WarningLevel.ORANGE))) == set()
    yellow = store.tickets.get(staff["sup"], ladder["YELLOW"])
    page, _ = store.queue.page(yshb, TicketFilter(search=yellow.number))
    assert page == []
    assert store.queue.palette_tickets(yshb, yellow.number) == []
    assert _ids(store.queue.palette_tickets(yshb, "徐州")) == {ladder["RED"]}
    assert _ids(store.queue.by_ids(jw, list(ladder.values()))) == {ladder["RED"], ladder["LATE"]}


def test_a_ticket_below_the_level_is_refused_by_number(store, staff, ladder, yshb, jw):
    assert store.tickets.get(jw, ladder["RED"]).enterprise_name == "徐州云龙机械有限公司"
    with pytest.raises(PermissionDenied, match="红色预警"):
        store.tickets.get(jw, ladder["ORANGE"])
    with pytest.raises(PermissionDenied, match="橙色预警"):
        store.tickets.history(yshb, ladder["YELLOW"])
    assert store.tickets.get(yshb, ladder["ORANGE"]).id == ladder["ORANGE"]


def test_the_scope_moves_with_the_calendar(store, staff, ladder, jw):
    """ORANGE (due Fri 11-20) turns red after 5 working days: on Fri 11-27."""
    store.clock.set("2026-11-27T09:00:00+08:00")
    assert ladder["ORANGE"] in _ids(store.queue.list_tickets(jw, limit=100))
    assert store.tickets.get(jw, ladder["ORANGE"]).id == ladder["ORANGE"]


def test_warnings_list_exactly_their_levels(store, staff, ladder, yshb, jw):
    now = store.now()
    numbers = {t: store.tickets.get(staff["sup"], i).number for t, i in ladder.items()}
    assert [w["number"] for w in store.warnings.warned_tickets(staff["sup"], now)] == \
        [numbers["RED"], numbers["ORANGE"], numbers["YELLOW"]]
    assert [w["number"] for w in store.warnings.warned_tickets(yshb, now)] == [numbers["RED"], numbers["ORANGE"]]
    assert [w["number"] for w in store.warnings.warned_tickets(jw, now)] == [numbers["RED"]]
    dept = store.department("市人社局").id
    assert store.warnings.level_counts(jw, now) == {dept: {WarningLevel.RED: 1, WarningLevel.ORANGE: 0, WarningLevel.YELLOW: 0}}
    assert sum(sum(per.values()) for per in store.warnings.level_counts(yshb, now).values()) == 2
    # the notices (due today, unsigned …) are the center's, not theirs
    assert all(n == 0 for n, _ in store.warnings.notices(yshb, now).values())
    assert store.warnings.notices(staff["sup"], now)["due_today"][0] == 1


def test_warnings_json_and_export_respect_the_scope(store, staff, ladder, capsys):
    numbers = {t: store.tickets.get(staff["sup"], i).number for t, i in ladder.items()}
    code, out, err = run(capsys, "warnings", "--json", "--db", store.path, "--now", NOW, login="yshb")
    assert code == 0, err
    assert [json.loads(line)["number"] for line in out.splitlines()] == [numbers["RED"], numbers["ORANGE"]]
    code, out, err = run(capsys, "warnings", "--json", "--db", store.path, "--now", NOW, login="jw")
    assert [json.loads(line)["number"] for line in out.splitlines()] == [numbers["RED"]]
    assert [json.loads(line)["supervised_by"] for line in out.splitlines()] == ["市纪委监委"]
    code, out, err = run(capsys, "warnings", "--db", store.path, "--now", NOW, login="jw")
    assert code == 0 and numbers["RED"] in out and numbers["ORANGE"] not in out
    code, out, err = run(capsys, "export", "tickets", "--db", store.path, "--now", NOW, login="jw")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["number"] for r in rows} == {numbers["RED"], numbers["LATE"]}
    assert {r["max_warning"] for r in rows} == {"red"}
    code, out, err = run(capsys, "export", "tickets", "--db", store.path, "--now", NOW, login="yshb")
    assert {json.loads(line)["number"] for line in out.splitlines()} == {numbers["RED"], numbers["ORANGE"], numbers["LATE"]}
    code, out, err = run(capsys, "export", "tickets", "--db", store.path, "--now", NOW, login="sup")
    assert len(out.splitlines()) == 5


# ---------------------------------------------------------------- read-only for the workflow


@pytest.mark.parametrize("role", [Role.BUSINESS_OFFICE, Role.DISCIPLINE])
def test_the_state_machine_gives_them_no_workflow_action(role):
    for action in Action:
        for status in [None, *Status]:
            assert not rules.allowed(action, role, status), (action, status)


@pytest.mark.parametrize("login", ["yshb", "jw"])
def test_every_workflow_action_is_refused_in_the_store(store, staff, ladder, login):
    who = store.staff.get(login)
    red = ladder["RED"]
    t = store.tickets
    attempts = [
        lambda: t.accept(who, TicketIntake(appeal_type="consultation", enterprise_name="某企业", content="内容")),
        lambda: t.dispatch(who, red, "市税务局"),
        lambda: t.sign(who, red),
        lambda: t.return_ticket(who, red, "不属于本单位"),
        lambda: t.approve_return(who, red),
        lambda: t.reject_return(who, red, "理由"),
        lambda: t.request_extension(who, red, 2, "需要时间"),
        lambda: t.approve_extension(who, red),
        lambda: t.reject_extension(who, red, "理由"),
        lambda: t.reply(who, red, "答复"),
        lambda: t.follow_up(who, ladder["LATE"], "satisfied"),
        lambda: t.reopen(who, ladder["LATE"], "重办"),
        lambda: t.close(who, ladder["LATE"]),
        lambda: t.mark_confidential(who, red),
        lambda: t.supervise(who, red, "督办"),
        lambda: store.joint.assign_parts(who, red, ["市税务局"]),
        lambda: store.joint.record_consultation(who, red, "2026-11-26", ["市税务局"], "会商结论"),
    ]
    before = store.tickets.get(staff["sup"], red)
    events = len(store.tickets.history(staff["sup"], red))
    for attempt in attempts:
        with pytest.raises((PermissionDenied, InvalidAction)) as info:
            attempt()
        assert login != "yshb" or "市营商办" in str(info.value) or "只能由" in str(info.value)
    after = store.tickets.get(staff["sup"], red)
    assert after.version == before.version and after.status is Status.SIGNED
    assert len(store.tickets.history(staff["sup"], red)) == events


# ---------------------------------------------------------------- 二次督办 and 问责


def test_second_supervision_is_recorded_under_their_name_in_history(store, staff, ladder, yshb, jw):
    before = store.tickets.get(staff["sup"], ladder["ORANGE"]).version
    sup = store.oversight.second_supervise(yshb, ladder["ORANGE"], "请于明日前答复并说明超期原因")
    assert (sup.body, sup.level, sup.actor) == ("市营商办", int(WarningLevel.ORANGE), "yshb")
    assert store.tickets.supervisions(staff["sup"], ladder["ORANGE"])[-1].note.startswith("二次督办")
    last = store.tickets.history(staff["rsj"], ladder["RED"])  # the liaison still sees its own history
    assert last
    ev = store.tickets.history(staff["swj"], ladder["ORANGE"])[-1]
    assert ev.action_label == "二次督办" and "市营商办" in ev.note and ev.actor == "yshb"
    # the liaison's open reply form stays valid: an oversight note does not bump the version
    assert store.tickets.get(staff["sup"], ladder["ORANGE"]).version == before
    with pytest.raises(PermissionDenied):
        store.oversight.second_supervise(jw, ladder["ORANGE"], "越级")
    with pytest.raises(InvalidAction, match="督办意见"):
        store.oversight.second_supervise(jw, ladder["RED"], "  ")
    with pytest.raises(PermissionDenied):
        store.oversight.second_supervise(staff["clerk"], ladder["RED"], "受理员不能二次督办")


def test_accountability_opens_and_closes_append_only(store, staff, ladder, yshb, jw):
    case = store.oversight.open_accountability(jw, ladder["RED"], "红色预警超期 10 个工作日未答复")
    assert case.is_open and case.department == "市人社局" and case.opened_by == "jw"
    with pytest.raises(InvalidAction, match="未办结的问责"):
        store.oversight.open_accountability(jw, ladder["RED"], "重复启动")
    with pytest.raises(PermissionDenied, match="市纪委监委"):
        store.oversight.open_accountability(yshb, ladder["RED"], "营商办不能问责")
    with pytest.raises(InvalidAction, match="问责事由"):
        store.oversight.open_accountability(jw, ladder["LATE"], "")
    store.clock.set("2026-11-30T10:00:00+08:00")
    closed = store.oversight.close_accountability(jw, case.id, "通报批评")
    assert not closed.is_open and closed.outcome == "通报批评"
    assert closed.closed_at == dt.datetime.fromisoformat("2026-11-30T10:00:00+08:00")
    with pytest.raises(InvalidAction, match="已办结"):
        store.oversight.close_accountability(jw, case.id, "再次办结")
    # in the ticket's history, as everyone who may see the ticket sees it
    labels = [e.action_label for e in store.tickets.history(staff["rsj"], ladder["RED"])]
    assert labels[-2:] == ["启动问责", "问责办结"]
    assert [c.outcome for c in store.oversight.cases(staff["sup"], ladder["RED"])] == ["通报批评"]
    # another responsible department may be named, on a replied ticket as well
    other = store.oversight.open_accountability(jw, ladder["LATE"], "超期答复", department="市税务局")
    assert other.department == "市税务局"
    # the database itself refuses to change or delete a record
    with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
        store.conn.execute("UPDATE accountability SET outcome = '不予问责'")
    with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
        store.conn.execute("DELETE FROM accountability")


# ---------------------------------------------------------------- the approvals inbox


@pytest.fixture
def requests(store, staff, ladder) -> dict[str, int]:
    store.tickets.request_extension(staff["rsj"], ladder["YELLOW"], 3, "需现场核查")
    store.clock.set("2026-11-26T09:40:00+08:00")
    store.tickets.return_ticket(staff["swj"], ladder["ORANGE"], "属市市场监管局职责")  # past the window: a request
    return ladder


def test_pending_requests_say_who_why_due_and_what_changes(store, staff, requests):
    pending = store.oversight.pending_requests(staff["sup"])
    assert [(p.kind, p.ticket_id) for p in pending] == [("extension", requests["YELLOW"]), ("return", requests["ORANGE"])]
    ext, ret = pending
    assert (ext.asked_by, ext.asked_by_name, ext.reason, ext.days) == ("rsj", "人社联络员", "需现场核查", 3)
    # due Tue 11-24; 3 more working days on the calendar: Wed 11-25, Thu 11-26, Fri 11-27
    assert ext.due_date == dt.date(2026, 11, 24) and ext.new_due == dt.date(2026, 11, 27)
    assert "2026-11-24 → 2026-11-27" in ext.effect
    assert (ret.asked_by, ret.reason, ret.department) == ("swj", "属市市场监管局职责", "市税务局")
    assert "重新派发" in ret.effect
    assert store.oversight.pending_count(staff["sup"]) == 2
    assert store.oversight.pending_count(staff["clerk"]) == 0
    with pytest.raises(PermissionDenied):
        store.oversight.pending_requests(staff["clerk"])


def test_deciding_from_the_inbox(store, staff, requests):
    ext, ret = store.oversight.pending_requests(staff["sup"])
    with pytest.raises(InvalidAction, match="理由"):
        store.oversight.decide(staff["sup"], ret, False, " ")
    t = store.oversight.decide(staff["sup"], ext, True)
    assert t.due_date == dt.date(2026, 11, 27) and t.extension_days == 3 and t.pending_extension_days is None
    t = store.oversight.decide(staff["sup"], ret, False, "职责明确，请继续办理")
    assert t.pending_return_reason is None and t.status is Status.SIGNED
    assert store.oversight.pending_requests(staff["sup"]) == []
    # a request changed since it was listed is not decided blindly
    store.tickets.request_extension(staff["rsj"], requests["RED"], 2, "等待材料")
    (stale,) = store.oversight.pending_requests(staff["sup"])
    store.tickets.reply(staff["rsj"], requests["RED"], "已答复")
    with pytest.raises(StaleTicket):
        store.oversight.decide(staff["sup"], stale, True)


def test_the_demo_has_an_account_for_each_oversight_body(tmp_path, clock):
    import random

    from xzconsole.demo.staff import add_staff

    s = Store(tmp_path / "demo.db", clock)
    try:
        s.load_reference_data()
        add_staff(s, random.Random(7))
        assert s.staff.identify("demo_yshb").role is Role.BUSINESS_OFFICE
        assert s.staff.identify("demo_jw").role is Role.DISCIPLINE
    finally:
        s.disconnect()


def test_the_scope_and_inbox_counts_read_their_indexes(store, staff, ladder, yshb):
    """The counts that run on every queue refresh: the scope's status counts
    read (max_level, status) alone; the pending requests the partial index,
    even for one center (else every ticket of the city center is read)."""
    def plan(sql: str, params: list) -> str:
        return " / ".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params))

    assert "COVERING INDEX tickets_max_level" in plan(
        "SELECT status, count(*) FROM tickets WHERE max_level >= 2 GROUP BY +status", [])
    cond, params = store.queue.pending_where(staff["sup"], TicketFilter(center="市企业服务中心"))
    assert "tickets_pending" in plan(f"SELECT count(*) FROM tickets WHERE {cond}", params)
