"""The other subcommands as a user runs them: init, staff, identity, calendar,
warnings, export, backup, doctor, demo and the plain console."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import types
from pathlib import Path

import pytest

from test_import import NOW, feed_row, rows_of, run, write_jsonl  # noqa: F401  (fixtures below)
from test_import import _template, cli_db  # noqa: F401

from xzconsole.areas.schema import SCHEMA_VERSION


def _import(capsys, tmp_path: Path, rows: list, now: str = NOW) -> str:
    feed = write_jsonl(tmp_path / f"feed{len(list(tmp_path.iterdir()))}.jsonl", rows)
    code, out, err = run(capsys, "import", str(feed), "--now", now)
    assert code == 0, err
    return err


# ---------------------------------------------------------------- init, staff, identity


def test_init_bootstraps_the_current_login_as_admin_and_is_repeatable_by_an_admin(tmp_path, capsys, monkeypatch):
    db = tmp_path / "new.db"
    code, out, err = run(capsys, "init", "--db", str(db), login="ops")
    assert code == 0 and "ops" in err and "管理员" in err
    assert rows_of(db, "SELECT login, role FROM staff") == [("ops", "admin")]
    assert rows_of(db, "SELECT count(*) FROM departments")[0][0] == 70
    # a second init (e.g. after editing data/) by the admin reloads, by anyone else is refused
    assert run(capsys, "init", "--db", str(db), login="ops")[0] == 0
    code, out, err = run(capsys, "init", "--db", str(db), login="mallory")
    assert code == 2 and "mallory" in err and "Traceback" not in err
    assert rows_of(db, "SELECT login FROM staff") == [("ops",)]


def test_a_missing_database_is_refused_with_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("XZCONSOLE_DB", raising=False)
    code, out, err = run(capsys, "warnings", "--db", str(tmp_path / "nope.db"))
    assert code == 2 and "数据库文件不存在" in err and "xzconsole init" in err
    assert not (tmp_path / "nope.db").exists()


def test_staff_add_list_disable_and_refusals(cli_db, capsys):
    code, out, err = run(capsys, "staff", "add", "lisi", "--role", "值班长", "--name", "李四", login="admin")
    assert code == 0 and "值班长" in err
    code, out, err = run(capsys, "staff", "add", "dept1", "--role", "department", login="admin")
    assert code == 2 and "--department" in err
    code, out, err = run(capsys, "staff", "list", login="admin")
    assert code == 0 and "李四" in out and "市人社局" in out
    # only an admin manages staff
    code, out, err = run(capsys, "staff", "add", "evil", "--role", "admin", login="clerk")
    assert code == 2 and "管理员" in err
    assert run(capsys, "staff", "disable", "lisi", login="admin")[0] == 0
    code, out, err = run(capsys, "warnings", "--now", NOW, login="lisi")
    assert code == 2 and "已停用" in err
    code, out, err = run(capsys, "staff", "disable", "admin", login="admin")
    assert code == 2 and "自己" in err


def test_names_are_printed_literally_never_as_terminal_escapes(cli_db, capsys):
    code, out, err = run(capsys, "staff", "add", "odd", "--role", "clerk", "--name", "\x1b[2J[b]王[/b]", login="admin")
    assert code == 0 and "\x1b" not in err
    code, out, err = run(capsys, "staff", "list", login="admin")
    assert "[b]王[/b]" in out and "\x1b" not in out
    code, out, err = run(capsys, "doctor", login="odd")
    assert "[b]王[/b]" in out and "\x1b" not in out


def test_an_unknown_login_is_refused_clearly(cli_db, capsys):
    code, out, err = run(capsys, "export", "tickets", login="stranger")
    assert code == 2
    assert "stranger" in err and "不是本平台的工作人员" in err and "staff add stranger" in err
    assert out == ""


def test_as_is_honoured_only_on_a_demo_database(cli_db, capsys):
    code, out, err = run(capsys, "warnings", "--as", "sup", "--now", NOW, login="stranger")
    assert code == 2 and "演示数据库" in err
    conn = sqlite3.connect(cli_db)
    conn.execute("INSERT INTO meta(key, value) VALUES ('demo', '1')")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "warnings", "--as", "sup", "--now", NOW, login="stranger")
    assert code == 0, err


def test_bad_arguments_exit_2_in_chinese(cli_db, capsys):
    code, out, err = run(capsys, "warnings", "--now", "下周三")
    assert code == 2 and "无法识别的时间" in err
    code, out, err = run(capsys, "export", "everything")
    assert code == 2 and "无效的选项" in err and "Traceback" not in err
    code, out, err = run(capsys, "import")
    assert code == 2 and "缺少必需的参数" in err
    code, out, err = run(capsys, "import", "/nonexistent/feed.jsonl")
    assert code == 2 and "找不到文件" in err


def test_a_file_that_is_not_a_database_is_refused_without_traceback(tmp_path, capsys):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    code, out, err = run(capsys, "warnings", "--db", str(bogus))
    assert code == 2 and "不是 xzconsole 数据库" in err


# ---------------------------------------------------------------- calendar

SCHEDULE_2027 = """\
year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（演练）"
holidays = [
  { name = "元旦", start = 2027-01-01, end = 2027-01-04 },
  { name = "春节", start = 2027-02-05, end = 2027-02-11 },
]
workdays = [2027-02-13]
"""


def test_loading_the_2027_schedule_moves_provisional_due_dates(cli_db, tmp_path, capsys):
    now = "2026-12-29T09:00:00+08:00"
    # a complaint (5 working days) dispatched Monday 2026-12-28 runs into 2027, which is provisional
    err = _import(capsys, tmp_path, [feed_row(1, appeal_type="投诉", received_at="2026-12-28 09:00",
                                              department="市人社局", dispatched_at="2026-12-28 10:00")], now)
    assert "1 件的办理期限按暂定日历计算" in err
    assert rows_of(cli_db, "SELECT due_date, due_provisional FROM tickets") == [("2027-01-05", 1)]
    code, out, err = run(capsys, "calendar", "status", "--now", now)
    assert code == 0 and "2027 年：暂定" in out

    sched = tmp_path / "2027.toml"
    sched.write_text(SCHEDULE_2027, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", now, login="clerk")
    assert code == 2 and "值班长" in err  # a clerk may not edit the calendar
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", now, login="sup")
    assert code == 0, err
    assert "1 件未办结工单的办理期限随之调整" in err
    # 12-29, 12-30, 12-31, (1-1..1-4 holiday), 1-5, 1-6
    assert rows_of(cli_db, "SELECT due_date, due_provisional FROM tickets") == [("2027-01-06", 0)]
    assert rows_of(cli_db, "SELECT action, changes FROM events WHERE action = 'recompute_due'") == [
        ("recompute_due", json.dumps({"due_date": ["2027-01-05", "2027-01-06"], "due_provisional": [True, False]},
                                     ensure_ascii=False))]
    code, out, err = run(capsys, "calendar", "status", "--now", now)
    assert "2027 年：中心日历" in out and "sup 载入" in out
    code, out, err = run(capsys, "calendar", "show", "2027-02", "--now", now)
    assert code == 0
    assert " 5* " in out and "13+" in out and "春节" in out and "图例" in out
    code, out, err = run(capsys, "calendar", "show", "2028-01", "--now", now)
    assert "暂定" in out and "?" in out


@pytest.mark.parametrize("bad, line, word", [
    ('year = 2027\nholidays = [\n  { name = "元旦", start = 2027-01-01, end = 2027-01-01 },\n'
     '  { name = "清明", start = 2027-04-06, end = 2027-04-03 },\n]\n', 4, "早于"),
    ("year = 2027\nworkdays = [\n  2027-02-13,\n  2027-01-06,\n]\n", 4, "周三"),
    ("year = 2027\nholidays = [\n  { name = \"元旦\", start = 2027-02-30, end = 2027-03-01 },\n]\n", 3, "日期"),
])
def test_a_malformed_schedule_is_refused_with_its_line_and_nothing_changes(cli_db, tmp_path, capsys, bad, line, word):
    sched = tmp_path / "bad.toml"
    sched.write_text(bad, encoding="utf-8")
    code, out, err = run(capsys, "calendar", "load", str(sched), "--now", NOW, login="sup")
    assert code == 2
    assert f"第 {line} 行" in err and word in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM calendar_years")[0][0] == 0


# ---------------------------------------------------------------- warnings and export


def _ladder(capsys, tmp_path):
    """Tickets due (consultation, 3 days) so that on 2026-11-26 they are red, orange, yellow, due later."""
    _import(capsys, tmp_path, [
        feed_row(1, received_at="2026-11-02 09:00", department="市人社局", dispatched_at="2026-11-02 10:00"),  # due 11-05
        feed_row(2, received_at="2026-11-17 09:00", department="市税务局", dispatched_at="2026-11-17 10:00"),  # due 11-20
        feed_row(3, received_at="2026-11-19 09:00", department="市人社局", dispatched_at="2026-11-19 10:00"),  # due 11-24
        feed_row(4, received_at="2026-11-25 09:00", department="市人社局", dispatched_at="2026-11-25 10:00"),  # due 11-30
        feed_row(5, received_at="2026-11-02 09:00", department="市人社局", dispatched_at="2026-11-02 10:00",
                 signed_at="2026-11-02 11:00", replied_at="2026-11-04 10:00"),
    ])


def test_warnings_json_has_the_fields_of_the_spec(cli_db, tmp_path, capsys):
    _ladder(capsys, tmp_path)
    code, out, err = run(capsys, "warnings", "--json", "--now", NOW)
    assert code == 0
    got = [json.loads(line) for line in out.splitlines()]
    assert [(g["external_id"], g["level"], g["overdue_workdays"], g["supervised_by"]) for g in got] == [
        ("HL-0000001", "red", 15, "市纪委监委"),
        ("HL-0000002", "orange", 4, "市营商办"),
        ("HL-0000003", "yellow", 2, "企服平台"),
    ]
    for g in got:
        assert {"number", "external_id", "department", "due_date", "overdue_workdays", "level", "supervised_by"} <= set(g)
    assert got[1]["department"] == "市税务局" and got[1]["due_date"] == "2026-11-20"
    # a department liaison sees only their own department's
    code, out, err = run(capsys, "warnings", "--json", "--now", NOW, login="swj")
    assert [json.loads(x)["external_id"] for x in out.splitlines()] == ["HL-0000002"]
    # the table: symbol and word per level, most severe first
    code, out, err = run(capsys, "warnings", "--now", NOW)
    assert code == 0
    assert out.index("■ 红色预警") < out.index("◆ 橙色预警") < out.index("▲ 黄色预警")
    assert "共 3 件" in out


def test_export_tickets_streams_the_fields_of_the_spec(cli_db, tmp_path, capsys):
    _ladder(capsys, tmp_path)
    code, out, err = run(capsys, "export", "tickets", "--now", NOW)
    assert code == 0
    got = {r["external_id"]: r for r in map(json.loads, out.splitlines())}
    assert len(got) == 5
    fields = {"number", "external_id", "status", "appeal_type", "department", "dispatched_at", "due_date",
              "due_provisional", "replied_at", "closed_at", "satisfaction", "warning", "overdue_workdays"}
    for r in got.values():
        assert fields <= set(r)
    assert got["HL-0000001"]["warning"] == "red" and got["HL-0000001"]["overdue_workdays"] == 15
    assert got["HL-0000004"]["warning"] == "none" and got["HL-0000004"]["due_date"] == "2026-11-30"
    assert got["HL-0000005"]["status"] == "replied" and got["HL-0000005"]["warning"] == "none"
    # as of another day the same tickets are further behind
    code, out, err = run(capsys, "export", "tickets", "--now", "2026-12-01T09:00", "--out", str(tmp_path / "t.jsonl"))
    assert code == 0 and out == "" and "已导出 5 条" in err
    later = {r["external_id"]: r for r in map(json.loads, (tmp_path / "t.jsonl").read_text().splitlines())}
    assert later["HL-0000004"]["warning"] == "yellow" and later["HL-0000004"]["overdue_workdays"] == 1
    code, out, err = run(capsys, "export", "departments")
    assert code == 0 and len(out.splitlines()) == 70 and "市人社局" in out
    code, out, err = run(capsys, "export", "policies")
    assert code == 0 and all("title" in json.loads(x) for x in out.splitlines())


# ---------------------------------------------------------------- backup and doctor


def test_backup_makes_a_verified_copy_and_never_overwrites_the_live_database(cli_db, tmp_path, capsys):
    _ladder(capsys, tmp_path)
    dest = tmp_path / "backup" / "copy.db"
    dest.parent.mkdir()
    code, out, err = run(capsys, "backup", str(dest), login="admin")
    assert code == 0 and "完整性检查：ok" in err
    assert rows_of(dest, "SELECT count(*) FROM tickets")[0][0] == 5
    assert rows_of(dest, "PRAGMA journal_mode")[0][0] == "delete"  # one self-contained file
    code, out, err = run(capsys, "backup", str(cli_db), login="admin")
    assert code == 2 and "正在使用" in err
    code, out, err = run(capsys, "backup", str(dest), login="admin")
    assert code == 2 and "--force" in err
    assert run(capsys, "backup", str(dest), "--force", login="admin")[0] == 0
    code, out, err = run(capsys, "backup", str(tmp_path / "c2.db"), login="clerk")
    assert code == 2 and "管理员" in err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0] == 5


def test_doctor_checks_schema_integrity_calendar_permissions_and_the_login(cli_db, capsys):
    """The shared deployment (README "Shared deployment"): the database, its
    directory and -wal/-shm are the service account's alone; doctor names every
    file others can reach, with the command that fixes it."""
    d = cli_db.parent
    os.chmod(d, 0o2770)  # the old group deployment: every staff login could read the file
    os.chmod(cli_db, 0o660)
    code, out, err = run(capsys, "doctor", "--now", NOW)
    assert code == 1
    assert f"结构版本 {SCHEMA_VERSION}" in out and "完整性检查：ok" in out and "日志模式：wal" in out
    assert "2026 年日历" in out and "2027 年日历：暂定" in out
    assert "王受理" in out and "受理员" in out
    assert f"chmod 700 {d}" in out and f"chmod 600 {cli_db}" in out and "绕过一切权限检查" in out
    # as xzconsole init --setup / the README set it up: 0700 directory, 0600 files
    os.chmod(d, 0o700)
    for p in (cli_db, Path(f"{cli_db}-wal"), Path(f"{cli_db}-shm")):
        if p.exists():
            os.chmod(p, 0o600)
    code, out, err = run(capsys, "doctor", "--now", NOW)
    assert code == 0 and "✗" not in out and "一切正常" in out, out
    assert "仅服务账号可进入" in out
    code, out, err = run(capsys, "doctor", "--now", NOW, login="stranger")
    assert code == 1 and "stranger" in out


# ---------------------------------------------------------------- demo and the console


@pytest.fixture
def fake_ui(monkeypatch):
    """Stand-ins for xzconsole.demo.build_demo and xzconsole.app.run_console."""
    calls: dict[str, list] = {"build": [], "run": []}

    def build_demo(path, tickets, now, progress):
        from xzconsole.store import Store

        calls["build"].append((path, tickets, now))
        s = Store(path)
        s.load_reference_data()
        s.staff.add(None, "demo_admin", "admin")
        s.staff.add(s.staff.get("demo_admin"), "demo_clerk", "clerk")
        s.conn.execute("INSERT INTO meta(key, value) VALUES ('demo', '1')")
        s.disconnect()

    def run_console(db_path, login, now):
        calls["run"].append((db_path, login, now))
        return 0

    monkeypatch.setitem(sys.modules, "xzconsole.demo", types.SimpleNamespace(build_demo=build_demo))
    monkeypatch.setitem(sys.modules, "xzconsole.app", types.SimpleNamespace(run_console=run_console))
    return calls


def test_demo_builds_once_then_opens_with_a_demo_identity(tmp_path, capsys, fake_ui):
    db = tmp_path / "demo.db"
    code, out, err = run(capsys, "demo", "--db", str(db), "--tickets", "50")
    assert code == 0
    assert [(p, n) for p, n, _ in fake_ui["build"]] == [(str(db), 50)]
    assert fake_ui["run"] == [(str(db), "demo_clerk", None)]
    # the file exists: opened again without rebuilding, as another demo identity
    code, out, err = run(capsys, "demo", "--db", str(db), "--as", "demo_admin", "--no-open")
    assert code == 0 and len(fake_ui["build"]) == 1 and len(fake_ui["run"]) == 1
    code, out, err = run(capsys, "demo", "--db", str(db), "--rebuild", "--no-open", "--now", NOW)
    assert code == 0 and len(fake_ui["build"]) == 2 and str(fake_ui["build"][1][2]) == "2026-11-26 09:30:00+08:00"


def test_demo_never_rebuilds_a_real_database(cli_db, capsys, fake_ui):
    code, out, err = run(capsys, "demo", "--db", str(cli_db), "--rebuild")
    assert code == 2 and "不是演示数据库" in err
    assert cli_db.exists() and fake_ui["build"] == []


def test_plain_xzconsole_opens_the_console_for_the_os_login(cli_db, capsys, fake_ui):
    assert run(capsys, login="sup")[0] == 0
    assert fake_ui["run"] == [(str(cli_db), "sup", None)]
    code, out, err = run(capsys, login="stranger")
    assert code == 2 and "stranger" in err and len(fake_ui["run"]) == 1


def test_an_interrupted_demo_build_is_rebuilt_only_on_request(tmp_path, capsys, fake_ui):
    db = tmp_path / "demo.db"
    from xzconsole.store import Store

    s = Store(db)  # what a killed build leaves: demo staff, no demo mark yet
    s.load_reference_data()
    s.staff.add(None, "demo_admin", "admin")
    s.staff.add(s.staff.get("demo_admin"), "demo_clerk", "clerk")
    s.disconnect()
    code, out, err = run(capsys, "demo", "--db", str(db))
    assert code == 2 and "--rebuild" in err and fake_ui["run"] == []
    assert run(capsys, "demo", "--db", str(db), "--rebuild", "--no-open")[0] == 0
    assert len(fake_ui["build"]) == 1
