// A sound and a desktop notification when a case arrives or becomes urgent; each can be
// switched on and off (remembered in this browser). No sound files: a short tone made
// with Web Audio (two quick high tones for an emergency).
import {$, LANGUAGE, CHANNEL} from "./common.js";

const STORE = {sound: "kaifong.sound", desktop: "kaifong.desktop"};
const seen = new Map();   // case id -> was urgent
let primed = false;
let audio = null;
// what was signalled, for the tests and for anyone checking the page
window.kaifongAlerts = window.kaifongAlerts || [];

function on(kind) {
  const stored = window.localStorage.getItem(STORE[kind]);
  return kind === "sound" ? stored !== "off" : stored === "on";
}

function showToggle(kind) {
  const toggle = $(kind === "sound" ? "toggle-sound" : "toggle-desktop");
  const enabled = on(kind) && (kind === "sound" || Notification.permission === "granted");
  toggle.setAttribute("aria-pressed", String(enabled));
  toggle.textContent = (kind === "sound" ? "提示音：" : "桌面通知：") + (enabled ? "开" : "关");
}

async function flip(kind) {
  const turnOn = $(kind === "sound" ? "toggle-sound" : "toggle-desktop")
    .getAttribute("aria-pressed") !== "true";
  if (turnOn && kind === "desktop" && "Notification" in window &&
      Notification.permission !== "granted") {
    await Notification.requestPermission();
  }
  window.localStorage.setItem(STORE[kind], turnOn ? "on" : "off");
  if (turnOn && kind === "sound") tone(false);   // a click lets the page make sound later
  showToggle(kind);
}

function tone(urgent) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const beeps = urgent ? [0, 0.22, 0.44] : [0];
    for (const start of beeps) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = urgent ? 990 : 660;
      gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + 0.18);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(audio.currentTime + start);
      oscillator.stop(audio.currentTime + start + 0.2);
    }
  } catch (e) { /* no audio device: the list still shows it */ }
}

function alert(c, urgent) {
  const title = (urgent ? "紧急案件：" : "新案件：") + (c.service_name || "未说明事项");
  const body = (LANGUAGE[c.language] || c.language) + " · " + (CHANNEL[c.channel] || c.channel);
  const record = {id: c.id, urgent: urgent, sound: false, desktop: false, title: title};
  if (on("sound")) { tone(urgent); record.sound = true; }
  if (on("desktop") && "Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(title, {body: body, tag: "kaifong-case-" + c.id, requireInteraction: urgent});
      record.desktop = true;
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }
  window.kaifongAlerts.push(record);
}

// Each queue snapshot: tell about cases that are new, or newly urgent, since the last one.
export function queueChanged(cases) {
  for (const c of cases) {
    const before = seen.get(c.id);
    if (primed && c.state === "waiting" && before === undefined) alert(c, c.urgent);
    else if (primed && c.urgent && before === false) alert(c, true);
    seen.set(c.id, c.urgent);
  }
  primed = true;
}

export function setupAlerts() {
  if (!("Notification" in window)) $("toggle-desktop").hidden = true;
  else showToggle("desktop");
  showToggle("sound");
  $("toggle-sound").addEventListener("click", () => flip("sound"));
  $("toggle-desktop").addEventListener("click", () => flip("desktop"));
}
