"""Pinyin and initials for searching Chinese names with a Latin keyboard
(issue 16): ``rsj`` or ``renshe`` finds 市人社局, ``dlie`` 工单队列, ``xzjs``
or ``xuzhou`` 徐州…建设… enterprises and so on.

Each name's keys — its full pinyin and its initials, lower case, without
tones — are computed once (:func:`keys` is memoised: a department or a place
name is converted the first time it is searched, not on every keystroke;
:func:`keys_many` converts a batch, each distinct name once).  The
enterprise directory stores them with each record (``enterprises.name_pinyin``
and ``name_initials``, indexed) so that 200,000 records are searched in SQL.
Pure: uses pypinyin's dictionary, no database, no Textual.
"""

from __future__ import annotations

import functools
from typing import Iterable

_OTHER = "\0"  # marks a run of non-Chinese characters in pypinyin's answer


def _other(chars: str) -> str:
    return _OTHER + chars


def _keys(name: str) -> tuple[str, str]:
    """``(full pinyin, initials)`` of ``name``: ``市人社局`` → ``("shirensheju", "srsj")``.

    Letters and digits that are not Chinese are kept whole (lower-cased) in
    both — ``ABB（中国）有限公司`` → ``("abbzhongguoyouxiangongsi", "abbzgyxgs")``
    — and punctuation, spaces and symbols are dropped, so a query never has to
    type them.  Polyphones are read as pypinyin's phrase dictionary reads them
    in context (银行 yinhang, 重工 zhonggong).

    pypinyin is imported here, on the first search, not with the console:
    loading its phrase dictionaries costs ≈120 ms and ≈20 MB, which the
    start-up to the first queue page (issue 11) must not pay."""
    from pypinyin import Style, lazy_pinyin
    full: list[str] = []
    initials: list[str] = []
    for part in lazy_pinyin(name, style=Style.NORMAL, errors=_other):
        if part.startswith(_OTHER):
            kept = "".join(ch for ch in part[1:].lower() if ch.isascii() and ch.isalnum())
            full.append(kept)
            initials.append(kept)
        elif part:
            syllable = part.lower()
            full.append(syllable)
            initials.append(syllable[0])
    return "".join(full), "".join(initials)


@functools.lru_cache(maxsize=4096)
def keys(name: str) -> tuple[str, str]:
    """:func:`_keys`, memoised (the console's department and place names)."""
    return _keys(name)


def keys_many(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """:func:`keys` of each distinct name of a batch (an import, the demo's
    directory): a name met twice is converted once."""
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        if name not in out:
            out[name] = _keys(name)  # a batch would only churn the console's small cache
    return out


def query_key(query: str) -> str:
    """A Latin query as the stored keys spell it: lower case, no spaces."""
    return query.replace(" ", "").lower()


def is_latin_query(query: str) -> bool:
    """A query a pinyin match is tried for: Latin letters only (spaces ignored)."""
    q = query.replace(" ", "")
    return bool(q) and q.isascii() and q.isalpha()


def matches(query: str, name: str) -> bool:
    """Whether ``query`` (Latin letters, any case) occurs in the full pinyin or
    in the initials of ``name``: ``rsj`` / ``RSJ`` / ``renshe`` → 市人社局."""
    if not is_latin_query(query):
        return False
    q = query_key(query)
    full, initials = keys(name)
    return q in initials or q in full
