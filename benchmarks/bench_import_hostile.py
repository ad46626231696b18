"""Memory and time of `xzconsole import` on large and hostile files (issue 12).

    python3 benchmarks/bench_import_hostile.py [--csv-mb 300] [--skip-csv]

Generates (benchmarks/gen_import_inputs.py) in a temporary directory:

* a ~300 MB UTF-8 CSV feed (1.5 million rows, a few broken lines);
* a 4 MB XLSX whose shared strings unpack to 2 GB (refused from the zip);
* a 1 MB XLSX whose shared strings unpack to 500 MB (refused);
* a 0.3 MB XLSX of 140 MB shared strings in long strings (just under the cap:
  imported — the most memory an accepted workbook needs);
* a 0.3 MB XLSX of 100 MB shared strings in two-character strings (refused:
  ~6 million strings would need ~550 MB).

Each import runs as its own process on a fresh database (``xzconsole init``);
its peak memory is that process's ``ru_maxrss`` (``os.wait4``: the same
figure ``/usr/bin/time -v`` prints as "Maximum resident set size").  For the
CSV the floor is a process that only reads the file with ``csv.reader``.
The aim: every import under ~300 MB, whatever the input.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_import_inputs import big_csv, hostile_xlsx  # noqa: E402

NOW = "2026-11-26T17:00:00+08:00"
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def measured(argv: list[str]) -> tuple[int, float, float, str]:
    """(exit status, seconds, peak RSS in MB, last line of stderr) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [x for x in err.strip().splitlines() if x.strip()]
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024, (lines[0] if lines else "")


def fresh_db(d: Path, name: str) -> Path:
    db = d / f"{name}.db"
    subprocess.run([sys.executable, "-m", "xzconsole.cli", "init", "--db", str(db)], env=ENV, cwd=ROOT,
                   check=True, capture_output=True)
    return db


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv-mb", type=int, default=300)
    p.add_argument("--skip-csv", action="store_true", help="only the XLSX files (the CSV import takes minutes)")
    a = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="xz-hostile-") as tmp:
        d = Path(tmp)
        cases: list[tuple[str, Path]] = []
        for label, mb, length in (("xlsx 2 GB shared strings", 2000, 1000), ("xlsx 500 MB shared strings", 500, 1000),
                                  ("xlsx 140 MB shared strings", 140, 1000), ("xlsx 100 MB of 2-char strings", 100, 2)):
            cases.append((label, hostile_xlsx(d / f"s{mb}-{length}.xlsx", mb << 20, string_len=length)))
        if not a.skip_csv:
            path = d / "big.csv"
            big_csv(path, a.csv_mb)
            floor = [sys.executable, "-c", "import csv,sys\nfor _ in csv.reader(open(sys.argv[1], encoding='utf-8', "
                     "errors='replace', newline='')): pass", str(path)]
            code, secs, rss, _ = measured(floor)
            rows.append((f"floor: csv.reader over {a.csv_mb} MB", path.stat().st_size, code, secs, rss, ""))
            cases.append((f"csv {a.csv_mb} MB", path))
        for label, path in cases:
            db = fresh_db(d, path.stem)
            code, secs, rss, msg = measured([sys.executable, "-m", "xzconsole.cli", "import", str(path), "--db", str(db),
                                             "--now", NOW])
            rows.append((label, path.stat().st_size, code, secs, rss, msg))
            db.unlink()
    print(f"{'input':38} {'file MB':>8} {'exit':>4} {'seconds':>8} {'peak RSS MB':>11}  message")
    for label, size, code, secs, rss, msg in rows:
        print(f"{label:38} {size / (1 << 20):8.1f} {code:4} {secs:8.1f} {rss:11.0f}  {msg[:90]}")
    worst = max(r[4] for r in rows)
    print(f"\nworst peak RSS: {worst:.0f} MB (aim: under ~300 MB for any input)")


if __name__ == "__main__":
    main()
