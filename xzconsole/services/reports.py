"""The 三率 assessment and the bulletin (一月一通报, quarterly, yearly), SPEC §8.

One code path for the assessment screen and the ``report`` command:
:func:`assess` computes every figure of a period as an :class:`Assessment`,
:func:`drill` names the tickets behind a number, and
:func:`xzconsole.services.bulletin_files.write_report`
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
* **Warning levels** are charged to the department that held the ticket when
  the level was reached, once per ticket and handling, at the highest level
  reached in it: for the current handling, the level now for an unreplied
  ticket, at the reply for a replied one, or a higher one recorded in the
  history since that dispatch; for a handling that ended in a return, the
  level at the return (read from the return event: the department and due
  date it records) or a higher one recorded during that handling — counted
  for the returning department in the month of the return, as returns are.
* **解决率** reads ``tickets.resolved`` (the latest reached call-back's 已解决 /
  未解决); **按时办结率** is the on-time rate SPEC §8 defines (the former 解决率).
* **红黑榜** draws from departments with at least ``min_dispatched``
  (data/weights.toml, default 3); every department with tickets is still ranked.
* **Quarters and years** are one pass grouped by month: the period's figures
  are the sums of its months', and the months' own figures are the trend.
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
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from ..areas.grants import GrantTotal
from ..clock import format_datetime, local_date

if TYPE_CHECKING:  # typing only: the store is handed in, never imported here
    from ..store import Store

KNOWLEDGE_FRESH_DAYS = 180
PUBLISH_TARGET_WORKDAYS = 3  # "135": published within 3 working days of issue (default; data/ may change it)
LIST_SIZE = 5  # 红黑榜: best and worst five
RATE_KEYS = ("response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate")
RATE_LABELS = {"response_rate": "响应率", "on_time_rate": "按时办结率", "resolution_rate": "解决率",
               "satisfaction_rate": "满意率"}
DEFAULT_WEIGHTS = {"response_rate": Fraction(1, 5), "on_time_rate": Fraction(3, 10),
                   "resolution_rate": Fraction(1, 4), "satisfaction_rate": Fraction(1, 4)}
#: 红黑榜: only departments with at least this many dispatched (weights.toml ``min_dispatched``)
DEFAULT_MIN_DISPATCHED = 3
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
    resolved_yes: int = 0  # latest reached call-back: 已解决
    resolved_no: int = 0  # latest reached call-back: 未解决
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
    def on_time_base(self) -> int:
        """按时办结率's denominator: replied + unreplied past due (open, not yet due: left out)."""
        return self.replied + self.overdue_unreplied

    @property
    def on_time_rate(self) -> Fraction | None:
        """按时办结率: replied on time / (replied + unreplied past due)."""
        return ratio(self.replied_on_time, self.on_time_base)

    @property
    def resolution_base(self) -> int:
        """解决率's denominator: tickets whose latest reached call-back recorded 已解决 or 未解决."""
        return self.resolved_yes + self.resolved_no

    @property
    def resolution_rate(self) -> Fraction | None:
        """解决率 as 12345 counts it: 已解决 / (已解决 + 未解决), from the call-backs."""
        return ratio(self.resolved_yes, self.resolution_base)

    @property
    def satisfaction_base(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    @property
    def satisfaction_rate(self) -> Fraction | None:
        """满意率: (满意 + 基本满意) / (满意 + 基本满意 + 不满意); unreachable left out."""
        return ratio(self.satisfied + self.basically_satisfied, self.satisfaction_base)

    @property
    def replied_on_time_rate(self) -> Fraction | None:
        """按时答复率: replied on time / replied."""
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
        """One of the four rates scored (``RATE_KEYS``) by name."""
        rates = {"response_rate": self.response_rate, "on_time_rate": self.on_time_rate,
                 "resolution_rate": self.resolution_rate, "satisfaction_rate": self.satisfaction_rate}
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
            "on_time_rate": f(self.on_time_rate),
            "resolution_rate": f(self.resolution_rate),
            "satisfaction_rate": f(self.satisfaction_rate),
            "score": f(self.score) if self.rank is not None else None,
            "rank": self.rank,
            "signed_in_time": self.signed_in_time,
            "replied": self.replied,
            "replied_on_time": self.replied_on_time,
            "replied_on_time_rate": f(self.replied_on_time_rate),
            "overdue_unreplied": self.overdue_unreplied,
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "unsatisfied": self.unsatisfied,
            "unreachable": self.unreachable,
            "resolved": self.resolved_yes,
            "unresolved": self.resolved_no,
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
    "basically_satisfied", "unsatisfied", "unreachable", "resolved_yes", "resolved_no", "yellow", "orange", "red", "returns", "extensions",
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
    min_dispatched: int = DEFAULT_MIN_DISPATCHED  # 红黑榜: only departments with at least this many dispatched
    months: list[str] = field(default_factory=list)  # 'YYYY-MM' of each month of the period
    # the trend: per department id, its figures in each month of ``months``
    trends: dict[int, list[DepartmentFigures]] = field(default_factory=dict)
    total_trend: list[DepartmentFigures] = field(default_factory=list)  # the total's, month by month
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


def _weights(store: "Store") -> tuple[dict[str, Fraction], int]:
    """The four weights and the 红黑榜 minimum from data/weights.toml (as
    stored).  A file from before 按时办结率 (without ``on_time_rate``) is
    read as the defaults: its three weights no longer say how to share four."""
    raw = store.weights()
    legacy = any(k not in raw for k in RATE_KEYS)
    out: dict[str, Fraction] = {}
    for key in RATE_KEYS:
        value = DEFAULT_WEIGHTS[key] if legacy else raw[key]
        try:
            w = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise ReportError(f"考核权重 {key} 不是数字：{value!r}（见 data/weights.toml）") from None
        if w < 0:
            raise ReportError(f"考核权重 {key} 不能为负：{value}（见 data/weights.toml）")
        out[key] = w
    if sum(out.values()) == 0:
        raise ReportError("考核权重之和为 0，无法计算得分（见 data/weights.toml）")
    minimum = raw.get("min_dispatched", DEFAULT_MIN_DISPATCHED)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise ReportError(f"红黑榜最低派发量 min_dispatched 应为非负整数：{minimum!r}（见 data/weights.toml）")
    return out, minimum


def score(rates: dict[str, Fraction | None], weights: dict[str, Fraction]) -> Fraction | None:
    """100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates present: a missing rate's weight
    is shared among the others in proportion to their weights, so the score
    stays on the 0–100 scale (with weights summing to 1 and every rate
    present this is exactly 100 × Σ wᵢ·rateᵢ)."""
    present = {k: r for k, r in rates.items() if r is not None}
    w_present = sum((weights[k] for k in present), Fraction(0))
    if not present or w_present == 0:
        return None
    return 100 * sum((weights[k] * r for k, r in present.items()), Fraction(0)) / w_present


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


def months_between(start: dt.date, end: dt.date) -> list[str]:
    """'YYYY-MM' of every month the range [start, end] touches, in order."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def assess(store: "Store", start: dt.date, end: dt.date, now: dt.datetime, center: str | None = None) -> Assessment:
    """Every figure of SPEC §8 for tickets dispatched in [start, end] (local
    dispatch dates), evaluated as of ``now``; every department listed; and,
    from the same pass, the figures of each month of the range (the trend)."""
    _check_period(store, start, end)
    weights, min_dispatched = _weights(store)
    now_s, today, today_num = _evaluation(store, now)

    # one pass, grouped by department and month: the period is the sum of its months
    counts: dict[int, list[Any]] = {}
    for r in store.reports.counts(start, end, now_s, today, today_num, center):
        counts.setdefault(r["department_id"], []).append(r)
    returns = store.reports.returns(start, end, now_s, center)
    extensions = store.reports.extensions(start, end, now_s, center)
    charged = store.reports.returned_levels(start, end, now_s, center)
    since = format_datetime(now - dt.timedelta(days=KNOWLEDGE_FRESH_DAYS))
    knowledge = store.reports.knowledge_current(since)
    # the publication target is editable data (data/publication_targets.toml, the collection screen)
    publish_target = store.collection.targets().publish
    policies = {r["issuer"]: r for r in store.reports.policies_published(start, end, publish_target)}
    months = months_between(start, end)

    active = store.departments()
    listed = list(active)
    known = {d.id for d in active}
    touched = {k[0] for k in [*returns, *extensions, *charged]}
    # an inactive department still answers for what it was dispatched
    for d in store.departments(include_inactive=True):
        if d.id not in known and (d.id in counts or d.id in touched):
            listed.append(d)

    def monthly(d_id: int, short: str, name: str) -> dict[str, DepartmentFigures]:
        """The department's figures per month of the range (ticket counts only)."""
        per = {m: DepartmentFigures(d_id, short, name) for m in months}
        for row in counts.get(d_id, []):
            f = per.get(row["month"])
            if f is None:
                continue
            for key in _SUMMED:
                if key in row.keys():
                    setattr(f, key, row[key] or 0)
        for m, f in per.items():
            f.returns = returns.get((d_id, m), 0)
            f.extensions = extensions.get((d_id, m), 0)
            y, o, r = charged.get((d_id, m), (0, 0, 0))
            f.yellow, f.orange, f.red = f.yellow + y, f.orange + o, f.red + r
            if f.dispatched:
                f.score = score({k: f.rate(k) for k in RATE_KEYS}, weights)
        return per

    figures: list[DepartmentFigures] = []
    trends: dict[int, list[DepartmentFigures]] = {}
    for d in listed:
        f = DepartmentFigures(d.stored_id, d.short_name, d.name)
        per = monthly(d.stored_id, d.short_name, d.name)
        trends[d.stored_id] = list(per.values())
        for key in _SUMMED:
            setattr(f, key, sum(getattr(m, key) for m in per.values()))
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
    # 红黑榜: only departments with enough tickets for a rate to mean something
    eligible = [f for f in ranked if f.dispatched >= min_dispatched]
    best = eligible[:LIST_SIZE]
    worst = [f for f in reversed(eligible[-LIST_SIZE:]) if f not in best]

    label = TOTAL_LABEL if center is None else CENTER_TOTAL_LABEL
    total = DepartmentFigures(None, label, label)
    for key in _SUMMED:
        setattr(total, key, sum(getattr(f, key) for f in figures))
    total_trend = []
    for i, m in enumerate(months):
        t = DepartmentFigures(None, label, label)
        for key in _SUMMED:
            setattr(t, key, sum(getattr(trends[d.stored_id][i], key) for d in listed))
        if t.dispatched:
            t.score = score({k: t.rate(k) for k in RATE_KEYS}, weights)
        total_trend.append(t)
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
                      min_dispatched=min_dispatched, months=months, trends=trends, total_trend=total_trend,
                      grants={"total": [store.grants.total(start, end)],
                              **{by: store.grants.figures(by, start, end) for by in GRANT_GROUPS}},
                      orders=store.orders.figures(start, end))


# Drill-down names: the count figures, plus each rate's name for the tickets
# of its denominator.
_DRILL_ALIASES = {
    "response_rate": "dispatched",
    "resolution_rate": "resolution_base",
    "satisfaction_rate": "satisfaction_base",
    "on_time_rate": "on_time_base",
    "replied_on_time_rate": "replied",
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
    ids = store.reports.ticket_ids(department_id, metric, start, end, now_s, today, today_num, center)
    levels = _LEVEL_METRICS.get(metric)
    if levels:
        # warnings reached at a department that then returned the ticket are charged to it
        charged = store.reports.returned_level_ticket_ids(department_id, levels, start, end, now_s, center)
        ids = sorted(set(ids) | set(charged))
    return ids


_LEVEL_METRICS = {"yellow": (1,), "orange": (2,), "red": (3,), "warned": (1, 2, 3)}


#: how the bulletin's 政策兑现 sheet groups the period's payments
GRANT_GROUPS = {"department": "兑现部门", "district": "区域", "policy": "政策", "month": "月份"}



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


def quarter_period(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a 'YYYYQn' quarter (also 'YYYY-Qn'); ReportError otherwise."""
    m = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", str(quarter or ""))
    if not m or not 1900 <= int(m.group(1)) <= 2200:
        raise ReportError(f"季度格式应为 YYYYQn（如 2026Q4），收到：{quarter!r}")
    y, q = int(m.group(1)), int(m.group(2))
    return dt.date(y, 3 * q - 2, 1), month_period(f"{y}-{3 * q}")[1]


def year_period(year: str) -> tuple[dt.date, dt.date]:
    """1 January to 31 December of a 'YYYY' year; ReportError otherwise."""
    m = re.fullmatch(r"\s*(\d{4})\s*", str(year or ""))
    if not m or not 1900 <= int(m.group(1)) <= 2200:
        raise ReportError(f"年份格式应为 YYYY（如 2026），收到：{year!r}")
    y = int(m.group(1))
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


PeriodKind = Literal["month", "quarter", "year"]
_QUARTER_CN = "一二三四"


@dataclass(frozen=True)
class Period:
    """A bulletin's period: a month (一月一通报), a quarter or a year."""

    kind: PeriodKind
    label: str  # '2026-11', '2026Q4', '2026'
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        """The period in words: 2026年11月 / 2026年第四季度 / 2026年."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{_QUARTER_CN[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年"


def report_period(text: str | Period) -> Period:
    """A month 'YYYY-MM', a quarter 'YYYYQn' or a year 'YYYY' (what ``report``
    takes after --month / --quarter / --year); ReportError (Chinese) otherwise."""
    if isinstance(text, Period):
        return text
    t = str(text or "").strip()
    if re.fullmatch(r"\d{4}\s*-?\s*[Qq]\d", t):
        start, end = quarter_period(t)
        return Period("quarter", f"{start.year}Q{(start.month - 1) // 3 + 1}", start, end)
    if re.fullmatch(r"\d{4}", t):
        start, end = year_period(t)
        return Period("year", f"{start.year}", start, end)
    start, end = month_period(t)
    return Period("month", f"{start.year:04d}-{start.month:02d}", start, end)


def period_of(start: dt.date, end: dt.date) -> Period | None:
    """The month, quarter or year that [start, end] is exactly, if any."""
    for label in (f"{start.year}-{start.month}", f"{start.year}Q{(start.month - 1) // 3 + 1}", f"{start.year}"):
        p = report_period(label)
        if (p.start, p.end) == (start, end):
            return p
    return None


__all__ = [
    "Assessment",
    "DepartmentFigures",
    "Period",
    "ReportError",
    "assess",
    "drill",
    "drill_metrics",
    "month_period",
    "period_of",
    "quarter_period",
    "report_period",
    "score",
    "year_period",
]
