"""The 12345 exchange: taking a file in through the exchange folder against a
plain `import` of the same file; and `export results` at 1,000,000 tickets in
constant memory.

    python3 benchmarks/bench_exchange.py [--rows 100000] [--runs 3]
    python3 benchmarks/bench_exchange.py --results-tickets 1000000 [--db benchmarks/out/results-1m.db]

Part 1 generates a JSON Lines feed of ``--rows`` rows written the way 12345's
export writes them (its categories 咨询类/投诉举报类…, department names such as
人社局 or 徐州市税务局, Chinese date forms, masked and 8-digit phones, call-back
results such as 满意（已解决）), then per run, each on a fresh copy of one
database (``init`` + the exchange's staff account):

* import — ``xzconsole import FEED``;
* exchange — the feed dropped into ``DIR/inbox/`` and ``xzconsole exchange DIR
  --once --settle 0``: the same import, plus hashing the file, the ledger,
  moving it to ``done/`` and writing the results file for every imported ticket.

Prints the medians and exchange / import (the aim: ≤ 1.2).

Part 2 builds (or reuses) a database of ``--results-tickets`` tickets with SQL
alone, then runs ``xzconsole export results --out FILE`` in a child process per
format and reports its time and peak resident memory (``ru_maxrss`` of the
child), also at a tenth of the tickets: constant memory means the two peaks
are about the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xzconsole import cli, identity  # noqa: E402
from xzconsole.models import uscc_check_char  # noqa: E402

NOW = "2026-11-26T17:00:00+08:00"
TYPES = ["咨询类", "咨询", "求助类", "投诉类", "投诉举报类", "举报类", "意见建议类", "表扬类", "政策咨询"]
DEPTS = ["人社局", "徐州市税务局", "国家税务总局徐州市税务局", "铜山区人民政府", "市政务办", "金融监管分局", "港务区",
         "徐州市市场监督管理局", "市住建局", "鼓楼区"]
DISTRICTS = ["鼓楼区", "云龙区", "贾汪区", "泉山区", "铜山区", "丰县", "沛县", "睢宁县", "新沂市", "邳州市",
             "淮海国际港务区", "新城区", "港务区", "徐州经济技术开发区"]
RESULTS = ["非常满意", "比较满意", "一般", "满意（已解决）", "不满意（未解决）", "非常不满意", "拒绝回访", "无法联系", "满意"]
TOPICS = [("稳岗返还到账时间", "企业咨询稳岗返还资金何时拨付到账"),
          ("发票领用受限", "企业反映增值税发票领用数量被限制，影响正常经营"),
          ("厂区周边道路积水", "暴雨后厂区门前道路积水严重，货车无法进出"),
          ("频繁停电", "园区近一周多次计划外停电，生产线受损"),
          ("高新技术企业认定", "咨询高新技术企业认定的申报条件和截止时间")]


def _uscc(i: int) -> str:
    body = "91320300" + f"{i:09d}"
    return body + uscc_check_char(body)


def _when(t: dt.datetime, i: int) -> str:
    form = i % 4
    if form == 0:
        return f"{t.year}年{t.month}月{t.day}日 {t.hour}:{t.minute:02d}"
    if form == 1:
        return f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分"
    if form == 2:
        return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"
    return t.strftime("%Y%m%d%H%M%S")


def feed_row(i: int) -> dict[str, str]:
    day = (i * 7) % 500
    received = dt.datetime(2025, 6, 1, 8, 30) + dt.timedelta(days=day, minutes=(i * 13) % 480)
    ent = i % 20_000
    title, content = TOPICS[i % len(TOPICS)]
    phone = (f"139****{ent % 10_000:04d}" if i % 5 == 0 else f"8{ent % 10_000_000:07d}" if i % 5 == 1
             else f"139{ent:08d}")
    row = {"工单编号": f"{2025 + day // 365}{i:09d}", "来电时间": _when(received, i), "诉求类型": TYPES[i % len(TYPES)],
           "企业名称": f"徐州市第{ent}号科技有限公司", "统一社会信用代码": _uscc(ent), "联系人": "张经理",
           "联系电话": phone, "所属区域": DISTRICTS[i % len(DISTRICTS)], "诉求标题": title,
           "诉求内容": f"{content}（来电 {i}）"}
    if i % 3:
        dispatched = received + dt.timedelta(hours=2)
        row["承办单位"] = DEPTS[i % len(DEPTS)]
        row["派发时间"] = _when(dispatched, i + 1)
        if i % 3 == 2:
            row["签收时间"] = _when(dispatched + dt.timedelta(hours=1), i)
            row["答复时间"] = _when(dispatched + dt.timedelta(days=2), i + 2)
            row["回访结果"] = RESULTS[i % len(RESULTS)]
    return row


def _template(tmp: Path) -> Path:
    db = tmp / "template.db"
    login = pwd.getpwuid(os.getuid()).pw_name
    with redirect_stderr(StringIO()):
        identity.current_login = lambda: "admin"  # type: ignore[assignment]  # a benchmark's stand-in identity
        assert cli.main(["init", "--db", str(db)]) == 0
        assert cli.main(["staff", "add", "xzexchange", "--role", "clerk", "--db", str(db)]) == 0
        if login != "xzexchange":
            assert cli.main(["staff", "add", login, "--role", "clerk", "--db", str(db)]) == 0
    identity.current_login = lambda: "xzexchange"  # type: ignore[assignment]
    return db


def _timed(argv: list[str]) -> float:
    err = StringIO()
    t0 = time.perf_counter()
    with redirect_stderr(err):
        code = cli.main(argv)
    took = time.perf_counter() - t0
    if code not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({code}): {err.getvalue()}")
    return took


def part1(rows: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-exchange-") as d:
        tmp = Path(d)
        feed = tmp / "12345-feed.jsonl"
        t0 = time.perf_counter()
        with open(feed, "w", encoding="utf-8") as fh:
            for i in range(rows):
                fh.write(json.dumps(feed_row(i), ensure_ascii=False) + "\n")
        print(f"feed: {rows:,} rows written the 12345 way, {feed.stat().st_size / 1e6:.1f} MB "
              f"({time.perf_counter() - t0:.1f} s to generate)")
        tpl = _template(tmp)
        imports, exchanges = [], []
        for r in range(runs):
            db = tmp / f"imp{r}.db"
            shutil.copy(tpl, db)
            src = tmp / f"imp{r}" / feed.name
            src.parent.mkdir()
            shutil.copy(feed, src)
            imports.append(_timed(["import", str(src), "--db", str(db), "--now", NOW]))
            db = tmp / f"ex{r}.db"
            shutil.copy(tpl, db)
            folder = tmp / f"ex{r}"
            (folder / "inbox").mkdir(parents=True)
            shutil.copy(feed, folder / "inbox" / feed.name)
            exchanges.append(_timed(["exchange", str(folder), "--once", "--settle", "0", "--db", str(db), "--now", NOW]))
            assert (folder / "done" / feed.name).exists()
            results = next((folder / "outbox").glob("results-*.jsonl"))
            sent = sum(1 for _ in open(results, encoding="utf-8"))
            print(f"run {r + 1}: import {imports[-1]:.2f} s, exchange {exchanges[-1]:.2f} s "
                  f"({sent:,} results written)")
        mi, me = statistics.median(imports), statistics.median(exchanges)
        print(f"median import   {mi:8.2f} s   ({rows / mi:,.0f} rows/s)")
        print(f"median exchange {me:8.2f} s   exchange / import = {me / mi:.2f}")


def build_results_db(path: Path, tickets: int) -> None:
    """A database of ``tickets`` tickets in every state, inserted with SQL alone
    (no search index or tally: ``export results`` reads neither)."""
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    with redirect_stderr(StringIO()):
        identity.current_login = lambda: "admin"  # type: ignore[assignment]
        assert cli.main(["init", "--db", str(tmp)]) == 0
        login = pwd.getpwuid(os.getuid()).pw_name
        assert cli.main(["staff", "add", login, "--role", "clerk", "--db", str(tmp)]) == 0
    from xzconsole.store import Store

    t0 = time.perf_counter()
    with Store(tmp) as s:
        s.loader.suspend_derived()
        s.loader.drop_indexes(("tickets",))
        s.conn.execute("PRAGMA synchronous = OFF")
        statuses = ["new", "dispatched", "signed", "replied", "closed", "closed", "closed", "reopened"]
        with s.write() as c:
            c.execute(f"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {int(tickets)})
                INSERT INTO tickets(number, external_id, received_at, source, appeal_type, enterprise_name, content,
                    status, department_id, dispatched_at, due_date, signed_at, replied_at, reply_text, closed_at,
                    satisfaction, resolved, max_level, created_by, updated_at, updated_by, center)
                SELECT printf('XZ%s%05d', strftime('%Y%m%d', '2025-01-01', '+' || (i % 690) || ' days'), i),
                       CASE WHEN i % 10 THEN printf('2611%08d', i) END,
                       strftime('%Y-%m-%dT09:00:00+08:00', '2025-01-01', '+' || (i % 690) || ' days'),
                       'hotline', 'consultation', printf('徐州市第%d号科技有限公司', i % 20000),
                       '企业咨询稳岗返还资金何时拨付到账，申请材料是否齐全',
                       json_extract('{json.dumps(statuses)}', '$[' || (i % 8) || ']'),
                       CASE WHEN i % 8 THEN 1 + i % 60 END,
                       CASE WHEN i % 8 THEN strftime('%Y-%m-%dT11:00:00+08:00', '2025-01-01', '+' || (i % 690) || ' days') END,
                       CASE WHEN i % 8 THEN date('2025-01-01', '+' || (i % 690 + 5) || ' days') END,
                       CASE WHEN i % 8 > 1 THEN strftime('%Y-%m-%dT15:00:00+08:00', '2025-01-01', '+' || (i % 690) || ' days') END,
                       CASE WHEN i % 8 > 2 AND i % 8 < 7 THEN strftime('%Y-%m-%dT16:00:00+08:00', '2025-01-01', '+' || (i % 690 + 2) || ' days') END,
                       CASE WHEN i % 8 > 2 AND i % 8 < 7 THEN '已告知企业稳岗返还资金将于本月底前拨付，请留意对公账户。' ELSE '' END,
                       CASE WHEN i % 8 IN (4, 5, 6) THEN strftime('%Y-%m-%dT10:00:00+08:00', '2025-01-01', '+' || (i % 690 + 4) || ' days') END,
                       CASE WHEN i % 8 IN (4, 5, 6) THEN 'satisfied' END,
                       CASE WHEN i % 8 IN (4, 5) THEN 1 WHEN i % 8 = 6 THEN 0 END,
                       i % 4, 'admin', strftime('%Y-%m-%dT10:00:00+08:00', '2025-01-01', '+' || (i % 690 + 4) || ' days'),
                       'admin', '市企业服务中心'
                FROM n
            """)
    print(f"built {tickets:,} tickets in {time.perf_counter() - t0:.0f} s: {path}")
    os.replace(tmp, path)


def export_child(db: Path, fmt: str, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `xzconsole export results` in its own process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), XZCONSOLE_DB=str(db))
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: exec the CLI, so ru_maxrss is its own
        os.execve(sys.executable, [sys.executable, "-m", "xzconsole.cli", "export", "results", "--format", fmt,
                                   "--out", str(out), "--now", NOW], env)
    _, status, usage = os.wait4(pid, 0)
    took = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export results --format {fmt} failed")
    return took, usage.ru_maxrss / 1024


def part2(tickets: int, db: Path | None) -> None:
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(exist_ok=True)
    sizes = [tickets // 10, tickets]
    for n in sizes:
        path = db if (db is not None and n == tickets) else out_dir / f"results-{n}.db"
        if not path.exists():
            build_results_db(path, n)
        for fmt in ("jsonl", "csv", "xlsx"):
            target = out_dir / f"results-{n}.{fmt}"
            took, rss = export_child(path, fmt, target)
            print(f"{n:>9,} tickets  export results --format {fmt:5}  {took:7.1f} s  peak RSS {rss:6.1f} MB  "
                  f"({target.stat().st_size / 1e6:.0f} MB written)")
            target.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--results-tickets", type=int, default=0, metavar="N",
                    help="part 2 only: export results at N tickets (and N/10)")
    ap.add_argument("--db", type=Path, help="part 2: the N-ticket database to build once and reuse")
    a = ap.parse_args()
    if a.results_tickets:
        part2(a.results_tickets, a.db)
    else:
        part1(a.rows, a.runs)


if __name__ == "__main__":
    main()
