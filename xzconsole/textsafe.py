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

__all__ = ["json_text", "literal", "plain", "neutralise"]

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
