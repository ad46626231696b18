"""The dataset and helpers shared by the web wall's tests (test_wall_web, test_wall_browser).

The clock is frozen on Thursday 2026-11-26 09:30, where, by construction:

* red 3: T1 (徐州云龙机械有限公司, 市人社局, 10 working days overdue), T8 (a
  confidential complaint: its enterprise must never reach the page) and T9
  (an enterprise whose name is an HTML tag: it must show as text);
* orange 1 (T6, 市税务局), yellow 1 (T7, 市人社局);
* due today 1 (T2), not signed within 1 working day 1 (T3), not dispatched by
  the end of the working day after intake 1 (T4).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from xzconsole.identity import current_login
from xzconsole.models import TicketIntake
from xzconsole.store import Store

NOW = "2026-11-26T09:30:00+08:00"
ROOT = Path(__file__).resolve().parent.parent
SECRET_NAME = "保密测试诉求企业有限公司"
HOSTILE_NAME = '<img src=x onerror="window.__xss=1">徐州<b>粗体</b>公司'
NEW_RED_NAME = "睢宁县鑫源塑业有限公司"


def _take(store: Store, staff: dict[str, Any], when: str, kind: str, name: str) -> int:
    store.clock.set(when)  # type: ignore[attr-defined]  # the fixture's FixedClock
    return store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name,
                                                     content=f"{name}的诉求内容")).id


def _dispatch(store: Store, staff: dict[str, Any], tid: int, when: str, dept: str = "市人社局",
              sign: bool = True) -> None:
    store.clock.set(when)  # type: ignore[attr-defined]
    store.tickets.dispatch(staff["clerk"], tid, dept)
    if sign:
        store.tickets.sign(staff["rsj" if dept == "市人社局" else "swj"], tid)


def build_wall_data(store: Store, staff: dict[str, Any]) -> dict[str, int]:
    """The dataset above; returns ticket ids by name (T1 … T9).  Also makes the
    login running the tests a staff member, as the wall server identifies it."""
    ids: dict[str, int] = {}
    ids["T1"] = _take(store, staff, "2026-11-09T09:00:00+08:00", "consultation", "徐州云龙机械有限公司")
    _dispatch(store, staff, ids["T1"], "2026-11-09T10:00:00+08:00")
    ids["T8"] = _take(store, staff, "2026-11-09T09:10:00+08:00", "complaint", SECRET_NAME)
    store.tickets.mark_confidential(staff["clerk"], ids["T8"])
    _dispatch(store, staff, ids["T8"], "2026-11-09T10:10:00+08:00", "市税务局")
    ids["T9"] = _take(store, staff, "2026-11-09T09:20:00+08:00", "complaint", HOSTILE_NAME)
    _dispatch(store, staff, ids["T9"], "2026-11-09T10:20:00+08:00")
    ids["T6"] = _take(store, staff, "2026-11-17T09:00:00+08:00", "consultation", "江苏彭城光电科技有限公司")
    _dispatch(store, staff, ids["T6"], "2026-11-17T10:00:00+08:00", "市税务局")
    ids["T7"] = _take(store, staff, "2026-11-19T09:00:00+08:00", "consultation", "徐州淮海物流集团有限公司")
    _dispatch(store, staff, ids["T7"], "2026-11-19T10:00:00+08:00")
    ids["T3"] = _take(store, staff, "2026-11-24T09:00:00+08:00", "consultation", "铜山区汉王建材有限公司")
    _dispatch(store, staff, ids["T3"], "2026-11-24T10:00:00+08:00", sign=False)
    ids["T4"] = _take(store, staff, "2026-11-24T11:00:00+08:00", "suggestion", "新沂市晨光纺织有限公司")
    ids["T2"] = _take(store, staff, "2026-11-25T09:00:00+08:00", "policy_consultation", "邳州市银杏食品有限公司")
    _dispatch(store, staff, ids["T2"], "2026-11-25T10:00:00+08:00")
    store.clock.set(NOW)  # type: ignore[attr-defined]
    login = current_login()
    if login not in staff:
        store.staff.add(staff["admin"], login, "supervisor", name="值班大屏")
    return ids


# a commit from another process: a 1-day ticket dispatched three weeks ago is red today
COMMIT_NEW_RED = f"""
import sys, time
from xzconsole.clock import FixedClock
from xzconsole.models import TicketIntake
from xzconsole.store import Store
s = Store(sys.argv[1], FixedClock("2026-11-02T10:00:00+08:00"), migrate=False)
clerk = s.staff.get("clerk")
t = s.tickets.accept(clerk, TicketIntake(appeal_type="policy_consultation", enterprise_name={NEW_RED_NAME!r}, content="补贴"))
s.tickets.dispatch(clerk, t.id, "市住建局")
print(time.monotonic(), t.number, flush=True)
"""

# another process replies to a ticket (argv[2]) as 市人社局's liaison
COMMIT_REPLY = """
import sys, time
from xzconsole.clock import FixedClock
from xzconsole.store import Store
s = Store(sys.argv[1], FixedClock("2026-11-26T09:31:00+08:00"), migrate=False)
s.tickets.reply(s.staff.get("rsj"), int(sys.argv[2]), "已答复")
print(time.monotonic(), flush=True)
"""


def env() -> dict[str, str]:
    """The environment for a child process that imports this checkout of xzconsole."""
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


def run_python(code: str, *args: str) -> str:
    """Run ``code`` in a fresh interpreter (another process, another connection); its stdout."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env(), check=False,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, port: int, *extra: str) -> subprocess.Popen[str]:
    """``xzconsole wall --web 127.0.0.1:PORT`` as its own process, on the frozen clock;
    returns once it answers (or fails the test with what it printed)."""
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "xzconsole.cli", "wall", "--web", f"127.0.0.1:{port}",
                             "--db", db, "--now", NOW, *extra], env=env(), cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the wall server exited {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if json.loads(r.read()).get("ok"):
                    return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the wall server did not come up within 30 s")


def stop_server(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()
