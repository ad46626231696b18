"""Joint handling (会商会办): supporting departments' parts and consultation meetings."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..clock import format_datetime, local_date, parse_datetime, weekday_cn
from ..errors import InvalidAction
from ..models import Action, Department, Role, Staff, Status, Ticket, clean_text
from ..workdays import WorkCalendar
from .base import AWAITING_SQL, Core
from .records import TicketRecords


# ---------------------------------------------------------------- what the store returns
@dataclass(frozen=True)
class TicketPart:
    """One supporting department's part (协办) of a ticket.  Everyone who sees
    the ticket reads every part (the history holds them anyway): joint
    handling is done in the open, at one table."""

    id: int
    ticket_id: int
    department_id: int
    department: str  # short name
    assigned_at: dt.datetime
    assigned_by: str
    time_limit: int  # working days from the day it was assigned
    due_date: dt.date
    due_provisional: bool
    submitted_at: dt.datetime | None
    submitted_by: str | None
    text: str
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    late: bool  # submitted after its deadline, or still open past it
    lead_answered: bool = False  # the lead has replied (or the ticket is closed): no part can come any more

    @property
    def is_open(self) -> bool:
        """Assigned, not yet submitted, not withdrawn."""
        return self.submitted_at is None and self.withdrawn_at is None

    @property
    def status(self) -> str:
        """待提交 / 超期 / 已提交 (逾期) / 已撤回 — words, never colour alone."""
        if self.withdrawn_at is not None:
            return "已撤回"
        if self.submitted_at is not None:
            return "已提交（逾期）" if self.late else "已提交"
        if self.lead_answered:
            return "未提交（主办已答复）"
        return "超期" if self.late else "待提交"


@dataclass(frozen=True)
class ConsultationTask:
    """A follow-up task a 会商 gave to one department."""

    department: str  # short name, as it was at the meeting
    task: str
    due: dt.date | None = None


@dataclass(frozen=True)
class Consultation:
    """The minutes of one 会商 on a ticket (append-only)."""

    id: int
    ticket_id: int
    held_on: dt.date
    place: str
    departments: tuple[str, ...]  # short names of the departments present
    attendees: str
    conclusions: str
    tasks: tuple[ConsultationTask, ...]
    recorded_at: dt.datetime
    recorded_by: str


@dataclass(frozen=True)
class LatePart:
    """A part still open past its own deadline (a notice on the warning panel)."""

    ticket_id: int
    number: str
    department: str  # the supporting department that is late
    lead: str | None  # the lead department
    due_date: dt.date
    due_provisional: bool
    overdue_workdays: int
    enterprise_name: str
    title: str


def part_due(start: dt.date, lead_due: dt.date | None, days: int | None, cal: WorkCalendar) -> tuple[int, dt.date, bool]:
    """(working days, deadline, provisional) of a part assigned on ``start``.

    By default a part is due one working day before the lead's deadline, so
    the lead has a day to write the reply (on the day of dispatch: the time
    limit minus one), and at least one working day after ``start``.  Given
    ``days`` may not put it after the lead's deadline, unless it is the one
    day a part always gets.
    """
    left = cal.workdays_between(start, lead_due) if lead_due is not None and lead_due > start else 0
    if days is None:
        days = max(1, left - 1)
    elif days < 1:
        raise ValueError("协办期限至少为 1 个工作日")
    elif days > max(1, left):
        raise ValueError(f"协办期限不能晚于主办单位的办理期限（{lead_due}），最多 {max(1, left)} 个工作日")
    due = cal.add_workdays(start, days)
    return days, due, cal.provisional_between(start, due)


def _part_from_row(r: sqlite3.Row, name: str, today: dt.date, lead_answered: bool = False) -> TicketPart:
    due = dt.date.fromisoformat(r["due_date"])
    submitted = parse_datetime(r["submitted_at"]) if r["submitted_at"] else None
    withdrawn = parse_datetime(r["withdrawn_at"]) if r["withdrawn_at"] else None
    if withdrawn is not None:
        late = False
    elif submitted is not None:
        late = local_date(submitted) > due
    else:
        late = today > due
    return TicketPart(
        id=r["id"], ticket_id=r["ticket_id"], department_id=r["department_id"], department=name,
        assigned_at=parse_datetime(r["assigned_at"]), assigned_by=r["assigned_by"], time_limit=r["time_limit"],
        due_date=due, due_provisional=bool(r["due_provisional"]), submitted_at=submitted,
        submitted_by=r["submitted_by"], text=r["text"], withdrawn_at=withdrawn,
        withdrawn_by=r["withdrawn_by"], late=late, lead_answered=lead_answered,
    )


def _as_date(value: dt.date | str, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return local_date(value)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise ValueError(f"{what}“{value}”不是有效日期（应为 YYYY-MM-DD）") from None


class JointArea:
    """``store.joint``: supporting departments' parts (协办) and 会商 minutes."""

    def __init__(self, core: Core, records: TicketRecords) -> None:
        self.core = core
        self.records = records

    def _part_departments(self, departments: Iterable[int | str]) -> list[Department]:
        """Resolve department references; refuse none, duplicates and inactive ones."""
        out: list[Department] = []
        for ref in departments:
            d = self.core.department(ref)
            if not d.active:
                raise InvalidAction(f"{d.short_name}已停用，不能设为协办单位")
            if any(o.id == d.id for o in out):
                raise InvalidAction(f"协办单位重复：{d.short_name}")
            out.append(d)
        if not out:
            raise InvalidAction("请至少选择一个协办单位")
        return out

    def preview_due(self, ref: int | str, days: int | None = None,
                         at: dt.datetime | None = None) -> tuple[int, dt.date, bool]:
        """(working days, deadline, provisional) of a part assigned now — the
        preview the 设置协办 dialog shows before anything is stored."""
        row = self.records.row(self.core.conn, ref)
        lead_due = dt.date.fromisoformat(row["due_date"]) if row["due_date"] else None
        try:
            return part_due(local_date(at or self.core.now()), lead_due, days, self.core.calendar())
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None

    def assign_parts(self, actor: Staff, ref: int | str, departments: Iterable[int | str], *,
                     days: int | None = None, version: int | None = None, note: str = "") -> Ticket:
        """设置协办: give supporting departments a part of a ticket that has a
        lead, each with the same deadline (:func:`part_due`).  A withdrawn part
        assigned again starts over on its row; its past stays in the history."""
        depts = self._part_departments(departments)
        cal = self.core.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            for d in depts:
                if d.id == row["department_id"]:
                    raise InvalidAction(f"{d.short_name}是本工单的主办单位，不能同时作为协办单位")
            existing = {r["department_id"]: r["withdrawn_at"] for r in c.execute(
                "SELECT department_id, withdrawn_at FROM ticket_parts WHERE ticket_id = ?", (row["id"],))}
            taken = [d.short_name for d in depts if d.id in existing and existing[d.id] is None]
            if taken:
                raise InvalidAction(f"{'、'.join(taken)}已是本工单的协办单位")
            start = local_date(now)
            lead_due = dt.date.fromisoformat(row["due_date"]) if row["due_date"] else None
            try:
                n, due, provisional = part_due(start, lead_due, days, cal)
            except ValueError as exc:
                raise InvalidAction(str(exc)) from None
            values = (format_datetime(now), actor.login, start.isoformat(), n, due.isoformat(), int(provisional))
            for d in depts:
                if d.id in existing:
                    c.execute(
                        "UPDATE ticket_parts SET assigned_at = ?, assigned_by = ?, clock_start = ?, time_limit = ?, "
                        "due_date = ?, due_provisional = ?, submitted_at = NULL, submitted_by = NULL, text = '', "
                        "withdrawn_at = NULL, withdrawn_by = NULL WHERE ticket_id = ? AND department_id = ?",
                        (*values, row["id"], d.id))
                else:
                    c.execute(
                        "INSERT INTO ticket_parts(ticket_id, department_id, assigned_at, assigned_by, clock_start, "
                        "time_limit, due_date, due_provisional) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (row["id"], d.id, *values))
            text = (f"设置协办单位：{'、'.join(d.short_name for d in depts)}；协办期限 {n} 个工作日，"
                    f"截止 {due.isoformat()} {weekday_cn(due)}{'（暂定）' if provisional else ''}")
            return {"_note": text + (f"。{note.strip()}" if note.strip() else "")}

        return self.records.act(actor, ref, Action.ASSIGN_PARTS, version, change)

    def submit_part(self, actor: Staff, ref: int | str, text: str, *, version: int | None = None) -> Ticket:
        """提交协办意见: a supporting department's liaison sends its part to the
        lead.  Only the liaison may: the part is the department's own word,
        which the center does not write for it.  Once only; a late part is
        accepted and marked late."""
        try:
            body = clean_text(text, "协办意见", required=True)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["department_id"] == actor.department_id:
                raise InvalidAction("贵单位是本工单的主办单位，请直接答复企业；协办意见由协办单位提交")
            part = c.execute(
                "SELECT id, due_date, submitted_at FROM ticket_parts WHERE ticket_id = ? AND department_id = ? "
                "AND withdrawn_at IS NULL", (row["id"], actor.department_id)).fetchone()
            if part["submitted_at"]:
                raise InvalidAction(f"贵单位已于 {part['submitted_at'].replace('T', ' ')[:16]} 提交协办意见，不能重复提交")
            c.execute("UPDATE ticket_parts SET submitted_at = ?, submitted_by = ?, text = ? WHERE id = ?",
                      (format_datetime(now), actor.login, body, part["id"]))
            late = "（超过协办期限）" if local_date(now) > dt.date.fromisoformat(part["due_date"]) else ""
            return {"_note": f"协办意见（{actor.department_name}）{late}：{body}"}

        return self.records.act(actor, ref, Action.SUBMIT_PART, version, change)

    def withdraw_part(self, actor: Staff, ref: int | str, department: int | str, reason: str, *,
                      version: int | None = None) -> Ticket:
        """撤回协办: take a part back (assigned by mistake, no longer needed), with
        a reason.  A part already submitted stays: it is part of the record."""
        dept = self.core.department(department)

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            part = c.execute("SELECT id, submitted_at, withdrawn_at FROM ticket_parts WHERE ticket_id = ? AND "
                             "department_id = ?", (row["id"], dept.id)).fetchone()
            if part is None or part["withdrawn_at"]:
                raise InvalidAction(f"{dept.short_name}不是本工单的协办单位")
            if part["submitted_at"]:
                raise InvalidAction(f"{dept.short_name}已提交协办意见，不能撤回")
            c.execute("UPDATE ticket_parts SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                      (format_datetime(now), actor.login, part["id"]))
            return {"_note": f"撤回协办：{dept.short_name}。理由：{reason.strip()}"}

        return self.records.act(actor, ref, Action.WITHDRAW_PART, version, change, note=reason)

    def parts(self, actor: Staff, ref: int | str) -> list[TicketPart]:
        """Every part of a ticket, withdrawn ones included, in the order assigned."""
        row = self.records.row(self.core.conn, ref)
        self.records.check_visible(actor, row)
        today = local_date(self.core.now())
        answered = row["status"] in (Status.REPLIED.value, Status.CLOSED.value)
        return [
            _part_from_row(r, self.core.department_name(r["department_id"]) or f"#{r['department_id']}", today,
                           answered)
            for r in self.core.q("SELECT * FROM ticket_parts WHERE ticket_id = ? ORDER BY id", (row["id"],))
        ]

    def missing_parts_note(self, c: sqlite3.Connection, ticket_id: int) -> str:
        """What a reply's event adds when supporting parts are still open (the
        lead may reply without them; the history says it did)."""
        names = [self.core.department_name(r[0]) for r in c.execute(
            "SELECT department_id FROM ticket_parts WHERE ticket_id = ? AND submitted_at IS NULL "
            "AND withdrawn_at IS NULL ORDER BY id", (ticket_id,))]
        return f"（答复时以下协办单位尚未提交意见：{'、'.join(n or '' for n in names)}）" if names else ""

    # -- consultations (会商) ----------------------------------------------------
    def record_consultation(self, actor: Staff, ref: int | str, held_on: dt.date | str,
                            departments: Sequence[int | str], conclusions: str, *, place: str = "",
                            attendees: str = "", tasks: Sequence[dict[str, Any]] = (),
                            version: int | None = None) -> Ticket:
        """记录会商: the minutes of a meeting on the ticket — date, place,
        departments present, attendees, conclusions and follow-up tasks — by
        the center or the lead's liaison.  Minutes are append-only."""
        try:
            day = _as_date(held_on, "会商日期")
            text = clean_text(conclusions, "会商结论", required=True)
            place_s = clean_text(place, "会商地点", max_len=200)
            attendees_s = clean_text(attendees, "参会人员", max_len=2000)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        today = local_date(self.core.now())
        if day > today:
            raise InvalidAction(f"会商日期不能晚于今天（{today.isoformat()}）")
        present: list[str] = []
        for ref_d in departments:
            name = self.core.department(ref_d).short_name
            if name not in present:
                present.append(name)
        if not present:
            raise InvalidAction("请至少选择一个参会单位")
        task_rows: list[dict[str, Any]] = []
        for i, task in enumerate(tasks, 1):
            what = str(task.get("task") or "").strip()
            if not what:
                raise InvalidAction(f"第 {i} 项后续任务没有填写任务内容")
            if not str(task.get("department") or "").strip():
                raise InvalidAction(f"第 {i} 项后续任务没有填写承办单位")
            dept = self.core.department(task["department"])
            due = task.get("due")
            try:
                due_d = _as_date(due, f"第 {i} 项任务的完成期限") if due not in (None, "") else None
            except ValueError as exc:
                raise InvalidAction(str(exc)) from None
            if due_d is not None and due_d < day:
                raise InvalidAction(f"第 {i} 项任务的完成期限 {due_d} 早于会商日期 {day}")
            task_rows.append({"department": dept.short_name, "task": what,
                              "due": due_d.isoformat() if due_d else None})

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if day < local_date(row["received_at"]):
                raise InvalidAction(f"会商日期 {day} 早于工单受理日期 {local_date(row['received_at'])}")
            c.execute(
                "INSERT INTO consultations(ticket_id, held_on, place, departments, attendees, conclusions, tasks, "
                "recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row["id"], day.isoformat(), place_s, json.dumps(present, ensure_ascii=False), attendees_s, text,
                 json.dumps(task_rows, ensure_ascii=False), format_datetime(now), actor.login))
            where = f"，{place_s}" if place_s else ""
            extra = f"（后续任务 {len(task_rows)} 项）" if task_rows else ""
            return {"_note": f"会商（{day.isoformat()}{where}）：参会单位 {'、'.join(present)}；结论：{text}{extra}"}

        return self.records.act(actor, ref, Action.RECORD_CONSULTATION, version, change)

    def consultations(self, actor: Staff, ref: int | str) -> list[Consultation]:
        """The ticket's 会商 minutes, oldest first."""
        row = self.records.row(self.core.conn, ref)
        self.records.check_visible(actor, row)
        out = []
        for r in self.core.q("SELECT * FROM consultations WHERE ticket_id = ? ORDER BY id", (row["id"],)):
            tasks = tuple(ConsultationTask(t["department"], t["task"], dt.date.fromisoformat(t["due"]) if t.get("due") else None)
                          for t in json.loads(r["tasks"]))
            out.append(Consultation(r["id"], r["ticket_id"], dt.date.fromisoformat(r["held_on"]), r["place"],
                                    tuple(json.loads(r["departments"])), r["attendees"], r["conclusions"], tasks,
                                    parse_datetime(r["recorded_at"]), r["recorded_by"]))
        return out

    # -- late parts (a notice of the warning panel) ---------------------------------
    def _late_parts_sql(self, actor: Staff | None, today: dt.date, columns: str) -> tuple[str, list[Any]]:
        """Open parts past their deadline on tickets a lead is still working on:
        a range on the partial index ``ticket_parts_open_due`` (open parts only),
        oldest deadline first.  A liaison sees their own department's parts."""
        # CROSS JOIN keeps ticket_parts outermost: the open late parts are few,
        # the open tickets many (SQLite never reorders a CROSS JOIN)
        sql = (f"SELECT {columns} FROM ticket_parts p CROSS JOIN tickets t ON t.id = p.ticket_id "
               "WHERE p.submitted_at IS NULL AND p.withdrawn_at IS NULL AND p.due_date < ? "
               f"AND t.status IN ({AWAITING_SQL})")
        params: list[Any] = [today.isoformat()]
        if actor is not None and actor.role is Role.DEPARTMENT:
            sql += " AND p.department_id = ?"
            params.append(actor.department_id)
        return sql + " ORDER BY p.due_date, p.id", params

    def late_part_notice(self, actor: Staff | None, now: dt.datetime, limit: int = 100) -> tuple[int, list[int]]:
        """(late parts, the first ``limit`` of their ticket ids) — the panel's
        ``part_late`` notice; a ticket with two late parts is counted twice."""
        sql, params = self._late_parts_sql(actor, local_date(now), "p.ticket_id")
        ids = [r[0] for r in self.core.conn.execute(sql, params)]
        return len(ids), ids[:limit]

    def late_parts(self, actor: Staff | None, now: dt.datetime | None = None,
                   limit: int | None = None) -> list[LatePart]:
        """Open parts past their own deadline, oldest first, with overdue working
        days (one join against the working-day table)."""
        today = local_date(now or self.core.now())
        today_num = self.core.workday_number(today, self.core.calendar())
        sql, params = self._late_parts_sql(
            actor, today, "p.ticket_id, t.number, p.department_id, t.department_id, p.due_date, p.due_provisional, "
            "(SELECT num FROM workday_index WHERE day = p.due_date), t.enterprise_name, t.confidential, t.title")
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        mask = actor is not None and actor.role is Role.DEPARTMENT
        out = []
        for tid, number, dept, lead, due, prov, due_num, name, confidential, title in self.core.conn.execute(sql, params):
            due_d = dt.date.fromisoformat(due)
            overdue = today_num - due_num if due_num is not None else self.core.calendar().workdays_between(due_d, today)
            out.append(LatePart(tid, number, self.core.department_name(dept) or f"#{dept}", self.core.department_name(lead),
                                due_d, bool(prov), overdue, "（保密）" if mask and confidential else name, title))
        return out

    # -- the calendar ------------------------------------------------------------
    def recompute_part_dues(self, c: sqlite3.Connection, cal: WorkCalendar, actor: str, now: str, year: int) -> int:
        """Called by ``load_schedule`` inside its transaction: move every open
        supporting part's deadline to the new calendar (from the day it was
        assigned and its working days), bump each ticket's version once and
        record the moves in its history; returns how many parts moved."""
        moved: dict[int, dict[str, list[Any]]] = {}
        rows = c.execute(
            "SELECT p.id, p.ticket_id, p.department_id, p.clock_start, p.time_limit, p.due_date, p.due_provisional "
            "FROM ticket_parts p JOIN tickets t ON t.id = p.ticket_id WHERE p.submitted_at IS NULL "
            f"AND p.withdrawn_at IS NULL AND t.status IN ({AWAITING_SQL}) ORDER BY p.ticket_id, p.id").fetchall()
        count = 0
        for r in rows:
            start = dt.date.fromisoformat(r["clock_start"])
            due = cal.add_workdays(start, r["time_limit"])
            prov = int(cal.provisional_between(start, due))
            if due.isoformat() == r["due_date"] and prov == r["due_provisional"]:
                continue
            c.execute("UPDATE ticket_parts SET due_date = ?, due_provisional = ? WHERE id = ?",
                      (due.isoformat(), prov, r["id"]))
            name = self.core.department_name(r["department_id"]) or f"#{r['department_id']}"
            changes = moved.setdefault(r["ticket_id"], {})
            changes[f"协办期限（{name}）"] = [r["due_date"], due.isoformat()]
            if prov != r["due_provisional"]:
                changes[f"协办期限暂定（{name}）"] = ["是" if r["due_provisional"] else "否", "是" if prov else "否"]
            count += 1
        for tid, changes in moved.items():
            c.execute("UPDATE tickets SET version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
                      (now, actor, tid))
            self.records.event(c, tid, now, actor, "recompute_due", None, None,
                        f"{year} 年工作日历调整，重新计算协办期限", changes)
        return count
