"""The XLSX reader of the hotline feed (SPEC §11): read-only, with the zip
checked before parsing, so a small file that would unpack to gigabytes is
refused before anything is read.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator

from ..errors import RowError
from .feed_format import TICKET_HEADERS, FeedError, FeedReader, Headers, RawRow, _nul_error, _value


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
