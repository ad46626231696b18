"""``xzconsole notify``: notification routes, the sending loop and its status."""

from __future__ import annotations

import argparse
import json
import time

from .base import EXIT_OK, EXIT_REJECTED, CliError, Ctx, register


def _notify_args(p: argparse.ArgumentParser) -> None:
    from ..areas.notify import EVENTS, ROUTE_ROLES

    sub = p.add_subparsers(dest="notify_cmd", metavar="操作", required=True)
    routes = sub.add_parser("routes", help="通知路由：add 新增 / list 列出 / remove 删除（管理员）",
                            description="通知路由：把哪些事件发到哪里（Apprise 地址）")
    rsub = routes.add_subparsers(dest="routes_cmd", metavar="操作", required=True)
    add = rsub.add_parser("add", help="新增一条通知路由")
    add.add_argument("--url", required=True, metavar="URL",
                     help="Apprise 通知地址，如企业微信 wecombot://KEY、钉钉 dingtalk://TOKEN、邮件 mailto://…、json://主机/路径")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--department", metavar="单位", help="发给该单位（只含该单位承办的工单）")
    who.add_argument("--role", metavar="ROLE", help=f"发给某一角色（全市工单）：{', '.join(ROUTE_ROLES)}")
    add.add_argument("--events", required=True, metavar="EVENTS", help=f"逗号分隔：{','.join(EVENTS)}")
    rsub.add_parser("list", help="列出通知路由")
    rm = rsub.add_parser("remove", help="删除一条通知路由（已发送的记录保留）")
    rm.add_argument("route_id", type=int, metavar="ID", help="路由编号（见 routes list）")
    run = sub.add_parser("run", help="计算到期事件并发送通知（--once 只运行一次）")
    run.add_argument("--once", action="store_true", help="只计算并发送一次，然后退出")
    run.add_argument("--interval", type=float, default=60.0, metavar="SECONDS", help="两次运行的间隔秒数（默认 60）")
    st = sub.add_parser("status", help="通知发送情况：待发送、重试中、已发送")
    st.add_argument("--json", action="store_true", help="输出 JSON")
    for sp in (routes, run, st, *rsub.choices.values()):
        sp.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--as", dest="as_login", metavar="LOGIN", default=argparse.SUPPRESS, help="演示身份")
        sp.add_argument("--now", metavar="ISO", default=argparse.SUPPRESS, help="把“现在”设为该时间")


@register("notify", "通知：routes 路由管理、run 计算并发送、status 发送情况（企业微信/钉钉/邮件/短信网关/Webhook，经 Apprise）",
          _notify_args, uses_now=True)
def cmd_notify(ctx: Ctx) -> int:
    """Routes (admin), the sending loop, and what was sent or is waiting."""
    from ..areas.notify import EVENT_LABELS, masked_url
    from ..errors import InvalidAction, PermissionDenied
    from ..models import Role
    from ..services import notify

    a = ctx.args
    with ctx.open_store() as store:
        if a.notify_cmd == "routes":
            actor = ctx.actor(store, roles=[Role.ADMIN.value])
            try:
                if a.routes_cmd == "add":
                    r = store.notify.add_route(actor, a.url, a.events, department=a.department, role=a.role)
                    ctx.say(f"已新增通知路由 {r.id}：{r.audience} · {'、'.join(EVENT_LABELS[e] for e in r.events)} → {masked_url(r.url)}")
                elif a.routes_cmd == "remove":
                    r = store.notify.remove_route(actor, a.route_id)
                    ctx.say(f"已删除通知路由 {r.id}（{r.audience}）；未发出的消息不再发送，已发送的记录保留")
                else:
                    routes = store.notify.routes()
                    if not routes:
                        ctx.say("还没有通知路由：xzconsole notify routes add --url URL --department 单位 --events red,orange")
                    for r in routes:
                        ctx.out.write(f"{r.id}\t{r.audience}\t{','.join(r.events)}\t{masked_url(r.url)}\n")
            except (InvalidAction, PermissionDenied, LookupError) as exc:
                raise CliError(str(exc)) from None
            return EXIT_OK
        if a.notify_cmd == "status":
            ctx.actor(store, roles=[Role.ADMIN.value, Role.SUPERVISOR.value])
            st = notify.status(store)
            if a.json:
                ctx.out.write(json.dumps(st, ensure_ascii=False, indent=2) + "\n")
                return EXIT_OK
            c = st["counts"]
            ctx.out.write(f"通知路由 {sum(1 for r in st['routes'] if r['active'])} 条；已发送 {c['sent']} 条，"
                          f"待发送 {c['pending']} 条（其中重试中 {c['retrying']} 条），已放弃 {c['dropped']} 条\n")
            for m in st["pending"]:
                err = f" · 上次失败：{m['last_error']}" if m["last_error"] else ""
                ctx.out.write(f"待发送 #{m['id']} 路由{m['route_id']} {m['number'] or ''} {EVENT_LABELS.get(m['event'], m['event'])}"
                              f" · 已尝试 {m['attempts']} 次 · 下次 {m['next_at'][:19]}{err}\n")
            return EXIT_OK
        # run
        ctx.actor(store, roles=[Role.ADMIN.value, Role.SUPERVISOR.value])
        if a.interval <= 0:
            raise CliError("--interval 须大于 0 秒")
        while True:
            res = notify.run_once(store)
            ctx.say(f"通知：新增 {res.queued} 条，发送成功 {res.sent} 条，失败 {res.failed} 条（稍后重试）"
                    f" · 用时 {res.seconds:.2f} 秒")
            for e in res.errors:
                ctx.say(f"  {e}")
            if a.once:
                return EXIT_REJECTED if res.failed else EXIT_OK
            time.sleep(a.interval)
