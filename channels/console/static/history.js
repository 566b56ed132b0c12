// Finished cases, found by date, service, channel and member of staff.
import {$, CHANNEL, STATE, api, dateTime, el, fillSelect, isoDate} from "./common.js";

let page = 0;
let query = "";
let openCase = null;

function row(c) {
  const tr = el("tr");
  tr.tabIndex = 0;
  tr.dataset.id = String(c.id);
  tr.append(el("td", dateTime(c.created_at)), el("td", c.service_name || "未说明事项"),
            el("td", CHANNEL[c.channel] || c.channel), el("td", STATE[c.state] || c.state),
            el("td", c.staff || "—"));
  tr.addEventListener("click", () => openCase(c.id));
  tr.addEventListener("keydown", (e) => { if (e.key === "Enter") openCase(c.id); });
  tr.setAttribute("aria-label", "打开案件 " + c.id);
  return tr;
}

async function search(more) {
  page = more ? page + 1 : 0;
  if (!more) {
    const params = new URLSearchParams();
    for (const [name, id] of [["from", "h-from"], ["to", "h-to"], ["service", "h-service"],
                              ["channel", "h-channel"], ["staff", "h-staff"]]) {
      if ($(id).value) params.set(name, $(id).value);
    }
    query = params.toString();
  }
  const data = await api("GET", "/console/api/history?" + query + "&page=" + page);
  const rows = $("history-rows");
  if (!more) rows.replaceChildren();
  rows.append(...data.cases.map(row));
  $("history-count").textContent = "找到 " + data.total + " 件" +
    (data.total > rows.children.length ? "，显示前 " + rows.children.length + " 件" : "");
  $("history-more").hidden = rows.children.length >= data.total;
}

export function setupHistory(me, colleagues, open) {
  openCase = open;
  // the last 30 days on the centre's clock (the server's "today"), not the browser's
  const today = Date.parse(me.today + "T00:00:00Z") / 1000 - me.utc_offset;   // it began
  $("h-to").value = me.today;
  $("h-from").value = isoDate(today - 29 * 86400);
  fillSelect($("h-service"), Object.entries(me.services || {}), "全部");
  fillSelect($("h-channel"), Object.entries(CHANNEL), "全部");
  fillSelect($("h-staff"), colleagues.map((s) => [s.username, s.username]), "全部");
  $("history-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search(false).catch((e) => { $("history-count").textContent = e.message; });
  });
  $("history-more").addEventListener("click", () => search(true).catch(() => {}));
  search(false).catch(() => {});
}
