"""The ticket lifecycle: one appeal's whole story, from intake to where it
stands at ``now``, as the store's ticket actions would have left it — its
row, its history (events) and its supervisions.

A story is told in time order: accepted, maybe marked confidential, answered
at once from the knowledge base or dispatched (maybe first to the wrong
department, which returns it), signed, maybe a late return request or an
extension request decided by a supervisor, supervised as it crosses the
warning ladder, replied, called back (回访) up to three times, and when the
enterprise is unsatisfied reopened (重办) once or closed as unsatisfied.  It
stops (``Cut``) at the first step that lies after ``now`` or where the ticket
is stuck, so the open tickets at ``now`` are the ones whose stories stopped.

Speed: this runs a million times for the 1,000,000-ticket demo.  The story
stays one function over local variables — every step reads and updates some
thirty of them (status, version, clock, due date, counters), and locals are
the cheapest state Python has — while who-and-what (``_intake``) and joint
handling (``joint``) live apart.  The calendar and timestamps are list
look-ups (``Context``), and the history's ``changes`` JSON is written by
string concatenation, in the exact form ``json.dumps`` gives.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..clock import weekday_cn
from . import joint
from .context import Context, Row, pick
from .directory import Directory, Enterprise
from .joint import JOINT_ASSIGN, JOINT_SHARE, NEVER, Part
from .outreach import VISIT_LINK_SHARE, Visit, Visits
from .places import DISTRICTS
from .scenarios import Scenario
from .staff import CENTER_OF, CITY_CLERKS, COUNTY_CLERKS, COUNTY_SHARE, NEIGHBOUR_CLERKS, SUPERVISORS
from .topics import OPENERS, TYPE_LIMIT, TYPE_WEIGHTS, Appeals

MARKUP_CONTENT = "园区东门外路灯[/]坏了，晚上一片漆黑\x1b[31m 工人下班很危险，[red]请尽快维修[/red]。"
"""A prescribed ticket's content with markup and an escape sequence: shown literally everywhere."""

# the words of the history
TYPE_LABEL = {"policy_consultation": "政策咨询", "consultation": "咨询求助", "suggestion": "建议", "complaint": "投诉",
              "report": "举报", "other": "其他"}
SOURCE_LABEL = {"hotline": "12345热线", "platform": "企服平台", "counter": "窗口", "visit": "走访", "other": "其他"}
SAT_LABEL = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意", "unreachable": "未联系上"}
LEVEL_BODY = ("", "企服平台", "市营商办", "市纪委监委")
LEVEL_NOTE = ("", "黄色预警：已超过办理期限，请尽快答复。",
              "橙色预警：市营商办督办，请于2个工作日内办结并书面说明超期原因。",
              "红色预警：市纪委监委二次督办，启动问责程序，请主要负责人督促办理。")
EXT_REASONS = ("需现场核查并协调多个部门，申请延期", "涉及历史遗留问题，需进一步调查取证", "需等待上级部门答复意见",
               "需组织专家论证，申请延长办理时限")
FU_NOTES = {"satisfied": "企业对办理结果表示满意", "basically_satisfied": "企业认可答复，希望后续加快进度",
            "unsatisfied": "企业认为问题未实际解决", "unreachable": "电话无人接听"}

STUCK_P = [min(0.95, 0.6 * math.exp(-a / 5.0) + 0.45 * math.exp(-a / 15.0) + 0.04 * math.exp(-a / 60.0))
           for a in range(151)]


def stuck_p(age: int) -> float:
    """How likely a ticket of this age (working days) is still open at ``now``."""
    return STUCK_P[age]


def stuck_stage(age: int, u: float) -> str:
    """Where a stuck ticket stopped: fresh ones anywhere, old ones mostly at the department."""
    if age <= 1:
        return "dispatch" if u < 0.12 else "sign" if u < 0.35 else "reply" if u < 0.8 else "followup"
    if age <= 4:
        return "dispatch" if u < 0.02 else "sign" if u < 0.12 else "reply" if u < 0.75 else "followup"
    if age <= 10:
        return "sign" if u < 0.05 else "reply" if u < 0.7 else "followup"
    # old ones: mostly a call-back that keeps failing, or a department that never answered
    return "sign" if u < 0.03 else "reply" if u < 0.45 else "followup"


class Cut(Exception):
    """The ticket's story stops here (its next step lies after ``now``, or it is stuck)."""


CUT = Cut()


class Duplicate(NamedTuple):
    """A same-day duplicate call, as the ticket it is merged into leaves it
    for the duplicate's own story (which is told next)."""

    ent: Enterprise
    topic: int
    appeal_type: str
    content: str
    title: str
    dept: str
    merge_t: int
    into_id: int
    into_number: str
    dup_id: int  # the duplicate's ticket id


# One ticket's output: its row, history, supervisions, whether a prescribed
# ticket came out as prescribed, the duplicate merged into it (if any), and a
# joint case's ``ticket_parts`` and ``consultations`` rows.
Story = tuple[Row, list[Row], list[Row], bool, Duplicate | None, tuple[list[Row], list[Row]] | None]


def _insert_by_time(history: list[Row], tid: int, at: str, actor: str, action: str, note: str, changes: str) -> None:
    """Put a line into a ticket's history after every line up to ``at`` (not
    before the accept line), with the status the ticket had then."""
    pos = len(history)
    while pos > 1 and history[pos - 1][1] > at:
        pos -= 1
    st = history[pos - 1][5]
    history.insert(pos, (tid, at, actor, action, st, st, note, changes))


class Lifecycle:
    """Tells ticket stories over the planned directory, the appeal texts and
    the logged visits; :meth:`ticket` is called once per ticket, in number order."""

    def __init__(self, ctx: Context, appeals: Appeals, directory: Directory, visits: Visits) -> None:
        self.ctx = ctx
        self.appeals = appeals
        self.directory = directory
        self.visits = visits
        # where a misdirected ticket goes first: any department but the county governments
        counties = {x[2] for x in DISTRICTS}
        self.return_targets = [d for d in ctx.depts if d not in counties]
        self.type_keys = list(TYPE_WEIGHTS)

    def _intake(self, recv_t: int, src: str, sc: Scenario | None, dup_of: Duplicate | None
                ) -> tuple[Visit | None, Enterprise, int, str, str, str, str, str, str | None, str, str, str, str]:
        """Who and what: the visit it was taken on (if any), the enterprise, the
        topic, appeal type, title, content and handling department, the name,
        USCC and contact the caller gave, the clerk who takes it in (the
        visit's, the county center's for its own district, else the city's) and
        the supervisor who will watch it."""
        r = self.ctx.rnd.random
        directory = self.directory
        day0 = recv_t // 86400
        visit = None
        if dup_of is not None:
            ent, topic_i, atype, title, dept_short = (dup_of.ent, dup_of.topic, dup_of.appeal_type, dup_of.title,
                                                      dup_of.dept)
            content = "企业再次来电反映同一问题：" + dup_of.content
        else:
            if sc is not None:
                topic_i = sc.topic
                ent = directory.markup_ent if sc.markup else directory.ents[sc.ent]
            else:
                if src == "visit" and day0 in self.visits.by_day and r() < VISIT_LINK_SHARE:
                    visit = self.visits.take(day0)
                if visit is not None:  # taken on the spot from an enterprise the visit met
                    ent = directory.ents[visit[2][int(r() * len(visit[2]))] - 1]
                else:
                    ent = directory.ents[int(directory.n_ents * r() ** 1.6)]
                atype_pick = self.type_keys[pick(self.appeals.type_cum, r())]
                ts_list = self.appeals.by_type[atype_pick]
                topic_i = ts_list[int(r() * len(ts_list))]
            _, atype, dept_short, tpool, pool, _ = self.appeals.topics[topic_i]
            if dept_short == "@":
                dept_short = ent[4]
            body_pool = pool[ent[3]] if isinstance(pool, dict) else pool
            content = OPENERS[src][int(r() * len(OPENERS[src]))] + body_pool[int(r() * len(body_pool))]
            title = tpool[int(r() * len(tpool))]
            if sc is not None and sc.markup:
                content, title = MARKUP_CONTENT, "园区路灯[/]坏了"
        ename: str = ent[1]
        euscc: str | None = ent[2]
        if r() < 0.8 or sc is not None or not ent[7]:
            cname, cphone = ent[5], ent[6]
        else:
            cname, cphone = ent[7][int(r() * len(ent[7]))]
        variant = directory.variants.get(ent[0])
        if variant is not None and recv_t >= variant[0] and dup_of is None and sc is None and r() < 0.12:
            ename, euscc, cname, cphone = variant[1], None, variant[2], variant[3]  # the name a caller gave, no USCC
        # the center that takes it in: the visit's, the county's for its own district, else the city's
        county = COUNTY_CLERKS.get(ent[3])
        if visit is not None:
            clerk = visit[1]
        elif county is not None and r() < COUNTY_SHARE[src]:
            clerk = county
        elif src in ("counter", "visit") and ent[3] in NEIGHBOUR_CLERKS and r() < 0.25:
            clerk = NEIGHBOUR_CLERKS[ent[3]]
        else:
            clerk = CITY_CLERKS[int(r() * 4)]
        sup = SUPERVISORS[0 if r() < 0.7 else 1]
        return visit, ent, topic_i, atype, title, content, dept_short, ename, euscc, cname, cphone, clerk, sup

    def ticket(self, tid: int, number: str, ext_id: str | None, recv_t: int, src: str,
               sc: Scenario | None, dup_of: Duplicate | None, target: tuple[int, str, int] | None) -> Story:
        """One ticket's row, its history and its supervisions.

        The story is told in time order; it stops (``Cut``) at the first step
        that lies after ``now`` or where the ticket is stuck.  Returns the row,
        events, supervisions, whether a prescribed ticket (``sc``) came out as
        prescribed, for the target of a same-day duplicate (``target``: its id,
        number and time) what the duplicate needs (None when the merge could
        not happen), and for a joint case its parts and consultation rows
        (else None).  ``dup_of``: this ticket is that duplicate.
        """
        ctx = self.ctx
        r = ctx.rnd.random
        D = ctx.days
        now_t = ctx.now_t
        wd_list, numr, num = D.wd_list, D.numr, D.num
        day0 = recv_t // 86400
        ts, wt, on_day, level = ctx.ts, ctx.wt, ctx.on_day, ctx.level
        depts, liaison = ctx.depts, ctx.liaison

        (visit, ent, topic_i, atype, title, content, dept_short, ename, euscc, cname, cphone, clerk,
         sup) = self._intake(recv_t, src, sc, dup_of)
        topic = self.appeals.topics[topic_i]
        rpool = topic[5]
        limit = TYPE_LIMIT[atype]
        dept_id = depts[dept_short]

        # -- state
        E: list[Row] = []
        S: list[Row] = []
        status = "new"
        version = 1
        last_t, last_actor = recv_t, clerk
        cur_dept = None
        disp_t = sign_t = reply_t = closed_t = None
        start_d = due_d = None
        lim = None
        ext = 0
        reply_text = ""
        direct = 0
        close_reason = satisfaction = resolved = None
        fu = unr = reopens = returns = 0
        pend_days = pend_reason = pend_ret = None
        conf = 0
        max_level = 0
        merged_into = None
        kid = None
        dup_out = None

        E.append((tid, ts(recv_t), clerk, "accept", None, "new",
                  f"{SOURCE_LABEL[src]}受理 · {TYPE_LABEL[atype]}{visit[3] if visit else ''}", "{}"))

        # -- what will happen (stuck tickets stop early)
        stop = None
        if sc is not None:
            stop = sc.stop
        else:
            age = num[ctx.T] - num[day0]
            if age <= 150 and r() < stuck_p(age):
                stop = stuck_stage(age, r())
        want_conf = atype in ("complaint", "report") and (r() < 0.08 or (sc is not None and sc.confidential))
        if topic[0] == "吃拿卡要":  # a report about the handling department itself
            want_conf = True
        if sc is not None:
            want_conf = bool(sc.confidential)
        direct_p = 0.35 if atype == "policy_consultation" else 0.12 if atype == "consultation" else 0.0
        want_direct = sc is None and dup_of is None and r() < direct_p
        # 会商会办: a hard case handled with supporting departments
        want_joint = (bool(sc.joint) if sc is not None else
                      dup_of is None and atype in ("complaint", "report", "other") and r() < JOINT_SHARE)
        parts: list[Part] = []
        assign_t = 0

        try:
            if dup_of is not None:
                mt = dup_of.merge_t
                if mt > now_t:
                    raise CUT
                merged_into = dup_of.into_id
                E.append((tid, ts(mt), clerk, "merge", "new", "closed", f"作为重复诉求并入 {dup_of.into_number}",
                          '{"status": ["new", "closed"], "closed_at": [null, "' + ts(mt) + '"], '
                          '"close_reason": [null, "duplicate"], "merged_into": [null, ' + str(merged_into) + ']}'))
                status, closed_t, close_reason = "closed", mt, "duplicate"
                version += 1
                last_t = mt
                raise CUT
            if want_conf:
                t = recv_t + 120 + int(r() * 900)
                if t > now_t:
                    raise CUT
                conf = 1
                E.append((tid, ts(t), clerk, "mark_confidential", "new", "new", "标记保密：承办单位不可见企业身份",
                          '{"confidential": [0, 1]}'))
                version += 1
                last_t = t
            rnd_round = 0
            handling = not want_direct
            if want_direct:
                t = recv_t + 240 + int(r() * 1500)
                if t > now_t or stop == "dispatch":
                    raise CUT
                entry = ctx.knowledge[int(r() * len(ctx.knowledge))] if ctx.knowledge else None
                kid = entry[0] if entry else None
                reply_text = f"已依据知识库答复企业：{entry[1]}" if entry else "已当场答复企业。"
                note = reply_text + (f"（引用知识库 #{kid}）" if kid else "")
                E.append((tid, ts(t), clerk, "direct_answer", "new", "replied", note,
                          '{"status": ["new", "replied"], "replied_at": [null, "' + ts(t) + '"], "direct_answer": [0, 1]}'))
                status, reply_t, direct = "replied", t, 1
                version += 1
                last_t = t
            while True:
                if handling:
                    if rnd_round == 0:
                        # -- dispatch (maybe first to the wrong department, which returns it)
                        if sc is not None:
                            t = recv_t + 1200 + int(r() * 1800)
                        elif r() < 0.02:
                            t = on_day(D.add_wd(day0, 2))  # the center's own delay
                        else:
                            t = wt(recv_t + 600 + int(r() * 6000))
                        if t <= last_t:  # after the confidentiality mark, when there is one
                            t = wt(last_t + 300 + int(r() * 1800))
                        if t > now_t or stop == "dispatch":
                            raise CUT
                        early_ret = (sc is not None and sc.early_return) or (sc is None and r() < 0.025)
                        first_dept = dept_short
                        if early_ret:
                            first_dept = self.return_targets[int(r() * len(self.return_targets))]
                            if first_dept == dept_short:
                                first_dept = "市发改委" if dept_short != "市发改委" else "市商务局"
                        cur_dept = depts[first_dept]
                        start_d = t // 86400
                        lim, ext = limit, 0
                        due_d = D.add_wd(start_d, lim)
                        E.append((tid, ts(t), clerk, "dispatch", "new", "dispatched", f"派发至 {first_dept}",
                                  '{"status": ["new", "dispatched"], "department_id": [null, ' + str(cur_dept)
                                  + '], "dispatched_at": [null, "' + ts(t) + '"], "clock_start": [null, "'
                                  + D.iso[start_d] + '"], "time_limit": [null, ' + str(lim) + '], "due_date": [null, "'
                                  + D.iso[due_d] + '"]}'))
                        status, disp_t, version, last_t = "dispatched", t, version + 1, t
                        if early_ret:
                            t = wt(t + 3600 + int(r() * 18000))
                            if t > now_t:
                                raise CUT
                            who = liaison(first_dept)
                            reason = f"该事项不属于本单位职责，建议转{dept_short}办理"
                            E.append((tid, ts(t), who, "return", "dispatched", "returned", reason,
                                      '{"status": ["dispatched", "returned"], "department_id": [' + str(cur_dept)
                                      + ', null], "return_count": [0, 1], "due_date": ["' + D.iso[due_d]
                                      + '", null], "clock_start": ["' + D.iso[start_d] + '", null]}'))
                            status, cur_dept, due_d, start_d, returns = "returned", None, None, None, 1
                            version, last_t, last_actor = version + 1, t, who
                            t = wt(t + 1800 + int(r() * 9000))
                            if t > now_t or stop == "redispatch":
                                raise CUT
                            cur_dept = dept_id
                            start_d = t // 86400
                            due_d = D.add_wd(start_d, lim)
                            E.append((tid, ts(t), clerk, "dispatch", "returned", "dispatched", f"重新派发至 {dept_short}",
                                      '{"status": ["returned", "dispatched"], "department_id": [null, ' + str(cur_dept)
                                      + '], "dispatched_at": ["' + ts(disp_t) + '", "' + ts(t) + '"], "clock_start": [null, "'
                                      + D.iso[start_d] + '"], "due_date": [null, "' + D.iso[due_d] + '"]}'))
                            status, disp_t, version, last_t, last_actor = "dispatched", t, version + 1, t, clerk
                        if want_joint:
                            # supporting parts, due a working day before the lead (at least one day)
                            t = last_t + 300 + int(r() * 2400)
                            if t > now_t:
                                raise CUT
                            parts = joint.parts(ctx, topic[0], dept_short, ent[4], start_d, lim, t, sc,
                                                stop in ("sign", "reply"))
                            if parts:
                                pdue = D.dates[parts[0][2]]
                                tentative = "（暂定）" if D.prov[parts[0][2]] > D.prov[start_d] else ""
                                E.append((tid, ts(t), clerk, JOINT_ASSIGN, status, status,
                                          f"设置协办单位：{'、'.join(p[0] for p in parts)}；协办期限 {parts[0][5]} 个"
                                          f"工作日，截止 {pdue.isoformat()} {weekday_cn(pdue)}{tentative}", "{}"))
                                assign_t, version, last_t, last_actor = t, version + 1, t, clerk
                    who = liaison(dept_short)
                    # -- sign (the ticket is with a department now: dispatched, or reopened, with its clock)
                    assert start_d is not None and due_d is not None and lim is not None and disp_t is not None
                    st_from = status
                    if sc is not None:
                        t = wt(last_t + 600 + int(r() * 3000))
                    elif r() < 0.07:
                        t = on_day(D.add_wd(last_t // 86400, 2 + (r() < 0.3)))
                    else:
                        t = wt(last_t + 300 + int(r() * 12000))
                    if t > now_t or stop == ("sign" if rnd_round == 0 else "sign2"):
                        raise CUT
                    ch = '{"status": ["' + st_from + '", "signed"], "signed_at": [null, "' + ts(t) + '"]'
                    lv = level(due_d, t // 86400)
                    if lv > max_level:
                        ch += ', "max_level": [' + str(max_level) + ', ' + str(lv) + ']'
                        max_level = lv
                    E.append((tid, ts(t), who, "sign", st_from, "signed", "", ch + "}"))
                    status, sign_t, version, last_t, last_actor = "signed", t, version + 1, t, who
                    # -- a late return request (past the 2-day window: a supervisor decides)
                    if rnd_round == 0 and not parts and ((sc is not None and sc.pending_ret)
                                                         or (sc is None and r() < 0.005)):
                        t = on_day(D.add_wd(start_d, 3))
                        if t <= last_t:
                            t = wt(last_t + 3600)
                        if t > now_t:
                            raise CUT
                        other = self.return_targets[int(r() * len(self.return_targets))]
                        reason = f"经核实该事项主要涉及{other}职责，已超过退回时限，申请退回"
                        E.append((tid, ts(t), who, "request_return", "signed", "signed", reason,
                                  '{"pending_return_reason": [null, "' + reason + '"]}'))
                        pend_ret, version, last_t, last_actor = reason, version + 1, t, who
                        t = wt(t + 3600 + int(r() * 14400))
                        if t > now_t or (sc is not None and sc.pending_ret):
                            raise CUT
                        if r() < 0.4:
                            E.append((tid, ts(t), sup, "approve_return", "signed", "returned", "同意退回，由中心重新派发",
                                      '{"status": ["signed", "returned"], "department_id": [' + str(cur_dept)
                                      + ', null], "return_count": [' + str(returns) + ', ' + str(returns + 1)
                                      + '], "pending_return_reason": ["' + reason + '", null], "due_date": ["'
                                      + D.iso[due_d] + '", null], "clock_start": ["' + D.iso[start_d] + '", null]}'))
                            returns += 1
                            status, pend_ret, cur_dept, due_d, start_d = "returned", None, None, None, None
                            version, last_t, last_actor = version + 1, t, sup
                            t = wt(t + 1800 + int(r() * 7200))
                            if t > now_t:
                                raise CUT
                            cur_dept = dept_id = depts[other]
                            dept_short = other
                            who = liaison(other)
                            start_d = t // 86400
                            due_d = D.add_wd(start_d, lim)
                            E.append((tid, ts(t), clerk, "dispatch", "returned", "dispatched", f"重新派发至 {other}",
                                      '{"status": ["returned", "dispatched"], "department_id": [null, ' + str(cur_dept)
                                      + '], "dispatched_at": ["' + ts(disp_t) + '", "' + ts(t)
                                      + '"], "clock_start": [null, "' + D.iso[start_d] + '"], "due_date": [null, "'
                                      + D.iso[due_d] + '"], "signed_at": ["' + ts(sign_t) + '", null]}'))
                            status, disp_t, sign_t, version, last_t, last_actor = "dispatched", t, None, version + 1, t, clerk
                            t = wt(t + 600 + int(r() * 9000))
                            if t > now_t:
                                raise CUT
                            E.append((tid, ts(t), who, "sign", "dispatched", "signed", "",
                                      '{"status": ["dispatched", "signed"], "signed_at": [null, "' + ts(t) + '"]}'))
                            status, sign_t, version, last_t, last_actor = "signed", t, version + 1, t, who
                        else:
                            E.append((tid, ts(t), sup, "reject_return", "signed", "signed", "属于本单位职责范围，请继续办理",
                                      '{"pending_return_reason": ["' + reason + '", null]}'))
                            pend_ret, version, last_t, last_actor = None, version + 1, t, sup
                    # -- an extension request (a supervisor approves most)
                    if lim >= 3 and ((sc is not None and sc.pending_ext) or (sc is None and r() < 0.05)):
                        t = on_day(D.add_wd(start_d, max(1, lim - 2)))
                        if t <= last_t:
                            t = wt(last_t + 1800 + int(r() * 3600))
                        if t > now_t:
                            raise CUT
                        days = 2 + int(r() * 4)
                        reason = EXT_REASONS[int(r() * len(EXT_REASONS))]
                        ch = ('{"pending_extension_days": [null, ' + str(days) + '], "pending_extension_reason": [null, "'
                              + reason + '"]')
                        lv = level(due_d, t // 86400)
                        if lv > max_level:
                            ch += ', "max_level": [' + str(max_level) + ', ' + str(lv) + ']'
                            max_level = lv
                        E.append((tid, ts(t), who, "request_extension", "signed", "signed",
                                  f"申请延期 {days} 个工作日：{reason}", ch + "}"))
                        pend_days, pend_reason, version, last_t, last_actor = days, reason, version + 1, t, who
                        t = wt(t + 3600 + int(r() * 14400))
                        if t > now_t or (sc is not None and sc.pending_ext):
                            raise CUT
                        if r() < 0.8:
                            new_due = D.add_wd(start_d, lim + ext + days)
                            E.append((tid, ts(t), sup, "approve_extension", "signed", "signed", "同意延期",
                                      '{"extension_days": [' + str(ext) + ', ' + str(ext + days) + '], "due_date": ["'
                                      + D.iso[due_d] + '", "' + D.iso[new_due] + '"], "pending_extension_days": ['
                                      + str(days) + ', null], "pending_extension_reason": ["' + reason + '", null]}'))
                            ext += days
                            due_d = new_due
                        else:
                            E.append((tid, ts(t), sup, "reject_extension", "signed", "signed", "理由不充分，请按期办结",
                                      '{"pending_extension_days": [' + str(days) + ', null], "pending_extension_reason": ["'
                                      + reason + '", null]}'))
                        pend_days = pend_reason = None
                        version, last_t, last_actor = version + 1, t, sup
                    # -- when the reply comes (most on time, some late, a few very late)
                    sday = last_t // 86400
                    if sc is not None and sc.reply_by is not None:
                        rd = wd_list[numr[ctx.T] - sc.reply_by]
                        t_reply = max(on_day(rd), wt(last_t + 1800))
                    elif sc is not None and sc.want in ("closed", "reopened"):
                        rd = sday if sday <= due_d else D.add_wd(due_d, 6)
                        t_reply = wt(max(on_day(rd), last_t + 1800))
                    else:
                        u = r()
                        if u < 0.90 or sday > due_d:
                            span = max(num[due_d] - num[sday], 0) if sday <= due_d else 0
                            k = int(r() * (span + 1))
                            rd = sday if k == 0 or sday > due_d else D.add_wd(sday, k)
                        elif u < 0.97:
                            rd = D.add_wd(due_d, 1 + int(r() * 3))
                        else:
                            rd = D.add_wd(due_d, 3 + int(r() * 12))
                        t_reply = on_day(rd)
                        if t_reply <= last_t:
                            t_reply = wt(last_t + 1800 + int(r() * 5400))
                    if parts and rnd_round == 0:  # the lead answers once every part is in
                        last_part = max(p[3] for p in parts)
                        t_reply = (NEVER if last_part >= NEVER
                                   else max(t_reply, wt(last_part + 1800 + int(r() * 7200))))
                    stuck_here = stop == "reply" and rnd_round == 0
                    horizon = now_t if stuck_here else min(t_reply, now_t)
                    # -- supervision as the ticket crosses the ladder (before any reply)
                    for lv, step, p in ((1, 1, 0.3), (2, 3, 0.8), (3, 5, 0.9)):
                        th_d = D.add_wd(due_d, step)
                        th_t = th_d * 86400 + 32400 + int(r() * 7200)
                        if th_t >= horizon or th_t <= last_t:
                            if th_t >= horizon:
                                break
                            continue
                        if r() >= p:
                            continue
                        actor = sup
                        E.append((tid, ts(th_t), actor, "supervise", status, status, LEVEL_NOTE[lv],
                                  '{"max_level": [' + str(max_level) + ', ' + str(max(lv, max_level)) + ']}'))
                        S.append((tid, lv, LEVEL_BODY[lv], actor, ts(th_t), LEVEL_NOTE[lv]))
                        max_level = max(lv, max_level)
                        version, last_t, last_actor = version + 1, th_t, actor
                    if stuck_here or t_reply > now_t:
                        raise CUT
                    if t_reply <= last_t:
                        t_reply = last_t + 600
                    t = t_reply
                    reply_text = rpool[int(r() * len(rpool))]
                    if rnd_round == 1:
                        reply_text = "重办答复：经再次核查并与企业当面沟通，" + reply_text
                    ch = '{"status": ["signed", "replied"], "replied_at": [null, "' + ts(t) + '"]'
                    lv = level(due_d, t // 86400)
                    if lv > max_level:
                        ch += ', "max_level": [' + str(max_level) + ', ' + str(lv) + ']'
                        max_level = lv
                    E.append((tid, ts(t), who, "reply", "signed", "replied", reply_text, ch + "}"))
                    status, reply_t, version, last_t, last_actor = "replied", t, version + 1, t, who
                # -- call-back (回访): up to three tries when nobody answers
                t = on_day(D.add_wd(last_t // 86400, 1 + (r() < 0.3)))
                if sc is not None and sc.want == "reopened":
                    t = wt(last_t + 3600)
                outcome = None
                while True:
                    if t > now_t or stop == "followup":
                        raise CUT
                    if sc is not None and sc.unsat and rnd_round == 0:
                        outcome = "unsatisfied"
                    else:
                        u = r()
                        if fu == 0 and rnd_round == 0:
                            outcome = ("satisfied" if u < 0.83 else "basically_satisfied" if u < 0.92
                                       else "unsatisfied" if u < 0.96 else "unreachable")
                        elif unr:
                            outcome = "unreachable" if u < 0.45 else "satisfied" if u < 0.85 else "basically_satisfied"
                        else:
                            outcome = "satisfied" if u < 0.7 else "basically_satisfied" if u < 0.88 else "unsatisfied"
                    ch = '{"followup_count": [' + str(fu) + ', ' + str(fu + 1) + ']'
                    fu += 1
                    note = f"回访结果：{SAT_LABEL[outcome]}。{FU_NOTES[outcome]}"
                    if outcome == "unreachable":
                        ch += ', "unreachable_count": [' + str(unr) + ', ' + str(unr + 1) + ']'
                        unr += 1
                        if satisfaction is None:
                            ch += ', "satisfaction": [null, "unreachable"]'
                            satisfaction = "unreachable"
                        if unr >= 3:
                            ch += ', "status": ["replied", "closed"], "closed_at": [null, "' + ts(t) + '"], "close_reason": [null, "unreachable"]'
                            status, closed_t, close_reason = "closed", t, "unreachable"
                        E.append((tid, ts(t), clerk, "follow_up", "replied", status, note, ch + "}"))
                        version, last_t, last_actor = version + 1, t, clerk
                        if status == "closed":
                            break
                        t = on_day(D.add_wd(t // 86400, 1))
                        continue
                    if satisfaction != outcome:
                        ch += ', "satisfaction": [' + (f'"{satisfaction}"' if satisfaction else "null") + ', "' + outcome + '"]'
                    satisfaction = outcome
                    # 是否解决, as the enterprise says it: drawn from the ticket's id, not
                    # from r(), so adding it left every other demo figure as it was
                    h = (tid * 2654435761 + fu) % 100
                    now_resolved = int(h >= 4) if outcome == "satisfied" else (
                        int(h < 70) if outcome == "basically_satisfied" else int(h >= 85))
                    if resolved != now_resolved:
                        ch += ', "resolved": [' + ("null" if resolved is None else str(resolved)) + ', ' + str(now_resolved) + ']'
                    resolved = now_resolved
                    if outcome != "unsatisfied":
                        ch += ', "status": ["replied", "closed"], "closed_at": [null, "' + ts(t) + '"], "close_reason": [null, "resolved"]'
                        status, closed_t, close_reason = "closed", t, "resolved"
                    E.append((tid, ts(t), clerk, "follow_up", "replied", status, note, ch + "}"))
                    version, last_t, last_actor = version + 1, t, clerk
                    break
                if status == "closed":
                    break
                # -- unsatisfied: 重办 with a fresh limit, or 办结 as unsatisfied
                t = wt(last_t + 1800 + int(r() * 7200))
                if t > now_t:
                    raise CUT
                if handling and rnd_round == 0 and (r() < 0.6 or (sc is not None and sc.unsat)):
                    # handled by a department: it was dispatched, signed and replied
                    assert start_d is not None and due_d is not None and sign_t is not None and reply_t is not None
                    old_start = start_d
                    start_d = t // 86400
                    new_due = D.add_wd(start_d, limit)
                    E.append((tid, ts(t), clerk, "reopen", "replied", "reopened", "企业对答复不满意，退回承办单位重新办理",
                              '{"status": ["replied", "reopened"], "clock_start": ["' + D.iso[old_start] + '", "'
                              + D.iso[start_d] + '"], "extension_days": [' + str(ext) + ', 0], "due_date": ["'
                              + D.iso[due_d] + '", "' + D.iso[new_due] + '"], "signed_at": ["' + ts(sign_t)
                              + '", null], "replied_at": ["' + ts(reply_t) + '", null], "reopen_count": [0, 1]}'))
                    status, due_d, lim, ext, sign_t, reply_t = "reopened", new_due, limit, 0, None, None
                    reopens, version, last_t, last_actor = 1, version + 1, t, clerk
                    rnd_round = 1
                    continue
                E.append((tid, ts(t), sup, "close", "replied", "closed", "已答复到位，企业诉求超出政策范围，按不满意办结",
                          '{"status": ["replied", "closed"], "closed_at": [null, "' + ts(t)
                          + '"], "close_reason": [null, "unsatisfied_closed"]}'))
                status, closed_t, close_reason = "closed", t, "unsatisfied_closed"
                version, last_t, last_actor = version + 1, t, sup
                break
        except Cut:
            pass

        # -- the supporting parts sent in (and a consultation) up to now, in the history by time
        joint_rows: tuple[list[Row], list[Row]] | None = None
        if parts:
            assert start_d is not None  # parts are assigned on dispatch
            part_rows, late = joint.part_rows(ctx, tid, parts, clerk, assign_t, start_d)
            consult = joint.consultation(ctx, tid, dept_short, parts, assign_t, max(p[3] for p in parts), sc)
            if consult is not None:
                late.append(consult[1])
            for at, actor, action, note, changes in sorted(late):
                _insert_by_time(E, tid, ts(at), actor, action, note, changes)
                version += 1
                if at >= last_t:
                    last_t, last_actor = at, actor
            joint_rows = (part_rows, [consult[0]] if consult is not None else [])

        # -- a same-day duplicate merged into this one (its 合并 line sits in this history)
        if target is not None:
            mt = target[2] + 300 + int(r() * 1800)
            if mt <= now_t and (closed_t is None or mt < closed_t) and mt > recv_t:
                _insert_by_time(E, tid, ts(mt), clerk, "merged_from",
                                f"合并重复诉求 {target[1]}：企业再次来电反映同一问题：{content[:150]}", "{}")
                dup_out = Duplicate(ent, topic_i, atype, content, title, dept_short, mt, tid, number, target[0])

        due_s = D.iso[due_d] if due_d is not None else None
        prov = 0
        if due_d is not None and start_d is not None:
            prov = int(D.prov[due_d] - D.prov[start_d] > 0)
        row = (
            tid, number, ext_id, ts(recv_t), src, atype, ent[0], ename, euscc, cname, cphone, ent[3], title, content,
            status, cur_dept, ts(disp_t) if disp_t is not None else None,
            D.iso[start_d] if start_d is not None else None, lim, ext, due_s, prov,
            ts(sign_t) if sign_t is not None else None, ts(reply_t) if reply_t is not None else None, reply_text,
            direct, ts(closed_t) if closed_t is not None else None, close_reason, satisfaction, fu, unr, reopens,
            returns, pend_days, pend_reason, pend_ret, conf, max_level, merged_into, kid, clerk, ts(last_t),
            last_actor, version, CENTER_OF[clerk], visit[0] if visit is not None else None, resolved,
        )
        ok = True
        if sc is not None:
            ok = status == sc.want
            if ok and sc.level is not None and due_d is not None:
                ok = level(due_d, ctx.T) == sc.level
            if ok and sc.due_today:
                ok = due_d == ctx.T
            if ok and sc.pending_ext:
                ok = pend_days is not None
            if ok and sc.pending_ret:
                ok = pend_ret is not None
        return row, E, S, ok, dup_out, joint_rows
