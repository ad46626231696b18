"""Store tests of the trade associations (SPEC §14): members, subscriptions,
contact, and the pushes and comment rounds each association received.

Enterprises come in the way they do in real life, as the enterprise of an
accepted ticket; pushes and comment rounds are made with the policy
library's own actions, then read back per association.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.store import InvalidAction, NotFound, PermissionDenied

COMPLETE = {"summary": "对符合条件的企业给予补贴。", "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"}


def uscc(n: int) -> str:
    first17 = f"91320300MA1{n:06d}"
    return first17 + uscc_check_char(first17)


def enterprise(store, staff, name: str, n: int, district: str = "云龙区") -> int:
    """An enterprise as the center meets it: the enterprise of an accepted ticket."""
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="咨询求助", enterprise_name=name, uscc=uscc(n),
                                                  district=district, content="咨询政策申报条件"))
    assert t.enterprise_id is not None
    return t.enterprise_id


@pytest.fixture
def gcjx(store):
    return store.associations.get("gcjx")


# ---------------------------------------------------------------- reading


def test_association_by_id_code_or_name_and_the_list(store, gcjx):
    assert gcjx.name == "徐州市工程机械行业协会"
    assert store.associations.get(gcjx.id) == gcjx == store.associations.get("徐州市工程机械行业协会")
    assert gcjx.categories == ["产业发展", "科技创新", "外贸外资"] and gcjx.member_count == 0 and gcjx.version == 1
    listed = store.associations.summaries()
    assert len(listed) == 16 and listed[0] == gcjx
    with pytest.raises(NotFound, match="找不到协会"):
        store.associations.get("no-such")


# ---------------------------------------------------------------- members


def test_members_add_page_by_name_and_remove_with_reason_in_history(store, staff, gcjx):
    ids = {name: enterprise(store, staff, name, i) for i, name in enumerate(
        ["徐工机械配套有限公司", "徐州恒力液压件厂", "徐州三一重机部件有限公司", "江苏云龙传动科技有限公司", "[b]徐州[/b]机械"])}
    for eid in ids.values():
        store.associations.add_member(staff["clerk"], gcjx.id, eid)
    assert store.associations.get(gcjx.id).member_count == 5
    with pytest.raises(InvalidAction, match="已是该协会会员"):
        store.associations.add_member(staff["sup"], gcjx.id, ids["徐州恒力液压件厂"])

    first = store.associations.members(gcjx.id, limit=2)
    second = store.associations.members(gcjx.id, after=first[-1].key, limit=2)
    third = store.associations.members(gcjx.id, after=second[-1].key, limit=2)
    names = [m.name for m in first + second + third]
    assert names == sorted(ids) and len(third) == 1
    assert first[0].uscc and first[0].district == "云龙区" and first[0].added_by == "clerk"
    assert first[0].joined_at == store.now().replace(microsecond=0)

    with pytest.raises(InvalidAction, match="移除原因"):
        store.associations.remove_member(staff["clerk"], gcjx.id, ids["徐州恒力液压件厂"], "  ")
    store.associations.remove_member(staff["sup"], gcjx.id, ids["徐州恒力液压件厂"], "企业已注销")
    assert "徐州恒力液压件厂" not in [m.name for m in store.associations.members(gcjx.id)]
    assert store.associations.get(gcjx.id).member_count == 4
    with pytest.raises(InvalidAction, match="不是本协会会员"):
        store.associations.remove_member(staff["sup"], gcjx.id, ids["徐州恒力液压件厂"], "重复操作")

    latest = store.associations.history(gcjx.id)[0]
    assert latest["action"] == "member_remove" and latest["actor"] == "sup" and latest["label"] == "移除会员"
    assert "企业已注销" in latest["note"]
    assert latest["changes"]["name"] == "徐州恒力液压件厂" and latest["changes"]["added_by"] == "clerk"
    # the same enterprise may join again later
    store.associations.add_member(staff["clerk"], gcjx.id, ids["徐州恒力液压件厂"])
    assert store.associations.get(gcjx.id).member_count == 5
    assert [e["action"] for e in store.associations.history(gcjx.id)].count("member_add") == 6


def test_history_is_append_only(store, staff, gcjx):
    store.associations.add_member(staff["clerk"], gcjx.id, enterprise(store, staff, "徐州恒力液压件厂", 1))
    with pytest.raises(Exception, match="协会记录只能追加"):
        with store.write() as c:
            c.execute("DELETE FROM association_events")


def test_unknown_enterprise_is_refused(store, staff, gcjx):
    with pytest.raises(NotFound, match="找不到企业"):
        store.associations.add_member(staff["clerk"], gcjx.id, 999_999)


# ---------------------------------------------------------------- subscriptions


def test_subscriptions_edit_in_category_order_with_history(store, staff, gcjx):
    a = store.associations.set_subscriptions(staff["clerk"], gcjx.id, ["外贸外资", "人才就业", "财税金融", "人才就业"], version=gcjx.version)
    assert a.categories == ["财税金融", "人才就业", "外贸外资"]  # data/categories.toml order, no repeats
    assert a.version == 2 and a.edited_by == "clerk" and a.edited_at == store.now().replace(microsecond=0)
    (event,) = store.associations.history(gcjx.id)
    assert event["action"] == "subscriptions" and event["label"] == "修改订阅"
    assert event["changes"] == {"categories": [["产业发展", "科技创新", "外贸外资"], ["财税金融", "人才就业", "外贸外资"]]}
    # saving the same choice again, in any order, changes nothing
    assert store.associations.set_subscriptions(staff["sup"], gcjx.id, a.categories[::-1], version=2).version == 2
    assert len(store.associations.history(gcjx.id)) == 1
    # nor does the data file's order of an untouched association count as a change
    wl = store.associations.get("wl")
    assert store.associations.set_subscriptions(staff["sup"], wl.id, sorted(wl.categories), version=1) == wl


def test_subscriptions_version_conflict_is_refused_in_chinese(store, staff, gcjx):
    store.associations.set_subscriptions(staff["sup"], gcjx.id, ["产业发展"], version=gcjx.version)
    with pytest.raises(InvalidAction, match="已被 赵值班 .*修改.*现订阅：产业发展.*已保留"):
        store.associations.set_subscriptions(staff["clerk"], gcjx.id, ["财税金融"], version=gcjx.version)
    assert store.associations.get(gcjx.id).categories == ["产业发展"]


def test_unknown_or_no_category_is_refused(store, staff, gcjx):
    with pytest.raises(InvalidAction, match="没有这个政策大类：出口退税"):
        store.associations.set_subscriptions(staff["clerk"], gcjx.id, ["外贸外资", "出口退税"], version=1)  # a subcategory
    with pytest.raises(InvalidAction, match="至少订阅一个"):
        store.associations.set_subscriptions(staff["clerk"], gcjx.id, [], version=1)
    assert store.associations.get(gcjx.id).version == 1


def test_reloading_data_keeps_the_console_edits_of_an_association(store, staff, gcjx):
    wl = store.associations.get("wl")
    store.associations.set_subscriptions(staff["clerk"], gcjx.id, ["人才就业"], version=gcjx.version)
    store.associations.set_contact(staff["clerk"], gcjx.id, "刘会长", "13952201234", version=2)
    store.load_reference_data()
    after = store.associations.get(gcjx.id)
    assert after.categories == ["人才就业"]
    assert (after.contact_name, after.contact_phone) == ("刘会长", "13952201234")
    assert store.associations.get("wl") == wl  # untouched ones still follow data/


# ---------------------------------------------------------------- contact


def test_contact_is_validated_and_recorded(store, staff, gcjx):
    with pytest.raises(InvalidAction, match="不是有效的手机号"):
        store.associations.set_contact(staff["clerk"], gcjx.id, "刘会长", "12345", version=1)
    with pytest.raises(InvalidAction, match="联系人姓名不能为空"):
        store.associations.set_contact(staff["clerk"], gcjx.id, " ", "13952201234", version=1)
    a = store.associations.set_contact(staff["sup"], gcjx.id, "刘会长", "051683125609", version=1)
    assert a.contact_phone == "0516-83125609" and a.version == 2
    (event,) = store.associations.history(gcjx.id)
    assert event["changes"] == {"contact_name": ["王建国", "刘会长"], "contact_phone": ["0516-83125608", "0516-83125609"]}
    with pytest.raises(InvalidAction, match="已被 赵值班"):
        store.associations.set_contact(staff["clerk"], gcjx.id, "王建国", "0516-83125608", version=1)


# ---------------------------------------------------------------- roles


def test_a_liaison_may_not_edit_an_association(store, staff, gcjx):
    eid = enterprise(store, staff, "徐州恒力液压件厂", 1)
    for call in (lambda: store.associations.add_member(staff["rsj"], gcjx.id, eid),
                 lambda: store.associations.remove_member(staff["rsj"], gcjx.id, eid, "退会"),
                 lambda: store.associations.set_subscriptions(staff["rsj"], gcjx.id, ["人才就业"], version=1),
                 lambda: store.associations.set_contact(staff["rsj"], gcjx.id, "刘会长", "13952201234", version=1)):
        with pytest.raises(PermissionDenied, match="承办单位联络员"):
            call()
    assert store.associations.history(gcjx.id) == []


# ---------------------------------------------------------------- pushes and comment rounds


def test_pushes_read_back_per_association_newest_first_with_paging(store, staff, gcjx):
    wl = store.associations.get("wl")
    titles = ["关于支持工程机械出口的若干措施", "徐州市稳岗补贴申报指南", "关于促进物流业发展的意见"]
    for i, title in enumerate(titles):
        p = store.library.create(staff["sup"], {"title": title, "doc_number": f"徐政发〔2026〕{i + 1}号", **COMPLETE})
        store.library.publish(staff["sup"], p.id)
        store.library.push(staff["sup"], p.id, [gcjx.id] if i < 2 else [wl.id], "请转发会员企业")
    pushes = store.associations.pushes(gcjx.id)
    assert [(x["policy_title"], x["doc_number"], x["actor"]) for x in pushes] == [
        ("徐州市稳岗补贴申报指南", "徐政发〔2026〕2号", "sup"), ("关于支持工程机械出口的若干措施", "徐政发〔2026〕1号", "sup")]
    assert pushes[0]["at"] == "2026-11-26T09:30:00+08:00"
    page2 = store.associations.pushes(gcjx.id, limit=1, after=pushes[0]["id"])
    assert [x["policy_title"] for x in page2] == ["关于支持工程机械出口的若干措施"]
    assert store.associations.get(gcjx.id).last_push_at == store.now().replace(microsecond=0)
    assert [x["policy_title"] for x in store.associations.pushes("wl")] == ["关于促进物流业发展的意见"]


def test_rounds_show_deadline_answer_comments_and_decisions(store, staff, clock, gcjx):
    wl = store.associations.get("wl")
    draft = store.library.create(staff["sup"], {"title": "关于支持物流业降本增效的若干措施（征求意见稿）", "issuer": "市商务局"})
    first = store.comments.open_round(staff["sup"], draft.id, [gcjx.id, wl.id], dt.date(2026, 12, 3))
    second = store.comments.open_round(staff["sup"], draft.id, [gcjx.id], dt.date(2026, 11, 27))
    c1 = store.comments.record(staff["clerk"], first, gcjx.id, "建议将冷链物流纳入支持范围")
    store.comments.record(staff["clerk"], first, wl.id, "物流协会的意见不应出现在工程机械协会名下")
    store.comments.record(staff["clerk"], first, gcjx.id, "补贴标准宜再提高")
    store.comments.forward(staff["sup"], first)
    store.comments.decide(staff["sup"], c1, True, "已在第三条增加冷链物流")

    rounds = store.associations.rounds(gcjx.id)
    assert [r["id"] for r in rounds] == [second, first]
    late, done = rounds
    assert late["answered"] is False and late["state_label"] == "待反馈" and late["deadline"] == "2026-11-27"
    assert done["policy_title"] == draft.title and done["answered"] and done["state_label"] == "已反馈"
    assert [c["text"] for c in done["comments"]] == ["建议将冷链物流纳入支持范围", "补贴标准宜再提高"]
    assert [(c["decision"], c["forwarded_to"]) for c in done["comments"]] == [("adopted", "市商务局"), (None, "市商务局")]
    assert done["comments"][0]["reason"] == "已在第三条增加冷链物流"
    clock.advance(days=4)  # Monday 2026-11-30: the second round's deadline (11-27) has passed
    assert store.associations.rounds(gcjx.id)[0]["state_label"] == "逾期未反馈"


def test_merged_records_count_once_and_new_members_join_as_the_kept_record(store, staff, gcjx):
    keep = enterprise(store, staff, "徐州恒力液压件有限公司", 1)
    drop = enterprise(store, staff, "恒力液压", 2)
    other = enterprise(store, staff, "徐州恒力液压件厂", 3)
    store.associations.add_member(staff["clerk"], gcjx.id, keep)
    store.associations.add_member(staff["clerk"], gcjx.id, drop)
    store.directory.merge(staff["sup"], keep, drop)
    assert [m.enterprise_id for m in store.associations.members(gcjx.id)] == [keep]
    assert store.associations.get(gcjx.id).member_count == 1
    store.directory.merge(staff["sup"], keep, other)
    with pytest.raises(InvalidAction, match="已是该协会会员"):  # the merged record stands for the kept one
        store.associations.add_member(staff["clerk"], gcjx.id, other)
    store.associations.remove_member(staff["clerk"], gcjx.id, keep, "企业退会")
    assert store.associations.get(gcjx.id).member_count == 0
    # the duplicate left on the merged record goes too: the enterprise's page reads both records
    assert store.directory.profile(staff["clerk"], keep).memberships == []
    store.associations.add_member(staff["clerk"], gcjx.id, drop)
    assert [m.enterprise_id for m in store.associations.members(gcjx.id)] == [keep]
