"""Time and the ladder: ``warnings``, ``calendar``, ``outreach``, ``wall``."""

from __future__ import annotations

import argparse
import errno
from pathlib import Path
from typing import TYPE_CHECKING

from .base import (
    _SOURCE_CN,
    EXIT_OK,
    CliError,
    Ctx,
    Parser,
    _add_common,
    _console,
    _explain,
    _Lines,
    register,
    safe,
)

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from ..workdays import WorkCalendar



def _warnings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="JSON Lines：每件预警工单一行")
    p.add_argument("--limit", type=int, default=100, metavar="N", help="表格最多显示的件数（默认 100，0 为全部；--json 总是全部）")


@register("warnings", "列出超期预警工单（黄/橙/红）", _warnings_args, uses_now=True)
def cmd_warnings(ctx: Ctx) -> int:
    from ..areas.feed import export_json
    from ..rules import WarningLevel

    a = ctx.args
    with ctx.open_store() as store:
        actor = ctx.actor(store)
        now = store.now()
        rows = store.warnings.warned_tickets(actor, now)
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
    columns: tuple[tuple[str, JustifyMethod, bool], ...] = (
        ("级别", "left", False), ("工单编号", "left", False), ("承办单位", "left", True),
        ("办理期限", "left", False), ("超期", "right", False), ("督办单位", "left", False))
    for col, just, wrap in columns:
        table.add_column(col, justify=just, no_wrap=not wrap)
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




_MARKS = {"holiday": "*", "makeup": "+"}


@register("calendar", "工作日历：status / show / load", _calendar_args, uses_now=True)
def cmd_calendar(ctx: Ctx) -> int:
    from ..workdays import ScheduleError, YearSchedule

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
            moved = store.schedules.load(actor, schedule)
            days = sum((h.end - h.start).days + 1 for h in schedule.holidays)
            ctx.say(f"已载入 {schedule.year} 年工作日历（来源：{schedule.source or '未注明'}）："
                    f"节假日 {len(schedule.holidays)} 段共 {days} 天，调休上班 {len(schedule.workdays)} 天。")
            ctx.say(f"{moved} 件未办结工单的办理期限随之调整（每件的历史中已记录）。")
            return EXIT_OK
        ctx.actor(store)
        cal = store.calendar()
        today = store.now().date()
        if a.action == "status":
            stored = {y["year"]: y for y in store.schedules.years()}
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


def _month_grids(cal: WorkCalendar, when: str) -> str:
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
    from ..workdays import month_days

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

    from ..outreach import split_names

    a = ctx.args
    if a.action == "progress" and a.year is not None:
        this_year = ctx.clock().now().year
        if not 2000 <= a.year <= this_year + 1:
            raise CliError(f"--year {a.year} 不在可查询的范围内：应为 2000 至 {this_year + 1} 年之间的四位年份")
    with ctx.open_store() as store:
        actor = ctx.actor(store)
        if a.action == "log":
            act = store.outreach.log_activity(
                actor, a.date, a.kind, a.place, departments=[n for d in a.department for n in split_names(d)],
                staff=a.staff, enterprises=a.enterprise, enterprises_reached=a.reached, cards_sent=a.cards, note=a.note)
            ctx.say(f"已登记推广活动 #{act.id}：{act.kind_label} {act.held_on} {act.place}，"
                    f"走访企业 {act.enterprises_reached} 家，联系卡 {act.cards_sent} 张")
            return EXIT_OK
        year = store.now().year if a.year is None else a.year
        center = store.center_name(a.center) if a.center else None
        progress = store.outreach.progress(year, center)
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
        from ..app import run_wall

        # the login as the OS vouches for it (under sudo: the invoking login),
        # or --as on a demo database
        with ctx.open_store() as store:
            login = ctx.actor(store).login
        now = ctx.clock().now() if ctx.now_text else None
        return int(run_wall(str(path), login, now) or 0)
    from ..web.server import (
        WallConfigError,
        check_access,
        parse_address,
        read_token_file,
        serve_wall,
    )

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
