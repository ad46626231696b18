"""The store's side of replication: which databases Litestream manages, and
what a restored copy holds.

Two small read-only helpers kept in the store layer because they touch the
database file (SQL lives only in the store and its areas); :mod:`xzconsole.services.replication`
does the rest (Litestream's configuration, the process, lag, restores).

* :func:`litestream_meta_dir` / :func:`is_replicated`: Litestream keeps its
  local state in ``.<name>-litestream`` beside the database.  While that
  directory exists the database is replicated, and :class:`~xzconsole.store.Store`
  leaves WAL checkpoints to Litestream (``wal_autocheckpoint = 0``).
* :func:`~xzconsole.areas.replica_copy.inspect_copy` (a module of its own,
  which the store opening a database never needs): ``integrity_check``, the
  schema version and a few counts of a restored file, so a restore is verified
  before it is put in place.
"""

from __future__ import annotations

import os
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
