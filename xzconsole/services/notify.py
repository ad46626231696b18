"""Notifications through Apprise (``xzconsole notify run``).

One pass (:func:`run_once`): compute what is due into the outbox
(``store.notify.enqueue``: one row per route and ticket:event:level:round, so
nothing is ever queued twice), then deliver what is pending and due, one
Apprise object per route, several tickets of one route in one digest of up
to ten, recording each outcome; a failed message stays
pending and is retried after an exponential back-off (30 s, 1 min, … 1 h).

The message is Chinese and says what a liaison needs to act: the ticket
number, the department, the level (symbol and word, never colour alone), the
due date, the overdue working days and what to do.  A confidential ticket's
message names no enterprise and carries no title (SPEC §4: 保密).
"""

from __future__ import annotations

import datetime as dt
import queue
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..areas.notify import EVENT_LABELS, Candidate
from ..clock import format_datetime

if TYPE_CHECKING:  # typing only: the store is handed in
    from ..store import Store

_SYMBOLS = {"red": "●红", "orange": "◆橙", "yellow": "▲黄", "unsigned": "○", "due_today": "◇", "approval": "□"}
_SUPERVISED_BY = {"yellow": "企服平台", "orange": "市营商办", "red": "市纪委监委"}
_TODO = {
    "yellow": "请承办单位尽快答复；企服平台跟踪督办。确需延期的，请在工作台提出延期申请并说明理由。",
    "orange": "已超期 3 个工作日以上，市营商办督办：请承办单位立即答复，并书面说明超期原因。",
    "red": "已超期 5 个工作日以上，市纪委监委二次督办并启动问责：请承办单位立即答复，报告超期原因和整改措施。",
    "unsigned": "派发已超过 1 个工作日仍未签收：请立即签收；不属于本单位职责的，请按规定说明理由退回。",
    "due_today": "今天是办理期限的最后一天：请于今日下班前答复；确需延期的，请今日提出延期申请。",
    "approval": "有待审批的申请：请值班长在工作台“待审批”中同意或驳回。",
}
CONFIDENTIAL_NOTE = "（保密工单：不显示企业信息）"
MAX_TEXT = 60  # characters of a title or a reason quoted in a message


def _short(text: Any) -> str:
    t = " ".join(str(text or "").split())
    return t if len(t) <= MAX_TEXT else t[:MAX_TEXT] + "…"


def render(store: "Store", c: Candidate) -> tuple[str, str]:
    """The (title, body) of one message, in Chinese."""
    f = c.facts
    dept = store.department_name(c.department_id) or "（未派发）"
    label = EVENT_LABELS[c.event]
    title = f"【{label}】{f['number']} · {dept}"
    lines = [f"工单编号：{f['number']}" + (f"（12345编号 {f['external_id']}）" if f.get("external_id") else ""),
             f"承办单位：{dept}",
             f"级别：{_SYMBOLS[c.event]} {label}" + (f"（督办：{_SUPERVISED_BY[c.event]}）" if c.event in _SUPERVISED_BY else "")]
    if f.get("due_date"):
        provisional = "（按暂定日历）" if f.get("due_provisional") else ""
        lines.append(f"办理期限：{f['due_date']}{provisional}")
        lines.append(f"已超期：{f['overdue']} 个工作日" if c.event in _SUPERVISED_BY else "已超期：0 个工作日")
    if f.get("confidential"):
        lines.append(f"企业：{CONFIDENTIAL_NOTE}")
    else:
        lines.append(f"企业：{_short(f.get('enterprise_name'))}")
        if f.get("title"):
            lines.append(f"诉求：{_short(f['title'])}")
    if c.event == "approval":
        if f.get("request") == "extension":
            lines.append(f"申请：延期 {f['pending_extension_days']} 个工作日，理由：{_short(f['pending_extension_reason'])}")
        else:
            lines.append(f"申请：超期退回，理由：{_short(f['pending_return_reason'])}")
    lines.append(f"请办理：{_TODO[c.event]}")
    return title, "\n".join(lines)


@dataclass
class RunResult:
    """What one pass did."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


Sender = Callable[[str, str, str], tuple[bool, str]]

#: at most this many tickets in one message: a pass with more for one route sends
#: digests, which keeps a robot under its rate limit (企业微信: 20 a minute) and
#: each message a readable size
DIGEST_SIZE = 10


class AppriseSender:
    """Sends through Apprise, one Apprise object per URL for the whole pass
    (building one costs twice the sending of a small message)."""

    def __init__(self) -> None:
        self._by_url: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str, title: str, body: str) -> tuple[bool, str]:
        import apprise

        with self._lock:  # routes are sent to from several threads
            ap = self._by_url.get(url)
            if ap is None:
                ap = apprise.Apprise()
                if not ap.add(url):
                    return False, "无法识别的通知地址"
                self._by_url[url] = ap
        with apprise.LogCapture(level=apprise.logging.WARNING) as log:  # type: ignore[no-untyped-call]  # apprise leaves it untyped
            ok = bool(ap.notify(body=body, title=title))
            err = "" if ok else (log.getvalue().strip().splitlines() or ["发送失败"])[-1]
        # "2026-12-05 06:57:05,532 - WARNING - A Connection error …": the message only
        return ok, re.sub(r"^.*? - [A-Z]+ - ", "", err)


def apprise_send(url: str, title: str, body: str) -> tuple[bool, str]:
    """Send one message to one Apprise URL; (delivered, what went wrong)."""
    return AppriseSender()(url, title, body)


def digest(rows: list[Any]) -> tuple[str, str]:
    """One message for several outbox rows of one route: a title counting them
    by kind, and each row's own message, numbered."""
    if len(rows) == 1:
        return str(rows[0]["title"]), str(rows[0]["body"])
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["event"]] = kinds.get(r["event"], 0) + 1
    summary = "、".join(f"{EVENT_LABELS.get(k, k)} {n} 件" for k, n in kinds.items())
    body = "\n\n".join(f"{i}. {r['title']}\n{r['body']}" for i, r in enumerate(rows, 1))
    return f"【工单提醒】{len(rows)} 件：{summary}", body


#: routes sent to at once (each route's digests stay in order, one at a time):
#: a slow or dead target does not hold up the others
PARALLEL_ROUTES = 4


def deliver(store: "Store", now: dt.datetime, send: Sender | None = None) -> tuple[int, int, list[str]]:
    """Send the pending messages whose time has come; (sent, failed, errors).

    A route's messages go in digests of up to :data:`DIGEST_SIZE` (oldest
    first); up to :data:`PARALLEL_ROUTES` routes are sent to at once, in
    threads that only send (the database is written here, on the calling
    thread).  A route whose target fails is not tried again in the same pass
    (its other messages wait for the back-off too), so a dead target costs one
    timeout, not one per message.  Each digest's outcome is recorded as it
    comes, so a killed pass repeats at most the digests in flight."""
    send = send or AppriseSender()
    by_route: dict[int, list[Any]] = {}
    for r in store.notify.due(now):
        by_route.setdefault(r["route_id"], []).append(r)
    if not by_route:
        return 0, 0, []
    outcomes: queue.Queue[tuple[int, list[Any], bool, str] | None] = queue.Queue()

    def route_worker(route_id: int, mine: list[Any]) -> None:
        """Send one route's digests in order; after a failure, fail the rest unsent."""
        down = ""
        for i in range(0, len(mine), DIGEST_SIZE):
            batch = mine[i:i + DIGEST_SIZE]
            if down:
                outcomes.put((route_id, batch, False, down))
                continue
            title, body = digest(batch)
            try:
                ok, err = send(batch[0]["url"], title, body)
            except Exception as exc:  # a plugin's own error must not stop the others
                ok, err = False, f"{type(exc).__name__}: {exc}"
            if not ok:
                down = err or "发送失败"
            outcomes.put((route_id, batch, ok, down))

    errors: list[str] = []
    said: set[int] = set()  # routes whose failure is already in errors
    n_sent = n_failed = 0
    expected = sum((len(m) + DIGEST_SIZE - 1) // DIGEST_SIZE for m in by_route.values())
    with ThreadPoolExecutor(max_workers=min(PARALLEL_ROUTES, len(by_route)), thread_name_prefix="notify") as pool:
        futures = [pool.submit(route_worker, rid, mine) for rid, mine in by_route.items()]
        for _ in range(expected):
            item = outcomes.get()
            assert item is not None
            route_id, batch, ok, err = item
            if ok:
                store.notify.record(now, [r["id"] for r in batch], [])
                n_sent += len(batch)
            else:
                store.notify.record(now, [], [(r["id"], r["attempts"], err) for r in batch])
                n_failed += len(batch)
                if route_id not in said:
                    said.add(route_id)
                    errors.append(f"路由 {route_id}：{err}")
        for f in futures:
            f.result()
    return n_sent, n_failed, errors


def run_once(store: "Store", now: dt.datetime | None = None, send: Sender | None = None) -> RunResult:
    """Compute what is due into the outbox, then deliver what is pending."""
    t0 = time.perf_counter()
    when = now or store.now()
    res = RunResult()
    res.queued = store.notify.enqueue(when, lambda c: render(store, c))
    res.sent, res.failed, res.errors = deliver(store, when, send)
    res.seconds = time.perf_counter() - t0
    return res


def status(store: "Store", limit: int = 50) -> dict[str, Any]:
    """The routes, the outbox counts, what is waiting (with its errors) and the latest sent."""
    from ..areas.notify import masked_url

    return {
        "routes": [{"id": r.id, "url": masked_url(r.url), "department": r.department, "role": r.role,
                    "events": list(r.events), "active": r.active} for r in store.notify.routes(include_removed=True)],
        "counts": store.notify.counts(),
        "pending": store.notify.messages("pending", limit),
        "sent": store.notify.messages("sent", limit),
        "as_of": format_datetime(store.now()),
    }


__all__ = ["DIGEST_SIZE", "AppriseSender", "RunResult", "apprise_send", "deliver", "digest", "render", "run_once",
           "status"]
