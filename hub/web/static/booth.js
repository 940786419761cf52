// The booth page: the state and last-seen age follow the fleet stream.
"use strict";
(function () {
  const STREAM = document.currentScript.dataset.stream;
  const box = document.getElementById("now");
  if (!box) return;
  const id = box.dataset.booth;
  const stateEl = box.querySelector('[data-field="state"]');
  const seenEl = box.querySelector('[data-field="seen"]');
  function showSeen() {
    const e = parseFloat(seenEl.dataset.epoch);
    seenEl.textContent = isNaN(e) ? "never" : Math.max(0, Math.round(Date.now() / 1000 - e)) + " s ago";
  }
  showSeen();
  setInterval(showSeen, 1000);
  function listen(since) {
    const es = new EventSource(STREAM + "?since=" + since);
    es.addEventListener("reset", (ev) => { es.close(); listen(ev.lastEventId || 0); });
    es.addEventListener("delta", (ev) => {
      for (const r of JSON.parse(ev.data).booths) {
        if (r.id !== id) continue;
        stateEl.textContent = r.state;
        stateEl.className = "state state-" + r.state;
        seenEl.dataset.epoch = r.seen || "";
        showSeen();
      }
    });
  }
  listen(0);
})();
