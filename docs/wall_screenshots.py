"""Make the README's pictures of the wall page: docs/wall-1920x1080.png and docs/wall-1366x768.png.

A 20,000-ticket demo database on a fixed clock (Thursday 2026-11-26 10:30),
``xzconsole wall --web`` on it, a morning's activity committed from this
process while the page watches (市人社局 answers five red tickets; two old
appeals entered late are red at once, and marked 新), then headless Chromium
(the system's, as in the tests) at both sizes.

    python3 docs/wall_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xzconsole.clock import FixedClock, parse_datetime
from xzconsole.demo import build_demo
from xzconsole.models import TicketIntake
from xzconsole.store import Store

NOW = "2026-11-26T10:30:00+08:00"
SIZES = ((1920, 1080), (1366, 768))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--chromium", default=os.environ.get("XZCONSOLE_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="wall-shots-"))
    db = work / "demo.db"
    build_demo(str(db), 20_000, parse_datetime(NOW))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "wall", "--web", f"127.0.0.1:{port}",
                               "--db", str(db), "--now", NOW, "--as", "demo_clerk"],
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "healthz", timeout=1) as r:
                    if json.loads(r.read())["ok"]:
                        break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS, headless=True)
            page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
            page.goto(url)
            while page.evaluate("document.body.dataset.seq") == "0":
                time.sleep(0.1)
            store = Store(db, FixedClock(NOW), migrate=False)
            rsj = store.staff.get("demo_rsj")
            answerable = [w["id"] for w in store.warnings.warned_tickets(rsj, store.now())
                          if w["level"] == "red" and w["status"] == "signed"]
            for tid in answerable[:5]:
                store.tickets.reply(rsj, tid, "已答复")
                time.sleep(0.7)
            late = Store(db, FixedClock("2026-03-02T10:00:00+08:00"), migrate=False)
            clerk = late.staff("demo_clerk")
            for name in ("徐州市鼓楼区恒达机电设备有限公司", "邳州市银杏湾农产品专业合作社"):
                t = late.accept(clerk, TicketIntake(appeal_type="policy_consultation", enterprise_name=name,
                                                    content="补录的历史诉求"))
                late.dispatch(clerk, t.id, "市人社局")
                time.sleep(0.7)
            store.disconnect()
            late.disconnect()
            time.sleep(1.5)
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                time.sleep(0.8)
                path = Path(args.out) / f"wall-{width}x{height}.png"
                page.screenshot(path=str(path))
                print(path)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        for f in work.iterdir():
            f.unlink()
        work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
