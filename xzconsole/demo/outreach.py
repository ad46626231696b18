"""Outreach (十百千万) as the demo leaves it: the plan for this year and last,
and twelve months of activities up to yesterday — joint service events, town
and park stations (驿站), enterprise visits and card mailings — around or a
little behind the pace of the targets.

The visits are kept by day (``Visits``) so that the ticket story can take
some visit-source appeals on a logged visit, at most three per visit.
Draws from a seeded source of its own, plus the context's office hours and
people's names (so it must run after the directory, before the associations).
"""

from __future__ import annotations

import json
import random
from typing import Any

from dateutil.relativedelta import relativedelta

from ..outreach import year_elapsed
from .context import SEED, Context, Row
from .directory import FAMOUS, LATE_RECORDS, Directory
from .places import INDUSTRIES, PARKS, TOWNS
from .staff import CENTER_OF, CITY_CENTER, CITY_CLERKS, COUNTY_CLERKS, STAFF_NAME, SUPERVISORS

# the share of each kind's yearly target done by now: around or a little behind pace
OUTREACH_PACE = {"joint_event": 1.0, "station": 0.92, "visit": 0.94, "cards": 0.95}
# relative busyness per calendar month (January and February: the Spring Festival)
MONTH_RHYTHM = (0.6, 0.35, 1.1, 1.2, 1.1, 1.1, 0.8, 0.7, 1.1, 0.8, 1.2, 0.9)
VISIT_LINK_SHARE = 0.35  # of visit-source appeals taken on a logged visit (at most 3 per visit)
MARKUP_PLACE = "[b]张集镇[/b]企业服务站[/]"
JOINT_EVENT_TITLES = ("“政企面对面”惠企政策宣讲会", "“万人助万企”联合服务日", "稳岗扩岗政策进园区专场", "涉企政策“一站式”服务集市",
                      "知识产权与融资对接专场")
STATION_NOTES = ("驿站坐班，现场解答政策咨询", "发放企服平台和12345联系卡", "收集企业诉求并现场登记", "讲解惠企政策“免申即享”清单")
VISIT_NOTES = ("了解企业生产经营情况和用工需求", "走访了解融资和用地需求", "宣传企服平台，指导企业注册使用", "送政策上门，解读稳岗返还政策")
CARDS_TARGETS = ("新登记企业", "规上工业企业", "个体工商户集中区", "外贸企业", "专精特新企业")
OUTREACH_DEPTS = ("市人社局", "市税务局", "市工信局", "市市场监管局", "市商务局", "市科技局", "市行政审批局", "人民银行徐州市分行",
                  "市地方金融局", "市自然资源和规划局", "徐州供电公司", "市医保局")


Visit = tuple[int, str, tuple[int, ...], str]
"""A logged visit appeals can be taken on: (activity id, recorded by, enterprises met, label for the history)."""


class Visits:
    """The enterprise visits logged per day, and how many appeals each has
    taken so far (three at most)."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd  # the generator's source: which visit an appeal lands on is part of the ticket story
        self.by_day: dict[int, list[Visit]] = {}
        self.load: dict[int, int] = {}

    def take(self, day: int) -> Visit | None:
        """A visit logged that day with room for one more appeal taken on the spot (three at most)."""
        acts = self.by_day[day]
        a = acts[int(self.rnd.random() * len(acts))]
        if self.load.get(a[0], 0) >= 3:
            return None
        self.load[a[0]] = self.load.get(a[0], 0) + 1
        return a


def visit_logged(day: int, r: random.Random) -> int:
    """When a visit is logged: before setting out (08:00–08:28), so the
    appeals taken there can be linked to it as they are taken in."""
    return day * 86400 + 28800 + int(r.random() * 1700)


def plan_outreach(ctx: Context, directory: Directory) -> tuple[dict[str, list[Row]], Visits]:
    """The plan for this year and last, and twelve months of activities up to
    yesterday: joint service events, town and park stations, enterprise
    visits and card mailings, around or a little behind the pace of the
    targets, on working days only (none in the Spring Festival holiday),
    busier in spring and autumn.  One visit is voided as a duplicate entry.
    Returns the rows of ``outreach_plans``, ``outreach_activities`` and
    ``outreach_enterprises``, and the visits by day for appeals taken on them.
    Enterprises first met on a visit are added to ``directory``."""
    r = random.Random(SEED + 5)
    D, T = ctx.days, ctx.T
    on_day, ts = ctx.on_day, ctx.ts
    today = ctx.today
    logged = Visits(ctx.rnd)
    start = (today.replace(day=1) - relativedelta(months=11))
    first_day = max(1, (start - D.first).days)
    days = [d for d in range(first_day, T) if D.workday[d]]
    if not days:
        return {"outreach_plans": [], "outreach_activities": [], "outreach_enterprises": []}, logged
    # cards: the seed's 10,000 a month (data/outreach.toml, per = "month")
    targets = {"joint_event": 10, "station": 100, "visit": 1000, "cards": 120000}
    by_year: dict[int, list[int]] = {}
    for d in days:
        by_year.setdefault(D.dates[d].year, []).append(d)
    # the plan: the launch year's targets are the months it ran, set on launch;
    # this year's the defaults, confirmed on the first working day
    plans = []
    for year, pool in sorted(by_year.items()):
        part = 1.0 if year == today.year else len({D.dates[d].month for d in pool}) / 12
        at = ts(on_day(D.wd_list[D.numr[pool[0]] - (year != today.year)]))
        plans += [(year, k, round(v * part), at, SUPERVISORS[0]) for k, v in targets.items()]
    local = [e for e in directory.ents[len(FAMOUS):directory.n_ents]]
    by_district: dict[str, list[int]] = {}
    for e in local:
        by_district.setdefault(e[3], []).append(e[0])
    city_names = [STAFF_NAME[x] for x in CITY_CLERKS + SUPERVISORS]
    dept_ids = [ctx.depts[x] for x in OUTREACH_DEPTS if x in ctx.depts]
    acts: list[dict[str, Any]] = []

    def pick_days(pool: list[int], n: int) -> list[int]:
        """``n`` days of ``pool`` (repeats allowed), busier months more often, in order."""
        weights = [MONTH_RHYTHM[D.dates[d].month - 1] for d in pool]
        return sorted(r.choices(pool, weights, k=n)) if n > 0 else []

    def crew(center: str) -> tuple[str, str]:
        """(recorded by, staff present) for an activity of ``center``."""
        if center == CITY_CENTER:
            who = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
            return who, "、".join(dict.fromkeys([STAFF_NAME[who], r.choice(city_names)]))
        login = next(c for d, c in COUNTY_CLERKS.items() if CENTER_OF[c] == center)
        return login, f"{STAFF_NAME[login]}、{ctx.person()}"

    def place_in(district: str) -> str:
        """A town or park of ``district``."""
        spots = TOWNS.get(district, ()) + PARKS.get(district, ())
        return r.choice(spots)

    for year, pool in sorted(by_year.items()):
        # this year a little behind pace; the launch months (last year) done as planned
        this_year = year == today.year
        share = year_elapsed(year, today) if this_year else len({D.dates[d].month for d in pool}) / 12
        pace = OUTREACH_PACE if this_year else dict.fromkeys(OUTREACH_PACE, 1.0)
        # joint service events: the city center with many departments
        for d in pick_days(pool, round(targets["joint_event"] * share * pace["joint_event"])):
            district = r.choice(list(PARKS))
            who, staff = crew(CITY_CENTER)
            acts.append(dict(day=d, kind="joint_event", place=f"{r.choice(PARKS[district])}管委会",
                             center=CITY_CENTER,
                             depts=r.sample(dept_ids, min(len(dept_ids), 6 + int(r.random() * 5))),
                             staff=staff, reached=40 + int(r.random() * 80), cards=80 + int(r.random() * 120),
                             note=r.choice(JOINT_EVENT_TITLES), by=who, ents=()))
        # stations: distinct towns and parks (each counts once a year), some visited again
        spots = [(dist, s) for dist in TOWNS for s in TOWNS[dist] + PARKS.get(dist, ())]
        r.shuffle(spots)
        n_places = round(targets["station"] * share * pace["station"])
        stops = [spots[i % len(spots)] for i in range(n_places)]
        stops += [r.choice(stops) for _ in range(n_places // 4)] if stops else []
        for d, (district, spot) in zip(pick_days(pool, len(stops)), stops):
            county = COUNTY_CLERKS.get(district)
            center = CENTER_OF[county] if county is not None and r.random() < 0.7 else CITY_CENTER
            who, staff = crew(center)
            near = by_district.get(district, [])
            linked = tuple(r.sample(near, min(len(near), int(r.random() * 3))))
            acts.append(dict(day=d, kind="station", place=f"{spot}企业服务站", center=center,
                             depts=r.sample(dept_ids, 2 + int(r.random() * 3)), staff=staff,
                             reached=len(linked) + 5 + int(r.random() * 20), cards=10 + int(r.random() * 20),
                             note=r.choice(STATION_NOTES), by=who, ents=linked))
        # visits: enterprises reached, mostly one per visit
        goal = round(targets["visit"] * share * pace["visit"])
        reached = 0
        plan: list[tuple[int, ...]] = []
        while reached < goal:
            k = min(goal - reached, 1 if r.random() < 0.8 else 2 if r.random() < 0.75 else 3)
            plan.append(tuple(range(k)))
            reached += k
        for d, slots in zip(pick_days(pool, len(plan)), plan):
            center = CITY_CENTER
            district = r.choice(list(by_district))
            if r.random() < 0.4:
                district, login = r.choice(list(COUNTY_CLERKS.items()))
                center = CENTER_OF[login]
            near = by_district.get(district) or [e[0] for e in local]
            linked = tuple(r.sample(near, min(len(near), len(slots))))
            who, staff = crew(center)
            acts.append(dict(day=d, kind="visit", place=place_in(district), center=center,
                             depts=r.sample(dept_ids, int(r.random() * 3)), staff=staff, reached=len(linked),
                             cards=1 + int(r.random() * 3), note=r.choice(VISIT_NOTES), by=who, ents=linked))
        # card mailings make up the rest of the cards
        cards = round(targets["cards"] * share * pace["cards"])
        handed = sum(a["cards"] for a in acts if D.dates[a["day"]].year == year)
        rest = cards - handed
        # as many mailings as when the target was 10,000 a year (the draws that follow stay
        # the same), each now some thousands of cards
        n_mail = max(1, round((round(10000 * share * pace["cards"]) - handed) / 450))
        for i, d in enumerate(pick_days(pool, n_mail)):
            size = max(100, rest // n_mail + (rest % n_mail if i == 0 else 0))
            who, staff = crew(CITY_CENTER)
            district = r.choice(list(TOWNS))
            acts.append(dict(day=d, kind="cards", place=f"邮寄：{district}{r.choice(CARDS_TARGETS)}",
                             center=CITY_CENTER, depts=[], staff=staff, reached=0, cards=size,
                             note="寄送企服平台和12345联系卡、惠企政策明白纸", by=who, ents=()))
    # enterprises first met on a visit: a new record, completed by the clerk the next working day
    visits = [a for a in acts if a["kind"] == "visit"]
    recent = [a for a in visits if D.dates[a["day"]].year == today.year]
    for a in r.sample(recent, min(len(recent), LATE_RECORDS["visit"])):
        ind = INDUSTRIES[int(r.random() * 15)]
        name = directory.fresh_name(r, ind[1])
        district = next((d for d, c in COUNTY_CLERKS.items() if CENTER_OF[c] == a["center"]),
                        r.choice(list(TOWNS)))
        a["rec"] = visit_logged(a["day"], r)
        eid = directory.new_enterprise(name, None, "", "", "", "", a["rec"], "visit")
        directory.rows[eid - 1][3], directory.rows[eid - 1][4] = district, ind[0]
        directory.log.append((eid, on_day(D.add_wd(a["day"], 1)), a["by"], "edit", "修改所属区域、行业",
                              {"district": ["", district], "industry": ["", ind[0]]}))
        a["new"] = eid
        a["reached"] += 1
    # literal safety: a place typed with markup-looking characters
    stations = [a for a in acts if a["kind"] == "station"]
    if stations:
        stations[len(stations) // 2]["place"] = MARKUP_PLACE
    # a visit entered twice by mistake, voided by a supervisor
    if visits:
        original = visits[len(visits) // 3]
        acts.append(dict(original, void=original))
    acts.sort(key=lambda a: (a["day"], a["kind"], a["place"]))
    ids = {id(a): aid for aid, a in enumerate(acts, 1)}
    rows, links = [], []
    for aid, a in enumerate(acts, 1):
        d = a["day"]
        if a["kind"] == "visit":
            rec = a.get("rec") or visit_logged(d, r)
        else:
            rec = on_day(d) if r.random() < 0.3 else d * 86400 + 61200 + int(r.random() * 3600)
        voided = (ts(on_day(D.add_wd(d, 1))), SUPERVISORS[0], f"重复登记：与 #{ids[id(a['void'])]} 为同一次走访") \
            if a.get("void") else (None, None, "")
        rows.append((aid, D.iso[d], a["kind"], a["place"], a["center"], json.dumps(a["depts"]), a["staff"],
                     a["reached"], a["cards"], a["note"], ts(rec), a["by"], *voided))
        ents = a["ents"] + ((a["new"],) if "new" in a else ())
        links += [(aid, e) for e in dict.fromkeys(ents)]
        if a["kind"] == "visit" and not a.get("void") and a["ents"]:
            label = f"（走访 #{aid} {D.iso[d]} {a['place']}）"
            logged.by_day.setdefault(d, []).append((aid, a["by"], a["ents"], label))
    return {"outreach_plans": plans, "outreach_activities": rows, "outreach_enterprises": links}, logged
