"""The knowledge base: search (the trigram index of :mod:`xzconsole.areas.fts`),
entries, edits with their history, and the hotline's shared entries imported.
"""

from __future__ import annotations

import re

import datetime as dt
import json
import sqlite3
from typing import Any, Sequence

from .. import policies as pol
from ..clock import format_datetime
from ..errors import InvalidAction, NotFound, PermissionDenied
from ..models import KnowledgeEntry, Role, Staff
from .base import Core, inserted_id, require_role, staff_name
from .fts import KNOWLEDGE_WEIGHTS, library_query


# ---------------------------------------------------------------- suggestions for an appeal

# Two-character words too common in appeals to say anything about the topic.
_STOP_WORDS = {
    "我们", "你们", "他们", "公司", "企业", "请问", "怎么", "如何", "什么", "可以", "需要", "是否", "一下",
    "这个", "那个", "没有", "已经", "现在", "问题", "咨询", "情况", "反映", "希望", "能否", "相关", "进行",
    "目前", "因为", "所以", "但是", "如果", "还是", "我司", "本公司", "谢谢", "您好", "你好", "帮忙", "解决",
}
# A 2-character chunk holding one of these is almost never a key word.
_FUNCTION_CHARS = set("的了吗呢吧啊是在和与及或我你他她它们这那有要想把被对就也都还很去来个些么")
_RUNS = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9]{2,}")
MAX_TERMS = 16
# an entry not updated or confirmed for this long is due for its department's review: 30 days
# before the bulletin stops counting it as current (services.reports.KNOWLEDGE_FRESH_DAYS = 180)
REVIEW_AFTER_DAYS = 150


def key_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The words of an appeal worth searching the knowledge base for.

    Chinese has no spaces, so a run of Han characters is cut into overlapping
    two-character chunks (the knowledge base's substring search then finds the
    words they belong to); runs of up to four characters are kept whole as well.
    Latin words and numbers of two or more characters count as they are.
    Common words and chunks with function characters are dropped; the first
    ``limit`` distinct terms are kept.
    """
    terms: list[str] = []
    seen: set[str] = set()

    def add(term: str) -> None:
        if term not in seen and term not in _STOP_WORDS:
            seen.add(term)
            terms.append(term)

    for run in _RUNS.findall(text or ""):
        if not ("\u3400" <= run[0] <= "\u9fff"):
            add(run.lower() if run.isascii() else run)
            continue
        if 2 <= len(run) <= 4 and not any(ch in _FUNCTION_CHARS for ch in run):
            add(run)
        for i in range(len(run) - 1):
            chunk = run[i:i + 2]
            if not any(ch in _FUNCTION_CHARS for ch in chunk):
                add(chunk)
        if len(terms) >= limit:
            break
    return terms[:limit]



class KnowledgeArea:
    """``store.knowledge``: Q&A entries shared with the hotline."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def get(self, kid: int) -> KnowledgeEntry:
        row = self.core.q1("SELECT * FROM knowledge WHERE id = ?", (kid,))
        if row is None:
            raise NotFound(f"找不到知识库条目 #{kid}")
        return KnowledgeEntry.model_validate(dict(row))

    def search(self, words: str | None, limit: int = 10) -> list[KnowledgeEntry]:
        """Knowledge entries holding every word in question or answer, best first
        (a hit in the question weighs most; then the latest updated).  Serves
        the knowledge-base screen and the intake form (``Store.search_knowledge``)."""
        terms = pol.split_terms(words)
        if not terms:
            return []
        # a department's new entry reaches the hotline once the center accepted it
        rows = library_query(self.core.conn, "knowledge", "k", KNOWLEDGE_WEIGHTS, ("question", "answer"), terms,
                             ["k.accepted = 1"], [],
                                   "score, k.updated_at DESC, k.id DESC", [], True, limit, 0)
        return [KnowledgeEntry.model_validate(dict(r)) for r in rows]

    def insert_entry(self, c: sqlite3.Connection, k: dict[str, Any], now: str) -> bool:
        """Insert an entry from a data file (the demo's sample library), as
        ``data``; an existing question is kept.  True when inserted."""
        cur = c.execute(
            "INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, 'data') ON CONFLICT(question) DO NOTHING",
            (k["question"], k["answer"], k.get("category", ""), k.get("department", ""), now),
        )
        return cur.rowcount > 0

    # -- the knowledge base ---------------------------------------------------------------
    def _clean_knowledge(self, values: dict[str, Any]) -> dict[str, Any]:
        try:
            return pol.validate_knowledge_fields(values, self.core.categories(),
                                                 lambda ref: self.core.department(ref).short_name)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None

    def create(self, actor: Staff, question: str, answer: str, category: str = "",
                         department: str = "") -> KnowledgeEntry:
        """A new knowledge entry, with its owning department.

        A department liaison writes entries of their own department; such an
        entry waits for the center's review and reaches the hotline's search
        once the center accepted it."""
        liaison = self._liaison(actor, "新建知识库条目")
        if liaison:
            if department.strip() and self.core.department(department.strip()).short_name != liaison:
                raise InvalidAction(f"联络员只能维护本单位（{liaison}）的知识库条目")
            department = liaison
        v = self._clean_knowledge({"question": question, "answer": answer, "category": category, "department": department})
        now = self.core.now_s()
        with self.core.write() as c:
            if c.execute("SELECT 1 FROM knowledge WHERE question = ?", (v["question"],)).fetchone():
                raise InvalidAction("知识库中已有相同的问题，请直接修改该条目")
            cur = c.execute("INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by, review, accepted) "
                            "VALUES (?,?,?,?,?,?,?,?)", (v["question"], v["answer"], v["category"], v["department"], now,
                                                         actor.login, "pending" if liaison else "", 0 if liaison else 1))
            kid = inserted_id(cur)
            c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                      (kid, now, actor.login, "create", f"{liaison}新建，待中心审核" if liaison else "新建",
                       json.dumps({k: [None, x] for k, x in v.items() if x}, ensure_ascii=False)))
        return self.get(kid)

    def _liaison(self, actor: Staff, what: str) -> str:
        """'' for the center's editors; a liaison's department short name."""
        if actor.role is Role.DEPARTMENT and not actor.disabled:
            if not actor.department_name:
                raise InvalidAction("您的账号未关联单位，不能维护知识库")
            return actor.department_name
        self.require_editor(actor, what)
        return ""

    def _own_entry(self, liaison: str, row: sqlite3.Row) -> None:
        if row["department"] != liaison:
            raise PermissionDenied(f"联络员只能维护本单位（{liaison}）的知识库条目，该条目属于“{row['department'] or '未指定单位'}”")

    def mark_reviewed(self, actor: Staff, knowledge_id: int, note: str = "") -> KnowledgeEntry:
        """The owning department (or the center) confirms the entry is still
        current: it counts as updated now (the bulletin's 知识库有效条目)."""
        liaison = self._liaison(actor, "核对知识库条目")
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT * FROM knowledge WHERE id = ?", (int(knowledge_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到知识库条目 #{knowledge_id}")
            if liaison:
                self._own_entry(liaison, row)
            c.execute("UPDATE knowledge SET updated_at = ?, updated_by = ? WHERE id = ?", (now, actor.login, row["id"]))
            c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note) VALUES (?,?,?,?,?)",
                      (row["id"], now, actor.login, "reviewed", note.strip() or "已核对，内容仍有效"))
        return self.get(knowledge_id)

    def accept(self, actor: Staff, knowledge_id: int) -> KnowledgeEntry:
        """The center accepts a department's new or edited entry."""
        self.require_editor(actor, "审核知识库条目")
        return self._review(actor, knowledge_id, "", "审核通过")

    def return_entry(self, actor: Staff, knowledge_id: int, reason: str) -> KnowledgeEntry:
        """The center sends a department's entry back with a reason."""
        self.require_editor(actor, "退回知识库条目")
        if not (reason or "").strip():
            raise InvalidAction("退回必须填写理由，部门据此修改")
        return self._review(actor, knowledge_id, "returned", reason.strip())

    def _review(self, actor: Staff, knowledge_id: int, review: str, note: str) -> KnowledgeEntry:
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT * FROM knowledge WHERE id = ?", (int(knowledge_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到知识库条目 #{knowledge_id}")
            if row["review"] != "pending":
                raise InvalidAction("该条目没有待审核的修改")
            accepted = 1 if review == "" else row["accepted"]
            c.execute("UPDATE knowledge SET review = ?, review_note = ?, accepted = ? WHERE id = ?",
                      (review, note if review else "", accepted, row["id"]))
            c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                      (row["id"], now, actor.login, "accept" if review == "" else "return", note,
                       json.dumps({"review": [row["review"], review]}, ensure_ascii=False)))
        return self.get(knowledge_id)

    def department_entries(self, department: str, limit: int = 500) -> list[KnowledgeEntry]:
        """A department's entries, those needing its hand first (returned,
        due for review), then pending, then the rest by last update."""
        due = self.due_before()
        rows = self.core.conn.execute(
            "SELECT * FROM knowledge WHERE department = ? ORDER BY CASE WHEN review = 'returned' THEN 0 "
            "WHEN updated_at < ? THEN 1 WHEN review = 'pending' THEN 2 ELSE 3 END, updated_at, id LIMIT ?",
            (department, due, int(limit))).fetchall()
        return [KnowledgeEntry.model_validate(dict(r)) for r in rows]

    def due_before(self) -> str:
        """Entries last updated (or confirmed) before this moment are due for review."""
        return format_datetime(self.core.now() - dt.timedelta(days=REVIEW_AFTER_DAYS))

    def due_for_review(self, department: str) -> int:
        """How many of a department's entries are due for review."""
        row = self.core.conn.execute("SELECT count(*) FROM knowledge WHERE department = ? AND updated_at < ?",
                                     (department, self.due_before())).fetchone()
        return int(row[0])

    def review_notices(self, actor: Staff) -> list[str]:
        """For a liaison: their entries the center returned and those due for
        review; for the center's editors: departments' entries awaiting review."""
        if actor.role is Role.DEPARTMENT and actor.department_name:
            dept = actor.department_name
            returned = int(self.core.conn.execute("SELECT count(*) FROM knowledge WHERE department = ? AND review = 'returned'",
                                                  (dept,)).fetchone()[0])
            due = self.due_for_review(dept)
            out = []
            if returned:
                out.append(f"{returned} 条知识库条目被中心退回，请修改")
            if due:
                out.append(f"{due} 条知识库条目超过 {REVIEW_AFTER_DAYS} 天未更新，请核对（知识库 F5：m 本单位条目，k 标记已核对）")
            return out
        if actor.role in (Role.SUPERVISOR, Role.ADMIN):
            n = int(self.core.conn.execute("SELECT count(*) FROM knowledge WHERE review = 'pending'").fetchone()[0])
            return [f"{n} 条部门维护的知识库条目待审核（v 待审核）"] if n else []
        return []

    def pending_review(self, limit: int = 200) -> list[KnowledgeEntry]:
        """Departments' entries waiting for the center, oldest first."""
        rows = self.core.conn.execute("SELECT * FROM knowledge WHERE review = 'pending' ORDER BY updated_at, id LIMIT ?",
                                      (int(limit),)).fetchall()
        return [KnowledgeEntry.model_validate(dict(r)) for r in rows]

    def update(self, actor: Staff, knowledge_id: int, changes: dict[str, Any], *,
                         expect_updated_at: str | None = None) -> KnowledgeEntry:
        """Edit an entry; records who and when (and the change in its history).
        A liaison edits their department's entries; the edit waits for the center's review."""
        liaison = self._liaison(actor, "修改知识库条目")
        unknown = [k for k in changes if k not in ("question", "answer", "category", "department")]
        if unknown:
            raise InvalidAction(f"不能修改的字段：{'、'.join(unknown)}")
        now = self.core.now_s()
        with self.core.write() as c:
            row = c.execute("SELECT * FROM knowledge WHERE id = ?", (int(knowledge_id),)).fetchone()
            if row is None:
                raise NotFound(f"找不到知识库条目 #{knowledge_id}")
            if liaison:
                self._own_entry(liaison, row)
                if "department" in changes and self.core.department(str(changes["department"]) or liaison).short_name != liaison:
                    raise InvalidAction(f"联络员只能维护本单位（{liaison}）的知识库条目，不能改动责任单位")
            if expect_updated_at is not None and row["updated_at"] != expect_updated_at:
                raise InvalidAction(f"该条目已被 {staff_name(c, row['updated_by'])} 修改，请重新载入后再改（您填写的内容已保留）")
            v = self._clean_knowledge({**{k: row[k] for k in ("question", "answer", "category", "department")}, **changes})
            diff = {k: [row[k], x] for k, x in v.items() if row[k] != x}
            if diff:
                if "question" in diff and c.execute("SELECT 1 FROM knowledge WHERE question = ? AND id != ?",
                                                    (v["question"], row["id"])).fetchone():
                    raise InvalidAction("知识库中已有相同的问题")
                sets: dict[str, Any] = {k: v[k] for k in diff}
                sets.update(updated_at=now, updated_by=actor.login)
                if liaison:
                    sets.update(review="pending", review_note="")  # the center reviews the department's edit
                c.execute(f"UPDATE knowledge SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), row["id"]])
                c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                          (row["id"], now, actor.login, "edit", "", json.dumps(diff, ensure_ascii=False)))
        return self.get(knowledge_id)

    def history(self, knowledge_id: int) -> list[dict[str, Any]]:
        return [{**dict(r), "changes": json.loads(r["changes"])} for r in self.core.conn.execute(
            "SELECT * FROM knowledge_events WHERE knowledge_id = ? ORDER BY id", (int(knowledge_id),))]

    def updated_by(self, knowledge_id: int) -> str:
        row = self.core.conn.execute("SELECT updated_by FROM knowledge WHERE id = ?", (int(knowledge_id),)).fetchone()
        return row[0] if row else ""

    def import_batch(self, actor: Staff, rows: Sequence[dict[str, Any]], source: str) -> tuple[int, int, int]:
        """Insert validated knowledge rows in one transaction: (imported, 0, duplicates)."""
        self.require_editor(actor, "导入知识库")
        now = self.core.now_s()
        imported = dup = 0
        with self.core.write() as c:
            for r in rows:
                cur = c.execute("INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by) "
                                "VALUES (?,?,?,?,?,?) ON CONFLICT(question) DO NOTHING",
                                (r["question"], r["answer"], r["category"], r["department"], now, actor.login))
                if cur.rowcount == 0:
                    dup += 1
                    continue
                imported += 1
                c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note) VALUES (?,?,?,?,?)",
                          (inserted_id(cur), now, actor.login, "import", f"从 {source} 第 {r.get('line')} 行导入"))
        return imported, 0, dup

    def require_editor(self, actor: Staff, what: str = "编辑知识库") -> None:
        require_role(actor, (Role.SUPERVISOR, Role.ADMIN), what)

    def suggest(self, text: str, limit: int = 5) -> list[KnowledgeEntry]:
        """Knowledge entries ranked by how many of the text's key terms they hold.

        A term found in an entry's question weighs twice one found only in its
        answer, and longer terms weigh more.  Words separated by spaces are each a
        term as typed (a clerk searching by hand), besides the chunks.
        """
        words = [w for w in (text or "").split() if len(w) >= 2]
        terms = list(dict.fromkeys([*words, *key_terms(text)]))[: MAX_TERMS + len(words)]
        scores: dict[int, float] = {}
        entries: dict[int, KnowledgeEntry] = {}
        order: dict[int, int] = {}
        for term in terms:
            for entry in self.search(term, limit=30):
                assert entry.id is not None
                weight = len(term) * (2 if term in entry.question else 1)
                scores[entry.id] = scores.get(entry.id, 0) + weight
                entries[entry.id] = entry
                order.setdefault(entry.id, len(order))
        ranked = sorted(scores, key=lambda k: (-scores[k], order[k]))
        return [entries[k] for k in ranked[:limit]]
