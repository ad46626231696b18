"""Reference data (issue 15, item 6): `init` loads reference data and no
invented content; the policy source list in the seed's shape; the monthly
card target; a declaration policy needs its application link to be published."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from test_import import rows_of, run

from xzconsole.areas.base import DATA_DIR
from xzconsole.errors import InvalidAction
from xzconsole.outreach import OutreachDataError, parse_kinds
from xzconsole.store import Store


def test_init_on_a_new_database_loads_no_invented_policies_or_knowledge(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("XZCONSOLE_DB", raising=False)
    db = tmp_path / "center.db"
    code, out, err = run(capsys, "init", "--db", str(db), login="ops")
    assert code == 0, err
    assert "政策收集来源 63 个" in err
    assert rows_of(db, "SELECT count(*) FROM policies") == [(0,)]
    assert rows_of(db, "SELECT count(*) FROM knowledge") == [(0,)]
    # the reference data is there
    assert rows_of(db, "SELECT count(*) FROM departments")[0][0] == 70
    assert rows_of(db, "SELECT count(*) FROM associations")[0][0] == 16
    assert rows_of(db, "SELECT count(*) FROM categories WHERE parent_id IS NULL")[0][0] == 9
    assert rows_of(db, "SELECT count(*) FROM settings WHERE key IN ('weights', 'publication_targets')")[0][0] == 2
    code, out, err = run(capsys, "search", "policies", "社保", "--json", "--db", str(db), login="ops")
    assert code == 0, err
    assert out == ""
    code, out, err = run(capsys, "search", "knowledge", "社保", "--json", "--db", str(db), login="ops")
    assert code == 0 and out == ""


def test_the_demo_sample_library_is_only_in_the_demo_module():
    assert not (DATA_DIR / "policies.toml").exists() and not (DATA_DIR / "knowledge.toml").exists()
    from xzconsole.demo.policies import SAMPLE_DIR

    assert (SAMPLE_DIR / "policies.toml").exists() and (SAMPLE_DIR / "knowledge.toml").exists()


def test_the_policy_sources_follow_the_seed_3_1_2_55_2_each_with_a_responsible_party(tmp_path, clock):
    s = Store(tmp_path / "r.db", clock)
    try:
        s.load_reference_data()
        sources = s.collection.sources()
        assert Counter(x["kind"] for x in sources) == {"national": 3, "provincial": 1, "municipal": 2,
                                                       "department": 55, "news": 2}
        shorts = {d.short_name for d in s.departments()}
        municipal = {d.short_name for d in s.departments() if d.kind == "municipal"}
        assert all(x["responsible"] and (x["responsible"] in shorts or x["responsible"] == "市企业服务中心")
                   for x in sources)
        # every municipal department checks its own website
        # every department website is checked by its own department, one each (市政务办, the
        # center's own office, added for 12345's vocabulary, has none of the 55 in the seed's list)
        own = [x["responsible"] for x in sources if x["kind"] == "department"]
        assert len(own) == len(set(own)) == 55 and set(own) <= municipal
        assert all(x["url"].startswith(("http://", "https://")) for x in sources)
        assert len({x["url"] for x in sources}) == len(sources)
    finally:
        s.disconnect()


def test_a_source_taken_out_of_the_file_stops_being_due_on_reload(tmp_path, clock):
    data = tmp_path / "data"
    data.mkdir()
    text = (DATA_DIR / "policy_sources.toml").read_text(encoding="utf-8")
    (data / "policy_sources.toml").write_text(text, encoding="utf-8")
    s = Store(tmp_path / "r.db", clock)
    try:
        s.collection.load_reference(data)
        assert len(s.collection.sources()) == 63
        parsed = tomllib.loads(text)["source"]
        kept = [x for x in parsed if x["code"] != "xzrb"]
        lines = []
        for x in kept:
            lines.append("[[source]]")
            lines.extend(f'{k} = "{v}"' for k, v in x.items())
        (data / "policy_sources.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        s.collection.load_reference(data)
        active = {x["code"] for x in s.collection.sources()}
        assert len(active) == 62 and "xzrb" not in active
        assert "xzrb" in {x["code"] for x in s.collection.sources(include_inactive=True)}
    finally:
        s.disconnect()


def test_the_card_target_is_ten_thousand_a_month(store):
    cards = next(k for k in store.outreach.kinds() if k.measure == "cards")
    assert cards.monthly == 10000 and cards.target == 120000


def test_a_target_period_other_than_year_or_month_is_refused_with_its_line():
    text = '[[kind]]\ncode = "cards"\nlabel = "联系卡"\ntarget = 5\nunit = "张"\nmeasure = "cards"\nper = "week"\n'
    with pytest.raises(OutreachDataError) as e:
        parse_kinds(text)
    assert "per" in str(e.value) and e.value.line == 7


DECLARATION = {
    "title": "关于开展2026年度徐州市首台（套）重大装备认定的通知", "doc_number": "徐工信发〔2026〕201号",
    "issuer": "市工信局", "level": "市", "category": "产业发展", "subcategory": "专精特新", "kind": "申报类",
    "summary": "对本市企业研制的首台（套）重大装备给予认定和奖励，企业在线申报。",
    "interpreter_name": "陈永刚", "interpreter_phone": "0516-83735126",
    "valid_until": dt.date(2026, 12, 31),
}


def test_a_declaration_policy_cannot_be_published_without_its_application_link(store, staff):
    p = store.library.create(staff["sup"], DECLARATION)
    with pytest.raises(InvalidAction) as e:
        store.library.publish(staff["sup"], p.id)
    assert "申报链接" in str(e.value)
    assert store.library.get(p.id).status.value == "draft"
    store.library.update(staff["sup"], p.id, {"apply_url": "https://qyfw.xz.gov.cn/zcsb/2026/sts"})
    assert store.library.publish(staff["sup"], p.id).status.value == "published"
    # once published it keeps its link
    with pytest.raises(InvalidAction) as e:
        store.library.update(staff["sup"], p.id, {"apply_url": ""})
    assert "申报链接" in str(e.value)


def test_an_imported_declaration_without_a_link_stays_a_draft(store, staff):
    row = {**DECLARATION, "title": "关于申报2026年度徐州市服务业发展引导资金的通知", "doc_number": "徐发改〔2026〕88号"}
    now = store.now_s()
    with store.write() as c:
        assert store.library.insert_policy(c, row, now)
    got = store.q1("SELECT status FROM policies WHERE title = ?", (row["title"],))
    assert got is not None and got["status"] == "draft"
