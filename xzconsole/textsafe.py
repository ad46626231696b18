"""Make user text literal before it reaches the screen.

Enterprise names, appeal contents and policy titles come from the public and
from other systems.  They are shown exactly as written: never parsed as Rich
markup (``[b]x[/b]`` shows those seven characters) and never allowed to steer
the terminal (an ESC byte could otherwise start an escape sequence).  Every
widget of the console builds its user text through :func:`literal` (a
``rich.text.Text``, which Textual never parses as markup) or, where a ``str``
is required, through :func:`plain` (then pass ``markup=False``).

Control characters are replaced by their visible ``\\xNN`` escape so a reader
sees that something odd was there instead of losing it silently; tab and
newline become a space in single-line contexts (:func:`literal` with
``single_line=True``, the default) and are kept otherwise.
"""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["json_text", "literal", "plain", "neutralise", "wrap_offsets", "NO_LINE_START", "NO_LINE_END"]

#: what Chinese line breaking (禁则) never puts first on a line: closing
#: punctuation and brackets, the ideographic full stop, comma, colon …
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·,.;:?!)]}%")
#: and never last on one: opening brackets and quotation marks
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

# C0 controls (except \t \n handled separately), DEL, C1 controls, and the
# Unicode bidi marks, overrides and isolates that could reorder what the reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# what json.dumps(ensure_ascii=False) leaves raw but a terminal or a line reader
# acts on: DEL, C1 controls (U+009B is a one-byte CSI), NEL and the line/paragraph
# separators, and the bidi controls
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def neutralise(text: object, *, single_line: bool = True) -> str:
    """Return ``text`` as a str with every control character made visible.

    ``None`` becomes the empty string.  With ``single_line`` (the default) tab
    and line breaks become one space each, so a table cell stays one line.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if single_line:
        s = _LINE_BREAKS.sub(" ", s)
    else:
        s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _CONTROL.sub(_escape, s)


def json_text(encoded: str) -> str:
    """A JSON text made by ``json.dumps(..., ensure_ascii=False)`` with every
    character in :data:`_JSON_UNSAFE` written as its ``\\uXXXX`` escape (the
    same value to a JSON reader; Chinese stays readable).  Only strings can hold
    such characters, so escaping them anywhere in the text is safe."""
    if not _JSON_UNSAFE.search(encoded):
        return encoded
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", encoded)


def plain(text: object, *, single_line: bool = True) -> str:
    """Neutralised ``str`` for places that need a str (titles, notifications
    with ``markup=False``, column values compared in tests)."""
    return neutralise(text, single_line=single_line)


def literal(text: object, *, style: str = "", single_line: bool = True) -> Text:
    """A ``rich.text.Text`` holding ``text`` literally (no markup parsing,
    controls made visible), optionally styled as a whole.

    ``Text(...)`` is never parsed as markup by Rich or Textual, which is the
    whole point: a ``[/]`` in an appeal cannot raise a MarkupError.
    """
    return Text(neutralise(text, single_line=single_line), style=style, end="")


def _cells(ch: str) -> int:
    from rich.cells import get_character_cell_size

    return get_character_cell_size(ch)


def wrap_offsets(text: str, width: int) -> list[int]:
    """Where to break ``text`` (one paragraph, no newlines) into lines of at
    most ``width`` cells, following the Chinese line-breaking rule: no line
    begins with a character of :data:`NO_LINE_START` and none ends with one of
    :data:`NO_LINE_END` — the character before the break moves down with it
    instead (追い出し).  A run of Latin letters and digits is kept whole
    when it fits on a line.  Returns the offsets at which lines start, after
    the first.
    """
    if width <= 1:
        return []
    breaks: list[int] = []
    start = 0
    used = 0
    i = 0
    n = len(text)
    while i < n:
        w = _cells(text[i])
        if used + w <= width or i == start:
            used += w
            i += 1
            continue
        cut = i
        while True:  # both rules only move the break back: repeat until neither moves it
            moved = cut
            # push characters down while the new line would start badly or the old one end badly
            while cut - 1 > start and (text[cut] in NO_LINE_START or text[cut - 1] in NO_LINE_END):
                cut -= 1
            # a Latin word stays whole when it can
            if text[cut].isascii() and text[cut].isalnum():
                word = cut
                while word > start and text[word - 1].isascii() and text[word - 1].isalnum():
                    word -= 1
                if word > start:
                    cut = word
            if cut == moved:
                break
        breaks.append(cut)
        start = cut
        used = sum(_cells(c) for c in text[start:i])
    return breaks


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells under :func:`wrap_offsets`
    (existing line breaks kept)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        cuts = [0, *wrap_offsets(paragraph, width), len(paragraph)]
        lines.extend(paragraph[a:b] for a, b in zip(cuts, cuts[1:]))
    return lines
