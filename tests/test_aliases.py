"""12345's own vocabulary (issue 13, SPEC §11): a feed written the way a real
12345 export writes it imports and maps through data/aliases.toml; the alias
file is checked with line numbers; a value that matches nothing is refused
with the nearest known values."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from xzconsole import aliases as al
from xzconsole.services.importers import import_tickets
from xzconsole.store import Store

from test_import import NOW, cli_db, rejects_of, rows_of, run, uscc, _template  # noqa: F401

HEADERS = ["工单编号", "来电时间", "诉求类型", "企业名称", "统一社会信用代码", "联系人", "联系电话", "所属区域",
           "诉求标题", "诉求内容", "承办单位", "派发时间", "签收时间", "答复时间", "办结时间", "回访结果", "是否解决"]

# rows as 12345's export writes them: its categories, its department and
# district names, masked numbers, Chinese date forms; varied, as a month's file is
ROWS_12345 = [
    ["2611030017", "2026年11月3日 9:15", "咨询类", "徐州徐工施维英机械有限公司", uscc(101), "刘经理", "139****1234",
     "徐州经济技术开发区", "稳岗返还到账时间", "企业咨询2026年稳岗返还资金何时拨付到账。", "人社局",
     "2026年11月3日 9:40", "2026年11月3日10时02分", "2026年11月4日 15:30", "2026年11月6日 10:00", "满意（已解决）", ""],
    ["2611030122", "2026年11月3日14时20分", "投诉举报类", "江苏彭城光电科技有限公司", uscc(102), "周女士", "83801234",
     "云龙区", "发票领用受限", "企业反映增值税发票领用数量被限制，影响正常经营。", "徐州市税务局",
     "2026/11/3 15:05", "2026/11/4 8:50", "2026/11/9 16:00", "", "比较满意", "是"],
    ["2611040008", "20261104083000", "求助类", "铜山区鑫源塑业有限公司", "", "王会计", "0516-85512345",
     "铜山区", "厂区周边道路积水", "暴雨后厂区门前道路积水严重，货车无法进出，请求协调排水。", "铜山区人民政府",
     "20261104091000", "20261104100000", "20261110170000", "20261112090000", "不满意（未解决）", ""],
    ["2611050031", "2026-11-05 10:12", "意见建议类", "徐州淮海国际陆港物流有限公司", uscc(104), "陈总", "4008208820",
     "淮海国际港务区", "建议增开中欧班列", "建议港务区增开中欧班列班次，缩短企业等待时间。", "港务区",
     "2026-11-05 11:00", "", "", "", "", ""],
    ["2611050099", "2026/11/5 16:45", "举报类", "邳州市恒发木业有限公司", uscc(105), "匿名", "137****8890",
     "邳州市", "举报无证经营", "举报邻近企业无证生产板材，存在安全隐患。", "徐州市市场监督管理局",
     "2026/11/5 17:10", "2026/11/6 9:00", "2026/11/12 11:20", "2026/11/13 9:30", "非常满意", "已解决"],
    ["2611060004", "2026年11月6日 8:05", "咨询", "徐州新城区数字科技有限公司", uscc(106), "孙经理", "15162109876",
     "新城区", "高新技术企业认定", "咨询高新技术企业认定的申报条件和截止时间。", "市政务办",
     "2026年11月6日 8:20", "", "2026年11月6日 16:00", "", "一般", "否"],
    ["2611060057", "2026年11月6日9时30分", "投诉类", "贾汪区金鼎建材有限公司", uscc(107), "李厂长", "95598",
     "贾汪区", "频繁停电", "园区近一周多次计划外停电，生产线受损。", "徐州供电公司",
     "2026年11月6日9时50分", "2026年11月6日10时30分", "2026年11月10日 14:00", "2026年11月11日 9:00",
     "非常不满意", "未解决"],
    ["2611090013", "2026-11-09T08:40:00+08:00", "咨询类", "徐州丰源小微企业服务有限公司", uscc(108), "赵女士",
     "0516-8888****", "丰县", "普惠贷款贴息", "咨询小微企业普惠贷款贴息政策及申请渠道。", "金融监管分局",
     "2026-11-09 09:00", "2026-11-09 09:30", "2026-11-09 15:00", "", "拒绝回访", ""],
    ["2611090088", "2026年11月9日 10:00", "表扬类", "睢宁县润泽食品有限公司", uscc(109), "吴经理", "13912345678",
     "睢宁县", "感谢帮办", "感谢县政务服务中心帮办代办，三天办完食品生产许可。", "",
     "", "", "2026年11月9日 11:00", "2026年11月9日 11:30", "满意", ""],
    ["2611100021", "2026/11/10 8:30", "投诉举报类", "徐州港务区集装箱码头有限公司", uscc(110), "钱主任", "18052161234",
     "港务区", "道路限高", "码头进出道路新设限高架，集装箱车辆无法通行。", "国家税务总局徐州市税务局",
     "2026/11/10 9:00", "2026/11/10 9:45", "2026/11/13 17:00", "2026/11/16 9:00", "无法联系", ""],
    ["2611100045", "2026年11月10日 14:10", "求助类", "沛县汉源纺织有限公司", uscc(111), "郑会计", "025-84201234",
     "沛县", "社保补缴", "企业为员工补缴社保需要哪些材料，能否线上办理。", "徐州市人力资源和社会保障局",
     "2026年11月10日 14:30", "2026年11月10日 15:00", "2026年11月11日 10:00", "", "满意（已解决）", "是"],
]


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return path


def test_a_feed_written_the_12345_way_imports_and_maps(cli_db, tmp_path, capsys):
    feed = write_csv(tmp_path / "12345-2026-11.csv", ROWS_12345)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert rejects_of(feed) == []
    assert code == 0 and f"新增 {len(ROWS_12345)} 件" in err
    got = {r[0]: r[1:] for r in rows_of(cli_db, """
        SELECT t.external_id, t.appeal_type, d.short_name, t.district, t.contact_phone, t.satisfaction, t.resolved,
               t.received_at, t.signed_at, t.time_limit, t.status
        FROM tickets t LEFT JOIN departments d ON d.id = t.department_id""")}
    # appeal types: 12345's categories
    assert {k: v[0] for k, v in got.items()} == {
        "2611030017": "policy_consultation", "2611030122": "complaint", "2611040008": "consultation",
        "2611050031": "suggestion", "2611050099": "report", "2611060004": "policy_consultation",
        "2611060057": "complaint", "2611090013": "policy_consultation", "2611090088": "other",
        "2611100021": "complaint", "2611100045": "consultation"}
    # departments as 12345 names them, and the full names with the 徐州市 prefix
    assert {k: v[1] for k, v in got.items()} == {
        "2611030017": "市人社局", "2611030122": "市税务局", "2611040008": "铜山区", "2611050031": "港务区",
        "2611050099": "市市场监管局", "2611060004": "市政务办", "2611060057": "徐州供电公司",
        "2611090013": "徐州金融监管分局", "2611090088": None, "2611100021": "市税务局", "2611100045": "市人社局"}
    # districts, including 淮海国际港务区 (also written 港务区) and 新城区
    assert got["2611050031"][2] == got["2611100021"][2] == "淮海国际港务区"
    assert got["2611060004"][2] == "新城区" and got["2611030017"][2] == "徐州经济技术开发区"
    # phones: masked kept as given, 8-digit local → 0516-, service numbers, other area codes
    assert [got[k][3] for k in ("2611030017", "2611030122", "2611050031", "2611060057", "2611090013", "2611100045")] \
        == ["139****1234", "0516-83801234", "400-820-8820", "95598", "0516-8888****", "025-84201234"]
    # call-back results: 12345's scale, with 是否解决 from the result or the column
    assert {k: (v[4], v[5]) for k, v in got.items()} == {
        "2611030017": ("satisfied", 1), "2611030122": ("basically_satisfied", 1),
        "2611040008": ("unsatisfied", 0), "2611050031": (None, None), "2611050099": ("satisfied", 1),
        "2611060004": ("basically_satisfied", 0), "2611060057": ("unsatisfied", 0),
        "2611090013": ("unreachable", None), "2611090088": ("satisfied", None),
        "2611100021": ("unreachable", None), "2611100045": ("satisfied", 1)}
    # Chinese time forms, Asia/Shanghai
    assert got["2611030017"][6] == "2026-11-03T09:15:00+08:00" and got["2611030017"][7] == "2026-11-03T10:02:00+08:00"
    assert got["2611040008"][6] == "2026-11-04T08:30:00+08:00"
    assert got["2611030122"][6] == "2026-11-03T14:20:00+08:00"
    # a bare 咨询 (and 咨询类) keeps the 1-day policy-consultation limit; 求助类 has 3, 投诉 5
    assert got["2611060004"][8] == got["2611030017"][8] == 1
    assert got["2611100045"][8] == 3 and got["2611030122"][8] == 5
    # the masked numbers are marked in the ticket's history
    notes = dict(rows_of(cli_db, "SELECT t.external_id, e.note FROM events e JOIN tickets t ON t.id = e.ticket_id"))
    assert "脱敏" in notes["2611030017"] and "脱敏" in notes["2611090013"] and "脱敏" not in notes["2611030122"]


def test_a_value_matching_nothing_is_refused_naming_it_and_the_nearest_known(cli_db, tmp_path, capsys):
    bad = [list(r) for r in ROWS_12345[:5]]
    bad[0][2] = "投诉举报"             # near 投诉举报类
    bad[1][10] = "徐州市税务分局"        # near 徐州市税务局 / 市税务局
    bad[2][7] = "铜山县"               # near 铜山区
    bad[3][15] = "满意已解决吧"          # near 满意（已解决）
    bad[4][16] = "大概吧"
    feed = write_csv(tmp_path / "bad.csv", bad)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1 and "拒收 5 行" in err
    reasons = {r["line"]: r["reason"] for r in rejects_of(feed)}
    assert "诉求类型“投诉举报”" in reasons[2] and "投诉举报类" in reasons[2].split("最接近的")[1]
    assert "承办单位“徐州市税务分局”" in reasons[3] and "税务局" in reasons[3].split("最接近的")[1]
    assert "所属区域“铜山县”" in reasons[4] and "铜山区" in reasons[4].split("最接近的")[1]
    assert "回访结果“满意已解决吧”" in reasons[5] and "满意（已解决）" in reasons[5]
    assert "是否解决“大概吧”" in reasons[6]
    assert all("aliases.toml" in r for r in reasons.values())


def test_result_and_resolved_that_contradict_are_refused(cli_db, tmp_path, capsys):
    row = list(ROWS_12345[0])
    row[16] = "否"  # 满意（已解决） but 是否解决 = 否
    feed = write_csv(tmp_path / "c.csv", [row])
    assert run(capsys, "import", str(feed), "--now", NOW)[0] == 1
    assert "矛盾" in rejects_of(feed)[0]["reason"]


def test_aliases_a_center_adds_are_used_after_init(tmp_path, clock, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    root = Path(__file__).resolve().parent.parent / "data"
    for f in root.glob("*.toml"):
        (data / f.name).write_bytes(f.read_bytes())
    text = (data / "aliases.toml").read_text(encoding="utf-8")
    text = text.replace('"感谢类" = "其他"', '"感谢类" = "其他"\n"催办类" = "投诉"')
    (data / "aliases.toml").write_text(text, encoding="utf-8")
    s = Store(tmp_path / "a.db", clock)
    try:
        s.load_reference_data(data)
        admin = s.staff.add(None, "admin", "admin")
        s.staff.add(admin, "xzexchange", "clerk", name="12345数据交换")
        feed = tmp_path / "f.jsonl"
        feed.write_text(json.dumps({"工单编号": "26111100", "来电时间": "2026年11月11日 9:00", "诉求类型": "催办类",
                                    "企业名称": "徐州测试有限公司", "诉求内容": "催办上次反映的问题"},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
        summary = import_tickets(s, feed, "xzexchange")
        assert summary.imported == 1
        assert s.q1("SELECT appeal_type FROM tickets")[0] == "complaint"
    finally:
        s.disconnect()


def test_the_alias_file_is_checked_with_line_numbers():
    text = "\n".join([
        "# 注释",
        "[appeal_type]",
        '"咨询类" = "政策咨询"',
        '"吐槽类" = "吐槽"',                 # line 4: not an appeal type
        "[department]",
        '"人社局" = "市人社局"',
        '"魔法局" = "市魔法局"',              # line 7: no such department
        "[district]",
        '"港务区" = "港务区啊"',              # line 9: no such district
        "[satisfaction]",
        '"满意（已解决）" = { result = "满意", resolved = "已解决" }',
        '"满意(已解决)" = "满意"',            # line 12: the same key in half-width
        '"未接" = { result = "未联系上", resolved = "是" }',  # line 13: unreachable cannot be solved
        "[colour]",                          # line 14: unknown section
        '"红" = "red"',
    ])
    with pytest.raises(al.AliasFileError) as exc:
        al.parse_aliases(text, departments=lambda ref: ref in ("市人社局",), districts=["淮海国际港务区"])
    msg = str(exc.value)
    for line in (4, 7, 9, 12, 13, 14):
        assert f"第 {line} 行" in msg, (line, msg)
    assert "第 3 行" not in msg and "第 6 行" not in msg and "6 处错误" in msg
    with pytest.raises(al.AliasFileError, match="第 2 行"):
        al.parse_aliases('[appeal_type]\n"咨询类" = 政策咨询\n')  # TOML syntax: the value has no quotes


def test_init_refuses_a_broken_alias_file_naming_the_line(tmp_path, capsys, monkeypatch):
    from xzconsole import cli, identity

    data = tmp_path / "data"
    data.mkdir()
    root = Path(__file__).resolve().parent.parent / "data"
    for f in root.glob("*.toml"):
        (data / f.name).write_bytes(f.read_bytes())
    lines = (data / "aliases.toml").read_text(encoding="utf-8").splitlines()
    n = lines.index('"人社局" = "市人社局"') + 1
    lines[n - 1] = '"人社局" = "市人设局"'
    (data / "aliases.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(identity, "current_login", lambda: "admin")
    code = cli.main(["init", "--db", str(tmp_path / "x.db"), "--data", str(data)])
    err = capsys.readouterr().err
    assert code == 2 and f"第 {n} 行" in err and "市人设局" in err


def test_phone_and_time_forms():
    assert al.phone("139****1234") == al.Phone("139****1234", True)
    assert al.phone("0516-8380****").masked
    assert al.phone("8380 1234").number == "0516-83801234"
    assert al.phone("400-820-8820").number == "400-820-8820"
    assert al.phone("95588").number == "95588" and al.phone("12345").number == "12345"
    with pytest.raises(ValueError, match="脱敏"):
        al.phone("1380516")
    sh = dt.timezone(dt.timedelta(hours=8))
    want = dt.datetime(2026, 11, 3, 9, 15, tzinfo=sh)
    for text in ("2026年11月3日 9:15", "2026年11月3日9时15分", "2026/11/3 9:15", "20261103091500", "202611030915",
                 "2026年11月3日 上午9:15", "2026.11.3 9:15"):
        got = al.feed_time(text)
        assert got is not None and got == want, text
    assert al.feed_time("2026年11月3日 下午3:15") == dt.datetime(2026, 11, 3, 15, 15, tzinfo=sh)
    assert al.feed_time("昨天上午") is None
    with pytest.raises(ValueError):
        al.feed_time("2026年2月30日 9:00")


@pytest.mark.parametrize("written, short", [
    ("人社局", "市人社局"), ("徐州市人社局", "市人社局"), ("徐州市人力资源和社会保障局", "市人社局"),
    ("徐州市税务局", "市税务局"), ("国家税务总局徐州市税务局", "市税务局"), ("税务局", "市税务局"),
    ("铜山区人民政府", "铜山区"), ("徐州市铜山区人民政府", "铜山区"),
    ("市政务办", "市政务办"), ("徐州市政务服务管理办公室", "市政务办"), ("政务办", "市政务办"),
    ("金融监管分局", "徐州金融监管分局"), ("国家金融监督管理总局徐州监管分局", "徐州金融监管分局"),
    ("港务区", "港务区"), ("徐州淮海国际港务区管委会", "港务区"), ("淮海国际港务区管委会", "港务区"),
    ("徐州市市场监督管理局", "市市场监管局"), ("市场监管局", "市市场监管局"),
])
def test_departments_as_12345_names_them(store, written, short):
    from xzconsole.services.importers import RowValidator, load_districts

    v = RowValidator(store, store.calendar(), store.now(), load_districts(), store.exchange.aliases())
    assert store.department(v.department_id(written)).short_name == short


def test_an_xlsx_export_of_12345_with_number_and_date_cells(cli_db, tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in ROWS_12345[:6]:
        cells: list[object] = list(r)
        if cells[6].isdigit():
            cells[6] = int(cells[6])  # Excel keeps 83801234 as a number
        ws.append(cells)
    # a received time as a real date cell, as Excel holds it
    ws.cell(row=2, column=2).value = dt.datetime(2026, 11, 3, 9, 15)
    wb.save(tmp_path / "12345.xlsx")
    code, out, err = run(capsys, "import", str(tmp_path / "12345.xlsx"), "--now", NOW)
    assert code == 0 and "新增 6 件" in err, err
    got = dict(rows_of(cli_db, "SELECT external_id, contact_phone FROM tickets"))
    assert got["2611030122"] == "0516-83801234" and got["2611030017"] == "139****1234"
    assert rows_of(cli_db, "SELECT received_at FROM tickets WHERE external_id = '2611030017'")[0][0] \
        == "2026-11-03T09:15:00+08:00"
