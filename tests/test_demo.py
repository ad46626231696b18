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
from xzconsole.demo import MARKUP_ENTERPRISE, build_demo
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
    warned = demo.warnings.warned_tickets(now=NOW)
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
    ents = _rows(demo, "SELECT uscc, contact_phone, district, industry FROM enterprises")
    assert len(ents) >= 200
    codes = [e["uscc"] for e in ents if e["uscc"] is not None]
    assert len(set(codes)) == len(codes) >= len(ents) - 20  # a few met on visits or in feedback without one
    districts = {"鼓楼区", "云龙区", "贾汪区", "泉山区", "铜山区", "丰县", "沛县", "睢宁县", "新沂市", "邳州市",
                 "徐州经济技术开发区", "徐州高新技术产业开发区"}
    for e in ents:
        if e["uscc"] is not None:
            assert validate_uscc(e["uscc"]) == e["uscc"]
            assert e["uscc"][2:6] == "3203"  # a Xuzhou division code
        if e["contact_phone"]:
            assert validate_phone(e["contact_phone"])
        assert e["district"] in districts and e["industry"]
    for r in _rows(demo, "SELECT uscc, contact_phone FROM tickets"):
        if r["uscc"] is not None:  # a caller who gave only a name
            validate_uscc(r["uscc"])
        validate_phone(r["contact_phone"])
    for r in _rows(demo, "SELECT phone FROM enterprise_contacts"):
        validate_phone(r["phone"])


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
    clerk = demo.staff.get("demo_clerk")
    last = demo.q1("SELECT max(number) FROM tickets WHERE number LIKE 'XZ20261126%'")[0]
    t = demo.tickets.accept(clerk, TicketIntake(appeal_type="consultation", enterprise_name="徐州测试商贸有限公司", content="咨询"))
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
        assert demo.staff.identify(login).role is role
    for login, dept in (("demo_rsj", "市人社局"), ("demo_swj", "市税务局"), ("demo_zjj", "市住建局")):
        s = demo.staff.identify(login)
        assert s.role is Role.DEPARTMENT and s.department_name == dept
    me = pwd.getpwuid(os.getuid()).pw_name
    assert demo.staff.identify(me)  # plain `xzconsole --db demo.db` works for whoever built it
    # every actor in the histories is a staff account
    actors = {r[0] for r in _rows(demo, "SELECT DISTINCT actor FROM events")}
    logins = {s.login for s in demo.staff.all()}
    assert actors <= logins


def test_workflow_on_demo_tickets(demo):
    liaison = demo.staff.get("demo_rsj")
    row = demo.q1("SELECT id, number, version FROM tickets WHERE status = 'dispatched' AND department_id = ? "
                  "ORDER BY id DESC LIMIT 1", (liaison.department_id,))
    assert row is not None
    signed = demo.tickets.sign(liaison, row["number"], version=row["version"])
    assert signed.status is Status.SIGNED
    replied = demo.tickets.reply(liaison, row["number"], "已电话联系企业并说明政策，企业表示认可。", version=signed.version)
    assert replied.status is Status.REPLIED
    hist = demo.tickets.history(liaison, row["number"])
    assert [e.action for e in hist][-2:] == ["sign", "reply"]
    # a supervisor can approve a pending extension request
    sup = demo.staff.get("demo_sup")
    pend = demo.q1("SELECT id, version, extension_days, due_date FROM tickets WHERE pending_extension_days IS NOT NULL "
                   "AND status IN (?, ?, ?) LIMIT 1", AWAITING)
    t = demo.tickets.approve_extension(sup, pend["id"], version=pend["version"])
    assert t.extension_days > pend["extension_days"] and t.due_date.isoformat() > pend["due_date"]
    # the liaison sees only their department's tickets; confidential ones are masked
    own = demo.queue.list_tickets(liaison, limit=200)
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
        for table in ("enterprises", "tickets", "events", "supervisions", "ticket_parts", "consultations",
                      "enterprise_events", "enterprise_contacts", "outreach_activities"):
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
    build_demo(str(path), 400, NOW, None, pipeline=True, batch=50, drop="all")
    assert digest() == first
    c = sqlite3.connect(path)
    assert c.execute("SELECT count(*) FROM tickets").fetchone()[0] == 400
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    c.close()


# ---------------------------------------------------------------- issue 7: directory, centers, joint cases, outreach


def test_tickets_come_from_several_centers(demo):
    rows = _rows(demo, "SELECT center, count(*) AS n FROM tickets GROUP BY center")
    shares = {r["center"]: r["n"] / TICKETS for r in rows}
    assert len(shares) >= 3 and "市企业服务中心" in shares
    assert set(shares) <= {c["name"] for c in demo.centers()}
    assert 0.12 <= 1 - shares["市企业服务中心"] <= 0.3  # most at the city center
    # a ticket carries the center of the clerk who took it in, mostly from the county's own district
    wrong = demo.q1("SELECT count(*) FROM tickets t JOIN staff s ON s.login = t.created_by "
                    "WHERE s.center != t.center")[0]
    assert wrong == 0
    own = demo.q1("SELECT avg(c.district = t.district) FROM tickets t JOIN centers c ON c.name = t.center "
                  "WHERE c.level = 'county'")[0]
    assert own > 0.8


def test_well_known_enterprises_have_long_histories(demo):
    top = demo.q1("SELECT enterprise_id, count(*) AS n FROM tickets GROUP BY enterprise_id ORDER BY n DESC LIMIT 1")
    assert top["n"] >= 50
    eid = top["enterprise_id"]
    statuses = {r[0] for r in _rows(demo, "SELECT DISTINCT status FROM tickets WHERE enterprise_id = ?", (eid,))}
    assert statuses == {s.value for s in Status}
    sats = {r[0] for r in _rows(demo, "SELECT DISTINCT satisfaction FROM tickets WHERE enterprise_id = ? "
                                      "AND satisfaction IS NOT NULL", (eid,))}
    assert {"satisfied", "unsatisfied"} <= sats
    assert demo.q1("SELECT count(*) FROM tickets WHERE enterprise_id = ? AND reopen_count > 0", (eid,))[0]
    assert demo.q1("SELECT count(*) FROM supervisions s JOIN tickets t ON t.id = s.ticket_id "
                   "WHERE t.enterprise_id = ?", (eid,))[0]
    assert demo.q1("SELECT count(*) FROM enterprise_contacts WHERE enterprise_id = ? AND removed_at IS NULL",
                   (eid,))[0] >= 2
    assert demo.q1("SELECT count(*) FROM enterprise_pushes WHERE enterprise_id = ?", (eid,))[0]
    # every phone a ticket came from is on the record, as the store's intake leaves it
    unknown = demo.q1(
        "SELECT count(*) FROM tickets t JOIN enterprises e ON e.id = t.enterprise_id WHERE t.contact_phone != "
        "e.contact_phone AND NOT EXISTS (SELECT 1 FROM enterprise_contacts c WHERE c.enterprise_id = e.id "
        "AND c.phone = t.contact_phone)")[0]
    assert unknown == 0


def test_records_edited_and_merged_as_the_directory_leaves_them(demo):
    events: dict[int, list[sqlite3.Row]] = {}
    for e in _rows(demo, "SELECT * FROM enterprise_events ORDER BY id"):
        events.setdefault(e["enterprise_id"], []).append(e)
    assert {e["action"] for evs in events.values() for e in evs} >= {"edit", "contact_add", "contact_remove",
                                                                     "merge_in", "merged"}
    for eid, evs in events.items():
        ent = demo.q1("SELECT * FROM enterprises WHERE id = ?", (eid,))
        assert ent["version"] == 1 + len(evs)
        assert [e["at"] for e in evs] == sorted(e["at"] for e in evs)
        assert ent["updated_at"] == evs[-1]["at"] and ent["updated_by"] == evs[-1]["actor"]
    merged = _rows(demo, "SELECT * FROM enterprises WHERE merged_into IS NOT NULL")
    assert len(merged) == 2
    for drop in merged:
        keep = demo.q1("SELECT * FROM enterprises WHERE id = ?", (drop["merged_into"],))
        assert keep["merged_into"] is None and drop["uscc"] is None and keep["uscc"]
        assert demo.q1("SELECT count(*) FROM tickets WHERE enterprise_id = ?", (drop["id"],))[0] == 0
        moved = json.loads(next(e for e in events[keep["id"]] if e["action"] == "merge_in")["changes"])
        assert moved["merged_from"] == [None, drop["id"]] and moved["moved"]["tickets"]
        for t in _rows(demo, f"SELECT * FROM tickets WHERE id IN ({','.join('?' * len(moved['moved']['tickets']))})",
                       moved["moved"]["tickets"]):
            assert t["enterprise_id"] == keep["id"] and t["enterprise_name"] == drop["name"] and t["uscc"] is None
            assert t["received_at"] < drop["updated_at"]
        assert [e["action"] for e in events[drop["id"]]] == ["merged"]
        # the caller's number came along to the kept record
        assert demo.q1("SELECT 1 FROM enterprise_contacts WHERE enterprise_id = ? AND phone = ?",
                       (keep["id"], drop["contact_phone"]))
    sources = {r[0] for r in _rows(demo, "SELECT DISTINCT first_source FROM enterprises")}
    assert sources == {"import", "ticket", "visit", "feedback", "manual"}
    fb = _rows(demo, "SELECT f.*, e.name FROM policy_feedback f JOIN enterprises e ON e.id = f.enterprise_id")
    assert fb and len(fb) == demo.q1("SELECT count(*) FROM policy_feedback")[0]
    assert all(f["enterprise_name"] == f["name"] for f in fb)
    assert demo.q1("SELECT count(*) FROM policy_events WHERE action = 'push'")[0] >= \
        demo.q1("SELECT count(*) FROM enterprise_pushes")[0]


def test_associations_have_members_of_their_industry(demo):
    for a in demo.associations.summaries():
        assert 15 <= a.member_count <= 81, a.name
    gcjx = demo.q1("SELECT avg(e.industry IN ('工程机械', '汽车零部件')) FROM association_members m "
                   "JOIN enterprises e ON e.id = m.enterprise_id JOIN associations a ON a.id = m.association_id "
                   "WHERE a.code = 'gcjx'")[0]
    assert gcjx > 0.5
    edited = _rows(demo, "SELECT * FROM associations WHERE edited_at IS NOT NULL")
    assert len(edited) == 1 and edited[0]["version"] == 2
    # the newest line is the service staff's assignment (issue 15); the edit before it
    history = [h for h in demo.associations.history(edited[0]["id"]) if h["action"] != "service_staff"]
    assert history[0]["action"] == "subscriptions"
    assert history[0]["changes"]["categories"][1] == json.loads(edited[0]["categories"])
    assert demo.q1("SELECT count(*) FROM association_events WHERE action = 'member_remove'")[0] == 1
    # the markup-looking enterprise is a member, stored as typed
    assert demo.q1("SELECT count(*) FROM association_members m JOIN enterprises e ON e.id = m.enterprise_id "
                   "WHERE e.name = ?", (MARKUP_ENTERPRISE,))[0] == 1


def test_joint_cases_follow_the_part_rules(demo):
    cal = demo.calendar()
    parts = _rows(demo, "SELECT p.*, t.department_id AS lead, t.due_date AS lead_due, t.appeal_type, t.status, "
                        "t.dispatched_at FROM ticket_parts p JOIN tickets t ON t.id = p.ticket_id")
    dispatched = demo.q1("SELECT count(*) FROM tickets WHERE dispatched_at IS NOT NULL")[0]
    assert 0.005 <= len({p["ticket_id"] for p in parts}) / dispatched <= 0.03
    for p in parts:
        assert p["department_id"] != p["lead"]
        assert p["appeal_type"] in ("complaint", "report", "other")
        start = dt.date.fromisoformat(p["clock_start"])
        assert start == local_date(p["assigned_at"]) == local_date(p["dispatched_at"])
        assert p["time_limit"] == max(1, rules.time_limit(p["appeal_type"]) - 1)
        assert p["due_date"] == cal.add_workdays(start, p["time_limit"]).isoformat()
        assert p["due_date"] <= p["lead_due"]
        if p["submitted_at"] is None:
            assert p["status"] in AWAITING  # the lead answers once every part is in
    late_sent = [p for p in parts if p["submitted_at"] and local_date(p["submitted_at"]).isoformat() > p["due_date"]]
    assert late_sent and len(late_sent) < len(parts) / 2
    late_now = demo.joint.late_parts(demo.staff.get("demo_sup"), NOW)
    assert late_now and all(x.due_date < NOW.date() for x in late_now)
    # the history has each step, by the right people
    events = _rows(demo, "SELECT e.*, t.department_id AS lead FROM events e JOIN tickets t ON t.id = e.ticket_id "
                         "WHERE e.action IN ('assign_parts', 'submit_part', 'record_consultation')")
    by = {a: [e for e in events if e["action"] == a] for a in ("assign_parts", "submit_part", "record_consultation")}
    assert len(by["assign_parts"]) == len({p["ticket_id"] for p in parts})
    assert len(by["submit_part"]) == sum(p["submitted_at"] is not None for p in parts)
    assert len(by["record_consultation"]) == demo.q1("SELECT count(*) FROM consultations")[0] > 0
    for c in _rows(demo, "SELECT c.*, t.received_at FROM consultations c JOIN tickets t ON t.id = c.ticket_id"):
        assert c["held_on"] >= local_date(c["received_at"]).isoformat() and c["recorded_at"] <= NOW.isoformat()
        present = json.loads(c["departments"])
        assert len(present) >= 2 and all(t["department"] in present for t in json.loads(c["tasks"]))


def test_a_year_of_outreach(demo):
    acts = _rows(demo, "SELECT * FROM outreach_activities")
    months = {a["held_on"][:7] for a in acts}
    assert months == {f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, m) for m in range(1, 12)]}
    cal = demo.calendar()
    spring = [dt.date(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]  # 春节 2026-02-15 … 02-23
    assert not any(cal.is_workday(d) for d in spring)
    assert not {a["held_on"] for a in acts} & {d.isoformat() for d in spring}
    assert {a["kind"] for a in acts} == {"joint_event", "station", "visit", "cards"}
    for k in demo.outreach.progress(2026):
        assert 0.8 * k.expected <= k.total <= 1.05 * k.expected, k.kind.code  # around or a little behind pace
    assert all(k.done for k in demo.outreach.progress(2025))  # the launch month, planned as such
    voided = [a for a in acts if a["voided_at"]]
    assert len(voided) == 1 and voided[0]["void_reason"]
    assert any(a["place"] == "[b]张集镇[/b]企业服务站[/]" for a in acts)
    joint = [a for a in acts if a["kind"] == "joint_event"]
    assert all(len(json.loads(a["departments"])) >= 5 for a in joint)
    assert all(a["enterprises_reached"] >= demo.q1("SELECT count(*) FROM outreach_enterprises WHERE activity_id = ?",
                                                   (a["id"],))[0] for a in acts)


def test_visit_tickets_link_to_their_visits(demo):
    rows = _rows(demo, "SELECT t.*, a.kind, a.held_on, a.center AS a_center, a.voided_at, a.recorded_at "
                       "FROM tickets t JOIN outreach_activities a ON a.id = t.visit_id")
    assert len(rows) >= 5
    assert demo.q1("SELECT count(*) FROM tickets WHERE visit_id IS NOT NULL")[0] == len(rows)
    for t in rows:
        assert t["source"] == "visit" and t["kind"] == "visit" and t["voided_at"] is None
        assert local_date(t["received_at"]).isoformat() == t["held_on"] and t["recorded_at"] <= t["received_at"]
        assert t["center"] == t["a_center"]
        assert demo.q1("SELECT 1 FROM outreach_enterprises WHERE activity_id = ? AND enterprise_id = ?",
                       (t["visit_id"], t["enterprise_id"]))
        accept = demo.q1("SELECT note FROM events WHERE ticket_id = ? AND action = 'accept'", (t["id"],))[0]
        assert f"走访 #{t['visit_id']}" in accept
