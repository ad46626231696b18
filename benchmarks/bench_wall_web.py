"""The web wall at 1,000,000 tickets: 50 pages on one server, a commit, the last page updated.

On the demo database (``--db``; built with ``xzconsole.demo.build_demo`` when
missing), in one run:

* baseline, in this process: the snapshot computation alone
  (:func:`xzconsole.web.snapshot.compute_wall_snapshot` plus its JSON), median
  over ``--runs`` on one persistent store, as the server keeps it; and one
  ``PRAGMA data_version`` poll;
* ``xzconsole wall --web`` started as its own process; ``--pages`` event
  streams (plain HTTP clients reading server-sent events and parsing every
  snapshot, as a page does) and ``--browsers`` real pages in headless
  Chromium connected at once;
* ``--commits`` times: another connection (this process) commits one reply to
  a red ticket of 市人社局, and every client waits for the snapshot whose red
  count went down by one — the time from the commit to the first and to the
  last page updated; medians, and the ratio to the snapshot computation;
* the server's CPU (from ``/proc/PID/stat``) idle with the pages connected and
  per commit, and its memory (VmRSS; VmHWM the peak).

Usage::

    python3 benchmarks/bench_wall_web.py --db benchmarks/out/big.db
    python3 benchmarks/bench_wall_web.py --db benchmarks/out/big.db --browsers 3
    python3 benchmarks/bench_wall_web.py --db /tmp/small.db --tickets 20000   # builds a small one
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole.clock import Clock
from xzconsole.store import ChangeWatcher, Store
from xzconsole.web.snapshot import compute_wall_snapshot, snapshot_json

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TICK = os.sysconf("SC_CLK_TCK")


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Page:
    """One connected page: the red count of the latest snapshot and when it arrived."""

    def __init__(self) -> None:
        self.red: int | None = None
        self.arrived = 0.0
        self.snapshots = 0
        self.changed = asyncio.Event()


async def sse_page(session: Any, url: str, page: Page) -> None:
    """Read the event stream like a page does: every snapshot parsed in full."""
    async with session.get(url + "events") as resp:
        event = ""
        async for raw in resp.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "snapshot":
                data = json.loads(line[6:])
                page.red = data["levels"][0]["count"]
                page.arrived = time.monotonic()
                page.snapshots += 1
                page.changed.set()


async def browser_pages(url: str, n: int, pages: list[Page], stop: asyncio.Event) -> None:
    """``n`` real pages in headless Chromium; their red count read from the DOM every 10 ms."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS, headless=True)
        tabs = []
        for _ in range(n):
            tab = await browser.new_page(viewport={"width": 1920, "height": 1080})
            await tab.goto(url)
            tabs.append(tab)
        while not stop.is_set():
            for tab, page in zip(tabs, pages):
                text = await tab.evaluate("document.querySelector('#level-red .count').textContent")
                value = int(text.replace(",", "")) if text and text[0].isdigit() else None
                if value != page.red:
                    page.red, page.arrived = value, time.monotonic()
                    page.snapshots += 1
            await asyncio.sleep(0.01)
        await browser.close()


async def wait_all(pages: list[Page], red: int, timeout: float) -> list[float]:
    deadline = time.monotonic() + timeout
    while any(p.red != red for p in pages):
        if time.monotonic() > deadline:
            missing = sum(p.red != red for p in pages)
            raise SystemExit(f"{missing} pages did not show red = {red} within {timeout} s")
        await asyncio.sleep(0.005)
    return [p.arrived for p in pages]


async def measure(args: argparse.Namespace, db: Path, login: str, liaison: Any, red_ids: list[int]) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "wall", "--web", f"127.0.0.1:{port}",
                             "--db", str(db), "--as", login], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    import aiohttp

    out: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=None)) as session:
            t0 = time.monotonic()
            while True:
                try:
                    async with session.get(url + "healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if proc.poll() is not None or time.monotonic() - t0 > 120:
                    raise SystemExit(f"the server did not start: {proc.stderr.read() if proc.stderr else ''}")
                await asyncio.sleep(0.1)
            out["start_s"] = time.monotonic() - t0
            await asyncio.sleep(2)
            out["mem_alone"] = memory_mb(proc.pid)
            c0 = cpu_seconds(proc.pid)
            await asyncio.sleep(args.idle)
            out["cpu_idle_alone"] = (cpu_seconds(proc.pid) - c0) / args.idle

            pages = [Page() for _ in range(args.pages)]
            tasks = [asyncio.create_task(sse_page(session, url, p)) for p in pages]
            stop = asyncio.Event()
            real = [Page() for _ in range(args.browsers)]
            if args.browsers:
                tasks.append(asyncio.create_task(browser_pages(url, args.browsers, real, stop)))
            every = pages + real
            t0 = time.monotonic()
            while any(p.red is None for p in every):
                if time.monotonic() - t0 > 120:
                    raise SystemExit("pages did not all get a first snapshot within 120 s")
                await asyncio.sleep(0.05)
            out["connect_all_s"] = time.monotonic() - t0
            await asyncio.sleep(2)
            out["mem_pages"] = memory_mb(proc.pid)
            c0 = cpu_seconds(proc.pid)
            await asyncio.sleep(args.idle)
            out["cpu_idle_pages"] = (cpu_seconds(proc.pid) - c0) / args.idle

            writer = Store(db, Clock(), migrate=False)
            rng = random.Random(17)
            first, last, sse_last, browser_last, cpu = [], [], [], [], []
            try:
                for tid in red_ids[:args.commits]:
                    red = every[0].red
                    assert red is not None
                    c0 = cpu_seconds(proc.pid)
                    writer.reply(liaison, tid, "已答复（基准测试）")
                    committed = time.monotonic()
                    arrived = await wait_all(every, red - 1, timeout=30)
                    first.append(min(arrived) - committed)
                    last.append(max(arrived) - committed)
                    sse_last.append(max(p.arrived for p in pages) - committed)
                    if real:
                        browser_last.append(max(p.arrived for p in real) - committed)
                    # let the server settle; the random part keeps commits from locking onto the
                    # server's poll phase (a fixed pause made every commit land just after a poll)
                    await asyncio.sleep(1.5 + rng.uniform(0, 0.5))
                    cpu.append(cpu_seconds(proc.pid) - c0)
            finally:
                writer.disconnect()
            out.update(first=first, last=last, sse_last=sse_last, browser_last=browser_last, cpu_commit=cpu)
            out["mem_end"] = memory_mb(proc.pid)
            out["snapshots_per_page"] = statistics.median(p.snapshots for p in pages)
            stop.set()
            for t in tasks:
                if not t.done():
                    t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="benchmarks/out/big.db")
    ap.add_argument("--tickets", type=int, default=1_000_000, help="size when the database must be built")
    ap.add_argument("--pages", type=int, default=50, help="event-stream clients (default 50)")
    ap.add_argument("--browsers", type=int, default=0, help="real pages in headless Chromium besides them")
    ap.add_argument("--commits", type=int, default=15)
    ap.add_argument("--runs", type=int, default=7, help="runs of the baseline snapshot")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    ap.add_argument("--login", default="demo_clerk", help="the identity the wall runs as (--as, demo only)")
    ap.add_argument("--liaison", default="demo_rsj", help="the liaison whose red tickets get replies")
    args = ap.parse_args()

    db = Path(args.db)
    if not db.exists():
        from xzconsole.demo import build_demo

        db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {db} with {args.tickets:,} tickets …", flush=True)
        build_demo(str(db), args.tickets)
    # the replies change the database: work on a copy, so reruns see the same data
    work = Path(tempfile.mkdtemp(prefix="bench-wall-")) / "wall.db"
    src = Store(db, migrate=False)
    src.backup_to(work)
    src.disconnect()

    store = Store(work, Clock(), migrate=False)
    now = store.now()
    actor = store.staff.get(args.login)
    liaison = store.staff.get(args.liaison)
    total = store.q1("SELECT count(*) FROM tickets")[0]  # type: ignore[index]
    version = store.data_version()
    snap = compute_wall_snapshot(store, actor, now, version)
    payload = json.dumps(snapshot_json(snap), ensure_ascii=False)
    baseline = median_ms(lambda: json.dumps(snapshot_json(compute_wall_snapshot(store, actor, now, version)),
                                            ensure_ascii=False), args.runs)
    watcher = ChangeWatcher(work)
    n = 20000
    t0 = time.perf_counter()
    for _ in range(n):
        watcher.version()
    poll_us = (time.perf_counter() - t0) / n * 1e6
    watcher.close()
    # red tickets the liaison can answer in one action (a reply needs a signed ticket)
    red_ids = [w["id"] for w in store.warnings.warned_tickets(liaison, now) if w["level"] == "red" and w["status"] == "signed"]
    store.disconnect()
    if len(red_ids) < args.commits:
        raise SystemExit(f"{args.liaison} has only {len(red_ids)} red tickets; fewer --commits please")

    r = asyncio.run(measure(args, work, args.login, liaison, red_ids))
    for p in work.parent.glob("wall.db*"):
        p.unlink()
    work.parent.rmdir()

    def med(xs: list[float]) -> float:
        return statistics.median(xs) * 1000

    print(f"database: {db} · {total:,} tickets · red {snap.levels[max(snap.levels)]:,} · warned "
          f"{snap.warned_total:,} · now {now:%Y-%m-%d %H:%M} · snapshot JSON {len(payload.encode()) / 1024:.1f} KiB")
    print(f"pages: {args.pages} event streams + {args.browsers} Chromium pages on one server · "
          f"{args.commits} commits · poll every 0.5 s")
    print(f"(a) baseline: snapshot computation + JSON, in-process     {baseline:8.1f} ms")
    print(f"(b) one PRAGMA data_version poll                          {poll_us:8.1f} µs")
    print(f"(c) commit → first page updated (median)                  {med(r['first']):8.1f} ms   (c)/(a) = "
          f"{med(r['first']) / baseline:.2f}")
    print(f"(d) commit → last page updated (median)                   {med(r['last']):8.1f} ms   (d)/(a) = "
          f"{med(r['last']) / baseline:.2f}   max {max(r['last']) * 1000:.0f} ms")
    if r["browser_last"]:
        print(f"    of which: last event stream {med(r['sse_last']):.1f} ms · last Chromium page "
              f"{med(r['browser_last']):.1f} ms (DOM polled every 10 ms)")
    print(f"    (d) − (c), the fan-out to all pages                   {med(r['last']) - med(r['first']):8.1f} ms")
    expected = 250.0 + baseline  # a commit waits on average half a poll (0.5 s) to be seen
    print(f"    by design ≈ half a poll (250 ms) + (a) = {expected:.0f} ms   (d)/that = {med(r['last']) / expected:.2f}")
    print("    all runs (ms): last " + ", ".join(f"{x * 1000:.0f}" for x in r["last"]))
    print(f"server: started in {r['start_s']:.1f} s (first snapshot included) · {len(r['last'])} commits")
    print(f"    CPU idle, no page        {r['cpu_idle_alone'] * 100:6.1f} % of one core")
    print(f"    CPU idle, all pages      {r['cpu_idle_pages'] * 100:6.1f} % of one core (heartbeats, polls)")
    print(f"    CPU per commit           {statistics.median(r['cpu_commit']) * 1000:6.0f} ms (median; snapshot + "
          f"{args.pages + args.browsers} sends, over the commit's ≈ 2 s)")
    print(f"    memory: alone {r['mem_alone']['VmRSS']:.0f} MiB · with pages {r['mem_pages']['VmRSS']:.0f} MiB · "
          f"end {r['mem_end']['VmRSS']:.0f} MiB · peak {r['mem_end']['VmHWM']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
