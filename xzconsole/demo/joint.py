"""Joint handling (会商会办) in the demo: a hard case handled by a lead
department with supporting departments, each sending in its part by a
deadline a working day before the lead's, and on about a third of them a
consultation meeting with its minutes.

The ticket story decides which tickets are joint cases and calls
:func:`parts` when it assigns them, then :func:`part_rows` and
:func:`consultation` once its story is told, to put what was sent in up to
``now`` into the ticket's history in time order.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from ..rules import Action
from .context import Context, Row
from .scenarios import Scenario
from .staff import CITY_CENTER, STAFF_NAME, SUPERVISORS

# topic key → supporting departments (short names, "@" the enterprise's county)
JOINT_PARTNERS: dict[str, tuple[str, ...]] = {
    "审批慢": ("市住建局", "市自然资源和规划局", "市市场监管局"), "拖欠工程款": ("市人社局", "市财政局", "市国资委"),
    "拖欠账款": ("市财政局", "市国资委", "市司法局"), "水电气报装慢": ("市住建局", "市自然资源和规划局", "@"),
    "供水问题": ("市水务局", "@"), "燃气问题": ("市住建局", "市应急管理局"), "停电频繁": ("市发改委", "@"),
    "退税未到账": ("人民银行徐州市分行", "市财政局"), "补贴未到账": ("市财政局",), "多头检查": ("市生态环境局", "市消防救援支队", "市应急管理局"),
    "通行限制": ("市交通运输局", "市城管局"), "环保一刀切": ("市工信局", "市发改委"), "路灯损坏": ("市城管局", "徐州供电公司"),
    "园区配套": ("市城管局", "市交通运输局"), "偷排污水": ("市水务局", "市城管局", "@"), "乱收费": ("市行政审批局", "市发改委"),
    "吃拿卡要": ("市信访局",), "违章搭建": ("@", "市自然资源和规划局", "市消防救援支队"),
    "消防隐患": ("市应急管理局", "市住建局", "@"), "虚开发票": ("市公安局",), "拖欠工资": ("市住建局", "@", "市总工会"),
    "证照补办": ("市市场监管局",), "企业搬迁协调": ("市发改委", "市工信局", "@"), "房屋租赁": ("市国资委", "市财政局"),
    "开户问题": ("市地方金融局",), "噪音扰民": ("市生态环境局", "市城管局"),
}
JOINT_SHARE = 0.045  # of dispatched complaints, reports and others
# the history actions of joint handling (rules.Action, as store_joint records them)
JOINT_ASSIGN, JOINT_SUBMIT, JOINT_CONSULT = (Action.ASSIGN_PARTS.value, Action.SUBMIT_PART.value,
                                             Action.RECORD_CONSULTATION.value)
NEVER = 1 << 40  # a part that is not sent in within the story
PART_TEXTS = (
    "经核查，涉及本单位职责的部分已落实：{what}，相关材料已送主办单位。",
    "本单位已派员现场核实，{what}，意见已反馈主办单位统一答复企业。",
    "已按职责完成协办事项：{what}，建议主办单位一并告知企业办理进度。",
)
PART_WHAT = ("已约谈相关责任单位并明确整改时限", "已调取相关审批和资金拨付记录", "已联系企业负责人了解诉求细节",
             "已对照政策条款出具书面意见", "已安排专人跟踪后续落实")
CONSULT_PLACES = ("市企业服务中心三楼会商室", "市政务服务中心二楼会议室", "{lead}小会议室", "企业现场")
CONSULT_CONCLUSIONS = (
    "明确由{lead}牵头、{parts}配合，{days}个工作日内形成处理意见并统一答复企业。",
    "各单位对诉求事实无异议；{lead}负责与企业沟通，{parts}按职责分工落实，办理结果报中心备案。",
    "会商认为诉求合理，{parts}先行提供相关材料，{lead}汇总后书面答复企业，中心跟踪回访。",
)


class Part(NamedTuple):
    """A supporting department's part of a joint case."""

    department: str  # short name
    department_id: int
    due_day: int
    sent_t: int  # when it is sent in (``NEVER``: not within the story)
    text: str
    limit: int  # working days, counted from the lead's clock start


HistoryLine = tuple[int, str, str, str, str]
"""A line to put into a ticket's history by time: (time, actor, action, note, changes JSON)."""


def parts(ctx: Context, key: str, lead: str, county: str, start_d: int, lim: int, t: int,
          sc: Scenario | None, stuck: bool) -> list[Part]:
    """1–3 supporting parts of a hard case about topic ``key`` led by ``lead``,
    assigned at ``t``.

    A part's limit is the lead's less one working day (at least one),
    counted from the lead's clock start.  Most parts come in on time,
    some late; on a case that is ``stuck`` at the lead some are still
    out, as in a prescribed case one (or all) is."""
    r = ctx.rnd.random
    D = ctx.days
    wt, on_day = ctx.wt, ctx.on_day
    pool = [county if x == "@" else x for x in JOINT_PARTNERS.get(key, ("市发改委", "市工信局", "市财政局"))]
    pool = [x for x in dict.fromkeys(pool) if x != lead and x in ctx.depts]
    if not pool:
        return []
    k = min(len(pool), 2 if sc is not None else 1 + (r() < 0.35) + (r() < 0.1))
    first = int(r() * len(pool))
    plim = max(1, lim - 1)
    pdue = D.add_wd(start_d, plim)
    out = []
    for i in range(k):
        name = pool[(first + i) % len(pool)]
        mode = sc.joint if sc is not None else None
        if mode == "open" or (mode == "late" and i == k - 1) or (stuck and r() < 0.4):
            sent = NEVER
        elif mode == "late" or r() < 0.8:
            sent = max(on_day(D.add_wd(start_d, 1 + int(r() * plim))), wt(t + 3600))
        else:
            sent = max(on_day(D.add_wd(pdue, 1 + int(r() * 4))), wt(t + 3600))
        text = PART_TEXTS[int(r() * len(PART_TEXTS))].format(what=PART_WHAT[int(r() * len(PART_WHAT))])
        out.append(Part(name, ctx.depts[name], pdue, sent, text, plim))
    return out


def part_rows(ctx: Context, tid: int, parts: list[Part], assigned_by: str, assign_t: int,
              start_d: int) -> tuple[list[Row], list[HistoryLine]]:
    """The ``ticket_parts`` rows of a joint case as they stand at ``now`` (a part
    not yet sent in has no time, sender or text), and the history lines of the
    parts sent in, marked when past their deadline."""
    D, ts, now_t, liaison = ctx.days, ctx.ts, ctx.now_t, ctx.liaison
    rows: list[Row] = []
    lines: list[HistoryLine] = []
    for name, did, pdue, sub_t, text, plim in parts:
        done = sub_t <= now_t
        rows.append((tid, did, ts(assign_t), assigned_by, D.iso[start_d], plim, D.iso[pdue],
                     int(D.prov[pdue] - D.prov[start_d] > 0), ts(sub_t) if done else None,
                     liaison(name) if done else None, text if done else ""))
        if done:
            over = "（超过协办期限）" if sub_t // 86400 > pdue else ""
            lines.append((sub_t, liaison(name), JOINT_SUBMIT, f"协办意见（{name}）{over}：{text}", "{}"))
    return rows, lines


def consultation(ctx: Context, tid: int, lead: str, parts: list[Part], assign_t: int, until_t: int,
                 sc: Scenario | None) -> tuple[Row, HistoryLine] | None:
    """A consultation meeting (会商) on about a third of the joint cases, held on a
    working day after the parts were assigned and before the lead replied:
    its ``consultations`` row and its line in the ticket's history."""
    r = ctx.rnd.random
    if not (sc is not None and sc.joint == "late") and r() >= 0.35:
        return None
    D = ctx.days
    d0, last = assign_t // 86400, min(until_t, ctx.now_t) // 86400 - 1
    if last <= d0:
        return None
    days = D.wd_list[D.numr[d0] + 1:D.numr[last] + 1]
    if not days:
        return None
    day = days[int(r() * len(days))]
    sup = SUPERVISORS[int(r() * len(SUPERVISORS))]
    names = [p[0] for p in parts]
    present = [lead, *names]
    place = CONSULT_PLACES[int(r() * len(CONSULT_PLACES))].format(lead=lead)
    attendees = "、".join(f"{n} {ctx.person()}" for n in present) + f"、{CITY_CENTER} {STAFF_NAME[sup]}"
    conclusions = CONSULT_CONCLUSIONS[int(r() * len(CONSULT_CONCLUSIONS))].format(
        lead=lead, parts="、".join(names), days=2 + int(r() * 3))
    due = D.iso[D.add_wd(day, 2)]
    tasks = [{"department": lead, "task": "汇总各单位意见，书面答复企业", "due": due}]
    tasks += [{"department": n, "task": "按职责提供书面意见和相关材料", "due": due} for n in names]
    rec_t = day * 86400 + 57600 + int(r() * 3600)
    held = D.iso[day]
    row = (tid, held, place, json.dumps(present, ensure_ascii=False), attendees, conclusions,
           json.dumps(tasks, ensure_ascii=False), ctx.ts(rec_t), sup)
    event = (rec_t, sup, JOINT_CONSULT,
             f"会商（{held}，{place}）：参会单位 {'、'.join(present)}；结论：{conclusions}（后续任务 {len(tasks)} 项）", "{}")
    return row, event
