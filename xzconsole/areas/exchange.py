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

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .. import aliases as al
from .. import rules, vocabulary
from ..clock import format_datetime, local_date
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

_AWAITING = ("dispatched", "signed", "reopened")
_LEVEL_CODES = {0: "none", 1: "yellow", 2: "orange", 3: "red"}


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

    # -- results for 12345 ------------------------------------------------------------
    def last_event(self) -> int:
        """The newest history line: the position a results file written now reaches."""
        return int(self.core.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])

    def results(self, now: dt.datetime, *, since: dt.datetime | None = None,
                events: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
        """One record per ticket, in id order, with the fields of ``RESULT_FIELDS``
        (codes; times as stored; ``resolved`` True/False/None; ``max_warning`` the
        highest level reached, counting today's for an overdue open ticket).

        Every ticket, or those changed since ``since`` (``updated_at``), or those
        with a history line in ``events`` = (after, up to] — an import counts:
        12345 learns the center's number for its appeal.  Rows come from one
        cursor, a few thousand at a time.
        """
        today = local_date(now)
        cal = self.core.calendar()
        params: dict[str, Any] = {"today": today.isoformat(), "today_num": self.core.workday_number(today, cal),
                                  "s1": _AWAITING[0], "s2": _AWAITING[1], "s3": _AWAITING[2]}
        where = ""
        if since is not None:
            where = "WHERE t.updated_at >= :since"
            params["since"] = format_datetime(since)
        elif events is not None:
            where = "WHERE t.id IN (SELECT ticket_id FROM events WHERE id > :after AND id <= :upto)"
            params.update(after=events[0], upto=events[1])
        sql = f"""
            SELECT t.external_id, t.number, t.status, d.short_name, t.dispatched_at, t.signed_at, t.replied_at,
                   t.reply_text, t.closed_at, t.satisfaction, t.resolved, t.max_level, t.due_date,
                   (t.status IN (:s1, :s2, :s3) AND t.due_date < :today) AS past, :today_num - w.num AS behind
            FROM tickets t
            LEFT JOIN workday_index w ON w.day = t.due_date
            LEFT JOIN departments d ON d.id = t.department_id
            {where}
            ORDER BY t.id
        """
        cur = self.core.conn.cursor()
        cur.arraysize = 2000
        cur.execute(sql, params)
        while True:
            batch = cur.fetchmany()
            if not batch:
                break
            for (ext, number, status, dept, dispatched, signed, replied, reply, closed, sat, solved, max_level,
                 due, past, behind) in batch:
                level = 0
                if past:
                    if behind is None:  # a due date outside the mirrored working-day table
                        behind = cal.workdays_between(dt.date.fromisoformat(due), today)
                    level = int(rules.level_for_overdue(True, int(behind)))
                yield {"external_id": ext or "", "number": number, "status": status, "department": dept,
                       "dispatched_at": dispatched, "signed_at": signed, "replied_at": replied, "reply": reply or "",
                       "closed_at": closed, "satisfaction": sat, "resolved": None if solved is None else bool(solved),
                       "max_warning": _LEVEL_CODES[max(level, int(max_level or 0))]}

    # -- the exchange folder's ledger ------------------------------------------------
    def position(self, folder: str) -> int:
        """The last history line the folder's published results cover (0: none yet)."""
        row = self.core.q1("SELECT coalesce(max(to_event), 0) FROM exchange_results WHERE folder = ?", (folder,))
        return int(row[0]) if row else 0

    def pending_results(self, folder: str) -> list[ResultsFile]:
        """Results files recorded but not yet published (renamed into the outbox): a crash
        came between; the caller publishes them before anything else."""
        return [ResultsFile(r["id"], r["name"], r["from_event"], r["to_event"], r["tickets"], bool(r["published"]))
                for r in self.core.q("SELECT * FROM exchange_results WHERE folder = ? AND published = 0 ORDER BY id",
                                     (folder,))]

    def record_results(self, folder: str, name: str, from_event: int, to_event: int, tickets: int) -> ResultsFile:
        """Move the folder's position to ``to_event`` and record the file that carries
        the changes up to it (unpublished until :meth:`published`)."""
        with self.core.write() as c:
            cur = c.execute("INSERT INTO exchange_results(folder, name, from_event, to_event, tickets, written_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (folder, name, from_event, to_event, tickets, self.core.now_s()))
            rid = int(cur.lastrowid or 0)
        return ResultsFile(rid, name, from_event, to_event, tickets, False)

    def published(self, result_id: int) -> None:
        with self.core.write() as c:
            c.execute("UPDATE exchange_results SET published = 1 WHERE id = ?", (result_id,))

    def result_names(self, folder: str) -> set[str]:
        return {str(r[0]) for r in self.core.q("SELECT name FROM exchange_results WHERE folder = ?", (folder,))}

    def file_done(self, folder: str, name: str, digest: str) -> bool:
        """Whether this file (by name and content) was already taken in completely."""
        return self.core.q1("SELECT 1 FROM exchange_files WHERE folder = ? AND name = ? AND sha256 = ? "
                            "AND finished_at IS NOT NULL", (folder, name, digest)) is not None

    def record_file(self, folder: str, name: str, digest: str, size: int, outcome: str, imported: int = 0,
                    duplicate: int = 0, rejected: int = 0, note: str = "") -> None:
        """Record that a file of the inbox was taken in (or refused whole)."""
        with self.core.write() as c:
            c.execute("INSERT INTO exchange_files(folder, name, sha256, size, outcome, imported, duplicate, rejected, "
                      "note, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      (folder, name, digest, size, outcome, imported, duplicate, rejected, note, self.core.now_s()))
