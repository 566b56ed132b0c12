// Admins: the queue's figures over 30 days (each labelled with what it counts), canned
// replies in both languages, staff accounts.
import {$, addFact, api, button, duration, el, session} from "./common.js";

let onCannedChange = () => {};

function counts(map, labels) {
  const parts = Object.entries(map || {}).map(([k, n]) => ((labels && labels[k]) || k || "未说明") + " " + n);
  return parts.length ? parts.join("，") : "—";
}

async function loadFigures() {
  const f = await api("GET", "/console/api/figures");
  const list = $("figures");
  list.replaceChildren();
  addFact(list, "正在等（现在）", f.waiting_now + " 人");
  addFact(list, "现在等得最久", f.longest_wait_seconds === null ? "没有人在等" : duration(f.longest_wait_seconds));
  addFact(list, "已接手的案件", f.answered + " 件");
  addFact(list, "已接手案件的等待", "中位数 " + duration(f.answered_median_wait_seconds) + "，九成在 " +
    duration(f.answered_p90_wait_seconds) + " 内，平均 " + duration(f.average_wait_seconds) + "（只算已接手的）");
  addFact(list, "没接手就结束（用户不等了或被关闭）", f.left_unanswered + " 件");
  addFact(list, "案件总数", f.cases);
  addFact(list, "按事项", counts(f.by_service, f.service_names));
  addFact(list, "按原因", counts(f.by_reason, session.me.reasons));
  addFact(list, "待回电", f.callbacks_pending);
  addFact(list, "在线工作人员", f.staff_online ? "有" : "没有");
  if (f.ratings) {
    addFact(list, "评价", f.ratings.count + " 次，平均 " + (f.ratings.average === null ? "—" : f.ratings.average) + " 分");
  }
}

// --- canned replies ------------------------------------------------------------------

function editCanned(r) {
  $("canned-id").value = String(r.id);
  $("canned-title-input").value = r.title;
  $("canned-cmn").value = r.cmn;
  $("canned-yue").value = r.yue;
  $("canned-form-title").textContent = "修改常用回复：" + r.title;
  $("canned-title-input").focus();
}

function renderCanned(replies) {
  $("canned-rows").replaceChildren(...replies.map((r) => {
    const row = el("tr");
    row.append(el("td", r.title), el("td", r.cmn), el("td", r.yue));
    const cell = el("td");
    const edit = button("修改", "plain", () => editCanned(r));
    edit.setAttribute("aria-label", "修改常用回复 " + r.title);
    const remove = button("删除", "danger", async () => {
      try {
        renderCanned((await api("POST", "/console/api/canned/" + r.id, {delete: true})).replies);
        onCannedChange();
      } catch (e) { $("canned-notice").textContent = e.message; }
    });
    remove.setAttribute("aria-label", "删除常用回复 " + r.title);
    cell.append(edit, remove);
    row.append(cell);
    return row;
  }));
}

async function loadCannedTable() {
  renderCanned((await api("GET", "/console/api/canned")).replies);
}

function resetCannedForm() {
  $("canned-id").value = "";
  $("canned-form-title").textContent = "添加常用回复";
}

$("canned-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = $("canned-notice");
  const id = $("canned-id").value;
  const body = {title: $("canned-title-input").value, cmn: $("canned-cmn").value, yue: $("canned-yue").value};
  try {
    const data = await api("POST", "/console/api/canned" + (id ? "/" + id : ""), body);
    renderCanned(data.replies);
    $("canned-form").reset();
    resetCannedForm();
    out.className = "notice ok";
    out.textContent = id ? "已修改。" : "已添加。";
    onCannedChange();
  } catch (e) {
    out.className = "notice";
    out.textContent = e.message;
  }
});
$("canned-form").addEventListener("reset", resetCannedForm);

// --- accounts ----------------------------------------------------------------------

async function loadStaff() {
  const data = await api("GET", "/console/api/staff");
  const rows = $("staff-rows");
  rows.replaceChildren();
  for (const s of data.staff) {
    const row = el("tr");
    row.append(el("td", s.username), el("td", s.role === "admin" ? "管理员" : "工作人员"),
               el("td", s.disabled ? "已停用" : "可用"));
    const cell = el("td");
    if (s.username !== session.me.username) {
      const toggle = button(s.disabled ? "启用" : "停用", "plain", async () => {
        try {
          await api("POST", "/console/api/staff/" + encodeURIComponent(s.username), {disabled: !s.disabled});
          await loadStaff();
        } catch (e) { $("staff-notice").textContent = e.message; }
      });
      toggle.setAttribute("aria-label", (s.disabled ? "启用 " : "停用 ") + s.username);
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

export function loadAdmin() {
  const fail = (e) => { $("staff-notice").textContent = e.message; };
  loadFigures().catch(fail);
  loadStaff().catch(fail);
  loadCannedTable().catch(fail);
}

export function setupAdmin(cannedChanged) {
  onCannedChange = () => cannedChanged().catch(() => {});
}
