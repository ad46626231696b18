"""The wall page in a real browser: headless Chromium driven by Playwright (SPEC §13, issue 17).

The server runs as its own process (``xzconsole wall --web``) on the frozen
clock; commits come from other processes.  Chromium is the system's
(Debian's ``chromium``; ``.ci/run`` installs it): Playwright never downloads
a browser of its own.  Where no Chromium can be found these tests are
skipped, and pytest prints the reason (``-rs``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wall_support import (
    COMMIT_NEW_RED,
    COMMIT_REPLY,
    HOSTILE_NAME,
    NEW_RED_NAME,
    SECRET_NAME,
    build_wall_data,
    free_port,
    run_python,
    start_server,
    stop_server,
)

from xzconsole.store import Store

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：pip install -e '.[test]'")

# Chromium as a kiosk on a machine with no internet: nothing in the background may phone home
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the page's own font stack (wall.css), as Chromium names the faces
CJK_FACES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
             "PingFang SC", "Hiragino Sans GB")


def find_chromium() -> str | None:
    """The system Chromium: ``$XZCONSOLE_CHROMIUM``, else the usual names on the PATH."""
    for candidate in (os.environ.get("XZCONSOLE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="找不到 Chromium，网页大屏的浏览器测试未运行（Debian：apt-get install chromium fonts-noto-cjk；"
           "或设置 XZCONSOLE_CHROMIUM）")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (a fresh temporary profile: ``launch`` makes one)."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def wall(store: Store, staff: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The dataset, and the wall server serving it on a free port."""
    ids = build_wall_data(store, staff)
    port = free_port()
    box = {"ids": ids, "port": port, "url": f"http://127.0.0.1:{port}/", "proc": start_server(store.path, port)}
    yield box
    stop_server(box["proc"])


def open_wall(browser: Any, url: str, size: tuple[int, int] = (1920, 1080), *, fake_clock: bool = False) -> Any:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    if fake_clock:  # time flows as usual, and the test can jump it forward
        page.clock.install()
    page.goto(url)
    wait_until(page, "document.body.dataset.seq !== '0'", 15)
    return page


def wait_until(page: Any, expression: str, timeout: float) -> float:
    """Poll ``expression`` in the page until true; the seconds it took (fails after ``timeout``).

    Polled from here, not with ``wait_for_function``: that one evaluates its
    predicate with ``eval``, which the page's own Content-Security-Policy forbids.
    """
    start = time.monotonic()
    while not page.evaluate(expression):
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {expression}")
        time.sleep(0.02)
    return time.monotonic() - start


def count(page: Any, level: str) -> str:
    return str(page.locator(f"#level-{level} .count").text_content())


def ticket_row(page: Any, text: str) -> Any:
    return page.locator("#ticket-rows tr").filter(has_text=text)


def test_counts_and_tickets_then_a_commit_elsewhere_then_a_server_restart(browser: Any, store: Store,
                                                                          wall: dict[str, Any]) -> None:
    expect = sync_api.expect
    page = open_wall(browser, wall["url"], fake_clock=True)
    try:
        # the three counts, each with its symbol, word and supervising body
        assert (count(page, "red"), count(page, "orange"), count(page, "yellow")) == ("3", "1", "1")
        expect(page.locator("#level-red")).to_contain_text("■ 红色预警")
        expect(page.locator("#level-red")).to_contain_text("市纪委监委督办")
        expect(page.locator("#level-orange")).to_contain_text("◆ 橙色预警")
        expect(page.locator("#level-orange")).to_contain_text("市营商办督办")
        expect(page.locator("#level-yellow")).to_contain_text("▲ 黄色预警")
        expect(page.locator("#level-yellow")).to_contain_text("企服平台督办")
        expect(page.locator("#notice-due_today")).to_contain_text("今日到期1")
        expect(page.locator("#notice-unsigned")).to_contain_text("超时未签收1")
        row = ticket_row(page, "徐州云龙机械有限公司")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("■ 红色")
        expect(row).to_contain_text("市人社局")
        expect(row).to_contain_text("10 日")
        expect(page.locator("#clock")).to_have_text("2026年11月26日 周四 09:30（模拟时间）")
        expect(page.locator("#freshness")).to_contain_text("数据更新于")
        page.evaluate("window.__samePage = true")

        # another process commits a new red ticket: on the page within 2 s, no reload
        committed = float(run_python(COMMIT_NEW_RED, store.path).split()[0])
        wait_until(page, "document.querySelector('#level-red .count').textContent === '4'", 2)
        took = time.monotonic() - committed
        assert took < 2.0, f"{took:.2f} s from the commit to the page"
        new = ticket_row(page, NEW_RED_NAME)
        expect(new).to_contain_text("新")  # newly red, marked
        expect(new).to_contain_text("市住建局")
        expect(page.locator("#trend-new")).to_have_text("1")

        # the server dies: the page says so, and after 30 s the age turns red
        stop_server(wall["proc"])
        wait_until(page, "document.body.dataset.connected === 'false'", 15)
        expect(page.locator("#freshness")).to_contain_text("连接中断，正在重连")
        expect(page.locator("#status")).not_to_have_class("-stale")
        page.clock.fast_forward(31_000)
        wait_until(page, "document.body.dataset.stale === 'true'", 5)
        expect(page.locator("#status")).to_have_class("-stale")
        expect(page.locator("#banner")).to_contain_text("超过 30 秒未更新")

        # while it is down a ticket is answered; the server comes back; the page finds it by itself
        run_python(COMMIT_REPLY, store.path, str(wall["ids"]["T7"]))
        wall["proc"] = start_server(store.path, wall["port"])
        wait_until(page, "document.body.dataset.connected === 'true' && document.body.dataset.stale === 'false'"
                   " && document.querySelector('#level-yellow .count').textContent === '0'", 20)
        assert page.evaluate("window.__samePage") is True  # reconnected, not reloaded
        expect(page.locator("#banner")).to_be_hidden()
        assert count(page, "red") == "4"
    finally:
        page.close()


def test_a_stream_gone_silent_is_dropped_and_reopened(browser: Any, wall: dict[str, Any]) -> None:
    """A lost network often breaks nothing visible: the connection just goes quiet.
    Frozen with SIGSTOP, the server sends no heartbeat; the page must notice by itself."""
    page = open_wall(browser, wall["url"], fake_clock=True)
    proc = wall["proc"]
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        page.clock.fast_forward(13_000)  # past 2.5 heartbeats of silence
        wait_until(page, "document.body.dataset.connected === 'false'", 5)
        os.kill(proc.pid, signal.SIGCONT)
        wait_until(page, "document.body.dataset.connected === 'true' && document.body.dataset.stale === 'false'", 20)
        assert count(page, "red") == "3"
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        page.close()


def test_user_text_stays_text_and_confidential_enterprises_never_reach_the_page(browser: Any,
                                                                               wall: dict[str, Any]) -> None:
    page = open_wall(browser, wall["url"])
    try:
        cells = page.locator("#ticket-rows td.c-ent")
        names = cells.all_text_contents()
        assert HOSTILE_NAME in names  # shown as the characters it is made of
        assert page.locator("#ticket-rows img, #ticket-rows b").count() == 0
        assert page.evaluate("window.__xss") is None
        assert "（保密）" in names
        assert SECRET_NAME not in page.content()
        # nothing on the page acts: no link, button, form or input
        assert page.locator("a, button, form, input, select, textarea").count() == 0
    finally:
        page.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)], ids=["1920x1080", "1366x768"])
def test_one_screen_without_scrolling_in_a_cjk_face(browser: Any, wall: dict[str, Any], size: tuple[int, int]) -> None:
    page = open_wall(browser, wall["url"], size)
    try:
        geometry = page.evaluate("""() => {
            const box = (s) => document.querySelector(s).getBoundingClientRect();
            const lv = ['red', 'orange', 'yellow'].map((c) => ({
                card: box(`#level-${c}`), count: box(`#level-${c} .count`), body: box(`#level-${c} .body`)}));
            const rows = [...document.querySelectorAll('#ticket-rows tr')].map((r) => r.getBoundingClientRect());
            return {scrollH: document.documentElement.scrollHeight, scrollW: document.documentElement.scrollWidth,
                    levels: lv, rows, table: box('#tickets .table-box'),
                    countPx: parseFloat(getComputedStyle(document.querySelector('#level-red .count')).fontSize)};
        }""")
        width, height = size
        assert geometry["scrollH"] <= height and geometry["scrollW"] <= width
        for lv in geometry["levels"]:  # the count, its word and its body do not overlap or spill
            assert lv["card"]["top"] <= lv["count"]["top"] and lv["count"]["bottom"] <= lv["body"]["top"] + 1
            assert lv["body"]["bottom"] <= lv["card"]["bottom"] + 1
        assert geometry["countPx"] >= 0.1 * height  # readable across a room
        assert geometry["rows"] and geometry["rows"][-1]["bottom"] <= geometry["table"]["bottom"] + 1

        has_cjk = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout.strip() \
            if shutil.which("fc-list") else ""
        if not has_cjk:
            pytest.skip("本机没有中文字体（Debian：apt-get install fonts-noto-cjk），无法检查字体")
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#level-red .word"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        used = {f["familyName"] for f in fonts}
        assert used and all(any(face in name for face in CJK_FACES) for name in used), used
    finally:
        page.close()


def test_a_token_in_the_address_becomes_a_cookie(browser: Any, store: Store, staff: dict[str, Any],
                                                 tmp_path: Path) -> None:
    build_wall_data(store, staff)
    token = "duty-room-token-0123456789"
    (tmp_path / "wall.token").write_text(token + "\n", encoding="utf-8")
    port = free_port()
    proc = start_server(store.path, port, "--token-file", str(tmp_path / "wall.token"))
    page = browser.new_page()
    try:
        refused = page.goto(f"http://127.0.0.1:{port}/")
        assert refused is not None and refused.status == 401
        page.goto(f"http://127.0.0.1:{port}/?token={token}")
        wait_until(page, "document.body.dataset.seq !== '0'", 15)
        assert "token" not in page.url  # not left on the screen or in the history
        assert count(page, "red") == "3"
    finally:
        page.close()
        stop_server(proc)
