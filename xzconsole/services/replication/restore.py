"""Restores: the latest or a point-in-time copy from the replica into a new
file, verified (``integrity_check``, schema version) before it takes its name."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...areas.replica_copy import CopyFacts, inspect_copy
from ...clock import SHANGHAI
from .settings import (
    ReplicaSettings,
    ReplicationError,
    configured_url,
    paths_for,
    render_config,
    settings_file,
)


@dataclass(frozen=True)
class RestoreResult:
    """A verified restore: where, what it holds, how long it took."""

    path: Path
    facts: CopyFacts
    source: str
    timestamp: dt.datetime | None
    restore_seconds: float
    verify_seconds: float


def check_target(target: Path, live_db: Path | None) -> Path:
    """The file a restore may write: new, not the configured database, in an
    existing directory.  A restore never writes over a database: one that is
    live would be corrupted under its users, one that is not may be the only
    good copy left."""
    target = Path(os.path.abspath(target.expanduser()))
    if live_db is not None and target == Path(os.path.abspath(live_db)):
        raise ReplicationError(f"{target} 是配置中正在使用的数据库，恢复不会写在它上面：请恢复到另一个文件，"
                               "核对无误后停止服务再替换（见 README“备用服务器与恢复演练”）")
    for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        if p.exists() or p.is_symlink():
            raise ReplicationError(f"{p} 已存在，拒绝覆盖（可能是正在使用的数据库）：请换一个新文件名")
    if not target.parent.is_dir():
        raise ReplicationError(f"目录不存在：{target.parent}")
    return target


def _restore_error(output: str, timestamp: dt.datetime | None, source: str) -> str:
    low = output.lower()
    last = output.strip().splitlines()[-1] if output.strip() else ""
    if "no matching backup" in low:
        if timestamp is not None:
            when = timestamp.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
            return f"副本中没有 {when} 或更早的备份（早于最早保留的快照，或副本为空）：{source}"
        return f"副本中没有可用的备份：{source}"
    if "no backups" in low or "no snapshot" in low or "not found" in low or "no such file" in low:
        return f"副本中没有可用的备份：{source}"
    if any(k in low for k in ("connection refused", "no such host", "i/o timeout", "handshake", "ssh:")):
        return f"无法连接副本 {source}：{last}"
    return f"Litestream 恢复失败：{last}"


def _remove_partial(tmp: Path) -> None:
    for p in tmp.parent.glob(tmp.name + "*"):
        try:
            p.unlink()
        except OSError:
            pass


def restore(target: Path, *, binary: Path, live_db: Path | None, settings: ReplicaSettings | None,
            timestamp: dt.datetime | None = None, schema_version: int,
            say: Callable[[str], None] | None = None) -> RestoreResult:
    """Restore the replica into the new file ``target`` and verify it.

    The replica is the one in ``settings`` or, without settings, the one the
    live database's ``replicate`` configured.  ``timestamp`` asks for the state
    at that moment (what Litestream had read by then; it reads the WAL every
    second), else the latest.  Litestream writes to a hidden file beside
    ``target``; it must pass ``integrity_check`` and have a schema version this
    program can open before it takes ``target``'s name (a hard link, which
    fails rather than overwrites if ``target`` appeared meanwhile).
    """
    target = check_target(target, live_db)
    tmp = target.with_name(f".{target.name}.restore-{os.getpid()}-{os.urandom(4).hex()}")
    with tempfile.TemporaryDirectory(prefix="xzconsole-restore-") as work:
        if settings is not None:
            config = Path(work) / "litestream.yml"
            config.write_text(render_config(target, settings), encoding="utf-8")
            key, source = target, settings.url
        else:
            if live_db is None:
                raise ReplicationError("未指定副本位置：用 --from 指定，或写复制设置文件")
            lp = paths_for(live_db)
            if not lp.config.exists():
                raise ReplicationError(f"未指定副本位置：用 --from 指定，或写复制设置文件（{settings_file()}）；"
                                       f"本机也没有 xzconsole replicate 写下的配置（{lp.config}）")
            config, key, source = lp.config, lp.db, configured_url(lp.config) or str(lp.config)
        args = [str(binary), "restore", "-config", str(config), "-no-expand-env", "-o", str(tmp)]
        if timestamp is not None:
            args += ["-timestamp", timestamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
        args.append(str(key))
        if say:
            say(f"正在从 {source} 恢复{'（' + timestamp.astimezone(SHANGHAI).strftime('%Y-%m-%d %H:%M:%S') + ' 时的状态）' if timestamp else '（最新状态）'}……")
        started = time.monotonic()
        try:
            out = subprocess.run(args, capture_output=True, text=True, check=False)
        except OSError as exc:
            _remove_partial(tmp)
            raise ReplicationError(f"无法运行 {binary}：{exc.strerror or exc}") from None
        restored = time.monotonic()
        if out.returncode != 0 or not tmp.exists():
            _remove_partial(tmp)
            raise ReplicationError(_restore_error(out.stderr + out.stdout, timestamp, source))
    try:
        if say:
            say(f"Litestream 恢复完成（{restored - started:.1f} 秒），正在校验（integrity_check）……")
        try:
            facts = inspect_copy(tmp)
        except (sqlite3.Error, OSError) as exc:  # not a usable database
            raise ReplicationError(f"恢复出的文件无法作为数据库打开：{exc}") from None
        if not facts.healthy:
            raise ReplicationError("恢复出的副本完整性检查未通过：" + "；".join(facts.integrity[:5]))
        if facts.schema_version > schema_version:
            raise ReplicationError(f"副本的结构版本 {facts.schema_version} 比本程序（{schema_version}）新：请先升级 xzconsole 再恢复")
        if facts.schema_version == 0:
            raise ReplicationError("恢复出的文件不是 xzconsole 数据库（结构版本 0）")
        verified = time.monotonic()
        for extra in tmp.parent.glob(tmp.name + "-*"):  # e.g. Litestream's -txid note
            extra.unlink()
        # it holds every enterprise's contacts: owner only; the command line
        # opens it to the group in a shared (group-writable) directory
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise ReplicationError(f"{target} 在恢复期间出现了，拒绝覆盖；恢复结果未保留") from None
        except OSError:
            if target.exists():
                raise ReplicationError(f"{target} 在恢复期间出现了，拒绝覆盖；恢复结果未保留") from None
            os.rename(tmp, target)  # a file system without hard links
    finally:
        _remove_partial(tmp)
    return RestoreResult(path=target, facts=facts, source=source, timestamp=timestamp,
                         restore_seconds=restored - started, verify_seconds=verified - restored)
