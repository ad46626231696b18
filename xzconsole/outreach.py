"""Outreach (宣传推广, “十百千万”): the kinds of activity, their yearly targets and how progress is counted.

No SQL and no Textual here: the kinds come from ``data/outreach.toml``
(validated, every refusal in Chinese with its line and field), the store
(:mod:`xzconsole.store_outreach`) keeps the plan and the activity log, and
:func:`build_progress` turns the store's one grouped query into the figures
the screen and ``xzconsole outreach progress`` show.

How progress is counted is data (``measure``), not code per kind:

* ``activities`` — how many activities of the kind were held;
* ``places`` — how many different places the kind reached in the year, each
  counted once, in the month it was first reached (“百个镇街园区”: going back
  to one park five times is one park, not five);
* ``enterprises`` — the enterprises reached by the kind's activities;
* ``cards`` — contact cards sent or handed out at *any* activity (a mailing
  is itself an activity of its kind, a station day may hand cards out too).

Voided activities never count.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .models import Enterprise, Ticket, validate_uscc

MEASURES: dict[str, str] = {
    "activities": "按活动次数计",
    "places": "按到达的不同地点数计（同一地点全年计一次）",
    "enterprises": "按走访到的企业数计",
    "cards": "按所有活动寄出或发放的联系卡张数合计",
}
MAX_TARGET = 10_000_000
FIRST_YEAR, LAST_YEAR = 2000, 2100
MONTHS = tuple(range(1, 13))
# separators between names typed on one line (departments, enterprises)
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")


class OutreachDataError(ValueError):
    """``data/outreach.toml`` cannot be used; the message names the line and field."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"outreach.toml 第 {line} 行：{message}" if line else f"outreach.toml：{message}")


@dataclass(frozen=True)
class OutreachKind:
    """One kind of outreach activity and its default yearly target."""

    code: str
    label: str
    target: int
    unit: str
    measure: str
    monthly: int | None = None  # set when the file gives the target per month (``per = "month"``): target = 12 × monthly

    @property
    def measure_label(self) -> str:
        return MEASURES[self.measure]


def parse_kinds(text: str) -> list[OutreachKind]:
    """Read and check the kinds file (TOML text).

    Refused with the line and field: TOML that does not parse, no kinds, a
    missing or duplicate code, an empty label, a target that is not a
    non-negative whole number, an unknown measure, more than one kind counting
    cards (they would count the same cards twice).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise OutreachDataError(f"TOML 格式错误（{exc}）", int(m.group(1)) if m else None) from None
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines, 1) if ln.strip().replace(" ", "") == "[[kind]]"]

    def line_of(index: int, key: str | None) -> int | None:
        if index >= len(starts):
            return None
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(lines) + 1
        if key is not None:
            for n in range(start + 1, end):
                if re.match(rf"\s*{key}\s*=", lines[n - 1]):
                    return n
        return start

    raw = data.get("kind")
    if not isinstance(raw, list) or not raw:
        raise OutreachDataError("没有任何活动类别：每类写一个 [[kind]]，含 code、label、target、unit、measure")
    kinds: list[OutreachKind] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        code, label, target = item.get("code"), item.get("label"), item.get("target")
        unit, measure = item.get("unit", ""), item.get("measure")
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
            raise OutreachDataError(f"第 {i + 1} 个类别的 code 应为小写英文代码（如 visit），而不是 {code!r}", line_of(i, "code"))
        if code in seen:
            raise OutreachDataError(f"code “{code}” 重复（第 {seen[code]} 个类别已用过）", line_of(i, "code"))
        seen[code] = i + 1
        if not isinstance(label, str) or not label.strip():
            raise OutreachDataError(f"类别 {code} 缺少中文名称 label", line_of(i, "label"))
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target <= MAX_TARGET:
            raise OutreachDataError(f"类别 {code} 的年度目标 target 应为 0–{MAX_TARGET} 的整数，而不是 {target!r}",
                                    line_of(i, "target"))
        if not isinstance(unit, str):
            raise OutreachDataError(f"类别 {code} 的计量单位 unit 应为文字", line_of(i, "unit"))
        if measure not in MEASURES:
            choices = "、".join(f"{k}（{v}）" for k, v in MEASURES.items())
            raise OutreachDataError(f"类别 {code} 的计算方法 measure {measure!r} 无效，可选：{choices}", line_of(i, "measure"))
        if measure == "cards" and any(k.measure == "cards" for k in kinds):
            raise OutreachDataError(f"类别 {code}：只能有一个类别按联系卡张数计（cards 已统计所有活动的联系卡）",
                                    line_of(i, "measure"))
        per = item.get("per", "year")
        if per not in ("year", "month"):
            raise OutreachDataError(f"类别 {code} 的目标周期 per 应为 \"year\"（每年）或 \"month\"（每月），而不是 {per!r}",
                                    line_of(i, "per"))
        if per == "month":
            # “月邮寄派发万张”: the file says the month's target, progress counts against the year's
            kinds.append(OutreachKind(code, label.strip(), target * 12, unit.strip(), measure, monthly=target))
        else:
            kinds.append(OutreachKind(code, label.strip(), target, unit.strip(), measure))
    return kinds


def load_kinds(path: str | Path) -> list[OutreachKind]:
    """The kinds from a file; a missing or unreadable file is an :class:`OutreachDataError`."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OutreachDataError(f"找不到活动类别文件 {path}") from None
    except UnicodeDecodeError:
        raise OutreachDataError(f"{path} 不是 UTF-8 编码的文本文件") from None
    return parse_kinds(text)


# ---------------------------------------------------------------- the log


@dataclass
class Activity:
    """One logged outreach activity; ``enterprises`` and ``tickets`` are filled
    only by ``Store.activity`` (the detail)."""

    id: int
    held_on: dt.date
    kind: str
    kind_label: str
    place: str
    center: str
    departments: list[str]
    staff: str
    enterprises_reached: int
    cards_sent: int
    note: str
    recorded_at: str
    recorded_by: str
    voided_at: str | None = None
    voided_by: str | None = None
    void_reason: str = ""
    enterprises: list[Enterprise] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


@dataclass(frozen=True)
class KindProgress:
    """One kind's progress in a year.

    ``expected`` is the pace: the target times the elapsed fraction of the
    year (:func:`year_elapsed`); ``behind`` when fewer than its whole part
    are done, so a kind is not “behind” for lacking 0.3 of an event.
    """

    kind: OutreachKind
    target: int
    months: tuple[int, ...]
    total: int
    expected: float
    elapsed: float

    @property
    def percent(self) -> float | None:
        """Done / target × 100 (None for a target of 0)."""
        return None if self.target == 0 else 100.0 * self.total / self.target

    @property
    def done(self) -> bool:
        return self.total >= self.target

    @property
    def behind(self) -> bool:
        return not self.done and self.total < math.floor(self.expected)

    @property
    def pace_word(self) -> str:
        """The pace as a symbol and a word (never colour alone)."""
        if self.done:
            return "★ 已完成"
        if self.behind:
            return "▼ 落后"
        return "✓ 正常"

    def as_json(self) -> dict[str, Any]:
        pct = self.percent
        return {"kind": self.kind.code, "label": self.kind.label, "measure": self.kind.measure, "unit": self.kind.unit,
                "target": self.target, "months": list(self.months), "total": self.total,
                "percent": None if pct is None else round(pct, 1), "expected": round(self.expected, 1),
                "behind": self.behind}


def year_elapsed(year: int, today: dt.date) -> float:
    """The fraction of ``year`` gone by the end of ``today``, in calendar days:
    1 for a past year, 0 for a future one, else day-of-year / days-in-year."""
    if year < today.year:
        return 1.0
    if year > today.year:
        return 0.0
    return today.timetuple().tm_yday / (366 if _calendar.isleap(year) else 365)


def build_progress(plan: Iterable[OutreachKind], rows: Iterable[dict[str, Any]], year: int,
                   today: dt.date) -> list[KindProgress]:
    """Progress per kind (``plan``: the kinds with the year's targets) from the
    grouped rows (kind, month, activities, places, enterprises, cards) of one
    year; cards are summed over every kind."""
    by_kind: dict[str, dict[str, list[int]]] = {}
    cards = [0] * 12
    for r in rows:
        m = int(r["month"]) - 1
        figures = by_kind.setdefault(r["kind"], {k: [0] * 12 for k in ("activities", "places", "enterprises")})
        for k in figures:
            figures[k][m] += int(r[k] or 0)
        cards[m] += int(r["cards"] or 0)
    elapsed = year_elapsed(year, today)
    out = []
    for kind in plan:
        months = cards if kind.measure == "cards" else by_kind.get(kind.code, {}).get(kind.measure, [0] * 12)
        out.append(KindProgress(kind, kind.target, tuple(months), sum(months), kind.target * elapsed, elapsed))
    return out


def progress_bar(percent: float | None, width: int = 10) -> str:
    """A text bar: ``██████░░░░`` (full at 100 % and beyond)."""
    filled = 0 if percent is None else min(width, int(percent * width / 100))
    return "█" * filled + "░" * (width - filled)


# ---------------------------------------------------------------- checks of what staff type


def check_held_on(value: Any, today: dt.date) -> dt.date:
    """An activity's date (date or YYYY-MM-DD text), not after today."""
    day: dt.date
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if not text:
            raise ValueError("请填写活动日期（如 2026-11-20）")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"活动日期“{text}”无法识别，应为 YYYY-MM-DD（如 2026-11-20）") from None
    if day > today:
        raise ValueError(f"活动日期 {day} 晚于今天（{today}），只能登记已经开展的活动")
    if day.year < FIRST_YEAR:
        raise ValueError(f"活动日期 {day} 过早（应在 {FIRST_YEAR} 年以后）")
    return day


def check_count(value: Any, label: str) -> int:
    """A non-negative whole number typed or passed (blank counts as 0)."""
    if isinstance(value, bool):
        raise ValueError(f"{label}应为 0 或正整数")
    if isinstance(value, int):
        number = value
    else:
        text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
        if not text:
            return 0
        if not re.fullmatch(r"[0-9]+", text):
            raise ValueError(f"{label}应为 0 或正整数，而不是“{text}”")
        number = int(text)
    if not 0 <= number <= MAX_TARGET:
        raise ValueError(f"{label}应为 0–{MAX_TARGET} 的整数，而不是 {number}")
    return number


def clean_place(value: Any) -> str:
    """The place as typed, with runs of spaces (also full-width ones) made one
    and the ends trimmed, so “张集镇　工业园 ” and “张集镇 工业园” count as one place."""
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if not text:
        raise ValueError("请填写活动地点")
    if len(text) > 200:
        raise ValueError(f"活动地点过长（{len(text)} 字，最多 200 字）")
    return text


def split_names(text: str) -> list[str]:
    """Names typed on one line, separated by commas, 、 or semicolons (or one per line)."""
    return [part.strip() for part in _LIST_SPLIT.split(text or "") if part.strip()]


def parse_enterprise_ref(text: str) -> tuple[str | None, str | None]:
    """(name, USCC) of an enterprise written as a name, a USCC, or “名称 信用代码”.

    A last word that looks like a USCC (18 characters) must pass its check
    character; anything else is the name as written.
    """
    t = re.sub(r"\s+", " ", text or "").strip()
    if not t:
        raise ValueError("企业名称不能为空")
    head, _, last = t.rpartition(" ")
    candidate = unicodedata.normalize("NFKC", last if head else t)
    if len(candidate) == 18 and re.fullmatch(r"[0-9A-Za-z]{18}", candidate):
        return (head.strip() or None), validate_uscc(candidate)
    if len(t) > 200:
        raise ValueError(f"企业名称过长（{len(t)} 字，最多 200 字）")
    return t, None
