"""定制点餐 as a work order (issue 15, item 2): the center asks a drafting
department for a draft by a working-day deadline, the liaison attaches it,
the center sends it to chosen associations, comments are recorded per
association and forwarded, the department answers each; overdue steps are
notices; the bulletin's counts."""

from __future__ import annotations

import datetime as dt

import pytest

from xzconsole.errors import InvalidAction, PermissionDenied

COMPLETE = {"summary": "对吸纳就业的企业给予补贴。", "interpreter_name": "刘敏", "interpreter_phone": "0516-83801234"}


def _assocs(store, n=2):
    return [a.id for a in store.association_list()[:n]]


def test_an_order_goes_from_draft_to_answers_on_the_calendar(store, staff, clock):
    sup, rsj, clerk = staff["sup"], staff["rsj"], staff["clerk"]
    # Thursday 2026-11-26: 3 working days -> Tuesday 2026-12-01
    oid = store.orders.open(sup, "市人社局", "徐州市稳岗扩岗专项支持办法", 3)
    o = store.orders.get(oid)
    assert o["state"] == "drafting" and o["draft_due"] == "2026-12-01" and not o["overdue"]
    with pytest.raises(InvalidAction):
        store.orders.push(sup, oid, _assocs(store), 5)  # no draft yet
    draft = store.library.create(rsj, {"title": "徐州市稳岗扩岗专项支持办法（征求意见稿）", **COMPLETE})
    with pytest.raises(PermissionDenied):
        store.orders.attach(staff["swj"], oid, draft.id)
    store.orders.attach(rsj, oid, draft.id)
    assert store.orders.get(oid)["state"] == "drafted"
    a, b = _assocs(store)
    rid = store.orders.push(sup, oid, [a, b], 5)  # comments due Thursday 2026-12-03
    o = store.orders.get(oid)
    assert o["state"] == "commenting" and o["round"]["deadline"] == "2026-12-03"
    c1 = store.comments.record(clerk, rid, a, "建议将补贴对象扩大到个体工商户")
    c2 = store.comments.record(clerk, rid, b, "申报材料请精简为一张表")
    assert store.comments.forward(sup, rid) == 2
    o = store.orders.get(oid)
    assert o["state"] == "answering" and o["due"] == "2026-12-03"  # 5 working days after the forward on 11-26
    # the department answers each comment; another department may not
    with pytest.raises(PermissionDenied):
        store.comments.decide(staff["swj"], c1, True, "采纳")
    store.comments.decide(rsj, c1, True, "已在第三条增加个体工商户")
    store.comments.decide(rsj, c2, False, "材料清单由省厅统一规定")
    o = store.orders.get(oid)
    assert o["state"] == "done" and o["adopted"] == 1 and o["decided"] == 2
    figures = store.orders.figures(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert figures == [{"department": "市人社局", "orders": 1, "rounds": 1, "comments": 2, "answered": 2,
                        "adopted": 1, "overdue": 0}]


def test_overdue_steps_are_notices_for_the_department_and_the_center(store, staff, clock):
    sup, rsj, clerk = staff["sup"], staff["rsj"], staff["clerk"]
    oid = store.orders.open(sup, "市人社局", "企业新型学徒制培训补贴办法", 2)  # due Monday 2026-11-30
    clock.set("2026-11-30T17:00:00+08:00")
    assert store.orders.notices(rsj) == []
    clock.set("2026-12-01T09:00:00+08:00")
    assert store.orders.notices(rsj) == [f"定制点餐 #{oid} 草稿逾期（应于 2026-11-30 前提交）"]
    assert store.orders.notices(sup) == [f"定制点餐 #{oid} 市人社局 草稿逾期（应于 2026-11-30 前提交）"]
    assert store.orders.notices(staff["swj"]) == []
    draft = store.library.create(rsj, {"title": "企业新型学徒制培训补贴办法（征求意见稿）", **COMPLETE})
    store.orders.attach(rsj, oid, draft.id)
    assert store.orders.notices(rsj) == []
    a = _assocs(store, 1)[0]
    rid = store.orders.push(sup, oid, [a], 2)
    store.comments.record(clerk, rid, a, "建议明确补贴发放时间")
    store.comments.forward(sup, rid)
    clock.set("2026-12-09T09:00:00+08:00")  # 5 working days after 12-01 is 12-08
    assert store.orders.notices(rsj) == [f"定制点餐 #{oid} 1 条意见答复逾期（应于 2026-12-08 前答复）"]
    with pytest.raises(InvalidAction):
        store.orders.open(sup, "市人社局", "  ", 3)
    with pytest.raises(PermissionDenied):
        store.orders.open(rsj, "市人社局", "自己给自己派单", 3)


def test_the_bulletin_counts_rounds_comments_and_adoption(store, staff, tmp_path):
    from xzconsole.services import bulletin_files

    sup, rsj, clerk = staff["sup"], staff["rsj"], staff["clerk"]
    oid = store.orders.open(sup, "市人社局", "徐州市稳岗扩岗专项支持办法", 3)
    draft = store.library.create(rsj, {"title": "徐州市稳岗扩岗专项支持办法（征求意见稿）", **COMPLETE})
    store.orders.attach(rsj, oid, draft.id)
    a, b = _assocs(store)
    rid = store.orders.push(sup, oid, [a, b], 5)
    c1 = store.comments.record(clerk, rid, a, "建议扩大补贴对象")
    store.comments.record(clerk, rid, b, "建议精简材料")
    store.comments.forward(sup, rid)
    store.comments.decide(rsj, c1, True, "已采纳")
    out = tmp_path / "通报.md"
    bulletin_files.write_report(store, "2026-11", "md", out, store.now())
    text = out.read_text(encoding="utf-8")
    assert "## 定制点餐" in text
    assert "| 市人社局 | 1 | 1 | 2 | 1 | 1 | 100.0% | 0 |" in text
