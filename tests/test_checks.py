"""Check before touching (issue 12 item 4), who the process is (identity under
sudo), and backups that never leak or leave debris."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from test_import import NOW, ROOT, _template, cli_db, rows_of, run  # noqa: F401  (fixtures)

from xzconsole import identity
from xzconsole.areas.schema import MIGRATIONS, SCHEMA_VERSION, split_sql


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def untouched(path: Path, before: str) -> None:
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


# ---------------------------------------------------------------- not ours: refused untouched


def other_app(tmp_path: Path) -> Path:
    path = tmp_path / "other-app.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);")
    conn.close()
    return path


@pytest.mark.parametrize("argv", [["warnings"], ["warnings", "--json"], ["export", "tickets"], ["staff", "list"],
                                  ["doctor"], ["init"]])
def test_another_applications_database_is_refused_and_left_as_it_was(tmp_path, capsys, argv):
    db = other_app(tmp_path)
    before = digest(db)
    code, out, err = run(capsys, *argv, "--db", str(db), login="mallory")
    assert code == 2 and "不是 xzconsole 数据库" in err and "invoices" in err and "未作任何改动" in err
    untouched(db, before)
    assert rows_of(db, "PRAGMA journal_mode")[0][0] == "delete"
    assert [r[0] for r in rows_of(db, "SELECT name FROM sqlite_master")] == ["invoices"]


def test_an_empty_file_is_refused_except_by_init(tmp_path, capsys):
    db = tmp_path / "empty.db"
    db.touch()
    code, out, err = run(capsys, "warnings", "--db", str(db), login="ops")
    assert code == 2 and "空数据库" in err and f"xzconsole init --db {db}" in err
    assert db.stat().st_size == 0 and not Path(f"{db}-wal").exists()
    code, out, err = run(capsys, "init", "--db", str(db), login="ops")
    assert code == 0 and "ops" in err
    assert rows_of(db, "PRAGMA user_version")[0][0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused_with_please_upgrade(cli_db, capsys):
    conn = sqlite3.connect(cli_db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    for argv in (["warnings"], ["init"], ["staff", "list"]):
        code, out, err = run(capsys, *argv, login="admin")
        assert code == 2 and "请升级 xzconsole" in err and "99" in err, argv
    assert rows_of(cli_db, "PRAGMA user_version")[0][0] == 99
    code, out, err = run(capsys, "doctor", "--now", NOW, login="admin")
    assert code == 1 and "请升级 xzconsole" in out


def old_database(tmp_path: Path, version: int) -> Path:
    """A database as an older xzconsole left it: the first ``version`` migrations, one clerk."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")  # as every xzconsole database is
    for sql in MIGRATIONS[:version]:
        for statement in split_sql(sql):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO staff(login, name, role, created_at) VALUES ('clerk', '王受理', 'clerk', '2026-01-01T00:00:00+08:00')")
    conn.close()
    return path


def test_an_older_schema_is_migrated_only_for_a_staff_login(tmp_path, capsys):
    db = old_database(tmp_path, SCHEMA_VERSION - 1)
    before = digest(db)
    code, out, err = run(capsys, "warnings", "--db", str(db), "--now", NOW, login="mallory")
    assert code == 2 and "mallory" in err and "不是本平台的工作人员" in err
    assert digest(db) == before and rows_of(db, "PRAGMA user_version")[0][0] == SCHEMA_VERSION - 1
    # init on it by a non-admin changes nothing either
    code, out, err = run(capsys, "init", "--db", str(db), login="clerk")
    assert code == 2 and "管理员" in err
    assert rows_of(db, "PRAGMA user_version")[0][0] == SCHEMA_VERSION - 1
    # nor does --as on a database that is not a demo
    code, out, err = run(capsys, "warnings", "--db", str(db), "--as", "clerk", "--now", NOW, login="mallory")
    assert code == 2 and "--as 只能用于演示数据库" in err
    assert rows_of(db, "PRAGMA user_version")[0][0] == SCHEMA_VERSION - 1
    code, out, err = run(capsys, "warnings", "--db", str(db), "--now", NOW, login="clerk")
    assert code == 0, err
    assert rows_of(db, "PRAGMA user_version")[0][0] == SCHEMA_VERSION


# ---------------------------------------------------------------- identity


def test_sudo_user_is_believed_only_as_the_databases_owner(tmp_path, monkeypatch):
    db = tmp_path / "x.db"
    db.touch()
    env = {"SUDO_USER": "root", "SUDO_UID": "0"}
    # no sudo: the process's own login
    monkeypatch.setattr(identity, "current_login", lambda: "svc")
    assert identity.invoker(db, {}).login == "svc"
    # sudo as root: root, not the caller (root is never the service account)
    monkeypatch.setattr(identity.os, "getuid", lambda: 0)
    assert identity.invoker(db, {"SUDO_USER": "daemon", "SUDO_UID": "1"}).login == "svc"
    # as the owner of the database (the service account): the caller sudo names
    monkeypatch.setattr(identity.os, "getuid", lambda: 4321)
    monkeypatch.setattr(identity, "database_owner", lambda p: 4321)
    inv = identity.invoker(db, env)
    assert inv.login == "root" and inv.via_sudo and inv.account == "svc"
    # SUDO_UID that does not match SUDO_USER, or an unknown login: refused
    with pytest.raises(identity.IdentityRefused, match="不符"):
        identity.invoker(db, {"SUDO_USER": "root", "SUDO_UID": "5"})
    with pytest.raises(identity.IdentityRefused, match="不是本机账号"):
        identity.invoker(db, {"SUDO_USER": "no-such-login-xz", "SUDO_UID": "5"})
    # the process is not the database's owner: SUDO_USER is just an environment variable
    monkeypatch.setattr(identity, "database_owner", lambda p: 999)
    with pytest.raises(identity.IdentityRefused, match="服务账号"):
        identity.invoker(db, env)


def test_a_forged_sudo_user_on_the_command_line_is_refused(cli_db, capsys, monkeypatch):
    monkeypatch.setattr(identity.os, "getuid", lambda: 4321)  # not the owner of cli_db (root's)
    monkeypatch.setenv("SUDO_USER", "admin")
    monkeypatch.setenv("SUDO_UID", "0")
    code, out, err = run(capsys, "staff", "list", login="clerk", monkeypatch=monkeypatch)
    assert code == 2 and out == "" and "SUDO_USER" in err


def test_as_is_refused_under_sudo_even_on_a_demo_database(cli_db, capsys, monkeypatch):
    conn = sqlite3.connect(cli_db)
    conn.execute("INSERT INTO meta(key, value) VALUES ('demo', '1')")
    conn.commit()
    conn.close()
    assert run(capsys, "staff", "list", "--as", "admin", login="clerk")[0] == 0  # a demo database, no sudo
    monkeypatch.setenv("SUDO_USER", "root")
    monkeypatch.setenv("SUDO_UID", "0")
    code, out, err = run(capsys, "staff", "list", "--as", "admin", login="clerk", monkeypatch=monkeypatch)
    assert code == 2 and "--as" in err and "sudo" in err


def test_a_database_out_of_reach_says_to_use_sudo(tmp_path, capsys):
    if os.getuid() == 0:
        pytest.skip("root reaches every directory; tests/test_deployment.py shows this with a real staff login")
    d = tmp_path / "locked"
    d.mkdir(mode=0o700)
    db = d / "xz.db"
    d.chmod(0)
    try:
        code, out, err = run(capsys, "warnings", "--db", str(db))
    finally:
        d.chmod(0o700)
    assert code == 2 and "没有权限" in err and "sudo -u" in err


# ---------------------------------------------------------------- backups


def test_a_backup_is_never_readable_by_more_people_than_the_database(cli_db, tmp_path, capsys):
    os.chmod(cli_db, 0o644)  # even a database too open: the copy is the owner's alone
    old = os.umask(0o000)
    try:
        dest = tmp_path / "b" / "copy.db"
        dest.parent.mkdir()
        code, out, err = run(capsys, "backup", str(dest), login="admin")
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [p.name for p in dest.parent.iterdir()] == ["copy.db"]


def test_a_failed_backup_leaves_no_partial_file_and_says_why_in_chinese(cli_db, tmp_path):
    """The copy runs out of room (a file-size limit stands in for a full disk)."""
    dest_dir = tmp_path / "full"
    dest_dir.mkdir()
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from xzconsole import cli, identity\n"
        "identity.current_login = lambda: 'admin'\n"
        "from xzconsole.store import Store\n"
        "backup_to = Store.backup_to\n"
        "def full(self, dest):\n"  # the database is open: from here on no file may grow past 8 KB
        "    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))\n"
        "    return backup_to(self, dest)\n"
        "Store.backup_to = full\n"
        f"sys.exit(cli.main(['backup', {str(dest_dir / 'copy.db')!r}, '--db', {str(cli_db)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "备份失败" in done.stderr and "没有留下不完整的文件" in done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert list(dest_dir.iterdir()) == []


# ---------------------------------------------------------------- output that cannot act on a terminal

HOSTILE = "\x9b31m\u202e\x1b[2J"  # a one-byte CSI, a right-to-left override, an ESC sequence


def _poison_policy(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE policies SET title = title || ? WHERE id = 1", (HOSTILE,))
    conn.commit()
    conn.close()


def test_search_json_and_export_policies_escape_c1_and_bidi_controls(cli_db, capsys):
    _poison_policy(cli_db)
    for argv in (("search", "policies", "专精特新", "--json", "--now", NOW), ("export", "policies", "--now", NOW)):
        code, out, err = run(capsys, *argv, login="sup")
        assert code == 0, err
        assert "\\u009b31m\\u202e\\u001b[2J" in out, argv
        assert not any(ch in out for ch in "\x9b\u202e\x1b"), argv
        titles = [json.loads(line)["title"] for line in out.splitlines()]
        assert any(t.endswith(HOSTILE) for t in titles)  # the same value to a JSON reader


def test_search_table_shows_controls_from_data_and_query_visibly(cli_db, capsys):
    _poison_policy(cli_db)
    code, out, err = run(capsys, "search", "policies", "专精特新\x1b[31m\u202e", "--now", NOW, login="sup")
    assert code == 0, err
    assert not any(ch in out for ch in "\x9b\u202e\x1b"), repr(out)
    assert "\\u202e" in out and "\\x1b" in out


def test_export_out_never_overwrites_the_database_its_wal_or_a_backup(cli_db, tmp_path, capsys):
    backup = tmp_path / "nightly.db"
    assert run(capsys, "backup", str(backup), login="admin")[0] == 0
    for target in (cli_db, Path(f"{cli_db}-wal"), Path(f"{cli_db}-shm"), backup):
        before = target.read_bytes() if target.exists() else None
        code, out, err = run(capsys, "export", "tickets", "--out", str(target), "--now", NOW, login="admin")
        assert code == 2 and "数据库文件" in err and "换一个文件名" in err, (target, err)
        assert (target.read_bytes() if target.exists() else None) == before
    link = tmp_path / "innocent.jsonl"
    link.symlink_to(cli_db)
    code, out, err = run(capsys, "export", "tickets", "--out", str(link), "--now", NOW, login="admin")
    assert code == 2 and "数据库文件" in err
    assert rows_of(cli_db, "PRAGMA integrity_check")[0][0] == "ok"
    assert run(capsys, "export", "tickets", "--out", str(tmp_path / "t.jsonl"), "--now", NOW, login="admin")[0] == 0


@pytest.mark.parametrize("year", ["0", "-1", "1999", "2028", "99999"])
def test_outreach_refuses_a_year_out_of_range_in_chinese(cli_db, capsys, year):
    code, out, err = run(capsys, "outreach", "progress", "--year", year, "--now", NOW)
    assert code == 2 and out == "" and "--year" in err and "2000 至 2027" in err


def test_outreach_accepts_this_and_next_year(cli_db, capsys):
    for year in ("2026", "2027"):
        code, out, err = run(capsys, "outreach", "progress", "--year", year, "--json", "--now", NOW)
        assert code == 0 and all(json.loads(x)["year"] == int(year) for x in out.splitlines()), err


@pytest.mark.parametrize("argv", [
    ["import", "{db}"], ["import", "{db}-wal"], ["report", "--month", "2026-11", "--out", "{db}"],
    ["report", "--month", "2026-11", "--out", "{backup}"], ["calendar", "load", "{db}"],
    ["wall", "--web", "--token-file", "{db}"],
])
def test_under_sudo_no_file_argument_may_be_the_database_or_a_backup(cli_db, tmp_path, capsys, monkeypatch, argv):
    """Run as the service account, xzconsole can reach the database: a caller
    must not make it read one (its bytes would be echoed as "columns") or write one."""
    backup = tmp_path / "old-backup.db"
    assert run(capsys, "backup", str(backup), login="admin")[0] == 0
    Path(f"{cli_db}-wal").write_bytes(b"\x00" * 32) if not Path(f"{cli_db}-wal").exists() else None
    before = digest(cli_db), digest(backup)
    monkeypatch.setenv("SUDO_USER", "root")
    monkeypatch.setenv("SUDO_UID", "0")
    argv = [a.format(db=cli_db, backup=backup) for a in argv]
    code, out, err = run(capsys, *argv, "--now", NOW, login="sup", monkeypatch=monkeypatch)
    assert code == 2 and "经 sudo 运行时不能读写数据库" in err, err
    assert (digest(cli_db), digest(backup)) == before


def test_under_sudo_nothing_in_the_database_directory_is_read_or_written(cli_db, tmp_path, capsys, monkeypatch):
    state = cli_db.parent / "state.toml"  # e.g. replication settings or state beside the database
    state.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setenv("SUDO_USER", "root")
    monkeypatch.setenv("SUDO_UID", "0")
    for argv in (["export", "tickets", "--out", str(state)], ["import", str(state)]):
        code, out, err = run(capsys, *argv, "--now", NOW, login="sup", monkeypatch=monkeypatch)
        assert code == 2 and "数据库目录" in err, err
    assert state.read_text(encoding="utf-8") == "x = 1\n"


def test_a_backup_never_overwrites_a_database_in_use(cli_db, tmp_path, capsys):
    """Even with --force: a WAL-mode file is somebody's live database (an admin
    of a database of their own could otherwise copy it over the real one)."""
    other = tmp_path / "other" / "xz.db"
    other.parent.mkdir()
    assert run(capsys, "init", "--db", str(other), login="mallory")[0] == 0
    before = digest(other)
    code, out, err = run(capsys, "backup", str(other), "--force", login="admin")
    assert code == 2 and "正在使用的数据库" in err
    assert digest(other) == before
    older = tmp_path / "older.db"
    assert run(capsys, "backup", str(older), login="admin")[0] == 0
    assert run(capsys, "backup", str(older), "--force", login="admin")[0] == 0  # an old backup may be replaced


def test_under_sudo_no_database_is_created_and_no_demo_built(cli_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "root")
    monkeypatch.setenv("SUDO_UID", "0")
    monkeypatch.setattr(identity.os, "getuid", lambda: 4321)
    monkeypatch.setattr(identity, "database_owner", lambda p: 4321)  # as the service account
    new = tmp_path / "mine.db"
    code, out, err = run(capsys, "init", "--db", str(new), login="svc", monkeypatch=monkeypatch)
    assert code == 2 and "不能新建数据库" in err and not new.exists()
    code, out, err = run(capsys, "demo", "--db", str(tmp_path / "d.db"), "--no-open", login="svc", monkeypatch=monkeypatch)
    assert code == 2 and "演示数据库" in err and not (tmp_path / "d.db").exists()


# ---------------------------------------------------------------- init --setup


def test_init_setup_prints_the_deployment_commands_and_checks_the_names(tmp_path, capsys):
    from xzconsole.cli.admin import setup_script

    db = tmp_path / "srv" / "xz.db"
    code, out, err = run(capsys, "init", "--setup", "--db", str(db), "--admin", "alice",
                         "--program", "/usr/local/bin/xzconsole", login="ops")
    assert code == 0 and "root" in err
    assert out == setup_script(db, service="xzconsole", group="xzconsole-staff",
                               program="/usr/local/bin/xzconsole", admin="alice")
    assert "%xzconsole-staff ALL=(xzconsole) NOPASSWD: /usr/local/bin/xzconsole" in out
    assert f"install -d -o xzconsole -g xzconsole -m 0700 {db.parent}" in out
    assert "visudo -cf" in out and not db.parent.exists()  # printed, nothing done
    for bad in (["--service", "x; rm -rf /"], ["--group", "Staff Group"], ["--admin", "root"],
                ["--program", "/opt/my app/xzconsole"]):
        argv = ["init", "--setup", "--db", str(db), "--admin", "alice", *bad]
        code, out, err = run(capsys, *argv, login="ops")
        assert code == 2 and out == "" and any("\u4e00" <= ch <= "\u9fff" for ch in err), (bad, err)


def test_export_tickets_escapes_c1_and_bidi_controls_from_the_database(cli_db, tmp_path, capsys):
    from test_import import feed_row, write_jsonl

    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(1, department="市人社局", dispatched_at="2026-11-20 10:00")])
    assert run(capsys, "import", str(feed), "--now", NOW)[0] == 0
    conn = sqlite3.connect(cli_db)
    conn.execute("UPDATE tickets SET external_id = external_id || ?", (HOSTILE,))
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "export", "tickets", "--now", NOW)
    assert code == 0 and not any(ch in out for ch in "\x9b\u202e\x1b")
    assert [json.loads(line)["external_id"] for line in out.splitlines()] == ["HL-0000001" + HOSTILE]
