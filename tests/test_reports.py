"""The 三率 assessment and the bulletin (SPEC §8) on a hand-made month.

November 2026 (no holidays; 1 Nov is a Sunday), evaluated at Tue 1 Dec 10:00.
Every ticket is built through the store's own actions with the clock moved
between steps, so the figures come from the same rows real work leaves.

市人社局 (A) — 7 tickets dispatched in November:
  A1 咨询求助 Mon 11-02 → due 11-05; signed 11-02; replied 11-04; 满意, 已解决
  A2 咨询求助 Fri 11-06 16:00 → due 11-11; signed Tue 11-10 (LATE: by Mon 11-09); replied 11-11; 基本满意, 未解决
  A3 投诉 Mon 11-09 → due 11-16; signed 11-09; replied 11-20 (LATE, 4 working days over: orange); 不满意, 未解决
  A4 政策咨询 Tue 11-10 → due 11-11, extended 2 days → 11-13; signed; never replied (12 over at 12-01: red)
  A5 咨询求助 dispatched to 市市场监管局 Mon 11-16 09:00, returned 10:00, redispatched to A 14:00
     → due 11-19; signed Tue 11-17 (in time); replied 11-18; follow-up 未联系上
  A6 投诉 Mon 11-30 → due 12-07; signed 12-01 09:00; open and not yet due
  A7 咨询求助 Mon 11-02 → signed 11-02, replied 11-03, 不满意 未解决, 重办 11-04 (due 11-09),
     signed again 11-05, replied 11-06, 满意 已解决 (the latest call counts)
  R1 咨询求助 dispatched to A Mon 11-16 → due 11-19; signed 11-16; YELLOW from 11-20; A asks
     to return it Mon 11-23 09:00 (past the 2-day window: a request), approved 10:00
     (2 working days over: yellow, charged to A, by the date of the return);
     redispatched to 市人防办 (D) 14:00 → due 11-26; signed 11-24; replied 11-25 (on
     time); 满意 已解决.  It counts for D (its latest dispatch), never yellow there.
市税务局 (B) — 3 tickets:
  B1 咨询求助 Tue 11-03 → due 11-06; signed 11-04; replied Mon 11-09 (LATE: yellow)
  B2 政策咨询 Thu 11-19 → due 11-20; signed Sat 11-21 (LATE: the deadline was Fri 11-20); replied Sat 11-21 (yellow)
  B3 咨询求助 Tue 11-24 → due 11-27; never signed, never replied (2 over: yellow)
  no follow-up at all: 满意率 has no denominator
市市场监管局 (C) — nothing dispatched (A5 went back): listed, unranked, one return.
市人防办 (D) — R1 only: every rate 100 %, rank 1, but below the 3 dispatched the
  红黑榜 asks for, so not on it.
Outside the month: a ticket dispatched to A on 10-30 and one on 12-01.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import openpyxl
import pytest

from xzconsole.services import bulletin_files, reports
from xzconsole.clock import FixedClock, parse_datetime
from xzconsole.models import TicketIntake
from xzconsole.store import Store
from xzconsole.areas.feed import ImportedTicket

DATA = Path(__file__).resolve().parent.parent / "data"
NOV_START, NOV_END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
NOW = parse_datetime("2026-12-01T10:00:00+08:00")
A, B, C, D = "市人社局", "市税务局", "市市场监管局", "市人防办"


@pytest.fixture
def rstore(tmp_path, clock):
    """A store with the real departments and weights but no starter knowledge
    or policies (so data edits cannot move the expected numbers)."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("departments.toml", "weights.toml"):
        shutil.copy(DATA / name, data / name)
    s = Store(tmp_path / "r.db", clock)
    s.load_reference_data(data)
    admin = s.staff.add(None, "admin", "admin")
    s.staff.add(admin, "clerk", "clerk")
    s.staff.add(admin, "sup", "supervisor")
    s.staff.add(admin, "rsj", "department", department=A)
    s.staff.add(admin, "tax", "department", department=B)
    s.staff.add(admin, "scj", "department", department=C)
    s.staff.add(admin, "rfb", "department", department=D)
    yield s
    s.disconnect()


def _month(store: Store, clock: FixedClock) -> dict[str, int]:
    st = {login: store.staff.get(login) for login in ("clerk", "sup", "rsj", "tax", "scj", "rfb")}
    clerk, sup = st["clerk"], st["sup"]
    ids: dict[str, int] = {}

    def at(when: str) -> None:
        clock.set(f"2026-{when}:00+08:00")

    def new(key: str, when: str, kind: str) -> int:
        at(when)
        t = store.tickets.accept(clerk, TicketIntake(appeal_type=kind, enterprise_name=f"徐州{key}科技有限公司", content=f"诉求{key}"))
        ids[key] = t.id
        return t.id

    def step(when: str, fn, *args, **kw) -> None:
        at(when)
        fn(*args, **kw)

    a1 = new("A1", "11-02T08:30", "咨询求助")
    step("11-02T09:00", store.tickets.dispatch, clerk, a1, A)
    step("11-02T10:00", store.tickets.sign, st["rsj"], a1)
    step("11-04T15:00", store.tickets.reply, st["rsj"], a1, "已办理")
    step("11-05T09:00", store.tickets.follow_up, clerk, a1, "满意", resolved=True)

    a2 = new("A2", "11-06T15:00", "咨询求助")
    step("11-06T16:00", store.tickets.dispatch, clerk, a2, A)
    step("11-10T09:00", store.tickets.sign, st["rsj"], a2)
    step("11-11T17:00", store.tickets.reply, st["rsj"], a2, "已办理")
    step("11-12T09:00", store.tickets.follow_up, clerk, a2, "基本满意", resolved=False)

    a3 = new("A3", "11-09T08:00", "投诉")
    step("11-09T09:00", store.tickets.dispatch, clerk, a3, A)
    step("11-09T11:00", store.tickets.sign, st["rsj"], a3)
    step("11-20T16:00", store.tickets.reply, st["rsj"], a3, "已整改")
    step("11-23T09:00", store.tickets.follow_up, clerk, a3, "不满意", resolved=False)

    a4 = new("A4", "11-10T08:00", "政策咨询")
    step("11-10T09:00", store.tickets.dispatch, clerk, a4, A)
    step("11-10T10:00", store.tickets.sign, st["rsj"], a4)
    step("11-11T10:00", store.tickets.request_extension, st["rsj"], a4, 2, "需会商")
    step("11-11T11:00", store.tickets.approve_extension, sup, a4)

    a5 = new("A5", "11-16T08:00", "咨询求助")
    step("11-16T09:00", store.tickets.dispatch, clerk, a5, C)
    step("11-16T10:00", store.tickets.return_ticket, st["scj"], a5, "不属于本单位职责")
    step("11-16T14:00", store.tickets.dispatch, clerk, a5, A)
    step("11-17T09:00", store.tickets.sign, st["rsj"], a5)
    step("11-18T09:00", store.tickets.reply, st["rsj"], a5, "已答复")
    step("11-19T09:00", store.tickets.follow_up, clerk, a5, "未联系上")

    a6 = new("A6", "11-30T08:00", "投诉")
    step("11-30T09:00", store.tickets.dispatch, clerk, a6, A)
    step("12-01T09:00", store.tickets.sign, st["rsj"], a6)

    a7 = new("A7", "11-02T08:00", "咨询求助")
    step("11-02T09:30", store.tickets.dispatch, clerk, a7, A)
    step("11-02T11:00", store.tickets.sign, st["rsj"], a7)
    step("11-03T10:00", store.tickets.reply, st["rsj"], a7, "已答复")
    step("11-04T09:00", store.tickets.follow_up, clerk, a7, "不满意", resolved=False)
    step("11-04T10:00", store.tickets.reopen, clerk, a7, "企业不认可")
    step("11-05T09:00", store.tickets.sign, st["rsj"], a7)
    step("11-06T09:00", store.tickets.reply, st["rsj"], a7, "再次答复")
    step("11-09T09:00", store.tickets.follow_up, clerk, a7, "满意", resolved=True)

    r1 = new("R1", "11-16T08:30", "咨询求助")
    step("11-16T09:00", store.tickets.dispatch, clerk, r1, A)
    step("11-16T09:30", store.tickets.sign, st["rsj"], r1)
    step("11-23T09:00", store.tickets.return_ticket, st["rsj"], r1, "经核实属人防工程事项")
    step("11-23T10:00", store.tickets.approve_return, sup, r1)
    step("11-23T14:00", store.tickets.dispatch, clerk, r1, D)
    step("11-24T09:00", store.tickets.sign, st["rfb"], r1)
    step("11-25T09:00", store.tickets.reply, st["rfb"], r1, "已答复")
    step("11-26T09:00", store.tickets.follow_up, clerk, r1, "满意", resolved=True)

    b1 = new("B1", "11-03T08:00", "咨询求助")
    step("11-03T09:00", store.tickets.dispatch, clerk, b1, B)
    step("11-04T09:00", store.tickets.sign, st["tax"], b1)
    step("11-09T09:00", store.tickets.reply, st["tax"], b1, "已答复")

    b2 = new("B2", "11-19T09:00", "政策咨询")
    step("11-19T10:00", store.tickets.dispatch, clerk, b2, B)
    step("11-21T09:00", store.tickets.sign, st["tax"], b2)
    step("11-21T10:00", store.tickets.reply, st["tax"], b2, "已答复")

    b3 = new("B3", "11-24T08:00", "咨询求助")
    step("11-24T09:00", store.tickets.dispatch, clerk, b3, B)

    # outside the month, either side
    oct_ = new("OCT", "10-30T08:00", "咨询求助")
    step("10-30T09:00", store.tickets.dispatch, clerk, oct_, A)
    dec = new("DEC", "12-01T09:00", "咨询求助")
    step("12-01T09:30", store.tickets.dispatch, clerk, dec, A)
    step("12-01T09:45", store.tickets.sign, st["rsj"], dec)

    # knowledge and policies have no store API of their own yet: rows as the
    # library would hold them
    with store.write() as c:
        c.execute("INSERT INTO knowledge(question, answer, department, updated_at) VALUES "
                  "('稳岗返还怎么申请', '…', ?, '2026-11-20T10:00:00+08:00'), "
                  "('社保补贴标准', '…', ?, '2026-01-15T10:00:00+08:00')", (A, A))
        c.execute(
            "INSERT INTO policies(title, issuer, issued_at, published_at, status) VALUES "
            "('就业补贴办法', ?, '2026-11-02', '2026-11-04', 'published'), "
            "('技能提升补贴', ?, '2026-11-05', '2026-11-12', 'published'), "
            "('十月的政策', ?, '2026-10-28', '2026-10-30', 'published'), "
            "('省厅的政策', '江苏省人力资源和社会保障厅', '2026-11-09', '2026-11-10', 'published')",
            (A, A, A),
        )
    clock.set(NOW)
    return ids


@pytest.fixture
def month(rstore, clock):
    return _month(rstore, clock)


def test_four_rates_scores_and_ranks(rstore, month):
    a = reports.assess(rstore, NOV_START, NOV_END, NOW)
    assert len(a.departments) == len(rstore.departments()) == 70  # every department listed
    ra, rb, rc, rd = a.by_name(A), a.by_name(B), a.by_name(C), a.by_name(D)
    assert a.weights == {"response_rate": F(1, 5), "on_time_rate": F(3, 10), "resolution_rate": F(1, 4),
                         "satisfaction_rate": F(1, 4)} and a.min_dispatched == 3

    # 市人社局: A2 signed late; A7's first signature counts, not the one after 重办
    assert (ra.dispatched, ra.signed_in_time) == (7, 6)
    assert ra.response_rate == F(6, 7)
    # 按时办结率: A3 replied late, A4 unreplied past due, A6 open and not yet due: left out
    assert (ra.replied, ra.replied_on_time, ra.overdue_unreplied) == (5, 4, 1)
    assert ra.on_time_rate == F(4, 6)
    # 解决率: A1 and A7 (its latest call) 已解决, A2 and A3 未解决; A5 not reached
    assert (ra.resolved_yes, ra.resolved_no, ra.resolution_rate) == (2, 2, F(1, 2))
    # A1 满意, A2 基本满意, A3 不满意, A7 满意 (latest); A5 未联系上 left out
    assert (ra.satisfied, ra.basically_satisfied, ra.unsatisfied, ra.unreachable) == (2, 1, 1, 1)
    assert ra.satisfaction_rate == F(3, 4)
    # 100 × (0.20·6/7 + 0.30·2/3 + 0.25·1/2 + 0.25·3/4) = 100 × 383/560 ≈ 68.39
    assert ra.score == F(1915, 28)
    assert ra.rank == 2

    # 市税务局: B2 signed on the Saturday after a Friday deadline, B3 never
    assert (rb.dispatched, rb.signed_in_time, rb.response_rate) == (3, 1, F(1, 3))
    assert (rb.replied, rb.replied_on_time, rb.overdue_unreplied, rb.on_time_rate) == (2, 0, 1, F(0))
    # nobody called back: 解决率 and 满意率 are "—"; their 0.25 + 0.25 go to the other two
    assert rb.resolution_rate is None and rb.satisfaction_rate is None
    assert rb.score == F(40, 3)  # 100 × (0.20·1/3 + 0.30·0) / 0.50 ≈ 13.33
    assert rb.rank == 3

    # 市人防办: R1 only, every rate 100 %: first in the ranking, off the 红黑榜 (1 < 3 dispatched)
    assert (rd.dispatched, rd.signed_in_time, rd.replied_on_time, rd.resolved_yes, rd.satisfied) == (1, 1, 1, 1, 1)
    assert rd.score == 100 and rd.rank == 1

    # 市市场监管局: its only ticket went back; listed, not ranked
    assert rc.dispatched == 0 and rc.rank is None and rc.score is None
    assert (rc.response_rate, rc.on_time_rate, rc.resolution_rate, rc.satisfaction_rate) == (None, None, None, None)
    assert rc.returns == 1

    assert [d.department for d in a.ranking] == [D, A, B]
    assert [d.department for d in a.best] == [A, B]
    assert a.worst == []  # never on both lists
    assert all(d.rank is None for d in a.departments if d.department not in (A, B, D))


def test_min_dispatched_is_editable(rstore, month):
    """With the minimum at 1 市人防办 tops the 红榜; at 4 市税务局 (3) is off it too."""
    def lists(minimum: int) -> tuple[list[str], list[str]]:
        with rstore.write() as c:
            c.execute("UPDATE settings SET value = json_set(value, '$.min_dispatched', ?) WHERE key = 'weights'",
                      (minimum,))
        a = reports.assess(rstore, NOV_START, NOV_END, NOW)
        return [f.department for f in a.best], [f.department for f in a.worst]

    assert lists(1) == ([D, A, B], [])
    assert lists(4) == ([A], [])
    with rstore.write() as c:
        c.execute("UPDATE settings SET value = json_set(value, '$.min_dispatched', -1) WHERE key = 'weights'")
    with pytest.raises(ValueError, match="min_dispatched"):
        reports.assess(rstore, NOV_START, NOV_END, NOW)


def test_warning_is_charged_to_the_department_that_held_the_ticket(rstore, month):
    """R1 turned yellow at 市人社局, which then returned it; 市人防办 answered it in
    time: the yellow is 市人社局's (in the month of the return), not 市人防办's."""
    a = reports.assess(rstore, NOV_START, NOV_END, NOW)
    ra, rd = a.by_name(A), a.by_name(D)
    assert (ra.yellow, ra.orange, ra.red) == (1, 1, 1)  # R1 yellow; A3 orange at its reply; A4 red now
    assert (rd.yellow, rd.orange, rd.red) == (0, 0, 0)
    assert ra.returns == 1 and ra.dispatched == 7  # R1 counts for 市人防办's dispatched, not 市人社局's
    A_id, D_id = rstore.department(A).id, rstore.department(D).id
    assert reports.drill(rstore, A_id, "yellow", NOV_START, NOV_END, NOW) == [month["R1"]]
    assert reports.drill(rstore, D_id, "warned", NOV_START, NOV_END, NOW) == []
    # the ticket itself still shows the highest level it ever reached (SPEC §5)
    assert rstore.tickets.get(rstore.staff.get("sup"), month["R1"]).max_level == 1


def test_other_figures(rstore, month):
    a = reports.assess(rstore, NOV_START, NOV_END, NOW)
    ra, rb = a.by_name(A), a.by_name(B)
    assert ra.replied_on_time_rate == F(4, 5)
    assert (rb.yellow, rb.orange, rb.red) == (3, 0, 0)
    assert (ra.returns, ra.extensions, ra.reopens) == (1, 1, 1)
    assert (ra.follow_ups, ra.follow_ups_reached) == (6, 5)
    assert ra.satisfaction_rate_reached == F(3, 5)
    # working days to reply: A1 2, A2 3, A3 9, A5 2, A7 4 (to its latest reply)
    assert ra.mean_reply_workdays == F(20, 5)
    assert rb.mean_reply_workdays == F(5, 2)  # B1 4, B2 1
    assert (rb.follow_ups, rb.satisfaction_rate_reached) == (0, None)
    assert ra.knowledge_current == 1  # the January entry is older than 180 days
    assert (ra.policies_published, ra.policies_on_target, ra.mean_publication_lag) == (2, 1, F(7, 2))  # lags 2 and 5

    t = a.total
    assert (t.dispatched, t.signed_in_time, t.replied, t.replied_on_time, t.overdue_unreplied) == (11, 8, 8, 5, 2)
    assert (t.resolved_yes, t.resolved_no) == (3, 2)
    assert (t.response_rate, t.on_time_rate, t.resolution_rate, t.satisfaction_rate) == (F(8, 11), F(1, 2), F(3, 5), F(4, 5))
    assert t.score == F(710, 11)  # 100 × (0.20·8/11 + 0.30·1/2 + 0.25·3/5 + 0.25·4/5)
    assert (t.returns, t.extensions, t.yellow, t.orange, t.red) == (2, 1, 4, 1, 1)
    assert (t.policies_published, t.policies_on_target) == (3, 2)  # the province's policy too
    assert t.rank is None


def test_center_narrows_to_the_tickets_its_staff_took_in(rstore, month):
    assert reports.assess(rstore, NOV_START, NOV_END, NOW, center="市企业服务中心").total.dispatched == 11
    other = reports.assess(rstore, NOV_START, NOV_END, NOW, center="铜山区企业服务中心")
    assert other.total.dispatched == 0 and other.ranking == [] and other.total.returns == 0


def test_drill_down_names_the_tickets(rstore, month):
    A_id, C_id = rstore.department(A).id, rstore.department(C).id

    def d(metric, dept=A_id):
        return reports.drill(rstore, dept, metric, NOV_START, NOV_END, NOW)

    m = month
    assert d("dispatched") == sorted(m[k] for k in ("A1", "A2", "A3", "A4", "A5", "A6", "A7"))
    assert d("not_signed_in_time") == [m["A2"]]
    assert d("replied_late") == [m["A3"]]
    assert d("overdue_unreplied") == [m["A4"]]
    assert d("open_not_due") == [m["A6"]]
    assert d("unreachable") == [m["A5"]]
    assert d("orange") == [m["A3"]] and d("red") == [m["A4"]]
    assert d("extensions") == [m["A4"]] and d("reopened") == [m["A7"]]
    assert d("returns", C_id) == [m["A5"]]
    assert d("satisfaction_rate") == sorted(m[k] for k in ("A1", "A2", "A3", "A7"))
    assert d("not_signed_in_time", None) == sorted([m["A2"], m["B2"], m["B3"]])
    with pytest.raises(ValueError, match="无法下钻"):
        d("bogus")


def test_now_decides_what_is_overdue(rstore, month):
    """Evaluated on 11-25, A6 and B3 do not exist yet/are not due, and A4 is
    still red; B2's late signature happened."""
    early = parse_datetime("2026-11-25T12:00:00+08:00")
    rb = reports.assess(rstore, NOV_START, NOV_END, early).by_name(B)
    assert (rb.dispatched, rb.overdue_unreplied, rb.on_time_base) == (3, 0, 2)  # B3 not due till 11-27


def test_xlsx_reads_back_the_same_numbers(rstore, month, tmp_path):
    out = tmp_path / "bulletin.xlsx"
    bulletin_files.write_report(rstore, "2026-11", "xlsx", out, NOW)
    a = reports.assess(rstore, NOV_START, NOV_END, NOW)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["三率排名", "明细指标", "红黑榜", "政策发布", "政策采集与解读", "政策兑现", "定制点餐",
                             "说明"]  # no trend for a month

    ws = wb["三率排名"]
    assert [c.value for c in ws[1]] == ["排名", "单位", "派发量", "响应率", "按时办结率", "解决率", "满意率", "综合得分"]
    assert ws.freeze_panes == "A2" and all(c.font.bold for c in ws[1])
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    ra = a.by_name(A)
    # a spreadsheet keeps 15 significant digits: compare numbers to that
    rows = [[x if not isinstance(x, float) else pytest.approx(x, rel=1e-14) for x in r] for r in rows]
    assert rows[0] == [1, D, 1, 1.0, 1.0, 1.0, 1.0, 100.0]
    assert rows[1] == [2, A, 7, float(F(6, 7)), float(F(2, 3)), 0.5, 0.75, float(F(1915, 28))]
    assert rows[2] == [3, B, 3, float(F(1, 3)), 0.0, "—", "—", float(F(40, 3))]
    assert ws["D2"].number_format == "0.0%" and ws["H2"].number_format == "0.00"
    by_name = {r[1]: r for r in rows}
    assert by_name[C] == ["不参与排名", C, 0, "—", "—", "—", "—", "—"]
    assert len(rows) == 70 + 1 and rows[-1][1] == "全市合计" and rows[-1][2] == 11
    # Chinese counts double: the widest cell (不参与排名, 5 wide characters) fits
    assert ws.column_dimensions["A"].width >= 10

    detail = wb["明细指标"]
    header = [c.value for c in detail[1]]
    row = next(r for r in detail.iter_rows(min_row=2, values_only=True) if r[0] == A)
    got = dict(zip(header, row))
    assert got["派发量"] == 7 and got["按时签收"] == 6 and got["超期未答复"] == 1
    assert got["按时答复率"] == float(ra.replied_on_time_rate) and got["联系上满意率"] == 0.6
    assert got["按时办结率"] == pytest.approx(2 / 3, rel=1e-14)
    assert (got["已解决"], got["未解决"], got["解决率"]) == (2, 2, 0.5)
    assert (got["黄色预警"], got["橙色预警"], got["红色预警"]) == (1, 1, 1)
    assert got["平均答复用时（工作日）"] == 4.0 and got["平均发布时滞（工作日）"] == 3.5
    assert got["知识库有效条目"] == 1 and got["延期"] == 1 and got["重办"] == 1 and got["退回"] == 1

    boards = [list(r) for r in wb["红黑榜"].iter_rows(min_row=2, values_only=True)]
    assert [r[:4] for r in boards] == [["红榜", 2, A, 7], ["红榜", 3, B, 3]]  # 市人防办 (1 dispatched) is not on it
    pol = [list(r) for r in wb["政策发布"].iter_rows(min_row=2, values_only=True)]
    assert pol == [[A, 2, 3.5, 1, 0.5], ["全市合计", 3, pytest.approx(8 / 3, rel=1e-14), 2, pytest.approx(2 / 3, rel=1e-14)]]


def test_json_fields_and_nulls(rstore, month, tmp_path, capsys):
    bulletin_files.write_report(rstore, "2026-11", "json", None, NOW)
    objs = json.loads(capsys.readouterr().out)
    assert len(objs) == 70
    first, second, third = objs[:3]
    assert first["department"] == D and first["rank"] == 1 and first["score"] == 100
    assert second["department"] == A and second["rank"] == 2 and second["dispatched"] == 7
    assert second["response_rate"] == 6 / 7 and second["on_time_rate"] == 4 / 6
    assert second["resolution_rate"] == 0.5 and second["satisfaction_rate"] == 0.75
    assert second["score"] == pytest.approx(1915 / 28) and second["month"] == "2026-11"
    assert (second["resolved"], second["unresolved"], second["yellow"]) == (2, 2, 1)
    assert third["department"] == B and third["satisfaction_rate"] is None and third["on_time_rate"] == 0
    assert third["resolution_rate"] is None
    c = next(o for o in objs if o["department"] == C)
    assert c["rank"] is None and c["score"] is None and c["response_rate"] is None and c["returns"] == 1
    for key in ("replied", "replied_on_time", "replied_on_time_rate", "yellow", "orange", "red", "returns",
                "extensions", "reopens", "follow_ups", "satisfaction_rate_reached", "mean_reply_workdays",
                "knowledge_current", "policies_published", "mean_publication_lag"):
        assert key in first
    assert "trend" not in first  # one month: no trend


def test_markdown_has_the_ranking(rstore, month, tmp_path):
    out = tmp_path / "b.md"
    bulletin_files.write_report(rstore, "2026-11", "md", out, NOW)
    text = out.read_text(encoding="utf-8")
    assert "# 一月一通报 · 三率考核（2026年11月）" in text
    assert f"| 1 | {D} | 1 | 100.0% | 100.0% | 100.0% | 100.0% | 100.00 |" in text
    assert f"| 2 | {A} | 7 | 85.7% | 66.7% | 50.0% | 75.0% | 68.39 |" in text
    assert f"| 3 | {B} | 3 | 33.3% | 0.0% | — | — | 13.33 |" in text
    assert f"| 不参与排名 | {C} | 0 | — | — | — | — | — |" in text
    assert "| 红黑榜 | 只在派发量不少于 3 件的单位中评选" in text
    assert text.index("## 三率排名") < text.index("## 红黑榜")


# Q4 2026 adds the two tickets outside November: OCT (市人社局, dispatched Fri
# 10-30, due 11-04, never signed nor replied: red by 12-01) and DEC (市人社局,
# dispatched and signed 12-01, not yet due).
Q4_START, Q4_END = dt.date(2026, 10, 1), dt.date(2026, 12, 31)


def test_quarter_sums_its_months_and_charts_them(rstore, month):
    a = reports.assess(rstore, Q4_START, Q4_END, NOW)
    assert a.months == ["2026-10", "2026-11", "2026-12"]
    ra = a.by_name(A)
    # November's 7 + OCT + DEC; OCT unsigned and overdue, DEC signed and not yet due
    assert (ra.dispatched, ra.signed_in_time, ra.replied, ra.replied_on_time, ra.overdue_unreplied) == (9, 7, 5, 4, 2)
    assert (ra.response_rate, ra.on_time_rate, ra.resolution_rate, ra.satisfaction_rate) == (F(7, 9), F(4, 7), F(1, 2), F(3, 4))
    assert ra.score == 100 * (F(1, 5) * F(7, 9) + F(3, 10) * F(4, 7) + F(1, 4) * F(1, 2) + F(1, 4) * F(3, 4))
    assert (ra.yellow, ra.orange, ra.red) == (1, 1, 2)

    oct_, nov, dec = a.trends[rstore.department(A).id]
    assert (oct_.dispatched, oct_.response_rate, oct_.on_time_rate, oct_.score) == (1, F(0), F(0), F(0))
    assert (nov.dispatched, nov.score) == (7, F(1915, 28))
    # December: only the response rate has a denominator, so it carries every weight
    assert (dec.dispatched, dec.response_rate, dec.on_time_rate, dec.score) == (1, F(1), None, F(100))
    assert [t.score for t in a.total_trend] == [F(0), F(710, 11), F(100)]
    assert bulletin_files.sparkline(t.score for t in a.total_trend) == "▁▆█"
    assert bulletin_files.sparkline([None, F(1, 2)], 1.0) == "·▅"
    # from the tenth below the lowest: 85 and 95 read apart (floor 70: 15/30 → ▅, 25/30 → ▇)
    assert bulletin_files.sparkline([85, 95, 100], 100.0, None) == "▅▇█"
    # the months add up to the quarter
    assert sum(t.dispatched for t in a.total_trend) == a.total.dispatched == 13


def test_quarter_and_year_bulletins(rstore, month, tmp_path, capsys):
    out = tmp_path / "q.xlsx"
    bulletin_files.write_report(rstore, "2026Q4", "xlsx", out, NOW)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-2:] == ["月度趋势", "单位月度得分"]
    trend = [list(r) for r in wb["月度趋势"].iter_rows(min_row=1, values_only=True)]
    assert trend[0] == ["月份", "派发量", "响应率", "按时办结率", "解决率", "满意率", "综合得分"]
    assert [r[:2] for r in trend[1:]] == [["2026-10", 1], ["2026-11", 11], ["2026-12", 1]]
    assert trend[3][2:] == [1.0, "—", "—", "—", 100.0]
    # native Excel charts (lines for the rates, columns for the score), not pictures
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        xml = b"".join(z.read(n) for n in charts).decode()
    assert "lineChart" in xml and "barChart" in xml and "各率月度趋势" in xml
    scores = {r[0]: r[1:] for r in wb["单位月度得分"].iter_rows(min_row=2, values_only=True)}
    assert scores[A] == (0.0, pytest.approx(1915 / 28, rel=1e-14), 100.0)
    assert scores[D] == ("—", 100.0, "—")

    bulletin_files.write_report(rstore, "2026", "json", None, NOW)
    objs = json.loads(capsys.readouterr().out)
    a = next(o for o in objs if o["department"] == A)
    assert a["year"] == "2026" and len(a["trend"]) == 12 and a["dispatched"] == 9
    assert [m["dispatched"] for m in a["trend"]][9:] == [1, 7, 1]
    assert a["trend"][0] == {"month": "2026-01", "dispatched": 0, "response_rate": None, "on_time_rate": None,
                             "resolution_rate": None, "satisfaction_rate": None, "score": None}
    md = tmp_path / "q.md"
    bulletin_files.write_report(rstore, "2026Q4", "md", md, NOW)
    assert "# 季度通报 · 三率考核（2026年第四季度）" in md.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("2026-11", "month", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    ("2026Q1", "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026q4", "quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("2026-Q2", "quarter", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
])
def test_report_periods(text, kind, start, end):
    p = reports.report_period(text)
    assert (p.kind, p.start, p.end) == (kind, start, end)
    assert reports.period_of(start, end) == p


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q1", "Q4"])
def test_bad_quarter_is_a_chinese_message(text):
    with pytest.raises(ValueError, match="格式应为"):
        reports.report_period(text)


def test_cli_report_quarter_and_year(rstore, month, tmp_path, capsys):
    from test_import import run

    db = str(tmp_path / "r.db")
    code, out, err = run(capsys, "report", "--quarter", "2026Q4", "--format", "json", "--db", db,
                         "--now", "2026-12-01T10:00", login="sup")
    assert code == 0, err
    objs = json.loads(out)
    assert objs[1]["quarter"] == "2026Q4" and objs[1]["department"] == A and objs[1]["dispatched"] == 9
    xlsx = tmp_path / "年度.xlsx"
    code, out, err = run(capsys, "report", "--year", "2026", "--format", "xlsx", "--out", str(xlsx), "--db", db,
                         "--now", "2026-12-01T10:00", login="sup")
    assert code == 0 and "2026年年度通报" in err and "月度趋势" in openpyxl.load_workbook(xlsx).sheetnames
    code, out, err = run(capsys, "report", "--quarter", "2026Q5", "--db", db, login="sup")
    assert code == 2 and "季度格式应为 YYYYQn" in err
    code, out, err = run(capsys, "report", "--month", "2026-11", "--year", "2026", "--db", db, login="sup")
    assert code == 2 and "不能与此参数同时使用" in err


@pytest.mark.parametrize("month_text", ["2026-13", "2026/11", "11-2026", "", "二〇二六年"])
def test_bad_month_is_a_chinese_message(rstore, month_text, tmp_path):
    with pytest.raises(ValueError, match="月份格式应为 YYYY-MM"):
        bulletin_files.write_report(rstore, month_text, "md", tmp_path / "x.md", NOW)


def test_bad_format_and_missing_xlsx_path(rstore, tmp_path):
    with pytest.raises(ValueError, match="xlsx、md 或 json"):
        bulletin_files.write_report(rstore, "2026-11", "pdf", None, NOW)
    with pytest.raises(ValueError, match="--out"):
        bulletin_files.write_report(rstore, "2026-11", "xlsx", None, NOW)
    with pytest.raises(ValueError, match="无法写入"):
        bulletin_files.write_report(rstore, "2026-11", "md", tmp_path / "no" / "such" / "dir.md", NOW)


def test_imported_history_counts_and_ties_go_by_department_order(rstore):
    """signed_at from imported history feeds 响应率; equal scores rank in
    department order (市人社局 is listed before 市税务局) whatever the input order."""
    def row(ext: str, dept: str) -> ImportedTicket:
        return ImportedTicket(
            line=1, external_id=ext, received_at="2026-11-02T08:00:00+08:00", source="hotline",
            appeal_type="consultation", enterprise_name="徐州导入有限公司", uscc=None, contact_name="",
            contact_phone="", district="", title="", content="历史工单", status="replied",
            department_id=rstore.department(dept).id, dispatched_at="2026-11-02T09:00:00+08:00",
            clock_start="2026-11-02", time_limit=3, due_date="2026-11-05",
            signed_at="2026-11-03T09:00:00+08:00", replied_at="2026-11-04T09:00:00+08:00",
        )

    rstore.feed.import_batch([row("H2", B), row("H1", A)], "admin", "导入第{line}行")
    a = reports.assess(rstore, NOV_START, NOV_END, NOW)
    for name in (A, B):
        f = a.by_name(name)
        assert (f.dispatched, f.signed_in_time, f.replied_on_time) == (1, 1, 1)
        assert f.score == 100 * (F(3, 10) + F(7, 20)) / F(13, 20) and f.satisfaction_rate is None
    assert [d.department for d in a.ranking] == [A, B]


def test_period_outside_the_calendar_is_refused(rstore):
    with pytest.raises(ValueError, match="工作日历"):
        reports.assess(rstore, dt.date(1999, 1, 1), dt.date(1999, 1, 31), NOW)
    with pytest.raises(ValueError, match="早于"):
        reports.assess(rstore, NOV_END, NOV_START, NOW)


def test_score_shares_missing_weights_pro_rata():
    w = {"response_rate": F(3, 10), "resolution_rate": F(7, 20), "satisfaction_rate": F(7, 20)}
    assert reports.score({"response_rate": F(1), "resolution_rate": F(1), "satisfaction_rate": F(1)}, w) == 100
    assert reports.score({"response_rate": F(1, 2), "resolution_rate": None, "satisfaction_rate": F(1)}, w) == \
        100 * (F(3, 10) * F(1, 2) + F(7, 20)) / F(13, 20)
    assert reports.score({"response_rate": None, "resolution_rate": None, "satisfaction_rate": None}, w) is None


def test_reports_layer_never_imports_textual():
    code = "import sys, xzconsole.services.reports, xzconsole.store; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False"


def _all_fresh(store, start, end, now):
    """The facts summed over every ticket in one pass (no cache), per (department, month)."""
    now_s, today, today_num = reports._evaluation(store, now)
    rows = store.reports._sums(start, end, now_s, today, today_num, None, "all")
    return {(r["department_id"], r["month"]): {k: v for k, v in r.items() if k != "last_change"} for r in rows}


def _counted(store, start, end, now):
    now_s, today, today_num = reports._evaluation(store, now)
    rows = store.reports.counts(start, end, now_s, today, today_num)
    return {(r["department_id"], r["month"]): {k: v for k, v in r.items() if k != "last_change"} for r in rows}


def test_settled_months_are_kept_and_dropped_when_a_ticket_changes(rstore, month, clock):
    """A quarter's settled tickets are summed once per month and kept; the
    figures from the kept sums equal one pass over every ticket; a change to
    a ticket of a kept month drops it; an earlier --now never reads it."""
    assert _counted(rstore, Q4_START, Q4_END, NOW) == _all_fresh(rstore, Q4_START, Q4_END, NOW)
    kept = dict(rstore.conn.execute("SELECT month, evaluated_at FROM assessment_cache WHERE center = ''").fetchall())
    assert kept == {m: "2026-12-01T10:00:00+08:00" for m in ("2026-10", "2026-11", "2026-12")}
    # from the kept sums: the same numbers as the hand-worked ones
    a = reports.assess(rstore, Q4_START, Q4_END, NOW)
    assert a.by_name(A).score == 100 * (F(1, 5) * F(7, 9) + F(3, 10) * F(4, 7) + F(1, 4) * F(1, 2) + F(1, 4) * F(3, 4))
    assert _counted(rstore, Q4_START, Q4_END, NOW) == _all_fresh(rstore, Q4_START, Q4_END, NOW)

    # B1 (November, replied) is called back: November is dropped, October kept
    later = parse_datetime("2026-12-01T11:00:00+08:00")
    clock.set(later)
    rstore.tickets.follow_up(rstore.staff.get("clerk"), month["B1"], "满意", resolved=True)
    assert {r[0] for r in rstore.conn.execute("SELECT month FROM assessment_cache")} == {"2026-10", "2026-12"}
    rb = reports.assess(rstore, Q4_START, Q4_END, later).by_name(B)
    assert (rb.satisfied, rb.resolved_yes, rb.resolution_rate, rb.satisfaction_rate) == (1, 1, F(1), F(1))
    assert _counted(rstore, Q4_START, Q4_END, later) == _all_fresh(rstore, Q4_START, Q4_END, later)

    # what-if at 11-25: nothing kept at 12-01 is read (B3 not due, A6 and R1's answer not there yet)
    early = parse_datetime("2026-11-25T12:00:00+08:00")
    assert _counted(rstore, Q4_START, Q4_END, early) == _all_fresh(rstore, Q4_START, Q4_END, early)
    rb = reports.assess(rstore, NOV_START, NOV_END, early).by_name(B)
    assert (rb.dispatched, rb.overdue_unreplied, rb.on_time_base, rb.satisfied) == (3, 0, 2, 1)

    # a new calendar drops everything
    with rstore.write() as c:
        c.execute("UPDATE workday_index SET provisional = provisional WHERE day = '2026-11-02'")
    assert rstore.conn.execute("SELECT count(*) FROM assessment_cache").fetchone()[0] == 0


def test_kept_sums_never_outlive_a_month_still_changing(rstore, month, clock):
    """A month with a ticket changed after the evaluation (a what-if --now
    before the latest work) is not kept: it would be wrong for a later --now."""
    early = parse_datetime("2026-11-25T12:00:00+08:00")
    _counted(rstore, NOV_START, NOV_END, early)
    assert rstore.conn.execute("SELECT count(*) FROM assessment_cache").fetchone()[0] == 0
    assert _counted(rstore, NOV_START, NOV_END, NOW) == _all_fresh(rstore, NOV_START, NOV_END, NOW)
