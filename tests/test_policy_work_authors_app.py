"""Pilot: a department liaison drafts a policy in the console, submits it,
the center returns it with a reason, the liaison corrects and resubmits, the
center publishes it; both see the state and history (issue 15, item 1).
And a liaison keeps a knowledge entry under the center's review."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from xzconsole.app import XzApp
from xzconsole.screens.dialogs import ConfirmDialog, ReasonDialog
from xzconsole.screens.knowledge import KnowledgeEditor, KnowledgeScreen
from xzconsole.screens.policies import PolicyLibraryScreen
from xzconsole.screens.policy_editor import PolicyEditorScreen

from pilot_support import settle
from test_app_policies import cells

TITLE = "徐州市2026年度稳岗返还经办规程"


async def _library(pilot) -> PolicyLibraryScreen:
    await settle(pilot)
    screen = PolicyLibraryScreen()
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def test_a_liaison_draft_goes_through_review_to_publication(store, staff):
    # the liaison of 市人社局 drafts and submits
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _library(pilot)
        await pilot.press("a")
        await settle(pilot)
        editor = pilot.app.screen
        assert isinstance(editor, PolicyEditorScreen)
        issuer = editor.query_one("#ed-issuer", Input)
        assert issuer.value == "市人社局" and issuer.disabled
        editor.query_one("#ed-title", Input).value = TITLE
        editor.query_one("#ed-doc_number", Input).value = "徐人社发〔2026〕121号"
        await pilot.press("ctrl+t")  # save and submit: refused without summary and interpreter
        await settle(pilot)
        assert "未提交" in editor.error_text and "摘要" in editor.error_text
        pid = editor.policy_id
        assert pid is not None and store.library.get(pid).review == "editing"
        editor.query_one("#ed-summary", TextArea).text = "参保单位上年度未裁员的，按实际缴纳失业保险费的一定比例返还。"
        editor.query_one("#ed-interpreter_name", Input).value = "王敏"
        editor.query_one("#ed-interpreter_phone", Input).value = "0516-83801234"
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert store.library.get(pid).review == "submitted"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")  # the department's own drafts
        await settle(pilot)
        assert cells(screen)[0][0] == "待审核" and cells(screen)[0][-1] == TITLE
        assert "部门起草：市人社局 · 待中心审核" in screen.query_one("#pol-detail").render().plain

    # the center returns it with a reason
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _library(pilot)
        assert "1 份部门起草的政策待审核" in screen.notice_text
        await pilot.press("v")
        await settle(pilot)
        assert [r[-1] for r in cells(screen)] == [TITLE]
        await pilot.press("x")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog)
        dialog.query_one(Input).value = "文号应为徐人社规〔2026〕5号，请核对"
        await pilot.press("enter")
        await settle(pilot)
        assert store.library.get(pid).review == "returned"
        assert "待审核" not in screen.notice_text

    # the liaison sees why, corrects and resubmits from the list
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _library(pilot)
        assert "1 份政策草稿被中心退回" in screen.notice_text
        await pilot.press("m")
        await settle(pilot)
        assert cells(screen)[0][0] == "已退回"
        detail = screen.query_one("#pol-detail").render().plain
        assert "退回理由：文号应为徐人社规〔2026〕5号，请核对" in detail and "中心退回部门" in detail
        await pilot.press("e")
        await settle(pilot)
        editor = pilot.app.screen
        assert isinstance(editor, PolicyEditorScreen)
        editor.query_one("#ed-doc_number", Input).value = "徐人社规〔2026〕5号"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert store.library.get(pid).review == "submitted"

    # the center publishes it
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        screen = await _library(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
    p = store.library.get(pid)
    assert p.status.value == "published" and p.review == "approved" and p.doc_number == "徐人社规〔2026〕5号"
    assert [(h["actor"], h["action"]) for h in store.library.history(pid)] == [
        ("rsj", "create"), ("rsj", "edit"), ("rsj", "submit"), ("sup", "return"), ("rsj", "edit"),
        ("rsj", "submit"), ("sup", "publish")]


async def test_a_liaison_writes_a_knowledge_entry_the_center_accepts(store, staff):
    question = "灵活就业人员如何调整社保缴费基数？"
    async with XzApp(store.path, "rsj", store.clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = KnowledgeScreen()
        pilot.app.push_screen(screen)
        await settle(pilot)
        screen.table.focus()
        await pilot.press("a")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, KnowledgeEditor)
        assert dialog.query_one("#kbe-department", Input).value == "市人社局"
        dialog.query_one("#kbe-question", Input).value = question
        dialog.query_one("#kbe-answer", TextArea).text = "每年7月1日至9月30日在江苏智慧人社APP申报新年度缴费基数。"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "待中心审核" in screen.detail_text
    async with XzApp(store.path, "sup", store.clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = KnowledgeScreen()
        pilot.app.push_screen(screen)
        await settle(pilot)
        assert "1 条部门维护的知识库条目待审核" in screen.notice_text
        screen.table.focus()
        await pilot.press("v")
        await settle(pilot)
        assert screen.entries[0].question == question
        await pilot.press("y")
        await settle(pilot)
    entry = next(e for e in store.knowledge.search("缴费基数") if e.question == question)
    assert entry.accepted and entry.review == ""
