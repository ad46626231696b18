"""The first release's schema (migration 1) and the SQL helpers every later
migration uses: full-text index triggers and append-only history tables.
:mod:`.schema` numbers the migrations."""

from __future__ import annotations

from typing import Sequence

from .fts import KNOWLEDGE_FTS_COLUMNS, POLICY_FTS_COLUMNS

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


# ---------------------------------------------------------------- migration 1

# tickets, history, calendar, reference data, policies and knowledge (the core)
_CORE_1 = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE departments (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        short_name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('municipal', 'county')),
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE staff (
        login TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'department', 'admin')),
        department_id INTEGER REFERENCES departments(id),
        center TEXT NOT NULL DEFAULT '市企业服务中心',
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        CHECK (role != 'department' OR department_id IS NOT NULL)
    );
    CREATE TABLE enterprises (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        uscc TEXT UNIQUE,
        district TEXT NOT NULL DEFAULT '',
        industry TEXT NOT NULL DEFAULT '',
        contact_name TEXT NOT NULL DEFAULT '',
        contact_phone TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX enterprises_name ON enterprises(name);
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        external_id TEXT UNIQUE,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        appeal_type TEXT NOT NULL,
        enterprise_id INTEGER REFERENCES enterprises(id),
        enterprise_name TEXT NOT NULL,
        uscc TEXT,
        contact_name TEXT NOT NULL DEFAULT '',
        contact_phone TEXT NOT NULL DEFAULT '',
        district TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        department_id INTEGER REFERENCES departments(id),
        dispatched_at TEXT,
        clock_start TEXT,
        time_limit INTEGER,
        extension_days INTEGER NOT NULL DEFAULT 0,
        due_date TEXT,
        due_provisional INTEGER NOT NULL DEFAULT 0,
        signed_at TEXT,
        replied_at TEXT,
        reply_text TEXT NOT NULL DEFAULT '',
        direct_answer INTEGER NOT NULL DEFAULT 0,
        closed_at TEXT,
        close_reason TEXT,
        satisfaction TEXT,
        followup_count INTEGER NOT NULL DEFAULT 0,
        unreachable_count INTEGER NOT NULL DEFAULT 0,
        reopen_count INTEGER NOT NULL DEFAULT 0,
        return_count INTEGER NOT NULL DEFAULT 0,
        pending_extension_days INTEGER,
        pending_extension_reason TEXT,
        pending_return_reason TEXT,
        confidential INTEGER NOT NULL DEFAULT 0,
        max_level INTEGER NOT NULL DEFAULT 0,
        merged_into INTEGER REFERENCES tickets(id),
        knowledge_id INTEGER,
        created_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT,
        updated_by TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1
    );
    -- the queue's tabs and sorts, overall and within one department
    CREATE INDEX tickets_status_received ON tickets(status, received_at, id);
    CREATE INDEX tickets_received ON tickets(received_at, id);
    CREATE INDEX tickets_dept_status_received ON tickets(department_id, status, received_at, id);
    -- the warning ladder: open tickets by due date (covering the per-department counts)
    CREATE INDEX tickets_status_due ON tickets(status, due_date, department_id);
    CREATE INDEX tickets_dept_status_due ON tickets(department_id, status, due_date);
    -- warned_tickets: only the open tickets at a department (a few percent of the
    -- table), in due-date order, holding every column it returns, so the list of
    -- all warned tickets is read without a table look-up or a sort per ticket
    CREATE INDEX tickets_awaiting_due ON tickets(due_date, id, department_id, due_provisional, confidential, status,
        appeal_type, number, external_id, enterprise_name, title) WHERE status IN ('dispatched', 'signed', 'reopened');
    CREATE INDEX tickets_type_received ON tickets(appeal_type, received_at, id);
    CREATE INDEX tickets_source_received ON tickets(source, received_at, id);
    CREATE INDEX tickets_enterprise ON tickets(enterprise_id, status);
    CREATE INDEX tickets_uscc ON tickets(uscc);
    CREATE INDEX tickets_name ON tickets(enterprise_name);
    CREATE INDEX tickets_phone ON tickets(contact_phone);
    CREATE INDEX tickets_dispatched ON tickets(dispatched_at);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT,
        note TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_ticket ON events(ticket_id, id);
    CREATE INDEX events_action_at ON events(action, at);
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, '工单历史只能追加，不能修改'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, '工单历史只能追加，不能删除'); END;

    CREATE TABLE supervisions (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        level INTEGER NOT NULL,
        body TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX supervisions_ticket ON supervisions(ticket_id, id);
    CREATE TRIGGER supervisions_append_only_update BEFORE UPDATE ON supervisions
    BEGIN SELECT RAISE(ABORT, '督办记录只能追加，不能修改'); END;
    CREATE TRIGGER supervisions_append_only_delete BEFORE DELETE ON supervisions
    BEGIN SELECT RAISE(ABORT, '督办记录只能追加，不能删除'); END;

    CREATE TABLE calendar_years (
        year INTEGER PRIMARY KEY,
        source TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        loaded_at TEXT NOT NULL,
        loaded_by TEXT NOT NULL
    );
    -- date → running working-day number, mirrored from workdays.WorkCalendar
    CREATE TABLE workday_index (
        day TEXT PRIMARY KEY,
        num INTEGER NOT NULL,
        workday INTEGER NOT NULL,
        provisional INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE categories (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        code TEXT,
        parent_id INTEGER REFERENCES categories(id),
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE associations (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        contact_name TEXT NOT NULL DEFAULT '',
        contact_phone TEXT NOT NULL DEFAULT '',
        categories TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE policies (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        doc_number TEXT NOT NULL DEFAULT '',
        issuer TEXT NOT NULL DEFAULT '',
        level TEXT NOT NULL DEFAULT 'municipal',
        category TEXT NOT NULL DEFAULT '',
        subcategory TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'other',
        summary TEXT NOT NULL DEFAULT '',
        interpreter_name TEXT NOT NULL DEFAULT '',
        interpreter_phone TEXT NOT NULL DEFAULT '',
        valid_from TEXT,
        valid_until TEXT,
        apply_url TEXT NOT NULL DEFAULT '',
        source_url TEXT NOT NULL DEFAULT '',
        issued_at TEXT,
        published_at TEXT,
        status TEXT NOT NULL DEFAULT 'draft',
        updated_at TEXT,
        updated_by TEXT NOT NULL DEFAULT '',
        UNIQUE (title, doc_number)
    );
    CREATE INDEX policies_kind_until ON policies(kind, valid_until);
    CREATE TABLE knowledge (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL UNIQUE,
        answer TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT '',
        department TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """

# the console's extra indexes (queue)
_QUEUE_1 = """
-- the queue's 全部 tab of a department liaison, newest first (without it a
-- liaison's first page sorts their whole department: ~1 s at 1,000,000 tickets)
CREATE INDEX tickets_dept_received ON tickets(department_id, received_at, id);
-- the queue sorted by due date across every status (全部 tab, 期限 sort)
CREATE INDEX tickets_due ON tickets(due_date, id);
"""


# the policy library, knowledge search, collection, pushes, comments, feedback
_LIBRARY_1 = (
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


# ---------------------------------------------------------------- migration 2 (issue 7)
