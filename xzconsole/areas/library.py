"""The policy library: search, the editor, publishing, expiry, pushes to associations, import.

Search goes through the trigram indexes of :mod:`xzconsole.areas.fts`.

**Automatic expiry.**  A published policy whose end date has passed becomes
``expired`` by itself: :meth:`LibraryArea.expire` runs at the start of
the library's list and search calls, at most once per local day per
connection (one indexed look-up when there is nothing to do), and records
each change in the policy's history as done by ``system``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any, Iterator, Sequence

from .. import policies as pol
from ..clock import format_datetime, local_date, parse_datetime
from ..errors import InvalidAction, NotFound, PermissionDenied
from ..models import (
    Association,
    Policy,
    PolicyKind,
    PolicyLevel,
    PolicyStatus,
    Role,
    Staff,
)
from .base import Core, inserted_id, require_policy_manager, require_role, staff_name
from .collection import CollectionArea
from .fts import POLICY_WEIGHTS, library_query
from .policy_rows import as_date, get_policy, policy_event, row_policy

POLICY_EVENT_LABELS = {
    "create": "新建", "edit": "修改", "publish": "发布", "withdraw": "撤回", "expire": "到期失效", "import": "导入",
    "push": "定向推送", "comment_round": "征求意见（定制点餐）", "comment": "收到意见", "forward": "转交意见",
    "decide": "意见采纳情况", "feedback": "政策反馈", "feedback_ticket": "反馈转工单", "collect": "收集",
    "interpret": "解读", "submit": "部门提交审核", "return": "中心退回部门",
    "column": "专栏", "pin": "置顶",
}


_EDITABLE = ("title", "doc_number", "issuer", "level", "category", "subcategory", "kind", "summary",
             "interpreter_name", "interpreter_phone", "valid_from", "valid_until", "apply_url", "source_url",
             "issued_at", "published_at")


def _date_or_none(v: Any) -> str | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return parse_datetime(str(v)).date().isoformat()


class LibraryArea:
    """``store.library``: policies, from draft to published to expired or withdrawn."""

    def __init__(self, core: Core, collection: CollectionArea) -> None:
        self.core = core
        self.collection = collection
        self._policy_expiry_day: str | None = None  # expiry runs at most once a day per connection

    def _policy_filter_sql(self, f: pol.PolicyFilter, today: dt.date) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if f.category:
            where.append("p.category = ?")
            params.append(f.category)
        if f.subcategory:
            where.append("p.subcategory = ?")
            params.append(f.subcategory)
        if f.level:
            where.append("p.level = ?")
            params.append(PolicyLevel.parse(f.level).value)
        if f.issuer:
            where.append("p.issuer = ?")
            params.append(f.issuer)
        if f.kind:
            where.append("p.kind = ?")
            params.append(PolicyKind.parse(f.kind).value)
        if f.statuses:
            where.append(f"p.status IN ({','.join('?' * len(f.statuses))})")
            params.extend(f.statuses)
        if f.column_id:
            where.append("p.id IN (SELECT policy_id FROM policy_column_items WHERE column_id = ?)")
            params.append(int(f.column_id))
        t = today.isoformat()
        if f.validity is pol.Validity.IN_FORCE:
            where.append("(p.valid_from IS NULL OR p.valid_from <= ?) AND (p.valid_until IS NULL OR p.valid_until >= ?)")
            params.extend([t, t])
        elif f.validity is pol.Validity.ENDING_SOON:
            where.append("p.valid_until >= ? AND p.valid_until <= ?")
            params.extend([t, (today + dt.timedelta(days=pol.ENDING_SOON_DAYS)).isoformat()])
        elif f.validity is pol.Validity.ENDED:
            where.append("p.valid_until < ?")
            params.append(t)
        return where, params

    def search(self, words: str | None = "", filters: pol.PolicyFilter | None = None, limit: int = 50,
                        *, offset: int = 0) -> list[pol.PolicyHit]:
        """The library's list and search: policies holding every word (substring,
        in title, document number, issuer or summary) and passing the filters.

        Order: with words, best match first — bm25 with a title hit weighing
        most; for a word so common that more than :data:`RANK_LIMIT` policies
        may hold it (fewer for a short word, see ``_Plan.ranked``), ranking them
        all would cost more than it tells, so then
        policies with the words in the title come first, each group most
        recently added first.  Declaration policies (``kind`` filter) by time
        left to apply, ended ones last; without words newest first.
        Raises ``ValueError`` (Chinese) on an unknown filter value.
        """
        self.expire()
        f = (filters or pol.PolicyFilter()).normalised()
        today = self.core.clock.today()
        terms = pol.split_terms(words)
        where, params = self._policy_filter_sql(f, today)
        sort = f.sort or ("deadline" if f.kind is PolicyKind.DECLARATION else "relevance" if terms else "newest")
        if sort == "deadline":
            t = today.isoformat()
            order = ("(CASE WHEN p.valid_until >= ? THEN 0 WHEN p.valid_until IS NULL THEN 1 ELSE 2 END), "
                     "(CASE WHEN p.valid_until >= ? THEN p.valid_until END), p.valid_until DESC, score, p.id DESC")
            order_params: list[Any] = [t, t]
        elif sort == "relevance" and terms:
            order, order_params = "score, p.published_at DESC, p.id DESC", []
        elif f.column_id:
            # a column in its own order
            order = ("(SELECT position FROM policy_column_items i WHERE i.column_id = ? AND i.policy_id = p.id), "
                     "p.published_at DESC, p.id DESC")
            order_params = [int(f.column_id)]
        else:
            order, order_params = "p.published_at DESC, p.id DESC", []
        cols = ("title", "doc_number", "issuer", "summary")
        pinned = [] if sort != "newest" or f.column_id else [r[0] for r in self.core.conn.execute(
            "SELECT policy_id FROM policy_pins ORDER BY position")]
        if pinned:
            # the pinned key policies first (置顶), in their order; then the newest.  Two reads, so
            # the newest-first one still walks its index and stops at the page instead of sorting all
            marks = ",".join("?" * len(pinned))
            head = library_query(self.core.conn, "policies", "p", POLICY_WEIGHTS, cols, terms,
                                 [*where, f"p.id IN ({marks})"], [*params, *pinned],
                                 "(SELECT position FROM policy_pins k WHERE k.policy_id = p.id)", [], False, len(pinned), 0)
            rows = head[offset:offset + limit]
            if len(rows) < limit:
                rows += library_query(self.core.conn, "policies", "p", POLICY_WEIGHTS, cols, terms,
                                      [*where, f"p.id NOT IN ({marks})"], [*params, *pinned], order, order_params, False,
                                      limit - len(rows), max(0, offset - len(head)))
        else:
            rows = library_query(self.core.conn, "policies", "p", POLICY_WEIGHTS, cols,
                                 terms, where, params, order, order_params, sort == "relevance", limit, offset)
        out = []
        for r in rows:
            p = row_policy(r)
            out.append(pol.PolicyHit(p, pol.days_left(p.valid_until, today), r["score"], r["updated_at"], r["updated_by"]))
        return out

    def count(self, filters: pol.PolicyFilter | None = None) -> int:
        """How many policies pass the filters (no words): the list's header count."""
        f = (filters or pol.PolicyFilter()).normalised()
        where, params = self._policy_filter_sql(f, self.core.clock.today())
        return int(self.core.conn.execute(f"SELECT count(*) FROM policies p {'WHERE ' + ' AND '.join(where) if where else ''}",
                                          params).fetchone()[0])

    # -- 专栏 (columns) and 置顶 (pins) ---------------------------------------------
    def columns(self) -> list[dict[str, Any]]:
        """The columns in their order, each with how many policies it holds (published ones apart)."""
        rows = self.core.conn.execute(
            "SELECT c.*, (SELECT count(*) FROM policy_column_items i WHERE i.column_id = c.id) AS count, "
            "(SELECT count(*) FROM policy_column_items i JOIN policies p ON p.id = i.policy_id "
            " WHERE i.column_id = c.id AND p.status = 'published') AS published "
            "FROM policy_columns c ORDER BY c.position, c.id").fetchall()
        return [dict(r) for r in rows]

    def column_id(self, ref: int | str) -> int:
        """A column by id or name (a Chinese refusal naming the columns otherwise)."""
        text = str(ref).strip()
        row = self.core.conn.execute("SELECT id FROM policy_columns WHERE name = ? OR CAST(id AS TEXT) = ?",
                                     (text, text)).fetchone()
        if row is None:
            names = "、".join(c["name"] for c in self.columns()) or "（尚未建立专栏）"
            raise NotFound(f"没有名为“{text}”的专栏；现有专栏：{names}")
        return int(row[0])

    def create_column(self, actor: Staff, name: str, description: str = "") -> int:
        """A new 专栏, placed last."""
        require_policy_manager(actor, "新建专栏")
        name = (name or "").strip()
        if not name:
            raise InvalidAction("请填写专栏名称")
        if len(name) > 40:
            raise InvalidAction("专栏名称不超过 40 个字")
        now = self.core.now_s()
        with self.core.write() as c:
            if c.execute("SELECT 1 FROM policy_columns WHERE name = ?", (name,)).fetchone():
                raise InvalidAction(f"已有名为“{name}”的专栏")
            last = c.execute("SELECT coalesce(max(position), 0) FROM policy_columns").fetchone()[0]
            cur = c.execute("INSERT INTO policy_columns(name, description, position, created_at, created_by) VALUES (?,?,?,?,?)",
                            (name, (description or "").strip(), int(last) + 1, now, actor.login))
            return inserted_id(cur)

    def move_column(self, actor: Staff, column_id: int, step: int) -> None:
        """Move a column up (step < 0) or down among the columns."""
        require_policy_manager(actor, "调整专栏顺序")
        with self.core.write() as c:
            ids = [r[0] for r in c.execute("SELECT id FROM policy_columns ORDER BY position, id")]
            self._reorder(c, "UPDATE policy_columns SET position = ? WHERE id = ?", ids, int(column_id), step, "专栏")

    @staticmethod
    def _reorder(c: sqlite3.Connection, sql: str, ids: list[int], item: int, step: int, what: str,
                 scope: tuple[Any, ...] = ()) -> None:
        """Swap ``item`` with its neighbour and renumber: ``sql`` takes (position, *scope, id)."""
        if item not in ids:
            raise NotFound(f"找不到该{what}")
        i = ids.index(item)
        j = max(0, min(len(ids) - 1, i + (1 if step > 0 else -1)))
        ids[i], ids[j] = ids[j], ids[i]
        for n, x in enumerate(ids, 1):
            c.execute(sql, (n, *scope, x))

    def add_to_column(self, actor: Staff, column_id: int, policy_id: int) -> None:
        """Put a policy in a column (last); recorded in the policy's history."""
        require_policy_manager(actor, "编排专栏")
        now = self.core.now_s()
        with self.core.write() as c:
            col = c.execute("SELECT name FROM policy_columns WHERE id = ?", (int(column_id),)).fetchone()
            if col is None:
                raise NotFound(f"找不到专栏 #{column_id}")
            get_policy(c, policy_id)
            if c.execute("SELECT 1 FROM policy_column_items WHERE column_id = ? AND policy_id = ?",
                         (int(column_id), int(policy_id))).fetchone():
                raise InvalidAction(f"该政策已在专栏“{col[0]}”中")
            last = c.execute("SELECT coalesce(max(position), 0) FROM policy_column_items WHERE column_id = ?",
                             (int(column_id),)).fetchone()[0]
            c.execute("INSERT INTO policy_column_items(column_id, policy_id, position, added_at, added_by) VALUES (?,?,?,?,?)",
                      (int(column_id), int(policy_id), int(last) + 1, now, actor.login))
            policy_event(c, int(policy_id), now, actor.login, "column", f"加入专栏“{col[0]}”")

    def remove_from_column(self, actor: Staff, column_id: int, policy_id: int) -> None:
        require_policy_manager(actor, "编排专栏")
        now = self.core.now_s()
        with self.core.write() as c:
            col = c.execute("SELECT name FROM policy_columns WHERE id = ?", (int(column_id),)).fetchone()
            cur = c.execute("DELETE FROM policy_column_items WHERE column_id = ? AND policy_id = ?",
                            (int(column_id), int(policy_id)))
            if col is None or cur.rowcount == 0:
                raise InvalidAction("该政策不在这个专栏中")
            policy_event(c, int(policy_id), now, actor.login, "column", f"移出专栏“{col[0]}”")

    def move_in_column(self, actor: Staff, column_id: int, policy_id: int, step: int) -> None:
        require_policy_manager(actor, "编排专栏")
        with self.core.write() as c:
            ids = [r[0] for r in c.execute("SELECT policy_id FROM policy_column_items WHERE column_id = ? ORDER BY position",
                                           (int(column_id),))]
            self._reorder(c, "UPDATE policy_column_items SET position = ? WHERE column_id = ? AND policy_id = ?",
                          ids, int(policy_id), step, "政策", (int(column_id),))

    def columns_of(self, policy_id: int) -> list[str]:
        """The names of the columns a policy is in."""
        return [r[0] for r in self.core.conn.execute(
            "SELECT c.name FROM policy_column_items i JOIN policy_columns c ON c.id = i.column_id "
            "WHERE i.policy_id = ? ORDER BY c.position", (int(policy_id),))]

    def pin(self, actor: Staff, policy_id: int) -> None:
        """置顶: a published policy goes to the top of the library (after those pinned before it)."""
        require_policy_manager(actor, "置顶政策")
        now = self.core.now_s()
        with self.core.write() as c:
            p = get_policy(c, policy_id)
            if p.status is not PolicyStatus.PUBLISHED:
                raise InvalidAction(f"只能置顶已发布的政策（当前为“{p.status.label}”）")
            if c.execute("SELECT 1 FROM policy_pins WHERE policy_id = ?", (int(policy_id),)).fetchone():
                raise InvalidAction("该政策已置顶")
            last = c.execute("SELECT coalesce(max(position), 0) FROM policy_pins").fetchone()[0]
            c.execute("INSERT INTO policy_pins(policy_id, position, pinned_at, pinned_by) VALUES (?,?,?,?)",
                      (int(policy_id), int(last) + 1, now, actor.login))
            policy_event(c, int(policy_id), now, actor.login, "pin", "置顶")

    def unpin(self, actor: Staff, policy_id: int) -> None:
        require_policy_manager(actor, "取消置顶")
        now = self.core.now_s()
        with self.core.write() as c:
            if c.execute("DELETE FROM policy_pins WHERE policy_id = ?", (int(policy_id),)).rowcount == 0:
                raise InvalidAction("该政策没有置顶")
            policy_event(c, int(policy_id), now, actor.login, "pin", "取消置顶")

    def move_pin(self, actor: Staff, policy_id: int, step: int) -> None:
        require_policy_manager(actor, "调整置顶顺序")
        with self.core.write() as c:
            ids = [r[0] for r in c.execute("SELECT policy_id FROM policy_pins ORDER BY position")]
            self._reorder(c, "UPDATE policy_pins SET position = ? WHERE policy_id = ?", ids, int(policy_id), step, "置顶政策")

    def pinned(self) -> list[Policy]:
        """The pinned policies in their order (those no longer published left out)."""
        rows = self.core.conn.execute(
            "SELECT p.* FROM policy_pins k JOIN policies p ON p.id = k.policy_id "
            "WHERE p.status = 'published' ORDER BY k.position").fetchall()
        return [row_policy(r) for r in rows]

    def pinned_ids(self) -> set[int]:
        return {int(r[0]) for r in self.core.conn.execute("SELECT policy_id FROM policy_pins")}

    # -- reading policies ----------------------------------------------------------
    def get(self, policy_id: int) -> Policy:
        """One policy by id."""
        return get_policy(self.core.conn, policy_id)

    def detail(self, policy_id: int) -> dict[str, Any]:
        """Everything the detail pane shows: the policy, days left, lag against
        the targets, collection / interpretation dates, last change."""
        row = self.core.conn.execute(
            "SELECT p.*, d.collected_at, d.interpreted_at, d.interpretation_url, d.source_id FROM policies p "
            "LEFT JOIN policy_dates d ON d.policy_id = p.id WHERE p.id = ?", (int(policy_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到政策 #{policy_id}")
        p = row_policy(row)
        return {"policy": p, "days_left": pol.days_left(p.valid_until, self.core.clock.today()),
                "collected_at": as_date(row["collected_at"]), "interpreted_at": as_date(row["interpreted_at"]),
                "interpretation_url": row["interpretation_url"] or "", "source_id": row["source_id"],
                "updated_at": row["updated_at"], "updated_by": row["updated_by"],
                "updated_by_name": staff_name(self.core.conn, row["updated_by"], ""), "lag": self.collection.policy_lag(int(policy_id))}

    def history(self, policy_id: int) -> list[dict[str, Any]]:
        """The policy's append-only history, oldest first (``label`` in Chinese,
        ``actor_name``: who, by name; the login when no longer staff)."""
        rows = self.core.conn.execute(
            "SELECT e.*, COALESCE(s.name, e.actor) AS actor_name FROM policy_events e "
            "LEFT JOIN staff s ON s.login = e.actor WHERE e.policy_id = ? ORDER BY e.id", (int(policy_id),)).fetchall()
        return [{**dict(r), "changes": json.loads(r["changes"]), "label": POLICY_EVENT_LABELS.get(r["action"], r["action"])}
                for r in rows]

    # -- the editor ---------------------------------------------------------------
    def _clean_policy(self, values: dict[str, Any]) -> dict[str, Any]:
        try:
            clean = pol.validate_policy_fields(values, self.core.categories())
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        today = self.core.clock.today().isoformat()
        for key, label in (("issued_at", "发文日期"), ("published_at", "发布日期")):
            if clean.get(key) and str(clean[key]) > today:  # a typo such as 2099 (issue 12)
                raise InvalidAction(f"{label} {clean[key]} 晚于今天（{today}），请核对")
        return clean

    def create(self, actor: Staff, values: dict[str, Any], *, collected_at: dt.date | None = None,
                      source_id: int | None = None) -> Policy:
        """A new policy, always a draft (publishing is its own step).

        A department liaison drafts the policies of their own department: the
        issuer is their department, and the draft waits for them to submit
        it to the center's review (``review`` = editing)."""
        liaison = self._author(actor, "新建政策")
        if liaison:
            given = str(values.get("issuer") or "").strip()
            if given and given != liaison:
                raise InvalidAction(f"联络员只能起草本单位（{liaison}）的政策，发文单位不能填“{given}”")
            values = {**values, "issuer": liaison}
        v = self._clean_policy(values)
        now = self.core.now_s()
        with self.core.write() as c:
            if c.execute("SELECT 1 FROM policies WHERE title = ? AND doc_number = ?", (v["title"], v["doc_number"])).fetchone():
                raise InvalidAction(f"政策库中已有同标题、同文号的政策：{v['title']} {v['doc_number']}")
            cols = list(v)
            cur = c.execute(f"INSERT INTO policies({', '.join(cols)}, status, review, updated_at, updated_by) "
                            f"VALUES ({', '.join('?' * len(cols))}, 'draft', ?, ?, ?)",
                            [*v.values(), "editing" if liaison else "", now, actor.login])
            pid = inserted_id(cur)
            if collected_at or source_id:
                c.execute("INSERT INTO policy_dates(policy_id, collected_at, source_id) VALUES (?,?,?)",
                          (pid, collected_at.isoformat() if collected_at else None, source_id))
            policy_event(c, pid, now, actor.login, "create", f"{liaison}起草" if liaison else "新建草稿",
                         {k: [None, x] for k, x in v.items() if x})
        return self.get(pid)

    def _author(self, actor: Staff, what: str) -> str:
        """Who may write a policy: a supervisor (returns '') or a department
        liaison (returns their department's short name)."""
        if actor.role is Role.DEPARTMENT and not actor.disabled:
            if not actor.department_name:
                raise InvalidAction("您的账号未关联单位，不能起草政策")
            return actor.department_name
        require_policy_manager(actor, what)
        return ""

    def _liaison_may_edit(self, liaison: str, row: sqlite3.Row) -> None:
        """A liaison edits only their department's drafts that are not with the center."""
        if row["issuer"] != liaison or not row["review"]:
            raise PermissionDenied(f"联络员只能修改本单位（{liaison}）起草的政策")
        if row["status"] != PolicyStatus.DRAFT.value or row["review"] not in ("editing", "returned"):
            state = "已提交中心审核" if row["review"] == "submitted" else "已发布"
            raise InvalidAction(f"该政策{state}，联络员不能再修改；如需修改请联系中心值班长")

    # -- a department's draft under the center's review ----------------------------
    def submit(self, actor: Staff, policy_id: int, note: str = "") -> Policy:
        """The liaison submits their department's draft to the center: refused
        while summary, interpreter (or a declaration's link) are missing."""
        require_role(actor, (Role.DEPARTMENT,), "提交政策审核")
        liaison = self._author(actor, "提交政策审核")
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到政策 #{policy_id}")
            self._liaison_may_edit(liaison, row)
            why = row_policy(row).publish_refusal()
            if why:
                raise InvalidAction(why.replace("发布前", "提交审核前"))
            c.execute("UPDATE policies SET review = 'submitted', review_note = '', updated_at = ?, updated_by = ? WHERE id = ?",
                      (now, actor.login, row["id"]))
            policy_event(c, row["id"], now, actor.login, "submit", note.strip() or "提交中心审核",
                         {"review": [row["review"], "submitted"]})
        return self.get(policy_id)

    def return_draft(self, actor: Staff, policy_id: int, reason: str) -> Policy:
        """The center sends a submitted draft back to its department, with a reason."""
        require_policy_manager(actor, "退回部门草稿")
        if not (reason or "").strip():
            raise InvalidAction("退回必须填写理由，部门据此修改")
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT review FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到政策 #{policy_id}")
            if row["review"] != "submitted":
                raise InvalidAction("只能退回部门已提交审核的草稿")
            c.execute("UPDATE policies SET review = 'returned', review_note = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                      (reason.strip(), now, actor.login, int(policy_id)))
            policy_event(c, int(policy_id), now, actor.login, "return", reason.strip(),
                         {"review": ["submitted", "returned"]})
        return self.get(policy_id)

    def department_policies(self, department: str, limit: int = 200) -> list[Policy]:
        """The policies a department drafted, those needing its hand first
        (returned, then being written, then with the center), then published."""
        rows = self.core.conn.execute(
            "SELECT * FROM policies WHERE issuer = ? AND review != '' ORDER BY "
            "CASE review WHEN 'returned' THEN 0 WHEN 'editing' THEN 1 WHEN 'submitted' THEN 2 ELSE 3 END, "
            "updated_at DESC, id DESC LIMIT ?", (department, int(limit))).fetchall()
        return [row_policy(r) for r in rows]

    def review_notices(self, actor: Staff) -> list[str]:
        """What waits for ``actor`` in the policy review: for a liaison their
        department's returned and unsubmitted drafts, for a supervisor the
        drafts departments submitted."""
        if actor.role is Role.DEPARTMENT and actor.department_name:
            counts = dict(self.core.conn.execute(
                "SELECT review, count(*) FROM policies WHERE issuer = ? AND review IN ('returned', 'editing') "
                "AND status = 'draft' GROUP BY review", (actor.department_name,)).fetchall())
            out = []
            if counts.get("returned"):
                out.append(f"{counts['returned']} 份政策草稿被中心退回，请按退回理由修改后重新提交（m 本单位政策）")
            if counts.get("editing"):
                out.append(f"{counts['editing']} 份政策草稿尚未提交中心审核（s 提交审核）")
            return out
        if actor.role is Role.SUPERVISOR:
            n = int(self.core.conn.execute("SELECT count(*) FROM policies WHERE review = 'submitted'").fetchone()[0])
            return [f"{n} 份部门起草的政策待审核（v 待审核）"] if n else []
        return []

    def review_queue(self, limit: int = 200) -> list[Policy]:
        """Department drafts waiting for the center's review, oldest submission first."""
        rows = self.core.conn.execute(
            "SELECT * FROM policies WHERE review = 'submitted' ORDER BY updated_at, id LIMIT ?", (int(limit),)).fetchall()
        return [row_policy(r) for r in rows]

    def update(self, actor: Staff, policy_id: int, changes: dict[str, Any], *,
                      expect_updated_at: str | None = None) -> Policy:
        """Edit fields; each change goes in the history as [before, after].

        ``expect_updated_at`` (the ``updated_at`` the editor read) refuses an
        edit over someone else's newer one.  A published policy keeps its
        summary and interpreter: an edit that would empty them is refused.
        """
        liaison = self._author(actor, "修改政策")
        unknown = [k for k in changes if k not in _EDITABLE]
        if unknown:
            raise InvalidAction(f"不能修改的字段：{'、'.join(unknown)}")
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到政策 #{policy_id}")
            if liaison:
                self._liaison_may_edit(liaison, row)
                if str(changes.get("issuer", liaison) or liaison).strip() != liaison:
                    raise InvalidAction(f"联络员只能起草本单位（{liaison}）的政策，不能改动发文单位")
            if expect_updated_at is not None and row["updated_at"] != expect_updated_at:
                when = (row["updated_at"] or "").replace("T", " ")[:16]
                raise InvalidAction(f"该政策已被 {staff_name(c, row['updated_by'])} 于 {when} 修改，请重新载入后再改（您填写的内容已保留）")
            merged = {k: row[k] for k in _EDITABLE}
            merged.update(changes)
            v = self._clean_policy(merged)
            if row["status"] == PolicyStatus.PUBLISHED.value:
                why = Policy.model_validate(v).publish_refusal()
                if why:
                    raise InvalidAction(f"已发布的政策{why.replace('发布前必须填写', '必须保留')}")
            diff = {k: [row[k], x] for k, x in v.items() if row[k] != x}
            if not diff:
                return row_policy(row)
            status = row["status"]
            today = self.core.clock.today().isoformat()
            if status == PolicyStatus.EXPIRED.value and v["valid_until"] and v["valid_until"] >= today:
                status = PolicyStatus.PUBLISHED.value  # extended: in force again
            elif status == PolicyStatus.PUBLISHED.value and v["valid_until"] and v["valid_until"] < today:
                status = PolicyStatus.EXPIRED.value  # end date moved into the past: expired now, not tomorrow
            if status != row["status"]:
                diff["status"] = [row["status"], status]
            sets = {k: v[k] for k in diff if k != "status"}
            sets.update(status=status, updated_at=now, updated_by=actor.login)
            c.execute(f"UPDATE policies SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), row["id"]])
            policy_event(c, row["id"], now, actor.login, "edit", "", diff)
        return self.get(policy_id)

    def publish(self, actor: Staff, policy_id: int, *, published_at: dt.date | None = None) -> Policy:
        """发布: refused without summary and interpreter (name and phone)."""
        require_policy_manager(actor, "发布政策")
        now = self.core.now_s()
        today = self.core.clock.today()
        with self.core.write() as c:
            row = c.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到政策 #{policy_id}")
            if row["status"] == PolicyStatus.PUBLISHED.value:
                raise InvalidAction("该政策已发布")
            if row["review"] in ("editing", "returned"):
                raise InvalidAction(f"这是{row['issuer']}起草的政策，部门尚未提交审核，不能发布")
            why = row_policy(row).publish_refusal()
            if why:
                raise InvalidAction(why)
            if row["valid_until"] and row["valid_until"] < today.isoformat():
                raise InvalidAction(f"该政策已于 {row['valid_until']} 截止，不能发布；如已延期请先修改截止日期")
            pub = (published_at or today).isoformat()
            review = "approved" if row["review"] == "submitted" else row["review"]
            c.execute("UPDATE policies SET status = 'published', published_at = ?, review = ?, updated_at = ?, updated_by = ? "
                      "WHERE id = ?", (pub, review, now, actor.login, row["id"]))
            changes = {"status": [row["status"], "published"], "published_at": [row["published_at"], pub]}
            if review != row["review"]:
                changes["review"] = [row["review"], review]
            policy_event(c, row["id"], now, actor.login, "publish",
                         f"审核通过并发布（发布日期 {pub}）" if review == "approved" else f"发布（发布日期 {pub}）", changes)
        return self.get(policy_id)

    def withdraw(self, actor: Staff, policy_id: int, reason: str) -> Policy:
        """撤回 a published (or expired) policy, with a reason."""
        require_policy_manager(actor, "撤回政策")
        if not (reason or "").strip():
            raise InvalidAction("撤回政策必须填写理由")
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT status FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到政策 #{policy_id}")
            if row["status"] == PolicyStatus.WITHDRAWN.value:
                raise InvalidAction("该政策已撤回")
            c.execute("UPDATE policies SET status = 'withdrawn', updated_at = ?, updated_by = ? WHERE id = ?",
                      (now, actor.login, int(policy_id)))
            policy_event(c, int(policy_id), now, actor.login, "withdraw", reason.strip(),
                               {"status": [row["status"], "withdrawn"]})
        return self.get(policy_id)

    def expire(self, now: dt.datetime | None = None, *, force: bool = False) -> int:
        """Published policies whose end date has passed become expired, each
        recorded in its history (actor ``system``); returns how many.

        Called at the start of every list / search, so it happens by itself on
        the day after the end date; to keep that cheap it runs at most once
        per local day per connection (``force`` skips that memo) and writes
        only when the indexed look-up finds something to do.
        """
        now = now or self.core.now()
        today = local_date(now).isoformat()
        if not force and self._policy_expiry_day == today:
            return 0
        self._policy_expiry_day = today
        if self.core.conn.execute("SELECT 1 FROM policies WHERE status = 'published' AND valid_until < ? LIMIT 1",
                             (today,)).fetchone() is None:
            return 0
        now_s = format_datetime(now)
        with self.core.write() as c:
            rows = c.execute("SELECT id, valid_until FROM policies WHERE status = 'published' AND valid_until < ?",
                             (today,)).fetchall()
            for r in rows:
                c.execute("UPDATE policies SET status = 'expired', updated_at = ?, updated_by = 'system' WHERE id = ?",
                          (now_s, r["id"]))
                policy_event(c, r["id"], now_s, "system", "expire", f"已于 {r['valid_until']} 截止，自动失效",
                                   {"status": ["published", "expired"]})
        return len(rows)

    def export_rows(self) -> Iterator[dict[str, Any]]:
        """Every policy as one ``export policies`` line, streamed (never the whole
        table in memory): its columns plus ``days_left``, the collection and
        interpretation dates and the lag in working days against the targets."""
        cal = self.core.calendar()
        targets = self.collection.targets()
        today = self.core.clock.today()
        cur = self.core.conn.execute(
            "SELECT p.*, d.collected_at, d.interpreted_at FROM policies p LEFT JOIN policy_dates d ON d.policy_id = p.id "
            "ORDER BY p.id")
        for r in cur:
            lag = pol.policy_lag(as_date(r["issued_at"]), as_date(r["collected_at"]), as_date(r["published_at"]),
                                 as_date(r["interpreted_at"]), cal, targets)
            yield {**dict(r), "days_left": pol.days_left(as_date(r["valid_until"]), today),
                   "collect_lag": lag.collect, "publish_lag": lag.publish, "interpret_lag": lag.interpret,
                   "late": lag.late()}

    # -- targeted push ------------------------------------------------------------------
    def suggest_associations(self, policy_id: int) -> list[Association]:
        """The associations subscribed to the policy's category: the push dialog's pre-selection."""
        p = self.get(policy_id)
        return [a for a in self.core.association_list() if p.category and p.category in a.categories]

    def push(self, actor: Staff, policy_id: int, association_ids: Sequence[int], note: str = "") -> int:
        """定向推送 a published policy to associations: one push row each; returns how many."""
        require_role(actor, (Role.SUPERVISOR,), "定向推送政策")
        ids = list(dict.fromkeys(int(a) for a in association_ids))
        if not ids:
            raise InvalidAction("请至少选择一家协会")
        p = self.get(policy_id)
        if p.status is not PolicyStatus.PUBLISHED:
            raise InvalidAction(f"只能推送已发布的政策（当前为“{p.status.label}”）；草稿请用“征求意见”")
        names = self._association_names(ids)
        now = self.core.now_s()
        with self.core.write() as c:
            c.executemany("INSERT INTO policy_pushes(policy_id, association_id, at, actor, note) VALUES (?,?,?,?,?)",
                          [(p.id, a, now, actor.login, (note or "").strip()) for a in ids])
            policy_event(c, p.stored_id, now, actor.login, "push", f"推送至 {'、'.join(names[a] for a in ids)}" +
                               (f"：{note.strip()}" if note and note.strip() else ""))
        return len(ids)

    def _association_names(self, ids: Sequence[int]) -> dict[int, str]:
        names = {a.stored_id: a.name for a in self.core.association_list()}
        missing = [str(a) for a in ids if a not in names]
        if missing:
            raise NotFound(f"找不到协会 #{'、#'.join(missing)}")
        return names

    def push_history(self, *, policy_id: int | None = None, association_id: int | None = None,
                     limit: int = 200, after: int | None = None) -> list[dict[str, Any]]:
        """Pushes of one policy or to one association, newest first, with names
        (``actor_name``: who pushed, by name — the login when no longer staff)
        and the policy's document number; ``after`` (a push id) gives the next
        page, older than that push."""
        where, params = [], []
        if policy_id is not None:
            where.append("x.policy_id = ?")
            params.append(int(policy_id))
        if association_id is not None:
            where.append("x.association_id = ?")
            params.append(int(association_id))
        if after is not None:
            where.append("x.id < ?")
            params.append(int(after))
        rows = self.core.conn.execute(
            "SELECT x.*, p.title AS policy_title, p.doc_number, a.name AS association_name, "
            "COALESCE(s.name, x.actor) AS actor_name FROM policy_pushes x "
            "JOIN policies p ON p.id = x.policy_id JOIN associations a ON a.id = x.association_id "
            "LEFT JOIN staff s ON s.login = x.actor "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY x.id DESC LIMIT ?", [*params, limit])
        return [dict(r) for r in rows]

    # -- import batches (rows validated by policies.import_*) ------------------------------
    def import_batch(self, actor: Staff, rows: Sequence[dict[str, Any]], source: str) -> tuple[int, int, int]:
        """Insert validated policy rows in one transaction: (imported, drafts, duplicates).

        Complete rows come in published (expired when their end date has
        passed), incomplete ones as drafts; a row whose (title, doc number)
        is already in the library is left alone."""
        require_policy_manager(actor, "导入政策")
        now = self.core.now_s()
        today = self.core.clock.today().isoformat()
        imported = drafts = dup = 0
        with self.core.write() as c:
            for r in rows:
                line = r.get("line")
                v = {k: r[k] for k in _EDITABLE}
                complete = Policy.model_validate(v).publish_refusal() is None
                status = ("expired" if v["valid_until"] and v["valid_until"] < today else "published") if complete else "draft"
                cols = list(v)
                cur = c.execute(f"INSERT INTO policies({', '.join(cols)}, status, updated_at, updated_by) "
                                f"VALUES ({', '.join('?' * len(cols))}, ?, ?, ?) ON CONFLICT(title, doc_number) DO NOTHING",
                                [*v.values(), status, now, actor.login])
                if cur.rowcount == 0:
                    dup += 1
                    continue
                imported += 1
                drafts += status == "draft"
                policy_event(c, inserted_id(cur), now, actor.login, "import",
                                   f"从 {source} 第 {line} 行导入（{PolicyStatus(status).label}）")
        return imported, drafts, dup

    def palette(self) -> list[tuple[int, str, str, str]]:
        """(id, title, document number, status) of every policy not withdrawn:
        the palette's candidates, loaded once when it opens (≈2,000 rows)."""
        return [(r[0], r[1], r[2], r[3]) for r in self.core.conn.execute(
            "SELECT id, title, doc_number, status FROM policies WHERE status != 'withdrawn' ORDER BY id DESC")]

    def insert_policy(self, c: sqlite3.Connection, p: dict[str, Any], now: str) -> bool:
        """Insert a policy from a data/ or import row; published when complete."""
        def s(v: Any) -> str:
            return "" if v is None else str(v)

        level = PolicyLevel.parse(p.get("level") or "市")
        kind = PolicyKind.parse(p.get("kind") or "其他")
        policy = Policy(
            title=s(p["title"]), doc_number=s(p.get("doc_number")), issuer=s(p.get("issuer")),
            level=level, category=s(p.get("category")), subcategory=s(p.get("subcategory")), kind=kind,
            summary=s(p.get("summary")), interpreter_name=s(p.get("interpreter_name")),
            interpreter_phone=s(p.get("interpreter_phone")), apply_url=s(p.get("apply_url")),
        )
        status = p.get("status") or ("draft" if policy.publish_refusal() else "published")
        until = p.get("valid_until")
        if status == "published" and until and str(until) < self.core.now().date().isoformat():
            status = "expired"
        cur = c.execute(
            "INSERT INTO policies(title, doc_number, issuer, level, category, subcategory, kind, summary, "
            "interpreter_name, interpreter_phone, valid_from, valid_until, apply_url, source_url, issued_at, "
            "published_at, status, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(title, doc_number) DO NOTHING",
            (policy.title, policy.doc_number, policy.issuer, level.value, policy.category, policy.subcategory, kind.value,
             policy.summary, policy.interpreter_name, policy.interpreter_phone,
             _date_or_none(p.get("valid_from")), _date_or_none(until), s(p.get("apply_url")), s(p.get("source_url")),
             _date_or_none(p.get("issued_at")), _date_or_none(p.get("published_at")), status, now, "data"),
        )
        return cur.rowcount > 0
