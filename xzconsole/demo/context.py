"""What every planner of the demo shares: the seeded random source, the moment
``now``, the store's calendar as a table of days, the time arithmetic on it,
and the store's departments.

Times inside the generator are plain integers — a day number counted from
the first day of the period and seconds since that day's midnight
(``t = day * 86400 + seconds``) — turned into the store's ISO strings only
when a row is written (:attr:`Context.ts`, a table look-up).  That, and the
calendar as lists, keeps the per-ticket work to list indexing.

The context is passed explicitly to every planner; whoever draws from
``rnd`` changes what all later draws see, so :func:`xzconsole.demo.build.build_demo`
calls the planners in one fixed order.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Callable, Mapping

from dateutil.relativedelta import relativedelta

from ..store import Store
from ..workdays import WorkCalendar
from .places import GIVEN, MOBILE_PREFIX, SURNAMES
from .staff import FIXED_LIAISONS

SEED = 12345
HISTORY_MONTHS = 18

Row = tuple[Any, ...]
"""One row for the store's bulk loader, in its table's column order."""


class Days:
    """The store's calendar from ``first`` to ``last`` as lists indexed by day number.

    Built once from ``WorkCalendar`` (a few hundred look-ups), so the per-ticket
    work is list indexing: ``add_wd(i, n)`` is ``WorkCalendar.add_workdays``.
    """

    def __init__(self, cal: WorkCalendar, first: dt.date, last: dt.date) -> None:
        n = (last - first).days + 1
        self.first = first
        self.dates = [first + dt.timedelta(days=i) for i in range(n)]
        self.iso = [d.isoformat() for d in self.dates]
        self.prefix = [s + "T" for s in self.iso]
        self.workday = [cal.is_workday(d) for d in self.dates]
        num = [cal.number(d) for d in self.dates]
        base = num[0] - (1 if self.workday[0] else 0)
        self.numr: list[int] = [k - base - 1 for k in num]  # index into wd_list of the latest working day ≤ day
        self.num: list[int] = num  # the calendar's running number of working days
        self.wd_list: list[int] = [i for i in range(n) if self.workday[i]]  # the working days' numbers
        prov = 0
        self.prov: list[int] = []  # how many provisional days (calendar not yet published) up to each day
        for d in self.dates:
            prov += cal.is_provisional(d)
            self.prov.append(prov)

    def add_wd(self, i: int, n: int) -> int:
        """The day ``n`` working days after day ``i`` (``WorkCalendar.add_workdays``)."""
        return self.wd_list[self.numr[i] + n]


class Context:
    """The generator's shared state: ``rnd`` (seeded), the day table ``days``
    over the 18 months before ``now`` (and 150 days after, for due dates),
    ``T`` today's day number, ``now_t`` now as a generator time, and the
    store's departments by short name.

    ``ts``, ``wt``, ``on_day`` and ``level`` are closures made once rather than
    methods: the ticket story calls them millions of times, and binds them to
    locals.
    """

    def __init__(self, store: Store, now: dt.datetime, seed: int = SEED) -> None:
        self.now = now
        self.rnd = random.Random(seed)
        cal = store.calendar()
        self.today = now.date()
        self.first = (now - relativedelta(months=HISTORY_MONTHS)).date()
        self.days = Days(cal, self.first, self.today + dt.timedelta(days=150))
        self.T = (self.today - self.first).days
        self.now_t = self.T * 86400 + now.hour * 3600 + now.minute * 60 + now.second
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+08:00" for s in range(86400)]
        departments = store.departments(include_inactive=True)
        self.depts = {d.short_name: d.id for d in departments if d.id is not None}  # stored: all have ids
        self.dept_codes = {d.short_name: d.code for d in departments}
        self.knowledge = store.loader.knowledge_refs()
        self.ts, self.wt, self.on_day, self.level = self._time_helpers()
        self.created_at = self.ts(0)  # when the old system's records were imported: the first moment

    def _time_helpers(self) -> tuple[Callable[[int], str], Callable[[int], int], Callable[[int], int],
                                     Callable[[int, int], int]]:
        """ts, wt, on_day, level: the per-ticket time arithmetic, made once."""
        r = self.rnd.random
        D = self.days
        P, H = D.prefix, self.hms
        wd_list, numr, num, workday = D.wd_list, D.numr, D.num, D.workday

        def ts(t: int) -> str:
            """The store's timestamp of generator time ``t``."""
            return P[t // 86400] + H[t % 86400]

        def wt(t: int) -> int:
            """The same moment if within office hours on a working day, else the next opening."""
            d, s = divmod(t, 86400)
            if workday[d]:
                if 30600 <= s < 63000:
                    return t
                if s < 30600:
                    return d * 86400 + 30600 + s % 1800
            nd = wd_list[numr[d] + 1]
            return nd * 86400 + 30600 + s % 2700

        def on_day(d: int) -> int:
            """A random moment in office hours (08:30–17:00) of day ``d`` (draws from ``rnd``)."""
            return d * 86400 + 30600 + int(r() * 30600)

        def level(due_d: int, d: int) -> int:
            """The warning level on day ``d`` of a ticket due on ``due_d``: working days overdue, laddered."""
            if d <= due_d:
                return 0
            ov = num[d] - num[due_d]
            return 3 if ov >= 5 else 2 if ov >= 3 else 1

        return ts, wt, on_day, level

    def office_t(self, day: int) -> int:
        """A moment in office hours on the latest working day ≤ ``day`` (inside the period)."""
        D = self.days
        d = D.wd_list[D.numr[max(1, min(day, self.T - 1))]]
        return self.on_day(d)

    def person(self) -> str:
        """A person's name (surname and given name)."""
        r = self.rnd
        return SURNAMES[int(r.random() * len(SURNAMES))] + GIVEN[int(r.random() * len(GIVEN))]

    def mobile(self) -> str:
        """A mobile number."""
        r = self.rnd
        return MOBILE_PREFIX[int(r.random() * len(MOBILE_PREFIX))] + f"{int(r.random() * 100_000_000):08d}"

    def phone(self) -> str:
        """An enterprise's phone: mostly a mobile, else a Xuzhou (0516) landline."""
        r = self.rnd
        if r.random() < 0.78:
            return self.mobile()
        return f"0516-{'8' if r.random() < 0.8 else '6'}{int(r.random() * 10_000_000):07d}"

    def liaison(self, short: str) -> str:
        """The login of a department's liaison (who signs and replies for it)."""
        return FIXED_LIAISONS.get(short) or f"dept_{self.dept_codes[short]}"


def cumulative(weights: Mapping[Any, float]) -> list[float]:
    """Cumulative shares of ``weights`` (in their order), the last exactly 1.0, for :func:`pick`."""
    total = float(sum(weights.values()))
    acc = 0.0
    out = []
    for w in weights.values():
        acc += w / total
        out.append(acc)
    out[-1] = 1.0
    return out


def pick(cum: list[float], u: float) -> int:
    """The index that a uniform draw ``u`` falls on in a :func:`cumulative` list."""
    for i, c in enumerate(cum):
        if u < c:
            return i
    return len(cum) - 1
