"""``store.notify``: where notifications go (routes) and what is to be sent (the outbox).

A *route* is an Apprise URL (a WeCom or DingTalk robot, e-mail, an SMS
gateway, a plain webhook …) with the events it wants and whom it speaks for:
one department's liaisons (the tickets at that department) or a role (the
whole city; 市营商办 only orange and red, 市纪委监委 only red, as SPEC §5
names them).  Only an admin keeps routes.

The *outbox* holds one row per (route, key), the key being
``ticket:event:level:round`` — the round is the department and the start of
the clock the event belongs to (a redispatched or reopened ticket that turns
yellow again is news),
the level the warning colour, the due date for 今日到期, the request for an
approval.  The UNIQUE (route_id, key) constraint makes computing idempotent:
whatever runs how often, a message exists once per route and, once sent, is
never sent again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .. import rules
from ..clock import format_datetime, local_date
from ..errors import InvalidAction
from ..models import Role, Staff
from .base import AWAITING_SQL, Core, inserted_id, require_role
from .warnings import WarningsArea

#: the events a route may ask for, in the order they are shown
EVENTS = ("red", "orange", "yellow", "unsigned", "due_today", "approval")
EVENT_LABELS = {"red": "红色预警", "orange": "橙色预警", "yellow": "黄色预警", "unsigned": "超时未签收",
                "due_today": "今日到期", "approval": "待审批申请"}
_LEVEL_EVENTS = {1: "yellow", 2: "orange", 3: "red"}

#: the roles a route may speak for: code → (label, the warning events it may see; None: all)
ROUTE_ROLES: dict[str, tuple[str, frozenset[str] | None]] = {
    "supervisor": ("值班长/督办", None),
    "clerk": ("受理员", None),
    "admin": ("管理员", None),
    "business_office": ("市营商办", frozenset({"orange", "red"})),
    "discipline": ("市纪委监委", frozenset({"red"})),
}
_ROLE_ALIASES = {"值班长": "supervisor", "督办": "supervisor", "值班长/督办": "supervisor", "受理员": "clerk",
                 "管理员": "admin", "市营商办": "business_office", "营商办": "business_office",
                 "市纪委监委": "discipline", "纪委监委": "discipline"}
_WARNING_EVENTS = frozenset({"red", "orange", "yellow"})

#: retry after a failed delivery: 30 s, 1 min, 2 min … at most an hour
RETRY_FIRST_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed delivery (exponential, capped)."""
    return dt.timedelta(seconds=min(RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def parse_events(text: str | Iterable[str]) -> list[str]:
    """``red,orange,…`` → the event codes (Chinese labels too); InvalidAction otherwise."""
    parts = text.replace("，", ",").split(",") if isinstance(text, str) else list(text)
    by_label = {v: k for k, v in EVENT_LABELS.items()}
    out: list[str] = []
    for raw in parts:
        p = raw.strip()
        if not p:
            continue
        code = p.lower() if p.lower() in EVENTS else by_label.get(p)
        if code is None:
            raise InvalidAction(f"未知的通知事件：{p}（可用：{', '.join(EVENTS)}）")
        if code not in out:
            out.append(code)
    if not out:
        raise InvalidAction(f"至少指定一种通知事件（{', '.join(EVENTS)}）")
    return [e for e in EVENTS if e in out]


def parse_route_role(text: str) -> str:
    """A role code or its Chinese name → the code; InvalidAction otherwise."""
    t = (text or "").strip()
    code = t.lower() if t.lower() in ROUTE_ROLES else _ROLE_ALIASES.get(t)
    if code is None:
        if t.lower() == "department" or t == "承办单位":
            raise InvalidAction("承办单位的通知请用 --department 指定单位")
        raise InvalidAction(f"未知的角色：{t}（可用：{', '.join(ROUTE_ROLES)}）")
    return code


@dataclass(frozen=True)
class Route:
    """One notification route."""

    id: int
    url: str
    department_id: int | None
    department: str | None  # short name
    role: str | None
    events: tuple[str, ...]
    active: bool
    created_at: str
    created_by: str

    @property
    def audience(self) -> str:
        """Whom it speaks for, in words."""
        if self.department is not None:
            return self.department
        return ROUTE_ROLES.get(self.role or "", (self.role or "", None))[0]

    def wants(self, event: str, department_id: int | None) -> bool:
        """Whether an event on a ticket at ``department_id`` goes to this route."""
        if not self.active or event not in self.events:
            return False
        if self.department_id is not None:
            return department_id == self.department_id
        seen = ROUTE_ROLES.get(self.role or "", ("", None))[1]
        return seen is None or event not in _WARNING_EVENTS or event in seen


def masked_url(url: str) -> str:
    """A route's URL for display: the secret parts (tokens, passwords) hidden."""
    import re

    head, sep, rest = url.partition("://")
    if not sep:
        return url
    rest = re.sub(r"^[^@/]*@", "***@", rest)  # user:password@
    host, slash, path = rest.partition("/")
    if path:
        path = "/".join(p if len(p) < 12 else p[:4] + "…" for p in path.split("/"))
    query = ""
    if "?" in path:
        path, _, query = path.partition("?")
        query = "?…"
    return f"{head}://{host}{slash}{path}{query}"


@dataclass(frozen=True)
class Candidate:
    """A due event on one ticket (before it is matched to routes)."""

    ticket_id: int
    event: str
    key: str
    department_id: int | None
    facts: dict[str, Any]


class NotifyArea:
    """``store.notify``: the routes and the outbox of notifications."""

    def __init__(self, core: Core, warnings: WarningsArea) -> None:
        self.core = core
        self.warnings = warnings

    # -- routes ---------------------------------------------------------------------
    def _route(self, r: sqlite3.Row, names: dict[int, str]) -> Route:
        return Route(r["id"], r["url"], r["department_id"], names.get(r["department_id"]) if r["department_id"] else None,
                     r["role"], tuple(e for e in r["events"].split(",") if e), bool(r["active"]), r["created_at"],
                     r["created_by"])

    def routes(self, *, include_removed: bool = False) -> list[Route]:
        """Every route (the removed ones only when asked), oldest first."""
        names = {d.stored_id: d.short_name for d in self.core.departments(include_inactive=True)}
        sql = "SELECT * FROM notify_routes" + ("" if include_removed else " WHERE active = 1") + " ORDER BY id"
        return [self._route(r, names) for r in self.core.q(sql)]

    def add_route(self, actor: Staff, url: str, events: str | Iterable[str], *, department: str | int | None = None,
                  role: str | None = None) -> Route:
        """A new route (admin only): ``url`` an Apprise URL, for one department or one role."""
        require_role(actor, [Role.ADMIN], "管理通知路由")
        import apprise

        url = (url or "").strip()
        if not url:
            raise InvalidAction("通知地址（--url）不能为空")
        if apprise.Apprise.instantiate(url) is None:
            raise InvalidAction(f"无法识别的通知地址：{masked_url(url)}（格式见 Apprise 文档，如 json://主机:端口/路径）")
        if (department is None) == (role is None):
            raise InvalidAction("请指定 --department 单位 或 --role 角色（二选一）")
        codes = parse_events(events)
        dept_id = self.core.department(department).stored_id if department is not None else None
        role_code = parse_route_role(role) if role is not None else None
        with self.core.write() as c:
            rid = inserted_id(c.execute(
                "INSERT INTO notify_routes(url, department_id, role, events, created_at, created_by) VALUES (?,?,?,?,?,?)",
                (url, dept_id, role_code, ",".join(codes), self.core.now_s(), actor.login)))
        return next(r for r in self.routes() if r.id == rid)

    def remove_route(self, actor: Staff, route_id: int) -> Route:
        """Stop a route (admin only); its outbox rows stay as the record of what was sent."""
        require_role(actor, [Role.ADMIN], "管理通知路由")
        with self.core.write() as c:
            n = c.execute("UPDATE notify_routes SET active = 0 WHERE id = ? AND active = 1", (route_id,)).rowcount
            # what was waiting for it will never go
            c.execute("UPDATE notify_outbox SET status = 'dropped', last_error = '路由已删除' "
                      "WHERE route_id = ? AND status = 'pending'", (route_id,))
        if not n:
            raise InvalidAction(f"没有编号为 {route_id} 的通知路由")
        return next(r for r in self.routes(include_removed=True) if r.id == route_id)

    # -- what is due ------------------------------------------------------------------
    def candidates(self, now: dt.datetime, events: set[str], department_ids: set[int] | None) -> list[Candidate]:
        """The events due at ``now`` among ``events``, on tickets at the given
        departments (None: every department)."""
        today = local_date(now)
        th = self.warnings.thresholds(today)
        cal = self.core.calendar()
        today_num = self.core.workday_number(today, cal)
        dept_sql, dept_params = "", []
        if department_ids is not None:
            if not department_ids:
                return []
            dept_sql = f" AND t.department_id IN ({','.join('?' * len(department_ids))})"
            dept_params = sorted(department_ids)
        # the round: the department and the clock's start (a dispatch, a redispatch
        # or a 重办 starts a new one)
        cols = ("t.id, t.number, t.external_id, t.department_id, t.due_date, t.due_provisional, "
                "coalesce(t.department_id, '-') || '@' || coalesce(t.clock_start, t.dispatched_at) AS round, "
                "t.enterprise_name, t.confidential, t.title, t.pending_extension_days, t.pending_extension_reason, "
                "t.pending_return_reason")
        out: list[Candidate] = []
        cur = self.core.conn.cursor()
        cur.row_factory = sqlite3.Row

        def facts(r: sqlite3.Row, **more: Any) -> dict[str, Any]:
            d = dict(r)
            d.update(more)
            return d

        if events & _WARNING_EVENTS:
            sql = (f"SELECT {cols}, ? - w.num AS overdue FROM tickets t JOIN workday_index w ON w.day = t.due_date "
                   f"WHERE t.status IN ({AWAITING_SQL}) AND t.due_date < ?{dept_sql}")
            for r in cur.execute(sql, [today_num, th["today"], *dept_params]):
                lvl = rules.level_for_overdue(True, r["overdue"])
                event = _LEVEL_EVENTS.get(int(lvl))
                if event in events:
                    out.append(Candidate(r["id"], event, f"{r['id']}:{event}:{lvl.code}:{r['round']}",
                                         r["department_id"], facts(r, level=event)))
        if "due_today" in events:
            sql = f"SELECT {cols}, 0 AS overdue FROM tickets t WHERE t.status IN ({AWAITING_SQL}) AND t.due_date = ?{dept_sql}"
            for r in cur.execute(sql, [th["today"], *dept_params]):
                out.append(Candidate(r["id"], "due_today", f"{r['id']}:due_today:{r['due_date']}:{r['round']}",
                                     r["department_id"], facts(r, level="due_today")))
        if "unsigned" in events:
            sql = (f"SELECT {cols}, 0 AS overdue FROM tickets t WHERE t.status = 'dispatched' AND t.signed_at IS NULL "
                   f"AND t.dispatched_at < ?{dept_sql}")
            for r in cur.execute(sql, [th["sign_before"], *dept_params]):
                out.append(Candidate(r["id"], "unsigned", f"{r['id']}:unsigned:-:{r['round']}",
                                     r["department_id"], facts(r, level="unsigned")))
        if "approval" in events:
            sql = (f"SELECT {cols}, 0 AS overdue FROM tickets t WHERE t.status IN ({AWAITING_SQL}) "
                   f"AND (t.pending_extension_days IS NOT NULL OR t.pending_return_reason IS NOT NULL){dept_sql}")
            for r in cur.execute(sql, dept_params):
                # the request itself is the level: a new request after a decision is news again
                asked = self.core.q1(
                    "SELECT id FROM events WHERE ticket_id = ? AND action IN ('request_extension', 'request_return') "
                    "ORDER BY id DESC LIMIT 1", (r["id"],))
                kind = "extension" if r["pending_extension_days"] is not None else "return"
                out.append(Candidate(r["id"], "approval", f"{r['id']}:approval:{kind}:{asked['id'] if asked else '-'}",
                                     r["department_id"], facts(r, level="approval", request=kind)))
        return out

    def enqueue(self, now: dt.datetime, render: Callable[[Candidate], tuple[str, str]]) -> int:
        """Compute what is due at ``now`` for every active route and add what
        is new to the outbox (``render(candidate) -> (title, body)``); returns
        how many messages were added."""
        routes = self.routes()
        if not routes:
            return 0
        events = {e for r in routes for e in r.events}
        depts: set[int] | None = set()
        for r in routes:
            if r.department_id is None:
                depts = None
                break
            assert depts is not None
            depts.add(r.department_id)
        cands = self.candidates(now, events, depts)
        pairs = [(r, c) for c in cands for r in routes if r.wants(c.event, c.department_id)]
        if not pairs:
            return 0
        existing = self._existing({(r.id, c.key) for r, c in pairs})
        now_s = format_datetime(now)
        rows = []
        rendered: dict[str, tuple[str, str]] = {}
        for r, c in pairs:
            if (r.id, c.key) in existing:
                continue
            if c.key not in rendered:
                rendered[c.key] = render(c)
            title, body = rendered[c.key]
            rows.append((r.id, c.key, c.ticket_id, c.event, title, body, now_s, now_s))
        if not rows:
            return 0
        with self.core.write() as w:
            before = w.total_changes
            w.executemany(
                "INSERT OR IGNORE INTO notify_outbox(route_id, key, ticket_id, event, title, body, next_at, created_at) "
                "VALUES (?,?,?,?,?,?,?,?)", rows)
            added: int = w.total_changes - before
        return added

    def _existing(self, pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
        out: set[tuple[int, str]] = set()
        by_route: dict[int, list[str]] = {}
        for rid, key in pairs:
            by_route.setdefault(rid, []).append(key)
        for rid, keys in by_route.items():
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                for row in self.core.conn.execute(
                        f"SELECT key FROM notify_outbox WHERE route_id = ? AND key IN ({','.join('?' * len(chunk))})",
                        [rid, *chunk]):
                    out.add((rid, row[0]))
        return out

    # -- delivering ---------------------------------------------------------------------
    def due(self, now: dt.datetime, limit: int = 10000) -> list[sqlite3.Row]:
        """Pending messages whose time has come, oldest first, with their route's URL."""
        return self.core.q(
            "SELECT o.id, o.route_id, o.event, o.title, o.body, o.attempts, r.url FROM notify_outbox o "
            "JOIN notify_routes r ON r.id = o.route_id "
            "WHERE o.status = 'pending' AND o.next_at <= ? ORDER BY o.next_at, o.id LIMIT ?",
            (format_datetime(now), limit))

    def record(self, now: dt.datetime, sent: Sequence[int], failed: Sequence[tuple[int, int, str]]) -> None:
        """Mark ``sent`` ids delivered and ``failed`` (id, attempts so far, error)
        pending again after the back-off, in one transaction."""
        now_s = format_datetime(now)
        with self.core.write() as c:
            c.executemany("UPDATE notify_outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                          "last_error = '' WHERE id = ? AND status = 'pending'", [(now_s, i) for i in sent])
            c.executemany("UPDATE notify_outbox SET attempts = ?, next_at = ?, last_error = ? "
                          "WHERE id = ? AND status = 'pending'",
                          [(n + 1, format_datetime(now + retry_delay(n + 1)), err[:500], i) for i, n, err in failed])

    # -- status ----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Messages per status (pending, sent, dropped), and how many pending have failed at least once."""
        out = {"pending": 0, "sent": 0, "dropped": 0, "retrying": 0}
        for r in self.core.q("SELECT status, count(*) AS n, sum(attempts > 0) AS failed FROM notify_outbox GROUP BY status"):
            out[r["status"]] = r["n"]
            if r["status"] == "pending":
                out["retrying"] = r["failed"] or 0
        return out

    def messages(self, status: str, limit: int = 50) -> list[dict[str, Any]]:
        """Outbox rows of one status, the latest first, with their ticket number."""
        order = "o.sent_at DESC" if status == "sent" else "o.next_at, o.id"
        rows = self.core.q(
            "SELECT o.id, o.route_id, o.key, o.event, o.title, o.status, o.attempts, o.next_at, o.created_at, "
            "o.sent_at, o.last_error, t.number FROM notify_outbox o LEFT JOIN tickets t ON t.id = o.ticket_id "
            f"WHERE o.status = ? ORDER BY {order} LIMIT ?", (status, limit))
        return [dict(r) for r in rows]


__all__ = ["EVENTS", "EVENT_LABELS", "ROUTE_ROLES", "Candidate", "NotifyArea", "Route", "masked_url",
           "parse_events", "parse_route_role", "retry_delay"]
