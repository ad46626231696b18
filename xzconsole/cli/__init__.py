"""The ``xzconsole`` command line: the console and its subcommands (SPEC §10).

Every subcommand is one ``cmd_*`` function registered with
:func:`~xzconsole.cli.base.register` together with the function that adds its
arguments, in the module of its group:

* :mod:`.admin` — ``init``, ``staff``, ``centers``, ``backup``, ``doctor``;
* :mod:`.data` — ``import``, ``export``, ``search``, ``report``;
* :mod:`.panel` — ``warnings``, ``calendar``, ``outreach``, ``wall``;
* :mod:`.replica` — ``replicate``, ``restore``;
* :mod:`.exchange` — ``exchange`` (the 12345 exchange folder);
* :mod:`.notify` — ``notify routes|run|status``;
* :mod:`.console` — ``demo`` and the console itself.

Each takes ``--db`` (else ``$XZCONSOLE_DB``, else ``DEFAULT_DB``) and, where
time matters, ``--now`` (a fixed clock, for checks and what-if questions).

Exit status: 0 done; 1 done but some input rejected (the message says how
much); 2 nothing done, with the reason in Chinese on stderr.  Bad input never
ends in a traceback: :func:`main` turns every refusal into a Chinese message.
"""

from __future__ import annotations

import os
import sqlite3
import sys

# each module registers its commands in COMMANDS when imported
from . import admin, console, data, exchange, notify, panel, replica  # noqa: F401
from .base import (
    COMMANDS,
    DEFAULT_DB,
    ENV_DB,
    EXIT_NOTHING,
    EXIT_OK,
    CliError,
    Ctx,
    Parser,
    _add_common,
    _explain,
    guard_caller_paths,
    refuse_as_under_sudo,
    safe,
)
from .console import cmd_console


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








def main(argv: list[str] | None = None) -> int:
    """The entry point of ``xzconsole``; returns the exit status."""
    from ..store import StoreError

    out, err = sys.stdout, sys.stderr
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        ctx = Ctx(args, out, err)
        refuse_as_under_sudo(args)
        guard_caller_paths(args)
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


