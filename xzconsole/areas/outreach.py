"""Outreach (宣传推广, “十百千万”): the yearly plan, the activity log and progress by month."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import replace
from typing import Any, Iterable

from .. import errors
from .. import outreach as out
from ..clock import format_datetime, local_date
from ..errors import InvalidAction, NotFound, PermissionDenied
from ..models import Enterprise, PageKey, Role, Staff, clean_text
from .base import DATA_DIR, Core, inserted_id, require_role
from .directory import DirectoryArea
from .records import TicketRecords

LOG_ROLES = (Role.CLERK, Role.SUPERVISOR)


PLAN_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not out.FIRST_YEAR <= year <= out.LAST_YEAR:
        raise InvalidAction(f"年份应为 {out.FIRST_YEAR}–{out.LAST_YEAR} 的整数，而不是 {year!r}")


def _period(year: int, month: int | None) -> tuple[str, str]:
    """[first day, day after the last) of a year or one of its months, as ISO dates."""
    if month is None:
        return f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
    if not 1 <= month <= 12:
        raise InvalidAction(f"月份应为 1–12，而不是 {month}")
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, 1).isoformat(), end.isoformat()


class OutreachArea:
    """``store.outreach``: the 十百千万 plan, the activity log and progress."""

    def __init__(self, core: Core, records: TicketRecords, directory: DirectoryArea) -> None:
        self.core = core
        self.records = records
        self.directory = directory
        self._outreach_kinds: list[out.OutreachKind] | None = None

    # -- the plan ----------------------------------------------------------------------
    def kinds(self) -> list[out.OutreachKind]:
        """The kinds of activity with their default targets (``data/outreach.toml``,
        read once per connection; :class:`~xzconsole.outreach.OutreachDataError` when broken)."""
        if self._outreach_kinds is None:
            self._outreach_kinds = out.load_kinds(DATA_DIR / "outreach.toml")
        return list(self._outreach_kinds)

    def kind(self, ref: str) -> out.OutreachKind:
        """A kind by code or Chinese label; a clear refusal otherwise."""
        text = str(ref or "").strip()
        for k in self.kinds():
            if text in (k.code, k.label):
                return k
        choices = "、".join(f"{k.label}（{k.code}）" for k in self.kinds())
        raise InvalidAction(f"无法识别的活动类别“{text}”（可选：{choices}）")

    def plan(self, year: int) -> list[out.OutreachKind]:
        """The kinds with the year's targets: those a supervisor set for the year,
        else the defaults of the data file."""
        _check_year(year)
        stored = {r["kind"]: r["target"] for r in self.core.conn.execute(
            "SELECT kind, target FROM outreach_plans WHERE year = ?", (year,))}
        return [replace(k, target=stored.get(k.code, k.target)) for k in self.kinds()]

    def set_target(self, actor: Staff, year: int, kind: str, target: int | str) -> out.OutreachKind:
        """Set one kind's target for one year (a supervisor or an admin)."""
        require_role(actor, PLAN_ROLES, "调整宣传推广年度目标")
        _check_year(year)
        k = self.kind(kind)
        try:
            value = out.check_count(target, f"{k.label}的年度目标")
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        with self.core.write() as c:
            c.execute(
                "INSERT INTO outreach_plans(year, kind, target, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(year, kind) DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (year, k.code, value, format_datetime(self.core.now()), actor.login),
            )
        return replace(k, target=value)

    # -- the log -----------------------------------------------------------------------
    def log_activity(self, actor: Staff, held_on: dt.date | str, kind: str, place: str, *,
                     departments: Iterable[int | str] | str = (), staff: str = "",
                     enterprises: Iterable[int | str] | str = (), enterprises_reached: int | str | None = None,
                     cards_sent: int | str = 0, note: str = "") -> out.Activity:
        """Record an activity held (a clerk or a supervisor), for the actor's center.

        ``departments`` by id, code, full or short name; ``enterprises`` by
        directory id, name, USCC or “名称 信用代码” — each is linked to the
        directory (created there when new).  A text instead of a list is split
        at commas, 、 and semicolons.  ``enterprises_reached`` defaults to the
        number of enterprises linked and may not be smaller.  Refused, in
        Chinese: a date in the future, no place, an unknown department or
        kind, a count that is not a whole number, a kind counted by
        enterprises with none reached, a card mailing with no cards.
        """
        require_role(actor, LOG_ROLES, "登记宣传推广活动")
        now = self.core.now()
        k = self.kind(kind)
        try:
            day = out.check_held_on(held_on, local_date(now))
            where = out.clean_place(place)
            cards = out.check_count(cards_sent, "联系卡张数")
            reached_given = (None if enterprises_reached is None or str(enterprises_reached).strip() == ""
                             else out.check_count(enterprises_reached, "走访企业数"))
            who = clean_text(staff, "参加人员", max_len=200)
            remark = clean_text(note, "备注", max_len=2000)
            refs = out.split_names(enterprises) if isinstance(enterprises, str) else list(enterprises)
        except ValueError as exc:
            raise errors.InvalidAction(str(exc)) from None
        names = out.split_names(departments) if isinstance(departments, str) else list(departments)
        dept_ids = list(dict.fromkeys(self.core.department(d).id for d in names))
        now_s = format_datetime(now)
        with self.core.write() as c:
            linked = list(dict.fromkeys(self._outreach_enterprise(c, ref, now_s) for ref in refs))
            reached = len(linked) if reached_given is None else reached_given
            if reached < len(linked):
                raise errors.InvalidAction(f"走访企业数（{reached}）不能少于列出的企业数（{len(linked)} 家）")
            if k.measure == "enterprises" and reached == 0:
                raise errors.InvalidAction(f"“{k.label}”须列出走访的企业，或填写走访企业数")
            if k.measure == "cards" and cards == 0:
                raise errors.InvalidAction(f"“{k.label}”须填写寄出的联系卡张数")
            cur = c.execute(
                "INSERT INTO outreach_activities(held_on, kind, place, center, departments, staff, enterprises_reached, "
                "cards_sent, note, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (day.isoformat(), k.code, where, actor.center, json.dumps(dept_ids), who, reached, cards, remark,
                 now_s, actor.login),
            )
            aid = inserted_id(cur)
            c.executemany("INSERT INTO outreach_enterprises(activity_id, enterprise_id) VALUES (?, ?)",
                          [(aid, e) for e in linked])
        return self.activity(aid)

    def _outreach_enterprise(self, c: sqlite3.Connection, ref: int | str, now: str) -> int:
        """The directory id of an enterprise met at an activity: by id or USCC
        (a merged record leads to the one it was merged into), else by name
        through the directory's own matching (``ensure_enterprise``), a new one
        added with first source 'visit'."""
        if isinstance(ref, int) or str(ref).strip().isdigit():
            row = c.execute("SELECT id, merged_into FROM enterprises WHERE id = ?", (int(ref),)).fetchone()
            if row is None:
                raise errors.NotFound(f"企业名录中没有编号为 {ref} 的企业")
            return int(row["merged_into"] or row["id"])
        try:
            name, uscc = out.parse_enterprise_ref(str(ref))
        except ValueError as exc:
            raise errors.InvalidAction(str(exc)) from None
        if name is None:
            row = c.execute("SELECT id, merged_into FROM enterprises WHERE uscc = ?", (uscc,)).fetchone()
            if row is None:
                raise errors.InvalidAction(f"信用代码 {uscc} 不在企业名录中：请写成“企业名称 {uscc}”")
            return int(row["merged_into"] or row["id"])
        return self.directory.ensure(c, name, uscc, source="visit", now=now)

    def void_activity(self, actor: Staff, activity_id: int, reason: str) -> out.Activity:
        """作废: mark a mistaken activity void, with a reason (it stays in the log,
        out of the progress).  A clerk voids what they recorded; a supervisor any."""
        require_role(actor, LOG_ROLES, "作废宣传推广活动")
        why = clean_text(reason, "作废理由", max_len=500)
        if not why:
            raise errors.InvalidAction("作废必须填写理由")
        with self.core.write() as c:
            row = c.execute("SELECT recorded_by, voided_at, voided_by FROM outreach_activities WHERE id = ?",
                            (activity_id,)).fetchone()
            if row is None:
                raise errors.NotFound(f"找不到推广活动 #{activity_id}")
            if row["voided_at"]:
                raise errors.InvalidAction(f"推广活动 #{activity_id} 已于 {row['voided_at'][:16].replace('T', ' ')} "
                                           f"由 {row['voided_by']} 作废")
            if actor.role is Role.CLERK and row["recorded_by"] != actor.login:
                raise errors.PermissionDenied(f"推广活动 #{activity_id} 由 {row['recorded_by']} 登记：受理员只能作废自己登记的活动，"
                                              "请值班长作废")
            c.execute("UPDATE outreach_activities SET voided_at = ?, voided_by = ?, void_reason = ? WHERE id = ?",
                      (format_datetime(self.core.now()), actor.login, why, activity_id))
        return self.activity(activity_id)

    def activities(self, year: int | None = None, month: int | None = None, kind: str | None = None,
                   after: PageKey | None = None, limit: int = 50, *, center: str | None = None) -> list[out.Activity]:
        """A page of the log, newest first (keyset: pass the last row's
        ``PageKey(value=held_on, id=id)`` as ``after``); voided ones included."""
        where: list[str] = ["1"]
        params: list[Any] = []
        if month is not None and year is None:
            raise InvalidAction("按月份筛选时须同时指定年份")
        if year is not None:
            _check_year(year)
            first, last = _period(year, month)
            where.append("held_on >= ? AND held_on < ?")
            params += [first, last]
        if kind:
            where.append("kind = ?")
            params.append(self.kind(kind).code)
        if center:
            where.append("center = ?")
            params.append(center)
        if after is not None:
            where.append("(held_on, id) < (?, ?)")
            params += [str(after.value), after.id]
        rows = self.core.conn.execute(
            f"SELECT * FROM outreach_activities WHERE {' AND '.join(where)} ORDER BY held_on DESC, id DESC LIMIT ?",
            (*params, limit)).fetchall()
        return [self._row_activity(r) for r in rows]

    def activity(self, activity_id: int, viewer: Staff | None = None) -> out.Activity:
        """One activity with the enterprises met at it and the tickets taken
        there (as ``viewer`` may see them: a liaison only their department's)."""
        row = self.core.conn.execute("SELECT * FROM outreach_activities WHERE id = ?", (activity_id,)).fetchone()
        if row is None:
            raise NotFound(f"找不到推广活动 #{activity_id}")
        a = self._row_activity(row)
        ents = self.core.conn.execute(
            "SELECT e.* FROM outreach_enterprises oe JOIN enterprises e ON e.id = oe.enterprise_id "
            "WHERE oe.activity_id = ? ORDER BY e.name, e.id", (activity_id,)).fetchall()
        a.enterprises = [Enterprise.model_validate(dict(e)) for e in ents]
        for t in self.core.conn.execute("SELECT * FROM tickets WHERE visit_id = ? ORDER BY id", (activity_id,)).fetchall():
            if viewer is not None:
                try:
                    self.records.check_visible(viewer, t)
                except PermissionDenied:
                    continue
            a.tickets.append(self.records.decorate(t, viewer))
        return a

    def _row_activity(self, row: sqlite3.Row) -> out.Activity:
        labels = {k.code: k.label for k in self.kinds()}
        depts = [self.core.department_name(d) or f"#{d}" for d in json.loads(row["departments"] or "[]")]
        return out.Activity(
            id=row["id"], held_on=dt.date.fromisoformat(row["held_on"]), kind=row["kind"],
            kind_label=labels.get(row["kind"], row["kind"]), place=row["place"], center=row["center"],
            departments=depts, staff=row["staff"], enterprises_reached=row["enterprises_reached"],
            cards_sent=row["cards_sent"], note=row["note"], recorded_at=row["recorded_at"],
            recorded_by=row["recorded_by"], voided_at=row["voided_at"], voided_by=row["voided_by"],
            void_reason=row["void_reason"],
        )

    # -- progress ----------------------------------------------------------------------
    def progress(self, year: int, center: str | None = None) -> list[out.KindProgress]:
        """Each kind's figures per month of ``year`` against the year's target,
        with the pace expected by today (the store's clock); voided activities
        left out.  One grouped query; see :mod:`xzconsole.outreach` for the measures.

        An enterprise linked to a visit after it was logged (an appeal taken
        there from one not listed) counts as reached: a visit counts the
        larger of its recorded figure and its linked enterprises.
        """
        _check_year(year)
        first, last = _period(year, None)
        rows = self.core.conn.execute(
            """
            SELECT kind, CAST(substr(held_on, 6, 2) AS INTEGER) AS month, count(*) AS activities,
                   sum(first_at_place) AS places, sum(reached) AS enterprises, sum(cards_sent) AS cards
            FROM (SELECT a.kind, a.held_on, a.cards_sent,
                         max(a.enterprises_reached,
                             (SELECT count(*) FROM outreach_enterprises oe WHERE oe.activity_id = a.id)) AS reached,
                         row_number() OVER (PARTITION BY a.kind, a.place ORDER BY a.held_on, a.id) = 1 AS first_at_place
                  FROM outreach_activities a
                  WHERE a.held_on >= ? AND a.held_on < ? AND a.voided_at IS NULL AND (? IS NULL OR a.center = ?))
            GROUP BY kind, month
            """, (first, last, center, center)).fetchall()
        return out.build_progress(self.plan(year), [dict(r) for r in rows], year,
                                  local_date(self.core.now()))
