"""The store's side of replication: which databases Litestream manages, and
what a restored copy holds.

Two small read-only helpers kept in the store layer because they touch the
database file (SQL lives only in the store and its areas); :mod:`xzconsole.services.replication`
does the rest (Litestream's configuration, the process, lag, restores).

* :func:`litestream_meta_dir` / :func:`is_replicated`: Litestream keeps its
  local state in ``.<name>-litestream`` beside the database.  While that
  directory exists the database is replicated, and :class:`~xzconsole.store.Store`
  leaves WAL checkpoints to Litestream (``wal_autocheckpoint = 0``).
* :func:`inspect_copy`: ``integrity_check``, the schema version and a few
  counts of a restored file, so a restore is verified before it is put in place.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


def litestream_meta_dir(db_path: os.PathLike[str] | str) -> Path:
    """Where Litestream keeps its local state for ``db_path`` (its default, which
    xzconsole never overrides so that every tool agrees on it)."""
    p = Path(db_path)
    return p.with_name(f".{p.name}-litestream")


def is_replicated(db_path: os.PathLike[str] | str) -> bool:
    """True when Litestream has taken this database in (its state directory
    exists).  One ``stat``: cheap enough for every connection the store opens."""
    return str(db_path) != ":memory:" and litestream_meta_dir(db_path).is_dir()


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
