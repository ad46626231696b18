"""The policy categories (9 categories, 56 subcategories) as one Select: the
library's filter and the editor share it.  A module of its own so that the
library (F4) does not load the editor and its TextArea to show it (issue 11)."""

from __future__ import annotations

from ..textsafe import plain

CATEGORY_SEP = "\u001f"  # between category and subcategory in a Select value (never typed by anyone)


def category_options(tree: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The 9 / 56 tree as one Select: each category, then its subcategories indented."""
    out: list[tuple[str, str]] = []
    for top, subs in tree.items():
        out.append((plain(top), top))
        out.extend((f"  └ {plain(s)}", f"{top}{CATEGORY_SEP}{s}") for s in subs)
    return out


def split_category(value: str | None) -> tuple[str, str]:
    """A category Select value as (category, subcategory)."""
    if not value:
        return "", ""
    top, _, sub = value.partition(CATEGORY_SEP)
    return top, sub
