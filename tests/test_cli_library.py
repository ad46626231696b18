"""The library and bulletin subcommands as a user runs them: `import --kind
policies|knowledge`, `search policies|knowledge` and `report`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl

from test_import import NOW, rows_of, run  # noqa: F401
from test_import import _template, cli_db  # noqa: F401


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_import_policies_counts_drafts_rejects_bad_rows_and_reimport_changes_nothing(cli_db, tmp_path, capsys):
    before = rows_of(cli_db, "SELECT count(*) FROM policies")[0][0]
    feed = _csv(tmp_path / "政策库.csv", ["标题", "文号", "发文单位", "类型", "摘要", "解读人", "解读人电话", "截止日期", "申报链接"], [
        ["徐州市稳岗扩岗专项支持办法", "徐人社发〔2026〕9号", "市人社局", "申报类", "对吸纳就业的企业给予补贴。", "王敏", "0516-83801234", "2027-06-30",
         "https://qyfw.xz.gov.cn/zcsb/wgkg"],
        ["徐州市外贸企业出口信保补助细则", "徐商务〔2026〕3号", "市商务局", "其他", "", "", "", "2027-12-31", ""],
        ["日期写错的政策", "徐政发〔2026〕77号", "市政府", "其他", "摘要", "李华", "13912345678", "2027-02-30", ""],
    ])
    code, out, err = run(capsys, "import", str(feed), "--kind", "policies", "--now", NOW, login="sup")
    assert code == 1, err  # done, one row rejected
    assert "新增 2" in err and "拒收 1" in err and "1 条缺少摘要或解读人" in err
    rows = dict(rows_of(cli_db, "SELECT title, status FROM policies WHERE doc_number IN (?, ?)",
                        ("徐人社发〔2026〕9号", "徐商务〔2026〕3号")))
    assert rows == {"徐州市稳岗扩岗专项支持办法": "published", "徐州市外贸企业出口信保补助细则": "draft"}
    rejects = [json.loads(x) for x in (tmp_path / "政策库.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rejects] == [4]
    # the same file again: nothing new
    code, out, err = run(capsys, "import", str(feed), "--kind", "policies", "--now", NOW, login="sup")
    assert "新增 0" in err and "重复 2" in err
    assert rows_of(cli_db, "SELECT count(*) FROM policies")[0][0] == before + 2


def test_import_knowledge_from_xlsx_with_chinese_headers(cli_db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["问题", "答案", "类别", "责任单位"])
    ws.append(["个体户如何申请稳岗返还？", "登录江苏人社网上办事大厅申请，以最新文件为准。", "人才就业", "市人社局"])
    ws.append(["", "没有问题的一行", "", ""])
    path = tmp_path / "kb.xlsx"
    wb.save(path)
    code, out, err = run(capsys, "import", str(path), "--kind", "knowledge", "--now", NOW, login="sup")
    assert code == 1 and "新增 1" in err and "拒收 1" in err
    code, out, err = run(capsys, "search", "knowledge", "稳岗", "--json", "--now", NOW)
    titles = [json.loads(line)["title"] for line in out.splitlines()]
    assert "个体户如何申请稳岗返还？" in titles


def test_search_policies_json_finds_two_character_words_best_first(cli_db, capsys):
    code, out, err = run(capsys, "search", "policies", "社保", "--json", "--now", NOW)
    assert code == 0, err
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits and all({"id", "title", "kind", "valid_until", "days_left"} <= set(h) for h in hits)
    code, out, err = run(capsys, "search", "policies", "--limit", "2", "补贴", "--json", "--now", NOW)
    assert len(out.splitlines()) <= 2
    # SQL / FTS syntax is searched literally: no error, no hit
    code, out, err = run(capsys, "search", "policies", '"; DROP TABLE policies; --', "--json", "--now", NOW)
    assert code == 0 and out == "" and "Traceback" not in err
    assert rows_of(cli_db, "SELECT count(*) FROM policies")[0][0] > 0


def test_report_month_as_json_xlsx_and_refusals(cli_db, tmp_path, capsys):
    code, out, err = run(capsys, "report", "--month", "2026-11", "--format", "json", "--now", NOW, login="sup")
    assert code == 0, err
    data = json.loads(out)
    assert {"department", "dispatched", "response_rate", "resolution_rate", "satisfaction_rate", "score", "rank"} <= set(data[0])
    xlsx = tmp_path / "通报.xlsx"
    code, out, err = run(capsys, "report", "--month", "2026-11", "--format", "xlsx", "--out", str(xlsx), "--now", NOW, login="sup")
    assert code == 0 and xlsx.exists()
    assert "三率排名" in openpyxl.load_workbook(xlsx).sheetnames
    # xlsx needs a file; a bad month; a clerk may not export reports
    assert run(capsys, "report", "--month", "2026-11", "--format", "xlsx", login="sup")[0] == 2
    code, out, err = run(capsys, "report", "--month", "2026-13", login="sup")
    assert code == 2 and "月份" in err
    code, out, err = run(capsys, "report", "--month", "2026-11", login="clerk")
    assert code == 2 and "值班长" in err
