"""The policy library (SPEC §6, §11): search, publishing, expiry, pushes, comment
rounds, feedback → supervised ticket, import, collection log and "135" lag."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xzconsole import policies as pol
from xzconsole.areas import fts as store_policies
from xzconsole.policies import PolicyFilter
from xzconsole.services.library_files import import_policies
from xzconsole.store import InvalidAction, PermissionDenied

COMPLETE = {"summary": "对符合条件的企业给予补贴。", "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"}


def make(store, staff, title, *, publish=True, **values):
    if publish and values.get("kind") == "申报类":
        values.setdefault("apply_url", "https://qyfw.xz.gov.cn/zcsb/test")  # a declaration is published with its link
    p = store.library.create(staff["sup"], {"title": title, **(COMPLETE if publish else {}), **values})
    if publish:
        p = store.library.publish(staff["sup"], p.id)
    return p


def ids(hits):
    return [h.policy.id for h in hits]


# ---------------------------------------------------------------- search


def test_two_character_query_finds_the_word_anywhere_in_the_text(store, staff):
    a = make(store, staff, "关于阶段性降低社保费率的通知")
    b = make(store, staff, "企业职工缴纳社保")  # the word at the very end of the title
    c = make(store, staff, "稳岗返还实施细则", summary="参保企业按规定享受社保补贴。")
    hits = ids(store.library.search("社保", limit=500))
    assert {a.id, b.id, c.id} <= set(hits)
    assert hits.index(a.id) < hits.index(c.id)  # a title hit ranks above a summary-only hit


def test_very_common_words_list_title_hits_first_then_newest(store, staff, monkeypatch):
    in_summary_old = make(store, staff, "稳岗返还实施细则（甲）", summary="参保企业按规定享受社保补贴。")
    in_title = make(store, staff, "关于阶段性降低社保费率的通知（乙）")
    in_summary_new = make(store, staff, "稳岗返还实施细则（丙）", summary="社保补贴按季度发放。")
    monkeypatch.setattr(store_policies, "RANK_COST", 0)  # as if most of the library held the word
    for cap, q in [(400, "社保"), (400, "社保补贴"), (400, "社保 补贴"), (0, "社保"), (0, "社保 补贴")]:
        monkeypatch.setattr(store_policies, "SHORT_TERM_CAP", cap)  # 0: short words left to instr()
        hits = ids(store.library.search(q, limit=500))
        titled = [i for i in hits if all(t in store.library.get(i).title for t in q.split())]  # every word in the title
        assert hits[: len(titled)] == titled and (q != "社保" or in_title.id in titled)
        rest = hits[len(titled):]
        assert rest.index(in_summary_new.id) < rest.index(in_summary_old.id)  # newest added first
    page1 = ids(store.library.search("社保", limit=2))
    page2 = ids(store.library.search("社保", limit=2, offset=2))
    assert page1 + page2 == ids(store.library.search("社保", limit=4))
    assert store.knowledge.search("社保", 3)  # the knowledge search takes the same path


def test_query_inside_a_longer_word(store, staff):
    p = make(store, staff, "关于开展徐州市瞪羚企业认定工作的通知")
    assert p.id in ids(store.library.search("瞪羚"))
    assert p.id in ids(store.library.search("羚企"))  # 2 characters from inside 瞪羚企业
    assert p.id in ids(store.library.search("羚企业认"))  # 4 characters from inside
    assert p.id in ids(store.library.search("羚"))  # a single character


def test_query_with_no_hit_is_empty(store, staff):
    assert store.library.search("量子纠缠火星基地") == []
    assert store.library.search("馕") == []  # a character that occurs nowhere
    assert store.library.search("馕饼") == []


def test_several_words_must_all_match(store, staff):
    both = make(store, staff, "外贸企业出口信用保险补贴")
    one = make(store, staff, "外贸企业展会补助")
    hits = ids(store.library.search("出口 外贸"))
    assert both.id in hits and one.id not in hits


NASTY = ['" * ( ) AND OR NEAR \' ; -- %', '"', "*", "(", "AND", "OR", "NOT", "NEAR(a b)", "'; DROP TABLE policies; --",
         "%%", "_", "a:b", "^社保", "社保*", '"社保"', "\\", "{title}:x", "title:社保", "-社保", "+", "NEAR/2"]


def test_sql_and_fts_syntax_is_searched_literally_and_never_errors(store, staff):
    for query in NASTY:
        store.library.search(query)
        store.library.search(query, PolicyFilter(kind="申报类"))
        store.knowledge.search(query)
    assert store.q1("SELECT count(*) FROM policies")[0] > 0  # nothing dropped


def test_syntax_characters_match_literally(store, staff):
    odd = make(store, staff, '测试"AND"(OR)*NEAR 50% \'; -- 文件')
    plain = make(store, staff, "测试 AND OR NEAR 文件")
    assert ids(store.library.search('"AND"(OR)*')) == [odd.id]
    assert ids(store.library.search("50%")) == [odd.id]
    assert ids(store.library.search("';")) == [odd.id]
    assert ids(store.library.search("--")) == [odd.id]
    assert plain.id in ids(store.library.search("NEAR 文件"))
    assert ids(store.library.search('"')) == [odd.id]


ALPHABET = "社保企业补贴税费申报专精特新徐州市科技AaBb12\"*()'%;-: "


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=ALPHABET, min_size=1, max_size=6))
def test_search_equals_a_literal_substring_match(store, staff, query):
    """Whatever is typed, the result set is exactly the policies whose title,
    number, issuer or summary contain every word literally (ASCII case folded)."""
    terms = pol.split_terms(query)
    got = set(ids(store.library.search(query, limit=100_000)))
    with pytest.MonkeyPatch.context() as mp:  # the same set when the words count as very common
        mp.setattr(store_policies, "RANK_COST", 0)
        assert set(ids(store.library.search(query, limit=100_000))) == got
        mp.setattr(store_policies, "SHORT_TERM_CAP", 0)  # and when short words are left to instr()
        assert set(ids(store.library.search(query, limit=100_000))) == got
    if not terms:  # no words: the plain list of the whole library
        assert len(got) == store.q1("SELECT count(*) FROM policies")[0]
        return
    expect = set()
    for r in store.q("SELECT id, title, doc_number, issuer, summary FROM policies"):
        text = [str(r[k]).lower() for k in ("title", "doc_number", "issuer", "summary")]
        if all(any(t.lower() in col for col in text) for t in terms):
            expect.add(r["id"])
    assert got == expect


def test_filters_category_level_issuer_kind_validity_status(store, staff, clock):
    today = clock.today()
    soon = make(store, staff, "测试筛选甲", kind="申报类", category="财税金融", subcategory="贷款贴息", level="市",
                issuer="市财政局", valid_until=(today + dt.timedelta(days=10)).isoformat())
    later = make(store, staff, "测试筛选乙", kind="申报类", category="财税金融", level="省", issuer="江苏省财政厅",
                 valid_until=(today + dt.timedelta(days=90)).isoformat())
    draft = make(store, staff, "测试筛选丙", publish=False, category="人才就业")
    q = "测试筛选"
    assert ids(store.library.search(q, PolicyFilter(subcategory="贷款贴息"))) == [soon.id]
    assert set(ids(store.library.search(q, PolicyFilter(category="财税金融")))) == {soon.id, later.id}
    assert ids(store.library.search(q, PolicyFilter(level="省"))) == [later.id]
    assert ids(store.library.search(q, PolicyFilter(issuer="市财政局"))) == [soon.id]
    assert ids(store.library.search(q, PolicyFilter(validity="30天内截止"))) == [soon.id]
    assert ids(store.library.search(q, PolicyFilter(statuses=["草稿"]))) == [draft.id]
    # declaration policies: soonest deadline first, with the days left
    hits = store.library.search(q, PolicyFilter(kind="申报类"))
    assert ids(hits) == [soon.id, later.id]
    assert [h.days_left for h in hits] == [10, 90]
    with pytest.raises(ValueError, match="有效期"):
        store.library.search(q, PolicyFilter(validity="随便"))


def test_declaration_list_without_words_sorts_by_time_left(store, staff, clock):
    hits = store.library.search("", PolicyFilter(kind="申报类", validity="有效"), limit=100)
    left = [h.days_left for h in hits if h.days_left is not None]
    assert left == sorted(left) and left and min(left) >= 0


# ---------------------------------------------------------------- editor, publishing, expiry


def test_publishing_requires_summary_and_interpreter(store, staff):
    p = store.library.create(staff["sup"], {"title": "关于测试发布规则的通知", "doc_number": "徐测〔2026〕1号"})
    assert p.status.value == "draft"
    with pytest.raises(InvalidAction, match="摘要、解读人姓名、解读人电话"):
        store.library.publish(staff["sup"], p.id)
    store.library.update(staff["sup"], p.id, {"summary": "摘要内容", "interpreter_name": "李明"})
    with pytest.raises(InvalidAction, match="解读人电话"):
        store.library.publish(staff["sup"], p.id)
    with pytest.raises(InvalidAction, match="解读人电话"):
        store.library.update(staff["sup"], p.id, {"interpreter_phone": "12345"})  # not a phone number
    store.library.update(staff["sup"], p.id, {"interpreter_phone": "0516 8373 5126"})
    p = store.library.publish(staff["sup"], p.id)
    assert p.status.value == "published" and p.published_at == dt.date(2026, 11, 26)
    assert p.interpreter_phone == "0516-83735126"
    with pytest.raises(InvalidAction, match="必须保留"):
        store.library.update(staff["sup"], p.id, {"summary": ""})
    actions = [e["action"] for e in store.library.history(p.id)]
    assert actions == ["create", "edit", "edit", "publish"]
    edit = store.library.history(p.id)[1]
    assert edit["changes"]["summary"] == ["", "摘要内容"] and edit["actor"] == "sup"


def test_only_supervisors_manage_policies(store, staff):
    with pytest.raises(PermissionDenied, match="值班长"):
        store.library.create(staff["clerk"], {"title": "受理员不能新建政策"})
    p = make(store, staff, "权限测试政策")
    with pytest.raises(PermissionDenied):
        store.library.update(staff["rsj"], p.id, {"title": "改"})
    with pytest.raises(PermissionDenied):
        store.library.withdraw(staff["clerk"], p.id, "不需要")
    assert store.library.search("权限测试", limit=5)  # but clerks and everyone may search


def test_policy_history_is_append_only(store, staff):
    p = make(store, staff, "历史只追加测试")
    with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
        store.conn.execute("UPDATE policy_events SET note = 'x' WHERE policy_id = ?", (p.id,))
    with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
        store.conn.execute("DELETE FROM policy_events WHERE policy_id = ?", (p.id,))


def test_policy_expires_by_itself_after_its_end_date(store, staff, clock):
    p = make(store, staff, "到期自动失效测试", valid_until="2026-11-30")
    clock.set("2026-11-30T18:00:00+08:00")  # the end date itself: still in force
    assert store.library.search("到期自动失效")[0].policy.status.value == "published"
    clock.set("2026-12-01T08:00:00+08:00")
    hit = store.library.search("到期自动失效")[0]
    assert hit.policy.status.value == "expired" and hit.days_left == -1
    last = store.library.history(p.id)[-1]
    assert (last["action"], last["actor"], last["changes"]["status"]) == ("expire", "system", ["published", "expired"])
    assert store.library.expire(force=True) == 0  # recorded once only
    assert p.id in ids(store.library.search("到期自动失效", PolicyFilter(validity="已截止")))


def test_withdraw_needs_a_reason_and_is_recorded(store, staff):
    p = make(store, staff, "撤回测试政策")
    with pytest.raises(InvalidAction, match="理由"):
        store.library.withdraw(staff["sup"], p.id, " ")
    assert store.library.withdraw(staff["sup"], p.id, "文件已废止").status.value == "withdrawn"
    assert store.library.history(p.id)[-1]["note"] == "文件已废止"


# ---------------------------------------------------------------- push


def test_push_preselects_subscribed_associations_and_keeps_history_both_ways(store, staff):
    p = make(store, staff, "外贸推送测试政策", category="外贸外资", subcategory="出口退税")
    suggested = store.library.suggest_associations(p.id)
    assert suggested and all("外贸外资" in a.categories for a in suggested)
    others = [a for a in store.association_list() if "外贸外资" not in a.categories]
    assert others and not {a.id for a in others} & {a.id for a in suggested}
    chosen = [a.id for a in suggested[:2]] + [others[0].id]  # staff may add one not subscribed
    assert store.library.push(staff["sup"], p.id, chosen, "请转发会员企业") == 3
    by_policy = store.library.push_history(policy_id=p.id)
    assert {h["association_id"] for h in by_policy} == set(chosen)
    by_assoc = store.library.push_history(association_id=others[0].id)
    assert [(h["policy_id"], h["note"]) for h in by_assoc] == [(p.id, "请转发会员企业")]
    assert store.library.history(p.id)[-1]["action"] == "push"
    draft = make(store, staff, "草稿不能推送", publish=False)
    with pytest.raises(InvalidAction, match="已发布"):
        store.library.push(staff["sup"], draft.id, chosen)
    with pytest.raises(PermissionDenied):
        store.library.push(staff["clerk"], p.id, chosen)


# ---------------------------------------------------------------- comment solicitation


def test_comment_round_end_to_end(store, staff, clock):
    draft = make(store, staff, "关于支持物流业降本增效的若干措施（征求意见稿）", publish=False, issuer="市商务局",
                 category="产业发展")
    a1, a2, a3 = [a.id for a in store.association_list()[:3]]
    with pytest.raises(InvalidAction, match="截止日期"):
        store.comments.open_round(staff["sup"], draft.id, [a1], clock.today() - dt.timedelta(days=1))
    rid = store.comments.open_round(staff["sup"], draft.id, [a1, a2], clock.today() + dt.timedelta(days=7), "请一周内反馈")
    c1 = store.comments.record(staff["clerk"], rid, a1, "建议将冷链物流纳入支持范围")
    c2 = store.comments.record(staff["clerk"], rid, a2, "建议提高补贴上限")
    with pytest.raises(InvalidAction, match="不在本轮"):
        store.comments.record(staff["clerk"], rid, a3, "未邀请的协会")
    with pytest.raises(InvalidAction, match="尚未转交"):
        store.comments.decide(staff["sup"], c1, True, "采纳")
    assert store.comments.forward(staff["sup"], rid) == 2  # to the issuer by default
    with pytest.raises(InvalidAction, match="没有待转交"):
        store.comments.forward(staff["sup"], rid)
    with pytest.raises(InvalidAction, match="理由"):
        store.comments.decide(staff["sup"], c1, True, "")
    store.comments.decide(staff["sup"], c1, True, "已在第三条增加冷链物流")
    store.comments.decide(staff["sup"], c2, False, "补贴上限由省级文件确定")
    (rnd,) = store.comments.rounds(draft.id)
    assert rnd["status_label"] == "已反馈"
    assert [(c["forwarded_to"], c["decision"]) for c in rnd["comments"]] == [("市商务局", "adopted"), ("市商务局", "rejected")]
    actions = [e["action"] for e in store.library.history(draft.id)]
    assert actions[-6:] == ["comment_round", "comment", "comment", "forward", "decide", "decide"]
    assert "补贴上限由省级文件确定" in store.library.history(draft.id)[-1]["note"]
    published = make(store, staff, "已发布的不能再征求意见")
    with pytest.raises(InvalidAction, match="草稿"):
        store.comments.open_round(staff["sup"], published.id, [a1], clock.today())
    assert store.associations.rounds(a1)[0]["id"] == rid


# ---------------------------------------------------------------- feedback


def test_feedback_summary_by_topic(store, staff):
    p = make(store, staff, "反馈统计测试政策")
    for topic, sat in [("贷款融资", "满意"), ("贷款融资", "不满意"), ("贷款融资", "基本满意"), ("减免房租", "满意")]:
        store.feedback.record(staff["clerk"], p.id, enterprise_name="徐州恒通机械有限公司", topic=topic, satisfaction=sat)
    s = store.feedback.summary(policy_id=p.id)
    assert list(s) == ["贷款融资", "复工用工", "减免房租", "其他"]
    assert (s["贷款融资"]["count"], s["贷款融资"]["unsatisfied"], s["贷款融资"]["satisfaction_rate"]) == (3, 1, 0.6667)
    assert s["减免房租"]["satisfaction_rate"] == 1.0 and s["复工用工"]["satisfaction_rate"] is None
    with pytest.raises(InvalidAction, match="反馈主题"):
        store.feedback.record(staff["clerk"], p.id, enterprise_name="某企业", topic="天气", satisfaction="满意")
    with pytest.raises(InvalidAction, match="被投诉的部门"):
        store.feedback.record(staff["clerk"], p.id, enterprise_name="某企业", topic="其他", satisfaction="不满意", complaint=True)


def test_feedback_complaint_becomes_a_supervised_ticket_in_one_action(store, staff):
    p = make(store, staff, "关于做好2026年失业保险稳岗返还工作的通知（测试）", doc_number="徐人社发〔2026〕9号")
    fid = store.feedback.record(staff["clerk"], p.id, enterprise_name="徐州恒通机械有限公司", topic="复工用工",
                                satisfaction="不满意", text="窗口要求额外提供纸质材料，迟迟不予返还", complaint=True,
                                department="市人社局")
    plain = store.feedback.record(staff["clerk"], p.id, enterprise_name="某企业", topic="其他", satisfaction="满意")
    with pytest.raises(PermissionDenied):
        store.feedback.to_ticket(staff["clerk"], fid)
    with pytest.raises(InvalidAction, match="投诉"):
        store.feedback.to_ticket(staff["sup"], plain)
    t = store.feedback.to_ticket(staff["sup"], fid)
    assert (t.status.value, t.department_name, t.appeal_type.value, t.source.value) == ("dispatched", "市人社局", "complaint", "platform")
    assert "迟迟不予返还" in t.content and "徐人社发〔2026〕9号" in t.content and t.due_date is not None
    actions = [e.action for e in store.tickets.history(staff["sup"], t.id)]
    assert actions == ["accept", "dispatch", "supervise"]
    (sv,) = store.tickets.supervisions(staff["sup"], t.id)
    assert sv.actor == "sup" and "政策落实" in sv.body
    assert store.feedback.entries(policy_id=p.id)[-1]["ticket_id"] == t.id
    with pytest.raises(InvalidAction, match="已转为工单"):
        store.feedback.to_ticket(staff["sup"], fid)
    # the department sees it as its own ticket
    assert store.tickets.get(staff["rsj"], t.id).number == t.number


# ---------------------------------------------------------------- import


CSV_HEAD = "标题,文号,发文单位,层级,类别,子类,类型,摘要,解读人,解读人电话,生效日期,截止日期,申报链接,来源链接,发文日期,发布日期\n"


def test_policy_import_counts_drafts_rejects_bad_rows_and_reimport_changes_nothing(store, staff, tmp_path):
    path = tmp_path / "library.csv"
    path.write_text(
        CSV_HEAD
        + "导入测试：完整政策,徐测〔2026〕1号,市工信局,市,产业发展,专精特新,申报类,摘要内容,张三,0516-83735126,2026-11-01,2027-01-31,https://qyfw.xz.gov.cn/a,,2026-10-28,2026-10-30\n"
        + "导入测试：缺少解读人,徐测〔2026〕2号,市科技局,市,科技创新,,其他,摘要内容,,,,,,,,\n"
        + "导入测试：缺少摘要,徐测〔2026〕3号,市科技局,县区,,,其他,,李四,13815307264,,,,,2026/10/01,\n"
        + "导入测试：日期错误,徐测〔2026〕4号,市科技局,市,,,其他,摘要,张三,13815307264,2026-13-45,,,,,\n"
        + "导入测试：电话错误,徐测〔2026〕5号,市科技局,市,,,其他,摘要,张三,12345,,,,,,\n"
        + "导入测试：类别错误,徐测〔2026〕6号,市科技局,市,不存在的类别,,其他,摘要,张三,13815307264,,,,,,\n"
        + "导入测试：层级错误,徐测〔2026〕7号,市科技局,乡镇,,,其他,摘要,张三,13815307264,,,,,,\n"
        + ",徐测〔2026〕8号,市科技局,市,,,其他,摘要,张三,13815307264,,,,,,\n"
        + "导入测试：列数不对,徐测〔2026〕9号\n"
        + "导入测试：完整政策,徐测〔2026〕1号,市工信局,市,产业发展,专精特新,申报类,摘要内容,张三,0516-83735126,,,,,,\n",
        encoding="utf-8-sig",
    )
    before = store.q1("SELECT count(*) FROM policies")[0]
    s = import_policies(store, path, staff["sup"])
    assert (s.imported, s.drafts, s.duplicate, s.rejected) == (3, 2, 1, 6)
    assert "2 条缺少摘要或解读人" in s.message()
    rejects = [json.loads(line) for line in s.rejects_file.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rejects] == [5, 6, 7, 8, 9, 10]
    reasons = " | ".join(r["reason"] for r in rejects)
    for needle in ("生效日期", "解读人电话", "类别", "政策层级", "缺少标题", "列"):
        assert needle in reasons
    assert rejects[0]["raw"]["标题"] == "导入测试：日期错误"
    statuses = dict(store.q("SELECT title, status FROM policies WHERE title LIKE '导入测试%'"))
    assert statuses == {"导入测试：完整政策": "published", "导入测试：缺少解读人": "draft", "导入测试：缺少摘要": "draft"}
    assert store.q1("SELECT level FROM policies WHERE title = '导入测试：缺少摘要'")[0] == "county"
    assert store.q1("SELECT issued_at FROM policies WHERE title = '导入测试：缺少摘要'")[0] == "2026-10-01"
    snapshot = [tuple(r) for r in store.q("SELECT * FROM policies ORDER BY id")]
    events = store.q1("SELECT count(*) FROM policy_events")[0]
    again = import_policies(store, path, staff["sup"])
    assert (again.imported, again.drafts, again.duplicate, again.rejected) == (0, 0, 4, 6)
    assert [tuple(r) for r in store.q("SELECT * FROM policies ORDER BY id")] == snapshot
    assert store.q1("SELECT count(*) FROM policy_events")[0] == events
    assert store.q1("SELECT count(*) FROM policies")[0] == before + 3
    assert store.library.search("缺少解读人")[0].policy.status.value == "draft"  # imported rows are searchable


def test_policy_import_jsonl_gbk_csv_and_xlsx(store, staff, tmp_path):
    jl = tmp_path / "p.jsonl"
    jl.write_text(json.dumps({"title": "JSON导入政策", "doc_number": "J1", **COMPLETE, "kind": "declaration",
                              "apply_url": "https://qyfw.xz.gov.cn/zcsb/j1",
                              "valid_until": "2027-03-01"}, ensure_ascii=False) + "\n{not json\n[1,2]\n", encoding="utf-8")
    s = import_policies(store, jl, "sup")
    assert (s.imported, s.drafts, s.rejected) == (1, 0, 2)
    rej = [json.loads(x) for x in s.rejects_file.read_text(encoding="utf-8").splitlines()]
    assert rej[0] == {"line": 2, "reason": rej[0]["reason"], "raw": "{not json"} and "JSON" in rej[0]["reason"]
    gbk = tmp_path / "p.csv"
    gbk.write_bytes(("标题,摘要\nGBK编码的政策,摘要\n").encode("gbk"))
    assert import_policies(store, gbk, staff["admin"]).drafts == 1
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["标题", "文号", "摘要", "解读人", "解读人电话", "截止日期"])
    wb.active.append(["表格导入政策", "X1", "摘要", "王五", 13815307264, dt.datetime(2027, 1, 1)])
    xp = tmp_path / "p.xlsx"
    wb.save(xp)
    s = import_policies(store, xp, staff["sup"])
    assert (s.imported, s.drafts, s.rejected) == (1, 0, 0)
    assert store.library.search("表格导入")[0].policy.valid_until == dt.date(2027, 1, 1)
    with pytest.raises(PermissionDenied):
        import_policies(store, xp, staff["clerk"])


def test_policy_import_refuses_an_unusable_file(store, staff, tmp_path):
    from xzconsole.services.feed_format import FeedError

    bad = tmp_path / "x.csv"
    bad.write_text("名称,内容\n甲,乙\n", encoding="utf-8")
    with pytest.raises(FeedError, match="标题"):
        import_policies(store, bad, staff["sup"])
    with pytest.raises(FeedError, match="找不到"):
        import_policies(store, tmp_path / "missing.csv", staff["sup"])


# ---------------------------------------------------------------- collection and lag


def test_collection_sources_and_daily_check_log(store, staff, clock):
    sources = store.collection.sources()
    assert len(sources) >= 15
    names = " ".join(s["name"] for s in sources)
    for needle in ("中国政府网", "江苏省人民政府", "徐州市人民政府", "新华网", "徐州日报"):
        assert needle in names
    assert all(s["responsible"] for s in sources)
    unchecked = store.collection.sources_unchecked()  # Thursday 2026-11-26, nothing checked yet
    assert len(unchecked) == len(sources)
    first = sources[0]["id"]
    store.collection.record_source_check(staff["clerk"], first, 2, "发现 2 份新文件")
    assert first not in {s["id"] for s in store.collection.sources_unchecked()}
    assert store.collection.source_checks(first)[0]["found_count"] == 2
    with pytest.raises(InvalidAction):
        store.collection.record_source_check(staff["clerk"], first, -1)
    with pytest.raises(PermissionDenied):
        store.collection.record_source_check(staff["rsj"], first, 0)
    clock.set("2026-11-27T09:00:00+08:00")  # a new day: all unchecked again
    assert len(store.collection.sources_unchecked()) == len(sources)
    assert store.collection.sources_unchecked(dt.date(2026, 11, 28)) == []  # Saturday: no checks due


def test_lag_against_the_135_targets(store, staff, clock):
    p = make(store, staff, "时限测试政策", issuer="市工信局", issued_at="2026-11-20")  # a Friday
    store.collection.record_collection(staff["clerk"], p.id, dt.date(2026, 11, 23))  # Mon: 1 working day
    lag = store.collection.policy_lag(p.id)  # published Thu 11-26: 4 working days
    assert (lag.collect, lag.publish, lag.interpret) == (1, 4, None)
    assert lag.late() == ["发布滞后 1 个工作日"]
    store.collection.record_interpretation(staff["sup"], p.id, dt.date(2026, 11, 27), "https://qyfw.xz.gov.cn/jd/1")
    assert store.collection.policy_lag(p.id).interpret == 5 and store.collection.policy_lag(p.id).on_target("interpret")
    t = store.collection.set_targets(staff["sup"], 1, 5, 7)
    assert (t.publish, store.collection.policy_lag(p.id).late()) == (5, [])
    with pytest.raises(ValueError, match="收集 ≤ 发布 ≤ 解读"):
        store.collection.set_targets(staff["sup"], 3, 1, 5)
    with pytest.raises(PermissionDenied):
        store.collection.set_targets(staff["clerk"], 1, 3, 5)
    store.collection.set_targets(staff["sup"], 1, 3, 5)
    figs = store.collection.publication_figures(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    gx = figs["市工信局"]
    assert gx["published"] >= 1 and gx["interpreted"] == 1 and gx["interpret_lag"] == 5
    assert gx["publish_on_time"] < gx["published"] or gx["publish_lag"] > 3
    assert gx["sources"] >= 1 and gx["unchecked_source_days"] > 0  # nobody checked its sites this month
    assert figs["市企业服务中心"]["sources"] >= 3
    assert [e["action"] for e in store.library.history(p.id)][-2:] == ["collect", "interpret"]
    (row,) = [r for r in store.library.export_rows() if r["id"] == p.id]
    assert (row["collect_lag"], row["publish_lag"], row["interpret_lag"], row["late"]) == (1, 4, 5, ["发布滞后 1 个工作日"])


def test_extending_or_shortening_the_end_date_changes_the_status_at_once(store, staff, clock):
    p = make(store, staff, "延期与提前截止测试", valid_until="2026-12-10")
    store.library.search("延期")  # today's expiry check has run
    p = store.library.update(staff["sup"], p.id, {"valid_until": "2026-11-25"})
    assert p.status.value == "expired"  # not only after tomorrow's check
    p = store.library.update(staff["sup"], p.id, {"valid_until": "2026-12-31"})
    assert p.status.value == "published"
    changes = [e["changes"].get("status") for e in store.library.history(p.id)][-2:]
    assert changes == [["published", "expired"], ["expired", "published"]]
    with pytest.raises(InvalidAction, match="截止"):
        store.library.publish(staff["sup"], store.library.create(staff["sup"], {"title": "过期草稿", **COMPLETE, "valid_until": "2026-11-01"}).id)


def test_the_editor_refuses_a_publication_date_in_2099(store, staff):
    """Issue 12: a typo such as 2099 was accepted; the import refused it, the editor did not."""
    with pytest.raises(InvalidAction, match="发布日期 2099-01-01 晚于今天"):
        store.library.create(staff["sup"], {"title": "关于测试日期的通知", "published_at": "2099-01-01"})
    with pytest.raises(InvalidAction, match="发文日期 2099-03-01 晚于今天"):
        store.library.create(staff["sup"], {"title": "关于测试日期的通知", "issued_at": "2099-03-01"})
    p = store.library.create(staff["sup"], {"title": "关于测试日期的通知", "issued_at": "2026-11-02"})
    assert p.issued_at is not None and p.issued_at.isoformat() == "2026-11-02"
