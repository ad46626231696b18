"""The queue's tab counts and search counts are the plain counts, only faster.

``store.queue.counts`` reads the status counts from ``ticket_tally`` (kept by
triggers) and a search finds its candidates through the trigram index
``tickets_fts``; both must give exactly what ``count(*)`` and the ``LIKE``
search over every ticket give — for every tab, every filter, every role,
after tickets change, and for one- and two-character searches, which the
trigram index answers only through its term dictionary (or not at all: then
the contents are scanned as before).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sqlite3
from typing import Any, Iterator

import pytest

from xzconsole.areas import fts
from xzconsole.areas import queue as queue_area
from xzconsole.clock import FixedClock, parse_datetime
from xzconsole.demo import build_demo
from xzconsole.models import Role, Staff, Status
from xzconsole.rules import WarningLevel
from xzconsole.screens.queue_filters import QueueTab, tab_count, tabs_for
from xzconsole.store import Store, TicketFilter

NOW = parse_datetime("2026-11-26T10:00:00+08:00")
TICKETS = 2500


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("counts") / "demo.db")
    build_demo(path, TICKETS, NOW)
    return path


@pytest.fixture
def demo(demo_path: str, tmp_path: Any) -> Iterator[Store]:
    """A private copy per test (some tests change tickets)."""
    copy = tmp_path / "copy.db"
    src, dst = sqlite3.connect(demo_path), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    s = Store(copy, FixedClock(NOW))
    yield s
    s.disconnect()


def actors(store: Store) -> list[Staff]:
    """A city clerk, a county clerk, a supervisor, three liaisons, 市营商办 and 市纪委监委."""
    logins = ["demo_clerk", "clerk_pizhou", "demo_sup", "demo_rsj", "demo_swj", "dept_fgw", "demo_yshb", "demo_jw"]
    return [store.staff.identify(login) for login in logins]


def plain_counts(store: Store, actor: Staff, f: TicketFilter, tabs: list[QueueTab]) -> dict[str, int]:
    """Every tab's count by ``count(*)`` over the tickets (the reference)."""
    out = {}
    for tab in tabs:
        tf = dataclasses.replace(f, statuses=list(tab.statuses) if tab.statuses else None, level=tab.level,
                                 supporting=tab.supporting)
        out[tab.id] = store.queue.count_tickets(actor, tf)
    return out


def fast_counts(store: Store, actor: Staff, f: TicketFilter, tabs: list[QueueTab]) -> dict[str, int]:
    counts = store.queue.counts(actor, f)
    out = {tab.id: tab_count(counts, tab) for tab in tabs}
    for tab in tabs:  # the current tab's total (the status line) agrees
        tf = dataclasses.replace(f, statuses=list(tab.statuses) if tab.statuses else None, level=tab.level,
                                 supporting=tab.supporting)
        assert store.queue.count(actor, tf) == out[tab.id], (tab.id, tf)
    return out


def filters(store: Store, rng: random.Random, n: int) -> list[TicketFilter]:
    """No filter, each filter alone at each of its values, and ``n`` random
    combinations (with dates, an enterprise and a search now and then)."""
    centers = [c["name"] for c in store.centers()]
    depts = [int(d.id) for d in store.departments()][:8] if store.departments() else []
    types = [str(r[0]) for r in store.conn.execute("SELECT DISTINCT appeal_type FROM tickets")]
    sources = [str(r[0]) for r in store.conn.execute("SELECT DISTINCT source FROM tickets")]
    enterprise = store.conn.execute("SELECT enterprise_id FROM tickets WHERE enterprise_id IS NOT NULL LIMIT 1").fetchone()[0]
    out = [TicketFilter()]
    out += [TicketFilter(center=c) for c in centers]
    out += [TicketFilter(department_id=d) for d in depts]
    out += [TicketFilter(appeal_type=t) for t in types]
    out += [TicketFilter(source=s) for s in sources]
    out += [TicketFilter(received_from=dt.date(2026, 6, 1)), TicketFilter(received_to=dt.date(2026, 3, 31)),
            TicketFilter(enterprise_id=enterprise), TicketFilter(search="路灯")]
    for _ in range(n):
        out.append(TicketFilter(
            center=rng.choice([None, *centers]),
            department_id=rng.choice([None, None, *depts]),
            appeal_type=rng.choice([None, *types]),
            source=rng.choice([None, *sources]),
            received_from=rng.choice([None, None, None, dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))]),
            search=rng.choice([None, None, None, "企业", "补贴", "a"]),
        ))
    return out


def assert_counts_equal(store: Store, rng: random.Random, n: int) -> int:
    checked = 0
    for actor in actors(store):
        # the 待审批 tab counts requests, not tickets by status: tests/test_app_approvals.py
        tabs = [tab for tab in tabs_for(actor.role) if not tab.pending]
        for f in filters(store, rng, n):
            assert fast_counts(store, actor, f, tabs) == plain_counts(store, actor, f, tabs), (actor.login, f)
            checked += 1
    return checked


def test_tab_counts_equal_plain_counts_for_every_tab_filter_and_role(demo: Store) -> None:
    assert demo.q1("SELECT count(*) FROM ticket_tally")[0] > 0
    assert assert_counts_equal(demo, random.Random(11), 40) > 100


def test_tally_follows_changed_tickets(demo: Store) -> None:
    """Tickets changing status, department, type, source and center (through
    the triggers, as every action does) keep the counts exact."""
    rng = random.Random(5)
    ids = [int(r[0]) for r in demo.conn.execute("SELECT id FROM tickets")]
    depts = [int(d.id) for d in demo.departments()]
    centers = [c["name"] for c in demo.centers()]
    with demo.write() as c:
        for tid in rng.sample(ids, 300):
            column, value = rng.choice([
                ("status", rng.choice([s.value for s in Status])),
                ("department_id", rng.choice([None, *depts])),
                ("appeal_type", rng.choice(["complaint", "consultation", "report"])),
                ("source", rng.choice(["hotline", "counter", "platform"])),
                ("center", rng.choice(centers)),
            ])
            c.execute(f"UPDATE tickets SET {column} = ? WHERE id = ?", (value, tid))
    assert assert_counts_equal(demo, random.Random(12), 15) > 50


def test_counts_are_answered_again_after_anyone_commits(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached counts go as soon as this connection or another one commits."""
    monkeypatch.setattr(queue_area, "CACHE_AFTER_S", 0.0)  # keep every answer (the small demo counts fast)
    clerk = demo.staff.identify("demo_clerk")
    f = TicketFilter(center=None)
    before = demo.queue.counts(clerk, f)
    assert demo.queue.counts(clerk, f) is before  # nobody wrote: the same answer
    new_id = demo.conn.execute("SELECT id FROM tickets WHERE status = 'new' LIMIT 1").fetchone()[0]
    with demo.write() as c:  # this connection
        c.execute("UPDATE tickets SET status = 'closed' WHERE id = ?", (new_id,))
    after = demo.queue.counts(clerk, f)
    assert after.by_status["new"] == before.by_status["new"] - 1
    assert after.by_status["closed"] == before.by_status["closed"] + 1
    other = Store(demo.path, FixedClock(NOW), migrate=False)  # another console
    try:
        with other.write() as c:
            c.execute("UPDATE tickets SET status = 'new' WHERE id = ?", (new_id,))
    finally:
        other.disconnect()
    again = demo.queue.counts(clerk, f)
    assert again.by_status == before.by_status


def test_warning_levels_move_with_the_day(demo: Store) -> None:
    """A cached count does not outlive its day: the levels depend on today."""
    clerk = demo.staff.identify("demo_clerk")
    today = demo.queue.counts(clerk, TicketFilter())
    later_store = Store(demo.path, FixedClock(NOW + dt.timedelta(days=7)), migrate=False)
    try:
        later = later_store.queue.counts(clerk, TicketFilter())
        assert later.by_level[int(WarningLevel.RED)] >= today.by_level[int(WarningLevel.RED)]
        tabs = tabs_for(Role.CLERK)
        assert fast_counts(later_store, clerk, TicketFilter(), tabs) == plain_counts(later_store, clerk, TicketFilter(), tabs)
    finally:
        later_store.disconnect()


# -- search ---------------------------------------------------------------------


def search_texts(store: Store, rng: random.Random) -> list[str]:
    """Substrings of real titles, contents and enterprise names (1 to 6
    characters), identifiers, mixed case, wildcards and things that occur nowhere."""
    rows = store.conn.execute("SELECT number, external_id, uscc, contact_phone, title, content, enterprise_name "
                              "FROM tickets ORDER BY id").fetchall()
    out = ["路灯", "路", "企", "补贴", "a", "A", "ab", "AB", "Co", "%", "_", "5%", "1", "12", "没有这种诉求", "\\", '"',
           "XZ", "无此企业名称啊"]
    for _ in range(40):
        r = rng.choice(rows)
        text = str(rng.choice([r["title"], r["content"], r["enterprise_name"]]) or "")
        if not text:
            continue
        size = rng.choice([1, 2, 2, 3, 4, 6])
        start = rng.randrange(max(1, len(text) - size + 1))
        out.append(text[start:start + size])
    r = rng.choice(rows)
    out += [r["number"], str(r["uscc"] or ""), str(r["contact_phone"] or ""), str(r["external_id"] or "")]
    return [t for t in dict.fromkeys(out) if t.strip()]


def like_only(store: Store) -> Store:
    """A second connection that searches as before: a LIKE over every ticket."""
    ref = Store(store.path, store.clock, migrate=False)
    ref.queue._text_match = lambda text, page=False: None  # type: ignore[method-assign]  # the reference: no index
    return ref


@pytest.mark.parametrize("through_index", [False, True], ids=["as-planned", "index-always"])
def test_search_rows_and_counts_equal_the_like_search(demo: Store, monkeypatch: pytest.MonkeyPatch,
                                                       through_index: bool) -> None:
    """As planned (common texts scanned, rare ones through the index) and with
    every search forced through the index: the same rows and counts."""
    if through_index:
        monkeypatch.setattr(queue_area, "PAGE_SCAN_FACTOR", 10**12)
        monkeypatch.setattr(queue_area, "SCAN_COUNT_SHARE", 0)
    rng = random.Random(3)
    ref = like_only(demo)
    try:
        texts = search_texts(demo, rng)
        assert any(len(t) <= 2 for t in texts)
        indexed = 0
        for actor in actors(demo):
            for text in texts:
                for tab in rng.sample(tabs_for(actor.role), 2):
                    f = TicketFilter(search=text, statuses=list(tab.statuses) if tab.statuses else None,
                                     level=tab.level, supporting=tab.supporting,
                                     center=rng.choice([None, actor.center]))
                    fast, key = demo.queue.page(actor, f, limit=30)
                    slow, slow_key = ref.queue.page(actor, f, limit=30)
                    assert [t.id for t in fast] == [t.id for t in slow], (actor.login, text)
                    assert key == slow_key
                    assert demo.queue.count(actor, f) == ref.queue.count(actor, f), (actor.login, text)
                    assert demo.queue.counts(actor, f) == ref.queue.counts(actor, f), (actor.login, text)
                indexed += demo.queue._text_match(text) is not None
        if through_index:
            assert indexed >= len(texts) - 2  # almost every search went through the index
    finally:
        ref.disconnect()


def test_very_common_short_text_falls_back_to_the_scan(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-character text starting more trigrams than the cap is scanned as
    before (same rows); a short text starting none finds nothing but identifiers."""
    clerk = demo.staff.identify("demo_clerk")
    monkeypatch.setattr(fts, "SHORT_TERM_CAP", 2)
    assert demo.queue._text_match("企") is None
    ref = like_only(demo)
    try:
        for text in ("企", "路", "补贴"):
            f = TicketFilter(search=text)
            assert [t.id for t in demo.queue.page(clerk, f)[0]] == [t.id for t in ref.queue.page(clerk, f)[0]]
            assert demo.queue.count(clerk, f) == ref.queue.count(clerk, f) > 0
    finally:
        ref.disconnect()
    assert demo.queue._text_match("ж") == ""  # no trigram starts with it
    assert demo.queue.count(clerk, TicketFilter(search="ж")) == 0


def test_search_finds_a_ticket_changed_a_moment_ago(demo: Store) -> None:
    """The index follows edits (triggers): a new word is found, the old one not."""
    clerk = demo.staff.identify("demo_clerk")
    tid = demo.conn.execute("SELECT id FROM tickets ORDER BY id LIMIT 1").fetchone()[0]
    with demo.write() as c:
        c.execute("UPDATE tickets SET content = ? WHERE id = ?", ("井盖丢失需尽快补装Qx", tid))
    for text in ("井盖丢失", "补装", "qX", "Qx"):
        found = demo.queue.page(clerk, TicketFilter(search=text), limit=500)[0]
        assert tid in [t.id for t in found], text


def test_a_phone_number_is_found_though_no_text_holds_it(demo: Store) -> None:
    """The identifiers' equality tests stay beside the index: a search for a
    contact phone finds its tickets (the phone is in no title or content)."""
    clerk = demo.staff.identify("demo_clerk")
    phone, n = demo.conn.execute("SELECT contact_phone, count(*) FROM tickets WHERE contact_phone != '' "
                                 "GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    f = TicketFilter(search=phone)
    assert demo.queue.count(clerk, f) >= n
    assert {t.contact_phone for t in demo.queue.page(clerk, f, limit=n)[0]} >= {phone}
