"""The demo database: a believable Xuzhou enterprise service center, 18 months deep.

``build_demo(path, tickets, now, progress)`` creates a fresh database with the
reference data of ``data/``, one staff account per role (fixed logins, see
``DEMO_STAFF``), enterprises with valid 统一社会信用代码 across Xuzhou's
districts, and ``tickets`` appeals spread over the 18 months before ``now``
whose histories follow the center's rules: due dates from the store's
calendar, signatures, returns, extensions, supervisions, replies, call-backs,
reopens and merged duplicates.  At ``now`` every status and every warning
level is present, with the notices of the warning panel (due today, not yet
dispatched, not yet signed, supporting parts past their deadline) and pending
extension and late-return requests.

Around the tickets, what the center's other work leaves behind: tickets taken
in at the city center and at four county centers; an enterprise directory
whose well-known enterprises have long histories, further contacts, edits and
two duplicate records merged; trade associations with members of their
industry; policies pushed to associations and enterprises, and feedback;
joint cases (会商会办) with supporting departments' parts and consultation
minutes; and a year of outreach (十百千万) with appeals taken on visits.
Each is written as the store's own methods would have left it.

Speed matters (1,000,000 tickets in about a minute), so rows are generated as
plain tuples from precomputed pools — the calendar as lists indexed by day,
timestamps as string look-ups, appeal texts as pools built once — and handed
to the store's bulk loader (``store_bulk.BulkMixin``) a batch at a time, one
transaction per batch.  The result is deterministic for a given ``tickets``
and ``now`` (fixed random seed).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import pwd
import random
from pathlib import Path
from typing import Any, Callable, Iterator

from dateutil.relativedelta import relativedelta

from .clock import Clock, FixedClock, to_local, weekday_cn
from .models import USCC_CHARS, uscc_check_char
from .outreach import year_elapsed
from .policies import FEEDBACK_SATISFACTION, FEEDBACK_TOPICS
from .rules import Action
from .store import Store

SEED = 12345
BATCH_TICKETS = 20_000
HISTORY_MONTHS = 18

# ---------------------------------------------------------------- staff

# (login, name, role, department short name, center)
DEMO_STAFF: list[tuple[str, str, str, str | None, str]] = [
    ("demo_admin", "周海峰", "admin", None, "市企业服务中心"),
    ("demo_clerk", "王晓燕", "clerk", None, "市企业服务中心"),
    ("demo_sup", "赵志刚", "supervisor", None, "市企业服务中心"),
    ("demo_rsj", "刘敏", "department", "市人社局", "市企业服务中心"),
    ("demo_swj", "孙立新", "department", "市税务局", "市企业服务中心"),
    ("demo_zjj", "陈建国", "department", "市住建局", "市企业服务中心"),
    ("clerk_lixue", "李雪", "clerk", None, "市企业服务中心"),
    ("clerk_zhangpeng", "张鹏", "clerk", None, "市企业服务中心"),
    ("clerk_chenjing", "陈静", "clerk", None, "市企业服务中心"),
    ("clerk_pizhou", "吴涛", "clerk", None, "邳州市企业服务中心"),
    ("clerk_tongshan", "马丽", "clerk", None, "铜山区企业服务中心"),
    ("sup_xuwenbo", "徐文博", "supervisor", None, "市企业服务中心"),
    ("clerk_xinyi", "朱海燕", "clerk", None, "新沂市企业服务中心"),
    ("clerk_jingkai", "韩振华", "clerk", None, "徐州经济技术开发区企业服务中心"),
]
FIXED_LIAISONS = {"市人社局": "demo_rsj", "市税务局": "demo_swj", "市住建局": "demo_zjj"}
CITY_CLERKS = ("demo_clerk", "clerk_lixue", "clerk_zhangpeng", "clerk_chenjing")
SUPERVISORS = ("demo_sup", "sup_xuwenbo")
CITY_CENTER = "市企业服务中心"
CENTER_OF = {login: center for login, _, _, _, center in DEMO_STAFF}
STAFF_NAME = {login: name for login, name, _, _, _ in DEMO_STAFF}
# The county centers' clerks take in appeals of their own district (and a few
# counter visits from a neighbouring one); the rest goes to the city center.
COUNTY_CLERKS = {"邳州市": "clerk_pizhou", "铜山区": "clerk_tongshan", "新沂市": "clerk_xinyi",
                 "徐州经济技术开发区": "clerk_jingkai"}
NEIGHBOUR_CLERKS = {"睢宁县": "clerk_pizhou", "贾汪区": "clerk_tongshan"}
# share of an own-district appeal taken in at the county center, by source
COUNTY_SHARE = {"hotline": 0.3, "platform": 0.5, "counter": 0.9, "visit": 0.9, "other": 0.5}

# ---------------------------------------------------------------- places and names

# (division code, district, handling county government's short name, weight)
DISTRICTS = [
    ("320302", "鼓楼区", "鼓楼区", 9),
    ("320303", "云龙区", "云龙区", 9),
    ("320305", "贾汪区", "贾汪区", 5),
    ("320311", "泉山区", "泉山区", 10),
    ("320312", "铜山区", "铜山区", 11),
    ("320321", "丰县", "丰县", 5),
    ("320322", "沛县", "沛县", 6),
    ("320324", "睢宁县", "睢宁县", 6),
    ("320381", "新沂市", "新沂市", 7),
    ("320382", "邳州市", "邳州市", 9),
    ("320371", "徐州经济技术开发区", "经开区", 13),
    ("320391", "徐州高新技术产业开发区", "高新区", 8),
]
_NAME_PREFIX = {
    "丰县": ("丰县", "徐州"), "沛县": ("沛县", "徐州"), "睢宁县": ("睢宁县", "徐州"),
    "新沂市": ("新沂市", "新沂", "徐州"), "邳州市": ("邳州市", "邳州", "徐州"), "贾汪区": ("徐州", "徐州市贾汪区"),
    "铜山区": ("徐州", "徐州市铜山区", "江苏"),
}
_DEFAULT_PREFIX = ("徐州", "徐州", "江苏", "徐州市")
_ROADS = {
    "鼓楼区": ("中山北路", "平山路", "下淀路", "琵琶路"), "云龙区": ("和平路", "民主南路", "解放南路", "彭城路"),
    "贾汪区": ("工业大道", "泉城路", "世纪大道"), "泉山区": ("湖北路", "三环西路", "金山路", "建国西路"),
    "铜山区": ("北京南路", "银山路", "黄河南路"), "丰县": ("中阳大道", "凤鸣路"), "沛县": ("汉源大道", "汤沐路"),
    "睢宁县": ("八一西路", "中央大街"), "新沂市": ("北京路", "钟吾路"), "邳州市": ("青年路", "建设路", "珠江路"),
    "徐州经济技术开发区": ("徐海路", "杨山路", "螺山路", "高新路"), "徐州高新技术产业开发区": ("第三工业园纬二路", "珠江东路"),
}
_PARKS = {
    "徐州经济技术开发区": ("徐州工业园区", "金龙湖街道", "大庙街道"), "徐州高新技术产业开发区": ("安全科技产业园", "汉王镇"),
    "邳州市": ("邳州经济开发区", "邳州高新区"), "新沂市": ("新沂经济开发区", "新沂化工产业集聚区"),
    "沛县": ("沛县经济开发区", "龙固工业园"), "丰县": ("丰县经济开发区",), "睢宁县": ("睢宁经济开发区", "沙集电商产业园"),
    "铜山区": ("铜山经济开发区", "徐州港务区"), "贾汪区": ("贾汪工业园区",), "泉山区": ("泉山经济开发区",),
    "鼓楼区": ("鼓楼工业园", "徐州国际商贸城"), "云龙区": ("云龙科技园", "淮海文博园"),
}

# industry → (name endings, weight); 个体 and 合作社 get USCC type digits 92 / 93
INDUSTRIES: list[tuple[str, tuple[str, ...], int]] = [
    ("工程机械", ("工程机械有限公司", "重工机械有限公司", "机械制造有限公司", "液压科技有限公司"), 9),
    ("新能源", ("新能源科技有限公司", "光伏科技有限公司", "储能技术有限公司", "电池材料有限公司"), 8),
    ("食品加工", ("食品有限公司", "食品加工有限公司", "农产品开发有限公司", "粮油有限公司"), 8),
    ("物流", ("物流有限公司", "供应链管理有限公司", "国际货运代理有限公司", "仓储服务有限公司"), 7),
    ("医药", ("医药有限公司", "生物医药科技有限公司", "医疗器械有限公司", "药业有限公司"), 5),
    ("建材", ("建材有限公司", "新型建材有限公司", "混凝土有限公司", "装饰工程有限公司"), 7),
    ("软件", ("软件科技有限公司", "信息技术有限公司", "网络科技有限公司", "数据科技有限公司"), 6),
    ("商贸", ("商贸有限公司", "贸易有限公司", "进出口有限公司", "百货有限公司"), 11),
    ("餐饮", ("餐饮管理有限公司", "酒店管理有限公司", "餐饮服务有限公司"), 6),
    ("建筑", ("建设工程有限公司", "建筑安装工程有限公司", "市政工程有限公司"), 8),
    ("纺织服装", ("纺织有限公司", "服饰有限公司", "家纺有限公司"), 4),
    ("木业家具", ("木业有限公司", "板材有限公司", "家具有限公司"), 4),
    ("化工", ("化工有限公司", "新材料科技有限公司", "精细化工有限公司"), 3),
    ("电子信息", ("电子科技有限公司", "半导体有限公司", "智能科技有限公司"), 5),
    ("汽车零部件", ("汽车零部件有限公司", "汽车配件制造有限公司"), 3),
    ("个体餐饮", ("饭店", "小吃店", "烧烤店", "羊肉馆"), 3),
    ("农业合作社", ("种植专业合作社", "果蔬专业合作社", "养殖专业合作社"), 2),
]
_TRADE1 = "恒鑫瑞华泰金盛宏汉彭润嘉卓博德远优聚天东新中鸿永兴佳正宝安铭乐开隆旭源锦众宇诚昊淮楚沃凯弘"
_TRADE2 = "达源丰泽宇通信辉城邦创力成晟鼎盛阳昌远杰越海峰瑞茂程凯祥泓业华光明科豪运川"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "红梅", "晓东", "文博", "思远", "雪", "慧", "婷", "浩",
         "宇", "鹏", "飞", "斌", "宁", "凯", "振华", "玉兰", "国庆", "春生", "立新")
_MOBILE_PREFIX = ("138", "139", "135", "136", "137", "150", "151", "152", "157", "158", "159", "182", "183", "187",
                  "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "177",
                  "199", "166", "198", "173")

MARKUP_ENTERPRISE = "[b]x[/b]商贸有限公司"
MARKUP_CONTENT = "园区东门外路灯[/]坏了，晚上一片漆黑\x1b[31m 工人下班很危险，[red]请尽快维修[/red]。"

# ---------------------------------------------------------------- appeal topics
# (key, appeal type, department short name or "@" for the enterprise's county,
#  titles, content bodies, replies).  Bodies use {slots} filled from _SLOTS.

_SLOTS: dict[str, tuple[str, ...]] = {
    "year": ("2025", "2026"),
    "n": ("23", "46", "58", "86", "120", "135", "210", "320", "460"),
    "amount": ("35", "68", "120", "180", "260", "450", "800", "1200"),
    "pct": ("18", "22", "26", "31", "45"),
    "months": ("三", "四", "五", "六", "八", "十"),
    "days": ("12", "15", "20", "25", "30", "40"),
    "product": ("液压油缸", "锂电池正极材料", "汽车线束", "工程机械配件", "光伏支架", "医用敷料", "智能传感器", "预制混凝土构件"),
    "approval": ("施工许可", "排污许可", "食品生产许可", "消防验收", "规划许可", "危险化学品经营许可", "道路运输经营许可"),
    "project": ("安置房", "厂房扩建", "道路改造", "学校维修", "污水管网", "保障性住房", "园区标准厂房"),
    "kva": ("400", "630", "800", "1250", "2000"),
    "utility": ("专变用电", "工业用水", "天然气", "双电源"),
    "month": ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"),
    "post": ("普工", "焊工", "数控操作工", "仓管员", "叉车司机", "电工"),
}

TOPICS: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    # ---- 政策咨询 (policy_consultation)
    ("稳岗返还", "policy_consultation", "市人社局",
     ("咨询失业保险稳岗返还政策", "稳岗返还何时到账", "咨询稳岗返还申领条件"),
     ("企业参保职工{n}人，上年度未裁员，想了解{year}年失业保险稳岗返还的条件、返还比例和到账时间。",
      "企业去年裁员率很低，但至今未收到稳岗返还资金，想确认是否在名单内、需不需要主动申请。",
      "咨询稳岗返还是否“免申即享”，企业对公账户近期变更，担心资金无法到账。"),
     ("经查询，该企业已列入{year}年稳岗返还拟发放名单，资金将于公示期满后10个工作日内拨付至企业对公账户，已电话告知企业。",
      "稳岗返还实行免申即享，已指导企业在社保系统更新对公账户信息，账户变更后资金可正常拨付。")),
    ("研发费用加计扣除", "policy_consultation", "市税务局",
     ("咨询研发费用加计扣除政策", "研发费用加计扣除预缴享受", "研发费用辅助账设置"),
     ("企业{year}年研发投入约{amount}万元，想了解研发费用加计扣除的比例、可归集范围以及预缴申报时能否享受。",
      "企业委托外部机构研发，想咨询委托研发费用能否加计扣除、需要留存哪些资料。",
      "企业第一次享受研发费用加计扣除，不清楚研发支出辅助账如何设置。"),
     ("已向企业解读研发费用加计扣除政策：可在7月、10月预缴或汇算清缴时享受，按规定设置辅助账并留存备查资料，企业表示清楚。",
      "税源管理科已上门辅导企业财务人员设置研发支出辅助账，并讲解委托研发费用按实际发生额的80%计入加计扣除基数。")),
    ("专精特新申报", "policy_consultation", "市工信局",
     ("咨询专精特新中小企业申报", "专精特新申报材料", "专精特新申报截止时间"),
     ("企业主营{product}，近两年营收增长{pct}%，想了解省级专精特新中小企业申报条件、材料清单和截止时间。",
      "企业已获评创新型中小企业，想咨询申报专精特新需要满足的研发投入和专利要求。",
      "企业想申报国家级专精特新“小巨人”，咨询市里是否有培育辅导和奖励政策。"),
     ("已将{year}年专精特新中小企业申报通知及材料清单发送企业，并说明申报截止时间和市级奖励标准，企业将按要求准备材料。",
      "经与企业沟通，企业研发投入占比尚不满足条件，已建议先入库培育，市工信局将组织专题辅导。")),
    ("高新技术企业认定", "policy_consultation", "市科技局",
     ("咨询高新技术企业认定", "高企认定奖励", "高企申报条件"),
     ("企业拥有发明专利{n}项，想了解高新技术企业认定条件、申报时间和认定后的奖励政策。",
      "企业首次申报高新技术企业，咨询科技人员占比和研发费用占比如何计算。"),
     ("已向企业说明高新技术企业认定条件和申报流程，并告知首次认定市级奖励标准，企业表示满意。",)),
    ("吸纳就业补贴", "policy_consultation", "市人社局",
     ("咨询一次性吸纳就业补贴", "招用高校毕业生补贴", "社保补贴申领"),
     ("企业今年招用高校毕业生{n}人并签订一年以上劳动合同，想了解一次性吸纳就业补贴标准和申领渠道。",
      "企业招用就业困难人员，咨询社会保险补贴的申领条件和期限。"),
     ("已告知企业一次性吸纳就业补贴按每人1500元标准发放，可通过江苏智慧人社网上申领，并指导企业准备劳动合同和参保证明。",)),
    ("六税两费减免", "policy_consultation", "市税务局",
     ("咨询六税两费减免政策", "小规模纳税人增值税减免", "小型微利企业所得税优惠"),
     ("企业为小规模纳税人，想了解“六税两费”减半征收是否需要申请，以及房产税、城镇土地使用税如何享受。",
      "企业季度销售额约{amount}万元，咨询增值税减免标准和开具专票后能否继续享受。"),
     ("已向企业说明“六税两费”减免由系统自动带出、申报即可享受，无需另行申请，企业表示清楚。",)),
    ("技改补贴", "policy_consultation", "市工信局",
     ("咨询工业技改补贴", "智能化改造奖补", "设备投入补贴申报"),
     ("企业计划投入约{amount}万元购置智能化生产设备，想了解工业技术改造综合奖补的申报条件和补贴比例。",
      "企业去年完成智能化改造项目，咨询今年能否申报设备投入奖补。"),
     ("已将工业企业技术改造综合奖补申报指南发送企业，说明设备投入门槛和奖补比例，并告知申报系统开放时间。",)),
    ("外贸政策", "policy_consultation", "市商务局",
     ("咨询出口信用保险保费补贴", "外贸企业开拓市场补贴", "跨境电商扶持政策"),
     ("企业今年出口额约{amount}万美元，想了解出口信用保险保费补贴和境外展会补贴的申报方式。",
      "企业准备开展跨境电商业务，咨询我市跨境电商产业园入驻和扶持政策。"),
     ("已向企业介绍出口信用保险保费补贴和境外参展补贴政策，并提供申报联系人电话，企业表示满意。",)),
    ("创业担保贷款", "policy_consultation", "市人社局",
     ("咨询创业担保贷款贴息", "小微企业创业担保贷款"),
     ("企业新招用员工{n}人，想了解小微企业创业担保贷款额度、贴息标准和办理银行。",),
     ("已告知企业小微企业创业担保贷款最高额度和贴息标准，并推荐合作银行对接，企业已提交申请。",)),
    ("公积金政策", "policy_consultation", "市公积金中心",
     ("咨询住房公积金缓缴", "公积金缴存比例调整"),
     ("企业经营暂时困难，想了解住房公积金能否申请缓缴或降低缴存比例，需要哪些手续。",),
     ("已告知企业可申请降低缴存比例或缓缴，需经职工代表大会讨论通过，并指导企业网上办理。",)),
    ("人才政策", "policy_consultation", "市人社局",
     ("咨询彭城英才计划", "人才安居补贴申请", "企业引进博士补贴"),
     ("企业今年引进博士{n}名，想咨询彭城英才计划的申报条件和人才安居补贴标准。",
      "企业研发骨干想申请人才公寓，咨询申请条件和办理流程。"),
     ("已向企业解读彭城英才计划申报条件和安居补贴标准，并告知年度申报时间，企业表示将按时申报。",)),
    # ---- 咨询求助 (consultation)
    ("执照变更", "consultation", "市行政审批局",
     ("咨询营业执照经营范围变更", "企业迁址变更登记", "股东变更登记材料"),
     ("企业拟增加{product}销售业务，咨询营业执照经营范围变更需要哪些材料，能否全程网办。",
      "企业准备从外区迁入，咨询跨区迁移登记流程和所需时间。"),
     ("已告知企业可通过江苏政务服务网全程网办经营范围变更，材料齐全当日办结，企业已在线提交。",)),
    ("食品经营许可", "consultation", "市市场监管局",
     ("咨询食品经营许可办理", "食品生产许可延续", "预包装食品备案"),
     ("企业新开设门店，咨询食品经营许可证办理条件、现场核查要求和办理时限。",
      "企业食品生产许可证即将到期，咨询延续申请需要提前多久提交。"),
     ("已向企业说明食品经营许可办理条件和材料，告知承诺时限，企业已预约现场核查。",)),
    ("排污许可", "consultation", "市生态环境局",
     ("咨询排污许可证申领", "排污许可登记管理", "环评手续咨询"),
     ("企业新建生产线，咨询排污许可属于重点管理还是简化管理，以及申领流程。",
      "企业扩建项目，咨询是否需要重新做环评，以及环评审批时限。"),
     ("已向企业说明排污许可分类管理要求，并指导企业在全国排污许可证管理信息平台申报。",)),
    ("施工许可办理", "consultation", "市住建局",
     ("咨询施工许可办理流程", "工程竣工联合验收", "建筑业资质申请"),
     ("企业厂房扩建项目已取得规划许可，咨询施工许可办理材料和是否可以并联审批。",
      "企业承建项目即将完工，咨询竣工联合验收如何申请。"),
     ("已向企业说明施工许可并联审批流程和材料清单，承诺时限内可办结，企业表示清楚。",)),
    ("不动产登记", "consultation", "市自然资源和规划局",
     ("咨询工业用地不动产登记", "厂房分割登记", "土地使用权抵押登记"),
     ("企业新建厂房已竣工验收，咨询办理不动产首次登记的材料和时限。",
      "企业需办理土地使用权抵押登记用于银行贷款，咨询能否当日办结。"),
     ("已告知企业不动产首次登记材料清单，材料齐全可在承诺时限内办结，企业已预约办理。",)),
    ("用电报装", "consultation", "徐州供电公司",
     ("咨询高压用电报装流程", "新装专变报装", "增容申请办理"),
     ("企业新建厂房需新装{kva}千伏安专变，咨询报装流程、所需材料和接电时间。",
      "企业扩大生产需增容至{kva}千伏安，咨询增容申请办理流程和费用。"),
     ("客户经理已上门对接，说明报装流程和“三零三省”服务，预计在承诺时限内完成接电。",)),
    ("用水报装", "consultation", "首创水务",
     ("咨询工业用水报装", "供水管网接入"),
     ("企业新厂区需接入工业用水，咨询用水报装流程、接水费用和办理时限。",),
     ("已安排客户经理与企业对接，说明用水报装流程，企业已提交申请。",)),
    ("燃气报装", "consultation", "港华燃气",
     ("咨询工业燃气报装", "餐饮燃气开户"),
     ("企业新上烘干设备需使用天然气，咨询工业燃气报装流程和开通时间。",
      "门店装修完成，咨询商业燃气开户需要的材料和安全检查要求。"),
     ("已安排工作人员上门勘查，向企业说明报装流程和时限，企业表示认可。",)),
    ("出口退税进度", "consultation", "市税务局",
     ("咨询出口退税办理进度", "出口退税备案"),
     ("企业{month}月申报出口退税约{amount}万元，至今未到账，咨询办理进度。",),
     ("经查询，企业出口退税已审核通过，正在办理退库，预计5个工作日内到账，已告知企业。",)),
    ("海关业务", "consultation", "徐州海关",
     ("咨询海关AEO认证", "进出口货物收发货人备案"),
     ("企业想申请海关高级认证企业（AEO），咨询认证标准和辅导服务。",
      "企业首次开展进出口业务，咨询海关备案流程。"),
     ("已向企业介绍AEO认证标准，并安排海关企业管理科提供培育辅导。",)),
    ("医保业务", "consultation", "市医保局",
     ("咨询职工医保参保", "异地就医备案"),
     ("企业员工长期外派外地项目，咨询职工医保异地就医备案如何办理。",),
     ("已告知企业可通过国家医保服务平台APP办理异地就医备案，企业表示清楚。",)),
    ("劳动用工", "consultation", "市人社局",
     ("咨询工伤认定办理", "劳动合同续签问题", "招聘{post}求助"),
     ("企业一名员工上班途中发生交通事故，咨询工伤认定申请时限和材料。",
      "企业急需招聘{post}{n}名，请求人社部门提供招聘对接服务。"),
     ("已向企业说明工伤认定申请时限和材料，并告知可网上申报。", "已将企业用工需求推送至公共招聘平台，并邀请企业参加专场招聘会。")),
    ("融资需求", "consultation", "人民银行徐州市分行",
     ("企业融资需求对接", "咨询普惠小微贷款"),
     ("企业订单增加，需流动资金约{amount}万元，请求帮助对接银行普惠小微贷款。",),
     ("已将企业融资需求推送至合作银行，银行客户经理已与企业对接，正在办理授信。",)),
    # ---- 投诉 (complaint)
    ("审批慢", "complaint", "市行政审批局",
     ("投诉审批办理超时", "投诉{approval}审批慢", "审批材料反复补正"),
     ("企业{month}月提交的{approval}申请，已超过承诺时限{days}个工作日仍未办结，多次询问没有明确答复。",
      "企业办理{approval}时被要求反复补正材料，每次告知的要求不一致，已往返窗口多次。"),
     ("经核查，该审批事项因现场核查排期延误，现已办结，已向企业致歉并说明原因，今后将严格执行承诺时限。",
      "已约谈窗口负责人，明确一次性告知补正材料，企业事项已于近日办结。")),
    ("拖欠工程款", "complaint", "市住建局",
     ("投诉拖欠工程款", "总包方拖欠分包工程款", "项目结算久拖不决"),
     ("企业承建的{project}项目已竣工验收，总包方拖欠工程款约{amount}万元，已拖欠{months}个月，影响{n}名工人工资发放。",
      "企业参与的{project}项目结算审计迟迟未完成，工程款无法支付，请求协调。"),
     ("已约谈总包单位，督促其制定还款计划，首期款项已支付，剩余款项将分期结清，企业表示认可。",
      "经协调，项目结算审计已完成，建设单位承诺在规定期限内支付工程款。")),
    ("拖欠账款", "complaint", "市工信局",
     ("投诉机关单位拖欠中小企业账款", "采购款长期未支付"),
     ("企业为某单位提供{product}，货款约{amount}万元逾期{months}个月未支付，请求按保障中小企业款项支付条例协调。",),
     ("已将线索转交相关单位核实，对方已确认欠款并承诺在一个月内支付，将持续跟踪。",)),
    ("水电气报装慢", "complaint", "徐州供电公司",
     ("投诉用电报装进度慢", "专变接电迟迟未完成"),
     ("企业厂区{utility}报装申请已提交{days}天，现场勘查后一直未接入，影响设备调试投产。",),
     ("经核实，因线路改造排期导致延误，现已完成接电，已向企业致歉。",)),
    ("供水问题", "complaint", "首创水务",
     ("投诉供水压力不足", "园区频繁停水"),
     ("厂区近{days}天供水压力明显不足，影响生产用水，多次反映未解决。",),
     ("经现场排查系管网阀门故障，已完成维修，供水压力恢复正常。",)),
    ("燃气问题", "complaint", "港华燃气",
     ("投诉燃气开通慢", "燃气收费异常"),
     ("门店已完成燃气报装和安全检查，等待通气已{days}天，影响开业。",),
     ("已安排工作人员完成通气，并向企业说明延误原因。",)),
    ("停电频繁", "complaint", "徐州供电公司",
     ("投诉厂区频繁停电", "电压不稳影响生产"),
     ("企业所在园区近一个月停电{n}次，未提前通知，造成生产线停机损失。",),
     ("经排查为线路老化引起，已完成线路改造，今后计划停电将提前通知企业。",)),
    ("退税未到账", "complaint", "市税务局",
     ("投诉留抵退税办理慢", "退税款久未到账"),
     ("企业申请增值税留抵退税约{amount}万元，已超过{days}天仍未到账，询问多次无结果。",),
     ("经查，退税因企业银行账户信息不一致被退回，已指导企业更正，退税款已到账。",)),
    ("补贴未到账", "complaint", "市人社局",
     ("投诉就业补贴迟迟未发放", "稳岗补贴未到账"),
     ("企业{month}月申请的就业补贴审核通过后至今未到账，已超过{days}天。",),
     ("经核实，补贴因财政资金拨付批次原因延迟，现已发放到位，已向企业说明。",)),
    ("多头检查", "complaint", "市市场监管局",
     ("投诉检查过于频繁", "同一事项多部门重复检查"),
     ("企业一个月内接受不同部门检查{n}次，内容重复，影响正常经营。",),
     ("已按“综合查一次”要求统筹检查计划，今后同一事项合并检查，企业表示满意。",)),
    ("通行限制", "complaint", "市公安局",
     ("投诉货车通行证办理难", "园区周边货车限行"),
     ("企业物流车辆进出园区受限行影响，申请货车通行证{days}天未获答复。",),
     ("已为企业办理货车通行证，并优化园区周边限行时段。",)),
    ("环保一刀切", "complaint", "市生态环境局",
     ("投诉环保管控一刀切停产", "污染天气应急管控"),
     ("企业已完成超低排放改造，重污染天气期间仍被要求全面停产，请求按绩效分级差异化管控。",),
     ("经核实，企业符合绩效分级B级条件，已调整为差异化管控，企业可按要求限产运行。",)),
    ("路灯损坏", "complaint", "@",
     ("园区道路路灯损坏", "园区道路破损", "园区排水不畅"),
     ("{park}{road}路段路灯损坏多日，夜间员工下班出行不便，存在安全隐患。",
      "{park}{road}路面坑洼破损严重，大货车通行困难，多次反映未修复。",
      "{park}雨后道路积水严重，排水管网堵塞，影响企业货物进出。"),
     ("已安排维修单位完成路灯更换，夜间照明恢复正常。", "道路破损路段已完成修补，积水问题已疏通排水管网。")),
    ("园区配套", "complaint", "@",
     ("园区公交不便", "园区周边环境脏乱"),
     ("{park}周边垃圾堆放长期无人清理，影响企业形象和员工生活。",),
     ("已组织环卫力量完成清理，并建立定期巡查机制。",)),
    # ---- 举报 (report)
    ("偷排污水", "report", "市生态环境局",
     ("举报企业夜间偷排废水", "举报异味扰民"),
     ("{road}附近有作坊夜间偷排废水，气味刺鼻，附近企业员工深受其扰。",
      "附近一家小厂夜间排放刺激性气体，影响周边企业员工健康。"),
     ("经执法人员夜间突击检查，查实存在违法排污行为，已立案查处并责令整改。",)),
    ("乱收费", "report", "市市场监管局",
     ("举报中介机构捆绑收费", "举报涉企乱收费"),
     ("办理{approval}时，有中介机构声称可“包办”并收取费用{amount}00元，怀疑存在违规中介捆绑服务。",),
     ("经调查，已对相关中介机构违规收费行为立案调查，并提醒企业通过正规渠道办理。",)),
    ("吃拿卡要", "report", "市行政审批局",
     ("举报工作人员刁难企业", "举报窗口人员服务态度差"),
     ("企业办理{approval}时，窗口工作人员以各种理由拖延，暗示需要“表示”，请求保密处理。",),
     ("已对相关工作人员开展调查并作出处理，已向企业反馈处理结果。",)),
    ("违章搭建", "report", "市城管局",
     ("举报违章搭建占道经营", "举报违规占用消防通道"),
     ("{road}沿街商户违章搭建并占道经营，影响周边企业车辆通行。",),
     ("已责令违章搭建当事人限期拆除，现已拆除完毕。",)),
    ("消防隐患", "report", "市消防救援支队",
     ("举报厂房消防隐患", "举报群租厂房"),
     ("{park}一处厂房被分割群租，堆放大量易燃物，消防通道堵塞。",),
     ("经现场检查，已责令业主清理易燃物、打通消防通道，并依法处罚。",)),
    ("虚开发票", "report", "市税务局",
     ("举报虚开发票", "举报偷逃税款"),
     ("反映某商贸公司长期对外虚开增值税专用发票，请求税务部门调查。",),
     ("已将线索移交稽查部门依法调查处理，对举报人信息严格保密。",)),
    ("拖欠工资", "report", "市人社局",
     ("举报拖欠农民工工资", "举报企业未缴社保"),
     ("{project}项目施工方拖欠{n}名农民工工资约{amount}万元，春节前仍未发放。",),
     ("已责令施工方限期支付拖欠工资，现已全部支付到位。",)),
    # ---- 建议 (suggestion)
    ("延时服务", "suggestion", "市行政审批局",
     ("建议政务服务中心延时服务", "建议增加周末办事窗口"),
     ("建议政务服务中心在工作日中午和周末提供延时、预约服务，方便企业职工办事。",),
     ("感谢建议，政务服务中心已推出工作日午间不间断和周六预约服务。",)),
    ("增设公交", "suggestion", "市交通运输局",
     ("建议增设园区公交线路", "建议优化通勤班车"),
     ("{park}企业员工通勤不便，建议增设早晚高峰公交线路或定制公交。",),
     ("感谢建议，公交集团已开通园区早晚高峰定制公交线路。",)),
    ("简化申报", "suggestion", "市数据局",
     ("建议简化政策申报材料", "建议政策兑现免申即享"),
     ("各类政策申报要求重复提交营业执照、纳税证明等材料，建议通过数据共享减少企业重复提交。",
      "建议将更多惠企政策纳入“免申即享”，由部门主动比对兑现。"),
     ("感谢建议，已推动政策申报系统对接电子证照库，营业执照等材料可自动调取。",)),
    ("人才配套", "suggestion", "@",
     ("建议园区建设职工宿舍", "建议完善园区生活配套"),
     ("{park}企业员工住宿难，建议建设集中式职工宿舍或人才公寓。",),
     ("感谢建议，园区已将职工宿舍建设纳入年度计划，拟于明年建成投用。",)),
    ("营商环境建议", "suggestion", "市工商联",
     ("建议加强政企沟通", "建议定期召开企业座谈会"),
     ("建议定期召开行业企业座谈会，及时听取企业在用工、融资等方面的诉求。",),
     ("感谢建议，市工商联将按季度组织行业企业座谈会，已邀请企业参加。",)),
    # ---- 其他 (other)
    ("证照补办", "other", "市行政审批局",
     ("营业执照遗失补办", "许可证遗失补办"),
     ("企业营业执照正本遗失，咨询补领流程，并希望加快办理以便参加投标。",),
     ("已指导企业在线申请补领，营业执照已于次日领取。",)),
    ("企业搬迁协调", "other", "市自然资源和规划局",
     ("企业搬迁用地协调", "企业扩产用地需求"),
     ("企业订单增长需扩产，现有用地不足，希望协调约{n}亩工业用地。",),
     ("已将企业用地需求纳入重点项目用地保障清单，并推荐了意向地块。",)),
    ("房屋租赁", "other", "市房产局",
     ("国有厂房租金减免", "厂房租赁纠纷"),
     ("企业租用国有厂房，咨询是否有租金减免政策，以及如何申请。",),
     ("已告知企业国有房屋租金减免政策已到期，如有困难可申请分期缴纳。",)),
    ("开户问题", "other", "人民银行徐州市分行",
     ("企业银行开户难", "对公账户开立时间长"),
     ("新设立企业到银行开立基本存款账户，被要求提供大量材料，开户时间长。",),
     ("已督促银行优化开户流程，企业账户已开立。",)),
    ("噪音扰民", "other", "@",
     ("周边施工噪音影响企业", "夜间施工扰民"),
     ("{park}周边工地夜间施工噪音大，影响企业员工宿舍休息。",),
     ("已责令施工单位严格遵守夜间施工规定，现已停止夜间高噪声作业。",)),
]

# appeal type → weight among new appeals; source → weight
TYPE_WEIGHTS = {"policy_consultation": 30, "consultation": 26, "complaint": 20, "suggestion": 7, "report": 5, "other": 12}
SOURCE_WEIGHTS = {"hotline": 56, "platform": 24, "counter": 10, "visit": 7, "other": 3}
TYPE_LIMIT = {"policy_consultation": 1, "consultation": 3, "suggestion": 3, "complaint": 5, "report": 5, "other": 5}
TYPE_LABEL = {"policy_consultation": "政策咨询", "consultation": "咨询求助", "suggestion": "建议", "complaint": "投诉",
              "report": "举报", "other": "其他"}
SOURCE_LABEL = {"hotline": "12345热线", "platform": "企服平台", "counter": "窗口", "visit": "走访", "other": "其他"}
_OPENERS = {
    "hotline": ("来电反映：", "企业负责人来电称：", "来电人系企业工作人员，反映："),
    "platform": ("企业通过企服平台留言：", "平台留言："),
    "counter": ("企业到窗口反映：", "窗口受理："),
    "visit": ("走访中企业反映：", "“万人助万企”走访中企业提出："),
    "other": ("企业通过信函反映：", "其他渠道转来："),
}
SAT_LABEL = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意", "unreachable": "未联系上"}
_LEVEL_BODY = ("", "企服平台", "市营商办", "市纪委监委")
_LEVEL_NOTE = ("", "黄色预警：已超过办理期限，请尽快答复。",
               "橙色预警：市营商办督办，请于2个工作日内办结并书面说明超期原因。",
               "红色预警：市纪委监委二次督办，启动问责程序，请主要负责人督促办理。")
_EXT_REASONS = ("需现场核查并协调多个部门，申请延期", "涉及历史遗留问题，需进一步调查取证", "需等待上级部门答复意见",
                "需组织专家论证，申请延长办理时限")
_FU_NOTES = {"satisfied": "企业对办理结果表示满意", "basically_satisfied": "企业认可答复，希望后续加快进度",
             "unsatisfied": "企业认为问题未实际解决", "unreachable": "电话无人接听"}

# ---------------------------------------------------------------- the directory

# Well-known names of the demo city (invented): the first enterprises, so the
# skewed draw of tickets gives them long histories; every prescribed ticket of
# the warning panel belongs to one of them, so their pages show every status.
# (name, industry, district)
FAMOUS: list[tuple[str, str, str]] = [
    ("徐州恒瑞重工机械有限公司", "工程机械", "徐州经济技术开发区"),
    ("江苏汉源新能源科技有限公司", "新能源", "邳州市"),
    ("徐州彭城食品有限公司", "食品加工", "铜山区"),
    ("徐州淮海供应链管理有限公司", "物流", "泉山区"),
    ("江苏楚润生物医药科技有限公司", "医药", "徐州高新技术产业开发区"),
    ("徐州云龙湖酒店管理有限公司", "餐饮", "云龙区"),
]
# Records the center once made twice: (index in FAMOUS, the name a caller gave
# without a USCC, days after the start it was created, days before now it was
# merged into the real record).  Tickets in between carry that name.
DUPLICATE_RECORDS = [(0, "徐州恒瑞重工机械公司", 60, 75), (2, "彭城食品厂", 150, 20)]
_POSITIONS = ("财务负责人", "行政主管", "人事经理", "办公室主任", "法务专员", "项目经理", "总经理助理", "安全主管")
_EDIT_NOTES = (("contact_phone", "企业更换联系电话"), ("industry", "核实主营业务后修改行业"), ("note", "补充企业备注"))
_ENTERPRISE_NOTES = ("省级专精特新中小企业", "规上工业企业，重点服务对象", "拟上市后备企业", "市重大产业项目承建单位",
                     "高新技术企业")
# enterprises first met elsewhere than in a ticket, by first source: how many
LATE_RECORDS = {"visit": 12, "feedback": 4, "manual": 3}
# policy feedback (政策反馈) texts by satisfaction
_FEEDBACK_TEXT = {
    "satisfied": ("政策兑现及时，申报流程简便", "免申即享，资金已到账", "解读清楚，工作人员主动上门辅导"),
    "basically_satisfied": ("政策有帮助，但申报材料偏多", "资金到账时间比预期晚", "希望申报系统操作更简便"),
    "unsatisfied": ("区里落实时又增加了证明材料，和市里政策口径不一致", "申请后两个月无人联系，资金迟迟未到"),
}

# ---------------------------------------------------------------- associations

# association code → the industries its members come from (first is the core)
ASSOCIATION_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "gcjx": ("工程机械", "汽车零部件"), "wl": ("物流",), "rjxx": ("软件", "电子信息"), "sp": ("食品加工", "农业合作社"),
    "jzy": ("建筑", "建材"), "yy": ("医药",), "wstz": ("商贸", "电子信息", "汽车零部件"), "xny": ("新能源",),
    "zxqy": ("商贸", "餐饮", "纺织服装", "个体餐饮"), "jcdl": ("电子信息",), "yj": ("工程机械", "建材"),
    "dzsw": ("商贸", "软件"), "fdc": ("建筑",), "xcl": ("化工", "新能源"), "my": ("木业家具", "建材"),
    "ly": ("餐饮", "个体餐饮"),
}
# the association whose subscriptions staff edited in the console, and how
# (in data/categories.toml order, as the console saves them)
EDITED_ASSOCIATION = ("wl", ["财税金融", "产业发展", "用地用房与基础设施", "绿色低碳与安全生产"])
MARKUP_MEMBER_OF = "zxqy"

# ---------------------------------------------------------------- joint handling (会商会办)

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
_NEVER = 1 << 40  # a part that is not sent in within the story
_PART_TEXTS = (
    "经核查，涉及本单位职责的部分已落实：{what}，相关材料已送主办单位。",
    "本单位已派员现场核实，{what}，意见已反馈主办单位统一答复企业。",
    "已按职责完成协办事项：{what}，建议主办单位一并告知企业办理进度。",
)
_PART_WHAT = ("已约谈相关责任单位并明确整改时限", "已调取相关审批和资金拨付记录", "已联系企业负责人了解诉求细节",
              "已对照政策条款出具书面意见", "已安排专人跟踪后续落实")
_CONSULT_PLACES = ("市企业服务中心三楼会商室", "市政务服务中心二楼会议室", "{lead}小会议室", "企业现场")
_CONSULT_CONCLUSIONS = (
    "明确由{lead}牵头、{parts}配合，{days}个工作日内形成处理意见并统一答复企业。",
    "各单位对诉求事实无异议；{lead}负责与企业沟通，{parts}按职责分工落实，办理结果报中心备案。",
    "会商认为诉求合理，{parts}先行提供相关材料，{lead}汇总后书面答复企业，中心跟踪回访。",
)

# ---------------------------------------------------------------- outreach (十百千万)

# towns and sub-districts per district: where stations (驿站) and visits go
TOWNS: dict[str, tuple[str, ...]] = {
    "铜山区": ("柳新镇", "马坡镇", "郑集镇", "柳泉镇", "利国镇", "单集镇", "大彭镇", "棠张镇", "张集镇", "房村镇", "伊庄镇", "大许镇", "茅村镇"),
    "邳州市": ("官湖镇", "碾庄镇", "铁富镇", "港上镇", "邹庄镇", "八义集镇", "土山镇", "岔河镇", "四户镇", "宿羊山镇", "赵墩镇", "新河镇"),
    "新沂市": ("窑湾镇", "棋盘镇", "马陵山镇", "新店镇", "瓦窑镇", "港头镇", "合沟镇", "草桥镇", "阿湖镇", "邵店镇", "时集镇", "高流镇"),
    "睢宁县": ("沙集镇", "双沟镇", "凌城镇", "官山镇", "古邳镇", "姚集镇", "魏集镇", "梁集镇", "庆安镇", "岚山镇", "李集镇"),
    "沛县": ("龙固镇", "胡寨镇", "杨屯镇", "张庄镇", "鹿楼镇", "朱寨镇", "敬安镇", "河口镇", "栖山镇", "魏庙镇", "五段镇"),
    "丰县": ("华山镇", "首羡镇", "顺河镇", "常店镇", "欢口镇", "师寨镇", "宋楼镇", "大沙河镇", "王沟镇", "梁寨镇"),
    "贾汪区": ("大吴街道", "青山泉镇", "潘安湖街道", "紫庄镇", "塔山镇", "汴塘镇", "江庄镇"),
    "鼓楼区": ("环城街道", "丰财街道", "牌楼街道", "琵琶街道", "九里街道"),
    "云龙区": ("大郭庄街道", "翠屏山街道", "黄山街道", "骆驼山街道", "彭城街道"),
    "泉山区": ("七里沟街道", "段庄街道", "王陵街道", "湖滨街道", "金山街道", "翟山街道"),
    "徐州经济技术开发区": ("金山桥街道", "大庙街道", "徐庄镇", "大黄山街道", "金龙湖街道", "东环街道"),
    "徐州高新技术产业开发区": ("汉王镇", "拾屯街道"),
}
# the share of each kind's yearly target done by now: around or a little behind pace
OUTREACH_PACE = {"joint_event": 1.0, "station": 0.92, "visit": 0.94, "cards": 0.95}
# relative busyness per calendar month (January and February: the Spring Festival)
MONTH_RHYTHM = (0.6, 0.35, 1.1, 1.2, 1.1, 1.1, 0.8, 0.7, 1.1, 0.8, 1.2, 0.9)
VISIT_LINK_SHARE = 0.35  # of visit-source appeals taken on a logged visit (at most 3 per visit)
MARKUP_PLACE = "[b]张集镇[/b]企业服务站[/]"
_JOINT_EVENT_TITLES = ("“政企面对面”惠企政策宣讲会", "“万人助万企”联合服务日", "稳岗扩岗政策进园区专场", "涉企政策“一站式”服务集市",
                       "知识产权与融资对接专场")
_STATION_NOTES = ("驿站坐班，现场解答政策咨询", "发放企服平台和12345联系卡", "收集企业诉求并现场登记", "讲解惠企政策“免申即享”清单")
_VISIT_NOTES = ("了解企业生产经营情况和用工需求", "走访了解融资和用地需求", "宣传企服平台，指导企业注册使用", "送政策上门，解读稳岗返还政策")
_CARDS_TARGETS = ("新登记企业", "规上工业企业", "个体工商户集中区", "外贸企业", "专精特新企业")
_OUTREACH_DEPTS = ("市人社局", "市税务局", "市工信局", "市市场监管局", "市商务局", "市科技局", "市行政审批局", "人民银行徐州市分行",
                   "市地方金融局", "市自然资源和规划局", "徐州供电公司", "市医保局")


# ---------------------------------------------------------------- the calendar as lists


class _Days:
    """The store's calendar from ``first`` to ``last`` as lists indexed by day number.

    Built once from ``WorkCalendar`` (a few hundred look-ups), so the per-ticket
    work is list indexing: ``add_wd(i, n)`` is ``WorkCalendar.add_workdays``.
    """

    def __init__(self, cal: Any, first: dt.date, last: dt.date) -> None:
        n = (last - first).days + 1
        self.first = first
        self.dates = [first + dt.timedelta(days=i) for i in range(n)]
        self.iso = [d.isoformat() for d in self.dates]
        self.prefix = [s + "T" for s in self.iso]
        self.workday = [cal.is_workday(d) for d in self.dates]
        num = [cal.number(d) for d in self.dates]
        base = num[0] - (1 if self.workday[0] else 0)
        self.numr = [k - base - 1 for k in num]  # index into wd_list of the latest working day ≤ day
        self.num = num
        self.wd_list = [i for i in range(n) if self.workday[i]]
        prov = 0
        self.prov: list[int] = []
        for d in self.dates:
            prov += cal.is_provisional(d)
            self.prov.append(prov)

    def add_wd(self, i: int, n: int) -> int:
        return self.wd_list[self.numr[i] + n]


# rows of one batch: tickets, events, supervisions, supporting parts, consultations
Batch = tuple[list[tuple], list[tuple], list[tuple], list[tuple], list[tuple]]


class _Cut(Exception):
    """The ticket's story stops here (its next step lies after ``now``, or it is stuck)."""


_CUT = _Cut()


# ---------------------------------------------------------------- the generator


class _Generator:
    """Plans days, enterprises and tickets; yields batches of row tuples."""

    def __init__(self, store: Store, now: dt.datetime, tickets: int, seed: int = SEED) -> None:
        self.store = store
        self.now = now
        self.total = max(0, int(tickets))
        self.rnd = random.Random(seed)
        cal = store.calendar()
        self.today = now.date()
        self.first = (now - relativedelta(months=HISTORY_MONTHS)).date()
        self.D = _Days(cal, self.first, self.today + dt.timedelta(days=150))
        self.T = (self.today - self.first).days
        self.now_t = self.T * 86400 + now.hour * 3600 + now.minute * 60 + now.second
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+08:00" for s in range(86400)]
        self.depts = {d.short_name: d.id for d in store.departments(include_inactive=True)}
        self.dept_codes = {d.short_name: d.code for d in store.departments(include_inactive=True)}
        self.knowledge = store.loader.knowledge_refs()
        self.created_at = self.ts(0)
        self._pools()
        self._fns = self._time_helpers()
        # filled by the planners (enterprises, outreach, associations) before the tickets
        self.variants: dict[int, tuple[int, str, str, str]] = {}  # real record → (from, name, contact, phone)
        self.ent_log: list[tuple[int, int, str, str, str, Any]] = []  # records' history lines, by time later
        self.visits_by_day: dict[int, list[tuple[int, str, tuple[int, ...], str]]] = {}
        self.visit_load: dict[int, int] = {}  # appeals taken so far per visit
        self.assoc_names: dict[int, str] = {}
        self.assoc_categories: dict[int, list[str]] = {}
        self.assoc_edit: tuple[str, str, str, str] | None = None
        self.usccs: set[str] = set()
        self.names: set[str] = {f[0] for f in FAMOUS} | {d[1] for d in DUPLICATE_RECORDS}

    # -- helpers ----------------------------------------------------------------------
    def ts(self, t: int) -> str:
        return self.D.prefix[t // 86400] + self.hms[t % 86400]

    def person(self) -> str:
        r = self.rnd
        return SURNAMES[int(r.random() * len(SURNAMES))] + GIVEN[int(r.random() * len(GIVEN))]

    def mobile(self) -> str:
        r = self.rnd
        return _MOBILE_PREFIX[int(r.random() * len(_MOBILE_PREFIX))] + f"{int(r.random() * 100_000_000):08d}"

    def phone(self) -> str:
        r = self.rnd
        if r.random() < 0.78:
            return self.mobile()
        return f"0516-{'8' if r.random() < 0.8 else '6'}{int(r.random() * 10_000_000):07d}"

    def liaison(self, short: str) -> str:
        return FIXED_LIAISONS.get(short) or f"dept_{self.dept_codes[short]}"

    def _pools(self) -> None:
        """Everything drawn per ticket, built once: texts per topic, contacts, weights."""
        r = self.rnd

        def fill(template: str, district: str) -> str:
            out = template
            for key, values in _SLOTS.items():
                token = "{" + key + "}"
                while token in out:
                    out = out.replace(token, values[int(r.random() * len(values))], 1)
            if "{road}" in out or "{park}" in out:
                out = out.replace("{road}", r.choice(_ROADS[district])).replace("{park}", r.choice(_PARKS[district]))
            return out

        self.topics_by_type: dict[str, list[int]] = {}
        self.topic_rows = []  # per topic: (key, type, dept short or "@", titles pool, bodies pool or per-district, replies)
        districts = [d[1] for d in DISTRICTS]
        for i, (key, atype, dept, titles, bodies, replies) in enumerate(TOPICS):
            self.topics_by_type.setdefault(atype, []).append(i)
            needs_place = any("{road}" in b or "{park}" in b for b in bodies)
            if needs_place:
                pool: dict[str, list[str]] | list[str] = {
                    d: [fill(r.choice(bodies), d) for _ in range(24)] for d in districts}
            else:
                pool = [fill(r.choice(bodies), "鼓楼区") for _ in range(48)]
            tpool = [fill(r.choice(titles), "鼓楼区") for _ in range(16)]
            rpool = [fill(r.choice(replies), "鼓楼区") for _ in range(16)]
            self.topic_rows.append((key, atype, dept, tpool, pool, rpool))
        self.type_cum = _cumulative(TYPE_WEIGHTS)
        self.source_cum = _cumulative(SOURCE_WEIGHTS)
        dept_names = [d for d in self.depts if d not in {x[2] for x in DISTRICTS}]
        self.return_targets = dept_names

    # -- enterprises ----------------------------------------------------------------
    def enterprises(self) -> None:
        """Plan the enterprise records (``ENTERPRISE_COLUMNS``, as lists that the
        other planners complete; see :meth:`finish_records`), the per-ticket
        view of each one, and their further contacts, which came with the old
        system's records."""
        r = self.rnd
        n = max(200, self.total // 20)
        dist_cum = _cumulative({i: d[3] for i, d in enumerate(DISTRICTS)})
        ind_cum = _cumulative({i: x[2] for i, x in enumerate(INDUSTRIES)})
        by_district = {d[1]: d for d in DISTRICTS}
        names = self.names
        self.ent_rows: list[list[Any]] = []
        self.ents: list[tuple[Any, ...]] = []
        self.contacts: list[list[Any]] = []  # enterprise_contacts rows, ids given
        created = self.created_at
        for eid in range(1, n + 2):
            di = _pick(dist_cum, r.random())
            code, district, county, _ = DISTRICTS[di]
            ii = _pick(ind_cum, r.random())
            industry, endings, _ = INDUSTRIES[ii]
            if eid == n + 1:  # the one whose name looks like markup: shown literally everywhere
                name, district, county, industry, code = MARKUP_ENTERPRISE, "云龙区", "云龙区", "商贸", "320303"
            elif eid <= len(FAMOUS):
                name, industry, district = FAMOUS[eid - 1]
                code, _, county, _ = by_district[district]
            else:
                for _ in range(50):
                    prefix = r.choice(_NAME_PREFIX.get(district, _DEFAULT_PREFIX))
                    a, b = r.choice(_TRADE1), r.choice(_TRADE2)
                    if a == b:
                        continue
                    trade = a + b + (r.choice(_TRADE2) if r.random() < 0.25 else "")
                    if industry == "个体餐饮":
                        name = f"{county if county.endswith(('县', '市')) else '徐州'}{trade}{r.choice(endings)}"
                    else:
                        name = f"{prefix}{trade}{r.choice(endings)}"
                    if name not in names:
                        break
                names.add(name)
            kind = "92" if industry == "个体餐饮" else "93" if industry == "农业合作社" else "91"
            uscc = self._fresh_uscc(r, kind, code)
            contact = self.person()
            phone = self.phone()
            # further contacts: other people who call for the enterprise
            extras = []
            u = r.random()
            for _ in range(2 if eid <= len(FAMOUS) else 0 if u < 0.45 else 1 if u < 0.85 else 2):
                extra = [len(self.contacts) + 1, eid, self.person(), self.phone(), r.choice(_POSITIONS), created, "导入",
                         None, None]
                self.contacts.append(extra)
                extras.append((extra[2], extra[3]))
            self.ent_rows.append([eid, name, uscc, district, industry, contact, phone, created, None, "import", "",
                                  None, "", 1])
            self.ents.append((eid, name, uscc, district, county, contact, phone, tuple(extras)))
        self.markup_ent = self.ents[-1]
        self.n_ents = n  # the markup enterprise is used only by its own scenario tickets
        self._records()

    def _fresh_uscc(self, r: random.Random, kind: str, division: str) -> str:
        """A valid USCC no record has yet."""
        while True:
            uscc = _uscc(r, kind, division)
            if uscc not in self.usccs:
                self.usccs.add(uscc)
                return uscc

    def _fresh_name(self, r: random.Random, endings: tuple[str, ...]) -> str:
        """A name no record has yet (a later record is another enterprise)."""
        while True:
            name = f"徐州{r.choice(_TRADE1)}{r.choice(_TRADE2)}{r.choice(_TRADE2)}{r.choice(endings)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def _new_enterprise(self, name: str, uscc: str | None, district: str, industry: str, contact: str, phone: str,
                        t: int, source: str, by: str = "") -> int:
        """A record made later than the import (a visit, feedback, a clerk, a caller)."""
        eid = len(self.ent_rows) + 1
        self.ent_rows.append([eid, name, uscc, district, industry, contact, phone, self.ts(t), None, source, "",
                              self.ts(t) if by else None, by, 1])
        return eid

    def _office_t(self, day: int) -> int:
        """A moment in office hours on the latest working day ≤ ``day`` (inside the period)."""
        D = self.D
        d = D.wd_list[D.numr[max(1, min(day, self.T - 1))]]
        return self._fns[2](d)

    def _records(self) -> None:
        """What staff did to the records over the period, as the directory's
        store methods leave it: notes and industries edited, contacts added and
        removed, duplicate records merged.  The history lines wait in
        ``ent_log`` for the tickets (a merge lists the tickets it moved)."""
        r = self.rnd
        T = self.T
        log = self.ent_log
        for i in range(len(FAMOUS)):
            eid = i + 1
            row = self.ent_rows[i]
            actor = CITY_CLERKS[i % len(CITY_CLERKS)]
            note = _ENTERPRISE_NOTES[i % len(_ENTERPRISE_NOTES)]
            log.append((eid, self._office_t(int(T * (0.1 + 0.5 * r.random()))), actor, "edit", "修改备注",
                        {"note": ["", note]}))
            row[10] = note
            t = self._office_t(int(T * (0.3 + 0.65 * r.random())))
            cid, name, phone, pos = len(self.contacts) + 1, self.person(), self.mobile(), r.choice(_POSITIONS)
            self.contacts.append([cid, eid, name, phone, pos, self.ts(t), actor, None, None])
            log.append((eid, t, actor, "contact_add", f"{name} {phone}（{pos}）",
                        {"contact": [None, {"id": cid, "name": name, "phone": phone, "position": pos}]}))
            if i % 2 == 0:  # somebody left: the imported contact is marked removed (kept in the history)
                gone = next(c for c in self.contacts if c[1] == eid)
                t = self._office_t(int(T * (0.2 + 0.7 * r.random())))
                gone[7], gone[8] = self.ts(t), actor
                log.append((eid, t, actor, "contact_remove", f"{gone[2]} {gone[3]}",
                            {"contact": [{"id": gone[0], "name": gone[2], "phone": gone[3]}, None]}))
                e = self.ents[i]
                self.ents[i] = e[:7] + (tuple(x for x in e[7] if x != (gone[2], gone[3])),)
        # industries corrected after a check of what the enterprise really does
        swaps = {"软件": "电子信息", "电子信息": "软件", "建材": "建筑", "建筑": "建材", "化工": "新能源", "商贸": "物流"}
        for _ in range(min(40, 5 + self.n_ents // 100)):
            i = len(FAMOUS) + int(r.random() * (self.n_ents - len(FAMOUS)))
            row = self.ent_rows[i]
            new = swaps.get(row[4])
            if new is None or any(x[0] == row[0] for x in log):
                continue
            log.append((row[0], self._office_t(int(T * r.random())), SUPERVISORS[0], "edit", "修改行业",
                        {"industry": [row[4], new]}))
            row[4] = new
        # the same enterprise recorded twice (a caller gave a short name and no
        # USCC), merged into the real record later
        for fi, variant, made, merged_ago in DUPLICATE_RECORDS:
            if made >= T - merged_ago:
                continue
            keep = self.ent_rows[fi]
            t_made, t_merge = self._office_t(made), self._office_t(T - merged_ago)
            name, phone = self.person(), self.mobile()
            drop = self._new_enterprise(variant, None, keep[3], keep[4], name, phone, t_made, "ticket")
            cid = len(self.contacts) + 1
            self.contacts.append([cid, keep[0], name, phone, "", self.ts(t_merge), SUPERVISORS[0], None, None])
            self.variants[keep[0]] = (t_made, variant, name, phone)
            log.append((keep[0], t_merge, SUPERVISORS[0], "merge_in", f"并入重复档案 #{drop}“{variant}”",
                        ("moved", drop, variant, cid)))
            log.append((drop, t_merge, SUPERVISORS[0], "merged", f"并入档案 #{keep[0]}“{keep[1]}”",
                        {"merged_into": [None, keep[0]]}))
            self.ent_rows[drop - 1][8] = keep[0]
        # typed in by a clerk (手工建档): complete records, no history line
        for _ in range(LATE_RECORDS["manual"]):
            code, district, _, _ = DISTRICTS[int(r.random() * len(DISTRICTS))]
            industry, endings, _ = INDUSTRIES[int(r.random() * 15)]
            self._new_enterprise(self._fresh_name(r, endings), self._fresh_uscc(r, "91", code), district, industry,
                                 self.person(), self.mobile(), self._office_t(int(T * (0.3 + 0.7 * r.random()))),
                                 "manual", by=CITY_CLERKS[int(r.random() * len(CITY_CLERKS))])

    def finish_records(self) -> list[list[Any]]:
        """The enterprise rows, each edited record with its version and last
        change from its history (call after every planner)."""
        last: dict[int, tuple[int, str]] = {}
        count: dict[int, int] = {}
        for eid, t, actor, *_ in self.ent_log:
            count[eid] = count.get(eid, 0) + 1
            if eid not in last or t >= last[eid][0]:
                last[eid] = (t, actor)
        for eid, n in count.items():
            row = self.ent_rows[eid - 1]
            row[11], row[12], row[13] = self.ts(last[eid][0]), last[eid][1], 1 + n
        return self.ent_rows

    def enterprise_events(self, moved_tickets: Callable[[int, str, str], list[int]]) -> list[tuple[Any, ...]]:
        """The records' history lines in time order; ``moved_tickets(enterprise,
        name, before)`` gives the tickets a merge moved (those the duplicate
        record had: its name, before the merge)."""
        out = []
        for eid, t, actor, action, note, changes in sorted(self.ent_log, key=lambda x: (x[1], x[0])):
            if isinstance(changes, tuple):  # a merge: what moved is known once the tickets are in
                _, drop, variant, cid = changes
                moved = {"tickets": moved_tickets(eid, variant, self.ts(t)), "contacts": [cid], "feedback": [],
                         "records": [], "memberships": [], "visits": []}
                changes = {"merged_from": [None, drop], "moved": moved}
            out.append((eid, self.ts(t), actor, action, note, json.dumps(changes, ensure_ascii=False)))
        return out

    # -- associations, pushes and feedback ------------------------------------------------
    def associations(self, refs: list[tuple[int, str, str, str]]) -> dict[str, list[tuple[Any, ...]]]:
        """Members per association from its industries (15–80 each), the
        members who joined during the period with their history lines, one
        member removed, and one association whose subscriptions staff edited."""
        r = random.Random(SEED + 3)
        by_industry: dict[str, list[int]] = {}
        for i in range(self.n_ents):
            by_industry.setdefault(self.ent_rows[i][4], []).append(i + 1)
        members: list[tuple[Any, ...]] = []
        events: list[tuple[int, int, str, str, str, dict[str, Any]]] = []
        self.assoc_names = {aid: name for aid, _, name, _ in refs}
        self.assoc_categories = {aid: json.loads(cats) for aid, _, _, cats in refs}
        for aid, code, name, _ in refs:
            inds = ASSOCIATION_INDUSTRIES.get(code, ())
            core = list(by_industry.get(inds[0], [])) if inds else []
            more = [e for ind in inds[1:] for e in by_industry.get(ind, [])]
            r.shuffle(core)
            r.shuffle(more)
            want = max(15, min(80, int(len(core) * (0.25 + 0.3 * r.random()))))
            chosen = list(dict.fromkeys(core[:want] + more))[:want]
            if len(chosen) < 15:  # a small demo: the rest from any industry
                taken = set(chosen)
                rest = [e for e in range(len(FAMOUS) + 1, self.n_ents + 1) if e not in taken]
                chosen += r.sample(rest, 15 - len(chosen))
            if code == MARKUP_MEMBER_OF:
                chosen.append(self.markup_ent[0])
            for eid in chosen:
                row = self.ent_rows[eid - 1]
                if r.random() < 0.85:
                    members.append((aid, eid, self.created_at, "导入"))
                    continue
                t = self._office_t(int(self.T * r.random()))
                actor = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
                members.append((aid, eid, self.ts(t), actor))
                events.append((aid, t, actor, "member_add", f"新增会员 {row[1]}",
                               {"enterprise_id": eid, "name": row[1], "uscc": row[2]}))
        # a member that closed its local branch was taken off the list (the row goes, the history stays)
        at = next(i for i in range(len(members) // 2, len(members))
                  if members[i][3] == "导入" and members[i][1] != self.markup_ent[0])
        gone = members.pop(at)
        row = self.ent_rows[gone[1] - 1]
        t = self._office_t(self.T - 40)
        events.append((gone[0], t, SUPERVISORS[0], "member_remove", f"移除会员 {row[1]}：企业已注销本地分支机构",
                       {"enterprise_id": row[0], "name": row[1], "uscc": row[2], "joined_at": gone[2],
                        "added_by": gone[3]}))
        code, cats = EDITED_ASSOCIATION
        edited = next(((aid, json.loads(c)) for aid, k, _, c in refs if k == code), None)
        if edited is not None:
            t = self._office_t(self.T - 25)
            old = edited[1]
            events.append((edited[0], t, SUPERVISORS[0], "subscriptions", f"订阅：{'、'.join(old)} → {'、'.join(cats)}",
                           {"categories": [old, cats]}))
            self.assoc_edit = (code, json.dumps(cats, ensure_ascii=False), self.ts(t), SUPERVISORS[0])
            self.assoc_categories[edited[0]] = cats
        events.sort(key=lambda e: e[1])
        return {"association_members": members,
                "association_events": [(a, self.ts(t), who, act, note, json.dumps(ch, ensure_ascii=False))
                                       for a, t, who, act, note, ch in events]}

    def policy_activity(self, policies: list[tuple[int, str, str, str | None, str | None]]) -> dict[str, list[tuple]]:
        """Pushes of published policies to the associations subscribed to their
        category and to single enterprises, and the enterprises' feedback on
        them, each with its line in the policy's history (as the store writes it)."""
        r = random.Random(SEED + 4)
        D, T = self.D, self.T
        first = D.iso[0]
        live = [p for p in policies if p[3] and first <= p[3] <= D.iso[T - 1]]
        pushes, ent_pushes, feedback, events = [], [], [], []
        if not live:
            return {"policy_pushes": [], "enterprise_pushes": [], "policy_feedback": [], "policy_events": []}

        def day_of(iso: str) -> int:
            return (dt.date.fromisoformat(iso) - D.first).days

        def after(p: tuple[Any, ...], lo: int = 1, hi: int = 30) -> int | None:
            """A moment some working days after the policy was published (before it ran out, before now)."""
            d = D.add_wd(day_of(p[3]), lo + int(r.random() * (hi - lo + 1)))
            end = min(T - 1, day_of(p[4]) if p[4] and p[4] < D.iso[T] else T - 1)
            return self._fns[2](d) if d <= end else None

        for p in live:
            subscribed = [a for a, cats in self.assoc_categories.items() if p[2] in cats]
            if subscribed and r.random() < 0.6:
                t = after(p, 1, 5)
                if t is not None:
                    who = SUPERVISORS[int(r.random() * 2)]
                    pushes += [(p[0], a, self.ts(t), who, "") for a in subscribed]
                    events.append((t, p[0], who, "push", f"推送至 {'、'.join(self.assoc_names[a] for a in subscribed)}"))
        # single enterprises: the well-known ones often, a few others once
        targets = [e for e in range(1, len(FAMOUS) + 1) for _ in range(4 + int(r.random() * 5))]
        targets += [e for e in range(len(FAMOUS) + 1, self.n_ents + 1) if r.random() < 0.03]
        for eid in targets:
            p = live[int(r.random() * len(live))]
            t = after(p)
            if t is None:
                continue
            who = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
            note = "" if r.random() < 0.6 else "企业来电咨询后定向推送"
            row = self.ent_rows[eid - 1]
            ent_pushes.append((t, p[0], eid, who, note))
            events.append((t, p[0], who, "push", f"推送至企业“{row[1]}”（#{eid}）" + (f"：{note}" if note else "")))
        # feedback (政策反馈): the well-known ones, a few others, and a few enterprises met here first
        givers = [e for e in range(1, len(FAMOUS) + 1) for _ in range(1 + int(r.random() * 3))]
        givers += [e for e in range(len(FAMOUS) + 1, self.n_ents + 1) if r.random() < 0.01]
        givers += [0] * LATE_RECORDS["feedback"]
        county_depts = [self.depts[d[2]] for d in DISTRICTS]
        for eid in givers:
            p = live[int(r.random() * len(live))]
            t = after(p, 3, 40)
            if t is None:
                continue
            u = r.random()
            sat = "satisfied" if u < 0.62 else "basically_satisfied" if u < 0.87 else "unsatisfied"
            complaint = sat == "unsatisfied" and r.random() < 0.6
            who = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
            if eid == 0:
                di = DISTRICTS[int(r.random() * len(DISTRICTS))]
                ind = INDUSTRIES[int(r.random() * 15)]
                name = self._fresh_name(r, ind[1])
                uscc = self._fresh_uscc(r, "91", di[0]) if r.random() < 0.7 else None
                eid = self._new_enterprise(name, uscc, "", "", "", "", t, "feedback")
                # a clerk completes the record the survey left bare
                t_edit = t + 3600
                self.ent_rows[eid - 1][3], self.ent_rows[eid - 1][4] = di[1], ind[0]
                self.ent_log.append((eid, t_edit, who, "edit", "修改所属区域、行业",
                                     {"district": ["", di[1]], "industry": ["", ind[0]]}))
            row = self.ent_rows[eid - 1]
            topic = FEEDBACK_TOPICS[int(r.random() * len(FEEDBACK_TOPICS))]
            text = r.choice(_FEEDBACK_TEXT[sat])
            dept = county_depts[int(r.random() * len(county_depts))] if complaint else None
            feedback.append((t, p[0], row[1], row[2], topic, sat, text, int(complaint), dept, who, eid))
            events.append((t, p[0], who, "feedback", f"{row[1]}：{topic}·{FEEDBACK_SATISFACTION[sat]}"
                                                     f"{'·投诉落实不到位' if complaint else ''}"))
        ent_pushes.sort()
        feedback.sort(key=lambda f: f[0])
        events.sort(key=lambda e: e[0])
        return {
            "policy_pushes": sorted(pushes, key=lambda x: x[2]),
            "enterprise_pushes": [(p, e, self.ts(t), who, note) for t, p, e, who, note in ent_pushes],
            "policy_feedback": [(p, name, uscc, topic, sat, text, c, dept, self.ts(t), who, eid)
                                for t, p, name, uscc, topic, sat, text, c, dept, who, eid in feedback],
            "policy_events": [(p, self.ts(t), who, action, note, "{}") for t, p, who, action, note in events],
        }

    # -- outreach (十百千万) ------------------------------------------------------------
    def outreach(self) -> dict[str, list[tuple[Any, ...]]]:
        """The plan for this year and last, and twelve months of activities up to
        yesterday: joint service events, town and park stations, enterprise
        visits and card mailings, around or a little behind the pace of the
        targets, on working days only (none in the Spring Festival holiday),
        busier in spring and autumn.  One visit is voided as a duplicate entry.
        Keeps the visits per day, for appeals taken on them."""
        r = random.Random(SEED + 5)
        D, T = self.D, self.T
        on_day = self._fns[2]
        start = (self.today.replace(day=1) - relativedelta(months=11))
        first_day = max(1, (start - D.first).days)
        days = [d for d in range(first_day, T) if D.workday[d]]
        if not days:
            return {"outreach_plans": [], "outreach_activities": [], "outreach_enterprises": []}
        targets = {"joint_event": 10, "station": 100, "visit": 1000, "cards": 10000}
        by_year: dict[int, list[int]] = {}
        for d in days:
            by_year.setdefault(D.dates[d].year, []).append(d)
        # the plan: the launch year's targets are the months it ran, set on launch;
        # this year's the defaults, confirmed on the first working day
        plans = []
        for year, pool in sorted(by_year.items()):
            part = 1.0 if year == self.today.year else len({D.dates[d].month for d in pool}) / 12
            at = self.ts(on_day(D.wd_list[D.numr[pool[0]] - (year != self.today.year)]))
            plans += [(year, k, round(v * part), at, SUPERVISORS[0]) for k, v in targets.items()]
        local = [e for e in self.ents[len(FAMOUS):self.n_ents]]
        by_district: dict[str, list[int]] = {}
        for e in local:
            by_district.setdefault(e[3], []).append(e[0])
        county_of = {CENTER_OF[c]: (d, c) for d, c in COUNTY_CLERKS.items()}
        city_names = [STAFF_NAME[x] for x in CITY_CLERKS + SUPERVISORS]
        dept_ids = [self.depts[x] for x in _OUTREACH_DEPTS if x in self.depts]
        acts: list[dict[str, Any]] = []

        def pick_days(pool: list[int], n: int) -> list[int]:
            weights = [MONTH_RHYTHM[D.dates[d].month - 1] for d in pool]
            return sorted(r.choices(pool, weights, k=n)) if n > 0 else []

        def crew(center: str) -> tuple[str, str]:
            """(recorded by, staff present) for an activity of ``center``."""
            if center == CITY_CENTER:
                who = CITY_CLERKS[int(r.random() * len(CITY_CLERKS))]
                return who, "、".join(dict.fromkeys([STAFF_NAME[who], r.choice(city_names)]))
            login = next(c for d, c in COUNTY_CLERKS.items() if CENTER_OF[c] == center)
            return login, f"{STAFF_NAME[login]}、{self.person()}"

        def place_in(district: str) -> str:
            spots = TOWNS.get(district, ()) + _PARKS.get(district, ())
            return r.choice(spots)

        for year, pool in sorted(by_year.items()):
            # this year a little behind pace; the launch months (last year) done as planned
            this_year = year == self.today.year
            share = year_elapsed(year, self.today) if this_year else len({D.dates[d].month for d in pool}) / 12
            pace = OUTREACH_PACE if this_year else dict.fromkeys(OUTREACH_PACE, 1.0)
            # joint service events: the city center with many departments
            for d in pick_days(pool, round(targets["joint_event"] * share * pace["joint_event"])):
                district = r.choice(list(_PARKS))
                who, staff = crew(CITY_CENTER)
                acts.append(dict(day=d, kind="joint_event", place=f"{r.choice(_PARKS[district])}管委会",
                                 center=CITY_CENTER,
                                 depts=r.sample(dept_ids, min(len(dept_ids), 6 + int(r.random() * 5))),
                                 staff=staff, reached=40 + int(r.random() * 80), cards=80 + int(r.random() * 120),
                                 note=r.choice(_JOINT_EVENT_TITLES), by=who, ents=()))
            # stations: distinct towns and parks (each counts once a year), some visited again
            spots = [(dist, s) for dist in TOWNS for s in TOWNS[dist] + _PARKS.get(dist, ())]
            r.shuffle(spots)
            n_places = round(targets["station"] * share * pace["station"])
            visits = [spots[i % len(spots)] for i in range(n_places)]
            visits += [r.choice(visits) for _ in range(n_places // 4)] if visits else []
            for d, (district, spot) in zip(pick_days(pool, len(visits)), visits):
                county = COUNTY_CLERKS.get(district)
                center = CENTER_OF[county] if county is not None and r.random() < 0.7 else CITY_CENTER
                who, staff = crew(center)
                near = by_district.get(district, [])
                linked = tuple(r.sample(near, min(len(near), int(r.random() * 3))))
                acts.append(dict(day=d, kind="station", place=f"{spot}企业服务站", center=center,
                                 depts=r.sample(dept_ids, 2 + int(r.random() * 3)), staff=staff,
                                 reached=len(linked) + 5 + int(r.random() * 20), cards=10 + int(r.random() * 20),
                                 note=r.choice(_STATION_NOTES), by=who, ents=linked))
            # visits: enterprises reached, mostly one per visit
            goal = round(targets["visit"] * share * pace["visit"])
            reached = 0
            plan: list[tuple[int, ...]] = []
            while reached < goal:
                k = min(goal - reached, 1 if r.random() < 0.8 else 2 if r.random() < 0.75 else 3)
                plan.append(tuple(range(k)))
                reached += k
            for d, slots in zip(pick_days(pool, len(plan)), plan):
                center = CITY_CENTER
                district = r.choice(list(by_district))
                if r.random() < 0.4:
                    district, login = r.choice(list(COUNTY_CLERKS.items()))
                    center = CENTER_OF[login]
                near = by_district.get(district) or [e[0] for e in local]
                linked = tuple(r.sample(near, min(len(near), len(slots))))
                who, staff = crew(center)
                acts.append(dict(day=d, kind="visit", place=place_in(district), center=center,
                                 depts=r.sample(dept_ids, int(r.random() * 3)), staff=staff, reached=len(linked),
                                 cards=1 + int(r.random() * 3), note=r.choice(_VISIT_NOTES), by=who, ents=linked))
            # card mailings make up the rest of the cards
            cards = round(targets["cards"] * share * pace["cards"])
            rest = cards - sum(a["cards"] for a in acts if D.dates[a["day"]].year == year)
            n_mail = max(1, round(rest / 450))
            for i, d in enumerate(pick_days(pool, n_mail)):
                size = max(100, rest // n_mail + (rest % n_mail if i == 0 else 0))
                who, staff = crew(CITY_CENTER)
                district = r.choice(list(TOWNS))
                acts.append(dict(day=d, kind="cards", place=f"邮寄：{district}{r.choice(_CARDS_TARGETS)}",
                                 center=CITY_CENTER, depts=[], staff=staff, reached=0, cards=size,
                                 note="寄送企服平台和12345联系卡、惠企政策明白纸", by=who, ents=()))
        # enterprises first met on a visit: a new record, completed by the clerk the next working day
        visits = [a for a in acts if a["kind"] == "visit"]
        this_year = [a for a in visits if D.dates[a["day"]].year == self.today.year]
        for a in r.sample(this_year, min(len(this_year), LATE_RECORDS["visit"])):
            ind = INDUSTRIES[int(r.random() * 15)]
            name = self._fresh_name(r, ind[1])
            district = next((d for d, c in COUNTY_CLERKS.items() if CENTER_OF[c] == a["center"]),
                            r.choice(list(TOWNS)))
            a["rec"] = _visit_logged(a["day"], r)
            eid = self._new_enterprise(name, None, "", "", "", "", a["rec"], "visit")
            self.ent_rows[eid - 1][3], self.ent_rows[eid - 1][4] = district, ind[0]
            self.ent_log.append((eid, on_day(D.add_wd(a["day"], 1)), a["by"], "edit", "修改所属区域、行业",
                                 {"district": ["", district], "industry": ["", ind[0]]}))
            a["new"] = eid
            a["reached"] += 1
        # literal safety: a place typed with markup-looking characters
        stations = [a for a in acts if a["kind"] == "station"]
        if stations:
            stations[len(stations) // 2]["place"] = MARKUP_PLACE
        # a visit entered twice by mistake, voided by a supervisor
        if visits:
            original = visits[len(visits) // 3]
            acts.append(dict(original, void=original))
        acts.sort(key=lambda a: (a["day"], a["kind"], a["place"]))
        ids = {id(a): aid for aid, a in enumerate(acts, 1)}
        rows, links = [], []
        for aid, a in enumerate(acts, 1):
            d = a["day"]
            if a["kind"] == "visit":
                rec = a.get("rec") or _visit_logged(d, r)
            else:
                rec = on_day(d) if r.random() < 0.3 else d * 86400 + 61200 + int(r.random() * 3600)
            voided = (self.ts(on_day(D.add_wd(d, 1))), SUPERVISORS[0], f"重复登记：与 #{ids[id(a['void'])]} 为同一次走访") \
                if a.get("void") else (None, None, "")
            rows.append((aid, D.iso[d], a["kind"], a["place"], a["center"], json.dumps(a["depts"]), a["staff"],
                         a["reached"], a["cards"], a["note"], self.ts(rec), a["by"], *voided))
            ents = a["ents"] + ((a["new"],) if "new" in a else ())
            links += [(aid, e) for e in dict.fromkeys(ents)]
            if a["kind"] == "visit" and not a.get("void") and a["ents"]:
                label = f"（走访 #{aid} {D.iso[d]} {a['place']}）"
                self.visits_by_day.setdefault(d, []).append((aid, a["by"], a["ents"], label))
        return {"outreach_plans": plans, "outreach_activities": rows, "outreach_enterprises": links}

    # -- the day plan ---------------------------------------------------------------------
    def _day_counts(self, n: int) -> list[int]:
        """Tickets per day, growing over the period, fewer on rest days."""
        D, T = self.D, self.T
        weights = []
        for i in range(T + 1):
            w = (1.0 if D.workday[i] else 0.28) * (0.7 + 0.6 * i / max(T, 1))
            if i == T:
                w *= max(self.now_t - T * 86400, 0) / 86400
            weights.append(w)
        total = sum(weights) or 1.0
        exact = [n * w / total for w in weights]
        counts = [int(x) for x in exact]
        rest = n - sum(counts)
        order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in order[:rest]:
            counts[i] += 1
        return counts

    def _scenarios(self) -> list[dict[str, Any]]:
        """Tickets whose state at ``now`` is prescribed, so every status, every
        warning level and every notice of the warning panel is present."""
        D, T = self.D, self.T
        today_wd = D.numr[T]  # index of the latest working day ≤ today in wd_list
        depts = ("市人社局", "市税务局", "市住建局")
        out: list[dict[str, Any]] = []

        def wd_back(k: int) -> int:
            return D.wd_list[today_wd - k]

        def add(n: int, **spec: Any) -> None:
            for _ in range(n):
                spec = dict(spec)
                spec.setdefault("dept", depts[len(out) % 3])
                out.append(spec)

        now_sec = self.now_t - T * 86400
        add(2, want="new", day=T, sec=max(0, now_sec - 600 - 1200 * len(out)), stop="dispatch")
        add(2, want="new", day=wd_back(3), sec=15 * 3600, stop="dispatch")  # not dispatched by the next working day
        add(2, want="dispatched", due_off=4, stop="sign", level=0)  # dispatched yesterday, still in time
        add(2, want="dispatched", due_off=2, stop="sign", level=0)  # unsigned past 1 working day
        add(1, want="dispatched", due_off=-6, stop="sign", level=3)
        add(2, want="signed", due_off=2, stop="reply", level=0)
        if D.workday[T]:
            add(2, want="signed", due_off=0, stop="reply", level=0, due_today=True)
        add(1, want="signed", due_off=-1, stop="reply", level=1)
        add(1, want="signed", due_off=-2, stop="reply", level=1)
        add(1, want="signed", due_off=-3, stop="reply", level=2)
        add(1, want="signed", due_off=-4, stop="reply", level=2, confidential=True)
        add(1, want="signed", due_off=-6, stop="reply", level=3)
        add(1, want="signed", due_off=-12, stop="reply", level=3)
        add(2, want="signed", due_off=1, stop="reply", level=0, pending_ext=True)
        add(2, want="signed", due_off=1, stop="reply", level=0, pending_ret=True)
        add(2, want="returned", due_off=4, early_return=True, stop="redispatch")
        add(2, want="replied", due_off=1, stop="followup", reply_by=1)
        add(2, want="reopened", due_off=-3, unsat=True, stop="sign2")
        add(1, want="signed", due_off=1, stop="reply", level=0, markup=True, dept="@")
        add(1, want="closed", due_off=-40, markup=True, dept="@")
        add(2, want="closed", due_off=-8)
        # joint cases: a supporting part late and still open now (a notice), one still in time
        add(1, want="signed", due_off=-1, stop="reply", level=1, joint="late", dept="市住建局")
        add(1, want="signed", due_off=3, stop="reply", level=0, joint="open", dept="市人社局")
        seen: set[str] = set()
        for i, s in enumerate(out):
            if "day" not in s:
                s["day"] = -1  # placed by due_off once its appeal type is known
            # the first well-known enterprise gets one ticket in every state and the
            # worst warnings; the other well-known ones share the rest
            if not s.get("markup"):
                first = s["want"] not in seen or s.get("level") == 3
                seen.add(s["want"])
                s["ent"] = 0 if first else 1 + i % (len(FAMOUS) - 1)
        return out

    # -- tickets ----------------------------------------------------------------------------
    def batches(self, batch: int = BATCH_TICKETS) -> Iterator[Batch]:
        """(tickets, events, supervisions, supporting parts, consultations) a
        batch at a time, in ticket-number order."""
        r = self.rnd
        rand = r.random
        D, T, now_t = self.D, self.T, self.now_t
        scen = self._scenarios()[: self.total]
        for s in scen:
            self._place_scenario(s)
        counts = self._day_counts(self.total - len(scen))
        by_day: dict[int, list[dict[str, Any]]] = {}
        for s in scen:
            by_day.setdefault(s["day"], []).append(s)
        src_cum = self.source_cum
        sources = list(SOURCE_WEIGHTS)
        tickets: list[tuple] = []
        events: list[tuple] = []
        sups: list[tuple] = []
        parts: list[tuple] = []
        consults: list[tuple] = []
        tid = 0
        dup_info: dict[int, tuple[Any, ...]] = {}
        now_sec = now_t - T * 86400
        for day in range(T + 1):
            n = counts[day]
            slots: list[tuple[int, str, Any]] = []
            work = D.workday[day]
            for _ in range(n):
                src = sources[_pick(src_cum, rand())]
                if src in ("counter", "visit") and not work:
                    src = "hotline"
                u = rand()
                if src in ("counter", "visit"):
                    sec = 30600 + int(u * 32400)
                elif src == "hotline" and u < 0.86 or src != "hotline" and u < 0.7:
                    sec = 28800 + int(rand() * 36000)
                else:
                    sec = int(rand() * 86400)
                if day == T and sec >= now_sec:
                    sec = int(rand() * max(now_sec, 1))
                slots.append((sec, src, None))
            for s in by_day.get(day, ()):
                slots.append((s["sec"], s.get("source", "hotline"), s))
            slots.sort(key=lambda x: x[0])
            prefix = "XZ" + D.iso[day].replace("-", "")
            ext_prefix = "12345-" + D.iso[day].replace("-", "") + "-"
            base = tid + 1
            # same-day duplicates: a later call of the same enterprise about the same thing
            dups: dict[int, int] = {}
            for j in range(1, len(slots)):
                if slots[j][2] is None and rand() < 0.012:
                    i = j - 1 - int(rand() * min(j, 6))
                    if slots[i][2] is None and slots[i][0] <= slots[j][0] - 600 and i not in dups:
                        dups[i] = j
            hot = 0
            for j, (sec, src, spec) in enumerate(slots):
                tid += 1
                number = f"{prefix}{j + 1:05d}"
                ext_id = None
                if src == "hotline":
                    hot += 1
                    ext_id = f"{ext_prefix}{hot:06d}"
                recv_t = day * 86400 + sec
                dup_of = dup_info.pop(tid, None)
                target = None
                if j in dups:
                    k = dups[j]
                    target = (base + k, f"{prefix}{k + 1:05d}", day * 86400 + slots[k][0])
                if spec is not None:
                    # a prescribed ticket is drawn again until its story ends where prescribed
                    for _attempt in range(60):
                        t_row, t_ev, t_sup, ok, _, joint = self._ticket(tid, number, ext_id, recv_t, src, spec,
                                                                        None, None)
                        if ok:
                            break
                else:
                    t_row, t_ev, t_sup, _, dup_out, joint = self._ticket(tid, number, ext_id, recv_t, src, None,
                                                                       dup_of, target)
                    if dup_out is not None:
                        dup_info[dup_out[9]] = dup_out
                tickets.append(t_row)
                events.extend(t_ev)
                sups.extend(t_sup)
                if joint is not None:
                    parts.extend(joint[0])
                    consults.extend(joint[1])
                if len(tickets) >= batch:
                    yield tickets, events, sups, parts, consults
                    tickets, events, sups, parts, consults = [], [], [], [], []
        if tickets:
            yield tickets, events, sups, parts, consults

    def _place_scenario(self, s: dict[str, Any]) -> None:
        """Choose the topic and the day of intake that give the prescribed due date."""
        r = self.rnd
        D, T = self.D, self.T
        want_type = None
        dept = s["dept"]
        if s.get("confidential") or s.get("joint"):
            want_type = "complaint"
        cands = [i for i, t in enumerate(self.topic_rows)
                 if (t[2] == dept) and (want_type is None or t[1] == want_type)]
        if dept == "@":
            cands = [i for i, t in enumerate(self.topic_rows) if t[2] == "@" and t[0] == "路灯损坏"]
        due_off = s.get("due_off")
        if due_off is not None:
            # the clock must start on a past working day: the limit must exceed due_off
            # a late return request needs 3 working days after dispatch before today
            need = 5 if s.get("pending_ret") else due_off + 1
            ok = [i for i in cands if TYPE_LIMIT[self.topic_rows[i][1]] >= need]
            cands = ok or [i for i, t in enumerate(self.topic_rows) if t[2] == dept and TYPE_LIMIT[t[1]] == 5]
        s["topic"] = cands[int(r.random() * len(cands))]
        if due_off is not None:
            limit = TYPE_LIMIT[self.topic_rows[s["topic"]][1]]
            today_wd = D.numr[T]
            s["day"] = D.wd_list[today_wd + due_off - limit]
            s["sec"] = 8 * 3600 + 40 * 60 + int(r.random() * 2400)
            s["due_day"] = D.wd_list[today_wd + due_off]
        s.setdefault("source", "hotline" if r.random() < 0.7 else "platform")

    def _time_helpers(self) -> tuple[Callable[..., Any], ...]:
        """ts, wt, on_day, level: the per-ticket time arithmetic, made once."""
        r = self.rnd.random
        D = self.D
        P, H = D.prefix, self.hms
        wd_list, numr, num, workday = D.wd_list, D.numr, D.num, D.workday

        def ts(t: int) -> str:
            return P[t // 86400] + H[t % 86400]

        def wt(t: int) -> int:
            """The same moment if within office hours on a working day, else the next opening."""
            d, s = divmod(t, 86400)
            if workday[d]:
                if 30600 <= s < 63000:
                    return t
                if s < 30600:
                    return d * 86400 + 30600 + s % 1800
            nd = wd_list[numr[d] + 1]
            return nd * 86400 + 30600 + s % 2700

        def on_day(d: int) -> int:
            return d * 86400 + 30600 + int(r() * 30600)

        def level(due_d: int, d: int) -> int:
            if d <= due_d:
                return 0
            ov = num[d] - num[due_d]
            return 3 if ov >= 5 else 2 if ov >= 3 else 1

        return ts, wt, on_day, level

    def _ticket(self, tid: int, number: str, ext_id: str | None, recv_t: int, src: str,
                sc: dict[str, Any] | None, dup_of: tuple[Any, ...] | None,
                target: tuple[int, str, int] | None) -> tuple[tuple, list[tuple], list[tuple], bool, Any, Any]:
        """One ticket's row, its history and its supervisions.

        The story is told in time order; it stops (``_Cut``) at the first step
        that lies after ``now`` or where the ticket is stuck.  Returns the row,
        events, supervisions, whether a prescribed ticket came out as
        prescribed, for the target of a same-day duplicate what the
        duplicate needs (None when the merge could not happen), and for a
        joint case its parts and consultation rows (else None).
        """
        r = self.rnd.random
        D = self.D
        now_t = self.now_t
        wd_list, numr, num = D.wd_list, D.numr, D.num
        day0 = recv_t // 86400
        ts, wt, on_day, level = self._fns

        # -- who and what
        visit = None
        if dup_of is not None:
            ent, topic_i, atype, content, title, dept_short = dup_of[:6]
            content = "企业再次来电反映同一问题：" + content
        else:
            if sc is not None:
                topic_i = sc["topic"]
                ent = self.markup_ent if sc.get("markup") else self.ents[sc["ent"]]
            else:
                if src == "visit" and day0 in self.visits_by_day and r() < VISIT_LINK_SHARE:
                    visit = self._visit_on(day0)
                if visit is not None:  # taken on the spot from an enterprise the visit met
                    ent = self.ents[visit[2][int(r() * len(visit[2]))] - 1]
                else:
                    ent = self.ents[int(self.n_ents * r() ** 1.6)]
                atype_pick = list(TYPE_WEIGHTS)[_pick(self.type_cum, r())]
                ts_list = self.topics_by_type[atype_pick]
                topic_i = ts_list[int(r() * len(ts_list))]
            key, atype, dept_short, tpool, pool, rpool = self.topic_rows[topic_i]
            if dept_short == "@":
                dept_short = ent[4]
            body_pool = pool[ent[3]] if isinstance(pool, dict) else pool
            content = _OPENERS[src][int(r() * len(_OPENERS[src]))] + body_pool[int(r() * len(body_pool))]
            title = tpool[int(r() * len(tpool))]
            if sc is not None and sc.get("markup"):
                content, title = MARKUP_CONTENT, "园区路灯[/]坏了"
        topic = self.topic_rows[topic_i]
        rpool = topic[5]
        limit = TYPE_LIMIT[atype]
        dept_id = self.depts[dept_short]
        ename, euscc = ent[1], ent[2]
        if r() < 0.8 or sc is not None or not ent[7]:
            cname, cphone = ent[5], ent[6]
        else:
            cname, cphone = ent[7][int(r() * len(ent[7]))]
        variant = self.variants.get(ent[0])
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

        # -- state
        E: list[tuple] = []
        S: list[tuple] = []
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
        close_reason = satisfaction = None
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
            stop = sc.get("stop")
        else:
            age = num[self.T] - num[day0]
            if age <= 150 and r() < _stuck_p(age):
                stop = _stuck_stage(age, r())
        want_conf = atype in ("complaint", "report") and (r() < 0.08 or (sc is not None and sc.get("confidential")))
        if topic[0] == "吃拿卡要":  # a report about the handling department itself
            want_conf = True
        if sc is not None:
            want_conf = bool(sc.get("confidential"))
        direct_p = 0.35 if atype == "policy_consultation" else 0.12 if atype == "consultation" else 0.0
        want_direct = sc is None and dup_of is None and r() < direct_p
        # 会商会办: a hard case handled with supporting departments
        want_joint = (bool(sc.get("joint")) if sc is not None else
                      dup_of is None and atype in ("complaint", "report", "other") and r() < JOINT_SHARE)
        parts: list[list[Any]] = []
        assign_t = 0

        try:
            if dup_of is not None:
                mt = dup_of[6]
                if mt > now_t:
                    raise _CUT
                merged_into = dup_of[7]
                E.append((tid, ts(mt), clerk, "merge", "new", "closed", f"作为重复诉求并入 {dup_of[8]}",
                          '{"status": ["new", "closed"], "closed_at": [null, "' + ts(mt) + '"], '
                          '"close_reason": [null, "duplicate"], "merged_into": [null, ' + str(merged_into) + ']}'))
                status, closed_t, close_reason = "closed", mt, "duplicate"
                version += 1
                last_t = mt
                raise _CUT
            if want_conf:
                t = recv_t + 120 + int(r() * 900)
                if t > now_t:
                    raise _CUT
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
                    raise _CUT
                k = self.knowledge[int(r() * len(self.knowledge))] if self.knowledge else None
                kid = k[0] if k else None
                reply_text = f"已依据知识库答复企业：{k[1]}" if k else "已当场答复企业。"
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
                            raise _CUT
                        early_ret = (sc is not None and sc.get("early_return")) or (sc is None and r() < 0.025)
                        first_dept = dept_short
                        if early_ret:
                            first_dept = self.return_targets[int(r() * len(self.return_targets))]
                            if first_dept == dept_short:
                                first_dept = "市发改委" if dept_short != "市发改委" else "市商务局"
                        cur_dept = self.depts[first_dept]
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
                                raise _CUT
                            who = self.liaison(first_dept)
                            reason = f"该事项不属于本单位职责，建议转{dept_short}办理"
                            E.append((tid, ts(t), who, "return", "dispatched", "returned", reason,
                                      '{"status": ["dispatched", "returned"], "department_id": [' + str(cur_dept)
                                      + ', null], "return_count": [0, 1], "due_date": ["' + D.iso[due_d]
                                      + '", null], "clock_start": ["' + D.iso[start_d] + '", null]}'))
                            status, cur_dept, due_d, start_d, returns = "returned", None, None, None, 1
                            version, last_t, last_actor = version + 1, t, who
                            t = wt(t + 1800 + int(r() * 9000))
                            if t > now_t or stop == "redispatch":
                                raise _CUT
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
                                raise _CUT
                            parts = self._parts(topic[0], dept_short, ent[4], start_d, lim, t, sc,
                                                stop in ("sign", "reply"))
                            if parts:
                                pdue = D.dates[parts[0][2]]
                                prov = "（暂定）" if D.prov[parts[0][2]] > D.prov[start_d] else ""
                                E.append((tid, ts(t), clerk, JOINT_ASSIGN, status, status,
                                          f"设置协办单位：{'、'.join(p[0] for p in parts)}；协办期限 {parts[0][5]} 个"
                                          f"工作日，截止 {pdue.isoformat()} {weekday_cn(pdue)}{prov}", "{}"))
                                assign_t, version, last_t, last_actor = t, version + 1, t, clerk
                    who = self.liaison(dept_short)
                    # -- sign
                    st_from = status
                    if sc is not None:
                        t = wt(last_t + 600 + int(r() * 3000))
                    elif r() < 0.07:
                        t = on_day(D.add_wd(last_t // 86400, 2 + (r() < 0.3)))
                    else:
                        t = wt(last_t + 300 + int(r() * 12000))
                    if t > now_t or stop == ("sign" if rnd_round == 0 else "sign2"):
                        raise _CUT
                    ch = '{"status": ["' + st_from + '", "signed"], "signed_at": [null, "' + ts(t) + '"]'
                    lv = level(due_d, t // 86400)
                    if lv > max_level:
                        ch += ', "max_level": [' + str(max_level) + ', ' + str(lv) + ']'
                        max_level = lv
                    E.append((tid, ts(t), who, "sign", st_from, "signed", "", ch + "}"))
                    status, sign_t, version, last_t, last_actor = "signed", t, version + 1, t, who
                    # -- a late return request (past the 2-day window: a supervisor decides)
                    if rnd_round == 0 and not parts and ((sc is not None and sc.get("pending_ret"))
                                                         or (sc is None and r() < 0.005)):
                        t = on_day(D.add_wd(start_d, 3))
                        if t <= last_t:
                            t = wt(last_t + 3600)
                        if t > now_t:
                            raise _CUT
                        other = self.return_targets[int(r() * len(self.return_targets))]
                        reason = f"经核实该事项主要涉及{other}职责，已超过退回时限，申请退回"
                        E.append((tid, ts(t), who, "request_return", "signed", "signed", reason,
                                  '{"pending_return_reason": [null, "' + reason + '"]}'))
                        pend_ret, version, last_t, last_actor = reason, version + 1, t, who
                        t = wt(t + 3600 + int(r() * 14400))
                        if t > now_t or (sc is not None and sc.get("pending_ret")):
                            raise _CUT
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
                                raise _CUT
                            cur_dept = dept_id = self.depts[other]
                            dept_short = other
                            who = self.liaison(other)
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
                                raise _CUT
                            E.append((tid, ts(t), who, "sign", "dispatched", "signed", "",
                                      '{"status": ["dispatched", "signed"], "signed_at": [null, "' + ts(t) + '"]}'))
                            status, sign_t, version, last_t, last_actor = "signed", t, version + 1, t, who
                        else:
                            E.append((tid, ts(t), sup, "reject_return", "signed", "signed", "属于本单位职责范围，请继续办理",
                                      '{"pending_return_reason": ["' + reason + '", null]}'))
                            pend_ret, version, last_t, last_actor = None, version + 1, t, sup
                    # -- an extension request (a supervisor approves most)
                    if lim >= 3 and ((sc is not None and sc.get("pending_ext")) or (sc is None and r() < 0.05)):
                        t = on_day(D.add_wd(start_d, max(1, lim - 2)))
                        if t <= last_t:
                            t = wt(last_t + 1800 + int(r() * 3600))
                        if t > now_t:
                            raise _CUT
                        days = 2 + int(r() * 4)
                        reason = _EXT_REASONS[int(r() * len(_EXT_REASONS))]
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
                        if t > now_t or (sc is not None and sc.get("pending_ext")):
                            raise _CUT
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
                    if sc is not None and sc.get("reply_by") is not None:
                        rd = wd_list[numr[self.T] - sc["reply_by"]]
                        t_reply = max(on_day(rd), wt(last_t + 1800))
                    elif sc is not None and sc.get("want") in ("closed", "reopened"):
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
                        t_reply = (_NEVER if last_part >= _NEVER
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
                        E.append((tid, ts(th_t), actor, "supervise", status, status, _LEVEL_NOTE[lv],
                                  '{"max_level": [' + str(max_level) + ', ' + str(max(lv, max_level)) + ']}'))
                        S.append((tid, lv, _LEVEL_BODY[lv], actor, ts(th_t), _LEVEL_NOTE[lv]))
                        max_level = max(lv, max_level)
                        version, last_t, last_actor = version + 1, th_t, actor
                    if stuck_here or t_reply > now_t:
                        raise _CUT
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
                if sc is not None and sc.get("want") == "reopened":
                    t = wt(last_t + 3600)
                outcome = None
                while True:
                    if t > now_t or stop == "followup":
                        raise _CUT
                    if sc is not None and sc.get("unsat") and rnd_round == 0:
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
                    note = f"回访结果：{SAT_LABEL[outcome]}。{_FU_NOTES[outcome]}"
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
                    raise _CUT
                if handling and rnd_round == 0 and (r() < 0.6 or (sc is not None and sc.get("unsat"))):
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
        except _Cut:
            pass

        # -- the supporting parts sent in (and a consultation) up to now, in the history by time
        joint_rows: tuple[list[tuple], list[tuple]] | None = None
        if parts:
            late: list[tuple[int, str, str, str, str]] = []
            part_rows = []
            for name, did, pdue, sub_t, text, plim in parts:
                done = sub_t <= now_t
                part_rows.append((tid, did, ts(assign_t), clerk, D.iso[start_d], plim, D.iso[pdue],
                                  int(D.prov[pdue] - D.prov[start_d] > 0), ts(sub_t) if done else None,
                                  self.liaison(name) if done else None, text if done else ""))
                if done:
                    over = "（超过协办期限）" if sub_t // 86400 > pdue else ""
                    late.append((sub_t, self.liaison(name), JOINT_SUBMIT, f"协办意见（{name}）{over}：{text}", "{}"))
            consult = self._consultation(tid, dept_short, parts, assign_t, max(p[3] for p in parts), sc)
            if consult is not None:
                late.append(consult[1])
            for at, actor, action, note, changes in sorted(late):
                pos = len(E)
                while pos > 1 and E[pos - 1][1] > ts(at):
                    pos -= 1
                st = E[pos - 1][5]
                E.insert(pos, (tid, ts(at), actor, action, st, st, note, changes))
                version += 1
                if at >= last_t:
                    last_t, last_actor = at, actor
            joint_rows = (part_rows, [consult[0]] if consult is not None else [])

        # -- a same-day duplicate merged into this one (its 合并 line sits in this history)
        if target is not None:
            mt = target[2] + 300 + int(r() * 1800)
            if mt <= now_t and (closed_t is None or mt < closed_t) and mt > recv_t:
                at = ts(mt)
                pos = len(E)
                while pos > 1 and E[pos - 1][1] > at:
                    pos -= 1
                st = E[pos - 1][5]
                E.insert(pos, (tid, at, clerk, "merged_from", st, st,
                               f"合并重复诉求 {target[1]}：企业再次来电反映同一问题：{content[:150]}", "{}"))
                dup_out = (ent, topic_i, atype, content, title, dept_short, mt, tid, number, target[0])

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
            last_actor, version, CENTER_OF[clerk], visit[0] if visit is not None else None,
        )
        ok = True
        if sc is not None:
            ok = status == sc["want"]
            if ok and sc.get("level") is not None and due_d is not None:
                ok = level(due_d, self.T) == sc["level"]
            if ok and sc.get("due_today"):
                ok = due_d == self.T
            if ok and sc.get("pending_ext"):
                ok = pend_days is not None
            if ok and sc.get("pending_ret"):
                ok = pend_ret is not None
        return row, E, S, ok, dup_out, joint_rows


    def _visit_on(self, day: int) -> tuple[int, str, tuple[int, ...], str] | None:
        """A visit logged that day with room for one more appeal taken on the spot (three at most)."""
        acts = self.visits_by_day[day]
        a = acts[int(self.rnd.random() * len(acts))]
        if self.visit_load.get(a[0], 0) >= 3:
            return None
        self.visit_load[a[0]] = self.visit_load.get(a[0], 0) + 1
        return a

    def _parts(self, key: str, lead: str, county: str, start_d: int, lim: int, t: int,
               sc: dict[str, Any] | None, stuck: bool) -> list[list[Any]]:
        """1–3 supporting parts of a hard case: [department, id, due day, sent at, text, limit].

        A part's limit is the lead's less one working day (at least one),
        counted from the lead's clock start.  Most parts come in on time,
        some late; on a case that is ``stuck`` at the lead some are still
        out, as in a prescribed case one (or all) is."""
        r = self.rnd.random
        D = self.D
        _, wt, on_day, _ = self._fns
        pool = [county if x == "@" else x for x in JOINT_PARTNERS.get(key, ("市发改委", "市工信局", "市财政局"))]
        pool = [x for x in dict.fromkeys(pool) if x != lead and x in self.depts]
        if not pool:
            return []
        k = min(len(pool), 2 if sc is not None else 1 + (r() < 0.35) + (r() < 0.1))
        first = int(r() * len(pool))
        plim = max(1, lim - 1)
        pdue = D.add_wd(start_d, plim)
        out = []
        for i in range(k):
            name = pool[(first + i) % len(pool)]
            mode = sc.get("joint") if sc is not None else None
            if mode == "open" or (mode == "late" and i == k - 1) or (stuck and r() < 0.4):
                sent = _NEVER
            elif mode == "late" or r() < 0.8:
                sent = max(on_day(D.add_wd(start_d, 1 + int(r() * plim))), wt(t + 3600))
            else:
                sent = max(on_day(D.add_wd(pdue, 1 + int(r() * 4))), wt(t + 3600))
            text = _PART_TEXTS[int(r() * len(_PART_TEXTS))].format(what=_PART_WHAT[int(r() * len(_PART_WHAT))])
            out.append([name, self.depts[name], pdue, sent, text, plim])
        return out

    def _consultation(self, tid: int, lead: str, parts: list[list[Any]], assign_t: int, until_t: int,
                      sc: dict[str, Any] | None) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
        """A consultation meeting (会商) on about a third of the joint cases, held on a
        working day after the parts were assigned and before the lead replied:
        its row and its line in the ticket's history."""
        r = self.rnd.random
        if not (sc is not None and sc.get("joint") == "late") and r() >= 0.35:
            return None
        D = self.D
        d0, last = assign_t // 86400, min(until_t, self.now_t) // 86400 - 1
        if last <= d0:
            return None
        days = D.wd_list[D.numr[d0] + 1:D.numr[last] + 1]
        if not days:
            return None
        day = days[int(r() * len(days))]
        sup = SUPERVISORS[int(r() * len(SUPERVISORS))]
        names = [p[0] for p in parts]
        present = [lead, *names]
        place = _CONSULT_PLACES[int(r() * len(_CONSULT_PLACES))].format(lead=lead)
        attendees = "、".join(f"{n} {self.person()}" for n in present) + f"、{CITY_CENTER} {STAFF_NAME[sup]}"
        conclusions = _CONSULT_CONCLUSIONS[int(r() * len(_CONSULT_CONCLUSIONS))].format(
            lead=lead, parts="、".join(names), days=2 + int(r() * 3))
        due = D.iso[D.add_wd(day, 2)]
        tasks = [{"department": lead, "task": "汇总各单位意见，书面答复企业", "due": due}]
        tasks += [{"department": n, "task": "按职责提供书面意见和相关材料", "due": due} for n in names]
        rec_t = day * 86400 + 57600 + int(r() * 3600)
        held = D.iso[day]
        row = (tid, held, place, json.dumps(present, ensure_ascii=False), attendees, conclusions,
               json.dumps(tasks, ensure_ascii=False), self.ts(rec_t), sup)
        event = (rec_t, sup, JOINT_CONSULT,
                 f"会商（{held}，{place}）：参会单位 {'、'.join(present)}；结论：{conclusions}（后续任务 {len(tasks)} 项）", "{}")
        return row, event


def _visit_logged(day: int, r: random.Random) -> int:
    """When a visit is logged: before setting out (08:00–08:28), so the
    appeals taken there can be linked to it as they are taken in."""
    return day * 86400 + 28800 + int(r.random() * 1700)


def _cumulative(weights: dict[Any, float]) -> list[float]:
    total = float(sum(weights.values()))
    acc = 0.0
    out = []
    for w in weights.values():
        acc += w / total
        out.append(acc)
    out[-1] = 1.0
    return out


def _pick(cum: list[float], u: float) -> int:
    for i, c in enumerate(cum):
        if u < c:
            return i
    return len(cum) - 1


_STUCK_P = [min(0.95, 0.6 * math.exp(-a / 5.0) + 0.45 * math.exp(-a / 15.0) + 0.04 * math.exp(-a / 60.0))
             for a in range(151)]


def _stuck_p(age: int) -> float:
    """How likely a ticket of this age (working days) is still open at ``now``."""
    return _STUCK_P[age]


def _stuck_stage(age: int, u: float) -> str:
    """Where a stuck ticket stopped: fresh ones anywhere, old ones mostly at the department."""
    if age <= 1:
        return "dispatch" if u < 0.12 else "sign" if u < 0.35 else "reply" if u < 0.8 else "followup"
    if age <= 4:
        return "dispatch" if u < 0.02 else "sign" if u < 0.12 else "reply" if u < 0.75 else "followup"
    if age <= 10:
        return "sign" if u < 0.05 else "reply" if u < 0.7 else "followup"
    # old ones: mostly a call-back that keeps failing, or a department that never answered
    return "sign" if u < 0.03 else "reply" if u < 0.45 else "followup"


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _uscc(r: random.Random, kind: str, division: str) -> str:
    """A valid 统一社会信用代码: type, division, a GB 11714 organisation code, check char."""
    rand = r.random
    if rand() < 0.75:  # codes issued since 2015 mostly start with MA
        body = "MA" + "".join(USCC_CHARS[int(rand() * 31)] for _ in range(6))
    else:
        body = "".join(str(int(rand() * 10)) for _ in range(8))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS))
    c9 = 11 - total % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    first17 = kind + division + org
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------- staff


def _add_staff(store: Store) -> list[str]:
    """The demo accounts: one per role, a liaison per department, the OS login as clerk."""
    admin = store.staff.add(None, DEMO_STAFF[0][0], DEMO_STAFF[0][2], name=DEMO_STAFF[0][1], center=DEMO_STAFF[0][4])
    logins = [admin.login]
    for login, name, role, dept, center in DEMO_STAFF[1:]:
        store.staff.add(admin, login, role, name=name, department=dept, center=center)
        logins.append(login)
    rnd = random.Random(SEED + 1)
    fixed = set(FIXED_LIAISONS)
    for d in store.departments(include_inactive=True):
        if d.short_name in fixed:
            continue
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        store.staff.add(admin, f"dept_{d.code}", "department", name=name, department=d.id)
        logins.append(f"dept_{d.code}")
    try:
        me = pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, OSError):  # no passwd entry (some containers): nothing to add
        me = None
    if me and me not in logins and not any(ch.isspace() for ch in me):
        store.staff.add(admin, me, "clerk", name=f"{me}（本机登录）")
        logins.append(me)
    return logins


# ---------------------------------------------------------------- the entry point


def build_demo(path: str, tickets: int = 20000, now: dt.datetime | None = None,
               progress: Callable[[int, int], None] | None = None) -> None:
    """Create the demo database at ``path`` (replacing any file there).

    ``tickets`` appeals over the 18 months before ``now`` (default: the wall
    clock, read once through :class:`Clock`); ``progress(done, total)`` is
    called after each batch.  Deterministic for the same arguments.
    """
    _build(path, tickets, now, progress)


# Index strategy, measured with benchmarks/bench_demo.py --compare: dropping
# every secondary index and sorting them afterwards won at 100,000 tickets but
# lost badly at 1,000,000 (each CREATE INDEX re-reads the wide tickets or
# events table: 73 s for the 14 indexes), while the keys that arrive in order
# (dates, statuses, ticket ids) cost little to maintain.  So only the indexes
# on keys that arrive in random order are dropped and rebuilt.
RANDOM_ORDER_INDEXES = ("tickets_uscc", "tickets_name", "tickets_phone", "tickets_enterprise")


def _build(path: str, tickets: int, now: dt.datetime | None, progress: Callable[[int, int], None] | None, *,
           drop: str = "random", pipeline: bool = True, batch: int = BATCH_TICKETS) -> None:
    """build_demo with the loading strategy exposed (for the benchmark).

    ``drop``: "none", "random" (``RANDOM_ORDER_INDEXES``) or "all" secondary
    indexes of tickets and events.  ``pipeline``: generate rows in a forked
    child process while this one writes them (same rows, same order).
    """
    now = to_local(now) if now is not None else Clock().now()
    now = now.replace(microsecond=0)
    total = max(0, int(tickets))
    for p in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    store = Store(path, FixedClock(now))
    try:
        store.load_reference_data()
        _add_staff(store)
        gen = _Generator(store, now, total)
        if progress:
            progress(0, total)
        # No rollback journal while loading (measured ~1.8× faster than WAL
        # here): a build that dies half-way leaves a file without the demo
        # mark, which the CLI refuses to open as a demo; rebuilding replaces it.
        with store.loader.loading(journal="OFF", cache_mb=512):
            # the directory, outreach, associations and policy pushes: planned
            # before the tickets, which refer to them (visits, merged records)
            gen.enterprises()
            related = gen.outreach()
            related.update(gen.associations(store.loader.association_refs()))
            related.update(gen.policy_activity(store.loader.policy_refs()))
            ents = gen.finish_records()
            dropped: list[str] = []
            if drop == "all":
                dropped = store.loader.drop_indexes(("tickets", "events"))
            elif drop == "random":
                dropped = store.loader.drop_indexes(("tickets",), only=RANDOM_ORDER_INDEXES)
            with store.write():
                store.loader.insert_enterprises(ents)
                store.loader.insert("enterprise_contacts", gen.contacts)
                for table, rows in related.items():
                    store.loader.insert(table, rows)
                if gen.assoc_edit is not None:
                    store.loader.edit_association(*gen.assoc_edit)
            done = 0
            batches = _piped(gen, batch) if pipeline and total >= 2 * batch else gen.batches(batch)
            for t_rows, e_rows, s_rows, p_rows, c_rows in batches:
                with store.write():
                    store.loader.insert_tickets(t_rows)
                    store.loader.insert_events(e_rows)
                    store.loader.insert_supervisions(s_rows)
                    store.loader.insert("ticket_parts", p_rows)
                    store.loader.insert("consultations", c_rows)
                done += len(t_rows)
                if progress:
                    progress(done, total)
            if dropped:
                store.loader.create_indexes(dropped)
            # the records' histories last: a merge lists the tickets it moved
            store.loader.insert("enterprise_events", gen.enterprise_events(store.loader.ticket_ids_named))
        store.loader.finish()
        store.loader.set_meta("demo", "1")  # last: only a complete build is a demo database
    finally:
        store.disconnect()


def _piped(gen: _Generator, batch: int = BATCH_TICKETS) -> Iterator[Batch]:
    """The generator's batches, produced by a forked child while we insert.

    Generating rows and writing them each take about half the time; on two
    cores they overlap.  The child is a fork of this process (same generator,
    same random state), so the rows are exactly those of ``gen.batches()``.
    Where fork is unavailable the batches are produced here.
    """
    import multiprocessing as mp
    import pickle

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        yield from gen.batches(batch)
        return
    recv, send = ctx.Pipe(duplex=False)

    def produce() -> None:
        recv.close()
        try:
            for b in gen.batches(batch):
                send.send_bytes(pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL))
            send.send_bytes(b"")
        except BaseException as exc:  # report, the parent raises it
            send.send_bytes(b"!" + repr(exc).encode())
        finally:
            send.close()

    child = ctx.Process(target=produce, name="xzconsole-demo-rows", daemon=True)
    child.start()
    send.close()
    try:
        while True:
            data = recv.recv_bytes()
            if not data:
                break
            if data[:1] == b"!":
                raise RuntimeError(f"演示数据生成失败：{data[1:].decode(errors='replace')}")
            yield pickle.loads(data)
    finally:
        recv.close()
        if child.is_alive():
            child.terminate()
        child.join()


__all__ = ["DEMO_STAFF", "MARKUP_ENTERPRISE", "build_demo"]
