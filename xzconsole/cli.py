"""The ``xzconsole`` command line: the console and its subcommands (SPEC §10).

Every subcommand is one ``cmd_*`` function registered in :data:`COMMANDS`
with the function that adds its arguments; ``report``, ``search`` and
``wall`` register the same way (see :func:`register`).  Each takes ``--db``
(else ``$XZCONSOLE_DB``, else :data:`DEFAULT_DB`) and, where time matters,
``--now`` (a fixed clock, for checks and what-if questions).

Exit status: 0 done; 1 done but some input rejected (the message says how
much); 2 nothing done, with the reason in Chinese on stderr.  Bad input never
ends in a traceback: :func:`main` turns every refusal into a Chinese message.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import pwd
import sqlite3
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from .clock import Clock, FixedClock, parse_datetime

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


def current_login() -> str:
    """The operating-system login of this process (over SSH: the SSH user).

    Taken from the password database, not ``$USER``, which anyone can set.
    """
    return pwd.getpwuid(os.getuid()).pw_name


# ---------------------------------------------------------------- argparse in Chinese


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        # argparse passes prefix='' when it builds a subcommand's prog: keep that
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


_ARGPARSE_CN = (
    ("the following arguments are required: ", "缺少必需的参数："),
    ("unrecognized arguments: ", "无法识别的参数："),
    ("invalid choice: ", "无效的选项："),
    ("choose from ", "可选 "),
    ("expected one argument", "需要一个值"),
    ("invalid int value: ", "不是整数："),
    ("argument ", "参数 "),
    ("not allowed with argument ", "不能与此参数同时使用："),
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

    def error(self, message: str) -> None:  # type: ignore[override]
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


# ---------------------------------------------------------------- the context of one run


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

    def open_store(self, *, must_exist: bool = True, migrate: bool = True) -> Any:
        """Open the database; a missing file is refused with what to do."""
        from .store import Store

        path = self.db_path()
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
        return Store(path, self.clock(), migrate=migrate)

    def actor(self, store: Any, roles: Iterable[str] | None = None) -> Any:
        """The staff record of whoever runs this: the OS login, or ``--as`` on a demo database."""
        login = getattr(self.args, "as_login", None)
        if login is not None:
            if not store.is_demo():
                raise CliError(f"--as 只能用于演示数据库；正式数据库按系统登录名识别身份（当前登录名：{current_login()}）")
        else:
            login = current_login()
        staff = store.identify(login)
        if roles is not None:
            allowed = list(roles)
            if staff.role.value not in allowed:
                from .models import Role

                who = "、".join(Role(r).label for r in allowed)
                raise CliError(f"此操作只能由{who}执行；“{staff.login}”的角色是{staff.role.label}")
        return staff

    def say(self, text: str = "") -> None:
        """A message for the person at the terminal (stderr: stdout stays data)."""
        print(safe(text), file=self.err)


# ---------------------------------------------------------------- the command table


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


# ---------------------------------------------------------------- init


def _init_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="参考数据目录（默认：随程序安装的 data/）")


@register("init", "建立或升级数据库，载入参考数据（首次执行时把当前登录名设为管理员）", _init_args)
def cmd_init(ctx: Ctx) -> int:
    from .models import Role
    from .store import SCHEMA_VERSION

    path = ctx.db_path()
    if not path.parent.exists():
        raise CliError(
            f"数据库目录不存在：{path.parent}\n多人共用时建议（以 root 执行）：\n"
            f"  groupadd xzconsole; mkdir -p {path.parent}; chgrp xzconsole {path.parent}; chmod 2770 {path.parent}"
        )
    existed = path.exists()
    store = ctx.open_store(must_exist=False)
    with store:
        if store.staff_count():
            ctx.actor(store, roles=[Role.ADMIN.value])
        counts = store.load_reference_data(Path(ctx.args.data) if ctx.args.data else None)
        ctx.say(f"{'已升级' if existed else '已建立'}数据库：{path}（结构版本 {SCHEMA_VERSION}）")
        ctx.say(f"参考数据：承办单位 {counts.get('departments', 0)} 个，政策分类 {counts.get('categories', 0)} 个大类，"
                f"协会 {counts.get('associations', 0)} 家，知识库 {counts.get('knowledge', 0)} 条，政策 {counts.get('policies', 0)} 件")
        if not store.staff_count():
            login = current_login()
            store.add_staff(None, login, Role.ADMIN, name="系统管理员")
            ctx.say(f"尚无工作人员：已为当前系统登录名“{login}”建立管理员账号。")
            ctx.say(f"下一步：xzconsole staff add 登录名 --role clerk|supervisor|department [--department 单位]")
        _share_with_group(path)
    ctx.say("检查部署：xzconsole doctor")
    return EXIT_OK


def _share_with_group(path: Path) -> None:
    """In a group-writable directory (a shared deployment) make the database and
    its WAL files group read/write too; SQLite gives new -wal/-shm files the
    database file's mode, so this carries over to every later session."""
    try:
        if path.parent.stat().st_mode & stat.S_IWGRP:
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                if p.exists() and p.stat().st_uid == os.getuid():
                    p.chmod((p.stat().st_mode | stat.S_IRGRP | stat.S_IWGRP) & ~0o007)
    except OSError:
        pass  # doctor reports what is still wrong


# ---------------------------------------------------------------- staff


def _staff_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="add|list|disable", parser_class=Parser)
    sub.required = True
    add = sub.add_parser("add", help="添加或更新工作人员（管理员）")
    add.add_argument("login", metavar="USER", help="系统登录名（SSH 用户名）")
    add.add_argument("--role", required=True, help="角色：clerk 受理员 / supervisor 值班长 / department 承办单位联络员 / admin 管理员")
    add.add_argument("--department", help="所属单位（承办单位联络员必填；全称、简称或代码）")
    add.add_argument("--name", default="", help="姓名")
    add.add_argument("--center", help="所属企业服务中心（全称、代码或所在区县，如 邳州市；"
                                      "默认：新账号为市企业服务中心，已有账号保持原中心；xzconsole centers 列出全部）")
    sub.add_parser("list", help="列出工作人员（管理员）")
    dis = sub.add_parser("disable", help="停用工作人员账号（管理员）")
    dis.add_argument("login", metavar="USER")
    for sp in sub.choices.values():
        _add_common(sp, now=False)


@register("staff", "管理工作人员账号：add / list / disable（管理员）", _staff_args)
def cmd_staff(ctx: Ctx) -> int:
    from .models import Role

    a = ctx.args
    with ctx.open_store() as store:
        if a.action == "add":
            actor = None if store.staff_count() == 0 else ctx.actor(store, roles=[Role.ADMIN.value])
            center = a.center or _current_center(store, a.login)
            s = store.add_staff(actor, a.login, a.role, name=a.name, department=a.department, center=center)
            dept = f"，单位：{s.department_name}" if s.department_name else ""
            ctx.say(f"已保存：{s.login}（{s.name or '未填姓名'}），角色：{s.role.label}{dept}，中心：{s.center}")
            return EXIT_OK
        actor = ctx.actor(store, roles=[Role.ADMIN.value])
        if a.action == "disable":
            if a.login == actor.login:
                raise CliError("不能停用自己的账号（请由另一位管理员操作）")
            s = store.disable_staff(actor, a.login)
            ctx.say(f"已停用：{s.login}（{s.name or '未填姓名'}）。其登录将被拒绝，历史记录保留。")
            return EXIT_OK
        from rich.table import Table
        from rich.text import Text

        table = Table(title="工作人员", title_justify="left")
        for col in ("登录名", "姓名", "角色", "所属单位", "所属中心", "状态"):
            table.add_column(col)
        rows = store.list_staff()
        for s in rows:
            table.add_row(Text(safe(s.login)), Text(safe(s.name)), s.role.label, Text(safe(s.department_name or "—")),
                          Text(safe(s.center)),
                          "已停用" if s.disabled else "启用")
        _console(ctx.out).print(table)
        print(f"共 {len(rows)} 人", file=ctx.out)
    return EXIT_OK


def _current_center(store: Any, login: str) -> str:
    """The center ``staff add`` keeps when none is given: the account's own
    (changing a role must not move someone to another center), else the city's."""
    from .store import CITY_CENTER, NotFound

    try:
        return store.staff(login.strip()).center
    except NotFound:
        return CITY_CENTER


@register("centers", "列出企业服务中心：市中心与各县（市、区）中心的人员数和在办工单数")
def cmd_centers(ctx: Ctx) -> int:
    from rich.table import Table
    from rich.text import Text

    with ctx.open_store() as store:
        ctx.actor(store)
        rows = store.center_overview()
    table = Table(title="企业服务中心", title_justify="left")
    for col, justify in (("代码", "left"), ("名称", "left"), ("层级", "left"), ("人员", "right"), ("在办工单", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(Text(safe(r["code"])), Text(safe(r["name"])), "市级" if r["level"] == "city" else "县（市、区）",
                      f"{r['staff']:,}", f"{r['open_tickets']:,}")
    _console(ctx.out).print(table)
    print(f"共 {len(rows)} 个中心（工作人员按中心：xzconsole staff add 登录名 --center 代码或名称）", file=ctx.out)
    return EXIT_OK


class _Lines:
    """Plain lines (no wrapping, no markup): messages that hold commands to copy."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def print(self, text: str) -> None:
        print(safe(text), file=self.fh)


def _console(fh: IO[str]) -> Any:
    from rich.console import Console

    return Console(file=fh, highlight=False, soft_wrap=False)


# ---------------------------------------------------------------- import


def _import_args(p: argparse.ArgumentParser) -> None:
    from .importers import IMPORTERS

    p.add_argument("file", metavar="FILE", help="JSON Lines（.jsonl）、CSV 或 Excel（.xlsx）文件")
    p.add_argument("--kind", default="tickets", choices=sorted(IMPORTERS), help="导入的数据种类（默认 tickets 热线工单）")
    p.add_argument("--batch-size", type=int, default=5000, metavar="N",
                   help="每批提交的行数（默认 5000；中断后重新执行会跳过已提交的批次）")


@register("import", "导入数据（JSON Lines / CSV / XLSX）：热线工单、政策库或知识库，坏行写入拒收文件", _import_args, uses_now=True)
def cmd_import(ctx: Ctx) -> int:
    from .importers import IMPORTERS, open_feed
    from .models import Role

    a = ctx.args
    if a.batch_size < 1:
        raise CliError("--batch-size 至少为 1")
    label, run = IMPORTERS[a.kind]
    with ctx.open_store() as store:
        actor = ctx.actor(store, roles=[Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value])
        reader = open_feed(a.file)
        with _progress(ctx, f"导入{label}") as progress:
            summary = run(store, a.file, actor.login, batch_size=a.batch_size, progress=progress, reader=reader)
    if summary.ignored_columns:
        ctx.say(f"提示：忽略了无法识别的列：{'、'.join(summary.ignored_columns)}")
    if summary.total == 0:
        raise CliError(f"{a.file} 中没有数据行，未导入任何内容")
    fmt = "" if summary.kind == label else f"，{summary.kind}"
    ctx.say(f"导入完成（{label}{fmt}，共 {summary.total} 行）：新增 {summary.imported} 件，"
            f"重复 {summary.duplicate} 件（{'工单编号' if a.kind == 'tickets' else '记录'}已存在，未作改动），"
            f"拒收 {summary.rejected} 行")
    for note in summary.notes:
        ctx.say(note)
    if summary.rejected:
        ctx.say(f"拒收的行（行号、原因、原始内容）已写入：{summary.rejects_file}")
        ctx.say("修正后可重新导入整个文件：已导入的记录会自动跳过。")
        return EXIT_REJECTED
    return EXIT_OK


class _progress:
    """A rich progress bar on stderr when it is a terminal; else nothing."""

    def __init__(self, ctx: Ctx, label: str) -> None:
        self.ctx, self.label = ctx, label
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not (hasattr(self.ctx.err, "isatty") and self.ctx.err.isatty()):
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                            console=Console(file=self.ctx.err), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task(self.label, total=None)

        def update(done: int, total: int) -> None:
            self.bar.update(self.task, completed=done, total=total or None)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


# ---------------------------------------------------------------- export


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("tickets", "departments", "policies"), help="导出：tickets 工单 / departments 单位 / policies 政策")
    p.add_argument("--out", metavar="FILE", help="写入文件（默认输出到屏幕/标准输出）")


@register("export", "导出 JSON Lines：tickets / departments / policies", _export_args, uses_now=True)
def cmd_export(ctx: Ctx) -> int:
    from .models import Role
    from .store_import import export_json

    a = ctx.args
    with ctx.open_store() as store:
        actor = ctx.actor(store)
        if a.what == "tickets":
            dept = actor.department_id if actor.role is Role.DEPARTMENT else None
            lines: Iterable[str] = store.iter_ticket_export(dept, store.now())
        elif a.what == "departments":
            lines = map(export_json, store.iter_department_export())
        else:
            lines = map(export_json, store.export_policy_rows())  # with days left and lag vs the targets
        n = 0
        if a.out:
            target = Path(a.out).expanduser()
            if target.resolve() == store_path(store).resolve():
                raise CliError("不能把导出写到数据库文件上")
            tmp = target.with_name(f".{target.name}.partial")
            with open(tmp, "w", encoding="utf-8") as fh:
                for line in lines:
                    fh.write(line + "\n")
                    n += 1
            os.replace(tmp, target)  # never a half-written export under the real name
            ctx.say(f"已导出 {n} 条到 {target}")
        else:
            write = ctx.out.write
            for line in lines:
                write(line + "\n")
                n += 1
            ctx.out.flush()
    return EXIT_OK


def store_path(store: Any) -> Path:
    return Path(store.path)


# ---------------------------------------------------------------- warnings


def _warnings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="JSON Lines：每件预警工单一行")
    p.add_argument("--limit", type=int, default=100, metavar="N", help="表格最多显示的件数（默认 100，0 为全部；--json 总是全部）")


@register("warnings", "列出超期预警工单（黄/橙/红）", _warnings_args, uses_now=True)
def cmd_warnings(ctx: Ctx) -> int:
    from .rules import WarningLevel
    from .store_import import export_json

    a = ctx.args
    with ctx.open_store() as store:
        actor = ctx.actor(store)
        now = store.now()
        rows = store.warned_tickets(actor, now)
        if a.json:
            write = ctx.out.write
            for r in rows:
                write(export_json({k: r[k] for k in ("number", "external_id", "department", "due_date", "overdue_workdays",
                                                     "level", "supervised_by", "due_provisional")}) + "\n")
            ctx.out.flush()
            return EXIT_OK
    levels = {lvl.code: lvl for lvl in WarningLevel}
    rows.sort(key=lambda r: (-int(levels[r["level"]]), -r["overdue_workdays"], r["due_date"], r["number"]))
    con = _console(ctx.out)
    when = f"{now:%Y-%m-%d %H:%M}"
    if not rows:
        print(f"截至 {when}，没有超期预警工单。", file=ctx.out)
        return EXIT_OK
    from rich.table import Table
    from rich.text import Text

    counts = {lvl: 0 for lvl in (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW)}
    for r in rows:
        counts[levels[r["level"]]] += 1
    shown = rows if a.limit <= 0 else rows[: a.limit]
    from rich import box

    # fits an 80-column SSH terminal: only the department name may wrap
    table = Table(title=f"超期预警工单（截至 {when}）", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col, just, wrap in (("级别", "left", False), ("工单编号", "left", False), ("承办单位", "left", True),
                            ("办理期限", "left", False), ("超期", "right", False), ("督办单位", "left", False)):
        table.add_column(col, justify=just, no_wrap=not wrap)  # type: ignore[arg-type]
    styles = {WarningLevel.RED: "bold red", WarningLevel.ORANGE: "bold dark_orange", WarningLevel.YELLOW: "yellow"}
    for r in shown:
        lvl = levels[r["level"]]
        due = r["due_date"] + ("?暂定" if r["due_provisional"] else "")
        table.add_row(Text(lvl.badge, style=styles[lvl]), Text(safe(r["number"])), Text(safe(r["department"] or "—")), due,
                      str(r["overdue_workdays"]), lvl.supervised_by)
    con.print(table)
    summary = " · ".join(f"{lvl.badge} {n} 件" for lvl, n in counts.items())
    print(f"共 {len(rows)} 件：{summary}（超期以工作日计）", file=ctx.out)
    if len(shown) < len(rows):
        print(f"（仅显示最严重的 {len(shown)} 件；--limit 0 显示全部，--json 输出全部数据）", file=ctx.out)
    return EXIT_OK


# ---------------------------------------------------------------- calendar


def _calendar_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="status|show|load", parser_class=Parser)
    sub.required = True
    sub.add_parser("status", help="今明后三年的日历来源：中心日历、官方安排或暂定")
    show = sub.add_parser("show", help="按月显示日历，标出节假日、调休上班日和暂定日期")
    show.add_argument("when", metavar="YYYY[-MM]", help="年份（显示全年）或年月")
    load = sub.add_parser("load", help="载入中心的年度日历（TOML），并重算未办结工单的办理期限（值班长/管理员）")
    load.add_argument("file", metavar="FILE", help="TOML 日历文件（格式见 SPEC §11）")
    for sp in sub.choices.values():
        _add_common(sp, now=True)


_SOURCE_CN = {"center": "中心日历", "official": "国务院官方安排（chinese-calendar）",
              "provisional": "暂定：官方安排尚未公布，按周一至周五减法定节日估算"}
_MARKS = {"holiday": "*", "makeup": "+"}


@register("calendar", "工作日历：status / show / load", _calendar_args, uses_now=True)
def cmd_calendar(ctx: Ctx) -> int:
    from .workdays import ScheduleError, YearSchedule

    a = ctx.args
    if a.action == "load":
        path = Path(a.file).expanduser()
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise CliError(f"{path} 不是 UTF-8 编码的文本文件") from None
        try:
            schedule = YearSchedule.from_toml(text)
        except ScheduleError as exc:
            raise CliError(f"日历文件 {path} 有误，未载入：{exc}") from None
    with ctx.open_store() as store:
        if a.action == "load":
            actor = ctx.actor(store, roles=["supervisor", "admin"])
            moved = store.load_schedule(actor, schedule)
            days = sum((h.end - h.start).days + 1 for h in schedule.holidays)
            ctx.say(f"已载入 {schedule.year} 年工作日历（来源：{schedule.source or '未注明'}）："
                    f"节假日 {len(schedule.holidays)} 段共 {days} 天，调休上班 {len(schedule.workdays)} 天。")
            ctx.say(f"{moved} 件未办结工单的办理期限随之调整（每件的历史中已记录）。")
            return EXIT_OK
        ctx.actor(store)
        cal = store.calendar()
        today = store.now().date()
        if a.action == "status":
            stored = {y["year"]: y for y in store.calendar_years()}
            con = _Lines(ctx.out)
            con.print(f"工作日历来源（截至 {today}）：")
            for year in range(today.year, today.year + 3):
                source = cal.year_source(year)
                extra = ""
                if year in stored:
                    extra = f"（{stored[year]['loaded_at'][:10]} 由 {stored[year]['loaded_by']} 载入）"
                mark = "?" if source == "provisional" else "✓"
                con.print(f"  {mark} {year} 年：{_SOURCE_CN[source]}{extra}")
            prov = cal.provisional_years(today.year, today.year + 2)
            if prov:
                con.print(f"暂定年份：{'、'.join(map(str, prov))}。官方安排公布后请值班长执行 "
                          f"xzconsole calendar load 该年.toml，按暂定日历算出的办理期限会自动重算。")
            if stored:
                con.print(f"数据库中的中心日历：{'、'.join(f'{y} 年' for y in sorted(stored))}")
            return EXIT_OK
        ctx.out.write(safe(_month_grids(cal, a.when)))
    return EXIT_OK


def _month_grids(cal: Any, when: str) -> str:
    """Text month grids for YYYY or YYYY-MM, with marks and a legend."""
    text = when.strip()
    try:
        if len(text) == 4 and text.isdigit():
            year, months = int(text), list(range(1, 13))
        else:
            y, m = text.split("-")
            year, months = int(y), [int(m)]
            if not 1 <= months[0] <= 12:
                raise ValueError
        if not 1990 <= year <= 2200:
            raise ValueError
    except ValueError:
        raise CliError(f"无法识别的年月“{when}”（应为 YYYY 或 YYYY-MM，如 2027 或 2027-02）") from None
    from .workdays import month_days

    out: list[str] = []
    for month in months:
        days = month_days(year, month)
        infos = [cal.day_info(d) for d in days]
        source = infos[0].source
        title = f"{year}年{month}月"
        if source == "provisional":
            title += "（暂定：官方安排尚未公布）"
        elif source == "center":
            title += "（中心日历）"
        out.append(title)
        out.append(" 一  二  三  四  五  六  日")
        cells = ["    "] * days[0].weekday()
        named: list[str] = []
        for info in infos:
            mark = _MARKS.get(info.kind, "?" if info.provisional else " ")
            cells.append(f"{info.day.day:>2}{mark} ")
            if info.kind in ("holiday", "makeup"):
                named.append(f"{info.day.month}月{info.day.day}日 {info.name}{'（休）' if info.kind == 'holiday' else ''}")
        for i in range(0, len(cells), 7):
            out.append("".join(cells[i:i + 7]).rstrip())
        if named:
            out.append("  " + "；".join(named))
        out.append("")
    out.append("图例：* 节假日（休息）  + 调休上班日  ? 暂定（该年官方安排未公布）  周六、周日未标记者为休息日")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- backup


def _backup_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("dest", metavar="DEST", help="备份文件路径")
    p.add_argument("--force", action="store_true", help="覆盖已有的备份文件")


@register("backup", "在线备份数据库并校验副本（管理员）", _backup_args)
def cmd_backup(ctx: Ctx) -> int:
    a = ctx.args
    dest = Path(a.dest).expanduser()
    with ctx.open_store() as store:
        ctx.actor(store, roles=["admin"])
        live = Path(store.path).resolve()
        if dest.resolve() == live:
            raise CliError(f"备份目标就是正在使用的数据库（{live}），拒绝覆盖")
        if dest.exists() and not a.force:
            raise CliError(f"{dest} 已存在；确认要覆盖请加 --force")
        check = store.backup_to(dest)
    size = dest.stat().st_size
    ctx.say(f"备份完成：{dest}（{size / 1_048_576:.1f} MB，完整性检查：{check}）")
    return EXIT_OK


# ---------------------------------------------------------------- doctor


@register("doctor", "检查数据库结构、完整性、日历覆盖、共享部署权限与当前账号", None, uses_now=True)
def cmd_doctor(ctx: Ctx) -> int:
    from .store import SCHEMA_VERSION, StoreError

    path = ctx.db_path()
    problems = 0

    def report(ok: bool | None, text: str) -> None:
        nonlocal problems
        mark = "✓" if ok else ("!" if ok is None else "✗")
        if ok is False:
            problems += 1
        print(safe(f"{mark} {text}"), file=ctx.out)

    print(safe(f"数据库：{path}"), file=ctx.out)
    if not path.exists():
        raise CliError(f"数据库文件不存在：{path}（首次部署请执行 xzconsole init --db {path}）")
    store = ctx.open_store(migrate=False)
    with store:
        version = store.schema_version()
        if version == SCHEMA_VERSION:
            report(True, f"结构版本 {version}（最新）")
        elif version < SCHEMA_VERSION:
            report(False, f"结构版本 {version}，程序需要 {SCHEMA_VERSION}：请管理员执行 xzconsole init 升级")
        else:
            report(False, f"结构版本 {version} 比程序（{SCHEMA_VERSION}）新：请升级 xzconsole")
        lines = store.integrity_check()
        report(lines == ["ok"], "完整性检查：ok" if lines == ["ok"] else "完整性检查失败：" + "；".join(lines[:5]))
        mode = store.journal_mode()
        report(mode == "wal", f"日志模式：{mode}" + ("" if mode == "wal" else "（应为 wal，多人同时使用需要）"))
        if version == SCHEMA_VERSION:
            cal = store.calendar()
            year = store.now().year
            for y in (year, year + 1):
                src = cal.year_source(y)
                if src == "provisional":
                    # the current year provisional is wrong; next year's schedule
                    # is only published in November, so that is a notice
                    report(False if y == year else None,
                           f"{y} 年日历：暂定（官方安排缺失）——公布后执行 xzconsole calendar load {y}.toml")
                else:
                    report(True, f"{y} 年日历：{_SOURCE_CN[src]}")
            login = getattr(ctx.args, "as_login", None) or current_login()
            try:
                s = store.identify(login)
                dept = f"，{s.department_name}" if s.department_name else ""
                report(True, f"当前登录名“{login}”：{s.name or '未填姓名'}，{s.role.label}{dept}")
            except StoreError as exc:
                report(False, str(exc))
    for ok, text in _permission_checks(path):
        report(ok, text)
    if problems:
        print(f"发现 {problems} 个问题。共享部署的设置方法见 README“Shared deployment”一节。", file=ctx.out)
        return EXIT_REJECTED
    print("一切正常。", file=ctx.out)
    return EXIT_OK


def _permission_checks(path: Path) -> list[tuple[bool | None, str]]:
    """Checks for a shared group deployment: every staff login (a member of the
    database's group) must be able to write the database, its directory (SQLite
    creates -wal/-shm there) and the -wal/-shm files; others must not read it."""
    out: list[tuple[bool | None, str]] = []

    def group_name(gid: int) -> str:
        import grp

        try:
            return grp.getgrgid(gid).gr_name
        except KeyError:
            return str(gid)

    d = path.resolve().parent
    dst = d.stat()
    dgroup = group_name(dst.st_gid)
    dir_ok = bool(dst.st_mode & stat.S_IWGRP and dst.st_mode & stat.S_IXGRP)
    out.append((dir_ok, f"目录 {d}：{stat.filemode(dst.st_mode)}，组 {dgroup}"
                + ("" if dir_ok else f"——组内用户需要写目录（SQLite 在此建立 -wal/-shm）：chmod g+rwx {d}")))
    setgid = bool(dst.st_mode & stat.S_ISGID)
    out.append((setgid or None, "目录已设 setgid（新文件自动属于该组）" if setgid else f"目录未设 setgid：建议 chmod g+s {d}，新建的文件才会属于组 {dgroup}"))
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if not p.exists():
            if p != path:
                out.append((True, f"{p.name}：暂不存在（有人打开数据库时由 SQLite 建立，权限同数据库文件）"))
            continue
        st = p.stat()
        ok = bool(st.st_mode & stat.S_IRGRP and st.st_mode & stat.S_IWGRP)
        text = f"{p.name}：{stat.filemode(st.st_mode)}，组 {group_name(st.st_gid)}"
        if not ok:
            text += f"——组内用户不可写：chmod g+rw {p}"
        elif st.st_gid != dst.st_gid:
            ok = False
            text += f"——与目录的组不同：chgrp {dgroup} {p}"
        out.append((ok, text))
        if st.st_mode & stat.S_IROTH:
            out.append((False, f"{p.name}：其他用户可读（含企业信息）：chmod o-rwx {p}"))
    return out


# ---------------------------------------------------------------- search and report


def _search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("policies", "knowledge"), help="policies 政策库 / knowledge 知识库")
    p.add_argument("words", nargs="+", metavar="WORDS", help="检索词（中文可按任意两个字以上检索，多个词须同时出现）")
    p.add_argument("--json", action="store_true", help="输出 JSON Lines（最相关的在前）")
    p.add_argument("--limit", type=int, metavar="N", help="只输出最相关的 N 条")


@register("search", "在政策库或知识库中检索（与工作台同一检索）", _search_args, uses_now=True)
def cmd_search(ctx: Ctx) -> int:
    """The library's own search from a shell (SPEC §10, §11)."""
    from .policies import search_cli

    a = ctx.args
    if a.limit is not None and a.limit < 1:
        raise CliError("--limit 至少为 1")
    with ctx.open_store() as store:
        ctx.actor(store)
        return search_cli(store, a.what, " ".join(a.words), as_json=a.json, limit=a.limit, out=ctx.out)


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="通报月份，如 2026-11")
    p.add_argument("--format", default="md", choices=("xlsx", "md", "json"), help="xlsx 表格 / md Markdown / json（默认 md）")
    p.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定；md/json 默认输出到标准输出）")
    p.add_argument("--center", metavar="中心", help="只统计该中心受理的工单（全称、代码或所在区县；默认：全市）")


@register("report", "生成月度通报（一月一通报）：三率考核、明细指标、红黑榜、政策发布（值班长）", _report_args, uses_now=True)
def cmd_report(ctx: Ctx) -> int:
    """The monthly bulletin, from the same code as the assessment screen."""
    from .models import Role
    from .reports import write_report

    a = ctx.args
    if a.format == "xlsx" and not a.out:
        raise CliError("xlsx 格式必须用 --out 指定输出文件")
    with ctx.open_store() as store:
        ctx.actor(store, roles=[Role.SUPERVISOR.value, Role.ADMIN.value])
        center = store.center_name(a.center) if a.center else None
        try:
            write_report(store, a.month, a.format, a.out, store.now(), center)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if a.out:
        ctx.say(f"已生成 {a.month} 月度通报：{a.out}")
    return EXIT_OK


# ---------------------------------------------------------------- outreach (十百千万)


def _outreach_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="progress|log", parser_class=Parser)
    sub.required = True
    prog = sub.add_parser("progress", help="年度“十百千万”进度：各类活动逐月完成数、目标、进度")
    prog.add_argument("--year", type=int, metavar="YYYY", help="年份（默认：今年）")
    prog.add_argument("--center", metavar="中心", help="只统计该中心的活动（全称、代码或所在区县；默认：全部中心）")
    prog.add_argument("--json", action="store_true", help="输出 JSON Lines（每类活动一行）")
    log = sub.add_parser("log", help="登记一次宣传推广活动（受理员、值班长）")
    log.add_argument("--kind", required=True, help="活动类别：代码或中文名称（见 data/outreach.toml）")
    log.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="活动日期（不能晚于今天）")
    log.add_argument("--place", required=True, help="活动地点")
    log.add_argument("--department", action="append", default=[], metavar="单位", help="参与单位（可重复，或用、分隔）")
    log.add_argument("--staff", default="", help="参加人员")
    log.add_argument("--enterprise", action="append", default=[], metavar="企业",
                     help="走访的企业：名称、信用代码或“名称 信用代码”（可重复）")
    log.add_argument("--reached", metavar="N", help="走访企业数（默认：--enterprise 的个数）")
    log.add_argument("--cards", default="0", metavar="N", help="寄出或发放的联系卡张数")
    log.add_argument("--note", default="", help="备注")
    for sp in sub.choices.values():
        _add_common(sp, now=True)


@register("outreach", "宣传推广“十百千万”：progress 年度进度 / log 登记活动", _outreach_args, uses_now=True)
def cmd_outreach(ctx: Ctx) -> int:
    """The outreach plan's progress, or one activity logged, from a shell."""
    import json

    from .outreach import split_names

    a = ctx.args
    with ctx.open_store() as store:
        actor = ctx.actor(store)
        if a.action == "log":
            act = store.log_activity(
                actor, a.date, a.kind, a.place, departments=[n for d in a.department for n in split_names(d)],
                staff=a.staff, enterprises=a.enterprise, enterprises_reached=a.reached, cards_sent=a.cards, note=a.note)
            ctx.say(f"已登记推广活动 #{act.id}：{act.kind_label} {act.held_on} {act.place}，"
                    f"走访企业 {act.enterprises_reached} 家，联系卡 {act.cards_sent} 张")
            return EXIT_OK
        year = a.year or store.now().year
        center = store.center_name(a.center) if a.center else None
        progress = store.outreach_progress(year, center)
        if a.json:
            for p in progress:
                print(json.dumps({"year": year, **p.as_json()}, ensure_ascii=False), file=ctx.out)
            return EXIT_OK
        from rich.cells import cell_len

        def cell(text: str, width: int) -> str:  # right-aligned in terminal cells (Chinese is 2 wide)
            return " " * max(0, width - cell_len(text)) + text

        elapsed = progress[0].elapsed if progress else 0.0
        lines = [f"{year} 年“十百千万”进度（{center or '全部中心'}，全年已过 {elapsed * 100:.1f}%，按进度 = 目标 × 已过比例）",
                 "项目" + " " * 12 + "".join(cell(f"{m}月", 6) for m in range(1, 13))
                 + cell("合计", 8) + cell("目标", 8) + cell("完成率", 8) + cell("按进度", 8) + "  进度"]
        for p in progress:
            pct = "—" if p.percent is None else f"{p.percent:.1f}%"
            label = safe(p.kind.label)
            lines.append(label + " " * max(1, 16 - cell_len(label)) + "".join(cell(str(n), 6) for n in p.months)
                         + cell(str(p.total), 8) + cell(f"{p.target}{safe(p.kind.unit)}", 8) + cell(pct, 8)
                         + cell(str(int(p.expected)), 8) + "  " + p.pace_word)
        _Lines(ctx.out).print("\n".join(lines))
    return EXIT_OK


# ---------------------------------------------------------------- the wall display


def _wall_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--web", nargs="?", const="127.0.0.1:8000", metavar="[HOST:]PORT",
                   help="以网页提供预警大屏（默认 127.0.0.1:8000；浏览器打开即显示，自动刷新与重连）")
    p.add_argument("--token", metavar="TOKEN", help="网页访问令牌（监听非本机地址时必需；建议改用 --token-file）")
    p.add_argument("--token-file", metavar="PATH", help="从文件第一行读取网页访问令牌")


@register("wall", "只读的全屏预警面板（墙面大屏；--web 以网页提供，见 README）", _wall_args, uses_now=True)
def cmd_wall(ctx: Ctx) -> int:
    """The read-only warning panel, full screen, for a wall display (SPEC §13):
    in this terminal, or with ``--web`` as a web page for the duty room's browser."""
    a = ctx.args
    path = ctx.db_path()
    if not path.exists():
        ctx.open_store()  # raises the usual "数据库文件不存在" with what to do
    if a.web is None:
        if a.token is not None or a.token_file is not None:
            raise CliError("--token / --token-file 只用于 --web")
        from .screens.warnings import run_wall

        login = getattr(a, "as_login", None)
        if login is not None:
            with ctx.open_store() as store:
                ctx.actor(store)  # --as only on a demo database
        now = ctx.clock().now() if ctx.now_text else None
        return int(run_wall(str(path), login, now) or 0)
    from .web.server import WallConfigError, check_access, parse_address, read_token_file, serve_wall

    if a.token is not None and a.token_file is not None:
        raise CliError("--token 与 --token-file 只能用一个")
    try:
        host, port = parse_address(a.web)
        token = read_token_file(a.token_file) if a.token_file is not None else a.token
        check_access(host, token)
    except WallConfigError as exc:
        raise CliError(str(exc)) from None
    with ctx.open_store() as store:
        actor = ctx.actor(store)  # the wall shows what this login may see
    try:
        return serve_wall(str(path), actor, ctx.clock(), host, port, token, say=ctx.say)
    except OSError as exc:
        why = "端口已被占用（已有预警大屏或其他程序在用）" if exc.errno == errno.EADDRINUSE else _explain(exc)
        raise CliError(f"无法在 {host}:{port} 提供网页：{why}") from None


# ---------------------------------------------------------------- the console and the demo


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tickets", type=int, default=20_000, metavar="N", help="演示工单数量（默认 20000）")
    p.add_argument("--no-open", action="store_true", help="只建立演示数据库，不打开工作台")
    p.add_argument("--rebuild", action="store_true", help="删除已有的演示数据库并重新生成")


@register("demo", f"建立演示数据库（默认 ./{DEMO_DB}）并以演示身份打开工作台", _demo_args, uses_now=True)
def cmd_demo(ctx: Ctx) -> int:
    a = ctx.args
    # deliberately not $XZCONSOLE_DB: that names the real database
    path = Path(getattr(a, "db", None) or DEMO_DB).expanduser()
    if a.tickets < 0:
        raise CliError("--tickets 不能为负数")
    clock = ctx.clock()
    now = clock.now()
    if path.exists() and a.rebuild:
        if _demo_state(path) == "other":
            raise CliError(f"{path} 不是演示数据库，拒绝删除重建")
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    if not path.exists():
        try:
            from .demo import build_demo
        except ImportError as exc:
            raise CliError(f"演示数据生成器不可用（{exc}）") from None
        ctx.say(f"正在生成演示数据库 {path}（{a.tickets} 件工单）……")
        with _progress(ctx, "生成演示数据") as bar:
            build_demo(str(path), a.tickets, now, _demo_progress(bar))
        ctx.say(f"演示数据库已建立：{path}")
    elif _demo_state(path) == "partial":
        raise CliError(f"{path} 是未生成完的演示数据库（上次生成被中断）：请加 --rebuild 重新生成")
    elif _demo_state(path) == "other":
        raise CliError(f"{path} 不是演示数据库（演示身份只能用于演示数据库）")
    else:
        ctx.say(f"打开已有的演示数据库 {path}（重新生成请加 --rebuild）")
    login = getattr(a, "as_login", None) or DEMO_LOGIN
    if a.no_open:
        ctx.say(f"打开：xzconsole demo --db {path} [--as 演示登录名]（默认 {DEMO_LOGIN}）")
        return EXIT_OK
    return _run_console(ctx, str(path), login, now if ctx.now_text else None)


def _demo_progress(update: Callable[[int, int], None] | None) -> Callable[..., None] | None:
    """Adapt our bar to whatever the generator reports: (done, total) or a message."""
    if update is None:
        return None

    def progress(*args: Any, **kwargs: Any) -> None:
        nums = [x for x in args if isinstance(x, (int, float)) and not isinstance(x, bool)]
        if len(nums) >= 2:
            update(int(nums[0]), int(nums[1]))

    return progress


def _demo_state(path: Path) -> str:
    """'demo', 'partial' (an interrupted demo build) or 'other' (see store_import.demo_state)."""
    from .store_import import demo_state

    return demo_state(path, DEMO_LOGIN)


def _run_console(ctx: Ctx, db: str, login: str, now: dt.datetime | None) -> int:
    try:
        from .app import run_console
    except ImportError as exc:
        raise CliError(f"工作台界面不可用（{exc}）") from None
    return int(run_console(db, login, now) or 0)


def cmd_console(ctx: Ctx) -> int:
    """Plain ``xzconsole``: the console for the OS login on the shared database."""
    with ctx.open_store() as store:
        staff = ctx.actor(store)
        path = store.path
    now = ctx.clock().now() if ctx.now_text else None
    return _run_console(ctx, path, staff.login, now)


# ---------------------------------------------------------------- main


def build_parser() -> Parser:
    parser = Parser(
        prog="xzconsole",
        description="企业服务中心 / 12345 热线 工作台。不带子命令时打开工作台（按系统登录名识别身份）。",
        epilog=f"数据库位置：--db PATH，否则环境变量 {ENV_DB}，否则 {DEFAULT_DB}。\n"
               "退出码：0 完成；1 完成但有输入被拒收；2 未执行（原因见提示）。",
    )
    _add_common(parser, now=True)
    sub = parser.add_subparsers(dest="command", metavar="子命令", parser_class=Parser)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(p)
        _add_common(p, now=cmd.uses_now)
    return parser


_SQLITE_CN = (
    ("file is not a database", "不是 xzconsole 数据库文件，或文件已损坏"),
    ("database disk image is malformed", "数据库文件已损坏：请用最近的备份恢复（xzconsole doctor 可检查）"),
    ("database is locked", "数据库正忙（另一个程序正在写入），请稍后重试"),
    ("readonly database", "数据库只读：请检查数据库文件、其目录及 -wal/-shm 文件的组写权限（xzconsole doctor）"),
    ("unable to open database file", "无法打开数据库文件：请检查路径和目录权限（xzconsole doctor）"),
    ("no such table", "数据库结构不完整或版本过旧：请管理员执行 xzconsole init"),
    ("disk I/O error", "磁盘读写错误"),
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


def main(argv: list[str] | None = None) -> int:
    """The entry point of ``xzconsole``; returns the exit status."""
    from .store import StoreError

    out, err = sys.stdout, sys.stderr
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        ctx = Ctx(args, out, err)
        if args.command is None:
            return cmd_console(ctx)
        return COMMANDS[args.command].run(ctx)
    except CliError as exc:
        print(safe(f"xzconsole：{exc}"), file=err)
        return exc.code
    except BrokenPipeError:
        # the reader (e.g. `| head`) went away: not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        print("xzconsole：已中断。已提交的内容保留；导入可重新执行，已导入的行会按工单编号跳过。", file=err)
        return EXIT_NOTHING
    except (StoreError, ValueError, OSError, sqlite3.DatabaseError) as exc:
        print(safe(f"xzconsole：{_explain(exc)}"), file=err)
        return EXIT_NOTHING


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
