"""The prescribed tickets: a few dozen tickets whose state at ``now`` is fixed
in advance, so that every status, every warning level and every notice of the
warning panel (due today, not yet dispatched, not yet signed, a supporting
part past its deadline, pending extension and late-return requests) is
present in every demo, however small.

A scenario says where the ticket's story must stop and how late it must be;
:func:`place` picks a topic whose time limit allows that and the day of
intake that gives the prescribed due date.  The ticket story then draws the
ticket again until it comes out as prescribed (``xzconsole.demo.tickets``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .context import Context
from .directory import FAMOUS
from .topics import TYPE_LIMIT, Appeals


@dataclass
class Scenario:
    """One prescribed ticket: the status it must have at ``now`` (``want``) and
    the step its story stops before (``stop``), the warning level it must be
    at, and the turns its story must take.  ``day``, ``sec``, ``topic`` and
    ``source`` are filled in by :func:`place`; ``ent`` is the index of its
    well-known enterprise (unless it is the markup enterprise's)."""

    want: str
    dept: str = ""  # short name of the handling department, "@": the enterprise's county; "": by turns
    day: int = -1  # placed by due_off once its appeal type is known
    sec: int = 0
    stop: str | None = None
    level: int | None = None
    due_off: int | None = None  # working days from today to the due date (negative: overdue)
    due_today: bool = False
    confidential: bool = False
    pending_ext: bool = False
    pending_ret: bool = False
    early_return: bool = False
    reply_by: int | None = None  # replied this many working days before today
    unsat: bool = False
    markup: bool = False
    joint: str | None = None  # "late": a supporting part late and still open; "open": one still in time
    topic: int = 0
    source: str = "hotline"
    ent: int = 0


def prescribed(ctx: Context) -> list[Scenario]:
    """Tickets whose state at ``now`` is prescribed, so every status, every
    warning level and every notice of the warning panel is present."""
    D, T = ctx.days, ctx.T
    today_wd = D.numr[T]  # index of the latest working day ≤ today in wd_list
    depts = ("市人社局", "市税务局", "市住建局")
    out: list[Scenario] = []

    def wd_back(k: int) -> int:
        """The working day ``k`` working days before today."""
        return D.wd_list[today_wd - k]

    def add(n: int, s: Scenario) -> None:
        """``n`` tickets like ``s``; without a department, the next of ``depts``
        in turn (per call, not per ticket: both tickets of add(2, …) share it)."""
        if not s.dept:
            s.dept = depts[len(out) % 3]
        out.append(s)
        out.extend(replace(s) for _ in range(n - 1))

    now_sec = ctx.now_t - T * 86400
    add(2, Scenario("new", day=T, sec=max(0, now_sec - 600 - 1200 * len(out)), stop="dispatch"))
    # not dispatched by the next working day
    add(2, Scenario("new", day=wd_back(3), sec=15 * 3600, stop="dispatch"))
    add(2, Scenario("dispatched", due_off=4, stop="sign", level=0))  # dispatched yesterday, still in time
    add(2, Scenario("dispatched", due_off=2, stop="sign", level=0))  # unsigned past 1 working day
    add(1, Scenario("dispatched", due_off=-6, stop="sign", level=3))
    add(2, Scenario("signed", due_off=2, stop="reply", level=0))
    if D.workday[T]:
        add(2, Scenario("signed", due_off=0, stop="reply", level=0, due_today=True))
    add(1, Scenario("signed", due_off=-1, stop="reply", level=1))
    add(1, Scenario("signed", due_off=-2, stop="reply", level=1))
    add(1, Scenario("signed", due_off=-3, stop="reply", level=2))
    add(1, Scenario("signed", due_off=-4, stop="reply", level=2, confidential=True))
    add(1, Scenario("signed", due_off=-6, stop="reply", level=3))
    add(1, Scenario("signed", due_off=-12, stop="reply", level=3))
    add(2, Scenario("signed", due_off=1, stop="reply", level=0, pending_ext=True))
    add(2, Scenario("signed", due_off=1, stop="reply", level=0, pending_ret=True))
    add(2, Scenario("returned", due_off=4, early_return=True, stop="redispatch"))
    add(2, Scenario("replied", due_off=1, stop="followup", reply_by=1))
    add(2, Scenario("reopened", due_off=-3, unsat=True, stop="sign2"))
    add(1, Scenario("signed", dept="@", due_off=1, stop="reply", level=0, markup=True))
    add(1, Scenario("closed", dept="@", due_off=-40, markup=True))
    add(2, Scenario("closed", due_off=-8))
    # joint cases: a supporting part late and still open now (a notice), one still in time
    add(1, Scenario("signed", dept="市住建局", due_off=-1, stop="reply", level=1, joint="late"))
    add(1, Scenario("signed", dept="市人社局", due_off=3, stop="reply", level=0, joint="open"))
    seen: set[str] = set()
    for i, s in enumerate(out):
        # the first well-known enterprise gets one ticket in every state and the
        # worst warnings; the other well-known ones share the rest
        if not s.markup:
            first = s.want not in seen or s.level == 3
            seen.add(s.want)
            s.ent = 0 if first else 1 + i % (len(FAMOUS) - 1)
    return out


def place(ctx: Context, appeals: Appeals, s: Scenario) -> None:
    """Choose the topic and the day of intake that give the prescribed due date,
    and the channel it came in by (draws from the context's source)."""
    r = ctx.rnd
    D, T = ctx.days, ctx.T
    topics = appeals.topics
    want_type = None
    dept = s.dept
    if s.confidential or s.joint:
        want_type = "complaint"
    cands = [i for i, t in enumerate(topics)
             if (t[2] == dept) and (want_type is None or t[1] == want_type)]
    if dept == "@":
        cands = [i for i, t in enumerate(topics) if t[2] == "@" and t[0] == "路灯损坏"]
    due_off = s.due_off
    if due_off is not None:
        # the clock must start on a past working day: the limit must exceed due_off
        # a late return request needs 3 working days after dispatch before today
        need = 5 if s.pending_ret else due_off + 1
        ok = [i for i in cands if TYPE_LIMIT[topics[i][1]] >= need]
        cands = ok or [i for i, t in enumerate(topics) if t[2] == dept and TYPE_LIMIT[t[1]] == 5]
    s.topic = cands[int(r.random() * len(cands))]
    if due_off is not None:
        limit = TYPE_LIMIT[topics[s.topic][1]]
        today_wd = D.numr[T]
        s.day = D.wd_list[today_wd + due_off - limit]
        s.sec = 8 * 3600 + 40 * 60 + int(r.random() * 2400)
    s.source = "hotline" if r.random() < 0.7 else "platform"
