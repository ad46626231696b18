"""Every word Textual itself shows, in Chinese (issue 16 item 7).

Textual's widgets bring their own key bindings, with English descriptions
that F1 and the footer list ("Cursor up", "Page Left", "Focus Next", "Copy
selected text", "esc Dismiss menu", "^q Quit"); its command palette says
"Search for commands…" and "No matches found".  Nothing in Textual's files
is changed:

* :func:`translate_bindings` gives the ``BINDINGS`` of Textual's widget
  classes Chinese descriptions (and tooltips) from :data:`DESCRIPTIONS`, and
  re-merges the bindings of every class already defined; classes defined
  later (the console's own widgets and screens) inherit the Chinese ones;
* :class:`ChinesePalette` is the command palette with a Chinese prompt and
  a Chinese "no matches" line.

``xzconsole.app`` calls :func:`translate_bindings` once at import, before any
widget exists (a widget copies its class's bindings when it is created).
The widget classes the first queue page does not use (TextArea and its
syntax machinery, RadioSet, SelectionList …) are not loaded for that: they
are translated when Textual loads them, on first use (issue 11).
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from rich.align import Align
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets.option_list import Option

#: Textual's binding descriptions → what the console shows instead
DESCRIPTIONS: dict[str, str] = {
    "Quit": "退出",
    "Copy": "复制", "Copy selected text": "复制选中文字", "Cut": "剪切", "Cut selected text": "剪切选中文字",
    "Paste": "粘贴", "Paste text from the clipboard": "粘贴", "Undo": "撤销", "Redo": "重做",
    "Select all": "全选", "Select line": "选中整行", "Select line start": "选到行首", "Select line end": "选到行尾",
    "Cursor up": "上移", "Cursor Up": "上移", "Cursor down": "下移", "Cursor Down": "下移",
    "Cursor left": "左移", "Cursor right": "右移",
    "Cursor up select": "向上选择", "Cursor down select": "向下选择",
    "Cursor left select": "向左选择", "Cursor right select": "向右选择",
    "Cursor left word select": "向左选择一词", "Cursor right word select": "向右选择一词",
    "Cursor word left": "左移一词", "Cursor word right": "右移一词",
    "Cursor line start": "到行首", "Cursor line end": "到行尾",
    "Cursor line start select": "选到行首", "Cursor line end select": "选到行尾",
    "Cursor page up": "上翻一页", "Cursor page down": "下翻一页",
    "Cursor to next ancestor": "到上级的下一项", "Cursor to next sibling": "到下一个同级",
    "Cursor to parent": "到上级", "Cursor to previous sibling": "到上一个同级",
    "Move cursor left": "左移", "Move cursor right a word": "右移一词", "Move cursor left a word": "左移一词",
    "Move cursor left and select": "向左选择", "Move cursor right and select": "向右选择",
    "Move cursor left a word and select": "向左选择一词", "Move cursor right a word and select": "向右选择一词",
    "Move cursor right or accept the completion suggestion": "右移或采用补全建议",
    "Go to start": "到开头", "Go to end": "到末尾", "Go to top": "到顶部", "Go to bottom": "到底部",
    "Delete character left": "删除左侧字符", "Delete character right": "删除右侧字符",
    "Delete left to start of word": "删除左侧一词", "Delete right to start of word": "删除右侧一词",
    "Delete all to the left": "删除光标左侧全部", "Delete all to the right": "删除光标右侧全部",
    "Delete to line start": "删除到行首", "Delete to line end": "删除到行尾", "Delete line": "删除整行",
    "Up": "上一项", "Down": "下一项", "First": "第一项", "Last": "最后一项",
    "Top": "顶部", "Bottom": "底部", "Home": "行首", "End": "行尾",
    "Page up": "上一页", "Page down": "下一页", "Page Up": "上一页", "Page Down": "下一页",
    "Page Left": "左翻一页", "Page Right": "右翻一页",
    "Scroll Up": "向上滚动", "Scroll Down": "向下滚动", "Scroll Left": "向左滚动", "Scroll Right": "向右滚动",
    "Scroll Home": "滚到顶部", "Scroll End": "滚到底部",
    "Focus Next": "下一个输入项", "Focus Previous": "上一个输入项",
    "Select": "选择", "Submit": "提交", "Show menu": "展开选项", "Dismiss menu": "收起选项",
    "Toggle": "切换", "Toggle option": "勾选/取消", "Toggle collapsible": "展开/收起",
    "Expand or collapse all": "全部展开/收起", "Press button": "按下按钮", "Open link": "打开链接",
    "Next tab": "下一标签", "Previous tab": "上一标签", "Next option": "下一选项", "Previous option": "上一选项",
    "Next command": "下一条", "Previous command": "上一条", "Next page": "下一页", "Previous page": "上一页",
    "Exit the command palette": "关闭命令面板",
    # tooltips
    "Quit the app and return to the command prompt.": "退出工作台，回到命令行。",
}

PALETTE_PROMPT = "搜索：工单编号、企业名称、政策标题、功能…"
NO_MATCHES = "没有找到匹配项"


def _translated(binding: BindingType) -> BindingType:
    if isinstance(binding, Binding):
        return dataclasses.replace(
            binding,
            description=DESCRIPTIONS.get(binding.description, binding.description),
            tooltip=DESCRIPTIONS.get(binding.tooltip, binding.tooltip),
        )
    key, action, *rest = binding
    description = rest[0] if rest else ""
    return Binding(key, action, DESCRIPTIONS.get(description, description))


def _classes(root: type[DOMNode]) -> Iterator[type[DOMNode]]:
    seen: set[type[DOMNode]] = set()
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        yield cls
        todo.extend(cls.__subclasses__())


#: the Textual widget classes of the first queue page, and those Textual creates itself (loaded at once)
FIRST_PAGE_WIDGETS = ("DataTable", "Footer", "Input", "OptionList", "Select", "Static")

_translated_classes: set[type[DOMNode]] = set()


def load_textual_widgets() -> None:
    """Define the Textual widget classes the first page uses (they load
    lazily), so their bindings are translated before any of them is created."""
    from textual import containers, screen, widgets  # noqa: F401 - importing defines the classes
    from textual.widgets import _select, _toast  # noqa: F401 - SelectOverlay, Toast

    for name in FIRST_PAGE_WIDGETS:
        getattr(widgets, name)


def _translate_defined() -> None:
    """Translate the Textual classes defined since the last time, then
    re-merge their bindings (a subclass copied its bases' bindings when it
    was defined).  Only theirs: a class defined earlier cannot have one of
    them among its bases, so its merged bindings are unchanged — re-merging
    every class cost each first use of a widget 1–2 ms (issue 11)."""
    classes = list(_classes(DOMNode))
    new = [cls for cls in classes if cls not in _translated_classes]
    if not new:
        return
    for cls in new:
        own = cls.__dict__.get("BINDINGS")
        if cls.__module__.startswith("textual") and own:
            cls.BINDINGS = [_translated(b) for b in own]
    _translated_classes.update(new)
    for cls in new:
        cls._merged_bindings = cls._merge_bindings()


def _translate_on_load() -> None:
    """Wrap ``textual.widgets``' lazy loader: a widget class loaded later (the
    first ``from textual.widgets import TextArea``) is translated before
    anyone can subclass or create it."""
    from textual import widgets

    loader = widgets.__dict__.get("__getattr__")
    if loader is None or getattr(loader, "translates", False):
        return

    def load_translated(name: str) -> object:
        value = loader(name)
        if isinstance(value, type) and value not in _translated_classes:
            _translate_defined()
        return value

    setattr(load_translated, "translates", True)
    setattr(widgets, "__getattr__", load_translated)  # the module's PEP 562 hook, wrapped (Textual's files unchanged)


def translate_bindings() -> None:
    """Chinese descriptions for the bindings of every Textual class defined
    now, and of each widget class Textual loads from now on."""
    load_textual_widgets()
    _translate_defined()
    _translate_on_load()


class ChinesePalette(CommandPalette):
    """The command palette, speaking Chinese."""

    def __init__(self) -> None:
        super().__init__(placeholder=PALETTE_PROMPT, id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """As Textual's, with the "no matches" line in Chinese."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
