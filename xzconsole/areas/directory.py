"""The enterprise directory: one record per enterprise, its merges, contacts and direct policy pushes.

**One record per enterprise.**  Every enterprise the center meets gets a
record — by USCC, else by name — wherever it is met: a ticket (``accept``,
through ``TicketsArea.accept``), an import, a visit or policy feedback
(:meth:`DirectoryArea.ensure`, which other parts call inside
their own transaction), or a clerk's manual entry.  ``first_source`` says
which came first.

**Merging.**  Two records of one enterprise are merged into the one kept:
tickets, contacts, association memberships, feedback and visits are
repointed to it, the dropped record points at it (``merged_into``) and is
never deleted, and both records' histories say what moved.  Direct pushes
(``enterprise_pushes``) are append-only and stay where they were recorded,
so every history read takes the record *and the records merged into it*;
merges are kept flat (one hop), so that set is one indexed look-up.  A
merged record is never listed, and a USCC or name that leads to it leads on
to the record it was merged into.

**Search.**  The directory search takes a USCC (exact), a phone number
(exact, the main contact's or any further contact's) or words of the name.
Name matches come in two runs: names *starting* with the first word (a
range of the name index, in name order), then names holding every word
elsewhere, newest record first — from the ``enterprises_fts`` trigram index
(words of one or two characters through its term dictionary, as the policy
library does; a very common single character falls back to ``instr()``).
Both runs stop at the page size, so a page costs about the same at 200,000
records as at 2,000 (``benchmarks/bench_enterprise.py``).

**Pinyin.**  A query of Latin letters also finds names by their pinyin and
initials (issue 16: ``xzjs`` or ``xuzhou`` → 徐州…, any case; ``xz js`` →
徐州…建设…).  Each record stores its name's keys (``name_pinyin``,
``name_initials``: :func:`xzconsole.pinyin_keys.keys`), written with the name
on every path that creates or renames a record (:func:`name_key_values`) and
filled for older databases by :func:`fill_name_keys`.  After the name runs
come three more: initials starting with the query, then full pinyin starting
with it (ranges of their indexes), then keys holding every word elsewhere
(the ``enterprises_pinyin_fts`` trigram index), each skipping what an earlier
run listed, so keyset pages never repeat a record.

**One enterprise's page** (its header and history tabs) is read by
:class:`~xzconsole.areas.enterprise_page.EnterprisePage`, held here as
``store.directory.page``; ``profile``, ``tickets``, ``pushes``, ``feedback``,
``visits`` and ``history`` here pass through to it.

**Who may see it.**  The directory shows complaints and their outcomes per
enterprise, including confidential ones: only center staff (clerks,
supervisors, administrators) may read it; department liaisons are refused.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Sequence

from .. import pinyin_keys
from .. import policies as pol
from .. import vocabulary
from ..clock import format_datetime
from ..errors import InvalidAction, NotFound, PermissionDenied
from ..models import (
    Enterprise,
    Policy,
    PolicyStatus,
    Role,
    Staff,
    Ticket,
    clean_text,
    validate_phone,
    validate_uscc,
)
from .base import DATA_DIR, Core, inserted_id, staff_name
from .schema_release1 import PAD
from .enterprise_page import (
    PAGE,
    EnterpriseEvent,
    EnterprisePage,
    EnterpriseProfile,
    Key,
    PushLine,
    record_row,
    require_reader,
    row_enterprise,
)
from .fts import plan_search
from .library import LibraryArea
from .policy_rows import policy_event
from .records import TicketRecords

#: how the center first met an enterprise (``enterprises.first_source``)
FIRST_SOURCES = {"ticket": "工单", "import": "导入", "visit": "走访", "feedback": "政策反馈", "manual": "手工建档"}


#: the fields of a record staff may edit, with their Chinese names
FIELD_LABELS = {"name": "企业名称", "uscc": "统一社会信用代码", "district": "所属区域", "industry": "行业",
                "contact_name": "联系人", "contact_phone": "联系电话", "note": "备注"}


MERGERS = (Role.CLERK, Role.SUPERVISOR)


#: how many records :func:`fill_name_keys` converts per statement batch
FILL_BATCH = 2000


#: from this many records lacking keys, :func:`fill_name_keys` rebuilds the
#: trigram index of the keys once instead of updating it record by record
BULK_FILL_FROM = 1000


def name_key_values(name: str) -> tuple[str, str]:
    """``(name_pinyin, name_initials)`` to store with a record named ``name``."""
    return pinyin_keys.keys(name)


def fill_name_keys(c: sqlite3.Connection, batch: int = FILL_BATCH) -> int:
    """Store the pinyin keys of every record that lacks them — all records of a
    database migrated from before the keys, or one renamed by a path that did
    not give them — inside the caller's write transaction ``c``; how many.
    Batches of ``batch`` records, each distinct name converted once.

    The records lacking keys are read from the keys' index (``INDEXED BY``:
    statistics gathered while every key was NULL would have the planner scan
    the table from the start for every batch — quadratic at 200,000).  Many
    records (an upgrade) are filled with the trigram index's update trigger
    set aside and the index refilled once at the end: updated record by
    record, FTS5 took 665 s for 200,000 records, refilled a few seconds."""
    missing = c.execute("SELECT count(*) FROM enterprises INDEXED BY enterprises_name_pinyin "
                        "WHERE name_pinyin IS NULL").fetchone()[0]
    if not missing:
        return 0
    trigger = None
    if missing >= BULK_FILL_FROM:
        trigger = c.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                            "AND name = 'enterprises_pinyin_fts_update'").fetchone()
        if trigger is not None:
            c.execute("DROP TRIGGER enterprises_pinyin_fts_update")
    done = 0
    found: dict[str, tuple[str, str]] = {}
    while True:
        rows = c.execute("SELECT id, name FROM enterprises INDEXED BY enterprises_name_pinyin "
                         "WHERE name_pinyin IS NULL LIMIT ?", (batch,)).fetchall()
        if not rows:
            break
        found.update(pinyin_keys.keys_many(r[1] for r in rows if r[1] not in found))
        c.executemany("UPDATE enterprises SET name_pinyin = ?, name_initials = ? WHERE id = ?",
                      [(*found[r[1]], r[0]) for r in rows])
        done += len(rows)
    if trigger is not None:
        c.execute("INSERT INTO enterprises_pinyin_fts(enterprises_pinyin_fts) VALUES ('delete-all')")
        c.execute(f"INSERT INTO enterprises_pinyin_fts(rowid, name_pinyin, name_initials) "
                  f"SELECT id, name_pinyin || {PAD}, name_initials || {PAD} FROM enterprises")
        c.execute(trigger[0])
    return done


def keys_missing(conn: sqlite3.Connection) -> bool:
    """Whether some record lacks its pinyin keys (one look-up in their index)."""
    return conn.execute("SELECT 1 FROM enterprises INDEXED BY enterprises_name_pinyin "
                        "WHERE name_pinyin IS NULL LIMIT 1").fetchone() is not None


PUSHERS = (Role.CLERK, Role.SUPERVISOR)

# ---------------------------------------------------------------- what the directory returns
@dataclass
class EnterpriseHit:
    """One line of the directory: the record, its ticket counts, how it was found,
    and ``key`` — pass it as ``after`` to read the page after this line."""

    enterprise: Enterprise
    open_tickets: int
    total_tickets: int
    matched: str
    key: Key

def _phone_form(text: str) -> str | None:
    """The text as a phone number when it looks like one (digits, maybe a dash or
    +86), normalised as the intake form stores it; else None."""
    t = text.replace(" ", "").replace("-", "")
    if t.startswith("+"):
        t = t[1:]
    if not (t.isascii() and t.isdigit() and len(t) >= 7):
        return None
    try:
        return validate_phone(text)
    except ValueError:
        return text.strip()


def _uscc_form(text: str) -> str | None:
    """The text as a USCC (upper case) when it has the shape of one."""
    t = text.strip().upper()
    return t if len(t) == 18 and t.isascii() and t.isalnum() else None


class DirectoryArea:
    """``store.directory``: one record per enterprise, its whole history, merges and contacts."""

    def __init__(self, core: Core, records: TicketRecords, library: LibraryArea) -> None:
        self.core = core
        self.records = records
        self.library = library
        #: one enterprise's page: its header and history tabs
        self.page = EnterprisePage(core, records)
        self._districts: list[str] | None = None

    def find(self, text: str, limit: int = 10) -> list[Enterprise]:
        """Look an enterprise up by USCC (exact; a merged record's gives the one it
        went into) or name (prefix, then substring); merged records never show."""
        t = (text or "").strip()
        if not t:
            return []
        rows = self.core.q("SELECT e.* FROM enterprises x JOIN enterprises e ON e.id = coalesce(x.merged_into, x.id) "
                      "WHERE x.uscc = ? LIMIT 1", (t.upper(),))
        if not rows:
            rows = self.core.q("SELECT * FROM enterprises WHERE name >= ? AND name < ? AND merged_into IS NULL "
                          "ORDER BY name LIMIT ?", (t, t + "\uffff", limit))
        if len(rows) < limit:
            seen = {r["id"] for r in rows}
            more = self.core.q("SELECT * FROM enterprises WHERE instr(name, ?) > 0 AND merged_into IS NULL LIMIT ?",
                          (t, limit * 2))
            rows += [r for r in more if r["id"] not in seen][: limit - len(rows)]
        return [Enterprise.model_validate(dict(r)) for r in rows]

    # -- roles and plumbing ------------------------------------------------------------
    def _record_event(self, c: sqlite3.Connection, enterprise_id: int, at: str, actor: str, action: str,
                      note: str = "", changes: dict[str, Any] | None = None) -> None:
        c.execute("INSERT INTO enterprise_events(enterprise_id, at, actor, action, note, changes) VALUES (?,?,?,?,?,?)",
                  (enterprise_id, at, actor, action, note, json.dumps(changes or {}, ensure_ascii=False, default=str)))

    @staticmethod
    def _check_version(c: sqlite3.Connection, row: sqlite3.Row, version: int | None) -> None:
        """Refuse a stale edit, naming the colleague (staff name, not login) who changed it."""
        if version is not None and row["version"] != version:
            when = (row["updated_at"] or "").replace("T", " ")[:16] or "刚才"
            raise InvalidAction(f"企业档案“{row['name']}”已被 {staff_name(c, row['updated_by'])} 于 {when} 修改，"
                                          "请重新载入后再操作（您填写的内容已保留）")

    # -- every enterprise met gets a record ------------------------------------------------
    def ensure(self, c: sqlite3.Connection, name: str, uscc: str | None, district: str = "",
                          contact_name: str = "", contact_phone: str = "", source: str = "ticket", *,
                          now: str | None = None) -> int:
        """The id of the enterprise record for ``name`` / ``uscc``, created when new;
        for use inside the caller's write transaction ``c``.

        Found by USCC, else by name (a record with another USCC is another
        enterprise); a merged record leads on to the one it was merged into.
        A found record gains what it lacks (USCC, district, main contact); a
        phone number it does not know yet becomes a further contact, so the
        directory finds the enterprise by every number it called from.  A new
        record remembers ``source`` (ticket, import, visit, feedback, manual).
        ``uscc`` and ``contact_phone`` must already be validated; ``now`` is the
        transaction's time (the store's clock when not given).
        """
        if source not in FIRST_SOURCES:
            raise ValueError(f"未知的建档来源“{source}”")
        now = now or format_datetime(self.core.now())
        row = c.execute("SELECT * FROM enterprises WHERE uscc = ?", (uscc,)).fetchone() if uscc else None
        if row is not None and row["merged_into"] is not None:
            row = record_row(c, row["merged_into"])  # a merged record's USCC leads to the survivor
        elif row is None:
            # same name, and no USCC on one side; an unmerged record before a merged one
            row = c.execute(
                "SELECT * FROM enterprises WHERE name = ? AND (uscc IS NULL OR ? IS NULL) "
                "ORDER BY merged_into IS NOT NULL, id LIMIT 1", (name, uscc)).fetchone()
            if row is not None and row["merged_into"] is not None:
                row = record_row(c, row["merged_into"])
                if uscc and row["uscc"] not in (None, uscc):
                    row = None  # the survivor has another USCC: not this enterprise
        if row is None:
            cur = c.execute(
                "INSERT INTO enterprises(name, uscc, district, contact_name, contact_phone, created_at, first_source, "
                "name_pinyin, name_initials) VALUES (?,?,?,?,?,?,?,?,?)",
                (name, uscc, district, contact_name, contact_phone, now, source, *name_key_values(name)))
            return inserted_id(cur)
        eid = row["id"]
        if uscc and row["uscc"] is None:
            c.execute("UPDATE enterprises SET uscc = ? WHERE id = ?", (uscc, eid))
        if district and not row["district"]:
            c.execute("UPDATE enterprises SET district = ? WHERE id = ?", (district, eid))
        if not row["contact_name"] and not row["contact_phone"]:
            if contact_name or contact_phone:
                c.execute("UPDATE enterprises SET contact_name = ?, contact_phone = ? WHERE id = ?",
                          (contact_name, contact_phone, eid))
        elif contact_phone and contact_phone != row["contact_phone"] and c.execute(
                "SELECT 1 FROM enterprise_contacts WHERE enterprise_id = ? AND phone = ? AND removed_at IS NULL",
                (eid, contact_phone)).fetchone() is None:
            c.execute("INSERT INTO enterprise_contacts(enterprise_id, name, phone, position, added_at, added_by) "
                      "VALUES (?,?,?,?,?,?)", (eid, contact_name, contact_phone, "", now, FIRST_SOURCES[source]))
        return int(eid)

    def add(self, actor: Staff, name: str, *, uscc: str | None = None, district: str = "",
                       industry: str = "", contact_name: str = "", contact_phone: str = "", note: str = "") -> Enterprise:
        """手工建档: a record typed in by center staff.  Refused (Chinese) when the
        USCC or the name (without a USCC) is already in the directory."""
        require_reader(actor)
        v = self._clean_fields({"name": name, "uscc": uscc, "district": district, "industry": industry,
                                "contact_name": contact_name, "contact_phone": contact_phone, "note": note})
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            self._refuse_duplicate(c, v, None)
            if not v["uscc"]:
                same = c.execute("SELECT id FROM enterprises WHERE name = ? AND merged_into IS NULL LIMIT 1",
                                 (v["name"],)).fetchone()
                if same is not None:
                    raise InvalidAction(f"名录中已有企业“{v['name']}”（#{same[0]}），请打开该档案修改")
            cur = c.execute(
                "INSERT INTO enterprises(name, uscc, district, industry, contact_name, contact_phone, note, created_at, "
                "first_source, updated_at, updated_by, name_pinyin, name_initials) VALUES (?,?,?,?,?,?,?,?,'manual',?,?,?,?)",
                (v["name"], v["uscc"], v["district"], v["industry"], v["contact_name"], v["contact_phone"], v["note"],
                 now, now, actor.login, *name_key_values(v["name"])))
            eid = inserted_id(cur)
        return row_enterprise(record_row(self.core.conn, eid))

    # -- validation ----------------------------------------------------------------------------
    def district_names(self) -> list[str]:
        """The districts of data/districts.toml (the directory's district filter)."""
        if self._districts is None:
            self._districts = vocabulary.load_districts(DATA_DIR)
        return self._districts

    def normalise_district(self, value: str) -> str:
        """A district as data/districts.toml spells it (aliases such as 高新区 or
        a missing 区 accepted, as in the import); ValueError (Chinese) otherwise."""
        value = (value or "").strip()
        districts = self.district_names()
        if not value or not districts:
            return value
        found = vocabulary.find_district(value, districts)
        if found is None:
            raise ValueError(vocabulary.district_refusal(value, districts))
        return found

    def _clean_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """Validated record fields (only those given); InvalidAction (Chinese) on bad input."""
        out: dict[str, Any] = {}
        try:
            for k, v in values.items():
                if k not in FIELD_LABELS:
                    raise ValueError(f"不能修改的字段：{k}")
                if k == "name":
                    out[k] = clean_text(v, "企业名称", required=True, max_len=200)
                elif k == "uscc":
                    out[k] = validate_uscc(v) if v is not None and str(v).strip() else None
                elif k == "contact_phone":
                    out[k] = validate_phone(v) if v is not None and str(v).strip() else ""
                elif k == "district":
                    out[k] = self.normalise_district(clean_text(v, "所属区域", max_len=50))
                else:
                    out[k] = clean_text(v, FIELD_LABELS[k], max_len=2000 if k == "note" else 100)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        return out

    def _refuse_duplicate(self, c: sqlite3.Connection, v: dict[str, Any], own_id: int | None) -> None:
        if not v.get("uscc"):
            return
        other = c.execute("SELECT id, name, merged_into FROM enterprises WHERE uscc = ? AND id IS NOT ?",
                          (v["uscc"], own_id)).fetchone()
        if other is not None:
            target = other["merged_into"] or other["id"]
            raise InvalidAction(f"信用代码 {v['uscc']} 已属于企业“{other['name']}”（#{target}）；"
                                          "如为同一企业，请合并两份档案")

    # -- the directory ---------------------------------------------------------------------------
    def search(self, actor: Staff, text: str | None = "", *, limit: int = PAGE, after: Key | None = None,
                           district: str | None = None) -> list[EnterpriseHit]:
        """The directory: records found by USCC, phone or name words, never merged ones.

        A USCC (18 letters and digits) is looked up exactly, and a merged
        record's USCC gives the record it went into.  Digits (7 or more) are a
        phone number: the main contact's or any further contact's.  Anything
        else is words of the name: names starting with the first word (name
        order), then names holding every word elsewhere (newest first).  No
        text lists every record by name.  Keyset pages: pass the last hit's
        ``key`` as ``after``; ask ``limit + 1`` to know whether more follow.
        """
        require_reader(actor)
        t = (text or "").strip()
        where, params = ["e.merged_into IS NULL"], []
        if district:
            where.append("e.district = ?")
            params.append(district)
        if not t:
            return self._hits(self._name_run(where, params, None, [], limit, after), "名称")
        code, phone = _uscc_form(t), _phone_form(t)
        if code is not None or phone is not None:
            if after is not None:
                return []  # an exact look-up is one short page
            ids: list[int] = []
            if code is not None:
                ids = [r[0] for r in self.core.conn.execute(
                    "SELECT coalesce(merged_into, id) FROM enterprises WHERE uscc = ?", (code,))]
            elif phone is not None:
                forms = list(dict.fromkeys([phone, t]))
                marks = ",".join("?" * len(forms))
                ids = [r[0] for r in self.core.conn.execute(
                    f"SELECT coalesce(merged_into, id) FROM enterprises WHERE contact_phone IN ({marks}) UNION "
                    f"SELECT coalesce(e.merged_into, e.id) FROM enterprise_contacts x JOIN enterprises e "
                    f"ON e.id = x.enterprise_id WHERE x.phone IN ({marks}) AND x.removed_at IS NULL", [*forms, *forms])]
            if ids:
                rows = self.core.conn.execute(
                    f"SELECT e.* FROM enterprises e WHERE e.id IN ({','.join('?' * len(ids))}) AND {' AND '.join(where)} "
                    "ORDER BY e.name, e.id LIMIT ?", [*ids, *params, limit]).fetchall()
                hits = self._hits([(r, ("x", r["name"], r["id"])) for r in rows], "信用代码" if code else "电话")
                if hits or code is None:
                    return hits
            # 18 characters that are no known USCC may still be (part of) a name
        terms = pol.split_terms(t)
        if not terms:
            return self._hits(self._name_run(where, params, None, [], limit, after), "名称")
        out = self._name_run(where, params, terms[0], terms[1:], limit, after)
        if len(out) < limit:
            out += self._contains_run(where, params, terms, limit - len(out), after)
        hits = self._hits(out, "名称")
        if len(out) < limit and pinyin_keys.is_latin_query(t):
            hits += self._hits(self._pinyin_runs(where, params, terms, limit - len(out), after), "拼音")
        return hits

    def _name_run(self, where: list[str], params: list[Any], prefix: str | None, others: Sequence[str],
                  limit: int, after: Key | None) -> list[tuple[sqlite3.Row, Key]]:
        """Records whose name starts with ``prefix`` (every record when None) and
        holds the ``others``, in name order (a range of the name index)."""
        if after is not None and after[0] != "p":
            return []
        w, ps = list(where), list(params)
        if prefix is not None:
            w.append("e.name >= ? AND e.name < ?")
            ps.extend([prefix, prefix + "\U0010ffff"])
        for term in others:
            w.append("instr(e.name, ?) > 0")
            ps.append(term)
        if after is not None:
            w.append("(e.name, e.id) > (?, ?)")
            ps.extend(after[1:])
        rows = self.core.conn.execute(f"SELECT e.* FROM enterprises e WHERE {' AND '.join(w)} ORDER BY e.name, e.id LIMIT ?",
                                 [*ps, limit]).fetchall()
        return [(r, ("p", r["name"], r["id"])) for r in rows]

    def _contains_run(self, where: list[str], params: list[Any], terms: Sequence[str], limit: int,
                      after: Key | None) -> list[tuple[sqlite3.Row, Key]]:
        """Records holding every term, the first one not at the start (those came
        in the name run), newest first: from the trigram index where it answers."""
        if after is not None and after[0] not in ("p", "c"):
            return []  # paging on in the pinyin runs, which come after this one
        plan = plan_search(self.core.conn, "enterprises_fts", terms)
        if plan.impossible:
            return []
        w, ps = list(where), list(params)
        w.append("instr(e.name, ?) > 1")
        ps.append(terms[0])
        for term in terms[1:]:
            w.append("instr(e.name, ?) > 0")
            ps.append(term)
        if after is not None and after[0] == "c":
            w.append("e.id < ?")
            ps.append(after[2])
        if plan.parts:
            sql = (f"SELECT e.* FROM enterprises_fts JOIN enterprises e ON e.id = enterprises_fts.rowid "
                   f"WHERE enterprises_fts MATCH ? AND {' AND '.join(w)} ORDER BY enterprises_fts.rowid DESC LIMIT ?")
            ps.insert(0, " AND ".join(plan.parts))
        else:
            sql = f"SELECT e.* FROM enterprises e WHERE {' AND '.join(w)} ORDER BY e.id DESC LIMIT ?"
        rows = self.core.conn.execute(sql, [*ps, limit]).fetchall()
        return [(r, ("c", None, r["id"])) for r in rows]

    def _pinyin_runs(self, where: list[str], params: list[Any], terms: Sequence[str], limit: int,
                     after: Key | None) -> list[tuple[sqlite3.Row, Key]]:
        """Records found by the pinyin keys of their names and not by the name
        runs (which hold every term as typed): initials starting with the
        query, in initials order (key ``i``); full pinyin starting with it, in
        pinyin order (``f``); then keys holding every word, newest first, from
        the trigram index (``s``).  Each run skips what an earlier one lists."""
        q = pinyin_keys.query_key("".join(terms))
        stage = after[0] if after is not None and after[0] in ("i", "f", "s") else None
        w, ps = list(where), list(params)
        w.append("NOT (" + " AND ".join("instr(e.name, ?) > 0" for _ in terms) + ")")
        ps.extend(terms)
        out: list[tuple[sqlite3.Row, Key]] = []
        prefix_of = {"i": "e.name_initials", "f": "e.name_pinyin"}
        for run, col in prefix_of.items():
            if stage is not None and "ifs".index(stage) > "ifs".index(run):
                continue
            rw, rps = [*w, f"{col} >= ? AND {col} < ?"], [*ps, q, q + "\U0010ffff"]
            if run == "f":
                rw.append("NOT (e.name_initials >= ? AND e.name_initials < ?)")
                rps.extend([q, q + "\U0010ffff"])
            if stage == run and after is not None:
                rw.append(f"({col}, e.id) > (?, ?)")
                rps.extend(after[1:])
            rows = self.core.conn.execute(f"SELECT e.* FROM enterprises e WHERE {' AND '.join(rw)} "
                                          f"ORDER BY {col}, e.id LIMIT ?", [*rps, limit - len(out)]).fetchall()
            out += [(r, (run, r[col[2:]], r["id"])) for r in rows]
            if len(out) >= limit:
                return out
        words = [pinyin_keys.query_key(x) for x in terms]
        plan = plan_search(self.core.conn, "enterprises_pinyin_fts", words)
        if plan.impossible:
            return out
        w += ["NOT (e.name_initials >= ? AND e.name_initials < ?)", "NOT (e.name_pinyin >= ? AND e.name_pinyin < ?)"]
        ps += [q, q + "\U0010ffff", q, q + "\U0010ffff"]
        for word in words:
            w.append("(instr(e.name_initials, ?) > 0 OR instr(e.name_pinyin, ?) > 0)")
            ps.extend([word, word])
        if stage == "s" and after is not None:
            w.append("e.id < ?")
            ps.append(after[2])
        if plan.parts:
            sql = (f"SELECT e.* FROM enterprises_pinyin_fts JOIN enterprises e ON e.id = enterprises_pinyin_fts.rowid "
                   f"WHERE enterprises_pinyin_fts MATCH ? AND {' AND '.join(w)} "
                   "ORDER BY enterprises_pinyin_fts.rowid DESC LIMIT ?")
            ps.insert(0, " AND ".join(plan.parts))
        else:
            sql = f"SELECT e.* FROM enterprises e WHERE {' AND '.join(w)} ORDER BY e.id DESC LIMIT ?"
        rows = self.core.conn.execute(sql, [*ps, limit - len(out)]).fetchall()
        return out + [(r, ("s", None, r["id"])) for r in rows]

    def fill_name_keys(self) -> int:
        """Store the pinyin keys of every record lacking them (a database
        migrated from before them): :func:`fill_name_keys` in one write."""
        if not keys_missing(self.core.conn):
            return 0
        with self.core.write() as c:
            return fill_name_keys(c)

    def _hits(self, found: list[tuple[sqlite3.Row, Key]], matched: str) -> list[EnterpriseHit]:
        """The page's records with their open / total ticket counts (one grouped,
        covering-index read for the page)."""
        if not found:
            return []
        ids = [r["id"] for r, _ in found]
        counts = {r[0]: (r[1], r[2]) for r in self.core.conn.execute(
            f"SELECT enterprise_id, count(*), sum(status != 'closed') FROM tickets "
            f"WHERE enterprise_id IN ({','.join('?' * len(ids))}) GROUP BY enterprise_id", ids)}
        out = []
        for row, key in found:
            total, open_ = counts.get(row["id"], (0, 0))
            out.append(EnterpriseHit(row_enterprise(row), int(open_ or 0), int(total), matched, key))
        return out

    # -- one enterprise's page (see :class:`EnterprisePage`) -------------------------------------
    def profile(self, actor: Staff, ref: int) -> EnterpriseProfile:
        """The page header: :meth:`EnterprisePage.profile`."""
        return self.page.profile(actor, ref)

    def tickets(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                limit: int = PAGE) -> tuple[list[Ticket], Key | None]:
        """The tickets tab: :meth:`EnterprisePage.tickets`."""
        return self.page.tickets(actor, enterprise_id, after=after, limit=limit)

    def pushes(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
               limit: int = PAGE) -> tuple[list[PushLine], Key | None]:
        """The policy pushes tab: :meth:`EnterprisePage.pushes`."""
        return self.page.pushes(actor, enterprise_id, after=after, limit=limit)

    def feedback(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                 limit: int = PAGE) -> tuple[list[dict[str, Any]], Key | None]:
        """The policy feedback tab: :meth:`EnterprisePage.feedback`."""
        return self.page.feedback(actor, enterprise_id, after=after, limit=limit)

    def visits(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
               limit: int = PAGE) -> tuple[list[dict[str, Any]], Key | None]:
        """The visits tab: :meth:`EnterprisePage.visits`."""
        return self.page.visits(actor, enterprise_id, after=after, limit=limit)

    def history(self, actor: Staff, enterprise_id: int, *, after: Key | None = None,
                limit: int = PAGE) -> tuple[list[EnterpriseEvent], Key | None]:
        """The record's own history tab: :meth:`EnterprisePage.history`."""
        return self.page.history(actor, enterprise_id, after=after, limit=limit)

    # -- editing ----------------------------------------------------------------------------------
    def update(self, actor: Staff, enterprise_id: int, changes: dict[str, Any], *,
                          version: int | None = None, note: str = "") -> Enterprise:
        """Edit a record's fields (name, USCC with its check digit, district from
        data/districts.toml, industry, main contact, note); the change is in its
        history as before → after.  ``version`` guards against a newer edit."""
        require_reader(actor)
        v = self._clean_fields(changes)
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            row = record_row(c, enterprise_id)
            self._refuse_merged(row)
            self._check_version(c, row, version)
            self._refuse_duplicate(c, v, row["id"])
            diff = {k: [row[k], x] for k, x in v.items() if row[k] != x}
            if not diff:
                return row_enterprise(row)
            sets = {k: x for k, (_, x) in diff.items()}
            sets.update(version=row["version"] + 1, updated_at=now, updated_by=actor.login)
            c.execute(f"UPDATE enterprises SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                      (*sets.values(), row["id"]))
            if "name" in diff:  # the new name's pinyin keys (a statement of their own: see schema)
                c.execute("UPDATE enterprises SET name_pinyin = ?, name_initials = ? WHERE id = ?",
                          (*name_key_values(v["name"]), row["id"]))
            what = "、".join(FIELD_LABELS[k] for k in diff)
            self._record_event(c, row["id"], now, actor.login, "edit", (note or "").strip() or f"修改{what}", diff)
            return row_enterprise(record_row(c, row["id"]))

    @staticmethod
    def _refuse_merged(row: sqlite3.Row) -> None:
        if row["merged_into"] is not None:
            raise InvalidAction(f"档案 #{row['id']} 已并入 #{row['merged_into']}，请在该档案上操作")

    def _touch(self, c: sqlite3.Connection, row: sqlite3.Row, actor: Staff, now: str) -> None:
        c.execute("UPDATE enterprises SET version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
                  (now, actor.login, row["id"]))

    def add_contact(self, actor: Staff, enterprise_id: int, name: str, phone: str, position: str = "", *,
                    version: int | None = None) -> int:
        """Add a further contact person (name and a valid phone); the contact's id."""
        require_reader(actor)
        try:
            n = clean_text(name, "联系人姓名", required=True, max_len=50)
            p = validate_phone(phone) if phone and str(phone).strip() else ""
            pos = clean_text(position, "职务", max_len=50)
        except ValueError as exc:
            raise InvalidAction(str(exc)) from None
        if not p:
            raise InvalidAction("请填写联系人的电话")
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            row = record_row(c, enterprise_id)
            self._refuse_merged(row)
            self._check_version(c, row, version)
            cur = c.execute("INSERT INTO enterprise_contacts(enterprise_id, name, phone, position, added_at, added_by) "
                            "VALUES (?,?,?,?,?,?)", (row["id"], n, p, pos, now, actor.login))
            cid = inserted_id(cur)
            self._touch(c, row, actor, now)
            self._record_event(c, row["id"], now, actor.login, "contact_add", f"{n} {p}{'（' + pos + '）' if pos else ''}",
                               {"contact": [None, {"id": cid, "name": n, "phone": p, "position": pos}]})
        return cid

    def remove_contact(self, actor: Staff, contact_id: int, *, version: int | None = None, note: str = "") -> None:
        """Take a further contact off the record (kept, marked removed, in the history)."""
        require_reader(actor)
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            x = c.execute("SELECT * FROM enterprise_contacts WHERE id = ? AND removed_at IS NULL",
                          (int(contact_id),)).fetchone()
            if x is None:
                raise NotFound(f"找不到联系人 #{contact_id}（或已移除）")
            row = record_row(c, x["enterprise_id"])
            self._refuse_merged(row)
            self._check_version(c, row, version)
            c.execute("UPDATE enterprise_contacts SET removed_at = ?, removed_by = ? WHERE id = ?", (now, actor.login, x["id"]))
            self._touch(c, row, actor, now)
            self._record_event(c, row["id"], now, actor.login, "contact_remove",
                               (note or "").strip() or f"{x['name']} {x['phone']}",
                               {"contact": [{"id": x["id"], "name": x["name"], "phone": x["phone"]}, None]})

    # -- merging ---------------------------------------------------------------------------------
    def merge(self, actor: Staff, keep_id: int, drop_id: int, *, version_keep: int | None = None,
                          version_drop: int | None = None, note: str = "") -> Enterprise:
        """Merge two records of one enterprise: ``drop`` goes into ``keep``.

        One transaction: tickets, contacts, memberships, feedback and visits
        move to ``keep`` (a membership or visit it already has stays on
        ``drop``; histories read both); records merged earlier into ``drop``
        now point at ``keep``; ``keep`` gains the USCC, district, industry,
        main contact and note it lacked; both histories say what moved.
        Nothing is deleted.  Clerks and supervisors only.
        """
        require_reader(actor)
        if actor.role not in MERGERS:
            raise PermissionDenied(f"合并企业档案只能由受理员、值班长操作，您的角色是{actor.role.label}")
        if int(keep_id) == int(drop_id):
            raise InvalidAction("不能把企业档案合并到它自己")
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            keep, drop = record_row(c, keep_id), record_row(c, drop_id)
            if drop["merged_into"] is not None:
                raise InvalidAction(f"档案 #{drop['id']} 已并入 #{drop['merged_into']}，不能再次合并")
            if keep["merged_into"] is not None:
                raise InvalidAction(f"档案 #{keep['id']} 已并入 #{keep['merged_into']}，"
                                              f"不能合并到已合并的档案，请合并到 #{keep['merged_into']}")
            self._check_version(c, keep, version_keep)
            self._check_version(c, drop, version_drop)
            k, d = keep["id"], drop["id"]

            def ids(sql: str) -> list[Any]:
                return [r[0] for r in c.execute(sql, (d,))]

            moved = {
                "tickets": ids("SELECT id FROM tickets WHERE enterprise_id = ?"),
                "contacts": ids("SELECT id FROM enterprise_contacts WHERE enterprise_id = ?"),
                "feedback": ids("SELECT id FROM policy_feedback WHERE enterprise_id = ?"),
                "records": ids("SELECT id FROM enterprises WHERE merged_into = ?"),
            }
            c.execute("UPDATE tickets SET enterprise_id = ? WHERE enterprise_id = ?", (k, d))
            c.execute("UPDATE enterprise_contacts SET enterprise_id = ? WHERE enterprise_id = ?", (k, d))
            c.execute("UPDATE policy_feedback SET enterprise_id = ? WHERE enterprise_id = ?", (k, d))
            c.execute("UPDATE enterprises SET merged_into = ? WHERE merged_into = ?", (k, d))
            # a membership or visit the kept record already has stays on drop (the
            # histories read both); the others move
            before = set(ids("SELECT association_id FROM association_members WHERE enterprise_id = ?"))
            c.execute("UPDATE OR IGNORE association_members SET enterprise_id = ? WHERE enterprise_id = ?", (k, d))
            moved["memberships"] = sorted(before - set(ids("SELECT association_id FROM association_members WHERE enterprise_id = ?")))
            before = set(ids("SELECT activity_id FROM outreach_enterprises WHERE enterprise_id = ?"))
            c.execute("UPDATE OR IGNORE outreach_enterprises SET enterprise_id = ? WHERE enterprise_id = ?", (k, d))
            moved["visits"] = sorted(before - set(ids("SELECT activity_id FROM outreach_enterprises WHERE enterprise_id = ?")))
            # the kept record gains what it lacked
            gained: dict[str, list[Any]] = {}
            for col in ("uscc", "district", "industry", "note"):
                if not keep[col] and drop[col]:
                    gained[col] = [keep[col], drop[col]]
            if not keep["contact_name"] and not keep["contact_phone"] and (drop["contact_name"] or drop["contact_phone"]):
                gained["contact_name"] = [keep["contact_name"], drop["contact_name"]]
                gained["contact_phone"] = [keep["contact_phone"], drop["contact_phone"]]
            elif drop["contact_phone"] and drop["contact_phone"] != keep["contact_phone"] and c.execute(
                    "SELECT 1 FROM enterprise_contacts WHERE enterprise_id = ? AND phone = ? AND removed_at IS NULL",
                    (k, drop["contact_phone"])).fetchone() is None:
                cur = c.execute("INSERT INTO enterprise_contacts(enterprise_id, name, phone, position, added_at, added_by) "
                                "VALUES (?,?,?,?,?,?)", (k, drop["contact_name"], drop["contact_phone"], "", now, actor.login))
                moved["contacts"].append(inserted_id(cur))
            drop_sets: dict[str, Any] = {"merged_into": k}
            if "uscc" in gained:
                drop_sets["uscc"] = None  # a USCC belongs to one record; the merged one leads to it
            c.execute(f"UPDATE enterprises SET {', '.join(f'{x} = ?' for x in drop_sets)}, version = version + 1, "
                      "updated_at = ?, updated_by = ? WHERE id = ?", (*drop_sets.values(), now, actor.login, d))
            keep_sets = {col: v[1] for col, v in gained.items()}
            c.execute(f"UPDATE enterprises SET {''.join(f'{x} = ?, ' for x in keep_sets)}version = version + 1, "
                      "updated_at = ?, updated_by = ? WHERE id = ?", (*keep_sets.values(), now, actor.login, k))
            extra = f"：{note.strip()}" if note and note.strip() else ""
            self._record_event(c, k, now, actor.login, "merge_in", f"并入重复档案 #{d}“{drop['name']}”{extra}",
                               {**gained, "merged_from": [None, d], "moved": moved})
            self._record_event(c, d, now, actor.login, "merged", f"并入档案 #{k}“{keep['name']}”{extra}",
                               {"merged_into": [None, k], **({"uscc": [drop["uscc"], None]} if "uscc" in gained else {})})
            for r in moved["records"]:
                self._record_event(c, r, now, actor.login, "merge_moved", f"随档案 #{d} 转并入 #{k}", {"merged_into": [d, k]})
            return row_enterprise(record_row(c, k))

    # -- pushing a policy to one enterprise ------------------------------------------------------------
    def push_policy(self, actor: Staff, policy_id: int, enterprise_id: int, note: str = "") -> int:
        """定向推送 a published policy to one enterprise; recorded with the enterprise
        and in the policy's history.  Clerks and supervisors; the push's id."""
        require_reader(actor)
        if actor.role not in PUSHERS:
            raise PermissionDenied(f"向企业推送政策只能由受理员、值班长操作，您的角色是{actor.role.label}")
        p = self.library.get(policy_id)
        if p.status is not PolicyStatus.PUBLISHED:
            raise InvalidAction(f"只能推送已发布的政策（当前为“{p.status.label}”）")
        text = (note or "").strip()
        now = format_datetime(self.core.now())
        with self.core.write() as c:
            row = record_row(c, enterprise_id)
            self._refuse_merged(row)
            cur = c.execute("INSERT INTO enterprise_pushes(policy_id, enterprise_id, at, actor, note) VALUES (?,?,?,?,?)",
                            (p.id, row["id"], now, actor.login, text))
            policy_event(c, p.stored_id, now, actor.login, "push",
                               f"推送至企业“{row['name']}”（#{row['id']}）" + (f"：{text}" if text else ""))
        return inserted_id(cur)

    def published_policies(self, actor: Staff, words: str, limit: int = 20) -> list[Policy]:
        """Published policies matching ``words`` (title first): the push dialog's list."""
        require_reader(actor)
        return [h.policy for h in self.library.search(
            words, pol.PolicyFilter(statuses=[PolicyStatus.PUBLISHED.value]), limit=limit)]
def first_source_label(code: str) -> str:
    """工单 / 导入 / 走访 / 政策反馈 / 手工建档."""
    return FIRST_SOURCES.get(code, code)


