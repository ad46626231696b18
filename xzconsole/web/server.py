"""``xzconsole wall --web``: one process serving the read-only wall page to any number of browsers.

Why aiohttp: the page needs a long-lived push channel (server-sent events) to
many browsers from one process, next to a loop that polls the database twice
a second; asyncio does both in one thread with one connection per browser
costing a coroutine, not a thread.  aiohttp is a single, long-maintained
package that brings both the server and (for the benchmark) an HTTP client,
with a hardened HTTP parser — unlike the standard library's ``http.server``,
whose own documentation advises against exposing it.

How a commit reaches the pages (STYLE §7):

* :class:`WallHub` polls ``PRAGMA data_version`` every :data:`POLL_SECONDS`
  on a dedicated connection (:class:`xzconsole.store.ChangeWatcher`: a few
  microseconds, no other statement), and also notices the clock's minute or
  date rolling over (tickets turn yellow at midnight by themselves);
* then one worker thread, owning the server's only :class:`~xzconsole.store.Store`,
  computes a snapshot (:func:`~xzconsole.web.snapshot.compute_wall_snapshot`);
* the snapshot is serialised **once** into an SSE event, and every connected
  page's coroutine, woken by an :class:`asyncio.Event`, writes those bytes.
  A slow page only ever gets the latest snapshot (nothing queues up for it).
* Every :data:`HEARTBEAT_SECONDS` each page also gets an ``alive`` event
  saying how long ago the data was last confirmed current; the page shows
  "数据更新于 … 秒前", red after ``stale_after`` seconds, and reconnects by
  itself when the stream breaks or falls silent.

Access (SPEC §13): bound to 127.0.0.1:8000 by default; any other address
needs a token (``--token`` or ``--token-file``), taken once from ``?token=``
into an HttpOnly cookie (or as ``Authorization: Bearer``).  Without a token
the server answers only requests whose ``Host`` is a loopback name, which
stops another web site from reading the wall through DNS rebinding.  Only
GET and HEAD are served; there is no route that writes anything.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..clock import Clock, FixedClock, local_date
from ..models import Staff
from ..store import ChangeWatcher, Store
from .snapshot import WallSnapshot, compute_wall_snapshot, snapshot_json
from .trend import RedTrend

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
POLL_SECONDS = 0.5  # data_version cadence: a commit shows within ~0.5 s + one snapshot
HEARTBEAT_SECONDS = 5.0  # an "alive" event per page; the page reconnects after 2.5 silent beats
STALE_AFTER_SECONDS = 30.0  # "数据更新于 … 秒前" turns red past this
MIN_TOKEN_LENGTH = 16
COOKIE = "xzwall_token"
COOKIE_MAX_AGE = 400 * 24 * 3600  # a wall screen is set up once; browsers cap cookies at 400 days
LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}
STATIC_FILES = {"/": ("index.html", "text/html"), "/wall.css": ("wall.css", "text/css"),
                "/wall.js": ("wall.js", "text/javascript")}

Compute = Callable[[dt.datetime, int, bool], WallSnapshot]


class WallConfigError(ValueError):
    """An unusable ``--web`` address or token (the message is Chinese, for the command line)."""


# ---------------------------------------------------------------- address and token


def parse_address(text: str | None) -> tuple[str, int]:
    """``[HOST:]PORT`` → (host, port); ``8000``, ``0.0.0.0:8000``, ``[::1]:8000``, ``localhost:8080``."""
    raw = (text or "").strip()
    if not raw:
        return DEFAULT_HOST, DEFAULT_PORT
    host, sep, port_text = raw.rpartition(":")
    if not sep:
        host, port_text = DEFAULT_HOST, raw
    elif host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise WallConfigError(f"地址“{raw}”无法识别：IPv6 地址请写成 [::1]:8000")
    if not host:
        host = DEFAULT_HOST
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise WallConfigError(f"端口“{port_text}”无效：应为 1–65535 的整数（格式：[主机:]端口，如 127.0.0.1:8000）")
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token_file(path: str | Path) -> str:
    """The token in a file: its first line, stripped (keeps the token out of ``ps``)."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise WallConfigError(f"无法读取令牌文件 {path}：{exc.strerror or exc}") from None
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def check_access(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token, and a token too short to guess-proof."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise WallConfigError(f"令牌太短：至少 {MIN_TOKEN_LENGTH} 个字符（可用 openssl rand -hex 16 生成）")
    if token is None and not is_loopback(host):
        raise WallConfigError(
            f"监听 {host} 会让其他计算机访问预警大屏：必须用 --token-file 文件（或 --token）设置访问令牌；"
            f"只在本机使用请用 127.0.0.1（默认）")


def _host_name(host_header: str) -> str:
    """The name part of a ``Host`` header (``[::1]:8000`` → ``::1``)."""
    h = host_header.strip()
    if h.startswith("["):
        return h[1:].split("]", 1)[0]
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


# ---------------------------------------------------------------- the hub


def sse_event(event: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    """One server-sent event; JSON has no raw line breaks, so ``data`` is one line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


class WallHub:
    """Watches the database, computes snapshots off the loop and wakes every page's stream.

    One per server process.  ``compute`` (default: a :class:`~xzconsole.store.Store`
    opened in the hub's single worker thread) can be replaced in tests.
    """

    def __init__(self, db_path: str, actor: Staff | None, clock: Clock, *,
                 poll_seconds: float = POLL_SECONDS, compute: Compute | None = None) -> None:
        self.db_path = db_path
        self.actor = actor
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.trend = RedTrend()
        self.seq = 0  # snapshots published
        self.payload = b""  # the latest snapshot as an SSE event
        self.snapshot: dict[str, Any] | None = None
        self.snapshot_at = 0.0  # monotonic time the latest snapshot was published
        self.confirmed_at = time.monotonic()  # monotonic time the data was last known current
        self.error: str | None = None
        self.build = ""  # the page's asset hash: a page from an older build reloads itself
        self.instance = secrets.token_hex(4)  # tells this process's snapshot numbers from a predecessor's
        self.pages = 0  # connected event streams
        self.closing = False
        self._compute = compute or self._compute_in_store
        self._changed = asyncio.Event()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="wall-snapshot")
        self._store: Store | None = None  # used only on the pool's thread
        self._watcher: ChangeWatcher | None = None
        self._task: asyncio.Task[None] | None = None
        self._seen: tuple[int, dt.date, dt.datetime] | None = None

    # -- the worker thread ------------------------------------------------------------
    def _compute_in_store(self, now: dt.datetime, version: int, with_yesterday: bool) -> WallSnapshot:
        if self._store is None:
            self._store = Store(self.db_path, self.clock, migrate=False)
        try:
            return compute_wall_snapshot(self._store, self.actor, now, version, with_yesterday=with_yesterday)
        except sqlite3.Error:
            self._store.disconnect()  # reopen next time (a replaced file, a lost lock)
            self._store = None
            raise

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.disconnect()
            self._store = None

    # -- the loop ---------------------------------------------------------------------
    def start(self) -> None:
        """Start polling (on the running loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wall-hub")

    async def stop(self) -> None:
        """Stop polling, release every waiting page and close the database connections."""
        if self.closing:
            return
        self.closing = True
        self._wake()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await asyncio.get_running_loop().run_in_executor(self._pool, self._close_store)
        self._pool.shutdown(wait=True)
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.closing:
            try:
                await self.tick(loop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure is reported on the page and retried at the next poll
                self.error = f"统计出错：{type(exc).__name__}: {exc}（稍后自动重试）"
                self._seen = None
                if self._watcher is not None:
                    self._watcher.close()
                    self._watcher = None
                print(f"xzconsole wall --web：{self.error}", file=sys.stderr, flush=True)
            await asyncio.sleep(self.poll_seconds)

    async def tick(self, loop: asyncio.AbstractEventLoop | None = None) -> bool:
        """One poll: recompute if another connection committed, or the minute or date
        rolled; returns whether a snapshot was published."""
        loop = loop or asyncio.get_running_loop()
        if self._watcher is None:
            self._watcher = ChangeWatcher(self.db_path)
        now = self.clock.now()
        version = self._watcher.version()
        key = (version, local_date(now), now.replace(second=0, microsecond=0))
        published = False
        if key != self._seen:
            snap = await loop.run_in_executor(self._pool, self._compute, now, version, not self.trend.started)
            self._seen = key
            self._publish(snap)
            published = True
        self.error = None
        self.confirmed_at = time.monotonic()
        return published

    def _publish(self, snap: WallSnapshot) -> None:
        mono = time.monotonic()
        self.trend.observe(snap.now, snap.red_ids, mono, snap.yesterday_red)
        data = snapshot_json(snap, self.trend, mono=mono, clock_fixed=isinstance(self.clock, FixedClock))
        self.seq += 1
        data.update(seq=self.seq, build=self.build, instance=self.instance)
        self.snapshot = data
        self.snapshot_at = mono
        self.payload = sse_event("snapshot", data, self.seq)
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, seen_seq: int, timeout: float) -> None:
        """Until a snapshot newer than ``seen_seq`` is out, the hub closes, or ``timeout``."""
        if self.seq != seen_seq or self.closing:
            return
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            pass

    def age(self) -> float:
        """Seconds since the data on the pages was last known to be current."""
        return max(0.0, time.monotonic() - self.confirmed_at)

    def alive_event(self) -> bytes:
        return sse_event("alive", {"seq": self.seq, "age": round(self.age(), 1), "error": self.error})


# ---------------------------------------------------------------- the web application

HUB = web.AppKey("hub", WallHub)
SETTINGS = web.AppKey("settings", dict)


def _static_text(name: str) -> str:
    return resources.files("xzconsole.web").joinpath("static", name).read_text(encoding="utf-8")


def load_static() -> tuple[dict[str, bytes], str]:
    """The page's files from the package, and a short hash of them (the build id)."""
    files = {name: _static_text(name).encode() for name, _ in STATIC_FILES.values()}
    digest = hashlib.sha256(b"".join(files[n] for n in sorted(files))).hexdigest()[:12]
    return files, digest


SECURITY_HEADERS = {
    # the page loads only its own files and talks only to its own origin
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _refusal(status: int, title: str, detail: str) -> web.Response:
    import html

    body = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<body><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(detail)}</p></body></html>")
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8")


def _token_ok(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


@web.middleware
async def _guard(request: web.Request,
                 handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Read-only methods, the token (or a loopback Host), and the security headers on every answer."""
    settings = request.app[SETTINGS]
    token: str | None = settings["token"]
    if request.method not in ("GET", "HEAD"):
        resp: web.StreamResponse = _refusal(405, "只读页面", "预警大屏只提供查看，不接受任何操作。")
        resp.headers["Allow"] = "GET, HEAD"
    elif request.path == "/healthz":
        resp = await handler(request)
    elif token is None:
        if is_loopback(_host_name(request.host)):
            resp = await handler(request)
        else:
            resp = _refusal(403, "仅限本机访问", "此预警大屏未设置访问令牌，只接受本机（127.0.0.1 / localhost）的访问。"
                                               "远程查看请用 SSH 隧道，或由管理员以 --token-file 启动。")
    else:
        given = request.query.get("token")
        if _token_ok(given, token) and request.path == "/":
            # take the token once into a cookie and drop it from the address
            rest = {k: v for k, v in request.query.items() if k != "token"}
            resp = web.Response(status=303, headers={"Location": "./" + ("?" + urlencode(rest) if rest else "")})
            resp.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict", path="/",
                            secure=request.secure or request.headers.get("X-Forwarded-Proto") == "https")
        else:
            auth = request.headers.get("Authorization", "")
            bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            if any(_token_ok(t, token) for t in (request.cookies.get(COOKIE), bearer, given)):
                resp = await handler(request)
            else:
                resp = _refusal(401, "需要访问令牌", "请用管理员提供的带令牌地址打开本页（http://服务器:端口/?token=…），"
                                                   "浏览器会记住它。")
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


async def _static(request: web.Request) -> web.StreamResponse:
    name, ctype = STATIC_FILES[request.path]
    body = request.app[SETTINGS]["files"][name]
    return web.Response(body=body, content_type=ctype, charset="utf-8", headers={"Cache-Control": "no-cache"})


async def _snapshot(request: web.Request) -> web.StreamResponse:
    """The latest snapshot as JSON (what the page gets first when it reconnects; handy with curl)."""
    hub = request.app[HUB]
    if hub.snapshot is None:
        return web.json_response({"error": "正在统计…"}, status=503, headers={"Retry-After": "1"})
    data = dict(hub.snapshot, age=round(hub.age(), 1), error=hub.error,
                stale_after=request.app[SETTINGS]["stale_after"], heartbeat=request.app[SETTINGS]["heartbeat"])
    return web.json_response(data, dumps=lambda d: json.dumps(d, ensure_ascii=False))


async def _healthz(request: web.Request) -> web.StreamResponse:
    """For monitoring: no data, just whether the wall's data is current."""
    hub = request.app[HUB]
    ok = hub.snapshot is not None and hub.error is None and hub.age() < request.app[SETTINGS]["stale_after"]
    return web.json_response({"ok": ok, "age": round(hub.age(), 1), "pages": hub.pages}, status=200 if ok else 503)


async def _favicon(request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


async def _events(request: web.Request) -> web.StreamResponse:
    """The page's server-sent event stream: the latest snapshot now and on each change, ``alive`` between."""
    hub = request.app[HUB]
    heartbeat: float = request.app[SETTINGS]["heartbeat"]
    resp = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",  # nginx: pass each event on at once
    })
    await resp.prepare(request)
    if request.method == "HEAD":  # headers only: nothing to stream
        return resp
    hub.pages += 1
    try:
        config = {"stale_after": request.app[SETTINGS]["stale_after"], "heartbeat": heartbeat, "build": hub.build}
        await resp.write(sse_event("config", config))
        seen = 0
        while not hub.closing:
            if hub.seq != seen:
                seen = hub.seq
                await resp.write(hub.payload)
                await resp.write(hub.alive_event())  # how fresh that snapshot is
            else:
                await resp.write(hub.alive_event())
            await hub.wait(seen, heartbeat)
    except (ConnectionError, asyncio.CancelledError):
        pass  # the page went away (or the server is stopping)
    finally:
        hub.pages -= 1
    return resp


def make_app(hub: WallHub, *, token: str | None = None, stale_after: float = STALE_AFTER_SECONDS,
             heartbeat: float = HEARTBEAT_SECONDS) -> web.Application:
    """The aiohttp application of the wall (the hub is started and stopped with it)."""
    files, build = load_static()
    hub.build = build
    app = web.Application(middlewares=[_guard])
    app[HUB] = hub
    app[SETTINGS] = {"token": token, "stale_after": stale_after, "heartbeat": heartbeat, "files": files}
    for path in STATIC_FILES:
        app.router.add_get(path, _static)
    app.router.add_get("/events", _events)
    app.router.add_get("/snapshot.json", _snapshot)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/favicon.ico", _favicon)

    async def on_startup(app: web.Application) -> None:
        hub.start()

    async def on_shutdown(app: web.Application) -> None:
        await hub.stop()  # releases every event stream, so shutdown does not wait for them

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app


# ---------------------------------------------------------------- running it


@dataclass
class WallServer:
    """A running wall server (the command line, the tests and the benchmark start it the same way)."""

    db_path: str
    actor: Staff | None
    clock: Clock
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    poll_seconds: float = POLL_SECONDS
    heartbeat: float = HEARTBEAT_SECONDS
    stale_after: float = STALE_AFTER_SECONDS

    def __post_init__(self) -> None:
        check_access(self.host, self.token)
        self.hub = WallHub(self.db_path, self.actor, self.clock, poll_seconds=self.poll_seconds)
        self.app = make_app(self.hub, token=self.token, stale_after=self.stale_after, heartbeat=self.heartbeat)
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen; returns the port (useful with port 0)."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        addresses = self._runner.addresses  # the port actually bound (port 0: any free one)
        if addresses:
            self.port = int(addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def serve_wall(db_path: str, actor: Staff | None, clock: Clock, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
               token: str | None = None, *, say: Callable[[str], None] | None = None) -> int:
    """Serve the wall until SIGINT / SIGTERM; returns the exit status (0)."""
    server = WallServer(db_path, actor, clock, host, port, token)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - not on the main thread
                pass
        try:
            await server.start()
            if say is not None:
                how = "需令牌" if token else "仅限本机"
                say(f"预警大屏网页：{server.url}（只读，{how}；Ctrl+C 停止）")
            await stop.wait()
        finally:
            await server.stop()

    asyncio.run(main())
    return 0


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "WallConfigError",
    "WallHub",
    "WallServer",
    "check_access",
    "is_loopback",
    "make_app",
    "parse_address",
    "read_token_file",
    "serve_wall",
]
