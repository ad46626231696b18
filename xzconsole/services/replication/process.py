"""Running Litestream: one supervised ``litestream replicate`` per database,
held by a lock file, restarted with back-off when it dies, stopped cleanly so
it makes its last sync."""

from __future__ import annotations

import collections
import errno
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Self

from .settings import (
    LitestreamPaths,
    ReplicaSettings,
    ReplicationError,
    litestream_version,
    paths_for,
    write_config,
)
from .status import litestream_answers


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
        if litestream_answers(p.socket):
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
