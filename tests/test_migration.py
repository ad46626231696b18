"""Upgrading a database of the first release (schema 1) in place to schema 2.

The schema-1 database is built by hand, exactly as the first release left it:
migration 1's statements, ``user_version = 1`` and rows written with plain
SQL (its staff, an enterprise, tickets with their history, a policy and the
feedback of two enterprises).  Opening it with :class:`Store` must run
migration 2 once and keep every row of version 1 as it was, while filling in
what the new version derives: each ticket's center from the staff member who
took it in, the enterprise search index, and the enterprise of each feedback.
"""

from __future__ import annotations

import sqlite3

import pytest

from xzconsole.areas import schema as store_module
from xzconsole.clock import FixedClock
from xzconsole.models import TicketIntake
from xzconsole.store import CITY_CENTER, Store

PIZHOU = "邳州市企业服务中心"
USCC = "91320382MA1XYZ1234"  # shape only: schema 1 never checked stored values


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]


@pytest.fixture
def schema1(tmp_path):
    """A schema-1 database with staff of two centers, three tickets and two feedbacks."""
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statement in store_module.split_sql(store_module.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    at = "2026-11-20T09:00:00+08:00"
    conn.execute("INSERT INTO departments(id, code, name, short_name, kind) VALUES (1, 'rsj', '徐州市人力资源和社会保障局', '市人社局', 'municipal')")
    conn.executemany("INSERT INTO staff(login, name, role, center, created_at) VALUES (?, ?, ?, ?, ?)", [
        ("admin", "系统管理员", "admin", CITY_CENTER, at),
        ("pz", "邳州受理", "clerk", PIZHOU, at),
        ("clerk", "王受理", "clerk", CITY_CENTER, at),
    ])
    conn.execute("INSERT INTO enterprises(id, name, uscc, district, created_at) VALUES (1, '邳州市银杏食品有限公司', ?, '邳州市', ?)",
                 (USCC, at))
    conn.execute("INSERT INTO enterprises(id, name, uscc, district, created_at) VALUES (2, '徐州淮海物流集团有限公司', NULL, '云龙区', ?)",
                 (at,))
    tickets = [
        # (id, number, enterprise, created_by, status, department)
        (1, "XZ2026112000001", 1, "pz", "dispatched", 1),
        (2, "XZ2026112000002", 2, "clerk", "new", None),
        (3, "XZ2026112000003", 2, "feed_importer", "closed", None),  # a login no longer on the staff list
    ]
    for tid, number, ent, by, status, dept in tickets:
        name = "邳州市银杏食品有限公司" if ent == 1 else "徐州淮海物流集团有限公司"
        conn.execute(
            "INSERT INTO tickets(id, number, received_at, source, appeal_type, enterprise_id, enterprise_name, uscc, "
            "content, status, department_id, created_by, updated_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (tid, number, at, "hotline", "complaint", ent, name, USCC if ent == 1 else None, "厂区门口路灯坏了", status,
             dept, by, by))
        conn.execute("INSERT INTO events(ticket_id, at, actor, action, to_status) VALUES (?, ?, ?, 'accept', 'new')",
                     (tid, at, by))
    conn.execute("INSERT INTO policies(id, title, doc_number, status) VALUES (1, '稳岗返还政策', '徐人社发〔2026〕1号', 'published')")
    conn.executemany(
        "INSERT INTO policy_feedback(policy_id, enterprise_name, uscc, topic, satisfaction, at, recorded_by) "
        "VALUES (1, ?, ?, '申报流程', 'satisfied', ?, 'clerk')",
        [("邳州银杏（简称）", USCC, at),  # found by its USCC, whatever the name says
         ("徐州淮海物流集团有限公司", None, at)])  # found by name
    conn.execute("COMMIT")
    before = {t: _rows(conn, t) for t in ("staff", "enterprises", "tickets", "events", "policies", "policy_feedback",
                                          "departments")}
    conn.close()
    return path, before


def test_schema_1_upgrades_in_place(schema1):
    path, before = schema1
    clock = FixedClock("2026-11-26T09:30:00+08:00")
    s = Store(path, clock)
    try:
        assert s.schema_version() == store_module.SCHEMA_VERSION
        # the center that took each ticket in, from its creator's staff record
        centers = {r["number"]: r["center"] for r in s.q("SELECT number, center FROM tickets")}
        assert centers == {"XZ2026112000001": PIZHOU, "XZ2026112000002": CITY_CENTER, "XZ2026112000003": CITY_CENTER}
        assert s.tickets.get(s.staff.get("pz"), "XZ2026112000001").center == PIZHOU

        # the enterprise directory's search index covers the records of version 1
        hits = [r[0] for r in s.q("SELECT rowid FROM enterprises_fts WHERE enterprises_fts MATCH ?", ('"银杏食品"',))]
        assert hits == [1]
        assert [r[0] for r in s.q("SELECT rowid FROM enterprises_fts WHERE enterprises_fts MATCH ?", ('"淮海物流"',))] == [2]
        # each feedback linked to its enterprise: by USCC, else by name
        assert [r[0] for r in s.q("SELECT enterprise_id FROM policy_feedback ORDER BY id")] == [1, 2]
        # migration 3: the queue's tally holds every old ticket, its search index every old text
        tally = {(r[0], r[1]): r[2] for r in s.q("SELECT center, status, sum(n) FROM ticket_tally GROUP BY 1, 2")}
        assert tally == {(r[0], r[1]): r[2] for r in s.q("SELECT center, status, count(*) FROM tickets GROUP BY 1, 2")}
        assert sum(tally.values()) == 3
        for number, name in s.q("SELECT number, enterprise_name FROM tickets"):
            found = s.q("SELECT t.number FROM tickets_fts f JOIN tickets t ON t.id = f.rowid WHERE tickets_fts MATCH ?",
                        (f'"{name[2:6]}"',))
            assert number in [r[0] for r in found], name

        # everything of version 1 is still there, column for column (migration 2
        # only appends columns, so a row's first columns are the old ones)
        for table, rows in before.items():
            width = len(rows[0]) if rows else 0
            assert [r[:width] for r in _rows(s.conn, table)] == rows, table
        assert s.integrity_check() == ["ok"]

        # and the upgraded database works: reference data, a new intake at 邳州
        s.load_reference_data()
        t = s.tickets.accept(s.staff.get("pz"), TicketIntake(appeal_type="consultation", enterprise_name="邳州市银杏食品有限公司",
                                                 content="咨询稳岗返还"))
        assert t.center == PIZHOU and t.enterprise_id == 1
    finally:
        s.disconnect()
    # opening it again changes nothing more
    again = Store(path, clock)
    try:
        assert again.migrate() == 0 and again.schema_version() == store_module.SCHEMA_VERSION
    finally:
        again.disconnect()
