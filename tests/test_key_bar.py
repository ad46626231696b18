"""The key bar at the bottom of every screen: the screen's keys in Chinese on
one line, F1 帮助 and ^p 跳转 always at the right, "…" when the keys do not
fit, and a click on a key pressing it."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.queue import PAGE_SIZE, QueueScreen
from xzconsole.widgets.key_bar import KeyBar, key_name
from pilot_support import settle


def bar_text(app: XzApp) -> str:
    return app.screen.query_one(KeyBar).render().plain


def column_of(line: str, text: str) -> int:
    """The terminal column where ``text`` starts (a Chinese character is two columns)."""
    return cell_len(line[:line.index(text)])


@pytest.fixture
def console(store: Any, staff: Any, clock: Any) -> XzApp:
    for i in range(PAGE_SIZE + 5):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation",
                                                          enterprise_name=f"徐州键栏{i}有限公司", content="咨询社保补贴"))
    return XzApp(store.path, "clerk", clock)


def test_key_names_are_shown_as_on_the_keyboard_or_in_chinese() -> None:
    assert [key_name(k) for k in ("space", "esc", "pgdn", "pgup", "f2", "f11", "/", "^p", "tab")] == \
        ["空格", "Esc", "PgDn", "PgUp", "F2", "F11", "/", "^p", "Tab"]


async def test_narrow_terminal_keeps_help_and_palette_at_the_right(console: XzApp) -> None:
    async with console.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(console.screen, QueueScreen)
        line = bar_text(console)
        assert cell_len(line) <= 80
        assert line.rstrip().endswith("F1 帮助 ^p 跳转")
        assert "…" in line  # more keys than fit: F1 lists them
        assert "PgDn 下一页" in line and "/ 搜索" in line
        assert "space" not in line and "pagedown" not in line


async def test_wide_terminal_shows_every_key(console: XzApp) -> None:
    async with console.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        line = bar_text(console)
        assert "…" not in line
        for shown in ("o 打开", "空格 标记", "d 批量派发", "x 重复办结", "r 刷新", "q 退出", "F1 帮助", "^p 跳转"):
            assert shown in line
        assert line.count("帮助") == 1  # F1 once, at the right


async def test_clicking_a_key_presses_it(console: XzApp) -> None:
    async with console.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        bar = console.screen.query_one(KeyBar)
        line = bar.render().plain
        x = column_of(line, "/ 搜索")
        assert bar.key_at(x) == ("slash", True)
        await pilot.click(KeyBar, offset=(x, 0))
        await settle(pilot)
        box = console.screen.query_one("#queue-search", Input)
        assert box.has_class("-open") and box.has_focus


@pytest.mark.parametrize("width", [60, 80, 120, 200])
async def test_every_drawn_key_is_clicked_where_it_is_drawn(console: XzApp, width: int) -> None:
    # the bar counts its cells as it lays the keys out: each key's clickable
    # span must still cover exactly its label, left of "…" and at the right
    async with console.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        bar = console.screen.query_one(KeyBar)
        line = bar.render().plain
        spans = bar._spans
        assert len(spans) >= 3 and cell_len(line) <= width
        cells = "".join(ch * cell_len(ch) for ch in line)  # one entry per terminal column
        for start, end, key, _enabled in spans:
            drawn = cells[start:end]
            binding = next(active.binding for active in console.screen.active_bindings.values()
                           if active.binding.key.split(",")[0] == key)
            name = key_name(console.get_key_display(binding))
            expected = "".join(ch * cell_len(ch) for ch in f"{name} {binding.description}")
            assert drawn == expected
            assert bar.key_at(start) is not None and bar.key_at(start)[0] == key
            assert bar.key_at(end - 1)[0] == key and (bar.key_at(end) is None or bar.key_at(end)[0] != key)


async def test_unavailable_keys_follow_the_page(console: XzApp) -> None:
    """PgUp is greyed (and a click only rings) on the first page; after PgDn it is live."""
    async with console.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        bar = console.screen.query_one(KeyBar)
        x = column_of(bar.render().plain, "PgUp")
        assert bar.key_at(x) == ("pageup", False)
        await pilot.click(KeyBar, offset=(x, 0))
        await settle(pilot)
        assert console.screen.page_number == 1  # type: ignore[attr-defined]  # the queue screen
        await pilot.press("pagedown")
        await settle(pilot)
        assert console.screen.page_number == 2  # type: ignore[attr-defined]  # the queue screen
        x = column_of(bar.render().plain, "PgUp")
        assert bar.key_at(x) == ("pageup", True)
        await pilot.click(KeyBar, offset=(x, 0))
        await settle(pilot)
        assert console.screen.page_number == 1  # type: ignore[attr-defined]  # the queue screen


def _drawn_style_of(bar: KeyBar, text: str) -> Any:
    """The style the bar was last *drawn* with at ``text`` (what the terminal shows, not a fresh render)."""
    for segment in bar.render_line(0):
        if text in segment.text:
            return segment.style
    raise AssertionError(f"{text} not drawn")


async def test_the_drawn_bar_follows_the_keys_and_is_not_redrawn_when_they_stay(console: XzApp,
                                                                                monkeypatch: Any) -> None:
    """Issue 11: the bindings are announced as changed after every focus
    change; the bar draws itself again only when what it shows changes."""
    renders = []
    original = KeyBar.render
    monkeypatch.setattr(KeyBar, "render", lambda self: renders.append(1) or original(self))
    async with console.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        bar = console.screen.query_one(KeyBar)
        greyed = _drawn_style_of(bar, "上一页")
        before = len(renders)
        console.screen.query_one("#queue-table").focus()
        console.refresh_bindings()
        await settle(pilot)
        assert len(renders) == before  # the same keys: not drawn again
        await pilot.press("pagedown")
        await settle(pilot)
        assert len(renders) > before and _drawn_style_of(bar, "上一页") != greyed  # PgUp live on page 2
