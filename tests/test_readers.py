"""The console's worker connections (``store.Readers``): kept between workers,
never shared by two at once, seeing every commit, closed with the app."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from xzconsole.models import TicketIntake
from xzconsole.store import Readers, Store, StoreError, TicketFilter


def test_a_reader_is_kept_for_the_next_worker(store: Store) -> None:
    readers = Readers(store.path, store.clock)
    with readers.reader() as first:
        pass
    with readers.reader() as again:
        assert again is first  # no new connection, its caches kept
    readers.close()


def test_two_workers_at_once_get_two_connections(store: Store) -> None:
    readers = Readers(store.path, store.clock)
    with readers.reader() as a, readers.reader() as b:
        assert a is not b and a.conn is not b.conn
    readers.close()


def test_a_reader_sees_what_the_console_just_wrote(store: Store, staff: Any) -> None:
    readers = Readers(store.path, store.clock)
    clerk = staff["clerk"]
    with readers.reader() as r:
        before = r.queue.count(clerk, TicketFilter(statuses=["new"]))
    store.tickets.accept(clerk, TicketIntake(appeal_type="consultation", enterprise_name="徐州读者有限公司",
                                             content="咨询"))
    with readers.reader() as r:
        assert r.queue.count(clerk, TicketFilter(statuses=["new"])) == before + 1
    readers.close()


def test_a_reader_is_used_from_the_worker_thread_that_borrowed_it(store: Store, staff: Any) -> None:
    readers = Readers(store.path, store.clock)
    with readers.reader():
        pass  # opened on this thread
    seen: list[int] = []

    def work() -> None:
        with readers.reader() as r:
            seen.append(r.queue.counts(staff["clerk"], TicketFilter()).total)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [store.queue.counts(staff["clerk"], TicketFilter()).total]
    readers.close()


def test_closing_closes_idle_ones_now_and_busy_ones_when_done(store: Store) -> None:
    readers = Readers(store.path, store.clock)
    with readers.reader() as busy:
        with readers.reader() as idle:
            pass
        readers.close()
        with pytest.raises(sqlite3.ProgrammingError):
            idle.conn.execute("SELECT 1")
        busy.conn.execute("SELECT 1")  # still usable by its worker
    with pytest.raises(sqlite3.ProgrammingError):
        busy.conn.execute("SELECT 1")
    with pytest.raises(StoreError):
        with readers.reader():
            pass
