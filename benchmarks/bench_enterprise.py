"""The enterprise directory at 200,000 enterprises (issue 7): opening an
enterprise with 1,000 tickets, and the directory search.

Builds (or, with ``--db`` pointing at an existing file, reuses) a database of
``--enterprises`` records with Chinese names, valid USCCs, districts,
industries and phone numbers (one in ten with a further contact), ``--noise``
tickets spread over them, and one enterprise with ``--tickets`` tickets of
every status and outcome, direct and association pushes, feedback, visits
and record history.  Then measures, round-robin over ``--runs`` runs
(so the machine's changing load falls on all alike), the median of:

* (a) opening that enterprise as :class:`EnterpriseScreen` does: the profile
  (record, contacts, memberships, figures, history sizes) and the first page
  of each of the five tabs — against a primary-key row read, a bare indexed
  count of its tickets and a bare page of 50 of its tickets;
* (b) ``store.directory.search`` (pages of 50) for 2-character and
  4-character name words (cut from stored names), a USCC and a phone number,
  and two worst cases (one character, a word in no name) — against an exact
  indexed look-up by USCC (USCC, phone) and a bare page of 50 records read
  in name-index order (name words);
* (b) the same search for Latin letters matched against the stored pinyin
  keys (issue 16): 2 and 4 initials (a prefix), 6 letters of full pinyin, 3
  initials from inside a name, and letters in no name.

The records are written without their pinyin keys, as in a database upgraded
from before them, and filled by ``fill_name_keys`` (the upgrade's Python step,
timed and printed).

Usage::

    python3 benchmarks/bench_enterprise.py                                    # 200,000 enterprises, temp dir
    python3 benchmarks/bench_enterprise.py --db benchmarks/out/enterprise.db  # build once, reuse afterwards
    python3 benchmarks/bench_enterprise.py --enterprises 20000 --runs 3       # a quick look
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole.areas.directory import keys_missing  # noqa: E402
from xzconsole.clock import FixedClock  # noqa: E402
from xzconsole.models import uscc_check_char  # noqa: E402
from xzconsole.store import Store  # noqa: E402

NOW = "2026-11-26T10:00:00+08:00"
BIG_NAME = "徐州恒达重型机械制造有限公司"
BIG_PHONE = "13952160001"
DISTRICTS = [("320302", "鼓楼区"), ("320303", "云龙区"), ("320305", "贾汪区"), ("320311", "泉山区"), ("320312", "铜山区"),
             ("320321", "丰县"), ("320322", "沛县"), ("320324", "睢宁县"), ("320381", "新沂市"), ("320382", "邳州市")]
PREFIXES = ["徐州", "江苏", "鼓楼", "云龙", "铜山", "贾汪", "泉山", "新沂", "邳州", "睢宁", "沛县", "丰县", "淮海", "彭城", "汉源"]
TRADE = ("恒达 华盛 金源 宏图 鑫泰 瑞丰 永昌 天成 博远 嘉禾 润泽 汇通 中联 信诚 丰泽 盛世 银河 东方 国泰 新辉 "
         "远航 卓越 精工 锦程 荣华 泰和 万通 广源 华夏 明珠").split()
TRADE2 = ("重型 机械 食品 纺织 建材 物流 电子 科技 化工 医药 钢铁 塑料 包装 家具 服装 农业 环保 能源 汽车 装饰 "
          "矿业 水泥 木业 玻璃 印刷 电气 仪表 陶瓷 酒业 茶叶").split()
ENDINGS = ["有限公司", "股份有限公司", "制造有限公司", "科技有限公司", "厂", "商行", "经营部", "合作社"]
INDUSTRIES = ["装备制造", "食品加工", "纺织服装", "建材", "商贸", "物流", "电子信息", "化工", "医药", "农业"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
STATUSES = ["closed"] * 6 + ["replied", "signed", "dispatched", "new", "reopened", "returned"]
SATISFACTION = ["satisfied", "satisfied", "basically_satisfied", "unsatisfied", "unreachable"]


def make_uscc(rng: random.Random, code: str, taken: set[str]) -> str:
    while True:
        body = "91" + code + "".join(rng.choice(USCC_CHARS) for _ in range(9))
        u = body + uscc_check_char(body)
        if u not in taken:
            taken.add(u)
            return u


def build(path: str, n: int, tickets: int, noise: int, rng: random.Random) -> tuple[Store, int, float]:
    """A new database: n enterprises, the big one in the middle, tickets and history."""
    start = time.perf_counter()
    store = Store(path, FixedClock(NOW))
    store.load_reference_data()
    admin = store.staff.add(None, "admin", "admin")
    store.staff.add(admin, "clerk", "clerk", name="王受理")
    big = n // 2
    taken: set[str] = set()
    rows, contacts = [], []
    for i in range(1, n + 1):
        code, district = rng.choice(DISTRICTS)
        if i == big:
            name, phone = BIG_NAME, BIG_PHONE
        else:
            name = f"{rng.choice(PREFIXES)}{rng.choice(TRADE)}{rng.choice(TRADE2)}{rng.choice(ENDINGS)}"
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        uscc = make_uscc(rng, code, taken) if rng.random() < 0.9 or i == big else None
        rows.append((i, name, uscc, district, rng.choice(INDUSTRIES), "联系人", phone, "2025-06-01T09:00:00+08:00"))
        if i % 10 == 0:
            contacts.append((i, "财务", f"0516-8{rng.randrange(10**7):07d}", "2025-06-01T09:00:00+08:00"))
    depts = [d.id for d in store.departments()]
    with store.write() as c:
        c.executemany("INSERT INTO enterprises(id, name, uscc, district, industry, contact_name, contact_phone, created_at) "
                      "VALUES (?,?,?,?,?,?,?,?)", rows)
        c.executemany("INSERT INTO enterprise_contacts(enterprise_id, name, phone, added_at) VALUES (?,?,?,?)", contacts)
        names = {r[0]: r[1] for r in rows}
        trows = []
        for t in range(tickets + noise):
            eid = big if t < tickets else rng.randrange(1, n + 1)
            day = rng.randrange(0, 700)
            received = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(1700000000 + day * 86400 + rng.randrange(86400)))
            status = rng.choice(STATUSES)
            sat = rng.choice(SATISFACTION) if status == "closed" else None
            trows.append((f"XB{t:09d}", received, "hotline", "consultation", eid, names[eid], "标题", "内容", status,
                          rng.choice(depts) if status != "new" else None, sat, "resolved" if status == "closed" else None,
                          rng.choice([0, 0, 0, 1, 2, 3])))
        c.executemany("INSERT INTO tickets(number, received_at, source, appeal_type, enterprise_id, enterprise_name, title, "
                      "content, status, department_id, satisfaction, close_reason, max_level) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", trows)
        policies = [r[0] for r in c.execute("SELECT id FROM policies WHERE status = 'published' LIMIT 30")]
        c.executemany("INSERT INTO enterprise_pushes(policy_id, enterprise_id, at, actor) VALUES (?,?,?,'clerk')",
                      [(p, big, f"2026-0{1 + k % 9}-1{k % 10}T10:00:00+08:00") for k, p in enumerate(policies)])
        assocs = [r[0] for r in c.execute("SELECT id FROM associations LIMIT 2")]
        c.executemany("INSERT INTO association_members(association_id, enterprise_id, joined_at) VALUES (?,?,?)",
                      [(a, big, "2025-01-01T09:00:00+08:00") for a in assocs])
        c.executemany("INSERT INTO policy_pushes(policy_id, association_id, at, actor) VALUES (?,?,?,'sup')",
                      [(p, a, "2026-03-01T10:00:00+08:00") for p in policies[:10] for a in assocs])
        c.executemany("INSERT INTO policy_feedback(policy_id, enterprise_name, topic, satisfaction, at, recorded_by, "
                      "enterprise_id) VALUES (?,?,'其他','satisfied','2026-05-01T10:00:00+08:00','clerk',?)",
                      [(p, BIG_NAME, big) for p in policies[:20]])
        for k in range(10):
            aid = c.execute("INSERT INTO outreach_activities(held_on, kind, place, recorded_at, recorded_by) "
                            "VALUES (?, 'visit', '厂区', ?, 'clerk')",
                            (f"2026-0{1 + k % 9}-15", "2026-01-15T10:00:00+08:00")).lastrowid
            c.execute("INSERT INTO outreach_enterprises(activity_id, enterprise_id) VALUES (?, ?)", (aid, big))
        c.executemany("INSERT INTO enterprise_events(enterprise_id, at, actor, action, note) VALUES (?,?,'clerk','edit','修改')",
                      [(big, f"2026-0{1 + k % 9}-20T10:00:00+08:00") for k in range(10)])
    store.conn.execute("INSERT INTO enterprises_fts(enterprises_fts) VALUES ('optimize')")
    store.conn.execute("ANALYZE")
    return store, big, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=200_000)
    ap.add_argument("--tickets", type=int, default=1_000, help="tickets of the one big enterprise (default 1000)")
    ap.add_argument("--noise", type=int, default=100_000, help="tickets of the other enterprises (default 100000)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--queries", type=int, default=10, help="queries per search class (default 10)")
    ap.add_argument("--db", help="build here once and reuse on later runs (default: a temporary directory)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or os.path.join(tmp, "enterprise.db")
        if args.db and os.path.exists(path):
            store = Store(path, FixedClock(NOW))
            big = store.q1("SELECT id FROM enterprises WHERE name = ?", (BIG_NAME,))[0]
            print(f"reusing {path}")
        else:
            store, big, took = build(path, args.enterprises, args.tickets, args.noise, rng)
            print(f"built {path} in {took:.1f} s")
        if keys_missing(store.conn):
            t = time.perf_counter()
            filled = store.directory.fill_name_keys()
            print(f"filled the pinyin keys of {filled:,} records in {time.perf_counter() - t:.1f} s")
        n = store.q1("SELECT count(*) FROM enterprises")[0]
        nt = store.q1("SELECT count(*) FROM tickets WHERE enterprise_id = ?", (big,))[0]
        print(f"{n:,} enterprises, {store.q1('SELECT count(*) FROM tickets')[0]:,} tickets; "
              f"the big one (#{big}) has {nt:,} tickets (SQLite {store.q1('select sqlite_version()')[0]})")
        clerk = store.staff.get("clerk")
        names = [r[0] for r in store.q("SELECT name FROM enterprises WHERE id % 997 = 0")]
        usccs = [r[0] for r in store.q("SELECT uscc FROM enterprises WHERE id % 991 = 0 AND uscc IS NOT NULL")]
        phones = [r[0] for r in store.q("SELECT contact_phone FROM enterprises WHERE id % 983 = 0")]
        keys = [(r[0], r[1]) for r in store.q("SELECT name_pinyin, name_initials FROM enterprises WHERE id % 977 = 0")]

        def cut(size: int) -> str:
            name = rng.choice(names)
            i = rng.randrange(0, len(name) - size + 1)
            return name[i:i + size]

        k = args.queries
        classes: dict[str, list[Any]] = {
            "search: 2-character name word": [cut(2) for _ in range(k)],
            "search: 4-character name word": [cut(4) for _ in range(k)],
            "search: USCC": [rng.choice(usccs) for _ in range(k)],
            "search: phone": [rng.choice(phones) for _ in range(k)],
            "search: 1 character (worst case)": [cut(1) for _ in range(k)],
            "search: no hit": ["馕" + cut(1) for _ in range(k)],
            "search: 2 initials (pinyin prefix)": [rng.choice(keys)[1][:2] for _ in range(k)],
            "search: 4 initials (pinyin prefix)": [rng.choice(keys)[1][:4] for _ in range(k)],
            "search: 6 letters of full pinyin": [rng.choice(keys)[0][:6] for _ in range(k)],
            "search: 3 initials inside a name": [rng.choice(keys)[1][2:5] for _ in range(k)],
            "search: pinyin, no hit": ["qqz" + "xyz"[i % 3] for i in range(k)],
        }
        starts = [cut(2) for _ in range(k)]

        def open_enterprise() -> None:
            profile = store.directory.profile(clerk, big)
            eid = profile.enterprise.id
            for read in (store.directory.tickets, store.directory.pushes, store.directory.feedback,
                         store.directory.visits, store.directory.history):
                read(clerk, eid)

        jobs: dict[str, Callable[[], Any]] = {
            "(a) open the enterprise (profile + 5 first pages)": open_enterprise,
            "    floor: primary-key row read": lambda: store.q1("SELECT * FROM enterprises WHERE id = ?", (big,)),
            "    floor: indexed count of its tickets": lambda: store.q1(
                "SELECT count(*) FROM tickets WHERE enterprise_id = ?", (big,)),
            "    floor: 50 of its tickets in index order": lambda: store.q(
                "SELECT * FROM tickets WHERE enterprise_id = ? ORDER BY received_at DESC, id DESC LIMIT 50", (big,)),
            "(b) floor: exact indexed look-up by USCC": lambda: [store.q1("SELECT * FROM enterprises WHERE uscc = ?", (u,))
                                                                 for u in classes["search: USCC"]],
            "(b) floor: 50 records in name-index order": lambda: [store.q(
                "SELECT * FROM enterprises WHERE name >= ? ORDER BY name, id LIMIT 50", (w,)) for w in starts],
        }
        for label, queries in classes.items():
            jobs[f"(b) {label}"] = lambda qs=queries: [store.directory.search(clerk, q) for q in qs]
        hits = {label: statistics.mean(len(store.directory.search(clerk, q)) for q in qs) for label, qs in classes.items()}
        times: dict[str, list[float]] = {label: [] for label in jobs}
        for fn in jobs.values():
            fn()  # warm the cache once
        for _ in range(args.runs):
            for label, fn in jobs.items():
                t = time.perf_counter()
                fn()
                times[label].append((time.perf_counter() - t) * 1000)
        med = {label: statistics.median(v) for label, v in times.items()}
        per_query = {label: m / (k if label.startswith("(b)") else 1) for label, m in med.items()}
        pk, page = per_query["    floor: primary-key row read"], per_query["    floor: 50 of its tickets in index order"]
        exact, names_page = per_query["(b) floor: exact indexed look-up by USCC"], per_query["(b) floor: 50 records in name-index order"]
        print(f"\nmedians of {args.runs} runs (searches: per query, {k} queries each; a page is 50 records)\n")
        for label, ms in per_query.items():
            extra = ""
            if label.startswith("(a)"):
                extra = f"   ×pk read {ms / pk:6.1f}   ×50 tickets {ms / page:5.1f}"
            elif label.startswith("(b) search"):
                floor = exact if "USCC" in label or "phone" in label else names_page
                extra = f"   ×floor {ms / floor:6.1f}   ({hits[label[4:]]:.0f} hits on average)"
            print(f"{label:<54} {ms:8.3f} ms{extra}")
        store.disconnect()


if __name__ == "__main__":
    main()
