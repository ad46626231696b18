"""City and county centers (issue 7): staff belong to a center, tickets carry
the center that took them in, the queue filters by it, imports and exports
carry it, and the assessment is cut by it.

The store fixtures of conftest put every staff member at the city center;
each test here adds a clerk of the 邳州 center (code ``pizhou``).
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from test_import import cli_db, run, rows_of, _template  # noqa: F401  (CLI fixtures)
from xzconsole.services import reports
from xzconsole.services.importers import import_tickets
from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.store import CITY_CENTER, NotFound, Store, StoreError, TicketFilter

PIZHOU = "邳州市企业服务中心"
TONGSHAN = "铜山区企业服务中心"


def _uscc(i: int) -> str:
    body = "91320382" + f"{i:09d}"
    return body + uscc_check_char(body)


@pytest.fixture
def pz(store, staff):
    """A clerk of the 邳州 center (given by its code)."""
    return store.staff.add(staff["admin"], "pz", "clerk", name="邳州受理", center="pizhou")


def _intake(i: int, kind: str = "consultation") -> TicketIntake:
    return TicketIntake(appeal_type=kind, enterprise_name=f"邳州市第{i}食品有限公司", uscc=_uscc(i),
                        contact_phone=f"1391234{i:04d}", content=f"第{i}号诉求：用工补贴何时到账？")


# ---------------------------------------------------------------- staff


def test_add_staff_accepts_code_name_or_district_and_refuses_an_unknown_center(store, staff, pz):
    assert pz.center == PIZHOU
    assert store.staff.add(staff["admin"], "ts", "clerk", center="铜山区").center == TONGSHAN
    assert store.staff.add(staff["admin"], "ts2", "supervisor", center=TONGSHAN).center == TONGSHAN
    assert store.staff.get("clerk").center == CITY_CENTER  # the default
    before = [s.login for s in store.staff.all()]
    with pytest.raises(NotFound, match="找不到服务中心“火星区”.*邳州市企业服务中心"):
        store.staff.add(staff["admin"], "mars", "clerk", center="火星区")
    with pytest.raises(StoreError, match="找不到服务中心"):
        store.staff.add(staff["admin"], "pz", "clerk", center="")  # an update is refused too
    assert [s.login for s in store.staff.all()] == before and store.staff.get("pz").center == PIZHOU


# ---------------------------------------------------------------- intake and the queue's filter


def test_accept_records_the_clerks_center_and_the_queue_filters_by_it(store, staff, pz):
    ours = [store.tickets.accept(pz, _intake(i)).id for i in range(3)]
    city = store.tickets.accept(staff["clerk"], _intake(9))
    assert {store.tickets.get(pz, t).center for t in ours} == {PIZHOU} and city.center == CITY_CENTER

    def ids(f: TicketFilter, actor=pz) -> list[int]:
        return sorted(t.id for t in store.queue.list_tickets(actor, f))

    assert ids(TicketFilter(center=PIZHOU)) == sorted(ours)
    assert ids(TicketFilter(center=CITY_CENTER)) == [city.id]
    assert ids(TicketFilter()) == sorted([*ours, city.id])
    assert store.queue.count_tickets(pz, TicketFilter(center=TONGSHAN)) == 0
    counts = store.queue.counts(pz, TicketFilter(center=PIZHOU))
    assert (counts.by_status, counts.total) == ({"new": 3}, 3)
    # a liaison sees their department's tickets from every center
    store.tickets.dispatch(pz, ours[0], "市人社局")
    store.tickets.dispatch(staff["clerk"], city.id, "市人社局")
    assert ids(TicketFilter(), staff["rsj"]) == sorted([ours[0], city.id])


# ---------------------------------------------------------------- import and export


def _feed_row(i: int, **extra: str) -> dict:
    return {"external_id": f"HL-{i:05d}", "received_at": "2026-11-20 09:15", "appeal_type": "咨询求助",
            "enterprise_name": f"徐州恒通机械{i}有限公司", "content": f"诉求{i}", **extra}


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _centers_of(store: Store) -> dict[str, str]:
    return {t.external_id: t.center for t in store.queue.list_tickets(store.staff.get("admin"), limit=100)}


def test_import_without_a_center_column_takes_the_importers_center(store, staff, pz, tmp_path):
    import_tickets(store, _jsonl(tmp_path / "a.jsonl", [_feed_row(1), _feed_row(2)]), "pz")
    import_tickets(store, _jsonl(tmp_path / "b.jsonl", [_feed_row(3)]), "clerk")
    assert _centers_of(store) == {"HL-00001": PIZHOU, "HL-00002": PIZHOU, "HL-00003": CITY_CENTER}


def test_import_center_column_english_or_chinese_and_a_bad_center_is_rejected(store, staff, pz, tmp_path):
    feed = _jsonl(tmp_path / "feed.jsonl", [
        _feed_row(1, center="铜山区"),             # a district names its center
        _feed_row(2, center="pizhou"),             # a code
        _feed_row(3, center=CITY_CENTER),          # the full name
        _feed_row(4, center="火星区企业服务中心"),  # unknown: rejected
        _feed_row(5, center=""),                   # empty: the importer's center
    ])
    summary = import_tickets(store, feed, "clerk")
    assert (summary.imported, summary.rejected) == (4, 1)
    rejects = [json.loads(x) for x in summary.rejects_file.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["raw"]["external_id"]) for r in rejects] == [(4, "HL-00004")]
    assert "找不到服务中心“火星区企业服务中心”" in rejects[0]["reason"]
    assert _centers_of(store) == {"HL-00001": TONGSHAN, "HL-00002": PIZHOU, "HL-00003": CITY_CENTER,
                                  "HL-00005": CITY_CENTER}

    csv_feed = tmp_path / "feed.csv"
    with open(csv_feed, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工单编号", "来电时间", "诉求类型", "企业名称", "诉求内容", "受理中心"])
        w.writerow(["C-1", "2026-11-20 10:00", "建议", "徐州云龙食品有限公司", "建议延长窗口时间", "邳州市"])
    assert import_tickets(store, csv_feed, "clerk").imported == 1
    assert _centers_of(store)["C-1"] == PIZHOU


def test_export_carries_the_center(store, staff, pz):
    store.tickets.accept(pz, _intake(1))
    store.tickets.accept(staff["clerk"], _intake(2))
    lines = [json.loads(x) for x in store.feed.export_tickets(None, store.now())]
    assert [x["center"] for x in lines] == [PIZHOU, CITY_CENTER]


# ---------------------------------------------------------------- the assessment cut by center


@pytest.fixture
def november(store, staff, pz, clock):
    """Five tickets dispatched in November 2026, three taken in at 邳州, two at the city center.

    邳州: T1 complaint, dispatched Mon 11-02, signed at once, replied 11-04
    (due 11-09), satisfied; T2 consultation, dispatched 11-02, never signed
    nor replied (due 11-05: overdue); T4 returned by 市人社局 on the day it
    came (11-10).  City: T3 consultation, dispatched 11-02, signed 11-03,
    replied 11-04 (due 11-05); T5 complaint to 市税务局 on 11-10, signed, an
    extension of 2 working days approved on 11-11, never replied (due 11-19).
    """
    rsj, swj, sup = staff["rsj"], staff["swj"], staff["sup"]

    def at(when: str) -> None:
        clock.set(f"2026-11-{when}:00+08:00")

    at("02T09:00")
    t1 = store.tickets.accept(pz, _intake(1, "complaint")).id
    t2 = store.tickets.accept(pz, _intake(2)).id
    t3 = store.tickets.accept(staff["clerk"], _intake(3)).id
    for t in (t1, t2, t3):
        store.tickets.dispatch(pz if t != t3 else staff["clerk"], t, "市人社局")
    at("02T10:00")
    store.tickets.sign(rsj, t1)
    at("03T10:00")
    store.tickets.sign(rsj, t3)
    at("04T15:00")
    store.tickets.reply(rsj, t1, "已按规定发放。")
    store.tickets.reply(rsj, t3, "已答复企业。")
    at("05T10:00")
    store.tickets.follow_up(pz, t1, "satisfied")
    at("10T09:00")
    t4 = store.tickets.accept(pz, _intake(4)).id
    store.tickets.dispatch(pz, t4, "市人社局")
    t5 = store.tickets.accept(staff["clerk"], _intake(5, "complaint")).id
    store.tickets.dispatch(staff["clerk"], t5, "市税务局")
    at("10T11:00")
    store.tickets.return_ticket(rsj, t4, "不属于本单位职责")
    store.tickets.sign(swj, t5)
    store.tickets.request_extension(swj, t5, 2, "需实地核查")
    at("11T09:00")
    store.tickets.approve_extension(sup, t5)
    clock.set("2026-11-26T09:30:00+08:00")
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5}


def test_assessment_by_center_counts_only_that_centers_tickets(store, november, clock):
    start, end, now = reports.month_period("2026-11") + (clock.now(),)
    pizhou = reports.assess(store, start, end, now, PIZHOU).total
    assert (pizhou.dispatched, pizhou.signed_in_time, pizhou.replied, pizhou.replied_on_time,
            pizhou.overdue_unreplied, pizhou.satisfied) == (2, 1, 1, 1, 1, 1)
    # 按时办结率 (on_time_rate) is what 解决率 meant before 12345's call-back 解决率 (SPEC §8)
    assert (pizhou.response_rate, pizhou.on_time_rate, pizhou.satisfaction_rate) == (F(1, 2), F(1, 2), F(1))
    assert (pizhou.returns, pizhou.extensions) == (1, 0)

    city = reports.assess(store, start, end, now, CITY_CENTER).total
    assert (city.dispatched, city.signed_in_time, city.replied, city.replied_on_time, city.overdue_unreplied) == (
        2, 2, 1, 1, 1)
    assert (city.returns, city.extensions) == (0, 1)

    whole = reports.assess(store, start, end, now).total
    assert (whole.dispatched, whole.returns, whole.extensions) == (4, 1, 1)
    assert reports.assess(store, start, end, now, TONGSHAN).total.dispatched == 0

    # the drill-down names the same tickets as the figure
    rsj = store.department("市人社局").id
    assert reports.drill(store, rsj, "dispatched", start, end, now, PIZHOU) == sorted([november["t1"], november["t2"]])
    assert reports.drill(store, rsj, "returns", start, end, now, PIZHOU) == [november["t4"]]
    assert reports.drill(store, rsj, "returns", start, end, now, CITY_CENTER) == []
    swj = store.department("市税务局").id
    assert reports.drill(store, swj, "extensions", start, end, now, CITY_CENTER) == [november["t5"]]


# ---------------------------------------------------------------- the command line


def test_cli_staff_center_list_centers_and_report(cli_db, capsys, tmp_path):
    code, out, err = run(capsys, "staff", "add", "pz", "--role", "clerk", "--name", "邳州受理", "--center", "邳州市",
                         login="admin")
    assert code == 0 and PIZHOU in err
    # a change of role keeps the center; an unknown center is refused and changes nothing
    assert run(capsys, "staff", "add", "pz", "--role", "supervisor", login="admin")[0] == 0
    code, out, err = run(capsys, "staff", "add", "pz", "--role", "clerk", "--center", "火星", login="admin")
    assert code == 2 and "找不到服务中心“火星”" in err
    assert rows_of(cli_db, "SELECT role, center FROM staff WHERE login = 'pz'") == [("supervisor", PIZHOU)]
    code, out, err = run(capsys, "staff", "list", login="admin")
    assert code == 0 and "所属中心" in out and PIZHOU in out

    code, out, err = run(capsys, "centers", login="clerk")
    assert code == 0
    lines = {line.split("│")[2].strip(): line for line in out.splitlines() if line.count("│") >= 5}
    assert len(lines) == 13 and "1" in lines[PIZHOU].split("│")[4]  # one staff member at 邳州

    code, out, err = run(capsys, "report", "--month", "2026-11", "--format", "json", "--center", "pizhou",
                         "--now", "2026-11-26T09:30", login="sup")
    assert code == 0 and {d["center"] for d in json.loads(out)} == {PIZHOU}
    code, out, err = run(capsys, "report", "--month", "2026-11", "--center", "火星", login="sup")
    assert code == 2 and "找不到服务中心" in err
