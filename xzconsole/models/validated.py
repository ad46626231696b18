"""The pydantic models: what is validated from what people type and files carry.

Imported the first time one of these names is looked up in
:mod:`xzconsole.models` (not by the console's start-up: see there).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..clock import parse_datetime, to_local
from . import (
    ACTION_LABELS,
    EXTRA_EVENT_LABELS,
    KNOWLEDGE_REVIEW_LABELS,
    POLICY_REVIEW_LABELS,
    Action,
    AppealType,
    PolicyKind,
    PolicyLevel,
    PolicyStatus,
    Source,
    Status,
    clean_text,
    validate_phone,
    validate_uscc,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="ignore", str_strip_whitespace=True, defer_build=True)


class _Record(_Model):
    """A model of a database row: ``id`` is None only for one not stored yet
    (a policy being validated before it is saved, a row of a data file)."""

    id: int | None = None

    @property
    def stored_id(self) -> int:
        """The row's id, for a model read from the database (where it always has one)."""
        if self.id is None:
            raise ValueError(f"{type(self).__name__} “{getattr(self, 'name', '')}” has not been stored yet")
        return self.id


class Enterprise(_Record):
    """One record of the enterprise directory (one per USCC, else per name)."""

    name: str
    uscc: str | None = None
    district: str = ""
    industry: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    note: str = ""
    # set when the record was merged into another one (that one holds its links)
    merged_into: int | None = None
    # how the center first met it: ticket, import, visit, feedback, manual
    first_source: str = "ticket"
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    updated_by: str = ""
    version: int = 1


class TicketIntake(_Model):
    """What a clerk types (or a feed row carries) to take an appeal in."""

    external_id: str | None = None
    received_at: dt.datetime | None = None
    source: Source = Source.HOTLINE
    appeal_type: AppealType
    enterprise_name: str
    uscc: str | None = None
    contact_name: str = ""
    contact_phone: str = ""
    district: str = ""
    title: str = ""
    content: str
    visit_id: int | None = None  # the outreach visit (走访) it was taken at

    @field_validator("appeal_type", mode="before")
    @classmethod
    def _appeal_type(cls, v: Any) -> AppealType:
        return AppealType.parse(v)

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, v: Any) -> Source:
        return Source.parse(v) if v not in (None, "") else Source.HOTLINE

    @field_validator("enterprise_name", mode="before")
    @classmethod
    def _name(cls, v: Any) -> str:
        return clean_text(v, "企业名称", required=True, max_len=200)

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, v: Any) -> str:
        return clean_text(v, "诉求内容", required=True, max_len=20_000)

    @field_validator("title", "contact_name", "district", mode="before")
    @classmethod
    def _short(cls, v: Any) -> str:
        return clean_text(v, "字段", max_len=500)

    @field_validator("external_id", mode="before")
    @classmethod
    def _ext(cls, v: Any) -> str | None:
        t = clean_text(v, "工单编号", max_len=100)
        return t or None

    @field_validator("uscc", mode="before")
    @classmethod
    def _uscc(cls, v: Any) -> str | None:
        if v is None or str(v).strip() == "":
            return None
        return validate_uscc(v)

    @field_validator("contact_phone", mode="before")
    @classmethod
    def _phone(cls, v: Any) -> str:
        if v is None or str(v).strip() == "":
            return ""
        return validate_phone(v)

    @field_validator("received_at", mode="before")
    @classmethod
    def _received(cls, v: Any) -> dt.datetime | None:
        if v is None or v == "":
            return None


        if isinstance(v, dt.datetime):
            return to_local(v)
        if isinstance(v, dt.date):
            return to_local(dt.datetime(v.year, v.month, v.day))
        return parse_datetime(str(v))


class Event(_Model):
    """One line of a ticket's append-only history."""

    id: int
    ticket_id: int
    at: dt.datetime
    actor: str
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    note: str = ""
    changes: dict[str, Any] = Field(default_factory=dict)

    @property
    def action_label(self) -> str:
        try:
            return ACTION_LABELS[Action(self.action)]
        except ValueError:
            return EXTRA_EVENT_LABELS.get(self.action, self.action)


class Supervision(_Model):
    id: int
    ticket_id: int
    level: int
    body: str
    actor: str
    at: dt.datetime
    note: str = ""


class Association(_Record):
    code: str
    name: str
    contact_name: str = ""
    contact_phone: str = ""
    categories: list[str] = Field(default_factory=list)
    # set when staff edit it in the console: reloading data/ then keeps their contact and subscriptions
    edited_at: dt.datetime | None = None
    edited_by: str = ""
    version: int = 1


class AssociationSummary(Association):
    """An association with what the associations screen lists beside it."""

    member_count: int = 0
    last_push_at: dt.datetime | None = None


class AssociationMember(_Model):
    """One member enterprise of an association (a row of its member list)."""

    enterprise_id: int
    name: str
    uscc: str | None = None
    district: str = ""
    joined_at: dt.datetime
    added_by: str = ""

    @property
    def key(self) -> tuple[str, int]:
        """The keyset position of this row: the next page starts after it."""
        return self.name, self.enterprise_id


class Policy(_Record):
    title: str
    doc_number: str = ""
    issuer: str = ""
    level: PolicyLevel = PolicyLevel.MUNICIPAL
    category: str = ""
    subcategory: str = ""
    kind: PolicyKind = PolicyKind.OTHER
    summary: str = ""
    interpreter_name: str = ""
    interpreter_phone: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    apply_url: str = ""
    source_url: str = ""
    issued_at: dt.date | None = None
    published_at: dt.date | None = None
    status: PolicyStatus = PolicyStatus.DRAFT
    # a department's draft under the center's review (issue 15): '' for the
    # center's own policies, else editing / submitted / returned / approved
    review: str = ""
    review_note: str = ""

    @property
    def review_label(self) -> str:
        return POLICY_REVIEW_LABELS.get(self.review, self.review)

    def publish_refusal(self) -> str | None:
        """Why this policy may not be published yet (SPEC §6), or None."""
        missing = []
        if not self.summary.strip():
            missing.append("摘要")
        if not self.interpreter_name.strip():
            missing.append("解读人姓名")
        if not self.interpreter_phone.strip():
            missing.append("解读人电话")
        if self.kind is PolicyKind.DECLARATION and not self.apply_url.strip():
            missing.append("申报链接（申报类政策）")  # an enterprise must be able to apply from the policy
        if missing:
            return "发布前必须填写" + "、".join(missing)
        return None


class KnowledgeEntry(_Record):
    question: str
    answer: str
    category: str = ""
    department: str = ""
    updated_at: dt.datetime | None = None
    # the center's review of a department's entry: '' reviewed, pending, returned
    review: str = ""
    review_note: str = ""
    accepted: bool = True  # False: a department's new entry not yet accepted by the center

    @property
    def review_label(self) -> str:
        return KNOWLEDGE_REVIEW_LABELS.get(self.review, self.review)


class PageKey(_Model):
    """Where a keyset page ends: the sort value and id of its last row."""

    value: Any = None
    id: int


def build_validators() -> None:
    """Build every model's validator now instead of at its first use.

    The models are defined with ``defer_build`` so that importing them stays
    cheap; the first one used then builds pydantic's machinery, reading the
    installed packages' entry points for plugins on the way (≈20 ms).  The
    console calls this in a worker while idle after its first page, with the
    import, so the first F4, form or import does not pay it (issue 11)."""
    for model in (Enterprise, TicketIntake, Event, Supervision, Association, AssociationSummary,
                  AssociationMember, Policy, KnowledgeEntry, PageKey):
        model.model_rebuild(force=True)
