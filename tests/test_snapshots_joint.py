"""Snapshots of the ticket detail of a joint case (会商会办) at 80×24 and
120×40, with Chinese data and the clock frozen on Thursday 2026-11-26.

The case: a complaint dispatched on Monday 11-23 to 市人社局 (the lead, due
Monday 11-30), with three supporting parts due Tuesday 11-24 — 市税务局
submitted on time, 市住建局 still open (超期), 市市场监管局 withdrawn — and one
会商 with two follow-up tasks.  The body is scrolled to the 协办 section.

Regenerate with ``python3 -m pytest tests/test_snapshots_joint.py --snapshot-update``
on Python 3.11 and read the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

from xzconsole.models import TicketIntake
from xzconsole.screens.ticket import TicketScreen
from xzconsole.store import Store

from test_app_workflow import make_app, settle

SIZES = [(80, 24), (120, 40)]


def _joint_case(store: Store, staff: dict, clock: Any) -> int:
    admin = staff["admin"]
    zjj = store.staff.add(admin, "zjj", "department", name="住建联络员", department="市住建局")
    store.staff.add(admin, "scj", "department", name="市场监管联络员", department="市市场监管局")
    clock.set("2026-11-23T10:00:00+08:00")
    t = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="complaint", source="hotline", enterprise_name="徐州[b]云龙[/b]机械有限公司",
        contact_name="李经理", contact_phone="13912345678", district="云龙区", title="厂区道路施工后路灯[/]不亮",
        content="厂区门口道路施工后路灯一直不亮，施工方称手续未办完，多次反映无果。"))
    store.tickets.dispatch(staff["clerk"], t.id, "市人社局")
    store.joint.assign_parts(staff["clerk"], t.id, ["市税务局", "市住建局", "市市场监管局"], days=1)
    clock.set("2026-11-24T15:20:00+08:00")
    store.joint.submit_part(staff["swj"], t.id, "经核查，施工单位无欠税记录，可正常开具完税证明。")
    store.tickets.sign(staff["rsj"], t.id)
    store.joint.withdraw_part(staff["sup"], t.id, "市市场监管局", "与市场监管职责无关")
    clock.set("2026-11-25T16:00:00+08:00")
    store.joint.record_consultation(
        staff["sup"], t.id, "2026-11-25", ["市人社局", "市税务局", "市住建局"],
        "由市人社局牵头答复企业；市住建局核查施工许可办理进度。", place="市民中心 3 楼会议室", attendees="张科长、王主任",
        tasks=[{"department": "市住建局", "task": "核查施工许可", "due": "2026-11-27"},
               {"department": "市税务局", "task": "出具完税证明"}])
    assert zjj.department_name == "市住建局"
    clock.set("2026-11-26T09:30:00+08:00")
    return t.id


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_joint_ticket_detail(snap_compare, store, staff, clock, size):
    tid = _joint_case(store, staff, clock)

    async def run_before(pilot: Any) -> None:
        await pilot.app.push_screen(TicketScreen(tid))
        await settle(pilot)
        screen = pilot.app.screen
        screen.set_focus(None)
        screen.query_one("#ticket-body").scroll_to_widget(screen.query_one("#ticket-parts-title"), top=True,
                                                          animate=False)
        await pilot.pause()

    assert snap_compare(make_app(store, "sup"), terminal_size=size, run_before=run_before)
