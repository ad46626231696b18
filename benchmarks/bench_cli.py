"""`warnings --json` and `export tickets` on a big database against an empty one.

    python3 benchmarks/bench_cli.py --db BIG.db [--runs 5] [--now ISO] [--as LOGIN]

BIG.db is a demo database, built once with

    xzconsole demo --tickets 1000000 --no-open --db BIG.db

(``--build N`` does that here when the demo generator is installed;
``--build-from-feed N`` instead imports N generated feed rows through
``xzconsole import``, a stand-in while it is not).  Each
command runs as a user runs it — a fresh ``python3 -m xzconsole.cli`` process,
output to /dev/null — on BIG.db and on an empty database of the same schema
made in the same run; the script prints the medians and the ratios.  Aim:
``warnings --json`` at 1,000,000 tickets within 2 × the empty database.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMANDS = {
    "warnings --json": ["warnings", "--json"],
    "export tickets": ["export", "tickets"],
}


def run_once(db: Path, argv: list[str], extra: list[str]) -> tuple[float, int]:
    """Wall time of one command in a fresh process, and how many lines it printed
    (read as a stream and counted, never held in memory)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", *argv, "--db", str(db), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    assert proc.stdout is not None
    lines = 0
    while chunk := proc.stdout.read(1 << 20):
        lines += chunk.count(b"\n")
    err = proc.stderr.read() if proc.stderr else b""
    code = proc.wait()
    elapsed = time.perf_counter() - t
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} on {db} failed ({code}): {err.decode()[-500:]}")
    return elapsed, lines


def empty_demo_db(path: Path, login: str) -> None:
    from xzconsole.store import Store

    s = Store(path)
    s.load_reference_data()
    s.staff.add(None, login, "clerk")
    s.conn.execute("INSERT INTO meta(key, value) VALUES ('demo', '1') ON CONFLICT(key) DO UPDATE SET value = '1'")
    s.disconnect()


def build_from_feed(big: Path, n: int) -> None:
    """A stand-in big database while the demo generator is not installed: ``n``
    tickets through the real import path (feed rows of bench_import), where —
    as on a real desk — only the recent tickets are still open."""
    import datetime as dt
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_import import NOW, feed_row

    from xzconsole.clock import FixedClock
    from xzconsole.store import Store

    cutoff = (dt.datetime.fromisoformat(NOW) - dt.timedelta(days=45)).strftime("%Y-%m-%d")
    feed = big.with_suffix(".feed.jsonl")
    with open(feed, "w", encoding="utf-8") as fh:
        for i in range(n):
            r = feed_row(i)
            if r.get("dispatched_at") and not r.get("replied_at") and r["received_at"] < cutoff:
                d = dt.datetime.strptime(r["dispatched_at"], "%Y-%m-%d %H:%M")
                r["signed_at"] = (d + dt.timedelta(hours=4)).strftime("%Y-%m-%d %H:%M")
                r["replied_at"] = (d + dt.timedelta(days=2 + i % 9)).strftime("%Y-%m-%d %H:%M")
                r["satisfaction"] = "满意"
                r["closed_at"] = (d + dt.timedelta(days=12)).strftime("%Y-%m-%d %H:%M")
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    s = Store(big, FixedClock(NOW))
    s.load_reference_data()
    s.staff.add(None, "demo_clerk", "clerk")
    s.conn.execute("INSERT INTO meta(key, value) VALUES ('demo', '1')")
    s.disconnect()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "xzconsole.cli", "import", str(feed), "--db", str(big), "--as", "demo_clerk",
                    "--now", NOW], check=True, cwd=ROOT, env=env)
    feed.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="the big database (a demo database)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--now", help="passed to both commands (default: the wall clock)")
    ap.add_argument("--as", dest="as_login", default="demo_clerk", help="demo identity (default demo_clerk)")
    ap.add_argument("--build", type=int, metavar="N", help="build BIG.db with N tickets first when it is missing")
    ap.add_argument("--build-from-feed", type=int, metavar="N",
                    help="stand-in when the demo generator is missing: import N generated feed rows into BIG.db")
    a = ap.parse_args()
    big = Path(a.db)
    if not big.exists() and a.build_from_feed:
        t = time.perf_counter()
        build_from_feed(big, a.build_from_feed)
        print(f"built {big} with {a.build_from_feed:,} imported tickets in {time.perf_counter() - t:.1f} s")
    if not big.exists():
        if a.build:
            try:
                import xzconsole.demo  # noqa: F401
            except ImportError:
                raise SystemExit("the demo generator (xzconsole/demo/) is not installed yet: skipping") from None
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "xzconsole.cli", "demo", "--tickets", str(a.build), "--no-open",
                            "--db", str(big)], check=True, cwd=ROOT,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
            print(f"built {big} with {a.build:,} tickets in {time.perf_counter() - t:.1f} s")
        else:
            raise SystemExit(f"{big} does not exist: build it with\n  xzconsole demo --tickets 1000000 --no-open --db {big}\n"
                             "(or pass --build 1000000); skipping")
    conn = sqlite3.connect(f"file:{big}?mode=ro", uri=True)
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    demo = (conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone() or [None])[0] == "1"
    conn.close()
    extra = (["--now", a.now] if a.now else []) + (["--as", a.as_login] if demo else [])
    print(f"big database: {big} ({tickets:,} tickets, {big.stat().st_size / 1e6:.0f} MB); runs: {a.runs}")
    with tempfile.TemporaryDirectory() as d:
        empty = Path(d) / "empty.db"
        empty_demo_db(empty, a.as_login)
        for name, argv in COMMANDS.items():
            times: dict[str, list[float]] = {"empty": [], "big": []}
            lines = {}
            for _ in range(a.runs):
                for label, db in (("empty", empty), ("big", big)):
                    elapsed, n = run_once(db, argv, extra)
                    times[label].append(elapsed)
                    lines[label] = n
            me, mb = statistics.median(times["empty"]), statistics.median(times["big"])
            print(f"{name:16s} empty {me:6.2f} s ({lines['empty']:,} lines)   big {mb:6.2f} s "
                  f"({lines['big']:,} lines)   ratio {mb / me:.2f}")


if __name__ == "__main__":
    main()
