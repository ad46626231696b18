"""The queue and the warning panel stay indexed at 1,000,000 tickets.

Each store call is run with ``sqlite3``'s trace callback on ``store.conn``,
which hands over the exact SQL (parameters expanded); ``EXPLAIN QUERY PLAN``
of that SQL must use an index on ``tickets`` and never scan the table.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xzconsole.models import TicketIntake
from xzconsole.rules import WarningLevel
from xzconsole.store import TicketFilter


@pytest.fixture
def busy(store, staff, clock):
    """Sixty tickets in every open state over two departments and five weeks."""
    start = dt.datetime(2026, 10, 19, 9, 0)
    for i in range(60):
        clock.set(start + dt.timedelta(days=i // 2, hours=i % 5))
        t = store.accept(staff["clerk"], TicketIntake(appeal_type=["complaint", "consultation", "other"][i % 3],
                                                      enterprise_name=f"徐州计划{i}有限公司", content="诉求内容"))
        if i % 5 == 0:
            continue
        dept, liaison = ("市人社局", "rsj") if i % 2 else ("市税务局", "swj")
        t = store.dispatch(staff["clerk"], t.id, dept)
        if i % 3 == 0:
            store.sign(staff[liaison], t.id)
    clock.set("2026-11-26T10:00:00+08:00")
    return store


def plans_of(store, call) -> list[tuple[str, list[str]]]:
    """(sql, plan lines) of every SELECT on tickets that ``call`` ran."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        store.conn.set_trace_callback(None)
    out = []
    for sql in seen:
        s = sql.strip()
        if s.upper().startswith("SELECT") and "FROM tickets" in s:
            plan = [r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + s)]
            out.append((s, plan))
    return out


def assert_indexed(found):
    assert found, "no query on tickets was traced"
    for sql, plan in found:
        text = " | ".join(plan)
        assert "USING INDEX" in text or "USING COVERING INDEX" in text, (sql, plan)
        for line in plan:
            if line.startswith("SCAN t"):  # tickets or its alias t
                assert "USING" in line and "INDEX" in line, (sql, plan)


def test_warning_panel_queries_use_indexes(busy, staff):
    assert_indexed(plans_of(busy, lambda: busy.level_counts()))
    assert_indexed(plans_of(busy, lambda: busy.level_counts(staff["rsj"])))
    assert_indexed(plans_of(busy, lambda: busy.warned_tickets()))
    assert_indexed(plans_of(busy, lambda: busy.warned_tickets(staff["swj"])))


@pytest.mark.parametrize("sort", ["received", "due", "warning"])
def test_queue_sorts_use_indexes(busy, staff, sort):
    first = busy.list_tickets(staff["clerk"], sort=sort, limit=10)
    assert len(first) == 10
    key = busy.page_key(first[-1], sort)
    assert_indexed(plans_of(busy, lambda: busy.list_tickets(staff["clerk"], sort=sort, limit=10)))
    assert_indexed(plans_of(busy, lambda: busy.list_tickets(staff["clerk"], sort=sort, after=key, limit=10)))


@pytest.mark.parametrize("sort", ["received", "due"])
def test_department_filters_and_status_tabs_use_indexes(busy, staff, sort):
    rsj = staff["rsj"].department_id
    for actor, f in ((staff["clerk"], TicketFilter(department_id=rsj)),
                     (staff["rsj"], None),
                     (staff["clerk"], TicketFilter(statuses=["dispatched"])),
                     (staff["clerk"], TicketFilter(statuses=["dispatched", "signed", "reopened"])),
                     (staff["rsj"], TicketFilter(statuses=["signed"])),
                     (staff["clerk"], TicketFilter(level=WarningLevel.YELLOW))):
        assert_indexed(plans_of(busy, lambda: busy.list_tickets(actor, f, sort=sort, limit=20)))


def test_counts_by_status_use_indexes(busy, staff):
    for status in ("new", "dispatched", "signed", "closed"):
        assert_indexed(plans_of(busy, lambda: busy.count_tickets(staff["clerk"], TicketFilter(statuses=[status]))))
    assert_indexed(plans_of(busy, lambda: busy.count_tickets(staff["rsj"], TicketFilter(statuses=["dispatched"]))))
    assert_indexed(plans_of(busy, lambda: busy.count_tickets(staff["clerk"], TicketFilter(level=WarningLevel.RED))))
