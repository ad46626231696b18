"""Trade associations as the demo leaves them: members drawn from each
association's industries (15–80 each), members who joined during the period
with their history lines, one member removed, and one association whose
subscriptions staff edited in the console.

Planned after the directory and outreach; the policy planner reads which
categories each association subscribes to (``AssociationPlan.categories``).
Draws from a seeded source of its own, plus the context's office hours.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from .context import SEED, Context, Row
from .directory import FAMOUS, Directory
from .staff import CITY_CLERKS, SUPERVISORS

# association code → the industries its members come from (first is the core)
ASSOCIATION_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "gcjx": ("工程机械", "汽车零部件"), "wl": ("物流",), "rjxx": ("软件", "电子信息"), "sp": ("食品加工", "农业合作社"),
    "jzy": ("建筑", "建材"), "yy": ("医药",), "wstz": ("商贸", "电子信息", "汽车零部件"), "xny": ("新能源",),
    "zxqy": ("商贸", "餐饮", "纺织服装", "个体餐饮"), "jcdl": ("电子信息",), "yj": ("工程机械", "建材"),
    "dzsw": ("商贸", "软件"), "fdc": ("建筑",), "xcl": ("化工", "新能源"), "my": ("木业家具", "建材"),
    "ly": ("餐饮", "个体餐饮"),
}
# the association whose subscriptions staff edited in the console, and how
# (in data/categories.toml order, as the console saves them)
EDITED_ASSOCIATION = ("wl", ["财税金融", "产业发展", "用地用房与基础设施", "绿色低碳与安全生产"])
MARKUP_MEMBER_OF = "zxqy"


@dataclass
class AssociationPlan:
    """What the associations planner made: the rows of ``association_members``
    and ``association_events``; each association's name and subscribed
    categories by id (as edited); and the edit to write over the reference
    data, ``(code, categories JSON, at, by)``, if any."""

    rows: dict[str, list[Row]]
    names: dict[int, str]
    categories: dict[int, list[str]]
    edit: tuple[str, str, str, str] | None = None


def plan_associations(ctx: Context, directory: Directory, refs: list[tuple[int, str, str, str]]) -> AssociationPlan:
    """Members per association from its industries (15–80 each), the members
    who joined during the period with their history lines, one member removed,
    and one association whose subscriptions staff edited.  ``refs``: (id,
    code, name, categories JSON) of every association, from the store."""
    r = random.Random(SEED + 3)
    ts, office_t, T = ctx.ts, ctx.office_t, ctx.T
    rows = directory.rows
    n_ents = directory.n_ents
    markup_id = directory.markup_ent.id
    by_industry: dict[str, list[int]] = {}
    for i in range(n_ents):
        by_industry.setdefault(rows[i][4], []).append(i + 1)
    members: list[Row] = []
    events: list[tuple[int, int, str, str, str, dict[str, Any]]] = []
    names = {aid: name for aid, _, name, _ in refs}
    categories: dict[int, list[str]] = {aid: json.loads(cats) for aid, _, _, cats in refs}
    for aid, code, _, _ in refs:
        inds = ASSOCIATION_INDUSTRIES.get(code, ())
        core = list(by_industry.get(inds[0], [])) if inds else []
        more = [e for ind in inds[1:] for e in by_industry.get(ind, [])]
        r.shuffle(core)
        r.shuffle(more)
        want = max(15, min(80, int(len(core) * (0.25 + 0.3 * r.random()))))
        chosen = list(dict.fromkeys(core[:want] + more))[:want]
        if len(chosen) < 15:  # a small demo: the rest from any industry
            taken = set(chosen)
            rest = [e for e in range(len(FAMOUS) + 1, n_ents + 1) if e not in taken]
            chosen += r.sample(rest, 15 - len(chosen))
        if code == MARKUP_MEMBER_OF:
            chosen.append(markup_id)
        for eid in chosen:
            row = rows[eid - 1]
            if r.random() < 0.85:
                members.append((aid, eid, ctx.created_at, "导入"))
                continue
            t = office_t(int(T * r.random()))
            actor = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
            members.append((aid, eid, ts(t), actor))
            events.append((aid, t, actor, "member_add", f"新增会员 {row[1]}",
                           {"enterprise_id": eid, "name": row[1], "uscc": row[2]}))
    # a member that closed its local branch was taken off the list (the row goes, the history stays)
    at = next(i for i in range(len(members) // 2, len(members))
              if members[i][3] == "导入" and members[i][1] != markup_id)
    gone = members.pop(at)
    row = rows[gone[1] - 1]
    t = office_t(T - 40)
    events.append((gone[0], t, SUPERVISORS[0], "member_remove", f"移除会员 {row[1]}：企业已注销本地分支机构",
                   {"enterprise_id": row[0], "name": row[1], "uscc": row[2], "joined_at": gone[2],
                    "added_by": gone[3]}))
    edit = None
    code, cats = EDITED_ASSOCIATION
    edited = next(((aid, json.loads(c)) for aid, k, _, c in refs if k == code), None)
    if edited is not None:
        t = office_t(T - 25)
        old = edited[1]
        events.append((edited[0], t, SUPERVISORS[0], "subscriptions", f"订阅：{'、'.join(old)} → {'、'.join(cats)}",
                       {"categories": [old, cats]}))
        edit = (code, json.dumps(cats, ensure_ascii=False), ts(t), SUPERVISORS[0])
        categories[edited[0]] = cats
    events.sort(key=lambda e: e[1])
    out = {"association_members": members,
           "association_events": [(a, ts(t), who, act, note, json.dumps(ch, ensure_ascii=False))
                                  for a, t, who, act, note, ch in events]}
    return AssociationPlan(out, names, categories, edit)
