"""The shape of an import file, whatever its format (SPEC §11): the field
names and Chinese headers (:class:`Headers`), one input row (:class:`RawRow`)
and the reader interface (:class:`FeedReader`) the readers of
:mod:`xzconsole.services.feed_readers` and :mod:`xzconsole.services.feed_xlsx`
implement.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..errors import RowError

Progress = Callable[[int, int], None]  # (done, total) in the reader's own unit

# ---------------------------------------------------------------- field names

# key → the Chinese header of SPEC §11 (also used to name fields in messages)
FIELD_LABELS: dict[str, str] = {
    "external_id": "工单编号",
    "received_at": "来电时间",
    "appeal_type": "诉求类型",
    "enterprise_name": "企业名称",
    "uscc": "统一社会信用代码",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "district": "所属区域",
    "title": "诉求标题",
    "content": "诉求内容",
    "department": "承办单位",
    "dispatched_at": "派发时间",
    "signed_at": "签收时间",
    "replied_at": "答复时间",
    "closed_at": "办结时间",
    "satisfaction": "回访结果",
    "resolved": "是否解决",
    "source": "来源",
    "center": "受理中心",
}
REQUIRED = ("external_id", "received_at", "appeal_type", "enterprise_name", "content")

class FeedError(ValueError):
    """The file as a whole cannot be read (nothing is imported); Chinese message."""


class Headers:
    """The columns of one kind of import file: English keys, the Chinese
    headers of SPEC §11 and common aliases, each naming a field.

    The tickets feed, the policy library and the knowledge base each have one;
    the readers below serve them all.
    """

    def __init__(self, fields: dict[str, str], aliases: dict[str, str], required: tuple[str, ...]) -> None:
        self.fields = fields  # key → Chinese header (also names the field in messages)
        self.required = required
        self.map = {**{k: k for k in fields}, **{v: k for k, v in fields.items()}, **aliases}
        self._keys: dict[str, str | None] = {}
        self._layouts: dict[tuple[Any, ...], list[tuple[Any, str]]] = {}

    def key(self, name: Any) -> str | None:
        """The field a column header or JSON key names (English key or Chinese header)."""
        if isinstance(name, str):
            try:
                return self._keys[name]  # a hit is the common case: headers repeat on every row
            except KeyError:
                pass
        t = unicodedata.normalize("NFKC", str(name or "")).strip().lstrip("\ufeff").strip("*").strip()
        key = self.map.get(t) or self.map.get(t.lower())
        if isinstance(name, str) and len(self._keys) < 10_000:  # arbitrary JSON keys must not grow it without bound
            self._keys[name] = key
        return key

    def check(self, names: list[str]) -> list[str]:
        """Refuse a header row without a required column; else the columns it ignores."""
        keys = [self.key(h) for h in names]
        seen: dict[str, int] = {}
        for i, (h, k) in enumerate(zip(names, keys)):
            if not h:
                continue
            ident = k or f"?{h}"
            if ident in seen:
                j = seen[ident]
                label = self.fields[k] if k else h
                same = f"“{h}”" if names[j] == h else f"“{names[j]}”与“{h}”"
                raise FeedError(f"表头中的列“{label}”重复：第 {j + 1} 列和第 {i + 1} 列都是{same}，"
                                "无法判断以哪一列为准。请删去其中一列后重试")
            seen[ident] = i
        missing = [self.fields[k] for k in self.required if k not in keys]
        if missing:
            shown = "、".join(h for h in names if h) or "（空）"
            first = self.required[0]
            raise FeedError(f"表头缺少必需的列：{'、'.join(missing)}（表头为：{shown}）。"
                            f"表头可用中文（如 {self.fields[first]}）或英文键名（如 {first}）")
        return [h for h, k in zip(names, keys) if k is None and h]

    def map_record(self, record: dict[Any, Any]) -> tuple[dict[str, Any], str | None]:
        """Map keys/headers to fields; (data, error) — an error names the bad field.

        The key → field mapping is worked out once per distinct set of keys (a
        feed has one or a few), so each row is a few dictionary look-ups.
        """
        shape = tuple(record)
        layout = self._layouts.get(shape)
        if layout is None:
            layout = [(k, f) for k in shape if (f := self.key(k)) is not None]
            if len(self._layouts) < 1000:
                self._layouts[shape] = layout
        data: dict[str, Any] = {}
        for k, key in layout:
            v = record[k]
            if type(v) is str:
                if "\x00" in v:
                    return data, f"{self.fields[key]}：{_nul_error([v])}"
                data[key] = v
                continue
            try:
                data[key] = _value(v)
            except RowError as exc:
                return data, f"{self.fields[key]}：{exc}"
        return data, None


TICKET_HEADERS = Headers(FIELD_LABELS, {
    "诉求编号": "external_id", "受理时间": "received_at", "区域": "district", "所属区县": "district",
    "标题": "title", "内容": "content", "满意度": "satisfaction", "回访满意度": "satisfaction",
    "解决情况": "resolved", "是否已解决": "resolved", "问题是否解决": "resolved"}, REQUIRED)


def header_key(name: Any) -> str | None:
    """The feed field a column header or JSON key names (English key or Chinese header)."""
    return TICKET_HEADERS.key(name)


# ---------------------------------------------------------------- reading


@dataclass
class RawRow:
    """One input row: ``data`` (field → value) when it could be read, else ``error``."""

    line: int
    raw: Any
    data: dict[str, Any] | None = None
    error: str | None = None


class FeedReader:
    """Iterates the rows of an import file; ``done``/``total`` drive a progress bar.
    ``headers`` says which columns the file has (the tickets feed's by default)."""

    kind = ""
    total = 0
    done = 0
    ignored_columns: list[str]
    headers: Headers = TICKET_HEADERS

    def __iter__(self) -> Iterator[RawRow]:  # pragma: no cover - abstract
        raise NotImplementedError


def _value(v: Any) -> Any:
    """A cell or JSON value as the validators expect it: text, or a date/time
    object from a spreadsheet; numbers as their plain digits (phone numbers and
    ids often arrive as numbers); ``RowError`` for lists, objects and booleans."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        raise RowError("值应为文字，而不是 true/false")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise RowError("值不是有效的数字或文字")
        return str(int(v)) if v.is_integer() and abs(v) < 1e18 else repr(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v
    if isinstance(v, dt.time):
        return v.isoformat()
    raise RowError("值应为文字，而不是列表或对象")


def _nul_error(cells: Any) -> str | None:
    return "含有空字符（NUL，\\x00），不是正常的文字" if any("\x00" in c for c in cells) else None
