"""专栏 and 置顶 (issue 15, item 3): columns created and ordered, policies
put in them in an order, pinned policies first in the library; the library
screen opens on the pinned and the columns; `search --column`."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, Select

from xzconsole.app import XzApp
from xzconsole.errors import InvalidAction, NotFound, PermissionDenied
from xzconsole.policies import PolicyFilter
from xzconsole.screens.policies import PolicyLibraryScreen
from xzconsole.screens.policies_columns import ColumnPickDialog, ColumnsScreen
from xzconsole.services.library_files import search_cli

from pilot_support import settle
from test_app_policies import cells, make


def _published(store, n: int) -> list[int]:
    return [h.policy.id for h in store.library.search("", PolicyFilter(statuses=["published"]), limit=n)]


def test_columns_in_order_with_their_policies_and_pins_first(store, staff):
    sup = staff["sup"]
    a = store.library.create_column(sup, "助企战疫，复工复产")
    b = store.library.create_column(sup, "商协会服务专栏")
    assert [c["name"] for c in store.library.columns()] == ["助企战疫，复工复产", "商协会服务专栏"]
    store.library.move_column(sup, b, -1)
    assert [c["name"] for c in store.library.columns()] == ["商协会服务专栏", "助企战疫，复工复产"]
    with pytest.raises(InvalidAction):
        store.library.create_column(sup, "商协会服务专栏")
    with pytest.raises(PermissionDenied):
        store.library.create_column(staff["clerk"], "别的专栏")
    p1, p2, p3 = _published(store, 3)
    for pid in (p3, p1, p2):
        store.library.add_to_column(sup, a, pid)
    with pytest.raises(InvalidAction):
        store.library.add_to_column(sup, a, p1)
    got = store.library.search("", PolicyFilter(column_id=a), limit=10)
    assert [h.policy.id for h in got] == [p3, p1, p2]  # the column's own order
    store.library.move_in_column(sup, a, p2, -1)
    assert [h.policy.id for h in store.library.search("", PolicyFilter(column_id=a))] == [p3, p2, p1]
    store.library.remove_from_column(sup, a, p3)
    assert store.library.columns()[1]["count"] == 2
    assert store.library.columns_of(p1) == ["助企战疫，复工复产"]
    # 置顶: pinned policies come first in the library, in their order
    oldest = store.library.search("", PolicyFilter(statuses=["published"]), limit=200)[-1].policy.id
    store.library.pin(sup, oldest)
    store.library.pin(sup, p2)
    assert [h.policy.id for h in store.library.search("", limit=2)] == [oldest, p2]
    store.library.move_pin(sup, p2, -1)
    assert [p.id for p in store.library.pinned()] == [p2, oldest]
    draft = store.library.create(sup, {"title": "未发布的草稿"})
    with pytest.raises(InvalidAction):
        store.library.pin(sup, draft.id)
    store.library.unpin(sup, p2)
    assert [p.id for p in store.library.pinned()] == [oldest]
    assert [h["note"] for h in store.library.history(p2) if h["action"] in ("pin", "column")] == [
        "加入专栏“助企战疫，复工复产”", "置顶", "取消置顶"]


def test_search_column_limits_the_cli_search_to_a_column(store, staff, capsys):
    sup = staff["sup"]
    cid = store.library.create_column(sup, "助企战疫，复工复产")
    all_hits = store.library.search("补贴", limit=50)
    assert len(all_hits) >= 2
    store.library.add_to_column(sup, cid, all_hits[-1].policy.id)
    assert search_cli(store, "policies", "补贴", as_json=True, column="助企战疫，复工复产") == 0
    out = capsys.readouterr().out
    assert [json.loads(x)["id"] for x in out.splitlines()] == [all_hits[-1].policy.id]
    # no words: the column in its order
    assert search_cli(store, "policies", "", as_json=True, column=str(cid)) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert search_cli(store, "policies", "补贴", column="没有这个专栏") == 2
    assert "没有名为“没有这个专栏”的专栏" in capsys.readouterr().err
    assert search_cli(store, "knowledge", "社保", column="助企战疫，复工复产") == 2
    with pytest.raises(NotFound):
        store.library.column_id("没有这个专栏")


async def test_the_library_opens_on_the_pinned_and_the_columns(store, staff):
    sup = staff["sup"]
    cid = store.library.create_column(sup, "助企战疫，复工复产")
    pinned = make(store, staff, "关于进一步帮助市场主体纾困解难的若干政策措施（惠企21条）")
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = PolicyLibraryScreen()
        pilot.app.push_screen(screen)
        await settle(pilot)
        assert "尚无" not in screen.columns_text and "1 助企战疫，复工复产（0）" in screen.columns_text
        # pin the highlighted policy and put it in the column
        first = cells(screen)[0][-1]
        assert first == pinned.title
        await pilot.press("p")
        await settle(pilot)
        assert cells(screen)[0][0] == "置顶" and "置顶 1 件" in screen.columns_text
        await pilot.press("l")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ColumnPickDialog)
        dialog.query_one("#column-select", Select).value = cid
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.library.columns_of(pinned.id) == ["助企战疫，复工复产"]
        # a new policy published later still comes after the pinned one
        make(store, staff, "关于2026年度稳外贸若干措施的通知")
        await pilot.press("r")
        await settle(pilot)
        assert cells(screen)[0][-1] == pinned.title
        # 1: the column alone
        await pilot.press("1")
        await settle(pilot)
        assert [r[-1] for r in cells(screen)] == [pinned.title]
        assert screen.status_text.startswith("专栏“助企战疫，复工复产”")
        await pilot.press("0")
        await settle(pilot)
        assert len(cells(screen)) > 1
        # the columns screen: a new column, moved first, opened
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ColumnsScreen)
        await pilot.press("a")
        await settle(pilot)
        pilot.app.screen.query_one(Input).value = "商协会服务专栏"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert [c["name"] for c in store.library.columns()] == ["商协会服务专栏", "助企战疫，复工复产"]
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen and "▶1 商协会服务专栏（0）" in screen.columns_text


def test_pinned_first_pages_without_losing_or_repeating_a_policy(store, staff):
    sup = staff["sup"]
    everything = [h.policy.id for h in store.library.search("", limit=500)]
    published = [h.policy.id for h in store.library.search("", PolicyFilter(statuses=["published"]), limit=500)]
    a, b = published[-1], published[-2]
    store.library.pin(sup, a)
    store.library.pin(sup, b)
    paged = [h.policy.id for off in range(0, len(everything), 3) for h in store.library.search("", limit=3, offset=off)]
    assert paged[:2] == [a, b]
    assert sorted(paged) == sorted(everything) and len(paged) == len(everything)
    assert [h.policy.id for h in store.library.search("", limit=1, offset=2)] == [everything[0]]
    assert everything[0] not in (a, b)
    # a filter leaves out the pinned policies it does not hold
    issuer = store.library.get(everything[0]).issuer
    hits = store.library.search("", PolicyFilter(issuer=issuer), limit=500)
    assert all(h.policy.issuer == issuer for h in hits)
