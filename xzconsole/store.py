"""The store: one connection to the shared database, and its areas.

One SQLite file in WAL mode, shared by every console and command on the
server.  :class:`Store` keeps what every area shares — the connection, the
single write path (``BEGIN IMMEDIATE`` with a busy timeout), migrations,
reference data (departments, centers, categories, associations, weights) and
the working-day calendar — and holds the areas as attributes, each an object
with that area's SQL and actions (see :mod:`xzconsole.areas`)::

    store.tickets.dispatch(actor, "XZ2026112600001", "市人社局")
    store.queue.page(actor, TicketFilter(statuses=["new"]))
    store.library.search("社保 补贴")
    store.directory.merge(actor, keep_id, drop_id)

Role checks, state checks and the append-only history live in the areas,
below every screen and command.  Each thread uses a ``Store`` of its own
(SQLite connections stay in their thread; the console's workers borrow
long-lived ones from :class:`Readers`); they all see each other's commits.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator, Self

from .areas.base import (
    AWAITING,
    AWAITING_SQL,
    CITY_CENTER,
    CONFIDENTIAL_MASK,
    DATA_DIR,
    Params,
)
from .areas.queue import TicketFilter
from .areas.replica import is_replicated
from .areas.schema import MIGRATIONS, SCHEMA_VERSION, split_sql
from .clock import Clock, format_datetime
from .errors import (
    IdentityError,
    InvalidAction,
    NotFound,
    PermissionDenied,
    StaleTicket,
    StoreError,
)
from .models import Center, Department
from .workdays import WorkCalendar

if TYPE_CHECKING:  # the areas' modules are imported when an area is first used (below)
    from .workdays import YearSchedule  # with the first stored schedule read (schedules_in)
    from .models import Association  # pydantic: loaded when first read, not with the console
    from .areas.associations import AssociationsArea
    from .areas.collection import CollectionArea
    from .areas.comments import CommentOrders, CommentsArea
    from .areas.directory import DirectoryArea
    from .areas.exchange import ExchangeArea
    from .areas.feed import FeedArea
    from .areas.feedback import FeedbackArea
    from .areas.saved_filters import SavedFiltersArea
    from .areas.grants import GrantsArea
    from .areas.joint import JointArea
    from .areas.knowledge import KnowledgeArea
    from .areas.library import LibraryArea
    from .areas.loader import LoaderArea
    from .areas.notify import NotifyArea
    from .areas.outreach import OutreachArea
    from .areas.oversight import OversightArea
    from .areas.queue import QueueArea
    from .areas.records import TicketRecords
    from .areas.reports import ReportsArea
    from .areas.schedules import SchedulesArea
    from .areas.staff import StaffArea
    from .areas.tickets import BulkResult, TicketsArea
    from .areas.warnings import WarningsArea

BUSY_TIMEOUT_MS = 10_000

# the tables every xzconsole database has had since schema 1
_OUR_TABLES = frozenset({"meta", "staff", "tickets", "departments"})


class NotOurDatabase(StoreError):
    """The file is not an xzconsole database we may use (another application's,
    an empty one where a database was expected, or a newer schema)."""


def check_database(conn: sqlite3.Connection, path: str, *, create: bool, newer_ok: bool) -> str | None:
    """Why ``conn`` must not be used, in Chinese, or None.  Reads only: nothing
    is written to a file that turns out not to be ours."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables and version == 0:
        if create:
            return None
        return (f"{path} 是空数据库，不是 xzconsole 数据库；未作任何改动。"
                f"新建请由管理员执行：xzconsole init --db {path}")
    if version == 0 or not _OUR_TABLES <= tables:
        shown = "、".join(sorted(tables)[:5]) + ("等" if len(tables) > 5 else "")
        return (f"{path} 不是 xzconsole 数据库（其中是其他程序的数据表：{shown or '无'}），拒绝打开，未作任何改动。"
                "请用 --db 指定 xzconsole 的数据库文件")
    if version > SCHEMA_VERSION and not newer_ok:
        return (f"数据库结构版本 {version} 比本程序支持的版本 {SCHEMA_VERSION} 新：请升级 xzconsole"
                "（未作任何改动）")
    return None


class Store:
    """One connection to the shared database, with the areas of the work.

    The core (connection, write path, migrations, reference data, calendar)
    is this class; everything else is an area attribute, built here with the
    core and the other areas it needs.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Clock | None = None, *, migrate: bool = True,
                 create: bool = True) -> None:
        """Open ``path``.  Before anything is written (WAL mode, migrations) the
        file is checked: another application's database is refused, so is an
        empty one unless ``create``, and a newer schema when ``migrate``."""
        self.path = str(path)
        self.clock = clock or Clock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            refusal = check_database(self.conn, self.path, create=create, newer_ok=not migrate)
        except BaseException:
            self.conn.close()
            raise
        if refusal is not None:
            self.conn.close()
            raise NotOurDatabase(refusal)
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")
            if is_replicated(self.path):
                # Litestream copies WAL frames before they are checkpointed and
                # must be the only one to checkpoint (its own advice); without
                # replication the database keeps checkpointing itself
                self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self._lock = threading.RLock()
        self._calendar: WorkCalendar | None = None
        self._calendar_rev: str | None = None
        self._dept_cache: dict[int, Department] | None = None
        if migrate:
            self.migrate()

    # -- the areas ----------------------------------------------------------------
    # Each area is built on first use (and kept): a console that shows the
    # queue never imports nor builds the other areas, a worker's store only
    # what its work asks for.  Each is given the core and the areas it calls.
    @cached_property
    def records(self) -> TicketRecords:
        from .areas.records import TicketRecords

        return TicketRecords(self)

    @cached_property
    def staff(self) -> StaffArea:
        from .areas.staff import StaffArea

        return StaffArea(self)

    @cached_property
    def feed(self) -> FeedArea:
        from .areas.feed import FeedArea

        return FeedArea(self)

    @cached_property
    def loader(self) -> LoaderArea:
        from .areas.loader import LoaderArea

        return LoaderArea(self)

    @cached_property
    def queue(self) -> QueueArea:
        from .areas.queue import QueueArea

        return QueueArea(self, self.records)

    @cached_property
    def reports(self) -> ReportsArea:
        from .areas.reports import ReportsArea

        return ReportsArea(self)

    @cached_property
    def knowledge(self) -> KnowledgeArea:
        from .areas.knowledge import KnowledgeArea

        return KnowledgeArea(self)

    @cached_property
    def collection(self) -> CollectionArea:
        from .areas.collection import CollectionArea

        return CollectionArea(self)

    @cached_property
    def library(self) -> LibraryArea:
        from .areas.library import LibraryArea

        return LibraryArea(self, self.collection)

    @cached_property
    def comments(self) -> CommentsArea:
        from .areas.comments import CommentsArea

        return CommentsArea(self, self.library)

    @cached_property
    def orders(self) -> CommentOrders:
        from .areas.comments import CommentOrders

        return CommentOrders(self, self.comments)

    @cached_property
    def associations(self) -> AssociationsArea:
        from .areas.associations import AssociationsArea

        return AssociationsArea(self, self.library)

    @cached_property
    def directory(self) -> DirectoryArea:
        from .areas.directory import DirectoryArea

        return DirectoryArea(self, self.records, self.library)

    @cached_property
    def joint(self) -> JointArea:
        from .areas.joint import JointArea

        return JointArea(self, self.records)

    @cached_property
    def warnings(self) -> WarningsArea:
        from .areas.warnings import WarningsArea

        return WarningsArea(self, lambda: self.joint)  # the joint area only when first needed

    @cached_property
    def schedules(self) -> SchedulesArea:
        from .areas.schedules import SchedulesArea

        return SchedulesArea(self, self.records, self.joint)

    @cached_property
    def tickets(self) -> TicketsArea:
        from .areas.tickets import TicketsArea

        return TicketsArea(self, self.records, self.directory, self.joint)

    @cached_property
    def outreach(self) -> OutreachArea:
        from .areas.outreach import OutreachArea

        return OutreachArea(self, self.records, self.directory)

    @cached_property
    def saved_filters(self) -> SavedFiltersArea:
        from .areas.saved_filters import SavedFiltersArea

        return SavedFiltersArea(self)

    @cached_property
    def feedback(self) -> FeedbackArea:
        from .areas.feedback import FeedbackArea

        return FeedbackArea(self, self.records, self.directory, self.tickets, self.library)

    @cached_property
    def exchange(self) -> ExchangeArea:
        from .areas.exchange import ExchangeArea

        return ExchangeArea(self)

    @cached_property
    def notify(self) -> NotifyArea:
        from .areas.notify import NotifyArea

        return NotifyArea(self, self.warnings)

    @cached_property
    def oversight(self) -> OversightArea:
        from .areas.oversight import OversightArea

        return OversightArea(self, self.records, self.queue, self.tickets)

    @cached_property
    def grants(self) -> GrantsArea:
        from .areas.grants import GrantsArea

        return GrantsArea(self, self.directory)

    # -- plumbing -------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken with ``BEGIN IMMEDIATE``.

        IMMEDIATE takes the write lock up front, so two consoles acting at once
        wait for each other (busy timeout) instead of failing half-way.

        On some errors (a full disk: SQLITE_FULL, I/O errors, …) SQLite has
        already rolled the transaction back itself: then there is nothing to
        roll back, and the error that says why is the one raised, not
        "cannot rollback - no transaction is active".  A COMMIT that fails
        (the disk filling at commit) is rolled back too, so the connection is
        never left inside a transaction.
        """
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise

    def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already; a failing
        rollback never hides the error that caused it."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def q(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query (``sqlite3.Row``: read columns by name)."""
        rows: list[sqlite3.Row] = self.conn.execute(sql, params).fetchall()
        return rows

    def q1(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def now(self) -> dt.datetime:
        return self.clock.now()

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

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
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

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
            current = int(c.execute("PRAGMA user_version").fetchone()[0])
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in split_sql(MIGRATIONS[version - 1]):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {version}")
                ran += 1
            if current == 0:
                self.refresh_workday_index(c)
            else:
                # the Python step of an upgrade, in the same transaction: the
                # records' pinyin keys, which SQL cannot compute (a no-op when
                # none lacks them) — whoever opens the database first, the
                # console or the command line, leaves the directory searchable
                from .areas.directory import fill_name_keys
                fill_name_keys(c)
        return ran

    # -- reference data ---------------------------------------------------------
    def load_reference_data(self, data_dir: Path | None = None) -> dict[str, int]:
        """Load or refresh the reference data from ``data/`` (idempotent):
        centers, departments, categories, associations, weights, and through
        the collection area the policy sources and publication targets.

        No policies and no knowledge entries: a center's library starts empty
        of invented content; the demo's sample library is loaded by the demo
        build (``xzconsole.demo.policies.load_sample_library``)."""
        # json and tomllib: imported by the few calls that read or write them, not with the console (issue 11)
        import json
        import tomllib

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
        centers = read("centers.toml").get("center", [])
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
        self._dept_cache = None
        counts.update(self.collection.load_reference(data_dir))  # policy sources, publication targets (store_policies)
        counts["aliases"] = self.exchange.load_aliases(data_dir)  # 12345's vocabulary, checked against the above
        return counts

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

    def centers(self) -> list[Center]:
        """The city center first, then the county / district centers (data/centers.toml)."""
        rows = self.q("SELECT code, name, level, district FROM centers WHERE active = 1 ORDER BY level = 'county', position")
        return ([Center(code=str(r["code"]), name=str(r["name"]), level=str(r["level"]), district=str(r["district"]))
                 for r in rows]
                or [Center(code="city", name=CITY_CENTER, level="city", district="")])

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

    def weights(self) -> dict[str, object]:
        """The assessment weights as data/weights.toml gave them: values are
        numbers when the file is right, and whatever it held otherwise (the
        report checks each and refuses a bad one in Chinese)."""
        row = self.q1("SELECT value FROM settings WHERE key = 'weights'")
        if row:
            import json

            stored: dict[str, object] = json.loads(row["value"])
            return stored
        return {"response_rate": 0.30, "resolution_rate": 0.35, "satisfaction_rate": 0.35}

    # -- the calendar -----------------------------------------------------------
    def calendar(self) -> WorkCalendar:
        """The shared calendar: the center's stored schedules over the packages.

        Cached, and rebuilt when another process loaded a schedule (a one-row read).
        """
        row = self.q1("SELECT value FROM meta WHERE key = 'calendar_rev'")
        rev = row["value"] if row else "0"
        if self._calendar is None or rev != self._calendar_rev:
            self._calendar = WorkCalendar(self.schedules_in(self.conn))  # not store.schedules: issue 11
            self._calendar_rev = rev
        return self._calendar

    # -- plumbing -------------------------------------------------------------
    def disconnect(self) -> None:
        """Close the connection (``close`` is the ticket action 办结)."""
        self.conn.close()

    # -- meta -------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def is_demo(self) -> bool:
        """A demo database (the demo generator sets meta 'demo' = '1')."""
        return self.meta("demo") == "1"

    # -- backup and health ---------------------------------------------------------
    def backup_to(self, dest: str | os.PathLike[str]) -> str:
        """Copy the live database to ``dest``, checked and switched into place
        whole (:func:`xzconsole.areas.backup.backup_database`); 'ok' or raises."""
        from .areas.backup import backup_database

        return backup_database(self.conn, self.path, dest)

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` lines (['ok'] when healthy)."""
        return [str(r[0]) for r in self.conn.execute("PRAGMA integrity_check(20)")]

    def journal_mode(self) -> str:
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0])

    def association_list(self) -> list[Association]:
        import json

        from .models import Association

        rows = self.q("SELECT * FROM associations ORDER BY id")
        return [Association.model_validate({**dict(r), "categories": json.loads(r["categories"])}) for r in rows]

    def workday_number(self, day: dt.date, cal: WorkCalendar | None = None) -> int:
        """The running working-day number of ``day`` (``workday_index.num``), the
        base every overdue and response figure is counted against."""
        row = self.q1("SELECT num FROM workday_index WHERE day = ?", (day.isoformat(),))
        if row is not None:
            return int(row["num"])
        # outside the mirrored range: ask the calendar, on the same numbering base
        cal = cal or self.calendar()
        base = self.q1("SELECT num FROM workday_index WHERE day = '2004-01-01'")
        return cal.number(day) - cal.number(dt.date(2004, 1, 1)) + (int(base[0]) if base else 0)

    def refresh_workday_index(self, c: sqlite3.Connection, calendar: WorkCalendar | None = None) -> None:
        cal = calendar or WorkCalendar(self.schedules_in(c))
        last_year = max(self.now().year + 5, 2031)
        c.execute("DELETE FROM workday_index")
        c.executemany(
            "INSERT INTO workday_index(day, num, workday, provisional) VALUES (?, ?, ?, ?)",
            cal.index_rows(dt.date(2004, 1, 1), dt.date(last_year, 12, 31)),
        )

    def schedules_in(self, c: sqlite3.Connection) -> list[YearSchedule]:
        rows = c.execute("SELECT body FROM calendar_years ORDER BY year").fetchall()
        if not rows:
            return []  # most databases store none: the calendar is built without the schedule module (issue 11)
        from .workdays import YearSchedule

        return [YearSchedule.from_toml(r[0]) for r in rows]

    def now_s(self) -> str:
        return format_datetime(self.now())


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
        """The connection's ``data_version``: it changes when anyone else commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()


class Readers:
    """Long-lived read connections for the console's worker threads.

    A worker used to open a ``Store`` of its own for every page and every
    count (a connection, its pragmas and eighteen areas: milliseconds each
    time, and every cache thrown away with it).  ``Readers`` keeps the ones
    opened so far and hands one to each worker for the length of its work
    (``with readers.reader() as store``): one worker per connection at a
    time, so SQLite's one-thread rule holds, and a store's caches (the
    queue's counts, the calendar, the departments) serve the next worker.
    A worker may write through it too (a bulk action): the write path is
    the same ``BEGIN IMMEDIATE``.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Clock | None = None) -> None:
        self.path = str(path)
        self.clock = clock
        self._free: list[Store] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """A store no other worker is using now (opened when none is free)."""
        with self._lock:
            if self._closed:
                raise StoreError("数据库连接已关闭")
            store = self._free.pop() if self._free else None
        if store is None:
            store = Store(self.path, self.clock, migrate=False)
        try:
            yield store
        finally:
            with self._lock:
                if self._closed:
                    store.disconnect()
                else:
                    self._free.append(store)

    def close(self) -> None:
        """Close every idle connection now, and each busy one when its worker is done."""
        with self._lock:
            self._closed = True
            idle, self._free = self._free, []
        for store in idle:
            store.disconnect()


def open_store(path: str | os.PathLike[str], clock: Clock | None = None) -> Store:
    """Open (and migrate) the database at ``path``; the directory must exist."""
    parent = Path(path).expanduser().resolve().parent
    if not parent.exists():
        raise StoreError(f"数据库目录不存在：{parent}")
    return Store(Path(path).expanduser(), clock)


__all__ = [
    "AWAITING",
    "AWAITING_SQL",
    "CITY_CENTER",
    "CONFIDENTIAL_MASK",
    "ChangeWatcher",
    "DATA_DIR",
    "IdentityError",
    "InvalidAction",
    "NotFound",
    "NotOurDatabase",
    "PermissionDenied",
    "Readers",
    "SCHEMA_VERSION",
    "StaleTicket",
    "Store",
    "StoreError",
    "TicketFilter",
    "open_store",
]
