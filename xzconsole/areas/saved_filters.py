"""Saved filters (issue 16, SPEC §9): a staff member keeps the queue's filter
bar and search under a name, and it sits as a tab of its own after the
built-in ones — per login, across restarts.  Only the owner sees, saves or
removes them; the filters are stored as JSON of plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..clock import format_datetime
from ..errors import InvalidAction, NotFound
from ..models import Staff
from .base import Core, inserted_id

NAME_MAX = 12  # characters: a tab label, readable at 80 columns
MAX_PER_STAFF = 8


@dataclass
class SavedFilter:
    """One saved filter: the built-in tab it narrows, the filter bar's values and the search."""

    id: int
    name: str
    tab: str
    filters: dict[str, Any] = field(default_factory=dict)
    search: str = ""


class SavedFiltersArea:
    """The saved filters of each staff login."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def list(self, actor: Staff) -> list[SavedFilter]:
        rows = self.core.q("SELECT id, name, tab, filters, search FROM saved_filters WHERE login = ? ORDER BY id",
                           (actor.login,))
        if not rows:
            return []  # most staff have none: the console opens without json (issue 11)
        import json

        return [SavedFilter(r["id"], r["name"], r["tab"], json.loads(r["filters"] or "{}"), r["search"]) for r in rows]

    def save(self, actor: Staff, name: str, tab: str, filters: dict[str, Any], search: str = "") -> SavedFilter:
        """Save (or replace, by the same name) a filter; a clear refusal for a bad name."""
        import json

        n = " ".join((name or "").split())
        if not n:
            raise InvalidAction("请填写筛选名称")
        if len(n) > NAME_MAX:
            raise InvalidAction(f"筛选名称最多 {NAME_MAX} 个字（现有 {len(n)} 个）")
        values = json.dumps(filters, ensure_ascii=False, default=str, sort_keys=True)
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            old = c.execute("SELECT id FROM saved_filters WHERE login = ? AND name = ?", (actor.login, n)).fetchone()
            if old is not None:
                c.execute("UPDATE saved_filters SET tab = ?, filters = ?, search = ? WHERE id = ?",
                          (tab, values, search.strip(), old["id"]))
                fid = int(old["id"])
            else:
                (count,) = c.execute("SELECT COUNT(*) FROM saved_filters WHERE login = ?", (actor.login,)).fetchone()
                if count >= MAX_PER_STAFF:
                    raise InvalidAction(f"最多保存 {MAX_PER_STAFF} 个筛选，请先删除不用的")
                fid = inserted_id(c.execute(
                    "INSERT INTO saved_filters(login, name, tab, filters, search, created_at) VALUES (?,?,?,?,?,?)",
                    (actor.login, n, tab, values, search.strip(), now)))
        return SavedFilter(fid, n, tab, json.loads(values), search.strip())

    def remove(self, actor: Staff, filter_id: int) -> None:
        """Remove one of the actor's own saved filters."""
        with self.core.write() as c:
            cur = c.execute("DELETE FROM saved_filters WHERE id = ? AND login = ?", (int(filter_id), actor.login))
            if cur.rowcount == 0:
                raise NotFound(f"找不到已保存的筛选 #{filter_id}")
