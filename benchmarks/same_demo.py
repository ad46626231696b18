"""Check that the demo generator still makes exactly the same database as a
reference revision: the demo is seeded, so a refactoring must not change one row.

    python3 benchmarks/same_demo.py --ref main                       # 5,000 and 20,000 tickets
    python3 benchmarks/same_demo.py --ref main --tickets 400 45000   # 45,000: the forked pipeline

For each ``--tickets`` and each ``--now``, the demo is built twice in fresh
interpreters: once from ``git archive <ref>`` (unpacked into a temporary
directory) and once from this working tree.  Then every table of the two
files is read ordered by its full row and compared row by row, together with
the schema (tables and indexes in ``sqlite_master``).  Nothing in the demo is
volatile: the clock is fixed and the random source seeded, so any difference
is reported with the first differing row.  Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOWS = ("2026-11-26T10:00:00+08:00", "2026-02-15T21:30:00+08:00")
BUILD = (
    "import sys; from xzconsole.clock import parse_datetime; from xzconsole.demo import build_demo; "
    "build_demo(sys.argv[1], int(sys.argv[2]), parse_datetime(sys.argv[3]))"
)


def unpack(ref: str, into: Path) -> Path:
    """The tree of ``ref`` (committed files only) unpacked under ``into``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def build(tree: Path, path: Path, tickets: int, now: str) -> float:
    """Build a demo with the code of ``tree`` in a fresh interpreter; seconds taken."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BUILD, str(path), str(tickets), now], check=True, cwd=tree,
                   env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def tables(path: Path) -> dict[str, tuple[int, str, list[tuple[object, ...]]]]:
    """Every table and index: (row count, sha256 of the rows, the rows), rows
    ordered by all their columns; the schema itself as the table ``sqlite_master``."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out: dict[str, tuple[int, str, list[tuple[object, ...]]]] = {}
        master = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        names = ["sqlite_master"] + [r[1] for r in master if r[0] == "table"]
        for name in names:
            if name == "sqlite_master":
                rows = master
            else:
                ncols = len(conn.execute(f'SELECT * FROM "{name}" LIMIT 0').description)
                order = ", ".join(str(i) for i in range(1, ncols + 1))
                rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            out[name] = (len(rows), digest, rows)
        return out
    finally:
        conn.close()


def compare(a: Path, b: Path) -> list[str]:
    """Differences between two demo files, one line each (empty: identical)."""
    ta, tb = tables(a), tables(b)
    diffs = []
    for name in sorted(set(ta) | set(tb)):
        if name not in ta or name not in tb:
            diffs.append(f"{name}: only in {'reference' if name in ta else 'working tree'}")
            continue
        (na, ha, ra), (nb, hb, rb) = ta[name], tb[name]
        if ha != hb:
            first = next((i for i, (x, y) in enumerate(zip(ra, rb)) if x != y), min(na, nb))
            diffs.append(f"{name}: {na} vs {nb} rows, first difference at row {first}: "
                         f"{ra[first] if first < na else None!r} vs {rb[first] if first < nb else None!r}")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="main", help="the reference revision (default: main)")
    ap.add_argument("--tickets", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--now", nargs="+", default=list(NOWS), help="fixed clock(s) for the builds")
    ap.add_argument("--dir", default=None, help="where to build (default: a temporary directory)")
    a = ap.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
        work = Path(tmp)
        ref = unpack(a.ref, work / "ref")
        for n in a.tickets:
            for now in a.now:
                old, new = work / "ref.db", work / "new.db"
                t_old = build(ref, old, n, now)
                t_new = build(ROOT, new, n, now)
                diffs = compare(old, new)
                counts = tables(new)
                rows = sum(c[0] for name, c in counts.items() if name != "sqlite_master")
                verdict = "identical" if not diffs else f"{len(diffs)} table(s) differ"
                print(f"{n:>9,} tickets  now={now}  {len(counts) - 1} tables, {rows:,} rows: {verdict}  "
                      f"(build {t_old:.1f} s {a.ref}, {t_new:.1f} s working tree)")
                for d in diffs:
                    print(f"    {d}")
                failed = failed or bool(diffs)
                sys.stdout.flush()
                for p in work.glob("*.db*"):
                    p.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
