"""Importing the hotline feed: the real `xzconsole import` path against a floor.

    python3 benchmarks/bench_import.py [--rows 100000] [--runs 3]

Generates a JSON Lines feed of ``--rows`` realistic rows (two thirds with a
dispatch history, many enterprises appearing again and again), then per run:

* floor — the same rows, already parsed in memory, inserted into the tickets
  table of a fresh database of the same schema with the standard library's
  ``sqlite3`` ``executemany`` in one transaction (no validation, no events, no
  enterprises: the least any import can do);
* floor + read — the same, but timing also reading the file and ``json.loads``;
* import — ``xzconsole.cli.main(["import", FEED, ...])`` on a fresh copy of the
  same database: reading, validating every row, due dates by the rules,
  enterprises, one event per ticket, batches of 5,000 in ``BEGIN IMMEDIATE``.

Prints the median of each over the runs and the ratios.  The aim is
import ≤ 3 × floor.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stderr
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole import cli, identity  # noqa: E402
from xzconsole.clock import FixedClock  # noqa: E402
from xzconsole.models import uscc_check_char  # noqa: E402
from xzconsole.store import Store  # noqa: E402

NOW = "2026-11-26T17:00:00+08:00"
TYPES = ["政策咨询", "咨询求助", "建议", "投诉", "举报", "其他"]
DEPTS = ["市人社局", "市税务局", "市发改委", "市工信局", "市市场监管局", "市住建局", "鼓楼区", "铜山区"]
DISTRICTS = ["鼓楼区", "云龙区", "贾汪区", "泉山区", "铜山区", "丰县", "沛县", "睢宁县", "新沂市", "邳州市"]
TOPICS = [("稳岗返还咨询", "询问稳岗返还资金何时到账，申请材料是否齐全"),
          ("研发费用加计扣除", "咨询研发费用加计扣除的申报时间和所需资料"),
          ("厂房租金减免", "园区厂房租金减免政策是否适用于本企业"),
          ("施工噪音扰民", "附近工地夜间施工噪音影响企业员工休息"),
          ("水电气报装进度", "新建厂房用电报装已提交一个月仍未接电")]


def _uscc(i: int) -> str:
    body = "91320300" + f"{i:09d}"
    return body + uscc_check_char(body)


def feed_row(i: int) -> dict:
    day = 1 + (i * 7) % 540  # spread over ~18 months before November 2026
    import datetime as dt

    received = dt.datetime(2025, 5, 1, 8, 30) + dt.timedelta(days=day, minutes=(i * 13) % 480)
    ent = i % 20_000
    title, content = TOPICS[i % len(TOPICS)]
    row = {
        "external_id": f"12345-{2025 + day // 365}-{i:08d}",
        "received_at": received.strftime("%Y-%m-%d %H:%M"),
        "appeal_type": TYPES[i % len(TYPES)],
        "enterprise_name": f"徐州市第{ent}号科技有限公司",
        "uscc": _uscc(ent),
        "contact_name": "张经理",
        "contact_phone": f"139{ent:08d}",
        "district": DISTRICTS[i % len(DISTRICTS)],
        "title": title,
        "content": f"{content}（来电 {i}）",
    }
    if i % 3:
        dispatched = received + dt.timedelta(hours=2)
        row["department"] = DEPTS[i % len(DEPTS)]
        row["dispatched_at"] = dispatched.strftime("%Y-%m-%d %H:%M")
        if i % 3 == 2:
            row["signed_at"] = (dispatched + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
            row["replied_at"] = (dispatched + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
            row["satisfaction"] = ["满意", "基本满意", "不满意", "未联系上"][i % 4]
            if i % 4 < 2:
                row["closed_at"] = (dispatched + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    return row


def make_template(path: Path) -> None:
    s = Store(path, FixedClock(NOW))
    s.load_reference_data()
    s.staff.add(None, "bench", "clerk")
    s.disconnect()


def fresh_copy(template: Path, path: Path) -> Path:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    shutil.copy(template, path)
    return path


_FLOOR_SQL = (
    "INSERT INTO tickets(number, external_id, received_at, source, appeal_type, enterprise_name, uscc, contact_name, "
    "contact_phone, district, title, content, status, dispatched_at, signed_at, replied_at, closed_at, satisfaction) "
    "VALUES (?,?,?,'hotline',?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _tuples(rows: list[dict]) -> list[tuple]:
    return [(f"XZ{i:013d}", r["external_id"], r["received_at"], r["appeal_type"], r["enterprise_name"], r["uscc"],
             r["contact_name"], r["contact_phone"], r["district"], r["title"], r["content"], "new",
             r.get("dispatched_at"), r.get("signed_at"), r.get("replied_at"), r.get("closed_at"), r.get("satisfaction"))
            for i, r in enumerate(rows)]


def floor(db: Path, rows: list[dict]) -> float:
    tuples = _tuples(rows)
    conn = sqlite3.connect(db, isolation_level=None)
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(_FLOOR_SQL, tuples)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def floor_with_read(db: Path, feed: Path) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    t = time.perf_counter()
    with open(feed, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    conn.execute("BEGIN")
    conn.executemany(_FLOOR_SQL, _tuples(rows))
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def real_import(db: Path, feed: Path, n: int) -> float:
    identity.current_login = lambda: "bench"
    err = StringIO()
    t = time.perf_counter()
    with redirect_stderr(err):
        code = cli.main(["import", str(feed), "--db", str(db), "--now", NOW])
    elapsed = time.perf_counter() - t
    if code != 0 or f"新增 {n} 件" not in err.getvalue():
        raise SystemExit(f"import failed ({code}): {err.getvalue()}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        feed = tmp / "feed.jsonl"
        rows = [feed_row(i) for i in range(a.rows)]
        with open(feed, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        template = tmp / "template.db"
        make_template(template)
        print(f"feed: {a.rows:,} rows, {feed.stat().st_size / 1e6:.1f} MB; runs: {a.runs}")
        times: dict[str, list[float]] = {"floor": [], "floor+read": [], "import": []}
        for run in range(a.runs):
            times["floor"].append(floor(fresh_copy(template, tmp / "floor.db"), rows))
            times["floor+read"].append(floor_with_read(fresh_copy(template, tmp / "floor.db"), feed))
            times["import"].append(real_import(fresh_copy(template, tmp / "import.db"), feed, a.rows))
            print(f"  run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"median floor (executemany, rows in memory): {med['floor']:.2f} s")
        print(f"median floor + reading the file:            {med['floor+read']:.2f} s")
        print(f"median xzconsole import:                    {med['import']:.2f} s "
              f"({a.rows / med['import']:,.0f} rows/s)")
        print(f"ratio import / floor:        {med['import'] / med['floor']:.2f}  (aim ≤ 3)")
        print(f"ratio import / floor + read: {med['import'] / med['floor+read']:.2f}")


if __name__ == "__main__":
    main()
