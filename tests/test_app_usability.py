"""Pilot tests of issue 16: what a day of real use found wrong with the console
(keys that lose work, characters lost under overlays, English, stale errors,
cursor and column behaviour), each reproduced through the real app."""

from __future__ import annotations

import re
from typing import Any

from textual.widgets import Input, Select

from xzconsole.app import XzApp
from xzconsole.screens.dialogs import ConfirmDialog, ReasonDialog
from xzconsole.screens.intake import IntakeScreen
from xzconsole.screens.policy_editor import PolicyEditorScreen
from xzconsole.screens.queue import QueueScreen
from xzconsole.store import Store
from pilot_support import screen_text, settle


def make_app(store: Store, login: str = "clerk") -> XzApp:
    return XzApp(store.path, login, store.clock)


async def type_into(pilot: Any, text: str) -> None:
    await pilot.pause()
    focused = pilot.app.focused
    assert isinstance(focused, Input)
    focused.insert_text_at_cursor(text)
    await pilot.pause()


# ---------------------------------------------------------------- (1) q never loses a form


async def test_q_on_the_intake_drop_down_asks_before_quitting(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        intake = app.screen
        intake.query_one("#intake-name", Input).focus()
        await type_into(pilot, "徐州云龙机械有限公司")
        await pilot.press("shift+tab")  # back onto the 诉求类型 drop-down
        await settle(pilot)
        assert isinstance(app.focused, Select)
        await pilot.press("q")
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, ConfirmDialog) and "退出工作台" in screen_text(app)
        await pilot.press("escape")  # no: back to the form, nothing lost
        await settle(pilot)
        assert app.screen is intake
        assert intake.query_one("#intake-name", Input).value == "徐州云龙机械有限公司"
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert app.return_code == 0


async def test_q_in_an_empty_intake_and_on_the_queue_still_quits(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0


async def test_q_in_the_policy_editor_with_changes_asks(store):
    app = make_app(store, "sup")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(PolicyEditorScreen(None))
        await settle(pilot)
        await type_into(pilot, "关于稳就业的若干措施")
        app.screen.query_one("#ed-level", Select).focus()
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code is None and isinstance(app.screen, ConfirmDialog)


async def test_q_in_a_dialog_never_quits(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(ReasonDialog("退回理由", label="理由"))
        await settle(pilot)
        app.screen.query_one(".dialog-ok").focus()
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code is None and isinstance(app.screen, ReasonDialog)  # a dialog keeps the app's q out


# ---------------------------------------------------------------- (7) no English from Textual

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
KEY_NAMES = {"ctrl", "shift", "alt", "super", "tab", "enter", "esc", "escape", "space", "home", "end", "pgup", "pgdn",
             "pageup", "pagedown", "delete", "backspace", "left", "right", "up", "down", "Ctrl", "Enter", "Esc", "Tab",
             "Home", "End", "Shift", "Space", "Delete", "Backspace"}


def english_in(descriptions: list[str]) -> list[str]:
    return [d for d in descriptions if any(w not in KEY_NAMES for w in LATIN_WORD.findall(d))]


async def help_descriptions(pilot: Any) -> list[str]:
    app = pilot.app
    await pilot.press("f1")
    await settle(pilot)
    text = screen_text(app)
    lines = app.screen.lines
    await pilot.press("escape")
    await settle(pilot)
    assert "Cursor" not in text and "Page Left" not in text and "Focus Next" not in text and "Quit" not in text
    return [line.strip().split("  ", 1)[-1] for line in lines]


async def test_f1_lists_textual_keys_in_chinese(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        described = await help_descriptions(pilot)  # the queue's table is focused
        assert "上移" in described and "退出" in described
        assert english_in(described) == []
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        app.screen.query_one("#intake-name", Input).focus()
        assert english_in(await help_descriptions(pilot)) == []
        app.screen.query_one("#intake-content").focus()
        assert english_in(await help_descriptions(pilot)) == []
        app.screen.query_one("#intake-form").focus()  # a scrolling container: Page Left / Page Right
        assert english_in(await help_descriptions(pilot)) == []


async def test_open_drop_down_offers_its_keys_in_chinese(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(IntakeScreen())
        await settle(pilot)
        assert isinstance(app.focused, Select)
        await pilot.press("enter")
        await settle(pilot)
        shown = [active.binding.description for active in app.screen.active_bindings.values()]
        assert "收起选项" in shown and "Dismiss menu" not in shown
        assert english_in(shown) == []


async def test_palette_prompt_and_no_match_line_are_chinese(store):
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        text = screen_text(app)
        assert "Search for commands" not in text and "搜索" in text
        await pilot.press(*"zqxjv")
        await pilot.pause(0.8)
        await settle(pilot)
        text = screen_text(app)
        assert "没有找到匹配项" in text and "No matches" not in text
        await pilot.press("ctrl+a", "ctrl+k")
        await pilot.press(*"tui")  # 退出 by the palette's own entries is Chinese too
        await pilot.pause(0.5)
        await settle(pilot)
        assert "Quit the application" not in screen_text(app)
