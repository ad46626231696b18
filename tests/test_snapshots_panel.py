"""Snapshots of the warning panel and the calendar at 80×24 (an ordinary SSH
terminal) and 120×40, on Chinese data built through the store with the clock
frozen on Thursday 2026-11-26 09:30 (the panel's "最后更新" reads that clock).

Update with ``pytest --snapshot-update tests/test_snapshots_panel.py`` on
Python 3.11 and look at the SVGs before committing them.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.clock import FixedClock
from xzconsole.models import TicketIntake
from xzconsole.screens.calendar import CalendarScreen
from xzconsole.screens.warnings import WarningsScreen
from xzconsole.store import Store

# (received, dispatched or None, appeal type, department, enterprise, sign?)
TICKETS = [
    ("2026-11-09T09:00", "2026-11-09T10:00", "consultation", "市人社局", "徐州云龙机械有限公司", True),
    ("2026-11-10T09:00", "2026-11-10T10:00", "complaint", "市住建局", "铜山区汉王建材有限公司", True),
    ("2026-11-17T09:00", "2026-11-17T10:00", "consultation", "市税务局", "江苏彭城光电科技有限公司", True),
    ("2026-11-19T09:00", "2026-11-19T10:00", "consultation", "市人社局", "徐州淮海物流集团有限公司", True),
    ("2026-11-24T09:00", "2026-11-24T10:00", "consultation", "市市场监管局", "睢宁县鑫源塑业有限公司", False),
    ("2026-11-24T11:00", None, "suggestion", None, "新沂市晨光纺织有限公司", False),
    ("2026-11-25T09:00", "2026-11-25T10:00", "policy_consultation", "市税务局", "邳州市银杏食品有限公司", True),
    ("2026-11-26T08:00", None, "other", None, "[b]x[/b]\x1b[31m", False),
]


def build(store: Store, clock: FixedClock) -> None:
    """The panel's fixture on a fresh database: red, orange, yellow, due today
    and both late notices, with the staff who acted on them."""
    store.load_reference_data()
    admin = store.staff.add(None, "admin", "admin", name="系统管理员")
    store.staff.add(admin, "clerk", "clerk", name="王受理")
    store.staff.add(admin, "sup", "supervisor", name="赵值班")
    liaisons: dict[str, Any] = {}
    clerk = store.staff.get("clerk")
    for received, dispatched, kind, dept, name, sign in TICKETS:
        clock.set(received + ":00+08:00")
        t = store.tickets.accept(clerk, TicketIntake(appeal_type=kind, enterprise_name=name, content=f"{name}的诉求"))
        if dispatched:
            clock.set(dispatched + ":00+08:00")
            store.tickets.dispatch(clerk, t.id, dept)
            if sign:
                if dept not in liaisons:
                    login = f"d{len(liaisons)}"
                    liaisons[dept] = store.staff.add(admin, login, "department", name=f"{dept}联络员", department=dept)
                store.tickets.sign(liaisons[dept], t.id)
    clock.set("2026-11-26T09:30:00+08:00")


@pytest.fixture
def panel_db(tmp_path) -> Any:
    clock = FixedClock("2026-11-26T09:30:00+08:00")
    store = Store(tmp_path / "panel.db", clock)
    build(store, clock)
    store.disconnect()
    return str(tmp_path / "panel.db"), clock


def _panel_ready(app: Any) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        screen = WarningsScreen()
        await app.push_screen(screen)
        start = time.monotonic()
        while screen.snapshot is None and time.monotonic() - start < 5:
            await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    return run_before


def _calendar(app: Any, month: dt.date) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        await app.push_screen(CalendarScreen(month))
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_warning_panel(snap_compare, panel_db, size):
    path, clock = panel_db
    app = XzApp(path, "sup", clock)
    assert snap_compare(app, terminal_size=size, run_before=_panel_ready(app))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_calendar_october(snap_compare, panel_db, size):
    path, clock = panel_db
    app = XzApp(path, "sup", clock)
    assert snap_compare(app, terminal_size=size, run_before=_calendar(app, dt.date(2026, 10, 1)))
