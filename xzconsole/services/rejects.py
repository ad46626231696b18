"""The rejects file every import writes beside its input (rejected rows with
their line number and the reason in Chinese), and the Chinese wording of the
disk and database errors an import can meet.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO, Any

from ..areas.feed import export_json
from .feed_format import FeedError


def rejects_path(path: str | os.PathLike[str]) -> Path:
    """feed.jsonl → feed.rejects.jsonl (always JSON Lines, whatever the input)."""
    p = Path(path).expanduser()
    return p.with_name(f"{p.stem}.rejects.jsonl")


class RejectsError(Exception):
    """The rejects file could not record a row (``cause``: the OSError)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


_ERRNO_CN = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "磁盘配额已满", errno.EACCES: "没有权限",
             errno.EPERM: "不允许的操作", errno.EROFS: "只读文件系统", errno.ENOENT: "目录不存在",
             errno.EISDIR: "这是一个目录", errno.EIO: "磁盘读写错误"}


def explain_os_error(exc: OSError) -> str:
    """An OSError's cause in Chinese (disk full, permission, …)."""
    return _ERRNO_CN.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def explain_database_error(exc: BaseException) -> str:
    """A SQLite error's cause in Chinese (disk full, permission, database busy),
    never SQLite's own English text."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return "磁盘空间不足（数据库所在的磁盘已满），请清理空间后重新导入"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return "数据库正忙（另一个程序长时间占用写入），请稍后重新导入"
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")) or "readonly" in text:
        return "没有写入数据库的权限（数据库文件、其目录或 -wal/-shm 文件只读），请联系管理员（xzconsole doctor）"
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return "磁盘读写错误（数据库所在的磁盘出错或已满），请联系管理员"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "数据库文件已损坏：请用最近的备份恢复（xzconsole doctor 可检查）"
    return f"数据库错误（{name or type(exc).__name__}），请联系管理员"


class RejectsFile:
    """Writes rejected rows (line, reason, raw row) as JSON Lines beside the input.

    :meth:`open` it before anything is committed: a rejects file that cannot
    be written refuses the import up front.  It is opened without following a
    symlink (``O_NOFOLLOW``: an existing symlink is refused, its target never
    touched) and refused when it is not a plain file or has other hard links.
    :meth:`flush` before each commit, so every row committed so far has its
    rejects on disk; ``count - recorded`` is how many rejected rows it could
    not record.  A rejects file of an earlier run is removed when this run
    rejects nothing.  Shared by every kind of import.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: IO[bytes] | None = None
        self.count = 0  # rows rejected
        self.recorded = 0  # of them, safely written
        self._pending = 0
        self.failure: OSError | None = None

    def open(self) -> None:
        if self.fh is not None:
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o660)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FeedError(f"拒收文件 {self.path} 是符号链接：为安全起见不会写入它指向的文件。"
                                "请删除或改名这个链接后重试（未导入任何内容）") from None
            raise FeedError(f"无法写入拒收文件 {self.path}（{explain_os_error(exc)}），未导入任何内容。"
                            "请把导入文件放到自己有写权限的目录后重试") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise FeedError(f"拒收文件 {self.path} 已存在但不是普通文件，不会写入。请删除或改名后重试（未导入任何内容）")
            if st.st_nlink > 1:
                raise FeedError(f"拒收文件 {self.path} 还有其他硬链接，为安全起见不会写入。请删除后重试（未导入任何内容）")
            os.ftruncate(fd, 0)
        except BaseException:
            os.close(fd)
            raise
        self.fh = os.fdopen(fd, "wb")

    def _write(self, text: str) -> None:
        assert self.fh is not None
        self.fh.write(text.encode("utf-8"))

    def add(self, line: int, reason: str, raw: Any) -> None:
        """Record one rejected row; :class:`RejectsError` when it cannot."""
        self.count += 1
        if self.failure is not None:
            raise RejectsError(self.failure)
        try:
            self.open()
            self._write(export_json({"line": line, "reason": reason, "raw": raw}) + "\n")
        except OSError as exc:
            self.failure = exc
            raise RejectsError(exc) from None
        self._pending += 1

    def flush(self) -> None:
        """Everything added so far on disk, or :class:`RejectsError`."""
        if self.failure is not None:
            raise RejectsError(self.failure)
        if self.fh is None or not self._pending:
            return
        try:
            self.fh.flush()
        except OSError as exc:
            self.failure = exc
            raise RejectsError(exc) from None
        self.recorded += self._pending
        self._pending = 0

    @property
    def unrecorded(self) -> int:
        return self.count - self.recorded

    def close(self) -> None:
        if self.fh is not None:
            try:
                if self.failure is None and self._pending:
                    self.flush()
            except RejectsError:
                pass
            try:
                self.fh.close()
            except OSError as exc:
                self.failure = self.failure or exc
            self.fh = None
        if self.count == 0:  # nothing rejected: no rejects file (an earlier run's no longer applies)
            try:
                if self.path.is_file() and not self.path.is_symlink():
                    self.path.unlink()
            except OSError:
                pass
