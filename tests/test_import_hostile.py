"""Hostile and broken import files: nothing is lost, nothing is garbled, the
exit status tells the truth (issue 12, items 2 and 5).

Each test here reproduces one reported defect through `xzconsole import` (or
the store's own write path) and checks what the clerk relies on: which rows
went in, which line was refused and why, what the message and exit status say.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest

from test_import import HEADERS, NOW, _chinese_rows, feed_row, rejects_of, rows_of, run, write_jsonl  # noqa: F401
from test_import import _template, cli_db  # noqa: F401  (fixtures)
from xzconsole.services import feed_readers, feed_xlsx, importers, rejects

ROOT = Path(__file__).resolve().parent.parent

CSV_HEADERS = ["工单编号", "来电时间", "诉求类型", "企业名称", "诉求内容"]


def csv_line(i: int, name: str | None = None) -> str:
    name = name or f"徐州工集团{i}有限公司"
    return f"CSV-{i},2026-11-20 09:15,咨询求助,{name},询问稳岗返还（{i}）\n"


def external_ids(db: Path) -> list[str]:
    return sorted(r[0] for r in rows_of(db, "SELECT external_id FROM tickets"))


# ---------------------------------------------------------------- decoding per line


def test_one_invalid_byte_in_a_utf8_csv_rejects_that_line_and_garbles_nothing(cli_db, tmp_path, capsys):
    body = ",".join(CSV_HEADERS) + "\n" + "".join(csv_line(i) for i in range(1, 6))
    data = bytearray(body.encode("utf-8"))
    lines = bytes(data).split(b"\n")
    lines[3] = lines[3].replace("询问".encode(), b"\xff\xfe", 1)  # line 4 (CSV-3) gets two stray bytes
    feed = tmp_path / "feed.csv"
    feed.write_bytes(b"\n".join(lines))
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1, err
    assert "新增 4 件" in err and "拒收 1 行" in err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 4 and "UTF-8" in rej["reason"]
    assert "\\xff" in json.dumps(rej["raw"])  # the bad bytes are kept, visibly
    names = [r[0] for r in rows_of(cli_db, "SELECT enterprise_name FROM tickets ORDER BY external_id")]
    assert names == ["徐州工集团1有限公司", "徐州工集团2有限公司", "徐州工集团4有限公司", "徐州工集团5有限公司"]


def test_a_utf8_csv_with_one_gbk_line_imports_the_rest(cli_db, tmp_path, capsys):
    head = (",".join(CSV_HEADERS) + "\n").encode("utf-8")
    body = b"".join(csv_line(i).encode("utf-8") for i in (1, 2)) + csv_line(3).encode("gbk") + csv_line(4).encode("utf-8")
    feed = tmp_path / "feed.csv"
    feed.write_bytes(head + body)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1, err
    assert "新增 3 件" in err and "拒收 1 行" in err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 4 and "UTF-8" in rej["reason"]
    assert external_ids(cli_db) == ["CSV-1", "CSV-2", "CSV-4"]
    assert rows_of(cli_db, "SELECT enterprise_name FROM tickets WHERE external_id = 'CSV-4'") == [("徐州工集团4有限公司",)]


def test_a_file_consistently_in_gbk_is_still_read_as_gbk(cli_db, tmp_path, capsys):
    feed = tmp_path / "feed.csv"
    feed.write_bytes((",".join(CSV_HEADERS) + "\n" + "".join(csv_line(i) for i in range(1, 4))).encode("gb18030"))
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 0, err
    assert rows_of(cli_db, "SELECT enterprise_name FROM tickets WHERE external_id = 'CSV-2'") == [("徐州工集团2有限公司",)]


# ---------------------------------------------------------------- broken records


def test_an_unterminated_quote_rejects_its_line_and_the_rest_is_imported(cli_db, tmp_path, capsys):
    rows = [csv_line(i) for i in range(1, 21)]
    rows[2] = 'CSV-3,2026-11-20 09:15,咨询求助,"徐州工集团3有限公司,询问稳岗返还\n'  # the quote never closes
    feed = tmp_path / "feed.csv"
    feed.write_text(",".join(CSV_HEADERS) + "\n" + "".join(rows), encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1, err
    assert "新增 19 件" in err and "共 20 行" in err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 4 and "引号" in rej["reason"]
    assert len(external_ids(cli_db)) == 19 and "CSV-3" not in external_ids(cli_db)


def test_a_quote_that_closes_lines_later_in_a_ragged_record_costs_only_its_first_line(cli_db, tmp_path, capsys):
    rows = [csv_line(i) for i in range(1, 8)]
    rows[1] = 'CSV-2,2026-11-20 09:15,咨询求助,"徐州工集团2有限公司,询问\n'   # opens a quote ...
    rows[4] = 'CSV-5,2026-11-20 09:15,咨询求助,徐州工集团5有限公司",询问\n'     # ... that this stray one closes
    feed = tmp_path / "feed.csv"
    feed.write_text(",".join(CSV_HEADERS) + "\n" + "".join(rows), encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1, err
    # line 3 opened a quote that line 6 closes, swallowing lines 4 and 5 (whole rows themselves):
    # only line 3 is refused; line 6's stray quote is kept literally, as the file has it
    assert external_ids(cli_db) == ["CSV-1", "CSV-3", "CSV-4", "CSV-5", "CSV-6", "CSV-7"]
    assert [r["line"] for r in rejects_of(feed)] == [3]
    assert rows_of(cli_db, "SELECT enterprise_name FROM tickets WHERE external_id = 'CSV-5'") == [('徐州工集团5有限公司"',)]


def test_a_quoted_cell_over_several_lines_is_one_row(cli_db, tmp_path, capsys):
    feed = tmp_path / "feed.csv"
    with open(feed, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADERS)
        w.writerow(["M-1", "2026-11-20 09:15", "投诉", "徐州某公司", "第一行\n第二行\n第三行"])
        w.writerow(["M-2", "2026-11-20 09:15", "投诉", "徐州某公司", "一行"])
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 0, err
    assert rows_of(cli_db, "SELECT content FROM tickets WHERE external_id = 'M-1'") == [("第一行\n第二行\n第三行",)]
    assert "M-2" in external_ids(cli_db)


@pytest.mark.parametrize("second", ["工单编号", "external_id"])
def test_a_duplicated_header_column_is_refused_up_front_naming_it(cli_db, tmp_path, capsys, second):
    feed = tmp_path / "feed.csv"
    feed.write_text(",".join(CSV_HEADERS + [second]) + "\n" + csv_line(1).rstrip("\n") + ",X-1\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 2 and "工单编号" in err and "重复" in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(0,)]
    assert not rejects_of(feed)


def test_a_nul_in_a_name_is_rejected_in_csv_and_json(cli_db, tmp_path, capsys):
    feed = tmp_path / "feed.csv"
    feed.write_text(",".join(CSV_HEADERS) + "\n" + csv_line(1) + csv_line(2, "徐州\x00工集团") + csv_line(3),
                    encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1, err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 3 and "空字符" in rej["reason"]
    jfeed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(1), feed_row(2, enterprise_name="徐州\u0000公司")])
    code, out, err = run(capsys, "import", str(jfeed), "--now", NOW)
    assert code == 1, err
    (rej,) = rejects_of(jfeed)
    assert rej["line"] == 2 and "空字符" in rej["reason"]
    assert not rows_of(cli_db, "SELECT 1 FROM tickets WHERE instr(enterprise_name, char(0)) > 0")


def test_a_full_width_external_id_is_the_same_ticket(cli_db, tmp_path, capsys):
    first = write_jsonl(tmp_path / "a.jsonl", [feed_row(4)])
    assert run(capsys, "import", str(first), "--now", NOW)[0] == 0
    def wide(text: str) -> str:  # ASCII → its full-width form, as a Chinese IME types it
        return "".join(chr(ord(c) + 0xFEE0) for c in text)

    assert wide("HL-04") == "ＨＬ－０４"
    again = write_jsonl(tmp_path / "b.jsonl", [feed_row(4, external_id=wide("HL-0000004")),
                                               feed_row(5, external_id=wide("HL-0000005"))])
    code, out, err = run(capsys, "import", str(again), "--now", NOW)
    assert code == 0, err
    assert "新增 1 件" in err and "重复 1 件" in err
    assert external_ids(cli_db) == ["HL-0000004", "HL-0000005"]


def test_a_policy_published_in_2099_is_rejected(cli_db, tmp_path, capsys):
    feed = tmp_path / "policies.csv"
    feed.write_text("标题,文号,发布日期\n稳岗返还通知,徐人社〔2026〕1号,2026-03-01\n未来的政策,徐人社〔2099〕1号,2099-01-01\n",
                    encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--kind", "policies", "--now", NOW, login="sup")
    assert code == 1, err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 3 and "2099-01-01" in rej["reason"] and "晚于" in rej["reason"]
    titles = {r[0] for r in rows_of(cli_db, "SELECT title FROM policies")}
    assert "稳岗返还通知" in titles and "未来的政策" not in titles


# ---------------------------------------------------------------- XLSX caps


def _generator():
    """benchmarks/gen_import_inputs.py (builds the hostile workbook for the benchmark too)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_import_inputs", ROOT / "benchmarks" / "gen_import_inputs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_parsing(cli_db, tmp_path, capsys, monkeypatch):
    gen = _generator()
    fine = gen.hostile_xlsx(tmp_path / "fine.xlsx", 10_000)  # the same workbook, small: imported
    code, out, err = run(capsys, "import", str(fine), "--now", NOW)
    assert code == 0 and "新增 1 件" in err, err

    monkeypatch.setattr(feed_xlsx, "XLSX_MAX_SHARED_MEMORY", 4 << 20)
    for name, string_len in (("long.xlsx", 1000), ("tiny.xlsx", 2)):  # few long strings, many tiny ones
        feed = gen.hostile_xlsx(tmp_path / name, 6 << 20, string_len=string_len)
        assert feed.stat().st_size < 200_000
        code, out, err = run(capsys, "import", str(feed), "--now", NOW)
        assert code == 2 and "共享字符串" in err and "Traceback" not in err, err
    feed = gen.hostile_xlsx(tmp_path / "tiny2.xlsx", 2 << 20, string_len=2)  # 2 MB of text, but ~200,000 strings
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 2 and "个字符串" in err, err

    monkeypatch.setattr(feed_xlsx, "XLSX_MAX_UNPACKED", 1 << 20)
    code, out, err = run(capsys, "import", str(fine), "--now", NOW)
    assert code == 2 and "解压后" in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(1,)]


def test_an_xlsx_whose_sheet_claims_too_many_cells_is_refused(cli_db, tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CSV_HEADERS)
    ws.append(["X-1", "2026-11-20 09:15", "投诉", "徐州某公司", "内容"])
    ws["XFD1048576"] = "x"  # one cell in the far corner: 16384 columns × 1,048,576 rows to walk
    feed = tmp_path / "wide.xlsx"
    wb.save(feed)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 2 and ("列" in err or "行" in err) and "Traceback" not in err, err


# ---------------------------------------------------------------- the rejects file


def test_a_rejects_file_that_is_a_symlink_is_never_followed(cli_db, tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("管理员的重要文件\n", encoding="utf-8")
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(1), feed_row(2, content=None)])
    (tmp_path / "feed.rejects.jsonl").symlink_to(precious)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert precious.read_text(encoding="utf-8") == "管理员的重要文件\n"
    assert code == 2 and "符号链接" in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(0,)]  # refused before anything was committed


def test_a_rejects_path_that_cannot_be_written_is_refused_before_any_commit(cli_db, tmp_path, capsys):
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(i) for i in range(20)] + [feed_row(99, content=None)])
    (tmp_path / "feed.rejects.jsonl").mkdir()  # root included, nobody can write a directory as a file
    code, out, err = run(capsys, "import", str(feed), "--batch-size", "5", "--now", NOW)
    assert code == 2 and "拒收文件" in err and "目录" in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(0,)]


def test_an_unwritable_rejects_location_is_refused_before_any_commit(cli_db, tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    d = tmp_path / "ro"
    d.mkdir()
    feed = write_jsonl(d / "feed.jsonl", [feed_row(i) for i in range(20)] + [feed_row(99, content=None)])
    d.chmod(0o555)
    try:
        code, out, err = run(capsys, "import", str(feed), "--batch-size", "5", "--now", NOW)
    finally:
        d.chmod(0o755)
    assert code == 2 and "拒收文件" in err and "没有权限" in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(0,)]


def test_a_rejects_file_that_fails_mid_way_stops_the_import_and_says_how_many_rows_it_lost(
        cli_db, tmp_path, capsys, monkeypatch):
    """A full disk under the rejects file: the batches already committed stay
    (exit 1), the import stops before committing rows whose rejects it could
    not record, and the message counts them."""
    rows = []
    for i in range(30):
        rows.append(feed_row(i, content=None) if i % 10 == 9 else feed_row(i))  # lines 10, 20, 30 bad
    feed = write_jsonl(tmp_path / "feed.jsonl", rows)
    real = rejects.RejectsFile._write
    calls = {"n": 0}

    def failing(self, text):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OSError(28, "No space left on device", str(self.path))
        return real(self, text)

    monkeypatch.setattr(rejects.RejectsFile, "_write", failing)
    code, out, err = run(capsys, "import", str(feed), "--batch-size", "10", "--now", NOW)
    assert code == 1, err
    assert "磁盘空间不足" in err and "1 行" in err, err
    committed = rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0]
    # lines 1-9 and 11 were committed with line 10's reject on disk; lines 12-19 wait in a batch
    # when line 20's reject cannot be written, and are not committed
    assert committed == 10
    assert f"已提交 {committed} 件" in err


# ---------------------------------------------------------------- batches and the write lock


def test_a_huge_batch_size_never_holds_the_write_lock_for_long(cli_db, tmp_path, capsys, monkeypatch):
    from xzconsole.areas.feed import FeedArea

    sizes: list[int] = []
    real = FeedArea.import_batch

    def spy(self, rows, actor, note):
        sizes.append(len(rows))
        return real(self, rows, actor, note)

    monkeypatch.setattr(FeedArea, "import_batch", spy)
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(i) for i in range(12_000)])
    code, out, err = run(capsys, "import", str(feed), "--batch-size", "100000", "--now", NOW)
    assert code == 0, err
    assert sum(sizes) == 12_000 and max(sizes) <= importers.MAX_TRANSACTION_ROWS


# ---------------------------------------------------------------- the store's write path


def test_a_full_disk_is_reported_as_such_not_as_a_failed_rollback(store):
    store.conn.execute("PRAGMA max_page_count = " + str(store.conn.execute("PRAGMA page_count").fetchone()[0] + 3))
    with pytest.raises(sqlite3.OperationalError) as info:
        with store.write() as c:
            c.execute("CREATE TEMP TABLE IF NOT EXISTS _x(y)")
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", [(f"k{i}", "x" * 2000) for i in range(200)])
    assert info.value.sqlite_errorname == "SQLITE_FULL"
    assert not store.conn.in_transaction
    from xzconsole.services.rejects import explain_database_error

    assert "磁盘空间不足" in explain_database_error(info.value)


def test_a_full_disk_mid_import_keeps_the_committed_batches_and_exits_1_with_the_cause(
        cli_db, tmp_path, capsys, monkeypatch):
    from xzconsole import store as store_mod

    real_init = store_mod.Store.__init__

    def small_disk(self, *a, **kw):
        real_init(self, *a, **kw)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages + 60}")

    monkeypatch.setattr(store_mod.Store, "__init__", small_disk)
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(i) for i in range(3000)])
    code, out, err = run(capsys, "import", str(feed), "--batch-size", "50", "--now", NOW)
    monkeypatch.undo()
    committed = rows_of(cli_db, "SELECT count(*) FROM tickets")[0][0]
    assert 0 < committed < 3000
    assert code == 1, err
    assert "磁盘空间不足" in err and f"已提交 {committed} 件" in err, err
    assert "rollback" not in err and "database or disk" not in err


# ---------------------------------------------------------------- constant memory whatever the line or cell


def test_an_overlong_line_is_rejected_without_being_read_whole(cli_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(feed_readers, "CSV_MAX_LINE", 10_000)
    feed = tmp_path / "feed.csv"
    feed.write_text(",".join(CSV_HEADERS) + "\n" + csv_line(1) + csv_line(2, "长" * 20_000) + csv_line(3), encoding="utf-8")
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 1, err
    (rej,) = rejects_of(feed)
    assert rej["line"] == 3 and "过长" in rej["reason"] and len(rej["raw"]) < 1000
    assert external_ids(cli_db) == ["CSV-1", "CSV-3"]
    jfeed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(1), feed_row(2, content="长" * 20_000), feed_row(3)])
    code, out, err = run(capsys, "import", str(jfeed), "--now", NOW)
    assert code == 1, err
    (rej,) = rejects_of(jfeed)
    assert rej["line"] == 2 and "过长" in rej["reason"]


def _rewrite_part(path: Path, part: str, change) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, change(data) if item.filename == part else data)
    tmp.replace(path)


def test_an_xlsx_cell_too_long_or_a_row_too_wide_is_refused_before_parsing(cli_db, tmp_path, capsys, monkeypatch):
    import re

    import openpyxl

    monkeypatch.setattr(feed_xlsx, "XLSX_MAX_TEXT", 10_000)
    monkeypatch.setattr(feed_xlsx, "XLSX_MAX_COLUMNS", 50)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CSV_HEADERS)
    ws.append(["X-1", "2026-11-20 09:15", "投诉", "徐州某公司", "长" * 20_000])
    feed = tmp_path / "long.xlsx"
    wb.save(feed)
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 2 and "单元格内容" in err, err

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CSV_HEADERS)
    ws.append(["X-2", "2026-11-20 09:15", "投诉", "徐州某公司", "内容"] + ["多"] * 60)
    feed = tmp_path / "wide.xlsx"
    wb.save(feed)
    # the sheet no longer states its size: only reading it shows the 65 cells
    _rewrite_part(feed, "xl/worksheets/sheet1.xml", lambda b: re.sub(rb"<dimension[^>]*/>", b"", b))
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 2 and "单元格" in err and "Traceback" not in err, err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(0,)]


def test_an_xlsx_that_understates_its_size_is_read_to_its_last_row(cli_db, tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CSV_HEADERS)
    for i in range(1, 11):
        ws.append([f"U-{i}", "2026-11-20 09:15", "投诉", "徐州某公司", "内容"])
    feed = tmp_path / "short.xlsx"
    wb.save(feed)
    _rewrite_part(feed, "xl/worksheets/sheet1.xml", lambda b: b.replace(b'ref="A1:E11"', b'ref="A1:E3"'))
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 0 and "新增 10 件" in err, err


def test_ctrl_c_after_committed_batches_exits_1_and_says_what_was_kept(cli_db, tmp_path, capsys, monkeypatch):
    from xzconsole.areas.feed import FeedArea

    real = FeedArea.import_batch
    calls = {"n": 0}

    def interrupted(self, rows, actor, note):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, rows, actor, note)

    monkeypatch.setattr(FeedArea, "import_batch", interrupted)
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(i) for i in range(50)])
    code, out, err = run(capsys, "import", str(feed), "--batch-size", "10", "--now", NOW)
    assert code == 1, err
    assert "已中断" in err and "已提交 20 件" in err
    assert rows_of(cli_db, "SELECT count(*) FROM tickets") == [(20,)]


def test_a_csv_with_old_mac_line_ends_is_still_read_row_by_row(cli_db, tmp_path, capsys):
    feed = tmp_path / "mac.csv"
    feed.write_bytes((",".join(CSV_HEADERS) + "\r" + "".join(csv_line(i).replace("\n", "\r") for i in range(1, 4)))
                     .encode("utf-8"))
    code, out, err = run(capsys, "import", str(feed), "--now", NOW)
    assert code == 0 and "新增 3 件" in err, err


def test_a_slow_transaction_makes_the_next_batch_smaller(cli_db, tmp_path, capsys, monkeypatch):
    """On a loaded machine batches shrink (to 100 rows at least) rather than
    hold the write lock towards other writers' 10 s busy timeout."""
    from xzconsole.areas.feed import FeedArea

    sizes: list[int] = []
    real = FeedArea.import_batch

    def spy(self, rows, actor, note):
        sizes.append(len(rows))
        return real(self, rows, actor, note)

    monkeypatch.setattr(FeedArea, "import_batch", spy)
    monkeypatch.setattr(importers, "SLOW_TRANSACTION_S", 0.0)  # every transaction counts as slow
    feed = write_jsonl(tmp_path / "feed.jsonl", [feed_row(i) for i in range(2000)])
    code, out, err = run(capsys, "import", str(feed), "--batch-size", "800", "--now", NOW)
    assert code == 0 and "新增 2000 件" in err, err
    assert sizes[:5] == [800, 400, 200, 100, 100] and sum(sizes) == 2000


def test_a_gbk_file_whose_short_line_happens_to_be_valid_utf8_is_still_gbk(tmp_path):
    """Found by hypothesis: 铜 in GBK is CD AD, which is also valid UTF-8 (U+036D)."""
    from xzconsole.services.feed_readers import detect_encoding

    p = tmp_path / "gbk.csv"
    p.write_bytes("工单编号,所属区域\n,铜\n".encode("gb18030"))
    assert detect_encoding(p) == "gb18030"
    q = tmp_path / "utf8.csv"
    q.write_bytes("工单编号,所属区域\n".encode() + "\xff\n".encode("latin-1") + "HL-1,铜山区\n".encode())
    assert detect_encoding(q) == "utf-8"  # one bad byte never makes a UTF-8 file GBK
