"""Results back to 12345 and the unattended exchange folder (issue 13):
`export results`, `export tickets` with resolved/reply, and `exchange --once`
on a real folder — imported, moved, results written; a second run repeats
nothing; a killed run is finished by the next without losing or repeating;
files still being written are left alone."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from test_aliases import HEADERS, ROWS_12345, write_csv
from test_import import NOW, OS_LOGIN, ROOT, cli_db, rows_of, run, sub_env, uscc, _template  # noqa: F401

from xzconsole.clock import FixedClock
from xzconsole.services.exchange import Exchange, ignored_name
from xzconsole.store import Store

LATER = "2026-11-26T15:00:00+08:00"


def outbox_records(folder: Path) -> list[dict]:
    out = []
    for f in sorted((folder / "outbox").glob("results-*.jsonl")):
        out.extend(json.loads(line) for line in f.read_text(encoding="utf-8").splitlines())
    return out


def month_rows(start: int, n: int) -> list[list[str]]:
    """``n`` rows in 12345's vocabulary, varied by cycling the realistic ones with new numbers."""
    rows = []
    for i in range(n):
        r = list(ROWS_12345[i % len(ROWS_12345)])
        r[0] = f"26112{start + i:05d}"
        r[3] = f"{r[3][:-4]}{(start + i) % 97}号{r[3][-4:]}"
        r[4] = uscc(1000 + (start + i) % 997)
        rows.append(r)
    return rows


# ---------------------------------------------------------------- export tickets / results


def test_export_tickets_carries_resolved_and_the_reply(cli_db, tmp_path, capsys):
    feed = write_csv(tmp_path / "f.csv", ROWS_12345)
    assert run(capsys, "import", str(feed), "--now", NOW)[0] == 0
    code, out, err = run(capsys, "export", "tickets", "--now", NOW)
    recs = {r["external_id"]: r for r in map(json.loads, out.splitlines())}
    assert recs["2611030017"]["resolved"] is True and recs["2611040008"]["resolved"] is False
    assert recs["2611050031"]["resolved"] is None and "reply" in recs["2611050031"]


def test_export_results_in_three_formats_with_since(cli_db, tmp_path, capsys, monkeypatch):
    feed = write_csv(tmp_path / "f.csv", ROWS_12345)
    assert run(capsys, "import", str(feed), "--now", NOW)[0] == 0
    # later the center answers one ticket, and takes one in itself (no external id)
    clock = FixedClock(LATER)
    with Store(cli_db, clock) as s:
        clerk = s.staff.get("clerk")
        dept = s.staff.add(s.staff.get("admin"), "gwq", "department", department="港务区")
        t = s.tickets.sign(dept, s.q1("SELECT number FROM tickets WHERE external_id = '2611050031'")[0])
        s.tickets.reply(dept, t.number, "已告知企业：12 月起中欧班列每周加开两列，可提前一周订舱。")
        from xzconsole.models import TicketIntake

        own = s.tickets.accept(clerk, TicketIntake(appeal_type="政策咨询", enterprise_name="徐州云龙数码有限公司",
                                                  content="咨询首台套奖励申报"))
    code, out, err = run(capsys, "export", "results", "--now", LATER)
    assert code == 0
    recs = [json.loads(x) for x in out.splitlines()]
    assert len(recs) == len(ROWS_12345) + 1
    assert list(recs[0]) == ["external_id", "number", "status", "department", "dispatched_at", "signed_at",
                             "replied_at", "reply", "closed_at", "satisfaction", "resolved", "max_warning"]
    by = {r["number"]: r for r in recs}
    assert by[own.number]["external_id"] == ""
    assert by[t.number]["reply"].startswith("已告知企业：12 月起") and by[t.number]["status"] == "replied"
    first = next(r for r in recs if r["external_id"] == "2611030017")
    assert first["satisfaction"] == "satisfied" and first["resolved"] is True and first["department"] == "市人社局"
    # --since: only what changed after the import
    code, out, err = run(capsys, "export", "results", "--since", "2026-11-26 12:00", "--now", LATER)
    assert sorted(json.loads(x)["number"] for x in out.splitlines()) == sorted([t.number, own.number])
    # CSV and XLSX: the feed's Chinese headers, labels a person (and the feed) reads
    code, out, err = run(capsys, "export", "results", "--format", "csv", "--out", str(tmp_path / "r.csv"),
                         "--now", LATER)
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:4] == ["工单编号", "中心编号", "状态", "承办单位"] and "是否解决" in rows[0]
    row = next(r for r in rows if r["工单编号"] == "2611030017")
    assert (row["回访结果"], row["是否解决"], row["状态"]) == ("满意", "已解决", "已办结")
    assert row["办结时间"] == "2026-11-06 10:00:00"
    code, out, err = run(capsys, "export", "results", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"),
                         "--now", LATER)
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "工单编号" and len(values) == len(ROWS_12345) + 2
    assert run(capsys, "export", "results", "--format", "xlsx", "--now", LATER)[0] == 2  # xlsx needs --out
    assert run(capsys, "export", "tickets", "--since", "2026-11-01")[0] == 2


# ---------------------------------------------------------------- the exchange folder


def exchange(capsys, folder: Path, *extra: str, now: str = NOW) -> tuple[int, str]:
    code, out, err = run(capsys, "exchange", str(folder), "--once", "--settle", "0", "--now", now, *extra,
                         login="xzexchange")
    return code, err


@pytest.fixture
def xdb(cli_db, capsys):
    """The CLI database with the exchange's own staff account."""
    assert run(capsys, "staff", "add", "xzexchange", "--role", "clerk", "--name", "12345数据交换", login="admin")[0] == 0
    return cli_db


def test_exchange_once_imports_moves_and_writes_results_then_repeats_nothing(xdb, tmp_path, capsys):
    folder = tmp_path / "x"
    (folder / "inbox").mkdir(parents=True)
    write_csv(folder / "inbox" / "12345-20261125.csv", ROWS_12345)
    (folder / "inbox" / "12345-20261126.jsonl").write_text("\n".join(
        json.dumps(dict(zip(HEADERS, r)), ensure_ascii=False) for r in month_rows(0, 25)) + "\n", encoding="utf-8")
    code, err = exchange(capsys, folder)
    assert code == 0, err
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["12345-20261125.csv", "12345-20261126.jsonl"]
    assert list((folder / "inbox").iterdir()) == []
    # imported as the exchange's own account
    assert rows_of(xdb, "SELECT DISTINCT actor FROM events") == [("xzexchange",)]
    assert rows_of(xdb, "SELECT count(*) FROM tickets")[0][0] == len(ROWS_12345) + 25
    outs = list((folder / "outbox").glob("results-*.jsonl"))
    assert len(outs) == 1 and outs[0].name == "results-20261126T093000.jsonl"
    recs = outbox_records(folder)
    assert len(recs) == len(ROWS_12345) + 25 and all(r["number"].startswith("XZ") for r in recs)
    # a second run: nothing new → nothing imported, no new results file
    events = rows_of(xdb, "SELECT count(*) FROM events")[0][0]
    code, err = exchange(capsys, folder, now="2026-11-26T09:35:00+08:00")
    assert code == 0 and "无新的办理结果" in err
    assert len(list((folder / "outbox").iterdir())) == 1
    assert rows_of(xdb, "SELECT count(*) FROM events")[0][0] == events
    # the same file dropped again (12345 resends): moved, every row a duplicate, no change to send
    write_csv(folder / "inbox" / "12345-20261125.csv", ROWS_12345)
    code, err = exchange(capsys, folder, now="2026-11-26T09:40:00+08:00")
    assert code == 0 and "已导入过，未重复导入" in err
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        "12345-20261125-2.csv", "12345-20261125.csv", "12345-20261126.jsonl"]
    assert len(list((folder / "outbox").iterdir())) == 1
    # a change by the center goes out in the next results file, and only it
    with Store(xdb, FixedClock("2026-11-26T10:00:00+08:00")) as s:
        number = s.q1("SELECT number FROM tickets WHERE external_id = '2611050031'")[0]
        dept = s.staff.add(s.staff.get("admin"), "gwq", "department", department="港务区")
        s.tickets.sign(dept, number)
        s.tickets.reply(dept, number, "已协调增开班列，12 月起每周加开两列。")
    code, err = exchange(capsys, folder, now="2026-11-26T10:05:00+08:00")
    newest = sorted((folder / "outbox").glob("results-*.jsonl"))[-1]
    recs = [json.loads(x) for x in newest.read_text(encoding="utf-8").splitlines()]
    assert newest.name == "results-20261126T100500.jsonl"
    assert [(r["external_id"], r["status"]) for r in recs] == [("2611050031", "replied")]
    assert recs[0]["reply"].startswith("已协调增开班列")


def test_files_being_written_are_left_alone_until_renamed(xdb, tmp_path, capsys):
    folder = tmp_path / "x"
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    write_csv(inbox / "12345-a.csv.tmp", ROWS_12345[:4])
    write_csv(inbox / ".12345-b.csv", ROWS_12345[4:8])
    write_csv(inbox / "12345-c.xlsx.part", ROWS_12345[8:])
    code, err = exchange(capsys, folder)
    assert code == 0
    assert rows_of(xdb, "SELECT count(*) FROM tickets")[0][0] == 0
    assert sorted(p.name for p in inbox.iterdir()) == [".12345-b.csv", "12345-a.csv.tmp", "12345-c.xlsx.part"]
    assert list((folder / "outbox").iterdir()) == []
    (inbox / "12345-a.csv.tmp").rename(inbox / "12345-a.csv")
    code, err = exchange(capsys, folder)
    assert code == 0 and rows_of(xdb, "SELECT count(*) FROM tickets")[0][0] == 4
    assert (folder / "done" / "12345-a.csv").exists() and (inbox / ".12345-b.csv").exists()
    assert ignored_name("x.CSV.TMP") and ignored_name("x.rejects.jsonl") and not ignored_name("x.csv")


def test_a_bad_file_never_blocks_the_next_and_an_unreadable_one_goes_whole_to_rejects(xdb, tmp_path, capsys):
    folder = tmp_path / "x"
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "1-broken.xlsx").write_bytes(b"this is not a workbook")
    write_csv(inbox / "2-noheader.csv", ROWS_12345[:3], headers=["编号", "时间", "类型"] + HEADERS[3:])
    bad = [list(r) for r in ROWS_12345[:6]]
    bad[2][2] = "闲聊类"
    write_csv(inbox / "3-somebad.csv", bad)
    write_csv(inbox / "4-good.csv", ROWS_12345[6:])
    for i, name in enumerate(("1-broken.xlsx", "2-noheader.csv", "3-somebad.csv", "4-good.csv")):
        os.utime(inbox / name, (1_700_000_000 + i, 1_700_000_000 + i))
    code, err = exchange(capsys, folder)
    assert code == 1  # done, but some input was refused
    assert list(inbox.iterdir()) == []
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["3-somebad.csv", "4-good.csv"]
    rej = sorted(p.name for p in (folder / "rejects").iterdir())
    assert rej == ["1-broken.xlsx", "1-broken.xlsx.note.txt", "2-noheader.csv", "2-noheader.csv.note.txt",
                   "3-somebad.rejects.jsonl"]
    assert "Excel" in (folder / "rejects" / "1-broken.xlsx.note.txt").read_text(encoding="utf-8")
    assert "表头缺少" in (folder / "rejects" / "2-noheader.csv.note.txt").read_text(encoding="utf-8")
    line = json.loads((folder / "rejects" / "3-somebad.rejects.jsonl").read_text(encoding="utf-8"))
    assert line["line"] == 4 and "闲聊类" in line["reason"]
    assert rows_of(xdb, "SELECT count(*) FROM tickets")[0][0] == 5 + len(ROWS_12345) - 6


def test_a_killed_exchange_is_finished_by_the_next_run_without_loss_or_repeat(xdb, tmp_path, capsys):
    folder = tmp_path / "x"
    (folder / "inbox").mkdir(parents=True)
    n = 15000  # three batches of the import: the kill comes after the first
    big = folder / "inbox" / "12345-big.jsonl"
    big.write_text("\n".join(json.dumps(dict(zip(HEADERS, r)), ensure_ascii=False)
                             for r in month_rows(0, n)) + "\n", encoding="utf-8")
    run(capsys, "staff", "add", OS_LOGIN, "--role", "clerk", login="admin")
    env = sub_env(xdb)
    proc = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "exchange", str(folder), "--once", "--settle", "0",
                             "--now", NOW], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and rows_of(xdb, "SELECT count(*) FROM tickets")[0][0] == 0:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = rows_of(xdb, "SELECT count(*) FROM tickets")[0][0]
    assert 0 < partial < n and big.exists()  # killed between batches: whole batches kept
    assert list((folder / "outbox").glob("results-*")) == []
    code, err = exchange(capsys, folder, "--interval", "60")
    assert code == 0, err
    assert f"新增 {n - partial} 件，重复 {partial} 件" in err
    assert rows_of(xdb, "SELECT count(*), count(DISTINCT external_id) FROM tickets")[0] == (n, n)
    assert rows_of(xdb, "SELECT count(*) FROM events")[0][0] == n  # one import line each, none twice
    recs = outbox_records(folder)
    assert len(recs) == n and len({r["external_id"] for r in recs}) == n


def test_a_crash_between_recording_and_publishing_results_is_finished_not_repeated(xdb, tmp_path, capsys,
                                                                                     monkeypatch):
    folder = tmp_path / "x"
    (folder / "inbox").mkdir(parents=True)
    write_csv(folder / "inbox" / "a.csv", ROWS_12345)
    real_replace = os.replace
    calls = {"n": 0}

    def crash_on_publish(src, dst):
        if str(dst).endswith(".jsonl") and "outbox" in str(dst):
            calls["n"] += 1
            raise KeyboardInterrupt  # the power goes off just before the rename
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_publish)
    code, err = exchange(capsys, folder)
    assert code == 2 and calls["n"] == 1
    monkeypatch.setattr(os, "replace", real_replace)
    assert list((folder / "outbox").glob("results-*.jsonl")) == []
    code, err = exchange(capsys, folder, now="2026-11-26T09:31:00+08:00")
    assert code == 0
    names = sorted(p.name for p in (folder / "outbox").glob("results-*.jsonl"))
    assert names == ["results-20261126T093000.jsonl"]  # the recorded file, published under its own name
    assert len(outbox_records(folder)) == len(ROWS_12345)
    assert list((folder / "outbox").glob(".*.tmp")) == []


def test_serve_waits_for_a_growing_file_and_writes_results_on_stop(tmp_path, store, staff):
    store.staff.add(staff["admin"], "xzexchange", "clerk")
    folder = tmp_path / "x"
    ex = Exchange(store, folder, "xzexchange", settle=0.6)
    ex.open()
    thread = threading.Thread(target=ex.serve, args=(3600,))
    thread.start()
    try:
        target = folder / "inbox" / "grow.csv"
        deadline = time.monotonic() + 10
        while not (folder / "inbox").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        with open(target, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADERS)
            for r in ROWS_12345[:5]:
                w.writerow(r)
            fh.flush()
            for r in ROWS_12345[5:]:  # still writing, a row every 0.2 s: not taken yet
                time.sleep(0.2)
                w.writerow(r)
                fh.flush()
                assert not (folder / "done" / "grow.csv").exists()
        deadline = time.monotonic() + 15
        while not (folder / "done" / "grow.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (folder / "done" / "grow.csv").exists()
    finally:
        ex.stop.set()
        thread.join(20)
        ex.close()
    assert not thread.is_alive()
    with Store(store.path, store.clock) as s:
        assert s.q1("SELECT count(*) FROM tickets")[0] == len(ROWS_12345)  # whole, not the first five
    assert len(outbox_records(folder)) == len(ROWS_12345)  # written on the way out


def test_sigterm_finishes_and_exits_0(xdb, tmp_path, capsys):
    run(capsys, "staff", "add", OS_LOGIN, "--role", "clerk", login="admin")
    folder = tmp_path / "x"
    proc = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "exchange", str(folder), "--settle", "0.2",
                             "--interval", "3600", "--now", NOW], env=sub_env(xdb),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (folder / "inbox").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        write_csv(folder / "inbox" / ".a.csv", ROWS_12345)
        (folder / "inbox" / ".a.csv").rename(folder / "inbox" / "a.csv")
        while not (folder / "done" / "a.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (folder / "done" / "a.csv").exists()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert "已停止" in err.decode()
    assert len(outbox_records(folder)) == len(ROWS_12345)


def test_a_locked_database_on_one_file_leaves_it_for_the_next_pass_and_goes_on(xdb, tmp_path, capsys, monkeypatch):
    import sqlite3

    from xzconsole.services import exchange as exmod

    folder = tmp_path / "x"
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    write_csv(inbox / "1-first.csv", ROWS_12345[:5])
    write_csv(inbox / "2-second.csv", ROWS_12345[5:])
    os.utime(inbox / "1-first.csv", (1_700_000_000, 1_700_000_000))
    real = exmod.import_tickets

    def locked_for_the_first(store, path, login, **kw):
        if Path(path).name == "1-first.csv":
            raise sqlite3.OperationalError("database is locked")
        return real(store, path, login, **kw)

    monkeypatch.setattr(exmod, "import_tickets", locked_for_the_first)
    code, err = exchange(capsys, folder)
    assert "稍后重试" in err
    assert [p.name for p in inbox.iterdir()] == ["1-first.csv"]
    assert (folder / "done" / "2-second.csv").exists()
    monkeypatch.setattr(exmod, "import_tickets", real)
    code, err = exchange(capsys, folder, now="2026-11-26T09:31:00+08:00")
    assert code == 0 and (folder / "done" / "1-first.csv").exists()
    assert rows_of(xdb, "SELECT count(*) FROM tickets")[0][0] == len(ROWS_12345)
    assert len(outbox_records(folder)) == len(ROWS_12345)  # two results files, each ticket once
