"use strict";
const $ = (id) => document.getElementById(id);
let counter = 0;

// A link in the bot's words (a form to download) is made clickable; everything else stays text.
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

function bubble(text, who, choices) {
  const div = document.createElement("div");
  div.className = `bubble ${who}`;
  withLinks(div, text);
  if (choices && choices.length) {
    const row = document.createElement("div");
    row.className = "choices";
    for (const choice of choices) {
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
}

async function send(text, shown) {
  bubble(shown || text, "me");
  const body = {
    sender_id: $("sender").value.trim() || "demo-resident-1",
    text,
    message_id: `web-${Date.now()}-${counter++}`,
    community: $("community").value || null,
  };
  const response = await fetch("/api/chat", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) { bubble(`（出错了：${response.status}）`, "bot"); return; }
  for (const reply of await response.json()) bubble(reply.text, "bot", reply.choices);
  refreshTickets();
}

async function refreshTickets() {
  const response = await fetch("/api/demo/tickets");
  if (!response.ok) return;
  const rows = await response.json();
  const body = $("tickets");
  body.replaceChildren();
  for (const t of rows) {
    const tr = document.createElement("tr");
    const cells = [t.number, `${t.category}（${t.intake_type}）`, t.address, t.assignee, t.due_label, t.status_label];
    for (const value of cells) {
      const td = document.createElement("td");
      td.textContent = value;
      tr.appendChild(td);
    }
    const desc = document.createElement("div");
    desc.className = "desc";
    desc.textContent = t.description;
    tr.children[1].appendChild(desc);
    body.appendChild(tr);
  }
}

async function loadCommunities() {
  const response = await fetch("/api/demo/communities");
  for (const c of await response.json()) {
    const option = document.createElement("option");
    option.value = c.key;
    option.textContent = c.name;
    $("community").appendChild(option);
  }
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  send(text);
});
loadCommunities();
refreshTickets();
setInterval(refreshTickets, 3000);
