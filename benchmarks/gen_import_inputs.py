"""Large and hostile files for the import (issue 12): generated, never stored.

    python3 benchmarks/gen_import_inputs.py csv  OUT.csv  [--mb 300]
    python3 benchmarks/gen_import_inputs.py bomb OUT.xlsx [--shared-mb 2000]

* ``csv``: a UTF-8 CSV feed with the Chinese headers of SPEC §11, about
  ``--mb`` megabytes of valid rows (unique 工单编号), a few broken ones
  sprinkled in (a stray byte, an unterminated quote, a ragged row) — written
  in a stream, in constant memory.
* ``bomb``: a valid, small XLSX whose shared strings table unpacks to
  ``--shared-mb`` megabytes (a "zip bomb" for openpyxl, which holds that
  table whole): one header row and one data row reference it.

:func:`hostile_xlsx` is also used by tests/test_import_hostile.py.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

HEADERS = ["工单编号", "来电时间", "诉求类型", "企业名称", "联系电话", "所属区域", "诉求标题", "诉求内容"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>')


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def hostile_xlsx(path: Path, shared_bytes: int, *, string_len: int = 1000,
                 rows: list[list[str]] | None = None) -> Path:
    """A valid XLSX whose first ``len(cells)`` shared strings are the cells of
    ``rows`` (by default a header and one good feed row) and which then holds
    padding strings of ``string_len`` characters until the table is about
    ``shared_bytes`` long, streamed into the zip (constant memory)."""
    rows = rows or [HEADERS, ["X-1", "2026-11-20 09:15", "投诉", "徐州某公司", "13805161234", "鼓楼区", "标题", "内容"]]
    cells = [c for r in rows for c in r]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        sheet = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
        k = 0
        for r, row in enumerate(rows, 1):
            sheet.append(f'<row r="{r}">')
            for c, _ in enumerate(row):
                sheet.append(f'<c r="{_col(c)}{r}" t="s"><v>{k}</v></c>')
                k += 1
            sheet.append("</row>")
        sheet.append("</sheetData></worksheet>")
        z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for text in cells:
                fh.write(f"<si><t>{text}</t></si>".encode())
            pad = b"<si><t>" + b"A" * string_len + b"</t></si>"
            block = pad * max(1, (1 << 20) // len(pad))
            written = 0
            while written < shared_bytes:
                fh.write(block)
                written += len(block)
            fh.write(b"</sst>")
    return path


def big_csv(path: Path, megabytes: int) -> tuple[int, int]:
    """A UTF-8 CSV feed of about ``megabytes`` MB; returns (rows written, of them broken)."""
    target = megabytes << 20
    n = broken = 0
    with open(path, "wb") as fh:
        fh.write((",".join(HEADERS) + "\n").encode())
        size = 0
        while size < target:
            n += 1
            line = (f"BIG-{n:09d},2026-11-{1 + n % 25:02d} 09:{n % 60:02d},咨询求助,徐州恒通机械{n % 5000}有限公司,"
                    f"13805161234,鼓楼区,稳岗返还咨询,企业询问稳岗返还何时到账，申请材料是否齐全（第 {n} 件）\n").encode()
            if n % 100_000 == 1:
                broken += 3
                fh.write(line.replace("询问".encode(), b"\xff\xfe", 1))  # one stray byte
                fh.write(line.replace(b"BIG-", b"QUO-").replace("徐州".encode(), b'"\xe5\xbe\x90', 1))  # quote never closes
                fh.write(line.replace(b"BIG-", b"RAG-").replace(b",", b",,", 1))  # one cell too many
                n += 2
            else:
                fh.write(line)
            size += len(line)
    return n, broken


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=("csv", "bomb"))
    p.add_argument("out", type=Path)
    p.add_argument("--mb", type=int, default=300, help="size of the CSV (MB)")
    p.add_argument("--shared-mb", type=int, default=2000, help="unpacked size of the shared strings (MB)")
    p.add_argument("--string-len", type=int, default=1000, help="characters per padding string (bomb)")
    a = p.parse_args()
    if a.what == "csv":
        rows, broken = big_csv(a.out, a.mb)
        print(f"{a.out}: {a.out.stat().st_size / (1 << 20):.0f} MB, {rows} rows, {broken} broken")
    else:
        hostile_xlsx(a.out, a.shared_mb << 20, string_len=a.string_len)
        print(f"{a.out}: {a.out.stat().st_size / (1 << 20):.1f} MB, shared strings unpack to ~{a.shared_mb} MB")


if __name__ == "__main__":
    main()
