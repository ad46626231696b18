"""Replication lag under a 100,000-row import, and the restore time of the 1,000,000-ticket demo.

    python3 benchmarks/bench_replication.py lag [--rows 100000] [--batch-size 5000] [--baseline]
    python3 benchmarks/bench_replication.py restore [--db benchmarks/out/big.db]

``lag`` — a fresh database (reference data, one clerk) replicated by
``xzconsole replicate`` to a local directory, and a standby that follows the
replica (``litestream restore -f``, polling it every 100 ms, as a warm standby
would).  While ``xzconsole import`` loads ``--rows`` feed rows (as
``bench_import.py`` makes them, in batches of ``--batch-size``), a console
thread takes in one appeal every 200 ms.  A sampler reads ``max(id)`` of the
tickets on the primary and on the standby every 20 ms: each commit's lag is
the time from the primary first showing its ticket to the standby showing it
(so it includes the follower's poll, ≤ 100 ms, and the 20 ms sampling).
Prints the count, median, 90th percentile and worst, for import batches and
console commits apart, and what ``doctor`` saw (``read_status`` every 0.5 s).

``restore`` — the demo database (``xzconsole demo --tickets 1000000 --no-open
--db benchmarks/out/big.db``, ~4 min) is replicated once to
``benchmarks/out/big-replica`` (``xzconsole replicate --once``: the first,
full upload), then ``xzconsole restore --to benchmarks/out/big-restored.db``
is timed: Litestream's restore and the verification (``integrity_check``,
schema version, counts) apart.  Removes what it made unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import redirect_stderr
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_import import NOW, feed_row  # noqa: E402
from xzconsole import cli  # noqa: E402
from xzconsole.services import replication as rp  # noqa: E402
from xzconsole.clock import FixedClock  # noqa: E402
from xzconsole.models import TicketIntake  # noqa: E402
from xzconsole.store import Store  # noqa: E402

LOGIN = pwd.getpwuid(os.getuid()).pw_name


def _env(db: Path, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["XZCONSOLE_DB"] = str(db)
    env[rp.ENV_SETTINGS] = str(tmp / "no-settings.toml")  # never this machine's settings
    return env


def _wait(what: str, check, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def _max_id(path: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
        try:
            row = conn.execute("SELECT max(id) FROM tickets").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # the follower is rewriting it; the next sample will do
    return None if row is None or row[0] is None else int(row[0])


def _summary(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: no samples"
    v = sorted(values)
    p90 = v[min(len(v) - 1, round(0.9 * (len(v) - 1)))]
    return (f"{label}: n={len(v)}, median {statistics.median(v) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
            f"worst {v[-1] * 1000:.0f} ms")


def lag(rows: int, batch: int, baseline: bool) -> None:
    binary = rp.require_litestream()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        db, replica, standby = tmp / "xz.db", tmp / "replica", tmp / "standby.db"
        with Store(db, FixedClock(NOW)) as s:
            s.load_reference_data()
            admin = s.staff.add(None, "bench_admin", "admin")
            s.staff.add(admin, LOGIN, "clerk", name="导入")
        feed = tmp / "feed.jsonl"
        with open(feed, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(feed_row(i), ensure_ascii=False) + "\n" for i in range(rows))
        env = _env(db, tmp)
        if baseline:  # the same import on a copy nobody replicates, for the cost of replication
            alone = tmp / "alone.db"
            shutil.copy(db, alone)
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "xzconsole.cli", "import", str(feed), "--now", NOW, "--db", str(alone),
                            "--batch-size", str(batch)], env=env, cwd=ROOT, capture_output=True, check=True)
            print(f"import without replication: {time.monotonic() - started:.1f} s", flush=True)
        log = open(tmp / "replicate.log", "w")
        repl = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "replicate", "--to", str(replica)],
                                env=env, cwd=ROOT, stdout=log, stderr=log)
        follower: subprocess.Popen[bytes] | None = None
        try:
            _wait("replication", lambda: rp.read_status(db, binary=binary).replicating)
            _wait("Litestream's first sync", lambda: (replica / "ltx").is_dir())
            follower = subprocess.Popen([str(binary), "restore", "-f", "-follow-interval", "100ms", "-o", str(standby),
                                         f"file://{replica}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait("the standby", lambda: _max_id(standby) is not None or (standby.exists() and _max_id(db) is None))

            primary: list[tuple[float, int]] = []
            follow: list[tuple[float, int]] = []
            doctor: list[float] = []
            console: set[int] = set()
            stop = threading.Event()

            def sample() -> None:
                last_p = last_f = -1
                while not stop.is_set():
                    t = time.monotonic()
                    p = _max_id(db) or 0
                    if p != last_p:
                        primary.append((t, p))
                        last_p = p
                    f = _max_id(standby)
                    if f is not None and f != last_f:
                        follow.append((time.monotonic(), f))
                        last_f = f
                    time.sleep(0.02)

            def watch() -> None:
                while not stop.is_set():
                    st = rp.read_status(db, binary=binary)
                    if st.lag_seconds is not None:
                        doctor.append(st.lag_seconds)
                    stop.wait(0.5)

            def clerk() -> None:
                with Store(db, FixedClock(NOW)) as s:
                    actor = s.staff.get(LOGIN)
                    i = 0
                    while not stop.is_set():
                        t = s.tickets.accept(actor, TicketIntake(appeal_type="咨询求助", enterprise_name=f"徐州控制台{i}有限公司",
                                                         content=f"导入期间受理的第 {i} 件"))
                        console.add(t.id)
                        i += 1
                        stop.wait(0.2)

            threads = [threading.Thread(target=f, daemon=True) for f in (sample, watch)]
            for th in threads:
                th.start()
            time.sleep(1.0)
            worker = threading.Thread(target=clerk, daemon=True)
            worker.start()
            started = time.monotonic()
            imp = subprocess.run([sys.executable, "-m", "xzconsole.cli", "import", str(feed), "--now", NOW,
                                  "--batch-size", str(batch)], env=env, cwd=ROOT, capture_output=True, text=True,
                                 check=False)
            took = time.monotonic() - started
            stop.set()
            worker.join()
            if imp.returncode != 0:
                raise SystemExit(f"import failed: {imp.stderr}")
            final = _max_id(db) or 0
            stop.clear()
            th = threading.Thread(target=sample, daemon=True)
            th.start()
            _wait("the standby to catch up", lambda: (_max_id(standby) or 0) >= final)
            time.sleep(0.2)
            stop.set()
            th.join()
            for t in threads:
                t.join()
        finally:
            for proc in (follower, repl):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=60)
            log.close()

        batches: list[float] = []
        singles: list[float] = []
        prev = 0
        for t_p, v in primary:
            t_f = next((t for t, f in follow if f >= v), None)
            if t_f is None or v == prev:
                continue
            new_ids = range(prev + 1, v + 1)
            (singles if all(i in console for i in new_ids) else batches).append(max(0.0, t_f - t_p))
            prev = v
        print(f"import: {rows:,} rows in batches of {batch:,}, {took:.1f} s with replication running "
              f"({rows / took:,.0f} rows/s); {len(console)} console commits meanwhile")
        print(_summary("lag, commits with import batches", batches))
        print(_summary("lag, console commits            ", singles))
        print(_summary("lag, all commits                ", batches + singles))
        print(_summary("doctor's lag (read_status / 0.5 s)", doctor))


def restore_time(db: Path, keep: bool) -> None:
    rp.require_litestream()
    if not db.exists():
        raise SystemExit(f"{db} does not exist: xzconsole demo --tickets 1000000 --no-open --db {db}")
    out = db.parent
    replica, target = out / "big-replica", out / "big-restored.db"
    for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(replica, ignore_errors=True)
    paths = rp.paths_for(db)
    shutil.rmtree(paths.meta, ignore_errors=True)
    cli.current_login = lambda: "demo_admin"  # type: ignore[assignment]
    err = StringIO()
    size = db.stat().st_size
    print(f"database: {db} ({size / 1e9:.2f} GB)")
    try:
        with tempfile.TemporaryDirectory() as d:
            os.environ[rp.ENV_SETTINGS] = str(Path(d) / "no-settings.toml")
            t = time.perf_counter()
            with redirect_stderr(err):
                code = cli.main(["replicate", "--once", "--to", str(replica), "--db", str(db)])
            first = time.perf_counter() - t
            if code != 0:
                raise SystemExit(f"replicate --once failed: {err.getvalue()[-2000:]}")
            on_disk = sum(f.stat().st_size for f in replica.rglob("*") if f.is_file())
            print(f"first full upload (replicate --once): {first:.1f} s; replica {on_disk / 1e9:.2f} GB")
            err = StringIO()
            t = time.perf_counter()
            with redirect_stderr(err):
                code = cli.main(["restore", "--to", str(target), "--db", str(db)])
            total = time.perf_counter() - t
            if code != 0:
                raise SystemExit(f"restore failed: {err.getvalue()}")
            print(err.getvalue().strip().splitlines()[-1])
            print(f"xzconsole restore, end to end: {total:.1f} s")
    finally:
        if not keep:
            for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                p.unlink(missing_ok=True)
            shutil.rmtree(replica, ignore_errors=True)
            shutil.rmtree(paths.meta, ignore_errors=True)
            for p in (paths.config, paths.lock):
                p.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    a1 = sub.add_parser("lag")
    a1.add_argument("--rows", type=int, default=100_000)
    a1.add_argument("--batch-size", type=int, default=5000)
    a1.add_argument("--baseline", action="store_true", help="first time the import alone, without replication")
    a2 = sub.add_parser("restore")
    a2.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "out" / "big.db")
    a2.add_argument("--keep", action="store_true", help="keep the replica and the restored copy")
    a = ap.parse_args()
    if a.what == "lag":
        lag(a.rows, a.batch_size, a.baseline)
    else:
        restore_time(a.db, a.keep)


if __name__ == "__main__":
    main()
