"""Backups of the live database: SQLite's online backup API, to a file that is
complete, checked and private before it takes the place of ``dest``
(``xzconsole admin backup``; reached as :meth:`xzconsole.store.Store.backup_to`)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import StoreError


def backup_database(conn: sqlite3.Connection, path: str, dest: str | os.PathLike[str]) -> str:
        """Copy the live database to ``dest`` with SQLite's online backup API.

        The copy is written beside ``dest`` under a temporary name, switched to
        a single self-contained file (journal_mode DELETE), checked with
        ``PRAGMA integrity_check`` and only then renamed into place, so ``dest``
        is never a half-written file.  Returns the integrity result ('ok').
        Raises ``ValueError`` (Chinese) when ``dest`` is the live database.
        """
        target = Path(dest).expanduser()
        live = Path(path).resolve()
        resolved = target.resolve()
        sidecar = resolved.parent == live.parent and resolved.name in (
            live.name + "-wal", live.name + "-shm", live.name + "-journal")
        if resolved == live or sidecar:
            raise ValueError(f"备份目标就是正在使用的数据库（{live}），不能覆盖")
        if target.exists() and live.exists() and os.path.samefile(target, live):
            raise ValueError(f"备份目标就是正在使用的数据库（{live}），不能覆盖")
        if not target.parent.exists():
            raise ValueError(f"备份目录不存在：{target.parent}")
        if _in_wal_mode(target):
            # backups are single files (journal_mode DELETE); a WAL-mode file is
            # a database in use, never overwritten by a backup
            raise ValueError(f"{target} 是一个正在使用的数据库（WAL 模式），不是备份：不能覆盖")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
        # the copy holds everything the database holds: never readable by more
        # people than the database itself (and at most by its owner)
        try:
            db_mode = os.stat(live).st_mode & 0o777
        except OSError:
            db_mode = 0o600
        mode = 0o600 & db_mode
        leftovers = [tmp] + [tmp.with_name(tmp.name + suffix) for suffix in ("-journal", "-wal", "-shm")]

        def clean() -> None:
            for p in leftovers:
                try:
                    p.unlink(missing_ok=True)
                except OSError:
                    pass

        def failed(exc: BaseException) -> StoreError:
            reason = _backup_reason(exc)
            return StoreError(f"备份失败：{reason}。没有留下不完整的文件，{target} 未改动")

        clean()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            os.close(fd)
            os.chmod(tmp, mode)  # the umask may have narrowed it further; never widened
        except OSError as exc:
            clean()
            raise failed(exc) from None
        copy = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            conn.backup(copy, pages=4096)
            copy.execute("PRAGMA journal_mode = DELETE")
            check = str(copy.execute("PRAGMA integrity_check").fetchone()[0])
            copy.close()
            if check != "ok":
                raise ValueError(f"备份副本完整性检查未通过：{check}")
            os.replace(tmp, target)
        except (OSError, sqlite3.Error) as exc:
            copy.close()
            clean()
            raise failed(exc) from None
        except BaseException:
            copy.close()
            clean()
            raise
        return check


def _in_wal_mode(path: Path) -> bool:
    """Whether ``path`` is an SQLite database in WAL mode (header bytes 18–19 = 2)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(20)
    except OSError:
        return False
    return head[:16] == b"SQLite format 3\x00" and head[18:20] == b"\x02\x02"


def _backup_reason(exc: BaseException) -> str:
    """The cause of a failed backup in Chinese (disk full, permission, …)."""
    import errno

    text = str(exc)
    if isinstance(exc, OSError):
        reasons = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有权限写入备份目录",
                   errno.EPERM: "没有权限写入备份目录", errno.EROFS: "备份目录所在文件系统只读",
                   errno.EDQUOT: "超出磁盘配额"}
        return reasons.get(exc.errno or 0, f"{exc.strerror or text}（{exc.filename or ''}）")
    if "disk is full" in text or "SQLITE_FULL" in text:
        return "磁盘空间不足"
    if "readonly" in text or "unable to open" in text:
        return "无法写入备份目录（权限或只读）"
    if "locked" in text or "busy" in text:
        return "数据库正忙，请稍后重试"
    if "disk I/O" in text:
        return "磁盘读写错误"
    return f"数据库错误：{text}"
