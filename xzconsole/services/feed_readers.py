"""The readers of the hotline feed (SPEC §11): JSON Lines and CSV (UTF-8
with or without BOM, else GBK/GB18030, as Excel on a Chinese Windows saves it:
decided per file, decoded per line, see :func:`detect_encoding`), and
:func:`open_feed`, which picks the reader for a file (XLSX is
:mod:`xzconsole.services.feed_xlsx`).  Every reader works in constant memory,
whatever the file.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Protocol

from .feed_format import TICKET_HEADERS, FeedError, FeedReader, Headers, RawRow, _nul_error
from .feed_xlsx import XlsxReader


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


def _mostly_chinese(text: str) -> bool:
    """Whether at least half of ``text``'s non-ASCII characters are CJK
    ideographs or CJK / full-width punctuation, as real Chinese text is."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    cjk = sum(1 for ch in wide if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f"
              or "\uff00" <= ch <= "\uffef" or "\u3400" <= ch <= "\u4dbf" or ch in "“”‘’…—·")
    return 2 * cjk >= len(wide)


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``gb18030`` for a text file, from its bytes, in constant memory.

    A file that is valid UTF-8 throughout is UTF-8.  Otherwise it is GB18030
    (GBK, as Excel on a Chinese Windows saves CSV) only when *no* line with
    non-ASCII bytes is valid UTF-8 *Chinese* text: one bad byte, or one line
    pasted from a GBK file, never switches a UTF-8 file to GB18030 (that garbled
    every name); those lines are rejected one by one instead.  A short GBK line
    that happens to be valid UTF-8 (``,铜`` reads as a combining mark) is no
    evidence for UTF-8.
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
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _mostly_chinese(text):
                return "utf-8"
            # else GB18030 bytes that happen to be valid UTF-8 (铜 is CD AD, read
            # as U+036D): not evidence either way


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
