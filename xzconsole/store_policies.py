"""Part of the store: The policy library, pushes, comment solicitation, feedback, collection and the knowledge base.

Mixed into :class:`xzconsole.store.Store`; like store.py, one of the only
modules that speak SQL.  Methods use ``self.conn``, ``self.write()``,
``self._event(...)`` and the other helpers of the core store.

**Search.**  ``policies_fts`` and ``knowledge_fts`` are FTS5 indexes with the
``trigram`` tokenizer over the core tables (external content), kept in sync by
triggers on ``policies`` and ``knowledge`` — so rows inserted by
``load_reference_data``, the import, the editor or anything else are indexed
the same way.  Every indexed column gets two :data:`policies.PAD_CHAR`
characters appended, which makes every one- and two-character substring of the
text the start of at least one indexed trigram.  A term of three characters or
more is an FTS5 phrase (a substring match); a shorter term becomes the OR of the
indexed trigrams that start with it, read from the term dictionary
(``fts5vocab``, a range scan).  So every query is answered from the index and
ranked by bm25; only a very common one-character term (more than
:data:`SHORT_TERM_CAP` trigrams) falls back to ``instr()`` over the rows.
The term dictionary also gives each term's document count: when a query may
match more than :data:`RANK_LIMIT` rows (or rows × trigram phrases exceed
:data:`RANK_COST`), ranking them all by bm25 would cost
tens of milliseconds to order rows nobody reads past the first screen, so
such a query lists title hits first, then the rest, each most recently added
first — the order FTS5 hands rowids out in, so ``LIMIT`` stops early.
``benchmarks/bench_search.py`` measures all this against a plain scan.

**Automatic expiry.**  A published policy whose end date has passed becomes
``expired`` by itself: :meth:`PoliciesMixin.expire_policies` runs at the start of
the library's list and search calls, at most once per local day per
connection (one indexed look-up when there is nothing to do), and records
each change in the policy's history as done by ``system``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tomllib
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from . import policies as pol
from .clock import format_datetime, local_date
from .models import (
    AppealType,
    Association,
    KnowledgeEntry,
    Policy,
    PolicyKind,
    PolicyStatus,
    Role,
    Source,
    Staff,
    TicketIntake,
    validate_uscc,
)

PAD = "char(31, 31)"  # two policies.PAD_CHAR characters, appended to every indexed column


def _fts_sync(table: str, fts: str, cols: Sequence[str]) -> str:
    """Triggers keeping an external-content FTS5 table in step with its table."""
    names = ", ".join(cols)
    new = ", ".join(f"new.{c} || {PAD}" for c in cols)
    old = ", ".join(f"old.{c} || {PAD}" for c in cols)
    return f"""
    CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN
        INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});
    END;
    CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});
    END;
    CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});
        INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});
    END;
    """


def _append_only(table: str, what: str) -> str:
    return f"""
    CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{what}只能追加，不能修改'); END;
    CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, '{what}只能追加，不能删除'); END;
    """


POLICY_FTS_COLUMNS = ("title", "doc_number", "issuer", "summary")
KNOWLEDGE_FTS_COLUMNS = ("question", "answer")
#: bm25 column weights: a hit in the title counts most, then the document number, issuer, summary
POLICY_WEIGHTS = "10.0, 6.0, 3.0, 1.0"
KNOWLEDGE_WEIGHTS = "6.0, 1.0"
#: A one- or two-character term is expanded into at most this many trigrams;
#: a term with more (a very common single character) is matched with instr().
SHORT_TERM_CAP = 400
#: Above this many (estimated) matching rows a search is not ranked by bm25
#: (it would rank them all to show twenty): title hits first, newest added first.
RANK_LIMIT = 3000
#: ... and above this many (rows × trigram phrases): a two-character word is the
#: OR of a few hundred trigrams, and bm25 visits every one of them for every row.
RANK_COST = 150_000

# Tables this part adds to the schema.  Until the first release they are part
# of migration 1 (store.py appends them); after that, changes go in new steps.
SCHEMA = (
    """
    -- the library's lists: expiry check, issuer and category filters, newest first
    CREATE INDEX policies_status_until ON policies(status, valid_until);
    CREATE INDEX policies_issuer ON policies(issuer);
    CREATE INDEX policies_category ON policies(category, subcategory);
    CREATE INDEX policies_published ON policies(published_at, id);
    CREATE VIRTUAL TABLE policies_fts USING fts5(title, doc_number, issuer, summary,
        content='policies', content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE policies_fts_terms USING fts5vocab(policies_fts, 'row');
    CREATE VIRTUAL TABLE knowledge_fts USING fts5(question, answer,
        content='knowledge', content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE knowledge_fts_terms USING fts5vocab(knowledge_fts, 'row');
    """
    + _fts_sync("policies", "policies_fts", POLICY_FTS_COLUMNS)
    + _fts_sync("knowledge", "knowledge_fts", KNOWLEDGE_FTS_COLUMNS)
    + """
    -- every change to a policy: edits, publishing, expiry, pushes, comments, feedback
    CREATE TABLE policy_events (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX policy_events_policy ON policy_events(policy_id, id);
    """
    + _append_only("policy_events", "政策历史")
    + """
    CREATE TABLE knowledge_events (
        id INTEGER PRIMARY KEY,
        knowledge_id INTEGER NOT NULL REFERENCES knowledge(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX knowledge_events_entry ON knowledge_events(knowledge_id, id);
    """
    + _append_only("knowledge_events", "知识库历史")
    + """
    -- dates of the "135" targets that the core table does not hold
    CREATE TABLE policy_dates (
        policy_id INTEGER PRIMARY KEY REFERENCES policies(id),
        collected_at TEXT,
        interpreted_at TEXT,
        interpretation_url TEXT NOT NULL DEFAULT '',
        source_id INTEGER REFERENCES policy_sources(id)
    );
    CREATE INDEX policy_dates_interpreted ON policy_dates(interpreted_at);
    CREATE TABLE policy_pushes (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        association_id INTEGER NOT NULL REFERENCES associations(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX policy_pushes_policy ON policy_pushes(policy_id, id);
    CREATE INDEX policy_pushes_association ON policy_pushes(association_id, id);
    """
    + _append_only("policy_pushes", "推送记录")
    + """
    -- 定制点餐: a draft sent to associations for comments
    CREATE TABLE comment_rounds (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        deadline TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX comment_rounds_policy ON comment_rounds(policy_id, id);
    CREATE TABLE comment_round_associations (
        round_id INTEGER NOT NULL REFERENCES comment_rounds(id),
        association_id INTEGER NOT NULL REFERENCES associations(id),
        PRIMARY KEY (round_id, association_id)
    ) WITHOUT ROWID;
    CREATE TABLE policy_comments (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES comment_rounds(id),
        association_id INTEGER NOT NULL REFERENCES associations(id),
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        forwarded_at TEXT,
        forwarded_by TEXT,
        forwarded_to TEXT,
        decision TEXT CHECK (decision IN ('adopted', 'rejected')),
        reason TEXT NOT NULL DEFAULT '',
        decided_at TEXT,
        decided_by TEXT
    );
    CREATE INDEX policy_comments_round ON policy_comments(round_id, id);
    CREATE TABLE policy_feedback (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        enterprise_name TEXT NOT NULL,
        uscc TEXT,
        topic TEXT NOT NULL,
        satisfaction TEXT NOT NULL CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
        text TEXT NOT NULL DEFAULT '',
        complaint INTEGER NOT NULL DEFAULT 0,
        department_id INTEGER REFERENCES departments(id),
        at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        ticket_id INTEGER REFERENCES tickets(id),
        CHECK (complaint = 0 OR department_id IS NOT NULL)
    );
    CREATE INDEX policy_feedback_policy ON policy_feedback(policy_id, id);
    CREATE INDEX policy_feedback_at ON policy_feedback(at);
    -- policy collection: the websites checked every working day
    CREATE TABLE policy_sources (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'department',
        responsible TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE source_checks (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES policy_sources(id),
        day TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        found_count INTEGER NOT NULL DEFAULT 0 CHECK (found_count >= 0),
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX source_checks_day ON source_checks(day, source_id);
    CREATE INDEX source_checks_source ON source_checks(source_id, id);
    """
    + _append_only("source_checks", "巡查记录")
)

SOURCE_KINDS = {"national": "国家级门户", "provincial": "省级门户", "municipal": "市级门户",
                "department": "部门网站", "county": "县区网站", "news": "新闻媒体"}
FEEDBACK_TOPICS = pol.FEEDBACK_TOPICS
POLICY_EVENT_LABELS = {
    "create": "新建", "edit": "修改", "publish": "发布", "withdraw": "撤回", "expire": "到期失效", "import": "导入",
    "push": "定向推送", "comment_round": "征求意见（定制点餐）", "comment": "收到意见", "forward": "转交意见",
    "decide": "意见采纳情况", "feedback": "政策反馈", "feedback_ticket": "反馈转工单", "collect": "收集",
    "interpret": "解读",
}
_EDITABLE = ("title", "doc_number", "issuer", "level", "category", "subcategory", "kind", "summary",
             "interpreter_name", "interpreter_phone", "valid_from", "valid_until", "apply_url", "source_url",
             "issued_at", "published_at")


class _Plan:
    """A search's terms as FTS5 query parts (ANDed), terms left to ``instr()``,
    an estimate of the matching rows, and whether nothing can match."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.scan: list[str] = []
        self.estimate = 0
        self.phrases = 0  # trigram phrases in the query: bm25 costs about this much per matching row
        self.impossible = False

    @property
    def ranked(self) -> bool:
        """Whether ranking every match by bm25 is cheap enough (see RANK_LIMIT, RANK_COST)."""
        return self.estimate <= RANK_LIMIT and self.estimate * max(1, self.phrases) <= RANK_COST


def _errors():  # the store's error classes (store.py imports this module first)
    from . import store

    return store


def _row_policy(row: sqlite3.Row | dict[str, Any]) -> Policy:
    return Policy.model_validate({k: row[k] for k in row.keys() if k in Policy.model_fields})


def _date(v: Any) -> dt.date | None:
    if v in (None, ""):
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])


class PoliciesMixin:
    """The policy library, pushes, comment solicitation, feedback, collection and the knowledge base."""

    conn: sqlite3.Connection

    # -- roles --------------------------------------------------------------------
    def _need(self, actor: Staff, roles: Iterable[Role], what: str) -> None:
        roles = tuple(roles)
        if actor.disabled:
            raise _errors().PermissionDenied("账号已停用")
        if actor.role not in roles:
            who = "、".join(r.label for r in roles)
            raise _errors().PermissionDenied(f"“{what}”只能由{who}操作，您的角色是{actor.role.label}")

    def require_policy_manager(self, actor: Staff, what: str = "管理政策") -> None:
        """Supervisors manage the library (SPEC §1); an admin may load it in."""
        self._need(actor, (Role.SUPERVISOR, Role.ADMIN) if what.startswith("导入") else (Role.SUPERVISOR,), what)

    def require_knowledge_editor(self, actor: Staff, what: str = "编辑知识库") -> None:
        self._need(actor, (Role.SUPERVISOR, Role.ADMIN), what)

    def _policy_event(self, c: sqlite3.Connection, policy_id: int, at: str, actor: str, action: str,
                      note: str = "", changes: dict[str, Any] | None = None) -> None:
        c.execute("INSERT INTO policy_events(policy_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                  (policy_id, at, actor, action, note, json.dumps(changes or {}, ensure_ascii=False, default=str)))

    def _now_s(self) -> str:
        return format_datetime(self.now())  # type: ignore[attr-defined]

    # -- reference data -------------------------------------------------------------
    def load_policy_reference(self, data_dir: Path | None = None) -> dict[str, int]:
        """Load the policy source websites (data/policy_sources.toml, upserted by
        code) and the publication targets (data/publication_targets.toml).
        Called by ``load_reference_data``; idempotent."""
        from .store import DATA_DIR

        data_dir = Path(data_dir or DATA_DIR)
        counts: dict[str, int] = {}
        src = data_dir / "policy_sources.toml"
        sources = tomllib.loads(src.read_text(encoding="utf-8")).get("source", []) if src.exists() else []
        tgt = data_dir / "publication_targets.toml"
        targets = pol.PublicationTargets.from_toml(tgt) if tgt.exists() else None
        with self.write() as c:  # type: ignore[attr-defined]
            for s in sources:
                kind = s.get("kind", "department")
                if kind not in SOURCE_KINDS:
                    raise ValueError(f"policy_sources.toml：来源“{s.get('name')}”的 kind“{kind}”无效（可选：{'、'.join(SOURCE_KINDS)}）")
                c.execute(
                    "INSERT INTO policy_sources(code, name, url, kind, responsible, active) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, url = excluded.url, kind = excluded.kind, "
                    "responsible = excluded.responsible, active = excluded.active",
                    (s["code"], s["name"], s.get("url", ""), kind, s.get("responsible", ""), int(s.get("active", True))),
                )
            counts["policy_sources"] = len(sources)
            if targets is not None:
                c.execute("INSERT INTO settings(key, value) VALUES ('publication_targets', ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (json.dumps(targets.as_mapping()),))
        return counts

    def publication_targets(self) -> pol.PublicationTargets:
        """The center's publication time targets (default "135")."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'publication_targets'").fetchone()
        return pol.PublicationTargets.from_mapping(json.loads(row[0])) if row else pol.PublicationTargets()

    def set_publication_targets(self, actor: Staff, collect: int, publish: int, interpret: int,
                                name: str = "") -> pol.PublicationTargets:
        """Edit the targets (a supervisor or admin); ValueError (Chinese) on bad numbers."""
        self._need(actor, (Role.SUPERVISOR, Role.ADMIN), "修改发布时限")
        t = pol.PublicationTargets.from_mapping({"collect": collect, "publish": publish, "interpret": interpret,
                                                 "name": name or f"{collect}{publish}{interpret}"})
        with self.write() as c:  # type: ignore[attr-defined]
            c.execute("INSERT INTO settings(key, value) VALUES ('publication_targets', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (json.dumps(t.as_mapping()),))
        return t

    # -- search ------------------------------------------------------------------------
    def _plan(self, fts: str, terms: Sequence[str]) -> "_Plan":
        """How to answer these terms from the index (see :class:`_Plan`).

        A term of three characters or more is one FTS5 phrase; its estimated
        number of matching rows is the smallest document count among its
        trigrams.  A shorter term is the OR of the indexed trigrams that start
        with it (a range scan of the term dictionary), estimated by the sum of
        their document counts; when it starts no trigram at all it occurs
        nowhere, and when it starts more than :data:`SHORT_TERM_CAP` it is
        left to ``instr()``.
        """
        plan = _Plan()
        estimates: list[int] = []
        for term in terms:
            low = pol.fold(term)
            if len(term) >= pol.TRIGRAM:
                plan.parts.append(pol.fts_phrase(term))
                plan.phrases += 1
                grams = [low[i:i + pol.TRIGRAM] for i in range(len(low) - pol.TRIGRAM + 1)][:6]
                docs = [self.conn.execute(f"SELECT doc FROM {fts}_terms WHERE term = ?", (g,)).fetchone() for g in grams]
                estimates.append(min((d[0] if d else 0) for d in docs))
                continue
            rows = self.conn.execute(f"SELECT term, doc FROM {fts}_terms WHERE term >= ? AND term < ? LIMIT ?",
                                     (low, low + "\U0010ffff", SHORT_TERM_CAP + 1)).fetchall()
            if not rows:
                plan.impossible = True
                return plan
            if len(rows) > SHORT_TERM_CAP:
                plan.scan.append(low)
                continue
            plan.parts.append("(" + " OR ".join(pol.fts_phrase(r[0]) for r in rows) + ")")
            plan.phrases += len(rows)
            estimates.append(sum(r[1] for r in rows))
        plan.estimate = min(estimates) if estimates else 0
        return plan

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
            params.append(f.level.value)  # type: ignore[union-attr]
        if f.issuer:
            where.append("p.issuer = ?")
            params.append(f.issuer)
        if f.kind:
            where.append("p.kind = ?")
            params.append(f.kind.value)  # type: ignore[union-attr]
        if f.statuses:
            where.append(f"p.status IN ({','.join('?' * len(f.statuses))})")
            params.extend(f.statuses)
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

    def search_policies(self, words: str | None = "", filters: pol.PolicyFilter | None = None, limit: int = 50,
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
        self.expire_policies()
        f = (filters or pol.PolicyFilter()).normalised()
        today = self.clock.today()  # type: ignore[attr-defined]
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
        else:
            order, order_params = "p.published_at DESC, p.id DESC", []
        rows = self._library_query("policies", "p", POLICY_WEIGHTS, ("title", "doc_number", "issuer", "summary"),
                                   terms, where, params, order, order_params, sort == "relevance", limit, offset)
        out = []
        for r in rows:
            p = _row_policy(r)
            out.append(pol.PolicyHit(p, pol.days_left(p.valid_until, today), r["score"], r["updated_at"], r["updated_by"]))
        return out

    def _library_query(self, table: str, alias: str, weights: str, columns: Sequence[str], terms: Sequence[str],
                       where: list[str], params: list[Any], order: str, order_params: list[Any], relevance: bool,
                       limit: int, offset: int) -> list[sqlite3.Row]:
        """Rows of ``table`` (as ``alias``) holding every term and passing
        ``where``, in ``order`` (which may use ``score``); shared by the
        policy and knowledge searches."""
        a = alias
        fts = f"{table}_fts"
        plan = self._plan(fts, terms) if terms else _Plan()
        if plan.impossible:
            return []
        where, params = list(where), list(params)

        def contains(column: str, low: str) -> str:
            # lower() only matters for ASCII letters; without them instr() reads the column as it is
            return f"instr(lower({a}.{column}), ?)" if any(ch.isascii() and ch.isalpha() for ch in low) else f"instr({a}.{column}, ?)"

        for low in plan.scan:
            where.append("(" + " OR ".join(contains(c, low) for c in columns) + ")")
            params.extend([low] * len(columns))
        first = columns[0]
        if relevance and ((plan.parts and not plan.ranked) or (plan.scan and not plan.parts)):
            # a very common word: title hits first, then the rest, each newest
            # added first — the order rowids come out of FTS5 (or the table),
            # so LIMIT stops early instead of ranking every match
            def run(title_only: bool, n: int) -> list[sqlite3.Row]:
                w, ps = list(where), list(params)
                if plan.parts:
                    source, order_by = f"{fts} JOIN {table} {a} ON {a}.id = {fts}.rowid", f"{fts}.rowid DESC"
                    w.insert(0, f"{fts} MATCH ?")
                    ps.insert(0, " AND ".join(f"{{{first}}} : {p}" if title_only else p for p in plan.parts))
                else:
                    source, order_by = f"{table} {a}", f"{a}.id DESC"
                if title_only:
                    for low in plan.scan:
                        w.append(contains(first, low))
                        ps.append(low)
                sql = f"SELECT {a}.*, NULL AS score FROM {source} WHERE {' AND '.join(w)} ORDER BY {order_by} LIMIT ?"
                return self.conn.execute(sql, [*ps, n]).fetchall()

            want = int(offset) + int(limit)
            titled = run(True, want)
            seen = {r["id"] for r in titled}
            rest = [r for r in run(False, want + len(titled)) if r["id"] not in seen]
            return (titled + rest)[int(offset):want]
        head: list[Any] = []
        if plan.parts:
            source = f"{fts} JOIN {table} {a} ON {a}.id = {fts}.rowid"
            # ranking a huge match set by bm25 costs more than it tells: skip it there
            score = f"bm25({fts}, {weights})" if plan.ranked else "NULL"
            where.insert(0, f"{fts} MATCH ?")
            params.insert(0, " AND ".join(plan.parts))
        elif plan.scan:
            source, score = f"{table} {a}", f"({contains(first, plan.scan[0])} = 0)"
            head.append(plan.scan[0])
        else:
            source, score = f"{table} {a}", "NULL"
        sql = (f"SELECT {a}.*, {score} AS score FROM {source} {'WHERE ' + ' AND '.join(where) if where else ''} "
               f"ORDER BY {order} LIMIT ? OFFSET ?")
        return self.conn.execute(sql, [*head, *params, *order_params, int(limit), int(offset)]).fetchall()

    def count_policies(self, filters: pol.PolicyFilter | None = None) -> int:
        """How many policies pass the filters (no words): the list's header count."""
        f = (filters or pol.PolicyFilter()).normalised()
        where, params = self._policy_filter_sql(f, self.clock.today())  # type: ignore[attr-defined]
        return self.conn.execute(f"SELECT count(*) FROM policies p {'WHERE ' + ' AND '.join(where) if where else ''}",
                                 params).fetchone()[0]

    def knowledge_search(self, words: str | None, limit: int = 10) -> list[KnowledgeEntry]:
        """Knowledge entries holding every word in question or answer, best first
        (a hit in the question weighs most; then the latest updated).  Serves
        the knowledge-base screen and the intake form (``Store.search_knowledge``)."""
        terms = pol.split_terms(words)
        if not terms:
            return []
        rows = self._library_query("knowledge", "k", KNOWLEDGE_WEIGHTS, ("question", "answer"), terms, [], [],
                                   "score, k.updated_at DESC, k.id DESC", [], True, limit, 0)
        return [KnowledgeEntry.model_validate(dict(r)) for r in rows]

    # -- reading policies ----------------------------------------------------------
    def policy(self, policy_id: int) -> Policy:
        row = self.conn.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
        if row is None:
            raise _errors().NotFound(f"找不到政策 #{policy_id}")
        return _row_policy(row)

    def policy_detail(self, policy_id: int) -> dict[str, Any]:
        """Everything the detail pane shows: the policy, days left, lag against
        the targets, collection / interpretation dates, last change."""
        row = self.conn.execute(
            "SELECT p.*, d.collected_at, d.interpreted_at, d.interpretation_url, d.source_id FROM policies p "
            "LEFT JOIN policy_dates d ON d.policy_id = p.id WHERE p.id = ?", (int(policy_id),)).fetchone()
        if row is None:
            raise _errors().NotFound(f"找不到政策 #{policy_id}")
        p = _row_policy(row)
        return {"policy": p, "days_left": pol.days_left(p.valid_until, self.clock.today()),  # type: ignore[attr-defined]
                "collected_at": _date(row["collected_at"]), "interpreted_at": _date(row["interpreted_at"]),
                "interpretation_url": row["interpretation_url"] or "", "source_id": row["source_id"],
                "updated_at": row["updated_at"], "updated_by": row["updated_by"], "lag": self.policy_lag(p.id)}

    def policy_history(self, policy_id: int) -> list[dict[str, Any]]:
        """The policy's append-only history, oldest first (``label`` in Chinese)."""
        rows = self.conn.execute("SELECT * FROM policy_events WHERE policy_id = ? ORDER BY id", (int(policy_id),)).fetchall()
        return [{**dict(r), "changes": json.loads(r["changes"]), "label": POLICY_EVENT_LABELS.get(r["action"], r["action"])}
                for r in rows]

    # -- the editor ---------------------------------------------------------------
    def _clean_policy(self, values: dict[str, Any]) -> dict[str, Any]:
        try:
            return pol.validate_policy_fields(values, self.categories())  # type: ignore[attr-defined]
        except ValueError as exc:
            raise _errors().InvalidAction(str(exc)) from None

    def create_policy(self, actor: Staff, values: dict[str, Any], *, collected_at: dt.date | None = None,
                      source_id: int | None = None) -> Policy:
        """A new policy, always a draft (publishing is its own step)."""
        self.require_policy_manager(actor, "新建政策")
        v = self._clean_policy(values)
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            if c.execute("SELECT 1 FROM policies WHERE title = ? AND doc_number = ?", (v["title"], v["doc_number"])).fetchone():
                raise _errors().InvalidAction(f"政策库中已有同标题、同文号的政策：{v['title']} {v['doc_number']}")
            cols = list(v)
            cur = c.execute(f"INSERT INTO policies({', '.join(cols)}, status, updated_at, updated_by) "
                            f"VALUES ({', '.join('?' * len(cols))}, 'draft', ?, ?)", [*v.values(), now, actor.login])
            pid = int(cur.lastrowid)  # type: ignore[arg-type]
            if collected_at or source_id:
                c.execute("INSERT INTO policy_dates(policy_id, collected_at, source_id) VALUES (?,?,?)",
                          (pid, collected_at.isoformat() if collected_at else None, source_id))
            self._policy_event(c, pid, now, actor.login, "create", "新建草稿", {k: [None, x] for k, x in v.items() if x})
        return self.policy(pid)

    def update_policy(self, actor: Staff, policy_id: int, changes: dict[str, Any], *,
                      expect_updated_at: str | None = None) -> Policy:
        """Edit fields; each change goes in the history as [before, after].

        ``expect_updated_at`` (the ``updated_at`` the editor read) refuses an
        edit over someone else's newer one.  A published policy keeps its
        summary and interpreter: an edit that would empty them is refused.
        """
        self.require_policy_manager(actor, "修改政策")
        unknown = [k for k in changes if k not in _EDITABLE]
        if unknown:
            raise _errors().InvalidAction(f"不能修改的字段：{'、'.join(unknown)}")
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            row = c.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise _errors().NotFound(f"找不到政策 #{policy_id}")
            if expect_updated_at is not None and row["updated_at"] != expect_updated_at:
                when = (row["updated_at"] or "").replace("T", " ")[:16]
                raise _errors().InvalidAction(f"该政策已被 {row['updated_by'] or '他人'} 于 {when} 修改，请重新载入后再改（您填写的内容已保留）")
            merged = {k: row[k] for k in _EDITABLE}
            merged.update(changes)
            v = self._clean_policy(merged)
            if row["status"] == PolicyStatus.PUBLISHED.value:
                why = Policy.model_validate(v).publish_refusal()
                if why:
                    raise _errors().InvalidAction(f"已发布的政策{why.replace('发布前必须填写', '必须保留')}")
            diff = {k: [row[k], x] for k, x in v.items() if row[k] != x}
            if not diff:
                return _row_policy(row)
            status = row["status"]
            today = self.clock.today().isoformat()  # type: ignore[attr-defined]
            if status == PolicyStatus.EXPIRED.value and v["valid_until"] and v["valid_until"] >= today:
                status = PolicyStatus.PUBLISHED.value  # extended: in force again
            elif status == PolicyStatus.PUBLISHED.value and v["valid_until"] and v["valid_until"] < today:
                status = PolicyStatus.EXPIRED.value  # end date moved into the past: expired now, not tomorrow
            if status != row["status"]:
                diff["status"] = [row["status"], status]
            sets = {k: v[k] for k in diff if k != "status"}
            sets.update(status=status, updated_at=now, updated_by=actor.login)
            c.execute(f"UPDATE policies SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), row["id"]])
            self._policy_event(c, row["id"], now, actor.login, "edit", "", diff)
        return self.policy(policy_id)

    def publish_policy(self, actor: Staff, policy_id: int, *, published_at: dt.date | None = None) -> Policy:
        """发布: refused without summary and interpreter (name and phone)."""
        self.require_policy_manager(actor, "发布政策")
        now = self._now_s()
        today = self.clock.today()  # type: ignore[attr-defined]
        with self.write() as c:  # type: ignore[attr-defined]
            row = c.execute("SELECT * FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise _errors().NotFound(f"找不到政策 #{policy_id}")
            if row["status"] == PolicyStatus.PUBLISHED.value:
                raise _errors().InvalidAction("该政策已发布")
            why = _row_policy(row).publish_refusal()
            if why:
                raise _errors().InvalidAction(why)
            if row["valid_until"] and row["valid_until"] < today.isoformat():
                raise _errors().InvalidAction(f"该政策已于 {row['valid_until']} 截止，不能发布；如已延期请先修改截止日期")
            pub = (published_at or today).isoformat()
            c.execute("UPDATE policies SET status = 'published', published_at = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                      (pub, now, actor.login, row["id"]))
            self._policy_event(c, row["id"], now, actor.login, "publish", f"发布（发布日期 {pub}）",
                               {"status": [row["status"], "published"], "published_at": [row["published_at"], pub]})
        return self.policy(policy_id)

    def withdraw_policy(self, actor: Staff, policy_id: int, reason: str) -> Policy:
        """撤回 a published (or expired) policy, with a reason."""
        self.require_policy_manager(actor, "撤回政策")
        if not (reason or "").strip():
            raise _errors().InvalidAction("撤回政策必须填写理由")
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            row = c.execute("SELECT status FROM policies WHERE id = ?", (int(policy_id),)).fetchone()
            if row is None:
                raise _errors().NotFound(f"找不到政策 #{policy_id}")
            if row["status"] == PolicyStatus.WITHDRAWN.value:
                raise _errors().InvalidAction("该政策已撤回")
            c.execute("UPDATE policies SET status = 'withdrawn', updated_at = ?, updated_by = ? WHERE id = ?",
                      (now, actor.login, int(policy_id)))
            self._policy_event(c, int(policy_id), now, actor.login, "withdraw", reason.strip(),
                               {"status": [row["status"], "withdrawn"]})
        return self.policy(policy_id)

    def expire_policies(self, now: dt.datetime | None = None, *, force: bool = False) -> int:
        """Published policies whose end date has passed become expired, each
        recorded in its history (actor ``system``); returns how many.

        Called at the start of every list / search, so it happens by itself on
        the day after the end date; to keep that cheap it runs at most once
        per local day per connection (``force`` skips that memo) and writes
        only when the indexed look-up finds something to do.
        """
        now = now or self.now()  # type: ignore[attr-defined]
        today = local_date(now).isoformat()
        if not force and getattr(self, "_policy_expiry_day", None) == today:
            return 0
        self._policy_expiry_day = today
        if self.conn.execute("SELECT 1 FROM policies WHERE status = 'published' AND valid_until < ? LIMIT 1",
                             (today,)).fetchone() is None:
            return 0
        now_s = format_datetime(now)
        with self.write() as c:  # type: ignore[attr-defined]
            rows = c.execute("SELECT id, valid_until FROM policies WHERE status = 'published' AND valid_until < ?",
                             (today,)).fetchall()
            for r in rows:
                c.execute("UPDATE policies SET status = 'expired', updated_at = ?, updated_by = 'system' WHERE id = ?",
                          (now_s, r["id"]))
                self._policy_event(c, r["id"], now_s, "system", "expire", f"已于 {r['valid_until']} 截止，自动失效",
                                   {"status": ["published", "expired"]})
        return len(rows)

    # -- collection, interpretation and lag -------------------------------------------
    def _set_policy_date(self, actor: Staff, policy_id: int, column: str, value: dt.date, action: str,
                         extra: dict[str, Any] | None = None) -> None:
        self.policy(policy_id)
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            old = c.execute(f"SELECT {column} FROM policy_dates WHERE policy_id = ?", (int(policy_id),)).fetchone()
            c.execute("INSERT INTO policy_dates(policy_id) VALUES (?) ON CONFLICT(policy_id) DO NOTHING", (int(policy_id),))
            sets = {column: value.isoformat(), **(extra or {})}
            c.execute(f"UPDATE policy_dates SET {', '.join(f'{k} = ?' for k in sets)} WHERE policy_id = ?",
                      [*sets.values(), int(policy_id)])
            self._policy_event(c, int(policy_id), now, actor.login, action, "",
                               {column: [old[0] if old else None, value.isoformat()]})

    def record_collection(self, actor: Staff, policy_id: int, collected_at: dt.date, source_id: int | None = None) -> None:
        """When (and from which source) the center collected the policy (the "1" of 135)."""
        self._need(actor, (Role.CLERK, Role.SUPERVISOR), "登记政策收集")
        self._set_policy_date(actor, policy_id, "collected_at", collected_at, "collect",
                              {"source_id": source_id} if source_id else None)

    def record_interpretation(self, actor: Staff, policy_id: int, interpreted_at: dt.date, url: str = "") -> None:
        """When the policy's interpretation was published (the "5" of 135)."""
        self.require_policy_manager(actor, "登记政策解读")
        self._set_policy_date(actor, policy_id, "interpreted_at", interpreted_at, "interpret",
                              {"interpretation_url": url.strip()} if url else None)

    def policy_lag(self, policy_id: int) -> pol.PolicyLag:
        """Working days from issue to collection, publication and interpretation, against the targets."""
        row = self.conn.execute(
            "SELECT p.issued_at, p.published_at, d.collected_at, d.interpreted_at FROM policies p "
            "LEFT JOIN policy_dates d ON d.policy_id = p.id WHERE p.id = ?", (int(policy_id),)).fetchone()
        if row is None:
            raise _errors().NotFound(f"找不到政策 #{policy_id}")
        return pol.policy_lag(_date(row["issued_at"]), _date(row["collected_at"]), _date(row["published_at"]),
                              _date(row["interpreted_at"]), self.calendar(), self.publication_targets())  # type: ignore[attr-defined]

    def export_policy_rows(self) -> Iterator[dict[str, Any]]:
        """Every policy as one ``export policies`` line, streamed (never the whole
        table in memory): its columns plus ``days_left``, the collection and
        interpretation dates and the lag in working days against the targets."""
        cal = self.calendar()  # type: ignore[attr-defined]
        targets = self.publication_targets()
        today = self.clock.today()  # type: ignore[attr-defined]
        cur = self.conn.execute(
            "SELECT p.*, d.collected_at, d.interpreted_at FROM policies p LEFT JOIN policy_dates d ON d.policy_id = p.id "
            "ORDER BY p.id")
        for r in cur:
            lag = pol.policy_lag(_date(r["issued_at"]), _date(r["collected_at"]), _date(r["published_at"]),
                                 _date(r["interpreted_at"]), cal, targets)
            yield {**dict(r), "days_left": pol.days_left(_date(r["valid_until"]), today),
                   "collect_lag": lag.collect, "publish_lag": lag.publish, "interpret_lag": lag.interpret,
                   "late": lag.late()}

    def policy_sources(self, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        """The source websites, each with who checks it and when it was last checked."""
        rows = self.conn.execute(
            "SELECT s.*, (SELECT max(at) FROM source_checks k WHERE k.source_id = s.id) AS last_checked "
            f"FROM policy_sources s {'' if include_inactive else 'WHERE s.active = 1'} ORDER BY s.id").fetchall()
        return [{**dict(r), "kind_label": SOURCE_KINDS.get(r["kind"], r["kind"])} for r in rows]

    def record_source_check(self, actor: Staff, source_id: int, found_count: int = 0, note: str = "") -> dict[str, Any]:
        """Log today's check of one source: how many new policies were found."""
        self._need(actor, (Role.CLERK, Role.SUPERVISOR, Role.ADMIN), "登记来源巡查")
        if isinstance(found_count, bool) or not isinstance(found_count, int) or found_count < 0:
            raise _errors().InvalidAction("发现政策数应为 0 或正整数")
        row = self.conn.execute("SELECT id, active FROM policy_sources WHERE id = ?", (int(source_id),)).fetchone()
        if row is None:
            raise _errors().NotFound(f"找不到政策来源 #{source_id}")
        now = self.now()  # type: ignore[attr-defined]
        with self.write() as c:  # type: ignore[attr-defined]
            cur = c.execute("INSERT INTO source_checks(source_id, day, at, actor, found_count, note) VALUES (?,?,?,?,?,?)",
                            (int(source_id), local_date(now).isoformat(), format_datetime(now), actor.login,
                             found_count, (note or "").strip()))
        return dict(self.conn.execute("SELECT * FROM source_checks WHERE id = ?", (cur.lastrowid,)).fetchone())

    def source_checks(self, source_id: int, limit: int = 30) -> list[dict[str, Any]]:
        """One source's check log, newest first."""
        return [dict(r) for r in self.conn.execute(
            "SELECT * FROM source_checks WHERE source_id = ? ORDER BY id DESC LIMIT ?", (int(source_id), limit))]

    def sources_unchecked(self, today: dt.date | None = None) -> list[dict[str, Any]]:
        """Active sources with no check logged on ``today`` (default: the store
        clock's today) — a notice.  Sources are checked on working days, so
        on a rest day the list is empty."""
        today = today or self.clock.today()  # type: ignore[attr-defined]
        if not self.calendar().is_workday(today):  # type: ignore[attr-defined]
            return []
        rows = self.conn.execute(
            "SELECT s.* FROM policy_sources s WHERE s.active = 1 AND NOT EXISTS "
            "(SELECT 1 FROM source_checks k WHERE k.day = ? AND k.source_id = s.id) ORDER BY s.id", (today.isoformat(),))
        return [{**dict(r), "kind_label": SOURCE_KINDS.get(r["kind"], r["kind"])} for r in rows]

    def publication_figures(self, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
        """Per issuing department (its short name; national and provincial
        issuers by their own name) for policies published in [start, end]:
        ``published``, ``declaration``, ``interpreted`` (interpretations dated
        in the period), mean ``collect_lag`` / ``publish_lag`` /
        ``interpret_lag`` in working days from the issue date (None without
        data), ``publish_on_time`` (within the target) and ``publish_on_time_rate``,
        and ``sources`` / ``unchecked_source_days`` — working days in the
        period (up to today) a source this department is responsible for went
        unchecked.  For ``export policies`` and the monthly bulletin."""
        cal = self.calendar()  # type: ignore[attr-defined]
        targets = self.publication_targets()
        s, e = start.isoformat(), end.isoformat()
        out: dict[str, dict[str, Any]] = {}

        def entry(name: str) -> dict[str, Any]:
            if name not in out:
                out[name] = {"published": 0, "declaration": 0, "interpreted": 0, "collect_lag": None, "publish_lag": None,
                             "interpret_lag": None, "publish_on_time": 0, "publish_on_time_rate": None, "sources": 0,
                             "unchecked_source_days": 0, "_lags": {"collect": [], "publish": [], "interpret": []},
                             "targets": targets.as_mapping()}
            return out[name]

        for r in self.conn.execute(
                "SELECT p.issuer, p.kind, p.issued_at, p.published_at, d.collected_at, d.interpreted_at FROM policies p "
                "LEFT JOIN policy_dates d ON d.policy_id = p.id WHERE p.published_at BETWEEN ? AND ? "
                "AND p.status != 'draft'", (s, e)):
            d = entry(r["issuer"] or "（未注明）")
            d["published"] += 1
            d["declaration"] += r["kind"] == PolicyKind.DECLARATION.value
            lag = pol.policy_lag(_date(r["issued_at"]), _date(r["collected_at"]), _date(r["published_at"]),
                                 _date(r["interpreted_at"]), cal, targets)
            for stage in ("collect", "publish"):
                if getattr(lag, stage) is not None:
                    d["_lags"][stage].append(getattr(lag, stage))
            if lag.on_target("publish"):
                d["publish_on_time"] += 1
        for r in self.conn.execute(
                "SELECT p.issuer, p.issued_at, d.interpreted_at FROM policy_dates d JOIN policies p ON p.id = d.policy_id "
                "WHERE d.interpreted_at BETWEEN ? AND ?", (s, e)):
            d = entry(r["issuer"] or "（未注明）")
            d["interpreted"] += 1
            v = pol.lag_days(_date(r["issued_at"]), _date(r["interpreted_at"]), cal)
            if v is not None:
                d["_lags"]["interpret"].append(v)
        last = min(end, self.clock.today())  # type: ignore[attr-defined]
        days = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
        workdays = [x.isoformat() for x in days if cal.is_workday(x)]
        checked = {(r[0], r[1]) for r in self.conn.execute(
            "SELECT DISTINCT source_id, day FROM source_checks WHERE day BETWEEN ? AND ?", (s, e))}
        for src in self.conn.execute("SELECT id, responsible FROM policy_sources WHERE active = 1"):
            d = entry(src["responsible"] or "（未指定）")
            d["sources"] += 1
            d["unchecked_source_days"] += sum(1 for w in workdays if (src["id"], w) not in checked)
        for d in out.values():
            lags = d.pop("_lags")
            for stage, values in lags.items():
                d[f"{stage}_lag"] = round(sum(values) / len(values), 2) if values else None
            n = len(lags["publish"])
            d["publish_on_time_rate"] = round(d["publish_on_time"] / n, 4) if n else None
        return out

    # -- targeted push ------------------------------------------------------------------
    def suggest_associations(self, policy_id: int) -> list[Association]:
        """The associations subscribed to the policy's category: the push dialog's pre-selection."""
        p = self.policy(policy_id)
        return [a for a in self.associations() if p.category and p.category in a.categories]  # type: ignore[attr-defined]

    def push_policy(self, actor: Staff, policy_id: int, association_ids: Sequence[int], note: str = "") -> int:
        """定向推送 a published policy to associations: one push row each; returns how many."""
        self._need(actor, (Role.SUPERVISOR,), "定向推送政策")
        ids = list(dict.fromkeys(int(a) for a in association_ids))
        if not ids:
            raise _errors().InvalidAction("请至少选择一家协会")
        p = self.policy(policy_id)
        if p.status is not PolicyStatus.PUBLISHED:
            raise _errors().InvalidAction(f"只能推送已发布的政策（当前为“{p.status.label}”）；草稿请用“征求意见”")
        names = self._association_names(ids)
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            c.executemany("INSERT INTO policy_pushes(policy_id, association_id, at, actor, note) VALUES (?,?,?,?,?)",
                          [(p.id, a, now, actor.login, (note or "").strip()) for a in ids])
            self._policy_event(c, p.id, now, actor.login, "push", f"推送至 {'、'.join(names[a] for a in ids)}" +
                               (f"：{note.strip()}" if note and note.strip() else ""))
        return len(ids)

    def _association_names(self, ids: Sequence[int]) -> dict[int, str]:
        names = {a.id: a.name for a in self.associations()}  # type: ignore[attr-defined]
        missing = [str(a) for a in ids if a not in names]
        if missing:
            raise _errors().NotFound(f"找不到协会 #{'、#'.join(missing)}")
        return names  # type: ignore[return-value]

    def push_history(self, *, policy_id: int | None = None, association_id: int | None = None,
                     limit: int = 200, after: int | None = None) -> list[dict[str, Any]]:
        """Pushes of one policy or to one association, newest first, with names
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
        rows = self.conn.execute(
            "SELECT x.*, p.title AS policy_title, p.doc_number, a.name AS association_name FROM policy_pushes x "
            "JOIN policies p ON p.id = x.policy_id JOIN associations a ON a.id = x.association_id "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY x.id DESC LIMIT ?", [*params, limit])
        return [dict(r) for r in rows]

    # -- comment solicitation (定制点餐) -------------------------------------------------
    def open_comment_round(self, actor: Staff, policy_id: int, association_ids: Sequence[int], deadline: dt.date,
                           note: str = "") -> int:
        """Send a draft policy to chosen associations for comments by ``deadline``; the round's id."""
        self._need(actor, (Role.SUPERVISOR,), "征求意见")
        p = self.policy(policy_id)
        if p.status is not PolicyStatus.DRAFT:
            raise _errors().InvalidAction(f"只有草稿政策可以征求意见（当前为“{p.status.label}”）")
        ids = list(dict.fromkeys(int(a) for a in association_ids))
        if not ids:
            raise _errors().InvalidAction("请至少选择一家协会")
        if deadline < self.clock.today():  # type: ignore[attr-defined]
            raise _errors().InvalidAction("反馈截止日期不能早于今天")
        names = self._association_names(ids)
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            cur = c.execute("INSERT INTO comment_rounds(policy_id, opened_at, opened_by, deadline, note) VALUES (?,?,?,?,?)",
                            (p.id, now, actor.login, deadline.isoformat(), (note or "").strip()))
            rid = int(cur.lastrowid)  # type: ignore[arg-type]
            c.executemany("INSERT INTO comment_round_associations(round_id, association_id) VALUES (?,?)",
                          [(rid, a) for a in ids])
            self._policy_event(c, p.id, now, actor.login, "comment_round",
                               f"第 {rid} 轮征求意见：{'、'.join(names[a] for a in ids)}，{deadline.isoformat()} 前反馈")
        return rid

    def _round(self, round_id: int) -> sqlite3.Row:
        row = self.conn.execute("SELECT * FROM comment_rounds WHERE id = ?", (int(round_id),)).fetchone()
        if row is None:
            raise _errors().NotFound(f"找不到征求意见轮次 #{round_id}")
        return row

    def record_comment(self, actor: Staff, round_id: int, association_id: int, text: str) -> int:
        """An association's comment on the draft; the comment's id."""
        self._need(actor, (Role.CLERK, Role.SUPERVISOR), "登记协会意见")
        if not (text or "").strip():
            raise _errors().InvalidAction("意见内容不能为空")
        r = self._round(round_id)
        if not self.conn.execute("SELECT 1 FROM comment_round_associations WHERE round_id = ? AND association_id = ?",
                                 (r["id"], int(association_id))).fetchone():
            raise _errors().InvalidAction("该协会不在本轮征求意见的范围内")
        name = self._association_names([int(association_id)])[int(association_id)]
        now = self._now_s()
        late = self.clock.today().isoformat() > r["deadline"]  # type: ignore[attr-defined]
        with self.write() as c:  # type: ignore[attr-defined]
            cur = c.execute("INSERT INTO policy_comments(round_id, association_id, text, at, recorded_by) VALUES (?,?,?,?,?)",
                            (r["id"], int(association_id), text.strip(), now, actor.login))
            self._policy_event(c, r["policy_id"], now, actor.login, "comment",
                               f"{name}{'（逾期）' if late else ''}：{text.strip()[:200]}")
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def forward_comments(self, actor: Staff, round_id: int, department: int | str | None = None, note: str = "") -> int:
        """Forward the round's comments not yet forwarded to the issuing
        department (default: the policy's issuer); returns how many."""
        self._need(actor, (Role.SUPERVISOR,), "转交意见")
        r = self._round(round_id)
        p = self.policy(r["policy_id"])
        to = self.department(department).short_name if department is not None else p.issuer  # type: ignore[attr-defined]
        if not to:
            raise _errors().InvalidAction("该政策未注明发文单位，请指定转交单位")
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            n = c.execute("UPDATE policy_comments SET forwarded_at = ?, forwarded_by = ?, forwarded_to = ? "
                          "WHERE round_id = ? AND forwarded_at IS NULL", (now, actor.login, to, r["id"])).rowcount
            if n == 0:
                raise _errors().InvalidAction("没有待转交的意见")
            self._policy_event(c, p.id, now, actor.login, "forward",
                               f"第 {r['id']} 轮 {n} 条意见转交 {to}" + (f"：{note.strip()}" if note and note.strip() else ""))
        return n

    def decide_comment(self, actor: Staff, comment_id: int, adopted: bool, reason: str) -> None:
        """Record the issuing department's answer on one forwarded comment:
        adopted or rejected, with a reason."""
        self._need(actor, (Role.SUPERVISOR,), "登记意见采纳情况")
        if not (reason or "").strip():
            raise _errors().InvalidAction("请填写采纳或不采纳的理由")
        row = self.conn.execute("SELECT c.*, r.policy_id, a.name FROM policy_comments c JOIN comment_rounds r ON r.id = c.round_id "
                                "JOIN associations a ON a.id = c.association_id WHERE c.id = ?", (int(comment_id),)).fetchone()
        if row is None:
            raise _errors().NotFound(f"找不到意见 #{comment_id}")
        if row["forwarded_at"] is None:
            raise _errors().InvalidAction("该意见尚未转交发文单位")
        decision = "adopted" if adopted else "rejected"
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            c.execute("UPDATE policy_comments SET decision = ?, reason = ?, decided_at = ?, decided_by = ? WHERE id = ?",
                      (decision, reason.strip(), now, actor.login, row["id"]))
            self._policy_event(c, row["policy_id"], now, actor.login, "decide",
                               f"{row['name']}的意见{'采纳' if adopted else '不采纳'}：{reason.strip()}",
                               {"decision": [row["decision"], decision]})

    def comment_rounds(self, policy_id: int) -> list[dict[str, Any]]:
        """The policy's rounds, each with its associations and comments (and their fate)."""
        out = []
        for r in self.conn.execute("SELECT * FROM comment_rounds WHERE policy_id = ? ORDER BY id", (int(policy_id),)):
            assocs = [dict(a) for a in self.conn.execute(
                "SELECT a.id, a.name FROM comment_round_associations x JOIN associations a ON a.id = x.association_id "
                "WHERE x.round_id = ? ORDER BY a.id", (r["id"],))]
            comments = [dict(c) for c in self.conn.execute(
                "SELECT c.*, a.name AS association_name FROM policy_comments c JOIN associations a ON a.id = c.association_id "
                "WHERE c.round_id = ? ORDER BY c.id", (r["id"],))]
            status = ("open" if not comments or any(c["forwarded_at"] is None for c in comments)
                      else "closed" if all(c["decision"] for c in comments) else "forwarded")
            out.append({**dict(r), "associations": assocs, "comments": comments, "status": status,
                        "status_label": {"open": "征求中", "forwarded": "已转交", "closed": "已反馈"}[status]})
        return out

    # -- policy feedback survey ------------------------------------------------------------
    def record_feedback(self, actor: Staff, policy_id: int, *, enterprise_name: str, topic: str, satisfaction: str,
                        text: str = "", uscc: str | None = None, complaint: bool = False,
                        department: int | str | None = None) -> int:
        """An enterprise's feedback on how a policy is carried out; the id.

        ``complaint`` marks a complaint that ``department`` waters the policy
        down; it can then become a supervised ticket (:meth:`feedback_to_ticket`)."""
        self._need(actor, (Role.CLERK, Role.SUPERVISOR), "登记政策反馈")
        p = self.policy(policy_id)
        name = (enterprise_name or "").strip()
        if not name:
            raise _errors().InvalidAction("企业名称不能为空")
        try:
            t = pol.parse_topic(topic)
            sat = pol.parse_feedback_satisfaction(satisfaction)
            code = validate_uscc(uscc) if uscc and str(uscc).strip() else None
        except ValueError as exc:
            raise _errors().InvalidAction(str(exc)) from None
        dept_id = self.department(department).id if department not in (None, "") else None  # type: ignore[attr-defined]
        if complaint and dept_id is None:
            raise _errors().InvalidAction("投诉部门落实不到位，须注明被投诉的部门")
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            # the enterprise's directory record (created when the center meets it here first)
            ent = self.ensure_enterprise(c, name, code, source="feedback", now=now)  # type: ignore[attr-defined]
            cur = c.execute(
                "INSERT INTO policy_feedback(policy_id, enterprise_name, uscc, topic, satisfaction, text, complaint, "
                "department_id, at, recorded_by, enterprise_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (p.id, name, code, t, sat, (text or "").strip(), int(bool(complaint)), dept_id, now, actor.login, ent))
            self._policy_event(c, p.id, now, actor.login, "feedback",
                               f"{name}：{t}·{pol.FEEDBACK_SATISFACTION[sat]}{'·投诉落实不到位' if complaint else ''}")
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def feedback(self, *, policy_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
        """Feedback rows, newest first, with the policy title and department name."""
        where, params = self._feedback_where(policy_id, start, end)
        rows = self.conn.execute(
            "SELECT f.*, p.title AS policy_title, d.short_name AS department FROM policy_feedback f "
            "JOIN policies p ON p.id = f.policy_id LEFT JOIN departments d ON d.id = f.department_id "
            f"{where} ORDER BY f.id DESC LIMIT ?", [*params, limit])
        return [dict(r) for r in rows]

    def _feedback_where(self, policy_id: int | None, start: dt.date | None, end: dt.date | None) -> tuple[str, list[Any]]:
        where, params = [], []
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

    def feedback_summary(self, *, policy_id: int | None = None, start: dt.date | None = None,
                         end: dt.date | None = None) -> dict[str, dict[str, Any]]:
        """Per topic (all four, in order): ``count``, each satisfaction, ``complaints``
        and ``satisfaction_rate`` = (满意 + 基本满意) / count (None when none)."""
        where, params = self._feedback_where(policy_id, start, end)
        out = {t: {"count": 0, "satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0, "complaints": 0,
                   "satisfaction_rate": None} for t in pol.FEEDBACK_TOPICS}
        for r in self.conn.execute(f"SELECT topic, satisfaction, complaint, count(*) AS n FROM policy_feedback f {where} "
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

    def feedback_to_ticket(self, actor: Staff, feedback_id: int, note: str = ""):  # -> Ticket
        """Turn a complaint that a department waters a policy down into a
        supervised ticket in one action: 受理 (complaint, source 企服平台, the
        feedback as content) → 派发 to the named department → 督办.

        Each step goes through the core workflow, so the ticket's history is
        complete.  The supervision is recorded at once, before any deadline
        has passed: a supervisions row at level 0 (正常) with body
        "企服平台·政策落实督办" and an ordinary 督办 event whose note says so
        — the ticket's warning ladder then runs as for any other ticket.
        """
        self._need(actor, (Role.SUPERVISOR,), "反馈转督办工单")
        f = self.conn.execute("SELECT * FROM policy_feedback WHERE id = ?", (int(feedback_id),)).fetchone()
        if f is None:
            raise _errors().NotFound(f"找不到政策反馈 #{feedback_id}")
        if not f["complaint"]:
            raise _errors().InvalidAction("只有“投诉部门落实不到位”的反馈可以转为督办工单")
        if f["ticket_id"] is not None:
            num = self.conn.execute("SELECT number FROM tickets WHERE id = ?", (f["ticket_id"],)).fetchone()
            raise _errors().InvalidAction(f"该反馈已转为工单 {num[0] if num else f['ticket_id']}")
        p = self.policy(f["policy_id"])
        dept = self.department(f["department_id"])  # type: ignore[attr-defined]
        topic = f["topic"]
        content = (f"企业反馈{dept.short_name}落实政策《{p.title}》{('（' + p.doc_number + '）') if p.doc_number else ''}"
                   f"不到位（反馈主题：{topic}，满意度：{pol.FEEDBACK_SATISFACTION[f['satisfaction']]}）。"
                   f"企业反映：{f['text'] or '（未填写具体内容）'}")
        intake = TicketIntake(source=Source.PLATFORM, appeal_type=AppealType.COMPLAINT, enterprise_name=f["enterprise_name"],
                              uscc=f["uscc"], title=f"政策落实投诉：{p.title}"[:200], content=content)
        t = self.accept(actor, intake)  # type: ignore[attr-defined]
        with self.write() as c:  # type: ignore[attr-defined]
            c.execute("UPDATE policy_feedback SET ticket_id = ? WHERE id = ?", (t.id, f["id"]))
            self._policy_event(c, p.id, self._now_s(), actor.login, "feedback_ticket",
                               f"反馈 #{f['id']} 转为工单 {t.number}，派发 {dept.short_name} 并督办")
        t = self.dispatch(actor, t.id, dept.id, version=t.version, note="政策反馈投诉转办")  # type: ignore[attr-defined]
        body = "企服平台·政策落实督办"
        text = (note or "").strip() or f"政策落实投诉督办（由政策反馈 #{f['id']} 转办，未超期即督办）"

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            c.execute("INSERT INTO supervisions(ticket_id, level, body, actor, at, note) VALUES (?,?,?,?,?,?)",
                      (row["id"], 0, body, actor.login, format_datetime(now), text))
            return {}

        from .rules import Action

        return self._act(actor, t.id, Action.SUPERVISE, t.version, change, note=text)  # type: ignore[attr-defined]

    # -- the knowledge base ---------------------------------------------------------------
    def _clean_knowledge(self, values: dict[str, Any]) -> dict[str, Any]:
        try:
            return pol.validate_knowledge_fields(values, self.categories(),  # type: ignore[attr-defined]
                                                 lambda ref: self.department(ref).short_name)  # type: ignore[attr-defined]
        except ValueError as exc:
            raise _errors().InvalidAction(str(exc)) from None

    def create_knowledge(self, actor: Staff, question: str, answer: str, category: str = "",
                         department: str = "") -> KnowledgeEntry:
        """A new knowledge entry, with its owning department."""
        self.require_knowledge_editor(actor, "新建知识库条目")
        v = self._clean_knowledge({"question": question, "answer": answer, "category": category, "department": department})
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            if c.execute("SELECT 1 FROM knowledge WHERE question = ?", (v["question"],)).fetchone():
                raise _errors().InvalidAction("知识库中已有相同的问题，请直接修改该条目")
            cur = c.execute("INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by) "
                            "VALUES (?,?,?,?,?,?)", (v["question"], v["answer"], v["category"], v["department"], now, actor.login))
            kid = int(cur.lastrowid)  # type: ignore[arg-type]
            c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                      (kid, now, actor.login, "create", "新建", json.dumps({k: [None, x] for k, x in v.items() if x}, ensure_ascii=False)))
        return self.knowledge_entry(kid)  # type: ignore[attr-defined]

    def update_knowledge(self, actor: Staff, knowledge_id: int, changes: dict[str, Any], *,
                         expect_updated_at: str | None = None) -> KnowledgeEntry:
        """Edit an entry; records who and when (and the change in its history)."""
        self.require_knowledge_editor(actor, "修改知识库条目")
        unknown = [k for k in changes if k not in ("question", "answer", "category", "department")]
        if unknown:
            raise _errors().InvalidAction(f"不能修改的字段：{'、'.join(unknown)}")
        now = self._now_s()
        with self.write() as c:  # type: ignore[attr-defined]
            row = c.execute("SELECT * FROM knowledge WHERE id = ?", (int(knowledge_id),)).fetchone()
            if row is None:
                raise _errors().NotFound(f"找不到知识库条目 #{knowledge_id}")
            if expect_updated_at is not None and row["updated_at"] != expect_updated_at:
                raise _errors().InvalidAction(f"该条目已被 {row['updated_by'] or '他人'} 修改，请重新载入后再改（您填写的内容已保留）")
            v = self._clean_knowledge({**{k: row[k] for k in ("question", "answer", "category", "department")}, **changes})
            diff = {k: [row[k], x] for k, x in v.items() if row[k] != x}
            if diff:
                if "question" in diff and c.execute("SELECT 1 FROM knowledge WHERE question = ? AND id != ?",
                                                    (v["question"], row["id"])).fetchone():
                    raise _errors().InvalidAction("知识库中已有相同的问题")
                sets = {k: v[k] for k in diff}
                sets.update(updated_at=now, updated_by=actor.login)
                c.execute(f"UPDATE knowledge SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), row["id"]])
                c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                          (row["id"], now, actor.login, "edit", "", json.dumps(diff, ensure_ascii=False)))
        return self.knowledge_entry(knowledge_id)  # type: ignore[attr-defined]

    def knowledge_history(self, knowledge_id: int) -> list[dict[str, Any]]:
        return [{**dict(r), "changes": json.loads(r["changes"])} for r in self.conn.execute(
            "SELECT * FROM knowledge_events WHERE knowledge_id = ? ORDER BY id", (int(knowledge_id),))]

    def knowledge_updated_by(self, knowledge_id: int) -> str:
        row = self.conn.execute("SELECT updated_by FROM knowledge WHERE id = ?", (int(knowledge_id),)).fetchone()
        return row[0] if row else ""

    # -- import batches (rows validated by policies.import_*) ------------------------------
    def import_policy_batch(self, actor: Staff, rows: Sequence[dict[str, Any]], source: str) -> tuple[int, int, int]:
        """Insert validated policy rows in one transaction: (imported, drafts, duplicates).

        Complete rows come in published (expired when their end date has
        passed), incomplete ones as drafts; a row whose (title, doc number)
        is already in the library is left alone."""
        self.require_policy_manager(actor, "导入政策")
        now = self._now_s()
        today = self.clock.today().isoformat()  # type: ignore[attr-defined]
        imported = drafts = dup = 0
        with self.write() as c:  # type: ignore[attr-defined]
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
                self._policy_event(c, int(cur.lastrowid), now, actor.login, "import",  # type: ignore[arg-type]
                                   f"从 {source} 第 {line} 行导入（{PolicyStatus(status).label}）")
        return imported, drafts, dup

    def import_knowledge_batch(self, actor: Staff, rows: Sequence[dict[str, Any]], source: str) -> tuple[int, int, int]:
        """Insert validated knowledge rows in one transaction: (imported, 0, duplicates)."""
        self.require_knowledge_editor(actor, "导入知识库")
        now = self._now_s()
        imported = dup = 0
        with self.write() as c:  # type: ignore[attr-defined]
            for r in rows:
                cur = c.execute("INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by) "
                                "VALUES (?,?,?,?,?,?) ON CONFLICT(question) DO NOTHING",
                                (r["question"], r["answer"], r["category"], r["department"], now, actor.login))
                if cur.rowcount == 0:
                    dup += 1
                    continue
                imported += 1
                c.execute("INSERT INTO knowledge_events(knowledge_id, at, actor, action, note) VALUES (?,?,?,?,?)",
                          (cur.lastrowid, now, actor.login, "import", f"从 {source} 第 {r.get('line')} 行导入"))
        return imported, 0, dup
