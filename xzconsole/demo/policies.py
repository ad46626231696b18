"""Policies at work in the demo: published policies pushed to the
associations subscribed to their category and to single enterprises, and the
enterprises' feedback on them (政策反馈), each with its line in the policy's
history as the store's policy area writes it.

Planned after the associations (it reads their subscriptions); a few
feedback givers are enterprises met here first, added to the directory.
Draws from a seeded source of its own, plus the context's office hours.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from pathlib import Path
from typing import Any

from ..clock import format_datetime
from ..policies import FEEDBACK_SATISFACTION, FEEDBACK_TOPICS
from ..store import Store
from .associations import AssociationPlan
from .context import SEED, Context, Row
from .directory import FAMOUS, LATE_RECORDS, Directory
from .places import DISTRICTS, INDUSTRIES
from .staff import CITY_CLERKS, SUPERVISORS

# policy feedback (政策反馈) texts by satisfaction
FEEDBACK_TEXT = {
    "satisfied": ("政策兑现及时，申报流程简便", "免申即享，资金已到账", "解读清楚，工作人员主动上门辅导"),
    "basically_satisfied": ("政策有帮助，但申报材料偏多", "资金到账时间比预期晚", "希望申报系统操作更简便"),
    "unsatisfied": ("区里落实时又增加了证明材料，和市里政策口径不一致", "申请后两个月无人联系，资金迟迟未到"),
}


def plan_policy_activity(ctx: Context, directory: Directory, associations: AssociationPlan,
                         policies: list[tuple[int, str, str, str | None, str | None]]) -> dict[str, list[Row]]:
    """Pushes of published policies to the associations subscribed to their
    category and to single enterprises, and the enterprises' feedback on
    them, each with its line in the policy's history (as the store writes it):
    the rows of ``policy_pushes``, ``enterprise_pushes``, ``policy_feedback``
    and ``policy_events``.  ``policies``: (id, title, category, published_at,
    valid_until) of the published or expired policies, from the store."""
    r = random.Random(SEED + 4)
    D, T = ctx.days, ctx.T
    ts, on_day = ctx.ts, ctx.on_day
    rows = directory.rows
    first = D.iso[0]
    live = [p for p in policies if p[3] and first <= p[3] <= D.iso[T - 1]]
    pushes, ent_pushes, feedback, events = [], [], [], []
    if not live:
        return {"policy_pushes": [], "enterprise_pushes": [], "policy_feedback": [], "policy_events": []}

    def day_of(iso: str) -> int:
        """The day number of an ISO date."""
        return (dt.date.fromisoformat(iso) - D.first).days

    def after(p: tuple[Any, ...], lo: int = 1, hi: int = 30) -> int | None:
        """A moment some working days after the policy was published (before it ran out, before now)."""
        d = D.add_wd(day_of(p[3]), lo + int(r.random() * (hi - lo + 1)))
        end = min(T - 1, day_of(p[4]) if p[4] and p[4] < D.iso[T] else T - 1)
        return on_day(d) if d <= end else None

    for p in live:
        subscribed = [a for a, cats in associations.categories.items() if p[2] in cats]
        if subscribed and r.random() < 0.6:
            t = after(p, 1, 5)
            if t is not None:
                who = SUPERVISORS[int(r.random() * 2)]
                pushes += [(p[0], a, ts(t), who, "") for a in subscribed]
                events.append((t, p[0], who, "push", f"推送至 {'、'.join(associations.names[a] for a in subscribed)}"))
    # single enterprises: the well-known ones often, a few others once
    targets = [e for e in range(1, len(FAMOUS) + 1) for _ in range(4 + int(r.random() * 5))]
    targets += [e for e in range(len(FAMOUS) + 1, directory.n_ents + 1) if r.random() < 0.03]
    for eid in targets:
        p = live[int(r.random() * len(live))]
        t = after(p)
        if t is None:
            continue
        who = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
        note = "" if r.random() < 0.6 else "企业来电咨询后定向推送"
        row = rows[eid - 1]
        ent_pushes.append((t, p[0], eid, who, note))
        events.append((t, p[0], who, "push", f"推送至企业“{row[1]}”（#{eid}）" + (f"：{note}" if note else "")))
    # feedback (政策反馈): the well-known ones, a few others, and a few enterprises met here first
    givers = [e for e in range(1, len(FAMOUS) + 1) for _ in range(1 + int(r.random() * 3))]
    givers += [e for e in range(len(FAMOUS) + 1, directory.n_ents + 1) if r.random() < 0.01]
    givers += [0] * LATE_RECORDS["feedback"]
    county_depts = [ctx.depts[d[2]] for d in DISTRICTS]
    for eid in givers:
        p = live[int(r.random() * len(live))]
        t = after(p, 3, 40)
        if t is None:
            continue
        u = r.random()
        sat = "satisfied" if u < 0.62 else "basically_satisfied" if u < 0.87 else "unsatisfied"
        complaint = sat == "unsatisfied" and r.random() < 0.6
        who = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
        if eid == 0:
            di = DISTRICTS[int(r.random() * len(DISTRICTS))]
            ind = INDUSTRIES[int(r.random() * 15)]
            name = directory.fresh_name(r, ind[1])
            uscc = directory.fresh_uscc(r, "91", di[0]) if r.random() < 0.7 else None
            eid = directory.new_enterprise(name, uscc, "", "", "", "", t, "feedback")
            # a clerk completes the record the survey left bare
            t_edit = t + 3600
            rows[eid - 1][3], rows[eid - 1][4] = di[1], ind[0]
            directory.log.append((eid, t_edit, who, "edit", "修改所属区域、行业",
                                  {"district": ["", di[1]], "industry": ["", ind[0]]}))
        row = rows[eid - 1]
        topic = FEEDBACK_TOPICS[int(r.random() * len(FEEDBACK_TOPICS))]
        text = r.choice(FEEDBACK_TEXT[sat])
        dept = county_depts[int(r.random() * len(county_depts))] if complaint else None
        feedback.append((t, p[0], row[1], row[2], topic, sat, text, int(complaint), dept, who, eid))
        events.append((t, p[0], who, "feedback", f"{row[1]}：{topic}·{FEEDBACK_SATISFACTION[sat]}"
                                                 f"{'·投诉落实不到位' if complaint else ''}"))
    ent_pushes.sort()
    feedback.sort(key=lambda f: f[0])
    events.sort(key=lambda e: e[0])
    return {
        "policy_pushes": sorted(pushes, key=lambda x: x[2]),
        "enterprise_pushes": [(p, e, ts(t), who, note) for t, p, e, who, note in ent_pushes],
        "policy_feedback": [(p, name, uscc, topic, sat, text, c, dept, ts(t), who, eid)
                            for t, p, name, uscc, topic, sat, text, c, dept, who, eid in feedback],
        "policy_events": [(p, ts(t), who, action, note, "{}") for t, p, who, action, note in events],
    }



SAMPLE_DIR = Path(__file__).resolve().parent / "data"


def load_sample_library(store: Store, data_dir: Path | None = None, *, ages: bool = False) -> dict[str, int]:
    """The demo's invented library: the sample policies and knowledge entries
    of ``demo/data/`` (never loaded by ``xzconsole init``: a center's real
    library starts empty).  Idempotent; a sample policy is published when it
    is complete (summary, interpreter, application link for a declaration).

    ``ages``: the knowledge entries were last updated over the past 13 months
    (spread by their order), as a knowledge base kept for a while is — some
    due for their department's review, some no longer counted as current."""
    folder = Path(data_dir or SAMPLE_DIR)

    def read(name: str, key: str) -> list[dict[str, Any]]:
        path = folder / name
        if not path.exists():
            return []
        with open(path, "rb") as fh:
            items = tomllib.load(fh).get(key, [])
        return list(items)

    knowledge = read("knowledge.toml", "entry")
    policies = read("policies.toml", "policy")
    now = store.now_s()
    with store.write() as c:
        for i, k in enumerate(knowledge):
            when = format_datetime(store.now() - dt.timedelta(days=(i * 37) % 400)) if ages else now
            store.knowledge.insert_entry(c, k, when)
        for p in policies:
            store.library.insert_policy(c, p, now)
    return {"knowledge": len(knowledge), "policies": len(policies)}
