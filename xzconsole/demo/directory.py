"""The enterprise directory as the demo leaves it: one record per enterprise
with a valid 统一社会信用代码, imported from the old system at the start of the
period, plus what staff did to the records over it (notes and industries
edited, contacts added and removed, two duplicate records merged) and the
records made later (on a visit, from feedback, by a clerk, by a caller).

``Directory`` is planned first; outreach and policy feedback add records to
it, and the ticket story reads ``ents`` (the per-ticket view of each record).
A record's history lines wait in ``log`` until the tickets are written,
because a merge lists the tickets it moved.
"""

from __future__ import annotations

import json
import random
from typing import Any, Callable, NamedTuple

from .. import pinyin_keys
from ..models import USCC_CHARS, uscc_check_char
from .context import Context, Row, cumulative, pick
from .places import DEFAULT_PREFIX, DISTRICTS, INDUSTRIES, NAME_PREFIX, TRADE1, TRADE2
from .staff import CITY_CLERKS, SUPERVISORS

MARKUP_ENTERPRISE = "[b]x[/b]商贸有限公司"
"""An enterprise whose name looks like Rich markup: every screen must show it literally."""

# Well-known names of the demo city (invented): the first enterprises, so the
# skewed draw of tickets gives them long histories; every prescribed ticket of
# the warning panel belongs to one of them, so their pages show every status.
# (name, industry, district)
FAMOUS: list[tuple[str, str, str]] = [
    ("徐州恒瑞重工机械有限公司", "工程机械", "徐州经济技术开发区"),
    ("江苏汉源新能源科技有限公司", "新能源", "邳州市"),
    ("徐州彭城食品有限公司", "食品加工", "铜山区"),
    ("徐州淮海供应链管理有限公司", "物流", "泉山区"),
    ("江苏楚润生物医药科技有限公司", "医药", "徐州高新技术产业开发区"),
    ("徐州云龙湖酒店管理有限公司", "餐饮", "云龙区"),
]
# Records the center once made twice: (index in FAMOUS, the name a caller gave
# without a USCC, days after the start it was created, days before now it was
# merged into the real record).  Tickets in between carry that name.
DUPLICATE_RECORDS = [(0, "徐州恒瑞重工机械公司", 60, 75), (2, "彭城食品厂", 150, 20)]
POSITIONS = ("财务负责人", "行政主管", "人事经理", "办公室主任", "法务专员", "项目经理", "总经理助理", "安全主管")
ENTERPRISE_NOTES = ("省级专精特新中小企业", "规上工业企业，重点服务对象", "拟上市后备企业", "市重大产业项目承建单位",
                    "高新技术企业")
# enterprises first met elsewhere than in a ticket, by first source: how many
LATE_RECORDS = {"visit": 12, "feedback": 4, "manual": 3}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc(r: random.Random, kind: str, division: str) -> str:
    """A valid 统一社会信用代码: type, division, a GB 11714 organisation code, check char."""
    rand = r.random
    if rand() < 0.75:  # codes issued since 2015 mostly start with MA
        body = "MA" + "".join(USCC_CHARS[int(rand() * 31)] for _ in range(6))
    else:
        body = "".join(str(int(rand() * 10)) for _ in range(8))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS))
    c9 = 11 - total % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    first17 = kind + division + org
    return first17 + uscc_check_char(first17)


class Enterprise(NamedTuple):
    """A record as the ticket story sees it: who a ticket is about and who calls for it."""

    id: int
    name: str
    uscc: str
    district: str
    county: str  # the short name of the county government that handles "@" topics
    contact: str
    phone: str
    extras: tuple[tuple[str, str], ...]  # further contacts still listed: (name, phone)


# A record's history line before it is written: (record, time, actor, action,
# note, changes); a merge's changes wait as ("moved", dropped record, its
# name, the contact it brought) until the tickets it moved are known.
Merge = tuple[str, int, str, int]
LogLine = tuple[int, int, str, str, str, dict[str, Any] | Merge]


class Directory:
    """The enterprise records being planned.

    ``rows`` are the ``enterprises`` rows as lists in ``ENTERPRISE_COLUMNS``
    order (the other planners complete them; :meth:`finish_records` gives
    them out), ``ents`` the per-ticket view of the imported records,
    ``contacts`` the ``enterprise_contacts`` rows, ``log`` the history lines
    and ``variants`` the name a caller gave for a record that was recorded
    twice: record id → (from time, name, contact, phone).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rows: list[list[Any]] = []
        self.ents: list[Enterprise] = []
        self.contacts: list[list[Any]] = []  # enterprise_contacts rows, ids given
        self.log: list[LogLine] = []
        self.variants: dict[int, tuple[int, str, str, str]] = {}
        self.usccs: set[str] = set()
        self.names: set[str] = {f[0] for f in FAMOUS} | {d[1] for d in DUPLICATE_RECORDS}
        self.n_ents = 0  # imported records tickets are drawn from (the markup one only has its own scenarios)

    @property
    def markup_ent(self) -> Enterprise:
        """The record whose name looks like markup (the last imported one)."""
        return self.ents[-1]

    def plan(self, total: int) -> None:
        """Plan the records imported at the start (one per 20 tickets, at least
        200; the well-known ones first, the markup one last) with their further
        contacts, which came with the old system's records; then what staff did
        to them (:meth:`_records`)."""
        ctx = self.ctx
        r = ctx.rnd
        n = max(200, total // 20)
        dist_cum = cumulative({i: d[3] for i, d in enumerate(DISTRICTS)})
        ind_cum = cumulative({i: x[2] for i, x in enumerate(INDUSTRIES)})
        by_district = {d[1]: d for d in DISTRICTS}
        names = self.names
        created = ctx.created_at
        for eid in range(1, n + 2):
            di = pick(dist_cum, r.random())
            code, district, county, _ = DISTRICTS[di]
            ii = pick(ind_cum, r.random())
            industry, endings, _ = INDUSTRIES[ii]
            if eid == n + 1:  # the one whose name looks like markup: shown literally everywhere
                name, district, county, industry, code = MARKUP_ENTERPRISE, "云龙区", "云龙区", "商贸", "320303"
            elif eid <= len(FAMOUS):
                name, industry, district = FAMOUS[eid - 1]
                code, _, county, _ = by_district[district]
            else:
                for _ in range(50):
                    prefix = r.choice(NAME_PREFIX.get(district, DEFAULT_PREFIX))
                    a, b = r.choice(TRADE1), r.choice(TRADE2)
                    if a == b:
                        continue
                    trade = a + b + (r.choice(TRADE2) if r.random() < 0.25 else "")
                    if industry == "个体餐饮":
                        name = f"{county if county.endswith(('县', '市')) else '徐州'}{trade}{r.choice(endings)}"
                    else:
                        name = f"{prefix}{trade}{r.choice(endings)}"
                    if name not in names:
                        break
                names.add(name)
            kind = "92" if industry == "个体餐饮" else "93" if industry == "农业合作社" else "91"
            credit_code = self.fresh_uscc(r, kind, code)
            contact = ctx.person()
            phone = ctx.phone()
            # further contacts: other people who call for the enterprise
            extras: list[tuple[str, str]] = []
            u = r.random()
            for _ in range(2 if eid <= len(FAMOUS) else 0 if u < 0.45 else 1 if u < 0.85 else 2):
                c_name, c_phone = ctx.person(), ctx.phone()
                self.contacts.append([len(self.contacts) + 1, eid, c_name, c_phone, r.choice(POSITIONS), created, "导入",
                                      None, None])
                extras.append((c_name, c_phone))
            self.rows.append([eid, name, credit_code, district, industry, contact, phone, created, None, "import", "",
                              None, "", 1])
            self.ents.append(Enterprise(eid, name, credit_code, district, county, contact, phone, tuple(extras)))
        self.n_ents = n
        self._records()

    def fresh_uscc(self, r: random.Random, kind: str, division: str) -> str:
        """A valid USCC no record has yet."""
        while True:
            code = uscc(r, kind, division)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def fresh_name(self, r: random.Random, endings: tuple[str, ...]) -> str:
        """A name no record has yet (a later record is another enterprise)."""
        while True:
            name = f"徐州{r.choice(TRADE1)}{r.choice(TRADE2)}{r.choice(TRADE2)}{r.choice(endings)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def new_enterprise(self, name: str, uscc: str | None, district: str, industry: str, contact: str, phone: str,
                       t: int, source: str, by: str = "") -> int:
        """A record made later than the import (a visit, feedback, a clerk, a caller); its id."""
        ts = self.ctx.ts
        eid = len(self.rows) + 1
        self.rows.append([eid, name, uscc, district, industry, contact, phone, ts(t), None, source, "",
                          ts(t) if by else None, by, 1])
        return eid

    def _records(self) -> None:
        """What staff did to the records over the period, as the directory's
        store methods leave it: notes and industries edited, contacts added and
        removed, duplicate records merged.  The history lines wait in
        ``log`` for the tickets (a merge lists the tickets it moved)."""
        ctx = self.ctx
        r = ctx.rnd
        T = ctx.T
        ts, office_t = ctx.ts, ctx.office_t
        log = self.log
        for i in range(len(FAMOUS)):
            eid = i + 1
            row = self.rows[i]
            actor = CITY_CLERKS[i % len(CITY_CLERKS)]
            note = ENTERPRISE_NOTES[i % len(ENTERPRISE_NOTES)]
            log.append((eid, office_t(int(T * (0.1 + 0.5 * r.random()))), actor, "edit", "修改备注",
                        {"note": ["", note]}))
            row[10] = note
            t = office_t(int(T * (0.3 + 0.65 * r.random())))
            cid, name, phone, pos = len(self.contacts) + 1, ctx.person(), ctx.mobile(), r.choice(POSITIONS)
            self.contacts.append([cid, eid, name, phone, pos, ts(t), actor, None, None])
            log.append((eid, t, actor, "contact_add", f"{name} {phone}（{pos}）",
                        {"contact": [None, {"id": cid, "name": name, "phone": phone, "position": pos}]}))
            if i % 2 == 0:  # somebody left: the imported contact is marked removed (kept in the history)
                gone = next(c for c in self.contacts if c[1] == eid)
                t = office_t(int(T * (0.2 + 0.7 * r.random())))
                gone[7], gone[8] = ts(t), actor
                log.append((eid, t, actor, "contact_remove", f"{gone[2]} {gone[3]}",
                            {"contact": [{"id": gone[0], "name": gone[2], "phone": gone[3]}, None]}))
                e = self.ents[i]
                self.ents[i] = e._replace(extras=tuple(x for x in e.extras if x != (gone[2], gone[3])))
        # industries corrected after a check of what the enterprise really does
        swaps = {"软件": "电子信息", "电子信息": "软件", "建材": "建筑", "建筑": "建材", "化工": "新能源", "商贸": "物流"}
        for _ in range(min(40, 5 + self.n_ents // 100)):
            i = len(FAMOUS) + int(r.random() * (self.n_ents - len(FAMOUS)))
            row = self.rows[i]
            new = swaps.get(row[4])
            if new is None or any(x[0] == row[0] for x in log):
                continue
            log.append((row[0], office_t(int(T * r.random())), SUPERVISORS[0], "edit", "修改行业",
                        {"industry": [row[4], new]}))
            row[4] = new
        # the same enterprise recorded twice (a caller gave a short name and no
        # USCC), merged into the real record later
        for fi, variant, made, merged_ago in DUPLICATE_RECORDS:
            if made >= T - merged_ago:
                continue
            keep = self.rows[fi]
            t_made, t_merge = office_t(made), office_t(T - merged_ago)
            name, phone = ctx.person(), ctx.mobile()
            drop = self.new_enterprise(variant, None, keep[3], keep[4], name, phone, t_made, "ticket")
            cid = len(self.contacts) + 1
            self.contacts.append([cid, keep[0], name, phone, "", ts(t_merge), SUPERVISORS[0], None, None])
            self.variants[keep[0]] = (t_made, variant, name, phone)
            log.append((keep[0], t_merge, SUPERVISORS[0], "merge_in", f"并入重复档案 #{drop}“{variant}”",
                        ("moved", drop, variant, cid)))
            log.append((drop, t_merge, SUPERVISORS[0], "merged", f"并入档案 #{keep[0]}“{keep[1]}”",
                        {"merged_into": [None, keep[0]]}))
            self.rows[drop - 1][8] = keep[0]
        # typed in by a clerk (手工建档): complete records, no history line
        for _ in range(LATE_RECORDS["manual"]):
            code, district, _, _ = DISTRICTS[int(r.random() * len(DISTRICTS))]
            industry, endings, _ = INDUSTRIES[int(r.random() * 15)]
            self.new_enterprise(self.fresh_name(r, endings), self.fresh_uscc(r, "91", code), district, industry,
                                ctx.person(), ctx.mobile(), office_t(int(T * (0.3 + 0.7 * r.random()))),
                                "manual", by=CITY_CLERKS[int(r.random() * len(CITY_CLERKS))])

    def finish_records(self) -> list[list[Any]]:
        """The enterprise rows, each edited record with its version and last
        change from its history (call after every planner), and the pinyin
        keys of its name, which the directory searches (each distinct name
        converted once)."""
        last: dict[int, tuple[int, str]] = {}
        count: dict[int, int] = {}
        for eid, t, actor, *_ in self.log:
            count[eid] = count.get(eid, 0) + 1
            if eid not in last or t >= last[eid][0]:
                last[eid] = (t, actor)
        for eid, n in count.items():
            row = self.rows[eid - 1]
            row[11], row[12], row[13] = self.ctx.ts(last[eid][0]), last[eid][1], 1 + n
        found = pinyin_keys.keys_many(row[1] for row in self.rows)
        for row in self.rows:
            del row[14:]  # (called once; kept idempotent)
            row.extend(found[row[1]])
        return self.rows

    def events(self, moved_tickets: Callable[[int, str, str], list[int]]) -> list[Row]:
        """The records' history lines (``enterprise_events`` rows) in time order;
        ``moved_tickets(enterprise, name, before)`` gives the tickets a merge
        moved (those the duplicate record had: its name, before the merge)."""
        ts = self.ctx.ts
        out: list[Row] = []
        for eid, t, actor, action, note, changes in sorted(self.log, key=lambda x: (x[1], x[0])):
            if isinstance(changes, tuple):  # a merge: what moved is known once the tickets are in
                _, drop, variant, cid = changes
                moved = {"tickets": moved_tickets(eid, variant, ts(t)), "contacts": [cid], "feedback": [],
                         "records": [], "memberships": [], "visits": []}
                changes = {"merged_from": [None, drop], "moved": moved}
            out.append((eid, ts(t), actor, action, note, json.dumps(changes, ensure_ascii=False)))
        return out
