"""政策兑现台账: which enterprise received how much under which policy, when,
paid by which department, in which batch (issue 15, item 4).

Rows come in from the departments' payment lists (``xzconsole import --kind
grants``, XLSX/CSV through the shared reader, bad rows to a rejects file);
an enterprise met here first gets a directory record (source ``import``).
Amounts are kept in fen (分) as integers.  The figures by policy, department,
district and month feed the bulletin's data and the enterprise page's
"N 家企业获得资金 ¥X".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from ..models import Role, Staff
from .base import Core, require_role
from .directory import DirectoryArea
from .enterprise_page import require_reader

GROUPS = {"policy": "政策", "department": "兑现部门", "district": "区域", "month": "月份"}


@dataclass
class GrantLine:
    """One payment on an enterprise's page."""

    id: int
    policy_id: int
    policy_title: str
    amount_fen: int
    granted_on: str
    department: str
    batch: str


@dataclass
class GrantTotal:
    """A group's (or the whole ledger's) figures: distinct enterprises, payments, amount."""

    key: str
    enterprises: int
    grants: int
    amount_fen: int

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "enterprises": self.enterprises, "grants": self.grants,
                "amount": round(self.amount_fen / 100, 2)}


def yuan(fen: int) -> str:
    """¥ with thousands separators; 亿 / 万 for the large figures of a headline."""
    if fen >= 100_000_000 * 100:
        return f"¥{fen / 100 / 100_000_000:.2f} 亿"
    if fen >= 10_000 * 100 * 100:  # from 100 万
        return f"¥{fen / 100 / 10_000:,.1f} 万"
    return f"¥{fen / 100:,.2f}"


def headline(total: GrantTotal) -> str:
    """"N 家企业获得资金 ¥X" (the seed's way of saying it)."""
    return f"{total.enterprises:,} 家企业获得资金 {yuan(total.amount_fen)}"


class GrantsArea:
    """``store.grants``: the ledger of policy funds paid to enterprises."""

    def __init__(self, core: Core, directory: DirectoryArea) -> None:
        self.core = core
        self.directory = directory

    @staticmethod
    def require_importer(actor: Staff) -> None:
        require_role(actor, (Role.SUPERVISOR, Role.ADMIN), "导入政策兑现台账")

    def import_batch(self, actor: Staff, rows: Sequence[dict[str, Any]], source: str) -> tuple[int, int]:
        """Insert validated rows (``enterprise``, ``uscc``, ``district``,
        ``policy_id``, ``amount_fen``, ``granted_on``, ``department_id``,
        ``batch``, ``line``) in one transaction: (imported, duplicates).  The
        same enterprise, policy and batch twice is a duplicate."""
        self.require_importer(actor)
        now = self.core.now_s()
        imported = dup = 0
        with self.core.write() as c:
            for r in rows:
                eid = self.directory.ensure(c, r["enterprise"], r.get("uscc"), r.get("district", ""), source="import", now=now)
                cur = c.execute(
                    "INSERT INTO policy_grants(enterprise_id, policy_id, amount_fen, granted_on, department_id, batch, "
                    "source, line, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(enterprise_id, policy_id, batch) DO NOTHING",
                    (eid, r["policy_id"], r["amount_fen"], r["granted_on"], r.get("department_id"), r.get("batch", ""),
                     source, r.get("line"), now, actor.login))
                if cur.rowcount:
                    imported += 1
                else:
                    dup += 1
        return imported, dup

    def policy_ref(self, text: str) -> int:
        """A policy by its document number or exact title; ValueError (Chinese) otherwise."""
        t = (text or "").strip()
        if not t:
            raise ValueError("缺少政策（文号或标题）")
        rows = self.core.conn.execute("SELECT id FROM policies WHERE doc_number = ? OR title = ? LIMIT 2", (t, t)).fetchall()
        if not rows:
            raise ValueError(f"政策库中找不到文号或标题为“{t}”的政策，请先录入该政策")
        if len(rows) > 1:
            raise ValueError(f"“{t}”对应多件政策，请改用完整标题")
        return int(rows[0][0])

    # -- reading ---------------------------------------------------------------------------
    def for_record(self, actor: Staff, enterprise_id: int) -> list[GrantLine]:
        """An enterprise page's payments: the record and those merged into it
        (who may read the directory may read these)."""
        require_reader(actor)
        page = self.directory.page
        return self.for_enterprise(page.family(int(page.surviving(enterprise_id)["id"])))

    def for_enterprise(self, enterprise_ids: Sequence[int]) -> list[GrantLine]:
        """The payments to an enterprise (and the records merged into it), newest first."""
        ids = [int(x) for x in enterprise_ids]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.core.conn.execute(
            f"SELECT g.*, p.title, coalesce(d.short_name, '') AS dept FROM policy_grants g JOIN policies p ON p.id = g.policy_id "
            f"LEFT JOIN departments d ON d.id = g.department_id WHERE g.enterprise_id IN ({marks}) "
            f"ORDER BY g.granted_on DESC, g.id DESC", ids).fetchall()
        return [GrantLine(r["id"], r["policy_id"], r["title"], r["amount_fen"], r["granted_on"], r["dept"], r["batch"])
                for r in rows]

    def _period(self, start: dt.date | None, end: dt.date | None) -> tuple[str, list[Any]]:
        where, params = [], []
        if start is not None:
            where.append("g.granted_on >= ?")
            params.append(start.isoformat())
        if end is not None:
            where.append("g.granted_on <= ?")
            params.append(end.isoformat())
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def total(self, start: dt.date | None = None, end: dt.date | None = None) -> GrantTotal:
        """The whole ledger (or a period): distinct enterprises, payments, amount."""
        where, params = self._period(start, end)
        r = self.core.conn.execute(
            f"SELECT count(DISTINCT coalesce(e.merged_into, e.id)), count(*), coalesce(sum(g.amount_fen), 0) "
            f"FROM policy_grants g JOIN enterprises e ON e.id = g.enterprise_id{where}", params).fetchone()
        return GrantTotal("全部", int(r[0]), int(r[1]), int(r[2]))

    def figures(self, by: str, start: dt.date | None = None, end: dt.date | None = None) -> list[GrantTotal]:
        """The figures grouped by ``policy``, ``department``, ``district`` or ``month``, largest amount first
        (months in order)."""
        keys = {
            "policy": "p.title",
            "department": "coalesce(d.short_name, '（未填兑现部门）')",
            "district": "CASE WHEN e.district = '' THEN '（区域未填）' ELSE e.district END",
            "month": "substr(g.granted_on, 1, 7)",
        }
        if by not in keys:
            raise ValueError(f"无法按“{by}”统计，可选：{'、'.join(GROUPS)}")
        where, params = self._period(start, end)
        order = "key" if by == "month" else "3 DESC, key"
        rows = self.core.conn.execute(
            f"SELECT {keys[by]} AS key, count(DISTINCT coalesce(e.merged_into, e.id)), coalesce(sum(g.amount_fen), 0), count(*) "
            f"FROM policy_grants g JOIN enterprises e ON e.id = g.enterprise_id JOIN policies p ON p.id = g.policy_id "
            f"LEFT JOIN departments d ON d.id = g.department_id{where} GROUP BY key ORDER BY {order}", params).fetchall()
        return [GrantTotal(str(r[0]), int(r[1]), int(r[3]), int(r[2])) for r in rows]

    def report(self, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, Any]:
        """Every figure at once, for the bulletin's data (JSON-ready)."""
        out: dict[str, Any] = {"total": self.total(start, end).as_json()}
        for by in GROUPS:
            out[f"by_{by}"] = [g.as_json() for g in self.figures(by, start, end)]
        return out
