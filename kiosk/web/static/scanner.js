/*
 * DakBooth scanner input for the counter pages.
 *
 * Every scan reaches the page as ONE `dakbooth:scan` DOM event on `document`
 * (detail: {code, kind, source, error}), whatever the scanner is:
 *  - serial/evdev scanners and the camera: read by the kiosk and pushed over the
 *    server-sent-events stream GET /api/v1/scans/stream;
 *  - a USB keyboard wedge: captured here as a burst of fast keystrokes ending in
 *    the suffix key, whatever field has focus.
 * kind is "tracking" (a valid S10 number, canonical), "invalid" (S10-shaped but
 * wrong; error says why) or "other" (any other payload).
 *
 * Usage: <script src="/static/scanner.js" defer></script> starts it with the
 * defaults; data-* attributes on the script tag (data-min-length, data-inter-key-ms,
 * data-suffix, data-stream="false", data-autostart="false") or
 * DakScanner.start({...}) change them. The kiosk's own wedge settings
 * (devices.scanner min_len, inter_key_ms, suffix) arrive on the stream as a
 * `config` event and apply unless the page set them explicitly.
 */
(function () {
  "use strict";

  var S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];
  var LOOKS_S10 = /^[A-Z]{2}\d{7,11}[A-Z]{2}$/;
  var S10 = /^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$/;
  var SUFFIX_KEYS = { CR: "Enter", LF: "Enter", CRLF: "Enter", Enter: "Enter", Tab: "Tab" };

  var defaults = {
    minLength: 4,          // shortest accepted wedge scan
    interKeyMs: 50,        // longest gap between two keys of one scan
    suffix: "Enter",       // key that ends a scan: Enter (CR/LF/CRLF) or Tab
    country: "BD",         // S10 numbers must be of this country
    duplicateWindowMs: 2000, // the same wedge scan again within this time is dropped
    keepInField: false,    // false: remove the burst from the focused field
    stream: true,          // listen to the kiosk's scan stream
    streamUrl: "/api/v1/scans/stream",
    retryMs: 3000          // reconnect delay when the stream closes (e.g. before login)
  };

  var options = {};
  var explicit = {};
  var buffer = [];
  var lastKeyAt = 0;
  var lastScan = { code: "", at: 0 };
  var source = null;
  var retryTimer = null;
  var started = false;

  function checkDigit(serial) {
    var total = 0;
    for (var i = 0; i < 8; i++) total += Number(serial[i]) * S10_WEIGHTS[i];
    var c = 11 - (total % 11);
    return c === 10 ? 0 : c === 11 ? 5 : c;
  }

  /** Classify a scanned string like the kiosk does: tracking, invalid or other. */
  function classify(text) {
    var candidate = String(text).replace(/[\s-]/g, "").toUpperCase();
    if (!LOOKS_S10.test(candidate)) return { code: String(text), kind: "other", error: "" };
    var m = S10.exec(candidate);
    if (!m) return { code: candidate, kind: "invalid", error: "not in S10 form (2 letters, 9 digits, 2 letters)" };
    if (Number(m[3]) !== checkDigit(m[2])) return { code: candidate, kind: "invalid", error: "wrong check digit" };
    if (options.country && m[4] !== options.country) {
      return { code: candidate, kind: "invalid", error: "not a " + options.country + " number" };
    }
    return { code: candidate, kind: "tracking", error: "" };
  }

  function dispatch(detail) {
    document.dispatchEvent(new CustomEvent("dakbooth:scan", { detail: detail, bubbles: true }));
  }

  function isEditable(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA") && typeof el.value === "string";
  }

  function removeBurst(el, text) {
    // the burst's characters were typed into the focused field before we knew it was a scan
    if (!isEditable(el) || !text) return;
    var v = el.value;
    if (v.slice(-text.length) === text) {
      el.value = v.slice(0, v.length - text.length);
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function onKeyDown(event) {
    var now = event.timeStamp || performance.now();
    var gap = now - lastKeyAt;
    lastKeyAt = now;
    if (event.key === options.suffix) {
      var text = buffer.map(function (k) { return k.key; }).join("");
      var fast = buffer.length > 0 && gap <= options.interKeyMs;
      buffer = [];
      if (!fast || text.length < options.minLength) return;
      event.preventDefault(); // Enter from a scanner must not submit the form
      event.stopPropagation();
      if (!options.keepInField) removeBurst(document.activeElement, text);
      if (text === lastScan.code && now - lastScan.at < options.duplicateWindowMs) {
        lastScan.at = now;
        return;
      }
      lastScan = { code: text, at: now };
      var scan = classify(text);
      scan.source = "wedge";
      dispatch(scan);
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) {
      if (event.key !== "Shift") buffer = [];
      return;
    }
    if (gap > options.interKeyMs) buffer = [];
    buffer.push({ key: event.key, at: now });
  }

  function applyServerConfig(cfg) {
    var map = { min_len: "minLength", inter_key_ms: "interKeyMs", suffix: "suffix" };
    Object.keys(map).forEach(function (k) {
      var name = map[k];
      if (cfg[k] === undefined || explicit[name]) return;
      options[name] = name === "suffix" ? SUFFIX_KEYS[cfg[k]] || "Enter" : Number(cfg[k]);
    });
  }

  function openStream() {
    if (!options.stream || typeof EventSource === "undefined") return;
    source = new EventSource(options.streamUrl);
    source.addEventListener("config", function (e) {
      try { applyServerConfig(JSON.parse(e.data)); } catch (err) { /* a bad config event changes nothing */ }
    });
    source.addEventListener("scan", function (e) {
      var scan;
      try { scan = JSON.parse(e.data); } catch (err) { return; }
      if (!scan || typeof scan.code !== "string") return;
      dispatch({ code: scan.code, kind: scan.kind || "other", source: scan.source || "device", error: scan.error || "" });
    });
    source.onerror = function () {
      // EventSource retries by itself unless the server refused (closed): then retry later
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        retryTimer = setTimeout(openStream, options.retryMs);
      }
    };
  }

  function fromScriptTag() {
    var tag = document.currentScript || document.querySelector("script[src$='scanner.js']");
    var out = {};
    if (!tag) return out;
    var d = tag.dataset;
    if (d.minLength) out.minLength = Number(d.minLength);
    if (d.interKeyMs) out.interKeyMs = Number(d.interKeyMs);
    if (d.suffix) out.suffix = SUFFIX_KEYS[d.suffix] || d.suffix;
    if (d.keepInField) out.keepInField = d.keepInField === "true";
    if (d.stream) out.stream = d.stream !== "false";
    if (d.streamUrl) out.streamUrl = d.streamUrl;
    if (d.autostart) out.autostart = d.autostart !== "false";
    return out;
  }

  var tagOptions = fromScriptTag();

  /** Start listening (idempotent); opts override the defaults and the kiosk's config. */
  function start(opts) {
    stop();
    explicit = Object.assign({}, tagOptions, opts || {});
    if (explicit.suffix) explicit.suffix = SUFFIX_KEYS[explicit.suffix] || explicit.suffix;
    options = Object.assign({}, defaults, explicit);
    document.addEventListener("keydown", onKeyDown, true);
    openStream();
    started = true;
  }

  /** Stop listening to the keyboard and the stream. */
  function stop() {
    if (!started) return;
    document.removeEventListener("keydown", onKeyDown, true);
    if (source) source.close();
    if (retryTimer) clearTimeout(retryTimer);
    source = null;
    retryTimer = null;
    buffer = [];
    started = false;
  }

  window.DakScanner = {
    start: start,
    stop: stop,
    classify: classify,
    options: function () { return Object.assign({}, options); }
  };

  if (tagOptions.autostart !== false) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { start(); });
    else start();
  }
})();
