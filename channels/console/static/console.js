// The staff console: the live queue (websocket), 「下一位」, one open case (summary, notes,
// the person's earlier contacts, transcript, reply with canned replies), transfer, close
// without a browser dialog, the history of finished cases, admin.
import {$, AUTHOR, CHANNEL, LANGUAGE, SCORE, SCRIPT, STATE, addFact, api, button,
        clock, dateTime, duration, el, fillSelect, minutesSince, session} from "./common.js";
import {queueChanged, setupAlerts} from "./notify.js";
import {setupHistory} from "./history.js";
import {loadAdmin, setupAdmin} from "./admin.js";

const FOR_WHOM = {self: "给自己办", family: "帮家人办（要带代办材料）"};
const ANSWER = {yes: "是", no: "不是"};
const KNOWN_FACTS = new Set(["service_name", "slow_speech", "unreachable", "for_whom", "answers"]);
const LONG_WAIT = 5 * 60;        // a wait this long is marked 「较久」
const VERY_LONG_WAIT = 15 * 60;  // and this long 「很久」
const PAGE = 200;                // cases a page of the queue holds (the server's page)

let cases = [];
let groups = [];          // repeated cases from one source, folded into one row each
let counts = {waiting: 0, open: 0, unclaimed: 0};   // the whole open queue, every page
let total = 0;            // cases in the list over every page
let wanted = PAGE;        // how many of them this page shows (「再看 200 件」 adds a page)
const expanded = new Map();   // source -> its cases, for the groups opened here
let closingGroup = null;
let openId = null;
let openCase = null;
let canned = [];
let colleagues = [];

function reasonOf(c) {   // the one label table, served by /console/api/me
  return session.me.reasons[c.reason] || c.reason;
}

function notice(text, ok) {
  const node = $("notice");
  node.textContent = text || "";
  node.className = ok ? "notice ok" : "notice";
}

function caseLabel(c) {
  return (c.service_name || "未说明事项") + " · " + (LANGUAGE[c.language] || c.language) +
    "·" + (SCRIPT[c.script] || c.script);
}

// --- the queue ---------------------------------------------------------------------

function waitBadge(c) {
  const waited = Date.now() / 1000 - c.waiting_since;
  const level = waited >= VERY_LONG_WAIT ? " very-long" : waited >= LONG_WAIT ? " long" : "";
  const word = waited >= VERY_LONG_WAIT ? "（很久）" : waited >= LONG_WAIT ? "（较久）" : "";
  return el("span", "等了 " + minutesSince(c.waiting_since) + word, "wait" + level);
}

function queueItem(c) {
  const item = el("li", null, "case" + (c.urgent ? " urgent" : "") + (c.id === openId ? " selected" : ""));
  item.dataset.id = String(c.id);
  item.tabIndex = 0;
  item.setAttribute("aria-current", c.id === openId ? "true" : "false");
  const line = el("div", null, "case-line");
  if (c.urgent) line.append(el("span", "紧急", "badge urgent"));
  line.append(el("span", STATE[c.state] || c.state, "badge state-" + c.state));
  if (c.position) line.append(el("span", "第 " + c.position + " 位", "badge"));
  line.append(el("strong", c.service_name || "未说明事项", "case-name"));
  line.append(waitBadge(c));
  item.append(line);
  const second = el("div", null, "case-line small");
  second.append(el("span", (LANGUAGE[c.language] || c.language) + "·" + (SCRIPT[c.script] || c.script)));
  second.append(el("span", CHANNEL[c.channel] || c.channel));
  second.append(el("span", reasonOf(c)));
  if (c.staff) second.append(el("span", "接手：" + c.staff));
  if (c.callback) second.append(el("span", "电话 " + c.callback));
  if (c.unreachable) second.append(el("span", "联系不上", "badge unreachable"));
  if (c.throttled) second.append(throttledBadge());
  if (c.last_words) second.append(el("span", "“" + c.last_words + "”", "last-words"));
  item.append(second);
  item.addEventListener("click", () => openCaseById(c.id));
  item.addEventListener("keydown", (e) => { if (e.key === "Enter") openCaseById(c.id); });
  return item;
}

// An emergency from a source that had already asked for staff too often (a flood):
// opened all the same, behind the others, and marked so.
function throttledBadge() {
  const badge = el("span", "来源求助过多", "badge throttled");
  badge.title = "同一来源短时间内求助太多，这是之后来的紧急求助";
  return badge;
}

function groupItem(g) {
  const item = el("li", null, "group" + (g.urgent ? " has-urgent" : ""));
  item.dataset.source = g.source;
  const line = el("div", null, "case-line");
  line.append(el("span", "同一来源", "badge group-badge"));
  line.append(el("strong", g.cases + " 件", "group-count"));
  line.append(el("span", g.channels.map((ch) => CHANNEL[ch] || ch).join("、")));
  line.append(el("span", "最早等了 " + minutesSince(g.oldest), "wait"));
  if (g.urgent) line.append(el("span", "含紧急 " + g.urgent + " 件", "badge urgent"));
  if (g.throttled) line.append(throttledBadge());
  item.append(line);
  const buttons = el("div", null, "group-actions");
  const open = expanded.has(g.source);
  const toggle = button(open ? "收起" : "展开看这 " + g.cases + " 件", "plain small",
                        () => toggleGroup(g.source));
  toggle.setAttribute("aria-expanded", String(open));
  buttons.append(toggle);
  if (session.me && session.me.role === "admin") {
    buttons.append(button("结束这一组", "danger small", () => askCloseGroup(g)));
  }
  item.append(buttons);
  if (open) {
    const inner = el("ul", null, "queue group-cases");
    inner.setAttribute("aria-label", "同一来源的 " + g.cases + " 件");
    inner.append(...(expanded.get(g.source) || []).map(queueItem));
    item.append(inner);
  }
  return item;
}

function renderQueue() {
  const list = $("queue");
  const urgent = cases.filter((c) => c.urgent);
  const rest = cases.filter((c) => !c.urgent);
  list.replaceChildren(...urgent.map(queueItem), ...groups.map(groupItem), ...rest.map(queueItem));
  $("queue-empty").hidden = cases.length > 0 || groups.length > 0;
  $("queue-count").textContent = "（等待 " + counts.waiting + " 人，共 " + counts.open + " 件）";
  $("next").disabled = !counts.unclaimed;
  const more = $("queue-more");
  more.hidden = total <= cases.length;
  more.textContent = "再看 " + Math.min(PAGE, total - cases.length) + " 件（还有 " + (total - cases.length) + " 件）";
}

function takeQueue(data) {
  cases = data.cases;
  groups = data.groups || [];
  counts = data.counts || counts;
  total = data.total === undefined ? cases.length : data.total;
  for (const source of [...expanded.keys()]) {
    if (!groups.some((g) => g.source === source)) expanded.delete(source);
  }
}

async function refreshQueue() {
  takeQueue(await api("GET", "/console/api/cases?grouped=1&limit=" + wanted));
  await Promise.all([...expanded.keys()].map(loadGroup));
  queueChanged(cases);
  renderQueue();
}

let refreshTimer = null;
function refreshSoon() {   // a burst of pushes while more than a page is shown: one request
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshQueue().catch(() => {}), 300);
}

async function loadGroup(source) {
  const data = await api("GET", "/console/api/cases?state=open&source=" + encodeURIComponent(source));
  expanded.set(source, data.cases);
}

async function toggleGroup(source) {
  if (expanded.has(source)) {
    expanded.delete(source);
  } else {
    try { await loadGroup(source); } catch (e) { notice(e.message); return; }
  }
  renderQueue();
  const row = [...document.querySelectorAll("li.group")].find((li) => li.dataset.source === source);
  if (row) row.querySelector(".group-actions button").focus();
}

$("queue-more").addEventListener("click", () => {
  wanted += PAGE;
  refreshQueue().catch((e) => notice(e.message));
});

// Closing a group asks here, in the page, and says what it closes.
function askCloseGroup(g) {
  closingGroup = g;
  $("group-question").textContent = "结束同一来源的 " + g.cases + " 件还没人接手的案件？" +
    (g.urgent ? "其中有紧急的 " + g.urgent + " 件，也会结束。" : "") + "还在等的人会收到“工作人员已结束对话”。";
  $("group-bar").hidden = false;
  $("group-confirm").focus();
}
$("group-cancel").addEventListener("click", () => { $("group-bar").hidden = true; closingGroup = null; });
$("group-bar").addEventListener("keydown", (e) => { if (e.key === "Escape") $("group-cancel").click(); });
$("group-confirm").addEventListener("click", async () => {
  const g = closingGroup;
  $("group-bar").hidden = true;
  closingGroup = null;
  if (!g) return;
  try {
    const done = await api("POST", "/console/api/groups/" + encodeURIComponent(g.source) + "/close");
    expanded.delete(g.source);
    await refreshQueue();
    queueNotice("已结束同一来源的 " + done.closed.length + " 件。", true);
  } catch (e) {
    queueNotice(e.message);
  }
});

function queueNotice(text, ok) {
  const node = $("queue-notice");
  node.textContent = text || "";
  node.className = ok ? "notice ok" : "notice";
}

async function loadQueueFigures() {
  showQueueFigures(await api("GET", "/console/api/queue-figures"));
}

function showQueueFigures(f) {   // fetched, or carried by each pushed queue
  const strip = $("queue-figures");
  strip.replaceChildren();
  addFact(strip, "正在等", f.now.waiting_now + " 人" + (f.now.urgent_waiting_now ? "（紧急 " + f.now.urgent_waiting_now + "）" : ""));
  addFact(strip, "现在等得最久", f.now.longest_wait_seconds === null ? "—" : duration(f.now.longest_wait_seconds));
  addFact(strip, "待回电", f.now.callbacks_pending + " 个");
  addFact(strip, "今天没接手就结束", f.today.left_unanswered + " 件");
  addFact(strip, "今天已接手", f.today.answered + " 件，等待中位数 " + duration(f.today.answered_median_wait_seconds) +
    "，九成在 " + duration(f.today.answered_p90_wait_seconds) + " 内");
}

$("next").addEventListener("click", async () => {
  notice("");
  try {
    openCase = await api("POST", "/console/api/next");
    openId = openCase.id;
    showCase(true);
    notice("你已经接手案件 " + openCase.id + "，可以回复了。", true);
  } catch (e) {
    notice(e.message);
  }
});

// --- one case ------------------------------------------------------------------------

function answerText(a) {
  return a.question + " → " + (ANSWER[a.answer] || a.answer) + "：" + a.outcome +
    (a.said ? "（答：“" + a.said + "”）" : "");
}

function renderSummary(c) {
  const summary = $("case-summary");
  summary.replaceChildren();
  const facts = c.facts || {};
  addFact(summary, "状态", (STATE[c.state] || c.state) + (c.urgent ? "（紧急）" : ""));
  addFact(summary, "事项", c.service_name || "未说明");
  addFact(summary, "为谁办", FOR_WHOM[facts.for_whom]);
  for (const a of facts.answers || []) addFact(summary, "回答", answerText(a));
  addFact(summary, "最后问的", c.asked ? "“" + c.asked + "”" : null);
  addFact(summary, "最后说的", c.last_words && c.last_words !== c.asked ? "“" + c.last_words + "”" : null);
  addFact(summary, "原因", reasonOf(c));
  addFact(summary, "渠道", CHANNEL[c.channel] || c.channel);
  for (const [key, value] of Object.entries(facts)) {
    if (!KNOWN_FACTS.has(key) && (typeof value === "string" || typeof value === "number")) addFact(summary, key, value);
  }
  addFact(summary, "语言", (LANGUAGE[c.language] || c.language) + "，" + (SCRIPT[c.script] || c.script));
  if (facts.slow_speech) addFact(summary, "提示", "用户希望说慢一点");
  addFact(summary, "用户", c.sender);
  addFact(summary, "开始等待", clock(c.waiting_since) + "（" + minutesSince(c.waiting_since) + "前）");
  if (c.position) addFact(summary, "排队", "第 " + c.position + " 位");
  addFact(summary, "接手", c.staff);
  if (c.callback) addFact(summary, "回电号码", c.callback + (c.callback_full ? "" : "（接手后显示完整号码）"));
}

function renderNotes(c) {
  $("notes").replaceChildren(...(c.notes || []).map((n) => {
    const item = el("li");
    item.append(el("span", n.staff + " " + clock(n.at) + "：", "author"), el("span", n.text));
    return item;
  }));
  if (!(c.notes || []).length) $("notes").append(el("li", "还没有备注。", "empty"));
}

function renderEarlier(c) {
  const list = $("earlier");
  list.replaceChildren();
  for (const e of c.earlier || []) {
    const item = el("li");
    const open = button("案件 " + e.id + " · " + dateTime(e.created_at) + " · " + (CHANNEL[e.channel] || e.channel) + " · " +
      (e.service_name || "未说明事项") + " · " + (STATE[e.state] || e.state) + (e.staff ? " · " + e.staff : ""),
      "link", () => openCaseById(e.id));
    item.append(open);
    list.append(item);
  }
  for (const r of c.ratings || []) {
    const item = el("li", "评价 " + r.score + " 分（" + (SCORE[r.score] || "") + "）· " + dateTime(r.at) +
      (r.reason ? " · 理由：“" + r.reason + "”" : ""), r.score <= 2 ? "low-rating" : "");
    list.append(item);
  }
  if (!list.children.length) list.append(el("li", "没有以前的联系或评价。", "empty"));
}

function renderTranscript(c) {
  const transcript = $("transcript");
  transcript.replaceChildren();
  for (const m of c.transcript) {
    const item = el("li", null, m.author);
    const who = m.author === "staff" && m.staff ? "工作人员 " + m.staff : (AUTHOR[m.author] || m.author);
    item.append(el("span", who + "：", "author"), el("span", m.text));
    if (m.shown && m.shown !== m.text) item.append(el("span", "（点的是“" + m.shown + "”）", "shown"));
    item.append(el("span", clock(m.at), "time"));
    transcript.append(item);
  }
  transcript.scrollTop = transcript.scrollHeight;
}

function renderActions(c) {
  const admin = session.me && session.me.role === "admin";
  const unclaimed = !c.staff && (c.state === "waiting" || c.state === "callback");
  const owner = c.mine || admin;
  const live = c.state === "with_staff" || c.state === "callback";
  $("claim").hidden = !unclaimed;
  $("handback").hidden = !(c.state === "with_staff" && owner);
  $("close").hidden = !(unclaimed || (owner && live));
  $("transfer-box").hidden = !(owner && c.staff && live);
  if (!$("transfer-box").hidden) fillColleagues(c);
  $("reply-form").hidden = !(c.state === "with_staff" && c.mine);
  if ($("close").hidden) $("close-bar").hidden = true;
}

function renderCase() {
  const c = openCase;
  $("case-panel").hidden = !c;
  $("case-empty").hidden = Boolean(c);
  if (!c) return;
  $("case-title").textContent = "案件 " + c.id + "：" + caseLabel(c);
  renderSummary(c);
  renderNotes(c);
  renderEarlier(c);
  renderTranscript(c);
  renderActions(c);
  renderCanned(c);
  const unreachable = $("case-unreachable");
  unreachable.hidden = !c.unreachable;
  unreachable.textContent = c.unreachable
    ? "联系不上：" + c.unreachable.replace(/^（|）$/g, "") + (c.callback ? "（回电号码 " + c.callback + "）" : "")
    : "";
}

// After claiming: the case and the reply box in view, the cursor in the box.
function showCase(claimed) {
  renderQueue();
  renderCase();
  if (claimed && !$("reply-form").hidden) {
    $("reply").focus({preventScroll: true});
    $("reply-form").scrollIntoView({block: "nearest"});
  }
}

export async function openCaseById(id, keepNotice) {
  if (id !== openId) $("close-bar").hidden = true;   // a push about this case keeps the question
  openId = id;
  if (!keepNotice) notice("");
  try {
    openCase = await api("GET", "/console/api/cases/" + id);
  } catch (e) {
    openCase = null;
    notice(e.message);
  }
  showCase(false);
}

async function act(action, done, body) {
  if (!openCase) return;
  notice("");
  try {
    openCase = await api("POST", "/console/api/cases/" + openCase.id + "/" + action, body);
    showCase(action === "claim");
    notice(done, true);
  } catch (e) {
    notice(e.message);
    await openCaseById(openId);
    notice(e.message);
  }
}

$("claim").addEventListener("click", () => act("claim", "你已经接手，可以回复了。"));
$("handback").addEventListener("click", () => act("handback", "已经交回机器人。"));

// Closing asks here, in the page, not in a browser dialog.
$("close").addEventListener("click", () => {
  $("close-bar").hidden = false;
  $("close-confirm").focus();
});
$("close-cancel").addEventListener("click", () => { $("close-bar").hidden = true; $("close").focus(); });
$("close-bar").addEventListener("keydown", (e) => { if (e.key === "Escape") $("close-cancel").click(); });
$("close-confirm").addEventListener("click", async () => {
  $("close-bar").hidden = true;
  await act("close", "案件已结束。");
});

function fillColleagues(c) {
  const select = $("transfer-to");
  const chosen = select.value;
  fillSelect(select, colleagues.filter((s) => s.username !== c.staff)
    .map((s) => [s.username, s.username + (s.online ? "（在线）" : "（不在线）")]), "选一位同事");
  select.value = chosen;
}

async function loadColleagues() {
  colleagues = (await api("GET", "/console/api/colleagues")).staff;
}

$("transfer").addEventListener("click", async () => {
  const to = $("transfer-to").value;
  if (!to) { notice("请先选一位同事。"); $("transfer-to").focus(); return; }
  await act("transfer", "已经转给 " + to + "。", {to: to});
});

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("note").value.trim();
  if (!text || !openCase) return;
  try {
    openCase = await api("POST", "/console/api/cases/" + openCase.id + "/notes", {text: text});
    $("note").value = "";
    renderCase();
    notice("备注已保存。", true);
  } catch (e) { notice(e.message); }
});

// --- replying ----------------------------------------------------------------------

function renderCanned(c) {
  const box = $("canned");
  box.replaceChildren(...canned.map((r) => {
    const text = c.language === "yue" ? r.yue : r.cmn;
    const chip = button(r.title, "chip", () => {
      const reply = $("reply");
      reply.value = reply.value.trim() ? reply.value.trimEnd() + " " + text : text;
      reply.focus();
    });
    chip.title = text;
    chip.setAttribute("aria-label", "常用回复：" + r.title + "。" + text);
    return chip;
  }));
  box.hidden = canned.length === 0;
}

export async function loadCanned() {
  canned = (await api("GET", "/console/api/canned")).replies;
  if (openCase) renderCanned(openCase);
}

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
  const socket = new WebSocket(scheme + window.location.host + "/console/ws");
  socket.addEventListener("open", () => { $("link-state").textContent = ""; });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type !== "queue") return;
    if (wanted > PAGE || expanded.size) {
      refreshSoon();                  // more than the pushed first page is on screen
    } else {
      takeQueue(message);
      queueChanged(cases);
      renderQueue();
    }
    if (message.figures) showQueueFigures(message.figures);
    if (openId !== null && message.changed.includes(openId)) openCaseById(openId, true);
    if (!$("admin-view").hidden) loadAdmin();
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

// --- tabs --------------------------------------------------------------------------

function showTab(name) {
  $("work-view").hidden = name === "admin";
  $("admin-view").hidden = name !== "admin";
  $("queue-panel").hidden = name !== "queue";
  $("history-panel").hidden = name !== "history";
  for (const tab of ["queue", "history", "admin"]) {
    $("tab-" + tab).classList.toggle("active", tab === name);
    $("tab-" + tab).setAttribute("aria-pressed", String(tab === name));
  }
  if (name === "admin") loadAdmin();
}
$("tab-queue").addEventListener("click", () => showTab("queue"));
$("tab-history").addEventListener("click", () => showTab("history"));
$("tab-admin").addEventListener("click", () => showTab("admin"));

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/console/logout"); } finally { window.location.assign("/console/login"); }
});

async function start() {
  session.me = await api("GET", "/console/api/me");
  $("who").textContent = session.me.username + (session.me.role === "admin" ? "（管理员）" : "");
  $("tab-admin").hidden = session.me.role !== "admin";
  setupAlerts();
  await Promise.all([refreshQueue(), loadCanned(), loadColleagues(), loadQueueFigures()]);
  setupHistory(session.me, colleagues, openCaseById);
  if (session.me.role === "admin") setupAdmin(loadCanned);
  connect();
  const linked = window.location.pathname.match(/^\/console\/cases\/(\d+)$/);
  if (linked) await openCaseById(Number(linked[1]));   // the agent's screen opens the case it was sent
  setInterval(() => { renderQueue(); loadQueueFigures().catch(() => {}); }, 30000);
  setInterval(() => loadColleagues().catch(() => {}), 60000);
  document.body.dataset.ready = "true";
}
start().catch((e) => notice(e.message));
