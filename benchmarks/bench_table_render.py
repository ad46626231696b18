"""The first frame of a page of the queue's table: JumpTable's drawing against DataTable's.

Each run is a fresh process (as at launch: nothing cached yet) showing, headless
at 120×40, one table of 50 rows × 9 Chinese text cells (as the queue's
TicketTable: fixed column widths, zebra stripes, a row cursor, names cut with
"…") — a JumpTable, a JumpTable drawing only its cells itself (its rows and
lines DataTable's: the drawing before its rows were its own), or a plain
DataTable with the same rows.  It times the
table's ``render_lines`` during the first full frame, and, apart, the garbage
collector's pauses that fell inside it (a collection lands wherever the
allocations reach its threshold).  The three kinds alternate; medians of
``--runs`` each and their ratio.

    python3 benchmarks/bench_table_render.py --runs 9
    python3 benchmarks/bench_table_render.py --runs 9 --app benchmarks/out/big.db

With ``--app DB`` the table is the console's own queue (``demo_clerk`` on a
demo database, the clock at Thursday 2026-11-26 09:30), its TicketTable
drawn each of the three ways.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r'''
import asyncio, gc, json, sys, time
from rich.text import Text
from textual.app import App
from textual._compositor import Compositor
from textual.widgets import DataTable
from xzconsole.widgets.jump_table import JumpTable

kind, db = sys.argv[1], sys.argv[2]
WIDTHS = [1, 10, 15, 11, 8, 22, 6, 14, 10]
NAMES = ["徐州市铜山区某某新材料科技有限公司", "江苏兴光酒店管理有限公司", "睢宁县盛越重工机械有限公司",
         "邳州市佳源信新能源科技有限公司", "徐州乐越网络科技有限公司"]
DEPARTMENTS = ["市人社局", "市税务局", "人民银行徐州市分行", "市市场监管局"]


def row(i):
    name = Text(NAMES[i % len(NAMES)], no_wrap=True, overflow="ellipsis")
    department = Text(DEPARTMENTS[i % len(DEPARTMENTS)], no_wrap=True, overflow="ellipsis")
    badge = Text(["", "● 黄色", "● 橙色", "● 红色"][i % 4], style=["", "yellow", "#ff8800", "bold red"][i % 4])
    return [Text("*" if i % 7 == 0 else " ", style="bold"), badge, Text(f"XZ2026112{i:06d}"), Text("11-26 09:30"),
            Text("咨询"), name, Text("已签收"), department, Text("12-07")]


class CellsOnly(JumpTable):
    """JumpTable with only its cell drawing (DataTable's rows and lines)."""
    render_line = DataTable.render_line
    _render_line = DataTable._render_line
    _render_line_in_row = DataTable._render_line_in_row


class Page(App[None]):
    def compose(self):
        table = {"jump": JumpTable, "cells": CellsOnly, "plain": DataTable}[kind](cursor_type="row", zebra_stripes=True)
        for c, w in enumerate(WIDTHS):
            table.add_column(f"列{c}", width=w, key=str(c))
        for i in range(50):
            table.add_row(*row(i), key=str(i))
        yield table


state = {"in_frame": False, "render": None, "gc": 0.0, "gc_start": 0.0, "timing": False}


def on_gc(phase, info):
    if phase == "start":
        state["gc_start"] = time.perf_counter()
    elif state["timing"]:
        state["gc"] += time.perf_counter() - state["gc_start"]


gc.callbacks.append(on_gc)
render_lines = DataTable.render_lines


def timed(self, crop):
    if not state["in_frame"] or state["render"] is not None:
        return render_lines(self, crop)
    state["timing"] = True
    start = time.perf_counter()
    try:
        return render_lines(self, crop)
    finally:
        state["render"] = time.perf_counter() - start
        state["timing"] = False


full_update = Compositor.render_full_update


def frame(self, *args, **kwargs):
    state["in_frame"] = True
    try:
        return full_update(self, *args, **kwargs)
    finally:
        state["in_frame"] = False


DataTable.render_lines = timed
Compositor.render_full_update = frame


def queue_app():
    """The console on ``db``, its queue's TicketTable drawn the chosen way."""
    from xzconsole.app import XzApp
    from xzconsole.clock import FixedClock
    from xzconsole.widgets.ticket_table import TicketTable
    if kind != "jump":
        for name in ("render_line", "_render_line", "_render_line_in_row") + (
                ("render_lines", "_render_cell", "_get_row_style") if kind == "plain" else ()):
            setattr(TicketTable, name, getattr(DataTable, name))
    return XzApp(db, "demo_clerk", FixedClock("2026-11-26T09:30:00+08:00"))


async def main():
    async with (queue_app() if db else Page()).run_test(size=(120, 40)) as pilot:
        await pilot.pause()


asyncio.run(main())
print(json.dumps({"render": state["render"] * 1000, "gc": state["gc"] * 1000}))
'''


def run(kind: str, db: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, db], check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--app", metavar="DB", default="",
                        help="time the console's queue on this database (read only) instead of the synthetic page")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"jump": [], "cells": [], "plain": []}
    for _ in range(args.runs):
        for kind in results:
            results[kind].append(run(kind, args.app))
    medians = {}
    for kind, label in (("plain", "DataTable"), ("cells", "cells only"), ("jump", "JumpTable")):
        total = statistics.median(r["render"] for r in results[kind])
        work = statistics.median(r["render"] - r["gc"] for r in results[kind])
        gc_ms = statistics.median(r["gc"] for r in results[kind])
        medians[kind] = (total, work)
        print(f"{label:10} first-frame render_lines {total:6.2f} ms  without GC pauses {work:6.2f} ms"
              f"  (GC {gc_ms:.2f} ms)  [{args.runs} fresh processes]")
    for kind, label in (("cells", "cells only"), ("jump", "JumpTable")):
        print(f"{label} / DataTable: {medians[kind][0] / medians['plain'][0]:.2f} "
              f"(without GC pauses {medians[kind][1] / medians['plain'][1]:.2f})")


if __name__ == "__main__":
    main()
