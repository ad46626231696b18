"""Policy feedback: enterprises' feedback on how a policy is carried out, its
summary, and a complaint turned into a supervised ticket.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from .. import policies as pol
from ..clock import format_datetime
from ..errors import InvalidAction, NotFound
from ..models import Action, AppealType, Role, Source, Staff, Ticket, TicketIntake, validate_uscc
from .base import Core, inserted_id, require_role
from .directory import DirectoryArea
from .library import LibraryArea
from .policy_rows import policy_event
from .records import TicketRecords
from .tickets import TicketsArea

FEEDBACK_TOPICS = pol.FEEDBACK_TOPICS


class FeedbackArea:
    """``store.feedback``: feedback on policies and the tickets made from it."""

    def __init__(self, core: Core, records: TicketRecords, directory: DirectoryArea, tickets: TicketsArea, library: LibraryArea) -> None:
        self.core = core
        self.records = records
        self.directory = directory
        self.tickets = tickets
        self.library = library

    # -- policy feedback survey ------------------------------------------------------------
    def record(self, actor: Staff, policy_id: int, *, enterprise_name: str, topic: str, satisfaction: str,
                        text: str = "", uscc: str | None = None, complaint: bool = False,
                        department: int | str | None = None) -> int:
        """An enterprise's feedback on how a policy is carried out; the id.

        ``complaint`` marks a complaint that ``department`` waters the policy
        down; it can then become a supervised ticket (:meth:`feedback_to_ticket`)."""
        require_role(actor, (Role.CLERK, Role.SUPERVISOR), "登记政策反馈")
        p = self.library.get(policy_id)
        name = (enterprise_name or "").strip()
        if not name:
            raise InvalidAction("企业名称不能为空")
        try:
            t = pol.parse_topic(topic)
            sat = pol.parse_feedback_satisfaction(satisfaction)
            code = validate_uscc(uscc) if uscc and str(uscc).strip() else None
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        dept_id = self.core.department(department).id if department not in (None, "") else None
        if complaint and dept_id is None:
            raise InvalidAction("投诉部门落实不到位，须注明被投诉的部门")
        now = self.core.now_s()
        with self.core.write() as c:
            # the enterprise's directory record (created when the center meets it here first)
            ent = self.directory.ensure(c, name, code, source="feedback", now=now)
            cur = c.execute(
                "INSERT INTO policy_feedback(policy_id, enterprise_name, uscc, topic, satisfaction, text, complaint, "
                "department_id, at, recorded_by, enterprise_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (p.id, name, code, t, sat, (text or "").strip(), int(bool(complaint)), dept_id, now, actor.login, ent))
            policy_event(c, p.stored_id, now, actor.login, "feedback",
                               f"{name}：{t}·{pol.FEEDBACK_SATISFACTION[sat]}{'·投诉落实不到位' if complaint else ''}")
        return inserted_id(cur)

    def entries(self, *, policy_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
        """Feedback rows, newest first, with the policy title and department name."""
        where, params = self._feedback_where(policy_id, start, end)
        rows = self.core.conn.execute(
            "SELECT f.*, p.title AS policy_title, d.short_name AS department FROM policy_feedback f "
            "JOIN policies p ON p.id = f.policy_id LEFT JOIN departments d ON d.id = f.department_id "
            f"{where} ORDER BY f.id DESC LIMIT ?", [*params, limit])
        return [dict(r) for r in rows]

    def _feedback_where(self, policy_id: int | None, start: dt.date | None, end: dt.date | None) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if policy_id is not None:
            where.append("f.policy_id = ?")
            params.append(int(policy_id))
        if start is not None:
            where.append("f.at >= ?")
            params.append(start.isoformat())
        if end is not None:
            where.append("f.at < ?")
            params.append((end + dt.timedelta(days=1)).isoformat())
        return ("WHERE " + " AND ".join(where) if where else ""), params

    def summary(self, *, policy_id: int | None = None, start: dt.date | None = None,
                         end: dt.date | None = None) -> dict[str, dict[str, Any]]:
        """Per topic (all four, in order): ``count``, each satisfaction, ``complaints``
        and ``satisfaction_rate`` = (满意 + 基本满意) / count (None when none)."""
        where, params = self._feedback_where(policy_id, start, end)
        # heterogeneous on purpose: counts (int) and the rate (float or None), read by key
        out: dict[str, dict[str, Any]] = {
            t: {"count": 0, "satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0, "complaints": 0,
                "satisfaction_rate": None} for t in pol.FEEDBACK_TOPICS}
        for r in self.core.conn.execute(f"SELECT topic, satisfaction, complaint, count(*) AS n FROM policy_feedback f {where} "
                                   "GROUP BY topic, satisfaction, complaint", params):
            d = out.setdefault(r["topic"], {"count": 0, "satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0,
                                            "complaints": 0, "satisfaction_rate": None})
            d["count"] += r["n"]
            d[r["satisfaction"]] += r["n"]
            d["complaints"] += r["n"] if r["complaint"] else 0
        for d in out.values():
            if d["count"]:
                d["satisfaction_rate"] = round((d["satisfied"] + d["basically_satisfied"]) / d["count"], 4)
        return out

    def to_ticket(self, actor: Staff, feedback_id: int, note: str = "") -> Ticket:
        """Turn a complaint that a department waters a policy down into a
        supervised ticket in one action: 受理 (complaint, source 企服平台, the
        feedback as content) → 派发 to the named department → 督办.

        Each step goes through the core workflow, so the ticket's history is
        complete.  The supervision is recorded at once, before any deadline
        has passed: a supervisions row at level 0 (正常) with body
        "企服平台·政策落实督办" and an ordinary 督办 event whose note says so
        — the ticket's warning ladder then runs as for any other ticket.
        """
        require_role(actor, (Role.SUPERVISOR,), "反馈转督办工单")
        f = self.core.conn.execute("SELECT * FROM policy_feedback WHERE id = ?", (int(feedback_id),)).fetchone()
        if f is None:
            raise NotFound(f"找不到政策反馈 #{feedback_id}")
        if not f["complaint"]:
            raise InvalidAction("只有“投诉部门落实不到位”的反馈可以转为督办工单")
        if f["ticket_id"] is not None:
            num = self.core.conn.execute("SELECT number FROM tickets WHERE id = ?", (f["ticket_id"],)).fetchone()
            raise InvalidAction(f"该反馈已转为工单 {num[0] if num else f['ticket_id']}")
        p = self.library.get(f["policy_id"])
        dept = self.core.department(f["department_id"])
        topic = f["topic"]
        content = (f"企业反馈{dept.short_name}落实政策《{p.title}》{('（' + p.doc_number + '）') if p.doc_number else ''}"
                   f"不到位（反馈主题：{topic}，满意度：{pol.FEEDBACK_SATISFACTION[f['satisfaction']]}）。"
                   f"企业反映：{f['text'] or '（未填写具体内容）'}")
        intake = TicketIntake(source=Source.PLATFORM, appeal_type=AppealType.COMPLAINT, enterprise_name=f["enterprise_name"],
                              uscc=f["uscc"], title=f"政策落实投诉：{p.title}"[:200], content=content)
        t = self.tickets.accept(actor, intake)
        with self.core.write() as c:
            c.execute("UPDATE policy_feedback SET ticket_id = ? WHERE id = ?", (t.id, f["id"]))
            policy_event(c, p.stored_id, self.core.now_s(), actor.login, "feedback_ticket",
                               f"反馈 #{f['id']} 转为工单 {t.number}，派发 {dept.short_name} 并督办")
        t = self.tickets.dispatch(actor, t.id, dept.stored_id, version=t.version, note="政策反馈投诉转办")
        body = "企服平台·政策落实督办"
        text = (note or "").strip() or f"政策落实投诉督办（由政策反馈 #{f['id']} 转办，未超期即督办）"

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            c.execute("INSERT INTO supervisions(ticket_id, level, body, actor, at, note) VALUES (?,?,?,?,?,?)",
                      (row["id"], 0, body, actor.login, format_datetime(now), text))
            return {}

        return self.records.act(actor, t.id, Action.SUPERVISE, t.version, change, note=text)
