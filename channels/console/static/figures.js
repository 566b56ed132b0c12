// The figures page: labelling the questions Kaifong did not understand (admins), and the
// custom period's dates shown only when 「自定义」 is chosen. Everything else is plain HTML.
import {api, session} from "./common.js";

session.me = {csrf: document.body.dataset.csrf || ""};   // what api() sends with a POST
const notice = document.getElementById("label-notice");

function say(text, ok) {
  if (!notice) return;
  notice.textContent = text;
  notice.className = ok ? "notice ok" : "notice";
}

async function label(form) {
  const intent = form.querySelector("select").value;
  if (!intent) { say("请先选它的意思。"); form.querySelector("select").focus(); return; }
  const button = form.querySelector("button");
  button.disabled = true;
  say("正在标记…", true);
  try {
    const data = await api("POST", "/console/api/unresolved/label",
                           {texts: JSON.parse(form.dataset.texts), intent: intent});
    const chosen = form.querySelector("select").selectedOptions[0].textContent;
    form.closest("td").querySelector(".labelled").textContent = chosen;
    const parts = ["已标记为“" + chosen + "”：新写入 " + data.added.length + " 句"];
    if (data.known.length) parts.push(data.known.length + " 句训练数据里已经有了");
    if (data.conflicts.length) parts.push(data.conflicts.length + " 句已经是别的意思的例句，没有写入");
    say(parts.join("，") + "。", true);
    if (data.status) {
      document.getElementById("labelled-count").textContent = String(data.status.labelled);
      const pending = data.status.not_in_model;
      document.getElementById("model-status").textContent = pending === null
        ? "还不知道正在运行的模型是什么时候训练的（机器人没有在运行）"
        : "其中 " + pending + " 条还没有训练进正在运行的模型";
    }
  } catch (e) {
    say(e.message);
  } finally {
    button.disabled = false;
  }
}

for (const form of document.querySelectorAll(".label-form")) {
  form.addEventListener("submit", (event) => { event.preventDefault(); label(form); });
}

const custom = document.querySelector(".period-form .custom");
function showCustom() {
  const chosen = document.querySelector('.period-form input[name="period"]:checked');
  if (custom && chosen) custom.hidden = chosen.value !== "custom";
}
for (const radio of document.querySelectorAll('.period-form input[name="period"]')) {
  radio.addEventListener("change", showCustom);
}
showCustom();
