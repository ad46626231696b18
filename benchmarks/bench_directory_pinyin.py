"""The directory's pinyin search on a demo database (issue 16).

Times ``store.directory.search`` (a page of 50, as F9 asks) for Latin queries
— initials ``xz`` and ``xzjs``, full pinyin ``xuzhou``, two words ``xz js``,
a word inside the initials ``jsgc``, and one in no name ``qqzz`` — beside the
Chinese word 徐州 (the name index) and a bare page of 50 records read in
initials-index order (the floor), round-robin over ``--runs`` runs; prints
the median per query.  Also times converting every name of the database to
its keys (what filling an upgraded database costs, without writing).

Usage::

    xzconsole demo --tickets 200000 --no-open --db /tmp/pinyin.db
    python3 benchmarks/bench_directory_pinyin.py --db /tmp/pinyin.db --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole import pinyin_keys  # noqa: E402
from xzconsole.store import Store  # noqa: E402

QUERIES = ["xz", "xzjs", "xuzhou", "xz js", "jsgc", "qqzz", "徐州"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="a demo database (xzconsole demo --no-open --db PATH)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--login", default="demo_sup")
    args = ap.parse_args()
    store = Store(args.db, migrate=False)
    user = store.staff.get(args.login)
    n = store.q1("SELECT count(*) FROM enterprises")[0]
    print(f"{n:,} enterprises, {store.q1('SELECT count(*) FROM tickets')[0]:,} tickets")
    jobs: dict[str, Callable[[], Any]] = {f"search {q!r}": (lambda q=q: store.directory.search(user, q, limit=51))
                                          for q in QUERIES}
    jobs["floor: 50 records in initials-index order"] = lambda: store.q(
        "SELECT * FROM enterprises WHERE name_initials >= 'xz' ORDER BY name_initials, id LIMIT 51")
    hits = {label: len(fn()) for label, fn in jobs.items()}
    times: dict[str, list[float]] = {label: [] for label in jobs}
    for _ in range(args.runs):
        for label, fn in jobs.items():
            t = time.perf_counter()
            fn()
            times[label].append((time.perf_counter() - t) * 1000)
    print(f"\nmedians of {args.runs} runs (a page of 50 records and whether more follow)\n")
    for label, v in times.items():
        print(f"{label:<46} {statistics.median(v):8.2f} ms   ({hits[label]} rows)")
    names = [r[0] for r in store.q("SELECT name FROM enterprises")]
    t = time.perf_counter()
    pinyin_keys.keys_many(names[:1])  # the dictionary's import, once
    first = time.perf_counter() - t
    t = time.perf_counter()
    pinyin_keys.keys_many(names)
    took = time.perf_counter() - t
    print(f"\nkeys of all {len(names):,} names: {took:.2f} s ({took / max(1, len(names)) * 1e6:.0f} µs a name; "
          f"pypinyin's import {first:.2f} s)")
    store.disconnect()


if __name__ == "__main__":
    main()
