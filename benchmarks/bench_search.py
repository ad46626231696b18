"""Search latency over a large policy library and knowledge base (SPEC §6, §7).

Builds a database with N policies and N knowledge entries of synthetic but
Chinese-looking text (titles, document numbers, issuers, summaries, Q&A drawn
from a vocabulary of real policy words plus generated two-character words),
then times, in the same run:

* ``floor``   — an exact-match indexed look-up (policy by title + document
  number): the cost of one indexed query plus building the result;
* ``store.library.search`` / ``store.knowledge.search`` (the trigram index,
  short terms expanded through the term dictionary) for queries of 2
  characters (words of the vocabulary), 3 and 5–8 characters (cut from stored
  text, so they hit), two words, misses, one character, and the most common
  words (worst case: a large part of the table matches and is ranked);
* ``scan``    — the alternative for short queries: ``instr()`` over every row
  (what the core store did before), for the same 2-character queries.

Prints medians (and p90) over many queries, each the median of ``--repeat``
runs, and the ratio to the floor.  Usage::

    python3 benchmarks/bench_search.py            # 100,000 + 100,000
    python3 benchmarks/bench_search.py -n 5000    # a quick look
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xzconsole.clock import FixedClock  # noqa: E402
from xzconsole.store import Store  # noqa: E402

WORDS = """企业 政策 补贴 申报 社保 税收 减免 优惠 融资 贷款 贴息 担保 人才 引进 安居 培训 稳岗 返还 就业 用工
科技 创新 研发 投入 高新 技术 平台 成果 转化 知识 产权 专精 特新 智能化 改造 数字化 转型 集群 制造业 服务业
农业 文化 旅游 登记 注册 许可 收费 信用 修复 公平 竞争 政务 服务 法律 出口 退税 外贸 跨境 电商 外资 通关 展会
用地 厂房 租金 工程 审批 水电气 报装 物流 交通 不动产 绿色 低碳 安全 生产 节能 环保 医保 减负 公积金 缴存 基数
小微 中小 民营 个体 工商户 奖补 资金 拨付 认定 评价 入库 培育 示范 项目 专项 实施 细则 办法 通知 意见 方案
措施 若干 关于 进一步 做好 开展 组织 年度 第二批 市级 省级 国家级 徐州 江苏 鼓楼 云龙 铜山 贾汪 泉山 新沂 邳州
睢宁 沛县 丰县 开发区 高新区 经开区 园区 载体 孵化器 众创 空间 首台套 首批次 瞪羚 独角兽 上市 挂牌 债券 基金
产业链 供应链 稳增长 促消费 扩内需 降成本 优环境 惠企 助企 纾困 复工 复产 招聘 见习 创业 担保贷 无还本 续贷""".split()
CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
         "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因"
         "由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意"
         "建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接")
ISSUERS = ["市工信局", "市科技局", "市人社局", "市商务局", "市财政局", "市税务局", "市发改委", "市市场监管局", "市住建局",
           "市自然资源和规划局", "国务院办公厅", "江苏省人民政府", "江苏省工业和信息化厅", "铜山区", "邳州市", "经开区"]
PREFIX = {"市工信局": "徐工信发", "市科技局": "徐科发", "市人社局": "徐人社发", "市商务局": "徐商发", "市财政局": "徐财规",
          "市税务局": "徐税发", "市发改委": "徐发改", "国务院办公厅": "国办发", "江苏省人民政府": "苏政发"}


def vocabulary(rng: random.Random) -> list[str]:
    extra = {rng.choice(CHARS) + rng.choice(CHARS) for _ in range(3000)}
    return WORDS + sorted(extra)


def build(path: str, n: int, rng: random.Random) -> tuple[Store, list[str], list[tuple[str, str]], float]:
    store = Store(path, FixedClock("2026-11-26T09:30:00+08:00"))
    store.load_reference_data()
    vocab = vocabulary(rng)
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(vocab))]  # a Zipf-like spread: some words are common

    def words(k: int) -> str:
        return "".join(rng.choices(vocab, weights, k=k))

    cats = store.categories()
    cat_names = list(cats)
    start = time.perf_counter()
    policies = []
    exact: list[tuple[str, str]] = []
    for i in range(n):
        issuer = rng.choice(ISSUERS)
        title = f"关于{words(rng.randint(3, 6))}的{rng.choice(['通知', '意见', '办法', '实施细则', '若干措施'])}"
        doc = f"{PREFIX.get(issuer, '徐政发')}〔{rng.randint(2019, 2026)}〕{i}号"
        cat = rng.choice(cat_names)
        kind = "declaration" if rng.random() < 0.15 else "other"
        until = f"{rng.randint(2025, 2028)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        policies.append((title, doc, issuer, "municipal", cat, rng.choice(cats[cat]), kind,
                         "，".join(words(rng.randint(4, 8)) for _ in range(4)) + "。", "张三", "0516-83735126",
                         until, "published", "2026-01-01", "bench"))
        if i % max(1, n // 500) == 0:
            exact.append((title, doc))
    knowledge = [(f"{words(rng.randint(3, 6))}怎么办理？（{i}）", "，".join(words(rng.randint(4, 8)) for _ in range(5)) + "。",
                  rng.choice(cat_names), rng.choice(ISSUERS), "2026-01-01T00:00:00+08:00", "bench") for i in range(n)]
    with store.write() as c:
        c.executemany("INSERT INTO policies(title, doc_number, issuer, level, category, subcategory, kind, summary, "
                      "interpreter_name, interpreter_phone, valid_until, status, published_at, updated_by) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", policies)
        c.executemany("INSERT INTO knowledge(question, answer, category, department, updated_at, updated_by) "
                      "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING", knowledge)
    store.conn.execute("INSERT INTO policies_fts(policies_fts) VALUES ('optimize')")
    store.conn.execute("INSERT INTO knowledge_fts(knowledge_fts) VALUES ('optimize')")
    store.conn.execute("ANALYZE")
    return store, vocab, exact, time.perf_counter() - start


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs) * 1000


def summarise(label: str, values: list[float], floor: float) -> None:
    values = sorted(values)
    p90 = values[int(len(values) * 0.9) - 1] if len(values) >= 10 else values[-1]
    med = statistics.median(values)
    print(f"  {label:<44} median {med:8.2f} ms   p90 {p90:8.2f} ms   max {values[-1]:8.2f} ms   ×floor {med / floor:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="policies and knowledge entries each (default 100000)")
    ap.add_argument("--queries", type=int, default=60, help="queries per class (default 60)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query; its median counts (default 3)")
    ap.add_argument("--limit", type=int, default=20, help="results per search (a screen page; default 20)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.db")
        store, vocab, exact, build_s = build(path, args.n, rng)
        size = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
        print(f"{args.n:,} policies + {args.n:,} knowledge entries built and indexed in {build_s:.1f} s; "
              f"database {size / 1e6:.0f} MB (SQLite {store.conn.execute('select sqlite_version()').fetchone()[0]})")
        store.library.search("预热", limit=1)  # the once-a-day expiry check and cache warm-up
        two = [w for w in vocab if len(w) == 2]
        common = [w for w in WORDS[:40] if len(w) == 2]

        def pick(pool: list[str], k: int) -> list[str]:
            return [rng.choice(pool) for _ in range(k)]

        q2 = pick(two, args.queries)
        # 3 and 5–8 characters cut from stored text at random places (so they hit)
        ptexts = [r[0] for r in store.q("SELECT title || summary FROM policies WHERE id % 97 = 0")]
        ktexts = [r[0] for r in store.q("SELECT question || answer FROM knowledge WHERE id % 97 = 0")]

        def cut(size: int, texts: list[str]) -> str:
            while True:
                t = rng.choice(texts)
                i = rng.randrange(0, max(1, len(t) - size))
                piece = t[i:i + size]
                if len(piece) == size and "，" not in piece and "。" not in piece:
                    return piece

        q3 = [cut(3, ptexts) for _ in range(args.queries)]
        q5 = [cut(rng.randint(5, 8), ptexts) for _ in range(args.queries)]
        k3 = [cut(3, ktexts) for _ in range(args.queries)]
        k5 = [cut(rng.randint(5, 8), ktexts) for _ in range(args.queries)]
        qmiss = ["馕" + rng.choice(two) for _ in range(args.queries // 2)]
        qcommon = pick(common, max(10, args.queries // 3))
        qmulti = [f"{rng.choice(two)} {rng.choice(two)}" for _ in range(args.queries)]

        floor_runs = [timed(lambda t=t: store.q("SELECT * FROM policies WHERE title = ? AND doc_number = ?", t), args.repeat)
                      for t in exact[: args.queries]]
        floor = statistics.median(floor_runs)
        print(f"\nfloor: exact indexed look-up, median {floor:.3f} ms over {len(floor_runs)} look-ups\n")

        def bench(label: str, queries: list[str], fn) -> list[float]:
            times = [timed(lambda q=q: fn(q), args.repeat) for q in queries]
            summarise(f"{label} ({len(queries)} q.)", times, floor)
            return times

        lim = args.limit
        print("policies (title, number, issuer, summary; best first):")
        bench("2 characters", q2, lambda q: store.library.search(q, limit=lim))
        bench("3 characters", q3, lambda q: store.library.search(q, limit=lim))
        bench("5+ characters", q5, lambda q: store.library.search(q, limit=lim))
        bench("two 2-character words (AND)", qmulti, lambda q: store.library.search(q, limit=lim))
        bench("no hit", qmiss, lambda q: store.library.search(q, limit=lim))
        bench("most common 2-character words", qcommon, lambda q: store.library.search(q, limit=lim))
        bench("very common 3+ characters", ["的通知", "的意见", "实施细则", "若干措施", "关于进一步"] * 2,
              lambda q: store.library.search(q, limit=lim))
        bench("1 character", [rng.choice(two)[0] for _ in range(args.queries // 3)],
              lambda q: store.library.search(q, limit=lim))
        print("knowledge (question, answer; best first):")
        bench("2 characters", q2, lambda q: store.knowledge.search(q, lim))
        bench("3 characters", k3, lambda q: store.knowledge.search(q, lim))
        bench("5+ characters", k5, lambda q: store.knowledge.search(q, lim))
        bench("most common 2-character words", qcommon, lambda q: store.knowledge.search(q, lim))

        print("alternative for short queries — instr() over every row, same ranking idea (title/question hits first):")
        few = q2[: max(5, args.queries // 6)]
        bench("policies, 2 characters, scan", few, lambda q: store.q(
            "SELECT * FROM policies WHERE instr(title, ?) OR instr(doc_number, ?) OR instr(issuer, ?) OR instr(summary, ?) "
            "ORDER BY instr(title, ?) = 0, published_at DESC LIMIT ?", (q, q, q, q, q, lim)))
        bench("knowledge, 2 characters, scan", few, lambda q: store.q(
            "SELECT * FROM knowledge WHERE instr(question, ?) OR instr(answer, ?) "
            "ORDER BY instr(question, ?) = 0, updated_at DESC LIMIT ?", (q, q, q, lim)))
        store.disconnect()


if __name__ == "__main__":
    main()
