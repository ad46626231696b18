"""The standby: ``replicate`` and ``restore`` (Litestream)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .base import EXIT_OK, CliError, Ctx, _private, register, safe

if TYPE_CHECKING:
    from ..store import Store


def _replicate_args(p: argparse.ArgumentParser) -> None:
    from ..services.replication import DEFAULT_SETTINGS, ENV_SETTINGS

    p.add_argument("--to", metavar="URL",
                   help="副本位置：另一块磁盘上的目录（file:///mnt/standby/xzconsole）、备用服务器"
                        "（sftp://用户@主机/目录）或 S3 兼容存储（s3://桶/路径）；替代设置文件中的 replica")
    p.add_argument("--settings", metavar="FILE", help=f"复制设置文件（默认：环境变量 {ENV_SETTINGS}，否则 {DEFAULT_SETTINGS}）")
    p.add_argument("--once", action="store_true", help="只同步一次后退出（维护前或演练时用）")


def _service_or_admin(ctx: Ctx, store: Store, path: Path) -> None:
    """Replication and restores hand out the whole database, so only the account
    that owns it or an administrator may run them.  The owner counts when it
    was not reached through sudo by someone else (systemd; root becoming it):
    a staff login's sudo rule for ``xzconsole`` must not let it copy the
    database to a place of its choosing."""
    try:
        own = path.stat().st_uid == os.getuid()
    except OSError:
        own = False
    if own and os.environ.get("SUDO_USER", "root") in ("", "root"):
        return
    ctx.actor(store, roles=["admin"])


@register("replicate", "连续复制数据库到备用位置（Litestream；由服务账号长期运行，见 README“备用服务器与恢复演练”）",
          _replicate_args)
def cmd_replicate(ctx: Ctx) -> int:
    """Run Litestream for the live database until stopped (SPEC §13)."""
    from ..services import replication as rp

    a = ctx.args
    path = ctx.db_path()
    with ctx.open_store() as store:  # exists, migrated, in WAL mode (Litestream needs WAL)
        _service_or_admin(ctx, store, path)
        if store.journal_mode() != "wal":
            raise CliError(f"数据库不是 WAL 日志模式（{store.journal_mode()}），Litestream 无法复制")
    try:
        settings = rp.resolve_settings(a.settings, a.to)
        binary = rp.require_litestream()
        return rp.replicate(path, settings, binary=binary, once=a.once, say=ctx.say,
                            log=lambda line: print(safe(line), file=ctx.err, flush=True))
    except rp.ReplicationError as exc:
        raise CliError(str(exc)) from None


def _restore_args(p: argparse.ArgumentParser) -> None:
    from ..services.replication import DEFAULT_SETTINGS, ENV_SETTINGS

    p.add_argument("--to", required=True, metavar="PATH", help="恢复到这个新文件（不能已存在，也不能是配置中正在使用的数据库）")
    p.add_argument("--timestamp", metavar="ISO", help="恢复到该时刻的状态（如 2026-12-04T15:30:00，北京时间）；默认最新")
    p.add_argument("--from", dest="source", metavar="URL", help="副本位置（默认：设置文件中的 replica，否则本机 replicate 的配置）")
    p.add_argument("--settings", metavar="FILE", help=f"复制设置文件（默认：环境变量 {ENV_SETTINGS}，否则 {DEFAULT_SETTINGS}）")


@register("restore", "从副本恢复数据库（最新或指定时刻）到新文件，并校验完整性与结构版本", _restore_args)
def cmd_restore(ctx: Ctx) -> int:
    """Bring the replica back into a new file, verified (SPEC §12, §13)."""
    from ..clock import parse_datetime
    from ..services import replication as rp
    from ..store import SCHEMA_VERSION

    a = ctx.args
    live = ctx.db_path()
    when: dt.datetime | None = None
    if a.timestamp:
        try:
            when = parse_datetime(a.timestamp)
        except ValueError as exc:
            raise CliError(f"--timestamp {exc}") from None
    if live.exists():
        with ctx.open_store(migrate=False) as store:
            _service_or_admin(ctx, store, live)
    # else a standby: no database, no staff to check; the copy is written for
    # the running account only (0600) and never over an existing file
    try:
        target = rp.check_target(Path(a.to), live)
        settings: rp.ReplicaSettings | None = None
        if a.source or a.settings or rp.settings_file().exists():
            settings = rp.resolve_settings(a.settings, a.source)
        binary = rp.require_litestream()
        result = rp.restore(target, binary=binary, live_db=live, settings=settings, timestamp=when,
                            schema_version=SCHEMA_VERSION, say=ctx.say)
    except rp.ReplicationError as exc:
        raise CliError(str(exc)) from None
    _private(result.path)
    f = result.facts
    ctx.say(f"已恢复到 {result.path}：工单 {f.tickets:,} 件，事件 {f.events:,} 条，最新事件时间 {f.last_event_at or '—'}；"
            f"完整性检查 ok，结构版本 {f.schema_version}；用时 {result.restore_seconds + result.verify_seconds:.1f} 秒"
            f"（恢复 {result.restore_seconds:.1f} 秒，校验 {result.verify_seconds:.1f} 秒）")
    if f.schema_version < SCHEMA_VERSION:
        ctx.say(f"副本的结构版本 {f.schema_version} 比本程序（{SCHEMA_VERSION}）旧：启用前请执行 xzconsole init --db {result.path}")
    return EXIT_OK


