/*
 * The counter pages' answer to scans: every `dakbooth:scan` event (from scanner.js:
 * keyboard wedge, serial scanner or camera) lands in the page's scan target, from
 * anywhere on the page, whatever field has focus.
 *  - a tracking number goes to the field marked data-scan="tracking" and, when that
 *    field's form has data-scan-submit, submits it (data-scan-lookup: reloads the page
 *    with ?tracking_id=, so the intake form fills in from the merchant's pre-advice);
 *  - a 6-digit collection code (typed into a phone's QR or a printed slip) goes to
 *    data-scan="code";
 *  - anything else is shown in the toast and ignored.
 */
(function () {
  "use strict";
  var BENGALI = /[০-৯]/g;

  function toast(text) {
    var el = document.getElementById("scan-toast");
    if (!el) return;
    el.textContent = text;
    el.classList.add("show");
    setTimeout(function () { el.classList.remove("show"); }, 3000);
  }

  function fill(field, value) {
    if (field.hasAttribute("data-scan-lookup")) {
      // a scanned label is looked up (pre-advice) by reloading the form with it
      window.location.search = "?tracking_id=" + encodeURIComponent(value);
      return;
    }
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    var form = field.form;
    if (form && form.hasAttribute("data-scan-submit")) {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    } else {
      var next = form && form.querySelector("[data-after-scan]");
      (next || field).focus();
    }
  }

  document.addEventListener("dakbooth:scan", function (event) {
    var d = event.detail || {};
    var code = String(d.code || "").trim().replace(BENGALI, function (c) { return String(c.charCodeAt(0) - 0x09E6); });
    var body = document.body;
    if (d.kind === "tracking") {
      var target = document.querySelector("[data-scan='tracking']");
      if (target) { fill(target, code); return; }
    } else if (/^\d{6}$/.test(code)) {
      var codeField = document.querySelector("[data-scan='code']");
      if (codeField) { fill(codeField, code); return; }
    }
    toast((body.getAttribute("data-scan-ignored") || "Scan not used here") + ": " + code);
  });
})();
