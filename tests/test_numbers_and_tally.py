"""Ticket numbers past 99,999 a day, and the queue's tally that keeps itself.

Ticket numbers are ``XZ`` + the local date + a sequence of at least five
digits.  Compared as text, ``…100000`` sorts below ``…99999``: a number taken
as ``max(number) + 1`` then collided with an existing one and every later
intake of that day failed with a raw UNIQUE error (issue 12).  The sequence
now lives in ``ticket_seq``; a day without a row there continues after its
highest number compared as a number.
"""

from __future__ import annotations

import json

from xzconsole.models import TicketIntake
from xzconsole.services.importers import import_tickets


def _intake(store, staff, name="徐州恒达机械有限公司"):
    return store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name=name,
                                                             content="咨询稳岗返还的申请条件"))


def test_numbers_go_past_99999_a_day_without_colliding(store, staff):
    first = _intake(store, staff)
    assert first.number == "XZ2026112600001"
    with store.write() as c:  # as if 99,998 tickets had been taken in today
        c.execute("UPDATE ticket_seq SET last = 99998 WHERE day = '20261126'")
    numbers = [_intake(store, staff, f"徐州第{i}机械有限公司").number for i in range(3)]
    assert numbers == ["XZ2026112699999", "XZ20261126100000", "XZ20261126100001"]


def test_a_day_without_a_sequence_row_continues_after_its_highest_number(store, staff):
    # a database from before ticket_seq: numbers exist, the day has no row
    a, b = _intake(store, staff), _intake(store, staff, "徐州淮海物流有限公司")
    with store.write() as c:
        c.execute("UPDATE tickets SET number = 'XZ2026112699999' WHERE id = ?", (a.id,))
        c.execute("UPDATE tickets SET number = 'XZ20261126100000' WHERE id = ?", (b.id,))
        c.execute("DELETE FROM ticket_seq")
    assert _intake(store, staff, "徐州云龙食品有限公司").number == "XZ20261126100001"


def test_an_import_continues_the_days_sequence_and_the_console_after_it(store, staff, tmp_path):
    with store.write() as c:
        c.execute("INSERT INTO ticket_seq(day, last) VALUES ('20261103', 99999)")
    feed = tmp_path / "feed.jsonl"
    rows = [{"工单编号": f"HL{i:06d}", "来电时间": "2026-11-03 09:15", "诉求类型": "咨询求助",
             "企业名称": f"徐州第{i}商贸有限公司", "诉求内容": "咨询社保补贴"} for i in range(3)]
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    summary = import_tickets(store, feed, "clerk")
    assert summary.imported == 3
    got = sorted(r[0] for r in store.q("SELECT number FROM tickets WHERE number LIKE 'XZ20261103%'"))
    assert got == ["XZ20261103100000", "XZ20261103100001", "XZ20261103100002"]
    assert store.q1("SELECT last FROM ticket_seq WHERE day = '20261103'")[0] == 100002


def _tally_matches(store):
    tally = {tuple(r[:5]): r[5] for r in store.q("SELECT * FROM ticket_tally WHERE n != 0")}
    truth = {tuple(r[:5]): r[5] for r in store.q(
        "SELECT center, coalesce(department_id, 0), appeal_type, source, status, count(*) FROM tickets GROUP BY 1, 2, 3, 4, 5")}
    return tally == truth, tally, truth


def test_the_tally_follows_every_workflow_step(store, staff):
    t = _intake(store, staff)
    ok, *_ = _tally_matches(store)
    assert ok
    t = store.tickets.dispatch(staff["clerk"], t.id, "市人社局")
    t = store.tickets.sign(staff["rsj"], t.id)
    t = store.tickets.return_ticket(staff["rsj"], t.id, "不属于本单位职责")
    t = store.tickets.dispatch(staff["clerk"], t.id, "市税务局")
    t = store.tickets.sign(staff["swj"], t.id)
    t = store.tickets.reply(staff["swj"], t.id, "已电话答复企业")
    second = _intake(store, staff, "徐州淮海物流有限公司")
    store.tickets.close(staff["clerk"], second.id, note="重复诉求")
    ok, tally, truth = _tally_matches(store)
    assert ok, (tally, truth)
    assert sum(tally.values()) == 2
    assert tally[("市企业服务中心", store.department("市税务局").id, "consultation", "hotline", "replied")] == 1
