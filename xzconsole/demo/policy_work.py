"""The departments' own policy work in the demo (issue 15): liaison drafts in
each state of the center's review, department knowledge entries awaiting
review or sent back, the 专栏 and 置顶 of the library, and the 政策兑现台账
(about the seed's 643 enterprises and ¥300 million, scaled to the demo's
directory).

Runs after the bulk load through the store's own methods (so every step has
its line in the histories), with a seeded random source of its own: the
demo stays the same for the same arguments, and the planners before it draw
exactly what they drew before.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Sequence

from ..clock import FixedClock
from ..errors import StoreError
from ..policies import PolicyFilter
from ..store import Store
from .context import SEED

SUPERVISOR = "demo_sup"

#: liaison drafts: (liaison, fields, what happens: editing / submitted / returned / published)
DRAFTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("demo_rsj", {"title": "徐州市2026年度失业保险稳岗返还经办规程", "doc_number": "徐人社规〔2026〕5号",
                  "category": "人才就业", "kind": "其他",
                  "summary": "参保单位上年度未裁员或裁员率不高于城镇调查失业率控制目标的，按上年度实际缴纳失业保险费的一定比例返还；"
                             "大型企业返还30%，中小微企业返还60%，由系统比对后免申即享。",
                  "interpreter_name": "刘敏", "interpreter_phone": "0516-83801234"}, "published", ""),
    ("demo_rsj", {"title": "关于开展2027年度企业新型学徒制培训补贴申报的通知", "doc_number": "徐人社发〔2026〕133号",
                  "category": "人才就业", "kind": "申报类",
                  "summary": "企业与技工院校、职业培训机构合作开展新型学徒制培训的，按每人每年5000元标准给予培训补贴，"
                             "培训期满考核合格后申领。",
                  "interpreter_name": "刘敏", "interpreter_phone": "0516-83801234",
                  "apply_url": "https://jshrss.jiangsu.gov.cn/"}, "returned",
     "摘要须写明申报起止日期和受理窗口，申报链接应指向本市申报入口"),
    ("demo_swj", {"title": "关于优化2027年度增值税留抵退税办理流程的公告", "doc_number": "徐税公告〔2026〕7号",
                  "category": "财税金融", "kind": "其他",
                  "summary": "符合条件的纳税人可通过江苏省电子税务局在线提交留抵退税申请，资料齐全的5个工作日内办结。",
                  "interpreter_name": "孙立新", "interpreter_phone": "0516-83709366"}, "submitted", ""),
    ("demo_zjj", {"title": "徐州市既有建筑加装电梯及节能改造补助办法（征求意见稿）", "doc_number": "",
                  "category": "用地用房与基础设施", "kind": "其他"}, "editing", ""),
]

#: department knowledge entries: (liaison, question, answer, category, what happens)
ENTRIES: list[tuple[str, str, str, str, str]] = [
    ("demo_rsj", "企业为职工办理新型学徒制培训补贴需要准备哪些材料？",
     "需提供学徒培训合同、培训计划、考核合格证明和企业银行账户信息，经“江苏智慧人社”网上申报，人社部门审核后拨付。",
     "人才就业", "pending"),
    ("demo_swj", "小规模纳税人季度销售额未超过30万元如何申报免征增值税？",
     "在江苏省电子税务局填报增值税及附加税费申报表（小规模纳税人适用），免税销售额填入对应栏次即可享受，无需另行备案。",
     "财税金融", "returned"),
    ("demo_zjj", "企业申请建筑业资质延续需要多长时间？",
     "资料齐全的，市住建局在受理后5个工作日内办结；可通过江苏政务服务网在线提交申请并查询进度。", "用地用房与基础设施", "accepted"),
]

COLUMNS = [("助企纾困，稳岗稳产", ("稳岗", "降低", "减免", "贴息", "用工")),
           ("商协会服务专栏", ("商务", "外贸", "跨境", "协会", "展")),
           ("申报类政策直通车", ())]
PINNED = ("徐州市进一步优化营商环境若干措施", "江苏省政府办公厅关于进一步激发民间投资活力")

#: the seed's ledger: 643 enterprises, close to ¥300 million
SEED_ENTERPRISES = 643
SEED_AMOUNT_YUAN = 298_000_000


def add_policy_work(store: Store, now: dt.datetime, enterprises: Sequence[Sequence[Any]]) -> dict[str, int]:
    """Add the departments' policy work and the grants ledger; ``enterprises``
    are the directory's rows ([id, name, uscc, district, …])."""
    r = random.Random(SEED + 15)
    staff = {login: store.staff.get(login) for login in (SUPERVISOR, "demo_rsj", "demo_swj", "demo_zjj")}
    sup = staff[SUPERVISOR]
    counts = {"drafts": 0, "entries": 0, "columns": 0, "grants": 0}
    for login, fields, state, reason in DRAFTS:
        p = store.library.create(staff[login], fields)
        counts["drafts"] += 1
        if state == "editing":
            continue
        pid = p.id
        assert pid is not None
        store.library.submit(staff[login], pid)
        if state == "returned":
            store.library.return_draft(sup, pid, reason)
        elif state == "published":
            store.library.publish(sup, pid)
    for login, question, answer, category, state in ENTRIES:
        e = store.knowledge.create(staff[login], question, answer, category)
        counts["entries"] += 1
        assert e.id is not None
        if state == "accepted":
            store.knowledge.accept(sup, e.id)
        elif state == "returned":
            store.knowledge.return_entry(sup, e.id, "请注明政策依据的文件名称和文号")
    published = store.library.search("", PolicyFilter(statuses=["published"]), limit=500)
    declarations = [h.policy for h in published if h.policy.kind.value == "declaration"]
    for name, words in COLUMNS:
        cid = store.library.create_column(sup, name)
        counts["columns"] += 1
        members = declarations if not words else [h.policy for h in published if any(w in h.policy.title for w in words)]
        for p in members[:12]:
            assert p.id is not None
            store.library.add_to_column(sup, cid, p.id)
    for start in PINNED:
        hit = next((h.policy for h in published if h.policy.title.startswith(start)), None)
        if hit is not None and hit.id is not None:
            store.library.pin(sup, hit.id)
    counts["grants"] = _grants(store, now, enterprises, [p for p in declarations], r)
    counts["orders"] = _orders(store, now, staff)
    counts["service"] = _service(store, now, r)
    return counts


SERVICE_NOTES = {
    "visit": ("走访协会秘书处，梳理会员企业融资和用工需求", "走访会长单位，了解订单和原材料价格变化"),
    "call": ("电话通知协会转发稳岗返还免申即享政策", "与协会秘书长电话沟通会员企业诉求办理进度"),
    "meeting": ("组织会员企业座谈会，听取惠企政策兑现意见", "联合市工信局召开专精特新申报辅导会"),
    "briefing": ("为会员企业宣讲2026年度惠企政策汇编", "在协会年会上解读研发投入奖补政策"),
    "help": ("协调市人社局解决会员企业社保缴费基数核定问题", "协调供电公司为会员企业加快报装接电"),
}


def _service(store: Store, now: dt.datetime, r: random.Random) -> int:
    """服务专班 / 专员包挂: each association gets one of the city clerks or
    supervisors, who logs their service over the last months."""
    people = ["clerk_lixue", "clerk_zhangpeng", "clerk_chenjing", "sup_xuwenbo", "demo_clerk"]
    sup = store.staff.get(SUPERVISOR)
    n = 0
    for i, a in enumerate(store.association_list()):
        if a.id is None:
            continue
        login = people[i % len(people)]
        store.associations.assign_staff(sup, a.id, login)
        who = store.staff.get(login)
        for _ in range(2 + int(r.random() * 4)):
            kind = r.choice(list(SERVICE_NOTES))
            day = now.date() - dt.timedelta(days=1 + int(r.random() * 150))
            store.associations.log_service(who, a.id, kind, r.choice(SERVICE_NOTES[kind]), day)
            n += 1
    return n


def _at(store: Store, when: dt.datetime) -> None:
    """Move the build's fixed clock (the orders' steps happened on earlier days)."""
    if isinstance(store.clock, FixedClock):
        store.clock.set(when)


def _orders(store: Store, now: dt.datetime, staff: dict[str, Any]) -> int:
    """定制点餐 work orders: one answered in full, one waiting for the
    department's answers, one whose draft is overdue."""
    sup = staff[SUPERVISOR]
    assocs = [a.id for a in store.association_list() if a.id is not None]
    if len(assocs) < 3:
        return 0
    day = dt.timedelta(days=1)
    try:
        # 市人社局: ordered three weeks ago, drafted, commented, answered
        _at(store, now - 21 * day)
        done = store.orders.open(sup, "市人社局", "徐州市重点群体创业担保贷款贴息办法", 5)
        _at(store, now - 17 * day)
        draft = store.library.create(staff["demo_rsj"], {
            "title": "徐州市重点群体创业担保贷款贴息办法（征求意见稿）", "category": "人才就业", "kind": "其他",
            "summary": "高校毕业生、退役军人等重点群体创业的，可申请最高30万元创业担保贷款，财政按贷款利率的50%给予贴息。",
            "interpreter_name": "刘敏", "interpreter_phone": "0516-83801234"})
        assert draft.id is not None
        store.orders.attach(staff["demo_rsj"], done, draft.id)
        _at(store, now - 16 * day)
        rid = store.orders.push(sup, done, assocs[:3], 5)
        _at(store, now - 12 * day)
        texts = ("建议将小微企业吸纳重点群体就业也纳入贴息范围", "贴息资金请按季度拨付，减轻企业垫资压力",
                 "希望简化反担保要求")
        ids = [store.comments.record(store.staff.get("demo_clerk"), rid, a, t) for a, t in zip(assocs[:3], texts)]
        _at(store, now - 9 * day)
        store.comments.forward(sup, rid)
        _at(store, now - 6 * day)
        store.comments.decide(staff["demo_rsj"], ids[0], True, "已在第五条增加小微企业条款")
        store.comments.decide(staff["demo_rsj"], ids[1], True, "改为按季度拨付")
        store.comments.decide(staff["demo_rsj"], ids[2], False, "反担保要求按省级办法执行，本办法不作调整")
        # 市住建局: commented, forwarded, answers due
        _at(store, now - 12 * day)
        waiting = store.orders.open(sup, "市住建局", "既有建筑加装电梯及节能改造补助办法", 5)
        zjj = next(p for p in store.library.department_policies("市住建局") if p.status.value == "draft")
        assert zjj.id is not None
        _at(store, now - 9 * day)
        store.orders.attach(staff["demo_zjj"], waiting, zjj.id)
        rid = store.orders.push(sup, waiting, assocs[3:5] or assocs[:2], 3)
        _at(store, now - 5 * day)
        for a in (assocs[3:5] or assocs[:2]):
            store.comments.record(store.staff.get("demo_clerk"), rid, a, "建议将补助标准与加装电梯楼层数挂钩")
        store.comments.forward(sup, rid)
        # 市税务局: the draft is late
        _at(store, now - 10 * day)
        store.orders.open(sup, "市税务局", "支持个体工商户发展税费服务措施", 3)
    finally:
        _at(store, now)
    return 3


def _grants(store: Store, now: dt.datetime, enterprises: Sequence[Sequence[Any]], policies: list[Any],
            r: random.Random) -> int:
    """The ledger: the seed's 643 enterprises and ~¥300 million, scaled down
    when the demo's directory is smaller; 1–3 payments each over the last year."""
    usable = [e for e in enterprises if e[1]]
    if not usable or not policies:
        return 0
    n = min(SEED_ENTERPRISES, len(usable) // 3 or len(usable))
    share = n / SEED_ENTERPRISES
    chosen = r.sample(usable, n)
    weights = [r.lognormvariate(0, 1.1) for _ in chosen]
    scale = SEED_AMOUNT_YUAN * share / sum(weights)
    depts = {d.short_name for d in store.departments()}
    today = now.date()
    rows = []
    for e, w in zip(chosen, weights):
        k = 1 + (r.random() < 0.35) + (r.random() < 0.1)
        picks = r.sample(policies, min(k, len(policies)))
        total_fen = max(500_000, int(w * scale * 100) // 100 * 100)  # at least ¥5,000, whole yuan
        parts = [r.random() + 0.3 for _ in picks]
        for p, part in zip(picks, parts):
            fen = max(100_000, int(total_fen * part / sum(parts)) // 10_000 * 10_000)  # to the hundred yuan
            day = today - dt.timedelta(days=int(r.random() * 360) + 1)
            dept = p.issuer if p.issuer in depts else "市财政局"
            rows.append({"enterprise": e[1], "uscc": e[2], "district": e[3] or "", "policy_id": p.id, "amount_fen": fen,
                         "granted_on": day.isoformat(), "department_id": store.department(dept).id,
                         "batch": f"{day.year}年第{(day.month - 1) // 3 + 1}批"})
    try:
        imported, _ = store.grants.import_batch(store.staff.get(SUPERVISOR), rows, "demo")
    except StoreError:  # a demo without the supervisor account: no ledger rather than no demo
        return 0
    return imported
