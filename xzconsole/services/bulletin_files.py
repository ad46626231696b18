"""The bulletin's files (一月一通报, quarterly, yearly), SPEC §8: the
assessment of :mod:`xzconsole.services.reports` laid out as tables
(:func:`tables`, the same tables the assessment screen shows), the monthly
trend with its sparklines and charts, and the XLSX, Markdown and JSON writers
(:func:`write_report`, the ``report`` command).  The decisions behind the
figures are listed in :mod:`xzconsole.services.reports`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal

from .reports import (CENTER_TOTAL_LABEL, GRANT_GROUPS, KNOWLEDGE_FRESH_DAYS, RATE_KEYS, RATE_LABELS, TOTAL_LABEL,
                      Assessment, DepartmentFigures, Period, ReportError, assess, period_of, report_period)

if TYPE_CHECKING:  # typing only: the store is handed in, never imported here
    from ..store import Store


Kind = Literal["int", "pct", "num", "text"]


@dataclass
class Table:
    """One section of the bulletin: a sheet in XLSX, a table in Markdown."""

    title: str
    headers: list[str]
    kinds: list[Kind]
    rows: list[list[Any]]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: Any) -> str:
    """User or reference text made inert: control characters (terminal escapes,
    bidi overrides) replaced by spaces, line breaks by spaces."""
    return _CONTROL.sub(" ", str(text)).replace("\n", " ").replace("\r", " ").replace("\t", " ")


def fmt_value(value: Any, kind: Kind) -> str:
    """How a figure reads in text: "—" for an empty rate, percentages with one decimal."""
    if value is None:
        return "—"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "num":
        return f"{float(value):.2f}"
    if kind == "int":
        return str(value)
    return clean(value)


def display_width(text: str) -> int:
    """Terminal/spreadsheet width: wide and full-width (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _rank_cell(f: DepartmentFigures) -> Any:
    return f.rank if f.rank is not None else "不参与排名"


def tables(a: Assessment) -> list[Table]:
    """The bulletin's sections, in order: 三率排名, 明细指标, 红黑榜, 政策发布,
    政策采集与解读, 说明, and for a period of several months 月度趋势 and 单位月度得分."""
    def line(f: DepartmentFigures) -> list[Any]:
        return [_rank_cell(f) if f.department_id is not None else "", f.department, f.dispatched,
                f.response_rate, f.on_time_rate, f.resolution_rate, f.satisfaction_rate,
                f.score if (f.rank or f.department_id is None) else None]

    ranking = Table(
        "三率排名",
        ["排名", "单位", "派发量", "响应率", "按时办结率", "解决率", "满意率", "综合得分"],
        ["text", "text", "int", "pct", "pct", "pct", "pct", "num"],
        [line(f) for f in a.ranking] + [line(f) for f in a.unranked] + [line(a.total)],
    )

    detail_cols: list[tuple[str, Kind, Callable[[DepartmentFigures], Any]]] = [
        ("单位", "text", lambda f: f.department),
        ("派发量", "int", lambda f: f.dispatched),
        ("按时签收", "int", lambda f: f.signed_in_time),
        ("响应率", "pct", lambda f: f.response_rate),
        ("已答复", "int", lambda f: f.replied),
        ("按时答复", "int", lambda f: f.replied_on_time),
        ("按时答复率", "pct", lambda f: f.replied_on_time_rate),
        ("超期未答复", "int", lambda f: f.overdue_unreplied),
        ("按时办结率", "pct", lambda f: f.on_time_rate),
        ("满意", "int", lambda f: f.satisfied),
        ("基本满意", "int", lambda f: f.basically_satisfied),
        ("不满意", "int", lambda f: f.unsatisfied),
        ("未联系上", "int", lambda f: f.unreachable),
        ("已解决", "int", lambda f: f.resolved_yes),
        ("未解决", "int", lambda f: f.resolved_no),
        ("解决率", "pct", lambda f: f.resolution_rate),
        ("满意率", "pct", lambda f: f.satisfaction_rate),
        ("黄色预警", "int", lambda f: f.yellow),
        ("橙色预警", "int", lambda f: f.orange),
        ("红色预警", "int", lambda f: f.red),
        ("退回", "int", lambda f: f.returns),
        ("延期", "int", lambda f: f.extensions),
        ("重办", "int", lambda f: f.reopens),
        ("回访次数", "int", lambda f: f.follow_ups),
        ("回访联系上", "int", lambda f: f.follow_ups_reached),
        ("联系上满意率", "pct", lambda f: f.satisfaction_rate_reached),
        ("平均答复用时（工作日）", "num", lambda f: f.mean_reply_workdays),
        ("知识库有效条目", "int", lambda f: f.knowledge_current),
        ("发布政策", "int", lambda f: f.policies_published),
        ("平均发布时滞（工作日）", "num", lambda f: f.mean_publication_lag),
    ]
    detail = Table(
        "明细指标",
        [c[0] for c in detail_cols],
        [c[1] for c in detail_cols],
        [[c[2](f) for c in detail_cols] for f in [*a.departments, a.total]],
    )

    def board(label: str, fs: Iterable[DepartmentFigures]) -> list[list[Any]]:
        return [[label, f.rank, f.department, f.dispatched, f.score, f.response_rate, f.on_time_rate,
                 f.resolution_rate, f.satisfaction_rate] for f in fs]

    boards = Table(
        "红黑榜",
        ["榜单", "名次", "单位", "派发量", "综合得分", "响应率", "按时办结率", "解决率", "满意率"],
        ["text", "int", "text", "int", "num", "pct", "pct", "pct", "pct"],
        board("红榜", a.best) + board("黑榜", a.worst),
    )

    def pol(f: DepartmentFigures) -> list[Any]:
        return [f.department, f.policies_published, f.mean_publication_lag, f.policies_on_target,
                f.publication_on_target_rate]

    policies = Table(
        "政策发布",
        ["单位", "发布政策数", "平均发布时滞（工作日）", f"时滞达标数（≤{a.publish_target}个工作日）", "达标率"],
        ["text", "int", "num", "int", "pct"],
        [pol(f) for f in a.departments if f.policies_published] + [pol(a.total)],
    )

    w = a.weights
    notes = Table(
        "说明",
        ["项目", "内容"],
        ["text", "text"],
        [
            ["统计区间", f"{a.start} 至 {a.end}（按派发日期）"],
            ["评价时点", a.now.strftime("%Y-%m-%d %H:%M")],
            ["统计范围", a.center or "全部中心"],
            ["权重", " · ".join(f"{RATE_LABELS[k]} {float(w[k]):g}" for k in RATE_KEYS)],
            ["响应率", "1 个工作日内签收的工单 / 派发工单"],
            ["按时办结率", "按时答复 /（已答复 + 超期未答复）；未到期的在办工单不计入"],
            ["解决率", "最近一次联系上的回访记录“已解决”的工单 /（已解决 + 未解决）"],
            ["满意率", "（满意 + 基本满意）/（满意 + 基本满意 + 不满意），按最近一次回访；未联系上不计入"],
            ["综合得分", "100 ×（权重 × 各率）；某率无分母时显示“—”，其权重按比例分给其余各率"],
            ["排名", "派发量为 0 的单位列出但不参与排名；同分按单位顺序"],
            ["红黑榜", f"只在派发量不少于 {a.min_dispatched} 件的单位中评选（data/weights.toml 的 min_dispatched）"],
            ["预警", "计入到达该级别时承办工单的单位：每件工单在每个承办单位按到达过的最高级别计一次；"
                     "退回前到达的预警按退回日期计入退回单位"],
            ["退回", "按退回日期计入退回单位"],
            ["知识库有效条目", f"近 {KNOWLEDGE_FRESH_DAYS} 天内更新过的本单位条目"],
            ["政策发布时滞", f"发文日期至发布日期的工作日数；≤{a.publish_target} 个工作日为达标"],
            ["政策采集与解读", "按发文单位：收集、发布、解读距发文日期的平均工作日数（目标见 data/publication_targets.toml，默认“135”）；"
                             "漏巡查 = 统计区间内各工作日未登记巡查的来源天数"],
        ],
    )
    def lag(v: Any) -> Any:
        return None if v is None else float(v)

    pub = a.publication
    collection = Table(
        "政策采集与解读",
        ["发文单位", "发布", "申报类", "已解读", "平均收集时滞", "平均发布时滞", "平均解读时滞", "发布达标", "达标率",
         "负责来源数", "漏巡查（来源·天）"],
        ["text", "int", "int", "int", "num", "num", "num", "int", "pct", "int", "int"],
        [[name, r["published"], r["declaration"], r["interpreted"], lag(r["collect_lag"]), lag(r["publish_lag"]),
          lag(r["interpret_lag"]), r["publish_on_time"], r["publish_on_time_rate"], r["sources"], r["unchecked_source_days"]]
         for name, r in sorted(pub.items(), key=lambda kv: (-kv[1]["published"], -kv[1]["unchecked_source_days"], kv[0]))],
    )
    grant_rows: list[list[Any]] = []
    for by, label in GRANT_GROUPS.items():
        for g in a.grants.get(by, []):
            grant_rows.append([label, g.key, g.enterprises, g.grants, g.amount_fen / 100])
    if grant_rows:
        t = a.grants["total"][0]
        grant_rows.insert(0, ["合计", TOTAL_LABEL, t.enterprises, t.grants, t.amount_fen / 100])
    grants = Table("政策兑现", ["统计口径", "名称", "企业数", "笔数", "金额（元）"], ["text", "text", "int", "int", "num"],
                   grant_rows)
    order_rows = [[o["department"], o["orders"], o["rounds"], o["comments"], o["answered"], o["adopted"],
                   o["adopted"] / o["answered"] if o["answered"] else None, o["overdue"]] for o in a.orders]
    if order_rows:
        order_rows.append([TOTAL_LABEL, *[sum(r[i] for r in order_rows) for i in range(1, 6)], None,
                           sum(r[7] for r in order_rows)])
        answered, adopted = order_rows[-1][4], order_rows[-1][5]
        order_rows[-1][6] = adopted / answered if answered else None
    orders = Table("定制点餐", ["起草单位", "工单", "征求轮次", "收到意见", "已答复", "采纳", "采纳率", "逾期环节"],
                   ["text", "int", "int", "int", "int", "int", "pct", "int"], order_rows)
    out = [ranking, detail, boards, policies, collection, grants, orders, notes]
    if len(a.months) > 1:
        out.extend(trend_tables(a))
    return out


TREND_TITLE = "月度趋势"


def trend_tables(a: Assessment) -> list[Table]:
    """The months of a quarter or a year: the total's rates and score month by
    month (月度趋势), and each ranked department's score month by month (单位月度得分)."""
    trend = Table(
        TREND_TITLE,
        ["月份", "派发量", "响应率", "按时办结率", "解决率", "满意率", "综合得分"],
        ["text", "int", "pct", "pct", "pct", "pct", "num"],
        [[m, t.dispatched, t.response_rate, t.on_time_rate, t.resolution_rate, t.satisfaction_rate, t.score]
         for m, t in zip(a.months, a.total_trend)],
    )
    kinds: list[Kind] = ["text"]
    kinds.extend("num" for _ in a.months)
    scores = Table(
        "单位月度得分",
        ["单位", *a.months],
        kinds,
        [[f.department, *(m.score for m in a.trends.get(f.department_id or 0, []))] for f in a.ranking],
    )
    return [trend, scores]


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Iterable[Fraction | float | None], top: float = 100.0, floor: float | None = 0.0) -> str:
    """A one-line chart of ``values`` in Unicode block bars, ``floor``…``top``
    (``floor`` None: the tenth of ``top`` below the lowest value, so months at
    85 and 95 differ visibly); an empty value is a "·" (never a bar of height
    0, which would read as 0)."""
    vals = list(values)
    if floor is None:
        present = [float(v) for v in vals if v is not None]
        step = top / 10
        floor = max(0.0, (int(min(present) / step) - 1) * step) if present else 0.0
    span = top - floor
    out = []
    for v in vals:
        if v is None:
            out.append("·")
            continue
        x = min(max((float(v) - floor) / span, 0.0), 1.0) if span > 0 else 0.0
        out.append(_BARS[min(int(x * len(_BARS)), len(_BARS) - 1)])
    return "".join(out)


def _title(a: Assessment) -> str:
    p = period_of(a.start, a.end)
    period = p.title if p is not None else f"{a.start} 至 {a.end}"
    name = {"quarter": "季度通报", "year": "年度通报"}.get(p.kind if p else "", "一月一通报")
    return f"{name} · 三率考核（{period}{' · ' + a.center if a.center else ''}）"


def render_markdown(a: Assessment) -> str:
    """The bulletin as Markdown tables (user text escaped, so it stays text)."""
    def cell(v: Any, kind: Kind) -> str:
        return fmt_value(v, kind).replace("\\", "\\\\").replace("|", "\\|")

    out = [f"# {_title(a)}", ""]
    for t in tables(a):
        out.append(f"## {t.title}")
        out.append("")
        out.append("| " + " | ".join(t.headers) + " |")
        out.append("|" + "|".join("---:" if k in ("int", "pct", "num") else "---" for k in t.kinds) + "|")
        if not t.rows:
            out.append("| " + " | ".join(["（无）", *[""] * (len(t.headers) - 1)]) + " |")
        for row in t.rows:
            out.append("| " + " | ".join(cell(v, k) for v, k in zip(row, t.kinds)) + " |")
        out.append("")
    return "\n".join(out)


def render_json(a: Assessment, month: str | Period | None = None) -> str:
    """One object per department — ranked ones first, by rank, then the
    unranked in department order — as a JSON array; rates are fractions 0–1
    or null, score and rank null when unranked; ``center`` when cut by one;
    ``month`` / ``quarter`` / ``year`` the period; for a quarter or a year
    ``trend``: the department's figures month by month."""
    period = None if month is None else report_period(month)
    objs = []
    for f in [*a.ranking, *a.unranked]:
        d = f.as_dict()
        if len(a.months) > 1 and f.department_id is not None:
            d["trend"] = [{"month": m, "dispatched": t.dispatched,
                           **{k: None if t.rate(k) is None else float(t.rate(k) or 0) for k in RATE_KEYS},
                           "score": None if t.score is None else float(t.score)}
                          for m, t in zip(a.months, a.trends.get(f.department_id, []))]
        if period is not None:
            d = {period.kind: period.label, **d}
        if a.center:  # an assessment cut by center says which
            d = {"center": a.center, **d}
        objs.append(d)
    return json.dumps(objs, ensure_ascii=False, indent=2) + "\n"


def write_xlsx(a: Assessment, path: Path) -> None:
    """The bulletin as a workbook: one formatted sheet per section, bold frozen
    header row, percentages as percentages, widths fitted to Chinese text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    if wb.active is not None:  # the blank sheet a new workbook starts with
        wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    formats = {"pct": "0.0%", "num": "0.00", "int": "0"}
    for t in tables(a):
        ws = wb.create_sheet(t.title)
        ws.append(t.headers)
        for c in ws[1]:
            c.font = bold
            c.fill = fill
            c.alignment = Alignment(horizontal="center", vertical="center")
        ws.freeze_panes = "A2"
        widths = [display_width(h) for h in t.headers]
        for row in t.rows:
            values: list[Any] = []
            for v, k in zip(row, t.kinds):
                if v is None:
                    values.append("—")
                elif k in ("pct", "num"):
                    values.append(float(v))
                elif isinstance(v, str):
                    values.append(clean(v))
                else:
                    values.append(v)
            ws.append(values)
            r = ws.max_row
            for i, (v, k) in enumerate(zip(row, t.kinds)):
                c = ws.cell(row=r, column=i + 1)
                if isinstance(c.value, str):
                    c.data_type = "s"  # never a formula, whatever the text starts with
                    if c.value == "—":
                        c.alignment = Alignment(horizontal="right")
                elif k in formats:
                    c.number_format = formats[k]
                widths[i] = max(widths[i], display_width(fmt_value(v, k)))
            if TOTAL_LABEL in row[:2] or CENTER_TOTAL_LABEL in row[:2]:
                for c in ws[r]:
                    c.font = bold
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(w + 2, 80)
        if t.title == TREND_TITLE and t.rows:
            _trend_charts(ws, len(t.rows))
    wb.properties.title = _title(a)
    wb.save(path)


def _trend_charts(ws: Any, n: int) -> None:
    """Native Excel charts on the 月度趋势 sheet: the four rates as lines,
    the composite score as columns (rows 2…n+1; columns C–F rates, G score)."""
    from openpyxl.chart import BarChart, LineChart, Reference

    months = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    rates = LineChart()
    rates.title = "各率月度趋势"
    rates.y_axis.title = "比率"
    rates.y_axis.number_format = "0%"
    rates.y_axis.scaling.min = 0
    rates.y_axis.scaling.max = 1
    rates.add_data(Reference(ws, min_col=3, max_col=6, min_row=1, max_row=n + 1), titles_from_data=True)
    rates.set_categories(months)
    rates.height, rates.width = 8, 16
    ws.add_chart(rates, "I2")
    scores = BarChart()
    scores.title = "综合得分"
    scores.y_axis.scaling.min = 0
    scores.y_axis.scaling.max = 100
    scores.add_data(Reference(ws, min_col=7, max_col=7, min_row=1, max_row=n + 1), titles_from_data=True)
    scores.set_categories(months)
    scores.height, scores.width = 8, 16
    ws.add_chart(scores, "I20")


def write_report(store: "Store", month: str | Period, fmt: str = "xlsx", out: str | Path | None = None,
                 now: dt.datetime | None = None, center: str | None = None) -> None:
    """The bulletin of a month (一月一通报), a quarter ('2026Q4') or a year
    ('2026') as XLSX (``out`` required), Markdown or JSON (to ``out``, else
    stdout).  Raises :class:`ReportError` (a ValueError with a Chinese
    message) for an unusable period, format or path."""
    period = report_period(month)
    start, end = period.start, period.end
    fmt = (fmt or "").strip().lower()
    if fmt not in ("xlsx", "md", "json"):
        raise ReportError(f"报表格式应为 xlsx、md 或 json，收到：{fmt!r}")
    xlsx: Path | None = None
    if fmt == "xlsx":
        if out is None:
            raise ReportError("XLSX 格式须用 --out 指定输出文件")
        xlsx = Path(out)
    when = now or store.now()
    a = assess(store, start, end, when, center)
    try:
        if xlsx is not None:
            write_xlsx(a, xlsx)
            return
        text = render_markdown(a) if fmt == "md" else render_json(a, period)
        if out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"无法写入报表文件 {out}：{exc.strerror or exc}") from None


__all__ = [
    "Kind",
    "Table",
    "clean",
    "display_width",
    "fmt_value",
    "render_json",
    "render_markdown",
    "sparkline",
    "tables",
    "trend_tables",
    "write_report",
    "write_xlsx",
]
