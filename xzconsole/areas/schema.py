"""The schema, as numbered migrations (``PRAGMA user_version``).

Migration 1 is the first release's whole schema; every change after it is a
new step, applied in place by :meth:`xzconsole.store.Store.migrate` before
any screen or command runs.  Each area's tables are listed under the area's
name.  History tables (``events``, ``supervisions``, ``policy_events`` …) are
append-only: triggers refuse every UPDATE and DELETE.
"""

from __future__ import annotations

import sqlite3

from .schema_release1 import _CORE_1, _LIBRARY_1, _QUEUE_1, PAD, _append_only, _fts_sync


# the enterprise directory
_DIRECTORY_2 = (
    """
    -- the directory: a merged record points at the one it was merged into
    ALTER TABLE enterprises ADD COLUMN merged_into INTEGER REFERENCES enterprises(id);
    -- how the center first met it: ticket, import, visit, feedback, manual
    ALTER TABLE enterprises ADD COLUMN first_source TEXT NOT NULL DEFAULT 'ticket';
    ALTER TABLE enterprises ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE enterprises ADD COLUMN updated_at TEXT;
    ALTER TABLE enterprises ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE enterprises ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX enterprises_phone ON enterprises(contact_phone);
    -- partial: the few merged records only, so that "merged_into IS NULL" (every
    -- directory list) never picks it over the name index
    CREATE INDEX enterprises_merged ON enterprises(merged_into) WHERE merged_into IS NOT NULL;
    CREATE INDEX enterprises_district_name ON enterprises(district, name);
    -- further contact people of an enterprise (the main one stays on the record);
    -- a removed contact is marked, never deleted
    CREATE TABLE enterprise_contacts (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        name TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        position TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL DEFAULT '',
        removed_at TEXT,
        removed_by TEXT
    );
    CREATE INDEX enterprise_contacts_enterprise ON enterprise_contacts(enterprise_id, id);
    CREATE INDEX enterprise_contacts_phone ON enterprise_contacts(phone);
    -- an enterprise's tickets, newest first: the directory's history page
    CREATE INDEX tickets_enterprise_received ON tickets(enterprise_id, received_at, id);
    -- the record's own history: created, edited, merged (append-only)
    CREATE TABLE enterprise_events (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX enterprise_events_enterprise ON enterprise_events(enterprise_id, id);
    """
    + _append_only("enterprise_events", "企业档案记录")
    + """
    -- a policy pushed to one enterprise (pushes to associations are policy_pushes)
    CREATE TABLE enterprise_pushes (
        id INTEGER PRIMARY KEY,
        policy_id INTEGER NOT NULL REFERENCES policies(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX enterprise_pushes_enterprise ON enterprise_pushes(enterprise_id, id);
    CREATE INDEX enterprise_pushes_policy ON enterprise_pushes(policy_id, id);
    """
    + _append_only("enterprise_pushes", "推送记录")
    + """
    -- feedback on a policy, linked to the enterprise that gave it
    ALTER TABLE policy_feedback ADD COLUMN enterprise_id INTEGER REFERENCES enterprises(id);
    CREATE INDEX policy_feedback_enterprise ON policy_feedback(enterprise_id, id);
    UPDATE policy_feedback SET enterprise_id = coalesce(
        (SELECT e.id FROM enterprises e WHERE e.uscc = policy_feedback.uscc),
        (SELECT e.id FROM enterprises e WHERE e.name = policy_feedback.enterprise_name ORDER BY e.id LIMIT 1));
    -- directory search: name substrings through a trigram index (as the policy library)
    CREATE VIRTUAL TABLE enterprises_fts USING fts5(name, content='enterprises', content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE enterprises_fts_terms USING fts5vocab(enterprises_fts, 'row');
    INSERT INTO enterprises_fts(rowid, name) SELECT id, name || char(31, 31) FROM enterprises;
    """
    + _fts_sync("enterprises", "enterprises_fts", ("name",))
)


# associations
_ASSOCIATIONS_2 = (
    """
    -- set when staff edit an association in the console: reloading data/ then
    -- no longer overwrites its contact and subscriptions
    ALTER TABLE associations ADD COLUMN edited_at TEXT;
    ALTER TABLE associations ADD COLUMN edited_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE associations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE association_members (
        association_id INTEGER NOT NULL REFERENCES associations(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        joined_at TEXT NOT NULL,
        added_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (association_id, enterprise_id)
    ) WITHOUT ROWID;
    CREATE INDEX association_members_enterprise ON association_members(enterprise_id, association_id);
    -- every change to an association: contact, subscriptions, members (append-only)
    CREATE TABLE association_events (
        id INTEGER PRIMARY KEY,
        association_id INTEGER NOT NULL REFERENCES associations(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX association_events_association ON association_events(association_id, id);
    -- the rounds one association was asked in (the table's key starts with the round)
    CREATE INDEX comment_round_associations_association ON comment_round_associations(association_id, round_id);
    """
    + _append_only("association_events", "协会记录")
)


# joint handling (会商会办)
_JOINT_2 = (
    """
    -- 协办: a supporting department's part of a ticket; the lead (主办) is
    -- tickets.department_id, and the ticket counts against the lead only
    CREATE TABLE ticket_parts (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        department_id INTEGER NOT NULL REFERENCES departments(id),
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL,
        clock_start TEXT NOT NULL,
        time_limit INTEGER NOT NULL,
        due_date TEXT NOT NULL,
        due_provisional INTEGER NOT NULL DEFAULT 0,
        submitted_at TEXT,
        submitted_by TEXT,
        text TEXT NOT NULL DEFAULT '',
        withdrawn_at TEXT,
        withdrawn_by TEXT,
        UNIQUE (ticket_id, department_id)
    );
    CREATE INDEX ticket_parts_department ON ticket_parts(department_id, ticket_id);
    CREATE INDEX ticket_parts_open_due ON ticket_parts(due_date, department_id)
        WHERE submitted_at IS NULL AND withdrawn_at IS NULL;
    -- 会商: a consultation meeting on a ticket (append-only minutes)
    CREATE TABLE consultations (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        held_on TEXT NOT NULL,
        place TEXT NOT NULL DEFAULT '',
        departments TEXT NOT NULL DEFAULT '[]',
        attendees TEXT NOT NULL DEFAULT '',
        conclusions TEXT NOT NULL,
        tasks TEXT NOT NULL DEFAULT '[]',
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL
    );
    CREATE INDEX consultations_ticket ON consultations(ticket_id, id);
    """
    + _append_only("consultations", "会商记录")
)


# outreach (十百千万)
_OUTREACH_2 = """
    CREATE TABLE outreach_plans (
        year INTEGER NOT NULL,
        kind TEXT NOT NULL,
        target INTEGER NOT NULL CHECK (target >= 0),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (year, kind)
    ) WITHOUT ROWID;
    CREATE TABLE outreach_activities (
        id INTEGER PRIMARY KEY,
        held_on TEXT NOT NULL,
        kind TEXT NOT NULL,
        place TEXT NOT NULL,
        center TEXT NOT NULL DEFAULT '市企业服务中心',
        departments TEXT NOT NULL DEFAULT '[]',
        staff TEXT NOT NULL DEFAULT '',
        enterprises_reached INTEGER NOT NULL DEFAULT 0 CHECK (enterprises_reached >= 0),
        cards_sent INTEGER NOT NULL DEFAULT 0 CHECK (cards_sent >= 0),
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        voided_at TEXT,
        voided_by TEXT,
        void_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outreach_activities_day ON outreach_activities(held_on, kind);
    -- the enterprises met at an activity (visits), linked to the directory
    CREATE TABLE outreach_enterprises (
        activity_id INTEGER NOT NULL REFERENCES outreach_activities(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        PRIMARY KEY (activity_id, enterprise_id)
    ) WITHOUT ROWID;
    CREATE INDEX outreach_enterprises_enterprise ON outreach_enterprises(enterprise_id, activity_id);
"""


# centers, and the center / visit of each ticket
_CENTERS_2 = """
    -- the city center and the county / district centers (data/centers.toml)
    CREATE TABLE centers (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        level TEXT NOT NULL CHECK (level IN ('city', 'county')),
        district TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1
    );
    -- the center that took the ticket in, and the outreach visit it came from
    ALTER TABLE tickets ADD COLUMN center TEXT NOT NULL DEFAULT '市企业服务中心';
    ALTER TABLE tickets ADD COLUMN visit_id INTEGER REFERENCES outreach_activities(id);
    UPDATE tickets SET center = (SELECT s.center FROM staff s WHERE s.login = tickets.created_by)
        WHERE created_by IN (SELECT login FROM staff WHERE center != '市企业服务中心');
    CREATE INDEX tickets_center_status_received ON tickets(center, status, received_at, id);
    CREATE INDEX tickets_center_received ON tickets(center, received_at, id);
    CREATE INDEX tickets_visit ON tickets(visit_id) WHERE visit_id IS NOT NULL;
    """


# ---------------------------------------------------------------- migration 3 (issues 11, 12)

#: the columns of the tally: every queue filter a tab count can be asked under
#: except dates, search, enterprise and 协办 (those count the tickets themselves)
TALLY_KEY = ("center", "department_id", "appeal_type", "source", "status")
TICKET_FTS_COLUMNS = ("title", "content", "enterprise_name")


def _tally_sync() -> str:
    """Triggers keeping ``ticket_tally`` equal to ``GROUP BY`` over the tickets."""
    def key(row: str) -> str:
        return (f"{row}.center, coalesce({row}.department_id, 0), {row}.appeal_type, {row}.source, {row}.status")

    def where(row: str) -> str:
        return (f"center = {row}.center AND department_id = coalesce({row}.department_id, 0) "
                f"AND appeal_type = {row}.appeal_type AND source = {row}.source AND status = {row}.status")

    add = ("INSERT INTO ticket_tally(center, department_id, appeal_type, source, status, n) VALUES ({key}, 1) "
           "ON CONFLICT(center, department_id, appeal_type, source, status) DO UPDATE SET n = n + 1;")
    return f"""
    CREATE TRIGGER ticket_tally_insert AFTER INSERT ON tickets BEGIN
        {add.format(key=key("new"))}
    END;
    CREATE TRIGGER ticket_tally_delete AFTER DELETE ON tickets BEGIN
        UPDATE ticket_tally SET n = n - 1 WHERE {where("old")};
    END;
    CREATE TRIGGER ticket_tally_update AFTER UPDATE OF {", ".join(TALLY_KEY)} ON tickets
    WHEN old.center IS NOT new.center OR old.department_id IS NOT new.department_id
      OR old.appeal_type IS NOT new.appeal_type OR old.source IS NOT new.source OR old.status IS NOT new.status
    BEGIN
        UPDATE ticket_tally SET n = n - 1 WHERE {where("old")};
        {add.format(key=key("new"))}
    END;
    """


#: filling the tally from the tickets (migration, and after a bulk load)
TALLY_FILL = """
    INSERT INTO ticket_tally(center, department_id, appeal_type, source, status, n)
    SELECT center, coalesce(department_id, 0), appeal_type, source, status, count(*) FROM tickets GROUP BY 1, 2, 3, 4, 5;
"""
#: filling the search index from the tickets (migration, and after a bulk load)
TICKET_FTS_FILL = f"""
    INSERT INTO tickets_fts(rowid, {", ".join(TICKET_FTS_COLUMNS)})
    SELECT id, {", ".join(f"{c} || {PAD}" for c in TICKET_FTS_COLUMNS)} FROM tickets;
"""

# Ticket numbers: each day's last sequence number, so a number is never
# derived from max(number) as text ("…100000" sorts below "…99999").
_NUMBERS_3 = """
    CREATE TABLE ticket_seq (day TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
"""

# The queue's tab counts without counting: the tickets grouped by every
# column a tab count can be filtered by, kept exact by triggers.
_TALLY_3 = """
    CREATE TABLE ticket_tally (
        center TEXT NOT NULL,
        department_id INTEGER NOT NULL,  -- 0: not dispatched
        appeal_type TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (center, department_id, appeal_type, source, status)
    ) WITHOUT ROWID;
""" + TALLY_FILL + _tally_sync() + """
    -- the warning levels of the tab counts: open tickets only, by every tally column
    CREATE INDEX tickets_awaiting_filters ON tickets(center, department_id, appeal_type, source, due_date)
        WHERE status IN ('dispatched', 'signed', 'reopened');
    -- the header's provisional-calendar mark: one look-up
    CREATE INDEX tickets_awaiting_provisional ON tickets(due_provisional)
        WHERE status IN ('dispatched', 'signed', 'reopened');
"""

# The queue's search: substrings of title, content and enterprise name through
# a trigram index (as the policy library), instead of a LIKE scan of every ticket.
_TICKET_SEARCH_3 = f"""
    CREATE VIRTUAL TABLE tickets_fts USING fts5({", ".join(TICKET_FTS_COLUMNS)},
        content='tickets', content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE tickets_fts_terms USING fts5vocab(tickets_fts, 'row');
""" + TICKET_FTS_FILL + _fts_sync("tickets", "tickets_fts", TICKET_FTS_COLUMNS)


# 是否解决: the enterprise's own answer at the call-back (1 已解决, 0 未解决,
# NULL not asked or not reached); 12345 counts 解决率 on it (SPEC §8)
_RESOLVED_4 = """
    ALTER TABLE tickets ADD COLUMN resolved INTEGER CHECK (resolved IN (0, 1));
"""


# the 12345 exchange folder (issue 13): which inbox files it took in, and the
# results files it wrote — each covers the history lines (from_event, to_event],
# so the position survives a restart or a crash; ``published`` is set once the
# file has its final name in the outbox
_EXCHANGE = """
    CREATE TABLE exchange_files (
        id INTEGER PRIMARY KEY,
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'unreadable')),
        imported INTEGER NOT NULL DEFAULT 0,
        duplicate INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        finished_at TEXT NOT NULL
    );
    CREATE INDEX exchange_files_name ON exchange_files(folder, name, sha256);
    CREATE TABLE exchange_results (
        id INTEGER PRIMARY KEY,
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        from_event INTEGER NOT NULL,
        to_event INTEGER NOT NULL,
        tickets INTEGER NOT NULL,
        written_at TEXT NOT NULL,
        published INTEGER NOT NULL DEFAULT 0,
        UNIQUE (folder, name)
    );
"""


# Issue 14. Notifications: routes an admin keeps (where to send which events)
# and the outbox, one row per (route, key); key = ticket:event:level:round, so
# a message is computed once and delivered at most once per route.
# The assessment: per (month, center) the sums of the settled tickets' facts
# (store.reports.counts), dropped by triggers whenever a ticket dispatched in
# that month changes or the calendar changes; and
# the open tickets by dispatch time, which are always counted afresh.
_NOTIFY_AND_ASSESSMENT = """
    CREATE TABLE notify_routes (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        department_id INTEGER REFERENCES departments(id),
        role TEXT,
        events TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        CHECK ((department_id IS NULL) <> (role IS NULL))
    );
    CREATE TABLE notify_outbox (
        id INTEGER PRIMARY KEY,
        route_id INTEGER NOT NULL REFERENCES notify_routes(id),
        key TEXT NOT NULL,
        ticket_id INTEGER REFERENCES tickets(id),
        event TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dropped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        last_error TEXT NOT NULL DEFAULT '',
        UNIQUE (route_id, key)
    );
    CREATE INDEX notify_outbox_pending ON notify_outbox(next_at, id) WHERE status = 'pending';

    CREATE TABLE assessment_cache (
        month TEXT NOT NULL,
        center TEXT NOT NULL,  -- '' for every center
        evaluated_at TEXT NOT NULL,
        rows TEXT NOT NULL,
        PRIMARY KEY (month, center)
    ) WITHOUT ROWID;
    CREATE TRIGGER assessment_cache_ticket_insert AFTER INSERT ON tickets WHEN new.dispatched_at IS NOT NULL BEGIN
        DELETE FROM assessment_cache WHERE month = substr(new.dispatched_at, 1, 7);
    END;
    CREATE TRIGGER assessment_cache_ticket_update AFTER UPDATE ON tickets BEGIN
        DELETE FROM assessment_cache WHERE month IN (substr(old.dispatched_at, 1, 7), substr(new.dispatched_at, 1, 7));
    END;
    CREATE TRIGGER assessment_cache_ticket_delete AFTER DELETE ON tickets BEGIN
        DELETE FROM assessment_cache WHERE month = substr(old.dispatched_at, 1, 7);
    END;
    CREATE TRIGGER assessment_cache_calendar_insert AFTER INSERT ON workday_index BEGIN
        DELETE FROM assessment_cache;
    END;
    CREATE TRIGGER assessment_cache_calendar_update AFTER UPDATE ON workday_index BEGIN
        DELETE FROM assessment_cache;
    END;
    CREATE TRIGGER assessment_cache_calendar_delete AFTER DELETE ON workday_index BEGIN
        DELETE FROM assessment_cache;
    END;
    CREATE INDEX tickets_awaiting_dispatched ON tickets(dispatched_at) WHERE status IN ('dispatched', 'signed', 'reopened');
"""


# department liaisons as authors (issue 15): a liaison's policy draft goes to
# the center for review; a liaison's knowledge entries are reviewed by the center
_POLICY_AUTHORS = """
-- '' the center's own policy; editing / submitted / returned / approved: a department's draft and its review
ALTER TABLE policies ADD COLUMN review TEXT NOT NULL DEFAULT '';
ALTER TABLE policies ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
CREATE INDEX policies_review ON policies(review, issuer);
-- '' reviewed by the center; pending: written by a department, awaiting the center; returned: sent back with a reason
ALTER TABLE knowledge ADD COLUMN review TEXT NOT NULL DEFAULT '';
ALTER TABLE knowledge ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
-- 0 for a department's new entry the center has not yet accepted: not offered to the hotline
ALTER TABLE knowledge ADD COLUMN accepted INTEGER NOT NULL DEFAULT 1;
CREATE INDEX knowledge_department ON knowledge(department, updated_at);
"""


# Oversight accounts (issue 14): 市营商办 and 市纪委监委 are staff roles, so the
# staff table's role CHECK is rebuilt (SQLite cannot alter a CHECK; nothing
# references staff by key); 问责 records, append-only, one row per opening and
# one per closing; the scope's ``max_level`` look-up (with the status, so the
# queue's tab counts read the index alone) and the supervisor's pending
# requests (延期 / 超期退回) each get an index.
_OVERSIGHT = """
    CREATE TABLE staff_oversight (
        login TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'department', 'admin', 'business_office', 'discipline')),
        department_id INTEGER REFERENCES departments(id),
        center TEXT NOT NULL DEFAULT '市企业服务中心',
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        CHECK (role != 'department' OR department_id IS NOT NULL)
    );
    INSERT INTO staff_oversight(login, name, role, department_id, center, disabled, created_at)
        SELECT login, name, role, department_id, center, disabled, created_at FROM staff;
    DROP TABLE staff;
    ALTER TABLE staff_oversight RENAME TO staff;

    CREATE TABLE accountability (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        -- 'open' starts a 问责 case; 'close' ends the case named by case_id
        kind TEXT NOT NULL CHECK (kind IN ('open', 'close')),
        case_id INTEGER REFERENCES accountability(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        department_id INTEGER REFERENCES departments(id),
        outcome TEXT NOT NULL DEFAULT '',
        CHECK (kind = 'open' OR case_id IS NOT NULL)
    );
    CREATE INDEX accountability_ticket ON accountability(ticket_id, id);
    CREATE UNIQUE INDEX accountability_one_close ON accountability(case_id) WHERE kind = 'close';
""" + _append_only("accountability", "问责记录") + """
    CREATE INDEX tickets_max_level ON tickets(max_level, status);
    CREATE INDEX tickets_pending ON tickets(id)
        WHERE pending_extension_days IS NOT NULL OR pending_return_reason IS NOT NULL;
"""


# 专栏 and 置顶 (issue 15): named collections of policies in an order, and the pinned key policies
_POLICY_COLUMNS = """
CREATE TABLE policy_columns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE policy_column_items (
    column_id INTEGER NOT NULL REFERENCES policy_columns(id),
    policy_id INTEGER NOT NULL REFERENCES policies(id),
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (column_id, policy_id)
);
CREATE INDEX policy_column_items_policy ON policy_column_items(policy_id);
CREATE TABLE policy_pins (
    policy_id INTEGER PRIMARY KEY REFERENCES policies(id),
    position INTEGER NOT NULL,
    pinned_at TEXT NOT NULL,
    pinned_by TEXT NOT NULL
);
"""


# 政策兑现台账 (issue 15): policy funds paid to enterprises, in fen
_GRANTS = """
CREATE TABLE policy_grants (
    id INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    policy_id INTEGER NOT NULL REFERENCES policies(id),
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    granted_on TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    batch TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    line INTEGER,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (enterprise_id, policy_id, batch)
);
CREATE INDEX policy_grants_policy ON policy_grants(policy_id);
CREATE INDEX policy_grants_day ON policy_grants(granted_on);
"""


# 定制点餐 as a work order (issue 15): the center asks a drafting department
# for a draft by a working-day deadline, then sends it out for comments
_COMMENT_ORDERS = """
CREATE TABLE comment_orders (
    id INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    topic TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    draft_due TEXT NOT NULL,
    policy_id INTEGER REFERENCES policies(id),
    attached_at TEXT,
    attached_by TEXT,
    round_id INTEGER REFERENCES comment_rounds(id),
    answer_days INTEGER NOT NULL DEFAULT 5
);
CREATE INDEX comment_orders_department ON comment_orders(department_id, id);
"""


# 服务专班 / 专员包挂 (issue 15): a named center staff member per association, and their service log
_ASSOCIATION_SERVICE = (
    """
    ALTER TABLE associations ADD COLUMN service_login TEXT;
    CREATE TABLE association_service_log (
        id INTEGER PRIMARY KEY,
        association_id INTEGER NOT NULL REFERENCES associations(id),
        served_on TEXT NOT NULL,
        kind TEXT NOT NULL,
        note TEXT NOT NULL,
        staff TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX association_service_log_association ON association_service_log(association_id, served_on, id);
    CREATE INDEX association_service_log_staff ON association_service_log(staff, served_on);
    """
    + _append_only("association_service_log", "服务日志")
)


#: the queue's saved filters (issue 16, SPEC §9): a clerk's own tabs, per staff login
_SAVED_FILTERS = """
CREATE TABLE saved_filters (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    name TEXT NOT NULL,
    tab TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    search TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (login, name)
);
"""

#: the directory found by pinyin and initials (issue 16): ``xzjs`` / ``xuzhou``
#: finds 徐州…建设….  Each record stores its name's keys (lower case, no tones;
#: :func:`xzconsole.pinyin_keys.keys`), indexed for prefix ranges and in a
#: trigram index for substrings.  SQL cannot compute pinyin: the columns start
#: NULL and :func:`xzconsole.areas.directory.fill_name_keys` fills them after
#: this step (the command line runs it after migrating); a rename by any path
#: that does not give the new keys clears them, so they are filled again
#: rather than left stale.
_ENTERPRISE_PINYIN = (
    """
    ALTER TABLE enterprises ADD COLUMN name_pinyin TEXT;
    ALTER TABLE enterprises ADD COLUMN name_initials TEXT;
    CREATE INDEX enterprises_name_pinyin ON enterprises(name_pinyin);
    CREATE INDEX enterprises_name_initials ON enterprises(name_initials);
    CREATE VIRTUAL TABLE enterprises_pinyin_fts USING fts5(name_pinyin, name_initials, content='enterprises',
        content_rowid='id', tokenize='trigram');
    CREATE VIRTUAL TABLE enterprises_pinyin_fts_terms USING fts5vocab(enterprises_pinyin_fts, 'row');
    -- every record has its (empty) row in the index, which the update trigger replaces when its keys are filled
    INSERT INTO enterprises_pinyin_fts(rowid, name_pinyin, name_initials) SELECT id, NULL, NULL FROM enterprises;
    CREATE TRIGGER enterprises_pinyin_stale AFTER UPDATE OF name ON enterprises
        WHEN new.name IS NOT old.name AND new.name_pinyin IS old.name_pinyin BEGIN
        UPDATE enterprises SET name_pinyin = NULL, name_initials = NULL WHERE id = new.id;
    END;
    """
    + _fts_sync("enterprises", "enterprises_pinyin_fts", ("name_pinyin", "name_initials"))
)

MIGRATIONS: list[str] = [
    _CORE_1 + _LIBRARY_1 + _QUEUE_1,
    # the first change after release: existing databases are upgraded in place
    _DIRECTORY_2 + _ASSOCIATIONS_2 + _JOINT_2 + _OUTREACH_2 + _CENTERS_2,
    _NUMBERS_3 + _TALLY_3 + _TICKET_SEARCH_3,
    _RESOLVED_4,
    _EXCHANGE,
    _NOTIFY_AND_ASSESSMENT,
    _POLICY_AUTHORS,
    _OVERSIGHT,
    _POLICY_COLUMNS,
    _GRANTS,
    _COMMENT_ORDERS,
    _ASSOCIATION_SERVICE,
    _SAVED_FILTERS,
    _ENTERPRISE_PINYIN,
]
SCHEMA_VERSION = len(MIGRATIONS)


def split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buf.append(line)
        joined = "\n".join(buf)
        if stripped.endswith(";") and sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    if buf:
        out.append("\n".join(buf))
    return out

