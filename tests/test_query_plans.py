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
        t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=["complaint", "consultation", "other"][i % 3],
                                                      enterprise_name=f"徐州计划{i}有限公司", content="诉求内容"))
        if i % 5 == 0:
            continue
        dept, liaison = ("市人社局", "rsj") if i % 2 else ("市税务局", "swj")
        t = store.tickets.dispatch(staff["clerk"], t.id, dept)
        if i % 3 == 0:
            store.tickets.sign(staff[liaison], t.id)
    clock.set("2026-11-26T10:00:00+08:00")
    return store


def plans_of(store, call, table: str | None = "tickets") -> list[tuple[str, list[str]]]:
    """(sql, plan lines) of every SELECT that ``call`` ran (on ``table``, or on any
    table when None); the SQL comes from the connection's trace callback."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        store.conn.set_trace_callback(None)
    out = []
    for sql in seen:
        s = sql.strip()
        if s.upper().startswith("SELECT") and (table is None or f"FROM {table}" in s):
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
    assert_indexed(plans_of(busy, lambda: busy.warnings.level_counts()))
    assert_indexed(plans_of(busy, lambda: busy.warnings.level_counts(staff["rsj"])))
    assert_indexed(plans_of(busy, lambda: busy.warnings.warned_tickets()))
    assert_indexed(plans_of(busy, lambda: busy.warnings.warned_tickets(staff["swj"])))


@pytest.mark.parametrize("sort", ["received", "due", "warning"])
def test_queue_sorts_use_indexes(busy, staff, sort):
    first = busy.queue.list_tickets(staff["clerk"], sort=sort, limit=10)
    assert len(first) == 10
    key = busy.queue.page_key(first[-1], sort)
    assert_indexed(plans_of(busy, lambda: busy.queue.list_tickets(staff["clerk"], sort=sort, limit=10)))
    assert_indexed(plans_of(busy, lambda: busy.queue.list_tickets(staff["clerk"], sort=sort, after=key, limit=10)))


@pytest.mark.parametrize("sort", ["received", "due"])
def test_department_filters_and_status_tabs_use_indexes(busy, staff, sort):
    rsj = staff["rsj"].department_id
    for actor, f in ((staff["clerk"], TicketFilter(department_id=rsj)),
                     (staff["rsj"], None),
                     (staff["clerk"], TicketFilter(statuses=["dispatched"])),
                     (staff["clerk"], TicketFilter(statuses=["dispatched", "signed", "reopened"])),
                     (staff["rsj"], TicketFilter(statuses=["signed"])),
                     (staff["clerk"], TicketFilter(level=WarningLevel.YELLOW))):
        assert_indexed(plans_of(busy, lambda: busy.queue.list_tickets(actor, f, sort=sort, limit=20)))


def test_counts_by_status_use_indexes(busy, staff):
    for status in ("new", "dispatched", "signed", "closed"):
        assert_indexed(plans_of(busy, lambda: busy.queue.count_tickets(staff["clerk"], TicketFilter(statuses=[status]))))
    assert_indexed(plans_of(busy, lambda: busy.queue.count_tickets(staff["rsj"], TicketFilter(statuses=["dispatched"]))))
    assert_indexed(plans_of(busy, lambda: busy.queue.count_tickets(staff["clerk"], TicketFilter(level=WarningLevel.RED))))


# ---------------------------------------------------------------- centers (issue 7)

PIZHOU = "邳州市企业服务中心"


@pytest.fixture
def pizhou(busy, staff, clock):
    """A clerk of the 邳州 center and six tickets it took in, three dispatched."""
    pz = busy.staff.add(staff["admin"], "pz", "clerk", name="邳州受理", center="pizhou")
    clock.set("2026-11-20T09:00:00+08:00")
    for i in range(6):
        t = busy.tickets.accept(pz, TicketIntake(appeal_type="consultation", enterprise_name=f"邳州计划{i}有限公司",
                                         contact_phone=f"1390000{i:04d}", content="诉求内容"))
        if i % 2:
            busy.tickets.dispatch(pz, t.id, "市人社局")
    clock.set("2026-11-26T10:00:00+08:00")
    return pz


@pytest.mark.parametrize("sort", ["received", "due", "warning"])
def test_centered_queue_pages_use_indexes(busy, pizhou, sort):
    rsj = busy.department("市人社局").id
    for f in (TicketFilter(center=PIZHOU), TicketFilter(center=PIZHOU, statuses=["new"]),
              TicketFilter(center=PIZHOU, statuses=["dispatched", "signed", "reopened"]),
              TicketFilter(center=PIZHOU, level=WarningLevel.RED), TicketFilter(center=PIZHOU, department_id=rsj),
              TicketFilter(center="市企业服务中心", statuses=["dispatched"])):
        first, key = busy.queue.page(pizhou, f, sort=sort, limit=2)
        assert all(t.center == f.center for t in first)
        assert_indexed(plans_of(busy, lambda: busy.queue.page(pizhou, f, sort=sort, limit=2)))
        if key is not None:
            assert_indexed(plans_of(busy, lambda: busy.queue.page(pizhou, f, sort=sort, after=key, limit=2)))


def test_centered_counts_are_right_and_indexed(busy, staff, pizhou):
    counts = busy.queue.counts(pizhou, TicketFilter(center=PIZHOU))
    assert (counts.by_status, counts.total) == ({"new": 3, "dispatched": 3}, 6)
    everywhere = busy.queue.counts(pizhou, TicketFilter())
    assert everywhere.total == 66 and busy.queue.counts(pizhou, TicketFilter(center="市企业服务中心")).total == 60
    for f in (TicketFilter(center=PIZHOU), TicketFilter(center="市企业服务中心"), TicketFilter()):
        assert_indexed(plans_of(busy, lambda: busy.queue.counts(pizhou, f)))
    assert_indexed(plans_of(busy, lambda: busy.queue.counts(staff["rsj"], TicketFilter())))


def test_exact_search_within_a_center_follows_the_identifier_indexes(busy, pizhou):
    f = TicketFilter(center=PIZHOU, search="13900000003")
    found = plans_of(busy, lambda: busy.queue.page(pizhou, f))
    assert [t.contact_phone for t in busy.queue.page(pizhou, f)[0]] == ["13900000003"]
    assert busy.queue.count(pizhou, f) == 1
    assert_indexed(found)
    page = [plan for sql, plan in found if sql.startswith("SELECT *")]
    # the identifiers' indexes (a few rows), never a walk through the center's tickets
    assert page and "MULTI-INDEX OR" in page[0] and not any("tickets_center" in line for line in page[0])


def test_liaison_supporting_tab_uses_indexes(busy, staff):
    rsj, swj = staff["rsj"], staff["swj"]
    t = busy.queue.list_tickets(staff["clerk"], TicketFilter(department_id=swj.department_id), limit=1)[0]
    # a supporting part of 市人社局 on a ticket 市税务局 leads (written directly:
    # only the part's row matters to the queue)
    busy.conn.execute(
        "INSERT INTO ticket_parts(ticket_id, department_id, assigned_at, assigned_by, clock_start, time_limit, due_date) "
        "VALUES (?, ?, '2026-11-25T10:00:00+08:00', 'clerk', '2026-11-25', 3, '2026-11-30')", (t.id, rsj.department_id))
    f = TicketFilter(supporting=True)
    assert [x.id for x in busy.queue.page(rsj, f)[0]] == [t.id]
    assert busy.queue.counts(rsj, TicketFilter()).supporting == 1
    assert busy.queue.counts(swj, TicketFilter()).supporting == 0
    assert_indexed(plans_of(busy, lambda: busy.queue.page(rsj, f)))
    assert_indexed(plans_of(busy, lambda: busy.queue.counts(rsj, TicketFilter())))
