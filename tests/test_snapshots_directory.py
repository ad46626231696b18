"""Snapshots of the enterprise directory and an enterprise's page at 80×24 (an
ordinary SSH terminal) and 120×40, with Chinese data: a name holding markup
(``[b]徐州[/b]机械``), a ticket title with ``[/]``, a merged record, a contact,
an association push and feedback, on a fresh database with a frozen clock.
Update with ``pytest --snapshot-update tests/test_snapshots_directory.py`` on
Python 3.11 and look at the SVGs before committing them."""

from __future__ import annotations

from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.screens.directory import DirectoryScreen
from xzconsole.screens.enterprise import EnterpriseScreen
from pilot_support import SIZES, open_screen

A = "91320302MA1XK0001" + uscc_check_char("91320302MA1XK0001")


@pytest.fixture
def directory_db(store, staff, clock) -> Any:
    clerk = staff["clerk"]

    def take(name, code=None, phone="13805161234", title="稳岗返还资金未到账", kind="consultation"):
        return store.tickets.accept(clerk, TicketIntake(appeal_type=kind, enterprise_name=name, uscc=code, contact_name="李经理",
                                                contact_phone=phone, title=title, content="请协调办理", district="鼓楼区"))

    first = take("[b]徐州[/b]机械有限公司", A, title="厂区路灯[/]坏了", kind="complaint")
    store.tickets.direct_answer(clerk, first.id, "已协调修复")
    store.tickets.follow_up(clerk, first.id, "满意")
    second = take("[b]徐州[/b]机械有限公司", A, phone="0516-83801234")
    store.tickets.dispatch(clerk, second.id, "市人社局")
    store.tickets.sign(staff["rsj"], second.id)
    dup = take("徐州机械公司", phone="13905169999")
    for name in ("铜山食品有限公司", "云龙重工机械制造", "贾汪建材厂"):
        take(name, phone="13705163333")
    store.directory.update(clerk, first.enterprise_id, {"industry": "装备制造"})
    store.directory.merge(clerk, first.enterprise_id, dup.enterprise_id, note="同一企业")
    p = store.library.create(staff["sup"], {"title": "稳岗返还实施细则", "summary": "返还失业保险费。",
                                           "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"})
    store.library.publish(staff["sup"], p.id)
    store.directory.push_policy(clerk, p.id, first.enterprise_id, "电话告知")
    store.feedback.record(clerk, p.id, enterprise_name="[b]徐州[/b]机械有限公司", uscc=A, topic="贷款融资",
                          satisfaction="基本满意", text="材料再简化些")
    store.first_enterprise = first.enterprise_id  # type: ignore[attr-defined]
    return store


@pytest.mark.parametrize("size", SIZES)
def test_directory(snap_compare, directory_db, size):
    app = XzApp(directory_db.path, "clerk", directory_db.clock)
    assert snap_compare(app, terminal_size=size, run_before=open_screen(DirectoryScreen))


@pytest.mark.parametrize("size", SIZES)
def test_enterprise_page(snap_compare, directory_db, size):
    app = XzApp(directory_db.path, "clerk", directory_db.clock)
    eid = directory_db.first_enterprise
    assert snap_compare(app, terminal_size=size, run_before=open_screen(lambda: EnterpriseScreen(eid)))
