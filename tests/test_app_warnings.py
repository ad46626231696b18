"""Pilot tests of the live warning panel and the wall display (SPEC §5, §9, §13).

The dataset is built through the store on a fresh database; the clock is
frozen on Thursday 2026-11-26 09:30 where, by construction:

* red 1 (T1, due 11-12), orange 1 (T6, due 11-20), yellow 1 (T7, due 11-24);
* due today 1 (T2, a policy consultation dispatched 11-25);
* not signed within 1 working day 1 (T3, dispatched Tue 11-24);
* not dispatched by the end of the working day after intake 1 (T4, taken in 11-24).

A second ``Store`` on the same file plays "another console": its commits must
reach the open panel within 2 s through ``PRAGMA data_version``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.clock import FixedClock
from xzconsole.models import TicketIntake
from xzconsole.rules import WarningLevel
from xzconsole.screens.dialogs import ReasonDialog
from xzconsole.app import make_wall_app
from xzconsole.screens.warnings import WarningsScreen
from xzconsole.store import Store


def _take(store: Store, staff: dict, when: str, kind: str, name: str) -> int:
    store.clock.set(when)  # type: ignore[attr-defined]
    return store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name,
                                                     content=f"{name}的诉求内容")).id


def _dispatch(store: Store, staff: dict, tid: int, when: str, dept: str = "市人社局", sign: bool = True) -> None:
    store.clock.set(when)  # type: ignore[attr-defined]
    store.tickets.dispatch(staff["clerk"], tid, dept)
    if sign:
        login = "rsj" if dept == "市人社局" else "swj"
        store.tickets.sign(staff[login], tid)


@pytest.fixture
def panel(store, staff, clock) -> dict[str, int]:
    ids = {}
    ids["T1"] = _take(store, staff, "2026-11-09T09:00:00+08:00", "consultation", "徐州云龙机械有限公司")
    _dispatch(store, staff, ids["T1"], "2026-11-09T10:00:00+08:00")
    ids["T6"] = _take(store, staff, "2026-11-17T09:00:00+08:00", "consultation", "江苏彭城光电科技有限公司")
    _dispatch(store, staff, ids["T6"], "2026-11-17T10:00:00+08:00", "市税务局")
    ids["T7"] = _take(store, staff, "2026-11-19T09:00:00+08:00", "consultation", "徐州淮海物流集团有限公司")
    _dispatch(store, staff, ids["T7"], "2026-11-19T10:00:00+08:00")
    ids["T3"] = _take(store, staff, "2026-11-24T09:00:00+08:00", "consultation", "铜山区汉王建材有限公司")
    _dispatch(store, staff, ids["T3"], "2026-11-24T10:00:00+08:00", sign=False)
    ids["T4"] = _take(store, staff, "2026-11-24T11:00:00+08:00", "suggestion", "新沂市晨光纺织有限公司")
    ids["T2"] = _take(store, staff, "2026-11-25T09:00:00+08:00", "policy_consultation", "邳州市银杏食品有限公司")
    _dispatch(store, staff, ids["T2"], "2026-11-25T10:00:00+08:00")
    ids["T5"] = _take(store, staff, "2026-11-26T08:00:00+08:00", "complaint", "[b]x[/b]")
    clock.set("2026-11-26T09:30:00+08:00")
    return ids


async def open_panel(pilot: Any, **kw: Any) -> WarningsScreen:
    await pilot.pause()
    screen = WarningsScreen(**kw)
    await pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: screen.snapshot is not None)
    return screen


async def wait_for(pilot: Any, cond: Any, timeout: float = 3.0) -> float:
    """Pause until ``cond()`` holds; returns the seconds it took (fails after ``timeout``)."""
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s")
        await pilot.pause(0.05)
    return time.monotonic() - start


def other_console(store: Store, when: str) -> Store:
    return Store(store.path, FixedClock(when), migrate=False)


async def test_panel_shows_counts_notices_and_lists(store, staff, panel):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_panel(pilot)
        await pilot.pause()
        assert screen.displayed_counts() == {"red": 1, "orange": 1, "yellow": 1,
                                             "due_today": 1, "unsigned": 1, "undispatched": 1, "part_late": 0}
        # most severe first, with symbol + word
        rows = screen._list_rows
        assert [r.id for r in rows] == [panel["T1"], panel["T6"], panel["T7"]]
        assert [r.level for r in rows] == [WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW]
        assert screen.snapshot.by_body() == {"企服平台": 1, "市营商办": 1, "市纪委监委": 1}
        depts = {name: per for name, per in screen.snapshot.departments}
        assert depts["市人社局"][WarningLevel.RED] == 1 and depts["市人社局"][WarningLevel.YELLOW] == 1
        assert depts["市税务局"][WarningLevel.ORANGE] == 1
        assert "最后更新 11-26 09:30:00" in str(screen.query_one("#panel-status").render())


@pytest.mark.parametrize("tab,key,expected", [
    ("tab-due_today", "due_today", "T2"),
    ("tab-unsigned", "unsigned", "T3"),
    ("tab-undispatched", "undispatched", "T4"),
])
async def test_each_notice_lists_its_ticket(store, staff, panel, tab, key, expected):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_panel(pilot)
        screen.query_one("#panel-tabs").active = tab
        await wait_for(pilot, lambda: screen.snapshot.list_kind == key)
        await pilot.pause()
        assert screen.list_kind == key
        assert [r.id for r in screen._list_rows] == [panel[expected]]
        assert screen.displayed_counts()[key] == 1


async def test_notices_follow_the_deadlines(store, staff, panel):
    """Signing T3 and dispatching T4 clear their notices; a day later T2 is no longer due today."""
    store.tickets.sign(staff["rsj"], panel["T3"])
    store.tickets.dispatch(staff["clerk"], panel["T4"], "市人社局")
    n = store.warnings.notices(None, store.now())
    assert (n["unsigned"][0], n["undispatched"][0], n["due_today"][0]) == (0, 0, 1)
    # T5 (taken in Thu 11-26 08:00) is late only after the end of Fri 11-27
    n = store.warnings.notices(None, FixedClock("2026-11-27T18:00:00+08:00").now())
    assert n["undispatched"][0] == 0
    n = store.warnings.notices(None, FixedClock("2026-11-30T09:00:00+08:00").now())
    assert n["undispatched"][0] == 1 and n["undispatched"][1] == [panel["T5"]]
    # T4 dispatched Thu 11-26: unsigned from Sat 11-28 (deadline the end of Fri 11-27)
    n = store.warnings.notices(None, FixedClock("2026-11-27T23:00:00+08:00").now())
    assert n["unsigned"][0] == 0
    n = store.warnings.notices(None, FixedClock("2026-11-28T09:00:00+08:00").now())
    assert n["unsigned"][1] == [panel["T4"]]


async def test_commit_from_another_connection_shows_within_two_seconds(store, staff, panel, monkeypatch):
    app = XzApp(store.path, "sup", store.clock)
    bells = []
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(app, "bell", lambda: bells.append(1))
        screen = await open_panel(pilot)
        assert screen.displayed_counts()["red"] == 1
        # another console, its clock three weeks back, dispatches a 1-day ticket: red today
        other = other_console(store, "2026-11-02T10:00:00+08:00")
        try:
            clerk = other.staff.get("clerk")
            tid = other.tickets.accept(clerk, TicketIntake(appeal_type="policy_consultation",
                                                   enterprise_name="睢宁县鑫源塑业有限公司", content="补贴")).id
            other.tickets.dispatch(clerk, tid, "市住建局")
            took = await wait_for(pilot, lambda: screen.displayed_counts()["red"] == 2, timeout=2.0)
        finally:
            other.disconnect()
        assert took < 2.0
        assert bells == [1]  # newly red: one bell
        assert tid in screen.highlighted
        assert screen._list_rows[0].id == tid  # the most overdue first
        # and a reply elsewhere takes a warning away
        other = other_console(store, "2026-11-26T09:31:00+08:00")
        try:
            other.tickets.reply(other.staff.get("rsj"), panel["T7"], "已答复")
            await wait_for(pilot, lambda: screen.displayed_counts()["yellow"] == 0, timeout=2.0)
        finally:
            other.disconnect()
        assert bells == [1]  # nothing new turned red


async def test_midnight_turns_a_ticket_yellow(store, staff, panel, monkeypatch):
    store.clock.set("2026-11-26T23:59:30+08:00")
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        bells: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: bells.append(1))
        screen = await open_panel(pilot)
        assert screen.displayed_counts()["due_today"] == 1
        assert panel["T2"] not in {r.id for r in screen.snapshot.warned}
        store.clock.advance(seconds=60)  # Friday 2026-11-27 00:00:30
        screen.tick()
        await wait_for(pilot, lambda: screen.snapshot.today.isoformat() == "2026-11-27")
        levels = {r.id: r.level for r in screen.snapshot.warned}
        assert levels[panel["T2"]] is WarningLevel.YELLOW
        assert levels[panel["T7"]] is WarningLevel.ORANGE  # 3 working days now
        assert levels[panel["T6"]] is WarningLevel.RED  # 5: newly red at midnight
        # T2 is no longer due today; T3 (dispatched Tue, 3 working days) now is
        assert screen.displayed_counts()["due_today"] == 1
        assert store.warnings.notices(None, store.now())["due_today"][1] == [panel["T3"]]
        assert bells == [1] and panel["T6"] in screen.highlighted


async def test_no_query_on_an_idle_tick(store, staff, panel):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_panel(pilot)
        await app.workers.wait_for_complete()
        statements: list[str] = []
        for conn in (screen.watcher.conn, screen.snapshot_store.conn, app.store.conn):
            conn.set_trace_callback(statements.append)
        before = screen.refreshes
        for _ in range(5):
            assert screen.tick() is False
        await pilot.pause(0.2)
        assert statements == ["PRAGMA data_version"] * len(statements) and len(statements) >= 5
        assert screen.refreshes == before
        # the same instrument sees the queries when something did change
        other = other_console(store, "2026-11-26T09:31:00+08:00")
        try:
            other.tickets.sign(other.staff.get("rsj"), panel["T3"])
        finally:
            other.disconnect()
        assert screen.tick() is True
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("FROM tickets" in s for s in statements)
        for conn in (screen.watcher.conn, screen.snapshot_store.conn, app.store.conn):
            conn.set_trace_callback(None)


async def test_supervision_from_the_panel_names_the_body(store, staff, panel):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_panel(pilot)
        assert screen.current_row().id == panel["T1"]  # red, first
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        assert "市纪委监委" in app.screen.heading
        await pilot.press(*"请今日内答复")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        sup = store.tickets.supervisions(staff["sup"], panel["T1"])
        assert [(s.body, s.note, s.actor) for s in sup] == [("市纪委监委", "请今日内答复", "sup")]
        # orange: the business-environment office
        await pilot.press("down", "s")
        await pilot.press(*"催办")
        await pilot.press("enter")
        await pilot.pause()
        assert [s.body for s in store.tickets.supervisions(staff["sup"], panel["T6"])] == ["市营商办"]


async def test_clerk_cannot_supervise_but_opens_tickets(store, staff, panel, monkeypatch):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        opened: list[int] = []
        monkeypatch.setattr(app, "open_ticket", lambda tid: opened.append(tid))
        screen = await open_panel(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen
        assert store.tickets.supervisions(staff["sup"], panel["T1"]) == []
        await pilot.press("down", "enter")
        assert opened == [panel["T6"]]


async def test_wall_is_read_only_with_large_counts(store, staff, panel, monkeypatch):
    app = make_wall_app(store.path, "clerk", store.now())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WarningsScreen) and app.screen.snapshot is not None)
        screen = app.screen
        assert screen.wall and screen.has_class("-wall")
        assert screen.displayed_counts()["red"] == 1
        assert screen.check_action("open_ticket", ()) is False
        assert screen.check_action("supervise", ()) is False
        pushed: list[Any] = []
        monkeypatch.setattr(app, "push_screen", lambda *a, **k: pushed.append(a))
        await pilot.press("enter", "s", "ctrl+p")
        await pilot.pause()
        assert pushed == []


async def test_wall_refuses_an_unknown_login(store):
    app = make_wall_app(store.path, "nobody", store.now())
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_code == 2


async def test_f3_asks_for_one_snapshot_on_opening(store, staff, panel):
    """F3 paints the panel ("正在统计…") while its worker computes the snapshot
    (issue 11 item 5: a place key ≤ 150 ms): one snapshot, its counts and rows
    shown, and the next idle tick asks for none."""
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        screen = app.screen
        assert isinstance(screen, WarningsScreen)
        await wait_for(pilot, lambda: screen.snapshot is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.refreshes == 1
        assert screen.displayed_counts()["red"] == 1
        assert [r.id for r in screen._list_rows] == [panel["T1"], panel["T6"], panel["T7"]]
        assert screen.tick() is False and screen.refreshes == 1
