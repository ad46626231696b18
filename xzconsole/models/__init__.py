"""Enums and models of the center's vocabulary (SPEC §2), with validation.

Codes are English (stored in the database, used in files), labels Simplified
Chinese (shown to staff).  Every validation message is Chinese, because it is
shown to a clerk.

Two kinds of model live here, one typed API:

* :class:`Staff` and :class:`Ticket` — what the console needs to show its
  first page — are plain dataclasses read from database rows by
  :meth:`Row.model_validate` (codes to enums, ISO text to dates, 0/1 to
  bools, text stripped: what pydantic did for them).  Importing this module
  does not import pydantic: pydantic, its validators and the models built on
  it cost the console's launch about 50 ms and 8 MB (issue 11).
* Everything validated from what people type or files carry (the intake,
  policies, enterprises, events …) is a pydantic model in
  :mod:`xzconsole.models.validated`, imported the first time one of those
  names is looked up here (``from xzconsole.models import Policy`` works as
  before).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
import dataclasses
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Self, TypedDict, cast


class _Coded(str, enum.Enum):
    """An enum stored by English code, shown by Chinese label, parsed from either."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)][self.value]

    @classmethod
    def parse(cls, text: Any) -> Self:
        """Accept the code, the Chinese label or a known alias; else a Chinese error."""
        if isinstance(text, cls):
            return text
        t = str(text or "").strip()
        labels = _LABELS[cls]
        for code, label in labels.items():
            if t.lower() == code or t == label:
                return cls(code)
        for alias, code in _ALIASES.get(cls, {}).items():
            if t == alias:
                return cls(code)
        choices = "、".join(labels.values())
        raise ValueError(f"无法识别的{_KIND_NAMES[cls]}“{t}”（可选：{choices}）")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(label, code) pairs, for select widgets."""
        return [(m.label, m.value) for m in cls]


class AppealType(_Coded):
    POLICY_CONSULTATION = "policy_consultation"
    CONSULTATION = "consultation"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    REPORT = "report"
    OTHER = "other"


class Source(_Coded):
    HOTLINE = "hotline"
    PLATFORM = "platform"
    COUNTER = "counter"
    VISIT = "visit"
    OTHER = "other"


class Status(_Coded):
    NEW = "new"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    RETURNED = "returned"
    REPLIED = "replied"
    REOPENED = "reopened"
    CLOSED = "closed"


class Role(_Coded):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    DEPARTMENT = "department"
    ADMIN = "admin"
    # oversight bodies (SPEC §1, §5): they see the tickets at their warning
    # level and above, record 二次督办, and (纪委监委) open and close 问责
    BUSINESS_OFFICE = "business_office"
    DISCIPLINE = "discipline"


class Satisfaction(_Coded):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"


class CloseReason(_Coded):
    RESOLVED = "resolved"
    UNREACHABLE = "unreachable"
    DUPLICATE = "duplicate"
    UNSATISFIED = "unsatisfied_closed"
    OTHER = "other"


class DepartmentKind(_Coded):
    MUNICIPAL = "municipal"
    COUNTY = "county"


class PolicyStatus(_Coded):
    DRAFT = "draft"
    PUBLISHED = "published"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class PolicyKind(_Coded):
    DECLARATION = "declaration"
    OTHER = "other"


class PolicyLevel(_Coded):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"


_LABELS: dict[type, dict[str, str]] = {
    AppealType: {
        "policy_consultation": "政策咨询",
        "consultation": "咨询求助",
        "suggestion": "建议",
        "complaint": "投诉",
        "report": "举报",
        "other": "其他",
    },
    Source: {"hotline": "12345热线", "platform": "企服平台", "counter": "窗口", "visit": "走访", "other": "其他"},
    Status: {
        "new": "待受理",
        "dispatched": "已派发",
        "signed": "办理中",
        "returned": "已退回",
        "replied": "待回访",
        "reopened": "重办",
        "closed": "已办结",
    },
    Role: {"clerk": "受理员", "supervisor": "值班长", "department": "承办单位联络员", "admin": "管理员",
           "business_office": "市营商办", "discipline": "市纪委监委"},
    Satisfaction: {
        "satisfied": "满意",
        "basically_satisfied": "基本满意",
        "unsatisfied": "不满意",
        "unreachable": "未联系上",
    },
    CloseReason: {
        "resolved": "已解决",
        "unreachable": "多次未联系上",
        "duplicate": "重复诉求",
        "unsatisfied_closed": "不满意办结",
        "other": "其他",
    },
    DepartmentKind: {"municipal": "市级部门", "county": "县区/开发区"},
    PolicyStatus: {"draft": "草稿", "published": "已发布", "expired": "已失效", "withdrawn": "已撤回"},
    PolicyKind: {"declaration": "申报类", "other": "其他"},
    PolicyLevel: {"national": "国家", "provincial": "省", "municipal": "市", "county": "县区"},
}
_ALIASES: dict[type, dict[str, str]] = {
    # a bare 咨询 is a policy question with its 1-day limit (SPEC §3); 求助 is 咨询求助
    AppealType: {"咨询": "policy_consultation", "求助": "consultation", "政策": "policy_consultation"},
    Source: {"12345": "hotline", "热线": "hotline", "平台": "platform", "网上": "platform", "线上": "platform"},
    Status: {"已答复": "replied", "办理中": "signed", "已签收": "signed", "办结": "closed", "新建": "new"},
    Role: {"值班长/督办": "supervisor", "督办": "supervisor", "联络员": "department", "承办单位": "department",
           "营商办": "business_office", "纪委监委": "discipline", "市纪委": "discipline", "纪委": "discipline"},
    Satisfaction: {"联系不上": "unreachable", "无法联系": "unreachable"},
    PolicyLevel: {"国家级": "national", "省级": "provincial", "市级": "municipal", "县": "county", "区": "county"},
    PolicyKind: {"申报": "declaration"},
}
_KIND_NAMES: dict[type, str] = {
    AppealType: "诉求类型",
    Source: "来源",
    Status: "状态",
    Role: "角色",
    Satisfaction: "回访结果",
    CloseReason: "办结原因",
    DepartmentKind: "单位类型",
    PolicyStatus: "政策状态",
    PolicyKind: "政策类型",
    PolicyLevel: "政策层级",
}

# ---------------------------------------------------------------- validators

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# patterns, not compiled ones: re compiles (and caches) each on first use, not at import (issue 11)
_USCC_SHAPE = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Normalise (upper-case, strip) and check an 统一社会信用代码; Chinese error."""
    v = unicodedata.normalize("NFKC", str(value)).strip().upper().replace(" ", "")
    if len(v) != 18:
        raise ValueError(f"统一社会信用代码应为 18 位，“{value}”为 {len(v)} 位")
    if not re.match(_USCC_SHAPE, v):
        raise ValueError(f"统一社会信用代码“{value}”含有不允许的字符（不使用 I、O、Z、S、V）或第 3–8 位不是行政区划代码")
    expect = uscc_check_char(v[:17])
    if v[17] != expect:
        raise ValueError(f"统一社会信用代码“{value}”校验位错误（应为 {expect}），请核对是否抄错")
    return v


_MOBILE = r"^1[3-9]\d{9}$"
_LANDLINE = r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$"


def validate_phone(value: str) -> str:
    """A mainland mobile (11 digits, 13–19) or landline with area code; Chinese error."""
    v = unicodedata.normalize("NFKC", str(value)).strip()
    v = re.sub(r"[\s()（）]", "", v)
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("86") and len(v) == 13:
        v = v[2:]
    if re.match(_MOBILE, v):
        return v
    if re.match(_LANDLINE, v):
        if "-" not in v:  # 051683801234 → 0516-83801234 (area codes are 3 or 4 digits)
            area = 3 if v[:3] in {"010", "020", "021", "022", "023", "024", "025", "027", "028", "029"} else 4
            v = v[:area] + "-" + v[area:]
        return v
    raise ValueError(f"联系电话“{value}”不是有效的手机号（1 开头 11 位）或带区号的固定电话（如 0516-83801234）")


def clean_text(value: Any, field: str, *, required: bool = False, max_len: int = 10_000) -> str:
    """Strip a text field; refuse an empty required one or an absurdly long one."""
    v = "" if value is None else str(value).strip()
    if "\x00" in v:  # a raw NUL cuts the text short in C tools and some terminals (issue 12)
        raise ValueError(f"{field}含有空字符（NUL），请删除后重试")
    if required and not v:
        raise ValueError(f"{field}不能为空")
    if len(v) > max_len:
        raise ValueError(f"{field}过长（{len(v)} 字，最多 {max_len} 字）")
    return v




# ---------------------------------------------------------------- rows without pydantic

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _to_str(v: Any) -> str:
    if isinstance(v, str):
        return v.strip()  # as the pydantic models do (str_strip_whitespace)
    raise ValueError(f"应为文本，得到 {type(v).__name__}")


def _to_int(v: Any) -> int:
    if isinstance(v, int):
        return int(v)
    if isinstance(v, str) and v.strip().lstrip("+-").isdigit():
        return int(v.strip())
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise ValueError(f"应为整数，得到 {v!r}")


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
        return v.strip().lower() in _TRUE
    raise ValueError(f"应为是/否，得到 {v!r}")


def _to_datetime(v: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, str):
        return dt.datetime.fromisoformat(v.strip())
    raise ValueError(f"应为时间，得到 {v!r}")


def _to_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        if v.time() != dt.time(0):
            raise ValueError(f"应为日期，得到带时刻的 {v!r}")
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        return dt.date.fromisoformat(v.strip())
    raise ValueError(f"应为日期，得到 {v!r}")


def _to_enum(kind: type[enum.Enum]) -> Callable[[Any], Any]:
    def convert(v: Any) -> Any:
        return v if isinstance(v, kind) else kind(v)

    return convert


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def maybe(v: Any) -> Any:
        return None if v is None else convert(v)

    return maybe


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": _to_str, "int": _to_int, "bool": _to_bool, "dt.datetime": _to_datetime, "dt.date": _to_date,
}
_MISSING = object()


class Row:
    """A record read from a database row: a dataclass with pydantic's
    ``model_validate`` (unknown keys ignored, missing ones defaulted, each
    value converted to its field's type; a wrong value is a ``ValueError``)."""

    #: field → (converter, default or _MISSING, default factory or None); built on first use
    _fields_plan: ClassVar[tuple[tuple[str, Callable[[Any], Any], Any, Callable[[], Any] | None], ...]]

    @classmethod
    def _plan(cls) -> tuple[tuple[str, Callable[[Any], Any], Any, Callable[[], Any] | None], ...]:
        plan = cls.__dict__.get("_fields_plan")
        if plan is None:
            entries = []
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]  # every Row subclass is a dataclass
                annotation = str(f.type)
                optional = annotation.endswith(" | None")
                base = annotation.removesuffix(" | None")
                convert = _CONVERTERS.get(base)
                if convert is None:
                    kind = globals().get(base)
                    if not (isinstance(kind, type) and issubclass(kind, enum.Enum)):
                        raise TypeError(f"{cls.__name__}.{f.name}: no converter for {annotation}")
                    convert = _to_enum(kind)
                factory = None if f.default_factory is dataclasses.MISSING else f.default_factory
                default = _MISSING if f.default is dataclasses.MISSING else f.default
                entries.append((f.name, _optional(convert) if optional else convert, default, factory))
            plan = tuple(entries)
            cls._fields_plan = plan
        return plan

    @classmethod
    def model_validate(cls, data: Mapping[str, Any] | Self) -> Self:
        """The record from a mapping (a ``sqlite3.Row`` made a dict, or keywords)."""
        if isinstance(data, cls):
            return data
        mapping = cast("Mapping[str, Any]", data)
        values: dict[str, Any] = {}
        for name, convert, default, factory in cls._plan():
            v = mapping.get(name, _MISSING)
            if v is _MISSING:
                if factory is not None:
                    values[name] = factory()
                elif default is _MISSING:
                    raise ValueError(f"{cls.__name__}：缺少字段 {name}")
                else:
                    values[name] = default
                continue
            try:
                values[name] = convert(v)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{cls.__name__}.{name}：{exc}") from None
        row = cls.__new__(cls)
        row.__dict__.update(values)
        return row


# ---------------------------------------------------------------- the rows the console starts with

class Center(TypedDict):
    """A service center (data/centers.toml): the city's, or a county's / district's."""

    code: str
    name: str
    level: str  # city, county
    district: str



@dataclasses.dataclass(kw_only=True)
class Department(Row):
    """A municipal department or a county / district (a row of ``departments``)."""

    id: int | None = None
    code: str
    name: str
    short_name: str
    kind: DepartmentKind = DepartmentKind.MUNICIPAL
    active: bool = True

    @property
    def stored_id(self) -> int:
        """The row's id, for one read from the database (where it always has one)."""
        if self.id is None:
            raise ValueError(f"Department “{self.name}” has not been stored yet")
        return self.id


@dataclasses.dataclass(kw_only=True)
class Staff(Row):
    """A staff member (a row of ``staff``, with the department's short name)."""

    login: str
    name: str = ""
    role: Role
    department_id: int | None = None
    department_name: str | None = None
    center: str = "市企业服务中心"
    disabled: bool = False

    @property
    def display(self) -> str:
        return self.name or self.login



@dataclasses.dataclass(kw_only=True)
class Ticket(Row):
    """One appeal of one enterprise, as the store holds it."""

    id: int
    number: str
    external_id: str | None = None
    received_at: dt.datetime
    source: Source
    appeal_type: AppealType
    enterprise_id: int | None = None
    enterprise_name: str
    uscc: str | None = None
    contact_name: str = ""
    contact_phone: str = ""
    district: str = ""
    title: str = ""
    content: str = ""
    status: Status
    department_id: int | None = None
    department_name: str | None = None
    dispatched_at: dt.datetime | None = None
    clock_start: dt.date | None = None
    time_limit: int | None = None
    extension_days: int = 0
    due_date: dt.date | None = None
    due_provisional: bool = False
    signed_at: dt.datetime | None = None
    replied_at: dt.datetime | None = None
    reply_text: str = ""
    direct_answer: bool = False
    closed_at: dt.datetime | None = None
    close_reason: CloseReason | None = None
    satisfaction: Satisfaction | None = None
    resolved: bool | None = None  # 是否解决, as the enterprise said at the call-back
    followup_count: int = 0
    unreachable_count: int = 0
    reopen_count: int = 0
    return_count: int = 0
    pending_extension_days: int | None = None
    pending_extension_reason: str | None = None
    pending_return_reason: str | None = None
    confidential: bool = False
    max_level: int = 0
    merged_into: int | None = None
    knowledge_id: int | None = None
    created_by: str = ""
    center: str = "市企业服务中心"  # the center that took it in
    visit_id: int | None = None  # the outreach visit it was taken at
    updated_at: dt.datetime | None = None
    updated_by: str = ""
    version: int = 1
    # set by the store for a reader who may not see the enterprise (保密)
    redacted: bool = False

    @property
    def is_open(self) -> bool:
        return self.status is not Status.CLOSED

    @property
    def awaiting_reply(self) -> bool:
        """Whether the warning ladder applies: at a department, clock running."""
        return self.status in (Status.DISPATCHED, Status.SIGNED, Status.REOPENED) and self.due_date is not None


# ---------------------------------------------------------------- ticket actions (the state machine is in rules.py)


class Action(str, enum.Enum):
    """Everything that can happen to a ticket; each is one store method."""

    ACCEPT = "accept"
    DIRECT_ANSWER = "direct_answer"
    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    REPLY = "reply"
    FOLLOW_UP = "follow_up"
    REOPEN = "reopen"
    CLOSE = "close"
    MERGE = "merge"
    MARK_CONFIDENTIAL = "mark_confidential"
    SUPERVISE = "supervise"
    EDIT = "edit"
    # 会商会办 (issue 7): supporting departments' parts and consultation meetings
    ASSIGN_PARTS = "assign_parts"
    SUBMIT_PART = "submit_part"
    WITHDRAW_PART = "withdraw_part"
    RECORD_CONSULTATION = "record_consultation"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: "受理",
    Action.DIRECT_ANSWER: "直接答复",
    Action.DISPATCH: "派发",
    Action.SIGN: "签收",
    Action.RETURN: "退回",
    Action.APPROVE_RETURN: "同意退回",
    Action.REJECT_RETURN: "驳回退回",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.REJECT_EXTENSION: "驳回延期",
    Action.REPLY: "答复",
    Action.FOLLOW_UP: "回访",
    Action.REOPEN: "重办",
    Action.CLOSE: "办结",
    Action.MERGE: "合并重复诉求",
    Action.MARK_CONFIDENTIAL: "标记保密",
    Action.SUPERVISE: "督办",
    Action.EDIT: "修改",
    Action.ASSIGN_PARTS: "设置协办",
    Action.SUBMIT_PART: "提交协办意见",
    Action.WITHDRAW_PART: "撤回协办",
    Action.RECORD_CONSULTATION: "记录会商",
}


EXTRA_EVENT_LABELS = {
    "recompute_due": "日历调整·重算期限",
    "import": "导入",
    "request_return": "申请退回（超期需审批）",
    "merged_from": "合并入重复诉求",
    # oversight bodies (areas/oversight.py)
    "second_supervision": "二次督办",
    "accountability_open": "启动问责",
    "accountability_close": "问责办结",
}



POLICY_REVIEW_LABELS = {"": "", "editing": "部门起草中", "submitted": "待中心审核", "returned": "已退回部门",
                        "approved": "审核通过"}
KNOWLEDGE_REVIEW_LABELS = {"": "已审核", "pending": "待中心审核", "returned": "已退回部门"}




# ---------------------------------------------------------------- the pydantic models, imported when first asked for

#: names defined in :mod:`xzconsole.models.validated`
VALIDATED = frozenset({
    "Enterprise", "TicketIntake", "Event", "Supervision", "Association", "AssociationSummary",
    "AssociationMember", "Policy", "KnowledgeEntry", "PageKey",
})

if TYPE_CHECKING:
    from .validated import Association as Association
    from .validated import AssociationMember as AssociationMember
    from .validated import AssociationSummary as AssociationSummary
    from .validated import Enterprise as Enterprise
    from .validated import Event as Event
    from .validated import KnowledgeEntry as KnowledgeEntry
    from .validated import PageKey as PageKey
    from .validated import Policy as Policy
    from .validated import Supervision as Supervision
    from .validated import TicketIntake as TicketIntake


def __getattr__(name: str) -> Any:
    """``from xzconsole.models import Policy``: the pydantic models load on first use (PEP 562)."""
    if name in VALIDATED:
        from . import validated

        value = getattr(validated, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
