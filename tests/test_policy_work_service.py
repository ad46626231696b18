"""服务专班 / 专员包挂 (issue 15, item 5): a named center staff member per
association, shown on F10 and with its pushes, and their service log."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input, Select, TextArea

from xzconsole.app import XzApp
from xzconsole.errors import InvalidAction, PermissionDenied
from xzconsole.screens.association_dialogs import ServiceLogDialog, StaffPickDialog
from xzconsole.screens.associations import AssociationsScreen

from pilot_support import settle


def test_service_staff_and_log(store, staff, clock):
    sup, clerk = staff["sup"], staff["clerk"]
    a = store.association_list()[0]
    assert store.associations.service_staff(a.id) is None
    with pytest.raises(PermissionDenied):
        store.associations.assign_staff(clerk, a.id, "clerk")
    with pytest.raises(InvalidAction):
        store.associations.assign_staff(sup, a.id, "rsj")  # a liaison is not the center's staff
    assert store.associations.assign_staff(sup, a.id, "clerk") == "王受理"
    assert store.associations.service_staff(a.id) == ("clerk", "王受理")
    assert store.associations.history(a.id)[0]["label"] == "指派服务专员"
    store.associations.log_service(clerk, a.id, "上门走访", "走访协会秘书处，收集会员企业用工需求", dt.date(2026, 11, 20))
    store.associations.log_service(clerk, a.id, "briefing", "为会员企业宣讲稳岗返还政策")
    with pytest.raises(InvalidAction):
        store.associations.log_service(clerk, a.id, "visit", "  ")
    with pytest.raises(InvalidAction):
        store.associations.log_service(clerk, a.id, "visit", "明天的走访", dt.date(2026, 11, 27))
    with pytest.raises(PermissionDenied):
        store.associations.log_service(staff["rsj"], a.id, "visit", "联络员不记")
    log = store.associations.service_log(a.id)
    assert [(x["served_on"], x["kind_label"], x["staff_name"]) for x in log] == [
        ("2026-11-26", "政策宣讲", "王受理"), ("2026-11-20", "上门走访", "王受理")]
    assert len(store.associations.service_log(staff="clerk")) == 2
    with pytest.raises(Exception):  # append-only
        with store.write() as c:
            c.execute("UPDATE association_service_log SET note = 'x'")


async def test_f10_shows_the_service_staff_and_takes_the_log(store, staff):
    a = store.association_list()[0]
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = AssociationsScreen()
        pilot.app.push_screen(screen)
        await settle(pilot)
        assert "服务专员：未指派" in screen.query_one("#assoc-summary").render().plain
        screen.action_show_tab("service")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, StaffPickDialog)
        dialog.query_one("#staff-select", Select).value = "sup"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "服务专员：赵值班" in screen.query_one("#assoc-summary").render().plain
        await pilot.press("l")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ServiceLogDialog)
        dialog.query_one("#service-kind", Select).value = "meeting"
        dialog.query_one("#service-note", TextArea).text = "召开会员企业座谈会，听取惠企政策兑现意见"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        status = screen.query_one("#assoc-service-status").render().plain
        assert "服务专员：赵值班" in status and "共 1 条服务记录" in status
        screen.action_show_tab("pushes")
        await settle(pilot)
        assert "服务专员：赵值班" in screen.query_one("#assoc-pushes-status").render().plain
    assert store.associations.service_log(a.id)[0]["kind_label"] == "座谈会"
