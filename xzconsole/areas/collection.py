"""Policy collection: the source websites and their daily check log, the
"135" publication targets, and each policy's lag from issue to collection,
publication and interpretation (in working days).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from .. import policies as pol
from ..clock import format_datetime, local_date
from ..errors import InvalidAction, NotFound
from ..models import PolicyKind, Role, Staff
from .base import DATA_DIR, Core, inserted_id, require_policy_manager, require_role
from .policy_rows import as_date, get_policy, policy_event

SOURCE_KINDS = {"national": "国家级门户", "provincial": "省级门户", "municipal": "市级门户",
                "department": "部门网站", "county": "县区网站", "news": "新闻媒体"}


class CollectionArea:
    """``store.collection``: sources, checks, targets and publication lag."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- reference data -------------------------------------------------------------
    def load_reference(self, data_dir: Path | None = None) -> dict[str, int]:
        """Load the policy source websites (data/policy_sources.toml, upserted by
        code) and the publication targets (data/publication_targets.toml).
        Called by ``load_reference_data``; idempotent."""

        import tomllib  # with the reference data, not with the policy library (F4)

        data_dir = Path(data_dir or DATA_DIR)
        counts: dict[str, int] = {}
        src = data_dir / "policy_sources.toml"
        sources = tomllib.loads(src.read_text(encoding="utf-8")).get("source", []) if src.exists() else []
        tgt = data_dir / "publication_targets.toml"
        targets = pol.PublicationTargets.from_toml(tgt) if tgt.exists() else None
        with self.core.write() as c:
            for s in sources:
                kind = s.get("kind", "department")
                if kind not in SOURCE_KINDS:
                    raise ValueError(f"policy_sources.toml：来源“{s.get('name')}”的 kind“{kind}”无效（可选：{'、'.join(SOURCE_KINDS)}）")
                c.execute(
                    "INSERT INTO policy_sources(code, name, url, kind, responsible, active) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, url = excluded.url, kind = excluded.kind, "
                    "responsible = excluded.responsible, active = excluded.active",
                    (s["code"], s["name"], s.get("url", ""), kind, s.get("responsible", ""), int(s.get("active", True))),
                )
            if sources:
                # the file is the list: a source taken out of it stops being due (its check log stays)
                codes = [str(x["code"]) for x in sources]
                c.execute(f"UPDATE policy_sources SET active = 0 WHERE active = 1 AND code NOT IN ({','.join('?' * len(codes))})",
                          codes)
            counts["policy_sources"] = len(sources)
            if targets is not None:
                c.execute("INSERT INTO settings(key, value) VALUES ('publication_targets', ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (json.dumps(targets.as_mapping()),))
        return counts

    def targets(self) -> pol.PublicationTargets:
        """The center's publication time targets (default "135")."""
        row = self.core.conn.execute("SELECT value FROM settings WHERE key = 'publication_targets'").fetchone()
        return pol.PublicationTargets.from_mapping(json.loads(row[0])) if row else pol.PublicationTargets()

    def set_targets(self, actor: Staff, collect: int, publish: int, interpret: int,
                                name: str = "") -> pol.PublicationTargets:
        """Edit the targets (a supervisor or admin); ValueError (Chinese) on bad numbers."""
        require_role(actor, (Role.SUPERVISOR, Role.ADMIN), "修改发布时限")
        t = pol.PublicationTargets.from_mapping({"collect": collect, "publish": publish, "interpret": interpret,
                                                 "name": name or f"{collect}{publish}{interpret}"})
        with self.core.write() as c:
            c.execute("INSERT INTO settings(key, value) VALUES ('publication_targets', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (json.dumps(t.as_mapping()),))
        return t

    def record_collection(self, actor: Staff, policy_id: int, collected_at: dt.date, source_id: int | None = None) -> None:
        """When (and from which source) the center collected the policy (the "1" of 135)."""
        require_role(actor, (Role.CLERK, Role.SUPERVISOR), "登记政策收集")
        self.set_date(actor, policy_id, "collected_at", collected_at, "collect",
                              {"source_id": source_id} if source_id else None)

    def record_interpretation(self, actor: Staff, policy_id: int, interpreted_at: dt.date, url: str = "") -> None:
        """When the policy's interpretation was published (the "5" of 135)."""
        require_policy_manager(actor, "登记政策解读")
        self.set_date(actor, policy_id, "interpreted_at", interpreted_at, "interpret",
                              {"interpretation_url": url.strip()} if url else None)

    def policy_lag(self, policy_id: int) -> pol.PolicyLag:
        """Working days from issue to collection, publication and interpretation, against the targets."""
        row = self.core.conn.execute(
            "SELECT p.issued_at, p.published_at, d.collected_at, d.interpreted_at FROM policies p "
            "LEFT JOIN policy_dates d ON d.policy_id = p.id WHERE p.id = ?", (int(policy_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到政策 #{policy_id}")
        return pol.policy_lag(as_date(row["issued_at"]), as_date(row["collected_at"]), as_date(row["published_at"]),
                              as_date(row["interpreted_at"]), self.core.calendar(), self.targets())

    def sources(self, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        """The source websites, each with who checks it and when it was last checked."""
        rows = self.core.conn.execute(
            "SELECT s.*, (SELECT max(at) FROM source_checks k WHERE k.source_id = s.id) AS last_checked "
            f"FROM policy_sources s {'' if include_inactive else 'WHERE s.active = 1'} ORDER BY s.id").fetchall()
        return [{**dict(r), "kind_label": SOURCE_KINDS.get(r["kind"], r["kind"])} for r in rows]

    def record_source_check(self, actor: Staff, source_id: int, found_count: int = 0, note: str = "") -> dict[str, Any]:
        """Log today's check of one source: how many new policies were found."""
        require_role(actor, (Role.CLERK, Role.SUPERVISOR, Role.ADMIN), "登记来源巡查")
        if isinstance(found_count, bool) or not isinstance(found_count, int) or found_count < 0:
            raise InvalidAction("发现政策数应为 0 或正整数")
        row = self.core.conn.execute("SELECT id, active FROM policy_sources WHERE id = ?", (int(source_id),)).fetchone()
        if row is None:
            raise NotFound(f"找不到政策来源 #{source_id}")
        now = self.core.now()
        with self.core.write() as c:
            cur = c.execute("INSERT INTO source_checks(source_id, day, at, actor, found_count, note) VALUES (?,?,?,?,?,?)",
                            (int(source_id), local_date(now).isoformat(), format_datetime(now), actor.login,
                             found_count, (note or "").strip()))
        return dict(self.core.conn.execute("SELECT * FROM source_checks WHERE id = ?", (inserted_id(cur),)).fetchone())

    def source_checks(self, source_id: int, limit: int = 30) -> list[dict[str, Any]]:
        """One source's check log, newest first, with ``actor_name`` (who
        checked, by name; the login when no longer staff)."""
        return [dict(r) for r in self.core.conn.execute(
            "SELECT k.*, COALESCE(s.name, k.actor) AS actor_name FROM source_checks k "
            "LEFT JOIN staff s ON s.login = k.actor WHERE k.source_id = ? ORDER BY k.id DESC LIMIT ?",
            (int(source_id), limit))]

    def sources_unchecked(self, today: dt.date | None = None) -> list[dict[str, Any]]:
        """Active sources with no check logged on ``today`` (default: the store
        clock's today) — a notice.  Sources are checked on working days, so
        on a rest day the list is empty."""
        today = today or self.core.clock.today()
        if not self.core.calendar().is_workday(today):
            return []
        rows = self.core.conn.execute(
            "SELECT s.* FROM policy_sources s WHERE s.active = 1 AND NOT EXISTS "
            "(SELECT 1 FROM source_checks k WHERE k.day = ? AND k.source_id = s.id) ORDER BY s.id", (today.isoformat(),))
        return [{**dict(r), "kind_label": SOURCE_KINDS.get(r["kind"], r["kind"])} for r in rows]

    def publication_figures(self, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
        """Per issuing department (its short name; national and provincial
        issuers by their own name) for policies published in [start, end]:
        ``published``, ``declaration``, ``interpreted`` (interpretations dated
        in the period), mean ``collect_lag`` / ``publish_lag`` /
        ``interpret_lag`` in working days from the issue date (None without
        data), ``publish_on_time`` (within the target) and ``publish_on_time_rate``,
        and ``sources`` / ``unchecked_source_days`` — working days in the
        period (up to today) a source this department is responsible for went
        unchecked.  For ``export policies`` and the monthly bulletin."""
        cal = self.core.calendar()
        targets = self.targets()
        s, e = start.isoformat(), end.isoformat()
        out: dict[str, dict[str, Any]] = {}

        def entry(name: str) -> dict[str, Any]:
            if name not in out:
                out[name] = {"published": 0, "declaration": 0, "interpreted": 0, "collect_lag": None, "publish_lag": None,
                             "interpret_lag": None, "publish_on_time": 0, "publish_on_time_rate": None, "sources": 0,
                             "unchecked_source_days": 0, "_lags": {"collect": [], "publish": [], "interpret": []},
                             "targets": targets.as_mapping()}
            return out[name]

        for r in self.core.conn.execute(
                "SELECT p.issuer, p.kind, p.issued_at, p.published_at, d.collected_at, d.interpreted_at FROM policies p "
                "LEFT JOIN policy_dates d ON d.policy_id = p.id WHERE p.published_at BETWEEN ? AND ? "
                "AND p.status != 'draft'", (s, e)):
            d = entry(r["issuer"] or "（未注明）")
            d["published"] += 1
            d["declaration"] += r["kind"] == PolicyKind.DECLARATION.value
            lag = pol.policy_lag(as_date(r["issued_at"]), as_date(r["collected_at"]), as_date(r["published_at"]),
                                 as_date(r["interpreted_at"]), cal, targets)
            for stage in ("collect", "publish"):
                if getattr(lag, stage) is not None:
                    d["_lags"][stage].append(getattr(lag, stage))
            if lag.on_target("publish"):
                d["publish_on_time"] += 1
        for r in self.core.conn.execute(
                "SELECT p.issuer, p.issued_at, d.interpreted_at FROM policy_dates d JOIN policies p ON p.id = d.policy_id "
                "WHERE d.interpreted_at BETWEEN ? AND ?", (s, e)):
            d = entry(r["issuer"] or "（未注明）")
            d["interpreted"] += 1
            v = pol.lag_days(as_date(r["issued_at"]), as_date(r["interpreted_at"]), cal)
            if v is not None:
                d["_lags"]["interpret"].append(v)
        last = min(end, self.core.clock.today())
        days = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
        workdays = [x.isoformat() for x in days if cal.is_workday(x)]
        checked = {(r[0], r[1]) for r in self.core.conn.execute(
            "SELECT DISTINCT source_id, day FROM source_checks WHERE day BETWEEN ? AND ?", (s, e))}
        for src in self.core.conn.execute("SELECT id, responsible FROM policy_sources WHERE active = 1"):
            d = entry(src["responsible"] or "（未指定）")
            d["sources"] += 1
            d["unchecked_source_days"] += sum(1 for w in workdays if (src["id"], w) not in checked)
        for d in out.values():
            lags = d.pop("_lags")
            for stage, values in lags.items():
                d[f"{stage}_lag"] = round(sum(values) / len(values), 2) if values else None
            n = len(lags["publish"])
            d["publish_on_time_rate"] = round(d["publish_on_time"] / n, 4) if n else None
        return out

    # -- collection, interpretation and lag -------------------------------------------
    def set_date(self, actor: Staff, policy_id: int, column: str, value: dt.date, action: str,
                         extra: dict[str, Any] | None = None) -> None:
        get_policy(self.core.conn, policy_id)
        now = self.core.now_s()
        with self.core.write() as c:
            old = c.execute(f"SELECT {column} FROM policy_dates WHERE policy_id = ?", (int(policy_id),)).fetchone()
            c.execute("INSERT INTO policy_dates(policy_id) VALUES (?) ON CONFLICT(policy_id) DO NOTHING", (int(policy_id),))
            sets = {column: value.isoformat(), **(extra or {})}
            c.execute(f"UPDATE policy_dates SET {', '.join(f'{k} = ?' for k in sets)} WHERE policy_id = ?",
                      [*sets.values(), int(policy_id)])
            policy_event(c, int(policy_id), now, actor.login, action, "",
                               {column: [old[0] if old else None, value.isoformat()]})
