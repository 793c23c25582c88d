/* The villager's touchscreen: everything the page does besides htmx.
 *  - a keyboard-wedge scanner (a burst of fast keys ending in Enter) is caught whatever has focus;
 *    there is no text field, so no input method ever sees the code
 *  - scans from the server-side scanner service arrive on an event stream (tickets, not codes)
 *  - the idle countdown returns to the waiting screen and forgets the household
 *  - the confirm form carries an idempotency key made here, kept for the visit
 *  - the PIN keypad, sound cues, the CSRF header, and a screen for "server unreachable"
 */
(function () {
  "use strict";

  var body = document.body;
  var WEDGE_GAP_MS = 50;      // scanners type a key every few ms; people are far slower
  var WEDGE_RESET_MS = 400;   // a pause this long starts a new burst
  var WEDGE_MIN_CHARS = 6;
  var idleSeconds = parseInt(body.dataset.idleSeconds, 10) || 30;
  var warnAt = Math.max(1, Math.min(10, Math.ceil(idleSeconds / 2)));
  var remaining = idleSeconds;
  var inFlight = 0;
  var queuedScan = null;

  htmx.config.timeout = 20000;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  body.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRFToken"] = csrfToken();
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("[data-idempotency]")) {
      evt.detail.parameters.key = ensureKey(form);
    }
  });

  /* ---- scans: wedge and event stream, one at a time ---- */

  function submitScan(values) {
    if (inFlight > 0) {   // a confirm may be committing: the newest scan waits its turn
      queuedScan = values;
      return;
    }
    hideWarning();
    htmx.ajax("POST", body.dataset.scanUrl, {
      source: body, target: "#screen", swap: "outerHTML", values: values
    });
  }

  body.addEventListener("htmx:beforeRequest", function () { inFlight += 1; });
  body.addEventListener("htmx:afterRequest", function () {
    inFlight = Math.max(0, inFlight - 1);
    if (inFlight === 0 && queuedScan) {
      var next = queuedScan;
      queuedScan = null;
      window.setTimeout(function () { submitScan(next); }, 0);
    }
  });

  /* ---- taps on the goods, one request at a time ----
   * Two quick taps must both count: each request reads the basket the one before it wrote. A
   * tap while another is on its way waits here and is sent from the goods area, which stays. */
  var basketBusy = false;
  var taps = [];

  function sendTap(values) {
    basketBusy = true;
    htmx.ajax("POST", body.dataset.basketUrl, {
      source: document.getElementById("goods-scroll"), target: "#goods", swap: "outerHTML",
      values: values
    });
  }

  body.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    if (!elt.matches || !elt.matches("[data-tap]")) return;
    if (basketBusy) {
      evt.preventDefault();
      taps.push({ product: elt.dataset.product, delta: elt.dataset.tap });
      return;
    }
    basketBusy = true;
  });

  body.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt.matches || !(elt.matches("[data-tap]") || elt.id === "goods-scroll")) return;
    basketBusy = false;
    if (taps.length && document.getElementById("goods-scroll")) {
      sendTap(taps.shift());
    } else {
      taps = [];
    }
  });

  var CODE_KEYS = /^(Key([A-Z])|Digit([0-9])|Numpad([0-9])|Minus)$/;

  function charOf(evt) {
    if (evt.key && evt.key.length === 1 && evt.key !== " ") return evt.key;
    // An input method (or a scanner in another layout) may report "Process": use the key's place.
    var m = CODE_KEYS.exec(evt.code || "");
    if (!m) return "";
    return m[2] || m[3] || m[4] || "-";
  }

  // A burst is judged at its Enter by the median gap between its keys, so one slow key (the
  // browser busy for a moment) does not cut a code in two, and a person typing never counts.
  var buffer = "";
  var stamps = [];

  function medianGap() {
    var gaps = [];
    for (var i = 1; i < stamps.length; i += 1) gaps.push(stamps[i] - stamps[i - 1]);
    gaps.sort(function (a, b) { return a - b; });
    return gaps.length ? gaps[Math.floor(gaps.length / 2)] : Infinity;
  }

  window.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.altKey || evt.metaKey) return;
    var now = evt.timeStamp || performance.now();
    if (stamps.length && now - stamps[stamps.length - 1] > WEDGE_RESET_MS) {
      buffer = "";
      stamps = [];
    }
    if (evt.key === "Enter") {
      if (buffer.length >= WEDGE_MIN_CHARS && medianGap() <= WEDGE_GAP_MS) {
        evt.preventDefault();
        evt.stopPropagation();
        submitScan({ code: buffer, source: "wedge" });
      }
      buffer = "";
      stamps = [];
      return;
    }
    var ch = charOf(evt);
    if (ch) {
      buffer += ch;
      stamps.push(now);
      evt.preventDefault();  // nothing on this page takes typed text
    }
  }, true);

  function connectStream() {
    if (!window.EventSource || !body.dataset.stream) return;
    var source = new EventSource(body.dataset.stream);
    source.addEventListener("scan", function (evt) {
      try {
        submitScan({ ticket: JSON.parse(evt.data).ticket, source: "camera" });
      } catch (e) { /* a malformed event is ignored */ }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(connectStream, 5000);
      }
    });
  }

  /* ---- idle countdown ---- */

  var warning = document.getElementById("idle-warning");

  function idleShown() { return document.getElementById("idle-seconds") !== null; }

  function renderIdle() {
    var count = document.getElementById("idle-seconds");
    if (count) count.textContent = String(Math.max(0, remaining));
    var ring = document.getElementById("idle-ring");
    if (ring) ring.style.strokeDashoffset = String(100 - (100 * remaining) / idleSeconds);
    var big = document.getElementById("idle-warning-count");
    if (big) big.textContent = String(Math.max(0, remaining));
  }

  function hideWarning() { if (warning) warning.hidden = true; }

  function resetIdle() {
    remaining = idleSeconds;
    hideWarning();
    renderIdle();
  }

  window.setInterval(function () {
    if (!idleShown() || inFlight > 0) return;
    remaining -= 1;
    renderIdle();
    if (remaining <= 0) {
      hideWarning();
      remaining = idleSeconds;
      htmx.ajax("POST", body.dataset.resetUrl, { source: body, target: "#screen", swap: "outerHTML" });
    } else if (remaining <= warnAt && warning && warning.hidden) {
      warning.hidden = false;
      var stay = document.getElementById("idle-stay");
      if (stay) stay.focus();
    }
  }, 1000);

  // Any touch restarts the countdown. While the warning is up, the touch only restarts it; the
  // warning goes away on the click that follows, so that click cannot land on the screen below.
  ["pointerdown", "keydown", "wheel", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () {
      remaining = idleSeconds;
      renderIdle();
    }, { capture: true, passive: true });
  });

  if (warning) {
    warning.addEventListener("click", function (evt) {
      evt.stopPropagation();
      htmx.ajax("POST", body.dataset.aliveUrl, { source: body, swap: "none" });
      resetIdle();
    });
  }

  /* ---- idempotency key: made once per visit's confirm, reused by every resubmit ---- */

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "kq-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function ensureKey(form) {
    var input = form.querySelector('input[name="key"]');
    if (input.value) return input.value;
    var slot = "kiosk-key-" + (form.dataset.visit || "");
    var key = null;
    try { key = window.sessionStorage.getItem(slot); } catch (e) { key = null; }
    if (!key) {
      key = newKey();
      try { window.sessionStorage.setItem(slot, key); } catch (e) { /* private mode */ }
    }
    input.value = key;
    return key;
  }

  function forgetKeys() {
    try {
      for (var i = window.sessionStorage.length - 1; i >= 0; i -= 1) {
        var name = window.sessionStorage.key(i);
        if (name && name.indexOf("kiosk-key-") === 0) window.sessionStorage.removeItem(name);
      }
    } catch (e) { /* nothing kept */ }
  }

  /* ---- PIN keypad: digits go to a hidden field, never through a text box ---- */

  function updatePin(form, value) {
    form.querySelector('input[name="pin"]').value = value;
    var dots = form.querySelectorAll(".pin-dot");
    dots.forEach(function (dot, i) { dot.classList.toggle("is-filled", i < value.length); });
    var box = form.querySelector(".pin-dots");
    if (box) box.setAttribute("aria-label", value.length + " " + (box.dataset.label || ""));
    var ok = form.querySelector(".key-ok");
    if (ok) ok.disabled = value.length < 4;
  }

  document.addEventListener("click", function (evt) {
    var key = evt.target.closest("[data-digit], [data-key]");
    if (!key) return;
    var form = key.closest("[data-pin-pad]");
    if (!form) return;
    var value = form.querySelector('input[name="pin"]').value;
    if (key.dataset.digit && value.length < 6) value += key.dataset.digit;
    if (key.dataset.key === "back") value = value.slice(0, -1);
    updatePin(form, value);
  });

  /* ---- sounds: scan accepted, done, error (if this kiosk and this visit want them) ---- */

  function play(name) {
    var toggle = document.getElementById("sound-toggle");
    if (!toggle || toggle.dataset.sounds !== "on") return;
    var audio = document.getElementById("sound-" + name);
    if (!audio) return;
    try {
      audio.currentTime = 0;
      var p = audio.play();
      if (p && p.catch) p.catch(function () { /* autoplay refused until the first touch */ });
    } catch (e) { /* no audio device */ }
  }

  body.addEventListener("kiosk-sound", function (evt) {
    play(evt.detail && evt.detail.value);
  });

  /* ---- when the server cannot be reached at all ---- */

  function showOffline() {
    var tpl = document.getElementById("offline-screen");
    var screen = document.getElementById("screen");
    if (!tpl || !screen) return;
    screen.replaceWith(tpl.content.cloneNode(true));
    play("error");
  }

  body.addEventListener("htmx:sendError", showOffline);
  body.addEventListener("htmx:timeout", showOffline);

  /* ---- each new screen ---- */

  function settle(root) {
    var screen = document.getElementById("screen");
    if (!screen || !root.contains(screen) && root !== screen) return;
    resetIdle();
    if (screen.dataset.screen === "done" || screen.dataset.screen === "waiting") forgetKeys();
    screen.querySelectorAll("form[data-idempotency]").forEach(ensureKey);
    var title = document.getElementById("screen-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus({ preventScroll: true });
    }
  }

  htmx.onLoad(settle);
  connectStream();
})();

/* The village's notices on the waiting screen, one slide at a time. The interval looks the
   slides up each time, so it keeps working after htmx swaps the screen. */
(function rotateNotices() {
  "use strict";
  let shown = 0;
  function show() {
    const slides = Array.from(document.querySelectorAll("#notice-slides .notice-slide"));
    if (!slides.length) return;
    shown = (shown + 1) % slides.length;
    slides.forEach((slide, i) => { slide.hidden = i !== shown; });
  }
  function first() {
    const slides = Array.from(document.querySelectorAll("#notice-slides .notice-slide"));
    shown = 0;
    slides.forEach((slide, i) => { slide.hidden = i !== 0; });
  }
  document.addEventListener("DOMContentLoaded", first);
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail && event.detail.target && event.detail.target.id === "screen") first();
  });
  setInterval(show, 9000);
})();
