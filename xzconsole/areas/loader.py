"""Bulk loading for the demo database: many rows per transaction, no per-row checks.

The demo generator (``xzconsole.demo``) builds rows as plain tuples in the
column orders below and hands them over a batch at a time; each ``insert_*``
is one ``executemany``.  Called inside ``with store.write():`` they share that
transaction (one transaction per batch); called alone each opens its own.
Nothing here validates a row: the generator is the only caller and builds
rows that already follow the rules (the demo tests check that it does).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

from .base import Core
from .schema import TALLY_FILL, TICKET_FTS_FILL, split_sql

ENTERPRISE_COLUMNS = ("id", "name", "uscc", "district", "industry", "contact_name", "contact_phone", "created_at",
                      "merged_into", "first_source", "note", "updated_at", "updated_by", "version", "name_pinyin",
                      "name_initials")


TICKET_COLUMNS = (
    "id", "number", "external_id", "received_at", "source", "appeal_type", "enterprise_id", "enterprise_name",
    "uscc", "contact_name", "contact_phone", "district", "title", "content", "status", "department_id",
    "dispatched_at", "clock_start", "time_limit", "extension_days", "due_date", "due_provisional", "signed_at",
    "replied_at", "reply_text", "direct_answer", "closed_at", "close_reason", "satisfaction", "followup_count",
    "unreachable_count", "reopen_count", "return_count", "pending_extension_days", "pending_extension_reason",
    "pending_return_reason", "confidential", "max_level", "merged_into", "knowledge_id", "created_by",
    "updated_at", "updated_by", "version", "center", "visit_id", "resolved",
)


# Events get their ids from SQLite in insertion order; the generator inserts
# each ticket's events in time order, which is the order the history shows.
EVENT_COLUMNS = ("ticket_id", "at", "actor", "action", "from_status", "to_status", "note", "changes")


SUPERVISION_COLUMNS = ("ticket_id", "level", "body", "actor", "at", "note")


# The tables of migration 2 (directory, associations, joint handling, outreach)
# and the policy tables the directory reads, with the column order of their
# rows.  ``bulk_insert`` takes a table named here (never anything else).
RELATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise_contacts": ("id", "enterprise_id", "name", "phone", "position", "added_at", "added_by", "removed_at",
                            "removed_by"),
    "enterprise_events": ("enterprise_id", "at", "actor", "action", "note", "changes"),
    "enterprise_pushes": ("policy_id", "enterprise_id", "at", "actor", "note"),
    "policy_pushes": ("policy_id", "association_id", "at", "actor", "note"),
    "policy_events": ("policy_id", "at", "actor", "action", "note", "changes"),
    "policy_feedback": ("policy_id", "enterprise_name", "uscc", "topic", "satisfaction", "text", "complaint",
                        "department_id", "at", "recorded_by", "enterprise_id"),
    "association_members": ("association_id", "enterprise_id", "joined_at", "added_by"),
    "association_events": ("association_id", "at", "actor", "action", "note", "changes"),
    "ticket_parts": ("ticket_id", "department_id", "assigned_at", "assigned_by", "clock_start", "time_limit",
                     "due_date", "due_provisional", "submitted_at", "submitted_by", "text"),
    "consultations": ("ticket_id", "held_on", "place", "departments", "attendees", "conclusions", "tasks",
                      "recorded_at", "recorded_by"),
    "outreach_plans": ("year", "kind", "target", "updated_at", "updated_by"),
    "outreach_activities": ("id", "held_on", "kind", "place", "center", "departments", "staff", "enterprises_reached",
                            "cards_sent", "note", "recorded_at", "recorded_by", "voided_at", "voided_by",
                            "void_reason"),
    "outreach_enterprises": ("activity_id", "enterprise_id"),
}


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_ENTERPRISE_SQL = _insert_sql("enterprises", ENTERPRISE_COLUMNS)


_TICKET_SQL = _insert_sql("tickets", TICKET_COLUMNS)


_EVENT_SQL = _insert_sql("events", EVENT_COLUMNS)


_SUPERVISION_SQL = _insert_sql("supervisions", SUPERVISION_COLUMNS)


_RELATED_SQL = {table: _insert_sql(table, cols) for table, cols in RELATED_COLUMNS.items()}


# The tables whose secondary indexes the loader may drop and rebuild.
_REBUILDABLE = ("tickets", "events", "enterprises", "supervisions")


class LoaderArea:
    """``store.loader``: the demo generator's bulk loader (no per-row checks)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- transactions -----------------------------------------------------------
    def _run(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if self.core.conn.in_transaction:
            self.core.conn.executemany(sql, rows)
        else:
            with self.core.write() as c:
                c.executemany(sql, rows)

    def insert_enterprises(self, rows: Iterable[Sequence[Any]]) -> None:
        """Enterprises as tuples in ``ENTERPRISE_COLUMNS`` order (ids given)."""
        self._run(_ENTERPRISE_SQL, rows)

    def insert_tickets(self, rows: Iterable[Sequence[Any]]) -> None:
        """Tickets as tuples in ``TICKET_COLUMNS`` order (ids given)."""
        self._run(_TICKET_SQL, rows)

    def insert_events(self, rows: Iterable[Sequence[Any]]) -> None:
        """History lines as tuples in ``EVENT_COLUMNS`` order (appended, never changed)."""
        self._run(_EVENT_SQL, rows)

    def insert_supervisions(self, rows: Iterable[Sequence[Any]]) -> None:
        """Supervision records as tuples in ``SUPERVISION_COLUMNS`` order."""
        self._run(_SUPERVISION_SQL, rows)

    def insert(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        """Rows of one of the ``RELATED_COLUMNS`` tables, as tuples in its column order."""
        self._run(_RELATED_SQL[table], rows)

    def edit_association(self, code: str, categories: str, at: str, actor: str) -> None:
        """Record an association's subscriptions as edited in the console
        (``edited_at`` set: reloading ``data/`` keeps them)."""
        self._run("UPDATE associations SET categories = ?, edited_at = ?, edited_by = ?, version = version + 1 "
                       "WHERE code = ?", [(categories, at, actor, code)])

    # -- loading mode -------------------------------------------------------------
    @contextmanager
    def loading(self, *, cache_mb: int = 256, journal: str | None = None) -> Iterator[None]:
        """Settings for building a new database in one go, restored afterwards.

        Foreign keys are not checked row by row (the generator assigns every id
        itself), fsync is skipped (a half-built demo is simply rebuilt) and the
        page cache is enlarged so index builds sort in memory.  ``journal``
        switches the journal mode for the load (``OFF`` writes each page once
        instead of to the WAL and then the file: 1.8× faster measured here) and
        back afterwards; only for a database nobody else has open.
        """
        c = self.core.conn
        old_fk = c.execute("PRAGMA foreign_keys").fetchone()[0]
        old_sync = c.execute("PRAGMA synchronous").fetchone()[0]
        old_cache = c.execute("PRAGMA cache_size").fetchone()[0]
        c.execute("PRAGMA foreign_keys = OFF")
        c.execute("PRAGMA synchronous = OFF")
        c.execute(f"PRAGMA cache_size = {-int(cache_mb) * 1024}")
        c.execute("PRAGMA temp_store = MEMORY")
        old_journal = None
        if journal is not None and self.core.path != ":memory:":
            if journal.upper() not in ("OFF", "MEMORY", "DELETE", "TRUNCATE", "WAL"):
                raise ValueError(f"unknown journal mode {journal!r}")
            old_journal = c.execute("PRAGMA journal_mode").fetchone()[0]
            c.execute(f"PRAGMA journal_mode = {journal.upper()}")
        try:
            yield
        finally:
            if old_journal is not None:
                c.execute(f"PRAGMA journal_mode = {old_journal}")
            c.execute(f"PRAGMA cache_size = {int(old_cache)}")
            c.execute(f"PRAGMA synchronous = {int(old_sync)}")
            c.execute(f"PRAGMA foreign_keys = {'ON' if old_fk else 'OFF'}")

    def drop_indexes(self, tables: Sequence[str] = ("tickets", "events"),
                          only: Sequence[str] | None = None) -> list[str]:
        """Drop the secondary indexes of ``tables`` (or just those named in
        ``only``, when they exist); returns their SQL for
        :meth:`bulk_create_indexes`.  UNIQUE constraints (ticket number,
        external id, USCC) stay: their indexes cannot be dropped and keep
        the data honest while it loads."""
        names = [t for t in tables if t in _REBUILDABLE]
        if not names:
            return []
        rows = self.core.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({','.join('?' * len(names))}) ORDER BY name",
            names,
        ).fetchall()
        if only is not None:
            rows = [r for r in rows if r[0] in set(only)]
        with self.core.write() as c:
            for r in rows:
                # names come from sqlite_master itself, quoted as identifiers
                c.execute(f'DROP INDEX "{r[0]}"')
        return [r[1] for r in rows]

    def create_indexes(self, statements: Sequence[str]) -> None:
        """Recreate indexes dropped by :meth:`bulk_drop_indexes`, one sort each."""
        with self.core.write() as c:
            for sql in statements:
                c.execute(sql)

    def finish(self) -> None:
        """Gather planner statistics (ANALYZE) and checkpoint the WAL.

        ``analysis_limit`` makes ANALYZE sample each index instead of reading
        it whole: the planner only needs the shape of the data.
        """
        self.core.conn.execute("PRAGMA analysis_limit = 2000")
        self.core.conn.execute("ANALYZE")
        self.core.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- derived tables: the queue's tally and search index ------------------------
    def suspend_derived(self) -> list[str]:
        """Drop the triggers that keep ``ticket_tally`` and ``tickets_fts`` in
        step with the tickets, and empty both; returns the triggers' SQL for
        :meth:`rebuild_derived`.  A bulk load then inserts tickets alone, and
        the two are filled once at the end (a GROUP BY and one index build
        instead of an upsert and an index insert per ticket)."""
        rows = self.core.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets' "
            "AND (name LIKE 'ticket\\_tally\\_%' ESCAPE '\\' OR name LIKE 'tickets\\_fts\\_%' ESCAPE '\\') ORDER BY name"
        ).fetchall()
        with self.core.write() as c:
            for r in rows:
                c.execute(f'DROP TRIGGER "{r[0]}"')  # names from sqlite_master itself
            c.execute("DELETE FROM ticket_tally")
            c.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('delete-all')")
        return [str(r[1]) for r in rows]

    def rebuild_derived(self, triggers: Sequence[str]) -> None:
        """Fill ``ticket_tally`` and ``tickets_fts`` from the tickets and put
        their triggers back (after :meth:`suspend_derived`)."""
        with self.core.write() as c:
            for statement in split_sql(TALLY_FILL + TICKET_FTS_FILL):
                c.execute(statement)
            for sql in triggers:
                c.execute(sql)

    # -- small reads and writes the generator needs --------------------------------
    def set_meta(self, key: str, value: str) -> None:
        """Set one meta key (e.g. ``demo`` = ``1``, which lets ``--as`` pick a demo identity)."""
        with self.core.write() as c:
            c.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def policy_refs(self) -> list[tuple[int, str, str, str | None, str | None]]:
        """(id, title, category, published_at, valid_until) of every published or
        expired policy: what pushes and feedback may refer to."""
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self.core.conn.execute(
            "SELECT id, title, category, published_at, valid_until FROM policies "
            "WHERE status IN ('published', 'expired') AND published_at IS NOT NULL ORDER BY id")]

    def association_refs(self) -> list[tuple[int, str, str, str]]:
        """(id, code, name, categories JSON) of every association."""
        return [(r[0], r[1], r[2], r[3]) for r in self.core.conn.execute(
            "SELECT id, code, name, categories FROM associations ORDER BY id")]

    def ticket_ids_named(self, enterprise_id: int, name: str, before: str) -> list[int]:
        """Ids of an enterprise's tickets taken in under ``name`` before ``before``
        (what a duplicate record held until it was merged)."""
        return [r[0] for r in self.core.conn.execute(
            "SELECT id FROM tickets WHERE enterprise_id = ? AND enterprise_name = ? AND received_at < ? ORDER BY id",
            (enterprise_id, name, before))]

    def knowledge_refs(self) -> list[tuple[int, str, str]]:
        """(id, question, owning department) of every knowledge entry, for direct answers."""
        return [(r[0], r[1], r[2]) for r in self.core.conn.execute("SELECT id, question, department FROM knowledge ORDER BY id")]
