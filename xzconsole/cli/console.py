"""The console itself and the demo database."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Callable

from .base import DEMO_DB, DEMO_LOGIN, EXIT_OK, CliError, Ctx, _progress, register


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
            from ..demo import build_demo
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

    def progress(*args: object, **kwargs: object) -> None:
        nums = [x for x in args if isinstance(x, (int, float)) and not isinstance(x, bool)]
        if len(nums) >= 2:
            update(int(nums[0]), int(nums[1]))

    return progress


def _demo_state(path: Path) -> str:
    """'demo', 'partial' (an interrupted demo build) or 'other' (see store_import.demo_state)."""
    from ..areas.feed import demo_state

    return demo_state(path, DEMO_LOGIN)


def _run_console(ctx: Ctx, db: str, login: str, now: dt.datetime | None) -> int:
    try:
        from ..app import run_console
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


