"""What a restored copy of the database holds, checked before the restore
puts it in place (:mod:`xzconsole.services.replication`).

Apart from :mod:`xzconsole.areas.replica`, which the store asks at every
open: defining :class:`CopyFacts` cost the console's launch ≈0.6 ms for a
restore it never makes (issue 11).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class CopyFacts:
    """What a restored database file holds: enough to trust it and to say how far it reaches."""

    integrity: list[str]  # ['ok'] when healthy
    schema_version: int
    tickets: int
    events: int
    last_event_at: str | None  # the business time of the newest event (by id)

    @property
    def healthy(self) -> bool:
        return self.integrity == ["ok"]


def inspect_copy(path: os.PathLike[str] | str) -> CopyFacts:
    """Check a database file that nobody else has open (a restore before it is
    moved into place): ``PRAGMA integrity_check``, ``user_version`` and counts.

    Raises ``sqlite3.DatabaseError`` when the file is not a database at all.
    The connection is closed before returning, so SQLite folds any -wal back
    into the file and removes it: what is moved into place is one file.
    """
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tickets = events = 0
        last: str | None = None
        if "tickets" in names:
            tickets = int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])
        if "events" in names:
            events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
            row = conn.execute("SELECT at FROM events ORDER BY id DESC LIMIT 1").fetchone()
            last = None if row is None else str(row[0])
    finally:
        conn.close()
    return CopyFacts(integrity, version, tickets, events, last)
