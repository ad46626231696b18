"""The key bar: the screen's keys on one line at the bottom (in place of Textual's Footer).

Textual's ``Footer`` is a scrolling container holding one widget per key;
every change of the screen's bindings (focus moving, a page reaching the last
one) recomposes it: a dozen widgets styled, laid out and mounted again.  At
start-up that was a fifth of the console's time to its first page.  The key
bar is one widget drawing one line of text from ``screen.active_bindings``:

* the screen's shown keys, one per action, in binding order ("PgDn 下一页");
  a key that is shown but unavailable now is dimmed;
* ``F1 帮助`` and ``^p 跳转`` (the command palette) always at the right;
* when the keys do not fit, the line ends in "…" before the right part —
  F1 lists them all;
* clicking a key presses it (an unavailable one rings the bell).

Key names are shown as printed on the keys (F1, Esc, PgDn, Tab) or in
Chinese (空格 for the space bar).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import ActiveBinding, Binding
    from textual.screen import Screen

#: how Textual's key names are shown (the rest are upper-cased when they are one letter long or a function key)
KEY_NAMES = {
    "space": "空格",
    "esc": "Esc",
    "escape": "Esc",
    "pgdn": "PgDn",
    "pgup": "PgUp",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "del": "Del",
    "home": "Home",
    "end": "End",
    "ins": "Ins",
}

ELLIPSIS = "…"
GAP = "  "


def key_name(display: str) -> str:
    """A key as the bar shows it: ``f2`` → ``F2``, ``space`` → ``空格``, ``pgdn`` → ``PgDn``."""
    if display in KEY_NAMES:
        return KEY_NAMES[display]
    if len(display) >= 2 and display[0] == "f" and display[1:].isdigit():
        return display.upper()
    return display


class _Item(NamedTuple):
    key: str  # the key to press (the binding's first)
    label: Text
    enabled: bool


class KeyBar(Widget, can_focus=False):
    """One line of the screen's keys, docked at the bottom."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground; }
    KeyBar > .key-bar--disabled { color: $text-disabled; }
    """

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, classes=classes)
        self._spans: list[tuple[int, int, str, bool]] = []  # (start, end, key, enabled) of the drawn line
        self._drawn: tuple[tuple[str, str, str, bool], ...] | None = None  # the bindings the line was drawn from

    # -- following the screen's bindings ----------------------------------------------
    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _signature(self, bindings: Mapping[str, ActiveBinding] | None = None) -> tuple[tuple[str, str, str, bool], ...]:
        if bindings is None:
            bindings = self.screen.active_bindings
        return tuple((key, active.binding.action, active.binding.description, active.enabled)
                     for key, active in bindings.items())

    def _bindings_changed(self, screen: Screen[object]) -> None:
        # the bindings are announced as changed after every focus change and
        # refresh_bindings(); drawing the line again when it would be the same
        # cost the console a frame at start (issue 11)
        if self.is_attached and screen is self.screen and self._signature() != self._drawn:
            self.refresh()

    # -- what is drawn ---------------------------------------------------------------------
    def _items(self, bindings: Mapping[str, ActiveBinding]) -> tuple[list[_Item], list[_Item]]:
        """(the screen's keys, the keys kept at the right: F1 and ^p), from
        the screen's active bindings (Textual works them out anew each time
        they are asked for: once per drawing)."""
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        desc_style = self.get_component_rich_style("key-bar--description", partial=True)
        off_style = self.get_component_rich_style("key-bar--disabled", partial=True)
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None

        def item(binding: Binding, enabled: bool) -> _Item:
            label = Text.assemble((key_name(app.get_key_display(binding)), key_style if enabled else off_style),
                                  " ", (binding.description, desc_style if enabled else off_style))
            return _Item(binding.key.split(",")[0], label, enabled)

        left: list[_Item] = []
        right: list[_Item] = []
        seen: set[str] = set()
        help_item: _Item | None = None
        for key, active in bindings.items():
            binding = active.binding
            if key == palette_key:
                continue
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            if binding.action == "help" or binding.action == "app.help":
                help_item = item(binding, active.enabled)
            else:
                left.append(item(binding, active.enabled))
        if help_item is not None:
            right.append(help_item)
        if palette_key is not None and palette_key in bindings:
            active = bindings[palette_key]
            right.append(item(active.binding, active.enabled))
        return left, right

    def render(self) -> Text:
        bindings = self.screen.active_bindings
        self._drawn = self._signature(bindings)
        width = self.size.width
        left, right = self._items(bindings)
        right_text = Text(" ").join(i.label for i in right)
        room = max(0, width - right_text.cell_len - 2)  # two spaces before the right part
        line = Text(" ")
        used = 1  # the line's cells so far (counted as it grows, not measured again each key)
        spans: list[tuple[int, int, str, bool]] = []
        cut = False
        for n, it in enumerate(left):
            gap = GAP if n else ""
            label = it.label.cell_len
            need = cell_len(gap) + label
            # keep room for the ellipsis unless this is the last key
            reserve = 0 if n == len(left) - 1 else cell_len(GAP + ELLIPSIS)
            if used + need + reserve > room:
                cut = True
                break
            line.append(gap)
            start = used + cell_len(gap)
            line.append_text(it.label)
            used = start + label
            spans.append((start, used, it.key, it.enabled))
        if cut:
            line.append(GAP + ELLIPSIS)
            used += cell_len(GAP + ELLIPSIS)
        pad = width - used - right_text.cell_len - 1
        if right and pad >= 1:
            line.append(" " * pad)
            x = used + pad
            for n, it in enumerate(right):
                if n:
                    line.append(" ")
                    x += 1
                line.append_text(it.label)
                spans.append((x, x + it.label.cell_len, it.key, it.enabled))
                x += it.label.cell_len
        self._spans = spans
        line.truncate(width)
        return line

    # -- clicking a key presses it ---------------------------------------------------------
    def key_at(self, x: int) -> tuple[str, bool] | None:
        """The key drawn at column ``x`` and whether it is available, or None."""
        for start, end, key, enabled in self._spans:
            if start <= x < end:
                return key, enabled
        return None

    async def on_click(self, event: events.Click) -> None:
        hit = self.key_at(event.x)
        if hit is None:
            return
        event.stop()
        key, enabled = hit
        if enabled:
            self.app.simulate_key(key)
        else:
            self.app.bell()
