"""The policy library's domain code (SPEC §6, §7, §11): no SQL here.

* **Search terms.**  The library is searched by words; several words must all
  match (AND).  What a clerk types is data, never query syntax:
  :func:`split_terms` drops control characters and splits on white space, and
  :func:`fts_phrase` quotes a term as an FTS5 string, so ``" * ( ) AND OR NEAR
  ' ; -- %`` are searched for literally.  The store turns each term into an
  FTS5 ``trigram`` phrase (three characters or more) or, for one- and
  two-character terms, into the trigrams that start with it (see
  :mod:`xzconsole.areas.fts`).
* **Filters** (:class:`PolicyFilter`): the 9 / 56 category tree, level, issuer,
  kind, validity as of the store clock (:class:`Validity`), status.
* **Publication lag** against the "135" targets, in working days
  (:class:`PublicationTargets`, :func:`policy_lag`).
* **Validating rows** of the library's editor and imports
  (:func:`validate_policy_fields`, :func:`validate_knowledge_fields`), with
  Chinese reasons.  Reading the files is :mod:`xzconsole.services.library_files`.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .errors import RowError
from .models import PolicyKind, PolicyLevel, PolicyStatus, validate_phone
from .workdays import WorkCalendar

if TYPE_CHECKING:  # types only: the pydantic models load when first used, not with the console (issue 11)
    from .models import Policy

# ---------------------------------------------------------------- search terms

#: Terms shorter than this cannot be FTS5 trigram phrases; the store expands them.
TRIGRAM = 3
MAX_TERMS = 8
MAX_TERM_CHARS = 100
#: Appended (twice) to every indexed column, so that every 1- and 2-character
#: substring of the text starts at least one indexed trigram (see areas/fts.py).
PAD_CHAR = "\x1f"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def split_terms(words: str | None) -> list[str]:
    """The search words as literal terms: control characters removed, split on
    any white space (also the full-width space), duplicates dropped, at most
    :data:`MAX_TERMS` terms of at most :data:`MAX_TERM_CHARS` characters."""
    text = _CONTROL.sub(" ", str(words or ""))
    out: list[str] = []
    for term in text.split():
        term = term[:MAX_TERM_CHARS]
        if term and term not in out:
            out.append(term)
    return out[:MAX_TERMS]


def fts_phrase(term: str) -> str:
    """An FTS5 string literal matching ``term`` exactly: wrapped in double quotes,
    inner double quotes doubled.  Inside a string FTS5 treats every other
    character (``* ( ) : ^ AND OR NEAR -``) as text."""
    return '"' + term.replace('"', '""') + '"'


def fold(term: str) -> str:
    """Case-fold as the trigram tokenizer does (it indexes simple lower case,
    one character for one: a character whose lower case is longer stays)."""
    return "".join(low if len(low := c.lower()) == 1 else c for c in term)


# ---------------------------------------------------------------- filters


class Validity(str, enum.Enum):
    """Where a policy stands today, by its valid-from / valid-until dates."""

    IN_FORCE = "in_force"
    ENDING_SOON = "ending_soon"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {"in_force": "有效", "ending_soon": f"{ENDING_SOON_DAYS}天内截止", "ended": "已截止"}[self.value]

    @classmethod
    def parse(cls, text: Any) -> "Validity":
        if isinstance(text, cls):
            return text
        t = str(text or "").strip()
        for v in cls:
            if t in (v.value, v.label):
                return v
        aliases = {"有效期内": cls.IN_FORCE, "即将截止": cls.ENDING_SOON, "即将到期": cls.ENDING_SOON,
                   "已过期": cls.ENDED, "已失效": cls.ENDED, "过期": cls.ENDED}
        if t in aliases:
            return aliases[t]
        raise ValueError(f"无法识别的有效期筛选“{t}”（可选：有效、{ENDING_SOON_DAYS}天内截止、已截止）")


ENDING_SOON_DAYS = 30

SORTS = ("relevance", "deadline", "newest")


@dataclass
class PolicyFilter:
    """What the library list asks for besides words.

    ``sort``: ``relevance`` (best match first; the default with words),
    ``deadline`` (time left to apply, soonest first, ended ones last; the
    default when ``kind`` is declaration) or ``newest`` (publish date; the
    default otherwise).
    """

    category: str | None = None
    subcategory: str | None = None
    level: PolicyLevel | str | None = None
    issuer: str | None = None
    kind: PolicyKind | str | None = None
    validity: Validity | str | None = None
    statuses: list[str] | None = None
    sort: str | None = None
    column_id: int | None = None  # only the policies of this 专栏

    def normalised(self) -> "PolicyFilter":
        """The same filter with every coded field parsed (Chinese or code); ValueError in Chinese."""
        return PolicyFilter(
            category=(self.category or "").strip() or None,
            subcategory=(self.subcategory or "").strip() or None,
            level=PolicyLevel.parse(self.level) if self.level else None,
            issuer=(self.issuer or "").strip() or None,
            kind=PolicyKind.parse(self.kind) if self.kind else None,
            validity=Validity.parse(self.validity) if self.validity else None,
            statuses=[PolicyStatus.parse(s).value for s in self.statuses] if self.statuses else None,
            sort=self.sort if self.sort in SORTS else None,
            column_id=int(self.column_id) if self.column_id else None,
        )


def days_left(valid_until: dt.date | None, today: dt.date) -> int | None:
    """Calendar days from today to the last day to apply (0 = today is the last
    day, negative = ended), or None for a policy without an end date."""
    if valid_until is None:
        return None
    return (valid_until - today).days


def days_left_label(n: int | None) -> str:
    if n is None:
        return "长期有效"
    if n < 0:
        return "已截止"
    if n == 0:
        return "今天截止"
    return f"剩 {n} 天"


@dataclass
class PolicyHit:
    """One policy as the library list shows it: the policy, its days left and
    (with words) its search score (lower is better, as bm25)."""

    policy: Policy
    days_left: int | None
    score: float | None = None
    updated_at: str | None = None
    updated_by: str = ""

    def as_json(self) -> dict[str, Any]:
        """The ``search policies --json`` line (SPEC §11)."""
        p = self.policy
        return {
            "id": p.id,
            "title": p.title,
            "doc_number": p.doc_number,
            "issuer": p.issuer,
            "kind": p.kind.value,
            "status": p.status.value,
            "category": p.category,
            "subcategory": p.subcategory,
            "valid_until": p.valid_until.isoformat() if p.valid_until else None,
            "days_left": self.days_left,
        }


# ---------------------------------------------------------------- feedback

FEEDBACK_TOPICS = ("贷款融资", "复工用工", "减免房租", "其他")
#: The survey's satisfaction scale (code → label); 未联系上 has no place in a survey.
FEEDBACK_SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def parse_topic(text: Any) -> str:
    t = str(text or "").strip()
    if t in FEEDBACK_TOPICS:
        return t
    aliases = {"贷款": "贷款融资", "融资": "贷款融资", "复工": "复工用工", "用工": "复工用工", "房租": "减免房租", "租金": "减免房租"}
    if t in aliases:
        return aliases[t]
    raise ValueError(f"无法识别的反馈主题“{t}”（可选：{'、'.join(FEEDBACK_TOPICS)}）")


def parse_feedback_satisfaction(text: Any) -> str:
    t = str(text or "").strip()
    for code, label in FEEDBACK_SATISFACTION.items():
        if t in (code, label):
            return code
    raise ValueError(f"无法识别的满意度“{t}”（可选：满意、基本满意、不满意）")


# ---------------------------------------------------------------- publication targets and lag


@dataclass(frozen=True)
class PublicationTargets:
    """Working days from a policy's issue date by which it must be collected,
    published and interpreted (the center's "135")."""

    collect: int = 1
    publish: int = 3
    interpret: int = 5
    name: str = "135"

    @classmethod
    def from_mapping(cls, d: dict[str, Any]) -> "PublicationTargets":
        """From the TOML / settings form; Chinese ValueError on bad numbers."""
        out: dict[str, Any] = {"name": str(d.get("name") or "135")}
        for key, label in (("collect", "收集"), ("publish", "发布"), ("interpret", "解读")):
            v = d.get(f"{key}_within", d.get(key))
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 60:
                raise ValueError(f"{label}时限应为 0–60 之间的整数个工作日，而不是“{v}”")
            out[key] = v
        t = cls(**out)
        if not t.collect <= t.publish <= t.interpret:
            raise ValueError("时限应满足 收集 ≤ 发布 ≤ 解读")
        return t

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> "PublicationTargets":
        import tomllib  # with the first file read, not with the policy library (F4)

        with open(path, "rb") as fh:
            return cls.from_mapping(tomllib.load(fh))

    def as_mapping(self) -> dict[str, Any]:
        return {"name": self.name, "collect_within": self.collect, "publish_within": self.publish,
                "interpret_within": self.interpret}


@dataclass(frozen=True)
class PolicyLag:
    """Working days from issue date to collection, publication and interpretation
    (None where a date is missing), and whether each meets its target."""

    collect: int | None
    publish: int | None
    interpret: int | None
    targets: PublicationTargets

    def late(self) -> list[str]:
        """The stages that missed their target, in Chinese (empty when all met or unknown)."""
        out = []
        for value, target, label in ((self.collect, self.targets.collect, "收集"),
                                     (self.publish, self.targets.publish, "发布"),
                                     (self.interpret, self.targets.interpret, "解读")):
            if value is not None and value > target:
                out.append(f"{label}滞后 {value - target} 个工作日")
        return out

    def on_target(self, stage: str) -> bool | None:
        value = getattr(self, stage)
        return None if value is None else value <= getattr(self.targets, stage)


def lag_days(issued: dt.date | None, done: dt.date | None, calendar: WorkCalendar) -> int | None:
    """Working days from the issue date to ``done`` (0 when on the same day or
    before it), None when either date is unknown."""
    if issued is None or done is None:
        return None
    if done <= issued:
        return 0
    return calendar.workdays_between(issued, done)


def policy_lag(issued: dt.date | None, collected: dt.date | None, published: dt.date | None,
               interpreted: dt.date | None, calendar: WorkCalendar, targets: PublicationTargets) -> PolicyLag:
    return PolicyLag(lag_days(issued, collected, calendar), lag_days(issued, published, calendar),
                     lag_days(issued, interpreted, calendar), targets)


# ---------------------------------------------------------------- fields and their Chinese names

POLICY_FIELDS: dict[str, str] = {
    "title": "标题",
    "doc_number": "文号",
    "issuer": "发文单位",
    "level": "层级",
    "category": "类别",
    "subcategory": "子类",
    "kind": "类型",
    "summary": "摘要",
    "interpreter_name": "解读人",
    "interpreter_phone": "解读人电话",
    "valid_from": "生效日期",
    "valid_until": "截止日期",
    "apply_url": "申报链接",
    "source_url": "来源链接",
    "issued_at": "发文日期",
    "published_at": "发布日期",
}
KNOWLEDGE_FIELDS: dict[str, str] = {"question": "问题", "answer": "答案", "category": "类别", "department": "责任单位"}


# ---------------------------------------------------------------- validating rows

_CN_DATE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


def parse_date(value: Any, label: str) -> dt.date | None:
    """A date from a cell: a date/datetime, ``YYYY-MM-DD`` (also ``/``, ``.``,
    ``年月日``) or an ISO date-time; None when empty; RowError in Chinese."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    m = _CN_DATE.match(text)
    try:
        if m:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:
            from .clock import parse_datetime

            d = parse_datetime(text).date()
    except ValueError:
        raise RowError(f"{label}“{text}”不是有效日期（应为 YYYY-MM-DD）") from None
    if not 1949 <= d.year <= 2200:
        raise RowError(f"{label}“{text}”超出合理范围")
    return d


def _text(data: dict[str, Any], key: str, label: str, max_len: int, required: bool = False) -> str:
    v = data.get(key, "")
    v = "" if v is None else str(v).strip()
    if required and not v:
        raise RowError(f"缺少{label}")
    if len(v) > max_len:
        raise RowError(f"{label}过长（{len(v)} 字，最多 {max_len} 字）")
    return v


def _url(data: dict[str, Any], key: str, label: str) -> str:
    v = _text(data, key, label, 2000)
    if v and not re.match(r"^https?://\S+$", v):
        raise RowError(f"{label}“{v[:80]}”不是以 http:// 或 https:// 开头的网址")
    return v


def check_category(category: str, subcategory: str, tree: dict[str, list[str]]) -> tuple[str, str]:
    """(category, subcategory) checked against the 9 / 56 tree; a subcategory
    alone names its category.  ValueError in Chinese."""
    if subcategory and not category:
        for top, subs in tree.items():
            if subcategory in subs:
                category = top
                break
    if category and category not in tree:
        raise ValueError(f"类别“{category}”不在政策分类中（可选：{'、'.join(tree)}）")
    if subcategory:
        if subcategory not in tree.get(category, []):
            raise ValueError(f"子类“{subcategory}”不属于类别“{category}”")
    return category, subcategory


def validate_policy_fields(data: dict[str, Any], tree: dict[str, list[str]]) -> dict[str, Any]:
    """A policy row (import) or an editor form as clean column values.

    Raises :class:`RowError` (a ValueError) with the reason in Chinese."""
    out: dict[str, Any] = {
        "title": _text(data, "title", "标题", 500, required=True),
        "doc_number": _text(data, "doc_number", "文号", 200),
        "issuer": _text(data, "issuer", "发文单位", 200),
        "summary": _text(data, "summary", "摘要", 10_000),
        "interpreter_name": _text(data, "interpreter_name", "解读人", 50),
        "apply_url": _url(data, "apply_url", "申报链接"),
        "source_url": _url(data, "source_url", "来源链接"),
    }
    try:
        out["level"] = PolicyLevel.parse(data.get("level") or "市").value
        out["kind"] = PolicyKind.parse(data.get("kind") or "其他").value
        out["category"], out["subcategory"] = check_category(
            _text(data, "category", "类别", 50), _text(data, "subcategory", "子类", 50), tree)
        phone = _text(data, "interpreter_phone", "解读人电话", 50)
        out["interpreter_phone"] = validate_phone(phone) if phone else ""
    except RowError:
        raise
    except ValueError as exc:
        raise RowError(str(exc).replace("联系电话", "解读人电话")) from None
    for key in ("valid_from", "valid_until", "issued_at", "published_at"):
        d = parse_date(data.get(key), POLICY_FIELDS[key])
        out[key] = d.isoformat() if d else None
    if out["valid_from"] and out["valid_until"] and out["valid_until"] < out["valid_from"]:
        raise RowError(f"截止日期 {out['valid_until']} 早于生效日期 {out['valid_from']}")
    if out["issued_at"] and out["published_at"] and out["published_at"] < out["issued_at"]:
        raise RowError(f"发布日期 {out['published_at']} 早于发文日期 {out['issued_at']}")
    return out


def validate_knowledge_fields(data: dict[str, Any], tree: dict[str, list[str]],
                              department: Callable[[str], str]) -> dict[str, Any]:
    """A knowledge row or form as clean values; ``department`` resolves a
    department reference to its short name (raising on an unknown one)."""
    out = {
        "question": _text(data, "question", "问题", 1000, required=True),
        "answer": _text(data, "answer", "答案", 20_000, required=True),
        "category": _text(data, "category", "类别", 50),
        "department": _text(data, "department", "责任单位", 100),
    }
    if out["category"]:
        subs = {s: top for top, ss in tree.items() for s in ss}
        if out["category"] not in tree and out["category"] not in subs:
            raise RowError(f"类别“{out['category']}”不在分类中（可选：{'、'.join(tree)}）")
    if out["department"]:
        try:
            out["department"] = department(out["department"])
        except Exception as exc:  # the store's NotFound, in Chinese
            raise RowError(str(exc)) from None
    return out


__all__ = [
    "ENDING_SOON_DAYS",
    "FEEDBACK_SATISFACTION",
    "FEEDBACK_TOPICS",
    "PolicyFilter",
    "PolicyHit",
    "PolicyLag",
    "PublicationTargets",
    "Validity",
    "days_left",
    "fts_phrase",
    "policy_lag",
    "split_terms",
]
