"""Department liaisons as authors (issue 15, item 1): a liaison drafts and
submits their department's policies, the center reviews and publishes or
returns them; liaisons keep their department's knowledge entries under the
center's review; the notices each side sees."""

from __future__ import annotations


import pytest

from xzconsole.errors import InvalidAction, PermissionDenied

DRAFT = {
    "title": "徐州市2026年度稳岗返还经办规程", "doc_number": "徐人社发〔2026〕121号", "level": "市",
    "category": "人才就业", "kind": "其他",
}
COMPLETE = {"summary": "参保单位上年度未裁员或裁员率不高于规定标准的，按实际缴纳失业保险费的一定比例返还。",
            "interpreter_name": "王敏", "interpreter_phone": "0516-83801234"}


def test_a_liaison_drafts_submits_and_the_center_publishes_with_history(store, staff):
    rsj, sup = staff["rsj"], staff["sup"]
    p = store.library.create(rsj, DRAFT)
    assert p.issuer == "市人社局" and p.review == "editing" and p.status.value == "draft"
    # the center cannot publish what the department has not submitted
    with pytest.raises(InvalidAction) as e:
        store.library.publish(sup, p.id)
    assert "尚未提交审核" in str(e.value)
    # summary and interpreter are mandatory to submit, as to publish
    with pytest.raises(InvalidAction) as e:
        store.library.submit(rsj, p.id)
    assert "提交审核前必须填写摘要" in str(e.value)
    store.library.update(rsj, p.id, COMPLETE)
    assert store.library.submit(rsj, p.id).review == "submitted"
    assert [x.id for x in store.library.review_queue()] == [p.id]
    assert store.library.review_notices(sup) == ["1 份部门起草的政策待审核（v 待审核）"]
    # submitted: with the center now, the liaison no longer edits it
    with pytest.raises(InvalidAction):
        store.library.update(rsj, p.id, {"summary": "改一下"})
    published = store.library.publish(sup, p.id)
    assert published.status.value == "published" and published.review == "approved"
    actions = [(h["actor"], h["action"]) for h in store.library.history(p.id)]
    assert actions == [("rsj", "create"), ("rsj", "edit"), ("rsj", "submit"), ("sup", "publish")]
    assert store.library.review_queue() == []


def test_the_center_returns_a_draft_with_a_reason_and_the_liaison_sees_it(store, staff):
    rsj, sup = staff["rsj"], staff["sup"]
    p = store.library.create(rsj, {**DRAFT, **COMPLETE})
    assert store.library.review_notices(rsj) == ["1 份政策草稿尚未提交中心审核（s 提交审核）"]
    store.library.submit(rsj, p.id)
    with pytest.raises(InvalidAction):
        store.library.return_draft(sup, p.id, "  ")
    back = store.library.return_draft(sup, p.id, "文号与发文日期不符，请核对")
    assert back.review == "returned" and back.review_note == "文号与发文日期不符，请核对"
    assert store.library.review_notices(rsj)[0].startswith("1 份政策草稿被中心退回")
    assert [x.id for x in store.library.department_policies("市人社局")] == [p.id]
    with pytest.raises(InvalidAction):
        store.library.publish(sup, p.id)  # returned: back with the department
    store.library.update(rsj, p.id, {"doc_number": "徐人社发〔2026〕122号"})
    store.library.submit(rsj, p.id)
    assert store.library.publish(sup, p.id).status.value == "published"
    notes = [h["note"] for h in store.library.history(p.id) if h["action"] == "return"]
    assert notes == ["文号与发文日期不符，请核对"]


def test_a_liaison_writes_only_for_their_own_department(store, staff):
    rsj, swj = staff["rsj"], staff["swj"]
    with pytest.raises(InvalidAction) as e:
        store.library.create(rsj, {**DRAFT, "issuer": "市税务局"})
    assert "本单位（市人社局）" in str(e.value)
    p = store.library.create(rsj, DRAFT)
    with pytest.raises(PermissionDenied):
        store.library.update(swj, p.id, COMPLETE)
    with pytest.raises(PermissionDenied):
        store.library.submit(swj, p.id)
    with pytest.raises(InvalidAction):
        store.library.update(rsj, p.id, {"issuer": "市税务局"})
    # a liaison neither publishes nor withdraws
    with pytest.raises(PermissionDenied):
        store.library.publish(rsj, p.id)
    # nor edits the center's own policies of the department
    own = store.library.create(staff["sup"], {**DRAFT, "title": "中心录入的人社政策", "issuer": "市人社局"})
    with pytest.raises(PermissionDenied):
        store.library.update(rsj, own.id, COMPLETE)


def test_a_liaison_keeps_the_department_knowledge_under_the_center_review(store, staff, clock):
    rsj, sup, clerk = staff["rsj"], staff["sup"], staff["clerk"]
    e = store.knowledge.create(rsj, "灵活就业人员如何办理社保缴费基数调整？", "每年7月起可在江苏智慧人社APP申报新年度缴费基数。", "人才就业")
    assert e.department == "市人社局" and e.review == "pending" and not e.accepted
    # not offered to the hotline before the center accepts it
    assert e.id not in {x.id for x in store.knowledge.search("缴费基数调整")}
    assert store.knowledge.review_notices(sup) == ["1 条部门维护的知识库条目待审核（v 待审核）"]
    with pytest.raises(InvalidAction):
        store.knowledge.return_entry(sup, e.id, "")
    store.knowledge.return_entry(sup, e.id, "请写明办理渠道和时限")
    assert store.knowledge.review_notices(rsj)[0] == "1 条知识库条目被中心退回，请修改"
    store.knowledge.update(rsj, e.id, {"answer": "每年7月1日至9月30日在江苏智慧人社APP或人社服务窗口申报。"})
    assert store.knowledge.get(e.id).review == "pending"
    accepted = store.knowledge.accept(sup, e.id)
    assert accepted.accepted and accepted.review == ""
    assert e.id in {x.id for x in store.knowledge.search("缴费基数调整")}
    # another department's entry, and the clerk, are refused
    tax = next(x for x in store.knowledge.department_entries("市税务局"))
    with pytest.raises(PermissionDenied):
        store.knowledge.update(rsj, tax.id, {"answer": "改"})
    with pytest.raises(PermissionDenied):
        store.knowledge.create(clerk, "问", "答")
    actions = [h["action"] for h in store.knowledge.history(e.id)]
    assert actions == ["create", "return", "edit", "accept"]


def test_entries_due_for_review_are_a_department_notice_until_marked_reviewed(store, staff, clock):
    rsj = staff["rsj"]
    mine = store.knowledge.department_entries("市人社局")
    assert mine, "the sample library holds 市人社局 entries"
    assert store.knowledge.due_for_review("市人社局") == 0
    clock.advance(days=151)
    due = store.knowledge.due_for_review("市人社局")
    assert due == len(mine)
    assert f"{due} 条知识库条目超过 150 天未更新" in store.knowledge.review_notices(rsj)[0]
    store.knowledge.mark_reviewed(rsj, mine[0].id)
    assert store.knowledge.due_for_review("市人社局") == due - 1
    assert store.knowledge.history(mine[0].id)[-1]["note"] == "已核对，内容仍有效"
    with pytest.raises(PermissionDenied):
        store.knowledge.mark_reviewed(staff["swj"], mine[1].id)
