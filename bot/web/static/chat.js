"use strict";
// The residents' chat page. The browser keeps a signed identity (no password) and a cursor: the last message
// from the office it has shown. It long-polls the inbox after that cursor, so what the office sends appears
// while the page is open, and what came while it was closed appears on return, each message once.
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const KEYS = { token: "frontdoor.token", cursor: "frontdoor.cursor", history: "frontdoor.history",
  elder: "frontdoor.elder", size: "frontdoor.size" };
const HISTORY = 60;
const community = params.get("community") || null;
let counter = 0;

if (params.get("fresh") === "1") for (const key of [KEYS.token, KEYS.cursor, KEYS.history]) localStorage.removeItem(key);

// One identity per browser: the page's first poll and a message typed before it is answered share one request.
let identity = null;
function token() {
  identity = identity || (async () => {
    let found = localStorage.getItem(KEYS.token);
    if (!found) {
      const response = await fetch("/api/web/identity", { method: "POST" });
      if (!response.ok) throw new Error(String(response.status));
      found = (await response.json()).token;
      localStorage.setItem(KEYS.token, found);
      localStorage.setItem(KEYS.cursor, "0");
    }
    return found;
  })().catch((error) => { identity = null; throw error; });
  return identity;
}

function withLinks(div, text) {
  for (const part of text.split(/(https?:\/\/[^\s]+)/)) {
    if (/^https?:\/\//.test(part)) {
      const link = document.createElement("a");
      link.href = part;
      link.textContent = part;
      link.target = "_blank";
      link.rel = "noopener";
      div.appendChild(link);
    } else if (part) {
      div.appendChild(document.createTextNode(part));
    }
  }
}

function speak(text) {
  if (!("speechSynthesis" in window)) return;
  speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = "zh-CN";
  utterance.rate = 0.9;
  speechSynthesis.speak(utterance);
}

function bubble(item, remember = true) {
  const div = document.createElement("div");
  div.className = `bubble ${item.who}`;
  withLinks(div, item.text);
  if (item.who !== "me") {
    const read = document.createElement("button");
    read.type = "button";
    read.className = "speak";
    read.textContent = "朗读";
    read.addEventListener("click", () => speak(item.text));
    div.appendChild(document.createElement("br"));
    div.appendChild(read);
  }
  if (item.choices && item.choices.length) {
    const row = document.createElement("div");
    row.className = "choices";
    for (const choice of item.choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.label;
      button.addEventListener("click", () => send(choice.payload, choice.label));
      row.appendChild(button);
    }
    div.appendChild(row);
  }
  $("messages").appendChild(div);
  $("messages").scrollTop = $("messages").scrollHeight;
  if (remember) {
    const history = JSON.parse(localStorage.getItem(KEYS.history) || "[]");
    history.push(item);
    localStorage.setItem(KEYS.history, JSON.stringify(history.slice(-HISTORY)));
  }
}

function status(text) {
  $("status").textContent = text || "";
  $("status").hidden = !text;
}

// A message that could not be sent is not lost: typed words go back into the box to send again.
async function send(text, shown) {
  bubble({ who: "me", text: shown || text });
  try {
    const response = await fetch("/api/web/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Resident-Token": await token() },
      body: JSON.stringify({ text, message_id: `m${Date.now()}-${counter++}`, community }),
    });
    if (response.status === 401) { localStorage.removeItem(KEYS.token); identity = null; }
    if (!response.ok) throw new Error(String(response.status));
    status("");
    for (const reply of await response.json()) bubble({ who: "bot", text: reply.text, choices: reply.choices });
  } catch (error) {
    status("消息没有发出去，请再点一次发送，或直接打电话给社区。");
    if (!shown && !$("text").value) $("text").value = text;
  }
}

// Shown once: a message is drawn only when its id is past the cursor, and the cursor moves with it.
function receive(message) {
  const cursor = Number(localStorage.getItem(KEYS.cursor) || "0");
  if (message.id <= cursor) return;
  bubble({ who: "bot office", text: message.text, choices: message.choices });
  localStorage.setItem(KEYS.cursor, String(message.id));
}

async function listen() {
  for (;;) {
    try {
      const after = localStorage.getItem(KEYS.cursor) || "0";
      const response = await fetch(`/api/web/inbox?after=${after}&wait=25`,
        { headers: { "X-Resident-Token": await token() } });
      if (response.status === 401) { localStorage.removeItem(KEYS.token); identity = null; continue; }
      if (!response.ok) throw new Error(String(response.status));
      for (const message of (await response.json()).messages) receive(message);
      status("");
    } catch (error) {
      status("网络不太好，正在重新连接…");
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

function setElder(on) {
  document.body.classList.toggle("elder", on);
  $("elder").setAttribute("aria-pressed", String(on));
  $("call").hidden = !on || !$("call").getAttribute("href");
  localStorage.setItem(KEYS.elder, on ? "1" : "0");
  const size = Number(localStorage.getItem(KEYS.size) || "0");
  if (on && size) document.body.style.setProperty("--size", `${size}px`);
  else document.body.style.removeProperty("--size");
}

function resize(step) {
  const current = parseFloat(getComputedStyle(document.body).fontSize);
  const size = Math.min(34, Math.max(18, current + step));
  localStorage.setItem(KEYS.size, String(size));
  document.body.style.setProperty("--size", `${size}px`);
}

async function loadCommunity() {
  const response = await fetch("/api/web/communities");
  if (!response.ok) return;
  const all = await response.json();
  const found = all.find((c) => c.key === community) || (all.length === 1 ? all[0] : null);
  if (!found) return;
  $("community-name").textContent = `${found.name} · 服务助手`;
  if (found.phone) {
    $("call").href = `tel:${found.phone.replace(/[^\d+]/g, "")}`;
    $("call").textContent = `打电话给社区 ${found.phone}`;
  }
  setElder(document.body.classList.contains("elder"));
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  send(text);
});
$("elder").addEventListener("click", () => setElder(!document.body.classList.contains("elder")));
$("larger").addEventListener("click", () => resize(2));
$("smaller").addEventListener("click", () => resize(-2));
for (const item of JSON.parse(localStorage.getItem(KEYS.history) || "[]")) bubble(item, false);
setElder(localStorage.getItem(KEYS.elder) === "1");
loadCommunity();
listen();
