"""Comment solicitation (定制点餐): a draft policy sent to associations for
comments, the comments recorded, forwarded to the issuing department and
decided (adopted or not, why).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, Sequence

from ..errors import InvalidAction, NotFound, PermissionDenied
from ..models import PolicyStatus, Role, Staff
from .base import Core, inserted_id, require_role
from .library import LibraryArea
from .policy_rows import policy_event


class CommentsArea:
    """``store.comments``: comment rounds on draft policies."""

    def __init__(self, core: Core, library: LibraryArea) -> None:
        self.core = core
        self.library = library

    # -- comment solicitation (定制点餐) -------------------------------------------------
    def open_round(self, actor: Staff, policy_id: int, association_ids: Sequence[int], deadline: dt.date,
                           note: str = "") -> int:
        """Send a draft policy to chosen associations for comments by ``deadline``; the round's id."""
        require_role(actor, (Role.SUPERVISOR,), "征求意见")
        p = self.library.get(policy_id)
        if p.status is not PolicyStatus.DRAFT:
            raise InvalidAction(f"只有草稿政策可以征求意见（当前为“{p.status.label}”）")
        ids = list(dict.fromkeys(int(a) for a in association_ids))
        if not ids:
            raise InvalidAction("请至少选择一家协会")
        if deadline < self.core.clock.today():
            raise InvalidAction("反馈截止日期不能早于今天")
        names = self.library._association_names(ids)
        now = self.core.now_s()
        with self.core.write() as c:
            cur = c.execute("INSERT INTO comment_rounds(policy_id, opened_at, opened_by, deadline, note) VALUES (?,?,?,?,?)",
                            (p.id, now, actor.login, deadline.isoformat(), (note or "").strip()))
            rid = inserted_id(cur)
            c.executemany("INSERT INTO comment_round_associations(round_id, association_id) VALUES (?,?)",
                          [(rid, a) for a in ids])
            policy_event(c, p.stored_id, now, actor.login, "comment_round",
                               f"第 {rid} 轮征求意见：{'、'.join(names[a] for a in ids)}，{deadline.isoformat()} 前反馈")
        return rid

    def _round(self, round_id: int) -> sqlite3.Row:
        row: sqlite3.Row | None = self.core.conn.execute("SELECT * FROM comment_rounds WHERE id = ?",
                                                         (int(round_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到征求意见轮次 #{round_id}")
        return row

    def record(self, actor: Staff, round_id: int, association_id: int, text: str) -> int:
        """An association's comment on the draft; the comment's id."""
        require_role(actor, (Role.CLERK, Role.SUPERVISOR), "登记协会意见")
        if not (text or "").strip():
            raise InvalidAction("意见内容不能为空")
        r = self._round(round_id)
        if not self.core.conn.execute("SELECT 1 FROM comment_round_associations WHERE round_id = ? AND association_id = ?",
                                 (r["id"], int(association_id))).fetchone():
            raise InvalidAction("该协会不在本轮征求意见的范围内")
        name = self.library._association_names([int(association_id)])[int(association_id)]
        now = self.core.now_s()
        late = self.core.clock.today().isoformat() > r["deadline"]
        with self.core.write() as c:
            cur = c.execute("INSERT INTO policy_comments(round_id, association_id, text, at, recorded_by) VALUES (?,?,?,?,?)",
                            (r["id"], int(association_id), text.strip(), now, actor.login))
            policy_event(c, r["policy_id"], now, actor.login, "comment",
                               f"{name}{'（逾期）' if late else ''}：{text.strip()[:200]}")
        return inserted_id(cur)

    def forward(self, actor: Staff, round_id: int, department: int | str | None = None, note: str = "") -> int:
        """Forward the round's comments not yet forwarded to the issuing
        department (default: the policy's issuer); returns how many."""
        require_role(actor, (Role.SUPERVISOR,), "转交意见")
        r = self._round(round_id)
        p = self.library.get(r["policy_id"])
        to = self.core.department(department).short_name if department is not None else p.issuer
        if not to:
            raise InvalidAction("该政策未注明发文单位，请指定转交单位")
        now = self.core.now_s()
        with self.core.write() as c:
            n = c.execute("UPDATE policy_comments SET forwarded_at = ?, forwarded_by = ?, forwarded_to = ? "
                          "WHERE round_id = ? AND forwarded_at IS NULL", (now, actor.login, to, r["id"])).rowcount
            if n == 0:
                raise InvalidAction("没有待转交的意见")
            policy_event(c, p.stored_id, now, actor.login, "forward",
                               f"第 {r['id']} 轮 {n} 条意见转交 {to}" + (f"：{note.strip()}" if note and note.strip() else ""))
        return n

    def decide(self, actor: Staff, comment_id: int, adopted: bool, reason: str) -> None:
        """Record the issuing department's answer on one forwarded comment:
        adopted or rejected, with a reason — by the department's liaison
        (comments forwarded to their department) or a supervisor for them."""
        require_role(actor, (Role.SUPERVISOR, Role.DEPARTMENT), "登记意见采纳情况")
        if not (reason or "").strip():
            raise InvalidAction("请填写采纳或不采纳的理由")
        row = self.core.conn.execute("SELECT c.*, r.policy_id, a.name FROM policy_comments c JOIN comment_rounds r ON r.id = c.round_id "
                                "JOIN associations a ON a.id = c.association_id WHERE c.id = ?", (int(comment_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到意见 #{comment_id}")
        if row["forwarded_at"] is None:
            raise InvalidAction("该意见尚未转交发文单位")
        if actor.role is Role.DEPARTMENT and row["forwarded_to"] != actor.department_name:
            raise PermissionDenied(f"该意见转交的是“{row['forwarded_to']}”，只能由该单位答复")
        decision = "adopted" if adopted else "rejected"
        now = self.core.now_s()
        with self.core.write() as c:
            c.execute("UPDATE policy_comments SET decision = ?, reason = ?, decided_at = ?, decided_by = ? WHERE id = ?",
                      (decision, reason.strip(), now, actor.login, row["id"]))
            policy_event(c, row["policy_id"], now, actor.login, "decide",
                               f"{row['name']}的意见{'采纳' if adopted else '不采纳'}：{reason.strip()}",
                               {"decision": [row["decision"], decision]})

    def rounds(self, policy_id: int) -> list[dict[str, Any]]:
        """The policy's rounds, each with its associations and comments (and their fate)."""
        out = []
        for r in self.core.conn.execute("SELECT * FROM comment_rounds WHERE policy_id = ? ORDER BY id", (int(policy_id),)):
            assocs = [dict(a) for a in self.core.conn.execute(
                "SELECT a.id, a.name FROM comment_round_associations x JOIN associations a ON a.id = x.association_id "
                "WHERE x.round_id = ? ORDER BY a.id", (r["id"],))]
            comments = [dict(c) for c in self.core.conn.execute(
                "SELECT c.*, a.name AS association_name FROM policy_comments c JOIN associations a ON a.id = c.association_id "
                "WHERE c.round_id = ? ORDER BY c.id", (r["id"],))]
            status = ("open" if not comments or any(c["forwarded_at"] is None for c in comments)
                      else "closed" if all(c["decision"] for c in comments) else "forwarded")
            out.append({**dict(r), "associations": assocs, "comments": comments, "status": status,
                        "status_label": {"open": "征求中", "forwarded": "已转交", "closed": "已反馈"}[status]})
        return out


ORDER_STATES = {"drafting": "待部门起草", "drafted": "草稿待征求", "commenting": "征求意见中", "answering": "待部门答复",
                "done": "已办结"}
#: working days a department has to answer forwarded comments, unless the order says otherwise
ANSWER_WORKDAYS = 5


class CommentOrders:
    """``store.orders``: 定制点餐 as a work order.  The center opens it against
    a drafting department with a deadline in working days; the liaison
    attaches the draft; the center sends it to chosen associations (a
    comment round, :class:`CommentsArea`); comments are recorded per
    association and forwarded; the department answers each one.  Every step
    has a due day on the official calendar, and a step past it is a notice."""

    def __init__(self, core: Core, comments: CommentsArea) -> None:
        self.core = core
        self.comments = comments

    def open(self, actor: Staff, department: int | str, topic: str, workdays: int, note: str = "") -> int:
        """A new work order: ``department`` drafts ``topic`` within ``workdays`` working days."""
        require_role(actor, (Role.SUPERVISOR,), "发起定制点餐")
        topic = (topic or "").strip()
        if not topic:
            raise InvalidAction("请填写起草事项（政策名称或主题）")
        if not 1 <= int(workdays) <= 60:
            raise InvalidAction("起草时限应为 1–60 个工作日")
        dept = self.core.department(department)
        due = self.core.calendar().add_workdays(self.core.clock.today(), int(workdays))
        now = self.core.now_s()
        with self.core.write() as c:
            cur = c.execute("INSERT INTO comment_orders(department_id, topic, note, opened_at, opened_by, draft_due) "
                            "VALUES (?,?,?,?,?,?)", (dept.id, topic, (note or "").strip(), now, actor.login, due.isoformat()))
            return inserted_id(cur)

    def _order(self, order_id: int) -> sqlite3.Row:
        row: sqlite3.Row | None = self.core.conn.execute(
            "SELECT o.*, d.short_name AS department FROM comment_orders o JOIN departments d ON d.id = o.department_id "
            "WHERE o.id = ?", (int(order_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到定制点餐工单 #{order_id}")
        return row

    def attach(self, actor: Staff, order_id: int, policy_id: int) -> None:
        """The department's liaison attaches their draft (a draft of their department)."""
        require_role(actor, (Role.DEPARTMENT, Role.SUPERVISOR), "提交定制点餐草稿")
        o = self._order(order_id)
        if actor.role is Role.DEPARTMENT and actor.department_name != o["department"]:
            raise PermissionDenied(f"该工单由“{o['department']}”起草")
        if o["round_id"] is not None:
            raise InvalidAction("该工单已征求意见，不能更换草稿")
        p = self.comments.library.get(policy_id)
        if p.status is not PolicyStatus.DRAFT:
            raise InvalidAction(f"只能提交草稿政策（当前为“{p.status.label}”）")
        if p.issuer != o["department"]:
            raise InvalidAction(f"草稿的发文单位应为“{o['department']}”")
        now = self.core.now_s()
        with self.core.write() as c:
            c.execute("UPDATE comment_orders SET policy_id = ?, attached_at = ?, attached_by = ? WHERE id = ?",
                      (p.id, now, actor.login, o["id"]))
            policy_event(c, p.stored_id, now, actor.login, "comment_round", f"定制点餐工单 #{o['id']}：{o['department']}提交草稿")

    def push(self, actor: Staff, order_id: int, association_ids: Sequence[int], workdays: int, note: str = "") -> int:
        """The center sends the attached draft to the chosen associations, comments due in
        ``workdays`` working days: the comment round's id."""
        o = self._order(order_id)
        if o["policy_id"] is None:
            raise InvalidAction(f"{o['department']}尚未提交草稿")
        if o["round_id"] is not None:
            raise InvalidAction("该工单已征求意见")
        if not 1 <= int(workdays) <= 60:
            raise InvalidAction("反馈时限应为 1–60 个工作日")
        deadline = self.core.calendar().add_workdays(self.core.clock.today(), int(workdays))
        rid = self.comments.open_round(actor, o["policy_id"], association_ids, deadline, note or f"定制点餐工单 #{o['id']}")
        with self.core.write() as c:
            c.execute("UPDATE comment_orders SET round_id = ? WHERE id = ?", (rid, o["id"]))
        return rid

    def _view(self, o: sqlite3.Row, today: dt.date) -> dict[str, Any]:
        cal = self.core.calendar()
        rnd = None
        comments: list[dict[str, Any]] = []
        if o["round_id"] is not None:
            rnd = self.core.conn.execute("SELECT * FROM comment_rounds WHERE id = ?", (o["round_id"],)).fetchone()
            comments = [dict(r) for r in self.core.conn.execute(
                "SELECT c.*, a.name AS association_name FROM policy_comments c JOIN associations a ON a.id = c.association_id "
                "WHERE c.round_id = ? ORDER BY c.id", (o["round_id"],))]
        forwarded = [c for c in comments if c["forwarded_at"]]
        undecided = [c for c in forwarded if not c["decision"]]
        if o["policy_id"] is None:
            state, due = "drafting", o["draft_due"]
        elif rnd is None:
            state, due = "drafted", None
        elif not comments or any(c["forwarded_at"] is None for c in comments):
            state, due = "commenting", rnd["deadline"]
        elif undecided:
            first = min(str(c["forwarded_at"])[:10] for c in undecided)
            state, due = "answering", cal.add_workdays(dt.date.fromisoformat(first), int(o["answer_days"])).isoformat()
        else:
            state, due = "done", None
        adopted = sum(1 for c in comments if c["decision"] == "adopted")
        title = self.comments.library.get(o["policy_id"]).title if o["policy_id"] is not None else ""
        return {**dict(o), "state": state, "state_label": ORDER_STATES[state], "due": due,
                "overdue": bool(due and due < today.isoformat()), "round": dict(rnd) if rnd else None,
                "comments": comments, "adopted": adopted, "decided": sum(1 for c in comments if c["decision"]),
                "title": title}

    def get(self, order_id: int) -> dict[str, Any]:
        return self._view(self._order(order_id), self.core.clock.today())

    def orders(self, department: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Work orders, newest first (one department's when given), each with its state and due day."""
        where, params = ("WHERE d.short_name = ?", [department]) if department else ("", [])
        rows = self.core.conn.execute(
            "SELECT o.*, d.short_name AS department FROM comment_orders o JOIN departments d ON d.id = o.department_id "
            f"{where} ORDER BY o.id DESC LIMIT ?", [*params, int(limit)]).fetchall()
        today = self.core.clock.today()
        return [self._view(o, today) for o in rows]

    def notices(self, actor: Staff) -> list[str]:
        """Overdue steps: a liaison sees their department's (draft or answers
        late), the center every one (with the department named)."""
        dept = actor.department_name if actor.role is Role.DEPARTMENT else None
        if actor.role not in (Role.DEPARTMENT, Role.SUPERVISOR):
            return []
        out = []
        for o in self.orders(dept):
            if not o["overdue"]:
                continue
            who = "" if dept else f"{o['department']} "
            if o["state"] == "drafting":
                out.append(f"定制点餐 #{o['id']} {who}草稿逾期（应于 {o['draft_due']} 前提交）")
            elif o["state"] == "answering":
                n = sum(1 for c in o["comments"] if c["forwarded_at"] and not c["decision"])
                out.append(f"定制点餐 #{o['id']} {who}{n} 条意见答复逾期（应于 {o['due']} 前答复）")
            elif o["state"] == "commenting" and not dept:
                out.append(f"定制点餐 #{o['id']} 征求意见已过截止日 {o['due']}，请转交意见")
        return out

    def figures(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The bulletin's 定制点餐 counts per drafting department: orders opened
        in [start, end], rounds, comments, answered, adopted, overdue now."""
        rows = self.core.conn.execute(
            "SELECT o.*, d.short_name AS department FROM comment_orders o JOIN departments d ON d.id = o.department_id "
            "WHERE substr(o.opened_at, 1, 10) BETWEEN ? AND ? ORDER BY d.id, o.id",
            (start.isoformat(), end.isoformat())).fetchall()
        today = self.core.clock.today()
        out: dict[str, dict[str, Any]] = {}
        for o in rows:
            v = self._view(o, today)
            f = out.setdefault(v["department"], {"department": v["department"], "orders": 0, "rounds": 0, "comments": 0,
                                                 "answered": 0, "adopted": 0, "overdue": 0})
            f["orders"] += 1
            f["rounds"] += v["round"] is not None
            f["comments"] += len(v["comments"])
            f["answered"] += v["decided"]
            f["adopted"] += v["adopted"]
            f["overdue"] += v["overdue"]
        return list(out.values())
