"""Reading and validating the hotline feed (SPEC §11); no SQL here.

A feed is JSON Lines, CSV (UTF-8 with or without BOM, else GBK/GB18030, as
Excel on a Chinese Windows saves it: decided per file, decoded per line, see
:func:`detect_encoding`) or XLSX (checked from the zip before parsing), with English keys or the Chinese
headers of SPEC §11.  Every row is validated: the intake fields through
:class:`xzconsole.models.TicketIntake`, the history fields (department, times,
follow-up) here.  A good row becomes an
:class:`xzconsole.store_import.ImportedTicket` whose status, due date and
warning level the rules compute; a bad row or an unreadable line goes, with its
line number, the reason in Chinese and the row as it was, to a rejects file
beside the input.  Rows are handed to the store in batches (:func:`run_import`);
each batch is one transaction, so a killed import keeps whole batches and a
rerun imports the rest.  Every reader works in constant memory, whatever the file.

Other kinds of import (policies, knowledge) are in :mod:`xzconsole.services.library_files`, which lists every kind in ``IMPORTERS``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import errno
import json
import os
import sqlite3
import stat
import time
import unicodedata
import zipfile
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Protocol, TypeVar

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
            n = 0
            while True:
                bline, long = _readline(fh)  # a line is never read whole past CSV_MAX_LINE: constant memory
                if not bline:
                    break
                n += 1
                self.done += len(bline)
                if n == 1 and bline.startswith(b"\xef\xbb\xbf"):
                    bline = bline[3:]
                if long:
                    yield RawRow(n, bline.decode("utf-8", "backslashreplace") + "…",
                                 error=f"该行过长（超过 {CSV_MAX_LINE // (1 << 20)} MB），未读取")
                    continue
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


# ---- CSV: streamed, decoded line by line

CSV_MAX_LINE = 1 << 20  # bytes of one physical line; a longer one is rejected, not read into memory
CSV_MAX_RECORD_LINES = 500  # physical lines one quoted record may span before its quote counts as unterminated
CSV_MAX_RECORD_BYTES = 4 << 20


class _LineFile(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


class _CrLines:
    """A file whose lines end in a bare CR (Excel's old "CSV (Macintosh)"),
    read line by line as if they ended in LF."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.buf = fh, b""

    def readline(self, size: int = -1, /) -> bytes:
        while True:
            i = self.buf.find(b"\r")
            if i >= 0 and (size < 0 or i < size):
                line, self.buf = self.buf[:i] + b"\n", self.buf[i + 1:]
                return line
            if 0 <= size <= len(self.buf):
                line, self.buf = self.buf[:size], self.buf[size:]
                return line
            chunk = self.fh.read(1 << 16)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk


def _lines_of(fh: IO[bytes]) -> _LineFile:
    """``fh`` itself, or :class:`_CrLines` when its lines end in a bare CR."""
    head = fh.read(1 << 16)
    fh.seek(0)
    return _CrLines(fh) if b"\r" in head and b"\n" not in head else fh


def _readline(fh: _LineFile) -> tuple[bytes, bool]:
    """The next physical line (with its newline) and whether it was too long;
    a too-long line is skipped to its end and only its start returned."""
    line = fh.readline(CSV_MAX_LINE + 1)
    if len(line) <= CSV_MAX_LINE or line.endswith(b"\n"):
        return line, False
    while True:
        more = fh.readline(CSV_MAX_LINE)
        if not more or more.endswith(b"\n"):
            return line[:200], True


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``gb18030`` for a text file, from its bytes, in constant memory.

    A file that is valid UTF-8 throughout is UTF-8.  Otherwise it is GB18030
    (GBK, as Excel on a Chinese Windows saves CSV) only when *no* line with
    non-ASCII bytes is valid UTF-8: one bad byte, or one line pasted from a GBK
    file, never switches a UTF-8 file to GB18030 (that garbled every name);
    those lines are rejected one by one instead.
    """
    dec = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                dec.decode(chunk)
            dec.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        fh.seek(0)
        lines = _lines_of(fh)
        first = True
        while True:
            line, _long = _readline(lines)
            if not line:
                return "gb18030"
            if first and line.startswith(b"\xef\xbb\xbf"):
                return "utf-8"  # a UTF-8 byte order mark says so
            first = False
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return "utf-8"


@dataclass(slots=True)
class _Line:
    n: int
    text: str  # decoded, newline kept (a quoted cell may hold it); "" when undecodable
    error: str | None = None  # why the line cannot be read


class _BadLine(Exception):
    def __init__(self, line: _Line) -> None:
        self.line = line


class _TooLong(Exception):
    pass


class _LineSource:
    """Physical lines of a CSV file, decoded one by one, with lines pushed back
    to be read again (after a broken record, from the line after its first)."""

    def __init__(self, fh: _LineFile, encoding: str) -> None:
        self.fh, self.encoding = fh, encoding
        self.n = 0
        self.back: deque[_Line] = deque()
        self.done = 0  # bytes read

    def next(self) -> _Line | None:
        if self.back:
            return self.back.popleft()
        raw, long = _readline(self.fh)
        if not raw:
            return None
        self.done += len(raw)
        self.n += 1
        if self.n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if long:
            return _Line(self.n, raw.decode(self.encoding, "backslashreplace") + "…",
                         f"该行过长（超过 {CSV_MAX_LINE // (1 << 20)} MB），未读取")
        try:
            return _Line(self.n, raw.decode(self.encoding))
        except UnicodeDecodeError as exc:
            what = "UTF-8" if self.encoding == "utf-8" else "GBK/GB18030"
            return _Line(self.n, raw.decode(self.encoding, "backslashreplace"),
                         f"该行不是有效的 {what} 文字（第 {exc.start + 1} 个字节起无法解码），其余各行照常导入")

    def push_back(self, lines: list[_Line]) -> None:
        self.back.extendleft(reversed(lines))


def _raw_text(lines: list[_Line]) -> str:
    return "".join(ln.text for ln in lines).rstrip("\r\n")


def _nul_error(cells: Any) -> str | None:
    return "含有空字符（NUL，\\x00），不是正常的文字" if any("\x00" in c for c in cells) else None


class CsvReader(FeedReader):
    """CSV with a header row, streamed (constant memory whatever the size).

    Each physical line is decoded on its own (see :func:`detect_encoding`), so
    an undecodable line is rejected with its number and the rest read.  A
    quoted cell may span lines; a quote that never closes (end of file, or
    more than ``CSV_MAX_RECORD_LINES`` lines), or a record over several lines
    that is ragged or swallowed lines that are whole rows themselves, costs
    only its first line: reading goes on from the next.  A row with more or
    fewer cells than the header is refused.
    """

    kind = "CSV"

    def __init__(self, path: Path, headers: Headers = TICKET_HEADERS) -> None:
        self.path, self.headers = path, headers
        self.encoding = detect_encoding(path)
        self.total = path.stat().st_size
        self.ignored_columns = []
        with open(path, "rb") as fh:  # the header is checked now: a bad one refuses the file before anything
            self._header_row(_LineSource(_lines_of(fh), self.encoding))

    def _header_row(self, src: _LineSource) -> tuple[list[str], list[str | None]]:
        while True:
            ln = src.next()
            if ln is None:
                raise FeedError("文件是空的：没有表头，也没有数据")
            if ln.error is not None:
                raise FeedError(f"第 {ln.n} 行（表头）：{ln.error}")
            if not ln.text.strip():
                continue
            try:
                cells = next(csv.reader([ln.text], strict=True))
            except csv.Error as exc:
                raise FeedError(f"第 {ln.n} 行：无法解析 CSV 表头（{exc}）") from None
            headers = [c.strip() for c in cells]
            self.ignored_columns = self.headers.check(headers)
            return headers, [self.headers.key(h) for h in headers]

    def __iter__(self) -> Iterator[RawRow]:
        with open(self.path, "rb") as fh:
            src = _LineSource(_lines_of(fh), self.encoding)
            headers, keys = self._header_row(src)
            yield from self._rows(src, headers, keys)

    def _rows(self, src: _LineSource, headers: list[str], keys: list[str | None]) -> Iterator[RawRow]:
        ncols = len(headers)
        names = [h or f"第{i}列" for i, h in enumerate(headers, 1)]
        taken: list[_Line] = []
        size = 0

        def lines() -> Iterator[str]:
            nonlocal size
            while True:
                ln = src.next()
                if ln is None:
                    return
                if ln.error is not None:
                    raise _BadLine(ln)
                taken.append(ln)
                size += len(ln.text)
                if len(taken) > CSV_MAX_RECORD_LINES or size > CSV_MAX_RECORD_BYTES:
                    raise _TooLong()
                yield ln.text

        def whole_row(text: str) -> bool:
            try:
                return len(next(csv.reader([text], strict=True))) == ncols
            except (csv.Error, StopIteration):
                return False

        def restart() -> Iterator[list[str]]:
            nonlocal size
            taken.clear()
            size = 0
            return csv.reader(lines(), strict=True)

        reader = restart()
        while True:
            self.done = src.done
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _BadLine as exc:
                bad = exc.line
                if taken:  # inside a quoted record: its first line goes, the rest is read again
                    yield RawRow(taken[0].n, _raw_text(taken[:1]),
                                 error=f"引号未闭合：该记录跨到第 {bad.n} 行，而第 {bad.n} 行无法解码")
                    src.push_back(taken[1:] + [bad])
                else:
                    yield RawRow(bad.n, bad.text.rstrip("\r\n"), error=bad.error)
                reader = restart()
                continue
            except _TooLong:
                yield RawRow(taken[0].n, _raw_text(taken[:1]),
                             error=f"引号未闭合：从本行起 {len(taken)} 行内都没有闭合（或记录过长），本行未导入，其后各行照常读取")
                src.push_back(taken[1:])
                reader = restart()
                continue
            except csv.Error as exc:
                if not taken:  # cannot happen: an error needs a line; be safe
                    reader = restart()
                    continue
                msg = str(exc)
                why = "引号未闭合（到文件末尾仍未闭合）" if "unexpected end of data" in msg else f"CSV 格式错误（{msg}）"
                yield RawRow(taken[0].n, _raw_text(taken[:1]), error=why + ("，本行未导入，其后各行照常读取" if len(taken) > 1 else ""))
                src.push_back(taken[1:])
                reader = restart()
                continue
            record = list(taken)
            taken.clear()
            size = 0
            if not record:
                continue
            if len(record) > 1 and (len(cells) != ncols or any(whole_row(ln.text) for ln in record[1:-1])):
                # a quote opened on the first line swallowed whole rows: only that line is refused
                yield RawRow(record[0].n, _raw_text(record[:1]),
                             error="引号未闭合：本行的引号把后面的行并进了同一格，本行未导入，其后各行照常读取")
                src.push_back(record[1:])
                continue
            if not any(c.strip() for c in cells):
                continue
            line = record[0].n
            if len(cells) != ncols:
                yield RawRow(line, _raw_text(record), error=f"该行有 {len(cells)} 列，与表头的 {ncols} 列不一致（多了或少了逗号？）")
                continue
            raw = dict(zip(names, cells))
            nul = _nul_error(cells)
            if nul is not None:
                yield RawRow(line, raw, error=nul)
                continue
            data: dict[str, Any] = {}
            for k, v in zip(keys, cells):
                if k is not None:
                    data[k] = v
            yield RawRow(line, raw, data=data)


# ---- XLSX: read-only, with the zip checked before parsing

XLSX_MAX_UNPACKED = 1 << 30  # bytes all parts of the workbook may unpack to
XLSX_MAX_SHARED_MEMORY = 160 << 20  # estimated memory of the shared strings table (openpyxl holds it whole)
XLSX_MAX_PART = 32 << 20  # any other part read whole (styles, workbook, …)
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit
XLSX_MAX_COLUMNS = 1000
XLSX_MAX_CELLS = 20_000_000
_STRING_OVERHEAD = 80  # bytes of memory per shared string beyond its text (object header, list slot)
_XLSX_ADVICE = "。请在 Excel 中删去多余的内容，或“另存为 CSV UTF-8”后再导入"


def check_xlsx_zip(path: Path) -> None:
    """Refuse a workbook that would unpack to more than we are willing to hold
    or walk (a small file can unpack to gigabytes), from the zip's directory
    and a streamed count of its shared strings, before openpyxl parses anything."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FeedError(f"无法作为 Excel 工作簿（.xlsx）打开：{exc}") from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > XLSX_MAX_UNPACKED:
            raise FeedError(f"工作簿解压后有 {total / (1 << 20):,.0f} MB，超过上限 {XLSX_MAX_UNPACKED / (1 << 20):,.0f} MB"
                            + _XLSX_ADVICE)
        for info in infos:
            name = info.filename.lower()
            if name.startswith("xl/worksheets/"):
                continue  # read row by row
            if name.endswith("sharedstrings.xml"):
                if info.file_size > XLSX_MAX_SHARED_MEMORY:
                    raise FeedError(f"工作簿的共享字符串表解压后有 {info.file_size / (1 << 20):,.0f} MB，超过上限 "
                                    f"{XLSX_MAX_SHARED_MEMORY / (1 << 20):,.0f} MB" + _XLSX_ADVICE)
                count = 0
                tail = b""
                try:
                    with zf.open(info) as part:
                        while chunk := part.read(1 << 20):
                            block = tail + chunk
                            count += block.count(b"<si>") + block.count(b"<si ")
                            tail = block[-3:] if not block.endswith((b"<si>", b"<si ")) else b""
                except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                    raise FeedError(f"工作簿已损坏（{info.filename}：{exc}）") from None
                need = info.file_size + count * _STRING_OVERHEAD
                if need > XLSX_MAX_SHARED_MEMORY:
                    raise FeedError(f"工作簿的共享字符串表解压后需要约 {need / (1 << 20):,.0f} MB 内存（{count:,} 个字符串），"
                                    f"超过上限 {XLSX_MAX_SHARED_MEMORY / (1 << 20):,.0f} MB" + _XLSX_ADVICE)
            elif info.file_size > XLSX_MAX_PART:
                raise FeedError(f"工作簿中的 {info.filename} 解压后有 {info.file_size / (1 << 20):,.0f} MB，超过上限 "
                                f"{XLSX_MAX_PART / (1 << 20):,.0f} MB" + _XLSX_ADVICE)


XLSX_MAX_TEXT = 1 << 20  # bytes of text between two tags of a sheet (one cell's inline text, say)


def check_xlsx_sheet(zf: zipfile.ZipFile, name: str) -> None:
    """Stream the sheet's XML once before openpyxl parses it: refuse a cell
    whose text is longer than ``XLSX_MAX_TEXT`` (openpyxl would hold it whole)
    and a row with more than ``XLSX_MAX_COLUMNS`` cells (a row is parsed whole,
    a dict per cell), whatever the sheet claims about its size."""
    tail = b""
    cells = 0  # cells of the row being scanned
    row = 0
    try:
        with zf.open(name) as part:
            while chunk := part.read(4 << 20):
                block = tail + chunk
                if len(block) > XLSX_MAX_TEXT and max(map(len, block.split(b"<"))) > XLSX_MAX_TEXT:
                    raise FeedError(f"工作表中有超过 {XLSX_MAX_TEXT // (1 << 20)} MB 的单元格内容" + _XLSX_ADVICE)
                cut = block.rfind(b"<")
                body, tail = (block[:cut], block[cut:]) if cut >= 0 else (b"", block)
                pieces = body.split(b"<row")
                for i, piece in enumerate(pieces):
                    if i:
                        row += 1
                        cells = 0
                    cells += piece.count(b"<c ") + piece.count(b"<c>")
                    if cells > XLSX_MAX_COLUMNS:
                        raise FeedError(f"工作表第 {row} 个数据行有超过 {XLSX_MAX_COLUMNS:,} 个单元格" + _XLSX_ADVICE)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise FeedError(f"工作簿已损坏（{name}：{exc}）") from None


class XlsxReader(FeedReader):
    """The first worksheet; the first non-empty row is the header.

    The zip is checked first (:func:`check_xlsx_zip`); openpyxl reads in
    read-only mode (rows streamed); the sheet's stated size is checked before
    reading, and the rows and columns actually met while reading (a sheet can
    understate its size, and openpyxl would then silently stop at the stated
    last row: its stated size is not used for reading).
    """

    kind = "XLSX"

    def __init__(self, path: Path, headers: Headers = TICKET_HEADERS) -> None:
        self.path, self.headers = path, headers
        self.ignored_columns = []
        check_xlsx_zip(path)
        try:
            import openpyxl

            self.wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise FeedError(f"无法作为 Excel 工作簿（.xlsx）打开：{type(exc).__name__}：{exc}") from None
        ws = self.wb.worksheets[0] if self.wb.worksheets else None
        self.ws = ws
        self.total = 0
        if ws is not None:
            try:
                rows, cols = int(ws.max_row or 0), int(ws.max_column or 0)
            except Exception:  # a malformed dimension: read without it, the caps below still hold
                rows = cols = 0
            problem = None
            if rows > XLSX_MAX_ROWS:
                problem = f"工作表有 {rows:,} 行，超过上限 {XLSX_MAX_ROWS:,} 行"
            elif cols > XLSX_MAX_COLUMNS:
                problem = f"工作表有 {cols:,} 列，超过上限 {XLSX_MAX_COLUMNS:,} 列"
            elif rows * cols > XLSX_MAX_CELLS:
                problem = f"工作表有 {rows:,} 行 × {cols:,} 列，超过上限 {XLSX_MAX_CELLS:,} 个单元格"
            if problem is not None:
                self.wb.close()
                raise FeedError(problem + _XLSX_ADVICE)
            self.total = rows
            part = getattr(ws, "_worksheet_path", None)  # openpyxl's read-only sheet: its part in the zip
            archive = getattr(self.wb, "_archive", None)
            if isinstance(part, str) and isinstance(archive, zipfile.ZipFile):
                try:
                    check_xlsx_sheet(archive, part)
                except BaseException:
                    self.wb.close()
                    raise
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # read every row there is, not just as many as the sheet claims

    def __iter__(self) -> Iterator[RawRow]:
        try:
            if self.ws is None:
                raise FeedError("工作簿里没有工作表")
            headers: list[str] | None = None
            keys: list[str | None] = []
            cells_seen = 0
            for n, values in enumerate(self.ws.iter_rows(values_only=True), 1):
                self.done = n
                cells_seen += len(values)
                if n > XLSX_MAX_ROWS or len(values) > XLSX_MAX_COLUMNS or cells_seen > XLSX_MAX_CELLS:
                    raise FeedError(f"工作表在第 {n} 行超出上限（最多 {XLSX_MAX_ROWS:,} 行、{XLSX_MAX_COLUMNS:,} 列、"
                                    f"{XLSX_MAX_CELLS:,} 个单元格），读到此处为止" + _XLSX_ADVICE)
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
                nul = _nul_error(v for v in cells if isinstance(v, str))
                if nul is not None:
                    yield RawRow(n, raw, error=nul)
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
        ext = data.get("external_id")
        if isinstance(ext, str) and not ext.isascii():  # full-width ＨＬ－０００００４ is HL-000004: one ticket
            data["external_id"] = unicodedata.normalize("NFKC", ext)
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


class RejectsError(Exception):
    """The rejects file could not record a row (``cause``: the OSError)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


_ERRNO_CN = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "磁盘配额已满", errno.EACCES: "没有权限",
             errno.EPERM: "不允许的操作", errno.EROFS: "只读文件系统", errno.ENOENT: "目录不存在",
             errno.EISDIR: "这是一个目录", errno.EIO: "磁盘读写错误"}


def explain_os_error(exc: OSError) -> str:
    """An OSError's cause in Chinese (disk full, permission, …)."""
    return _ERRNO_CN.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def explain_database_error(exc: BaseException) -> str:
    """A SQLite error's cause in Chinese (disk full, permission, database busy),
    never SQLite's own English text."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return "磁盘空间不足（数据库所在的磁盘已满），请清理空间后重新导入"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return "数据库正忙（另一个程序长时间占用写入），请稍后重新导入"
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")) or "readonly" in text:
        return "没有写入数据库的权限（数据库文件、其目录或 -wal/-shm 文件只读），请联系管理员（xzconsole doctor）"
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return "磁盘读写错误（数据库所在的磁盘出错或已满），请联系管理员"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "数据库文件已损坏：请用最近的备份恢复（xzconsole doctor 可检查）"
    return f"数据库错误（{name or type(exc).__name__}），请联系管理员"


class RejectsFile:
    """Writes rejected rows (line, reason, raw row) as JSON Lines beside the input.

    :meth:`open` it before anything is committed: a rejects file that cannot
    be written refuses the import up front.  It is opened without following a
    symlink (``O_NOFOLLOW``: an existing symlink is refused, its target never
    touched) and refused when it is not a plain file or has other hard links.
    :meth:`flush` before each commit, so every row committed so far has its
    rejects on disk; ``count - recorded`` is how many rejected rows it could
    not record.  A rejects file of an earlier run is removed when this run
    rejects nothing.  Shared by every kind of import.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: IO[bytes] | None = None
        self.count = 0  # rows rejected
        self.recorded = 0  # of them, safely written
        self._pending = 0
        self.failure: OSError | None = None

    def open(self) -> None:
        if self.fh is not None:
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o660)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FeedError(f"拒收文件 {self.path} 是符号链接：为安全起见不会写入它指向的文件。"
                                "请删除或改名这个链接后重试（未导入任何内容）") from None
            raise FeedError(f"无法写入拒收文件 {self.path}（{explain_os_error(exc)}），未导入任何内容。"
                            "请把导入文件放到自己有写权限的目录后重试") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise FeedError(f"拒收文件 {self.path} 已存在但不是普通文件，不会写入。请删除或改名后重试（未导入任何内容）")
            if st.st_nlink > 1:
                raise FeedError(f"拒收文件 {self.path} 还有其他硬链接，为安全起见不会写入。请删除后重试（未导入任何内容）")
            os.ftruncate(fd, 0)
        except BaseException:
            os.close(fd)
            raise
        self.fh = os.fdopen(fd, "wb")

    def _write(self, text: str) -> None:
        assert self.fh is not None
        self.fh.write(text.encode("utf-8"))

    def add(self, line: int, reason: str, raw: Any) -> None:
        """Record one rejected row; :class:`RejectsError` when it cannot."""
        self.count += 1
        if self.failure is not None:
            raise RejectsError(self.failure)
        try:
            self.open()
            self._write(export_json({"line": line, "reason": reason, "raw": raw}) + "\n")
        except OSError as exc:
            self.failure = exc
            raise RejectsError(exc) from None
        self._pending += 1

    def flush(self) -> None:
        """Everything added so far on disk, or :class:`RejectsError`."""
        if self.failure is not None:
            raise RejectsError(self.failure)
        if self.fh is None or not self._pending:
            return
        try:
            self.fh.flush()
        except OSError as exc:
            self.failure = exc
            raise RejectsError(exc) from None
        self.recorded += self._pending
        self._pending = 0

    @property
    def unrecorded(self) -> int:
        return self.count - self.recorded

    def close(self) -> None:
        if self.fh is not None:
            try:
                if self.failure is None and self._pending:
                    self.flush()
            except RejectsError:
                pass
            try:
                self.fh.close()
            except OSError as exc:
                self.failure = self.failure or exc
            self.fh = None
        if self.count == 0:  # nothing rejected: no rejects file (an earlier run's no longer applies)
            try:
                if self.path.is_file() and not self.path.is_symlink():
                    self.path.unlink()
            except OSError:
                pass


class ImportAborted(Exception):
    """The import stopped part-way: ``summary`` holds what was committed
    (whole batches) and rejected before it stopped; the message, in Chinese,
    says why and what to do."""

    def __init__(self, message: str, summary: "ImportSummary") -> None:
        super().__init__(message)
        self.summary = summary


MAX_TRANSACTION_ROWS = 5000  # rows per write transaction, whatever --batch-size says
SLOW_TRANSACTION_S = 2.0  # a transaction slower than this halves the next batch (the busy timeout is 10 s)

T = TypeVar("T")


def run_import(reader: FeedReader, rejects: RejectsFile, summary: "ImportSummary",
               accept: Callable[[RawRow], T | None], commit: Callable[[list[T]], None], *,
               batch_size: int, progress: Progress | None = None) -> None:
    """The loop every kind of import shares: read rows, ``accept`` each (a
    row to commit, or None when it rejected or skipped it itself), ``commit``
    them in batches, record unreadable rows in ``rejects``.

    Each batch is one write transaction of at most ``MAX_TRANSACTION_ROWS``
    rows, made smaller when one is slow, so the write lock is never held near
    the 10 s busy timeout of other writers.  Before each commit the rejects so
    far are flushed to disk: when the rejects file fails, the import stops
    without committing rows whose rejects it could not record.  Any failure
    after the start raises :class:`ImportAborted` with the counts so far and
    the cause in Chinese.
    """
    size = max(1, min(batch_size, MAX_TRANSACTION_ROWS))
    if batch_size > size:
        summary.notes.append(f"每批最多提交 {MAX_TRANSACTION_ROWS} 行（--batch-size {batch_size} 过大：一批太久会使"
                             f"其他人的操作等待超时），已按每批 {MAX_TRANSACTION_ROWS} 行提交")
    batch: list[T] = []
    committed_any = False

    def send() -> None:
        nonlocal size, committed_any
        rejects.flush()  # the rejects of every row read so far are on disk before this batch commits
        started = time.monotonic()
        commit(batch)
        committed_any = True
        batch.clear()
        if time.monotonic() - started > SLOW_TRANSACTION_S and size > 100:
            size = max(100, size // 2)

    def abort(why: str) -> ImportAborted:
        summary.rejected = rejects.count
        summary.rejects_file = rejects.path if rejects.recorded else None
        return ImportAborted(why, summary)

    rejects.open()
    try:
        for n, raw in enumerate(reader, 1):
            if raw.error is not None or raw.data is None:
                rejects.add(raw.line, raw.error or "无法读取该行", raw.raw)
            else:
                item = accept(raw)
                if item is not None:
                    batch.append(item)
                    if len(batch) >= size:
                        send()
            if progress is not None and n % 1000 == 0:
                progress(reader.done, reader.total)
        if batch:
            send()
        rejects.flush()
        if progress is not None:
            progress(reader.total, reader.total)
    except RejectsError as exc:
        lost = rejects.unrecorded
        raise abort(f"拒收文件 {rejects.path} 写入失败（{explain_os_error(exc.cause)}）：有 {lost} 行被拒收的行未能记录，"
                    f"导入已在此停止，其后的行未提交。请腾出空间或换到可写的目录后重新导入整个文件") from None
    except sqlite3.Error as exc:
        raise abort(f"写入数据库失败：{explain_database_error(exc)}") from None
    except FeedError as exc:
        if not committed_any:
            raise
        raise abort(str(exc)) from None
    except OSError as exc:
        raise abort(f"读取 {getattr(reader, 'path', '')} 出错（{explain_os_error(exc)}）") from None
    except KeyboardInterrupt:
        raise abort("已中断") from None
    finally:
        rejects.close()
    summary.rejected = rejects.count
    summary.rejects_file = rejects.path if rejects.count else None
    summary.ignored_columns = reader.ignored_columns


def import_tickets(store: "Store", path: str | os.PathLike[str], actor_login: str, *, batch_size: int = 5000,
                   progress: Progress | None = None, reader: FeedReader | None = None) -> ImportSummary:
    """Import a hotline feed file; returns the counts.

    Raises :class:`FeedError` before anything is imported when the file as a
    whole cannot be read (missing, a header without the required columns or
    with a column twice, a rejects file that cannot be written).  Row problems
    never stop the import; a failure part-way (disk full, rejects file full)
    raises :class:`ImportAborted` with what was committed.
    """
    reader = reader or open_feed(path)
    src = Path(path).expanduser()
    validator = RowValidator(store, store.calendar(), store.now(), load_districts(), store.exchange.aliases())
    summary = ImportSummary(kind=reader.kind)
    rejects = RejectsFile(rejects_path(src))
    note = f"从热线数据导入（{src.name} 第 {{line}} 行）"

    def accept(raw: RawRow) -> ImportedTicket | None:
        assert raw.data is not None
        try:
            return validator.validate(raw.data, raw.line)
        except RowError as exc:
            rejects.add(raw.line, str(exc), raw.raw)
            return None

    def commit(batch: list[ImportedTicket]) -> None:
        res = store.feed.import_batch(batch, actor_login, note)
        summary.imported += res.imported
        summary.duplicate += res.duplicate
        summary.provisional += res.provisional

    run_import(reader, rejects, summary, accept, commit, batch_size=batch_size, progress=progress)
    if summary.provisional:
        summary.notes.append(f"其中 {summary.provisional} 件的办理期限按暂定日历计算（该年官方节假日安排尚未载入，"
                             "见 xzconsole calendar status；载入后会自动重算）")
    return summary


__all__ = [
    "FIELD_LABELS",
    "FeedError",
    "ImportAborted",
    "ImportSummary",
    "RowError",
    "RejectsError",
    "RejectsFile",
    "RowValidator",
    "explain_database_error",
    "import_tickets",
    "open_feed",
    "rejects_path",
    "run_import",
]
