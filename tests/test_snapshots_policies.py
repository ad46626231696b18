"""Snapshots of the policy library and the knowledge base at 80×24 (an ordinary
SSH terminal) and 120×40.

Chinese reference data (65 policies, 45 knowledge entries) plus a policy
whose title holds markup and an escape byte, on a fresh database with a
frozen clock (the header shows minutes only, so nothing ticks); the table
has the focus, so no cursor blinks.  Update with
``pytest --snapshot-update tests/test_snapshots_policies.py`` on Python 3.11
and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest

from xzconsole.app import XzApp
from xzconsole.screens.knowledge import KnowledgeScreen
from xzconsole.screens.policies import PolicyLibraryScreen
from pilot_support import SIZES, open_screen


@pytest.fixture
def library_db(store, staff) -> Any:
    p = store.library.create(staff["sup"], {
        "title": "[b]x[/b]关于申报稳岗补贴的通知\x1b[31m", "doc_number": "徐人社发〔2026〕88号", "issuer": "市人社局",
        "kind": "申报类", "category": "人才就业", "valid_until": "2026-12-10",
        "summary": "对不裁员或少裁员的参保企业返还失业保险费。", "interpreter_name": "陈永刚",
        "interpreter_phone": "0516-83735126", "apply_url": "https://rsj.xz.gov.cn/apply?id=88",
        "source_url": "https://rsj.xz.gov.cn/zcwj/88.html"})
    store.library.publish(staff["sup"], p.id)
    return store


@pytest.mark.parametrize("size", SIZES)
def test_policy_library(snap_compare, library_db, size):
    app = XzApp(library_db.path, "sup", library_db.clock)
    assert snap_compare(app, terminal_size=size, run_before=open_screen(PolicyLibraryScreen))


@pytest.mark.parametrize("size", SIZES)
def test_knowledge_base(snap_compare, library_db, size):
    app = XzApp(library_db.path, "sup", library_db.clock)
    assert snap_compare(app, terminal_size=size, run_before=open_screen(lambda: KnowledgeScreen("社保")))
