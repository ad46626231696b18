"""Notifications (issue 14 item 2) against a real local HTTP server as the
Apprise target (``json://127.0.0.1:PORT/…``): delivered once; run again →
nothing new; target down → kept and retried; target back → delivered once."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from xzconsole.errors import InvalidAction, PermissionDenied
from xzconsole.models import TicketIntake
from xzconsole.services import notify


class Target:
    """A local HTTP server that records every JSON body posted to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                n = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(n).decode("utf-8")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.handler = Handler
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
            self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
            self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread = None

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/xz"


@pytest.fixture
def target():
    t = Target()
    t.server.server_close()  # bound only to learn a free port; start() binds it again
    t.start()
    yield t
    t.stop()


def _ticket(store, staff, clock, kind: str, dept: str, *, confidential: bool = False, name: str = "徐州云龙机械有限公司") -> int:
    clock.set("2026-11-02T09:00:00+08:00")
    t = store.tickets.accept(staff["clerk"], TicketIntake(appeal_type=kind, enterprise_name=name, content="诉求内容",
                                                          title="设备补贴未到账"))
    if confidential:
        store.tickets.mark_confidential(staff["clerk"], t.id, True)
    store.tickets.dispatch(staff["clerk"], t.id, dept)
    return t.id


@pytest.fixture
def admin(staff):
    return staff["admin"]


def test_delivered_once_then_nothing_new_then_retried_until_the_target_is_back(store, staff, clock, target, admin):
    # 投诉, dispatched Mon 11-02 → due 11-09; on Thu 11-12 it is 3 working days over: orange
    tid = _ticket(store, staff, clock, "complaint", "市税务局")
    secret = _ticket(store, staff, clock, "complaint", "市税务局", confidential=True, name="徐州保密企业有限公司")
    store.notify.add_route(admin, target.url, "red,orange,yellow", department="市税务局")
    clock.set("2026-11-12T10:00:00+08:00")

    res = notify.run_once(store)
    assert (res.queued, res.sent, res.failed) == (2, 2, 0)
    # two tickets for one route in one pass: one digest naming both
    assert len(target.received) == 1
    msg = target.received[0]
    number = store.tickets.get(staff["clerk"], tid).number
    assert msg["title"] == "【工单提醒】2 件：橙色预警 2 件"
    body = msg["message"]
    assert f"1. 【橙色预警】{number} · 市税务局" in body
    assert "承办单位：市税务局" in body and "◆橙 橙色预警（督办：市营商办）" in body
    assert "办理期限：2026-11-09" in body and "已超期：3 个工作日" in body
    assert "企业：徐州云龙机械有限公司" in body and "请办理：" in body
    # the confidential one names no enterprise and quotes no title
    assert "徐州保密企业" not in json.dumps(msg, ensure_ascii=False) and body.count("设备补贴") == 1
    assert "企业：（保密工单：不显示企业信息）" in body

    # the same moment again, and later the same day: nothing new, nothing sent twice
    assert (notify.run_once(store).queued, notify.run_once(store).sent) == (0, 0)
    clock.set("2026-11-12T16:00:00+08:00")
    assert notify.run_once(store).queued == 0 and len(target.received) == 1

    # two more working days: red is news; the target is down → kept, retried with back-off
    target.stop()
    clock.set("2026-11-16T10:00:00+08:00")
    res = notify.run_once(store)
    assert (res.queued, res.sent, res.failed) == (2, 0, 2) and res.errors
    st = notify.status(store)
    assert st["counts"] == {"pending": 2, "sent": 2, "dropped": 0, "retrying": 2}
    assert all(m["attempts"] == 1 and m["last_error"] for m in st["pending"])
    # before the back-off is over nothing is tried
    clock.set("2026-11-16T10:00:10+08:00")
    assert notify.run_once(store).failed == 0
    clock.set("2026-11-16T10:00:31+08:00")
    assert notify.run_once(store).failed == 2
    assert {m["attempts"] for m in notify.status(store)["pending"]} == {2}

    # the target is back: each red is delivered exactly once
    target.start()
    clock.set("2026-11-16T10:05:00+08:00")
    res = notify.run_once(store)
    assert (res.queued, res.sent, res.failed) == (0, 2, 0)
    assert [m["title"] for m in target.received[1:]] == ["【工单提醒】2 件：红色预警 2 件"]
    assert notify.run_once(store).sent == 0 and len(target.received) == 2
    assert notify.status(store)["counts"] == {"pending": 0, "sent": 4, "dropped": 0, "retrying": 0}


def test_routes_by_role_and_event_and_who_may_keep_them(store, staff, clock, target, admin):
    orange = _ticket(store, staff, clock, "complaint", "市税务局")  # due 11-09: orange on 11-12
    unsigned = _ticket(store, staff, clock, "consultation", "市人社局")  # due 11-05: red on 11-12, never signed
    red = _ticket(store, staff, clock, "policy_consultation", "市税务局")  # due 11-03: red on 11-12
    store.tickets.sign(staff["swj"], red)
    with pytest.raises(PermissionDenied):
        store.notify.add_route(staff["sup"], target.url, "red", role="supervisor")
    with pytest.raises(InvalidAction, match="未知的通知事件"):
        store.notify.add_route(admin, target.url, "purple", role="supervisor")
    with pytest.raises(InvalidAction, match="二选一"):
        store.notify.add_route(admin, target.url, "red")
    with pytest.raises(InvalidAction, match="无法识别的通知地址"):
        store.notify.add_route(admin, "nonsense", "red", role="supervisor")
    discipline = store.notify.add_route(admin, target.url, "red,orange,yellow", role="纪委监委")
    office = store.notify.add_route(admin, target.url + "/office", "red,orange,yellow", role="营商办")
    sup = store.notify.add_route(admin, target.url + "/sup", "unsigned", role="supervisor")
    clock.set("2026-11-12T10:00:00+08:00")
    notify.run_once(store)
    by_route = {r: [m for m in store.notify.messages("sent") if m["route_id"] == r] for r in (discipline.id, office.id, sup.id)}
    # 市纪委监委 sees red only, 市营商办 orange and red, whatever the route asks for
    assert sorted(m["event"] for m in by_route[discipline.id]) == ["red", "red"]
    assert sorted(m["event"] for m in by_route[office.id]) == ["orange", "red", "red"]
    # the supervisors hear of the two never signed, not of the signed one
    assert sorted(m["number"] for m in by_route[sup.id]) == sorted(
        store.tickets.get(staff["clerk"], t).number for t in (orange, unsigned))
    store.notify.remove_route(admin, office.id)
    assert [r.id for r in store.notify.routes()] == [discipline.id, sup.id]


def test_cli_routes_run_and_status(store, staff, clock, target, capsys, monkeypatch):
    from test_import import run

    _ticket(store, staff, clock, "complaint", "市税务局")
    db = str(store.path)
    code, out, err = run(capsys, "notify", "routes", "add", "--url", target.url, "--department", "市税务局",
                         "--events", "red,orange", "--db", db, login="admin")
    assert code == 0 and "已新增通知路由 1" in err
    code, out, err = run(capsys, "notify", "routes", "list", "--db", db, login="admin")
    assert out.startswith("1\t市税务局\tred,orange\tjson://127.0.0.1")
    code, out, err = run(capsys, "notify", "run", "--once", "--db", db, "--now", "2026-11-12T10:00", login="admin")
    assert code == 0 and "新增 1 条，发送成功 1 条" in err and len(target.received) == 1
    code, out, err = run(capsys, "notify", "run", "--once", "--db", db, "--now", "2026-11-12T11:00", login="admin")
    assert "新增 0 条，发送成功 0 条" in err and len(target.received) == 1
    code, out, err = run(capsys, "notify", "status", "--json", "--db", db, login="admin")
    st = json.loads(out)
    assert st["counts"]["sent"] == 1 and st["sent"][0]["event"] == "orange"
    code, out, err = run(capsys, "notify", "routes", "add", "--url", target.url, "--role", "supervisor",
                         "--events", "red", "--db", db, login="clerk")
    assert code == 2 and "管理员" in err


def test_one_ticket_is_its_own_message_and_many_go_in_digests_of_ten(store, staff, clock, target, admin):
    ids = [_ticket(store, staff, clock, "complaint", "市税务局", name=f"徐州第{i}机械有限公司") for i in range(12)]
    store.notify.add_route(admin, target.url, "orange", department="市税务局")
    clock.set("2026-11-12T10:00:00+08:00")
    assert notify.run_once(store).sent == 12
    assert [m["title"] for m in target.received] == ["【工单提醒】10 件：橙色预警 10 件", "【工单提醒】2 件：橙色预警 2 件"]
    assert all(f"徐州第{i}机械有限公司" in target.received[0 if i < 10 else 1]["message"] for i in range(12))
    # one more orange the next day (the twelve stay sent): a message of its own, titled by its ticket
    late = _ticket(store, staff, clock, "complaint", "市税务局")
    clock.set("2026-11-13T10:00:00+08:00")
    assert notify.run_once(store).sent == 1
    assert target.received[-1]["title"] == f"【橙色预警】{store.tickets.get(staff['clerk'], late).number} · 市税务局"
    assert len(ids) == 12


def test_a_redispatched_ticket_turning_yellow_again_is_news(store, staff, clock, target, admin):
    """The key holds the round (department and start of the clock): yellow at
    市人社局, returned, redispatched the same day to 市税务局 and yellow there
    too — two messages, one per handling."""
    store.notify.add_route(admin, target.url, "yellow", role="supervisor")
    tid = _ticket(store, staff, clock, "consultation", "市人社局")  # Mon 11-02 → due 11-05
    clock.set("2026-11-06T10:00:00+08:00")
    assert notify.run_once(store).sent == 1
    store.tickets.return_ticket(staff["rsj"], tid, "不属于本单位职责")
    clock.set("2026-11-09T10:00:00+08:00")
    store.tickets.approve_return(staff["sup"], tid)
    store.tickets.dispatch(staff["clerk"], tid, "市税务局")  # → due 11-12
    assert notify.run_once(store).sent == 0
    clock.set("2026-11-13T10:00:00+08:00")
    assert notify.run_once(store).sent == 1
    assert [("市人社局" in m["title"], "市税务局" in m["title"]) for m in target.received] == [(True, False), (False, True)]
