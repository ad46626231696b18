"""Snapshots of the associations screen at 80×24 (an ordinary SSH terminal)
and 120×40.

Chinese reference data (the 16 associations of data/associations.toml), five
member enterprises — one named ``[b]徐州[/b]机械``, which must show as those
characters — and a push, on a fresh database with a frozen clock (the header
shows minutes only, so nothing ticks); a table or list has the focus, so no
cursor blinks.  Update with
``pytest --snapshot-update tests/test_snapshots_associations.py`` on Python
3.11 and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.screens.associations import AssociationsScreen
from pilot_support import SIZES, settle as _settle

MEMBERS = [("徐工机械配套有限公司", "云龙区"), ("[b]徐州[/b]机械", "铜山区"), ("徐州恒力液压件厂", "鼓楼区"),
           ("江苏云龙传动科技有限公司", "云龙区"), ("徐州三一重机部件有限公司", "经开区")]


@pytest.fixture
def associations_db(store, staff) -> Any:
    gcjx = store.associations.get("gcjx")
    for i, (name, district) in enumerate(MEMBERS):
        first17 = f"91320300MA1{i:06d}"
        t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="咨询求助", enterprise_name=name, district=district,
                                                      uscc=first17 + uscc_check_char(first17), content="咨询入会事宜"))
        store.associations.add_member(staff["clerk"], gcjx.id, t.enterprise_id)
    p = store.library.create(staff["sup"], {
        "title": "关于支持工程机械产业链协同发展的若干措施", "doc_number": "徐政发〔2026〕30号", "category": "产业发展",
        "summary": "支持整机企业与配套企业协同创新。", "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"})
    store.library.publish(staff["sup"], p.id)
    store.library.push(staff["sup"], p.id, [gcjx.id], "请转发会员企业")
    return store


def _open(*keys: str) -> Any:
    async def before(pilot: Any) -> None:
        await _settle(pilot)
        pilot.app.push_screen(AssociationsScreen())
        await _settle(pilot)
        if keys:
            await pilot.press(*keys)
            await _settle(pilot)

    return before


@pytest.mark.parametrize("size", SIZES)
def test_associations_members(snap_compare, associations_db, size):
    app = XzApp(associations_db.path, "clerk", associations_db.clock)
    assert snap_compare(app, terminal_size=size, run_before=_open())


def test_associations_subscriptions_80x24(snap_compare, associations_db):
    app = XzApp(associations_db.path, "clerk", associations_db.clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open("2"))
