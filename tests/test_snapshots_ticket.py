"""Snapshots of the intake form and the ticket detail at 80×24 and 120×40,
with Chinese data and a fixed clock (so due dates and badges never drift).

Regenerate with ``python3 -m pytest tests/test_snapshots_ticket.py --snapshot-update``
and read the SVGs before committing them.  The focus is taken off text fields
before each shot so a blinking cursor cannot make a snapshot flaky.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Select, TextArea

from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.screens.intake import IntakeScreen
from xzconsole.screens.ticket import TicketScreen
from xzconsole.store import Store

from test_app_workflow import make_app, settle

SIZES = [(80, 24), (120, 40)]
USCC = "91320302MA1MXY8C0" + uscc_check_char("91320302MA1MXY8C0")


def _overdue_ticket(store: Store, staff: dict) -> int:
    """A complaint at 市人社局: signed, an extension pending, and past its due
    date once the clock moves on (a yellow warning)."""
    t = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="complaint", source="hotline", enterprise_name="徐州云龙机械有限公司", uscc=USCC,
        contact_name="李经理", contact_phone="13912345678", district="云龙区", title="社保补缴迟迟未办理",
        content="企业 10 月提交的职工社保补缴申请至今未办理，多次电话询问无果，请尽快处理。"))
    store.tickets.dispatch(staff["clerk"], t.id, "市人社局")
    store.tickets.sign(staff["rsj"], t.id)
    store.tickets.request_extension(staff["rsj"], t.id, 2, "需核对历年缴费记录")
    return t.id


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_ticket_detail(snap_compare, store, staff, clock, size):
    tid = _overdue_ticket(store, staff)
    clock.advance(days=11)  # Monday 2026-12-07: due Thursday 12-03, 2 working days over → yellow

    async def run_before(pilot: Any) -> None:
        await pilot.app.push_screen(TicketScreen(tid))
        await settle(pilot)
        pilot.app.screen.set_focus(None)
        await pilot.pause()

    assert snap_compare(make_app(store, "sup"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_intake_form(snap_compare, store, staff, size):
    store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="consultation", enterprise_name="徐州云龙机械有限公司", uscc=USCC, contact_name="李经理",
        contact_phone="13912345678", district="云龙区", title="厂区路灯不亮", content="厂区门口路灯坏了"))

    async def run_before(pilot: Any) -> None:
        await pilot.app.push_screen(IntakeScreen())
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#intake-type", Select).value = "policy_consultation"
        screen.query_one("#intake-uscc", Input).focus()
        await pilot.press(*USCC)
        await pilot.press("tab")  # leaving the USCC fills the enterprise and flags the open ticket
        await settle(pilot)
        screen.query_one("#intake-content", TextArea).text = "想了解小规模纳税人增值税减免政策"
        await settle(pilot, IntakeScreen.DEBOUNCE + 0.2)
        screen.query_one("#intake-phone", Input).value = "1391234"
        screen.check_field("intake-phone")
        screen.set_focus(None)
        await pilot.pause()

    assert snap_compare(make_app(store, "clerk"), terminal_size=size, run_before=run_before)
