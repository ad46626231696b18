"""Outreach (宣传推广, “十百千万”, SPEC §14): the kinds file, the plan, the activity
log and the progress figures, checked against a dataset made by hand.

The clock is the fixture's Thursday 2026-11-26 09:30 (day 330 of 365), so the
pace expected by today is target × 330/365.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from xzconsole.models import PageKey, TicketIntake, uscc_check_char
from xzconsole.outreach import OutreachDataError, build_progress, parse_kinds, parse_enterprise_ref, year_elapsed
from xzconsole.store import InvalidAction, NotFound, PermissionDenied

ELAPSED = 330 / 365


def uscc(n: int) -> str:
    first17 = f"91320302MA{n:06d}X"[:17]
    return first17 + uscc_check_char(first17)


@pytest.fixture
def year_of_outreach(store, staff):
    """The hand-made year: what each month cell must say is written beside each line."""
    clerk, sup = staff["clerk"], staff["sup"]
    log = store.outreach.log_activity
    ids = {}
    # 联合服务活动: March 2, May 1 (the first also hands out 120 cards)
    ids["joint1"] = log(clerk, "2026-03-10", "joint_event", "徐州市民服务中心", departments=["市人社局", "市税务局"],
                        cards_sent=120).id
    log(clerk, "2026-03-24", "联合服务活动", "铜山区政务服务中心", departments="市市场监管局")
    log(sup, "2026-05-12", "joint_event", "云龙区政务服务中心")
    # 镇街园区服务站: 5 station days at 4 places → April 2, June 1 (张集镇 again is no new place), September 1
    log(clerk, "2026-04-08", "station", "张集镇")
    log(clerk, "2026-04-20", "station", "徐州经济技术开发区")
    log(clerk, "2026-06-03", "station", "张集镇　")  # a full-width space typed after it: the same place
    log(clerk, "2026-06-17", "station", "双楼港园区")
    log(clerk, "2026-09-09", "station", "徐州高新区")
    # 走访企业: visits reaching 2 (July), 3 (October), 4 (November, one of them named)
    ids["visit2"] = log(clerk, "2026-07-15", "visit", "云龙区", enterprises=["徐州甲机械有限公司", "徐州乙食品有限公司"]).id
    ids["visit3"] = log(clerk, "2026-10-09", "visit", "泉山区",
                        enterprises=["徐州丙科技有限公司", f"徐州丁物流有限公司 {uscc(4)}", "徐州戊建材有限公司"]).id
    ids["visit4"] = log(clerk, "2026-11-18", "visit", "鼓楼区", enterprises=["徐州己纺织有限公司"], enterprises_reached=4).id
    # 联系卡寄送: one mailing of 300 in August (with the 120 of March: 420)
    log(clerk, "2026-08-01", "cards", "邮政寄送", cards_sent=300)
    # voided: does not count
    ids["voided"] = log(clerk, "2026-11-20", "visit", "贾汪区", enterprises_reached=5, cards_sent=50).id
    store.outreach.void_activity(clerk, ids["voided"], "重复登记")
    # another year: does not count in 2026
    log(clerk, "2025-12-30", "visit", "沛县", enterprises_reached=7)
    return ids


def by_kind(progress):
    return {p.kind.code: p for p in progress}


# ---------------------------------------------------------------- the kinds file


def test_the_shipped_kinds_are_the_plan_of_the_issue(store):
    kinds = {k.code: (k.label, k.target, k.measure, k.monthly) for k in store.outreach.kinds()}
    assert kinds == {
        "joint_event": ("联合服务活动", 10, "activities", None),
        "station": ("镇街园区服务站", 100, "places", None),
        "visit": ("走访企业", 1000, "enterprises", None),
        # the seed's “月邮寄派发万张”: 10,000 cards a month, so 120,000 in a year
        "cards": ("联系卡寄送", 120000, "cards", 10000),
    }


GOOD = """[[kind]]
code = "visit"
label = "走访企业"
target = 1000
unit = "家"
measure = "enterprises"
"""


@pytest.mark.parametrize("text, line, words", [
    (GOOD + GOOD, 8, "code “visit” 重复"),
    (GOOD.replace("target = 1000", "target = -5"), 4, "target 应为 0–"),
    (GOOD.replace("target = 1000", 'target = "一千"'), 4, "target 应为"),
    (GOOD.replace('measure = "enterprises"', 'measure = "people"'), 6, "measure 'people' 无效"),
    (GOOD.replace('label = "走访企业"', 'label = ""'), 3, "缺少中文名称 label"),
    (GOOD.replace('code = "visit"', 'code = "走访"'), 2, "code 应为小写英文代码"),
    (GOOD.replace('unit = "家"', 'unit = "家'), 5, "TOML 格式错误"),
    (GOOD.replace("visit", "cards").replace("enterprises", "cards") + GOOD.replace("visit", "mail").replace("enterprises", "cards"),
     12, "只能有一个类别按联系卡张数计"),
], ids=["duplicate", "negative", "text-target", "measure", "label", "code", "toml", "two-card-kinds"])
def test_a_bad_kinds_file_is_refused_with_its_line_and_field(text, line, words):
    with pytest.raises(OutreachDataError) as err:
        parse_kinds(text)
    assert err.value.line == line
    assert f"第 {line} 行" in str(err.value) and words in str(err.value)


def test_an_empty_kinds_file_says_what_to_write():
    with pytest.raises(OutreachDataError, match=r"没有任何活动类别.*\[\[kind\]\]"):
        parse_kinds("# nothing yet\n")


# ---------------------------------------------------------------- progress against the hand-made year


def test_progress_month_by_month(store, year_of_outreach):
    p = by_kind(store.outreach.progress(2026))
    assert p["joint_event"].months == (0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0)
    assert p["station"].months == (0, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0, 0)
    assert p["visit"].months == (0, 0, 0, 0, 0, 0, 2, 0, 0, 3, 4, 0)
    assert p["cards"].months == (0, 0, 120, 0, 0, 0, 0, 300, 0, 0, 0, 0)
    assert [(p[k].total, p[k].target) for k in ("joint_event", "station", "visit", "cards")] == [
        (3, 10), (4, 100), (9, 1000), (420, 120000)]
    assert p["joint_event"].percent == pytest.approx(30.0)
    assert p["station"].percent == pytest.approx(4.0)
    assert p["visit"].percent == pytest.approx(0.9)
    assert p["cards"].percent == pytest.approx(0.35)


def test_pace_is_the_target_times_the_part_of_the_year_gone(store, year_of_outreach):
    p = by_kind(store.outreach.progress(2026))
    assert year_elapsed(2026, dt.date(2026, 11, 26)) == pytest.approx(ELAPSED)
    assert p["joint_event"].expected == pytest.approx(10 * ELAPSED)  # 9.04: 9 whole events expected by now
    assert p["visit"].expected == pytest.approx(1000 * ELAPSED)
    assert all(x.behind for x in p.values())
    assert p["joint_event"].pace_word == "▼ 落后"
    # a past year is over, a future one has not begun: nothing is expected of it yet
    assert {x.elapsed for x in store.outreach.progress(2025)} == {1.0}
    assert [x.behind for x in store.outreach.progress(2027)] == [False] * 4


def test_other_years_and_voided_activities_do_not_count(store, year_of_outreach):
    p2025 = by_kind(store.outreach.progress(2025))
    assert p2025["visit"].months[11] == 7 and p2025["visit"].total == 7
    assert p2025["joint_event"].total == 0
    log = store.outreach.activities(2026, 11, "visit")
    assert [(a.held_on.day, a.voided, a.void_reason) for a in log] == [(20, True, "重复登记"), (18, False, "")]


def test_an_enterprise_linked_by_an_appeal_counts_as_reached(store, staff, year_of_outreach):
    """An appeal taken at a visit from an enterprise not listed adds it to the
    enterprises met: the visit of 2 in July then counts 3."""
    store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name="徐州庚电子有限公司",
                                               content="用工补贴如何申请", source="走访", visit_id=year_of_outreach["visit2"]))
    assert by_kind(store.outreach.progress(2026))["visit"].months[6] == 3


def test_progress_of_one_center(store, staff, year_of_outreach):
    county = store.staff.add(staff["admin"], "tsclerk", "clerk", name="铜山受理")
    store.conn.execute("UPDATE staff SET center = '铜山区企业服务中心' WHERE login = 'tsclerk'")
    county = store.staff.get("tsclerk")
    a = store.outreach.log_activity(county, "2026-11-02", "visit", "铜山区柳新镇", enterprises_reached=6)
    assert a.center == "铜山区企业服务中心"
    own = by_kind(store.outreach.progress(2026, "铜山区企业服务中心"))
    assert own["visit"].months[10] == 6 and own["visit"].total == 6 and own["joint_event"].total == 0
    assert by_kind(store.outreach.progress(2026))["visit"].total == 15
    assert [x.id for x in store.outreach.activities(2026, center="铜山区企业服务中心")] == [a.id]


def test_build_progress_sums_cards_over_every_kind():
    kinds = parse_kinds(GOOD + GOOD.replace("visit", "cards").replace("enterprises", "cards").replace("走访企业", "联系卡"))
    rows = [{"kind": "visit", "month": 2, "activities": 1, "places": 1, "enterprises": 5, "cards": 30},
            {"kind": "other", "month": 2, "activities": 1, "places": 1, "enterprises": 0, "cards": 70}]
    p = {x.kind.code: x for x in build_progress(kinds, rows, 2026, dt.date(2026, 12, 31))}
    assert p["visit"].months[1] == 5 and p["cards"].months[1] == 100 and p["cards"].elapsed == 1.0


# ---------------------------------------------------------------- the plan


def test_a_supervisor_sets_the_targets_of_one_year(store, staff, year_of_outreach):
    store.outreach.set_target(staff["sup"], 2026, "visit", 12)
    store.outreach.set_target(staff["admin"], 2026, "联合服务活动", "3")
    plan = {k.code: k.target for k in store.outreach.plan(2026)}
    assert plan == {"joint_event": 3, "station": 100, "visit": 12, "cards": 120000}
    assert {k.code: k.target for k in store.outreach.plan(2027)}["visit"] == 1000
    p = by_kind(store.outreach.progress(2026))
    assert p["visit"].percent == pytest.approx(75.0) and p["visit"].behind  # 9 < floor(12 × 330/365) = 10
    assert p["joint_event"].done and p["joint_event"].pace_word == "★ 已完成" and not p["joint_event"].behind
    row = store.conn.execute("SELECT updated_by FROM outreach_plans WHERE year = 2026 AND kind = 'visit'").fetchone()
    assert row[0] == "sup"


def test_only_supervisors_and_admins_set_targets_and_only_to_whole_numbers(store, staff):
    with pytest.raises(PermissionDenied, match="只能由值班长、管理员操作"):
        store.outreach.set_target(staff["clerk"], 2026, "visit", 500)
    with pytest.raises(InvalidAction, match="走访企业的年度目标应为 0 或正整数"):
        store.outreach.set_target(staff["sup"], 2026, "visit", "-1")
    with pytest.raises(InvalidAction, match="无法识别的活动类别“宣讲会”"):
        store.outreach.set_target(staff["sup"], 2026, "宣讲会", 5)
    with pytest.raises(InvalidAction, match="年份应为 2000–2100"):
        store.outreach.set_target(staff["sup"], 1999, "visit", 5)
    assert store.conn.execute("SELECT count(*) FROM outreach_plans").fetchone()[0] == 0


# ---------------------------------------------------------------- logging and its refusals


@pytest.mark.parametrize("args, kwargs, message", [
    (("2026-11-27", "visit", "云龙区"), {"enterprises_reached": 1}, "活动日期 2026-11-27 晚于今天（2026-11-26）"),
    (("2026/11/20", "visit", "云龙区"), {"enterprises_reached": 1}, "活动日期“2026/11/20”无法识别"),
    (("2026-11-20", "visit", "  "), {"enterprises_reached": 1}, "请填写活动地点"),
    (("2026-11-20", "宣讲会", "云龙区"), {}, "无法识别的活动类别“宣讲会”"),
    (("2026-11-20", "joint_event", "云龙区"), {"departments": ["市人社局", "市外星局"]}, "找不到单位“市外星局”"),
    (("2026-11-20", "visit", "云龙区"), {}, "“走访企业”须列出走访的企业，或填写走访企业数"),
    (("2026-11-20", "visit", "云龙区"), {"enterprises": ["甲公司", "乙公司"], "enterprises_reached": 1},
     "走访企业数（1）不能少于列出的企业数（2 家）"),
    (("2026-11-20", "cards", "邮政"), {}, "“联系卡寄送”须填写寄出的联系卡张数"),
    (("2026-11-20", "station", "张集镇"), {"cards_sent": "-3"}, "联系卡张数应为 0 或正整数，而不是“-3”"),
    (("2026-11-20", "visit", "云龙区"), {"enterprises": [f"甲公司 {uscc(1)[:-1]}0"]}, "校验位错误"),
    (("2026-11-20", "visit", "云龙区"), {"enterprises": [uscc(9)]}, f"信用代码 {uscc(9)} 不在企业名录中"),
    (("2026-11-20", "visit", "云龙区"), {"enterprises": [99999]}, "企业名录中没有编号为 99999 的企业"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(store, staff, args, kwargs, message):
    with pytest.raises((InvalidAction, NotFound)) as err:
        store.outreach.log_activity(staff["clerk"], *args, **kwargs)
    assert message in str(err.value)
    assert store.conn.execute("SELECT count(*) FROM outreach_activities").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM enterprises").fetchone()[0] == 0


def test_who_may_log(store, staff):
    for who in ("rsj", "admin"):
        with pytest.raises(PermissionDenied, match="只能由受理员、值班长操作"):
            store.outreach.log_activity(staff[who], "2026-11-20", "station", "张集镇")


def test_a_logged_activity_keeps_what_was_typed(store, staff):
    a = store.outreach.log_activity(staff["sup"], dt.date(2026, 11, 20), "联合服务活动", " 云龙区  [b]x[/b]园区 ",
                           departments="市人社局、swju, 市人社局", staff="王受理、路灯[/]坏了", cards_sent="８０",
                           note="现场发放政策汇编")
    assert (a.held_on, a.kind, a.place, a.center) == (dt.date(2026, 11, 20), "joint_event", "云龙区 [b]x[/b]园区", "市企业服务中心")
    assert a.departments == ["市人社局", "市税务局"]
    assert (a.staff, a.cards_sent, a.note, a.recorded_by) == ("王受理、路灯[/]坏了", 80, "现场发放政策汇编", "sup")
    assert (a.enterprises_reached, a.voided) == (0, False)
    stored = store.conn.execute("SELECT departments FROM outreach_activities WHERE id = ?", (a.id,)).fetchone()[0]
    assert json.loads(stored) == [store.department("市人社局").id, store.department("市税务局").id]


def test_enterprises_are_linked_in_the_directory(store, staff):
    known = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name="徐州甲机械有限公司",
                                                       uscc=uscc(1), content="咨询"))
    store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation", enterprise_name="徐州乙食品有限公司", content="咨询"))
    a = store.outreach.log_activity(staff["clerk"], "2026-11-20", "visit", "云龙区",
                           enterprises=[uscc(1), f"徐州乙食品有限公司 {uscc(2)}", "徐州新来有限公司", known.enterprise_id])
    names = sorted((e.name, e.uscc) for e in store.outreach.activity(a.id).enterprises)
    assert names == [("徐州乙食品有限公司", uscc(2)), ("徐州新来有限公司", None), ("徐州甲机械有限公司", uscc(1))]
    assert a.enterprises_reached == 3  # the USCC and the id name the same enterprise: met once
    rows = store.conn.execute("SELECT name, first_source FROM enterprises ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("徐州甲机械有限公司", "ticket"), ("徐州乙食品有限公司", "ticket"),
                                        ("徐州新来有限公司", "visit")]


def test_a_merged_enterprise_leads_to_the_record_it_was_merged_into(store, staff):
    first = store.outreach.log_activity(staff["clerk"], "2026-11-19", "visit", "云龙区", enterprises=["徐州甲机械", "徐州甲机械有限公司"])
    old, kept = sorted(e.id for e in first.enterprises)
    with store.write() as c:  # what the directory's merge leaves behind
        c.execute("UPDATE enterprises SET merged_into = ? WHERE id = ?", (kept, old))
    again = store.outreach.log_activity(staff["clerk"], "2026-11-20", "visit", "云龙区", enterprises=["徐州甲机械", old])
    assert [e.id for e in store.outreach.activity(again.id).enterprises] == [kept]


def test_enterprise_refs_are_parsed():
    assert parse_enterprise_ref("徐州（集团）有限公司") == ("徐州（集团）有限公司", None)
    assert parse_enterprise_ref(f"徐州 甲 公司  {uscc(3).lower()}") == ("徐州 甲 公司", uscc(3))
    assert parse_enterprise_ref(uscc(3)) == (None, uscc(3))


# ---------------------------------------------------------------- the log


def test_the_log_is_paged_newest_first(store, year_of_outreach):
    page1 = store.outreach.activities(2026, limit=5)
    page2 = store.outreach.activities(2026, after=PageKey(value=page1[-1].held_on.isoformat(), id=page1[-1].id), limit=5)
    page3 = store.outreach.activities(2026, after=PageKey(value=page2[-1].held_on.isoformat(), id=page2[-1].id), limit=5)
    days = [a.held_on for a in page1 + page2 + page3]
    assert len(days) == 13 and days == sorted(days, reverse=True)
    assert len({a.id for a in page1 + page2 + page3}) == 13
    assert [a.held_on.isoformat() for a in store.outreach.activities(2026, 3)] == ["2026-03-24", "2026-03-10"]
    assert [a.place for a in store.outreach.activities(2026, kind="station")][-1] == "张集镇"
    assert len(store.outreach.activities()) == 14
    with pytest.raises(InvalidAction, match="按月份筛选时须同时指定年份"):
        store.outreach.activities(month=3)


# ---------------------------------------------------------------- the visit and the appeal taken there


def test_an_appeal_taken_at_a_visit_links_both_ways(store, staff, year_of_outreach):
    visit = store.outreach.activity(year_of_outreach["visit3"])
    ent = next(e for e in visit.enterprises if e.uscc == uscc(4))
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="complaint", enterprise_name=ent.name, uscc=ent.uscc,
                                                   content="园区道路破损", source="走访", visit_id=visit.id))
    assert (t.source.label, t.visit_id, t.enterprise_id) == ("走访", visit.id, ent.id)
    again = store.outreach.activity(visit.id)
    assert [x.number for x in again.tickets] == [t.number]
    assert len(again.enterprises) == 3  # the enterprise was already met there
    assert "走访" in store.tickets.history(staff["clerk"], t.id)[0].note
    # a liaison sees the ticket only once it is theirs
    assert store.outreach.activity(visit.id, staff["rsj"]).tickets == []
    with pytest.raises(InvalidAction, match="来源必须是“走访”"):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="complaint", enterprise_name="x", content="y",
                                                   source="12345", visit_id=visit.id))


def test_no_appeal_at_a_voided_activity(store, staff, year_of_outreach):
    with pytest.raises(InvalidAction, match="已作废"):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="complaint", enterprise_name="x", content="y",
                                                   source="走访", visit_id=year_of_outreach["voided"]))


# ---------------------------------------------------------------- voiding


def test_voiding_keeps_the_activity_and_its_reason(store, staff, year_of_outreach):
    aid = year_of_outreach["joint1"]
    a = store.outreach.void_activity(staff["sup"], aid, "日期填错，已重新登记")
    assert (a.voided, a.voided_by, a.void_reason) == (True, "sup", "日期填错，已重新登记")
    p = by_kind(store.outreach.progress(2026))
    assert p["joint_event"].months[2] == 1 and p["cards"].months[2] == 0
    with pytest.raises(InvalidAction, match=f"推广活动 #{aid} 已于 2026-11-26 09:30 由 sup 作废"):
        store.outreach.void_activity(staff["sup"], aid, "再作废一次")


def test_who_may_void_and_that_a_reason_is_needed(store, staff):
    a = store.outreach.log_activity(staff["sup"], "2026-11-20", "station", "张集镇")
    with pytest.raises(PermissionDenied, match="受理员只能作废自己登记的活动"):
        store.outreach.void_activity(staff["clerk"], a.id, "不对")
    with pytest.raises(InvalidAction, match="作废必须填写理由"):
        store.outreach.void_activity(staff["sup"], a.id, "  ")
    with pytest.raises(NotFound, match="找不到推广活动 #999"):
        store.outreach.void_activity(staff["sup"], 999, "不对")
    own = store.outreach.log_activity(staff["clerk"], "2026-11-20", "station", "双楼港")
    assert store.outreach.void_activity(staff["clerk"], own.id, "登记错了").voided
    assert not store.outreach.activity(a.id).voided


# ---------------------------------------------------------------- the command line


def test_cli_logs_an_activity_and_prints_the_progress(store, staff, capsys):
    from xzconsole.cli import main
    from xzconsole.identity import current_login

    store.staff.add(staff["admin"], current_login(), "clerk", name="命令行受理")
    common = ["--db", store.path, "--now", "2026-11-26T10:00"]
    assert main(["outreach", "log", "--kind", "走访企业", "--date", "2026-11-20", "--place", "云龙区",
                 "--enterprise", "徐州甲机械有限公司", "--enterprise", "徐州乙食品有限公司",
                 "--department", "市人社局、市税务局", "--cards", "30", *common]) == 0
    assert "已登记推广活动 #1：走访企业 2026-11-20 云龙区，走访企业 2 家，联系卡 30 张" in capsys.readouterr().err
    assert main(["outreach", "log", "--kind", "visit", "--date", "2026-12-01", "--place", "云龙区", *common]) == 2
    assert "活动日期 2026-12-01 晚于今天（2026-11-26）" in capsys.readouterr().err
    assert main(["outreach", "progress", "--json", *common]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    visit = next(x for x in lines if x["kind"] == "visit")
    assert (visit["months"][10], visit["total"], visit["target"], visit["percent"], visit["behind"]) == (2, 2, 1000, 0.2, True)
    assert next(x for x in lines if x["kind"] == "cards")["total"] == 30
    assert main(["outreach", "progress", *common]) == 0
    table = capsys.readouterr().out
    assert "2026 年“十百千万”进度（全部中心" in table and "▼ 落后" in table
