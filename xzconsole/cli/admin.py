"""Administration: ``init``, ``staff``, ``centers``, ``backup``, ``doctor``."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .. import identity
from .base import (
    _SOURCE_CN,
    EXIT_OK,
    EXIT_REJECTED,
    CliError,
    Ctx,
    Parser,
    _add_common,
    _check_reachable,
    _console,
    _explain,
    _private,
    register,
    safe,
)

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from ..store import Store



def _init_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="参考数据目录（默认：随程序安装的 data/）")
    p.add_argument("--admin", metavar="LOGIN",
                   help="首位管理员的系统登录名（仅在尚无工作人员时有效；不能经 sudo 指定，默认为执行者）")
    p.add_argument("--setup", action="store_true",
                   help="共享部署：打印以 root 执行的设置命令（服务账号、工作人员组、数据库目录、sudoers 规则）")
    p.add_argument("--apply", action="store_true", help="与 --setup 同用：以 root 直接执行这些命令")
    p.add_argument("--service", metavar="ACCOUNT", default=SERVICE_ACCOUNT, help=f"服务账号（默认 {SERVICE_ACCOUNT}）")
    p.add_argument("--group", metavar="GROUP", default=STAFF_GROUP, help=f"工作人员组（默认 {STAFF_GROUP}）")
    p.add_argument("--program", metavar="PATH", help="sudoers 规则允许的程序（默认：当前 xzconsole 的绝对路径）")


def _program_path(given: str | None) -> str:
    """The absolute path of this xzconsole executable (what sudoers allows)."""
    if given:
        return str(Path(given).absolute())
    argv0 = Path(sys.argv[0])
    if argv0.name == "xzconsole" and argv0.exists():
        return str(argv0.absolute())
    found = shutil.which("xzconsole")
    return str(Path(found).absolute()) if found else "/usr/local/bin/xzconsole"


def _cmd_setup(ctx: Ctx) -> int:
    a = ctx.args
    admin = a.admin or identity.current_login()
    if admin == "root" or admin == a.service:
        raise CliError("请用 --admin 指定首位管理员的系统登录名（一位工作人员，不是 root 或服务账号）")
    try:
        script = setup_script(ctx.db_path(), service=a.service, group=a.group,
                              program=_program_path(a.program), admin=admin)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not a.apply:
        print(script, file=ctx.out, end="")
        ctx.say("以上命令需以 root 执行（或加 --apply 由本命令以 root 执行）；之后用 xzconsole doctor 检查。")
        return EXIT_OK
    if os.getuid() != 0:
        raise CliError("--apply 需要以 root 执行（或去掉 --apply，把打印的命令交给系统管理员）")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], stdout=ctx.err, stderr=ctx.err, check=False)
    if done.returncode != 0:
        raise CliError(f"设置命令执行失败（退出码 {done.returncode}），见上面的输出；已执行的步骤可重复执行")
    ctx.say(f"共享部署已设置：数据库 {ctx.db_path()} 属于服务账号 {a.service}；"
            f"工作人员组 {a.group} 的成员用  sudo -u {a.service} xzconsole …  使用")
    return EXIT_OK


@register("init", "建立或升级数据库，载入参考数据（首次执行时把当前登录名设为管理员；--setup 设置共享部署）", _init_args)
def cmd_init(ctx: Ctx) -> int:
    from ..models import Role
    from ..store import SCHEMA_VERSION

    a = ctx.args
    if a.setup:
        return _cmd_setup(ctx)
    if a.apply:
        raise CliError("--apply 只能与 --setup 同用")
    path = ctx.db_path()
    if not path.parent.exists():
        raise CliError(
            f"数据库目录不存在：{path.parent}\n共享部署（数据库属于服务账号，工作人员经 sudo 使用）的设置命令："
            f"xzconsole init --setup --db {path}（打印）或以 root 加 --apply（执行）"
        )
    inv = ctx.invoker()
    if a.admin is not None and inv.via_sudo:
        raise CliError("经 sudo 运行时不能用 --admin：首位管理员由 root 以服务账号指定（见 xzconsole init --setup）")
    existed = path.exists() and path.stat().st_size > 0
    if inv.via_sudo and not existed:
        # a database made through sudo would be the caller's own, owned by the
        # service account and beside the real one: only root sets one up
        raise CliError(f"经 sudo 运行时不能新建数据库（{path}）：首次建立由 root 执行 xzconsole init --setup（见 README）")
    store = ctx.open_store(must_exist=False, migrate=False)
    with store:
        # the login is checked before the first write: an existing database is
        # upgraded or reloaded only by one of its administrators
        if store.schema_version() > 0 and store.staff.count():
            if a.admin is not None:
                raise CliError("已有工作人员：--admin 只用于首次建立；添加管理员请用 xzconsole staff add 登录名 --role admin")
            ctx.actor(store, roles=[Role.ADMIN.value])
        if store.schema_version() > SCHEMA_VERSION:
            raise CliError(f"数据库结构版本 {store.schema_version()} 比本程序支持的版本 {SCHEMA_VERSION} 新：请升级 xzconsole")
        store.migrate()
        # the pinyin keys SQL could not compute (a Python step of the upgrade); also
        # those of a database migrated without the command line (a look-up when none lack)
        store.directory.fill_name_keys()
        counts = store.load_reference_data(Path(a.data) if a.data else None)
        ctx.say(f"{'已升级' if existed else '已建立'}数据库：{path}（结构版本 {SCHEMA_VERSION}）")
        ctx.say(f"参考数据：承办单位 {counts.get('departments', 0)} 个，政策分类 {counts.get('categories', 0)} 个大类，"
                f"协会 {counts.get('associations', 0)} 家，政策收集来源 {counts.get('policy_sources', 0)} 个（不含政策和知识库条目）")
        if not store.staff.count():
            login = a.admin or inv.login
            store.staff.add(None, login, Role.ADMIN, name="系统管理员")
            ctx.say(f"尚无工作人员：已为系统登录名“{login}”建立管理员账号。")
            ctx.say("下一步：xzconsole staff add 登录名 --role clerk|supervisor|department [--department 单位]")
    _private(path)
    if os.getuid() == 0:
        ctx.say("注意：数据库属于 root。多人共用请改用服务账号部署：xzconsole init --setup（README“Shared deployment”）")
    ctx.say("检查部署：xzconsole doctor")
    return EXIT_OK


def setup_script(db: Path, *, service: str, group: str, program: str, admin: str) -> str:
    """The shell commands (run as root) of the shared deployment in README
    "Shared deployment": a locked service account owning the database
    directory (0700), a staff group, and a sudoers rule letting that group run
    exactly ``program`` as the service account; then the first ``init``.
    Each step can be run again."""
    for what, name in (("服务账号", service), ("工作人员组", group), ("管理员登录名", admin)):
        if not _NAME.fullmatch(name):
            raise ValueError(f"{what}“{name}”不是合法的系统账号名")
    if not program.startswith("/") or any(ch in program for ch in " \t\n'\",:=\\"):
        raise ValueError(f"程序路径“{program}”须是不含空格和特殊字符的绝对路径")
    directory, db_q = shlex.quote(str(db.absolute().parent)), shlex.quote(str(db.absolute()))
    drop_in = f"/etc/sudoers.d/{_sudoers_name(service)}"
    staged = f"/etc/sudoers.d/.{_sudoers_name(service)}.new"  # a name with a dot: sudo skips it until it is checked
    return "\n".join([
        f"# xzconsole 共享部署（以 root 执行）：数据库属于服务账号 {service}，工作人员组 {group} 的成员只能经 sudo 运行 xzconsole",
        f"getent group {group} >/dev/null || groupadd {group}",
        f"id -u {service} >/dev/null 2>&1 || useradd --system --user-group --no-create-home "
        f"--home-dir {directory} --shell /usr/sbin/nologin {service}",
        f"install -d -o {service} -g {service} -m 0700 {directory}",
        f"cat > {staged} <<'SUDOERS'",
        f"# xzconsole：组 {group} 的成员可以、且只能以 {service} 运行 {program}；身份取自 sudo 设置的 SUDO_USER",
        f'Defaults!{program} env_reset, env_keep += "COLORTERM"',
        f"%{group} ALL=({service}) NOPASSWD: {program}",
        "SUDOERS",
        f"chmod 0440 {staged}",
        f"visudo -cf {staged}",
        f"mv {staged} {drop_in}",
        f"usermod -aG {group} {admin}",
        f"runuser -u {service} -- {program} init --db {db_q} --admin {admin}",
        "",
    ])


SERVICE_ACCOUNT = "xzconsole"
STAFF_GROUP = "xzconsole-staff"
_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")


def _sudoers_name(service: str) -> str:
    return service.replace(".", "_")


def _staff_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="add|list|disable", parser_class=Parser)
    sub.required = True
    add = sub.add_parser("add", help="添加或更新工作人员（管理员）")
    add.add_argument("login", metavar="USER", help="系统登录名（SSH 用户名）")
    add.add_argument("--role", required=True, help="角色：clerk 受理员 / supervisor 值班长 / department 承办单位联络员 / admin 管理员 / "
                     "business_office 市营商办（橙、红色预警）/ discipline 市纪委监委（红色预警、问责）")
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
    from ..models import Role

    a = ctx.args
    with ctx.open_store() as store:
        if a.action == "add":
            actor = None if store.staff.count() == 0 else ctx.actor(store, roles=[Role.ADMIN.value])
            center = a.center or _current_center(store, a.login)
            s = store.staff.add(actor, a.login, a.role, name=a.name, department=a.department, center=center)
            dept = f"，单位：{s.department_name}" if s.department_name else ""
            ctx.say(f"已保存：{s.login}（{s.name or '未填姓名'}），角色：{s.role.label}{dept}，中心：{s.center}")
            return EXIT_OK
        actor = ctx.actor(store, roles=[Role.ADMIN.value])
        if a.action == "disable":
            if a.login == actor.login:
                raise CliError("不能停用自己的账号（请由另一位管理员操作）")
            s = store.staff.disable(actor, a.login)
            ctx.say(f"已停用：{s.login}（{s.name or '未填姓名'}）。其登录将被拒绝，历史记录保留。")
            return EXIT_OK
        from rich.table import Table
        from rich.text import Text

        table = Table(title="工作人员", title_justify="left")
        for col in ("登录名", "姓名", "角色", "所属单位", "所属中心", "状态"):
            table.add_column(col)
        rows = store.staff.all()
        for s in rows:
            table.add_row(Text(safe(s.login)), Text(safe(s.name)), s.role.label, Text(safe(s.department_name or "—")),
                          Text(safe(s.center)),
                          "已停用" if s.disabled else "启用")
        _console(ctx.out).print(table)
        print(f"共 {len(rows)} 人", file=ctx.out)
    return EXIT_OK


def _current_center(store: Store, login: str) -> str:
    """The center ``staff add`` keeps when none is given: the account's own
    (changing a role must not move someone to another center), else the city's."""
    from ..store import CITY_CENTER, NotFound

    try:
        return store.staff.get(login.strip()).center
    except NotFound:
        return CITY_CENTER


@register("centers", "列出企业服务中心：市中心与各县（市、区）中心的人员数和在办工单数")
def cmd_centers(ctx: Ctx) -> int:
    from rich.table import Table
    from rich.text import Text

    with ctx.open_store() as store:
        ctx.actor(store)
        rows = store.queue.center_overview()
    table = Table(title="企业服务中心", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("代码", "left"), ("名称", "left"), ("层级", "left"), ("人员", "right"), ("在办工单", "right"))
    for col, justify in columns:
        table.add_column(col, justify=justify)
    for r in rows:
        table.add_row(Text(safe(r["code"])), Text(safe(r["name"])), "市级" if r["level"] == "city" else "县（市、区）",
                      f"{r['staff']:,}", f"{r['open_tickets']:,}")
    _console(ctx.out).print(table)
    print(f"共 {len(rows)} 个中心（工作人员按中心：xzconsole staff add 登录名 --center 代码或名称）", file=ctx.out)
    return EXIT_OK


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


def _replication_checks(path: Path) -> list[tuple[bool | None, str]]:
    """doctor's replication lines; a failure to look is itself reported, never a traceback."""
    try:
        from ..services.replication import doctor_checks

        return doctor_checks(path)
    except Exception as exc:  # doctor must finish its report whatever happens here
        return [(False, f"无法检查连续复制：{_explain(exc)}")]


@register("doctor", "检查数据库结构、完整性、日历覆盖、共享部署权限与当前账号", None, uses_now=True)
def cmd_doctor(ctx: Ctx) -> int:
    from ..store import SCHEMA_VERSION, StoreError

    path = ctx.db_path()
    problems = 0

    def report(ok: bool | None, text: str) -> None:
        nonlocal problems
        mark = "✓" if ok else ("!" if ok is None else "✗")
        if ok is False:
            problems += 1
        print(safe(f"{mark} {text}"), file=ctx.out)

    print(safe(f"数据库：{path}"), file=ctx.out)
    _check_reachable(path)  # out of reach is not "missing": say to use sudo
    if not path.exists():
        raise CliError(f"数据库文件不存在：{path}（首次部署请执行 xzconsole init --db {path}）")
    owner = _root_opening_other(path)
    if owner is not None:
        # root would leave root-owned -wal/-shm the service account cannot open:
        # look at the files and the sudo rule only
        report(None, f"以 root 运行：不打开数据库（会留下属于 root 的 -wal/-shm）。数据库本身的检查："
                     f"runuser -u {owner} -- xzconsole doctor --db {path}")
        return _doctor_files(ctx, path, report, lambda: problems)
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
            login = ctx.login()
            try:
                s = store.staff.identify(login)
                dept = f"，{s.department_name}" if s.department_name else ""
                report(True, f"当前登录名“{login}”：{s.name or '未填姓名'}，{s.role.label}{dept}")
            except StoreError as exc:
                report(False, str(exc))
    return _doctor_files(ctx, path, report, lambda: problems)


def _root_opening_other(path: Path) -> str | None:
    """The owner's name when root is about to open a database another account owns."""
    if os.getuid() != 0:
        return None
    try:
        uid = path.stat().st_uid
    except OSError:
        return None
    return None if uid == 0 else _account(uid)[0]


def _doctor_files(ctx: Ctx, path: Path, report: Callable[[bool | None, str], None], problems: Callable[[], int]) -> int:
    """doctor's checks of the deployment and replication, and its verdict."""
    try:
        inv: identity.Invoker | None = ctx.invoker()
    except CliError as exc:
        inv = None
        report(False, str(exc))
    for ok, text in _permission_checks(path, inv):
        report(ok, text)
    for ok, text in _replication_checks(path):
        report(ok, text)
    if problems():
        print(f"发现 {problems()} 个问题。共享部署的设置方法见 README“Shared deployment”一节。", file=ctx.out)
        return EXIT_REJECTED
    print("一切正常。", file=ctx.out)
    return EXIT_OK


_NO_LOGIN_SHELLS = ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false")


def _account(uid: int) -> tuple[str, str]:
    """(name, shell) of a uid; the uid itself when it has no account."""
    import pwd

    try:
        entry = pwd.getpwuid(uid)
    except KeyError:
        return str(uid), ""
    return entry.pw_name, entry.pw_shell


def _permission_checks(path: Path, inv: identity.Invoker | None) -> list[tuple[bool | None, str]]:
    """The shared deployment (README "Shared deployment", SPEC §13): the
    database, its directory and -wal/-shm belong to one service account and
    nobody else may read or write them; staff reach them only through
    ``sudo -u <service> xzconsole``, and the program sudo runs must not be
    writable by anyone but root (else whoever may run it could change it)."""
    out: list[tuple[bool | None, str]] = []
    d = path.resolve().parent
    fst, dst = path.stat(), d.stat()
    owner, shell = _account(fst.st_uid)
    if fst.st_uid == 0:
        out.append((None, "数据库属于 root：共享部署应属于专用服务账号（xzconsole init --setup 打印设置命令）"))
    elif shell in _NO_LOGIN_SHELLS:
        out.append((True, f"数据库属于服务账号 {owner}（不能登录：{shell}）"))
    else:
        out.append((None, f"数据库属于 {owner}，该账号可以登录（{shell or '无 shell 记录'}）：多人共用时应属于不能登录的服务账号"
                          f"（xzconsole init --setup）"))
    downer = _account(dst.st_uid)[0]
    dir_ok = dst.st_uid == fst.st_uid and not dst.st_mode & 0o077
    out.append((dir_ok, f"目录 {d}：{stat.filemode(dst.st_mode)}，属于 {downer}"
                + ("（仅服务账号可进入）" if dir_ok else f"——应只属于 {owner} 且他人不能进入：chown {owner}: {d}; chmod 700 {d}")))
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            st = p.stat()
        except FileNotFoundError:
            if p != path:
                out.append((True, f"{p.name}：暂不存在（打开数据库时由 SQLite 建立，权限同数据库文件）"))
            continue
        problems = []
        if st.st_uid != fst.st_uid:
            problems.append(f"属于 {_account(st.st_uid)[0]}，应属于 {owner}：chown {owner} {p}")
        if st.st_mode & 0o077:
            problems.append(f"组或其他用户可以{'读写' if st.st_mode & 0o066 else '访问'}（可绕过一切权限检查直接读写工单）：chmod 600 {p}")
        out.append((not problems, f"{p.name}：{stat.filemode(st.st_mode)}，属于 {_account(st.st_uid)[0]}"
                    + ("" if not problems else "——" + "；".join(problems))))
    if inv is not None:
        if inv.via_sudo:
            out.append((True, f"经 sudo 运行：调用人 {inv.login}（sudo 核实），以服务账号 {inv.account} 访问数据库"))
        elif os.getuid() == fst.st_uid or os.getuid() == 0:
            out.append((True, f"以 {inv.account} 直接运行（身份：{inv.login}）"))
        else:
            out.append((False, f"以 {inv.account} 直接运行，但数据库属于 {owner}：工作人员应经  sudo -u {owner} xzconsole …  使用"))
    if fst.st_uid != 0:
        out.extend(_sudoers_checks(owner, inv))
    out.extend(_program_checks())
    return out


def _sudoers_checks(owner: str, inv: identity.Invoker | None) -> list[tuple[bool | None, str]]:
    """The sudoers rule that lets staff run xzconsole as ``owner``: seen to work
    when this run came through it; read and judged when doctor runs as root."""
    if inv is not None and inv.via_sudo:
        return [(True, f"sudo 规则有效：{inv.login} 经 sudo 以 {owner} 运行了 xzconsole")]
    if os.getuid() != 0:
        return [(None, f"sudo 规则：以 root 运行 doctor 可检查（应允许工作人员组以 {owner} 只运行 xzconsole）")]
    files = [Path("/etc/sudoers")]
    try:
        files += sorted(p for p in Path("/etc/sudoers.d").iterdir() if "." not in p.name and not p.name.endswith("~"))
    except OSError:
        pass
    rules: list[tuple[Path, str]] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        rules += [(f, ln.strip()) for ln in text.splitlines()
                  if not ln.lstrip().startswith("#") and re.search(rf"\(\s*{re.escape(owner)}\s*(:[^)]*)?\)", ln)]
    if not rules:
        return [(False, f"没有找到让工作人员以 {owner} 运行 xzconsole 的 sudo 规则：xzconsole init --setup 打印设置命令")]
    out: list[tuple[bool | None, str]] = []
    for f, rule in rules:
        command = rule.split(")", 1)[1].replace("NOPASSWD:", "").strip()
        if command == "ALL" or not command.endswith("xzconsole"):
            out.append((False, f"{f}：“{rule}”允许以 {owner} 运行 xzconsole 以外的程序——应只允许 xzconsole 的绝对路径"))
        else:
            out.append((True, f"sudo 规则（{f}）：{rule}"))
    return out


def _program_checks() -> list[tuple[bool | None, str]]:
    """Whoever may run xzconsole as the service account could run anything as it
    if they could change the program: the entry script and the package must be
    root's and writable by root only."""
    import xzconsole

    out: list[tuple[bool | None, str]] = []
    targets = [Path(xzconsole.__file__).parent]
    argv0 = Path(sys.argv[0])
    if argv0.name == "xzconsole" and argv0.is_file():
        targets.insert(0, argv0.absolute())
    for p in targets:
        try:
            st = p.stat()
        except OSError:
            continue
        if st.st_uid == 0 and not st.st_mode & 0o022:
            out.append((True, f"程序 {p}：属于 root，只有 root 可修改"))
        elif os.getuid() != 0 and st.st_uid == os.getuid() and not st.st_mode & 0o022:
            out.append((None, f"程序 {p}：属于 {_account(st.st_uid)[0]}（本账号）；共享部署应安装为 root 所有"))
        else:
            out.append((False, f"程序 {p}：{stat.filemode(st.st_mode)}，属于 {_account(st.st_uid)[0]}——"
                               f"他人可修改它，经 sudo 运行它的人就能冒充任何人：chown -R root: {p}; chmod -R go-w {p}"))
    return out
