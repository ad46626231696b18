"""The demo database: realistic, consistent with the rules, and usable by the workflow.

One demo of 3,000 tickets is built per module (about half a second) at a
fixed ``now`` (Thursday 2026-11-26 10:00 in Xuzhou) and checked the way a
trainer or a tester relies on it: every status and warning level is there,
identities are valid, due dates follow the calendar, histories are complete,
and the store's own actions work on demo tickets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pwd
import sqlite3

import pytest

from xzconsole import rules
from xzconsole.clock import FixedClock, local_date, parse_datetime
from xzconsole.demo import MARKUP_ENTERPRISE, _build, build_demo
from xzconsole.models import Role, Status, TicketIntake, validate_phone, validate_uscc
from xzconsole.rules import WarningLevel
from xzconsole.store import AWAITING, Store

NOW = parse_datetime("2026-11-26T10:00:00+08:00")
TICKETS = 3000


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("demo") / "demo.db")
    calls: list[tuple[int, int]] = []
    build_demo(path, TICKETS, NOW, lambda done, total: calls.append((done, total)))
    assert calls[-1] == (TICKETS, TICKETS)
    return path


@pytest.fixture
def demo(demo_path, tmp_path) -> Store:
    """A private copy per test, so workflow tests do not disturb the others."""
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(demo_path)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    s = Store(copy, FixedClock(NOW))
    yield s
    s.disconnect()


def _rows(store: Store, sql: str, params=()) -> list[sqlite3.Row]:
    return store.conn.execute(sql, params).fetchall()


def test_count_meta_and_every_status_now(demo):
    assert demo.q1("SELECT count(*) FROM tickets")[0] == TICKETS
    assert demo.is_demo()
    statuses = {r[0] for r in _rows(demo, "SELECT DISTINCT status FROM tickets")}
    assert statuses == {s.value for s in Status}
    open_share = demo.q1("SELECT avg(status != 'closed') FROM tickets")[0]
    assert 0.02 <= open_share <= 0.10


def test_every_warning_level_present_and_agrees_with_rules(demo):
    cal = demo.calendar()
    warned = demo.warned_tickets(now=NOW)
    levels = {w["level"] for w in warned}
    assert {"yellow", "orange", "red"} <= levels
    for w in warned:
        due = dt.date.fromisoformat(w["due_date"])
        assert rules.warning_level(due, NOW, cal).code == w["level"]
    # and tickets awaiting a reply that are not (yet) late
    awaiting = _rows(demo, "SELECT due_date FROM tickets WHERE status IN (?, ?, ?)", AWAITING)
    calm = [r for r in awaiting if rules.warning_level(dt.date.fromisoformat(r[0]), NOW, cal) is WarningLevel.NONE]
    assert calm
    # supervision records exist and name the body of their level
    for r in _rows(demo, "SELECT level, body FROM supervisions"):
        assert WarningLevel(r["level"]).supervised_by == r["body"]
    assert demo.q1("SELECT count(*) FROM supervisions WHERE level = 3")[0] > 0


def test_warning_panel_notices_present(demo):
    cal = demo.calendar()
    today = NOW.date()
    assert demo.q1("SELECT count(*) FROM tickets WHERE status IN (?, ?, ?) AND due_date = ?",
                   (*AWAITING, today.isoformat()))[0] > 0
    late_new = [r for r in _rows(demo, "SELECT received_at FROM tickets WHERE status = 'new'")
                if rules.dispatch_deadline(r[0], cal) < today]
    assert late_new, "a new ticket not dispatched by the end of the working day after intake"
    unsigned = [r for r in _rows(demo, "SELECT dispatched_at FROM tickets WHERE status = 'dispatched'")
                if rules.sign_deadline(r[0], cal) < today]
    assert unsigned, "a dispatched ticket not signed within 1 working day"
    assert demo.q1("SELECT count(*) FROM tickets WHERE pending_extension_days IS NOT NULL AND status IN (?, ?, ?)",
                   AWAITING)[0] > 0
    assert demo.q1("SELECT count(*) FROM tickets WHERE pending_return_reason IS NOT NULL AND status IN (?, ?, ?)",
                   AWAITING)[0] > 0


def test_identities_are_valid(demo):
    ents = _rows(demo, "SELECT uscc, contact_phone, district FROM enterprises")
    assert len(ents) >= 200
    assert len({e["uscc"] for e in ents}) == len(ents)
    districts = {"鼓楼区", "云龙区", "贾汪区", "泉山区", "铜山区", "丰县", "沛县", "睢宁县", "新沂市", "邳州市",
                 "徐州经济技术开发区", "徐州高新技术产业开发区"}
    for e in ents:
        assert validate_uscc(e["uscc"]) == e["uscc"]
        assert e["uscc"][2:6] == "3203"  # a Xuzhou division code
        assert validate_phone(e["contact_phone"])
        assert e["district"] in districts
    for r in _rows(demo, "SELECT uscc, contact_phone FROM tickets"):
        validate_uscc(r["uscc"])
        validate_phone(r["contact_phone"])


def test_due_dates_follow_the_calendar(demo):
    cal = demo.calendar()
    rows = _rows(demo, "SELECT * FROM tickets WHERE clock_start IS NOT NULL")
    assert len(rows) > TICKETS // 2
    for r in rows:
        start = dt.date.fromisoformat(r["clock_start"])
        due = rules.due_from_start(start, r["time_limit"], r["extension_days"], cal)
        assert r["due_date"] == due.isoformat(), r["number"]
        assert r["time_limit"] == rules.time_limit(r["appeal_type"])
        assert bool(r["due_provisional"]) == cal.provisional_between(start, due)
        assert r["extension_days"] <= rules.MAX_EXTENSION_DAYS
    # the clock starts on the day of the (latest) dispatch unless reopened
    for r in rows:
        if r["reopen_count"] == 0:
            assert r["clock_start"] == local_date(r["dispatched_at"]).isoformat()


def test_times_are_in_order_and_not_in_the_future(demo):
    now_s = NOW.isoformat()
    for r in _rows(demo, "SELECT * FROM tickets"):
        assert r["received_at"] <= now_s
        if r["dispatched_at"]:
            assert r["dispatched_at"] > r["received_at"]
        if r["signed_at"]:
            assert r["signed_at"] > r["dispatched_at"]
        if r["replied_at"] and r["signed_at"]:
            assert r["replied_at"] > r["signed_at"]
        if r["closed_at"] and r["replied_at"]:
            assert r["closed_at"] >= r["replied_at"]
        if r["status"] == "closed":
            assert r["closed_at"] and r["closed_at"] <= now_s and r["close_reason"]
        if r["status"] == "replied":
            assert r["replied_at"] and r["closed_at"] is None
        if r["status"] in AWAITING:
            assert r["department_id"] is not None and r["due_date"] and r["replied_at"] is None
        if r["status"] == "returned":
            assert r["department_id"] is None and r["return_count"] >= 1


def test_numbers_follow_the_store_format(demo):
    for r in _rows(demo, "SELECT number, received_at FROM tickets"):
        assert r["number"][:10] == "XZ" + local_date(r["received_at"]).strftime("%Y%m%d")
        assert len(r["number"]) == 15 and r["number"][10:].isdigit()
    # a new intake today continues the day's sequence
    clerk = demo.staff("demo_clerk")
    last = demo.q1("SELECT max(number) FROM tickets WHERE number LIKE 'XZ20261126%'")[0]
    t = demo.accept(clerk, TicketIntake(appeal_type="consultation", enterprise_name="徐州测试商贸有限公司", content="咨询"))
    assert t.number == f"XZ20261126{int(last[10:]) + 1:05d}"


def test_every_ticket_has_a_consistent_history(demo):
    events: dict[int, list[sqlite3.Row]] = {}
    for e in _rows(demo, "SELECT * FROM events ORDER BY id"):
        events.setdefault(e["ticket_id"], []).append(e)
    tickets = _rows(demo, "SELECT * FROM tickets")
    assert set(events) == {t["id"] for t in tickets}
    for t in tickets:
        evs = events[t["id"]]
        assert evs[0]["action"] == "accept" and evs[0]["to_status"] == "new"
        ats = [e["at"] for e in evs]
        assert ats == sorted(ats), t["number"]
        assert ats[-1] <= NOW.isoformat()
        # the status the history ends in is the ticket's status
        assert evs[-1]["to_status"] == t["status"], t["number"]
        # every action but the intake and a merge note bumped the version (Store._act)
        acts = [e for e in evs if e["action"] not in ("accept", "merged_from")]
        assert t["version"] == 1 + len(acts), t["number"]
        if acts:
            assert t["updated_at"] == acts[-1]["at"] and t["updated_by"] == acts[-1]["actor"]
        for e in evs:
            json.loads(e["changes"])
        kinds = {e["action"] for e in evs}
        if t["dispatched_at"]:
            assert "dispatch" in kinds
        if t["signed_at"]:
            assert "sign" in kinds
        if t["replied_at"]:
            assert kinds & {"reply", "direct_answer"}
        if t["followup_count"]:
            assert sum(e["action"] == "follow_up" for e in evs) == t["followup_count"]
    kinds = {e["action"] for evs in events.values() for e in evs}
    for needed in ("dispatch", "sign", "reply", "follow_up", "direct_answer", "return", "request_extension",
                   "approve_extension", "reopen", "merge", "merged_from", "supervise", "mark_confidential"):
        assert needed in kinds, needed


def test_returns_are_recorded_for_the_assessment(demo):
    rows = _rows(demo, "SELECT changes FROM events WHERE action IN ('return', 'approve_return')")
    assert rows
    for r in rows:
        assert json.loads(r["changes"])["department_id"][0] is not None


def test_merged_duplicates_point_at_an_earlier_ticket(demo):
    dups = _rows(demo, "SELECT * FROM tickets WHERE merged_into IS NOT NULL")
    assert dups
    for d in dups:
        assert d["status"] == "closed" and d["close_reason"] == "duplicate"
        target = demo.q1("SELECT * FROM tickets WHERE id = ?", (d["merged_into"],))
        assert target["id"] < d["id"] and target["enterprise_id"] == d["enterprise_id"]
        note = demo.q1("SELECT note FROM events WHERE ticket_id = ? AND action = 'merged_from'", (target["id"],))
        assert note and d["number"] in note[0]


def test_staff_accounts_per_role(demo):
    roles = {("demo_admin", Role.ADMIN), ("demo_clerk", Role.CLERK), ("demo_sup", Role.SUPERVISOR)}
    for login, role in roles:
        assert demo.identify(login).role is role
    for login, dept in (("demo_rsj", "市人社局"), ("demo_swj", "市税务局"), ("demo_zjj", "市住建局")):
        s = demo.identify(login)
        assert s.role is Role.DEPARTMENT and s.department_name == dept
    me = pwd.getpwuid(os.getuid()).pw_name
    assert demo.identify(me)  # plain `xzconsole --db demo.db` works for whoever built it
    # every actor in the histories is a staff account
    actors = {r[0] for r in _rows(demo, "SELECT DISTINCT actor FROM events")}
    logins = {s.login for s in demo.list_staff()}
    assert actors <= logins


def test_workflow_on_demo_tickets(demo):
    liaison = demo.staff("demo_rsj")
    row = demo.q1("SELECT id, number, version FROM tickets WHERE status = 'dispatched' AND department_id = ? "
                  "ORDER BY id DESC LIMIT 1", (liaison.department_id,))
    assert row is not None
    signed = demo.sign(liaison, row["number"], version=row["version"])
    assert signed.status is Status.SIGNED
    replied = demo.reply(liaison, row["number"], "已电话联系企业并说明政策，企业表示认可。", version=signed.version)
    assert replied.status is Status.REPLIED
    hist = demo.history(liaison, row["number"])
    assert [e.action for e in hist][-2:] == ["sign", "reply"]
    # a supervisor can approve a pending extension request
    sup = demo.staff("demo_sup")
    pend = demo.q1("SELECT id, version, extension_days, due_date FROM tickets WHERE pending_extension_days IS NOT NULL "
                   "AND status IN (?, ?, ?) LIMIT 1", AWAITING)
    t = demo.approve_extension(sup, pend["id"], version=pend["version"])
    assert t.extension_days > pend["extension_days"] and t.due_date.isoformat() > pend["due_date"]
    # the liaison sees only their department's tickets; confidential ones are masked
    own = demo.list_tickets(liaison, limit=200)
    assert own and all(t.department_id == liaison.department_id for t in own)


def test_markup_like_text_is_stored_literally(demo):
    ent = demo.q1("SELECT id FROM enterprises WHERE name = ?", (MARKUP_ENTERPRISE,))
    assert ent is not None
    rows = _rows(demo, "SELECT content, status FROM tickets WHERE enterprise_id = ?", (ent[0],))
    assert any("\x1b[31m" in r["content"] and "路灯[/]坏了" in r["content"] for r in rows)
    assert any(r["status"] != "closed" for r in rows)


def test_rebuild_replaces_and_is_deterministic(tmp_path):
    path = tmp_path / "d.db"
    path.write_bytes(b"not a database")
    (tmp_path / "d.db-wal").write_bytes(b"junk")

    def digest() -> str:
        c = sqlite3.connect(path)
        h = hashlib.sha256()
        for table in ("enterprises", "tickets", "events", "supervisions"):
            for row in c.execute(f"SELECT * FROM {table} ORDER BY id"):
                h.update(repr(row).encode())
        c.close()
        return h.hexdigest()

    build_demo(str(path), 400, NOW)
    first = digest()
    assert not (tmp_path / "d.db-wal").exists() or (tmp_path / "d.db-wal").read_bytes() != b"junk"
    build_demo(str(path), 400, NOW)
    assert digest() == first
    # rows generated in a forked child (the fast path for big builds) are the
    # same rows, and the index strategies give the same data
    _build(str(path), 400, NOW, None, pipeline=True, batch=50, drop="all")
    assert digest() == first
    c = sqlite3.connect(path)
    assert c.execute("SELECT count(*) FROM tickets").fetchone()[0] == 400
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    c.close()
