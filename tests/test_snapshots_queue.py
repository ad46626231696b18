"""Snapshots of the queue at 80×24 (an ordinary SSH terminal) and 120×40.

Chinese data built through the store on a fresh database, a frozen clock
(the header shows minutes only, so nothing ticks), no focused input (no
cursor blink).  Update with ``pytest --snapshot-update tests/test_snapshots_queue.py``
on Python 3.11 and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake, uscc_check_char
from pilot_support import settle as _settle

ENTERPRISES = [
    ("徐州云龙机械有限公司", "complaint", "厂区门口路灯坏了一周，夜间职工通行不便。"),
    ("江苏彭城光电科技有限公司", "policy_consultation", "咨询高新技术企业认定奖励的申报条件。"),
    ("徐州淮海物流集团有限公司", "consultation", "货车通行证办理需要哪些材料？"),
    ("铜山区汉王建材有限公司", "suggestion", "建议延长政务服务大厅周末窗口时间。"),
    ("新沂市晨光纺织有限公司", "complaint", "用工补贴迟迟未到账。"),
    ("邳州市银杏食品有限公司", "report", "反映周边企业夜间违规排污。"),
    ("睢宁县鑫源塑业有限公司", "consultation", "咨询稳岗返还政策的办理流程。"),
    ("[b]x[/b]", "other", "路灯[/]坏了\x1b[31m"),
]


def _uscc(i: int) -> str:
    first17 = f"91320302MA{i:06d}Y"[:17]
    return first17 + uscc_check_char(first17)


@pytest.fixture
def queue_db(store, staff, clock) -> Any:
    """Tickets in every state the queue shows, including warned ones."""
    clock.set("2026-11-09T09:00:00+08:00")
    early = []
    for i, (name, kind, content) in enumerate(ENTERPRISES[:4]):
        t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name, uscc=_uscc(i),
                                                       contact_phone=f"1391234{i:04d}", content=content))
        early.append(t.id)
    # dispatched over several days so that on the 26th one is red, one orange,
    # one due today (a 1-day policy consultation) and one red again
    for tid, day, dept in zip(early, ("2026-11-09", "2026-11-25", "2026-11-18", "2026-11-12"),
                              ("市人社局", "市税务局", "市住建局", "市人社局")):
        clock.set(f"{day}T10:00:00+08:00")
        store.tickets.dispatch(staff["clerk"], tid, dept)
    clock.set("2026-11-26T08:00:00+08:00")
    for i, (name, kind, content) in enumerate(ENTERPRISES[4:], start=4):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name, content=content,
                                                  contact_phone=f"1391234{i:04d}"))
    clock.set("2026-11-26T09:30:00+08:00")
    return store


def test_queue_80x24(snap_compare, queue_db):
    app = XzApp(queue_db.path, "clerk", queue_db.clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_queue_120x40_all_tab(snap_compare, queue_db):
    app = XzApp(queue_db.path, "clerk", queue_db.clock)

    async def before(pilot: Any) -> None:
        await _settle(pilot)
        pilot.app.screen.select_tab("tab-all")
        await _settle(pilot)
        pilot.app.screen.table.move_cursor(row=7)  # a red ticket: the badge below the table
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)


