"""The enterprise directory (issue 7): search, the one-view history, editing,
merging without losing a link, records for every enterprise met, roles, plans."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from xzconsole.services.importers import import_tickets
from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.store import InvalidAction, NotFound, PermissionDenied
from test_query_plans import plans_of

COMPLETE = {"summary": "对符合条件的企业给予补贴。", "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126"}


def uscc(body: str) -> str:
    """A valid USCC from its first 17 characters."""
    return body + uscc_check_char(body)


A = uscc("91320302MA1XK0001")  # 17 characters each
B = uscc("91320311MA1XK0002")
C = uscc("91320312MA1XK0003")


def intake(store, staff, name, code=None, phone="13805161234", **kw):
    return store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kw.pop("appeal_type", "consultation"),
                                                     enterprise_name=name, uscc=code, contact_name="李经理",
                                                     contact_phone=phone, content="稳岗返还资金至今未到账", **kw))


def names(hits):
    return [h.enterprise.name for h in hits]


def published(store, staff, title):
    p = store.library.create(staff["sup"], {"title": title, **COMPLETE})
    return store.library.publish(staff["sup"], p.id)


def member(store, association_code, enterprise_id, joined_at):
    """A membership row (the associations screen owns adding them)."""
    with store.write() as c:
        aid = c.execute("SELECT id FROM associations WHERE code = ?", (association_code,)).fetchone()[0]
        c.execute("INSERT INTO association_members(association_id, enterprise_id, joined_at, added_by) VALUES (?,?,?,?)",
                  (aid, enterprise_id, joined_at, "sup"))
    return aid


def visit(store, enterprise_id, held_on, place, voided=False):
    """An outreach visit that met the enterprise (the outreach screen owns logging them)."""
    with store.write() as c:
        aid = c.execute("INSERT INTO outreach_activities(held_on, kind, place, recorded_at, recorded_by, voided_at) "
                        "VALUES (?, 'visit', ?, ?, 'clerk', ?)",
                        (held_on, place, held_on + "T10:00:00+08:00", held_on + "T18:00:00+08:00" if voided else None)
                        ).lastrowid
        c.execute("INSERT INTO outreach_enterprises(activity_id, enterprise_id) VALUES (?, ?)", (aid, enterprise_id))
    return aid


def first_association(store):
    return store.association_list()[0]


# ---------------------------------------------------------------- records for every enterprise met


def test_every_enterprise_met_gets_one_record_with_where_it_was_first_met(store, staff, tmp_path):
    t1 = intake(store, staff, "徐州恒达机械有限公司", A)
    t2 = intake(store, staff, "徐州恒达机械有限公司", A, phone="0516-83801234")
    assert t1.enterprise_id == t2.enterprise_id
    p = published(store, staff, "稳岗返还实施细则")
    store.feedback.record(staff["clerk"], p.id, enterprise_name="云龙食品厂", topic="贷款融资", satisfaction="满意")
    manual = store.directory.add(staff["clerk"], "铜山纺织有限公司", uscc=B, district="铜山", industry="纺织")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"external_id": "H1", "received_at": "2026-11-20 09:00", "appeal_type": "咨询",
                                "enterprise_name": "贾汪建材厂", "content": "咨询", "status": "new"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    import_tickets(store, feed, "clerk")
    hits = {h.enterprise.name: h.enterprise for h in store.directory.search(staff["clerk"], "")}
    assert {n: e.first_source for n, e in hits.items()} == {
        "徐州恒达机械有限公司": "ticket", "云龙食品厂": "feedback", "铜山纺织有限公司": "manual", "贾汪建材厂": "import"}
    assert manual.district == "铜山区"  # spelled as data/districts.toml has it
    # the second caller's number became a further contact: found by it too
    prof = store.directory.profile(staff["clerk"], t1.enterprise_id)
    assert [x.phone for x in prof.contacts] == ["0516-83801234"] and prof.enterprise.contact_phone == "13805161234"
    assert names(store.directory.search(staff["clerk"], "0516-83801234")) == ["徐州恒达机械有限公司"]
    with pytest.raises(InvalidAction, match="已属于企业"):
        store.directory.add(staff["clerk"], "另一家", uscc=A)


def test_ensure_enterprise_works_inside_the_callers_transaction(store, staff):
    with store.write() as c:
        a = store.directory.ensure(c, "睢宁果蔬合作社", None, "睢宁县", "王社长", "13912345678", "visit")
        b = store.directory.ensure(c, "睢宁果蔬合作社", C, source="visit")
    assert a == b
    e = store.directory.profile(staff["clerk"], a).enterprise
    assert (e.uscc, e.first_source, e.contact_name) == (C, "visit", "王社长")


# ---------------------------------------------------------------- search


@pytest.fixture
def directory(store, staff):
    """Six enterprises: names with a shared prefix and a shared middle word."""
    ids = {}
    for name, code, phone in [("徐州恒达机械有限公司", A, "13805161234"), ("徐州[b]徐州[/b]机械厂", None, "13905162222"),
                              ("云龙重工机械制造", B, "13705163333"), ("铜山食品有限公司", None, "0516-83804444"),
                              ("机械之家", None, ""), ("鼓楼路灯[/]坏了商行", C, "15005165555")]:
        ids[name] = intake(store, staff, name, code, phone=phone).enterprise_id
    return ids


def test_search_by_name_prefix_first_then_substring_newest_first(store, staff, directory):
    clerk = staff["clerk"]
    assert names(store.directory.search(clerk, "机械")) == [
        "机械之家", "云龙重工机械制造", "徐州[b]徐州[/b]机械厂", "徐州恒达机械有限公司"]
    assert names(store.directory.search(clerk, "徐州")) == ["徐州[b]徐州[/b]机械厂", "徐州恒达机械有限公司"]
    assert names(store.directory.search(clerk, "重工机械")) == ["云龙重工机械制造"]
    assert names(store.directory.search(clerk, "徐州 机械厂")) == ["徐州[b]徐州[/b]机械厂"]
    assert names(store.directory.search(clerk, "[/]")) == ["鼓楼路灯[/]坏了商行"]
    assert store.directory.search(clerk, "不存在的企业") == []


def test_search_by_uscc_any_case_and_by_phone(store, staff, directory):
    clerk = staff["clerk"]
    hit, = store.directory.search(clerk, B.lower())
    assert (hit.enterprise.name, hit.matched, hit.open_tickets, hit.total_tickets) == ("云龙重工机械制造", "信用代码", 1, 1)
    assert names(store.directory.search(clerk, "0516 8380 4444")) == ["铜山食品有限公司"]
    assert names(store.directory.search(clerk, "13705163333")) == ["云龙重工机械制造"]


def test_keyset_pages_cover_every_match_once(store, staff, directory):
    clerk = staff["clerk"]
    for text in ("机械", ""):
        every = names(store.directory.search(clerk, text, limit=100))
        got, after = [], None
        while True:
            page = store.directory.search(clerk, text, limit=2, after=after)
            if not page:
                break
            got += names(page)
            after = page[-1].key
        assert got == every
    assert names(store.directory.search(clerk, "", district="铜山区")) == []
    store.directory.update(clerk, directory["铜山食品有限公司"], {"district": "铜山区"})
    assert names(store.directory.search(clerk, "", district="铜山区")) == ["铜山食品有限公司"]


def test_ticket_counts_on_each_hit(store, staff, directory):
    t = intake(store, staff, "机械之家")
    store.tickets.close(staff["clerk"], t.id, note="重复来电", reason="duplicate")
    hit, = [h for h in store.directory.search(staff["clerk"], "机械之家")]
    assert (hit.open_tickets, hit.total_tickets) == (1, 2)


# ---------------------------------------------------------------- one enterprise, whole history


def test_history_in_one_view(store, staff, clock):
    clerk = staff["clerk"]
    first = intake(store, staff, "徐州恒达机械有限公司", A)
    eid = first.enterprise_id
    store.tickets.direct_answer(clerk, first.id, "按知识库答复：已发放")
    store.tickets.follow_up(clerk, first.id, "满意")
    clock.set("2026-11-27T10:00:00+08:00")
    second = intake(store, staff, "徐州恒达机械有限公司", A, appeal_type="complaint")
    store.tickets.dispatch(clerk, second.id, "市人社局")
    p1, p2, p3 = (published(store, staff, t) for t in ("稳岗返还实施细则", "技改补贴申报指南", "早于入会的政策"))
    assoc = first_association(store)
    store.library.push(staff["sup"], p3.id, [assoc.id])  # before the enterprise joined: never reached it
    member(store, assoc.code, eid, "2026-11-27T11:00:00+08:00")
    clock.set("2026-11-27T12:00:00+08:00")
    store.library.push(staff["sup"], p2.id, [assoc.id])
    store.directory.push_policy(clerk, p1.id, eid, "电话告知")
    store.feedback.record(clerk, p1.id, enterprise_name="徐州恒达机械有限公司", uscc=A, topic="复工用工",
                          satisfaction="基本满意", text="材料清单再简化些")
    visit(store, eid, "2026-11-20", "恒达厂区")
    visit(store, eid, "2026-11-21", "作废的走访", voided=True)
    prof = store.directory.profile(clerk, eid)
    f = prof.figures
    assert (f.total, f.open, f.closed, f.satisfaction["satisfied"], f.satisfaction_rate) == (2, 1, 1, 1, 1.0)
    assert [m.name for m in prof.memberships] == [assoc.name]
    assert prof.counts == {"pushes": 2, "feedback": 1, "visits": 1, "events": 0}
    tickets, key = store.directory.tickets(clerk, eid)
    assert [t.id for t in tickets] == [second.id, first.id] and key is None
    assert tickets[1].satisfaction.label == "满意" and tickets[0].department_name == "市人社局"
    pushes, _ = store.directory.pushes(clerk, eid)
    assert [(x.policy_title, x.association) for x in pushes] == [("稳岗返还实施细则", ""), ("技改补贴申报指南", assoc.name)]
    fb, _ = store.directory.feedback(clerk, eid)
    assert [(x["policy_title"], x["text"]) for x in fb] == [("稳岗返还实施细则", "材料清单再简化些")]
    visits, _ = store.directory.visits(clerk, eid)
    assert [(v["place"], v["kind_label"]) for v in visits] == [("恒达厂区", "走访企业")]
    # the push is in the policy's history too
    assert any("推送至企业“徐州恒达机械有限公司”" in e["note"] for e in store.library.history(p1.id))


def test_ticket_history_pages_newest_first(store, staff, clock):
    for i in range(5):
        clock.set(dt.datetime(2026, 11, 2 + i, 9, 0))
        eid = intake(store, staff, "徐州恒达机械有限公司", A).enterprise_id
    got, key = [], None
    while True:
        page, key = store.directory.tickets(staff["clerk"], eid, after=key, limit=2)
        got += [t.received_at.day for t in page]
        if key is None:
            break
    assert got == [6, 5, 4, 3, 2]


def test_only_published_policies_are_pushed_and_only_by_clerks_and_supervisors(store, staff):
    eid = intake(store, staff, "徐州恒达机械有限公司", A).enterprise_id
    draft = store.library.create(staff["sup"], {"title": "草稿政策"})
    with pytest.raises(InvalidAction, match="已发布"):
        store.directory.push_policy(staff["clerk"], draft.id, eid)
    p = published(store, staff, "稳岗返还实施细则")
    with pytest.raises(PermissionDenied):
        store.directory.push_policy(staff["admin"], p.id, eid)


# ---------------------------------------------------------------- editing


def test_edit_checks_values_and_versions_and_records_before_after(store, staff):
    clerk = staff["clerk"]
    e = store.directory.profile(clerk, intake(store, staff, "徐州恒达机械有限公司").enterprise_id).enterprise
    bad_check = A[:17] + ("0" if A[17] != "0" else "1")
    for changes, message in [({"uscc": bad_check}, "校验位"), ({"district": "南京市玄武区"}, "所属区域"),
                             ({"contact_phone": "12345"}, "联系电话"), ({"name": " "}, "企业名称")]:
        with pytest.raises(InvalidAction, match=message):
            store.directory.update(clerk, e.id, changes, version=e.version)
    new = store.directory.update(clerk, e.id, {"uscc": A.lower(), "district": "高新区", "industry": "装备制造",
                                                "note": "重点企业"}, version=e.version)
    assert (new.uscc, new.district, new.version) == (A, "徐州高新技术产业开发区", e.version + 1)
    with pytest.raises(InvalidAction, match="已被 王受理 于"):  # the colleague's name, not the login
        store.directory.update(staff["sup"], e.id, {"industry": "机械"}, version=e.version)
    cid = store.directory.add_contact(clerk, e.id, "张会计", "0516-83801234", "财务", version=new.version)
    store.directory.remove_contact(staff["sup"], cid)
    events, _ = store.directory.history(clerk, e.id)
    assert [x.action for x in events] == ["contact_remove", "contact_add", "edit"]
    assert events[2].changes["uscc"] == [None, A] and events[2].changes["industry"] == ["", "装备制造"]
    assert store.directory.profile(clerk, e.id).contacts == []  # removed, but kept in the history
    assert store.directory.search(clerk, "0516-83801234") == []


def test_department_liaisons_may_not_read_or_change_the_directory(store, staff):
    eid = intake(store, staff, "徐州恒达机械有限公司", A).enterprise_id
    rsj = staff["rsj"]
    for call in (lambda: store.directory.search(rsj, "恒达"), lambda: store.directory.profile(rsj, eid),
                 lambda: store.directory.tickets(rsj, eid), lambda: store.directory.history(rsj, eid),
                 lambda: store.directory.update(rsj, eid, {"industry": "机械"}),
                 lambda: store.directory.add_contact(rsj, eid, "张", "13800000000"),
                 lambda: store.directory.add(rsj, "新企业"),
                 lambda: store.directory.merge(rsj, eid, eid + 1)):
        with pytest.raises(PermissionDenied, match="中心工作人员"):
            call()
    other = intake(store, staff, "恒达机械").enterprise_id
    with pytest.raises(PermissionDenied, match="受理员、值班长"):
        store.directory.merge(staff["admin"], eid, other)
    assert store.directory.search(staff["admin"], "恒达")  # an administrator may read and edit


# ---------------------------------------------------------------- merging


@pytest.fixture
def duplicate(store, staff, clock):
    """One enterprise recorded twice — with its USCC, and by a short name without
    one — each with tickets, contacts, a membership, a push, feedback and a visit."""
    clerk = staff["clerk"]
    keep_t = intake(store, staff, "徐州恒达机械有限公司", None, phone="13805161234")
    clock.set("2026-11-26T10:00:00+08:00")
    drop_ts = [intake(store, staff, "恒达机械", A, phone="13905169999") for _ in range(2)]
    keep, drop = keep_t.enterprise_id, drop_ts[0].enterprise_id
    store.directory.add_contact(clerk, drop, "张会计", "0516-83801234")
    assoc = store.association_list()
    member(store, assoc[0].code, keep, "2026-11-01T09:00:00+08:00")
    member(store, assoc[0].code, drop, "2026-10-01T09:00:00+08:00")  # both members: stays with drop
    member(store, assoc[1].code, drop, "2026-10-01T09:00:00+08:00")
    p = published(store, staff, "稳岗返还实施细则")
    store.directory.push_policy(clerk, p.id, drop, "短信")
    store.feedback.record(clerk, p.id, enterprise_name="恒达机械", uscc=A, topic="贷款融资", satisfaction="不满意")
    shared = visit(store, keep, "2026-11-10", "恒达厂区")
    with store.write() as c:
        c.execute("INSERT INTO outreach_enterprises(activity_id, enterprise_id) VALUES (?, ?)", (shared, drop))
    visit(store, drop, "2026-11-12", "高新区服务站")
    return {"keep": keep, "drop": drop, "tickets": [keep_t.id] + [t.id for t in drop_ts], "assoc": assoc[:2]}


def test_merge_keeps_every_link_and_both_histories(store, staff, duplicate):
    clerk = staff["clerk"]
    keep, drop = duplicate["keep"], duplicate["drop"]
    before = store.directory.profile(clerk, keep).enterprise
    merged = store.directory.merge(clerk, keep, drop, version_keep=before.version, note="同一企业，简称")
    assert (merged.uscc, merged.version) == (A, before.version + 1)  # the USCC moved to the kept record
    prof = store.directory.profile(clerk, keep)
    assert prof.figures.total == 3
    assert sorted(t.id for t in store.directory.tickets(clerk, keep)[0]) == sorted(duplicate["tickets"])
    assert {x.phone for x in prof.contacts} == {"0516-83801234", "13905169999"}
    assert {m.name for m in prof.memberships} == {a.name for a in duplicate["assoc"]}
    assert min(m.joined_at for m in prof.memberships).startswith("2026-10-01")
    assert [x.note for x in store.directory.pushes(clerk, keep)[0] if not x.association] == ["短信"]
    assert len(store.directory.feedback(clerk, keep)[0]) == 1
    assert [v["place"] for v in store.directory.visits(clerk, keep)[0]] == ["高新区服务站", "恒达厂区"]
    assert [e.name for e in prof.merged_from] == ["恒达机械"]
    # both records' histories say what happened; the merged record is kept, pointing on
    events = store.directory.history(clerk, keep)[0]
    kept_event = next(e for e in events if e.record == keep and e.action == "merge_in")
    assert sorted(kept_event.changes["moved"]["tickets"]) == sorted(duplicate["tickets"][1:])
    assert "同一企业，简称" in kept_event.note
    assert any(e.record == drop and e.action == "merged" for e in events)
    assert store.directory.profile(clerk, drop).enterprise.id == keep  # the merged id opens the survivor
    with store.write() as c:
        row = c.execute("SELECT merged_into, name FROM enterprises WHERE id = ?", (drop,)).fetchone()
    assert tuple(row) == (keep, "恒达机械")


def test_merged_record_is_not_listed_but_its_uscc_and_new_appeals_lead_to_the_survivor(store, staff, duplicate):
    clerk = staff["clerk"]
    keep, drop = duplicate["keep"], duplicate["drop"]
    store.directory.merge(clerk, keep, drop)
    assert names(store.directory.search(clerk, "恒达机械")) == ["徐州恒达机械有限公司"]
    assert [h.enterprise.id for h in store.directory.search(clerk, A)] == [keep]
    assert [h.enterprise.id for h in store.directory.search(clerk, "13905169999")] == [keep]
    assert intake(store, staff, "恒达机械", A).enterprise_id == keep  # by USCC
    assert intake(store, staff, "恒达机械").enterprise_id == keep  # by the merged record's name
    assert [e.id for e in store.directory.find(A)] == [keep]
    assert {t.enterprise_id for t in store.tickets.open_of(A, "恒达机械")} == {keep}


def test_merge_with_different_usccs_keeps_both_and_the_old_one_still_leads_to_the_survivor(store, staff):
    clerk = staff["clerk"]
    keep = intake(store, staff, "徐州恒达机械有限公司", A).enterprise_id
    drop = intake(store, staff, "徐州恒达机械", B).enterprise_id
    store.directory.merge(staff["sup"], keep, drop)
    assert [h.enterprise.id for h in store.directory.search(clerk, B)] == [keep]
    assert intake(store, staff, "徐州恒达机械", B).enterprise_id == keep


def test_earlier_merges_are_repointed_flat(store, staff):
    clerk = staff["clerk"]
    a, b, c = (intake(store, staff, n).enterprise_id for n in ("恒达甲", "恒达乙", "恒达丙"))
    store.directory.merge(clerk, b, c)
    store.directory.merge(clerk, a, b)
    prof = store.directory.profile(clerk, a)
    assert sorted(e.id for e in prof.merged_from) == [b, c] and prof.figures.total == 3
    assert store.directory.profile(clerk, c).enterprise.id == a
    assert any(e.record == c and e.action == "merge_moved" for e in store.directory.history(clerk, a)[0])


def test_merge_refusals(store, staff):
    clerk = staff["clerk"]
    a, b, c = (intake(store, staff, n).enterprise_id for n in ("恒达甲", "恒达乙", "恒达丙"))
    with pytest.raises(InvalidAction, match="合并到它自己"):
        store.directory.merge(clerk, a, a)
    store.directory.merge(clerk, a, b)
    with pytest.raises(InvalidAction, match="不能合并到已合并的档案"):
        store.directory.merge(clerk, b, c)
    with pytest.raises(InvalidAction, match="不能再次合并"):
        store.directory.merge(clerk, c, b)
    stale = store.directory.profile(clerk, c).enterprise.version
    store.directory.update(clerk, c, {"industry": "机械"})
    with pytest.raises(InvalidAction, match="请重新载入"):
        store.directory.merge(clerk, a, c, version_drop=stale)
    with pytest.raises(NotFound):
        store.directory.merge(clerk, a, 9999)
    with pytest.raises(InvalidAction, match="已并入"):
        store.directory.update(clerk, b, {"industry": "机械"})


def test_enterprise_history_tables_are_append_only(store, staff):
    eid = intake(store, staff, "恒达甲").enterprise_id
    store.directory.update(staff["clerk"], eid, {"industry": "机械"})
    with pytest.raises(Exception, match="只能追加"):
        with store.write() as c:
            c.execute("DELETE FROM enterprise_events")


# ---------------------------------------------------------------- query plans


def plans(store, call) -> list[tuple[str, list[str]]]:
    """(sql, plan) of every SELECT ``call`` ran, on any table."""
    return plans_of(store, call, table=None)


def assert_no_table_scan(found, tables=("enterprises", "tickets", "enterprise_contacts", "enterprise_events",
                                        "enterprise_pushes", "policy_feedback", "outreach_enterprises")):
    assert found
    for sql, plan in found:
        for line in plan:
            for t in tables:
                if line.startswith(f"SCAN {t}") or line.startswith("SCAN e ") or line == "SCAN e":
                    assert "INDEX" in line, (sql, plan)
            # a list read in index order stops at the page; a sort would read every match first
            if "USE TEMP B-TREE FOR ORDER BY" in line:
                assert "FROM tickets" not in sql and "ORDER BY e.name" not in sql or "e.id IN (" in sql, (sql, plan)


def test_directory_search_and_history_pages_use_indexes(store, staff, duplicate):
    clerk, keep = staff["clerk"], duplicate["keep"]
    for text in ("恒达", "恒达机械", A, "13905169999", ""):
        assert_no_table_scan(plans(store, lambda: store.directory.search(clerk, text)))
    first, key = store.directory.tickets(clerk, keep, limit=1)
    assert_no_table_scan(plans(store, lambda: store.directory.profile(clerk, keep)))
    assert_no_table_scan(plans(store, lambda: store.directory.tickets(clerk, keep, after=key, limit=1)))
    for call in (store.directory.pushes, store.directory.feedback, store.directory.visits, store.directory.history):
        assert_no_table_scan(plans(store, lambda: call(clerk, keep)))
    ticket_page = plans(store, lambda: store.directory.tickets(clerk, keep))
    assert any("tickets_enterprise_received" in " ".join(p) for _, p in ticket_page)
