// The staff console: live queue (websocket), one open case, live chat, admin.
// Every piece of data is written with textContent, never as HTML.
"use strict";
(function () {
  const LANGUAGE = {cmn: "普通话", yue: "粤语"};
  const SCRIPT = {hans: "简体", hant: "繁体"};
  const REASON = {asked: "主动要求找人", not_understood: "机器人听不明白", emergency: "紧急情况"};
  const STATE = {waiting: "等待中", with_staff: "处理中", callback: "回电任务",
                 returned: "已交回机器人", closed: "已结束", cancelled: "用户不等了"};
  const CHANNEL = {api: "网页/API", kiosk: "社区自助机", wechat: "微信", hotline: "电话"};
  const AUTHOR = {user: "用户", bot: "机器人", staff: "工作人员", system: "系统"};

  const $ = (id) => document.getElementById(id);
  let me = null;
  let cases = [];
  let openId = null;
  let openCase = null;
  let socket = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function minutesSince(seconds) {
    const minutes = Math.max(0, Math.floor((Date.now() / 1000 - seconds) / 60));
    return minutes < 1 ? "不到 1 分钟" : minutes + " 分钟";
  }

  function clock(seconds) {
    const d = new Date(seconds * 1000);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  async function api(method, url, body) {
    const options = {method: method, credentials: "same-origin", headers: {}};
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = me ? me.csrf : "";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(url, options);
    if (response.status === 401) {
      window.location.assign("/console/login");
      throw new Error("请先登录。");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "出错了（" + response.status + "）");
    return data;
  }

  function notice(text, ok) {
    const node = $("notice");
    node.textContent = text || "";
    node.className = ok ? "notice ok" : "notice";
  }

  // --- the queue ---------------------------------------------------------------------

  function caseLabel(c) {
    return (c.service_name || "未说明事项") + " · " + (LANGUAGE[c.language] || c.language) +
      "·" + (SCRIPT[c.script] || c.script);
  }

  function renderQueue() {
    const list = $("queue");
    list.replaceChildren();
    $("queue-empty").hidden = cases.length > 0;
    const waiting = cases.filter((c) => c.state === "waiting").length;
    $("queue-count").textContent = "（等待 " + waiting + " 人，共 " + cases.length + " 件）";
    for (const c of cases) {
      const item = el("li", null, "case" + (c.urgent ? " urgent" : "") + (c.id === openId ? " selected" : ""));
      item.dataset.id = String(c.id);
      item.tabIndex = 0;
      const line = el("div", null, "case-line");
      if (c.urgent) line.append(el("span", "紧急", "badge urgent"));
      line.append(el("span", STATE[c.state] || c.state, "badge state-" + c.state));
      if (c.position) line.append(el("span", "第 " + c.position + " 位", "badge"));
      line.append(el("strong", caseLabel(c)));
      line.append(el("span", REASON[c.reason] || c.reason));
      line.append(el("span", "等了 " + minutesSince(c.waiting_since)));
      if (c.staff) line.append(el("span", "接手：" + c.staff));
      if (c.callback) line.append(el("span", "电话 " + c.callback));
      if (c.unreachable) line.append(el("span", "联系不上", "badge unreachable"));
      item.append(line);
      if (c.last_words) item.append(el("p", "“" + c.last_words + "”", "last-words"));
      item.addEventListener("click", () => openCaseById(c.id));
      item.addEventListener("keydown", (e) => { if (e.key === "Enter") openCaseById(c.id); });
      list.append(item);
    }
  }

  async function refreshQueue() {
    const data = await api("GET", "/console/api/cases");
    cases = data.cases;
    renderQueue();
  }

  // --- one case ------------------------------------------------------------------------

  function addFact(list, name, value) {
    if (value === undefined || value === null || value === "") return;
    list.append(el("dt", name), el("dd", String(value)));
  }

  function renderCase() {
    const c = openCase;
    $("case-panel").hidden = !c;
    if (!c) return;
    $("case-title").textContent = "案件 " + c.id + "：" + caseLabel(c);
    const summary = $("case-summary");
    summary.replaceChildren();
    addFact(summary, "状态", (STATE[c.state] || c.state) + (c.urgent ? "（紧急）" : ""));
    addFact(summary, "事项", c.service_name || "未说明");
    addFact(summary, "语言", (LANGUAGE[c.language] || c.language) + "，" + (SCRIPT[c.script] || c.script));
    addFact(summary, "原因", REASON[c.reason] || c.reason);
    addFact(summary, "渠道", CHANNEL[c.channel] || c.channel);
    addFact(summary, "用户", c.sender);
    addFact(summary, "开始等待", clock(c.waiting_since) + "（" + minutesSince(c.waiting_since) + "前）");
    if (c.position) addFact(summary, "排队", "第 " + c.position + " 位");
    addFact(summary, "接手", c.staff);
    if (c.callback) addFact(summary, "回电号码", c.callback + (c.callback_full ? "" : "（接手后显示完整号码）"));
    if (c.facts && c.facts.slow_speech) addFact(summary, "提示", "用户希望说慢一点");
    for (const [key, value] of Object.entries(c.facts || {})) {
      if (key !== "service_name" && key !== "slow_speech" && key !== "unreachable") addFact(summary, key, value);
    }
    // the channel cannot reach the person now: say why and that a call is the way
    const unreachable = $("case-unreachable");
    unreachable.hidden = !c.unreachable;
    unreachable.textContent = c.unreachable
      ? "联系不上：" + c.unreachable.replace(/^（|）$/g, "") + (c.callback ? "（回电号码 " + c.callback + "）" : "")
      : "";

    const transcript = $("transcript");
    transcript.replaceChildren();
    for (const m of c.transcript) {
      const item = el("li", null, m.author);
      const who = m.author === "staff" && m.staff ? "工作人员 " + m.staff : (AUTHOR[m.author] || m.author);
      item.append(el("span", who + "：", "author"), el("span", m.text), el("span", clock(m.at), "time"));
      transcript.append(item);
    }
    transcript.scrollTop = transcript.scrollHeight;

    const unclaimed = !c.staff && (c.state === "waiting" || c.state === "callback");
    const owner = c.mine || (me && me.role === "admin");
    $("claim").hidden = !unclaimed;
    $("handback").hidden = !(c.state === "with_staff" && owner);
    $("close").hidden = !(unclaimed || (owner && (c.state === "with_staff" || c.state === "callback")));
    $("reply-form").hidden = !(c.state === "with_staff" && c.mine);
  }

  async function openCaseById(id) {
    openId = id;
    notice("");
    try {
      openCase = await api("GET", "/console/api/cases/" + id);
    } catch (e) {
      openCase = null;
      notice(e.message);
    }
    renderQueue();
    renderCase();
  }

  async function act(action, done) {
    if (!openCase) return;
    notice("");
    try {
      openCase = await api("POST", "/console/api/cases/" + openCase.id + "/" + action);
      renderCase();
      notice(done, true);
    } catch (e) {
      notice(e.message);
      await openCaseById(openId);
    }
  }

  $("claim").addEventListener("click", () => act("claim", "你已经接手，可以回复了。"));
  $("handback").addEventListener("click", () => act("handback", "已经交回机器人。"));
  $("close").addEventListener("click", () => {
    if (window.confirm("确定结束这个案件吗？")) act("close", "案件已结束。");
  });
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("reply");
    const text = box.value.trim();
    if (!text || !openCase) return;
    $("send").disabled = true;
    try {
      openCase = await api("POST", "/console/api/cases/" + openCase.id + "/messages", {text: text});
      box.value = "";
      renderCase();
      notice("");
    } catch (e) {
      notice(e.message);
    } finally {
      $("send").disabled = false;
      box.focus();
    }
  });
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("reply-form").requestSubmit();
  });

  // --- live updates ----------------------------------------------------------------------

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/console/ws");
    socket.addEventListener("open", () => { $("link-state").textContent = ""; });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "queue") return;
      cases = message.cases;
      renderQueue();
      if (openId !== null && message.changed.includes(openId)) openCaseById(openId);
      if (!$("admin-view").hidden) loadFigures();
    });
    socket.addEventListener("close", () => {
      $("link-state").textContent = "连接断开，正在重新连接…";
      setTimeout(async () => {
        try { await api("GET", "/console/api/me"); } catch (e) { return; }
        connect();
        refreshQueue().catch(() => {});
      }, 2000);
    });
  }

  // --- admin -------------------------------------------------------------------------

  function seconds(value) {
    if (value === null || value === undefined) return "—";
    return value < 60 ? value + " 秒" : Math.round(value / 60) + " 分钟";
  }

  function counts(map, labels) {
    const parts = Object.entries(map || {}).map(([k, n]) => ((labels && labels[k]) || k || "未说明") + " " + n);
    return parts.length ? parts.join("，") : "—";
  }

  async function loadFigures() {
    const f = await api("GET", "/console/api/figures");
    const list = $("figures");
    list.replaceChildren();
    addFact(list, "现在等待", f.waiting_now + " 人");
    addFact(list, "等得最久", seconds(f.longest_wait_seconds));
    addFact(list, "平均等待", seconds(f.average_wait_seconds));
    addFact(list, "案件总数", f.cases);
    addFact(list, "按事项", counts(f.by_service, f.service_names));
    addFact(list, "按原因", counts(f.by_reason, REASON));
    addFact(list, "待回电", f.callbacks_pending);
    addFact(list, "在线工作人员", f.staff_online ? "有" : "没有");
    if (f.ratings) {
      addFact(list, "评价", f.ratings.count + " 次，平均 " + (f.ratings.average === null ? "—" : f.ratings.average) + " 分");
    }
  }

  async function loadStaff() {
    const data = await api("GET", "/console/api/staff");
    const rows = $("staff-rows");
    rows.replaceChildren();
    for (const s of data.staff) {
      const row = el("tr");
      row.append(el("td", s.username), el("td", s.role === "admin" ? "管理员" : "工作人员"),
                 el("td", s.disabled ? "已停用" : "可用"));
      const cell = el("td");
      if (s.username !== me.username) {
        const toggle = el("button", s.disabled ? "启用" : "停用", "plain");
        toggle.type = "button";
        toggle.addEventListener("click", async () => {
          try {
            await api("POST", "/console/api/staff/" + encodeURIComponent(s.username), {disabled: !s.disabled});
            await loadStaff();
          } catch (e) { $("staff-notice").textContent = e.message; }
        });
        cell.append(toggle);
      }
      row.append(cell);
      rows.append(row);
    }
  }

  $("staff-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("staff-notice");
    out.textContent = "";
    try {
      await api("POST", "/console/api/staff", {
        username: $("new-username").value.trim(),
        password: $("new-password").value,
        role: $("new-role").value,
      });
      $("new-username").value = "";
      $("new-password").value = "";
      out.className = "notice ok";
      out.textContent = "账号已添加。";
      await loadStaff();
    } catch (e) {
      out.className = "notice";
      out.textContent = e.message;
    }
  });

  function showTab(admin) {
    $("queue-view").hidden = admin;
    $("admin-view").hidden = !admin;
    $("tab-queue").classList.toggle("active", !admin);
    $("tab-admin").classList.toggle("active", admin);
    if (admin) {
      loadFigures().catch((e) => { $("staff-notice").textContent = e.message; });
      loadStaff().catch((e) => { $("staff-notice").textContent = e.message; });
    }
  }
  $("tab-queue").addEventListener("click", () => showTab(false));
  $("tab-admin").addEventListener("click", () => showTab(true));

  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/console/logout"); } finally { window.location.assign("/console/login"); }
  });

  async function start() {
    me = await api("GET", "/console/api/me");
    $("who").textContent = me.username + (me.role === "admin" ? "（管理员）" : "");
    $("tab-admin").hidden = me.role !== "admin";
    await refreshQueue();
    connect();
    setInterval(renderQueue, 30000);   // keep "等了 N 分钟" current
  }
  start().catch((e) => notice(e.message));
})();
