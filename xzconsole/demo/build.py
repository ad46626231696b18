"""Building the demo file: the planners called in their one fixed order, and
the rows handed to the store's bulk loader (``store.loader``) a batch at a
time, one transaction per batch.

The order matters twice.  The planners share one seeded random source, so
each must run where it always ran for the demo to stay the same for the
same ``tickets`` and ``now`` (``benchmarks/same_demo.py`` checks that
against a reference revision).  And the rows must be written in an order
the loader accepts: the directory and what refers to it first, the tickets
in batches (told in a forked child while this process writes, from 40,000
tickets up), the records' histories last, since a merge lists the tickets it
moved.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Callable, Iterator

from ..clock import Clock, FixedClock, to_local
from ..store import Store
from .associations import plan_associations
from .context import SEED, Context
from .directory import Directory
from .intake import BATCH_TICKETS, Batch, ticket_batches
from .outreach import plan_outreach
from .policies import load_sample_library, plan_policy_activity
from .policy_work import add_policy_work
from .staff import add_staff
from .tickets import Lifecycle
from .topics import Appeals

# Index strategy, measured with benchmarks/bench_demo.py --compare: dropping
# every secondary index and sorting them afterwards won at 100,000 tickets but
# lost badly at 1,000,000 (each CREATE INDEX re-reads the wide tickets or
# events table: 73 s for the 14 indexes), while the keys that arrive in order
# (dates, statuses, ticket ids) cost little to maintain.  So only the indexes
# on keys that arrive in random order are dropped and rebuilt.
RANDOM_ORDER_INDEXES = ("tickets_uscc", "tickets_name", "tickets_phone", "tickets_enterprise")


def build_demo(path: str, tickets: int = 20000, now: dt.datetime | None = None,
               progress: Callable[[int, int], None] | None = None, *,
               drop: str = "random", pipeline: bool = True, batch: int = BATCH_TICKETS) -> None:
    """Create the demo database at ``path`` (replacing any file there).

    ``tickets`` appeals over the 18 months before ``now`` (default: the wall
    clock, read once through :class:`Clock`); ``progress(done, total)`` is
    called after each batch.  Deterministic for the same arguments.

    The loading strategy can be changed for the benchmark
    (``benchmarks/bench_demo.py --compare``) without changing the rows:
    ``drop`` is "none", "random" (``RANDOM_ORDER_INDEXES``) or "all"
    secondary indexes of tickets and events, dropped while loading and
    rebuilt after; ``pipeline`` tells the ticket stories in a forked child
    process while this one writes them (from two batches up); ``batch`` is
    the number of tickets per transaction.
    """
    now = to_local(now) if now is not None else Clock().now()
    now = now.replace(microsecond=0)
    total = max(0, int(tickets))
    for p in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    store = Store(path, FixedClock(now))
    try:
        store.load_reference_data()
        load_sample_library(store, ages=True)  # the invented policies and knowledge entries: the demo's only
        add_staff(store, random.Random(SEED + 1))
        ctx = Context(store, now)
        appeals = Appeals(ctx.rnd)  # draws first from the shared source, before any planner
        if progress:
            progress(0, total)
        # No rollback journal while loading (measured ~1.8× faster than WAL
        # here): a build that dies half-way leaves a file without the demo
        # mark, which the CLI refuses to open as a demo; rebuilding replaces it.
        with store.loader.loading(journal="OFF", cache_mb=512):
            # the directory, outreach, associations and policy pushes: planned
            # before the tickets, which refer to them (visits, merged records)
            directory = Directory(ctx)
            directory.plan(total)
            related, visits = plan_outreach(ctx, directory)
            associations = plan_associations(ctx, directory, store.loader.association_refs())
            related.update(associations.rows)
            related.update(plan_policy_activity(ctx, directory, associations, store.loader.policy_refs()))
            ents = directory.finish_records()
            dropped: list[str] = []
            derived = store.loader.suspend_derived()  # the queue's tally and search index: filled once, at the end
            if drop == "all":
                dropped = store.loader.drop_indexes(("tickets", "events"))
            elif drop == "random":
                dropped = store.loader.drop_indexes(("tickets",), only=RANDOM_ORDER_INDEXES)
            with store.write():
                store.loader.insert_enterprises(ents)
                store.loader.insert("enterprise_contacts", directory.contacts)
                for table, rows in related.items():
                    store.loader.insert(table, rows)
                if associations.edit is not None:
                    store.loader.edit_association(*associations.edit)
            lifecycle = Lifecycle(ctx, appeals, directory, visits)

            def make() -> Iterator[Batch]:
                """The ticket batches, told from here on (in this process or a forked child)."""
                return ticket_batches(ctx, appeals, lifecycle, total, batch)

            done = 0
            for t_rows, e_rows, s_rows, p_rows, c_rows in piped(make) if pipeline and total >= 2 * batch else make():
                with store.write():
                    store.loader.insert_tickets(t_rows)
                    store.loader.insert_events(e_rows)
                    store.loader.insert_supervisions(s_rows)
                    store.loader.insert("ticket_parts", p_rows)
                    store.loader.insert("consultations", c_rows)
                done += len(t_rows)
                if progress:
                    progress(done, total)
            if dropped:
                store.loader.create_indexes(dropped)
            store.loader.rebuild_derived(derived)
            # the records' histories last: a merge lists the tickets it moved
            store.loader.insert("enterprise_events", directory.events(store.loader.ticket_ids_named))
        # the departments' policy work and the grants ledger, through the store's own steps
        add_policy_work(store, now, directory.rows)
        store.loader.finish()
        store.loader.set_meta("demo", "1")  # last: only a complete build is a demo database
    finally:
        store.disconnect()


def piped(make: Callable[[], Iterator[Batch]]) -> Iterator[Batch]:
    """The batches of ``make()``, produced by a forked child while we insert.

    Generating rows and writing them each take about half the time; on two
    cores they overlap.  The child is a fork of this process (same planners,
    same random state), so the rows are exactly those of ``make()`` here.
    Where fork is unavailable the batches are produced here.
    """
    import multiprocessing as mp
    import pickle

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        yield from make()
        return
    recv, send = ctx.Pipe(duplex=False)

    def produce() -> None:
        """In the child: send each batch pickled, then an empty message (or ``!`` and the error)."""
        recv.close()
        try:
            for b in make():
                send.send_bytes(pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL))
            send.send_bytes(b"")
        except BaseException as exc:  # report, the parent raises it
            send.send_bytes(b"!" + repr(exc).encode())
        finally:
            send.close()

    child = ctx.Process(target=produce, name="xzconsole-demo-rows", daemon=True)
    child.start()
    send.close()
    try:
        while True:
            data = recv.recv_bytes()
            if not data:
                break
            if data[:1] == b"!":
                raise RuntimeError(f"演示数据生成失败：{data[1:].decode(errors='replace')}")
            yield pickle.loads(data)
    finally:
        recv.close()
        if child.is_alive():
            child.terminate()
        child.join()
