"""The enterprise directory and the palette find enterprises by the pinyin and
the initials of their names (issue 16): ``xzjs`` / ``XuZhou`` → 徐州金盛…,
on every path that makes or renames a record, paged without repeats, from
indexes, and in a database upgraded from before the keys were stored."""

from __future__ import annotations

import json
import sqlite3

import pytest

from xzconsole import cli, identity
from xzconsole.areas import schema
from xzconsole.areas.directory import fill_name_keys
from xzconsole.models import TicketIntake, uscc_check_char
from xzconsole.services.importers import import_tickets
from xzconsole.store import CITY_CENTER, Store
from test_enterprises import assert_no_table_scan, plans

A = "91320302MA1XK0001" + uscc_check_char("91320302MA1XK0001")
B = "91320311MA1XK0002" + uscc_check_char("91320311MA1XK0002")


def intake(store, staff, name, code=None, phone="13805161234", appeal_type="consultation"):
    return store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type=appeal_type, enterprise_name=name, uscc=code, contact_name="李经理", contact_phone=phone,
        content="稳岗返还资金至今未到账"))


def names(hits):
    return [h.enterprise.name for h in hits]


def index_intact(conn) -> None:
    """The trigram index of the keys is sound (FTS5's own check) and finds each
    record by its stored keys."""
    conn.execute("INSERT INTO enterprises_pinyin_fts(enterprises_pinyin_fts, rank) VALUES ('integrity-check', 0)")
    for eid, full, initials in conn.execute("SELECT id, name_pinyin, name_initials FROM enterprises").fetchall():
        for key in (full, initials):
            hits = [r[0] for r in conn.execute("SELECT rowid FROM enterprises_pinyin_fts WHERE enterprises_pinyin_fts "
                                               "MATCH ?", (f'"{key}"',))]
            assert eid in hits, (eid, key)


def found(store, actor, text):
    return names(store.directory.search(actor, text, limit=50))


def test_records_from_intake_import_manual_entry_and_a_visit_are_found_by_initials_and_pinyin_any_case(
        store, staff, tmp_path):
    clerk = staff["clerk"]
    intake(store, staff, "徐州金盛建设工程有限公司", A)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"external_id": "H1", "received_at": "2026-11-20 09:00", "appeal_type": "咨询",
                                "enterprise_name": "贾汪建材厂", "content": "咨询", "status": "new"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    import_tickets(store, feed, "clerk")
    store.directory.add(clerk, "铜山纺织有限公司", uscc=B)
    with store.write() as c:
        store.directory.ensure(c, "睢宁果蔬合作社", None, source="visit")
    for initials, full, name in [("xzjs", "XuZhouJinSheng", "徐州金盛建设工程有限公司"), ("JWJCC", "jiawang", "贾汪建材厂"),
                                 ("tsfz", "TongShan", "铜山纺织有限公司"), ("SnGs", "suining", "睢宁果蔬合作社")]:
        assert found(store, clerk, initials) == [name], initials
        assert found(store, clerk, full) == [name], full
    hit, = store.directory.search(clerk, "xzjs")
    assert hit.matched == "拼音" and hit.total_tickets == 1
    # a word of the initials elsewhere in the name, and several words
    assert found(store, clerk, "jsgc") == ["徐州金盛建设工程有限公司"]
    assert found(store, clerk, "xz jianshe") == ["徐州金盛建设工程有限公司"]
    assert found(store, clerk, "qwerty") == []
    # Chinese queries behave as before: no pinyin run
    assert found(store, clerk, "建设") == ["徐州金盛建设工程有限公司"]


def test_a_renamed_record_is_found_by_its_new_pinyin_only_and_a_merged_one_not_at_all(store, staff):
    clerk, sup = staff["clerk"], staff["sup"]
    eid = intake(store, staff, "徐州金盛建设工程有限公司", A).enterprise_id
    store.directory.update(clerk, eid, {"name": "云龙湖酒店管理有限公司"})
    assert found(store, clerk, "xzjs") == []
    assert found(store, clerk, "ylh") == found(store, clerk, "yunlonghu") == ["云龙湖酒店管理有限公司"]
    # a rename that sounds the same keeps keys (市人社局 → 市人社居: same pinyin)
    store.directory.update(clerk, eid, {"name": "云龙湖酒店管理有限公讵"})
    assert found(store, clerk, "ylh") == ["云龙湖酒店管理有限公讵"]
    # a rename by a path that does not give the keys leaves none stale: they are computed again
    with store.write() as c:
        c.execute("UPDATE enterprises SET name = '彭城食品有限公司' WHERE id = ?", (eid,))
    assert found(store, clerk, "ylh") == []
    assert store.directory.fill_name_keys() == 1
    assert found(store, clerk, "pcsp") == ["彭城食品有限公司"]
    # merging: the kept record is found, the merged one never listed
    drop = intake(store, staff, "彭城食品厂").enterprise_id
    assert found(store, clerk, "pcsp") == ["彭城食品厂", "彭城食品有限公司"]
    store.directory.merge(sup, eid, drop)
    assert found(store, clerk, "pcsp") == ["彭城食品有限公司"]
    hit, = store.directory.search(clerk, "pengcheng")
    assert hit.total_tickets == 2
    index_intact(store.conn)


def test_pinyin_pages_cover_every_match_once_after_the_name_matches(store, staff):
    clerk = staff["clerk"]
    for i, name in enumerate(["徐州金盛建设工程有限公司", "徐州恒达建设工程有限公司", "江苏徐州建设集团", "xz科技有限公司",
                              "徐州锦晟家具有限公司", "徐州彭城食品有限公司"]):
        intake(store, staff, name, phone=f"1380516000{i}")
    every = found(store, clerk, "xz")
    # the literal Latin name first (as before), then initials starting with xz, then pinyin, then elsewhere
    assert every[0] == "xz科技有限公司" and set(every[1:]) == {
        "徐州金盛建设工程有限公司", "徐州恒达建设工程有限公司", "徐州锦晟家具有限公司", "徐州彭城食品有限公司", "江苏徐州建设集团"}
    assert every[-1] == "江苏徐州建设集团"  # holds xz, does not start with it
    for text in ("xz", "xz js", "js"):
        whole = found(store, clerk, text)
        got, after = [], None
        while True:
            page = store.directory.search(clerk, text, limit=2, after=after)
            if not page:
                break
            got += names(page)
            after = page[-1].key
        assert got == whole, text


def test_pinyin_searches_read_indexes_not_the_table(store, staff):
    clerk = staff["clerk"]
    for i in range(3):
        intake(store, staff, f"徐州金盛建设工程{i}有限公司", phone=f"1380516000{i}")
    for text in ("xzjs", "XuZhou", "xz js", "jsgc", "q"):
        assert_no_table_scan(plans(store, lambda: store.directory.search(clerk, text)))


def test_the_palette_finds_a_ticket_by_its_enterprises_pinyin_as_the_actor_may_see_it(store, staff):
    t = intake(store, staff, "徐州金盛建设工程有限公司", A)
    secret = intake(store, staff, "徐州金盛建设工程有限公司", A, appeal_type="complaint")
    store.tickets.mark_confidential(staff["clerk"], secret.id)
    other = intake(store, staff, "铜山纺织有限公司", phone="13805169999")
    for tid in (t.id, secret.id, other.id):
        store.tickets.dispatch(staff["clerk"], tid, "市人社局")
    assert {x.id for x in store.queue.palette_tickets(staff["clerk"], "XZJS")} == {t.id, secret.id}
    assert {x.id for x in store.queue.palette_tickets(staff["clerk"], "xuzhoujin")} == {t.id, secret.id}
    # a liaison: their department's only, never a confidential one by its name
    assert [x.id for x in store.queue.palette_tickets(staff["rsj"], "xzjs")] == [t.id]
    assert store.queue.palette_tickets(staff["swj"], "xzjs") == []


# ---------------------------------------------------------------- a database from before the keys


@pytest.fixture
def before_keys(tmp_path):
    """A database at the schema just before the pinyin keys, with two
    enterprises (one merged into the other) and a clerk, written with plain SQL."""
    path = tmp_path / "old.db"
    step = schema.MIGRATIONS.index(schema._ENTERPRISE_PINYIN)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for migration in schema.MIGRATIONS[:step]:
        for statement in schema.split_sql(migration):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {step}")
    at = "2026-11-20T09:00:00+08:00"
    conn.execute("INSERT INTO staff(login, name, role, center, created_at) VALUES ('clerk', '王受理', 'clerk', ?, ?)",
                 (CITY_CENTER, at))
    conn.executemany("INSERT INTO enterprises(id, name, uscc, district, created_at, merged_into) VALUES (?,?,?,?,?,?)", [
        (1, "徐州金盛建设工程有限公司", A, "云龙区", at, None), (2, "徐州金盛建设公司", None, "", at, 1),
        (3, "邳州市银杏食品有限公司", B, "邳州市", at, None)])
    conn.execute("COMMIT")
    conn.close()
    return path


def test_the_upgrade_fills_the_keys_of_every_existing_record(before_keys, clock):
    s = Store(before_keys, clock)  # the SQL step (columns, indexes, triggers) and the keys, in one transaction
    try:
        assert s.q1("SELECT count(*) FROM enterprises WHERE name_pinyin IS NULL")[0] == 0
        clerk = s.staff.get("clerk")
        assert names(s.directory.search(clerk, "xzjs")) == ["徐州金盛建设工程有限公司"]
        with s.write() as c:  # keys lost again (a path that gave none): filled in batches
            c.execute("UPDATE enterprises SET name_pinyin = NULL, name_initials = NULL")
            assert s.directory.search(clerk, "xzjs") == []
            assert fill_name_keys(c, batch=2) == 3  # in batches
        keys = {r[0]: (r[1], r[2]) for r in s.q("SELECT id, name_pinyin, name_initials FROM enterprises")}
        assert keys[3] == ("pizhoushiyinxingshipinyouxiangongsi", "pzsyxspyxgs")
        assert names(s.directory.search(clerk, "xzjs")) == ["徐州金盛建设工程有限公司"]
        assert names(s.directory.search(clerk, "YinXing")) == ["邳州市银杏食品有限公司"]
        assert s.directory.fill_name_keys() == 0
        index_intact(s.conn)
        assert s.integrity_check() == ["ok"]
    finally:
        s.disconnect()


def test_the_command_line_upgrade_fills_the_keys(before_keys, monkeypatch, capsys):
    monkeypatch.setattr(identity, "current_login", lambda: "clerk")
    assert cli.main(["search", "policies", "稳岗", "--db", str(before_keys)]) in (0, 1)
    capsys.readouterr()
    conn = sqlite3.connect(before_keys)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM enterprises WHERE name_pinyin IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT name_initials FROM enterprises WHERE id = 1").fetchone()[0] == "xzjsjsgcyxgs"
    finally:
        conn.close()


def test_a_large_fill_rebuilds_the_index_once_and_keeps_it_in_step_afterwards(before_keys, clock, monkeypatch):
    from xzconsole.areas import directory

    monkeypatch.setattr(directory, "BULK_FILL_FROM", 2)  # the upgrade of a large directory, in small
    s = Store(before_keys, clock)  # the upgrade fills the keys (bulk: the index refilled once)
    try:
        assert s.q1("SELECT count(*) FROM enterprises WHERE name_pinyin IS NULL")[0] == 0
        index_intact(s.conn)
        triggers = {r[0] for r in s.q("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert "enterprises_pinyin_fts_update" in triggers  # set aside during the fill only
        clerk = s.staff.get("clerk")
        assert names(s.directory.search(clerk, "sxz")) == []
        s.directory.update(clerk, 3, {"name": "睢宁县果蔬合作社"})
        assert names(s.directory.search(clerk, "snx")) == names(s.directory.search(clerk, "SuiNing")) == ["睢宁县果蔬合作社"]
        assert names(s.directory.search(clerk, "yinxing")) == []
        index_intact(s.conn)
    finally:
        s.disconnect()


def test_the_console_opening_an_old_database_fills_the_keys_itself(before_keys, clock):
    s = Store(before_keys, clock)  # as XzApp opens it: migrated by the store, not the command line
    try:
        assert s.q1("SELECT count(*) FROM enterprises WHERE name_pinyin IS NULL")[0] == 0
        assert names(s.directory.search(s.staff.get("clerk"), "yinxing")) == ["邳州市银杏食品有限公司"]
    finally:
        s.disconnect()


def test_init_fills_the_keys_of_a_database_migrated_without_the_command_line(before_keys, clock, monkeypatch, capsys):
    s = Store(before_keys, clock)  # migrated by the store itself
    with s.write() as c:
        c.execute("INSERT INTO staff(login, name, role, center, created_at) VALUES ('ops', '运维', 'admin', ?, ?)",
                  (CITY_CENTER, "2026-11-20T09:00:00+08:00"))
        c.execute("UPDATE enterprises SET name_pinyin = NULL, name_initials = NULL")  # keys lost (a path that gave none)
    s.disconnect()
    monkeypatch.setattr(identity, "current_login", lambda: "ops")
    assert cli.main(["init", "--db", str(before_keys)]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(before_keys)
    try:
        assert conn.execute("SELECT count(*) FROM enterprises WHERE name_pinyin IS NULL").fetchone()[0] == 0
    finally:
        conn.close()


def test_keys_read_polyphones_in_context_and_keep_latin_words_whole():
    from xzconsole import pinyin_keys

    assert pinyin_keys.keys("徐州银行") == ("xuzhouyinhang", "xzyh")
    assert pinyin_keys.keys("恒瑞重工") == ("hengruizhonggong", "hrzg")
    assert pinyin_keys.keys("ABB（中国）有限公司") == ("abbzhongguoyouxiangongsi", "abbzgyxgs")
    assert pinyin_keys.keys("[b]x[/b]商贸") == ("bxbshangmao", "bxbsm")  # markup characters are not typed
