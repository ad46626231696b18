"""The queue: keyset pages of tickets, the tabs' counts, the palette's ticket look-ups.

What is here and why:

* :meth:`QueueArea.counts` — every tab's row count without counting the
  tickets: the status counts summed from ``ticket_tally`` (kept exact by
  triggers) when the filters are tally columns (center, department, appeal
  type, source), then the warning levels over the open tickets only (a
  partial index, a few percent of the table); a liaison's 协办 tab adds one
  count through ``ticket_parts``.  Dates, an enterprise or a search count
  the tickets themselves.  Slow answers are kept until anyone commits
  (``PRAGMA data_version``, this connection's ``total_changes``).
* :meth:`QueueArea.page` — the queue's keyset page.  A search for
  something that *is* an identifier (ticket number, external id, USCC,
  phone) is answered through those columns' indexes (SQLite's OR-by-union
  plan); any other search takes its candidates from the identifier
  indexes and the trigram index ``tickets_fts`` (:meth:`_text_match`) and
  keeps the ``LIKE`` test on them, so it finds exactly the rows the plain
  ``LIKE`` scan finds; a text in very many tickets is scanned in sort
  order instead (its first page comes sooner that way).
* :meth:`QueueArea.palette_tickets` — the
  command palette's candidates, by index range scans only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sqlite3
import time
from dataclasses import dataclass
from collections import OrderedDict
from typing import Any, Callable, Sequence, TypeVar, cast

from .. import pinyin_keys
from .. import rules
from ..clock import format_datetime
from ..models import Center, Role, Staff, Status, Ticket
from ..rules import WarningLevel
from .base import AWAITING, AWAITING_SQL, Core
from .oversight_scope import PENDING_SQL, in_scope, is_oversight, scope_parts, scope_sql
from .records import TicketRecords


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


#: where a queue page ends: the last row's sort column as stored (received_at,
#: or due_date — None for a ticket without one) and its id; pass it as ``after``
QueueKey = tuple[str | None, int]


_T = TypeVar("_T")

#: how many counts a connection keeps (tabs × filters × searches recently asked)
_CACHE_SIZE = 64
#: ... and only those that took this long to answer
CACHE_AFTER_S = 0.02
#: a search's page is read through the trigram index when its estimated
#: matches m satisfy m² ≤ this × tickets, else by walking the sort order (see _text_match)
PAGE_SCAN_FACTOR = 64
#: a search is counted through the trigram index unless it is in more than
#: one ticket out of this many
SCAN_COUNT_SHARE = 4

# what may be an identifier worth an exact, indexed look-up first
_IDENTIFIER = r"^[0-9A-Za-z][0-9A-Za-z_\-/.]{4,63}$"  # compiled (and cached by re) on first use


class CenterLoad(Center):
    """A center with its enabled staff and open tickets (``xzconsole centers``)."""

    staff: int
    open_tickets: int


@dataclasses.dataclass
class QueueCounts:
    """Row counts of the queue's tabs under the current filters."""

    by_status: dict[str, int]
    by_level: dict[int, int]  # WarningLevel value → count (awaiting a reply only)
    total: int
    supporting: int = 0  # 协办: tickets the liaison's department supports (liaisons only)
    pending: int = 0  # 待审批: tickets with a 延期 / 超期退回 request waiting (supervisors only)


class QueueArea:
    """``store.queue``: what the queue screen lists and counts."""

    def __init__(self, core: Core, records: TicketRecords) -> None:
        self.core = core
        self.records = records
        # counts answered since the last commit anyone made (see _cached)
        self._cache: OrderedDict[tuple[Any, ...], object] = OrderedDict()
        self._signature: tuple[int, int, dt.date] | None = None

    def list_tickets(self, actor: Staff, f: TicketFilter | None = None, *, sort: str = "received",
                     after: QueueKey | None = None, limit: int = 50, descending: bool | None = None) -> list[Ticket]:
        """One keyset page of the queue: never the whole table.

        ``after`` is the (sort value, id) of the last row of the previous page.
        Tickets without a due date sort last when sorting by due date.
        """
        f = f or TicketFilter()
        column, desc = SORTS[sort]
        if descending is not None:
            desc = descending
        where, params = self._filter_sql(actor, f, page=True)
        if sort in ("due", "warning"):
            where.append("due_date IS NOT NULL")
        if after is not None:
            op = "<" if desc else ">"
            where.append(f"({column}, id) {op} (?, ?)")
            params.extend([after[0], after[1]])
        order = "DESC" if desc else "ASC"
        sql = f"SELECT * FROM tickets {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {column} {order}, id {order} LIMIT ?"
        params.append(limit)
        return [self.records.decorate(r, actor) for r in self.core.q(sql, params)]

    def count_tickets(self, actor: Staff, f: TicketFilter | None = None) -> int:
        where, params = self._filter_sql(actor, f or TicketFilter())
        sql = f"SELECT count(*) FROM tickets {'WHERE ' + ' AND '.join(where) if where else ''}"
        return int(self.core.conn.execute(sql, params).fetchone()[0])

    def _filter_sql(self, actor: Staff, f: TicketFilter, *, page: bool = False,
                    scope: bool = True) -> tuple[list[str], list[Any]]:
        """The WHERE conditions of ``f``; ``page``: for one page in sort order
        (a search's candidates are then read from the index only when they
        are few, see :meth:`_text_match`); ``scope``: limited to an oversight
        account's levels (市营商办 / 市纪委监委)."""
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
        limit = scope_sql(self.core, actor, self.core.clock.today()) if scope else None
        if limit is not None:  # 市营商办 / 市纪委监委: their levels only
            where.append(limit[0])
            params.extend(limit[1])
        statuses = list(f.statuses) if f.statuses else None
        if f.level is not None:
            statuses = [s for s in (statuses or AWAITING) if s in AWAITING]
            lo, hi = self._level_due_range(f.level, self.core.clock.today())
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
            match = self._text_match(s, page=page)
            if match is not None:
                # the candidates through indexes (the identifiers' and the
                # trigram index), then the very same test as without them
                # below: the rows are exactly the LIKE search's
                union = " UNION ALL ".join(f"SELECT id FROM tickets WHERE {c} = ?"
                                           for c in ("number", "external_id", "uscc", "contact_phone"))
                cand: list[Any] = [s, s, s.upper(), s]
                if match:
                    union += " UNION ALL SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?"
                    cand.append(match)
                where.append(f"id IN ({union})")
                params.extend(cand)
            where.append(
                "(number = ? OR external_id = ? OR uscc = ? OR contact_phone = ? OR enterprise_name LIKE ? ESCAPE '\\' "
                "OR content LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')"
            )
            params.extend([s, s, s.upper(), s, like, like, like])
            if actor.role is Role.DEPARTMENT:  # never find a confidential ticket by its enterprise
                where.append("(confidential = 0 OR NOT (enterprise_name LIKE ? ESCAPE '\\' OR uscc = ? OR contact_phone = ?))")
                params.extend([like, s.upper(), s])
        return where, params

    def _text_match(self, text: str, *, page: bool = False) -> str | None:
        """The trigram index query finding every ticket whose title, content
        or enterprise name holds ``text`` (and possibly a few more, which the
        caller's ``LIKE`` drops: the index folds case beyond ASCII); ``""``
        when no ticket can hold it; None when the tickets are better scanned
        with ``LIKE`` as they are:

        * an empty text, or a very common one- or two-character text starting
          more than :data:`fts.SHORT_TERM_CAP` trigrams;
        * for a count, a text in more than 1 of :data:`SCAN_COUNT_SHARE`
          tickets (reading them all through the index costs more than one
          pass over the table);
        * for a page in sort order, a text in more than about
          ``sqrt(PAGE_SCAN_FACTOR × tickets)`` tickets: walking the sort
          index and testing each ticket finds a page's rows after
          ``page × tickets / matches`` rows, where the index would fetch and
          sort every match (a common word: tens of thousands).

        Three characters or more are one FTS5 phrase (a substring); shorter
        is the OR of the indexed trigrams starting with it — every column is
        indexed with two padding characters appended, so every one- or
        two-character substring starts one (see :mod:`.fts`).  The estimate
        of matches comes from the term dictionary: the rarest trigram of a
        long text, the sum over a short one's trigrams."""
        if not text:
            return None
        from .. import policies as pol  # text folding and FTS phrases: a search's, not the console's start
        from . import fts

        conn = self.core.conn
        low = pol.fold(text)
        if len(text) >= pol.TRIGRAM:
            match = pol.fts_phrase(text)
            grams = [low[i:i + pol.TRIGRAM] for i in range(len(low) - pol.TRIGRAM + 1)][:6]
            docs = [conn.execute("SELECT doc FROM tickets_fts_terms WHERE term = ?", (g,)).fetchone() for g in grams]
            estimate = min(int(d[0]) if d else 0 for d in docs)
        else:
            rows = conn.execute("SELECT term, doc FROM tickets_fts_terms WHERE term >= ? AND term < ? LIMIT ?",
                                (low, low + "\U0010ffff", fts.SHORT_TERM_CAP + 1)).fetchall()
            if len(rows) > fts.SHORT_TERM_CAP:
                return None
            match = " OR ".join(pol.fts_phrase(str(r[0])) for r in rows)
            estimate = sum(int(r[1]) for r in rows)
        if not match:
            return ""
        tickets = int(conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0])
        if page and estimate * estimate > PAGE_SCAN_FACTOR * tickets:
            return None
        if estimate * SCAN_COUNT_SHARE > tickets:
            return None
        return match

    def _level_due_range(self, level: WarningLevel, today: dt.date) -> tuple[dt.date | None, dt.date]:
        """(exclusive low, inclusive high) due dates of tickets at ``level`` today."""
        cal = self.core.calendar()
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

    # -- the queue ---------------------------------------------------------------
    def counts(self, actor: Staff, f: TicketFilter | None = None) -> QueueCounts:
        """Counts per status and per warning level for ``f`` minus its tab
        (statuses / level / 协办); the liaison sees only their department,
        and gets the count of their 协办 tab as well.

        The status counts come from ``ticket_tally`` (kept by triggers) when
        the filters are tally columns only (center, department, appeal type,
        source): a few hundred rows summed instead of a million counted.
        Dates, a search or an enterprise count the tickets themselves (a
        search through the trigram index).  The warning levels read the open
        tickets only, through the partial index over the tally columns and
        the due date.  Answers are kept until anyone commits (``PRAGMA
        data_version`` and this connection's own changes) or the day turns.
        """

        base = dataclasses.replace(f or TicketFilter(), statuses=None, level=None, supporting=False)
        key = ("counts", actor.login, actor.role, actor.department_id, repr(base))
        return self._cached(key, lambda: self._counts(actor, base))

    def _counts(self, actor: Staff, base: TicketFilter) -> QueueCounts:
        where, params = self._filter_sql(actor, base)
        cond = " AND ".join(where) if where else "1"
        order = (WarningLevel.YELLOW, WarningLevel.ORANGE, WarningLevel.RED)
        today = self.core.clock.today()
        ranges = [self._level_due_range(lvl, today) for lvl in order]
        # the level sums over tickets awaiting a reply (statuses as literals:
        # only then may the planner take the partial indexes over them; and
        # not in the sums, which the index alone then answers)
        sums = ", ".join("sum(due_date <= ?)" if lo is None else "sum(due_date > ? AND due_date <= ?)" for lo, _ in ranges)
        awaiting_sums = ", ".join(f"sum(status IN ({AWAITING_SQL}) AND due_date <= ?)" if lo is None
                                  else f"sum(status IN ({AWAITING_SQL}) AND due_date > ? AND due_date <= ?)"
                                  for lo, _ in ranges)
        bounds = [d.isoformat() for pair in ranges for d in pair if d is not None]
        with self.core.read_snapshot():  # the tabs agree with each other
            parts = scope_parts(self.core, actor, today)
            by_status = self._tally_by_status(actor, base) if parts is None else None
            if by_status is not None:
                levels = {int(lvl): 0 for lvl in order}
                if any(by_status.get(s) for s in AWAITING):
                    # the tally columns' partial index over the open tickets
                    # (a few percent of them), read whole when no center is
                    # given (a liaison's, a type or source across centers)
                    row = self.core.conn.execute(
                        f"SELECT {sums} FROM tickets INDEXED BY tickets_awaiting_filters "
                        f"WHERE {cond} AND status IN ({AWAITING_SQL})", [*bounds, *params]).fetchone()
                    levels = {int(lvl): n or 0 for lvl, n in zip(order, row)}
            elif base.search and parts is None:
                # a search's candidates come from the indexes: one pass over them
                by_status, levels = {}, {int(lvl): 0 for lvl in order}
                for r in self.core.conn.execute(f"SELECT status, count(*), {awaiting_sums} FROM tickets WHERE {cond} GROUP BY status",
                                                [*bounds, *params]):
                    by_status[str(r[0])] = int(r[1])
                    for lvl, n in zip(order, r[2:]):
                        levels[int(lvl)] += int(n or 0)
            else:
                if parts is None:
                    by_status = {r[0]: r[1] for r in self.core.conn.execute(
                        f"SELECT status, count(*) FROM tickets WHERE {cond} GROUP BY status", params)}
                else:  # 市营商办 / 市纪委监委: two counts, each from its own index
                    by_status = self._oversight_status_counts(actor, base, *parts)
                levels = {int(lvl): 0 for lvl in order}
                if any(by_status.get(s) for s in AWAITING):
                    row = self.core.conn.execute(f"SELECT {sums} FROM tickets WHERE {cond} AND status IN ({AWAITING_SQL})",
                                                 [*bounds, *params]).fetchone()
                    levels = {int(lvl): n or 0 for lvl, n in zip(order, row)}
            supporting = 0
            if actor.role is Role.DEPARTMENT:
                where, params = self._filter_sql(actor, dataclasses.replace(base, supporting=True))
                supporting = self.core.conn.execute(f"SELECT count(*) FROM tickets WHERE {' AND '.join(where)}", params).fetchone()[0]
            pending = self.pending_count(actor, base) if actor.role is Role.SUPERVISOR else 0
        return QueueCounts(by_status, levels, sum(by_status.values()), supporting, pending)

    def _tally_by_status(self, actor: Staff, f: TicketFilter) -> dict[str, int] | None:
        """The count per status from ``ticket_tally``, or None when ``f``
        filters by anything the tally does not group by."""
        if f.received_from or f.received_to or f.search or f.enterprise_id is not None or f.supporting:
            return None
        if is_oversight(actor):
            return None  # 市营商办 / 市纪委监委 see tickets by warning level, which the tally does not keep
        where: list[str] = []
        params: list[Any] = []
        dept = actor.department_id if actor.role is Role.DEPARTMENT else f.department_id
        if dept == 0:
            return None  # the tally's 0 stands for "not dispatched"
        for column, value in (("center", f.center or None), ("department_id", dept),
                              ("appeal_type", f.appeal_type or None), ("source", f.source or None)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = (f"SELECT status, sum(n) FROM ticket_tally {'WHERE ' + ' AND '.join(where) if where else ''} "
               "GROUP BY status HAVING sum(n) != 0")
        return {str(r[0]): int(r[1]) for r in self.core.conn.execute(sql, params)}

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        """``compute()``, or its answer from before when nobody has committed
        since (another connection: ``data_version``; this one: ``total_changes``)
        and the day is the same (warning levels move with it).  Only answers
        that took :data:`CACHE_AFTER_S` or longer are kept: a quick one is
        asked again (and a test tracing its query plan sees it)."""
        conn = self.core.conn
        signature = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes,
                     self.core.clock.today())
        if signature != self._signature:
            self._cache.clear()
            self._signature = signature
        if key in self._cache:
            self._cache.move_to_end(key)
            return cast(_T, self._cache[key])
        started = time.perf_counter()
        value = compute()
        if time.perf_counter() - started >= CACHE_AFTER_S:
            self._cache[key] = value
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return value
    def _oversight_status_counts(self, actor: Staff, f: TicketFilter, level: int, due_by: str) -> dict[str, int]:
        """Per status, the tickets of an oversight account's scope, as two
        disjoint counts each read from its own index: those that ever reached
        the level (``(max_level, status)``), and those awaiting a reply at it
        now that had not reached it when last touched (``(status, due_date)``).
        One count over the OR read every ticket of the first kind from the
        table: 3.3 s at 1,000,000 tickets with a fifth of them once orange,
        0.2 s this way."""
        where, params = self._filter_sql(actor, f, scope=False)
        rest = "".join(f" AND {w}" for w in where)
        out: dict[str, int] = {}
        for sql, extra in (
            # GROUP BY +status: else the planner walks (status, due_date) for the
            # grouping's order and reads each row from the table
            (f"SELECT status, count(*) FROM tickets WHERE max_level >= {level}{rest} GROUP BY +status", []),
            (f"SELECT status, count(*) FROM tickets WHERE status IN ({','.join('?' * len(AWAITING))}) AND due_date <= ? "
             f"AND max_level < {level}{rest} GROUP BY status", [*AWAITING, due_by]),
        ):
            for status, n in self.core.conn.execute(sql, [*extra, *params]):
                out[status] = out.get(status, 0) + int(n)
        return out

    def pending_where(self, actor: Staff, f: TicketFilter | None = None) -> tuple[str, list[Any]]:
        """The condition of the tickets with a 延期 / 超期退回 request waiting
        under the queue's filters (its search aside).  The center is tested
        with a unary ``+`` so that the planner reads the partial index of
        pending requests (a handful of rows) rather than every ticket of the
        center (1.4 s for the city's at 1,000,000 tickets)."""
        base = dataclasses.replace(f or TicketFilter(), statuses=None, level=None, supporting=False, search=None)
        where, params = self._filter_sql(actor, dataclasses.replace(base, center=None))
        if base.center:
            where.append("+center = ?")
            params.append(base.center)
        return " AND ".join([PENDING_SQL, *where]), params

    def pending_count(self, actor: Staff, f: TicketFilter | None = None) -> int:
        """How many tickets have a request waiting under the queue's filters."""
        cond, params = self.pending_where(actor, f)
        return int(self.core.conn.execute(f"SELECT count(*) FROM tickets WHERE {cond}", params).fetchone()[0])

    def _exact_search_sql(self, actor: Staff, text: str) -> tuple[str, list[Any]] | None:
        """An indexed condition for a search that names a ticket or enterprise
        exactly (number, external id, USCC, phone), or None when nothing
        matches exactly — then the caller does the substring search."""

        s = text.strip()
        if not re.match(_IDENTIFIER, s):
            return None
        cond = "(number = ? OR external_id = ? OR uscc = ? OR contact_phone = ?)"
        params: list[Any] = [s, s, s.upper(), s]
        dept = ""
        dparams: list[Any] = []
        if actor.role is Role.DEPARTMENT:
            # unary + keeps the planner on the identifier indexes (OR-by-union)
            # instead of walking the whole department
            dept = " AND +department_id = ?"
            dparams = [actor.department_id]
            # a liaison never finds a confidential ticket by its enterprise's identity
            cond = (f"({cond} AND (confidential = 0 OR NOT (uscc = ? OR contact_phone = ?)))")
            params += [s.upper(), s]
        hit = self.core.conn.execute(f"SELECT 1 FROM tickets WHERE {cond}{dept} LIMIT 1", [*params, *dparams]).fetchone()
        if hit is None:
            return None
        return cond, params

    def _exact_where(self, actor: Staff, f: TicketFilter, exact: tuple[str, list[Any]]) -> tuple[list[str], list[Any]]:
        """The filter's conditions with the identifier search in place of the
        substring one.  The center is tested with a unary ``+`` so that the
        planner follows the identifier indexes (a few rows) rather than walk
        every ticket of the center (600,000 for the city's) checking each."""
        where, params = self._filter_sql(actor, dataclasses.replace(f, search=None, center=None))
        if f.center:
            where.append("+center = ?")
            params.append(f.center)
        return [*where, exact[0]], [*params, *exact[1]]

    def page(self, actor: Staff, f: TicketFilter | None = None, *, sort: str = "received",
             after: QueueKey | None = None, limit: int = 50) -> tuple[list[Ticket], QueueKey | None]:
        """One keyset page of the queue and the key of its last row (for the
        next page), or None as key when there is no further page.

        Fetches ``limit + 1`` rows to know whether another page follows.
        """

        f = f or TicketFilter()
        exact = self._exact_search_sql(actor, f.search) if f.search and f.search.strip() else None
        if exact is None:
            rows = self.list_tickets(actor, f, sort=sort, after=after, limit=limit + 1)
        else:
            column, desc = SORTS[sort]
            where, params = self._exact_where(actor, f, exact)
            if sort in ("due", "warning"):
                where.append("due_date IS NOT NULL")
            if after is not None:
                where.append(f"({column}, id) {'<' if desc else '>'} (?, ?)")
                params.extend(after)
            order = "DESC" if desc else "ASC"
            sql = f"SELECT * FROM tickets WHERE {' AND '.join(where)} ORDER BY {column} {order}, id {order} LIMIT ?"
            rows = [self.records.decorate(r, actor) for r in self.core.conn.execute(sql, [*params, limit + 1])]
        if sort in ("due", "warning") and len(rows) <= limit:
            # sorting never filters: after the last dated ticket come those
            # without a due date (待受理, 直接答复 …), oldest id first
            where, params = (self._exact_where(actor, f, exact) if exact is not None
                             else self._filter_sql(actor, f))
            where = [*where, "due_date IS NULL"]
            if after is not None and after[0] is None:
                where.append("id > ?")
                params = [*params, after[1]]
            sql = f"SELECT * FROM tickets WHERE {' AND '.join(where)} ORDER BY id ASC LIMIT ?"
            rows += [self.records.decorate(r, actor)
                     for r in self.core.conn.execute(sql, [*params, limit + 1 - len(rows)])]
        more = len(rows) > limit
        rows = rows[:limit]
        key = self.page_key(rows[-1], sort) if more and rows else None
        return rows, key

    def count(self, actor: Staff, f: TicketFilter | None = None) -> int:
        """How many tickets the queue's current tab, filters and search hold."""

        f = f or TicketFilter()
        key = ("count", actor.login, actor.role, actor.department_id, repr(f))
        return self._cached(key, lambda: self._count(actor, f))

    def _count(self, actor: Staff, f: TicketFilter) -> int:
        exact = self._exact_search_sql(actor, f.search) if f.search and f.search.strip() else None
        if exact is None:
            liaison = actor.role is Role.DEPARTMENT
            if f.supporting and not liaison or (f.supporting or f.statuses) and f.level is not None \
                    or f.supporting and f.statuses:
                return self.count_tickets(actor, f)
            # a tab's count out of the tabs' counts (the tally, or one pass over a search's candidates)
            counts = self.counts(actor, f)
            if f.supporting:
                return counts.supporting
            if f.level is not None:
                return counts.by_level.get(int(f.level), 0)
            if f.statuses:
                return sum(counts.by_status.get(s, 0) for s in dict.fromkeys(f.statuses))
            return counts.total
        where, params = self._exact_where(actor, f, exact)
        return int(self.core.conn.execute(f"SELECT count(*) FROM tickets WHERE {' AND '.join(where)}", params).fetchone()[0])

    @staticmethod
    def page_key(ticket: Ticket, sort: str) -> QueueKey:
        """The (sort value, id) of a row as stored, for ``after=``."""

        if sort == "received":
            return format_datetime(ticket.received_at), ticket.id
        return (ticket.due_date.isoformat() if ticket.due_date else None), ticket.id

    # -- centers -----------------------------------------------------------------------
    def center_overview(self) -> list[CenterLoad]:
        """Every center (city first) with its enabled staff and its open tickets
        (``xzconsole centers``); the counts are seeks on ``(center, status, …)``."""

        open_statuses = [s.value for s in Status if s is not Status.CLOSED]
        marks = ",".join("?" * len(open_statuses))
        staff = {str(name): int(n) for name, n in self.core.conn.execute(
            "SELECT center, count(*) FROM staff WHERE disabled = 0 GROUP BY center")}
        out = []
        for ctr in self.core.centers():
            n = self.core.conn.execute(f"SELECT count(*) FROM tickets WHERE center = ? AND status IN ({marks})",
                                       [ctr["name"], *open_statuses]).fetchone()[0]
            out.append(CenterLoad(**ctr, staff=staff.get(ctr["name"], 0), open_tickets=int(n)))
        return out

    # -- the command palette -------------------------------------------------------
    def palette_tickets(self, actor: Staff, text: str, limit: int = 20) -> list[Ticket]:
        """Tickets whose number or external id starts with ``text``, or whose
        enterprise name starts with it, or — Latin letters — whose enterprise's
        pinyin or initials start with it (``xzjs`` → 徐州金盛…; issue 16) (index
        range scans only).  A liaison gets only their department's, never a
        confidential one by its name."""

        t = (text or "").strip()
        if not t:
            return []
        dept = ""
        dparams: list[Any] = []
        if actor.role is Role.DEPARTMENT:
            dept, dparams = " AND department_id = ?", [actor.department_id]
        scope = scope_sql(self.core, actor, self.core.clock.today())
        if scope is not None:
            dept, dparams = f" AND {scope[0]}", list(scope[1])
        seen: dict[int, Ticket] = {}
        probes: list[tuple[str, list[Any]]] = []
        upper = t.upper()
        for prefix in dict.fromkeys([upper, "XZ" + t] if t.isdigit() else [upper]):
            probes.append(("number >= ? AND number < ?", [prefix, prefix + "\uffff"]))
        probes.append(("external_id >= ? AND external_id < ?", [t, t + "\uffff"]))
        name_cond = "enterprise_name >= ? AND enterprise_name < ?"
        if actor.role is Role.DEPARTMENT:
            name_cond += " AND confidential = 0"
        probes.append((name_cond, [t, t + "\uffff"]))
        if pinyin_keys.is_latin_query(t):
            key = pinyin_keys.query_key(t)
            ids = [r[0] for r in self.core.conn.execute(
                "SELECT id FROM enterprises WHERE merged_into IS NULL AND ((name_initials >= ? AND name_initials < ?) "
                "OR (name_pinyin >= ? AND name_pinyin < ?)) LIMIT ?", (key, key + "~", key, key + "~", limit))]
            if ids:
                cond = f"enterprise_id IN ({','.join('?' * len(ids))})"
                if actor.role is Role.DEPARTMENT:
                    cond += " AND confidential = 0"
                probes.append((cond, ids))
        for cond, params in probes:
            if len(seen) >= limit:
                break
            sql = f"SELECT * FROM tickets WHERE {cond}{dept} LIMIT ?"
            for r in self.core.conn.execute(sql, [*params, *dparams, limit - len(seen)]):
                if r["id"] not in seen:
                    seen[r["id"]] = self.records.decorate(r, actor)
        return list(seen.values())

    def by_ids(self, actor: Staff | None, ids: Sequence[int]) -> list[Ticket]:
        """The tickets with these ids, in the order given, as the actor may see
        them (a liaison: only their department's, confidential ones masked)."""

        rows: dict[int, sqlite3.Row] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.core.conn.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", chunk):
                if actor is not None and actor.role is Role.DEPARTMENT and r["department_id"] != actor.department_id:
                    continue
                if actor is not None and not in_scope(self.core, actor, r):
                    continue
                rows[r["id"]] = r
        return [self.records.decorate(rows[i], actor) for i in ids if i in rows]
