"""Fuzzing the CSV and XLSX readers (issue 12, item 6).

The invariant: every input line ends up imported, a duplicate or rejected
with its line number — a broken line (undecodable bytes, an unterminated
quote, a ragged row, a NUL, random bytes) costs that line only, never the
good rows around it, and never a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xzconsole.clock import FixedClock
from xzconsole.services.importers import import_tickets
from xzconsole.services.rejects import rejects_path
from xzconsole.store import Store
from test_import import NOW

HEADERS = ["工单编号", "来电时间", "诉求类型", "企业名称", "诉求内容"]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fuzz_store():
    with tempfile.TemporaryDirectory() as d:
        s = Store(Path(d) / "fuzz.db", FixedClock(NOW))
        s.load_reference_data()
        s.staff.add(None, "clerk", "clerk")
        yield s, Path(d)
        s.disconnect()


RUN = {"n": 0}


def _ids_in(store: Store, ids: list[str]) -> set[str]:
    conn = sqlite3.connect(store.path)
    try:
        return {r[0] for r in conn.execute(
            f"SELECT external_id FROM tickets WHERE external_id IN ({','.join('?' * len(ids))})", ids)} if ids else set()
    finally:
        conn.close()


def _rejects(feed: Path) -> list[dict]:
    p = rejects_path(feed)
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()] if p.exists() else []


# Text a clerk's file may hold in a good row: Chinese, Latin, digits, and the
# characters that make CSV quoting matter (comma, quote, newline).
cell_text = st.text(alphabet=st.sampled_from(list("徐州恒通机械有限公司稳岗返还咨询abcXYZ019 ,\"\n;'：（）")), max_size=12)
name_text = cell_text.map(lambda t: f"徐州{t.strip()}公司")
good_fields = st.fixed_dictionaries({
    "received_at": st.sampled_from(["2026-11-20 09:15", "2026/11/3", "2026-11-26 09:29", "2026-11-02T08:00:00+08:00"]),
    "appeal_type": st.sampled_from(["投诉", "咨询求助", "建议", "政策咨询"]),
    "enterprise_name": name_text,
    "content": cell_text.map(lambda t: "内容" + t),
})

# hostile single-line elements (bytes, no newline, no quote unless meant)
ascii_junk = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters='"'), max_size=30)
hostile_utf8 = st.one_of(
    st.builds(lambda a: f"BAD-U,2026-11-20 09:15,投诉,徐州{a}公司,内容".encode() + b"\xff\xfe", ascii_junk),
    st.builds(lambda a: f"GBK-1,2026-11-20 09:15,投诉,徐州{a}公司,内容".encode("gbk"), ascii_junk.map(lambda t: t.replace(",", ""))),
    st.builds(lambda a: f'QUO-1,2026-11-20 09:15,投诉,"徐州{a}公司,内容'.encode(), ascii_junk),
    st.builds(lambda a: f"RAG-1,2026-11-20 09:15,投诉,徐州{a}公司,内容,多余".encode(), ascii_junk.map(lambda t: t.replace(",", ""))),
    st.builds(lambda a: f"NUL-1,2026-11-20 09:15,投诉,徐州\x00{a}公司,内容".encode(), ascii_junk.map(lambda t: t.replace(",", ""))),
    st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"").replace(b'"', b"")),
)
hostile_ascii = st.one_of(
    st.builds(lambda a: f'QUO-1,2026-11-20 09:15,complaint,"Xuzhou {a},text'.encode(), ascii_junk),
    st.builds(lambda a: f"RAG-1,x,{a}".encode(), ascii_junk.map(lambda t: t.replace(",", ""))),
    ascii_junk.map(str.encode),
)


def _csv_record(fields: dict, ext: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([ext, fields["received_at"], fields["appeal_type"],
                                                   fields["enterprise_name"], fields["content"]])
    return buf.getvalue()


@SETTINGS
@given(items=st.lists(st.one_of(good_fields, hostile_utf8, st.just(b"")), max_size=14),
       bom=st.booleans(), crlf=st.booleans())
def test_every_csv_line_is_imported_duplicate_or_rejected_with_its_number(fuzz_store, items, bom, crlf):
    store, d = fuzz_store
    _check_csv(store, d, items, "utf-8", bom, crlf)


@SETTINGS
@given(items=st.lists(st.one_of(good_fields, hostile_ascii, st.just(b"")), max_size=14), crlf=st.booleans())
def test_a_gbk_csv_with_broken_lines_loses_no_good_row(fuzz_store, items, crlf):
    store, d = fuzz_store
    _check_csv(store, d, items, "gb18030", False, crlf)


def _check_csv(store: Store, d: Path, items: list, encoding: str, bom: bool, crlf: bool) -> None:
    RUN["n"] += 1
    eol = b"\r\n" if crlf else b"\n"
    out = bytearray(b"\xef\xbb\xbf" if bom else b"")
    out += ",".join(HEADERS).encode(encoding) + eol
    line = 2
    good: dict[int, str] = {}  # start line → external id of a row that must be imported
    starts: set[int] = set()
    for i, item in enumerate(items):
        if isinstance(item, dict):
            ext = f"F{RUN['n']}-{i}"
            text = _csv_record(item, ext)
            if crlf:
                text = text[:-1] + "\r\n"  # the record's own end; newlines inside cells stay as they are
            data = text.encode(encoding)
            good[line] = ext
        else:
            data = item + eol
        if data.strip():
            starts.add(line)
        out += data
        line += data.count(b"\n")
    feed = d / "fuzz.csv"
    feed.write_bytes(bytes(out))
    summary = import_tickets(store, feed, "clerk", batch_size=3)

    rejected = _rejects(feed)
    assert len(rejected) == summary.rejected
    lines = [r["line"] for r in rejected]
    assert len(set(lines)) == len(lines), "a line rejected twice"
    assert set(lines) <= starts, (lines, starts)  # only lines that were written as a row start
    assert all(r["reason"] for r in rejected)
    assert not set(lines) & set(good), ("a good row was rejected", [r for r in rejected if r["line"] in good])
    assert _ids_in(store, list(good.values())) == set(good.values()), "a good row was lost"
    # every non-blank row is counted once: imported, duplicate or rejected
    assert summary.total >= len(good) + len(lines)


# ---------------------------------------------------------------- XLSX

# (a text starting with "=" would be written as a formula, read back empty)
xlsx_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=15).filter(
    lambda t: not t.startswith("="))
xlsx_cell = st.one_of(st.none(), xlsx_text, st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                      st.booleans(), st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1)))


@SETTINGS
@given(items=st.lists(st.one_of(good_fields.map(lambda f: ("good", f)),
                                st.lists(xlsx_cell, max_size=7).map(lambda c: ("junk", c))), max_size=12))
def test_every_xlsx_row_is_imported_duplicate_or_rejected_with_its_number(fuzz_store, items):
    import openpyxl

    store, d = fuzz_store
    RUN["n"] += 1
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    good: dict[int, str] = {}
    rows: set[int] = set()
    for i, (kind, value) in enumerate(items):
        n = i + 2
        if kind == "good":
            ext = f"X{RUN['n']}-{i}"
            ws.append([ext, value["received_at"], value["appeal_type"], value["enterprise_name"], value["content"]])
            good[n] = ext
            rows.add(n)
        else:
            ws.append(value if value else [None])
            if any(v is not None and str(v).strip() for v in value):
                rows.add(n)
    feed = d / "fuzz.xlsx"
    wb.save(feed)
    summary = import_tickets(store, feed, "clerk", batch_size=3)
    rejected = _rejects(feed)
    lines = [r["line"] for r in rejected]
    assert len(set(lines)) == len(lines) == summary.rejected
    assert set(lines) <= rows
    assert not set(lines) & set(good), [r for r in rejected if r["line"] in good]
    assert _ids_in(store, list(good.values())) == set(good.values())
    assert summary.total == len(rows)
