// What every part of the console shares: the API call, element helpers, labels, times.
// Every piece of data is written with textContent, never as HTML.

export const LANGUAGE = {cmn: "普通话", yue: "粤语"};
export const SCRIPT = {hans: "简体", hant: "繁体"};
export const STATE = {waiting: "等待中", with_staff: "处理中", callback: "回电任务",
                      returned: "已交回机器人", closed: "已结束", cancelled: "用户不等了",
                      transferred: "电话已转坐席"};
export const CHANNEL = {api: "网页/API", kiosk: "社区自助机", wechat: "微信", phone: "电话"};
export const AUTHOR = {user: "用户", bot: "机器人", staff: "工作人员", system: "系统"};
export const SCORE = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"};

export const $ = (id) => document.getElementById(id);

export const session = {me: null};

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function button(text, className, onClick) {
  const node = el("button", text, className);
  node.type = "button";
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

export function minutesSince(seconds) {
  const minutes = Math.max(0, Math.floor((Date.now() / 1000 - seconds) / 60));
  return minutes < 1 ? "不到 1 分钟" : minutes + " 分钟";
}

export function duration(value) {
  if (value === null || value === undefined) return "—";
  if (value < 60) return Math.round(value) + " 秒";
  if (value < 3600) return Math.round(value / 60) + " 分钟";
  return (value / 3600).toFixed(1) + " 小时";
}

// Times are shown on the centre's clock (staff_utc_offset, from /console/api/me), like the
// history's search dates, whatever time zone the browser is set to: a Date moved by the
// offset, read with its UTC fields.
function centre(seconds) {
  return new Date((seconds + ((session.me && session.me.utc_offset) || 0)) * 1000);
}

const two = (n) => String(n).padStart(2, "0");

export function clock(seconds) {
  const d = centre(seconds);
  return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
}

export function dateTime(seconds) {
  const d = centre(seconds);
  return (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + clock(seconds);
}

export function isoDate(seconds) {   // YYYY-MM-DD on the centre's clock
  const d = centre(seconds);
  return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate());
}

export async function api(method, url, body) {
  const options = {method: method, credentials: "same-origin", headers: {}};
  if (method !== "GET") {
    options.headers["X-CSRF-Token"] = session.me ? session.me.csrf : "";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  const response = await fetch(url, options);
  if (response.status === 401) {
    window.location.assign("/console/login");
    throw new Error("请先登录。");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error || "出错了（" + response.status + "）");
    error.status = response.status;
    throw error;
  }
  return data;
}

export function addFact(list, name, value) {
  if (value === undefined || value === null || value === "") return;
  list.append(el("dt", name), el("dd", String(value)));
}

export function fillSelect(select, entries, first) {
  select.replaceChildren();
  if (first !== undefined) select.append(new Option(first, ""));
  for (const [value, label] of entries) select.append(new Option(label, value));
}
