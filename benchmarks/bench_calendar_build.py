"""Building the working-day calendar (issue 11, start-up): ``WorkCalendar()``.

Opening the console builds ``WorkCalendar(store.schedules.stored())``: a table
of every day from 2004-01-01 to the end of this year.  Part of the work is
kept per process (chinese-calendar's years), so each measurement runs in a
fresh interpreter and times, after the module is imported:

* ``first``  — the first ``WorkCalendar()`` in the process (what a launch pays);
* ``second`` — another one in the same process (the store rebuilding it after a
  schedule was loaded, a worker connection's own calendar).

for three subjects, round-robin so the machine's changing load falls on all
alike:

* (a) ``after``  — ``xzconsole/workdays.py`` of this tree;
* (b) ``before`` — the same file at ``--before-ref`` (default ``a5a091f``, the
  commit before the calendar was built a year at a time), read with
  ``git show`` and loaded with importlib under another name;
* (c) ``floor``  — a plain list of the same days' ``date`` objects, built from
  their ordinals: the least any day-per-entry table could cost.

Prints the medians of ``--runs`` runs in ms and the ratios (a)/(c), (b)/(c)
and (b)/(a).  Usage::

    python3 benchmarks/bench_calendar_build.py --runs 15
    python3 benchmarks/bench_calendar_build.py --runs 15 --before-ref main
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# runs in the fresh interpreter: argv = subject, path of the module file (or "")
CHILD = r"""
import datetime as dt, importlib.util, json, sys, time
subject, path = sys.argv[1], sys.argv[2]
if subject == "floor":
    lo, hi = dt.date(2004, 1, 1).toordinal(), dt.date(dt.date.today().year + 1, 1, 1).toordinal()
    def build():
        return [dt.date.fromordinal(o) for o in range(lo, hi)]
else:
    if path:
        spec = importlib.util.spec_from_file_location("workdays_before", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["workdays_before"] = module
        spec.loader.exec_module(module)
    else:
        import xzconsole.workdays as module
    build = module.WorkCalendar
t0 = time.perf_counter()
first = build()
t1 = time.perf_counter()
build()
t2 = time.perf_counter()
days = len(first) if isinstance(first, list) else len(first._workday)
print(json.dumps({"first": (t1 - t0) * 1e3, "second": (t2 - t1) * 1e3, "days": days}))
"""


def measure(subject: str, path: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, subject, path], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--before-ref", default="a5a091f", help="git revision whose workdays.py is (b)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "workdays_before.py"
        text = subprocess.run(["git", "show", f"{args.before_ref}:xzconsole/workdays.py"], cwd=ROOT,
                              check=True, capture_output=True, text=True).stdout
        before.write_text(text, encoding="utf-8")
        subjects = {"after": "", "before": str(before), "floor": ""}
        results: dict[str, list[dict[str, float]]] = {s: [] for s in subjects}
        for _ in range(args.runs):
            for subject, path in subjects.items():
                results[subject].append(measure(subject if subject == "floor" else "calendar", path))

    days = {int(r["days"]) for rs in results.values() for r in rs}
    if len(days) != 1:
        sys.exit(f"the subjects built tables of different lengths: {sorted(days)}")
    med = {s: {k: statistics.median(r[k] for r in rs) for k in ("first", "second")} for s, rs in results.items()}
    print(f"WorkCalendar() over {days.pop():,} days, medians of {args.runs} fresh processes "
          f"(before = {args.before_ref})")
    label = {"after": "(a) after ", "before": "(b) before", "floor": "(c) floor: list of the days' dates"}
    for key in ("first", "second"):
        print(f"-- {key} build in the process")
        for s in ("after", "before", "floor"):
            print(f"  {label[s]:<36} {med[s][key]:8.3f} ms")
        a, b, c = med["after"][key], med["before"][key], med["floor"][key]
        print(f"  (a)/(c) = {a / c:.2f}   (b)/(c) = {b / c:.2f}   (b)/(a) = {b / a:.1f}× faster")


if __name__ == "__main__":
    main()
