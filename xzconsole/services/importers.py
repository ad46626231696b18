"""Reading and validating the hotline feed (SPEC §11); no SQL here.

A feed is JSON Lines, CSV (UTF-8 with or without BOM, else GBK/GB18030, as
Excel on a Chinese Windows saves it) or XLSX, with English keys or the Chinese
headers of SPEC §11.  Every row is validated: the intake fields through
:class:`xzconsole.models.TicketIntake`, the history fields (department, times,
follow-up) here.  A good row becomes an
:class:`xzconsole.store_import.ImportedTicket` whose status, due date and
warning level the rules compute; a bad row or an unreadable line goes, with its
line number, the reason in Chinese and the row as it was, to a rejects file
beside the input.  Rows are handed to the store in batches; each batch is one
transaction, so a killed import keeps whole batches and a rerun imports the rest.

Other kinds of import (policies, knowledge) are in :mod:`xzconsole.services.library_files`, which lists every kind in ``IMPORTERS``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pydantic import ValidationError

from .. import aliases as al
from .. import rules, vocabulary
from ..areas.base import DATA_DIR
from ..clock import SHANGHAI, local_date, parse_datetime, to_local
from ..errors import RowError
from ..models import CloseReason, Satisfaction, Status, TicketIntake, validate_uscc
from ..areas.feed import ImportedTicket, export_json
from ..workdays import WorkCalendar

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Store

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
_INTAKE_KEYS = ("external_id", "appeal_type", "enterprise_name", "contact_name", "district", "title", "content", "source")
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


class JsonLinesReader(FeedReader):
    """One JSON object per line; blank lines are skipped, anything else that is
    not an object is a rejected row kept verbatim."""

    kind = "JSON Lines"

    def __init__(self, path: Path, headers: Headers = TICKET_HEADERS) -> None:
        self.path, self.headers = path, headers
        self.total = path.stat().st_size
        self.ignored_columns = []

    def __iter__(self) -> Iterator[RawRow]:
        with open(self.path, "rb") as fh:
            for n, bline in enumerate(fh, 1):
                self.done += len(bline)
                if n == 1 and bline.startswith(b"\xef\xbb\xbf"):
                    bline = bline[3:]
                if not bline.strip():
                    continue
                body = bline[:-1] if bline.endswith(b"\n") else bline
                if body.endswith(b"\r"):
                    body = body[:-1]
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    yield RawRow(n, body.decode("utf-8", "backslashreplace"), error="该行不是 UTF-8 编码的文字")
                    continue
                try:
                    obj = json.loads(text)
                except (ValueError, RecursionError) as exc:
                    msg = getattr(exc, "msg", None) or type(exc).__name__
                    yield RawRow(n, text, error=f"不是有效的 JSON（{msg}）")
                    continue
                if not isinstance(obj, dict):
                    what = {list: "列表 […]", str: "字符串", int: "数字", float: "数字", bool: "true/false"}.get(
                        type(obj), "空值 null")
                    yield RawRow(n, text, error=f"该行是 JSON {what}，应为一个对象 {{…}}")
                    continue
                data, err = self.headers.map_record(obj)
                # a row that parsed is kept as its object (`jq -c .raw` gives it back as
                # a feed line); an unparseable line is kept verbatim, as text
                yield RawRow(n, obj, data=data, error=err)


def _decode_text(blob: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030 (a superset of GBK); else refuse the file."""
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return blob.decode("gb18030")
    except UnicodeDecodeError:
        raise FeedError("无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030。请在 Excel 中“另存为 CSV UTF-8”后重试") from None


class CsvReader(FeedReader):
    """CSV with a header row; a row with more or fewer cells than the header is refused."""

    kind = "CSV"

    def __init__(self, path: Path, headers: Headers = TICKET_HEADERS) -> None:
        self.path, self.headers = path, headers
        self.text = _decode_text(path.read_bytes())
        self.total = self.text.count("\n") + 1
        self.ignored_columns = []
        self._lines: list[str] | None = None

    def __iter__(self) -> Iterator[RawRow]:
        reader = csv.reader(io.StringIO(self.text, newline=""))
        headers: list[str] | None = None
        keys: list[str | None] = []
        last_line = 0
        while True:
            start = last_line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                last_line = max(reader.line_num, start)
                self.done = last_line
                if headers is None:
                    raise FeedError(f"第 {start} 行：无法解析 CSV 表头（{exc}）") from None
                if self._lines is None:  # only on the rare broken record: keep its text verbatim
                    self._lines = self.text.split("\n")
                raw_text = "\n".join(self._lines[start - 1:last_line]).rstrip("\r")
                yield RawRow(start, raw_text, error=f"CSV 格式错误（{exc}）")
                continue
            last_line = reader.line_num
            self.done = last_line
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = [c.strip() for c in cells]
                keys = [self.headers.key(h) for h in headers]
                self.ignored_columns = self.headers.check(headers)
                continue
            raw = dict(zip(headers, cells)) if len(cells) == len(headers) else cells
            if len(cells) != len(headers):
                yield RawRow(start, raw, error=f"该行有 {len(cells)} 列，与表头的 {len(headers)} 列不一致（多了或少了逗号？）")
                continue
            data: dict[str, Any] = {}
            for k, v in zip(keys, cells):
                if k is not None:
                    data[k] = v
            yield RawRow(start, raw, data=data)
        if headers is None:
            raise FeedError("文件是空的：没有表头，也没有数据")


class XlsxReader(FeedReader):
    """The first worksheet; the first non-empty row is the header."""

    kind = "XLSX"

    def __init__(self, path: Path, headers: Headers = TICKET_HEADERS) -> None:
        self.path, self.headers = path, headers
        self.ignored_columns = []
        try:
            import openpyxl

            self.wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise FeedError(f"无法作为 Excel 工作簿（.xlsx）打开：{type(exc).__name__}：{exc}") from None
        self.ws = self.wb.worksheets[0] if self.wb.worksheets else None
        self.total = (self.ws.max_row or 0) if self.ws is not None else 0

    def __iter__(self) -> Iterator[RawRow]:
        try:
            if self.ws is None:
                raise FeedError("工作簿里没有工作表")
            headers: list[str] | None = None
            keys: list[str | None] = []
            for n, values in enumerate(self.ws.iter_rows(values_only=True), 1):
                self.done = n
                cells = list(values)
                if not any(v is not None and str(v).strip() for v in cells):
                    continue
                if headers is None:
                    headers = ["" if v is None else str(v).strip() for v in cells]
                    keys = [self.headers.key(h) for h in headers]
                    self.ignored_columns = self.headers.check(headers)
                    continue
                raw = {h: (v if v is None or isinstance(v, (str, int, float, bool)) else str(v))
                       for h, v in zip(headers, cells) if h}
                extra = [v for v in cells[len(headers):] if v is not None and str(v).strip()]
                if extra:
                    yield RawRow(n, raw, error=f"表头以外的列还有内容：{extra[:3]}")
                    continue
                data: dict[str, Any] = {}
                err = None
                for k, v in zip(keys, cells):
                    if k is None:
                        continue
                    try:
                        data[k] = _value(v)
                    except RowError as exc:
                        err = f"{self.headers.fields[k]}：{exc}"
                        break
                yield RawRow(n, raw, data=data, error=err)
            if headers is None:
                raise FeedError("工作表是空的：没有表头，也没有数据")
        finally:
            self.wb.close()


def open_feed(path: str | os.PathLike[str], headers: Headers = TICKET_HEADERS) -> FeedReader:
    """A reader for the file, by its extension (else by its first bytes), for
    the columns of ``headers`` (the tickets feed's by default)."""
    p = Path(path).expanduser()
    if not p.exists():
        raise FeedError(f"找不到文件：{p}")
    if p.is_dir():
        raise FeedError(f"{p} 是目录，不是文件")
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonLinesReader(p, headers)
    if suffix in (".csv", ".txt"):
        return CsvReader(p, headers)
    if suffix in (".xlsx", ".xlsm"):
        return XlsxReader(p, headers)
    if suffix == ".xls":
        raise FeedError("不支持旧版 Excel（.xls）：请在 Excel 中另存为 .xlsx 或 CSV UTF-8")
    with open(p, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"PK\x03\x04"):
        return XlsxReader(p, headers)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return JsonLinesReader(p, headers)
    return CsvReader(p, headers)


def rejects_path(path: str | os.PathLike[str]) -> Path:
    """feed.jsonl → feed.rejects.jsonl (always JSON Lines, whatever the input)."""
    p = Path(path).expanduser()
    return p.with_name(f"{p.stem}.rejects.jsonl")


# ---------------------------------------------------------------- validation


def load_districts(data_dir: Path | None = None) -> list[str]:
    """The county-level districts of data/districts.toml (empty: accept any)."""
    return vocabulary.load_districts(Path(data_dir or DATA_DIR))


def _fast_time(t: str) -> dt.datetime | None:
    """``YYYY-MM-DD HH:MM[:SS]`` (the feed's usual form) without the general
    parser; None for anything else, which then goes to ``clock.parse_datetime``
    (so every message and every other accepted form stays that function's)."""
    n = len(t)
    if (n != 16 and n != 19) or t[4] != "-" or t[7] != "-" or t[10] not in " T" or t[13] != ":":
        return None
    if n == 19 and t[16] != ":":
        return None
    try:
        y, mo, d, h, mi = int(t[0:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16])
        sec = int(t[17:19]) if n == 19 else 0
        if not 1900 <= y <= 2200 or not t[0:4].isdigit():
            return None
        return dt.datetime(y, mo, d, h, mi, sec, tzinfo=SHANGHAI)
    except ValueError:
        return None  # let the general parser word the refusal


@dataclass
class RowValidator:
    """Validates feed rows against the store's departments and calendar, as of ``now``."""

    store: "Store"
    calendar: WorkCalendar
    now: dt.datetime
    districts: list[str] = field(default_factory=list)
    aliases: al.Aliases = field(default_factory=al.Aliases)
    _dept_ids: dict[str, int] = field(default_factory=dict)
    _centers: dict[str, str] = field(default_factory=dict)
    _district_map: dict[str, str | None] = field(default_factory=dict)
    _uscc_cache: dict[Any, Any] = field(default_factory=dict)
    _phone_cache: dict[Any, Any] = field(default_factory=dict)
    _type_cache: dict[Any, Any] = field(default_factory=dict)
    _sat_cache: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    _due_cache: dict[tuple[dt.date, int], tuple[dt.date, str, int]] = field(default_factory=dict)
    _level_cache: dict[tuple[dt.date, dt.date], int] = field(default_factory=dict)

    def department_id(self, ref: str) -> int:
        """The department a row names: full name, short name or code, an alias of
        data/aliases.toml, or the name with or without 徐州市 (as 12345 writes it)."""
        key = ref.strip()
        did = self._dept_ids.get(key)
        if did is None:
            from ..store import NotFound

            for candidate in al.department_candidates(key, self.aliases):
                try:
                    did = self.store.department(candidate).id
                    break
                except NotFound:
                    continue
            if did is None:
                known = [n for d in self.store.departments() for n in (d.short_name, d.name)]
                raise RowError(al.refusal("承办单位", key, known + self.aliases.written.get("department", [])))
            self._dept_ids[key] = did
        return did

    def center(self, ref: str) -> str:
        """The full name of the center a row names (code, full name or district)."""
        key = ref.strip()
        name = self._centers.get(key)
        if name is None:
            from ..store import NotFound

            try:
                name = self.store.center_name(key)
            except NotFound as exc:
                raise RowError(str(exc)) from None
            self._centers[key] = name
        return name

    def district(self, value: str) -> str:
        if not value or not self.districts:
            return value
        if value in self._district_map:
            found = self._district_map[value]
        else:
            found = al.district_alias(value, self.aliases) or vocabulary.find_district(value, self.districts)
            self._district_map[value] = found
        if found is None:
            raise RowError(al.refusal("所属区域", value.strip(),
                                      self.districts + self.aliases.written.get("district", [])))
        return found

    def phone(self, value: Any) -> al.Phone | None:
        """联系电话 as 12345 writes it (:func:`xzconsole.aliases.phone`), memoised; None when empty."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        hit = self._phone_cache.get(value)
        if hit is None:
            try:
                hit = (True, al.phone(value))
            except ValueError as exc:
                hit = (False, str(exc))
            if len(self._phone_cache) < 100_000:
                self._phone_cache[value] = hit
        ok, found = hit
        if not ok:
            raise RowError(str(found))
        assert isinstance(found, al.Phone)
        return found

    def appeal_type(self, value: Any) -> str:
        """诉求类型 → its code (our label or code, or 12345's category through the aliases)."""
        return str(self._memo(self._type_cache, lambda v: al.appeal_type(v, self.aliases).value, value))

    def satisfaction(self, sat_text: str, resolved_text: str) -> tuple[Satisfaction | None, bool | None]:
        """回访结果 and 是否解决: each may say whether it was solved (满意（已解决）); they must agree."""
        key = (sat_text, resolved_text)
        hit = self._sat_cache.get(key)
        if hit is None:
            try:
                sat, solved = al.satisfaction(sat_text, self.aliases) if sat_text else (None, None)
                said = al.resolved(resolved_text, self.aliases) if resolved_text else None
                if said is not None and solved is not None and said != solved:
                    raise ValueError(f"回访结果“{sat_text}”与是否解决“{resolved_text}”矛盾")
                if said is not None and sat is None:
                    raise ValueError("有是否解决但没有回访结果")
                if said is not None and sat is Satisfaction.UNREACHABLE:
                    raise ValueError("回访未联系上，不能填写是否解决")
                hit = (True, sat, said if said is not None else solved)
            except ValueError as exc:
                hit = (False, str(exc))
            if len(self._sat_cache) < 10_000:
                self._sat_cache[key] = hit
        if not hit[0]:
            raise RowError(hit[1])
        return hit[1], hit[2]

    def time(self, data: dict[str, Any], key: str) -> dt.datetime | None:
        v = data.get(key)
        if not v:
            return None
        if type(v) is str:
            when = _fast_time(v)
            if when is not None:
                if when > self.now:
                    raise RowError(f"{FIELD_LABELS[key]} {when:%Y-%m-%d %H:%M} 晚于当前时间，请核对")
                return when
            if not v.strip():
                return None
        label = FIELD_LABELS[key]
        try:
            if isinstance(v, dt.datetime):
                when = to_local(v).replace(microsecond=0)
            elif isinstance(v, dt.date):
                when = to_local(dt.datetime(v.year, v.month, v.day))
            else:
                try:
                    when = parse_datetime(v)
                except ValueError as exc:
                    # 12345's forms: 2026年11月3日 9:15, 2026年11月3日9时15分, 2026/11/3 9:15, 20261103091500
                    found = al.feed_time(v)
                    if found is None:
                        raise ValueError(f"{exc}；也接受 2026年11月3日 9:15、2026年11月3日9时15分、"
                                         "2026/11/3 9:15、20261103091500 等写法") from None
                    when = found
        except ValueError as exc:
            raise RowError(f"{label}：{exc}") from None
        if when > self.now:
            raise RowError(f"{label} {when:%Y-%m-%d %H:%M} 晚于当前时间，请核对")
        return when

    @staticmethod
    def _memo(cache: dict[Any, Any], fn: Callable[[Any], str], value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        hit = cache.get(value)
        if hit is None:
            try:
                hit = (True, fn(value))
            except ValueError as exc:
                hit = (False, str(exc))
            if len(cache) < 100_000:
                cache[value] = hit
        ok, text = hit
        if not ok:
            raise RowError(text)
        return text

    def _due(self, start: dt.date, limit: int) -> tuple[dt.date, str, int]:
        """(due date, as text, provisional) — memoised: a feed has few distinct dispatch days."""
        key = (start, limit)
        hit = self._due_cache.get(key)
        if hit is None:
            due = rules.due_from_start(start, limit, 0, self.calendar)
            hit = self._due_cache[key] = (due, due.isoformat(), int(self.calendar.provisional_between(start, due)))
        return hit

    def _level(self, due: dt.date, day: dt.date) -> int:
        key = (due, day)
        hit = self._level_cache.get(key)
        if hit is None:
            hit = self._level_cache[key] = int(rules.warning_level(due, day, self.calendar))
        return hit

    def validate(self, data: dict[str, Any], line: int) -> ImportedTicket:
        """One feed row → a ticket ready to insert, or ``RowError`` with the reason."""
        missing = [FIELD_LABELS[k] for k in REQUIRED
                   if not (data.get(k) if not isinstance(data.get(k), str) else data[k].strip())]
        if missing:
            extra = "（工单编号用于去重，缺少则无法判断是否重复导入）" if "工单编号" in missing else ""
            raise RowError(f"缺少必填字段：{'、'.join(missing)}{extra}")
        received = self.time(data, "received_at")
        # USCC and phone go through the same validators TicketIntake uses, but
        # memoised: a feed names the same enterprises again and again.
        uscc = self._memo(self._uscc_cache, validate_uscc, data.get("uscc"))
        phone = self.phone(data.get("contact_phone"))
        fields = {k: data[k] for k in _INTAKE_KEYS if data.get(k) not in (None, "")}
        if "appeal_type" in fields:
            fields["appeal_type"] = self.appeal_type(fields["appeal_type"])
        try:
            intake = TicketIntake.model_validate(fields)
        except ValidationError as exc:
            raise RowError(_pydantic_reason(exc)) from None
        intake.uscc, intake.contact_phone = uscc, phone.number if phone else ""
        assert intake.external_id is not None and received is not None
        district = self.district(intake.district)

        dispatched = self.time(data, "dispatched_at")
        signed = self.time(data, "signed_at")
        replied = self.time(data, "replied_at")
        closed = self.time(data, "closed_at")
        dept_text = str(data.get("department") or "").strip()
        dept_id = self.department_id(dept_text) if dept_text else None
        center_text = str(data.get("center") or "").strip()
        center = self.center(center_text) if center_text else None  # None: the importing user's center
        sat_text = str(data.get("satisfaction") or "").strip()
        satisfaction, resolved = self.satisfaction(sat_text, str(data.get("resolved") or "").strip())

        if dispatched is not None and dept_id is None:
            raise RowError("有派发时间但没有承办单位")
        if dept_id is not None and dispatched is None:
            raise RowError("有承办单位但没有派发时间")
        if signed is not None and dispatched is None:
            raise RowError("有签收时间但没有派发时间")
        if satisfaction is not None and replied is None:
            raise RowError("有回访结果但没有答复时间（先答复，后回访）")
        later = [("派发时间", dispatched), ("签收时间", signed), ("答复时间", replied), ("办结时间", closed)]
        prev_label, prev = "来电时间", received
        for label, when in later:
            if when is None:
                continue
            if when < prev:
                raise RowError(f"{label} {when:%Y-%m-%d %H:%M} 早于{prev_label} {prev:%Y-%m-%d %H:%M}")
            prev_label, prev = label, when

        row = ImportedTicket(
            line=line, external_id=intake.external_id, received_at=received.isoformat(),
            source=intake.source.value, appeal_type=intake.appeal_type.value, enterprise_name=intake.enterprise_name,
            uscc=intake.uscc, contact_name=intake.contact_name, contact_phone=intake.contact_phone, district=district,
            title=intake.title, content=intake.content, status=Status.NEW.value, center=center,
            remark="联系电话为 12345 脱敏号码（按原样保存）" if phone and phone.masked else "",
        )
        if dispatched is not None:
            start = local_date(dispatched)
            limit = rules.time_limit(intake.appeal_type)
            due, due_s, provisional = self._due(start, limit)
            row.department_id = dept_id
            row.dispatched_at = dispatched.isoformat()
            row.clock_start = start.isoformat()
            row.time_limit = limit
            row.due_date = due_s
            row.due_provisional = provisional
            # the highest level reached: at the reply (or close), else as of now
            row.max_level = self._level(due, local_date(replied or closed or self.now))
            row.status = Status.DISPATCHED.value
        if signed is not None:
            row.signed_at = signed.isoformat()
            row.status = Status.SIGNED.value
        if replied is not None:
            row.replied_at = replied.isoformat()
            row.direct_answer = int(dispatched is None)
            row.status = Status.REPLIED.value
        if satisfaction is not None:
            row.satisfaction = satisfaction.value
            row.resolved = None if resolved is None else int(resolved)
            row.followup_count = 1
            row.unreachable_count = int(satisfaction is Satisfaction.UNREACHABLE)
        if closed is not None:
            row.closed_at = closed.isoformat()
            row.status = Status.CLOSED.value
            row.close_reason = (
                CloseReason.UNREACHABLE if satisfaction is Satisfaction.UNREACHABLE
                else CloseReason.UNSATISFIED if satisfaction is Satisfaction.UNSATISFIED
                else CloseReason.RESOLVED if replied is not None
                else CloseReason.OTHER
            ).value
        return row


def _pydantic_reason(exc: ValidationError) -> str:
    """The Chinese reasons of a TicketIntake validation error."""
    out = []
    for err in exc.errors():
        key = str(err["loc"][0]) if err.get("loc") else ""
        label = FIELD_LABELS.get(key, key)
        ctx_err = (err.get("ctx") or {}).get("error")
        if err.get("type") == "value_error" and ctx_err is not None:
            msg = str(ctx_err)
            out.append(msg if label in msg or key not in ("title", "contact_name", "district") else f"{label}：{msg}")
        elif err.get("type") == "missing":
            out.append(f"缺少{label}")
        else:
            out.append(f"{label}格式不正确")
    return "；".join(out) or "数据格式不正确"


# ---------------------------------------------------------------- the import


@dataclass
class ImportSummary:
    kind: str
    imported: int = 0
    duplicate: int = 0
    rejected: int = 0
    provisional: int = 0  # imported rows whose due date is only provisional
    rejects_file: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # extra lines for the summary (Chinese)

    @property
    def total(self) -> int:
        return self.imported + self.duplicate + self.rejected


class RejectsFile:
    """Writes rejected rows (line, reason, raw row) as JSON Lines beside the input,
    opened on the first; a rejects file of an earlier run is removed when this
    run rejects nothing.  Shared by every kind of import."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: io.TextIOWrapper | None = None
        self.count = 0

    def add(self, line: int, reason: str, raw: Any) -> None:
        if self.fh is None:
            self.fh = open(self.path, "w", encoding="utf-8")
        self.fh.write(export_json({"line": line, "reason": reason, "raw": raw}) + "\n")
        self.count += 1

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
        elif self.path.exists():  # a rejects file of an earlier run no longer applies
            self.path.unlink()


def import_tickets(store: "Store", path: str | os.PathLike[str], actor_login: str, *, batch_size: int = 5000,
                   progress: Progress | None = None, reader: FeedReader | None = None) -> ImportSummary:
    """Import a hotline feed file; returns the counts.

    Raises :class:`FeedError` before anything is imported when the file as a
    whole cannot be read (missing, wrong encoding, a header without the
    required columns).  Row problems never stop the import.
    """
    reader = reader or open_feed(path)
    src = Path(path).expanduser()
    validator = RowValidator(store, store.calendar(), store.now(), load_districts(), store.exchange.aliases())
    summary = ImportSummary(kind=reader.kind)
    rejects = RejectsFile(rejects_path(src))
    note = f"从热线数据导入（{src.name} 第 {{line}} 行）"
    batch: list[ImportedTicket] = []

    def flush() -> None:
        res = store.feed.import_batch(batch, actor_login, note)
        summary.imported += res.imported
        summary.duplicate += res.duplicate
        summary.provisional += res.provisional
        batch.clear()

    try:
        for n, raw in enumerate(reader, 1):
            if raw.error is not None or raw.data is None:
                rejects.add(raw.line, raw.error or "无法读取该行", raw.raw)
            else:
                try:
                    row = validator.validate(raw.data, raw.line)
                except RowError as exc:
                    rejects.add(raw.line, str(exc), raw.raw)
                else:
                    batch.append(row)
                    if len(batch) >= batch_size:
                        flush()
            if progress is not None and n % 1000 == 0:
                progress(reader.done, reader.total)
        if batch:
            flush()
        if progress is not None:
            progress(reader.total, reader.total)
    finally:
        rejects.close()
    summary.rejected = rejects.count
    summary.rejects_file = rejects.path if rejects.count else None
    summary.ignored_columns = reader.ignored_columns
    if summary.provisional:
        summary.notes.append(f"其中 {summary.provisional} 件的办理期限按暂定日历计算（该年官方节假日安排尚未载入，"
                             "见 xzconsole calendar status；载入后会自动重算）")
    return summary


__all__ = [
    "FIELD_LABELS",
    "FeedError",
    "ImportSummary",
    "RowError",
    "RejectsFile",
    "RowValidator",
    "import_tickets",
    "open_feed",
    "rejects_path",
]
