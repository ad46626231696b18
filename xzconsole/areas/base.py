"""What every store area is given: the shared core, and the checks they share.

An area (``store.tickets``, ``store.library`` …) is an object holding one
part of the database's SQL and actions.  It is built by
:class:`xzconsole.store.Store` with the core it needs passed in — the
:class:`Core` protocol below, which ``Store`` satisfies — and with the other
areas it calls, so every dependency is a constructor argument a reader (and
mypy) can see.  Areas never import ``xzconsole.store``: the store imports
them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

from ..clock import Clock
from ..errors import PermissionDenied
from ..models import Center, Role, Staff, Status
from ..workdays import WorkCalendar

if TYPE_CHECKING:  # types only: the pydantic models load when first used, not with the console (issue 11)
    from ..models import Association, Department
    from ..workdays import YearSchedule

def _data_dir() -> Path:
    """Where the reference data lives: $XZCONSOLE_DATA; ``data/`` beside the
    package in a source tree (and an editable install); in an installed
    release, ``share/xzconsole/data`` of its environment (pyproject.toml's
    ``data-files``)."""
    if os.environ.get("XZCONSOLE_DATA"):
        return Path(os.environ["XZCONSOLE_DATA"])
    beside = Path(__file__).resolve().parent.parent.parent / "data"
    installed = Path(sys.prefix) / "share" / "xzconsole" / "data"
    return installed if not beside.is_dir() and installed.is_dir() else beside


#: where the reference data lives (see :func:`_data_dir`)
DATA_DIR = _data_dir()
CITY_CENTER = "市企业服务中心"
#: statuses of a ticket waiting for its department's reply (the clock runs)
AWAITING = (Status.DISPATCHED.value, Status.SIGNED.value, Status.REOPENED.value)
#: the same, as SQL literals: SQLite uses a partial index only when the query's
#: own text implies the index's WHERE, which bound parameters cannot
AWAITING_SQL = ", ".join(f"'{s}'" for s in AWAITING)
CONFIDENTIAL_MASK = "（保密）"

Params = Sequence[Any] | dict[str, Any]


class Core(Protocol):
    """The shared part of the store that areas use: one connection, the one
    write path, the clock, reference data and the calendar."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def path(self) -> str: ...

    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def read_snapshot(self) -> AbstractContextManager[None]: ...

    def q(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...

    def q1(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...

    def now(self) -> dt.datetime: ...

    def now_s(self) -> str: ...

    def calendar(self) -> WorkCalendar: ...

    def schedules_in(self, c: sqlite3.Connection) -> list[YearSchedule]: ...

    def refresh_workday_index(self, c: sqlite3.Connection, calendar: WorkCalendar | None = None) -> None: ...

    def workday_number(self, day: dt.date, cal: WorkCalendar | None = None) -> int: ...

    def departments(self, *, include_inactive: bool = False) -> list[Department]: ...

    def department(self, ref: int | str) -> Department: ...

    def department_name(self, dept_id: int | None) -> str | None: ...

    def centers(self) -> list[Center]: ...

    def center_name(self, ref: str) -> str: ...

    def categories(self) -> dict[str, list[str]]: ...

    def association_list(self) -> list[Association]: ...


def staff_name(conn: sqlite3.Connection, login: str | None, default: str = "他人") -> str:
    """The name of the staff member with ``login`` (what a message shows a
    colleague, never the login itself), the login when the name is empty, or
    ``default`` when there is no login."""
    if not login:
        return default
    row = conn.execute("SELECT name FROM staff WHERE login = ?", (login,)).fetchone()
    return str(row[0]) if row is not None and row[0] else login


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid of the row an ``INSERT`` on ``cur`` just made.

    ``Cursor.lastrowid`` is None only before any INSERT ran on the cursor, so
    None here is a programming error, not a refusal for staff.
    """
    rowid = cur.lastrowid
    if rowid is None:
        raise RuntimeError("no INSERT ran on this cursor")
    return rowid


def require_role(actor: Staff, roles: Iterable[Role], what: str) -> None:
    """Refuse a disabled account, or a role not among ``roles``, naming who may."""
    roles = tuple(roles)
    if actor.disabled:
        raise PermissionDenied("账号已停用")
    if actor.role not in roles:
        who = "、".join(r.label for r in roles)
        raise PermissionDenied(f"“{what}”只能由{who}操作，您的角色是{actor.role.label}")


def require_policy_manager(actor: Staff, what: str = "管理政策") -> None:
    """Supervisors manage the library (SPEC §1); an admin may load it in."""
    require_role(actor, (Role.SUPERVISOR, Role.ADMIN) if what.startswith("导入") else (Role.SUPERVISOR,), what)
