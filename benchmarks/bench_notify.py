"""Benchmark: ``notify run --once`` over 50,000 open tickets with 2,000 due events.

    python3 benchmarks/bench_notify.py                 # 50,000 open, 2,000 due events, temp dir
    python3 benchmarks/bench_notify.py --runs 5

Builds a fresh store (inserting rows straight into the table) with ``--open``
open tickets at the real departments, of which ``--events`` have an event due
as of Thursday 2026-11-26 10:00: half past their due date (yellow, orange and
red), a quarter due today, a quarter dispatched three working days ago and
still unsigned; the others are signed and not yet due.  Routes: one for the
supervisors (every event) and one per department (every event of its
tickets), all pointing at a local HTTP server in another process
(``json://127.0.0.1:PORT/…``), so every event is two outbox rows.

Each run starts from an empty outbox (a copy of the built database) and
times, in the ``notify run --once`` code path (:func:`services.notify.run_once`):

* first pass — compute every event, queue 2 × events messages, send them
  (digests of up to ten per route) and record the outcomes;
* second pass — the same moment again: compute, find nothing new, send nothing;

and checks the server received every message once.  Medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole.areas.loader import TICKET_COLUMNS  # noqa: E402
from xzconsole.clock import FixedClock, parse_datetime  # noqa: E402
from xzconsole.services import notify  # noqa: E402
from xzconsole.store import Store  # noqa: E402

NOW = "2026-11-26T10:00:00+08:00"  # a Thursday

SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
seen = {"posts": 0, "tickets": 0}
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        seen["posts"] += 1
        seen["tickets"] += body["message"].count("工单编号：")
        self.send_response(200); self.end_headers()
    def do_GET(self):
        data = json.dumps(seen).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
        seen["posts"] = seen["tickets"] = 0
    def log_message(self, *a): pass
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def build(path: Path, n_open: int, n_events: int) -> None:
    clock = FixedClock(parse_datetime(NOW))
    store = Store(path, clock)
    store.load_reference_data()
    admin = store.staff.add(None, "bench_admin", "admin")
    cal = store.calendar()
    today = dt.date.fromisoformat(NOW[:10])
    depts = [d.stored_id for d in store.departments()]

    def back(k: int) -> dt.date:
        d = today
        for _ in range(k):
            d -= dt.timedelta(days=1)
            while not cal.is_workday(d):
                d -= dt.timedelta(days=1)
        return d

    col = {c: i for i, c in enumerate(TICKET_COLUMNS)}
    rows = []
    for i in range(1, n_open + 1):
        row: list[object] = [None] * len(TICKET_COLUMNS)
        kind = "signed"
        if i <= n_events // 2:
            due = back(1 + i % 8)  # 1…8 working days over: yellow, orange and red
        elif i <= n_events * 3 // 4:
            due = today
        elif i <= n_events:
            due, kind = cal.add_workdays(today, 2), "dispatched"
        else:
            due = cal.add_workdays(today, 1 + i % 4)
        dispatched = back(3) if kind == "dispatched" else back(2)
        for k in ("extension_days", "due_provisional", "direct_answer", "followup_count", "unreachable_count",
                  "reopen_count", "return_count", "max_level"):
            row[col[k]] = 0
        row[col["id"]] = i
        row[col["number"]] = f"BN{i:09d}"
        row[col["received_at"]] = f"{dispatched}T08:30:00+08:00"
        row[col["dispatched_at"]] = f"{dispatched}T09:00:00+08:00"
        row[col["signed_at"]] = None if kind == "dispatched" else f"{dispatched}T10:00:00+08:00"
        row[col["source"]] = "hotline"
        row[col["appeal_type"]] = "complaint"
        row[col["enterprise_name"]] = f"徐州测试{i}有限公司"
        row[col["contact_name"]] = row[col["contact_phone"]] = row[col["district"]] = ""
        row[col["title"]] = "稳岗返还未到账"
        row[col["content"]] = "诉求内容"
        row[col["status"]] = kind
        row[col["department_id"]] = depts[i % len(depts)]
        row[col["time_limit"]] = 5
        row[col["clock_start"]] = str(dispatched)
        row[col["due_date"]] = str(due)
        row[col["confidential"]] = int(i % 10 == 0)
        row[col["reply_text"]] = ""
        row[col["created_by"]] = row[col["updated_by"]] = "bench"
        row[col["version"]] = 1
        row[col["center"]] = "市企业服务中心"
        rows.append(tuple(row))
    with store.write() as c:
        c.executemany(f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) VALUES ({', '.join('?' * len(TICKET_COLUMNS))})",
                      rows)
    store.conn.execute("ANALYZE")
    store.disconnect()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--open", type=int, default=50_000)
    ap.add_argument("--events", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"json://127.0.0.1:{port}/xz"
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base.db"
            t0 = time.perf_counter()
            build(base, args.open, args.events)
            clock = FixedClock(parse_datetime(NOW))
            store = Store(base, clock)
            admin = store.staff.get("bench_admin")
            store.notify.add_route(admin, url + "/sup", "red,orange,yellow,unsigned,due_today,approval", role="supervisor")
            for d in store.departments():
                store.notify.add_route(admin, f"{url}/d{d.stored_id}", "red,orange,yellow,unsigned,due_today",
                                       department=d.stored_id)
            store.disconnect()
            print(f"built {args.open:,} open tickets, {args.events:,} with an event due, "
                  f"{1 + 67} routes in {time.perf_counter() - t0:.1f} s")
            firsts, seconds = [], []
            for r in range(args.runs):
                db = Path(tmp) / f"run{r}.db"
                shutil.copy(base, db)
                store = Store(db, FixedClock(parse_datetime(NOW)))
                t = time.perf_counter()
                res = notify.run_once(store)
                firsts.append(time.perf_counter() - t)
                t = time.perf_counter()
                again = notify.run_once(store)
                seconds.append(time.perf_counter() - t)
                store.disconnect()
                import urllib.request
                seen = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/").read())
                assert res.queued == res.sent == 2 * args.events and res.failed == 0, res
                assert again.queued == again.sent == 0
                assert seen["tickets"] == 2 * args.events, seen
                print(f"run {r + 1}: first pass {firsts[-1] * 1000:.0f} ms ({res.queued:,} queued, "
                      f"{seen['posts']:,} posts), second pass {seconds[-1] * 1000:.0f} ms (nothing new)")
            print(f"median first pass  {statistics.median(firsts) * 1000:8.0f} ms   (aim: < 2000 ms)")
            print(f"median second pass {statistics.median(seconds) * 1000:8.0f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
