"""Oversight: what 市营商办 and 市纪委监委 see and record, and the supervisor's
approvals inbox (issue 14; SPEC §1, §5).

* **Scope.** An oversight account sees the tickets at its warning level and
  above across every department: 市营商办 orange and red, 市纪委监委 red.  A
  ticket is at a level when it is awaiting a reply and that far overdue now,
  or when it ever reached it (``max_level``, kept on the ticket after the
  reply — SPEC §5), so a red ticket answered late stays in 纪委监委's view for
  the 问责 that follows.  :func:`scope_sql` is the condition every list and
  count adds (two indexed terms, SQLite's OR-by-union), :func:`in_scope` the
  same test on one row.
* **Read-only for the workflow.** Neither role is in any transition of
  ``rules.TRANSITIONS``: every workflow action is refused by
  ``TicketRecords.act`` like any other role's forbidden action.  What they
  record is their own: 二次督办 (a supervision row under their body's name)
  and, for 纪委监委, 问责 records (append-only rows: an opening with reason
  and responsible department, a closing with the outcome), each also an
  event in the ticket's history.  Neither bumps the ticket's version — a
  liaison typing a reply is not sent back to reload by an oversight note.
* **Approvals inbox.** :meth:`OversightArea.pending_requests` lists the
  pending 延期 and 超期退回 requests (who asked, why, the due date and what
  approving changes, the new due date computed on the calendar);
  :meth:`OversightArea.decide` approves or rejects one through the
  workflow's own actions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import rules
from ..clock import format_datetime, parse_datetime
from ..errors import InvalidAction, NotFound
from ..models import Role, Staff, Supervision, Ticket
from .base import Core, inserted_id, require_role
from .oversight_scope import (
    OVERSIGHT_LEVEL,
    OVERSIGHT_ROLES,
    PENDING_SQL,
    check_in_scope,
    in_scope,
    is_oversight,
    oversight_level,
    scope_sql,
    ticket_level_now,
    warned_floor,
)

if TYPE_CHECKING:  # types only (the area is built with them)
    from .queue import QueueArea, TicketFilter
    from .records import TicketRecords
    from .tickets import TicketsArea

#: suggested 问责 outcomes (the record takes any text)
ACCOUNTABILITY_OUTCOMES = ("诫勉谈话", "通报批评", "责令书面检查", "组织处理", "党纪政务处分", "不予问责")


# ---------------------------------------------------------------- records


@dataclass
class AccountabilityCase:
    """One 问责 case: opened (reason, responsible department), perhaps closed (outcome)."""

    id: int
    ticket_id: int
    opened_at: dt.datetime
    opened_by: str
    reason: str
    department_id: int | None
    department: str | None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    outcome: str = ""

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass
class PendingRequest:
    """One request waiting for a supervisor: a 延期 or a 超期退回."""

    ticket_id: int
    number: str
    version: int
    kind: str  # "extension" or "return"
    department: str | None
    asked_by: str  # login
    asked_by_name: str
    asked_at: dt.datetime | None
    reason: str
    days: int | None  # 延期: working days asked for
    due_date: dt.date | None
    new_due: dt.date | None  # 延期: the due date if approved
    new_due_provisional: bool = False
    enterprise_name: str = ""

    @property
    def kind_label(self) -> str:
        return "延期" if self.kind == "extension" else "超期退回"

    @property
    def effect(self) -> str:
        """What approving would change, in words."""
        if self.kind == "extension":
            new = f"{self.new_due.isoformat()}{'（暂定）' if self.new_due_provisional else ''}" if self.new_due else "—"
            return f"期限 {self.due_date or '—'} → {new}（延 {self.days} 个工作日）"
        return "退回中心：撤销派发、停止计时，由中心重新派发"


class OversightArea:
    """``store.oversight``: 二次督办, 问责 and the approvals inbox."""

    def __init__(self, core: Core, records: TicketRecords, queue: QueueArea, tickets: TicketsArea) -> None:
        self.core = core
        self.records = records
        self.queue = queue
        self.tickets = tickets

    # -- 二次督办 ------------------------------------------------------------------
    def second_supervise(self, actor: Staff, ref: int | str, note: str) -> Supervision:
        """二次督办: an oversight body's recorded push on a ticket in its scope
        (not a closed one: there is nothing left to push)."""
        require_role(actor, OVERSIGHT_ROLES, "二次督办")
        note = (note or "").strip()
        if not note:
            raise InvalidAction("二次督办必须填写督办意见")
        now = self.core.now()
        now_s = format_datetime(now)
        with self.core.write() as c:
            row = self.records.row(c, ref)
            check_in_scope(self.core, actor, row)
            if row["status"] == "closed":
                raise InvalidAction(f"工单 {row['number']} 已办结，无需督办；如需追责请启动问责")
            level = ticket_level_now(self.core, row, now)
            body = actor.role.label
            cur = c.execute("INSERT INTO supervisions(ticket_id, level, body, actor, at, note) VALUES (?,?,?,?,?,?)",
                            (row["id"], int(level), body, actor.login, now_s, f"二次督办：{note}"))
            sid = inserted_id(cur)
            self.records.event(c, row["id"], now_s, actor.login, "second_supervision", row["status"], row["status"],
                               f"{body}二次督办（{level.label}）：{note}")
            rec = c.execute("SELECT * FROM supervisions WHERE id = ?", (sid,)).fetchone()
        return Supervision.model_validate(dict(rec))

    # -- 问责 --------------------------------------------------------------------------
    def open_accountability(self, actor: Staff, ref: int | str, reason: str, department: int | str | None = None,
                            ) -> AccountabilityCase:
        """启动问责 (市纪委监委 only) on a ticket that reached red: the reason and
        the responsible department (default: the one holding the ticket)."""
        require_role(actor, (Role.DISCIPLINE,), "启动问责")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidAction("启动问责必须填写问责事由")
        dept_id = self.core.department(department).id if department not in (None, "") else None
        now_s = format_datetime(self.core.now())
        with self.core.write() as c:
            row = self.records.row(c, ref)
            check_in_scope(self.core, actor, row)
            if dept_id is None:
                dept_id = row["department_id"]
            if dept_id is None:
                raise InvalidAction("请指定被问责的责任单位（该工单当前没有承办单位）")
            busy = c.execute("SELECT o.id FROM accountability o WHERE o.ticket_id = ? AND o.kind = 'open' AND "
                             "o.department_id = ? AND NOT EXISTS (SELECT 1 FROM accountability x WHERE x.case_id = o.id)",
                             (row["id"], dept_id)).fetchone()
            if busy is not None:
                raise InvalidAction(f"该工单对{self.core.department_name(dept_id)}已有未办结的问责（#{busy[0]}）")
            cur = c.execute("INSERT INTO accountability(ticket_id, kind, at, actor, reason, department_id) "
                            "VALUES (?, 'open', ?, ?, ?, ?)", (row["id"], now_s, actor.login, reason, dept_id))
            case_id = inserted_id(cur)
            self.records.event(c, row["id"], now_s, actor.login, "accountability_open", row["status"], row["status"],
                               f"启动问责 #{case_id}（责任单位：{self.core.department_name(dept_id)}）：{reason}",
                               {"accountability": case_id})
        return self._case(case_id)

    def close_accountability(self, actor: Staff, case_id: int, outcome: str) -> AccountabilityCase:
        """问责办结 (市纪委监委 only): the outcome closes the case, once."""
        require_role(actor, (Role.DISCIPLINE,), "问责办结")
        outcome = (outcome or "").strip()
        if not outcome:
            raise InvalidAction("问责办结必须填写处理结果")
        now_s = format_datetime(self.core.now())
        with self.core.write() as c:
            opened = c.execute("SELECT * FROM accountability WHERE id = ? AND kind = 'open'", (case_id,)).fetchone()
            if opened is None:
                raise NotFound(f"没有问责记录 #{case_id}")
            row = self.records.row(c, int(opened["ticket_id"]))
            check_in_scope(self.core, actor, row)
            if c.execute("SELECT 1 FROM accountability WHERE case_id = ?", (case_id,)).fetchone():
                raise InvalidAction(f"问责 #{case_id} 已办结")
            c.execute("INSERT INTO accountability(ticket_id, kind, case_id, at, actor, department_id, outcome) "
                      "VALUES (?, 'close', ?, ?, ?, ?, ?)",
                      (row["id"], case_id, now_s, actor.login, opened["department_id"], outcome))
            self.records.event(c, row["id"], now_s, actor.login, "accountability_close", row["status"], row["status"],
                               f"问责 #{case_id} 办结（{self.core.department_name(opened['department_id'])}）：{outcome}",
                               {"accountability": case_id})
        return self._case(case_id)

    def cases(self, actor: Staff, ref: int | str) -> list[AccountabilityCase]:
        """The 问责 cases of a ticket, oldest first (anyone who may see the ticket)."""
        row = self.records.row(self.core.conn, ref)
        self.records.check_visible(actor, row)
        ids = [int(r[0]) for r in self.core.conn.execute(
            "SELECT id FROM accountability WHERE ticket_id = ? AND kind = 'open' ORDER BY id", (row["id"],))]
        return [self._case(i) for i in ids]

    def _case(self, case_id: int) -> AccountabilityCase:
        o = self.core.q1("SELECT * FROM accountability WHERE id = ?", (case_id,))
        if o is None:
            raise NotFound(f"没有问责记录 #{case_id}")
        x = self.core.q1("SELECT * FROM accountability WHERE case_id = ?", (case_id,))
        return AccountabilityCase(
            id=int(o["id"]), ticket_id=int(o["ticket_id"]), opened_at=parse_datetime(o["at"]), opened_by=o["actor"],
            reason=o["reason"], department_id=o["department_id"], department=self.core.department_name(o["department_id"]),
            closed_at=parse_datetime(x["at"]) if x is not None else None, closed_by=x["actor"] if x is not None else None,
            outcome=x["outcome"] if x is not None else "")

    # -- the approvals inbox -------------------------------------------------------------
    def pending_count(self, actor: Staff, f: TicketFilter | None = None) -> int:
        """How many tickets have a request waiting (0 for anyone but a supervisor)."""
        if actor.role is not Role.SUPERVISOR:
            return 0
        return self.queue.pending_count(actor, f)

    def pending_requests(self, actor: Staff, f: TicketFilter | None = None, limit: int = 500) -> list[PendingRequest]:
        """The pending 延期 / 超期退回 requests under the queue's filters (center,
        department, type, source, dates), oldest request first."""
        require_role(actor, (Role.SUPERVISOR,), "审批延期、退回申请")
        cond, params = self.queue.pending_where(actor, f)
        rows = self.core.q(f"SELECT * FROM tickets WHERE {cond} ORDER BY id LIMIT ?", [*params, limit])
        cal = self.core.calendar()
        out: list[PendingRequest] = []
        names: dict[str, str] = {}

        def name(login: str) -> str:
            if login not in names:
                r = self.core.q1("SELECT name FROM staff WHERE login = ?", (login,))
                names[login] = (r["name"] if r is not None else "") or login
            return names[login]

        for row in rows:
            t = self.records.decorate(row, actor)
            for kind, action in (("extension", "request_extension"), ("return", "request_return")):
                if kind == "extension" and not row["pending_extension_days"]:
                    continue
                if kind == "return" and not row["pending_return_reason"]:
                    continue
                ev = self.core.q1("SELECT actor, at FROM events WHERE ticket_id = ? AND action = ? ORDER BY id DESC LIMIT 1",
                                  (row["id"], action))
                asker = ev["actor"] if ev is not None else ""
                days = row["pending_extension_days"] if kind == "extension" else None
                new_due = None
                provisional = False
                if days and row["clock_start"] and row["time_limit"] is not None:
                    start = dt.date.fromisoformat(row["clock_start"])
                    new_due = rules.due_from_start(start, row["time_limit"], row["extension_days"] + days, cal)
                    provisional = cal.provisional_between(start, new_due)
                out.append(PendingRequest(
                    ticket_id=t.id, number=t.number, version=t.version, kind=kind, department=t.department_name,
                    asked_by=asker, asked_by_name=name(asker) if asker else "—",
                    asked_at=parse_datetime(ev["at"]) if ev is not None else None,
                    reason=(row["pending_extension_reason"] if kind == "extension" else row["pending_return_reason"]) or "",
                    days=days, due_date=t.due_date, new_due=new_due, new_due_provisional=provisional,
                    enterprise_name=t.enterprise_name))
        out.sort(key=lambda r: (r.asked_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc), r.ticket_id))
        return out

    def decide(self, actor: Staff, request: PendingRequest, approve: bool, reason: str = "") -> Ticket:
        """Approve or reject one request from the inbox (a rejection needs a
        reason); the ticket's version as listed guards against a change since."""
        if not approve and not (reason or "").strip():
            raise InvalidAction("驳回必须填写理由")
        t = self.tickets
        if request.kind == "extension":
            if approve:
                return t.approve_extension(actor, request.ticket_id, version=request.version, note=reason.strip())
            return t.reject_extension(actor, request.ticket_id, reason.strip(), version=request.version)
        if approve:
            return t.approve_return(actor, request.ticket_id, version=request.version, note=reason.strip())
        return t.reject_return(actor, request.ticket_id, reason.strip(), version=request.version)


__all__ = ["ACCOUNTABILITY_OUTCOMES", "AccountabilityCase", "OVERSIGHT_LEVEL", "OVERSIGHT_ROLES", "OversightArea",
           "PENDING_SQL", "PendingRequest", "check_in_scope", "in_scope", "is_oversight", "oversight_level", "scope_sql", "warned_floor",
           "ticket_level_now"]
