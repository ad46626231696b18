"""Time ``build_demo`` against a floor measured in the same run.

    python3 benchmarks/bench_demo.py                 # 100,000 tickets, median of 3
    python3 benchmarks/bench_demo.py --full          # also 1,000,000 tickets (once)
    python3 benchmarks/bench_demo.py --tickets 20000 --runs 5
    python3 benchmarks/bench_demo.py --compare --tickets 1000000   # loading strategies, once each

The floor is the cheapest conceivable load of the same number of tickets: the
standard library's ``executemany`` of minimal ticket rows (id, number,
received time, status) into a bare table, in one transaction, rows prepared
beforehand.  The demo does far more per ticket (44 columns, about five history
lines, supervisions, enterprises, indexes, ANALYZE), so the ratio says how much
that costs, on this machine, today.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole.clock import parse_datetime  # noqa: E402
from xzconsole.demo import build_demo  # noqa: E402

NOW = parse_datetime("2026-11-26T10:00:00+08:00")


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def floor(n: int, workdir: Path) -> float:
    """Seconds for one bare executemany of n minimal ticket rows in one transaction."""
    path = workdir / "floor.db"
    _remove(path)
    rows = [(i, f"XZ20261126{i % 100000:05d}", "2026-11-26T10:00:00+08:00", "closed") for i in range(1, n + 1)]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, number TEXT, received_at TEXT, status TEXT)")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO tickets VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    _remove(path)
    return elapsed


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (the row generator)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def build(n: int, workdir: Path) -> tuple[float, int, int, float]:
    """(seconds, rows written, database bytes, CPU seconds) for one build_demo of n tickets.

    CPU seconds are reported too because this machine is shared: wall time
    grows with everybody else's load, CPU time much less."""
    path = workdir / "demo.db"
    _remove(path)
    cpu = _cpu()
    start = time.perf_counter()
    build_demo(str(path), n, NOW)
    elapsed = time.perf_counter() - start
    cpu = _cpu() - cpu
    conn = sqlite3.connect(path)
    rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("tickets", "events", "supervisions", "enterprises"))
    conn.close()
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    _remove(path)
    return elapsed, rows, size, cpu


def compare(n: int, workdir: Path) -> None:
    """One build per loading strategy: which secondary indexes are dropped
    and rebuilt, and whether rows are generated in a forked child."""
    path = workdir / "demo.db"
    print(f"{n:>9,} tickets, loading strategies (one build each)")
    for drop, pipeline in (("random", True), ("none", True), ("all", True), ("random", False)):
        _remove(path)
        start = time.perf_counter()
        build_demo(str(path), n, NOW, None, drop=drop, pipeline=pipeline)
        elapsed = time.perf_counter() - start
        print(f"  drop={drop:<6} pipeline={str(pipeline):<5}: {elapsed:8.2f} s")
        sys.stdout.flush()
    _remove(path)


def report(n: int, runs: int, workdir: Path) -> None:
    floors = [floor(n, workdir) for _ in range(runs)]
    builds = [build(n, workdir) for _ in range(runs)]
    f = statistics.median(floors)
    b = statistics.median(x[0] for x in builds)
    rows, size = builds[0][1], builds[0][2]
    cpu = statistics.median(x[3] for x in builds)
    print(f"{n:>9,} tickets  runs={runs}")
    print(f"  floor  (bare executemany, minimal rows): {f:8.2f} s  {n / f:12,.0f} tickets/s")
    print(f"  build_demo                             : {b:8.2f} s  {n / b:12,.0f} tickets/s  "
          f"{rows / b:12,.0f} rows/s  ({rows:,} rows)")
    print(f"  CPU time (this process + row generator): {cpu:8.2f} s   load average now {os.getloadavg()[0]:.2f}")
    print(f"  database size: {size / 1e6:,.0f} MB   ratio build/floor: {b / f:.1f}×")
    sys.stdout.flush()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--full", action="store_true", help="also 1,000,000 tickets, once")
    ap.add_argument("--compare", action="store_true", help="time the loading strategies at --tickets instead")
    ap.add_argument("--dir", default=None, help="where to build (default: a temporary directory)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
        work = Path(tmp)
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        if a.compare:
            compare(a.tickets, work)
            return 0
        report(a.tickets, a.runs, work)
        if a.full:
            report(1_000_000, 1, work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
