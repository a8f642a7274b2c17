// The console's live parts, each an optional enhancement of a page that works without it: the notice
// preview as residents will read it (the compose form posted, with its CSRF token, to data-preview-url a
// moment after each change), the delivery report (data-report-url, every 2 s) and the 转派 picker's search.
(function () {
  "use strict";

  function later(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function fill(id, text) {
    const found = document.getElementById(id);
    if (found) found.textContent = text;
  }

  function startPreview(form) {
    let asked = 0;
    async function refresh() {
      const mine = ++asked;
      let answer = null;
      try {
        const response = await fetch(form.dataset.previewUrl, {
          method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
          body: new URLSearchParams(new FormData(form)),
        });
        answer = { ok: response.ok, data: await response.json() };
      } catch (error) {
        answer = null;
      }
      if (mine !== asked) return; // a newer preview is on its way
      if (answer === null) {
        fill("preview-problem", form.dataset.failed);
      } else if (answer.ok) {
        const data = answer.data;
        fill("preview-problem", "");
        fill("preview-text", data.text);
        fill("preview-count", String(data.recipients));
        fill("preview-channels", data.channels);
        const approvals = document.getElementById("preview-approvals");
        if (approvals) approvals.textContent = data.approvals ? approvals.dataset.label + "：" + data.approvals : "";
      } else if (touched) { // an empty form just opened is not a mistake yet
        const data = answer.data;
        fill("preview-problem", data.problem + (data.detail ? " " + data.detail : ""));
      }
    }
    let touched = false;
    const soon = later(refresh, 400);
    function edited() {
      touched = true;
      soon();
    }
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);
    refresh();
  }

  function startReport(section) {
    async function refresh() {
      try {
        const response = await fetch(section.dataset.reportUrl, { credentials: "same-origin" });
        if (!response.ok) return;
        const data = await response.json();
        for (const name of ["pending", "retrying", "sent", "not_delivered"]) {
          const field = section.querySelector('[data-field="' + name + '"]');
          if (field) field.textContent = String(data[name]);
        }
        const list = section.querySelector('[data-field="reasons"]');
        if (list) {
          list.replaceChildren(...data.reasons.map(function (reason) {
            const item = document.createElement("li");
            item.textContent = reason.label + "：" + reason.count;
            return item;
          }));
        }
        fill("notice-stage", data.stage_label);
        fill("notice-recipients", String(data.recipients));
      } catch (error) {
        // the next tick tries again
      }
    }
    setInterval(function () {
      if (!document.hidden) refresh();
    }, 2000);
  }

  // The 转派 picker: typing narrows the list of colleagues to those whose name, role or area match.
  function startPicker(picker) {
    const search = picker.querySelector(".picker-search");
    const choices = Array.from(picker.querySelectorAll("label.choice"));
    const none = picker.querySelector(".picker-none");
    search.hidden = false;
    search.addEventListener("input", function () {
      const wanted = search.value.trim().toLowerCase();
      let shown = 0;
      for (const choice of choices) {
        const match = !wanted || choice.dataset.search.toLowerCase().includes(wanted);
        choice.hidden = !match;
        if (match) shown += 1;
      }
      if (none) none.hidden = shown > 0;
    });
  }

  const form = document.querySelector("form[data-preview-url]");
  if (form) startPreview(form);
  const picker = document.querySelector("form.picker");
  if (picker) startPicker(picker);
  const report = document.querySelector("[data-report-url]");
  if (report) startReport(report);
})();
