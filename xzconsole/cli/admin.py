"""Administration: ``init``, ``staff``, ``centers``, ``backup``, ``doctor``."""

from __future__ import annotations

import argparse
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .. import identity
from .base import (
    _SOURCE_CN,
    EXIT_OK,
    EXIT_REJECTED,
    CliError,
    Ctx,
    Parser,
    _add_common,
    _console,
    _explain,
    _share_with_group,
    register,
    safe,
)

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from ..store import Store



def _init_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="参考数据目录（默认：随程序安装的 data/）")


@register("init", "建立或升级数据库，载入参考数据（首次执行时把当前登录名设为管理员）", _init_args)
def cmd_init(ctx: Ctx) -> int:
    from ..models import Role
    from ..store import SCHEMA_VERSION

    path = ctx.db_path()
    if not path.parent.exists():
        raise CliError(
            f"数据库目录不存在：{path.parent}\n多人共用时建议（以 root 执行）：\n"
            f"  groupadd xzconsole; mkdir -p {path.parent}; chgrp xzconsole {path.parent}; chmod 2770 {path.parent}"
        )
    existed = path.exists()
    store = ctx.open_store(must_exist=False)
    with store:
        if store.staff.count():
            ctx.actor(store, roles=[Role.ADMIN.value])
        counts = store.load_reference_data(Path(ctx.args.data) if ctx.args.data else None)
        ctx.say(f"{'已升级' if existed else '已建立'}数据库：{path}（结构版本 {SCHEMA_VERSION}）")
        ctx.say(f"参考数据：承办单位 {counts.get('departments', 0)} 个，政策分类 {counts.get('categories', 0)} 个大类，"
                f"协会 {counts.get('associations', 0)} 家，知识库 {counts.get('knowledge', 0)} 条，政策 {counts.get('policies', 0)} 件")
        if not store.staff.count():
            login = identity.current_login()
            store.staff.add(None, login, Role.ADMIN, name="系统管理员")
            ctx.say(f"尚无工作人员：已为当前系统登录名“{login}”建立管理员账号。")
            ctx.say("下一步：xzconsole staff add 登录名 --role clerk|supervisor|department [--department 单位]")
        _share_with_group(path)
    ctx.say("检查部署：xzconsole doctor")
    return EXIT_OK




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
            login = getattr(ctx.args, "as_login", None) or identity.current_login()
            try:
                s = store.staff.identify(login)
                dept = f"，{s.department_name}" if s.department_name else ""
                report(True, f"当前登录名“{login}”：{s.name or '未填姓名'}，{s.role.label}{dept}")
            except StoreError as exc:
                report(False, str(exc))
    for ok, text in _permission_checks(path):
        report(ok, text)
    for ok, text in _replication_checks(path):
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


