/* The duty-room wall page (xzconsole wall --web).
 *
 * Read-only and unattended: it connects by itself to the server's event
 * stream ("events"), draws every snapshot it is sent, and reconnects by
 * itself with a growing pause when the stream breaks or falls silent (a
 * server restart, a lost network, a proxy answering 502).  Freshness is
 * measured with the page's own monotonic clock from the server's "age" of
 * its data, so a wrong clock on the wall computer does not matter.
 *
 * Every piece of text from the server goes in with textContent, never as
 * HTML: an enterprise called "<b>x</b>" shows those characters.
 */
"use strict";

(function () {
  const state = {
    es: null,
    connected: false,
    build: null,          // the page's build id from the first "config"
    staleAfter: 30,       // seconds; the server's "config" overrides it
    heartbeat: 5,
    confirmedAt: null,    // performance.now() when the data was last known current
    lastHeard: performance.now(),
    retryMs: 1000,
    retryTimer: null,
    authFailed: false,
    error: null,
    data: null,
  };
  const RETRY_MAX_MS = 10000;

  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  const fmt = (n) => Number(n || 0).toLocaleString("zh-CN");

  // -- the connection ----------------------------------------------------------------
  function connect() {
    clearTimeout(state.retryTimer);
    if (state.es) state.es.close();
    const es = new EventSource("events");
    state.es = es;
    es.addEventListener("open", () => {
      state.connected = true;
      state.retryMs = 1000;
      state.authFailed = false;
      heard();
    });
    es.addEventListener("config", (ev) => {
      heard();
      const c = JSON.parse(ev.data);
      state.staleAfter = c.stale_after;
      state.heartbeat = c.heartbeat;
      if (state.build === null) state.build = c.build;
      else if (c.build !== state.build) location.reload(); // the server was upgraded
    });
    es.addEventListener("snapshot", (ev) => {
      heard();
      render(JSON.parse(ev.data));
    });
    es.addEventListener("alive", (ev) => {
      heard();
      const a = JSON.parse(ev.data);
      state.error = a.error;
      if (!a.error) state.confirmedAt = performance.now() - a.age * 1000;
      showStatus();
    });
    es.addEventListener("error", () => {
      // EventSource gives up for good on a non-200 answer; retry ourselves in every case
      if (state.es !== es) return;
      es.close();
      state.es = null;
      lost();
    });
  }

  function heard() {
    state.lastHeard = performance.now();
    document.body.dataset.connected = "true";
  }

  function lost() {
    state.connected = false;
    document.body.dataset.connected = "false";
    showStatus();
    clearTimeout(state.retryTimer);
    const wait = state.retryMs * (0.8 + Math.random() * 0.4);
    state.retryMs = Math.min(RETRY_MAX_MS, state.retryMs * 2);
    state.retryTimer = setTimeout(probe, wait);
  }

  // Before reopening the stream, ask for the latest snapshot: it tells a refused
  // token apart from a server that is still down, and paints at once when it is back.
  function probe() {
    fetch("snapshot.json", { cache: "no-store", credentials: "same-origin" }).then((res) => {
      if (res.status === 401 || res.status === 403) {
        state.authFailed = true;
        state.retryMs = 30000;
        lost();
        return null;
      }
      if (!res.ok && res.status !== 503) throw new Error("HTTP " + res.status);
      connect();
      return res.ok ? res.json() : null;
    }).then((data) => {
      // unless the stream has already brought something newer from the same server process
      const d = state.data;
      if (data && (!d || d.instance !== data.instance || data.seq >= d.seq)) render(data);
    }).catch(() => lost());
  }

  // once a second: how fresh the data is, and a stream that has gone silent
  function everySecond() {
    const now = performance.now();
    if (state.connected && now - state.lastHeard > state.heartbeat * 2500) {
      if (state.es) state.es.close();
      state.es = null;
      lost();
    }
    expireNewMarks(now);
    showStatus();
  }

  function showStatus() {
    const now = performance.now();
    const status = $("status");
    const freshness = $("freshness");
    const banner = $("banner");
    let stale;
    let text;
    if (state.confirmedAt === null) {
      const waited = Math.floor(now / 1000);
      stale = waited > state.staleAfter;
      text = stale ? `无法连接服务器（已等待 ${waited} 秒）` : "正在连接服务器…";
    } else {
      const age = Math.max(0, Math.floor((now - state.confirmedAt) / 1000));
      stale = age > state.staleAfter;
      text = `数据更新于 ${age} 秒前`;
      if (!state.connected) text += " · 连接中断，正在重连…";
    }
    freshness.textContent = text;
    $("link").textContent = state.connected ? "●" : "○";
    status.classList.toggle("-stale", stale);
    document.body.dataset.stale = stale ? "true" : "false";
    let message = null;
    let info = false;
    if (state.authFailed) {
      message = "访问令牌无效或已更换：请管理员用带 ?token= 的新地址重新打开本页";
    } else if (state.error) {
      message = state.error;
    } else if (stale) {
      message = `数据已超过 ${Math.round(state.staleAfter)} 秒未更新，以下数字可能已过时`;
    } else if (state.data && state.data.provisional_years.length) {
      message = `${state.data.provisional_years.join("、")} 年尚无官方节假日安排：该年的期限按暂定日历计算`;
      info = true;
    }
    banner.hidden = message === null;
    banner.classList.toggle("-info", info);
    if (message !== null && banner.textContent !== message) banner.textContent = message;
  }

  // -- drawing --------------------------------------------------------------------------
  function render(d) {
    state.data = d;
    document.body.dataset.seq = String(d.seq);
    $("scope").textContent = d.scope === "全部单位" ? "" : `· ${d.scope}`;
    $("clock").textContent = d.now_text + (d.clock_fixed ? "（模拟时间）" : "");
    for (const l of d.levels) {
      const box = $("level-" + l.code);
      if (!box) continue;
      box.querySelector(".sym").textContent = l.symbol;
      box.querySelector(".word").textContent = l.word;
      box.querySelector(".count").textContent = fmt(l.count);
      box.querySelector(".body").textContent = l.body + "督办";
      box.classList.toggle("-zero", l.count === 0);
    }
    renderNotices(d.notices);
    renderTickets(d);
    renderDepartments(d.departments);
    renderTrend(d.trend);
    showStatus();
  }

  function renderNotices(notices) {
    const box = $("notices");
    box.replaceChildren(...notices.map((n) => {
      const div = el("div", "notice" + (n.count > 0 ? " -active" : ""));
      div.id = "notice-" + n.kind;
      div.append(el("span", "label", `${n.symbol} ${n.label}`), el("b", "n", fmt(n.count)));
      return div;
    }));
  }

  function renderTickets(d) {
    const body = $("ticket-rows");
    const now = performance.now();
    const rows = d.tickets.map((t) => {
      const tr = el("tr", "-" + t.level);
      const badge = el("td", "c-level", `${t.symbol} ${t.word}`);
      if (t.new_age !== null && t.new_age !== undefined) {
        tr.classList.add("-new");
        tr.dataset.newUntil = String(now + (120 - t.new_age) * 1000);
        badge.append(el("span", "new-tag", "新"));
      }
      const ent = el("td", "c-ent" + (t.confidential ? " -secret" : ""), t.enterprise);
      tr.append(badge, el("td", "c-number", t.number), el("td", "c-dept", t.department),
                el("td", "c-overdue", `${t.overdue_workdays} 日`), ent);
      return tr;
    });
    if (!rows.length) {
      const tr = el("tr", "empty");
      const td = el("td", null, "当前没有预警工单");
      td.colSpan = 5;
      tr.append(td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    // keep only the rows that fit: the screen never scrolls
    const box = body.closest(".table-box");
    let shown = d.tickets.length;
    while (body.lastElementChild && body.children.length > 1 &&
           body.lastElementChild.offsetTop + body.lastElementChild.offsetHeight > box.clientHeight) {
      body.lastElementChild.remove();
      shown -= 1;
    }
    $("tickets-more").textContent = d.warned_total > 0
      ? `共 ${fmt(d.warned_total)} 件 · 显示最严重的 ${fmt(Math.min(shown, d.warned_total))} 件 · 超期按工作日计`
      : "";
  }

  function expireNewMarks(now) {
    for (const tr of document.querySelectorAll("tr.-new")) {
      if (Number(tr.dataset.newUntil) <= now) {
        tr.classList.remove("-new");
        const tag = tr.querySelector(".new-tag");
        if (tag) tag.remove();
      }
    }
  }

  function renderDepartments(depts) {
    const box = $("department-bars");
    const max = Math.max(1, ...depts.map((x) => x.total));
    const rows = depts.map((x) => {
      const row = el("div", "bar-row");
      const bar = el("div", "bar");
      for (const code of ["red", "orange", "yellow"]) {
        if (!x[code]) continue;
        const seg = el("span", "-" + code);
        seg.style.width = (100 * x[code] / max) + "%";
        bar.append(seg);
      }
      const nums = el("div", "bar-nums");
      for (const [code, sym] of [["red", "■"], ["orange", "◆"], ["yellow", "▲"]]) {
        if (x[code]) nums.append(el("span", "-" + code, `${sym}${fmt(x[code])} `));
      }
      nums.append(el("span", "total", fmt(x.total)));
      row.append(el("div", "bar-name", x.name), bar, nums);
      return row;
    });
    box.replaceChildren(...rows);
    let shown = depts.length;
    while (box.lastElementChild && box.children.length > 1 &&
           box.lastElementChild.offsetTop - box.offsetTop + box.lastElementChild.offsetHeight > box.clientHeight) {
      box.lastElementChild.remove();
      shown -= 1;
    }
    const rest = depts.slice(shown);
    const restTotal = rest.reduce((s, x) => s + x.total, 0);
    $("departments-more").textContent = rest.length
      ? `${depts.length} 个单位 · 另有 ${rest.length} 个共 ${fmt(restTotal)} 件`
      : (depts.length ? `${depts.length} 个单位` : "无");
  }

  function renderTrend(trend) {
    if (!trend) return;
    $("trend-new").textContent = fmt(trend.new_red);
    $("trend-cleared").textContent = fmt(trend.cleared);
    $("trend-since").textContent = trend.since ? `自 ${trend.since} 起（服务启动）` : "按小时";
    const max = Math.max(1, ...trend.hours.map(([n, c]) => Math.max(n, c)));
    const chart = $("trend-chart");
    chart.replaceChildren(...trend.hours.map(([n, c], h) => {
      const col = el("div", "hour" + (h === trend.hour_now ? " -now" : "") + (h > trend.hour_now ? " -future" : ""));
      const up = el("div", "up");
      const down = el("div", "down");
      const upBar = el("span");
      upBar.style.height = (100 * n / max) + "%";
      const downBar = el("span");
      downBar.style.height = (100 * c / max) + "%";
      up.append(upBar);
      down.append(downBar);
      col.title = `${h} 时：新增 ${n}，消除 ${c}`;
      col.append(up, down, el("div", "h", h % 3 === 0 ? String(h) : ""));
      return col;
    }));
  }

  // -- keep the screen awake where the browser allows it (localhost or https) ----------
  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(() => {});
    }
  }
  document.addEventListener("visibilitychange", keepAwake);

  connect();
  keepAwake();
  setInterval(everySecond, 1000);
  window.addEventListener("resize", () => { if (state.data) render(state.data); });
})();
