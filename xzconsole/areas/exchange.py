"""The link with 12345 (SPEC §11): the alias vocabulary, results going back,
and the exchange folder's ledger.

* ``load_aliases`` reads ``data/aliases.toml`` with the reference data,
  checks it against the departments and districts just loaded, and keeps it
  in ``settings`` so every import on the server maps values the same way.
* ``results`` streams one record per ticket (all, changed since a time, or
  changed in a range of history lines), built by SQLite row by row: constant
  memory at any size.
* The exchange's position (the last history line a results file covered)
  and the files it took in live in the tables of migration ``_EXCHANGE``: a
  restart or a crash neither repeats nor skips a change.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .. import aliases as al
from .. import vocabulary
from ..clock import format_datetime
from ..errors import NotFound
from .base import DATA_DIR, Core

#: the fields of a results record, in order, with the Chinese headers of the feed (SPEC §11)
RESULT_FIELDS: dict[str, str] = {
    "external_id": "工单编号",
    "number": "中心编号",
    "status": "状态",
    "department": "承办单位",
    "dispatched_at": "派发时间",
    "signed_at": "签收时间",
    "replied_at": "答复时间",
    "reply": "答复内容",
    "closed_at": "办结时间",
    "satisfaction": "回访结果",
    "resolved": "是否解决",
    "max_warning": "最高预警",
}

_LEVEL_CODES = "CASE t.max_level WHEN 3 THEN 'red' WHEN 2 THEN 'orange' WHEN 1 THEN 'yellow' ELSE 'none' END"

_RESULT_SELECT = f"""
    SELECT t.id, t.external_id, t.number, t.status, d.short_name, t.dispatched_at, t.signed_at, t.replied_at,
           t.reply_text, t.closed_at, t.satisfaction, t.resolved, {_LEVEL_CODES}
    FROM tickets t LEFT JOIN departments d ON d.id = t.department_id
"""


@dataclass
class ResultsFile:
    """One results file the exchange wrote (or is writing): the history lines it covers."""

    id: int
    name: str
    from_event: int
    to_event: int
    tickets: int
    published: bool


class ExchangeArea:
    """``store.exchange``: aliases, results for 12345 and the exchange folder's ledger."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- the alias vocabulary ---------------------------------------------------------
    def load_aliases(self, data_dir: Path | None = None) -> int:
        """Check ``data/aliases.toml`` against the loaded departments and districts and
        keep it; returns how many aliases.  :class:`~xzconsole.aliases.AliasFileError`
        (a ValueError listing each problem with its line) leaves the kept ones as they were."""
        data_dir = Path(data_dir or DATA_DIR)
        districts = vocabulary.load_districts(data_dir)

        def known_department(ref: str) -> bool:
            try:
                self.core.department(ref)
            except NotFound:
                return False
            return True

        found = al.load_aliases(data_dir, departments=known_department, districts=districts or None)
        with self.core.write() as c:
            c.execute("INSERT INTO settings(key, value) VALUES ('aliases', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (found.to_json(),))
        return sum(len(v) for v in found.written.values())

    def aliases(self) -> al.Aliases:
        """The aliases kept by the last ``init``; before any, the file itself (unchecked
        against the database, as an older database has never loaded it)."""
        row = self.core.q1("SELECT value FROM settings WHERE key = 'aliases'")
        if row is not None:
            return al.Aliases.from_json(str(row[0]))
        try:
            return al.load_aliases(DATA_DIR)
        except al.AliasFileError:
            return al.Aliases()
