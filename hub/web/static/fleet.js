// The fleet view: snapshot from fleet.json, then deltas over server-sent events. Text only via textContent.
"use strict";
(function () {
  const script = document.currentScript;
  const SNAPSHOT = script.dataset.snapshot, STREAM = script.dataset.stream, BOOTH = script.dataset.booth;
  const rows = new Map();
  const changedAt = new Map();
  const state = { version: 0, offset: 0, limit: 200, deltas: 0, source: null, timer: null };
  window.__fleet = state;
  const form = document.getElementById("filters");
  const tbody = document.querySelector("#grid tbody");
  const svg = document.getElementById("map");
  const SVGNS = "http://www.w3.org/2000/svg";
  // Texts and digits in the page's language, from the page itself (see the i18n block in the layout).
  const I18N = JSON.parse(document.getElementById("i18n").textContent);
  function num(value) {
    const s = String(value);
    return I18N.bengali_digits ? s.replace(/[0-9]/g, (d) => "০১২৩৪৫৬৭৮৯"[d]) : s;
  }
  function say(key, vars) {
    let s = I18N.texts[key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("%(" + k + ")s").join(num(v));
    return s;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function nowS() { return Date.now() / 1000 + state.offset; }
  function age(sec) {
    if (sec === null || sec === undefined) return "–";
    sec = Math.max(0, sec);
    if (sec < 90) return say("age_s", { n: Math.round(sec) });
    if (sec < 5400) return say("age_min", { n: Math.round(sec / 60) });
    if (sec < 172800) return say("age_h", { n: (sec / 3600).toFixed(1) });
    return say("age_d", { n: Math.round(sec / 86400) });
  }
  function problem(r) {
    return r.state !== "online" || r.alerts > 0 || Object.values(r.devices || {}).some((d) => d.state === "error" || d.state === "warning");
  }
  function filters() {
    const f = new FormData(form);
    return { division: f.get("division"), district: f.get("district"), state: f.get("state"), q: (f.get("q") || "").toLowerCase() };
  }
  function matches(r, f, ignoreDistrict) {
    if (f.division && r.division !== f.division) return false;
    if (!ignoreDistrict && f.district && r.district !== f.district) return false;
    if (f.state === "problem" ? !problem(r) : f.state && r.state !== f.state) return false;
    if (f.q && !(r.id.toLowerCase().includes(f.q) || (r.name || "").toLowerCase().includes(f.q))) return false;
    return true;
  }
  const RANK = { offline: 0, silent: 1, never: 3, online: 2 };
  function order(a, b) {
    const pa = problem(a) ? 0 : 1, pb = problem(b) ? 0 : 1;
    if (pa !== pb) return pa - pb;
    if (RANK[a.state] !== RANK[b.state]) return RANK[a.state] - RANK[b.state];
    return a.id < b.id ? -1 : 1;
  }
  function rowEl(r) {
    const tr = el("tr");
    tr.dataset.booth = r.id;
    if ((changedAt.get(r.id) || 0) > Date.now() - 1500) tr.className = "changed";
    const a = el("a", r.id);
    a.href = BOOTH.replace("BOOTH", encodeURIComponent(r.id));
    const td0 = el("td"); td0.appendChild(a); tr.appendChild(td0);
    tr.appendChild(el("td", r.name));
    tr.appendChild(el("td", r.district + " · " + r.division));
    const st = el("td"); st.appendChild(el("span", say(r.state), "state state-" + r.state)); tr.appendChild(st);
    // An online booth has sent a heartbeat within the last minute; rows are not re-sent per heartbeat.
    tr.appendChild(el("td", r.state === "online" ? say("just_now") : r.seen ? say("ago", { age: age(nowS() - r.seen) }) : say("never_seen")));
    const dev = el("td");
    for (const [name, d] of Object.entries(r.devices || {}).sort()) {
      const chip = el("span", say(name), "dev dev-" + d.state);
      chip.title = say(d.state) + (d.detail ? ": " + d.detail : "");
      dev.appendChild(chip);
    }
    tr.appendChild(dev);
    tr.appendChild(el("td", r.ob === null ? "–" : num(r.ob) + (r.oba ? " / " + age(r.oba) : "")));
    tr.appendChild(el("td", r.skew === null ? "–" : (r.skew > 0 ? "+" : "") + say("age_s", { n: r.skew })));
    tr.appendChild(el("td", r.ver || "–"));
    tr.appendChild(el("td", num(r.wait ? r.wait + " (" + age(nowS() - r.wait_since) + ")" : "0")));
    tr.appendChild(el("td", num(r.cash ? r.cash.toFixed(0) : "0")));
    tr.appendChild(el("td", r.alerts ? num(r.alerts) : ""));
    return tr;
  }
  function renderGrid(list) {
    const frag = document.createDocumentFragment();
    for (const r of list.slice(0, state.limit)) frag.appendChild(rowEl(r));
    tbody.replaceChildren(frag);
    document.getElementById("shown").textContent =
      say("shown", { shown: Math.min(state.limit, list.length), total: list.length });
    document.getElementById("more").hidden = list.length <= state.limit;
  }
  function renderSummary(list) {
    const counts = { online: 0, silent: 0, offline: 0, never: 0, alerts: 0 };
    for (const r of list) { counts[r.state] += 1; if (r.alerts) counts.alerts += 1; }
    for (const [k, v] of Object.entries(counts)) document.querySelector('[data-count="' + k + '"]').textContent = num(v);
  }
  function renderMap(f) {
    const by = new Map();
    for (const r of rows.values()) {
      if (!matches(r, f, true) || r.district === "unknown") continue;
      const g = by.get(r.district) || { n: 0, on: 0, lat: r.lat, lon: r.lon, division: r.division };
      g.n += 1; if (r.state === "online") g.on += 1;
      by.set(r.district, g);
    }
    const frag = document.createDocumentFragment();
    const land = document.createElementNS(SVGNS, "path");
    land.setAttribute("d", window.BDMAP.outlinePath()); land.setAttribute("class", "land");
    frag.appendChild(land);
    for (const [district, g] of by) {
      const [x, y] = window.BDMAP.project(g.lon, g.lat);
      const c = document.createElementNS(SVGNS, "circle");
      c.setAttribute("cx", x.toFixed(1)); c.setAttribute("cy", y.toFixed(1));
      c.setAttribute("r", (5 + Math.min(24, Math.sqrt(g.n) * 1.2)).toFixed(1));
      const share = g.on / g.n;
      c.setAttribute("fill", share >= 0.95 ? "#2e9e55" : share >= 0.7 ? "#e0a800" : "#d9534f");
      c.setAttribute("class", "bubble" + (f.district === district ? " selected" : ""));
      c.dataset.district = district;
      const t = document.createElementNS(SVGNS, "title");
      t.textContent = say("district_online", { district: district, division: g.division, online: g.on, booths: g.n });
      c.appendChild(t);
      c.addEventListener("click", () => selectDistrict(district, g.division));
      frag.appendChild(c);
    }
    svg.replaceChildren(frag);
  }
  function fillDistricts(f) {
    const sel = form.elements.district;
    const names = [...new Set([...rows.values()].filter((r) => !f.division || r.division === f.division).map((r) => r.district))].sort();
    const keep = sel.value;
    sel.replaceChildren(el("option", say("all")));
    sel.firstChild.value = "";
    for (const n of names) sel.appendChild(el("option", n));
    sel.value = names.includes(keep) ? keep : "";
  }
  function selectDistrict(district, division) {
    form.elements.division.value = division;
    fillDistricts(filters());
    form.elements.district.value = district;
    render();
  }
  function render() {
    state.timer = null;
    const f = filters();
    const list = [...rows.values()].filter((r) => matches(r, f, false)).sort(order);
    renderSummary(list);
    renderGrid(list);
    renderMap(f);
    state.rendered = state.version;
  }
  function schedule() { if (!state.timer) state.timer = setTimeout(render, 300); }

  async function load() {
    const res = await fetch(SNAPSHOT, { credentials: "same-origin" });
    if (!res.ok) { document.getElementById("live").textContent = say("cannot_load", { status: res.status }); return; }
    const body = await res.json();
    rows.clear();
    for (const r of body.booths) rows.set(r.id, r);
    state.version = body.version;
    state.offset = parseFloat(res.headers.get("X-Server-Time") || "0") - Date.now() / 1000 || 0;
    fillDistricts(filters());
    render();
    listen();
  }
  function listen() {
    if (state.source) state.source.close();
    const es = new EventSource(STREAM + "?since=" + state.version);
    state.source = es;
    const live = document.getElementById("live");
    es.onopen = () => { live.textContent = say("live"); live.className = "live on"; };
    es.onerror = () => { live.textContent = say("reconnecting"); live.className = "live"; };
    es.addEventListener("delta", (ev) => {
      const body = JSON.parse(ev.data);
      state.version = body.version;
      state.deltas += 1;
      state.lastDelta = body;
      const t = Date.now();
      for (const r of body.booths) { rows.set(r.id, r); changedAt.set(r.id, t); }
      schedule();
    });
    es.addEventListener("reset", () => { es.close(); load(); });
  }
  form.addEventListener("input", (ev) => {
    if (ev.target.name === "division") fillDistricts(filters());
    state.limit = 200;
    render();
  });
  document.getElementById("more").addEventListener("click", () => { state.limit += 500; render(); });
  setInterval(schedule, 5000);  // ages move on even without deltas
  load();
})();
