"""Property: whatever a feed holds, every input row ends up imported, a
duplicate, or in the rejects file — never lost, never a traceback."""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xzconsole.clock import FixedClock
from xzconsole.services.feed_format import FIELD_LABELS, _value, header_key
from xzconsole.services.importers import import_tickets
from xzconsole.services.rejects import rejects_path
from xzconsole.store import Store
from test_import import NOW, feed_row


@pytest.fixture(scope="module")
def feed_store():
    with tempfile.TemporaryDirectory() as d:
        s = Store(Path(d) / "prop.db", FixedClock(NOW))
        s.load_reference_data()
        s.staff.add(None, "clerk", "clerk")
        yield s, Path(d)
        s.disconnect()


KEYS = list(FIELD_LABELS) + list(FIELD_LABELS.values())
GOOD = {
    "received_at": ["2026-11-20 09:15", "2026-11-02T08:00:00+08:00", "2026/11/3", "2026-11-26 09:29"],
    "appeal_type": ["投诉", "policy_consultation", "建议", "咨询求助"],
    "department": ["市人社局", "rsj", "市税务局", ""],
    "dispatched_at": ["2026-11-20 10:00", "2026-11-02 09:00", ""],
    "replied_at": ["2026-11-21 10:00", "2026-11-01 10:00", ""],
    "satisfaction": ["满意", "不满意", "未联系上", ""],
    "district": ["鼓楼区", "铜山", ""],
}
scalar = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                          max_leaves=6)


@st.composite
def mutated_row(draw) -> dict:
    """A valid row with a few fields replaced by good, odd or hostile values."""
    row = feed_row(draw(st.integers(0, 30)))
    row["external_id"] = draw(st.sampled_from(["P-1", "P-2", "P-3", " P-1 ", "P-4"]) | st.text(max_size=8))
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=2)):
        field = key if key in GOOD or key in row else None
        choices = st.sampled_from(GOOD[field]) if field in GOOD else st.nothing()
        row[key] = draw(choices | json_value)
    return row


line = st.one_of(
    mutated_row().map(lambda r: json.dumps(r, ensure_ascii=False).encode()),
    mutated_row().map(lambda r: json.dumps(r).encode()),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def _db_has(db: Path, external_id: str) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT 1 FROM tickets WHERE external_id = ?", (external_id,)).fetchone() is not None
    finally:
        conn.close()


def _ticket_count(store: Store) -> int:
    return store.q1("SELECT count(*) FROM tickets")[0]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(line, max_size=12), bom=st.booleans(), crlf=st.booleans())
def test_every_jsonl_line_is_imported_duplicate_or_rejected(feed_store, lines, bom, crlf):
    store, d = feed_store
    data = (b"\xef\xbb\xbf" if bom else b"") + (b"\r\n" if crlf else b"\n").join(lines)
    feed = d / "feed.jsonl"
    feed.write_bytes(data)
    before = _ticket_count(store)

    summary = import_tickets(store, feed, "clerk", batch_size=3)

    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    if pieces and pieces[0].startswith(b"\xef\xbb\xbf"):
        pieces[0] = pieces[0][3:]
    nonblank = {n for n, p in enumerate(pieces, 1) if p.strip()}
    assert summary.total == len(nonblank)
    assert _ticket_count(store) - before == summary.imported

    rej_file = rejects_path(feed)
    rejected = [json.loads(x) for x in rej_file.read_text(encoding="utf-8").splitlines()] if rej_file.exists() else []
    assert len(rejected) == summary.rejected
    assert all(r["reason"] for r in rejected)
    rejected_lines = {r["line"] for r in rejected}
    assert rejected_lines <= nonblank and len(rejected_lines) == len(rejected)
    for n in nonblank - rejected_lines:  # imported or duplicate: its external id is in the database
        obj = json.loads(pieces[n - 1].decode("utf-8"))
        ext = [_value(v) for k, v in obj.items() if header_key(k) == "external_id"][-1]  # the last one wins
        # the id as stored: NFKC (a full-width ＨＬ－１ is HL-1), then stripped
        assert _db_has(store.path, unicodedata.normalize("NFKC", str(ext)).strip())


cell = st.one_of(st.text(max_size=15), st.sampled_from(sum(GOOD.values(), [])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({}, optional={k: cell for k in
                                                         ("工单编号", "来电时间", "诉求类型", "企业名称", "诉求内容",
                                                          "承办单位", "派发时间", "答复时间", "回访结果", "所属区域")}),
                     max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_every_csv_record_is_imported_duplicate_or_rejected(feed_store, rows, encoding):
    store, d = feed_store
    headers = ["工单编号", "来电时间", "诉求类型", "企业名称", "诉求内容", "承办单位", "派发时间", "答复时间", "回访结果", "所属区域"]
    feed = d / "feed.csv"
    with open(feed, "w", encoding=encoding, errors="replace", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow([r.get(h, "") for h in headers])
    before = _ticket_count(store)
    summary = import_tickets(store, feed, "clerk", batch_size=2)
    expected = sum(1 for r in rows if any(str(r.get(h, "")).strip() for h in headers))
    assert summary.total == expected
    assert _ticket_count(store) - before == summary.imported
    rej_file = rejects_path(feed)
    n_rej = len(rej_file.read_text(encoding="utf-8").splitlines()) if rej_file.exists() else 0
    assert n_rej == summary.rejected
