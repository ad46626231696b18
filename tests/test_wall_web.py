"""The web wall without a browser: its snapshot, its trend, its HTTP rules and its push (SPEC §13).

The page itself, in headless Chromium, is tested in test_wall_browser.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from wall_support import (
    HOSTILE_NAME,
    NEW_RED_NAME,
    NOW,
    ROOT,
    SECRET_NAME,
    build_wall_data,
    free_port,
    start_server,
    stop_server,
)

from xzconsole.cli import main
from xzconsole.clock import FixedClock, parse_datetime
from xzconsole.models import TicketIntake
from xzconsole.store import Store
from xzconsole.web.server import (
    COOKIE,
    WallConfigError,
    WallHub,
    check_access,
    make_app,
    parse_address,
    read_token_file,
)
from xzconsole.web.snapshot import (
    CONFIDENTIAL_MASK,
    WallSnapshot,
    compute_wall_snapshot,
    snapshot_json,
)
from xzconsole.web.trend import RedTrend

TOKEN = "wall-token-0123456789abcdef"


@pytest.fixture
def wall(store: Store, staff: dict[str, Any]) -> dict[str, int]:
    return build_wall_data(store, staff)


# ---------------------------------------------------------------- address and token


@pytest.mark.parametrize("text, expected", [
    (None, ("127.0.0.1", 8000)),
    ("8080", ("127.0.0.1", 8080)),
    ("0.0.0.0:8000", ("0.0.0.0", 8000)),
    ("[::1]:9000", ("::1", 9000)),
    ("localhost:8001", ("localhost", 8001)),
    (":8002", ("127.0.0.1", 8002)),
])
def test_address_forms(text: str | None, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["80a", "0.0.0.0:0", "host:70000", "::1:8000"])
def test_bad_addresses_are_refused_in_chinese(text: str) -> None:
    with pytest.raises(WallConfigError, match="无效|无法识别"):
        parse_address(text)


def test_any_other_address_needs_a_long_enough_token(tmp_path: Path) -> None:
    check_access("127.0.0.1", None)
    check_access("::1", None)
    check_access("localhost", None)
    with pytest.raises(WallConfigError, match="必须.*令牌"):
        check_access("0.0.0.0", None)
    with pytest.raises(WallConfigError, match="必须.*令牌"):
        check_access("192.0.2.10", None)
    with pytest.raises(WallConfigError, match="令牌太短"):
        check_access("0.0.0.0", "short")
    check_access("0.0.0.0", TOKEN)
    path = tmp_path / "wall.token"
    path.write_text(f"  {TOKEN}  \nsecond line ignored\n", encoding="utf-8")
    assert read_token_file(path) == TOKEN
    with pytest.raises(WallConfigError, match="无法读取令牌文件"):
        read_token_file(tmp_path / "missing")


def test_cli_refuses_a_public_address_without_token(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wall", "--web", "0.0.0.0:8000", "--db", store.path]) == 2
    assert "必须用 --token-file" in capsys.readouterr().err
    assert main(["wall", "--web", "0.0.0.0:8000", "--token", "short", "--db", store.path]) == 2
    assert "令牌太短" in capsys.readouterr().err
    assert main(["wall", "--token", TOKEN, "--db", store.path]) == 2
    assert "只用于 --web" in capsys.readouterr().err


def test_cli_says_when_the_port_is_taken(store: Store, wall: dict[str, int],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["wall", "--web", f"127.0.0.1:{port}", "--db", store.path, "--now", NOW]) == 2
    assert "端口已被占用" in capsys.readouterr().err


def test_cli_serves_the_wall_in_its_own_process(store: Store, wall: dict[str, int]) -> None:
    port = free_port()
    proc = start_server(store.path, port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/snapshot.json", timeout=5) as r:
            data = json.loads(r.read())
    finally:
        stop_server(proc)
    assert {lvl["code"]: lvl["count"] for lvl in data["levels"]} == {"red": 3, "orange": 1, "yellow": 1}
    assert data["clock_fixed"] is True and data["now"] == NOW


def test_the_web_wall_imports_neither_textual_nor_the_screens() -> None:
    code = ("import json, sys, xzconsole.web.server\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'"
            " or m.startswith('xzconsole.screens') or m.startswith('xzconsole.widgets'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# ---------------------------------------------------------------- the snapshot


def test_snapshot_counts_lists_and_masks_confidential_enterprises(store: Store, staff: dict[str, Any],
                                                                wall: dict[str, int]) -> None:
    snap = compute_wall_snapshot(store, staff["sup"], store.now(), 7)
    data = snapshot_json(snap)
    assert [(lvl["symbol"], lvl["word"], lvl["body"], lvl["count"]) for lvl in data["levels"]] == [
        ("■", "红色预警", "市纪委监委", 3), ("◆", "橙色预警", "市营商办", 1), ("▲", "黄色预警", "企服平台", 1)]
    assert {n["kind"]: n["count"] for n in data["notices"]} == {
        "due_today": 1, "unsigned": 1, "undispatched": 1, "part_late": 0}
    first = data["tickets"][0]
    assert (first["level"], first["department"], first["overdue_workdays"], first["enterprise"]) == (
        "red", "市人社局", 10, "徐州云龙机械有限公司")
    secret = next(t for t in data["tickets"] if t["confidential"])
    assert secret["enterprise"] == CONFIDENTIAL_MASK == "（保密）"
    # a supervisor may see it in the console; the wall, a screen in a room, never shows it
    assert SECRET_NAME not in json.dumps(data, ensure_ascii=False)
    # user text is data: passed on unchanged, for the page to insert as text
    assert HOSTILE_NAME in [t["enterprise"] for t in data["tickets"]]
    assert [t["level"] for t in data["tickets"]] == ["red", "red", "red", "orange", "yellow"]
    depts = {d["name"]: (d["red"], d["orange"], d["yellow"]) for d in data["departments"]}
    assert depts == {"市人社局": (2, 0, 1), "市税务局": (1, 1, 0)}
    assert data["departments"][0]["name"] == "市人社局"  # most red first
    assert data["scope"] == "全部单位" and data["now_text"] == "2026年11月26日 周四 09:30"


def test_a_liaisons_wall_shows_only_their_department(store: Store, staff: dict[str, Any],
                                                     wall: dict[str, int]) -> None:
    data = snapshot_json(compute_wall_snapshot(store, staff["swj"], store.now(), 1))
    assert data["scope"] == "市税务局"
    assert {lvl["code"]: lvl["count"] for lvl in data["levels"]} == {"red": 1, "orange": 1, "yellow": 0}
    assert {t["department"] for t in data["tickets"]} == {"市税务局"}
    assert all(t["enterprise"] != SECRET_NAME for t in data["tickets"])


def test_first_snapshot_of_a_day_reads_yesterdays_red_set(store: Store, staff: dict[str, Any],
                                                          wall: dict[str, int]) -> None:
    # T7 (due 11-24) is 2 working days overdue on 11-26: yellow; on Tuesday 12-01 it turns red
    tuesday = parse_datetime("2026-12-01T09:00:00+08:00")  # T7 overdue 5 → red today, 4 yesterday
    snap = compute_wall_snapshot(store, None, tuesday, 1, with_yesterday=True)
    assert snap.yesterday_red is not None
    assert snap.red_ids - snap.yesterday_red == {wall["T7"]}


# ---------------------------------------------------------------- the trend


def _at(text: str) -> dt.datetime:
    return parse_datetime(f"2026-11-26T{text}:00+08:00")


def test_trend_counts_new_red_and_cleared_per_hour() -> None:
    trend = RedTrend()
    assert trend.observe(_at("09:00"), {1, 2}, 0.0, yesterday={1}) == set()  # not news: already red
    assert trend.new_red[0] == 1  # 2 turned red by the calendar at midnight
    assert trend.observe(_at("09:10"), {1, 2, 3}, 10.0) == {3}
    assert trend.observe(_at("10:05"), {2, 3}, 20.0) == set()
    assert trend.observe(_at("10:30"), {3, 4, 5}, 30.0) == {4, 5}
    out = trend.to_json(_at("10:30"))
    assert out["hours"][0] == [1, 0] and out["hours"][9] == [1, 0] and out["hours"][10] == [2, 2]
    assert (out["new_red"], out["cleared"], out["hour_now"], out["since"]) == (4, 2, 10, "09:00")
    assert trend.fresh_age(3, 30.0) == 20.0
    assert trend.fresh_age(3, 200.0) is None  # the "new" mark lasts two minutes


def test_trend_starts_a_new_day_at_midnight() -> None:
    trend = RedTrend()
    trend.observe(_at("23:30"), {1}, 0.0, yesterday=set())
    trend.observe(_at("23:40"), {1, 2}, 1.0)
    trend.observe(parse_datetime("2026-11-27T00:00:05+08:00"), {1, 2, 3, 4}, 2.0)
    out = trend.to_json(parse_datetime("2026-11-27T00:01:00+08:00"))
    assert (out["new_red"], out["cleared"], out["since"]) == (2, 0, None)  # watched all day: from 00:00
    assert out["hours"][0] == [2, 0] and out["hours"][23] == [0, 0]


# ---------------------------------------------------------------- HTTP


async def _client(store: Store, token: str | None = None, **hub: Any) -> TestClient[Any, Any]:
    staff = store.staff.get("sup")
    h = WallHub(store.path, staff, FixedClock(NOW), poll_seconds=hub.pop("poll_seconds", 0.1), **hub)
    client: TestClient[Any, Any] = TestClient(TestServer(make_app(h, token=token, heartbeat=0.5)))
    await client.start_server()
    for _ in range(100):  # the first snapshot, so every test starts from data
        if h.snapshot is not None:
            break
        await asyncio.sleep(0.05)
    return client


async def _event(resp: ClientResponse, want: str = "snapshot", timeout: float = 5.0) -> dict[str, Any]:
    """The next event named ``want`` on a server-sent event stream."""
    async def read() -> dict[str, Any]:
        event, data = "", ""
        while True:
            line = (await resp.content.readline()).decode()
            if not line:
                raise AssertionError("stream ended")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and event:
                if event == want:
                    parsed: dict[str, Any] = json.loads(data)
                    return parsed
                event, data = "", ""

    return await asyncio.wait_for(read(), timeout)


async def test_the_page_is_read_only_and_locked_down(store: Store, wall: dict[str, int]) -> None:
    client = await _client(store)
    try:
        r = await client.get("/")
        assert r.status == 200 and "企服中心预警大屏" in await r.text()
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        js = await client.get("/wall.js")
        assert js.headers["Content-Type"].startswith("text/javascript")
        assert "innerHTML" not in await js.text()  # user text goes in as textContent only
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            r = await client.request(method, "/snapshot.json")
            assert r.status == 405 and r.headers["Allow"] == "GET, HEAD"
        assert (await client.get("/nothing-here")).status == 404
        head = await asyncio.wait_for(client.head("/events"), 2.0)  # answered, not streamed forever
        assert head.status == 200 and head.headers["Content-Type"].startswith("text/event-stream")
    finally:
        await client.close()


async def test_without_token_only_a_loopback_host_is_answered(store: Store, wall: dict[str, int]) -> None:
    client = await _client(store)
    try:
        assert (await client.get("/", headers={"Host": "localhost:8000"})).status == 200
        assert (await client.get("/", headers={"Host": "[::1]:8000"})).status == 200
        r = await client.get("/snapshot.json", headers={"Host": "wall.attacker.example"})  # DNS rebinding
        assert r.status == 403 and "仅限本机" in await r.text()
    finally:
        await client.close()


async def test_a_token_is_taken_once_into_a_cookie(store: Store, wall: dict[str, int]) -> None:
    client = await _client(store, token=TOKEN)
    try:
        assert (await client.get("/snapshot.json")).status == 401
        assert (await client.get("/?token=wrong-token-0123456789")).status == 401
        health = await client.get("/healthz")  # for monitoring: no data, no token
        assert set(await health.json()) == {"ok", "age", "pages"}
        r = await client.get(f"/?token={TOKEN}&kiosk=1", allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "./?kiosk=1"  # the token leaves the address
        cookie = r.headers["Set-Cookie"]
        assert f"{COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        client.session.cookie_jar.update_cookies({COOKIE: TOKEN})
        assert (await client.get("/snapshot.json")).status == 200
        client.session.cookie_jar.clear()
        r = await client.get("/snapshot.json", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status == 200 and (await r.json())["levels"][0]["count"] == 3
    finally:
        await client.close()


async def test_a_commit_elsewhere_reaches_every_stream_within_two_seconds(store: Store, staff: dict[str, Any],
                                                                           wall: dict[str, int]) -> None:
    client = await _client(store)
    streams = [await client.get("/events") for _ in range(3)]
    other = Store(store.path, FixedClock("2026-11-02T10:00:00+08:00"), migrate=False)
    try:
        for s in streams:
            assert s.headers["Content-Type"].startswith("text/event-stream")
            assert s.headers["X-Accel-Buffering"] == "no"
            first = await _event(s)
            assert first["levels"][0]["count"] == 3
        clerk = other.staff.get("clerk")
        tid = other.tickets.accept(clerk, TicketIntake(appeal_type="policy_consultation", enterprise_name=NEW_RED_NAME,
                                               content="补贴")).id
        other.tickets.dispatch(clerk, tid, "市住建局")
        start = time.monotonic()
        for s in streams:
            while True:
                data = await _event(s, timeout=2.0)
                if data["levels"][0]["count"] == 4:
                    break
            assert time.monotonic() - start < 2.0
            assert data["tickets"][0]["enterprise"] == NEW_RED_NAME  # the most overdue first
            assert data["tickets"][0]["new_age"] is not None  # marked new on the page
            assert data["trend"]["new_red"] == 1
        alive = await _event(streams[0], "alive")
        assert alive["error"] is None and alive["age"] < 1.0
    finally:
        other.disconnect()
        for s in streams:
            s.close()
        await client.close()


async def test_a_failing_snapshot_is_reported_and_the_data_goes_stale(store: Store, wall: dict[str, int]) -> None:
    calls: list[int] = []

    def compute(now: dt.datetime, version: int, with_yesterday: bool) -> WallSnapshot:
        calls.append(version)
        if len(calls) > 1:
            raise RuntimeError("磁盘读写错误")
        return compute_wall_snapshot(store, None, now, version, with_yesterday=with_yesterday)

    client = await _client(store, compute=compute, poll_seconds=0.05)
    try:
        stream = await client.get("/events")
        await _event(stream)
        other = Store(store.path, FixedClock(NOW), migrate=False)
        try:
            other.tickets.sign(other.staff.get("rsj"), wall["T3"])  # a commit: the next snapshot fails
        finally:
            other.disconnect()
        while True:
            alive = await _event(stream, "alive", timeout=3.0)
            if alive["error"]:
                break
        assert "统计出错" in alive["error"] and "磁盘读写错误" in alive["error"]
        await asyncio.sleep(0.6)
        later = await _event(stream, "alive", timeout=3.0)
        assert later["age"] >= 0.5  # no longer confirmed current: the page counts the seconds
        health = await client.get("/healthz")
        assert health.status == 503 and (await health.json())["ok"] is False
        stream.close()
    finally:
        await client.close()
