"""Intake: how many appeals arrive each day and when, by which channel, in
which order they get their numbers, which are same-day duplicates, and
where the prescribed tickets fall; each told by the ticket lifecycle and
handed out a batch at a time.

Tickets are numbered per day in order of arrival (``XZ`` + date + a
five-digit sequence, hotline calls also get a 12345 work-order id), as the
store's intake numbers them, so the batches come in ticket-id order.
"""

from __future__ import annotations

from typing import Iterator

from .context import Context, Row, pick
from .scenarios import Scenario, place, prescribed
from .tickets import Duplicate, Lifecycle
from .topics import SOURCE_WEIGHTS, Appeals

BATCH_TICKETS = 20_000

Batch = tuple[list[Row], list[Row], list[Row], list[Row], list[Row]]
"""The rows of one batch: tickets, events, supervisions, supporting parts, consultations."""


def day_counts(ctx: Context, n: int) -> list[int]:
    """Tickets per day, growing over the period, fewer on rest days (today's
    share in proportion to the part of it gone by ``now``)."""
    D, T = ctx.days, ctx.T
    weights = []
    for i in range(T + 1):
        w = (1.0 if D.workday[i] else 0.28) * (0.7 + 0.6 * i / max(T, 1))
        if i == T:
            w *= max(ctx.now_t - T * 86400, 0) / 86400
        weights.append(w)
    total = sum(weights) or 1.0
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    rest = n - sum(counts)
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:rest]:
        counts[i] += 1
    return counts


def ticket_batches(ctx: Context, appeals: Appeals, lifecycle: Lifecycle, total: int,
                   batch: int = BATCH_TICKETS) -> Iterator[Batch]:
    """(tickets, events, supervisions, supporting parts, consultations) a
    batch at a time, in ticket-number order: ``total`` tickets over the
    period, the prescribed ones among them.

    A generator: nothing is drawn until the first batch is asked for, so the
    planners that run before (directory, outreach, associations, policies)
    see the random source as they always did, and a forked child can tell
    the stories while its parent writes (``xzconsole.demo.build``)."""
    rand = ctx.rnd.random
    D, T, now_t = ctx.days, ctx.T, ctx.now_t
    scen = prescribed(ctx)[:total]
    for s in scen:
        place(ctx, appeals, s)
    counts = day_counts(ctx, total - len(scen))
    by_day: dict[int, list[Scenario]] = {}
    for s in scen:
        by_day.setdefault(s.day, []).append(s)
    src_cum = appeals.source_cum
    tell = lifecycle.ticket
    sources = list(SOURCE_WEIGHTS)
    tickets: list[Row] = []
    events: list[Row] = []
    sups: list[Row] = []
    parts: list[Row] = []
    consults: list[Row] = []
    tid = 0
    dup_info: dict[int, Duplicate] = {}
    now_sec = now_t - T * 86400
    for day in range(T + 1):
        n = counts[day]
        slots: list[tuple[int, str, Scenario | None]] = []
        work = D.workday[day]
        for _ in range(n):
            src = sources[pick(src_cum, rand())]
            if src in ("counter", "visit") and not work:
                src = "hotline"
            u = rand()
            if src in ("counter", "visit"):
                sec = 30600 + int(u * 32400)
            elif src == "hotline" and u < 0.86 or src != "hotline" and u < 0.7:
                sec = 28800 + int(rand() * 36000)
            else:
                sec = int(rand() * 86400)
            if day == T and sec >= now_sec:
                sec = int(rand() * max(now_sec, 1))
            slots.append((sec, src, None))
        for s in by_day.get(day, ()):
            slots.append((s.sec, s.source, s))
        slots.sort(key=lambda x: x[0])
        prefix = "XZ" + D.iso[day].replace("-", "")
        ext_prefix = "12345-" + D.iso[day].replace("-", "") + "-"
        base = tid + 1
        # same-day duplicates: a later call of the same enterprise about the same thing
        dups: dict[int, int] = {}
        for j in range(1, len(slots)):
            if slots[j][2] is None and rand() < 0.012:
                i = j - 1 - int(rand() * min(j, 6))
                if slots[i][2] is None and slots[i][0] <= slots[j][0] - 600 and i not in dups:
                    dups[i] = j
        hot = 0
        for j, (sec, src, spec) in enumerate(slots):
            tid += 1
            number = f"{prefix}{j + 1:05d}"
            ext_id = None
            if src == "hotline":
                hot += 1
                ext_id = f"{ext_prefix}{hot:06d}"
            recv_t = day * 86400 + sec
            dup_of = dup_info.pop(tid, None)
            target = None
            if j in dups:
                k = dups[j]
                target = (base + k, f"{prefix}{k + 1:05d}", day * 86400 + slots[k][0])
            if spec is not None:
                # a prescribed ticket is drawn again until its story ends where prescribed
                for _attempt in range(60):
                    t_row, t_ev, t_sup, ok, _, joint = tell(tid, number, ext_id, recv_t, src, spec, None, None)
                    if ok:
                        break
            else:
                t_row, t_ev, t_sup, _, dup_out, joint = tell(tid, number, ext_id, recv_t, src, None, dup_of, target)
                if dup_out is not None:
                    dup_info[dup_out.dup_id] = dup_out
            tickets.append(t_row)
            events.extend(t_ev)
            sups.extend(t_sup)
            if joint is not None:
                parts.extend(joint[0])
                consults.extend(joint[1])
            if len(tickets) >= batch:
                yield tickets, events, sups, parts, consults
                tickets, events, sups, parts, consults = [], [], [], [], []
    if tickets:
        yield tickets, events, sups, parts, consults
