"""The demo database: a believable Xuzhou enterprise service center, 18 months deep.

``build_demo(path, tickets, now, progress)`` creates a fresh database with the
reference data of ``data/``, one staff account per role (fixed logins, see
``DEMO_STAFF``), enterprises with valid 统一社会信用代码 across Xuzhou's
districts, and ``tickets`` appeals spread over the 18 months before ``now``
whose histories follow the center's rules: due dates from the store's
calendar, signatures, returns, extensions, supervisions, replies, call-backs,
reopens and merged duplicates.  At ``now`` every status and every warning
level is present, with the notices of the warning panel (due today, not yet
dispatched, not yet signed) and pending extension and late-return requests.

Speed matters (1,000,000 tickets in about a minute), so rows are generated as
plain tuples from precomputed pools — the calendar as lists indexed by day,
timestamps as string look-ups, appeal texts as pools built once — and handed
to the store's bulk loader (``store_bulk.BulkMixin``) a batch at a time, one
transaction per batch.  The result is deterministic for a given ``tickets``
and ``now`` (fixed random seed).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import pwd
import random
from pathlib import Path
from typing import Any, Callable, Iterator

from dateutil.relativedelta import relativedelta

from .clock import Clock, FixedClock, to_local
from .models import USCC_CHARS, uscc_check_char
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
]
FIXED_LIAISONS = {"市人社局": "demo_rsj", "市税务局": "demo_swj", "市住建局": "demo_zjj"}
CITY_CLERKS = ("demo_clerk", "clerk_lixue", "clerk_zhangpeng", "clerk_chenjing")
SUPERVISORS = ("demo_sup", "sup_xuwenbo")

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
        self.knowledge = store.bulk_knowledge_refs()
        self.created_at = self.ts(0)
        self._pools()
        self._fns = self._time_helpers()

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
        self.callers = [(self.person()[0] + ("先生" if r.random() < 0.6 else "女士"), self.phone()) for _ in range(4000)]
        dept_names = [d for d in self.depts if d not in {x[2] for x in DISTRICTS}]
        self.return_targets = dept_names

    # -- enterprises ----------------------------------------------------------------
    def enterprises(self) -> list[tuple[Any, ...]]:
        """Enterprise rows; also keeps the per-ticket view of each one."""
        r = self.rnd
        n = max(200, self.total // 20)
        dist_cum = _cumulative({i: d[3] for i, d in enumerate(DISTRICTS)})
        ind_cum = _cumulative({i: x[2] for i, x in enumerate(INDUSTRIES)})
        names: set[str] = set()
        usccs: set[str] = set()
        rows: list[tuple[Any, ...]] = []
        self.ents: list[tuple[Any, ...]] = []
        created = self.created_at
        for eid in range(1, n + 2):
            di = _pick(dist_cum, r.random())
            code, district, county, _ = DISTRICTS[di]
            ii = _pick(ind_cum, r.random())
            industry, endings, _ = INDUSTRIES[ii]
            if eid == n + 1:  # the one whose name looks like markup: shown literally everywhere
                name, district, county, industry, code = MARKUP_ENTERPRISE, "云龙区", "云龙区", "商贸", "320303"
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
            while True:
                uscc = _uscc(r, kind, code)
                if uscc not in usccs:
                    usccs.add(uscc)
                    break
            contact = self.person()
            phone = self.phone()
            rows.append((eid, name, uscc, district, industry, contact, phone, created))
            self.ents.append((eid, name, uscc, district, county, contact, phone))
        self.markup_ent = self.ents[-1]
        self.n_ents = n  # the markup enterprise is used only by its own scenario tickets
        return rows

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
        for s in out:
            if "day" not in s:
                s["day"] = -1  # placed by due_off once its appeal type is known
        return out

    # -- tickets ----------------------------------------------------------------------------
    def batches(self, batch: int = BATCH_TICKETS) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
        """(tickets, events, supervisions) a batch at a time, in ticket-number order."""
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
                        t_row, t_ev, t_sup, ok, _ = self._ticket(tid, number, ext_id, recv_t, src, spec, None, None)
                        if ok:
                            break
                else:
                    t_row, t_ev, t_sup, _, dup_out = self._ticket(tid, number, ext_id, recv_t, src, None, dup_of, target)
                    if dup_out is not None:
                        dup_info[dup_out[9]] = dup_out
                tickets.append(t_row)
                events.extend(t_ev)
                sups.extend(t_sup)
                if len(tickets) >= batch:
                    yield tickets, events, sups
                    tickets, events, sups = [], [], []
        if tickets:
            yield tickets, events, sups

    def _place_scenario(self, s: dict[str, Any]) -> None:
        """Choose the topic and the day of intake that give the prescribed due date."""
        r = self.rnd
        D, T = self.D, self.T
        want_type = None
        dept = s["dept"]
        if s.get("confidential"):
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
                target: tuple[int, str, int] | None) -> tuple[tuple, list[tuple], list[tuple], bool, Any]:
        """One ticket's row, its history and its supervisions.

        The story is told in time order; it stops (``_Cut``) at the first step
        that lies after ``now`` or where the ticket is stuck.  Returns the row,
        events, supervisions, whether a prescribed ticket came out as
        prescribed, and — for the target of a same-day duplicate — what the
        duplicate needs (None when the merge could not happen).
        """
        r = self.rnd.random
        D = self.D
        now_t = self.now_t
        wd_list, numr, num = D.wd_list, D.numr, D.num
        day0 = recv_t // 86400
        ts, wt, on_day, level = self._fns

        # -- who and what
        if dup_of is not None:
            ent, topic_i, atype, content, title, dept_short = dup_of[:6]
            content = "企业再次来电反映同一问题：" + content
        else:
            if sc is not None:
                topic_i = sc["topic"]
                ent = self.markup_ent if sc.get("markup") else self._pick_ent(sc["dept"])
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
        if r() < 0.8 or sc is not None:
            cname, cphone = ent[5], ent[6]
        else:
            cname, cphone = self.callers[int(r() * len(self.callers))]
        if src in ("counter", "visit") and ent[3] == "邳州市":
            clerk = "clerk_pizhou"
        elif src in ("counter", "visit") and ent[3] == "铜山区":
            clerk = "clerk_tongshan"
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

        E.append((tid, ts(recv_t), clerk, "accept", None, "new", f"{SOURCE_LABEL[src]}受理 · {TYPE_LABEL[atype]}", "{}"))

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
                    if rnd_round == 0 and ((sc is not None and sc.get("pending_ret")) or (sc is None and r() < 0.005)):
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
            tid, number, ext_id, ts(recv_t), src, atype, ent[0], ent[1], ent[2], cname, cphone, ent[3], title, content,
            status, cur_dept, ts(disp_t) if disp_t is not None else None,
            D.iso[start_d] if start_d is not None else None, lim, ext, due_s, prov,
            ts(sign_t) if sign_t is not None else None, ts(reply_t) if reply_t is not None else None, reply_text,
            direct, ts(closed_t) if closed_t is not None else None, close_reason, satisfaction, fu, unr, reopens,
            returns, pend_days, pend_reason, pend_ret, conf, max_level, merged_into, kid, clerk, ts(last_t),
            last_actor, version,
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
        return row, E, S, ok, dup_out

    def _pick_ent(self, dept: str) -> tuple[Any, ...]:
        return self.ents[int(self.rnd.random() * self.n_ents)]


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
    admin = store.add_staff(None, DEMO_STAFF[0][0], DEMO_STAFF[0][2], name=DEMO_STAFF[0][1], center=DEMO_STAFF[0][4])
    logins = [admin.login]
    for login, name, role, dept, center in DEMO_STAFF[1:]:
        store.add_staff(admin, login, role, name=name, department=dept, center=center)
        logins.append(login)
    rnd = random.Random(SEED + 1)
    fixed = set(FIXED_LIAISONS)
    for d in store.departments(include_inactive=True):
        if d.short_name in fixed:
            continue
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        store.add_staff(admin, f"dept_{d.code}", "department", name=name, department=d.id)
        logins.append(f"dept_{d.code}")
    try:
        me = pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, OSError):  # no passwd entry (some containers): nothing to add
        me = None
    if me and me not in logins and not any(ch.isspace() for ch in me):
        store.add_staff(admin, me, "clerk", name=f"{me}（本机登录）")
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
        with store.bulk_loading(journal="OFF", cache_mb=512):
            ents = gen.enterprises()
            dropped: list[str] = []
            if drop == "all":
                dropped = store.bulk_drop_indexes(("tickets", "events"))
            elif drop == "random":
                dropped = store.bulk_drop_indexes(("tickets",), only=RANDOM_ORDER_INDEXES)
            store.bulk_insert_enterprises(ents)
            done = 0
            batches = _piped(gen, batch) if pipeline and total >= 2 * batch else gen.batches(batch)
            for t_rows, e_rows, s_rows in batches:
                with store.write():
                    store.bulk_insert_tickets(t_rows)
                    store.bulk_insert_events(e_rows)
                    store.bulk_insert_supervisions(s_rows)
                done += len(t_rows)
                if progress:
                    progress(done, total)
            if dropped:
                store.bulk_create_indexes(dropped)
        store.bulk_finish()
        store.bulk_set_meta("demo", "1")  # last: only a complete build is a demo database
    finally:
        store.disconnect()


def _piped(gen: _Generator, batch: int = BATCH_TICKETS) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
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
