"""The monthly bulletin carries the policy collection figures of SPEC §6:
publication lag against the editable targets and sources left unchecked."""

from __future__ import annotations

import datetime as dt

from xzconsole.services import bulletin_files, reports


def test_bulletin_counts_unchecked_source_days_and_a_check_reduces_them(store, staff, clock):
    # 2026-11-26 is a Thursday; the period runs from Monday 23rd to today: 4 working days
    start, end = dt.date(2026, 11, 23), dt.date(2026, 11, 26)
    a = reports.assess(store, start, end, store.now())
    sheet = {t.title: t for t in bulletin_files.tables(a)}["政策采集与解读"]
    before = {row[0]: row[-1] for row in sheet.rows}
    source = next(s for s in store.collection.sources() if s["responsible"] in before)
    owner = source["responsible"]
    assert before[owner] == 4 * sum(1 for s in store.collection.sources() if s["responsible"] == owner)

    store.collection.record_source_check(staff["clerk"], source["id"], 2, "巡查两条新政策")
    a = reports.assess(store, start, end, store.now())
    after = {row[0]: row[-1] for row in {t.title: t for t in bulletin_files.tables(a)}["政策采集与解读"].rows}
    assert after[owner] == before[owner] - 1
    assert "政策采集与解读" in bulletin_files.render_markdown(a)


def test_publication_target_comes_from_the_editable_data(store, staff):
    store.collection.set_targets(staff["sup"], 1, 2, 5)
    a = reports.assess(store, dt.date(2026, 11, 1), dt.date(2026, 11, 30), store.now())
    assert a.publish_target == 2
    headers = {t.title: t for t in bulletin_files.tables(a)}["政策发布"].headers
    assert "时滞达标数（≤2个工作日）" in headers
