"""Benchmark: the month's 三率 assessment on a big database, against a bare SQL floor.

    python3 benchmarks/bench_assessment.py --db /tmp/xz_bench.db            # 1,000,000 tickets
    python3 benchmarks/bench_assessment.py --db /tmp/small.db --tickets 50000 --runs 5

If ``--db`` does not exist it is built first: with the demo generator when
``xzconsole/demo.py`` provides ``build_demo`` and ``--demo`` is given, else by
inserting synthetic tickets (and their history events) straight into a fresh
schema — dispatched evenly over the ``--months`` months up to the assessed
month, with signatures, replies, follow-ups, reopens, returns and extensions
in realistic proportions.  An existing file is reused as it is.

Prints the median (and min/max) over ``--runs`` runs of:

* floor — one ``GROUP BY department_id`` count of the month's dispatched
  tickets over the ``tickets_dispatched`` index (what any per-department
  monthly figure must at least cost);
* counts — the facts query alone (every per-ticket test, grouped);
* assess — ``reports.assess`` for the month: every figure, every department;
* report — ``bulletin_files.write_report`` to XLSX (assessment + workbook);

and each one's ratio to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole.services import bulletin_files, reports  # noqa: E402
from xzconsole.clock import FixedClock, format_datetime, local_date, parse_datetime  # noqa: E402
from xzconsole.store import Store  # noqa: E402

TYPES = [("policy_consultation", 1, 0.25), ("consultation", 3, 0.35), ("suggestion", 3, 0.1),
         ("complaint", 5, 0.2), ("report", 5, 0.05), ("other", 5, 0.05)]


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    return reports.month_period(month)


def build_synthetic(path: Path, n: int, month: str, months: int, seed: int = 7, uniform_open: bool = False) -> None:
    """Insert ``n`` tickets (and their events) dispatched over ``months``
    months ending with ``month``, in a fresh database at ``path``."""
    start_m, end_m = _month_bounds(month)
    first = (start_m.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    span = (end_m - first).days + 1
    now = parse_datetime(f"{end_m + dt.timedelta(days=1)}T10:00:00+08:00")
    store = Store(path, FixedClock(now))
    store.load_reference_data()
    cal = store.calendar()
    depts = [d.id for d in store.departments()]
    weights_d = [1.0 / (i + 1) ** 0.5 for i in range(len(depts))]  # a few big departments, a long tail
    type_names = [t[0] for t in TYPES]
    type_limit = {t[0]: t[1] for t in TYPES}
    type_w = [t[2] for t in TYPES]
    rnd = random.Random(seed)
    add = {}

    def add_wd(d: dt.date, k: int) -> dt.date:
        key = (d, k)
        v = add.get(key)
        if v is None:
            v = add[key] = cal.add_workdays(d, k)
        return v

    today = local_date(now)
    t0 = time.perf_counter()
    tickets = []
    events = []
    eid = 0
    # tickets arrive over time, so ids (the table's order) follow dispatch time
    moments = sorted((rnd.randrange(span), rnd.randrange(8 * 60, 18 * 60)) for _ in range(n))
    for i, (offset, minute) in enumerate(moments, 1):
        day = first + dt.timedelta(days=offset)
        disp = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        disp_s = format_datetime(disp)
        recv_s = format_datetime(disp - dt.timedelta(minutes=rnd.randrange(5, 600)))
        atype = rnd.choices(type_names, type_w)[0]
        limit = type_limit[atype]
        ext = 0
        if rnd.random() < 0.02:
            ext = rnd.choice((2, 3, 5))
        due = add_wd(day, limit + ext)
        dept = rnd.choices(depts, weights_d)[0]
        status = "dispatched"
        signed_s = replied_s = sat = None
        followups = unreach = reopen = 0
        level = 0
        sign_day = day + dt.timedelta(days=rnd.choice((0, 0, 0, 1, 1, 2, 3)))
        # as in the demo and in real desks: a ticket left open is a recent one;
        # older than 45 days, 2 in 1,000 are still unsigned or unreplied
        # (--uniform-open: 7 % / 5 % whatever the age, the earlier build)
        old = not uniform_open and (today - day).days > 45
        if sign_day <= today and rnd.random() < (0.998 if old else 0.93):
            signed_s = format_datetime(dt.datetime(sign_day.year, sign_day.month, sign_day.day, 9, rnd.randrange(60)))
            status = "signed"
            lag = rnd.choice((-2, -1, -1, 0, 0, 0, 1, 2, 4, 6))
            reply_day = max(sign_day, add_wd(day, max(limit + ext + lag, 1)) if limit + ext + lag > 0 else sign_day)
            if reply_day <= today and rnd.random() < (0.998 if old else 0.95):
                replied_s = format_datetime(dt.datetime(reply_day.year, reply_day.month, reply_day.day, 16, 0))
                status = "replied"
                if reply_day > due:
                    over = cal.workdays_between(due, reply_day)
                    level = 3 if over >= 5 else 2 if over >= 3 else 1
                if rnd.random() < 0.75:
                    followups = 1
                    sat = rnd.choices(["satisfied", "basically_satisfied", "unsatisfied", "unreachable"],
                                      [0.62, 0.2, 0.08, 0.1])[0]
                    unreach = int(sat == "unreachable")
                    status = "closed" if sat != "unsatisfied" else "replied"
                    if sat == "unsatisfied" and rnd.random() < 0.3:
                        reopen = 1
                        followups = 2
                        sat = "satisfied"
                        status = "closed"
        returned = rnd.random() < 0.01
        if returned:
            status, dept_now = "returned", None
        else:
            dept_now = dept
        tickets.append((i, f"XZ{day:%Y%m%d}{i:07d}", recv_s, "hotline", atype, f"徐州样例企业{i % 50000}有限公司",
                        "样例诉求", status, dept_now, disp_s, day.isoformat(), limit, ext, due.isoformat(),
                        signed_s, replied_s, sat, followups, unreach, reopen, level, "clerk"))
        eid += 1
        events.append((eid, i, recv_s, "clerk", "accept", None, "new", "{}"))
        eid += 1
        events.append((eid, i, disp_s, "clerk", "dispatch", "new", "dispatched", f'{{"department_id": [null, {dept}]}}'))
        if returned:
            eid += 1
            events.append((eid, i, disp_s, "liaison", "return", "dispatched", "returned",
                           f'{{"department_id": [{dept}, null]}}'))
            continue
        if signed_s:
            eid += 1
            events.append((eid, i, signed_s, "liaison", "sign", "dispatched", "signed", "{}"))
        if ext:
            eid += 1
            events.append((eid, i, signed_s or disp_s, "sup", "approve_extension", status, status, "{}"))
        if replied_s:
            eid += 1
            events.append((eid, i, replied_s, "liaison", "reply", "signed", "replied", "{}"))
    t1 = time.perf_counter()
    with store.write() as c:
        c.executemany(
            "INSERT INTO tickets(id, number, received_at, source, appeal_type, enterprise_name, content, status, "
            "department_id, dispatched_at, clock_start, time_limit, extension_days, due_date, signed_at, replied_at, "
            "satisfaction, followup_count, unreachable_count, reopen_count, max_level, created_by) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tickets)
        c.executemany("INSERT INTO events(id, ticket_id, at, actor, action, from_status, to_status, changes) "
                      "VALUES (?,?,?,?,?,?,?,?)", events)
    store.conn.execute("ANALYZE")
    store.disconnect()
    print(f"built {n:,} tickets and {len(events):,} events in {time.perf_counter() - t0:.1f} s "
          f"(generate {t1 - t0:.1f} s) over {first} … {end_m}")


def _time(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def periods(store: Store, args: argparse.Namespace, now: dt.datetime) -> None:
    """``report --month`` against ``report --year`` (the month's year), XLSX,
    through ``write_report`` as the command runs it: cold (no month kept, as
    after a change to every month) and then with the settled months kept."""
    year = args.month[:4]
    out = Path(tempfile.gettempdir()) / "xz_bench_period.xlsx"
    total = store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    ys, ye = reports.year_period(year)
    in_year = store.conn.execute("SELECT count(*) FROM tickets WHERE dispatched_at >= ? AND dispatched_at < ?",
                                 (ys.isoformat(), f"{int(year) + 1}-01-01")).fetchone()[0]
    open_year = store.conn.execute(
        "SELECT count(*) FROM tickets WHERE status IN ('dispatched', 'signed', 'reopened') AND dispatched_at >= ? "
        "AND dispatched_at < ?", (ys.isoformat(), f"{int(year) + 1}-01-01")).fetchone()[0]
    ms, me = reports.month_period(args.month)
    in_month = store.conn.execute("SELECT count(*) FROM tickets WHERE dispatched_at >= ? AND dispatched_at < ?",
                                  (ms.isoformat(), (me + dt.timedelta(days=1)).isoformat())).fetchone()[0]

    def forget() -> None:
        with store.write() as c:
            c.execute("DELETE FROM assessment_cache")

    def month() -> None:
        bulletin_files.write_report(store, args.month, "xlsx", out, now)

    def year_() -> None:
        bulletin_files.write_report(store, year, "xlsx", out, now)

    month()  # warm the page cache and the calendar
    cold: dict[str, list[float]] = {"month": [], "year": []}
    kept: dict[str, list[float]] = {"month": [], "year": []}
    for _ in range(args.runs):
        for name, fn in (("month", month), ("year", year_)):
            forget()
            cold[name].extend(_time(fn, 1))
            kept[name].extend(_time(fn, 1))
    print(f"db: {total:,} tickets; {year}: {in_year:,} dispatched ({open_year:,} still open); "
          f"{args.month}: {in_month:,}; {args.runs} runs each, XLSX")
    for label, res in (("cold (nothing kept)", cold), ("settled months kept", kept)):
        m, y = statistics.median(res["month"]), statistics.median(res["year"])
        print(f"  {label:22s} report --month {m * 1000:8.1f} ms   report --year {y * 1000:8.1f} ms   "
              f"year/month {y / m:5.2f}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "xz_bench_assessment.db"))
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--month", default="2026-11")
    p.add_argument("--months", type=int, default=12, help="months the synthetic tickets are spread over")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--demo", action="store_true", help="build with xzconsole.demo.build_demo if it exists")
    p.add_argument("--uniform-open", action="store_true",
                   help="leave 7 %% unsigned and 5 %% unreplied in every month (default: only recent ones stay open)")
    p.add_argument("--periods", action="store_true",
                   help="time report --month against report --year (XLSX) on the same database, cold and kept")
    args = p.parse_args(argv)
    path = Path(args.db)
    if not path.exists():
        built = False
        if args.demo:
            try:
                from xzconsole.demo import build_demo  # type: ignore[import-not-found]
            except ImportError:
                print("xzconsole.demo 不存在，改为直接插入合成工单")
            else:
                import inspect

                params = inspect.signature(build_demo).parameters
                kw = {k: args.tickets for k in ("tickets", "n", "count") if k in params}
                build_demo(path, **kw)
                built = True
        if not built:
            build_synthetic(path, args.tickets, args.month, args.months, uniform_open=args.uniform_open)

    start, end = reports.month_period(args.month)
    now = parse_datetime(f"{end + dt.timedelta(days=1)}T10:00:00+08:00")
    store = Store(path, FixedClock(now))
    if args.periods:
        periods(store, args, now)
        store.disconnect()
        return
    total = store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    lo, hi = start.isoformat(), (end + dt.timedelta(days=1)).isoformat()

    def floor() -> None:
        store.conn.execute("SELECT department_id, count(*) FROM tickets WHERE dispatched_at >= ? AND dispatched_at < ? "
                           "GROUP BY department_id", (lo, hi)).fetchall()

    in_month = store.conn.execute("SELECT count(*) FROM tickets WHERE dispatched_at >= ? AND dispatched_at < ?",
                                  (lo, hi)).fetchone()[0]
    now_s, today, today_num = reports._evaluation(store, now)
    out_xlsx = Path(tempfile.gettempdir()) / "xz_bench_bulletin.xlsx"
    cases = {
        "floor": floor,
        "counts": lambda: store.reports.counts(start, end, now_s, today, today_num),
        "assess": lambda: reports.assess(store, start, end, now),
        "report": lambda: bulletin_files.write_report(store, args.month, "xlsx", out_xlsx, now),
    }
    for fn in cases.values():  # warm the page cache and the calendar once
        fn()
    results: dict[str, list[float]] = {k: [] for k in cases}
    # interleave the cases so drift on a shared machine hits all of them alike
    for _ in range(args.runs):
        for k, fn in cases.items():
            results[k].extend(_time(fn, 1))
    base = statistics.median(results["floor"])
    print(f"db {path}: {total:,} tickets, {in_month:,} dispatched in {args.month}; {args.runs} runs each")
    for k, xs in results.items():
        med = statistics.median(xs)
        print(f"  {k:7s} median {med * 1000:8.1f} ms  (min {min(xs) * 1000:7.1f}, max {max(xs) * 1000:7.1f})"
              f"  × floor {med / base:6.1f}")
    a = reports.assess(store, start, end, now)
    print(f"  check: {len(a.departments)} departments, {len(a.ranking)} ranked, "
          f"center 响应率 {float(a.total.response_rate or 0):.1%} 解决率 {float(a.total.resolution_rate or 0):.1%} "
          f"满意率 {float(a.total.satisfaction_rate or 0):.1%} 得分 {float(a.total.score or 0):.2f}")
    store.disconnect()


if __name__ == "__main__":
    main()
