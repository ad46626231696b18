"""The demo's people: one account per role with fixed logins (what ``--as``
and the README name), the clerks of the city and county centers, the
supervisors, a liaison per department, and the OS login as a clerk.

The other planners pick actors from these tables (who took a ticket in, who
signed, who supervised); ``add_staff`` creates the accounts through the
store's own staff area before anything else is written.
"""

from __future__ import annotations

import os
import pwd
import random

from ..store import Store
from .places import GIVEN, SURNAMES

# (login, name, role, department short name, center)
DEMO_STAFF: list[tuple[str, str, str, str | None, str]] = [
    ("demo_admin", "周海峰", "admin", None, "市企业服务中心"),
    ("demo_clerk", "王晓燕", "clerk", None, "市企业服务中心"),
    ("demo_sup", "赵志刚", "supervisor", None, "市企业服务中心"),
    ("demo_rsj", "刘敏", "department", "市人社局", "市企业服务中心"),
    ("demo_swj", "孙立新", "department", "市税务局", "市企业服务中心"),
    ("demo_zjj", "陈建国", "department", "市住建局", "市企业服务中心"),
    # the oversight bodies of the warning ladder: orange and red, red and 问责
    ("demo_yshb", "钱文静", "business_office", None, "市企业服务中心"),
    ("demo_jw", "郑国华", "discipline", None, "市企业服务中心"),
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


def add_staff(store: Store, rnd: random.Random) -> list[str]:
    """Create the demo accounts: one per role, a liaison per department, the OS
    login as clerk (so the console opens as the person who built it); returns
    the logins made.  The liaisons' names come from ``rnd``, a source of their
    own, so they do not depend on the rest of the demo."""
    admin = store.staff.add(None, DEMO_STAFF[0][0], DEMO_STAFF[0][2], name=DEMO_STAFF[0][1], center=DEMO_STAFF[0][4])
    logins = [admin.login]
    for login, name, role, dept, center in DEMO_STAFF[1:]:
        store.staff.add(admin, login, role, name=name, department=dept, center=center)
        logins.append(login)
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
