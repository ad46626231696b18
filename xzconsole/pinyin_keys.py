"""Pinyin and initials for searching Chinese names with a Latin keyboard
(issue 16): ``rsj`` or ``renshe`` finds 市人社局, ``dlie`` 工单队列 and so on.

Each name's keys — its full pinyin and its initials, lower case, without
tones — are computed once (:func:`keys` is memoised: a department or a place
name is converted the first time it is searched, not on every keystroke).
Pure: uses pypinyin's dictionary, no database, no Textual.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=4096)
def keys(name: str) -> tuple[str, str]:
    """``(full pinyin, initials)`` of ``name``: ``市人社局`` → ``("shirenshiju", "srsj")``.
    Characters that are not Chinese are kept (lower-cased) in both.

    pypinyin is imported here, on the first search, not with the console:
    loading its phrase dictionaries costs ≈120 ms and ≈20 MB, which the
    start-up to the first queue page (issue 11) must not pay."""
    from pypinyin import Style, lazy_pinyin
    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="default") if s.strip()]
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def is_latin_query(query: str) -> bool:
    """A query a pinyin match is tried for: Latin letters only (spaces ignored)."""
    q = query.replace(" ", "")
    return bool(q) and q.isascii() and q.isalpha()


def matches(query: str, name: str) -> bool:
    """Whether ``query`` (Latin letters, any case) occurs in the full pinyin or
    in the initials of ``name``: ``rsj`` / ``RSJ`` / ``renshe`` → 市人社局."""
    if not is_latin_query(query):
        return False
    q = query.replace(" ", "").lower()
    full, initials = keys(name)
    return q in initials or q in full
