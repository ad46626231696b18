"""Snapshots of the outreach screen (宣传推广) and an activity's detail at 80×24
(an ordinary SSH terminal) and 120×40.

A small Chinese year of activities — events, station days, visits with
enterprises whose names hold markup, a card mailing, a voided visit and an
appeal taken at a visit — on a fresh database with a frozen clock (the header
shows minutes only, so nothing ticks).  Update with
``pytest --snapshot-update tests/test_snapshots_outreach.py`` on Python 3.11
and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.outreach import ActivityScreen, OutreachScreen
from pilot_support import SIZES, open_screen


@pytest.fixture
def outreach_db(store, staff) -> tuple[Any, int]:
    clerk, sup = staff["clerk"], staff["sup"]
    log = store.outreach.log_activity
    log(sup, "2026-03-18", "joint_event", "徐州市民服务中心", departments="市人社局、市税务局", staff="赵值班、王受理", cards_sent=260)
    log(clerk, "2026-06-09", "joint_event", "铜山区政务服务中心", departments="市市场监管局", cards_sent=180)
    for day, place in (("2026-04-14", "张集镇"), ("2026-05-20", "徐州经济技术开发区"), ("2026-09-08", "双楼港园区")):
        log(clerk, day, "station", place, cards_sent=40)
    log(clerk, "2026-08-03", "cards", "邮政寄送（第二批）", cards_sent=1500)
    visit = log(clerk, "2026-11-24", "visit", "云龙区[b]x[/b]产业园", staff="王受理",
                enterprises=["徐州[b]x[/b]机械有限公司", "路灯[/]坏了照明科技有限公司", "徐州淮海食品有限公司"],
                note="了解用工和融资需求")
    voided = log(clerk, "2026-11-25", "visit", "鼓楼区", enterprises_reached=4)
    store.outreach.void_activity(sup, voided.id, "重复登记")
    store.tickets.accept(clerk, TicketIntake(appeal_type="consultation", enterprise_name="徐州淮海食品有限公司",
                                     title="稳岗补贴申领", content="想了解稳岗补贴如何申领。", source="走访", visit_id=visit.id))
    return store, visit.id


@pytest.mark.parametrize("size", SIZES)
def test_outreach(snap_compare, outreach_db, size):
    store, _ = outreach_db
    app = XzApp(store.path, "sup", store.clock)
    assert snap_compare(app, terminal_size=size, run_before=open_screen(OutreachScreen))


@pytest.mark.parametrize("size", SIZES)
def test_visit_detail(snap_compare, outreach_db, size):
    store, visit_id = outreach_db
    app = XzApp(store.path, "clerk", store.clock)
    assert snap_compare(app, terminal_size=size, run_before=open_screen(lambda: ActivityScreen(visit_id)))
