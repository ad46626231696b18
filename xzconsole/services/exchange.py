"""Results back to 12345 and the unattended exchange folder (SPEC §10, §11).

``DIR/inbox/``: files 12345 drops (``.jsonl``/``.csv``/``.xlsx``), each taken
in exactly once through the ordinary import (:func:`import_tickets`) as the
exchange's own staff account, then moved to ``DIR/done/``; its rejected rows
go to ``DIR/rejects/``, and so does a file that cannot be read at all, whole,
with a ``.note.txt`` beside it saying why.  Names starting with ``.`` or
ending in ``.tmp``/``.part`` are left alone until renamed; a file whose size
or time still changes is waited for.

``DIR/outbox/results-YYYYMMDDTHHMMSS.jsonl``: the tickets changed since the
last results file.  Each file covers a range of history lines; the range is
recorded in the database *before* the file gets its final name and marked
published after, so a crash at any point is finished on the next start —
no change is sent twice or skipped.

Waiting is done by ``watchfiles`` (inotify): no polling loop.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..areas.exchange import RESULT_FIELDS
from ..areas.feed import export_json
from ..clock import to_local
from ..models import Satisfaction, Status
from .feed_format import FeedError
from .feed_readers import open_feed
from .importers import ImportSummary, import_tickets
from .rejects import rejects_path

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Store

FORMATS = ("jsonl", "csv", "xlsx")
FEED_SUFFIXES = (".jsonl", ".csv", ".xlsx")
_WARNING_CN = {"none": "无", "yellow": "黄色预警", "orange": "橙色预警", "red": "红色预警"}
_TIME_KEYS = ("dispatched_at", "signed_at", "replied_at", "closed_at")


# ---------------------------------------------------------------- results files


def _cn_row(rec: dict[str, Any]) -> list[Any]:
    """A results record as the feed's Chinese columns hold it: labels, local times, 已解决/未解决."""
    out: list[Any] = []
    for key in RESULT_FIELDS:
        v = rec.get(key)
        if v is None:
            v = ""
        elif key == "status":
            v = Status(v).label
        elif key == "satisfaction":
            v = Satisfaction(v).label
        elif key == "resolved":
            v = "已解决" if v else "未解决"
        elif key == "max_warning":
            v = _WARNING_CN.get(str(v), str(v))
        elif key in _TIME_KEYS and isinstance(v, str):
            v = v[:19].replace("T", " ")
        out.append(v)
    return out


def write_results(records: Iterable[dict[str, Any]], fmt: str, out: IO[str] | Path) -> int:
    """Write results records as JSON Lines (codes, ISO times), CSV (UTF-8 with BOM,
    for Excel) or XLSX (the feed's Chinese headers); streamed, constant memory.
    ``out`` is a text stream (jsonl, csv) or a path (any format); returns the count."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式：{fmt}（可选：{'、'.join(FORMATS)}）")
    n = 0
    if fmt == "xlsx":
        if not isinstance(out, Path):
            raise ValueError("xlsx 格式必须用 --out 指定输出文件")
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("办理结果")
        ws.append(list(RESULT_FIELDS.values()))
        for rec in records:
            ws.append(_cn_row(rec))
            n += 1
        wb.save(out)
        return n
    fh: IO[str]
    own = isinstance(out, Path)
    fh = open(out, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") if isinstance(out, Path) else out
    try:
        if fmt == "jsonl":
            write = fh.write
            for rec in records:
                write(export_json(rec) + "\n")
                n += 1
        else:
            w = csv.writer(fh)
            w.writerow(list(RESULT_FIELDS.values()))
            for rec in records:
                w.writerow(_cn_row(rec))
                n += 1
    finally:
        if own:
            fh.close()
    return n


# ---------------------------------------------------------------- the exchange folder


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3`` … before the suffix when taken."""
    target = folder / name
    stem, suffix = (name.split(".", 1) + [""])[:2]
    i = 2
    while target.exists():
        target = folder / (f"{stem}-{i}.{suffix}" if suffix else f"{stem}-{i}")
        i += 1
    return target


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def ignored_name(name: str) -> bool:
    """Names the exchange leaves alone: dotfiles, files being written (.tmp, .part)
    and the rejects files the import itself writes beside its input."""
    low = name.lower()
    return name.startswith(".") or low.endswith((".tmp", ".part")) or low.endswith(".rejects.jsonl")


@dataclass
class PassReport:
    """What one pass over the inbox did (for the log and the exit status)."""

    files: int = 0
    imported: int = 0
    duplicate: int = 0
    rejected: int = 0
    refused_files: int = 0
    waiting: list[str] = field(default_factory=list)  # still growing: taken on a later pass
    results: Path | None = None
    results_count: int = 0


class Exchange:
    """One exchange folder, served by one process (a lock file keeps a second away)."""

    def __init__(self, store: Store, root: Path, login: str, *, settle: float = 2.0,
                 say: Callable[[str], None] = lambda _msg: None) -> None:
        self.store, self.login, self.settle, self.say = store, login, settle, say
        self.root = root.expanduser().resolve()
        self.inbox, self.done = self.root / "inbox", self.root / "done"
        self.rejects, self.outbox = self.root / "rejects", self.root / "outbox"
        self.key = str(self.root)
        self.stop = threading.Event()
        self._seen: dict[str, tuple[int, int, float]] = {}  # name → (size, mtime_ns, first seen so)
        self._failed: set[tuple[str, int, int]] = set()  # (name, size, mtime_ns) that failed for another reason
        self._lock_fh: IO[str] | None = None

    # -- set-up -------------------------------------------------------------------
    def open(self) -> None:
        """Create the four folders and take the folder's lock."""
        import fcntl

        for d in (self.inbox, self.done, self.rejects, self.outbox):
            d.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".exchange.lock", "w", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise RuntimeError(f"另一个 xzconsole exchange 正在处理 {self.root}（{self.root / '.exchange.lock'}）") from None
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._lock_fh = fh

    def close(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    # -- the inbox ------------------------------------------------------------------
    def candidates(self) -> list[Path]:
        """Feed files in the inbox, oldest first (by time, then name)."""
        found: list[tuple[int, str, Path]] = []
        try:
            entries = list(os.scandir(self.inbox))
        except FileNotFoundError:
            return []
        for e in entries:
            if ignored_name(e.name) or not e.name.lower().endswith(FEED_SUFFIXES):
                continue
            try:
                if not e.is_file(follow_symlinks=False):
                    continue
                found.append((e.stat().st_mtime_ns, e.name, Path(e.path)))
            except OSError:
                continue
        return [p for _, _, p in sorted(found)]

    def _ready(self, path: Path) -> bool:
        """Whether the file has stopped changing: the same size and time for ``settle`` seconds."""
        try:
            st = path.stat()
        except OSError:
            return False
        now = time.monotonic()
        seen = self._seen.get(path.name)
        if seen is None or seen[:2] != (st.st_size, st.st_mtime_ns):
            self._seen[path.name] = (st.st_size, st.st_mtime_ns, now)
            return self.settle <= 0
        return now - seen[2] >= self.settle

    def process(self, path: Path, report: PassReport) -> None:
        """Take one inbox file in (or refuse it whole); never raises for the file's sake."""
        name = path.name
        try:
            st = path.stat()
        except OSError:
            return
        if (name, st.st_size, st.st_mtime_ns) in self._failed:
            return
        try:
            digest = _digest(path)
        except OSError as exc:
            self._refuse(path, f"无法读取文件：{exc.strerror or exc}", f"unreadable:{st.st_size}:{st.st_mtime_ns}",
                         st.st_size, report)
            return
        if self.store.exchange.file_done(self.key, name, digest):
            # taken in before (a crash before the move, or 12345 sent it again): nothing to import
            target = self._move(path, self.done)
            self._seen.pop(name, None)
            report.files += 1
            self.say(f"{name}：同名同内容的文件已导入过，未重复导入，移入 done/{target.name}")
            return
        try:
            reader = open_feed(path)
            summary = import_tickets(self.store, path, self.login, reader=reader)
        except (FeedError, OSError, UnicodeError) as exc:
            reason = str(exc) if isinstance(exc, FeedError) else f"{type(exc).__name__}：{exc}"
            self._refuse(path, reason, digest, st.st_size, report)
            return
        except sqlite3.OperationalError as exc:  # busy or locked for longer than the timeout: the next pass retries
            self.say(f"处理 {name} 时数据库暂不可用，文件留在收件箱，稍后重试：{exc}")
            return
        except Exception as exc:  # a bug or a damaged database: log it, leave the file, go on with the next
            self._failed.add((name, st.st_size, st.st_mtime_ns))
            self.say(f"处理 {name} 时出错，文件留在收件箱，下次启动时重试：{type(exc).__name__}：{exc}")
            return
        self._finish(path, digest, st.st_size, summary, report)

    def _finish(self, path: Path, digest: str, size: int, summary: ImportSummary, report: PassReport) -> None:
        name = path.name
        if summary.total == 0:
            self._refuse(path, "文件中没有数据行", digest, size, report)
            return
        self.store.exchange.record_file(self.key, name, digest, size, "imported", summary.imported,
                                        summary.duplicate, summary.rejected)
        rej = rejects_path(path)
        if rej.exists():
            self._move(rej, self.rejects)
        self._move(path, self.done)
        self._seen.pop(name, None)
        report.files += 1
        report.imported += summary.imported
        report.duplicate += summary.duplicate
        report.rejected += summary.rejected
        self.say(f"{name}：新增 {summary.imported} 件，重复 {summary.duplicate} 件，拒收 {summary.rejected} 行"
                 + (f"（拒收的行见 rejects/{rej.name}）" if summary.rejected else ""))

    def _refuse(self, path: Path, reason: str, digest: str, size: int, report: PassReport) -> None:
        """A file that cannot be read at all: to ``rejects/`` whole, with a note."""
        name = path.name
        try:
            target = self._move(path, self.rejects)
            note = target.with_name(target.name + ".note.txt")
            note.write_text(f"{name}：整个文件未能导入。\n原因：{reason}\n"
                            f"时间：{to_local(self.store.now()):%Y-%m-%d %H:%M:%S}\n"
                            "修正后重新放入 inbox/ 即可（已导入的工单编号会自动跳过）。\n", encoding="utf-8")
        except OSError as exc:
            st = path.stat() if path.exists() else None
            if st is not None:
                self._failed.add((name, st.st_size, st.st_mtime_ns))
            self.say(f"{name} 无法移入 rejects/：{exc}")
        rej = rejects_path(path)
        if rej.exists():
            try:
                self._move(rej, self.rejects)
            except OSError:
                pass
        self.store.exchange.record_file(self.key, name, digest, size, "unreadable", note=reason)
        self._seen.pop(name, None)
        report.refused_files += 1
        self.say(f"{name}：整个文件未能导入，已移入 rejects/（{reason}）")

    def _move(self, path: Path, folder: Path) -> Path:
        target = _free_name(folder, path.name)
        os.replace(path, target)
        _fsync_dir(folder)
        return target

    # -- the outbox -------------------------------------------------------------------
    def _tmp(self, name: str) -> Path:
        return self.outbox / f".{name}.tmp"

    def _write_range(self, name: str, after: int, upto: int) -> int:
        tmp = self._tmp(name)
        with open(tmp, "w", encoding="utf-8") as fh:
            n = write_results(self.store.exchange.results(self.store.now(), events=(after, upto)),
                              "jsonl", fh)
            fh.flush()
            os.fsync(fh.fileno())
        return n

    def _publish(self, rid: int, name: str, after: int, upto: int) -> None:
        final = self.outbox / name
        tmp = self._tmp(name)
        if not final.exists():
            if not tmp.exists():  # the crash came before the file was complete: write it again
                self._write_range(name, after, upto)
            os.replace(tmp, final)
            _fsync_dir(self.outbox)
        self.store.exchange.published(rid)

    def recover(self) -> None:
        """Finish what a crash interrupted: publish recorded results files, drop stray temporaries."""
        pending = self.store.exchange.pending_results(self.key)
        for p in pending:
            self._publish(p.id, p.name, p.from_event, p.to_event)
        keep = {self._tmp(p.name).name for p in pending}
        for stray in self.outbox.glob(".results-*.tmp"):
            if stray.name not in keep:
                stray.unlink(missing_ok=True)

    def write_results(self, report: PassReport | None = None) -> Path | None:
        """The tickets changed since the last results file, as a new file in the outbox
        (None, and no file, when nothing changed)."""
        self.recover()
        ex = self.store.exchange
        with self.store.read_snapshot():
            after, upto = ex.position(self.key), ex.last_event()
        if upto <= after:
            return None
        taken = ex.result_names(self.key)
        stamp = f"{to_local(self.store.now()):%Y%m%dT%H%M%S}"
        name, i = f"results-{stamp}.jsonl", 2
        while name in taken or (self.outbox / name).exists():
            name, i = f"results-{stamp}-{i}.jsonl", i + 1
        n = self._write_range(name, after, upto)
        if n == 0:  # the changed tickets are gone (cannot happen with append-only history): no file
            self._tmp(name).unlink(missing_ok=True)
            rec = ex.record_results(self.key, f"(无变化 {upto})", after, upto, 0)
            ex.published(rec.id)
            return None
        rec = ex.record_results(self.key, name, after, upto, n)
        self._publish(rec.id, name, after, upto)
        if report is not None:
            report.results, report.results_count = self.outbox / name, n
        self.say(f"已写出办理结果：outbox/{name}（{n} 件）")
        return self.outbox / name

    # -- passes ------------------------------------------------------------------------
    def run_pass(self, *, results: bool) -> PassReport:
        """Every ready file of the inbox, in order (stopping early on SIGTERM), then results."""
        report = PassReport()
        for path in self.candidates():
            if self.stop.is_set():
                break
            if not self._ready(path):
                report.waiting.append(path.name)
                continue
            self.process(path, report)
        if results:
            self.write_results(report)
        return report

    def once(self) -> PassReport:
        """``--once``: what is there now (waiting ``settle`` for a file that may still grow), then results."""
        self.recover()
        report = self.run_pass(results=False)
        if report.waiting and not self.stop.is_set():
            time.sleep(self.settle)  # once, for the files first seen just now
            again = self.run_pass(results=False)
            report.files += again.files
            report.imported += again.imported
            report.duplicate += again.duplicate
            report.rejected += again.rejected
            report.refused_files += again.refused_files
            report.waiting = again.waiting
        self.write_results(report)
        return report

    def serve(self, interval: float) -> None:
        """Until SIGTERM (``stop``): take files in as they arrive (watchfiles), results every
        ``interval`` seconds and on the way out.  The current file is always finished."""
        from watchfiles._rust_notify import RustNotify

        self.recover()
        due = time.monotonic() + interval
        with RustNotify([str(self.inbox)], False, False, 300, False, True) as notify:
            while not self.stop.is_set():
                report = self.run_pass(results=False)
                now = time.monotonic()
                if now >= due:
                    self.write_results()
                    due = now + interval
                if self.stop.is_set():
                    break
                wait = due - time.monotonic()
                if report.waiting:
                    wait = min(wait, self.settle)
                notify.watch(200, 50, max(1, int(wait * 1000)), self.stop)
        self.write_results()


def iter_results(store: Store, now: dt.datetime, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
    """``export results``: every ticket, or those changed since ``since``."""
    return store.exchange.results(now, since=since)


__all__ = ["Exchange", "FORMATS", "PassReport", "ignored_name", "iter_results", "write_results"]
