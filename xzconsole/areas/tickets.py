"""The ticket workflow: intake, dispatch, sign, return, extension, reply,
call-back, reopen, close, merge, confidentiality, supervision, bulk actions.

Every action is one transaction through :meth:`TicketRecords.act`: it checks
the actor's role, department and the ticket's state (the table in
:mod:`xzconsole.rules`) and version, changes the ticket, bumps its version
and appends an event to the append-only history.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .. import rules
from ..clock import format_datetime, local_date
from ..errors import InvalidAction, PermissionDenied, StoreError
from ..models import (
    Action,
    AppealType,
    CloseReason,
    Event,
    Satisfaction,
    Source,
    Staff,
    Status,
    Supervision,
    Ticket,
    TicketIntake,
)
from ..rules import WarningLevel
from .base import AWAITING, CITY_CENTER, Core, inserted_id
from .directory import DirectoryArea
from .joint import JointArea
from .records import TicketRecords, next_numbers


@dataclass
class BulkResult:
    done: list[str]
    failed: list[tuple[str, str]]  # (number, reason)


# ---------------------------------------------------------------- module helpers
def _returned(row: sqlite3.Row) -> dict[str, Any]:
    """The columns of a ticket going back to the center after a return."""
    return {"status": Status.RETURNED.value, "department_id": None, "return_count": row["return_count"] + 1,
            "pending_return_reason": None, "pending_extension_days": None, "pending_extension_reason": None,
            "due_date": None, "due_provisional": 0, "clock_start": None}


class TicketsArea:
    """``store.tickets``: one method per workflow action (SPEC §4)."""

    def __init__(self, core: Core, records: TicketRecords, directory: DirectoryArea, joint: JointArea) -> None:
        self.core = core
        self.records = records
        self.directory = directory
        self.joint = joint

    # -- enterprises -------------------------------------------------------------
    def _enterprise_for(self, c: sqlite3.Connection, intake: TicketIntake, now: str) -> int:
        """The directory record of the intake's enterprise (by USCC, else name;
        a merged record leads to the one it went into); created when new."""
        return self.directory.ensure(c, intake.enterprise_name, intake.uscc, intake.district, intake.contact_name,
                                      intake.contact_phone, "visit" if intake.source is Source.VISIT else "ticket", now=now)

    def open_of(self, uscc: str | None, name: str) -> list[Ticket]:
        """Open tickets of the same enterprise (USCC, else name): the 重复诉求 flag."""
        if uscc:
            rows = self.core.q("SELECT * FROM tickets WHERE uscc = ? AND status != 'closed' ORDER BY id DESC LIMIT 20", (uscc,))
        else:
            rows = self.core.q("SELECT * FROM tickets WHERE enterprise_name = ? AND status != 'closed' ORDER BY id DESC LIMIT 20", (name,))
        return [self.records.decorate(r) for r in rows]

    def get(self, actor: Staff, ref: int | str) -> Ticket:
        """One ticket by id, number or external id, as this actor may see it."""
        row = self.records.row(self.core.conn, ref)
        self.records.check_visible(actor, row)
        return self.records.decorate(row, actor)

    def history(self, actor: Staff, ref: int | str) -> list[Event]:
        row = self.records.row(self.core.conn, ref)
        self.records.check_visible(actor, row)
        out = []
        for r in self.core.q("SELECT * FROM events WHERE ticket_id = ? ORDER BY id", (row["id"],)):
            d = dict(r)
            d["changes"] = json.loads(d["changes"] or "{}")
            out.append(Event.model_validate(d))
        return out

    def supervisions(self, actor: Staff, ref: int | str) -> list[Supervision]:
        row = self.records.row(self.core.conn, ref)
        self.records.check_visible(actor, row)
        return [Supervision.model_validate(dict(r)) for r in self.core.q("SELECT * FROM supervisions WHERE ticket_id = ? ORDER BY id", (row["id"],))]

    def accept(self, actor: Staff, intake: TicketIntake, *, merge_into: int | str | None = None) -> Ticket:
        """受理: take an appeal in (status 待受理).  With ``merge_into`` the new
        appeal is recorded and merged at once into that open ticket."""
        why = rules.refusal(Action.ACCEPT, actor.role, None)
        if why:
            raise PermissionDenied(why)
        if actor.disabled:
            raise PermissionDenied("账号已停用")
        now = self.core.now()
        received = intake.received_at or now
        now_s = format_datetime(now)
        with self.core.write() as c:
            if intake.external_id:
                dup = c.execute("SELECT number FROM tickets WHERE external_id = ?", (intake.external_id,)).fetchone()
                if dup:
                    raise InvalidAction(f"工单编号 {intake.external_id} 已存在（{dup[0]}）")
            visit = None
            if intake.visit_id is not None:
                visit = c.execute("SELECT id, held_on, place, kind, voided_at FROM outreach_activities WHERE id = ?",
                                  (intake.visit_id,)).fetchone()
                if visit is None or visit["voided_at"]:
                    raise InvalidAction(f"找不到走访记录 #{intake.visit_id}（或已作废）")
                if intake.source is not Source.VISIT:
                    raise InvalidAction("关联走访记录的诉求，来源必须是“走访”")
            ent = self._enterprise_for(c, intake, now_s)
            number = next_numbers(c, local_date(received))[0]
            cur = c.execute(
                "INSERT INTO tickets(number, external_id, received_at, source, appeal_type, enterprise_id, enterprise_name, "
                "uscc, contact_name, contact_phone, district, title, content, status, created_by, updated_at, updated_by, "
                "center, visit_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'new',?,?,?,?,?)",
                (number, intake.external_id, format_datetime(received), intake.source.value, intake.appeal_type.value, ent,
                 intake.enterprise_name, intake.uscc, intake.contact_name, intake.contact_phone, intake.district,
                 intake.title, intake.content, actor.login, now_s, actor.login, actor.center or CITY_CENTER,
                 intake.visit_id),
            )
            tid = inserted_id(cur)
            where = f"（走访 #{visit['id']} {visit['held_on']} {visit['place']}）" if visit is not None else ""
            if visit is not None:
                c.execute("INSERT OR IGNORE INTO outreach_enterprises(activity_id, enterprise_id) VALUES (?, ?)",
                          (visit["id"], ent))
            self.records.event(c, tid, now_s, actor.login, Action.ACCEPT.value, None, Status.NEW.value,
                        f"{intake.source.label}受理 · {intake.appeal_type.label}{where}")
        ticket = self.get(actor, tid)
        if merge_into is not None:
            return self.merge(actor, tid, merge_into, version=ticket.version)
        return ticket

    def dispatch(self, actor: Staff, ref: int | str, department: int | str, *, version: int | None = None, note: str = "") -> Ticket:
        """派发 (or 重新派发 a returned ticket): the clock starts for that department."""
        dept = self.core.department(department)
        cal = self.core.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            limit = rules.time_limit(row["appeal_type"])
            start = local_date(now)
            due = rules.due_from_start(start, limit, 0, cal)
            # a supporting department that becomes the lead no longer owes a part to itself
            moved = c.execute(
                "UPDATE ticket_parts SET withdrawn_at = ?, withdrawn_by = ? WHERE ticket_id = ? AND department_id = ? "
                "AND submitted_at IS NULL AND withdrawn_at IS NULL", (format_datetime(now), actor.login, row["id"], dept.id),
            ).rowcount
            extra = {"_note": f"{label}{'：' + note if note else ''}（原协办单位改任主办，其协办撤回）"} if moved else {}
            return {
                **extra,
                "status": Status.DISPATCHED.value, "department_id": dept.id, "dispatched_at": format_datetime(now),
                "clock_start": start.isoformat(), "time_limit": limit, "extension_days": 0, "due_date": due.isoformat(),
                "due_provisional": int(cal.provisional_between(start, due)), "signed_at": None,
                "pending_extension_days": None, "pending_extension_reason": None, "pending_return_reason": None,
            }

        redispatch = self.records.row(self.core.conn, ref)["status"] == Status.RETURNED.value
        label = f"{'重新派发' if redispatch else '派发'}至 {dept.short_name}"
        return self.records.act(actor, ref, Action.DISPATCH, version, change, note=f"{label}{'：' + note if note else ''}")

    def preview_due(self, appeal_type: AppealType | str, at: dt.datetime | None = None) -> tuple[int, dt.date, bool]:
        """(limit, due date, provisional) if dispatched now — the dispatch preview."""
        cal = self.core.calendar()
        start = local_date(at or self.core.now())
        limit = rules.time_limit(appeal_type)
        due = rules.due_from_start(start, limit, 0, cal)
        return limit, due, cal.provisional_between(start, due)

    def sign(self, actor: Staff, ref: int | str, *, version: int | None = None) -> Ticket:
        """签收: the department acknowledges the ticket."""
        return self.records.act(actor, ref, Action.SIGN, version,
                         lambda c, row, now: {"status": Status.SIGNED.value, "signed_at": format_datetime(now)})

    def return_ticket(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        """退回: within 2 working days of dispatch it goes straight back to the
        center; later it becomes a request a supervisor must approve."""
        cal = self.core.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["pending_return_reason"]:
                raise InvalidAction("已有一个待审批的退回申请")
            if local_date(now) <= rules.return_deadline(row["dispatched_at"], cal):
                return _returned(row)
            # past the window the return is only a request, recorded as such
            return {"pending_return_reason": reason.strip(), "_event": "request_return"}

        return self.records.act(actor, ref, Action.RETURN, version, change, note=reason)

    def approve_return(self, actor: Staff, ref: int | str, *, version: int | None = None, note: str = "") -> Ticket:
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if not row["pending_return_reason"]:
                raise InvalidAction("没有待审批的退回申请")
            return _returned(row)

        return self.records.act(actor, ref, Action.APPROVE_RETURN, version, change, note=note)

    def reject_return(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if not row["pending_return_reason"]:
                raise InvalidAction("没有待审批的退回申请")
            return {"pending_return_reason": None}

        return self.records.act(actor, ref, Action.REJECT_RETURN, version, change, note=reason)

    def request_extension(self, actor: Staff, ref: int | str, days: int, reason: str, *, version: int | None = None) -> Ticket:
        """申请延期: at most 10 working days in all per ticket, with a reason."""
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            # the event note always holds the day count, so _act cannot see a missing reason
            if not (reason or "").strip():
                raise InvalidAction("申请延期必须填写理由")
            if row["pending_extension_days"]:
                raise InvalidAction("已有一个待审批的延期申请")
            why = rules.extension_allowed(row["extension_days"], int(days))
            if why:
                raise InvalidAction(why)
            return {"pending_extension_days": int(days), "pending_extension_reason": reason.strip()}

        return self.records.act(actor, ref, Action.REQUEST_EXTENSION, version, change, note=f"申请延期 {days} 个工作日：{reason}")

    def approve_extension(self, actor: Staff, ref: int | str, *, version: int | None = None, note: str = "") -> Ticket:
        cal = self.core.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            days = row["pending_extension_days"]
            if not days:
                raise InvalidAction("没有待审批的延期申请")
            why = rules.extension_allowed(row["extension_days"], days)
            if why:
                raise InvalidAction(why)
            total = row["extension_days"] + days
            start = dt.date.fromisoformat(row["clock_start"])
            due = rules.due_from_start(start, row["time_limit"], total, cal)
            return {"extension_days": total, "due_date": due.isoformat(),
                    "due_provisional": int(cal.provisional_between(start, due)),
                    "pending_extension_days": None, "pending_extension_reason": None}

        return self.records.act(actor, ref, Action.APPROVE_EXTENSION, version, change, note=note or "同意延期")

    def reject_extension(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if not row["pending_extension_days"]:
                raise InvalidAction("没有待审批的延期申请")
            return {"pending_extension_days": None, "pending_extension_reason": None}

        return self.records.act(actor, ref, Action.REJECT_EXTENSION, version, change, note=reason)

    def reply(self, actor: Staff, ref: int | str, text: str, *, version: int | None = None) -> Ticket:
        """答复: the department's answer; stops the clock."""
        cal = self.core.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            upd: dict[str, Any] = {"status": Status.REPLIED.value, "replied_at": format_datetime(now), "reply_text": text.strip(),
                                   "pending_extension_days": None, "pending_extension_reason": None,
                                   "pending_return_reason": None}
            if row["due_date"]:
                lvl = rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, cal)
                upd["max_level"] = max(int(lvl), row["max_level"])
            upd["_note"] = text + self.joint.missing_parts_note(c, row["id"])  # 协办 parts still open (store_joint)
            return upd

        return self.records.act(actor, ref, Action.REPLY, version, change, note=text)

    def direct_answer(self, actor: Staff, ref: int | str, text: str, *, knowledge_id: int | None = None,
                      version: int | None = None) -> Ticket:
        """直接答复: the center answers itself, usually from the knowledge base."""
        if not text.strip():
            raise InvalidAction("直接答复必须填写答复内容")

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            return {"status": Status.REPLIED.value, "replied_at": format_datetime(now), "reply_text": text.strip(),
                    "direct_answer": 1, "knowledge_id": knowledge_id}

        src = f"（引用知识库 #{knowledge_id}）" if knowledge_id else ""
        return self.records.act(actor, ref, Action.DIRECT_ANSWER, version, change, note=text + src)

    def follow_up(self, actor: Staff, ref: int | str, outcome: Satisfaction | str, *, note: str = "",
                  version: int | None = None, resolved: bool | None = None) -> Ticket:
        """回访: 满意/基本满意 close the ticket; 不满意 waits for 重办 or 办结; the
        third 未联系上 closes it as unreachable. ``resolved`` is the enterprise's
        answer to 是否解决 (None: not asked); it cannot come with 未联系上."""
        outcome = Satisfaction.parse(outcome)
        if outcome is Satisfaction.UNREACHABLE and resolved is not None:
            raise InvalidAction("未联系上企业，不能记录是否解决")

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            upd: dict[str, Any] = {"followup_count": row["followup_count"] + 1}
            if outcome is Satisfaction.UNREACHABLE:
                n = row["unreachable_count"] + 1
                upd["unreachable_count"] = n
                if row["satisfaction"] is None:
                    upd["satisfaction"] = outcome.value
                if n >= rules.UNREACHABLE_LIMIT:
                    upd.update(status=Status.CLOSED.value, closed_at=format_datetime(now), close_reason=CloseReason.UNREACHABLE.value,
                               satisfaction=outcome.value)
                return upd
            upd["satisfaction"] = outcome.value
            if resolved is not None:
                upd["resolved"] = int(resolved)
            if outcome in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED):
                upd.update(status=Status.CLOSED.value, closed_at=format_datetime(now), close_reason=CloseReason.RESOLVED.value)
            return upd

        text = f"回访结果：{outcome.label}" + (f"。{note}" if note else "")
        return self.records.act(actor, ref, Action.FOLLOW_UP, version, change, note=text)

    def reopen(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        """重办: an unsatisfied follow-up sends it back to the department with a fresh limit."""
        cal = self.core.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["satisfaction"] != Satisfaction.UNSATISFIED.value:
                raise InvalidAction("只有回访结果为“不满意”的工单才能重办")
            if row["direct_answer"] or row["department_id"] is None:
                raise InvalidAction("该工单由中心直接答复，没有承办单位可重办；请新建工单派发")
            start = local_date(now)
            limit = rules.time_limit(row["appeal_type"])
            due = rules.due_from_start(start, limit, 0, cal)
            return {"status": Status.REOPENED.value, "clock_start": start.isoformat(), "time_limit": limit,
                    "extension_days": 0, "due_date": due.isoformat(), "due_provisional": int(cal.provisional_between(start, due)),
                    "signed_at": None, "replied_at": None, "reopen_count": row["reopen_count"] + 1}

        return self.records.act(actor, ref, Action.REOPEN, version, change, note=reason)

    def close(self, actor: Staff, ref: int | str, *, note: str = "", reason: CloseReason | str | None = None,
              version: int | None = None) -> Ticket:
        """办结 a replied ticket (e.g. unsatisfied but unreasonable), or close a new
        one that needs no handling (a duplicate or an invalid call)."""
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["status"] == Status.NEW.value and not note.strip():
                raise InvalidAction("未处理的工单办结须写明理由（如重复诉求、无效来电）")
            r = CloseReason.parse(reason) if reason else (
                CloseReason.UNSATISFIED if row["satisfaction"] == Satisfaction.UNSATISFIED.value
                else CloseReason.RESOLVED if row["status"] == Status.REPLIED.value else CloseReason.OTHER)
            return {"status": Status.CLOSED.value, "closed_at": format_datetime(now), "close_reason": r.value}

        return self.records.act(actor, ref, Action.CLOSE, version, change, note=note)

    def merge(self, actor: Staff, ref: int | str, into: int | str, *, version: int | None = None) -> Ticket:
        """Merge a new duplicate appeal into an open ticket of the same enterprise."""
        target = self.records.row(self.core.conn, into)
        self.records.check_visible(actor, target)
        if target["status"] == Status.CLOSED.value:
            raise InvalidAction(f"工单 {target['number']} 已办结，不能合并进去")

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["id"] == target["id"]:
                raise InvalidAction("不能把工单合并到它自己")
            self.records.event(c, target["id"], format_datetime(now), actor.login, "merged_from", target["status"], target["status"],
                        f"合并重复诉求 {row['number']}：{row['content'][:200]}")
            return {"status": Status.CLOSED.value, "closed_at": format_datetime(now), "close_reason": CloseReason.DUPLICATE.value,
                    "merged_into": target["id"]}

        return self.records.act(actor, ref, Action.MERGE, version, change, note=f"作为重复诉求并入 {target['number']}")

    def mark_confidential(self, actor: Staff, ref: int | str, confidential: bool = True, *,
                          version: int | None = None, note: str = "") -> Ticket:
        """保密: hide the enterprise's identity from department liaisons."""
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if confidential and AppealType(row["appeal_type"]) not in rules.CONFIDENTIAL_TYPES:
                raise InvalidAction("只有投诉、举报类工单可以标记保密")
            return {"confidential": int(confidential)}

        return self.records.act(actor, ref, Action.MARK_CONFIDENTIAL, version, change,
                         note=note or ("标记保密：承办单位不可见企业身份" if confidential else "取消保密"))

    def supervise(self, actor: Staff, ref: int | str, note: str, *, version: int | None = None) -> Ticket:
        """督办: a recorded push by the body the ticket's warning level names."""
        cal = self.core.calendar()
        rec: dict[str, Any] = {}

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            lvl = WarningLevel(row["max_level"])
            if row["status"] in AWAITING and row["due_date"]:
                lvl = max(lvl, rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, cal))
            if lvl is WarningLevel.NONE:
                raise InvalidAction("工单未超期，无需督办")
            c.execute("INSERT INTO supervisions(ticket_id, level, body, actor, at, note) VALUES (?,?,?,?,?,?)",
                      (row["id"], int(lvl), lvl.supervised_by, actor.login, format_datetime(now), note))
            rec["level"] = lvl
            return {"max_level": max(int(lvl), row["max_level"])}

        return self.records.act(actor, ref, Action.SUPERVISE, version, change, note=note or "督办")

    # -- bulk -------------------------------------------------------------------
    def bulk(self, actor: Staff, refs: Iterable[int | str], fn: Callable[[int | str], Ticket],
             progress: Callable[[int, int], None] | None = None) -> BulkResult:
        """Apply one action to many tickets; each gets its own transaction and
        history, and a refusal on one does not stop the others."""
        refs = list(refs)
        done: list[str] = []
        failed: list[tuple[str, str]] = []
        for i, ref in enumerate(refs, 1):
            try:
                done.append(fn(ref).number)
            except StoreError as exc:
                failed.append((str(ref), str(exc)))
            if progress:
                progress(i, len(refs))
        return BulkResult(done, failed)

    def bulk_dispatch(self, actor: Staff, refs: Iterable[int | str], department: int | str,
                      progress: Callable[[int, int], None] | None = None) -> BulkResult:
        dept = self.core.department(department)
        return self.bulk(actor, refs, lambda r: self.dispatch(actor, r, dept.stored_id), progress)

    def bulk_close_duplicates(self, actor: Staff, refs: Iterable[int | str], note: str = "重复诉求",
                              progress: Callable[[int, int], None] | None = None) -> BulkResult:
        return self.bulk(actor, refs, lambda r: self.close(actor, r, note=note, reason=CloseReason.DUPLICATE), progress)

    def current_level(self, t: Ticket, now: dt.datetime | None = None) -> WarningLevel:
        if not t.awaiting_reply:
            return WarningLevel.NONE
        return rules.warning_level(t.due_date, now or self.core.now(), self.core.calendar())
