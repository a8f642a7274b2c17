"use strict";
// The demo page: the residents' chat page (/chat) in a phone frame, and every ticket beside it.
const $ = (id) => document.getElementById(id);

function openChat(fresh) {
  const query = new URLSearchParams();
  if ($("community").value) query.set("community", $("community").value);
  if (fresh) query.set("fresh", "1");
  $("chat").src = `/chat?${query}`;
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
  const response = await fetch("/api/web/communities");
  for (const c of await response.json()) {
    const option = document.createElement("option");
    option.value = c.key;
    option.textContent = c.name;
    $("community").appendChild(option);
  }
}

$("community").addEventListener("change", () => openChat(false));
$("new-resident").addEventListener("click", () => openChat(true));
loadCommunities();
refreshTickets();
setInterval(refreshTickets, 3000);
