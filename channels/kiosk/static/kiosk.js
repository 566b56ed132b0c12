// The community kiosk page. It draws what the gateway tells it over one websocket,
// plays the speech it is sent, and streams the microphone while the talk button is
// used. It keeps nothing: no storage, no cookies; a reset clears the screen, the
// audio and the browser's storage for the next person.
// Every piece of text is written with textContent, never as HTML.
"use strict";
(function () {
  const HOLD_MS = 450;            // pressed longer than this: hold to talk; shorter: tap on, tap off
  const ACTIVITY_EVERY_MS = 1000;
  const MAX_KEYPAD_DIGITS = 20;
  const CHOICES = ".options, .rating, .keypad";
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const SVG = "http://www.w3.org/2000/svg";
  const RATING = ["5", "4", "3", "2", "1"];
  // mouths from a wide open grin (5) to a deep frown (1); the words say it too
  const MOUTHS = {"5": ["M26 56 Q50 96 74 56 Z", "mouth open"], "4": ["M30 60 Q50 78 70 60", "mouth"],
                  "3": ["M31 66 L69 66", "mouth"], "2": ["M31 72 Q50 60 69 72", "mouth"],
                  "1": ["M27 78 Q50 52 73 78", "mouth"]};

  const $ = (id) => document.getElementById(id);
  let socket = null;
  let retry = 0;
  let labels = {};
  let view = {language: "cmn", script: "hans", lang: "zh-Hans", voice: true};
  let audioCtx = null;
  let playback = null;          // the answer being played: {id, rate, chunks, sources, next}
  let lastSpeech = null;        // the last answer's speech, for 再听一次: {rate, chunks}
  let mic = freshMic();
  let micModule = null;
  let lastActivity = 0;
  let audioBytes = 0;

  function freshMic() {
    return {stream: null, source: null, node: null, rate: 16000, listening: false,
            starting: false, mode: "hold", downAt: 0, pressed: false, stopWhenReady: false};
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- the connection -------------------------------------------------------------

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/kiosk/ws");
    socket.binaryType = "arraybuffer";
    socket.onopen = () => { retry = 0; $("offline").hidden = true; };
    socket.onmessage = (event) => {
      if (typeof event.data === "string") onMessage(JSON.parse(event.data));
      else onSpeech(event.data);
    };
    socket.onclose = () => {
      // the gateway forgets the person with the connection: so does the page
      clearAll();
      showStart();
      $("offline").hidden = false;
      setTimeout(connect, Math.min(10000, 1000 * Math.pow(2, retry++)));
    };
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  const HANDLERS = {
    hello(m) { clearAll(); applyUi(m); showStart(); },
    ui(m) { applyUi(m); if (m.started) showTalk(); },
    user(m) {
      removeThinking();
      clearChoices();   // the person answered: the choices on screen are spent
      addMessage("user", labels.you, m.text, m.lang);
      addThinking(m.lang);
    },
    reply(m) { showReply(m); },
    staff(m) { showStaff(m); },
    handoff(m) { showHandoff(m); },
    log(m) { redrawLog(m); },
    partial(m) { showHeard(m.text); },
    listening(m) { if (!m.on) listeningOff(); },
    still_there(m) { showStillThere(m); },
    reset() { clearAll(); showStart(); },
    audio_start(m) { startSpeech(m); },
    audio_end(m) { endSpeech(m); },
  };

  function onMessage(message) {
    const handler = HANDLERS[message.type];
    if (handler) handler(message);
  }

  // --- labels, language, screens ------------------------------------------------------

  function applyUi(m) {
    labels = m.labels || {};
    view = {language: m.language, script: m.script, lang: m.lang, voice: m.voice};
    document.documentElement.lang = m.lang;
    document.title = labels.title || document.title;
    $("title").textContent = labels.title;
    $("location").textContent = labels.location || "";
    $("human-label").textContent = labels.human;
    const hant = m.script === "hant";
    $("choose-cmn").textContent = labels.choose_cmn;
    $("choose-cmn").lang = hant ? "zh-Hant" : "zh-Hans";
    $("choose-yue").textContent = labels.choose_yue;
    $("choose-yue").lang = hant ? "yue-Hant" : "yue-Hans";
    $("script-hans").setAttribute("aria-pressed", String(!hant));
    $("script-hant").setAttribute("aria-pressed", String(hant));
    const other = m.language === "cmn" ? {text: "廣東話", lang: "yue-Hant", language: "yue"}
                                       : {text: "普通话", lang: "zh-Hans", language: "cmn"};
    const switcher = $("switch-language");
    switcher.textContent = other.text;
    switcher.lang = other.lang;
    switcher.dataset.language = other.language;
    if (!mic.listening && !mic.starting) $("talk-label").textContent = labels.talk;
    $("talk-button").hidden = !m.voice;
    document.body.classList.toggle("no-voice", !m.voice);
    $("replay-label").textContent = labels.replay;
    $("say-label").textContent = labels.type;
    $("send").textContent = labels.send;
    $("still-here").textContent = labels.still_here;
    $("back").textContent = labels.back;
    $("more").textContent = labels.more;
    $("done").textContent = labels.done;
    $("intro").textContent = labels.intro;
    $("intro").lang = m.lang;
    $("start-services-label").textContent = labels.examples;
    $("start-services-label").lang = m.lang;
    const services = $("start-services");
    services.lang = m.lang;
    services.replaceChildren(...(m.services || []).map((b) => optionButton(b, null, startWith)));
  }

  // A service (or 「更多服务」) tapped on the start screen: start in the language shown
  function startWith(button) {
    audio();
    const message = {type: "start", language: view.language, title: button.title};
    if (button.menu) message.menu = button.menu; else message.text = String(button.payload);
    send(message);
    showTalk();
  }

  function showStart() {
    document.body.classList.add("on-start");
    $("start").hidden = false;
    $("talk").hidden = true;
    $("controls").hidden = true;
    $("switch-language").hidden = true;
  }

  function showTalk() {
    document.body.classList.remove("on-start");
    $("start").hidden = true;
    $("talk").hidden = false;
    $("controls").hidden = false;
    $("switch-language").hidden = false;
  }

  // --- the conversation ---------------------------------------------------------------

  function addMessage(kind, who, text, lang) {
    const item = el("li", "msg " + kind);
    if (lang) item.lang = lang;
    item.append(el("span", "who", who), el("p", "text", text));
    $("log").append(item);
    return item;
  }

  function addThinking(lang) {
    const item = addMessage("bot thinking", labels.assistant, labels.thinking, lang);
    scrollMainTo(offsetIn(item) + item.offsetHeight - $("main").clientHeight + 24);
  }

  function removeThinking() {
    for (const item of $("log").querySelectorAll(".thinking")) item.remove();
  }

  function clearChoices() {
    for (const node of $("log").querySelectorAll(".msg.menu")) node.remove();   // a kiosk menu, answered
    for (const node of $("log").querySelectorAll(CHOICES)) node.remove();
    for (const item of $("log").querySelectorAll(".has-choices")) item.classList.remove("has-choices");
  }

  // One message of the bot (or staff), with its choices: option buttons, the rating
  // faces, a number pad for a phone number or an age.
  function addBotMessage(kind, who, message, lang) {
    const item = addMessage(kind, who, message.text, lang);
    if (message.menu) item.classList.add("menu");
    const buttons = message.buttons || [];
    if (buttons.length || message.keypad) {
      item.classList.add("has-choices");
      if (buttons.length) item.append(choices(buttons));
      if (message.keypad) {   // "phone" (behind a button), "phone-open", "age"
        const [kind, open] = message.keypad.split("-");
        item.append(keypadOpener(kind, open === "open"));
      }
    }
    return item;
  }

  function showReply(m) {
    showTalk();
    removeThinking();
    const fresh = m.messages.some((x) => (x.buttons && x.buttons.length) || x.keypad);
    if (!m.keep_buttons && fresh) clearChoices();
    let first = null;
    for (const message of m.messages) {
      const item = addBotMessage("bot", labels.assistant, message, m.lang);
      first = first || item;
    }
    if (first) reveal(first);
  }

  function showStaff(m) {
    removeThinking();
    if (m.messages.some((x) => (x.buttons && x.buttons.length) || x.keypad)) clearChoices();
    let first = null;
    for (const message of m.messages) {
      const staff = message.from === "staff";
      const item = addBotMessage(staff ? "staff" : "bot", staff ? labels.staff : labels.assistant,
                                 message, m.lang);
      first = first || item;
    }
    if (first) reveal(first);
  }

  // After a switch of script: every bubble again, as the gateway now writes it.
  function redrawLog(m) {
    removeThinking();
    $("log").replaceChildren();
    for (const item of m.items) {
      if (item.kind === "user") addMessage("user", labels.you, item.text, item.lang);
      else if (item.kind === "staff" && item.from === "staff") addBotMessage("staff", labels.staff, item, item.lang);
      else addBotMessage("bot", labels.assistant, item, item.lang);
    }
    const last = $("log").lastElementChild;
    if (last) reveal(last);
  }

  // --- scrolling: the newest question and its choices in view ---------------------------

  function offsetIn(node) {
    const main = $("main");
    return node.getBoundingClientRect().top - main.getBoundingClientRect().top + main.scrollTop;
  }

  function scrollMainTo(top) {
    const main = $("main");
    const max = main.scrollHeight - main.clientHeight;
    main.scrollTo({top: Math.max(0, Math.min(top, max)),
                   behavior: reducedMotion.matches ? "auto" : "smooth"});
  }

  // Bring a new answer into view: its choices always whole, and from the person's own
  // words above it when everything fits.
  function reveal(first) {
    const margin = 16;
    const room = $("main").clientHeight - 2 * margin;
    const before = first.previousElementSibling;
    const top = before && before.classList.contains("user") ? before : first;
    const last = $("log").lastElementChild;
    const target = last.querySelector(CHOICES) || last;
    const end = offsetIn(target) + target.offsetHeight;
    let y = offsetIn(top) - margin;
    if (end - y > room + margin) y = Math.max(offsetIn(first) - margin, end - room - margin);
    if (end - y > room + margin) y = end - room - margin;   // the choices, whole, come first
    scrollMainTo(y);
  }

  function showHandoff(m) {
    $("queue").hidden = !m.handoff;
    document.body.classList.toggle("in-queue", Boolean(m.handoff));
    $("queue").lang = m.lang;
    $("queue-text").textContent = m.text || "";
    $("queue-cancel").hidden = !m.cancel;
    $("queue-cancel").textContent = m.cancel || "";
    if (m.handoff && m.handoff.state === "with_staff") removeThinking();
  }

  function isRating(buttons) {
    return buttons.length === 5 && buttons.every((b, i) => String(b.payload) === RATING[i]);
  }

  function choices(buttons) {
    return isRating(buttons) ? ratingFaces(buttons) : options(buttons);
  }

  // A group of choices is spent by its first tap: a second tap (the answer is on its
  // way) does nothing.
  function spend(box, button) {
    if (box.dataset.spent) return false;
    box.dataset.spent = "yes";
    button.setAttribute("aria-pressed", "true");
    return true;
  }

  function optionButton(b, box, action) {
    const button = el("button", "option");
    button.type = "button";
    const numbered = /^(\d{1,2})\s+(.+)$/.exec(b.title);
    if (numbered) {
      button.append(el("span", "number", numbered[1]), el("span", "label", numbered[2]));
    } else {
      button.append(el("span", "label", b.title));
    }
    button.addEventListener("click", () => {
      if (!box || spend(box, button)) action(b);
    });
    return button;
  }

  function options(buttons) {
    const box = el("div", "options");
    for (const b of buttons) box.append(optionButton(b, box, choose));
    return box;
  }

  function ratingFaces(buttons) {
    const box = el("div", "rating");
    for (const b of buttons) {
      const button = el("button", "face");
      button.type = "button";
      button.append(face(String(b.payload)), el("span", "label", b.title));
      button.addEventListener("click", () => { if (spend(box, button)) choose(b); });
      box.append(button);
    }
    return box;
  }

  // --- the number pad: a phone number or an age, by touch --------------------------------

  function keypadOpener(kind, open) {
    const box = el("div", "keypad");
    if (open) {
      box.append(keypad(kind));
      return box;
    }
    const button = el("button", "option keypad-open");
    button.type = "button";
    button.append(el("span", "label", kind === "age" ? labels.keypad_age_open : labels.keypad_phone_open));
    button.addEventListener("click", () => {
      box.replaceChildren(keypad(kind));
      const end = offsetIn(box) + box.offsetHeight;
      scrollMainTo(end - $("main").clientHeight + 16);
      box.querySelector(".key").focus({preventScroll: true});
    });
    box.append(button);
    return box;
  }

  function keypad(kind) {
    const pad = el("div", "pad");
    pad.setAttribute("role", "group");
    const name = kind === "age" ? labels.keypad_age : labels.keypad_phone;
    pad.setAttribute("aria-label", name);
    const shown = el("output", "pad-shown");
    shown.setAttribute("aria-live", "polite");
    shown.setAttribute("aria-label", name);
    const digits = [];
    const draw = () => { shown.textContent = digits.join("") || "\u00a0"; };
    const key = (label, className, action) => {
      const button = el("button", "key " + className, label);
      button.type = "button";
      button.addEventListener("click", action);
      return button;
    };
    const keys = el("div", "keys");
    for (const d of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) {
      keys.append(key(d, "digit", () => { if (digits.length < MAX_KEYPAD_DIGITS) digits.push(d); draw(); }));
    }
    keys.append(key(labels.keypad_delete, "delete", () => { digits.pop(); draw(); }),
                key("0", "digit", () => { if (digits.length < MAX_KEYPAD_DIGITS) digits.push("0"); draw(); }),
                key(labels.keypad_ok, "ok", () => {
                  if (!digits.length || pad.dataset.spent) return;
                  pad.dataset.spent = "yes";
                  send({type: "text", text: digits.join("")});
                }));
    draw();
    pad.append(shown, keys);
    return pad;
  }

  function face(level) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 100 100");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const shape = (tag, attrs) => {
      const node = document.createElementNS(SVG, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      svg.append(node);
    };
    shape("circle", {cx: 50, cy: 50, r: 45});
    shape("circle", {cx: 35, cy: 40, r: 6, class: "eye"});
    shape("circle", {cx: 65, cy: 40, r: 6, class: "eye"});
    shape("path", {d: MOUTHS[level][0], class: MOUTHS[level][1]});
    if (level === "1") {   // sad brows, raised in the middle
      shape("path", {d: "M24 32 L40 26 M76 32 L60 26", class: "mouth"});
    }
    return svg;
  }

  function choose(button) {
    if (button.menu) {   // a kiosk menu (「更多服务」 and its groups): drawn, not said
      send({type: "menu", name: button.menu, title: button.title});
      return;
    }
    // the payload is what a person would say ("1"); the title is what they see
    send({type: "text", text: String(button.payload), title: button.title});
  }

  function sendTyped() {
    const input = $("say");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({type: "text", text: text});
  }

  // --- 还在吗？ ------------------------------------------------------------------------

  function showStillThere(m) {
    if (!m.on) {
      $("still").hidden = true;
      return;
    }
    $("still").lang = m.lang;
    $("still-text").textContent = m.text;
    $("still-here").textContent = m.button;
    $("still").hidden = false;
    scrollMainTo($("main").scrollHeight);
  }

  function activity() {
    const now = Date.now();
    const asking = !$("still").hidden;
    if (asking) $("still").hidden = true;
    if (asking || now - lastActivity > ACTIVITY_EVERY_MS) {
      lastActivity = now;
      send({type: "activity"});
    }
  }

  // --- speech out -------------------------------------------------------------------

  function audio() {
    if (!audioCtx) {
      // 16 kHz: what the recogniser hears and the speech is made at; the browser
      // converts to and from the devices' own rates (better than we could)
      const Context = window.AudioContext || window.webkitAudioContext;
      try {
        audioCtx = new Context({sampleRate: 16000});
      } catch (e) {
        audioCtx = new Context();
      }
    }
    if (audioCtx.state === "suspended") audioCtx.resume();
    return audioCtx;
  }

  function stopPlayback() {
    if (!playback) return;
    for (const source of playback.sources) {
      try { source.stop(); } catch (e) { /* already ended */ }
    }
    playback.sources = [];
    playback.next = 0;
    document.body.dataset.speaking = "no";
  }

  function startSpeech(m) {
    stopPlayback();
    playback = {id: m.id, rate: m.rate, chunks: [], sources: [], next: 0};
  }

  function endSpeech(m) {
    if (playback && playback.id === m.id && playback.chunks.length) {
      lastSpeech = {rate: playback.rate, chunks: playback.chunks};
    }
  }

  function onSpeech(data) {
    if (!playback) return;
    const pcm = new Int16Array(data);
    playback.chunks.push(pcm);
    audioBytes += data.byteLength;
    document.body.dataset.speechBytes = String(audioBytes);
    if (!mic.listening && !mic.starting) play(pcm, playback.rate);
  }

  function play(pcm, rate) {
    if (!audioCtx) return;   // nothing was touched yet: the browser would not play it
    const ctx = audio();
    const buffer = ctx.createBuffer(1, pcm.length, rate);
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    const at = Math.max(ctx.currentTime + 0.05, playback.next);
    source.start(at);
    playback.next = at + buffer.duration;
    playback.sources.push(source);
    document.body.dataset.speaking = "yes";   // for tests and for the operator's eyes
    source.onended = () => {
      if (!playback) return;
      playback.sources = playback.sources.filter((s) => s !== source);
      if (!playback.sources.length) document.body.dataset.speaking = "no";
    };
  }

  function replay() {
    const speech = lastSpeech || (playback && playback.chunks.length
                                  ? {rate: playback.rate, chunks: playback.chunks} : null);
    if (!speech) return;
    audio();
    stopPlayback();
    playback = {id: -1, rate: speech.rate, chunks: speech.chunks.slice(), sources: [], next: 0};
    for (const pcm of speech.chunks) play(pcm, speech.rate);
  }

  // --- the microphone ---------------------------------------------------------------

  async function micReady() {
    if (mic.node) return;
    const ctx = audio();
    if (!micModule) micModule = ctx.audioWorklet.addModule("/kiosk/static/mic-worklet.js");
    await micModule;
    // the raw microphone: the browser's noise suppression and gain control change the
    // sound in ways that cost the recogniser words (and the kiosk is silent while listening)
    const stream = await navigator.mediaDevices.getUserMedia({audio: {
      channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
    const factor = ctx.sampleRate % 16000 === 0 ? ctx.sampleRate / 16000 : 1;
    const node = new AudioWorkletNode(ctx, "kiosk-mic", {
      numberOfInputs: 1, numberOfOutputs: 0, processorOptions: {factor: factor}});
    node.port.onmessage = (event) => {
      if (mic.listening && socket && socket.readyState === WebSocket.OPEN) socket.send(event.data);
    };
    const source = ctx.createMediaStreamSource(stream);
    source.connect(node);
    Object.assign(mic, {stream: stream, source: source, node: node, rate: ctx.sampleRate / factor});
  }

  function releaseMic() {
    if (mic.stream) for (const track of mic.stream.getTracks()) track.stop();
    if (mic.source) mic.source.disconnect();
    if (mic.node) mic.node.port.onmessage = null;
    mic = freshMic();
  }

  async function startListening() {
    stopPlayback();
    mic.starting = true;
    mic.stopWhenReady = false;
    listeningUi(true);
    try {
      await micReady();
    } catch (err) {
      mic.starting = false;
      listeningOff();
      reveal(addMessage("bot", labels.assistant, labels.mic_blocked, view.lang));
      send({type: "mic_blocked"});   // a kiosk for a finger from now on
      return;
    }
    mic.starting = false;
    mic.listening = true;
    send({type: "mic_start", rate: mic.rate, mode: mic.mode});
    if (mic.stopWhenReady) stopListening();
  }

  function stopListening() {
    if (mic.starting) {
      mic.stopWhenReady = true;
      return;
    }
    if (!mic.listening) return;
    mic.listening = false;
    send({type: "mic_stop"});
  }

  function listeningUi(on) {
    document.body.classList.toggle("listening", on);
    $("talk-label").textContent = on ? (mic.mode === "tap" ? labels.listening_tap
                                                           : labels.listening_hold) : labels.talk;
    $("talk-button").setAttribute("aria-pressed", String(on));
    if (on) {
      $("heard").textContent = $("talk-label").textContent;
      $("heard").hidden = false;
    }
  }

  function listeningOff() {
    mic.listening = false;
    mic.pressed = false;
    listeningUi(false);
    $("heard").hidden = true;
    $("heard").textContent = "";
  }

  function showHeard(text) {
    $("heard").textContent = text;
    $("heard").hidden = false;
  }

  function talkDown(event) {
    event.preventDefault();
    activity();
    if ((mic.listening || mic.starting) && mic.mode === "tap") {
      stopListening();      // the second tap
      return;
    }
    mic.mode = "hold";
    mic.pressed = true;
    mic.downAt = Date.now();
    startListening();
  }

  function talkUp() {
    if (!mic.pressed) return;
    mic.pressed = false;
    if (Date.now() - mic.downAt < HOLD_MS) {
      mic.mode = "tap";       // a tap: listen until the person pauses, or taps again
      listeningUi(true);
      send({type: "mic_mode", mode: "tap"});
      return;
    }
    stopListening();
  }

  // --- clearing for the next person ----------------------------------------------------

  function clearAll() {
    stopPlayback();
    playback = null;
    lastSpeech = null;
    releaseMic();
    listeningOff();
    $("log").replaceChildren();
    $("say").value = "";
    $("queue").hidden = true;
    $("queue-text").textContent = "";
    $("queue-cancel").hidden = true;
    document.body.classList.remove("in-queue");
    $("still").hidden = true;
    $("still-text").textContent = "";
    $("main").scrollTop = 0;
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    try {
      window.localStorage.clear();
      window.sessionStorage.clear();
    } catch (e) { /* storage switched off: nothing kept anyway */ }
  }

  // --- wiring -------------------------------------------------------------------------

  function start(language) {
    audio();
    send({type: "start", language: language});   // the script: the 简/繁 switch, as sent
    showTalk();
  }

  function wire() {
    document.addEventListener("pointerdown", activity, {capture: true});
    document.addEventListener("keydown", activity, {capture: true});
    $("pick-cmn").addEventListener("click", () => start("cmn"));
    $("pick-yue").addEventListener("click", () => start("yue"));
    $("script-hans").addEventListener("click", () => send({type: "script", script: "hans"}));
    $("script-hant").addEventListener("click", () => send({type: "script", script: "hant"}));
    $("switch-language").addEventListener("click", (event) => {
      send({type: "language", language: event.currentTarget.dataset.language});
    });
    $("human").addEventListener("click", () => { audio(); send({type: "human"}); showTalk(); });
    $("queue-cancel").addEventListener("click", () => send({type: "cancel"}));
    $("back").addEventListener("click", () => send({type: "text", text: labels.back, title: labels.back}));
    $("done").addEventListener("click", () => send({type: "text", text: labels.done_words, title: labels.done}));
    $("more").addEventListener("click", () => send({type: "menu", name: "more", title: labels.more}));
    $("replay").addEventListener("click", replay);
    $("still-here").addEventListener("click", activity);
    $("send").addEventListener("click", sendTyped);
    $("say").addEventListener("keydown", (event) => { if (event.key === "Enter") sendTyped(); });
    const talk = $("talk-button");
    talk.addEventListener("pointerdown", talkDown);
    talk.addEventListener("pointerup", talkUp);
    talk.addEventListener("pointercancel", talkUp);
    talk.addEventListener("pointerleave", talkUp);
    talk.addEventListener("contextmenu", (event) => event.preventDefault());
    talk.addEventListener("click", (event) => {
      if (event.detail !== 0) return;   // keyboard (Enter, Space): tap on, tap off
      if (mic.listening || mic.starting) { stopListening(); return; }
      mic.mode = "tap";
      startListening();
    });
    connect();
  }

  wire();
})();
