"""The queue's tab strip (one widget instead of Textual's fifteen, issue 11):
what a clerk sees and does with it — labels shown literally, the active tab
always in view at 80 columns with no character cut, a click or ``[`` / ``]``
to change tabs, the counts arriving in the labels."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult

from xzconsole.app import XzApp
from xzconsole.models import TicketIntake
from xzconsole.screens.queue import QueueScreen
from xzconsole.widgets.tab_strip import TabStrip
from pilot_support import screen_text, settle

LABELS = [("tab-new", "待受理 12"), ("tab-returned", "已退回 3"), ("tab-dispatched", "已派发 1,204"),
          ("tab-signed", "已签收 88"), ("tab-replied", "已答复 7"), ("tab-closed", "已办结 30,112"),
          ("tab-yellow", "黄色预警 5"), ("tab-orange", "橙色预警 2"), ("tab-red", "红色预警 1"),
          ("tab-all", "全部 31,420"), ("tab-saved-1", "★[b]彭城[/b]光电 2")]


class _Strip(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.activated: list[str] = []

    def compose(self) -> ComposeResult:
        yield TabStrip(LABELS, id="tabs")

    def on_tab_strip_activated(self, event: TabStrip.Activated) -> None:
        self.activated.append(event.tab_id)


def _line(app: App[None], y: int) -> str:
    return "".join(seg.text for seg in app.query_one(TabStrip).render_line(y))


async def test_every_tab_is_reached_at_80_columns_whole_and_in_view() -> None:
    app = _Strip()
    async with app.run_test(size=(80, 10)) as pilot:
        strip = app.query_one(TabStrip)
        first = _line(app, 0)
        assert first.startswith(" 待受理 12 ") and first.rstrip().endswith(">")  # more to the right
        for tab_id, label in LABELS[1:]:
            strip.next()
            await pilot.pause()
            line = _line(app, 0)
            assert f" {label} " in line, (tab_id, line)  # the active tab is shown whole
            # every label shown is whole: no double-width character cut at the edge
            shown = [lab for _, lab in LABELS if f" {lab} " in line]
            assert shown and all(lab in line for lab in shown)
        assert _line(app, 0).startswith("<")  # more to the left
        assert app.activated == [t for t, _ in LABELS[1:]]
        strip.next()  # after the last: the first again
        await pilot.pause()
        assert strip.active == "tab-new" and _line(app, 0).startswith(" 待受理 12 ")


async def test_labels_are_literal_and_the_bar_marks_the_active_tab() -> None:
    app = _Strip()
    async with app.run_test(size=(200, 10)) as pilot:
        strip = app.query_one(TabStrip)
        strip.active = "tab-saved-1"
        await pilot.pause()
        labels, bar = _line(app, 0), _line(app, 1)
        assert "★[b]彭城[/b]光电 2" in labels
        assert len(bar) == 200 and set(bar) == {"━"}  # the bar runs the whole width
        start = cell_len(labels[:labels.index(" ★[b]")])  # cells, not characters: the labels are Chinese
        end = start + cell_len(" ★[b]彭城[/b]光电 2 ")
        styles = [seg.style for seg in strip.render_line(1) for _ in seg.text]
        under = set(styles[start:end])
        assert len(under) == 1 and under.isdisjoint(styles[:start]) and under.isdisjoint(styles[end:])


async def test_a_click_on_a_label_activates_it() -> None:
    app = _Strip()
    async with app.run_test(size=(200, 10)) as pilot:
        line = _line(app, 0)
        x = cell_len(line[:line.index("黄色预警")])
        await pilot.click(TabStrip, offset=(x + 1, 0))
        await pilot.pause()
        assert app.query_one(TabStrip).active == "tab-yellow" and app.activated == ["tab-yellow"]


async def test_the_queue_tabs_show_counts_and_follow_brackets_at_80x24(store, staff) -> None:
    for i in range(3):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="consultation",
                                                          enterprise_name=f"徐州云龙{i}号机械有限公司",
                                                          content="咨询稳岗返还。"))
    sf = store.saved_filters.save(staff["clerk"], "云龙[/]机械", "tab-all", {}, "云龙")
    app = XzApp(store.path, "clerk", store.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert queue.tab_label("tab-new") == "待受理 3"
        assert "待受理 3" in screen_text(app)
        for _ in range(len(queue.tabs) - 1):
            await pilot.press("right_square_bracket")
            await settle(pilot)
        assert queue.tab is not None and queue.tab.id == f"tab-saved-{sf.id}"
        assert "★云龙[/]机械 3" in screen_text(app)  # the saved tab scrolled into view, literally
        assert queue.query_one("#queue-table").has_focus  # the keys stay with the table
