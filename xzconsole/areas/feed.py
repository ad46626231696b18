"""The hotline feed: importing validated rows in batches, and streaming exports.

The import path takes rows that :mod:`xzconsole.importers` has already
validated and turned into :class:`ImportedTicket`.  A batch is one
``BEGIN IMMEDIATE`` transaction: two imports at once wait for each other, an
import killed half-way leaves whole batches only, and ``external_id`` being
UNIQUE (with ``ON CONFLICT DO NOTHING``) means a rerun imports just the rest.
The batch is set-based (a handful of statements and ``executemany`` calls per
batch rather than several statements per row) so an import of 100,000 rows
stays close to the cost of a bare ``executemany``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from .. import pinyin_keys, rules
from ..clock import format_datetime, local_date
from ..textsafe import json_text
from .base import CITY_CENTER, Core
from .records import next_numbers

_AWAITING = ("dispatched", "signed", "reopened")


_CHUNK = 400  # parameters per IN (...) look-up, well under SQLite's limit


@dataclass(slots=True)
class ImportedTicket:
    """One validated feed row, with its history already worked out by the rules.

    Times are storage strings (``clock.format_datetime``), dates ISO dates.
    ``line`` is where the row was in the input (for the history note).
    """

    line: int
    external_id: str
    received_at: str
    source: str
    appeal_type: str
    enterprise_name: str
    uscc: str | None
    contact_name: str
    contact_phone: str
    district: str
    title: str
    content: str
    status: str
    department_id: int | None = None
    dispatched_at: str | None = None
    clock_start: str | None = None
    time_limit: int | None = None
    due_date: str | None = None
    due_provisional: int = 0
    signed_at: str | None = None
    replied_at: str | None = None
    direct_answer: int = 0
    closed_at: str | None = None
    close_reason: str | None = None
    satisfaction: str | None = None
    followup_count: int = 0
    unreachable_count: int = 0
    max_level: int = 0
    center: str | None = None  # the feed's 受理中心 (full name); None: the importing user's
    resolved: int | None = None  # 是否解决 at the call-back: 1, 0, or None (not asked / not reached)
    remark: str = ""  # added to the import event's note (e.g. a phone number 12345 masked)


@dataclass
class BatchResult:
    imported: int = 0
    duplicate: int = 0
    provisional: int = 0  # of the imported, how many have a provisional due date


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# one encoder for every record: json.dumps with options builds a new one per call
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def export_json(record: Any) -> str:
    """One JSON Lines record: Chinese kept readable, dates as ISO strings.

    U+2028, U+2029 and U+0085 are legal raw inside JSON strings but many
    tools (and ``str.splitlines``) take them for line breaks, and C1 controls
    (U+009B is a one-byte CSI) and bidi controls act on a terminal: they are
    written as ``\\uXXXX`` escapes.
    """
    return json_text(_ENCODER.encode(record))


def demo_state(path: "os.PathLike[str] | str", demo_login: str) -> str:
    """What a file is, read-only and without migrating it: 'demo' (complete:
    meta demo = 1), 'partial' (a demo build that was interrupted: demo staff
    but no mark yet) or 'other' — a real database, or not a database at all,
    which the demo command never deletes."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone()
            if row and row[0] == "1":
                return "demo"
            # the generator adds its staff (demo_admin, demo_clerk, …) first and the mark last
            staff = conn.execute("SELECT count(*) FROM staff WHERE login IN (?, 'demo_admin')", (demo_login,)).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return "other"
    return "partial" if staff == 2 else "other"


class FeedArea:
    """``store.feed``: the import's batches and the streaming exports."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- the hotline feed -------------------------------------------------------
    def existing_external_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these external ids are already in the database (a read)."""
        found: set[str] = set()
        for part in _chunks(list(ids)):
            q = f"SELECT external_id FROM tickets WHERE external_id IN ({','.join('?' * len(part))})"
            found.update(r[0] for r in self.core.conn.execute(q, part))
        return found

    def import_batch(self, rows: Sequence[ImportedTicket], actor_login: str, note: str) -> BatchResult:
        """Insert one batch of validated feed rows in one ``BEGIN IMMEDIATE``
        transaction; rows whose external id is known (or repeated in the batch)
        change nothing and count as duplicates.

        Each new ticket gets a number (XZ + local received date + sequence),
        its enterprise record (by USCC, else by name; created when new) and one
        ``import`` event; ``note`` is the event note, ``{line}`` replaced by the
        row's line.
        """
        result = BatchResult()
        if not rows:
            return result
        now = self.core.now()

        now_s = format_datetime(now)
        with self.core.write() as c:
            known: set[str] = set()
            ids = [r.external_id for r in rows]
            for part in _chunks(ids):
                q = f"SELECT external_id FROM tickets WHERE external_id IN ({','.join('?' * len(part))})"
                known.update(x[0] for x in c.execute(q, part))
            fresh: list[ImportedTicket] = []
            for r in rows:
                if r.external_id in known:
                    result.duplicate += 1
                else:
                    known.add(r.external_id)
                    fresh.append(r)
            if not fresh:
                return result
            ent_ids = self._import_enterprises(c, fresh, now_s)
            # rows without a 受理中心 column belong to the importing user's center
            own = c.execute("SELECT center FROM staff WHERE login = ?", (actor_login,)).fetchone()
            own_center = own[0] if own else CITY_CENTER
            numbers = self._import_numbers(c, fresh)
            before = c.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]
            cur = c.executemany(
                "INSERT INTO tickets(number, external_id, received_at, source, appeal_type, enterprise_id, enterprise_name, "
                "uscc, contact_name, contact_phone, district, title, content, status, department_id, dispatched_at, "
                "clock_start, time_limit, due_date, due_provisional, signed_at, replied_at, direct_answer, closed_at, "
                "close_reason, satisfaction, followup_count, unreachable_count, max_level, created_by, updated_at, updated_by, "
                "center, resolved) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(external_id) DO NOTHING",
                [
                    (numbers[i], r.external_id, r.received_at, r.source, r.appeal_type, ent_ids[i], r.enterprise_name,
                     r.uscc, r.contact_name, r.contact_phone, r.district, r.title, r.content, r.status, r.department_id,
                     r.dispatched_at, r.clock_start, r.time_limit, r.due_date, r.due_provisional, r.signed_at,
                     r.replied_at, r.direct_answer, r.closed_at, r.close_reason, r.satisfaction, r.followup_count,
                     r.unreachable_count, r.max_level, actor_login, now_s, actor_login, r.center or own_center,
                     r.resolved)
                    for i, r in enumerate(fresh)
                ],
            )
            result.imported = cur.rowcount
            result.provisional = sum(r.due_provisional for r in fresh)
            # we hold the write lock, so every id above ``before`` is one of ours
            by_ext = {r.external_id: r for r in fresh}
            c.executemany(
                "INSERT INTO events(ticket_id, at, actor, action, from_status, to_status, note, changes) "
                "VALUES (?, ?, ?, 'import', NULL, ?, ?, '{}')",
                [
                    (tid, now_s, actor_login, status,
                     note.replace("{line}", str(by_ext[ext].line)) + (f"；{by_ext[ext].remark}" if by_ext[ext].remark else ""))
                    for tid, ext, status in c.execute(
                        "SELECT id, external_id, status FROM tickets WHERE id > ? ORDER BY id", (before,)).fetchall()
                ],
            )
        return result

    def _import_enterprises(self, c: sqlite3.Connection, rows: Sequence[ImportedTicket], now_s: str) -> list[int]:
        """The enterprise id of each row: by USCC, else by name; created when new.

        Set-based: one look-up per few hundred distinct keys, one insert per new
        enterprise.  An enterprise known by name without a USCC gets the row's USCC.
        As at intake (:meth:`DirectoryArea.ensure`), a merged directory
        record leads to the record it was merged into, and new records are
        marked as first met in an import.
        """
        by_uscc: dict[str, int] = {}
        usccs = list({r.uscc for r in rows if r.uscc})
        for part in _chunks(usccs):
            q = f"SELECT uscc, coalesce(merged_into, id) FROM enterprises WHERE uscc IN ({','.join('?' * len(part))})"
            by_uscc.update(c.execute(q, part).fetchall())
        by_name: dict[str, int] = {}
        names = list({r.enterprise_name for r in rows if not (r.uscc and r.uscc in by_uscc)})
        for part in _chunks(names):
            # the oldest record of that name, preferring one without a USCC, then an unmerged one
            q = (f"SELECT name, coalesce(merged_into, id) FROM enterprises WHERE name IN ({','.join('?' * len(part))}) "
                 "ORDER BY (uscc IS NOT NULL) DESC, (merged_into IS NOT NULL) DESC, id DESC")
            by_name.update(c.execute(q, part).fetchall())
        # first pass: known enterprises, and the distinct new ones in order of appearance
        found: list[int | None] = []
        new: dict[tuple[str, str | None], ImportedTicket] = {}
        pending: dict[int, tuple[str, str | None]] = {}  # row → the new enterprise it waits for
        for i, r in enumerate(rows):
            eid = by_uscc.get(r.uscc) if r.uscc else None
            if eid is None:
                eid = by_name.get(r.enterprise_name)
                if eid is not None and r.uscc:
                    has = c.execute("SELECT uscc FROM enterprises WHERE id = ?", (eid,)).fetchone()[0]
                    if has is None:
                        c.execute("UPDATE enterprises SET uscc = ? WHERE id = ?", (r.uscc, eid))
                        by_uscc[r.uscc] = eid
                    else:  # same name, another USCC: a different enterprise
                        eid = None
            if eid is None:
                # a new enterprise is one per USCC, or one per name when it has none
                key: tuple[str, str | None] = ("", r.uscc) if r.uscc else (r.enterprise_name, None)
                new.setdefault(key, r)
                pending[i] = key
            found.append(eid)
        made: dict[tuple[str, str | None], int] = {}
        if new:
            before = c.execute("SELECT coalesce(max(id), 0) FROM enterprises").fetchone()[0]
            keyed = pinyin_keys.keys_many(r.enterprise_name for r in new.values())  # searched by pinyin too
            c.executemany(
                "INSERT INTO enterprises(name, uscc, district, contact_name, contact_phone, created_at, first_source, "
                "name_pinyin, name_initials) VALUES (?,?,?,?,?,?,'import',?,?)",
                [(r.enterprise_name, r.uscc, r.district, r.contact_name, r.contact_phone, now_s, *keyed[r.enterprise_name])
                 for r in new.values()],
            )
            # we hold the write lock: the ids above ``before`` are these, in order
            ids = [x[0] for x in c.execute("SELECT id FROM enterprises WHERE id > ? ORDER BY id", (before,))]
            made = dict(zip(new.keys(), ids))
        return [made[pending[i]] if eid is None else eid for i, eid in enumerate(found)]

    def _import_numbers(self, c: sqlite3.Connection, rows: Sequence[ImportedTicket]) -> list[str]:
        """Ticket numbers by local received date, each day continuing its own
        sequence (:func:`~xzconsole.areas.records.next_numbers`, under the write lock)."""
        per_day: dict[str, int] = {}
        for r in rows:
            per_day[r.received_at[:10]] = per_day.get(r.received_at[:10], 0) + 1
        numbers = {day: iter(next_numbers(c, dt.date.fromisoformat(day), n)) for day, n in per_day.items()}
        return [next(numbers[r.received_at[:10]]) for r in rows]

    # -- exports (streams: never the whole table in memory) ------------------------
    def export_tickets(self, department_id: int | None, now: dt.datetime) -> Iterator[str]:
        """Every ticket (or one department's) as one JSON Lines record each, in
        id order, with its warning level and overdue working days as of ``now``.

        SQLite builds each line itself (``json_object``) and the overdue days
        come from the working-day table joined on the due date, as in
        ``warned_tickets``: a million tickets stream without a Python calendar
        call or a dict per row.  Fields: number, external_id, status,
        appeal_type, center (the center that took it in), department, received_at, dispatched_at, due_date,
        due_provisional, replied_at, reply (the reply text), closed_at, satisfaction, resolved (是否解决:
        true, false or null), warning,
        overdue_workdays, max_warning.
        """

        today = local_date(now)
        cal = self.core.calendar()
        params: dict[str, Any] = {
            "today": today.isoformat(), "today_num": self.core.workday_number(today, cal),
            "red": rules.RED_AT, "orange": rules.ORANGE_AT, "s1": _AWAITING[0], "s2": _AWAITING[1], "s3": _AWAITING[2],
        }
        where = ""
        if department_id is not None:
            where = "WHERE t.department_id = :dept"
            params["dept"] = department_id
        codes = "CASE {} WHEN 3 THEN 'red' WHEN 2 THEN 'orange' WHEN 1 THEN 'yellow' ELSE 'none' END"
        sql = f"""
            WITH a AS (
                SELECT t.id, t.number, t.external_id, t.status, t.appeal_type, t.center, d.short_name AS department,
                       t.received_at, t.dispatched_at, t.due_date, t.due_provisional, t.replied_at, t.closed_at,
                       t.satisfaction, t.resolved, t.reply_text, t.max_level,
                       (t.status IN (:s1, :s2, :s3) AND t.due_date < :today) AS past,
                       :today_num - w.num AS behind
                FROM tickets t
                LEFT JOIN workday_index w ON w.day = t.due_date
                LEFT JOIN departments d ON d.id = t.department_id
                {where}
            ), b AS (
                SELECT *, CASE WHEN NOT past THEN 0 WHEN behind >= :red THEN 3 WHEN behind >= :orange THEN 2 ELSE 1 END AS lvl
                FROM a
            )
            SELECT past AND behind IS NULL AS fix, max_level, json_object(
                'number', number, 'external_id', external_id, 'status', status, 'appeal_type', appeal_type,
                'center', center, 'department', department, 'received_at', received_at, 'dispatched_at', dispatched_at,
                'due_date', due_date, 'due_provisional', json(CASE WHEN due_provisional THEN 'true' ELSE 'false' END),
                'replied_at', replied_at, 'reply', reply_text, 'closed_at', closed_at, 'satisfaction', satisfaction,
                'resolved', CASE resolved WHEN 1 THEN json('true') WHEN 0 THEN json('false') END,
                'warning', {codes.format('lvl')}, 'overdue_workdays', CASE WHEN past THEN coalesce(behind, 0) ELSE 0 END,
                'max_warning', {codes.format('max(lvl, max_level)')}
            ) AS line
            FROM b ORDER BY id
        """
        cur = self.core.conn.cursor()
        cur.arraysize = 2000
        cur.execute(sql, params)
        while True:
            batch = cur.fetchmany()
            if not batch:
                break
            for fix, max_level, line in batch:
                if fix:  # a due date outside the mirrored working-day table: ask the calendar
                    rec = json.loads(line)
                    overdue = cal.workdays_between(dt.date.fromisoformat(rec["due_date"]), today)
                    level = rules.level_for_overdue(True, overdue)
                    rec.update(overdue_workdays=overdue, warning=level.code,
                               max_warning=rules.WarningLevel(max(int(level), max_level)).code)
                    yield export_json(rec)
                else:
                    yield json_text(line)  # SQLite's JSON leaves C1, bidi and line separators raw

    def export_departments(self) -> Iterator[dict[str, Any]]:
        cur = self.core.conn.execute("SELECT id, code, name, short_name, kind, active FROM departments ORDER BY id")
        for r in cur:
            d = dict(r)
            d["active"] = bool(d["active"])
            yield d
