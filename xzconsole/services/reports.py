"""The 三率 assessment and the monthly bulletin (一月一通报), SPEC §8.

One code path for the assessment screen and the ``report`` command:
:func:`assess` computes every figure of a period as an :class:`Assessment`,
:func:`drill` names the tickets behind a number, and :func:`write_report`
renders the month's assessment as XLSX, Markdown or JSON.  The SQL lives in
``store_reports.py``; this module turns sums into rates, scores and ranks.

Rates are exact :class:`fractions.Fraction` values (``None`` when the
denominator is empty, shown "—"), so a rank never depends on float rounding
and a test can state the expected numbers exactly.

Decisions where SPEC §8 is silent (also in the bulletin's 说明 sheet):

* **Which tickets.** A ticket counts for the department it is at now if its
  latest dispatch (``tickets.dispatched_at``) has a local date in the period;
  a redispatched ticket so counts for the new department, and a ticket
  sitting returned at the center (or answered by the center itself after a
  return) counts for nobody.
* **As of ``now``.** Replies and signatures made after ``now`` (a what-if
  ``--now`` in the past) do not count; due dates, satisfaction and history
  counts are taken as they are.
* **Reopened tickets** (重办) are judged on their latest round: the reopen's
  due date against the latest reply.  Their response is the first signature
  after the dispatch (from the history, since a reopen clears ``signed_at``).
* **Warning levels** count each ticket once, at the highest level it reached:
  the level kept on the ticket, the level now for an unreplied one, the level
  at the reply for a replied one.  yellow + orange + red = warned tickets.
* **Returns** count 退回 that took effect ('return' within the window and
  'approve_return' of a late request) by the local date of the return, for
  the department that returned (read from the event, as the return clears the
  ticket's department).  A returned ticket does not count in that
  department's dispatched figures.
* **Extensions** count approvals, after the current dispatch, on the
  period's tickets.
* **Follow-ups** count calls (``followup_count``); reached calls are the
  calls minus the unreachable ones.  A satisfied call closes the ticket, so
  satisfied calls = tickets whose outcome is 满意/基本满意.
* **Knowledge base entries kept up to date**: entries owned by the department
  (its short or full name) updated within the last 180 days before ``now``;
  not tied to the period.
* **Policies**: issuer = the department's short or full name, publish date
  in the period, not a draft; lag = ``workdays_between(issued, published)``
  over those with an issue date; on target = lag ≤ 3 working days (the "135"
  publication target).  The center's total counts every issuer.
* **Ranks**: ties by department order (as the departments list is ordered);
  the black list (黑榜) is the lowest five not already on the red list, so a
  department is never on both.
* **Centers**: ``center`` narrows tickets to those the center took in
  (``tickets.center``: the accepting clerk's center, or the feed's 受理中心
  column on import); knowledge and policies are shared by all centers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal

from ..areas.grants import GrantTotal
from ..clock import format_datetime, local_date

if TYPE_CHECKING:  # typing only: the store is handed in, never imported here
    from ..store import Store

KNOWLEDGE_FRESH_DAYS = 180
PUBLISH_TARGET_WORKDAYS = 3  # "135": published within 3 working days of issue (default; data/ may change it)
LIST_SIZE = 5  # 红黑榜: best and worst five
RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate")
DEFAULT_WEIGHTS = {"response_rate": Fraction(3, 10), "resolution_rate": Fraction(7, 20), "satisfaction_rate": Fraction(7, 20)}
TOTAL_LABEL = "全市合计"
CENTER_TOTAL_LABEL = "本中心合计"  # the total row of an assessment cut by center


class ReportError(ValueError):
    """Unusable report arguments; the message is for staff (Chinese)."""


def ratio(num: int, den: int) -> Fraction | None:
    """num / den exactly, or None for an empty denominator (shown "—")."""
    return Fraction(num, den) if den else None


@dataclass
class DepartmentFigures:
    """Every figure of SPEC §8 for one department (or the whole center) and period."""

    department_id: int | None
    department: str  # short name (the name used in bulletins)
    name: str  # full name
    dispatched: int = 0
    signed_in_time: int = 0
    replied: int = 0
    replied_on_time: int = 0
    overdue_unreplied: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    unreachable: int = 0
    yellow: int = 0
    orange: int = 0
    red: int = 0
    returns: int = 0
    extensions: int = 0
    reopens: int = 0
    follow_ups: int = 0
    follow_ups_reached: int = 0
    reply_workdays_sum: int = 0
    reply_workdays_count: int = 0
    knowledge_current: int = 0
    policies_published: int = 0
    policies_with_lag: int = 0
    publication_lag_sum: int = 0
    policies_on_target: int = 0
    score: Fraction | None = None
    rank: int | None = None

    # -- the rates ------------------------------------------------------------
    @property
    def response_rate(self) -> Fraction | None:
        """响应率: signed within 1 working day / dispatched."""
        return ratio(self.signed_in_time, self.dispatched)

    @property
    def resolution_base(self) -> int:
        """解决率's denominator: replied + unreplied past due (open, not yet due: left out)."""
        return self.replied + self.overdue_unreplied

    @property
    def resolution_rate(self) -> Fraction | None:
        """解决率: replied on time / (replied + unreplied past due)."""
        return ratio(self.replied_on_time, self.resolution_base)

    @property
    def satisfaction_base(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    @property
    def satisfaction_rate(self) -> Fraction | None:
        """满意率: (满意 + 基本满意) / (满意 + 基本满意 + 不满意); unreachable left out."""
        return ratio(self.satisfied + self.basically_satisfied, self.satisfaction_base)

    @property
    def on_time_rate(self) -> Fraction | None:
        """Replied on time / replied."""
        return ratio(self.replied_on_time, self.replied)

    @property
    def satisfaction_rate_reached(self) -> Fraction | None:
        """(满意 + 基本满意) / follow-up calls that reached the enterprise."""
        return ratio(self.satisfied + self.basically_satisfied, self.follow_ups_reached)

    @property
    def warned(self) -> int:
        return self.yellow + self.orange + self.red

    @property
    def mean_reply_workdays(self) -> Fraction | None:
        """Mean ``workdays_between(dispatch date, reply date)`` over replied tickets."""
        return ratio(self.reply_workdays_sum, self.reply_workdays_count)

    @property
    def mean_publication_lag(self) -> Fraction | None:
        """Mean ``workdays_between(issued, published)`` of the period's policies."""
        return ratio(self.publication_lag_sum, self.policies_with_lag)

    @property
    def publication_on_target_rate(self) -> Fraction | None:
        return ratio(self.policies_on_target, self.policies_with_lag)

    @property
    def ranked(self) -> bool:
        """A department with nothing dispatched in the period is listed but not ranked."""
        return self.rank is not None

    def rate(self, key: str) -> Fraction | None:
        """One of the three rates scored (``RATE_KEYS``) by name."""
        rates = {"response_rate": self.response_rate, "resolution_rate": self.resolution_rate,
                 "satisfaction_rate": self.satisfaction_rate}
        return rates[key]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able figures: fractions as floats, empty ones as None."""
        def f(v: Fraction | None) -> float | None:
            return None if v is None else float(v)

        return {
            "department": self.department,
            "department_name": self.name,
            "dispatched": self.dispatched,
            "response_rate": f(self.response_rate),
            "resolution_rate": f(self.resolution_rate),
            "satisfaction_rate": f(self.satisfaction_rate),
            "score": f(self.score) if self.rank is not None else None,
            "rank": self.rank,
            "signed_in_time": self.signed_in_time,
            "replied": self.replied,
            "replied_on_time": self.replied_on_time,
            "on_time_rate": f(self.on_time_rate),
            "overdue_unreplied": self.overdue_unreplied,
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "unsatisfied": self.unsatisfied,
            "unreachable": self.unreachable,
            "yellow": self.yellow,
            "orange": self.orange,
            "red": self.red,
            "returns": self.returns,
            "extensions": self.extensions,
            "reopens": self.reopens,
            "follow_ups": self.follow_ups,
            "follow_ups_reached": self.follow_ups_reached,
            "satisfaction_rate_reached": f(self.satisfaction_rate_reached),
            "mean_reply_workdays": f(self.mean_reply_workdays),
            "knowledge_current": self.knowledge_current,
            "policies_published": self.policies_published,
            "mean_publication_lag": f(self.mean_publication_lag),
            "policies_on_target": self.policies_on_target,
        }


_SUMMED = (
    "dispatched", "signed_in_time", "replied", "replied_on_time", "overdue_unreplied", "satisfied",
    "basically_satisfied", "unsatisfied", "unreachable", "yellow", "orange", "red", "returns", "extensions",
    "reopens", "follow_ups", "follow_ups_reached", "reply_workdays_sum", "reply_workdays_count",
)


@dataclass
class Assessment:
    """The figures of a period: every department (in department order), the
    ranking, the red and black lists and the center's totals."""

    start: dt.date
    end: dt.date
    now: dt.datetime
    center: str | None
    weights: dict[str, Fraction]
    departments: list[DepartmentFigures]
    total: DepartmentFigures
    best: list[DepartmentFigures] = field(default_factory=list)
    worst: list[DepartmentFigures] = field(default_factory=list)
    # policy collection and publication (SPEC §6): issuer → store.collection.publication_figures row
    publication: dict[str, dict[str, Any]] = field(default_factory=dict)
    publish_target: int = PUBLISH_TARGET_WORKDAYS
    # 政策兑现 (issue 15): the period's payments grouped by department, district, policy and month
    grants: dict[str, list[GrantTotal]] = field(default_factory=dict)
    # 定制点餐 work orders opened in the period, per drafting department (store.orders.figures)
    orders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ranking(self) -> list[DepartmentFigures]:
        """Ranked departments, best first."""
        ranked = [(d.rank, d) for d in self.departments if d.rank is not None]
        return [d for _, d in sorted(ranked, key=lambda pair: pair[0])]

    @property
    def unranked(self) -> list[DepartmentFigures]:
        return [d for d in self.departments if d.rank is None]

    def by_name(self, short_name: str) -> DepartmentFigures:
        for d in self.departments:
            if short_name in (d.department, d.name):
                return d
        raise KeyError(short_name)

    def by_id(self, department_id: int) -> DepartmentFigures:
        for d in self.departments:
            if d.department_id == department_id:
                return d
        raise KeyError(department_id)


# ---------------------------------------------------------------- computing


def _weights(store: "Store") -> dict[str, Fraction]:
    raw = store.weights()
    out: dict[str, Fraction] = {}
    for key in RATE_KEYS:
        value = raw.get(key, DEFAULT_WEIGHTS[key])
        try:
            w = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise ReportError(f"考核权重 {key} 不是数字：{value!r}（见 data/weights.toml）") from None
        if w < 0:
            raise ReportError(f"考核权重 {key} 不能为负：{value}（见 data/weights.toml）")
        out[key] = w
    if sum(out.values()) == 0:
        raise ReportError("考核权重之和为 0，无法计算得分（见 data/weights.toml）")
    return out


def score(rates: dict[str, Fraction | None], weights: dict[str, Fraction]) -> Fraction | None:
    """100 × Σ wᵢ·rateᵢ, a missing rate's weight shared pro rata among the others.

    Sharing pro rata scales each present weight by (all weights / present
    weights), so the score stays on the same 0–100 scale.
    """
    present = {k: r for k, r in rates.items() if r is not None}
    w_present = sum((weights[k] for k in present), Fraction(0))
    if not present or w_present == 0:
        return None
    w_all = sum(weights.values(), Fraction(0))
    return 100 * w_all * sum((weights[k] * r for k, r in present.items()), Fraction(0)) / w_present


def _check_period(store: "Store", start: dt.date, end: dt.date) -> None:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ReportError("统计区间的起止日期无效")
    if end < start:
        raise ReportError(f"统计区间的结束日期 {end} 早于开始日期 {start}")
    covered = store.reports.workday_index_range()
    if covered is None or start < covered[0] or end > covered[1]:
        span = f"{covered[0]} 至 {covered[1]}" if covered else "空"
        raise ReportError(f"统计区间 {start} 至 {end} 超出工作日历的范围（{span}）")


def _evaluation(store: "Store", now: dt.datetime) -> tuple[str, dt.date, int]:
    today = local_date(now)
    return format_datetime(now), today, store.workday_number(today, store.calendar())


def assess(store: "Store", start: dt.date, end: dt.date, now: dt.datetime, center: str | None = None) -> Assessment:
    """Every figure of SPEC §8 for tickets dispatched in [start, end] (local
    dispatch dates), evaluated as of ``now``; every department listed."""
    _check_period(store, start, end)
    weights = _weights(store)
    now_s, today, today_num = _evaluation(store, now)

    counts = {r["department_id"]: r for r in store.reports.counts(start, end, now_s, today, today_num, center)}
    returns = store.reports.returns(start, end, now_s, center)
    extensions = store.reports.extensions(start, end, now_s, center)
    since = format_datetime(now - dt.timedelta(days=KNOWLEDGE_FRESH_DAYS))
    knowledge = store.reports.knowledge_current(since)
    # the publication target is editable data (data/publication_targets.toml, the collection screen)
    publish_target = store.collection.targets().publish
    policies = {r["issuer"]: r for r in store.reports.policies_published(start, end, publish_target)}

    active = store.departments()
    listed = list(active)
    known = {d.id for d in active}
    # an inactive department still answers for what it was dispatched
    for d in store.departments(include_inactive=True):
        if d.id not in known and (d.id in counts or d.id in returns or d.id in extensions):
            listed.append(d)

    figures: list[DepartmentFigures] = []
    for d in listed:
        f = DepartmentFigures(d.id, d.short_name, d.name)
        row = counts.get(d.id)
        if row is not None:
            for key in _SUMMED:
                if key in row.keys():
                    setattr(f, key, row[key] or 0)
        f.returns = returns.get(d.stored_id, 0)
        f.extensions = extensions.get(d.stored_id, 0)
        names = {d.short_name, d.name}
        f.knowledge_current = sum(knowledge.get(n, 0) for n in names)
        for n in names:
            p = policies.get(n)
            if p is not None:
                f.policies_published += p["published"]
                f.policies_with_lag += p["with_lag"]
                f.publication_lag_sum += p["lag_sum"] or 0
                f.policies_on_target += p["on_target"] or 0
        if f.dispatched:
            f.score = score({k: f.rate(k) for k in RATE_KEYS}, weights)
        figures.append(f)

    # best score first; a tie keeps the departments' listed order
    scored = [(f.score, i, f) for i, f in enumerate(figures) if f.score is not None]
    ranked = [f for _, _, f in sorted(scored, key=lambda t: (-t[0], t[1]))]
    for i, f in enumerate(ranked, 1):
        f.rank = i
    best = ranked[:LIST_SIZE]
    worst = [f for f in reversed(ranked[-LIST_SIZE:]) if f not in best]

    label = TOTAL_LABEL if center is None else CENTER_TOTAL_LABEL
    total = DepartmentFigures(None, label, label)
    for key in _SUMMED:
        setattr(total, key, sum(getattr(f, key) for f in figures))
    # what no department row holds: returns and extensions of departments not
    # listed cannot happen (all are listed); knowledge and policies of the
    # whole center include entries and issuers outside the departments list
    total.knowledge_current = sum(knowledge.values())
    total.policies_published = sum(p["published"] for p in policies.values())
    total.policies_with_lag = sum(p["with_lag"] for p in policies.values())
    total.publication_lag_sum = sum(p["lag_sum"] or 0 for p in policies.values())
    total.policies_on_target = sum(p["on_target"] or 0 for p in policies.values())
    if total.dispatched:
        total.score = score({k: total.rate(k) for k in RATE_KEYS}, weights)

    return Assessment(start, end, now, center, weights, figures, total, best, worst,
                      publication=store.collection.publication_figures(start, end), publish_target=publish_target,
                      grants={"total": [store.grants.total(start, end)],
                              **{by: store.grants.figures(by, start, end) for by in GRANT_GROUPS}},
                      orders=store.orders.figures(start, end))


# Drill-down names: the count figures, plus each rate's name for the tickets
# of its denominator.
_DRILL_ALIASES = {
    "response_rate": "dispatched",
    "resolution_rate": "resolution_base",
    "satisfaction_rate": "satisfaction_base",
    "on_time_rate": "replied",
    "reopens": "reopened",
    "follow_ups": "followed_up",
}


def drill_metrics() -> list[str]:
    """The metric names :func:`drill` accepts."""
    from ..areas.reports import DRILL_CONDITIONS

    return [*DRILL_CONDITIONS, "returns", "extensions", *_DRILL_ALIASES]


def drill(store: "Store", department_id: int | None, metric: str, start: dt.date, end: dt.date,
          now: dt.datetime, center: str | None = None) -> list[int]:
    """The ids of the tickets behind one number of :func:`assess` (same SQL),
    ascending.  ``department_id`` None: the whole center.  A rate's name gives
    the tickets of its denominator."""
    from ..areas.reports import DRILL_CONDITIONS

    _check_period(store, start, end)
    metric = _DRILL_ALIASES.get(metric, metric)
    now_s, today, today_num = _evaluation(store, now)
    if metric == "returns":
        return store.reports.return_ticket_ids(department_id, start, end, now_s, center)
    if metric == "extensions":
        return store.reports.extension_ticket_ids(department_id, start, end, now_s, center)
    if metric not in DRILL_CONDITIONS:
        raise ReportError(f"无法下钻的指标：{metric}（可用：{'、'.join(drill_metrics())}）")
    return store.reports.ticket_ids(department_id, metric, start, end, now_s, today, today_num, center)


# ---------------------------------------------------------------- the bulletin


def month_period(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of a 'YYYY-MM' month; ReportError (Chinese) otherwise."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(month or ""))
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2200:
        raise ReportError(f"月份格式应为 YYYY-MM（如 2026-11），收到：{month!r}")
    y, mo = int(m.group(1)), int(m.group(2))
    first = dt.date(y, mo, 1)
    last = (dt.date(y + (mo == 12), mo % 12 + 1, 1)) - dt.timedelta(days=1)
    return first, last


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
    """The bulletin's sections, in order: 三率排名, 明细指标, 红黑榜, 政策发布, 政策采集与解读, 说明."""
    def line(f: DepartmentFigures) -> list[Any]:
        return [_rank_cell(f) if f.department_id is not None else "", f.department, f.dispatched,
                f.response_rate, f.resolution_rate, f.satisfaction_rate, f.score if (f.rank or f.department_id is None) else None]

    ranking = Table(
        "三率排名",
        ["排名", "单位", "派发量", "响应率", "解决率", "满意率", "综合得分"],
        ["text", "text", "int", "pct", "pct", "pct", "num"],
        [line(f) for f in a.ranking] + [line(f) for f in a.unranked] + [line(a.total)],
    )

    detail_cols: list[tuple[str, Kind, Callable[[DepartmentFigures], Any]]] = [
        ("单位", "text", lambda f: f.department),
        ("派发量", "int", lambda f: f.dispatched),
        ("按时签收", "int", lambda f: f.signed_in_time),
        ("响应率", "pct", lambda f: f.response_rate),
        ("已答复", "int", lambda f: f.replied),
        ("按时答复", "int", lambda f: f.replied_on_time),
        ("按时答复率", "pct", lambda f: f.on_time_rate),
        ("超期未答复", "int", lambda f: f.overdue_unreplied),
        ("解决率", "pct", lambda f: f.resolution_rate),
        ("满意", "int", lambda f: f.satisfied),
        ("基本满意", "int", lambda f: f.basically_satisfied),
        ("不满意", "int", lambda f: f.unsatisfied),
        ("未联系上", "int", lambda f: f.unreachable),
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
        return [[label, f.rank, f.department, f.score, f.response_rate, f.resolution_rate, f.satisfaction_rate] for f in fs]

    boards = Table(
        "红黑榜",
        ["榜单", "名次", "单位", "综合得分", "响应率", "解决率", "满意率"],
        ["text", "int", "text", "num", "pct", "pct", "pct"],
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
            ["权重", f"响应率 {float(w['response_rate']):g} · 解决率 {float(w['resolution_rate']):g} · 满意率 {float(w['satisfaction_rate']):g}"],
            ["响应率", "1 个工作日内签收的工单 / 派发工单"],
            ["解决率", "按时答复 /（已答复 + 超期未答复）；未到期的在办工单不计入"],
            ["满意率", "（满意 + 基本满意）/（满意 + 基本满意 + 不满意），按最近一次回访；未联系上不计入"],
            ["综合得分", "100 ×（权重 × 三率）；某率无分母时显示“—”，其权重按比例分给其余各率"],
            ["排名", "派发量为 0 的单位列出但不参与排名；同分按单位顺序"],
            ["预警", "每件工单按到达过的最高级别计一次"],
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
    return [ranking, detail, boards, policies, collection, grants, orders, notes]


#: how the bulletin's 政策兑现 sheet groups the period's payments
GRANT_GROUPS = {"department": "兑现部门", "district": "区域", "policy": "政策", "month": "月份"}


def _title(a: Assessment) -> str:
    if a.start.day == 1 and a.end == month_period(f"{a.start.year}-{a.start.month}")[1]:
        period = f"{a.start.year}年{a.start.month}月"
    else:
        period = f"{a.start} 至 {a.end}"
    return f"一月一通报 · 三率考核（{period}{' · ' + a.center if a.center else ''}）"


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


def render_json(a: Assessment, month: str | None = None) -> str:
    """One object per department — ranked ones first, by rank, then the
    unranked in department order — as a JSON array; rates are fractions 0–1
    or null, score and rank null when unranked; ``center`` when cut by one."""
    objs = []
    for f in [*a.ranking, *a.unranked]:
        d = f.as_dict()
        if month:
            d = {"month": month, **d}
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
    wb.properties.title = _title(a)
    wb.save(path)


def write_report(store: "Store", month: str, fmt: str = "xlsx", out: str | Path | None = None,
                 now: dt.datetime | None = None, center: str | None = None) -> None:
    """一月一通报: the month's assessment as XLSX (``out`` required), Markdown or
    JSON (to ``out``, else stdout).  Raises :class:`ReportError` (a
    ValueError with a Chinese message) for an unusable month, format or path."""
    start, end = month_period(month)
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
    label = f"{start.year:04d}-{start.month:02d}"
    try:
        if xlsx is not None:
            write_xlsx(a, xlsx)
            return
        text = render_markdown(a) if fmt == "md" else render_json(a, label)
        if out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"无法写入报表文件 {out}：{exc.strerror or exc}") from None


__all__ = [
    "Assessment",
    "DepartmentFigures",
    "ReportError",
    "Table",
    "assess",
    "drill",
    "drill_metrics",
    "month_period",
    "render_json",
    "render_markdown",
    "score",
    "tables",
    "write_report",
    "write_xlsx",
]
