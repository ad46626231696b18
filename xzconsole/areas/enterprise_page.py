"""One enterprise's page: its header and its history tabs, and the read models they return.

The directory (:mod:`xzconsole.areas.directory`) keeps the records
themselves — finding, creating, editing and merging them; this module reads
what the page shows about one record: the header (:class:`EnterpriseProfile`:
contacts, memberships, the records merged into it, ticket figures, how long
each history is) and one keyset page of each tab (tickets, policy pushes,
feedback, visits, the record's own history).  Every tab reads the record
*and the records merged into it* (merges are flat: one hop, one indexed
look-up), and only center staff may read any of it: the page shows
confidential complaints.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import outreach as out
from ..errors import NotFound, PermissionDenied
from ..models import Enterprise, Role, Satisfaction, Staff, Ticket
from .base import DATA_DIR, Core
from .records import TicketRecords

#: what ``enterprise_events.action`` says, for the history tab
EVENT_LABELS = {"edit": "修改档案", "contact_add": "添加联系人", "contact_remove": "移除联系人",
                "merge_in": "并入重复档案", "merged": "并入其他档案", "merge_moved": "随档案转并"}


#: the directory shows confidential complaints per enterprise: center staff only
READERS = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)


PAGE = 50


#: where a tab's (or the directory's) page ends: the last line's sort values; pass it as ``after``
Key = tuple[Any, ...]

T = TypeVar("T")


# ---------------------------------------------------------------- what the page returns
@dataclass
class EnterpriseContact:
    """A further contact person of an enterprise (the main one is on the record)."""

    id: int
    enterprise_id: int
    name: str
    phone: str
    position: str
    added_at: str
    added_by: str


@dataclass
class TicketFigures:
    """An enterprise's tickets in numbers: all, open, closed, call-back outcomes."""

    total: int = 0
    open: int = 0
    closed: int = 0
    satisfaction: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Satisfaction})
    warned: int = 0  # tickets that ever reached a warning level
    last_received: str | None = None

    @property
    def satisfaction_rate(self) -> float | None:
        """(满意 + 基本满意) / tickets with a reached call-back (未联系上 left out)."""
        s = self.satisfaction
        reached = s["satisfied"] + s["basically_satisfied"] + s["unsatisfied"]
        return round((s["satisfied"] + s["basically_satisfied"]) / reached, 4) if reached else None


@dataclass
class Membership:
    association_id: int
    name: str
    joined_at: str


@dataclass
class EnterpriseProfile:
    """The header of an enterprise's page: record, contacts, memberships, the
    records merged into it, its ticket figures and how long each history is."""

    enterprise: Enterprise
    contacts: list[EnterpriseContact]
    memberships: list[Membership]
    merged_from: list[Enterprise]
    figures: TicketFigures
    counts: dict[str, int]  # pushes, feedback, visits, events


@dataclass
class PushLine:
    """A policy that reached the enterprise: pushed to it, or to an association
    it belonged to at the time (``association`` names it)."""

    id: int
    at: str
    policy_id: int
    policy_title: str
    actor: str
    note: str
    association: str = ""


@dataclass
class EnterpriseEvent:
    """One line of a record's own history (``record`` is the record it was
    written on: the page's own, or one merged into it)."""

    id: int
    record: int
    at: str
    actor: str
    action: str
    note: str
    changes: dict[str, Any]

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.action, self.action)


def row_enterprise(row: sqlite3.Row) -> Enterprise:
    """An ``enterprises`` row (or a row holding its columns) as a model."""
    return Enterprise.model_validate({k: row[k] for k in row.keys() if k in Enterprise.model_fields})


def page_of(rows: list[T], limit: int, key: Callable[[T], Key]) -> tuple[list[T], Key | None]:
    """The first ``limit`` rows and the key after the last one (None: no more)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (key(rows[-1]) if more and rows else None)


def require_reader(actor: Staff) -> None:
    """The directory and the page hold confidential complaints: center staff only."""
    if actor.disabled:
        raise PermissionDenied("账号已停用")
    if actor.role not in READERS:
        raise PermissionDenied("企业名录含保密诉求，仅供中心工作人员查阅；承办单位请在工单中查看企业信息")


def record_row(c: sqlite3.Connection, ref: int) -> sqlite3.Row:
    """One ``enterprises`` row by id (merged or not); a Chinese refusal when there is none."""
    row: sqlite3.Row | None = c.execute("SELECT * FROM enterprises WHERE id = ?", (int(ref),)).fetchone()
    if row is None:
        raise NotFound(f"找不到企业档案 #{ref}")
    return row


class EnterprisePage:
    """What one enterprise's page reads (``store.directory.page``): the header and
    a keyset page of each history tab, for the record and those merged into it."""

    def __init__(self, core: Core, records: TicketRecords) -> None:
        self.core = core
        self.records = records

    def family(self, enterprise_id: int) -> list[int]:
        """The record and the records merged into it (merges are flat: one hop)."""
        return [enterprise_id] + [int(r[0]) for r in self.core.conn.execute(
            "SELECT id FROM enterprises WHERE merged_into = ? ORDER BY id", (enterprise_id,))]

    def surviving(self, ref: int) -> sqlite3.Row:
        """The record, or the one it was merged into."""
        row = record_row(self.core.conn, ref)
        return record_row(self.core.conn, row["merged_into"]) if row["merged_into"] is not None else row

    def _readable_family(self, actor: Staff, enterprise_id: int) -> tuple[list[int], str]:
        """For a history tab: the surviving record's family (after the reader
        check) and the matching ``?, ?`` placeholders for an ``IN (...)``."""
        require_reader(actor)
        family = self.family(self.surviving(enterprise_id)["id"])
        return family, ",".join("?" * len(family))

    def profile(self, actor: Staff, ref: int) -> EnterpriseProfile:
        """An enterprise's page header (a merged record gives the one it went into):
        the record, contacts, memberships, merged records, figures, history sizes."""
        require_reader(actor)
        row = self.surviving(ref)
        eid = row["id"]
        family = self.family(eid)
        marks = ",".join("?" * len(family))
        contacts = [EnterpriseContact(r["id"], r["enterprise_id"], r["name"], r["phone"], r["position"],
                                      r["added_at"], r["added_by"])
                    for r in self.core.conn.execute("SELECT * FROM enterprise_contacts WHERE enterprise_id = ? "
                                               "AND removed_at IS NULL ORDER BY id", (eid,))]
        memberships = [Membership(r[0], r[1], r[2]) for r in self.core.conn.execute(
            f"SELECT a.id, a.name, min(m.joined_at) FROM association_members m JOIN associations a "
            f"ON a.id = m.association_id WHERE m.enterprise_id IN ({marks}) GROUP BY a.id ORDER BY a.name", family)]
        merged = [row_enterprise(r) for r in self.core.conn.execute(
            "SELECT * FROM enterprises WHERE merged_into = ? ORDER BY id", (eid,))]
        counts = {
            "pushes": self.core.conn.execute(f"SELECT count(*) FROM enterprise_pushes WHERE enterprise_id IN ({marks})",
                                        family).fetchone()[0]
            + self.core.conn.execute(f"SELECT count(*) FROM ({self._association_pushes_sql(marks)})",
                                family).fetchone()[0],
            "feedback": self.core.conn.execute(f"SELECT count(*) FROM policy_feedback WHERE enterprise_id IN ({marks})",
                                          family).fetchone()[0],
            "visits": self.core.conn.execute(
                f"SELECT count(DISTINCT x.activity_id) FROM outreach_enterprises x JOIN outreach_activities a "
                f"ON a.id = x.activity_id WHERE x.enterprise_id IN ({marks}) AND a.voided_at IS NULL", family).fetchone()[0],
            "events": self.core.conn.execute(f"SELECT count(*) FROM enterprise_events WHERE enterprise_id IN ({marks})",
                                        family).fetchone()[0],
        }
        return EnterpriseProfile(row_enterprise(row), contacts, memberships, merged, self._figures(eid), counts)

    def _figures(self, eid: int) -> TicketFigures:
        f = TicketFigures()
        for closed, sat, warned, n, last in self.core.conn.execute(
                "SELECT status = 'closed', satisfaction, max_level > 0, count(*), max(received_at) FROM tickets "
                "WHERE enterprise_id = ? GROUP BY 1, 2, 3", (eid,)):
            f.total += n
            if closed:
                f.closed += n
            else:
                f.open += n
            if sat:
                f.satisfaction[sat] = f.satisfaction.get(sat, 0) + n
            f.warned += n if warned else 0
            f.last_received = max(f.last_received or "", last) or None
        return f

    def tickets(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                           limit: int = PAGE) -> tuple[list[Ticket], Key | None]:
        """The enterprise's tickets, newest first, one keyset page (tickets of
        merged records were moved to it); the key of the next page or None."""
        require_reader(actor)
        eid = self.surviving(enterprise_id)["id"]
        where, params = "enterprise_id = ?", [eid]
        if after is not None:
            where += " AND (received_at, id) < (?, ?)"
            params.extend(after)
        rows = self.core.conn.execute(f"SELECT * FROM tickets WHERE {where} ORDER BY received_at DESC, id DESC LIMIT ?",
                                 [*params, limit + 1]).fetchall()
        rows, key = page_of(rows, limit, lambda r: (r["received_at"], r["id"]))
        return [self.records.decorate(r, actor) for r in rows], key

    @staticmethod
    def _association_pushes_sql(marks: str) -> str:
        # pushes to an association reach the members it had then: those at or
        # after the day the enterprise (or a record merged into it) joined
        return ("SELECT x.id, x.at, x.policy_id, x.actor, x.note, min(a.name) AS association FROM policy_pushes x "
                "JOIN association_members m ON m.association_id = x.association_id "
                "JOIN associations a ON a.id = x.association_id "
                f"WHERE m.enterprise_id IN ({marks}) AND x.at >= m.joined_at GROUP BY x.id")

    def pushes(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                          limit: int = PAGE) -> tuple[list[PushLine], Key | None]:
        """Policies that reached the enterprise, newest first: pushed to it (or to
        a record merged into it), or to an association while it was a member."""
        family, marks = self._readable_family(actor, enterprise_id)
        where, params = "", [*family, *family]
        if after is not None:
            where = "WHERE (u.at, u.src, u.id) < (?, ?, ?)"
            params.extend(after)
        rows = self.core.conn.execute(
            "SELECT u.*, p.title FROM ("
            f"SELECT id, at, policy_id, actor, note, '' AS association, 1 AS src FROM enterprise_pushes "
            f"WHERE enterprise_id IN ({marks}) UNION ALL "
            f"SELECT id, at, policy_id, actor, note, association, 0 AS src FROM ({self._association_pushes_sql(marks)})"
            f") u JOIN policies p ON p.id = u.policy_id {where} ORDER BY u.at DESC, u.src DESC, u.id DESC LIMIT ?",
            [*params, limit + 1]).fetchall()
        rows, key = page_of(rows, limit, lambda r: (r["at"], r["src"], r["id"]))
        return [PushLine(r["id"], r["at"], r["policy_id"], r["title"], r["actor"], r["note"], r["association"])
                for r in rows], key

    def feedback(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                            limit: int = PAGE) -> tuple[list[dict[str, Any]], Key | None]:
        """Policy feedback the enterprise gave, newest first, with the policy title."""
        family, marks = self._readable_family(actor, enterprise_id)
        where, params = f"f.enterprise_id IN ({marks})", list(family)
        if after is not None:
            where += " AND f.id < ?"
            params.append(after[0])
        rows = self.core.conn.execute(
            "SELECT f.*, p.title AS policy_title, d.short_name AS department FROM policy_feedback f "
            "JOIN policies p ON p.id = f.policy_id LEFT JOIN departments d ON d.id = f.department_id "
            f"WHERE {where} ORDER BY f.id DESC LIMIT ?", [*params, limit + 1]).fetchall()
        rows, key = page_of([dict(r) for r in rows], limit, lambda r: (r["id"],))
        return rows, key

    def visits(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                          limit: int = PAGE) -> tuple[list[dict[str, Any]], Key | None]:
        """Outreach activities that met the enterprise (voided ones left out), newest first."""
        family, marks = self._readable_family(actor, enterprise_id)
        where, params = (f"a.id IN (SELECT activity_id FROM outreach_enterprises WHERE enterprise_id IN ({marks})) "
                         "AND a.voided_at IS NULL"), list(family)
        if after is not None:
            where += " AND (a.held_on, a.id) < (?, ?)"
            params.extend(after)
        rows = self.core.conn.execute(f"SELECT a.* FROM outreach_activities a WHERE {where} "
                                 "ORDER BY a.held_on DESC, a.id DESC LIMIT ?", [*params, limit + 1]).fetchall()
        labels = {k.code: k.label for k in out.load_kinds(DATA_DIR / "outreach.toml")}
        # kind_label: the plan's Chinese name of the kind (the stored code if the plan no longer has it)
        return page_of([{**dict(r), "kind_label": labels.get(r["kind"], r["kind"])} for r in rows], limit,
                     lambda r: (r["held_on"], r["id"]))

    def history(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                           limit: int = PAGE) -> tuple[list[EnterpriseEvent], Key | None]:
        """The record's own history (and that of the records merged into it), newest first."""
        family, marks = self._readable_family(actor, enterprise_id)
        where, params = f"enterprise_id IN ({marks})", list(family)
        if after is not None:
            where += " AND id < ?"
            params.append(after[0])
        rows = self.core.conn.execute(f"SELECT * FROM enterprise_events WHERE {where} ORDER BY id DESC LIMIT ?",
                                 [*params, limit + 1]).fetchall()
        rows, key = page_of(rows, limit, lambda r: (r["id"],))
        return [EnterpriseEvent(r["id"], r["enterprise_id"], r["at"], r["actor"], r["action"], r["note"],
                                json.loads(r["changes"] or "{}")) for r in rows], key
