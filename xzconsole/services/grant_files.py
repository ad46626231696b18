"""``xzconsole import --kind grants``: the departments' payment lists into the
政策兑现台账 (issue 15, item 4), through the same readers as every import
(JSON Lines, CSV in UTF-8 or GBK, XLSX) and the same rejects file.

Columns (Chinese headers, or the English keys): 企业名称, 统一社会信用代码,
所属区域, 政策 (document number or exact title of a policy in the library),
金额（元）, 兑现日期, 兑现部门, 批次.  A row is rejected, with its reason,
for a missing enterprise name, a bad credit code, an unknown district, a
policy not in the library, an amount that is not a positive number of yuan
(at most two decimals), a bad or future date, an unknown department.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..areas.grants import headline
from ..errors import NotFound
from ..models import validate_uscc
from ..policies import parse_date
from ..store import Store
from .feed_format import Headers, Progress
from .feed_readers import open_feed
from .importers import ImportSummary
from .rejects import RejectsFile, rejects_path

GRANT_FIELDS = {"enterprise": "企业名称", "uscc": "统一社会信用代码", "district": "所属区域", "policy": "政策",
                "amount": "金额（元）", "granted_on": "兑现日期", "department": "兑现部门", "batch": "批次"}
GRANT_ALIASES = {"企业": "enterprise", "单位名称": "enterprise", "信用代码": "uscc", "区域": "district", "所属县区": "district",
                 "政策文号": "policy", "政策名称": "policy", "政策标题": "policy", "文号": "policy", "金额": "amount",
                 "金额(元)": "amount", "兑现金额": "amount", "兑现金额（元）": "amount", "拨付金额": "amount",
                 "日期": "granted_on", "拨付日期": "granted_on", "部门": "department", "拨付部门": "department",
                 "批次号": "batch"}
GRANT_HEADERS = Headers(GRANT_FIELDS, GRANT_ALIASES, ("enterprise", "policy", "amount", "granted_on"))

MAX_FEN = 10_000_000_000 * 100  # ¥100 亿: more than any single payment, less than a typo's extra zeros


def amount_fen(value: Any) -> int:
    """Yuan (a number, or text with ¥ , 元) as whole fen; ValueError (Chinese) otherwise."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    text = text.replace(",", "").replace("¥", "").replace("￥", "").removesuffix("元").strip()
    if not text:
        raise ValueError("缺少金额")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"金额“{value}”不是数字（单位：元）") from None
    if not d.is_finite():
        raise ValueError(f"金额“{value}”不是数字（单位：元）")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"金额“{value}”最多两位小数")
    fen = int(d * 100)
    if fen <= 0:
        raise ValueError(f"金额“{value}”应大于 0")
    if fen > MAX_FEN:
        raise ValueError(f"金额“{value}”超出合理范围，请核对单位是否为元")
    return fen


def validate_grant(store: Store, data: dict[str, Any], today: dt.date,
                   policies: dict[str, int] | None = None) -> dict[str, Any]:
    """One row as the ledger's fields; ValueError (Chinese) naming the field.
    ``policies`` caches policy look-ups across the rows of one file (a payment
    list names a handful of policies thousands of times)."""
    name = unicodedata.normalize("NFKC", str(data.get("enterprise") or "")).strip()
    if not name:
        raise ValueError("缺少企业名称")
    if len(name) > 100:
        raise ValueError("企业名称过长（不超过 100 字）")
    uscc_text = str(data.get("uscc") or "").strip()
    uscc = validate_uscc(uscc_text) if uscc_text else None
    district = store.directory.normalise_district(str(data.get("district") or ""))
    ref = str(data.get("policy") or "").strip()
    policy_id = policies.get(ref) if policies is not None else None
    if policy_id is None:
        policy_id = store.grants.policy_ref(ref)
        if policies is not None:
            policies[ref] = policy_id
    fen = amount_fen(data.get("amount"))
    day = parse_date(data.get("granted_on"), "兑现日期")
    if day is None:
        raise ValueError("缺少兑现日期")
    if day > today:
        raise ValueError(f"兑现日期 {day} 晚于今天")
    dept_text = str(data.get("department") or "").strip()
    department_id = None
    if dept_text:
        try:
            department_id = store.department(dept_text).id
        except NotFound:
            raise ValueError(f"兑现部门“{dept_text}”不在承办单位名录中") from None
    batch = unicodedata.normalize("NFKC", str(data.get("batch") or "")).strip()[:60]
    return {"enterprise": name, "uscc": uscc, "district": district, "policy_id": policy_id, "amount_fen": fen,
            "granted_on": day.isoformat(), "department_id": department_id, "batch": batch}


def import_grants(store: Store, path: str | os.PathLike[str], actor_login: str, *, batch_size: int = 500,
                  progress: Progress | None = None, **_: Any) -> ImportSummary:
    """Import a payment list; bad rows go to ``<file>.rejects.jsonl``; a row
    already in the ledger (same enterprise, policy and batch) is a duplicate."""
    actor = store.staff.get(actor_login)
    store.grants.require_importer(actor)
    src = Path(path).expanduser()
    summary = ImportSummary(kind="政策兑现台账")
    rows = open_feed(src, GRANT_HEADERS)
    rejects = RejectsFile(rejects_path(src))
    today = store.clock.today()
    batch: list[dict[str, Any]] = []
    policies: dict[str, int] = {}

    def send() -> None:
        imported, dup = store.grants.import_batch(actor, batch, src.name)
        summary.imported += imported
        summary.duplicate += dup
        batch.clear()

    try:
        for raw in rows:
            if raw.error is not None or raw.data is None:
                rejects.add(raw.line, raw.error or "无法读取该行", raw.raw)
                continue
            try:
                row = validate_grant(store, raw.data, today, policies)
            except ValueError as exc:
                rejects.add(raw.line, str(exc), raw.raw)
                continue
            row["line"] = raw.line
            batch.append(row)
            if len(batch) >= batch_size:
                send()
                if progress is not None:
                    progress(rows.done, rows.total)
        if batch:
            send()
    finally:
        rejects.close()
    summary.rejected = rejects.count
    summary.rejects_file = rejects.path if rejects.count else None
    summary.ignored_columns = rows.ignored_columns
    if summary.imported:
        summary.notes.append("政策兑现台账：" + headline(store.grants.total()))
    return summary
