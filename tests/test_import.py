"""`xzconsole import`: the hotline feed as a clerk runs it, bad rows, re-import,
CSV/XLSX with Chinese headers, two imports at once, an import killed half-way.

Also holds the helpers the other CLI test files share (``cli_db``, ``run``, ``feed_row``).
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xzconsole import cli, identity
from xzconsole.models import uscc_check_char

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-26T09:30:00+08:00"  # a Thursday
OS_LOGIN = pwd.getpwuid(os.getuid()).pw_name


# ---------------------------------------------------------------- helpers


def uscc(i: int) -> str:
    body = "91320300" + f"{i:09d}"
    return body + uscc_check_char(body)


def feed_row(i: int, **over: object) -> dict:
    """A valid feed row (English keys); ``over`` replaces or (with None) removes fields."""
    row = {
        "external_id": f"HL-{i:07d}",
        "received_at": "2026-11-20 09:15",
        "appeal_type": "咨询求助",
        "enterprise_name": f"徐州恒通机械{i % 50}有限公司",
        "uscc": uscc(i % 50),
        "contact_name": "张经理",
        "contact_phone": "13805161234",
        "district": "鼓楼区",
        "title": "稳岗返还咨询",
        "content": f"企业询问稳岗返还何时到账（{i}）",
    }
    for k, v in over.items():
        if v is None:
            row.pop(k, None)
        else:
            row[k] = v
    return row


def write_jsonl(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    return path


def run(capsys, *argv: str, login: str = "clerk", monkeypatch=None) -> tuple[int, str, str]:
    """Run the CLI in-process as ``login``; returns (exit status, stdout, stderr)."""
    mp = monkeypatch or pytest.MonkeyPatch()
    try:
        mp.setattr(identity, "current_login", lambda: login)
        code = cli.main(list(argv))
    finally:
        if monkeypatch is None:
            mp.undo()
    out, err = capsys.readouterr()
    return code, out, err


def sub_env(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["XZCONSOLE_DB"] = str(db)
    return env


@pytest.fixture(scope="session")
def _template(tmp_path_factory) -> Path:
    """A database made by `init` and `staff add`, built once and copied per test."""
    path = tmp_path_factory.mktemp("tpl") / "tpl.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(identity, "current_login", lambda: "admin")
        assert cli.main(["init", "--db", str(path)]) == 0
        from xzconsole.demo.policies import load_sample_library
        from xzconsole.store import Store

        s = Store(path)  # init loads no policies: the template's library is the demo's sample one
        try:
            load_sample_library(s)
        finally:
            s.disconnect()
        for argv in (["clerk", "--role", "clerk", "--name", "王受理"],
                     ["sup", "--role", "supervisor", "--name", "赵值班"],
                     ["rsj", "--role", "department", "--department", "市人社局"],
                     ["swj", "--role", "department", "--department", "市税务局"]):
            assert cli.main(["staff", "add", *argv, "--db", str(path)]) == 0
        if OS_LOGIN not in ("admin", "clerk", "sup", "rsj", "swj"):  # for the subprocess tests
            assert cli.main(["staff", "add", OS_LOGIN, "--role", "clerk", "--db", str(path)]) == 0
    return path


@pytest.fixture
def cli_db(_template, tmp_path, monkeypatch, capsys) -> Path:
    """A fresh copy of the template database, named by $XZCONSOLE_DB."""
    path = tmp_path / "xz.db"
    shutil.copy(_template, path)
    monkeypatch.setenv("XZCONSOLE_DB", str(path))
    capsys.readouterr()
    return path


def rows_of(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def rejects_of(feed: Path) -> list[dict]:
    path = feed.with_name(feed.stem + ".rejects.jsonl")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- bad rows, re-import


def test_every_kind_of_bad_row_goes_to_the_rejects_file_and_the_rest_is_imported(cli_db, tmp_path, capsys):
    feed = write_jsonl(tmp_path / "feed.jsonl", [
        feed_row(1),                                                         # 1 good
        feed_row(2, content=None),                                           # 2 missing required field
        feed_row(3, uscc="91320300000000003X"),                              # 3 bad check character
        feed_row(4, contact_phone="1234"),                                   # 4 bad phone
        feed_row(5, received_at="2026-13-45 25:00"),                         # 5 bad date
        feed_row(6, appeal_type="表扬"),                                     # 6 unknown appeal type
        feed_row(7, department="市魔法局", dispatched_at="2026-11-20 10:00"),  # 7 unknown department
        feed_row(8, department="市人社局", dispatched_at="2026-11-21 10:00",
                 replied_at="2026-11-20 16:00"),                             # 8 replied before dispatched
        '{"external_id": "HL-9", "content": ',                               # 9 not JSON
        '["HL-10", "2026-11-20", "投诉"]',                                    # 10 a list, not an object
        feed_row(11, external_id=None),                                      # 11 no external id
        "",                                                                  # blank: skipped
        feed_row(13),                                                        # 13 good
    ])
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1
    assert "新增 2 件" in err and "重复 0 件" in err and "拒收 10 行" in err
    rejects = {r["line"]: r for r in rejects_of(feed)}
    assert sorted(rejects) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    expect = {2: "诉求内容", 3: "校验位", 4: "联系电话", 5: "来电时间", 6: "诉求类型", 7: "市魔法局",
              8: "答复时间", 9: "JSON", 10: "列表", 11: "工单编号"}
    for line, word in expect.items():
        assert word in rejects[line]["reason"], (line, rejects[line]["reason"])
    # unparseable lines are kept verbatim, others as the row they were
    assert rejects[9]["raw"] == '{"external_id": "HL-9", "content": '
    assert rejects[10]["raw"] == '["HL-10", "2026-11-20", "投诉"]'
    assert rejects[3]["raw"]["uscc"] == "91320300000000003X"
    assert sorted(r[0] for r in rows_of(cli_db, "SELECT external_id FROM tickets")) == ["HL-0000001", "HL-0000013"]
    events = rows_of(cli_db, "SELECT e.action, e.actor, e.to_status FROM events e")
    assert events == [("import", "clerk", "new")] * 2


def test_reimport_changes_nothing(cli_db, tmp_path, capsys):
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(i) for i in range(30)] + [
        feed_row(99, department="市人社局", dispatched_at="2026-11-20 10:00", replied_at="2026-11-23 15:00")])
    assert run(capsys, "import", str(feed), "--now", NOW)[0] == 0
    before = rows_of(cli_db, "SELECT * FROM tickets ORDER BY id")
    events = rows_of(cli_db, "SELECT count(*) FROM events")[0][0]
    code, out, err = run(capsys, "import", str(feed), "--now", "2026-11-27T10:00:00+08:00")
    assert code == 0
    assert "新增 0 件" in err and "重复 31 件" in err
    assert rows_of(cli_db, "SELECT * FROM tickets ORDER BY id") == before
    assert rows_of(cli_db, "SELECT count(*) FROM events")[0][0] == events == 31
    # one enterprise per USCC, not one per row
    assert rows_of(cli_db, "SELECT count(*) FROM enterprises")[0][0] == 31  # 30 + the one of row 99


def test_history_rows_get_their_status_and_due_date_from_the_rules(cli_db, tmp_path, capsys):
    feed = write_jsonl(tmp_path / "hist.jsonl", [
        # dispatched Thursday 11-26 (consultation, 3 days): due Tue 12-01; open → no warning yet
        feed_row(1, received_at="2026-11-26 08:00", department="市人社局", dispatched_at="2026-11-26 08:30"),
        # dispatched 11-02, signed, never replied: due 11-05, 15 working days late by 11-26 → red
        feed_row(2, received_at="2026-11-02 09:00", department="市税务局", dispatched_at="2026-11-02 10:00",
                 signed_at="2026-11-02 11:00"),
        # replied two working days late (11-09 vs due 11-05), then satisfied and closed
        feed_row(3, received_at="2026-11-02 09:00", department="市人社局", dispatched_at="2026-11-02 10:00",
                 signed_at="2026-11-03 09:00", replied_at="2026-11-09 10:00", satisfaction="满意",
                 closed_at="2026-11-10 10:00"),
        # answered directly by the center (no dispatch)
        feed_row(4, received_at="2026-11-25 09:00", replied_at="2026-11-25 09:30", satisfaction="未联系上"),
    ])
    assert run(capsys, "import", str(feed), "--now", NOW)[0] == 0
    got = {r[0]: r[1:] for r in rows_of(cli_db, (
        "SELECT external_id, status, due_date, time_limit, clock_start, max_level, direct_answer, satisfaction, "
        "followup_count, close_reason FROM tickets"))}
    assert got["HL-0000001"] == ("dispatched", "2026-12-01", 3, "2026-11-26", 0, 0, None, 0, None)
    assert got["HL-0000002"] == ("signed", "2026-11-05", 3, "2026-11-02", 3, 0, None, 0, None)
    assert got["HL-0000003"] == ("closed", "2026-11-05", 3, "2026-11-02", 1, 0, "satisfied", 1, "resolved")
    assert got["HL-0000004"] == ("replied", None, None, None, 0, 1, "unreachable", 1, None)


# ---------------------------------------------------------------- CSV and XLSX with Chinese headers

HEADERS = ["工单编号", "来电时间", "诉求类型", "企业名称", "统一社会信用代码", "联系人", "联系电话", "所属区域",
           "诉求标题", "诉求内容", "承办单位", "派发时间", "签收时间", "答复时间", "办结时间", "回访结果"]


def _chinese_rows() -> list[list[str]]:
    return [
        ["C-1", "2026/11/20 09:15", "政策咨询", "徐州云龙食品有限公司", uscc(7), "李会计", "0516-83801234", "云龙区",
         "研发费用加计扣除", "咨询研发费用加计扣除的申报时间", "市税务局", "2026-11-20 10:00", "", "", "", ""],
        ["C-2", "2026-11-20 09:20", "投诉", "徐州贾汪建材有限公司", "", "王总", "13912345678", "贾汪",
         "施工噪音", "夜间施工噪音扰民，影响生产", "", "", "", "", "", ""],
        ["C-3", "2026-11-20 09:25", "投诉", "坏行企业", "", "", "", "火星区", "", "区域不对", "", "", "", "", "", ""],
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_with_chinese_headers_in_any_usual_encoding(cli_db, tmp_path, capsys, encoding):
    feed = tmp_path / "feed.csv"
    with open(feed, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(_chinese_rows())
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1 and "新增 2 件" in err and "拒收 1 行" in err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 4 and "所属区域" in rej["reason"] and rej["raw"]["企业名称"] == "坏行企业"
    got = dict((r[0], r[1:]) for r in rows_of(cli_db, "SELECT external_id, enterprise_name, appeal_type, district, status, "
                                                     "due_date, contact_phone FROM tickets"))
    assert got["C-1"] == ("徐州云龙食品有限公司", "policy_consultation", "云龙区", "dispatched", "2026-11-23", "0516-83801234")
    assert got["C-2"] == ("徐州贾汪建材有限公司", "complaint", "贾汪区", "new", None, "13912345678")


def test_xlsx_with_chinese_headers_dates_and_numbers_as_cells(cli_db, tmp_path, capsys):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    row = _chinese_rows()[0]
    row[1] = dt.datetime(2026, 11, 20, 9, 15)      # a real Excel date cell
    row[11] = dt.datetime(2026, 11, 20, 10, 0)
    ws.append(row)
    second = _chinese_rows()[1]
    second[6] = 13912345678                           # a phone typed as a number
    ws.append(second)
    feed = tmp_path / "feed.xlsx"
    wb.save(feed)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 0, err
    assert "XLSX" in err and "新增 2 件" in err
    got = dict((r[0], r[1:]) for r in rows_of(cli_db, "SELECT external_id, received_at, due_date, contact_phone FROM tickets"))
    assert got["C-1"] == ("2026-11-20T09:15:00+08:00", "2026-11-23", "0516-83801234")
    assert got["C-2"][2] == "13912345678"


def test_a_file_without_a_required_column_is_refused_whole(cli_db, tmp_path, capsys):
    feed = tmp_path / "feed.csv"
    feed.write_text("来电时间,诉求类型,企业名称,诉求内容\n2026-11-20 09:00,投诉,某公司,内容\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 2 and "工单编号" in err and "Traceback" not in err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0] == 0


def test_a_department_liaison_may_not_import_and_a_stranger_is_refused(cli_db, tmp_path, capsys):
    feed = write_jsonl(tmp_path / "f.jsonl", [feed_row(1)])
    code, out, err = run(capsys, "import", str(feed), login="rsj")
    assert code == 2 and "承办单位联络员" in err
    code, out, err = run(capsys, "import", str(feed), login="stranger")
    assert code == 2 and "stranger" in err and "staff add" in err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0] == 0


# ---------------------------------------------------------------- two at once, killed half-way


def _subprocess_import(db: Path, feed: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "import", str(feed), "--now", NOW, *extra],
                            env=sub_env(db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_imports_of_overlapping_feeds_at_once_import_each_row_exactly_once(cli_db, tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [feed_row(i) for i in range(0, 3000)])
    b = write_jsonl(tmp_path / "b.jsonl", [feed_row(i) for i in range(1500, 4500)])
    procs = [_subprocess_import(cli_db, a, "--batch-size", "100"), _subprocess_import(cli_db, b, "--batch-size", "100")]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    total, distinct = rows_of(cli_db, "SELECT count(*), count(DISTINCT external_id) FROM tickets")[0]
    assert total == distinct == 4500
    assert rows_of(cli_db, "SELECT count(*), count(DISTINCT ticket_id) FROM events")[0] == (4500, 4500)
    assert rows_of(cli_db, "SELECT count(*), count(DISTINCT number) FROM tickets")[0] == (4500, 4500)
    imported = [int(err.split("新增 ")[1].split(" 件")[0]) for _, err in results]
    assert sum(imported) == 4500


def test_an_import_killed_half_way_then_rerun_imports_every_row_exactly_once(cli_db, tmp_path):
    n, batch = 40_000, 500
    feed = write_jsonl(tmp_path / "big.jsonl", [feed_row(i) for i in range(n)])
    proc = _subprocess_import(cli_db, feed, "--batch-size", str(batch))
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            done = rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0]
        except sqlite3.OperationalError:
            continue
        if done >= 3 * batch:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    done = rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0]
    assert 0 < done < n, "the import should have been killed part-way"
    assert done % batch == 0, "only whole batches are ever committed"
    assert rows_of(cli_db, "PRAGMA integrity_check")[0][0] == "ok"

    rerun = _subprocess_import(cli_db, feed, "--batch-size", str(batch))
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"新增 {n - done} 件" in err and f"重复 {done} 件" in err
    assert rows_of(cli_db, "SELECT count(*), count(DISTINCT external_id) FROM tickets")[0] == (n, n)
    assert rows_of(cli_db, "SELECT count(*), count(DISTINCT ticket_id) FROM events")[0] == (n, n)
