"""Command palette providers: one per domain (STYLE §10).

* :class:`TicketCommands` — a ticket by number, external id or the start of
  its enterprise's name, or of that name's pinyin or initials (``xzjs`` →
  徐州金盛…); choosing one opens the ticket detail.
* :class:`PolicyCommands` — a policy by words of its title; choosing one
  shows its title and summary in a read-only window.
* :class:`EnterpriseCommands` — an enterprise of the directory by name, its
  pinyin or initials, USCC or phone (clerks, supervisors, admins); choosing
  one opens its 企业档案.
* :class:`PlaceCommands` — the console's places (队列, 预警面板, 企业名录 …) by
  name or key, for terminals that keep F10/F11 for themselves.

Every hit is displayed as literal text: :meth:`Matcher.highlight` parses its
argument as Textual markup, so it is never used on user text here; the
match positions are applied to a ``rich.text.Text`` instead
(:func:`highlight_literal`).  Ticket candidates come from indexed prefix
queries run in a thread (there may be a million tickets), policy candidates
(about two thousand) are read once in :meth:`PolicyCommands.startup`.
"""

from __future__ import annotations

import asyncio
import threading
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from .console import console_app
from .textsafe import literal, plain
from . import pinyin_keys

if TYPE_CHECKING:
    from textual.app import App
    from textual.fuzzy import Matcher

    from .areas.directory import EnterpriseHit
    from .models import Staff, Ticket
    from .store import Store

R = TypeVar("R")  # what one look-up finds


def highlight_literal(matcher: "Matcher", candidate: str, prefix: Text | None = None) -> Text:
    """``candidate`` as literal Text with the fuzzy-matched characters styled."""
    text = literal(candidate)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text.plain)
    style = Style(bold=True, underline=True)
    for offset in offsets:
        text.stylize(style, offset, offset + 1)
    if prefix is not None:
        return Text.assemble(prefix, text)
    return text


class _StoreLookup(Provider, Generic[R]):
    """A provider whose look-ups run in a thread, on its own connection
    (SQLite connections stay with one thread at a time: a lock), opened at the
    first search and closed when the palette closes."""

    async def startup(self) -> None:
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _query(self, store: Store, user: Staff, query: str) -> list[R]:
        raise NotImplementedError

    def _lookup(self, query: str) -> list[R]:
        app = console_app(self.app)
        with self._lock:
            if self._store is None:
                from .store import Store

                self._store = Store(app.db_path, app.clock, migrate=False)
            return self._query(self._store, app.user, query)

    def _close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.disconnect()
                self._store = None

    async def shutdown(self) -> None:
        await asyncio.to_thread(self._close)


class TicketCommands(_StoreLookup["Ticket"]):
    """Jump to a ticket: number, external id or enterprise name prefix (or
    the prefix of the enterprise's pinyin or initials: the keys the directory
    stores with each record, so still an index range scan).

    The look-ups are index range scans — about a millisecond for the center
    at 1,000,000 tickets — but a liaison's are filtered to one department
    and can take longer, so they run in a thread (see :class:`_StoreLookup`).
    """

    def _query(self, store: Store, user: Staff, query: str) -> list[Ticket]:
        return store.queue.palette_tickets(user, query, limit=20)

    async def search(self, query: str) -> Hits:
        app = console_app(self.app)
        q = query.strip()
        if getattr(app, "user", None) is None or not q:  # not signed in (yet)
            return
        matcher = self.matcher(q)
        for t in await asyncio.to_thread(self._lookup, q):
            line = f"{t.number}  {t.enterprise_name}  {t.status.label}"
            if t.external_id:
                line += f"  {t.external_id}"
            score = max(matcher.match(t.number), matcher.match(plain(t.enterprise_name)),
                        matcher.match(t.external_id or ""), 0.5)
            yield Hit(
                score,
                highlight_literal(matcher, line, Text("工单 ", style="bold")),
                partial(app.open_ticket, t.id),
                text=plain(line),
                help=escape(plain(t.title or t.content[:60])),  # help is parsed as markup: escaped
            )


class PolicyCommands(Provider):
    """Show a policy: every word typed must occur in its title (or 文号)."""

    async def startup(self) -> None:
        store: Store | None = getattr(self.app, "store", None)  # None: not open (yet)
        self._policies: list[tuple[int, str, str, str]] = store.library.palette() if store is not None else []

    async def search(self, query: str) -> Hits:
        app = console_app(self.app)
        words = query.lower().split()
        if not words:
            return
        matcher = self.matcher(query)
        for pid, title, doc_number, _status in self._policies:
            hay = f"{title} {doc_number}".lower()
            if not all(w in hay for w in words):
                continue
            score = max(matcher.match(title), 0.3)
            yield Hit(
                score,
                highlight_literal(matcher, title, Text("政策 ", style="bold")),
                partial(app.show_policy, pid),
                text=plain(title),
                help=escape(plain(doc_number)) if doc_number else None,
            )


class PlaceCommands(Provider):
    """Go to one of the console's places by its name (or its function key).

    The places are the app's own ``go(...)`` bindings, so the palette and F1
    always list the same ones.  Some terminals keep F10 (menu) or F11 (full
    screen) for themselves; typing "协会" or "推广" here reaches those places.
    """

    def _places(self) -> list[tuple[str, str, str]]:
        out = []
        for binding in type(self.app).BINDINGS:
            # the app's places are Binding objects (a binding may also be written as a tuple)
            if isinstance(binding, Binding) and binding.action.startswith("go("):
                out.append((binding.description, binding.action, binding.key.upper()))
        return out

    def _approvals(self) -> str | None:
        """A supervisor's 待审批 entry, with the number of requests waiting
        (one count over a partial index), or None for everyone else."""
        from .models import Role

        user: Staff | None = getattr(self.app, "user", None)
        store: Store | None = getattr(self.app, "store", None)
        if user is None or store is None or user.role is not Role.SUPERVISOR:
            return None
        return f"待审批（{store.oversight.pending_count(user)} 件）"

    async def discover(self) -> Hits:
        app = self.app
        approvals = self._approvals()
        if approvals:
            yield DiscoveryHit(approvals, partial(open_approvals, app), help="延期、超期退回申请：批准或驳回")
        for name, action, key in self._places():
            yield DiscoveryHit(f"{name}  {key}", partial(app.run_action, action), help="前往")

    async def search(self, query: str) -> Hits:
        app = self.app
        q = query.strip()
        if not q:
            return
        matcher = self.matcher(q)
        approvals = self._approvals()
        if approvals:
            score = max(matcher.match(approvals), matcher.match("审批 延期 退回 批准 驳回"))
            if score > 0:
                yield Hit(score, highlight_literal(matcher, approvals, Text("前往 ", style="bold")),
                          partial(open_approvals, app), text=approvals, help="延期、超期退回申请：批准或驳回")
        for name, action, key in self._places():
            score = max(matcher.match(name), matcher.match(key))
            if score <= 0 and pinyin_keys.matches(q, name):  # 拼音或首字母：gdlb → 工单列表
                score = 0.6
            if score > 0:
                yield Hit(score, highlight_literal(matcher, name, Text("前往 ", style="bold")),
                          partial(app.run_action, action), text=name, help=key)


class DepartmentCommands(Provider):
    """A department by its name, short name, code, pinyin or initials (rsj,
    renshe → 市人社局): the queue narrowed to its tickets.  The pinyin keys
    are computed once per name (:mod:`xzconsole.pinyin_keys` memoises them)."""

    async def search(self, query: str) -> Hits:
        from .models import Role

        app = self.app
        q = query.strip()
        user: Staff | None = getattr(app, "user", None)
        store: Store | None = getattr(app, "store", None)
        if user is None or store is None or user.role is Role.DEPARTMENT or not q:
            return
        matcher = self.matcher(q)
        low = q.lower()
        for d in store.departments():
            if d.id is None:
                continue  # not stored (cannot happen for the store's own list)
            score = max(matcher.match(d.short_name), matcher.match(d.name))
            if score <= 0 and (low == d.code.lower() or pinyin_keys.matches(q, d.short_name)
                               or pinyin_keys.matches(q, d.name)):
                score = 0.7
            if score > 0:
                line = f"{d.short_name}  {d.name}" if d.name != d.short_name else d.short_name
                yield Hit(score, highlight_literal(matcher, line, Text("单位 ", style="bold")),
                          partial(open_department, app, d.id), text=plain(line), help="工单队列：只看该单位承办的工单")


def open_department(app: App[object], department_id: int) -> None:
    """The queue underneath, narrowed to one department (its ``show_department``)."""
    queues = [s for s in app.screen_stack if type(s).__name__ == "QueueScreen"]
    if not queues:
        return
    queue = queues[0]
    while app.screen is not queue and len(app.screen_stack) > 1:
        app.pop_screen()
    show = getattr(queue, "show_department", None)
    if callable(show):
        show(department_id)


def open_approvals(app: App[object]) -> None:
    """The queue's 待审批 tab: back to the queue underneath, then that tab.

    The palette sits beside the screens (neither imports the other), so the
    queue is found by what it offers: its ``select_tab``."""
    queues = [s for s in app.screen_stack if type(s).__name__ == "QueueScreen"]
    if not queues:
        return
    queue = queues[0]
    while app.screen is not queue and len(app.screen_stack) > 1:
        app.pop_screen()
    select = getattr(queue, "select_tab", None)
    if callable(select):
        select("tab-pending")


class EnterpriseCommands(_StoreLookup["EnterpriseHit"]):
    """Open an enterprise's record: its name (any part), its pinyin or initials
    (``xzjs``, ``xuzhou``), USCC or contact phone.

    The directory's own search (a trigram index; a few milliseconds at
    200,000 enterprises), in a thread.  A department liaison may not browse
    the directory, so offers nothing.
    """

    def _query(self, store: Store, user: Staff, query: str) -> list[EnterpriseHit]:
        return store.directory.search(user, query, limit=10)

    async def search(self, query: str) -> Hits:
        from .models import Role

        app = console_app(self.app)
        q = query.strip()
        user: Staff | None = getattr(app, "user", None)  # None: not signed in (yet)
        if user is None or user.role not in (Role.CLERK, Role.SUPERVISOR, Role.ADMIN) or len(q) < 2:
            return
        matcher = self.matcher(q)
        for hit in await asyncio.to_thread(self._lookup, q):
            e = hit.enterprise
            if e.id is None:  # the directory only finds stored records; this narrows the type
                continue
            line = f"{e.name}  {e.uscc or ''}".rstrip()
            yield Hit(
                # a touch below a ticket of the same name: the palette is first a way to a ticket
                0.9 * max(matcher.match(plain(e.name)), 0.4),
                highlight_literal(matcher, line, Text("企业 ", style="bold")),
                partial(app.open_enterprise, e.id),
                text=plain(e.name),
                help=escape(f"{plain(e.district)} · 未办结 {hit.open_tickets} / 共 {hit.total_tickets} 件"),
            )
