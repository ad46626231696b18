"""Validating and importing the hotline feed (SPEC §11); no SQL here.

The files are read by :mod:`xzconsole.services.feed_readers` (JSON Lines, CSV;
XLSX in :mod:`xzconsole.services.feed_xlsx`), rows of any format have the shape of
:mod:`xzconsole.services.feed_format`.  Every row is validated: the intake fields through
:class:`xzconsole.models.TicketIntake`, the history fields (department, times,
follow-up) here.  A good row becomes an
:class:`xzconsole.areas.feed.ImportedTicket` whose status, due date and
warning level the rules compute; a bad row or an unreadable line goes, with its
line number, the reason in Chinese and the row as it was, to a rejects file
beside the input (:mod:`xzconsole.services.rejects`).  Rows are handed to the store in batches (:func:`run_import`);
each batch is one transaction, so a killed import keeps whole batches and a
rerun imports the rest.

Other kinds of import (policies, knowledge) are in :mod:`xzconsole.services.library_files`, which lists every kind in ``IMPORTERS``.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from pydantic import ValidationError

from .. import aliases as al
from .. import rules, vocabulary
from ..areas.base import DATA_DIR
from ..clock import SHANGHAI, local_date, parse_datetime, to_local
from ..errors import RowError
from ..models import CloseReason, Satisfaction, Status, TicketIntake, validate_uscc
from ..areas.feed import ImportedTicket
from ..workdays import WorkCalendar
from .feed_format import FIELD_LABELS, REQUIRED, FeedError, FeedReader, Progress, RawRow
from .feed_readers import open_feed
from .rejects import RejectsError, RejectsFile, explain_database_error, explain_os_error, rejects_path

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Store

_INTAKE_KEYS = ("external_id", "appeal_type", "enterprise_name", "contact_name", "district", "title", "content", "source")


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
    "ImportAborted",
    "ImportSummary",
    "RowValidator",
    "import_tickets",
    "load_districts",
    "run_import",
]
