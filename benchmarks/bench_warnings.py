"""The warning ladder at scale (SPEC §5, §9): 1,000,000 tickets, 50,000 open.

Builds (or reuses) a database with N tickets of which 50,000 are open and
awaiting a reply (dispatched / signed / reopened, due dates spread over the
last ~30 working days and the next 5; the rest closed), then times, in the
same run, the median of ``--runs`` runs of:

* (a) ``floor``   — the bare SQL that any warning panel must run: the open
  tickets joined against ``workday_index`` for their overdue working days,
  fetched fully;
* (b) ``store.warnings.warned_tickets()`` — every warned ticket with number, department,
  level and supervising body (what ``warnings --json`` and the panel show);
* (c) ``store.warnings.level_counts()`` — warned tickets per department and level;
* (d) ``count floor`` — a bare per-department count of the past-due tickets;
* (e) ``chinese-calendar`` asked once per ticket (``get_workdays`` between the
  due date and today) for 2,000 tickets, extrapolated to 50,000 — what the
  store would cost without its working-day table.

Prints medians in ms and the ratios (b)/(a) and (c)/(d).  Usage::

    python3 benchmarks/bench_warnings.py                     # 1,000,000 tickets
    python3 benchmarks/bench_warnings.py --tickets 100000    # a quicker look
    python3 benchmarks/bench_warnings.py --db benchmarks/out/warnings.db   # keep and reuse

Without ``--db`` the database is built in a temporary directory and removed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chinese_calendar  # noqa: E402

from xzconsole.clock import FixedClock  # noqa: E402
from xzconsole.store import AWAITING, Store  # noqa: E402
from xzconsole.areas.loader import TICKET_COLUMNS  # noqa: E402

NOW = "2026-11-26T10:00:00+08:00"  # a Thursday; 2026 is covered by chinese-calendar
OPEN = 50_000
BATCH = 50_000
TYPES = ["policy_consultation", "consultation", "suggestion", "complaint", "report", "other"]
LIMITS = {"policy_consultation": 1, "consultation": 3, "suggestion": 3, "complaint": 5, "report": 5, "other": 5}
NAMES = ["徐州恒达机械有限公司", "江苏云龙新材料科技有限公司", "徐州市鼓楼区好味餐饮店", "铜山华宇物流有限公司",
         "邳州金穗农业发展有限公司", "徐州经开区智造装备有限公司", "新沂市阳光纺织有限公司", "睢宁县绿源食品厂"]
TITLES = ["稳岗返还未到账", "社保缴费基数咨询", "厂房租金减免", "用电报装进度", "人才安居补贴申报", "出口退税办理"]


def build(store: Store, n: int, seed: int = 7) -> float:
    """Insert ``n`` tickets straight into the table, 50,000 per transaction."""
    rng = random.Random(seed)
    cal = store.calendar()
    today = dt.date.fromisoformat(NOW[:10])
    # due dates: from 30 working days back to 5 working days ahead
    first = today
    for _ in range(30):
        first = first - dt.timedelta(days=1)
        while not cal.is_workday(first):
            first -= dt.timedelta(days=1)
    dues = [first]
    while len(dues) < 36:
        dues.append(cal.add_workdays(dues[-1], 1))
    dept_ids = [d.id for d in store.departments()]
    open_ids = set(rng.sample(range(1, n + 1), min(OPEN, n)))
    col = {c: i for i, c in enumerate(TICKET_COLUMNS)}
    sql = f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) VALUES ({', '.join('?' * len(TICKET_COLUMNS))})"
    start_received = dt.datetime(2023, 1, 1, 8, 0)
    step = (dt.datetime(2026, 11, 1) - start_received) / max(n, 1)
    t0 = time.perf_counter()
    batch: list[tuple] = []
    template: list = [None] * len(TICKET_COLUMNS)
    for i in range(1, n + 1):
        row = list(template)
        received = start_received + step * i
        atype = TYPES[i % len(TYPES)]
        row[col["id"]] = i
        row[col["number"]] = f"BN{i:09d}"
        row[col["received_at"]] = received.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        row[col["source"]] = "hotline"
        row[col["appeal_type"]] = atype
        row[col["enterprise_name"]] = NAMES[i % len(NAMES)]
        row[col["contact_name"]] = ""
        row[col["contact_phone"]] = ""
        row[col["district"]] = ""
        row[col["title"]] = TITLES[i % len(TITLES)]
        row[col["content"]] = "诉求内容"
        row[col["department_id"]] = dept_ids[i % len(dept_ids)]
        row[col["time_limit"]] = LIMITS[atype]
        for k in ("extension_days", "due_provisional", "direct_answer", "followup_count", "unreachable_count",
                  "reopen_count", "return_count", "confidential", "max_level"):
            row[col[k]] = 0
        row[col["reply_text"]] = ""
        row[col["created_by"]] = "bench"
        row[col["updated_by"]] = "bench"
        row[col["version"]] = 1
        if i in open_ids:
            due = dues[rng.randrange(len(dues))]
            row[col["status"]] = AWAITING[i % 3]
            row[col["due_date"]] = due.isoformat()
            row[col["clock_start"]] = due.isoformat()  # only read when a schedule is loaded
            row[col["dispatched_at"]] = row[col["received_at"]]
        else:
            row[col["status"]] = "closed"
            row[col["dispatched_at"]] = row[col["received_at"]]
            row[col["closed_at"]] = row[col["received_at"]]
            row[col["due_date"]] = received.date().isoformat()
            row[col["close_reason"]] = "resolved"
        batch.append(tuple(row))
        if len(batch) == BATCH:
            with store.write() as c:
                c.executemany(sql, batch)
            batch = []
    if batch:
        with store.write() as c:
            c.executemany(sql, batch)
    store.conn.execute("ANALYZE")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - t0


def median_ms(fn, runs: int) -> tuple[float, object]:
    out = None
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=1_000_000, help="tickets in the database (default 1,000,000)")
    ap.add_argument("--db", help="database path (built if missing, reused if it holds enough tickets)")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per measurement (median; default 7)")
    ap.add_argument("--sample", type=int, default=2000, help="tickets asked of chinese-calendar one by one")
    args = ap.parse_args()

    tmp = None
    if args.db:
        path = Path(args.db)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="xz-bench-warnings-")
        path = Path(tmp.name) / "warnings.db"
    clock = FixedClock(NOW)
    store = Store(path, clock)
    have = store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    if have == 0:
        store.load_reference_data()
        secs = build(store, args.tickets)
        print(f"built {args.tickets:,} tickets in {secs:.1f} s → {path}")
    elif have < args.tickets:
        sys.exit(f"{path} holds {have:,} tickets, fewer than --tickets {args.tickets:,}; remove it or pick another --db")
    else:
        print(f"reusing {path} ({have:,} tickets)")

    today = clock.today()
    cal = store.calendar()
    today_num = store.conn.execute("SELECT num FROM workday_index WHERE day = ?", (today.isoformat(),)).fetchone()[0]
    open_n = store.conn.execute(f"SELECT count(*) FROM tickets WHERE status IN ({','.join('?' * 3)})", AWAITING).fetchone()[0]
    print(f"now {NOW}; open and awaiting reply: {open_n:,}")

    floor_sql = (
        "SELECT t.id, ? - w.num FROM tickets t JOIN workday_index w ON w.day = t.due_date "
        "WHERE t.status IN (?, ?, ?) AND t.due_date < ?"
    )
    count_sql = "SELECT department_id, count(*) FROM tickets WHERE status IN (?, ?, ?) AND due_date < ? GROUP BY department_id"
    params = (today_num, *AWAITING, today.isoformat())

    runs = args.runs
    fns = {
        "a": lambda: store.conn.execute(floor_sql, params).fetchall(),
        "b": lambda: store.warnings.warned_tickets(),
        "c": lambda: store.warnings.level_counts(),
        "d": lambda: store.conn.execute(count_sql, params[1:]).fetchall(),
    }
    for fn in fns.values():  # warm the page cache once, untimed
        fn()
    # round-robin, so that a shared machine's changing load falls on every
    # measurement alike and the ratios stay meaningful
    times: dict[str, list[float]] = {k: [] for k in fns}
    answers: dict[str, object] = {}
    for _ in range(runs):
        for k, fn in fns.items():
            ms, answers[k] = median_ms(fn, 1)
            times[k].append(ms)
    results: dict[str, float] = {k: statistics.median(v) for k, v in times.items()}
    floor_rows, warned, counts, floor_counts = answers["a"], answers["b"], answers["c"], answers["d"]

    # (e) the package asked once per ticket, as a store without its table would
    sample = [dt.date.fromisoformat(r[0]) for r in store.conn.execute(
        "SELECT due_date FROM tickets WHERE status IN (?, ?, ?) AND due_date < ? LIMIT ?",
        (*AWAITING, today.isoformat(), args.sample))]

    def per_ticket() -> int:
        total = 0
        for due in sample:
            total += len(chinese_calendar.get_workdays(due + dt.timedelta(days=1), today))
        return total

    e_runs = max(3, runs // 2)
    e_ms, _ = median_ms(per_ticket, e_runs)
    results["e"] = e_ms * (len(floor_rows) / max(len(sample), 1))

    # the same answers, or the comparison means nothing
    assert len(warned) == len(floor_rows), (len(warned), len(floor_rows))
    assert sum(sum(v.values()) for v in counts.values()) == sum(r[1] for r in floor_counts)
    check = {r[0]: r[1] for r in floor_rows}
    assert all(w["overdue_workdays"] == check[w["id"]] for w in warned[:1000])
    assert all(w["overdue_workdays"] == cal.workdays_between(dt.date.fromisoformat(w["due_date"]), today) for w in warned[:200])

    print(f"warned tickets: {len(warned):,}; departments with warnings: {len(counts)}; runs: {runs} (median)")
    print(f"(a) floor: join against workday_index      {results['a']:9.1f} ms")
    print(f"(b) store.warnings.warned_tickets()                 {results['b']:9.1f} ms   (b)/(a) = {results['b'] / results['a']:.2f}")
    print(f"(c) store.warnings.level_counts()                   {results['c']:9.1f} ms   (c)/(d) = {results['c'] / results['d']:.2f}")
    print(f"(d) floor: per-department count            {results['d']:9.1f} ms")
    print(f"(e) chinese-calendar per ticket, ×{len(floor_rows) / max(len(sample), 1):.0f}     {results['e']:9.1f} ms   "
          f"(e)/(b) = {results['e'] / results['b']:.0f}  [{len(sample):,} asked in {e_ms:.0f} ms]")
    store.disconnect()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
