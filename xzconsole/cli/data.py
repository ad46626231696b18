"""Data in and out: ``import``, ``export``, ``search``, ``report``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .base import EXIT_OK, EXIT_REJECTED, CliError, Ctx, _progress, register, store_path

if TYPE_CHECKING:
    from ..rules import WarningLevel


def _import_args(p: argparse.ArgumentParser) -> None:
    from ..services.library_files import IMPORTERS

    p.add_argument("file", metavar="FILE", help="JSON Lines（.jsonl）、CSV 或 Excel（.xlsx）文件")
    p.add_argument("--kind", default="tickets", choices=sorted(IMPORTERS), help="导入的数据种类（默认 tickets 热线工单）")
    p.add_argument("--batch-size", type=int, default=5000, metavar="N",
                   help="每批提交的行数（默认 5000，也是上限：一批太久会使其他人的操作等待超时；中断后重新执行会跳过已提交的批次）")


@register("import", "导入数据（JSON Lines / CSV / XLSX）：热线工单、政策库、知识库或政策兑现台账，坏行写入拒收文件", _import_args, uses_now=True)
def cmd_import(ctx: Ctx) -> int:
    """Exit status: 0 every row imported or a duplicate; 1 rows were committed
    and some rejected, or the import stopped part-way after committing (the
    message says how far it got and why); 2 nothing was committed."""
    from ..models import Role
    from ..services.feed_readers import open_feed
    from ..services.importers import ImportAborted
    from ..services.library_files import IMPORTERS

    a = ctx.args
    if a.batch_size < 1:
        raise CliError("--batch-size 至少为 1")
    label, run = IMPORTERS[a.kind]
    what = "工单编号" if a.kind == "tickets" else "记录"
    with ctx.open_store() as store:
        actor = ctx.actor(store, roles=[Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value])
        reader = open_feed(a.file) if a.kind == "tickets" else None  # other kinds open it with their own columns
        try:
            with _progress(ctx, f"导入{label}") as progress:
                summary = run(store, a.file, actor.login, batch_size=a.batch_size, progress=progress, reader=reader)
        except ImportAborted as exc:
            s = exc.summary
            ctx.say(f"导入未完成：{exc}")
            ctx.say(f"停止前已提交 {s.imported} 件（另有重复 {s.duplicate} 件），拒收 {s.rejected} 行"
                    + (f"（已记录在 {s.rejects_file}）" if s.rejects_file else ""))
            if s.imported:  # something was committed: never "nothing done"
                ctx.say(f"已提交的保留；问题解决后重新导入整个文件即可，已导入的{what}会自动跳过。")
                return EXIT_REJECTED
            raise CliError("未导入任何内容") from None
    if summary.ignored_columns:
        ctx.say(f"提示：忽略了无法识别的列：{'、'.join(summary.ignored_columns)}")
    if summary.total == 0:
        raise CliError(f"{a.file} 中没有数据行，未导入任何内容")
    fmt = "" if summary.kind == label else f"，{summary.kind}"
    ctx.say(f"导入完成（{label}{fmt}，共 {summary.total} 行）：新增 {summary.imported} 件，"
            f"重复 {summary.duplicate} 件（{what}已存在，未作改动），"
            f"拒收 {summary.rejected} 行")
    for note in summary.notes:
        ctx.say(note)
    if summary.rejected:
        ctx.say(f"拒收的行（行号、原因、原始内容）已写入：{summary.rejects_file}")
        ctx.say("修正后可重新导入整个文件：已导入的记录会自动跳过。")
        return EXIT_REJECTED
    return EXIT_OK


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("tickets", "departments", "policies", "results"),
                   help="导出：tickets 工单 / departments 单位 / policies 政策 / results 办理结果（回传 12345）")
    p.add_argument("--out", metavar="FILE", help="写入文件（默认输出到屏幕/标准输出）")
    p.add_argument("--since", metavar="ISO", help="results：只导出该时间以后有变化的工单（默认：全部）")
    p.add_argument("--format", default="jsonl", choices=("jsonl", "csv", "xlsx"),
                   help="results：jsonl（默认）/ csv / xlsx（后两种用热线数据的中文表头；xlsx 须指定 --out）")


@register("export", "导出 JSON Lines：tickets / departments / policies；results 办理结果（JSON Lines / CSV / XLSX）",
          _export_args, uses_now=True)
def cmd_export(ctx: Ctx) -> int:
    from ..areas.feed import export_json
    from ..areas.oversight_scope import oversight_level
    from ..models import Role

    a = ctx.args
    if a.what != "results" and (a.since or a.format != "jsonl"):
        raise CliError("--since 和 --format 只用于 export results")
    if a.what == "results":
        return _export_results(ctx)
    with ctx.open_store() as store:
        actor = ctx.actor(store)
        if a.what == "tickets":
            dept = actor.department_id if actor.role is Role.DEPARTMENT else None
            lines: Iterable[str] = store.feed.export_tickets(dept, store.now())
            level = oversight_level(actor)
            if level is not None:  # 市营商办 / 市纪委监委: the tickets at their level now or ever
                lines = _at_least(lines, level)
        elif a.what == "departments":
            lines = map(export_json, store.feed.export_departments())
        else:
            lines = map(export_json, store.library.export_rows())  # with days left and lag vs the targets
        n = 0
        if a.out:
            target = Path(a.out).expanduser()
            _refuse_export_target(target, store_path(store))
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


_SQLITE_HEADER = b"SQLite format 3\x00"


def _refuse_export_target(target: Path, db: Path) -> None:
    """An export never lands on the database, its -wal/-shm/-journal, or any
    other SQLite database (a backup): overwriting one loses data for good."""
    live = db.resolve()
    resolved = target.resolve()
    sidecars = {live.name + suffix for suffix in ("-wal", "-shm", "-journal")}
    if resolved == live or (resolved.parent == live.parent and resolved.name in sidecars):
        raise CliError(f"不能把导出写到数据库文件上（{resolved}）：请换一个文件名")
    try:
        if resolved.exists() and os.path.samefile(resolved, live):
            raise CliError(f"不能把导出写到数据库文件上（{resolved}）：请换一个文件名")
        if resolved.is_file():
            with open(resolved, "rb") as fh:
                if fh.read(16) == _SQLITE_HEADER:
                    raise CliError(f"{resolved} 是一个数据库文件（可能是备份），导出不会覆盖它：请换一个文件名")
    except OSError:
        pass  # writing it says what is wrong


def _export_results(ctx: Ctx) -> int:
    """Results back to 12345: one record per ticket (changed since ``--since``), streamed."""
    from ..clock import parse_datetime
    from ..models import Role
    from ..services.exchange import iter_results, write_results

    a = ctx.args
    if a.format == "xlsx" and not a.out:
        raise CliError("xlsx 格式必须用 --out 指定输出文件")
    try:
        since = parse_datetime(a.since) if a.since else None
    except ValueError as exc:
        raise CliError(f"--since {exc}") from None
    with ctx.open_store() as store:
        ctx.actor(store, roles=[Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value])
        records = iter_results(store, store.now(), since)
        if not a.out:
            n = write_results(records, a.format, ctx.out)
            ctx.out.flush()
            return EXIT_OK
        target = Path(a.out).expanduser()
        _refuse_export_target(target, store_path(store))
        tmp = target.with_name(f".{target.name}.partial")
        try:
            n = write_results(records, a.format, tmp)
            os.replace(tmp, target)  # never a half-written export under the real name
        finally:
            tmp.unlink(missing_ok=True)
    ctx.say(f"已导出 {n} 件工单的办理结果到 {target}")
    return EXIT_OK
def _at_least(lines: Iterable[str], level: WarningLevel) -> Iterator[str]:
    """The exported lines whose ``max_warning`` (the level now or ever reached)
    is ``level`` or above: an oversight account's scope."""
    import json

    from ..rules import WarningLevel

    for line in lines:
        if WarningLevel.parse(json.loads(line)["max_warning"]) >= level:
            yield line


def _search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("policies", "knowledge"), help="policies 政策库 / knowledge 知识库")
    p.add_argument("words", nargs="*", metavar="WORDS", help="检索词（中文可按任意两个字以上检索，多个词须同时出现；有 --column 时可省略）")
    p.add_argument("--json", action="store_true", help="输出 JSON Lines（最相关的在前）")
    p.add_argument("--limit", type=int, metavar="N", help="只输出最相关的 N 条")
    p.add_argument("--column", metavar="专栏", help="只在该专栏中检索（专栏名称或编号）；不给检索词则按专栏顺序列出")


@register("search", "在政策库或知识库中检索（与工作台同一检索）", _search_args, uses_now=True)
def cmd_search(ctx: Ctx) -> int:
    """The library's own search from a shell (SPEC §10, §11)."""
    from ..services.library_files import search_cli

    a = ctx.args
    if a.limit is not None and a.limit < 1:
        raise CliError("--limit 至少为 1")
    with ctx.open_store() as store:
        ctx.actor(store)
        return search_cli(store, a.what, " ".join(a.words), as_json=a.json, limit=a.limit, out=ctx.out, column=a.column)


def _report_args(p: argparse.ArgumentParser) -> None:
    period = p.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", metavar="YYYY-MM", help="通报月份，如 2026-11")
    period.add_argument("--quarter", metavar="YYYYQn", help="通报季度，如 2026Q4（含各月趋势）")
    period.add_argument("--year", metavar="YYYY", help="通报年度，如 2026（含各月趋势）")
    p.add_argument("--format", default="md", choices=("xlsx", "md", "json"), help="xlsx 表格 / md Markdown / json（默认 md）")
    p.add_argument("--out", metavar="FILE", help="写入文件（xlsx 必须指定；md/json 默认输出到标准输出）")
    p.add_argument("--center", metavar="中心", help="只统计该中心受理的工单（全称、代码或所在区县；默认：全市）")


@register("report", "生成通报（一月一通报，或季度、年度）：三率考核、明细指标、红黑榜、政策发布（值班长）",
          _report_args, uses_now=True)
def cmd_report(ctx: Ctx) -> int:
    """The bulletin of a month, quarter or year, from the same code as the assessment screen."""
    from ..models import Role
    from ..services.bulletin_files import write_report
    from ..services.reports import ReportError, report_period

    a = ctx.args
    if a.format == "xlsx" and not a.out:
        raise CliError("xlsx 格式必须用 --out 指定输出文件")
    try:
        period = report_period(a.month if a.month is not None else a.quarter if a.quarter is not None else a.year)
    except ReportError as exc:
        raise CliError(str(exc)) from None
    with ctx.open_store() as store:
        ctx.actor(store, roles=[Role.SUPERVISOR.value, Role.ADMIN.value])
        center = store.center_name(a.center) if a.center else None
        try:
            write_report(store, period, a.format, a.out, store.now(), center)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if a.out:
        kind = {"month": "月度", "quarter": "季度", "year": "年度"}[period.kind]
        ctx.say(f"已生成 {period.title}{kind}通报：{a.out}")
    return EXIT_OK


