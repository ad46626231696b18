"""The knowledge base (SPEC §7, §11): search shared with the intake form,
editing with owning department, import with a rejects file, and the search CLI."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from xzconsole.models import KnowledgeEntry
from xzconsole.services.library_files import import_knowledge, search_cli
from xzconsole.store import InvalidAction, PermissionDenied

DATA = Path(__file__).resolve().parent.parent / "data"


def qids(entries):
    return [e.id for e in entries]


def test_two_character_and_inner_word_search(store, staff):
    e = store.knowledge.create(staff["sup"], "灵活就业人员如何参加社保？", "可以个人身份参加企业职工基本养老保险。",
                               "社保医保与减负", "市人社局")
    assert e.id in qids(store.knowledge.search("社保", 50))
    assert e.id in qids(store.knowledge.search("活就", 50))  # inside 灵活就业
    assert e.id in qids(store.knowledge.search("身份参加企业", 50))  # in the answer
    assert store.knowledge.search("量子纠缠火星基地") == []
    for nasty in ['" * ( ) AND OR NEAR \' ; -- %', '"', "社保*", "NEAR(社保 缴费)", "'; DROP TABLE knowledge; --"]:
        store.knowledge.search(nasty)  # never raises
    assert store.q1("SELECT count(*) FROM knowledge")[0] > 40


def test_question_hits_rank_first_and_the_intake_form_gets_entries(store, staff):
    in_answer = store.knowledge.create(staff["sup"], "企业开办需要哪些材料？", "如涉及瞪羚企业认定，请另行咨询。")
    in_question = store.knowledge.create(staff["sup"], "瞪羚企业认定标准是什么？", "营业收入连续增长等条件。")
    hits = store.knowledge.search("瞪羚", 10)  # the core method the intake form calls
    assert qids(hits)[:2] == [in_question.id, in_answer.id]
    assert all(isinstance(h, KnowledgeEntry) for h in hits)


def test_create_and_edit_with_owning_department_and_history(store, staff, clock):
    e = store.knowledge.create(staff["sup"], "公积金缴存比例是多少？", "5%–12%。", "社保医保与减负", "市公积金中心")
    assert e.department == "市公积金中心" and store.knowledge.updated_by(e.id) == "sup"
    clock.advance(hours=2)
    e2 = store.knowledge.update(staff["admin"], e.id, {"answer": "单位和职工各 5%–12%。", "department": "gjj"})
    assert e2.answer.startswith("单位和职工") and e2.updated_at > e.updated_at
    assert store.knowledge.updated_by(e.id) == "admin"
    hist = store.knowledge.history(e.id)
    assert [h["action"] for h in hist] == ["create", "edit"] and hist[1]["changes"]["answer"][0] == "5%–12%。"
    assert e.id in qids(store.knowledge.search("职工各", 5))  # the edit is searchable at once
    store.knowledge.update(staff["sup"], e.id, {"question": "住房公积金缴存比例怎么定？"})
    assert e.id not in qids(store.knowledge.search("比例是多少", 5))  # the old question left the index
    assert e.id in qids(store.knowledge.search("比例怎么定", 5))
    with pytest.raises(InvalidAction, match="找不到单位"):
        store.knowledge.update(staff["sup"], e.id, {"department": "不存在的局"})
    with pytest.raises(InvalidAction, match="已有相同的问题"):
        store.knowledge.create(staff["sup"], "住房公积金缴存比例怎么定？", "重复")
    with pytest.raises(PermissionDenied):
        store.knowledge.create(staff["clerk"], "受理员能新建吗？", "不能")


def test_knowledge_import_rejects_bad_rows_into_a_rejects_file(store, staff, tmp_path):
    path = tmp_path / "kb.csv"
    shutil.copy(DATA / "knowledge_import_example.csv", path)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("没有答案的问题,,人才就业,市人社局\n")
        fh.write("责任单位不存在的问题,答案,人才就业,市不存在局\n")
        fh.write("类别不存在的问题,答案,天文地理,市人社局\n")
        fh.write("列数不对的问题,答案\n")
        fh.write("小微企业如何享受增值税减免？,已在知识库中的问题,财税金融,市税务局\n")
    before = store.q1("SELECT count(*) FROM knowledge")[0]
    s = import_knowledge(store, path, staff["sup"])
    assert (s.imported, s.duplicate, s.rejected) == (3, 1, 4)
    rejects = [json.loads(x) for x in s.rejects_file.read_text(encoding="utf-8").splitlines()]
    assert s.rejects_file == tmp_path / "kb.rejects.jsonl"
    assert [r["line"] for r in rejects] == [5, 6, 7, 8]
    assert "缺少答案" in rejects[0]["reason"] and "找不到单位" in rejects[1]["reason"]
    assert "类别" in rejects[2]["reason"] and "列" in rejects[3]["reason"]
    assert rejects[0]["raw"]["问题"] == "没有答案的问题"
    assert store.q1("SELECT count(*) FROM knowledge")[0] == before + 3
    assert store.knowledge.search("无纸化", 5)[0].department == "市税务局"  # quoted CSV cell read right
    again = import_knowledge(store, path, staff["sup"])
    assert (again.imported, again.duplicate, again.rejected) == (0, 4, 4)
    assert store.q1("SELECT count(*) FROM knowledge")[0] == before + 3
    with pytest.raises(PermissionDenied):
        import_knowledge(store, path, staff["clerk"])


def test_knowledge_import_jsonl_with_english_keys(store, staff, tmp_path):
    path = tmp_path / "kb.jsonl"
    path.write_text(json.dumps({"question": "英文键名导入的问题？", "answer": "可以。", "department": "市税务局"},
                               ensure_ascii=False) + "\n这不是 JSON\n", encoding="utf-8")
    s = import_knowledge(store, path, "admin")
    assert (s.imported, s.rejected) == (1, 1)
    assert store.knowledge.search("英文键名", 5)[0].department == "市税务局"


def test_search_cli_json_lines_best_first(store, staff, clock):
    p = store.library.create(staff["sup"], {"title": "命令行检索测试政策", "kind": "申报类", "valid_until": "2026-12-06",
                                           "summary": "摘要", "interpreter_name": "甲", "interpreter_phone": "13815307264"})
    out = io.StringIO()
    assert search_cli(store, "policies", "命令行检索", as_json=True, out=out) == 0
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert (line["id"], line["title"], line["kind"], line["valid_until"], line["days_left"]) == (
        p.id, "命令行检索测试政策", "declaration", "2026-12-06", 10)
    out = io.StringIO()
    assert search_cli(store, "knowledge", "社保", as_json=True, limit=2, out=out) == 0
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(rows) == 2 and all("社保" in r["title"] + r["answer"] for r in rows)
    out = io.StringIO()
    assert search_cli(store, "knowledge", "[b]社保[/b] 社保", as_json=False, out=out) == 0  # a table, markup literal
    assert search_cli(store, "knowledge", "   ", out=io.StringIO()) == 2
    assert search_cli(store, "tickets", "社保", out=io.StringIO()) == 2
    out = io.StringIO()
    assert search_cli(store, "policies", "社保", out=out) == 0 and "社保" in out.getvalue()
