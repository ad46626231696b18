"""What every subcommand shares: the argument parser in Chinese, the run's
context (arguments, clock, database, who is running it), the command table
and the exit statuses."""

from __future__ import annotations

import argparse
import errno
import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, NoReturn

from .. import identity
from ..clock import Clock, FixedClock, parse_datetime

if TYPE_CHECKING:  # imported where used: the command line starts without them
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from ..models import Staff
    from ..store import Store

DEFAULT_DB = "/var/lib/xzconsole/xzconsole.db"


DEMO_DB = "xzconsole-demo.db"


DEMO_LOGIN = "demo_clerk"


ENV_DB = "XZCONSOLE_DB"


EXIT_OK, EXIT_REJECTED, EXIT_NOTHING = 0, 1, 2


class CliError(Exception):
    """A refusal of the command as a whole: message (Chinese) and exit status."""

    def __init__(self, message: str, code: int = EXIT_NOTHING) -> None:
        super().__init__(message)
        self.code = code


def safe(text: object) -> str:
    """Text for the terminal with control characters neutralised (newlines kept):
    names and sources come from users and files, and an escape sequence in them
    must print as text, not act on the terminal."""
    return "".join(ch if ch == "\n" or (ch >= " " and ch != "\x7f" and not 0x80 <= ord(ch) < 0xA0) else "\ufffd"
                   for ch in str(text))


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        # argparse passes prefix='' when it builds a subcommand's prog: keep that
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


_ARGPARSE_CN = (
    # before "argument ": it holds that word
    ("not allowed with argument ", "不能与此参数同时使用："),
    ("one of the arguments ", "须给出其中一个参数："),
    ("the following arguments are required: ", "缺少必需的参数："),
    ("unrecognized arguments: ", "无法识别的参数："),
    ("invalid choice: ", "无效的选项："),
    ("choose from ", "可选 "),
    ("expected one argument", "需要一个值"),
    ("invalid int value: ", "不是整数："),
    ("argument ", "参数 "),
    (" is required", ""),
)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Chinese and whose errors exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        for en, cn in _ARGPARSE_CN:
            message = message.replace(en, cn)
        raise CliError(f"{message}\n（查看用法：{self.prog} -h）")


def _add_common(p: argparse.ArgumentParser, *, now: bool) -> None:
    # SUPPRESS: a value given before the subcommand is not overwritten by the
    # subparser's default.
    p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                   help=f"数据库文件（默认：环境变量 {ENV_DB}，否则 {DEFAULT_DB}）")
    p.add_argument("--as", dest="as_login", metavar="LOGIN", default=argparse.SUPPRESS,
                   help="以指定演示身份操作（仅限演示数据库）")
    if now:
        p.add_argument("--now", metavar="ISO", default=argparse.SUPPRESS,
                       help="把“现在”设为该时间（如 2026-11-26T09:30），用于核对与假设推演")


@dataclass
class Ctx:
    """What a subcommand needs: its arguments, the clock, the output streams."""

    args: argparse.Namespace
    out: IO[str]
    err: IO[str]

    @property
    def now_text(self) -> str | None:
        return getattr(self.args, "now", None)

    def clock(self) -> Clock:
        text = self.now_text
        if text is None:
            return Clock()
        try:
            return FixedClock(parse_datetime(text))
        except ValueError as exc:
            raise CliError(f"--now {exc}") from None

    def db_path(self) -> Path:
        given = getattr(self.args, "db", None) or os.environ.get(ENV_DB) or DEFAULT_DB
        return Path(given).expanduser()

    def open_store(self, *, must_exist: bool = True, migrate: bool = True) -> Store:
        """Open the database, checked before anything is written.

        A missing file is refused with what to do; a file that is not an
        xzconsole database (or an empty one, unless this is ``init``:
        ``must_exist=False``) and a newer schema are refused untouched; an older
        schema is migrated only after the login is known to be staff.
        """
        from ..store import SCHEMA_VERSION, NotOurDatabase, Store

        path = self.db_path()
        _check_reachable(path)
        if must_exist and not path.exists():
            raise CliError(
                f"数据库文件不存在：{path}\n"
                f"· 首次部署：请管理员执行  xzconsole init --db {path}\n"
                f"· 使用已有数据库：用 --db PATH 指定，或设置环境变量 {ENV_DB}\n"
                f"· 只想看看：xzconsole demo（在当前目录建立演示数据库）"
            )
        if path.is_dir():
            raise CliError(f"{path} 是目录，不是数据库文件")
        if not path.parent.exists():
            raise CliError(f"数据库目录不存在：{path.parent}")
        _refuse_root_on_service_database(path)
        try:
            store = Store(path, self.clock(), migrate=False, create=not must_exist)
        except NotOurDatabase as exc:
            raise CliError(str(exc)) from None
        try:
            version = store.schema_version()
            if version > SCHEMA_VERSION and migrate:
                raise CliError(f"数据库结构版本 {version} 比本程序支持的版本 {SCHEMA_VERSION} 新：请升级 xzconsole（未作任何改动）")
            if migrate and 0 < version < SCHEMA_VERSION:
                # who asks is checked before the first write: an unknown login
                # changes nothing.  The file's owner itself (the service account
                # under systemd, not reached through sudo) may: it owns the file.
                inv = self.invoker()
                as_login = getattr(self.args, "as_login", None)
                if as_login is not None and not store.is_demo():
                    raise CliError(f"--as 只能用于演示数据库；正式数据库按系统登录名识别身份（当前登录名：{inv.login}）")
                if inv.via_sudo or inv.owner != inv.account or as_login is not None:
                    store.staff.identify(self.login())
                store.migrate()
                store.directory.fill_name_keys()  # the pinyin keys SQL could not compute (a Python step of the upgrade)
        except BaseException:
            store.disconnect()
            raise
        return store

    def invoker(self) -> identity.Invoker:
        """Who runs this, as the operating system vouches for it (sudo's SUDO_USER
        only when this process is the database's owner; see identity.invoker)."""
        try:
            return identity.invoker(self.db_path())
        except identity.IdentityRefused as exc:
            raise CliError(str(exc)) from None

    def login(self) -> str:
        """The login to identify: ``--as`` on a demo database (checked in
        :meth:`actor`), otherwise the invoker's."""
        as_login = getattr(self.args, "as_login", None)
        return as_login if as_login is not None else self.invoker().login

    def actor(self, store: Store, roles: Iterable[str] | None = None) -> Staff:
        """The staff record of whoever runs this: the OS login (under sudo: the
        invoking login), or ``--as`` on a demo database and never under sudo."""
        login = getattr(self.args, "as_login", None)
        if login is not None:
            refuse_as_under_sudo(self.args)
            if not store.is_demo():
                raise CliError(f"--as 只能用于演示数据库；正式数据库按系统登录名识别身份（当前登录名：{self.invoker().login}）")
        else:
            login = self.invoker().login
        staff = store.staff.identify(login)
        if roles is not None:
            allowed = list(roles)
            if staff.role.value not in allowed:
                from ..models import Role

                who = "、".join(Role(r).label for r in allowed)
                raise CliError(f"此操作只能由{who}执行；“{staff.login}”的角色是{staff.role.label}")
        return staff

    def say(self, text: str = "") -> None:
        """A message for the person at the terminal (stderr: stdout stays data)."""
        print(safe(text), file=self.err)


def refuse_as_under_sudo(args: argparse.Namespace) -> None:
    """``--as`` never under sudo: there the identity is the one sudo reports.
    Nor ``demo``: under sudo it would build databases as the service account
    wherever the caller says."""
    if not identity.under_sudo():
        return
    if getattr(args, "as_login", None) is not None:
        raise CliError("经 sudo 运行时不能用 --as：身份就是 sudo 报告的调用人（系统登录名）")
    if getattr(args, "command", None) == "demo":
        raise CliError("经 sudo 运行时不能建立或打开演示数据库：请直接运行 xzconsole demo（不加 sudo）")


# the arguments that name a file the caller hands to xzconsole (read or written)
_CALLER_PATHS = ("file", "out", "token_file", "settings", "data", "to")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def guard_caller_paths(args: argparse.Namespace) -> None:
    """Under sudo xzconsole reads and writes as the service account, which can
    reach the database: a file the caller names (``import FILE``, ``--out``,
    ``--token-file`` …) must not be the database, its -wal/-shm/-journal, any
    other SQLite database (a backup) or anything else in the database's
    directory — reading one would echo its contents (unrecognised "columns"),
    writing one would destroy it.  (``backup DEST`` is an administrator's.)"""
    if not identity.under_sudo():
        return
    given = getattr(args, "db", None) or os.environ.get(ENV_DB) or DEFAULT_DB
    try:
        live = Path(given).expanduser().resolve()
    except OSError:
        return
    sidecars = {live.name + suffix for suffix in ("-wal", "-shm", "-journal")}
    for attr in _CALLER_PATHS:
        value = getattr(args, attr, None)
        if not isinstance(value, str) or not value or "://" in value:
            continue
        try:
            p = Path(value).expanduser().resolve()
            if p == live or (p.parent == live.parent and p.name in sidecars):
                raise CliError(f"经 sudo 运行时不能读写数据库文件本身（{p}）：请换一个文件")
            if p.is_file():
                with open(p, "rb") as fh:
                    if fh.read(16) == _SQLITE_MAGIC:
                        raise CliError(f"经 sudo 运行时不能读写数据库文件（{p}，可能是数据库或其备份）：请换一个文件")
            if live.parent in p.parents and attr != "to":  # restore --to: an administrator's, beside the live one
                # the service's own directory: the database, replication state, backups
                raise CliError(f"经 sudo 运行时不能读写数据库目录 {live.parent} 中的文件（{p}）：请换一个位置")
        except OSError:
            continue  # the command itself says what is wrong with it


def _refuse_root_on_service_database(path: Path) -> None:
    """root opening a database another account owns would leave root-owned
    -wal/-shm files behind, which that account (the service) then cannot open:
    every staff member would be locked out until someone chowns them."""
    import pwd

    if os.getuid() != 0:
        return
    try:
        uid = (path if path.exists() else path.parent).stat().st_uid
    except OSError:
        return
    if uid == 0:
        return
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = str(uid)
    raise CliError(f"不要以 root 打开属于 {owner} 的数据库（会留下属于 root 的 -wal/-shm，{owner} 将无法再打开它）："
                   f"请用  runuser -u {owner} -- xzconsole …  或  sudo -u {owner} xzconsole …")


def _check_reachable(path: Path) -> None:
    """A database the process may not reach is explained, not reported as
    missing: in a shared deployment it belongs to the service account and is
    used through sudo (README "Shared deployment")."""
    import pwd

    def owner(p: Path) -> str:
        try:
            return pwd.getpwuid(p.stat().st_uid).pw_name
        except (KeyError, OSError):
            return "服务账号"

    parent = path.parent
    try:
        if parent.is_dir() and not os.access(parent, os.X_OK):
            who = owner(parent)
            raise CliError(f"没有权限进入数据库目录 {parent}（属于 {who}）。共享部署中请这样使用："
                           f"sudo -u {who} xzconsole …（见 README“Shared deployment”）")
        if path.exists() and not os.access(path, os.R_OK):
            who = owner(path)
            raise CliError(f"没有权限读取数据库文件 {path}（属于 {who}）。共享部署中请这样使用："
                           f"sudo -u {who} xzconsole …（见 README“Shared deployment”）")
    except OSError:
        pass  # opening it says what is wrong


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Ctx], int]
    uses_now: bool = False


COMMANDS: dict[str, Command] = {}


def register(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] | None = None,
             *, uses_now: bool = False) -> Callable[[Callable[[Ctx], int]], Callable[[Ctx], int]]:
    """Add a subcommand: ``@register("report", "…", _report_args, uses_now=True)``."""
    def deco(fn: Callable[[Ctx], int]) -> Callable[[Ctx], int]:
        COMMANDS[name] = Command(name, help, configure or (lambda p: None), fn, uses_now)
        return fn
    return deco


class _Lines:
    """Plain lines (no wrapping, no markup): messages that hold commands to copy."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def print(self, text: str) -> None:
        print(safe(text), file=self.fh)


def _console(fh: IO[str]) -> Console:
    from rich.console import Console

    return Console(file=fh, highlight=False, soft_wrap=False)


def store_path(store: Store) -> Path:
    return Path(store.path)


class _progress:
    """A rich progress bar on stderr when it is a terminal; else nothing."""

    def __init__(self, ctx: Ctx, label: str) -> None:
        self.ctx, self.label = ctx, label
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not (hasattr(self.ctx.err, "isatty") and self.ctx.err.isatty()):
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                            console=Console(file=self.ctx.err), transient=True)
        bar = self.bar
        bar.__enter__()
        task = self.task = bar.add_task(self.label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        return update

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.__exit__(exc_type, exc, tb)


# ---------------------------------------------------------------- shared by several commands

_SOURCE_CN = {"center": "中心日历", "official": "国务院官方安排（chinese-calendar）",
              "provisional": "暂定：官方安排尚未公布，按周一至周五减法定节日估算"}



def _private(path: Path) -> None:
    """The database and its -wal/-shm readable and writable by their owner only
    (the service account: README "Shared deployment"); SQLite gives new
    -wal/-shm files the database file's mode, so this carries over."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if p.exists() and p.stat().st_uid == os.getuid() and p.stat().st_mode & 0o077:
                p.chmod(p.stat().st_mode & 0o600)
        except OSError:
            pass  # doctor reports what is still wrong



_SQLITE_CN = (
    ("file is not a database", "不是 xzconsole 数据库文件，或文件已损坏"),
    ("database disk image is malformed", "数据库文件已损坏：请用最近的备份恢复（xzconsole doctor 可检查）"),
    ("database is locked", "数据库正忙（另一个程序正在写入），请稍后重试"),
    ("readonly database", "数据库只读：请检查数据库文件、其目录及 -wal/-shm 文件的组写权限（xzconsole doctor）"),
    ("unable to open database file", "无法打开数据库文件：请检查路径和目录权限（xzconsole doctor）"),
    ("no such table", "数据库结构不完整或版本过旧：请管理员执行 xzconsole init"),
    ("disk I/O error", "磁盘读写错误"),
    ("database or disk is full", "磁盘空间不足"),
)


_ERRNO_CN = {errno.EACCES: "没有权限", errno.EPERM: "不允许的操作", errno.ENOENT: "文件或目录不存在",
             errno.ENOSPC: "磁盘空间不足", errno.EROFS: "只读文件系统", errno.EISDIR: "这是一个目录",
             errno.ENOTDIR: "路径中有一段不是目录", errno.EEXIST: "文件已存在"}


def _explain(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        for en, cn in _SQLITE_CN:
            if en in text:
                return cn
        return f"数据库错误：{text}"
    if isinstance(exc, OSError):
        what = _ERRNO_CN.get(exc.errno or 0, exc.strerror or type(exc).__name__)
        where = exc.filename if exc.filename is not None else ""
        return f"{what}：{where}" if where else what
    return str(exc) or type(exc).__name__

