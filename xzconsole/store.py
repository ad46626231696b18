"""The only module that speaks SQL: schema, migrations, and every workflow action.

One SQLite file in WAL mode, shared by every console and command on the
server.  Each write is one short ``BEGIN IMMEDIATE`` transaction that checks the
actor's role, the ticket's state and its version, changes the ticket, bumps the
version and appends an event to a history the database itself refuses to
update or delete.  Role checks live here, below every screen and command.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import sqlite_utils

from . import rules
from .clock import Clock, format_datetime, local_date, parse_datetime
from .models import (
    AppealType,
    Association,
    CloseReason,
    Department,
    Enterprise,
    Event,
    KnowledgeEntry,
    Policy,
    PolicyKind,
    PolicyLevel,
    PolicyStatus,
    Role,
    Satisfaction,
    Source,
    Staff,
    Status,
    Supervision,
    Ticket,
    TicketIntake,
)
from .rules import Action, WarningLevel
from . import (
    store_associations,
    store_bulk,
    store_console,
    store_enterprises,
    store_import,
    store_joint,
    store_outreach,
    store_policies,
    store_reports,
)
from .store_associations import AssociationsMixin
from .store_bulk import BulkMixin
from .store_console import ConsoleMixin
from .store_enterprises import EnterprisesMixin
from .store_import import ImportMixin
from .store_joint import JointMixin
from .store_outreach import OutreachMixin
from .store_policies import PoliciesMixin
from .store_replica import is_replicated
from .store_reports import ReportsMixin
from .workdays import WorkCalendar, YearSchedule

DATA_DIR = Path(os.environ.get("XZCONSOLE_DATA") or Path(__file__).resolve().parent.parent / "data")
SCHEMA_VERSION = 2
CITY_CENTER = "市企业服务中心"
BUSY_TIMEOUT_MS = 10_000
AWAITING = (Status.DISPATCHED.value, Status.SIGNED.value, Status.REOPENED.value)
_AWAITING_SQL = ", ".join(f"'{s}'" for s in AWAITING)  # literal form, for the partial index's queries
CONFIDENTIAL_MASK = "（保密）"

# ---------------------------------------------------------------- errors


class StoreError(Exception):
    """A refusal with a message a clerk can read (Chinese)."""


class NotFound(StoreError):
    pass


class PermissionDenied(StoreError):
    pass


class InvalidAction(StoreError):
    pass


class StaleTicket(StoreError):
    """Someone else changed the ticket since it was read."""

    def __init__(self, number: str, changed_by: str, changed_at: str, version: int) -> None:
        self.number, self.changed_by, self.changed_at, self.version = number, changed_by, changed_at, version
        when = changed_at.replace("T", " ")[:16] if changed_at else "刚才"
        super().__init__(f"工单 {number} 已被 {changed_by or '他人'} 于 {when} 修改，请重新载入后再操作（您填写的内容已保留）")


class IdentityError(StoreError):
    pass


# ---------------------------------------------------------------- schema

_MIGRATIONS: list[str] = [
    # 1: the whole first schema
    """
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
    + store_import.SCHEMA
    + store_bulk.SCHEMA
    + store_reports.SCHEMA
    + store_policies.SCHEMA
    + store_console.SCHEMA,
    # 2: enterprises, associations, joint handling, centers, outreach (issue 7).
    # The first change after release: existing databases are upgraded in place.
    store_enterprises.SCHEMA_2
    + store_associations.SCHEMA_2
    + store_joint.SCHEMA_2
    + store_outreach.SCHEMA_2
    + """
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
    """,
]


# ---------------------------------------------------------------- helpers

_TS_FIELDS = {"received_at", "dispatched_at", "signed_at", "replied_at", "closed_at", "updated_at"}
_DATE_FIELDS = {"due_date", "clock_start"}


def _row_to_ticket(row: sqlite3.Row) -> Ticket:
    d = dict(row)
    return Ticket.model_validate(d)


def _now_str(value: dt.datetime) -> str:
    return format_datetime(value)


@dataclass
class TicketFilter:
    """What the queue asks for: a tab, narrowing filters and a search."""

    statuses: Sequence[str] | None = None
    level: WarningLevel | None = None  # only tickets at this warning level now
    department_id: int | None = None
    appeal_type: str | None = None
    source: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    search: str | None = None
    enterprise_id: int | None = None
    center: str | None = None  # the center that took the tickets in (None: every center)
    # 协办: tickets where the department (the liaison's own, or department_id)
    # has a supporting part, instead of those it leads
    supporting: bool = False


SORTS = {
    # name: (column, descending)
    "received": ("received_at", True),
    "due": ("due_date", False),
    "warning": ("due_date", False),  # most overdue first = earliest due date first
}


@dataclass
class BulkResult:
    done: list[str]
    failed: list[tuple[str, str]]  # (number, reason)


class Store(ImportMixin, BulkMixin, ReportsMixin, PoliciesMixin, ConsoleMixin, EnterprisesMixin,
            AssociationsMixin, JointMixin, OutreachMixin):
    """One connection to the shared database, with the current user's actions.

    The core (this file) holds the schema, tickets and the workflow; the
    mixins in ``store_*.py`` hold the SQL of imports, the demo loader,
    reports, the policy library and the console's extra look-ups.

    Each thread opens its own ``Store`` (SQLite connections are not shared
    across threads); they all see each other's commits.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Clock | None = None, *, migrate: bool = True) -> None:
        self.path = str(path)
        self.clock = clock or Clock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")
            if is_replicated(self.path):
                # Litestream copies WAL frames before they are checkpointed and
                # must be the one that checkpoints (litestream.io/tips): no
                # automatic checkpoints from this connection while it replicates.
                self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.db = sqlite_utils.Database(self.conn)
        self._lock = threading.RLock()
        self._calendar: WorkCalendar | None = None
        self._calendar_rev: str | None = None
        self._dept_cache: dict[int, Department] | None = None
        if migrate:
            self.migrate()

    # -- plumbing -------------------------------------------------------------
    def disconnect(self) -> None:
        """Close the connection (``close`` is the ticket action 办结)."""
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken with ``BEGIN IMMEDIATE``.

        IMMEDIATE takes the write lock up front, so two consoles acting at once
        wait for each other (busy timeout) instead of failing half-way.
        """
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def q(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def q1(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def now(self) -> dt.datetime:
        return self.clock.now()

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Several reads that must agree with each other, in one read transaction."""
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                yield
            finally:
                self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes when another connection commits (cheap; poll it for live screens)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # -- migrations -------------------------------------------------------------
    def migrate(self) -> int:
        """Bring the schema to ``SCHEMA_VERSION``; returns how many steps ran.

        Runs inside ``BEGIN IMMEDIATE`` and re-reads the version there, so two
        processes opening a new database at once do not both migrate it.
        """
        if self.schema_version() >= SCHEMA_VERSION:
            return 0
        ran = 0
        with self.write() as c:
            current = c.execute("PRAGMA user_version").fetchone()[0]
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _split_sql(_MIGRATIONS[version - 1]):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {version}")
                ran += 1
            if current == 0:
                self._refresh_workday_index(c)
        return ran

    # -- reference data ---------------------------------------------------------
    def load_reference_data(self, data_dir: Path | None = None) -> dict[str, int]:
        """Load or refresh departments, categories, associations, weights and the
        starter knowledge base and policies from ``data/`` (idempotent)."""
        data_dir = Path(data_dir or DATA_DIR)
        counts: dict[str, int] = {}

        def read(name: str) -> dict[str, Any]:
            path = data_dir / name
            if not path.exists():
                return {}
            with open(path, "rb") as fh:
                return tomllib.load(fh)

        departments = read("departments.toml").get("department", [])
        categories = read("categories.toml").get("category", [])
        associations = read("associations.toml").get("association", [])
        weights = read("weights.toml")
        knowledge = read("knowledge.toml").get("entry", [])
        policies = read("policies.toml").get("policy", [])
        centers = read("centers.toml").get("center", [])
        now = _now_str(self.now())
        with self.write() as c:
            for i, ctr in enumerate(centers):
                c.execute(
                    "INSERT INTO centers(code, name, level, district, position) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level, "
                    "district = excluded.district, position = excluded.position",
                    (ctr["code"], ctr["name"], ctr.get("level", "county"), ctr.get("district", ""), i),
                )
            counts["centers"] = len(centers)
            for d in departments:
                c.execute(
                    "INSERT INTO departments(code, name, short_name, kind) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name, kind = excluded.kind",
                    (d["code"], d["name"], d["short_name"], d.get("kind", "municipal")),
                )
            counts["departments"] = len(departments)
            for i, cat in enumerate(categories):
                c.execute(
                    "INSERT INTO categories(name, code, parent_id, position) VALUES (?, ?, NULL, ?) "
                    "ON CONFLICT(name) DO UPDATE SET code = excluded.code, position = excluded.position",
                    (cat["name"], cat.get("code"), i),
                )
                parent = c.execute("SELECT id FROM categories WHERE name = ?", (cat["name"],)).fetchone()[0]
                for j, sub in enumerate(cat.get("subcategories", [])):
                    c.execute(
                        "INSERT INTO categories(name, code, parent_id, position) VALUES (?, NULL, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET parent_id = excluded.parent_id, position = excluded.position",
                        (sub, parent, j),
                    )
            counts["categories"] = len(categories)
            for a in associations:
                c.execute(
                    "INSERT INTO associations(code, name, contact_name, contact_phone, categories) VALUES (?, ?, ?, ?, ?) "
                    # an association staff edited in the console keeps its contact and subscriptions
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
                    "contact_name = CASE WHEN edited_at IS NULL THEN excluded.contact_name ELSE contact_name END, "
                    "contact_phone = CASE WHEN edited_at IS NULL THEN excluded.contact_phone ELSE contact_phone END, "
                    "categories = CASE WHEN edited_at IS NULL THEN excluded.categories ELSE categories END",
                    (a["code"], a["name"], a.get("contact_name", ""), a.get("contact_phone", ""),
                     json.dumps(a.get("categories", []), ensure_ascii=False)),
                )
            counts["associations"] = len(associations)
            if weights:
                c.execute(
                    "INSERT INTO settings(key, value) VALUES ('weights', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (json.dumps(weights),),
                )
            for k in knowledge:
                c.execute(
                    "INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by) "
                    "VALUES (?, ?, ?, ?, ?, 'data') ON CONFLICT(question) DO NOTHING",
                    (k["question"], k["answer"], k.get("category", ""), k.get("department", ""), now),
                )
            counts["knowledge"] = len(knowledge)
            for p in policies:
                self._insert_policy(c, p, now)
            counts["policies"] = len(policies)
        self._dept_cache = None
        counts.update(self.load_policy_reference(data_dir))  # policy sources, publication targets (store_policies)
        return counts

    def _insert_policy(self, c: sqlite3.Connection, p: dict[str, Any], now: str) -> bool:
        """Insert a policy from a data/ or import row; published when complete."""
        def s(v: Any) -> str:
            return "" if v is None else str(v)

        level = PolicyLevel.parse(p.get("level") or "市").value
        kind = PolicyKind.parse(p.get("kind") or "其他").value
        policy = Policy(
            title=s(p["title"]), doc_number=s(p.get("doc_number")), issuer=s(p.get("issuer")),
            level=level, category=s(p.get("category")), subcategory=s(p.get("subcategory")), kind=kind,
            summary=s(p.get("summary")), interpreter_name=s(p.get("interpreter_name")),
            interpreter_phone=s(p.get("interpreter_phone")),
        )
        status = p.get("status") or ("draft" if policy.publish_refusal() else "published")
        until = p.get("valid_until")
        if status == "published" and until and str(until) < self.now().date().isoformat():
            status = "expired"
        cur = c.execute(
            "INSERT INTO policies(title, doc_number, issuer, level, category, subcategory, kind, summary, "
            "interpreter_name, interpreter_phone, valid_from, valid_until, apply_url, source_url, issued_at, "
            "published_at, status, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(title, doc_number) DO NOTHING",
            (policy.title, policy.doc_number, policy.issuer, level, policy.category, policy.subcategory, kind,
             policy.summary, policy.interpreter_name, policy.interpreter_phone,
             _date_or_none(p.get("valid_from")), _date_or_none(until), s(p.get("apply_url")), s(p.get("source_url")),
             _date_or_none(p.get("issued_at")), _date_or_none(p.get("published_at")), status, now, "data"),
        )
        return cur.rowcount > 0

    def departments(self, *, include_inactive: bool = False) -> list[Department]:
        if self._dept_cache is None:
            rows = self.q("SELECT id, code, name, short_name, kind, active FROM departments ORDER BY kind DESC, id")
            self._dept_cache = {r["id"]: Department.model_validate(dict(r)) for r in rows}
        return [d for d in self._dept_cache.values() if include_inactive or d.active]

    def department(self, ref: int | str) -> Department:
        """A department by id, code, full name or short name (all accepted everywhere)."""
        self.departments()
        assert self._dept_cache is not None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            d = self._dept_cache.get(int(ref))
            if d:
                return d
        text = str(ref).strip()
        for d in self._dept_cache.values():
            if text in (d.code, d.name, d.short_name):
                return d
        raise NotFound(f"找不到单位“{text}”（可用全称、简称或代码）")

    def department_name(self, dept_id: int | None) -> str | None:
        if dept_id is None:
            return None
        self.departments()
        assert self._dept_cache is not None
        d = self._dept_cache.get(dept_id)
        return d.short_name if d else None

    def centers(self) -> list[dict[str, Any]]:
        """The city center first, then the county / district centers (data/centers.toml)."""
        rows = self.q("SELECT code, name, level, district FROM centers WHERE active = 1 ORDER BY level = 'county', position")
        return [dict(r) for r in rows] or [{"code": "city", "name": CITY_CENTER, "level": "city", "district": ""}]

    def center_name(self, ref: str) -> str:
        """A center by code, full name or district (a clear refusal otherwise)."""
        text = (ref or "").strip()
        for ctr in self.centers():
            if text in (ctr["code"], ctr["name"], ctr["district"]) and text:
                return ctr["name"]
        names = "、".join(ctr["name"] for ctr in self.centers())
        raise NotFound(f"找不到服务中心“{text}”（可选：{names}）")

    def categories(self) -> dict[str, list[str]]:
        """Category name → its subcategory names, in the data file's order."""
        tops = self.q("SELECT id, name FROM categories WHERE parent_id IS NULL ORDER BY position")
        out: dict[str, list[str]] = {}
        for t in tops:
            out[t["name"]] = [r["name"] for r in self.q("SELECT name FROM categories WHERE parent_id = ? ORDER BY position", (t["id"],))]
        return out

    def associations(self) -> list[Association]:
        rows = self.q("SELECT * FROM associations ORDER BY id")
        return [Association.model_validate({**dict(r), "categories": json.loads(r["categories"])}) for r in rows]

    def weights(self) -> dict[str, float]:
        row = self.q1("SELECT value FROM settings WHERE key = 'weights'")
        if row:
            return json.loads(row["value"])
        return {"response_rate": 0.30, "resolution_rate": 0.35, "satisfaction_rate": 0.35}

    # -- staff and identity ----------------------------------------------------
    def add_staff(self, actor: Staff | None, login: str, role: Role | str, *, name: str = "",
                  department: str | int | None = None, center: str = CITY_CENTER) -> Staff:
        """Add (or re-enable and update) a staff account.  Only an admin may,
        except for the very first account of a new database (bootstrap)."""
        role = Role.parse(role)  # type: ignore[assignment]
        login = (login or "").strip()
        if not login or any(ch.isspace() for ch in login):
            raise StoreError("登录名不能为空，也不能含空格")
        dept_id = None
        if role is Role.DEPARTMENT:
            if department is None:
                raise StoreError("承办单位联络员必须指定所属单位（--department）")
            dept_id = self.department(department).id
        elif department is not None:
            dept_id = self.department(department).id
        center = self.center_name(center)  # code, full name or district; refused when unknown
        with self.write() as c:
            n = c.execute("SELECT count(*) FROM staff").fetchone()[0]
            if n and (actor is None or actor.role is not Role.ADMIN):
                raise PermissionDenied("只有管理员可以管理人员账号")
            c.execute(
                "INSERT INTO staff(login, name, role, department_id, center, disabled, created_at) VALUES (?,?,?,?,?,0,?) "
                "ON CONFLICT(login) DO UPDATE SET name = excluded.name, role = excluded.role, "
                "department_id = excluded.department_id, center = excluded.center, disabled = 0",
                (login, name, role.value, dept_id, center, _now_str(self.now())),
            )
        return self.staff(login)

    def disable_staff(self, actor: Staff, login: str) -> Staff:
        if actor.role is not Role.ADMIN:
            raise PermissionDenied("只有管理员可以停用人员账号")
        with self.write() as c:
            cur = c.execute("UPDATE staff SET disabled = 1 WHERE login = ?", (login,))
            if cur.rowcount == 0:
                raise NotFound(f"没有登录名为“{login}”的人员")
        return self.staff(login)

    def staff(self, login: str) -> Staff:
        row = self.q1("SELECT * FROM staff WHERE login = ?", (login,))
        if row is None:
            raise NotFound(f"没有登录名为“{login}”的人员")
        d = dict(row)
        d["department_name"] = self.department_name(d["department_id"])
        return Staff.model_validate(d)

    def list_staff(self) -> list[Staff]:
        return [self.staff(r["login"]) for r in self.q("SELECT login FROM staff ORDER BY role, login")]

    def identify(self, login: str) -> Staff:
        """The staff record of an OS login, refusing unknown and disabled ones."""
        try:
            s = self.staff(login)
        except NotFound:
            raise IdentityError(
                f"系统登录名“{login}”不是本平台的工作人员。请管理员执行：xzconsole staff add {login} --role clerk"
            ) from None
        if s.disabled:
            raise IdentityError(f"账号“{login}”已停用，请联系管理员")
        return s

    # -- the calendar -----------------------------------------------------------
    def calendar(self) -> WorkCalendar:
        """The shared calendar: the center's stored schedules over the packages.

        Cached, and rebuilt when another process loaded a schedule (a one-row read).
        """
        row = self.q1("SELECT value FROM meta WHERE key = 'calendar_rev'")
        rev = row["value"] if row else "0"
        if self._calendar is None or rev != self._calendar_rev:
            self._calendar = WorkCalendar(self.schedules())
            self._calendar_rev = rev
        return self._calendar

    def schedules(self) -> list[YearSchedule]:
        out = []
        for r in self.q("SELECT body FROM calendar_years ORDER BY year"):
            out.append(YearSchedule.from_toml(r["body"]))
        return out

    def calendar_years(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.q("SELECT year, source, loaded_at, loaded_by FROM calendar_years ORDER BY year")]

    def _refresh_workday_index(self, c: sqlite3.Connection, calendar: WorkCalendar | None = None) -> None:
        cal = calendar or WorkCalendar(self._schedules_in(c))
        last_year = max(self.now().year + 5, 2031)
        c.execute("DELETE FROM workday_index")
        c.executemany(
            "INSERT INTO workday_index(day, num, workday, provisional) VALUES (?, ?, ?, ?)",
            cal.index_rows(dt.date(2004, 1, 1), dt.date(last_year, 12, 31)),
        )

    def _schedules_in(self, c: sqlite3.Connection) -> list[YearSchedule]:
        return [YearSchedule.from_toml(r[0]) for r in c.execute("SELECT body FROM calendar_years ORDER BY year")]

    def preview_schedule(self, schedule: YearSchedule) -> int:
        """How many open tickets' due dates would move if this schedule were stored."""
        others = [s for s in self.schedules() if s.year != schedule.year]
        new_cal = WorkCalendar([*others, schedule])
        return sum(1 for _ in self._due_changes(self.conn, new_cal))

    def _due_changes(self, c: sqlite3.Connection, cal: WorkCalendar) -> Iterator[tuple[int, str, str, int, int, str | None]]:
        rows = c.execute(
            "SELECT id, clock_start, time_limit, extension_days, due_date, due_provisional, version FROM tickets "
            "WHERE status IN (?, ?, ?) AND clock_start IS NOT NULL AND time_limit IS NOT NULL",
            AWAITING,
        ).fetchall()
        for r in rows:
            start = dt.date.fromisoformat(r["clock_start"])
            due = rules.due_from_start(start, r["time_limit"], r["extension_days"], cal)
            prov = int(cal.provisional_between(start, due))
            if due.isoformat() != r["due_date"] or prov != r["due_provisional"]:
                yield r["id"], due.isoformat(), r["due_date"], prov, r["due_provisional"], r["version"]

    def load_schedule(self, actor: Staff, schedule: YearSchedule) -> int:
        """Store the center's schedule for a year and recompute every open
        ticket's due date from it; returns how many due dates moved.  Each
        move is recorded in that ticket's history."""
        if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied("只有值班长或管理员可以修改工作日历")
        now = _now_str(self.now())
        with self.write() as c:
            c.execute(
                "INSERT INTO calendar_years(year, source, body, loaded_at, loaded_by) VALUES (?,?,?,?,?) "
                "ON CONFLICT(year) DO UPDATE SET source = excluded.source, body = excluded.body, "
                "loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by",
                (schedule.year, schedule.source, schedule.text or _schedule_to_toml(schedule), now, actor.login),
            )
            cal = WorkCalendar(self._schedules_in(c))
            moved = 0
            for tid, due, old_due, prov, old_prov, version in list(self._due_changes(c, cal)):
                c.execute(
                    "UPDATE tickets SET due_date = ?, due_provisional = ?, version = version + 1, updated_at = ?, "
                    "updated_by = ? WHERE id = ?",
                    (due, prov, now, actor.login, tid),
                )
                changes = {"due_date": [old_due, due]}
                if prov != old_prov:
                    changes["due_provisional"] = [bool(old_prov), bool(prov)]
                self._event(c, tid, now, actor.login, "recompute_due", None, None,
                            f"{schedule.year} 年工作日历调整，重新计算办理期限", changes)
                moved += 1
            moved += self._recompute_part_dues(c, cal, actor.login, now, schedule.year)
            self._refresh_workday_index(c, cal)
            rev = int((c.execute("SELECT value FROM meta WHERE key = 'calendar_rev'").fetchone() or ["0"])[0]) + 1
            c.execute("INSERT INTO meta(key, value) VALUES ('calendar_rev', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(rev),))
        return moved

    # -- enterprises -------------------------------------------------------------
    def _enterprise_for(self, c: sqlite3.Connection, intake: TicketIntake, now: str) -> int:
        """The directory record of the intake's enterprise (by USCC, else name;
        a merged record leads to the one it went into); created when new."""
        return self.ensure_enterprise(c, intake.enterprise_name, intake.uscc, intake.district, intake.contact_name,
                                      intake.contact_phone, "visit" if intake.source is Source.VISIT else "ticket", now=now)

    def find_enterprises(self, text: str, limit: int = 10) -> list[Enterprise]:
        """Look an enterprise up by USCC (exact; a merged record's gives the one it
        went into) or name (prefix, then substring); merged records never show."""
        t = (text or "").strip()
        if not t:
            return []
        rows = self.q("SELECT e.* FROM enterprises x JOIN enterprises e ON e.id = coalesce(x.merged_into, x.id) "
                      "WHERE x.uscc = ? LIMIT 1", (t.upper(),))
        if not rows:
            rows = self.q("SELECT * FROM enterprises WHERE name >= ? AND name < ? AND merged_into IS NULL "
                          "ORDER BY name LIMIT ?", (t, t + "\uffff", limit))
        if len(rows) < limit:
            seen = {r["id"] for r in rows}
            more = self.q("SELECT * FROM enterprises WHERE instr(name, ?) > 0 AND merged_into IS NULL LIMIT ?",
                          (t, limit * 2))
            rows += [r for r in more if r["id"] not in seen][: limit - len(rows)]
        return [Enterprise.model_validate(dict(r)) for r in rows]

    def open_tickets_of(self, uscc: str | None, name: str) -> list[Ticket]:
        """Open tickets of the same enterprise (USCC, else name): the 重复诉求 flag."""
        if uscc:
            rows = self.q("SELECT * FROM tickets WHERE uscc = ? AND status != 'closed' ORDER BY id DESC LIMIT 20", (uscc,))
        else:
            rows = self.q("SELECT * FROM tickets WHERE enterprise_name = ? AND status != 'closed' ORDER BY id DESC LIMIT 20", (name,))
        return [self._decorate(r) for r in rows]

    # -- reading tickets ------------------------------------------------------
    def _decorate(self, row: sqlite3.Row, viewer: Staff | None = None) -> Ticket:
        t = _row_to_ticket(row)
        t.department_name = self.department_name(t.department_id)
        if viewer is not None and viewer.role is Role.DEPARTMENT and t.confidential:
            t.enterprise_name = CONFIDENTIAL_MASK
            t.uscc = None
            t.contact_name = CONFIDENTIAL_MASK if t.contact_name else ""
            t.contact_phone = CONFIDENTIAL_MASK if t.contact_phone else ""
            t.enterprise_id = None
            t.redacted = True
        return t

    def _visible(self, actor: Staff, row: sqlite3.Row | dict[str, Any], c: sqlite3.Connection | None = None) -> None:
        """A liaison sees the tickets their department leads (主办) or supports (协办)."""
        if actor.role is Role.DEPARTMENT and row["department_id"] != actor.department_id:
            part = (c or self.conn).execute(
                "SELECT 1 FROM ticket_parts WHERE ticket_id = ? AND department_id = ? AND withdrawn_at IS NULL",
                (row["id"], actor.department_id),
            ).fetchone()
            if part is None:
                raise PermissionDenied(f"工单 {row['number']} 不属于您的单位，无权查看或办理")

    def _lead_only(self, actor: Staff, row: sqlite3.Row | dict[str, Any]) -> None:
        """Only the lead department (主办) acts on the ticket itself; a supporting
        one (协办) sends its part to the lead instead."""
        if actor.role is Role.DEPARTMENT and row["department_id"] != actor.department_id:
            raise PermissionDenied(f"贵单位是工单 {row['number']} 的协办单位：请提交协办意见，由主办单位签收、答复")

    def _ticket_row(self, c: sqlite3.Connection, ref: int | str) -> sqlite3.Row:
        if isinstance(ref, int):
            row = c.execute("SELECT * FROM tickets WHERE id = ?", (ref,)).fetchone()
        else:
            row = c.execute("SELECT * FROM tickets WHERE number = ? OR external_id = ?", (ref, ref)).fetchone()
            if row is None and str(ref).isdigit():
                row = c.execute("SELECT * FROM tickets WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            raise NotFound(f"找不到工单“{ref}”")
        return row

    def get_ticket(self, actor: Staff, ref: int | str) -> Ticket:
        """One ticket by id, number or external id, as this actor may see it."""
        row = self._ticket_row(self.conn, ref)
        self._visible(actor, row)
        return self._decorate(row, actor)

    def history(self, actor: Staff, ref: int | str) -> list[Event]:
        row = self._ticket_row(self.conn, ref)
        self._visible(actor, row)
        out = []
        for r in self.q("SELECT * FROM events WHERE ticket_id = ? ORDER BY id", (row["id"],)):
            d = dict(r)
            d["changes"] = json.loads(d["changes"] or "{}")
            out.append(Event.model_validate(d))
        return out

    def supervisions(self, actor: Staff, ref: int | str) -> list[Supervision]:
        row = self._ticket_row(self.conn, ref)
        self._visible(actor, row)
        return [Supervision.model_validate(dict(r)) for r in self.q("SELECT * FROM supervisions WHERE ticket_id = ? ORDER BY id", (row["id"],))]

    def _filter_sql(self, actor: Staff, f: TicketFilter) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        dept = actor.department_id if actor.role is Role.DEPARTMENT else f.department_id
        if f.supporting and dept is not None:
            where.append("id IN (SELECT ticket_id FROM ticket_parts WHERE department_id = ? AND withdrawn_at IS NULL)")
            params.append(dept)
        elif f.supporting:
            where.append("id IN (SELECT ticket_id FROM ticket_parts WHERE withdrawn_at IS NULL)")
        elif dept is not None:
            where.append("department_id = ?")
            params.append(dept)
        if f.center:
            where.append("center = ?")
            params.append(f.center)
        statuses = list(f.statuses) if f.statuses else None
        if f.level is not None:
            statuses = [s for s in (statuses or AWAITING) if s in AWAITING]
            lo, hi = self._level_due_range(f.level, self.clock.today())
            if lo is not None:
                where.append("due_date > ?")
                params.append(lo.isoformat())
            where.append("due_date <= ?")
            params.append(hi.isoformat())
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if f.appeal_type:
            where.append("appeal_type = ?")
            params.append(f.appeal_type)
        if f.source:
            where.append("source = ?")
            params.append(f.source)
        if f.received_from:
            where.append("received_at >= ?")
            params.append(f.received_from.isoformat())
        if f.received_to:
            where.append("received_at < ?")
            params.append((f.received_to + dt.timedelta(days=1)).isoformat())
        if f.enterprise_id is not None:
            where.append("enterprise_id = ?")
            params.append(f.enterprise_id)
        if f.search:
            s = f.search.strip()
            like = "%" + s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(number = ? OR external_id = ? OR uscc = ? OR contact_phone = ? OR enterprise_name LIKE ? ESCAPE '\\' "
                "OR content LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')"
            )
            params.extend([s, s, s.upper(), s, like, like, like])
            if actor.role is Role.DEPARTMENT:  # never find a confidential ticket by its enterprise
                where.append("(confidential = 0 OR NOT (enterprise_name LIKE ? ESCAPE '\\' OR uscc = ? OR contact_phone = ?))")
                params.extend([like, s.upper(), s])
        return where, params

    def _level_due_range(self, level: WarningLevel, today: dt.date) -> tuple[dt.date | None, dt.date]:
        """(exclusive low, inclusive high) due dates of tickets at ``level`` today."""
        cal = self.calendar()
        red = cal.due_threshold(today, rules.RED_AT)
        orange = cal.due_threshold(today, rules.ORANGE_AT)
        past = today - dt.timedelta(days=1)
        if level is WarningLevel.RED:
            return None, red
        if level is WarningLevel.ORANGE:
            return red, orange
        if level is WarningLevel.YELLOW:
            return orange, past
        return past, dt.date(9999, 12, 31)

    def list_tickets(self, actor: Staff, f: TicketFilter | None = None, *, sort: str = "received",
                     after: tuple[Any, int] | None = None, limit: int = 50, descending: bool | None = None) -> list[Ticket]:
        """One keyset page of the queue: never the whole table.

        ``after`` is the (sort value, id) of the last row of the previous page.
        Tickets without a due date sort last when sorting by due date.
        """
        f = f or TicketFilter()
        column, desc = SORTS[sort]
        if descending is not None:
            desc = descending
        where, params = self._filter_sql(actor, f)
        if sort in ("due", "warning"):
            where.append("due_date IS NOT NULL")
        if after is not None:
            op = "<" if desc else ">"
            where.append(f"({column}, id) {op} (?, ?)")
            params.extend([after[0], after[1]])
        order = "DESC" if desc else "ASC"
        sql = f"SELECT * FROM tickets {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {column} {order}, id {order} LIMIT ?"
        params.append(limit)
        return [self._decorate(r, actor) for r in self.q(sql, params)]

    def count_tickets(self, actor: Staff, f: TicketFilter | None = None) -> int:
        where, params = self._filter_sql(actor, f or TicketFilter())
        sql = f"SELECT count(*) FROM tickets {'WHERE ' + ' AND '.join(where) if where else ''}"
        return self.q1(sql, params)[0]  # type: ignore[index]

    # -- warnings ---------------------------------------------------------------
    def level_counts(self, actor: Staff | None = None, now: dt.datetime | None = None) -> dict[int | None, dict[WarningLevel, int]]:
        """Warned tickets per department and level, as of ``now``.

        Plain range conditions on the (status, due_date, department) index: the
        date thresholds come from the calendar (see ``due_threshold``).
        """
        today = local_date(now or self.now())
        cal = self.calendar()
        red = cal.due_threshold(today, rules.RED_AT).isoformat()
        orange = cal.due_threshold(today, rules.ORANGE_AT).isoformat()
        params: list[Any] = [red, orange, red, *AWAITING, today.isoformat()]
        dept = ""
        if actor is not None and actor.role is Role.DEPARTMENT:
            dept = " AND department_id = ?"
            params.append(actor.department_id)
        rows = self.q(
            "SELECT department_id, sum(due_date <= ?) AS red, sum(due_date <= ? AND due_date > ?) AS orange, count(*) AS total "
            f"FROM tickets WHERE status IN (?, ?, ?) AND due_date < ?{dept} GROUP BY department_id",
            params,
        )
        out: dict[int | None, dict[WarningLevel, int]] = {}
        for r in rows:
            out[r["department_id"]] = {
                WarningLevel.RED: r["red"],
                WarningLevel.ORANGE: r["orange"],
                WarningLevel.YELLOW: r["total"] - r["red"] - r["orange"],
            }
        return out

    def warned_tickets(self, actor: Staff | None = None, now: dt.datetime | None = None,
                       limit: int | None = None) -> list[dict[str, Any]]:
        """Every ticket past its due date and awaiting a reply, most severe first,
        with overdue working days from one join against the working-day table."""
        now = now or self.now()
        today = local_date(now)
        cal = self.calendar()
        today_num = self._index_number(today, cal)
        params: list[Any] = [today_num, today.isoformat()]
        dept = ""
        if actor is not None and actor.role is Role.DEPARTMENT:
            dept = " AND t.department_id = ?"
            params.append(actor.department_id)
        # The statuses are written out (code constants, not input) because SQLite
        # only uses the partial index tickets_awaiting_due when the query's own
        # text implies the index's WHERE; bound parameters cannot.
        sql = (
            "SELECT t.id, t.number, t.external_id, t.department_id, t.due_date, t.due_provisional, t.status, "
            "t.appeal_type, t.enterprise_name, t.confidential, t.title, ? - w.num AS overdue "
            "FROM tickets t JOIN workday_index w ON w.day = t.due_date "
            f"WHERE t.status IN ({_AWAITING_SQL}) AND t.due_date < ?{dept} ORDER BY t.due_date, t.id"
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        out = []
        names = {d.id: d.short_name for d in self.departments(include_inactive=True)}
        mask = actor is not None and actor.role is Role.DEPARTMENT
        levels: dict[int, tuple[str, str]] = {}  # overdue days → (level code, body): a handful of values
        # plain tuples, not sqlite3.Row: tens of thousands of rows, every field used once
        cur = self.conn.cursor()
        cur.row_factory = None
        for (tid, number, external_id, dept_id, due, prov, status, appeal_type, name, confidential, title,
             overdue) in cur.execute(sql, params):
            level = levels.get(overdue)
            if level is None:
                lvl = rules.level_for_overdue(True, overdue)
                level = levels[overdue] = (lvl.code, lvl.supervised_by)
            out.append({
                "id": tid,
                "number": number,
                "external_id": external_id,
                "department": names.get(dept_id),
                "due_date": due,
                "due_provisional": prov == 1,
                "overdue_workdays": overdue,
                "level": level[0],
                "supervised_by": level[1],
                "status": status,
                "appeal_type": appeal_type,
                "enterprise_name": CONFIDENTIAL_MASK if mask and confidential else name,
                "title": title,
            })
        return out

    def _index_number(self, day: dt.date, cal: WorkCalendar) -> int:
        row = self.q1("SELECT num FROM workday_index WHERE day = ?", (day.isoformat(),))
        if row is None:  # outside the mirrored range: ask the calendar, same numbering base
            return cal.number(day) - cal.number(dt.date(2004, 1, 1)) + self.q1("SELECT num FROM workday_index WHERE day = '2004-01-01'")[0]  # type: ignore[index]
        return row["num"]

    def current_level(self, t: Ticket, now: dt.datetime | None = None) -> WarningLevel:
        if not t.awaiting_reply:
            return WarningLevel.NONE
        return rules.warning_level(t.due_date, now or self.now(), self.calendar())

    def any_provisional_due(self) -> bool:
        """Whether any open ticket's due date is only provisional (a header mark)."""
        return self.q1(
            "SELECT 1 FROM tickets WHERE status IN (?, ?, ?) AND due_provisional = 1 LIMIT 1", AWAITING
        ) is not None

    # -- the workflow -----------------------------------------------------------
    def _event(self, c: sqlite3.Connection, ticket_id: int, at: str, actor: str, action: str,
               from_status: str | None, to_status: str | None, note: str = "", changes: dict[str, Any] | None = None) -> None:
        c.execute(
            "INSERT INTO events(ticket_id, at, actor, action, from_status, to_status, note, changes) VALUES (?,?,?,?,?,?,?,?)",
            (ticket_id, at, actor, action, from_status, to_status, note or "",
             json.dumps(changes or {}, ensure_ascii=False, default=str)),
        )

    def _act(self, actor: Staff, ref: int | str, action: Action, version: int | None,
             change: Callable[[sqlite3.Connection, sqlite3.Row, dt.datetime], dict[str, Any] | None],
             *, note: str = "", event_action: str | None = None) -> Ticket:
        """The one path every ticket action takes: lock, check, change, record.

        ``change`` returns the columns to set (it may raise to refuse); the
        event records each changed column as [before, after].  Two keys are
        not columns: ``_event`` names the event's action, ``_note`` replaces its
        note with one read inside the transaction.
        """
        if actor.disabled:
            raise PermissionDenied("账号已停用")
        now = self.now()
        now_s = _now_str(now)
        with self.write() as c:
            row = self._ticket_row(c, ref)
            self._visible(actor, row, c)
            if action not in rules.SUPPORTING_ACTIONS:
                self._lead_only(actor, row)
            if version is not None and row["version"] != version:
                raise StaleTicket(row["number"], row["updated_by"], row["updated_at"] or "", row["version"])
            why = rules.refusal(action, actor.role, Status(row["status"]))
            if why:
                raise InvalidAction(why)
            t = rules.TRANSITIONS[action]
            if t.needs_reason and not note.strip():
                raise InvalidAction(f"{action.label}必须填写{'答复内容' if action is Action.REPLY else '理由'}")
            updates = change(c, row, now) or {}
            event_action = updates.pop("_event", None) or event_action
            note = updates.pop("_note", note)
            # the highest warning a ticket reached stays on it (SPEC §5)
            if row["status"] in AWAITING and row["due_date"]:
                lvl = rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, self.calendar())
                if lvl > row["max_level"]:
                    updates.setdefault("max_level", int(lvl))
            changes = {k: [row[k], v] for k, v in updates.items() if k in row.keys() and row[k] != v}
            sets = dict(updates)
            sets.update(version=row["version"] + 1, updated_at=now_s, updated_by=actor.login)
            c.execute(
                f"UPDATE tickets SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ? AND version = ?",
                (*sets.values(), row["id"], row["version"]),
            )
            to_status = updates.get("status", row["status"])
            self._event(c, row["id"], now_s, actor.login, event_action or action.value, row["status"], to_status, note, changes)
            new = c.execute("SELECT * FROM tickets WHERE id = ?", (row["id"],)).fetchone()
        return self._decorate(new, actor)

    def accept(self, actor: Staff, intake: TicketIntake, *, merge_into: int | str | None = None) -> Ticket:
        """受理: take an appeal in (status 待受理).  With ``merge_into`` the new
        appeal is recorded and merged at once into that open ticket."""
        why = rules.refusal(Action.ACCEPT, actor.role, None)
        if why:
            raise PermissionDenied(why)
        if actor.disabled:
            raise PermissionDenied("账号已停用")
        now = self.now()
        received = intake.received_at or now
        now_s = _now_str(now)
        with self.write() as c:
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
            number = self._next_number(c, local_date(received))
            cur = c.execute(
                "INSERT INTO tickets(number, external_id, received_at, source, appeal_type, enterprise_id, enterprise_name, "
                "uscc, contact_name, contact_phone, district, title, content, status, created_by, updated_at, updated_by, "
                "center, visit_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'new',?,?,?,?,?)",
                (number, intake.external_id, _now_str(received), intake.source.value, intake.appeal_type.value, ent,
                 intake.enterprise_name, intake.uscc, intake.contact_name, intake.contact_phone, intake.district,
                 intake.title, intake.content, actor.login, now_s, actor.login, actor.center or CITY_CENTER,
                 intake.visit_id),
            )
            tid = int(cur.lastrowid)  # type: ignore[arg-type]
            where = f"（走访 #{visit['id']} {visit['held_on']} {visit['place']}）" if visit is not None else ""
            if visit is not None:
                c.execute("INSERT OR IGNORE INTO outreach_enterprises(activity_id, enterprise_id) VALUES (?, ?)",
                          (visit["id"], ent))
            self._event(c, tid, now_s, actor.login, Action.ACCEPT.value, None, Status.NEW.value,
                        f"{intake.source.label}受理 · {intake.appeal_type.label}{where}")
        ticket = self.get_ticket(actor, tid)
        if merge_into is not None:
            return self.merge(actor, tid, merge_into, version=ticket.version)
        return ticket

    def _next_number(self, c: sqlite3.Connection, day: dt.date) -> str:
        prefix = "XZ" + day.strftime("%Y%m%d")
        row = c.execute("SELECT max(number) FROM tickets WHERE number >= ? AND number < ?", (prefix, prefix + "~")).fetchone()
        seq = int(row[0][len(prefix):]) + 1 if row and row[0] else 1
        return f"{prefix}{seq:05d}"

    def dispatch(self, actor: Staff, ref: int | str, department: int | str, *, version: int | None = None, note: str = "") -> Ticket:
        """派发 (or 重新派发 a returned ticket): the clock starts for that department."""
        dept = self.department(department)
        cal = self.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            limit = rules.time_limit(row["appeal_type"])
            start = local_date(now)
            due = rules.due_from_start(start, limit, 0, cal)
            # a supporting department that becomes the lead no longer owes a part to itself
            moved = c.execute(
                "UPDATE ticket_parts SET withdrawn_at = ?, withdrawn_by = ? WHERE ticket_id = ? AND department_id = ? "
                "AND submitted_at IS NULL AND withdrawn_at IS NULL", (_now_str(now), actor.login, row["id"], dept.id),
            ).rowcount
            extra = {"_note": f"{label}{'：' + note if note else ''}（原协办单位改任主办，其协办撤回）"} if moved else {}
            return {
                **extra,
                "status": Status.DISPATCHED.value, "department_id": dept.id, "dispatched_at": _now_str(now),
                "clock_start": start.isoformat(), "time_limit": limit, "extension_days": 0, "due_date": due.isoformat(),
                "due_provisional": int(cal.provisional_between(start, due)), "signed_at": None,
                "pending_extension_days": None, "pending_extension_reason": None, "pending_return_reason": None,
            }

        redispatch = self._ticket_row(self.conn, ref)["status"] == Status.RETURNED.value
        label = f"{'重新派发' if redispatch else '派发'}至 {dept.short_name}"
        return self._act(actor, ref, Action.DISPATCH, version, change, note=f"{label}{'：' + note if note else ''}")

    def preview_due(self, appeal_type: AppealType | str, at: dt.datetime | None = None) -> tuple[int, dt.date, bool]:
        """(limit, due date, provisional) if dispatched now — the dispatch preview."""
        cal = self.calendar()
        start = local_date(at or self.now())
        limit = rules.time_limit(appeal_type)
        due = rules.due_from_start(start, limit, 0, cal)
        return limit, due, cal.provisional_between(start, due)

    def sign(self, actor: Staff, ref: int | str, *, version: int | None = None) -> Ticket:
        """签收: the department acknowledges the ticket."""
        return self._act(actor, ref, Action.SIGN, version,
                         lambda c, row, now: {"status": Status.SIGNED.value, "signed_at": _now_str(now)})

    def return_ticket(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        """退回: within 2 working days of dispatch it goes straight back to the
        center; later it becomes a request a supervisor must approve."""
        cal = self.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["pending_return_reason"]:
                raise InvalidAction("已有一个待审批的退回申请")
            if local_date(now) <= rules.return_deadline(row["dispatched_at"], cal):
                return _returned(row)
            # past the window the return is only a request, recorded as such
            return {"pending_return_reason": reason.strip(), "_event": "request_return"}

        return self._act(actor, ref, Action.RETURN, version, change, note=reason)

    def approve_return(self, actor: Staff, ref: int | str, *, version: int | None = None, note: str = "") -> Ticket:
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if not row["pending_return_reason"]:
                raise InvalidAction("没有待审批的退回申请")
            return _returned(row)

        return self._act(actor, ref, Action.APPROVE_RETURN, version, change, note=note)

    def reject_return(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if not row["pending_return_reason"]:
                raise InvalidAction("没有待审批的退回申请")
            return {"pending_return_reason": None}

        return self._act(actor, ref, Action.REJECT_RETURN, version, change, note=reason)

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

        return self._act(actor, ref, Action.REQUEST_EXTENSION, version, change, note=f"申请延期 {days} 个工作日：{reason}")

    def approve_extension(self, actor: Staff, ref: int | str, *, version: int | None = None, note: str = "") -> Ticket:
        cal = self.calendar()

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

        return self._act(actor, ref, Action.APPROVE_EXTENSION, version, change, note=note or "同意延期")

    def reject_extension(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if not row["pending_extension_days"]:
                raise InvalidAction("没有待审批的延期申请")
            return {"pending_extension_days": None, "pending_extension_reason": None}

        return self._act(actor, ref, Action.REJECT_EXTENSION, version, change, note=reason)

    def reply(self, actor: Staff, ref: int | str, text: str, *, version: int | None = None) -> Ticket:
        """答复: the department's answer; stops the clock."""
        cal = self.calendar()

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            upd: dict[str, Any] = {"status": Status.REPLIED.value, "replied_at": _now_str(now), "reply_text": text.strip(),
                                   "pending_extension_days": None, "pending_extension_reason": None,
                                   "pending_return_reason": None}
            if row["due_date"]:
                lvl = rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, cal)
                upd["max_level"] = max(int(lvl), row["max_level"])
            upd["_note"] = text + self._missing_parts_note(c, row["id"])  # 协办 parts still open (store_joint)
            return upd

        return self._act(actor, ref, Action.REPLY, version, change, note=text)

    def direct_answer(self, actor: Staff, ref: int | str, text: str, *, knowledge_id: int | None = None,
                      version: int | None = None) -> Ticket:
        """直接答复: the center answers itself, usually from the knowledge base."""
        if not text.strip():
            raise InvalidAction("直接答复必须填写答复内容")

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            return {"status": Status.REPLIED.value, "replied_at": _now_str(now), "reply_text": text.strip(),
                    "direct_answer": 1, "knowledge_id": knowledge_id}

        src = f"（引用知识库 #{knowledge_id}）" if knowledge_id else ""
        return self._act(actor, ref, Action.DIRECT_ANSWER, version, change, note=text + src)

    def follow_up(self, actor: Staff, ref: int | str, outcome: Satisfaction | str, *, note: str = "",
                  version: int | None = None) -> Ticket:
        """回访: 满意/基本满意 close the ticket; 不满意 waits for 重办 or 办结; the
        third 未联系上 closes it as unreachable."""
        outcome = Satisfaction.parse(outcome)  # type: ignore[assignment]

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            upd: dict[str, Any] = {"followup_count": row["followup_count"] + 1}
            if outcome is Satisfaction.UNREACHABLE:
                n = row["unreachable_count"] + 1
                upd["unreachable_count"] = n
                if row["satisfaction"] is None:
                    upd["satisfaction"] = outcome.value
                if n >= rules.UNREACHABLE_LIMIT:
                    upd.update(status=Status.CLOSED.value, closed_at=_now_str(now), close_reason=CloseReason.UNREACHABLE.value,
                               satisfaction=outcome.value)
                return upd
            upd["satisfaction"] = outcome.value
            if outcome in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED):
                upd.update(status=Status.CLOSED.value, closed_at=_now_str(now), close_reason=CloseReason.RESOLVED.value)
            return upd

        text = f"回访结果：{outcome.label}" + (f"。{note}" if note else "")
        return self._act(actor, ref, Action.FOLLOW_UP, version, change, note=text)

    def reopen(self, actor: Staff, ref: int | str, reason: str, *, version: int | None = None) -> Ticket:
        """重办: an unsatisfied follow-up sends it back to the department with a fresh limit."""
        cal = self.calendar()

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

        return self._act(actor, ref, Action.REOPEN, version, change, note=reason)

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
            return {"status": Status.CLOSED.value, "closed_at": _now_str(now), "close_reason": r.value}

        return self._act(actor, ref, Action.CLOSE, version, change, note=note)

    def merge(self, actor: Staff, ref: int | str, into: int | str, *, version: int | None = None) -> Ticket:
        """Merge a new duplicate appeal into an open ticket of the same enterprise."""
        target = self._ticket_row(self.conn, into)
        self._visible(actor, target)
        if target["status"] == Status.CLOSED.value:
            raise InvalidAction(f"工单 {target['number']} 已办结，不能合并进去")

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if row["id"] == target["id"]:
                raise InvalidAction("不能把工单合并到它自己")
            self._event(c, target["id"], _now_str(now), actor.login, "merged_from", target["status"], target["status"],
                        f"合并重复诉求 {row['number']}：{row['content'][:200]}")
            return {"status": Status.CLOSED.value, "closed_at": _now_str(now), "close_reason": CloseReason.DUPLICATE.value,
                    "merged_into": target["id"]}

        return self._act(actor, ref, Action.MERGE, version, change, note=f"作为重复诉求并入 {target['number']}")

    def mark_confidential(self, actor: Staff, ref: int | str, confidential: bool = True, *,
                          version: int | None = None, note: str = "") -> Ticket:
        """保密: hide the enterprise's identity from department liaisons."""
        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            if confidential and AppealType(row["appeal_type"]) not in rules.CONFIDENTIAL_TYPES:
                raise InvalidAction("只有投诉、举报类工单可以标记保密")
            return {"confidential": int(confidential)}

        return self._act(actor, ref, Action.MARK_CONFIDENTIAL, version, change,
                         note=note or ("标记保密：承办单位不可见企业身份" if confidential else "取消保密"))

    def supervise(self, actor: Staff, ref: int | str, note: str, *, version: int | None = None) -> Ticket:
        """督办: a recorded push by the body the ticket's warning level names."""
        cal = self.calendar()
        rec: dict[str, Any] = {}

        def change(c: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> dict[str, Any]:
            lvl = WarningLevel(row["max_level"])
            if row["status"] in AWAITING and row["due_date"]:
                lvl = max(lvl, rules.warning_level(dt.date.fromisoformat(row["due_date"]), now, cal))
            if lvl is WarningLevel.NONE:
                raise InvalidAction("工单未超期，无需督办")
            c.execute("INSERT INTO supervisions(ticket_id, level, body, actor, at, note) VALUES (?,?,?,?,?,?)",
                      (row["id"], int(lvl), lvl.supervised_by, actor.login, _now_str(now), note))
            rec["level"] = lvl
            return {"max_level": max(int(lvl), row["max_level"])}

        return self._act(actor, ref, Action.SUPERVISE, version, change, note=note or "督办")

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
        dept = self.department(department)
        return self.bulk(actor, refs, lambda r: self.dispatch(actor, r, dept.id), progress)

    def bulk_close_duplicates(self, actor: Staff, refs: Iterable[int | str], note: str = "重复诉求",
                              progress: Callable[[int, int], None] | None = None) -> BulkResult:
        return self.bulk(actor, refs, lambda r: self.close(actor, r, note=note, reason=CloseReason.DUPLICATE), progress)

    # -- knowledge and policies (reading) --------------------------------------
    def search_knowledge(self, words: str, limit: int = 10) -> list[KnowledgeEntry]:
        """Entries whose question or answer holds every word (substring match),
        best first: the trigram index search of store_policies.knowledge_search."""
        return self.knowledge_search(words, limit)

    def knowledge_entry(self, kid: int) -> KnowledgeEntry:
        row = self.q1("SELECT * FROM knowledge WHERE id = ?", (kid,))
        if row is None:
            raise NotFound(f"找不到知识库条目 #{kid}")
        return KnowledgeEntry.model_validate(dict(row))


class ChangeWatcher:
    """Tells cheaply whether any other connection committed (live screens).

    ``PRAGMA data_version`` changes when *another* connection commits, but not
    for the polling connection's own commits nor while it holds a read
    transaction — so it gets a dedicated autocommit connection that runs
    nothing else (one poll costs a few microseconds).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=5)

    def version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


# ---------------------------------------------------------------- module helpers


def _returned(row: sqlite3.Row) -> dict[str, Any]:
    """The columns of a ticket going back to the center after a return."""
    return {"status": Status.RETURNED.value, "department_id": None, "return_count": row["return_count"] + 1,
            "pending_return_reason": None, "pending_extension_days": None, "pending_extension_reason": None,
            "due_date": None, "due_provisional": 0, "clock_start": None}


def _date_or_none(v: Any) -> str | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return parse_datetime(str(v)).date().isoformat()


def _schedule_to_toml(s: YearSchedule) -> str:
    lines = [f"year = {s.year}", f'source = "{s.source}"', "holidays = ["]
    for h in s.holidays:
        lines.append(f'  {{ name = "{h.name}", start = {h.start}, end = {h.end} }},')
    lines.append("]")
    lines.append("workdays = [" + ", ".join(str(d) for d in s.workdays) + "]")
    return "\n".join(lines) + "\n"


def _split_sql(script: str) -> list[str]:
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


def open_store(path: str | os.PathLike[str], clock: Clock | None = None) -> Store:
    """Open (and migrate) the database at ``path``; the directory must exist."""
    parent = Path(path).expanduser().resolve().parent
    if not parent.exists():
        raise StoreError(f"数据库目录不存在：{parent}")
    return Store(Path(path).expanduser(), clock)


__all__ = [
    "AWAITING",
    "BulkResult",
    "ChangeWatcher",
    "IdentityError",
    "InvalidAction",
    "NotFound",
    "PermissionDenied",
    "StaleTicket",
    "Store",
    "StoreError",
    "TicketFilter",
    "open_store",
]
