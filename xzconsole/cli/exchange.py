"""``exchange``: the unattended 12345 exchange folder (SPEC §10, §11)."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from .base import EXIT_OK, EXIT_REJECTED, CliError, Ctx, register


def _exchange_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="交换目录：inbox/（12345 放入的文件）、done/、rejects/、outbox/（办理结果）")
    p.add_argument("--once", action="store_true", help="处理当前收件箱中的文件、写出办理结果后退出（供 cron 和测试）")
    p.add_argument("--interval", type=float, default=300, metavar="SECONDS",
                   help="每隔多少秒写出一次办理结果（默认 300；退出时也写一次）")
    p.add_argument("--settle", type=float, default=2.0, metavar="SECONDS",
                   help="文件大小和修改时间保持不变多少秒后才导入（默认 2，防止导入还在写入的文件）")


@register("exchange", "12345 数据交换目录：自动导入 inbox/ 中的文件，向 outbox/ 写出办理结果（以交换专用账号运行）",
          _exchange_args, uses_now=True)
def cmd_exchange(ctx: Ctx) -> int:
    from ..models import Role
    from ..services.exchange import Exchange

    a = ctx.args
    if a.interval <= 0:
        raise CliError("--interval 必须大于 0 秒")
    if a.settle < 0:
        raise CliError("--settle 不能为负数")
    root = Path(a.dir).expanduser()
    if root.exists() and not root.is_dir():
        raise CliError(f"{root} 不是目录")
    with ctx.open_store() as store:
        actor = ctx.actor(store, roles=[Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value])
        ex = Exchange(store, root, actor.login, settle=a.settle, say=ctx.say)
        try:
            ex.open()
        except RuntimeError as exc:
            raise CliError(str(exc)) from None

        def stop(signum: int, _frame: FrameType | None) -> None:
            ex.stop.set()  # the current file is finished, then results are written and we leave

        old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            if a.once:
                report = ex.once()
                ctx.say(f"交换完成：处理文件 {report.files} 个，新增 {report.imported} 件，重复 {report.duplicate} 件，"
                        f"拒收 {report.rejected} 行，整个拒收的文件 {report.refused_files} 个；"
                        + (f"办理结果 {report.results_count} 件：{report.results}" if report.results else "无新的办理结果"))
                if report.waiting:
                    ctx.say(f"仍在写入、留待下次处理：{'、'.join(report.waiting)}")
                return EXIT_REJECTED if report.rejected or report.refused_files else EXIT_OK
            ctx.say(f"交换目录 {ex.root}：以“{actor.login}”身份监视 inbox/，每 {a.interval:g} 秒写出办理结果；"
                    "SIGTERM 处理完当前文件后退出")
            ex.serve(a.interval)
            ctx.say("已停止：当前文件已处理完，办理结果已写出")
            return EXIT_OK
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            ex.close()
