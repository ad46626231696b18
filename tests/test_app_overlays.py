"""Issue 16 item 2: a toast, a dialog, a drop-down and the command palette
lying over Chinese text lose no character of their own, and of the text
underneath only the cells they cover (a character cut in half by an overlay's
edge shows its visible half as a space; its neighbours stay).

The background is a row of narrow columns of odd and even widths, so a widget
edge falls under almost every cell of whatever lies on top: before the fix
(``xzconsole.widgets.cells``) every wide character of an overlay above such
an edge was replaced by two spaces.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import ModalScreen
from textual.widgets import Select, Static
from textual.widgets._toast import Toast

import xzconsole.app  # noqa: F401 - installs the cell-safe compositor, as the console does
from pilot_support import screen_text, settle

FILLER = "市人社局税务局市场监管局发展改革委员会自然资源和规划局"
TOAST = "请先修正标出的字段，已记录督办：市纪委监委"
DIALOG = "已推送给行业协会共六家，请核对推送清单"
OPTIONS = ["全部单位", "市人社局", "市公安局", "市自然资源和规划局"]
COMMANDS = ["跳转到工单队列", "打开企业名录", "查看三率考核"]


def cells(line: str) -> list[str]:
    """A text line as one entry per terminal cell ('' for a wide character's right half)."""
    out: list[str] = []
    for ch in line:
        out.append(ch)
        if Text(ch).cell_len == 2:
            out.append("")
    return out


class Jump(Provider):
    async def discover(self) -> Hits:
        for name in COMMANDS:
            yield Hit(1.0, name, lambda: None, text=name)  # type: ignore[arg-type]  # discover yields DiscoveryHit-compatible hits

    async def search(self, query: str) -> Hits:
        for name in COMMANDS:
            if query in name:
                yield Hit(1.0, name, lambda: None, text=name)


class Box(ModalScreen[None]):
    DEFAULT_CSS = "Box { align: center middle; } #box { width: 45; height: 5; border: round $primary; }"

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(DIALOG, markup=False)


class Background(App[None]):
    COMMANDS = {Jump}
    CSS = "Static.col { height: 100%; } Select { width: 40; } #top { height: 3; }"

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Select([(o, o) for o in OPTIONS], value=OPTIONS[0], allow_blank=False, compact=True)
        with Horizontal():
            for i in range(40):
                width = 3 + i % 4  # 3, 4, 5, 6: edges at every parity
                yield Static((FILLER * 20)[i * 7:], classes="col", markup=False,
                             expand=False).set_styles(f"width: {width};")


def grid(app: App[Any]) -> list[list[str]]:
    return [cells(line) for line in screen_text(app).splitlines()]


def region_text(rows: list[list[str]], region: Region) -> str:
    """The characters shown inside ``region``, in reading order, without blanks and borders."""
    return "".join("".join(row[region.x:region.right]) for row in rows[region.y:region.bottom]).translate(
        {ord(c): None for c in " ▌▐│─╭╮╰╯▔▁▊▎"})


def assert_only_covered_lost(before: list[list[str]], after: list[list[str]], covered: list[Region]) -> None:
    """Outside the overlays every cell shows what it showed before, except a
    wide character's visible half beside an overlay edge (a space)."""
    def inside(x: int, y: int) -> bool:
        return any(r.contains(x, y) for r in covered)

    for y, (old, new) in enumerate(zip(before, after)):
        for x, ch in enumerate(old):
            if inside(x, y) or x >= len(new) or new[x] == ch:
                continue
            cut_left = ch == "" and inside(x - 1, y)  # right half of a character whose left half is covered
            cut_right = ch != "" and x + 1 < len(old) and old[x + 1] == "" and inside(x + 1, y)
            assert (cut_left or cut_right) and new[x] == " ", (
                f"line {y}, cell {x}: {ch!r} became {new[x]!r}\n{''.join(old)}\n{''.join(new)}")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_overlays_keep_every_character_they_do_not_cover(size: tuple[int, int]) -> None:
    app = Background()
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        before = grid(app)

        # a toast
        app.notify(TOAST, markup=False, timeout=30)
        await settle(pilot)
        toast = app.screen.query_one(Toast)
        assert region_text(grid(app), toast.region) == TOAST
        assert_only_covered_lost(before, grid(app), [toast.region])
        app.clear_notifications()
        await settle(pilot)

        # a drop-down
        app.query_one(Select).focus()
        await pilot.press("enter")
        await settle(pilot)
        overlay = app.screen.query_one("SelectOverlay")
        shown = screen_text(app)
        for option in OPTIONS:
            assert option in shown, option
        assert_only_covered_lost(before, grid(app), [overlay.region, app.query_one(Select).region])
        await pilot.press("escape")
        await settle(pilot)

        # a dialog
        app.set_focus(None)
        await app.push_screen(Box())
        await settle(pilot)
        assert DIALOG in screen_text(app)
        assert_only_covered_lost(before, grid(app), [app.screen.query_one("#box").region])
        app.pop_screen()
        await settle(pilot)

        # the command palette
        app.action_command_palette()
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        shown = screen_text(app)
        for name in COMMANDS:
            assert name in shown, name
        parts = [app.screen.query_one("#--input").region, app.screen.query_one("CommandList").region]
        assert_only_covered_lost(before, grid(app), parts)
