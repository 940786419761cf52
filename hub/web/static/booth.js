// The booth page: the state and last-seen age follow the fleet stream.
"use strict";
(function () {
  const STREAM = document.currentScript.dataset.stream;
  const box = document.getElementById("now");
  if (!box) return;
  const id = box.dataset.booth;
  const stateEl = box.querySelector('[data-field="state"]');
  const seenEl = box.querySelector('[data-field="seen"]');
  const I18N = JSON.parse(document.getElementById("i18n").textContent);
  function say(key, vars) {
    let s = I18N.texts[key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("%(" + k + ")s").join(String(v));
    return I18N.bengali_digits ? s.replace(/[0-9]/g, (d) => "০১২৩৪৫৬৭৮৯"[d]) : s;
  }
  function showSeen() {
    const e = parseFloat(seenEl.dataset.epoch);
    seenEl.textContent = isNaN(e) ? say("never_seen") : say("seconds_ago", { seconds: Math.max(0, Math.round(Date.now() / 1000 - e)) });
  }
  showSeen();
  setInterval(showSeen, 1000);
  function listen(since) {
    const es = new EventSource(STREAM + "?since=" + since);
    es.addEventListener("reset", (ev) => { es.close(); listen(ev.lastEventId || 0); });
    es.addEventListener("delta", (ev) => {
      for (const r of JSON.parse(ev.data).booths) {
        if (r.id !== id) continue;
        stateEl.textContent = say(r.state);
        stateEl.className = "state state-" + r.state;
        seenEl.dataset.epoch = r.seen || "";
        showSeen();
      }
    });
  }
  listen(0);
})();
