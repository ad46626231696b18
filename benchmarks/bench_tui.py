"""Benchmark the console's queue headless, against a minimal Textual app.

Every measurement runs in a fresh subprocess (so start-up imports and peak
memory — ``ru_maxrss`` — are its own), several times; medians are printed
with ratios against baselines measured in the same run:

* start-up: launch → first queue page shown, vs. a minimal app showing an
  empty DataTable (aim: ≤ 1.5× in time and in peak memory); and, to tell
  the console's own cost from what drawing rows costs Textual, vs. the same
  minimal app showing a page of 50 rows × 9 Chinese cells (informative);
* paging: one page change at page 1 and at page 400 (aim: page 400 ≤ 1.2×
  page 1) vs. a bare DataTable swapping in 100 rows (aim: ≤ 1.2×);
* a filter change (appeal type) and a search (content substring, a worker),
  each until the rows are shown; the tab counts (a worker) separately
  (aim: ≤ 300 ms);
* each place key F3–F11, delivered as the terminal delivers it, until its
  screen is mounted and painted (aim: ≤ 150 ms; the place's own rows may
  follow from a worker).

Usage::

    python3 -c "from xzconsole.demo import build_demo; build_demo('benchmarks/out/big.db', 1000000)"
    python3 benchmarks/bench_tui.py --db benchmarks/out/big.db [--runs 5] [--login demo_clerk]

Without ``--db`` a small synthetic database is built in benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# -- the child programs: each prints one JSON object on its last line ---------

_COMMON = """
import time, resource, json, sys, asyncio
T0 = time.perf_counter()
sys.path.insert(0, {root!r})
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

async def refreshed(app):
    # the screen has been refreshed with what was just changed.  (Pilot.pause()
    # is no timer: it waits until the *process* is idle, up to a second, so a
    # count running in a worker thread would be charged to the page.)
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()
"""

MINIMAL = _COMMON + """
from textual.app import App
from textual.widgets import DataTable, Footer
from rich.text import Text

PAINTED = {{}}

class Minimal(App):
    def compose(self):
        yield DataTable(id="t")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(lambda: PAINTED.setdefault("t", time.perf_counter() - T0))

async def main():
    app = Minimal()
    out = {{}}
    async with app.run_test(size=(120, 40)) as pilot:
        while "t" not in PAINTED:
            await pilot.pause(0.001)
        out["start_s"] = PAINTED["t"]
        out["start_rss_mb"] = rss_mb()
        table = app.query_one(DataTable)
        for c in ("a", "b", "c", "d", "e", "f", "g", "h", "i"):
            table.add_column(c, width=12, key=c)
        rows = [[Text(f"行{{r}}列{{c}}内容") for c in range(9)] for r in range(100)]
        swaps = []
        for i in range(30):
            t = time.perf_counter()
            with app.batch_update():
                table.clear()
                for r, cells in enumerate(rows):
                    table.add_row(*cells, key=str(i * 1000 + r))
            await refreshed(app)
            swaps.append(time.perf_counter() - t)
        out["swap100_s"] = sorted(swaps)[len(swaps) // 2]
    print(json.dumps(out))

asyncio.run(main())
"""

# the same minimal app showing a page of 50 rows × 9 Chinese cells from its
# on_mount: what drawing a page costs Textual itself (a second, informative
# baseline; the aim stays against the empty table)
MINIMAL_PAGE = _COMMON + """
from textual.app import App
from textual.widgets import DataTable, Footer
from rich.text import Text

PAINTED = {{}}

class MinimalPage(App):
    def compose(self):
        yield DataTable(id="t")
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        for c in range(9):
            table.add_column(f"列{{c}}", width=12, key=str(c))
        for r in range(50):
            table.add_row(*[Text(f"徐州{{r}}号企业{{c}}") for c in range(9)], key=str(r))
        self.call_after_refresh(lambda: PAINTED.setdefault("t", time.perf_counter() - T0))

async def main():
    app = MinimalPage()
    async with app.run_test(size=(120, 40)) as pilot:
        while "t" not in PAINTED:
            await pilot.pause(0.001)
        print(json.dumps({{"start_s": PAINTED["t"], "start_rss_mb": rss_mb()}}))

asyncio.run(main())
"""

CONSOLE = _COMMON + """
import datetime as dt
from textual import events
from xzconsole.app import XzApp, calm_gc, lighten_imports
from xzconsole.clock import FixedClock

lighten_imports()  # as run_console does before the app starts
calm_gc()
PAGES = {pages}
PLACE_KEYS = [("f3", "WarningsScreen"), ("f4", "PolicyLibraryScreen"), ("f5", "KnowledgeScreen"),
              ("f6", "AssessmentScreen"), ("f7", "CalendarScreen"), ("f8", "CollectionScreen"),
              ("f9", "DirectoryScreen"), ("f10", "AssociationsScreen"), ("f11", "OutreachScreen")]

# the first page counts as shown when the table holds it and the screen has
# been refreshed with it (the same "painted" point as the minimal app's)
from xzconsole.widgets.ticket_table import TicketTable
_show = TicketTable.show
PAINTED = {{}}

def show(self, *a, **k):
    _show(self, *a, **k)
    if "t" not in PAINTED and self.row_count:
        self.app.call_after_refresh(lambda: PAINTED.setdefault("t", time.perf_counter() - T0))

TicketTable.show = show

async def settle(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()

async def main():
    app = XzApp({db!r}, {login!r}, FixedClock({now!r}))
    out = {{}}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        from xzconsole.screens.queue import QueueScreen
        while "t" not in PAINTED:
            await pilot.pause(0.001)
        out["start_s"] = PAINTED["t"]
        out["start_rss_mb"] = rss_mb()
        q = app.screen
        heavy = [m for m in ("openpyxl", "holidays", "numpy", "pydantic", "xzconsole.services.reports") if sys.modules.get(m)]
        out["heavy_modules_at_start"] = heavy
        if {start_only!r}:
            print(json.dumps(out))
            return
        t = time.perf_counter()
        await app.workers.wait_for_complete()
        await pilot.pause()
        out["counts_s"] = time.perf_counter() - t
        q.select_tab("tab-all")
        await settle(pilot)

        async def loaded():
            # pages are read in a worker: wait for its answer, then the repaint
            while q.loading:
                await asyncio.sleep(0.0002)
            await refreshed(app)

        async def page_change(forward=True):
            t = time.perf_counter()
            (q.action_next_page if forward else q.action_previous_page)()
            await loaded()
            return time.perf_counter() - t

        async def counted():
            # the counts are shown: the tab labels and the status line's total
            # (not settle(): Pilot.pause() waits for the whole process to idle)
            while q.total is None:
                await asyncio.sleep(0.0002)
            await refreshed(app)

        early = [await page_change() for _ in range(10)]
        out["page_early_s"] = sorted(early)[len(early) // 2]
        while q.page_number < PAGES and q.next_key is not None:
            q.action_next_page()
            while q.loading:
                await asyncio.sleep(0.0002)
        await pilot.pause()
        out["reached_page"] = q.page_number
        deep = [await page_change() for _ in range(10)]
        out["page_deep_s"] = sorted(deep)[len(deep) // 2]
        out["back_s"] = await page_change(False)

        t = time.perf_counter()
        from xzconsole.screens.queue_filters import QueueFilters
        q.filters = QueueFilters(appeal_type="complaint")
        q.reload(counts=True)
        await loaded()
        out["filter_s"] = time.perf_counter() - t
        await counted()
        out["filter_counts_s"] = time.perf_counter() - t
        await settle(pilot)

        q.filters = QueueFilters()
        q.reload(counts=False)
        await settle(pilot)
        t = time.perf_counter()
        q.apply_search({search!r})
        while q.searching:
            await asyncio.sleep(0.0002)
        await refreshed(app)
        out["search_page_s"] = time.perf_counter() - t
        out["search_rows"] = len(q.table.tickets)
        await counted()
        out["search_counts_s"] = time.perf_counter() - t
        await settle(pilot)
        q.apply_search("")
        await settle(pilot)

        # a place key: pressed until the place's screen is mounted and painted
        # (its own data may follow from a worker); then F2 back to the queue.
        # The key is delivered as the terminal driver delivers it: Pilot.press()
        # would go on to wait until the whole *process* is idle — while the
        # place's worker reads its rows, or a screen repaints a live clock, up
        # to a second that the person at the keyboard does not wait for.
        places = {{}}
        for key, place in PLACE_KEYS:
            t = time.perf_counter()
            app.post_message(events.Key(key, None))
            while type(app.screen).__name__ != place or not app.screen.is_mounted:
                await asyncio.sleep(0.0002)
            await refreshed(app)
            places[key] = time.perf_counter() - t
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
        out["places_s"] = places
        out["end_rss_mb"] = rss_mb()
    print(json.dumps(out))

asyncio.run(main())
"""


def run_child(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    return statistics.median(values)


def build_small(path: Path, n: int) -> None:
    from xzconsole.clock import FixedClock
    from xzconsole.demo import build_demo

    build_demo(str(path), n, FixedClock("2026-11-26T09:30:00+08:00").now())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database to open (default: build a small demo one)")
    ap.add_argument("--small", type=int, default=20000, help="tickets in the synthetic database without --db")
    ap.add_argument("--login", default="demo_clerk")
    ap.add_argument("--now", default="2026-11-26T09:30:00+08:00")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--search", default="路灯")
    ap.add_argument("--start-only", action="store_true",
                    help="measure only the launch (both apps), not paging, filters, search or place keys")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not compile xzconsole's bytecode first (measure a launch that compiles every module)")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    db = a.db
    if not db:
        out = ROOT / "benchmarks" / "out"
        out.mkdir(parents=True, exist_ok=True)
        db = str(out / f"small-{a.small}.db")
        if not Path(db).exists():
            print(f"building {db} ({a.small} tickets)…", flush=True)
            build_small(Path(db), a.small)
    db = str(Path(db).resolve())
    if not a.no_compile:
        # as installed (pip writes the bytecode): without this, an environment
        # with PYTHONDONTWRITEBYTECODE set compiles every module of the console
        # at every launch (Textual's own are compiled in site-packages)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xzconsole")], check=True)
    minimal, minimal_page, console = [], [], []
    for i in range(a.runs):
        minimal.append(run_child(MINIMAL.format(root=str(ROOT))))
        minimal_page.append(run_child(MINIMAL_PAGE.format(root=str(ROOT))))
        console.append(run_child(CONSOLE.format(root=str(ROOT), db=db, login=a.login, now=a.now, pages=a.pages,
                                                search=a.search, start_only=a.start_only)))
        print(f"run {i + 1}/{a.runs} done", file=sys.stderr, flush=True)

    def m(rows: list[dict], key: str) -> float:
        return median([r[key] for r in rows])

    ms = lambda s: f"{s * 1000:8.1f} ms"  # noqa: E731
    base_start, base_rss, base_swap = m(minimal, "start_s"), m(minimal, "start_rss_mb"), m(minimal, "swap100_s")
    start, rss = m(console, "start_s"), m(console, "start_rss_mb")
    print(f"database: {db}  runs: {a.runs}  (medians)  bytecode: {'as found' if a.no_compile else 'compiled first'}")
    print(f"heavy modules imported at start-up: {console[-1]['heavy_modules_at_start'] or 'none'}")
    print(f"{'minimal app: launch → empty DataTable':45}{ms(base_start)}   peak {base_rss:7.1f} MB")
    print(f"{'console: launch → first queue page':45}{ms(start)}   peak {rss:7.1f} MB")
    print(f"{'  ratio (aim ≤ 1.5)':45}{start / base_start:8.2f} ×     {rss / base_rss:7.2f} ×")
    page_start, page_rss = m(minimal_page, "start_s"), m(minimal_page, "start_rss_mb")
    print(f"{'minimal app: launch → a page of 50 rows':45}{ms(page_start)}   peak {page_rss:7.1f} MB"
          f"   (console / this {start / page_start:4.2f} ×)")
    print(f"{'bare DataTable: swap 100 rows':45}{ms(base_swap)}")
    if a.start_only:
        return 0
    early, deep = m(console, "page_early_s"), m(console, "page_deep_s")
    print(f"{'console: page change near page 1':45}{ms(early)}   ratio to bare swap {early / base_swap:5.2f} × (aim ≤ 1.2)")
    print(f"{'console: page change at page ' + str(console[-1]['reached_page']):45}{ms(deep)}   ratio to page 1 {deep / early:5.2f} × (aim ≤ 1.2)")
    print(f"{'console: page back (from the key stack)':45}{ms(m(console, 'back_s'))}")
    print(f"{'console: filter change → rows shown':45}{ms(m(console, 'filter_s'))}")
    print(f"{'console: filter change → tab counts (worker)':45}{ms(m(console, 'filter_counts_s'))}")
    print(f"{'console: tab counts at start (worker)':45}{ms(m(console, 'counts_s'))}")
    print(f"{'console: search ' + repr(a.search) + ' → rows (worker)':45}{ms(m(console, 'search_page_s'))}   rows {console[-1]['search_rows']}")
    print(f"{'console: search → count (worker)':45}{ms(m(console, 'search_counts_s'))}")
    for key in console[-1]["places_s"]:
        t = median([r["places_s"][key] for r in console])
        print(f"{'console: place key ' + key.upper() + ' → screen usable':45}{ms(t)}   (aim ≤ 150 ms)")
    print(f"{'console: peak memory at the end':45}{m(console, 'end_rss_mb'):8.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
