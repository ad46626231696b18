"""Trade associations: members, subscriptions, contacts, and their pushes and comment rounds.

The 16 associations come from data/associations.toml.  Once staff edit one
in the console (subscriptions or contact), ``edited_at`` is set and
``load_reference_data`` no longer overwrites those fields; each edit checks
the ``version`` the editor read and bumps it.  Every change — contact,
subscriptions, a member joining or leaving — is a row of the append-only
``association_events``, with the values before and after.  Pushes and comment
rounds are the policy library's own rows (:mod:`xzconsole.areas.library`), read here per
association.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any, Sequence

from ..errors import InvalidAction, NotFound
from ..models import (
    AssociationMember,
    AssociationSummary,
    Role,
    Staff,
    clean_text,
    validate_phone,
)
from .base import Core, inserted_id, require_role, staff_name
from .library import LibraryArea

#: who may change an association's members, subscriptions and contact (a liaison may not)
EDITOR_ROLES = (Role.CLERK, Role.SUPERVISOR)


EVENT_LABELS = {"member_add": "新增会员", "member_remove": "移除会员", "subscriptions": "修改订阅", "contact": "修改联系人",
                "service_staff": "指派服务专员"}
#: what a service log line records (服务专班 / 专员包挂)
SERVICE_KINDS = {"visit": "上门走访", "call": "电话联系", "meeting": "座谈会", "briefing": "政策宣讲", "help": "协调解决诉求",
                 "other": "其他"}


ROUND_STATES = {"answered": "已反馈", "waiting": "待反馈", "overdue": "逾期未反馈"}


def _same(column: str, stored: Any, new: Any) -> bool:
    """Whether a save changes nothing: subscriptions are a set (their order is the data file's)."""
    if column == "categories":
        return set(json.loads(stored)) == set(json.loads(new))
    return bool(stored == new)


class AssociationsArea:
    """``store.associations``: the 16 trade associations, their members, subscriptions, contact and history."""

    def __init__(self, core: Core, library: LibraryArea) -> None:
        self.core = core
        self.library = library

    # -- reading ----------------------------------------------------------------------
    def _row(self, ref: int | str) -> sqlite3.Row:
        text = str(ref).strip()
        row: sqlite3.Row | None
        if isinstance(ref, int) or text.isdigit():
            row = self.core.conn.execute("SELECT id FROM associations WHERE id = ?", (int(text),)).fetchone()
        else:
            row = self.core.conn.execute("SELECT id FROM associations WHERE code = ? OR name = ?", (text, text)).fetchone()
        if row is None:
            raise NotFound(f"找不到协会“{text}”（可用编号、代码或全称）")
        return row

    def _summaries(self, where: str = "", params: Sequence[Any] = ()) -> list[AssociationSummary]:
        rows = self.core.conn.execute(
            "SELECT a.*, (SELECT count(*) FROM association_members m JOIN enterprises e ON e.id = m.enterprise_id "
            "WHERE m.association_id = a.id AND e.merged_into IS NULL) AS member_count, "
            "(SELECT x.at FROM policy_pushes x WHERE x.association_id = a.id ORDER BY x.id DESC LIMIT 1) AS last_push_at "
            f"FROM associations a {where} ORDER BY a.id", params)
        return [AssociationSummary.model_validate({**dict(r), "categories": json.loads(r["categories"])}) for r in rows]

    def get(self, ref: int | str) -> AssociationSummary:
        """One association by id, code or full name, with its member count and last push."""
        return self._summaries("WHERE a.id = ?", (self._row(ref)["id"],))[0]

    def summaries(self) -> list[AssociationSummary]:
        """Every association (data/associations.toml order) with its member count
        and last push: the associations screen's list (16 rows, two indexed look-ups each)."""
        return self._summaries()

    def members(self, association_id: int, *, after: tuple[str, int] | None = None,
                            limit: int = 50) -> list[AssociationMember]:
        """One page of the association's member enterprises, by name.

        A record merged into another is left out: its membership either moved
        to the kept record or duplicates one the kept record has.

        Keyset paging: ``after`` is the last row's :attr:`AssociationMember.key`
        (name, enterprise id).  A page reads the association's members through
        the table's key and sorts those after ``after`` by name: under 1 ms
        for an association of 5,000 members, 9 ms for one of 50,000 (a
        directory of 200,000 enterprises) — the 16 key associations have
        hundreds, so sorting by name beats keeping a copy of it indexed here."""
        aid = self._row(association_id)["id"]
        cond, params = "", [aid]
        if after is not None:
            cond = "AND (e.name, e.id) > (?, ?)"
            params += [after[0], int(after[1])]
        rows = self.core.conn.execute(
            "SELECT e.id AS enterprise_id, e.name, e.uscc, e.district, m.joined_at, m.added_by "
            "FROM association_members m JOIN enterprises e ON e.id = m.enterprise_id "
            f"WHERE m.association_id = ? AND e.merged_into IS NULL {cond} ORDER BY e.name, e.id LIMIT ?",
            [*params, int(limit)])
        return [AssociationMember.model_validate(dict(r)) for r in rows]

    def pushes(self, association_id: int, limit: int = 50, after: int | None = None) -> list[dict[str, Any]]:
        """Policies pushed to the association, newest first: title, document
        number, when and by whom (``after``: a push id, for the next page)."""
        aid = self._row(association_id)["id"]
        return self.library.push_history(association_id=aid, limit=limit, after=after)

    def rounds(self, association_id: int) -> list[dict[str, Any]]:
        """The comment rounds (定制点餐) the association was asked in, newest first.

        Each with the draft's title and document number, the deadline,
        ``answered`` (it sent at least one comment), ``state`` / ``state_label``
        (answered / waiting / overdue as of today) and its own ``comments``,
        each with where it was forwarded and the decision (adopted / rejected)."""
        aid = self._row(association_id)["id"]
        today = self.core.clock.today().isoformat()
        rounds = [dict(r) for r in self.core.conn.execute(
            "SELECT r.*, p.title AS policy_title, p.doc_number, p.issuer FROM comment_round_associations x "
            "JOIN comment_rounds r ON r.id = x.round_id JOIN policies p ON p.id = r.policy_id "
            "WHERE x.association_id = ? ORDER BY r.id DESC", (aid,))]
        comments: dict[int, list[dict[str, Any]]] = {}
        for c in self.core.conn.execute(
                "SELECT c.* FROM comment_round_associations x JOIN policy_comments c "
                "ON c.round_id = x.round_id AND c.association_id = x.association_id "
                "WHERE x.association_id = ? ORDER BY c.id", (aid,)):
            comments.setdefault(c["round_id"], []).append(dict(c))
        for r in rounds:
            r["comments"] = comments.get(r["id"], [])
            r["answered"] = bool(r["comments"])
            r["state"] = "answered" if r["answered"] else "overdue" if today > r["deadline"] else "waiting"
            r["state_label"] = ROUND_STATES[r["state"]]
        return rounds

    def history(self, association_id: int, limit: int = 200) -> list[dict[str, Any]]:
        """The association's own record (contact, subscriptions, members), newest first,
        with ``actor_name`` (who, by name; the login when no longer staff)."""
        aid = self._row(association_id)["id"]
        return [{**dict(r), "changes": json.loads(r["changes"]), "label": EVENT_LABELS.get(r["action"], r["action"])}
                for r in self.core.conn.execute("SELECT e.*, COALESCE(s.name, e.actor) AS actor_name FROM association_events e "
                                           "LEFT JOIN staff s ON s.login = e.actor WHERE e.association_id = ? "
                                           "ORDER BY e.id DESC LIMIT ?", (aid, int(limit)))]

    # -- writing ----------------------------------------------------------------------
    def _event(self, c: sqlite3.Connection, association_id: int, at: str, actor: str, action: str,
                           note: str, changes: dict[str, Any]) -> None:
        c.execute("INSERT INTO association_events(association_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                  (association_id, at, actor, action, note, json.dumps(changes, ensure_ascii=False, default=str)))

    def _edit_row(self, c: sqlite3.Connection, association_id: int, version: int) -> sqlite3.Row:
        """The association inside a write, refused when someone saved it since ``version`` was read."""
        row: sqlite3.Row | None = c.execute("SELECT * FROM associations WHERE id = ?", (int(association_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到协会 #{association_id}")
        if row["version"] != int(version):
            when = (row["edited_at"] or "").replace("T", " ")[:16] or "刚才"
            now = "、".join(json.loads(row["categories"])) or "无"
            raise InvalidAction(
                f"“{row['name']}”已被 {staff_name(c, row['edited_by'])} 于 {when} 修改（现订阅：{now}；"
                f"联系人：{row['contact_name'] or '未填'} {row['contact_phone']}）。您填写的内容已保留，"
                "核对后可再次保存")
        return row

    def _save_fields(self, actor: Staff, association_id: int, version: int, what: str, action: str,
                     values: dict[str, Any], note: Any) -> AssociationSummary:
        """Write changed columns of an association with its version check, bump
        the version, mark it edited (so reloading data/ keeps it) and record
        the change as before → after.  ``note(before_row)`` words the event."""
        require_role(actor, EDITOR_ROLES, what)
        now = self.core.now_s()
        with self.core.write() as c:
            row = self._edit_row(c, association_id, version)
            diff = {k: [row[k], v] for k, v in values.items() if not _same(k, row[k], v)}
            if diff:
                sets = {**{k: values[k] for k in diff}, "edited_at": now, "edited_by": actor.login,
                        "version": row["version"] + 1}
                c.execute(f"UPDATE associations SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                          [*sets.values(), row["id"]])
                changes = {k: [json.loads(a), json.loads(b)] if k == "categories" else [a, b] for k, (a, b) in diff.items()}
                self._event(c, row["id"], now, actor.login, action, note(row), changes)
        return self.get(int(association_id))

    def set_subscriptions(self, actor: Staff, association_id: int, categories: Sequence[str], *,
                          version: int) -> AssociationSummary:
        """The policy categories the association subscribes to (its push pre-selection).

        Only the top categories of data/categories.toml (in that file's order),
        at least one; ``version`` is the one the editor read, so two people
        saving at once cannot overwrite each other silently."""
        tops = list(self.core.categories())
        chosen = {str(x).strip() for x in categories if str(x).strip()}
        unknown = sorted(chosen - set(tops))
        if unknown:
            raise InvalidAction(f"没有这个政策大类：{'、'.join(unknown)}（可选：{'、'.join(tops)}）")
        if not chosen:
            raise InvalidAction("请至少订阅一个政策大类")
        after = [t for t in tops if t in chosen]
        return self._save_fields(actor, association_id, version, "修改协会订阅", "subscriptions",
                                 {"categories": json.dumps(after, ensure_ascii=False)},
                                 lambda row: f"订阅：{'、'.join(json.loads(row['categories'])) or '无'} → {'、'.join(after)}")

    def set_contact(self, actor: Staff, association_id: int, name: str, phone: str, *,
                                version: int) -> AssociationSummary:
        """The association's contact person: a name and a mobile or landline number."""
        try:
            clean_name = clean_text(name, "联系人姓名", required=True, max_len=50)
            clean_phone = validate_phone(phone)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        return self._save_fields(actor, association_id, version, "修改协会联系人", "contact",
                                 {"contact_name": clean_name, "contact_phone": clean_phone},
                                 lambda row: f"联系人：{row['contact_name'] or '未填'} {row['contact_phone']} → "
                                             f"{clean_name} {clean_phone}")

    def _live_enterprise(self, c: sqlite3.Connection, enterprise_id: int) -> sqlite3.Row:
        """The enterprise, or the record it was merged into (a merged record is
        only a pointer: memberships belong on the surviving one)."""
        seen: set[int] = set()
        eid = int(enterprise_id)
        while True:
            row: sqlite3.Row | None = c.execute("SELECT id, name, uscc, district, merged_into FROM enterprises WHERE id = ?",
                                                (eid,)).fetchone()
            if row is None:
                raise NotFound(f"找不到企业 #{enterprise_id}")
            if row["merged_into"] is None or row["merged_into"] in seen:
                return row
            seen.add(eid)
            eid = row["merged_into"]

    def add_member(self, actor: Staff, association_id: int, enterprise_id: int) -> AssociationMember:
        """Record an enterprise as a member (a merged record's survivor joins instead)."""
        require_role(actor, EDITOR_ROLES, "添加协会会员")
        aid = self._row(association_id)["id"]
        now = self.core.now_s()
        with self.core.write() as c:
            e = self._live_enterprise(c, enterprise_id)
            added = c.execute("INSERT INTO association_members(association_id, enterprise_id, joined_at, added_by) "
                              "VALUES (?,?,?,?) ON CONFLICT DO NOTHING", (aid, e["id"], now, actor.login)).rowcount
            if not added:
                raise InvalidAction(f"“{e['name']}”已是该协会会员")
            self._event(c, aid, now, actor.login, "member_add", f"新增会员 {e['name']}",
                                    {"enterprise_id": e["id"], "name": e["name"], "uscc": e["uscc"]})
        return AssociationMember(enterprise_id=e["id"], name=e["name"], uscc=e["uscc"], district=e["district"],
                                 joined_at=dt.datetime.fromisoformat(now), added_by=actor.login)

    def remove_member(self, actor: Staff, association_id: int, enterprise_id: int, reason: str) -> None:
        """Take an enterprise off the member list, with a reason.

        The membership row goes (a former member is not a member: pushes and
        the directory read the table as it is); the history keeps who joined
        when, who removed it and why, in the append-only association_events."""
        require_role(actor, EDITOR_ROLES, "移除协会会员")
        why = (reason or "").strip()
        if not why:
            raise InvalidAction("请填写移除原因")
        aid = self._row(association_id)["id"]
        now = self.core.now_s()
        with self.core.write() as c:
            m = c.execute("SELECT m.*, e.name, e.uscc FROM association_members m JOIN enterprises e ON e.id = m.enterprise_id "
                          "WHERE m.association_id = ? AND m.enterprise_id = ?", (aid, int(enterprise_id))).fetchone()
            if m is None:
                raise InvalidAction("该企业不是本协会会员")
            # with it go the memberships left on records merged into it (merges point straight at the kept one)
            c.execute("DELETE FROM association_members WHERE association_id = ? AND enterprise_id IN "
                      "(SELECT ? UNION ALL SELECT id FROM enterprises WHERE merged_into = ?)",
                      (aid, m["enterprise_id"], m["enterprise_id"]))
            self._event(c, aid, now, actor.login, "member_remove", f"移除会员 {m['name']}：{why}",
                                    {"enterprise_id": m["enterprise_id"], "name": m["name"], "uscc": m["uscc"],
                                     "joined_at": m["joined_at"], "added_by": m["added_by"]})


    # -- 服务专员 (the center's staff member responsible for an association) and the service log ------
    def assign_staff(self, actor: Staff, association_id: int | str, login: str) -> str:
        """A supervisor names the center's staff member responsible for the
        association (a clerk or supervisor); the name shown.  Recorded in the association's record."""
        require_role(actor, (Role.SUPERVISOR,), "指派服务专员")
        aid = int(self._row(association_id)["id"])
        who = self.core.conn.execute("SELECT login, name, role, disabled FROM staff WHERE login = ?", (login,)).fetchone()
        if who is None:
            raise NotFound(f"找不到工作人员“{login}”")
        if who["disabled"] or who["role"] not in (Role.CLERK.value, Role.SUPERVISOR.value):
            raise InvalidAction("服务专员应为在岗的受理员或值班长")
        now = self.core.now_s()
        with self.core.write() as c:
            before = c.execute("SELECT service_login FROM associations WHERE id = ?", (aid,)).fetchone()[0]
            if before == login:
                return str(who["name"] or login)
            c.execute("UPDATE associations SET service_login = ? WHERE id = ?", (login, aid))
            self._event(c, aid, now, actor.login, "service_staff", f"服务专员：{who['name'] or login}",
                        {"service_login": [before, login]})
        return str(who["name"] or login)

    def service_staff(self, association_id: int | str) -> tuple[str, str] | None:
        """(login, name) of the association's service staff member, or None."""
        aid = int(self._row(association_id)["id"])
        row = self.core.conn.execute(
            "SELECT s.login, s.name FROM associations a JOIN staff s ON s.login = a.service_login WHERE a.id = ?",
            (aid,)).fetchone()
        return (str(row[0]), str(row[1] or row[0])) if row else None

    def log_service(self, actor: Staff, association_id: int | str, kind: str, note: str,
                    served_on: dt.date | None = None) -> int:
        """A line in the association's service log (clerks and supervisors): what was done, on which day."""
        require_role(actor, (Role.CLERK, Role.SUPERVISOR), "记录协会服务日志")
        aid = int(self._row(association_id)["id"])
        code = next((k for k, v in SERVICE_KINDS.items() if kind in (k, v)), None)
        if code is None:
            raise InvalidAction(f"服务方式应为：{'、'.join(SERVICE_KINDS.values())}")
        note = (note or "").strip()
        if not note:
            raise InvalidAction("请填写服务内容")
        day = served_on or self.core.clock.today()
        if day > self.core.clock.today():
            raise InvalidAction("服务日期不能晚于今天")
        with self.core.write() as c:
            cur = c.execute("INSERT INTO association_service_log(association_id, served_on, kind, note, staff, at) "
                            "VALUES (?,?,?,?,?,?)", (aid, day.isoformat(), code, note[:1000], actor.login, self.core.now_s()))
            return inserted_id(cur)

    def service_log(self, association_id: int | str | None = None, *, staff: str | None = None,
                    limit: int = 200) -> list[dict[str, Any]]:
        """Service log lines, newest first: one association's, or one staff member's across associations."""
        where: list[str] = []
        params: list[Any] = []
        if association_id is not None:
            where.append("l.association_id = ?")
            params.append(int(self._row(association_id)["id"]))
        if staff is not None:
            where.append("l.staff = ?")
            params.append(staff)
        rows = self.core.conn.execute(
            "SELECT l.*, a.name AS association, coalesce(s.name, l.staff) AS staff_name FROM association_service_log l "
            "JOIN associations a ON a.id = l.association_id LEFT JOIN staff s ON s.login = l.staff "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY l.served_on DESC, l.id DESC LIMIT ?",
            [*params, int(limit)]).fetchall()
        return [{**dict(r), "kind_label": SERVICE_KINDS.get(r["kind"], r["kind"])} for r in rows]
