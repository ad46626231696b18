"""Comment solicitation (定制点餐): a draft policy sent to associations for
comments, the comments recorded, forwarded to the issuing department and
decided (adopted or not, why).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, Sequence

from ..errors import InvalidAction, NotFound
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
        adopted or rejected, with a reason."""
        require_role(actor, (Role.SUPERVISOR,), "登记意见采纳情况")
        if not (reason or "").strip():
            raise InvalidAction("请填写采纳或不采纳的理由")
        row = self.core.conn.execute("SELECT c.*, r.policy_id, a.name FROM policy_comments c JOIN comment_rounds r ON r.id = c.round_id "
                                "JOIN associations a ON a.id = c.association_id WHERE c.id = ?", (int(comment_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到意见 #{comment_id}")
        if row["forwarded_at"] is None:
            raise InvalidAction("该意见尚未转交发文单位")
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
