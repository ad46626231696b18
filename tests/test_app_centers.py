"""Pilot tests of the centers in the console (issue 7): the queue opens on the
user's own center and can show every center, a liaison sees their
department's tickets from every center and a 协办 tab, and the assessment
opens on a county center's own figures and can show the whole city."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.widgets import OptionList, Select

from xzconsole.services import reports
from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.assessment import AssessmentScreen
from xzconsole.screens.dialogs import ChoiceDialog
from xzconsole.screens.queue import QueueScreen
from xzconsole.store import CITY_CENTER
from xzconsole.widgets.queue_bars import QueueFilterBar
from xzconsole.widgets.ticket_table import TicketTable
from pilot_support import screen_text, settle

PIZHOU = "邳州市企业服务中心"


def shown(app: Any) -> list[str]:
    return [t.enterprise_name for t in app.screen.query_one(TicketTable).tickets]


def status_line(app: Any) -> str:
    return str(app.screen.query_one("#queue-status").render())


def center_part(app: Any) -> str | None:
    """What the filter bar's center part says (None: the bar has none)."""
    return app.screen.query_one(QueueFilterBar).center_text


def label(app: Any, tab: str) -> str:
    return app.screen.tab_label(f"{tab}")


@pytest.fixture
def two_centers(store, staff) -> dict[str, Any]:
    """Two tickets taken in at 邳州 and three at the city center, all new."""
    pz = store.staff.add(staff["admin"], "pz", "clerk", name="邳州受理", center="pizhou")
    store.staff.add(staff["admin"], "pzsup", "supervisor", name="邳州值班", center="pizhou")
    ids = {}
    for who, names in ((pz, ["邳州[b]银杏[/b]食品有限公司", "邳州港上纺织有限公司"]),
                       (staff["clerk"], ["徐州云龙机械有限公司", "徐州淮海物流有限公司", "路灯[/]坏了有限公司"])):
        for name in names:
            ids[name] = store.tickets.accept(who, TicketIntake(appeal_type="consultation", enterprise_name=name,
                                                       content=f"{name}咨询稳岗返还")).id
    return ids


async def test_queue_opens_on_own_center_and_all_centers_show_more(store, two_centers):
    app = XzApp(store.path, "pz", store.clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert sorted(shown(app)) == sorted(["邳州[b]银杏[/b]食品有限公司", "邳州港上纺织有限公司"])
        assert status_line(app).startswith(f"{PIZHOU} · 第 1 页") and "共 2 件" in status_line(app)
        assert app.screen.center == PIZHOU
        assert center_part(app) == f"{PIZHOU} · c 切换"
        assert label(app, "tab-new") == "待受理 2" and label(app, "tab-all") == "全部 2"

        # c opens the center list on the center shown; the first entry is 全部中心
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        options = app.screen.query_one(OptionList)
        assert str(options.get_option_at_index(0).prompt) == "全部中心"
        assert str(options.get_option_at_index(options.highlighted or 0).prompt) == PIZHOU
        await pilot.press("escape")  # Esc changes nothing
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and app.screen.center == PIZHOU and len(shown(app)) == 2
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("home", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and app.screen.center is None
        assert center_part(app) == "全部中心 · c 切换"
        assert len(shown(app)) == 5 and status_line(app).startswith("全部中心 · ")
        assert label(app, "tab-new") == "待受理 5" and label(app, "tab-all") == "全部 5"
        assert "路灯[/]坏了有限公司" in shown(app)  # user text literal

        # another center: its tickets only, and the counts follow
        app.screen.show_center(CITY_CENTER)
        await settle(pilot)
        assert len(shown(app)) == 3 and label(app, "tab-new") == "待受理 3"
        assert status_line(app).startswith(f"{CITY_CENTER} · ")


async def test_city_clerk_opens_on_the_city_center(store, two_centers):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert sorted(shown(app)) == sorted(["徐州云龙机械有限公司", "徐州淮海物流有限公司", "路灯[/]坏了有限公司"])
        assert status_line(app).startswith(f"{CITY_CENTER} · ")


async def test_liaison_sees_every_center_and_a_supporting_tab(store, staff, two_centers):
    pz = store.staff.get("pz")
    led = two_centers["邳州港上纺织有限公司"]
    supported = two_centers["徐州云龙机械有限公司"]
    store.tickets.dispatch(pz, led, "市人社局")  # 邳州's ticket, led by 市人社局
    store.tickets.dispatch(staff["clerk"], supported, "市税务局")  # led by 市税务局 …
    # … with a supporting part of 市人社局 (written directly: the queue reads only the part's row)
    store.conn.execute(
        "INSERT INTO ticket_parts(ticket_id, department_id, assigned_at, assigned_by, clock_start, time_limit, due_date) "
        "VALUES (?, ?, '2026-11-26T09:30:00+08:00', 'clerk', '2026-11-26', 3, '2026-12-01')",
        (supported, staff["rsj"].department_id))
    app = XzApp(store.path, "rsj", store.clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert center_part(app) is None  # no center part in the filter bar
        assert not status_line(app).startswith(PIZHOU)
        assert shown(app) == ["邳州港上纺织有限公司"]  # 待签收: led by 市人社局, taken in at 邳州
        assert label(app, "tab-supporting") == "协办 1"
        app.screen.select_tab("tab-supporting")
        await settle(pilot)
        assert shown(app) == ["徐州云龙机械有限公司"]
        assert "共 1 件" in status_line(app)
        # the center key is not the liaison's
        await pilot.press("c")
        await settle(pilot)
        assert shown(app) == ["徐州云龙机械有限公司"]


# ---------------------------------------------------------------- the assessment


@pytest.fixture
def october(store, staff, two_centers, clock) -> None:
    """In October 邳州 dispatched one ticket and the city center two."""
    pz = store.staff.get("pz")
    clock.set("2026-10-12T10:00:00+08:00")
    for who, name in ((pz, "邳州银杏"), (staff["clerk"], "徐州甲"), (staff["clerk"], "徐州乙")):
        t = store.tickets.accept(who, TicketIntake(appeal_type="consultation", enterprise_name=f"{name}有限公司", content="内容"))
        store.tickets.dispatch(who, t.id, "市人社局")
    clock.set("2026-11-26T09:30:00+08:00")


async def _assessed(pilot: Any, screen: AssessmentScreen, token: int) -> None:
    start = time.monotonic()
    while screen.assessment is None or screen._token != token or screen.computing:
        assert time.monotonic() - start < 5, "assessment not computed"
        await pilot.pause(0.05)
    await pilot.pause()


async def test_assessment_opens_on_a_county_centers_own_figures(store, october):
    app = XzApp(store.path, "pzsup", store.clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = AssessmentScreen()
        await app.push_screen(screen)
        await _assessed(pilot, screen, 1)
        assert screen.assessment.center == PIZHOU
        assert screen.displayed()[reports.CENTER_TOTAL_LABEL]["派发量"] == "1"
        assert str(screen.query_one("#assess-status").render()).startswith(f"{PIZHOU} · 2026-10-01")

        screen.query_one("#assess-center", Select).value = Select.NULL  # 全市
        await _assessed(pilot, screen, 2)
        assert screen.assessment.center is None
        assert screen.displayed()[reports.TOTAL_LABEL]["派发量"] == "3"


async def test_assessment_of_a_city_supervisor_opens_on_the_whole_city(store, october):
    app = XzApp(store.path, "sup", store.clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = AssessmentScreen()
        await app.push_screen(screen)
        await _assessed(pilot, screen, 1)
        assert screen.assessment.center is None
        assert screen.displayed()[reports.TOTAL_LABEL]["派发量"] == "3"


async def test_ticket_detail_names_the_center_that_took_it_in(store, two_centers):
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_ticket(two_centers["邳州港上纺织有限公司"])
        await settle(pilot)
        assert f"邳州受理（{PIZHOU}）" in screen_text(app)
