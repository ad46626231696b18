"""政策兑现台账 (issue 15, item 4): a payment list imported from CSV/XLSX with
its rejects file, the figures by policy, department, district and month, the
bulletin's 政策兑现 sheet, and the enterprise page's line."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl

from xzconsole.app import XzApp
from xzconsole.models import uscc_check_char
from xzconsole.screens.enterprise import EnterpriseScreen
from xzconsole.services import bulletin_files, reports
from xzconsole.services.grant_files import import_grants

from pilot_support import settle
from test_import import run


def uscc(n: int) -> str:
    first = f"913203{n:011d}"[:17]
    return first + uscc_check_char(first)


HEAD = ["企业名称", "统一社会信用代码", "所属区域", "政策", "金额（元）", "兑现日期", "兑现部门", "批次"]


def _policy(store, doc: str) -> str:
    row = store.q1("SELECT title FROM policies WHERE doc_number = ?", (doc,))
    assert row is not None, doc
    return doc


def _rows(store) -> list[list[str]]:
    a = _policy(store, store.q1("SELECT doc_number FROM policies WHERE doc_number != '' AND status = 'published' "
                                "ORDER BY id LIMIT 1")[0])
    b = store.q1("SELECT title FROM policies WHERE status = 'published' ORDER BY id DESC LIMIT 1")[0]
    return [
        ["徐州恒丰机械制造有限公司", uscc(1), "铜山区", a, "200000", "2026-10-15", "市工信局", "2026年第一批"],
        ["徐州恒丰机械制造有限公司", uscc(1), "铜山区", b, "¥50,000.50", "2026/11/03", "市财政局", "2026年第一批"],
        ["江苏汉源新材料股份有限公司", uscc(2), "邳州市", a, "80000", "2026-11-20", "市工信局", "2026年第一批"],
        ["徐州云龙食品有限公司", "", "云龙区", a, "12000", "2026-11-21", "", "2026年第二批"],
        # rejects: no name, bad code, unknown policy, bad amount, future date, unknown department, district
        ["", uscc(4), "铜山区", a, "1000", "2026-11-01", "市工信局", ""],
        ["坏代码企业", "91320300MA1234567X", "铜山区", a, "1000", "2026-11-01", "市工信局", ""],
        ["无政策企业", uscc(5), "铜山区", "徐不存在〔2026〕1号", "1000", "2026-11-01", "市工信局", ""],
        ["金额错企业", uscc(6), "铜山区", a, "一万元", "2026-11-01", "市工信局", ""],
        ["零金额企业", uscc(7), "铜山区", a, "0", "2026-11-01", "市工信局", ""],
        ["未来企业", uscc(8), "铜山区", a, "1000", "2027-01-01", "市工信局", ""],
        ["部门错企业", uscc(9), "铜山区", a, "1000", "2026-11-01", "市不存在局", ""],
        ["区域错企业", uscc(10), "火星区", a, "1000", "2026-11-01", "市工信局", ""],
    ]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        w.writerows(rows)
    return path


def test_a_payment_list_is_imported_with_its_rejects_and_counted(store, staff, tmp_path):
    path = _csv(tmp_path / "兑现清单.csv", _rows(store))
    s = import_grants(store, path, "sup")
    assert (s.imported, s.duplicate, s.rejected) == (4, 0, 8)
    rejects = [json.loads(x) for x in s.rejects_file.read_text(encoding="utf-8").splitlines()]
    reasons = " | ".join(r["reason"] for r in rejects)
    for needle in ("缺少企业名称", "校验位", "找不到文号或标题", "不是数字", "应大于 0", "晚于今天", "不在承办单位名录", "火星区"):
        assert needle in reasons
    assert [r["line"] for r in rejects] == list(range(6, 14))
    total = store.grants.total()
    assert (total.enterprises, total.grants, total.amount_fen) == (3, 4, 34_200_050)
    by_dept = {g.key: (g.enterprises, g.amount_fen) for g in store.grants.figures("department")}
    assert by_dept == {"市工信局": (2, 28_000_000), "市财政局": (1, 5_000_050), "（未填兑现部门）": (1, 1_200_000)}
    by_month = [(g.key, g.grants) for g in store.grants.figures("month")]
    assert by_month == [("2026-10", 1), ("2026-11", 3)]
    by_district = {g.key: g.enterprises for g in store.grants.figures("district")}
    assert by_district == {"铜山区": 1, "邳州市": 1, "云龙区": 1}
    # the enterprises are in the directory (created by the import)
    assert store.q1("SELECT first_source FROM enterprises WHERE uscc = ?", (uscc(2),))[0] == "import"
    # the same file again: nothing new
    again = import_grants(store, path, "sup")
    assert (again.imported, again.duplicate) == (0, 4)
    assert store.grants.total().grants == 4


def test_grants_import_from_xlsx_by_cli_and_the_bulletin_sheet(store, staff, tmp_path, capsys, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD)
    for r in _rows(store)[:4]:
        ws.append(r)
    ws.cell(row=2, column=5).value = 200000  # a number cell, as departments' sheets have
    ws.cell(row=2, column=6).value = dt.date(2026, 10, 15)
    path = tmp_path / "兑现.xlsx"
    wb.save(path)
    monkeypatch.setenv("XZCONSOLE_DB", store.path)
    code, out, err = run(capsys, "import", str(path), "--kind", "grants", "--now", "2026-11-26T09:30:00+08:00", login="sup")
    assert code == 0, err
    assert "新增 4" in err and "3 家企业获得资金 ¥342,000.50" in err
    code, out, err = run(capsys, "import", str(path), "--kind", "grants", login="clerk")
    assert code == 2 and "值班长" in err
    out_x = tmp_path / "通报.xlsx"
    bulletin_files.write_report(store, "2026-11", "xlsx", out_x, store.now())
    sheet = openpyxl.load_workbook(out_x)["政策兑现"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert rows[0] == ["合计", reports.TOTAL_LABEL, 3, 3, 142000.5]  # November only
    assert ["兑现部门", "市工信局", 1, 1, 80000] in rows  # 恒丰 was paid in October
    assert ["月份", "2026-11", 3, 3, 142000.5] in rows


async def test_a_grant_import_shows_on_the_enterprise_page(store, staff, tmp_path):
    import_grants(store, _csv(tmp_path / "兑现.csv", _rows(store)[:4]), "sup")
    eid = store.q1("SELECT id FROM enterprises WHERE uscc = ?", (uscc(1),))[0]
    async with XzApp(store.path, "clerk", store.clock).run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = EnterpriseScreen(eid)
        pilot.app.push_screen(screen)
        await settle(pilot)
        header = screen.query_one("#ent-header").render().plain
        assert "政策兑现：获得资金 2 笔 ¥250,000.50" in header
        assert "最近 2026-11-03" in header
        assert "全市 3 家企业获得资金 ¥342,000.50" in header
