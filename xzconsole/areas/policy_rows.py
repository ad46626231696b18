"""Policy rows as models, and the policy history line: shared by the library
and the areas that write to a policy's history (collection, comments,
feedback, pushes to enterprises)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from ..errors import NotFound
from ..models import Policy


def row_policy(row: sqlite3.Row | dict[str, Any]) -> Policy:
    """A ``policies`` row (or a joined row holding its columns) as a model."""
    return Policy.model_validate({k: row[k] for k in row.keys() if k in Policy.model_fields})


def get_policy(conn: sqlite3.Connection, policy_id: int) -> Policy:
    """One policy by id; a Chinese refusal when there is none."""
    row = conn.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
    if row is None:
        raise NotFound(f"找不到政策 #{policy_id}")
    return row_policy(row)


def policy_event(c: sqlite3.Connection, policy_id: int, at: str, actor: str, action: str,
                 note: str = "", changes: dict[str, Any] | None = None) -> None:
    """Append a line to the policy's history (``policy_events`` is append-only)."""
    c.execute("INSERT INTO policy_events(policy_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
              (policy_id, at, actor, action, note, json.dumps(changes or {}, ensure_ascii=False, default=str)))


def as_date(v: Any) -> dt.date | None:
    """A stored date (ISO text, or a date already) or None."""
    if v in (None, ""):
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
